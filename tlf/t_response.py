"""Table 14.2.1 Best overall response (RECIST 1.1, investigator): BOR and confirmed BOR side by side,
ORR and DCR with exact Clopper-Pearson 95% CIs (ADRS, efficacy population)."""

import pandas as pd

from derivations.tlf import (ColumnSpec, RowSpec, build_table, compute_ard_counts, compute_ard_proportion_ci,
                             level_rows)

from ._common import big_n, population, population_note, subtitle

READS = ("ADSL", "ADRS")
WRITES = ("T_RESPONSE",)

AID = "T14.2.1"
#: the two table columns: ADRS parameter -> header
PARAMS = {"BOR": "Best overall response\n(confirmation not required)",
          "CBOR": "Confirmed best overall response"}
BOR_ORDER = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING"]
BOR_LABELS = {"CR": "Complete response (CR)", "PR": "Partial response (PR)", "SD": "Stable disease (SD)",
              "NON-CR/NON-PD": "Non-CR/non-PD", "PD": "Progressive disease (PD)", "NE": "Not evaluable (NE)",
              "MISSING": "No post-baseline assessment"}
#: rates: (name, label, responses counted)
RATES = [("ORR", "Objective response rate (CR + PR)", ["CR", "PR"]),
         ("DCR", "Disease control rate (CR + PR + SD)", ["CR", "PR", "SD"])]


def derive(ctx):
    efficacy_pop = population(ctx, "efficacy")
    adsl, adrs = ctx.adam["ADSL"], ctx.adam["ADRS"]
    params = list(PARAMS)
    bor = adrs.loc[adrs["PARAMCD"].isin(params)]
    # N per column: every subject of the population, once per parameter (a subject without a BOR record
    # would still count in the denominator)
    den = adsl.merge(pd.DataFrame({"PARAMCD": params}), how="cross")
    common = dict(population=efficacy_pop, by_vars=["PARAMCD"], column_order=params, denominator=den,
                  dataset_name="ADRS")
    ards = [compute_ard_counts(bor, analysis_id=f"{AID}-BOR", variables=["AVALC"],
                               order={"AVALC": BOR_ORDER}, **common)]
    for name, _, responses in RATES:
        ards.append(compute_ard_proportion_ci(bor, analysis_id=f"{AID}-{name}", response=f"AVALC in {responses}",
                                              group_value=name, **common))
    ard = pd.concat(ards, ignore_index=True)

    rows = [RowSpec("Best overall response, n (%)"),
            *level_rows(ard, analysis_id=f"{AID}-BOR", labels=BOR_LABELS)]
    for name, label, _ in RATES:
        rows += [RowSpec(f"{label}, n (%)", {"analysis_id": f"{AID}-{name}"}, "n_pct"),
                 RowSpec("95% CI (exact Clopper-Pearson)", {"analysis_id": f"{AID}-{name}"}, "ci", indent=1)]
    n_by_param = ard.loc[(ard["analysis_id"] == f"{AID}-ORR") & (ard["stat_name"] == "N")].set_index("column_value")
    columns = [ColumnSpec(f"{header}\n(N={int(n_by_param.loc[p, 'stat_value'])})", {"column_value": p})
               for p, header in PARAMS.items()]
    table = build_table(
        ard, title="Best Overall Response, Objective Response and Disease Control (RECIST 1.1, Investigator)",
        subtitle=subtitle(ctx, "efficacy", with_cutoff=True), table_id="Table 14.2.1", rows=rows, columns=columns,
        footnotes=[population_note(ctx, "efficacy", big_n(adsl, efficacy_pop)) + " Percentages are based on N.",
                   f"SD requires an assessment of SD or better at least {ctx.settings['adam']['sd_min_days']} days "
                   f"after the first dose; confirmed CR/PR requires a second CR/PR at least "
                   f"{ctx.settings['adam']['confirm_days']} days later.",
                   "95% CI: exact (Clopper-Pearson) confidence interval of the proportion."],
        source="ADRS (PARAMCD = BOR, CBOR), ADSL")
    ctx.outputs.publish_table(table, "t_response")
    return {"T_RESPONSE": ard}
