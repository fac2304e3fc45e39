"""QC dataset compare: a PROC COMPARE for pandas.

:func:`compare_datasets` matches the records of a *base* (production) and a
*compare* (QC) dataset on ``by_vars`` (PROC COMPARE's ``ID`` statement) and
reports, like SAS:

* dataset attributes: label, number of records and variables;
* variables in one dataset only, and common variables whose attributes differ
  (type, length, label, format; an attribute is compared when both files carry
  it, e.g. a parquet file without a ``.meta.json`` sidecar carries no labels);
* records whose key is in one dataset only;
* for every common variable the number of unequal values and the first
  ``max_listed`` differences with their keys and both values.

Value rules (SAS semantics): a blank string equals a missing value, trailing
blanks are ignored, missing equals missing (NaN == NaN, NaT == NaT); numbers
are compared exactly unless ``tolerance`` is given (``"absolute"``:
``|c - b| <= tolerance``; ``"relative"``: ``|c - b| <= tolerance * |b|``; both
allow for the floating point representation error of the operands), datetimes
as values. Variables whose types conflict (char vs num, datetime vs plain
number) are reported as attribute differences and their values not compared.
Duplicate keys stop the compare with a :class:`DuplicateKeyError` naming the
dataset and the key values.

The engine is vectorised numpy/pandas (keys factorised jointly into one int64
code per record, records matched through a hash index, each column compared
as whole arrays); text is compared with pyarrow kernels. See
``benchmarks/bench_compare.py``.

Example
-------
>>> import pandas as pd
>>> base = pd.DataFrame({"USUBJID": ["01", "02", "03"], "AVAL": [1.0, 2.0, 3.0],
...                      "AVALC": ["1", "", "3"]})
>>> qc = pd.DataFrame({"USUBJID": ["01", "02", "03"], "AVAL": [1.0, 2.5, 3.0],
...                    "AVALC": ["1", None, "3"]})
>>> res = compare_datasets(base, qc, by_vars=["USUBJID"])
>>> res.equal
False
>>> res.variable_stats[["variable", "n_compared", "n_unequal"]].to_dict("records")
[{'variable': 'AVAL', 'n_compared': 3, 'n_unequal': 1}, {'variable': 'AVALC', 'n_compared': 3, 'n_unequal': 0}]
>>> res.differences[["variable", "USUBJID", "base", "compare"]].to_dict("records")
[{'variable': 'AVAL', 'USUBJID': '02', 'base': 2.0, 'compare': 2.5}]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .findings import DerivationError
from .io import DatasetMeta, VariableMeta, meta_from_frame, read_dataset

TOLERANCE_TYPES = ("absolute", "relative")
ATTRIBUTES = ("type", "length", "label", "format")
# a few units in the last place: the representation error of two doubles
_ULP_SLACK = 4 * np.finfo(np.float64).eps


class DuplicateKeyError(DerivationError):
    """The BY (key) variables do not identify one record in a dataset."""


# --------------------------------------------------------------------------- result


@dataclass
class CompareResult:
    """Outcome of :func:`compare_datasets`.

    ``variable_stats``: one row per compared common variable (variable, type,
    n_compared, n_equal, pct_equal, n_unequal, max_abs_diff).
    ``differences``: the listed unequal values (variable, key columns, base,
    compare, diff), at most ``max_listed`` per variable (all when ``None``).
    ``attribute_differences``: variable, attribute, base, compare.
    ``base_only_rows`` / ``compare_only_rows``: key values of unmatched records.
    """

    summary: dict[str, Any]
    variable_stats: pd.DataFrame
    differences: pd.DataFrame
    attribute_differences: pd.DataFrame
    base_only_vars: list[str]
    compare_only_vars: list[str]
    base_only_rows: pd.DataFrame
    compare_only_rows: pd.DataFrame
    by_vars: list[str]
    base_meta: DatasetMeta = field(repr=False)
    compare_meta: DatasetMeta = field(repr=False)

    @property
    def equal(self) -> bool:
        return bool(self.summary["equal"])

    def __str__(self) -> str:
        s = self.summary
        verdict = "EQUAL" if self.equal else "NOT EQUAL"
        return (f"{s['base_name']} vs {s['compare_name']}: {verdict} "
                f"({s['n_values_unequal']} unequal value(s), {s['n_base_only_rows']} + "
                f"{s['n_compare_only_rows']} unmatched record(s), "
                f"{len(self.attribute_differences)} attribute difference(s))")

    def report_text(self) -> str:
        """Plain-text report laid out like SAS PROC COMPARE output."""
        return _report_text(self)

    def report_html(self) -> str:
        """Self-contained HTML page with the same content as :meth:`report_text`."""
        return _report_html(self)


# --------------------------------------------------------------------------- helpers


def _value_kind(series: pd.Series) -> str:
    """``num``, ``datetime``, ``timedelta`` or ``char`` for the value comparison."""
    kind = series.dtype.kind
    if kind in "biuf":
        return "num"
    if kind == "M":
        return "datetime"
    if kind == "m":
        return "timedelta"
    if kind == "O":
        # object columns of datetime.date/datetime (pyarrow date32, pyreadstat default):
        # look at the first few non-missing values only (cheap on 1M rows)
        head = series.iloc[:1000]
        inferred = pd.api.types.infer_dtype(head, skipna=True)
        if inferred in ("date", "datetime", "datetime64"):
            return "datetime"
    return "char"


def _as_datetime_int(series: pd.Series) -> np.ndarray:
    """int64 microseconds since epoch (NaT as int64 min) for a datetime-like column."""
    if series.dtype.kind != "M":
        series = pd.to_datetime(series, errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[us]").view("int64")


def _as_float(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _norm_text(values: Sequence[Any]) -> np.ndarray:
    """SAS view of text: missing -> "", trailing blanks dropped."""
    ser = pd.Series(list(values), dtype=object)
    ser = ser.where(ser.notna(), "")
    return ser.astype(str).str.rstrip().to_numpy(dtype=object)


def _arrow_text(series: pd.Series):
    """The pyarrow string array behind an arrow-backed text column, else None."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if not hasattr(series.array, "_pa_array"):
        return None
    arr = pa.array(series)  # zero-copy for arrow-backed columns
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.cast(pa.large_string()) if pa.types.is_string(arr.type) else arr
    return None


