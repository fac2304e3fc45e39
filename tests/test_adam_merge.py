"""derive_vars_merged family: hand-built inputs, hand-computed results."""


import pandas as pd
import pytest

from derivations.adam import (
    DuplicateRecordsWarning,
    derive_var_merged_exist_flag,
    derive_var_merged_summary,
    derive_vars_merged,
)
from derivations.findings import DerivationError
from derivations.testing import expect_dfs_equal


@pytest.fixture
def adsl():
    return pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "3"], "AGE": [50, 61, 70]})


@pytest.fixture
def ex():
    return pd.DataFrame({
        "STUDYID": "S",
        "USUBJID": ["1", "1", "2", "2"],
        "EXSEQ": [1, 2, 1, 2],
        "EXDOSE": [10.0, 0.0, 10.0, 20.0],
        "EXSTDT": pd.to_datetime(["2021-01-08", "2021-01-01", "2021-02-01", "2021-02-15"]),
    })


KEYS = ["STUDYID", "USUBJID"]


def dates(s):
    return s.dt.strftime("%Y-%m-%d").fillna("").tolist()


def test_first_and_last_with_filter_and_rename(adsl, ex):
    out = derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, filter_add="EXDOSE > 0",
                             new_vars={"TRTSDT": "EXSTDT"}, order=["EXSTDT", "EXSEQ"], mode="first")
    out = derive_vars_merged(out, dataset_add=ex, by_vars=KEYS, new_vars={"TRTEDT": "EXSTDT"},
                             order=["EXSTDT"], mode="last")
    # subject 1: the 2021-01-01 record has dose 0 and is filtered out of TRTSDT, not of TRTEDT
    expected = adsl.assign(TRTSDT=pd.to_datetime(["2021-01-08", "2021-02-01", None]),
                           TRTEDT=pd.to_datetime(["2021-01-08", "2021-02-15", None]))
    expect_dfs_equal(out, expected, keys=None)
    assert list(out.columns) == ["STUDYID", "USUBJID", "AGE", "TRTSDT", "TRTEDT"]
    assert list(adsl.columns) == ["STUDYID", "USUBJID", "AGE"]  # input untouched


def test_keeps_row_order_and_index_of_dataset(adsl, ex):
    shuffled = adsl.iloc[[2, 0, 1]]
    out = derive_vars_merged(shuffled, dataset_add=ex, by_vars=KEYS, new_vars=["EXDOSE"],
                             order=["-EXDOSE"], mode="first")
    assert out.index.tolist() == [2, 0, 1]
    assert out["EXDOSE"].fillna(-1).tolist() == [-1.0, 10.0, 20.0]


def test_duplicates_without_order_raise_naming_the_by_values(adsl, ex):
    with pytest.raises(DerivationError) as err:
        derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars=["EXDOSE"])
    text = str(err.value)
    assert "2 by group(s)" in text
    assert "USUBJID='1'" in text and "USUBJID='2'" in text
    assert "order=" in text  # says how to fix


def test_duplicates_warning_keeps_first(adsl, ex):
    with pytest.warns(DuplicateRecordsWarning, match="USUBJID='1'"):
        out = derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars=["EXSEQ"], check_type="warning")
    assert out["EXSEQ"].fillna(-1).tolist() == [1, 1, -1]
    assert len(out) == 3


def test_ties_on_order_are_checked(adsl):
    add = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1"], "AVAL": [1.0, 2.0],
                        "ADT": pd.to_datetime(["2021-01-01", "2021-01-01"])})
    with pytest.raises(DerivationError, match="USUBJID='1'"):
        derive_vars_merged(adsl, dataset_add=add, by_vars=KEYS, new_vars=["AVAL"], order=["ADT"])


def test_exist_flag_and_missing_values(adsl, ex):
    out = derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars={"FIRSTDOSE": "EXDOSE"},
                             order=["EXSTDT"], exist_flag="EXPFL", true_value="Y", false_value="N",
                             missing_values={"FIRSTDOSE": 0.0})
    assert out["EXPFL"].tolist() == ["Y", "Y", "N"]
    assert out["FIRSTDOSE"].tolist() == [0.0, 10.0, 0.0]  # subject 1's first record has dose 0
    with pytest.raises(DerivationError, match="not merged"):
        derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars=["EXDOSE"], order=["EXSTDT"],
                           missing_values={"XX": 1})


def test_all_variables_by_default_and_name_clash(adsl, ex):
    out = derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, order=["EXSEQ"])
    assert list(out.columns) == ["STUDYID", "USUBJID", "AGE", "EXSEQ", "EXDOSE", "EXSTDT"]
    with pytest.raises(DerivationError, match="AGE already in the input dataset"):
        derive_vars_merged(adsl, dataset_add=adsl.assign(AGE=1), by_vars=KEYS, new_vars=["AGE"])
    with pytest.raises(DerivationError, match="EXFOO"):
        derive_vars_merged(adsl, dataset_add=ex, by_vars=KEYS, new_vars=["EXFOO"], order=["EXSEQ"])


def test_exist_flag_y_n_missing(adsl):
    ae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "2"], "AESER": ["N", "Y", "N"]})
    out = derive_var_merged_exist_flag(adsl, dataset_add=ae, by_vars=KEYS, new_var="SAEFL",
                                       condition="AESER == 'Y'")
    assert out["SAEFL"].tolist() == ["Y", "N", ""]
    out = derive_var_merged_exist_flag(adsl, dataset_add=ae, by_vars=KEYS, new_var="ANYAE",
                                       false_value="N", missing_value="N")
    assert out["ANYAE"].tolist() == ["Y", "Y", "N"]
    out = derive_var_merged_exist_flag(adsl, dataset_add=ae, by_vars=KEYS, new_var="SAEFL",
                                       condition="AESER == 'Y'", filter_add="AESER == 'N'")
    assert out["SAEFL"].tolist() == ["N", "N", ""]


def test_merged_summary(adsl, ex):
    out = derive_var_merged_summary(adsl, dataset_add=ex, by_vars=KEYS, new_var="CUMDOSE",
                                    source_var="EXDOSE", summary_fun="sum", missing_value=0.0)
    assert out["CUMDOSE"].tolist() == [10.0, 30.0, 0.0]
    out = derive_var_merged_summary(adsl, dataset_add=ex, by_vars=KEYS, new_var="MAXD",
                                    source_var="EXDOSE", summary_fun=lambda s: s.max() - s.min())
    assert out["MAXD"].fillna(-1).tolist() == [10.0, 10.0, -1.0]
