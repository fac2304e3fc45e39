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
import re
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
        check_filter_types(dataset, filter)
        dataset = _truth_columns(dataset, filter)
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
    _check_truth_values(mask, filter)
    return mask.fillna(False).astype(bool)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _truth_columns(dataset: pd.DataFrame, filter: str) -> pd.DataFrame:
    """``dataset`` with the object columns of True/False that ``filter`` names as boolean columns.

    ``not FLAG`` / ``~FLAG`` on an object column of Python bools is bitwise on the integers
    (``~True`` is -2, true), so such a column is read as the boolean it holds.
    """
    convert = {}
    for name in set(_IDENTIFIER.findall(filter)):
        if name not in dataset.columns:
            continue
        col = dataset[name]
        if col.dtype != object or not len(col):
            continue
        first = col.iloc[0]
        if not (isinstance(first, (bool, np.bool_)) or first is None or first is pd.NA
                or (isinstance(first, float) and first != first)):
            continue  # a text column (the usual case): decided by its first value
        if pd.api.types.infer_dtype(col, skipna=True) == "boolean":
            convert[name] = col.astype("boolean")
    return dataset.assign(**convert) if convert else dataset


def _check_truth_values(mask: pd.Series, filter: Filter) -> None:
    """Raise unless ``mask`` holds True/False (or missing) per record: a filter giving numbers or
    text (``AVALC`` alone, ``AVAL + 1``) would select records by their truthiness, silently."""
    dtype = mask.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return
    if dtype == object and pd.api.types.infer_dtype(mask, skipna=True) in ("boolean", "empty"):
        return
    shown = filter if isinstance(filter, str) else "(callable or array)"
    example = mask.dropna().iloc[0] if mask.notna().any() else None
    example = example.item() if isinstance(example, np.generic) else example
    raise DerivationError(f"filter {shown!r} gives {dtype} values, not True/False per record",
                          value=example, hint="write a condition (e.g. FLAG == 'Y', AVAL > 0)")


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


#: Where missing values sort (``na_position`` of the order-taking derivations).
NA_POSITIONS = ("last", "first", "sas")


def sort_by_order(dataset: pd.DataFrame, order: Iterable[str] | None, *, na_position: str = "last") -> pd.DataFrame:
    """Stable sort by an ``order`` list.

    ``na_position`` says where missing values go:

    ``"last"``   after every value, whichever the direction (admiral, pandas; the default)
    ``"first"``  before every value, whichever the direction
    ``"sas"``    missing is the lowest value, as in SAS: first when ascending, last when
                 descending (``PROC SORT``, ``FIRST.``/``LAST.`` processing)

    With ``"first"`` and ``"sas"`` a blank text counts as missing, as in SAS.

    >>> df = pd.DataFrame({"K": [2.0, None, 1.0]})
    >>> sort_by_order(df, ["K"])["K"].tolist(), sort_by_order(df, ["K"], na_position="sas")["K"].tolist()
    ([1.0, 2.0, nan], [nan, 1.0, 2.0])
    >>> sort_by_order(df, ["-K"], na_position="sas")["K"].tolist()
    [2.0, 1.0, nan]
    """
    if na_position not in NA_POSITIONS:
        raise DerivationError(f"na_position={na_position!r} is not allowed",
                              value=na_position, hint=f"use one of {', '.join(map(repr, NA_POSITIONS))}")
    cols, asc = parse_order(order)
    if not cols:
        return dataset
    assert_has_columns(dataset, cols)
    if na_position == "last":
        return dataset.sort_values(cols, ascending=asc, kind="mergesort", na_position="last")
    keys = pd.DataFrame(index=pd.RangeIndex(len(dataset)))
    key_cols, key_asc = [], []
    for i, (col, up) in enumerate(zip(cols, asc)):
        missing = is_missing(dataset[col]).to_numpy()
        # the missing-value indicator sorts before its column: True first puts missing first
        keys[f"m{i}"] = missing
        values = dataset[col]
        keys[f"v{i}"] = (values.where(~missing) if values.dtype == object else values).to_numpy()
        first = na_position == "first" or up
        key_cols += [f"m{i}", f"v{i}"]
        key_asc += [not first, up]
    pos = keys.sort_values(key_cols, ascending=key_asc, kind="mergesort", na_position="last").index
    return dataset.iloc[pos.to_numpy()]


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

    Parameters
    ----------
    values
        Any Series.
    compute
        A function of a Series of the distinct non-missing values (object dtype) that
        returns one result per value (array-like of the same length).
    missing
        The result for missing values.

    Returns
    -------
    pandas.Series

    Examples
    --------
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


