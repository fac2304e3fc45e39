"""Checks of data against the spec, each defined once; a pandera schema runs them.

A check is data (:data:`VALUE_CHECKS`, ``print(check)`` says what it checks), defined here
once and run everywhere the data meet the spec:

* in memory during a run: :func:`validate_dataset` (its error checks through the pandera
  schema of :func:`build_schema`, lazily: every failure, not the first);
* on files by ``derive validate``: the same, plus the file's attributes (:data:`ATTRIBUTE_CHECKS`);
* on files by ``derive check``: the spec rules SP0001-SP0004 of :mod:`derivations.conformance`
  call :func:`spec_check_hits` with these checks.

=================  ========  ========================================================
check              severity  what
=================  ========  ========================================================
type               error     character variables hold text; numeric ones numbers or dates
length             error     character values at most Length bytes (UTF-8, trailing blanks not counted)
iso8601            error     --DTC and other ISO 8601 text variables are valid (partial allowed)
mandatory          error     Mandatory = Yes: the variable is there, no missing or blank value
codelist           error     values are terms of the variable's non-extensible codelist
codelist_extended  warning   values are terms of the variable's extensible codelist
keys               error     the Datasets sheet's Key Variables identify each record once
not_in_spec        error     every variable of the data is in the spec
not_in_data        error     every variable of the spec is in the data
order              error     the variables are in spec order
xpt_label/type/    error     a file's variable attributes are the spec's (``derive validate``); a
length                       character length at most the spec's (:mod:`derivations.lengths`)
=================  ========  ========================================================

Codelist values are compared one way everywhere (:func:`compute_in_codelist`): text without
trailing blanks equals a term; a number equals a numeric term within a relative 1e-9
(VISITNUM 1.2000000000000002 is the term 1.2); blanks pass (``mandatory`` catches them); a
codelist without terms (an external dictionary) is not checked.

Each failure becomes a :class:`~derivations.findings.Finding` with dataset, variable, USUBJID,
row (1-based record number) and value.

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
['keys:USUBJID:1:S-1', 'codelist:SEX:2:X']
>>> print(check("codelist"))
codelist [error]: values are terms of the variable's non-extensible codelist (blank allowed)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from .core import compute_on_distinct, is_missing
from .findings import Finding, Findings
from .iso8601 import compute_iso8601_valid  # the ISO 8601 check lives with the ISO 8601 patterns
from .spec import Codelist, DatasetSpec, Spec, VariableSpec
from .vocabulary import renamed_arguments, subject_column

#: Relative tolerance of a numeric value against a numeric codelist term.
CODELIST_RTOL = 1e-9


def _byte_len(text: pd.Series) -> pd.Series:
    return compute_on_distinct(text, _byte_len_each, missing=0)


def _byte_len_each(text: pd.Series) -> pd.Series:
    s = text.astype("string").str.rstrip(" ")  # trailing blanks are padding in a file (derivations.lengths)
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


def _is_number(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series))


def compute_in_codelist(values: pd.Series, codelist: Codelist, *, rtol: float = CODELIST_RTOL) -> pd.Series:
    """True where a value is a term of ``codelist``, or missing or blank.

    Text: the value without trailing blanks equals a term (a leading blank is not the term).
    Numbers: the value equals a numeric term within ``rtol`` (relative), so that a computed
    VISITNUM of 1.2000000000000002 is the term ``1.2`` and 1.0 is ``1``.

    Parameters
    ----------
    values
        The values of one variable (text or numeric).
    codelist
        The spec's :class:`~derivations.spec.Codelist`; its terms (``codelist.values``) are
        the allowed values.
    rtol
        Relative tolerance of a numeric match; default :data:`CODELIST_RTOL`.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``values``.

    Examples
    --------
    >>> from derivations.spec import Term
    >>> cl = Codelist("VISITNUM", terms=(Term("1"), Term("1.2")))
    >>> compute_in_codelist(pd.Series([1.0, 0.1 + 1.1, 1.3, None]), cl).tolist()
    [True, True, False, True]
    >>> compute_in_codelist(pd.Series(["1.2  ", " 1.2", "", None]), cl).tolist()
    [True, False, True, True]
    """
    terms = codelist.values
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = pd.to_numeric(pd.Series(terms, dtype=object), errors="coerce").dropna().to_numpy(dtype=float)

        def close(distinct: pd.Series) -> np.ndarray:
            x = distinct.to_numpy(dtype=float)[:, None]
            return np.isclose(x, nums[None, :], rtol=rtol, atol=0.0).any(axis=1) if len(nums) else \
                np.zeros(len(distinct), dtype=bool)

        return compute_on_distinct(values, close, missing=True).astype(bool)
    termset = set(terms)
    return compute_on_distinct(
        values, lambda distinct: [str(v).rstrip() in termset or not str(v).strip() for v in distinct],
        missing=True).astype(bool)


def _codelist(var: VariableSpec, spec: Spec) -> Codelist | None:
    """The variable's codelist when it has terms to check against (an external dictionary has none)."""
    cl = spec.codelists.get(var.codelist) if var.codelist else None
    return cl if cl is not None and cl.terms else None


