"""Table model, format rules and Jinja2 rendering to RTF and HTML.

A :class:`Table` (title, column headers, rows of label + cells, footnotes) is
built from an ARD by :func:`build_table`, with one :class:`RowSpec` per display
row and one :class:`ColumnSpec` per display column: the cell shows the ARD
statistics that match both selections, formatted by a :class:`FormatRule`
(rules are data, see :data:`FORMAT_RULES`). :func:`render_rtf` and
:func:`render_html` turn a table into text; both are deterministic (the run
date is passed in, never read from the clock).

Example
-------
>>> import pandas as pd
>>> from derivations.tlf.ard import compute_ard_proportion_ci
>>> adrs = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(29)],
...                      "AVALC": ["PR"] * 9 + ["SD"] * 16 + ["PD"] * 4})
>>> ard = compute_ard_proportion_ci(adrs, analysis_id="ORR", response="AVALC in ['CR', 'PR']")
>>> table = build_table(ard, title="Objective response",
...     rows=[RowSpec("ORR, n (%)", {"analysis_id": "ORR"}, "n_pct"),
...           RowSpec("95% CI (Clopper-Pearson)", {"analysis_id": "ORR"}, "ci", indent=1)],
...     columns=columns_from_ard(ard, labels={"Total": "Anlotinib + PD-1"}))
>>> [r.cells for r in table.rows]
[['9 (31.0%)'], ['(15.3, 50.8)']]
>>> table.columns
['', 'Anlotinib + PD-1\\n(N=29)']
>>> render_rtf(table, run_date="2022-07-04").startswith("{\\\\rtf1")
True
"""

from __future__ import annotations

import functools
import math
import re
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2
import pandas as pd

from ..findings import DerivationError

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class FormatRule:
    """How one cell shows statistics: a ``str.format`` template over stat names.

    ``{pct:.1f}`` rounds half away from zero (as SAS does), not half-to-even;
    a missing statistic prints ``missing`` (``NE``, not estimable); when the
    ``zero_stat`` is 0 the cell shows ``zero_text`` (``0`` instead of ``0 (0.0%)``).

    >>> print(FORMAT_RULES["n_pct"])
    n_pct: '{n:.0f} ({pct:.1f}%)' (missing 'NE', 0 when n = 0)
    >>> FORMAT_RULES["n_pct"].format({"n": 9, "pct": 31.0344827})
    '9 (31.0%)'
    >>> FORMAT_RULES["km_median_ci"].format({"km_median": 5.333, "km_median_ci_lower": 4.28,
    ...                                       "km_median_ci_upper": float("nan")})
    '5.33 (4.28, NE)'
    >>> FORMAT_RULES["mean_sd"].format({"mean": 2.25, "sd": 0.125})
    '2.3 (0.13)'
    """

    name: str
    template: str
    missing: str = "NE"
    zero_stat: str | None = None
    zero_text: str = "0"

    def __str__(self) -> str:
        zero = f", {self.zero_text} when {self.zero_stat} = 0" if self.zero_stat else ""
        return f"{self.name}: {self.template!r} (missing {self.missing!r}{zero})"

    @property
    def stat_names(self) -> list[str]:
        return [f for _, f, _, _ in string.Formatter().parse(self.template) if f]

    def format(self, stats: Mapping[str, float]) -> str:
        if self.zero_stat and self.zero_stat in stats and stats[self.zero_stat] == 0:
            return self.zero_text
        return _StatFormatter(self.missing).vformat(self.template, (), dict(stats))


class _StatFormatter(string.Formatter):
    def __init__(self, missing: str) -> None:
        self.missing = missing

    def get_value(self, key, args, kwargs):
        return kwargs.get(key, float("nan"))

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.missing
        if format_spec.startswith(".") and format_spec.endswith("f") and isinstance(value, (int, float)):
            digits = int(format_spec[1:-1])
            quantum = Decimal(1).scaleb(-digits)
            rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
            if rounded == 0:
                rounded = abs(rounded)  # no "-0.0"
            return f"{rounded:.{digits}f}"
        return super().format_field(value, format_spec)


