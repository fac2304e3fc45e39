"""SDTM programs of NCT04984096 run on the committed raw extracts: real values checked by hand."""

from pathlib import Path

import pandas as pd
import pytest

from derivations.study import RunContext, Study

ROOT = Path(__file__).resolve().parents[1]


def _run(raw_dir=None):
    study = Study.load(ROOT)
    ctx = RunContext(study, raw_dir=raw_dir)
    for name in study.programs("sdtm"):
        ctx.sdtm.update(study.load_program("sdtm", name)(ctx))
    return ctx


@pytest.fixture(scope="module")
def ctx():
    return _run()


@pytest.fixture(scope="module")
def sdtm(ctx):
    return ctx.sdtm


def _supp(sdtm, qnam):
    s = sdtm["SUPPDM"]
    return s.loc[s["QNAM"] == qnam].set_index("USUBJID")["QVAL"]


def test_programs_and_datasets(sdtm):
    assert sorted(sdtm) == ["AE", "CM", "CO", "DM", "DS", "EX", "LB", "PR", "RS", "SUPPAE", "SUPPCM",
                            "SUPPDM", "SV", "TA", "TE", "TI", "TR", "TS", "TU", "TV", "VS"]


def test_dm(sdtm):
    dm = sdtm["DM"]
    assert len(dm) == 29 and dm["USUBJID"].is_unique
    assert dm["USUBJID"].iloc[0] == "NCT04984096-001"
    assert dm["SEX"].value_counts().to_dict() == {"M": 24, "F": 5}  # from M/Male/male/MALE/F/female
    assert (dm["AGE"] >= 65).sum() == 13 and set(dm["AGEU"]) == {"YEARS"}
    assert set(dm["RACE"]) == {"ASIAN"} and set(dm["ETHNIC"]) == {"NOT HISPANIC OR LATINO"}
    assert dm["BRTHDTC"].str.fullmatch(r"\d{4}").all()  # UN-UNK-1963 -> 1963
    assert set(dm["ARMCD"]) == {"ANLOPD1"} and (dm["ACTARM"] == dm["ARM"]).all()
    # every subject was treated as planned: no arm null reason, no unplanned arm (SDTMIG 3.4)
    assert set(dm["ARMNRS"]) == {""} and set(dm["ACTARMUD"]) == {""}
    assert (dm["RFSTDTC"] == dm["RFXSTDTC"]).all() and (dm["RFICDTC"] < dm["RFSTDTC"]).all()
    assert dm["RFSTDTC"].min() >= "2020-07-01" and dm["RFSTDTC"].max() <= "2022-03-31"
    dead = dm["DTHFL"] == "Y"
    assert dead.sum() == 19 and (dm.loc[dead, "RFPENDTC"] == dm.loc[dead, "DTHDTC"]).all()
    assert (dm.loc[~dead, "DTHDTC"] == "").all() and (dm["RFPENDTC"] <= "2022-07-03").all()
    s1 = dm.set_index("USUBJID").loc["NCT04984096-001"]
    assert (s1["RFSTDTC"], s1["RFXENDTC"], s1["DTHDTC"], s1["SEX"]) == ("2021-07-27", "2021-09-08", "2021-11-01", "M")


def test_suppdm_baseline_characteristics(sdtm):
    assert (_supp(sdtm, "PRIORRES") == "Y").sum() == 23 and len(_supp(sdtm, "PRIORRES")) == 29
    assert _supp(sdtm, "TRTLINE").value_counts().to_dict() == {"2": 20, "1": 8, "3": 1}
    assert set(_supp(sdtm, "ECOGBL")) == {"0", "1", "2"}
    assert set(_supp(sdtm, "SMOKHX")) == {"Y", "N"} and set(_supp(sdtm, "ALCOHX")) == {"Y", "N"}
    assert set(_supp(sdtm, "STAGE")) <= {"III", "IVA", "IVB"}
    assert set(_supp(sdtm, "PD1TRT")) == {"CAMRELIZUMAB", "SINTILIMAB", "TISLELIZUMAB", "TORIPALIMAB"}
    assert _supp(sdtm, "METSITE").loc["NCT04984096-001"] == "ADRENAL GLAND; BONE; PLEURA"
    assert len(sdtm["PR"]) == 23 and set(sdtm["PR"]["USUBJID"]) == set(_supp(sdtm, "PRIORRES")[lambda s: s == "Y"].index)


