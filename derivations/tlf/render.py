"""Table model, format rules and Jinja2 rendering to RTF and HTML.

A :class:`Table` (title, column headers, rows of label + cells, footnotes) is
built from an ARD by :func:`build_table`, with one :class:`RowSpec` per display
row and one :class:`ColumnSpec` per display column: the cell shows the ARD
statistics that match both selections, formatted by a :class:`FormatRule`
(rules are data, see :data:`FORMAT_RULES`). :func:`render_rtf` (the paged
document of :mod:`.rtf`) and :func:`render_html` turn a table into text; both
are deterministic (the production stamp is passed in, never read from the clock).

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
>>> render_rtf(table, stamp="Data extraction date: 2022-07-04").startswith("{\\\\rtf1")
True
"""

from __future__ import annotations

import functools
import math
import re
import string
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..core import round_sas
from ..findings import DerivationError
from .layout import PAPER, align_numbers, is_numeric_column, spanning_rows, tie_phrases
from .rtf import RtfRaw, render_table_rtf, rtf_escape

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class FormatRule:
    """How one cell shows statistics: a ``str.format`` template over stat names.

    ``{pct:.1f}`` rounds with :func:`derivations.core.round_sas`: half away from zero (as SAS), not half-to-even;
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
    >>> FORMAT_RULES["p_logrank"].format({"p_logrank": 0.00002}), FORMAT_RULES["p_logrank"].format({"p_logrank": 0.04512})
    ('<0.0001', '0.0451')
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
        if format_spec.startswith(".") and format_spec.endswith("p") and isinstance(value, (int, float)):
            digits = int(format_spec[1:-1])  # a p-value: "<0.0001" below the smallest printable value
            if value < 10 ** -digits:
                return f"<{10 ** -digits:.{digits}f}"
            format_spec = format_spec[:-1] + "f"
        if format_spec.startswith(".") and format_spec.endswith("f") and isinstance(value, (int, float)):
            digits = int(format_spec[1:-1])
            return f"{round_sas(value, digits):.{digits}f}"  # the framework's one rounding (SAS)
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
    FormatRule("hr_ci", "{hr:.2f} ({hr_ci_lower:.2f}, {hr_ci_upper:.2f})"),
    FormatRule("p_logrank", "{p_logrank:.4p}"),
    FormatRule("p_wald", "{p_wald:.4p}"),
    FormatRule("rd_ci", "{rd:.1f} ({rd_ci_lower:.1f}, {rd_ci_upper:.1f})"),
    FormatRule("or_ci", "{or:.2f} ({or_ci_lower:.2f}, {or_ci_upper:.2f})"),
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


@dataclass
class Table:
    """A display table; ``columns[0]`` heads the row-label column.

    Headers may hold ``"\\n"`` for a line break. ``column_widths``: one entry per
    column, a width in inches or None for a width from the content (the default
    for every column). ``cutoff`` is the data cut-off date printed on every page;
    ``page_by`` (one label per row) starts a page at each new label and prints it
    above the column headers. Landscape by default, as most submission tables are.
    """

    title: str
    columns: list[str]
    rows: list[Row]
    subtitle: str = ""
    table_id: str = ""
    footnotes: list[str] = field(default_factory=list)
    source: str = ""
    program: str = ""
    orientation: str = "landscape"
    paper: str = "letter"
    column_widths: list[float | None] | None = None
    study: str = ""
    cutoff: str = ""
    page_by: list[str | None] | None = None
    font_size: float = 9

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
        if self.column_widths is not None:
            bad_w = [w for w in self.column_widths if w is not None and not 0.2 <= float(w) <= 20]
            if len(self.column_widths) != ncol + 1 or bad_w:
                raise DerivationError(f"{self.full_title}: column_widths needs one width in inches "
                                      f"(0.2-20) or None per column ({ncol + 1})",
                                      value=list(self.column_widths))

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


def _assert_column(ard: pd.DataFrame, col: str) -> None:
    if col not in ard.columns:
        raise DerivationError(f"ARD has no column {col!r}", variable=col,
                              hint=f"ARD columns: {', '.join(ard.columns)}")


def _match(ard: pd.DataFrame, select: Mapping[str, Any]) -> pd.DataFrame:
    mask = pd.Series(True, index=ard.index)
    for col, value in select.items():
        _assert_column(ard, col)
        mask &= ard[col].astype(object) == value
    return ard.loc[mask]


class _Selector:
    """The rows of an ARD that match a selection (as :func:`_match`), as positions: the selection columns
    are read once as arrays and no frame is copied per cell (a 100-row table of a 2,000-row ARD)."""

    def __init__(self, ard: pd.DataFrame) -> None:
        self._ard = ard
        self._arrays: dict[str, np.ndarray] = {}
        self.stat_names = ard["stat_name"].to_numpy(dtype=object)
        self.stat_values = ard["stat_value"].to_numpy(dtype=float)

    def positions(self, select: Mapping[str, Any], within: np.ndarray | None = None) -> np.ndarray:
        pos = np.arange(len(self._ard)) if within is None else within
        for col, value in select.items():
            if col not in self._arrays:
                _assert_column(self._ard, col)
                values = self._ard[col].to_numpy(dtype=object)
                self._arrays[col] = np.where(pd.isna(values), np.nan, values)  # a missing value matches nothing
            pos = pos[self._arrays[col][pos] == value]
        return pos

    def stats(self, pos: np.ndarray) -> dict[str, float]:
        return dict(zip(self.stat_names[pos].tolist(), self.stat_values[pos].tolist()))


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
    select = _Selector(ard)
    out = []
    for spec in rows:
        rule = _rule(spec.rule)
        if rule is None:
            out.append(Row(spec.label, [""] * len(columns), spec.indent, spec.bold))
            continue
        row = select.positions(spec.select)
        if strict and not len(row):
            raise DerivationError(f"no ARD statistics for row {spec.label!r}", value=dict(spec.select),
                                  hint="check the row's select against the ARD's values")
        cells = []
        for col in columns:
            stats = select.stats(select.positions(col.select, row))
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


def continuous_rules(decimals: int) -> dict[str, FormatRule]:
    """The formats of a continuous summary of values recorded with ``decimals`` decimals, the convention
    of submission tables: min and max as recorded, mean, median and quartiles with one more decimal,
    SD with two more.

    >>> [str(r) for r in continuous_rules(0).values()][1:3]
    ["mean_sd_0: '{mean:.1f} ({sd:.2f})' (missing 'NE')", "median_0: '{median:.1f}' (missing 'NE')"]
    >>> continuous_rules(0)["min_max"].format({"min": 53.0, "max": 74.0})
    '53, 74'
    """
    d = int(decimals)
    if d < 0:
        raise DerivationError("decimals must be 0 or more", value=decimals)
    return {"n": FORMAT_RULES["n"],
            "mean_sd": FormatRule(f"mean_sd_{d}", f"{{mean:.{d + 1}f}} ({{sd:.{d + 2}f}})"),
            "median": FormatRule(f"median_{d}", f"{{median:.{d + 1}f}}"),
            "q1_q3": FormatRule(f"q1_q3_{d}", f"{{q1:.{d + 1}f}}, {{q3:.{d + 1}f}}"),
            "min_max": FormatRule(f"min_max_{d}", f"{{min:.{d}f}}, {{max:.{d}f}}")}


def continuous_rows(*, indent: int = 1, decimals: int | None = None, **select: Any) -> list[RowSpec]:
    """The five usual rows of a continuous summary (n, Mean (SD), Median, Q1, Q3, Min, Max).

    ``decimals``: the decimals the values are recorded with (0 for age in years, cycles, days);
    the formats then follow :func:`continuous_rules` (``53, 74`` for min and max of ages, not
    ``53.0, 74.0``). Without it: one decimal for mean, median, quartiles, min and max, two for SD.
    """
    rules = continuous_rules(decimals) if decimals is not None else {r: r for _, r in CONTINUOUS_ROWS}
    return [RowSpec(label, dict(select), rules[rule], indent) for label, rule in CONTINUOUS_ROWS]


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


# --------------------------------------------------------------------------- RTF and HTML


#: a word (no whitespace) with a character inside it that a browser may break after: hyphen, slash...
_BREAKABLE_WORD = re.compile(r"(?<!\S)(?=\S*\S[^\w\s]\S)\S+")


def html_unbroken(text: str) -> Markup:
    """``text`` escaped for HTML, each word in which a browser could break a line (``2021-08-17``,
    ``Palmar-plantar``, ``RECOVERED/RESOLVED``) kept whole in a ``<span class="nw">``
    (``white-space: nowrap``): lines break at spaces only, as in the RTF, where no word is broken.

    >>> print(html_unbroken("2021-08-17 (22) <ok>"))
    <span class="nw">2021-08-17</span> (22) &lt;ok&gt;
    """
    out, pos = [], 0
    for m in _BREAKABLE_WORD.finditer(text):
        out.append(str(escape(text[pos:m.start()])))
        out.append(f'<span class="nw">{escape(m.group())}</span>')
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


@functools.lru_cache(maxsize=None)
def _html_env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["unbroken"] = html_unbroken
    env.filters["tied"] = functools.partial(tie_phrases, hyphens=False)  # "Grade 4", "n (%)" kept whole
    return env


def _stamp_text(stamp: Any, run_date: str | None, where: str) -> str:
    """``stamp`` as text; the deprecated ``run_date`` is printed as what it is, the data extraction date."""
    if run_date:
        warnings.warn(f"{where}(run_date=...) is deprecated: pass stamp=str(production_stamp(...)) "
                      "(derivations.tlf.stamp); the date is printed as the data extraction date",
                      DeprecationWarning, stacklevel=3)
        if not stamp:
            return f"Data extraction date: {run_date}"
    return str(stamp)


def render_rtf(table: Table, *, stamp: str = "", rows_per_page: int | None = None,
               font_size: float | None = None, run_date: str | None = None) -> str:
    """The RTF document of ``table``: titles in the page header, footnotes, program, data cut-off,
    ``stamp`` and "Page x of y" in the page footer, rows paged with the column headers (and
    "(continued)" group headings) on every page; see :mod:`derivations.tlf.rtf`.
    ``rows_per_page`` caps the rows of a page (pages are otherwise filled by height)."""
    stamp = _stamp_text(stamp, run_date, "render_rtf")
    return render_table_rtf(table, stamp=stamp, font_size=font_size, rows_per_page=rows_per_page)


def html_cells(table: Table) -> list[list[list[str | int]]]:
    """Per body row, per data column: the cell as segments (text, or padding in characters).

    Numbers are aligned as in the RTF (:func:`derivations.tlf.layout.align_numbers`);
    the HTML shows the padding as empty fixed-width spans, so the cell's text is
    unchanged. Text columns are one segment.
    """
    ncol = len(table.columns) - 1
    cols = []
    for j in range(ncol):
        cells = [r.cells[j] for r in table.rows]
        cols.append(align_numbers(cells) if is_numeric_column(cells) else [[c] if c else [] for c in cells])
    return [[cols[j][i] for j in range(ncol)] for i in range(len(table.rows))]


def _html_rows(table: Table, numeric: Sequence[bool]) -> list[Markup]:
    """The ``<tr>`` of each body row (a ``page_by`` heading row before each new group), built once
    per distinct cell: a listing has many thousands of rows."""
    ncol = len(table.columns) - 1
    cache: dict[tuple, str] = {}

    def td(j: int, segs: list) -> str:
        key = (j, tuple(segs))
        out = cache.get(key)
        if out is None:
            if numeric[j + 1]:  # white-space: pre, never wrapped
                body = "".join(f'<span class="pad" style="width: {s}ch"></span>' if isinstance(s, int)
                               else str(escape(s)) for s in segs)
            else:
                body = "".join(str(html_unbroken(s)) for s in segs)
            out = f'<td class="num">{body}</td>\n' if numeric[j + 1] else f"<td>{body}</td>\n"
            cache[key] = out
        return out

    cols = []
    for j in range(ncol):
        cells = [r.cells[j] for r in table.rows]
        if numeric[j + 1]:
            cols.append([td(j, s) for s in align_numbers(cells)])
        else:  # one <td> per distinct text
            html = {c: td(j, [c] if c else []) for c in dict.fromkeys(cells)}
            cols.append([html[c] for c in cells])
    out = []
    page_by = table.page_by
    span = spanning_rows([r.indent for r in table.rows], [r.cells for r in table.rows])
    for i, r in enumerate(table.rows):
        if page_by and (i == 0 or page_by[i] != page_by[i - 1]):
            out.append(Markup(f'<tr class="page-by"><th scope="rowgroup" colspan="{ncol + 1}">'
                              f"{escape(page_by[i])}</th></tr>\n"))
        bold = ' class="bold"' if r.bold else ""
        # a heading whose cells are all blank spans the table, as in the RTF
        colspan = f' colspan="{ncol + 1}"' if span[i] else ""
        head = (f'<tr>\n<th scope="row"{bold}{colspan} style="padding-left: {0.8 + 1.2 * r.indent}rem">'
                f"{html_unbroken(r.label)}</th>\n")
        out.append(Markup(head + ("" if span[i] else "".join(col[i] for col in cols)) + "</tr>\n"))
    return out


def render_html(table: Table, *, stamp: str = "", standalone: bool = True, run_date: str | None = None) -> str:
    """Self-contained, accessible HTML (``<caption>``, ``<th scope>``) of ``table``."""
    stamp = _stamp_text(stamp, run_date, "render_html")
    numeric = [False] + [is_numeric_column([r.cells[j] for r in table.rows]) for j in range(len(table.columns) - 1)]
    return _html_env().get_template("table.html.j2").render(t=table, stamp=str(stamp), standalone=standalone,
                                                             rows=_html_rows(table, numeric), numeric=numeric)


def listing_table(data: pd.DataFrame, *, title: str, columns: Mapping[str, str] | None = None,
                  page_by: str | None = None, **meta: Any) -> Table:
    """A :class:`Table` with one row per record of ``data``; ``columns`` maps variable -> header.

    The first selected variable is the row label. Missing values show as blank.
    ``page_by`` names a variable whose values each start a page (and head it).
    Listings are landscape, in 8 point, with column widths from the content.
    """
    columns = dict(columns or {c: c for c in data.columns})
    missing = [c for c in [*columns, *([page_by] if page_by else [])] if c not in data.columns]
    if missing:
        raise DerivationError(f"listing variable(s) {missing} not in the data", variable=missing[0],
                              hint=f"variables present: {', '.join(map(str, data.columns))}")
    text = data[list(columns)].astype(object)
    text = text.where(text.notna(), "").astype(str)
    values = text.to_numpy().tolist()
    rows = [Row(v[0], v[1:]) for v in values]
    meta.setdefault("orientation", "landscape")
    meta.setdefault("font_size", 8)
    if page_by:
        meta["page_by"] = data[page_by].astype(object).where(data[page_by].notna(), "").astype(str).tolist()
    return Table(title=title, columns=list(columns.values()), rows=rows, **meta)


def render_listing(data: pd.DataFrame, *, title: str, columns: Mapping[str, str] | None = None,
                   fmt: str = "rtf", rows_per_page: int | None = None, stamp: str = "",
                   page_by: str | None = None, run_date: str | None = None, **meta: Any) -> str:
    """A listing of ``data`` as paged RTF or as HTML; ``rows_per_page`` caps the records of a page."""
    stamp = _stamp_text(stamp, run_date, "render_listing")
    table = listing_table(data, title=title, columns=columns, page_by=page_by, **meta)
    if fmt == "rtf":
        return render_rtf(table, stamp=stamp, rows_per_page=rows_per_page)
    if fmt == "html":
        return render_html(table, stamp=stamp)
    raise DerivationError("fmt must be 'rtf' or 'html'", value=fmt)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class Output:
    """An output for the index page: files maps a label (``"HTML"``, ``"RTF"``, ``"PNG"``) to a
    path relative to the index; ``image`` (relative) shows a figure inline.

    For the ARS export and the TLF book: ``program`` (the program that published it),
    ``footnotes``, ``analyses`` (the ARD ``analysis_id`` values it shows; None: all of its
    program's) and ``pages`` (of its RTF document)."""

    output_id: str
    title: str
    kind: str = "table"
    files: Mapping[str, str] = field(default_factory=dict)
    image: str | None = None
    program: str = ""
    footnotes: tuple[str, ...] = ()
    analyses: tuple[str, ...] | None = None
    pages: int = 0


def render_index(outputs: Sequence[Output], *, title: str = "Tables, listings and figures",
                 study: str = "", stamp: str = "", run_date: str | None = None,
                 documents: Mapping[str, str] | None = None) -> str:
    """HTML index linking every output (tables in HTML and RTF, figures in PNG/SVG/RTF) and the
    ``documents`` of the whole set (label -> path: the TLF book, the ARS reporting event)."""
    kinds = ("table", "listing", "figure")
    groups = [(k, [o for o in outputs if o.kind == k]) for k in kinds]
    other = [o for o in outputs if o.kind not in kinds]
    if other:
        groups.append(("other", other))
    stamp = _stamp_text(stamp, run_date, "render_index")
    return _html_env().get_template("index.html.j2").render(
        title=title, study=study, stamp=str(stamp), groups=[g for g in groups if g[1]],
        documents=dict(documents or {}))


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
    "continuous_rules",
    "rtf_escape",
    "RtfRaw",
    "html_cells",
    "render_rtf",
    "render_html",
    "listing_table",
    "render_listing",
    "Output",
    "render_index",
    "PAPER",
    "TEMPLATE_DIR",
]
