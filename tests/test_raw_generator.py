"""The synthetic raw data of NCT04984096: determinism and the published figures, from the raw pages."""

import filecmp
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from raw.generate import DESIGN, generate  # noqa: E402

PAGES = ["ae", "bl", "co", "dm", "eot", "ex_anlo", "ex_pd1", "lb_chem", "lb_hem", "lb_ranges", "nl", "ntl", "pt", "rs",
         "sat", "surg", "surv", "tl", "vs"]


def _d(s):
    return pd.to_datetime(s, format="%d%b%Y", errors="coerce")


@pytest.fixture(scope="module")
def pages():
    return generate(29, 20220703)


def test_committed_csvs_regenerate_byte_identical(tmp_path):
    generate(29, 20220703, tmp_path)
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(f"{p}.csv" for p in PAGES)
    for name in written:
        assert filecmp.cmp(tmp_path / name, ROOT / "raw" / name, shallow=False), name


def test_generation_is_deterministic_and_seed_dependent(tmp_path):
    generate(1000, 7, tmp_path / "a")
    generate(1000, 7, tmp_path / "b")
    generate(1000, 8, tmp_path / "c")
    for name in PAGES:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()
    assert (tmp_path / "a" / "rs.csv").read_bytes() != (tmp_path / "c" / "rs.csv").read_bytes()


def _responses(pages):
    rs = pages["rs"].copy()
    rs["resp"] = rs["OVRLRESP"].str.upper().replace(
        {"PARTIAL RESPONSE": "PR", "STABLE DISEASE": "SD", "PROGRESSIVE DISEASE": "PD"})
    d0 = _d(pages["ex_anlo"]["EXSTDAT"]).groupby(pages["ex_anlo"]["SUBJID"]).min()
    rs["date"] = _d(rs["ASMDAT"])
    rs["diff"] = (rs["date"] - rs["SUBJID"].map(d0)).dt.days
    return rs, d0


def _bor(rs):
    pr = rs[rs["resp"] == "PR"]["SUBJID"].unique()
    sd = rs[(rs["resp"] == "SD") & (rs["diff"] >= 42)]["SUBJID"].unique()
    pd_ = rs[rs["resp"] == "PD"]["SUBJID"].unique()
    out = pd.Series("NE", index=rs["SUBJID"].unique())
    out[pd_] = "PD"
    out[sd] = "SD"
    out[pr] = "PR"
    return out


def test_population_and_baseline(pages):
    assert len(pages["dm"]) == 29 and pages["dm"]["SUBJID"].is_unique
    bl = pages["bl"]
    assert (bl["PRIORRES"].str.upper().str[0] == "Y").sum() == 23
    assert bl["LINE"].value_counts().to_dict() == {2: 20, 1: 8, 3: 1}
    sex = pages["dm"]["SEX"].str.upper().str[0].value_counts().to_dict()
    assert sex == {"M": 24, "F": 5}
    assert (pages["dm"]["AGE"] >= 65).sum() == 13 and pages["dm"]["AGE"].median() == 64
    # messy values a CT mapping must handle
    assert {"male", "F"} <= set(pages["dm"]["SEX"]) or {"Male", "female"} <= set(pages["dm"]["SEX"])
    assert len(pages["surg"]) == 23
    assert set(pages["pt"].loc[pages["pt"]["CLASS"] == "PD-1 inhibitor", "SUBJID"]) == set(pages["dm"]["SUBJID"])


def test_best_overall_response_and_confirmation(pages):
    rs, _ = _responses(pages)
    assert _bor(rs).value_counts().to_dict() == {"SD": 16, "PR": 9, "PD": 4}
    # every PR is confirmed by a second PR at least 28 days later
    pr = rs[rs["resp"] == "PR"].groupby("SUBJID")["diff"].agg(["min", "max"])
    assert len(pr) == 9 and ((pr["max"] - pr["min"]) >= 28).all()
    first = rs.sort_values("diff").groupby("SUBJID").first()
    assert first["diff"].between(42, 49).all()  # first scan 6-7 weeks after the first dose
    pd_subj = _bor(rs)[lambda s: s == "PD"].index
    assert (first.loc[pd_subj, "resp"] == "PD").all()


