"""Table 14.3.1 Overview of treatment-emergent adverse events by arm (ADAE, safety population), with the risk
difference and odds ratio of each active arm against placebo for any TEAE and for serious TEAEs."""

import pandas as pd

from derivations.tlf import (ColumnSpec, RowSpec, build_table, columns_from_ard, compute_ard_any_event,
                             compute_ard_comparison)

from ._common import population, treatment

READS = ("ADSL", "ADAE")
WRITES = ("T_AE_OVERVIEW",)

AID = "T14.3.1"
TEAE = "TRTEMFL == 'Y'"
CATEGORIES = {
    "Any TEAE": None,
    "Related TEAE (possible or probable)": "AEREL in ['POSSIBLE', 'PROBABLE']",
    "Severe TEAE": "AESEV == 'SEVERE'",
    "Serious TEAE": "AESER == 'Y'",
    "TEAE leading to death": "AESDTH == 'Y' or AEOUT == 'FATAL'",
    "TEAE leading to drug withdrawal": "AEACN == 'DRUG WITHDRAWN'",
}
#: rows compared between arms: label -> record filter (within the TEAEs)
COMPARED = {"Any TEAE": None, "Serious TEAE": "AESER == 'Y'"}


def derive(ctx):
    trt, arms, reference = treatment(ctx)
    safety, label = population(ctx, "safety")
    adsl, adae = ctx.adam["ADSL"], ctx.adam["ADAE"]
    ards = [compute_ard_any_event(adae, analysis_id=AID, denominator=adsl, population=safety, filter=TEAE,
                                  by_vars=[trt], column_order=arms, total=True, categories=CATEGORIES)]
    rows = [RowSpec("Subjects with at least one, n (%)"),
            *[RowSpec(c, {"analysis_id": f"{AID}-{k}"}, "n_pct", indent=1) for k, c in enumerate(CATEGORIES, 1)]]
    for k, (name, where) in enumerate(COMPARED.items(), 1):
        ards.append(compute_ard_comparison(adae, analysis_id=f"{AID}-CMP{k}", treatment_var=trt, reference=reference,
                                           response=where, filter=TEAE, denominator=adsl, population=safety,
                                           arm_order=arms, group_value=name))
        rows += [RowSpec(f"{name}: risk difference vs {reference}, % (95% CI)", {"analysis_id": f"{AID}-CMP{k}"},
                         "rd_ci"),
                 RowSpec(f"{name}: odds ratio vs {reference} (95% CI)", {"analysis_id": f"{AID}-CMP{k}"}, "or_ci")]
    ard = pd.concat(ards, ignore_index=True)
    columns = columns_from_ard(ard, analysis_id=f"{AID}-1")
    table = build_table(ard, title="Overview of Treatment-Emergent Adverse Events", table_id="Table 14.3.1",
                        subtitle=label, rows=rows, columns=columns,
                        footnotes=[f"{label}: subjects who received at least one dose. Percentages are based on N "
                                   "of the arm; a subject is counted once per row.",
                                   f"Risk difference: Wald 95% CI; odds ratio: Woolf (log scale) 95% CI; each active "
                                   f"arm against {reference}. NE: not estimable (a zero cell)."],
                        source="ADAE, ADSL")
    ctx.outputs.publish_table(table, "t_ae_overview")
    return {"T_AE_OVERVIEW": ard}
