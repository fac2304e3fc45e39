"""The embedded study's ADaM programs reproduce the published figures (NCT04984096, Zhu et al. 2025).

One pipeline run (raw -> SDTM -> ADaM, written as XPT) per module; the bad-input tests run
the ADaM stage on modified copies (spec, SDTM frames) and check the error or finding.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from derivations.findings import DerivationError
from derivations.oncology import compute_concordance
from derivations.pipeline import RunFailed, run_stage, run_study
from derivations.spec import VariableSpec, check_spec, read_spec, write_spec
from derivations.study import RunContext, Study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(embedded_sdtm_adam):
    return embedded_sdtm_adam  # the session's run (tests/conftest.py): copy before changing


@pytest.fixture(scope="module")
def adam(run):
    return run.datasets["adam"]


def _count(frame: pd.DataFrame, paramcd: str) -> dict:
    return frame.loc[frame["PARAMCD"] == paramcd, "AVALC"].value_counts().to_dict()


def sas_median(time, event) -> float:
    """Kaplan-Meier median, SAS rule: smallest time with S < 0.5; S == 0.5 exactly -> midpoint to next time."""
    sf = SurvfuncRight(np.asarray(time, float), np.asarray(event, float))
    t, s = sf.surv_times, sf.surv_prob
    half = np.isclose(s, 0.5)
    if half.any():
        i = int(np.flatnonzero(half)[0])
        return float((t[i] + t[i + 1]) / 2) if i + 1 < len(t) else float(t[i])
    return float(t[np.argmax(s < 0.5)]) if (s < 0.5).any() else float("nan")


# ----------------------------------------------------------------------------- run, spec


def test_run_has_no_errors_and_writes_every_adam_dataset(run):
    assert run.findings.errors == []
    names = sorted(p.name for p in (run.out_dir / "adam").glob("*.xpt"))
    assert names == ["adae.xpt", "adlb.xpt", "adrs.xpt", "adsl.xpt", "adtr.xpt", "adtte.xpt", "advs.xpt"]


def test_spec_is_consistent_and_keys_are_unique(adam):
    spec = read_spec(ROOT / "specs" / "adam_spec.xlsx")
    assert [f for f in check_spec(spec) if f.severity == "error"] == []
    for name, frame in adam.items():
        ds = spec.dataset(name)
        assert list(frame.columns) == ds.variable_names
        assert not frame.duplicated(ds.keys).any(), name
        assert all(len(v.name) <= 8 and len(v.label) <= 40 for v in ds.variables)


# ----------------------------------------------------------------------------- ADSL


def test_adsl_population_and_baseline_figures(adam):
    adsl = adam["ADSL"]
    assert len(adsl) == 29 and adsl["USUBJID"].is_unique
    assert adsl["SAFFL"].value_counts().to_dict() == {"Y": 29}
    assert adsl["EFFFL"].value_counts().to_dict() == {"Y": 29}
    assert adsl["PRSURGFL"].value_counts().to_dict() == {"Y": 23, "N": 6}        # 79.3 %
    assert adsl["LINE"].value_counts().to_dict() == {"2nd line": 20, "1st line": 8, "3rd line": 1}
    assert adsl["LINEN"].value_counts().to_dict() == {2: 20, 1: 8, 3: 1}
    assert adsl["PRPD1FL"].eq("Y").all()                                           # all progressed on a PD-1
    assert (adsl["AGEGR1"] == np.where(adsl["AGE"] < 65, "<65", ">=65")).all()
    assert adsl["DTHFL"].eq("Y").sum() == adsl["DTHDT"].notna().sum() == 19


def test_adsl_dates(adam):
    adsl = adam["ADSL"].set_index("SUBJID")
    assert (adsl["DCUTDT"] == pd.Timestamp("2022-07-03")).all()
    assert (adsl["LSTALVDT"] <= adsl["DCUTDT"]).all()
    assert (adsl["TRTDURD"] == (adsl["TRTEDT"] - adsl["TRTSDT"]).dt.days + 1).all()
    dead = adsl["DTHDT"].notna()
    assert (adsl.loc[dead, "LSTALVDT"] == adsl.loc[dead, "DTHDT"]).all()
    # subject 001: first dose 27 Jul 2021, last 8 Sep 2021, died 1 Nov 2021 (raw pages)
    s = adsl.loc["001"]
    assert (s.TRTSDT, s.TRTEDT, s.DTHDT) == (pd.Timestamp("2021-07-27"), pd.Timestamp("2021-09-08"),
                                             pd.Timestamp("2021-11-01"))
    assert s.DTHCAUS == "DISEASE PROGRESSION" and s.EOTSTT == "DISCONTINUED"


# ----------------------------------------------------------------------------- ADRS


def test_adrs_best_overall_response(adam):
    adrs = adam["ADRS"]
    assert _count(adrs, "BOR") == {"SD": 16, "PR": 9, "PD": 4}                    # CR 0
    assert _count(adrs, "CBOR") == {"SD": 16, "PR": 9, "PD": 4}
    assert _count(adrs, "RSP") == {"Y": 9, "N": 20}                               # ORR 31.0 %
    assert _count(adrs, "CRSP") == {"Y": 9, "N": 20}
    assert _count(adrs, "DCR") == {"Y": 25, "N": 4}                               # DCR 86.2 %
    assert _count(adrs, "PD") == {"Y": 25, "N": 4}
    assert _count(adrs, "MDIS") == {"Y": 29}
    assert _count(adrs, "DEATH") == {"Y": 19, "N": 10}
    bor = adrs[adrs["PARAMCD"] == "BOR"]
    assert (bor["AVAL"] == bor["AVALC"].map({"PR": 2, "SD": 3, "PD": 5})).all()


def test_adrs_ovr_records_trace_to_rs(adam, run):
    adrs, rs = adam["ADRS"], run.datasets["sdtm"]["RS"]
    ovr = adrs[adrs["PARAMCD"] == "OVR"]
    inv = rs[rs["RSTESTCD"] == "OVRLRESP"]
    assert len(ovr) == len(inv) == 93
    assert (ovr["SRCDOM"] == "RS").all() and (ovr["SRCVAR"] == "RSSTRESC").all()
    back = ovr.merge(inv, left_on=["USUBJID", "SRCSEQ"], right_on=["USUBJID", "RSSEQ"], validate="one_to_one")
    assert (back["AVALC"] == back["RSSTRESC"]).all()
    assert (back["ADY"] >= 1).all() and ovr["ANL01FL"].eq("Y").all()
    # ANL02FL: nothing after the first PD
    pd_dt = adrs[adrs["PARAMCD"] == "PD"].set_index("USUBJID")["ADT"]
    after = ovr["ADT"] > ovr["USUBJID"].map(pd_dt)
    assert (ovr.loc[after, "ANL02FL"] == "").all() and (ovr.loc[~after, "ANL02FL"] == "Y").all()


def test_concordance_derived_vs_investigator(adam):
    adrs = adam["ADRS"]
    der = adrs[(adrs["PARAMCD"] == "OVRDER") & (adrs["ANL01FL"] == "Y")]
    inv = adrs[(adrs["PARAMCD"] == "OVR") & (adrs["ANL01FL"] == "Y")]
    res = compute_concordance(der, inv, by_vars=["USUBJID", "ADT"], response_var="AVALC")
    # the lesion pages support every investigator call: 93 of 93 assessments agree
    assert (res.n_compared, res.n_agree, res.kappa) == (93, 93, 1.0)
    assert len(res.only_derived) == len(res.only_investigator) == 0


# ----------------------------------------------------------------------------- ADTTE


def test_adtte_medians_and_month_factor(adam):
    adtte = adam["ADTTE"]
    assert adtte.groupby("PARAMCD").size().to_dict() == {"DOR": 9, "OS": 29, "PFS": 29}
    assert (adtte["AVALU"] == "DAYS").all()
    assert (adtte["AVAL"] == (adtte["ADT"] - adtte["STARTDT"]).dt.days + 1).all()
    pfs, os_ = adtte[adtte["PARAMCD"] == "PFS"], adtte[adtte["PARAMCD"] == "OS"]
    assert sas_median(pfs["AVAL"], 1 - pfs["CNSR"]) == 160
    assert sas_median(os_["AVAL"], 1 - os_["CNSR"]) == 311
    per_month = Study.load(ROOT).settings["tlf"]["days_per_month"]
    assert (round(160 / per_month, 2), round(311 / per_month, 2)) == (5.33, 10.37)
    assert pfs["CNSR"].value_counts().to_dict() == {0: 25, 1: 4}
    assert os_["CNSR"].value_counts().to_dict() == {0: 19, 1: 10}


def test_adtte_event_and_censoring_sources(adam):
    adtte, adrs, adsl = adam["ADTTE"], adam["ADRS"], adam["ADSL"]
    pfs = adtte[adtte["PARAMCD"] == "PFS"].set_index("USUBJID")
    first_pd = adrs[(adrs["PARAMCD"] == "PD") & (adrs["AVALC"] == "Y")].set_index("USUBJID")
    ev = pfs[pfs["CNSR"] == 0]
    assert (ev["EVNTDESC"] == "PD").all() and (ev["ADT"] == first_pd.loc[ev.index, "ADT"]).all()
    assert (ev["SRCSEQ"] == first_pd.loc[ev.index, "ASEQ"]).all()
    cens = pfs[pfs["CNSR"] == 1]
    lsta = adrs[adrs["PARAMCD"] == "LSTA"].set_index("USUBJID")
    assert (cens["ADT"] == lsta.loc[cens.index, "ADT"]).all()
    assert (cens["CNSDTDSC"] == "LAST ADEQUATE ASSESSMENT").all()
    os_ = adtte[adtte["PARAMCD"] == "OS"].set_index("USUBJID")
    alive = os_[os_["CNSR"] == 1]
    assert (alive["ADT"] == adsl.set_index("USUBJID").loc[alive.index, "LSTALVDT"]).all()
    dor = adtte[adtte["PARAMCD"] == "DOR"]
    rsp = adrs[(adrs["PARAMCD"] == "RSP") & (adrs["AVALC"] == "Y")].set_index("USUBJID")["ADT"]
    assert set(dor["USUBJID"]) == set(rsp.index)
    assert (dor["STARTDT"].to_numpy() == rsp.loc[dor["USUBJID"]].to_numpy()).all()
    # design row 1 (subject 001): PFS 43 days (PD), OS 98 days (death)
    assert adtte.set_index(["USUBJID", "PARAMCD"]).loc[("NCT04984096-001", "PFS"), "AVAL"] == 43
    assert adtte.set_index(["USUBJID", "PARAMCD"]).loc[("NCT04984096-001", "OS"), "AVAL"] == 98


# ----------------------------------------------------------------------------- ADAE


def test_adae_treatment_related_events(adam):
    adae = adam["ADAE"]
    rel = adae[adae["AREL"] == "RELATED"]
    assert rel["USUBJID"].nunique() == 29
    by_pt = rel.groupby("AEDECOD")["USUBJID"].nunique().sort_values(ascending=False, kind="mergesort")
    assert list(by_pt.index[:2]) == ["Anaemia", "Lymphocyte count decreased"]
    assert list(by_pt.iloc[:2]) == [15, 12]
    g3 = rel[rel["ATOXGRN"] >= 3]
    assert g3["USUBJID"].nunique() == 2 and set(g3["AEDECOD"]) == {"Lymphocyte count decreased"}
    assert not (rel["AEOUT"] == "FATAL").any()
    # AREL = related to either drug
    either = adae[["AERELANL", "AERELPD1"]].eq("RELATED").any(axis=1)
    assert (either == (adae["AREL"] == "RELATED")).all()


def test_adae_dates_and_flags(adam):
    adae = adam["ADAE"].set_index(["SUBJID", "AESTDTC"])
    # partial start dates: month known -> 1st of month; only the year -> first dose (not before TRTSDT)
    assert adae.loc[("015", "2021-08"), ["ASTDT", "ASTDTF"]].tolist() == [pd.Timestamp("2021-08-01"), "D"]
    assert adae.loc[("021", "2021"), ["ASTDT", "ASTDTF"]].tolist() == [pd.Timestamp("2021-01-29"), "M"]
    adae = adam["ADAE"]
    assert (adae["ASTDY"] == (adae["ASTDT"] - adae["TRTSDT"]).dt.days + 1).all()
    teae = adae[adae["TRTEMFL"] == "Y"]
    assert teae["AOCCFL"].eq("Y").sum() == teae["USUBJID"].nunique()
    assert teae["AOCCPFL"].eq("Y").sum() == len(teae.drop_duplicates(["USUBJID", "AEDECOD"]))
    worst = teae[teae["AOCCIFL"] == "Y"].set_index("USUBJID")["ATOXGRN"]
    assert (worst == teae.groupby("USUBJID")["ATOXGRN"].max().loc[worst.index]).all()


# ----------------------------------------------------------------------------- XPT attributes


def test_xpt_attributes(run):
    adsl, meta = pyreadstat.read_xport(str(run.out_dir / "adam" / "adsl.xpt"))
    assert meta.table_name == "ADSL" and meta.file_label == "Subject-Level Analysis Dataset"
    labels, formats, types = meta.column_names_to_labels, meta.original_variable_types, meta.readstat_variable_types
    assert labels["TRTSDT"] == "Date of First Exposure to Treatment" and formats["TRTSDT"] == "DATE9"
    assert types["TRTSDT"] == "double" and types["USUBJID"] == "string" and types["AGE"] == "double"
    assert meta.variable_storage_width["USUBJID"] == 15  # "NCT04984096-001": the data's (spec: at most 30)
    assert adsl["TRTSDT"].iloc[0] == pd.Timestamp("2021-07-27").date()
    adtte, meta = pyreadstat.read_xport(str(run.out_dir / "adam" / "adtte.xpt"))
    assert meta.column_names_to_labels["CNSR"] == "Censor" and meta.original_variable_types["ADT"] == "DATE9"
    pfs = adtte[adtte["PARAMCD"] == "PFS"]
    assert sas_median(pfs["AVAL"], 1 - pfs["CNSR"]) == 160
    adae, meta = pyreadstat.read_xport(str(run.out_dir / "adam" / "adae.xpt"))
    assert meta.column_names_to_labels["ATOXGRN"] == "Analysis Toxicity Grade (N)"
    assert meta.original_variable_types["ASTDT"] == "DATE9"


# ----------------------------------------------------------------------------- bad input


def _ctx(run, **replace) -> RunContext:
    ctx = RunContext(study=Study.load(ROOT))
    ctx.sdtm.update({k: v.copy() for k, v in run.datasets["sdtm"].items()})
    ctx.sdtm.update(replace)
    return ctx


def test_spec_variable_not_derived_fails_the_run(run, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(ROOT, study, ignore=shutil.ignore_patterns(".venv", ".git", "output", "tests", "benchmarks",
                                                               "__pycache__", "*.egg-info"))
    spec = read_spec(study / "specs" / "adam_spec.xlsx")
    ds = spec.dataset("ADSL")
    ds.variables.append(VariableSpec("ADSL", "RANDDT", "Date of Randomization", data_type="integer",
                                     format="DATE9.", order=len(ds.variables) + 1))
    write_spec(spec, study / "specs" / "adam_spec.xlsx")
    out = tmp_path / "out"
    with pytest.raises(RunFailed) as err:
        run_study(study, out, sdtm_dir=run.out_dir / "sdtm", stages=("sdtm", "adam"))
    hits = err.value.findings.select(check="not_in_data", dataset="ADSL")
    assert [f.variable for f in hits] == ["RANDDT"]
    assert "RANDDT" in str(err.value)
    assert not out.exists()


def test_rs_subject_not_in_dm_is_an_error_naming_the_subject(run):
    rs = run.datasets["sdtm"]["RS"]
    stray = rs.iloc[[0]].assign(USUBJID="NCT04984096-999")
    ctx = _ctx(run, RS=pd.concat([rs, stray], ignore_index=True))
    with pytest.raises(DerivationError, match="NCT04984096-999") as err:
        run_stage(ctx, "adam")
    assert err.value.dataset == "RS" and err.value.usubjid == "NCT04984096-999"


def test_ae_end_before_start_is_a_finding_and_the_record_is_kept(run):
    ae = run.datasets["sdtm"]["AE"].copy()
    i = ae.index[(ae["USUBJID"] == "NCT04984096-001") & (ae["AESTDTC"] == "2021-09-01")][0]
    ae.loc[i, "AEENDTC"] = "2021-08-20"
    ctx = _ctx(run, AE=ae)
    produced = run_stage(ctx, "adam")
    found = ctx.findings.select(check="ae_end_before_start")
    assert [(f.usubjid, f.value) for f in found] == [("NCT04984096-001", "2021-09-01 > 2021-08-20")]
    assert len(produced["ADAE"]) == len(ae)
    assert ctx.findings.errors == []


def test_mdis_dates_do_not_depend_on_a_partial_tudtc_in_the_first_row(run):
    # ADRS MDIS took ADT from pd.to_datetime(TUDTC[:10]) without a format: pandas guessed the
    # format from the first value, so a partial date first ("2021-09") imputed its day and
    # dropped the complete date of every other subject. Now: complete dates only, any order.
    tu = run.datasets["sdtm"]["TU"].copy()
    target = (tu["TUSTRESC"] == "TARGET") & (tu["VISIT"] == "BASELINE")
    first = tu.index[target][0]
    subject = tu.loc[first, "USUBJID"]
    partial = target & (tu["USUBJID"] == subject)
    tu.loc[partial, "TUDTC"] = tu.loc[partial, "TUDTC"].str.slice(0, 7)
    tu = pd.concat([tu.loc[[first]], tu.drop(index=first)])
    produced = run_stage(_ctx(run, TU=tu), "adam")

    def mdis_dates(adrs: pd.DataFrame) -> pd.Series:
        return adrs.loc[adrs["PARAMCD"] == "MDIS"].set_index("USUBJID")["ADT"].sort_index()

    before = mdis_dates(run.datasets["adam"]["ADRS"])
    assert before.notna().all() and len(before) == 29
    expected = before.where(before.index != subject)  # the partial date gives no ADT, nothing imputed
    pd.testing.assert_series_equal(mdis_dates(produced["ADRS"]), expected)


# ----------------------------------------------------------------------------- ADTR


def test_adtr_sums_and_best_change(adam):
    adtr, adrs = adam["ADTR"], adam["ADRS"]
    assert set(adtr["PARAMCD"]) == {"SDIAM"}
    assert (adtr.groupby("USUBJID")["ABLFL"].apply(lambda s: (s == "Y").sum()) == 1).all()
    post = adtr[adtr["ABLFL"] != "Y"]
    assert ((post["CHG"] - (post["AVAL"] - post["BASE"])).abs() < 1e-9).all()
    assert ((post["PCHG"] - 100 * post["CHG"] / post["BASE"]).abs() < 1e-9).all()
    best = adtr[adtr["ANL02FL"] == "Y"].set_index("USUBJID")
    assert len(best) == 29
    lowest = post[post["ANL01FL"] == "Y"].groupby("USUBJID")["PCHG"].min()
    assert (best["PCHG"] == lowest.loc[best.index]).all()
    # every responder's best change is a decrease of at least 30% (RECIST PR), every PD-only subject's an increase
    bor = adrs[adrs["PARAMCD"] == "BOR"].set_index("USUBJID")["AVALC"]
    assert (best.loc[bor[bor == "PR"].index, "PCHG"] <= -30).all()
    # the four PD subjects: sums 64 -> 91 and 19 -> 33 mm (target PD), 49 -> 49 mm (PD by a new brain
    # lesion, raw nl.csv), and subject 004's +40.8%
    pd_best = best.loc[bor[bor == "PD"].index, "PCHG"].round(2)
    assert pd_best.to_dict() == {"NCT04984096-001": 42.19, "NCT04984096-002": 73.68,
                                 "NCT04984096-003": 0.0, "NCT04984096-004": 40.85}


def test_a_lesion_finding_is_reported_once_although_adrs_and_adtr_both_derive_recist(run, adam):
    # subject 001's WEEK 6 lesion records again 6 weeks later under the same visit label
    sdtm = run.datasets["sdtm"]
    tr = sdtm["TR"]
    week6 = tr[(tr["USUBJID"] == "NCT04984096-001") & (tr["VISIT"] == "WEEK 6")]
    assert len(week6) == 5 and set(week6["TRDTC"]) == {"2021-09-07"}
    again = week6.assign(TRDTC="2021-10-19", TRSEQ=week6["TRSEQ"] + 1000)
    study = Study.load(ROOT)
    ctx = RunContext(study=study)
    ctx.sdtm.update(sdtm)
    ctx.sdtm["TR"] = pd.concat([tr, again], ignore_index=True)
    ctx.adam["ADSL"] = adam["ADSL"]
    for program in ("adrs", "adtr"):
        ctx.adam.update(study.load_program("adam", program)(ctx))
    assert [(f.check, f.usubjid, f.value) for f in ctx.findings if f.check.startswith("recist")] == [
        ("recist_visit_repeated", "NCT04984096-001", "WEEK 6")]
    # and the repeated assessment is a record of its own in ADTR (VISIT WEEK 6 twice)
    adtr = ctx.adam["ADTR"]
    assert adtr.loc[(adtr["USUBJID"] == "NCT04984096-001") & (adtr["AVISIT"] == "WEEK 6"), "ADT"].astype(str).tolist() \
        == ["2021-09-07", "2021-10-19"]


# ----------------------------------------------------------------------------- ADLB, ADVS


def _worst(frame: pd.DataFrame, paramcd: str, grade_var: str) -> dict:
    on = frame[(frame["PARAMCD"] == paramcd) & (frame["ONTRTFL"] == "Y")]
    return pd.to_numeric(on[grade_var]).groupby(on["USUBJID"]).max().value_counts().sort_index().to_dict()


def _ae_worst(adae: pd.DataFrame, term: str) -> dict:
    te = adae[(adae["AEDECOD"] == term) & (adae["TRTEMFL"] == "Y")]
    return te.groupby("USUBJID")["ATOXGRN"].max().value_counts().sort_index().to_dict()


def test_adlb_ctcae_grades_agree_with_the_adverse_events(adam):
    adlb, adae = adam["ADLB"], adam["ADAE"]
    # 29 subjects: the worst on-treatment CTCAE v5.0 grade of each subject equals the worst grade of the
    # matching treatment-emergent AE: anaemia 6 x grade 1 + 9 x grade 2, lymphopenia 7 / 3 / 2 (the
    # paper's 2 grade 3-4 lymphopenias), AST increased 3 x grade 2; every other subject grade 0
    assert _ae_worst(adae, "Anaemia") == {1: 6, 2: 9}
    assert _worst(adlb, "HGB", "ATOXGRL") == {0: 14, 1: 6, 2: 9}
    assert _ae_worst(adae, "Lymphocyte count decreased") == {1: 7, 2: 3, 3: 2}
    assert _worst(adlb, "LYM", "ATOXGRL") == {0: 17, 1: 7, 2: 3, 3: 2}
    assert _ae_worst(adae, "Aspartate aminotransferase increased") == {2: 3}
    assert _worst(adlb, "AST", "ATOXGRH") == {0: 26, 2: 3}
    for term, param, var in (("Anaemia", "HGB", "ATOXGRL"), ("Lymphocyte count decreased", "LYM", "ATOXGRL"),
                             ("Aspartate aminotransferase increased", "AST", "ATOXGRH")):
        te = adae[(adae["AEDECOD"] == term) & (adae["TRTEMFL"] == "Y")].groupby("USUBJID")["ATOXGRN"].max()
        on = adlb[(adlb["PARAMCD"] == param) & (adlb["ONTRTFL"] == "Y")]
        lab = pd.to_numeric(on[var]).groupby(on["USUBJID"]).max()
        assert lab[lab > 0].to_dict() == te.to_dict(), term
    # no other laboratory value is abnormal by CTCAE (nothing the AE page does not report)
    graded = pd.to_numeric(adlb["ATOXGRL"]).fillna(0).gt(0) | pd.to_numeric(adlb["ATOXGRH"]).fillna(0).gt(0)
    assert set(adlb.loc[graded, "PARAMCD"]) == {"HGB", "LYM", "AST"}
    # calcium is graded on the albumin-corrected value (no hypo-/hypercalcaemia AE: every subject grade 0);
    # the measured total calcium has no grade
    assert _worst(adlb, "CACORR", "ATOXGRL") == _worst(adlb, "CACORR", "ATOXGRH") == {0: 29}
    assert adlb.loc[adlb["PARAMCD"] == "CA", ["ATOXDSCL", "ATOXDSCH", "ATOXGRL", "ATOXGRH"]].isna().all().all()


def test_adlb_records_baseline_and_visits(adam, run):
    adlb, lb = adam["ADLB"], run.datasets["sdtm"]["LB"]
    # one ADLB record per LB record, and one CACORR per chemistry sample (249, each with CA and ALB); baselines:
    # 29 x 20 less the 3 baseline tests not done, and 29 CACORR
    computed = adlb["PARAMCD"] == "CACORR"
    assert len(lb) == 5172 and len(adlb) == 5172 + 249 and computed.sum() == 249
    assert adlb.loc[~computed, "LBSEQ"].notna().all() and adlb.loc[computed, "LBSEQ"].isna().all()
    assert (adlb["ABLFL"] == "Y").sum() == 577 + 29 and (adlb.loc[adlb["ABLFL"] == "Y", "AVISIT"] == "Baseline").all()
    samples = adlb[adlb["PARAMCD"].isin(["CA", "ALB", "CACORR"])].pivot(
        index=["USUBJID", "VISIT", "ADT"], columns="PARAMCD", values="AVAL")
    assert len(samples) == 249 and np.allclose(samples["CACORR"], samples["CA"] + 0.02 * (40 - samples["ALB"]))
    analysed = adlb[adlb["ANL01FL"] == "Y"]
    assert not analysed.duplicated(["USUBJID", "PARAMCD", "AVISITN"]).any() and analysed["AVAL"].notna().all()
    assert adlb["AVISIT"].notna().all()
    # the 13 tests not done keep their record, without a value, grade or analysis flag
    nd = adlb[adlb["AVAL"].isna()]
    assert len(nd) == 13 and nd["ANL01FL"].isna().all() and nd["ATOXGRL"].isna().all()


def test_advs_blood_pressure_criterion_matches_the_hypertension_events(adam):
    advs, adae = adam["ADVS"], adam["ADAE"]
    assert advs.groupby("PARAMCD").size().to_dict() == {
        "BMI": 246, "DIABP": 246, "HEIGHT": 29, "MAP": 246, "PULSE": 246, "SYSBP": 246, "TEMP": 246, "WEIGHT": 246}
    flagged = set(advs.loc[advs["CRIT1FL"] == "Y", "USUBJID"])
    grade2 = set(adae.loc[(adae["AEDECOD"] == "Hypertension") & (adae["ATOXGRN"] >= 2), "USUBJID"])
    assert flagged == grade2 == {"NCT04984096-023", "NCT04984096-025", "NCT04984096-026"}
    assert (advs["CRIT1FL"] == "Y").sum() == 8


def test_adlb_per_subject_partition_equals_the_whole(run, adam):
    """Every ADLB derivation is by subject: the program on three subject partitions, concatenated, gives the
    whole run's ADLB (how a study too large for memory derives it partition by partition)."""
    from derivations.testing import expect_dfs_equal

    study = Study.load(ROOT)
    lb, adsl = run.datasets["sdtm"]["LB"], adam["ADSL"]
    subjects = sorted(adsl["USUBJID"])
    parts = []
    for k in range(3):
        chunk = set(subjects[k::3])
        ctx = RunContext(study=study)
        ctx.sdtm["LB"] = lb[lb["USUBJID"].isin(chunk)].reset_index(drop=True)
        ctx.adam["ADSL"] = adsl[adsl["USUBJID"].isin(chunk)].reset_index(drop=True)
        parts.append(study.load_program("adam", "adlb")(ctx)["ADLB"])
    whole = adam["ADLB"]
    joined = pd.concat(parts, ignore_index=True)[list(whole.columns)]
    assert len(joined) == len(whole) == 5172 + 249
    expect_dfs_equal(joined, whole, keys=["USUBJID", "ASEQ"], check_kinds=False)