@dataclass(frozen=True)
class ValueCheck:
    """One check of a variable's values against the spec, defined once.

    ``applies(var, spec)`` says whether the variable has the check; ``passes(values, var,
    spec)`` is True where a value is fine (or a single bool for the whole column);
    ``message(var, spec)`` is the finding's message.
    """

    name: str
    severity: str
    description: str
    applies: Callable[[VariableSpec, Spec], bool] = field(repr=False, compare=False)
    passes: Callable[[pd.Series, VariableSpec, Spec], pd.Series | bool] = field(repr=False, compare=False)
    message: Callable[[VariableSpec, Spec], str] = field(repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.name} [{self.severity}]: {self.description}"


#: The checks of values, in the order their findings are reported.
VALUE_CHECKS: tuple[ValueCheck, ...] = (
    ValueCheck("type", "error", "character variables hold text",
               lambda v, s: v.xpt_type == "char", lambda x, v, s: _is_text(x),
               lambda v, s: "character variable holds a non-text value"),
    ValueCheck("length", "error", "character values are at most the variable's Length bytes (UTF-8 counted)",
               lambda v, s: v.xpt_type == "char" and v.length is not None, lambda x, v, s: _byte_len(x) <= v.length,
               lambda v, s: f"value longer than {v.length} bytes"),
    ValueCheck("iso8601", "error", "ISO 8601 text variables (--DTC, --DUR ...) hold valid ISO 8601 values",
               lambda v, s: v.xpt_type == "char" and v.is_iso8601, lambda x, v, s: compute_iso8601_valid(x),
               lambda v, s: "not a valid ISO 8601 value"),
    ValueCheck("type", "error", "numeric variables hold numbers or dates",
               lambda v, s: v.xpt_type != "char", lambda x, v, s: _is_number(x),
               lambda v, s: "numeric variable holds text"),
    ValueCheck("mandatory", "error", "mandatory variables are there and never missing or blank",
               lambda v, s: v.mandatory, lambda x, v, s: ~is_missing(x),
               lambda v, s: "missing value in a mandatory variable"),
    ValueCheck("codelist", "error", "values are terms of the variable's non-extensible codelist (blank allowed)",
               lambda v, s: _codelist(v, s) is not None and not _codelist(v, s).extensible,
               lambda x, v, s: compute_in_codelist(x, _codelist(v, s)),
               lambda v, s: f"value not in codelist {v.codelist}"),
    ValueCheck("codelist_extended", "warning", "values are terms of the variable's extensible codelist, else a "
               "sponsor extension that the codelist should list (blank allowed)",
               lambda v, s: _codelist(v, s) is not None and _codelist(v, s).extensible,
               lambda x, v, s: compute_in_codelist(x, _codelist(v, s)),
               lambda v, s: f"value not in extensible codelist {v.codelist}"),
)


def check(name: str) -> ValueCheck:
    """The value check called ``name`` (the first, for ``type``)."""
    for c in VALUE_CHECKS:
        if c.name == name:
            return c
    raise KeyError(f"no value check {name!r}; checks: {', '.join(dict.fromkeys(c.name for c in VALUE_CHECKS))}")


def _variable_checks(var: VariableSpec, spec: Spec):
    import pandera.pandas as pa

    return [pa.Check(lambda s, c=c: c.passes(s, var, spec), element_wise=False,
                     error=f"{c.name}: {c.message(var, spec)}")
            for c in VALUE_CHECKS if c.severity == "error" and c.applies(var, spec)]


def build_schema(spec: Spec, dataset: str):
    """A ``pandera.DataFrameSchema`` running the error checks of :data:`VALUE_CHECKS` and the keys
    for ``dataset`` of ``spec`` (see module doc)."""
    import pandera.pandas as pa

    ds = spec.dataset(dataset)
    columns = {
        v.name: pa.Column(dtype=None, checks=_variable_checks(v, spec), nullable=True, required=False, coerce=False)
        for v in ds.variables
    }
    keys = [k for k in ds.keys if k in ds.variable_names]
    return pa.DataFrameSchema(columns, unique=keys or None, name=ds.name, strict=False)


def variables_not_in_spec(columns: Iterable, ds: DatasetSpec) -> list[str]:
    """The ``not_in_spec`` check: variables of the data that the spec does not list."""
    names = set(ds.variable_names)
    return [str(c) for c in columns if str(c) not in names]


