"""CDISC Dataset-JSON 1.1: write a DataFrame with its metadata, read it back.

File layout (attribute order as the specification recommends):
``datasetJSONCreationDateTime``, ``datasetJSONVersion`` ("1.1.0"), ``fileOID``,
``dbLastModifiedDateTime``, ``originator``, ``sourceSystem`` {name, version},
``studyOID``, ``metaDataVersionOID``, ``metaDataRef``, ``itemGroupOID``,
``records``, ``name``, ``label``, ``columns`` [{itemOID, name, label, dataType,
targetDataType, length, displayFormat, keySequence}], ``rows`` [[...], ...].
Optional attributes are written only when given.

Value representation (specification table "Supported Column Data Type
Combinations"): ``string``/``URI`` as JSON strings, ``integer`` as JSON
integers, ``float``/``double`` as JSON numbers (shortest text that reads back
as the same double), ``decimal`` as strings with a dot, ``boolean`` as
true/false, ``date``/``datetime``/``time`` as ISO 8601 strings; a SAS numeric
date (a datetime64 column) gets ``targetDataType: "integer"`` so that a reader
turns it back into a number. Text (or date objects) in a date/datetime/time
column with ``targetDataType: "integer"`` must be complete ISO 8601 values
(the one definition the reader checks too): a partial date (``2021-08``), a day
not in the calendar or other text has no SAS number and is an error naming the
dataset, variable, USUBJID, row and value, never completed or coerced to null.
Missing values are ``null``; an empty string stays ``""``.

The output is deterministic: the creation date/time is passed in (no clock),
attribute and column order are fixed, so the same inputs give the same bytes.

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> df = pd.DataFrame({"USUBJID": ["01", "02"], "AGE": [63, None],
...                    "TRTSDT": pd.to_datetime(["2014-01-02", None])})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "adsl.json"
>>> _ = write_dataset_json(df, path, name="ADSL", label="Subject-Level Analysis",
...     variables=[{"name": "USUBJID", "label": "Unique Subject Identifier", "key_sequence": 1},
...                {"name": "AGE", "label": "Age", "data_type": "integer"},
...                {"name": "TRTSDT", "label": "Date of First Exposure to Treatment"}],
...     creation_datetime="2024-01-01T00:00:00")
>>> doc = json.loads(path.read_text())
>>> doc["rows"]
[['01', 63, '2014-01-02'], ['02', None, None]]
>>> doc["columns"][2]["dataType"], doc["columns"][2]["targetDataType"]
('date', 'integer')
>>> back, meta = read_dataset_json(path)
>>> back["TRTSDT"].iloc[0], meta.label
(Timestamp('2014-01-02 00:00:00'), 'Subject-Level Analysis')
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .core import compute_on_distinct
from .findings import DerivationError, FileError
from .iso8601 import compute_is_complete
from .metadata import DatasetMeta, VariableMeta

DATASET_JSON_VERSION = "1.1.0"
DATA_TYPES = ("string", "integer", "decimal", "float", "double", "boolean",
              "datetime", "date", "time", "URI")
TARGET_DATA_TYPES = ("integer", "decimal")
_ISO_DATETIME = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
    r"((\+|-)([01]\d|2[0-3]):[0-5]\d|Z)?$")
_TYPE_ALIASES = {"text": "string", "char": "string", "character": "string", "str": "string",
                 "int": "integer", "uri": "URI", "num": None, "numeric": None, "number": None}
_DEFAULT_DISPLAY = {"date": "E8601DA.", "datetime": "E8601DT.", "time": "E8601TM."}


@dataclass(frozen=True)
class Column:
    """One Dataset-JSON column definition (``columns[]`` entry)."""

    item_oid: str
    name: str
    label: str
    data_type: str
    target_data_type: str | None = None
    length: int | None = None
    display_format: str | None = None
    key_sequence: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"itemOID": self.item_oid, "name": self.name, "label": self.label,
                               "dataType": self.data_type}
        for key, value in (("targetDataType", self.target_data_type), ("length", self.length),
                           ("displayFormat", self.display_format), ("keySequence", self.key_sequence)):
            if value is not None:
                out[key] = value
        return out

    def __str__(self) -> str:
        extra = f" -> {self.target_data_type}" if self.target_data_type else ""
        return f"{self.name} ({self.data_type}{extra}) {self.label!r}"


def _get(spec: Any, *names: str) -> Any:
    for n in names:
        if isinstance(spec, Mapping):
            if spec.get(n) is not None:
                return spec[n]
        elif getattr(spec, n, None) is not None:
            return getattr(spec, n)
    return None


def _infer_type(series: pd.Series) -> tuple[str, str | None]:
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "boolean", None
    if kind in "iu":
        return "integer", None
    if kind == "f":
        return "double", None
    if kind == "M":
        if getattr(series.dt, "tz", None) is not None:
            return "datetime", "integer"
        values = series.to_numpy()
        midnight = True
        for lo in range(0, len(values), 1 << 20):  # a slice at a time: nothing of the column's size is made
            stamps = values[lo:lo + (1 << 20)]
            stamps = stamps[~np.isnat(stamps)]
            if (stamps - stamps.astype("datetime64[D]")).any():
                midnight = False
                break
        return ("date" if midnight else "datetime"), "integer"
    if kind == "m":
        return "time", "integer"
    if kind == "O":
        first = None
        for lo in range(0, len(series), 1 << 16):  # the first value that is not missing, found a slice at a time
            present = series.iloc[lo:lo + (1 << 16)].dropna()
            if len(present):
                first = present.iloc[0]
                break
        if isinstance(first, dt.datetime):
            return "datetime", "integer"
        if isinstance(first, dt.date):
            return "date", "integer"
        if isinstance(first, (bool, np.bool_)):
            return "boolean", None
    return "string", None


def _columns(dataset: pd.DataFrame, name: str, variables: Iterable[Any] | None) -> list[Column]:
    specs: dict[str, Any] = {}
    if variables is not None:
        if isinstance(variables, DatasetMeta):
            variables = variables.variables
        for spec in variables:
            var = _get(spec, "name")
            if var is None:
                raise DerivationError("variable metadata without a name", dataset=name, value=spec,
                                      hint="give each variable entry a 'name'")
            specs[str(var)] = spec
        unknown = [v for v in specs if v not in dataset.columns]
        if unknown:
            raise DerivationError(f"variable metadata for {', '.join(unknown)} but no such column",
                                  dataset=name, variable=unknown[0],
                                  hint="remove the entry or add the column to the dataset")
    cols = []
    for var in map(str, dataset.columns):
        spec = specs.get(var, {})
        series = dataset[var]
        inferred, inferred_target = _infer_type(series)
        declared = _get(spec, "data_type", "dataType")
        if declared is None and _get(spec, "type") not in (None, "num", "char"):
            declared = _get(spec, "type")
        if declared is None and _get(spec, "type") == "char":
            declared = "string"
        if declared is not None:
            declared = _TYPE_ALIASES.get(str(declared).lower(), str(declared))
        data_type = declared or inferred
        if data_type not in DATA_TYPES:
            raise DerivationError(f"unknown Dataset-JSON dataType {data_type!r}", dataset=name,
                                  variable=var, hint=f"use one of {', '.join(DATA_TYPES)}")
        target = _get(spec, "target_data_type", "targetDataType")
        if target is None:
            if data_type in ("date", "datetime", "time") and series.dtype.kind in "MmO" and inferred_target:
                target = "integer"
            elif data_type == "decimal":
                target = "decimal"
        if target is not None and target not in TARGET_DATA_TYPES:
            raise DerivationError(f"unknown targetDataType {target!r}", dataset=name, variable=var,
                                  hint=f"use one of {', '.join(TARGET_DATA_TYPES)}")
        length = _get(spec, "length")
        if length is None and data_type in ("string", "URI"):
            lens = series.dropna().astype(str).str.encode("utf-8").str.len()
            length = int(lens.max()) if len(lens) and lens.max() > 0 else None
        display = _get(spec, "display_format", "displayFormat", "format")
        if display is None and target == "integer":
            display = _DEFAULT_DISPLAY.get(data_type)
        key_seq = _get(spec, "key_sequence", "keySequence")
        label = _get(spec, "label")
        cols.append(Column(
            item_oid=str(_get(spec, "item_oid", "itemOID") or f"IT.{name}.{var}"),
            name=var, label="" if label is None else str(label), data_type=data_type,
            target_data_type=target, length=None if length is None else int(length),
            display_format=None if display is None else str(display),
            key_sequence=None if key_seq is None else int(key_seq)))
    return cols


def _is_complete(text: pd.Series, data_type: str) -> np.ndarray:
    """Where ISO 8601 text is a complete value of ``data_type`` (missing and blank values count as complete):
    ``date`` YYYY-MM-DD; ``datetime`` YYYY-MM-DDThh:mm, seconds, a fraction and an offset (``Z``, ``+02:00``)
    optional; ``time`` hh:mm, seconds and a fraction optional; each in the calendar and the clock. What a
    value must be to become a SAS number (targetDataType integer): a partial date has no number.

    >>> _is_complete(pd.Series(["2021-03-15", "2021-03", "2021-02-30", "2021-03-15T10:30"]), "date").tolist()
    [True, False, False, False]
    >>> _is_complete(pd.Series(["2021-03-15T10:30+02:00", "2021-03-15", "2021-03-15T24:00"]), "datetime").tolist()
    [True, False, False]
    >>> _is_complete(pd.Series(["10:30", "10:30:05.5", "10", "25:00", None]), "time").tolist()
    [True, True, False, False, True]
    """
    if data_type == "datetime":
        text = text.str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "", regex=True)
    elif data_type == "time":  # a time is checked as the time of a datetime
        text = "1970-01-01T" + text.where(text.str.strip() != "")
    return compute_is_complete(text, time=data_type != "date").to_numpy()


def _missing_to_none(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    out = values.astype(object, copy=True)
    out[missing] = None
    return out


def _encode(series: pd.Series, col: Column, dataset_name: str,
            subjects: pd.Series | None = None, *, offset: int = 0,
            fraction: bool | None = None) -> np.ndarray | pd.Series:
    """One column as JSON-ready values: an object array of Python values (None for missing),
    for a double column a float array (NaN for missing), for a text column held as a pandas
    string dtype the column itself (NA for missing). :func:`_python_values` makes all three lists.
    ``subjects`` (the dataset's USUBJID, when it has one) names the subject of a bad value.
    ``series`` may be a chunk of the column: ``offset`` is the dataset's row number of its first
    value, and ``fraction`` says whether the whole column's datetimes have a fraction of a second
    (:func:`_has_fraction`; found in ``series`` when not given)."""
    dtype, kind = col.data_type, series.dtype.kind
    if dtype in ("string", "URI") and isinstance(series.dtype, pd.StringDtype):
        return series  # text already: nothing to check or convert
    missing = series.isna().to_numpy()

    def bad(msg: str, hint: str) -> DerivationError:
        pos = int(np.flatnonzero(bad_mask)[0]) if bad_mask is not None and bad_mask.any() else None
        more = int(bad_mask.sum()) - 1 if pos is not None else 0
        subject = None if pos is None or subjects is None else subjects.iloc[pos]
        return DerivationError(msg + (f"; {more} more such value(s)" if more else ""), dataset=dataset_name,
                               variable=col.name, usubjid=None if pd.isna(subject) else str(subject),
                               row=None if pos is None else offset + pos + 1,  # counted from 1, as the reader does
                               value=None if pos is None else series.iloc[pos], hint=hint)

    bad_mask = None
    if dtype in ("string", "URI") or (dtype in ("date", "datetime", "time") and kind not in "Mm"
                                      and col.target_data_type is None):
        text = _missing_to_none(series.to_numpy(dtype=object), missing)
        if pd.api.types.infer_dtype(text, skipna=True) not in ("string", "empty"):
            nonstr = np.fromiter((v is not None and not isinstance(v, str) for v in text), bool, len(text))
            text[nonstr] = text[nonstr].astype(str)
        return text
    if dtype in ("date", "datetime", "time"):
        if kind == "m":
            secs = series.dt.total_seconds().to_numpy()
            with np.errstate(invalid="ignore"):
                whole = np.nan_to_num(np.floor(secs)).astype(np.int64)
            h, m, s = whole // 3600, (whole // 60) % 60, whole % 60
            text = (pd.Series(h).astype(str).str.zfill(2) + ":" + pd.Series(m).astype(str).str.zfill(2)
                    + ":" + pd.Series(s).astype(str).str.zfill(2))
            return _missing_to_none(text.to_numpy(dtype=object), missing)
        if kind == "M":
            values = series
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        else:  # text or date objects: each value must be a complete date/time, never coerced or completed
            values, bad_mask = _stamps(series, dtype, missing)
            if bad_mask.any():
                raise bad(f"value is not a complete ISO 8601 {dtype} ({_FORMS[dtype]}), so it has no SAS number "
                          f"(targetDataType integer)",
                          "correct the value" + (", impute a partial date (with its --DTF flag)" if dtype != "time"
                                                 else "") + ", or declare the column as text (no targetDataType)")
        fmt = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S", "time": "%H:%M:%S"}[dtype]
        if dtype == "datetime" and (_fraction(values) if fraction is None else fraction):
            fmt += ".%f"
        if dtype == "date":
            bad_mask = (values != values.dt.normalize()).to_numpy() & ~missing
            if bad_mask.any():
                raise bad("date column holds a time of day", "declare dataType 'datetime' or drop the time")
        return _missing_to_none(values.dt.strftime(fmt).to_numpy(dtype=object), missing)
    if dtype == "boolean":
        return _missing_to_none(series.to_numpy(dtype=object), missing)
    # numbers
    try:
        num = series.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        num = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
        bad_mask = np.isnan(num) & ~missing
        raise bad(f"value is not a number ({exc})", f"declare {col.name} as string or fix the value")
    bad_mask = np.isinf(num)
    if bad_mask.any():
        raise bad("infinite value cannot be written", "replace it by a missing value")
    if dtype == "integer":
        if kind in "iu":
            return series.to_numpy(dtype=object, na_value=None)  # nullable Int64: <NA> -> null
        with np.errstate(invalid="ignore"):
            bad_mask = ~missing & (num != np.round(num))
        if bad_mask.any():
            raise bad("non-integer value in an integer column", "declare dataType 'double' or round the value")
        return pd.array(num, dtype="Int64").to_numpy(dtype=object, na_value=None)
    if dtype == "decimal":
        return np.array([None if np.isnan(v) else np.format_float_positional(v, unique=True, trim="-")
                         for v in num], dtype=object)
    return num + 0.0  # NaN = missing; + 0.0: a negative zero is written as 0.0


def _fraction(values: pd.Series) -> bool:
    """Whether a datetime64 column holds a time with a fraction of a second (written with ``.%f``)."""
    return bool((values.dropna().dt.microsecond != 0).any())


def _has_fraction(dataset: pd.DataFrame, col: Column, step: int, prepare=None) -> bool | None:
    """:func:`_fraction` of a whole ``datetime`` column, a chunk of rows at a time, as :func:`_encode`
    converts it; None for a column of another type or one written as text."""
    series = dataset[col.name]
    if col.data_type != "datetime" or series.dtype.kind == "m" or (
            series.dtype.kind != "M" and col.target_data_type is None):
        return None
    for lo in range(0, len(series), step):
        part = series.iloc[lo:lo + step]
        if prepare is not None:
            part = prepare(dataset.iloc[lo:lo + step][[col.name]])[col.name]
        if part.dtype.kind != "M":
            part = _stamps(part, "datetime", part.isna().to_numpy())[0]
        if _fraction(part):
            return True
    return False


_FORMS = {"date": "YYYY-MM-DD", "datetime": "YYYY-MM-DDThh:mm[:ss]", "time": "hh:mm[:ss]"}


def _stamps(series: pd.Series, data_type: str, missing: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """An object column of a date/datetime/time column as naive timestamps (an offset converted to UTC, a
    time on 1970-01-01), and where a value is not one: text that is not a complete ISO 8601 value
    (:func:`_is_complete`; blank included), or an object that is neither text nor a date/time."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    stamps = np.full(len(uniques) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.zeros(len(uniques) + 1, dtype=bool)
    ok[-1] = True  # missing stays missing
    text = pd.Series([u if isinstance(u, str) else None for u in uniques], dtype=object)
    complete = _is_complete(text, data_type) & text.notna().to_numpy() & (text.str.strip() != "").to_numpy()
    for i, value in enumerate(uniques):
        if isinstance(value, str):
            if not complete[i]:
                continue
            value = ("1970-01-01T" if data_type == "time" else "") + value.strip().replace(",", ".")
        elif isinstance(value, dt.time) and data_type == "time":
            value = "1970-01-01T" + value.isoformat()
        elif not isinstance(value, (dt.date, np.datetime64)):
            continue
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, OverflowError):
            continue
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        try:
            stamps[i], ok[i] = stamp.as_unit("ns").to_datetime64(), True
        except (ValueError, OverflowError):  # a year the nanosecond clock cannot hold (before 1677, after 2262)
            continue
    codes = np.where(codes < 0, len(uniques), codes)
    return pd.Series(stamps[codes], index=series.index), ~ok[codes] & ~missing


