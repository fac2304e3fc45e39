"""The analysis results data as a CDISC Analysis Results Standard (ARS 1.0) reporting event (JSON).

From the ARD rows (one per statistic, :mod:`.ard`) and the outputs that show them,
:func:`reporting_event` builds the ARS logical model:

- ``analysisSets``: one per population filter (``SAFFL == 'Y'`` -> ``ADSL.SAFFL EQ Y``);
- ``dataSubsets``: one per record filter of an analysis (``TRTEMFL == 'Y' and AREL == 'RELATED'``
  -> an AND of two conditions on the analysis dataset);
- ``analysisGroupings`` (subject-level: treatment, age group ...) and ``dataGroupings``
  (record-level: SOC, PT, grade band, parameter), data-driven, with the group value on each result;
- ``methods``: the statistical methods used (counts and percentages, descriptive statistics,
  Clopper-Pearson, Kaplan-Meier, Cox / log-rank, risk difference / odds ratio), each operation a
  statistic with its result pattern;
- ``analyses``: one per ARD ``analysis_id``: dataset, variable, method, analysis set, data subset,
  ordered groupings and every result (raw and formatted value, with its groups);
- ``outputs``: each table, listing and figure with its files and its title and footnotes as
  display sections; ``mainListOfContents`` lists the outputs with their analyses.

Where clauses are read from the pandas query text with :mod:`ast` (``==``, ``!=``, ``<``, ``<=``,
``>``, ``>=``, ``in``, ``not in``, ``and``, ``or``, ``not``); a filter outside that grammar is kept
as the label of its set or subset, without a condition, rather than guessed.

>>> where_clause("SAFFL == 'Y'", "ADSL")
{'condition': {'dataset': 'ADSL', 'variable': 'SAFFL', 'comparator': 'EQ', 'value': ['Y']}}
>>> where_clause("TRTEMFL == 'Y' and AREL in ['RELATED']", "ADAE")["compoundExpression"]["logicalOperator"]
'AND'
"""

from __future__ import annotations

import ast
import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..findings import DerivationError

PURPOSES = ("PRIMARY OUTCOME MEASURE", "SECONDARY OUTCOME MEASURE", "EXPLORATORY OUTCOME MEASURE")
REASONS = ("SPECIFIED IN PROTOCOL", "SPECIFIED IN SAP", "DATA DRIVEN", "REQUESTED BY REGULATORY AGENCY")
_COMPARATORS = {ast.Eq: "EQ", ast.NotEq: "NE", ast.Gt: "GT", ast.GtE: "GE", ast.Lt: "LT", ast.LtE: "LE",
                ast.In: "IN", ast.NotIn: "NOTIN"}


# --------------------------------------------------------------------------- where clauses


def _value(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        return [_text(node.value)]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out = [_value(e) for e in node.elts]
        return None if any(v is None for v in out) else [v[0] for v in out]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return [_text(-node.operand.value)]
    return None


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _clause(node: ast.AST, dataset: str) -> dict | None:
    if isinstance(node, ast.BoolOp):
        parts = [_clause(v, dataset) for v in node.values]
        if any(p is None for p in parts):
            return None
        op = "AND" if isinstance(node.op, ast.And) else "OR"
        return {"compoundExpression": {"logicalOperator": op, "whereClauses": [
            {"level": 1, "order": k + 1, **p} for k, p in enumerate(parts)]}}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _clause(node.operand, dataset)
        if inner is None:
            return None
        return {"compoundExpression": {"logicalOperator": "NOT", "whereClauses": [{"level": 1, "order": 1, **inner}]}}
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name):
        comp = _COMPARATORS.get(type(node.ops[0]))
        value = _value(node.comparators[0])
        if comp is None or value is None:
            return None
        if comp in ("IN", "NOTIN") and not isinstance(node.comparators[0], (ast.List, ast.Tuple, ast.Set)):
            return None
        return {"condition": {"dataset": dataset, "variable": node.left.id, "comparator": comp, "value": value}}
    return None


def where_clause(text: str, dataset: str) -> dict | None:
    """The ARS where clause (``condition`` or ``compoundExpression``) of a pandas query text, or None
    when the text is outside the grammar the module docstring gives."""
    if not text or not text.strip():
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None
    return _clause(tree.body, dataset)


# --------------------------------------------------------------------------- methods


