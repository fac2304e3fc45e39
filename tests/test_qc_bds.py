"""Double programming of the findings data: QC ADLB, QC ADVS and the laboratory tables (qc/adlb_qc.py,
qc/advs_qc.py, qc/t_lab_shift_qc.py, qc/t_lab_ae_qc.py) against production.

Production is the session's one ``derive run`` (conftest ``study_tlf``); each QC program is run on what
``derive qc`` gives it (SDTM and the QC ADSL for a dataset, production ADaM for a table) and its whole
result compared with production's. The checker of the checker plants one wrong ATOXGR, one wrong ANRIND
and one wrong shift count in a copy of production and reads what ``derive qc`` says about them.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.adam import derive_var_chg, derive_var_pchg
from derivations.adam.toxicity import CTCAE_V5, derive_var_atoxgr_dir
from derivations.compare import compare_datasets
from derivations.io import read_dataset, read_dataset_folder
from derivations.qc import ARD_KEYS as _ARD_KEYS
from derivations.spec import read_spec
from derivations.study import Study
from derivations.xpt import variables_from_spec, write_xpt
from test_qc_stage import EXPECTED, production_copy

ROOT = Path(__file__).resolve().parents[1]
STUDY = Study.load(ROOT)
ARD_KEYS = list(_ARD_KEYS)
SPEC = read_spec(ROOT / "specs" / "adam_spec.xlsx")


def qc_module(name: str):
    return STUDY.program("qc", name).module


def qc_bds():
    """qc/_bds.py as the QC programs import it."""
    return qc_module("adlb_qc")._bds


@pytest.fixture(scope="module")
def run(study_tlf) -> Path:
    return study_tlf.parent  # the session's run: read-only


@pytest.fixture(scope="module")
def sdtm(run):
    return read_dataset_folder(run / "sdtm")


@pytest.fixture(scope="module")
def adam(run):
    return read_dataset_folder(run / "adam")


@pytest.fixture(scope="module")
def qc_adsl(sdtm):
    return qc_module("adsl_qc").derive_adsl_qc(sdtm, STUDY.settings)


def _methods(*ids):
    return {m: SPEC.methods[m].description for m in ids}


@pytest.fixture(scope="module")
def qc_adlb(sdtm, qc_adsl):
    return qc_module("adlb_qc").derive_adlb_qc(sdtm["LB"], qc_adsl, STUDY.settings,
                                               _methods("MT.ADLB.PARAM", "MT.ADLB.ATOXDSC"),
                                               SPEC.dataset("ADLB").variable_names)


@pytest.fixture(scope="module")
def qc_advs(sdtm, qc_adsl):
    return qc_module("advs_qc").derive_advs_qc(sdtm["VS"], qc_adsl, STUDY.settings,
                                               SPEC.methods["MT.ADVS.PARAM"].description,
                                               SPEC.dataset("ADVS").variable_names)


@pytest.mark.parametrize("name, records", [("ADLB", 5421), ("ADVS", 1751)])
def test_qc_dataset_equals_production_whole_frame(name, records, adam, qc_adlb, qc_advs):
    qc = {"ADLB": qc_adlb, "ADVS": qc_advs}[name]
    production = adam[name]
    assert list(qc.columns) == list(production.columns) == SPEC.dataset(name).variable_names
    assert len(qc) == len(production) == records
    result = compare_datasets(production, qc, by_vars=SPEC.dataset(name).keys, ignore="formats,labels,lengths")
    assert result.equal, result.report_text()
    assert result.summary["n_values_unequal"] == 0


def _ard(path: Path) -> pd.DataFrame:
    frame, _ = read_dataset(path)
    return frame.assign(stat_value=pd.to_numeric(frame["stat_value"].replace("", None)))


@pytest.mark.parametrize("name, records", [("t_lab_shift", 2376), ("t_lab_ae", 228)])
def test_qc_lab_table_equals_production_ard(name, records, run, adam):
    safety = set(adam["ADSL"].loc[adam["ADSL"]["SAFFL"] == "Y", "USUBJID"])
    if name == "t_lab_shift":
        qc = qc_module("t_lab_shift_qc").shift_ard(adam["ADLB"], safety)
    else:
        qc = qc_module("t_lab_ae_qc").lab_ae_ard(adam["ADSL"], adam["ADLB"], adam["ADAE"])
    production = _ard(run / "tlf" / "ard" / f"{name}.csv")
    assert len(qc) == len(production) == records
    result = compare_datasets(production[ARD_KEYS + ["stat_value"]], qc.astype({k: str for k in ARD_KEYS}),
                              by_vars=ARD_KEYS, tolerance=1e-6)
    assert result.equal, result.report_text()


def test_qc_hand_checked_values(sdtm, qc_adlb, qc_advs, adam):
    """Values checked by hand against the SDTM listing, so that the QC itself is tested."""
    lb = sdtm["LB"]
    day = lb[(lb["USUBJID"] == "NCT04984096-001") & (lb["LBDTC"] == "2021-08-17")].set_index("LBTESTCD")
    assert (day.loc["CA", "LBSTRESN"], day.loc["ALB", "LBSTRESN"]) == (2.47, 49.0)
    rec = qc_adlb[(qc_adlb["USUBJID"] == "NCT04984096-001") & (qc_adlb["PARAMCD"] == "CACORR")
                  & (qc_adlb["ADT"] == "2021-08-17")].iloc[0]
    assert round(rec["AVAL"], 10) == 2.29 and pd.isna(rec["LBSEQ"])           # 2.47 + 0.02 x (40 - 49)
    assert (rec["ANRLO"], rec["ANRHI"], rec["PARCAT1"]) == (2.15, 2.54, "CHEMISTRY")  # CA's range and category
    assert (rec["ATOXGRL"], rec["ATOXGRH"], rec["ATOXGR"]) == ("0", "0", "0")
    assert not ((qc_adlb["PARAMCD"] == "CA") & (qc_adlb["ATOXDSCL"] != "")).any()  # measured calcium: no grade
    # LYM 0.37 x 10^9/L (LLN 1.1): CTCAE grade 3 (< 0.5 - 0.2), low
    lym = qc_adlb[(qc_adlb["USUBJID"] == "NCT04984096-003") & (qc_adlb["PARAMCD"] == "LYM")
                  & (qc_adlb["ADT"] == "2020-08-08")].iloc[0]
    assert (lym["AVAL"], lym["ANRIND"], lym["ATOXGRL"], lym["ATOXGRH"], lym["ATOXGR"]) == (0.37, "LOW", "3", "0", "-3")
    vs = qc_advs[(qc_advs["USUBJID"] == "NCT04984096-001") & (qc_advs["ADT"] == "2021-08-17")].set_index("PARAMCD")
    assert vs.loc["MAP", "AVAL"] == (124 + 2 * 70) / 3 == 88.0
    assert vs.loc["SYSBP", "PCHG"] == 100 * (124 - 114) / 114                 # the spec's 100 x CHG / BASE
    assert (vs.loc["SYSBP", "CRIT1"], vs.loc["SYSBP", "CRIT1FL"]) == ("SYSBP >= 140 mmHg", "N")
    assert vs.loc["BMI", "AVAL"] == 74.6 / (160 / 100) ** 2                   # baseline HEIGHT 160 cm


def test_qc_grading_agrees_with_the_framework_table_but_for_creatinine_without_uln():
    """The QC's own CTCAE transcription and the framework's CTCAE_V5 grade a grid of values at and around every
    threshold (0.1% either side), with and without the limits and the baseline, for each baseline indicator.
    They differ in one place only, and the QC keeps its reading (the spec: "blank without ... the limit a
    criterion needs", grades read from 4 down): creatinine without a ULN. The framework then grades the x
    baseline criteria (grade 2 or 3); the QC leaves the grade blank, as grade 4 (> 6 x ULN) cannot be ruled out."""
    ctcae = sys.modules[qc_module("adlb_qc").__package__ + "._ctcae"]
    checked, differ = 0, []
    for (term, d), crit in ctcae.CRITERIA.groupby(["TERM", "DIRECTION"], sort=False):
        refs = {r.FACTOR * x if r.BASIS in ("limit", "base") else (x + r.FACTOR if r.BASIS == "over_limit" else r.FACTOR)
                for r in crit.itertuples() for x in (3.0, 40.0, 130.0)}
        values = sorted({v * f for v in refs for f in (0.999, 1.0, 1.001)}) + [np.nan]
        grid = pd.DataFrame(itertools.product(values, [3.0, 40.0, np.nan], [40.0, 130.0, np.nan], [3.0, 40.0, np.nan],
                                              ["NORMAL", "HIGH", "LOW"]),
                            columns=["AVAL", "ANRLO", "ANRHI", "BASE", "BNRIND"]).assign(DSC=term)
        unit = CTCAE_V5.term(term, d).unit
        framework = derive_var_atoxgr_dir(grid.assign(U=unit), new_var="G", tox_description_var="DSC", direction=d,
                                          unit_var="U")["G"].fillna("")
        qc = ctcae.grade(grid, grid["DSC"], d)
        checked += len(grid)
        differ.append(grid.assign(FRAMEWORK=framework, QC=qc)[framework != qc])
    differ = pd.concat(differ)
    assert checked == 41877
    assert set(differ["DSC"]) == {"Creatinine increased"} and differ["ANRHI"].isna().all()
    assert (differ["QC"] == "").all() and set(differ["FRAMEWORK"]) == {"2", "3"}
    assert (differ["AVAL"] > 1.5 * differ["BASE"]).all()


def test_planted_production_errors_are_reported_exactly(study_tlf, tmp_path):
    """One ATOXGR, one ANRIND (production ADLB) and one shift count (production ARD of Table 14.3.6) made wrong:
    derive qc exits 1 and names each difference: subject, parameter, variable, production and QC value."""
    out = production_copy(study_tlf, tmp_path / "out")
    path = out / "adam" / "adlb.xpt"
    adlb, _ = read_dataset(path)
    lym = (adlb["USUBJID"] == "NCT04984096-003") & (adlb["PARAMCD"] == "LYM") & (adlb["ADT"] == "2020-08-08")
    alb = (adlb["USUBJID"] == "NCT04984096-001") & (adlb["PARAMCD"] == "ALB") & (adlb["ADT"] == "2021-08-17")
    assert (adlb.loc[lym, "ATOXGR"].tolist(), adlb.loc[alb, "ANRIND"].tolist()) == (["-3"], ["NORMAL"])
    adlb.loc[lym, "ATOXGR"] = "-2"
    adlb.loc[alb, "ANRIND"] = "LOW"
    spec = SPEC.dataset("ADLB")
    write_xpt(adlb, path, label=spec.label, variables=variables_from_spec(spec), created=STUDY.created)
    ard_path = out / "tlf" / "ard" / "t_lab_shift.csv"
    ard = pd.read_csv(ard_path, dtype=str, keep_default_na=False)
    cell = (ard["analysis_id"] == "T14.3.6-HGB-L") & (ard["group_value"] == "0>1") & (ard["stat_name"] == "n")
    assert ard.loc[cell, "stat_value"].tolist() == ["6"]
    ard.loc[cell, "stat_value"] = "7"
    ard.to_csv(ard_path, index=False, lineterminator="\n")

    res = subprocess.run([sys.executable, "-m", "derivations", "qc", "--study", str(ROOT), "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 1, res.stdout + res.stderr
    n = len(EXPECTED)
    assert f"Verdict: {n - 2} of {n} check(s) equal; 2 differ (ADLB, T_LAB_SHIFT)." in res.stdout
    report = pd.read_csv(out / "qc" / "qc_report.csv", keep_default_na=False).set_index("CHECK")
    assert report.loc["ADLB", "N_VALUES_DIFFERENT"] == 2 and report.loc["T_LAB_SHIFT", "N_VALUES_DIFFERENT"] == 1
    assert (report.drop(["ADLB", "T_LAB_SHIFT"])["EQUAL"] == "Y").all()
    diffs = pd.read_csv(out / "qc" / "diffs" / "adlb.csv", dtype=str, keep_default_na=False)
    assert diffs[["USUBJID", "PARAMCD", "ADT", "VARIABLE", "BASE", "COMPARE"]].values.tolist() == [
        ["NCT04984096-001", "ALB", "2021-08-17", "ANRIND", "LOW", "NORMAL"],
        ["NCT04984096-003", "LYM", "2020-08-08", "ATOXGR", "-2", "-3"]]
    diffs = pd.read_csv(out / "qc" / "diffs" / "t_lab_shift.csv", dtype=str, keep_default_na=False)
    assert diffs[["analysis_id", "group_var", "group_value", "stat_name", "BASE", "COMPARE"]].values.tolist() == [
        ["T14.3.6-HGB-L", "CELL", "0>1", "n", "7", "6"]]


def _set(frame: pd.DataFrame, subject: int, test: str, visit: str, values: dict, testcd: str = "LBTESTCD") -> None:
    hit = (frame["USUBJID"] == f"NCT04984096-{subject:03d}") & (frame[testcd] == test) & (frame["VISIT"] == visit)
    assert hit.sum() == 1, (subject, test, visit)
    for var, value in values.items():
        frame.loc[hit, var] = value


def test_qc_and_production_agree_on_the_edge_cases_the_study_lacks(study_tlf, tmp_path):
    """The embedded study's LB and VS made to hold what they lack: a range with one limit and one with none, a
    baseline ALT above the range (the liver grades then go by x baseline), an ALB not done beside its CA (no
    CACORR), a partial date (no ADT: on treatment, no window), two HGB results of one day (ANL01FL: the later by
    LBSEQ), a pre-baseline grade 3, vital signs not done (no MAP, no BMI; the subject without HEIGHT has no BMI at
    all), blood pressures on the CRIT1 limits and a negative baseline (BUN -4, then -6 and -2). Production (derive
    run, adam stage) and the QC agree on every value of ADLB and ADVS."""
    run = study_tlf.parent
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    for f in (run / "sdtm").glob("*.xpt"):
        (sdtm / f.name).write_bytes(f.read_bytes())
    sdtm_spec = read_spec(ROOT / "specs" / "sdtm_spec.xlsx")
    lb, _ = read_dataset(sdtm / "lb.xpt")
    vs, _ = read_dataset(sdtm / "vs.xpt")
    not_done = {"LBSTRESN": np.nan, "LBSTRESC": "", "LBSTRESU": "", "LBSTAT": "NOT DONE"}
    _set(lb, 1, "HGB", "BASELINE", {"LBSTNRLO": np.nan})
    _set(lb, 7, "PLAT", "CYCLE 3", {"LBSTNRLO": np.nan, "LBSTNRHI": np.nan})
    alt = (lb["USUBJID"] == "NCT04984096-002") & (lb["LBTESTCD"] == "ALT") & (lb["VISIT"] == "BASELINE")
    _set(lb, 2, "ALT", "BASELINE", {"LBSTRESN": 3 * lb.loc[alt, "LBSTNRHI"].iloc[0]})
    _set(lb, 3, "ALB", "CYCLE 2", not_done)
    for visit, value in (("BASELINE", -4.0), ("CYCLE 2", -6.0), ("CYCLE 3", -2.0)):   # a negative baseline
        _set(lb, 6, "BUN", visit, {"LBSTRESN": value})
    wbc = (lb["USUBJID"] == "NCT04984096-005") & (lb["LBTESTCD"] == "WBC") & (lb["VISIT"] == "CYCLE 3")
    _set(lb, 5, "WBC", "CYCLE 3", {"LBDTC": lb.loc[wbc, "LBDTC"].iloc[0][:7]})
    twin = lb[(lb["USUBJID"] == "NCT04984096-004") & (lb["LBTESTCD"] == "HGB") & (lb["VISIT"] == "CYCLE 2")]
    early = lb[(lb["USUBJID"] == "NCT04984096-008") & (lb["LBTESTCD"] == "HGB") & (lb["VISIT"] == "BASELINE")]
    early = early.assign(LBSEQ=9002.0, LBSTRESN=70.0, LBDTC=(pd.to_datetime(early["LBDTC"]) - pd.Timedelta(days=10))
                         .dt.strftime("%Y-%m-%d"))
    lb = pd.concat([lb, twin.assign(LBSEQ=9001.0, LBSTRESN=99.0), early], ignore_index=True)
    vs_not_done = {"VSSTRESN": np.nan, "VSSTRESC": "", "VSSTRESU": "", "VSSTAT": "NOT DONE"}
    _set(vs, 1, "WEIGHT", "CYCLE 2", vs_not_done, "VSTESTCD")
    _set(vs, 2, "SYSBP", "CYCLE 2", vs_not_done, "VSTESTCD")
    _set(vs, 3, "HEIGHT", "BASELINE", vs_not_done, "VSTESTCD")
    _set(vs, 4, "SYSBP", "CYCLE 3", {"VSSTRESN": 140.0}, "VSTESTCD")
    _set(vs, 4, "DIABP", "CYCLE 3", {"VSSTRESN": 90.0}, "VSTESTCD")
    for name, frame in (("LB", lb), ("VS", vs)):
        ds = sdtm_spec.dataset(name)
        write_xpt(frame, sdtm / f"{name.lower()}.xpt", label=ds.label, variables=variables_from_spec(ds),
                  created=STUDY.created)
    from derivations.pipeline import run_study

    out = tmp_path / "out"
    run_study(ROOT, out, sdtm_dir=sdtm, stages=("adam",))
    data = read_dataset_folder(sdtm)
    qc_adsl = qc_module("adsl_qc").derive_adsl_qc(data, STUDY.settings)
    qc = {"ADLB": qc_module("adlb_qc").derive_adlb_qc(data["LB"], qc_adsl, STUDY.settings,
                                                      _methods("MT.ADLB.PARAM", "MT.ADLB.ATOXDSC"),
                                                      SPEC.dataset("ADLB").variable_names),
          "ADVS": qc_module("advs_qc").derive_advs_qc(data["VS"], qc_adsl, STUDY.settings,
                                                      SPEC.methods["MT.ADVS.PARAM"].description,
                                                      SPEC.dataset("ADVS").variable_names)}
    for name, records in (("ADLB", 5172 + 2 + 249 - 1), ("ADVS", 1746)):
        production, _ = read_dataset(out / "adam" / f"{name.lower()}.xpt")
        assert len(production) == len(qc[name]) == records
        result = compare_datasets(production, qc[name], by_vars=SPEC.dataset(name).keys,
                                  ignore="formats,labels,lengths")
        assert result.equal, result.report_text()
    adlb = qc["ADLB"].set_index(["USUBJID", "PARAMCD", "LBSEQ"])
    assert adlb.loc[("NCT04984096-001", "HGB", 14.0), "ANRIND"] == "NORMAL"          # ULN only: compared with it
    assert (adlb.loc[("NCT04984096-004", "HGB", 9001.0), "ANL01FL"], adlb.loc[("NCT04984096-004", "HGB", 34.0),
                                                                                "ANL01FL"]) == ("Y", "")
    assert adlb.loc[("NCT04984096-005", "WBC")].query("ADT.isna()")[["ONTRTFL", "AVISIT"]].values.tolist() == [["Y", ""]]
    assert (adlb.loc[("NCT04984096-002", "ALT")]["BNRIND"] == "HIGH").all()
    assert adlb.loc[("NCT04984096-008", "HGB", 9002.0), ["ATOXGRL", "ABLFL", "SHIFT1"]].tolist() == ["3", "", "NORMAL to LOW"]
    bun = adlb.loc[("NCT04984096-006", "BUN")].sort_values("ADT")      # PCHG = 100 x CHG / |BASE|: a fall is negative
    assert bun[["AVAL", "BASE", "CHG", "PCHG"]].iloc[:3].fillna(-999).values.tolist() == [
        [-4.0, -4.0, -999, -999], [-6.0, -4.0, -2.0, -50.0], [-2.0, -4.0, 2.0, 50.0]]


def test_qc_pchg_with_a_negative_baseline_equals_production():
    """MT.BDS.CHG: PCHG = 100 x CHG / |BASE| in the QC as in production (admiral): from BASE -4, AVAL -2 is a
    rise of 50 %, AVAL -6 a fall of 50 %; BASE 0 gives no PCHG; records up to TRTSDT have none."""
    frame = pd.DataFrame({"AVAL": [-2.0, -6.0, 3.0, 36.0, 5.0, -2.0], "BASE": [-4.0, -4.0, -4.0, 28.0, 0.0, -4.0],
                          "ADT": pd.to_datetime(["2021-02-01"] * 5 + ["2021-01-01"]),
                          "TRTSDT": pd.Timestamp("2021-01-01")})
    qc = qc_bds().change(frame.copy())
    assert qc["CHG"].fillna(-999).tolist() == [2.0, -2.0, 7.0, 8.0, 5.0, -999]
    assert qc["PCHG"].fillna(-999).tolist() == [50.0, -50.0, 175.0, 28.571428571428573, -999, -999]
    production = derive_var_pchg(derive_var_chg(frame))["PCHG"].where(frame["ADT"] > frame["TRTSDT"])
    assert qc["PCHG"].equals(production)


def test_qc_on_treatment_reads_both_windows_as_production_does():
    """[adam] ontrt_start_window and ontrt_end_window are read alike (production: both required, study.toml's
    defaults filled in by the settings); window 3 before the first dose and 30 after the last."""
    bds = qc_bds()
    frame = pd.DataFrame({"ADT": pd.to_datetime(["2020-12-28", "2020-12-29", "2021-03-02", "2021-03-03", None]),
                          "TRTSDT": pd.Timestamp("2021-01-01"), "TRTEDT": pd.Timestamp("2021-01-31")})
    settings = {"adam": {"ontrt_start_window": 3, "ontrt_end_window": 30}}
    assert bds.on_treatment(frame, settings).tolist() == ["", "Y", "Y", "", "Y"]
    for key in ("ontrt_start_window", "ontrt_end_window"):
        with pytest.raises(KeyError, match=key):
            bds.on_treatment(frame, {"adam": {k: v for k, v in settings["adam"].items() if k != key}})


def _error(call) -> str:
    with pytest.raises(ValueError) as exc:
        call()
    return str(exc.value)


def test_qc_errors_name_the_dataset_variable_subject_and_value_and_say_what_to_fix(sdtm, qc_adsl):
    """Input the QC cannot check stops it with the project's error: an unknown test, a result in another unit, a
    CTCAE term without criteria, two results of one sample of a computed parameter's source, a PARAM without its
    unit."""
    adlb_qc, advs_qc = qc_module("adlb_qc"), qc_module("advs_qc")
    methods = _methods("MT.ADLB.PARAM", "MT.ADLB.ATOXDSC")
    lb, vs = sdtm["LB"], sdtm["VS"]

    def adlb(data, params=methods):
        return lambda: adlb_qc.derive_adlb_qc(data, qc_adsl, STUDY.settings, params,
                                              SPEC.dataset("ADLB").variable_names)

    def advs(data):
        return lambda: advs_qc.derive_advs_qc(data, qc_adsl, STUDY.settings, SPEC.methods["MT.ADVS.PARAM"].description,
                                              SPEC.dataset("ADVS").variable_names)

    def one(frame, subject, testvar, test, visit):
        hit = frame[(frame["USUBJID"] == f"NCT04984096-{subject:03d}") & (frame[testvar] == test)
                    & (frame["VISIT"] == visit)]
        assert len(hit) == 1
        return hit

    odd = lb.copy()
    odd.loc[one(lb, 4, "LBTESTCD", "K", "CYCLE 3").index, "LBTESTCD"] = "MG"
    assert _error(adlb(odd)) == (
        "QC: LB test(s) MG have no parameter in the spec's MT.ADLB.PARAM (dataset LB, variable LBTESTCD, USUBJID "
        "NCT04984096-004, value 'MG'): add each test to MT.ADLB.PARAM (PARAMCD, PARAM with its unit, PARAMN), or "
        "correct LBTESTCD in SDTM LB")
    odd = vs.copy()
    odd.loc[one(vs, 6, "VSTESTCD", "TEMP", "CYCLE 2").index, "VSTESTCD"] = "RESP"
    assert _error(advs(odd)) == (
        "QC: VS test(s) RESP have no parameter in the spec's MT.ADVS.PARAM (dataset VS, variable VSTESTCD, USUBJID "
        "NCT04984096-006, value 'RESP'): add each test to MT.ADVS.PARAM (PARAMCD, PARAM with its unit, PARAMN), or "
        "correct VSTESTCD in SDTM VS")
    ca = one(lb, 2, "LBTESTCD", "CA", "CYCLE 2")
    assert _error(adlb(pd.concat([lb, ca.assign(LBSEQ=9001.0, LBSTRESN=2.3)], ignore_index=True))) == (
        f"QC: CA has two or more values of one sample (ADT {ca['LBDTC'].iloc[0]}, VISIT CYCLE 2, VISITNUM "
        f"{ca['VISITNUM'].iloc[0]:g}, LBDTC {ca['LBDTC'].iloc[0]}): CACORR takes one value of each of CA, ALB "
        "(dataset LB, variable PARAMCD, USUBJID NCT04984096-002, value 'CA'): keep one CA result of the sample in "
        "SDTM LB (mark a repeat NOT DONE)")
    dia = one(vs, 5, "VSTESTCD", "DIABP", "CYCLE 3")
    assert _error(advs(pd.concat([vs, dia.assign(VSSEQ=9001.0, VSSTRESN=85.0)], ignore_index=True))) == (
        f"QC: DIABP has two or more values of one sample (ADT {dia['VSDTC'].iloc[0][:10]}): MAP takes one value of "
        "each of SYSBP, DIABP (dataset VS, variable PARAMCD, USUBJID NCT04984096-005, value 'DIABP'): keep one DIABP "
        "result of the sample in SDTM VS (mark a repeat NOT DONE)")
    odd = vs.copy()
    odd.loc[one(vs, 6, "VSTESTCD", "TEMP", "CYCLE 2").index, "VSSTRESU"] = "F"
    assert _error(advs(odd)) == (
        "QC: 1 record(s) with a value in another unit than their parameter's; the first: TEMP is in C (dataset VS, "
        "variable VSSTRESU, USUBJID NCT04984096-006, value 'F'): convert the result to C in SDTM VS, or change the "
        "PARAM's unit")
    no_unit = {**methods, "MT.ADLB.PARAM": methods["MT.ADLB.PARAM"].replace("'Hemoglobin (g/L)'", "'Hemoglobin'")}
    assert no_unit != methods
    assert _error(adlb(lb, no_unit)) == (
        "QC: PARAM of PARAMCD HGB in the spec's MT.ADLB.PARAM does not end with its unit in parentheses (dataset "
        "ADaM spec (Methods), variable PARAM, value 'Hemoglobin'): write the unit at the end of the PARAM in "
        "MT.ADLB.PARAM, e.g. 'Hemoglobin (g/L)'")
    lab = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AVAL": 90.0, "ANRLO": 120.0, "ANRHI": 160.0, "BASE": 130.0,
                        "BNRIND": "NORMAL"})
    assert _error(lambda: qc_module("adlb_qc").grade(lab, pd.Series(["Anemia", "Anaemia"]), "L")) == (
        "QC: no CTCAE v5.0 low criteria transcribed for Anaemia (dataset ADLB, variable ATOXDSCL, USUBJID S-2, "
        "value 'Anaemia'): transcribe the term's criteria into CRITERIA in qc/_ctcae.py, or correct the term in the "
        "spec's MT.ADLB.ATOXDSC")
