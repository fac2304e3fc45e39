"""The HTML report of a compare: the text report's content as one self-contained page.

:func:`report_html` writes a whole page; :func:`report_html_section` the same content as
a ``<section>`` that the folder compare and the QC report put one after the other.
Every value is escaped (a dataset may hold ``<script>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .report import attribute_reasons, fmt_value, listing_limit, method_text, pair_name, verdict_reasons

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CompareResult

#: the ``<meta name="generator">`` of every page the compare writes (a file carrying it may be replaced)
GENERATOR = "derive compare"

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left;font-family:monospace;vertical-align:top}
th{background:#eee}
td.num{text-align:right}
.equal{color:#176b1e;font-weight:bold}.unequal{color:#a11;font-weight:bold}.attr{color:#8a5a00;font-weight:bold}
.muted{color:#666}"""

_SECTION = """<section class="compare">
<h2 id="{{ anchor }}">{{ heading }}</h2>
<p>Comparison of <b>{{ s.base_name }}</b> with <b>{{ s.compare_name }}</b> ({{ method }}).
Keys: {{ s.by_vars|join(", ") if s.by_vars else "observation number" }}.</p>
<p class="{{ verdict_class }}">{{ verdict }}</p>
<h3>Data set summary</h3>
<table><tr><th>Dataset</th><th>NVar</th><th>NObs</th><th>Label</th></tr>
<tr><td>BASE</td><td class="num">{{ s.base_nvars }}</td><td class="num">{{ s.base_nobs }}</td><td>{{ s.base_label or "" }}</td></tr>
<tr><td>COMPARE</td><td class="num">{{ s.compare_nvars }}</td><td class="num">{{ s.compare_nobs }}</td><td>{{ s.compare_label or "" }}</td></tr></table>
<h3>Variables</h3>
{% if s.variables_selected %}<p>Compared (VAR/WITH): {{ pairs|join(", ") }}.</p>
{% else %}<p>In common: {{ s.n_common_vars }}. In BASE only: {{ r.base_only_vars|join(", ") or "none" }}.
In COMPARE only: {{ r.compare_only_vars|join(", ") or "none" }}.</p>{% endif %}
{% if s.attributes_ignored %}<p class="muted">Attributes ignored: {{ s.attributes_ignored|join(", ") }}.</p>{% endif %}
{% if attrs %}<h3>Differing attributes</h3>
<table><tr><th>Variable</th><th>Attribute</th><th>Base</th><th>Compare</th></tr>
{% for a in attrs %}<tr><td>{{ a.variable }}</td><td>{{ a.attribute }}</td><td>{{ fmt(a.base) }}</td><td>{{ fmt(a.compare) }}</td></tr>
{% endfor %}</table>{% endif %}
<h3>Observations</h3>
<p>In common: {{ s.n_rows_compared }}. In BASE only: {{ s.n_base_only_rows }}. In COMPARE only: {{ s.n_compare_only_rows }}.
With some compared variables unequal: {{ s.n_rows_unequal }}.</p>
{% for title, rows in unmatched %}{% if rows %}<h4>{{ title }}</h4>
<table><tr>{% for c in rows[0].keys() %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for v in row.values() %}<td>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}{% endfor %}
<h3>Values</h3>
{% if s.text_as_numbers %}<p>Text variables (CSV) compared as numbers, numeric in the other dataset or the spec: {{ s.text_as_numbers|join(", ") }}.</p>{% endif %}
{% if not_numbers %}<h4>Text values of numeric variables that are not numbers ({{ s.n_not_numbers }})</h4>
<table><tr>{% for c in not_numbers[0].keys() %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in not_numbers %}<tr>{% for v in row.values() %}<td>{{ fmt(v) }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
<table><tr><th>Variable</th><th>Type</th><th>N compared</th><th>N equal</th><th>% equal</th><th>N unequal</th>
<th>Max |diff|</th><th>Max relative diff</th><th>Mean diff</th></tr>
{% for v in stats %}<tr><td>{{ pair(v.variable, v.compare_variable) }}</td><td>{{ v.type }}</td><td class="num">{{ v.n_compared }}</td>
<td class="num">{{ v.n_equal }}</td><td class="num">{{ "%.4f"|format(v.pct_equal) }}</td><td class="num">{{ v.n_unequal }}</td>
<td class="num">{{ fmt(v.max_abs_diff) }}</td><td class="num">{{ fmt(v.max_rel_diff) }}</td><td class="num">{{ fmt(v.mean_diff) }}</td></tr>
{% endfor %}</table>
{% if diffs %}<h4>Listed differences{% if listed_note %} ({{ listed_note }}){% endif %}</h4>
<table><tr>{% for c in diff_cols %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in diffs %}<tr>{% for c in diff_cols %}<td>{{ fmt(row[c]) }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
</section>
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="{{ generator }}">
<title>{{ title }}</title>
<style>
{{ style }}
</style></head><body>
<h1>{{ title }}</h1>
{{ body }}
</body></html>
"""


