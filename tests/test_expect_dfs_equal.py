"""The whole-frame test helper (derivations.testing.expect_dfs_equal) fails on what list compares miss."""

from __future__ import annotations

import pandas as pd
import pytest

from derivations.compare import DuplicateKeyError
from derivations.testing import expect_dfs_equal

EXPECTED = pd.DataFrame({
    "USUBJID": ["S-1", "S-1", "S-2"],
    "PARAMCD": ["BOR", "OVR", "BOR"],
    "AVAL": [2.0, 3.0, None],
    "ASEQ": pd.array([1, 2, 1], dtype="Int64"),
    "ADT": pd.to_datetime(["2021-01-05", "2021-02-01", None]),
    "AVALC": ["PR", "SD", ""],
})
KEYS = ["USUBJID", "PARAMCD"]


def test_equal_frames_pass_in_any_row_order_when_matched_on_keys():
    expect_dfs_equal(EXPECTED.iloc[::-1], EXPECTED, keys=KEYS)
    # SAS semantics: a blank text equals a missing value; int64 and Int64 are both integers
    expect_dfs_equal(EXPECTED.assign(AVALC=["PR", "SD", None], ASEQ=[1, 2, 1]), EXPECTED, keys=KEYS)


def test_without_keys_row_order_counts():
    expect_dfs_equal(EXPECTED, EXPECTED, keys=None)
    with pytest.raises(AssertionError, match="differs from expected: 8 unequal value"):
        expect_dfs_equal(EXPECTED.iloc[::-1].reset_index(drop=True), EXPECTED, keys=None)


@pytest.mark.parametrize("change,message", [
    (lambda d: d.assign(EXTRA="x"), "variable\\(s\\) only in actual: EXTRA"),
    (lambda d: d.drop(columns="AVALC"), "variable\\(s\\) only in expected: AVALC"),
    (lambda d: d.assign(ASEQ=d["ASEQ"].astype(float)), "ASEQ holds float values, expected integer"),
    (lambda d: d.assign(ADT=d["ADT"].dt.strftime("%Y-%m-%d")), "ADT holds text values, expected datetime"),
    (lambda d: d.assign(AVAL=[2.0, 3.5, None]), "1 unequal value\\(s\\)"),
    (lambda d: d.assign(AVAL=[2.0, 3.0, 0.0]), "1 unequal value\\(s\\)"),  # missing is not 0
    (lambda d: d.assign(ADT=pd.to_datetime(["2021-01-05", "2021-02-02", None])), "1 unequal value\\(s\\)"),
    (lambda d: d.iloc[:2], "1 record\\(s\\) only in expected"),
    (lambda d: pd.concat([d, d.iloc[:1].assign(PARAMCD="CBOR")]), "1 record\\(s\\) only in actual"),
])
def test_every_kind_of_difference_fails(change, message):
    with pytest.raises(AssertionError, match=message):
        expect_dfs_equal(change(EXPECTED.copy()), EXPECTED, keys=KEYS)


def test_duplicate_keys_are_an_error_not_a_pass():
    with pytest.raises(DuplicateKeyError):
        expect_dfs_equal(pd.concat([EXPECTED, EXPECTED.iloc[:1]]), EXPECTED, keys=KEYS)


def test_the_failure_message_carries_the_compare_report_with_the_keys_of_each_difference():
    with pytest.raises(AssertionError) as err:
        expect_dfs_equal(EXPECTED.assign(AVALC=["PR", "PD", ""]), EXPECTED, keys=KEYS)
    text = str(err.value)
    assert "BASE = expected, COMPARE = actual" in text
    assert "AVALC" in text and "S-1" in text and "OVR" in text and "PD" in text
