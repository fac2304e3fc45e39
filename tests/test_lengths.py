"""One truth for character lengths: XPT == Dataset-JSON == define.xml == the data's longest value.

A small study (DM, AE, SUPPAE) is run end to end; every character variable of every dataset is
checked in the three files against lengths worked out by hand: the longest value (bytes, trailing
blanks not counted), the maximum across the datasets for a shared variable (FDA TCG), a SUPP--
dataset's own, never above the spec's length, which stays the maximum allowed.
"""

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from derivations.conformance import check_folder
from derivations.findings import XptError
from derivations.io import read_dataset
from derivations.lengths import (compute_char_length, define_lengths, folder_length_findings, length_findings,
                                 submission_lengths, xpt_file_lengths)
from derivations.pipeline import RunFailed, run_study, validate_folder
from derivations.spec import DatasetSpec, Spec, VariableSpec, read_spec, write_spec
from derivations.xpt import XptVariable, variables_from_spec, write_xpt
from toystudy import make_toy_study, toy_spec

CREATED = dt.datetime(2022, 7, 4)


def _v(ds, name, label, length=None, data_type="text", order=0, **kw):
    return VariableSpec(ds, name, label, data_type, length, order=order, **kw)


def study_spec(aeterm_length: int = 200) -> Spec:
    spec = toy_spec()
    dm = spec.datasets["DM"]
    dm.variables = [dataclasses.replace(v, length=20) if v.name in ("STUDYID", "USUBJID") else v
                    for v in dm.variables]
    spec.datasets["AE"] = DatasetSpec("AE", "Adverse Events", cls="EVENTS", keys=["STUDYID", "USUBJID", "AESEQ"],
                                      variables=[
        _v("AE", "STUDYID", "Study Identifier", 20, order=1, mandatory=True),
        _v("AE", "DOMAIN", "Domain Abbreviation", 2, order=2, mandatory=True),
        _v("AE", "USUBJID", "Unique Subject Identifier", 20, order=3, mandatory=True),
        _v("AE", "AESEQ", "Sequence Number", 8, "integer", order=4, mandatory=True),
        _v("AE", "AETERM", "Reported Term for the Adverse Event", aeterm_length, order=5),
        _v("AE", "AESTDTC", "Start Date/Time of Adverse Event", 19, "date", order=6)])
    spec.datasets["SUPPAE"] = DatasetSpec(
        "SUPPAE", "Supplemental Qualifiers for AE", cls="RELATIONSHIP",
        keys=["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"], variables=[
            _v("SUPPAE", n, label, length, order=i, mandatory=True) for i, (n, label, length) in enumerate([
                ("STUDYID", "Study Identifier", 20), ("RDOMAIN", "Related Domain Abbreviation", 2),
                ("USUBJID", "Unique Subject Identifier", 20), ("IDVAR", "Identifying Variable", 8),
                ("IDVARVAL", "Identifying Variable Value", 200), ("QNAM", "Qualifier Variable Name", 8),
                ("QLABEL", "Qualifier Variable Label", 40), ("QVAL", "Data Value", 200),
                ("QORIG", "Origin", 20)], start=1)])
    return spec


AE_PROGRAM = '''
import pandas as pd

READS = ("DM",)
WRITES = ("AE", "SUPPAE")
RAW = ()


def derive(ctx):
    ae = pd.DataFrame({"STUDYID": "TOY", "DOMAIN": "AE", "USUBJID": ["TOY-001", "TOY-001"], "AESEQ": [1, 2],
                       "AETERM": ["Headache", "Nausea  "], "AESTDTC": ["2021-03", "2021-03-05"]})
    supp = pd.DataFrame({"STUDYID": "TOY", "RDOMAIN": "AE", "USUBJID": "TOY-001", "IDVAR": "AESEQ",
                         "IDVARVAL": "1", "QNAM": "AETRTEM", "QLABEL": "Treatment Emergent Flag", "QVAL": "Y",
                         "QORIG": "Derived"}, index=[0])
    return {"AE": ae, "SUPPAE": supp}
'''

#: what every file must state, worked out by hand. USUBJID: DM has TOY-0002 (8 bytes), so AE's
#: TOY-001 gets 8 too (the study's maximum); SUPPAE keeps its own 7 (the TCG's SUPPQUAL exception).
#: AETERM "Nausea  " is 6 (trailing blanks are padding): "Headache" gives 8. --DTC variables are
#: define.xml DataType date/datetime, which has no Length attribute.
EXPECTED = pd.DataFrame([
    ("AE", "STUDYID", 3, 3), ("AE", "DOMAIN", 2, 2), ("AE", "USUBJID", 8, 8), ("AE", "AETERM", 8, 8),
    ("AE", "AESTDTC", 10, None),
    ("DM", "STUDYID", 3, 3), ("DM", "DOMAIN", 2, 2), ("DM", "USUBJID", 8, 8), ("DM", "RFSTDTC", 10, None),
    ("DM", "SEX", 1, 1),
    ("SUPPAE", "STUDYID", 3, 3), ("SUPPAE", "RDOMAIN", 2, 2), ("SUPPAE", "USUBJID", 7, 7),
    ("SUPPAE", "IDVAR", 5, 5), ("SUPPAE", "IDVARVAL", 1, 1), ("SUPPAE", "QNAM", 7, 7), ("SUPPAE", "QLABEL", 23, 23),
    ("SUPPAE", "QVAL", 1, 1), ("SUPPAE", "QORIG", 7, 7),
], columns=["dataset", "variable", "length", "define"])


