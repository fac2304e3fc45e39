"""The program contract: stage packages with relative imports, READS/WRITES/RAW, the run order derived
from them and its errors, the pipeline's conformance to the spec (selection, order, casting, extra
variables), the TLF publishing service and the review index written by the pipeline."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from derivations.findings import DerivationError, RawDataError
from derivations.pipeline import RunFailed, run_stage, run_study
from derivations.program import Program, run_order, study_package
from derivations.study import RunContext, Study
from toystudy import PROGRAM, make_toy_study

ROOT = Path(__file__).resolve().parents[1]

#: a program that reads DM and writes nothing: records what it saw as a note
COUNT = '''
READS = ("DM",)
WRITES = ()


def derive(ctx):
    ctx.findings.add("note", "count", f"{len(ctx.sdtm['DM'])} subjects")
    return {}
'''


def _program(body: str, *, reads=(), writes=("DM",), raw=("dm",)) -> str:
    return f"READS = {tuple(reads)!r}\nWRITES = {tuple(writes)!r}\nRAW = {tuple(raw)!r}\n\n\n{body}"


# ----------------------------------------------------------------------------- packages, relative imports


def test_programs_share_code_with_relative_imports_and_are_registered(tmp_path):
    helper = 'PREFIX = "{}-"\n\n\ndef usubjid(studyid, subjid):\n    return PREFIX + subjid\n'
    uses_helper = PROGRAM.replace("import pandas as pd", "import pandas as pd\n\nfrom ._ids import usubjid") \
                         .replace('"USUBJID": "TOY-" + raw["SUBJID"]', '"USUBJID": usubjid("TOY", raw["SUBJID"])')
    one = make_toy_study(tmp_path / "one", program=uses_helper, programs={"sdtm/_ids.py": helper.format("TOY")})
    two = make_toy_study(tmp_path / "two", program=uses_helper, programs={"sdtm/_ids.py": helper.format("TWO")})
    a = run_study(one, tmp_path / "a", stages=["sdtm"]).datasets["sdtm"]["DM"]
    b = run_study(two, tmp_path / "b", stages=["sdtm"]).datasets["sdtm"]["DM"]
    # two studies in one process, each with its own sdtm/_ids.py: no collision
    assert a["USUBJID"].tolist() == ["TOY-001", "TOY-002"]
    assert b["USUBJID"].tolist() == ["TWO-001", "TWO-002"]
    pkg_one, pkg_two = study_package(one), study_package(two)
    assert pkg_one != pkg_two
    helper_one = sys.modules[f"{pkg_one}.sdtm._ids"]
    assert Path(helper_one.__file__) == (one / "sdtm" / "_ids.py").resolve() and helper_one.PREFIX == "TOY-"
    assert sys.modules[f"{pkg_two}.sdtm.dm"].usubjid is sys.modules[f"{pkg_two}.sdtm._ids"].usubjid


def test_embedded_study_stage_folders_are_packages():
    study = Study.load(ROOT)
    program = study.program("sdtm", "tr")
    assert program.module.__name__ == f"{study_package(ROOT)}.sdtm.tr"
    assert program.module.visitnum is sys.modules[f"{study_package(ROOT)}.sdtm._visits"].visitnum
    assert (program.reads, program.writes, program.raw) == (("DM",), ("TR",), ("tl", "ntl", "nl"))
    # every listed program of both studies declares READS and WRITES and loads
    for root in (ROOT, ROOT / "examples" / "pharmaverse"):
        assert all(p.writes or p.stage == "tlf" for p in Study.load(root).all_programs())


def test_an_edited_program_runs_as_edited_in_the_same_process(tmp_path):
    study = make_toy_study(tmp_path / "s")
    first = run_study(study, tmp_path / "a", stages=["sdtm"]).datasets["sdtm"]["DM"]
    (study / "sdtm" / "dm.py").write_text(PROGRAM.replace('"DOMAIN": "DM"', '"DOMAIN": "DM" + ""  # edited'))
    (study / "sdtm" / "dm.py").write_text(PROGRAM.replace('"TOY-" + raw', '"TOY-X" + raw'))
    second = run_study(study, tmp_path / "b", stages=["sdtm"]).datasets["sdtm"]["DM"]
    assert first["USUBJID"].tolist() == ["TOY-001", "TOY-002"]
    assert second["USUBJID"].tolist() == ["TOY-X001", "TOY-X002"]


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "dm.py", "sub/dm", "_common", "class", "", 3])
def test_a_program_name_must_be_a_plain_identifier(tmp_path, name):
    study = make_toy_study(tmp_path / "s")
    text = (study / "study.toml").read_text().replace('programs = ["dm"]', f"programs = [{name!r}]".replace("'", '"'))
    (study / "study.toml").write_text(text)
    # refused by the program loader, or before it by the settings schema (a name that is not text)
    with pytest.raises(DerivationError, match=r"study.toml.*\[sdtm\] programs(: .* is not a program name| must be "
                                              r"a list of plain program names)"):
        run_study(study, tmp_path / "out", stages=["sdtm"])
    assert not (tmp_path / "out").exists()


def test_a_program_without_declarations_is_an_error_naming_the_file(tmp_path):
    bare = PROGRAM.replace('READS = ()\n', '')
    study = make_toy_study(tmp_path / "s", program=bare)
    with pytest.raises(DerivationError, match=r"sdtm/dm.py declares no READS"):
        run_study(study, tmp_path / "out", stages=["sdtm"])
    study = make_toy_study(tmp_path / "t", program=PROGRAM.replace('WRITES = ("DM",)', 'WRITES = "DM"'))
    with pytest.raises(DerivationError, match=r"WRITES must be a tuple of names"):
        run_study(study, tmp_path / "out", stages=["sdtm"])


# ----------------------------------------------------------------------------- READS/WRITES: order and errors


def test_run_order_follows_reads_and_writes_ties_keep_the_listed_order():
    p = [Program("adam", "adtte", reads=("ADSL", "ADRS"), writes=("ADTTE",)),
         Program("adam", "adae", reads=("ADSL", "AE"), writes=("ADAE",)),
         Program("adam", "adrs", reads=("ADSL", "RS"), writes=("ADRS",)),
         Program("adam", "adsl", reads=("DM",), writes=("ADSL",))]
    assert [x.name for x in run_order(p)] == ["adsl", "adae", "adrs", "adtte"]
    # an order that is already valid is kept exactly (the embedded study's outputs stay identical)
    valid = [p[3], p[2], p[0], p[1]]
    assert run_order(valid) == valid


def test_embedded_study_order_is_the_listed_order():
    study = Study.load(ROOT)
    for stage in ("sdtm", "adam", "tlf"):
        listed = study.programs(stage)
        assert [p.name for p in run_order([study.program(stage, n) for n in listed])] == listed


def test_a_program_listed_before_its_input_runs_after_it(tmp_path):
    study = make_toy_study(tmp_path / "s", programs={"sdtm/count.py": COUNT}, order={"sdtm": ["count", "dm"]})
    result = run_study(study, tmp_path / "out", stages=["sdtm"])
    assert [f.message for f in result.findings if f.check == "count"] == ["2 subjects"]


def test_a_cycle_is_an_error_naming_the_programs():
    a = Program("adam", "adx", reads=("ADY",), writes=("ADX",))
    b = Program("adam", "ady", reads=("ADX",), writes=("ADY",))
    c = Program("adam", "adsl", reads=("DM",), writes=("ADSL",))
    with pytest.raises(DerivationError) as err:
        run_order([c, a, b])
    assert str(err.value).startswith(
        "programs read each other's outputs (a cycle): adam/adx.py reads ADY written by adam/ady.py; "
        "adam/ady.py reads ADX written by adam/adx.py")
    with pytest.raises(DerivationError, match="adam/adz.py reads ADZ written by adam/adz.py"):
        run_order([Program("adam", "adz", reads=("ADZ",), writes=("ADZ",))])


def test_two_programs_writing_one_dataset_is_an_error():
    with pytest.raises(DerivationError, match="adam/a1.py and adam/a2.py both write ADSL"):
        run_order([Program("adam", "a1", writes=("ADSL",)), Program("adam", "a2", writes=("ADSL",))])


def test_missing_input_names_the_program_that_writes_it(tmp_path):
    adsl = '''
    READS = ("DM",)
    WRITES = ("ADSL",)


    def derive(ctx):
        return {"ADSL": ctx.sdtm["DM"]}
    '''
    study = make_toy_study(tmp_path / "s", programs={"adam/adsl.py": adsl}, order={"sdtm": ["dm"], "adam": ["adsl"]})
    with pytest.raises(DerivationError) as err:
        run_stage(RunContext(Study.load(study)), "adam")
    assert str(err.value) == ("adam/adsl.py reads DM, which is missing: sdtm/dm.py writes it, but the sdtm stage "
                              "did not run (dataset DM): run the sdtm stage too, or read SDTM with --sdtm DIR")
    assert err.value.dataset == "DM"


def test_missing_input_that_no_program_writes(tmp_path):
    study = make_toy_study(tmp_path / "s", program=PROGRAM.replace('READS = ()', 'READS = ("SV",)'))
    with pytest.raises(DerivationError, match=r"sdtm/dm.py reads SV, which is missing: no program listed in "
                                              r"study.toml writes SV and it was not read from an SDTM folder"):
        run_study(study, tmp_path / "out", stages=["sdtm"])
    assert not (tmp_path / "out").exists()


def test_undeclared_output_and_undelivered_output_are_errors(tmp_path):
    extra = PROGRAM.replace('return {"DM": dm}', 'return {"DM": dm, "SUPPDM": dm}')
    study = make_toy_study(tmp_path / "s", program=extra)
    with pytest.raises(DerivationError, match=r"sdtm/dm.py returned SUPPDM, which it does not declare"):
        run_study(study, tmp_path / "out", stages=["sdtm"])
    lacking = PROGRAM.replace('WRITES = ("DM",)', 'WRITES = ("DM", "SUPPDM")')
    study = make_toy_study(tmp_path / "t", program=lacking)
    with pytest.raises(DerivationError, match=r"sdtm/dm.py declares SUPPDM in WRITES but did not return it"):
        run_study(study, tmp_path / "out", stages=["sdtm"])


def test_undeclared_reads_are_errors(tmp_path):
    study = make_toy_study(tmp_path / "s", programs={"sdtm/count.py": COUNT.replace('READS = ("DM",)', 'READS = ()')},
                           order={"sdtm": ["dm", "count"]})
    with pytest.raises(DerivationError, match=r'sdtm/count.py reads DM but does not declare it.*add "DM" to READS'):
        run_study(study, tmp_path / "out", stages=["sdtm"])
    study = make_toy_study(tmp_path / "t", program=PROGRAM.replace('RAW = ("dm",)', 'RAW = ()'))
    with pytest.raises(RawDataError, match=r'sdtm/dm.py reads raw page dm but does not declare it'):
        run_study(study, tmp_path / "out", stages=["sdtm"])


# ----------------------------------------------------------------------------- conformance to the spec


def test_extra_variable_is_an_error_finding_naming_dataset_variable_and_program(tmp_path):
    study = make_toy_study(tmp_path / "s", program=PROGRAM.replace('return {"DM": dm}',
                                                                   'return {"DM": dm.assign(AGEU="YEARS")}'))
    with pytest.raises(RunFailed) as err:
        run_study(study, tmp_path / "out", stages=["sdtm"])
    found = err.value.findings.select(check="not_in_spec")
    assert [(f.severity, f.dataset, f.variable) for f in found] == [("error", "DM", "AGEU")]
    assert "derived by sdtm/dm.py is not in the spec" in found[0].message
    assert not (tmp_path / "out").exists()


def test_pipeline_selects_orders_casts_and_sorts_to_the_spec(tmp_path):
    # the program returns its columns out of order, unsorted, AGE as text-typed float, RFSTDTC all missing
    shuffled = PROGRAM.replace('return {"DM": dm}', '''dm["AGE"] = dm["AGE"].astype(float)
    dm["RFSTDTC"] = float("nan")
    return {"DM": dm[["SEX", "AGE", "USUBJID", "DOMAIN", "STUDYID", "RFSTDTC"]].iloc[::-1]}''')
    study = make_toy_study(tmp_path / "s", program=shuffled)
    result = run_study(study, tmp_path / "out", stages=["sdtm"])
    dm = result.datasets["sdtm"]["DM"]
    expected = pd.DataFrame({"STUDYID": ["TOY", "TOY"], "DOMAIN": ["DM", "DM"], "USUBJID": ["TOY-001", "TOY-002"],
                             "RFSTDTC": pd.Series([None, None], dtype=object),
                             "AGE": pd.array([61, 57], dtype="Int64"), "SEX": ["M", "F"]})
    pd.testing.assert_frame_equal(dm, expected)
    assert result.findings.errors == []
    frame, meta = pyreadstat.read_xport(str(tmp_path / "out" / "sdtm" / "dm.xpt"))
    assert list(frame.columns) == list(expected.columns) and frame["AGE"].tolist() == [61.0, 57.0]


def test_a_number_with_a_fraction_in_an_integer_variable_is_an_error_naming_the_program(tmp_path):
    study = make_toy_study(tmp_path / "s", program=PROGRAM.replace('pd.to_numeric(raw["AGE"])',
                                                                   'pd.to_numeric(raw["AGE"]) + 0.5'))
    with pytest.raises(RunFailed) as err:
        run_study(study, tmp_path / "out", stages=["sdtm"])
    [found] = err.value.findings.select(check="type")
    assert (found.dataset, found.variable, found.usubjid, found.row, found.value) == ("DM", "AGE", "TOY-001", 1, 61.5)
    assert "derived by sdtm/dm.py" in found.message


def test_embedded_adam_integer_variables_are_nullable_integers(embedded_sdtm_adam):
    adam = embedded_sdtm_adam.datasets["adam"]
    spec = Study.load(ROOT)
    from derivations.spec import read_spec

    spec = read_spec(ROOT / "specs" / "adam_spec.xlsx")
    for name, frame in adam.items():
        for var in spec.dataset(name).variables:
            if var.data_type == "integer" and not var.format:
                assert str(frame[var.name].dtype) == "Int64", (name, var.name)
            if var.data_type == "float":
                assert str(frame[var.name].dtype) == "float64", (name, var.name)
        assert list(frame.columns) == spec.dataset(name).variable_names


# ----------------------------------------------------------------------------- TLF: publishing, ARD, index

TABLE = '''
from derivations.tlf import ColumnSpec, RowSpec, build_table, compute_ard_counts

READS = ("DM",)
WRITES = ("T_SEX",)


def derive(ctx):
    dm = ctx.sdtm["DM"]
    ard = compute_ard_counts(dm, analysis_id="T1", variables=["SEX"], order={"SEX": ["M", "F"]},
                             population=ctx.settings["tlf"]["populations"]["all"])
    table = build_table(ard, title="Sex", table_id="Table 1", rows=[RowSpec("Male", {"group_value": "M"}, "n_pct")],
                        columns=[ColumnSpec(ctx.settings["tlf"]["treatment"]["label"], {})])
    ctx.outputs.publish_table(table, "t_sex")
    return {"T_SEX": ard}
'''

FIGURE = '''
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

READS = ()
WRITES = ()


def derive(ctx):
    fig = plt.figure(figsize=(2, 2))
    ctx.outputs.publish_figure(fig, "f_empty", figure_id="Figure 1", title="Nothing")
    return {}
'''


def test_pipeline_writes_tlf_files_ard_and_the_index(tmp_path):
    study = make_toy_study(tmp_path / "s", programs={"tlf/t_sex.py": TABLE, "tlf/f_empty.py": FIGURE},
                           order={"sdtm": ["dm"], "tlf": ["f_empty", "t_sex"]},
                           settings='''
                           [tlf.populations]
                           all = "USUBJID != ''"
                           [tlf.treatment]
                           label = "Toy drug"
                           ''')
    result = run_study(study, tmp_path / "out")
    tlf = tmp_path / "out" / "tlf"
    assert sorted(p.name for p in tlf.iterdir() if not p.name.startswith(".")) == ["ard", "ars.json", "f_empty.png", "f_empty.rtf", "f_empty.svg",
                                                     "index.html", "t_sex.html", "t_sex.rtf"]
    assert (tlf / "ard" / "t_sex.csv").read_text().count("\n") == len(result.datasets["tlf"]["T_SEX"]) + 1
    index = (tlf / "index.html").read_text()
    # tables before figures, each linking its files
    assert index.index("Table 1") < index.index("Figure 1")
    assert 'href="t_sex.html"' in index and 'href="t_sex.rtf"' in index and 'src="f_empty.png"' in index
    assert "TOY: Toy study" in index
    html = (tlf / "t_sex.html").read_text()
    # the program that made the table is named in it; the date is [study] created
    assert "tlf/t_sex.py" in html and "Toy drug" in html and "2022-07-04" in html


def test_index_refuses_a_link_to_a_file_not_written(tmp_path):
    from derivations.tlf import Output
    from derivations.tlf.publish import write_index

    ctx = RunContext(Study(tmp_path, {"study": {"studyid": "S"}}), stage_dir=tmp_path)
    ctx._published.append(Output("Table 9", "Lost", "table", {"HTML": "t9.html"}))
    with pytest.raises(DerivationError, match="Table 9: linked file t9.html was not written"):
        write_index(ctx)


def test_embedded_study_has_no_index_program_and_population_settings(tmp_path):
    study = Study.load(ROOT)
    assert "index" not in study.programs("tlf") and not (ROOT / "tlf" / "index.py").exists()
    assert {k: v["filter"] for k, v in study.settings["tlf"]["populations"].items()} == {
        "safety": "SAFFL == 'Y'", "efficacy": "EFFFL == 'Y'"}
    assert study.settings["tlf"]["treatment"] == {"label": "Anlotinib + PD-1 inhibitor", "short_label": "Anlo + PD-1"}
    for path in list(ROOT.glob("sdtm/*.py")) + list(ROOT.glob("adam/*.py")) + list(ROOT.glob("tlf/*.py")) + \
            list(ROOT.glob("examples/pharmaverse/adam/*.py")):
        text = path.read_text()
        assert "spec_from_file_location" not in text, path
        assert "if v in" not in text or "spec_vars" not in text, path


# ----------------------------------------------------------------------------- spec method ids in the programs

#: a spec method id as programs name it: MT.AGEGR1, MT.ADRS.AVALC.BOR (upper case: "MT.xxx" is prose)
METHOD_ID = re.compile(r"\bMT\.[A-Z0-9_]+(?:\.[A-Z0-9_]+)*")


def method_tag_gaps(study: Study) -> dict[str, dict[str, list[str]]]:
    """Per program of the SDTM and ADaM stages: the spec methods (variable and value level) of the datasets
    it WRITES that its source never names (``missing``, with the variables using them), and the method
    ids it names that the spec does not define (``unknown``). A study program reads like the spec when
    both are empty."""
    from derivations.spec import read_spec

    gaps: dict[str, dict[str, list[str]]] = {}
    for stage in ("sdtm", "adam"):
        if study.spec_path(stage) is None:
            continue
        spec = read_spec(study.spec_path(stage))
        for name in study.programs(stage):
            program = study.program(stage, name)
            tags = set(METHOD_ID.findall((study.root / stage / f"{name}.py").read_text(encoding="utf-8")))
            used: dict[str, set[str]] = {}
            for ds in [spec.datasets[d] for d in program.writes if d in spec.datasets]:
                for item in [*ds.variables, *ds.value_level]:
                    if item.method:
                        var = item.variable if hasattr(item, "where_clause") else item.name
                        used.setdefault(item.method, set()).add(f"{ds.name}.{var}")
            missing = {m: sorted(v) for m, v in used.items() if m not in tags}
            unknown = sorted(t for t in tags if t not in spec.methods)
            if missing or unknown:
                gaps[program.label] = {"missing": [f"{m} ({', '.join(v)})" for m, v in sorted(missing.items())],
                                       "unknown": unknown}
    return gaps


def test_programs_name_the_spec_method_of_each_block():
    # (examples/pharmaverse: its spec, built from the peer's P21 spec, defines no methods: nothing to name)
    assert method_tag_gaps(Study.load(ROOT)) == {}


def test_method_tag_gaps_finds_an_untagged_method_and_an_unknown_id(tmp_path):
    from derivations.spec import Method, read_spec, write_spec

    study = make_toy_study(tmp_path / "toy")
    spec = read_spec(study / "specs" / "sdtm_spec.xlsx")
    dm = spec.datasets["DM"]
    dm.variables[2] = dataclasses.replace(dm.variables[2], origin="Derived", method="MT.USUBJID")
    spec.methods["MT.USUBJID"] = Method("MT.USUBJID", "USUBJID", "Computation", "TOY-SUBJID")
    write_spec(spec, study / "specs" / "sdtm_spec.xlsx")
    assert method_tag_gaps(Study.load(study)) == {"sdtm/dm.py": {"missing": ["MT.USUBJID (DM.USUBJID)"],
                                                                 "unknown": []}}
    text = (study / "sdtm" / "dm.py").read_text()
    (study / "sdtm" / "dm.py").write_text(text.replace("    dm = pd.DataFrame({", "    # MT.USUBJID, MT.SUBJ\n"
                                                                                      "    dm = pd.DataFrame({"))
    assert method_tag_gaps(Study.load(study)) == {"sdtm/dm.py": {"missing": [], "unknown": ["MT.SUBJ"]}}


# ----------------------------------------------------------------------------- study settings as typed services


def test_populations_are_read_in_one_place_from_study_toml(tmp_path):
    from derivations.study import Population

    assert Study.load(ROOT).populations == {
        "safety": Population("safety", "SAFFL == 'Y'", "Safety population",
                             "subjects who received at least one dose of anlotinib or the PD-1 inhibitor"),
        "efficacy": Population("efficacy", "EFFFL == 'Y'", "Efficacy population",
                               "subjects with measurable disease at baseline (RECIST 1.1) who received at least one "
                               "dose of anlotinib or the PD-1 inhibitor")}
    # the short form: the filter alone, labelled from the name
    study = Study(tmp_path, {"tlf": {"populations": {"safety": "SAFFL == 'Y'", "itt": {"filter": "ITTFL == 'Y'"}}}})
    ctx = RunContext(study)
    assert ctx.population("safety") == Population("safety", "SAFFL == 'Y'", "Safety population")
    assert ctx.population("itt").note(12) == "Itt population (N=12)."
    with pytest.raises(DerivationError, match=r"study.toml \[tlf.populations\] has no population 'efficacy'.*"
                                              r"defined: safety, itt"):
        ctx.population("efficacy")
    with pytest.raises(DerivationError, match=r"\[tlf.populations.bad\] has no filter"):
        Study(tmp_path, {"tlf": {"populations": {"bad": {"label": "Bad"}}}}).populations


def test_pharmaverse_sdtm_helper_names_an_undeclared_dataset():
    study = Study.load(ROOT / "examples" / "pharmaverse")
    adlb = study.program("adam", "adlb")
    shared = sys.modules[adlb.module.__name__.rsplit(".", 1)[0] + "._shared"]
    ctx = RunContext(study, sdtm={"LB": pd.DataFrame({"USUBJID": ["01"]}), "VS": pd.DataFrame()}).for_program(adlb)
    assert shared.sdtm(ctx, "LB")["USUBJID"].tolist() == ["01"]
    with pytest.raises(DerivationError, match=r"adam/adlb.py reads VS but does not declare it"):
        shared.sdtm(ctx, "VS")
