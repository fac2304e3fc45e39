"""QC dataset compare (derivations.compare) and dataset reading (derivations.io)."""

from __future__ import annotations

import json

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
