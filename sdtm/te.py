"""TE: trial elements of the single arm (screening, treatment, follow-up), from sdtm/_design.py."""

import pandas as pd

from ._design import ELEMENTS

READS = ()
WRITES = ("TE",)
RAW = ()


def derive(ctx):
    te = pd.DataFrame({"ETCD": [e.etcd for e in ELEMENTS], "ELEMENT": [e.element for e in ELEMENTS],
                       "TESTRL": [e.start for e in ELEMENTS], "TEENRL": [e.end for e in ELEMENTS], "TEDUR": ""})
    te.insert(0, "STUDYID", ctx.settings["study"]["studyid"])
    te.insert(1, "DOMAIN", "TE")
    return {"TE": te}