def _text_equal(b: pd.Series, c: pd.Series, bi: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """Boolean array: text values equal at matched positions (blank == missing).

    Raw values are compared first (pyarrow kernels for arrow-backed columns,
    numpy object comparison otherwise); only the pairs found unequal are
    normalised (missing -> "", trailing blanks dropped) and compared again.
    """
    pa_b, pa_c = _arrow_text(b), _arrow_text(c)
    if pa_b is not None and pa_c is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        tb, tc = pa_b.take(pa.array(bi)), pa_c.take(pa.array(ci))
        both_null = pc.and_(pc.is_null(tb), pc.is_null(tc))
        eq = pc.or_kleene(pc.fill_null(pc.equal(tb, tc), False), both_null)
        eq = np.array(eq.to_numpy(zero_copy_only=False), dtype=bool)
    else:
        ab = b.to_numpy(dtype=object)[bi]
        ac = c.to_numpy(dtype=object)[ci]
        eq = np.array(ab == ac, dtype=bool)
    todo = np.flatnonzero(~eq)
    if len(todo):
        vb = _norm_text(b.to_numpy(dtype=object)[bi[todo]])
        vc = _norm_text(c.to_numpy(dtype=object)[ci[todo]])
        eq[todo] = vb == vc
    return eq


def _numeric_unequal(a: np.ndarray, b: np.ndarray, tolerance: float, tolerance_type: str) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        eq = (a == b) | (np.isnan(a) & np.isnan(b))
        if tolerance > 0:
            todo = np.flatnonzero(~eq & ~np.isnan(a) & ~np.isnan(b))
            if len(todo):
                x, y = a[todo], b[todo]
                d = np.abs(y - x)
                scale = np.abs(x) if tolerance_type == "relative" else 1.0
                slack = _ULP_SLACK * np.maximum(np.abs(x), np.abs(y))
                eq[todo] = d <= tolerance * scale + slack
    return ~eq


def _side_label(side: str, meta: DatasetMeta) -> str:
    where = meta.source or meta.name
    return f"{side} ({where})" if where and where != side else side


def _py(value: Any) -> Any:
    """numpy scalar -> Python scalar (for messages and listings)."""
    return value.item() if isinstance(value, np.generic) else value


def _key_arrays(df: pd.DataFrame, key: str, kind: str) -> pd.Series:
    s = df[key]
    if kind == "datetime":
        return pd.Series(_as_datetime_int(s))
    return pd.Series(_as_float(s))


def _text_key_codes(sb: pd.Series, sc: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Joint codes of two text key columns, SAS-normalised (trailing blanks, blank = missing).

    Each side is hashed on its raw values; only the distinct values are
    normalised and matched across sides.
    """
    cb, ub = pd.factorize(sb, use_na_sentinel=True)
    cc, uc = pd.factorize(sc, use_na_sentinel=True)
    norm = _norm_text(list(np.asarray(ub, dtype=object)) + list(np.asarray(uc, dtype=object)))
    joint, uniques = pd.factorize(pd.Series(norm, dtype=object), use_na_sentinel=False)
    joint = joint.astype(np.int64)
    blank = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
    na_code = int(blank[0]) if len(blank) else len(uniques)
    jb, jc = joint[: len(ub)], joint[len(ub):]
    codes_b = np.where(cb >= 0, jb[np.maximum(cb, 0)] if len(jb) else na_code, na_code)
    codes_c = np.where(cc >= 0, jc[np.maximum(cc, 0)] if len(jc) else na_code, na_code)
    return codes_b.astype(np.int64), codes_c.astype(np.int64), len(uniques) + 1


def _key_codes(base: pd.DataFrame, compare: pd.DataFrame, by_vars: list[str],
               labels: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    nb, nc = len(base), len(compare)
    if not by_vars:  # PROC COMPARE without ID: match by observation number
        return np.arange(nb, dtype=np.int64), np.arange(nc, dtype=np.int64)
    combined = None
    for key in by_vars:
        kb, kc = _value_kind(base[key]), _value_kind(compare[key])
        if kb != kc:
            raise DerivationError(
                f"key variable {key} is {kb} in {labels[0]} but {kc} in {labels[1]}",
                variable=key, hint="convert the key to the same type in both datasets")
        if kb == "char":
            code_b, code_c, n_codes = _text_key_codes(base[key], compare[key])
            codes = np.concatenate([code_b, code_c])
        else:
            values = pd.concat([_key_arrays(base, key, kb), _key_arrays(compare, key, kc)],
                               ignore_index=True)
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            codes, n_codes = codes.astype(np.int64), len(uniques)
        if combined is None:
            combined = codes
        else:
            combined, _ = pd.factorize(combined * np.int64(n_codes + 1) + codes)
            combined = combined.astype(np.int64)
    return combined[:nb], combined[nb:]


def _check_duplicates(df: pd.DataFrame, codes: np.ndarray, by_vars: list[str], label: str) -> None:
    dup = pd.Series(codes).duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    n_same = int((codes == codes[first]).sum())
    n_keys = int(pd.Series(codes[dup]).nunique())
    key_values = {k: _py(df[k].iloc[first]) for k in by_vars}
    shown = ", ".join(f"{k}={v!r}" for k, v in key_values.items())
    raise DuplicateKeyError(
        f"duplicate key in {label}: {shown} occurs in {n_same} records "
        f"({n_keys} key value(s) duplicated in all)",
        dataset=label, variable=",".join(by_vars), row=first,
        hint="add variables to the BY (--by) list so that each key identifies one record, "
             "or remove the duplicate records")


def _attr(meta: DatasetMeta, df: pd.DataFrame, var: str) -> VariableMeta:
    vm = meta.variable(var)
    if vm is None:
        from .io import sas_type

        vm = VariableMeta(var, None, sas_type(df[var]))
    return vm


def _carries(meta: DatasetMeta, attribute: str) -> bool:
    return any(getattr(v, attribute) not in (None, "") for v in meta.variables)


def _norm_attr(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --------------------------------------------------------------------------- engine


def compare_datasets(
    base: pd.DataFrame,
    compare: pd.DataFrame,
    *,
    by_vars: Sequence[str] | None,
    tolerance: float = 0.0,
    tolerance_type: str = "absolute",
    base_meta: DatasetMeta | None = None,
    compare_meta: DatasetMeta | None = None,
    max_listed: int | None = 50,
) -> CompareResult:
    """Compare ``compare`` (QC) against ``base`` (production), PROC COMPARE style.

    ``by_vars`` are the key variables (an empty list matches records by
    observation number). ``max_listed`` limits the differences listed per
    variable (``None``: all). Raises :class:`DuplicateKeyError` when a key is not
    unique and :class:`DerivationError` when a key variable is missing.
    """
    if tolerance_type not in TOLERANCE_TYPES:
        raise DerivationError(f"tolerance_type must be one of {TOLERANCE_TYPES}",
                              value=tolerance_type, hint="use 'absolute' or 'relative'")
    tolerance = float(tolerance or 0.0)
    if not np.isfinite(tolerance) or tolerance < 0:
        raise DerivationError("tolerance must be a finite number >= 0", value=tolerance,
                              hint="use e.g. 1e-9")
    base_meta = base_meta or meta_from_frame(base, name="BASE")
    compare_meta = compare_meta or meta_from_frame(compare, name="COMPARE")
    labels = (_side_label("BASE", base_meta), _side_label("COMPARE", compare_meta))
    by_vars = [str(k) for k in (by_vars or [])]
    for df, label in ((base, labels[0]), (compare, labels[1])):
        missing = [k for k in by_vars if k not in df.columns]
        if missing:
            raise DerivationError(
                f"key variable(s) {', '.join(missing)} not found in {label}",
                dataset=label, variable=missing[0],
                hint=f"variables present: {', '.join(map(str, df.columns))}")

    # ---- match records on keys
    bcodes, ccodes = _key_codes(base, compare, by_vars, labels)
    _check_duplicates(base, bcodes, by_vars, labels[0])
    _check_duplicates(compare, ccodes, by_vars, labels[1])
    pos = pd.Index(ccodes).get_indexer(bcodes)
    bi = np.flatnonzero(pos >= 0)
    ci = pos[bi].astype(np.int64)
    comp_matched = np.zeros(len(compare), dtype=bool)
    comp_matched[ci] = True
    base_only_idx = np.flatnonzero(pos < 0)
    comp_only_idx = np.flatnonzero(~comp_matched)
    key_cols = by_vars or []

    def key_frame(df: pd.DataFrame, idx: np.ndarray) -> pd.DataFrame:
        if key_cols:
            return df[key_cols].iloc[idx].reset_index(drop=True)
        return pd.DataFrame({"_OBS_": idx + 1})

    # ---- variables
    bcols = [str(c) for c in base.columns]
    ccols = [str(c) for c in compare.columns]
    cset, bset = set(ccols), set(bcols)
    base_only_vars = [c for c in bcols if c not in cset]
    compare_only_vars = [c for c in ccols if c not in bset]
    common = [c for c in bcols if c in cset]

    compared_attrs = [a for a in ATTRIBUTES
                      if a == "type" or (_carries(base_meta, a) and _carries(compare_meta, a))]
    attr_rows: list[dict[str, Any]] = []
    conflicting: set[str] = set()
    kinds: dict[str, str] = {}
    for var in common:
        vb, vc = _attr(base_meta, base, var), _attr(compare_meta, compare, var)
        kb, kc = _value_kind(base[var]), _value_kind(compare[var])
        kinds[var] = kb
        tb, tc = vb.type or ("char" if kb == "char" else "num"), vc.type or ("char" if kc == "char" else "num")
        if tb != tc or kb != kc:
            conflicting.add(var)
            attr_rows.append({"variable": var, "attribute": "type",
                              "base": tb if kb in ("num", "char") else f"{tb} ({kb})",
                              "compare": tc if kc in ("num", "char") else f"{tc} ({kc})"})
        for attribute in compared_attrs:
            if attribute == "type":
                continue
            x, y = _norm_attr(getattr(vb, attribute)), _norm_attr(getattr(vc, attribute))
            if attribute == "length" and (x is None or y is None):
                continue  # e.g. Dataset-JSON numerics carry no length: nothing to compare
            if attribute == "format" and x is not None and y is not None:
                x, y = str(x).upper().rstrip("."), str(y).upper().rstrip(".")
            if x != y:
                attr_rows.append({"variable": var, "attribute": attribute,
                                  "base": getattr(vb, attribute), "compare": getattr(vc, attribute)})
    attribute_differences = pd.DataFrame(attr_rows, columns=["variable", "attribute", "base", "compare"])

    # ---- values
    stats_rows: list[dict[str, Any]] = []
    diff_parts: list[pd.DataFrame] = []
    row_unequal = np.zeros(len(bi), dtype=bool)
    n_matched = len(bi)
    compared_vars = [v for v in common if v not in conflicting and v not in key_cols]
    for var in compared_vars:
        sb, sc = base[var], compare[var]
        kind = kinds[var]
        max_abs = np.nan
        diffs = None
        if kind == "num":
            a, b = _as_float(sb)[bi], _as_float(sc)[ci]
            uneq = _numeric_unequal(a, b, tolerance, tolerance_type)
            idx = np.flatnonzero(uneq)
            if len(idx):
                with np.errstate(invalid="ignore"):
                    d = b[idx] - a[idx]
                max_abs = float(np.nanmax(np.abs(d))) if np.isfinite(d).any() else np.nan
                diffs = d
        elif kind in ("datetime", "timedelta"):
            if kind == "datetime":
                a, b = _as_datetime_int(sb)[bi], _as_datetime_int(sc)[ci]
            else:
                a = sb.to_numpy(dtype="timedelta64[us]").view("int64")[bi]
                b = sc.to_numpy(dtype="timedelta64[us]").view("int64")[ci]
            uneq = a != b
            idx = np.flatnonzero(uneq)
        else:
            uneq = ~_text_equal(sb, sc, bi, ci)
            idx = np.flatnonzero(uneq)
        n_uneq = int(len(idx))
        row_unequal |= uneq
        stats_rows.append({
            "variable": var, "type": "char" if kind == "char" else "num",
            "n_compared": n_matched, "n_equal": n_matched - n_uneq,
            "pct_equal": (100.0 * (n_matched - n_uneq) / n_matched) if n_matched else 100.0,
            "n_unequal": n_uneq, "max_abs_diff": max_abs,
        })
        if n_uneq:
            take = idx if max_listed is None else idx[: max(int(max_listed), 0)]
            if len(take):
                part = key_frame(base, bi[take])
                part.insert(0, "variable", var)
                part["base"] = pd.Series(sb.iloc[bi[take]].tolist(), dtype=object)
                part["compare"] = pd.Series(sc.iloc[ci[take]].tolist(), dtype=object)
                if diffs is not None:
                    part["diff"] = diffs[: len(take)]
                else:
                    part["diff"] = np.nan
                diff_parts.append(part)

    diff_cols = ["variable", *(key_cols or ["_OBS_"]), "base", "compare", "diff"]
    differences = (pd.concat(diff_parts, ignore_index=True) if diff_parts
                   else pd.DataFrame({c: pd.Series(dtype=object) for c in diff_cols}))
    variable_stats = pd.DataFrame(
        stats_rows, columns=["variable", "type", "n_compared", "n_equal", "pct_equal",
                             "n_unequal", "max_abs_diff"])

    n_values_unequal = int(variable_stats["n_unequal"].sum()) if len(variable_stats) else 0
    n_vars_unequal = int((variable_stats["n_unequal"] > 0).sum()) if len(variable_stats) else 0
    labels_compared = base_meta.label is not None and compare_meta.label is not None
    label_differs = labels_compared and (_norm_attr(base_meta.label) != _norm_attr(compare_meta.label))
    equal = not (base_only_vars or compare_only_vars or len(base_only_idx) or len(comp_only_idx)
                 or len(attribute_differences) or n_values_unequal or label_differs)
    summary = {
        "equal": bool(equal),
        "base_name": labels[0], "compare_name": labels[1],
        "base_label": base_meta.label, "compare_label": compare_meta.label,
        "dataset_label_differs": bool(label_differs),
        "base_nobs": len(base), "compare_nobs": len(compare),
        "base_nvars": len(bcols), "compare_nvars": len(ccols),
        "by_vars": list(key_cols),
        "n_common_vars": len(common),
        "n_base_only_vars": len(base_only_vars), "n_compare_only_vars": len(compare_only_vars),
        "n_conflicting_types": len(conflicting),
        "n_vars_differing_attributes": int(attribute_differences["variable"].nunique()),
        "attributes_compared": compared_attrs,
        "n_rows_compared": int(n_matched),
        "n_base_only_rows": int(len(base_only_idx)), "n_compare_only_rows": int(len(comp_only_idx)),
        "n_rows_unequal": int(row_unequal.sum()),
        "n_vars_compared": len(compared_vars),
        "n_vars_unequal": n_vars_unequal,
        "n_values_unequal": n_values_unequal,
        "max_abs_diff": (float(np.nanmax(variable_stats["max_abs_diff"]))
                         if len(variable_stats) and variable_stats["max_abs_diff"].notna().any() else None),
        "tolerance": tolerance, "tolerance_type": tolerance_type,
        "max_listed": max_listed,
    }
    return CompareResult(
        summary=summary, variable_stats=variable_stats, differences=differences,
        attribute_differences=attribute_differences, base_only_vars=base_only_vars,
        compare_only_vars=compare_only_vars,
        base_only_rows=key_frame(base, base_only_idx), compare_only_rows=key_frame(compare, comp_only_idx),
        by_vars=list(key_cols), base_meta=base_meta, compare_meta=compare_meta,
    )


# --------------------------------------------------------------------------- reports


def _fmt_value(value: Any, width: int = 0) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        text = "."
    elif isinstance(value, float):
        text = f"{value:.12g}"
    elif isinstance(value, pd.Timestamp):
        text = value.isoformat()
    else:
        text = str(value)
    return text.ljust(width) if width else text


def _method(result: CompareResult) -> str:
    s = result.summary
    if not s["tolerance"]:
        return "Method=EXACT"
    return f"Method={s['tolerance_type'].upper()}, Criterion={s['tolerance']:.2E}"


def _table(headers: list[str], rows: list[list[Any]], indent: int = 2) -> list[str]:
    cells = [[_fmt_value(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    pad = " " * indent
    out = [pad + "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    out.append(pad + "  ".join("-" * w for w in widths))
    out += [pad + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return out


def _report_text(result: CompareResult) -> str:
    s = result.summary
    lines = ["The COMPARE Procedure",
             f"Comparison of {s['base_name']} with {s['compare_name']}",
             f"({_method(result)})", "",
             "Data Set Summary", ""]
    lines += _table(["Dataset", "NVar", "NObs", "Label"], [
        ["BASE", s["base_nvars"], s["base_nobs"], s["base_label"] or ""],
        ["COMPARE", s["compare_nvars"], s["compare_nobs"], s["compare_label"] or ""],
    ])
    if s["dataset_label_differs"]:
        lines.append("  NOTE: the dataset labels differ.")
    lines += ["", "Variables Summary", "",
              f"  Number of Variables in Common: {s['n_common_vars']}.",
              f"  Number of Variables in BASE but not in COMPARE: {s['n_base_only_vars']}."
              + (f"  ({', '.join(result.base_only_vars)})" if result.base_only_vars else ""),
              f"  Number of Variables in COMPARE but not in BASE: {s['n_compare_only_vars']}."
              + (f"  ({', '.join(result.compare_only_vars)})" if result.compare_only_vars else ""),
              f"  Number of Variables with Conflicting Types: {s['n_conflicting_types']}.",
              f"  Number of Variables with Differing Attributes: {s['n_vars_differing_attributes']}.",
              f"  Number of ID Variables: {len(result.by_vars)}."
              + (f"  ({', '.join(result.by_vars)})" if result.by_vars else "  (records matched by observation number)")]
    skipped = [a for a in ATTRIBUTES if a not in s["attributes_compared"]]
    if skipped:
        lines.append(f"  Attributes not compared (not carried by both files): {', '.join(skipped)}.")
    if len(result.attribute_differences):
        lines += ["", "Listing of Common Variables with Differing Attributes", ""]
        lines += _table(["Variable", "Attribute", "Base", "Compare"],
                        result.attribute_differences.values.tolist())
    lines += ["", "Observation Summary", "",
              f"  Number of Observations in Common: {s['n_rows_compared']}.",
              f"  Number of Observations in BASE but not in COMPARE: {s['n_base_only_rows']}.",
              f"  Number of Observations in COMPARE but not in BASE: {s['n_compare_only_rows']}.",
              f"  Number of Observations with Some Compared Variables Unequal: {s['n_rows_unequal']}.",
              f"  Number of Observations with All Compared Variables Equal: "
              f"{s['n_rows_compared'] - s['n_rows_unequal']}."]
    limit = s["max_listed"]
    for title, frame in (("BASE but not in COMPARE", result.base_only_rows),
                         ("COMPARE but not in BASE", result.compare_only_rows)):
        if len(frame):
            shown = frame if limit is None else frame.head(limit)
            lines += ["", f"Observations in {title}"
                      + (f" (first {len(shown)} of {len(frame)})" if len(shown) < len(frame) else ""), ""]
            lines += _table(list(map(str, frame.columns)), shown.values.tolist())
    lines += ["", "Values Comparison Summary", "",
              f"  Number of Variables Compared with All Observations Equal: "
              f"{s['n_vars_compared'] - s['n_vars_unequal']}.",
              f"  Number of Variables Compared with Some Observations Unequal: {s['n_vars_unequal']}.",
              f"  Total Number of Values which Compare Unequal: {s['n_values_unequal']}."]
    if s["max_abs_diff"] is not None:
        lines.append(f"  Maximum Difference: {s['max_abs_diff']:.6g}.")
    vs = result.variable_stats
    uneq = vs[vs["n_unequal"] > 0]
    if len(uneq):
        lines += ["", "Variables with Unequal Values", ""]
        lines += _table(["Variable", "Type", "Ndif", "PctEqual", "MaxDif"],
                        [[r.variable, r.type.upper(), r.n_unequal, f"{r.pct_equal:.4f}",
                          r.max_abs_diff] for r in uneq.itertuples()])  # report rows
        lines += ["", "Value Comparison Results for Variables"]
        keys = [c for c in result.differences.columns if c not in ("variable", "base", "compare", "diff")]
        for var, n in zip(uneq["variable"], uneq["n_unequal"]):
            part = result.differences[result.differences["variable"] == var]
            lines += ["", "_" * 72, f"  Variable {var}: {n} unequal value(s)"
                      + (f", first {len(part)} listed" if len(part) < n else ""), ""]
            rows = []
            for rec in part.itertuples(index=False):  # report rows (listed differences)
                d = rec._asdict()
                diff = d["diff"]
                pct = (100.0 * diff / d["base"]
                       if isinstance(diff, float) and np.isfinite(diff) and isinstance(d["base"], (int, float))
                       and d["base"] not in (0, 0.0) else None)
                rows.append([*(d[k] for k in keys), d["base"], d["compare"],
                             diff if isinstance(diff, float) and np.isfinite(diff) else None, pct])
            lines += _table([*keys, "Base Value", "Compare Value", "Diff.", "% Diff"], rows)
    lines.append("")
    if result.equal:
        lines.append("NOTE: No unequal values were found. All values compared are "
                     + ("exactly equal." if not s["tolerance"] else "equal within the criterion."))
    else:
        lines.append("NOTE: The datasets differ: " + "; ".join(_verdict_reasons(result)) + ".")
    return "\n".join(lines) + "\n"


def _verdict_reasons(result: CompareResult) -> list[str]:
    s = result.summary
    reasons = []
    if s["dataset_label_differs"]:
        reasons.append("dataset labels differ")
    if s["n_base_only_vars"] or s["n_compare_only_vars"]:
        reasons.append(f"{s['n_base_only_vars'] + s['n_compare_only_vars']} variable(s) in one dataset only")
    if len(result.attribute_differences):
        reasons.append(f"{len(result.attribute_differences)} attribute difference(s)")
    if s["n_base_only_rows"] or s["n_compare_only_rows"]:
        reasons.append(f"{s['n_base_only_rows'] + s['n_compare_only_rows']} record(s) in one dataset only")
    if s["n_values_unequal"]:
        reasons.append(f"{s['n_values_unequal']} unequal value(s) in {s['n_vars_unequal']} variable(s)")
    return reasons


_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>COMPARE {{ s.base_name }} vs {{ s.compare_name }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left;font-family:monospace}
th{background:#eee}
.equal{color:#176b1e;font-weight:bold}.unequal{color:#a11;font-weight:bold}
</style></head><body>
<h1>Dataset compare</h1>
<p>Comparison of <b>{{ s.base_name }}</b> with <b>{{ s.compare_name }}</b> ({{ method }}).
Keys: {{ s.by_vars|join(", ") if s.by_vars else "observation number" }}.</p>
<p class="{{ 'equal' if s.equal else 'unequal' }}">{{ "EQUAL" if s.equal else "NOT EQUAL: " ~ reasons|join("; ") }}</p>
<h2>Data set summary</h2>
<table><tr><th>Dataset</th><th>NVar</th><th>NObs</th><th>Label</th></tr>
<tr><td>BASE</td><td>{{ s.base_nvars }}</td><td>{{ s.base_nobs }}</td><td>{{ s.base_label or "" }}</td></tr>
<tr><td>COMPARE</td><td>{{ s.compare_nvars }}</td><td>{{ s.compare_nobs }}</td><td>{{ s.compare_label or "" }}</td></tr></table>
<h2>Variables</h2>
<p>In common: {{ s.n_common_vars }}. In BASE only: {{ r.base_only_vars|join(", ") or "none" }}.
In COMPARE only: {{ r.compare_only_vars|join(", ") or "none" }}.</p>
{% if attrs %}<h3>Differing attributes</h3>
<table><tr><th>Variable</th><th>Attribute</th><th>Base</th><th>Compare</th></tr>
{% for a in attrs %}<tr><td>{{ a.variable }}</td><td>{{ a.attribute }}</td><td>{{ a.base }}</td><td>{{ a.compare }}</td></tr>
{% endfor %}</table>{% endif %}
<h2>Observations</h2>
<p>In common: {{ s.n_rows_compared }}. In BASE only: {{ s.n_base_only_rows }}. In COMPARE only: {{ s.n_compare_only_rows }}.
With some compared variables unequal: {{ s.n_rows_unequal }}.</p>
{% for title, rows in unmatched %}{% if rows %}<h3>{{ title }}</h3>
<table><tr>{% for c in rows[0].keys() %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for v in row.values() %}<td>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}{% endfor %}
<h2>Values</h2>
<table><tr><th>Variable</th><th>Type</th><th>N compared</th><th>N equal</th><th>% equal</th><th>N unequal</th><th>Max |diff|</th></tr>
{% for v in stats %}<tr><td>{{ v.variable }}</td><td>{{ v.type }}</td><td>{{ v.n_compared }}</td><td>{{ v.n_equal }}</td>
<td>{{ "%.4f"|format(v.pct_equal) }}</td><td>{{ v.n_unequal }}</td><td>{{ fmt(v.max_abs_diff) }}</td></tr>
{% endfor %}</table>
{% if diffs %}<h3>Listed differences</h3>
<table><tr>{% for c in diff_cols %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in diffs %}<tr>{% for c in diff_cols %}<td>{{ fmt(row[c]) }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
</body></html>
"""


def _report_html(result: CompareResult) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_HTML_TEMPLATE)
    limit = result.summary["max_listed"]

    def records(frame: pd.DataFrame) -> list[dict]:
        frame = frame if limit is None else frame.head(limit)
        return frame.to_dict("records")

    return template.render(
        s=result.summary, r=result, method=_method(result), reasons=_verdict_reasons(result),
        attrs=result.attribute_differences.to_dict("records"),
        unmatched=[("Records in BASE only", records(result.base_only_rows)),
                   ("Records in COMPARE only", records(result.compare_only_rows))],
        stats=result.variable_stats.to_dict("records"),
        diffs=result.differences.to_dict("records"), diff_cols=list(result.differences.columns),
        fmt=_fmt_value,
    )


# --------------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="derive compare",
        description="Compare two datasets (XPT, parquet, CSV, Dataset-JSON) like SAS PROC COMPARE. "
                    "Exit code 0: equal, 1: different, 2: the compare could not run.")
    p.add_argument("base", help="base (production) dataset file")
    p.add_argument("compare", help="compare (QC) dataset file")
    p.add_argument("--by", default="", help="comma-separated key variables, e.g. USUBJID,PARAMCD,AVISITN "
                                             "(none: match by observation number)")
    p.add_argument("--tolerance", type=float, default=0.0, help="numeric tolerance (default 0: exact)")
    p.add_argument("--relative", action="store_true", help="tolerance is relative to |base value|")
    p.add_argument("--html", metavar="OUT.html", help="also write an HTML report")
    p.add_argument("--max-listed", type=int, default=50, metavar="N",
                   help="differences listed per variable (default 50)")
    return p


