"""Conventions shared by every derivation function: filters, sort orders, column checks.

Keyword arguments have one name per meaning everywhere (``dataset``, ``dataset_add``,
``dataset_ref``, ``by_vars``, ``order``, ``new_var``, ``filter``, ``filter_add``,
``set_values_to``, ``subject_keys``): the table is in :mod:`derivations.vocabulary`.
A ``filter`` is a pandas query string such as ``"PARAMCD == 'OVR'"``, a callable
``df -> bool Series``, a boolean Series, or ``None`` for all records (:func:`filter_mask`);
an ``order`` is a list of columns, ``"-AVAL"`` sorting AVAL descending (:func:`sort_by_order`).

Example
-------
>>> import pandas as pd
>>> df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AVAL": [3, 5, 1]})
>>> sort_by_order(df, ["USUBJID", "-AVAL"])["AVAL"].tolist()
[5, 3, 1]
>>> filter_mask(df, "AVAL > 2").tolist()
[True, True, False]
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Iterable, Union

import numpy as np
import pandas as pd

from .findings import DerivationError

Filter = Union[str, Callable[[pd.DataFrame], pd.Series], pd.Series, None]


def filter_mask(dataset: pd.DataFrame, filter: Filter) -> pd.Series:
    """Boolean Series (aligned to ``dataset``) for a ``filter`` argument."""
    if filter is None:
        return pd.Series(True, index=dataset.index)
    if isinstance(filter, str):
        fast = _fast_query(dataset, filter)
        if fast is not None:
            return fast
        try:
            mask = dataset.eval(filter, engine="python")
        except Exception as exc:  # pandas raises many kinds here
            raise DerivationError(
                f"filter {filter!r} cannot be evaluated: {exc}",
                hint=f"columns available: {', '.join(map(str, dataset.columns))}",
            ) from exc
    elif callable(filter):
        mask = filter(dataset)
    else:
        mask = filter
    mask = pd.Series(mask, index=dataset.index) if not isinstance(mask, pd.Series) else mask
    return mask.fillna(False).astype(bool)


def parse_order(order: Iterable[str] | None) -> tuple[list[str], list[bool]]:
    """Split ``["A", "-B"]`` into columns ``["A", "B"]`` and ascending flags ``[True, False]``."""
    cols, asc = [], []
    for item in order or []:
        if item.startswith("-"):
            cols.append(item[1:])
            asc.append(False)
        else:
            cols.append(item)
            asc.append(True)
    return cols, asc


def sort_by_order(dataset: pd.DataFrame, order: Iterable[str] | None) -> pd.DataFrame:
    """Stable sort by an ``order`` list (missing values last)."""
    cols, asc = parse_order(order)
    if not cols:
        return dataset
    assert_has_columns(dataset, cols)
    return dataset.sort_values(cols, ascending=asc, kind="mergesort", na_position="last")


def assert_has_columns(dataset: pd.DataFrame, columns: Iterable[str], *, name: str | None = None) -> None:
    """Raise naming the missing columns (and the dataset) if any is absent."""
    missing = [c for c in columns if c not in dataset.columns]
    if missing:
        raise DerivationError(
            f"required variable(s) {', '.join(missing)} not found",
            dataset=name,
            variable=missing[0],
            hint=f"variables present: {', '.join(map(str, dataset.columns))}",
        )


def set_values(dataset: pd.DataFrame, set_values_to: dict | None) -> pd.DataFrame:
    """Return ``dataset`` with ``set_values_to`` constants (or callables) assigned."""
    if not set_values_to:
        return dataset
    out = dataset.copy()
    for col, value in set_values_to.items():
        out[col] = value(out) if callable(value) else value
    return out


def compute_on_distinct(values: pd.Series, compute: Callable[[pd.Series], Any], *, missing: Any) -> pd.Series:
    """``compute`` run once on the distinct values of ``values``, its results spread back over the rows.

    Text columns repeat a few values over millions of records (dates, visits, codes): a check or
    a parse of the distinct values costs a fraction of one over every row. ``compute`` takes a
    Series of the distinct non-missing values and returns one result each; missing values get
    ``missing``.

    >>> compute_on_distinct(pd.Series(["Week 6", None, "Week 6", "Baseline"]),
    ...                     lambda s: s.str.len(), missing=0).tolist()
    [6, 0, 6, 8]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    per_value = np.asarray(compute(pd.Series(np.asarray(uniques, dtype=object), dtype=object)))
    if len(per_value) != len(uniques):
        raise ValueError(f"compute returned {len(per_value)} results for {len(uniques)} distinct values")
    return pd.Series(np.append(per_value, missing)[codes], index=values.index)  # code -1 -> missing


def is_missing(series: pd.Series) -> pd.Series:
    """True where a value is missing: NaN/None/NaT, or a blank string (as SAS treats it)."""
    missing = series.isna().to_numpy(dtype=bool)
    arrow = getattr(series.array, "_pa_array", None)
    if arrow is not None and str(arrow.type) in ("string", "large_string"):
        import pyarrow.compute as pc  # arrow-backed text: one kernel pass, no Python objects

        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arrow), ""), True)
        return pd.Series(missing | blank.to_numpy(zero_copy_only=False), index=series.index)
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        blank = compute_on_distinct(
            series, lambda s: s.astype("string").str.strip().fillna("").eq("").to_numpy(dtype=bool), missing=True)
        missing = missing | blank.to_numpy(dtype=bool)
    return pd.Series(missing, index=series.index)


