"""``derive qc``: the study's QC programs run apart from production and compared with it.

The production outputs are those of the session's one ``derive run`` (conftest ``study_tlf``),
copied (datasets and ARD only) into a temporary folder per test so that planted differences
and the written qc/ folder never touch the shared run.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.io import read_dataset
from derivations.qc import ARD_KEYS, MARKER, read_checks, run_qc
from derivations.spec import read_spec
from derivations.study import Study
from derivations.xpt import variables_from_spec, write_xpt

ROOT = Path(__file__).resolve().parents[1]

#: what the embedded study's QC compares: check -> (records, variables compared besides the keys)
EXPECTED = {
    "ADSL": (29, 40),         # 42 variables, keys STUDYID, USUBJID
    "ADRS": (447, 21),        # 11 parameters: OVR 93 + OVRDER 93 + 9 x 29 subject-level; 26 variables, 5 keys
    "ADTTE": (67, 17),        # PFS 29 + OS 29 + DOR 9 responders; 20 variables, 3 keys
    "ADAE": (77, 45),         # 48 variables, keys STUDYID, USUBJID, AESEQ
    "ADLB": (5421, 41),       # 5,172 LB records + 249 CACORR; 46 variables, keys STUDYID, USUBJID, PARAMCD, ADT, LBSEQ
    "ADVS": (1751, 29),       # 1,259 VS records + 246 MAP + 246 BMI; 33 variables, keys STUDYID, USUBJID, PARAMCD, ADT
    "T_RESPONSE": (62, 1),    # BOR/CBOR x 7 categories x n/N/% + ORR/DCR x n/N/%/CI
    "T_TTE": (60, 1),         # KM (primary and symmetric CI), events by type, censoring reasons
    "T_TEAE": (243, 1),       # any TEAE, 11 SOCs, their PTs x any grade / grade 3-4 / grade 5 x n/N/%
    "T_TEAE_REL": (198, 1),   # the same for treatment-related TEAEs
    "T_LAB_SHIFT": (2376, 1), # 22 graded terms x (30 baseline>worst cells + 6 baseline totals) x n/N/%
    "T_LAB_AE": (228, 1),     # 19 laboratory term / AE pairs x 4 columns x n/N/%
}


def production_copy(study_tlf: Path, dest: Path) -> Path:
    """The run's datasets and ARD (what derive qc reads) copied to ``dest``."""
    run = study_tlf.parent
    for sub, pattern in (("sdtm", "*.xpt"), ("adam", "*.xpt"), ("tlf/ard", "*.csv")):
        (dest / sub).mkdir(parents=True)
        for f in (run / sub).glob(pattern):
            shutil.copy2(f, dest / sub / f.name)
    return dest


@pytest.fixture(scope="module")
def qc_run(study_tlf, tmp_path_factory):
    out = production_copy(study_tlf, tmp_path_factory.mktemp("qc") / "out")
    return run_qc(ROOT, out), out


def test_every_check_compared_and_equal(qc_run):
    result, out = qc_run
    frame = result.frame().set_index("CHECK")
    assert result.exit_code == 0, result.report_text()
    assert list(frame.index) == list(EXPECTED)
    assert (frame["COMPARED"] == "Y").all() and (frame["EQUAL"] == "Y").all()
    for check, (records, variables) in EXPECTED.items():
        assert (frame.loc[check, "N_RECORDS"], frame.loc[check, "N_VARIABLES"]) == (records, variables), check
    assert frame["N_VALUES_DIFFERENT"].sum() == 0 and frame["N_RECORDS_ONE_SIDE"].sum() == 0
    assert frame.loc["ADRS", "KEYS"] == "STUDYID, USUBJID, PARAMCD, ADT, AVISITN"
    assert frame.loc["ADSL", "CRITERION"] == "exact" and frame.loc["T_TTE", "CRITERION"] == "absolute <= 1e-06"
    assert frame.loc["T_TTE", "KIND"] == "output" and frame.loc["ADTTE", "KIND"] == "dataset"
    assert result.verdict() == f"{len(EXPECTED)} of {len(EXPECTED)} check(s) equal"


