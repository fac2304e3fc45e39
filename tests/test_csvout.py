"""The CSV formula guard: text a spreadsheet would run as a formula is prefixed with ', numbers are not."""

import pandas as pd

from derivations.csvout import _neutralise


def test_formula_guard_prefixes_formulas_and_keeps_signed_numbers():
    values = pd.Series(["-1.5", "=HYPERLINK(1)", "+3%", "@SUM(A1)", "plain", None, "-", "\tx", "1e-3"], dtype=object)
    out, n = _neutralise(values)
    assert out.tolist() == ["-1.5", "'=HYPERLINK(1)", "+3%", "'@SUM(A1)", "plain", None, "'-", "'\tx", "1e-3"]
    assert n == 4
    for safe in (pd.Series(["a", None, "b"], dtype=object), pd.Series(["-2", "+0.5"]), pd.Series([1.0, -2.0])):
        same, n = _neutralise(safe)
        assert n == 0 and same is safe  # nothing to change: the column itself
