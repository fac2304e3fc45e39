"""ADEG from EG and ADSL, as admiral's ad_adeg.R template derives it (admiral 1.4.1): RR and QTc
(Bazett, Fridericia, Sagie) re-derived, visits, the mean of the triplicates per visit, on-treatment
flag up to 30 days after the last dose, reference ranges, baseline from the averaged records,
change, analysis flag, AVALCAT1/CHGCAT1."""

from __future__ import annotations

import pandas as pd

from derivations.adam import (Summary, derive_basetype_records, derive_param_qtc, derive_param_rr,
                              derive_summary_records, derive_var_anrind, derive_var_base, derive_var_chg,
                              derive_var_extreme_flag, derive_var_obs_number, derive_var_ontrtfl, derive_var_pchg,
                              derive_vars_cat, derive_vars_dtm, derive_vars_dy, derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "EG")
WRITES = ("ADEG",)

PARAMS = s.table("EGTESTCD PARAMCD PARAM PARAMN", """
ECGINT | EGINTP | ECG Interpretation                                    | 1
HR     | HR     | Heart Rate (beats/min)                                | 2
RR     | RR     | RR Duration (ms)                                      | 3
RRR    | RRR    | RR Duration Rederived (ms)                            | 4
QT     | QT     | QT Duration (ms)                                      | 10
QTCBR  | QTCBR  | QTcB - Bazett's Correction Formula Rederived (ms)     | 11
QTCFR  | QTCFR  | QTcF - Fridericia's Correction Formula Rederived (ms) | 12
QTLCR  | QTLCR  | QTlc - Sagie's Correction Formula Rederived (ms)      | 13
""", numeric=("PARAMN",))

RANGES = s.table("PARAMCD ANRLO ANRHI", """
EGINTP | -   | -
HR     | 40  | 100
RR     | 600 | 1500
QT     | 350 | 450
RRR    | 600 | 1500
QTCBR  | 350 | 450
QTCFR  | 350 | 450
QTLCR  | 350 | 450
""", numeric=("ANRLO", "ANRHI"))

QT = "PARAMCD.str.startswith('QT')"
AVALCAT = [("condition", "AVALCAT1", "AVALCA1N"),
           (f"{QT} and AVAL <= 450", "<= 450 ms", 1),
           (f"{QT} and AVAL > 450 and AVAL <= 480", ">450<=480 ms", 2),
           (f"{QT} and AVAL > 480 and AVAL <= 500", ">480<=500 ms", 3),
           (f"{QT} and AVAL > 500", ">500 ms", 4)]
CHGCAT = [("condition", "CHGCAT1", "CHGCAT1N"),
          (f"{QT} and CHG <= 30", "<= 30 ms", 1),
          (f"{QT} and CHG > 30 and CHG <= 60", ">30<=60 ms", 2),
          (f"{QT} and CHG > 60", ">60 ms", 3)]

SUBJ = s.SUBJ
KEY = ["STUDYID", "USUBJID", "PARAMCD", "BASETYPE"]


