"""Findings-class SDTM helpers: wide CRF pages to one record per test, standard units, reference
ranges (derivations.sdtm.results); whole expected frames, boundaries of the rounding."""

import numpy as np
import pandas as pd
import pytest

from derivations.adam import derive_var_anrind
from derivations.findings import DerivationError, Findings
from derivations.sdtm import (ReferenceRanges, TestMap, UnitConversions, derive_findings_records,
                              derive_var_lobxfl, derive_vars_ref_ranges, derive_vars_std_units)
from derivations.testing import expect_dfs_equal

TESTS = TestMap.from_records([
    ("HGB", "HGB", "Hemoglobin", "g/dL", "", "HEMATOLOGY", "BLOOD"),
    ("LYM", "LYM", "Lymphocytes", "10^9/L", "", "HEMATOLOGY", "BLOOD"),
    ("GLU", "GLUC", "Glucose", "mg/dL", "GLUU", "CHEMISTRY", "SERUM"),
], columns=["COLUMN", "TESTCD", "TEST", "ORRESU", "UNITCOL", "CAT", "SPEC"])

UNITS = UnitConversions.from_records([
    ("HGB", "g/dL", "g/L", 10, 0),
    ("LYM", "10^9/L", "10^9/L", 1, 2),
    ("GLUC", "mg/dL", "mmol/L", 0.0555, 1),
    ("GLUC", "mmol/L", "mmol/L", 1, 1),
])

RANGES = ReferenceRanges.from_records([
    ("HGB", "g/dL", "M", "13.0", "17.5"),
    ("HGB", "g/dL", "F", "11.5", "15.0"),
    ("LYM", "10^9/L", "", "1.1", "3.2"),
    ("GLUC", "mg/dL", "", "70", "110"),
    ("GLUC", "mmol/L", "", "3.9", "6.1"),
], columns=["TESTCD", "ORRESU", "SEX", "ORNRLO", "ORNRHI"])


def _page():
    return pd.DataFrame({
        "SUBJID": ["001", "001", "002"], "VISIT": ["Baseline", "Cycle 2", "Baseline"],
        "HGB": ["10.45", "ND", "13.2"], "LYM": ["0.45", "", "<0.1"], "GLU": ["99", "5.4", "HEMOLYSED"],
        "GLUU": ["", "mmol/l", ""]})


def test_wide_page_to_one_record_per_test_in_page_order():
    findings = Findings()
    lb = derive_findings_records(_page(), domain="LB", tests=TESTS, id_vars=["SUBJID", "VISIT"],
                                 findings=findings, dataset_name="lb_page")
    expected = pd.DataFrame([
        ("001", "Baseline", "HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD", "10.45", "g/dL", ""),
        ("001", "Baseline", "LYM", "Lymphocytes", "HEMATOLOGY", "BLOOD", "0.45", "10^9/L", ""),
        ("001", "Baseline", "GLUC", "Glucose", "CHEMISTRY", "SERUM", "99", "mg/dL", ""),
        ("001", "Cycle 2", "HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD", "", "g/dL", "NOT DONE"),
        ("001", "Cycle 2", "GLUC", "Glucose", "CHEMISTRY", "SERUM", "5.4", "mmol/l", ""),   # the unit typed wins
        ("002", "Baseline", "HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD", "13.2", "g/dL", ""),
        ("002", "Baseline", "LYM", "Lymphocytes", "HEMATOLOGY", "BLOOD", "<0.1", "10^9/L", ""),
        ("002", "Baseline", "GLUC", "Glucose", "CHEMISTRY", "SERUM", "HEMOLYSED", "mg/dL", ""),
    ], columns=["SUBJID", "VISIT", "LBTESTCD", "LBTEST", "LBCAT", "LBSPEC", "LBORRES", "LBORRESU", "LBSTAT"])
    expect_dfs_equal(lb, expected, None)
    # the empty LYM cell made no record, and the findings say so
    assert [(f.severity, f.check) for f in findings] == [("note", "findings_not_collected")]
    assert "1 empty result cell(s)" in findings.items[0].message and "LYM 1" in findings.items[0].message


