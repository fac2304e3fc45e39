"""ISO 8601 dates: imputation, ADaM date/datetime variables, study day, durations.

admiral models: ``impute_dtc_dt`` / ``impute_dtc_dtm``, ``derive_vars_dt``,
``derive_vars_dtm``, ``derive_vars_dy``, ``derive_vars_duration``.

Imputation levels (``highest_imputation``): ``"Y"`` year, ``"M"`` month,
``"D"`` day, ``"h"`` hour, ``"m"`` minute, ``"s"`` second, ``"n"`` none. All
missing components up to that level are imputed; a value missing a higher
component gives a missing date. ``date_imputation``: ``"first"``, ``"mid"``
(day 15, or June 30 when the month is missing too), ``"last"`` (last day of the
month, leap years included) or a fixed ``"MM-DD"`` (day capped at the month's
last day). ``time_imputation``: ``"first"`` (00:00:00), ``"last"``
(23:59:59) or ``"HH:MM:SS"``. ``min_dates`` / ``max_dates`` keep the imputed
value inside bounds, admiral-style: a bound counts only when it lies in the
range the partial value allows ("2021-03" allows 2021-03-01 to 2021-03-31), so
the collected components never change. A missing year can only be imputed from
such a bound (``"first"`` with ``min_dates`` or ``"last"`` with ``max_dates``).

Dates are ``datetime64`` Series (midnight for dates; the unit pandas'
``to_datetime`` gives) with ``NaT`` for missing.

>>> import pandas as pd
>>> dtc = pd.Series(["2021-03", "2020-02", "2021", "2021-03-04T10:30"])
>>> compute_dtc_impute(dtc, highest_imputation="M", date_imputation="last").dt.strftime("%Y-%m-%d").tolist()
['2021-03-31', '2020-02-29', '2021-12-31', '2021-03-04']
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns, is_missing
from ..findings import DerivationError, Findings
from ..iso8601 import (_default_datetime_dtype, compute_date, compute_study_day, days_in_month, invalid_components,
                        month_start, parse_dtc)
from ._common import as_datetime, as_list, check_choice, date_part

DATE_LEVELS = {"n": 0, "D": 1, "M": 2, "Y": 3}
DTM_LEVELS = {"n": 0, "s": 1, "m": 2, "h": 3, "D": 4, "M": 5, "Y": 6}

_MMDD = re.compile(r"^(\d{2})-(\d{2})$")
_HMS = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
_DAY_S = 86400.0


@dataclass(frozen=True)
class ImputationRule:
    """How partial ``--DTC`` values are imputed; pass as ``rule=`` to derive_vars_dt/dtm.

    ``min_dates`` / ``max_dates`` are column names of the dataset.

    >>> print(ImputationRule(highest="M", date="first", min_dates=("TRTSDT",)))
    impute up to the month (highest 'M'): missing day/month -> first, missing time -> first; not before TRTSDT
    """

    highest: str = "n"
    date: str = "first"
    time: str = "first"
    min_dates: tuple[str, ...] = ()
    max_dates: tuple[str, ...] = ()
    preserve: bool = False

    def __post_init__(self) -> None:
        check_choice("highest", self.highest, DTM_LEVELS)
        _date_fill(self.date)
        _time_fill(self.time)
        object.__setattr__(self, "min_dates", tuple(as_list(self.min_dates)))
        object.__setattr__(self, "max_dates", tuple(as_list(self.max_dates)))

    def __str__(self) -> str:
        names = {"n": "nothing", "Y": "the year", "M": "the month", "D": "the day",
                 "h": "the hour", "m": "the minute", "s": "the second"}
        text = (
            f"impute up to {names[self.highest]} (highest {self.highest!r}): "
            f"missing day/month -> {self.date}, missing time -> {self.time}"
        )
        if self.preserve:
            text += ", a collected day is kept when the month is missing"
        if self.min_dates:
            text += f"; not before {', '.join(self.min_dates)}"
        if self.max_dates:
            text += f"; not after {', '.join(self.max_dates)}"
        return text


def _date_fill(date_imputation: str) -> tuple[str, int, int]:
    """(kind, month, day) for a date_imputation value."""
    if date_imputation in ("first", "mid", "last"):
        return date_imputation, 0, 0
    m = _MMDD.match(str(date_imputation))
    if not m or not (1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31):
        raise DerivationError(
            f"date_imputation={date_imputation!r} is not allowed",
            value=date_imputation,
            hint="use 'first', 'mid', 'last' or a month-day like '06-15'",
        )
    return "fixed", int(m.group(1)), int(m.group(2))


def _time_fill(time_imputation: str) -> tuple[float, float, float] | str:
    if time_imputation in ("first", "last"):
        return time_imputation
    m = _HMS.match(str(time_imputation))
    if not m or not (int(m.group(1)) < 24 and int(m.group(2)) < 60 and int(m.group(3)) < 60):
        raise DerivationError(
            f"time_imputation={time_imputation!r} is not allowed",
            value=time_imputation,
            hint="use 'first', 'last' or a time like '12:00:00'",
        )
    return float(m.group(1)), float(m.group(2)), float(m.group(3))


def _bound_values(values: Any, index: pd.Index, *, datetime: bool) -> np.ndarray:
    """A min/max date as float day (or second) numbers, NaN if missing.

    A datetime Series or date/datetime objects are taken as they are; text must be a complete
    ISO 8601 date (:func:`derivations.iso8601.compute_date`: a partial bound is an error, never
    a guessed day) and, for a datetime bound, is not accepted (its time would be lost).
    """
    if isinstance(values, pd.Series):
        series = values if values.index.equals(index) else values.reindex(index)
    else:
        series = pd.Series([values] * len(index), index=index, dtype=object)
    if not pd.api.types.is_datetime64_any_dtype(series):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind in ("date", "datetime", "datetime64", "empty"):
            series = pd.to_datetime(series)
        elif datetime:
            raise DerivationError("a bound of an imputed datetime must be a datetime variable, not text",
                                  variable=None if series.name is None else str(series.name),
                                  value=series.dropna().iloc[0] if series.notna().any() else None,
                                  hint="derive it first (derive_vars_dtm) and pass that column")
        else:
            series = compute_date(series, variable=None if series.name is None else str(series.name))
    arr = series.to_numpy(dtype="datetime64[s]")
    out = arr.astype("int64").astype(float)
    out[np.isnat(arr)] = np.nan
    if not datetime:
        out = np.floor(out / _DAY_S)
    return out


@dataclass
class _Imputed:
    value: pd.Series  # datetime64
    dtf: pd.Series
    tmf: pd.Series
    invalid: pd.Series  # bool


def _impute(
    dtc: pd.Series,
    *,
    highest_imputation: str,
    date_imputation: str,
    time_imputation: str,
    min_dates: Sequence[Any] | None,
    max_dates: Sequence[Any] | None,
    preserve: bool,
    datetime: bool,
    ignore_seconds_flag: bool = False,
    bounds_are_dates: bool = False,
) -> _Imputed:
    levels = DTM_LEVELS if datetime else DATE_LEVELS
    check_choice("highest_imputation", highest_imputation, levels)
    kind, fix_m, fix_d = _date_fill(date_imputation)
    tfill = _time_fill(time_imputation)
    index = dtc.index
    n = len(dtc)
    missing = is_missing(dtc).to_numpy()
    parsed, matched = parse_dtc(dtc)  # each distinct value parsed once
    y, mo, d, hh, mi, ss = (parsed[:, k] for k in range(6))
    ss = np.floor(ss)
    y0 = np.where(np.isnan(y), 2000.0, y)  # leap year stand-in when the year is unknown
    mo0 = np.where(np.isnan(mo) | (mo < 1) | (mo > 12), 1.0, mo)
    invalid = ~missing & (~matched | invalid_components(parsed))

    # required imputation level of each value
    date_req = np.select([np.isnan(y), np.isnan(mo), np.isnan(d)], [3, 2, 1], 0)
    if datetime:
        time_req = np.select([np.isnan(hh), np.isnan(mi), np.isnan(ss)], [3, 2, 1], 0)
        req = np.where(date_req > 0, date_req + 3, time_req)
    else:
        req = date_req
    allowed = req <= levels[highest_imputation]

    ymiss, mmiss, dmiss = np.isnan(y), np.isnan(mo), np.isnan(d)
    keep_day = preserve & mmiss & ~dmiss

    def impute_date(how: str) -> np.ndarray:
        if how == "fixed":
            m_fill = float(fix_m)
        else:
            m_fill = {"first": 1.0, "mid": 6.0, "last": 12.0}[how]
        m_imp = np.where(mmiss, m_fill, mo0)
        dim = days_in_month(y0, m_imp)
        if how == "first":
            d_fill = np.ones(n)
        elif how == "last":
            d_fill = dim
        elif how == "mid":
            d_fill = np.where(mmiss, 30.0, 15.0)
        else:
            d_fill = np.minimum(float(fix_d), dim)
        d_imp = np.where(dmiss | (mmiss & ~keep_day), d_fill, np.where(np.isnan(d), 1.0, d))
        d_imp = np.minimum(d_imp, dim)
        days = month_start(y0, m_imp) + d_imp - 1
        if how == "last":
            return np.where(ymiss, np.inf, days)
        return np.where(ymiss, -np.inf, days)

    def impute_time(how) -> np.ndarray:
        if how == "first":
            fh, fm, fs = 0.0, 0.0, 0.0
        elif how == "last":
            fh, fm, fs = 23.0, 59.0, 59.0
        else:
            fh, fm, fs = how
        return (
            np.where(np.isnan(hh), fh, hh) * 3600
            + np.where(np.isnan(mi), fm, mi) * 60
            + np.where(np.isnan(ss), fs, ss)
        )

    value = impute_date(kind)
    lo = impute_date("first")
    hi = impute_date("last")
    if datetime:
        value = value * _DAY_S + impute_time(tfill)
        lo = lo * _DAY_S + impute_time("first")
        hi = hi * _DAY_S + impute_time("last")
    with np.errstate(invalid="ignore"):
        for bound in min_dates or []:
            b = _bound_values(bound, index, datetime=datetime)
            inside = (lo <= b) & (b <= hi)
            value = np.where(inside, np.fmax(value, b), value)
        for bound in max_dates or []:
            b = _bound_values(bound, index, datetime=datetime)
            if datetime and bounds_are_dates:
                b = b + (_DAY_S - 1)  # a date as upper bound is the end of that day (23:59:59)
            inside = (lo <= b) & (b <= hi)
            value = np.where(inside, np.fmin(value, b), value)
    ok = ~missing & ~invalid & allowed & np.isfinite(value)
    value = np.where(ok, value, np.nan)

    unit = "s" if datetime else "D"
    arr = np.where(ok, value, 0).astype("int64").astype(f"datetime64[{unit}]")
    arr[~ok] = np.datetime64("NaT")
    result = pd.Series(arr, index=index).astype(_default_datetime_dtype())

    dtf_arr = np.select([ymiss, mmiss, dmiss], ["Y", "M", "D"], "")
    dtf = pd.Series(np.where(ok & (dtf_arr != ""), dtf_arr, None), index=index, dtype=object)
    s_flag = np.isnan(ss) & (not ignore_seconds_flag)
    tmf_arr = np.select([np.isnan(hh), np.isnan(mi), s_flag], ["H", "M", "S"], "")
    tmf = pd.Series(np.where(ok & (tmf_arr != ""), tmf_arr, None), index=index, dtype=object)
    return _Imputed(result, dtf, tmf, pd.Series(invalid, index=index))


def _report_invalid(
    invalid: pd.Series,
    dtc: pd.Series,
    *,
    findings: Findings | None,
    variable: str | None,
    usubjid: pd.Series | None = None,
) -> None:
    if not invalid.any():
        return
    bad_values = dtc[invalid]
    if findings is None:
        first = bad_values.index[0]
        raise DerivationError(
            f"{int(invalid.sum())} value(s) are not valid ISO 8601 dates",
            variable=variable,
            usubjid=None if usubjid is None else str(usubjid.loc[first]),
            value=bad_values.iloc[0],
            hint="correct the collected dates (YYYY-MM-DDThh:mm:ss, '-' for an unknown component), "
            "or pass findings= to set them missing and report them",
        )
    subj = None if usubjid is None else usubjid[invalid]
    for pos, (idx, val) in enumerate(bad_values.items()):  # one finding per bad value, not a derivation loop
        findings.add(
            "warning",
            "invalid_dtc",
            "not a valid ISO 8601 date: set to missing",
            variable=variable,
            usubjid=None if subj is None else str(subj.iloc[pos]),
            value=val,
        )


def compute_dtc_impute(
    dtc: pd.Series,
    *,
    highest_imputation: str = "n",
    date_imputation: str = "first",
    time_imputation: str = "first",
    min_dates: Sequence[Any] | None = None,
    max_dates: Sequence[Any] | None = None,
    preserve: bool = False,
    datetime: bool = False,
    findings: Findings | None = None,
) -> pd.Series:
    """Impute partial ISO 8601 values of ``dtc``; returns a datetime64 Series.

    admiral ``impute_dtc_dt`` / ``impute_dtc_dtm`` (as dates, not text). The imputation
    levels and values are described in the module docstring.

    Parameters
    ----------
    dtc
        ISO 8601 --DTC text (``-`` for an unknown component allowed).
    highest_imputation
        The highest component that may be imputed: ``"n"`` (none, default), ``"D"``,
        ``"M"``, ``"Y"``; with ``datetime=True`` also ``"h"``, ``"m"``, ``"s"``. A value
        missing a higher component gives a missing date.
    date_imputation
        ``"first"`` (default), ``"mid"`` (day 15, or June 30 when the month is missing),
        ``"last"`` (last day of the month, leap years included) or a fixed ``"MM-DD"``
        (day capped at the month's last day).
    time_imputation
        ``"first"`` (00:00:00, default), ``"last"`` (23:59:59) or ``"HH:MM:SS"``.
    min_dates, max_dates
        Bounds as Series aligned with ``dtc`` (or single dates): the imputed value is kept
        inside each bound that lies in the range the partial value allows, so collected
        components never change. A missing year is imputed only from such a bound.
    preserve
        ``True``: keep a collected day when the month is missing (``2021---15``); default ``False``.
    datetime
        ``False`` (default): the time part is ignored and the result is a date at midnight.
    findings
        Without it an invalid value raises a :class:`DerivationError`; with it the value
        becomes missing and is reported (check ``invalid_dtc``).

    Returns
    -------
    pandas.Series
        datetime64, NaT where not imputed.

    Examples
    --------
    >>> import pandas as pd
    >>> dtc = pd.Series(["2021-03", "2021", "2021-03-04"])
    >>> compute_dtc_impute(dtc, highest_imputation="M", date_imputation="mid").dt.strftime("%Y-%m-%d").tolist()
    ['2021-03-15', '2021-06-30', '2021-03-04']
    >>> compute_dtc_impute(pd.Series(["2021-03"]), highest_imputation="M",
    ...     min_dates=[pd.Series(pd.to_datetime(["2021-03-10"]))]).dt.strftime("%Y-%m-%d").tolist()
    ['2021-03-10']
    """
    res = _impute(
        dtc,
        highest_imputation=highest_imputation,
        date_imputation=date_imputation,
        time_imputation=time_imputation,
        min_dates=min_dates,
        max_dates=max_dates,
        preserve=preserve,
        datetime=datetime,
    )
    _report_invalid(res.invalid, dtc, findings=findings, variable=str(dtc.name) if dtc.name is not None else None)
    return res.value


def _rule_args(rule: ImputationRule | None, **given: Any) -> dict[str, Any]:
    if rule is None:
        return given
    return {
        "highest_imputation": rule.highest,
        "date_imputation": rule.date,
        "time_imputation": rule.time,
        "min_dates": list(rule.min_dates) or None,
        "max_dates": list(rule.max_dates) or None,
        "preserve": rule.preserve,
    }


def _derive(dataset, dtc, *, datetime, findings, ignore_seconds_flag=False, bounds_are_dates=False,
            **args) -> _Imputed:
    assert_has_columns(dataset, [dtc])
    bounds = {}
    for key in ("min_dates", "max_dates"):
        cols = as_list(args[key])
        assert_has_columns(dataset, cols)
        bounds[key] = [dataset[c] for c in cols]
    res = _impute(
        dataset[dtc],
        highest_imputation=args["highest_imputation"],
        date_imputation=args["date_imputation"],
        time_imputation=args.get("time_imputation", "first"),
        min_dates=bounds["min_dates"],
        max_dates=bounds["max_dates"],
        preserve=args["preserve"],
        datetime=datetime,
        ignore_seconds_flag=ignore_seconds_flag,
        bounds_are_dates=bounds_are_dates,
    )
    usubjid = dataset["USUBJID"] if "USUBJID" in dataset.columns else None
    _report_invalid(res.invalid, dataset[dtc], findings=findings, variable=dtc, usubjid=usubjid)
    return res


def derive_vars_dt(
    dataset: pd.DataFrame,
    *,
    dtc: str,
    new_vars_prefix: str,
    highest_imputation: str = "n",
    date_imputation: str = "first",
    flag_imputation: str = "auto",
    min_dates: list[str] | None = None,
    max_dates: list[str] | None = None,
    preserve: bool = False,
    rule: ImputationRule | None = None,
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Add ``<prefix>DT`` (and the imputation flag ``<prefix>DTF``) from ``dtc``.

    admiral ``derive_vars_dt``. ``<prefix>DTF`` is ``"D"`` (day imputed), ``"M"`` (month
    and day) or ``"Y"`` (year too), missing when nothing was imputed.

    Parameters
    ----------
    dataset
        Records with the --DTC column.
    dtc
        The ISO 8601 text column, e.g. ``"AESTDTC"``.
    new_vars_prefix
        Stem of the new variables, e.g. ``"AST"`` gives ASTDT and ASTDTF.
    highest_imputation, date_imputation, preserve
        As in :func:`compute_dtc_impute`; ``highest_imputation`` one of ``"n"`` (default),
        ``"D"``, ``"M"``, ``"Y"``.
    flag_imputation
        ``"auto"`` (default: the flag unless ``highest_imputation == "n"``), ``"date"``
        (always) or ``"none"`` (never).
    min_dates, max_dates
        Column names of ``dataset`` holding bounds (see :func:`compute_dtc_impute`).
    rule
        An :class:`ImputationRule`; replaces the individual imputation arguments.
    findings
        Invalid values become missing and are reported there; without it they raise.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ae = pd.DataFrame({"AESTDTC": ["2021-03", "2021-01", "2021-01-20"],
    ...                    "TRTSDT": pd.to_datetime(["2021-01-15"] * 3)})
    >>> out = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST",
    ...     rule=ImputationRule(highest="M", min_dates=("TRTSDT",)))
    >>> out["ASTDT"].dt.strftime("%Y-%m-%d").tolist(), out["ASTDTF"].fillna("").tolist()
    (['2021-03-01', '2021-01-15', '2021-01-20'], ['D', 'D', ''])
    """
    check_choice("flag_imputation", flag_imputation, ("auto", "date", "none"))
    args = _rule_args(
        rule,
        highest_imputation=highest_imputation,
        date_imputation=date_imputation,
        time_imputation="first",
        min_dates=min_dates,
        max_dates=max_dates,
        preserve=preserve,
    )
    check_choice("highest_imputation", args["highest_imputation"], DATE_LEVELS)
    res = _derive(dataset, dtc, datetime=False, findings=findings, **args)
    out = dataset.copy()
    out[f"{new_vars_prefix}DT"] = res.value
    if flag_imputation == "date" or (flag_imputation == "auto" and args["highest_imputation"] != "n"):
        out[f"{new_vars_prefix}DTF"] = res.dtf
    return out


def derive_vars_dtm(
    dataset: pd.DataFrame,
    *,
    dtc: str,
    new_vars_prefix: str,
    highest_imputation: str = "h",
    date_imputation: str = "first",
    time_imputation: str = "first",
    flag_imputation: str = "auto",
    min_dates: list[str] | None = None,
    max_dates: list[str] | None = None,
    preserve: bool = False,
    ignore_seconds_flag: bool = False,
    rule: ImputationRule | None = None,
    findings: Findings | None = None,
    bounds_are_dates: bool = False,
) -> pd.DataFrame:
    """Add ``<prefix>DTM``, ``<prefix>DTF`` (D/M/Y) and ``<prefix>TMF`` (H/M/S) from ``dtc``.

    admiral ``derive_vars_dtm``. ``<prefix>TMF`` is ``"H"`` when the hour was imputed,
    ``"M"`` the minute, ``"S"`` the second.

    Parameters
    ----------
    dataset
        Records with the --DTC column.
    dtc
        The ISO 8601 text column, e.g. ``"AESTDTC"``.
    new_vars_prefix
        Stem of the new variables, e.g. ``"AST"`` gives ASTDTM, ASTDTF, ASTTMF.
    highest_imputation
        ``"h"`` (default), ``"n"``, ``"s"``, ``"m"``, ``"D"``, ``"M"`` or ``"Y"``.
    date_imputation, time_imputation, preserve
        As in :func:`compute_dtc_impute`.
    flag_imputation
        ``"auto"`` (default: date flag if ``highest_imputation`` is D/M/Y, time flag unless
        it is ``"n"``), ``"both"``, ``"date"``, ``"time"`` or ``"none"``.
    min_dates, max_dates
        Column names of ``dataset`` holding bounds.
    ignore_seconds_flag
        ``True``: an imputed second is not flagged (admiral, for data collected without seconds).
    rule
        An :class:`ImputationRule`; replaces the individual imputation arguments.
    findings
        Invalid values become missing and are reported there; without it they raise.
    bounds_are_dates
        ``True`` reads the ``max_dates`` columns as dates (admiral does so for Date
        variables): a bound caps the value at the end of its day (23:59:59). Default
        ``False``: a bound is the datetime given (midnight for a date).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ae = pd.DataFrame({"AESTDTC": ["2021-03-04T10:30", "2021-03", "2021-03-04T10:30:15"]})
    >>> out = derive_vars_dtm(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M")
    >>> out["ASTDTM"].dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
    ['2021-03-04T10:30:00', '2021-03-01T00:00:00', '2021-03-04T10:30:15']
    >>> out["ASTDTF"].fillna("").tolist(), out["ASTTMF"].fillna("").tolist()
    (['', 'D', ''], ['S', 'H', ''])
    """
    check_choice("flag_imputation", flag_imputation, ("auto", "both", "date", "time", "none"))
    args = _rule_args(
        rule,
        highest_imputation=highest_imputation,
        date_imputation=date_imputation,
        time_imputation=time_imputation,
        min_dates=min_dates,
        max_dates=max_dates,
        preserve=preserve,
    )
    res = _derive(dataset, dtc, datetime=True, findings=findings, ignore_seconds_flag=ignore_seconds_flag,
                  bounds_are_dates=bounds_are_dates, **args)
    out = dataset.copy()
    out[f"{new_vars_prefix}DTM"] = res.value
    level = args["highest_imputation"]
    date_flag = flag_imputation in ("both", "date") or (flag_imputation == "auto" and level in ("Y", "M", "D"))
    time_flag = flag_imputation in ("both", "time") or (flag_imputation == "auto" and level != "n")
    if date_flag:
        out[f"{new_vars_prefix}DTF"] = res.dtf
    if time_flag:
        out[f"{new_vars_prefix}TMF"] = res.tmf
    return out

def impute_dtc_to_date(
    dtc: pd.Series,
    imputation: str | None = "last",
    *,
    dataset: str | None = None,
    variable: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Convert ISO 8601 ``--DTC`` text to dates, imputing a missing day / month.

    ``imputation``: ``"last"`` (last day of month / 31 Dec, as the peer does for RSDTC),
    ``"first"`` or ``None`` (partial dates stay missing). Returns dates (datetime64 at
    midnight) and the flag (``"D"`` day imputed, ``"M"`` month and day imputed).

    >>> import pandas as pd
    >>> d, f = impute_dtc_to_date(pd.Series(["2014-02-12T10:00", "2014-02", "2014", None]))
    >>> [None if pd.isna(x) else str(x.date()) for x in d], f.tolist()
    (['2014-02-12', '2014-02-28', '2014-12-31', None], [None, 'D', 'M', None])
    """
    if imputation not in ("last", "first", None):
        raise DerivationError(
            f"date imputation must be 'last', 'first' or None, not {imputation!r}", variable=variable
        )
    name = variable or "DTC"
    frame = pd.DataFrame({name: dtc.astype("string").str.strip()}, index=dtc.index)
    try:
        out = derive_vars_dt(frame, dtc=name, new_vars_prefix="_A", highest_imputation="M" if imputation else "n",
                             date_imputation=imputation or "first", flag_imputation="date")
    except DerivationError as exc:
        raise DerivationError("date is not ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD) or not in the calendar",
                              dataset=dataset, variable=variable, value=exc.value,
                              hint="correct the collected date in the source domain") from exc
    flag = out["_ADTF"].astype(object)
    return out["_ADT"].astype("datetime64[ns]"), flag.where(flag.notna() & flag.ne(""), None)


def compute_dy(date: pd.Series, reference_date: pd.Series) -> pd.Series:
    """Deprecated: use :func:`derivations.iso8601.compute_study_day` (the same study day, no day 0).

    >>> import pandas as pd, warnings
    >>> d = pd.Series(pd.to_datetime(["2021-01-09", "2021-01-10", "2021-01-12"]))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     compute_dy(d, pd.Series(pd.to_datetime(["2021-01-10"] * 3))).tolist()
    [-1, 1, 3]
    """
    warnings.warn("compute_dy() is deprecated; use derivations.iso8601.compute_study_day", DeprecationWarning,
                  stacklevel=2)
    return compute_study_day(date, reference_date)


def derive_vars_dy(
    dataset: pd.DataFrame,
    *,
    reference_date: str,
    source_vars: list[str],
    new_vars: list[str] | Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Add study days (Int64) of ``source_vars`` relative to ``reference_date``; no day 0.

    admiral ``derive_vars_dy``, computed by :func:`derivations.iso8601.compute_study_day`.
    Works on a Dask frame too (lazily).

    Parameters
    ----------
    dataset
        Records with the date columns.
    reference_date
        The reference date column, e.g. ``"TRTSDT"``.
    source_vars
        Date, datetime or ISO 8601 text columns (a partial text date gives a missing day).
    new_vars
        ``None`` (default): the suffix DT/DTM becomes DY (``ASTDT -> ASTDY``, ``ADTM -> ADY``);
        a list of names in the order of ``source_vars``; or ``{new: source}``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ae = pd.DataFrame({"TRTSDT": pd.to_datetime(["2021-01-10"] * 3),
    ...     "ASTDT": pd.to_datetime(["2021-01-09", "2021-01-10", None])})
    >>> derive_vars_dy(ae, reference_date="TRTSDT", source_vars=["ASTDT"])["ASTDY"].tolist()
    [-1, 1, <NA>]
    """
    sources = as_list(source_vars)
    assert_has_columns(dataset, [reference_date] + sources)
    if new_vars is None:
        mapping = {}
        for src in sources:
            stem = re.sub(r"(DTM|DT)$", "", src)
            if stem == src:
                raise DerivationError(
                    "cannot name the study day variable",
                    variable=src,
                    hint="source names should end in DT or DTM; otherwise give new_vars={new: source}",
                )
            mapping[stem + "DY"] = src
    elif isinstance(new_vars, Mapping):
        mapping = dict(new_vars)
    else:
        names = as_list(new_vars)
        if len(names) != len(sources):
            raise DerivationError("new_vars and source_vars differ in length", hint="give one new name per source variable")
        mapping = dict(zip(names, sources))
    out = dataset.copy()
    for new, src in mapping.items():
        out[new] = compute_study_day(dataset[src], dataset[reference_date])
    return out


_UNIT_DAYS = {"days": 1.0, "weeks": 7.0}


def compute_duration(
    start_date: pd.Series,
    end_date: pd.Series,
    *,
    out_unit: str = "days",
    add_one: bool = True,
    days_per_month: float = 30.4375,
    days_per_year: float = 365.25,
    floor_in: bool = True,
    trunc_out: bool = False,
) -> pd.Series:
    """Duration from ``start_date`` to ``end_date`` (+1 day if ``add_one``) in ``out_unit``, as float.

    admiral ``compute_duration``.

    Parameters
    ----------
    start_date, end_date
        Date or datetime Series, aligned.
    out_unit
        ``"days"`` (default), ``"weeks"``, ``"months"``, ``"years"``, ``"hours"``,
        ``"minutes"`` or ``"seconds"``.
    add_one
        Count both ends (``True``, default: the same day is 1 day).
    days_per_month, days_per_year
        Months and years are days divided by these (study settings); defaults 30.4375, 365.25.
    floor_in
        ``True`` (default): drop the time part of both dates first.
    trunc_out
        ``True``: truncate the result to a whole number; default ``False``.

    Returns
    -------
    pandas.Series
        float64; NaN where a date is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(pd.to_datetime(["2021-01-01"])); e = pd.Series(pd.to_datetime(["2021-01-31"]))
    >>> compute_duration(s, e).tolist(), compute_duration(s, e, out_unit="months", days_per_month=30).tolist()
    ([31.0], [1.0333333333333334])
    """
    check_choice("out_unit", out_unit, ("days", "weeks", "months", "years", "hours", "minutes", "seconds"))
    if floor_in:
        start, end = date_part(start_date), date_part(end_date)
    else:
        start, end = as_datetime(start_date), as_datetime(end_date)
    seconds = (end - start).dt.total_seconds() + (_DAY_S if add_one else 0.0)
    days = seconds / _DAY_S
    if out_unit in _UNIT_DAYS:
        result = days / _UNIT_DAYS[out_unit]
    elif out_unit == "months":
        result = days / days_per_month
    elif out_unit == "years":
        result = days / days_per_year
    else:
        result = seconds / {"hours": 3600.0, "minutes": 60.0, "seconds": 1.0}[out_unit]
    result = result.astype(float)
    if trunc_out:
        result = np.trunc(result)
    return result


def derive_vars_duration(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    start_date: str,
    end_date: str,
    out_unit: str = "days",
    add_one: bool = True,
    days_per_month: float = 30.4375,
    days_per_year: float = 365.25,
    floor_in: bool = True,
    trunc_out: bool = False,
    new_var_unit: str | None = None,
    unit_text: str | None = None,
    unit_if_missing: bool = True,
) -> pd.DataFrame:
    """Add ``new_var`` = duration from ``start_date`` to ``end_date`` (see :func:`compute_duration`).

    admiral ``derive_vars_duration``. Works on a Dask frame too (lazily).

    Parameters
    ----------
    dataset
        Records with the two date columns.
    new_var
        The new column, e.g. ``"ADURN"`` or ``"TRTDURD"``.
    start_date, end_date
        Date or datetime columns.
    out_unit, add_one, days_per_month, days_per_year, floor_in, trunc_out
        As in :func:`compute_duration`.
    new_var_unit
        Optional column for the unit: ``out_unit`` in upper case (``"DAYS"``), or ``unit_text``.
    unit_text
        The unit as written (admiral writes it as given, e.g. ``"days"``).
    unit_if_missing
        ``True`` (default): the unit is set on every record; ``False``: missing where the
        duration is missing (admiral).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ae = pd.DataFrame({"ASTDT": pd.to_datetime(["2021-01-01", "2021-01-01"]),
    ...                    "AENDT": pd.to_datetime(["2021-01-03", None])})
    >>> derive_vars_duration(ae, new_var="ADURN", start_date="ASTDT", end_date="AENDT", new_var_unit="ADURU",
    ...     unit_text="days", unit_if_missing=False)["ADURU"].tolist()
    ['days', None]
    >>> adsl = pd.DataFrame({"TRTSDT": pd.to_datetime(["2021-01-01"]), "TRTEDT": pd.to_datetime(["2021-01-14"])})
    >>> derive_vars_duration(adsl, new_var="TRTDURD", start_date="TRTSDT", end_date="TRTEDT")["TRTDURD"].tolist()
    [14.0]
    """
    assert_has_columns(dataset, [start_date, end_date])
    out = dataset.copy()
    out[new_var] = compute_duration(
        dataset[start_date],
        dataset[end_date],
        out_unit=out_unit,
        add_one=add_one,
        days_per_month=days_per_month,
        days_per_year=days_per_year,
        floor_in=floor_in,
        trunc_out=trunc_out,
    )
    if new_var_unit:
        unit = out_unit.upper() if unit_text is None else unit_text
        if unit_if_missing:
            out[new_var_unit] = unit
        else:
            out[new_var_unit] = pd.Series(np.where(out[new_var].notna(), unit, None), index=out.index, dtype=object)
    return out


__all__ = [
    "ImputationRule",
    "compute_dtc_impute",
    "impute_dtc_to_date",
    "derive_vars_dt",
    "derive_vars_dtm",
    "compute_dy",
    "derive_vars_dy",
    "compute_duration",
    "derive_vars_duration",
]
