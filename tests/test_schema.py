"""Spec-driven pandera validation: every failure with dataset, variable, USUBJID, row and value."""

import numpy as np
import pandas as pd

from derivations.schema import build_schema, compute_iso8601_valid, validate_dataset
from derivations.spec import Codelist, Term, VariableSpec
from toystudy import toy_spec


def _dm(**over):
    df = pd.DataFrame({
        "STUDYID": ["TOY", "TOY", "TOY"],
        "DOMAIN": ["DM", "DM", "DM"],
        "USUBJID": ["TOY-001", "TOY-002", "TOY-003"],
        "RFSTDTC": ["2021-03-01", "2021-04", ""],
        "AGE": [61.0, 57.0, np.nan],
        "SEX": ["M", "F", "M"],
    })
    for k, v in over.items():
        df[k] = v
    return df


def _summary(findings):
    return [(f.check, f.variable, f.usubjid, f.row, f.value) for f in findings]


def test_clean_dataset_has_no_findings():
    assert validate_dataset(_dm(), toy_spec(), "DM") == []


def test_lazy_validation_reports_every_failure():
    df = _dm(SEX=["M", "X", ""], RFSTDTC=["2021-02-30", "2021-04", "15MAR2021"],
             USUBJID=["TOY-001", "TOY-001", "TOY-0000000003"])
    got = _summary(validate_dataset(df, toy_spec(), "DM"))
    assert ("codelist", "SEX", "TOY-001", 2, "X") in got
    assert ("mandatory", "SEX", "TOY-0000000003", 3, "") in got
    assert ("iso8601", "RFSTDTC", "TOY-001", 1, "2021-02-30") in got
    assert ("iso8601", "RFSTDTC", "TOY-0000000003", 3, "15MAR2021") in got
    assert ("length", "USUBJID", "TOY-0000000003", 3, "TOY-0000000003") in got
    assert ("keys", "STUDYID, USUBJID", "TOY-001", 1, "TOY | TOY-001") in got
    assert ("keys", "STUDYID, USUBJID", "TOY-001", 2, "TOY | TOY-001") in got
    assert len(got) == 7


def test_variables_on_one_side_only_and_order():
    df = _dm().drop(columns=["AGE"])
    df["RACE"] = "ASIAN"
    got = _summary(validate_dataset(df, toy_spec(), "DM"))
    assert ("not_in_spec", "RACE", None, None, None) in got
    assert ("not_in_data", "AGE", None, None, None) in got
    swapped = _dm()[["STUDYID", "DOMAIN", "USUBJID", "AGE", "RFSTDTC", "SEX"]]
    assert _summary(validate_dataset(swapped, toy_spec(), "DM")) == [("order", "AGE", None, None, None)]


def test_type_disagreement_between_spec_and_data():
    got = _summary(validate_dataset(_dm(AGE=["61", "57", ""]), toy_spec(), "DM"))
    assert [g[0:2] for g in got] == [("type", "AGE")]


def test_length_counts_bytes_not_characters():
    spec = toy_spec()
    got = _summary(validate_dataset(_dm(STUDYID=["TOY", "T\u00d6Y\u00d6Y\u00d6Y", "TOY"]), spec, "DM"))
    assert ("length", "STUDYID", "TOY-002", 2, "T\u00d6Y\u00d6Y\u00d6Y") in got  # 9 bytes > 8


def test_extensible_codelist_value_is_a_warning():
    spec = toy_spec()
    spec.codelists["SEX"] = Codelist("SEX", extensible=True, terms=(Term("F"), Term("M")))
    got = validate_dataset(_dm(SEX=["M", "U", "F"]), spec, "DM")
    assert [(f.severity, f.check, f.usubjid, f.value) for f in got] == [("warning", "codelist_extended", "TOY-002", "U")]


def test_numeric_codelist():
    spec = toy_spec()
    spec.datasets["DM"].variables[4] = VariableSpec("DM", "AGE", "Age", "integer", 8, codelist="AGES", order=5)
    spec.codelists["AGES"] = Codelist("AGES", data_type="integer", terms=(Term("61"), Term("57")))
    got = _summary(validate_dataset(_dm(AGE=[61.0, 58.0, np.nan]), spec, "DM"))
    assert got == [("codelist", "AGE", "TOY-002", 2, 58.0)]


def test_iso8601_accepts_partial_and_durations():
    values = pd.Series(["2021", "2021-03", "2021-03-15T10", "2021-03-15T10:30:05", "P2D", "PT4H", "2021-13", "2021-3-5", "P"])
    assert compute_iso8601_valid(values).tolist() == [True, True, True, True, True, True, False, False, False]


def test_schema_is_a_pandera_schema():
    schema = build_schema(toy_spec(), "DM")
    assert list(schema.columns) == ["STUDYID", "DOMAIN", "USUBJID", "RFSTDTC", "AGE", "SEX"]
    assert schema.unique == ["STUDYID", "USUBJID"]
