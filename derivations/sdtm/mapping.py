"""Direct mappings: copy a raw column, set a constant, read a number.

--SEQ is numbered by :func:`derivations.adam.records.derive_var_obs_number` (re-exported
by :mod:`derivations.sdtm`); ``derive_var_seq`` here is its deprecated predecessor.

Example
-------
>>> import pandas as pd
>>> derive_var_hardcode(pd.DataFrame({"AESER": ["Y", "N"]}), new_var="AESDTH", value="N",
...                     filter="AESER == 'Y'")["AESDTH"].tolist()
['N', '']
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..adam.records import numbered_positions
from ..core import Filter, assert_has_columns, filter_mask
from ..findings import RawDataError
from ._util import as_list, as_text, subject_at


def derive_var_assign(dataset: pd.DataFrame, *, source: str, new_var: str) -> pd.DataFrame:
    """Add ``new_var`` as a copy of ``source`` (no controlled terminology).

    Text is stripped of outer blanks and missing text becomes ``""``; a
    numeric column is copied unchanged.

    Parameters
    ----------
    dataset
        The raw page (or a frame built from it).
    source
        The raw column.
    new_var
        The SDTM variable.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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


def compute_numeric(
    values: pd.Series,
    *,
    source: str | None = None,
    dataset: str | None = None,
    variable: str | None = None,
    usubjid: pd.Series | None = None,
    integer: bool | None = None,
) -> pd.Series:
    """Numbers from raw text; a text that is not a number is an error naming file, line, subject and value.

    Blank text is a missing value; ``inf`` and ``nan`` written out are text, not numbers.

    Parameters
    ----------
    values
        The raw column (text as read from the page).
    source
        The raw page named in the error (``"dm.csv"``). With the default RangeIndex of a
        page read by ``ctx.raw``, index ``i`` is line ``i + 2`` of the file (line 1 is the
        header); with another index the error names the record instead.
    dataset, variable
        The SDTM dataset and variable the values become (named in the error).
    usubjid
        The subject of each value (aligned with ``values``), named in the error.
    integer
        ``True``: ``Int64`` (a fraction is an error); ``None`` (default): ``Int64`` when every
        value is whole, ``float64`` otherwise; ``False``: ``float64``.

    Returns
    -------
    pandas.Series
        The numbers, missing where the text is blank.

    Examples
    --------
    >>> compute_numeric(pd.Series(["61", "", "57"])).tolist()
    [61, <NA>, 57]
    >>> compute_numeric(pd.Series(["61", "sixty"]), source="dm.csv", dataset="DM", variable="AGE",
    ...                 usubjid=pd.Series(["S-01", "S-02"]))
    Traceback (most recent call last):
    ...
    derivations.findings.RawDataError: dm.csv line 3: text in a numeric field (dataset DM, variable AGE, USUBJID S-02, value 'sixty'): correct the raw value to a number, or leave it blank if it is missing
    """
    text = as_text(values)
    number = pd.to_numeric(text.mask(text == ""), errors="coerce")
    bad = (text != "") & (number.isna() | ~np.isfinite(number.fillna(0)))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        label = values.index[pos]
        on_line = bool(source) and isinstance(label, (int, np.integer))
        where = f"{source} line {int(label) + 2}: " if on_line else (f"{source}: " if source else "")
        more = int(bad.sum()) - 1
        raise RawDataError(
            f"{where}text in a numeric field" + (f" ({more} more record(s) like it)" if more else ""),
            dataset=dataset, variable=variable, usubjid=subject_at(usubjid, pos),
            row=None if on_line else pos + 1, value=text.iloc[pos],  # the line says where; no 0-based row
            hint="correct the raw value to a number, or leave it blank if it is missing")
    whole = bool(((number.dropna() % 1) == 0).all())
    if integer and not whole:
        pos = int(np.flatnonzero(((number % 1) != 0).fillna(False).to_numpy())[0])
        raise RawDataError(f"{source + ': ' if source else ''}a whole number is expected", dataset=dataset,
                           variable=variable, usubjid=subject_at(usubjid, pos), value=text.iloc[pos],
                           hint="correct the raw value")
    if integer or (integer is None and whole):
        return number.round().astype("Int64")
    return number.astype("float64")


def derive_var_hardcode(
    dataset: pd.DataFrame, *, new_var: str, value: Any, filter: Filter = None
) -> pd.DataFrame:
    """Set ``new_var`` to the constant ``value`` on the records selected by ``filter``.

    Other records keep their existing ``new_var`` value; if the column is
    new, they get ``""`` (text ``value``) or a missing value (numeric).

    Parameters
    ----------
    dataset
        The records.
    new_var
        The variable set (new or existing).
    value
        The constant (text or number).
    filter
        Which records get it (query string, callable, boolean Series; ``None``: all).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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
    """Deprecated: use :func:`derive_var_obs_number` (records keep their place; ties are an error).

    Kept for old programs and unchanged: returns the records sorted by ``by_vars`` then
    ``order`` and numbers tied records in input order without a check.

    >>> import warnings
    >>> lb = pd.DataFrame({"USUBJID": ["S-01"] * 2, "LBDTC": ["2021-01-02", "2021-01-01"]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     derive_var_seq(lb, new_var="LBSEQ", order=["LBDTC"])["LBDTC"].tolist()
    ['2021-01-01', '2021-01-02']
    """
    warnings.warn("derive_var_seq() is deprecated; use derive_var_obs_number (records keep their place, "
                  "ties are an error; sort afterwards if the order matters)", DeprecationWarning, stacklevel=2)
    by = as_list(by_vars)
    keys = by + [o for o in as_list(order) if o.lstrip("-") not in by]
    assert_has_columns(dataset, [k.lstrip("-") for k in keys])
    positions, seq = numbered_positions(dataset, by, keys)
    out = dataset.iloc[positions].copy()
    out[new_var] = seq
    return out


__all__ = ["derive_var_assign", "derive_var_hardcode", "derive_var_seq"]
