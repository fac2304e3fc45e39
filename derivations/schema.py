"""Spec -> pandera schema -> findings.

:func:`build_schema` turns a :class:`~derivations.spec.DatasetSpec` into a
``pandera.DataFrameSchema`` with one column per spec variable and these checks:

=============  =================================================================
type           character variables hold text; numeric ones numbers or dates
mandatory      Mandatory = Yes: no missing or blank value
length         character values at most Length bytes (UTF-8 counted)
codelist       values in the codelist (non-extensible); blanks allowed unless
               mandatory. Extensible codelists are checked too, as warnings
iso8601        --DTC and other ISO 8601 text variables are valid (partial allowed)
keys           the Datasets sheet's Key Variables identify each record once
=============  =================================================================

:func:`validate_dataset` runs it lazily (every failure, not the first) and adds
what pandera does not see: variables in the data but not in the spec and the
reverse, and the variable order. Each failure becomes a
:class:`~derivations.findings.Finding` with dataset, variable, USUBJID, row
(1-based record number) and value.

Example
-------
>>> import pandas as pd
>>> from derivations.spec import DatasetSpec, VariableSpec, Spec, Codelist, Term
>>> ds = DatasetSpec("DM", keys=["USUBJID"], variables=[
...     VariableSpec("DM", "USUBJID", "Unique Subject Identifier", length=8, mandatory=True, order=1),
...     VariableSpec("DM", "SEX", "Sex", length=1, codelist="SEX", order=2)])
>>> spec = Spec(datasets={"DM": ds}, codelists={"SEX": Codelist("SEX", terms=(Term("F"), Term("M")))})
>>> df = pd.DataFrame({"USUBJID": ["S-1", "S-1"], "SEX": ["F", "X"]})
>>> [f"{f.check}:{f.variable}:{f.row}:{f.value}" for f in validate_dataset(df, spec, "DM")]
['keys:USUBJID:1:S-1', 'keys:USUBJID:2:S-1', 'codelist:SEX:2:X']
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .core import compute_on_distinct, is_missing
from .findings import Finding, Findings
from .iso8601 import compute_iso8601_valid  # the ISO 8601 check lives with the ISO 8601 patterns
from .spec import Codelist, DatasetSpec, Spec, VariableSpec


def _byte_len(text: pd.Series) -> pd.Series:
    return compute_on_distinct(text, _byte_len_each, missing=0)


def _byte_len_each(text: pd.Series) -> pd.Series:
    s = text.astype("string")
    n = s.str.len()
    non_ascii = ~s.str.isascii().fillna(True)
    if non_ascii.any():
        n = n.copy()
        n[non_ascii] = s[non_ascii].map(lambda x: len(x.encode("utf-8")))
    return n.fillna(0).astype("int64")


def _is_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series) and series.dtype != object:
        return pd.Series(True, index=series.index)
    if series.dtype == object:
        if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            return pd.Series(True, index=series.index)  # C-level scan; the element check only on mixed columns
        return series.map(lambda x: isinstance(x, str)) | series.isna()
    return pd.Series(False, index=series.index)


def _codelist_mask(series: pd.Series, codelist: Codelist) -> pd.Series:
    values = codelist.values
    if pd.api.types.is_numeric_dtype(series):
        nums = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy()
        return series.isin(nums) | series.isna()
    return series.isin(values) | is_missing(series)


def _variable_checks(var: VariableSpec, spec: Spec):
    import pandera.pandas as pa

    checks = []
    if var.xpt_type == "char":
        checks.append(pa.Check(_is_text, element_wise=False, error="type: character variable holds a non-text value"))
        if var.length is not None:
            checks.append(pa.Check(lambda s, n=var.length: _byte_len(s) <= n,
                                   error=f"length: value longer than {var.length} bytes"))
        if var.is_iso8601:
            checks.append(pa.Check(compute_iso8601_valid, error="iso8601: not a valid ISO 8601 value"))
    else:
        checks.append(pa.Check(
            lambda s: bool(pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)),
            error="type: numeric variable holds text"))
    if var.mandatory:
        checks.append(pa.Check(lambda s: ~is_missing(s), error="mandatory: missing value in a mandatory variable"))
    cl = spec.codelists.get(var.codelist) if var.codelist else None
    if cl is not None and cl.terms and not cl.extensible:
        checks.append(pa.Check(lambda s, c=cl: _codelist_mask(s, c),
                               error=f"codelist: value not in codelist {cl.id}"))
    return checks


def build_schema(spec: Spec, dataset: str):
    """A ``pandera.DataFrameSchema`` for ``dataset`` of ``spec`` (see module doc)."""
    import pandera.pandas as pa

    ds = spec.dataset(dataset)
    columns = {
        v.name: pa.Column(dtype=None, checks=_variable_checks(v, spec), nullable=True, required=False, coerce=False)
        for v in ds.variables
    }
    keys = [k for k in ds.keys if k in ds.variable_names]
    return pa.DataFrameSchema(columns, unique=keys or None, name=ds.name, strict=False)


def _row_info(dataset: pd.DataFrame, index, id_var: str) -> tuple[int | None, str | None]:
    try:
        pos = dataset.index.get_loc(index)
    except KeyError:
        return None, None
    if not isinstance(pos, (int, np.integer)):
        return None, None
    usubjid = str(dataset[id_var].iloc[pos]) if id_var in dataset.columns else None
    return int(pos) + 1, usubjid


def validate_dataset(
    dataset: pd.DataFrame,
    spec: Spec,
    name: str,
    *,
    id_var: str = "USUBJID",
) -> list[Finding]:
    """Validate ``dataset`` against ``spec``'s dataset ``name``; return every finding."""
    import pandera.pandas as pa

    ds: DatasetSpec = spec.dataset(name)
    found = Findings()
    spec_vars = ds.variable_names
    data_vars = [str(c) for c in dataset.columns]
    for v in data_vars:
        if v not in spec_vars:
            found.add("error", "not_in_spec", "variable in the data but not in the spec", dataset=ds.name, variable=v)
    for v in spec_vars:
        if v not in data_vars:
            found.add("error", "not_in_data", "variable in the spec but not in the data", dataset=ds.name, variable=v)
    common = [v for v in spec_vars if v in data_vars]
    actual = [v for v in data_vars if v in spec_vars]
    if common != actual:
        for pos, (want, got) in enumerate(zip(common, actual), start=1):
            if want != got:
                found.add("error", "order", f"variable order differs from the spec: position {pos} should be {want}",
                          dataset=ds.name, variable=got)
                break

    frame = dataset.reset_index(drop=True)
    schema = build_schema(spec, name)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        key_rows = fc.loc[fc["check"].astype(str) == "multiple_fields_uniqueness", "index"].dropna().unique()
        keys = [k for k in ds.keys if k in frame.columns]
        for index in sorted(key_rows):
            row, usubjid = _row_info(frame, index, id_var)
            found.add("error", "keys", f"key variables {', '.join(keys)} do not identify records uniquely",
                      dataset=ds.name, variable=", ".join(keys), usubjid=usubjid, row=row,
                      value=" | ".join(str(frame[k].iloc[row - 1]) for k in keys) if row else None)
        for rec in fc.itertuples(index=False):  # one finding per failed check: a report
            check = str(rec.check)
            kind, _, message = check.partition(": ")
            if check == "multiple_fields_uniqueness":
                continue
            if not message:
                kind, message = "schema", check
            row, usubjid = (None, None)
            if rec.index is not None and not (isinstance(rec.index, float) and np.isnan(rec.index)):
                row, usubjid = _row_info(frame, rec.index, id_var)
            found.add("error", kind, message, dataset=ds.name, variable=str(rec.column),
                      usubjid=usubjid, row=row, value=rec.failure_case)
    # Extensible codelists: values outside the list are allowed, but reported.
    for v in ds.variables:
        cl = spec.codelists.get(v.codelist) if v.codelist else None
        if cl is None or not cl.extensible or not cl.terms or v.name not in frame.columns:
            continue
        bad = ~_codelist_mask(frame[v.name], cl)
        for i in np.flatnonzero(bad.to_numpy()):
            found.add("warning", "codelist_extended", f"value not in extensible codelist {cl.id}",
                      dataset=ds.name, variable=v.name, row=int(i) + 1,
                      usubjid=str(frame[id_var].iloc[i]) if id_var in frame.columns else None,
                      value=frame[v.name].iloc[i])
    return list(found)


def order_variables(dataset: pd.DataFrame, spec: Spec, name: str) -> pd.DataFrame:
    """Columns in spec order (spec variables first, anything else after, for validation to report)."""
    ds = spec.dataset(name)
    cols = [v for v in ds.variable_names if v in dataset.columns]
    rest = [c for c in dataset.columns if c not in cols]
    return dataset[cols + rest]


def sort_by_keys(dataset: pd.DataFrame, spec: Spec, name: str) -> pd.DataFrame:
    """Sort records by the spec's key variables (those present), stable."""
    keys = [k for k in spec.dataset(name).keys if k in dataset.columns]
    if not keys:
        return dataset.reset_index(drop=True)
    return dataset.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


def validate_all(datasets: dict[str, pd.DataFrame], spec: Spec, names: Iterable[str] | None = None) -> list[Finding]:
    out: list[Finding] = []
    for name in names or datasets:
        out.extend(validate_dataset(datasets[name], spec, name))
    return out
