"""ADMH from MH and ADSL, as admiral's ad_admh.R template derives it (admiral 1.4.1): dates,
study days, SMQ/CQ query variables, history category, occurrence flags, analysis flag, phase."""

from __future__ import annotations

from derivations.adam import (derive_var_extreme_flag, derive_vars_cat, derive_vars_dt, derive_vars_dy,
                              derive_vars_merged, derive_vars_query)

from . import _shared as s

READS = ("ADSL", "MH")
WRITES = ("ADMH",)

#: admiral's demonstration queries (its data set queries_mh): SMQs and customised queries by
#: the lowest level term or the dictionary-derived term
QUERIES = s.table("PREFIX GRPNAME GRPID SCOPE SCOPEN SRCVAR TERMCHAR", """
CQ01  | Dermatologic events                     | -        | -      | - | MHLLT   | APPLICATION SITE ERYTHEMA
CQ01  | Dermatologic events                     | -        | -      | - | MHLLT   | APPLICATION SITE PRURITUS
CQ01  | Dermatologic events                     | -        | -      | - | MHLLT   | ERYTHEMA
CQ01  | Dermatologic events                     | -        | -      | - | MHLLT   | LOCALIZED ERYTHEMA
CQ01  | Dermatologic events                     | -        | -      | - | MHLLT   | GENERALIZED PRURITUS
SMQ02 | Immune-Mediated Hypothyroidism          | 20000160 | BROAD  | 1 | MHDECOD | BIOPSY THYROID GLAND ABNORMAL
SMQ02 | Immune-Mediated Hypothyroidism          | 20000160 | BROAD  | 1 | MHDECOD | BLOOD THYROID STIMULATING HORMONE ABNORMAL
SMQ02 | Immune-Mediated Hypothyroidism          | 20000160 | NARROW | 2 | MHDECOD | BIOPSY THYROID GLAND INCREASED
SMQ03 | Immune-Mediated Guillain-Barre Syndrome | 20000131 | NARROW | 2 | MHDECOD | GUILLAIN-BARRE SYNDROME
SMQ03 | Immune-Mediated Guillain-Barre Syndrome | 20000131 | NARROW | 2 | MHDECOD | MILLER FISHER SYNDROME
CQ04  | Immune-Mediated Adrenal Insufficiency   | 12150    | -      | - | MHDECOD | ADDISON'S DISEASE
CQ04  | Immune-Mediated Adrenal Insufficiency   | 12150    | -      | - | MHDECOD | ADRENAL ATROPHY
SMQ05 | Immune-Mediated Pneumonitis             | 20000042 | NARROW | 2 | MHDECOD | ALVEOLAR PROTEINOSIS
SMQ05 | Immune-Mediated Pneumonitis             | 20000042 | NARROW | 2 | MHDECOD | ALVEOLITIS
""", numeric=("GRPID", "SCOPEN"))

#: MHTERMN: the order of the pre-printed terms on the CRF
MHTERMN = s.table("MHTERM MHTERMN", """
ALZHEIMER'S DISEASE | 1
""", numeric=("MHTERMN",))

#: history category (the template's case_when; no row: missing)
AHIST = s.table("condition AHIST", """
MHENRF == 'BEFORE'                | Past
MHENRF in ['DURING', 'AFTER']     | Current
MHSTAT == 'Not Done'              | Not Assessed
""")
#: analysis flag: the history occurred (or was not asked)
ANL01FL = s.table("condition ANL01FL", """
MHOCCUR.notna() and MHOCCUR != 'N' | Y
""")
#: phase of the record's date (the template's case_when, its on-treatment condition as written there:
#: on or before the first dose and on or after the last)
APHASE = s.table("condition APHASE APHASEN", """
ADT < TRTSDT                      | Screening      | 1
ADT > TRTEDT                      | Post-Treatment | 2
ADT <= TRTSDT and ADT >= TRTEDT   | On-Treatment   | 3
""", numeric=("APHASEN",))

SUBJ = s.SUBJ


def derive(ctx):
    mh, adsl = s.sdtm(ctx, "MH"), ctx.adam["ADSL"]
    s.assert_subjects_in(mh, adsl, name="MH", ref_name="ADSL")
    s.assert_unique(mh, ["STUDYID", "USUBJID", "MHSEQ"], name="MH")
    adsl_vars = ["TRTSDT", "TRTEDT", "TRT01A", "TRT01P", "DTHDT", "EOSDT"]
    admh = derive_vars_merged(mh, dataset_add=adsl, by_vars=SUBJ, new_vars=adsl_vars)
    admh = derive_vars_dt(admh, dtc="MHSTDTC", new_vars_prefix="AST", findings=ctx.findings)
    admh = derive_vars_dt(admh, dtc="MHENDTC", new_vars_prefix="AEN", date_imputation="last",
                          max_dates=["DTHDT", "EOSDT"], findings=ctx.findings)
    admh = derive_vars_dy(admh, reference_date="TRTSDT", source_vars=["ASTDT", "AENDT"])
    admh = derive_vars_dt(admh, dtc="MHDTC", new_vars_prefix="A", findings=ctx.findings)
    admh = derive_vars_dy(admh, reference_date="TRTSDT", source_vars=["ADT"])
    admh = derive_vars_query(admh, dataset_queries=QUERIES)
    admh = derive_vars_cat(admh, definition=AHIST)
    for new_var, by, order in (
            ("AOCCFL", ["USUBJID"], ["ASTDT", "MHSEQ"]),
            ("AOCCSFL", ["USUBJID", "MHBODSYS"], ["USUBJID", "MHBODSYS", "MHCAT", "MHDECOD", "MHTERM", "ASTDT", "MHSEQ"]),
            ("AOCCPFL", ["USUBJID", "MHDECOD"], ["USUBJID", "MHBODSYS", "MHCAT", "MHDECOD", "MHTERM", "ASTDT", "MHSEQ"]),
            ("AOCPFL", ["USUBJID"], ["USUBJID", "AHIST", "ASTDT", "MHSEQ"]),
            ("AOCPSFL", ["USUBJID", "MHBODSYS"], ["USUBJID", "AHIST", "MHBODSYS", "MHCAT", "ASTDT", "MHSEQ"]),
            ("AOCPPFL", ["USUBJID", "MHDECOD"], ["USUBJID", "AHIST", "MHBODSYS", "MHCAT", "MHDECOD", "MHTERM", "ASTDT",
                                                 "MHSEQ"])):
        admh = derive_var_extreme_flag(admh, by_vars=by, order=order, new_var=new_var, mode="first", false_value=None,
                                       check_type="none")
    admh = derive_vars_cat(admh, definition=ANL01FL)
    admh["TRTP"], admh["TRTA"] = admh["TRT01P"], admh["TRT01A"]
    admh = derive_vars_cat(admh, definition=APHASE)
    termn = derive_vars_merged(admh[["MHTERM"]], dataset_add=MHTERMN, by_vars=["MHTERM"])["MHTERMN"]
    admh["MHTERMN"] = termn.where(admh["MHPRESP"].eq("Y").fillna(False))
    admh = derive_vars_merged(admh, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=SUBJ)
    return {"ADMH": admh}