def _times(pages):
    rs, d0 = _responses(pages)
    pd_date = rs[rs["resp"] == "PD"].groupby("SUBJID")["date"].min().reindex(d0.index)
    last = rs.groupby("SUBJID")["date"].max().reindex(d0.index)
    surv = pages["surv"].set_index("SUBJID")
    death, alive = _d(surv["DTHDAT"]).reindex(d0.index), _d(surv["LSTALVDAT"]).reindex(d0.index)
    pfs = ((pd_date.fillna(last) - d0).dt.days + 1).to_numpy()
    os_ = ((death.fillna(alive) - d0).dt.days + 1).to_numpy()
    return pfs, pd_date.notna().astype(int).to_numpy(), os_, death.notna().astype(int).to_numpy()


def _collett_ci(t, e):
    """median +/- 1.96 SE; SE = Greenwood SE of S(median) / f, f from the 0.55/0.45 event times."""
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(t, e)
    times, surv, se = sf.surv_times, sf.surv_prob, sf.surv_prob_se
    med = sf.quantile(0.5)
    i = int(np.flatnonzero(times == med)[0])
    u = np.flatnonzero(surv >= 0.55).max()
    lo = np.flatnonzero(surv <= 0.45).min()
    f = (surv[u] - surv[lo]) / (times[lo] - times[u])
    half = 1.96 * se[i] / f
    return med, med - half, med + half


def test_pfs_and_os_medians_and_cis(pages):
    pfs, pfs_e, os_, os_e = _times(pages)
    med, lo, hi = _collett_ci(pfs, pfs_e)
    assert med == 160 and round(med / 30, 2) == 5.33
    assert (round(lo / 30, 2), round(hi / 30, 2)) == (4.28, 6.38)
    med, lo, hi = _collett_ci(os_, os_e)
    assert med == 311 and round(med / 30, 2) == 10.37
    assert (round(lo / 30, 2), round(hi / 30, 2)) == (6.26, 14.47)  # paper 14.46 (abstract 14.48)
    # the design table is what the raw pages say
    design = pd.DataFrame(DESIGN).iloc[:, [1, 2, 3, 4]].to_numpy()
    assert (np.column_stack([pfs, pfs_e, os_, os_e]) == design).all()


def test_survival_consistency(pages):
    rs, d0 = _responses(pages)
    surv = pages["surv"].set_index("SUBJID")
    death = _d(surv["DTHDAT"])
    pd_date = rs[rs["resp"] == "PD"].groupby("SUBJID")["date"].min()
    cutoff = pd.Timestamp("2022-07-03")
    dead = death.dropna()
    assert (dead.index.isin(pd_date.index)).all() and (dead > pd_date.reindex(dead.index)).all()
    assert (surv.loc[dead.index, "DTHCAUS"] == "Disease progression").all()
    alive = _d(surv["LSTALVDAT"]).dropna()
    assert len(alive) + len(dead) == 29 and ((cutoff - alive).dt.days.between(0, 14)).all()
    eot = pages["eot"].set_index("SUBJID")
    assert (_d(eot["EOTDAT"]) >= pd_date.reindex(eot.index)).all()
    sat = pages["sat"]
    assert len(sat) > 0 and (_d(sat["STDAT"]).to_numpy() > pd_date.reindex(sat["SUBJID"]).to_numpy()).all()
    assert d0.min() >= pd.Timestamp("2020-07-01") and d0.max() <= pd.Timestamp("2022-03-31")
    last_ex = _d(pages["ex_anlo"]["EXENDAT"]).groupby(pages["ex_anlo"]["SUBJID"]).max()
    assert (last_ex.reindex(dead.index) <= dead).all()


def test_adverse_events(pages):
    ae = pages["ae"]
    rel = lambda s: s.str.lower().str.match(r"^(related|possibly|probably)")
    related = rel(ae["AERELANL"]) | rel(ae["AERELPD1"])
    assert ae.loc[related, "SUBJID"].nunique() == 29
    by_pt = ae[related].groupby("AEDECOD")["SUBJID"].nunique().sort_values(ascending=False)
    assert by_pt.index[:2].tolist() == ["Anaemia", "Lymphocyte count decreased"]
    assert by_pt.iloc[:3].tolist() == [15, 12, 7]
    g3 = ae[related & (ae["AETOXGR"] >= 3)]
    assert g3["AEDECOD"].unique().tolist() == ["Lymphocyte count decreased"] and g3["SUBJID"].nunique() == 2
    assert ae.loc[~related, "AETOXGR"].max() <= 2
    assert (ae["AETERM"] == "Naus\u00e9e").sum() == 1
    partial = ae.loc[~ae["AESTDAT"].str.match(r"^\d{2}[A-Z]{3}\d{4}$"), "AESTDAT"].tolist()
    assert len(partial) == 3 and sum(p.startswith("UN-UNK-") for p in partial) == 1
    assert all(len(p) == 7 for p in partial if not p.startswith("UN"))


