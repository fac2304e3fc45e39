"""derivations.iso8601: the one home of ISO 8601 patterns and calendar arithmetic."""

from __future__ import annotations

import calendar
import datetime
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.adam import compute_dtc_impute, derive_vars_dy
from derivations.findings import DerivationError
from derivations.iso8601 import (
    compute_complete_date,
    compute_date,
    compute_study_day,
    days_in_month,
    is_leap_year,
    parse_dtc,
)
from derivations.sdtm import compute_dtc

ROOT = Path(__file__).resolve().parents[1]


def _text(dates: pd.Series) -> list[str]:
    return dates.dt.strftime("%Y-%m-%d").fillna("").tolist()


def test_days_in_month_agree_with_the_standard_library_calendar_for_four_centuries():
    years = np.repeat(np.arange(1900, 2301), 12).astype(float)
    months = np.tile(np.arange(1, 13), 401).astype(float)
    expected = [calendar.monthrange(int(y), int(m))[1] for y, m in zip(years, months)]
    assert days_in_month(years, months).tolist() == expected
    assert is_leap_year(np.array([1900, 2000, 2100, 2024, 2023])).tolist() == [False, True, False, True, False]


def test_unknown_month_or_year_gives_the_most_days_the_value_allows():
    got = days_in_month(np.array([np.nan, np.nan, 2021.0]), np.array([2.0, np.nan, np.nan]))
    assert got.tolist() == [29.0, 31.0, 31.0]


@pytest.mark.parametrize("dtc,ok", [("2000-02-29", True), ("2100-02-29", False), ("2024-02-29", True),
                                    ("2023-02-29", False), ("2021-04-31", False), ("2021-12-31", True)])
def test_sdtm_mapping_and_adam_imputation_share_one_calendar(dtc, ok):
    # sdtm.compute_dtc and adam.compute_dtc_impute used two days-in-month algorithms before
    if ok:
        assert compute_dtc(pd.Series([dtc]), dataset="AE", variable="AESTDTC").tolist() == [dtc]
        assert _text(compute_dtc_impute(pd.Series([dtc]))) == [dtc]
    else:
        with pytest.raises(DerivationError, match="impossible day for that month"):
            compute_dtc(pd.Series([dtc]), dataset="AE", variable="AESTDTC")
        with pytest.raises(DerivationError, match="not valid ISO 8601"):
            compute_dtc_impute(pd.Series([dtc]))


def test_parse_dtc_reads_every_component_and_the_unknown_placeholder():
    fields, matched = parse_dtc(pd.Series(["2021-03-15T14:30:05.5", "2021---15", "-----T10:30", "2021", "", "x"]))
    assert matched.tolist() == [True, True, True, True, True, False]
    assert np.isnan(fields).tolist()[1] == [False, True, False, True, True, True]
    assert fields[0].tolist() == [2021.0, 3.0, 15.0, 14.0, 30.0, 5.5]
    assert fields[2, 3:5].tolist() == [10.0, 30.0]


@pytest.mark.parametrize("values", [
    ["2021-03", "2021-03-15", "2021", "2021-03-16T10:00", None, ""],
    ["2021-03-16T10:00", "", "2021", None, "2021-03-15", "2021-03"],
])
def test_complete_dates_do_not_depend_on_row_order(values):
    # pd.to_datetime without a format guesses it from the first value: a first "2021-03" made
    # it impute day 1 and drop every complete date; the one helper reads each value alone
    expected = {"2021-03": "", "2021-03-15": "2021-03-15", "2021": "", "2021-03-16T10:00": "2021-03-16",
                None: "", "": ""}
    got = compute_complete_date(pd.Series(values, dtype=object))
    assert _text(got) == [expected[v] for v in values]


def test_complete_date_keeps_the_index_and_floors_datetimes():
    s = pd.Series(["2021-03-15", "2021-03"], index=[10, 20])
    got = compute_complete_date(s)
    assert got.index.tolist() == [10, 20]
    assert pd.api.types.is_datetime64_any_dtype(got)
    dt = pd.Series(pd.to_datetime(["2021-03-15 10:30", None]))
    assert _text(compute_complete_date(dt)) == ["2021-03-15", ""]
    assert compute_complete_date(dt).dt.hour.fillna(0).tolist() == [0, 0]


