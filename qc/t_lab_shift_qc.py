"""QC of Table 14.3.6 (shift from the baseline CTCAE grade to the worst on-treatment grade): subjects counted
a second way.

Reads production ADSL and ADLB only. Per graded term (parameter and direction, ATOXDSCL / ATOXDSCH): the
safety subjects with a graded on-treatment value (N), by the grade of their baseline record (ABLFL, "Missing"
without a graded one) and their worst on-treatment grade (ONTRTFL = Y): each cell "baseline>worst" and each
baseline row's total, as n, N and % of N.
"""

from __future__ import annotations

import pandas as pd

from ._ard import ard_rows, n_pct
from ._common import text
from ._lab import DIRECTIONS, MISSING, subject_grades

READS = ("ADSL", "ADLB")
WRITES = ("QC_T_LAB_SHIFT",)

AID = "T14.3.6"
GRADES = ["0", "1", "2", "3", "4"]


def shift_ard(adlb: pd.DataFrame, safety: set) -> pd.DataFrame:
    frames = []
    for d in DIRECTIONS:
        grades = subject_grades(adlb, d, safety)
        evaluable = grades.loc[grades["WORST"].notna()].assign(WORST=lambda g: g["WORST"].astype(int).astype(str))
        for paramcd in grades["PARAMCD"].unique():
            term = evaluable.loc[evaluable["PARAMCD"] == paramcd]
            aid, big_n = f"{AID}-{paramcd}-{d}", len(term)
            cells = (term["BASELINE"] + ">" + term["WORST"]).value_counts()
            bgr = term["BASELINE"].value_counts()
            for b in GRADES + [MISSING]:
                frames += [ard_rows(aid, "CELL", f"{b}>{w}", "", "Total", n_pct(int(cells.get(f"{b}>{w}", 0)), big_n))
                           for w in GRADES]
                frames.append(ard_rows(aid, "BGR", b, "", "Total", n_pct(int(bgr.get(b, 0)), big_n)))
    return pd.concat(frames, ignore_index=True)


def derive(ctx):
    adsl = ctx.adam["ADSL"]
    safety = set(text(adsl.loc[text(adsl["SAFFL"]) == "Y", "USUBJID"]))
    return {"QC_T_LAB_SHIFT": shift_ard(ctx.adam["ADLB"], safety)}
