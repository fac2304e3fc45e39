"""DS: informed consent (protocol milestone), end of treatment and death (disposition events)."""

import pandas as pd

from derivations.sdtm import compute_dtc, derive_var_ct, derive_var_dy, derive_var_epoch, derive_var_seq

READS = ("DM",)
WRITES = ("DS",)
RAW = ("dm", "eot", "surv")

EOT_REASON = {"PROGRESSIVE DISEASE": "PROGRESSIVE DISEASE", "DISEASE PROGRESSION": "PROGRESSIVE DISEASE",
              "PD": "PROGRESSIVE DISEASE"}


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    dm_raw = ctx.raw("dm", ["SUBJID", "ICDAT"])
    eot = ctx.raw("eot", ["SUBJID", "EOTDAT", "EOTREAS"])
    surv = ctx.raw("surv", ["SUBJID", "STATUS", "DTHDAT", "DTHCAUS"])
    dead = surv[surv["DTHDAT"] != ""]
    eot_dec = derive_var_ct(eot, source="EOTREAS", new_var="DSDECOD", codelist=cl["NCOMPLT"],
                            synonyms=EOT_REASON, dataset_name="DS", findings=ctx.findings)["DSDECOD"]
    parts = [
        pd.DataFrame({"SUBJID": dm_raw["SUBJID"], "DSTERM": "INFORMED CONSENT OBTAINED",
                      "DSDECOD": "INFORMED CONSENT OBTAINED", "DSCAT": "PROTOCOL MILESTONE", "DSSCAT": "",
                      "_D": dm_raw["ICDAT"]}),
        pd.DataFrame({"SUBJID": eot["SUBJID"], "DSTERM": eot["EOTREAS"], "DSDECOD": eot_dec,
                      "DSCAT": "DISPOSITION EVENT", "DSSCAT": "END OF TREATMENT", "_D": eot["EOTDAT"]}),
        pd.DataFrame({"SUBJID": dead["SUBJID"], "DSTERM": "DEATH DUE TO " + dead["DTHCAUS"].str.upper(),
                      "DSDECOD": "DEATH", "DSCAT": "DISPOSITION EVENT", "DSSCAT": "END OF STUDY",
                      "_D": dead["DTHDAT"]}),
    ]
    raw = pd.concat(parts, ignore_index=True)
    ds = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "DS", "USUBJID": studyid + "-" + raw["SUBJID"]})
    ds[["DSTERM", "DSDECOD", "DSCAT", "DSSCAT"]] = raw[["DSTERM", "DSDECOD", "DSCAT", "DSSCAT"]]
    ds["DSSTDTC"] = compute_dtc(raw["_D"], dataset="DS", variable="DSSTDTC", usubjid=ds["USUBJID"],
                                findings=ctx.findings)
    dm = ctx.sdtm["DM"]
    ds = derive_var_dy(ds, dataset_add=dm, new_var="DSSTDY", dtc="DSSTDTC")
    ds = derive_var_epoch(ds, dataset_add=dm, dtc="DSSTDTC", findings=ctx.findings, dataset_name="DS")
    ds = derive_var_seq(ds, new_var="DSSEQ", by_vars=["USUBJID"], order=["DSSTDTC", "DSCAT"])
    return {"DS": ds}
