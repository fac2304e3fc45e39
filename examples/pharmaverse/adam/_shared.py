"""Helpers shared by the pharmaverse ADaM programs (``from . import _shared as s``; not a program)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from derivations.core import blank_to_na
from derivations.findings import DerivationError

SUBJ = ["STUDYID", "USUBJID"]


def sdtm(ctx, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """An SDTM dataset of the run (``columns`` only, if given) with blanks as missing (admiral
    ``convert_blanks_to_na``); a date, flag or status (--DTC, --FL, --STAT) column without a
    value is text."""
    key = name.upper()
    frame = ctx.sdtm[key]  # a dataset the program declares in READS (the pipeline checked the run holds it)
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise DerivationError(f"SDTM {key} lacks variable(s) {', '.join(missing)}", dataset=key,
                                  variable=missing[0])
        frame = frame[columns]
    frame = frame.copy()
    for col in frame.columns:
        s = frame[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            frame[col] = blank_to_na(s)
        elif s.dtype.kind == "f" and s.isna().all() and col.endswith(("DTC", "FL", "STAT")):
            # an R text column with no value (parquet: float): text again, so that a condition
            # comparing it with text (MHSTAT == 'Not Done') is type-checked as text
            frame[col] = pd.Series(None, index=frame.index, dtype=object)
    return frame


def assert_subjects_in(dataset: pd.DataFrame, reference: pd.DataFrame, *, name: str, ref_name: str = "DM") -> None:
    """Every subject of ``dataset`` is in ``reference`` (framework check, error names the first)."""
    from derivations.core import assert_subjects_in as check

    check(dataset, dataset_ref=reference, by_vars=["USUBJID"], dataset_name=name, ref_name=ref_name)


def assert_unique(dataset: pd.DataFrame, keys: list[str], *, name: str) -> None:
    """``keys`` identify the records of ``dataset`` (else a DerivationError naming the first duplicate)."""
    dup = dataset.duplicated(keys, keep=False)
    if dup.any():
        row = dataset.loc[dup].iloc[0]
        raise DerivationError(
            f"{int(dup.sum())} record(s) of {name} share their key {', '.join(keys)}",
            dataset=name, variable=keys[-1], usubjid=str(row.get("USUBJID")), value=row[keys[-1]],
            hint=f"{', '.join(keys)} must identify each {name} record; renumber the sequence variable")



def table(header: str, body: str, *, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """A lookup table written as text: one row per line, values separated by ``|``; ``-`` is a
    missing value."""
    cols = header.split()
    rows = []
    for line in body.strip("\n").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != len(cols):
            raise DerivationError(f"lookup row {line!r} has {len(parts)} values, {len(cols)} expected",
                                  hint=f"columns: {', '.join(cols)}; separate values by |")
        rows.append([None if p == "-" else p for p in parts])
    out = pd.DataFrame(rows, columns=cols, dtype=object)
    for col in numeric:
        out[col] = pd.to_numeric(out[col])
    return out


def unit_of_param(dataset: pd.DataFrame) -> pd.Series:
    """The unit in the last parentheses of PARAM (admiral ``extract_unit``): "Albumin (g/L)" -> "g/L"."""
    from derivations.core import compute_on_distinct

    pattern = r"\(([^()]*(?:\([^()]*\))?[^()]*)\)\s*$"
    return compute_on_distinct(dataset["PARAM"], lambda p: p.astype("string").str.extract(pattern)[0].to_numpy(),
                               missing=None)


def title_case(values: pd.Series) -> pd.Series:
    """stringr ``str_to_title``: each word capitalised, the rest lower case ("WEEK 2" -> "Week 2")."""
    return values.astype("string").str.title().astype(object)


def r_as_character(values: pd.Series) -> pd.Series:
    """Numbers as R's ``as.character`` writes them: 15 significant digits, no trailing zeros."""
    from derivations.core import compute_on_distinct

    def fmt(v: pd.Series):
        out = []
        for x in v.to_numpy(dtype=float):  # one per distinct value
            text = f"{x:.15g}"
            if "e" in text:
                mant, exp = text.split("e")
                text = f"{mant}e{exp[0]}{exp[1:].lstrip('0').rjust(2, '0')}"
            out.append(text)
        return out

    return compute_on_distinct(pd.to_numeric(values), fmt, missing=None)


def non_redundant_text(text: pd.Series, number: pd.Series) -> pd.Series:
    """AVALC: the character result only where it says more than the number (the template:
    ``ifelse(is.na(--STRESN) | as.character(--STRESN) != --STRESC, --STRESC, NA)``)."""
    as_text = r_as_character(number)
    keep = number.isna().to_numpy() | (as_text.astype(object).to_numpy() != text.astype(object).to_numpy())
    return pd.Series(np.where(keep, text.astype(object), None), index=text.index, dtype=object)


def visit_from_week(visit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """AVISIT/AVISITN of the vital signs and ECG templates: screening, unscheduled, retrieval and
    ambulatory ECG visits get none; "WEEK 12" is "Week 12" / 12; "BASELINE" is "Baseline" / 0."""
    text = visit.astype("string")
    skip = text.str.contains("SCREEN|UNSCHED|RETRIEVAL|AMBUL", regex=True).fillna(False).to_numpy(dtype=bool)
    avisit = title_case(visit).where(~skip & text.notna().to_numpy(), None)
    week = text.str.contains("WEEK").fillna(False).to_numpy(dtype=bool)
    number = pd.to_numeric(text.str.replace("WEEK", "", regex=False).str.strip(), errors="coerce")
    avisitn = np.where(text.eq("BASELINE").fillna(False).to_numpy(dtype=bool), 0.0,
                       np.where(week, number.to_numpy(dtype=float), np.nan))
    return avisit.astype(object), pd.Series(avisitn, index=visit.index)


def flag(mask, index: pd.Index) -> pd.Series:
    """"Y" where ``mask`` holds, else missing (an object column on ``index``)."""
    mask = np.asarray(mask, dtype=bool)
    return pd.Series(np.where(mask, "Y", None), index=index, dtype=object)