def variables_not_in_data(columns: Iterable, ds: DatasetSpec) -> list[str]:
    """The ``not_in_data`` check: variables of the spec that the data lack."""
    have = {str(c) for c in columns}
    return [v for v in ds.variable_names if v not in have]


def _value_failures(frame: pd.DataFrame, spec: Spec, ds: DatasetSpec, checks: Iterable[ValueCheck],
                    ) -> list[tuple[ValueCheck, VariableSpec, np.ndarray | None]]:
    """(check, variable, failing record positions) for ``checks`` run directly; positions ``None``
    when the check fails the whole column (a numeric variable holding text)."""
    out = []
    for c in checks:
        for v in ds.variables:
            if v.name not in frame.columns or not c.applies(v, spec):
                continue
            ok = c.passes(frame[v.name], v, spec)
            if isinstance(ok, (bool, np.bool_)):
                if not ok:
                    out.append((c, v, None))
                continue
            bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
            if len(bad):
                out.append((c, v, bad))
    return out


def _by_value(frame: pd.DataFrame, variable: str, positions) -> list[tuple[int, int]]:
    """(first position, count) of each distinct value of ``variable`` at ``positions``, in record order:
    a failure reported once per value, not once per record.

    >>> _by_value(pd.DataFrame({"X": ["a", "b", "a", None, None]}), "X", [0, 1, 2, 3, 4])
    [(0, 2), (1, 1), (3, 2)]
    """
    positions = np.sort(np.asarray(positions, dtype=np.int64))
    if not len(positions):
        return []
    values = frame[variable].iloc[positions] if variable in frame.columns else pd.Series([None] * len(positions))
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    _, first, counts = np.unique(codes, return_index=True, return_counts=True)
    return [(int(positions[first[i]]), int(counts[i])) for i in np.argsort(first, kind="stable")]


def counted(message: str, count: int) -> str:
    """A finding's message for ``count`` records reported once (the first record's row and USUBJID shown).

    >>> counted("value not in codelist SEX", 1), counted("value not in codelist SEX", 7146)
    ('value not in codelist SEX', 'value not in codelist SEX (7,146 records; the first is shown)')
    """
    return message if count == 1 else f"{message} ({count:,} records; the first is shown)"


@renamed_arguments(id_var="subject_keys")
def spec_check_hits(dataset: pd.DataFrame, spec: Spec, name: str, checks: Iterable[str], *,
                    subject_keys: str | Sequence[str] = "USUBJID") -> pd.DataFrame:
    """The records of ``dataset`` that fail the spec checks ``checks`` (names of :data:`VALUE_CHECKS`,
    ``not_in_spec``) as the conformance rules report them: one row (dataset, variable, usubjid,
    row, value, count) per variable and failing value, the first record's row and USUBJID. ``mandatory`` also reports a mandatory variable the data lack (value
    ``variable missing``); ``not_in_spec`` a dataset the spec lacks (``dataset not in spec``).
    """
    id_var = subject_column(subject_keys)
    cols = ["dataset", "variable", "usubjid", "row", "value", "count"]
    checks = list(checks)
    ds = spec.datasets.get(name)
    rows: list[dict] = []
    if ds is None:
        if "not_in_spec" in checks:
            rows.append({"dataset": name, "variable": None, "usubjid": None, "row": None,
                         "value": "dataset not in spec"})
        return pd.DataFrame(rows, columns=cols)
    frame = dataset.reset_index(drop=True)
    if "not_in_spec" in checks:
        rows += [{"dataset": name, "variable": v, "usubjid": None, "row": None, "value": "variable not in spec"}
                 for v in variables_not_in_spec(frame.columns, ds)]
    if "mandatory" in checks:
        mandatory = {v.name for v in ds.variables if v.mandatory}
        rows += [{"dataset": name, "variable": v, "usubjid": None, "row": None, "value": "variable missing"}
                 for v in variables_not_in_data(frame.columns, ds) if v in mandatory]
    value_checks = [c for c in VALUE_CHECKS if c.name in checks]
    for _, v, bad in _value_failures(frame, spec, ds, value_checks):
        groups = [(None, 1)] if bad is None else _by_value(frame, v.name, bad)
        rows += [{"dataset": name, "variable": v.name, "row": None if pos is None else pos + 1,
                  "usubjid": _subject(frame, pos, id_var), "value": None if pos is None else frame[v.name].iloc[pos],
                  "count": n} for pos, n in groups]
    return pd.DataFrame(rows, columns=cols)


def _subject(frame: pd.DataFrame, pos: int | None, id_var: str) -> str | None:
    return None if pos is None or id_var not in frame.columns else str(frame[id_var].iloc[pos])


