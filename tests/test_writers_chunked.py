"""Dataset writers work in row chunks: the bytes do not depend on the chunk size, nor on how text is held.

The XPT writer (:func:`derivations.xpt.write_xpt`) encodes ``CHUNK_ROWS`` records at a time so that
it needs memory for a chunk, not for the dataset; the same frame written one row at a time, 7 rows at
a time and whole must give the same file, byte for byte, and a bad value must be reported at the same
record whatever the chunk.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from derivations import xpt
from derivations.findings import XptError
from derivations.xpt import XptVariable, read_xpt, write_xpt

CREATED = dt.datetime(2022, 7, 4)
N = 23  # rows: not a multiple of 7, so the last chunk is short


def _frame() -> pd.DataFrame:
    """Every kind of column a run hands the writer, with missing values and trailing blanks."""
    subjects = [f"S-{i // 5 + 1:02d}" for i in range(N)]
    visits = ["Baseline", "Week 6  ", None, "Week 12", ""]
    return pd.DataFrame({
        "USUBJID": pd.Series(subjects, dtype=object),
        "PARAMCD": pd.Series(["HGB", "LYM", "PLT"] * 8, dtype="str")[:N],
        "AVISIT": pd.Series([visits[i % 5] for i in range(N)], dtype=object),
        "ANRIND": pd.Series(["LOW", None, "NORMAL", "HIGH"] * 6, dtype="string[python]")[:N],
        "ATOXGR": pd.Series(["1", "2", None, "0"] * 6, dtype="category")[:N],
        "AVAL": [np.nan if i % 6 == 0 else i * 1.25 - 3 for i in range(N)],
        "ADY": pd.array([None if i % 4 == 0 else i - 5 for i in range(N)], dtype="Int64"),
        "ADT": pd.to_datetime([None if i % 9 == 0 else f"2021-03-{i + 1:02d}" for i in range(N)]),
    })


VARIABLES = [XptVariable("USUBJID", "Unique Subject Identifier", "char", 12),
             XptVariable("PARAMCD", "Parameter Code", "char", 8),
             XptVariable("AVISIT", "Analysis Visit", "char"),  # no length: the longest value's
             XptVariable("ANRIND", "Analysis Reference Range Indicator", "char", 6),
             XptVariable("ATOXGR", "Analysis Toxicity Grade", "char", 1),
             XptVariable("AVAL", "Analysis Value", "num"),
             XptVariable("ADY", "Analysis Relative Day", "num"),
             XptVariable("ADT", "Analysis Date", "num", format="DATE9.")]


def _write(frame, path, chunk, monkeypatch, variables=VARIABLES):
    monkeypatch.setattr(xpt, "CHUNK_ROWS", chunk)
    return write_xpt(frame, path, label="Laboratory Analysis", variables=variables, created=CREATED).read_bytes()


def test_xpt_bytes_do_not_depend_on_the_chunk_size(tmp_path, monkeypatch):
    frame = _frame()
    whole = _write(frame, tmp_path / "adlb.xpt", 10**6, monkeypatch)
    for chunk in (1, 7, N - 1, N):
        assert _write(frame, tmp_path / "adlb.xpt", chunk, monkeypatch) == whole, chunk
    back, meta = read_xpt(tmp_path / "adlb.xpt")
    assert meta.variable("AVISIT").length == 8  # "Week 6  " counts 6: trailing blanks are padding
    assert back["AVISIT"].tolist()[:5] == ["Baseline", "Week 6", "", "Week 12", ""]
    assert back["ATOXGR"].tolist()[:4] == ["1", "2", "", "0"]
    assert back["ANRIND"].tolist()[:4] == ["LOW", "", "NORMAL", "HIGH"]
    assert back["ADY"].tolist()[:3] == [pytest.approx(np.nan, nan_ok=True), -4.0, -3.0]
    assert back["ADT"].iloc[1] == pd.Timestamp("2021-03-02")


@pytest.mark.parametrize("dtype", [object, "str", "string[python]", "category"])
def test_text_dtype_does_not_change_the_file(tmp_path, monkeypatch, dtype):
    frame = _frame()
    reference = _write(frame, tmp_path / "adlb.xpt", 7, monkeypatch)
    text = ["USUBJID", "PARAMCD", "AVISIT", "ANRIND", "ATOXGR"]
    recast = frame.assign(**{c: frame[c].astype(object).astype(dtype) for c in text})
    assert _write(recast, tmp_path / "adlb.xpt", 7, monkeypatch) == reference


def test_categorical_categories_without_records_are_not_checked_nor_written(tmp_path, monkeypatch):
    frame = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AVAL": [1.0, 2.0],
                          "ANRIND": pd.Categorical(["LOW", None], categories=["LOW", "x" * 300, "Nausée"])})
    plain = frame.assign(ANRIND=frame["ANRIND"].astype(object))
    variables = [XptVariable("USUBJID", "", "char", 3), XptVariable("AVAL", "", "num"),
                 XptVariable("ANRIND", "", "char")]
    assert _write(frame, tmp_path / "adlb.xpt", 1, monkeypatch, variables) == \
        _write(plain, tmp_path / "adlb.xpt", 10**6, monkeypatch, variables)


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
@pytest.mark.parametrize("dtype", [object, "category"])
def test_a_bad_value_is_reported_at_its_record_whatever_the_chunk(tmp_path, monkeypatch, chunk, dtype):
    # row 4 is too long for the variable, row 13 is not ASCII: the non-ASCII check is reported first
    # (the checks' order), at its own record, even when the long value's chunk comes earlier
    values = ["ok"] * N
    values[3], values[12] = "much too long", "Nausée"
    frame = _frame().assign(AVISIT=pd.Series(values, dtype=object).astype(dtype))
    variables = [v if v.name != "AVISIT" else XptVariable("AVISIT", "Analysis Visit", "char", 8) for v in VARIABLES]
    monkeypatch.setattr(xpt, "CHUNK_ROWS", chunk)
    with pytest.raises(XptError, match="non-ASCII") as err:
        write_xpt(frame, tmp_path / "adlb.xpt", variables=variables, created=CREATED)
    assert (err.value.variable, err.value.row, err.value.usubjid, err.value.value) == ("AVISIT", 13, "S-03", "Nausée")
    frame.loc[12, "AVISIT"] = "ok"
    with pytest.raises(XptError, match="value of 13 bytes is longer than the variable's length 8") as err:
        write_xpt(frame, tmp_path / "adlb.xpt", variables=variables, created=CREATED)
    assert (err.value.row, err.value.usubjid) == (4, "S-01")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_numeric_errors_name_their_record_whatever_the_chunk(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(xpt, "CHUNK_ROWS", chunk)
    frame = _frame()
    frame.loc[15, "AVAL"] = 1e80
    with pytest.raises(XptError, match="IBM floating-point range") as err:
        write_xpt(frame, tmp_path / "adlb.xpt", variables=VARIABLES, created=CREATED)
    assert (err.value.variable, err.value.row, err.value.usubjid) == ("AVAL", 16, "S-04")
    text = frame.assign(AVAL=frame["AVAL"].astype(object))
    text.loc[15, "AVAL"] = "high"
    with pytest.raises(XptError, match="non-numeric") as err:
        write_xpt(text, tmp_path / "adlb.xpt", variables=VARIABLES, created=CREATED)
    assert (err.value.row, err.value.usubjid, err.value.value) == (16, "S-04", "high")


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_a_non_text_value_in_a_character_variable_names_its_record(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(xpt, "CHUNK_ROWS", chunk)
    frame = _frame().assign(AVISIT=lambda f: f["AVISIT"].astype(object))
    frame.loc[9, "AVISIT"] = 42
    with pytest.raises(XptError, match="non-text value") as err:
        write_xpt(frame, tmp_path / "adlb.xpt", variables=VARIABLES, created=CREATED)
    assert (err.value.row, err.value.usubjid, err.value.value) == (10, "S-02", 42)


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_last_blank_record_of_a_text_only_dataset_is_an_error_whatever_the_chunk(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(xpt, "CHUNK_ROWS", chunk)
    frame = pd.DataFrame({"USUBJID": ["S-1"] * 8 + [""], "COVAL": pd.Categorical(["a"] * 8 + [None])})
    with pytest.raises(XptError, match="only blank values") as err:
        write_xpt(frame, tmp_path / "co.xpt", created=CREATED)
    assert err.value.row == 9


# --------------------------------------------------------------------------- Dataset-JSON

def _json(frame, path, chunk, monkeypatch, **kw):
    from derivations import datasetjson

    monkeypatch.setattr(datasetjson, "ROWS_PER_CHUNK", chunk)
    variables = [{"name": "ADY", "data_type": "integer"}, {"name": "ATM", "data_type": "time", "target_data_type": "integer"}]
    return datasetjson.write_dataset_json(frame, path, name="ADLB", label="Laboratory Analysis",
                                          creation_datetime="2022-07-04T00:00:00", variables=variables,
                                          **kw).read_bytes()


def _json_frame() -> pd.DataFrame:
    frame = _frame()
    stamps = pd.to_datetime([f"2021-03-01T10:{i:02d}:00" for i in range(N)])
    return frame.assign(ADTM=stamps.where(np.arange(N) != N - 1, pd.Timestamp("2021-03-02T10:00:00.250")),
                        ATM=[f"10:{i:02d}" if i % 3 else None for i in range(N)],
                        AFLAG=pd.array([True, False, None] * 7 + [True, True], dtype="boolean"))


def test_dataset_json_bytes_do_not_depend_on_the_chunk_size(tmp_path, monkeypatch):
    import json

    frame = _json_frame()
    whole = _json(frame, tmp_path / "adlb.json", 10**6, monkeypatch)
    for chunk in (1, 7, N - 1, N):
        assert _json(frame, tmp_path / "adlb.json", chunk, monkeypatch) == whole, chunk
    rows = json.loads(whole)["rows"]
    # the one datetime with a fraction of a second (the last record) gives every record of ADTM one
    assert [r[8] for r in rows[:2]] + [rows[-1][8]] == ["2021-03-01T10:00:00.000000", "2021-03-01T10:01:00.000000",
                                                        "2021-03-02T10:00:00.250000"]
    assert rows[1][:7] == ["S-01", "LYM", "Week 6  ", None, "2", -1.75, -4]


def test_dataset_json_prepare_runs_on_each_chunk(tmp_path, monkeypatch):
    def blank(frame):  # what the submission's Dataset-JSON does to text: missing -> blank
        return frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in frame.columns
                               if c in ("AVISIT", "ANRIND")})

    frame = _json_frame()
    whole = _json(blank(frame), tmp_path / "adlb.json", 10**6, monkeypatch)
    for chunk in (1, 7):
        assert _json(frame, tmp_path / "adlb.json", chunk, monkeypatch, prepare=blank) == whole


@pytest.mark.parametrize("chunk", [1, 7, 10**6])
def test_dataset_json_bad_value_is_reported_as_for_the_whole_dataset(tmp_path, monkeypatch, chunk):
    from derivations.findings import DerivationError

    # ATM (a later column) is bad in an early record, ADY in two later ones: ADY is reported, at its first
    # bad record, with the count of the others, whatever the chunk
    frame = _json_frame().assign(ADY=lambda f: f["ADY"].astype("float64"))
    frame.loc[[17, 20], "ADY"] = 2.5
    frame.loc[2, "ATM"] = "25:00"
    with pytest.raises(DerivationError, match=r"non-integer value in an integer column; 1 more such value\(s\)") as err:
        _json(frame, tmp_path / "adlb.json", chunk, monkeypatch)
    assert (err.value.variable, err.value.row, err.value.usubjid) == ("ADY", 18, "S-04")
    assert not (tmp_path / "adlb.json").exists()
    frame.loc[[17, 20], "ADY"] = 2.0
    with pytest.raises(DerivationError, match="not a complete ISO 8601 time") as err:
        _json(frame, tmp_path / "adlb.json", chunk, monkeypatch)
    assert (err.value.variable, err.value.row, err.value.value) == ("ATM", 3, "25:00")


@pytest.mark.parametrize("dtype", ["str", "category"])
def test_submission_dataset_json_and_lengths_do_not_depend_on_chunk_or_text_dtype(tmp_path, monkeypatch, dtype):
    import json

    from derivations import datasetjson
    from derivations.lengths import submission_lengths
    from derivations.spec import DatasetSpec, Spec, VariableSpec
    from derivations.submission import write_dataset_jsons

    variables = [VariableSpec("ADLB", "USUBJID", "Unique Subject Identifier", length=12),
                 VariableSpec("ADLB", "AVISIT", "Analysis Visit", length=20),
                 VariableSpec("ADLB", "ATOXGR", "Analysis Toxicity Grade", length=1),
                 VariableSpec("ADLB", "AVAL", "Analysis Value", data_type="float"),
                 VariableSpec("ADLB", "ADY", "Analysis Relative Day", data_type="integer")]
    spec = Spec(datasets={"ADLB": DatasetSpec("ADLB", "Laboratory Analysis", keys=["USUBJID"],
                                              variables=variables)})
    frame = _frame()[["USUBJID", "AVISIT", "ATOXGR", "AVAL", "ADY"]]
    text = ["USUBJID", "AVISIT", "ATOXGR"]

    def write(frame, chunk):
        monkeypatch.setattr(datasetjson, "ROWS_PER_CHUNK", chunk)
        lengths = submission_lengths({"ADLB": frame}, spec)
        path, = write_dataset_jsons({"ADLB": frame}, spec, tmp_path, created="2022-07-04T00:00:00", lengths=lengths)
        return lengths, path.read_bytes()

    lengths, whole = write(frame.assign(**{c: frame[c].astype(object) for c in text}), 10**6)
    assert lengths == {"ADLB": {"USUBJID": 4, "AVISIT": 8, "ATOXGR": 1}}
    for chunk in (1, 7):
        assert write(frame.assign(**{c: frame[c].astype(object).astype(dtype) for c in text}), chunk) == \
            (lengths, whole)
    doc = json.loads(whole)
    assert [c["dataType"] for c in doc["columns"]] == ["string", "string", "string", "double", "integer"]
    # as the XPT file holds them: missing text blank, trailing blanks dropped, numbers as doubles
    assert doc["rows"][:3] == [["S-01", "Baseline", "1", None, None], ["S-01", "Week 6", "2", -1.75, -4],
                               ["S-01", "", "", -0.5, -3]]
