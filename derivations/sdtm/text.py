"""Text for SAS XPORT: ASCII only, at most 200 bytes per value (SDTMIG 4.5.3.2).

Example
-------
>>> import pandas as pd
>>> compute_ascii(pd.Series(["Nausée", "Headache"]), dataset="AE", variable="AETERM").tolist()
['Nausee', 'Headache']
>>> compute_split_text(pd.Series(["alpha beta gamma"]), width=11).values.tolist()
[['alpha beta ', 'gamma']]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from anyascii import anyascii

from ..core import assert_has_columns
from ..findings import DerivationError, Findings
from ._util import check_same_length, row_label, subject_at

_NON_ASCII = r"[^\x00-\x7F]"


def compute_ascii(
    values: pd.Series,
    *,
    dataset: str,
    variable: str,
    usubjid: pd.Series | None = None,
    findings: Findings | None = None,
) -> pd.Series:
    """Transliterate non-ASCII characters to ASCII (``é`` -> ``e``, ``µ`` -> ``u``, ``≥`` -> ``>=``).

    Uses the ``anyascii`` package. Each record whose value changed gets one
    Finding (warning, ``transliterated``) in ``findings`` naming the
    subject, row and original value, so the change can be reviewed. Missing
    stays missing; ASCII values are returned unchanged. The transliteration
    runs once per distinct non-ASCII value.

    Parameters
    ----------
    values
        Text values.
    dataset, variable
        Named in the findings (e.g. ``"AE"``, ``"AETERM"``).
    usubjid
        Subject identifiers aligned with ``values``; optional.
    findings
        Receives one warning (``transliterated``) per changed record; optional.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from derivations.findings import Findings
    >>> f = Findings()
    >>> compute_ascii(pd.Series(["Nausée"]), dataset="AE", variable="AETERM",
    ...               usubjid=pd.Series(["S-01"]), findings=f).tolist()
    ['Nausee']
    >>> print(f.items[0])
    [warning] transliterated: non-ASCII characters replaced: 'Nausée' -> 'Nausee' (dataset AE, variable AETERM, USUBJID S-01, row 0, value 'Nausée')
    """
    check_same_length(values, usubjid, "usubjid")
    text = values.astype("string")
    non_ascii = text.str.contains(_NON_ASCII, regex=True).fillna(False).to_numpy(dtype=bool)
    if not non_ascii.any():
        return values.copy()
    codes, uniques = pd.factorize(text[non_ascii].to_numpy(dtype=object))
    converted = np.array([anyascii(u) for u in uniques], dtype=object)  # per distinct value
    new = converted[codes]
    out = values.copy().astype(object)
    out.iloc[np.flatnonzero(non_ascii)] = new
    if findings is not None:
        originals = text[non_ascii].to_numpy(dtype=object)
        for k, pos in enumerate(np.flatnonzero(non_ascii)):
            findings.add(
                "warning",
                "transliterated",
                f"non-ASCII characters replaced: {originals[k]!r} -> {new[k]!r}",
                dataset=dataset,
                variable=variable,
                usubjid=subject_at(usubjid, int(pos)),
                row=row_label(values.index, int(pos)),
                value=originals[k],
            )
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        return out.astype(values.dtype)
    return out


def assert_ascii(
    values: pd.Series,
    *,
    dataset: str,
    variable: str,
    usubjid: pd.Series | None = None,
) -> None:
    """Raise :class:`DerivationError` at the first value with a non-ASCII character.

    >>> assert_ascii(pd.Series(["Nausea"]), dataset="AE", variable="AETERM")
    >>> assert_ascii(pd.Series(["Nausée"]), dataset="AE", variable="AETERM")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: non-ASCII character 'é' (U+00E9) at position 5; 1 record(s) in all (dataset AE, variable AETERM, row 0, value 'Nausée'): transliterate with compute_ascii (reported as findings) or correct the raw text
    """
    check_same_length(values, usubjid, "usubjid")
    text = values.astype("string")
    non_ascii = text.str.contains(_NON_ASCII, regex=True).fillna(False).to_numpy(dtype=bool)
    if non_ascii.any():
        rows = np.flatnonzero(non_ascii)
        pos = int(rows[0])
        value = str(text.iloc[pos])
        m = re.search(_NON_ASCII, value)
        assert m is not None
        char = m.group(0)
        raise DerivationError(
            f"non-ASCII character {char!r} (U+{ord(char):04X}) at position {m.start() + 1}; "
            f"{len(rows)} record(s) in all",
            dataset=dataset,
            variable=variable,
            usubjid=subject_at(usubjid, pos),
            row=row_label(values.index, pos),
            value=value,
            hint="transliterate with compute_ascii (reported as findings) or correct the raw text",
        )


def _split_one(text: str, width: int) -> list[str]:
    """Split ``text`` into pieces of at most ``width`` UTF-8 bytes, after whitespace if possible."""
    pieces = []
    while len(text.encode("utf-8")) > width:
        head = text.encode("utf-8")[:width].decode("utf-8", errors="ignore")
        cut = len(head)
        m = re.match(r".*\s", head, flags=re.S)
        if m and m.end() > 0:
            cut = m.end()  # keep the blank at the end of the piece: "".join(pieces) == text
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def compute_split_text(values: pd.Series, *, width: int = 200) -> pd.DataFrame:
    """Split text into columns ``0..k`` of at most ``width`` bytes (UTF-8), at word boundaries.

    SDTMIG 4.5.3.2: the first piece goes in the parent variable, the others
    in SUPP-- (QNAM ``AETERM1``, ``AETERM2`` ...) or in CO (COVAL1, COVAL2 ...).
    A piece ends just after the last blank that fits, so the blank stays
    at the end of a piece and ``"".join`` of the pieces gives back the text
    exactly (a word longer than ``width`` is cut inside). Note that SAS
    XPORT drops trailing blanks: after an XPT round trip, rebuild the text by
    joining the pieces with one blank. Missing -> ``""``; columns beyond a
    value's last piece hold ``""``. Only values longer than ``width`` are
    split (one Python call per distinct long value).

    Parameters
    ----------
    values
        Text values.
    width
        Bytes per piece (UTF-8), a positive whole number; default 200 (the XPT v5 limit).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> parts = compute_split_text(pd.Series(["abcd " * 89 + "abcde", "short"]))
    >>> [len(p) for p in parts.iloc[0]], parts.iloc[1].tolist()
    ([200, 200, 50], ['short', '', ''])
    """
    if width < 1:
        raise DerivationError(f"width must be positive, not {width}", hint="use width=200 for XPT")
    text = values.astype("string").fillna("")
    nbytes = text.str.encode("utf-8").str.len().to_numpy() if len(text) else np.array([], dtype=int)
    long = nbytes > width
    first = text.astype(object).to_numpy()
    if not long.any():
        return pd.DataFrame({0: pd.Series(first, index=values.index, dtype=object).astype(str)})
    codes, uniques = pd.factorize(first[long])
    split = [_split_one(u, width) for u in uniques]  # per distinct long value
    k = max(len(p) for p in split)
    table = np.full((len(uniques), k), "", dtype=object)
    for i, p in enumerate(split):
        table[i, : len(p)] = p
    cols = np.full((len(first), k), "", dtype=object)
    cols[:, 0] = first
    cols[long] = table[codes]
    return pd.DataFrame(cols, index=values.index).astype(str)


def derive_vars_split_text(
    dataset: pd.DataFrame, *, source: str, new_var: str, width: int = 200
) -> pd.DataFrame:
    """Add ``new_var``, ``new_var + "1"``, ``new_var + "2"`` ... holding ``source`` split by :func:`compute_split_text`.

    Only as many columns as the longest value needs are added (just
    ``new_var`` when every value fits). The names must stay within 8
    characters (XPT): a name that would be longer raises, naming the
    variable, so a shorter ``new_var`` can be chosen.

    Parameters
    ----------
    dataset
        The records.
    source
        The long text column.
    new_var
        The first piece's name; the others get ``1``, ``2`` ... appended (at most 8 characters).
    width
        Bytes per piece; default 200.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> co = pd.DataFrame({"TEXT": ["abcd " * 89 + "abcde"]})
    >>> out = derive_vars_split_text(co, source="TEXT", new_var="COVAL")
    >>> [c for c in out.columns if c.startswith("COVAL")], out["COVAL2"].str.len().tolist()
    (['COVAL', 'COVAL1', 'COVAL2'], [50])
    """
    assert_has_columns(dataset, [source])
    parts = compute_split_text(dataset[source], width=width)
    names = [new_var] + [f"{new_var}{i}" for i in range(1, parts.shape[1])]
    too_long = [n for n in names if len(n) > 8]
    if too_long:
        raise DerivationError(
            f"split of {source} needs {len(names)} variables, and {too_long[0]} is longer than 8 characters",
            variable=too_long[0],
            hint=f"choose a new_var of at most {8 - len(str(len(names) - 1))} characters",
        )
    out = dataset.copy()
    for i, name in enumerate(names):
        out[name] = parts[i]
    return out


__all__ = ["compute_ascii", "assert_ascii", "compute_split_text", "derive_vars_split_text"]