# --------------------------------------------------------------------------- SAS rounding


def _round_half_away_scalar(value: float, decimals: int) -> float:
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(exact)


def round_sas(values: Any, decimals: int = 0) -> Any:
    """Round half away from zero, as SAS's ``ROUND(x, 10**-decimals)`` and ``PUT(x, w.d)`` do.

    Python's ``round`` and pandas' ``Series.round`` round a tie to the even neighbour (74.25 ->
    74.2) and work on the binary value (1.005 -> 1.0, since 1.005 is stored as 1.00499999...).
    A statistical programmer expects the decimal value as written to be rounded, ties away from
    zero (74.25 -> 74.3, 1.005 -> 1.01, -2.5 -> -3): that is what SAS prints, and a QC compare
    against SAS output flags every other result. This is the one rounding function of the
    framework: programs use it for derived values, the table renderer for displayed statistics.

    ``values`` is a number, a NumPy array or a pandas Series (the index is kept); missing values
    stay missing. ``decimals`` may be negative (round to tens, hundreds). Values away from a tie
    are rounded in NumPy; the few within 1e-6 of a tie are settled on their shortest decimal
    text (``repr``), so the cost stays that of one vectorised pass.

    >>> round_sas(74.25, 1), round(74.25, 1)
    (74.3, 74.2)
    >>> round_sas(pd.Series([1.005, 2.5, -2.5, 0.285, None]), 2).tolist()
    [1.01, 2.5, -2.5, 0.29, nan]
    >>> round_sas(np.array([0.5, 1.5, 2.5, -0.5])).tolist()
    [1.0, 2.0, 3.0, -1.0]
    >>> round_sas(1234.5, -1)
    1230.0
    """
    decimals = int(decimals)
    if values is None:
        return None
    if isinstance(values, (int, float, np.integer, np.floating)) and not isinstance(values, bool):
        value = float(values)
        return value if not np.isfinite(value) else _round_half_away_scalar(value, decimals) + 0.0
    series = values if isinstance(values, pd.Series) else None
    x = np.asarray(pd.to_numeric(series) if series is not None else values, dtype=float)
    with np.errstate(invalid="ignore"):
        scaled = x * 10.0 ** decimals
        out = np.trunc(scaled + np.copysign(0.5, scaled))
        out = out / 10.0 ** decimals if decimals >= 0 else out * 10.0 ** (-decimals)
        frac = np.abs(scaled - np.trunc(scaled))
        near_tie = np.isfinite(x) & (np.abs(frac - 0.5) < 1e-6)
    for i in np.flatnonzero(near_tie):  # the few values at a tie: exact decimal arithmetic
        out[i] = _round_half_away_scalar(x[i], decimals)
    out = np.where(np.isfinite(x), out, x)
    out[out == 0] = 0.0  # no -0.0
    if series is not None:
        return pd.Series(out, index=series.index, name=series.name)
    return out


# --------------------------------------------------------------------------- filter types


def _literal_kind(node: ast.AST) -> str | None:
    """'text' / 'number' for a literal (or a list of literals of one kind), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return "text"
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return "number"
        return None
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        kinds = {_literal_kind(e) for e in node.elts} - {None}
        return kinds.pop() if len(kinds) == 1 else None
    return None


_TYPE_CACHE: dict[str, tuple] = {}


def _comparisons(expr: str) -> tuple:
    """(column name, literal kind, literal text) of each ``column <op> literal`` in a query string."""
    if expr in _TYPE_CACHE:
        return _TYPE_CACHE[expr]
    import io
    import tokenize

    found: list[tuple[str, str, str]] = []
    try:  # pandas' & | ~ bind like `and`/`or`/`not` (looser than comparisons): read them so
        toks = []
        for tok in tokenize.generate_tokens(io.StringIO(expr.strip()).readline):
            if tok.type == tokenize.OP and tok.string in ("&", "|", "~"):
                toks.append((tokenize.NAME, {"&": "and", "|": "or", "~": "not"}[tok.string]))
            else:
                toks.append((tok.type, tok.string))
        tree = ast.parse(tokenize.untokenize(toks).strip(), mode="eval")
    except (SyntaxError, tokenize.TokenError, IndentationError, ValueError):
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            # COLUMN.isin([...]) compares like COLUMN in [...]
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "isin"
                    and isinstance(node.func.value, ast.Name) and len(node.args) == 1):
                kind = _literal_kind(node.args[0])
                if kind is not None:
                    found.append((node.func.value.id, kind, ast.unparse(node.args[0])))
                continue
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for a, b in zip(operands, operands[1:]):
                for name, lit in ((a, b), (b, a)):
                    kind = _literal_kind(lit)
                    if isinstance(name, ast.Name) and kind is not None:
                        found.append((name.id, kind, ast.unparse(lit)))
    if len(_TYPE_CACHE) > 4096:
        _TYPE_CACHE.clear()
    _TYPE_CACHE[expr] = tuple(found)
    return _TYPE_CACHE[expr]


def _column_kind(series: pd.Series) -> str:
    """'number', 'text', 'datetime', 'bool' or 'other' for a column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) and dtype != object:
        return "text"
    if dtype == object:
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("string", "empty"):
            return "text"
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "number"
    return "other"


