"""The embedded study's define.xml method texts state each rule with the values in force (issue 12),
never a pointer to a program file; the BDS texts are stated from the programs' own tables."""

import re
from pathlib import Path

import pytest

from derivations.adam import VisitWindows
from derivations.define import fill_settings
from derivations.spec import read_spec
from derivations.study import Study

ROOT = Path(__file__).resolve().parents[1]
#: what a method text must not say: a program file, a table "of the program", a function name
POINTERS = re.compile(r"\.py\b|\bof the program\b|\bprogram's\b|\bderive_\w+|\bsee (the )?(table|program)", re.I)


@pytest.fixture(scope="module")
def methods():
    study = Study.load(ROOT)
    out = {}
    for stage in ("sdtm", "adam"):
        spec = read_spec(study.spec_path(stage))
        out.update({f"{stage}:{m.id}": fill_settings(m.description, study.settings) for m in spec.methods.values()})
    return out


def test_no_method_text_points_to_a_program(methods):
    assert {k: t for k, t in methods.items() if POINTERS.search(t)} == {}


def test_the_lab_and_vital_sign_methods_state_their_values(methods):
    # units (sdtm/lb.py UNITS), normal ranges (raw lb_ranges converted), tests (HEMATOLOGY, VITALS)
    assert "HGB g/dL x 10 = g/L, 0 decimals" in methods["sdtm:MT.STRESU"]
    assert "CREAT mg/dL x 88.4 = umol/L, 0 decimals" in methods["sdtm:MT.STRESU"]
    assert "TEMP C as collected, 1 decimal;" in methods["sdtm:MT.STRESU"]
    assert "HGB M 13.0-17.5 g/dL = 130-175 g/L, F 11.5-15.0 g/dL = 115-150 g/L;" in methods["sdtm:MT.LBSTNR"]
    # 0.70 x 88.4 = 61.88 -> 62, 1.20 x 88.4 = 106.08 -> 106 (the LBSTNRLO/HI the program writes)
    assert "CREAT M 0.70-1.20 mg/dL = 62-106 umol/L" in methods["sdtm:MT.LBSTNR"]
    assert "Haematology page (LBCAT HEMATOLOGY, LBSPEC BLOOD): HGB Hemoglobin (g/dL)," in methods["sdtm:MT.LBTESTCD"]
    assert "At the baseline visit only" in methods["sdtm:MT.VSTESTCD"] and "HEIGHT Height (cm)" in \
        methods["sdtm:MT.VSTESTCD"]
    assert "LBSEQ within USUBJID by LBDTC, VISITNUM, LBCAT, LBTESTCD;" in methods["sdtm:MT.SEQ"]
    # windows with their day limits, the selection rule, baseline, on-treatment window in days, CTCAE criteria
    assert ("Baseline (AVISITN 0): ADY <= 1, target 1; Cycle 2 (AVISITN 2): ADY 2 to 32, target 22; Cycle n for "
            "n = 3 to 60 (AVISITN n): ADY 21n - 30 to 21n - 10, target 21n - 20 (Cycle 3: 33 to 53, target 43)"
            ) in methods["adam:MT.BDS.AVISIT"]
    assert "closest to the target day (of two equally close, the later)" in methods["adam:MT.BDS.ANL01FL"]
    assert methods["adam:MT.ONTRTFL"] == (
        "Y when TRTSDT - 0 days <= ADT <= TRTEDT + 30 days (dates compared by day: on treatment from 0 days before "
        "the day of the first dose), or when ADT is missing (a record that cannot be dated counts as on treatment); "
        "blank otherwise.")
    assert "last record with a value on or before TRTSDT per subject and parameter (by ADT; ADLB: then LBSEQ)" \
        in methods["adam:MT.BDS.BASE"]
    # CTCAE grades corrected serum calcium: the computed CACORR is graded, the measured CA is not
    assert ("on the albumin-corrected serum calcium (CACORR); the measured total calcium (CA) has no grade"
            in methods["adam:MT.ADLB.ATOXGR"])
    assert "CACORR: Hypocalcemia (low, mmol/L): grade 4 <1.5 mmol/L;" in methods["adam:MT.ADLB.ATOXGR"]
    assert "CA: " not in methods["adam:MT.ADLB.ATOXGR"] and "CA low" not in methods["adam:MT.ADLB.ATOXDSC"]
    assert "CACORR low: Hypocalcemia; CACORR high: Hypercalcemia" in methods["adam:MT.ADLB.ATOXDSC"]
    assert ("CACORR (mmol/L) = CA + 0.02 * (40 - ALB), with the AVAL of CA (mmol/L), ALB (g/L): the albumin-corrected "
            "serum calcium by Payne's formula in SI units, 0.02 mmol/L calcium per g/L albumin below 40 g/L"
            ) in methods["adam:MT.ADLB.AVAL"]
    assert "one record per USUBJID, VISIT, VISITNUM and LBDTC with a value of every source parameter" \
        in methods["adam:MT.ADLB.AVAL"]
    assert "computed -> PARAMCD CACORR, PARAM 'Calcium, albumin-corrected (mmol/L)', PARAMN 23" \
        in methods["adam:MT.ADLB.PARAM"]
    assert ("LYM: Lymphocyte count decreased (low, 10^9/L): grade 4 <0.2 x 10e9/L; grade 3 <0.5 - 0.2 x 10e9/L; "
            "grade 2 <0.8 - 0.5 x 10e9/L; grade 1 <LLN - 0.8 x 10e9/L |") in methods["adam:MT.ADLB.ATOXGR"]
    assert "HGB low: Anemia;" in methods["adam:MT.ADLB.ATOXDSC"]
    assert "SYSBP: CRIT1 'SYSBP >= 140 mmHg' when SYSBP >= 140;" in methods["adam:MT.ADVS.CRIT1"]


