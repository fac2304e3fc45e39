"""Extreme flags/records/dates, baseline and change, treatment-emergent flag."""

import warnings

import pandas as pd
import pytest

from derivations.adam import (
    DateSource,
    DuplicateRecordsWarning,
    derive_extreme_records,
    derive_var_base,
    derive_var_chg,
    derive_var_extreme_dt,
    derive_var_extreme_flag,
    derive_var_pchg,
    derive_var_trtemfl,
    filter_extreme,
)
from derivations.findings import DerivationError
from derivations.testing import expect_dfs_equal

T = pd.to_datetime


# --- extreme flags ---------------------------------------------------------------------------
@pytest.fixture
def adlb():
    return pd.DataFrame({
        "USUBJID": ["1", "1", "1", "1", "2", "2"],
        "AVAL": [5.0, 9.0, 9.0, 2.0, 3.0, None],
        "AVISITN": [0, 1, 2, 3, 0, 1],
    })


def test_descending_order_and_ties_flag_first_in_input_order(adlb):
    with pytest.warns(DuplicateRecordsWarning, match="USUBJID='1'"):
        out = derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["-AVAL"], new_var="MAXFL")
    # subject 1: two 9.0 (rows 1 and 2) -> the first; subject 2: missing sorts last -> 3.0
    assert out["MAXFL"].tolist() == ["", "Y", "", "", "Y", ""]
    out = derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["-AVAL", "AVISITN"], new_var="MAXFL",
                                  mode="last")
    # last of (AVAL desc, AVISITN): smallest AVAL, missing AVAL counts as last
    assert out["MAXFL"].tolist() == ["", "", "", "Y", "", "Y"]


def test_ties_flag_all_and_error(adlb):
    out = derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["-AVAL"], new_var="MAXFL", flag_all=True)
    assert out["MAXFL"].tolist() == ["", "Y", "Y", "", "Y", ""]
    with pytest.raises(DerivationError, match="more than one record"):
        derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["-AVAL"], new_var="MAXFL", check_type="error")


def test_filter_baseline_flag_and_values(adlb):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ties here
        out = derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["AVISITN"], new_var="ABLFL",
                                      mode="last", filter="AVISITN <= 0 & AVAL.notna()",
                                      true_value="Y", false_value=None)
    assert out["ABLFL"].fillna("-").tolist() == ["Y", "-", "-", "-", "Y", "-"]


def test_filter_extreme_returns_input_order(adlb):
    out = filter_extreme(adlb, by_vars=["USUBJID"], order=["AVISITN"], mode="last")
    assert out["AVISITN"].tolist() == [3, 1]
    assert out.index.tolist() == [3, 5]


def test_first_occurrence_of_term():
    adae = pd.DataFrame({"USUBJID": ["1", "1", "1", "1"], "AEDECOD": ["RASH", "RASH", "COUGH", "RASH"],
                         "ASTDT": T(["2021-02-01", "2021-01-05", "2021-03-01", "2021-01-05"]),
                         "AESEQ": [1, 2, 3, 4], "TRTEMFL": ["Y", "Y", "Y", None]})
    out = derive_var_extreme_flag(adae, by_vars=["USUBJID", "AEDECOD"], order=["ASTDT", "AESEQ"],
                                  new_var="AOCCPFL", filter="TRTEMFL == 'Y'")
    expect_dfs_equal(out, adae.assign(AOCCPFL=["", "Y", "Y", ""]), keys=["AESEQ"])


