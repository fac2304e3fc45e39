"""Whole-frame comparison for the BDS tests (admiral's expect_dfs_equal style): every column and
every record, missing values equal whatever their spelling (None, NaN, NaT)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (np.floating, float)):
        return round(float(value), 9)
    if isinstance(value, np.integer):
        return float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def frame(header: str, *rows: tuple) -> pd.DataFrame:
    """A small frame written like a tribble: ``frame("USUBJID AVAL", ("1", 3.0), ...)``."""
    return pd.DataFrame([list(r) for r in rows], columns=header.split())


def expect_frame(actual: pd.DataFrame, expected: pd.DataFrame, *, keys: list[str] | None = None) -> None:
    """Same columns (any order) and the same records (in ``keys`` order when given, else as they are)."""
    assert sorted(actual.columns) == sorted(expected.columns), (list(actual.columns), list(expected.columns))
    cols = list(expected.columns)
    a, e = actual[cols], expected[cols]
    if keys:
        a = a.sort_values(keys, kind="mergesort", na_position="last")
        e = e.sort_values(keys, kind="mergesort", na_position="last")
    got = [[_cell(v) for v in row] for row in a.astype(object).itertuples(index=False)]  # report only: tiny frames
    want = [[_cell(v) for v in row] for row in e.astype(object).itertuples(index=False)]  # report only: tiny frames
    assert got == want, "\n" + "\n".join(f"got  {g}\nwant {w}" for g, w in zip(got, want) if g != w) + \
        f"\n({len(got)} vs {len(want)} records; columns {cols})"
