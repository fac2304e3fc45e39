"""ADEX from EX and ADSL, as admiral's ad_adex.R template derives it (admiral 1.4.1): one record
per dose interval and parameter (duration, dose, planned dose, adjustments), then per subject the
totals overall and in weeks 2-24, dose intensity and average daily dose."""

from __future__ import annotations

import pandas as pd

from derivations.adam import (Formula, Summary, derive_param_computed, derive_param_doseint, derive_param_exposure,
                              derive_var_obs_number, derive_vars_cat, derive_vars_dtm, derive_vars_duration,
                              derive_vars_dy, derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "EX")
WRITES = ("ADEX",)

PARAMS = s.table("PARAMCD PARAM PARAMN", """
DURD    | Study drug duration during constant dosing interval (days) | 1
DOSE    | Dose administered during constant dosing interval (mg)     | 2
PLDOSE  | Planned dose during constant dosing interval (mg)          | 3
ADJ     | Dose adjusted during constant dosing interval              | 4
ADJAE   | Dose adjusted  due to AE during constant dosing interval   | 5
TDURD   | Overall duration (days)                                    | 7
TDOSE   | Total dose administered (mg)                               | 8
AVDDSE  | Average daily dose administered (mg/mg)                    | 10
TPDOSE  | Total planned dose (mg)                                    | 11
TADJ    | Dose adjusted during study                                 | 13
TADJAE  | Dose adjusted during study due to AE                       | 14
PDURD   | Overall duration in W2-W24 (days)                          | 19
PDOSE   | Total dose administered in W2-W2 (mg)4                     | 20
PPDOSE  | Total planned dose in W2-W24 (mg)                          | 21
PAVDDSE | Average daily dose administered in W2-W24 (mg)             | 23
PADJ    | Dose adjusted during W2-W24                                | 24
PADJAE  | Dose adjusted  in W2-W24 due to AE                         | 25
TDOSINT | Overall dose intensity (%)                                 | 90
PDOSINT | W2-24 dose intensity (%)                                   | 91
""", numeric=("PARAMN",))

AVALCAT = [("PARAMCD", "condition", "AVALCAT1"),
           *[(p, c, v) for p in ("TDURD", "PDURD") for c, v in (
               ("AVAL >= 90", ">= 90 days"), ("AVAL >= 30 and AVAL < 90", ">= 30 and < 90 days"),
               ("AVAL < 30", "< 30 days"))],
           *[(p, c, v) for p in ("TDOSE", "PDOSE") for c, v in (("AVAL < 100", "< 100 mg"),
                                                                 ("AVAL >= 100", ">= 100 mg"))]]

#: the template's demonstration adjustments (EX has none): the adjusted intervals get dose 0
DEMONSTRATION_EXADJ = s.table("condition EXADJ", """
USUBJID == '01-701-1034' and VISIT in ['WEEK 2', 'WEEK 24'] | ADVERSE EVENT
USUBJID == '01-701-1148' and VISIT == 'WEEK 24'             | MEDICATION ERROR
""")
#: the template's planned dose (mg)
EXPLDOS = s.table("condition EXPLDOS", """
EXTRT == 'PLACEBO'                | 0
True                              | 54
""", numeric=("EXPLDOS",))

SUBJ = s.SUBJ


def _any_y(values: pd.Series):
    """"Y" when any record of the group has a value (the template's if_else(sum(!is.na(AVALC)) > 0, ...))."""
    return "Y" if values.notna().any() else None


def demonstration_ex(ex: pd.DataFrame) -> pd.DataFrame:
    """The template's demonstration data: the pilot EX has no EXADJ and no planned dose, so the
    template sets two adjustments (with dose 0) and EXPLDOS (0 placebo, 54 mg otherwise)."""
    ex = derive_vars_cat(ex, definition=DEMONSTRATION_EXADJ)
    ex["EXDOSE"] = ex["EXDOSE"].where(ex["EXADJ"].isna(), 0.0)
    return derive_vars_cat(ex, definition=EXPLDOS)


