"""Old spellings of arguments and functions still work, warn naming the new one, and give the same result."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from derivations.adam import CensorSource, EventSource, compute_dy, derive_param_tte
from derivations.iso8601 import compute_study_day
from derivations.oncology import derive_param_bor, derive_param_recist_ovr, derive_var_ovr_anl_flags, to_date
from derivations.sdtm import derive_var_ct, derive_var_dtc, derive_var_dy, derive_vars_supp_back
from derivations.testing import expect_dfs_equal
from derivations.tlf.ard import compute_ard_counts

ADSL = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2020-01-01"] * 2),
                     "DTHDT": pd.to_datetime(["2020-06-01", None]), "LSTALVDT": pd.to_datetime(["2020-06-01", "2020-09-01"])})


def _both(old_call, new_call, *, warns: str):
    with pytest.warns(DeprecationWarning, match=warns):
        old = old_call()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = new_call()
    return old, new


def test_response_parameters_accept_dataset_adsl_and_filter_source():
    ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "AVALC": ["SD", "PR", "PD"],
                        "ADT": pd.to_datetime(["2020-01-22", "2020-02-19", "2020-04-01"])})
    flagged = derive_var_ovr_anl_flags(ovr, dataset_ref=ADSL)
    old, new = _both(lambda: derive_param_bor(flagged, dataset_adsl=ADSL, filter_source="PARAMCD == 'OVR'"),
                     lambda: derive_param_bor(flagged, dataset_ref=ADSL, filter="PARAMCD == 'OVR'"),
                     warns="'dataset_adsl' is deprecated; use 'dataset_ref'")
    expect_dfs_equal(old, new, keys=None)
    assert new.loc[new["PARAMCD"] == "BOR", "AVALC"].tolist() == ["PR", "MISSING"]


def test_recist_accepts_the_old_tu_tr_order_and_spellings():
    tu = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "TULNKID": ["T1"], "TUSTRESC": ["TARGET"]})
    tr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "TRLNKID": "T1", "TRTESTCD": "LDIAM",
                       "TRSTRESN": [50.0, 30.0], "TRSTRESC": ["50", "30"], "VISIT": ["BASELINE", "WEEK 6"],
                       "VISITNUM": [1.0, 2.0], "TRDTC": ["2020-01-01", "2020-02-12"]})
    new = derive_param_recist_ovr(tr, dataset_add=tu)
    assert new["OVRLRESP"].tolist()[-1] == "PR"  # 30 vs 50: -40 %
    with pytest.warns(DeprecationWarning, match="derive_param_recist_ovr\\(tu, tr\\) is deprecated; use derive_param_recist_ovr\\(tr, dataset_add=tu\\)"):
        expect_dfs_equal(derive_param_recist_ovr(tu, tr), new, keys=None)
    with pytest.warns(DeprecationWarning, match="'filter_tu' is deprecated; use 'filter_add'"):
        old = derive_param_recist_ovr(dataset_tr=tr, dataset_tu=tu, filter_tu="TUSTRESC == 'TARGET'")
    expect_dfs_equal(old, new, keys=None)


def test_tte_accepts_dataset_adsl():
    death = EventSource("adsl", date="DTHDT", filter="DTHDT.notna()", set_values_to={"EVNTDESC": "DEATH"})
    alive = CensorSource("adsl", date="LSTALVDT", set_values_to={"CNSDTDSC": "LAST KNOWN ALIVE"})
    kw = dict(source_datasets={"adsl": ADSL}, start_date="TRTSDT", event_conditions=[death],
              censor_conditions=[alive], set_values_to={"PARAMCD": "OS"})
    old, new = _both(lambda: derive_param_tte(dataset_adsl=ADSL, **kw), lambda: derive_param_tte(dataset_ref=ADSL, **kw),
                     warns="'dataset_adsl' is deprecated; use 'dataset_ref'")
    expect_dfs_equal(old, new, keys=["USUBJID"])
    assert new.sort_values("USUBJID")["CNSR"].tolist() == [0, 1]


def test_sdtm_helpers_accept_id_var_ref_var_and_dataset_supp():
    raw = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "D": ["15MAR2021", "UN-MAR-2021"], "OUT": ["Fatal", "fatal"]})
    old, new = _both(lambda: derive_var_dtc(raw, new_var="AESTDTC", date="D", dataset_name="AE", id_var="USUBJID"),
                     lambda: derive_var_dtc(raw, new_var="AESTDTC", date="D", dataset_name="AE", subject_keys="USUBJID"),
                     warns="'id_var' is deprecated; use 'subject_keys'")
    expect_dfs_equal(old, new, keys=None)
    ae = new
    old, new = _both(lambda: derive_var_ct(raw, source="OUT", new_var="AEOUT", codelist=["FATAL"], dataset_name="AE",
                                           id_var="USUBJID"),
                     lambda: derive_var_ct(raw, source="OUT", new_var="AEOUT", codelist=["FATAL"], dataset_name="AE"),
                     warns="'id_var' is deprecated")
    expect_dfs_equal(old, new, keys=None)
    dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "RFICDTC": ["2021-03-01", "2021-03-10"]})
    old, new = _both(lambda: derive_var_dy(ae, dataset_add=dm, new_var="AESTDY", dtc="AESTDTC", ref_var="RFICDTC"),
                     lambda: derive_var_dy(ae, dataset_add=dm, new_var="AESTDY", dtc="AESTDTC", reference_date="RFICDTC"),
                     warns="'ref_var' is deprecated; use 'reference_date'")
    expect_dfs_equal(old, new, keys=None)
    assert new["AESTDY"].tolist() == [15, pd.NA]
    supp = pd.DataFrame({"STUDYID": "S", "RDOMAIN": "AE", "USUBJID": ["S-1"], "IDVAR": [""], "IDVARVAL": [""],
                         "QNAM": ["AETRTEM"], "QLABEL": ["TEAE"], "QVAL": ["Y"], "QORIG": ["Derived"], "QEVAL": [""]})
    old, new = _both(lambda: derive_vars_supp_back(raw, dataset_supp=supp), lambda: derive_vars_supp_back(raw, dataset_add=supp),
                     warns="'dataset_supp' is deprecated; use 'dataset_add'")
    expect_dfs_equal(old, new, keys=None)


def test_ard_counts_accept_subject_var():
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SEX": ["F", "M", "F"]})
    old, new = _both(lambda: compute_ard_counts(adsl, analysis_id="SEX", variables=["SEX"], subject_var="USUBJID"),
                     lambda: compute_ard_counts(adsl, analysis_id="SEX", variables=["SEX"],
                                                subject_keys=("STUDYID", "USUBJID")),
                     warns="'subject_var' is deprecated; use 'subject_keys'")
    expect_dfs_equal(old, new, keys=None)


def test_renamed_functions_warn_and_agree_with_their_successors():
    d = pd.Series(pd.to_datetime(["2021-01-09", "2021-01-10"]))
    ref = pd.Series(pd.to_datetime(["2021-01-10"] * 2))
    with pytest.warns(DeprecationWarning, match="compute_dy\\(\\) is deprecated; use derivations.iso8601.compute_study_day"):
        assert compute_dy(d, ref).tolist() == compute_study_day(d, ref).tolist() == [-1, 1]
    with pytest.warns(DeprecationWarning, match="to_date\\(\\) is deprecated; use derivations.iso8601.compute_date"):
        assert to_date(pd.Series(["2021-01-09T10:00"])).dt.strftime("%Y-%m-%d").tolist() == ["2021-01-09"]