def _rules(*rules: FormatRule) -> dict[str, FormatRule]:
    return {r.name: r for r in rules}


#: the display formats, by name; extend with ``{**FORMAT_RULES, "x": FormatRule(...)}``
FORMAT_RULES: dict[str, FormatRule] = _rules(
    FormatRule("n", "{n:.0f}"),
    FormatRule("n_pct", "{n:.0f} ({pct:.1f}%)", zero_stat="n"),
    FormatRule("n_N_pct", "{n:.0f}/{N:.0f} ({pct:.1f}%)"),
    FormatRule("pct", "{pct:.1f}"),
    FormatRule("ci", "({ci_lower:.1f}, {ci_upper:.1f})"),
    FormatRule("pct_ci", "{pct:.1f} ({ci_lower:.1f}, {ci_upper:.1f})"),
    FormatRule("mean_sd", "{mean:.1f} ({sd:.2f})"),
    FormatRule("median", "{median:.1f}"),
    FormatRule("q1_q3", "{q1:.1f}, {q3:.1f}"),
    FormatRule("min_max", "{min:.1f}, {max:.1f}"),
    FormatRule("N", "{N:.0f}"),
    FormatRule("events", "{events:.0f}"),
    FormatRule("censored", "{censored:.0f}"),
    FormatRule("km_median_ci", "{km_median:.2f} ({km_median_ci_lower:.2f}, {km_median_ci_upper:.2f})"),
    FormatRule("km_median", "{km_median:.2f}"),
)


def rate_rule(stat: str, digits: int = 1) -> FormatRule:
    """Format rule for a KM rate and its CI, e.g. ``rate_rule("rate_6m")``.

    >>> rate_rule("rate_6m").format({"rate_6m": 41.379, "rate_6m_ci_lower": 23.5, "rate_6m_ci_upper": 58.4})
    '41.4 (23.5, 58.4)'
    """
    f = f".{digits}f"
    return FormatRule(stat, f"{{{stat}:{f}}} ({{{stat}_ci_lower:{f}}}, {{{stat}_ci_upper:{f}}})")


def _rule(rule: str | FormatRule | None) -> FormatRule | None:
    if rule is None or isinstance(rule, FormatRule):
        return rule
    if rule not in FORMAT_RULES:
        raise DerivationError(f"unknown format rule {rule!r}", value=rule,
                              hint=f"use one of {', '.join(FORMAT_RULES)} or pass a FormatRule")
    return FORMAT_RULES[rule]


# --------------------------------------------------------------------------- table model


@dataclass
class Row:
    """One display row: a label (indented ``indent`` levels) and one text per data column."""

    label: str
    cells: list[str]
    indent: int = 0
    bold: bool = False


PAPER = {"letter": (12240, 15840), "a4": (11906, 16838)}  # twips (1/1440 inch), portrait


