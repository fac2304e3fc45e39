"""EX: one record per drug and cycle (anlotinib days 1-14 of 21; PD-1 antibody day 1).

VISIT is the cycle (CYCLE n), numbered on the dosing schedule of TV: VISITNUM = 100 + n, apart
from the tumour-assessment visits (BASELINE = 1, WEEK 6 = 2, ...).
"""

import pandas as pd

from derivations.sdtm import compute_numeric, derive_var_ct, derive_var_dtc, derive_var_dy, derive_var_obs_number

from ._epochs import derive_epoch
from ._visits import cycle_visitnum

READS = ("DM",)
WRITES = ("EX",)
RAW = ("ex_anlo", "ex_pd1")

ROUTE = {"PO": "ORAL", "IV": "INTRAVENOUS", "INTRAVENOUS DRIP": "INTRAVENOUS"}
DOSFRM = {"ANLOTINIB": "CAPSULE"}  # PD-1 antibodies: INJECTION
PD1_FREQ = "EVERY 3 WEEKS"  # the protocol's regimen (not on the CRF page); CT FREQ C64535, not "Q3W"


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    anlo = ctx.raw("ex_anlo", ["SUBJID", "CYCLE", "EXTRT", "EXDOSE", "EXDOSU", "EXFREQ", "EXROUTE",
                               "EXSTDAT", "EXENDAT", "EXADJ"])
    pd1 = ctx.raw("ex_pd1", ["SUBJID", "CYCLE", "EXTRT", "EXDOSE", "EXDOSU", "EXROUTE", "EXSTDAT"])
    # MT.EXENDTC: the PD-1 infusion ends the day it starts
    pd1 = pd1.assign(EXFREQ=PD1_FREQ, EXENDAT=pd1["EXSTDAT"], EXADJ="")
    for page, frame in (("ex_anlo.csv", anlo), ("ex_pd1.csv", pd1)):  # text in a number names file and line
        for var in ("EXDOSE", "CYCLE"):
            compute_numeric(frame[var], source=page, dataset="EX", variable=var,
                            usubjid=studyid + "-" + frame["SUBJID"])
    raw = pd.concat([anlo, pd1[anlo.columns]], ignore_index=True)

    # MT.USUBJID
    ex = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "EX", "USUBJID": studyid + "-" + raw["SUBJID"]})
    ex["EXTRT"] = raw["EXTRT"].str.upper()
    ex["EXDOSE"] = pd.to_numeric(raw["EXDOSE"])
    ex["EXDOSU"] = raw["EXDOSU"]
    ex["EXDOSFRM"] = ex["EXTRT"].map(DOSFRM).fillna("INJECTION")
    ex["EXDOSFRQ"] = raw["EXFREQ"].str.upper()
    # MT.CT: route
    ex["_ROUTE"] = raw["EXROUTE"]
    ex = derive_var_ct(ex, source="_ROUTE", new_var="EXROUTE", codelist=cl["ROUTE"], synonyms=ROUTE,
                       dataset_name="EX", findings=ctx.findings).drop(columns="_ROUTE")
    ex["EXADJ"] = raw["EXADJ"].str.upper()
    # MT.VISITNUM: CYCLE n = 100 + n (the dosing schedule of TV)
    ex["VISITNUM"] = cycle_visitnum(pd.to_numeric(raw["CYCLE"]))
    ex["VISIT"] = "CYCLE " + raw["CYCLE"]
    ex = ex.assign(_ST=raw["EXSTDAT"], _EN=raw["EXENDAT"])
    ex = derive_var_dtc(ex, new_var="EXSTDTC", date="_ST", dataset_name="EX", findings=ctx.findings)
    ex = derive_var_dtc(ex, new_var="EXENDTC", date="_EN", dataset_name="EX", findings=ctx.findings)
    ex = ex.drop(columns=["_ST", "_EN"])
    # MT.DY, MT.EPOCH, MT.SEQ
    dm = ctx.sdtm["DM"]
    ex = derive_var_dy(ex, dataset_add=dm, new_var="EXSTDY", dtc="EXSTDTC")
    ex = derive_var_dy(ex, dataset_add=dm, new_var="EXENDY", dtc="EXENDTC")
    ex = derive_epoch(ex, dm=dm, dtc="EXSTDTC", findings=ctx.findings, dataset_name="EX")
    ex = derive_var_obs_number(ex, new_var="EXSEQ", by_vars=["USUBJID"], order=["EXSTDTC", "EXTRT"])
    return {"EX": ex}
