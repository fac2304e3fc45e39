"""derive_param_tte: events, censoring, precedence; hand-computed dates and CNSR."""

import pandas as pd
import pytest

from derivations.adam import CensorSource, Col, EventSource, derive_param_tte, derive_var_aval_tte
from derivations.findings import DerivationError, Findings
from derivations.testing import expect_dfs_equal

T = pd.to_datetime


@pytest.fixture
def adsl():
    return pd.DataFrame({
        "STUDYID": "S",
        "USUBJID": ["1", "2", "3", "4", "5"],
        "RANDDT": T(["2021-01-01", "2021-01-01", "2021-01-01", "2021-01-01", "2021-01-10"]),
        "DTHDT": T(["2021-05-01", "2021-03-01", None, None, None]),
        "DTHFL": ["Y", "Y", "", "", ""],
    })


@pytest.fixture
def adrs():
    # PD: subject 1 on 03-01 (before death), subject 2 on 04-01 (after death), subject 3 none
    return pd.DataFrame({
        "STUDYID": "S",
        "USUBJID": ["1", "1", "1", "2", "2", "3", "3", "5"],
        "PARAMCD": ["OVR", "OVR", "PD", "OVR", "PD", "OVR", "OVR", "OVR"],
        "AVALC": ["SD", "PD", "Y", "SD", "Y", "SD", "PR", "SD"],
        "ADT": T(["2021-02-01", "2021-03-01", "2021-03-01", "2021-02-01", "2021-04-01",
                  "2021-02-15", "2021-03-20", "2021-01-05"]),
        "ASEQ": [1, 2, 3, 1, 2, 1, 2, 1],
    })


PD = EventSource("adrs", "ADT", filter="PARAMCD == 'PD' & AVALC == 'Y'",
                 set_values_to={"EVNTDESC": "PD", "SRCDOM": "ADRS", "SRCVAR": "ADT", "SRCSEQ": "ASEQ"})
DEATH = EventSource("adsl", "DTHDT", filter="DTHFL == 'Y'",
                    set_values_to={"EVNTDESC": "DEATH", "SRCDOM": "ADSL", "SRCVAR": "DTHDT"})
LASTA = CensorSource("adrs", "ADT", filter="PARAMCD == 'OVR'",
                     set_values_to={"EVNTDESC": "LAST TUMOR ASSESSMENT", "CNSDTDSC": "LAST ASSESSMENT",
                                    "SRCDOM": "ADRS", "SRCVAR": "ADT", "SRCSEQ": "ASEQ"})
RAND = CensorSource("adsl", "RANDDT", censor=2,
                    set_values_to={"EVNTDESC": "NO ASSESSMENT", "CNSDTDSC": "RANDOMIZATION",
                                   "SRCDOM": "ADSL", "SRCVAR": "RANDDT"})


def pfs(adsl, adrs, **kw):
    args = dict(dataset_ref=adsl, source_datasets={"adsl": adsl, "adrs": adrs}, start_date="RANDDT",
                event_conditions=[PD, DEATH], censor_conditions=[LASTA, RAND],
                set_values_to={"PARAMCD": "PFS", "PARAM": "Progression-free survival"})
    args.update(kw)
    return derive_param_tte(**args)


def ymd(s):
    return s.dt.strftime("%Y-%m-%d").fillna("").tolist()


def test_pfs_events_and_censoring(adsl, adrs):
    out = derive_var_aval_tte(pfs(adsl, adrs))
    # 1: PD 03-01 before death 05-01; 2: death 03-01 before PD 04-01; 3: censored at last assessment;
    # 4: no assessment -> censored at randomisation; 5: only assessment (01-05) is before randomisation
    # (01-10), so the latest censoring date is randomisation. AVAL = ADT - STARTDT + 1.
    expected = pd.DataFrame({
        "STUDYID": "S",
        "USUBJID": ["1", "2", "3", "4", "5"],
        "PARAMCD": "PFS",
        "PARAM": "Progression-free survival",
        "STARTDT": T(["2021-01-01"] * 4 + ["2021-01-10"]),
        "ADT": T(["2021-03-01", "2021-03-01", "2021-03-20", "2021-01-01", "2021-01-10"]),
        "CNSR": [0, 0, 1, 2, 2],
        "EVNTDESC": ["PD", "DEATH", "LAST TUMOR ASSESSMENT", "NO ASSESSMENT", "NO ASSESSMENT"],
        "SRCDOM": ["ADRS", "ADSL", "ADRS", "ADSL", "ADSL"],
        "SRCVAR": ["ADT", "DTHDT", "ADT", "RANDDT", "RANDDT"],
        "SRCSEQ": [3.0, None, 2.0, None, None],
        "CNSDTDSC": [None, None, "LAST ASSESSMENT", "RANDOMIZATION", "RANDOMIZATION"],
        "AVAL": [60.0, 60.0, 79.0, 1.0, 1.0],
    })
    expect_dfs_equal(out, expected, keys=["USUBJID"])
    assert out.columns[:6].tolist() == ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT"]