@dataclass
class Table:
    """A display table; ``columns[0]`` heads the row-label column.

    Headers may hold ``"\\n"`` for a line break. ``column_widths`` are relative
    weights (default: label column 2.5 x the others).
    """

    title: str
    columns: list[str]
    rows: list[Row]
    subtitle: str = ""
    table_id: str = ""
    footnotes: list[str] = field(default_factory=list)
    source: str = ""
    program: str = ""
    orientation: str = "portrait"
    paper: str = "letter"
    column_widths: list[float] | None = None
    study: str = ""

    def __post_init__(self) -> None:
        ncol = len(self.columns) - 1
        bad = [r.label for r in self.rows if len(r.cells) != ncol]
        if bad:
            raise DerivationError(f"row(s) {bad[:3]} do not have {ncol} cell(s)",
                                  hint="give every row one cell per data column")
        if self.orientation not in ("portrait", "landscape"):
            raise DerivationError("orientation must be 'portrait' or 'landscape'", value=self.orientation)
        if self.paper not in PAPER:
            raise DerivationError("unknown paper size", value=self.paper, hint=f"use one of {list(PAPER)}")

    @property
    def full_title(self) -> str:
        return f"{self.table_id} {self.title}".strip()

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (label column with indentation spaces)."""
        labels = ["  " * r.indent + r.label for r in self.rows]
        data = [r.cells for r in self.rows]
        return pd.DataFrame(data, columns=self.columns[1:]).assign(**{"": labels})[[""] + self.columns[1:]]


@dataclass(frozen=True)
class RowSpec:
    """A display row: ARD selection (column=value), format rule (None = label-only row)."""

    label: str
    select: Mapping[str, Any] = field(default_factory=dict)
    rule: str | FormatRule | None = None
    indent: int = 0
    bold: bool = False


@dataclass(frozen=True)
class ColumnSpec:
    """A display column: header text and the ARD selection of its cells."""

    header: str
    select: Mapping[str, Any] = field(default_factory=dict)


def _match(ard: pd.DataFrame, select: Mapping[str, Any]) -> pd.DataFrame:
    mask = pd.Series(True, index=ard.index)
    for col, value in select.items():
        if col not in ard.columns:
            raise DerivationError(f"ARD has no column {col!r}", variable=col,
                                  hint=f"ARD columns: {', '.join(ard.columns)}")
        mask &= ard[col].astype(object) == value
    return ard.loc[mask]


def build_table(
    ard: pd.DataFrame,
    *,
    title: str,
    rows: Sequence[RowSpec],
    columns: Sequence[ColumnSpec],
    stub_header: str = "",
    strict: bool = True,
    **meta: Any,
) -> Table:
    """A :class:`Table` whose cell (r, c) formats the ARD rows matching ``r.select`` and ``c.select``.

    With ``strict`` a row with a format rule that matches no statistic raises (a
    typo in a selection must not produce a silently empty cell).
    """
    out = []
    for spec in rows:
        rule = _rule(spec.rule)
        if rule is None:
            out.append(Row(spec.label, [""] * len(columns), spec.indent, spec.bold))
            continue
        sub = _match(ard, spec.select)
        if strict and sub.empty:
            raise DerivationError(f"no ARD statistics for row {spec.label!r}", value=dict(spec.select),
                                  hint="check the row's select against the ARD's values")
        cells = []
        for col in columns:
            cell = _match(sub, col.select)
            stats = dict(zip(cell["stat_name"], cell["stat_value"].astype(float)))
            cells.append(rule.format(stats) if stats else "")
        out.append(Row(spec.label, cells, spec.indent, spec.bold))
    return Table(title=title, columns=[stub_header] + [c.header for c in columns], rows=out, **meta)


def columns_from_ard(
    ard: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    with_n: bool = True,
    n_stat: str = "N",
    **select: Any,
) -> list[ColumnSpec]:
    """One column per ``column_value`` (ARD order), headed ``"label\\n(N=xx)"``."""
    labels = dict(labels or {})
    sub = _match(ard, select) if select else ard
    specs = []
    for value in dict.fromkeys(sub["column_value"]):
        header = labels.get(value, value)
        if with_n:
            big_n = _match(sub, {"column_value": value, "stat_name": n_stat})["stat_value"]
            if len(big_n):
                header += f"\n(N={int(big_n.iloc[0])})"
        specs.append(ColumnSpec(header, {"column_value": value}))
    return specs


def level_rows(ard: pd.DataFrame, *, rule: str | FormatRule = "n_pct", indent: int = 1,
               labels: Mapping[str, str] | None = None, **select: Any) -> list[RowSpec]:
    """One row per ``group_value`` of the selected ARD rows, in ARD (codelist) order."""
    labels = dict(labels or {})
    sub = _match(ard, select)
    return [RowSpec(labels.get(v, v), {**select, "group_value": v}, rule, indent)
            for v in dict.fromkeys(sub["group_value"])]


CONTINUOUS_ROWS = (("n", "n"), ("Mean (SD)", "mean_sd"), ("Median", "median"),
                   ("Q1, Q3", "q1_q3"), ("Min, Max", "min_max"))


def continuous_rows(*, indent: int = 1, **select: Any) -> list[RowSpec]:
    """The five usual rows of a continuous summary (n, Mean (SD), Median, Q1, Q3, Min, Max)."""
    return [RowSpec(label, dict(select), rule, indent) for label, rule in CONTINUOUS_ROWS]


def occurrence_rows(ard: pd.DataFrame, *, rule: str | FormatRule = "n_pct", **select: Any) -> list[RowSpec]:
    """Rows of an AE table (overall, SOC, indented PT) in the ARD's order."""
    sub = _match(ard, select)
    keys = sub[["group_var", "group_value", "parent_value"]].drop_duplicates()
    out = []
    for gvar, gval, parent in keys.itertuples(index=False, name=None):  # one per display row
        indent = 0 if gvar == "ANY" or not parent else 1
        out.append(RowSpec(gval, {**select, "group_var": gvar, "group_value": gval,
                                  "parent_value": parent}, rule, indent))
    return out


