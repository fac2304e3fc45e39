"""Add variables from records selected by conditions on both datasets (admiral ``derive_vars_joined``).

Typical uses: the last dose before an adverse event (``filter_join="EXSTDTM <= ASTDTM"``,
``order=["EXSTDTM"]``, ``mode="last"``), the dose in effect at a record's date, the
nadir before an assessment.

>>> import pandas as pd
>>> ae = pd.DataFrame({"USUBJID": ["1", "1", "2"],
...     "ASTDTM": pd.to_datetime(["2021-01-03", "2021-01-01", "2021-02-01"])})
>>> ex = pd.DataFrame({"USUBJID": ["1", "1", "2"], "EXDOSE": [10.0, 20.0, 5.0],
...     "EXSTDTM": pd.to_datetime(["2021-01-02", "2021-01-03", "2021-02-02"])})
>>> out = derive_vars_joined(ae, dataset_add=ex, by_vars=["USUBJID"],
...     new_vars={"LDOSEDTM": "EXSTDTM", "LDOSE": "EXDOSE"}, order=["EXSTDTM"], mode="last",
...     filter_join="EXSTDTM <= ASTDTM")
>>> out["LDOSE"].tolist(), out["LDOSEDTM"].dt.strftime("%m-%d").fillna("").tolist()
([20.0, nan, nan], ['01-03', '', ''])
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, parse_order, sort_by_order
from ..findings import DerivationError
from ._common import as_list, check_choice, check_new_vars_absent, flag_series, signal_duplicates

_ROW = "__row__"


def derive_vars_joined(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    new_vars: list[str] | Mapping[str, str] | None = None,
    filter_add: Filter = None,
    filter_join: Filter = None,
    order: list[str] | None = None,
    mode: str | None = None,
    exist_flag: str | None = None,
    true_value: Any = "Y",
    false_value: Any = None,
    missing_values: Mapping[str, Any] | None = None,
    join_suffix: str = "_join",
    check_type: str = "warning",
) -> pd.DataFrame:
    """Add variables from the ``dataset_add`` record that a condition on both datasets selects.

    admiral ``derive_vars_joined``. Each record of ``dataset`` is paired with the
    ``dataset_add`` records of its by group; ``filter_join`` keeps the pairs that count;
    ``order``/``mode`` pick one of them. The input records and their order are kept.

    Parameters
    ----------
    dataset
        The records to add variables to (e.g. ADAE).
    dataset_add
        The records to take them from (e.g. EX with dose dates).
    by_vars
        Columns that both datasets share and that delimit the pairs, e.g. ``["STUDYID", "USUBJID"]``.
    new_vars
        What to add: ``None`` (every ``dataset_add`` column not in ``by_vars``), a list of
        column names, or ``{new_name: dataset_add_column}``. Names must be new to ``dataset``.
    filter_add
        Which ``dataset_add`` records take part, before the join (query string, callable,
        boolean Series or ``None``).
    filter_join
        Which pairs count, evaluated on the joined pairs where the columns of both datasets
        are visible (a ``dataset_add`` column whose name is also in ``dataset`` is renamed
        with ``join_suffix``, e.g. ``VISIT_join``); ``None``: all pairs.
    order, mode
        Both or neither. ``order`` sorts the pairs of a record (``"-X"`` descending) and
        ``mode`` (``"first"`` or ``"last"``) picks one. Without them the pairs must be
        unique per record, else a :class:`DerivationError`.
    exist_flag
        Optional new column telling records with a pair from those without.
    true_value, false_value
        Its values; defaults ``"Y"`` (a pair) and ``None`` (missing).
    missing_values
        ``{new_name: value}`` for records without a pair (default: missing).
    join_suffix
        Suffix of ``dataset_add`` columns whose name is also in ``dataset``; default ``"_join"``.
    check_type
        Pairs tied on ``order``: ``"warning"`` (default), ``"error"`` or ``"none"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    The last dose on or before each adverse event:

    >>> import pandas as pd
    >>> ae = pd.DataFrame({"USUBJID": ["1", "1", "2"],
    ...     "ASTDTM": pd.to_datetime(["2021-01-03", "2021-01-01", "2021-02-01"])})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1", "2"], "EXDOSE": [10.0, 20.0, 5.0],
    ...     "EXSTDTM": pd.to_datetime(["2021-01-02", "2021-01-03", "2021-02-02"])})
    >>> out = derive_vars_joined(ae, dataset_add=ex, by_vars=["USUBJID"], new_vars={"LDOSE": "EXDOSE"},
    ...     order=["EXSTDTM"], mode="last", filter_join="EXSTDTM <= ASTDTM", exist_flag="DOSEFL")
    >>> out["LDOSE"].tolist(), out["DOSEFL"].tolist()
    ([20.0, nan, nan], ['Y', nan, nan])
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars, name="dataset")
    assert_has_columns(dataset_add, by_vars, name="dataset_add")
    if (order is None) != (mode is None):
        raise DerivationError("order and mode must be given together",
                              hint="e.g. order=['EXSTDTM'], mode='last'; or neither when pairs are unique")
    if mode is not None:
        check_choice("mode", mode, ("first", "last"))
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy()]
    if new_vars is None:
        mapping = {c: c for c in add.columns if c not in by_vars}
    elif isinstance(new_vars, Mapping):
        mapping = dict(new_vars)
    else:
        mapping = {c: c for c in as_list(new_vars)}
    assert_has_columns(add, list(mapping.values()), name="dataset_add")
    check_new_vars_absent(dataset, list(mapping) + ([exist_flag] if exist_flag else []), dataset_name="dataset")

    renamed = {c: (c + join_suffix if c in dataset.columns else c) for c in add.columns if c not in by_vars}
    right = add.rename(columns=renamed)
    left = dataset[by_vars].copy()
    left[_ROW] = np.arange(len(dataset))
    if filter_join is not None and isinstance(filter_join, str):
        # the left columns a query needs (cheap: only those named in the expression)
        extra = [c for c in dataset.columns if c not in by_vars and c in filter_join and c not in right.columns]
    else:
        extra = [c for c in dataset.columns if c not in by_vars and c not in right.columns]
    for c in extra:
        left[c] = dataset[c].to_numpy()
    pairs = left.merge(right, on=by_vars, how="inner")
    if filter_join is not None and len(pairs):
        pairs = pairs.loc[filter_mask(pairs, filter_join).to_numpy()]
    if order:
        cols = [c if c in pairs.columns else renamed.get(c, c) for c in parse_order(order)[0]]
        asc = parse_order(order)[1]
        order_r = [("" if a else "-") + c for c, a in zip(cols, asc)]
        signal_duplicates(pairs, [_ROW] + cols, check_type=check_type, dataset="dataset_add",
                          what="derive_vars_joined", hint="add variables to order so that one record is selected")
        pairs = sort_by_order(pairs, [_ROW] + order_r)
        pairs = pairs.drop_duplicates(_ROW, keep="first" if mode == "first" else "last")
    else:
        dup = pairs.duplicated(_ROW, keep=False)
        if dup.any():
            i = int(pairs.loc[dup, _ROW].iloc[0])
            raise DerivationError(
                "more than one dataset_add record joins a record of dataset",
                dataset="dataset_add",
                usubjid=str(dataset["USUBJID"].iloc[i]) if "USUBJID" in dataset.columns else None,
                hint="restrict filter_add / filter_join, or give order= and mode= to select one",
            )
    picked = pd.DataFrame({new: pairs[renamed.get(old, old)].to_numpy() for new, old in mapping.items()})
    picked[_ROW] = pairs[_ROW].to_numpy(dtype=np.int64)
    for new, old in mapping.items():  # keep the source dtypes (datetime, str, float)
        picked[new] = picked[new].astype(add[old].dtype) if len(picked) else add[old].iloc[:0].to_numpy()
    joined = pd.DataFrame({_ROW: np.arange(len(dataset), dtype=np.int64)}).merge(picked, on=_ROW, how="left")
    hit = np.zeros(len(dataset), dtype=bool)
    hit[picked[_ROW].to_numpy()] = True
    out = dataset.copy()
    for new, old in mapping.items():
        col = pd.Series(joined[new].to_numpy(), index=dataset.index, dtype=joined[new].dtype)
        if missing_values and new in missing_values:
            col = col.where(hit, missing_values[new])
        out[new] = col
    for var in missing_values or {}:
        if var not in mapping:
            raise DerivationError("missing_values names a variable that is not joined", variable=var,
                                  hint=f"use one of: {', '.join(mapping)}")
    if exist_flag:
        out[exist_flag] = flag_series(hit, out.index, true_value, false_value)
    return out


__all__ = ["derive_vars_joined"]
