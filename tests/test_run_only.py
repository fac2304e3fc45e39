"""`derive run --only PROGRAM[,PROGRAM]`: named programs (plus what they need) against a previous output;
only their outputs change, every other file is kept."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from derivations.cli import main
from derivations.findings import DerivationError
from derivations.io import read_dataset
from derivations.pipeline import RunFailed, run_study
from derivations.spec import DatasetSpec, Spec, VariableSpec, write_spec
from derivations.testing import expect_dfs_equal
from toystudy import make_toy_study

ROOT = Path(__file__).resolve().parents[1]

ADSL = '''
READS = ("DM",)
WRITES = ("ADSL",)
#: MT.AGEGR1: the age cut
CUT = 60


def derive(ctx):
    dm = ctx.sdtm["DM"]
    adsl = dm[["STUDYID", "USUBJID", "AGE"]].copy()
    adsl["AGEGR1"] = (adsl["AGE"] < CUT).map({True: f"<{CUT}", False: f">={CUT}"})
    return {"ADSL": adsl}
'''

#: a TLF program: subjects by age group (ARD only)
T_AGE = '''
from derivations.tlf import RowSpec, build_table, columns_from_ard, compute_ard_counts, level_rows

READS = ("ADSL",)
WRITES = ("T_AGE",)


def derive(ctx):
    ard = compute_ard_counts(ctx.adam["ADSL"], analysis_id="T-AGE", variables=["AGEGR1"])
    rows = [RowSpec("Age group, n (%)"), *level_rows(ard, analysis_id="T-AGE")]
    table = build_table(ard, title="Age group", subtitle="All subjects", table_id="Table 1", rows=rows,
                        columns=columns_from_ard(ard, analysis_id="T-AGE"), source="ADSL")
    ctx.outputs.publish_table(table, "t_age")
    return {"T_AGE": ard}
'''


def _adam_spec(path: Path) -> None:
    adsl = DatasetSpec("ADSL", label="Subject-Level Analysis Dataset", keys=["STUDYID", "USUBJID"], variables=[
        VariableSpec("ADSL", "STUDYID", "Study Identifier", length=8, order=1),
        VariableSpec("ADSL", "USUBJID", "Unique Subject Identifier", length=12, order=2),
        VariableSpec("ADSL", "AGE", "Age", "integer", length=8, order=3),
        VariableSpec("ADSL", "AGEGR1", "Pooled Age Group 1", length=4, order=4)])
    write_spec(Spec(study={"StudyName": "TOY", "StandardName": "ADaMIG", "StandardVersion": "1.3"},
                    datasets={"ADSL": adsl}), path)


def _study(tmp_path: Path, tlf: bool = False) -> Path:
    order = {"sdtm": ["dm"], "adam": ["adsl"], **({"tlf": ["t_age"]} if tlf else {})}
    programs = {"adam/adsl.py": ADSL, **({"tlf/t_age.py": T_AGE} if tlf else {})}
    study = make_toy_study(tmp_path / "study", programs=programs, order=order,
                           settings="book = false\n" if tlf else "")
    _adam_spec(study / "specs" / "adam_spec.xlsx")
    text = (study / "study.toml").read_text().replace("[adam]\n", '[adam]\nspec = "specs/adam_spec.xlsx"\n')
    (study / "study.toml").write_text(text)
    return study


def _sums(folder: Path) -> dict[str, str]:
    """sha256 of every output file; run.log (the run record, which holds the clock) only as present."""
    return {p.relative_to(folder).as_posix(): ("present" if p.name == "run.log" else
                                               hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _xpt(path: Path) -> pd.DataFrame:
    return read_dataset(path)[0]


def _counts(out: Path) -> pd.DataFrame:
    """The subject counts by age group of the toy TLF program's ARD."""
    ard = pd.read_csv(out / "tlf" / "ard" / "t_age.csv")
    counts = ard.loc[ard["stat_name"] == "n", ["group_value", "stat_value"]].reset_index(drop=True)
    assert (counts["stat_value"] % 1 == 0).all()
    return counts.astype({"stat_value": int})