def test_ex(sdtm):
    ex = sdtm["EX"]
    s1 = ex[ex["USUBJID"] == "NCT04984096-001"]
    # subject 001: three cycles of anlotinib 12 mg and toripalimab 200 mg, PD at week 6
    assert s1.groupby("EXTRT").size().to_dict() == {"ANLOTINIB": 3, "TORIPALIMAB": 3}
    anl = s1[s1["EXTRT"] == "ANLOTINIB"]
    assert anl["EXSTDTC"].tolist() == ["2021-07-27", "2021-08-17", "2021-09-07"]
    assert anl["EXSTDY"].tolist() == [1, 22, 43] and anl["EXENDY"].tolist() == [14, 35, 44]
    assert set(ex["EXROUTE"]) == {"ORAL", "INTRAVENOUS"}  # from Oral/oral/PO/po/IV/iv/Intravenous/...
    # CT FREQ submission values: anlotinib QD (C25473), the PD-1 antibody EVERY 3 WEEKS (C64535; not "Q3W")
    assert ex.groupby("EXTRT")["EXDOSFRQ"].unique().map(list).to_dict() == {
        "ANLOTINIB": ["QD"], "CAMRELIZUMAB": ["EVERY 3 WEEKS"], "SINTILIMAB": ["EVERY 3 WEEKS"],
        "TISLELIZUMAB": ["EVERY 3 WEEKS"], "TORIPALIMAB": ["EVERY 3 WEEKS"]}
    assert ex["EXDOSFRQ"].value_counts().to_dict() == {"QD": 246, "EVERY 3 WEEKS": 246}
    assert set(ex.loc[ex["EXTRT"] == "ANLOTINIB", "EXDOSE"]) == {8, 10, 12}
    assert set(ex["EPOCH"]) == {"TREATMENT"} and (ex["EXSTDY"] >= 1).all()
    # the dosing schedule of TV: CYCLE n is visit 100 + n, apart from the tumour-assessment visits
    assert anl["VISITNUM"].tolist() == [101.0, 102.0, 103.0] and anl["VISIT"].tolist() == ["CYCLE 1", "CYCLE 2", "CYCLE 3"]
    assert (ex["VISITNUM"] > 100).all()
    assert not ex.duplicated(["USUBJID", "EXTRT", "EXSTDTC"]).any()


def test_ae_action_taken_matches_ex_adjustments(sdtm):
    """Per subject, AEs with anlotinib action DOSE REDUCED / DRUG INTERRUPTED (SUPPAE.AEACNANL) are as many
    as the anlotinib EX records reduced / interrupted, and EXADJ names each AE."""
    ae, supp, ex = sdtm["AE"], sdtm["SUPPAE"], sdtm["EX"]
    acn = supp[supp["QNAM"] == "AEACNANL"].assign(AESEQ=lambda d: d["IDVARVAL"].astype(float).astype(int))
    acn = acn.merge(ae.assign(AESEQ=ae["AESEQ"].astype(int)), on=["USUBJID", "AESEQ"])
    anlo = ex[ex["EXTRT"] == "ANLOTINIB"]
    for action, reason in [("DOSE REDUCED", "DOSE REDUCED FOR TOXICITY"), ("DRUG INTERRUPTED", "ADVERSE EVENT")]:
        from_ae = acn[acn["QVAL"] == action].groupby("USUBJID")["AEDECOD"].agg(lambda s: sorted(s.str.upper()))
        adj = anlo[anlo["EXADJ"].str.startswith(reason + " (")]
        from_ex = adj.groupby("USUBJID")["EXADJ"].agg(lambda s: sorted(s.str.extract(r"\((.*)\)$")[0]))
        assert from_ae.to_dict() == from_ex.to_dict(), action
    assert set(anlo["EXADJ"]) - {""} == set(anlo.loc[anlo["EXADJ"].str.match(r"(DOSE REDUCED FOR TOXICITY|ADVERSE EVENT) \("), "EXADJ"])
    s21 = anlo[anlo["USUBJID"] == "NCT04984096-021"]
    assert s21["EXDOSE"].tolist() == [12, 12, 12, 12, 10, 10, 10, 8]
    assert s21["EXADJ"].tolist()[4:] == ["DOSE REDUCED FOR TOXICITY (NAUSEA)", "ADVERSE EVENT (ANAEMIA)", "",
                                         "DOSE REDUCED FOR TOXICITY (FATIGUE)"]
    # interrupted on the day before the anaemia began (23MAY2021): 9 of 14 dosing days
    assert s21["EXENDTC"].tolist()[5] == "2021-05-22"


