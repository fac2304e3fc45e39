"""ADLB: laboratory analysis dataset (BDS), one record per LB record, from LB and ADSL.

One parameter per laboratory test (:data:`PARAMS`), in the standard (SI) units of LB; analysis
visits from the windows of adam/_bds.py; baseline the last result on or before the first dose;
on treatment from [adam] ontrt_start_window days before the first dose (0: from its day) to
[adam] ontrt_end_window days after the last;
CTCAE v5.0 grades of the terms :data:`PARAMS` names (low, high, and the two combined in one signed
grade ATOXGR), at baseline and at each record; reference range indicator and its shift from baseline.
Spec methods MT.xxx are named per block.

Calcium is graded as CTCAE v5.0 states its terms: on the albumin-corrected serum calcium, a
parameter computed per sample (:data:`COMPUTED`, Payne's formula), not on the measured total
calcium (CA), which keeps no grade.
"""

import pandas as pd

from derivations.adam import (
    CTCAE_V5,
    Formula,
    derive_param_computed,
    derive_var_analysis_ratio,
    derive_var_anrind,
    derive_var_atoxgr,
    derive_var_atoxgr_dir,
    derive_var_base,
    derive_var_chg,
    derive_var_extreme_flag,
    derive_var_obs_number,
    derive_var_ontrtfl,
    derive_var_pchg,
    derive_var_shift,
    derive_var_window_flag,
    derive_vars_dt,
    derive_vars_dy,
    derive_vars_merged,
    derive_vars_visit_window,
)
from derivations.core import assert_subjects_in

from ._bds import ADSL_VARS, WINDOWS, merge_params, report_unwindowed

READS = ("ADSL", "LB")
WRITES = ("ADLB",)