def _python_values(values: np.ndarray | pd.Series) -> list:
    """What :func:`_encode` returned, as a list of Python values with None for missing."""
    if isinstance(values, pd.Series) or values.dtype.kind == "f":
        missing = pd.isna(values)
        return _missing_to_none(np.asarray(values, dtype=object), np.asarray(missing)).tolist()
    return values.tolist()


def dataset_json_document(
    dataset: pd.DataFrame,
    *,
    name: str,
    label: str,
    creation_datetime: str | dt.datetime,
    variables: Iterable[Any] | DatasetMeta | None = None,
    item_group_oid: str | None = None,
    study_oid: str | None = None,
    metadata_version_oid: str | None = None,
    metadata_ref: str | None = None,
    file_oid: str | None = None,
    db_last_modified_datetime: str | dt.datetime | None = None,
    originator: str | None = None,
    source_system: str | None = None,
    source_system_version: str | None = None,
) -> dict[str, Any]:
    """The Dataset-JSON 1.1 document (a dict in specification order) for ``dataset``."""
    doc, columns = _document_head(
        dataset, name=name, label=label, creation_datetime=creation_datetime, variables=variables,
        item_group_oid=item_group_oid, study_oid=study_oid, metadata_version_oid=metadata_version_oid,
        metadata_ref=metadata_ref, file_oid=file_oid, db_last_modified_datetime=db_last_modified_datetime,
        originator=originator, source_system=source_system, source_system_version=source_system_version)
    subjects = dataset["USUBJID"] if "USUBJID" in dataset.columns else None
    encoded = [_python_values(_encode(dataset[c.name], c, name, subjects)) for c in columns]
    doc["rows"] = [list(r) for r in zip(*encoded)] if encoded else [[] for _ in range(len(dataset))]
    return doc