def make_study(root: Path, aeterm_length: int = 200) -> Path:
    rows = [{"SUBJID": "001", "RFSTDAT": "2021-03-01", "AGE": "61", "SEX": "M"},
            {"SUBJID": "0002", "RFSTDAT": "2021-04-15", "AGE": "57", "SEX": "F"}]
    make_toy_study(root, rows=rows, programs={"sdtm/ae.py": AE_PROGRAM}, order={"sdtm": ["dm", "ae"]})
    write_spec(study_spec(aeterm_length), root / "specs" / "sdtm_spec.xlsx")
    return root


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lengths")
    study = make_study(root / "study")
    result = run_study(study, root / "out", stages=["sdtm"])
    return study, root / "out", result


def _define_items(path: Path) -> dict[tuple[str, str], str | None]:
    """(dataset, variable) -> the Length attribute of its ItemDef (None: no Length)."""
    text = path.read_text(encoding="utf-8")
    return {(m.group(1), m.group(2)): (re.search(r'Length="(\d+)"', m.group(0)) or [None, None])[1]
            for m in re.finditer(r'<ItemDef OID="IT\.(\w+)\.(\w+)"[^>]*>', text)}


def test_xpt_dataset_json_and_define_state_the_datas_lengths(run):
    _, out, result = run
    folder = out / "sdtm"
    items = _define_items(folder / "define.xml")
    rows = []
    for name in ("AE", "DM", "SUPPAE"):
        frame, meta = read_dataset(folder / f"{name.lower()}.xpt", sas_dates=False)
        doc = json.loads((folder / f"{name.lower()}.json").read_text(encoding="utf-8"))
        json_length = {c["name"]: c.get("length") for c in doc["columns"]}
        for var in meta.variables:
            if var.type != "char":
                continue
            longest = max(len(str(x).rstrip(" ").encode("utf-8")) for x in frame[var.name].fillna(""))
            assert json_length[var.name] == var.length, (name, var.name)
            define = items[(name, var.name)]
            rows.append((name, var.name, var.length, None if define is None else int(define)))
            if name != "SUPPAE" and var.name == "USUBJID":
                assert var.length == 8 and longest == (8 if name == "DM" else 7)  # the study's maximum
            else:
                assert var.length == longest, (name, var.name)
    got = pd.DataFrame(rows, columns=EXPECTED.columns).sort_values(["dataset", "variable"], ignore_index=True)
    expected = EXPECTED.sort_values(["dataset", "variable"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # and the lengths in memory (the one function) are the files'
    lengths = submission_lengths(result.datasets["sdtm"], read_spec(run[0] / "specs" / "sdtm_spec.xlsx"))
    assert lengths == xpt_file_lengths(folder)
    assert define_lengths(folder / "define.xml") == {
        n: {v: d for v, d in lens.items() if items[(n, v)] is not None} for n, lens in lengths.items()}


def test_values_are_unchanged_and_the_files_pass_validate_and_check(run):
    study, out, _ = run
    frame, _ = read_dataset(out / "sdtm" / "ae.xpt", sas_dates=False)
    assert frame["AETERM"].tolist() == ["Headache", "Nausea"]
    doc = json.loads((out / "sdtm" / "ae.json").read_text(encoding="utf-8"))
    assert [r[4] for r in doc["rows"]] == ["Headache", "Nausea"]  # as the XPT holds it
    assert validate_folder(study, out).items == []
    assert [f for f in check_folder(study, out) if f.check in ("xpt_length", "define_length")] == []


def test_rerun_is_byte_identical(run, tmp_path):
    study, out, _ = run
    run_study(study, tmp_path / "again", stages=["sdtm"])
    for name in ("dm.xpt", "ae.xpt", "suppae.xpt", "dm.json", "ae.json", "suppae.json", "define.xml"):
        assert (tmp_path / "again" / "sdtm" / name).read_bytes() == (out / "sdtm" / name).read_bytes(), name


def test_a_file_whose_length_is_not_the_defines_is_an_error_naming_dataset_and_variable(run, tmp_path):
    study, out, result = run
    folder = tmp_path / "out" / "sdtm"
    folder.mkdir(parents=True)
    for f in (out / "sdtm").iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    spec = read_spec(study / "specs" / "sdtm_spec.xlsx")
    dm = result.datasets["sdtm"]["DM"]
    variables = [dataclasses.replace(v, length=20) if v.name == "USUBJID" else v
                 for v in variables_from_spec(spec.dataset("DM"), submission_lengths(result.datasets["sdtm"],
                                                                                     spec)["DM"])]
    write_xpt(dm, folder / "dm.xpt", label="Demographics", variables=variables, created=CREATED)
    want = [("error", "define_length", "DM", "USUBJID", 20,
             "length 20 in the XPT file differs from define.xml's Length 8")]
    for findings in (validate_folder(study, tmp_path / "out"), check_folder(study, tmp_path / "out")):
        got = [(f.severity, f.check, f.dataset, f.variable, f.value, f.message) for f in findings
               if f.check in ("xpt_length", "define_length")]
        assert got == want
    # above the spec's length (the maximum allowed): an error even where the define agrees
    variables = [XptVariable(v.name, v.label, v.type, 21 if v.name == "USUBJID" else v.length, v.format)
                 for v in variables]
    write_xpt(dm, folder / "dm.xpt", label="Demographics", variables=variables, created=CREATED)
    got = {(f.check, f.dataset, f.variable, f.value) for f in folder_length_findings(folder, spec)}
    assert got == {("xpt_length", "DM", "USUBJID", 21), ("define_length", "DM", "USUBJID", 21)}
    assert [(f.check, f.message) for f in validate_folder(study, tmp_path / "out") if f.check == "xpt_length"] == [
        ("xpt_length", "length 21 in the file is above the spec's length 20, the maximum allowed")]


def test_a_value_longer_than_the_spec_length_is_still_an_error(tmp_path):
    study = make_study(tmp_path / "study", aeterm_length=6)
    with pytest.raises(RunFailed) as info:
        run_study(study, tmp_path / "out", stages=["sdtm"])
    errors = [(f.check, f.dataset, f.variable, f.value) for f in info.value.findings.errors]
    assert errors == [("length", "AE", "AETERM", "Headache")]
    assert not (tmp_path / "out").exists()
    # the writer refuses it too: the fitted length is never above the spec's
    spec = study_spec(aeterm_length=6)
    ae = pd.DataFrame({"STUDYID": "TOY", "DOMAIN": "AE", "USUBJID": "TOY-001", "AESEQ": [1.0],
                       "AETERM": ["Headache"], "AESTDTC": ["2021-03"]})
    lengths = submission_lengths({"AE": ae}, spec)
    assert lengths["AE"]["AETERM"] == 6
    with pytest.raises(XptError, match="value of 8 bytes is longer than the variable's length 6"):
        write_xpt(ae, tmp_path / "ae.xpt", variables=variables_from_spec(spec.dataset("AE"), lengths["AE"]),
                  created=CREATED)


def test_submission_lengths_shared_supp_and_spec_maximum():
    def ds(name, **lengths):
        return DatasetSpec(name, name, variables=[_v(name, v, v, n) for v, n in lengths.items()]
                           + [_v(name, "VISITNUM", "VISITNUM", 8, "float")])
    spec = Spec(datasets={"TV": ds("TV", STUDYID=20, VISIT=10), "SV": ds("SV", STUDYID=20, VISIT=20),
                          "SUPPSV": ds("SUPPSV", STUDYID=20, QVAL=200), "XX": ds("XX", STUDYID=20)})
    data = {"TV": pd.DataFrame({"STUDYID": ["S1"], "VISIT": ["WEEK 6"], "VISITNUM": [2.0]}),
            "sv": pd.DataFrame({"STUDYID": ["STUDY-22"], "VISIT": ["UNSCHEDULED 1"], "VISITNUM": [2.1]}),
            "SUPPSV": pd.DataFrame({"STUDYID": ["S1"], "QVAL": [None], "VISITNUM": [1.0]}),
            "NOSPEC": pd.DataFrame({"STUDYID": ["A-LONG-STUDY-ID"]})}
    assert submission_lengths(data, spec) == {
        "SUPPSV": {"STUDYID": 2, "QVAL": 1},          # its own; an all-missing column is 1
        "SV": {"STUDYID": 8, "VISIT": 13},
        "TV": {"STUDYID": 8, "VISIT": 10},            # the study's 13, but TV's spec allows 10
    }
    assert compute_char_length(pd.Series(["Ä", "AB ", None])) == 2  # bytes: Ä is 2 in UTF-8
    assert compute_char_length(pd.Series(dtype=object)) == 1


def test_length_findings_compare_with_spec_and_define_only_where_they_state_one():
    files = {"DM": {"USUBJID": 8, "SEX": 1, "RFSTDTC": 10}, "AE": {"AETERM": 30}}
    found = length_findings(files, spec={"DM": {"USUBJID": 8, "SEX": 1}, "AE": {"AETERM": 20}},
                            define={"DM": {"USUBJID": 8, "SEX": 2}})
    assert [(f.check, f.dataset, f.variable, f.value) for f in found] == [
        ("define_length", "DM", "SEX", 1), ("xpt_length", "AE", "AETERM", 30)]
