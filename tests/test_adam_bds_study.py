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
