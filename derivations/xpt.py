"""SAS XPORT version 5 (transport) writer, vectorised with NumPy.

Why not ``pyreadstat.write_xport``: measured here, it silently cuts labels to
40 characters, writes character values longer than 200 bytes and UTF-8 bytes as
they are, cannot set a character length, stamps the clock into the header (so
reruns differ), and writes about 8 MB/s. This writer checks every v5 rule first
and raises :class:`~derivations.findings.XptError` naming the variable and the
subject; it never truncates. :func:`read_xpt` reads a transport file back (values through
pyreadstat), with its metadata as a :class:`~derivations.metadata.DatasetMeta`.

Rules enforced (SAS TS-140, FDA Study Data Technical Conformance Guide):

* member name = file name, upper case, at most 8 characters, ``[A-Z_][A-Z0-9_]*``
* variable names likewise; labels at most 40 characters; all text ASCII
* character values at most 200 bytes and at most the variable's length (trailing blanks
  are not counted: they are the padding of a fixed-width field, and SAS does not keep them)
* numerics stored as 8-byte IBM hexadecimal floating point, NaN as ``.``;
  datetime64 columns become SAS dates (days since 1960-01-01) or datetimes
  (seconds) according to the variable's format

Example
-------
>>> import pandas as pd, tempfile, pathlib, datetime
>>> df = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AGE": [61.0, None]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "dm.xpt"
>>> _ = write_xpt(df, path, label="Demographics",
...               variables=[XptVariable("USUBJID", "Unique Subject Identifier", "char", 12),
...                          XptVariable("AGE", "Age", "num")],
...               created=datetime.datetime(2022, 7, 4))
>>> back, meta = read_xpt(path)
>>> back["USUBJID"].tolist(), meta.variable("AGE").label, meta.variable("USUBJID").length
(['S-1', 'S-2'], 'Age', 12)
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .findings import FileError, XptError
from .metadata import DatasetMeta, VariableMeta
from .vocabulary import renamed_arguments, subject_column

_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")
_FORMAT = re.compile(r"^\$?([A-Z_][A-Z0-9_]*?)(\d*)\.?(\d*)$")
_SAS_EPOCH = np.datetime64("1960-01-01", "s")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
#: Rows encoded at a time by the writer (:func:`xpt_bytes`): what it holds beside the dataset is a chunk of
#: this many records, whatever the size of the dataset.
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class XptVariable:
    """Attributes of one variable in an XPT file.

    ``type`` is ``"char"`` or ``"num"``; ``length`` is the character length in
    bytes (numerics are always 8); ``format`` a SAS format such as ``DATE9.``.
    """

    name: str
    label: str = ""
    type: str = "char"
    length: int | None = None
    format: str = ""


def _sas_time(ts: _dt.datetime) -> bytes:
    return f"{ts.day:02d}{_MONTHS[ts.month - 1]}{ts.year % 100:02d}:{ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}".encode()


def _pad(text: str | bytes, width: int) -> bytes:
    raw = text.encode("ascii") if isinstance(text, str) else text
    if len(raw) > width:
        raise ValueError(f"{raw!r} longer than {width}")
    return raw + b" " * (width - len(raw))


def _header(kind: str, tail: str = "0" * 30) -> bytes:
    return _pad(f"HEADER RECORD*******{kind:<8}HEADER RECORD!!!!!!!{tail}", 80)


def _parse_format(fmt: str) -> tuple[str, int, int]:
    if not fmt:
        return "", 0, 0
    m = _FORMAT.match(fmt.upper().strip())
    if not m:
        raise XptError(f"format {fmt!r} is not a SAS format name", hint="use e.g. DATE9. or 8.2")
    name, width, dec = m.group(1), m.group(2), m.group(3)
    if fmt.strip().startswith("$"):
        name = "$" + name
    return name, int(width or 0), int(dec or 0)


# --------------------------------------------------------------------------- numbers

def ieee_to_ibm(values: np.ndarray) -> np.ndarray:
    """IEEE 754 doubles -> 8-byte IBM hexadecimal floats (big-endian uint64).

    Exact: a 53-bit IEEE mantissa always fits the 56-bit IBM fraction. NaN
    becomes the SAS missing value ``.`` (0x2E00...). Infinite values and
    values outside the IBM range (about 5.4e-79 to 7.2e75) raise ValueError.

    >>> ieee_to_ibm(np.array([1.0, -2.5, 0.0, np.nan])).astype(">u8").tobytes().hex(" ", 8)
    '4110000000000000 c128000000000000 0000000000000000 2e00000000000000'
    """
    x = np.ascontiguousarray(values, dtype=np.float64)
    bits = x.view(np.uint64)
    sign = bits >> np.uint64(63)
    exp = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64)
    mant = (bits & np.uint64(0x000FFFFFFFFFFFFF)) | np.uint64(0x0010000000000000)
    nan = np.isnan(x)
    zero = x == 0.0
    if np.isinf(x).any():
        raise ValueError("infinite value")
    shift = (exp - 1019) % 4
    ibm_exp = (exp - 1019 - shift) // 4 + 64
    bad = ~(nan | zero) & ((ibm_exp > 127) | (ibm_exp < 0) | (exp == 0))
    if bad.any():
        raise ValueError(f"value {x[bad][0]!r} outside the IBM floating-point range")
    frac = mant << shift.astype(np.uint64)
    out = (sign << np.uint64(63)) | (ibm_exp.clip(0, 127).astype(np.uint64) << np.uint64(56)) | frac
    out[zero] = np.uint64(0)
    out[nan] = np.uint64(0x2E00000000000000)
    return out


def _numeric_values(series: pd.Series, var: XptVariable, ids: pd.Series | None, dataset: str,
                    offset: int = 0) -> np.ndarray:
    """``series`` (rows ``offset``... of the dataset) as float64 in SAS units; errors name the dataset's row."""
    fmt, _, _ = _parse_format(var.format)
    if pd.api.types.is_datetime64_any_dtype(series):
        secs = (series.to_numpy(dtype="datetime64[s]") - _SAS_EPOCH).astype("timedelta64[s]").astype(np.float64)
        secs[series.isna().to_numpy()] = np.nan
        if fmt in ("DATETIME", "E8601DT", "IS8601DT"):
            return secs
        if fmt in ("TIME", "E8601TM"):
            return np.mod(secs, 86400.0)
        days = secs / 86400.0
        frac = np.mod(days[~np.isnan(days)], 1.0)
        if (frac != 0).any():
            raise XptError(
                "datetime value with a time part given to a date variable",
                dataset=dataset, variable=var.name,
                hint="give the variable a DATETIME format or pass dates at midnight",
            )
        return days
    if pd.api.types.is_timedelta64_dtype(series):
        return series.dt.total_seconds().to_numpy(dtype=np.float64)
    if pd.api.types.is_bool_dtype(series):
        return series.astype(np.float64).to_numpy()
    try:
        arr = pd.to_numeric(series, errors="raise").astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        bad = pd.to_numeric(series, errors="coerce").isna() & series.notna()
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise XptError(
            "numeric variable holds a non-numeric value",
            dataset=dataset, variable=var.name, row=offset + i + 1,
            usubjid=_subject(ids, offset + i), value=series.iloc[i],
            hint="fix the derivation or declare the variable as text in the spec",
        ) from None
    return arr


