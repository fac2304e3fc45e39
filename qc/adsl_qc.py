"""QC ADSL: independent (double-programming) derivation of ADSL for NCT04984096.

Written from the ADaM spec (specs/adam_spec.xlsx, ADSL variables and Methods sheet)
and the SDTM datasets only, in plain pandas, without the framework's derivations and
without looking at the production program adam/adsl.py. ``derive qc`` compares
QC_ADSL with production ADSL (study.toml [qc.checks.adsl_qc]).

Example
-------
>>> import pandas as pd
>>> d = _to_date(pd.Series(["2021-03-04", "2021-03", "", None]))
>>> str(d.iloc[0].date()), int(d.isna().sum())
('2021-03-04', 3)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import KEYS, iso_date, supp_wide, text

READS = ("DM", "SUPPDM", "EX", "DS", "CM", "PR", "TU", "AE", "RS", "TR")
WRITES = ("QC_ADSL",)

#: ADSL variables the QC program derives (in spec order)
QC_VARIABLES = [
    "STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "AGEGR1", "AGEGR1N", "SEX", "RACE",
    "ARM", "ARMCD", "ACTARM", "ACTARMCD", "TRT01P", "TRT01A", "TRTSDT", "TRTEDT", "TRTDURD",
    "SAFFL", "EFFFL", "ECOGBL", "SMOKHXFL", "ALCHXFL", "STAGE", "METSITE", "METSITEN", "PRSURGFL",
    "LINEN", "LINE", "PRPD1FL", "PD1TRT", "DTHFL", "DTHDT", "DTHDTF", "DTHCAUS", "LSTALVDT",
    "DCUTDT", "EOTSTT", "EOTDT", "DCTREAS", "NACTDT",
]

DATE_VARIABLES = ["TRTSDT", "TRTEDT", "DTHDT", "LSTALVDT", "DCUTDT", "EOTDT", "NACTDT"]

LINE_TEXT = {1: "1st line", 2: "2nd line", 3: "3rd line"}


_text = text
_to_date = iso_date


def _per_subject(frame: pd.DataFrame, value: str, how: str) -> pd.Series:
    """min/max of a date column per USUBJID (NaT ignored)."""
    sub = frame.loc[frame[value].notna(), ["USUBJID", value]]
    return sub.groupby("USUBJID")[value].agg(how)


def _flag(usubjid: pd.Series, having: pd.Index) -> pd.Series:
    return pd.Series(np.where(usubjid.isin(having), "Y", "N"), index=usubjid.index)


def _impute_first(dtc: pd.Series, min_date: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Partial ISO date -> first day of the period (day -> 1, month -> January).

    The imputed date is moved to ``min_date`` when ``min_date`` lies within the
    possible period and after the imputed date (admiral ``min_dates``). Returns
    (date, flag) with flag "D" (day imputed), "M" (month and day) or "" .
    """
    txt = _text(dtc).str.slice(0, 10)
    full = txt.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    ym = txt.str.fullmatch(r"\d{4}-\d{2}")
    y = txt.str.fullmatch(r"\d{4}")
    start_txt = pd.Series(np.select([full, ym, y], [txt, txt + "-01", txt + "-01-01"], ""),
                          index=txt.index)
    start = pd.to_datetime(start_txt.where(start_txt != "", None), format="%Y-%m-%d", errors="coerce")
    # last possible day of the period
    end = start.copy()
    end = end.where(~ym, start + pd.offsets.MonthEnd(0))
    end = end.where(~y, start + pd.offsets.YearEnd(0))
    flag = pd.Series(np.select([ym, y], ["D", "M"], ""), index=txt.index)
    partial = ym | y
    move = partial & min_date.notna() & (min_date > start) & (min_date <= end)
    date = start.where(~move, min_date)
    return date, flag


