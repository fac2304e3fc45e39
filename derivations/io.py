"""Read a dataset file with its metadata: SAS XPORT, parquet, CSV or Dataset-JSON.

:func:`read_dataset` returns ``(DataFrame, DatasetMeta)`` whatever the format, so a
QC compare (:mod:`derivations.compare`) can check labels, lengths and formats as
well as values.

=============  ==============================================================
``.xpt``       ``pyreadstat.read_xport``: dataset label, variable labels,
               formats, storage lengths; SAS dates/datetimes become datetime64
``.parquet``   ``pandas.read_parquet``; labels from an optional sidecar
               ``NAME.meta.json`` (``dataset_label`` and ``columns[].label``)
``.csv``       every column read as text; empty cells are empty strings
``.json``      CDISC Dataset-JSON 1.1 (:func:`derivations.datasetjson.read_dataset_json`)
=============  ==============================================================

Example
-------
>>> meta = DatasetMeta("ADSL", "Subject-Level Analysis",
...                    (VariableMeta("USUBJID", "Unique Subject Identifier", "char", 11),))
>>> meta.variable("USUBJID").length
11
>>> meta.labels()
{'USUBJID': 'Unique Subject Identifier'}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .findings import DerivationError

SUPPORTED_SUFFIXES = (".xpt", ".parquet", ".csv", ".json")


@dataclass(frozen=True)
class VariableMeta:
    """Attributes of one variable (as PROC CONTENTS / define.xml would show them).

    ``type`` is ``"char"`` or ``"num"`` (SAS types); ``data_type`` and the other
    Dataset-JSON fields are filled when the source carries them.
    """

    name: str
    label: str | None = None
    type: str | None = None
    length: int | None = None
    format: str | None = None
    data_type: str | None = None
    target_data_type: str | None = None
    key_sequence: int | None = None
    item_oid: str | None = None

    def __str__(self) -> str:
        parts = [self.name, self.type or "?"]
        if self.length:
            parts.append(f"length {self.length}")
        if self.format:
            parts.append(f"format {self.format}")
        if self.label:
            parts.append(repr(self.label))
        return " ".join(parts)


@dataclass(frozen=True)
class DatasetMeta:
    """Dataset-level metadata: name, label, variables in file order, where it came from."""

    name: str | None = None
    label: str | None = None
    variables: tuple[VariableMeta, ...] = ()
    source: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)

    def variable(self, name: str) -> VariableMeta | None:
        for var in self.variables:
            if var.name == name:
                return var
        return None

    def labels(self) -> dict[str, str | None]:
        return {v.name: v.label for v in self.variables}

    def __str__(self) -> str:
        head = f"{self.name or '?'} ({self.label or 'no label'}), {len(self.variables)} variable(s)"
        return head + (f" from {self.source}" if self.source else "")


def sas_type(series: pd.Series) -> str:
    """``"num"`` for numeric, boolean, date and time columns, ``"char"`` otherwise.

    >>> import datetime
    >>> sas_type(pd.Series([1.5])), sas_type(pd.Series(["a"])), sas_type(pd.Series([datetime.date(2021, 1, 2)]))
    ('num', 'char', 'num')
    """
    kind = series.dtype.kind
    if kind == "O":  # datetime.date / datetime objects (e.g. parquet date32) are SAS numerics
        inferred = pd.api.types.infer_dtype(series.iloc[:1000], skipna=True)
        return "num" if inferred in ("date", "datetime", "datetime64", "timedelta", "time") else "char"
    return "num" if kind in "biufcmM" else "char"


def meta_from_frame(dataset: pd.DataFrame, *, name: str | None = None, label: str | None = None,
                    source: str | None = None) -> DatasetMeta:
    """Metadata that can be read off a DataFrame alone (types; no labels or lengths)."""
    variables = tuple(VariableMeta(str(c), None, sas_type(dataset[c])) for c in dataset.columns)
    return DatasetMeta(name, label, variables, source)


def _file_error(message: str, path: Path, hint: str) -> DerivationError:
    return DerivationError(f"{message}: {path}", dataset=path.name, hint=hint)


def read_xpt(path: str | Path) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read a SAS XPORT file with pyreadstat (labels, formats, lengths from its header)."""
    import pyreadstat

    path = Path(path)
    try:
        df, m = pyreadstat.read_xport(str(path), dates_as_pandas_datetime=True)
    except Exception as exc:  # ReadstatError, OverflowError, UnicodeDecodeError ...
        raise _file_error(
            f"cannot read SAS XPORT file ({type(exc).__name__}: {exc})", path,
            "check that the file is a complete SAS V5/V8 transport file (not truncated, not another format)",
        ) from exc
    labels = dict(zip(m.column_names, m.column_labels))
    types = m.readstat_variable_types or {}
    fmts = m.original_variable_types or {}
    widths = m.variable_storage_width or {}
    variables = tuple(
        VariableMeta(
            name=col,
            label=labels.get(col) or None,
            type="char" if types.get(col) == "string" else "num",
            length=widths.get(col),
            format=fmts.get(col) or None,
        )
        for col in m.column_names
    )
    return df, DatasetMeta(m.table_name or path.stem.upper(), m.file_label or None, variables, str(path))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name[: -len(path.suffix)] + ".meta.json")


def read_parquet(path: str | Path) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read parquet; labels from ``NAME.meta.json`` beside it when that file exists."""
    path = Path(path)
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise _file_error(f"cannot read parquet file ({type(exc).__name__}: {exc})", path,
                          "check that the file is a complete parquet file") from exc
    name, label, col_labels = path.stem.upper(), None, {}
    side = _sidecar(path)
    if side.exists():
        try:
            info = json.loads(side.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise _file_error(f"metadata sidecar is not valid JSON ({exc})", side,
                              "fix or remove the .meta.json file") from exc
        label = info.get("dataset_label") or info.get("label")
        name = str(info.get("dataset") or name).upper()
        col_labels = {c["name"]: c.get("label") for c in info.get("columns", []) if "name" in c}
    variables = tuple(
        VariableMeta(str(c), col_labels.get(c) or None, sas_type(df[c])) for c in df.columns
    )
    return df, DatasetMeta(name, label, variables, str(path))


def read_csv(path: str | Path) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read CSV with every column as text (no type guessing); empty cells are ``""``."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except Exception as exc:
        raise _file_error(f"cannot read CSV file ({type(exc).__name__}: {exc})", path,
                          "check the file is comma-separated text with a header row") from exc
    variables = tuple(VariableMeta(str(c), None, "char") for c in df.columns)
    return df, DatasetMeta(path.stem.upper(), None, variables, str(path))


def read_dataset(path: str | Path) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read ``.xpt``, ``.parquet``, ``.csv`` or Dataset-JSON ``.json`` into ``(frame, meta)``.

    Raises :class:`DerivationError` naming the file when it is missing, of an
    unknown kind or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise _file_error("file not found", path, "check the path and file name")
    if path.is_dir():
        raise _file_error("is a folder, not a dataset file", path, "give the path of a file")
    suffix = path.suffix.lower()
    if suffix == ".xpt":
        return read_xpt(path)
    if suffix == ".parquet":
        return read_parquet(path)
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".json":
        from .datasetjson import read_dataset_json

        return read_dataset_json(path)
    raise _file_error(f"unsupported file type {suffix!r}", path,
                      f"use one of {', '.join(SUPPORTED_SUFFIXES)}")


__all__ = [
    "VariableMeta",
    "DatasetMeta",
    "sas_type",
    "meta_from_frame",
    "read_dataset",
    "read_xpt",
    "read_parquet",
    "read_csv",
]
