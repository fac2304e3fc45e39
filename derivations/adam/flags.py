"""Record flags: treatment-emergent flag (admiral ``derive_var_trtemfl``), on-treatment flag
(``derive_var_ontrtfl``) and criterion flags (``derive_vars_crit_flag``).

Occurrence and worst-grade flags (AOCCFL, AOCCPFL, worst toxicity grade per
subject and term) are extreme flags; see the examples in
:mod:`derivations.adam.extreme` (``derive_var_extreme_flag`` with e.g.
``order=["-ATOXGRN", "ASTDT", "AESEQ"]`` for the worst grade, earliest first on ties).

>>> import pandas as pd
>>> adae = pd.DataFrame({"USUBJID": ["1", "1", "1", "1"],
...     "ASTDT": pd.to_datetime(["2021-01-05", "2020-12-20", None, "2021-03-01"]),
...     "AENDT": pd.to_datetime(["2021-01-09", "2020-12-22", None, None]),
...     "TRTSDT": pd.to_datetime(["2021-01-01"] * 4), "TRTEDT": pd.to_datetime(["2021-01-31"] * 4)})
>>> derive_var_trtemfl(adae, end_window=28)["TRTEMFL"].fillna("").tolist()
['Y', '', 'Y', '']
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask
from ..findings import DerivationError
from ._common import as_datetime, check_new_vars_absent, date_part, flag_series


def _intensity_codes(series: pd.Series, order: Sequence | None, name: str) -> pd.Series:
    """Comparable numbers for an intensity variable (NaN when missing)."""
    if order is None:
        values = pd.to_numeric(series, errors="coerce")
        bad = values.isna() & series.notna() & series.astype("string").str.strip().ne("").fillna(False)
        if bad.any():
            raise DerivationError(
                "intensity values are not numeric",
                variable=name,
                value=series[bad].iloc[0],
                hint="give intensity_order=['MILD', 'MODERATE', 'SEVERE'] (lowest first)",
            )
        return values.astype(float)
    cat = pd.Categorical(series, categories=list(order), ordered=True)
    unknown = pd.isna(cat) & series.notna().to_numpy() & series.astype("string").str.strip().ne("").fillna(False).to_numpy()
    if unknown.any():
        raise DerivationError(
            "intensity value not in intensity_order",
            variable=name,
            value=series[unknown].iloc[0],
            hint=f"add it to intensity_order (now {list(order)})",
        )
    codes = pd.Series(cat.codes, index=series.index).astype(float)
    return codes.where(codes >= 0)


def derive_var_trtemfl(
    dataset: pd.DataFrame,
    *,
    new_var: str = "TRTEMFL",
    start_date: str = "ASTDT",
    end_date: str = "AENDT",
    trt_start_date: str = "TRTSDT",
    trt_end_date: str = "TRTEDT",
    end_window: int | None = None,
    initial_intensity: str | None = None,
    intensity: str | None = None,
    intensity_order: Sequence | None = None,
    true_value: str = "Y",
    false_value: str | None = None,
    rule: str = "admiral",
) -> pd.DataFrame:
    """Treatment-emergent flag. ``rule="admiral"`` (the default): first applicable case wins,

    1. treatment start missing (not treated) -> missing;
    2. event end before treatment start -> missing;
    3. event start missing -> ``"Y"`` (conservative);
    4. start on/after treatment start and, when ``end_window`` is given, on/before
       treatment end + ``end_window`` days (date parts; a missing treatment end
       does not limit) -> ``"Y"``;
    5. with ``initial_intensity``/``intensity``: start before treatment start and
       intensity worse than the initial one (or either missing) -> ``"Y"``;
    6. otherwise ``false_value`` (missing by default, as admiral; ``false_value="N"``
       gives the explicit "N" many SAP shells count).

    ``rule="start_on_or_after"`` is the simple rule of many SAPs and SAS programs: ``"Y"``
    when the event starts on or after treatment start (and, with ``end_window``, no later
    than treatment end + ``end_window`` days), else ``false_value``, a missing start or
    treatment start included (SAS: a missing date is smaller than any date, so
    ``ASTDT >= TRTSDT`` is false). No intensity worsening, no conservative missing start.

    Parameters
    ----------
    dataset
        Event records (e.g. ADAE) with the event and treatment dates.
    new_var
        The new flag; default ``"TRTEMFL"``.
    start_date, end_date
        Event start and end (date or datetime columns); defaults ``"ASTDT"``, ``"AENDT"``
        (the end is read by ``rule="admiral"`` only).
    trt_start_date, trt_end_date
        Treatment start and end; defaults ``"TRTSDT"``, ``"TRTEDT"`` (the end only with
        ``end_window``).
    end_window
        Days after treatment end that still count (e.g. 30), a whole number >= 0; ``None``
        (default): no upper limit.
    initial_intensity, intensity
        Both or neither: the initial and the current intensity/toxicity grade (e.g.
        ``"AEITOXGR"``, ``"AETOXGR"``) for case 5 (``rule="admiral"`` only).
    intensity_order
        How intensities compare: ``None`` (default) as numbers; a sequence (lowest first, e.g.
        ``["MILD", "MODERATE", "SEVERE"]``) by position. A value not in it raises.
    true_value, false_value
        The flag's values; defaults ``"Y"`` and ``None`` (missing).
    rule
        ``"admiral"`` (default) or ``"start_on_or_after"``, as described above.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ae = pd.DataFrame({"ASTDT": pd.to_datetime(["2021-01-05", "2020-12-20", None]),
    ...     "AENDT": pd.NaT, "TRTSDT": pd.to_datetime(["2021-01-01"] * 3)})
    >>> derive_var_trtemfl(ae, false_value="N")["TRTEMFL"].tolist()
    ['Y', 'N', 'Y']
    >>> derive_var_trtemfl(ae, rule="start_on_or_after", false_value="N")["TRTEMFL"].tolist()
    ['Y', 'N', 'N']

    Date columns may be dates or datetimes (compared as given; the end window on
    date parts). Intensities are compared as numbers, or by position in
    ``intensity_order`` (e.g. ``["MILD", "MODERATE", "SEVERE"]``).
    """
    from ._common import check_choice

    check_choice("rule", rule, TRTEMFL_RULES)
    if rule == "start_on_or_after" and intensity is not None:
        raise DerivationError("rule='start_on_or_after' does not use intensities",
                              variable=intensity, hint="drop initial_intensity/intensity or use rule='admiral'")
    if (initial_intensity is None) != (intensity is None):
        raise DerivationError(
            "initial_intensity and intensity must be given together",
            variable=initial_intensity or intensity,
            hint="give both (e.g. AEITOXGR and AETOXGR) or neither",
        )
    # the simple rule reads no end date: an ADAE without AENDT (the CDISC pilot's) can use it
    needed = [start_date, trt_start_date] + ([end_date] if rule == "admiral" else [])
    if end_window is not None:
        if end_window < 0:
            raise DerivationError("end_window must be a non-negative number of days", value=end_window)
        needed.append(trt_end_date)
    if intensity is not None:
        needed += [initial_intensity, intensity]
    assert_has_columns(dataset, needed)
    start = as_datetime(dataset[start_date])
    trt_start = as_datetime(dataset[trt_start_date])

    not_treated = trt_start.isna()
    if rule == "admiral":
        end = as_datetime(dataset[end_date])
        ended_before = end.notna() & (end < trt_start)
    no_start = start.isna()
    new_ae = start >= trt_start
    if end_window is None:
        in_window = pd.Series(True, index=dataset.index)
    else:
        trt_end = date_part(dataset[trt_end_date], name=trt_end_date)
        in_window = trt_end.isna() | (date_part(start) <= trt_end + pd.Timedelta(days=int(end_window)))
    if intensity is None:
        worsened = pd.Series(False, index=dataset.index)
    else:
        ini = _intensity_codes(dataset[initial_intensity], intensity_order, initial_intensity)
        cur = _intensity_codes(dataset[intensity], intensity_order, intensity)
        worsened = (start < trt_start) & ((ini < cur) | ini.isna() | cur.isna())
    if rule == "start_on_or_after":
        flag = (new_ae & in_window).fillna(False).to_numpy(dtype=bool)
    else:
        flag = np.select(
            [not_treated, ended_before, no_start, new_ae & in_window, worsened],
            [False, False, True, True, True],
            False,
        )
    out = dataset.copy()
    out[new_var] = flag_series(flag, out.index, true_value, false_value)
    return out


#: the TEAE rules of :func:`derive_var_trtemfl`
TRTEMFL_RULES = ("admiral", "start_on_or_after")


def derive_var_ontrtfl(
    dataset: pd.DataFrame,
    *,
    new_var: str = "ONTRTFL",
    start_date: str = "ADT",
    end_date: str | None = None,
    ref_start_date: str = "TRTSDT",
    ref_end_date: str | None = "TRTEDT",
    ref_start_window: int = 0,
    ref_end_window: int = 0,
    ignore_time_for_ref_end_date: bool = True,
    filter_pre_timepoint: Filter = None,
    span_period: bool = False,
    true_value: str = "Y",
    false_value: str | None = None,
) -> pd.DataFrame:
    """On-treatment flag (admiral ``derive_var_ontrtfl``); the window is a setting, e.g. from study.toml.

    ``true_value`` when, first rule that applies being kept and later ones able to set it:

    1. ``start_date`` missing and ``ref_start_date`` present, or ``start_date`` equal to
       ``ref_start_date`` (a dose-day assessment);
    2. ... unless ``filter_pre_timepoint`` selects the record (e.g. ``"ATPT == 'PRE-DOSE'"``,
       or ``"AVISIT == 'Baseline'"``): then not on treatment;
    3. ``ref_start_date < start_date <= ref_end_date + ref_end_window`` days (date parts with
       ``ignore_time_for_ref_end_date``); without ``ref_end_date`` every start after the
       reference start;
    4. with ``ref_start_window`` > 0: a record dated within that many days before the day of
       ``ref_start_date`` (day ``-ref_start_window`` to day -1, date parts) that starts
       within the end window;
    5. with ``end_date``: an end before ``ref_start_date`` (less ``ref_start_window`` days) is
       never on treatment;
    6. with ``span_period=True``: a record that started before and ends on/after
       ``ref_start_date`` (less ``ref_start_window`` days) (or is ongoing) and starts within
       the end window is on treatment.

    Other records get ``false_value`` (missing by default, as admiral).

    Parameters
    ----------
    dataset
        Records with the date columns named below (datetime64); returned as a copy with
        ``new_var`` added.
    new_var
        The flag to add; default ``"ONTRTFL"``.
    start_date
        The record's (start) date; default ``"ADT"`` (``"ASTDT"`` for events).
    end_date
        The record's end date for events with a duration (e.g. ``"AENDT"``); ``None``
        (default): records have one date.
    ref_start_date
        Start of treatment; default ``"TRTSDT"``.
    ref_end_date
        End of treatment; default ``"TRTEDT"``; ``None``: no end (every later record).
    ref_start_window
        Days before ``ref_start_date`` already counted as on treatment (e.g. 1: a
        sample the day before the first dose, as some SAPs count it); permitted values:
        a whole number of days >= 0; default 0 (treatment starts on ``ref_start_date``).
        Dates are compared by their date part: with 3, days -3, -2 and -1 are on
        treatment, day -4 is not. ``filter_pre_timepoint`` still only concerns records
        on the day of ``ref_start_date``.
    ref_end_window
        Days after ``ref_end_date`` still counted as on treatment (e.g. 30: the
        SAP's "up to 30 days after the last dose"); permitted values: a whole number of
        days >= 0; default 0.
    ignore_time_for_ref_end_date
        Compare dates only at the end of the window (default ``True``).
    filter_pre_timepoint
        Records that are before treatment although on its first day (query string,
        callable, boolean Series); ``None`` (default): none.
    span_period
        ``True``: an event that started before treatment and goes on into it is on
        treatment (needs ``end_date``); default ``False``.
    true_value
        The flag of on-treatment records; default ``"Y"``.
    false_value
        The flag of other records; default ``None`` (missing).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"ADT": pd.to_datetime(["2020-02-24", "2020-01-01", "2019-12-31", "2020-03-20"]),
    ...     "TRTSDT": pd.Timestamp("2020-01-01"), "TRTEDT": pd.Timestamp("2020-03-01")})
    >>> derive_var_ontrtfl(advs)["ONTRTFL"].fillna("").tolist()
    ['Y', 'Y', '', '']
    >>> derive_var_ontrtfl(advs, ref_end_window=30, false_value="N")["ONTRTFL"].tolist()
    ['Y', 'Y', 'N', 'Y']
    >>> derive_var_ontrtfl(advs, ref_start_window=1, ref_end_window=30, false_value="N")["ONTRTFL"].tolist()
    ['Y', 'Y', 'Y', 'Y']
    """
    needed = [start_date, ref_start_date] + [c for c in (end_date, ref_end_date) if c]
    assert_has_columns(dataset, needed)
    check_new_vars_absent(dataset, [new_var])
    for name, days in (("ref_start_window", ref_start_window), ("ref_end_window", ref_end_window)):
        if isinstance(days, bool) or not float(days).is_integer() or int(days) < 0:
            raise DerivationError(f"{name} must be a whole number of days >= 0", value=days)
    start = as_datetime(dataset[start_date])
    ref_start = as_datetime(dataset[ref_start_date])
    flag = ((start.isna() & ref_start.notna()) | (ref_start == start)).to_numpy(dtype=bool).copy()
    if filter_pre_timepoint is not None:
        flag &= ~filter_mask(dataset, filter_pre_timepoint).to_numpy()
    if ref_end_date is None:
        flag |= (ref_start < start).to_numpy(dtype=bool)
        end_cond = pd.Series(True, index=dataset.index)
    else:
        ref_end = as_datetime(dataset[ref_end_date])
        window = pd.Timedelta(days=int(ref_end_window))
        if ignore_time_for_ref_end_date:
            end_cond = start.dt.normalize() <= ref_end.dt.normalize() + window
        else:
            end_cond = start <= ref_end + window
        flag |= ((ref_start < start) & end_cond).to_numpy(dtype=bool)
    lower = ref_start  # where treatment starts: the window's first day with a ref_start_window
    if int(ref_start_window):
        lower = ref_start.dt.normalize() - pd.Timedelta(days=int(ref_start_window))
        day = start.dt.normalize()
        flag |= ((lower <= day) & (day < ref_start.dt.normalize()) & end_cond).to_numpy(dtype=bool)
    if end_date is not None:
        end = as_datetime(dataset[end_date])
        flag &= ~(end < lower).to_numpy(dtype=bool)
        if span_period:
            flag |= (end_cond & (end.isna() | (end >= lower))).to_numpy(dtype=bool)
    elif span_period:
        raise DerivationError("span_period needs end_date", hint="give end_date= (e.g. 'AENDT')")
    out = dataset.copy()
    out[new_var] = flag_series(flag, out.index, true_value, false_value)
    return out


def derive_vars_crit_flag(
    dataset: pd.DataFrame,
    *,
    condition: Filter,
    description: str,
    crit_nr: int = 1,
    values_yn: bool = False,
    create_numeric_flag: bool = False,
    filter: Filter = None,
) -> pd.DataFrame:
    """Criterion variables CRITy, CRITyFL (and CRITyFN) (admiral ``derive_vars_crit_flag``).

    CRITyFL is ``"Y"`` where ``condition`` holds; with ``values_yn=True`` ``"N"`` where it
    does not (ADaMIG: then CRITy is set on every record), otherwise missing. Records not
    selected by ``filter`` (e.g. ``"AVAL.notna()"``, where the criterion cannot be judged) get
    missing values in all of them. CRITyFN is 1/0 for Y/N.

    Parameters
    ----------
    dataset
        The records; returned as a copy with CRITy and CRITyFL (and CRITyFN) added.
    condition
        The criterion (query string, callable ``df -> bool``, boolean Series): where it
        holds the record meets it. Not a record filter (see :mod:`derivations.vocabulary`).
    description
        The text of CRITy, e.g. ``"Systolic BP > 140 mmHg"``.
    crit_nr
        The ``y`` of CRITy; default 1.
    values_yn
        ``True``: ``"N"`` where the criterion is judged and not met; default ``False``
        (missing).
    create_numeric_flag
        Also add CRITyFN (1/0); default ``False``.
    filter
        Records on which the criterion is judged; others get missing values; ``None``
        (default): all.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"AVAL": [150.0, 120.0, None]})
    >>> out = derive_vars_crit_flag(advs, condition="AVAL > 140", description="Systolic BP > 140 mmHg",
    ...     values_yn=True, create_numeric_flag=True, filter="AVAL.notna()")
    >>> out[["CRIT1FL", "CRIT1FN"]].fillna(-1).values.tolist(), out["CRIT1"].fillna("").tolist()
    ([['Y', 1.0], ['N', 0.0], [-1, -1.0]], ['Systolic BP > 140 mmHg', 'Systolic BP > 140 mmHg', ''])
    """
    crit, fl, fn = f"CRIT{crit_nr}", f"CRIT{crit_nr}FL", f"CRIT{crit_nr}FN"
    check_new_vars_absent(dataset, [crit, fl] + ([fn] if create_numeric_flag else []))
    judged = filter_mask(dataset, filter).to_numpy()
    met = filter_mask(dataset, condition).to_numpy() & judged
    out = dataset.copy()
    flag = np.where(met, "Y", np.where(judged, "N" if values_yn else None, None))
    out[fl] = pd.Series(flag, index=dataset.index, dtype=object)
    out[crit] = pd.Series(np.where((met | judged) if values_yn else met, description, None),
                          index=dataset.index, dtype=object)
    if create_numeric_flag:
        out[fn] = np.where(out[fl] == "Y", 1.0, np.where(out[fl] == "N", 0.0, np.nan))
    return out


__all__ = ["derive_var_trtemfl", "TRTEMFL_RULES", "derive_var_ontrtfl", "derive_vars_crit_flag"]
