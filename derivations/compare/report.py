"""The text report of a compare, laid out like SAS PROC COMPARE output.

Sections in PROC COMPARE's order: data set summary, variables summary (with the
attributes compared, ignored and differing), observation summary and unmatched
records, values comparison summary, summary statistics of the numeric differences,
and the unequal values of each variable with their keys. The closing NOTE keeps
value differences and attribute-only differences apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CompareResult

#: the columns of ``CompareResult.differences`` that are not key variables
NON_KEY_COLUMNS = ("variable", "compare_variable", "base", "compare", "diff")


def fmt_value(value: Any, width: int = 0) -> str:
    """A value as the report prints it: missing as ``.``, floats to 12 significant digits."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        text = "."
    elif isinstance(value, float):
        text = f"{value:.12g}"
    elif isinstance(value, pd.Timestamp):
        text = value.isoformat()
    else:
        text = str(value)
    return text.ljust(width) if width else text


def method_text(summary: dict) -> str:
    """``Method=EXACT`` or ``Method=RELATIVE, Criterion=1.00E-09`` (PROC COMPARE's heading)."""
    if not summary["tolerance"]:
        return "Method=EXACT"
    return f"Method={summary['tolerance_type'].upper()}, Criterion={summary['tolerance']:.2E}"


def pair_name(variable: str, compare_variable: str) -> str:
    """``AVAL`` or, for a VAR/WITH pair, ``AVAL/AVAL_QC``."""
    return variable if variable == compare_variable else f"{variable}/{compare_variable}"


def listing_limit(result: "CompareResult", max_listed: int | None) -> int | None:
    """The differences listed per variable: ``max_listed``, or when -1 the compare's own limit."""
    return result.summary["max_listed"] if max_listed == -1 else max_listed


def verdict_reasons(result: "CompareResult") -> list[str]:
    """Why the datasets differ, values first, then attributes (empty when equal)."""
    s = result.summary
    reasons = []
    if s["n_base_only_vars"] or s["n_compare_only_vars"]:
        reasons.append(f"{s['n_base_only_vars'] + s['n_compare_only_vars']} variable(s) in one dataset only")
    if s["n_conflicting_types"]:
        reasons.append(f"{s['n_conflicting_types']} variable(s) of conflicting types")
    if s["n_base_only_rows"] or s["n_compare_only_rows"]:
        reasons.append(f"{s['n_base_only_rows'] + s['n_compare_only_rows']} record(s) in one dataset only")
    if s["n_values_unequal"]:
        reasons.append(f"{s['n_values_unequal']} unequal value(s) in {s['n_vars_unequal']} variable(s)")
    if s.get("n_not_numbers"):
        reasons.append(f"{s['n_not_numbers']} text value(s) of numeric variables that are not numbers")
    reasons += attribute_reasons(result)
    return reasons


def attribute_reasons(result: "CompareResult") -> list[str]:
    """The attribute-only differences, e.g. ``['2 format difference(s)', 'dataset labels differ']``."""
    s = result.summary
    out = []
    attrs = result.attribute_differences
    for attribute in ("length", "label", "format"):
        n = int((attrs["attribute"] == attribute).sum())
        if n:
            out.append(f"{n} {attribute} difference(s)")
    if s["dataset_label_differs"]:
        out.append("dataset labels differ")
    return out