def test_censoring_before_start_is_set_to_start(adsl, adrs):
    out = pfs(adsl, adrs, censor_conditions=[LASTA])
    five = out[out["USUBJID"] == "5"]
    assert ymd(five["ADT"]) == ["2021-01-10"] and five["CNSR"].tolist() == [1]
    assert five["SRCSEQ"].tolist() == [1]  # still the assessment record
    assert derive_var_aval_tte(five)["AVAL"].tolist() == [1.0]


def test_event_on_censoring_date_wins(adsl, adrs):
    # subject 1's last assessment (03-01) is the PD date: the event is used
    out = pfs(adsl, adrs)
    assert out.loc[out["USUBJID"] == "1", ["CNSR", "EVNTDESC"]].values.tolist() == [[0, "PD"]]
    # and an event wins even if a censoring date is later
    late = adrs.assign(ADT=adrs["ADT"].where(adrs["ASEQ"] != 1, T("2021-12-01")))
    out = pfs(adsl, late)
    assert out.loc[out["USUBJID"] == "1", "CNSR"].tolist() == [0]


def test_censoring_source_selection_latest_then_later_source(adsl, adrs):
    lstalv = CensorSource("adsl", "LSTALVDT", censor=3, set_values_to={"EVNTDESC": "ALIVE"})
    a = adsl.assign(LSTALVDT=T(["2021-06-01", "2021-06-01", "2021-03-20", "2021-02-01", "2021-01-10"]))
    out = pfs(a, adrs, source_datasets={"adsl": a, "adrs": adrs}, censor_conditions=[LASTA, RAND, lstalv])
    # 3: tie on 03-20 between LASTA and LSTALVDT -> later-listed source; 4: 02-01 beats RANDDT 01-01;
    # 5: tie on 01-10 (RAND, LSTALVDT, and LASTA moved up to 01-10): last listed
    assert ymd(out["ADT"])[2:] == ["2021-03-20", "2021-02-01", "2021-01-10"]
    assert out["CNSR"].tolist()[2:] == [3, 3, 3]


def test_no_source_no_record_and_findings(adsl, adrs):
    findings = Findings()
    out = pfs(adsl, adrs, censor_conditions=[LASTA], findings=findings)
    assert out["USUBJID"].tolist() == ["1", "2", "3", "5"]  # subject 4: no record (admiral)
    notes = findings.select(check="tte_no_record")
    assert [f.usubjid for f in notes] == ["4"]


def test_source_subject_not_in_adsl_is_reported(adsl, adrs):
    extra = pd.concat([adrs, adrs.iloc[[0]].assign(USUBJID="99")], ignore_index=True)
    findings = Findings()
    out = pfs(adsl, extra, findings=findings)
    assert "99" not in out["USUBJID"].tolist()
    assert [f.usubjid for f in findings.select(check="tte_subject_not_in_adsl")] == ["99"]


def test_order_breaks_ties_within_a_source(adsl):
    ae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1"], "AESEQ": [7, 3],
                       "ASTDT": T(["2021-02-01", "2021-02-01"])})
    ev = EventSource("ae", "ASTDT", order=("AESEQ",), set_values_to={"SRCSEQ": Col("AESEQ")})
    out = derive_param_tte(dataset_ref=adsl, source_datasets={"ae": ae}, start_date="RANDDT",
                           event_conditions=[ev], censor_conditions=[], set_values_to={"PARAMCD": "TTAE"})
    assert out["SRCSEQ"].tolist() == [3]
    with pytest.raises(DerivationError, match="more than one record"):
        derive_param_tte(dataset_ref=adsl, source_datasets={"ae": ae}, start_date="RANDDT", check_type="error",
                         event_conditions=[EventSource("ae", "ASTDT")], censor_conditions=[],
                         set_values_to={"PARAMCD": "TTAE"})


