"""ISO 8601 dates and calendar arithmetic: the framework's one home for them.

What is here, and who uses it:

* the ISO 8601 patterns: :data:`DTC_PATTERN` (a --DTC value, partial or complete, ``-``
  for an unknown component, SDTMIG 3.4 section 4.4) and :data:`VALID_PATTERN` (the
  right-truncated forms and durations that the schema accepts), :data:`CANONICAL_PATTERN`
  (a complete --DTC as the framework writes it);
* :func:`parse_dtc`: the components of --DTC values, each distinct value parsed once;
* calendar arithmetic: :func:`days_in_month`, :func:`month_start`, :func:`day_numbers`;
* :func:`compute_is_complete`: whether text is a complete date (or datetime), for readers;
* :func:`compute_complete_date`: the date of a --DTC when its date part is complete
  (partial dates are missing, or an error); :func:`compute_date` for a column that must
  hold dates;
* :func:`compute_study_day`: study day, with no day 0 (SDTMIG 4.4.4, ADaMIG ``--DY``);
* :func:`compute_iso8601_valid`: the validity check the spec schemas run.

Raw EDC dates (``15MAR2021``, ``UN-UNK-2021``) are not ISO 8601: mapping them to --DTC
is :func:`derivations.sdtm.compute_dtc`. Imputing partial dates (ADaM ``--DTF``) is
:func:`derivations.adam.compute_dtc_impute`; both use the calendar arithmetic here.

Example
-------
>>> import pandas as pd
>>> dtc = pd.Series(["2021-03-14T23:00", "2021-03-15", "2021-03", ""])
>>> compute_complete_date(dtc).dt.strftime("%Y-%m-%d").tolist()
['2021-03-14', '2021-03-15', nan, nan]
>>> compute_study_day(dtc, pd.Series(["2021-03-15"] * 4)).tolist()
[-1, 1, <NA>, <NA>]
>>> days_in_month(np.array([2020.0, 2021.0, np.nan]), np.array([2.0, 2.0, 2.0])).tolist()
[29.0, 28.0, 29.0]
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .core import compute_on_distinct, is_missing
from .findings import DerivationError

#: An ISO 8601 --DTC value: ``2021``, ``2021-03``, ``2021-03-15``, ``2021-03-15T14:30:05.5``,
#: ``-`` for an unknown component (``2021---15``, ``2021-03-15T-:30``). Groups Y m d H M S.
DTC_PATTERN = (
    r"^(?P<Y>\d{4}|-)?(?:-(?P<m>\d{2}|-)?)?(?:-(?P<d>\d{2}|-)?)?"
    r"(?:T(?P<H>\d{2}|-)?(?::(?P<M>\d{2}|-)?)?(?::(?P<S>\d{2}(?:[.,]\d*)?|-)?)?)?$"
)
DTC_REGEX = re.compile(DTC_PATTERN)

#: What a dataset may hold in an ISO 8601 variable: a right-truncated date or datetime
#: (month 01-12, day 01-31, hour 00-23, minute and second 00-59), or a duration (``P2Y3M``).
VALID_PATTERN = (
    r"^(?:"
    r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])"
    r"(?:T(?:[01]\d|2[0-3])(?::[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?)?)?)?"
    r"|P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
    r")$"
)

#: A complete --DTC in the form this framework writes: ``YYYY-MM-DD``, optionally ``Thh:mm``
#: or ``Thh:mm:ss`` (no unknown component, no fraction; the calendar is checked apart).
#: Plain RE2 syntax, so pyarrow's regex kernels can run it (the raw date mapper's fast path).
CANONICAL_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$"

#: Days of each month in a common year.
MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)

# --------------------------------------------------------------------------- calendar


def is_leap_year(year: np.ndarray) -> np.ndarray:
    """Gregorian leap years (divisible by 4, centuries only if divisible by 400).

    >>> is_leap_year(np.array([1900, 2000, 2021, 2024])).tolist()
    [False, True, False, True]
    """
    year = np.asarray(year)
    with np.errstate(invalid="ignore"):
        return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Number of days of each month (float array), leap years included.

    An unknown month (NaN) has 31 days at most; in an unknown year February has 29.
    Months outside 1-12 are clipped (check them before).

    >>> days_in_month(np.array([2021.0, 2024.0, 2021.0]), np.array([4.0, 2.0, np.nan])).tolist()
    [30.0, 29.0, 31.0]
    """
    y = np.asarray(year, dtype=float)
    m = np.asarray(month, dtype=float)
    idx = np.clip(np.nan_to_num(m, nan=1), 1, 12).astype(int) - 1
    leap = is_leap_year(y) | np.isnan(y)
    return np.where(np.isnan(m), 31.0, MONTH_DAYS[idx] + ((m == 2) & leap))


