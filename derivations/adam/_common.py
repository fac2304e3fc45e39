"""Small helpers shared by the ADaM derivation modules (private)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError

CHECK_TYPES = ("error", "warning", "none")
MODES = ("first", "last")


class DuplicateRecordsWarning(UserWarning):
    """Records are not unique where a derivation expects one per group."""


@dataclass(frozen=True)
class Col:
    """A value taken from a column of the source record, e.g. ``Col("AESEQ")``.

    Used in ``set_values_to`` of source objects where a plain string would be a
    constant.

    >>> str(Col("AESEQ"))
    'AESEQ'
    """

    name: str

    def __str__(self) -> str:
        return self.name


def as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def check_choice(name: str, value: str, choices: Iterable[str]) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise DerivationError(
            f"{name}={value!r} is not allowed",
            value=value,
            hint=f"use one of {', '.join(map(repr, choices))}",
        )


def by_values_text(frame: pd.DataFrame, by_vars: list[str], limit: int = 5) -> str:
    """``USUBJID='01', PARAMCD='SYSBP'; ...`` for the first ``limit`` rows of ``frame``."""
    rows = frame[by_vars].drop_duplicates().head(limit)
    parts = []
    for rec in rows.itertuples(index=False):  # at most `limit` rows: a message, not a derivation
        parts.append(", ".join(f"{v}={x!r}" for v, x in zip(by_vars, rec)))
    return "; ".join(parts)


def signal_duplicates(
    frame: pd.DataFrame,
    keys: list[str],
    *,
    check_type: str,
    dataset: str | None,
    what: str,
    hint: str,
) -> None:
    """Raise / warn when ``frame`` has several records for one combination of ``keys``."""
    check_choice("check_type", check_type, CHECK_TYPES)
    if check_type == "none" or frame.empty:
        return
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return
    n_groups = int(frame.loc[dup, keys].drop_duplicates().shape[0])
    message = (
        f"{what}: {n_groups} group(s) of {', '.join(keys)} have more than one record, "
        f"e.g. {by_values_text(frame.loc[dup], keys)}"
    )
    usubjid = None
    if "USUBJID" in keys:
        usubjid = str(frame.loc[dup, "USUBJID"].iloc[0])
    if check_type == "error":
        raise DerivationError(message, dataset=dataset, usubjid=usubjid, hint=hint)
    warnings.warn(f"{message}: {hint}", DuplicateRecordsWarning, stacklevel=3)


def check_new_vars_absent(dataset: pd.DataFrame, names: Iterable[str], *, dataset_name: str | None = None) -> None:
    present = [n for n in names if n in dataset.columns]
    if present:
        raise DerivationError(
            f"variable(s) {', '.join(present)} already in the input dataset",
            dataset=dataset_name,
            variable=present[0],
            hint="drop or rename them first, or choose other new variable names",
        )


def resolve_value(frame: pd.DataFrame, value: Any, *, column_keys: bool = False) -> Any:
    """A ``set_values_to`` value: a constant, ``Col(name)`` or a callable of the frame."""
    if isinstance(value, Col):
        assert_has_columns(frame, [value.name])
        return frame[value.name].to_numpy()
    if callable(value):
        result = value(frame)
        return result.to_numpy() if isinstance(result, pd.Series) else result
    if column_keys and isinstance(value, str) and value in frame.columns:
        return frame[value].to_numpy()
    return value


def fmt_values(values: Mapping[str, Any] | None) -> str:
    if not values:
        return ""
    parts = []
    for k, v in values.items():
        if isinstance(v, Col):
            parts.append(f"{k}={v.name}")
        elif callable(v):
            parts.append(f"{k}=<{getattr(v, '__name__', 'function')}>")
        else:
            parts.append(f"{k}={v!r}")
    return ", ".join(parts)


def fmt_filter(filter: Any) -> str:
    if filter is None:
        return "all records"
    if isinstance(filter, str):
        return filter
    return f"<{getattr(filter, '__name__', 'function')}>"


def as_datetime(series: pd.Series, *, name: str | None = None, dataset: str | None = None) -> pd.Series:
    """A date or datetime column as datetime64; raises for text (never a guessed format).

    datetime64 is returned as it is; ``datetime.date``/``datetime`` objects and an all-missing
    column are converted (nothing to guess). Text such as ``"2021-03"`` is an error: dates are
    read from --DTC by the ISO 8601 functions (derive_vars_dt, compute_dtc_impute), which say
    what they do with a partial date, never here.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    if series.isna().all() or pd.api.types.infer_dtype(series, skipna=True) in ("date", "datetime", "datetime64"):
        return pd.to_datetime(series)
    raise DerivationError(
        "a date or datetime variable is expected",
        dataset=dataset,
        variable=name or series.name,
        value=str(series.dtype),
        hint="derive a numeric date first (derive_vars_dt / compute_dtc_impute)",
    )


def date_part(series: pd.Series, *, name: str | None = None, dataset: str | None = None) -> pd.Series:
    """Datetime Series floored to the day; raises for a non-date column (see :func:`as_datetime`)."""
    return as_datetime(series, name=name, dataset=dataset).dt.normalize()


def flag_series(mask, index: pd.Index, true_value: Any, false_value: Any) -> pd.Series:
    """``true_value`` where ``mask`` else ``false_value`` (``None`` gives a missing value)."""
    mask = np.asarray(mask, dtype=bool)
    arr = np.empty(len(mask), dtype=object)
    arr[:] = false_value
    arr[mask] = true_value
    return pd.Series(arr, index=index)


def concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f.columns)]
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0] if frames else pd.DataFrame()
    if len(non_empty) == 1:
        cols = list(dict.fromkeys(c for f in frames for c in f.columns))
        return non_empty[0].reindex(columns=cols).reset_index(drop=True)
    return pd.concat(non_empty, ignore_index=True, sort=False)


def parse_order_cols(order) -> list[str]:
    """Column names of an ``order`` list (``"-AVAL"`` -> ``"AVAL"``)."""
    return [o[1:] if isinstance(o, str) and o.startswith("-") else o for o in as_list(order)]
