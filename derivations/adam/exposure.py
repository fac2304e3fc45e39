"""Exposure parameters of a BDS ADEX from dose records (admiral ``derive_param_exposure``,
``derive_param_doseint``): total dose, duration, number of administrations or cycles, dose
reductions, dose intensity.

Each summary parameter is one record per subject (``by_vars``) summarising the records of an
input parameter (``input_code``); the summary is a :class:`~derivations.adam.derived_records.Summary`
in ``set_values_to``, so ``print`` shows what was summed.

>>> import pandas as pd
>>> adex = pd.DataFrame({"USUBJID": "1", "PARAMCD": "DOSE", "AVAL": [10.0, 10.0, 5.0],
...     "ASTDT": pd.to_datetime(["2021-01-01", "2021-01-22", "2021-02-12"]),
...     "AENDT": pd.to_datetime(["2021-01-01", "2021-01-22", "2021-02-12"])})
>>> out = derive_param_exposure(adex, dataset_add=adex, by_vars=["USUBJID"], input_code="DOSE",
...     set_values_to={"PARAMCD": "TDOSE", "AVAL": Summary("AVAL", "sum")})
>>> out.loc[out["PARAMCD"] == "TDOSE", ["AVAL", "ASTDT", "AENDT"]].astype(str).values.tolist()
[['25.0', '2021-01-01', '2021-02-12']]
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, sort_by_order
from ..findings import DerivationError
from ._common import as_list, check_choice, check_new_vars_absent, concat_rows, parse_order_cols
from .derived_records import Summary, derive_summary_records

#: start/end variables of a parameter record: the first start and the last end of its sources
_SPAN = (("ASTDTM", "min"), ("ASTDT", "min"), ("AENDTM", "max"), ("AENDT", "max"))


def derive_param_exposure(
    dataset: pd.DataFrame | None = None,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    input_code: str,
    set_values_to: Mapping[str, Any],
    filter_add: Filter = None,
) -> pd.DataFrame:
    """Append one exposure parameter record per by group (admiral ``derive_param_exposure``).

    The records of ``dataset_add`` with ``PARAMCD == input_code`` (and ``filter_add``) are
    summarised per ``by_vars`` by the :class:`Summary` values of ``set_values_to`` (e.g.
    ``AVAL = Summary("AVAL", "sum")`` for a total dose, ``"count"`` for the number of
    administrations, ``Summary("ASTDT", "nunique")`` for dosing days). ASTDTM/ASTDT and
    AENDTM/AENDT, where present, become the first start and the last end of the summarised
    records (a group whose records have no end ends at its last start, as admiral).
    ``set_values_to`` must set PARAMCD; a parameter already in ``dataset`` is an error.

    Parameters
    ----------
    dataset
        The ADEX so far; ``None`` (default): return the new records only.
    dataset_add
        The records summarised (usually ``dataset`` itself).
    by_vars
        E.g. ``["STUDYID", "USUBJID"]`` (with period variables for per-period values).
    input_code
        PARAMCD of the records summarised (e.g. ``"DOSE"``).
    set_values_to
        ``{variable: value}`` of the new records: PARAMCD (required), :class:`Summary` values,
        constants.
    filter_add
        Which records of ``dataset_add`` take part besides ``input_code``: a query string, a
        callable, a boolean Series, or ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ex = pd.DataFrame({"USUBJID": "1", "PARAMCD": "DOSE", "AVAL": [200.0, 200.0, 150.0],
    ...                    "ASTDT": pd.to_datetime(["2021-01-01", "2021-01-22", "2021-02-12"]),
    ...                    "AENDT": pd.to_datetime(["2021-01-01", "2021-01-22", "2021-02-12"])})
    >>> out = derive_param_exposure(dataset_add=ex, by_vars=["USUBJID"], input_code="DOSE",
    ...     set_values_to={"PARAMCD": "NADM", "AVAL": Summary("AVAL", "count")})
    >>> out[["PARAMCD", "AVAL"]].values.tolist(), out["AENDT"].dt.strftime("%Y-%m-%d").tolist()
    ([['NADM', 3]], ['2021-02-12'])
    """
    by_vars = as_list(by_vars)
    code = (set_values_to or {}).get("PARAMCD")
    if not code:
        raise DerivationError("set_values_to must contain PARAMCD", hint="e.g. {'PARAMCD': 'TDOSE', ...}")
    assert_has_columns(dataset_add, by_vars + ["PARAMCD"], name="dataset_add")
    if dataset is not None and "PARAMCD" in dataset.columns and (dataset["PARAMCD"] == code).any():
        raise DerivationError("parameter already exists in the input dataset", variable="PARAMCD", value=code,
                              hint="derive each parameter once")
    source = dataset_add.loc[(dataset_add["PARAMCD"] == input_code).to_numpy()
                             & filter_mask(dataset_add, filter_add).to_numpy()].copy()
    values = dict(set_values_to)
    span = [(v, f) for v, f in _SPAN if v in source.columns and v not in values and v not in by_vars]
    for var, fun in span:
        values[var] = Summary(var, fun)
    new = derive_summary_records(dataset_add=source, by_vars=by_vars, set_values_to=values)
    for start, end in (("ASTDTM", "AENDTM"), ("ASTDT", "AENDT")):
        if (start, "min") in span and (end, "max") in span:  # no end at all: the group ends at its last start
            last_start = derive_summary_records(dataset_add=source, by_vars=by_vars,
                                                set_values_to={"_S": Summary(start, "max")})["_S"]
            new[end] = new[end].where(new[end].notna(), last_start.to_numpy())
    if {"ASTDTM", "AENDTM", "ASTDT", "AENDT"} <= {v for v, _ in span}:  # the dates are those of the datetimes
        new["ASTDT"], new["AENDT"] = new["ASTDTM"].dt.normalize(), new["AENDTM"].dt.normalize()
    return new if dataset is None else concat_rows([dataset, new])


def derive_param_doseint(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    set_values_to: Mapping[str, Any],
    tadm_code: str = "TNDOSE",
    tpadm_code: str = "TSNDOSE",
    zero_doses: str = "missing",
    filter: Filter = None,
) -> pd.DataFrame:
    """Append dose intensity (%) = administered / planned x 100 per by group (admiral
    ``derive_param_doseint``).

    ``tadm_code``/``tpadm_code`` are the parameters of the total administered and planned
    dose (e.g. TDOSE and TPDOSE), one record each per by group. A planned dose of 0 gives a
    missing intensity (``zero_doses="missing"``; admiral gives Inf, which SAS XPORT cannot
    hold), or 100 when nothing was planned and nothing given (``zero_doses="100"``, still
    missing when a dose was given without a plan).

    Parameters
    ----------
    dataset
        ADEX records with ``by_vars``, PARAMCD and AVAL; the new records are appended.
    by_vars
        Columns of a group that gets one record, e.g. ``["STUDYID", "USUBJID"]``.
    set_values_to
        ``{variable: value}`` of the new records; must contain PARAMCD (e.g. ``"TNDOSINT"``).
    tadm_code
        PARAMCD of the total administered dose; default ``"TNDOSE"``.
    tpadm_code
        PARAMCD of the total planned dose; default ``"TSNDOSE"``.
    zero_doses
        ``"missing"`` (default) or ``"100"`` (see above).
    filter
        Which records are sources: a query string, a callable, a boolean Series, or
        ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adex = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"], "PARAMCD": ["TDOSE", "TPDOSE"] * 2,
    ...                      "AVAL": [540.0, 720.0, 0.0, 0.0]})
    >>> out = derive_param_doseint(adex, by_vars=["USUBJID"], set_values_to={"PARAMCD": "TDOSINT"},
    ...                            tadm_code="TDOSE", tpadm_code="TPDOSE")
    >>> out.loc[out["PARAMCD"] == "TDOSINT", "AVAL"].tolist()
    [75.0, nan]
    """
    from .computed import derive_param_computed

    check_choice("zero_doses", zero_doses, ("missing", "100"))

    def intensity(w: pd.DataFrame) -> np.ndarray:
        given = w[f"AVAL.{tadm_code}"].to_numpy(dtype=float)
        planned = w[f"AVAL.{tpadm_code}"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(planned > 0, given / planned * 100, np.nan)
        if zero_doses == "100":
            out = np.where((planned == 0) & (given == 0), 100.0, out)
        return out

    values = {**set_values_to, "AVAL": intensity}
    return derive_param_computed(dataset, by_vars=by_vars, parameters=[tadm_code, tpadm_code], filter=filter,
                                 set_values_to=values, keep_nas=True)


def derive_var_dose_reduction_flag(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str],
    dose_var: str = "EXDOSE",
    new_var: str = "DOSREDFL",
    filter: Filter = None,
    true_value: str = "Y",
    false_value: str | None = None,
) -> pd.DataFrame:
    """Flag the dose records whose dose is lower than the subject's previous non-zero dose.

    Records (selected by ``filter``) are ordered by ``order`` within ``by_vars`` (e.g.
    ``["USUBJID", "EXTRT"]`` and ``["ASTDT", "EXSEQ"]``). A dose of 0 is an interruption, not a
    reduction, and a missing dose is neither; the dose after an interruption is compared with
    the last dose given. The number of reductions per subject is then a count of the flag, e.g.
    with :func:`derive_param_exposure` and ``Summary("DOSREDFL", "count")``.

    Parameters
    ----------
    dataset
        Dose records; returned as a copy with ``new_var`` added.
    by_vars
        Columns within which doses are compared, e.g. ``["USUBJID", "EXTRT"]``.
    order
        Columns that order the doses in time (``"-X"`` descending), e.g. ``["ASTDT", "EXSEQ"]``.
    dose_var
        The dose; default ``"EXDOSE"``.
    new_var
        The flag to add; default ``"DOSREDFL"``.
    filter
        Which records take part (others get ``false_value`` and are not compared): a query
        string, a callable, a boolean Series, or ``None`` (default) for all.
    true_value
        The flag of a reduction; default ``"Y"``.
    false_value
        The flag of any other record; default ``None`` (missing).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> ex = pd.DataFrame({"USUBJID": "1", "EXSEQ": [1, 2, 3, 4, 5], "EXDOSE": [12.0, 10.0, 0.0, 8.0, 10.0]})
    >>> derive_var_dose_reduction_flag(ex, by_vars=["USUBJID"], order=["EXSEQ"])["DOSREDFL"].fillna("").tolist()
    ['', 'Y', '', 'Y', '']
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars + parse_order_cols(order) + [dose_var])
    check_new_vars_absent(dataset, [new_var])
    selected = filter_mask(dataset, filter).to_numpy()
    work = dataset.loc[selected, by_vars + [c for c in parse_order_cols(order) if c not in by_vars] + [dose_var]].copy()
    work["__pos__"] = np.flatnonzero(selected)
    work = sort_by_order(work, by_vars + list(order))
    dose = pd.to_numeric(work[dose_var]).astype(float)
    given = dose.where(dose > 0)
    keys = [work[v] for v in by_vars]
    last_given = given.groupby(keys, dropna=False, sort=False).ffill()  # last dose given up to the record
    previous = last_given.groupby(keys, dropna=False, sort=False).shift(1)  # ... before it
    reduced = (dose > 0) & (dose < previous)
    flag = np.zeros(len(dataset), dtype=bool)
    flag[work["__pos__"].to_numpy()[reduced.to_numpy(dtype=bool)]] = True
    out = dataset.copy()
    out[new_var] = pd.Series(np.where(flag, true_value, false_value), index=dataset.index, dtype=object)
    return out


__all__ = ["derive_param_exposure", "derive_param_doseint", "derive_var_dose_reduction_flag"]
