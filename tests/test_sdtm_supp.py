"""Tests of derivations.sdtm.supp: SUPP-- building and merging back."""

import pandas as pd
import pytest

from derivations.findings import DerivationError, SpecError
from derivations.sdtm import QualifierSpec, derive_dataset_supp, derive_vars_split_text, derive_vars_supp_back

AE = pd.DataFrame(
    {
        "STUDYID": "ST1",
        "USUBJID": ["S-2", "S-1", "S-1", "S-1"],
        "AESEQ": [1.0, 10.0, 2.0, 1.0],
        "AETRTEM": ["Y", "Y", "", "N"],
        "AEGRPNUM": [None, 3.0, None, 2.5],
    }
)
QNAMS = {"AETRTEM": QualifierSpec("Treatment Emergent Flag", orig="Derived"), "AEGRPNUM": QualifierSpec("Group number", orig="CRF", eval="INVESTIGATOR")}


def test_supp_rows_text_and_order():
    supp = derive_dataset_supp(AE, domain="ae", idvar="AESEQ", qnams=QNAMS)
    assert list(supp.columns) == ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]
    # blank QVAL (S-1 AESEQ 2, missing AEGRPNUM) not written; IDVARVAL numeric order 1 < 10
    assert supp[["USUBJID", "IDVARVAL", "QNAM", "QVAL"]].values.tolist() == [
        ["S-1", "1", "AEGRPNUM", "2.5"],
        ["S-1", "1", "AETRTEM", "N"],
        ["S-1", "10", "AEGRPNUM", "3"],
        ["S-1", "10", "AETRTEM", "Y"],
        ["S-2", "1", "AETRTEM", "Y"],
    ]
    assert set(supp["RDOMAIN"]) == {"AE"} and set(supp["IDVAR"]) == {"AESEQ"}
    row = supp.iloc[0]
    assert (row["QLABEL"], row["QORIG"], row["QEVAL"]) == ("Group number", "CRF", "INVESTIGATOR")


def test_supp_round_trip():
    supp = derive_dataset_supp(AE, domain="AE", idvar="AESEQ", qnams=QNAMS)
    parent = AE.drop(columns=list(QNAMS))
    back = derive_vars_supp_back(parent, dataset_add=supp)
    assert back["AETRTEM"].tolist() == ["Y", "Y", "", "N"]
    assert back["AEGRPNUM"].tolist() == ["", "3", "", "2.5"]


def test_supp_subject_level_and_split_text():
    dm = pd.DataFrame({"STUDYID": "ST1", "USUBJID": ["S-1", "S-2"], "TXT": ["abcd " * 89 + "abcde", ""]})
    dm = derive_vars_split_text(dm, source="TXT", new_var="DMCOM")
    supp = derive_dataset_supp(dm, domain="DM", idvar=None, qnams={"DMCOM": QualifierSpec("Comment")})
    assert supp["QNAM"].tolist() == ["DMCOM", "DMCOM1", "DMCOM2"]
    assert [len(v) for v in supp["QVAL"]] == [200, 200, 50]
    assert set(supp["IDVAR"]) == {""} and set(supp["IDVARVAL"]) == {""}
    back = derive_vars_supp_back(dm[["STUDYID", "USUBJID", "TXT"]], dataset_add=supp)
    assert (back["DMCOM"] + back["DMCOM1"] + back["DMCOM2"]).tolist() == dm["TXT"].tolist()


def test_supp_errors():
    with pytest.raises(DerivationError, match="longer than 200"):
        derive_dataset_supp(AE.assign(AECOM="x" * 201), domain="AE", idvar="AESEQ", qnams={"AECOM": QualifierSpec("Comment")})
    with pytest.raises(DerivationError, match="not unique") as exc:
        derive_dataset_supp(AE.assign(AESEQ=1), domain="AE", idvar="AESEQ", qnams=QNAMS)
    assert exc.value.usubjid == "S-1"
    with pytest.raises(SpecError, match="QNAM"):
        derive_dataset_supp(AE.assign(AETRTEMXX=""), domain="AE", idvar="AESEQ", qnams={"AETRTEMXX": QualifierSpec("x")})
    supp = derive_dataset_supp(AE, domain="AE", idvar="AESEQ", qnams=QNAMS)
    with pytest.raises(DerivationError, match="match no parent record"):
        derive_vars_supp_back(AE.drop(columns=list(QNAMS)).iloc[:2], dataset_add=supp)
