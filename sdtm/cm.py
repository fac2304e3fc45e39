"""CM + SUPPCM: prior anti-cancer therapy (incl. the prior PD-1 inhibitor) and subsequent
anti-cancer therapy after the end of study treatment.

CMCAT: PRIOR ANTI-CANCER THERAPY | SUBSEQUENT ANTI-CANCER THERAPY;
CMSCAT: PD-1 INHIBITOR | CHEMOTHERAPY (prior only). Therapy setting and best
response to the prior regimen go to SUPPCM (CMSETTNG, CMBESTRS).
"""

import numpy as np
import pandas as pd

from derivations.sdtm import QualifierSpec, derive_dataset_supp, derive_var_dtc, derive_var_dy, derive_var_obs_number

from ._epochs import derive_epoch

READS = ("DM",)
WRITES = ("CM", "SUPPCM")
RAW = ("pt", "sat")


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    prior = ctx.raw("pt", ["SUBJID", "REGNO", "THERAPY", "CLASS", "SETTING", "STDAT", "ENDAT", "BESTRESP"])
    sub = ctx.raw("sat", ["SUBJID", "THERAPY", "STDAT", "ENDAT"])
    raw = pd.concat([
        prior.assign(CMCAT="PRIOR ANTI-CANCER THERAPY", CMSCAT=prior["CLASS"].str.upper(),
                     CMSPID="P" + prior["REGNO"]),
        sub.assign(CMCAT="SUBSEQUENT ANTI-CANCER THERAPY", CMSCAT="", SETTING="", BESTRESP="",
                   CMSPID="S" + (sub.groupby("SUBJID").cumcount() + 1).astype(str)),
    ], ignore_index=True)
    # MT.USUBJID
    cm = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "CM", "USUBJID": studyid + "-" + raw["SUBJID"],
                       "CMSPID": raw["CMSPID"], "CMTRT": raw["THERAPY"].str.upper(),
                       "CMCAT": raw["CMCAT"], "CMSCAT": raw["CMSCAT"],
                       "CMINDC": "ESOPHAGEAL SQUAMOUS CELL CARCINOMA"})
    cm = cm.assign(_S=raw["STDAT"], _E=raw["ENDAT"])
    cm = derive_var_dtc(cm, new_var="CMSTDTC", date="_S", dataset_name="CM", findings=ctx.findings)
    cm = derive_var_dtc(cm, new_var="CMENDTC", date="_E", dataset_name="CM", findings=ctx.findings)
    cm = cm.drop(columns=["_S", "_E"])
    # MT.ENRTPT: a subsequent therapy without end date is ongoing at the data cut-off
    ongoing = cm["CMENDTC"].eq("") & cm["CMCAT"].str.startswith("SUBSEQUENT")
    cm["CMENRTPT"] = np.where(ongoing, "ONGOING", "")
    cm["CMENTPT"] = np.where(ongoing, "DATA CUT-OFF", "")
    # MT.EPOCH, MT.DY, MT.SEQ
    dm = ctx.sdtm["DM"]
    cm = derive_epoch(cm, dm=dm, dtc="CMSTDTC", findings=ctx.findings, dataset_name="CM")
    cm = derive_var_dy(cm, dataset_add=dm, new_var="CMSTDY", dtc="CMSTDTC")
    cm = derive_var_dy(cm, dataset_add=dm, new_var="CMENDY", dtc="CMENDTC")
    cm = derive_var_obs_number(cm, new_var="CMSEQ", by_vars=["USUBJID"], order=["CMCAT", "CMSPID"])
    cm["CMSETTNG"] = raw["SETTING"].str.upper()
    cm["CMBESTRS"] = raw["BESTRESP"].str.upper()
    supp = derive_dataset_supp(cm, domain="CM", idvar="CMSEQ", qnams={
        "CMSETTNG": QualifierSpec("Setting of Prior Therapy", "CRF", ""),
        "CMBESTRS": QualifierSpec("Best Response to Prior Therapy", "CRF", ""),
    })
    return {"CM": cm.drop(columns=["CMSETTNG", "CMBESTRS"]), "SUPPCM": supp}
