"""Figures 14.2.1 and 14.2.2: Kaplan-Meier curves of PFS and OS with numbers at risk (ADTTE)."""

import importlib.util
from pathlib import Path

from derivations.tlf import compute_km_by, plot_km

_spec = importlib.util.spec_from_file_location("_tlf_common", Path(__file__).with_name("_common.py"))
C = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C)

#: PARAMCD -> (figure id, file name, title, y-axis label)
FIGURES = {
    "PFS": ("Figure 14.2.1", "f_km_pfs", "Kaplan-Meier Plot of Progression-Free Survival",
            "Progression-free survival probability"),
    "OS": ("Figure 14.2.2", "f_km_os", "Kaplan-Meier Plot of Overall Survival", "Overall survival probability"),
}


def derive(ctx):
    adtte = ctx.adam["ADTTE"]
    settings = C.km_settings(ctx)
    for paramcd, (fid, name, title, ylabel) in FIGURES.items():
        fits = compute_km_by(adtte, settings=settings, population=C.SAFETY, filter=f"PARAMCD == '{paramcd}'")
        fig = plot_km({C.TRT_SHORT: fits["Total"]}, title=f"{title} (Safety Population)", ylabel=ylabel,
                      xlabel=f"Time since first dose (months; days / {settings.days_per_month:g})")
        fig.subplots_adjust(left=0.16)  # room for the group label of the numbers-at-risk row
        C.publish_figure(ctx, fig, name, figure_id=fid, title=title)
    return {}
