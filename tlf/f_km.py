"""Figures 14.2.1 and 14.2.2: Kaplan-Meier curves of PFS and OS with numbers at risk (ADTTE)."""

from derivations.tlf import compute_km_by, plot_km

from ._common import km_settings, population, treatment_label

READS = ("ADTTE",)
WRITES = ()

#: PARAMCD -> (figure id, file name, title, y-axis label)
FIGURES = {
    "PFS": ("Figure 14.2.1", "f_km_pfs", "Kaplan-Meier Plot of Progression-Free Survival",
            "Progression-free survival probability"),
    "OS": ("Figure 14.2.2", "f_km_os", "Kaplan-Meier Plot of Overall Survival", "Overall survival probability"),
}


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adtte = ctx.adam["ADTTE"]
    settings = km_settings(ctx)
    group = treatment_label(ctx, short=True)
    for paramcd, (fid, name, title, ylabel) in FIGURES.items():
        fits = compute_km_by(adtte, settings=settings, population=safety_pop, filter=f"PARAMCD == '{paramcd}'")
        fig = plot_km({group: fits["Total"]}, title=f"{title} (Safety Population)", ylabel=ylabel,
                      xlabel=f"Time since first dose (months; days / {settings.days_per_month:g})")
        fig.subplots_adjust(left=0.16)  # room for the group label of the numbers-at-risk row
        ctx.outputs.publish_figure(fig, name, figure_id=fid, title=title)
    return {}
