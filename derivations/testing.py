"""Testing derivations the admiral way: build the whole expected output, compare it whole.

:func:`expect_dfs_equal` matches the records of an actual and an expected frame on key
variables with the project's own dataset compare (:func:`derivations.compare.compare_datasets`,
PROC COMPARE semantics) and fails with its report when anything differs: a value, a
record on one side only, a variable on one side only (an extra column fails), or the
kind of a variable's values (integer, float, boolean, datetime, text: a dtype change
fails). Comparing a few columns as lists misses the last two.

Example
-------
>>> import pandas as pd
>>> actual = pd.DataFrame({"USUBJID": ["2", "1"], "ASEQ": [1, 1], "EXTRA": ["x", "y"]})
>>> expected = pd.DataFrame({"USUBJID": ["1", "2"], "ASEQ": [1, 1]})
>>> expect_dfs_equal(actual.drop(columns="EXTRA"), expected, keys=["USUBJID"])
>>> expect_dfs_equal(actual, expected, keys=["USUBJID"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: actual differs from expected: variable(s) only in actual: EXTRA...
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from .compare import compare_datasets

__all__ = ["expect_dfs_equal", "value_kind"]


def value_kind(series: pd.Series) -> str:
    """The kind of a column's values: ``integer``, ``float``, ``boolean``, ``datetime``,
    ``timedelta``, ``text``, ``category`` or ``mixed``.

    Integer and nullable integer (``Int64``) are one kind, as are the text dtypes
    (``object`` holding strings, ``str``, ``string``).

    >>> [value_kind(pd.Series(v)) for v in ([1, 2], [1.0, None], ["a", None], [True], pd.to_datetime(["2021-01-01"]))]
    ['integer', 'float', 'text', 'boolean', 'datetime']
    >>> value_kind(pd.Series([1, None], dtype="Int64")), value_kind(pd.Series(["a", 1], dtype=object))
    ('integer', 'mixed')
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_string_dtype(dtype) and dtype != object:
        return "text"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("string", "empty"):
        return "text"
    if inferred in ("date", "datetime", "datetime64"):
        return "datetime"
    return "mixed"


def expect_dfs_equal(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    keys: Sequence[str] | None,
    *,
    tolerance: float = 0.0,
    check_kinds: bool = True,
) -> None:
    """Assert that ``actual`` equals ``expected`` record by record, variable by variable.

    Parameters
    ----------
    actual
        The derivation's output.
    expected
        The whole expected output, built by hand in the test.
    keys
        Variables that identify a record in both frames (e.g. ``["USUBJID", "PARAMCD"]``);
        records are matched on them, so row order does not count. ``None`` or ``[]``
        matches records by position: row order counts.
    tolerance
        Absolute tolerance for numeric values (default: exact).
    check_kinds
        Also require the same kind of values per variable (:func:`value_kind`): a float
        where an integer is expected, or text where a date is expected, fails.

    Raises
    ------
    AssertionError
        With the compare report (PROC COMPARE layout): variables and records on one side
        only, duplicate keys, and every unequal value with its key. As in SAS, a blank
        text equals a missing value, and trailing blanks are ignored.
    """
    keys = list(keys or [])
    if not keys:  # match by position: the record number is the key
        keys = ["OBS"]
        while keys[0] in expected.columns or keys[0] in actual.columns:
            keys[0] += "_"
        expected = expected.assign(**{keys[0]: range(1, len(expected) + 1)})
        actual = actual.assign(**{keys[0]: range(1, len(actual) + 1)})
    result = compare_datasets(expected, actual, by_vars=keys, tolerance=tolerance, max_listed=None)
    problems = []
    if not result.equal:
        s = result.summary
        for what, names in (("variable(s) only in expected", result.base_only_vars),
                            ("variable(s) only in actual", result.compare_only_vars)):
            if names:
                problems.append(f"{what}: {', '.join(names)}")
        for what, n in (("record(s) only in expected", s["n_base_only_rows"]),
                        ("record(s) only in actual", s["n_compare_only_rows"]),
                        ("unequal value(s)", s["n_values_unequal"])):
            if n:
                problems.append(f"{n} {what}")
    if check_kinds:
        kinds = [(c, value_kind(expected[c]), value_kind(actual[c])) for c in expected.columns if c in actual.columns]
        problems += [f"{c} holds {a} values, expected {e} ({actual[c].dtype} vs {expected[c].dtype})"
                     for c, e, a in kinds if e != a]
    if result.equal and not problems:
        return
    report = "\nBASE = expected, COMPARE = actual\n" + result.report_text() if not result.equal else ""
    raise AssertionError("actual differs from expected: " + "; ".join(problems) + report)
