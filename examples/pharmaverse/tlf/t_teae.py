"""Table 14.3.2 Treatment-emergent adverse events by system organ class and preferred term, by arm (ADAE, safety
population): subjects with at least one event, SOCs and PTs by decreasing frequency over all arms."""

from derivations.tlf import build_table, columns_from_ard, compute_ard_occurrences, occurrence_rows

from ._common import population, treatment

READS = ("ADSL", "ADAE")
WRITES = ("T_TEAE",)

AID = "T14.3.2"


def derive(ctx):
    trt, arms, _ = treatment(ctx)
    safety, label = population(ctx, "safety")
    adsl, adae = ctx.adam["ADSL"], ctx.adam["ADAE"]
    ard = compute_ard_occurrences(adae, analysis_id=AID, denominator=adsl, population=safety,
                                  filter="TRTEMFL == 'Y'", by_vars=[trt], column_order=arms, total=True,
                                  term_vars=["AESOC", "AEDECOD"], grade_var=None, grade_bands={"Any": None},
                                  any_label="Subjects with at least one TEAE")
    table = build_table(ard, title="Treatment-Emergent Adverse Events by System Organ Class and Preferred Term",
                        table_id="Table 14.3.2", subtitle=label, rows=occurrence_rows(ard, analysis_id=AID),
                        columns=columns_from_ard(ard, analysis_id=AID), stub_header="System organ class\n  Preferred term",
                        footnotes=[f"{label}: subjects who received at least one dose. A subject is counted once per "
                                   "system organ class and preferred term; percentages are based on N of the arm.",
                                   "Sorted by decreasing frequency in all arms together, then alphabetically."],
                        source="ADAE, ADSL")
    ctx.outputs.publish_table(table, "t_teae")
    return {"T_TEAE": ard}
