"""ADRS: tumour response (RECIST 1.1), one record per subject, parameter and assessment.

Parameters (spec codelist PARAMCD_RS; PARAM and PARAMN are taken from the spec):
OVR (investigator, per visit), OVRDER (derived from TU/TR lesions, per visit), BOR, CBOR,
RSP, CRSP, DCR, PD, LSTA, DEATH, MDIS. Each block names the spec method it implements.
Settings: [adam] sd_min_days, confirm_days (the BorRule windows).
"""

import numpy as np
import pandas as pd

from derivations.adam import (derive_extreme_records, derive_var_code, derive_var_decode, derive_var_obs_number,
                              derive_vars_dy, derive_vars_merged)
from derivations.core import assert_subjects_in
from derivations.iso8601 import compute_complete_date
from derivations.oncology import (
    BorRule,
    RecistRule,
    derive_param_bor,
    derive_param_clinbenefit,
    derive_param_confirmed_bor,
    derive_param_confirmed_resp,
    derive_param_first_pd,
    derive_param_last_assessment,
    derive_param_ovr,
    derive_param_recist_ovr,
    derive_param_response,
    derive_var_ovr_anl_flags,
)

READS = ("ADSL", "RS", "TU", "TR")
WRITES = ("ADRS",)

KEYS = ["STUDYID", "USUBJID"]
ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "TRTSDT", "SAFFL", "EFFFL"]
INVESTIGATOR_OVR = "RSTESTCD == 'OVRLRESP' and RSEVAL == 'INVESTIGATOR'"
BASELINE_TARGET = "TUSTRESC == 'TARGET' and VISIT == 'BASELINE'"  # as ADSL EFFFL
PER_VISIT = ("OVR", "OVRDER")
#: RS variables of the OVR records and working variables of the RECIST derivation (OVRDER) not kept
NOT_KEPT = ["DOMAIN", "RSSEQ", "RSLNKGRP", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESC", "RSEVAL", "EPOCH",
            "RSDTC", "RSDY", "TREVAL", "VISITOCC", "ABLFL", "NTRGT", "NTRGTEV", "SUMDIAM", "BASE", "NADIR", "PCHG",
            "CHGNADIR", "PCHGNAD", "TRGRESP", "NTRGRESP", "NEWLFL", "OVRLRESP"]