def test_report_files(qc_run):
    result, out = qc_run
    qc = out / "qc"
    names = sorted(p.relative_to(qc).as_posix() for p in qc.rglob("*") if p.is_file())
    assert names == sorted([MARKER, "qc_report.csv", "qc_report.html", "qc_report.txt", "qc.log",
                            *(f"compare/{c.lower()}.txt" for c in EXPECTED),
                            *(f"data/qc_{c.lower()}.csv" for c in EXPECTED)])
    data = pd.read_csv(qc / "qc_report.csv", keep_default_na=False)
    assert data["EQUAL"].tolist() == ["Y"] * len(EXPECTED) and data["N_RECORDS"].tolist() == [r for r, _ in EXPECTED.values()]
    # the run record: what was compared, exactly (sha256 of the production files), and with what
    log = (qc / "qc.log").read_text(encoding="utf-8")
    adsl_sha = hashlib.sha256((out / "adam" / "adsl.xpt").read_bytes()).hexdigest()
    assert f"  {adsl_sha}  adam/adsl.xpt" in log and "  T_TTE        equal" in log
    assert data.set_index("CHECK").loc["ADSL", "PRODUCTION_SHA256"] == adsl_sha
    assert data.set_index("CHECK").loc["T_TTE", "PRODUCTION_FILE"] == "tlf/ard/t_tte.csv"
    html = (qc / "qc_report.html").read_text(encoding="utf-8")
    assert "Verdict: 12 of 12 check(s) equal." in html and 'id="T_TTE"' in html
    assert html.count("ARD statistic (8 identity columns)") == 6
    # the QC statistics themselves, as a reviewer reads them: ORR 9/29 with its exact CI, median PFS 160 / 30
    ard = pd.read_csv(qc / "data" / "qc_t_response.csv", keep_default_na=False)
    orr = ard[(ard["analysis_id"] == "T14.2.1-ORR") & (ard["column_value"] == "BOR")].set_index("stat_name")
    assert orr.loc["n", "stat_value"] == 9 and round(orr.loc["ci_lower", "stat_value"], 2) == 15.28
    km = pd.read_csv(qc / "data" / "qc_t_tte.csv")
    km = km[km["analysis_id"] == "T14.2.2-KM"].set_index(["column_value", "stat_name"])["stat_value"]
    assert round(km[("PFS", "km_median")] * 30) == 160 and round(km[("OS", "km_median")] * 30) == 311
    assert km[("OS", "events")] == 19 and km[("PFS", "events")] == 25


