"""Read dataset files: one reader per file type, one entry point, one set of error messages.

:func:`read_dataset` returns ``(DataFrame, DatasetMeta)`` whatever the file type (the types are
those of :mod:`derivations.metadata`), so that a QC compare, the checks against the spec
(``derive validate`` / ``derive check``) and define.xml see labels, lengths and formats the same
way. :func:`read_datasets` reads a folder. Every failure is a
:class:`~derivations.findings.FileError` whose message starts with the file.

The readers, by file type (:data:`READERS`; ``print(READERS[".xpt"])`` says what it does):

=============  ==============================================================
``.xpt``       SAS transport v5/v8 (:func:`derivations.xpt.read_xpt`): dataset label, variable
               labels, formats, storage lengths; SAS dates/datetimes become datetime64
               (``sas_dates=False``: the numbers as submitted)
``.parquet``   ``pandas.read_parquet``; labels from an optional sidecar
               ``NAME.meta.json`` (``dataset_label`` and ``columns[].label``)
``.csv``       every column read as text; empty cells are empty strings; the metadata says
               ``untyped`` (a compare reads a column as numbers when the other side or the
               spec says it is numeric: :mod:`derivations.compare.engine`)
``.json``      CDISC Dataset-JSON 1.1 (:func:`derivations.datasetjson.read_dataset_json`)
=============  ==============================================================

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "dm.csv"
>>> pd.DataFrame({"USUBJID": ["S-1"], "AGE": ["61"]}).to_csv(path, index=False)
>>> frame, meta = read_dataset(path)
>>> frame["AGE"].tolist(), meta.name, [v.type for v in meta.variables]
(['61'], 'DM', ['char', 'char'])
>>> print(READERS[".parquet"])
.parquet: Apache parquet; labels from a NAME.meta.json sidecar when there is one
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from .findings import FileError, RawFileError
from .metadata import DatasetMeta, VariableMeta, meta_from_frame, sas_type


@dataclass(frozen=True)
class Reader:
    """How one file type is read: ``read(path, *, encoding, sas_dates) -> (DataFrame, DatasetMeta)``."""

    suffix: str
    description: str
    read: Callable[..., tuple[pd.DataFrame, DatasetMeta]]

    def __str__(self) -> str:
        return f"{self.suffix}: {self.description}"


def _read_xpt(path: Path, *, encoding: str | None = None, sas_dates: bool = True):
    from .xpt import read_xpt

    df, meta = read_xpt(path, encoding=encoding, sas_dates=sas_dates)
    _check_twin_count(path, len(df))
    return df, meta


_RECORDS = re.compile(rb'"records"\s*:\s*(\d+)')


def _check_twin_count(path: Path, records: int) -> None:
    """An XPT v5 file holds no record count, so one cut at a record boundary reads as a shorter dataset:
    when the Dataset-JSON written with it (``dm.json`` beside ``dm.xpt``) names another count, that is
    an error naming both files."""
    twin = path.with_suffix(".json")
    if not twin.is_file():
        return
    with twin.open("rb") as fh:
        head = fh.read(4096)  # "records" comes before the columns and rows
    match = _RECORDS.search(head)
    if match and int(match.group(1)) != records:
        raise FileError(f"{records} record(s) read, but {twin.name} beside it, a Dataset-JSON of the same dataset, "
                        f"holds {int(match.group(1))}: one of them is truncated or out of date", path=path,
                        hint="write both again (derive run), or remove the one that is out of date")


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name[: -len(path.suffix)] + ".meta.json")


def read_parquet(path: str | Path, *, encoding: str | None = None,
                 sas_dates: bool = True) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read parquet; labels from ``NAME.meta.json`` beside it when that file exists.

    Parquet text is UTF-8 and its dates are typed, so ``encoding`` and ``sas_dates`` do not apply.
    """
    path = Path(path)
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises its own types for damaged files
        raise FileError(f"cannot read parquet file ({type(exc).__name__}: {exc})", path=path,
                        hint="check that the file is a complete parquet file") from exc
    name, label, col_labels = path.stem.upper(), None, {}
    side = _sidecar(path)
    if side.exists():
        try:
            info = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FileError(f"metadata sidecar is not valid JSON ({exc})", path=side,
                            hint="fix or remove the .meta.json file") from exc
        label = info.get("dataset_label") or info.get("label")
        name = str(info.get("dataset") or name).upper()
        col_labels = {c["name"]: c.get("label") for c in info.get("columns", []) if "name" in c}
    variables = tuple(
        VariableMeta(str(c), col_labels.get(c) or None, sas_type(df[c])) for c in df.columns
    )
    return df, DatasetMeta(name, label, variables, str(path), {"records": len(df)})


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"))
_OTHER_DELIMITERS = (";", "\t", "|")


