"""derive_vars_joined, derive_var_obs_number, derive_param_exist_flag, create_single_dose_dataset,
and the admiral-compatible keywords of derive_vars_dtm (bounds_are_dates) and derive_vars_duration
(unit_text, unit_if_missing). Values worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from derivations.adam import (create_single_dose_dataset, derive_param_exist_flag, derive_var_obs_number,
                              derive_vars_dtm, derive_vars_duration, derive_vars_joined)
from derivations.findings import DerivationError


def _dt(values):
    return pd.to_datetime(pd.Series(values))


AE = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "AESEQ": [1, 2, 3, 1],
                   "ASTDTM": _dt(["2021-01-05", "2021-01-01", "2021-01-20", "2021-03-01"])})
EX = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "EXDOSE": [0.0, 54.0, 81.0, 54.0], "EXDOSU": "mg",
                   "EXSTDTM": _dt(["2021-01-02", "2021-01-05", "2021-01-10", "2021-03-02"]),
                   "EXENDTM": _dt(["2021-01-04", "2021-01-09", "2021-01-15", "2021-03-09"])})


def test_joined_last_dose_before_event():
    out = derive_vars_joined(AE, dataset_add=EX, by_vars=["USUBJID"], new_vars={"LDOSEDTM": "EXSTDTM"},
                             order=["EXSTDTM"], mode="last", filter_join="EXSTDTM <= ASTDTM")
    # AE 1 on 01-05: doses started 01-02 and 01-05 -> 01-05; AE 2 on 01-01: none; AE 3: 01-10; subject 2: none
    assert out["LDOSEDTM"].dt.strftime("%m-%d").fillna("").tolist() == ["01-05", "", "01-10", ""]
    assert out["AESEQ"].tolist() == [1, 2, 3, 1]  # records and order kept
    assert out["LDOSEDTM"].dtype.kind == "M"


def test_joined_dose_in_effect_with_exist_flag_and_filter_add():
    out = derive_vars_joined(AE, dataset_add=EX, by_vars=["USUBJID"], new_vars={"DOSEON": "EXDOSE", "DOSEU": "EXDOSU"},
                             filter_add="EXDOSE > 0", filter_join="EXSTDTM <= ASTDTM and ASTDTM <= EXENDTM",
                             exist_flag="DOSEFL", false_value="N")
    assert out["DOSEON"].fillna(-1).tolist() == [54.0, -1, -1, -1]  # 01-20 is after the 81 mg period ended 01-15
    assert out["DOSEU"].fillna("").tolist() == ["mg", "", "", ""]
    assert out["DOSEFL"].tolist() == ["Y", "N", "N", "N"]


def test_joined_ambiguous_pairs_raise_and_name_clash_suffix():
    ex2 = EX.assign(ASTDTM=_dt(["2020-01-01"] * 4))  # same name as an AE column -> ASTDTM_join
    with pytest.raises(DerivationError, match="more than one"):
        derive_vars_joined(AE, dataset_add=ex2, by_vars=["USUBJID"], new_vars={"D": "EXDOSE"})
    out = derive_vars_joined(AE, dataset_add=ex2, by_vars=["USUBJID"], new_vars={"D": "EXDOSE"},
                             filter_join="ASTDTM_join < EXSTDTM and EXSTDTM <= ASTDTM", order=["EXSTDTM"],
                             mode="first")
    assert out["D"].fillna(-1).tolist() == [0.0, -1, 0.0, -1]
    with pytest.raises(DerivationError, match="order and mode"):
        derive_vars_joined(AE, dataset_add=EX, by_vars=["USUBJID"], new_vars=["EXDOSE"], order=["EXSTDTM"])


def test_obs_number_by_order_and_ties():
    df = pd.DataFrame({"USUBJID": ["2", "1", "1", "1"], "PARAMCD": ["OS", "PFS", "OS", "RSD"]})
    assert derive_var_obs_number(df, by_vars=["USUBJID"], order=["PARAMCD"])["ASEQ"].tolist() == [1, 2, 1, 3]
    with pytest.raises(DerivationError, match="more than one record"):
        derive_var_obs_number(pd.concat([df, df]), by_vars=["USUBJID"], order=["PARAMCD"])


def test_param_exist_flag_values_and_existing_param():
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    tu = pd.DataFrame({"USUBJID": ["1", "1", "2"], "TUSTRESC": ["NON-TARGET", "TARGET", "NEW"]})
    out = derive_param_exist_flag(dataset_ref=adsl, dataset_add=tu, by_vars=["USUBJID"],
                                  condition="TUSTRESC == 'TARGET'", set_values_to={"PARAMCD": "MDIS"})
    assert out["AVALC"].fillna("").tolist() == ["Y", "N", ""]
    assert out["AVAL"].fillna(-1).tolist() == [1, 0, -1]
    with pytest.raises(DerivationError, match="already exists"):
        derive_param_exist_flag(out, dataset_ref=adsl, dataset_add=tu, by_vars=["USUBJID"],
                                set_values_to={"PARAMCD": "MDIS"})


def test_single_dose_expansion():
    ex = EX.assign(EXDOSFRQ=["QD", "QD", "QOD", "ONCE"], EXSTDTC="", EXENDTC="")
    out = create_single_dose_dataset(ex, start_date="EXSTDTM", end_date="EXENDTM", start_dtc="EXSTDTC",
                                     end_dtc="EXENDTC", filter="EXDOSE > 0")
    # 54 mg 01-05..01-09 daily: 5; 81 mg 01-10..01-15 every 2nd day: 01-10, 01-12, 01-14; once: 1
    assert len(out) == 9
    assert out["EXSTDTC"].tolist()[5:] == ["2021-01-10", "2021-01-12", "2021-01-14", "2021-03-02"]
    assert (out["EXSTDTM"] == out["EXENDTM"]).all() and set(out["EXDOSFRQ"]) == {"ONCE"}
    with pytest.raises(DerivationError, match="frequency"):
        create_single_dose_dataset(ex.assign(EXDOSFRQ="BID"), start_date="EXSTDTM", end_date="EXENDTM")
    with pytest.raises(DerivationError, match="start/end date"):
        create_single_dose_dataset(ex.assign(EXDOSFRQ="QD", EXENDTM=pd.NaT), start_date="EXSTDTM",
                                   end_date="EXENDTM")


def test_dtm_date_bounds_end_of_day():
    ae = pd.DataFrame({"AEENDTC": ["2013-01-14", "2013-01", "2013-01-20"],
                       "EOSDT": _dt(["2013-01-14", "2013-01-14", "2013-01-14"])})
    kw = dict(dtc="AEENDTC", new_vars_prefix="AEN", highest_imputation="M", date_imputation="last",
              time_imputation="last", max_dates=["EOSDT"])
    default = derive_vars_dtm(ae, **kw)["AENDTM"].dt.strftime("%m-%d %H:%M:%S").tolist()
    admiral = derive_vars_dtm(ae, bounds_are_dates=True, **kw)["AENDTM"].dt.strftime("%m-%d %H:%M:%S").tolist()
    assert default == ["01-14 00:00:00", "01-14 00:00:00", "01-20 23:59:59"]  # unchanged behaviour
    assert admiral == ["01-14 23:59:59", "01-14 23:59:59", "01-20 23:59:59"]


def test_duration_unit_text_and_missing():
    ae = pd.DataFrame({"ASTDT": _dt(["2021-01-01", "2021-01-01"]), "AENDT": _dt(["2021-01-10", None])})
    old = derive_vars_duration(ae, new_var="ADURN", start_date="ASTDT", end_date="AENDT", new_var_unit="ADURU")
    assert old["ADURU"].tolist() == ["DAYS", "DAYS"] and old["ADURN"].fillna(-1).tolist() == [10.0, -1]
    new = derive_vars_duration(ae, new_var="ADURN", start_date="ASTDT", end_date="AENDT", new_var_unit="ADURU",
                               unit_text="days", unit_if_missing=False)
    assert new["ADURU"].tolist() == ["days", None]