def derive(ctx):
    sdtm, adsl = ctx.sdtm, ctx.adam["ADSL"]
    adam = ctx.settings["adam"]
    rule = BorRule(ref_start_window=int(adam["sd_min_days"]), ref_confirm=int(adam["confirm_days"]))
    for name in ("RS", "TU", "TR"):
        assert_subjects_in(sdtm[name], dataset_ref=adsl, dataset_name=name, ref_name="DM/ADSL")
    adsl_n = adsl[KEYS + ["TRTSDT", "NACTDT", "DTHDT"]]

    # MT.ADRS.AVALC.OVR, MT.ADRS.ADT.OVR, MT.ANL01FL, MT.ANL02FL: investigator response per visit from RS
    # (MT.ADRS.ADT, MT.ADRS.AVALC: per parameter, as each block says)
    ovr = derive_param_ovr(sdtm["RS"], dataset_ref=adsl_n, filter=INVESTIGATOR_OVR, rule=rule,
                           set_values_to={"PARAMCD": "OVR"})
    ovr = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl_n, before_date_var="NACTDT", rule=rule,
                                   findings=ctx.findings)
    ovr = ovr.assign(AVISITN=ovr["VISITNUM"], SRCDOM="RS", SRCVAR="RSSTRESC", SRCSEQ=ovr["RSSEQ"])

    # MT.ADRS.AVALC.OVRDER, MT.ADRS.ADT.OVRDER: RECIST 1.1 response per assessment derived from the lesions
    der = derive_param_recist_ovr(sdtm["TR"], dataset_add=sdtm["TU"], rule=RecistRule(), evaluator_vars=("TREVAL",),
                                  set_values_to={"PARAMCD": "OVRDER"}, findings=ctx.findings)
    der = der[der["ABLFL"] != "Y"]
    der = derive_var_ovr_anl_flags(der, dataset_ref=adsl_n, filter="PARAMCD == 'OVRDER'",
                                   before_date_var="NACTDT", rule=rule, findings=ctx.findings)
    der = der.assign(AVISIT=der["VISIT"], AVISITN=der["VISITNUM"])
    adrs = pd.concat([ovr, der], ignore_index=True)

    # subject-level parameters from the investigator's OVR (ANL01FL = ANL02FL = Y), each dated by
    # MT.ADRS.ADT.OVRSEL: MT.ADRS.AVALC.PD, MT.ADRS.AVALC.BOR, MT.ADRS.AVALC.CBOR, MT.ADRS.AVALC.RSP,
    # MT.ADRS.AVALC.CRSP, MT.ADRS.AVALC.DCR, MT.ADRS.AVALC.LSTA (one call each, in this order)
    adrs = derive_param_first_pd(adrs, dataset_ref=adsl_n, rule=rule)                       # PD
    adrs = derive_param_bor(adrs, dataset_ref=adsl_n, rule=rule)                            # BOR
    adrs = derive_param_confirmed_bor(adrs, dataset_ref=adsl_n, rule=rule, findings=ctx.findings)  # CBOR
    adrs = derive_param_response(adrs, dataset_ref=adsl_n, rule=rule)                       # RSP
    adrs = derive_param_confirmed_resp(adrs, dataset_ref=adsl_n, rule=rule)                 # CRSP
    adrs = derive_param_clinbenefit(adrs, dataset_ref=adsl_n, rule=rule,                    # DCR
                                    set_values_to={"PARAMCD": "DCR"})
    adrs = derive_param_last_assessment(adrs, dataset_ref=adsl_n, rule=rule)                # LSTA

    # MT.ADRS.AVALC.DEATH, MT.ADRS.ADT.DEATH (from ADSL.DTHDT) and MT.ADRS.AVALC.MDIS, MT.ADRS.ADT.MDIS
    # (target lesion at baseline, TU)
    yn = {"exist_flag": "AVALC", "true_value": "Y", "false_value": "N"}
    aval_yn = {"AVAL": lambda d: d["AVALC"].map(dict(rule.aval_yn)).astype(float)}
    adrs = derive_extreme_records(
        adrs, dataset_add=adsl_n.assign(ADT=adsl_n["DTHDT"]), dataset_ref=adsl_n, by_vars=KEYS,
        order=["ADT"], mode="first", filter_add="ADT.notna()", keep_source_vars=["ADT"], **yn,
        set_values_to={"PARAMCD": "DEATH", **aval_yn, "SRCDOM": lambda d: np.where(d["ADT"].notna(), "ADSL", ""),
                       "SRCVAR": lambda d: np.where(d["ADT"].notna(), "DTHDT", "")})
    tu = sdtm["TU"].assign(ADT=lambda d: compute_complete_date(d["TUDTC"], dataset="TU", usubjid=d["USUBJID"]),
                           SRCSEQ=lambda d: d["TUSEQ"])
    adrs = derive_extreme_records(
        adrs, dataset_add=tu, dataset_ref=adsl_n, by_vars=KEYS, order=["ADT", "TUSEQ"], mode="first",
        filter_add=BASELINE_TARGET, keep_source_vars=["ADT", "SRCSEQ"], **yn,
        set_values_to={"PARAMCD": "MDIS", **aval_yn, "SRCDOM": lambda d: np.where(d["SRCSEQ"].notna(), "TU", ""),
                       "SRCVAR": lambda d: np.where(d["SRCSEQ"].notna(), "TUSTRESC", "")})

    # MT.ADRS.PARAM: PARAM / PARAMN from the spec codelists
    # (the spec's PARAM replaces the derivations' default text)
    spec = ctx.spec("adam")
    adrs = derive_var_decode(adrs.drop(columns="PARAM"), source_var="PARAMCD", new_var="PARAM", spec=spec,
                             dataset_name="ADRS")
    adrs = derive_var_code(adrs, source_var="PARAMCD", new_var="PARAMN", spec=spec, dataset_name="ADRS")
    # MT.AVISIT / MT.ANL01FL: per-visit variables only on the per-visit parameters
    subject_level = ~adrs["PARAMCD"].isin(PER_VISIT)
    for var in ("VISIT", "AVISIT", "ANL01FL", "ANL02FL"):
        adrs[var] = adrs[var].where(~subject_level, "")
    for var in ("VISITNUM", "AVISITN"):
        adrs[var] = adrs[var].where(~subject_level)
    # (MT.ADRS.AVAL and MT.SRC: set by each parameter's block above; blank when a record has no single source)

    # ADSL variables, MT.ADY, MT.ASEQ
    adrs = adrs.drop(columns=[c for c in ADSL_VARS + ["NACTDT", "DTHDT"] if c in adrs.columns])
    adrs = derive_vars_merged(adrs, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)
    adrs = derive_vars_dy(adrs, reference_date="TRTSDT", source_vars=["ADT"])
    adrs = derive_var_obs_number(adrs, new_var="ASEQ", by_vars=KEYS, order=["PARAMN", "ADT", "AVISITN"])

    return {"ADRS": adrs.drop(columns=NOT_KEPT, errors="ignore")}
