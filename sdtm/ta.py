"""TA: the single planned arm and its elements in order (SCRN -> TRT -> FU), from sdtm/_design.py.

No branch (one arm) and no transition other than to the next element.
"""

import pandas as pd

from ._design import ARM, ARM_ELEMENTS, ARMCD, ELEMENTS

READS = ()
WRITES = ("TA",)
RAW = ()


def derive(ctx):
    elements = {e.etcd: e for e in ELEMENTS}
    ta = pd.DataFrame({"ARMCD": ARMCD, "ARM": ARM, "TAETORD": range(1, len(ARM_ELEMENTS) + 1),
                       "ETCD": list(ARM_ELEMENTS), "ELEMENT": [elements[e].element for e in ARM_ELEMENTS],
                       "TABRANCH": "", "TATRANS": "", "EPOCH": [elements[e].epoch for e in ARM_ELEMENTS]})
    ta.insert(0, "STUDYID", ctx.settings["study"]["studyid"])
    ta.insert(1, "DOMAIN", "TA")
    return {"TA": ta}
