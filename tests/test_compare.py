"""QC dataset compare (derivations.compare) and dataset reading (derivations.io)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from derivations.compare import DuplicateKeyError, compare_datasets, compare_main
from derivations.datasetjson import write_dataset_json
from derivations.findings import DerivationError
from derivations.io import DatasetMeta, VariableMeta, read_dataset


def _base() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["01", "01", "02", "03"],
        "AVISITN": [1, 2, 1, 1],
        "AVAL": [10.0, 20.0, np.nan, 40.0],
        "AVALC": ["A", "B", "", "D"],
        "ADT": pd.to_datetime(["2021-01-01", "2021-01-02", None, "2021-01-04"]),
    })


def _stats(result) -> dict[str, int]:
    return dict(zip(result.variable_stats["variable"], result.variable_stats["n_unequal"]))


# --------------------------------------------------------------------------- values


def test_identical_frames_in_different_order_are_equal():
    base = _base()
    qc = base.iloc[[3, 1, 0, 2]].reset_index(drop=True)
    res = compare_datasets(base, qc, by_vars=["USUBJID", "AVISITN"])
    assert res.equal
    assert res.summary["n_rows_compared"] == 4
    assert _stats(res) == {"AVAL": 0, "AVALC": 0, "ADT": 0}
    assert "No unequal values were found" in res.report_text()


def test_unequal_counts_per_variable_and_listed_differences_with_keys():
    base = _base()
    qc = base.copy()
    qc.loc[1, "AVAL"] = 21.5          # 01/2
    qc.loc[3, "AVAL"] = 41.0          # 03/1
    qc.loc[2, "AVAL"] = 5.0           # 02/1: missing in base, 5 in QC
    qc.loc[0, "AVALC"] = "X"          # 01/1
    qc.loc[3, "ADT"] = pd.Timestamp("2021-01-05")  # 03/1, one day later
    res = compare_datasets(base, qc, by_vars=["USUBJID", "AVISITN"])
    assert not res.equal
    assert _stats(res) == {"AVAL": 3, "AVALC": 1, "ADT": 1}
    vs = res.variable_stats.set_index("variable")
    assert vs.loc["AVAL", "n_compared"] == 4 and vs.loc["AVAL", "n_equal"] == 1
    assert vs.loc["AVAL", "pct_equal"] == pytest.approx(25.0)
    assert vs.loc["AVAL", "max_abs_diff"] == pytest.approx(1.5)
    aval = res.differences[res.differences["variable"] == "AVAL"]
    assert aval[["USUBJID", "AVISITN"]].values.tolist() == [["01", 2], ["02", 1], ["03", 1]]
    assert aval["base"].tolist()[0] == 20.0 and aval["compare"].tolist()[0] == 21.5
    assert aval["diff"].tolist()[0] == pytest.approx(1.5)
    assert np.isnan(aval["base"].tolist()[1]) and aval["compare"].tolist()[1] == 5.0
    avalc = res.differences[res.differences["variable"] == "AVALC"]
    assert avalc[["USUBJID", "AVISITN", "base", "compare"]].values.tolist() == [["01", 1, "A", "X"]]
    assert res.summary["n_values_unequal"] == 5
    assert res.summary["n_rows_unequal"] == 4  # 01/1, 01/2, 02/1, 03/1
    text = res.report_text()
    assert "Total Number of Values which Compare Unequal: 5." in text
    assert "Variable AVAL: 3 unequal value(s)" in text


def test_blank_equals_missing_and_trailing_blanks_are_ignored():
    base = pd.DataFrame({"K": [1, 2, 3, 4, 5], "C": ["", None, "A ", "  B", np.nan]})
    qc = pd.DataFrame({"K": [1, 2, 3, 4, 5], "C": [None, "", "A", "B", "   "]})
    res = compare_datasets(base, qc, by_vars=["K"])
    # only the leading blanks of "  B" count (as in SAS)
    assert _stats(res) == {"C": 1}
    assert res.differences[["K", "base", "compare"]].values.tolist() == [[4, "  B", "B"]]


def test_text_keys_match_ignoring_trailing_blanks_and_blank_equals_missing():
    base = pd.DataFrame({"K": ["01 ", "", "03", "04"], "X": [1.0, 2.0, 3.0, 4.0]})
    qc = pd.DataFrame({"K": ["03", None, "01", "05"], "X": [3.0, 2.0, 1.5, 5.0]})
    res = compare_datasets(base, qc, by_vars=["K"])
    assert res.summary["n_rows_compared"] == 3
    assert res.base_only_rows["K"].tolist() == ["04"] and res.compare_only_rows["K"].tolist() == ["05"]
    assert res.differences[["K", "base", "compare"]].values.tolist() == [["01 ", 1.0, 1.5]]


def test_nan_equals_nan_and_exact_by_default():
    base = pd.DataFrame({"K": [1, 2, 3], "X": [np.nan, 1.0, 1.0]})
    qc = pd.DataFrame({"K": [1, 2, 3], "X": [np.nan, 1.0 + 1e-15, np.nan]})
    res = compare_datasets(base, qc, by_vars=["K"])
    assert _stats(res) == {"X": 2}
    assert res.differences["K"].tolist() == [2, 3]


def test_relative_tolerance_edge_1e9_accepted_1e8_rejected():
    base = pd.DataFrame({"K": [1, 2, 3, 4], "X": [1.0, 1.0, 1_000_000.0, 0.0]})
    qc = pd.DataFrame({"K": [1, 2, 3, 4], "X": [1.0 + 1e-9, 1.0 + 1e-8, 1_000_000.0 + 1e-3, 1e-12]})
    rel = compare_datasets(base, qc, by_vars=["K"], tolerance=1e-9, tolerance_type="relative")
    # 1e-9 relative: K=1 and K=3 (1e-3 / 1e6) accepted; 1e-8 rejected; base 0 needs exact equality
    assert rel.differences["K"].tolist() == [2, 4]
    exact = compare_datasets(base, qc, by_vars=["K"])
    assert _stats(exact) == {"X": 4}
    absolute = compare_datasets(base, qc, by_vars=["K"], tolerance=1e-9)
    # absolute 1e-9: K=1 (1e-9) and K=4 (1e-12) accepted, K=3 (1e-3) rejected
    assert absolute.differences["K"].tolist() == [2, 3]
    assert "Method=RELATIVE, Criterion=1.00E-09" in rel.report_text()


def test_datetimes_compared_as_values_across_units():
    base = pd.DataFrame({"K": [1, 2, 3],
                         "D": pd.to_datetime(["2021-01-01 10:00", None, "2021-03-01 00:00"]).astype("datetime64[ns]")})
    qc = pd.DataFrame({"K": [1, 2, 3],
                       "D": pd.to_datetime(["2021-01-01 10:00", None, "2021-03-02 00:00"]).astype("datetime64[s]")})
    res = compare_datasets(base, qc, by_vars=["K"])
    assert _stats(res) == {"D": 1}
    assert res.differences["K"].tolist() == [3]


def test_max_listed_limits_listing_not_counts():
    base = pd.DataFrame({"K": range(10), "X": np.arange(10.0)})
    qc = pd.DataFrame({"K": range(10), "X": np.arange(10.0) + 1})
    res = compare_datasets(base, qc, by_vars=["K"], max_listed=3)
    assert _stats(res) == {"X": 10}
    assert res.differences["K"].tolist() == [0, 1, 2]
    assert "first 3 listed" in res.report_text()


def test_without_by_vars_records_match_by_observation_number():
    base = pd.DataFrame({"X": [1.0, 2.0, 3.0]})
    qc = pd.DataFrame({"X": [1.0, 2.5]})
    res = compare_datasets(base, qc, by_vars=[])
    assert res.summary["n_base_only_rows"] == 1
    assert res.base_only_rows["_OBS_"].tolist() == [3]
    assert res.differences["_OBS_"].tolist() == [2]


# --------------------------------------------------------------------------- structure


def test_variables_and_rows_on_one_side_only():
    base = _base()
    qc = base.drop(columns=["AVALC"]).assign(NEWVAR=1)
    qc = qc[~((qc["USUBJID"] == "02") & (qc["AVISITN"] == 1))]
    extra = pd.DataFrame({"USUBJID": ["04"], "AVISITN": [1], "AVAL": [1.0],
                          "ADT": pd.to_datetime(["2021-02-01"]), "NEWVAR": [1]})
    qc = pd.concat([qc, extra], ignore_index=True)
    res = compare_datasets(base, qc, by_vars=["USUBJID", "AVISITN"])
    assert not res.equal
    assert res.base_only_vars == ["AVALC"] and res.compare_only_vars == ["NEWVAR"]
    assert res.base_only_rows.values.tolist() == [["02", 1]]
    assert res.compare_only_rows.values.tolist() == [["04", 1]]
    assert res.summary["n_rows_compared"] == 3
    assert _stats(res) == {"AVAL": 0, "ADT": 0}
    text = res.report_text()
    assert "Number of Variables in BASE but not in COMPARE: 1.  (AVALC)" in text
    assert "Number of Observations in COMPARE but not in BASE: 1." in text


def test_attribute_differences_label_length_format_type():
    base = pd.DataFrame({"K": [1, 2], "A": ["x", "y"], "B": [1.0, 2.0], "C": [1.0, 2.0]})
    qc = pd.DataFrame({"K": [1, 2], "A": ["x", "y"], "B": [1.0, 2.0], "C": ["1", "2"]})
    bmeta = DatasetMeta("ADX", "Analysis X", (
        VariableMeta("K", "Key", "num", 8), VariableMeta("A", "Label A", "char", 1),
        VariableMeta("B", "Value B", "num", 8, "8.2"), VariableMeta("C", "C", "num", 8)))
    cmeta = DatasetMeta("ADX", "Analysis X (QC)", (
        VariableMeta("K", "Key", "num", 8), VariableMeta("A", "Label of A", "char", 20),
        VariableMeta("B", "Value B", "num", 8, "8.3"), VariableMeta("C", "C", "char", 1)))
    res = compare_datasets(base, qc, by_vars=["K"], base_meta=bmeta, compare_meta=cmeta)
    attrs = {(r.variable, r.attribute): (r.base, r.compare) for r in res.attribute_differences.itertuples()}
    assert attrs == {
        ("A", "length"): (1, 20),
        ("A", "label"): ("Label A", "Label of A"),
        ("B", "format"): ("8.2", "8.3"),
        ("C", "type"): ("num", "char"),
        ("C", "length"): (8, 1),
    }
    # conflicting types: values not compared (as PROC COMPARE)
    assert "C" not in set(res.variable_stats["variable"])
    assert res.summary["dataset_label_differs"] and res.summary["n_conflicting_types"] == 1
    assert not res.equal
    assert "Number of Variables with Conflicting Types: 1." in res.report_text()


def test_labels_not_compared_when_one_file_carries_none():
    base = pd.DataFrame({"K": [1], "A": ["x"]})
    bmeta = DatasetMeta("ADX", None, (VariableMeta("K", "Key", "num", 8), VariableMeta("A", "A", "char", 1)))
    res = compare_datasets(base, base.copy(), by_vars=["K"], base_meta=bmeta)
    assert res.equal
    assert "label" not in res.summary["attributes_compared"]


def test_duplicate_keys_raise_naming_side_and_key_values():
    base = _base()
    qc = pd.concat([base, base.iloc[[2]]], ignore_index=True)
    with pytest.raises(DuplicateKeyError) as err:
        compare_datasets(base, qc, by_vars=["USUBJID", "AVISITN"])
    msg = str(err.value)
    assert "COMPARE" in msg and "USUBJID='02'" in msg and "AVISITN=1" in msg and "2 records" in msg
    with pytest.raises(DuplicateKeyError, match="BASE"):
        compare_datasets(qc, base, by_vars=["USUBJID", "AVISITN"])


def test_missing_key_variable_and_bad_tolerance_raise():
    base = _base()
    with pytest.raises(DerivationError, match="PARAMCD not found in COMPARE"):
        compare_datasets(base.assign(PARAMCD="X"), base, by_vars=["USUBJID", "PARAMCD"])
    with pytest.raises(DerivationError, match="tolerance_type"):
        compare_datasets(base, base, by_vars=["USUBJID", "AVISITN"], tolerance_type="ulp")
    with pytest.raises(DerivationError, match="key variable K is num in BASE but char"):
        compare_datasets(pd.DataFrame({"K": [1]}), pd.DataFrame({"K": ["1"]}), by_vars=["K"])


def test_html_report_escapes_values():
    base = pd.DataFrame({"K": [1], "C": ["<b>x</b>"]})
    qc = pd.DataFrame({"K": [1], "C": ["y"]})
    html = compare_datasets(base, qc, by_vars=["K"]).report_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "NOT EQUAL" in html


# --------------------------------------------------------------------------- files and CLI


def _write_xpt(df: pd.DataFrame, path, labels=None, file_label="Analysis X"):
    pyreadstat.write_xport(df, str(path), file_label=file_label, column_labels=labels,
                           table_name="ADX", file_format_version=5)
    return path


@pytest.fixture()
def frames():
    base = pd.DataFrame({"USUBJID": ["01", "02", "03"], "AVAL": [1.5, 2.0, np.nan],
                         "AVALC": ["1.5", "2", ""]})
    return base


def test_read_dataset_xpt_has_labels_lengths(tmp_path, frames):
    path = _write_xpt(frames, tmp_path / "adx.xpt",
                      labels={"USUBJID": "Unique Subject Identifier", "AVAL": "Analysis Value", "AVALC": "Char"})
    df, meta = read_dataset(path)
    assert meta.name == "ADX" and meta.label == "Analysis X"
    assert meta.variable("USUBJID").label == "Unique Subject Identifier"
    assert meta.variable("USUBJID").type == "char" and meta.variable("AVAL").type == "num"
    assert meta.variable("AVAL").length == 8 and meta.variable("USUBJID").length == 2
    assert df["AVAL"].tolist()[:2] == [1.5, 2.0]


def test_read_dataset_parquet_with_sidecar(tmp_path, frames):
    frames.to_parquet(tmp_path / "adx.parquet")
    (tmp_path / "adx.meta.json").write_text(json.dumps({
        "dataset": "adx", "dataset_label": "Analysis X",
        "columns": [{"name": "USUBJID", "label": "Unique Subject Identifier"}]}))
    _, meta = read_dataset(tmp_path / "adx.parquet")
    assert meta.name == "ADX" and meta.label == "Analysis X"
    assert meta.variable("USUBJID").label == "Unique Subject Identifier"
    assert meta.variable("AVAL").label is None


def test_compare_main_exit_codes(tmp_path, frames, capsys):
    labels = {"USUBJID": "Unique Subject Identifier", "AVAL": "Analysis Value", "AVALC": "Char"}
    base = _write_xpt(frames, tmp_path / "base.xpt", labels)
    same = _write_xpt(frames, tmp_path / "same.xpt", labels)
    assert compare_main([str(base), str(same), "--by", "USUBJID"]) == 0
    out = capsys.readouterr().out
    assert "The COMPARE Procedure" in out and "All values compared are exactly equal" in out

    changed = frames.copy()
    changed.loc[1, "AVAL"] = 2.0 + 1e-10
    diff = _write_xpt(changed, tmp_path / "diff.xpt", labels)
    html = tmp_path / "out.html"
    assert compare_main([str(base), str(diff), "--by", "USUBJID", "--html", str(html)]) == 1
    assert "Total Number of Values which Compare Unequal: 1." in capsys.readouterr().out
    assert html.exists() and "NOT EQUAL" in html.read_text()
    assert compare_main([str(base), str(diff), "--by", "USUBJID", "--tolerance", "1e-9", "--relative"]) == 0
    capsys.readouterr()

    # CSV (all text) against itself, parquet against XPT: values equal, labels not carried by parquet
    frames.to_csv(tmp_path / "a.csv", index=False)
    assert compare_main([str(tmp_path / "a.csv"), str(tmp_path / "a.csv"), "--by", "USUBJID"]) == 0
    frames.to_parquet(tmp_path / "adx.parquet")
    assert compare_main([str(base), str(tmp_path / "adx.parquet"), "--by", "USUBJID"]) == 0
    capsys.readouterr()


def test_compare_main_dataset_json_against_xpt(tmp_path, frames, capsys):
    labels = {"USUBJID": "Unique Subject Identifier", "AVAL": "Analysis Value", "AVALC": "Char"}
    base = _write_xpt(frames, tmp_path / "base.xpt", labels)
    _, meta = read_dataset(base)
    write_dataset_json(frames, tmp_path / "adx.json", name="ADX", label="Analysis X",
                       variables=meta.variables, creation_datetime="2024-01-01T00:00:00")
    assert compare_main([str(base), str(tmp_path / "adx.json"), "--by", "USUBJID"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("case", ["missing_file", "corrupt_xpt", "duplicate_keys", "missing_key",
                                  "bad_option"])
def test_compare_main_exit_2_with_one_line_message(tmp_path, frames, capsys, case):
    base = _write_xpt(frames, tmp_path / "base.xpt")
    argv = [str(base), str(base), "--by", "USUBJID"]
    if case == "missing_file":
        argv[1] = str(tmp_path / "nope.xpt")
        expected = ["file not found", "nope.xpt"]
    elif case == "corrupt_xpt":
        (tmp_path / "bad.xpt").write_bytes(b"\x00garbage not a transport file\xff" * 50)
        argv[1] = str(tmp_path / "bad.xpt")
        expected = ["not a readable SAS transport file", "not a LIBRARY header", "bad.xpt"]
    elif case == "duplicate_keys":
        _write_xpt(pd.concat([frames, frames.iloc[[0]]]), tmp_path / "dup.xpt")
        argv[1] = str(tmp_path / "dup.xpt")
        expected = ["duplicate key", "COMPARE", "dup.xpt", "USUBJID='01'"]
    elif case == "missing_key":
        argv[3] = "USUBJID,PARAMCD"
        expected = ["PARAMCD", "not found"]
    else:
        argv = [str(base)]
        expected = ["usage"]
    assert compare_main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    for piece in expected:
        assert piece in err
    if case != "bad_option":
        assert len(err.splitlines()) == 1 and err.startswith("derive compare: error:")
        assert captured.out == ""


# --------------------------------------------------------------------------- PROC COMPARE parity (issue 15)


def test_var_with_pairs_compare_differently_named_variables():
    base = pd.DataFrame({"K": [1, 2, 3], "GR1": [85.0, 78.0, 87.0], "X": ["a", "b", "c"]})
    qc = pd.DataFrame({"K": [1, 2, 3], "GR1": [84.0, 78.0, 87.0], "GR2": [87.0, 73.0, 87.0], "Y": [1, 2, 3]})
    # PROC COMPARE: VAR GR1 GR1; WITH GR1 GR2; (one base variable against two compare variables)
    res = compare_datasets(base, qc, by_vars=["K"], variables=["GR1", "GR1"], with_vars=["GR1", "GR2"],
                           max_listed=None)
    stats = res.variable_stats[["variable", "compare_variable", "n_unequal"]].values.tolist()
    assert stats == [["GR1", "GR1", 1], ["GR1", "GR2", 2]]
    d = res.differences[["variable", "compare_variable", "K", "base", "compare", "diff"]].values.tolist()
    assert d == [["GR1", "GR1", 1, 85.0, 84.0, -1.0], ["GR1", "GR2", 1, 85.0, 87.0, 2.0],
                 ["GR1", "GR2", 2, 78.0, 73.0, -5.0]]
    # variables not listed are neither compared nor "in one dataset only"
    assert res.base_only_vars == [] and res.compare_only_vars == [] and not res.values_equal
    text = res.report_text()
    assert "Variables compared (VAR/WITH): 2.  (GR1, GR1/GR2)" in text and "Variable GR1/GR2: 2 unequal" in text
    # VAR alone: a subset of same-named variables
    sub = compare_datasets(base, qc.assign(X=["a", "b", "c"]), by_vars=["K"], variables=["X"])
    assert sub.equal and sub.variable_stats["variable"].tolist() == ["X"]


@pytest.mark.parametrize("kwargs, message", [
    ({"variables": ["GR1"], "with_vars": ["GR2", "GR3"]}, r"1 VAR variable\(s\) but 2 WITH"),
    ({"with_vars": ["GR2"]}, "WITH variables need VAR"),
    ({"variables": ["NOPE"]}, "NOPE not found in BASE"),
    ({"variables": ["GR1"], "with_vars": ["NOPE"]}, "NOPE not found in COMPARE"),
    ({"ignore": "types"}, "cannot ignore 'types'"),
])
def test_var_with_and_ignore_errors_name_the_problem(kwargs, message):
    base = pd.DataFrame({"K": [1], "GR1": [1.0]})
    with pytest.raises(DerivationError, match=message):
        compare_datasets(base, base.assign(GR2=1.0), by_vars=["K"], **kwargs)


def test_methods_absolute_relative_percent_at_their_boundaries():
    x = [100.0, 100.0, 0.0, 0.0, -50.0, 1.0]
    y = [101.0, 101.01, 0.0, 1e-9, -50.5, 1.0 + 1e-12]
    base, qc = pd.DataFrame({"K": range(6), "X": x}), pd.DataFrame({"K": range(6), "X": y})

    def unequal(**kw):
        return compare_datasets(base, qc, by_vars=["K"], max_listed=None, **kw).differences["K"].tolist()

    # PERCENT 1: 100|y-x|/|x| <= 1; x = 0 is equal only to 0
    assert unequal(tolerance=1, tolerance_type="percent") == [1, 3]
    # RELATIVE (SAS): |y-x| / ((|x|+|y|)/2) <= 0.01: 1/100.5 passes, 1.01/100.505 fails; 0 vs 1e-9 is 2
    assert unequal(tolerance=0.01, tolerance_type="relative") == [1, 3]
    # ABSOLUTE 1: differences 1, 1.01, 0, 1e-9, 0.5, 1e-12
    assert unequal(tolerance=1) == [1]
    assert unequal() == [0, 1, 3, 4, 5]
    res = compare_datasets(base, qc, by_vars=["K"], tolerance=1, tolerance_type="percent")
    assert "Method=PERCENT, Criterion=1.00E+00" in res.report_text()


def test_numeric_difference_statistics_per_variable():
    base = pd.DataFrame({"K": [1, 2, 3, 4], "X": [10.0, 0.0, 4.0, np.nan], "C": ["a", "b", "c", "d"]})
    qc = pd.DataFrame({"K": [1, 2, 3, 4], "X": [10.5, 0.25, 3.0, 7.0], "C": ["a", "b", "c", "x"]})
    res = compare_datasets(base, qc, by_vars=["K"], tolerance=0.3)
    vs = res.variable_stats.set_index("variable")
    # over the 3 records with both values: diffs 0.5, 0.25, -1.0; relative 0.05, (base 0: none), 0.25
    assert vs.loc["X", "max_abs_diff"] == pytest.approx(1.0)
    assert vs.loc["X", "max_rel_diff"] == pytest.approx(0.25)
    assert vs.loc["X", "mean_diff"] == pytest.approx(-0.25 / 3)
    assert vs.loc["X", "n_unequal"] == 3  # 0.5 and 1.0 beyond 0.3, and missing vs 7
    assert np.isnan(vs.loc["C", "max_abs_diff"])
    text = res.report_text()
    assert "Summary Statistics of Numeric Differences" in text
    assert "X         1          0.25       -0.0833333333333" in text


def _xpt_with_meta(frame, path, meta):
    from derivations.xpt import write_xpt

    import datetime

    write_xpt(frame, path, label=meta.label, variables=meta.variables, created=datetime.datetime(2024, 1, 1))
    return path


def test_attribute_only_differences_are_reported_apart_and_can_be_ignored(tmp_path, capsys):
    frame = pd.DataFrame({"USUBJID": ["01", "02"], "TRTSDT": [1.0, 2.0]})
    meta = DatasetMeta("ADSL", "Subject-Level", (VariableMeta("USUBJID", "Subject", "char", 8),
                                                 VariableMeta("TRTSDT", "Start", "num", 8, "DATE9.")))
    other = DatasetMeta("ADSL", "Subject-Level", (VariableMeta("USUBJID", "Subject", "char", 8),
                                                  VariableMeta("TRTSDT", "Start", "num", 8, "YYMMDD10.")))
    base = _xpt_with_meta(frame, tmp_path / "base.xpt", meta)
    qc = _xpt_with_meta(frame, tmp_path / "qc.xpt", other)
    b, bm = read_dataset(base)
    c, cm = read_dataset(qc)
    res = compare_datasets(b, c, by_vars=["USUBJID"], base_meta=bm, compare_meta=cm)
    assert res.values_equal and not res.attributes_equal and not res.equal
    assert res.attribute_differences.values.tolist() == [["TRTSDT", "format", "DATE9", "YYMMDD10"]]
    assert "differ in attributes only: 1 format difference(s)" in res.report_text()
    assert "VALUES EQUAL; attributes differ" in res.report_html()
    assert compare_main([str(base), str(qc), "--by", "USUBJID"]) == 1
    assert compare_main([str(base), str(qc), "--by", "USUBJID", "--ignore", "formats"]) == 0
    out = capsys.readouterr().out
    assert "Attributes ignored (--ignore): format." in out and "All values compared are exactly equal" in out
    # a value difference is never hidden by --ignore
    _xpt_with_meta(frame.assign(TRTSDT=[1.0, 3.0]), tmp_path / "qc2.xpt", other)
    assert compare_main([str(base), str(tmp_path / "qc2.xpt"), "--by", "USUBJID", "--ignore",
                         "formats,labels,lengths"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_diffs_writes_every_difference_as_a_dataset(tmp_path, capsys, suffix):
    base = pd.DataFrame({"USUBJID": [f"{i:03d}" for i in range(60)], "AVAL": np.arange(60.0),
                         "AVALC": ["x"] * 60})
    qc = base.copy()
    qc["AVAL"] = qc["AVAL"] + 0.5   # 60 differences, more than --max-listed
    qc.loc[3, "AVALC"] = "y"
    qc = qc.drop(index=59)
    base.to_parquet(tmp_path / "base.parquet")
    qc.to_parquet(tmp_path / "qc.parquet")
    out = tmp_path / f"diffs{suffix}"
    argv = [str(tmp_path / "base.parquet"), str(tmp_path / "qc.parquet"), "--by", "USUBJID", "--out-diffs", str(out),
            "--max-listed", "5"]
    assert compare_main(argv) == 1
    text = capsys.readouterr().out
    assert "Variable AVAL: 59 unequal value(s), first 5 listed" in text and f"wrote 61 difference(s)" in text
    diffs = pd.read_csv(out, dtype=str, keep_default_na=False) if suffix == ".csv" else pd.read_parquet(out)
    assert list(diffs.columns) == ["TYPE", "USUBJID", "VARIABLE", "COMPVAR", "BASE", "COMPARE", "DIFF"]
    assert len(diffs) == 61
    assert diffs["TYPE"].value_counts().to_dict() == {"value": 60, "base only": 1}
    first = diffs.iloc[0]
    assert (first["USUBJID"], first["VARIABLE"], first["BASE"], first["COMPARE"]) == ("000", "AVAL", "0", "0.5")
    assert diffs[diffs["VARIABLE"] == "AVALC"][["USUBJID", "BASE", "COMPARE"]].values.tolist() == [["003", "x", "y"]]
    assert diffs[diffs["TYPE"] == "base only"]["USUBJID"].tolist() == ["059"]
    bad = compare_main(argv[:-3] + [str(tmp_path / "d.txt")])
    assert bad == 2 and "name a .csv or .parquet file" in capsys.readouterr().err


def test_differences_dataset_refuses_a_partial_listing():
    base = pd.DataFrame({"K": range(3), "X": [1.0, 2.0, 3.0]})
    res = compare_datasets(base, base.assign(X=0.0), by_vars=["K"], max_listed=1)
    with pytest.raises(DerivationError, match="kept 1 of the 3 differences of X"):
        res.differences_dataset()


def _folders(tmp_path):
    a, b = tmp_path / "prod", tmp_path / "qc"
    for folder in (a, b):
        (folder / "adam").mkdir(parents=True)
    adsl = pd.DataFrame({"STUDYID": ["S"] * 3, "USUBJID": ["1", "2", "3"], "AGE": [50.0, 60.0, 70.0]})
    adrs = pd.DataFrame({"STUDYID": ["S"] * 2, "USUBJID": ["1", "2"], "PARAMCD": ["BOR", "BOR"],
                         "AVALC": ["PR", "SD"]})
    adsl.to_parquet(a / "adam" / "adsl.parquet")
    adsl.iloc[::-1].to_parquet(b / "adam" / "adsl.parquet")            # same records, other order
    adrs.to_parquet(a / "adam" / "adrs.parquet")
    adrs.assign(AVALC=["PR", "PD"]).to_parquet(b / "adam" / "adrs.parquet")
    adrs.to_parquet(a / "adam" / "adtte.parquet")                      # production only
    adrs.to_parquet(b / "adam" / "adqc.parquet")                       # QC only
    (a / "adam" / "adrs.meta.json").write_text("{}")                  # a sidecar is not a dataset
    return a, b


def test_compare_folders_by_spec_keys_with_datasets_on_one_side(tmp_path):
    from derivations.compare import compare_folders

    a, b = _folders(tmp_path)
    res = compare_folders(a, b, keys={"ADSL": ["STUDYID", "USUBJID"], "ADRS": ["STUDYID", "USUBJID", "PARAMCD"]},
                          max_listed=None)
    frame = res.summary_frame()
    assert frame[["DATASET", "STATUS", "KEYS", "N_VALUES_UNEQUAL"]].values.tolist() == [
        ["adam/ADQC", "compare only", "", 0], ["adam/ADRS", "different", "STUDYID, USUBJID, PARAMCD", 1],
        ["adam/ADSL", "equal", "STUDYID, USUBJID", 0], ["adam/ADTTE", "base only", "", 0]]
    assert not res.equal and not res.could_not_run
    diffs = res.differences_dataset()
    assert diffs[["DATASET", "TYPE", "KEY", "VARIABLE", "BASE", "COMPARE"]].values.tolist() == [
        ["adam/ADQC", "dataset compare only", "", "", "", ""],
        ["adam/ADRS", "value", "STUDYID=S, USUBJID=2, PARAMCD=BOR", "AVALC", "SD", "PD"],
        ["adam/ADTTE", "dataset base only", "", "", "", ""]]
    text = res.report_text()
    assert "1 equal; 1 different; 1 base only; 1 compare only." in text and "Dataset adam/ADRS" in text
    html = res.report_html()
    assert '<a href="#ds-adam-adrs">adam/ADRS</a>' in html and 'id="ds-adam-adrs"' in html


def test_derive_compare_two_folders_exit_codes(tmp_path, capsys):
    a, b = _folders(tmp_path)
    # the embedded study's spec gives ADSL and ADRS their keys
    argv = [str(a), str(b), "--study", str(Path(__file__).resolve().parents[1])]
    # ADRS's spec keys include ADT and AVISITN, which these frames lack: it cannot be compared (exit 2)
    assert compare_main(argv + ["--html", str(tmp_path / "r.html")]) == 2
    out = capsys.readouterr().out
    assert "adam/ADSL   equal" in out and "adam/ADRS   could not compare" in out
    assert "key variable(s) ADT, AVISITN not found" in out
    assert (tmp_path / "r.html").read_text().count("<section") == 1
    assert compare_main(argv + ["--by", "USUBJID,PARAMCD"]) == 2  # --by for all: ADSL has no PARAMCD
    assert compare_main([str(a), str(b), "--study", str(tmp_path)]) == 1  # no spec: observation number
    assert "records matched by observation number" in capsys.readouterr().out
    for name in ("adrs", "adtte", "adqc"):
        for folder in (a, b):
            (folder / "adam" / f"{name}.parquet").unlink(missing_ok=True)
    assert compare_main([str(a), str(b), "--by", "USUBJID"]) == 0
    assert "NOTE: the folders equal." in capsys.readouterr().out
    assert compare_main([str(a), str(b / "adam" / "adsl.parquet")]) == 2
    assert "compare a file with a file or a folder with a folder" in capsys.readouterr().err
