"""TV: the planned visits of both schedules (sdtm/_visits.py): tumour assessments every 6 weeks
(BASELINE, WEEK 6, ...) and 21-day treatment cycles (CYCLE 1, ...), as far as the data reach.

The schedule is the same for the single arm, so ARMCD is null (SDTMIG 3.4 TV assumption).
"""

import pandas as pd

from ._visits import CYCLE_VISITNUM, planned_visits

READS = ("EX", "RS")
WRITES = ("TV",)
RAW = ()


def derive(ctx):
    # MT.VISITNUM / MT.VISITDY: both planned schedules up to the last visit held (sdtm/_visits.py)
    scans = ctx.sdtm["RS"]["VISITNUM"].max()
    cycles = ctx.sdtm["EX"]["VISITNUM"].max() - CYCLE_VISITNUM
    tv = planned_visits(int(scans) - 1 if pd.notna(scans) else 0, int(cycles) if pd.notna(cycles) else 0)
    tv.insert(0, "STUDYID", ctx.settings["study"]["studyid"])
    tv.insert(1, "DOMAIN", "TV")
    tv["ARMCD"] = ""
    tv["ARM"] = ""
    tv["TVENRL"] = ""
    return {"TV": tv}