def _codec(encoding: str | None, path: Path, setting: str) -> str:
    """The Python codec name of an encoding setting (``"utf-8"`` when none is given)."""
    import codecs

    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError:
        raise RawFileError(f"unknown encoding {encoding!r}", path=path,
                           hint=f"{setting} names a Python codec such as cp1252, latin-1 or utf-8") from None


def _where(raw: bytes, at: int) -> tuple[int, int, bytes]:
    """(line, byte within the line, the line's bytes) of byte offset ``at`` (1-based line and byte)."""
    start = raw.rfind(b"\n", 0, at) + 1
    end = raw.find(b"\n", at)
    return raw.count(b"\n", 0, at) + 1, at - start + 1, raw[start:end if end >= 0 else len(raw)].rstrip(b"\r")


def _decode_page(raw: bytes, path: Path, encoding: str | None, setting: str) -> str:
    """The text of a raw page: UTF-8 (a byte order mark is dropped) unless ``encoding`` is declared."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            if name != "utf-8":
                raise RawFileError(f"the file is {name} (it starts with a byte order mark)", path=path,
                                   hint="save the page as UTF-8")
            return _decode_page(raw[len(bom):], path, None, setting)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, byte, _ = _where(raw, nul)
        raise RawFileError(f"a NUL byte at byte {byte}: this is not a text file (or it is UTF-16)", path=path,
                           line=line, hint="export the page again as comma-separated UTF-8 text")
    codec = _codec(encoding, path, setting)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        line, byte, content = _where(raw, exc.start)
        raise RawFileError(
            f"byte 0x{raw[exc.start]:02X} (byte {byte} of the line) is not {encoding or 'UTF-8'} "
            f"({content.decode(codec, 'replace')!r})", path=path, line=line,
            hint=("save the page as UTF-8, or name its encoding in study.toml: "
                  f"{setting} = \"cp1252\" (or \"latin-1\")" if codec == "utf-8" else
                  f"the page is not {encoding} either: name the encoding it was written in ({setting})")) from None
    if codec != "utf-8" and not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # every non-ASCII byte forms a UTF-8 character: read as cp1252 they would become mojibake
            at = next(i for i, c in enumerate(raw) if c >= 0x80)
            line, byte, content = _where(raw, at)
            raise RawFileError(
                f"the page is UTF-8 ({content.decode('utf-8')!r}), but study.toml declares {encoding}",
                path=path, line=line,
                hint=f"remove {setting} (UTF-8 is the default) or convert the page to {encoding}")
    return text


def _header(text: str, path: Path) -> list[str]:
    """The header's column names, checked: one per column, none empty or twice, comma-separated."""
    import csv
    import io as _io

    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise RawFileError("the first line is empty; it must be the header row (the column names)", path=path,
                           line=1, hint="remove the empty line(s) before the header")
    names = next(csv.reader(_io.StringIO(text, newline="")))
    if len(names) == 1:
        other = next((d for d in _OTHER_DELIMITERS if d in names[0]), None)
        if other is not None:
            shown = {"\t": "tab", ";": "';'", "|": "'|'"}[other]
            raise RawFileError(f"the file is {shown}-separated: its header has no comma but "
                               f"{names[0].count(other)} {shown}(s)", path=path, line=1,
                               hint="save the page comma-separated (CSV with ',')")
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if not name.strip():
            raise RawFileError(f"column {i} of the header has no name", path=path, line=1,
                               hint="name every column (a trailing comma in the header adds an empty one)")
        key = name.strip().casefold()
        if key in seen:
            raise RawFileError(f"duplicate column name {name!r} (columns {seen[key]} and {i})", path=path,
                               line=1, variable=name, hint="give each column its own name; nothing is dropped silently")
        seen[key] = i
    return names


