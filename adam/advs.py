"""ADVS: vital signs analysis dataset (BDS), one record per VS record plus the computed parameters,
from VS and ADSL.

One parameter per vital sign (:data:`PARAMS`); body mass index and mean arterial pressure computed
at each visit (:data:`COMPUTED`: BMI from the baseline height); analysis visits from the windows
of adam/_bds.py; baseline the last value on or before the first dose; on treatment as ADLB;
criterion flags (:data:`CRITERIA`: blood pressure in the range of CTCAE v5.0 hypertension grade 2
or higher). Spec methods MT.xxx are named per block.
"""

import pandas as pd

from derivations.adam import (
    derive_param_bmi,
    derive_param_map,
    derive_var_base,
    derive_var_chg,
    derive_var_extreme_flag,
    derive_var_obs_number,
    derive_var_ontrtfl,
    derive_var_pchg,
    derive_var_window_flag,
    derive_vars_crit_flag,
    derive_vars_dt,
    derive_vars_dy,
    derive_vars_merged,
    derive_vars_visit_window,
)
from derivations.core import assert_subjects_in

from ._bds import ADSL_VARS, WINDOWS, merge_params, report_unwindowed

READS = ("ADSL", "VS")
WRITES = ("ADVS",)

KEYS = ["STUDYID", "USUBJID"]
#: MT.ADVS.PARAM: VS test -> parameter (values in VSSTRESU, the unit PARAM names)
PARAMS = pd.DataFrame([
    ("SYSBP", "SYSBP", "Systolic Blood Pressure (mmHg)", 1, "mmHg"),
    ("DIABP", "DIABP", "Diastolic Blood Pressure (mmHg)", 2, "mmHg"),
    ("PULSE", "PULSE", "Pulse Rate (beats/min)", 4, "beats/min"),
    ("TEMP", "TEMP", "Temperature (C)", 5, "C"),
    ("WEIGHT", "WEIGHT", "Weight (kg)", 6, "kg"),
    ("HEIGHT", "HEIGHT", "Height (cm)", 7, "cm"),
], columns=["VSTESTCD", "PARAMCD", "PARAM", "PARAMN", "UNIT"])
#: MT.ADVS.AVAL: parameters computed from others at the same date (DTYPE blank: they are
#: parameters of their own, ADaMIG 3.3.5)
COMPUTED = {
    "MAP": {"PARAMCD": "MAP", "PARAM": "Mean Arterial Pressure (mmHg)", "PARAMN": 3.0},
    "BMI": {"PARAMCD": "BMI", "PARAM": "Body Mass Index (kg/m^2)", "PARAMN": 8.0},
}
#: MT.ADVS.CRIT1: (PARAMCD, condition, CRIT1 text)
CRITERIA = [("SYSBP", "AVAL >= 140", "SYSBP >= 140 mmHg"), ("DIABP", "AVAL >= 90", "DIABP >= 90 mmHg")]
NOT_KEPT = ["VSTESTCD", "VSDTC", "VSSTRESU", "UNIT", "AWTDIFF"]


def derive(ctx):
    adsl, vs = ctx.adam["ADSL"], ctx.sdtm["VS"]
    assert_subjects_in(vs, dataset_ref=adsl, dataset_name="VS", ref_name="ADSL")
    advs = vs[KEYS + ["VSSEQ", "VSTESTCD", "VISIT", "VISITNUM", "VSDTC", "VSSTRESN", "VSSTRESU"]].copy()
    # MT.ADVS.PARAM
    advs = merge_params(advs, PARAMS, testcd="VSTESTCD", unit_var="VSSTRESU", dataset_name="VS",
                        program="adam/advs.py")
    advs["AVAL"] = advs.pop("VSSTRESN")
    # MT.BDS.ADT
    advs = derive_vars_dt(advs, dtc="VSDTC", new_vars_prefix="A", findings=ctx.findings)

    # MT.ADVS.AVAL: mean arterial pressure and BMI per date (BMI with the baseline height)
    by = KEYS + ["VISIT", "VISITNUM", "VSDTC", "ADT"]
    advs = derive_param_map(advs, by_vars=by, set_values_to=COMPUTED["MAP"], unit_var="VSSTRESU")
    advs = derive_param_bmi(advs, by_vars=by, set_values_to=COMPUTED["BMI"], unit_var="VSSTRESU",
                            constant_by_vars=KEYS)

    advs = derive_vars_merged(advs, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)
    # MT.ADY / MT.BDS.AVISIT
    advs = derive_vars_dy(advs, reference_date="TRTSDT", source_vars=["ADT"])
    advs = derive_vars_visit_window(advs, windows=WINDOWS)
    report_unwindowed(advs, findings=ctx.findings, dataset_name="ADVS")
    # MT.ONTRTFL
    advs = derive_var_ontrtfl(advs, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                              ref_start_window=int(ctx.settings["adam"]["ontrt_start_window"]),
                              ref_end_window=int(ctx.settings["adam"]["ontrt_end_window"]))

    # MT.BDS.BASE / MT.BDS.CHG
    key = KEYS + ["PARAMCD"]
    advs = derive_var_extreme_flag(advs, by_vars=key, order=["ADT"], new_var="ABLFL", mode="last",
                                   filter="AVAL.notna() and ADT <= TRTSDT", false_value=None)
    advs = derive_var_base(advs, by_vars=key)
    post = advs["ADT"] > advs["TRTSDT"]
    advs["CHG"] = derive_var_chg(advs)["CHG"].where(post)
    advs["PCHG"] = derive_var_pchg(advs)["PCHG"].where(post)

    # MT.ADVS.CRIT1
    crit = [derive_vars_crit_flag(advs[advs["PARAMCD"] == code], condition=cond, description=text, values_yn=True,
                                  filter="AVAL.notna()") for code, cond, text in CRITERIA]
    rest = advs[~advs["PARAMCD"].isin([c for c, _, _ in CRITERIA])]
    advs = pd.concat(crit + [rest]).sort_index(kind="mergesort")

    # MT.BDS.ANL01FL
    advs = derive_var_window_flag(advs, windows=WINDOWS, by_vars=key, filter="AVAL.notna()")
    # MT.TRTA
    advs["TRTA"] = advs["TRT01A"]
    # MT.BDS.ASEQ
    advs = derive_var_obs_number(advs, new_var="ASEQ", by_vars=KEYS, order=["PARAMN", "ADT"], dataset_name="ADVS")
    return {"ADVS": advs.drop(columns=NOT_KEPT)}
