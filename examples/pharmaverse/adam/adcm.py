"""ADCM from CM and ADSL, as admiral's ad_adcm.R template derives it (admiral 1.4.1): imputed start
and end, study days, duration, on-treatment / pre-treatment / follow-up flags and phase, first
occurrence of a preferred term. The pilot has no FACM, so no ATC classes (derive_vars_atc adds them
where a study has FACM)."""

from __future__ import annotations

from derivations.adam import (derive_var_extreme_flag, derive_var_ontrtfl, derive_vars_cat, derive_vars_dtm,
                              derive_vars_duration, derive_vars_dy, derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "CM")
WRITES = ("ADCM",)

#: phase of the medication's start (the template's case_when: pre-treatment, on-treatment, follow-up)
APHASE = s.table("condition APHASE APHASEN", """
PREFL == 'Y'                      | Pre-Treatment  | 1
ONTRTFL == 'Y'                    | On-Treatment   | 2
FUPFL == 'Y'                      | Follow-Up      | 3
""", numeric=("APHASEN",))

SUBJ = s.SUBJ


def derive(ctx):
    cm, adsl = s.sdtm(ctx, "CM"), ctx.adam["ADSL"]
    s.assert_subjects_in(cm, adsl, name="CM", ref_name="ADSL")
    s.assert_unique(cm, ["STUDYID", "USUBJID", "CMSEQ"], name="CM")
    adsl_vars = ["TRTSDT", "TRTEDT", "DTHDT", "EOSDT", "TRT01P", "TRT01A"]
    adcm = derive_vars_merged(cm, dataset_add=adsl, by_vars=SUBJ, new_vars=adsl_vars)
    adcm = derive_vars_dtm(adcm, dtc="CMSTDTC", new_vars_prefix="AST", highest_imputation="M",
                           min_dates=["TRTSDT"], findings=ctx.findings)
    adcm = derive_vars_dtm(adcm, dtc="CMENDTC", new_vars_prefix="AEN", highest_imputation="M",
                           date_imputation="last", time_imputation="last", max_dates=["DTHDT", "EOSDT"],
                           bounds_are_dates=True, findings=ctx.findings)
    adcm["ASTDT"], adcm["AENDT"] = adcm["ASTDTM"].dt.normalize(), adcm["AENDTM"].dt.normalize()
    adcm = derive_vars_dy(adcm, reference_date="TRTSDT", source_vars=["ASTDT", "AENDT"])
    adcm = derive_vars_duration(adcm, new_var="ADURN", new_var_unit="ADURU", start_date="ASTDT", end_date="AENDT",
                                unit_text="days", unit_if_missing=False)

    adcm = derive_var_ontrtfl(adcm, start_date="ASTDT", end_date="AENDT", ref_start_date="TRTSDT",
                              ref_end_date="TRTEDT")
    pre = (adcm["ASTDT"] < adcm["TRTSDT"]).to_numpy(dtype=bool)
    follow = (adcm["ASTDT"] > adcm["TRTEDT"]).to_numpy(dtype=bool)
    on = (adcm["ONTRTFL"] == "Y").to_numpy(dtype=bool)
    adcm["PREFL"] = s.flag(pre, adcm.index)
    adcm["FUPFL"] = s.flag(follow, adcm.index)
    adcm["ANL01FL"] = s.flag(on, adcm.index)
    adcm = derive_var_extreme_flag(adcm, by_vars=["USUBJID", "CMDECOD"], order=["ASTDTM", "CMSEQ"], new_var="AOCCPFL",
                                   mode="first", filter="ANL01FL == 'Y'", false_value=None)
    adcm = derive_vars_cat(adcm, definition=APHASE)
    adcm["TRTP"], adcm["TRTA"] = adcm["TRT01P"], adcm["TRT01A"]
    adcm = derive_vars_merged(adcm, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=SUBJ)
    return {"ADCM": adcm}
