"""SDTM dates: raw EDC dates to ISO 8601 --DTC, and study day (--DY).

SDTMIG 3.4 section 4.4: --DTC is ISO 8601 text; a partial date stays partial
(SDTM never imputes). Known components are kept from the left up to the first
unknown one (right truncation): ``UN-MAR-2021`` -> ``2021-03``,
``UN-UNK-2021`` -> ``2021``; a time is written only after a complete date.

Example
-------
>>> import pandas as pd
>>> compute_dtc(pd.Series(["15MAR2021", "UN-MAR-2021", "2021", ""]),
...             dataset="AE", variable="AESTDTC").tolist()
['2021-03-15', '2021-03', '2021', '']
>>> compute_study_day(pd.Series(["2021-03-14", "2021-03-15", "2021-03"]),
...                   pd.Series(["2021-03-15"] * 3)).tolist()
[-1, 1, <NA>]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core import assert_has_columns
from ..findings import DerivationError, Findings
from ..iso8601 import CANONICAL_PATTERN, compute_study_day, days_in_month
from ..vocabulary import renamed_arguments, subject_column
from ._util import as_list, check_same_length, listing, lookup_one_per_group, row_label, subject_at

# --------------------------------------------------------------------------- parsing

_UNKNOWN = ("UNKN", "UNK", "UN", "UK", "NK", "XX")
_MONTH_NAMES = {
    "JANUARY": 1, "FEBRUARY": 2, "MARCH": 3, "APRIL": 4, "MAY": 5, "JUNE": 6, "JULY": 7,
    "AUGUST": 8, "SEPTEMBER": 9, "OCTOBER": 10, "NOVEMBER": 11, "DECEMBER": 12,
    "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9,
    "SEPT": 9, "OCT": 10, "NOV": 11, "DEC": 12,
}


def _alt(tokens) -> str:
    return "|".join(sorted(tokens, key=len, reverse=True))


_U = "(?:" + _alt(_UNKNOWN) + ")"  # an unknown component (not captured)
# RE2 syntax (pyarrow.compute.extract_regex): digits are captured, unknown tokens are not.
_ISO_RE = (
    rf"^(?:(?P<y>\d{{4}})|XXXX|{_U})"
    rf"(?:[-/](?:(?P<m>\d{{1,2}})|{_U})(?:[-/](?:(?P<d>\d{{1,2}})|{_U}))?)?"
    r"(?:(?:T|\s+)(?P<t>\S.*))?$"
)
_MONTH_LIST = sorted(_MONTH_NAMES, key=len, reverse=True)
_DMY_RE = (
    rf"^(?:(?:(?P<d>\d{{1,2}})|{_U})[-/.\s]?)?"
    rf"(?:(?P<mn>{'|'.join(_MONTH_LIST)})|{_U})[-/.\s]?"
    rf"(?:(?P<y>\d{{4}})|XXXX|{_U})"
    r"(?:\s+(?P<t>\S.*))?$"
)
_TIME_RE = rf"^(?:(?P<H>\d{{1,2}})|{_U})(?::(?:(?P<M>\d{{2}})|{_U})(?::(?:(?P<S>\d{{2}})|{_U}))?)?$"
_ACCEPTED = (
    "accepted dates: 2021-03-15, 2021-03, 2021, 2021/03/15, 15MAR2021, 15-MAR-2021, "
    "15 Mar 2021, UN-MAR-2021, UN-UNK-2021 (UN/UNK/UK/NK/XX = unknown); "
    "times: 14:30, 14:30:05, UN:UN"
)
_NULL = pa.scalar(None, pa.string())
_CANON_TIME = r"^\d{2}:\d{2}(:\d{2})?$"


def _field(struct: pa.Array, name: str) -> pa.Array:
    """A captured group; null where the value did not match or the group is empty."""
    f = pc.if_else(struct.is_valid(), struct.field(name), _NULL)
    return pc.if_else(pc.equal(f, ""), _NULL, f)


def _num(values: pa.Array) -> np.ndarray:
    """Digits as float64; NaN where null."""
    return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)


def _np_bool(values: pa.Array) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def _pad(values: np.ndarray, width: int) -> pa.Array:
    ints = pa.array(np.nan_to_num(values).astype(np.int64))
    return pc.utf8_lpad(pc.cast(ints, pa.string()), width, padding="0")


def _assemble(parts) -> pa.Array:
    """Join ``(known, value, prefix, width)`` pieces, each written only where known."""
    pieces = []
    for known, values, prefix, width in parts:
        piece = pc.binary_join_element_wise(prefix, _pad(values, width), "")
        pieces.append(pc.if_else(pa.array(known), piece, ""))
    return pc.binary_join_element_wise(*pieces, "")


_REASONS = (
    "",
    "unrecognised date",
    "unrecognised time",
    "impossible month",
    "impossible day for that month",
    "impossible hour",
    "impossible minute",
    "impossible second",
    "time given both in the date and in the time column",
    "time given without a date",
)


def _flag(reason: np.ndarray, mask: np.ndarray, text: str) -> None:
    reason[(reason == 0) & mask] = _REASONS.index(text)


def _parse_dates(dates: pa.Array):
    """Parse distinct date texts (upper-cased, stripped, non-empty).

    Returns (ISO date text, complete?, reason code, truncated?, embedded time text).
    """
    n = len(dates)
    y, m, d = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    iso = pc.extract_regex(dates, _ISO_RE)
    ok = iso.is_valid().to_numpy(zero_copy_only=False)
    y[ok] = _num(_field(iso, "y"))[ok]
    m[ok] = _num(_field(iso, "m"))[ok]
    d[ok] = _num(_field(iso, "d"))[ok]
    embedded = pc.fill_null(_field(iso, "t"), "").to_numpy(zero_copy_only=False).astype(object)
    if (~ok).any():
        idx = np.flatnonzero(~ok)
        dmy = pc.extract_regex(pc.take(dates, pa.array(idx)), _DMY_RE)
        ok[idx] = dmy.is_valid().to_numpy(zero_copy_only=False)
        y[idx], d[idx] = _num(_field(dmy, "y")), _num(_field(dmy, "d"))
        month_no = np.array([np.nan] + [float(_MONTH_NAMES[k]) for k in _MONTH_LIST])
        pos = pc.fill_null(pc.index_in(_field(dmy, "mn"), value_set=pa.array(_MONTH_LIST)), -1)
        m[idx] = month_no[pos.to_numpy(zero_copy_only=False).astype(np.int64) + 1]
        embedded[idx] = pc.fill_null(_field(dmy, "t"), "").to_numpy(zero_copy_only=False)
    reason = np.zeros(n, dtype=np.int8)
    _flag(reason, ~ok, "unrecognised date")
    with np.errstate(invalid="ignore"):
        _flag(reason, (m < 1) | (m > 12), "impossible month")
        _flag(reason, (d < 1) | (d > days_in_month(y, m)), "impossible day for that month")
    ky = ~np.isnan(y)
    km = ky & ~np.isnan(m)
    kd = km & ~np.isnan(d)
    truncated = (~np.isnan(m) & ~km) | (~np.isnan(d) & ~kd)
    good = reason == 0
    text = _assemble([(ky & good, y, "", 4), (km & good, m, "-", 2), (kd & good, d, "-", 2)])
    return text, kd & good, reason, truncated & good, pa.array(embedded, type=pa.string())


def _parse_times(times: pa.Array):
    """Parse distinct time texts (non-empty). Returns ("T14:30" text, reason, truncated?)."""
    tm = pc.extract_regex(times, _TIME_RE)
    ok = tm.is_valid().to_numpy(zero_copy_only=False)
    hh, mi, ss = _num(_field(tm, "H")), _num(_field(tm, "M")), _num(_field(tm, "S"))
    reason = np.zeros(len(times), dtype=np.int8)
    _flag(reason, ~ok, "unrecognised time")
    with np.errstate(invalid="ignore"):
        _flag(reason, hh > 23, "impossible hour")
        _flag(reason, mi > 59, "impossible minute")
        _flag(reason, ss > 59, "impossible second")
    kh = ~np.isnan(hh)
    kmi = kh & ~np.isnan(mi)
    ks = kmi & ~np.isnan(ss)
    truncated = (~np.isnan(mi) & ~kmi) | (~np.isnan(ss) & ~ks)
    good = reason == 0
    text = _assemble([(kh & good, hh, "T", 2), (kmi & good, mi, ":", 2), (ks & good, ss, ":", 2)])
    return text, reason, truncated & good, kh & good


def _encode(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    enc = pc.dictionary_encode(arr)
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary


def _arrow_text(series: pd.Series) -> pa.Array:
    """Values as an arrow string array: stripped, upper-cased, missing -> ""."""
    arr = None
    if pd.api.types.is_string_dtype(series) or series.dtype == object:
        try:
            arr = pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            arr = None
        if arr is not None and not (
            pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_null(arr.type)
        ):
            arr = None
    if arr is None:
        arr = pa.array(series.astype("string"), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.cast(arr, pa.string())
    return pc.utf8_upper(pc.utf8_trim_whitespace(pc.fill_null(arr, "")))


_TEXT_DTYPE = pd.Series(["a"]).dtype  # "str" on pandas 3, object on pandas 2.2


def _to_pandas_text(arr: pa.Array, index: pd.Index) -> pd.Series:
    """Arrow strings as a Series of the default text dtype (zero-copy on pandas 3)."""
    if _TEXT_DTYPE != object:
        try:
            return pd.Series(pd.array(arr, dtype=_TEXT_DTYPE), index=index)
        except (TypeError, ValueError):  # pragma: no cover - python-backed str dtype
            pass
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=index, dtype=object)


def _datetime_text(values: pd.Series) -> pd.Series:
    has_time = values.notna() & (values != values.dt.normalize())
    has_sec = has_time & (values.dt.second != 0)
    text = values.dt.strftime("%Y-%m-%d").where(~has_time, values.dt.strftime("%Y-%m-%dT%H:%M"))
    return text.where(~has_sec, values.dt.strftime("%Y-%m-%dT%H:%M:%S"))


def compute_dtc(
    values: pd.Series,
    *,
    dataset: str,
    variable: str,
    usubjid: pd.Series | None = None,
    times: pd.Series | None = None,
    findings: Findings | None = None,
) -> pd.Series:
    """Raw EDC dates (and optional times) as ISO 8601 --DTC text, partial kept partial.

    Accepted dates: ``2021-03-15``, ``2021-03``, ``2021``, ``2021/03/15``,
    ``15MAR2021``, ``15-MAR-2021``, ``15 Mar 2021``, ``MAR2021``, with
    ``UN``/``UNK``/``UK``/``NK``/``XX`` for an unknown day, month or year
    (``UN-MAR-2021`` -> ``2021-03``, ``UN-UNK-2021`` -> ``2021``). A time can
    follow the date (``2021-03-15T14:30``) or come in ``times`` (``14:30``,
    ``14:30:05``, ``UN:UN``); it is written only after a complete date.
    Datetime64 input is formatted directly. Empty or missing -> ``""``.
    ``15/03/2021`` (day/month order unknowable) is rejected.

    Right truncation: components after the first unknown one are not written
    (``15-UNK-2021`` -> ``2021``; ``UN-MAR-2021`` at ``14:30`` -> ``2021-03``);
    each such record gets a Finding (note, ``dtc_truncated``) in ``findings``
    if given.

    Raises :class:`DerivationError` for an impossible date (``2021-02-30``,
    month 13), hour > 23, or text in no accepted form, naming the dataset,
    variable, USUBJID (from ``usubjid`` at that record), row (index label),
    value and how many records are bad.

    Speed: canonical ISO text goes through a regex-free fast path; other
    forms are parsed once per distinct date and once per distinct time.

    Parameters
    ----------
    values
        Raw dates: text in the accepted forms above, or datetime64 (formatted directly).
    dataset, variable
        The SDTM dataset and the --DTC variable, named in messages (e.g. ``"AE"``, ``"AESTDTC"``).
    usubjid
        Subject identifiers aligned with ``values``, named in messages; optional.
    times
        Raw times aligned with ``values`` (``14:30``, ``14:30:05``, ``UN:UN``); optional.
    findings
        Receives a note (``dtc_truncated``) for each value whose known components after an
        unknown one are dropped; optional.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> s = pd.Series(["2021-03-15", "15-MAR-2021", "UN-UNK-2021", "2021/03/15", ""])
    >>> compute_dtc(s, dataset="AE", variable="AESTDTC",
    ...             times=pd.Series(["14:30", "UN:UN", "", "14:30:05", ""])).tolist()
    ['2021-03-15T14:30', '2021-03-15', '2021', '2021-03-15T14:30:05', '']
    """
    check_same_length(values, usubjid, "usubjid")
    check_same_length(values, times, "times")
    n = len(values)
    source = _datetime_text(values) if pd.api.types.is_datetime64_any_dtype(values) else values
    date_arr = _arrow_text(source)
    time_arr = _arrow_text(times) if times is not None else pa.array(np.full(n, "", dtype=object), type=pa.string())
    date_empty = _np_bool(pc.equal(date_arr, ""))
    time_empty = _np_bool(pc.equal(time_arr, ""))

    # Fast path (no extraction, no per-value work): canonical ISO text
    # YYYY-MM-DD[THH:MM[:SS]], optionally with an HH:MM[:SS] time column.
    canon_d = _np_bool(pc.match_substring_regex(date_arr, CANONICAL_PATTERN))
    d_len = pc.utf8_length(date_arr).to_numpy(zero_copy_only=False)
    if times is not None:
        canon_t = _np_bool(pc.match_substring_regex(time_arr, _CANON_TIME))
        fast = canon_d & (time_empty | (canon_t & (d_len == 10)))
        joined = pc.if_else(pa.array(time_empty), date_arr, pc.binary_join_element_wise(date_arr, time_arr, "T"))
    else:
        fast, joined = canon_d, date_arr
    # the calendar checked on the canonical values only (raw EDC dates make no year, month... slices)
    fast_ok = np.zeros(n, dtype=bool)
    if fast.any():
        at = None if fast.all() else np.flatnonzero(fast)
        padded = pc.utf8_rpad(joined if at is None else pc.take(joined, pa.array(at)), 19, "0")
        y, m, d, hh, mi, ss = (
            _num(pc.utf8_slice_codeunits(padded, a, a + w))
            for a, w in ((0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2))
        )
        ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= days_in_month(y, m)) & (hh <= 23) & (mi <= 59) & (ss <= 59)
        if at is None:
            fast_ok = ok
        else:
            fast_ok[at] = ok
    out_arr = pc.if_else(pa.array(fast_ok), joined, "")

    # Everything else: each distinct date and each distinct time parsed once.
    slow = ~fast_ok & ~(date_empty & time_empty)
    if slow.any():
        slow_idx = np.flatnonzero(slow)
        take = pa.array(slow_idx)
        d_codes, d_uniq = _encode(pc.take(date_arr, take))
        d_text, d_complete, d_reason, d_trunc, d_emb = _parse_dates(d_uniq)
        t_sub = pc.take(time_arr, take)
        emb_sub = pc.take(d_emb, pa.array(d_codes))
        t_given = ~_np_bool(pc.equal(t_sub, ""))
        e_given = ~_np_bool(pc.equal(emb_sub, ""))
        t_codes, t_uniq = _encode(pc.if_else(pa.array(t_given), t_sub, emb_sub))
        t_text, t_reason, t_trunc, t_known = _parse_times(t_uniq)
        t_any = t_given | e_given
        t_reason = np.where(t_any, t_reason[t_codes], 0)

        reason = d_reason[d_codes].copy()
        dates_sub_empty = _np_bool(pc.equal(pc.take(d_uniq, pa.array(d_codes)), ""))
        reason[dates_sub_empty] = 0
        _flag(reason, t_reason > 0, "unrecognised time")
        reason = np.where((reason == _REASONS.index("unrecognised time")) & (t_reason > 0), t_reason, reason)
        _flag(reason, t_given & e_given, "time given both in the date and in the time column")
        _flag(reason, dates_sub_empty & t_any, "time given without a date")

        def shown(k: int) -> str:
            pos = int(slow_idx[k])
            raw = str(values.iloc[pos])
            return f"{raw} {times.iloc[pos]}".strip() if times is not None and t_given[k] else raw

        bad = np.flatnonzero(reason)
        if len(bad):
            k = int(bad[0])
            pos = int(slow_idx[k])
            firsts = pd.Series(bad).groupby(d_codes[bad] * (len(t_uniq) + 1) + t_codes[bad]).first()
            others = [shown(int(j)) for j in firsts.to_numpy() if j != k]
            more = f"; {len(bad)} record(s) in all" + (
                f", other bad values: {listing(others, 5)}" if others else ""
            )
            raise DerivationError(
                f"{_REASONS[reason[k]]}, cannot be written as ISO 8601{more}",
                dataset=dataset,
                variable=variable,
                usubjid=subject_at(usubjid, pos),
                row=row_label(values.index, pos),
                value=shown(k),
                hint="correct the raw value (or raise a data query with the site); " + _ACCEPTED,
            )
        complete = d_complete[d_codes]
        with_time = complete & t_any & t_known[t_codes]
        date_part = pc.take(d_text, pa.array(d_codes))
        time_part = pc.if_else(pa.array(with_time), pc.take(t_text, pa.array(t_codes)), "")
        slow_text = pc.binary_join_element_wise(date_part, time_part, "")
        index_all = np.zeros(n, dtype=np.int64)
        index_all[slow_idx] = np.arange(len(slow_idx))
        out_arr = pc.if_else(pa.array(slow), pc.take(slow_text, pa.array(index_all)), out_arr)

        truncated = d_trunc[d_codes] | (t_any & t_trunc[t_codes]) | (t_any & t_known[t_codes] & ~complete)
        if findings is not None and truncated.any():
            for k in np.flatnonzero(truncated):
                pos = int(slow_idx[k])
                findings.add(
                    "note",
                    "dtc_truncated",
                    f"known components after an unknown one are not kept; written as {slow_text[int(k)].as_py()!r}",
                    dataset=dataset,
                    variable=variable,
                    usubjid=subject_at(usubjid, pos),
                    row=row_label(values.index, pos),
                    value=shown(int(k)),
                )
    return _to_pandas_text(out_arr, values.index)


@renamed_arguments(id_var="subject_keys")
def derive_var_dtc(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    date: str,
    time: str | None = None,
    dataset_name: str,
    subject_keys: str | Sequence[str] = "USUBJID",
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Add ``new_var`` (--DTC) from raw date column ``date`` and optional ``time``.

    See :func:`compute_dtc` for the accepted forms and the errors.

    Parameters
    ----------
    dataset
        The raw page (or a frame built from it).
    new_var
        The --DTC variable, e.g. ``"AESTDTC"``.
    date
        The raw date column.
    time
        The raw time column, if the CRF collects one; default ``None``.
    dataset_name
        The SDTM dataset, named in messages.
    subject_keys
        The column(s) that identify a subject, named in messages; default ``"USUBJID"``
        (ignored when absent).
    findings
        Receives the truncation notes (see :func:`compute_dtc`).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> raw = pd.DataFrame({"USUBJID": ["S-01", "S-02"], "AESTDAT": ["15MAR2021", "UN-MAR-2021"],
    ...                     "AESTTIM": ["08:05", ""]})
    >>> derive_var_dtc(raw, new_var="AESTDTC", date="AESTDAT", time="AESTTIM",
    ...                dataset_name="AE")["AESTDTC"].tolist()
    ['2021-03-15T08:05', '2021-03']
    """
    cols = [date] + ([time] if time else [])
    assert_has_columns(dataset, cols, name=dataset_name)
    dtc = compute_dtc(
        dataset[date],
        dataset=dataset_name,
        variable=new_var,
        usubjid=dataset[subject_column(subject_keys)] if subject_column(subject_keys) in dataset.columns else None,
        times=dataset[time] if time else None,
        findings=findings,
    )
    return dataset.assign(**{new_var: dtc})  # the input's columns are not copied (pandas copies on write)


