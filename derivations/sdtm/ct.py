"""Map raw values to CDISC controlled terminology (submission values).

Example
-------
>>> import pandas as pd
>>> dm = pd.DataFrame({"USUBJID": ["S-01", "S-02", "S-03"], "SEX_RAW": ["male", " F ", ""]})
>>> derive_var_ct(dm, source="SEX_RAW", new_var="SEX", codelist=["M", "F", "U"],
...               synonyms={"male": "M", "female": "F"}, dataset_name="DM")["SEX"].tolist()
['M', 'F', '']
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError, Findings, SpecError
from ..vocabulary import renamed_arguments, subject_column
from ._util import as_text, listing, row_label, subject_at


def _key(values: pd.Series) -> pd.Series:
    """Matching key: upper case, outer blanks stripped, inner whitespace runs as one blank."""
    return as_text(values).str.upper().str.replace(r"\s+", " ", regex=True)


def _norm(text: object) -> str:
    return " ".join(str(text).upper().split())


def _codelist_parts(codelist: Any) -> tuple[list[str], dict[str, str], bool, str | None]:
    """(submission values, {decode: term}, extensible, codelist name) of a codelist argument."""
    if isinstance(codelist, (list, tuple, set, frozenset)):
        return [str(t) for t in codelist], {}, False, None
    if hasattr(codelist, "terms"):
        terms, decodes = [], {}
        for t in codelist.terms:
            term = t.term if hasattr(t, "term") else t
            terms.append(str(term))
            decode = getattr(t, "decode", None)
            if decode is not None and str(decode).strip():
                decodes[str(decode)] = str(term)
        name = getattr(codelist, "id", None) or getattr(codelist, "name", None)
        return terms, decodes, bool(getattr(codelist, "extensible", False)), name
    raise SpecError(
        f"codelist of type {type(codelist).__name__} is not supported",
        hint="pass a list of submission values or an object with .terms and .extensible",
    )


def _lookup_table(terms: list[str], decodes: dict[str, str], synonyms: Mapping[str, str] | None,
                  extensible: bool, name: str | None) -> dict[str, str]:
    """Normalised key -> submission value. Submission values win over synonyms over decodes."""
    table: dict[str, str] = {}
    for decode, term in decodes.items():
        table[_norm(decode)] = term
    term_keys = {_norm(t): t for t in terms}
    for raw, target in (synonyms or {}).items():
        target = str(target)
        if target not in terms and not extensible:
            raise SpecError(
                f"synonym {raw!r} maps to {target!r}, which is not in codelist {name or ''}".rstrip(),
                value=target,
                hint=f"map it to one of: {listing(terms, 30)}",
            )
        k = _norm(raw)
        if k in term_keys and term_keys[k] != target:
            raise SpecError(
                f"synonym {raw!r} -> {target!r} contradicts submission value {term_keys[k]!r}",
                value=raw,
                hint="remove the synonym: a submission value always maps to itself",
            )
        table[k] = target
    table.update(term_keys)
    return table


@renamed_arguments(id_var="subject_keys")
def derive_var_ct(
    dataset: pd.DataFrame,
    *,
    source: str,
    new_var: str,
    codelist: Any,
    synonyms: Mapping[str, str] | None = None,
    dataset_name: str,
    subject_keys: str | Sequence[str] = "USUBJID",
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Add ``new_var`` holding the controlled term for raw column ``source``.

    ``codelist`` is a list of submission values (treated as non-extensible)
    or a spec object with ``terms`` (each with ``.term`` and optionally
    ``.decode``) and ``extensible``. A raw value matches, ignoring case and
    blanks (outer ones, and runs of inner ones), a submission value, a
    decode, or a key of ``synonyms`` (``{raw: submission value}``). Empty
    stays ``""``.

    An unmatched value raises :class:`DerivationError` for a non-extensible
    codelist (naming the first record and listing the allowed terms). For an
    extensible codelist it is kept upper-cased and reported once per
    distinct value as a Finding (warning, ``ct_extended``) in ``findings``,
    with the number of records and the first subject.

    Parameters
    ----------
    dataset
        The raw page (or a frame built from it).
    source
        The raw column.
    new_var
        The SDTM variable.
    codelist
        A list of submission values (non-extensible), or a spec codelist (``terms`` with
        ``.term`` and optional ``.decode``, and ``extensible``).
    synonyms
        ``{raw text: submission value}`` for raw spellings that match no term or decode
        (compared ignoring case and blanks); default none.
    dataset_name
        The SDTM dataset, named in messages and findings.
    subject_keys
        The column(s) that identify a subject, named in messages; default ``"USUBJID"``.
    findings
        Receives one warning (``ct_extended``) per distinct value kept in an extensible
        codelist; without it such values are only kept.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> ae = pd.DataFrame({"USUBJID": ["S-01", "S-02"], "AEOUT_RAW": ["Recovered", "resolved"]})
    >>> derive_var_ct(ae, source="AEOUT_RAW", new_var="AEOUT",
    ...     codelist=["RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED", "FATAL"],
    ...     synonyms={"Recovered": "RECOVERED/RESOLVED", "Resolved": "RECOVERED/RESOLVED"},
    ...     dataset_name="AE")["AEOUT"].tolist()
    ['RECOVERED/RESOLVED', 'RECOVERED/RESOLVED']
    """
    assert_has_columns(dataset, [source], name=dataset_name)
    terms, decodes, extensible, name = _codelist_parts(codelist)
    table = _lookup_table(terms, decodes, synonyms, extensible, name)

    key = _key(dataset[source])
    codes, uniques = pd.factorize(key.to_numpy(dtype=object))
    u_keys = pd.Series(uniques, dtype=object)
    u_mapped = u_keys.map(table)
    u_unknown = (u_keys != "") & u_mapped.isna()
    u_out = u_mapped.where(~u_unknown, u_keys).fillna("")
    out_values = u_out.to_numpy(dtype=object)[codes] if len(codes) else np.array([], dtype=object)
    usubjid = dataset[subject_column(subject_keys)] if subject_column(subject_keys) in dataset.columns else None

    if u_unknown.any():
        unknown_u = np.flatnonzero(u_unknown.to_numpy())
        rows = np.flatnonzero(np.isin(codes, unknown_u))
        cl = f"codelist {name}" if name else "the codelist"
        if not extensible:
            pos = int(rows[0])
            raise DerivationError(
                f"value not in {cl} ({len(rows)} record(s); unmatched values: "
                f"{listing(u_keys[unknown_u], 10)})",
                dataset=dataset_name,
                variable=new_var,
                usubjid=subject_at(usubjid, pos),
                row=row_label(dataset.index, pos),
                value=dataset[source].iloc[pos],
                hint=f"allowed terms: {listing(terms, 40)}; correct the raw value or add a "
                "synonym (synonyms={raw: term}) in the study program",
            )
        if findings is not None:
            per_value = pd.Series(rows).groupby(codes[rows], sort=True).agg(["first", "size"])
            for u, first, size in zip(per_value.index, per_value["first"], per_value["size"]):
                pos = int(first)
                subjects = [] if usubjid is None else pd.unique(usubjid.to_numpy()[rows[codes[rows] == u]])
                findings.add(
                    "warning",
                    "ct_extended",
                    f"value {u_keys[u]!r} not in extensible {cl}, kept as extension "
                    f"({int(size)} record(s)" + (f"; subjects {listing(subjects, 5)}" if len(subjects) else "")
                    + ")",
                    dataset=dataset_name,
                    variable=new_var,
                    usubjid=subject_at(usubjid, pos),
                    row=row_label(dataset.index, pos),
                    value=dataset[source].iloc[pos],
                )
    out = dataset.copy()
    out[new_var] = pd.Series(out_values, index=dataset.index, dtype=object).astype(str)
    return out


__all__ = ["derive_var_ct"]