def test_ae(ctx, sdtm):
    ae, supp = sdtm["AE"], sdtm["SUPPAE"]
    assert len(ae) == 77 and not ae.duplicated(["USUBJID", "AESEQ"]).any()
    # AESEQ numbers each subject's events 1, 2, ... by start date, term, sponsor id (records keep their place)
    ordered = ae.sort_values(["USUBJID", "AESTDTC", "AEDECOD", "AESPID"], kind="mergesort")
    assert (ordered.groupby("USUBJID")["AESEQ"].agg(lambda s: list(s) == list(range(1, len(s) + 1)))).all()
    assert ae.loc[ae["AEREL"] == "RELATED", "USUBJID"].nunique() == 29
    by_pt = ae[ae["AEREL"] == "RELATED"].groupby("AEDECOD")["USUBJID"].nunique().sort_values(ascending=False)
    assert by_pt.head(3).to_dict() == {"Anaemia": 15, "Lymphocyte count decreased": 12, "Hypertension": 7}
    g3 = ae[ae["AETOXGR"].astype(int) >= 3]
    assert set(g3["AEDECOD"]) == {"Lymphocyte count decreased"} and g3["USUBJID"].nunique() == 2
    assert set(g3["AEREL"]) == {"RELATED"}
    assert set(ae["AEOUT"]) <= {"RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED"}
    assert set(ae["AESER"]) == {"N"}
    # partial start dates stay partial; UN-UNK-2021 -> 2021; no study day for them
    partial = ae[~ae["AESTDTC"].str.fullmatch(r"\d{4}-\d{2}-\d{2}")]
    assert sorted(partial["AESTDTC"]) == ["2020-09", "2021", "2021-08"]
    assert partial["AESTDY"].isna().all() and (ae["AESTDY"].dropna() != 0).all()
    # the non-ASCII verbatim term: transliterated, one finding
    assert (ae["AETERM"] == "Nausee").sum() == 1 and ae["AETERM"].map(str.isascii).all()
    found = ctx.findings.select(check="transliterated", dataset="AE")
    assert len(found) == 1 and found[0].value == "Naus\u00e9e" and found[0].usubjid == "NCT04984096-014"
    # per-drug relationship in SUPPAE, one record per AE and QNAM
    assert supp.groupby("QNAM").size().to_dict() == {"AEACNANL": 77, "AEACNPD1": 77, "AERELANL": 77, "AERELPD1": 77}
    rel = supp.pivot_table(index=["USUBJID", "IDVARVAL"], columns="QNAM", values="QVAL", aggfunc="first")
    merged = ae.assign(IDVARVAL=ae["AESEQ"].astype(str)).set_index(["USUBJID", "IDVARVAL"]).join(rel)
    either = (merged["AERELANL"] == "RELATED") | (merged["AERELPD1"] == "RELATED")
    assert ((merged["AEREL"] == "RELATED") == either).all()
    assert ((merged["AEACN"] == "MULTIPLE") == (merged["AEACNANL"] != merged["AEACNPD1"])).all()
    assert "MULTIPLE" in set(ae["AEACN"])
    # the coder's MedDRA hierarchy: the PT's own LLT, the body system is the primary SOC
    assert (ae["AELLT"] == ae["AEDECOD"]).all() and (ae["AELLTCD"] == ae["AEPTCD"]).all()
    assert (ae["AEBDSYCD"] == ae["AESOCCD"]).all() and (ae["AEBODSYS"] == ae["AESOC"]).all()
    assert ae.groupby("AEDECOD")[["AEPTCD", "AEHLTCD", "AEHLGTCD", "AESOCCD"]].nunique().eq(1).all().all()
    anaemia = ae[ae["AEDECOD"] == "Anaemia"].iloc[0]
    assert (anaemia["AEPTCD"], anaemia["AEHLT"], anaemia["AEHLTCD"], anaemia["AEHLGTCD"], anaemia["AESOCCD"]) == (
        10002034, "Anaemias NEC", 10002067, 10002086, 10005329)


