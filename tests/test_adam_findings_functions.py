"""admiral's remaining findings functions, each checked on a small input against a whole expected
frame (figures from admiral's documentation and tests, and formulas checked by hand against
published calculator values): compute_egfr, compute_qual_imputation(_dec), derive_var_worst_flag,
derive_var_relative_flag, derive_expected_records, derive_vars_transposed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from derivations.adam import (
    CKD_EPI,
    DuplicateRecordsWarning,
    compute_egfr,
    compute_qual_imputation,
    compute_qual_imputation_dec,
    derive_expected_records,
    derive_var_relative_flag,
    derive_var_worst_flag,
    derive_vars_transposed,
    filter_relative,
)
from derivations.findings import DerivationError
from bds_helpers import expect_frame, frame

T = pd.Timestamp
NaN = float("nan")


# --- compute_egfr --------------------------------------------------------------------------
def test_egfr_matches_the_published_calculator_values_admiral_quotes():
    # NKF CKD-EPI 2021 and Cockcroft-Gault calculators, MDCalc MDRD (admiral's test figures)
    assert round(float(compute_egfr(1.09, "mg/dL", age=55, sex="M", method="CKD-EPI"))) == 80
    assert round(float(compute_egfr(85, "umol/L", age=65, sex="F", method="CKD-EPI"))) == 66
    assert round(float(compute_egfr(1.09, "mg/dL", age=55, sex="M", weight=90, method="CRCL"))) == 97
    assert round(float(compute_egfr(85, "umol/L", age=65, sex="F", weight=60, method="CRCL"))) == 55
    assert round(float(compute_egfr(1.09, "mg/dL", age=55, sex="M", race="WHITE", method="MDRD")), 1) == 70.2
    assert round(float(compute_egfr(85, "umol/L", age=65, sex="F", race="BLACK OR AFRICAN AMERICAN",
                                    method="MDRD")), 1) == 70.6


def test_egfr_by_creatinine_for_a_50_year_old_man_hand_checked():
    # 2021: 142 * (SCr/0.9)^(-0.302 below 0.9, -1.2 above) * 0.9938^50; MDRD 175 * SCr^-1.154 * 50^-0.203;
    # 2009: 141 * (SCr/0.9)^(-0.411 | -1.209) * 0.993^50 (1.0 mg/dL: 141 * 0.8804 * 0.7038 = 87.4)
    scr = [0.6, 1.0, 1.5, 2.0]
    assert np.round(compute_egfr(scr, "mg/dL", age=50, sex="M", method="CKD-EPI")).tolist() == [118, 92, 56, 40]
    assert np.round(compute_egfr(scr, "mg/dL", age=50, sex="M", method="MDRD"), 1).tolist() == [142.6, 79.1, 49.5, 35.5]
    assert np.round(compute_egfr(scr, "mg/dL", age=50, sex="M", method="CKD-EPI-2009"), 1).tolist() == \
        [117.2, 87.4, 53.5, 37.8]
    # 2009, black woman, 60 years, 0.6 mg/dL: 141 * (0.6/0.7)^-0.329 * 0.993^60 * 1.018 * 1.159
    # = 141 * 1.05202 * 0.65612 * 1.018 * 1.159 = 114.8 (the race term is 2009's only)
    assert round(float(compute_egfr(0.6, "mg/dL", age=60, sex="F", race="BLACK OR AFRICAN AMERICAN",
                                    method="CKD-EPI-2009")), 1) == 114.8
    assert round(float(compute_egfr(0.6, "mg/dL", age=60, sex="F", race="BLACK OR AFRICAN AMERICAN",
                                    method="CKD-EPI")), 1) == \
        round(float(compute_egfr(0.6, "mg/dL", age=60, sex="F", method="CKD-EPI")), 1)
    assert compute_egfr(scr, "mg/dL", age=50, sex="M", method="CKD-EPI-2021").tolist() == \
        compute_egfr(scr, "mg/dL", age=50, sex="M", method="CKD-EPI").tolist()
    assert str(CKD_EPI["CKD-EPI-2009"]).endswith("* 1.159 [black]; k 0.7 F/0.9 M, a -0.329 F/-0.411 M")


def test_egfr_on_a_subject_frame_whole_output():
    adsl = frame("USUBJID AGE SEX RACE WTBL CREATBL CREATBLU",
                 ("P01-1001", 55, "M", "WHITE", 90.7, 96.3, "umol/L"),
                 ("P01-1002", 52, "F", "BLACK OR AFRICAN AMERICAN", 68.0, 70.0, "umol/L"),
                 ("P01-1003", 67, "M", "BLACK OR AFRICAN AMERICAN", 85.0, 77.0, "umol/L"),
                 ("P01-1004", 76, "F", "ASIAN", 60.0, 65.0, "umol/L"),
                 ("P01-1005", 70, None, "ASIAN", 60.0, 65.0, "umol/L"),
                 ("P01-1006", 70, "F", "ASIAN", 60.0, None, None))
    out = adsl.assign(EGFR=np.round(compute_egfr(adsl["CREATBL"], adsl["CREATBLU"], age=adsl["AGE"],
                                                 sex=adsl["SEX"], method="CKD-EPI"), 4),
                      CRCL=np.round(compute_egfr(adsl["CREATBL"], adsl["CREATBLU"], age=adsl["AGE"],
                                                 sex=adsl["SEX"], weight=adsl["WTBL"], method="CRCL"), 2))
    # EGFR: admiral's expected values; CRCL by hand: (140 - 55) * 90.7 * 1.23 / 96.3 = 98.47,
    # 88 * 68 * 1.04 / 70 = 88.91, 73 * 85 * 1.23 / 77 = 99.12, 64 * 60 * 1.04 / 65 = 61.44
    expect_frame(out, adsl.assign(EGFR=[80.2293, 89.7175, 94.5453, 84.4646, NaN, NaN],
                                  CRCL=[98.47, 88.91, 99.12, 61.44, NaN, NaN]))


def test_egfr_refuses_an_unknown_unit_a_missing_unit_another_sex_and_crcl_without_weight():
    with pytest.raises(DerivationError, match="creatinine unit not known.*'mmol/L'"):
        compute_egfr([80, 1.0], ["umol/L", "mmol/L"], age=50, sex="M", method="CKD-EPI")
    with pytest.raises(DerivationError, match="creatinine unit missing"):
        compute_egfr([80.0], [None], age=50, sex="M", method="CKD-EPI")
    with pytest.raises(DerivationError, match="sex must be 'M' or 'F'.*'U'"):
        compute_egfr([80.0], "SI", age=50, sex=["U"], method="MDRD")
    with pytest.raises(DerivationError, match="needs weight"):
        compute_egfr(80.0, "SI", age=50, sex="M", method="CRCL")
    with pytest.raises(DerivationError, match="method='CKD-EPI-2012' is not allowed"):
        compute_egfr(80.0, "SI", age=50, sex="M", method="CKD-EPI-2012")


# --- compute_qual_imputation ---------------------------------------------------------------
def test_qual_imputation_every_qualifier_both_types_and_factor():
    values = [">40.1", ">=40.1", ">40", ">=40", "<40.1", "<=40.1", "<40", "<=40", "40", "AB", None]
    got1 = compute_qual_imputation(values, imputation_type=1)
    got10 = compute_qual_imputation(values, imputation_type=1, factor=10)
    got2 = compute_qual_imputation(values, imputation_type=2)
    fill = lambda a: np.round(np.nan_to_num(a, nan=-1.0), 6).tolist()  # noqa: E731
    assert fill(got1) == [40.1, 40.1, 40, 40, 40.1, 40.1, 40, 40, 40, -1, -1]
    assert fill(got10) == [50.1, 40.1, 50, 40, 30.1, 40.1, 30, 40, 40, -1, -1]
    assert fill(got2) == [40.2, 40.1, 41, 40, 40.0, 40.1, 39, 40, 40, -1, -1]
    assert compute_qual_imputation("<40") == 40.0 and round(compute_qual_imputation(">0.05", imputation_type=2), 9) == 0.06
    with pytest.raises(DerivationError, match="imputation_type=3 is not allowed"):
        compute_qual_imputation("<40", imputation_type=3)


def test_qual_imputation_dec_is_the_step_of_the_last_decimal():
    assert compute_qual_imputation_dec("<40.1") == 0.1
    assert np.nan_to_num(compute_qual_imputation_dec(["100", "5.4", " 5.44 ", ">0.005", None]), nan=-1).tolist() == \
        [1.0, 0.1, 0.01, 0.001, -1.0]


# --- derive_var_worst_flag -----------------------------------------------------------------
def test_worst_flag_high_and_low_parameters_ties_latest_first_whole_frame():
    d = lambda day: T(f"2021-04-{day}")  # noqa: E731
    rows = [  # USUBJID PARAMCD AVISIT ADT AVAL WORSTFL (admiral's example; ties broken by the latest ADT)
        ("PAT01", "PARAM01", "BASELINE", d(27), 15.0, "Y"), ("PAT01", "PARAM01", "BASELINE", d(25), 14.0, ""),
        ("PAT01", "PARAM01", "BASELINE", d(23), 15.0, ""), ("PAT01", "PARAM01", "WEEK 1", d(27), 10.0, "Y"),
        ("PAT01", "PARAM01", "WEEK 2", d(30), 12.0, "Y"), ("PAT02", "PARAM01", "SCREENING", d(27), 15.0, "Y"),
        ("PAT02", "PARAM01", "BASELINE", d(25), 14.0, ""), ("PAT02", "PARAM01", "BASELINE", d(23), 15.0, "Y"),
        ("PAT02", "PARAM01", "WEEK 1", d(27), 10.0, "Y"), ("PAT02", "PARAM01", "WEEK 2", d(30), 12.0, "Y"),
        ("PAT01", "PARAM02", "SCREENING", d(27), 15.0, ""), ("PAT01", "PARAM02", "SCREENING", d(25), 14.0, "Y"),
        ("PAT01", "PARAM02", "SCREENING", d(23), 15.0, ""), ("PAT01", "PARAM02", "BASELINE", d(27), 10.0, "Y"),
        ("PAT01", "PARAM02", "WEEK 2", d(30), 12.0, "Y"), ("PAT02", "PARAM02", "SCREENING", d(27), 15.0, "Y"),
        ("PAT02", "PARAM02", "BASELINE", d(25), 14.0, ""), ("PAT02", "PARAM02", "WEEK 1", d(23), 15.0, ""),
        ("PAT02", "PARAM02", "WEEK 1", d(27), 10.0, "Y"), ("PAT02", "PARAM02", "BASELINE", d(30), 12.0, "Y"),
        ("PAT02", "PARAM03", "SCREENING", d(27), 15.0, "Y"), ("PAT02", "PARAM03", "BASELINE", d(25), 14.0, "Y"),
        ("PAT02", "PARAM03", "WEEK 1", d(23), 15.0, "Y"), ("PAT02", "PARAM03", "WEEK 1", d(27), 10.0, ""),
        ("PAT02", "PARAM03", "BASELINE", d(30), 12.0, ""),
        ("PAT02", "TEMP", "WEEK 1", d(27), 39.0, ""),  # neither direction: not flagged
        ("PAT02", "PARAM03", "WEEK 2", d(28), None, "Y"),  # the only value is missing: flagged (admiral)
        ("PAT02", "PARAM03", "WEEK 3", d(28), None, ""), ("PAT02", "PARAM03", "WEEK 3", d(29), 1.0, "Y")]
    expected = frame("USUBJID PARAMCD AVISIT ADT AVAL WORSTFL", *rows)
    out = derive_var_worst_flag(expected.drop(columns="WORSTFL"), by_vars=["USUBJID", "PARAMCD", "AVISIT"],
                                order=["-ADT"], new_var="WORSTFL", param_var="PARAMCD", analysis_var="AVAL",
                                worst_high=["PARAM01", "PARAM03"], worst_low=["PARAM02"])
    expect_frame(out, expected)  # rows in input order


def test_worst_flag_with_filter_and_refusals():
    advs = frame("USUBJID PARAMCD AVISIT AVAL", ("1", "SYSBP", None, 180.0), ("1", "SYSBP", "WEEK 2", 150.0),
                 ("1", "SYSBP", "WEEK 2", 140.0))
    out = derive_var_worst_flag(advs, by_vars=["USUBJID", "PARAMCD"], order=[], new_var="WORSTFL",
                                param_var="PARAMCD", analysis_var="AVAL", worst_high=["SYSBP"], worst_low=[],
                                filter="AVISIT.notna()", false_value=None)
    expect_frame(out, advs.assign(WORSTFL=[None, "Y", None]))
    tied = frame("USUBJID PARAMCD AVAL", ("1", "SYSBP", 150.0), ("1", "SYSBP", 150.0))
    with pytest.warns(DuplicateRecordsWarning, match="derive_var_worst_flag \\(WORSTFL\\): 1 group"):
        out = derive_var_worst_flag(tied, by_vars=["USUBJID", "PARAMCD"], order=[], new_var="WORSTFL",
                                    param_var="PARAMCD", analysis_var="AVAL", worst_high=["SYSBP"], worst_low=[])
    expect_frame(out, tied.assign(WORSTFL=["Y", ""]))  # the first in input order
    with pytest.raises(DerivationError, match="SYSBP in both worst_high and worst_low"):
        derive_var_worst_flag(advs, by_vars=["USUBJID"], order=[], new_var="W", param_var="PARAMCD",
                              analysis_var="AVAL", worst_high=["SYSBP"], worst_low=["SYSBP"])
    with pytest.raises(DerivationError, match="DIABP not in PARAMCD"):
        derive_var_worst_flag(advs, by_vars=["USUBJID"], order=[], new_var="W", param_var="PARAMCD",
                              analysis_var="AVAL", worst_high=["SYSBP", "DIABP"], worst_low=[])


# --- derive_var_relative_flag --------------------------------------------------------------
def test_relative_flag_up_to_the_first_progression_whole_frame():
    expected = frame("USUBJID AVISITN AVALC ANL02FL",
                     ("1", 0, "PR", "Y"), ("1", 1, "CR", "Y"), ("1", 2, "CR", "Y"), ("1", 3, "SD", "Y"),
                     ("1", 4, "NE", "Y"), ("2", 0, "SD", "Y"), ("2", 1, "PD", "Y"), ("2", 2, "PD", None),
                     ("3", 0, "SD", "Y"), ("4", 0, "SD", "Y"), ("4", 1, "PR", "Y"), ("4", 2, "PD", "Y"),
                     ("4", 3, "SD", None), ("4", 4, "PR", None))
    shuffled = expected.drop(columns="ANL02FL").iloc[[13, 2, 7, 0, 5, 11, 1, 9, 3, 12, 4, 6, 8, 10]]
    out = derive_var_relative_flag(shuffled, by_vars=["USUBJID"], order=["AVISITN"], new_var="ANL02FL",
                                   condition="AVALC == 'PD'", mode="first", selection="before", inclusive=True)
    assert out.index.tolist() == shuffled.index.tolist()  # records stay where they were
    expect_frame(out, expected, keys=["USUBJID", "AVISITN"])


def test_relative_flag_after_the_first_covid_ae_and_the_other_modes():
    adae = frame("USUBJID ASTDY ACOVFL AESEQ", ("1", 2, None, 1), ("1", 5, "Y", 2), ("1", 5, None, 3),
                 ("1", 17, None, 4), ("1", 27, "Y", 5), ("1", 32, None, 6), ("2", 8, None, 1), ("2", 11, None, 2))
    args = dict(by_vars=["USUBJID"], order=["ASTDY", "AESEQ"], condition="ACOVFL == 'Y'")
    out = derive_var_relative_flag(adae, new_var="PSTCOVFL", mode="first", selection="after", inclusive=False,
                                   flag_no_ref_groups=False, **args)
    expect_frame(out, adae.assign(PSTCOVFL=[None, None, "Y", "Y", "Y", "Y", None, None]))
    out = derive_var_relative_flag(adae, new_var="PRELAST", mode="last", selection="before", inclusive=False,
                                   false_value="N", **args)
    expect_frame(out, adae.assign(PRELAST=["Y", "Y", "Y", "Y", "N", "N", "Y", "Y"]))
    out = derive_var_relative_flag(adae, new_var="FROMLAST", mode="last", selection="after", inclusive=True,
                                   flag_no_ref_groups=False, **args)
    expect_frame(out, adae.assign(FROMLAST=[None, None, None, None, "Y", "Y", None, None]))
    with pytest.raises(DerivationError, match="selection='between' is not allowed"):
        derive_var_relative_flag(adae, new_var="X", mode="first", selection="between", inclusive=True, **args)
    with pytest.raises(DerivationError, match="have more than one record"):
        derive_var_relative_flag(adae, by_vars=["USUBJID"], order=["ASTDY"], condition="ACOVFL == 'Y'",
                                 new_var="X", mode="first", selection="after", inclusive=True, check_type="error")


def test_filter_relative_keeps_what_the_relative_flag_flags_in_input_order():
    adrs = frame("USUBJID AVISITN AVALC", ("1", 3, "PR"), ("1", 1, "SD"), ("1", 2, "PD"), ("2", 1, "PR"),
                 ("1", 4, "PD"))
    args = dict(by_vars=["USUBJID"], order=["AVISITN"], condition="AVALC == 'PD'")
    expect_frame(filter_relative(adrs, mode="first", selection="after", inclusive=True, **args),
                 frame("USUBJID AVISITN AVALC", ("1", 3, "PR"), ("1", 2, "PD"), ("2", 1, "PR"), ("1", 4, "PD")))
    expect_frame(filter_relative(adrs, mode="last", selection="before", inclusive=False, keep_no_ref_groups=False,
                                 **args),
                 frame("USUBJID AVISITN AVALC", ("1", 3, "PR"), ("1", 1, "SD"), ("1", 2, "PD")))


# --- derive_expected_records ---------------------------------------------------------------
ADQS = frame("USUBJID PARAMCD AVISITN AVISIT AVAL", ("1", "a", 1, "WEEK 1", 10.0), ("1", "b", 1, "WEEK 1", 11.0),
             ("2", "a", 2, "WEEK 2", 12.0), ("2", "b", 2, "WEEK 2", 14.0))


def test_expected_records_visits_for_every_parameter_sorted_as_admiral():
    visits = frame("AVISITN AVISIT", (1, "WEEK 1"), (2, "WEEK 2"))
    out = derive_expected_records(ADQS, dataset_ref=visits, by_vars=["USUBJID", "PARAMCD"],
                                  set_values_to={"DTYPE": "DERIVED"})
    expect_frame(out, frame("USUBJID PARAMCD AVISITN AVISIT AVAL DTYPE",
                            ("1", "a", 1, "WEEK 1", 10.0, None), ("1", "a", 2, "WEEK 2", None, "DERIVED"),
                            ("1", "b", 1, "WEEK 1", 11.0, None), ("1", "b", 2, "WEEK 2", None, "DERIVED"),
                            ("2", "a", 1, "WEEK 1", None, "DERIVED"), ("2", "a", 2, "WEEK 2", 12.0, None),
                            ("2", "b", 1, "WEEK 1", None, "DERIVED"), ("2", "b", 2, "WEEK 2", 14.0, None)))


def test_expected_records_per_parameter_visits():
    visits = frame("PARAMCD AVISITN AVISIT", ("a", 1, "WEEK 1"), ("a", 2, "WEEK 2"), ("b", 1, "WEEK 1"),
                   ("b", 1, "WEEK 1"))  # a repeated row counts once
    out = derive_expected_records(ADQS, dataset_ref=visits, by_vars=["USUBJID", "PARAMCD"],
                                  set_values_to={"DTYPE": "DERIVED"})
    expect_frame(out, frame("USUBJID PARAMCD AVISITN AVISIT AVAL DTYPE",
                            ("1", "a", 1, "WEEK 1", 10.0, None), ("1", "a", 2, "WEEK 2", None, "DERIVED"),
                            ("1", "b", 1, "WEEK 1", 11.0, None), ("2", "a", 1, "WEEK 1", None, "DERIVED"),
                            ("2", "a", 2, "WEEK 2", 12.0, None), ("2", "b", 1, "WEEK 1", None, "DERIVED"),
                            ("2", "b", 2, "WEEK 2", 14.0, None)))
    with pytest.raises(DerivationError, match="required variable.*VISITNUM"):
        derive_expected_records(ADQS, dataset_ref=frame("VISITNUM", (1,)), by_vars=["USUBJID"])


# --- derive_vars_transposed ----------------------------------------------------------------
MERGE = frame("STUDYID USUBJID TESTCD VALUE", ("STUDY01", "P01", "T01", 31.0), ("STUDY01", "P01", "T02", 5.0),
              ("STUDY01", "P02", "T01", 3.0), ("STUDY01", "P03", "T02", 9.0))
SUBJECTS = frame("STUDYID USUBJID VAR1", ("STUDY01", "P01", 3), ("STUDY01", "P02", 31), ("STUDY01", "P03", 42))


def test_transposed_one_column_per_key_and_filter_add():
    out = derive_vars_transposed(SUBJECTS, dataset_add=MERGE, by_vars=["STUDYID", "USUBJID"], key_var="TESTCD",
                                 value_var="VALUE")
    expect_frame(out, SUBJECTS.assign(T01=[31.0, 3.0, NaN], T02=[5.0, NaN, 9.0]))
    out = derive_vars_transposed(SUBJECTS, dataset_add=MERGE, by_vars=["STUDYID", "USUBJID"], key_var="TESTCD",
                                 value_var="VALUE", filter_add="TESTCD == 'T01'", relationship="many-to-one")
    expect_frame(out, SUBJECTS.assign(T01=[31.0, 3.0, NaN]))
    with pytest.raises(DerivationError, match="already in the input dataset"):
        derive_vars_transposed(SUBJECTS.assign(T02=1), dataset_add=MERGE, by_vars=["USUBJID"], key_var="TESTCD",
                               value_var="VALUE")


def test_transposed_atc_paths_with_id_vars_duplicates_and_relationship():
    cm = frame("USUBJID CMREFID CMDECOD", ("BP40257-1001", "1192056", "PARACETAMOL"),
               ("BP40257-1001", "2007001", "SOLUMEDROL"), ("BP40257-1002", "2791596", "SPIRONOLACTONE"))
    paths = [("BP40257-1001", "1", "1192056", "N", "N02"), ("BP40257-1001", "1", "2007001", "D", "D10"),
             ("BP40257-1001", "2", "2007001", "D", "D07"), ("BP40257-1001", "3", "2007001", "H", "H02"),
             ("BP40257-1002", "1", "2791596", "C", "C03")]
    facm = frame("USUBJID FAGRPID FAREFID FATESTCD FASTRESC",
                 *[(u, g, r, f"CMATC{i}CD", code) for u, g, r, c1, c2 in paths for i, code in ((1, c1), (2, c2))])
    by = {"USUBJID": "USUBJID", "CMREFID": "FAREFID"}
    out = derive_vars_transposed(cm, dataset_add=facm, by_vars=by, id_vars=["FAGRPID"], key_var="FATESTCD",
                                 value_var="FASTRESC")
    expect_frame(out, frame("USUBJID CMREFID CMDECOD CMATC1CD CMATC2CD",
                            ("BP40257-1001", "1192056", "PARACETAMOL", "N", "N02"),
                            ("BP40257-1001", "2007001", "SOLUMEDROL", "D", "D10"),
                            ("BP40257-1001", "2007001", "SOLUMEDROL", "D", "D07"),
                            ("BP40257-1001", "2007001", "SOLUMEDROL", "H", "H02"),
                            ("BP40257-1002", "2791596", "SPIRONOLACTONE", "C", "C03")))
    with pytest.raises(DerivationError, match="2 combination\\(s\\) of USUBJID, FAREFID, FATESTCD with more than one"):
        derive_vars_transposed(cm, dataset_add=facm, by_vars=by, key_var="FATESTCD", value_var="FASTRESC")
    for relationship in ("one-to-one", "many-to-one"):
        with pytest.raises(DerivationError, match=f"the join is not {relationship}"):
            derive_vars_transposed(cm, dataset_add=facm, by_vars=by, id_vars=["FAGRPID"], key_var="FATESTCD",
                                   value_var="FASTRESC", relationship=relationship)
