"""LB: laboratory test results, one record per sample and test (haematology and chemistry pages of
the central laboratory).

The pages are wide (one column per test); :data:`HEMATOLOGY` and :data:`CHEMISTRY` say which
column is which test, :data:`UNITS` how each collected unit becomes the standard (SI) unit, and the
laboratory's normal-range file (raw page ``lb_ranges``) gives LBORNRLO/LBORNRHI by test, unit and
sex. LBNRIND compares the standard result with the standard range; LBLOBXFL flags each test's last
result on or before the first dose. An ``ND`` cell is a record with LBSTAT NOT DONE.
Unscheduled samples (taken at the onset of an adverse event) are numbered after the subject's last
planned visit (sdtm/_visits.py).
"""

import pandas as pd

from derivations.adam import derive_var_anrind
from derivations.sdtm import (
    ReferenceRanges,
    TestMap,
    UnitConversions,
    derive_findings_records,
    derive_var_dtc,
    derive_var_dy,
    derive_var_lobxfl,
    derive_var_obs_number,
    derive_vars_ref_ranges,
    derive_vars_std_units,
)

from ._epochs import derive_epoch
from ._visits import UNSCHEDULED, page_visitnum, unscheduled_visitnum

READS = ("DM", "EX")
WRITES = ("LB",)
RAW = ("lb_hem", "lb_chem", "lb_ranges")