def _attribute_findings(meta, ds: DatasetSpec) -> Findings:
    """``xpt_label``, ``xpt_type``, ``xpt_length``: a file's variable attributes against the spec
    (as the XPT writer would write them from the spec)."""
    from .lengths import length_findings
    from .xpt import variables_from_spec

    found = Findings()
    for v in variables_from_spec(ds):
        var = meta.variable(v.name)
        if var is None:
            continue
        label = var.label or ""
        if label != v.label:
            found.add("error", "xpt_label", f"label in file differs from spec label {v.label!r}",
                      dataset=ds.name, variable=v.name, value=label)
        if var.type != v.type:
            found.add("error", "xpt_type", f"type in file is {var.type}, spec says {v.type}",
                      dataset=ds.name, variable=v.name)
        if v.type == "char" and v.length is not None and var.length is not None:  # the spec's is the maximum
            found.extend(length_findings({ds.name: {v.name: var.length}}, spec={ds.name: {v.name: v.length}}))
    return found


@renamed_arguments(id_var="subject_keys")
def validate_dataset(
    dataset: pd.DataFrame,
    spec: Spec,
    name: str,
    *,
    subject_keys: str | Sequence[str] = "USUBJID",
    meta=None,
) -> list[Finding]:
    """Validate ``dataset`` against ``spec``'s dataset ``name``; return every finding.

    ``meta``: the :class:`~derivations.metadata.DatasetMeta` of the file the dataset was read
    from; its variable attributes are checked too (``xpt_label``, ``xpt_type``, ``xpt_length``).
    """
    import pandera.pandas as pa

    id_var = subject_column(subject_keys)
    ds: DatasetSpec = spec.dataset(name)
    found = Findings()
    data_vars = [str(c) for c in dataset.columns]
    for v in variables_not_in_spec(data_vars, ds):
        found.add("error", "not_in_spec", "variable in the data but not in the spec", dataset=ds.name, variable=v)
    for v in variables_not_in_data(data_vars, ds):
        found.add("error", "not_in_data", "variable in the spec but not in the data", dataset=ds.name, variable=v)
    spec_vars = ds.variable_names
    common = [v for v in spec_vars if v in data_vars]
    actual = [v for v in data_vars if v in spec_vars]
    if common != actual:
        for pos, (want, got) in enumerate(zip(common, actual), start=1):
            if want != got:
                found.add("error", "order", f"variable order differs from the spec: position {pos} should be {want}",
                          dataset=ds.name, variable=got)
                break

    frame = dataset.reset_index(drop=True)  # a view (copy on write): the checks below only read it
    failures: list[tuple[str, str, str, str, np.ndarray | None]] = []  # (severity, check, message, variable, positions)
    schema = build_schema(spec, name)
    try:
        # inplace: pandera would copy the whole frame first (ADLB of 20M records: gigabytes); the schema
        # neither coerces nor fills, so nothing is changed, and copy on write keeps ``dataset`` as it is
        schema.validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        is_keys = fc["check"].astype(str) == "multiple_fields_uniqueness"
        key_rows = np.sort(pd.to_numeric(fc.loc[is_keys, "index"], errors="coerce").dropna().unique().astype(np.int64))
        keys = [k for k in ds.keys if k in frame.columns]
        if len(key_rows):
            n_keys = len(frame.iloc[key_rows][keys].drop_duplicates())
            first = int(key_rows[0])
            found.add("error", "keys", f"key variables {', '.join(keys)} do not identify records uniquely "
                      f"({len(key_rows):,} records share {n_keys:,} key value(s); the first is shown)",
                      dataset=ds.name, variable=", ".join(keys), usubjid=_subject(frame, first, id_var), row=first + 1,
                      value=" | ".join(str(frame[k].iloc[first]) for k in keys))
        rest = fc.loc[~is_keys]
        for (check_name, column), cases in rest.groupby([rest["check"].astype(str), rest["column"].astype(str)],
                                                        sort=False):
            kind, _, message = check_name.partition(": ")
            if not message:
                kind, message = "schema", check_name
            positions = pd.to_numeric(cases["index"], errors="coerce").dropna().to_numpy(dtype=np.int64)
            failures.append(("error", kind, message, column, positions if len(positions) else None))
    # Warnings (extensible codelists): run directly, pandera only raises
    for c, v, bad in _value_failures(frame, spec, ds, [c for c in VALUE_CHECKS if c.severity == "warning"]):
        failures.append((c.severity, c.name, c.message(v, spec), v.name, bad))
    for severity, kind, message, variable, positions in failures:
        if positions is None:
            found.add(severity, kind, message, dataset=ds.name, variable=variable)
            continue
        for pos, n in _by_value(frame, variable, positions):
            found.add(severity, kind, counted(message, n), dataset=ds.name, variable=variable, row=pos + 1,
                      usubjid=_subject(frame, pos, id_var), value=frame[variable].iloc[pos])
    if meta is not None:
        found.extend(_attribute_findings(meta, ds))
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