@dataclass(frozen=True)
class ArsMethod:
    """A statistical method: the statistics (ARD ``stat_name`` patterns) its operations produce, each
    with a result pattern and the digits of its formatted value."""

    id: str
    name: str
    description: str
    operations: tuple[tuple[str, str, str, int], ...]  # (stat regex, operation label, result pattern, digits)

    def matches(self, stats: Sequence[str]) -> bool:
        return all(any(re.fullmatch(p, s) for p, *_ in self.operations) for s in stats)

    def operation(self, stat: str) -> tuple[str, str, str, int]:
        return next(op for op in self.operations if re.fullmatch(op[0], stat))


#: the methods of derivations.tlf.ard, most specific first
METHODS: tuple[ArsMethod, ...] = (
    ArsMethod("MTH_COUNT_PCT", "Count and percentage",
              "Number of distinct subjects (n), subjects in the analysis set of the column (N), 100 n / N.",
              (("n", "n", "XX", 0), ("N", "N", "XX", 0), ("pct", "%", "(XX.X%)", 1))),
    ArsMethod("MTH_SUMMARY", "Descriptive statistics",
              "n, mean, standard deviation, median, quartiles (SAS QNTLDEF=5), minimum and maximum.",
              (("n", "n", "XX", 0), ("mean", "Mean", "XX.X", 1), ("sd", "SD", "(XX.XX)", 2),
               ("median", "Median", "XX.X", 1), ("q1", "Q1", "XX.X", 1), ("q3", "Q3", "XX.X", 1),
               ("min", "Min", "XX.X", 1), ("max", "Max", "XX.X", 1))),
    ArsMethod("MTH_PROP_CI", "Proportion with exact confidence interval",
              "Responders (n) of N subjects, 100 n / N, exact Clopper-Pearson confidence interval.",
              (("n", "n", "XX", 0), ("N", "N", "XX", 0), ("pct", "%", "XX.X", 1),
               ("ci_lower", "CI lower limit", "(XX.X,", 1), ("ci_upper", "CI upper limit", "XX.X)", 1))),
    ArsMethod("MTH_KM", "Kaplan-Meier estimates",
              "Kaplan-Meier median (SAS rule) with its confidence interval, events, censored, event-free rates "
              "with log-log transformed Greenwood confidence intervals.",
              (("N", "N", "XX", 0), ("events", "Events", "XX", 0), ("censored", "Censored", "XX", 0),
               ("km_median", "Median", "XX.XX", 2), ("km_median_ci_lower", "Median CI lower limit", "(XX.XX,", 2),
               ("km_median_ci_upper", "Median CI upper limit", "XX.XX)", 2),
               (r"rate_[0-9.]+[dwmy]", "Event-free rate (%)", "XX.X", 1),
               (r"rate_[0-9.]+[dwmy]_ci_lower", "Rate CI lower limit", "(XX.X,", 1),
               (r"rate_[0-9.]+[dwmy]_ci_upper", "Rate CI upper limit", "XX.X)", 1))),
    ArsMethod("MTH_COX_LOGRANK", "Cox proportional hazards and log-rank test",
              "Hazard ratio of each arm against the reference arm (Cox model, Breslow ties) with its Wald "
              "confidence interval and p-value; log-rank p-values.",
              (("hr", "Hazard ratio", "XX.XX", 2), ("hr_ci_lower", "HR CI lower limit", "(XX.XX,", 2),
               ("hr_ci_upper", "HR CI upper limit", "XX.XX)", 2), ("p_wald", "p-value (Wald)", "X.XXXX", 4),
               ("p_logrank", "p-value (log-rank)", "X.XXXX", 4))),
    ArsMethod("MTH_RD_OR", "Risk difference and odds ratio",
              "Risk difference against the reference arm with its Wald confidence interval; odds ratio with its "
              "Woolf (log scale) confidence interval.",
              (("rd", "Risk difference (%)", "XX.X", 1), ("rd_ci_lower", "RD CI lower limit", "(XX.X,", 1),
               ("rd_ci_upper", "RD CI upper limit", "XX.X)", 1), ("or", "Odds ratio", "XX.XX", 2),
               ("or_ci_lower", "OR CI lower limit", "(XX.XX,", 2), ("or_ci_upper", "OR CI upper limit", "XX.XX)", 2))),
)