def derive_adsl_qc(sdtm: dict[str, pd.DataFrame], settings: dict) -> pd.DataFrame:
    """QC ADSL, one record per DM subject, variables :data:`QC_VARIABLES`.

    ``sdtm`` maps upper-case domain names (DM, SUPPDM, EX, DS, CM, PR, TU, AE, RS, TR)
    to DataFrames; ``settings`` is the parsed study.toml (cut-off date, AGEGR1 cut).
    """
    dm = sdtm["DM"].copy()
    adsl = dm[["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE",
               "ARM", "ARMCD", "ACTARM", "ACTARMCD", "DTHFL"]].copy()
    adsl["AGE"] = pd.to_numeric(adsl["AGE"], errors="coerce").astype("float64")
    subj = adsl["USUBJID"]

    # AGEGR1 (MT.AGEGR1)
    cut = float(settings["adam"]["agegr1_cut"])
    age = adsl["AGE"]
    adsl["AGEGR1"] = np.select([age < cut, age >= cut], ["<65", ">=65"], "")
    adsl["AGEGR1N"] = np.select([age < cut, age >= cut], [1.0, 2.0], np.nan)

    # TRT01P / TRT01A
    adsl["TRT01P"] = _text(adsl["ARM"])
    dosed = _text(adsl["ACTARMCD"]) != "NOTTRT"
    adsl["TRT01A"] = _text(adsl["ACTARM"]).where(dosed, "")

    # TRTSDT / TRTEDT / TRTDURD / SAFFL (EXDOSE > 0, both drugs)
    ex = sdtm["EX"]
    ex = ex.loc[pd.to_numeric(ex["EXDOSE"], errors="coerce") > 0].copy()
    ex["_ST"] = _to_date(ex["EXSTDTC"])
    ex["_EN"] = _to_date(ex["EXENDTC"]).fillna(ex["_ST"])
    adsl["TRTSDT"] = subj.map(_per_subject(ex, "_ST", "min"))
    adsl["TRTEDT"] = subj.map(_per_subject(ex, "_EN", "max"))
    adsl["TRTDURD"] = ((adsl["TRTEDT"] - adsl["TRTSDT"]).dt.days + 1).astype("float64")
    adsl["SAFFL"] = np.where(adsl["TRTSDT"].notna(), "Y", "N")

    # EFFFL: SAFFL = Y and a TARGET lesion identified at baseline in TU
    tu = sdtm["TU"]
    tgt = tu.loc[(_text(tu["TUSTRESC"]) == "TARGET") & (_text(tu["VISIT"]) == "BASELINE"), "USUBJID"]
    adsl["EFFFL"] = np.where((adsl["SAFFL"] == "Y") & subj.isin(tgt.unique()), "Y", "N")

    # SUPPDM back to the subject (MT.SUPPDM, MT.LINE, MT.PD1TRT)
    wide = supp_wide(sdtm["SUPPDM"])

    def supp(qnam: str) -> pd.Series:
        if qnam not in wide.columns:
            return pd.Series("", index=adsl.index)
        return _text(subj.map(wide[qnam]))

    adsl["ECOGBL"] = pd.to_numeric(supp("ECOGBL").replace("", None), errors="coerce").astype("float64")
    adsl["SMOKHXFL"] = supp("SMOKHX")
    adsl["ALCHXFL"] = supp("ALCOHX")
    adsl["STAGE"] = supp("STAGE")
    adsl["METSITE"] = supp("METSITE")
    # METSITEN: number of "; "-separated sites, 0 when blank
    sites = adsl["METSITE"].str.split("; ")
    adsl["METSITEN"] = np.where(adsl["METSITE"] == "", 0,
                                sites.str.len().fillna(0)).astype("float64")
    linen = pd.to_numeric(supp("TRTLINE").replace("", None), errors="coerce").astype("float64")
    adsl["LINEN"] = linen
    adsl["LINE"] = linen.map(LINE_TEXT).fillna("").astype(str)
    adsl["PD1TRT"] = supp("PD1TRT")

    # PRSURGFL: a PR record with PRCAT = PRIOR CANCER SURGERY
    pr = sdtm["PR"]
    adsl["PRSURGFL"] = _flag(subj, pd.Index(pr.loc[_text(pr["PRCAT"]) == "PRIOR CANCER SURGERY",
                                                   "USUBJID"].unique()))

    # PRPD1FL: prior anti-cancer therapy that is a PD-1 inhibitor
    cm = sdtm["CM"]
    prior_pd1 = (_text(cm["CMCAT"]) == "PRIOR ANTI-CANCER THERAPY") & (_text(cm["CMSCAT"]) == "PD-1 INHIBITOR")
    adsl["PRPD1FL"] = _flag(subj, pd.Index(cm.loc[prior_pd1, "USUBJID"].unique()))

    # NACTDT: earliest subsequent therapy start, missing day -> first of month
    sub = cm.loc[_text(cm["CMCAT"]) == "SUBSEQUENT ANTI-CANCER THERAPY", ["USUBJID", "CMSTDTC"]].copy()
    st_txt = _text(sub["CMSTDTC"]).str.slice(0, 10)
    st_txt = st_txt.where(~st_txt.str.fullmatch(r"\d{4}-\d{2}"), st_txt + "-01")
    sub["_D"] = _to_date(st_txt)
    adsl["NACTDT"] = subj.map(_per_subject(sub, "_D", "min"))

    # DTHDT / DTHDTF: impute partial DTHDTC, never before TRTSDT
    dthdt, dthdtf = _impute_first(dm["DTHDTC"].reindex(adsl.index), adsl["TRTSDT"])
    adsl["DTHDT"] = dthdt
    adsl["DTHDTF"] = dthdtf

    # DTHCAUS: DS DEATH term without the leading "DEATH DUE TO "
    ds = sdtm["DS"]
    death = ds.loc[_text(ds["DSDECOD"]) == "DEATH", ["USUBJID", "DSTERM"]].copy()
    death["_C"] = _text(death["DSTERM"]).str.replace(r"^DEATH DUE TO ", "", regex=True)
    adsl["DTHCAUS"] = _text(subj.map(death.drop_duplicates("USUBJID").set_index("USUBJID")["_C"]))

    # EOTSTT / EOTDT / DCTREAS
    eot = ds.loc[_text(ds["DSSCAT"]) == "STUDY TREATMENT", ["USUBJID", "DSSTDTC", "DSDECOD"]]
    eot = eot.drop_duplicates("USUBJID").set_index("USUBJID")
    has_eot = subj.isin(eot.index)
    adsl["EOTSTT"] = np.where(has_eot, "DISCONTINUED", "ONGOING")
    adsl["EOTDT"] = _to_date(subj.map(eot["DSSTDTC"]))
    adsl["DCTREAS"] = _text(subj.map(eot["DSDECOD"]))

    # DCUTDT
    dcut = pd.Timestamp(settings["study"]["cutoff_date"])
    adsl["DCUTDT"] = pd.Series(dcut, index=adsl.index)

    # LSTALVDT: latest complete date over the sources, capped at DCUTDT
    alive = _text(dm["DTHFL"]) != "Y"
    pieces = [pd.DataFrame({"USUBJID": dm.loc[alive, "USUBJID"], "D": _to_date(dm.loc[alive, "RFPENDTC"])})]
    for dom, cols in (("EX", ["EXSTDTC", "EXENDTC"]), ("AE", ["AESTDTC", "AEENDTC"]),
                      ("RS", ["RSDTC"]), ("TR", ["TRDTC"]), ("DS", ["DSSTDTC"])):
        frame = sdtm[dom]
        for col in cols:
            pieces.append(pd.DataFrame({"USUBJID": frame["USUBJID"], "D": _to_date(frame[col])}))
    pieces.append(pd.DataFrame({"USUBJID": subj, "D": adsl["DTHDT"]}))
    alldates = pd.concat(pieces, ignore_index=True)
    last = subj.map(_per_subject(alldates, "D", "max"))
    adsl["LSTALVDT"] = last.where(last.isna() | (last <= dcut), dcut)

    for var in DATE_VARIABLES:
        adsl[var] = pd.to_datetime(adsl[var]).astype("datetime64[ns]")
    for var in ("STUDYID", "USUBJID", "SUBJID", "SITEID", "AGEU", "SEX", "RACE", "ARM", "ARMCD",
                "ACTARM", "ACTARMCD", "DTHFL", "AGEGR1", "SAFFL", "EFFFL"):
        adsl[var] = _text(adsl[var])
    return adsl[QC_VARIABLES].sort_values(KEYS, ignore_index=True)


def derive(ctx):
    return {"QC_ADSL": derive_adsl_qc({name: ctx.sdtm[name] for name in READS}, ctx.settings)}
