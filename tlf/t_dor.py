"""Table 14.2.3 Duration of response: Kaplan-Meier summary for the responders, with the events by type and the
censoring reasons (ADTTE PARAMCD = DOR, efficacy population).

DOR starts at the first response (CR or PR, confirmation not required: ADRS RSP) and ends at progression or
death; the responders without an event are censored at their last adequate assessment (adam/adtte.py).
"""

import pandas as pd

from derivations.tlf import ColumnSpec, RowSpec, build_table, compute_ard_km, rate_rule

from ._common import (big_n, km_ci_text, km_events_and_censoring, km_settings, population, population_note,
                      subtitle, tlf_setting)

READS = ("ADSL", "ADTTE")
WRITES = ("T_DOR",)

AID = "T14.2.3"


def derive(ctx):
    efficacy_pop = population(ctx, "efficacy")
    adsl, adtte = ctx.adam["ADSL"], ctx.adam["ADTTE"]
    settings = km_settings(ctx)
    rates = [float(m) for m in tlf_setting(ctx, "km_rate_months", [6, 12])]
    ards = [compute_ard_km(adtte, analysis_id=f"{AID}-KM", settings=settings, rate_times=rates,
                           population=efficacy_pop, filter="PARAMCD == 'DOR'", by_vars=["PARAMCD"])]
    ard_types, type_rows = km_events_and_censoring(adtte, analysis_id=AID, population=efficacy_pop, params=["DOR"])
    if ard_types is not None:
        ards.append(ard_types)
    ard = pd.concat(ards, ignore_index=True)
    sel = {"analysis_id": f"{AID}-KM"}
    rows = [RowSpec("Responders, N", sel, "N"),
            RowSpec("Events, n", sel, "events"), *type_rows.get("events", []),
            RowSpec("Censored, n", sel, "censored"), *type_rows.get("censored", []),
            RowSpec("Median duration of response (months) (95% CI)", sel, "km_median_ci"),
            *[RowSpec(f"Still in response at {t:g} months, % (95% CI)", sel, rate_rule(f"rate_{t:g}m")) for t in rates]]
    n = int(ard.loc[(ard["analysis_id"] == f"{AID}-KM") & (ard["stat_name"] == "N"), "stat_value"].iloc[0])
    columns = [ColumnSpec(f"Responders (CR or PR)\n(N={n})", {"column_value": "DOR"})]
    footnotes = [population_note(ctx, "efficacy", big_n(adsl, efficacy_pop)) + " DOR is analysed in its "
                 "responders: subjects with a best overall response of CR or PR (confirmation not required).",
                 "Duration of response: from the first CR or PR to progression (RECIST 1.1, investigator) or death; "
                 "responders without either are censored at their last adequate assessment.",
                 f"Months = days / {settings.days_per_month:g}. Kaplan-Meier median (SAS rule) with its 95% CI "
                 f"({km_ci_text(settings)}); rates with "
                 "log-log transformed Greenwood 95% CIs; NE = not estimable."]
    table = build_table(ard, title="Duration of Response (Kaplan-Meier)", table_id="Table 14.2.3",
                        subtitle=subtitle(ctx, "efficacy", with_cutoff=True), rows=rows, columns=columns,
                        footnotes=footnotes, source="ADTTE (PARAMCD = DOR)")
    ctx.outputs.publish_table(table, "t_dor")
    return {"T_DOR": ard}