def test_the_on_treatment_text_states_both_windows():
    # [adam] ontrt_start_window and ontrt_end_window as a study sets them
    text = read_spec(Study.load(ROOT).spec_path("adam")).methods["MT.ONTRTFL"].description
    filled = fill_settings(text, {"adam": {"ontrt_start_window": 3, "ontrt_end_window": 14}})
    assert filled.startswith("Y when TRTSDT - 3 days <= ADT <= TRTEDT + 14 days (dates compared by day: on treatment "
                             "from 3 days before the day of the first dose)")


def test_the_window_text_is_the_window_table():
    # every window of adam/_bds.py lies where the text's formula puts it
    windows = Study.load(ROOT).program("adam", "adlb").module.WINDOWS.frame()
    cycles = windows[windows["AVISITN"] >= 3]
    n = cycles["AVISITN"]
    assert (cycles["AWLO"] == 21 * n - 30).all() and (cycles["AWHI"] == 21 * n - 10).all()
    assert (cycles["AWTARGET"] == 21 * n - 20).all() and len(cycles) == 58


def test_describe_windows_spells_out_windows_that_follow_no_formula():
    w = VisitWindows.from_records([("Screening", -1, None, -1, None), ("Week 2", 2, 8, 21, 15),
                                   ("Week 4", 4, 22, 42, 29), ("Week 8", 8, 43, 70, 57), ("End", 99, 71, None, None)],
                                  select="last")
    assert w.describe() == ("Screening (AVISITN -1): ADY <= -1; Week 2 (AVISITN 2): ADY 8 to 21, target 15; "
                            "Week 4 (AVISITN 4): ADY 22 to 42, target 29; Week 8 (AVISITN 8): ADY 43 to 70, "
                            "target 57; End (AVISITN 99): ADY >= 71")
    assert w.selection == "the last record"
    by = VisitWindows.from_records([("Day 1", 1, 1, 1, 1, "HR"), ("Day 1", 1, 1, 3, 2, "BP")], by_vars=["PARAMCD"])
    assert by.describe() == ("PARAMCD HR: Day 1 (AVISITN 1): ADY 1 to 1, target 1. "
                             "PARAMCD BP: Day 1 (AVISITN 1): ADY 1 to 3, target 2")
