"""CO: free-text comments; text over 200 characters is split into COVAL, COVAL1, ... (SDTMIG 4.5.3)."""

import numpy as np
import pandas as pd

from derivations.sdtm import compute_ascii, derive_var_dtc, derive_var_dy, derive_var_obs_number, derive_vars_split_text

READS = ("DM",)
WRITES = ("CO",)
RAW = ("co",)


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    raw = ctx.raw("co", ["SUBJID", "COPAGE", "CODAT", "COMMENT"])
    # MT.USUBJID
    co = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "CO", "USUBJID": studyid + "-" + raw["SUBJID"]})
    co["RDOMAIN"] = np.where(raw["COPAGE"].str.upper() == "AE", "AE", "")
    # MT.COVAL: the comment in ASCII, cut into 200-character pieces at word boundaries
    co["_TEXT"] = compute_ascii(raw["COMMENT"], dataset="CO", variable="COVAL", usubjid=co["USUBJID"],
                                findings=ctx.findings)
    co = derive_vars_split_text(co, source="_TEXT", new_var="COVAL", width=200).drop(columns="_TEXT")
    co["COEVAL"] = "INVESTIGATOR"
    # CODTC; MT.DY, MT.SEQ
    co = derive_var_dtc(co.assign(_D=raw["CODAT"]), new_var="CODTC", date="_D", dataset_name="CO",
                        findings=ctx.findings).drop(columns="_D")
    co = derive_var_dy(co, dataset_add=ctx.sdtm["DM"], new_var="CODY", dtc="CODTC")
    co = derive_var_obs_number(co, new_var="COSEQ", by_vars=["USUBJID"], order=["CODTC"])
    return {"CO": co}
