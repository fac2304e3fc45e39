"""`derive run` / `derive validate` on a tiny study: atomic outputs, byte-identical reruns, clear failures."""

import subprocess
import sys
from pathlib import Path

import pyreadstat
import pytest

from derivations.cli import main
from derivations.findings import RawDataError
from derivations.pipeline import RunFailed, run_study, validate_folder
from toystudy import PROGRAM, make_toy_study


def test_run_writes_validated_xpt_with_spec_attributes(tmp_path):
    study = make_toy_study(tmp_path / "study")
    result = run_study(study, tmp_path / "out", stages=["sdtm"])
    path = tmp_path / "out" / "sdtm" / "dm.xpt"
    assert result.files == [path]
    df, meta = pyreadstat.read_xport(str(path))
    assert meta.table_name == "DM" and meta.file_label == "Demographics"
    assert list(df.columns) == ["STUDYID", "DOMAIN", "USUBJID", "RFSTDTC", "AGE", "SEX"]
    assert meta.variable_storage_width["USUBJID"] == 7  # 'TOY-001': the data's, the spec's 12 is the maximum
    assert df["SEX"].tolist() == ["M", "F"]
    assert df["AGE"].tolist() == [61.0, 57.0]
    assert (tmp_path / "out" / "findings.csv").read_text().startswith("severity,check,dataset")
    assert validate_folder(study, tmp_path / "out").items == []


def test_two_runs_are_byte_identical(tmp_path):
    study = make_toy_study(tmp_path / "study")
    run_study(study, tmp_path / "a", stages=["sdtm"])
    run_study(study, tmp_path / "b", stages=["sdtm"])
    for name in ("sdtm/dm.xpt", "findings.csv", "findings.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_failed_run_leaves_previous_outputs_untouched(tmp_path):
    study = make_toy_study(tmp_path / "study")
    run_study(study, tmp_path / "out", stages=["sdtm"])
    before = (tmp_path / "out" / "sdtm" / "dm.xpt").read_bytes()
    make_toy_study(tmp_path / "study", rows=[{"SUBJID": "001", "RFSTDAT": "2021-03-01", "AGE": "61", "SEX": "X"}])
    with pytest.raises(RunFailed, match="codelist") as err:
        run_study(study, tmp_path / "out", stages=["sdtm"])
    assert any(f.usubjid == "TOY-001" and f.value == "X" for f in err.value.findings)
    assert (tmp_path / "out" / "sdtm" / "dm.xpt").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study"]  # no staging folder left


def test_duplicate_subject_is_an_error_naming_it(tmp_path):
    rows = [{"SUBJID": "001", "RFSTDAT": "2021-03-01", "AGE": "61", "SEX": "M"},
            {"SUBJID": "001", "RFSTDAT": "2021-03-02", "AGE": "61", "SEX": "M"}]
    study = make_toy_study(tmp_path / "study", rows=rows)
    with pytest.raises(RunFailed) as err:
        run_study(study, tmp_path / "out", stages=["sdtm"])
    keys = [f for f in err.value.findings if f.check == "keys"]
    assert [(f.usubjid, f.row, f.message) for f in keys] == [
        ("TOY-001", 1, "key variables STUDYID, USUBJID do not identify records uniquely "
                       "(2 records share 1 key value(s); the first is shown)")]
    assert not (tmp_path / "out").exists()


def test_missing_raw_column_names_file_and_column(tmp_path):
    study = make_toy_study(tmp_path / "study", program=PROGRAM.replace('"SEX"]', '"SEX", "RACE"]'))
    with pytest.raises(RawDataError, match=r"dm.csv lacks column\(s\) RACE"):
        run_study(study, tmp_path / "out", stages=["sdtm"])


def test_spec_type_disagreeing_with_data(tmp_path):
    study = make_toy_study(tmp_path / "study", program=PROGRAM.replace('pd.to_numeric(raw["AGE"])', 'raw["AGE"]'))
    with pytest.raises(RunFailed, match="type: numeric variable holds text"):
        run_study(study, tmp_path / "out", stages=["sdtm"])


def test_cli_exit_codes(tmp_path, capsys):
    study = make_toy_study(tmp_path / "study")
    assert main(["run", "--study", str(study), "--out", str(tmp_path / "out"), "--stages", "sdtm"]) == 0
    out = capsys.readouterr().out
    assert "files to" in out and "datasets 2, define 3, package 5, records 3" in out  # dm.xpt + dm.json
    assert main(["validate", "--study", str(study), "--out", str(tmp_path / "out")]) == 0
    assert main(["run", "--study", str(tmp_path / "nowhere")]) == 2


def test_help_is_fast_and_lazy():
    code = "import sys, derivations.cli; print(sorted(m for m in ('pandas', 'pandera', 'openpyxl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_define_on_a_corrupt_xpt_exits_2_naming_the_file(tmp_path, capsys):
    study = make_toy_study(tmp_path / "study")
    run_study(study, tmp_path / "out", stages=["sdtm"])
    (tmp_path / "out" / "sdtm" / "dm.xpt").write_bytes(b"not an xpt file")
    before = sorted(p.name for p in (tmp_path / "out" / "sdtm").iterdir())
    assert main(["define", "--study", str(study), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "not a readable SAS transport file" in err and "dm.xpt" in err
    assert sorted(p.name for p in (tmp_path / "out" / "sdtm").iterdir()) == before  # nothing written


def test_release_raw_drops_the_cached_extracts(tmp_path):
    from derivations.study import RunContext, Study

    (tmp_path / "dm.csv").write_text("SUBJID,AGE\n001,63\n", encoding="utf-8")
    ctx = RunContext(study=Study.load(Path(__file__).resolve().parents[1]), raw_dir=tmp_path)
    assert ctx.raw("dm")["AGE"].tolist() == ["63"]
    (tmp_path / "dm.csv").write_text("SUBJID,AGE\n001,64\n", encoding="utf-8")
    assert ctx.raw("dm")["AGE"].tolist() == ["63"]  # read once per run
    ctx.release_raw()
    assert ctx.raw("dm")["AGE"].tolist() == ["64"]


def test_a_raw_page_is_dropped_once_its_last_reader_has_run(tmp_path):
    from derivations.pipeline import run_stage
    from derivations.program import Program
    from derivations.study import RunContext, Study

    for page in ("dm", "vs"):
        (tmp_path / f"{page}.csv").write_text("SUBJID,AGE\n001,63\n", encoding="utf-8")
    ctx = RunContext(study=Study.load(Path(__file__).resolve().parents[1]), raw_dir=tmp_path)
    ctx.release_raw(["dm"])                                     # nothing read yet: nothing to drop
    ctx.raw("dm"), ctx.raw("vs")
    ctx.release_raw(["dm", "xx"])
    assert sorted(ctx._raw_cache) == ["vs"]

    cached = []

    def reader(name, pages):
        def derive(c):
            cached.append(sorted(ctx._raw_cache))
            for page in pages:
                c.raw(page)
            return {}
        return Program("sdtm", name, raw=pages, derive=derive)

    programs = {"a": reader("a", ("dm", "vs")), "b": reader("b", ("vs",)), "c": reader("c", ())}
    ctx.release_raw()
    ctx.study.program = lambda stage, name: programs[name]
    ctx.study.programs = lambda stage: list(programs)
    ctx.study.spec_path = lambda stage: None
    run_stage(ctx, "sdtm")
    assert cached == [[], ["vs"], []]                 # dm gone after a (its last reader), vs after b
    assert ctx._raw_cache == {}