def _table(headers: list[str], rows: list[list[Any]], indent: int = 2) -> list[str]:
    cells = [[fmt_value(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    pad = " " * indent
    out = [pad + "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    out.append(pad + "  ".join("-" * w for w in widths))
    out += [pad + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return out


def report_text(result: "CompareResult", max_listed: int | None = -1) -> str:
    """The PROC COMPARE-style report of ``result``; ``max_listed`` differences listed per variable
    (-1: the limit the compare ran with; ``None``: all)."""
    s = result.summary
    limit = listing_limit(result, max_listed)
    lines = ["The COMPARE Procedure",
             f"Comparison of {s['base_name']} with {s['compare_name']}",
             f"({method_text(s)})", "",
             "Data Set Summary", ""]
    lines += _table(["Dataset", "NVar", "NObs", "Label"], [
        ["BASE", s["base_nvars"], s["base_nobs"], s["base_label"] or ""],
        ["COMPARE", s["compare_nvars"], s["compare_nobs"], s["compare_label"] or ""],
    ])
    if s["dataset_label_differs"]:
        lines.append("  NOTE: the dataset labels differ.")
    lines += ["", "Variables Summary", "",
              f"  Number of Variables in Common: {s['n_common_vars']}."]
    if s["variables_selected"]:
        pairs = [pair_name(v, w) for v, w in zip(result.variable_stats["variable"],
                                                 result.variable_stats["compare_variable"])]
        lines.append(f"  Variables compared (VAR/WITH): {s['n_vars_compared'] + s['n_conflicting_types']}."
                     + (f"  ({', '.join(pairs)})" if pairs else ""))
    else:
        lines += [f"  Number of Variables in BASE but not in COMPARE: {s['n_base_only_vars']}."
                  + (f"  ({', '.join(result.base_only_vars)})" if result.base_only_vars else ""),
                  f"  Number of Variables in COMPARE but not in BASE: {s['n_compare_only_vars']}."
                  + (f"  ({', '.join(result.compare_only_vars)})" if result.compare_only_vars else "")]
    lines += [f"  Number of Variables with Conflicting Types: {s['n_conflicting_types']}.",
              f"  Number of Variables with Differing Attributes: {s['n_vars_differing_attributes']}.",
              f"  Number of ID Variables: {len(result.by_vars)}."
              + (f"  ({', '.join(result.by_vars)})" if result.by_vars else "  (records matched by observation number)")]
    from .engine import ATTRIBUTES

    skipped = [a for a in ATTRIBUTES if a not in s["attributes_compared"] and a not in s["attributes_ignored"]]
    if skipped:
        lines.append(f"  Attributes not compared (not carried by both files): {', '.join(skipped)}.")
    if s["attributes_ignored"]:
        lines.append(f"  Attributes ignored (--ignore): {', '.join(s['attributes_ignored'])}.")
    if s.get("text_as_numbers"):
        lines.append("  Text variables (CSV) compared as numbers, numeric in the other dataset or the spec: "
                     f"{', '.join(s['text_as_numbers'])}.")
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
    for title, frame in (("BASE but not in COMPARE", result.base_only_rows),
                         ("COMPARE but not in BASE", result.compare_only_rows)):
        if len(frame):
            shown = frame if limit is None else frame.head(limit)
            lines += ["", f"Observations in {title}"
                      + (f" (first {len(shown)} of {len(frame)})" if len(shown) < len(frame) else ""), ""]
            lines += _table(list(map(str, frame.columns)), shown.values.tolist())
    if len(result.not_numbers):
        frame = result.not_numbers
        shown = frame if limit is None else frame.head(limit)
        lines += ["", "Text Values of Numeric Variables that are Not Numbers"
                  + (f" (first {len(shown)} of {len(frame)})" if len(shown) < len(frame) else ""), ""]
        lines += _table(list(map(str, frame.columns)), shown.values.tolist())
    lines += ["", "Values Comparison Summary", "",
              f"  Number of Variables Compared with All Observations Equal: "
              f"{s['n_vars_compared'] - s['n_vars_unequal']}.",
              f"  Number of Variables Compared with Some Observations Unequal: {s['n_vars_unequal']}.",
              f"  Total Number of Values which Compare Unequal: {s['n_values_unequal']}."]
    if s["max_abs_diff"] is not None and s["n_values_unequal"]:
        lines.append(f"  Maximum Difference: {s['max_abs_diff']:.6g}.")
    vs = result.variable_stats
    numeric = vs[(vs["type"] == "num") & vs["max_abs_diff"].notna()]
    if len(numeric) and (numeric["max_abs_diff"] > 0).any():
        lines += ["", "Summary Statistics of Numeric Differences (records with both values present)", ""]
        lines += _table(["Variable", "MaxAbsDif", "MaxRelDif", "MeanDif"],
                        [[pair_name(r.variable, r.compare_variable), r.max_abs_diff, r.max_rel_diff, r.mean_diff]
                         for r in numeric.itertuples()])  # report rows
    uneq = vs[vs["n_unequal"] > 0]
    if len(uneq):
        lines += ["", "Variables with Unequal Values", ""]
        lines += _table(["Variable", "Type", "Ndif", "PctEqual", "MaxDif", "MaxRelDif"],
                        [[pair_name(r.variable, r.compare_variable), r.type.upper(), r.n_unequal,
                          f"{r.pct_equal:.4f}", r.max_abs_diff, r.max_rel_diff]
                         for r in uneq.itertuples()])  # report rows
        lines += ["", "Value Comparison Results for Variables"]
        keys = [c for c in result.differences.columns if c not in NON_KEY_COLUMNS]
        for var, with_var, n in zip(uneq["variable"], uneq["compare_variable"], uneq["n_unequal"]):
            diffs = result.differences
            part = diffs[(diffs["variable"] == var) & (diffs["compare_variable"] == with_var)]
            if limit is not None:
                part = part.head(limit)
            lines += ["", "_" * 72, f"  Variable {pair_name(var, with_var)}: {n} unequal value(s)"
                      + (f", first {len(part)} listed" if len(part) < n else ""), ""]
            rows = []
            for d in part.to_dict("records"):  # report rows (listed differences)
                diff = d["diff"]
                pct = (100.0 * diff / d["base"]
                       if isinstance(diff, float) and np.isfinite(diff) and isinstance(d["base"], (int, float))
                       and d["base"] not in (0, 0.0) else None)
                rows.append([*(d[k] for k in keys), d["base"], d["compare"],
                             diff if isinstance(diff, float) and np.isfinite(diff) else None, pct])
            lines += _table([*keys, "Base Value", "Compare Value", "Diff.", "% Diff"], rows)
    lines.append("")
    exactly = "exactly equal" if not s["tolerance"] else "equal within the criterion"
    if result.equal:
        lines.append(f"NOTE: No unequal values were found. All values compared are {exactly}.")
    elif result.values_equal:
        lines.append(f"NOTE: All values compared are {exactly}; the datasets differ in attributes only: "
                     + "; ".join(attribute_reasons(result))
                     + ". (--ignore formats,labels,lengths compares values alone.)")
    else:
        lines.append("NOTE: The datasets differ: " + "; ".join(verdict_reasons(result)) + ".")
    return "\n".join(lines) + "\n"


__all__ = ["report_text", "fmt_value", "method_text", "verdict_reasons", "attribute_reasons", "pair_name"]