# --------------------------------------------------------------------------- RTF


class RtfRaw(str):
    """Text already in RTF syntax (not escaped by the template)."""


_RTF_PLAIN = re.compile(r"[\x20-\x5b\x5d-\x7a\x7c\x7e]*")  # printable ASCII except \ { }


def rtf_escape(text: Any) -> str:
    r"""Escape text for RTF: ``\ { }``, newlines (``\line``), tabs and non-ASCII (``\uN?``).

    >>> rtf_escape("a{b}\\c ≥ 5 é")
    'a\\{b\\}\\\\c \\u8805? 5 \\u233?'
    >>> rtf_escape("😀")   # outside the BMP: a UTF-16 surrogate pair
    '\\u-10179?\\u-8704?'
    """
    if isinstance(text, RtfRaw):
        return str(text)
    if text is None:
        return ""
    text = str(text)
    if _RTF_PLAIN.fullmatch(text):  # the common case: nothing to escape
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "{":
            out.append("\\{")
        elif ch == "}":
            out.append("\\}")
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\t":
            out.append("\\tab ")
        elif ch == "\r":
            continue
        elif 32 <= code < 127:
            out.append(ch)
        elif code < 32:
            continue
        else:
            units = ch.encode("utf-16-le")
            for i in range(0, len(units), 2):
                u = int.from_bytes(units[i:i + 2], "little")
                out.append(f"\\u{u - 65536 if u > 32767 else u}?")
    return "".join(out)


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _rtf_escape_cached(text: Any) -> str:
    return rtf_escape(text)


def _rtf_finalize(value: Any) -> str:
    """The template's finalize: listings repeat the same cell texts, each is escaped once."""
    try:
        return _rtf_escape_cached(value)
    except TypeError:  # unhashable
        return rtf_escape(value)


def _env(kind: str) -> jinja2.Environment:
    if kind == "rtf":
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=False,
                                 finalize=_rtf_finalize, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
        env.filters["raw"] = RtfRaw
    else:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                                 trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                                 undefined=jinja2.StrictUndefined)
    return env


def _page(table: Table) -> dict[str, int]:
    w, h = PAPER[table.paper]
    if table.orientation == "landscape":
        w, h = h, w
    margin = 1080  # 0.75 inch
    return {"width": w, "height": h, "margin": margin, "usable": w - 2 * margin}


def _cellx(table: Table, usable: int) -> list[int]:
    n = len(table.columns)
    weights = table.column_widths or [2.5] + [1.0] * (n - 1)
    if len(weights) != n:
        raise DerivationError("column_widths needs one weight per column", value=weights)
    total = sum(weights)
    edges, acc = [], 0.0
    for w in weights:
        acc += w
        edges.append(int(round(usable * acc / total)))
    return edges


def _pages(rows: list[Row], rows_per_page: int | None) -> list[list[Row]]:
    if not rows_per_page or len(rows) <= rows_per_page:
        return [rows]
    return [rows[i:i + rows_per_page] for i in range(0, len(rows), rows_per_page)]


