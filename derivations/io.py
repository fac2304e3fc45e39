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
``.csv``       every column read as text; empty cells are empty strings
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

    return read_xpt(path, encoding=encoding, sas_dates=sas_dates)


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


def read_raw_page(path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a raw extract (one CSV page of the EDC) with every column as text.

    Empty cells are ``""`` (never NaN); codes such as ``01`` stay text.
    """
    path = Path(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding=encoding or "utf-8")
    except Exception as exc:
        raise RawFileError(f"cannot read CSV file ({type(exc).__name__}: {exc})", path=path,
                           hint="check the file is comma-separated text with a header row") from exc


def read_csv(path: str | Path, *, encoding: str | None = None,
             sas_dates: bool = True) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read CSV with every column as text (no type guessing; :func:`read_raw_page`); empty cells are ``""``."""
    path = Path(path)
    df = read_raw_page(path, encoding=encoding)
    variables = tuple(VariableMeta(str(c), None, "char") for c in df.columns)
    return df, DatasetMeta(path.stem.upper(), None, variables, str(path), {"records": len(df)})


def _read_json(path: Path, *, encoding: str | None = None, sas_dates: bool = True):
    from .datasetjson import read_dataset_json

    return read_dataset_json(path)


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
        XPT: numerics with a SAS date, datetime or time format become datetime64; ``False``
        keeps the numbers as submitted (what the conformance checks look at).

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
