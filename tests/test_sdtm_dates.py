"""Tests of derivations.sdtm.dates: --DTC, study day, EPOCH (hand-computed values)."""

import pandas as pd
import pytest

from derivations.findings import DerivationError, Findings
from derivations.sdtm import EpochRule, compute_dtc, compute_study_day, derive_var_dtc, derive_var_dy, derive_var_epoch


def dtc(values, **kw):
    return compute_dtc(pd.Series(values, dtype=object), dataset="AE", variable="AESTDTC", **kw).tolist()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2021-03-15", "2021-03-15"),
        ("2021-03", "2021-03"),
        ("2021", "2021"),
        ("15MAR2021", "2021-03-15"),
        ("15-MAR-2021", "2021-03-15"),
        ("15 Mar 2021", "2021-03-15"),
        ("UN-MAR-2021", "2021-03"),
        ("UN-UNK-2021", "2021"),
        ("UNK-UNK-2021", "2021"),
        ("2021/03/15", "2021-03-15"),
        ("1-jan-2020", "2020-01-01"),
        ("2024-02-29", "2024-02-29"),  # leap year
        ("2021-03-15T14:30", "2021-03-15T14:30"),
        ("", ""),
        (None, ""),
    ],
)
def test_compute_dtc_forms(raw, expected):
    assert dtc([raw]) == [expected]


def test_compute_dtc_times_and_unknown_parts():
    dates = ["2021-03-15", "2021-03-15", "15MAR2021", "2021-03-15", "UN-MAR-2021", "2021-03-15"]
    times = ["14:30", "14:30:05", "UN:UN", "14:UN", "14:30", ""]
    assert dtc(dates, times=pd.Series(times)) == [
        "2021-03-15T14:30",
        "2021-03-15T14:30:05",
        "2021-03-15",
        "2021-03-15T14",
        "2021-03",  # time not written after a partial date
        "2021-03-15",
    ]


def test_compute_dtc_truncation_is_reported():
    f = Findings()
    assert dtc(["15-UNK-2021", "UN-MAR-2021"], usubjid=pd.Series(["S-1", "S-2"]), findings=f) == ["2021", "2021-03"]
    (item,) = f.select(check="dtc_truncated")  # only the record that lost a known day
    assert (item.usubjid, item.row, item.value) == ("S-1", 0, "15-UNK-2021")


def test_compute_dtc_datetime_input():
    s = pd.Series(pd.to_datetime(["2021-03-15", "2021-03-15 10:30", None], format="mixed"))
    assert compute_dtc(s, dataset="LB", variable="LBDTC").tolist() == ["2021-03-15", "2021-03-15T10:30", ""]


def test_compute_dtc_keeps_index():
    s = pd.Series(["2021-01-01", "15MAR2021"], index=[10, 20])
    assert compute_dtc(s, dataset="AE", variable="AESTDTC").index.tolist() == [10, 20]


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("2021-02-30", "impossible day"),
        ("2023-02-29", "impossible day"),
        ("2021-13-01", "impossible month"),
        ("32MAR2021", "impossible day"),
        ("hello", "unrecognised date"),
        ("15/03/2021", "unrecognised date"),
        ("2021-03-15T25:00", "impossible hour"),
    ],
)
def test_compute_dtc_impossible_date_error_names_everything(bad, reason):
    values = pd.Series(["2021-01-01", bad, bad], index=[0, 1, 2])
    with pytest.raises(DerivationError) as exc:
        compute_dtc(values, dataset="AE", variable="AESTDTC", usubjid=pd.Series(["S-1", "S-2", "S-3"]))
    err, msg = exc.value, str(exc.value)
    assert (err.dataset, err.variable, err.usubjid, err.row, err.value) == ("AE", "AESTDTC", "S-2", 1, bad)
    assert reason in msg and "2 record(s)" in msg
    assert "dataset AE" in msg and "USUBJID S-2" in msg and "row 1" in msg and repr(bad) in msg
    assert "correct the raw value" in msg  # the hint says what to do


def test_compute_dtc_bad_time_column():
    with pytest.raises(DerivationError, match="impossible minute") as exc:
        dtc(["2021-01-01", "2021-01-01"], times=pd.Series(["10:00", "10:61"]))
    assert exc.value.row == 1
    with pytest.raises(DerivationError, match="time given without a date"):
        dtc([""], times=pd.Series(["10:00"]))


