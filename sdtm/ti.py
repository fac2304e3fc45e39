"""TI: the published eligibility criteria (sdtm/_design.py); no exclusion criteria were published."""

import pandas as pd

from ._design import CRITERIA, CRITERIA_VERSION

READS = ()
WRITES = ("TI",)
RAW = ()


def derive(ctx):
    ti = pd.DataFrame({"IETESTCD": [c.code for c in CRITERIA], "IETEST": [c.text for c in CRITERIA],
                       "IECAT": [c.category for c in CRITERIA], "TIVERS": CRITERIA_VERSION})
    ti.insert(0, "STUDYID", ctx.settings["study"]["studyid"])
    ti.insert(1, "DOMAIN", "TI")
    return {"TI": ti}
