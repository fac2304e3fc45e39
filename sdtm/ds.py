"""DS: every subject's disposition at the data cut-off.

* informed consent (DSCAT PROTOCOL MILESTONE);
* end of study treatment with its reason (DISPOSITION EVENT, DSSCAT STUDY TREATMENT), for
  subjects who stopped;
* death (DISPOSITION EVENT, DSSCAT STUDY PARTICIPATION);
* ONGOING for subjects alive at the data cut-off (DSCAT OTHER EVENT), dated with their last
  contact before the cut-off (the survival page's last-known-alive date: the status is known
  as of then), so that no AE of a living subject starts after their last DS record (FDA FB3401).
"""

import pandas as pd

from derivations.findings import DerivationError
from derivations.sdtm import compute_dtc, derive_var_ct, derive_var_dy, derive_var_obs_number

from ._epochs import derive_epoch

READS = ("DM",)
WRITES = ("DS",)
RAW = ("dm", "eot", "surv")

ON_STUDY = "ALIVE AT LAST CONTACT BEFORE DATA CUT-OFF"  # DSTERM of the ONGOING record
EOT_REASON = {"PROGRESSIVE DISEASE": "PROGRESSIVE DISEASE", "DISEASE PROGRESSION": "PROGRESSIVE DISEASE",
              "PD": "PROGRESSIVE DISEASE"}


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    dm_raw = ctx.raw("dm", ["SUBJID", "ICDAT"])
    eot = ctx.raw("eot", ["SUBJID", "EOTDAT", "EOTREAS"])
    surv = ctx.raw("surv", ["SUBJID", "STATUS", "DTHDAT", "DTHCAUS", "LSTALVDAT"])
    dead = surv["DTHDAT"] != ""
    said_dead = surv["STATUS"].str.strip().str.upper().eq("DEAD")
    if (said_dead != dead).any():
        row = surv[said_dead != dead].iloc[0]
        raise DerivationError("survival status and death date disagree", dataset="DS", variable="DSDECOD",
                              usubjid=f"{studyid}-{row['SUBJID']}", value=f"{row['STATUS']} / {row['DTHDAT']!r}",
                              hint="raw/surv.csv: STATUS Dead needs DTHDAT, STATUS Alive none")
    # MT.CT: reason for ending treatment
    eot_dec = derive_var_ct(eot, source="EOTREAS", new_var="DSDECOD", codelist=cl["NCOMPLT"],
                            synonyms=EOT_REASON, dataset_name="DS", findings=ctx.findings)["DSDECOD"]
    died, alive = surv[dead], surv[~dead]
    parts = [
        pd.DataFrame({"SUBJID": dm_raw["SUBJID"], "DSTERM": "INFORMED CONSENT OBTAINED",
                      "DSDECOD": "INFORMED CONSENT OBTAINED", "DSCAT": "PROTOCOL MILESTONE", "DSSCAT": "",
                      "_D": dm_raw["ICDAT"]}),
        pd.DataFrame({"SUBJID": eot["SUBJID"], "DSTERM": eot["EOTREAS"], "DSDECOD": eot_dec,
                      "DSCAT": "DISPOSITION EVENT", "DSSCAT": "STUDY TREATMENT", "_D": eot["EOTDAT"]}),
        pd.DataFrame({"SUBJID": died["SUBJID"], "DSTERM": "DEATH DUE TO " + died["DTHCAUS"].str.upper(),
                      "DSDECOD": "DEATH", "DSCAT": "DISPOSITION EVENT", "DSSCAT": "STUDY PARTICIPATION",
                      "_D": died["DTHDAT"]}),
        pd.DataFrame({"SUBJID": alive["SUBJID"], "DSTERM": ON_STUDY, "DSDECOD": "ONGOING", "DSCAT": "OTHER EVENT",
                      "DSSCAT": "", "_D": alive["LSTALVDAT"]}),
    ]
    raw = pd.concat(parts, ignore_index=True)
    # MT.USUBJID
    ds = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "DS", "USUBJID": studyid + "-" + raw["SUBJID"]})
    ds[["DSTERM", "DSDECOD", "DSCAT", "DSSCAT"]] = raw[["DSTERM", "DSDECOD", "DSCAT", "DSSCAT"]]
    # MT.DSSTDTC: the dates as collected; ONGOING: the last date known alive
    ds["DSSTDTC"] = compute_dtc(raw["_D"], dataset="DS", variable="DSSTDTC", usubjid=ds["USUBJID"],
                                findings=ctx.findings)
    # MT.DY, MT.EPOCH, MT.SEQ
    dm = ctx.sdtm["DM"]
    ds = derive_var_dy(ds, dataset_add=dm, new_var="DSSTDY", dtc="DSSTDTC")
    ds = derive_epoch(ds, dm=dm, dtc="DSSTDTC", findings=ctx.findings, dataset_name="DS")
    ds = derive_var_obs_number(ds, new_var="DSSEQ", by_vars=["USUBJID"], order=["DSSTDTC", "DSCAT"])
    return {"DS": ds}
