"""Dataset reading (derivations.io): one reader per file type, one entry point, errors naming the file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from derivations import conformance, io, metadata, pipeline
from derivations.datasetjson import write_dataset_json
from derivations.findings import FileError
from derivations.io import READERS, read_dataset, read_datasets
from derivations.xpt import XptVariable, write_xpt

ROOT = Path(__file__).resolve().parents[1]
CREATED = dt.datetime(2022, 7, 4)


def _xpt(path: Path, frame: pd.DataFrame | None = None, **kw) -> Path:
    frame = frame if frame is not None else pd.DataFrame({"USUBJID": ["S-1", "S-2"], "ADT": [22000.0, None]})
    variables = kw.pop("variables", [XptVariable("USUBJID", "Unique Subject Identifier", "char", 8),
                                     XptVariable("ADT", "Analysis Date", "num", format="DATE9.")])
    return write_xpt(frame, path, label=kw.pop("label", "Test"), variables=variables, created=CREATED)


def test_one_reader_per_file_type_in_the_framework_and_programs():
    """pyreadstat only in xpt.py, pandas' CSV and parquet readers only in io.py, JSON datasets only in
    datasetjson.py: every other module reads through derivations.io."""
    homes = {r"pyreadstat\.read_xport|read_sas\(": ("xpt.py",), r"\bread_csv\(|\bread_parquet\(": ("io.py",),
             r"json\.loads?\(": ("datasetjson.py", "io.py")}  # io.py: a parquet file's label sidecar
    files = [p for d in ("derivations", "sdtm", "adam", "tlf", "qc") for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 40
    strays = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern, home in homes.items():
            for m in re.finditer(pattern, text):
                line = text[: m.start()].count("\n") + 1
                code = text.splitlines()[line - 1].lstrip()
                if path.name not in home and not code.startswith((">>>", "#")) and "def read_" not in code:
                    strays.append(f"{path.relative_to(ROOT)}:{line}: {code}")
    assert strays == []


def test_metadata_types_have_one_home():
    assert io.DatasetMeta is metadata.DatasetMeta and io.VariableMeta is metadata.VariableMeta
    assert not hasattr(pipeline, "_read_one")
    import derivations.datasetjson as dj
    assert dj.DatasetMeta is metadata.DatasetMeta  # datasetjson no longer imports io (the cycle is gone)
    assert "from .io" not in (ROOT / "derivations" / "datasetjson.py").read_text()


def test_registry_prints_what_each_reader_does():
    assert list(READERS) == [".xpt", ".parquet", ".csv", ".json"]
    assert str(READERS[".xpt"]) == ".xpt: SAS transport (XPORT) v5/v8; labels, formats and lengths from its header"


def test_every_file_type_reads_to_the_same_frame_and_metadata(tmp_path):
    xpt_frame, xpt_meta = read_dataset(_xpt(tmp_path / "adx.xpt"))
    assert xpt_meta.name == "ADX" and xpt_meta.label == "Test" and xpt_meta.attributes["records"] == 2
    assert [str(v) for v in xpt_meta.variables] == [
        "USUBJID char length 8 'Unique Subject Identifier'", "ADT num length 8 format DATE9 'Analysis Date'"]
    assert xpt_frame["ADT"].tolist()[0] == pd.Timestamp("2020-03-26")  # 22000 days after 1960-01-01
    numbers, _ = read_dataset(tmp_path / "adx.xpt", sas_dates=False)
    assert numbers["ADT"].tolist()[0] == 22000.0
    write_dataset_json(xpt_frame, tmp_path / "adx.json", name="ADX", label="Test", variables=xpt_meta,
                       creation_datetime="2022-07-04T00:00:00")
    json_frame, json_meta = read_dataset(tmp_path / "adx.json")
    pd.testing.assert_frame_equal(json_frame, xpt_frame)
    assert json_meta.variable("USUBJID").label == "Unique Subject Identifier"
    xpt_frame.to_parquet(tmp_path / "adx.parquet")
    pq_frame, pq_meta = read_dataset(tmp_path / "adx.parquet")
    pd.testing.assert_frame_equal(pq_frame, xpt_frame)
    assert [v.type for v in pq_meta.variables] == ["char", "num"]


def test_reading_errors_name_the_file(tmp_path):
    with pytest.raises(FileError, match=r"nope\.xpt: file not found"):
        read_dataset(tmp_path / "nope.xpt")
    (tmp_path / "x.sas7bdat").write_bytes(b"")
    with pytest.raises(FileError, match=r"x\.sas7bdat: unsupported file type '\.sas7bdat'.*\.xpt, \.parquet"):
        read_dataset(tmp_path / "x.sas7bdat")
    with pytest.raises(FileError, match=r"is a folder"):
        read_dataset(tmp_path)
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(FileError, match=r"bad\.parquet: cannot read parquet file"):
        read_dataset(tmp_path / "bad.parquet")


def test_folder_reading_one_file_per_dataset(tmp_path):
    _xpt(tmp_path / "dm.xpt")
    pd.DataFrame({"USUBJID": ["S-1"]}).to_parquet(tmp_path / "ae.parquet")
    (tmp_path / "dm.json").write_text("{}")  # not read: Dataset-JSON is not among the suffixes
    read = read_datasets(tmp_path)
    assert sorted(read) == ["AE", "DM"] and len(read["DM"][0]) == 2
    pd.DataFrame({"USUBJID": ["S-1"]}).to_parquet(tmp_path / "dm.parquet")
    with pytest.raises(FileError, match="two files hold dataset DM: dm.parquet and dm.xpt"):
        read_datasets(tmp_path)
    with pytest.raises(FileError, match=r"nowhere: dataset folder not found"):
        read_datasets(tmp_path / "nowhere")


def test_conformance_reads_formats_through_the_one_reader(tmp_path):
    _xpt(tmp_path / "adx.xpt")
    data, formats = conformance.read_folder(tmp_path)
    assert data["ADX"]["ADT"].tolist()[0] == 22000.0  # dates as submitted
    assert formats == {"ADX": {"USUBJID": "", "ADT": "DATE9"}}
