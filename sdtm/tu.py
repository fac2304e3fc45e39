"""TU: tumour identification (target, non-target at baseline; new lesions when found).

TULOBXFL marks each lesion's identification before the first dose (the baseline scan).
"""

import pandas as pd

from derivations.sdtm import derive_var_ct, derive_var_dtc, derive_var_dy, derive_var_lobxfl, derive_var_obs_number

from ._epochs import derive_epoch
from ._visits import visitnum

READS = ("DM",)
WRITES = ("TU",)
RAW = ("tl", "ntl", "nl")


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    tl = ctx.raw("tl", ["SUBJID", "VISIT", "ASMDAT", "LESID", "LOCATION", "METHOD"])
    ntl = ctx.raw("ntl", ["SUBJID", "VISIT", "ASMDAT", "LESID", "LOCATION"])
    nl = ctx.raw("nl", ["SUBJID", "VISIT", "ASMDAT", "LESID", "LOCATION"])
    base = tl["VISIT"].str.upper() == "BASELINE"
    raw = pd.concat([
        tl[base].assign(RES="TARGET"),
        ntl[ntl["VISIT"].str.upper() == "BASELINE"].assign(RES="NON-TARGET"),
        nl.assign(RES="NEW"),
    ], ignore_index=True)
    # MT.USUBJID
    tu = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "TU", "USUBJID": studyid + "-" + raw["SUBJID"],
                       "TULNKID": raw["LESID"], "TUTESTCD": "TUMIDENT", "TUTEST": "Tumor Identification",
                       "TUORRES": raw["RES"], "TUSTRESC": raw["RES"], "_LOC": raw["LOCATION"]})
    # MT.CT: lesion location
    tu = derive_var_ct(tu, source="_LOC", new_var="TULOC", codelist=cl["LOC"], synonyms=None,
                       dataset_name="TU", findings=ctx.findings).drop(columns="_LOC")
    # method and evaluator of every scan; MT.VISITNUM: the tumour-assessment schedule (TV)
    tu["TUMETHOD"] = "CT SCAN"
    tu["TUEVAL"] = "INVESTIGATOR"
    tu["VISITNUM"] = visitnum(raw["VISIT"], dataset="TU", usubjid=tu["USUBJID"])
    tu["VISIT"] = raw["VISIT"].str.upper()
    tu = derive_var_dtc(tu.assign(_D=raw["ASMDAT"]), new_var="TUDTC", date="_D", dataset_name="TU",
                        findings=ctx.findings).drop(columns="_D")
    # MT.EPOCH, MT.DY, MT.LOBXFL, MT.SEQ
    dm = ctx.sdtm["DM"]
    tu = derive_epoch(tu, dm=dm, dtc="TUDTC", findings=ctx.findings, dataset_name="TU")
    tu = derive_var_dy(tu, dataset_add=dm, new_var="TUDY", dtc="TUDTC")
    tu = derive_var_lobxfl(tu, dataset_add=dm, by_vars=["USUBJID", "TUTESTCD", "TULNKID"], dtc="TUDTC",
                           result="TUORRES", new_var="TULOBXFL", dataset_name="TU")
    tu = derive_var_obs_number(tu, new_var="TUSEQ", by_vars=["USUBJID"], order=["VISITNUM", "TULNKID"])
    return {"TU": tu}
