"""`derive new`: a scaffolded study runs as it is, a scaffolded program joins the run, nothing is overwritten."""

from __future__ import annotations

import pandas as pd
import pytest

from derivations.cli import main
from derivations.findings import DerivationError
from derivations.program import load_program
from derivations.scaffold import _add_to_programs, new_program, new_study
from derivations.spec import read_spec
from derivations.study import Study
from derivations.testing import expect_dfs_equal


def test_new_study_then_run(tmp_path, capsys):
    assert main(["new", "study", str(tmp_path / "demo")]) == 0
    assert "derive run --study" in capsys.readouterr().out
    assert main(["run", "--study", str(tmp_path / "demo"), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "sdtm: DM, TS\nadam: ADSL\ntlf: T_DEMOG" in out and "findings: 0 error(s), 0 warning(s)" in out
    adsl = pd.read_json(tmp_path / "out" / "adam" / "adsl.json", typ="series")  # Dataset-JSON written
    assert adsl["name"] == "ADSL" and adsl["records"] == 4 and adsl["studyOID"].endswith("DEMO")
    for name in ("index.html", "t_demog.html", "t_demog.rtf", "ard/t_demog.csv"):
        assert (tmp_path / "out" / "tlf" / name).is_file()
    html = (tmp_path / "out" / "tlf" / "t_demog.html").read_text()
    assert "Study drug" in html and "N=3" in html  # subject 004 has no first dose: not in the safety population
    # the conformance rules find nothing to correct, only what to complete (warnings: Exp variables, DS)
    assert main(["check", "--study", str(tmp_path / "demo"), "--out", str(tmp_path / "out")]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_scaffolded_programs_follow_the_contract(tmp_path):
    root = new_study(tmp_path / "demo", studyid="DEMO-1")
    study = Study.load(root)
    dm, adsl, table = (study.program(s, n) for s, n in (("sdtm", "dm"), ("adam", "adsl"), ("tlf", "t_demog")))
    assert (dm.reads, dm.writes, dm.raw) == ((), ("DM",), ("dm",))
    assert (adsl.reads, adsl.writes) == (("DM",), ("ADSL",))
    assert (table.reads, table.writes) == (("ADSL",), ("T_DEMOG",))
    for program in (dm, adsl, table):
        assert program.module.__doc__  # the standard sections start with a docstring


def test_new_program_joins_the_run_with_a_spec_stub(tmp_path, capsys):
    from derivations.pipeline import run_study

    root = new_study(tmp_path / "demo", studyid="DEMO")
    assert main(["new", "program", "adam/adlb", "--study", str(root)]) == 0
    assert "listed in study.toml [adam] programs; spec stub added" in capsys.readouterr().out
    assert Study.load(root).programs("adam") == ["adsl", "adlb"]
    # ADLB is a BDS dataset (ADaMIG): the stub and the template have the IG's required PARAMCD and PARAM
    stub = read_spec(root / "specs" / "adam_spec.xlsx").dataset("ADLB")
    assert (stub.cls, stub.keys, stub.variable_names) == (
        "BASIC DATA STRUCTURE", ["STUDYID", "USUBJID", "PARAMCD"],
        ["STUDYID", "USUBJID", "SUBJID", "PARAMCD", "PARAM", "AVAL"])
    program = load_program(root, "adam", "adlb")
    assert (program.reads, program.writes) == (("ADSL",), ("ADLB",))
    assert program.module.PARAMS == {"PARAM1": "Parameter 1 (unit)"}
    new_program(root, "adam/adcm")  # an occurrence dataset: the general template
    assert read_spec(root / "specs" / "adam_spec.xlsx").dataset("ADCM").variable_names == ["STUDYID", "USUBJID",
                                                                                           "SUBJID"]
    new_program(root, "tlf/t_saf")
    result = run_study(root, tmp_path / "out")
    subjects = ["DEMO-001", "DEMO-002", "DEMO-003", "DEMO-004"]
    expect_dfs_equal(result.datasets["adam"]["ADLB"], pd.DataFrame({
        "STUDYID": ["DEMO"] * 4, "USUBJID": subjects, "SUBJID": ["001", "002", "003", "004"],
        "PARAMCD": ["PARAM1"] * 4, "PARAM": ["Parameter 1 (unit)"] * 4, "AVAL": [float("nan")] * 4}),
        keys=["USUBJID", "PARAMCD"])
    assert sorted(result.datasets["tlf"]) == ["T_DEMOG", "T_SAF"] and result.findings.errors == []
    # the conformance rules find no error in the scaffolded datasets (warnings: what to complete)
    assert main(["check", "--study", str(root), "--out", str(tmp_path / "out")]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_new_never_overwrites(tmp_path, capsys):
    root = new_study(tmp_path / "demo")
    before = (root / "adam" / "adsl.py").read_text()
    assert main(["new", "program", "adam/adsl", "--study", str(root)]) == 2
    assert "already exists; derive new never overwrites" in capsys.readouterr().err
    assert (root / "adam" / "adsl.py").read_text() == before
    with pytest.raises(DerivationError, match="exists and is not empty"):
        new_study(root)
    with pytest.raises(DerivationError, match=r"'\.\./x' is not a program name"):
        new_program(root, "adam/../x")
    with pytest.raises(DerivationError, match="is not STAGE/NAME"):
        new_program(root, "qc/adsl_qc")


def test_add_to_programs_edits_only_the_stage_list():
    toml = '[study]\nstudyid = "S"\n\n[adam]\nspec = "a.xlsx"\nprograms = [\n  "adsl",\n  "adae",\n]\nx = 1\n\n[tlf]\nprograms = []\n'
    assert _add_to_programs(toml, "adam", "adlb") == (
        '[study]\nstudyid = "S"\n\n[adam]\nspec = "a.xlsx"\nprograms = [\n  "adsl",\n  "adae", "adlb"\n]\nx = 1\n\n'
        '[tlf]\nprograms = []\n')
    assert _add_to_programs(toml, "tlf", "t_x").endswith('[tlf]\nprograms = ["t_x"]\n')
    assert _add_to_programs('[study]\nstudyid = "S"\n', "sdtm", "dm") == \
        '[study]\nstudyid = "S"\n\n[sdtm]\nprograms = ["dm"]\n'


def test_new_sdtm_program_runs_on_its_raw_page_without_deprecated_calls(tmp_path):
    import warnings

    from derivations.pipeline import run_study
    from derivations.testing import expect_dfs_equal

    root = new_study(tmp_path / "demo", studyid="DEMO")
    new_program(root, "sdtm/ae")
    (root / "raw" / "ae.csv").write_text("SUBJID,AETERM\n002,Headache\n001,Nausea\n001,Rash\n", encoding="utf-8")
    assert "# MT.SEQ" in (root / "sdtm" / "ae.py").read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the template uses the current names only
        result = run_study(root, tmp_path / "out", stages=["sdtm"])
    # AESEQ: 1, 2, ... per subject in the page's order; records sorted by the spec's keys
    expect_dfs_equal(result.datasets["sdtm"]["AE"], pd.DataFrame({
        "STUDYID": ["DEMO"] * 3, "DOMAIN": ["AE"] * 3, "USUBJID": ["DEMO-002", "DEMO-001", "DEMO-001"],
        "AESEQ": pd.array([1, 1, 2], dtype="Int64")}), keys=["USUBJID", "AESEQ"])
