"""AE + SUPPAE: adverse events (CTCAE v5 grade, MedDRA-coded on the CRF page).

The coder's MedDRA hierarchy comes with the page: LLT, PT, HLT, HLGT and primary SOC
with their codes; the body system (AEBODSYS/AEBDSYCD) is the primary SOC.

AEREL is RELATED when the event is related to either drug; the relationship
and the action taken for each drug are kept in SUPPAE (AERELANL/AERELPD1,
AEACNANL/AEACNPD1). AEACN is MULTIPLE when the two actions differ.
"""

import numpy as np
import pandas as pd

from derivations.sdtm import (
    QualifierSpec,
    compute_ascii,
    derive_dataset_supp,
    derive_var_ct,
    derive_var_dtc,
    derive_var_dy,
    derive_var_obs_number,
)

from ._epochs import derive_epoch

READS = ("DM",)
WRITES = ("AE", "SUPPAE")
RAW = ("ae",)

REL = {"RELATED": "RELATED", "POSSIBLY RELATED": "RELATED", "PROBABLY RELATED": "RELATED",
       "NOT RELATED": "NOT RELATED", "UNLIKELY RELATED": "NOT RELATED"}
OUT = {"RECOVERED": "RECOVERED/RESOLVED", "RESOLVED": "RECOVERED/RESOLVED",
       "NOT RECOVERED": "NOT RECOVERED/NOT RESOLVED", "NOT RESOLVED": "NOT RECOVERED/NOT RESOLVED",
       "ONGOING": "NOT RECOVERED/NOT RESOLVED"}
ACN = {"DOSE REDUCED": "DOSE REDUCED", "DRUG INTERRUPTED": "DRUG INTERRUPTED"}
YN = {"YES": "Y", "NO": "N"}
#: The coder's MedDRA hierarchy on the page (primary SOC path), copied as coded.
MEDDRA_TEXT = ("AELLT", "AEHLT", "AEHLGT")
MEDDRA_CODES = ("AELLTCD", "AEPTCD", "AEHLTCD", "AEHLGTCD", "AESOCCD")


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    raw = ctx.raw("ae", ["SUBJID", "AESPID", "AETERM", "AEDECOD", "AESOC", *MEDDRA_TEXT, *MEDDRA_CODES,
                         "AETOXGR", "AESER", "AERELANL", "AERELPD1", "AEACNANL", "AEACNPD1", "AESTDAT", "AEENDAT",
                         "AEOUT"])
    # MT.USUBJID: STUDYID-SUBJID
    ae = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "AE", "USUBJID": studyid + "-" + raw["SUBJID"],
                       "AESPID": raw["AESPID"]})
    # MT.ASCII: the verbatim term in ASCII (each change a finding)
    ae["AETERM"] = compute_ascii(raw["AETERM"], dataset="AE", variable="AETERM",
                                 usubjid=ae["USUBJID"], findings=ctx.findings)
    ae["AEDECOD"] = raw["AEDECOD"]
    ae["AEBODSYS"] = raw["AESOC"]
    ae["AESOC"] = raw["AESOC"]
    for var in MEDDRA_TEXT:
        ae[var] = raw[var]
    for var in MEDDRA_CODES:
        ae[var] = pd.to_numeric(raw[var])
    ae["AEBDSYCD"] = ae["AESOCCD"]
    ae["AETOXGR"] = raw["AETOXGR"]
    # MT.CT: CRF text to the codelists, with the study synonyms
    src = raw[["AESER", "AERELANL", "AERELPD1", "AEACNANL", "AEACNPD1", "AEOUT"]].add_prefix("_")
    ae = pd.concat([ae, src], axis=1)
    for new, source, codelist, syn in (
        ("AESER", "_AESER", "NY", YN),
        ("AERELANL", "_AERELANL", "REL", REL),
        ("AERELPD1", "_AERELPD1", "REL", REL),
        ("AEACNANL", "_AEACNANL", "ACN", ACN),
        ("AEACNPD1", "_AEACNPD1", "ACN", ACN),
        ("AEOUT", "_AEOUT", "OUT", OUT),
    ):
        ae = derive_var_ct(ae, source=source, new_var=new, codelist=cl[codelist], synonyms=syn,
                           dataset_name="AE", findings=ctx.findings)
    ae = ae.drop(columns=list(src.columns))
    # MT.AEREL / MT.AEACN: overall causality and action over the two drugs (per drug in SUPPAE)
    related = ae["AERELANL"].eq("RELATED") | ae["AERELPD1"].eq("RELATED")
    ae["AEREL"] = np.where(related, "RELATED", "NOT RELATED")
    ae["AEACN"] = ae["AEACNANL"].where(ae["AEACNANL"] == ae["AEACNPD1"], "MULTIPLE")
    ae = ae.assign(_ST=raw["AESTDAT"], _EN=raw["AEENDAT"])
    ae = derive_var_dtc(ae, new_var="AESTDTC", date="_ST", dataset_name="AE", findings=ctx.findings)
    ae = derive_var_dtc(ae, new_var="AEENDTC", date="_EN", dataset_name="AE", findings=ctx.findings)
    ae = ae.drop(columns=["_ST", "_EN"])
    # MT.ENRTPT: no end date = ongoing at the data cut-off
    ongoing = ae["AEENDTC"].eq("")
    ae["AEENRTPT"] = np.where(ongoing, "ONGOING", "")
    ae["AEENTPT"] = np.where(ongoing, "DATA CUT-OFF", "")
    # MT.DY, MT.EPOCH, MT.SEQ
    dm = ctx.sdtm["DM"]
    ae = derive_var_dy(ae, dataset_add=dm, new_var="AESTDY", dtc="AESTDTC")
    ae = derive_var_dy(ae, dataset_add=dm, new_var="AEENDY", dtc="AEENDTC")
    ae = derive_epoch(ae, dm=dm, dtc="AESTDTC", findings=ctx.findings, dataset_name="AE")
    ae = derive_var_obs_number(ae, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC", "AEDECOD", "AESPID"])

    supp = derive_dataset_supp(
        ae, domain="AE", idvar="AESEQ",
        qnams={
            "AERELANL": QualifierSpec("Relationship to Anlotinib", "CRF", "INVESTIGATOR"),
            "AERELPD1": QualifierSpec("Relationship to PD-1 Inhibitor", "CRF", "INVESTIGATOR"),
            "AEACNANL": QualifierSpec("Action Taken with Anlotinib", "CRF", ""),
            "AEACNPD1": QualifierSpec("Action Taken with PD-1 Inhibitor", "CRF", ""),
        },
    )
    ae = ae.drop(columns=["AERELANL", "AERELPD1", "AEACNANL", "AEACNPD1"])
    return {"AE": ae, "SUPPAE": supp}
