"""ADAE from AE, ADSL and EX, as admiral's ad_adae.R template derives it."""

from __future__ import annotations

from derivations.adam import (create_single_dose_dataset, derive_var_code, derive_var_extreme_flag,
                              derive_var_trtemfl, derive_vars_dtm, derive_vars_duration, derive_vars_dy,
                              derive_vars_joined, derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "AE", "EX")
WRITES = ("ADAE",)

#: ASEVN -> ASEV (admiral template: the factor levels of ASEV in this order)
ASEVN = {1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "DEATH THREATENING"}


def derive(ctx):
    subj = s.SUBJ
    ae, ex = s.sdtm(ctx, "AE"), s.sdtm(ctx, "EX")
    adsl = ctx.adam["ADSL"]
    s.assert_subjects_in(ae, adsl, name="AE", ref_name="ADSL")
    s.assert_unique(ae, ["STUDYID", "USUBJID", "AESEQ"], name="AE")
    adsl_vars = ["TRTSDT", "TRTEDT", "DTHDT", "EOSDT"]
    adae = derive_vars_merged(ae, dataset_add=adsl, by_vars=subj, new_vars=adsl_vars)

    # analysis start/end: missing day/month imputed (start: first, not before TRTSDT; end: last,
    # not after death or end of study); missing time 00:00:00 / 23:59:59
    adae = derive_vars_dtm(adae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M",
                           min_dates=["TRTSDT"], findings=ctx.findings)
    adae = derive_vars_dtm(adae, dtc="AEENDTC", new_vars_prefix="AEN", highest_imputation="M",
                           date_imputation="last", time_imputation="last", max_dates=["DTHDT", "EOSDT"],
                           bounds_are_dates=True,
                           findings=ctx.findings)
    adae["ASTDT"] = adae["ASTDTM"].dt.normalize()
    adae["AENDT"] = adae["AENDTM"].dt.normalize()
    adae = derive_vars_dy(adae, reference_date="TRTSDT", source_vars=["ASTDT", "AENDT"])
    for col in ("ASTDY", "AENDY"):
        adae[col] = adae[col].astype("float64")
    adae = derive_vars_duration(adae, new_var="ADURN", new_var_unit="ADURU", start_date="ASTDT", end_date="AENDT",
                                unit_text="days", unit_if_missing=False)

    # last dose before the AE and the dose on the AE start day, from single-dose records (admiral's
    # ex_single: the EX records of the listed doses, one record per day)
    doses = list(ctx.settings.get("pharmaverse", {}).get("ex_single_doses", [0.0, 54.0]))
    ex_day = derive_vars_dtm(ex, dtc="EXSTDTC", new_vars_prefix="EXST", flag_imputation="none")
    ex_day = derive_vars_dtm(ex_day, dtc="EXENDTC", new_vars_prefix="EXEN", flag_imputation="none")
    ex_single = create_single_dose_dataset(ex_day, start_date="EXSTDTM", end_date="EXENDTM",
                                           filter=f"EXDOSE in {doses} and EXSTDTM.notna() and EXENDTM.notna()",
                                           start_dtc="EXSTDTC", end_dtc="EXENDTC")
    valid_dose = "(EXDOSE > 0 or (EXDOSE == 0 and EXTRT.str.contains('PLACEBO'))) and EXSTDTM.notna()"
    adae = derive_vars_joined(adae, dataset_add=ex_single, by_vars=subj, new_vars={"LDOSEDTM": "EXSTDTM"},
                              filter_add=valid_dose, filter_join="EXSTDTM <= ASTDTM", order=["EXSTDTM"],
                              mode="last")
    adae = derive_vars_joined(adae, dataset_add=ex_single, by_vars=subj,
                              new_vars={"DOSEON": "EXDOSE", "DOSEU": "EXDOSU"},
                              filter_add="EXSTDTM.notna()",
                              filter_join="EXSTDTM <= ASTDTM and ASTDTM <= EXENDTM")
    adae["ASEV"] = adae["AESEV"]
    adae["AREL"] = adae["AEREL"]
    adae = derive_var_trtemfl(adae, start_date="ASTDTM", end_date="AENDTM", trt_start_date="TRTSDT",
                              trt_end_date="TRTEDT", end_window=30)
    adae = derive_var_code(adae, source_var="ASEV", new_var="ASEVN", codelist=ASEVN)
    adae = derive_var_extreme_flag(adae, by_vars=["USUBJID"], order=["-ASEVN", "ASTDTM", "AESEQ"],
                                   new_var="AOCCIFL", mode="first", filter="TRTEMFL == 'Y'", false_value=None)
    # every other ADSL variable (BRTHDTC is not part of the peer's ADAE)
    adae = derive_vars_merged(adae, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=subj)
    return {"ADAE": adae}