def compare_main(argv: list[str] | None = None) -> int:
    """``derive compare BASE COMPARE --by K1,K2 [--tolerance T] [--relative] [--html F] [--max-listed N]``.

    Prints the text report; returns 0 when equal, 1 when not, 2 when the compare
    could not run (one line on stderr says why).
    """
    parser = _parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse already printed its message
        return 0 if exc.code == 0 else 2
    try:
        by_vars = [k.strip() for k in args.by.split(",") if k.strip()]
        if args.max_listed < 0:
            raise DerivationError("--max-listed must be >= 0", value=args.max_listed)
        base, bmeta = read_dataset(args.base)
        comp, cmeta = read_dataset(args.compare)
        result = compare_datasets(
            base, comp, by_vars=by_vars, tolerance=args.tolerance,
            tolerance_type="relative" if args.relative else "absolute",
            base_meta=bmeta, compare_meta=cmeta, max_listed=args.max_listed)
        sys.stdout.write(result.report_text())
        if args.html:
            Path(args.html).write_text(result.report_html(), encoding="utf-8")
    except DerivationError as exc:
        print(f"derive compare: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"derive compare: error: {exc}", file=sys.stderr)
        return 2
    return 0 if result.equal else 1


__all__ = ["CompareResult", "DuplicateKeyError", "compare_datasets", "compare_main", "TOLERANCE_TYPES"]
