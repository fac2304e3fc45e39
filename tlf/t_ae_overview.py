"""Table 14.3.2 Overview of treatment-emergent adverse events: any, related, grade 3 or higher, serious,
leading to dose reduction, interruption or discontinuation, fatal (ADAE, SUPPAE, safety population)."""

import pandas as pd

from derivations.tlf import RowSpec, build_table, columns_from_ard, compute_ard_any_event

from ._common import big_n, population, population_note, subtitle, treatment_label

READS = ("ADSL", "ADAE", "SUPPAE")
WRITES = ("T_AE_OVERVIEW",)

AID = "T14.3.2"
TEAE = "TRTEMFL == 'Y'"
RELATED = "AREL == 'RELATED'"
#: the action taken with either drug (ADAE AEACN is MULTIPLE when they differ; SUPPAE has each drug's)
ACTIONS = ("AEACN", "AEACNANL", "AEACNPD1")
#: row label -> record filter (within the TEAEs)
CATEGORIES = {
    "Any TEAE": None,
    "Treatment-related TEAE": RELATED,
    "TEAE of CTCAE grade 3 or higher": "ATOXGRN >= 3",
    "Treatment-related TEAE of grade 3 or higher": f"{RELATED} and ATOXGRN >= 3",
    "Serious TEAE": "AESER == 'Y'",
    "Treatment-related serious TEAE": f"{RELATED} and AESER == 'Y'",
    "TEAE leading to dose reduction (anlotinib)": "AEACNANL == 'DOSE REDUCED'",
    "TEAE leading to interruption of either drug": " or ".join(f"{a} == 'DRUG INTERRUPTED'" for a in ACTIONS),
    "TEAE leading to discontinuation of either drug": " or ".join(f"{a} == 'DRUG WITHDRAWN'" for a in ACTIONS),
    "TEAE with a fatal outcome": "AEOUT == 'FATAL' or ATOXGRN == 5",
}


def with_drug_actions(adae: pd.DataFrame, suppae: pd.DataFrame) -> pd.DataFrame:
    """ADAE with the action taken with each drug (SUPPAE QNAM AEACNANL, AEACNPD1; IDVAR AESEQ)."""
    supp = suppae.loc[suppae["QNAM"].isin(["AEACNANL", "AEACNPD1"])]
    wide = supp.assign(AESEQ=pd.to_numeric(supp["IDVARVAL"])).pivot_table(
        index=["USUBJID", "AESEQ"], columns="QNAM", values="QVAL", aggfunc="first").reset_index()
    out = adae.merge(wide, on=["USUBJID", "AESEQ"], how="left", validate="one_to_one")
    for col in ("AEACNANL", "AEACNPD1"):
        if col not in out:
            out[col] = ""
        out[col] = out[col].fillna("")
    return out


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl = ctx.adam["ADSL"]
    adae = with_drug_actions(ctx.adam["ADAE"], ctx.sdtm["SUPPAE"])
    ard = compute_ard_any_event(adae, analysis_id=AID, denominator=adsl, population=safety_pop, filter=TEAE,
                                categories=CATEGORIES)
    rows = [RowSpec("Subjects with at least one, n (%)"),
            *[RowSpec(label, {"analysis_id": f"{AID}-{k}"}, "n_pct", indent=1)
              for k, label in enumerate(CATEGORIES, start=1)]]
    table = build_table(
        ard, title="Overview of Treatment-Emergent Adverse Events", table_id="Table 14.3.2",
        subtitle=subtitle(ctx, "safety"), rows=rows,
        columns=columns_from_ard(ard, analysis_id=f"{AID}-1", labels={"Total": treatment_label(ctx)}),
        footnotes=[population_note(ctx, "safety", big_n(adsl, safety_pop)) + " Percentages are based on N; a "
                   "subject is counted once in each row.",
                   "TEAE: treatment-emergent adverse event (ADAE TRTEMFL = Y). Related: related to anlotinib or the "
                   "PD-1 inhibitor (AREL). Grade: CTCAE v5 (ATOXGRN). Action taken with each drug: SUPPAE AEACNANL "
                   "(anlotinib) and AEACNPD1 (PD-1 inhibitor)."],
        source="ADAE, SUPPAE (AEACNANL, AEACNPD1), ADSL")
    ctx.outputs.publish_table(table, "t_ae_overview")
    return {"T_AE_OVERVIEW": ard}