#: The MedDRA SOC codes (MedDRA's 27 SOCs; the ones the study uses).
SOC_CODES = {"Blood and lymphatic system disorders": 10005329, "Endocrine disorders": 10014698,
             "Gastrointestinal disorders": 10017947, "General disorders and administration site conditions": 10018065,
             "Hepatobiliary disorders": 10019805, "Investigations": 10022891,
             "Metabolism and nutrition disorders": 10027433, "Musculoskeletal and connective tissue disorders": 10028395,
             "Renal and urinary disorders": 10038359, "Respiratory, thoracic and mediastinal disorders": 10038738,
             "Skin and subcutaneous tissue disorders": 10040785, "Vascular disorders": 10047065}
#: PT codes that are not HLT or HLGT codes (CTCAE v5.0 terms): a code names one MedDRA term only.
OTHER_TERMS = {10037868: "Rash maculo-papular"}


def test_meddra_hierarchy_is_consistent(pages):
    from raw.generate import AE_TERMS, MEDDRA

    assert set(MEDDRA) == {t[0] for t in AE_TERMS}
    names: dict[int, str] = dict(OTHER_TERMS) | {c: s for s, c in SOC_CODES.items()}
    soc_of = {t[0]: t[1] for t in AE_TERMS}
    for pt, (ptcd, hlt, hltcd, hlgt, hlgtcd, soccd) in MEDDRA.items():
        assert SOC_CODES[soc_of[pt]] == soccd, pt
        for code, name in ((ptcd, pt), (hltcd, hlt), (hlgtcd, hlgt)):
            assert names.setdefault(code, name) == name, (pt, code, name, names[code])
    # the page carries the table as it is
    ae = pages["ae"].drop_duplicates("AEDECOD").set_index("AEDECOD")
    assert ae.loc["Rash", ["AEHLT", "AEHLTCD", "AEHLGTCD", "AESOCCD"]].tolist() == [
        "Rashes, eruptions and exanthems NEC", 10052566, 10014982, 10040785]


def test_lesions_support_the_investigator_response(pages):
    tl = pages["tl"].copy()
    s = tl.groupby(["SUBJID", "VISIT", "ASMDAT"], sort=False)["DIAM"].sum().reset_index()
    s["date"] = _d(s["ASMDAT"])
    s = s.sort_values(["SUBJID", "date"]).reset_index(drop=True)
    base = s.groupby("SUBJID")["DIAM"].transform("first")
    nadir = s.groupby("SUBJID")["DIAM"].cummin().groupby(s["SUBJID"]).shift(1)
    s["trg"] = np.where((s["DIAM"] >= 1.2 * nadir) & (s["DIAM"] - nadir >= 5), "PD",
                        np.where(s["DIAM"] <= 0.7 * base, "PR", "SD"))
    rs, _ = _responses(pages)
    m = rs.merge(s[["SUBJID", "ASMDAT", "trg"]], on=["SUBJID", "ASMDAT"], how="left")
    assert m["trg"].notna().all()
    nt_pd = m["NTRGRESP"].eq("PD")
    new = m["NEWLES"].eq("Y")
    derived = np.where((m["trg"] == "PD") | nt_pd | new, "PD", m["trg"])
    assert (derived == m["resp"]).all()
    # each PD mechanism occurs
    assert (m["trg"] == "PD").any() and nt_pd.any() and new.any()
    assert len(pages["nl"]) == new.sum()


