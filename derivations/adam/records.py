"""Record-level helpers: sequence numbers, existence parameters, single-dose records.

Sequence numbers (SDTM --SEQ, ADaM ASEQ) have one function with one contract,
:func:`derive_var_obs_number`:

* the records keep their position: the function adds one variable and changes nothing
  else (sorting a dataset for submission is the pipeline's job, by the spec's keys);
* missing values, blank text included, sort last, as in every ``order`` of the framework;
* records tied on ``by_vars + order`` are an error by default: their numbers would depend
  on the input order, so a rerun could renumber them. Add a variable to ``order`` that
  separates them (e.g. the sponsor-defined identifier --SPID);
* ``new_var`` must be new.

``derivations.sdtm.derive_var_seq`` (which returned the records sorted and numbered ties
silently) is a deprecated alias kept for old programs: it warns and behaves as before.

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
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, blank_to_na, filter_mask, set_values, sort_by_order
from ..findings import DerivationError
from ._common import CHECK_TYPES, as_datetime, as_list, check_choice, check_new_vars_absent, concat_rows, signal_duplicates


def numbered_positions(dataset: pd.DataFrame, by: list[str], keys: list[str],
                       na_position: str = "last") -> tuple[np.ndarray, np.ndarray]:
    """(positions in sorted order, sequence number of each sorted record)."""
    cols = list(dict.fromkeys(k.lstrip("-") for k in keys))
    # blank text sorts as missing (last), like NaN: "" must not come before dates
    frame = pd.DataFrame({c: blank_to_na(dataset[c]) for c in cols}, index=dataset.index)
    frame["__pos"] = np.arange(len(dataset))
    frame = sort_by_order(frame, keys, na_position=na_position)
    if by:
        seq = frame.groupby(by, sort=False, dropna=False).cumcount().to_numpy() + 1
    else:
        seq = np.arange(1, len(frame) + 1)
    return frame["__pos"].to_numpy(), seq.astype(np.int64)


def derive_var_obs_number(
    dataset: pd.DataFrame,
    *,
    by_vars: Sequence[str],
    order: Sequence[str] | None = None,
    new_var: str = "ASEQ",
    check_type: str = "error",
    dataset_name: str | None = None,
    na_position: str = "last",
) -> pd.DataFrame:
    """Add ``new_var`` = 1, 2, ... within each ``by_vars`` group in ``order``; rows keep their place.

    admiral's ``derive_var_obs_number``; use it for SDTM --SEQ and ADaM ASEQ alike.

    Parameters
    ----------
    dataset
        The input records; returned as a copy with ``new_var`` added, same rows, same order.
    by_vars
        Columns that delimit the numbering, e.g. ``["USUBJID"]`` for --SEQ (SDTMIG: unique
        within a subject in a domain) or ``["STUDYID", "USUBJID"]`` for ASEQ. ``[]``
        numbers the whole dataset.
    order
        Columns to sort by within a group; ``"-X"`` sorts X descending. Missing values,
        blank text included, come last. ``None``: the input order.
    new_var
        The new column (int64); an error if the dataset has it already.
    check_type
        Records tied on ``by_vars + order``: ``"error"`` (default) raises naming the
        group, ``"warning"`` warns, ``"none"`` numbers them in input order. Not checked
        when ``order`` is ``None``.
    dataset_name
        The dataset's name in messages.
    na_position
        ``"last"`` (default), ``"first"`` or ``"sas"`` (missing is the lowest value, as SAS
        numbers records): see :func:`derivations.core.sort_by_order`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> lb = pd.DataFrame({"USUBJID": ["S-01"] * 3, "LBTESTCD": ["HGB", "ALT", "ALT"],
    ...                    "LBDTC": ["2021-01-01", "2021-01-02", "2021-01-01"]})
    >>> derive_var_obs_number(lb, new_var="LBSEQ", by_vars=["USUBJID"],
    ...                       order=["LBTESTCD", "LBDTC"])["LBSEQ"].tolist()
    [3, 2, 1]
    >>> derive_var_obs_number(lb, new_var="LBSEQ", by_vars=["USUBJID"], order=["LBTESTCD"])
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: derive_var_obs_number (LBSEQ): 1 group(s) of USUBJID, LBTESTCD have more than one record, e.g. USUBJID='S-01', LBTESTCD='ALT' (USUBJID S-01): add variables to order so that the records are numbered uniquely
    """
    by = as_list(by_vars)
    order = as_list(order)
    keys = by + [o for o in order if o.lstrip("-") not in by]
    assert_has_columns(dataset, [k.lstrip("-") for k in keys], name=dataset_name)
    check_new_vars_absent(dataset, [new_var], dataset_name=dataset_name)
    check_choice("check_type", check_type, CHECK_TYPES)
    if order:
        tie_keys = list(dict.fromkeys(k.lstrip("-") for k in keys))
        ties = pd.DataFrame({c: blank_to_na(dataset[c]) for c in tie_keys}, index=dataset.index)
        signal_duplicates(ties, tie_keys, check_type=check_type, dataset=dataset_name,
                          what=f"derive_var_obs_number ({new_var})",
                          hint="add variables to order so that the records are numbered uniquely")
    positions, seq = numbered_positions(dataset, by, keys, na_position)
    numbers = np.empty(len(dataset), dtype=np.int64)
    numbers[positions] = seq
    return dataset.assign(**{new_var: numbers})  # the input's columns are not copied (pandas copies on write)


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

    Parameters
    ----------
    dataset
        Parameters to append to (``None``: return the new records only); an error if the
        PARAMCD of ``set_values_to`` is already there.
    dataset_ref
        The reference (ADSL): one new record per by group of it.
    dataset_add
        The records looked at (e.g. TU, ADSL).
    by_vars
        Columns shared by ``dataset_ref`` and ``dataset_add``; default ``("STUDYID", "USUBJID")``.
    condition
        What makes AVALC ``true_value`` (evaluated on ``dataset_add``; ``None``: any record).
    filter_add
        Which ``dataset_add`` records take part at all.
    true_value, false_value, missing_value
        AVALC when a record meets ``condition`` (default ``"Y"``), when records exist but
        none meets it (``"N"``), when there are none (``None``: missing).
    aval_map
        AVALC -> AVAL pairs; default Y=1, N=0; ``None``: no AVAL.
    set_values_to
        ``{column: value}`` on the new records; must give PARAMCD.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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


#: Dose frequency -> days between administrations; "ONCE" = a single dose. The CDISC FREQ codelist's
#: submission values (ONCE C64576, QD C25473, QOD/Q2D C64525, Q3D C64533, EVERY WEEK C67069, EVERY 2/3/4
#: WEEKS C71127/C64535/C64529), then sponsor spellings that CT does not have (QW, Q1W, Q2W, Q3W, Q4W).
DOSE_FREQ_DAYS: tuple[tuple[str, int], ...] = (
    ("ONCE", 0), ("QD", 1), ("QOD", 2), ("Q2D", 2), ("Q3D", 3), ("EVERY WEEK", 7), ("EVERY 2 WEEKS", 14),
    ("EVERY 3 WEEKS", 21), ("EVERY 4 WEEKS", 28), ("QW", 7), ("Q1W", 7), ("Q2W", 14), ("Q3W", 21), ("Q4W", 28),
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
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSFRQ": ["QD", "EVERY WEEK"], "EXDOSE": [5.0, 9.0],
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
    start = as_datetime(src[start_date]).to_numpy(dtype="datetime64[D]")
    end = as_datetime(src[end_date]).to_numpy(dtype="datetime64[D]")
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
    dates = pd.Series(day).astype(as_datetime(src[start_date]).dtype)
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
