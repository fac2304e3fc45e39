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
    assert ("keys", "STUDYID, USUBJID", "TOY-001", 1, "TOY | TOY-001") in got  # one finding for the two records
    assert len(got) == 6


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


def test_each_check_is_defined_once_and_all_runners_agree(tmp_path):
    """A run (in memory), derive validate (on the XPT file) and derive check (SP0001-SP0003) find the
    same codelist and mandatory failures: one comparison of values with terms everywhere."""
    import datetime as dt

    from derivations.conformance import rule, run_rules
    from derivations.io import read_dataset
    from derivations.xpt import variables_from_spec, write_xpt

    spec = toy_spec()
    spec.datasets["DM"].variables[4] = VariableSpec("DM", "AGE", "Age", "integer", 8, codelist="AGES", order=5)
    spec.codelists["AGES"] = Codelist("AGES", data_type="float", terms=(Term("61"), Term("1.2")))
    spec.datasets["DM"].variables[5] = VariableSpec("DM", "SEX", "Sex", length=2, codelist="SEX", mandatory=True,
                                                    order=6)
    spec.codelists["SEX"] = Codelist("SEX", extensible=True, terms=(Term("F"), Term("M")))
    # 0.1 + 1.1 is 1.2000000000000002: the term 1.2; 'M ' is M (trailing blanks are padding); ' F' is not F
    df = _dm(AGE=[61.0, 0.1 + 1.1, 62.0], SEX=["M ", " F", ""])
    in_memory = {(f.check, f.variable, f.row) for f in validate_dataset(df, spec, "DM")}
    assert in_memory == {("codelist", "AGE", 3), ("codelist_extended", "SEX", 2), ("mandatory", "SEX", 3)}
    path = write_xpt(df, tmp_path / "dm.xpt", label="Demographics", variables=variables_from_spec(spec.dataset("DM")),
                     created=dt.datetime(2022, 7, 4))
    frame, meta = read_dataset(path, sas_dates=False)
    assert {(f.check, f.variable, f.row) for f in validate_dataset(frame, spec, "DM", meta=meta)} == in_memory
    by_rule = {"SP0001": "codelist", "SP0002": "codelist_extended", "SP0003": "mandatory"}
    checked = run_rules({"DM": frame}, spec=spec, rules=[rule(r) for r in by_rule])
    assert {(by_rule[f.check], f.variable, f.row) for f in checked} == in_memory


def test_codelist_without_terms_is_not_checked_and_file_attributes_are():
    spec = toy_spec()
    spec.codelists["SEX"] = Codelist("SEX", terms=())  # an external dictionary: nothing to compare with
    assert validate_dataset(_dm(SEX=["M", "X", "Y"]), spec, "DM") == []
    from derivations.metadata import DatasetMeta, VariableMeta
    meta = DatasetMeta("DM", "Demographics", (VariableMeta("USUBJID", "Subject", "char", 20),
                                              VariableMeta("AGE", "Age", "char", 8)))
    got = [(f.check, f.variable, f.value) for f in validate_dataset(_dm(), toy_spec(), "DM", meta=meta)]
    assert got == [("xpt_label", "USUBJID", "Subject"), ("xpt_length", "USUBJID", 20), ("xpt_type", "AGE", None)]


def test_failures_are_reported_once_per_variable_and_value_with_a_count():
    """7,146 records of one value outside an extensible codelist are one warning, not 7,146; a key problem
    is one finding however many records share keys."""
    spec = toy_spec()
    spec.codelists["SEX"] = Codelist("SEX", extensible=True, terms=(Term("F"), Term("M")))
    n = 7146
    df = pd.DataFrame({"STUDYID": "TOY", "DOMAIN": "DM", "USUBJID": [f"TOY-{i:04d}" for i in range(n)],
                       "RFSTDTC": "2021-03-01", "AGE": 60.0, "SEX": ["U"] * (n - 2) + ["M", "X"]})
    df.loc[[5, 6, 7], "USUBJID"] = "TOY-0005"  # three records, one key
    df.loc[[9, 10], "USUBJID"] = "TOY-0009"
    got = [(f.severity, f.check, f.variable, f.row, f.usubjid, f.value, f.message)
           for f in validate_dataset(df, spec, "DM")]
    assert got == [
        ("error", "keys", "STUDYID, USUBJID", 6, "TOY-0005", "TOY | TOY-0005", "key variables STUDYID, USUBJID do not "
         "identify records uniquely (5 records share 2 key value(s); the first is shown)"),
        ("warning", "codelist_extended", "SEX", 1, "TOY-0000", "U",
         "value not in extensible codelist SEX (7,144 records; the first is shown)"),
        ("warning", "codelist_extended", "SEX", n, f"TOY-{n - 1:04d}", "X", "value not in extensible codelist SEX"),
    ]


def test_derive_check_groups_codelist_findings_and_compares_numbers_with_a_tolerance():
    from derivations.conformance import rule, run_rules
    from derivations.spec import DatasetSpec, Spec

    spec = Spec(datasets={"AE": DatasetSpec("AE", variables=[
        VariableSpec("AE", "USUBJID"), VariableSpec("AE", "AEDECOD", codelist="MEDDRA"),
        VariableSpec("AE", "VISITNUM", "Visit Number", "float", codelist="VISITNUM")])},
        codelists={"MEDDRA": Codelist("MEDDRA", extensible=True, terms=(Term("Nausea"),)),
                   "VISITNUM": Codelist("VISITNUM", data_type="float", terms=(Term("1"), Term("1.2")))})
    ae = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(6)],
                       "AEDECOD": ["Anaemia", "Nausea", "Anaemia", "Anaemia", "Rash", "Anaemia"],
                       "VISITNUM": [1.0, 0.1 + 1.1, 1.2, 1.3, 1.3000001, np.nan]})
    got = [(f.check, f.variable, f.usubjid, f.value, f.message)
           for f in run_rules({"AE": ae}, spec=spec, rules=[rule("SP0001"), rule("SP0002")])]
    assert got == [
        ("SP0001", "VISITNUM", "S3", 1.3, "values are terms of the variable's non-extensible codelist"),
        ("SP0001", "VISITNUM", "S4", 1.3000001, "values are terms of the variable's non-extensible codelist"),
        ("SP0002", "AEDECOD", "S0", "Anaemia", "values are terms of the variable's extensible codelist (else a sponsor "
         "extension that the codelist should list) (4 records; the first is shown)"),
        ("SP0002", "AEDECOD", "S4", "Rash", "values are terms of the variable's extensible codelist (else a sponsor "
         "extension that the codelist should list)"),
    ]