def method_for(stats: Sequence[str], methods: Sequence[ArsMethod] = METHODS) -> ArsMethod:
    """The first method whose operations produce all of ``stats``; raises when none does.

    >>> method_for(["n", "N", "pct"]).id, method_for(["n", "N", "pct", "ci_lower", "ci_upper"]).id
    ('MTH_COUNT_PCT', 'MTH_PROP_CI')
    """
    for m in methods:
        if m.matches(stats):
            return m
    raise DerivationError(f"no ARS method produces the statistics {sorted(set(stats))}",
                          hint="add an ArsMethod to derivations.tlf.ars.METHODS (or pass methods=)")


# --------------------------------------------------------------------------- reporting event


@dataclass(frozen=True)
class ArsOutput:
    """An output of the reporting event: number, title, the ARD analyses it shows, its files
    (``{"RTF": "t_ae.rtf", ...}``), footnotes, the program that made it, and the purpose and
    reason of its analyses (ARS terms; another purpose becomes a sponsor term)."""

    output_id: str
    title: str
    analyses: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    footnotes: tuple[str, ...] = ()
    program: str = ""
    purpose: str = "SECONDARY OUTCOME MEASURE"
    reason: str = "SPECIFIED IN SAP"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_").upper() or "X"


def _raw(value: float) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def _formatted(value: float, digits: int) -> str:
    return _rule(digits).format({"x": value})


@functools.lru_cache(maxsize=None)
def _rule(digits: int):
    from .render import FormatRule

    return FormatRule("x", f"{{x:.{digits}f}}")


def _term(kind: str, value: str, allowed: Sequence[str], extensions: dict) -> dict:
    if value in allowed:
        return {"controlledTerm": value}
    term_id = f"{kind}_{_slug(value)}"
    ext = extensions.setdefault(kind, {"id": f"EXT_{kind}", "enumeration": kind, "sponsorTerms": []})
    if all(t["id"] != term_id for t in ext["sponsorTerms"]):
        ext["sponsorTerms"].append({"id": term_id, "submissionValue": value})
    return {"sponsorTermId": term_id}


SUBJECT_LEVEL = {"ADSL"}
#: column variables that are treatments (groupings of ADSL subjects); others group the analysis dataset
TREATMENT_VAR = re.compile(r"TRT\d\d[PA]N?|TRT[PA]N?|ARMN?|ARMCD|ACTARMN?|ACTARMCD")
#: ARD group variables that name a kind of row, not a dataset variable
PSEUDO_GROUPS = {"ANY", "RESPONSE", "HR", "COMPARISON", "CATEGORY"}