def test_a_planted_difference_is_found_value_by_value(study_tlf, tmp_path):
    out = production_copy(study_tlf, tmp_path / "out")
    # production ADTTE with one AVAL one day longer (98 -> 99 days: no table statistic moves; T_TTE's QC reads
    # production ADTTE); production ARD with one CI limit off by 0.01
    path = out / "adam" / "adtte.xpt"
    adtte, _ = read_dataset(path)
    row = adtte.index[(adtte["USUBJID"] == "NCT04984096-001") & (adtte["PARAMCD"] == "OS")][0]
    adtte.loc[row, "AVAL"] += 1
    spec = read_spec(ROOT / "specs" / "adam_spec.xlsx").dataset("ADTTE")
    write_xpt(adtte, path, label=spec.label, variables=variables_from_spec(spec), created=Study.load(ROOT).created)
    ard_path = out / "tlf" / "ard" / "t_tte.csv"
    ard = pd.read_csv(ard_path, dtype=str, keep_default_na=False)
    hit = (ard["analysis_id"] == "T14.2.2-KM") & (ard["column_value"] == "OS") & (ard["stat_name"] == "km_median_ci_upper")
    ard.loc[hit, "stat_value"] = str(float(ard.loc[hit, "stat_value"].iloc[0]) + 0.01)
    tiny = (ard["analysis_id"] == "T14.2.2-KM") & (ard["column_value"] == "PFS") & (ard["stat_name"] == "rate_6m")
    ard.loc[tiny, "stat_value"] = str(float(ard.loc[tiny, "stat_value"].iloc[0]) + 1e-8)  # within 1e-6: equal
    ard.to_csv(ard_path, index=False, lineterminator="\n")

    result = run_qc(ROOT, out)
    frame = result.frame().set_index("CHECK")
    assert result.exit_code == 1
    assert frame["EQUAL"].to_dict() == {**{c: "Y" for c in EXPECTED}, "ADTTE": "N", "T_TTE": "N"}
    assert frame.loc["ADTTE", "N_VALUES_DIFFERENT"] == 1 and frame.loc["T_TTE", "N_VALUES_DIFFERENT"] == 1
    diffs = pd.read_csv(out / "qc" / "diffs" / "adtte.csv", dtype=str, keep_default_na=False)
    assert diffs[["USUBJID", "PARAMCD", "VARIABLE", "BASE", "COMPARE"]].values.tolist() == [
        ["NCT04984096-001", "OS", "AVAL", "99", "98"]]
    diffs = pd.read_csv(out / "qc" / "diffs" / "t_tte.csv", keep_default_na=False)
    assert diffs[["column_value", "stat_name", "VARIABLE"]].values.tolist() == [["OS", "km_median_ci_upper",
                                                                                   "stat_value"]]
    assert sorted(p.name for p in (out / "qc" / "diffs").iterdir()) == ["adtte.csv", "t_tte.csv"]
    assert result.verdict() == "10 of 12 check(s) equal; 2 differ (ADTTE, T_TTE)"


def test_a_check_that_cannot_run_is_exit_2_and_the_others_still_run(study_tlf, tmp_path):
    out = production_copy(study_tlf, tmp_path / "out")
    (out / "tlf" / "ard" / "t_tte.csv").unlink()
    result = run_qc(ROOT, out)
    frame = result.frame().set_index("CHECK")
    assert result.exit_code == 2
    assert frame["COMPARED"].to_dict() == {**{c: "Y" for c in EXPECTED}, "T_TTE": "N"}
    assert "t_tte.csv" in frame.loc["T_TTE", "MESSAGE"] and "run derive run first" in frame.loc["T_TTE", "MESSAGE"]