# --------------------------------------------------------------------------- study day
# compute_study_day (SDTM --DY and ADaM ADY alike) lives in derivations.iso8601.


@renamed_arguments(ref_var="reference_date")
def derive_var_dy(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame | None,
    new_var: str,
    dtc: str,
    reference_date: str = "RFSTDTC",
    by_vars: Sequence[str] = ("USUBJID",),
) -> pd.DataFrame:
    """Add study day ``new_var`` (--DY) of ``dtc`` relative to ``reference_date`` of ``dataset_add``.

    ``reference_date`` is looked up in ``dataset_add`` (one record per ``by_vars``,
    usually DM); with ``dataset_add=None`` it is taken from ``dataset``.
    Subjects absent from ``dataset_add`` get a missing study day.

    Parameters
    ----------
    dataset
        SDTM records with the --DTC column.
    dataset_add
        One record per ``by_vars`` holding ``reference_date`` (usually DM); ``None``: take
        ``reference_date`` from ``dataset``.
    new_var
        The study day variable, e.g. ``"AESTDY"``.
    dtc
        The --DTC column; a partial date gives a missing day.
    reference_date
        The reference --DTC; default ``"RFSTDTC"``.
    by_vars
        Columns that match ``dataset_add``; default ``("USUBJID",)``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> dm = pd.DataFrame({"USUBJID": ["S-01"], "RFSTDTC": ["2021-03-15"]})
    >>> ae = pd.DataFrame({"USUBJID": ["S-01", "S-01", "S-01"],
    ...                    "AESTDTC": ["2021-03-14", "2021-03-15", "2021-04"]})
    >>> derive_var_dy(ae, dataset_add=dm, new_var="AESTDY", dtc="AESTDTC")["AESTDY"].tolist()
    [-1, 1, <NA>]
    """
    assert_has_columns(dataset, [dtc])
    if dataset_add is None:
        assert_has_columns(dataset, [reference_date])
        ref = dataset[reference_date]
    else:
        ref = lookup_one_per_group(dataset, dataset_add, as_list(by_vars), [reference_date], new_var)[reference_date]
    # assign: the input's columns are not copied (pandas copies on write)
    return dataset.assign(**{new_var: compute_study_day(dataset[dtc].rename(dtc), ref.rename(reference_date))})


__all__ = [
    "compute_dtc",
    "derive_var_dtc",
    "compute_study_day",
    "derive_var_dy",
]
