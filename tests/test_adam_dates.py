"""Date imputation, study day and duration: expected values computed by hand."""

import pandas as pd
import pytest

from derivations.adam import (
    ImputationRule,
    compute_dtc_impute,
    compute_duration,
    derive_vars_dt,
    derive_vars_dtm,
    derive_vars_dy,
    derive_vars_duration,
)
from derivations.findings import DerivationError, Findings
from derivations.testing import expect_dfs_equal


def ymd(series):
    return series.dt.strftime("%Y-%m-%d").fillna("").tolist()


def ymdhms(series):
    return series.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").tolist()


def D(*values):
    return pd.Series(pd.to_datetime(list(values)))


@pytest.mark.parametrize(
    "how, expected",
    [("first", "2021-03-01"), ("mid", "2021-03-15"), ("last", "2021-03-31"), ("06-20", "2021-03-20")],
)
def test_missing_day(how, expected):
    out = compute_dtc_impute(pd.Series(["2021-03"]), highest_imputation="D", date_imputation=how)
    assert ymd(out) == [expected]


@pytest.mark.parametrize(
    "how, expected",
    [("first", "2021-01-01"), ("mid", "2021-06-30"), ("last", "2021-12-31"), ("02-31", "2021-02-28")],
)
def test_year_only(how, expected):
    out = compute_dtc_impute(pd.Series(["2021"]), highest_imputation="M", date_imputation=how)
    assert ymd(out) == [expected]


def test_last_day_of_february_and_leap_years():
    dtc = pd.Series(["2020-02", "2021-02", "2000-02", "1900-02", "2021-04"])
    out = compute_dtc_impute(dtc, highest_imputation="D", date_imputation="last")
    assert ymd(out) == ["2020-02-29", "2021-02-28", "2000-02-29", "1900-02-28", "2021-04-30"]


def test_highest_imputation_limits_what_is_imputed():
    dtc = pd.Series(["2021-03-04", "2021-03", "2021", None, ""])
    assert ymd(compute_dtc_impute(dtc)) == ["2021-03-04", "", "", "", ""]
    assert ymd(compute_dtc_impute(dtc, highest_imputation="D")) == ["2021-03-04", "2021-03-01", "", "", ""]
    assert ymd(compute_dtc_impute(dtc, highest_imputation="M")) == ["2021-03-04", "2021-03-01", "2021-01-01", "", ""]


def test_time_part_ignored_for_dates():
    out = compute_dtc_impute(pd.Series(["2021-03-04T23:59:59", "2021-03-04T10"]))
    assert ymd(out) == ["2021-03-04", "2021-03-04"]
    assert (out.dt.hour == 0).all()


def test_preserve_day_when_month_missing():
    dtc = pd.Series(["2019---07"])
    assert ymd(compute_dtc_impute(dtc, highest_imputation="M", date_imputation="mid")) == ["2019-06-30"]
    assert ymd(compute_dtc_impute(dtc, highest_imputation="M", date_imputation="mid", preserve=True)) == ["2019-06-07"]
    assert ymd(compute_dtc_impute(dtc, highest_imputation="M", date_imputation="last", preserve=True)) == ["2019-12-07"]


def test_flags_d_m_and_none():
    ae = pd.DataFrame({"AESTDTC": ["2021-03", "2021", "2021-03-04", None]})
    out = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M")
    expected = ae.assign(ASTDT=D("2021-03-01", "2021-01-01", "2021-03-04", None), ASTDTF=["D", "M", None, None])
    expect_dfs_equal(out, expected, keys=None)
    expect_dfs_equal(derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST"),  # no imputation: no flag
                     ae.assign(ASTDT=D(None, None, "2021-03-04", None)), keys=None)
    assert "ASTDTF" not in derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M",
                                          flag_imputation="none").columns
    assert "ASTDT" not in ae  # input untouched


def test_min_dates_pull_partial_start_up_to_first_dose():
    ae = pd.DataFrame({
        "AESTDTC": ["2021-01", "2021-03", "2021", "2021-01-10", "2020-12"],
        "TRTSDT": pd.to_datetime(["2021-01-15"] * 5),
    })
    out = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M", min_dates=["TRTSDT"])
    # same month/year as first dose -> first dose; other months untouched; complete dates never change
    assert ymd(out["ASTDT"]) == ["2021-01-15", "2021-03-01", "2021-01-15", "2021-01-10", "2020-12-01"]
    assert out["ASTDTF"].fillna("").tolist() == ["D", "D", "M", "", "D"]


def test_several_min_dates_take_the_latest_in_range():
    dtc = pd.Series(["2020-11"])
    out = compute_dtc_impute(dtc, highest_imputation="M",
                             min_dates=[D("2020-12-06"), D("2020-11-11"), D("2020-11-05")])
    assert ymd(out) == ["2020-11-11"]


