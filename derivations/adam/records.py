"""Record-level helpers: sequence numbers, existence parameters, single-dose records.

admiral models: ``derive_var_obs_number`` (ASEQ), ``derive_param_exist_flag``
(e.g. measurable disease at baseline, death), ``create_single_dose_dataset``
(one exposure record per administration).

>>> import pandas as pd
>>> adrs = pd.DataFrame({"USUBJID": ["2", "1", "1"], "PARAMCD": ["BOR", "OVR", "BOR"]})
>>> derive_var_obs_number(adrs, by_vars=["USUBJID"], order=["PARAMCD"])["ASEQ"].tolist()
[1, 2, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, set_values, sort_by_order
from ..findings import DerivationError
from ._common import as_list, check_new_vars_absent, concat_rows, signal_duplicates


def derive_var_obs_number(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str] | None = None,
    new_var: str = "ASEQ",
    check_type: str = "error",
) -> pd.DataFrame:
    """Number the records 1, 2, ... within each by group in ``order`` (admiral ``derive_var_obs_number``).

    Records keep their position in the output. Ties on ``by_vars + order`` are
    handled per ``check_type`` ("error" raises naming the by values).
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars + [o.lstrip("-") for o in order or []])
    check_new_vars_absent(dataset, [new_var])
    if order:
        signal_duplicates(dataset, by_vars + [o.lstrip("-") for o in order], check_type=check_type, dataset=None,
                          what=f"derive_var_obs_number ({new_var})",
                          hint="add variables to order so that the records are numbered uniquely")
    work = dataset[by_vars + [o.lstrip("-") for o in order or [] if o.lstrip("-") not in by_vars]].copy()
    work["__pos__"] = np.arange(len(work))
    work = sort_by_order(work, by_vars + list(order or []))
    seq = work.groupby(by_vars, sort=False, dropna=False).cumcount().to_numpy() + 1
    out_seq = np.empty(len(work), dtype=np.int64)
    out_seq[work["__pos__"].to_numpy()] = seq
    out = dataset.copy()
    out[new_var] = out_seq
    return out