@pytest.mark.parametrize("value,message", [
    ("15MAR2021", "not an ISO 8601 date"),
    ("2021-03-15 10:00", "not an ISO 8601 date"),
    ("2021-02-29", "date not in the calendar"),
    ("2021-03-15T24:00", "date not in the calendar"),
    ("2021-03T10:00", "time without a complete date"),
])
def test_a_value_that_is_no_date_is_an_error_naming_dataset_variable_subject_row_and_value(value, message):
    s = pd.Series(["2021-03-14", value], name="TUDTC")
    with pytest.raises(DerivationError) as err:
        compute_complete_date(s, dataset="TU", usubjid=pd.Series(["S-1", "S-2"]))
    text = str(err.value)
    assert text.startswith(message)
    assert "dataset TU, variable TUDTC, USUBJID S-2, row 1, value " + repr(value) in text
    assert _text(compute_complete_date(s, invalid="missing")) == ["2021-03-14", ""]


def test_partial_dates_can_be_an_error():
    with pytest.raises(DerivationError, match="partial date where a complete date is needed.*value '2021-03'"):
        compute_complete_date(pd.Series(["2021-03-14", "2021-03"]), partial="error")
    with pytest.raises(DerivationError, match="partial='impute' is not allowed"):
        compute_complete_date(pd.Series(["2021-03-14"]), partial="impute")


def test_compute_date_takes_datetimes_date_objects_and_complete_text_only():
    assert _text(compute_date(pd.Series([datetime.date(2020, 2, 12), None]))) == ["2020-02-12", ""]
    assert _text(compute_date(pd.Series(["2020-02-12T10:00", ""]))) == ["2020-02-12", ""]
    assert str(compute_date(pd.Series(["2020-02-12"])).dtype) == "datetime64[ns]"
    with pytest.raises(DerivationError, match="partial date"):
        compute_date(pd.Series(["2020-02"]), variable="ADT")


def test_study_day_has_no_day_zero_for_text_and_datetimes_alike():
    dtc = pd.Series(["2021-02-27", "2021-02-28", "2021-03-01", "2021-03-02T23:59", "2021-04-01", "2021-03", ""])
    ref = pd.Series(["2021-03-01T08:00"] * 7)
    expected = [-2, -1, 1, 2, 32, pd.NA, pd.NA]
    assert compute_study_day(dtc, ref).tolist() == expected
    as_dates = compute_complete_date(dtc)
    assert compute_study_day(as_dates, compute_complete_date(ref)).tolist() == expected
    assert str(compute_study_day(dtc, ref).dtype) == "Int64"


def test_study_day_matches_by_position_when_the_indexes_differ():
    dtc = pd.Series(["2021-03-02", "2021-03-01"], index=[5, 6])
    ref = pd.Series(["2021-03-01", "2021-02-01"])
    got = compute_study_day(dtc, ref)
    assert got.index.tolist() == [5, 6] and got.tolist() == [2, 29]
    with pytest.raises(DerivationError, match="reference_date has 1 values but date has 2"):
        compute_study_day(dtc, ref.iloc[:1])


def test_adam_study_day_of_text_or_dates_is_the_same():
    frame = pd.DataFrame({"TRTSDT": pd.to_datetime(["2021-01-10"] * 3),
                          "ASTDT": pd.to_datetime(["2021-01-09", "2021-01-10", None]),
                          "ADTC": ["2021-01-09", "2021-01-10T12:00", "2021-01"]})
    out = derive_vars_dy(frame, reference_date="TRTSDT", source_vars=["ASTDT"])
    out = derive_vars_dy(out, reference_date="TRTSDT", source_vars=["ADTC"], new_vars={"ADY2": "ADTC"})
    assert out["ASTDY"].tolist() == [-1, 1, pd.NA]
    assert out["ADY2"].tolist() == [-1, 1, pd.NA]


# ---- one home: no other module of the framework defines calendar arithmetic or an ISO 8601 pattern

#: Modules allowed a date pattern of their own, and why.
OWN_PATTERNS = {
    "derivations/iso8601.py": "the home",
    "derivations/sdtm/dates.py": "raw EDC date forms (15MAR2021, UN-UNK-2021) to ISO 8601; fast path for canonical text",
    "derivations/datasetjson.py": "Dataset-JSON datetime values with a time zone (readers' reader side)",
    "derivations/conformance.py": "a checker that must not share the code it checks (SDTM --DY rule)",
}


def test_no_other_framework_module_holds_an_iso_pattern_or_a_days_in_month():
    offenders = []
    for path in sorted((ROOT / "derivations").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if re.search(r"def _?days_in_month|def _?month_start|_DIM = |\\d\{4\}", text) and rel not in OWN_PATTERNS:
            offenders.append(rel)
    assert offenders == []