def test_max_dates_cap_imputed_end_at_cutoff():
    ae = pd.DataFrame({"AEENDTC": ["2021-06", "2021-07", "2021", "2021-06-30"],
                       "DCUTDT": pd.to_datetime(["2021-06-10"] * 4)})
    out = derive_vars_dt(ae, dtc="AEENDTC", new_vars_prefix="AEN", highest_imputation="M",
                         date_imputation="last", max_dates=["DCUTDT"])
    assert ymd(out["AENDT"]) == ["2021-06-10", "2021-07-31", "2021-06-10", "2021-06-30"]


def test_missing_year_only_imputed_from_a_bound():
    dtc = pd.Series(["--03-04", "--03-04"])
    min_d = D("2021-05-01", None)
    out = compute_dtc_impute(dtc, highest_imputation="Y", min_dates=[min_d])
    assert ymd(out) == ["2021-05-01", ""]


def test_bounds_given_as_text_are_complete_iso_dates_never_guessed():
    dtc = pd.Series(["2021-03", "2021-03"])
    # complete ISO text, a date object, a Timestamp: the same bound
    for bound in ("2021-03-10", pd.Series(["2021-03-10", "2021-03-10"]), pd.Timestamp("2021-03-10")):
        assert ymd(compute_dtc_impute(dtc, highest_imputation="M", min_dates=[bound])) == ["2021-03-10"] * 2
    # a partial bound was read as its first day (or, after a complete first value, crashed in pandas)
    with pytest.raises(DerivationError, match=r"partial date where a complete date is needed "
                                              r"\(variable TRTSDTC, row 1, value '2021-03'\)"):
        compute_dtc_impute(dtc, highest_imputation="M",
                           min_dates=[pd.Series(["2021-03-10", "2021-03"], name="TRTSDTC")])
    with pytest.raises(DerivationError, match="not an ISO 8601 date"):
        compute_dtc_impute(dtc, highest_imputation="M", min_dates=["10MAR2021"])
    # a datetime bound as text would lose its time: derive it first
    with pytest.raises(DerivationError, match="must be a datetime variable, not text"):
        compute_dtc_impute(dtc, highest_imputation="M", min_dates=["2021-03-10T08:30"], datetime=True)


def test_rule_object_is_printable_and_equivalent():
    rule = ImputationRule(highest="M", date="first", min_dates=("TRTSDT",))
    assert str(rule) == ("impute up to the month (highest 'M'): missing day/month -> first, "
                         "missing time -> first; not before TRTSDT")
    ae = pd.DataFrame({"AESTDTC": ["2021-01", "2021"], "TRTSDT": pd.to_datetime(["2021-01-15"] * 2)})
    a = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", rule=rule)
    b = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M", min_dates=["TRTSDT"])
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(DerivationError, match="date_imputation"):
        ImputationRule(highest="M", date="15")