KEYS = ["STUDYID", "USUBJID"]
_PARAM_COLUMNS = ["LBTESTCD", "PARAMCD", "PARAM", "PARAMN", "UNIT", "ATOXDSCL", "ATOXDSCH"]
#: MT.ADLB.PARAM / MT.ADLB.ATOXDSC: LB test -> parameter, its unit (LBSTRESU) and the CTCAE v5.0 terms it is
#: graded by, low and high (None: not graded in that direction; CTCAE v5.0 grades hyperglycaemia by
#: intervention, not by value). A parameter without LBTESTCD is computed (:data:`COMPUTED`); CTCAE v5.0
#: grades hypo- and hypercalcaemia on corrected serum calcium, so CACORR is graded and CA is not.
PARAMS = pd.DataFrame([
    ("HGB", "HGB", "Hemoglobin (g/L)", 1, "g/L", "Anemia", "Hemoglobin increased"),
    ("RBC", "RBC", "Erythrocytes (10^12/L)", 2, "10^12/L", None, None),
    ("WBC", "WBC", "Leukocytes (10^9/L)", 3, "10^9/L", "White blood cell decreased", "Leukocytosis"),
    ("NEUT", "NEUT", "Neutrophils (10^9/L)", 4, "10^9/L", "Neutrophil count decreased", None),
    ("LYM", "LYM", "Lymphocytes (10^9/L)", 5, "10^9/L", "Lymphocyte count decreased", "Lymphocyte count increased"),
    ("MONO", "MONO", "Monocytes (10^9/L)", 6, "10^9/L", None, None),
    ("EOS", "EOS", "Eosinophils (10^9/L)", 7, "10^9/L", None, None),
    ("PLAT", "PLAT", "Platelets (10^9/L)", 8, "10^9/L", "Platelet count decreased", None),
    ("ALT", "ALT", "Alanine Aminotransferase (U/L)", 11, "U/L", None, "Alanine aminotransferase increased"),
    ("AST", "AST", "Aspartate Aminotransferase (U/L)", 12, "U/L", None, "Aspartate aminotransferase increased"),
    ("ALP", "ALP", "Alkaline Phosphatase (U/L)", 13, "U/L", None, "Alkaline phosphatase increased"),
    ("GGT", "GGT", "Gamma Glutamyl Transferase (U/L)", 14, "U/L", None, "GGT increased"),
    ("BILI", "BILI", "Bilirubin (umol/L)", 15, "umol/L", None, "Blood bilirubin increased"),
    ("ALB", "ALB", "Albumin (g/L)", 16, "g/L", "Hypoalbuminemia", None),
    ("CREAT", "CREAT", "Creatinine (umol/L)", 17, "umol/L", None, "Creatinine increased"),
    ("BUN", "BUN", "Blood Urea Nitrogen (mmol/L)", 18, "mmol/L", None, None),
    ("GLUC", "GLUC", "Glucose (mmol/L)", 19, "mmol/L", "Hypoglycemia", None),
    ("SODIUM", "SODIUM", "Sodium (mmol/L)", 20, "mmol/L", "Hyponatremia", "Hypernatremia"),
    ("K", "K", "Potassium (mmol/L)", 21, "mmol/L", "Hypokalemia", "Hyperkalemia"),
    ("CA", "CA", "Calcium (mmol/L)", 22, "mmol/L", None, None),
    (None, "CACORR", "Calcium, albumin-corrected (mmol/L)", 23, "mmol/L", "Hypocalcemia", "Hypercalcemia"),
], columns=_PARAM_COLUMNS)
#: MT.ADLB.AVAL: parameters computed from others of the same sample (subject, visit, date): PARAMCD ->
#: source parameters, AVAL, and what it is (define.xml states it)
COMPUTED = {
    "CACORR": {"sources": ("CA", "ALB"), "AVAL": Formula("CA + 0.02 * (40 - ALB)"),
               "about": "the albumin-corrected serum calcium by Payne's formula in SI units, 0.02 mmol/L calcium "
                        "per g/L albumin below 40 g/L (Payne RB et al., Br Med J 1973;4:643-6)"},
}
#: the variables of a computed record taken from its first source parameter's record (CA's range is
#: the corrected value's: laboratories report adjusted calcium against the total calcium range)
COMPUTED_FROM_SOURCE = ["PARCAT1", "ANRLO", "ANRHI"]
#: one sample: the by variables of a computed parameter
SAMPLE = KEYS + ["VISIT", "VISITNUM", "LBDTC"]
#: LB variables used (LBSEQ, VISIT and VISITNUM are kept: the record's origin and visit)
LB_VARS = ["LBSEQ", "LBTESTCD", "LBCAT", "VISIT", "VISITNUM", "LBDTC"]
#: used on the way, not kept
NOT_KEPT = ["LBTESTCD", "LBCAT", "LBDTC", "LBSTRESU", "UNIT", "AWTDIFF"]