def derive(ctx):
    eg, adsl = s.sdtm(ctx, "EG"), ctx.adam["ADSL"]
    s.assert_subjects_in(eg, adsl, name="EG", ref_name="ADSL")
    s.assert_unique(eg, ["STUDYID", "USUBJID", "EGSEQ"], name="EG")
    adsl_vars = ["TRTSDT", "TRTEDT", "TRT01A", "TRT01P"]
    adeg = derive_vars_merged(eg, dataset_add=adsl, by_vars=SUBJ, new_vars=adsl_vars)
    adeg = derive_vars_dtm(adeg, dtc="EGDTC", new_vars_prefix="A", findings=ctx.findings)
    adeg = derive_vars_dy(adeg, reference_date="TRTSDT", source_vars=["ADTM"])
    adeg = derive_vars_merged(adeg, dataset_add=PARAMS[["EGTESTCD", "PARAMCD"]], by_vars=["EGTESTCD"])
    adeg["AVAL"] = adeg["EGSTRESN"]
    adeg["AVALC"] = s.non_redundant_text(adeg["EGSTRESC"], adeg["EGSTRESN"])

    by = SUBJ + adsl_vars + ["VISIT", "VISITNUM", "EGTPT", "EGTPTNUM", "ADTM", "ADY"]
    done = "EGSTAT != 'NOT DONE' or EGSTAT.isna()"
    adeg = derive_param_rr(adeg, by_vars=by, hr_code="HR", unit_var="EGSTRESU", filter=done,
                           set_values_to={"PARAMCD": "RRR"})
    for method, code in (("Bazett", "QTCBR"), ("Fridericia", "QTCFR"), ("Sagie", "QTLCR")):
        adeg = derive_param_qtc(adeg, by_vars=by, method=method, unit_var="EGSTRESU", filter=done,
                                set_values_to={"PARAMCD": code})

    adeg["ADT"] = adeg["ADTM"].dt.normalize()
    adeg["ATPTN"], adeg["ATPT"] = adeg["EGTPTNUM"], adeg["EGTPT"]
    adeg["AVISIT"], adeg["AVISITN"] = s.visit_from_week(adeg["VISIT"])
    # the mean of the triplicates: by groups of at least two records, the interpretation excluded
    by_avg = SUBJ + adsl_vars + ["PARAMCD", "AVISITN", "AVISIT", "ADT", "ADY"]
    size = adeg.groupby(by_avg, dropna=False, sort=False)["PARAMCD"].transform("size")
    adeg = derive_summary_records(adeg, dataset_add=adeg.assign(_N=size), by_vars=by_avg,
                                  filter_add="_N >= 2 and PARAMCD != 'EGINTP'",
                                  set_values_to={"AVAL": Summary("AVAL", "mean"), "DTYPE": "AVERAGE"})
    adeg = derive_var_ontrtfl(adeg, start_date="ADT", ref_start_date="TRTSDT", ref_end_date="TRTEDT",
                              ref_end_window=30, filter_pre_timepoint="AVISIT == 'Baseline'")
    adeg = derive_vars_merged(adeg, dataset_add=RANGES, by_vars=["PARAMCD"])
    adeg = derive_var_anrind(adeg)

    adeg = derive_basetype_records(adeg, basetypes={"BASELINE DAY 1": "PARAMCD == PARAMCD or PARAMCD != PARAMCD"})
    adeg = derive_var_extreme_flag(adeg, by_vars=["STUDYID", "USUBJID", "BASETYPE", "PARAMCD"],
                                   order=["ADT", "VISITNUM", "EGSEQ"], new_var="ABLFL", mode="last", false_value=None,
                                   filter="(AVAL.notna() or AVALC.notna()) and ADT <= TRTSDT and BASETYPE.notna() "
                                          "and DTYPE == 'AVERAGE' and PARAMCD != 'EGINTP'")
    adeg = derive_var_base(adeg, by_vars=KEY)
    adeg = derive_var_base(adeg, by_vars=KEY, source_var="AVALC", new_var="BASEC")
    adeg = derive_var_base(adeg, by_vars=KEY, source_var="ANRIND", new_var="BNRIND")
    post = adeg["AVISITN"] > 0
    adeg["CHG"] = derive_var_chg(adeg)["CHG"].where(post)
    adeg["PCHG"] = derive_var_pchg(adeg)["PCHG"].where(post)
    adeg = derive_var_extreme_flag(adeg, by_vars=["USUBJID", "PARAMCD", "AVISIT", "ATPT", "DTYPE"],
                                   order=["ADT", "AVAL"], new_var="ANL01FL", mode="last", false_value=None,
                                   filter="AVISITN.notna() and (ONTRTFL == 'Y' or ABLFL == 'Y') and DTYPE == 'AVERAGE'",
                                   check_type="none")
    adeg["TRTP"], adeg["TRTA"] = adeg["TRT01P"], adeg["TRT01A"]
    adeg = derive_var_obs_number(adeg, new_var="ASEQ", by_vars=SUBJ,
                                 order=["PARAMCD", "ADT", "AVISITN", "VISITNUM", "ATPTN", "DTYPE"],
                                 check_type="error", dataset_name="ADEG")
    adeg = derive_vars_cat(adeg, definition=AVALCAT)
    adeg = derive_vars_cat(adeg, definition=CHGCAT)
    adeg = derive_vars_merged(adeg, dataset_add=PARAMS.drop(columns="EGTESTCD"), by_vars=["PARAMCD"])
    adeg = derive_vars_merged(adeg, dataset_add=adsl.drop(columns=adsl_vars + ["BRTHDTC"]), by_vars=SUBJ)
    return {"ADEG": adeg}
