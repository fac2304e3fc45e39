"""Every difference of a compare as one dataset (``derive compare --out-diffs FILE``).

One row per unequal value and one per record found on one side only::

    TYPE          value | base only | compare only | not a number (a text value of a variable
                  compared as numbers that is not one, on its side: BASE or COMPARE; on a matched
                  record it is a ``value`` row too)
    <keys>        the key variables of the compare (``_OBS_`` when matched by position)
    VARIABLE      the base variable (blank for a record on one side only)
    COMPVAR       the compare variable (the WITH variable of a VAR/WITH pair, else VARIABLE)
    BASE, COMPARE the two values as text, at full precision (a number as Python prints it
                  back exactly, a date as YYYY-MM-DD, a datetime in ISO 8601)
    DIFF          COMPARE - BASE for numbers, else missing

A folder compare adds ``DATASET`` first and writes the keys as one text column ``KEY``
(``USUBJID=01, AVISITN=2``), since each dataset has its own keys.

Example
-------
>>> import pandas as pd
>>> from derivations.compare import compare_datasets
>>> base = pd.DataFrame({"USUBJID": ["01", "02"], "AVAL": [0.1, 2.0]})
>>> qc = pd.DataFrame({"USUBJID": ["01", "03"], "AVAL": [0.1 + 1e-12, 2.0]})
>>> res = compare_datasets(base, qc, by_vars=["USUBJID"], max_listed=None)
>>> differences_dataset(res)[["TYPE", "USUBJID", "VARIABLE", "BASE", "COMPARE"]].values.tolist()
[['value', '01', 'AVAL', '0.1', '0.10000000000100001'], ['base only', '02', '', '', ''], ['compare only', '03', '', '', '']]
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..findings import DerivationError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CompareResult

COLUMNS = ("TYPE", "VARIABLE", "COMPVAR", "BASE", "COMPARE", "DIFF")
SUFFIXES = (".csv", ".parquet")


def value_text(value: Any) -> str:
    """A value as exact text: missing -> ``""``, floats round-trip (``0.1``, ``2``), dates ISO 8601.

    >>> [value_text(v) for v in (None, float("nan"), 2.0, 0.1, 1e-20, pd.Timestamp("2021-03-04"), "AB ")]
    ['', '', '2', '0.1', '1e-20', '2021-03-04', 'AB ']
    """
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def differences_dataset(result: "CompareResult") -> pd.DataFrame:
    """The differences of ``result`` as one dataset (see the module docstring).

    ``result`` must hold every difference (``compare_datasets(..., max_listed=None)``);
    a compare that listed only the first N per variable is an error rather than a partial file.
    """
    pair = ["variable", "compare_variable"]
    listed = result.differences.groupby(pair).size().rename("listed").reset_index()
    stats = result.variable_stats.merge(listed, on=pair, how="left")
    short = stats[stats["listed"].fillna(0) < stats["n_unequal"]]
    if len(short):
        var, n, kept = short["variable"].iloc[0], int(short["n_unequal"].iloc[0]), int(short["listed"].fillna(0).iloc[0])
        raise DerivationError(f"the compare kept {kept} of the {n} differences of {var}", variable=var,
                              hint="compare with max_listed=None to write every difference")
    keys = [c for c in result.differences.columns if c not in ("variable", "compare_variable", "base", "compare",
                                                                 "diff")]
    d = result.differences
    values = pd.DataFrame({"TYPE": "value", **{k: d[k].to_numpy() for k in keys},
                           "VARIABLE": d["variable"].astype(str).to_numpy(),
                           "COMPVAR": d["compare_variable"].astype(str).to_numpy(),
                           "BASE": [value_text(v) for v in d["base"]],
                           "COMPARE": [value_text(v) for v in d["compare"]],
                           "DIFF": pd.to_numeric(d["diff"], errors="coerce").to_numpy(dtype=float)},
                          columns=["TYPE", *keys, *COLUMNS[1:]])
    parts = [values]
    for kind, frame in (("base only", result.base_only_rows), ("compare only", result.compare_only_rows)):
        if len(frame):
            part = frame.reset_index(drop=True).copy()
            part.insert(0, "TYPE", kind)
            for col in ("VARIABLE", "COMPVAR", "BASE", "COMPARE"):
                part[col] = ""
            part["DIFF"] = np.nan
            parts.append(part[["TYPE", *keys, *COLUMNS[1:]]])
    nn = result.not_numbers
    if len(nn):
        on_base = (nn["side"] == "BASE").to_numpy()
        part = pd.DataFrame({"TYPE": "not a number", **{k: nn[k].to_numpy() if k in nn else "" for k in keys},
                             "VARIABLE": nn["variable"].astype(str).to_numpy(),
                             "COMPVAR": nn["variable"].astype(str).to_numpy(),
                             "BASE": np.where(on_base, nn["value"].astype(str).to_numpy(), ""),
                             "COMPARE": np.where(on_base, "", nn["value"].astype(str).to_numpy()),
                             "DIFF": np.nan}, columns=["TYPE", *keys, *COLUMNS[1:]])
        parts.append(part)
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else values
    return out.reset_index(drop=True)


def key_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The key columns of ``frame`` as one text per record: ``USUBJID=01, AVISITN=2``."""
    if not keys:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    parts = [k + "=" + frame[k].map(value_text) for k in keys]
    text = parts[0]
    for p in parts[1:]:
        text = text + ", " + p
    return text


def write_differences(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the differences dataset as ``.csv`` (UTF-8, every value as text) or ``.parquet``, atomically.

    An existing ``path`` is replaced only when it is a differences dataset (a file of someone else's is
    refused); in the CSV a text that a spreadsheet would run as a formula gets a leading ``'``
    (:mod:`derivations.csvout`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DerivationError(f"--out-diffs {path}: cannot write a {suffix or 'file without a suffix'}",
                              value=str(path), hint="name a .csv or .parquet file")
    if path.is_dir():
        raise DerivationError(f"--out-diffs {path} is a folder", value=str(path), hint="name a .csv or .parquet file")
    if path.exists() and not _is_differences_file(path):
        from ..outdir import OutputFolderError

        raise OutputFolderError(f"--out-diffs {path} exists and is not a differences dataset derive wrote; it is "
                                "not replaced", value=str(path), hint="give a new file name, or move that file away")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if suffix == ".csv":
            from ..csvout import write_csv

            write_csv(frame, tmp)  # a value such as '=HYPERLINK(...)' cannot run as a formula in a spreadsheet
        else:
            frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _is_differences_file(path: Path) -> bool:
    """True when ``path`` holds a differences dataset (its columns include those of :data:`COLUMNS`)."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8", errors="replace") as fh:
                names = fh.readline().rstrip("\r\n").split(",")
        else:
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
    except Exception:  # noqa: BLE001 - anything unreadable is not ours
        return False
    return bool(names) and names[0] in ("TYPE", "DATASET") and set(COLUMNS) <= set(names)


__all__ = ["differences_dataset", "write_differences", "value_text", "key_text", "COLUMNS"]
