"""Supplemental qualifiers: build SUPP-- from a parent domain, and merge it back.

Example
-------
>>> import pandas as pd
>>> ae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["S-01", "S-01"], "AESEQ": [1.0, 2.0],
...                    "AETRTEM": ["Y", ""]})
>>> supp = derive_dataset_supp(ae, domain="AE", idvar="AESEQ",
...     qnams={"AETRTEM": QualifierSpec("Treatment Emergent Flag", orig="Derived")})
>>> supp[["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"]].values.tolist()
[['S-01', 'AESEQ', '1', 'AETRTEM', 'Y']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError, SpecError
from ..vocabulary import renamed_arguments
from ._util import listing, num_to_text, row_label, subject_at

SUPP_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]


@dataclass(frozen=True)
class QualifierSpec:
    """How one non-standard variable becomes a SUPP-- qualifier (QLABEL, QORIG, QEVAL).

    >>> print(QualifierSpec("Treatment Emergent Flag", orig="Derived"))
    QLABEL 'Treatment Emergent Flag', QORIG Derived
    """

    label: str
    orig: str = "CRF"
    eval: str = ""

    def __str__(self) -> str:
        text = f"QLABEL {self.label!r}, QORIG {self.orig}"
        return text + (f", QEVAL {self.eval}" if self.eval else "")


def _check_qnam(qnam: str, spec: QualifierSpec) -> None:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,7}", qnam):
        raise SpecError(
            f"QNAM {qnam!r} is not a valid SUPP-- QNAM",
            variable=qnam,
            hint="use at most 8 characters: upper-case letters, digits, _; not starting with a digit",
        )
    if len(spec.label) > 40 or not spec.label.strip():
        raise SpecError(
            f"QLABEL of {qnam} must have 1 to 40 characters (has {len(spec.label)})",
            variable=qnam,
            value=spec.label,
            hint="shorten the label in the QualifierSpec",
        )


def _overflow_columns(dataset: pd.DataFrame, qnams: Mapping[str, QualifierSpec]) -> dict[str, QualifierSpec]:
    """``qnams`` plus the split-text continuation columns X1, X2 ... of each qnam X."""
    full = dict(qnams)
    for qnam, spec in qnams.items():
        i = 1
        while f"{qnam}{i}" in dataset.columns and f"{qnam}{i}" not in full:
            full[f"{qnam}{i}"] = spec
            i += 1
    return full


def derive_dataset_supp(
    dataset: pd.DataFrame,
    *,
    domain: str,
    idvar: str | None,
    qnams: Mapping[str, QualifierSpec],
) -> pd.DataFrame:
    """Build the SUPP-- dataset of ``domain`` from non-standard columns of the parent.

    One record per parent record and QNAM with a non-blank value: records
    with a blank QVAL are not written (SDTMIG 8.4: SUPP-- holds only values
    that exist; that is not data loss). ``idvar`` is the parent's key
    (``"AESEQ"``); IDVARVAL is its value as text, a whole number without a
    decimal part (``1.0`` -> ``"1"``). ``idvar=None`` (or ``""``) gives
    subject-level qualifiers (e.g. SUPPDM) with blank IDVAR/IDVARVAL.
    Numeric values become text the same way; text is taken as is (a split
    piece keeps its trailing blank). Continuation columns made by
    :func:`derive_vars_split_text` (``AECOM1``, ``AECOM2`` for qnam
    ``AECOM``) are included with the same QualifierSpec when present.

    Output columns: STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM, QLABEL,
    QVAL, QORIG, QEVAL; sorted by USUBJID, IDVARVAL (numeric order when
    numeric), QNAM. The parent's qualifier columns are left in place: drop
    them from the parent yourself.

    Raises if a QNAM is invalid, a QVAL exceeds 200 characters, a key value
    is missing or the keys are not unique.

    Parameters
    ----------
    dataset
        The parent domain with its qualifier columns.
    domain
        The parent's domain code (RDOMAIN), e.g. ``"AE"``; upper-cased.
    idvar
        The parent's key variable (e.g. ``"AESEQ"``), or ``None``/``""`` for subject-level
        qualifiers.
    qnams
        ``{QNAM: QualifierSpec(label, origin, evaluator)}``: the parent columns to move.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> dm = pd.DataFrame({"STUDYID": "S", "USUBJID": ["S-01", "S-02"], "RACEOTH": ["", "Maori"]})
    >>> derive_dataset_supp(dm, domain="DM", idvar=None,
    ...     qnams={"RACEOTH": QualifierSpec("Race, Other")})[["USUBJID", "QNAM", "QVAL", "QORIG"]].values.tolist()
    [['S-02', 'RACEOTH', 'Maori', 'CRF']]
    """
    domain = domain.upper()
    qnams = _overflow_columns(dataset, qnams)
    for qnam, spec in qnams.items():
        _check_qnam(qnam, spec)
    keys = ["STUDYID", "USUBJID"] + ([idvar] if idvar else [])
    assert_has_columns(dataset, keys + list(qnams), name=domain)

    if idvar:
        idval = num_to_text(dataset[idvar])
        missing = idval.eq("")
        if missing.any():
            pos = int(np.flatnonzero(missing.to_numpy())[0])
            raise DerivationError(
                f"{idvar} is missing, so SUPP{domain} records cannot point at the parent record",
                dataset=domain,
                variable=idvar,
                usubjid=subject_at(dataset["USUBJID"], pos),
                row=row_label(dataset.index, pos),
                hint=f"derive {idvar} for every record before building SUPP{domain}",
            )
    else:
        idval = pd.Series("", index=dataset.index)
    base = pd.DataFrame(
        {
            "STUDYID": dataset["STUDYID"].astype("string").fillna("").to_numpy(dtype=object),
            "USUBJID": dataset["USUBJID"].astype("string").fillna("").to_numpy(dtype=object),
            "IDVARVAL": idval.to_numpy(dtype=object),
        }
    )
    dup = base.duplicated(["USUBJID", "IDVARVAL"], keep=False)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise DerivationError(
            f"parent records are not unique by USUBJID{', ' + idvar if idvar else ''}",
            dataset=domain,
            variable=idvar or "USUBJID",
            usubjid=base["USUBJID"].iloc[pos],
            row=row_label(dataset.index, pos),
            value=base["IDVARVAL"].iloc[pos] or None,
            hint=f"use a unique key as idvar (e.g. {domain}SEQ)" if idvar else
            "subject-level qualifiers need one parent record per subject",
        )

    frames = []
    for qnam, spec in qnams.items():
        col = dataset[qnam]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            qval = num_to_text(col).to_numpy(dtype=object)
        else:  # text as is: a split piece keeps its trailing blank (see compute_split_text)
            qval = col.astype("string").fillna("").to_numpy(dtype=object)
        keep = pd.Series(qval, dtype=object).str.strip().ne("").to_numpy()
        if not keep.any():
            continue
        part = base[keep].copy()
        part["QNAM"] = qnam
        part["QLABEL"] = spec.label
        part["QVAL"] = qval[keep]
        part["QORIG"] = spec.orig
        part["QEVAL"] = spec.eval
        part["_row"] = np.flatnonzero(keep)
        frames.append(part)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUPP_COLUMNS}).astype(str)
    supp = pd.concat(frames, ignore_index=True)

    too_long = supp["QVAL"].str.len() > 200
    if too_long.any():
        i = int(np.flatnonzero(too_long.to_numpy())[0])
        pos = int(supp["_row"].iloc[i])
        raise DerivationError(
            f"QVAL longer than 200 characters ({len(supp['QVAL'].iloc[i])})",
            dataset=f"SUPP{domain}",
            variable=supp["QNAM"].iloc[i],
            usubjid=supp["USUBJID"].iloc[i],
            row=row_label(dataset.index, pos),
            value=supp["QVAL"].iloc[i],
            hint="split the text first with derive_vars_split_text(new_var=QNAM); "
            "the continuation columns QNAM1, QNAM2 are picked up automatically",
        )
    supp["RDOMAIN"] = domain
    supp["IDVAR"] = idvar or ""
    supp["_num"] = pd.to_numeric(supp["IDVARVAL"], errors="coerce")
    supp = supp.sort_values(["USUBJID", "_num", "IDVARVAL", "QNAM"], kind="mergesort", na_position="last")
    return supp[SUPP_COLUMNS].reset_index(drop=True).astype(str)


@renamed_arguments(dataset_supp="dataset_add")
def derive_vars_supp_back(dataset: pd.DataFrame, *, dataset_add: pd.DataFrame) -> pd.DataFrame:
    """Merge SUPP-- qualifiers back onto the parent as columns named by QNAM (wide).

    Each SUPP record is matched on USUBJID and, when IDVAR is not blank, on
    the parent's IDVAR column (compared as text, ``1.0`` == ``"1"``). Parent
    records without a qualifier get ``""``. A SUPP record that matches no
    parent record raises (it would otherwise be lost), as does a QNAM that
    is already a column of the parent or two SUPP records for the same
    parent record and QNAM.

    Parameters
    ----------
    dataset
        The parent domain (or a frame with its USUBJID and IDVAR columns).
    dataset_add
        The SUPP-- dataset.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> ae = pd.DataFrame({"USUBJID": ["S-01", "S-01"], "AESEQ": [1, 2]})
    >>> supp = pd.DataFrame({"STUDYID": "S", "RDOMAIN": "AE", "USUBJID": ["S-01"], "IDVAR": ["AESEQ"],
    ...     "IDVARVAL": ["2"], "QNAM": ["AETRTEM"], "QLABEL": ["TEAE"], "QVAL": ["Y"],
    ...     "QORIG": ["Derived"], "QEVAL": [""]})
    >>> derive_vars_supp_back(ae, dataset_add=supp)["AETRTEM"].tolist()
    ['', 'Y']
    """
    assert_has_columns(dataset_add, ["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"], name="SUPP--")
    assert_has_columns(dataset, ["USUBJID"])
    supp = dataset_add.copy()
    for c in ("USUBJID", "IDVAR", "IDVARVAL", "QNAM"):
        supp[c] = supp[c].astype("string").fillna("").str.strip().astype(object)
    supp["QVAL"] = supp["QVAL"].astype("string").fillna("").astype(object)
    clash = sorted(set(supp["QNAM"]) & set(dataset.columns))
    if clash:
        raise DerivationError(
            f"QNAM {clash[0]} is already a column of the parent dataset",
            variable=clash[0],
            hint="drop or rename the parent column before merging SUPP-- back",
        )
    dup = supp.duplicated(["USUBJID", "IDVAR", "IDVARVAL", "QNAM"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DerivationError(
            "SUPP-- has two records for the same parent record and QNAM",
            variable=supp["QNAM"].iloc[i],
            usubjid=supp["USUBJID"].iloc[i],
            value=supp["IDVARVAL"].iloc[i],
            hint="SUPP-- must be unique by USUBJID, IDVAR, IDVARVAL, QNAM",
        )

    out = dataset.copy()
    qnams = list(dict.fromkeys(supp["QNAM"]))
    for q in qnams:
        out[q] = ""
    matched = np.zeros(len(supp), dtype=bool)
    parent_subj = dataset["USUBJID"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    for idvar, group in supp.groupby("IDVAR", sort=False):
        if idvar:
            assert_has_columns(dataset, [idvar])
            parent_key = pd.DataFrame({"USUBJID": parent_subj, "IDVARVAL": num_to_text(dataset[idvar]).to_numpy(dtype=object)})
        else:
            parent_key = pd.DataFrame({"USUBJID": parent_subj, "IDVARVAL": ""})
        wide = group.pivot(index=["USUBJID", "IDVARVAL"], columns="QNAM", values="QVAL")
        parent_key["_pos"] = np.arange(len(dataset))
        joined = parent_key.merge(wide.reset_index(), on=["USUBJID", "IDVARVAL"], how="inner")
        pos = joined["_pos"].to_numpy()
        for q in wide.columns:
            vals = joined[q].to_numpy(dtype=object)
            has = ~pd.isna(vals)
            col = out[q].to_numpy(dtype=object).copy()
            col[pos[has]] = vals[has]
            out[q] = col
        found = pd.MultiIndex.from_frame(parent_key[["USUBJID", "IDVARVAL"]])
        keys = pd.MultiIndex.from_frame(group[["USUBJID", "IDVARVAL"]])
        matched[np.flatnonzero((supp["IDVAR"] == idvar).to_numpy())] = keys.isin(found)
    if not matched.all():
        i = int(np.flatnonzero(~matched)[0])
        raise DerivationError(
            f"{int((~matched).sum())} SUPP-- record(s) match no parent record",
            variable=supp["IDVAR"].iloc[i] or "USUBJID",
            usubjid=supp["USUBJID"].iloc[i],
            value=supp["IDVARVAL"].iloc[i] or None,
            hint="the parent must be the dataset the SUPP-- was built from (same subjects and "
            f"IDVAR values); unmatched QNAMs: {listing(supp['QNAM'][~matched].unique(), 5)}",
        )
    for q in qnams:
        out[q] = out[q].astype(str)
    return out


__all__ = ["QualifierSpec", "derive_dataset_supp", "derive_vars_supp_back", "SUPP_COLUMNS"]
