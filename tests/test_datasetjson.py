"""CDISC Dataset-JSON 1.1 writer and reader (derivations.datasetjson)."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from derivations.compare import compare_datasets
from derivations.datasetjson import read_dataset_json, write_dataset_json
from derivations.findings import DerivationError
from derivations.io import DatasetMeta, VariableMeta, read_dataset

VARIABLES = [
    {"name": "STUDYID", "label": "Study Identifier", "length": 12},
    {"name": "USUBJID", "label": "Unique Subject Identifier", "key_sequence": 1},
    {"name": "AGE", "label": "Age", "data_type": "integer"},
    {"name": "BMIBL", "label": "Baseline BMI (kg/m^2)", "data_type": "decimal"},
    {"name": "WEIGHTBL", "label": "Baseline Weight (kg)"},
    {"name": "TRTSDT", "label": "Date of First Exposure to Treatment"},
    {"name": "TRTSDTM", "label": "Datetime of First Exposure to Treatment"},
    {"name": "RFSTDTC", "label": "Subject Reference Start Date/Time", "data_type": "datetime"},
    {"name": "SAFFL", "label": "Safety Population Flag"},
]


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "STUDYID": ["NCT04984096"] * 3,
        "USUBJID": ["NCT04984096-001", "NCT04984096-002", "NCT04984096-003"],
        "AGE": [63.0, np.nan, 71.0],
        "BMIBL": [25.1, 30.8983333232059, np.nan],
        "WEIGHTBL": [54.4, np.nan, 1 / 3],
        "TRTSDT": pd.to_datetime(["2021-08-02", None, "2021-09-15"]),
        "TRTSDTM": pd.to_datetime(["2021-08-02 10:30:00", None, "2021-09-15 08:00:05"]),
        "RFSTDTC": ["2021-08-02T10:30", "", None],
        "SAFFL": ["Y", "", "N"],
    })


def _write(df, path, **kw):
    args = dict(name="ADSL", label="Subject-Level Analysis Dataset", variables=VARIABLES,
                study_oid="NCT04984096", metadata_version_oid="MDV.1", originator="QC team",
                creation_datetime="2024-05-01T12:00:00", source_system="derivations",
                source_system_version="0.1.0")
    args.update(kw)
    return write_dataset_json(df, path, **args)


def test_top_level_attributes_in_specification_order(tmp_path):
    doc = json.loads(_write(_adsl(), tmp_path / "adsl.json").read_text(encoding="utf-8"))
    assert list(doc) == [
        "datasetJSONCreationDateTime", "datasetJSONVersion", "originator", "sourceSystem",
        "studyOID", "metaDataVersionOID", "itemGroupOID", "records", "name", "label", "columns", "rows"]
    assert doc["datasetJSONVersion"] == "1.1.0"
    assert doc["datasetJSONCreationDateTime"] == "2024-05-01T12:00:00"
    assert doc["sourceSystem"] == {"name": "derivations", "version": "0.1.0"}
    assert doc["itemGroupOID"] == "IG.ADSL" and doc["records"] == 3
    assert list(doc["columns"][1]) == ["itemOID", "name", "label", "dataType", "length", "keySequence"]


def test_columns_and_row_values(tmp_path):
    doc = json.loads(_write(_adsl(), tmp_path / "adsl.json").read_text(encoding="utf-8"))
    cols = {c["name"]: c for c in doc["columns"]}
    assert cols["USUBJID"] == {"itemOID": "IT.ADSL.USUBJID", "name": "USUBJID",
                               "label": "Unique Subject Identifier", "dataType": "string",
                               "length": 15, "keySequence": 1}
    assert cols["STUDYID"]["length"] == 12  # given length wins over the data's 11
    assert cols["AGE"]["dataType"] == "integer" and "targetDataType" not in cols["AGE"]
    assert (cols["BMIBL"]["dataType"], cols["BMIBL"]["targetDataType"]) == ("decimal", "decimal")
    assert cols["WEIGHTBL"]["dataType"] == "double"
    assert (cols["TRTSDT"]["dataType"], cols["TRTSDT"]["targetDataType"],
            cols["TRTSDT"]["displayFormat"]) == ("date", "integer", "E8601DA.")
    assert (cols["TRTSDTM"]["dataType"], cols["TRTSDTM"]["targetDataType"]) == ("datetime", "integer")
    # an SDTM --DTC is already an ISO 8601 string: no targetDataType
    assert cols["RFSTDTC"]["dataType"] == "datetime" and "targetDataType" not in cols["RFSTDTC"]
    assert doc["rows"][0] == ["NCT04984096", "NCT04984096-001", 63, "25.1", 54.4, "2021-08-02",
                              "2021-08-02T10:30:00", "2021-08-02T10:30", "Y"]
    assert doc["rows"][1] == ["NCT04984096", "NCT04984096-002", None, "30.8983333232059", None, None,
                              None, "", ""]
    assert doc["rows"][2][4] == 1 / 3 and doc["rows"][2][7] is None


def test_output_is_byte_identical_for_same_input(tmp_path):
    a = _write(_adsl(), tmp_path / "a.json").read_bytes()
    b = _write(_adsl(), tmp_path / "b.json",
               creation_datetime=dt.datetime(2024, 5, 1, 12, 0, 0)).read_bytes()
    assert a == b
    assert a.endswith(b"]}\n") and a.count(b"\n") == 3 + 2  # one line per row


def test_round_trip_compares_equal_with_missing_values_and_labels(tmp_path):
    df = _adsl()
    path = _write(df, tmp_path / "adsl.json")
    back, meta = read_dataset_json(path)
    assert list(back.columns) == list(df.columns)
    assert meta.name == "ADSL" and meta.label == "Subject-Level Analysis Dataset"
    assert meta.labels()["AGE"] == "Age" and meta.variable("USUBJID").key_sequence == 1
    assert meta.variable("TRTSDT").type == "num" and meta.variable("RFSTDTC").type == "char"
    assert meta.attributes["studyOID"] == "NCT04984096"
    assert back["AGE"].isna().tolist() == [False, True, False]
    assert back["TRTSDT"].dtype.kind == "M" and back["TRTSDT"].iloc[0] == pd.Timestamp("2021-08-02")
    assert back["TRTSDTM"].iloc[2] == pd.Timestamp("2021-09-15 08:00:05")
    assert back["BMIBL"].iloc[1] == 30.8983333232059 and back["WEIGHTBL"].iloc[2] == 1 / 3
    assert back["SAFFL"].tolist() == ["Y", "", "N"]
    base_meta = DatasetMeta("ADSL", "Subject-Level Analysis Dataset",
                            tuple(VariableMeta(v["name"], v["label"], length=v.get("length")) for v in VARIABLES))
    res = compare_datasets(df, back, by_vars=["USUBJID"], base_meta=base_meta, compare_meta=meta)
    assert res.equal, res.report_text()
    assert "label" in res.summary["attributes_compared"]
    assert res.summary["n_values_unequal"] == 0
    # the generic reader gives the same frame
    again, meta2 = read_dataset(path)
    assert compare_datasets(back, again, by_vars=["USUBJID"], base_meta=meta, compare_meta=meta2).equal
    # writing the read-back frame with its metadata reproduces the file
    rewritten = write_dataset_json(back, tmp_path / "again.json", name="ADSL",
                                   label="Subject-Level Analysis Dataset", variables=meta,
                                   study_oid="NCT04984096", metadata_version_oid="MDV.1",
                                   originator="QC team", creation_datetime="2024-05-01T12:00:00",
                                   source_system="derivations", source_system_version="0.1.0")
    assert rewritten.read_bytes() == path.read_bytes()


def test_integer_columns_without_missing_read_back_as_int64(tmp_path):
    df = pd.DataFrame({"K": [1, 2], "N": [3, 4], "B": [True, False]})
    back, meta = read_dataset_json(write_dataset_json(df, tmp_path / "x.json", name="X", label="X",
                                                      creation_datetime="2024-01-01T00:00:00"))
    assert back["N"].dtype == np.int64 and back["N"].tolist() == [3, 4]
    assert back["B"].tolist() == [True, False]
    assert meta.variable("B").data_type == "boolean"


def test_empty_dataset_has_zero_records(tmp_path):
    df = pd.DataFrame({"USUBJID": pd.Series([], dtype=object), "AVAL": pd.Series([], dtype=float)})
    doc = json.loads(write_dataset_json(df, tmp_path / "e.json", name="E", label="Empty",
                                        creation_datetime="2024-01-01T00:00:00").read_text())
    assert doc["records"] == 0 and doc["rows"] == []
    back, _ = read_dataset_json(tmp_path / "e.json")
    assert list(back.columns) == ["USUBJID", "AVAL"] and len(back) == 0


def test_writer_rejects_bad_input(tmp_path):
    df = pd.DataFrame({"K": [1, 2], "X": [1.0, 2.5]})
    with pytest.raises(DerivationError, match="non-integer value in an integer column.*variable X"):
        write_dataset_json(df, tmp_path / "x.json", name="X", label="X", creation_datetime="2024-01-01T00:00:00",
                           variables=[{"name": "X", "data_type": "integer"}])
    with pytest.raises(DerivationError, match="not an ISO 8601"):
        write_dataset_json(df, tmp_path / "x.json", name="X", label="X", creation_datetime="01JAN2024")
    with pytest.raises(DerivationError, match="but no such column"):
        write_dataset_json(df, tmp_path / "x.json", name="X", label="X", creation_datetime="2024-01-01T00:00:00",
                           variables=[{"name": "NOPE"}])
    with pytest.raises(DerivationError, match="unknown Dataset-JSON dataType"):
        write_dataset_json(df, tmp_path / "x.json", name="X", label="X", creation_datetime="2024-01-01T00:00:00",
                           variables=[{"name": "X", "data_type": "money"}])


def test_reader_rejects_old_layout_and_inconsistent_files(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"clinicalData": {"itemGroupData": {}}}))
    with pytest.raises(DerivationError, match="1.0 layout is not supported"):
        read_dataset_json(old)
    path = write_dataset_json(pd.DataFrame({"K": [1, 2]}), tmp_path / "k.json", name="K", label="K",
                              creation_datetime="2024-01-01T00:00:00")
    doc = json.loads(path.read_text())
    doc["records"] = 3
    path.write_text(json.dumps(doc))
    with pytest.raises(DerivationError, match="records says 3 but the file has 2 rows"):
        read_dataset_json(path)
    (tmp_path / "trunc.json").write_text('{"datasetJSONVersion": "1.1.0", "rows": [')
    with pytest.raises(DerivationError, match=r"trunc.json, line 1: not valid JSON"):
        read_dataset_json(tmp_path / "trunc.json")


def test_nullable_integer_missing_is_null(tmp_path):
    df = pd.DataFrame({"USUBJID": ["a", "b"], "ASTDY": pd.array([1, None], dtype="Int64")})
    path = write_dataset_json(df, tmp_path / "adae.json", name="ADAE", label="AE",
                              creation_datetime="2022-07-04T00:00:00")
    rows = json.loads(path.read_text())["rows"]
    assert rows == [["a", 1], ["b", None]]


def test_partial_dates_are_not_read_as_their_first_day(tmp_path):
    df = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRTSDT": pd.to_datetime(["2021-08-02", None, "2021-09-15"]),
                       "TRTSDTM": pd.to_datetime(["2021-08-02 10:30:00", None, "2021-09-15 08:00:05"])})
    path = write_dataset_json(df, tmp_path / "x.json", name="X", label="X", creation_datetime="2024-01-01T00:00:00")
    doc = json.loads(path.read_text())
    assert [c["dataType"] for c in doc["columns"]] == ["string", "date", "datetime"]

    def read_with(column, values):
        edited = json.loads(path.read_text())
        k = [c["name"] for c in edited["columns"]].index(column)
        for row, value in zip(edited["rows"], values):
            row[k] = value
        (tmp_path / "edited.json").write_text(json.dumps(edited))
        return read_dataset_json(tmp_path / "edited.json")[0]

    # pandas' ISO 8601 reading gave 2021-08-01 and 2021-01-01 for these
    with pytest.raises(DerivationError, match=r"row 1 holds '2021-08', not a complete ISO 8601 date; 2 such values"
                                              r".*variable TRTSDT"):
        read_with("TRTSDT", ["2021-08", None, "2021"])
    with pytest.raises(DerivationError, match=r"row 3 holds '2021-09-15', not a complete ISO 8601 datetime"):
        read_with("TRTSDTM", ["2021-08-02T10:30:00", None, "2021-09-15"])
    with pytest.raises(DerivationError, match=r"row 1 holds '2021-02-30'"):
        read_with("TRTSDT", ["2021-02-30", None, "2021-09-15"])
    # complete values with a fraction of a second, or without seconds, still read
    back = read_with("TRTSDTM", ["2021-08-02T10:30:00.5", None, "2021-09-15T08:00"])
    assert back["TRTSDTM"].tolist()[::2] == [pd.Timestamp("2021-08-02 10:30:00.5"), pd.Timestamp("2021-09-15 08:00")]
    assert read_with("TRTSDTM", [None, None, None])["TRTSDTM"].isna().all()


def _write_dates(tmp_path, values, data_type="date", name="TRTSDT"):
    df = pd.DataFrame({"USUBJID": ["NCT04984096-001", "NCT04984096-002", "NCT04984096-003"],
                       name: pd.Series(values, dtype=object)})
    return write_dataset_json(df, tmp_path / "adsl.json", name="ADSL", label="Subject-Level Analysis Dataset",
                              creation_datetime="2024-01-01T00:00:00",
                              variables=[{"name": "USUBJID"},
                                         {"name": name, "data_type": data_type, "target_data_type": "integer"}])


@pytest.mark.parametrize("values,bad,n", [
    (["2021-08-02", "2021-08", None], "'2021-08'", 1),            # was written as 2021-08-01
    ([dt.date(2021, 8, 2), "2021", "2021-09"], "'2021'", 2),      # was written as 2021-01-01 and 2021-09-01
    (["2021-08-02", None, "2021-02-30"], "'2021-02-30'", 1),      # not in the calendar
    (["2021-08-02", "02AUG2021", None], "'02AUG2021'", 1),
    (["2021-08-02", "", None], "''", 1),
    (["2021-08-02", 20210802, None], "20210802", 1),
])
def test_writer_refuses_a_date_text_that_is_not_a_complete_date(tmp_path, values, bad, n):
    """An object column of a date with targetDataType integer: each value must be a complete ISO 8601 date
    (iso8601.compute_is_complete, as the reader checks); nothing is completed, coerced or written."""
    pos = next(i for i, v in enumerate(values) if repr(v) == bad or str(v) == bad)
    subject = f"NCT04984096-00{pos + 1}"
    more = f"; {n - 1} more such value\\(s\\)" if n > 1 else ""
    with pytest.raises(DerivationError, match=rf"^value is not a complete ISO 8601 date \(YYYY-MM-DD\), so it has "
                                              rf"no SAS number \(targetDataType integer\){more} \(dataset ADSL, "
                                              rf"variable TRTSDT, USUBJID {subject}, row {pos + 1}, value "
                                              rf"{re.escape(bad)}\): correct the value, impute a partial date"):
        _write_dates(tmp_path, values)
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file


def test_writer_refuses_an_incomplete_datetime_or_time(tmp_path):
    with pytest.raises(DerivationError, match=r"not a complete ISO 8601 datetime .*USUBJID NCT04984096-002, row 2, "
                                              r"value '2021-08-02'"):
        _write_dates(tmp_path, ["2021-08-02T10:30", "2021-08-02", None], "datetime", "TRTSDTM")
    with pytest.raises(DerivationError, match=r"not a complete ISO 8601 time .*USUBJID NCT04984096-003, row 3, "
                                              r"value '24:00'"):
        _write_dates(tmp_path, ["10:30", None, "24:00"], "time", "TRTSTM")


def test_writer_writes_complete_date_texts_and_objects_as_they_are(tmp_path):
    rows = lambda path: [r[1] for r in json.loads(path.read_text())["rows"]]  # noqa: E731
    assert rows(_write_dates(tmp_path, [dt.date(2021, 8, 2), "2024-02-29", None])) == ["2021-08-02", "2024-02-29",
                                                                                       None]
    assert rows(_write_dates(tmp_path, ["2021-08-02T10:30", "2021-08-02T10:30:05", dt.datetime(2021, 9, 15, 8)],
                             "datetime", "TRTSDTM")) == ["2021-08-02T10:30:00", "2021-08-02T10:30:05",
                                                         "2021-09-15T08:00:00"]
    assert rows(_write_dates(tmp_path, ["10:30", dt.time(8, 0, 5), None], "time", "TRTSTM")) == [
        "10:30:00", "08:00:05", None]
    back, _ = read_dataset_json(tmp_path / "adsl.json")
    assert back["TRTSTM"].tolist()[:2] == [pd.Timedelta("10:30:00"), pd.Timedelta("08:00:05")]
