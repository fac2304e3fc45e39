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


# ---------------------------------------------------------------- XPT integrity (issue 10)

def _ts(tmp_path: Path, value: str = "Anlotinib plus PD-1", name: str = "ts.xpt") -> Path:
    frame = pd.DataFrame({"TSPARMCD": ["TITLE", "ACTSUB"], "TSVAL": [value, "29"], "TSSEQ": [1.0, 2.0]})
    return write_xpt(frame, tmp_path / name, label="Trial Summary", created=CREATED, variables=[
        XptVariable("TSPARMCD", "Trial Summary Parameter Short Name", "char", 8),
        XptVariable("TSVAL", "Parameter Value", "char", 40), XptVariable("TSSEQ", "Sequence Number", "num")])


def _patch(path: Path, old: bytes, new: bytes) -> Path:
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    return path


def _data_start(path: Path) -> int:
    return path.read_bytes().index(b"HEADER RECORD*******OBS     ") + 80


def test_truncated_xpt_is_an_error_not_fewer_records(tmp_path):
    path = _ts(tmp_path)
    data = path.read_bytes()
    assert len(read_dataset(path)[0]) == 2
    start, row = _data_start(path), 8 + 40 + 8
    for cut, message in ((len(data) - 7, r"its length of \d+ bytes is not a whole number of 80-byte records"),
                         (start + 80, rf"the last record is incomplete: the file ends {80 - row} bytes into a record "
                                      rf"of {row} bytes \(after 1 whole records\)")):
        (tmp_path / "cut.xpt").write_bytes(data[:cut])
        with pytest.raises(FileError, match=rf"cut\.xpt: not a readable SAS transport file: {message}"):
            read_dataset(tmp_path / "cut.xpt")
    (tmp_path / "head.xpt").write_bytes(data[:400])
    with pytest.raises(FileError, match="shorter than the 640 bytes of headers"):
        read_dataset(tmp_path / "head.xpt")


def test_xpt_garbage_header_and_other_file_types(tmp_path):
    for content, looks in ((b"garbage " * 20, "text"), (b"PK\x03\x04" + b"\x00" * 100, r"a ZIP archive \(an \.xlsx"),
                           (b"\x00" * 12 + b"\xc2\xea\x81\x60" + b"\x00" * 100, "a SAS7BDAT data set"),
                           (b"", None)):
        (tmp_path / "x.xpt").write_bytes(content)
        match = f"it looks like {looks}" if looks else "the file is empty"
        with pytest.raises(FileError, match=rf"x\.xpt: not a readable SAS transport file: .*{match}"):
            read_dataset(tmp_path / "x.xpt")
    path = _patch(_ts(tmp_path), b"HEADER RECORD*******NAMESTR ", b"HEADER RECORD*******NAMESTX ")
    with pytest.raises(FileError, match="record 8 is not the NAMESTR header"):
        read_dataset(path)


def test_xpt_variable_lengths_and_positions_must_add_up(tmp_path):
    data = _ts(tmp_path).read_bytes()
    ns = 640 + 140  # TSVAL's descriptor: its position (bytes 84-88) says 8
    wrong = data[:ns + 84] + (9).to_bytes(4, "big") + data[ns + 88:]
    (tmp_path / "pos.xpt").write_bytes(wrong)
    with pytest.raises(FileError, match=r"variable 2 \(TSVAL\) starts at byte 9 of a record, but the lengths of "
                                        r"the variables before it add up to 8"):
        read_dataset(tmp_path / "pos.xpt")
    ns = 640 + 2 * 140  # TSSEQ stored in 4 bytes: pyreadstat would read 8 and shift every record
    short = data[:ns + 4] + (4).to_bytes(2, "big") + data[ns + 6:]
    (tmp_path / "num.xpt").write_bytes(short)
    with pytest.raises(FileError, match=r"numeric variable 3 \(TSSEQ\) is stored in 4 bytes"):
        read_dataset(tmp_path / "num.xpt")
    two = data + data[240:]  # a second member after the first
    (tmp_path / "two.xpt").write_bytes(two)
    with pytest.raises(FileError, match=r"holds more than one dataset \(a second member starts at byte"):
        read_dataset(tmp_path / "two.xpt")


