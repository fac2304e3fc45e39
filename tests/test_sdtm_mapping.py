"""Tests of derivations.sdtm.mapping (assign, hardcode) and of --SEQ numbering."""

import pandas as pd
import pytest

import derivations.adam
import derivations.sdtm
from derivations.findings import DerivationError
from derivations.sdtm import derive_var_assign, derive_var_hardcode, derive_var_obs_number, derive_var_seq
from derivations.testing import expect_dfs_equal


def test_assign_strips_text_and_copies_numbers():
    raw = pd.DataFrame({"T": ["  Headache ", None, ""], "N": [1.5, None, 3.0]})
    out = derive_var_assign(raw, source="T", new_var="AETERM")
    out = derive_var_assign(out, source="N", new_var="VSORRESN")
    assert out["AETERM"].tolist() == ["Headache", "", ""]
    assert out["VSORRESN"].tolist()[0] == 1.5 and pd.isna(out["VSORRESN"].iloc[1])
    assert "AETERM" not in raw.columns
    with pytest.raises(DerivationError, match="not found"):
        derive_var_assign(raw, source="MISSING", new_var="X")


def test_hardcode_with_filter():
    ae = pd.DataFrame({"AESER": ["Y", "N", "Y"]})
    out = derive_var_hardcode(ae, new_var="DOMAIN", value="AE")
    assert out["DOMAIN"].tolist() == ["AE", "AE", "AE"]
    out = derive_var_hardcode(ae, new_var="AESMIE", value="Y", filter="AESER == 'Y'")
    assert out["AESMIE"].tolist() == ["Y", "", "Y"]
    out = derive_var_hardcode(out, new_var="AESMIE", value="N", filter=lambda d: d["AESER"] == "N")
    assert out["AESMIE"].tolist() == ["Y", "N", "Y"]


# ---- sequence numbers: derive_var_obs_number is the one function for --SEQ and ASEQ

AE = pd.DataFrame({
    "USUBJID": ["S-2", "S-1", "S-1", "S-1", "S-2"],
    "AESTDTC": ["2021-02-01", "2021-01-10", "2021-01-05", "2021-01-12", ""],
    "AETERM": ["E", "B", "A", "C", "F"],
}, index=[10, 11, 12, 13, 14])


def test_obs_number_adds_one_variable_and_keeps_every_record_in_its_place():
    out = derive_var_obs_number(AE, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC"])
    expected = AE.assign(AESEQ=[1, 2, 1, 3, 2])  # blank AESTDTC sorts last
    expect_dfs_equal(out, expected, keys=None)   # by position: the row order counts
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert "AESEQ" not in AE.columns


def test_obs_number_descending_and_without_by_vars():
    desc = derive_var_obs_number(AE, new_var="AESEQ", by_vars=["USUBJID"], order=["-AESTDTC"])
    assert desc["AESEQ"].tolist() == [1, 2, 3, 1, 2]  # missing still last
    whole = derive_var_obs_number(AE, new_var="SEQ", by_vars=[], order=["AETERM"])
    assert whole["SEQ"].tolist() == [4, 2, 1, 3, 5]


def test_obs_number_ties_are_an_error_naming_the_group_unless_allowed():
    tied = AE.assign(AESTDTC=["2021-02-01", "2021-01-10", "2021-01-05", "2021-01-10", ""])
    with pytest.raises(DerivationError, match="USUBJID='S-1', AESTDTC='2021-01-10'.*add variables to order"):
        derive_var_obs_number(tied, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC"])
    blanks = AE.assign(AESTDTC=["", "2021-01-10", "2021-01-05", "2021-01-12", None])  # blank and missing tie
    with pytest.raises(DerivationError, match="more than one record"):
        derive_var_obs_number(blanks, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC"])
    with pytest.warns(UserWarning, match="more than one record"):
        out = derive_var_obs_number(tied, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC"],
                                    check_type="warning")
    assert out["AESEQ"].tolist() == [1, 2, 1, 3, 2]  # tied records numbered in input order
    out = derive_var_obs_number(tied, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC", "AETERM"])
    assert out["AESEQ"].tolist() == [1, 2, 1, 3, 2]
    with pytest.raises(DerivationError, match="check_type='strict' is not allowed"):
        derive_var_obs_number(AE, new_var="AESEQ", by_vars=["USUBJID"], order=["AESTDTC"], check_type="strict")


def test_obs_number_refuses_an_existing_variable():
    with pytest.raises(DerivationError, match="AETERM already in the input dataset"):
        derive_var_obs_number(AE, new_var="AETERM", by_vars=["USUBJID"], order=["AESTDTC"])


def test_sdtm_and_adam_export_the_same_function():
    assert derivations.sdtm.derive_var_obs_number is derivations.adam.derive_var_obs_number


def test_deprecated_derive_var_seq_warns_and_still_sorts_the_records():
    with pytest.warns(DeprecationWarning, match="derive_var_seq\\(\\) is deprecated; use derive_var_obs_number"):
        out = derive_var_seq(AE, new_var="AESEQ", order=["AESTDTC"])
    expected = AE.assign(AESEQ=[1, 2, 1, 3, 2]).loc[[12, 11, 13, 10, 14]]
    expect_dfs_equal(out, expected, keys=None)
    assert out.index.tolist() == [12, 11, 13, 10, 14]  # records keep their index
    with pytest.warns(DeprecationWarning):
        assert derive_var_seq(pd.DataFrame({"X": [3, 1, 2]}), new_var="SEQ", by_vars=(),
                              order=["X"])["SEQ"].tolist() == [1, 2, 3]