def _document_head(dataset: pd.DataFrame, *, name: str, label: str, creation_datetime: str | dt.datetime,
                   variables, item_group_oid, study_oid, metadata_version_oid, metadata_ref, file_oid,
                   db_last_modified_datetime, originator, source_system, source_system_version,
                   ) -> tuple[dict[str, Any], list[Column]]:
    """Everything of the document but ``rows``, and the column definitions."""

    def stamp(value: str | dt.datetime, what: str) -> str:
        text = value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else str(value)
        if not _ISO_DATETIME.match(text):
            raise DerivationError(f"{what} is not an ISO 8601 date/time", dataset=name, value=text,
                                  hint="use YYYY-MM-DDThh:mm:ss, e.g. 2024-01-31T09:00:00")
        return text

    if not name:
        raise DerivationError("Dataset-JSON needs a dataset name", hint="pass name='ADSL'")
    columns = _columns(dataset, name, variables)
    doc: dict[str, Any] = {
        "datasetJSONCreationDateTime": stamp(creation_datetime, "creation_datetime"),
        "datasetJSONVersion": DATASET_JSON_VERSION,
    }
    if file_oid:
        doc["fileOID"] = file_oid
    if db_last_modified_datetime is not None:
        doc["dbLastModifiedDateTime"] = stamp(db_last_modified_datetime, "db_last_modified_datetime")
    if originator:
        doc["originator"] = originator
    if source_system:
        doc["sourceSystem"] = {"name": source_system, "version": source_system_version or ""}
    if study_oid:
        doc["studyOID"] = study_oid
    if metadata_version_oid:
        doc["metaDataVersionOID"] = metadata_version_oid
    if metadata_ref:
        doc["metaDataRef"] = metadata_ref
    doc["itemGroupOID"] = item_group_oid or f"IG.{name}"
    doc["records"] = int(len(dataset))
    doc["name"] = name
    doc["label"] = label or ""
    doc["columns"] = [c.to_json() for c in columns]
    return doc, columns