def month_start(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Day number (days since 1970-01-01) of the first day of each month; no NaN allowed.

    >>> month_start(np.array([1970.0, 2021.0]), np.array([1.0, 3.0])).tolist()
    [0.0, 18687.0]
    """
    months = ((np.asarray(year, dtype=float) - 1970) * 12 + (np.asarray(month, dtype=float) - 1)).astype("int64")
    return months.astype("datetime64[M]").astype("datetime64[D]").astype("int64").astype(float)


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Whole days since 1970-01-01 of a datetime Series, as float64 (NaN where missing).

    >>> day_numbers(pd.Series(pd.to_datetime(["1970-01-02 23:00", None]))).tolist()
    [1.0, nan]
    """
    values = dates.to_numpy(dtype="datetime64[ns]")
    out = values.astype("datetime64[D]").astype("int64").astype(float)
    out[np.isnat(values)] = np.nan
    return out


def _default_datetime_dtype():
    """The dtype ``pd.to_datetime`` gives for ISO strings (datetime64[us] in pandas 3, [ns] in 2.x)."""
    return pd.to_datetime(pd.Series(["2021-01-01"]), format="%Y-%m-%d").dtype


# --------------------------------------------------------------------------- parsing


def parse_dtc(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Components of ISO 8601 --DTC text: ``(fields, matched)``.

    ``fields`` is an ``n x 6`` float array (year, month, day, hour, minute, second; NaN
    where unknown or ``-``; fractional seconds kept); ``matched`` is True where the value
    has the form of :data:`DTC_PATTERN` (missing values: False, fields NaN). Ranges are
    not checked here (see :func:`invalid_components`). Each distinct value is parsed once.

    >>> f, ok = parse_dtc(pd.Series(["2021-03-15T10:30", "2021---15", "15MAR2021", None]))
    >>> f[:2].tolist(), ok.tolist()
    ([[2021.0, 3.0, 15.0, 10.0, 30.0, nan], [2021.0, nan, 15.0, nan, nan, nan]], [True, True, False, False])
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)  # one extra row for missing values

    def number(g: str | None) -> float:
        return float(g.replace(",", ".")) if g and g != "-" else np.nan

    fields = np.full((len(uniques) + 1, 6), np.nan)
    matched = np.zeros(len(uniques) + 1, dtype=bool)
    # a loop over the distinct values, not the records: 100,000 dates hold a few thousand
    for i, value in enumerate(uniques):
        m = DTC_REGEX.fullmatch(str(value).strip())
        if m is not None:
            matched[i] = True
            fields[i] = [number(g) for g in m.groups()]
    return fields[codes], matched[codes]


def invalid_components(fields: np.ndarray) -> np.ndarray:
    """True where a collected component is out of range (month 13, 30 February, hour 24).

    >>> f, _ = parse_dtc(pd.Series(["2021-02-29", "2020-02-29", "2021-13", "2021-01-01T24:00"]))
    >>> invalid_components(f).tolist()
    [True, False, True, True]
    """
    y, mo, d, hh, mi, ss = (fields[:, k] for k in range(6))
    with np.errstate(invalid="ignore"):
        mo_ok = np.isnan(mo) | ((mo >= 1) & (mo <= 12))
        dim = days_in_month(y, np.where(mo_ok, mo, np.nan))
        return (
            ~mo_ok
            | (~np.isnan(d) & ((d < 1) | (d > dim)))
            | (hh >= 24) | (mi >= 60) | (np.floor(ss) >= 60)
        )


def compute_iso8601_valid(values: pd.Series) -> pd.Series:
    """True where a text value is valid ISO 8601 (:data:`VALID_PATTERN`) or blank.

    Complete dates are also checked against the calendar (``2021-02-30`` is invalid).

    Parameters
    ----------
    values
        Text values (missing and blank count as valid: mandatory is another check).

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> compute_iso8601_valid(pd.Series(["2021-03", "2021-02-30", "2021-03-15T10:30", "15MAR2021", ""])).tolist()
    [True, False, True, False, True]
    """
    return compute_on_distinct(values, _iso8601_valid, missing=True)


def _iso8601_valid(values: pd.Series) -> pd.Series:
    text = values.astype("string").fillna("")
    blank = text.str.strip().eq("")
    ok = text.str.match(VALID_PATTERN).fillna(False)
    full = ok & text.str.len().ge(10) & ~text.str.startswith("P")
    if full.any():
        parsed = pd.to_datetime(text[full].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
        ok.loc[full] = parsed.notna()
    return (ok | blank).astype(bool)


def compute_is_complete(values: pd.Series, *, time: bool = False) -> pd.Series:
    """True where a text value is a complete ISO 8601 date (or datetime) in the calendar, or blank.

    What a reader checks before it turns text into a date: ``2021-03`` read by pandas is
    2021-03-01, a day nobody collected.

    Parameters
    ----------
    values
        ISO 8601 text; missing and blank values count as complete (nothing to read).
    time
        ``False`` (default): a date, ``YYYY-MM-DD``, without a time part. ``True``: a date
        and at least hours and minutes (``YYYY-MM-DDThh:mm``, seconds and a fraction optional).

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``values``.

    Examples
    --------
    >>> compute_is_complete(pd.Series(["2021-03-15", "2021-03", "2021-02-30", "2021-03-15T10:30", None])).tolist()
    [True, False, False, False, True]
    >>> compute_is_complete(pd.Series(["2021-03-15T10:30:05.5", "2021-03-15", "2021-03-15T-:30"]), time=True).tolist()
    [True, False, False]
    """
    fields, matched = parse_dtc(values)
    needed = [0, 1, 2, 3, 4] if time else [0, 1, 2]
    complete = matched & ~np.isnan(fields[:, needed]).any(axis=1) & ~invalid_components(fields)
    if not time:
        complete &= np.isnan(fields[:, 3:]).all(axis=1)
    return pd.Series(complete | is_missing(values).to_numpy(), index=values.index)


# --------------------------------------------------------------------------- complete dates

PARTIAL = ("missing", "error")


def _row(index: pd.Index, pos: int) -> int:
    label = index[pos]
    return int(label) if isinstance(label, (int, np.integer)) else int(pos)


def compute_complete_date(
    values: pd.Series,
    *,
    partial: str = "missing",
    invalid: str = "error",
    dataset: str | None = None,
    variable: str | None = None,
    usubjid: pd.Series | None = None,
) -> pd.Series:
    """The date (at midnight) of ISO 8601 --DTC values whose date part is complete.

    Parameters
    ----------
    values
        ISO 8601 text (``2021-03-15``, ``2021-03-15T14:30``, ``2021-03``...); a datetime64
        Series is floored to the day. Blank and missing values give NaT.
    partial
        What a value with an unknown year, month or day gives: ``"missing"`` (NaT; the
        default, as for a --DY) or ``"error"`` (a :class:`DerivationError`).
    invalid
        What text that is not ISO 8601 or not in the calendar gives: ``"error"`` (the
        default) or ``"missing"`` (NaT: for checkers that report such values themselves).
    dataset, variable
        Named in the error message (``variable`` defaults to the Series name).
    usubjid
        Subject identifiers aligned with ``values`` (by position), named in the error.

    Returns
    -------
    pandas.Series
        datetime64 (the unit ``pd.to_datetime`` gives) with the index of ``values``.

    Raises
    ------
    DerivationError
        For text that is not ISO 8601 (``15MAR2021``, ``2021-03-15 10:00``) or not in the
        calendar (``2021-02-30``, hour 24), naming the dataset, variable, subject, row and
        value. Never a silent guess: no day or month is ever imputed.

    Examples
    --------
    >>> s = pd.Series(["2021-03-15T10:30", "2021-03", "2021", None, "2024-02-29"])
    >>> compute_complete_date(s).dt.strftime("%Y-%m-%d").fillna("").tolist()
    ['2021-03-15', '', '', '', '2024-02-29']
    >>> compute_complete_date(pd.Series(["2021-02-30"], name="RSDTC"), dataset="RS")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: date not in the calendar (dataset RS, variable RSDTC, row 0, value '2021-02-30'): correct the --DTC at its source
    """
    for name, value in (("partial", partial), ("invalid", invalid)):
        if value not in PARTIAL:
            raise DerivationError(f"{name}={value!r} is not allowed", value=value,
                                  hint=f"use one of {', '.join(map(repr, PARTIAL))}")
    variable = variable if variable is not None else (str(values.name) if values.name is not None else None)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.normalize()
    fields, matched = parse_dtc(values)
    missing = is_missing(values).to_numpy()
    y, mo, d = fields[:, 0], fields[:, 1], fields[:, 2]
    out_of_range = matched & invalid_components(fields)
    time_without_date = matched & np.isnan(d) & ~np.isnan(fields[:, 3:]).all(axis=1)
    complete = ~missing & matched & ~out_of_range & ~np.isnan(y) & ~np.isnan(mo) & ~np.isnan(d)
    at_source = "correct the --DTC at its source"
    problems = []
    if invalid == "error":
        problems += [
            ("not an ISO 8601 date (YYYY-MM-DD, YYYY-MM-DDThh:mm, YYYY-MM, YYYY)", ~missing & ~matched, at_source),
            ("date not in the calendar", ~missing & out_of_range, at_source),
            ("time without a complete date", ~missing & time_without_date, at_source),
        ]
    if partial == "error":
        problems.append(("partial date where a complete date is needed", ~missing & matched & ~out_of_range & ~complete,
                         "impute the date first (derive_vars_dt) or exclude the record"))
    for what, bad, hint in problems:
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            subject = None if usubjid is None else usubjid.iloc[pos]
            raise DerivationError(
                what + (f"; {int(bad.sum())} record(s) in all" if bad.sum() > 1 else ""),
                dataset=dataset,
                variable=variable,
                usubjid=None if subject is None or pd.isna(subject) else str(subject),
                row=_row(values.index, pos),
                value=values.iloc[pos],
                hint=hint,
            )
    days = np.where(complete, month_start(np.where(complete, y, 1970.0), np.where(complete, mo, 1.0))
                    + np.where(complete, d, 1.0) - 1, 0).astype("int64")
    arr = days.astype("datetime64[D]")
    arr[~complete] = np.datetime64("NaT")
    return pd.Series(arr, index=values.index).astype(_default_datetime_dtype())


def compute_date(values: pd.Series, *, dataset: str | None = None, variable: str | None = None) -> pd.Series:
    """A column that must hold dates as datetime64[ns] at midnight: datetimes, date objects or ISO text.

    Text must be a complete ISO 8601 date (a time part is dropped); a partial or
    unreadable value is an error, never a guess. Blank and missing give NaT.

    Parameters
    ----------
    values
        datetime64, ``datetime.date``/``datetime`` objects, or ISO 8601 text.
    dataset, variable
        Named in the error message.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> import datetime
    >>> compute_date(pd.Series(["2020-02-12T10:00", None])).dt.strftime("%Y-%m-%d").fillna("").tolist()
    ['2020-02-12', '']
    >>> compute_date(pd.Series([datetime.date(2020, 2, 12)])).dt.strftime("%Y-%m-%d").tolist()
    ['2020-02-12']
    >>> compute_date(pd.Series(["2020-02"]), variable="ADT")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: partial date where a complete date is needed (variable ADT, row 0, value '2020-02'): impute the date first (derive_vars_dt) or exclude the record
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.normalize().astype("datetime64[ns]")
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime"):
        return pd.to_datetime(values).dt.normalize().astype("datetime64[ns]")
    out = compute_complete_date(values, partial="error", dataset=dataset, variable=variable)
    return out.astype("datetime64[ns]")


# --------------------------------------------------------------------------- study day


def _days_of(values: Any, name: str | None) -> Any:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.normalize()
    return compute_complete_date(values, variable=name)


def compute_study_day(date: pd.Series, reference_date: pd.Series) -> pd.Series:
    """Study day of ``date`` relative to ``reference_date``; there is no day 0.

    On or after the reference date: days between + 1 (the reference date is day 1);
    before it: days between (negative, the day before is -1). SDTMIG 4.4.4 (--DY)
    and ADaMIG (ADY, ASTDY) define it alike.

    Parameters
    ----------
    date, reference_date
        ISO 8601 --DTC text (the date part counts; a partial date gives a missing day)
        or datetime64 (the time is ignored). Matched by position when their indexes
        differ (both must then have the same length), else by index; Dask Series of
        datetimes work too (lazily).

    Returns
    -------
    pandas.Series
        Nullable ``Int64``; missing where either date is missing or partial.

    Examples
    --------
    >>> compute_study_day(pd.Series(["2021-03-14T23:00", "2021-03-15", "2021-03-16", "2021-03"]),
    ...                   pd.Series(["2021-03-15T08:00"] * 4)).tolist()
    [-1, 1, 2, <NA>]
    >>> compute_study_day(pd.Series(pd.to_datetime(["2021-01-09", None])),
    ...                   pd.Series(pd.to_datetime(["2021-01-10"] * 2))).tolist()
    [-1, <NA>]
    """
    if isinstance(date, pd.Series) and isinstance(reference_date, pd.Series) \
            and not reference_date.index.equals(date.index):
        if len(reference_date) != len(date):
            raise DerivationError(
                f"reference_date has {len(reference_date)} values but date has {len(date)}",
                variable=str(reference_date.name) if reference_date.name is not None else None,
                hint="pass both as columns of the same dataset",
            )
        reference_date = pd.Series(reference_date.to_numpy(), index=date.index, name=reference_date.name)
    d = _days_of(date, str(date.name) if date.name is not None else None)
    r = _days_of(reference_date, str(reference_date.name) if reference_date.name is not None else None)
    diff = (d - r).dt.days
    return (diff + (diff >= 0).astype(int)).astype("Int64")


__all__ = [
    "DTC_PATTERN",
    "DTC_REGEX",
    "VALID_PATTERN",
    "CANONICAL_PATTERN",
    "MONTH_DAYS",
    "is_leap_year",
    "days_in_month",
    "month_start",
    "day_numbers",
    "parse_dtc",
    "invalid_components",
    "compute_iso8601_valid",
    "compute_is_complete",
    "compute_complete_date",
    "compute_date",
    "compute_study_day",
]
