"""Tests of derivations.sdtm.mapping: assign, hardcode, --SEQ."""

import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.sdtm import derive_var_assign, derive_var_hardcode, derive_var_seq


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


def test_seq_order_with_ties_keeps_input_order():
    ae = pd.DataFrame(
        {
            "USUBJID": ["S-2", "S-1", "S-1", "S-1", "S-2"],
            "AESTDTC": ["2021-02-01", "2021-01-10", "2021-01-05", "2021-01-10", ""],
            "AETERM": ["E", "B-first", "A", "B-second", "F"],
        }
    )
    out = derive_var_seq(ae, new_var="AESEQ", order=["AESTDTC"])
    assert out["AETERM"].tolist() == ["A", "B-first", "B-second", "E", "F"]
    assert out["AESEQ"].tolist() == [1, 2, 3, 1, 2]
    assert out.index.tolist() == [2, 1, 3, 0, 4]  # records keep their index
    desc = derive_var_seq(ae, new_var="AESEQ", order=["-AESTDTC"])
    assert desc["AETERM"].tolist() == ["B-first", "B-second", "A", "E", "F"]  # missing last


def test_seq_without_by_vars():
    df = pd.DataFrame({"X": [3, 1, 2]})
    assert derive_var_seq(df, new_var="SEQ", by_vars=(), order=["X"])["SEQ"].tolist() == [1, 2, 3]
