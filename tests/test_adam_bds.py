"""BDS findings derivations, each checked on a small input against a whole expected frame:
analysis visit windows and ANL01FL, ANRIND/BNRIND/shift/ratios, ONTRTFL, criterion flags,
BASETYPE/LOCF/summary records, computed parameters, groupings and codelists, exposure
parameters, ATC classes and queries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from derivations.adam import (
    Formula,
    Summary,
    VisitWindows,
    derive_basetype_records,
    derive_locf_records,
    derive_param_bmi,
    derive_param_bsa,
    derive_param_computed,
    derive_param_doseint,
    derive_param_exposure,
    derive_param_map,
    derive_param_qtc,
    derive_param_rr,
    derive_param_wbc_abs,
    derive_summary_records,
    derive_var_analysis_ratio,
    derive_var_anrind,
    derive_var_base,
    derive_var_code,
    derive_var_decode,
    derive_var_dose_reduction_flag,
    derive_var_ontrtfl,
    derive_var_shift,
    derive_var_trtemfl,
    derive_var_window_flag,
    derive_vars_atc,
    derive_vars_cat,
    derive_vars_crit_flag,
    derive_vars_query,
    derive_vars_visit_window,
)
from derivations.findings import DerivationError
from bds_helpers import expect_frame, frame

T = pd.Timestamp
NaN = float("nan")


# --- analysis visit windows ------------------------------------------------------------------
WINDOWS = VisitWindows.from_records([
    ("Baseline", 0, -28, 1, 1), ("Cycle 2", 21, 2, 31, 22), ("Cycle 3", 42, 32, 52, 43)])


def test_visit_windows_assign_each_day_to_one_window_and_flag_the_closest():
    adlb = frame("USUBJID PARAMCD ADY AVAL",
                 ("1", "HGB", -30, 130.0), ("1", "HGB", -28, 131.0), ("1", "HGB", 1, 128.0),
                 ("1", "HGB", 18, 120.0), ("1", "HGB", 26, 118.0), ("1", "HGB", 31, 119.0),
                 ("1", "HGB", 32, 121.0), ("1", "HGB", 60, 110.0), ("2", "HGB", None, 100.0))
    out = derive_vars_visit_window(adlb, windows=WINDOWS)
    out = derive_var_window_flag(out, windows=WINDOWS, by_vars=["USUBJID", "PARAMCD"])
    expected = frame(
        "USUBJID PARAMCD ADY AVAL AVISIT AVISITN AWLO AWHI AWTARGET AWTDIFF AWU ANL01FL",
        ("1", "HGB", -30, 130.0, None, None, None, None, None, None, None, None),  # before every window
        ("1", "HGB", -28, 131.0, "Baseline", 0, -28, 1, 1, 29, "DAYS", None),  # AWLO is in the window
        ("1", "HGB", 1, 128.0, "Baseline", 0, -28, 1, 1, 0, "DAYS", "Y"),
        ("1", "HGB", 18, 120.0, "Cycle 2", 21, 2, 31, 22, 4, "DAYS", "Y"),  # 4 days from 22: tie ...
        ("1", "HGB", 26, 118.0, "Cycle 2", 21, 2, 31, 22, 4, "DAYS", None),  # ... the later would win: see below
        ("1", "HGB", 31, 119.0, "Cycle 2", 21, 2, 31, 22, 9, "DAYS", None),  # AWHI is in the window
        ("1", "HGB", 32, 121.0, "Cycle 3", 42, 32, 52, 43, 11, "DAYS", "Y"),
        ("1", "HGB", 60, 110.0, None, None, None, None, None, None, None, None),  # after every window
        ("2", "HGB", None, 100.0, None, None, None, None, None, None, None, None))  # no study day
    expected.loc[3, "ANL01FL"], expected.loc[4, "ANL01FL"] = None, "Y"  # tie 18 vs 26: the later
    expect_frame(out, expected)


def test_visit_windows_tie_earlier_first_last_highest_and_by_parameter():
    adlb = frame("USUBJID PARAMCD ADY AVAL", ("1", "HGB", 18, 120.0), ("1", "HGB", 26, 118.0),
                 ("1", "HGB", 29, 125.0), ("1", "PLAT", 18, 200.0), ("1", "PLAT", 40, 210.0))
    for select, tie, flags in (("closest", "earlier", ["Y", None, None]), ("first", "later", ["Y", None, None]),
                               ("last", "later", [None, None, "Y"]), ("highest", "later", [None, None, "Y"]),
                               ("lowest", "later", [None, "Y", None])):
        w = VisitWindows.from_records([("Cycle 2", 21, 2, 31, 22, "HGB"), ("Cycle 2", 21, 2, 45, 22, "PLAT")],
                                      by_vars=["PARAMCD"], select=select, tie=tie)
        out = derive_var_window_flag(derive_vars_visit_window(adlb, windows=w), windows=w,
                                     by_vars=["USUBJID", "PARAMCD"])
        got = out["ANL01FL"].astype(object).where(out["ANL01FL"].notna(), None).tolist()
        # PLAT: window 2-45 (parameter-specific); 18 is 4 from the target, 40 is 18 away
        plat = {"closest": ["Y", None], "first": ["Y", None], "last": [None, "Y"], "highest": [None, "Y"],
                "lowest": ["Y", None]}[select]
        assert got == flags + plat, (select, got)


def test_visit_windows_refuse_overlaps_and_print_as_a_table():
    with pytest.raises(DerivationError, match="'Week 2' and 'Week 4' overlap"):
        VisitWindows.from_records([("Week 2", 2, 8, 21, 14), ("Week 4", 4, 21, 35, 28)])
    with pytest.raises(DerivationError, match="starts after it ends"):
        VisitWindows.from_records([("Week 2", 2, 21, 8, 14)])
    text = str(WINDOWS)
    assert text.splitlines()[0].endswith("closest to AWTARGET, ties: later)")
    assert text.splitlines()[2].split() == ["Baseline", "0", "-28", "1", "1"]


# --- reference ranges, shift, ratios -----------------------------------------------------------
def test_anrind_rules_including_one_sided_ranges_and_a1_limits():
    adlb = frame("AVAL ANRLO ANRHI A1LO A1HI",
                 (3.0, 4.0, 10.0, 2.0, 12.0), (4.0, 4.0, 10.0, 2.0, 12.0), (10.0, 4.0, 10.0, 2.0, 12.0),
                 (10.5, 4.0, 10.0, 2.0, 12.0), (1.0, 4.0, 10.0, 2.0, 12.0), (13.0, 4.0, 10.0, 2.0, 12.0),
                 (5.0, 4.0, None, None, None), (3.0, 4.0, None, None, None), (9.0, None, 10.0, None, None),
                 (None, 4.0, 10.0, None, None), (5.0, None, None, None, None), (0.3, 0.1 * 3, 0.5, None, None))
    out = derive_var_anrind(adlb)
    assert out["ANRIND"].tolist() == ["LOW", "NORMAL", "NORMAL", "HIGH", "LOW", "HIGH", "NORMAL", "LOW",
                                      "NORMAL", None, None, "NORMAL"]  # 0.3 vs 3 x 0.1 at 15 digits: equal
    a1 = derive_var_anrind(adlb, use_a1hilo=True)["ANRIND"].tolist()
    assert a1[:6] == ["LOW", "NORMAL", "NORMAL", "HIGH", "LOW LOW", "HIGH HIGH"]


def test_bnrind_shift_and_ratios_whole_frame():
    adlb = frame("USUBJID ABLFL AVAL ANRLO ANRHI",
                 ("1", "Y", 3.0, 4.0, 10.0), ("1", None, 12.0, 4.0, 10.0), ("1", None, None, 4.0, 10.0),
                 ("2", None, 5.0, 4.0, 10.0))
    out = derive_var_anrind(adlb)
    out = derive_var_base(out, by_vars=["USUBJID"], source_var="ANRIND", new_var="BNRIND")
    out = derive_var_base(out, by_vars=["USUBJID"])
    out = derive_var_shift(out, new_var="SHIFT1", from_var="BNRIND", to_var="ANRIND")
    for denom in ("BASE", "ANRLO", "ANRHI"):
        out = derive_var_analysis_ratio(out, denom_var=denom)
    expected = frame(
        "USUBJID ABLFL AVAL ANRLO ANRHI ANRIND BNRIND BASE SHIFT1 R2BASE R2ANRLO R2ANRHI",
        ("1", "Y", 3.0, 4.0, 10.0, "LOW", "LOW", 3.0, "LOW to LOW", 1.0, 0.75, 0.3),
        ("1", None, 12.0, 4.0, 10.0, "HIGH", "LOW", 3.0, "LOW to HIGH", 4.0, 3.0, 1.2),
        ("1", None, None, 4.0, 10.0, None, "LOW", 3.0, "LOW to NULL", None, None, None),
        ("2", None, 5.0, 4.0, 10.0, "NORMAL", None, None, "NULL to NORMAL", None, 1.25, 0.5))
    expect_frame(out, expected)
    restricted = derive_var_shift(adlb.assign(B=["0", "1", None, "0"], A=["2", "1", "0", None]), new_var="S",
                                  from_var="B", to_var="A", filter="AVAL.notna()", sep_value="->")
    assert restricted["S"].tolist() == ["0->2", "1->1", None, "0->NULL"]


# --- on-treatment and criterion flags ----------------------------------------------------------
def test_ontrtfl_admiral_rules_window_pre_timepoint_and_span_period():
    adlb = frame("USUBJID ADT TRTSDT TRTEDT ATPT",
                 ("1", T("2020-01-01"), T("2020-01-01"), T("2020-03-01"), "PRE-DOSE"),
                 ("1", T("2020-01-01"), T("2020-01-01"), T("2020-03-01"), "POST-DOSE"),
                 ("1", T("2019-12-31"), T("2020-01-01"), T("2020-03-01"), None),
                 ("1", T("2020-03-01"), T("2020-01-01"), T("2020-03-01"), None),
                 ("1", T("2020-03-31"), T("2020-01-01"), T("2020-03-01"), None),
                 ("1", T("2020-04-01"), T("2020-01-01"), T("2020-03-01"), None),
                 ("1", None, T("2020-01-01"), T("2020-03-01"), None),
                 ("2", T("2020-02-01"), None, None, None))
    out = derive_var_ontrtfl(adlb, ref_end_window=30, filter_pre_timepoint="ATPT == 'PRE-DOSE'")
    assert out["ONTRTFL"].astype(object).where(out["ONTRTFL"].notna(), None).tolist() == [
        None, "Y", None, "Y", "Y", None, "Y", None]
    cm = frame("ASTDT AENDT TRTSDT TRTEDT",
               (T("2019-06-01"), T("2020-02-01"), T("2020-01-01"), T("2020-03-01")),
               (T("2019-06-01"), None, T("2020-01-01"), T("2020-03-01")),
               (T("2019-06-01"), T("2019-07-01"), T("2020-01-01"), T("2020-03-01")),
               (T("2020-02-01"), T("2019-07-01"), T("2020-01-01"), T("2020-03-01")))
    plain = derive_var_ontrtfl(cm, start_date="ASTDT", end_date="AENDT", false_value="N")
    span = derive_var_ontrtfl(cm, start_date="ASTDT", end_date="AENDT", span_period=True, false_value="N")
    assert plain["ONTRTFL"].tolist() == ["N", "N", "N", "N"]  # the last ends before treatment start
    assert span["ONTRTFL"].tolist() == ["Y", "Y", "N", "N"]


@pytest.mark.parametrize("window", [1, 3])
def test_ontrtfl_start_window_boundaries(window):
    """Days -window .. -1 before the first dose are on treatment, day -window-1 is not; the day of the
    first dose still follows filter_pre_timepoint; the end window is unchanged."""
    first, last, day = T("2020-01-10"), T("2020-03-01"), pd.Timedelta(days=1)
    adt = [first - (window + 1) * day, first - window * day, first - day, first, first, first + day,
           last + 30 * day, last + 31 * day]
    adlb = frame("ADT TRTSDT TRTEDT ATPT", *[(d, first, last, "PRE-DOSE" if i == 3 else None)
                                             for i, d in enumerate(adt)])
    out = derive_var_ontrtfl(adlb, ref_start_window=window, ref_end_window=30, false_value="N",
                             filter_pre_timepoint="ATPT == 'PRE-DOSE'")
    assert out["ONTRTFL"].tolist() == ["N", "Y", "Y", "N", "Y", "Y", "Y", "N"]
    assert derive_var_ontrtfl(adlb, ref_end_window=30, false_value="N",
                              filter_pre_timepoint="ATPT == 'PRE-DOSE'")["ONTRTFL"].tolist() == [
        "N", "N", "N", "N", "Y", "Y", "Y", "N"]  # default 0: as before


def test_ontrtfl_start_window_compares_dates_and_moves_the_start_for_events():
    # a dose at 14:00: a record the day before at 23:00 and one 2 days before at 00:01 (window 1)
    adlb = frame("ADTM TRTSDTM TRTEDTM",
                 (pd.Timestamp("2020-01-09 23:00"), pd.Timestamp("2020-01-10 14:00"), T("2020-03-01")),
                 (pd.Timestamp("2020-01-08 00:01"), pd.Timestamp("2020-01-10 14:00"), T("2020-03-01")),
                 (pd.Timestamp("2020-01-10 09:00"), pd.Timestamp("2020-01-10 14:00"), T("2020-03-01")))
    out = derive_var_ontrtfl(adlb, start_date="ADTM", ref_start_date="TRTSDTM", ref_end_date="TRTEDTM",
                             ref_start_window=1, false_value="N")
    assert out["ONTRTFL"].tolist() == ["Y", "N", "N"]  # same day, before the dose: not a day before
    # events: one that ended the day before the first dose is on treatment with a window of 1, not 0
    cm = frame("ASTDT AENDT TRTSDT TRTEDT",
               (T("2020-01-09"), T("2020-01-09"), T("2020-01-10"), T("2020-03-01")),
               (T("2019-06-01"), T("2020-01-09"), T("2020-01-10"), T("2020-03-01")),
               (T("2019-06-01"), T("2020-01-08"), T("2020-01-10"), T("2020-03-01")))
    for window, plain, span in ((0, ["N", "N", "N"], ["N", "N", "N"]), (1, ["Y", "N", "N"], ["Y", "Y", "N"])):
        assert derive_var_ontrtfl(cm, start_date="ASTDT", end_date="AENDT", ref_start_window=window,
                                  false_value="N")["ONTRTFL"].tolist() == plain, window
        assert derive_var_ontrtfl(cm, start_date="ASTDT", end_date="AENDT", ref_start_window=window,
                                  span_period=True, false_value="N")["ONTRTFL"].tolist() == span, window


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_ontrtfl_windows_are_whole_non_negative_days(bad):
    adlb = frame("ADT TRTSDT TRTEDT", (T("2020-01-10"), T("2020-01-10"), T("2020-03-01")))
    for arg in ("ref_start_window", "ref_end_window"):
        with pytest.raises(DerivationError, match=f"{arg} must be a whole number of days >= 0"):
            derive_var_ontrtfl(adlb, **{arg: bad})


def test_crit_flags_y_only_y_n_and_numeric():
    advs = frame("AVAL", (150.0,), (140.0,), (None,))
    out = derive_vars_crit_flag(advs, condition="AVAL > 140", description="SBP > 140", crit_nr=2)
    expect_frame(out, frame("AVAL CRIT2 CRIT2FL", (150.0, "SBP > 140", "Y"), (140.0, None, None),
                            (None, None, None)))
    yn = derive_vars_crit_flag(advs, condition="AVAL > 140", description="SBP > 140", values_yn=True,
                               create_numeric_flag=True, filter="AVAL.notna()")
    expect_frame(yn, frame("AVAL CRIT1 CRIT1FL CRIT1FN", (150.0, "SBP > 140", "Y", 1.0),
                           (140.0, "SBP > 140", "N", 0.0), (None, None, None, None)))


def test_trtemfl_explicit_n_and_simple_rule():
    ae = frame("ASTDT AENDT TRTSDT TRTEDT",
               (T("2021-01-05"), None, T("2021-01-01"), T("2021-01-31")),
               (T("2020-12-20"), T("2020-12-22"), T("2021-01-01"), T("2021-01-31")),
               (None, None, T("2021-01-01"), T("2021-01-31")),
               (T("2021-03-15"), None, T("2021-01-01"), T("2021-01-31")),
               (T("2021-01-05"), None, None, None))
    admiral = derive_var_trtemfl(ae, end_window=30, false_value="N")["TRTEMFL"].tolist()
    simple = derive_var_trtemfl(ae, end_window=30, rule="start_on_or_after", false_value="N")["TRTEMFL"].tolist()
    assert admiral == ["Y", "N", "Y", "N", "N"]  # missing start: Y (admiral, conservative)
    assert simple == ["Y", "N", "N", "N", "N"]  # missing start: N (ASTDT >= TRTSDT is false)
    # the simple rule needs no AENDT (the pilot's ADAE has none); admiral's does
    no_end = ae.drop(columns="AENDT")
    assert derive_var_trtemfl(no_end, end_window=30, rule="start_on_or_after", false_value="N")["TRTEMFL"].tolist() \
        == ["Y", "N", "N", "N", "N"]
    with pytest.raises(DerivationError, match="AENDT not found"):
        derive_var_trtemfl(no_end)
    with pytest.raises(DerivationError, match="rule="):
        derive_var_trtemfl(ae, rule="sas")


# --- BASETYPE, LOCF and summary records ----------------------------------------------------------
def test_basetype_records_copy_per_definition_and_keep_the_rest():
    advs = frame("USUBJID ATPTN AVAL", ("1", 815.0, 120.0), ("1", 816.0, 118.0), ("1", None, 119.0),
                 ("1", 999.0, 100.0))
    out = derive_basetype_records(advs, basetypes={"LAST: SUPINE": "ATPTN == 815", "LAST: STANDING": "ATPTN == 816",
                                                   "LAST": "ATPTN.isna()"})
    expect_frame(out, frame("USUBJID ATPTN AVAL BASETYPE",
                            ("1", 815.0, 120.0, "LAST: SUPINE"), ("1", 816.0, 118.0, "LAST: STANDING"),
                            ("1", None, 119.0, "LAST"), ("1", 999.0, 100.0, None)))


def test_locf_records_add_and_update():
    advs = frame("USUBJID PARAMCD AVISITN AVISIT AVAL PARAMN",
                 ("1", "DIABP", 0, "BASELINE", 79.0, 2), ("1", "DIABP", 2, "WEEK 2", 80.0, 2),
                 ("1", "DIABP", 4, "WEEK 4", None, 2), ("1", "SYSBP", 2, "WEEK 2", 132.0, 3))
    ref = frame("PARAMCD AVISITN AVISIT", ("DIABP", 0, "BASELINE"), ("DIABP", 2, "WEEK 2"),
                ("DIABP", 4, "WEEK 4"), ("DIABP", 6, "WEEK 6"), ("SYSBP", 0, "BASELINE"), ("SYSBP", 2, "WEEK 2"),
                ("SYSBP", 4, "WEEK 4"))
    out = derive_locf_records(advs, dataset_ref=ref, by_vars=["USUBJID", "PARAMCD"], order=["AVISITN"],
                              keep_vars=["PARAMN"])
    expect_frame(out, frame(
        "USUBJID PARAMCD AVISITN AVISIT AVAL PARAMN DTYPE",
        ("1", "DIABP", 0, "BASELINE", 79.0, 2, None), ("1", "DIABP", 2, "WEEK 2", 80.0, 2, None),
        ("1", "DIABP", 4, "WEEK 4", None, 2, None), ("1", "DIABP", 4, "WEEK 4", 80.0, 2, "LOCF"),
        ("1", "DIABP", 6, "WEEK 6", 80.0, 2, "LOCF"),
        # SYSBP baseline missing and nothing earlier to carry: no record; week 4 carries week 2
        ("1", "SYSBP", 2, "WEEK 2", 132.0, 3, None), ("1", "SYSBP", 4, "WEEK 4", 132.0, 3, "LOCF")))
    updated = derive_locf_records(advs, dataset_ref=ref, by_vars=["USUBJID", "PARAMCD"], order=["AVISITN"],
                                  imputation="update")
    assert len(updated) == len(out) - 1 and updated["AVAL"].notna().all()


def test_summary_records_average_with_missing_by_values_and_reference():
    advs = frame("USUBJID PARAMCD AVISIT AVAL", ("1", "SYSBP", "Week 2", 120.0), ("1", "SYSBP", "Week 2", 124.0),
                 ("1", "SYSBP", None, 130.0), ("1", "SYSBP", "Week 4", None))
    out = derive_summary_records(advs, dataset_add=advs, by_vars=["USUBJID", "PARAMCD", "AVISIT"],
                                 filter_add="AVAL.notna()",
                                 set_values_to={"AVAL": Summary("AVAL", "mean"), "DTYPE": "AVERAGE"})
    expect_frame(out, frame("USUBJID PARAMCD AVISIT AVAL DTYPE",
                            ("1", "SYSBP", "Week 2", 120.0, None), ("1", "SYSBP", "Week 2", 124.0, None),
                            ("1", "SYSBP", None, 130.0, None), ("1", "SYSBP", "Week 4", None, None),
                            ("1", "SYSBP", "Week 2", 122.0, "AVERAGE"), ("1", "SYSBP", None, 130.0, "AVERAGE")))
    ref = frame("USUBJID PARAMCD AVISIT", ("1", "SYSBP", "Week 2"), ("2", "SYSBP", "Week 2"))
    new = derive_summary_records(dataset_add=advs, by_vars=["USUBJID", "PARAMCD", "AVISIT"], dataset_ref=ref,
                                 set_values_to={"AVAL": Summary("AVAL", "max"), "DTYPE": "MAXIMUM"},
                                 missing_values={"DTYPE": "NO DATA"})
    expect_frame(new, frame("USUBJID PARAMCD AVISIT AVAL DTYPE", ("1", "SYSBP", "Week 2", 124.0, "MAXIMUM"),
                            ("2", "SYSBP", "Week 2", None, "NO DATA")))


# --- computed parameters -----------------------------------------------------------------------
VS = frame("USUBJID VISIT PARAMCD AVAL VSSTRESU",
           ("1", "SCREENING", "HEIGHT", 170.0, "cm"), ("1", "SCREENING", "WEIGHT", 75.0, "kg"),
           ("1", "WEEK 2", "WEIGHT", 72.25, "kg"), ("1", "SCREENING", "SYSBP", 120.0, "mmHg"),
           ("1", "SCREENING", "DIABP", 75.0, "mmHg"), ("1", "SCREENING", "PULSE", 60.0, "beats/min"),
           ("1", "WEEK 2", "SYSBP", 130.0, "mmHg"))


def test_bmi_bsa_map_whole_new_records():
    bmi = derive_param_bmi(VS, by_vars=["USUBJID", "VISIT"], unit_var="VSSTRESU", constant_by_vars=["USUBJID"],
                           set_values_to={"PARAM": "Body Mass Index (kg/m^2)"})
    # 75 / 1.7^2 = 25.951557..., 72.25 / 2.89 = 25
    expect_frame(bmi.iloc[len(VS):], frame("USUBJID VISIT PARAMCD AVAL VSSTRESU PARAM",
                                           ("1", "SCREENING", "BMI", 75 / 2.89, None, "Body Mass Index (kg/m^2)"),
                                           ("1", "WEEK 2", "BMI", 25.0, None, "Body Mass Index (kg/m^2)")))
    bsa = derive_param_bsa(VS, by_vars=["USUBJID", "VISIT"], method="Mosteller")  # height only at screening
    assert bsa.iloc[len(VS):][["VISIT", "AVAL"]].round(6).values.tolist() == [["SCREENING", round((170 * 75 / 3600) ** 0.5, 6)]]
    mp = derive_param_map(VS, by_vars=["USUBJID", "VISIT"])
    assert mp.iloc[len(VS):][["VISIT", "PARAMCD", "AVAL"]].values.tolist() == [["SCREENING", "MAP", 90.0]]
    hr = derive_param_map(VS, by_vars=["USUBJID", "VISIT"], hr_code="PULSE")
    assert round(float(hr["AVAL"].iloc[-1]), 6) == round(75 + 0.01 * np.exp(4.14 - 40.74 / 60) * 45, 6)
    with pytest.raises(DerivationError, match="HEIGHT is expected in cm"):
        derive_param_bmi(VS.assign(VSSTRESU="lb"), by_vars=["USUBJID", "VISIT"], unit_var="VSSTRESU")
    # a result not done (no value, the unit blank as SAS data hold it) is no unit to check: MAP not derived there
    not_done = pd.concat([VS, frame("USUBJID VISIT PARAMCD AVAL VSSTRESU", ("1", "WEEK 2", "DIABP", None, ""))],
                         ignore_index=True)
    mp = derive_param_map(not_done, by_vars=["USUBJID", "VISIT"], unit_var="VSSTRESU")
    assert mp.iloc[len(not_done):][["VISIT", "PARAMCD", "AVAL"]].values.tolist() == [["SCREENING", "MAP", 90.0]]
    with pytest.raises(DerivationError, match="DIABP is expected in mmHg"):
        derive_param_map(not_done.assign(VSSTRESU=not_done["VSSTRESU"].replace("", "kPa")), by_vars=["USUBJID", "VISIT"],
                         unit_var="VSSTRESU")


def test_qtc_rr_and_computed_with_formula_and_duplicates():
    eg = frame("USUBJID ATPT PARAMCD AVAL", ("1", "T1", "QT", 400.0), ("1", "T1", "RR", 1000.0),
               ("1", "T1", "HR", 75.0), ("1", "T2", "QT", 390.0))
    q = derive_param_qtc(eg, by_vars=["USUBJID", "ATPT"], method="Bazett")
    assert q.iloc[len(eg):][["ATPT", "PARAMCD", "AVAL"]].values.tolist() == [["T1", "QTCBR", 400.0]]
    q = derive_param_qtc(eg, by_vars=["USUBJID", "ATPT"], method="Sagie")
    assert q["AVAL"].iloc[-1] == 400.0  # RR 1000 ms: every correction leaves QT unchanged
    rr = derive_param_rr(eg, by_vars=["USUBJID", "ATPT"])
    assert rr.iloc[-1][["PARAMCD", "AVAL"]].tolist() == ["RRR", 800.0]
    ratio = derive_param_computed(eg, by_vars=["USUBJID", "ATPT"], parameters=["QT", "RR"],
                                  set_values_to={"PARAMCD": "QTRR", "AVAL": Formula("QT / RR"), "AVALU": "ratio"})
    assert ratio.iloc[-1][["PARAMCD", "AVAL", "AVALU"]].tolist() == ["QTRR", 0.4, "ratio"]
    with pytest.raises(DerivationError, match="not unique per by group"):
        derive_param_qtc(eg, by_vars=["USUBJID"], method="Bazett")
    # a missing source value: no record (keep_nas=False); a missing result from present sources (0 / 0): kept
    zero = frame("USUBJID PARAMCD AVAL", ("1", "D", 0.0), ("1", "T", 0.0), ("2", "D", None), ("2", "T", 5.0))
    per_day = derive_param_computed(zero, by_vars=["USUBJID"], parameters=["D", "T"],
                                    set_values_to={"PARAMCD": "R", "AVAL": Formula("D / T")})
    assert per_day.iloc[4:]["USUBJID"].tolist() == ["1"] and np.isnan(per_day["AVAL"].iloc[-1])
    kept = derive_param_computed(zero, by_vars=["USUBJID"], parameters=["D", "T"], keep_nas=True,
                                 set_values_to={"PARAMCD": "R", "AVAL": Formula("D / T")})
    assert kept.iloc[4:]["USUBJID"].tolist() == ["1", "2"]
    with pytest.raises(DerivationError, match="already exists"):
        derive_param_computed(eg, by_vars=["USUBJID", "ATPT"], parameters=["QT"], set_values_to={"PARAMCD": "HR"})


def test_wbc_abs_only_where_the_absolute_count_is_missing():
    adlb = frame("USUBJID VISIT PARAMCD AVAL", ("1", "W2", "WBC", 5.0), ("1", "W2", "LYMLE", 30.0),
                 ("1", "W4", "WBC", 6.0), ("1", "W4", "LYMLE", 20.0), ("1", "W4", "LYMPH", 1.3))
    out = derive_param_wbc_abs(adlb, by_vars=["USUBJID", "VISIT"], diff_code="LYMLE", diff_type="percent",
                               set_values_to={"PARAMCD": "LYMPH", "DTYPE": "CALCULATION"})
    expect_frame(out.iloc[len(adlb):], frame("USUBJID VISIT PARAMCD AVAL DTYPE", ("1", "W2", "LYMPH", 1.5, "CALCULATION")))


# --- groupings and codelists ------------------------------------------------------------------------
def test_derive_vars_cat_first_matching_row_and_by_vars():
    adeg = frame("PARAMCD AVAL", ("QTCFR", 430.0), ("QTCFR", 460.0), ("QTCFR", 490.0), ("QTCFR", 510.0),
                 ("HR", 510.0), ("QTCFR", None))
    definition = pd.DataFrame({
        "condition": ["PARAMCD.str.startswith('QT') and AVAL <= 450", "PARAMCD.str.startswith('QT') and AVAL <= 480",
                      "PARAMCD.str.startswith('QT') and AVAL <= 500", "PARAMCD.str.startswith('QT') and AVAL > 500"],
        "AVALCAT1": ["<= 450 ms", ">450<=480 ms", ">480<=500 ms", ">500 ms"], "AVALCA1N": [1, 2, 3, 4]})
    out = derive_vars_cat(adeg, definition=definition)
    expect_frame(out, frame("PARAMCD AVAL AVALCAT1 AVALCA1N", ("QTCFR", 430.0, "<= 450 ms", 1.0),
                            ("QTCFR", 460.0, ">450<=480 ms", 2.0), ("QTCFR", 490.0, ">480<=500 ms", 3.0),
                            ("QTCFR", 510.0, ">500 ms", 4.0), ("HR", 510.0, None, None), ("QTCFR", None, None, None)))
    with pytest.raises(DerivationError, match="AVAL, a numeric variable"):
        derive_vars_cat(adeg, definition=[("condition", "X"), ("AVAL > '450'", "high")])


def test_code_and_decode_from_a_spec_codelist():
    from derivations.spec import Codelist, Term

    trt = Codelist("TRT01PN", data_type="integer", terms=(Term("0", "Placebo"), Term("54", "Xanomeline Low Dose"),
                                                          Term("81", "Xanomeline High Dose")))
    adsl = frame("TRT01P", ("Placebo",), ("Xanomeline High Dose",), (None,))
    coded = derive_var_code(adsl, source_var="TRT01P", new_var="TRT01PN", codelist=trt)
    expect_frame(coded, frame("TRT01P TRT01PN", ("Placebo", 0.0), ("Xanomeline High Dose", 81.0), (None, None)))
    back = derive_var_decode(coded.drop(columns="TRT01P"), source_var="TRT01PN", new_var="TRT01P", codelist=trt)
    assert back["TRT01P"].tolist()[:2] == ["Placebo", "Xanomeline High Dose"]
    with pytest.raises(DerivationError, match="'Xanomeline Mid Dose'"):
        derive_var_code(frame("TRT01P", ("Xanomeline Mid Dose",)), source_var="TRT01P", new_var="N", codelist=trt)


# --- exposure ----------------------------------------------------------------------------------------
def test_exposure_parameters_intensity_and_reductions():
    adex = frame("USUBJID PARAMCD AVAL ASTDT AENDT",
                 ("1", "DOSE", 120.0, T("2021-01-01"), T("2021-01-14")),
                 ("1", "DOSE", 100.0, T("2021-01-22"), T("2021-02-04")),
                 ("1", "PLDOSE", 120.0, T("2021-01-01"), T("2021-01-14")),
                 ("1", "PLDOSE", 120.0, T("2021-01-22"), T("2021-02-04")))
    out = derive_param_exposure(adex, dataset_add=adex, by_vars=["USUBJID"], input_code="DOSE",
                                set_values_to={"PARAMCD": "TDOSE", "AVAL": Summary("AVAL", "sum")})
    out = derive_param_exposure(out, dataset_add=adex, by_vars=["USUBJID"], input_code="PLDOSE",
                                set_values_to={"PARAMCD": "TPDOSE", "AVAL": Summary("AVAL", "sum")})
    out = derive_param_exposure(out, dataset_add=adex, by_vars=["USUBJID"], input_code="DOSE",
                                set_values_to={"PARAMCD": "NCYCLE", "AVAL": Summary("AVAL", "count")})
    out = derive_param_doseint(out, by_vars=["USUBJID"], tadm_code="TDOSE", tpadm_code="TPDOSE",
                               set_values_to={"PARAMCD": "TDOSINT"})
    open_end = adex.assign(USUBJID="2", AENDT=pd.NaT)
    both = derive_param_exposure(dataset_add=pd.concat([adex, open_end.iloc[[0]]], ignore_index=True),
                                 by_vars=["USUBJID"], input_code="DOSE",
                                 set_values_to={"PARAMCD": "TDOSE", "AVAL": Summary("AVAL", "sum")})
    # subject 2 has no end date at all: the parameter ends at its last start (as admiral)
    expect_frame(both, frame("USUBJID PARAMCD AVAL ASTDT AENDT",
                             ("1", "TDOSE", 220.0, T("2021-01-01"), T("2021-02-04")),
                             ("2", "TDOSE", 120.0, T("2021-01-01"), T("2021-01-01"))))
    expect_frame(out.iloc[4:], frame(
        "USUBJID PARAMCD AVAL ASTDT AENDT",
        ("1", "TDOSE", 220.0, T("2021-01-01"), T("2021-02-04")),
        ("1", "TPDOSE", 240.0, T("2021-01-01"), T("2021-02-04")),
        ("1", "NCYCLE", 2.0, T("2021-01-01"), T("2021-02-04")),
        ("1", "TDOSINT", 220 / 240 * 100, None, None)))
    ex = frame("USUBJID EXTRT EXSEQ EXDOSE", ("1", "A", 1, 12.0), ("1", "A", 2, 10.0), ("1", "A", 3, 0.0),
               ("1", "A", 4, 10.0), ("1", "A", 5, 8.0), ("1", "B", 1, 200.0), ("1", "B", 2, None))
    red = derive_var_dose_reduction_flag(ex, by_vars=["USUBJID", "EXTRT"], order=["EXSEQ"], false_value="N")
    assert red["DOSREDFL"].tolist() == ["N", "Y", "N", "N", "Y", "N", "N"]


# --- ATC classes and queries ----------------------------------------------------------------------
def test_atc_classes_one_record_per_path():
    cm = frame("USUBJID CMREFID CMDECOD", ("1", "A", "ASPIRIN"), ("1", "B", "WATER"))
    facm = frame("USUBJID FAREFID FAGRPID FATESTCD FASTRESC",
                 ("1", "A", "1", "CMATC1CD", "N"), ("1", "A", "1", "CMATC2CD", "N02"), ("1", "A", "1", "CMATC3CD", "N02B"),
                 ("1", "A", "1", "CMATC4CD", "N02BA"), ("1", "A", "2", "CMATC1CD", "B"), ("1", "A", "2", "CMATC2CD", "B01"))
    out = derive_vars_atc(cm, dataset_add=facm, by_vars={"USUBJID": "USUBJID", "CMREFID": "FAREFID"})
    expect_frame(out, frame("USUBJID CMREFID CMDECOD ATC1CD ATC2CD ATC3CD ATC4CD",
                            ("1", "A", "ASPIRIN", "N", "N02", "N02B", "N02BA"), ("1", "A", "ASPIRIN", "B", "B01", None, None),
                            ("1", "B", "WATER", None, None, None, None)))


def test_queries_smq_and_cq_variables():
    queries = frame("PREFIX GRPNAME GRPID SCOPE SCOPEN SRCVAR TERMCHAR",
                    ("SMQ02", "Hypothyroidism", 20000160, "BROAD", 1, "MHDECOD", "BLOOD THYROID STIMULATING HORMONE ABNORMAL"),
                    ("SMQ02", "Hypothyroidism", 20000160, "NARROW", 2, "MHDECOD", "BIOPSY THYROID GLAND INCREASED"),
                    ("CQ01", "Dermatologic events", None, None, None, "MHLLT", "ERYTHEMA"))
    mh = frame("MHDECOD MHLLT", ("Biopsy thyroid gland increased", "X"), ("Rash", "ERYTHEMA"), (None, None))
    out = derive_vars_query(mh, dataset_queries=queries)
    expect_frame(out, frame("MHDECOD MHLLT SMQ02NAM SMQ02CD SMQ02SC SMQ02SCN CQ01NAM",
                            ("Biopsy thyroid gland increased", "X", "Hypothyroidism", 20000160, "NARROW", 2, None),
                            ("Rash", "ERYTHEMA", None, None, None, None, "Dermatologic events"),
                            (None, None, None, None, None, None, None)))
