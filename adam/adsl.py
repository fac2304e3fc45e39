"""ADSL: one record per subject (spec: specs/adam_spec.xlsx, dataset ADSL).

Each block names the spec method (Methods sheet, MT.xxx) it implements. Study
settings come from study.toml: [study] cutoff_date, [adam] agegr1_cut.
"""

import pandas as pd

from derivations.adam import (
    DateSource,
    ImputationRule,
    compute_dtc_impute,
    derive_var_extreme_dt,
    derive_var_code,
    derive_var_decode,
    derive_var_merged_exist_flag,
    derive_vars_cat,
    derive_vars_dt,
    derive_vars_duration,
    derive_vars_merged,
)
from derivations.iso8601 import compute_complete_date
from derivations.sdtm import derive_vars_supp_back

READS = ("DM", "SUPPDM", "EX", "DS", "CM", "PR", "TU", "AE", "RS", "TR")
WRITES = ("ADSL",)

KEYS = ["STUDYID", "USUBJID"]
#: MT.DTHDT: admiral's usual death date rule.
DTHDT_RULE = ImputationRule(highest="M", date="first", min_dates=("TRTSDT",))
#: MT.EOTSTT: end-of-treatment status (first row that holds; blank for a subject never treated)
EOTSTT = [("condition", "EOTSTT"),
          ("_EOT == 'Y'", "DISCONTINUED"),
          ("SAFFL == 'Y'", "ONGOING"),
          ("True", "")]
#: DM / SUPPDM variables the derivations use that ADSL does not keep
NOT_KEPT = ["DTHDTC", "RFPENDTC", "PRIORRES", "TRTLINE"]
#: SUPPDM qualifiers from the baseline page (raw bl): a subject with none of them has no baseline page
BASELINE_PAGE_QNAMS = ("ECOGBL", "SMOKHX", "ALCOHX", "STAGE", "METSITE", "PRIORRES", "TRTLINE")
#: MT.EFFFL / ADRS MDIS: measurable disease = a target lesion identified at baseline.
BASELINE_TARGET = "TUSTRESC == 'TARGET' and VISIT == 'BASELINE'"
#: MT.SAFFL: safety population = any dose of either drug (first row that holds)
SAFFL = [("condition", "SAFFL"),
         ("TRTSDT.notna()", "Y"),
         ("True", "N")]
#: MT.EFFFL: efficacy population = safety population with measurable disease at baseline (_MDIS: BASELINE_TARGET)
EFFFL = [("condition", "EFFFL"),
         ("SAFFL == 'Y' and _MDIS == 'Y'", "Y"),
         ("True", "N")]


def agegr1(cut: int) -> pd.DataFrame:
    """MT.AGEGR1: the age groups at ``cut`` years (study.toml [adam] agegr1_cut).

    >>> agegr1(65)
       condition AGEGR1
    0   AGE < 65    <65
    1  AGE >= 65   >=65
    """
    return pd.DataFrame([(f"AGE < {cut}", f"<{cut}"), (f"AGE >= {cut}", f">={cut}")], columns=["condition", "AGEGR1"])


