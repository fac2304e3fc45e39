"""Figure 14.2.3 Waterfall plot: best % change from baseline in the sum of target-lesion diameters,
coloured by best overall response (ADTR PARAMCD SDIAM, ADRS BOR; efficacy population)."""

import importlib.util
from pathlib import Path

import pandas as pd

from derivations.oncology import derive_param_recist_ovr
from derivations.tlf import plot_waterfall

_spec = importlib.util.spec_from_file_location("_tlf_common", Path(__file__).with_name("_common.py"))
C = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C)

#: responses without a colour of their own in the plot
RESPONSE_DISPLAY = {"MISSING": "NE"}


def adtr_sdiam(ctx) -> pd.DataFrame:
    """ADTR sum-of-diameters records (BDS: USUBJID, PARAMCD SDIAM, AVAL, BASE, CHG, PCHG, ABLFL, ADT,
    AVISIT, ANL01FL).

    FALLBACK until ADTR exists: the same per-visit sums derived from SDTM TU/TR with the RECIST
    derivation ADRS uses. When the lead adds ADTR, this function returns ctx.adam["ADTR"] unchanged
    (delete the fallback branch then).
    """
    if "ADTR" in ctx.adam:
        return ctx.adam["ADTR"]
    per_visit = derive_param_recist_ovr(ctx.sdtm["TU"], ctx.sdtm["TR"], evaluator_vars=("TREVAL",))
    per_visit = per_visit.loc[per_visit["TREVAL"] == "INVESTIGATOR"]
    return pd.DataFrame({
        "USUBJID": per_visit["USUBJID"], "PARAMCD": "SDIAM", "AVAL": per_visit["SUMDIAM"],
        "BASE": per_visit["BASE"], "CHG": per_visit["SUMDIAM"] - per_visit["BASE"], "PCHG": per_visit["PCHG"],
        "ABLFL": per_visit["ABLFL"].fillna(""), "ADT": per_visit["ADT"], "AVISIT": per_visit["VISIT"],
        "ANL01FL": per_visit["SUMDIAM"].notna().map({True: "Y", False: ""}),
    })


def best_change(adtr: pd.DataFrame) -> pd.DataFrame:
    """Per subject: the smallest post-baseline PCHG (the best change) of the analysed SDIAM records."""
    post = adtr.loc[(adtr["PARAMCD"] == "SDIAM") & (adtr["ABLFL"] != "Y") & (adtr["ANL01FL"] == "Y")]
    return post.groupby("USUBJID", as_index=False)["PCHG"].min()


def derive(ctx):
    adsl, adrs = ctx.adam["ADSL"], ctx.adam["ADRS"]
    subjects = adsl.loc[adsl.eval(C.EFFICACY), ["USUBJID"]]
    bor = adrs.loc[adrs["PARAMCD"] == "BOR", ["USUBJID", "AVALC"]].rename(columns={"AVALC": "BOR"})
    data = subjects.merge(best_change(adtr_sdiam(ctx)), on="USUBJID", how="left").merge(bor, on="USUBJID",
                                                                                          how="left")
    data["BOR"] = data["BOR"].fillna("MISSING").replace(RESPONSE_DISPLAY)
    fig = plot_waterfall(data, title="Best % Change in Sum of Target-Lesion Diameters (Efficacy Population)")
    C.publish_figure(ctx, fig, "f_waterfall", figure_id="Figure 14.2.3",
                     title="Waterfall plot of best percent change in target lesions, by best overall response")
    return {}