def _unterminated_quote(text: str, path: Path) -> RawFileError | None:
    """A quoted value that runs to the end of the file (Python's csv module, strict, tells the line)."""
    import csv
    import io as _io

    if not text.count('"') % 2:  # quotes come in pairs in a well-formed file ("" inside a value too)
        return None
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return RawFileError(f"a quote opened on this line is never closed: the rest of the file "
                                f"({reader.line_num - start + 1} line(s)) would be read as one value", path=path,
                                line=start, hint="close the quote, or double a quote inside a quoted value (\"\")")
    return None


def _blank_line(text: str, path: Path) -> RawFileError | None:
    """An empty line between records: a record the reader would skip, and every later line
    number shifted. Empty lines at the end of the file are fine."""
    import csv
    import io as _io
    import re

    body = text.rstrip("\r\n\t ")
    if not re.search(r"\n[ \t]*\r?\n", body):
        return None
    reader = csv.reader(_io.StringIO(body, newline=""))
    start = 1
    for row in reader:
        if not row:  # csv yields [] for an empty line outside quotes
            return RawFileError("the line is empty, between records", path=path, line=start,
                                hint="remove the empty line (a page has one record per line)")
        start = reader.line_num + 1
    return None


def _field_problem(text: str, n_fields: int, path: Path) -> RawFileError | None:
    """The first record whose field count is not the header's (found again with Python's csv module,
    which tells the line), or an unterminated quote."""
    import csv
    import io as _io

    unterminated = _unterminated_quote(text, path)
    if unterminated is not None:
        return unterminated
    reader = csv.reader(_io.StringIO(text, newline=""))
    lines = text.split("\n")
    start = 1
    for row in reader:
        if row and len(row) != n_fields:
            other = next((d for d in _OTHER_DELIMITERS if d in lines[start - 1]), None)
            extra = f"; the line holds {other!r}: is the file {other!r}-separated?" if other and len(row) == 1 else ""
            return RawFileError(
                f"{len(row)} field(s), the header has {n_fields}{extra}", path=path, line=start,
                hint=("every line needs every field: the line is cut short (a truncated file?) or a value holds an "
                      "unquoted comma; fix the line or export the page again") if len(row) < n_fields else
                     "a value holds an unquoted comma, or the line has an extra field: quote the value or fix the line")
        start = reader.line_num + 1
    return None


