"""Submitted character lengths: fitted to the data, computed once for XPT, Dataset-JSON and define.xml.

The spec's Length of a character variable is the maximum allowed: a longer value is an
error (the ``length`` check of :mod:`derivations.schema`, and the XPT writer), never cut.
What a submission states is the length the data need, and all three files state the same:

* :func:`compute_char_length` -- the bytes (UTF-8) of a column's longest value, without the
  trailing blanks that SAS does not keep (an XPT file pads with blanks); at least 1.
* :func:`submission_lengths` -- the length of every character variable of every dataset of
  one standard (one define.xml). FDA's Study Data Technical Conformance Guide asks that the
  allotted length of a character column be the maximum length of the variable used across
  all datasets in the study, except in SUPPQUAL datasets, where it is the maximum used in
  the individual dataset (the guide's text on SAS transport files, March 2022 revision and
  later). So a variable shared by datasets (STUDYID, USUBJID, VISIT, EPOCH, ...) gets the
  longest value of all of them, a SUPP-- dataset's variables their own, and neither more
  than the dataset's spec length. "The study" is read as the datasets of one standard: SDTM
  and ADaM are submitted in separate folders, each with its own define.xml, and the SDTM
  files are final before ADaM is derived (an ADaM run may read a submitted SDTM folder).

The XPT writer (:func:`derivations.pipeline.write_stage`), the Dataset-JSON writer
(:func:`derivations.submission.write_dataset_jsons`) and define.xml
(:func:`derivations.define.define_xml`) take their lengths from :func:`submission_lengths`;
nothing else computes one. A run computes them once per stage, before it writes the stage's XPT
files, and hands the same lengths to Dataset-JSON and define.xml (``RunResult.lengths``); each
column's length comes from its distinct values (Arrow text: two byte-level kernels per record),
so 2M lab records take about 2 s (benchmarks/bench_write.py). On files, :func:`length_findings` checks what was written:
``xpt_length`` (error) a file's length above the spec's, ``define_length`` (error) a
file's length other than define.xml's Length.

Example
-------
>>> import pandas as pd
>>> from derivations.spec import DatasetSpec, Spec, VariableSpec
>>> def ds(name, *names):
...     return DatasetSpec(name, name, variables=[VariableSpec(name, n, n, length=20) for n in names])
>>> spec = Spec(datasets={"DM": ds("DM", "USUBJID", "RACE"), "AE": ds("AE", "USUBJID", "AETERM"),
...                       "SUPPAE": ds("SUPPAE", "USUBJID", "QVAL")})
>>> data = {"DM": pd.DataFrame({"USUBJID": ["S-1", "S-22"], "RACE": ["ASIAN", None]}),
...         "AE": pd.DataFrame({"USUBJID": ["S-1"], "AETERM": ["Nausea  "]}),
...         "SUPPAE": pd.DataFrame({"USUBJID": ["S-1"], "QVAL": ["Y"]})}
>>> submission_lengths(data, spec)
{'AE': {'USUBJID': 4, 'AETERM': 6}, 'DM': {'USUBJID': 4, 'RACE': 5}, 'SUPPAE': {'USUBJID': 3, 'QVAL': 1}}
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .findings import Findings

#: {dataset: {variable: length}}
Lengths = dict[str, dict[str, int]]


def compute_char_length(values: pd.Series) -> int:
    """Bytes (UTF-8) of the longest value of a character column, trailing blanks not counted; at least 1.

    A missing or blank value counts 0, so a column without any text gets 1 (the least length
    a transport file allows). Runs on the distinct values (a categorical column's categories that
    occur, an Arrow-backed text column's distinct values found by Arrow): columns repeat a few
    values, and nothing of the size of the column is made.

    Parameters
    ----------
    values : pandas.Series
        The character column (text of any dtype: object, string, categorical; missing values
        allowed); a non-text value counts as its ``str()``.

    Returns
    -------
    int
        The length to submit, at least 1.

    Examples
    --------
    >>> compute_char_length(pd.Series(["ÄB", "ABC  ", None]))
    3
    >>> compute_char_length(pd.Series([None, ""], dtype=object))
    1
    >>> compute_char_length(pd.Series(["Week 12", "Day 1"], dtype="category").iloc[1:])
    5
    """
    arrow = getattr(values.array, "_pa_array", None)
    if arrow is not None and str(arrow.type) in ("string", "large_string"):
        return _arrow_char_length(arrow)
    distinct = distinct_values(values).dropna()
    if distinct.empty:
        return 1
    lengths = distinct.astype(str).str.rstrip(" ").str.encode("utf-8").str.len()
    return max(int(lengths.max()), 1)


def distinct_values(values: pd.Series, step: int = 1 << 20) -> pd.Series:
    """The distinct values of a column (missing ones included), as an object Series, found a slice of rows
    at a time: a hash table as large as the column is never made (pandas sizes one for every row)."""
    parts = [np.asarray(values.iloc[lo:lo + step].unique(), dtype=object) for lo in range(0, len(values), step)]
    if len(parts) > 1:
        parts = [np.asarray(pd.unique(np.concatenate(parts)), dtype=object)]
    return pd.Series(parts[0] if parts else np.zeros(0, dtype=object), dtype=object)


def _arrow_char_length(arrow) -> int:
    """:func:`compute_char_length` of Arrow text, a slice of rows at a time (two byte-level kernels per row;
    only a slice in which some value ends with a blank is trimmed first)."""
    import pyarrow.compute as pc

    longest, step = 1, 1 << 20
    for chunk in arrow.chunks:
        for lo in range(0, len(chunk), step):
            part = chunk.slice(lo, step)
            if pc.any(pc.ends_with(part, " ")).as_py():
                part = pc.utf8_rtrim(part, characters=" ")
            longest = max(longest, pc.max(pc.binary_length(part)).as_py() or 0)
    return longest


def is_supp(dataset: str) -> bool:
    """A supplemental qualifier dataset (SUPP--, SQAP--): lengths are its own, not the study's."""
    name = dataset.upper()
    return name.startswith("SUPP") or name.startswith("SQAP")


def submission_lengths(datasets: Mapping[str, pd.DataFrame], spec) -> Lengths:
    """The length to submit of each character variable (per ``spec``) of each dataset in ``datasets``.

    ``datasets``: name -> DataFrame, all datasets of one standard (one define.xml); a name the
    spec lacks, or a variable absent from its frame, is left out. A variable's length is the
    longest value of that variable across the datasets (SUPP-- datasets: its own), at most the
    dataset's spec length (the maximum allowed; a value above it is an error elsewhere, never
    a reason to lengthen) and at least 1. See the module docstring for the FDA guidance.
    """
    own: Lengths = {}
    for name in sorted(datasets, key=str.upper):
        frame = datasets[name]
        key = name.upper()
        if key not in spec.datasets or not hasattr(frame, "columns"):
            continue
        own[key] = {v.name: compute_char_length(frame[v.name]) for v in spec.dataset(key).variables
                    if v.xpt_type == "char" and v.name in frame.columns}
    shared: dict[str, int] = {}
    for key, lengths in own.items():
        if not is_supp(key):
            for var, n in lengths.items():
                shared[var] = max(shared.get(var, 1), n)
    out: Lengths = {}
    for key, lengths in own.items():
        ds = spec.dataset(key)
        out[key] = {}
        for var, n in lengths.items():
            fitted = n if is_supp(key) else shared[var]
            limit = ds.variable(var).length
            out[key][var] = min(fitted, limit) if limit else fitted
    return out


# --------------------------------------------------------------------------- lengths of files

def xpt_file_lengths(folder: str | Path) -> Lengths:
    """{dataset: {variable: length}} of the character variables of each ``*.xpt`` in ``folder``
    (read from the headers only)."""
    from .xpt import xpt_layout

    out: Lengths = {}
    for path in sorted(Path(folder).glob("*.xpt")):
        layout = xpt_layout(path)
        out[path.stem.upper()] = {name: length for name, kind, length, _ in layout.variables if kind == "char"}
    return out


def define_lengths(path: str | Path) -> Lengths:
    """{dataset: {variable: Length}} of the character variables of a define.xml (its dataset-level ItemDefs)."""
    from .define_reader import spec_from_define

    spec = spec_from_define(Path(path))
    return {name: {v.name: v.length for v in ds.variables if v.xpt_type == "char" and v.length}
            for name, ds in spec.datasets.items()}


def spec_lengths(spec) -> Lengths:
    """{dataset: {variable: Length}} of the spec's character variables that state a length."""
    return {name: {v.name: v.length for v in ds.variables if v.xpt_type == "char" and v.length}
            for name, ds in spec.datasets.items()}


def length_findings(files: Lengths, *, spec: Lengths | None = None, define: Lengths | None = None,
                    where: str = "file") -> Findings:
    """A file's character lengths (``files``) checked against the spec's maximum and define.xml's Length.

    ``xpt_length`` (error): a length above the spec's, which is the maximum allowed (a shorter
    one is the data's: see :func:`submission_lengths`). ``define_length`` (error): a length
    other than the define.xml's for that dataset and variable, which a reviewer's tool flags.
    A dataset or variable that ``spec`` or ``define`` does not state is not compared.

    >>> length_findings({"DM": {"USUBJID": 20}}, spec={"DM": {"USUBJID": 18}},
    ...                 define={"DM": {"USUBJID": 12}}).items[1].message
    "length 20 in the file differs from define.xml's Length 12"
    """
    found = Findings()
    for name, lengths in files.items():
        for var, n in lengths.items():
            limit = (spec or {}).get(name, {}).get(var)
            if limit is not None and n > limit:
                found.add("error", "xpt_length", f"length {n} in the {where} is above the spec's length {limit}, "
                          "the maximum allowed", dataset=name, variable=var, value=n)
            stated = (define or {}).get(name, {}).get(var)
            if stated is not None and n != stated:
                found.add("error", "define_length", f"length {n} in the {where} differs from define.xml's Length "
                          f"{stated}", dataset=name, variable=var, value=n)
    return found


def folder_length_findings(folder: str | Path, spec=None) -> Findings:
    """:func:`length_findings` for the XPT files of ``folder``: against ``spec`` (when given) and the
    folder's ``define.xml`` (when there is one)."""
    folder = Path(folder)
    define = folder / "define.xml"
    return length_findings(xpt_file_lengths(folder), spec=spec_lengths(spec) if spec is not None else None,
                           define=define_lengths(define) if define.is_file() else None, where="XPT file")


__all__ = ["compute_char_length", "distinct_values", "submission_lengths", "length_findings", "folder_length_findings",
           "xpt_file_lengths", "define_lengths", "spec_lengths", "is_supp"]