def _findings(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
    return frame.loc[frame["check"] == "partial_run", ["severity", "dataset", "message"]].reset_index(drop=True)


def test_only_on_an_unchanged_study_rewrites_identical_files(tmp_path):
    study = _study(tmp_path, tlf=True)
    out = tmp_path / "out"
    run_study(study, out)
    before = _sums(out)
    for only in ("adsl", "dm", "t_age", "dm,adsl,t_age"):
        result = run_study(study, out, only=only)
        assert _sums(out) == before, only
        log = (out / "run.log").read_text().split("\nprograms ")[1].split("\n\n")[0]  # this run's record
        ran = [line.split()[0] for line in log.splitlines()[1:]]
        assert ran == {"adsl": ["adam/adsl"], "dm": ["sdtm/dm"], "t_age": ["tlf/t_age"],
                       "dm,adsl,t_age": ["sdtm/dm", "adam/adsl", "tlf/t_age"]}[only], log
    assert sorted(result.datasets) == ["adam", "sdtm", "tlf"]
    assert [p.relative_to(out).as_posix() for p in result.files] == ["sdtm/dm.xpt", "adam/adsl.xpt",
                                                                      "tlf/ard/t_age.csv"]


def test_only_replaces_the_program_outputs_and_keeps_everything_else(tmp_path, capsys):
    study = _study(tmp_path, tlf=True)
    out = tmp_path / "out"
    run_study(study, out)
    before = _sums(out)
    (study / "adam" / "adsl.py").write_text(ADSL.replace("CUT = 60", "CUT = 58"))
    # the raw data change too: --only adsl must not re-derive DM from them
    (study / "raw" / "dm.csv").write_text("SUBJID,RFSTDAT,AGE,SEX\n009,2021-01-01,30,M\n")
    assert main(["run", "--study", str(study), "--out", str(out), "--only", "adam/adsl"]) == 0
    assert "adam: ADSL" in capsys.readouterr().out
    after = _sums(out)
    # the program's dataset (XPT, Dataset-JSON), its copy in the submission, the manifest, the findings (a
    # warning that t_age did not run); define.xml is rewritten from the kept and the new datasets and comes
    # out the same (same variables and lengths)
    assert _changed(before, after) == [
        "adam/adsl.json", "adam/adsl.xpt", "findings.csv", "findings.txt",
        "submission/m5/datasets/toy/analysis/adam/datasets/adsl.xpt", "submission/manifest.sha256"]
    expect_dfs_equal(_xpt(out / "adam" / "adsl.xpt"), pd.DataFrame({
        "STUDYID": ["TOY", "TOY"], "USUBJID": ["TOY-001", "TOY-002"], "AGE": [61.0, 57.0],
        "AGEGR1": [">=58", "<58"]}), keys=["USUBJID"])  # ages from the previous DM, not the new raw page
    expect_dfs_equal(_xpt(out / "sdtm" / "dm.xpt"), pd.DataFrame({"STUDYID": ["TOY", "TOY"], "DOMAIN": ["DM", "DM"],
                                   "USUBJID": ["TOY-001", "TOY-002"], "RFSTDTC": ["2021-03-01", "2021-04-15"],
                                   "AGE": [61.0, 57.0], "SEX": ["M", "F"]}), keys=["USUBJID"])
    expect_dfs_equal(_findings(out), pd.DataFrame({
        "severity": ["warning"], "dataset": ["ADSL"],
        "message": ["ADSL changed, and tlf/t_age.py read it but did not run: their outputs in out/ are from the "
                    "earlier ADSL"]}), keys=["message"])


def test_only_several_programs_across_stages(tmp_path):
    study = _study(tmp_path, tlf=True)
    out = tmp_path / "out"
    run_study(study, out)
    (study / "raw" / "dm.csv").write_text("SUBJID,RFSTDAT,AGE,SEX\n001,2021-03-01,61,M\n002,2021-04-15,59,F\n"
                                          "003,2021-05-02,64,F\n")
    run_study(study, out, only="t_age, dm,adsl")
    expect_dfs_equal(_xpt(out / "adam" / "adsl.xpt"), pd.DataFrame({
        "STUDYID": ["TOY"] * 3, "USUBJID": ["TOY-001", "TOY-002", "TOY-003"], "AGE": [61.0, 59.0, 64.0],
        "AGEGR1": [">=60", "<60", ">=60"]}), keys=["USUBJID"])
    expect_dfs_equal(_counts(out), pd.DataFrame({"group_value": ["<60", ">=60"], "stat_value": [1, 2]}),
                     keys=["group_value"])
    # every program downstream of DM and ADSL ran; the review index and ARS now lag behind T_AGE
    expect_dfs_equal(_findings(out), pd.DataFrame({
        "severity": ["warning"], "dataset": ["T_AGE"],
        "message": ["analysis results T_AGE changed: the review index, ARS reporting event and TLF book were kept "
                    "from the previous output and describe the earlier results; run the tlf stage (--stages tlf) "
                    "to rebuild them"]}), keys=["message"])


def test_only_into_a_new_folder_runs_what_the_program_needs(tmp_path):
    study = _study(tmp_path, tlf=True)
    out = tmp_path / "out"
    result = run_study(study, out, only="t_age")
    assert {s: sorted(d) for s, d in result.datasets.items()} == {"sdtm": ["DM"], "adam": ["ADSL"],
                                                                  "tlf": ["T_AGE"]}
    expect_dfs_equal(_counts(out), pd.DataFrame({"group_value": ["<60", ">=60"], "stat_value": [1, 1]}),
                     keys=["group_value"])
    expect_dfs_equal(_findings(out), pd.DataFrame({
        "severity": ["note", "note"], "dataset": ["", ""],
        "message": ["adam/adsl.py run too: tlf/t_age.py reads ADSL, which the previous output does not hold",
                    "sdtm/dm.py run too: adam/adsl.py reads DM, which the previous output does not hold"]}),
        keys=["message"])


def test_only_runs_the_writer_of_an_input_missing_from_the_previous_output(tmp_path):
    study = _study(tmp_path)
    run_study(study, tmp_path / "full")
    out = tmp_path / "out"
    run_study(study, out, stages=["adam"], sdtm_dir=tmp_path / "full" / "sdtm")  # an output without sdtm/
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [".derive-findings", "adam", "submission"]
    result = run_study(study, out, only="adsl")
    assert {s: sorted(d) for s, d in result.datasets.items()} == {"sdtm": ["DM"], "adam": ["ADSL"]}
    assert _sums(out / "sdtm") == _sums(tmp_path / "full" / "sdtm")
    expect_dfs_equal(_findings(out), pd.DataFrame({
        "severity": ["note"], "dataset": [""],
        "message": ["sdtm/dm.py run too: adam/adsl.py reads DM, which the previous output does not hold"]}),
        keys=["message"])


def test_only_a_failing_program_leaves_the_output_untouched(tmp_path):
    study = _study(tmp_path)
    out = tmp_path / "out"
    run_study(study, out)
    before = _sums(out)
    (study / "adam" / "adsl.py").write_text(ADSL.replace('return {"ADSL": adsl}', 'return {"ADSL": adsl.assign(X=1)}'))
    with pytest.raises(RunFailed, match="not in the spec"):
        run_study(study, out, only="adsl")
    assert _sums(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study"]  # no staging folder left


def test_only_an_unknown_program_is_exit_2_naming_the_programs(tmp_path, capsys):
    study = _study(tmp_path, tlf=True)
    out = tmp_path / "out"
    run_study(study, out)
    before = _sums(out)
    assert main(["run", "--study", str(study), "--out", str(out), "--only", "adsl,adtte"]) == 2
    err = capsys.readouterr().err
    assert "'adtte' is not a program listed in study.toml (value 'adtte')" in err
    assert main(["run", "--study", str(study), "--out", str(out), "--only", "adls"]) == 2
    assert "'adls' is not a program listed in study.toml (did you mean 'adsl'?)" in capsys.readouterr().err
    assert "the programs are sdtm/dm, adam/adsl, tlf/t_age" in err
    assert main(["run", "--study", str(study), "--out", str(out), "--only", "sdtm/adsl"]) == 2
    assert "'sdtm/adsl' is not a program listed in study.toml" in capsys.readouterr().err
    assert main(["run", "--study", str(study), "--out", str(out), "--only", "adsl", "--stages", "adam"]) == 2
    assert "--only and --stages cannot be combined" in capsys.readouterr().err
    assert main(["run", "--study", str(study), "--out", str(out), "--only", ","]) == 2
    assert "--only names no program" in capsys.readouterr().err
    assert _sums(out) == before


def test_only_a_program_of_a_stage_read_from_a_folder_is_refused(tmp_path, capsys):
    study = _study(tmp_path)
    out = tmp_path / "out"
    run_study(study, out)
    sdtm = tmp_path / "sdtm"
    shutil.copytree(out / "sdtm", sdtm)
    assert main(["run", "--study", str(study), "--out", str(out), "--only", "dm", "--sdtm", str(sdtm)]) == 2
    assert "the sdtm stage is read from --sdtm" in capsys.readouterr().err
    # adsl reads DM from the --sdtm folder instead of the previous output
    (sdtm / "dm.xpt").unlink()
    with pytest.raises(DerivationError, match=r"adam/adsl.py reads DM, which the --sdtm folder .* does not hold"):
        run_study(study, out, only="adsl", sdtm_dir=sdtm)


@pytest.mark.parametrize("program", ["adtte", "tlf/t_ae", "dm", "adsl,adae"])
def test_only_on_the_embedded_study_gives_the_full_run_bytes(study_tlf, tmp_path, program):
    full = study_tlf.parent  # the session's run of the embedded study (read-only: work on a copy)
    out = tmp_path / "out"
    shutil.copytree(full, out)
    run_study(ROOT, out, only=program)
    assert _sums(out) == _sums(full)


def test_only_rewrites_a_kept_dataset_whose_shared_lengths_change(tmp_path):
    from derivations.lengths import xpt_file_lengths

    adx = ('READS = ("ADSL",)\nWRITES = ("ADX",)\n\n\ndef derive(ctx):\n'
           '    return {"ADX": ctx.adam["ADSL"][["STUDYID", "USUBJID", "AGEGR1"]]}\n')
    study = make_toy_study(tmp_path / "study", programs={"adam/adsl.py": ADSL, "adam/adx.py": adx},
                           order={"sdtm": ["dm"], "adam": ["adsl", "adx"]})

    def var(ds, order, name, data_type="text", length=8):
        return VariableSpec(ds, name, name.title(), data_type, length=length, order=order)

    write_spec(Spec(study={"StudyName": "TOY", "StandardName": "ADaMIG", "StandardVersion": "1.3"}, datasets={
        "ADSL": DatasetSpec("ADSL", label="ADSL", keys=["STUDYID", "USUBJID"], variables=[
            var("ADSL", 1, "STUDYID"), var("ADSL", 2, "USUBJID", length=12), var("ADSL", 3, "AGE", "integer"),
            var("ADSL", 4, "AGEGR1")]),
        "ADX": DatasetSpec("ADX", label="ADX", keys=["STUDYID", "USUBJID"], variables=[
            var("ADX", 1, "STUDYID"), var("ADX", 2, "USUBJID", length=12), var("ADX", 3, "AGEGR1")])}),
        study / "specs" / "adam_spec.xlsx")
    text = (study / "study.toml").read_text().replace("[adam]\n", '[adam]\nspec = "specs/adam_spec.xlsx"\n')
    (study / "study.toml").write_text(text)
    out = tmp_path / "out"
    run_study(study, out)
    lengths = {"STUDYID": 3, "USUBJID": 7, "AGEGR1": 4}  # TOY, TOY-001, ">=60"
    assert xpt_file_lengths(out / "adam") == {"ADSL": lengths, "ADX": lengths}
    (study / "adam" / "adsl.py").write_text(ADSL.replace("CUT = 60", "CUT = 1000"))
    run_study(study, out, only="adsl")
    # AGEGR1 "<1000" needs 5 bytes; the stage's datasets share a variable's length, so ADX is rewritten too
    # (its values still the earlier ones: adx did not run)
    longer = {**lengths, "AGEGR1": 5}
    assert xpt_file_lengths(out / "adam") == {"ADSL": longer, "ADX": longer}
    assert _xpt(out / "adam" / "adx.xpt")["AGEGR1"].tolist() == [">=60", "<60"]
    expect_dfs_equal(_findings(out), pd.DataFrame({
        "severity": ["note", "warning"], "dataset": ["ADX", "ADSL"],
        "message": ["ADX rewritten: the character lengths it shares with the datasets of this run changed",
                    "ADSL changed, and adam/adx.py read it but did not run: their outputs in out/ are from the "
                    "earlier ADSL"]}), keys=["message"])