def derive(ctx):
    ex, adsl = demonstration_ex(s.sdtm(ctx, "EX")), ctx.adam["ADSL"]
    s.assert_subjects_in(ex, adsl, name="EX", ref_name="ADSL")
    s.assert_unique(ex, ["STUDYID", "USUBJID", "EXSEQ"], name="EX")
    adsl_vars = ["TRTSDT", "TRTSDTM", "TRTEDTM"]
    adex0 = derive_vars_merged(ex, dataset_add=adsl, by_vars=SUBJ, new_vars=adsl_vars)
    adex0 = derive_vars_dtm(adex0, dtc="EXSTDTC", new_vars_prefix="AST", highest_imputation="M", findings=ctx.findings)
    adex0 = derive_vars_dtm(adex0, dtc="EXENDTC", new_vars_prefix="AEN", highest_imputation="M",
                            date_imputation="last", findings=ctx.findings)
    adex0 = derive_vars_dy(adex0, reference_date="TRTSDTM", source_vars=["ASTDTM", "AENDTM"])
    adex0 = derive_vars_duration(adex0, new_var="EXDURD", start_date="ASTDTM", end_date="AENDTM")
    adex0["ASTDT"], adex0["AENDT"] = adex0["ASTDTM"].dt.normalize(), adex0["AENDTM"].dt.normalize()
    adex0["DOSEO"] = adex0["EXDOSE"] * adex0["EXDURD"]
    adex0["PDOSEO"] = adex0["EXPLDOS"] * adex0["EXDURD"]

    # one record per dose interval and parameter
    none = pd.Series(None, index=adex0.index, dtype=object)
    adjusted = adex0["EXADJ"].notna()
    adex = pd.concat([
        adex0.assign(PARAMCD="DURD", AVAL=adex0["EXDURD"]),
        adex0.assign(PARAMCD="DOSE", AVAL=adex0["DOSEO"]),
        adex0.assign(PARAMCD="PLDOSE", AVAL=adex0["PDOSEO"]),
        adex0.assign(PARAMCD="ADJ", AVALC=none.where(~adjusted, "Y")),
        adex0.assign(PARAMCD="ADJAE", AVALC=none.where(adex0["EXADJ"] != "ADVERSE EVENT", "Y")),
    ], ignore_index=True).assign(PARCAT1="INDIVIDUAL")

    # per subject: overall and weeks 2-24
    by = SUBJ + adsl_vars
    source = adex
    for prefix, parcat, filter_add in (("T", "OVERALL", None), ("P", "WEEK 2-24", "VISIT in ['WEEK 2', 'WEEK 24']")):
        for code, input_code, summary in (("DOSE", "DOSE", Summary("AVAL", "sum")),
                                          ("PDOSE", "PLDOSE", Summary("AVAL", "sum")),
                                          ("DURD", "DURD", Summary("AVAL", "sum")),
                                          ("ADJ", "ADJ", Summary("AVALC", _any_y)),
                                          ("ADJAE", "ADJAE", Summary("AVALC", _any_y))):
            new_code = prefix + code if code != "PDOSE" else prefix + "PDOSE"
            var = "AVALC" if code.startswith("ADJ") else "AVAL"
            adex = derive_param_exposure(adex, dataset_add=source, by_vars=by, input_code=input_code,
                                         filter_add=filter_add,
                                         set_values_to={"PARAMCD": new_code, "PARCAT1": parcat, var: summary})
    by = SUBJ + adsl_vars + ["PARCAT1", "ASTDTM", "ASTDT", "AENDTM", "AENDT"]
    for code, given, planned in (("TDOSINT", "TDOSE", "TPDOSE"), ("PDOSINT", "PDOSE", "PPDOSE")):
        adex = derive_param_doseint(adex, by_vars=by, tadm_code=given, tpadm_code=planned,
                                    set_values_to={"PARAMCD": code})
    for code, dose, dur in (("AVDDSE", "TDOSE", "TDURD"), ("PAVDDSE", "PDOSE", "PDURD")):
        adex = derive_param_computed(adex, by_vars=by, parameters=[dose, dur],
                                     set_values_to={"PARAMCD": code, "AVAL": Formula(f"{dose} / {dur}")})

    adex = derive_vars_merged(adex, dataset_add=PARAMS, by_vars=["PARAMCD"])
    adex = derive_vars_cat(adex, definition=AVALCAT, by_vars=["PARAMCD"])
    adex = derive_var_obs_number(adex, new_var="ASEQ", by_vars=SUBJ,
                                 order=["PARCAT1", "ASTDT", "VISIT", "VISITNUM", "EXSEQ", "PARAMN"],
                                 check_type="error", dataset_name="ADEX")
    adex = derive_vars_merged(adex, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=SUBJ)
    return {"ADEX": adex}
