"""RS: investigator response per visit (RECIST 1.1): OVRLRESP, TRGRESP, NTRGRESP.

RSORRES is the response as collected; RSSTRESC the controlled term.
RSLNKGRP on the overall response links to TR.TRLNKGRP of the same visit.
"""

import pandas as pd

from derivations.sdtm import derive_var_ct, derive_var_dtc, derive_var_dy, derive_var_obs_number

from ._epochs import derive_epoch
from ._visits import linkgrp, visitnum

READS = ("DM",)
WRITES = ("RS",)
RAW = ("rs",)

TESTS = {"OVRLRESP": "Overall Response", "TRGRESP": "Target Response", "NTRGRESP": "Non-target Response"}
RESP = {"COMPLETE RESPONSE": "CR", "PARTIAL RESPONSE": "PR", "STABLE DISEASE": "SD",
        "PROGRESSIVE DISEASE": "PD", "NOT EVALUABLE": "NE"}


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    raw = ctx.raw("rs", ["SUBJID", "VISIT", "ASMDAT", "TRGRESP", "NTRGRESP", "OVRLRESP"])
    long = raw.melt(id_vars=["SUBJID", "VISIT", "ASMDAT"], value_vars=list(TESTS),
                    var_name="RSTESTCD", value_name="RSORRES")
    long = long[long["RSORRES"] != ""].reset_index(drop=True)  # no non-target lesions: no NTRGRESP
    # MT.USUBJID
    rs = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "RS", "USUBJID": studyid + "-" + long["SUBJID"],
                       "RSTESTCD": long["RSTESTCD"], "RSTEST": long["RSTESTCD"].map(TESTS),
                       "RSCAT": "RECIST 1.1", "RSORRES": long["RSORRES"]})
    # MT.CT: the investigator responses in RECIST terms
    rs = derive_var_ct(rs, source="RSORRES", new_var="RSSTRESC", codelist=cl["RSRESP"], synonyms=RESP,
                       dataset_name="RS", findings=ctx.findings)
    # MT.VISITNUM: the tumour-assessment schedule (TV); MT.LNKGRP: only the overall response links to TR
    rs["RSEVAL"] = "INVESTIGATOR"
    rs["VISITNUM"] = visitnum(long["VISIT"], dataset="RS", usubjid=rs["USUBJID"])
    rs["VISIT"] = long["VISIT"].str.upper()
    rs["RSLNKGRP"] = linkgrp(rs["VISITNUM"]).where(rs["RSTESTCD"] == "OVRLRESP", "")
    rs = derive_var_dtc(rs.assign(_D=long["ASMDAT"]), new_var="RSDTC", date="_D", dataset_name="RS",
                        findings=ctx.findings).drop(columns="_D")
    # MT.DY, MT.EPOCH, MT.SEQ
    dm = ctx.sdtm["DM"]
    rs = derive_var_dy(rs, dataset_add=dm, new_var="RSDY", dtc="RSDTC")
    rs = derive_epoch(rs, dm=dm, dtc="RSDTC", findings=ctx.findings, dataset_name="RS")
    rs = derive_var_obs_number(rs, new_var="RSSEQ", by_vars=["USUBJID"], order=["VISITNUM", "RSTESTCD"])
    return {"RS": rs}
