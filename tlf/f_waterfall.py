"""Figure 14.2.3 Waterfall plot: best % change from baseline in the sum of target-lesion diameters,
coloured by best overall response (ADTR PARAMCD SDIAM, ADRS BOR; efficacy population)."""

import pandas as pd

from derivations.tlf import plot_waterfall

from ._common import big_n, population, population_note, subtitle

READS = ("ADSL", "ADRS", "ADTR")
WRITES = ()

#: responses without a colour of their own in the plot
RESPONSE_DISPLAY = {"MISSING": "NE"}


def best_change(adtr: pd.DataFrame) -> pd.DataFrame:
    """Per subject: the smallest post-baseline PCHG (the best change) of the analysed SDIAM records."""
    post = adtr.loc[(adtr["PARAMCD"] == "SDIAM") & (adtr["ABLFL"] != "Y") & (adtr["ANL01FL"] == "Y")]
    return post.groupby("USUBJID", as_index=False)["PCHG"].min()


def derive(ctx):
    efficacy_pop = population(ctx, "efficacy")
    adsl, adrs = ctx.adam["ADSL"], ctx.adam["ADRS"]
    subjects = adsl.loc[adsl.eval(efficacy_pop), ["USUBJID"]]
    bor = adrs.loc[adrs["PARAMCD"] == "BOR", ["USUBJID", "AVALC"]].rename(columns={"AVALC": "BOR"})
    data = subjects.merge(best_change(ctx.adam["ADTR"]), on="USUBJID", how="left").merge(bor, on="USUBJID",
                                                                                          how="left")
    data["BOR"] = data["BOR"].fillna("MISSING").replace(RESPONSE_DISPLAY)
    fig = plot_waterfall(data, title="Best % Change in Sum of Target-Lesion Diameters (Efficacy Population)")
    ctx.outputs.publish_figure(
        fig, "f_waterfall", figure_id="Figure 14.2.3",
        title="Waterfall Plot of Best Percent Change in Target Lesions, by Best Overall Response",
        subtitle=subtitle(ctx, "efficacy", with_cutoff=True), source="ADTR (PARAMCD = SDIAM), ADRS (PARAMCD = BOR)",
        footnotes=[population_note(ctx, "efficacy", big_n(adsl, efficacy_pop)),
                   "One bar per subject: the smallest post-baseline percent change from baseline in the sum of "
                   "target-lesion diameters; a change of 0% is drawn as a short bar across the zero line. "
                   "Dashed lines: +20% (progression threshold) and -30% (partial response threshold), RECIST 1.1."])
    return {}