def reporting_event(
    ard: pd.DataFrame,
    outputs: Sequence[ArsOutput],
    *,
    event_id: str,
    name: str,
    description: str = "",
    population_dataset: str = "ADSL",
    population_labels: Mapping[str, str] | None = None,
    filters: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    methods: Sequence[ArsMethod] = METHODS,
) -> dict:
    """The ARS reporting event (a JSON-ready dict) of ``ard`` (all outputs' ARD rows) and ``outputs``.

    ``population_labels`` names the analysis sets (``{"SAFFL == 'Y'": "Safety population"}``);
    ``filters`` gives each analysis's record filter (``{analysis_id: "TRTEMFL == 'Y'"}``, default: the
    ARD's ``filter`` column when present); ``variables`` the analysed variable of an analysis
    (default: its ``group_var`` when there is one). Every ARD analysis must be shown by an output.
    """
    need = {"analysis_id", "dataset", "population", "group_var", "group_value", "column_var", "column_value",
            "parent_value", "grade_band", "stat_name", "stat_value"}
    missing = need - set(ard.columns)
    if missing:
        raise DerivationError(f"ARD lacks column(s) {sorted(missing)}", hint="pass the rows of compute_ard_*")
    labels = dict(population_labels or {})
    filters = dict(filters or {})
    variables = dict(variables or {})
    shown = {a: o for o in outputs for a in o.analyses}
    orphans = sorted(set(ard["analysis_id"]) - set(shown))
    if orphans:
        raise DerivationError(f"ARD analyses shown by no output: {orphans[:5]}",
                              hint="list every analysis_id in the analyses of the output that shows it")
    unknown = sorted(set(shown) - set(ard["analysis_id"]))
    if unknown:
        raise DerivationError(f"outputs name analyses that are not in the ARD: {unknown[:5]}")
    extensions: dict[str, dict] = {}

    # analysis sets: one per population text
    sets, set_id = [], {}
    for k, pop in enumerate(dict.fromkeys(ard["population"].astype(str))):
        sid = f"AS_{k + 1:02d}"
        set_id[pop] = sid
        entry = {"id": sid, "label": labels.get(pop, pop or "All subjects"), "level": 1, "order": k + 1}
        clause = where_clause(pop, population_dataset)
        if clause:
            entry.update(clause)
        sets.append(entry)

    # groupings: the column variable and every group variable, subject- or record-level
    subject_groupings: dict[str, dict] = {}
    data_groupings: dict[str, dict] = {}

    def grouping(var: str, dataset: str, label: str | None = None, *, is_variable: bool = True) -> str:
        gid = f"GRP_{_slug(dataset)}_{_slug(var)}"
        target = subject_groupings if dataset in SUBJECT_LEVEL or dataset == population_dataset else data_groupings
        if gid not in target:
            target[gid] = {"id": gid, "label": label or f"{dataset}.{var}", "dataDriven": True}
            if is_variable:
                target[gid].update(groupingDataset=dataset, groupingVariable=var)
        return gid

    analyses, subsets, subset_id, used_methods = [], [], {}, {}
    op_ids: dict[tuple[str, str], str] = {}
    for aid, rows in ard.groupby("analysis_id", sort=False):
        dataset = str(rows["dataset"].iloc[0])
        stats = list(dict.fromkeys(rows["stat_name"]))
        method = method_for(stats, methods)
        used_methods[method.id] = method
        output = shown[aid]
        entry: dict[str, Any] = {
            "id": f"AN_{_slug(aid)}", "name": str(aid), "version": 1,
            "reason": _term("AnalysisReasonEnum", output.reason, REASONS, extensions),
            "purpose": _term("AnalysisPurposeEnum", output.purpose, PURPOSES, extensions),
            "dataset": dataset, "methodId": method.id,
            "analysisSetId": set_id[str(rows["population"].iloc[0])],
        }
        group_vars = [g for g in dict.fromkeys(rows["group_var"].astype(str)) if g]
        real_vars = [g for g in group_vars if g not in PSEUDO_GROUPS]
        analysed = rows["group_var"].astype(str) == rows["group_value"].astype(str)  # continuous: the variable
        variable = variables.get(aid) or (real_vars[-1] if real_vars else "")
        if variable:
            entry["variable"] = variable
        where = filters.get(aid)
        if where is None and "filter" in rows.columns:
            where = str(rows["filter"].iloc[0] or "")
        if where:
            if where not in subset_id:
                sub = {"id": f"DS_{len(subset_id) + 1:02d}", "label": where, "level": 1,
                       "order": len(subset_id) + 1}
                clause = where_clause(where, dataset)
                if clause:
                    sub.update(clause)
                subset_id[where] = sub["id"]
                subsets.append(sub)
            entry["dataSubsetId"] = subset_id[where]
        if output.program:
            entry["programmingCode"] = {"context": "Python (derivations)", "documentRef": {
                "referenceDocumentId": f"RD_{_slug(output.program)}"}}
        # the parent of hierarchical rows (a PT's SOC) is the first real grouping without a parent
        parents = rows["parent_value"].astype(str) != ""
        top = [g for g in dict.fromkeys(rows.loc[~parents, "group_var"].astype(str)) if g in real_vars]
        parent_var = top[0] if top else ""
        results, used = [], []
        flags = analysed.to_numpy()
        for rec, is_analysed in zip(rows.itertuples(index=False), flags):  # report: one per statistic
            stat = rec.stat_name
            op = method.operation(stat)
            op_id = f"{method.id}_{stat}"
            op_ids[(method.id, op_id)] = stat
            groups = []  # (rank, grouping, value): treatment, parent (SOC), row variable, grade band
            if rec.column_var:
                var = str(rec.column_var)
                if TREATMENT_VAR.fullmatch(var):  # a treatment: a subject-level grouping of ADSL
                    gid = grouping(var, population_dataset, f"Treatment ({var})")
                else:
                    gid = grouping(var, dataset)
                groups.append((0, gid, str(rec.column_value)))
            if rec.parent_value and parent_var:
                groups.append((1, grouping(parent_var, dataset), str(rec.parent_value)))
            if rec.group_var and rec.group_var not in PSEUDO_GROUPS and not is_analysed:
                groups.append((2, grouping(str(rec.group_var), dataset), str(rec.group_value)))
            if rec.grade_band:
                groups.append((3, grouping("GRADE_BAND", dataset, "Grade band (toxicity grades counted)",
                                           is_variable=False), str(rec.grade_band)))
            res: dict[str, Any] = {"operationId": op_id}
            if groups:
                res["resultGroups"] = [{"groupingId": g, "groupValue": v} for _, g, v in groups]
                used += [(r, g) for r, g, _ in groups if (r, g) not in used]
            raw = _raw(rec.stat_value)
            if raw is not None:
                res["rawValue"] = raw
            res["formattedValue"] = _formatted(rec.stat_value, op[3])
            results.append(res)
        if used:
            entry["orderedGroupings"] = [{"order": k + 1, "groupingId": gid, "resultsByGroup": True}
                                         for k, (_, gid) in enumerate(sorted(used, key=lambda u: u[0]))]
        entry["results"] = results
        analyses.append(entry)

    method_list = []
    for m in used_methods.values():
        ops = []
        for k, (pattern, label, result_pattern, _digits) in enumerate(m.operations):
            for (mid, op_id), stat in op_ids.items():
                if mid == m.id and re.fullmatch(pattern, stat) and all(o["id"] != op_id for o in ops):
                    ops.append({"id": op_id, "name": stat, "label": label, "order": len(ops) + 1,
                                "resultPattern": result_pattern})
        method_list.append({"id": m.id, "name": m.name, "description": m.description, "operations": ops})

    out_list, items, docs = [], [], {}
    for k, o in enumerate(outputs):
        oid = f"OUT_{_slug(o.output_id)}"
        sections = [{"sectionType": "Title", "orderedSubSections": [
            {"order": 1, "subSection": {"id": f"{oid}_TITLE", "text": f"{o.output_id} {o.title}".strip()}}]}]
        if o.footnotes:
            sections.append({"sectionType": "Footnote", "orderedSubSections": [
                {"order": j + 1, "subSection": {"id": f"{oid}_FN{j + 1}", "text": f}} for j, f in enumerate(o.footnotes)]})
        entry = {"id": oid, "name": f"{o.output_id} {o.title}".strip(), "version": 1,
                 "fileSpecifications": [
                     {"name": f, "fileType": _term("OutputFileTypeEnum", kind.lower(), ("pdf", "rtf", "txt"), extensions),
                      "location": f} for kind, f in o.files.items()],
                 "displays": [{"order": 1, "display": {"id": f"{oid}_D1", "name": o.output_id, "version": 1,
                                                       "displayTitle": o.title, "displaySections": sections}}]}
        if o.program:
            rid = f"RD_{_slug(o.program)}"
            docs[rid] = {"id": rid, "name": o.program, "location": o.program}
            entry["programmingCode"] = {"context": "Python (derivations)", "documentRef": {"referenceDocumentId": rid}}
        out_list.append(entry)
        items.append({"name": entry["name"], "level": 1, "order": k + 1, "outputId": oid,
                      "sublist": {"listItems": [{"name": a, "level": 2, "order": j + 1, "analysisId": f"AN_{_slug(a)}"}
                                                for j, a in enumerate(o.analyses)]}})

    event: dict[str, Any] = {"id": event_id, "name": name, "version": 1}
    if description:
        event["description"] = description
    event["mainListOfContents"] = {"name": "Tables, listings and figures", "contentsList": {"listItems": items}}
    if extensions:
        event["terminologyExtensions"] = list(extensions.values())
    if docs:
        event["referenceDocuments"] = list(docs.values())
    event["analysisSets"] = sets
    if subsets:
        event["dataSubsets"] = subsets
    if subject_groupings:
        event["analysisGroupings"] = list(subject_groupings.values())
    if data_groupings:
        event["dataGroupings"] = list(data_groupings.values())
    event["methods"] = method_list
    event["analyses"] = analyses
    event["outputs"] = out_list
    return event


def write_reporting_event(event: Mapping, path: str | Path) -> Path:
    """Write the reporting event as UTF-8 JSON (2-space indent, key order as built: byte-identical reruns)."""
    path = Path(path)
    text = json.dumps(event, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


__all__ = ["ArsMethod", "ArsOutput", "METHODS", "PURPOSES", "REASONS", "method_for", "reporting_event",
           "where_clause", "write_reporting_event"]