def test_non_utf8_xpt_needs_its_declared_encoding(tmp_path):
    path = _patch(_ts(tmp_path, "Anlotinib Xplus"), b"Anlotinib X", "Anlotinib é".encode("cp1252"))
    with pytest.raises(FileError, match=r"ts\.xpt: text is not utf-8 \(byte 0xE9 in b'Anlotinib \\xe9plus'\) "
                                        r"\(dataset TS, variable TSVAL, row 1\): .*\[sdtm\] encoding = \"cp1252\""):
        read_dataset(path)
    frame, meta = read_dataset(path, encoding="cp1252")
    assert frame["TSVAL"].tolist() == ["Anlotinib éplus", "29"] and meta.attributes["encoding"] == "cp1252"
    assert read_dataset(path, encoding="latin-1")[0]["TSVAL"][0] == "Anlotinib éplus"
    bad = _patch(_ts(tmp_path, "Anlotinib Xplus", "ts2.xpt"), b"Anlotinib X", b"Anlotinib \x81")
    with pytest.raises(FileError, match=r"text is not cp1252 \(byte 0x81.*the file is not cp1252 either"):
        read_dataset(bad, encoding="cp1252")
    with pytest.raises(FileError, match="unknown encoding 'klingon'"):
        read_dataset(path, encoding="klingon")