def test_tumour_domains_and_links(sdtm):
    tu, tr, rs = sdtm["TU"], sdtm["TR"], sdtm["RS"]
    assert set(tu["TUSTRESC"]) == {"TARGET", "NON-TARGET", "NEW"}
    assert not tu.duplicated(["USUBJID", "TULNKID"]).any()
    lesions = tr[tr["TRLNKID"] != ""]
    assert lesions.merge(tu, left_on=["USUBJID", "TRLNKID"], right_on=["USUBJID", "TULNKID"]).shape[0] == len(lesions)
    assert set(tr["TRTESTCD"]) == {"LDIAM", "SAXIS", "SUMDIAM", "TUMSTATE"}
    base = tr[tr["VISITNUM"] == 1]
    assert (base["TRDY"] < 0).all()
    # EPOCH: none for a baseline scan taken before informed consent (pre-study), else SCREENING
    consent = base["USUBJID"].map(sdtm["DM"].set_index("USUBJID")["RFICDTC"])
    assert ((base["EPOCH"] == "") == (base["TRDTC"] < consent)).all() and set(base["EPOCH"]) == {"", "SCREENING"}
    assert ((tu["EPOCH"] == "") == (tu["TUDTC"] < tu["USUBJID"].map(sdtm["DM"].set_index("USUBJID")["RFICDTC"]))).all()
    # --LOBXFL: the baseline scan is each lesion's (and the sum's) last observation before the first dose
    assert ((tr["TRLOBXFL"] == "Y") == (tr["VISITNUM"] == 1)).all() and set(tr["TRLOBXFL"]) == {"Y", ""}
    assert ((tu["TULOBXFL"] == "Y") == (tu["VISIT"] == "BASELINE")).all()
    assert (tr["TRDY"] != 0).all() and set(tr["TRLNKGRP"]) == {f"A{i}" for i in range(1, 8)}
    # SUMDIAM = sum of the visit's LDIAM + SAXIS
    meas = tr[tr["TRTESTCD"].isin(["LDIAM", "SAXIS"])].groupby(["USUBJID", "VISITNUM"])["TRSTRESN"].sum()
    sums = tr[tr["TRTESTCD"] == "SUMDIAM"].set_index(["USUBJID", "VISITNUM"])["TRSTRESN"]
    assert meas.sort_index().equals(sums.sort_index())
    ovr = rs[rs["RSTESTCD"] == "OVRLRESP"]
    assert set(ovr["RSSTRESC"]) == {"PR", "SD", "PD"} and set(ovr["RSEVAL"]) == {"INVESTIGATOR"}
    assert set(rs["RSORRES"]) > {"Partial response", "sd", "Non-CR/Non-PD"}  # as collected
    assert set(ovr["RSLNKGRP"]) <= set(tr["TRLNKGRP"])
    assert (rs.loc[rs["RSTESTCD"] != "OVRLRESP", "RSLNKGRP"] == "").all()