def test_derive_var_dtc_adds_column_and_keeps_input():
    raw = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AESTDAT": ["15MAR2021", "UN-MAR-2021"], "AESTTIM": ["08:05", ""]})
    before = raw.copy()
    out = derive_var_dtc(raw, new_var="AESTDTC", date="AESTDAT", time="AESTTIM", dataset_name="AE")
    assert out["AESTDTC"].tolist() == ["2021-03-15T08:05", "2021-03"]
    pd.testing.assert_frame_equal(raw, before)
    raw.loc[1, "AESTDAT"] = "30FEB2021"
    with pytest.raises(DerivationError) as exc:
        derive_var_dtc(raw, new_var="AESTDTC", date="AESTDAT", dataset_name="AE")
    assert exc.value.usubjid == "S-2"


def test_study_day_has_no_day_zero():
    dtc_ = pd.Series(["2021-03-13", "2021-03-14", "2021-03-15T09:00", "2021-03-16", "2021-04-14", "2021-03", ""])
    ref = pd.Series(["2021-03-15T08:00"] * 7)
    assert compute_study_day(dtc_, ref).tolist() == [-2, -1, 1, 2, 31, pd.NA, pd.NA]
    assert str(compute_study_day(dtc_, ref).dtype) == "Int64"


def test_study_day_partial_reference_gives_missing():
    assert compute_study_day(pd.Series(["2021-03-15"]), pd.Series(["2021-03"])).tolist() == [pd.NA]


def test_derive_var_dy_looks_up_reference():
    dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "RFSTDTC": ["2021-03-15", "2020-12-31"]})
    ae = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-3"], "AESTDTC": ["2021-03-14", "2021-01-01", "2021-01-01"]})
    out = derive_var_dy(ae, dataset_add=dm, new_var="AESTDY", dtc="AESTDTC")
    assert out["AESTDY"].tolist() == [-1, 2, pd.NA]  # S-3 not in DM -> missing
    with pytest.raises(DerivationError, match="more than one record"):
        derive_var_dy(ae, dataset_add=pd.concat([dm, dm]), new_var="AESTDY", dtc="AESTDTC")


DM = pd.DataFrame(
    {"USUBJID": ["S-1", "S-2"], "RFXSTDTC": ["2021-03-15", ""], "RFXENDTC": ["2021-06-30", ""]}
)


def test_epoch_boundaries():
    vs = pd.DataFrame(
        {
            "USUBJID": ["S-1"] * 6 + ["S-2"],
            "VSDTC": ["2021-03-14", "2021-03-15T07:00", "2021-06-30", "2021-07-01", "2021-07", "", "2021-03-01"],
        }
    )
    out = derive_var_epoch(vs, dataset_add=DM, dtc="VSDTC")
    assert out["EPOCH"].tolist() == ["SCREENING", "TREATMENT", "TREATMENT", "FOLLOW-UP", "", "", ""]
    out = derive_var_epoch(vs, dataset_add=DM, dtc="VSDTC", rule=EpochRule(days_after_end=1, untreated_epoch="SCREENING"))
    assert out["EPOCH"].tolist() == ["SCREENING", "TREATMENT", "TREATMENT", "TREATMENT", "", "", "SCREENING"]


def test_epoch_rule_is_readable_and_checked():
    assert str(EpochRule()) == "SCREENING: before RFXSTDTC; TREATMENT: RFXSTDTC to RFXENDTC; FOLLOW-UP: after RFXENDTC"
    assert EpochRule().variables == ["RFXSTDTC", "RFXENDTC"]
    with pytest.raises(DerivationError):
        EpochRule(epochs=(("SCREENING", None),))


def test_epoch_unassigned_and_overlap():
    dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "RFXSTDTC": ["2021-03-15", "2021-03-15"],
                       "RFXENDTC": ["", "2021-03-01"]})
    f = Findings()
    ae = pd.DataFrame({"USUBJID": ["S-1", "S-1"], "AESTDTC": ["2021-04-01", "2021-04-02"]})
    out = derive_var_epoch(ae, dataset_add=dm, dtc="AESTDTC", findings=f, dataset_name="AE")
    assert out["EPOCH"].tolist() == ["", ""]  # on treatment, RFXENDTC still missing
    (item,) = f.select(check="epoch_unassigned")  # one finding per subject
    assert item.usubjid == "S-1" and "2 record(s)" in item.message
    # S-2: RFXENDTC before RFXSTDTC -> 2021-03-10 is both before start and after end
    with pytest.raises(DerivationError, match="more than one epoch"):
        derive_var_epoch(pd.DataFrame({"USUBJID": ["S-2"], "AESTDTC": ["2021-03-10"]}),
                         dataset_add=dm, dtc="AESTDTC")