def test_invalid_dates_raise_or_become_findings():
    ae = pd.DataFrame({"USUBJID": ["1", "2", "3"], "AESTDTC": ["2021-02-30", "2021-13", "2021-03-01"]})
    with pytest.raises(DerivationError) as err:
        derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M")
    assert "2021-02-30" in str(err.value) and "USUBJID 1" in str(err.value)
    findings = Findings()
    out = derive_vars_dt(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M", findings=findings)
    assert ymd(out["ASTDT"]) == ["", "", "2021-03-01"]
    assert [f.usubjid for f in findings] == ["1", "2"]
    with pytest.raises(DerivationError):
        compute_dtc_impute(pd.Series(["03/04/2021"]))


def test_dtm_time_imputation_and_flags():
    ae = pd.DataFrame({"AESTDTC": ["2021-03-04T10", "2021-03-04T10:30", "2021-03-04", "2021-03",
                                   "2021-03-04T10:30:15"]})
    first = derive_vars_dtm(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M")
    expect_dfs_equal(first, ae.assign(
        ASTDTM=D("2021-03-04T10:00:00", "2021-03-04T10:30:00", "2021-03-04T00:00:00", "2021-03-01T00:00:00",
                 "2021-03-04T10:30:15"),
        ASTDTF=[None, None, None, "D", None],
        ASTTMF=["M", "S", "H", "H", None]), keys=None)
    last = derive_vars_dtm(ae, dtc="AESTDTC", new_vars_prefix="AEN", highest_imputation="M",
                           date_imputation="last", time_imputation="last")
    assert ymdhms(last["AENDTM"]) == ["2021-03-04T10:59:59", "2021-03-04T10:30:59", "2021-03-04T23:59:59",
                                      "2021-03-31T23:59:59", "2021-03-04T10:30:15"]
    hour_only = derive_vars_dtm(ae, dtc="AESTDTC", new_vars_prefix="AST")  # default highest "h": no date flag
    expect_dfs_equal(hour_only, ae.assign(
        ASTDTM=D("2021-03-04T10:00:00", "2021-03-04T10:30:00", "2021-03-04T00:00:00", None, "2021-03-04T10:30:15"),
        ASTTMF=["M", "S", "H", None, None]), keys=None)
    ign = derive_vars_dtm(ae, dtc="AESTDTC", new_vars_prefix="AST", ignore_seconds_flag=True)
    assert ign["ASTTMF"].fillna("").tolist() == ["M", "", "H", "", ""]


def test_dtm_min_dates_at_datetime_level():
    ae = pd.DataFrame({"AESTDTC": ["2021-01-15", "2021-01"],
                       "TRTSDTM": pd.to_datetime(["2021-01-15 08:30:00"] * 2)})
    out = derive_vars_dtm(ae, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M",
                          min_dates=["TRTSDTM"])
    assert ymdhms(out["ASTDTM"]) == ["2021-01-15T08:30:00", "2021-01-15T08:30:00"]


def test_study_day_has_no_day_zero():
    adae = pd.DataFrame({
        "TRTSDT": pd.to_datetime(["2021-01-10"] * 5),
        "ASTDT": pd.to_datetime(["2021-01-08", "2021-01-09", "2021-01-10", "2021-01-11", None]),
        "ADTM": pd.to_datetime(["2021-01-09 23:00", "2021-01-10 00:01", "2021-01-10 23:59", "2021-02-09 01:00", None]),
    })
    out = derive_vars_dy(adae, reference_date="TRTSDT", source_vars=["ASTDT", "ADTM"])
    assert out["ASTDY"].tolist() == [-2, -1, 1, 2, pd.NA]
    assert out["ADY"].tolist() == [-1, 1, 1, 31, pd.NA]
    named = derive_vars_dy(adae, reference_date="TRTSDT", source_vars=["ASTDT"], new_vars={"XDY": "ASTDT"})
    assert named["XDY"].tolist()[:2] == [-2, -1]


def test_duration_units_and_add_one():
    s, e = D("2020-01-01", "2021-01-01", None), D("2020-12-31", "2020-12-31", "2021-01-01")
    assert compute_duration(s, e).fillna(-1).tolist() == [366.0, 0.0, -1.0]  # 2020 is a leap year; add_one also when negative
    assert compute_duration(s, e, add_one=False).tolist()[:2] == [365.0, -1.0]
    assert compute_duration(s, e, out_unit="weeks").tolist()[0] == pytest.approx(366 / 7)
    assert compute_duration(s, e, out_unit="months").tolist()[0] == pytest.approx(366 / 30.4375)
    assert compute_duration(s, e, out_unit="months", days_per_month=30.0).tolist()[0] == pytest.approx(12.2)
    assert compute_duration(s, e, out_unit="years").tolist()[0] == pytest.approx(366 / 365.25)
    adsl = pd.DataFrame({"TRTSDT": D("2021-01-01"), "TRTEDT": D("2021-03-01")})
    out = derive_vars_duration(adsl, new_var="TRTDURM", start_date="TRTSDT", end_date="TRTEDT",
                               out_unit="months", days_per_month=30.0, new_var_unit="TRTDURU")
    assert out["TRTDURM"].tolist() == [2.0] and out["TRTDURU"].tolist() == ["MONTHS"]  # 59 + 1 days / 30


def test_functions_taking_dates_never_read_them_from_text():
    import datetime

    from derivations.adam import create_single_dose_dataset, derive_var_ontrtfl, derive_var_trtemfl

    # "2021-03" read by pandas is 2021-03-01: a day nobody collected. Dates come from the
    # ISO 8601 functions (derive_vars_dt), which say what they do with a partial date.
    text = pd.DataFrame({"USUBJID": "1", "ADT": ["2021-03"], "ASTDT": ["2021-03"], "AENDT": ["2021-03-20"],
                         "TRTSDT": D("2021-03-10"), "TRTEDT": D("2021-04-10"), "EXDOSFRQ": "QD"})
    calls = [
        lambda d: derive_var_ontrtfl(d),
        lambda d: derive_var_trtemfl(d),
        lambda d: create_single_dose_dataset(d, start_date="ASTDT", end_date="AENDT"),
        lambda d: compute_duration(d["ASTDT"], d["AENDT"], floor_in=False),
        lambda d: compute_duration(d["ASTDT"], d["AENDT"]),
    ]
    for call in calls:
        with pytest.raises(DerivationError, match=r"a date or datetime variable is expected \(variable A[SD]T"):
            call(text)
    # date objects (as a reader may give them) and datetime64 are dates
    objects = text.assign(ASTDT=[datetime.date(2021, 3, 15)], AENDT=[datetime.date(2021, 3, 20)],
                          ADT=[datetime.date(2021, 3, 15)])
    assert derive_var_ontrtfl(objects)["ONTRTFL"].tolist() == ["Y"]
    assert compute_duration(objects["ASTDT"], objects["AENDT"], floor_in=False).tolist() == [6.0]
