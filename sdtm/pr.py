"""PR: prior resection of the oesophageal cancer (surgery page). Subjects without one have no record;
SUPPDM.PRIORRES holds the Y/N answer of the baseline page for every subject."""

import pandas as pd

from derivations.sdtm import derive_var_dtc, derive_var_dy, derive_var_obs_number

from ._epochs import derive_epoch

READS = ("DM",)
WRITES = ("PR",)
RAW = ("surg",)


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    raw = ctx.raw("surg", ["SUBJID", "SURGNO", "PROC", "SURGDAT"])
    # MT.USUBJID
    pr = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "PR", "USUBJID": studyid + "-" + raw["SUBJID"],
                       "PRSPID": raw["SURGNO"], "PRTRT": raw["PROC"].str.upper(),
                       "PRDECOD": "OESOPHAGECTOMY", "PRCAT": "PRIOR CANCER SURGERY",
                       "PRINDC": "ESOPHAGEAL SQUAMOUS CELL CARCINOMA"})
    # PRSTDTC; MT.EPOCH, MT.DY, MT.SEQ
    pr = derive_var_dtc(pr.assign(_D=raw["SURGDAT"]), new_var="PRSTDTC", date="_D", dataset_name="PR",
                        findings=ctx.findings).drop(columns="_D")
    pr = derive_epoch(pr, dm=ctx.sdtm["DM"], dtc="PRSTDTC", findings=ctx.findings, dataset_name="PR")
    pr = derive_var_dy(pr, dataset_add=ctx.sdtm["DM"], new_var="PRSTDY", dtc="PRSTDTC")
    pr = derive_var_obs_number(pr, new_var="PRSEQ", by_vars=["USUBJID"], order=["PRSTDTC", "PRSPID"])
    return {"PR": pr}