def test_long_comment_and_exposure(pages):
    co = pages["co"]
    assert (co["COMMENT"].str.len() > 200).sum() == 1
    ex = pages["ex_anlo"]
    assert set(ex["EXDOSE"]) <= {8, 10, 12} and (ex["EXDOSE"] < 12).any()
    assert set(pages["ex_pd1"]["EXDOSE"]) == {200}
    assert len(ex) == len(pages["ex_pd1"])
    first = ex[ex["SUBJID"] == "001"]
    assert first["CYCLE"].tolist() == list(range(1, len(first) + 1))
    gap = _d(first["EXSTDAT"]).diff().dt.days.dropna()
    assert (gap == 21).all()


def _adjustments(pages):
    """Per subject: AEs whose anlotinib action is a reduction / interruption, and EX cycles adjusted so."""
    ae, ex = pages["ae"], pages["ex_anlo"].copy()
    ex["_DROP"] = ex.groupby("SUBJID")["EXDOSE"].diff().lt(0)
    ex["_SHORT"] = (_d(ex["EXENDAT"]) - _d(ex["EXSTDAT"])).dt.days < 13
    counts = pd.DataFrame({
        "ae_reduced": ae[ae["AEACNANL"] == "Dose reduced"].groupby("SUBJID").size(),
        "ae_interrupted": ae[ae["AEACNANL"] == "Drug interrupted"].groupby("SUBJID").size(),
        "ex_reduced": ex[ex["EXADJ"].str.startswith("Dose reduced for toxicity (")].groupby("SUBJID").size(),
        "ex_interrupted": ex[ex["EXADJ"].str.startswith("Adverse event (")].groupby("SUBJID").size(),
    }).fillna(0).astype(int)
    return ae, ex, counts


@pytest.mark.parametrize("n,seed", [(29, 20220703), (1000, 3)])
def test_ae_action_taken_drives_the_exposure_adjustments(pages, n, seed):
    """One decision per AE: its anlotinib action taken is the EX cycle's reduction or interruption."""
    ae, ex, counts = _adjustments(pages if n == 29 else generate(n, seed))
    assert (counts["ae_reduced"] == counts["ex_reduced"]).all()
    assert (counts["ae_interrupted"] == counts["ex_interrupted"]).all()
    adjusted = ex[ex["EXADJ"] != ""]
    # a reduction lowers the dose by 2 mg from that cycle; the dose never drops without one
    red = adjusted["EXADJ"].str.startswith("Dose reduced")
    assert adjusted.loc[red, "_DROP"].all() and (ex["_DROP"] <= ex["EXADJ"].str.startswith("Dose reduced")).all()
    # an interrupted cycle stops before its 14th dosing day
    assert adjusted.loc[~red, "_SHORT"].all()
    # EXADJ names the AE: the subject's AEs with that action and preferred term, one cycle each
    named = adjusted.assign(AEDECOD=adjusted["EXADJ"].str.extract(r"\((.*)\)$")[0],
                            AEACNANL=np.where(red, "Dose reduced", "Drug interrupted"))
    key = ["SUBJID", "AEACNANL", "AEDECOD"]
    acted = ae[ae["AEACNANL"].isin(["Dose reduced", "Drug interrupted"])]
    assert named.groupby(key).size().to_dict() == acted.groupby(key).size().to_dict()
    if n == 29:  # counted by hand from raw/ae.csv and raw/ex_anlo.csv
        assert counts.loc[counts["ex_reduced"] > 0].index.tolist() == ["003", "004", "011", "021", "024", "025"]
        assert counts["ex_reduced"].sum() == 7  # 021 twice (cycles 5 and 8: 12 -> 10 -> 8 mg)
        assert counts.loc[counts["ex_interrupted"] > 0].index.tolist() == ["014", "021", "028"]
        assert counts["ex_interrupted"].sum() == 3


def test_any_size_same_structure():
    small = generate(29, 20220703)
    big = generate(1000, 3)
    for name in PAGES:
        assert list(big[name].columns) == list(small[name].columns), name
    assert len(big["dm"]) == 1000 and big["dm"]["SUBJID"].str.len().eq(4).all()
    rs = big["rs"].copy()
    rs["resp"] = rs["OVRLRESP"].str.upper().str[:2].replace({"PA": "PR", "ST": "SD"})
    assert {"PR", "SD", "PD"} <= set(rs["resp"])
    assert big["ae"]["SUBJID"].nunique() == 1000
    assert generate(5, 1)["dm"]["SUBJID"].tolist() == ["001", "002", "003", "004", "005"]
