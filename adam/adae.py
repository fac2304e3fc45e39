"""ADAE: adverse events, one record per AE (AE + SUPPAE + ADSL); spec methods MT.xxx named per block.

Settings: [adam] trtem_end_window (TRTEMFL), [study] cutoff_date via ADSL.DCUTDT.
"""

import numpy as np
import pandas as pd

from derivations.adam import (
    ImputationRule,
    derive_var_extreme_flag,
    derive_var_trtemfl,
    derive_vars_cat,
    derive_vars_dt,
    derive_vars_duration,
    derive_vars_dy,
    derive_vars_merged,
)
from derivations.core import assert_subjects_in
from derivations.sdtm import derive_vars_supp_back

READS = ("ADSL", "AE", "SUPPAE")
WRITES = ("ADAE",)

KEYS = ["STUDYID", "USUBJID"]
ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "TRTSDT", "TRTEDT", "SAFFL", "DTHDT", "DCUTDT"]
#: MT.ASTDT: admiral's usual AE start rule (day/month missing -> first, not before first dose)
ASTDT_RULE = ImputationRule(highest="M", date="first", min_dates=("TRTSDT",))
#: MT.AENDT: day/month missing -> last, not after death or the data cut-off
AENDT_RULE = ImputationRule(highest="M", date="last", max_dates=("DTHDT", "DCUTDT"))
#: MT.ADURN: the unit where there is a duration
ADURU = [("condition", "ADURU"),
         ("ADURN.notna()", "DAYS"),
         ("True", "")]
#: MT.AREL: related to either drug
RELATED = "RELATED"
AREL = [("condition", "AREL"),
        (f"AEREL == '{RELATED}' or AERELANL == '{RELATED}' or AERELPD1 == '{RELATED}'", RELATED),
        ("True", "NOT RELATED")]
TEAE = "TRTEMFL == 'Y'"
#: AE / SUPPAE / ADSL variables the derivations use or carry that ADAE does not keep
NOT_KEPT = ["DOMAIN", "EPOCH", "AESTDY", "AEENDY", "AEENRTPT", "AEENTPT", "AEACNANL", "AEACNPD1", "DTHDT", "DCUTDT"]


def derive(ctx):
    adsl = ctx.adam["ADSL"]
    ae = ctx.sdtm["AE"]
    assert_subjects_in(ae, dataset_ref=adsl, dataset_name="AE", ref_name="DM/ADSL")
    adae = derive_vars_supp_back(ae, dataset_add=ctx.sdtm["SUPPAE"])
    adae = derive_vars_merged(adae, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)

    # MT.ASTDT / MT.AENDT
    adae = derive_vars_dt(adae, dtc="AESTDTC", new_vars_prefix="AST", rule=ASTDT_RULE, findings=ctx.findings)
    adae = derive_vars_dt(adae, dtc="AEENDTC", new_vars_prefix="AEN", rule=AENDT_RULE, findings=ctx.findings)
    bad = adae[adae["AENDT"] < adae["ASTDT"]]
    for usubjid, seq, st, en in zip(bad["USUBJID"], bad["AESEQ"], bad["AESTDTC"], bad["AEENDTC"]):  # report only
        ctx.findings.add("warning", "ae_end_before_start", f"AE end before start (AESEQ {seq}); record kept",
                         dataset="ADAE", variable="AENDT", usubjid=usubjid, value=f"{st} > {en}")
    # MT.ASTDY
    adae = derive_vars_dy(adae, reference_date="TRTSDT", source_vars=["ASTDT", "AENDT"])
    # MT.ADURN
    adae = derive_vars_duration(adae, new_var="ADURN", start_date="ASTDT", end_date="AENDT")
    adae = derive_vars_cat(adae, definition=ADURU)

    # MT.TRTEMFL
    adae = derive_var_trtemfl(adae, end_window=int(ctx.settings["adam"]["trtem_end_window"]))
    # MT.ATOXGR
    adae["ATOXGR"] = adae["AETOXGR"]
    adae["ATOXGRN"] = pd.to_numeric(adae["ATOXGR"].mask(adae["ATOXGR"] == ""))
    # MT.AREL
    adae = derive_vars_cat(adae, definition=AREL)

    # MT.AOCCFL, MT.AOCCPFL, MT.AOCCIFL, MT.AOCCPIFL (treatment-emergent AEs)
    first, worst = ["ASTDT", "AESEQ"], ["-ATOXGRN", "ASTDT", "AESEQ"]
    for new_var, by, order in (("AOCCFL", KEYS, first), ("AOCCPFL", KEYS + ["AEDECOD"], first),
                               ("AOCCIFL", KEYS, worst), ("AOCCPIFL", KEYS + ["AEDECOD"], worst)):
        adae = derive_var_extreme_flag(adae, by_vars=by, order=order, new_var=new_var, mode="first", filter=TEAE)

    return {"ADAE": adae.drop(columns=NOT_KEPT, errors="ignore")}
