"""QC of Table 14.3.4 (treatment-related TEAEs by SOC, PT and maximum CTCAE grade): subjects counted a second way.

Reads production ADSL and ADAE only; N is the safety population; "Any grade", "Grade 3-4" and
"Grade 5" count each subject once per row, in the band of its worst grade (qc/_ae.py).
"""

from __future__ import annotations

from ._ae import occurrence_ard
from ._common import text

READS = ("ADSL", "ADAE")
WRITES = ("QC_T_TEAE_REL",)

BANDS = {"Any grade": None, "Grade 3-4": (3, 4), "Grade 5": (5,)}


def derive(ctx):
    adsl, adae = ctx.adam["ADSL"], ctx.adam["ADAE"]
    safety = set(text(adsl.loc[text(adsl["SAFFL"]) == "Y", "USUBJID"]))
    counted = (text(adae["TRTEMFL"]) == "Y") & text(adae["USUBJID"]).isin(safety)
    counted &= text(adae["AREL"]) == "RELATED"
    ard = occurrence_ard(adae.loc[counted],
                         "T14.3.4", "Subjects with any treatment-related TEAE", n_subjects=len(safety), bands=BANDS)
    return {"QC_T_TEAE_REL": ard}
