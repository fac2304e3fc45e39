"""Subjects' laboratory grades as the laboratory table QC programs count them (a helper module, not a program).

>>> import pandas as pd
>>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "1", "2", "2"], "PARAMCD": "HGB", "ATOXDSCL": "Anemia",
...                      "ABLFL": ["Y", "", "", "Y", ""], "ONTRTFL": ["", "Y", "Y", "", "Y"],
...                      "ATOXGRL": ["1", "2", "0", "", ""]})
>>> subject_grades(adlb, "L", {"1", "2"}).values.tolist()
[['1', 'HGB', '1', 2.0], ['2', 'HGB', 'Missing', nan]]
"""

from __future__ import annotations

import pandas as pd

from ._common import text

MISSING = "Missing"
DIRECTIONS = ("L", "H")


def subject_grades(adlb: pd.DataFrame, direction: str, subjects: set) -> pd.DataFrame:
    """USUBJID, PARAMCD, baseline grade (the grade of the ABLFL record; "Missing" without one) and worst
    on-treatment grade (ONTRTFL = Y, graded records; missing without one) for each subject of ``subjects``
    and parameter with a CTCAE term in ``direction``."""
    lab = pd.DataFrame({"USUBJID": text(adlb["USUBJID"]), "PARAMCD": text(adlb["PARAMCD"]),
                        "TERM": text(adlb[f"ATOXDSC{direction}"]), "GRADE": text(adlb[f"ATOXGR{direction}"]),
                        "ABLFL": text(adlb["ABLFL"]), "ONTRTFL": text(adlb["ONTRTFL"])})
    lab = lab.loc[(lab["TERM"] != "") & lab["USUBJID"].isin(subjects)]
    by = ["USUBJID", "PARAMCD"]
    base = lab.loc[(lab["ABLFL"] == "Y") & (lab["GRADE"] != "")].set_index(by)["GRADE"]
    on = lab.loc[(lab["ONTRTFL"] == "Y") & (lab["GRADE"] != "")]
    worst = pd.to_numeric(on["GRADE"]).groupby([on["USUBJID"], on["PARAMCD"]]).max()
    out = lab[by].drop_duplicates().sort_values(by).set_index(by)
    out["BASELINE"] = base.reindex(out.index).fillna(MISSING)
    out["WORST"] = worst.reindex(out.index).astype(float)
    return out.reset_index()