def _json_texts(values: np.ndarray | pd.Series) -> np.ndarray:
    """The JSON text of each value (``null`` for None/NaN/NA), each distinct value encoded once.

    >>> _json_texts(np.array(["a", None, "a", 1.5, True], dtype=object)).tolist()
    ['"a"', 'null', '"a"', '1.5', 'true']
    >>> _json_texts(np.array([0.1, np.nan, 1e16])).tolist()
    ['0.1', 'null', '1e+16']
    """
    codes, uniques = pd.factorize(values)  # missing -> -1
    texts = np.empty(len(uniques) + 1, dtype=object)
    texts[:-1] = [json.dumps(u, ensure_ascii=False, allow_nan=False) for u in uniques]
    texts[-1] = "null"
    return texts[codes]


ROWS_PER_CHUNK = 100_000
"""Rows joined into text at a time by :func:`write_dataset_json` (bounds the memory it needs)."""


def write_dataset_json(
    dataset: pd.DataFrame,
    path: str | Path,
    *,
    name: str,
    label: str,
    creation_datetime: str | dt.datetime,
    variables: Iterable[Any] | DatasetMeta | None = None,
    item_group_oid: str | None = None,
    study_oid: str | None = None,
    metadata_version_oid: str | None = None,
    metadata_ref: str | None = None,
    file_oid: str | None = None,
    db_last_modified_datetime: str | dt.datetime | None = None,
    originator: str | None = None,
    source_system: str | None = None,
    source_system_version: str | None = None,
    indent: int | None = None,
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> Path:
    """Write ``dataset`` as a Dataset-JSON 1.1 file; returns the path.

    ``variables``: list of dicts or objects (e.g. :class:`derivations.metadata.VariableMeta`
    or a :class:`DatasetMeta`) with ``name`` and any of ``label``, ``data_type``
    (``dataType``), ``target_data_type``, ``length``, ``display_format`` (or
    ``format``), ``key_sequence``, ``item_oid``; what is not given is inferred
    from the column (integer, double, date/datetime with targetDataType integer,
    string with the longest value's UTF-8 length). UTF-8, rows one line each when
    ``indent`` is None.

    The rows are converted and written ``ROWS_PER_CHUNK`` at a time: what the writer holds beside
    ``dataset`` is a chunk, whatever the number of records, and the bytes do not depend on the
    chunk. ``prepare`` (optional) is applied to each chunk before it is written: a function of a
    frame of some rows (and some or all columns) that returns the same rows and columns, value by
    value (e.g. the values as an XPT file holds them); the columns' types are those declared in
    ``variables`` or inferred from ``dataset``. A bad value is reported as for the whole column
    (its first record, and how many more), in the first column that has one.
    """
    meta = dict(name=name, label=label, creation_datetime=creation_datetime, variables=variables,
                item_group_oid=item_group_oid, study_oid=study_oid, metadata_version_oid=metadata_version_oid,
                metadata_ref=metadata_ref, file_oid=file_oid, db_last_modified_datetime=db_last_modified_datetime,
                originator=originator, source_system=source_system, source_system_version=source_system_version)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            if indent is not None:
                doc = dataset_json_document(dataset if prepare is None else prepare(dataset), **meta)
                fh.write(json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=indent) + "\n")
            else:
                _write_rows(fh, dataset, meta, prepare)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _write_rows(fh, dataset: pd.DataFrame, meta: dict, prepare) -> None:
    """The document, its rows a chunk at a time: each column of a chunk to JSON text (each distinct value
    once), then joined row by row."""
    name, step = meta["name"], max(1, int(ROWS_PER_CHUNK))
    doc, columns = _document_head(dataset, **meta)
    fractions = {c.name: _has_fraction(dataset, c, step, prepare) for c in columns}
    fh.write(json.dumps(doc, ensure_ascii=False, allow_nan=False)[:-1] + ', "rows": [\n')
    n = len(dataset)
    for start in range(0, n, step):
        part = dataset.iloc[start:start + step]
        part = part if prepare is None else prepare(part)
        subjects = part["USUBJID"] if "USUBJID" in part.columns else None
        try:
            texts = [_json_texts(_encode(part[c.name], c, name, subjects, offset=start, fraction=fractions[c.name]))
                     for c in columns]
        except DerivationError:
            _first_bad_value(dataset, columns, name, prepare)
            raise
        rows = map(", ".join, zip(*texts)) if texts else [""] * min(step, n - start)
        fh.write(("" if start == 0 else ",\n") + "[" + "],\n[".join(rows) + "]")
    fh.write(("\n" if n else "") + "]}\n")


