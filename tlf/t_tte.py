"""Table 14.2.2 Progression-free and overall survival: Kaplan-Meier summary with the events by type and the
censoring reasons (ADTTE, efficacy population).

Median and its CI follow [tlf] km_median_rule / km_ci_method; the other interval
([tlf] km_ci_secondary, e.g. the paper's symmetric median +/- 1.96 SE) is a second row.
"""

import pandas as pd

from derivations.tlf import (ColumnSpec, FormatRule, RowSpec, build_table, compute_ard_km, rate_rule)

from ._common import (big_n, km_ci_text, km_events_and_censoring, km_settings, population, population_note,
                      subtitle, tlf_setting)

READS = ("ADSL", "ADTTE")
WRITES = ("T_TTE",)

AID = "T14.2.2"
PARAMS = {"PFS": "Progression-free survival", "OS": "Overall survival"}
CI_ONLY = FormatRule("km_ci", "({km_median_ci_lower:.2f}, {km_median_ci_upper:.2f})")


def derive(ctx):
    efficacy_pop = population(ctx, "efficacy")
    adtte = ctx.adam["ADTTE"]
    primary = km_settings(ctx)
    secondary_method = tlf_setting(ctx, "km_ci_secondary", "")
    rates = [float(m) for m in tlf_setting(ctx, "km_rate_months", [6, 12])]
    params = list(PARAMS)
    common = dict(population=efficacy_pop, filter=f"PARAMCD in {params}", by_vars=["PARAMCD"], column_order=params)
    ards = [compute_ard_km(adtte, analysis_id=f"{AID}-KM", settings=primary, rate_times=rates, **common)]
    ard_types, type_rows = km_events_and_censoring(adtte, analysis_id=AID, population=efficacy_pop, params=params)
    if ard_types is not None:
        ards.append(ard_types)
    rows = [RowSpec("Subjects, N", {"analysis_id": f"{AID}-KM"}, "N"),
            RowSpec("Events, n", {"analysis_id": f"{AID}-KM"}, "events"), *type_rows.get("events", []),
            RowSpec("Censored, n", {"analysis_id": f"{AID}-KM"}, "censored"), *type_rows.get("censored", []),
            RowSpec(f"Median (months) (95% CI{'' if not secondary_method else ', ' + km_ci_text(primary)})",
                    {"analysis_id": f"{AID}-KM"}, "km_median_ci")]
    footnotes = [population_note(ctx, "efficacy", big_n(ctx.adam["ADSL"], efficacy_pop)),
                 f"Times in months = days / {primary.days_per_month:g}. Median: first time the Kaplan-Meier "
                 "estimate falls below 0.5 (midpoint rule when it equals 0.5 over an interval, as SAS PROC LIFETEST).",
                 f"95% CI of the median: {km_ci_text(primary)}."]
    if secondary_method and secondary_method != primary.ci_method:
        secondary = km_settings(ctx, ci_method=secondary_method)
        ards.append(compute_ard_km(adtte, analysis_id=f"{AID}-KM-{secondary_method.upper()}",
                                   settings=secondary, **common))
        rows.append(RowSpec(f"95% CI ({km_ci_text(secondary)})",
                            {"analysis_id": f"{AID}-KM-{secondary_method.upper()}"}, CI_ONLY, indent=1))
        footnotes.append(f"Second interval: {km_ci_text(secondary)} (the style SPSS prints and the publication "
                         "reported); shown for comparison with the publication.")
    for t in rates:
        rows.append(RowSpec(f"Event-free rate at {t:g} months, % (95% CI)", {"analysis_id": f"{AID}-KM"},
                            rate_rule(f"rate_{t:g}m")))
    footnotes += ["Event-free rates: Kaplan-Meier estimate with a log-log transformed Greenwood 95% CI; "
                  "NE = not estimable (e.g. time beyond the last follow-up).",
                  "PFS events: progression (RECIST 1.1, investigator) or death; OS events: death from any cause. "
                  "Events by type and censoring reasons: n (%) of the subjects of the column."]
    ard = pd.concat(ards, ignore_index=True)
    n = ard.loc[(ard["analysis_id"] == f"{AID}-KM") & (ard["stat_name"] == "N")].set_index("column_value")
    columns = [ColumnSpec(f"{label}\n(N={int(n.loc[p, 'stat_value'])})", {"column_value": p})
               for p, label in PARAMS.items()]
    table = build_table(ard, title="Progression-Free Survival and Overall Survival (Kaplan-Meier)",
                        subtitle=subtitle(ctx, "efficacy", with_cutoff=True), table_id="Table 14.2.2", rows=rows,
                        columns=columns, footnotes=footnotes, source="ADTTE (PARAMCD = PFS, OS)")
    ctx.outputs.publish_table(table, "t_tte")
    return {"T_TTE": ard}