def _literal_texts(literal: str) -> list[str]:
    """The texts of a quoted literal or of a list of them (``'3'`` -> ['3'], ``['1', 'x']`` -> ['1', 'x'])."""
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):  # pragma: no cover - _comparisons only yields literals
        return [literal.strip("'\"")]
    return [str(v) for v in value] if isinstance(value, (list, tuple, set)) else [str(value)]


def _is_number_text(text: str) -> bool:
    try:
        return bool(np.isfinite(float(text)))
    except ValueError:
        return False


def check_filter_types(dataset: pd.DataFrame, filter: str) -> None:
    """Raise if a query string compares a column with a literal of the other type.

    ``VISITNUM == '3'`` on a numeric VISITNUM (or ``AVALC == 3`` on a text AVALC) is valid
    pandas and selects nothing, without a word. A derivation that silently drops every record
    is the worst kind of wrong, so :func:`filter_mask` calls this first: the error names the
    column, its type and the literal. Dates compared with ISO 8601 text are allowed (pandas
    reads ``ADT <= '2021-01-31'`` as a date).

    >>> df = pd.DataFrame({"VISITNUM": [1.0, 3.0], "VISIT": ["SCREENING", "WEEK 2"]})
    >>> check_filter_types(df, "VISITNUM == 3 and VISIT != 'WEEK 4'")
    >>> check_filter_types(df, "VISITNUM == '3'")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: filter "VISITNUM == '3'" compares VISITNUM, a numeric variable (float64), with the text '3' (variable VISITNUM, value '3'): write the literal as a number (3), or compare a text variable
    >>> check_filter_types(df, "VISITNUM.isin(['1', '3'])")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: filter "VISITNUM.isin(['1', '3'])" compares VISITNUM, a numeric variable (float64), with the text ['1', '3'] (variable VISITNUM, value "['1', '3']"): write the literal as a number ([1, 3]), or compare a text variable
    >>> check_filter_types(df, "VISITNUM > 'x'")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: filter "VISITNUM > 'x'" compares VISITNUM, a numeric variable (float64), with the text 'x' (variable VISITNUM, value 'x'): VISITNUM holds numbers and 'x' is not a number: compare VISITNUM with a number, or compare a text variable with the text
    """
    for name, kind, literal in _comparisons(filter):
        if name not in dataset.columns:
            continue
        col_kind = _column_kind(dataset[name])
        if kind == "text" and col_kind in ("number", "bool"):
            not_numbers = [t for t in _literal_texts(literal) if not _is_number_text(t)]
            if not_numbers:  # 'x' is no number: suggesting one would be wrong
                texts = ", ".join(repr(t) for t in not_numbers)
                verb = "is not a number" if len(not_numbers) == 1 else "are not numbers"
                what, fix = "numeric", (f"{name} holds numbers and {texts} {verb}: compare {name} with a number, "
                                        f"or compare a text variable with the text")
            else:
                unquoted = literal.replace("'", "").replace('"', "")
                what, fix = "numeric", f"write the literal as a number ({unquoted}), or compare a text variable"
        elif kind == "number" and col_kind == "text":
            try:
                value = ast.literal_eval(literal)
            except (ValueError, SyntaxError):  # pragma: no cover - _comparisons only yields literals
                value = literal
            as_text = repr([str(v) for v in value]) if isinstance(value, (list, tuple, set)) else f"'{literal}'"
            what, fix = "text", f"write the literal as text ({as_text}), or compare a numeric variable"
        elif kind == "number" and col_kind == "datetime":
            what, fix = "date", f"compare with a date: {name} <= '2021-01-31' or another date variable"
        else:
            continue
        other = "the text" if kind == "text" else "the number"
        raise DerivationError(
            f"filter {filter!r} compares {name}, a {what} variable ({dataset[name].dtype}), with {other} {literal}",
            variable=name, value=literal if literal[:1] in "[(" else literal.strip("'\""), hint=fix)


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
    "NA_POSITIONS",
    "round_sas",
    "check_filter_types",
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