def _first_bad_value(dataset: pd.DataFrame, columns: list[Column], name: str, prepare) -> None:
    """Raise the error of the first column with a bad value, converted whole (a chunk found one): its first
    record and the count of the others, as when the dataset is converted at once."""
    has_subjects = "USUBJID" in dataset.columns
    for c in columns:
        part = dataset[list(dict.fromkeys([c.name] + (["USUBJID"] if has_subjects else [])))]
        part = part if prepare is None else prepare(part)
        _encode(part[c.name], c, name, part["USUBJID"] if has_subjects else None)


def _decode(values: list, col: Column) -> pd.Series:
    dtype, target = col.data_type, col.target_data_type
    if dtype in ("string", "URI") or (dtype in ("date", "datetime", "time") and target is None):
        ser = pd.Series(values, dtype=object)
        return pd.Series(ser.tolist()) if ser.notna().any() else ser
    if dtype in ("date", "datetime"):
        text = pd.Series(values, dtype=object)
        # a partial value would be read as its first day or month (pandas' ISO 8601): never a guess
        complete = _is_complete(text, dtype)
        if not complete.all():
            i = int(np.flatnonzero(~complete)[0])
            raise ValueError(f"row {i + 1} holds {values[i]!r}, not a complete ISO 8601 {dtype}"
                             + (f"; {int((~complete).sum())} such values" if (~complete).sum() > 1 else ""))
        return pd.to_datetime(text, format="ISO8601", utc=False)
    if dtype == "time":
        return pd.to_timedelta(pd.Series(values, dtype=object))
    if dtype == "boolean":
        ser = pd.Series(values, dtype=object)
        return ser.astype(bool) if ser.notna().all() else ser.astype("boolean")
    num = pd.to_numeric(pd.Series(values, dtype=object), errors="raise")
    if dtype == "integer" and target != "decimal":
        return num.astype("int64") if num.notna().all() else num.astype("float64")
    return num.astype("float64")


