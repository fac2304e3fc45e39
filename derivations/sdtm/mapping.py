"""Direct mappings: copy a raw column, set a constant, number records (--SEQ).

Example
-------
>>> import pandas as pd
>>> ae = pd.DataFrame({"USUBJID": ["S-02", "S-01", "S-01"],
...                    "AESTDTC": ["2021-01-05", "2021-02-01", "2021-01-10"]})
>>> derive_var_seq(ae, new_var="AESEQ", order=["AESTDTC"])[["USUBJID", "AESEQ"]].values.tolist()
[['S-01', 1], ['S-01', 2], ['S-02', 1]]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, blank_to_na, filter_mask, sort_by_order
from ._util import as_list, as_text


def derive_var_assign(dataset: pd.DataFrame, *, source: str, new_var: str) -> pd.DataFrame:
    """Add ``new_var`` as a copy of ``source`` (no controlled terminology).

    Text is stripped of outer blanks and missing text becomes ``""``; a
    numeric column is copied unchanged.

    >>> raw = pd.DataFrame({"AETERM_RAW": ["  Headache ", None]})
    >>> derive_var_assign(raw, source="AETERM_RAW", new_var="AETERM")["AETERM"].tolist()
    ['Headache', '']
    """
    assert_has_columns(dataset, [source])
    out = dataset.copy()
    col = dataset[source]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        out[new_var] = col.copy()
    else:
        out[new_var] = as_text(col)
    return out


def derive_var_hardcode(
    dataset: pd.DataFrame, *, new_var: str, value: Any, filter: Filter = None
) -> pd.DataFrame:
    """Set ``new_var`` to the constant ``value`` on the records selected by ``filter``.

    Other records keep their existing ``new_var`` value; if the column is
    new, they get ``""`` (text ``value``) or a missing value (numeric).

    >>> ae = pd.DataFrame({"AESER": ["Y", "N"]})
    >>> derive_var_hardcode(ae, new_var="AESMIE", value="Y", filter="AESER == 'Y'")["AESMIE"].tolist()
    ['Y', '']
    """
    mask = filter_mask(dataset, filter)
    out = dataset.copy()
    if new_var in out.columns:
        base = out[new_var]
    elif isinstance(value, str):
        base = pd.Series("", index=out.index, dtype=object).astype(str)
    else:
        base = pd.Series(np.nan, index=out.index)
    out[new_var] = base.mask(mask, value)
    return out


def derive_var_seq(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    by_vars: Sequence[str] = ("USUBJID",),
    order: Sequence[str],
) -> pd.DataFrame:
    """Add ``new_var`` (--SEQ): 1, 2, ... within ``by_vars`` after sorting by ``order``.

    Returns the records sorted by ``by_vars`` then ``order`` (``"-X"`` =
    descending; missing values, blank text included, last). The sort is stable (mergesort):
    records tied on every key keep their input order, so the numbering is
    deterministic for a given input; add keys to ``order`` (e.g. the raw
    record id) if the input order itself is not reproducible.

    >>> lb = pd.DataFrame({"USUBJID": ["S-01"] * 3, "LBTESTCD": ["HGB", "ALT", "ALT"],
    ...                    "LBDTC": ["2021-01-01", "2021-01-02", "2021-01-01"]})
    >>> derive_var_seq(lb, new_var="LBSEQ", order=["LBTESTCD", "LBDTC"])["LBDTC"].tolist()
    ['2021-01-01', '2021-01-02', '2021-01-01']
    """
    by = as_list(by_vars)
    keys = by + [o for o in as_list(order) if o.lstrip("-") not in by]
    assert_has_columns(dataset, [k.lstrip("-") for k in keys])
    # blank text sorts as missing (last), like NaN: "" must not come before dates
    cols = list(dict.fromkeys(k.lstrip("-") for k in keys))
    sort_frame = pd.DataFrame({c: blank_to_na(dataset[c]) for c in cols}, index=dataset.index)
    sort_frame["__pos"] = range(len(dataset))
    order_pos = sort_by_order(sort_frame, keys)["__pos"].to_numpy()
    out = dataset.iloc[order_pos].copy()
    if by:
        seq = out.groupby(by, sort=False, dropna=False).cumcount() + 1
    else:
        seq = pd.Series(range(1, len(out) + 1), index=out.index)
    out[new_var] = seq.to_numpy().astype("int64")
    return out


__all__ = ["derive_var_assign", "derive_var_hardcode", "derive_var_seq"]