def test_by_vars_one_parameter_per_term(adsl):
    ae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "2"], "AEDECOD": ["RASH", "COUGH", "RASH"],
                       "ASTDT": T(["2021-02-01", "2021-03-01", "2021-01-20"])})
    ev = EventSource("adae", "ASTDT", set_values_to={"EVNTDESC": "AE"})
    cens = CensorSource("adsl", "RANDDT", set_values_to={"EVNTDESC": "NO AE"})
    out = derive_param_tte(dataset_ref=adsl, source_datasets={"adsl": adsl, "adae": ae}, start_date="RANDDT",
                           by_vars=["AEDECOD"], event_conditions=[ev], censor_conditions=[cens],
                           set_values_to={"PARAMCD": lambda d: "TT" + d["AEDECOD"]})
    got = sorted(out[["USUBJID", "PARAMCD", "CNSR"]].values.tolist())
    assert got[:4] == [["1", "TTCOUGH", 0], ["1", "TTRASH", 0], ["2", "TTCOUGH", 1], ["2", "TTRASH", 0]]
    assert len(out) == 10 and "AEDECOD" not in out.columns
    with pytest.raises(DerivationError, match="one-to-one"):
        derive_param_tte(dataset_ref=adsl, source_datasets={"adsl": adsl, "adae": ae}, start_date="RANDDT",
                         by_vars=["AEDECOD"], event_conditions=[ev], censor_conditions=[cens],
                         set_values_to={"PARAMCD": "TTAE"})


def test_append_to_dataset_and_clash(adsl, adrs):
    first = pfs(adsl, adrs)
    first = derive_var_aval_tte(first)
    both = derive_param_tte(first, dataset_ref=adsl, source_datasets={"adsl": adsl}, start_date="RANDDT",
                            event_conditions=[DEATH], censor_conditions=[RAND],
                            set_values_to={"PARAMCD": "OS"})
    assert both["PARAMCD"].value_counts().to_dict() == {"PFS": 5, "OS": 5}
    both = derive_var_aval_tte(both, filter="PARAMCD == 'OS'")
    os_ = both[both["PARAMCD"] == "OS"]
    assert os_["AVAL"].tolist() == [121.0, 60.0, 1.0, 1.0, 1.0]
    assert both.loc[both["PARAMCD"] == "PFS", "AVAL"].tolist() == [60.0, 60.0, 79.0, 1.0, 1.0]
    with pytest.raises(DerivationError, match="already in the dataset"):
        pfs(adsl, adrs, dataset=first)


def test_months_and_datetime(adsl, adrs):
    out = derive_var_aval_tte(pfs(adsl, adrs), out_unit="months", days_per_month=30.0, new_var_unit="AVALU")
    assert out["AVAL"].tolist()[0] == pytest.approx(60 / 30)
    assert out["AVALU"].tolist()[0] == "MONTHS"
    dt = pfs(adsl, adrs, create_datetime=True)
    assert {"ADTM", "STARTDTM"} <= set(dt.columns) and "ADT" not in dt.columns


def test_sources_print_and_validate(adsl, adrs):
    assert str(PD) == ("event from adrs where PARAMCD == 'PD' & AVALC == 'Y': date ADT; EVNTDESC='PD', "
                       "SRCDOM='ADRS', SRCVAR='ADT', SRCSEQ='ASEQ'")
    assert str(RAND).startswith("censoring (CNSR=2) from adsl where all records: date RANDDT")
    with pytest.raises(DerivationError, match="positive"):
        CensorSource("adsl", "RANDDT", censor=0)
    with pytest.raises(DerivationError, match="not in source_datasets"):
        pfs(adsl, adrs, source_datasets={"adsl": adsl})
    bad = adrs.assign(ADT=adrs["ADT"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(DerivationError, match="date or datetime"):
        pfs(adsl, bad)