def blank_to_na(series: pd.Series) -> pd.Series:
    """Replace blank strings by missing values."""
    missing = is_missing(series)
    if not missing.any() or missing.sum() == series.isna().sum():
        return series.copy()  # nothing blank: already missing where missing
    return series.mask(missing)


# --------------------------------------------------------------------------- fast query strings

_QUERY_CACHE: dict[str, object] = {}


class _ToVectorOps(ast.NodeTransformer):
    """Rewrite a pandas query (``and``/``or``/``not``, ``in [...]``, chained comparisons) into
    element-wise operators, as ``DataFrame.eval`` reads them."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        op = ast.BitAnd() if isinstance(node.op, ast.And) else ast.BitOr()
        out = node.values[0]
        for value in node.values[1:]:
            out = ast.BinOp(left=out, op=op, right=value)
        return out

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.UnaryOp(op=ast.Invert(), operand=node.operand)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        parts, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple, ast.Set)):
                    raise ValueError("'in' needs a literal list")
                call = ast.Call(func=ast.Attribute(value=left, attr="isin", ctx=ast.Load()),
                                args=[ast.List(elts=list(right.elts), ctx=ast.Load())], keywords=[])
                parts.append(ast.UnaryOp(op=ast.Invert(), operand=call) if isinstance(op, ast.NotIn) else call)
            else:
                parts.append(ast.Compare(left=left, ops=[op], comparators=[right]))
            left = right
        out = parts[0]
        for part in parts[1:]:
            out = ast.BinOp(left=out, op=ast.BitAnd(), right=part)
        return out


def _compile_query(expr: str):
    """Code object for ``expr`` or None when only pandas' own parser should read it.

    Expressions with ``&``, ``|``, ``~`` (pandas gives them a lower precedence than
    comparisons, Python does not), ``@`` locals or backticks are left to pandas.
    """
    if expr in _QUERY_CACHE:
        return _QUERY_CACHE[expr]
    code = None
    if not any(ch in expr for ch in "&|~@`"):
        try:
            tree = _ToVectorOps().visit(ast.parse(expr.strip(), mode="eval"))
            code = compile(ast.fix_missing_locations(tree), "<filter>", "eval")
        except (SyntaxError, ValueError):
            code = None
    if len(_QUERY_CACHE) > 4096:
        _QUERY_CACHE.clear()
    _QUERY_CACHE[expr] = code
    return code


class _Columns(dict):
    def __init__(self, dataset: pd.DataFrame) -> None:
        super().__init__()
        self.dataset = dataset

    def __missing__(self, key):
        if key in self.dataset.columns:
            value = self.dataset[key]
            self[key] = value
            return value
        raise NameError(key)


def _fast_query(dataset: pd.DataFrame, expr: str) -> pd.Series | None:
    """Evaluate a simple query string directly on the columns (no pandas eval machinery).

    Returns None when the expression is not of the simple kind or evaluating it fails, so
    that pandas' ``eval`` (and its error message) decides.
    """
    code = _compile_query(expr)
    if code is None:
        return None
    try:
        value = eval(code, {"__builtins__": {"True": True, "False": False, "None": None}}, _Columns(dataset))
    except Exception:  # noqa: BLE001 - pandas' eval gives the real message
        return None
    if isinstance(value, pd.Series) and value.index.equals(dataset.index) and (
            value.dtype == bool or pd.api.types.is_bool_dtype(value)):
        return value.fillna(False).astype(bool)
    if isinstance(value, (bool, np.bool_)):
        return pd.Series(bool(value), index=dataset.index)
    return None


__all__ = [
    "Filter",
    "filter_mask",
    "parse_order",
    "sort_by_order",
    "assert_has_columns",
    "set_values",
    "is_missing",
    "blank_to_na",
    "compute_on_distinct",
    "assert_subjects_in",
]


def assert_subjects_in(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    by_vars: Iterable[str] = ("USUBJID",),
    dataset_name: str | None = None,
    ref_name: str = "DM",
) -> None:
    """Raise if a subject of ``dataset`` is not in ``dataset_ref`` (e.g. every AE subject in DM).

    The message names the dataset, the count and the first unknown subject.

    >>> dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"]})
    >>> assert_subjects_in(pd.DataFrame({"USUBJID": ["S-1"]}), dataset_ref=dm, dataset_name="AE")
    >>> assert_subjects_in(pd.DataFrame({"USUBJID": ["S-1", "S-9"]}), dataset_ref=dm, dataset_name="RS")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: 1 subject(s) of RS not in DM (dataset RS, variable USUBJID, USUBJID S-9, row 2): correct USUBJID in RS or add the subject to DM
    """
    by_vars = list(by_vars)
    assert_has_columns(dataset, by_vars, name=dataset_name)
    assert_has_columns(dataset_ref, by_vars, name=ref_name)
    keys = pd.MultiIndex.from_frame(dataset[by_vars].astype(str))
    ref = pd.MultiIndex.from_frame(dataset_ref[by_vars].astype(str))
    unknown = ~keys.isin(ref)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        first = dataset.iloc[i]
        raise DerivationError(
            f"{keys[unknown].nunique()} subject(s) of {dataset_name or 'the dataset'} not in {ref_name}",
            dataset=dataset_name, variable=by_vars[-1],
            usubjid=str(first["USUBJID"]) if "USUBJID" in dataset.columns else None, row=i + 1,
            hint=f"correct {by_vars[-1]} in {dataset_name or 'the dataset'} or add the subject to {ref_name}",
        )
