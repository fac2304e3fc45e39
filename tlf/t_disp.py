"""Table 14.1.2 Subject disposition: treatment status and end-of-treatment reasons, deaths and their causes,
study status at the data cut-off (ADSL, safety population).

Built on ADSL (EOTSTT, DCTREAS, DTHFL, DTHCAUS); when SDTM DS carries every disposition event (end of
treatment with reason, death, on study at cut-off), ADSL takes them from there and this table is unchanged.
"""

import numpy as np
import pandas as pd

from derivations.tlf import RowSpec, build_table, columns_from_ard, compute_ard_counts, level_rows

from ._common import big_n, population, population_note, subtitle, treatment_label

READS = ("ADSL",)
WRITES = ("T_DISP",)

AID = "T14.1.2"
EOT_LABELS = {"ONGOING": "Ongoing at data cut-off", "DISCONTINUED": "Ended"}
STUDY_LABELS = {"ALIVE": "Alive (on study at data cut-off)", "DIED": "Died"}
MISSING_REASON = "Not recorded"


def _label(value: str) -> str:
    return value.capitalize() if value.isupper() else value


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl = ctx.adam["ADSL"]
    adsl = adsl.assign(
        STUDYST=np.where(adsl["DTHFL"] == "Y", "DIED", "ALIVE"),
        DCTREAS=adsl["DCTREAS"].astype(object).where(adsl["DCTREAS"].astype(str).str.strip() != "", MISSING_REASON),
        DTHCAUS=adsl["DTHCAUS"].astype(object).where(adsl["DTHCAUS"].astype(str).str.strip() != "", MISSING_REASON),
    )
    ended = "EOTSTT == 'DISCONTINUED'"
    died = "DTHFL == 'Y'"
    ards = [
        compute_ard_counts(adsl, analysis_id=f"{AID}-EOT", variables=["EOTSTT"], population=safety_pop,
                           order={"EOTSTT": list(EOT_LABELS)}),
        compute_ard_counts(adsl, analysis_id=f"{AID}-EOTREAS", variables=["DCTREAS"], population=safety_pop,
                           filter=ended),
        compute_ard_counts(adsl, analysis_id=f"{AID}-STUDY", variables=["STUDYST"], population=safety_pop,
                           order={"STUDYST": list(STUDY_LABELS)}),
        compute_ard_counts(adsl, analysis_id=f"{AID}-DTHCAUS", variables=["DTHCAUS"], population=safety_pop,
                           filter=died),
    ]
    ard = pd.concat(ards, ignore_index=True)
    reasons = {v: _label(v) for v in ard.loc[ard["analysis_id"] == f"{AID}-EOTREAS", "group_value"]}
    causes = {v: _label(v) for v in ard.loc[ard["analysis_id"] == f"{AID}-DTHCAUS", "group_value"]}
    rows = [RowSpec("Treatment status at data cut-off, n (%)"),
            *level_rows(ard, analysis_id=f"{AID}-EOT", labels=EOT_LABELS),
            RowSpec("Reason for end of treatment, n (%)"),
            *level_rows(ard, analysis_id=f"{AID}-EOTREAS", labels=reasons),
            RowSpec("Study status at data cut-off, n (%)"),
            *level_rows(ard, analysis_id=f"{AID}-STUDY", labels=STUDY_LABELS),
            RowSpec("Cause of death, n (%)"),
            *level_rows(ard, analysis_id=f"{AID}-DTHCAUS", labels=causes)]
    table = build_table(
        ard, title="Subject Disposition", table_id="Table 14.1.2", subtitle=subtitle(ctx, "safety", with_cutoff=True),
        rows=rows, columns=columns_from_ard(ard, analysis_id=f"{AID}-EOT", labels={"Total": treatment_label(ctx)}),
        footnotes=[population_note(ctx, "safety", big_n(adsl, safety_pop)) + " Percentages are based on N.",
                   "End of treatment: both anlotinib and the PD-1 inhibitor stopped (ADSL EOTSTT, DCTREAS). "
                   "Study status: alive or dead at the data cut-off (ADSL DTHFL)."],
        source="ADSL")
    ctx.outputs.publish_table(table, "t_disp")
    return {"T_DISP": ard}
