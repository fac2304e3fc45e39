"""``derive compare`` of CSV datasets: text compared as numbers when the other side or the spec says numeric.

A CSV file carries no types (every column is read as text). Its text "1.0" is the number of an XPT or
parquet 1 or a CSV "1" when the variable is numeric there or in the spec, and the tolerance applies; a
text that is not a number is listed with its keys, variable and value, and counted as unequal.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from derivations.compare import compare_datasets, compare_folders, compare_main, spec_numeric
from derivations.compare.engine import text_numbers
from derivations.findings import DerivationError
from derivations.io import read_dataset

ROOT = Path(__file__).resolve().parents[1]


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_parquet(path, index=False)
    return path


#: the production dataset (typed: parquet) and its QC written to CSV by another tool
PROD = pd.DataFrame({"USUBJID": ["01", "01", "02", "02", "03"], "AVISITN": [1.0, 2.0, 1.0, 2.0, 1.0],
                     "AVAL": [1.0, 2.5, 1.0, None, 1.5], "AVALC": ["1", "2.5", "1", "", "1.5"]})
QC_CSV = ("USUBJID,AVISITN,AVAL,AVALC\n"
          "01,1,1.0,1.0\n"       # "1.0" is AVAL 1 (numeric in production); AVALC is text there: "1.0" != "1"
          "01,2, 2.50 ,2.5\n"    # blanks around a number
          "02,1,1.0000001,1\n"   # within a tolerance of 1e-6
          "02,2,.,\n"            # SAS's missing number
          "03,1,1;5,1.5\n")      # not a number


def test_csv_text_compares_as_the_numbers_of_the_other_side(tmp_path):
    base, bmeta = read_dataset(_parquet(tmp_path / "adx.parquet", PROD))
    comp, cmeta = read_dataset(_csv(tmp_path / "adx.csv", QC_CSV))
    res = compare_datasets(base, comp, by_vars=["USUBJID", "AVISITN"], base_meta=bmeta, compare_meta=cmeta,
                           tolerance=1e-6)
    assert res.report_text() == f"""The COMPARE Procedure
Comparison of BASE ({tmp_path}/adx.parquet) with COMPARE ({tmp_path}/adx.csv)
(Method=ABSOLUTE, Criterion=1.00E-06)

Data Set Summary

  Dataset  NVar  NObs  Label
  -------  ----  ----  -----
  BASE     4     5
  COMPARE  4     5

Variables Summary

  Number of Variables in Common: 4.
  Number of Variables in BASE but not in COMPARE: 0.
  Number of Variables in COMPARE but not in BASE: 0.
  Number of Variables with Conflicting Types: 0.
  Number of Variables with Differing Attributes: 0.
  Number of ID Variables: 2.  (USUBJID, AVISITN)
  Attributes not compared (not carried by both files): length, label, format.
  Text variables (CSV) compared as numbers, numeric in the other dataset or the spec: AVISITN (COMPARE), AVAL (COMPARE).

Observation Summary

  Number of Observations in Common: 5.
  Number of Observations in BASE but not in COMPARE: 0.
  Number of Observations in COMPARE but not in BASE: 0.
  Number of Observations with Some Compared Variables Unequal: 2.
  Number of Observations with All Compared Variables Equal: 3.

Text Values of Numeric Variables that are Not Numbers

  side     USUBJID  AVISITN  variable  value
  -------  -------  -------  --------  -----
  COMPARE  03       1        AVAL      1;5

Values Comparison Summary

  Number of Variables Compared with All Observations Equal: 0.
  Number of Variables Compared with Some Observations Unequal: 2.
  Total Number of Values which Compare Unequal: 2.
  Maximum Difference: 1e-07.

Summary Statistics of Numeric Differences (records with both values present)

  Variable  MaxAbsDif          MaxRelDif          MeanDif
  --------  -----------------  -----------------  -----------------
  AVAL      1.00000000058e-07  1.00000000058e-07  3.33333333528e-08

Variables with Unequal Values

  Variable  Type  Ndif  PctEqual  MaxDif             MaxRelDif
  --------  ----  ----  --------  -----------------  -----------------
  AVAL      NUM   1     80.0000   1.00000000058e-07  1.00000000058e-07
  AVALC     CHAR  1     80.0000   .                  .

Value Comparison Results for Variables

________________________________________________________________________
  Variable AVAL: 1 unequal value(s)

  USUBJID  AVISITN  Base Value  Compare Value  Diff.  % Diff
  -------  -------  ----------  -------------  -----  ------
  03       1        1.5         1;5            .      .

