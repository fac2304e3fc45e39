"""Fast paths of core.filter_mask (query strings evaluated on the columns), core.is_missing (arrow
kernels, distinct values) and merge.match_positions: same answers as pandas' eval / merge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from derivations.adam.merge import match_positions
from derivations.core import _compile_query, filter_mask, is_missing
from derivations.findings import DerivationError

DF = pd.DataFrame({
    "A": ["Y", "N", None, "Y"], "B": [1.0, 5.0, np.nan, 3.0],
    "C": ["PLACEBO X", "XAN", "PLACEBO", None],
    "D": pd.to_datetime(["2020-01-01", "2020-01-02", None, "2020-01-05"]),
    "E": pd.to_datetime(["2020-01-03"] * 4)})

QUERIES = [
    ("A == 'Y' and B > 2", [False, False, False, True]),
    ("A in ['Y', 'N']", [True, True, False, True]),
    ("A not in ['Y']", [False, True, True, False]),
    ("not A == 'Y'", [False, True, True, False]),
    ("(B > 0 or (B == 0 and C.str.contains('PLACEBO'))) and D.notna()", [True, True, False, True]),
    ("D <= E", [True, True, False, False]),
    ("1 < B <= 3", [False, False, False, True]),
    ("A == 'Y' & B > 2", [False, False, False, True]),  # pandas precedence: left to pandas
]


@pytest.mark.parametrize("query,expected", QUERIES)
def test_fast_filter_equals_pandas_eval(query, expected):
    assert filter_mask(DF, query).tolist() == expected
    pandas = pd.Series(DF.eval(query, engine="python"), index=DF.index).fillna(False).astype(bool)
    assert pandas.tolist() == expected


def test_fast_filter_leaves_hard_cases_to_pandas():
    assert _compile_query("A == 'Y' & B > 2") is None and _compile_query("B > @x") is None
    assert _compile_query("A in ['Y']") is not None
    with pytest.raises(DerivationError, match="cannot be evaluated"):
        filter_mask(DF, "NOPE == 1")  # unknown column: pandas' error, with the columns as hint


def test_not_on_an_object_column_of_bools_negates_and_a_non_condition_is_an_error():
    # an exist flag with true_value=True/false_value=False is an object column of Python bools:
    # ~True is -2 on the integers, so `not FLAG` selected every record before
    df = pd.DataFrame({"FLAG": pd.Series([True, False, None, False], dtype=object), "A": ["Y", "N", None, "N"],
                       "B": [1.0, 0.0, None, 2.0]})
    assert filter_mask(df, "not FLAG").tolist() == [False, True, False, True]
    assert filter_mask(df, "~FLAG & (A == 'N')").tolist() == [False, True, False, True]  # pandas' eval path
    assert filter_mask(df, "FLAG").tolist() == [True, False, False, False]
    assert filter_mask(df, "A.str.contains('Y')").tolist() == [True, False, False, False]  # object of bools + NaN
    with pytest.raises(DerivationError, match=r"filter 'A' gives .* values, not True/False per record.*value 'Y'"):
        filter_mask(df, "A")
    with pytest.raises(DerivationError, match=r"filter 'B \* 2' gives float64 values.*value 2.0"):
        filter_mask(df, "B * 2")


def test_is_missing_arrow_object_and_numbers():
    values = ["a", " ", "", None, "b ", "\t"]
    for dtype in (object, "string[pyarrow]", "str"):
        assert is_missing(pd.Series(values, dtype=dtype)).tolist() == [False, True, True, True, False, True]
    assert is_missing(pd.Series([1.0, np.nan])).tolist() == [False, True]


def test_match_positions_multi_key_and_missing():
    left = pd.DataFrame({"S": ["x", "x", "y", None], "K": [1, 2, 1, 1]})
    right = pd.DataFrame({"S": ["x", "y", None], "K": [2, 1, 1]})
    assert match_positions(left, right, ["S", "K"]).tolist() == [-1, 0, 1, 2]  # missing matches missing, as merge


def test_compute_on_distinct_equals_the_row_by_row_result():
    from derivations.core import compute_on_distinct

    values = pd.Series(["2021-01", None, "2021-02-30", "2021-01", "", "x", None] * 50)
    got = compute_on_distinct(values, lambda s: s.str.len().to_numpy(), missing=-1)
    expected = [(-1 if pd.isna(v) else len(v)) for v in values]
    assert got.tolist() == expected and got.index.equals(values.index)
    with pytest.raises(ValueError, match="2 results for 4 distinct values"):
        compute_on_distinct(values, lambda s: [1, 2], missing=0)
