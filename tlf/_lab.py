"""Subject-level laboratory grades shared by the laboratory tables (a helper module, not a program).

:func:`worst_grades` gives one row per subject and graded term of ADLB (parameter and direction):
the baseline CTCAE grade and the worst on-treatment grade.
"""

from __future__ import annotations

import pandas as pd

from derivations.core import filter_mask

#: grades as the tables print them, and the label of a grade that could not be derived
GRADES = ["0", "1", "2", "3", "4"]
MISSING = "Missing"
#: the records whose grades count: on treatment
ON_TREATMENT = "ONTRTFL == 'Y'"
DIRECTIONS = {"L": "low", "H": "high"}


def graded_terms(adlb: pd.DataFrame) -> pd.DataFrame:
    """One row per graded term in ADLB: PARAMCD, PARAM, PARAMN, DIRECTION, TERM (CTCAE), in PARAMN order."""
    frames = []
    for d in DIRECTIONS:
        columns = ["PARAMCD", "PARAM", "PARAMN", f"ATOXDSC{d}"]
        term = adlb[f"ATOXDSC{d}"]
        # the first record of each distinct row of the columns, found before any record is copied
        first = term.notna() & (term.astype(str) != "") & ~adlb[columns].duplicated()
        frames.append(adlb.loc[first, columns].rename(columns={f"ATOXDSC{d}": "TERM"}).assign(DIRECTION=d))
    terms = pd.concat(frames, ignore_index=True)
    return terms.sort_values(["PARAMN", "DIRECTION"], key=lambda s: s.map({"L": 0, "H": 1}) if s.name == "DIRECTION"
                             else s, kind="mergesort", ignore_index=True)


def worst_grades(adlb: pd.DataFrame, population: str) -> pd.DataFrame:
    """USUBJID, PARAMCD, DIRECTION, BGR (baseline grade or Missing), WGR (worst on-treatment grade;
    missing when the subject has no graded on-treatment value) for each subject of ``population``
    with a record of the parameter.

    The filters are evaluated on the whole of ``adlb`` and only the columns a step uses are taken from it
    (ADLB has some 40 variables; a copy of its population's records would cost more than ADLB itself).
    """
    by = ["USUBJID", "PARAMCD"]
    in_population = filter_mask(adlb, population)
    baseline = adlb["ABLFL"] == "Y"
    on_treatment = filter_mask(adlb, ON_TREATMENT)
    out = []
    for d in DIRECTIONS:
        term = adlb[f"ATOXDSC{d}"]
        graded = in_population & term.notna() & (term.astype(str) != "")
        base = adlb.loc[graded & baseline, by + [f"BTOXGR{d}"]].set_index(by)[f"BTOXGR{d}"]
        on = adlb.loc[graded & on_treatment, by + [f"ATOXGR{d}"]]
        worst = pd.to_numeric(on[f"ATOXGR{d}"]).groupby([on["USUBJID"], on["PARAMCD"]]).max()
        subjects = adlb.loc[graded, by].drop_duplicates().set_index(by)
        frame = subjects.assign(BGR=base.reindex(subjects.index), WGR=worst.reindex(subjects.index)).reset_index()
        frame["BGR"] = frame["BGR"].where(frame["BGR"].notna() & (frame["BGR"].astype(str) != ""), MISSING)
        frame["WGR"] = frame["WGR"].map(lambda g: None if pd.isna(g) else str(int(g)))
        out.append(frame.assign(DIRECTION=d))
    return pd.concat(out, ignore_index=True)