def _numeric_chunk(series: pd.Series, var: XptVariable, ids: pd.Series | None, dataset: str,
                   lo: int, hi: int, *, check: bool = False) -> np.ndarray | None:
    """Rows ``lo:hi`` of a numeric column as 8-byte IBM floats (big-endian); ``check``: only raise what
    encoding them would raise (the values are not kept)."""
    vals = _numeric_values(series.iloc[lo:hi], var, ids, dataset, lo)
    if check:
        with np.errstate(invalid="ignore"):
            size = np.abs(vals[(vals != 0) & ~np.isnan(vals)])
        if not len(size) or (size.min() > 1e-75 and size.max() < 1e75):  # well inside the IBM range
            return None
    try:
        return ieee_to_ibm(vals).astype(">u8")
    except ValueError as exc:
        i = int(np.flatnonzero(~np.isfinite(vals) & ~np.isnan(vals))[0]) if np.isinf(vals).any() else \
            int(np.nanargmax(np.abs(vals)))
        raise XptError(str(exc), dataset=dataset, variable=var.name, row=lo + i + 1, usubjid=_subject(ids, lo + i),
                       value=vals[i], hint="XPORT v5 stores IBM floats: fix or rescale the value") from None


# --------------------------------------------------------------------------- checks

def _subject(ids: pd.Series | None, i: int) -> str | None:
    return None if ids is None else str(ids.iloc[i])


