"""Figure 14.2.4 Swimmer plot: treatment duration per subject with response assessments (ADRS OVR),
ongoing treatment arrows and deaths (ADSL, ADRS; safety population)."""

import numpy as np
import pandas as pd

from derivations.tlf import plot_swimmer
from derivations.tlf.figures import swimmer_pages

from ._common import big_n, population, population_note, subtitle, tlf_setting

READS = ("ADSL", "ADRS")
WRITES = ()

#: response assessments shown: investigator overall response per visit, analysed records
EVENTS = "PARAMCD == 'OVR' and ANL01FL == 'Y'"


def _months(end: pd.Series, start: pd.Series, days_per_month: float) -> pd.Series:
    """Months from first dose (day 0) to ``end``; missing stays missing."""
    return (pd.to_datetime(end) - pd.to_datetime(start)).dt.days / days_per_month


def derive(ctx):
    efficacy_pop = population(ctx, "efficacy")
    adsl, adrs = ctx.adam["ADSL"], ctx.adam["ADRS"]
    dpm = float(tlf_setting(ctx, "days_per_month", 30.4375))
    safety = adsl.loc[adsl.eval(efficacy_pop)]
    subjects = pd.DataFrame({
        "USUBJID": safety["SUBJID"],
        # last dose day included: duration TRTEDT - TRTSDT + 1 days
        "DURATION": (_months(safety["TRTEDT"], safety["TRTSDT"], dpm) + 1 / dpm).to_numpy(),
        "ONGOING": np.where(safety["EOTSTT"] == "ONGOING", "Y", "N"),
        "DEATH": _months(safety["DTHDT"], safety["TRTSDT"], dpm).to_numpy(),
    })
    # one bar per subject stays readable up to [tlf] swimmer_max_subjects: beyond it (pooled or large
    # studies) the plot shows the subjects treated longest, and its title says so
    limit = int(tlf_setting(ctx, "swimmer_max_subjects", 100))
    shown = subjects.assign(_order=np.arange(len(subjects))).sort_values(
        ["DURATION", "_order"], ascending=[False, True], kind="mergesort").head(limit).index
    selection = "" if len(subjects) <= limit else f"; the {limit} of {len(subjects)} subjects treated longest"
    subjects = subjects.loc[shown]
    safety = safety.loc[shown]
    ovr = adrs.loc[adrs.eval(EVENTS) & adrs["USUBJID"].isin(safety["USUBJID"])]
    ovr = ovr.merge(safety[["USUBJID", "SUBJID"]], on="USUBJID", how="left", suffixes=("_x", ""))
    events = pd.DataFrame({"USUBJID": ovr["SUBJID"], "TIME": _months(ovr["ADT"], ovr["TRTSDT"], dpm),
                           "RESPONSE": ovr["AVALC"]})
    xlabel = f"Time since first dose (months; days / {dpm:g})"
    fig = plot_swimmer(subjects, events, xlabel=xlabel,
                       title="Treatment Duration and Response (RECIST 1.1, Investigator; Efficacy Population"
                             f"{selection})")
    # the RTF: pages of 30 subjects, one time axis, so that every bar stays readable on paper
    pages = swimmer_pages(subjects, events, per_page=30, xlabel=xlabel)
    ctx.outputs.publish_figure(
        fig, "f_swimmer", figure_id="Figure 14.2.4", pages=pages,
        title="Swimmer Plot of Treatment Duration, Responses, Ongoing Treatment and Deaths",
        subtitle=subtitle(ctx, "efficacy", with_cutoff=True), source="ADSL, ADRS (PARAMCD = OVR)",
        footnotes=[population_note(ctx, "efficacy", big_n(adsl, efficacy_pop)) + selection.replace(
                       "; the", " Shown: the") + ("." if selection else ""),
                   "Bar: treatment duration (first to last dose). Markers: overall response at each assessment "
                   "(RECIST 1.1, investigator); arrow: treatment ongoing at data cut-off; x: death."])
    return {}
