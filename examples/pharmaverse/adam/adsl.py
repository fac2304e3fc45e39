"""ADSL from DM (pharmaversesdtm 1.4.0), EX, DS, AE, LB, as admiral's ad_adsl.R template derives it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from derivations.adam import (DateSource, derive_var_extreme_dt, derive_var_merged_exist_flag, derive_vars_cat,
                              derive_vars_dt, derive_vars_dtm, derive_vars_duration, derive_vars_merged)

from . import _shared as s

READS = ("DM", "EX", "DS", "AE", "LB")
WRITES = ("ADSL",)

#: groupings of the template (admiral ``derive_vars_cat``): the first row whose condition holds gives
#: the values; ``True`` is the template's default row, ``-`` a missing value
EOSSTT = s.table("condition EOSSTT", """
not _EOSREC                      | ONGOING
_EOSDECOD == 'COMPLETED'         | COMPLETED
_EOSDECOD == 'SCREEN FAILURE'    | -
True                             | DISCONTINUED
""")
DTHDOM = s.table("condition DTHDOM", """
_AE                              | AE
_DS                              | DS
""")
DTHCGR1 = s.table("condition DTHCGR1", """
DTHDOM.isna()                    | -
DTHDOM == 'AE'                   | ADVERSE EVENT
DTHCAUS.str.contains('PROGRESSIVE DISEASE') or DTHCAUS.str.contains('DISEASE RELAPSE') | PROGRESSIVE DISEASE
True                             | OTHER
""")
RACEGR1 = s.table("condition RACEGR1", """
RACE == 'WHITE'                  | White
RACE.notna()                     | Non-white
True                             | Missing
""")
AGEGR1 = s.table("condition AGEGR1", """
AGE < 18                         | <18
AGE >= 18 and AGE <= 64          | 18-64
AGE > 64                         | >64
True                             | Missing
""")
REGION1 = s.table("condition REGION1", """
COUNTRY in ['CAN', 'USA']        | NA
COUNTRY.notna()                  | RoW
True                             | Missing
""")
#: death after the last dose: the group and its two flags
LDDTHGR1 = s.table("condition LDDTHGR1 DTH30FL DTHA30FL", """
LDDTHELD <= 30                   | <= 30 | Y | -
LDDTHELD > 30                    | > 30  | - | Y
""")


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
    adsl = derive_vars_cat(adsl, definition=EOSSTT).drop(columns=["_EOSDECOD", "_EOSREC"])
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
    adsl = derive_vars_cat(adsl, definition=DTHDOM)
    adsl = adsl.drop(columns=["_CAUS_AE", "_CAUS_DS", "_AE", "_DS"])
    adsl = derive_vars_cat(adsl, definition=DTHCGR1)

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
    for definition in (RACEGR1, AGEGR1, REGION1, LDDTHGR1):
        adsl = derive_vars_cat(adsl, definition=definition)
    adsl["DTHB30FL"] = np.where(adsl["DTHDT"] <= adsl["TRTSDT"] + pd.Timedelta(days=30), "Y", None)
    return {"ADSL": adsl}