def test_best_overall_response(sdtm):
    rs = sdtm["RS"]
    ovr = rs[rs["RSTESTCD"] == "OVRLRESP"]
    pr = set(ovr.loc[ovr["RSSTRESC"] == "PR", "USUBJID"])
    sd = set(ovr.loc[(ovr["RSSTRESC"] == "SD") & (ovr["RSDY"] >= 43), "USUBJID"]) - pr  # day diff >= 42
    pd_ = set(ovr.loc[ovr["RSSTRESC"] == "PD", "USUBJID"]) - pr - sd
    assert (len(pr), len(sd), len(pd_)) == (9, 16, 4)
    assert len(pr | sd | pd_) == 29


def test_recist_from_lesions_matches_investigator(ctx, sdtm):
    from derivations.oncology.recist import derive_param_recist_ovr

    derived = derive_param_recist_ovr(sdtm["TR"], dataset_add=sdtm["TU"], filter="TRTESTCD != 'SUMDIAM'")
    derived = derived[derived["ABLFL"] != "Y"]
    ovr = sdtm["RS"][sdtm["RS"]["RSTESTCD"] == "OVRLRESP"]
    m = derived.merge(ovr, on=["USUBJID", "VISITNUM"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all() and len(m) == 93
    assert (m["OVRLRESP"] == m["RSSTRESC"]).all()


def test_ds_and_cm(sdtm):
    ds, cm, dm = sdtm["DS"], sdtm["CM"], sdtm["DM"].set_index("USUBJID")
    assert ds.groupby(["DSCAT", "DSSCAT", "DSDECOD"]).size().to_dict() == {
        ("DISPOSITION EVENT", "STUDY PARTICIPATION", "DEATH"): 19,
        ("DISPOSITION EVENT", "STUDY TREATMENT", "PROGRESSIVE DISEASE"): 25,
        ("OTHER EVENT", "", "ONGOING"): 10, ("PROTOCOL MILESTONE", "", "INFORMED CONSENT OBTAINED"): 29}
    # the 10 subjects alive at the cut-off: ONGOING at their last contact (the end of participation),
    # so that no AE starts after the last DS record
    ongoing = ds[ds["DSDECOD"] == "ONGOING"].set_index("USUBJID")
    assert set(ongoing.index) == set(dm.index[dm["DTHFL"] != "Y"])
    assert (ongoing["DSSTDTC"] == dm.loc[ongoing.index, "RFPENDTC"]).all() and (ongoing["DSSTDTC"] <= "2022-07-03").all()
    last_ds = ds.groupby("USUBJID")["DSSTDTC"].max()
    ae = sdtm["AE"]
    assert (ae["AESTDTC"].to_numpy() <= ae["USUBJID"].map(last_ds).to_numpy()).all()
    # subject 009 is still on treatment at the cut-off: consent and the ongoing status only
    assert ds.loc[ds["USUBJID"] == "NCT04984096-009", "DSDECOD"].tolist() == ["INFORMED CONSENT OBTAINED", "ONGOING"]
    death = ds[ds["DSDECOD"] == "DEATH"].set_index("USUBJID")["DSSTDTC"]
    assert (death == dm.loc[death.index, "DTHDTC"]).all() and set(ds.loc[ds["DSDECOD"] == "DEATH", "EPOCH"]) == {"FOLLOW-UP"}
    prior_pd1 = cm[(cm["CMCAT"] == "PRIOR ANTI-CANCER THERAPY") & (cm["CMSCAT"] == "PD-1 INHIBITOR")]
    assert prior_pd1["USUBJID"].nunique() == 29 and (prior_pd1["CMSTDY"].dropna() < 0).all()
    assert cm.groupby("USUBJID")["CMCAT"].apply(lambda s: (s == "PRIOR ANTI-CANCER THERAPY").sum()).value_counts().to_dict() == {1: 8, 2: 20, 3: 1}
    # subsequent therapy only after the first PD
    rs = sdtm["RS"]
    first_pd = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSSTRESC"] == "PD")].groupby("USUBJID")["RSDTC"].min()
    sub = cm[cm["CMCAT"] == "SUBSEQUENT ANTI-CANCER THERAPY"]
    assert len(sub) > 0 and (sub["CMSTDTC"].to_numpy() > first_pd.loc[sub["USUBJID"]].to_numpy()).all()
    # EPOCH: prior therapy is pre-study (none), subsequent therapy is in follow-up
    assert cm.groupby("CMCAT")["EPOCH"].unique().map(list).to_dict() == {
        "PRIOR ANTI-CANCER THERAPY": [""], "SUBSEQUENT ANTI-CANCER THERAPY": ["FOLLOW-UP"]}
    assert set(sdtm["PR"]["EPOCH"]) == {""}
    assert set(sub["CMENRTPT"]) == {"ONGOING"}
    assert set(sdtm["SUPPCM"]["QNAM"]) == {"CMSETTNG", "CMBESTRS"}


def test_co_split_at_200(sdtm):
    co = sdtm["CO"]
    long = co[co["COVAL1"] != ""]
    assert len(long) == 1 and long["RDOMAIN"].iloc[0] == "AE"
    assert long["COVAL"].iloc[0] == (
        "Patient reported intermittent epigastric discomfort since cycle 2 which the investigator "
        "attributed to the underlying oesophageal disease rather than to study treatment; anlotinib "
        "was continued at ")
    assert long["COVAL1"].iloc[0] == (
        "the same dose after a short interruption, proton pump inhibitor therapy was started and "
        "symptoms improved within two weeks according to the nursing notes.")
    assert (co["COVAL"].str.len() <= 200).all()


def test_ts(sdtm):
    ts = sdtm["TS"].set_index(["TSPARMCD", "TSSEQ"])["TSVAL"]
    assert ts[("ACTSUB", 1)] == "29" and ts[("DCUTDTC", 1)] == "2022-07-03"
    assert ts.loc["TRT"].tolist() == ["ANLOTINIB", "CAMRELIZUMAB", "SINTILIMAB", "TISLELIZUMAB", "TORIPALIMAB"]
    # a non-interventional study: the observational parameters, coded from CDISC CT 2024-09-27
    coded = sdtm["TS"].set_index("TSPARMCD").loc[["STYPE", "OBSMODEL", "OBSTIMP", "OBSTSMM", "TPHASE", "RANDOM",
                                                   "SEXPOP", "REGID", "SSTDTC"]]
    assert coded[["TSVAL", "TSVALCD", "TSVCDREF", "TSVCDVER"]].values.tolist() == [
        ["OBSERVATIONAL", "C16084", "CDISC CT", "2024-09-27"], ["COHORT", "C15208", "CDISC CT", "2024-09-27"],
        ["RETROSPECTIVE", "C53312", "CDISC CT", "2024-09-27"],
        ["NON-PROBABILITY SAMPLE", "C127781", "CDISC CT", "2024-09-27"],
        ["NOT APPLICABLE", "C48660", "CDISC CT", "2024-09-27"], ["N", "C49487", "CDISC CT", "2024-09-27"],
        ["BOTH", "C49636", "CDISC CT", "2024-09-27"], ["NCT04984096", "NCT04984096", "ClinicalTrials.gov", ""],
        ["2020-07-04", "", "ISO 8601", ""]]
    assert ts[("NCOHORT", 1)] == "1" and ts[("OBSTPOPD", 1)].startswith("Patients with locally advanced")
    assert "INTMODEL" not in ts.index.get_level_values(0)


def test_trial_design(sdtm):
    from derivations.testing import expect_dfs_equal

    arm = "Anlotinib + PD-1 inhibitor"
    expect_dfs_equal(sdtm["TA"], pd.DataFrame({
        "STUDYID": "NCT04984096", "DOMAIN": "TA", "ARMCD": "ANLOPD1", "ARM": arm, "TAETORD": [1, 2, 3],
        "ETCD": ["SCRN", "TRT", "FU"], "ELEMENT": ["Screening", arm, "Follow-up"], "TABRANCH": "", "TATRANS": "",
        "EPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP"]}), ["TAETORD"])
    first = "First dose of anlotinib or the PD-1 inhibitor"
    expect_dfs_equal(sdtm["TE"], pd.DataFrame({
        "STUDYID": "NCT04984096", "DOMAIN": "TE", "ETCD": ["SCRN", "TRT", "FU"],
        "ELEMENT": ["Screening", arm, "Follow-up"], "TESTRL": ["Informed consent", first, "Day after the last dose"],
        "TEENRL": [first, "Last dose (end of treatment for disease progression, toxicity or another reason)",
                   "Death or the data cut-off"], "TEDUR": ""}), ["ETCD"])
    expect_dfs_equal(sdtm["TI"], pd.DataFrame({
        "STUDYID": "NCT04984096", "DOMAIN": "TI", "IETESTCD": ["INCL01", "INCL02", "INCL03"],
        "IETEST": ["Locally advanced or metastatic esophageal squamous cell carcinoma",
                   "Disease progression on a prior PD-1 inhibitor (immune checkpoint inhibitor)",
                   "Treated with anlotinib plus a PD-1 inhibitor at Shanghai Chest Hospital between July 2020 and "
                   "March 2022"], "IECAT": "INCLUSION", "TIVERS": "1"}), ["IETESTCD"])
    tv = sdtm["TV"]
    # scans every 6 weeks to WEEK 36 (the longest follow-up), 21-day cycles to CYCLE 17 (the longest treatment)
    assert tv["VISIT"].tolist() == ["BASELINE"] + [f"WEEK {6 * k}" for k in range(1, 7)] + [
        f"CYCLE {c}" for c in range(1, 18)]
    assert tv["VISITNUM"].tolist() == list(range(1, 8)) + list(range(101, 118))
    assert tv["VISITDY"].tolist()[1:3] == [43, 85] and tv["VISITDY"].tolist()[7:10] == [1, 22, 43]
    assert set(tv["ARMCD"]) == {""} and tv["VISITNUM"].is_unique


def test_sv_is_every_visit_observed(sdtm):
    sv, ex, rs, tu = sdtm["SV"], sdtm["EX"], sdtm["RS"], sdtm["TU"]
    observed = pd.concat([d[["USUBJID", "VISITNUM"]] for d in (ex, rs, tu, sdtm["TR"], sdtm["LB"], sdtm["VS"])])
    observed = observed.drop_duplicates()
    # 368 planned visits (EX, TU, TR, RS; the laboratory shares BASELINE and CYCLE n) and 30 unscheduled samples
    assert len(sv) == len(observed) == 398 and not sv.duplicated(["USUBJID", "VISITNUM"]).any()
    planned = sv["SVPRESP"] == "Y"
    assert planned.sum() == 368 and set(sv.loc[planned, "VISITNUM"]) <= set(sdtm["TV"]["VISITNUM"])
    assert set(sv.loc[~planned, "VISIT"]) == {"UNSCHEDULED"} and set(sv.loc[~planned, "SVPRESP"]) == {""}
    assert set(sv.loc[~planned, "SVUPDES"]) == {"Unscheduled laboratory tests at the onset of an adverse event"}
    assert set(sv["SVOCCUR"]) == {"Y"}
    s1 = sv[sv["USUBJID"] == "NCT04984096-001"]
    assert s1[["VISITNUM", "VISIT", "SVSTDTC", "SVENDTC", "SVSTDY"]].values.tolist() == [
        [1.0, "BASELINE", "2021-07-14", "2021-07-25", -13], [2.0, "WEEK 6", "2021-09-07", "2021-09-07", 43],
        [101.0, "CYCLE 1", "2021-07-27", "2021-07-27", 1], [102.0, "CYCLE 2", "2021-08-17", "2021-08-17", 22],
        [102.01, "UNSCHEDULED", "2021-09-01", "2021-09-01", 37], [103.0, "CYCLE 3", "2021-09-07", "2021-09-07", 43]]


def test_lb_and_vs_from_the_wide_pages(sdtm):
    lb, vs, dm = sdtm["LB"], sdtm["VS"], sdtm["DM"]
    # 273 haematology rows x 8 tests + 249 chemistry rows x 12 tests, ND cells kept as NOT DONE
    assert len(lb) == 273 * 8 + 249 * 12 == 5172 and not lb.duplicated(["USUBJID", "LBTESTCD", "VISITNUM"]).any()
    assert (lb["LBSTAT"] == "NOT DONE").sum() == 13 and (lb.loc[lb["LBSTAT"] == "NOT DONE", "LBORRES"] == "").all()
    assert set(lb.loc[lb["LBSTAT"] == "NOT DONE", "LBTESTCD"]) <= {"MONO", "EOS", "ALP", "GGT", "BUN"}
    hgb = lb[lb["LBTESTCD"] == "HGB"]
    assert set(hgb["LBORRESU"]) == {"g/dL"} and set(hgb["LBSTRESU"]) == {"g/L"}
    assert (hgb["LBSTRESN"] == (pd.to_numeric(hgb["LBORRES"]) * 10).round()).all()
    # sex-specific ranges, converted: men 130-175 g/L, women 115-150 g/L
    sex = hgb["USUBJID"].map(dm.set_index("USUBJID")["SEX"])
    assert set(map(tuple, hgb.loc[sex == "M", ["LBSTNRLO", "LBSTNRHI"]].values)) == {(130.0, 175.0)}
    assert set(map(tuple, hgb.loc[sex == "F", ["LBSTNRLO", "LBSTNRHI"]].values)) == {(115.0, 150.0)}
    creat = lb[(lb["LBTESTCD"] == "CREAT") & (lb["LBORRES"] == "1.02")]
    assert set(creat["LBSTRESN"]) == {90.0} and set(creat["LBSTRESU"]) == {"umol/L"}  # 1.02 x 88.4 = 90.2
    # one baseline (last result on or before the first dose) per subject, test and specimen with a result
    flagged = lb[lb["LBLOBXFL"] == "Y"]
    assert not flagged.duplicated(["USUBJID", "LBTESTCD"]).any() and set(flagged["VISIT"]) == {"BASELINE"}
    assert len(flagged) == 29 * 20 - (lb[(lb["VISIT"] == "BASELINE")]["LBSTAT"] == "NOT DONE").sum()
    assert set(flagged["EPOCH"]) == {"SCREENING"} and (flagged["LBDY"] < 0).all()
    assert lb.groupby("LBTESTCD")["LBNRIND"].apply(lambda s: set(s) - {""}).to_dict()["LYM"] == {"LOW", "NORMAL"}
    # vital signs: height at baseline only, the others at every scheduled visit
    assert vs.groupby("VSTESTCD").size().to_dict() == {"DIABP": 246, "HEIGHT": 29, "PULSE": 246, "SYSBP": 246,
                                                     "TEMP": 246, "WEIGHT": 246}
    assert set(vs.loc[vs["VSTESTCD"] == "HEIGHT", "VISIT"]) == {"BASELINE"} and set(vs["VSSTRESU"]) == {
        "mmHg", "beats/min", "C", "kg", "cm"}
    assert (vs["VSLOBXFL"] == "Y").sum() == 29 * 6


def test_pipeline_validates_against_the_spec():
    from derivations.pipeline import run_stage

    ctx = RunContext(Study.load(ROOT))
    produced = run_stage(ctx, "sdtm")
    assert len(produced) == 21
    assert [f for f in ctx.findings if f.severity == "error"] == []
    assert [f.check for f in ctx.findings] == ["transliterated"]


def test_larger_study_runs(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT))
    from raw.generate import generate

    generate(300, 11, tmp_path)
    ctx = _run(tmp_path)
    assert len(ctx.sdtm["DM"]) == 300 and ctx.sdtm["DM"]["USUBJID"].iloc[-1] == "NCT04984096-300"
    assert not ctx.sdtm["TR"].duplicated(["USUBJID", "VISITNUM", "TRTESTCD", "TRLNKID"]).any()
    assert [f for f in ctx.findings if f.severity == "error"] == []