________________________________________________________________________
  Variable AVALC: 1 unequal value(s)

  USUBJID  AVISITN  Base Value  Compare Value  Diff.  % Diff
  -------  -------  ----------  -------------  -----  ------
  01       1        1           1.0            .      .

NOTE: The datasets differ: 2 unequal value(s) in 2 variable(s); 1 text value(s) of numeric variables that are \
not numbers.
"""
    assert res.not_numbers.to_dict("records") == [
        {"side": "COMPARE", "USUBJID": "03", "AVISITN": 1.0, "variable": "AVAL", "value": "1;5"}]
    diffs = compare_datasets(base, comp, by_vars=["USUBJID", "AVISITN"], base_meta=bmeta, compare_meta=cmeta,
                             tolerance=1e-6, max_listed=None).differences_dataset()
    assert diffs.fillna("").values.tolist() == [
        ["value", "03", 1.0, "AVAL", "AVAL", "1.5", "1;5", ""],
        ["value", "01", 1.0, "AVALC", "AVALC", "1", "1.0", ""],
        ["not a number", "03", 1.0, "AVAL", "AVAL", "", "1;5", ""]]
    html = res.report_html()
    assert ("<h4>Text values of numeric variables that are not numbers (1)</h4>\n<table><tr><th>side</th>"
            "<th>USUBJID</th><th>AVISITN</th><th>variable</th><th>value</th></tr>\n<tr><td>COMPARE</td><td>03</td>"
            "<td>1</td><td>AVAL</td><td>1;5</td></tr></table>") in html


def test_a_value_that_is_not_a_number_is_unequal_even_to_a_missing_value(tmp_path):
    # 'NA' next to a missing production value: not taken for a missing number, listed and unequal
    base, bmeta = read_dataset(_parquet(tmp_path / "adx.parquet", PROD.iloc[[3]]))
    comp, cmeta = read_dataset(_csv(tmp_path / "adx.csv", "USUBJID,AVISITN,AVAL,AVALC\n02,2,NA,\n"))
    res = compare_datasets(base, comp, by_vars=["USUBJID", "AVISITN"], base_meta=bmeta, compare_meta=cmeta)
    assert res.differences[["variable", "USUBJID", "compare"]].values.tolist() == [["AVAL", "02", "NA"]]
    assert res.differences["base"].isna().tolist() == [True]
    assert res.not_numbers.values.tolist() == [["COMPARE", "02", 2.0, "AVAL", "NA"]]
    assert not res.equal and res.summary["n_values_unequal"] == 1


def test_infinities_and_numbers_too_large_for_a_double_are_not_numbers(tmp_path):
    # 'inf', '-inf', 'Infinity' and '1e400' (no finite double holds it) read as floats would be infinities:
    # listed as not numbers with their keys, and unequal to the production value (even a missing one)
    base, bmeta = read_dataset(_parquet(tmp_path / "adx.parquet", PROD))
    comp, cmeta = read_dataset(_csv(tmp_path / "adx.csv", "USUBJID,AVISITN,AVAL,AVALC\n01,1,inf,1\n01,2,-inf,2.5\n"
                                                          "02,1,Infinity,1\n02,2,1e400,\n03,1,1.5,1.5\n"))
    res = compare_datasets(base, comp, by_vars=["USUBJID", "AVISITN"], base_meta=bmeta, compare_meta=cmeta)
    assert res.not_numbers.values.tolist() == [
        ["COMPARE", "01", 1.0, "AVAL", "inf"], ["COMPARE", "01", 2.0, "AVAL", "-inf"],
        ["COMPARE", "02", 1.0, "AVAL", "Infinity"], ["COMPARE", "02", 2.0, "AVAL", "1e400"]]
    assert res.differences[["variable", "USUBJID", "AVISITN", "compare"]].values.tolist() == [
        ["AVAL", "01", 1.0, "inf"], ["AVAL", "01", 2.0, "-inf"], ["AVAL", "02", 1.0, "Infinity"],
        ["AVAL", "02", 2.0, "1e400"]]
    assert res.summary["n_values_unequal"] == 4 and res.summary["n_not_numbers"] == 4


def test_not_numbers_on_unmatched_records_are_listed_too(tmp_path):
    base, bmeta = read_dataset(_parquet(tmp_path / "adx.parquet", PROD.iloc[[0]]))
    comp, cmeta = read_dataset(_csv(tmp_path / "adx.csv", "USUBJID,AVISITN,AVAL,AVALC\n01,1,1,1\n09,1,n/a,x\n"))
    res = compare_datasets(base, comp, by_vars=["USUBJID", "AVISITN"], base_meta=bmeta, compare_meta=cmeta)
    assert res.not_numbers.values.tolist() == [["COMPARE", "09", 1.0, "AVAL", "n/a"]]
    assert res.compare_only_rows.values.tolist() == [["09", 1.0]] and res.summary["n_values_unequal"] == 0


def test_two_csv_files_compare_as_numbers_what_the_spec_says_is_numeric(tmp_path):
    base, bmeta = read_dataset(_csv(tmp_path / "a.csv", "USUBJID,AGE,AGEU\n01,61,YEARS\n02,70.0,YEARS\n"))
    comp, cmeta = read_dataset(_csv(tmp_path / "b.csv", "USUBJID,AGE,AGEU\n01,61.0,YEARS\n02,70,YEARS\n"))
    as_text = compare_datasets(base, comp, by_vars=["USUBJID"], base_meta=bmeta, compare_meta=cmeta)
    assert as_text.differences[["variable", "USUBJID", "base", "compare"]].values.tolist() == [
        ["AGE", "01", "61", "61.0"], ["AGE", "02", "70.0", "70"]]      # no type anywhere: text
    by_spec = compare_datasets(base, comp, by_vars=["USUBJID"], base_meta=bmeta, compare_meta=cmeta,
                               numeric=spec_numeric(ROOT)["DM"])
    assert by_spec.equal and by_spec.summary["text_as_numbers"] == ["AGE (BASE)", "AGE (COMPARE)"]
    assert by_spec.variable_stats[["variable", "type", "n_unequal"]].values.tolist() == [
        ["AGE", "num", 0], ["AGEU", "char", 0]]


def test_the_spec_numeric_variables_leave_dates_as_text():
    numeric = spec_numeric(ROOT)
    assert numeric["DM"] == ["AGE"]
    assert numeric["ADSL"] == ["AGE", "AGEGR1N", "TRTDURD", "ECOGBL", "METSITEN", "LINEN"]  # not TRTSDT (DATE9.)


def test_a_key_that_is_not_a_number_is_an_error_naming_it(tmp_path):
    base, bmeta = read_dataset(_parquet(tmp_path / "adx.parquet", PROD))
    comp, cmeta = read_dataset(_csv(tmp_path / "adx.csv", "USUBJID,AVISITN,AVAL,AVALC\n01,1,1,1\n01,two,2.5,2.5\n"))
    with pytest.raises(DerivationError) as err:
        compare_datasets(base, comp, by_vars=["USUBJID", "AVISITN"], base_meta=bmeta, compare_meta=cmeta)
    assert str(err.value).startswith(f"key variable AVISITN is compared as numbers (numeric in the other dataset or "
                                     f"the spec) but COMPARE "
                                     f"({tmp_path}/adx.csv) holds 'two' (record 2), which is not a number")


def test_the_text_rule():
    values, bad = text_numbers(pd.Series([" 1 ", "1.0", "-0.5", "1e3", "", ".", " . ", "1,5", "NA", "nan", "<0.1",
                                          None, "inf", "-inf", " Infinity ", "1e400", "-1e400"]))
    assert values.tolist()[:4] == [1.0, 1.0, -0.5, 1000.0] and values.iloc[4:].isna().all()
    assert bad.tolist() == [False] * 7 + [True] * 4 + [False] + [True] * 5


def test_derive_compare_folders_of_csv_with_the_study_spec(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _csv(tmp_path / "a" / "dm.csv", "STUDYID,USUBJID,AGE\nS,01,61\nS,02,70\n")
    _csv(tmp_path / "b" / "dm.csv", "STUDYID,USUBJID,AGE\nS,01,61.0\nS,02,seventy\n")
    code = compare_main([str(tmp_path / "a"), str(tmp_path / "b"), "--study", str(ROOT)])
    out = capsys.readouterr().out
    assert code == 1
    res = compare_folders(tmp_path / "a", tmp_path / "b", keys={"DM": ["STUDYID", "USUBJID"]},
                          numeric=spec_numeric(ROOT))
    result = res.items[0].result
    assert result.not_numbers.values.tolist() == [["COMPARE", "S", "02", "AGE", "seventy"]]
    assert result.differences[["variable", "USUBJID", "base", "compare"]].values.tolist() == [
        ["AGE", "02", 70.0, "seventy"]]
    assert "  COMPARE  S        02       AGE       seventy\n" in out
