"""QC ADRS: independent derivation of the tumour response dataset (RECIST 1.1, investigator).

A second programmer's ADRS, written from the ADaM spec's method texts (MT.ADRS.*, MT.ANL01FL,
MT.ANL02FL, MT.SRC, MT.ASEQ) in plain pandas: its own best-overall-response and confirmation
logic and its own RECIST 1.1 overall response from the TU/TR lesions, none of the framework's
response functions. Reads SDTM and the QC ADSL only.

Parameters: OVR, OVRDER (per assessment); PD, BOR, CBOR, RSP, CRSP, DCR, LSTA, DEATH, MDIS
(one record per subject).

>>> best_of(["SD", "PR", "PD"], BEST_FIRST)
'PR'
>>> recist_overall("PR", "NON-CR/NON-PD", False), recist_overall("CR", "", False), recist_overall("SD", "CR", True)
('PR', 'CR', 'PD')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import iso_date, parameters, sequence, study_day, text

READS = ("QC_ADSL", "RS", "TU", "TR")
WRITES = ("QC_ADRS",)

#: response order for "best": the first listed is the best (MT.ADRS.AVALC.BOR)
BEST_FIRST = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
#: order for the worst response of a date (MT.ANL01FL): the last listed is the worst
WORST_LAST = ["NE", "CR", "PR", "SD", "NON-CR/NON-PD", "PD"]
#: MT.ADRS.AVAL
AVAL = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7, "Y": 1, "N": 0}
ADEQUATE = {"CR", "PR", "SD", "NON-CR/NON-PD", "PD"}
ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "TRTSDT", "SAFFL", "EFFFL"]
#: RECIST 1.1 thresholds
PR_DECREASE, PD_INCREASE, PD_ABSOLUTE_MM, NODE_NORMAL_MM = 0.30, 0.20, 5.0, 10.0

VARIABLES = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "TRTSDT", "SAFFL", "EFFFL", "ASEQ", "PARAMCD",
             "PARAM", "PARAMN", "AVALC", "AVAL", "ADT", "ADTF", "ADY", "VISIT", "VISITNUM", "AVISIT", "AVISITN",
             "ANL01FL", "ANL02FL", "SRCDOM", "SRCVAR", "SRCSEQ"]


def best_of(values, order: list[str]) -> str:
    """The first of ``order`` that occurs in ``values``."""
    present = set(values)
    return next(v for v in order if v in present)


# ---------------------------------------------------------------- per-assessment records
def investigator_ovr(rs: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """OVR: RSSTRESC of OVRLRESP/INVESTIGATOR; ADT = RSDTC (missing day: last of the month); ANL flags."""
    rs = rs.loc[(text(rs["RSTESTCD"]) == "OVRLRESP") & (text(rs["RSEVAL"]) == "INVESTIGATOR")]
    dtc = text(rs["RSDTC"]).str.slice(0, 10)
    month_only = dtc.str.fullmatch(r"\d{4}-\d{2}")
    month_end = pd.to_datetime(dtc.where(month_only, None) + "-01", errors="coerce") + pd.offsets.MonthEnd(0)
    ovr = pd.DataFrame({
        "STUDYID": text(rs["STUDYID"]), "USUBJID": text(rs["USUBJID"]), "PARAMCD": "OVR",
        "AVALC": text(rs["RSSTRESC"]), "ADT": iso_date(dtc).where(~month_only, month_end),
        "ADTF": np.where(month_only, "D", ""), "VISIT": text(rs["VISIT"]),
        "VISITNUM": pd.to_numeric(rs["VISITNUM"]).astype(float), "SRCDOM": "RS", "SRCVAR": "RSSTRESC",
        "SRCSEQ": pd.to_numeric(rs["RSSEQ"]).astype(float)})
    return _anl_flags(ovr, adsl, worst_per_date=True)


def _anl_flags(rec: pd.DataFrame, adsl: pd.DataFrame, *, worst_per_date: bool) -> pd.DataFrame:
    """ANL01FL (OVR: worst per subject and date; OVRDER: every record) on or after TRTSDT and before
    NACTDT; ANL02FL: ANL01FL records up to and including the first PD."""
    ref = adsl.set_index("USUBJID")
    trtsdt, nactdt = rec["USUBJID"].map(ref["TRTSDT"]), rec["USUBJID"].map(ref["NACTDT"])
    window = (rec["ADT"] >= trtsdt) & (nactdt.isna() | (rec["ADT"] < nactdt))
    rec = rec.assign(_W=rec["AVALC"].map({v: i for i, v in enumerate(WORST_LAST)}).fillna(-1))
    cand = rec.loc[window]
    if worst_per_date:
        cand = cand.sort_values(["USUBJID", "ADT", "_W", "SRCSEQ"], ascending=[True, True, False, True])
        cand = cand.drop_duplicates(["USUBJID", "ADT"])
    rec["ANL01FL"] = np.where(rec.index.isin(cand.index), "Y", "")
    anl = rec.loc[rec["ANL01FL"] == "Y"].sort_values(["USUBJID", "ADT"])
    first_pd = anl.loc[anl["AVALC"] == "PD"].groupby("USUBJID")["ADT"].min()
    limit = anl["USUBJID"].map(first_pd)
    upto = anl.index[limit.isna() | (anl["ADT"] <= limit)]
    rec["ANL02FL"] = np.where(rec.index.isin(upto), "Y", "")
    return rec.drop(columns="_W")


def recist_overall(target: str, nontarget: str, new_lesion: bool) -> str:
    """RECIST 1.1 overall response from the target response, the non-target response ("" when the
    subject has no non-target lesions) and whether a new lesion appeared."""
    if new_lesion or target == "PD" or nontarget == "PD":
        return "PD"
    if target == "NE" or nontarget == "NE":
        return "NE"
    if target == "CR":
        return "CR" if nontarget in ("CR", "") else "PR"
    if target == "PR":
        return "PR"
    return "SD"


def derived_ovr(tu: pd.DataFrame, tr: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """OVRDER: RECIST 1.1 response at each post-baseline assessment from the lesion measurements."""
    lesions = pd.DataFrame({"USUBJID": text(tu["USUBJID"]), "LNKID": text(tu["TULNKID"]),
                            "ROLE": text(tu["TUSTRESC"]), "NODE": text(tu["TULOC"]).str.contains("LYMPH NODE"),
                            "VISITNUM": pd.to_numeric(tu["VISITNUM"])})
    role = lesions.loc[lesions["ROLE"].isin(["TARGET", "NON-TARGET"])].drop_duplicates(["USUBJID", "LNKID"])
    new = lesions.loc[lesions["ROLE"] == "NEW", ["USUBJID", "VISITNUM"]].drop_duplicates()
    new_keys = set(zip(new["USUBJID"], new["VISITNUM"]))
    m = pd.DataFrame({"STUDYID": text(tr["STUDYID"]), "USUBJID": text(tr["USUBJID"]), "LNKID": text(tr["TRLNKID"]),
                      "TEST": text(tr["TRTESTCD"]), "VAL": pd.to_numeric(tr["TRSTRESN"]), "RES": text(tr["TRSTRESC"]),
                      "VISIT": text(tr["VISIT"]), "VISITNUM": pd.to_numeric(tr["VISITNUM"]), "DT": iso_date(tr["TRDTC"])})
    m = m.merge(role[["USUBJID", "LNKID", "ROLE", "NODE"]], on=["USUBJID", "LNKID"], how="left")
    m["NODE"] = m["NODE"].fillna(False).astype(bool)
    # a target lesion's measure: short axis for a node, longest diameter otherwise
    tgt = m.loc[(m["ROLE"] == "TARGET") & (((m["TEST"] == "SAXIS") & m["NODE"]) | ((m["TEST"] == "LDIAM") & ~m["NODE"]))]
    n_targets = role.loc[role["ROLE"] == "TARGET"].groupby("USUBJID").size()
    rows = []
    for (subj, studyid), visits in m.groupby(["USUBJID", "STUDYID"]):
        t = tgt.loc[tgt["USUBJID"] == subj]
        sums = t.groupby("VISITNUM")["VAL"].agg(["sum", "count"])
        base_sum = sums["sum"].get(1.0, np.nan)
        nadir = base_sum
        for visitnum, v in visits.groupby("VISITNUM"):
            if visitnum == 1.0:
                continue
            tv = t.loc[t["VISITNUM"] == visitnum]
            measured = int(sums["count"].get(visitnum, 0)) == int(n_targets.get(subj, 0)) and tv["VAL"].notna().all()
            s = tv["VAL"].sum()
            if not measured:
                target = "NE"
            elif (tv.loc[~tv["NODE"], "VAL"] == 0).all() and (tv.loc[tv["NODE"], "VAL"] < NODE_NORMAL_MM).all():
                target = "CR"
            elif s >= nadir * (1 + PD_INCREASE) and s - nadir >= PD_ABSOLUTE_MM:
                target = "PD"
            elif s <= base_sum * (1 - PR_DECREASE):
                target = "PR"
            else:
                target = "SD"
            if measured:
                nadir = min(nadir, s)
            states = v.loc[(v["ROLE"] == "NON-TARGET") & (v["TEST"] == "TUMSTATE"), "RES"]
            if states.empty:
                nontarget = ""
            elif (states == "UNEQUIVOCAL").any():
                nontarget = "PD"
            elif (states == "ABSENT").all():
                nontarget = "CR"
            else:
                nontarget = "NON-CR/NON-PD"
            rows.append({"STUDYID": studyid, "USUBJID": subj, "PARAMCD": "OVRDER",
                         "AVALC": recist_overall(target, nontarget, (subj, visitnum) in new_keys),
                         "ADT": v["DT"].min(), "ADTF": "", "VISIT": v["VISIT"].iloc[0], "VISITNUM": float(visitnum),
                         "SRCDOM": "", "SRCVAR": "", "SRCSEQ": np.nan})
    der = pd.DataFrame(rows)
    der["ADT"] = pd.to_datetime(der["ADT"])
    # MT.ANL01FL (OVRDER): every post-baseline assessment before new anti-cancer therapy
    return _anl_flags(der, adsl, worst_per_date=False)


# ---------------------------------------------------------------- subject-level parameters
def _subject_record(adsl_row, paramcd: str, avalc: str, src: pd.Series | None) -> dict:
    rec = {"STUDYID": adsl_row.STUDYID, "USUBJID": adsl_row.USUBJID, "PARAMCD": paramcd, "AVALC": avalc,
           "ADT": pd.NaT, "ADTF": "", "SRCDOM": "", "SRCVAR": "", "SRCSEQ": np.nan}
    if src is not None:
        rec.update(ADT=src["ADT"], ADTF=src["ADTF"], SRCDOM=src["SRCDOM"], SRCVAR=src["SRCVAR"], SRCSEQ=src["SRCSEQ"])
    return rec


def _confirmed(recs: pd.DataFrame, i: int, confirm_days: int) -> bool:
    """Is the CR/PR at position ``i`` confirmed: a later CR (for CR) or CR/PR (for PR) at least
    ``confirm_days`` after it, with only such responses and at most one NE in between."""
    first = recs.iloc[i]
    ok = {"CR"} if first["AVALC"] == "CR" else {"CR", "PR"}
    n_ne = 0
    for j in range(i + 1, len(recs)):
        r = recs.iloc[j]
        if r["AVALC"] in ok and (r["ADT"] - first["ADT"]).days >= confirm_days:
            return True
        if r["AVALC"] == "NE":
            n_ne += 1
            if n_ne > 1:
                return False
        elif r["AVALC"] not in ok:
            return False
    return False


def subject_parameters(ovr: pd.DataFrame, adsl: pd.DataFrame, sd_min_days: int, confirm_days: int) -> pd.DataFrame:
    """PD, BOR, CBOR, RSP, CRSP, DCR, LSTA, DEATH per subject of ADSL, from the investigator OVR."""
    out = []
    for a in adsl.itertuples():
        recs = ovr.loc[(ovr["USUBJID"] == a.USUBJID)].sort_values(["ADT", "SRCSEQ"]).reset_index(drop=True)
        anl = recs.loc[recs["ANL01FL"] == "Y"].reset_index(drop=True)
        pd_rec = anl.loc[anl["AVALC"] == "PD"]
        out.append(_subject_record(a, "PD", "Y" if len(pd_rec) else "N", pd_rec.iloc[0] if len(pd_rec) else None))
        window = anl.loc[anl["ANL02FL"] == "Y"].reset_index(drop=True)
        early = (window["ADT"] - a.TRTSDT).dt.days < sd_min_days

        def best(values: pd.Series) -> tuple[str, pd.Series | None]:
            if window.empty:
                return "MISSING", None
            cat = best_of(values, BEST_FIRST)
            return cat, window.loc[values == cat].iloc[0]

        # BOR: SD and NON-CR/NON-PD count only from sd_min_days after TRTSDT (else NE)
        bor_values = window["AVALC"].where(~(window["AVALC"].isin(["SD", "NON-CR/NON-PD"]) & early), "NE")
        bor, bor_src = best(bor_values)
        # CBOR: an unconfirmed CR/PR is SD when it may count as SD, else NE
        cvals = bor_values.copy()
        for i in range(len(window)):
            if window.loc[i, "AVALC"] in ("CR", "PR") and not _confirmed(window, i, confirm_days):
                cvals.iloc[i] = "NE" if early.iloc[i] else "SD"
        cbor, cbor_src = best(cvals)
        out += [_subject_record(a, "BOR", bor, bor_src), _subject_record(a, "CBOR", cbor, cbor_src)]
        responder = bor in ("CR", "PR")
        out.append(_subject_record(a, "RSP", "Y" if responder else "N", bor_src if responder else None))
        out.append(_subject_record(a, "CRSP", "Y" if cbor in ("CR", "PR") else "N",
                                   cbor_src if cbor in ("CR", "PR") else None))
        # DCR: the date disease control was first shown (the first CR/PR, or SD/NON-CR/NON-PD counted
        # from sd_min_days), not the BOR date: a PR after an SD is controlled from the SD (as admiral's
        # clinical benefit); the spec's MT.SRC "the selected OVR record" leaves this open
        control = bor_values.isin(["CR", "PR", "SD", "NON-CR/NON-PD"])
        out.append(_subject_record(a, "DCR", "Y" if control.any() else "N",
                                   window.loc[control].iloc[0] if control.any() else None))
        adequate = window.loc[window["AVALC"].isin(ADEQUATE)]
        lsta = adequate.iloc[-1] if len(adequate) else None
        out.append(_subject_record(a, "LSTA", lsta["AVALC"] if lsta is not None else "MISSING", lsta))
        death = {"ADT": a.DTHDT, "ADTF": "", "SRCDOM": "ADSL", "SRCVAR": "DTHDT", "SRCSEQ": np.nan}
        out.append(_subject_record(a, "DEATH", "Y" if pd.notna(a.DTHDT) else "N",
                                   pd.Series(death) if pd.notna(a.DTHDT) else None))
    return pd.DataFrame(out)


def measurable_disease(tu: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """MDIS: Y when TU has a TARGET lesion at BASELINE; ADT/SRCSEQ of the first (TUDTC, TUSEQ)."""
    t = pd.DataFrame({"USUBJID": text(tu["USUBJID"]), "ADT": iso_date(tu["TUDTC"]),
                      "SRCSEQ": pd.to_numeric(tu["TUSEQ"]).astype(float)})
    t = t.loc[(text(tu["TUSTRESC"]) == "TARGET").to_numpy() & (text(tu["VISIT"]) == "BASELINE").to_numpy()]
    first = t.sort_values(["USUBJID", "ADT", "SRCSEQ"]).drop_duplicates("USUBJID").set_index("USUBJID")
    out = []
    for a in adsl.itertuples():
        src = None
        if a.USUBJID in first.index:
            src = pd.Series({"ADT": first.loc[a.USUBJID, "ADT"], "ADTF": "", "SRCDOM": "TU", "SRCVAR": "TUSTRESC",
                             "SRCSEQ": first.loc[a.USUBJID, "SRCSEQ"]})
        out.append(_subject_record(a, "MDIS", "Y" if src is not None else "N", src))
    return pd.DataFrame(out)


def derive_adrs_qc(sdtm: dict[str, pd.DataFrame], adsl: pd.DataFrame, settings: dict, params: dict) -> pd.DataFrame:
    """QC ADRS from SDTM RS/TU/TR and the QC ADSL; ``params`` maps PARAMCD -> (PARAM, PARAMN)."""
    adam = settings["adam"]
    sd_min_days, confirm_days = int(adam["sd_min_days"]), int(adam["confirm_days"])
    ovr = investigator_ovr(sdtm["RS"], adsl)
    der = derived_ovr(sdtm["TU"], sdtm["TR"], adsl)
    per_visit = pd.concat([ovr, der], ignore_index=True)
    per_visit["AVISIT"], per_visit["AVISITN"] = per_visit["VISIT"], per_visit["VISITNUM"]
    subject = pd.concat([subject_parameters(ovr, adsl, sd_min_days, confirm_days), measurable_disease(sdtm["TU"], adsl)],
                        ignore_index=True)
    for var in ("VISIT", "AVISIT", "ANL01FL", "ANL02FL"):
        subject[var] = ""
    subject["VISITNUM"] = subject["AVISITN"] = np.nan
    adrs = pd.concat([per_visit, subject], ignore_index=True)
    adrs["ADT"] = pd.to_datetime(adrs["ADT"]).astype("datetime64[ns]")
    adrs["PARAM"] = adrs["PARAMCD"].map(lambda c: params[c][0])
    adrs["PARAMN"] = adrs["PARAMCD"].map(lambda c: float(params[c][1]))
    adrs["AVAL"] = adrs["AVALC"].map(AVAL).astype(float)
    ref = adsl.set_index("USUBJID")
    for var in ADSL_VARS:
        adrs[var] = adrs["USUBJID"].map(ref[var])
    adrs["ADY"] = study_day(adrs["ADT"], adrs["TRTSDT"])
    adrs["ASEQ"] = sequence(adrs, ["USUBJID"], ["PARAMN", "ADT", "AVISITN"])
    return adrs[VARIABLES].sort_values(["USUBJID", "ASEQ"], ignore_index=True)


def derive(ctx):
    sdtm = {name: ctx.sdtm[name] for name in ("RS", "TU", "TR")}
    params = parameters(ctx.spec("adam"), "RS")
    return {"QC_ADRS": derive_adrs_qc(sdtm, ctx.adam["QC_ADSL"], ctx.settings, params)}
