"""SDTM programs of NCT04984096 run on the committed raw extracts: real values checked by hand."""

from pathlib import Path

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
    assert sorted(sdtm) == ["AE", "CM", "CO", "DM", "DS", "EX", "PR", "RS", "SUPPAE", "SUPPCM",
                            "SUPPDM", "TR", "TS", "TU"]


def test_dm(sdtm):
    dm = sdtm["DM"]
    assert len(dm) == 29 and dm["USUBJID"].is_unique
    assert dm["USUBJID"].iloc[0] == "NCT04984096-001"
    assert dm["SEX"].value_counts().to_dict() == {"M": 24, "F": 5}  # from M/Male/male/MALE/F/female
    assert (dm["AGE"] >= 65).sum() == 13 and set(dm["AGEU"]) == {"YEARS"}
    assert set(dm["RACE"]) == {"ASIAN"} and set(dm["ETHNIC"]) == {"NOT HISPANIC OR LATINO"}
    assert dm["BRTHDTC"].str.fullmatch(r"\d{4}").all()  # UN-UNK-1963 -> 1963
    assert set(dm["ARMCD"]) == {"ANLOPD1"} and (dm["ACTARM"] == dm["ARM"]).all()
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
    assert set(ex.loc[ex["EXTRT"] == "ANLOTINIB", "EXDOSE"]) == {8, 10, 12}
    assert set(ex["EPOCH"]) == {"TREATMENT"} and (ex["EXSTDY"] >= 1).all()
    assert not ex.duplicated(["USUBJID", "EXTRT", "EXSTDTC"]).any()


def test_ae(ctx, sdtm):
    ae, supp = sdtm["AE"], sdtm["SUPPAE"]
    assert len(ae) == 77 and not ae.duplicated(["USUBJID", "AESEQ"]).any()
    assert (ae.groupby("USUBJID")["AESEQ"].agg(lambda s: list(s) == list(range(1, len(s) + 1)))).all()
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


def test_tumour_domains_and_links(sdtm):
    tu, tr, rs = sdtm["TU"], sdtm["TR"], sdtm["RS"]
    assert set(tu["TUSTRESC"]) == {"TARGET", "NON-TARGET", "NEW"}
    assert not tu.duplicated(["USUBJID", "TULNKID"]).any()
    lesions = tr[tr["TRLNKID"] != ""]
    assert lesions.merge(tu, left_on=["USUBJID", "TRLNKID"], right_on=["USUBJID", "TULNKID"]).shape[0] == len(lesions)
    assert set(tr["TRTESTCD"]) == {"LDIAM", "SAXIS", "SUMDIAM", "TUMSTATE"}
    base = tr[tr["VISITNUM"] == 1]
    assert set(base["EPOCH"]) == {"SCREENING"} and (base["TRDY"] < 0).all()
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

    derived = derive_param_recist_ovr(sdtm["TU"], sdtm["TR"], filter_tr="TRTESTCD != 'SUMDIAM'")
    derived = derived[derived["ABLFL"] != "Y"]
    ovr = sdtm["RS"][sdtm["RS"]["RSTESTCD"] == "OVRLRESP"]
    m = derived.merge(ovr, on=["USUBJID", "VISITNUM"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all() and len(m) == 93
    assert (m["OVRLRESP"] == m["RSSTRESC"]).all()


def test_ds_and_cm(sdtm):
    ds, cm, dm = sdtm["DS"], sdtm["CM"], sdtm["DM"].set_index("USUBJID")
    assert ds.groupby("DSDECOD").size().to_dict() == {"DEATH": 19, "INFORMED CONSENT OBTAINED": 29,
                                                      "PROGRESSIVE DISEASE": 25}
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


def test_pipeline_validates_against_the_spec():
    from derivations.pipeline import run_stage

    ctx = RunContext(Study.load(ROOT))
    produced = run_stage(ctx, "sdtm")
    assert len(produced) == 14
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