def test_blank_cells_as_not_done_records():
    lb = derive_findings_records(_page(), domain="LB", tests=TESTS, id_vars=["SUBJID", "VISIT"], blank="not done")
    assert len(lb) == 9
    row = lb[(lb["VISIT"] == "Cycle 2") & (lb["LBTESTCD"] == "LYM")]
    assert row[["LBORRES", "LBSTAT"]].values.tolist() == [["", "NOT DONE"]]


def test_page_and_table_errors_name_what_to_fix():
    with pytest.raises(DerivationError, match="GLUU"):
        derive_findings_records(_page().drop(columns="GLUU"), domain="LB", tests=TESTS, id_vars=["SUBJID"],
                                dataset_name="lb_page")
    with pytest.raises(DerivationError, match="twice"):
        TestMap.from_records([("A", "HGB", "Hemoglobin"), ("B", "HGB", "Hemoglobin")])
    with pytest.raises(DerivationError, match="not a test code"):
        TestMap.from_records([("A", "HEMOGLOBIN", "Hemoglobin")])
    with pytest.raises(DerivationError, match="lacks column"):
        UnitConversions.from_records([("HGB", "g/dL", "g/L")], columns=["TESTCD", "ORRESU", "STRESU"])
    with pytest.raises(DerivationError, match="not a positive number"):
        UnitConversions.from_records([("HGB", "g/dL", "g/L", 0, 0)])
    with pytest.raises(DerivationError, match="twice"):
        UnitConversions.from_records([("HGB", "g/dL", "g/L", 10, 0), ("HGB", "G/DL", "g/L", 10, 0)])
    with pytest.raises(DerivationError, match="twice"):
        ReferenceRanges.from_records([("HGB", "g/dL", "13", "17"), ("HGB", "g/dl", "12", "17")])
    with pytest.raises(DerivationError, match="not a number"):
        ReferenceRanges.from_records([("HGB", "g/dL", "13", "high")])
    with pytest.raises(DerivationError, match="two-letter"):
        derive_findings_records(_page(), domain="lab", tests=TESTS, id_vars=["SUBJID"])


def test_standard_units_whole_frame_with_sas_rounding_of_ties():
    lb = pd.DataFrame({
        "USUBJID": "S1",
        "LBTESTCD": ["HGB", "HGB", "HGB", "LYM", "LYM", "GLUC", "GLUC", "GLUC", "HGB"],
        "LBORRES": ["10.45", "9.95", " 8 ", "<0.1", "0.125", "99", "5.45", "HEMOLYSED", ""],
        "LBORRESU": ["g/dL", "G/DL", "g/dL", "10^9/L", "10^9/L", "mg/dL", "mmol/l", "", "g/dL"]})
    out = derive_vars_std_units(lb, domain="LB", conversions=UNITS)
    expected = lb.assign(
        # 10.45 g/dL is 104.5 g/L: half away from zero (SAS) gives 105, pandas' half-to-even 104
        LBSTRESC=["105", "100", "80", "<0.10", "0.13", "5.5", "5.5", "HEMOLYSED", ""],
        LBSTRESN=[105.0, 100.0, 80.0, np.nan, 0.13, 5.5, 5.5, np.nan, np.nan],
        LBSTRESU=["g/L", "g/L", "g/L", "10^9/L", "10^9/L", "mmol/L", "mmol/L", "", ""])
    expect_dfs_equal(out, expected, None)


def test_a_number_without_a_conversion_is_an_error_naming_test_unit_and_subject():
    lb = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "LBTESTCD": ["HGB", "HGB", "ALT"],
                       "LBORRES": ["10", "100", "30"], "LBORRESU": ["g/dL", "g/L", "U/L"]})
    with pytest.raises(DerivationError) as err:
        derive_vars_std_units(lb, domain="LB", conversions=UNITS)
    text = str(err.value)
    assert "2 numeric result(s) have no unit conversion" in text
    assert "'ALT in U/L'" in text and "'HGB in G/L'" in text and "USUBJID S2" in text
    # text results need no conversion
    ok = derive_vars_std_units(lb.assign(LBORRES=["10", "NOT DONE", "POSITIVE"]).iloc[[0]], domain="LB",
                               conversions=UNITS)
    assert ok["LBSTRESN"].tolist() == [100.0]


