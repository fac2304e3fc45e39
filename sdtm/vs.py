"""VS: vital signs, one record per visit and test (baseline and day 1 of cycles 2, 3, ...).

The page is wide: :data:`VITALS` are measured at every visit, :data:`BASELINE_ONLY` (height) at
the baseline visit alone, so a blank height later is not a test left undone. Units are collected
in the standard units (:data:`UNITS`, factor 1). VSLOBXFL flags each test's last result on or
before the first dose.
"""

import pandas as pd

from derivations.sdtm import (
    TestMap,
    UnitConversions,
    derive_findings_records,
    derive_var_dtc,
    derive_var_dy,
    derive_var_lobxfl,
    derive_var_obs_number,
    derive_vars_std_units,
)

from ._epochs import derive_epoch
from ._visits import page_visitnum

READS = ("DM",)
WRITES = ("VS",)
RAW = ("vs",)

#: MT.VSTESTCD: the tests of every visit
VITALS = TestMap.from_records([
    ("SYSBP", "SYSBP", "Systolic Blood Pressure", "mmHg"),
    ("DIABP", "DIABP", "Diastolic Blood Pressure", "mmHg"),
    ("PULSE", "PULSE", "Pulse Rate", "beats/min"),
    ("TEMP", "TEMP", "Temperature", "C"),
    ("WEIGHT", "WEIGHT", "Weight", "kg"),
], columns=["COLUMN", "TESTCD", "TEST", "ORRESU"])
#: MT.VSTESTCD: measured at the baseline visit only
BASELINE_ONLY = TestMap.from_records([("HEIGHT", "HEIGHT", "Height", "cm")],
                                     columns=["COLUMN", "TESTCD", "TEST", "ORRESU"])
#: MT.STRESU: collected in the standard units
UNITS = UnitConversions.from_records([
    ("SYSBP", "mmHg", "mmHg", 1, 0),
    ("DIABP", "mmHg", "mmHg", 1, 0),
    ("PULSE", "beats/min", "beats/min", 1, 0),
    ("TEMP", "C", "C", 1, 1),
    ("WEIGHT", "kg", "kg", 1, 1),
    ("HEIGHT", "cm", "cm", 1, 0),
])
NOT_KEPT = ["SUBJID", "VSDAT"]


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    dm = ctx.sdtm["DM"]
    ids = ["SUBJID", "VISIT", "VSDAT"]
    raw = ctx.raw("vs", ids + list(VITALS.frame()["COLUMN"]) + list(BASELINE_ONLY.frame()["COLUMN"]))
    baseline = raw["VISIT"].str.upper() == "BASELINE"
    vs = pd.concat([
        derive_findings_records(raw, domain="VS", tests=VITALS, id_vars=ids, findings=ctx.findings, dataset_name="vs"),
        derive_findings_records(raw[baseline], domain="VS", tests=BASELINE_ONLY, id_vars=ids, findings=ctx.findings,
                                dataset_name="vs")], ignore_index=True)
    vs.insert(0, "STUDYID", studyid)
    vs.insert(1, "DOMAIN", "VS")
    # MT.USUBJID
    vs.insert(2, "USUBJID", studyid + "-" + vs["SUBJID"])
    # MT.STRESU
    vs = derive_vars_std_units(vs, domain="VS", conversions=UNITS)
    vs = derive_var_dtc(vs, new_var="VSDTC", date="VSDAT", dataset_name="VS", findings=ctx.findings)
    # MT.VISITNUM: the planned visits by name
    vs["VISITNUM"] = page_visitnum(vs["VISIT"])
    vs["VISIT"] = vs["VISIT"].str.upper()
    # MT.DY
    vs = derive_var_dy(vs, dataset_add=dm, new_var="VSDY", dtc="VSDTC")
    # MT.LOBXFL
    vs = derive_var_lobxfl(vs, dataset_add=dm, by_vars=["USUBJID", "VSTESTCD"], dtc="VSDTC", result="VSORRES",
                           order=["VISITNUM"], new_var="VSLOBXFL", dataset_name="VS")
    # MT.EPOCH, MT.SEQ
    vs = derive_epoch(vs, dm=dm, dtc="VSDTC", findings=ctx.findings, dataset_name="VS")
    vs = derive_var_obs_number(vs, new_var="VSSEQ", by_vars=["USUBJID"], order=["VSDTC", "VISITNUM", "VSTESTCD"],
                               check_type="error", dataset_name="VS")
    return {"VS": vs.drop(columns=NOT_KEPT)}
