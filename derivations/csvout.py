"""CSV files a spreadsheet opens safely: no cell of text can start a formula.

Every CSV the tool writes (the ARD behind each table, ``findings.csv``) goes
through :func:`write_csv`. A text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return would be run as a formula by Excel or
LibreOffice when the file is opened (CSV injection); such a cell is written with
a leading apostrophe (``'=HYPERLINK(...)``), which a spreadsheet shows as text.
A text that is a plain number (``-3.5``, ``+2``) is left as it is. Numbers
stored as numbers are never changed. The run reports each neutralised file as
a ``csv_formula_guard`` finding.

Example
-------
>>> import pandas as pd
>>> neutralise_formulas(pd.Series(["=1+1", "-3.5", "-2 (1.0)", "@SUM(A1)", "ok"])).tolist()
["'=1+1", '-3.5', "'-2 (1.0)", "'@SUM(A1)", 'ok']
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_TRIGGER = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text values that a spreadsheet would run as a formula, prefixed with ``'``; others unchanged."""
    return _neutralise(values)[0]


def _neutralise(values: pd.Series) -> tuple[pd.Series, int]:
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return values, 0
    text = values.astype("string")
    risky = text.str.startswith(_TRIGGER).fillna(False).to_numpy(dtype=bool)
    if not risky.any():  # the number pattern only where a value starts like a formula
        return values, 0
    risky &= ~text.str.fullmatch(_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return values, 0
    out = values.astype(object).copy()
    out[risky] = "'" + text[risky].astype(str)
    return out, int(risky.sum())


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> int:
    """Write ``frame`` as CSV (``index=False``, ``\\n`` line ends) with formulas neutralised; returns how
    many cells were neutralised."""
    changed, out = 0, frame
    for i in range(frame.shape[1]):
        new, n = _neutralise(frame.iloc[:, i])
        if n:
            if out is frame:
                out = frame.copy()
            out.isetitem(i, new)
            changed += n
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    out.to_csv(path, **kwargs)
    return changed
