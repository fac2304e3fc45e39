"""Figures 14.2.1 and 14.2.2: Kaplan-Meier curves of PFS and OS with numbers at risk (ADTTE)."""

from derivations.tlf import compute_km_by, plot_km

from ._common import big_n, km_settings, population, population_note, subtitle, treatment_label

READS = ("ADSL", "ADTTE")
WRITES = ()

#: PARAMCD -> (figure id, file name, title, y-axis label)
FIGURES = {
    "PFS": ("Figure 14.2.1", "f_km_pfs", "Kaplan-Meier Plot of Progression-Free Survival",
            "Progression-free survival probability"),
    "OS": ("Figure 14.2.2", "f_km_os", "Kaplan-Meier Plot of Overall Survival", "Overall survival probability"),
}


def derive(ctx):
    efficacy_pop = population(ctx, "efficacy")
    adtte = ctx.adam["ADTTE"]
    settings = km_settings(ctx)
    group = treatment_label(ctx, short=True)
    for paramcd, (fid, name, title, ylabel) in FIGURES.items():
        fits = compute_km_by(adtte, settings=settings, population=efficacy_pop, filter=f"PARAMCD == '{paramcd}'")
        fig = plot_km({group: fits["Total"]}, title=f"{title} (Efficacy Population)", ylabel=ylabel,
                      xlabel=f"Time since first dose (months; days / {settings.days_per_month:g})")
        ctx.outputs.publish_figure(
            fig, name, figure_id=fid, title=title, subtitle=subtitle(ctx, "efficacy", with_cutoff=True),
            source=f"ADTTE (PARAMCD = {paramcd})",
            footnotes=[population_note(ctx, "efficacy", big_n(ctx.adam["ADSL"], efficacy_pop)),
                       "Vertical ticks: censored subjects. Dotted lines: the Kaplan-Meier median (SAS rule); the "
                       "numbers at risk are the subjects still followed at each time."])
    return {}