def render_rtf(table: Table, *, run_date: str = "", rows_per_page: int | None = None,
               font_size: int = 9) -> str:
    """RTF text of ``table`` (Word and LibreOffice): header row repeated (``\\trhdr``) on each
    page; with ``rows_per_page`` the rows are split over pages, titles repeated."""
    page = _page(table)
    ctx = {
        "t": table,
        "page": page,
        "cellx": _cellx(table, page["usable"]),
        "pages": _pages(table.rows, rows_per_page),
        "run_date": run_date,
        "fs": font_size * 2,
        "landscape": table.orientation == "landscape",
    }
    return _env("rtf").get_template("table.rtf.j2").render(**ctx)


def render_html(table: Table, *, run_date: str = "", standalone: bool = True) -> str:
    """Self-contained, accessible HTML (``<caption>``, ``<th scope>``) of ``table``."""
    return _env("html").get_template("table.html.j2").render(t=table, run_date=run_date,
                                                              standalone=standalone)


def listing_table(data: pd.DataFrame, *, title: str, columns: Mapping[str, str] | None = None,
                  **meta: Any) -> Table:
    """A :class:`Table` with one row per record of ``data``; ``columns`` maps variable -> header.

    The first selected variable is the row label. Missing values show as blank.
    """
    columns = dict(columns or {c: c for c in data.columns})
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DerivationError(f"listing variable(s) {missing} not in the data", variable=missing[0],
                              hint=f"variables present: {', '.join(map(str, data.columns))}")
    text = data[list(columns)].astype(object)
    text = text.where(text.notna(), "").astype(str)
    values = text.to_numpy().tolist()
    rows = [Row(v[0], v[1:]) for v in values]
    widths = meta.pop("column_widths", None) or [1.0] * len(columns)
    meta.setdefault("orientation", "landscape")
    return Table(title=title, columns=list(columns.values()), rows=rows, column_widths=widths, **meta)


def render_listing(data: pd.DataFrame, *, title: str, columns: Mapping[str, str] | None = None,
                   fmt: str = "rtf", rows_per_page: int = 30, run_date: str = "", **meta: Any) -> str:
    """A listing of ``data`` as RTF (pages of ``rows_per_page`` records) or HTML."""
    table = listing_table(data, title=title, columns=columns, **meta)
    if fmt == "rtf":
        return render_rtf(table, run_date=run_date, rows_per_page=rows_per_page, font_size=8)
    if fmt == "html":
        return render_html(table, run_date=run_date)
    raise DerivationError("fmt must be 'rtf' or 'html'", value=fmt)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class Output:
    """An output for the index page: files maps a label (``"HTML"``, ``"RTF"``, ``"PNG"``) to a
    path relative to the index; ``image`` (relative) shows a figure inline."""

    output_id: str
    title: str
    kind: str = "table"
    files: Mapping[str, str] = field(default_factory=dict)
    image: str | None = None


def render_index(outputs: Sequence[Output], *, title: str = "Tables, listings and figures",
                 study: str = "", run_date: str = "") -> str:
    """HTML index linking every output (tables in HTML and RTF, figures in PNG/SVG)."""
    kinds = ("table", "listing", "figure")
    groups = [(k, [o for o in outputs if o.kind == k]) for k in kinds]
    other = [o for o in outputs if o.kind not in kinds]
    if other:
        groups.append(("other", other))
    return _env("html").get_template("index.html.j2").render(
        title=title, study=study, run_date=run_date, groups=[g for g in groups if g[1]])


__all__ = [
    "FormatRule",
    "FORMAT_RULES",
    "rate_rule",
    "Row",
    "Table",
    "RowSpec",
    "ColumnSpec",
    "build_table",
    "columns_from_ard",
    "level_rows",
    "continuous_rows",
    "occurrence_rows",
    "CONTINUOUS_ROWS",
    "rtf_escape",
    "RtfRaw",
    "render_rtf",
    "render_html",
    "listing_table",
    "render_listing",
    "Output",
    "render_index",
    "PAPER",
    "TEMPLATE_DIR",
]