def read_raw_page(path: str | Path, *, encoding: str | None = None,
                  setting: str = "[study] raw_encoding") -> pd.DataFrame:
    r"""Read a raw extract (one CSV page of the EDC) with every column as text.

    Empty cells are ``""`` (never NaN); codes such as ``01`` stay text. The page must add up,
    or it is a :class:`~derivations.findings.RawFileError` naming the file and line:

    - text: UTF-8, with or without a byte order mark; another encoding (``cp1252``,
      ``latin-1``) only when ``encoding`` declares it (``[study] raw_encoding`` in study.toml).
      A byte that is not the encoding is an error naming line and byte; so is a page that is
      UTF-8 although another encoding is declared (its accents would be garbled);
    - the header: the first line, comma-separated (a ``;``- or tab-separated file is an error
      saying so), every column named once;
    - every line has every field: a line cut short (a truncated file), an unquoted comma, a
      quote that is never closed are errors, never a shifted or blank value; so is an empty
      line between records. Record ``i`` (0-based) is line ``i + 2`` of the file unless a
      quoted value spans lines;
    - an empty file is an error; a header without records is a page with no records.

    The last record must end with a line end: a file cut short after a comma or within a value
    has every field and looks complete, so a last line without its line end is an error too.

    Parameters
    ----------
    path
        The CSV file.
    encoding
        Its encoding when not UTF-8, as study.toml declares it.
    setting
        The study.toml setting that declares the encoding (named in the messages).

    Example
    -------
    >>> import tempfile, pathlib
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "ae.csv"
    >>> _ = page.write_bytes("SUBJID;AETERM\n001;Nausea\n".encode())
    >>> read_raw_page(page)
    Traceback (most recent call last):
    ...
    derivations.findings.RawFileError: .../ae.csv, line 1: the file is ';'-separated: its header has no comma but 1 ';'(s): save the page comma-separated (CSV with ',')
    >>> _ = page.write_bytes("SUBJID,AETERM\n001,Naus\u00e9e\n".encode("cp1252"))
    >>> read_raw_page(page, encoding="cp1252")["AETERM"].tolist()
    ['Nausée']
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = Path(path)
    if not path.is_file():
        raise RawFileError("raw page not found" if not path.exists() else "is a folder, not a CSV file", path=path,
                           hint="check the raw folder ([study] raw in study.toml, or --raw)")
    raw = path.read_bytes()
    if not raw.strip():
        raise RawFileError("the file is empty: not even a header row", path=path,
                           hint="export the page again; a page without records still has its header row")
    text = _decode_page(raw, path, encoding, setting)
    names = _header(text, path)
    if "\n" not in text.rstrip("\r\n"):  # the header alone: a page with no records
        return pd.DataFrame({n: pd.Series([], dtype=str) for n in names})
    data = raw if text.isascii() or _codec(encoding, path, setting) == "utf-8" and not raw.startswith(b"\xef\xbb\xbf") \
        else text.encode("utf-8")
    try:
        table = pcsv.read_csv(
            pa.py_buffer(data),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        problem = _field_problem(text, len(names), path)
        raise problem or RawFileError(f"cannot be read as CSV ({exc})", path=path,
                                      hint="export the page again as comma-separated UTF-8 text") from None
    frame = table.to_pandas()
    problem = _unterminated_quote(text, path) or _blank_line(text, path)
    if problem is not None:
        raise problem
    if len(frame.columns) != len(names):
        raise RawFileError(f"{len(frame.columns)} column(s) read, the header has {len(names)}", path=path,
                           hint="export the page again")
    if not text.endswith(("\n", "\r")):
        last = text.count("\n") + 1
        raise RawFileError("the last line has no line end: the file may be cut short (a truncated value, or "
                           f"blank fields after the last comma: {text.rsplit(chr(10), 1)[-1][-40:]!r})", path=path,
                           line=last, hint="if the file is complete, end its last line with a line end; "
                                           "else export the page again")
    return frame


def read_csv(path: str | Path, *, encoding: str | None = None,
             sas_dates: bool = True) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read CSV with every column as text (no type guessing; :func:`read_raw_page`); empty cells are ``""``."""
    path = Path(path)
    df = read_raw_page(path, encoding=encoding)
    variables = tuple(VariableMeta(str(c), None, "char") for c in df.columns)
    # untyped: the file carries no types, a compare may read a column as numbers (derivations.compare.engine)
    return df, DatasetMeta(path.stem.upper(), None, variables, str(path), {"records": len(df), "untyped": True})


def _read_json(path: Path, *, encoding: str | None = None, sas_dates: bool = True):
    from .datasetjson import read_dataset_json

    return read_dataset_json(path, sas_dates=sas_dates)


