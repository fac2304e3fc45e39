"""Figure 14.2.1 Kaplan-Meier plot of progression-free survival by arm with the hazard ratio of each active arm
against placebo (Cox, 95% CI) and the log-rank p-values (ADTTE PARAMCD = PFS, ADSL).

The peer study's oncology subset has few events (6 progressions or deaths in 254 subjects): the figure shows
the method; an arm without events gets a hazard ratio that is not estimable (NE)."""

from derivations.tlf import FORMAT_RULES, KmSettings, ard_stats, compute_ard_hazard_ratio, compute_km_by, plot_km

from ._common import population, treatment

READS = ("ADSL", "ADTTE")
WRITES = ("F_KM_PFS",)

AID = "F14.2.1"


def derive(ctx):
    trt, arms, reference = treatment(ctx)
    safety, label = population(ctx, "safety")
    adsl = ctx.adam["ADSL"]
    adtte = ctx.adam["ADTTE"].drop(columns=[trt], errors="ignore").merge(adsl[["USUBJID", trt, "SAFFL"]],
                                                                          on="USUBJID", how="left",
                                                                          suffixes=("_ADTTE", ""))
    pfs = "PARAMCD == 'PFS'"
    settings = KmSettings()  # days -> months (30.4375 days per month)
    fits = compute_km_by(adtte, settings=settings, population=safety, filter=pfs, by_vars=[trt], column_order=arms)
    ard = compute_ard_hazard_ratio(adtte, analysis_id=f"{AID}-HR", treatment_var=trt, reference=reference,
                                   population=safety, filter=pfs, arm_order=arms)
    lines = []
    for arm in arms:
        if arm == reference:
            continue
        stats = ard_stats(ard, column_value=arm)
        lines.append(f"{arm} vs {reference}: HR {FORMAT_RULES['hr_ci'].format(stats)}, "
                     f"log-rank p={FORMAT_RULES['p_logrank'].format(stats)}")
    overall = ard.loc[ard["column_value"] == "Total", "stat_value"].iloc[0]
    lines.append(f"Log-rank test, all arms: p={FORMAT_RULES['p_logrank'].format({'p_logrank': overall})}")
    fig = plot_km({arm: fits[arm] for arm in arms}, title="Progression-Free Survival by Arm",
                  annotation="\n".join(lines), ylabel="Progression-free survival probability", height=6.0)
    ctx.outputs.publish_figure(
        fig, "f_km_pfs", figure_id="Figure 14.2.1", title="Kaplan-Meier Plot of Progression-Free Survival by Arm",
        subtitle=label, source="ADTTE (PARAMCD = PFS), ADSL",
        footnotes=["Hazard ratio: Cox proportional hazards model with the arm as the only covariate (Breslow ties), "
                   "Wald 95% CI; log-rank tests of each active arm against placebo and of all arms.",
                   "Vertical ticks: censored subjects. Times in months (days / 30.4375)."])
    return {"F_KM_PFS": ard}