def test_reference_ranges_most_specific_row_wins_and_are_converted():
    lb = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2", "S2", "S2"],
                       "SEX": ["M", "M", "F", "F", "F", "F"],
                       "LBTESTCD": ["HGB", "LYM", "HGB", "GLUC", "GLUC", "ALB"],
                       "LBORRES": ["10.45", "0.45", "14.2", "99", "", "40"],
                       "LBORRESU": ["g/dL", "10^9/L", "g/dL", "mg/dL", "mg/dL", "g/L"]})
    out = derive_vars_ref_ranges(lb, domain="LB", ranges=RANGES)
    out = derive_vars_std_units(out, domain="LB", conversions=UnitConversions.from_records(
        list(UNITS.rows) + [("ALB", "g/L", "g/L", 1, 0)]))
    out = derive_var_anrind(out, new_var="LBNRIND", source_var="LBSTRESN", low_var="LBSTNRLO", high_var="LBSTNRHI")
    out["LBNRIND"] = out["LBNRIND"].fillna("")
    expected = lb.assign(
        LBORNRLO=["13.0", "1.1", "11.5", "70", "70", ""], LBORNRHI=["17.5", "3.2", "15.0", "110", "110", ""],
        LBSTRESC=["105", "0.45", "142", "5.5", "", "40"], LBSTRESN=[105.0, 0.45, 142.0, 5.5, np.nan, 40.0],
        LBSTRESU=["g/L", "10^9/L", "g/L", "mmol/L", "", "g/L"],
        LBSTNRLO=[130.0, 1.1, 115.0, 3.9, 3.9, np.nan], LBSTNRHI=[175.0, 3.2, 150.0, 6.1, 6.1, np.nan],
        LBNRIND=["LOW", "LOW", "NORMAL", "NORMAL", "", ""])
    expect_dfs_equal(out, expected, None)


def test_a_unit_the_ranges_do_not_cover_is_a_warning_or_an_error():
    lb = pd.DataFrame({"USUBJID": ["S1", "S1"], "SEX": "M", "LBTESTCD": ["HGB", "HGB"],
                       "LBORRES": ["100", "101"], "LBORRESU": ["g/L", "g/L"]})
    with pytest.raises(DerivationError, match="2 HGB record"):
        derive_vars_ref_ranges(lb, domain="LB", ranges=RANGES)
    findings = Findings()
    out = derive_vars_ref_ranges(lb, domain="LB", ranges=RANGES, findings=findings)
    assert out["LBORNRLO"].tolist() == ["", ""]
    assert [(f.check, f.usubjid, f.value) for f in findings] == [("reference_range_missing", "S1", "G/L")]


def test_blfl_where_a_study_still_uses_it_is_the_lobxfl_rule():
    dm = pd.DataFrame({"USUBJID": ["S1"], "RFXSTDTC": ["2021-03-15"]})
    vs = pd.DataFrame({"USUBJID": "S1", "VSTESTCD": "SYSBP", "VSORRES": ["120", "", "131"],
                       "VSDTC": ["2021-03-10", "2021-03-14", "2021-04-05"]})
    out = derive_var_lobxfl(vs, dataset_add=dm, by_vars=["USUBJID", "VSTESTCD"], dtc="VSDTC", result="VSORRES",
                            new_var="VSBLFL")
    assert out["VSBLFL"].tolist() == ["Y", "", ""]


def test_the_tables_print_as_a_reviewer_reads_them():
    text = str(RANGES)
    assert text.splitlines()[0] == "reference ranges (5 rows)"
    assert "  GLUC mmol/L        3.9    6.1" in text
    assert RANGES.keys == ["TESTCD", "ORRESU", "SEX"]
    assert TESTS.qualifiers == ["CAT", "SPEC"]