def derive(ctx):
    adsl, lb = ctx.adam["ADSL"], ctx.sdtm["LB"]
    assert_subjects_in(lb, dataset_ref=adsl, dataset_name="LB", ref_name="ADSL")
    adlb = lb[KEYS + LB_VARS + ["LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI"]].copy()
    # MT.ADLB.PARAM: the parameter and its unit (a result in another unit would be graded wrongly)
    adlb = merge_params(adlb, PARAMS[PARAMS["LBTESTCD"].notna()], testcd="LBTESTCD", unit_var="LBSTRESU",
                        dataset_name="LB", program="adam/adlb.py")
    adlb["PARCAT1"] = adlb["LBCAT"]
    adlb["AVAL"] = adlb.pop("LBSTRESN")
    adlb["ANRLO"], adlb["ANRHI"] = adlb.pop("LBSTNRLO"), adlb.pop("LBSTNRHI")
    # MT.ADLB.AVAL: the computed parameters, one record per sample (subject, visit, date) with every source value
    for code, rule in COMPUTED.items():
        param = PARAMS.loc[PARAMS["PARAMCD"] == code].drop(columns="LBTESTCD").iloc[0].to_dict()
        first = rule["sources"][0]
        from_source = {var: (lambda wide, col=f"{var}.{first}": wide[col]) for var in COMPUTED_FROM_SOURCE}
        adlb = derive_param_computed(adlb, by_vars=SAMPLE, parameters=list(rule["sources"]),
                                     set_values_to={**param, "LBSTRESU": param["UNIT"], "AVAL": rule["AVAL"],
                                                    **from_source})
    adlb = derive_vars_merged(adlb, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)

    # MT.BDS.ADT / MT.ADY
    adlb = derive_vars_dt(adlb, dtc="LBDTC", new_vars_prefix="A", findings=ctx.findings)
    adlb = derive_vars_dy(adlb, reference_date="TRTSDT", source_vars=["ADT"])
    # MT.BDS.AVISIT
    adlb = derive_vars_visit_window(adlb, windows=WINDOWS)
    report_unwindowed(adlb, findings=ctx.findings, dataset_name="ADLB")
    # MT.ONTRTFL
    adlb = derive_var_ontrtfl(adlb, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                              ref_start_window=int(ctx.settings["adam"]["ontrt_start_window"]),
                              ref_end_window=int(ctx.settings["adam"]["ontrt_end_window"]))
    # MT.ANRIND
    adlb = derive_var_anrind(adlb)

    # MT.BDS.BASE: the last result on or before the first dose; MT.BDS.CHG, MT.R2BASE
    by = KEYS + ["PARAMCD"]
    adlb = derive_var_extreme_flag(adlb, by_vars=by, order=["ADT", "LBSEQ"], new_var="ABLFL", mode="last",
                                   filter="AVAL.notna() and ADT <= TRTSDT", false_value=None)
    adlb = derive_var_base(adlb, by_vars=by)
    adlb = derive_var_base(adlb, by_vars=by, source_var="ANRIND", new_var="BNRIND")
    post = adlb["ADT"] > adlb["TRTSDT"]
    adlb["CHG"] = derive_var_chg(adlb)["CHG"].where(post)
    adlb["PCHG"] = derive_var_pchg(adlb)["PCHG"].where(post)
    adlb["R2BASE"] = derive_var_analysis_ratio(adlb)["R2BASE"].where(post)

    # MT.ADLB.ATOXGR: CTCAE v5.0 (baseline-dependent criteria use BASE and BNRIND); BTOXGRL/H: MT.BDS.BASE
    for var, desc, direction in (("ATOXGRL", "ATOXDSCL", "L"), ("ATOXGRH", "ATOXDSCH", "H")):
        adlb = derive_var_atoxgr_dir(adlb, new_var=var, tox_description_var=desc, direction=direction,
                                     criteria=CTCAE_V5, unit_var="LBSTRESU")
    # MT.ADLB.ATOXGR: ATOXGR, the grade with its direction (admiral): -ATOXGRL when low, ATOXGRH when high
    adlb = derive_var_atoxgr(adlb)
    for src, new in (("ATOXGRL", "BTOXGRL"), ("ATOXGRH", "BTOXGRH"), ("ATOXGR", "BTOXGR")):
        adlb = derive_var_base(adlb, by_vars=by, source_var=src, new_var=new)
    # MT.SHIFT1
    adlb = derive_var_shift(adlb, new_var="SHIFT1", from_var="BNRIND", to_var="ANRIND", filter="ABLFL != 'Y'")

    # MT.BDS.ANL01FL: the record closest to the window's target day (of two of one day, the later by LBSEQ, the
    # order of MT.BDS.BASE and MT.BDS.ASEQ)
    adlb = derive_var_window_flag(adlb, windows=WINDOWS, by_vars=KEYS + ["PARAMCD"], filter="AVAL.notna()",
                                  order=["-LBSEQ"])
    # MT.TRTA
    adlb["TRTA"] = adlb["TRT01A"]
    # MT.BDS.ASEQ
    adlb = derive_var_obs_number(adlb, new_var="ASEQ", by_vars=KEYS, order=["PARAMN", "ADT", "LBSEQ"],
                                 dataset_name="ADLB")
    return {"ADLB": adlb.drop(columns=NOT_KEPT)}