_COLUMNS = ["COLUMN", "TESTCD", "TEST", "ORRESU", "CAT", "SPEC"]
#: MT.LBTESTCD: the haematology page (whole blood)
HEMATOLOGY = TestMap.from_records([
    ("HGB", "HGB", "Hemoglobin", "g/dL", "HEMATOLOGY", "BLOOD"),
    ("RBC", "RBC", "Erythrocytes", "10^12/L", "HEMATOLOGY", "BLOOD"),
    ("WBC", "WBC", "Leukocytes", "10^9/L", "HEMATOLOGY", "BLOOD"),
    ("NEUT", "NEUT", "Neutrophils", "10^9/L", "HEMATOLOGY", "BLOOD"),
    ("LYM", "LYM", "Lymphocytes", "10^9/L", "HEMATOLOGY", "BLOOD"),
    ("MONO", "MONO", "Monocytes", "10^9/L", "HEMATOLOGY", "BLOOD"),
    ("EOS", "EOS", "Eosinophils", "10^9/L", "HEMATOLOGY", "BLOOD"),
    ("PLAT", "PLAT", "Platelets", "10^9/L", "HEMATOLOGY", "BLOOD"),
], columns=_COLUMNS)
#: MT.LBTESTCD: the chemistry page (serum)
CHEMISTRY = TestMap.from_records([
    ("ALT", "ALT", "Alanine Aminotransferase", "U/L", "CHEMISTRY", "SERUM"),
    ("AST", "AST", "Aspartate Aminotransferase", "U/L", "CHEMISTRY", "SERUM"),
    ("ALP", "ALP", "Alkaline Phosphatase", "U/L", "CHEMISTRY", "SERUM"),
    ("GGT", "GGT", "Gamma Glutamyl Transferase", "U/L", "CHEMISTRY", "SERUM"),
    ("BILI", "BILI", "Bilirubin", "mg/dL", "CHEMISTRY", "SERUM"),
    ("ALB", "ALB", "Albumin", "g/dL", "CHEMISTRY", "SERUM"),
    ("CREAT", "CREAT", "Creatinine", "mg/dL", "CHEMISTRY", "SERUM"),
    ("BUN", "BUN", "Blood Urea Nitrogen", "mg/dL", "CHEMISTRY", "SERUM"),
    ("GLUC", "GLUC", "Glucose", "mg/dL", "CHEMISTRY", "SERUM"),
    ("SODIUM", "SODIUM", "Sodium", "mmol/L", "CHEMISTRY", "SERUM"),
    ("K", "K", "Potassium", "mmol/L", "CHEMISTRY", "SERUM"),
    ("CA", "CA", "Calcium", "mg/dL", "CHEMISTRY", "SERUM"),
], columns=_COLUMNS)
#: MT.STRESU: collected unit -> standard (SI) unit; factors of the conventional units as published
#: (haemoglobin g/dL x 10; creatinine mg/dL x 88.4; bilirubin mg/dL x 17.1; urea nitrogen mg/dL x 0.357;
#: glucose mg/dL x 0.0555; calcium mg/dL x 0.2495)
UNITS = UnitConversions.from_records([
    ("HGB", "g/dL", "g/L", 10, 0),
    ("RBC", "10^12/L", "10^12/L", 1, 2),
    ("WBC", "10^9/L", "10^9/L", 1, 2),
    ("NEUT", "10^9/L", "10^9/L", 1, 2),
    ("LYM", "10^9/L", "10^9/L", 1, 2),
    ("MONO", "10^9/L", "10^9/L", 1, 2),
    ("EOS", "10^9/L", "10^9/L", 1, 2),
    ("PLAT", "10^9/L", "10^9/L", 1, 0),
    ("ALT", "U/L", "U/L", 1, 0),
    ("AST", "U/L", "U/L", 1, 0),
    ("ALP", "U/L", "U/L", 1, 0),
    ("GGT", "U/L", "U/L", 1, 0),
    ("BILI", "mg/dL", "umol/L", 17.1, 1),
    ("ALB", "g/dL", "g/L", 10, 0),
    ("CREAT", "mg/dL", "umol/L", 88.4, 0),
    ("BUN", "mg/dL", "mmol/L", 0.357, 1),
    ("GLUC", "mg/dL", "mmol/L", 0.0555, 1),
    ("SODIUM", "mmol/L", "mmol/L", 1, 0),
    ("K", "mmol/L", "mmol/L", 1, 1),
    ("CA", "mg/dL", "mmol/L", 0.2495, 2),
])
#: the laboratory's normal-range file: its columns as the reference-range table names them
RANGE_COLUMNS = {"TEST": "TESTCD", "UNIT": "ORRESU", "SEX": "SEX", "LOW": "ORNRLO", "HIGH": "ORNRHI"}
#: variables used on the way that LB does not keep (each dropped once used: 2M records hold 40-50 MB of each)
NOT_KEPT = ["SUBJID", "LBDAT", "SEX", "_DATE"]


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    dm, ex = ctx.sdtm["DM"], ctx.sdtm["EX"]
    ids = ["SUBJID", "VISIT", "LBDAT"]
    # the pages' records are not kept apart from LB (LB drops and replaces their variables as it goes)
    lb = pd.concat([derive_findings_records(ctx.raw(page, ids + list(tests.frame()["COLUMN"])), domain="LB",
                                            tests=tests, id_vars=ids, findings=ctx.findings, dataset_name=page)
                    for page, tests in (("lb_hem", HEMATOLOGY), ("lb_chem", CHEMISTRY))], ignore_index=True)
    lb.insert(0, "STUDYID", studyid)
    lb.insert(1, "DOMAIN", "LB")
    # MT.USUBJID
    lb.insert(2, "USUBJID", studyid + "-" + lb["SUBJID"])
    lb = lb.drop(columns="SUBJID")
    lb["SEX"] = lb["USUBJID"].map(dm.set_index("USUBJID")["SEX"])

    # MT.LBSTNR: reference ranges of the lb_ranges page; MT.STRESU: results and ranges in standard units; MT.NRIND
    ranges = ctx.raw("lb_ranges", list(RANGE_COLUMNS)).rename(columns=RANGE_COLUMNS)
    lb = derive_vars_ref_ranges(lb, domain="LB", ranges=ReferenceRanges.from_frame(ranges), findings=ctx.findings)
    lb = lb.drop(columns="SEX")
    lb = derive_vars_std_units(lb, domain="LB", conversions=UNITS)
    lb = derive_var_anrind(lb, new_var="LBNRIND", source_var="LBSTRESN", low_var="LBSTNRLO", high_var="LBSTNRHI")
    lb["LBNRIND"] = lb["LBNRIND"].fillna("").astype(str)

    lb = derive_var_dtc(lb, new_var="LBDTC", date="LBDAT", dataset_name="LB", findings=ctx.findings)
    lb = lb.drop(columns="LBDAT")
    # MT.VISITNUM: planned visits by name; unscheduled ones after the subject's last planned visit (LB or EX)
    lb["VISITNUM"] = page_visitnum(lb["VISIT"])
    lb["VISIT"] = lb["VISIT"].str.upper()
    unscheduled = lb["VISIT"] == UNSCHEDULED
    # the planned visits' dates: each subject, visit and date once (not a copy of every planned record)
    visit_dates = ["USUBJID", "VISITNUM", "LBDTC"]
    once = ~lb[visit_dates].assign(_UNS=unscheduled).duplicated()
    planned = pd.concat([lb.loc[~unscheduled & once, visit_dates],
                         ex[["USUBJID", "VISITNUM", "EXSTDTC"]].rename(columns={"EXSTDTC": "LBDTC"})])
    lb.loc[unscheduled, "VISITNUM"] = unscheduled_visitnum(lb.loc[unscheduled, ["USUBJID", "LBDTC"]]
                                                           .rename(columns={"LBDTC": "_DATE"}),
                                                           planned.rename(columns={"LBDTC": "_DATE"}))
    # MT.DY
    lb = derive_var_dy(lb, dataset_add=dm, new_var="LBDY", dtc="LBDTC")
    # MT.LOBXFL
    lb = derive_var_lobxfl(lb, dataset_add=dm, by_vars=["USUBJID", "LBTESTCD", "LBSPEC"], dtc="LBDTC",
                           result="LBORRES", order=["VISITNUM"], new_var="LBLOBXFL", dataset_name="LB")
    # MT.EPOCH, MT.SEQ
    lb = derive_epoch(lb, dm=dm, dtc="LBDTC", findings=ctx.findings, dataset_name="LB")
    lb = derive_var_obs_number(lb, new_var="LBSEQ", by_vars=["USUBJID"],
                               order=["LBDTC", "VISITNUM", "LBCAT", "LBTESTCD"], check_type="error", dataset_name="LB")
    return {"LB": lb.drop(columns=[c for c in NOT_KEPT if c in lb.columns])}
