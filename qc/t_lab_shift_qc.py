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
    """The ARD of Table 14.3.6: per graded term, the subjects by baseline grade and worst on-treatment grade.

    Parameters
    ----------
    adlb
        Production ADLB (USUBJID, PARAMCD, ABLFL, ONTRTFL, ATOXDSCL/H, ATOXGRL/H).
    safety
        The USUBJIDs of the safety population (ADSL.SAFFL = Y).

    Returns
    -------
    pandas.DataFrame
        One row per statistic (n, N, pct) in the :data:`~._ard.ARD_KEYS` layout and ``stat_value``: analysis
        ``T14.3.6-<PARAMCD>-<L/H>``, group_var ``CELL`` (group_value ``"<baseline>><worst>"``, grades 0-4 and
        ``Missing`` for the baseline) and ``BGR`` (the baseline grade's total); N is the subjects with a graded
        on-treatment value of the term.

    Examples
    --------
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2", "2", "3"], "PARAMCD": "HGB", "ATOXDSCL": "Anemia",
    ...                      "ATOXDSCH": "", "ATOXGRH": "", "ABLFL": ["Y", "", "Y", "", ""],
    ...                      "ONTRTFL": ["", "Y", "", "Y", "Y"], "ATOXGRL": ["0", "2", "1", "1", "3"]})
    >>> ard = shift_ard(adlb, {"1", "2", "3"}).set_index(["group_var", "group_value", "stat_name"])["stat_value"]
    >>> ard.loc[[("CELL", "0>2", "n"), ("CELL", "1>1", "n"), ("CELL", "Missing>3", "n"), ("CELL", "0>2", "N"),
    ...          ("CELL", "0>3", "n"), ("BGR", "0", "n"), ("BGR", "0", "pct")]].tolist()
    [1.0, 1.0, 1.0, 3.0, 0.0, 1.0, 33.333333333333336]
    >>> len(ard)   # (6 baseline rows x (5 cells + a total)) x 3 statistics
    108
    """
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
