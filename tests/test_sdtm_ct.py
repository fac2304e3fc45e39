"""Tests of derivations.sdtm.ct.derive_var_ct."""

from dataclasses import dataclass

import pandas as pd
import pytest

from derivations.findings import DerivationError, Findings, SpecError
from derivations.sdtm import derive_var_ct


@dataclass(frozen=True)
class Term:
    term: str
    decode: str = ""
    nci_code: str = ""
    order: int = 0


@dataclass(frozen=True)
class Codelist:
    id: str
    name: str
    data_type: str
    extensible: bool
    terms: list


SEX = Codelist("SEX", "Sex", "text", False, [Term("M", "Male"), Term("F", "Female"), Term("U", "Unknown")])
OUT = ["RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED", "FATAL"]


def test_ct_case_whitespace_decode_synonym():
    dm = pd.DataFrame({"USUBJID": list("ABCDEF"), "SEX_RAW": ["male", "M", " f ", "FEMALE", "", None]})
    out = derive_var_ct(dm, source="SEX_RAW", new_var="SEX", codelist=SEX, dataset_name="DM")
    assert out["SEX"].tolist() == ["M", "M", "F", "F", "", ""]
    assert "SEX" not in dm.columns


def test_ct_synonyms_case_insensitive():
    ae = pd.DataFrame({"USUBJID": ["A", "B", "C"], "OUT_RAW": ["Recovered", "resolved", "not  recovered/not resolved"]})
    out = derive_var_ct(ae, source="OUT_RAW", new_var="AEOUT", codelist=OUT, dataset_name="AE",
                        synonyms={"RECOVERED": "RECOVERED/RESOLVED", "Resolved": "RECOVERED/RESOLVED"})
    assert out["AEOUT"].tolist() == ["RECOVERED/RESOLVED", "RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED"]


def test_ct_unknown_term_non_extensible_raises():
    dm = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-3"], "SEX_RAW": ["M", "Other", "x"]})
    with pytest.raises(DerivationError) as exc:
        derive_var_ct(dm, source="SEX_RAW", new_var="SEX", codelist=SEX, dataset_name="DM")
    err, msg = exc.value, str(exc.value)
    assert (err.dataset, err.variable, err.usubjid, err.row, err.value) == ("DM", "SEX", "S-2", 1, "Other")
    assert "codelist SEX" in msg and "2 record(s)" in msg and "'OTHER', 'X'" in msg
    assert "allowed terms: 'M', 'F', 'U'" in msg and "synonym" in msg


def test_ct_extensible_keeps_value_with_one_finding_per_value():
    route = Codelist("ROUTE", "Route", "text", True, [Term("ORAL"), Term("INTRAVENOUS")])
    ex = pd.DataFrame({"USUBJID": ["S-1", "S-1", "S-2"], "R": ["oral", "intra arterial", "Intra  Arterial"]})
    f = Findings()
    out = derive_var_ct(ex, source="R", new_var="EXROUTE", codelist=route, dataset_name="EX", findings=f)
    assert out["EXROUTE"].tolist() == ["ORAL", "INTRA ARTERIAL", "INTRA ARTERIAL"]
    (item,) = f.select(check="ct_extended")
    assert (item.severity, item.usubjid, item.row, item.value) == ("warning", "S-1", 1, "intra arterial")
    assert "2 record(s)" in item.message and "'S-1', 'S-2'" in item.message


def test_ct_bad_synonym_is_a_spec_error():
    dm = pd.DataFrame({"USUBJID": ["S-1"], "SEX_RAW": ["m"]})
    with pytest.raises(SpecError, match="not in codelist SEX"):
        derive_var_ct(dm, source="SEX_RAW", new_var="SEX", codelist=SEX, dataset_name="DM", synonyms={"man": "MALE"})
    with pytest.raises(SpecError, match="contradicts"):
        derive_var_ct(dm, source="SEX_RAW", new_var="SEX", codelist=SEX, dataset_name="DM", synonyms={"f": "M"})
