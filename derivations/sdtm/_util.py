"""Small helpers shared by the SDTM mapping modules (not public API)."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError


def as_text(series: pd.Series) -> pd.Series:
    """Values as stripped text; missing (NaN/None/NA) becomes ``""``.

    The result has the default text dtype of the running pandas (``str`` on
    pandas 3, ``object`` on pandas 2.2).
    """
    return series.astype("string").fillna("").str.strip().astype(str)


def num_to_text(series: pd.Series) -> pd.Series:
    """Numbers as text without a spurious decimal part (``1.0`` -> ``"1"``).

    Text input is only stripped. Missing values become ``""``.
    """
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return as_text(series)
    values = pd.to_numeric(series, errors="coerce").astype("Float64")
    whole = values.notna() & (values == values.round())
    as_int = values.where(whole).round().astype("Int64").astype("string")
    general = values.astype("string")
    out = as_int.where(whole, general).fillna("")
    return out.astype(str)


def row_label(index: pd.Index, pos: int) -> int | None:
    """The index label at ``pos`` if it is an integer (used as the row number)."""
    label = index[pos]
    if isinstance(label, (int, np.integer)):
        return int(label)
    return int(pos)


def subject_at(usubjid: pd.Series | None, pos: int) -> str | None:
    """USUBJID of the record at position ``pos`` (or None)."""
    if usubjid is None:
        return None
    value = usubjid.iloc[pos]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def check_same_length(values: pd.Series, other: pd.Series | None, what: str) -> None:
    if other is not None and len(other) != len(values):
        raise DerivationError(
            f"{what} has {len(other)} values but the values to derive from have {len(values)}",
            hint=f"pass {what} as a column of the same dataset",
        )


def listing(items: Iterable[object], limit: int = 10) -> str:
    """``'A', 'B', 'C' (and 4 more)``."""
    items = list(items)
    text = ", ".join(repr(str(i)) for i in items[:limit])
    if len(items) > limit:
        text += f" (and {len(items) - limit} more)"
    return text


def as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def lookup_one_per_group(dataset: pd.DataFrame, dataset_add: pd.DataFrame, by_vars: list[str],
            variables: list[str], what: str) -> pd.DataFrame:
    """Columns ``variables`` of ``dataset_add`` for each record of ``dataset`` (left join)."""
    assert_has_columns(dataset, by_vars)
    assert_has_columns(dataset_add, by_vars + variables)
    add = dataset_add[by_vars + variables]
    dup = add.duplicated(by_vars, keep=False)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise DerivationError(
            f"dataset_add has more than one record per {', '.join(by_vars)}",
            variable=what,
            value=tuple(add.iloc[pos][by_vars]),
            hint="pass one record per subject (e.g. DM) as dataset_add",
        )
    left = dataset[by_vars].reset_index(drop=True)
    merged = left.merge(add.rename(columns={v: f"__add_{v}" for v in variables}), on=by_vars, how="left")
    merged.index = dataset.index
    return merged[[f"__add_{v}" for v in variables]].set_axis(variables, axis=1)