def test_derive_extreme_records_with_reference_and_exist_flag():
    adrs = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "OVR", "AVALC": ["SD", "PD", "SD"],
                         "ADT": T(["2021-02-01", "2021-03-01", "2021-02-10"]), "ASEQ": [1, 2, 1]})
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    out = derive_extreme_records(adrs, dataset_add=adrs, dataset_ref=adsl, by_vars=["USUBJID"],
                                 order=["ADT"], mode="first", filter_add="AVALC == 'PD'",
                                 exist_flag="AVALC", true_value="Y", false_value="N",
                                 keep_source_vars=["ADT"], set_values_to={"PARAMCD": "PD"})
    new = out[out["PARAMCD"] == "PD"]
    assert len(out) == 6
    assert new[["USUBJID", "AVALC"]].values.tolist() == [["1", "Y"], ["2", "N"], ["3", "N"]]
    assert new["ADT"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2021-03-01", "", ""]
    assert new["ASEQ"].isna().all()  # not kept from the source


def test_extreme_dt_over_sources_with_filters():
    adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "3"]})
    ae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "2"], "AESEQ": [1, 2, 1],
                       "AESTDT": T(["2021-03-01", "2021-05-02", None]), "AEENDT": T([None, "2021-05-20", None])})
    ex = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "2"], "EXDOSE": [10, 10, 0],
                       "EXENDTM": T(["2021-04-01 10:00", "2021-02-01 08:00", "2021-06-01 08:00"])})
    sources = [
        DateSource("ae", "AESTDT", set_values_to={"LALVDOM": "AE", "LALVSEQ": lambda d: d["AESEQ"]}),
        DateSource("ex", "EXENDTM", filter="EXDOSE > 0", set_values_to={"LALVDOM": "EX"}),
    ]
    assert str(sources[1]) == "date EXENDTM from ex where EXDOSE > 0; sets LALVDOM='EX'"
    out = derive_var_extreme_dt(adsl, new_var="LSTALVDT", sources=sources, source_datasets={"ae": ae, "ex": ex})
    assert out["LSTALVDT"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2021-05-02", "2021-02-01", ""]
    assert out["LALVDOM"].fillna("").tolist() == ["AE", "EX", ""]
    assert out["LALVSEQ"].fillna(-1).tolist() == [2, -1, -1]
    assert (out["LSTALVDT"].dropna().dt.hour == 0).all()  # date part only
    first = derive_var_extreme_dt(adsl, new_var="FIRSTDT", sources=sources[:1], source_datasets={"ae": ae},
                                  mode="first")
    assert first["FIRSTDT"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["2021-03-01", "", ""]
    with pytest.raises(DerivationError, match="derive it first"):
        derive_var_extreme_dt(adsl, new_var="X", sources=[DateSource("ae", "USUBJID")], source_datasets={"ae": ae})


# --- baseline, change ------------------------------------------------------------------------
def test_base_chg_pchg_with_missing_and_zero_baseline():
    advs = pd.DataFrame({
        "USUBJID": ["1", "1", "1", "2", "2", "3", "3"],
        "PARAMCD": ["SYSBP", "SYSBP", "DIABP", "SYSBP", "SYSBP", "SYSBP", "SYSBP"],
        "AVAL": [120.0, 132.0, 80.0, 140.0, 150.0, 0.0, 5.0],
        "ABLFL": ["Y", "", "", "", "", "Y", ""],
    })
    out = derive_var_pchg(derive_var_chg(derive_var_base(advs, by_vars=["USUBJID", "PARAMCD"])))
    assert out["BASE"].fillna(-1).tolist() == [120.0, 120.0, -1, -1, -1, 0.0, 0.0]
    assert out["CHG"].fillna(-1).tolist() == [0.0, 12.0, -1, -1, -1, 0.0, 5.0]
    assert out["PCHG"].fillna(-1).tolist() == [0.0, 10.0, -1, -1, -1, -1, -1]  # BASE 0 -> missing


def test_pchg_uses_absolute_baseline():
    df = pd.DataFrame({"AVAL": [-5.0], "BASE": [-10.0]})
    assert derive_var_pchg(df)["PCHG"].tolist() == [50.0]


def test_pchg_with_a_negative_baseline_is_negative_for_a_fall():
    """MT.BDS.CHG: 100 x CHG / |BASE| (admiral): a rise from -4 to -2 is +50 %, a fall to -6 is -50 %."""
    df = pd.DataFrame({"AVAL": [-2.0, -6.0, -4.0, 2.0], "BASE": -4.0})
    assert derive_var_pchg(derive_var_chg(df))["PCHG"].tolist() == [50.0, -50.0, 0.0, 150.0]


def test_two_baseline_records_raise():
    advs = pd.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": "SYSBP", "AVAL": [1.0, 2.0], "ABLFL": ["Y", "Y"]})
    with pytest.raises(DerivationError, match="PARAMCD='SYSBP'"):
        derive_var_base(advs, by_vars=["USUBJID", "PARAMCD"])


def test_base_character_variable():
    adlb = pd.DataFrame({"USUBJID": ["1", "1"], "ANRIND": ["HIGH", "NORMAL"], "ABLFL": ["Y", ""]})
    out = derive_var_base(adlb, by_vars=["USUBJID"], source_var="ANRIND", new_var="BNRIND")
    assert out["BNRIND"].tolist() == ["HIGH", "HIGH"]


# --- treatment emergent -----------------------------------------------------------------------
@pytest.fixture
def adae():
    rows = [
        # ASTDT,        AENDT,        AEITOXGR, AETOXGR, expected, expected with window 10 + worsening
        ("2021-12-13", "2021-12-15", 1, 1, None, None),   # before treatment
        ("2021-12-30", "2022-01-14", 1, 3, None, "Y"),    # starts before, worsens on treatment
        ("2021-12-31", "2022-01-01", 1, 1, None, None),   # starts before, not worse
        ("2022-01-01", "2022-01-02", 3, 4, "Y", "Y"),     # on first dose day
        ("2022-05-10", "2022-05-10", 2, 2, "Y", "Y"),     # end of treatment + 10 days
        ("2022-05-11", "2022-05-11", 2, 2, "Y", None),    # end of treatment + 11 days
        (None, None, 3, 4, "Y", "Y"),                     # no dates: conservative
        ("2021-12-30", None, 3, 4, None, "Y"),            # before, ongoing, worse
        ("2021-12-30", None, 3, 3, None, None),           # before, ongoing, same grade
        (None, "2022-01-04", 3, 4, "Y", "Y"),             # missing start, ends after first dose
        (None, "2021-12-24", 3, 4, None, None),           # missing start, ended before first dose
    ]
    df = pd.DataFrame(rows, columns=["ASTDT", "AENDT", "AEITOXGR", "AETOXGR", "EXP1", "EXP2"])
    df["ASTDT"], df["AENDT"] = T(df["ASTDT"]), T(df["AENDT"])
    df["TRTSDT"] = T("2022-01-01")
    df["TRTEDT"] = T("2022-04-30")
    return df


def test_trtemfl_admiral_cases(adae):
    out = derive_var_trtemfl(adae)
    assert out["TRTEMFL"].fillna("").tolist() == adae["EXP1"].fillna("").tolist()
    out = derive_var_trtemfl(adae, new_var="TRTEM2FL", end_window=10, initial_intensity="AEITOXGR",
                             intensity="AETOXGR")
    assert out["TRTEM2FL"].fillna("").tolist() == adae["EXP2"].fillna("").tolist()


def test_trtemfl_not_treated_and_missing_treatment_end(adae):
    df = adae.assign(TRTSDT=T(None), TRTEDT=T(None))
    assert derive_var_trtemfl(df)["TRTEMFL"].isna().all()
    df = adae.assign(TRTEDT=T(None))  # a missing end of treatment does not limit the window
    assert derive_var_trtemfl(df, end_window=10)["TRTEMFL"].fillna("").tolist()[5] == "Y"


def test_trtemfl_with_ordered_severity():
    df = pd.DataFrame({"ASTDT": T(["2021-12-30", "2021-12-30"]), "AENDT": T([None, None]),
                       "AEISEV": ["MILD", "SEVERE"], "AESEV": ["MODERATE", "MODERATE"],
                       "TRTSDT": T("2022-01-01"), "TRTEDT": T("2022-02-01")})
    out = derive_var_trtemfl(df, initial_intensity="AEISEV", intensity="AESEV",
                             intensity_order=["MILD", "MODERATE", "SEVERE"])
    assert out["TRTEMFL"].fillna("").tolist() == ["Y", ""]
    with pytest.raises(DerivationError, match="intensity_order"):
        derive_var_trtemfl(df, initial_intensity="AEISEV", intensity="AESEV")
    with pytest.raises(DerivationError, match="together"):
        derive_var_trtemfl(df, intensity="AESEV")
