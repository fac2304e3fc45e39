"""Spec reader: P21 layout, codes as text, consistency checks."""

from pathlib import Path

import openpyxl
import pytest

from derivations.findings import SpecError
from derivations.spec import (Codelist, DatasetSpec, Method, Spec, Term, ValueLevelSpec, VariableSpec, assert_spec,
                              check_spec, read_spec, write_spec)
from toystudy import toy_spec

PEER_SPEC = Path(__file__).resolve().parents[2] / "shared/reference/pharmaverse/specs/adams-specs.xlsx"


def test_roundtrip_keeps_every_attribute(tmp_path):
    spec = toy_spec()
    back = read_spec(write_spec(spec, tmp_path / "s.xlsx"))
    assert back.datasets["DM"].variables == spec.datasets["DM"].variables
    assert back.datasets["DM"].keys == ["STUDYID", "USUBJID"]
    assert back.codelists["SEX"] == spec.codelists["SEX"]
    assert back.study["StandardVersion"] == "3.4"


def test_codes_are_read_as_text(tmp_path):
    spec = Spec(datasets={"DM": DatasetSpec("DM", variables=[VariableSpec("DM", "SITEID", "Site", length=2, codelist="SITE", order=1)])},
                codelists={"SITE": Codelist("SITE", terms=(Term("01"), Term("02")))})
    path = write_spec(spec, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Codelists"]
    ws.append(["SITE", "", "", "text", "", "", 3, 3, "", "", "No"])  # a code typed as a number
    wb.save(path)
    assert read_spec(path).codelists["SITE"].values == ["01", "02", "3"]


def test_missing_sheet_is_named(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Datasets"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(SpecError, match="no sheet 'Variables'"):
        read_spec(tmp_path / "bad.xlsx")


def test_check_spec_names_undefined_codelist_and_method():
    spec = toy_spec()
    dm = spec.datasets["DM"]
    dm.variables.append(VariableSpec("DM", "RACE", "Race", length=40, codelist="RACE", method="MT.RACE", order=7))
    errors = [f for f in check_spec(spec) if f.severity == "error"]
    assert [(f.check, f.variable, f.value) for f in errors] == [
        ("spec_codelist", "RACE", "RACE"), ("spec_method", "RACE", "MT.RACE")]
    with pytest.raises(SpecError, match="codelist RACE is not defined"):
        assert_spec(spec)
    spec.methods["MT.RACE"] = Method("MT.RACE", "Race", "Computation", "as collected")
    spec.codelists["RACE"] = Codelist("RACE", terms=(Term("ASIAN"),))
    assert_spec(spec)


def test_check_spec_flags_long_label_and_bad_name():
    spec = toy_spec()
    spec.datasets["DM"].variables.append(VariableSpec("DM", "TOOLONGNAME", "x" * 41, length=1, order=8))
    checks = sorted((f.check, f.variable) for f in check_spec(spec) if f.severity == "error")
    assert checks == [("spec_label", "TOOLONGNAME"), ("spec_name", "TOOLONGNAME")]


@pytest.mark.skipif(not PEER_SPEC.exists(), reason="shared reference data not present")
def test_reads_the_real_pinnacle21_spec_as_it_is():
    spec = read_spec(PEER_SPEC)
    assert len(spec.datasets) == 30
    assert len(spec.datasets["ADSL"].variables) == 54
    assert spec.datasets["ADSL"].keys == ["STUDYID", "USUBJID"]
    trtsdt = spec.dataset("ADSL").variable("TRTSDT")
    assert (trtsdt.data_type, trtsdt.format, trtsdt.xpt_type) == ("integer", "DATE", "num")
    assert spec.dataset("ADSL").variable("USUBJID").length == 11
    assert [f.check for f in check_spec(spec) if f.severity == "error"] == []


def test_variables_and_value_level_sheets_share_one_column_mapping(tmp_path):
    spec = toy_spec()
    vl = ValueLevelSpec("DM", "AGE", "AGEU EQ 'YEARS'", label="Age in years", data_type="integer", length=3,
                        significant_digits=1, format="3.", mandatory=True, codelist="AGE", origin="CRF",
                        source="Investigator", method="MT.AGE", comment="COM.AGE", order=4)
    spec.datasets["DM"].value_level.append(vl)
    path = write_spec(spec, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["Variables"][1]] == [
        "Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Significant Digits", "Format", "Mandatory",
        "Assigned Value", "Codelist", "Common", "Origin", "Source", "Pages", "Method", "Predecessor", "Role",
        "Has No Data", "Comment"]
    assert [c.value for c in wb["ValueLevel"][1]] == [
        "Order", "Dataset", "Variable", "Where Clause", "Label", "Data Type", "Length", "Significant Digits",
        "Format", "Mandatory", "Assigned Value", "Codelist", "Origin", "Source", "Pages", "Method", "Predecessor",
        "Comment"]
    assert [c.value for c in wb["ValueLevel"][2]] == [
        "4", "DM", "AGE", "AGEU EQ 'YEARS'", "Age in years", "integer", "3", "1", "3.", "Yes", None, "AGE", "CRF",
        "Investigator", None, "MT.AGE", None, "COM.AGE"]
    assert read_spec(path).datasets["DM"].value_level == [vl]


def test_a_bad_whole_number_names_the_sheet_row_and_column(tmp_path):
    path = write_spec(toy_spec(), tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Variables"]["F3"] = "eight"  # Length of DM.DOMAIN (row 3)
    wb["ValueLevel"].append(["1", "dm", "age", "", "", "", "", "2.x"])  # Significant Digits
    wb.save(path)
    with pytest.raises(SpecError, match=r"s\.xlsx Variables row 3 \(DM\.DOMAIN\) Length: 'eight' is not a whole"):
        read_spec(path)
    wb["Variables"]["F3"] = "2"
    wb.save(path)
    with pytest.raises(SpecError, match=r"s\.xlsx ValueLevel row 2: '2\.x' is not a whole number"):
        read_spec(path)
    wb["ValueLevel"]["H2"] = "2"
    wb.save(path)
    assert read_spec(path).datasets["DM"].value_level[0].significant_digits == 2


# --------------------------------------------------------------------------- issue 12: any P21 workbook a team brings

def test_a_p21_workbook_is_read_as_it_is(tmp_path):
    from p21_workbook import write_p21_workbook

    spec = read_spec(write_p21_workbook(tmp_path / "p21.xlsx"))
    assert list(spec.datasets) == ["DM", "AE", "CM", "LBCH", "SUPPAE"]  # the legend rows are not datasets
    assert spec.dataset("CM").label == "Concomitant/Concurrent Medications"  # the Description column
    assert (spec.dataset("LBCH").domain, spec.dataset("DM").domain) == ("LB", "")
    assert [v.name for v in spec.dataset("SUPPAE").variables][-1] == "QVAL"
    assert spec.dataset("AE").variable("AELLT").has_no_data is True
    assert spec.dataset("AE").variable("AEDECOD").has_no_data is False
    lb = spec.dataset("LBCH").value_level
    assert [(v.where_clause, v.label, v.data_type) for v in lb] == [
        ("WC.LBCH.LBTESTCD.ALB", "Albumin", "float"), ("WC.LBCH.LBTESTCD.GLUC.FASTING", "Glucose, fasting", "float")]
    assert spec.where(lb[1]) == [("LBTESTCD", "EQ", ["GLUC"]), ("LBFAST", "EQ", ["Y"])]
    assert spec.where_clauses["WC.LBCH.LBTESTCD.GLUC.FASTING"].comment == "fasting glucose only"
    # no Extensible column: the CT release says (ROUTE extensible, SEX not); a sponsor codelist is not
    assert {c: spec.codelists[c].extensible for c in ("SEX", "ROUTE", "LBTESTCD")} == {
        "SEX": False, "ROUTE": True, "LBTESTCD": False}
    assert spec.dictionaries["WHODRUG"].version == "GLOBAL B3 2023-03"
    assert spec.study["Standard"] == "CDISC SDTM"
    assert [f for f in check_spec(spec) if f.severity == "error"] == []


def test_read_write_read_loses_nothing_that_was_read(tmp_path):
    from p21_workbook import write_p21_workbook

    first = read_spec(write_p21_workbook(tmp_path / "p21.xlsx"))
    second = read_spec(write_spec(first, tmp_path / "ours.xlsx"))
    for part in ("study", "datasets", "codelists", "where_clauses", "dictionaries", "methods", "comments",
                 "documents"):
        assert getattr(second, part) == getattr(first, part), part
    assert "WhereClauses" in openpyxl.load_workbook(tmp_path / "ours.xlsx").sheetnames


def test_a_workbook_read_again_is_a_fresh_copy_of_the_same_spec(tmp_path, monkeypatch):
    import shutil

    import derivations.spec as spec_module

    first = write_spec(toy_spec(), tmp_path / "a.xlsx")
    spec = read_spec(first)
    parsed = []
    monkeypatch.setattr(spec_module, "_Workbook", lambda path: parsed.append(path) or 1 / 0)
    twin = tmp_path / "b" / "a.xlsx"
    twin.parent.mkdir()
    shutil.copy(first, twin)
    again = read_spec(twin)  # the same bytes: not parsed again
    assert parsed == [] and again.path == twin and again.locations == spec.locations
    again.path = first
    assert again == spec
    again.datasets["DM"].variables.pop()  # a caller's change stays its own
    assert read_spec(first).datasets["DM"].variables == spec.datasets["DM"].variables
    monkeypatch.undo()
    wb = openpyxl.load_workbook(twin)
    wb["Variables"].cell(row=2, column=1).value = "=1+1"  # other bytes: read, and the problem raised every time
    wb.save(twin)
    for _ in range(2):
        with pytest.raises(SpecError, match="formula"):
            read_spec(twin)