def derive_param_exist_flag(
    dataset: pd.DataFrame | None = None,
    *,
    dataset_ref: pd.DataFrame,
    dataset_add: pd.DataFrame,
    by_vars: list[str] = ("STUDYID", "USUBJID"),
    condition: Filter = None,
    filter_add: Filter = None,
    true_value: Any = "Y",
    false_value: Any = "N",
    missing_value: Any = None,
    aval_map: Mapping[Any, Any] | None = (("Y", 1), ("N", 0)),
    set_values_to: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Append one record per by group of ``dataset_ref``: does ``dataset_add`` hold a record meeting ``condition``?

    AVALC is ``true_value`` if a (``filter_add``-selected) record of the by group
    meets ``condition``, ``false_value`` if the group has records but none meets
    it, ``missing_value`` if it has none. AVAL from ``aval_map`` (``None``: no
    AVAL). ``set_values_to`` must give PARAMCD (admiral ``derive_param_exist_flag``).

    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    >>> tu = pd.DataFrame({"USUBJID": ["1", "2"], "TUSTRESC": ["TARGET", "NON-TARGET"]})
    >>> out = derive_param_exist_flag(dataset_ref=adsl, dataset_add=tu, by_vars=["USUBJID"],
    ...     condition="TUSTRESC == 'TARGET'", missing_value="N", set_values_to={"PARAMCD": "MDIS"})
    >>> out[["USUBJID", "AVALC", "AVAL"]].values.tolist()
    [['1', 'Y', 1], ['2', 'N', 0], ['3', 'N', 0]]
    """
    from .merge import derive_var_merged_exist_flag

    by_vars = as_list(by_vars)
    if not set_values_to or "PARAMCD" not in set_values_to:
        raise DerivationError("set_values_to must contain PARAMCD", hint="e.g. {'PARAMCD': 'MDIS', 'PARAM': ...}")
    assert_has_columns(dataset_ref, by_vars, name="dataset_ref")
    ref = dataset_ref[by_vars].drop_duplicates().reset_index(drop=True)
    new = derive_var_merged_exist_flag(ref, dataset_add=dataset_add, by_vars=by_vars, new_var="AVALC",
                                       condition=condition, filter_add=filter_add, true_value=true_value,
                                       false_value=false_value, missing_value=missing_value)
    if aval_map is not None:
        new["AVAL"] = new["AVALC"].map(dict(aval_map))
    new = set_values(new, dict(set_values_to))
    if dataset is None:
        return new
    if "PARAMCD" in dataset.columns and (dataset["PARAMCD"] == set_values_to["PARAMCD"]).any():
        raise DerivationError("parameter already exists in the input dataset", variable="PARAMCD",
                              value=set_values_to["PARAMCD"], hint="derive each parameter once")
    return concat_rows([dataset, new])


#: Dose frequency (CDISC FREQ codelist) -> days between administrations; "ONCE" = a single dose.
DOSE_FREQ_DAYS: tuple[tuple[str, int], ...] = (
    ("ONCE", 0), ("QD", 1), ("QOD", 2), ("Q2D", 2), ("Q3D", 3), ("QW", 7), ("Q1W", 7), ("Q2W", 14),
    ("Q3W", 21), ("Q4W", 28),
)


@dataclass(frozen=True)
class DoseFrequencies:
    """Which frequencies expand and how (days between doses). ``print()`` shows the table.

    >>> print(DoseFrequencies())  # doctest: +ELLIPSIS
    dose frequencies (days between doses): ONCE=single, QD=1, QOD=2, ...
    """

    table: tuple[tuple[str, int], ...] = DOSE_FREQ_DAYS

    def __str__(self) -> str:
        return "dose frequencies (days between doses): " + ", ".join(
            f"{k}={'single' if v == 0 else v}" for k, v in self.table)


def create_single_dose_dataset(
    dataset: pd.DataFrame,
    *,
    start_date: str,
    end_date: str,
    dose_freq: str = "EXDOSFRQ",
    filter: Filter = None,
    frequencies: DoseFrequencies = DoseFrequencies(),
    start_dtc: str | None = None,
    end_dtc: str | None = None,
    new_freq: str | None = "ONCE",
) -> pd.DataFrame:
    """One record per administration (admiral ``create_single_dose_dataset``), dates only.

    Each ``filter``-selected record of ``dataset`` (``start_date``/``end_date``
    datetime64 columns, e.g. from :func:`derive_vars_dt`) is repeated for every
    dose day from start to end per its ``dose_freq``; the start and end dates of
    the copies are that day. Records with a missing start or end date are not
    expanded and are an error (say what to do with them via ``filter``).
    ``start_dtc``/``end_dtc`` names ISO 8601 text columns to set to the day too,
    ``new_freq`` the frequency written on the copies (``None`` keeps it).

    >>> import pandas as pd
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSFRQ": ["QD", "QW"], "EXDOSE": [5.0, 9.0],
    ...     "ASTDT": pd.to_datetime(["2021-01-01", "2021-02-01"]),
    ...     "AENDT": pd.to_datetime(["2021-01-03", "2021-02-15"])})
    >>> out = create_single_dose_dataset(ex, start_date="ASTDT", end_date="AENDT")
    >>> out["ASTDT"].dt.strftime("%m-%d").tolist(), out["EXDOSE"].tolist()
    (['01-01', '01-02', '01-03', '02-01', '02-08', '02-15'], [5.0, 5.0, 5.0, 9.0, 9.0, 9.0])
    """
    assert_has_columns(dataset, [start_date, end_date, dose_freq])
    src = dataset.loc[filter_mask(dataset, filter).to_numpy()]
    freq = dict(frequencies.table)
    unknown = ~src[dose_freq].isin(list(freq))
    if unknown.any():
        raise DerivationError("dose frequency not in the frequency table", variable=dose_freq,
                              usubjid=str(src["USUBJID"].iloc[int(np.flatnonzero(unknown)[0])])
                              if "USUBJID" in src.columns else None,
                              value=src.loc[unknown, dose_freq].iloc[0],
                              hint=f"known: {', '.join(freq)}; extend DoseFrequencies(table=...)")
    start = pd.to_datetime(src[start_date]).to_numpy(dtype="datetime64[D]")
    end = pd.to_datetime(src[end_date]).to_numpy(dtype="datetime64[D]")
    bad = np.isnat(start) | np.isnat(end) | (end < start)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DerivationError("exposure record without a usable start/end date cannot be expanded",
                              variable=end_date, usubjid=str(src["USUBJID"].iloc[i]) if "USUBJID" in src.columns
                              else None, value=f"{start[i]} - {end[i]}",
                              hint="exclude such records with filter= (e.g. 'AENDT.notna()') or impute the dates")
    step = src[dose_freq].map(freq).to_numpy(dtype=np.int64)
    span = (end - start).astype(np.int64)
    n = np.where(step == 0, 1, span // np.maximum(step, 1) + 1)
    rep = np.repeat(np.arange(len(src)), n)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    day = start[rep] + (k * step[rep]).astype("timedelta64[D]")
    out = src.iloc[rep].reset_index(drop=True)
    dates = pd.Series(day).astype(pd.to_datetime(src[start_date]).dtype)
    out[start_date] = dates.to_numpy()
    out[end_date] = dates.to_numpy()
    text = pd.Series(day.astype(str), dtype=object)
    for col in (start_dtc, end_dtc):
        if col:
            out[col] = text.to_numpy()
    if new_freq is not None:
        out[dose_freq] = new_freq
    return out


__all__ = ["derive_var_obs_number", "derive_param_exist_flag", "DOSE_FREQ_DAYS", "DoseFrequencies",
           "create_single_dose_dataset"]
