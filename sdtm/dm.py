"""DM + SUPPDM: demographics, reference dates, baseline disease characteristics.

Sources: raw dm (demography), bl (baseline disease), ex_anlo/ex_pd1 (first and
last dose), surv (death, last known alive), eot. Baseline characteristics that
ADaM ADSL needs (ECOG, smoking, drinking, stage, metastatic sites, prior
resection, line of the study regimen, PD-1 antibody given) go to SUPPDM.
"""

import pandas as pd

from derivations.sdtm import (
    QualifierSpec,
    compute_dtc,
    compute_numeric,
    derive_dataset_supp,
    derive_var_ct,
)

READS = ()
WRITES = ("DM", "SUPPDM")
RAW = ("dm", "ex_anlo", "ex_pd1", "surv", "bl")

SEX = {"MALE": "M", "FEMALE": "F"}
YN = {"YES": "Y", "NO": "N"}
STUDY_ARM = {"ARMCD": "ANLOPD1", "ARM": "Anlotinib + PD-1 inhibitor"}
NOT_TREATED = "ASSIGNED, NOT TREATED"  # ARMNRS (CT C142179) of a subject without any dose


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    cl = ctx.spec("sdtm").codelists
    raw = ctx.raw("dm", ["SITEID", "SUBJID", "ICDAT", "BRTHDAT", "AGE", "AGEU", "SEX", "RACE", "ETHNIC"])
    # MT.USUBJID
    dm = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "DM", "USUBJID": studyid + "-" + raw["SUBJID"],
                       "SUBJID": raw["SUBJID"], "SITEID": raw["SITEID"]})
    u = dm["USUBJID"]

    # MT.RFSTDTC / MT.RFENDTC: reference dates, first/last dose of either drug (ISO text sorts like dates)
    ex = pd.concat([ctx.raw("ex_anlo", ["SUBJID", "EXSTDAT", "EXENDAT"]),
                    ctx.raw("ex_pd1", ["SUBJID", "EXSTDAT"]).assign(EXENDAT="")])
    ex_u = studyid + "-" + ex["SUBJID"]
    ex["ST"] = compute_dtc(ex["EXSTDAT"], dataset="EX", variable="EXSTDTC", usubjid=ex_u)
    ex["EN"] = compute_dtc(ex["EXENDAT"].where(ex["EXENDAT"] != "", ex["EXSTDAT"]), dataset="EX",
                           variable="EXENDTC", usubjid=ex_u)
    first = ex.groupby("SUBJID")["ST"].min()
    last = ex.groupby("SUBJID")["EN"].max()
    surv = ctx.raw("surv", ["SUBJID", "DTHDAT", "LSTALVDAT"]).set_index("SUBJID")
    dth = compute_dtc(surv["DTHDAT"], dataset="DM", variable="DTHDTC")
    lstalv = compute_dtc(surv["LSTALVDAT"], dataset="DM", variable="RFPENDTC")

    s = raw["SUBJID"]
    dm["RFSTDTC"] = s.map(first).fillna("")
    dm["RFENDTC"] = s.map(last).fillna("")
    dm["RFXSTDTC"] = dm["RFSTDTC"]
    dm["RFXENDTC"] = dm["RFENDTC"]
    dm["RFICDTC"] = compute_dtc(raw["ICDAT"], dataset="DM", variable="RFICDTC", usubjid=u)
    # MT.RFPENDTC: death date, else last known alive; MT.DTHFL
    dm["RFPENDTC"] = s.map(dth.where(dth != "", lstalv)).fillna("")
    dm["DTHDTC"] = s.map(dth).fillna("")
    dm["DTHFL"] = dm["DTHDTC"].ne("").map({True: "Y", False: ""})
    dm["BRTHDTC"] = compute_dtc(raw["BRTHDAT"], dataset="DM", variable="BRTHDTC", usubjid=u)
    dm["AGE"] = compute_numeric(raw["AGE"], source="dm.csv", dataset="DM", variable="AGE", usubjid=u)
    dm["AGEU"] = raw["AGEU"].str.upper()
    # MT.CT: sex, race, ethnicity
    for var, codelist, syn in (("SEX", "SEX", SEX), ("RACE", "RACE", None), ("ETHNIC", "ETHNIC", None)):
        dm = derive_var_ct(dm.assign(_SRC=raw[var].to_numpy()), source="_SRC", new_var=var,
                           codelist=cl[codelist], synonyms=syn, dataset_name="DM",
                           findings=ctx.findings).drop(columns="_SRC")
    # MT.ACTARM / MT.ARMNRS / MT.ACTARMUD: a subject who received no dose has null actual arm variables and
    #   ARMNRS says why (SDTMIG 3.4); a single arm: no actual arm is unplanned
    treated = dm["RFXSTDTC"].ne("")
    for var, value in STUDY_ARM.items():
        dm[var] = value
        dm["ACT" + var] = dm[var].where(treated, "")
    dm["ARMNRS"] = pd.Series(NOT_TREATED, index=dm.index).where(~treated, "")
    dm["ACTARMUD"] = ""  # a single arm: no actual arm is unplanned
    dm["COUNTRY"] = "CHN"

    # SUPPDM: baseline disease characteristics from the baseline page
    bl = ctx.raw("bl", ["SUBJID", "ECOG", "SMOKE", "DRINK", "STAGE", "METSITE", "PRIORRES", "LINE"])
    bl["USUBJID"] = studyid + "-" + bl["SUBJID"]
    for page, subjects, dataset, what in (  # report only: the values stay missing, never a default
            ("bl", bl["SUBJID"], "SUPPDM", "its baseline characteristics (ECOG, stage, metastatic sites, line) "
                                           "are missing"),
            ("surv", surv.index, "DM", "its survival status is unknown: DTHDTC is blank and OS censors the "
                                       "subject at the last date known alive")):
        for usubjid in dm.loc[~dm["SUBJID"].isin(subjects), "USUBJID"]:
            ctx.findings.add("warning", "missing_page", f"subject in DM has no record on the {page} page "
                             f"({page}.csv): {what}", dataset=dataset, usubjid=usubjid)
    for var in ("SMOKE", "DRINK", "PRIORRES"):
        bl = derive_var_ct(bl, source=var, new_var=var, codelist=cl["NY"], synonyms=YN,
                           dataset_name="SUPPDM", findings=ctx.findings)
    bl["METSITE"] = bl["METSITE"].str.upper()
    pd1 = ctx.raw("ex_pd1", ["SUBJID", "EXTRT"]).drop_duplicates("SUBJID").set_index("SUBJID")["EXTRT"]
    bl["PD1TRT"] = bl["SUBJID"].map(pd1.str.upper()).fillna("")
    bl = bl.rename(columns={"ECOG": "ECOGBL", "SMOKE": "SMOKHX", "DRINK": "ALCOHX",
                            "PRIORRES": "PRIORRES", "LINE": "TRTLINE"})
    supp = derive_dataset_supp(
        bl.assign(STUDYID=studyid, DOMAIN="DM"), domain="DM", idvar=None,
        qnams={
            "ECOGBL": QualifierSpec("Baseline ECOG Performance Status", "CRF", ""),
            "SMOKHX": QualifierSpec("History of Smoking", "CRF", ""),
            "ALCOHX": QualifierSpec("History of Alcohol Drinking", "CRF", ""),
            "STAGE": QualifierSpec("Disease Stage at Study Entry", "CRF", ""),
            "METSITE": QualifierSpec("Metastatic Sites at Study Entry", "CRF", ""),
            "PRIORRES": QualifierSpec("Prior Resection of ESCC", "CRF", ""),
            "TRTLINE": QualifierSpec("Line of Study Regimen", "CRF", ""),
            "PD1TRT": QualifierSpec("PD-1 Inhibitor Given with Anlotinib", "CRF", ""),
        },
    )
    return {"DM": dm, "SUPPDM": supp}