def test_cli_exit_codes_and_summary(study_tlf, tmp_path):
    out = production_copy(study_tlf, tmp_path / "out")
    cmd = [sys.executable, "-m", "derivations", "qc", "--study", str(ROOT), "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Verdict: 12 of 12 check(s) equal." in res.stdout
    assert res.stderr == ""  # progress goes to a terminal only: not to a pipe unless asked
    res = subprocess.run(cmd + ["--progress"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0
    lines = res.stderr.splitlines()
    assert "[qc] adsl_qc ..." in lines and any(l.startswith("[qc] t_tte_qc equal in ") for l in lines)
    assert any(l.startswith("[qc] adrs_qc equal in ") and l.endswith("QC_ADRS 447 rows") for l in lines)
    res = subprocess.run([sys.executable, "-m", "derivations", "qc", "--study", str(ROOT), "--out",
                          str(tmp_path / "nothing")], capture_output=True, text=True, timeout=600)
    assert res.returncode == 2 and "holds no production outputs" in res.stderr


def test_the_output_folder_marker_lists_the_qc_files(study_tlf, tmp_path):
    """After derive qc, derive run --out DIR may still replace DIR: its marker lists what derive qc wrote."""
    from derivations.outdir import files_of, foreign_files, write_marker

    out = production_copy(study_tlf, tmp_path / "out")
    write_marker(out, files_of(out))                    # as derive run leaves it
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    run_qc(ROOT, out)
    assert foreign_files(out) == ["notes.txt"]          # the qc/ files are listed; someone's notes are not


def test_a_qc_folder_it_did_not_write_is_left_alone(study_tlf, tmp_path):
    out = production_copy(study_tlf, tmp_path / "out")
    (out / "qc").mkdir()
    (out / "qc" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DerivationError, match="not written by derive qc"):
        run_qc(ROOT, out)
    assert (out / "qc" / "notes.txt").read_text(encoding="utf-8") == "mine"
    (out / "qc" / "notes.txt").unlink()
    (out / "qc").rmdir()
    run_qc(ROOT, out)                       # its own folder is replaced by the next run ...
    (out / "qc" / "data" / "mine.csv").write_text("x", encoding="utf-8")
    with pytest.raises(DerivationError, match="1 file.*did not write.*data/mine.csv"):
        run_qc(ROOT, out)                   # ... unless someone put a file into it
    assert (out / "qc" / "qc_report.html").is_file()


def _mini_study(root: Path, qc_program: str, check: str) -> Study:
    for folder in ("adam", "tlf", "qc"):
        (root / folder).mkdir(parents=True)
    (root / "study.toml").write_text(
        '[study]\nstudyid = "X"\n[adam]\nprograms = ["adsl"]\n[tlf]\nprograms = ["t_n"]\n'
        f'[qc]\nprograms = ["x_qc"]\n[qc.checks]\nx_qc = "{check}"\n', encoding="utf-8")
    (root / "adam" / "adsl.py").write_text('READS = ("DM",)\nWRITES = ("ADSL",)\ndef derive(ctx): ...\n')
    (root / "tlf" / "t_n.py").write_text('READS = ("ADSL",)\nWRITES = ("T_N",)\ndef derive(ctx): ...\n')
    (root / "qc" / "x_qc.py").write_text(qc_program)
    return Study.load(root)


@pytest.mark.parametrize("reads, check, message", [
    ('("ADSL",)', "ADSL", "reads production ADaM ADSL: an ADaM QC program reads SDTM and QC datasets only"),
    ('("ADSL", "T_N")', "T_N", "reads T_N, production's analysis results: a QC program never reads them"),
    ('("DM",)', "ADSL", None),
    ('("ADSL",)', "T_N", None),
    ('("DM",)', "ADXX", "ADXX is neither an ADaM dataset nor an output"),
])
def test_independence_is_enforced_from_the_declarations(tmp_path, reads, check, message):
    study = _mini_study(tmp_path, f'READS = {reads}\nWRITES = ("QC_X",)\ndef derive(ctx): ...\n', check)
    [(name, parsed, error)] = read_checks(study)
    assert name == "x_qc"
    if message is None:
        assert error is None and parsed.production == check
    else:
        assert message in error


def test_qc_programs_use_no_framework_derivation():
    """The QC programs are a second programmer's: they import nothing from the framework."""
    for path in sorted((ROOT / "qc").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
        imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        assert not {m for m in imported if m and m.split(".")[0] == "derivations"}, path.name
    assert set(ARD_KEYS) >= {"analysis_id", "stat_name"}


@pytest.mark.parametrize("name", ["_common", "_ard", "_ae", "_bds", "_ctcae", "_lab", "adsl_qc", "adrs_qc", "adtte_qc",
                                  "adae_qc", "adlb_qc", "advs_qc", "t_response_qc", "t_tte_qc"])
def test_qc_module_examples(name):
    """The QC modules' own examples (hand-computed KM, Clopper-Pearson, RECIST table) run as tests."""
    import doctest
    import importlib

    package = Study.load(ROOT).program("qc", "adsl_qc").module.__package__
    failures, tried = doctest.testmod(importlib.import_module(f"{package}.{name}"), verbose=False)
    assert tried > 0 and failures == 0
