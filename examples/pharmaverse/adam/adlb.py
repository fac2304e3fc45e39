"""ADLB from LB and ADSL, as admiral's ad_adlb.R template derives it (admiral 1.4.1): parameters
from a lookup, absolute basophils/lymphocytes from the differentials, visits, on-treatment flag,
reference range indicators, baseline, change, CTCAE v4.03 grades (as the template), ratios,
shifts, analysis flags, minimum/maximum/last on-treatment records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from derivations.adam import (CTCAE_V4, derive_extreme_records, derive_param_wbc_abs, derive_var_analysis_ratio,
                              derive_var_anrind, derive_var_atoxgr, derive_var_atoxgr_dir, derive_var_base,
                              derive_var_chg, derive_var_extreme_flag, derive_var_obs_number, derive_var_ontrtfl,
                              derive_var_pchg, derive_var_shift, derive_vars_dt, derive_vars_dy, derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "LB")
WRITES = ("ADLB",)

#: LBTESTCD -> PARAMCD, PARAM, PARAMN (the template's lookup table)
PARAMS = s.table("LBTESTCD PARAMCD PARAM PARAMN", """
ALB      | ALB     | Albumin (g/L)                                    | 1
ALP      | ALKPH   | Alkaline Phosphatase (U/L)                       | 2
ALT      | ALT     | Alanine Aminotransferase (U/L)                   | 3
ANISO    | ANISO   | Anisocytes                                       | 4
AST      | AST     | Aspartate Aminotransferase (U/L)                 | 5
BASO     | BASO    | Basophils Abs (10^9/L)                           | 6
BASOLE   | BASOLE  | Basophils/Leukocytes (FRACTION)                  | 7
BILI     | BILI    | Bilirubin (umol/L)                               | 8
BUN      | BUN     | Blood Urea Nitrogen (mmol/L)                     | 9
CA       | CA      | Calcium (mmol/L)                                 | 10
CHOL     | CHOLES  | Cholesterol (mmol/L)                             | 11
CK       | CK      | Creatinine Kinase (U/L)                          | 12
CL       | CL      | Chloride (mmol/L)                                | 13
COLOR    | COLOR   | Color                                            | 14
CREAT    | CREAT   | Creatinine (umol/L)                              | 15
EOS      | EOS     | Eosinophils (10^9/L)                             | 16
EOSLE    | EOSLE   | Eosinophils/Leukocytes (FRACTION)                | 17
GGT      | GGT     | Gamma Glutamyl Transferase (U/L)                 | 18
GLUC     | GLUC    | Glucose (mmol/L)                                 | 19
HBA1C    | HBA1C   | Hemoglobin A1C (1)                               | 20
HCT      | HCT     | Hematocrit (1)                                   | 21
HGB      | HGB     | Hemoglobin (mmol/L)                              | 22
K        | POTAS   | Potassium (mmol/L)                               | 23
KETONES  | KETON   | Ketones                                          | 24
LYM      | LYMPH   | Lymphocytes Abs (10^9/L)                         | 25
LYMLE    | LYMPHLE | Lymphocytes/Leukocytes (FRACTION)                | 26
MACROCY  | MACROC  | Macrocytes                                       | 27
MCH      | MCH     | Ery. Mean Corpuscular Hemoglobin (fmol(Fe))      | 28
MCHC     | MCHC    | Ery. Mean Corpuscular HGB Concentration (mmol/L) | 29
MCV      | MCV     | Ery. Mean Corpuscular Volume (f/L)               | 30
MICROCY  | MICROC  | Microcytes                                       | 31
MONO     | MONO    | Monocytes (10^9/L)                               | 32
MONOLE   | MONOLE  | Monocytes/Leukocytes (FRACTION)                  | 33
PH       | PH      | pH                                               | 34
PHOS     | PHOS    | Phosphate (mmol/L)                               | 35
PLAT     | PLAT    | Platelet (10^9/L)                                | 36
POIKILO  | POIKIL  | Poikilocytes                                     | 37
POLYCHR  | POLYCH  | Polychromasia                                    | 38
PROT     | PROT    | Protein (g/L)                                    | 39
RBC      | RBC     | Erythrocytes (TI/L)                              | 40
SODIUM   | SODIUM  | Sodium (mmol/L)                                  | 41
SPGRAV   | SPGRAV  | Specific Gravity                                 | 42
TSH      | TSH     | Thyrotropin (mU/L)                               | 43
URATE    | URATE   | Urate (umol/L)                                   | 44
UROBIL   | UROBIL  | Urobilinogen                                     | 45
VITB12   | VITB12  | Vitamin B12 (pmol/L)                             | 46
WBC      | WBC     | Leukocytes (10^9/L)                              | 47
""", numeric=("PARAMN",))

#: PARAMCD -> CTCAE v4.03 terms graded low / high (the template's grade_lookup, as it is)
GRADED = s.table("PARAMCD ATOXDSCL ATOXDSCH", """
ALB     | Hypoalbuminemia            | -
ALKPH   | -                          | Alkaline phosphatase increased
ALT     | -                          | Alanine aminotransferase increased
AST     | -                          | Aspartate aminotransferase increased
BILI    | -                          | Blood bilirubin increased
CA      | Hypocalcemia               | Hypercalcemia
CHOLES  | -                          | Cholesterol high
CK      | -                          | CPK increased
CREAT   | -                          | Creatinine increased
GGT     | -                          | GGT increased
GLUC    | Hypoglycemia               | Hyperglycemia
HGB     | Anemia                     | Hemoglobin increased
POTAS   | Hypokalemia                | Hyperkalemia
LYMPH   | CD4 lymphocytes decreased  | -
PHOS    | Hypophosphatemia           | -
PLAT    | Platelet count decreased   | -
SODIUM  | Hyponatremia               | Hypernatremia
WBC     | White blood cell decreased | Leukocytosis
""")

SUBJ = s.SUBJ
KEY = ["STUDYID", "USUBJID", "PARAMCD", "BASETYPE"]


def derive(ctx):
    lb, adsl = s.sdtm(ctx, "LB"), ctx.adam["ADSL"]
    s.assert_subjects_in(lb, adsl, name="LB", ref_name="ADSL")
    s.assert_unique(lb, ["STUDYID", "USUBJID", "LBSEQ"], name="LB")
    adsl_vars = ["TRTSDT", "TRTEDT", "TRT01A", "TRT01P"]
    adlb = derive_vars_merged(lb, dataset_add=adsl, by_vars=SUBJ, new_vars=adsl_vars)
    adlb = derive_vars_dt(adlb, dtc="LBDTC", new_vars_prefix="A", findings=ctx.findings)
    adlb = derive_vars_dy(adlb, reference_date="TRTSDT", source_vars=["ADT"])
    adlb = derive_vars_merged(adlb, dataset_add=PARAMS, by_vars=["LBTESTCD"], check_type="none")
    adlb["PARCAT1"] = adlb["LBCAT"]
    adlb["AVAL"] = adlb["LBSTRESN"]
    adlb["AVALC"] = s.non_redundant_text(adlb["LBSTRESC"], adlb["LBSTRESN"])
    adlb["ANRLO"], adlb["ANRHI"] = adlb["LBSTNRLO"], adlb["LBSTNRHI"]

    # absolute counts from the differentials (fraction x WBC) where the absolute count is missing
    by = SUBJ + adsl_vars + ["DOMAIN", "VISIT", "VISITNUM", "ADT", "ADY"]
    unit = s.unit_of_param
    for code, param, paramn, diff in (("BASO", "Basophils Abs (10^9/L)", 6, "BASOLE"),
                                      ("LYMPH", "Lymphocytes Abs (10^9/L)", 25, "LYMPHLE")):
        adlb = derive_param_wbc_abs(adlb, by_vars=by, diff_code=diff, unit_var=unit,
                                    set_values_to={"PARAMCD": code, "PARAM": param, "PARAMN": float(paramn),
                                                   "DTYPE": "CALCULATION", "PARCAT1": "HEMATOLOGY"})

    visit = adlb["VISIT"].astype("string")
    screen = visit.str.contains("SCREEN").fillna(False).to_numpy(dtype=bool)
    adlb["AVISIT"] = np.where(screen, "Baseline", s.title_case(adlb["VISIT"]))
    adlb["AVISIT"] = adlb["AVISIT"].astype(object).where(screen | visit.notna().to_numpy(), None)
    adlb["AVISITN"] = np.where(adlb["AVISIT"] == "Baseline", 0.0, adlb["VISITNUM"].astype(float))
    adlb = derive_var_ontrtfl(adlb, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                              filter_pre_timepoint="AVISIT == 'Baseline'")
    adlb = derive_var_anrind(adlb)

    # baseline: the last non-missing value on or before the first dose
    adlb["BASETYPE"] = "LAST"
    adlb = derive_var_extreme_flag(adlb, by_vars=["STUDYID", "USUBJID", "BASETYPE", "PARAMCD"],
                                   order=["ADT", "VISITNUM", "LBSEQ"], new_var="ABLFL", mode="last",
                                   filter="AVAL.notna() and ADT <= TRTSDT and BASETYPE.notna()", false_value=None)
    adlb = derive_var_base(adlb, by_vars=KEY)
    adlb = derive_var_base(adlb, by_vars=KEY, source_var="AVALC", new_var="BASEC")
    adlb = derive_var_base(adlb, by_vars=KEY, source_var="ANRIND", new_var="BNRIND")
    post = adlb["AVISITN"] > 0
    adlb["CHG"] = derive_var_chg(adlb)["CHG"].where(post)
    adlb["PCHG"] = derive_var_pchg(adlb)["PCHG"].where(post)

    # CTCAE v4.03 grades, as the template (clinical qualifiers assumed, as admiral's metadata;
    # a unit other than the criterion's leaves the record ungraded, as admiral: HGB is in mmol/L)
    adlb = derive_vars_merged(adlb, dataset_add=GRADED, by_vars=["PARAMCD"])
    for var, desc, direction in (("ATOXGRL", "ATOXDSCL", "L"), ("ATOXGRH", "ATOXDSCH", "H")):
        adlb = derive_var_atoxgr_dir(adlb, new_var=var, tox_description_var=desc, direction=direction,
                                     criteria=CTCAE_V4, unit_var=unit, unit_mismatch="missing",
                                     assume_qualifiers=True)
    adlb = derive_var_atoxgr(adlb)
    for src, new in (("ATOXGRL", "BTOXGRL"), ("ATOXGRH", "BTOXGRH"), ("ATOXGR", "BTOXGR")):
        adlb = derive_var_base(adlb, by_vars=KEY, source_var=src, new_var=new)
    for denom in ("BASE", "ANRLO", "ANRHI"):
        adlb = derive_var_analysis_ratio(adlb, numer_var="AVAL", denom_var=denom)
    adlb = derive_var_shift(adlb, new_var="SHIFT1", from_var="BNRIND", to_var="ANRIND")
    adlb = derive_var_shift(adlb, new_var="SHIFT2", from_var="BTOXGR", to_var="ATOXGR",
                            filter="ATOXDSCL.notna() or ATOXDSCH.notna()")

    # analysis flags: the last on-treatment value per visit (ANL01FL) and overall (LVOTFL)
    adlb = derive_var_extreme_flag(adlb, by_vars=["USUBJID", "PARAMCD", "AVISIT"], order=["ADT", "AVAL"],
                                   new_var="ANL01FL", mode="last", false_value=None,
                                   filter="AVISITN.notna() and ONTRTFL == 'Y'", check_type="none")
    adlb = derive_var_extreme_flag(adlb, by_vars=["USUBJID", "PARAMCD"], order=["ADT", "AVAL"], new_var="LVOTFL",
                                   mode="last", false_value=None, filter="ONTRTFL == 'Y'", check_type="none")
    adlb["TRTP"], adlb["TRTA"] = adlb["TRT01P"], adlb["TRT01A"]

    # post-baseline minimum, maximum and last value (from the records before these are added)
    source = adlb
    for order, mode, filt, avisitn, avisit, dtype in (
            (["AVAL", "ADT", "AVISITN"], "first", "AVAL.notna() and ONTRTFL == 'Y'", 9997, "POST-BASELINE MINIMUM", "MINIMUM"),
            (["-AVAL", "ADT", "AVISITN"], "first", "AVAL.notna() and ONTRTFL == 'Y'", 9998, "POST-BASELINE MAXIMUM", "MAXIMUM"),
            (["ADT", "AVISITN"], "last", "ONTRTFL == 'Y'", 9999, "POST-BASELINE LAST", "LOV")):
        adlb = derive_extreme_records(adlb, dataset_add=source, by_vars=KEY, order=order, mode=mode,
                                      filter_add=filt, check_type="none",
                                      set_values_to={"AVISITN": float(avisitn), "AVISIT": avisit, "DTYPE": dtype})
    adlb = derive_var_obs_number(adlb, new_var="ASEQ", by_vars=SUBJ, order=["PARAMCD", "ADT", "AVISITN", "VISITNUM"],
                                 check_type="error", dataset_name="ADLB")
    adlb = derive_vars_merged(adlb, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=SUBJ)
    return {"ADLB": adlb}