#: The reader of each file type, by file name suffix (lower case).
READERS: dict[str, Reader] = {r.suffix: r for r in (
    Reader(".xpt", "SAS transport (XPORT) v5/v8; labels, formats and lengths from its header", _read_xpt),
    Reader(".parquet", "Apache parquet; labels from a NAME.meta.json sidecar when there is one", read_parquet),
    Reader(".csv", "comma-separated text with a header row; every column read as text", read_csv),
    Reader(".json", "CDISC Dataset-JSON 1.1", _read_json),
)}
SUPPORTED_SUFFIXES = tuple(READERS)


def read_dataset(path: str | Path, *, encoding: str | None = None,
                 sas_dates: bool = True) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read ``.xpt``, ``.parquet``, ``.csv`` or Dataset-JSON ``.json`` into ``(frame, meta)``.

    Parameters
    ----------
    path
        The dataset file; its suffix (case-insensitive) selects the reader of :data:`READERS`.
    encoding
        Encoding of the text in an XPT or CSV file (e.g. ``"cp1252"``); UTF-8 when not given.
    sas_dates
        XPT and Dataset-JSON: SAS dates, datetimes and times (numerics with a date format,
        targetDataType integer) become datetime64; ``False`` gives the numbers as submitted
        (days or seconds since 1960-01-01, what the conformance checks look at).

    Raises :class:`~derivations.findings.FileError` naming the file when it is missing, of an
    unknown type or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise FileError("file not found", path=path, hint="check the path and file name")
    if path.is_dir():
        raise FileError("is a folder, not a dataset file", path=path, hint="give the path of a file")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise FileError(f"unsupported file type {path.suffix!r}", path=path,
                        hint=f"use one of {', '.join(READERS)}")
    return reader.read(path, encoding=encoding, sas_dates=sas_dates)


def read_datasets(
    folder: str | Path,
    files: Mapping[str, str] | None = None,
    *,
    suffixes: tuple[str, ...] = (".xpt", ".parquet"),
    encoding: str | None = None,
    sas_dates: bool = True,
) -> dict[str, tuple[pd.DataFrame, DatasetMeta]]:
    """Every dataset file of ``folder`` with one of ``suffixes``: ``{NAME: (frame, meta)}``.

    The name is the upper-case file name without its suffix. Two files of one name
    (``dm.xpt`` and ``dm.parquet``) are an error. ``files`` (``{"DM": "v1.4.0/dm.parquet"}``,
    a study's ``[sdtm] files`` setting) reads those datasets from other files, paths relative
    to ``folder``, instead.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileError("dataset folder not found" if not folder.exists() else "is a file, not a folder",
                        path=folder, hint="give the folder that holds the dataset files")
    out: dict[str, tuple[pd.DataFrame, DatasetMeta]] = {}
    seen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in suffixes or not path.is_file():
            continue
        name = path.stem.upper()
        if name in seen:
            raise FileError(f"two files hold dataset {name}: {seen[name].name} and {path.name}", path=folder,
                            hint="keep one file per dataset in the folder")
        seen[name] = path
        out[name] = read_dataset(path, encoding=encoding, sas_dates=sas_dates)
    for name, rel in (files or {}).items():
        path = folder / rel
        if not path.is_file() or path.suffix.lower() not in suffixes:
            raise FileError(f"[sdtm] files: {name} = {rel!r} is not a {'/'.join(s[1:] for s in suffixes)} file "
                            f"under the folder", path=folder, hint="correct the path in study.toml")
        out[name.upper()] = read_dataset(path, encoding=encoding, sas_dates=sas_dates)
    return out


def read_dataset_folder(folder: str | Path, files: Mapping[str, str] | None = None, *,
                        encoding: str | None = None) -> dict[str, pd.DataFrame]:
    """The frames of :func:`read_datasets` (XPT and parquet files), upper-case names as keys."""
    return {name: frame for name, (frame, _) in read_datasets(folder, files, encoding=encoding).items()}


__all__ = [
    "VariableMeta",
    "DatasetMeta",
    "sas_type",
    "meta_from_frame",
    "Reader",
    "READERS",
    "read_dataset",
    "read_datasets",
    "read_dataset_folder",
    "read_parquet",
    "read_csv",
    "read_raw_page",
]