def derive(ctx):
    sdtm, settings = ctx.sdtm, ctx.settings
    cutoff = pd.Timestamp(settings["study"]["cutoff_date"])
    age_cut = int(settings["adam"]["agegr1_cut"])
    dm = sdtm["DM"]
    spec = ctx.spec("adam")

    adsl = dm[KEYS + ["SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARM", "ARMCD", "ACTARM", "ACTARMCD",
                      "DTHFL", "DTHDTC", "RFPENDTC"]].copy()

    # MT.AGEGR1: the group, and its code from the spec's codelist AGEGR1N
    adsl = derive_vars_cat(adsl, definition=agegr1(age_cut))
    adsl = derive_var_code(adsl, source_var="AGEGR1", new_var="AGEGR1N", spec=spec, dataset_name="ADSL")

    # MT.TRT01P / MT.TRT01A
    adsl["TRT01P"] = adsl["ARM"]
    adsl["TRT01A"] = adsl["ACTARM"].where(adsl["ACTARMCD"] != "NOTTRT", "")

    # MT.TRTSDT / MT.TRTEDT: first / last dose of either drug
    ex = sdtm["EX"].assign(EXSTDT=lambda d: compute_complete_date(d["EXSTDTC"]),
                           EXENDT=lambda d: compute_complete_date(d["EXENDTC"]).fillna(d["EXSTDT"]))
    dosed = "EXDOSE > 0 and EXSTDT.notna()"
    adsl = derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars={"TRTSDT": "EXSTDT"},
                              filter_add=dosed, order=["EXSTDT", "EXSEQ"], mode="first")
    adsl = derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars={"TRTEDT": "EXENDT"},
                              filter_add=dosed, order=["EXENDT", "EXSEQ"], mode="last")
    # MT.TRTDURD
    adsl = derive_vars_duration(adsl, new_var="TRTDURD", start_date="TRTSDT", end_date="TRTEDT")

    # MT.SAFFL
    adsl = derive_vars_cat(adsl, definition=SAFFL)
    # MT.EFFFL
    adsl = derive_var_merged_exist_flag(adsl, dataset_add=sdtm["TU"], by_vars=KEYS, new_var="_MDIS",
                                        condition=BASELINE_TARGET, missing_value="N")
    adsl = derive_vars_cat(adsl, definition=EFFFL).drop(columns="_MDIS")

    # MT.SUPPDM, MT.PD1TRT: baseline characteristics collected on the baseline page, the PD-1 antibody given
    adsl = derive_vars_supp_back(adsl, dataset_add=sdtm["SUPPDM"])
    adsl["ECOGBL"] = pd.to_numeric(adsl["ECOGBL"].mask(adsl["ECOGBL"] == ""))
    adsl = adsl.rename(columns={"SMOKHX": "SMOKHXFL", "ALCOHX": "ALCHXFL"})
    # MT.METSITEN: 0 when the baseline page lists no site; missing (not 0) when the subject has no baseline page
    supp = sdtm["SUPPDM"]
    on_page = adsl["USUBJID"].isin(supp.loc[supp["QNAM"].isin(BASELINE_PAGE_QNAMS), "USUBJID"])
    sites = adsl["METSITE"].astype(str).str.strip()
    adsl["METSITEN"] = (sites.str.count(";") + 1).where(sites != "", 0).where(on_page)
    # MT.LINE
    adsl["LINEN"] = pd.to_numeric(adsl["TRTLINE"].mask(adsl["TRTLINE"] == ""))
    adsl = derive_var_decode(adsl, source_var="LINEN", new_var="LINE", spec=spec, dataset_name="ADSL")

    # MT.PRSURGFL: a prior cancer surgery in PR (checked against the baseline page's answer)
    adsl = derive_var_merged_exist_flag(adsl, dataset_add=sdtm["PR"], by_vars=KEYS, new_var="PRSURGFL",
                                        condition="PRCAT == 'PRIOR CANCER SURGERY'", missing_value="N")
    differs = adsl[(adsl["PRIORRES"] != "") & (adsl["PRIORRES"] != adsl["PRSURGFL"])]
    for usubjid, value in zip(differs["USUBJID"], differs["PRIORRES"]):  # report only
        ctx.findings.add("warning", "prior_resection_mismatch",
                         "SUPPDM.PRIORRES disagrees with the PR domain; PRSURGFL follows PR",
                         dataset="ADSL", variable="PRSURGFL", usubjid=usubjid, value=value)

    # MT.PRPD1FL
    adsl = derive_var_merged_exist_flag(
        adsl, dataset_add=sdtm["CM"], by_vars=KEYS, new_var="PRPD1FL", missing_value="N",
        condition="CMCAT == 'PRIOR ANTI-CANCER THERAPY' and CMSCAT == 'PD-1 INHIBITOR'")

    # MT.DTHDT / MT.DTHCAUS
    adsl = derive_vars_dt(adsl, dtc="DTHDTC", new_vars_prefix="DTH", rule=DTHDT_RULE, findings=ctx.findings)
    ds = sdtm["DS"].assign(DSSTDT=lambda d: compute_complete_date(d["DSSTDTC"]),
                           DTHCAUS=lambda d: d["DSTERM"].str.replace(r"^DEATH DUE TO ", "", regex=True))
    adsl = derive_vars_merged(adsl, dataset_add=ds, by_vars=KEYS, new_vars=["DTHCAUS"],
                              filter_add="DSDECOD == 'DEATH'", order=["DSSTDT", "DSSEQ"], mode="first",
                              missing_values={"DTHCAUS": ""})

    # MT.DCUTDT
    adsl["DCUTDT"] = cutoff

    # MT.EOTSTT: end of treatment from DS
    adsl = derive_vars_merged(adsl, dataset_add=ds, by_vars=KEYS, new_vars={"EOTDT": "DSSTDT", "DCTREAS": "DSDECOD"},
                              filter_add="DSSCAT == 'STUDY TREATMENT'", order=["DSSTDT", "DSSEQ"], mode="first",
                              exist_flag="_EOT", missing_values={"DCTREAS": ""})
    adsl = derive_vars_cat(adsl, definition=EOTSTT).drop(columns="_EOT")

    # MT.NACTDT: first subsequent anti-cancer therapy
    cm = sdtm["CM"].assign(CMSTDT=lambda d: compute_dtc_impute(d["CMSTDTC"], highest_imputation="M"))
    adsl = derive_vars_merged(adsl, dataset_add=cm, by_vars=KEYS, new_vars={"NACTDT": "CMSTDT"},
                              filter_add="CMCAT == 'SUBSEQUENT ANTI-CANCER THERAPY' and CMSTDT.notna()",
                              order=["CMSTDT", "CMSEQ"], mode="first")

    # MT.LSTALVDT: last date the subject is known alive, capped at the data cut-off
    dm_d = dm.assign(RFPENDT=compute_complete_date(dm["RFPENDTC"]))
    ae = sdtm["AE"].assign(AESTDT=lambda d: compute_complete_date(d["AESTDTC"]),
                           AEENDT=lambda d: compute_complete_date(d["AEENDTC"]))
    rs = sdtm["RS"].assign(RSDT=lambda d: compute_complete_date(d["RSDTC"]))
    tr = sdtm["TR"].assign(TRDT=lambda d: compute_complete_date(d["TRDTC"]))
    adsl = derive_var_extreme_dt(
        adsl, new_var="LSTALVDT", mode="last",
        sources=[DateSource("dm", "RFPENDT"), DateSource("ex", "EXSTDT"), DateSource("ex", "EXENDT"),
                 DateSource("ae", "AESTDT"), DateSource("ae", "AEENDT"), DateSource("rs", "RSDT"),
                 DateSource("tr", "TRDT"), DateSource("ds", "DSSTDT")],
        source_datasets={"dm": dm_d, "ex": ex, "ae": ae, "rs": rs, "tr": tr, "ds": ds})
    adsl["LSTALVDT"] = adsl["LSTALVDT"].mask(adsl["LSTALVDT"] > adsl["DCUTDT"], adsl["DCUTDT"])

    return {"ADSL": adsl.drop(columns=NOT_KEPT, errors="ignore")}
