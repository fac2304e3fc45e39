"""ADTR: tumour results, sum of target-lesion diameters per assessment (RECIST 1.1).

One record per subject and assessment, PARAMCD SDIAM. AVAL, BASE, CHG and PCHG come from the
framework's RECIST 1.1 derivation of the TU/TR lesion data (the same rule object as ADRS OVRDER),
so the waterfall plot and the derived responses rest on one computation of the sums.
ANL01FL: post-baseline sums with every target lesion measured, on or after first dose and before
new anti-cancer therapy. ANL02FL: the best (lowest) PCHG among them (waterfall plot).
"""

from derivations.adam import (derive_var_decode, derive_var_extreme_flag, derive_var_obs_number, derive_vars_cat,
                              derive_vars_dy, derive_vars_merged)
from derivations.oncology import RecistRule, derive_param_recist_ovr

READS = ("ADSL", "TU", "TR")
WRITES = ("ADTR",)

KEYS = ["STUDYID", "USUBJID"]
ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "TRTSDT", "SAFFL", "EFFFL"]
RULE = RecistRule()
#: MT.ADTR.ANL01FL: a post-baseline sum, on or after the first dose, before new anti-cancer therapy
ANL01FL = [("condition", "ANL01FL"),
           ("ABLFL != 'Y' and AVAL.notna() and ADT >= TRTSDT and (NACTDT.isna() or ADT < NACTDT)", "Y"),
           ("True", "")]


def derive(ctx):
    sdtm, adsl = ctx.sdtm, ctx.adam["ADSL"]
    spec = ctx.spec("adam")

    # MT.ADTR.AVAL, MT.ADRS.ADT, MT.ADTR.BASE: sums of diameters per assessment from TU/TR (investigator
    # measurements), the assessment date, the baseline sum (ABLFL = Y at BASELINE); the lesion
    # findings of this call are ADRS's (the same call on the same data), so they are not reported twice
    sums = derive_param_recist_ovr(sdtm["TR"], dataset_add=sdtm["TU"], rule=RULE, evaluator_vars=("TREVAL",))
    adtr = sums[KEYS + ["VISIT", "VISITNUM", "ADT", "ABLFL", "SUMDIAM", "BASE", "PCHG"]].rename(
        columns={"SUMDIAM": "AVAL"})
    # MT.ADTR.PARAM, MT.AVISIT
    adtr = adtr.assign(PARAMCD="SDIAM", AVISIT=adtr["VISIT"], AVISITN=adtr["VISITNUM"])
    adtr = derive_var_decode(adtr, source_var="PARAMCD", new_var="PARAM", spec=spec, dataset_name="ADTR")
    # MT.ADTR.CHG: change from baseline (PCHG as derived with the sums)
    adtr["CHG"] = adtr["AVAL"] - adtr["BASE"]
    adtr.loc[adtr["ABLFL"] == "Y", ["CHG", "PCHG"]] = float("nan")

    # ADSL variables, MT.ADY
    adtr = derive_vars_merged(adtr, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS + ["NACTDT"])
    adtr = derive_vars_dy(adtr, reference_date="TRTSDT", source_vars=["ADT"])

    # MT.ADTR.ANL01FL / MT.ADTR.ANL02FL
    adtr = derive_vars_cat(adtr, definition=ANL01FL)
    adtr = derive_var_extreme_flag(adtr, by_vars=KEYS, order=["PCHG", "ADT"], new_var="ANL02FL", mode="first",
                                   filter="ANL01FL == 'Y'")
    adtr = adtr.drop(columns="NACTDT")
    # MT.ASEQ
    adtr = derive_var_obs_number(adtr, new_var="ASEQ", by_vars=KEYS, order=["ADT", "AVISITN"])

    return {"ADTR": adtr}
