"""ADLB and ADVS of the embedded study: each program on a small hand-made input, whole expected
output (every value computed by hand from the rules printed in the program and the SAP windows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.spec import read_spec
from derivations.study import RunContext, Study
from derivations.testing import expect_dfs_equal

ROOT = Path(__file__).resolve().parents[1]
D = pd.Timestamp
NA = np.nan


@pytest.fixture(scope="module")
def study():
    return Study.load(ROOT)


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"STUDYID": "S", "USUBJID": ["S-1"], "SUBJID": ["1"], "SITEID": ["01"], "TRT01A": ["A"],
                         "TRTSDT": [D("2021-01-10")], "TRTEDT": [D("2021-02-20")], "SAFFL": ["Y"]})


def _run(study, program: str, **sdtm) -> tuple[pd.DataFrame, RunContext]:
    ctx = RunContext(study=study)
    ctx.adam["ADSL"] = _adsl()
    ctx.sdtm.update(sdtm)
    name = program.upper()
    return study.load_program("adam", program)(ctx)[name], ctx


def _lb(rows) -> pd.DataFrame:
    cols = ["LBSEQ", "LBTESTCD", "LBCAT", "VISIT", "VISITNUM", "LBDTC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI"]
    return pd.DataFrame(rows, columns=cols).assign(STUDYID="S", USUBJID="S-1")


LB = [
    (1, "HGB", "HEMATOLOGY", "BASELINE", 1.0, "2021-01-08", 135.0, "g/L", 130.0, 175.0),
    (2, "HGB", "HEMATOLOGY", "CYCLE 2", 102.0, "2021-01-31", 95.0, "g/L", 130.0, 175.0),
    (3, "HGB", "HEMATOLOGY", "UNSCHEDULED", 101.01, "2021-01-27", 105.0, "g/L", 130.0, 175.0),
    (4, "LYM", "HEMATOLOGY", "BASELINE", 1.0, "2021-01-08", 1.5, "10^9/L", 1.1, 3.2),
    (5, "LYM", "HEMATOLOGY", "CYCLE 2", 102.0, "2021-01-31", 0.45, "10^9/L", 1.1, 3.2),
    (6, "LYM", "HEMATOLOGY", "CYCLE 5", 105.0, "2021-04-01", 1.2, "10^9/L", 1.1, 3.2),
    (7, "AST", "CHEMISTRY", "BASELINE", 1.0, "2021-01-08", 30.0, "U/L", 15.0, 40.0),
    (8, "AST", "CHEMISTRY", "CYCLE 2", 102.0, "2021-01-31", 130.0, "U/L", 15.0, 40.0),
    (9, "AST", "CHEMISTRY", "CYCLE 3", 103.0, "2021-02-21", NA, "", 15.0, 40.0),  # NOT DONE
]


def test_adlb_whole_output(study):
    adlb, ctx = _run(study, "adlb", LB=_lb(LB))
    # ADY: 2021-01-08 is day -2 (no day 0), 01-27 day 18, 01-31 day 22, 02-21 day 43, 04-01 day 82.
    # Windows: Baseline .. day 1; Cycle 2 days 2-32 (target 22); Cycle 3 33-53 (43); Cycle 5 75-95 (85).
    # On treatment: after 2021-01-10 up to TRTEDT + 30 = 2021-03-22 (04-01 is not).
    # CTCAE v5.0: Anemia g/L <LLN 1, <100 2; Lymphocyte count decreased <0.5 grade 3;
    # AST increased (normal baseline) >3 - 5 x ULN (120 - 200 U/L) grade 2.
    hgb = ("Hemoglobin (g/L)", 1, "Anemia", "Hemoglobin increased")
    lym = ("Lymphocytes (10^9/L)", 5, "Lymphocyte count decreased", "Lymphocyte count increased")
    ast = ("Aspartate Aminotransferase (U/L)", 12, None, "Aspartate aminotransferase increased")
    cols = ["LBSEQ", "PARAMCD", "PARAM", "PARAMN", "ATOXDSCL", "ATOXDSCH", "PARCAT1", "VISIT", "VISITNUM", "ADT",
            "ADY", "AVISIT", "AVISITN", "AWLO", "AWHI", "AWTARGET", "AWU", "AVAL", "ANRLO", "ANRHI", "ANRIND",
            "ONTRTFL", "ABLFL", "BASE", "BNRIND", "CHG", "PCHG", "R2BASE", "ATOXGRL", "ATOXGRH", "BTOXGRL",
            "BTOXGRH", "SHIFT1", "ANL01FL", "ASEQ"]
    b, c2, c3, c5 = ("Baseline", 0.0, NA, 1.0, 1.0), ("Cycle 2", 2.0, 2.0, 32.0, 22.0), \
        ("Cycle 3", 3.0, 33.0, 53.0, 43.0), ("Cycle 5", 5.0, 75.0, 95.0, 85.0)
    rows = [
        (1, "HGB", *hgb, "HEMATOLOGY", "BASELINE", 1.0, D("2021-01-08"), -2, *b, "DAYS", 135.0, 130.0, 175.0,
         "NORMAL", None, "Y", 135.0, "NORMAL", NA, NA, NA, "0", "0", "0", "0", None, "Y", 1),
        (3, "HGB", *hgb, "HEMATOLOGY", "UNSCHEDULED", 101.01, D("2021-01-27"), 18, *c2, "DAYS", 105.0, 130.0, 175.0,
         "LOW", "Y", None, 135.0, "NORMAL", -30.0, -100 * 30 / 135, 105 / 135, "1", "0", "0", "0", "NORMAL to LOW",
         None, 2),
        (2, "HGB", *hgb, "HEMATOLOGY", "CYCLE 2", 102.0, D("2021-01-31"), 22, *c2, "DAYS", 95.0, 130.0, 175.0,
         "LOW", "Y", None, 135.0, "NORMAL", -40.0, -100 * 40 / 135, 95 / 135, "2", "0", "0", "0", "NORMAL to LOW",
         "Y", 3),
        (4, "LYM", *lym, "HEMATOLOGY", "BASELINE", 1.0, D("2021-01-08"), -2, *b, "DAYS", 1.5, 1.1, 3.2,
         "NORMAL", None, "Y", 1.5, "NORMAL", NA, NA, NA, "0", "0", "0", "0", None, "Y", 4),
        (5, "LYM", *lym, "HEMATOLOGY", "CYCLE 2", 102.0, D("2021-01-31"), 22, *c2, "DAYS", 0.45, 1.1, 3.2,
         "LOW", "Y", None, 1.5, "NORMAL", -1.05, -70.0, 0.3, "3", "0", "0", "0", "NORMAL to LOW", "Y", 5),
        (6, "LYM", *lym, "HEMATOLOGY", "CYCLE 5", 105.0, D("2021-04-01"), 82, *c5, "DAYS", 1.2, 1.1, 3.2,
         "NORMAL", None, None, 1.5, "NORMAL", -0.3, -20.0, 0.8, "0", "0", "0", "0", "NORMAL to NORMAL", "Y", 6),
        (7, "AST", *ast, "CHEMISTRY", "BASELINE", 1.0, D("2021-01-08"), -2, *b, "DAYS", 30.0, 15.0, 40.0,
         "NORMAL", None, "Y", 30.0, "NORMAL", NA, NA, NA, None, "0", None, "0", None, "Y", 7),
        (8, "AST", *ast, "CHEMISTRY", "CYCLE 2", 102.0, D("2021-01-31"), 22, *c2, "DAYS", 130.0, 15.0, 40.0,
         "HIGH", "Y", None, 30.0, "NORMAL", 100.0, 100 * 100 / 30, 130 / 30, None, "2", None, "0",
         "NORMAL to HIGH", "Y", 8),
        (9, "AST", *ast, "CHEMISTRY", "CYCLE 3", 103.0, D("2021-02-21"), 43, *c3, "DAYS", NA, 15.0, 40.0,
         None, "Y", None, 30.0, "NORMAL", NA, NA, NA, None, None, None, "0", "NORMAL to NULL", None, 9),
    ]
    expected = pd.DataFrame(rows, columns=cols).assign(
        STUDYID="S", USUBJID="S-1", SUBJID="1", SITEID="01", TRT01A="A", TRTA="A", SAFFL="Y",
        TRTSDT=D("2021-01-10"), TRTEDT=D("2021-02-20"))
    # ATOXGR: -ATOXGRL when >= 1, ATOXGRH when >= 1, 0 when both are 0 or one is 0 and there is no term the
    # other way (AST has no low term), missing when both are (AST not done); BTOXGR: the baseline record's
    expected["ATOXGR"] = ["0", "-1", "-2", "0", "-3", "0", "0", "2", None]
    expected["BTOXGR"] = ["0"] * 9
    assert sorted(adlb.columns) == sorted(expected.columns)
    expect_dfs_equal(adlb[expected.columns], expected, keys=["USUBJID", "LBSEQ"], tolerance=1e-9, check_kinds=False)
    assert list(ctx.findings) == []


def test_adlb_every_spec_variable_and_nothing_else(study):
    adlb, _ = _run(study, "adlb", LB=_lb(LB))
    assert sorted(adlb.columns) == sorted(read_spec(ROOT / "specs" / "adam_spec.xlsx").dataset("ADLB").variable_names)


def test_adlb_result_in_another_unit_is_an_error(study):
    rows = [LB[0], LB[1][:7] + ("g/dL",) + LB[1][8:]]
    with pytest.raises(DerivationError, match="HGB result in 'g/dL', the parameter is in 'g/L'") as err:
        _run(study, "adlb", LB=_lb(rows))
    assert err.value.usubjid == "S-1" and err.value.variable == "LBSTRESU"


def test_adlb_unknown_test_is_an_error(study):
    rows = [LB[0], (10, "TSH", "CHEMISTRY", "BASELINE", 1.0, "2021-01-08", 2.0, "mU/L", 0.4, 4.0)]
    with pytest.raises(DerivationError, match="LB test\\(s\\) TSH have no parameter"):
        _run(study, "adlb", LB=_lb(rows))


def test_adlb_record_outside_every_window_is_reported(study):
    rows = [LB[0], (2, "HGB", "HEMATOLOGY", "UNSCHEDULED", 160.01, "2025-01-01", 140.0, "g/L", 130.0, 175.0)]
    adlb, ctx = _run(study, "adlb", LB=_lb(rows))
    late = adlb[adlb["LBSEQ"] == 2]
    assert late["AVISIT"].isna().all() and late["ANL01FL"].isna().all()
    # 2021-01-10 -> 2025-01-01: 1452 days later, day 1453; Cycle 60 ends on day 21 x 59 + 1 + 10 = 1250
    assert [(f.check, f.usubjid, f.value) for f in ctx.findings] == [
        ("outside_visit_windows", "S-1", "ADY 1453")]


def _vs(rows) -> pd.DataFrame:
    cols = ["VSSEQ", "VSTESTCD", "VISIT", "VISITNUM", "VSDTC", "VSSTRESN", "VSSTRESU"]
    return pd.DataFrame(rows, columns=cols).assign(STUDYID="S", USUBJID="S-1")


def test_advs_whole_output(study):
    vs = _vs([
        (1, "SYSBP", "BASELINE", 1.0, "2021-01-08", 120.0, "mmHg"),
        (2, "DIABP", "BASELINE", 1.0, "2021-01-08", 75.0, "mmHg"),
        (3, "WEIGHT", "BASELINE", 1.0, "2021-01-08", 64.0, "kg"),
        (4, "HEIGHT", "BASELINE", 1.0, "2021-01-08", 160.0, "cm"),
        (5, "SYSBP", "CYCLE 2", 102.0, "2021-01-31", 150.0, "mmHg"),
        (6, "DIABP", "CYCLE 2", 102.0, "2021-01-31", 90.0, "mmHg"),
        (7, "WEIGHT", "CYCLE 2", 102.0, "2021-01-31", 62.0, "kg"),
    ])
    advs, ctx = _run(study, "advs", VS=vs)
    # MAP = (SYSBP + 2 DIABP) / 3: (120 + 150) / 3 = 90, (150 + 180) / 3 = 110;
    # BMI = WEIGHT / 1.6^2 with the baseline height: 64 / 2.56 = 25, 62 / 2.56 = 24.21875
    cols = ["VSSEQ", "PARAMCD", "PARAM", "PARAMN", "VISIT", "VISITNUM", "ADT", "ADY", "AVISIT", "AVISITN", "AWLO",
            "AWHI", "AWTARGET", "AWU", "AVAL", "ONTRTFL", "ABLFL", "BASE", "CHG", "PCHG", "CRIT1", "CRIT1FL",
            "ANL01FL", "ASEQ"]
    b = ("BASELINE", 1.0, D("2021-01-08"), -2, "Baseline", 0.0, NA, 1.0, 1.0, "DAYS")
    c2 = ("CYCLE 2", 102.0, D("2021-01-31"), 22, "Cycle 2", 2.0, 2.0, 32.0, 22.0, "DAYS")
    sbp, dbp = ("SYSBP", "Systolic Blood Pressure (mmHg)", 1), ("DIABP", "Diastolic Blood Pressure (mmHg)", 2)
    map_, wt = ("MAP", "Mean Arterial Pressure (mmHg)", 3), ("WEIGHT", "Weight (kg)", 6)
    ht, bmi = ("HEIGHT", "Height (cm)", 7), ("BMI", "Body Mass Index (kg/m^2)", 8)
    rows = [
        (1, *sbp, *b, 120.0, None, "Y", 120.0, NA, NA, "SYSBP >= 140 mmHg", "N", "Y", 1),
        (5, *sbp, *c2, 150.0, "Y", None, 120.0, 30.0, 25.0, "SYSBP >= 140 mmHg", "Y", "Y", 2),
        (2, *dbp, *b, 75.0, None, "Y", 75.0, NA, NA, "DIABP >= 90 mmHg", "N", "Y", 3),
        (6, *dbp, *c2, 90.0, "Y", None, 75.0, 15.0, 20.0, "DIABP >= 90 mmHg", "Y", "Y", 4),
        (NA, *map_, *b, 90.0, None, "Y", 90.0, NA, NA, None, None, "Y", 5),
        (NA, *map_, *c2, 110.0, "Y", None, 90.0, 20.0, 100 * 20 / 90, None, None, "Y", 6),
        (3, *wt, *b, 64.0, None, "Y", 64.0, NA, NA, None, None, "Y", 7),
        (7, *wt, *c2, 62.0, "Y", None, 64.0, -2.0, -100 * 2 / 64, None, None, "Y", 8),
        (4, *ht, *b, 160.0, None, "Y", 160.0, NA, NA, None, None, "Y", 9),
        (NA, *bmi, *b, 25.0, None, "Y", 25.0, NA, NA, None, None, "Y", 10),
        (NA, *bmi, *c2, 24.21875, "Y", None, 25.0, -0.78125, -100 * 0.78125 / 25, None, None, "Y", 11),
    ]
    expected = pd.DataFrame(rows, columns=cols).assign(
        STUDYID="S", USUBJID="S-1", SUBJID="1", SITEID="01", TRT01A="A", TRTA="A", SAFFL="Y",
        TRTSDT=D("2021-01-10"), TRTEDT=D("2021-02-20"))
    assert sorted(advs.columns) == sorted(read_spec(ROOT / "specs" / "adam_spec.xlsx").dataset("ADVS").variable_names)
    expect_dfs_equal(advs[expected.columns], expected, keys=["USUBJID", "ASEQ"], tolerance=1e-9, check_kinds=False)
    assert list(ctx.findings) == []


# --------------------------------------------------------------------------- albumin-corrected calcium
CA_ROWS = [  # CA in mmol/L (range 2.15-2.54), ALB in g/L (range 40-55); one sample per visit
    (1, "CA", "CHEMISTRY", "BASELINE", 1.0, "2021-01-08", 2.30, "mmol/L", 2.15, 2.54),
    (2, "ALB", "CHEMISTRY", "BASELINE", 1.0, "2021-01-08", 45.0, "g/L", 40.0, 55.0),
    (3, "CA", "CHEMISTRY", "CYCLE 2", 102.0, "2021-01-31", 2.00, "mmol/L", 2.15, 2.54),
    (4, "ALB", "CHEMISTRY", "CYCLE 2", 102.0, "2021-01-31", 30.0, "g/L", 40.0, 55.0),
    (5, "CA", "CHEMISTRY", "CYCLE 3", 103.0, "2021-02-21", 2.10, "mmol/L", 2.15, 2.54),
    (6, "ALB", "CHEMISTRY", "CYCLE 3", 103.0, "2021-02-21", 50.0, "g/L", 40.0, 55.0),
    (7, "CA", "CHEMISTRY", "UNSCHEDULED", 103.01, "2021-03-01", 2.80, "mmol/L", 2.15, 2.54),
    (8, "ALB", "CHEMISTRY", "UNSCHEDULED", 103.01, "2021-03-01", 25.0, "g/L", 40.0, 55.0),
    (9, "CA", "CHEMISTRY", "CYCLE 5", 105.0, "2021-04-01", 2.40, "mmol/L", 2.15, 2.54),
    (10, "ALB", "CHEMISTRY", "CYCLE 5", 105.0, "2021-04-01", NA, "", 40.0, 55.0),  # NOT DONE: no CACORR
]


def test_adlb_corrected_calcium_whole_output(study):
    adlb, ctx = _run(study, "adlb", LB=_lb(CA_ROWS))
    # CACORR = CA + 0.02 x (40 - ALB) mmol/L (Payne): 2.30 - 0.10 = 2.20; 2.00 + 0.20 = 2.20 (the measured 2.00
    # is below the LLN, the corrected value is normal); 2.10 - 0.20 = 1.90; 2.80 + 0.30 = 3.10; none on 04-01.
    # CTCAE v5.0 on CACORR: Hypocalcemia <2.0 - 1.75 grade 2 (1.90); Hypercalcemia >2.9 - 3.1 grade 2 (3.10 is
    # not above 3.1). CA keeps no grade. Hypoalbuminemia: <LLN - 30 g/L grade 1 (30), <30 - 20 grade 2 (25).
    # ADY: 01-08 -2, 01-31 22, 02-21 43, 03-01 51, 04-01 82; windows Baseline, Cycle 2 (2-32, target 22),
    # Cycle 3 (33-53, target 43: 02-21 is analysed, not 03-01), Cycle 5 (75-95, target 85); on treatment up to
    # 2021-03-22. ASEQ by PARAMN (ALB 16, CA 22, CACORR 23), ADT, LBSEQ.
    alb = ("ALB", "Albumin (g/L)", 16, "Hypoalbuminemia", None)
    ca = ("CA", "Calcium (mmol/L)", 22, None, None)
    cc = ("CACORR", "Calcium, albumin-corrected (mmol/L)", 23, "Hypocalcemia", "Hypercalcemia")
    cols = ["LBSEQ", "PARAMCD", "PARAM", "PARAMN", "ATOXDSCL", "ATOXDSCH", "PARCAT1", "VISIT", "VISITNUM", "ADT",
            "ADY", "AVISIT", "AVISITN", "AWLO", "AWHI", "AWTARGET", "AWU", "AVAL", "ANRLO", "ANRHI", "ANRIND",
            "ONTRTFL", "ABLFL", "BASE", "BNRIND", "CHG", "PCHG", "R2BASE", "ATOXGRL", "ATOXGRH", "BTOXGRL",
            "BTOXGRH", "SHIFT1", "ANL01FL", "ASEQ"]
    b = ("BASELINE", 1.0, D("2021-01-08"), -2, "Baseline", 0.0, NA, 1.0, 1.0, "DAYS")
    c2 = ("CYCLE 2", 102.0, D("2021-01-31"), 22, "Cycle 2", 2.0, 2.0, 32.0, 22.0, "DAYS")
    c3 = ("CYCLE 3", 103.0, D("2021-02-21"), 43, "Cycle 3", 3.0, 33.0, 53.0, 43.0, "DAYS")
    un = ("UNSCHEDULED", 103.01, D("2021-03-01"), 51, "Cycle 3", 3.0, 33.0, 53.0, 43.0, "DAYS")
    c5 = ("CYCLE 5", 105.0, D("2021-04-01"), 82, "Cycle 5", 5.0, 75.0, 95.0, 85.0, "DAYS")
    rca, ralb = (2.15, 2.54), (40.0, 55.0)
    rows = [
        (2, *alb, "CHEMISTRY", *b, 45.0, *ralb, "NORMAL", None, "Y", 45.0, "NORMAL", NA, NA, NA,
         "0", None, "0", None, None, "Y", 1),
        (4, *alb, "CHEMISTRY", *c2, 30.0, *ralb, "LOW", "Y", None, 45.0, "NORMAL", -15.0, -100 * 15 / 45, 30 / 45,
         "1", None, "0", None, "NORMAL to LOW", "Y", 2),
        (6, *alb, "CHEMISTRY", *c3, 50.0, *ralb, "NORMAL", "Y", None, 45.0, "NORMAL", 5.0, 100 * 5 / 45, 50 / 45,
         "0", None, "0", None, "NORMAL to NORMAL", "Y", 3),
        (8, *alb, "CHEMISTRY", *un, 25.0, *ralb, "LOW", "Y", None, 45.0, "NORMAL", -20.0, -100 * 20 / 45, 25 / 45,
         "2", None, "0", None, "NORMAL to LOW", None, 4),
        (10, *alb, "CHEMISTRY", *c5, NA, *ralb, None, None, None, 45.0, "NORMAL", NA, NA, NA,
         None, None, "0", None, "NORMAL to NULL", None, 5),
        (1, *ca, "CHEMISTRY", *b, 2.30, *rca, "NORMAL", None, "Y", 2.30, "NORMAL", NA, NA, NA,
         None, None, None, None, None, "Y", 6),
        (3, *ca, "CHEMISTRY", *c2, 2.00, *rca, "LOW", "Y", None, 2.30, "NORMAL", -0.3, -100 * 0.3 / 2.3, 2 / 2.3,
         None, None, None, None, "NORMAL to LOW", "Y", 7),
        (5, *ca, "CHEMISTRY", *c3, 2.10, *rca, "LOW", "Y", None, 2.30, "NORMAL", -0.2, -100 * 0.2 / 2.3, 2.1 / 2.3,
         None, None, None, None, "NORMAL to LOW", "Y", 8),
        (7, *ca, "CHEMISTRY", *un, 2.80, *rca, "HIGH", "Y", None, 2.30, "NORMAL", 0.5, 100 * 0.5 / 2.3, 2.8 / 2.3,
         None, None, None, None, "NORMAL to HIGH", None, 9),
        (9, *ca, "CHEMISTRY", *c5, 2.40, *rca, "NORMAL", None, None, 2.30, "NORMAL", 0.1, 100 * 0.1 / 2.3,
         2.4 / 2.3, None, None, None, None, "NORMAL to NORMAL", "Y", 10),
        (NA, *cc, "CHEMISTRY", *b, 2.20, *rca, "NORMAL", None, "Y", 2.20, "NORMAL", NA, NA, NA,
         "0", "0", "0", "0", None, "Y", 11),
        (NA, *cc, "CHEMISTRY", *c2, 2.20, *rca, "NORMAL", "Y", None, 2.20, "NORMAL", 0.0, 0.0, 1.0,
         "0", "0", "0", "0", "NORMAL to NORMAL", "Y", 12),
        (NA, *cc, "CHEMISTRY", *c3, 1.90, *rca, "LOW", "Y", None, 2.20, "NORMAL", -0.3, -100 * 0.3 / 2.2, 1.9 / 2.2,
         "2", "0", "0", "0", "NORMAL to LOW", "Y", 13),
        (NA, *cc, "CHEMISTRY", *un, 3.10, *rca, "HIGH", "Y", None, 2.20, "NORMAL", 0.9, 100 * 0.9 / 2.2, 3.1 / 2.2,
         "0", "2", "0", "0", "NORMAL to HIGH", None, 14),
    ]
    expected = pd.DataFrame(rows, columns=cols).assign(
        STUDYID="S", USUBJID="S-1", SUBJID="1", SITEID="01", TRT01A="A", TRTA="A", SAFFL="Y",
        TRTSDT=D("2021-01-10"), TRTEDT=D("2021-02-20"))
    # ATOXGR: ALB (low term only) 0 / -1 / 0 / -2 / missing (not done); CA ungraded; CACORR -2 on 1.90
    # (Hypocalcemia 2), 2 on 3.10 (Hypercalcemia 2); BTOXGR the baseline record's (CA: none)
    expected["ATOXGR"] = ["0", "-1", "0", "-2", None] + [None] * 5 + ["0", "0", "-2", "2"]
    expected["BTOXGR"] = ["0"] * 5 + [None] * 5 + ["0"] * 4
    assert sorted(adlb.columns) == sorted(expected.columns)
    expect_dfs_equal(adlb[expected.columns], expected, keys=["USUBJID", "ASEQ"], tolerance=1e-9, check_kinds=False)
    assert list(ctx.findings) == []


def test_adlb_signed_grade_atoxgr_btoxgr_of_three_subjects(study):
    # CTCAE v5.0. S-1 potassium (both directions, 3.5 - 5.1 mmol/L): Hypokalemia <LLN - 3.0 grade 1 (3.2, the
    # baseline: BTOXGR -1), <3.0 - 2.5 grade 3 (2.8); Hyperkalemia >5.5 - 6.0 grade 2 (5.8).
    # S-2 glucose (low term only, 3.9 - 6.1): Hypoglycemia <3.0 - 2.2 grade 2 (2.5); 9.0 is high, which has no
    # grade: ATOXGRL 0 and no high term -> 0. S-3 ALT (high term only, 7 - 40 U/L, normal baseline): 100 U/L is
    # 2.5 x ULN, grade 1 (>ULN - 3 x ULN); not done -> both grades and ATOXGR missing.
    rows = []
    for subj, code, unit, lo, hi, values in (("S-1", "K", "mmol/L", 3.5, 5.1, (3.2, 5.8, 2.8)),
                                             ("S-2", "GLUC", "mmol/L", 3.9, 6.1, (5.0, 2.5, 9.0)),
                                             ("S-3", "ALT", "U/L", 7.0, 40.0, (30.0, 100.0, NA))):
        for seq, (visit, num, dtc), value in zip((1, 2, 3), (("BASELINE", 1.0, "2021-01-08"),
                                                             ("CYCLE 2", 102.0, "2021-01-31"),
                                                             ("CYCLE 3", 103.0, "2021-02-21")), values):
            rows.append((subj, seq, code, "CHEMISTRY", visit, num, dtc, value, unit if value == value else "", lo, hi))
    lb = pd.DataFrame(rows, columns=["USUBJID", "LBSEQ", "LBTESTCD", "LBCAT", "VISIT", "VISITNUM", "LBDTC",
                                     "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI"]).assign(STUDYID="S")
    ctx = RunContext(study=study)
    ctx.adam["ADSL"] = pd.concat([_adsl().assign(USUBJID=s, SUBJID=s[-1]) for s in ("S-1", "S-2", "S-3")],
                                 ignore_index=True)
    ctx.sdtm["LB"] = lb
    adlb = study.load_program("adam", "adlb")(ctx)["ADLB"]
    cols = ["USUBJID", "LBSEQ", "PARAMCD", "AVAL", "ATOXGRL", "ATOXGRH", "ATOXGR", "BTOXGRL", "BTOXGRH", "BTOXGR"]
    expected = pd.DataFrame([
        ("S-1", 1, "K", 3.2, "1", "0", "-1", "1", "0", "-1"),
        ("S-1", 2, "K", 5.8, "0", "2", "2", "1", "0", "-1"),
        ("S-1", 3, "K", 2.8, "3", "0", "-3", "1", "0", "-1"),
        ("S-2", 1, "GLUC", 5.0, "0", None, "0", "0", None, "0"),
        ("S-2", 2, "GLUC", 2.5, "2", None, "-2", "0", None, "0"),
        ("S-2", 3, "GLUC", 9.0, "0", None, "0", "0", None, "0"),
        ("S-3", 1, "ALT", 30.0, None, "0", "0", None, "0", "0"),
        ("S-3", 2, "ALT", 100.0, None, "1", "1", None, "0", "0"),
        ("S-3", 3, "ALT", NA, None, None, None, None, "0", "0"),
    ], columns=cols)
    expect_dfs_equal(adlb[cols], expected, keys=["USUBJID", "LBSEQ"], tolerance=1e-9, check_kinds=False)
    assert list(ctx.findings) == []


# (CA mmol/L, ALB g/L) -> (CACORR, ATOXGRL Hypocalcemia, ATOXGRH Hypercalcemia), range 2.15 - 2.54 mmol/L:
# each CTCAE v5.0 limit met exactly and passed by 0.01 mmol/L, the corrections 0 and +/- 0.02 x 5-10 g/L
CACORR_BOUNDARIES = [
    ((2.00, 30.0), (2.20, "0", "0")),  # the measured 2.00 would be grade 1
    ((2.15, 40.0), (2.15, "0", "0")),  # = LLN
    ((2.24, 45.0), (2.14, "1", "0")),  # < LLN
    ((2.10, 45.0), (2.00, "1", "0")),  # 2.0 is grade 1 (<LLN - 2.0)
    ((2.09, 45.0), (1.99, "2", "0")),
    ((1.85, 45.0), (1.75, "2", "0")),
    ((1.84, 45.0), (1.74, "3", "0")),
    ((1.70, 50.0), (1.50, "3", "0")),
    ((1.69, 50.0), (1.49, "4", "0")),
    ((2.54, 40.0), (2.54, "0", "0")),  # = ULN
    ((2.45, 35.0), (2.55, "0", "1")),
    ((2.80, 35.0), (2.90, "0", "1")),  # 2.9 is grade 1 (>ULN - 2.9)
    ((2.81, 35.0), (2.91, "0", "2")),
    ((2.90, 30.0), (3.10, "0", "2")),
    ((2.91, 30.0), (3.11, "0", "3")),
    ((3.20, 30.0), (3.40, "0", "3")),
    ((3.21, 30.0), (3.41, "0", "4")),
]


def test_adlb_corrected_calcium_value_and_grade_at_the_ctcae_limits(study):
    rows = []
    for i, ((ca, alb), _) in enumerate(CACORR_BOUNDARIES):
        day = (D("2021-01-12") + pd.Timedelta(days=i)).strftime("%Y-%m-%d")  # all on treatment, in Cycle 2
        rows += [(2 * i + 1, "CA", "CHEMISTRY", f"UNSCHEDULED {i}", 101.01 + i / 100, day, ca, "mmol/L", 2.15, 2.54),
                 (2 * i + 2, "ALB", "CHEMISTRY", f"UNSCHEDULED {i}", 101.01 + i / 100, day, alb, "g/L", 40.0, 55.0)]
    adlb, _ = _run(study, "adlb", LB=_lb(rows))
    got = adlb[adlb["PARAMCD"] == "CACORR"].sort_values("ADT")
    assert len(got) == len(CACORR_BOUNDARIES)
    expected = [e for _, e in CACORR_BOUNDARIES]
    assert np.allclose(got["AVAL"].to_numpy(dtype=float), [e[0] for e in expected], rtol=0, atol=1e-12)
    assert list(zip(got["ATOXGRL"], got["ATOXGRH"])) == [(e[1], e[2]) for e in expected]
    measured = adlb[adlb["PARAMCD"] == "CA"]
    assert measured[["ATOXDSCL", "ATOXDSCH", "ATOXGRL", "ATOXGRH"]].isna().all().all()


def test_adlb_corrected_calcium_needs_one_sample_per_visit(study):
    # two calcium results of one visit and date: which albumin goes with which is unknown -> an error
    rows = CA_ROWS[:2] + [(11, "CA", "CHEMISTRY", "BASELINE", 1.0, "2021-01-08", 2.31, "mmol/L", 2.15, 2.54)]
    with pytest.raises(DerivationError, match="CACORR.*not unique per by group"):
        _run(study, "adlb", LB=_lb(rows))