def _is_text_column(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(series.dtype)


def _to_arrow_text(values: pd.Series | pd.Index):
    """Text values as one Arrow large_string array, missing values blank; ArrowTypeError/ArrowInvalid for a
    value that is not text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.dtype == object:  # Arrow takes None, NaN, NA and NaT for missing; other missing values via pandas
        try:
            arr = pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            arr = pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string(), from_pandas=True)
    else:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    arr = pc.fill_null(arr, "")
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


# the checks of a character value, in the order they are reported: a column's first failing check is
# reported at its first failing record
_CHAR_CHECKS = ("ascii", "over200", "width", "nul")


class _CharColumn:
    """A character column of the dataset: checked in row chunks (:meth:`check`), then encoded chunk by chunk
    (:meth:`chunk`) as a fixed-width, blank-padded byte array. The checks and the padding run on the distinct
    values of each chunk (via Arrow, no Python loop): columns repeat values a lot. A categorical column is
    checked and padded once, on its categories, and encoded by its codes."""

    def __init__(self, series: pd.Series, var: XptVariable, ids: pd.Series | None, dataset: str) -> None:
        if not _is_text_column(series):
            raise XptError(
                f"character variable has dtype {series.dtype}",
                dataset=dataset, variable=var.name,
                hint="convert it to text in the derivation or declare it numeric in the spec",
            )
        self.series, self.var, self.ids, self.dataset = series, var, ids, dataset
        self.categorical = isinstance(series.dtype, pd.CategoricalDtype)
        self.width = var.length if var.length is not None else 1
        self._table: np.ndarray | None = None  # categorical: padded bytes of each category, then of a blank
        self._kept: tuple[int, int, object] | None = None  # the last chunk checked, kept for encoding it

    def _fail(self, message: str, row: int, hint: str):
        raise XptError(message, dataset=self.dataset, variable=self.var.name, row=row + 1,
                       usubjid=_subject(self.ids, row), value=self.series.iloc[row], hint=hint)

    def _non_text(self, lo: int, hi: int):
        s = self.series.iloc[lo:hi]
        mask = ~(s.map(lambda x: isinstance(x, str)) | s.isna()).to_numpy()
        self._fail("character variable holds a non-text value", lo + int(np.flatnonzero(mask)[0]),
                   "convert the value to text in the derivation")

    @staticmethod
    def _flags(values, limit: int | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Per distinct value (blank-trimmed Arrow text): which check it fails, and its length in bytes."""
        import pyarrow.compute as pc

        lengths = pc.binary_length(values).to_numpy(zero_copy_only=False).astype(np.int64)
        flags = {"ascii": ~pc.string_is_ascii(values).to_numpy(zero_copy_only=False),
                 "over200": lengths > 200,
                 "width": lengths > limit if limit is not None else np.zeros(len(lengths), dtype=bool),
                 "nul": pc.match_substring(values, "\x00").to_numpy(zero_copy_only=False)}
        return flags, lengths

    def _distinct(self, lo: int, hi: int):
        """Codes (per row of ``lo:hi``) and the distinct values, blank-trimmed (trailing blanks are the file's
        padding); a non-categorical column's, that is."""
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            arr = _to_arrow_text(self.series.iloc[lo:hi])
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            self._non_text(lo, hi)
        encoded = pc.dictionary_encode(arr)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        return codes, pc.utf8_rtrim(encoded.dictionary, characters=" ")

    def check(self, step: int) -> None:
        """Every check of every value (the first failure raised, as described above); fixes the width."""
        n = len(self.series)
        first: dict[str, int] = {}  # check -> first failing row
        longest = 0
        if self.categorical:
            import pyarrow as pa
            import pyarrow.compute as pc

            codes = self._codes = self.series.cat.codes.to_numpy()
            used = np.zeros(len(self.series.cat.categories) + 1, dtype=bool)  # the last: missing (code -1)
            for lo in range(0, n, step):
                used[codes[lo:lo + step]] = True
            cats = self.series.cat.categories.to_numpy(dtype=object).copy()
            cats[~used[:-1]] = None  # a category no record has is neither checked nor written
            try:
                values = pc.utf8_rtrim(_to_arrow_text(pd.Series(cats, dtype=object)), characters=" ")
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                self._non_text(0, n)
            flags, lengths = self._flags(values, self.var.length)
            longest = int(lengths.max()) if len(lengths) else 0
            for check in _CHAR_CHECKS:
                bad = np.flatnonzero(flags[check])
                if len(bad):
                    for lo in range(0, n, step):
                        hit = np.flatnonzero(np.isin(codes[lo:lo + step], bad))
                        if len(hit):
                            first[check] = lo + int(hit[0])
                            break
                    break
            self._value_lengths = lambda row: int(lengths[codes[row]])
        else:
            for lo in range(0, n, step):
                hi = min(lo + step, n)
                codes, values = self._distinct(lo, hi)
                self._kept = (lo, hi, (codes, values))
                flags, lengths = self._flags(values, self.var.length)
                if len(lengths):
                    longest = max(longest, int(lengths.max()))
                for check in _CHAR_CHECKS:
                    if check not in first and flags[check].any():
                        first[check] = lo + int(np.argmax(flags[check][codes]))
            self._value_lengths = lambda row: len(str(self.series.iloc[row]).rstrip(" ").encode("utf-8"))
        if "ascii" in first:
            self._fail("non-ASCII character; SAS XPORT v5 holds ASCII only", first["ascii"],
                       "transliterate it in the study program (derivations.sdtm.compute_ascii) so it is reported")
        if "over200" in first:
            self._fail(f"value of {self._value_lengths(first['over200'])} bytes; SAS XPORT v5 allows at most 200",
                       first["over200"], "split the text into continuation variables (SDTMIG 4.5.3) with "
                       "derivations.sdtm.derive_vars_split_text")
        if "width" in first:
            self._fail(f"value of {self._value_lengths(first['width'])} bytes is longer than the variable's "
                       f"length {self.width}", first["width"], "raise the length in the spec or fix the value; "
                       "nothing is truncated")
        if "nul" in first:
            self._fail("value holds a NUL byte", first["nul"], "remove control characters")
        if self.var.length is None:
            self.width = max(longest, 1)
        if self.categorical:
            self._table = np.append(_padded(values, self.width), np.array([b" " * self.width],
                                                                          dtype=f"S{self.width}"))

    def chunk(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` as fixed-width, blank-padded bytes (after :meth:`check`)."""
        if self._table is not None:
            return self._table[self._codes[lo:hi]]
        if hi <= lo:
            return np.zeros(0, dtype=f"S{self.width}")
        if self._kept is not None and self._kept[:2] == (lo, hi):  # the last chunk checked: converted once
            (codes, values), self._kept = self._kept[2], None
        else:
            codes, values = self._distinct(lo, hi)
        return _padded(values, self.width)[codes]


def _padded(values, width: int) -> np.ndarray:
    """Blank-trimmed Arrow text values (each at most ``width`` bytes) as a ``S<width>`` array, blank-padded."""
    import pyarrow.compute as pc

    padded = pc.utf8_rpad(values, width=width, padding=" ")
    k = len(padded)
    if k == 0:
        return np.zeros(0, dtype=f"S{width}")
    offsets = np.frombuffer(padded.buffers()[1], dtype=np.int64, count=k + 1, offset=padded.offset * 8)
    data = np.frombuffer(padded.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return data.view(f"S{width}")


def n_rows(frame: pd.DataFrame) -> int:
    return len(frame.index)


def _check_names(name: str, label: str, variables: Sequence[XptVariable]) -> None:
    if not _NAME.match(name):
        raise XptError(
            "dataset name is not a SAS v5 name (A-Z, 0-9, _; at most 8, starting with a letter)",
            dataset=name, hint="the member name is the file name: rename the file",
        )
    if len(label) > 40 or not label.isascii():
        raise XptError("dataset label longer than 40 characters or not ASCII", dataset=name, value=label,
                       hint="shorten the label in the spec")
    seen = set()
    for v in variables:
        if not _NAME.match(v.name):
            raise XptError("variable name is not a SAS v5 name (upper case A-Z, 0-9, _; at most 8)",
                           dataset=name, variable=v.name, hint="rename the variable in the spec and program")
        if v.name in seen:
            raise XptError("variable appears twice", dataset=name, variable=v.name)
        seen.add(v.name)
        if len(v.label) > 40 or not v.label.isascii():
            raise XptError(f"label of {len(v.label)} characters; SAS XPORT v5 allows 40 ASCII characters",
                           dataset=name, variable=v.name, value=v.label, hint="shorten the label in the spec")
        if v.type not in ("char", "num"):
            raise XptError(f"type must be 'char' or 'num', not {v.type!r}", dataset=name, variable=v.name)
        if v.type == "char" and v.length is not None and not 1 <= v.length <= 200:
            raise XptError("character length must be 1-200", dataset=name, variable=v.name, value=v.length)


def infer_variables(dataset: pd.DataFrame) -> list[XptVariable]:
    """Variables of a frame when no spec is given: text -> char (longest value), else num."""
    out = []
    for col in dataset.columns:
        s = dataset[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out.append(XptVariable(str(col), "", "num"))
        elif pd.api.types.is_datetime64_any_dtype(s):
            out.append(XptVariable(str(col), "", "num", format="DATE9."))
        else:
            out.append(XptVariable(str(col), "", "char"))
    return out


# --------------------------------------------------------------------------- writing

def _namestr(var: XptVariable, number: int, position: int, length: int) -> bytes:
    fmt, width, dec = _parse_format(var.format)
    rec = bytearray(140)
    rec[0:2] = (1 if var.type == "num" else 2).to_bytes(2, "big")
    rec[2:4] = (0).to_bytes(2, "big")
    rec[4:6] = length.to_bytes(2, "big")
    rec[6:8] = number.to_bytes(2, "big")
    rec[8:16] = _pad(var.name, 8)
    rec[16:56] = _pad(var.label, 40)
    rec[56:64] = _pad(fmt, 8)
    rec[64:66] = width.to_bytes(2, "big")
    rec[66:68] = dec.to_bytes(2, "big")
    rec[68:70] = (0).to_bytes(2, "big")   # left-justified
    rec[70:72] = b"\x00\x00"
    rec[72:80] = _pad("", 8)              # informat
    rec[80:82] = (0).to_bytes(2, "big")
    rec[82:84] = (0).to_bytes(2, "big")
    rec[84:88] = position.to_bytes(4, "big")
    return bytes(rec)


def _blocks(data: bytes) -> bytes:
    rem = len(data) % 80
    return data if rem == 0 else data + b" " * (80 - rem)


@renamed_arguments(id_var="subject_keys")
def xpt_bytes(
    dataset: pd.DataFrame,
    *,
    name: str,
    label: str = "",
    variables: Sequence[XptVariable] | None = None,
    created: _dt.datetime,
    subject_keys: str | Sequence[str] = "USUBJID",
) -> Iterable[bytes]:
    """Yield the bytes of an XPORT v5 file, after all checks have passed."""
    name = name.upper()
    variables = list(variables) if variables is not None else infer_variables(dataset)
    _check_names(name, label, variables)
    missing = [v.name for v in variables if v.name not in dataset.columns]
    if missing:
        raise XptError(f"variable(s) {', '.join(missing)} in the metadata but not in the data", dataset=name,
                       variable=missing[0], hint="derive them or remove them from the spec")
    extra = [c for c in dataset.columns if c not in {v.name for v in variables}]
    if extra:
        raise XptError(f"variable(s) {', '.join(map(str, extra))} in the data but not in the metadata",
                       dataset=name, variable=str(extra[0]), hint="add them to the spec or drop them")
    id_col = subject_column(subject_keys)
    ids = dataset[id_col] if id_col in dataset.columns else None  # (rows are looked up by position)
    n = n_rows(dataset)
    step = max(1, int(CHUNK_ROWS))

    # Check every column first, in row chunks: all checks run before a single byte is produced, and
    # nothing of the size of the dataset is held beside it.
    columns: list[tuple[XptVariable, pd.Series] | _CharColumn] = []
    for v in variables:
        s = dataset[v.name]
        if v.type == "num":
            for lo in range(0, n, step):
                _numeric_chunk(s, v, ids, name, lo, min(lo + step, n), check=True)
            columns.append((v, s))
        else:
            column = _CharColumn(s, v, ids, name)
            column.check(step)
            columns.append(column)
    widths = [c.width if isinstance(c, _CharColumn) else 8 for c in columns]

    def encode(lo: int, hi: int) -> list[np.ndarray]:
        return [c.chunk(lo, hi) if isinstance(c, _CharColumn) else _numeric_chunk(c[1], c[0], ids, name, lo, hi)
                for c in columns]

    if columns and n and all(isinstance(c, _CharColumn) for c in columns):
        if all(not arr[0].strip() for arr in encode(n - 1, n)):
            raise XptError(
                "the last record has only blank values and the dataset has only character variables: "
                "XPORT v5 readers cannot tell it from the file's blank padding and would drop it",
                dataset=name, row=n, usubjid=_subject(ids, n - 1),
                hint="remove the empty record or sort it away from the end",
            )

    header = [
        _header("LIBRARY"),
        _pad(b"SAS     SAS     SASLIB  9.4     " + _pad("X64_10PR", 8) + b" " * 24 + _sas_time(created), 80),
        _pad(_sas_time(created), 80),
        _header("MEMBER", "000000000000000001600000000140"),
        _header("DSCRPTR"),
        _pad(b"SAS     " + _pad(name, 8) + b"SASDATA 9.4     " + _pad("X64_10PR", 8) + b" " * 24 + _sas_time(created), 80),
        _pad(_sas_time(created) + b" " * 16 + _pad(label, 40) + _pad("", 8), 80),
        _header("NAMESTR", f"000000{len(variables):04d}" + "0" * 20),
    ]
    yield b"".join(header)
    position, names = 0, []
    for i, (v, width) in enumerate(zip(variables, widths), start=1):
        names.append(_namestr(v, i, position, width))
        position += width
    yield _blocks(b"".join(names))
    yield _header("OBS")

    # Records, a chunk of rows at a time: each column's values of the chunk encoded into one record array
    row_len = position
    if not columns:
        return
    dtype = np.dtype({
        "names": [f"f{i}" for i in range(len(columns))],
        "formats": [np.dtype(f"S{c.width}") if isinstance(c, _CharColumn) else np.dtype(">u8") for c in columns],
        "offsets": [int(x) for x in np.cumsum([0] + widths[:-1])],
        "itemsize": row_len,
    })
    written = 0
    for start in range(0, n, step):
        stop = min(start + step, n)
        rec = np.empty(stop - start, dtype=dtype)
        for i, arr in enumerate(encode(start, stop)):
            rec[f"f{i}"] = arr
        chunk = rec.tobytes()
        written += len(chunk)
        yield chunk
    rem = written % 80
    if rem:
        yield b" " * (80 - rem)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@renamed_arguments(id_var="subject_keys")
def write_xpt(
    dataset: pd.DataFrame,
    path: str | Path,
    *,
    label: str = "",
    variables: Sequence[XptVariable] | None = None,
    created: _dt.datetime,
    subject_keys: str | Sequence[str] = "USUBJID",
) -> Path:
    """Write ``dataset`` as an XPORT v5 file atomically (temp file + rename).

    The member name is the file name (``dm.xpt`` -> ``DM``). ``created`` is
    stamped into the headers: pass a study date, not the clock, so that reruns
    are byte-identical. Raises :class:`XptError` before writing anything if a
    v5 rule is broken.
    """
    path = Path(path)
    name = path.stem.upper()
    chunks = xpt_bytes(dataset, name=name, label=label, variables=variables, created=created, subject_keys=subject_keys)
    first = next(chunks)  # runs every check before a file is opened
    return _write_atomic(path, first, chunks)


def _write_atomic(path: Path, first: bytes, chunks: Iterable[bytes]) -> Path:
    """``first`` then ``chunks`` to ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(first)
            for chunk in chunks:
                fh.write(chunk)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a dataset is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- reading

_LIBRARY = re.compile(rb"HEADER RECORD\*{7}(LIBRARY|LIBV8) *HEADER RECORD!{7}0{30} *$")
_MAGIC = ((b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?)"), (b"PAR1", "a parquet file"),
          (b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc2\xea\x81\x60", "a SAS7BDAT data set"),
          (b"{", "a JSON file"), (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"))


@dataclass(frozen=True)
class XptLayout:
    """What a transport file's headers and length say: its member, variables and record count.

    SAS XPORT v5 stores no record count: ``records`` comes from the length of the data part
    (whole records of ``row_length`` bytes, then blank padding to an 80-byte boundary).
    """

    version: int
    member: str
    variables: tuple[tuple[str, str, int, int], ...]  # (name, "char"/"num", length, position)
    row_length: int
    data_start: int
    records: int


def _layout_error(path: Path, message: str, hint: str = "the file is damaged or truncated: write or export it again"):
    return FileError(f"not a readable SAS transport file: {message}", path=path, hint=hint)


def xpt_layout(path: str | Path) -> XptLayout:
    """Check a transport file's structure before its values are read, and return its layout.

    Raises :class:`~derivations.findings.FileError` naming the file when the first record is
    not a library header (another kind of file), a header is damaged, the variables' lengths
    and positions do not add up, the file holds more than one dataset, or its length is not
    whole records plus padding (a truncated file). A file cut exactly at a record boundary
    that is also an 80-byte boundary cannot be told from a shorter one: XPORT v5 has no count.
    """
    import mmap

    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if size == 0:
            raise _layout_error(path, "the file is empty", "write or export it again")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return _layout(path, mm, size)


def _layout(path: Path, mm, size: int) -> XptLayout:
    first = bytes(mm[:80])
    match = _LIBRARY.match(first.rstrip(b" ") if len(first) == 80 else b"")
    if not match:
        kind = next((what for magic, what in _MAGIC if first.startswith(magic)), None)
        what = kind or ("text" if first[:80].isascii() and b"\x00" not in first else "binary data")
        raise _layout_error(path, f"its first 80 bytes are not a LIBRARY header record; it looks like {what}",
                            "give a SAS V5/V8 transport (.xpt) file")
    version = 5 if match.group(1) == b"LIBRARY" else 8
    if size < 8 * 80:
        raise _layout_error(path, f"the file is {size} bytes, shorter than the 640 bytes of headers")

    def record(i: int) -> bytes:
        return bytes(mm[i * 80:(i + 1) * 80])

    def expect(i: int, *kinds: bytes) -> bytes:
        rec = record(i)
        if not any(rec.startswith(b"HEADER RECORD*******" + k) for k in kinds):
            raise _layout_error(path, f"record {i + 1} is not the {kinds[0].decode().strip()} header")
        return rec

    member = expect(3, b"MEMBER  ", b"MEMBV8  ")
    expect(4, b"DSCRPTR ", b"DSCPTV8 ")
    namestr_header = expect(7, b"NAMESTR ", b"NAMSTV8 ")
    try:
        namestr_len = int(member[74:78])
        count = int(namestr_header[53:58])
    except ValueError:
        raise _layout_error(path, "the member or NAMESTR header holds no number where one belongs") from None
    if namestr_len not in (136, 140):
        raise _layout_error(path, f"the member header gives a variable descriptor length of {namestr_len}, not 140")
    name_end = 16 if version == 5 else 40
    dataset = record(5)[8:name_end].decode("ascii", "replace").strip()
    end = 640 + count * namestr_len
    if end > size:
        raise _layout_error(path, f"the header announces {count} variable(s) but the file ends within their "
                                  "descriptors")
    variables, position = [], 0
    for i in range(count):
        ns = bytes(mm[640 + i * namestr_len: 640 + (i + 1) * namestr_len])
        ntype, length = int.from_bytes(ns[0:2], "big"), int.from_bytes(ns[4:6], "big")
        name = ns[8:16].decode("ascii", "replace").strip()
        npos = int.from_bytes(ns[84:88], "big")
        where = f"variable {i + 1} ({name or 'no name'})"
        if ntype not in (1, 2):
            raise _layout_error(path, f"{where} has type code {ntype} (1 numeric, 2 character)")
        if not name:
            raise _layout_error(path, f"{where} has no name")
        if ntype == 1 and length != 8:
            raise _layout_error(path, f"numeric {where} is stored in {length} bytes; only 8-byte numerics are read",
                                "export the dataset with numeric lengths of 8 (the FDA's transport files have them)")
        if ntype == 2 and not 1 <= length <= (200 if version == 5 else 32767):
            raise _layout_error(path, f"character {where} has length {length}")
        if npos != position:
            raise _layout_error(path, f"{where} starts at byte {npos} of a record, but the lengths of the variables "
                                      f"before it add up to {position}")
        variables.append((name, "num" if ntype == 1 else "char", length, position))
        position += length
    row_length = position
    obs = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!" if version == 5 else \
        b"HEADER RECORD*******OBSV8   HEADER RECORD!!!!!!!"
    obs_at = -(-end // 80) * 80
    if version == 8:  # an optional label section (LABELV8/LABELV9) comes between descriptors and data
        found = mm.find(obs, obs_at)
        obs_at = found if found >= 0 else size
    if bytes(mm[obs_at:obs_at + len(obs)]) != obs:
        raise _layout_error(path, "the OBS header record that starts the data is missing after the variable "
                                  "descriptors")
    data_start = obs_at + 80
    for header in (b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!", b"HEADER RECORD*******MEMBV8  HEADER RECORD!!!!!!!"):
        at = mm.find(header, data_start)
        while at >= 0 and at % 80:
            at = mm.find(header, at + 1)
        if at >= 0:
            raise _layout_error(path, f"it holds more than one dataset (a second member starts at byte {at})",
                                "submit one dataset per transport file, as the FDA requires")
    data = size - data_start
    if version == 5 and size % 80:
        raise _layout_error(path, f"its length of {size} bytes is not a whole number of 80-byte records")
    if row_length == 0:
        return XptLayout(version, dataset, (), 0, data_start, 0)
    full, rest = divmod(data, row_length)
    tail = bytes(mm[size - rest:size])
    if tail.strip(b" "):
        raise _layout_error(path, f"the last record is incomplete: the file ends {rest} bytes into a record of "
                                  f"{row_length} bytes (after {full} whole records)")
    blank = b" " * row_length
    kept = full
    while kept and mm[data_start + (kept - 1) * row_length: data_start + kept * row_length] == blank:
        kept -= 1
    if data - kept * row_length >= 80:
        raise _layout_error(path, f"records {kept + 1}-{full} are entirely blank: a reader cannot tell them from "
                                  "the padding at the end of the file, so they would be lost",
                            "blank records of a dataset with character variables only cannot be transported: "
                            "remove them or add a numeric variable")
    return XptLayout(version, dataset, tuple(variables), row_length, data_start, kept)


def _header_texts(head: bytes):
    """``(offset, bytes)`` of the text in a transport file's headers: the eight header records, and the
    name, label, format and informat of every variable descriptor (the rest of a descriptor is binary)."""
    yield 0, head[:640]
    try:
        size, count = int(head[3 * 80 + 74:3 * 80 + 78]), int(head[7 * 80 + 53:7 * 80 + 58])
    except ValueError:
        return
    for i in range(count):
        at = 640 + i * size
        for lo, hi in ((8, 16), (16, 56), (56, 64), (72, 80)):
            yield at + lo, head[at + lo:at + hi]


def _encoding_error(path: Path, layout: XptLayout, encoding: str) -> FileError:
    """The first text value (or header text) that is not ``encoding``, named by variable and record."""
    import codecs

    with open(path, "rb") as fh:
        head = fh.read(layout.data_start)
        data = np.fromfile(fh, dtype=np.uint8, count=layout.records * layout.row_length)
    decoder = codecs.lookup(encoding).name
    hint = ("the file was written in another encoding (the CDISC pilot's datasets are cp1252): declare it, "
            "e.g. [sdtm] encoding = \"cp1252\" in study.toml" if decoder == "utf-8" else
            f"the file is not {encoding} either: declare the encoding it was written in")
    for start, text in _header_texts(head):  # (binary fields of the descriptors, such as positions, are not text)
        try:
            text.decode(decoder)
        except UnicodeDecodeError as exc:
            at = start + exc.start
            return FileError(f"header text is not {encoding} (byte 0x{head[at]:02X} at byte {at} of the file: "
                             f"{text.rstrip(b' ')!r})", path=path, hint=hint)
    rows = data.reshape(layout.records, layout.row_length) if layout.row_length else data.reshape(0, 0)
    for name, kind, length, position in layout.variables:
        if kind != "char":
            continue
        block = rows[:, position:position + length]
        for i in np.flatnonzero((block >= 0x80).any(axis=1)):
            raw = block[i].tobytes().rstrip(b" ")
            try:
                raw.decode(decoder)
            except UnicodeDecodeError as exc:
                return FileError(f"text is not {encoding} (byte 0x{raw[exc.start]:02X} in {raw!r})", path=path,
                                 dataset=layout.member, variable=name, row=int(i) + 1, hint=hint)
    return FileError(f"text cannot be read as {encoding}", path=path, hint=hint)


def read_xpt(path: str | Path, *, encoding: str | None = None,
             sas_dates: bool = True) -> tuple[pd.DataFrame, DatasetMeta]:
    """Read a SAS transport file (v5 or v8) into ``(DataFrame, DatasetMeta)``.

    The structure is checked first (:func:`xpt_layout`): a truncated or damaged file, or
    one that is not a transport file, is an error naming the file, never a shorter dataset.
    Values come from pyreadstat (it reads SAS files faithfully); labels, formats and storage
    lengths from the file's header.

    Parameters
    ----------
    path
        The ``.xpt`` file.
    encoding
        Encoding of the text in the file, e.g. ``"cp1252"`` or ``"latin-1"``. UTF-8 (and so
        ASCII) when not given; a value that is not UTF-8 is then an error naming the variable
        and record, and saying to declare the encoding.
    sas_dates
        Numerics with a date, datetime or time format become datetime64; ``False`` keeps the
        numbers as submitted.

    Use :func:`derivations.io.read_dataset` to read any dataset file by its type.
    """
    import codecs

    import pyreadstat

    path = Path(path)
    if not path.is_file():
        raise FileError("file not found", path=path, hint="check the path and file name")
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise FileError(f"unknown encoding {encoding!r}", path=path,
                            hint="name a Python codec such as cp1252, latin-1 or utf-8") from None
    layout = xpt_layout(path)
    options = {"dates_as_pandas_datetime": True} if sas_dates else {"disable_datetime_conversion": True}
    if encoding:
        options["encoding"] = encoding
    try:
        df, m = pyreadstat.read_xport(str(path), **options)
    except UnicodeDecodeError:
        raise _encoding_error(path, layout, encoding or "utf-8") from None
    except Exception as exc:  # ReadstatError, OverflowError ...
        if "convert string" in str(exc) or "character set" in str(exc):
            if "character set" in str(exc):
                raise FileError(f"encoding {encoding!r} is not known to the XPT reader", path=path,
                                hint="name it as iconv does, e.g. cp1252 or iso8859-1") from None
            raise _encoding_error(path, layout, encoding or "utf-8") from None
        raise FileError(
            f"cannot read SAS XPORT file ({type(exc).__name__}: {exc})", path=path,
            hint="check that the file is a complete SAS V5/V8 transport file (not truncated, not another format)",
        ) from exc
    if len(df) != layout.records:
        raise FileError(f"{len(df)} record(s) read, but the file's length holds {layout.records}", path=path,
                        hint="the file is damaged: write or export it again")
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
    return df, DatasetMeta(m.table_name or path.stem.upper(), m.file_label or None, variables, str(path),
                           {"records": len(df), "version": layout.version, "encoding": encoding or "utf-8"})


def variables_from_spec(dataset_spec, lengths: Mapping[str, int] | None = None) -> list[XptVariable]:
    """XPT attributes of a :class:`~derivations.spec.DatasetSpec`'s variables, in spec order.

    ``lengths`` (variable -> length, from :func:`derivations.lengths.submission_lengths`) are the
    character lengths to write; a variable it lacks keeps the spec's length (the maximum allowed).
    """
    lengths = lengths or {}
    out = []
    for v in dataset_spec.variables:
        fmt = v.format
        if fmt and not fmt.endswith(".") and not re.search(r"\d$", fmt):
            fmt = {"DATE": "DATE9.", "DATETIME": "DATETIME20.", "TIME": "TIME8."}.get(fmt.upper(), fmt + ".")
        elif fmt and not fmt.endswith("."):
            fmt = fmt + "."
        length = lengths.get(v.name, v.length) if v.xpt_type == "char" else None
        out.append(XptVariable(v.name, v.label, v.xpt_type, length, fmt))
    return out


# --------------------------------------------------------------------------- parts of a large dataset

#: The FDA's limit for one dataset file (Study Data Technical Conformance Guide: a dataset over 5 GB is
#: submitted split into datasets of at most 5 GB). Decimal gigabytes, the stricter reading of "GB".
FDA_MAX_DATASET_BYTES = 5_000_000_000


@dataclass(frozen=True)
class XptPart:
    """One numbered part of a dataset split by subject (:func:`split_xpt`).

    ``first_record`` is the 1-based number in the whole dataset of the part's first record;
    ``first_subject``/``last_subject`` the subject values of its first and last records; ``max_bytes``
    the limit the dataset was split at.
    """

    path: Path
    member: str
    number: int
    of: int
    first_record: int
    records: int
    subjects: int
    first_subject: str
    last_subject: str
    max_bytes: int = FDA_MAX_DATASET_BYTES


def _part_bytes(header: int, records: int, row_length: int) -> int:
    return header + -(-records * row_length // 80) * 80


def _subject_runs(path: Path, layout: XptLayout, subject: str) -> tuple[np.ndarray, np.ndarray]:
    """Start record (0-based) of each subject's run of records, and the subject values, read from the file;
    a subject with records in two places is an error (a part must hold every record of its subjects)."""
    found = [v for v in layout.variables if v[0] == subject]
    if not found or found[0][1] != "char":
        raise XptError(f"cannot split {path.name} by subject: it has no character variable {subject}",
                       dataset=layout.member, variable=subject,
                       hint="only a dataset with a subject variable is split; give subject_keys")
    _, _, length, position = found[0]
    starts, values, previous = [], [], None
    step = max(1, (1 << 26) // layout.row_length)  # records read at a time (64 MB), so memory stays flat
    with open(path, "rb") as fh:
        fh.seek(layout.data_start)
        for lo in range(0, layout.records, step):
            count = min(step, layout.records - lo)
            block = np.frombuffer(fh.read(count * layout.row_length), dtype=np.uint8)
            if len(block) != count * layout.row_length:
                raise _layout_error(path, "the file ended while its subjects were read")
            rows = block.reshape(count, layout.row_length)[:, position:position + length]
            ids = np.ascontiguousarray(rows).view(f"S{length}").ravel()
            new = np.flatnonzero(ids[1:] != ids[:-1]) + 1
            if previous is None or ids[0] != previous:
                new = np.concatenate([[0], new])
            starts.append(new + lo)
            values.append(ids[new])
            previous = ids[-1]
    starts_all = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    values_all = np.concatenate(values) if values else np.zeros(0, dtype=f"S{length}")
    distinct, first_at, counts = np.unique(values_all, return_index=True, return_counts=True)
    if (counts > 1).any():
        twice = np.flatnonzero(values_all == distinct[counts > 1][0])
        raise XptError(
            f"cannot split {path.name} by subject: the records of one subject are not together (records "
            f"{starts_all[twice[0]] + 1} and {starts_all[twice[1]] + 1} start two runs of them)",
            dataset=layout.member, variable=subject, usubjid=distinct[counts > 1][0].decode("ascii").rstrip(),
            hint="sort the dataset by its keys (subject first) before writing it")
    return starts_all, values_all


def split_xpt(path: str | Path, folder: str | Path | None = None, *, max_bytes: int = FDA_MAX_DATASET_BYTES,
              subject_keys: str | Sequence[str] = "USUBJID") -> list[XptPart]:
    """Split a transport file larger than ``max_bytes`` into numbered parts by subject; ``[]`` when it fits.

    The parts (``lb.xpt`` -> ``lb1.xpt``, ``lb2.xpt`` ... in ``folder``, default beside the file) are each a
    complete XPORT v5 file of at most ``max_bytes``, with the whole file's header, variables and label and
    the member name of the part's file (``LB1``). Every subject's records lie in one part, and the parts'
    records, read in order, are the whole file's records byte for byte: the records are copied, not
    encoded again. Parts are filled in record order up to ``max_bytes`` (the FDA's 5 GB by default).

    Parameters
    ----------
    path
        A transport file written by :func:`write_xpt` (sorted by its keys, so a subject's records lie
        together).
    folder
        Where the parts go (the folder of ``path`` when not given); each is written atomically.
    max_bytes
        The largest part, in bytes (:data:`FDA_MAX_DATASET_BYTES`).
    subject_keys
        The subject variable (the last of several keys): a subject is never split across parts.

    Raises :class:`~derivations.findings.XptError` naming the subject when one subject's records alone
    exceed ``max_bytes``, when a subject's records are not together, or when a part's name would not be a
    SAS v5 name (``SUPPQUAL`` + a number has 9 characters).

    Example
    -------
    >>> import pandas as pd, tempfile, pathlib, datetime
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> lb = pd.DataFrame({"USUBJID": ["S-1"] * 30 + ["S-2"] * 30 + ["S-3"] * 20, "LBSEQ": range(80)})
    >>> path = write_xpt(lb, folder / "lb.xpt", created=datetime.datetime(2022, 7, 4))
    >>> parts = split_xpt(path, max_bytes=1_600)
    >>> [(p.path.name, p.member, p.records, p.first_subject, p.last_subject) for p in parts]
    [('lb1.xpt', 'LB1', 30, 'S-1', 'S-1'), ('lb2.xpt', 'LB2', 50, 'S-2', 'S-3')]
    >>> pd.concat([read_xpt(p.path)[0] for p in parts], ignore_index=True).equals(read_xpt(path)[0])
    True
    """
    path = Path(path)
    folder = Path(folder) if folder is not None else path.parent
    size = path.stat().st_size
    if size <= max_bytes:
        return []
    layout = xpt_layout(path)
    if layout.version != 5:
        raise XptError(f"{path.name} is a version 8 transport file; only version 5 files are split",
                       dataset=layout.member, hint="write the dataset with write_xpt (XPORT v5)")
    with open(path, "rb") as fh:
        header = bytearray(fh.read(layout.data_start))
    starts, values = _subject_runs(path, layout, subject_column(subject_keys))
    ends = np.append(starts[1:], layout.records)
    plan: list[tuple[int, int]] = []  # (first subject index, last subject index + 1) of each part
    first = 0
    for i, (lo, hi) in enumerate(zip(starts, ends)):
        if _part_bytes(len(header), int(hi - lo), layout.row_length) > max_bytes:
            raise XptError(
                f"cannot split {path.name} into parts of at most {max_bytes:,} bytes: one subject's "
                f"{hi - lo:,} records alone take {_part_bytes(len(header), int(hi - lo), layout.row_length):,}",
                dataset=layout.member, usubjid=values[i].decode("ascii").rstrip(),
                hint="a subject is never split across parts: raise the limit")
        if _part_bytes(len(header), int(hi - starts[first]), layout.row_length) > max_bytes:
            plan.append((first, i))
            first = i
    plan.append((first, len(starts)))
    stem = path.stem.upper()
    members = [f"{stem}{k}" for k in range(1, len(plan) + 1)]
    if not _NAME.match(members[-1]):
        raise XptError(f"{path.name} needs {len(plan)} parts, and the part name {members[-1]} is not a SAS v5 "
                       "name (at most 8 characters)", dataset=layout.member,
                       hint="a dataset split into parts needs a name short enough to take the part number")
    spans = [(int(starts[a]), int(ends[b - 1])) for a, b in plan]
    with open(path, "rb") as fh:
        if all(v[1] == "char" for v in layout.variables):
            for k, (lo, hi) in enumerate(spans, start=1):
                fh.seek(layout.data_start + (hi - 1) * layout.row_length)
                if not fh.read(layout.row_length).strip(b" "):
                    raise XptError(f"part {k} of {path.name} would end with an all-blank record, which a reader "
                                   "takes for the file's padding and drops", dataset=layout.member, row=hi,
                                   hint="give the dataset a numeric variable, or remove the blank record")

        def records(lo: int, hi: int):
            fh.seek(layout.data_start + lo * layout.row_length)
            left = (hi - lo) * layout.row_length
            while left:
                block = fh.read(min(left, 1 << 26))
                if not block:
                    raise _layout_error(path, "the file ended while its records were copied")
                left -= len(block)
                yield block
            if (hi - lo) * layout.row_length % 80:
                yield b" " * (80 - (hi - lo) * layout.row_length % 80)

        parts: list[XptPart] = []
        try:
            for k, ((a, b), (lo, hi), member) in enumerate(zip(plan, spans, members), start=1):
                header[5 * 80 + 8:5 * 80 + 16] = _pad(member, 8)  # the member name of the DSCRPTR record
                target = _write_atomic(folder / f"{member.lower()}.xpt", bytes(header), records(lo, hi))
                parts.append(XptPart(target, member, k, len(plan), lo + 1, hi - lo, b - a,
                                     values[a].decode("ascii").rstrip(), values[b - 1].decode("ascii").rstrip(),
                                     max_bytes))
        except BaseException:
            for part in parts:  # no half set of parts is left behind
                part.path.unlink(missing_ok=True)
            raise
    return parts