#: Python types a JSON value of each dataType may have (``None`` is a missing value in every type).
_VALUE_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "URI": (str,), "integer": (int,), "float": (int, float), "double": (int, float),
    "decimal": (str, int, float), "boolean": (bool,), "date": (str,), "datetime": (str,), "time": (str,)}


def _json_document(path: Path) -> dict:
    """The parsed file: UTF-8, strict JSON (no NaN/Infinity, no key given twice), an object."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileError(f"not UTF-8 (byte 0x{raw[exc.start]:02X} at byte {exc.start})", path=path, line=line,
                        hint="Dataset-JSON is UTF-8: write the file again as UTF-8") from None

    def no_constant(name: str):
        raise ValueError(f"{name} is not JSON (write a missing value as null)")

    def pairs(items: list) -> dict:
        out = dict(items)
        if len(out) != len(items):
            seen = set()
            twice = next(k for k, _ in items if k in seen or seen.add(k))
            raise ValueError(f"attribute {twice!r} given twice in one object")
        return out

    try:
        doc = json.loads(text, parse_constant=no_constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise FileError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno,
                        hint="the file is truncated or damaged: write it again") from None
    except ValueError as exc:
        raise FileError(f"not valid Dataset-JSON: {exc}", path=path, hint="write the file again") from None
    if not isinstance(doc, dict):
        raise FileError("not a Dataset-JSON object", path=path, hint="the top level must be a JSON object")
    return doc


def _columns_of(doc: dict, path: Path) -> list[Column]:
    cols = doc["columns"]
    if not isinstance(cols, list) or not all(isinstance(c, dict) for c in cols):
        raise FileError("columns is not a list of column objects", path=path, hint="write the file again")
    out, seen = [], set()
    for i, c in enumerate(cols, start=1):
        name = c.get("name")
        if not isinstance(name, str) or not name:
            raise FileError(f"column {i} has no name", path=path, hint="give every column a name")
        if name in seen:
            raise FileError(f"column {name} is defined twice", path=path, variable=name,
                            hint="a dataset has each variable once")
        seen.add(name)
        data_type, target = c.get("dataType", "string"), c.get("targetDataType")
        if data_type not in DATA_TYPES:
            raise FileError(f"column {name} has dataType {data_type!r}", path=path, variable=name,
                            hint=f"use one of {', '.join(DATA_TYPES)}")
        if target is not None and target not in TARGET_DATA_TYPES:
            raise FileError(f"column {name} has targetDataType {target!r}", path=path, variable=name,
                            hint=f"use one of {', '.join(TARGET_DATA_TYPES)}")
        length = c.get("length")
        if length is not None and (not isinstance(length, int) or isinstance(length, bool) or length < 1):
            raise FileError(f"column {name} has length {length!r}", path=path, variable=name,
                            hint="a length is a whole number of at least 1")
        out.append(Column(item_oid=c.get("itemOID", ""), name=name, label=c.get("label", ""),
                          data_type=data_type, target_data_type=target, length=length,
                          display_format=c.get("displayFormat"), key_sequence=c.get("keySequence")))
    return out


#: What ``pandas.api.types.infer_dtype`` says of a column whose values all fit the dataType (fast path).
_INFERRED_OK: dict[str, tuple[str, ...]] = {
    "string": ("string",), "URI": ("string",), "integer": ("integer",), "boolean": ("boolean",),
    "float": ("floating", "integer", "mixed-integer-float"), "double": ("floating", "integer", "mixed-integer-float"),
    "decimal": ("string", "floating", "integer", "mixed-integer-float"),
    "date": ("string",), "datetime": ("string",), "time": ("string",)}


def _check_values(values: tuple, col: Column, path: Path, dataset) -> None:
    """Every value is null or of the column's dataType; no text longer than the column's length."""
    allowed = _VALUE_TYPES[col.data_type]
    array = np.fromiter(values, dtype=object, count=len(values))
    inferred = pd.api.types.infer_dtype(array, skipna=True)
    if inferred in _INFERRED_OK[col.data_type] + ("empty",):
        if col.length is None or col.data_type not in ("string", "URI") or inferred == "empty":
            return
        lengths = compute_on_distinct(pd.Series(array), lambda v: v.str.len(), missing=0).to_numpy()
        if lengths.max() <= col.length:
            return
    bad = next((i for i, v in enumerate(values) if v is not None and (
        not isinstance(v, allowed) or (isinstance(v, bool) and bool not in allowed)
        or (col.data_type == "integer" and isinstance(v, float)))), None)
    if bad is not None:
        raise FileError(f"value is not of the column's dataType {col.data_type!r}", path=path, dataset=dataset,
                        variable=col.name, row=bad + 1, value=values[bad],
                        hint="correct the value or the column's dataType")
    if col.length is not None and col.data_type in ("string", "URI"):
        long = next((i for i, v in enumerate(values) if v is not None and len(v) > col.length), None)
        if long is not None:
            raise FileError(f"value of {len(values[long])} characters is longer than the column's length "
                            f"{col.length}", path=path, dataset=dataset, variable=col.name, row=long + 1,
                            value=values[long], hint="the file contradicts itself: write it again")


def _sas_numbers(series: pd.Series, col: Column) -> pd.Series:
    """Dates as SAS numbers: days (date) or seconds (datetime, time) since 1960-01-01."""
    if col.data_type == "time":
        return series.dt.total_seconds()
    since = series - pd.Timestamp("1960-01-01")
    return since.dt.days.astype("float64") if col.data_type == "date" else since.dt.total_seconds()


def read_dataset_json(path: str | Path, *, sas_dates: bool = True) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read a Dataset-JSON 1.1 file into ``(DataFrame, DatasetMeta)``.

    Columns come back typed by ``dataType``/``targetDataType`` (dates with
    targetDataType integer as datetime64, or with ``sas_dates=False`` as SAS numbers;
    integer columns with nulls as float64, as SAS holds them); top-level attributes are in
    ``meta.attributes``. A file that contradicts itself is an error naming it: ``records``
    and the rows disagree, a row has too few or too many values, a value is not of its
    column's dataType or is longer than its length, a column is defined twice; so is a file
    that is not UTF-8 or not strict JSON (truncated, NaN, an attribute given twice).
    """
    path = Path(path)
    if not path.is_file():
        raise FileError("file not found", path=path, hint="check the path")
    doc = _json_document(path)
    if "clinicalData" in doc or "referenceData" in doc:
        raise FileError("Dataset-JSON 1.0 layout is not supported", path=path,
                        hint="convert the file to Dataset-JSON 1.1 (top-level columns/rows)")
    version = str(doc.get("datasetJSONVersion", ""))
    if not version.startswith("1.1"):
        raise FileError(f"unsupported datasetJSONVersion {version!r}", path=path,
                        hint="this reader handles Dataset-JSON 1.1")
    missing = [k for k in ("columns", "records", "name") if k not in doc]
    if missing:
        raise FileError(f"required attribute(s) {', '.join(missing)} missing", path=path,
                        hint="write the file with all required attributes")
    name, records = doc.get("name"), doc["records"]
    if not isinstance(records, int) or isinstance(records, bool) or records < 0:
        raise FileError(f"records is {records!r}, not a count", path=path, dataset=name, hint="write the file again")
    cols = _columns_of(doc, path)
    rows = doc.get("rows", [])
    if not isinstance(rows, list):
        raise FileError("rows is not a list", path=path, dataset=name, hint="write the file again")
    if records != len(rows):
        raise FileError(f"records says {records} but the file has {len(rows)} rows", path=path, dataset=name,
                        hint="the file is truncated or was edited: write it again")
    bad = next((i for i, r in enumerate(rows) if not isinstance(r, list) or len(r) != len(cols)), None)
    if bad is not None:
        got = f"{len(rows[bad])} values" if isinstance(rows[bad], list) else "not a list of values"
        raise FileError(f"row has {got}, {len(cols)} columns defined", path=path, dataset=name, row=bad + 1,
                        hint="the file is damaged or was edited: write it again")
    columns = list(zip(*rows)) if rows else [() for _ in cols]
    data = {}
    for col, values in zip(cols, columns):
        _check_values(values, col, path, name)
        try:
            data[col.name] = _decode(list(values), col)
        except (ValueError, TypeError) as exc:
            raise FileError(f"values do not match dataType {col.data_type!r} ({exc})", path=path, dataset=name,
                            variable=col.name, hint="correct the values or the column's dataType") from exc
        if not sas_dates and col.target_data_type == "integer" and col.data_type in ("date", "datetime", "time"):
            data[col.name] = _sas_numbers(data[col.name], col)
    df = pd.DataFrame(data, columns=[c.name for c in cols])
    variables = tuple(
        VariableMeta(
            name=c.name, label=c.label or None,
            type="char" if (c.data_type in ("string", "URI")
                            or (c.data_type in ("date", "datetime", "time") and c.target_data_type is None))
            else "num",
            length=c.length, format=c.display_format, data_type=c.data_type,
            target_data_type=c.target_data_type, key_sequence=c.key_sequence, item_oid=c.item_oid)
        for c in cols)
    attributes = {k: v for k, v in doc.items() if k not in ("columns", "rows")}
    return df, DatasetMeta(name, doc.get("label"), variables, str(path), attributes)


__all__ = [
    "DATASET_JSON_VERSION",
    "Column",
    "dataset_json_document",
    "write_dataset_json",
    "read_dataset_json",
]