def test_derive_validate_and_check_read_a_cp1252_sdtm_with_the_study_setting(tmp_path, capsys):
    from derivations.cli import main
    from toystudy import make_toy_study

    study = make_toy_study(tmp_path / "study")
    pipeline.run_study(study, tmp_path / "out", stages=["sdtm"])
    dm = tmp_path / "out" / "sdtm" / "dm.xpt"
    _patch(dm, b"TOY-001", "TOY-00é".encode("cp1252"))  # USUBJID: 7 bytes, the data's length
    assert main(["validate", "--study", str(study), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "dm.xpt: text is not utf-8" in err and "variable USUBJID, row 1" in err and "Traceback" not in err
    toml = study / "study.toml"
    toml.write_text(toml.read_text().replace("[sdtm]\n", '[sdtm]\nencoding = "cp1252"\n'))
    assert main(["validate", "--study", str(study), "--out", str(tmp_path / "out")]) == 0
    assert main(["check", "--study", str(study), "--out", str(tmp_path / "out")]) in (0, 1)
    assert "text is not" not in capsys.readouterr().err


# ---------------------------------------------------------------- Dataset-JSON integrity

def _json(tmp_path: Path) -> tuple[Path, str]:
    path = write_dataset_json(pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AVAL": [1.5, None]}), tmp_path / "adx.json",
                              name="ADX", label="X", creation_datetime="2022-07-04T00:00:00",
                              variables=[{"name": "USUBJID", "length": 3}])
    return path, path.read_text()


@pytest.mark.parametrize("edit, message", [
    (lambda t: t[: t.index('["S-2"')], r", line 3: not valid JSON"),
    (lambda t: t.replace('"records": 2', '"records": 3'), "records says 3 but the file has 2 rows"),
    (lambda t: t.replace('"records": 2', '"records": "2"'), "records is '2', not a count"),
    (lambda t: t.replace('["S-2", null]', '["S-2"]'), r"row has 1 values, 2 columns defined \(dataset ADX, row 2\)"),
    (lambda t: t.replace('["S-2", null]', '["S-2", "x"]'),
     r"value is not of the column's dataType 'double' \(dataset ADX, variable AVAL, row 2, value 'x'\)"),
    (lambda t: t.replace('["S-2", null]', '["S-22", null]'),
     r"value of 4 characters is longer than the column's length 3 \(dataset ADX, variable USUBJID, row 2"),
    (lambda t: t.replace('"name": "AVAL"', '"name": "USUBJID"'), "column USUBJID is defined twice"),
    (lambda t: t.replace('null', 'NaN'), "NaN is not JSON"),
    (lambda t: t.replace('"label": "X"', '"label": "X", "label": "Y"'), "attribute 'label' given twice"),
])
def test_inconsistent_dataset_json_is_an_error_naming_the_file(tmp_path, edit, message):
    path, text = _json(tmp_path)
    assert len(read_dataset(path)[0]) == 2
    path.write_text(edit(text))
    with pytest.raises(FileError, match=rf"adx\.json.*{message}"):
        read_dataset(path)


def test_dataset_json_not_utf8_names_line_and_byte(tmp_path):
    path, text = _json(tmp_path)
    path.write_bytes(text.replace("S-2", "S-\u00e9").encode("latin-1"))
    with pytest.raises(FileError, match=r"adx\.json, line 3: not UTF-8 \(byte 0xE9 at byte \d+\)"):
        read_dataset(path)


# ---------------------------------------------------------------- raw CSV pages

from derivations.findings import RawDataError  # noqa: E402
from derivations.io import read_raw_page  # noqa: E402

GOOD = "SUBJID,AETERM,AEENDAT\n001,Nausea,07OCT2021\n002,\"Rash, mild\",\n"


@pytest.mark.parametrize("content, encoding, frame", [
    (GOOD.encode(), None, {"SUBJID": ["001", "002"], "AETERM": ["Nausea", "Rash, mild"], "AEENDAT": ["07OCT2021", ""]}),
    (b"\xef\xbb\xbf" + GOOD.encode(), None, None),                       # a byte order mark is dropped
    (GOOD.replace("\n", "\r\n").encode(), None, None),                   # Windows line ends
    (GOOD.replace("Nausea", "Naus\u00e9e").encode("cp1252"), "cp1252",
     {"SUBJID": ["001", "002"], "AETERM": ["Naus\u00e9e", "Rash, mild"], "AEENDAT": ["07OCT2021", ""]}),
    (GOOD.replace("Nausea", "Naus\u00e9e").encode("latin-1"), "latin-1", "same"),
    (b"SUBJID,AETERM,AEENDAT\n", None, {"SUBJID": [], "AETERM": [], "AEENDAT": []}),  # a page with no records
    (b"SUBJID,AETERM,AEENDAT", None, {"SUBJID": [], "AETERM": [], "AEENDAT": []}),
    ('SUBJID,AETERM\n001,"line one\n\nline three"\n'.encode(), None,
     {"SUBJID": ["001"], "AETERM": ["line one\n\nline three"]}),
    (b"SUBJID,AETERM\n001,Nausea\n\n\r\n", None, {"SUBJID": ["001"], "AETERM": ["Nausea"]}),  # empty lines at the end
])
def test_raw_page_reads(tmp_path, content, encoding, frame):
    path = tmp_path / "ae.csv"
    path.write_bytes(content)
    got = read_raw_page(path, encoding=encoding)
    if frame == "same":
        frame = {"SUBJID": ["001", "002"], "AETERM": ["Naus\u00e9e", "Rash, mild"], "AEENDAT": ["07OCT2021", ""]}
    expected = pd.DataFrame(frame or {"SUBJID": ["001", "002"], "AETERM": ["Nausea", "Rash, mild"],
                                      "AEENDAT": ["07OCT2021", ""]}, dtype=str)
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("content, encoding, message", [
    (b"", None, r"ae\.csv: the file is empty: not even a header row"),
    (b"\n  \n", None, r"ae\.csv: the file is empty"),
    (GOOD.replace("Nausea", "Naus\u00e9e").encode("cp1252"), None,
     r"ae\.csv, line 2: byte 0xE9 \(byte 9 of the line\) is not UTF-8 \('001,Naus\ufffde,07OCT2021'\): save the page "
     r"as UTF-8, or name its encoding in study\.toml: \[study\] raw_encoding = \"cp1252\""),
    (GOOD.replace("Nausea", "Naus\u00e9e").encode("utf-8"), "cp1252",
     r"ae\.csv, line 2: the page is UTF-8 \('001,Naus\u00e9e,07OCT2021'\), but study\.toml declares cp1252"),
    (GOOD.encode("utf-16"), None, r"the file is UTF-16 \(little-endian\)"),
    (GOOD.replace(",", ";").encode(), None, r"ae\.csv, line 1: the file is ';'-separated: its header has no comma but 2"),
    (GOOD.replace(",", "\t").encode(), None, r"the file is tab-separated"),
    (GOOD[:-1].encode() + b"\n003,Cough", None,
     r"ae\.csv, line 4: 2 field\(s\), the header has 3: every line needs every field: the line is cut short"),
    (b"SUBJID,AETERM,AEENDAT\n001;Nausea;07OCT2021\n", None,
     r"line 2: 1 field\(s\), the header has 3; the line holds ';': is the file ';'-separated\?"),
    (GOOD.encode() + b"003,Cough,01JAN2022,extra\n", None, r"line 4: 4 field\(s\), the header has 3"),
    (GOOD.replace('"Rash, mild"', '"Rash, mild').encode(), None,
     r"ae\.csv, line 3: a quote opened on this line is never closed: the rest of the file \(1 line\(s\)\)"),
    (GOOD.encode() + b'003,"Cough,01JAN2022\n004,Fever,\n', None, r"line 4: a quote opened on this line is never closed"),
    (b"SUBJID,AETERM,SUBJID\n001,Nausea,002\n", None,
     r"line 1: duplicate column name 'SUBJID' \(columns 1 and 3\)"),
    (b"SUBJID,AETERM,subjid\n001,Nausea,002\n", None, r"duplicate column name 'subjid'"),
    (b"SUBJID,AETERM,\n001,Nausea,\n", None, r"column 3 of the header has no name"),
    (b"\nSUBJID,AETERM\n001,Nausea\n", None, r"line 1: the first line is empty"),
    (b"SUBJID,AETERM\n001,Nausea\n\n002,Rash\n", None, r"ae\.csv, line 3: the line is empty, between records"),
    (b"SUBJID,AETERM\n001,Nausea\n \r\n002,Rash\n", None, r"line 3: 1 field\(s\), the header has 2"),
    (b"SUBJID,AETERM\n001,Nau\x00sea\n", None, r"line 2: a NUL byte at byte 8"),
    (GOOD.encode(), "klingon", r"unknown encoding 'klingon'"),
])
def test_raw_page_errors_name_file_and_line(tmp_path, content, encoding, message):
    path = tmp_path / "ae.csv"
    path.write_bytes(content)
    with pytest.raises(RawDataError, match=message):
        read_raw_page(path, encoding=encoding)


def test_raw_page_without_final_line_end_is_an_error():
    """A file cut short after a comma has every field: only the missing line end shows it (an ended AE
    would become ongoing)."""
    import tempfile

    path = Path(tempfile.mkdtemp()) / "ae.csv"
    path.write_bytes(b"SUBJID,AETERM,AEENDAT\n001,Nausea,07OCT2021\n002,Rash,")
    with pytest.raises(RawDataError, match=r"ae\.csv, line 3: the last line has no line end: the file may be cut "
                                           r"short .*'002,Rash,'\): if the file is complete"):
        read_raw_page(path)
    path.write_bytes(b"SUBJID,AETERM,AEENDAT")  # a header without records and without a line end: nothing to lose
    assert read_raw_page(path).columns.tolist() == ["SUBJID", "AETERM", "AEENDAT"]


def test_run_reads_raw_pages_in_the_declared_encoding(tmp_path):
    from toystudy import make_toy_study

    study = make_toy_study(tmp_path / "study")
    page = study / "raw" / "dm.csv"
    page.write_bytes(page.read_bytes().replace(b"male", "m\u00e2le".encode("cp1252")).replace(b"\n", b"\r\n"))
    with pytest.raises(RawDataError, match=r"dm\.csv, line 2: byte 0xE2 .* \[study\] raw_encoding = \"cp1252\""):
        pipeline.run_study(study, tmp_path / "out", stages=["sdtm"])
    toml = study / "study.toml"
    toml.write_text(toml.read_text().replace("[study]\n", '[study]\nraw_encoding = "cp1252"\n'))
    result = pipeline.run_study(study, tmp_path / "out", stages=["sdtm"])
    assert result.datasets["sdtm"]["DM"]["SEX"].tolist() == ["M", "F"] and result.findings.items == []


def test_sdtm_input_folder_and_encoding_from_study_toml(tmp_path):
    """[sdtm] input reads a legacy SDTM folder instead of running the SDTM programs; [sdtm] encoding
    declares its text's encoding (a cp1252 USUBJID here)."""
    from toystudy import make_toy_study

    first = make_toy_study(tmp_path / "legacy")
    pipeline.run_study(first, tmp_path / "legacy_out", stages=["sdtm"])
    _patch(tmp_path / "legacy_out" / "sdtm" / "dm.xpt", b"TOY-001", "TOY-00\u00e9".encode("cp1252"))
    count = ('READS = ("DM",)\nWRITES = ()\n\n\ndef derive(ctx):\n'
             '    ctx.findings.add("note", "count", ", ".join(ctx.sdtm["DM"]["USUBJID"]))\n    return {}\n')
    study = make_toy_study(tmp_path / "study", programs={"tlf/count.py": count}, order={"sdtm": ["dm"], "tlf": ["count"]})
    toml = study / "study.toml"
    toml.write_text(toml.read_text().replace("[sdtm]\n", '[sdtm]\ninput = "../legacy_out/sdtm"\n'))
    with pytest.raises(FileError, match=r"legacy_out/sdtm/dm\.xpt: text is not utf-8 .*variable USUBJID, row 1"):
        pipeline.run_study(study, tmp_path / "out", stages=["sdtm", "tlf"])
    toml.write_text(toml.read_text().replace("[sdtm]\n", '[sdtm]\nencoding = "cp1252"\n'))
    result = pipeline.run_study(study, tmp_path / "out", stages=["sdtm", "tlf"])
    assert [f.message for f in result.findings if f.check == "count"] == ["TOY-00\u00e9, TOY-002"]
    assert "sdtm" not in result.datasets  # read, not derived