def _env():
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def verdict(result: "CompareResult") -> tuple[str, str]:
    """(text, css class) of the verdict line: EQUAL, VALUES EQUAL (attributes differ) or NOT EQUAL."""
    if result.equal:
        return "EQUAL", "equal"
    if result.values_equal:
        return "VALUES EQUAL; attributes differ: " + "; ".join(attribute_reasons(result)), "attr"
    return "NOT EQUAL: " + "; ".join(verdict_reasons(result)), "unequal"


def report_html_section(result: "CompareResult", *, heading: str = "Dataset compare", anchor: str = "compare",
                        max_listed: int | None = -1) -> str:
    """The report as one ``<section>`` (escaped), ``max_listed`` differences per variable (-1: as compared)."""
    from markupsafe import Markup

    limit = listing_limit(result, max_listed)

    def records(frame):
        return (frame if limit is None else frame.head(limit)).to_dict("records")

    diffs = result.differences
    if limit is not None:
        diffs = diffs.groupby(["variable", "compare_variable"], sort=False, group_keys=False).head(limit)
    diff_cols = [c for c in diffs.columns if c != "compare_variable" or (diffs["variable"] != diffs[c]).any()]
    text, css = verdict(result)
    html = _env().from_string(_SECTION).render(
        s=result.summary, r=result, method=method_text(result.summary), verdict=text, verdict_class=css,
        heading=heading, anchor=anchor,
        pairs=[pair_name(v, w) for v, w in zip(result.variable_stats["variable"],
                                               result.variable_stats["compare_variable"])],
        attrs=result.attribute_differences.to_dict("records"),
        unmatched=[("Records in BASE only", records(result.base_only_rows)),
                   ("Records in COMPARE only", records(result.compare_only_rows))],
        stats=result.variable_stats.to_dict("records"), not_numbers=records(result.not_numbers),
        diffs=diffs.to_dict("records"), diff_cols=diff_cols,
        listed_note=(f"at most {limit} per variable" if limit is not None and len(diffs) < len(result.differences)
                     else ""),
        fmt=fmt_value, pair=pair_name,
    )
    return Markup(html)


def page(title: str, body: str) -> str:
    """A self-contained HTML page around ``body`` (already escaped HTML)."""
    from markupsafe import Markup

    return _env().from_string(_PAGE).render(title=title, body=Markup(body), style=Markup(STYLE), generator=GENERATOR)


def report_html(result: "CompareResult", max_listed: int | None = -1) -> str:
    """Self-contained HTML page with the content of the text report."""
    s = result.summary
    return page(f"COMPARE {s['base_name']} vs {s['compare_name']}",
                report_html_section(result, max_listed=max_listed))


__all__ = ["report_html", "report_html_section", "page", "verdict", "GENERATOR", "STYLE"]
