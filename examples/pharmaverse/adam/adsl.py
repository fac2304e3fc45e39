"""ADSL from DM (pharmaversesdtm 1.4.0), EX, DS, AE, LB, as admiral's ad_adsl.R template derives it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from derivations.adam import (DateSource, derive_var_extreme_dt, derive_var_merged_exist_flag, derive_vars_dt,
                              derive_vars_dtm, derive_vars_duration, derive_vars_merged)

from . import _shared as s

READS = ("DM", "EX", "DS", "AE", "LB")
WRITES = ("ADSL",)


def derive(ctx):
    subj = s.SUBJ
    dm = s.sdtm(ctx, "DM")
    ex, ds = s.sdtm(ctx, "EX"), s.sdtm(ctx, "DS")
    ae = s.sdtm(ctx, "AE", ["STUDYID", "USUBJID", "AESEQ", "AEDECOD", "AEOUT", "AESTDTC", "AEENDTC"])
    lb = s.sdtm(ctx, "LB", ["STUDYID", "USUBJID", "LBDTC"])
    for name, frame in (("EX", ex), ("DS", ds), ("AE", ae), ("LB", lb)):
        s.assert_subjects_in(frame, dm, name=name)
    s.assert_unique(dm, subj, name="DM")
    adsl = dm.drop(columns="DOMAIN")
    adsl["TRT01P"] = adsl["ARM"]
    adsl["TRT01A"] = adsl["ACTARM"]

    # treatment start/end: first/last valid dose; missing time imputed (start 00:00:00, end 23:59:59)
    ex_ext = derive_vars_dtm(ex, dtc="EXSTDTC", new_vars_prefix="EXST")
    ex_ext = derive_vars_dtm(ex_ext, dtc="EXENDTC", new_vars_prefix="EXEN", time_imputation="last")
    valid_dose = "(EXDOSE > 0 or (EXDOSE == 0 and EXTRT.str.contains('PLACEBO')))"
    adsl = derive_vars_merged(adsl, dataset_add=ex_ext, by_vars=subj,
                              filter_add=f"{valid_dose} and EXSTDTM.notna()",
                              new_vars={"TRTSDTM": "EXSTDTM", "TRTSTMF": "EXSTTMF"},
                              order=["EXSTDTM", "EXSEQ"], mode="first")
    adsl = derive_vars_merged(adsl, dataset_add=ex_ext, by_vars=subj,
                              filter_add=f"{valid_dose} and EXENDTM.notna()",
                              new_vars={"TRTEDTM": "EXENDTM", "TRTETMF": "EXENTMF"},
                              order=["EXENDTM", "EXSEQ"], mode="last")
    adsl["TRTSDT"] = adsl["TRTSDTM"].dt.normalize()
    adsl["TRTEDT"] = adsl["TRTEDTM"].dt.normalize()
    adsl = derive_vars_duration(adsl, new_var="TRTDURD", start_date="TRTSDT", end_date="TRTEDT")

    # disposition
    ds_ext = derive_vars_dt(ds, dtc="DSSTDTC", new_vars_prefix="DSST")
    disp = "DSCAT == 'DISPOSITION EVENT'"
    adsl = derive_vars_merged(adsl, dataset_add=ds_ext, by_vars=subj, new_vars={"SCRFDT": "DSSTDT"},
                              filter_add=f"{disp} and DSDECOD == 'SCREEN FAILURE'")
    adsl = derive_vars_merged(adsl, dataset_add=ds_ext, by_vars=subj, new_vars={"EOSDT": "DSSTDT"},
                              filter_add=f"{disp} and DSDECOD != 'SCREEN FAILURE'")
    adsl = derive_vars_merged(adsl, dataset_add=ds_ext, by_vars=subj, new_vars={"_EOSDECOD": "DSDECOD"},
                              filter_add=disp, exist_flag="_EOSREC", true_value=True, false_value=False)
    dec = adsl["_EOSDECOD"]
    adsl["EOSSTT"] = np.select(
        [~adsl["_EOSREC"].astype(bool), dec.eq("COMPLETED").fillna(False), dec.eq("SCREEN FAILURE").fillna(False)],
        ["ONGOING", "COMPLETED", None], default="DISCONTINUED")
    adsl = adsl.drop(columns=["_EOSDECOD", "_EOSREC"])
    adsl = derive_vars_merged(adsl, dataset_add=ds_ext, by_vars=subj, new_vars={"FRVDT": "DSSTDT"},
                              filter_add="DSCAT == 'OTHER EVENT' and DSDECOD == 'FINAL RETRIEVAL VISIT'")
    adsl = derive_vars_merged(adsl, dataset_add=ds_ext, by_vars=subj, new_vars={"RANDDT": "DSSTDT"},
                              filter_add="DSDECOD == 'RANDOMIZED'")

    # death
    adsl = derive_vars_dt(adsl, dtc="DTHDTC", new_vars_prefix="DTH", highest_imputation="M", date_imputation="first")
    adsl = derive_vars_duration(adsl, new_var="DTHADY", start_date="TRTSDT", end_date="DTHDT")
    adsl = derive_vars_duration(adsl, new_var="LDDTHELD", start_date="TRTEDT", end_date="DTHDT", add_one=False)
    # cause of death: a fatal AE first, else a DS death record naming the cause (admiral event order)
    adsl = derive_vars_merged(adsl, dataset_add=ae, by_vars=subj, filter_add="AEOUT == 'FATAL'",
                              new_vars={"_CAUS_AE": "AEDECOD"}, order=["AESEQ"], mode="first",
                              exist_flag="_AE", true_value=True, false_value=False)
    adsl = derive_vars_merged(adsl, dataset_add=ds, by_vars=subj,
                              filter_add="DSDECOD == 'DEATH' and DSTERM.str.contains('DEATH DUE TO')",
                              new_vars={"_CAUS_DS": "DSTERM"}, order=["DSSEQ"], mode="first",
                              exist_flag="_DS", true_value=True, false_value=False)
    from_ae, from_ds = adsl["_AE"].astype(bool), adsl["_DS"].astype(bool) & ~adsl["_AE"].astype(bool)
    adsl["DTHCAUS"] = adsl["_CAUS_AE"].astype(object).where(from_ae, adsl["_CAUS_DS"].astype(object).where(from_ds))
    adsl["DTHDOM"] = np.select([from_ae, from_ds], ["AE", "DS"], None)
    adsl = adsl.drop(columns=["_CAUS_AE", "_CAUS_DS", "_AE", "_DS"])
    caus = adsl["DTHCAUS"].astype("string")
    adsl["DTHCGR1"] = np.select(
        [adsl["DTHDOM"].isna(), adsl["DTHDOM"].eq("AE"),
         caus.str.contains("PROGRESSIVE DISEASE|DISEASE RELAPSE", regex=True).fillna(False).to_numpy(dtype=bool)],
        [None, "ADVERSE EVENT", "PROGRESSIVE DISEASE"], default="OTHER")

    # last known alive: AE start/end and lab dates (missing day/month imputed to the first), treatment end
    # (a date that is not ISO 8601 is reported in the findings and not used)
    ae_ext = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AEST", highest_imputation="M", findings=ctx.findings)
    ae_ext = derive_vars_dt(ae_ext, dtc="AEENDTC", new_vars_prefix="AEEN", highest_imputation="M",
                            findings=ctx.findings)
    lb_ext = derive_vars_dt(lb, dtc="LBDTC", new_vars_prefix="LB", highest_imputation="M", findings=ctx.findings)
    adsl = derive_var_extreme_dt(
        adsl, new_var="LSTALVDT", mode="last",
        sources=[DateSource("ae", "AESTDT"), DateSource("ae", "AEENDT"), DateSource("lb", "LBDT"),
                 DateSource("adsl", "TRTEDT")],
        source_datasets={"ae": ae_ext, "lb": lb_ext, "adsl": adsl})

    # population flag and groupings
    adsl = derive_var_merged_exist_flag(adsl, dataset_add=ex, by_vars=subj, new_var="SAFFL",
                                        condition=valid_dose, false_value="N", missing_value="N")
    race, age = adsl["RACE"], adsl["AGE"]
    adsl["RACEGR1"] = np.select([race.eq("WHITE").fillna(False), race.notna()], ["White", "Non-white"], "Missing")
    adsl["AGEGR1"] = np.select([age < 18, (age >= 18) & (age <= 64), age > 64], ["<18", "18-64", ">64"], "Missing")
    adsl["REGION1"] = np.select([adsl["COUNTRY"].isin(["CAN", "USA"]), adsl["COUNTRY"].notna()], ["NA", "RoW"],
                                "Missing")
    held = adsl["LDDTHELD"]
    adsl["LDDTHGR1"] = np.select([held <= 30, held > 30], ["<= 30", "> 30"], None)
    adsl["DTH30FL"] = np.where(adsl["LDDTHGR1"] == "<= 30", "Y", None)
    adsl["DTHA30FL"] = np.where(adsl["LDDTHGR1"] == "> 30", "Y", None)
    adsl["DTHB30FL"] = np.where(adsl["DTHDT"] <= adsl["TRTSDT"] + pd.Timedelta(days=30), "Y", None)
    return {"ADSL": adsl}
