"""ADVS from VS and ADSL, as admiral's ad_advs.R template derives it (admiral 1.4.1): MAP, BSA and
BMI parameters, visits, the average of the three positions per visit, on-treatment flag,
reference ranges, a baseline per position (BASETYPE), change, analysis flag, end-of-treatment
records, AVALCAT1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from derivations.adam import (Summary, derive_basetype_records, derive_extreme_records, derive_param_bmi,
                              derive_param_bsa, derive_param_map, derive_summary_records, derive_var_anrind,
                              derive_var_base, derive_var_chg, derive_var_extreme_flag, derive_var_obs_number,
                              derive_var_ontrtfl, derive_var_pchg, derive_vars_cat, derive_vars_dt, derive_vars_dy,
                              derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "VS")
WRITES = ("ADVS",)

PARAMS = s.table("VSTESTCD PARAMCD PARAM PARAMN", """
SYSBP  | SYSBP  | Systolic Blood Pressure (mmHg)  | 1
DIABP  | DIABP  | Diastolic Blood Pressure (mmHg) | 2
PULSE  | PULSE  | Pulse Rate (beats/min)          | 3
WEIGHT | WEIGHT | Weight (kg)                     | 4
HEIGHT | HEIGHT | Height (cm)                     | 5
TEMP   | TEMP   | Temperature (C)                 | 6
MAP    | MAP    | Mean Arterial Pressure (mmHg)   | 7
BMI    | BMI    | Body Mass Index(kg/m^2)         | 8
BSA    | BSA    | Body Surface Area(m^2)          | 9
""", numeric=("PARAMN",))

RANGES = s.table("PARAMCD ANRLO ANRHI A1LO A1HI", """
SYSBP | 90   | 130  | 70 | 140
DIABP | 60   | 80   | 40 | 90
PULSE | 60   | 100  | 40 | 110
TEMP  | 36.5 | 37.5 | 35 | 38
""", numeric=("ANRLO", "ANRHI", "A1LO", "A1HI"))

AVALCAT = [("PARAMCD", "condition", "AVALCAT1", "AVALCA1N"),
           ("HEIGHT", "AVAL > 100", ">100 cm", 1), ("HEIGHT", "AVAL <= 100", "<=100 cm", 2)]

#: one baseline per position (the time point), and one for the averaged records
BASETYPES = {"LAST: AFTER LYING DOWN FOR 5 MINUTES": "ATPTN == 815",
             "LAST: AFTER STANDING FOR 1 MINUTE": "ATPTN == 816",
             "LAST: AFTER STANDING FOR 3 MINUTES": "ATPTN == 817",
             "LAST": "ATPTN.isna()"}

SUBJ = s.SUBJ
KEY = ["STUDYID", "USUBJID", "PARAMCD", "BASETYPE"]


def derive(ctx):
    vs, adsl = s.sdtm(ctx, "VS"), ctx.adam["ADSL"]
    s.assert_subjects_in(vs, adsl, name="VS", ref_name="ADSL")
    s.assert_unique(vs, ["STUDYID", "USUBJID", "VSSEQ"], name="VS")
    adsl_vars = ["TRTSDT", "TRTEDT", "TRT01A", "TRT01P"]
    advs = derive_vars_merged(vs, dataset_add=adsl, by_vars=SUBJ, new_vars=adsl_vars)
    advs = derive_vars_dt(advs, dtc="VSDTC", new_vars_prefix="A", findings=ctx.findings)
    advs = derive_vars_dy(advs, reference_date="TRTSDT", source_vars=["ADT"])
    advs = derive_vars_merged(advs, dataset_add=PARAMS[["VSTESTCD", "PARAMCD"]], by_vars=["VSTESTCD"])
    advs["AVAL"] = advs["VSSTRESN"]

    by = SUBJ + adsl_vars + ["VISIT", "VISITNUM", "ADT", "ADY", "VSTPT", "VSTPTNUM"]
    done = "VSSTAT != 'NOT DONE' or VSSTAT.isna()"
    advs = derive_param_map(advs, by_vars=by, unit_var="VSSTRESU", filter=done)
    advs = derive_param_bsa(advs, by_vars=by, method="Mosteller", unit_var="VSSTRESU", filter=done,
                            constant_by_vars=["USUBJID"])
    advs = derive_param_bmi(advs, by_vars=by, unit_var="VSSTRESU", filter=done, constant_by_vars=["USUBJID"])

    advs["ATPTN"], advs["ATPT"] = advs["VSTPTNUM"], advs["VSTPT"]
    advs["AVISIT"], advs["AVISITN"] = s.visit_from_week(advs["VISIT"])
    advs = derive_summary_records(advs, dataset_add=advs, by_vars=SUBJ + adsl_vars + ["PARAMCD", "AVISITN", "AVISIT",
                                                                                    "ADT", "ADY"],
                                  filter_add="AVAL.notna()",
                                  set_values_to={"AVAL": Summary("AVAL", "mean"), "DTYPE": "AVERAGE"})
    advs = derive_var_ontrtfl(advs, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                              filter_pre_timepoint="AVISIT == 'Baseline'")
    advs = derive_vars_merged(advs, dataset_add=RANGES, by_vars=["PARAMCD"])
    advs = derive_var_anrind(advs)

    advs = derive_basetype_records(advs, basetypes=BASETYPES)
    advs = derive_var_extreme_flag(advs, by_vars=["STUDYID", "USUBJID", "BASETYPE", "PARAMCD"],
                                   order=["ADT", "VISITNUM", "VSSEQ"], new_var="ABLFL", mode="last", false_value=None,
                                   filter="AVAL.notna() and ADT <= TRTSDT and BASETYPE.notna() and DTYPE.isna()")
    advs = derive_var_base(advs, by_vars=KEY)
    advs = derive_var_base(advs, by_vars=KEY, source_var="ANRIND", new_var="BNRIND")
    post = advs["AVISITN"] > 0
    advs["CHG"] = derive_var_chg(advs)["CHG"].where(post)
    advs["PCHG"] = derive_var_pchg(advs)["PCHG"].where(post)
    advs = derive_var_extreme_flag(advs, by_vars=["USUBJID", "PARAMCD", "AVISIT", "ATPT", "DTYPE"],
                                   order=["ADT", "AVAL"], new_var="ANL01FL", mode="last", false_value=None,
                                   filter="AVISITN.notna() and ONTRTFL == 'Y'", check_type="none")
    # end of treatment: the last analysed visit of weeks 4-26 per position
    advs = derive_extreme_records(advs, dataset_add=advs, by_vars=["STUDYID", "USUBJID", "PARAMCD", "ATPTN"],
                                  order=["ADT", "AVISITN", "AVAL"], mode="last", check_type="none",
                                  filter_add="4 < AVISITN and AVISITN <= 13 and ANL01FL == 'Y' and DTYPE.isna()",
                                  set_values_to={"AVISIT": "End of Treatment", "AVISITN": 99.0, "DTYPE": "LOV"})
    advs["TRTP"], advs["TRTA"] = advs["TRT01P"], advs["TRT01A"]
    advs = derive_var_obs_number(advs, new_var="ASEQ", by_vars=SUBJ,
                                 order=["PARAMCD", "ADT", "AVISITN", "VISITNUM", "ATPTN", "DTYPE"],
                                 check_type="error", dataset_name="ADVS")
    advs = derive_vars_cat(advs, definition=AVALCAT, by_vars=["PARAMCD"])
    advs = derive_vars_merged(advs, dataset_add=PARAMS.drop(columns="VSTESTCD"), by_vars=["PARAMCD"])
    advs = derive_vars_merged(advs, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=SUBJ)
    return {"ADVS": advs}
