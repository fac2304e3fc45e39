"""TR: tumour results per visit (RECIST 1.1, investigator).

Target lesions: LDIAM (longest diameter) for non-nodal lesions, SAXIS (short
axis) for lymph nodes, and one SUMDIAM record per visit (sum of the target
lesion measurements, derived). Non-target and new lesions: TUMSTATE
(PRESENT / ABSENT / UNEQUIVOCAL). TRLNKID links to TU.TULNKID; TRLNKGRP
(``A<VISITNUM>``) links a visit's records to RS.RSLNKGRP. TRLOBXFL marks each
lesion's (and the sum's) last measurement before the first dose.
"""

import pandas as pd

from derivations.sdtm import compute_numeric, derive_var_dtc, derive_var_dy, derive_var_lobxfl, derive_var_obs_number

from ._epochs import derive_epoch
from ._visits import linkgrp, visitnum

READS = ("DM",)
WRITES = ("TR",)
RAW = ("tl", "ntl", "nl")

TESTS = {"LDIAM": "Longest Diameter", "SAXIS": "Short Axis", "SUMDIAM": "Sum of Diameter",
         "TUMSTATE": "Tumor State"}
STATE = {"PRESENT": "PRESENT", "ABSENT": "ABSENT", "UNEQUIVOCAL PROGRESSION": "UNEQUIVOCAL"}


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    tl = ctx.raw("tl", ["SUBJID", "VISIT", "ASMDAT", "LESID", "NODAL", "DIAM"])
    ntl = ctx.raw("ntl", ["SUBJID", "VISIT", "ASMDAT", "LESID", "STATUS"])
    nl = ctx.raw("nl", ["SUBJID", "VISIT", "ASMDAT", "LESID"])

    # target lesions (LDIAM; SAXIS for lymph nodes) and MT.SUMDIAM, their sum per assessment
    target = pd.DataFrame({
        "SUBJID": tl["SUBJID"], "VISIT": tl["VISIT"], "ASMDAT": tl["ASMDAT"], "TRLNKID": tl["LESID"],
        "TRGRPID": "TARGET", "TRTESTCD": tl["NODAL"].str.upper().map({"Y": "SAXIS", "N": "LDIAM"}),
        "TRORRES": tl["DIAM"], "TRORRESU": "mm"})
    diam = compute_numeric(tl["DIAM"], source="tl.csv", dataset="TR", variable="TRORRES",
                           usubjid=studyid + "-" + tl["SUBJID"])
    sums = (tl.assign(_D=diam).groupby(["SUBJID", "VISIT", "ASMDAT"], sort=False)["_D"].sum()
            .reset_index().rename(columns={"_D": "TRORRES"}))
    sums = sums.assign(TRLNKID="", TRGRPID="TARGET", TRTESTCD="SUMDIAM", TRORRESU="mm",
                       TRORRES=sums["TRORRES"].astype(int).astype(str))
    nontarget = pd.DataFrame({
        "SUBJID": ntl["SUBJID"], "VISIT": ntl["VISIT"], "ASMDAT": ntl["ASMDAT"], "TRLNKID": ntl["LESID"],
        "TRGRPID": "NON-TARGET", "TRTESTCD": "TUMSTATE", "TRORRES": ntl["STATUS"], "TRORRESU": ""})
    new = pd.DataFrame({
        "SUBJID": nl["SUBJID"], "VISIT": nl["VISIT"], "ASMDAT": nl["ASMDAT"], "TRLNKID": nl["LESID"],
        "TRGRPID": "NEW", "TRTESTCD": "TUMSTATE", "TRORRES": "Present", "TRORRESU": ""})
    raw = pd.concat([target, sums, nontarget, new], ignore_index=True)

    # MT.USUBJID
    tr = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "TR", "USUBJID": studyid + "-" + raw["SUBJID"]})
    tr["TRGRPID"] = raw["TRGRPID"]
    tr["TRLNKID"] = raw["TRLNKID"]
    tr["TRTESTCD"] = raw["TRTESTCD"]
    tr["TRTEST"] = raw["TRTESTCD"].map(TESTS)
    tr["TRORRES"] = raw["TRORRES"]
    tr["TRORRESU"] = raw["TRORRESU"]
    # MT.STRES: measurements as numbers in mm; tumour state in its terms (an unknown state kept, reported)
    state = raw["TRORRES"].str.upper().map(STATE)
    unmapped = raw["TRTESTCD"].eq("TUMSTATE") & state.isna()
    for i in unmapped[unmapped].index:  # handled: kept as collected, reported
        ctx.findings.add("warning", "ct_unmapped", "tumour state not in TRSTRESC terms",
                         dataset="TR", variable="TRSTRESC", usubjid=tr.at[i, "USUBJID"],
                         value=raw.at[i, "TRORRES"])
    numeric = raw["TRTESTCD"].ne("TUMSTATE")
    tr["TRSTRESC"] = raw["TRORRES"].where(numeric, state.fillna(raw["TRORRES"].str.upper()))
    tr["TRSTRESN"] = pd.to_numeric(raw["TRORRES"].where(numeric), errors="coerce")
    tr["TRSTRESU"] = raw["TRORRESU"]
    # method and evaluator of every scan; MT.VISITNUM: the tumour-assessment schedule (TV); MT.LNKGRP
    tr["TRMETHOD"] = "CT SCAN"
    tr["TREVAL"] = "INVESTIGATOR"
    tr["VISITNUM"] = visitnum(raw["VISIT"], dataset="TR", usubjid=tr["USUBJID"])
    tr["VISIT"] = raw["VISIT"].str.upper()
    tr["TRLNKGRP"] = linkgrp(tr["VISITNUM"])
    tr = derive_var_dtc(tr.assign(_D=raw["ASMDAT"]), new_var="TRDTC", date="_D", dataset_name="TR",
                        findings=ctx.findings).drop(columns="_D")
    # MT.DY, MT.LOBXFL, MT.EPOCH, MT.SEQ
    dm = ctx.sdtm["DM"]
    tr = derive_var_dy(tr, dataset_add=dm, new_var="TRDY", dtc="TRDTC")
    tr = derive_var_lobxfl(tr, dataset_add=dm, by_vars=["USUBJID", "TRTESTCD", "TRLNKID"], dtc="TRDTC",
                           result="TRORRES", order=["VISITNUM"], new_var="TRLOBXFL", dataset_name="TR")
    tr = derive_epoch(tr, dm=dm, dtc="TRDTC", findings=ctx.findings, dataset_name="TR")
    tr = derive_var_obs_number(tr, new_var="TRSEQ", by_vars=["USUBJID"],
                        order=["VISITNUM", "TRGRPID", "TRLNKID", "TRTESTCD"])
    return {"TR": tr}
