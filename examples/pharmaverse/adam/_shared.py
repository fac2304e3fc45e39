"""Helpers shared by the pharmaverse ADaM programs (``from . import _shared as s``; not a program)."""

from __future__ import annotations

import pandas as pd

from derivations.core import blank_to_na
from derivations.findings import DerivationError

SUBJ = ["STUDYID", "USUBJID"]


def sdtm(ctx, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """An SDTM dataset of the run (``columns`` only, if given) with blanks as missing (admiral
    ``convert_blanks_to_na``)."""
    key = name.upper()
    if key not in ctx.sdtm:
        raise DerivationError(f"SDTM dataset {key} not found", dataset=key,
                              hint="run with --sdtm pointing at the pharmaversesdtm parquet folder")
    frame = ctx.sdtm[key]
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
        elif s.dtype.kind == "f" and s.isna().all() and col.endswith(("DTC", "FL")):
            frame[col] = pd.Series(None, index=frame.index, dtype=object)  # R logical NA column
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

