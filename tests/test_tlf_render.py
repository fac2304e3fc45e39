"""Rendering of derivations.tlf: format rules, Table from ARD, RTF/HTML/listing/index, figures."""

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.tlf import (
    FORMAT_RULES,
    KmSettings,
    Output,
    Row,
    RowSpec,
    build_table,
    columns_from_ard,
    compute_ard_counts,
    compute_ard_km,
    compute_ard_proportion_ci,
    compute_km_by,
    figure_bytes,
    level_rows,
    plot_km,
    plot_swimmer,
    plot_waterfall,
    render_html,
    render_index,
    render_listing,
    render_rtf,
    rtf_escape,
)
from derivations.tlf.render import Table


def rtf_balanced(text: str) -> bool:
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


class _Collect(HTMLParser):
    VOID = {"br", "meta", "img", "link", "hr", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.text, self.errors = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def parse_html(text):
    p = _Collect()
    p.feed(text)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack)
    return p


@pytest.fixture()
def orr_table():
    adsl = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(29)], "AGEGR1": ["<65"] * 20 + [">=65"] * 9})
    adrs = pd.DataFrame({"USUBJID": adsl.USUBJID, "AVALC": ["PR"] * 9 + ["SD"] * 16 + ["PD"] * 4})
    adtte = pd.DataFrame({"USUBJID": adsl.USUBJID, "PARAMCD": "PFS",
                          "AVAL": np.arange(1, 30) * 10.0, "CNSR": [0] * 29})
    ard = pd.concat([
        compute_ard_counts(adsl, analysis_id="AGE", variables=["AGEGR1"], order={"AGEGR1": ["<65", ">=65"]}),
        compute_ard_proportion_ci(adrs, analysis_id="ORR", response="AVALC in ['CR', 'PR']", denominator=adsl),
        compute_ard_km(adtte, analysis_id="PFS", settings=KmSettings(days_per_month=30)),
    ], ignore_index=True)
    rows = [RowSpec("Age group, n (%)"), *level_rows(ard, analysis_id="AGE"),
            RowSpec("ORR, n (%)", {"analysis_id": "ORR"}, "n_pct"),
            RowSpec("95% CI", {"analysis_id": "ORR"}, "ci", indent=1),
            RowSpec("Median PFS (months) (95% CI)", {"analysis_id": "PFS"}, "km_median_ci")]
    return build_table(ard, title="Efficacy summary <all> & more", table_id="Table 14.2.1", rows=rows,
                       columns=columns_from_ard(ard, analysis_id="AGE", labels={"Total": "Anlotinib + PD-1"}),
                       subtitle="Full analysis set", footnotes=["CI: Clopper-Pearson {exact}; median ≥ KM."],
                       program="t_eff.py", study="NCT04984096")


def test_format_rules_rounding_missing_zero():
    assert FORMAT_RULES["n_pct"].format({"n": 9, "pct": 100 * 9 / 29}) == "9 (31.0%)"
    assert FORMAT_RULES["n_pct"].format({"n": 0, "pct": 0.0}) == "0"
    assert FORMAT_RULES["pct_ci"].format({"pct": 31.03, "ci_lower": 15.28, "ci_upper": 50.83}) == "31.0 (15.3, 50.8)"
    assert FORMAT_RULES["km_median_ci"].format(
        {"km_median": 160 / 30, "km_median_ci_lower": 4.28, "km_median_ci_upper": 6.38}) == "5.33 (4.28, 6.38)"
    # half away from zero like SAS (Python's format would give 0.1 and 2.2)
    assert FORMAT_RULES["pct"].format({"pct": 0.25}) == "0.3" and f"{0.25:.1f}" == "0.2"
    assert FORMAT_RULES["mean_sd"].format({"mean": 2.25, "sd": 0.125}) == "2.3 (0.13)"
    assert FORMAT_RULES["km_median"].format({"km_median": float("nan")}) == "NE"
    assert FORMAT_RULES["pct"].format({"pct": -0.04}) == "0.0"


def test_table_cells_from_ard(orr_table):
    t = orr_table
    assert t.columns == ["", "Anlotinib + PD-1\n(N=29)"]
    cells = {r.label: r.cells[0] for r in t.rows}
    assert cells["<65"] == "20 (69.0%)" and cells[">=65"] == "9 (31.0%)"
    assert cells["ORR, n (%)"] == "9 (31.0%)" and cells["95% CI"] == "(15.3, 50.8)"
    # 29 events every 10 days: S hits 0.5? no (29 odd) -> median 150 d = 5.00 months
    assert cells["Median PFS (months) (95% CI)"].startswith("5.00 (")
    assert cells["Age group, n (%)"] == ""


def test_build_table_raises_on_unmatched_row(orr_table):
    ard = compute_ard_counts(pd.DataFrame({"USUBJID": ["1"], "SEX": ["F"]}), analysis_id="SEX", variables=["SEX"])
    with pytest.raises(DerivationError, match="no ARD statistics"):
        build_table(ard, title="x", rows=[RowSpec("typo", {"analysis_id": "SEXX"}, "n_pct")],
                    columns=columns_from_ard(ard))


def test_rtf_escape():
    assert rtf_escape("a\\b{c}") == "a\\\\b\\{c\\}"
    assert rtf_escape("≥65 é") == "\\u8805?65 \\u233?"
    assert rtf_escape("x\ny") == "x\\line y"


def test_rtf_well_formed_and_deterministic(orr_table):
    stamp = "Data extraction date: 2022-07-04"
    text = render_rtf(orr_table, stamp=stamp)
    assert text.startswith("{\\rtf1\\ansi")
    assert rtf_balanced(text)
    assert "{\\fonttbl" in text and "\\trhdr" in text and text.count("\\row") == len(orr_table.rows) + 1
    assert "9 (31.0%)" in text and "(15.3, 50.8)" in text
    assert "Efficacy summary <all> & more" in text
    assert "Clopper-Pearson \\{exact\\}; median \\u8805? KM." in text
    assert text.isascii()
    assert text == render_rtf(orr_table, stamp=stamp)
    # titles in the page header, footnotes and the production line in the page footer
    header = text[text.index("{\\header"):text.index("{\\footer")]
    footer = text[text.index("{\\footer"):text.index("\\trowd")]
    assert "Table 14.2.1 Efficacy summary" in header and "NCT04984096" in header and "Full analysis set" in header
    assert "Clopper-Pearson" in footer and f"Program: t_eff.py   {stamp}" in footer
    assert "Page {\\field{\\*\\fldinst PAGE}" in footer and "{\\field{\\*\\fldinst NUMPAGES}" in footer
    # landscape unless the table asks for portrait
    assert "\\landscape" in text and "\\lndscpsxn" in text
    orr_table.orientation = "portrait"
    assert "\\landscape" not in render_rtf(orr_table, stamp=stamp)


def test_rtf_landscape_and_listing_page_breaks():
    data = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(25)], "AETERM": ["Anémie {x}"] * 25,
                         "AESTDTC": ["2021-01-01"] * 24 + [None]})
    text = render_listing(data, title="Listing of AEs", columns={"USUBJID": "Subject", "AETERM": "Term",
                                                                 "AESTDTC": "Start"}, rows_per_page=10)
    assert rtf_balanced(text) and text.startswith("{\\rtf1")
    assert "\\landscape" in text and "\\lndscpsxn" in text
    assert text.count("\\page\n") == 2  # 25 rows in pages of 10 -> 3 pages
    assert text.count("Listing of AEs\\b0") == 1  # the title is in the page header, on every page
    assert text.count("\\trhdr") == 3 and "An\\u233?mie \\{x\\}" in text  # column headers on each page
    html = render_listing(data, title="Listing of AEs", fmt="html")
    p = parse_html(html)
    assert sum(1 for tag, _ in p.tags if tag == "tr") == 26


def test_html_parses_and_is_accessible(orr_table):
    html = render_html(orr_table, stamp="Data extraction date: 2022-07-04")
    p = parse_html(html)
    tags = [t for t, _ in p.tags]
    assert tags.count("caption") == 1 and "thead" in tags and "tbody" in tags
    assert all(a.get("scope") in ("col", "row") for t, a in p.tags if t == "th")
    assert "9 (31.0%)" in p.text and "Efficacy summary <all> & more" in " ".join(p.text)
    assert "&lt;all&gt; &amp; more" in html
    assert html == render_html(orr_table, stamp="Data extraction date: 2022-07-04")
    assert "Data extraction date: 2022-07-04" in html


def test_index_links_every_output():
    outputs = [Output("T14.2.1", "Efficacy", "table", {"HTML": "t1.html", "RTF": "t1.rtf"}),
               Output("F14.2.1", "KM plot of PFS", "figure", {"PNG": "f1.png", "SVG": "f1.svg"}, image="f1.png")]
    html = render_index(outputs, study="NCT04984096", stamp="Data extraction date: 2022-07-04")
    p = parse_html(html)
    hrefs = [a["href"] for t, a in p.tags if t == "a"]
    assert hrefs == ["t1.html", "t1.rtf", "f1.png", "f1.svg"]
    assert [a["src"] for t, a in p.tags if t == "img"] == ["f1.png"]
    assert all(a.get("alt") for t, a in p.tags if t == "img")


def test_table_checks_cell_count():
    from derivations.tlf import Row
    with pytest.raises(DerivationError, match="cell"):
        Table(title="x", columns=["", "A", "B"], rows=[Row("r", ["1"])])


def _km_fits():
    df = pd.DataFrame({"AVAL": [30, 60, 90, 150, 200, 45, 80, 300], "CNSR": [0, 0, 1, 0, 1, 0, 0, 1],
                       "ARM": list("AAAAABBB"), "USUBJID": list("12345678")})
    return compute_km_by(df, by_vars=["ARM"], settings=KmSettings(days_per_month=30))


def test_figures_are_byte_identical_across_renders():
    fits = _km_fits()
    for fmt in ("png", "svg"):
        a = figure_bytes(plot_km(fits, title="PFS"), fmt)
        b = figure_bytes(plot_km(fits, title="PFS"), fmt)
        assert a == b and len(a) > 1000
    svg = figure_bytes(plot_km(fits), "svg").decode()
    assert "<dc:date>" not in svg and "derivations.tlf" in svg
    wf = pd.DataFrame({"USUBJID": list("abcd"), "PCHG": [-50.0, -10.0, 25.0, np.nan], "BOR": ["PR", "SD", "PD", "NE"]})
    assert figure_bytes(plot_waterfall(wf), "png") == figure_bytes(plot_waterfall(wf), "png")
    subj = pd.DataFrame({"USUBJID": list("ab"), "DURATION": [3.0, 8.0], "ONGOING": ["N", "Y"], "DEATH": [5.0, np.nan]})
    ev = pd.DataFrame({"USUBJID": ["a", "b"], "TIME": [1.5, 3.0], "RESPONSE": ["SD", "PR"]})
    assert figure_bytes(plot_swimmer(subj, ev), "svg") == figure_bytes(plot_swimmer(subj, ev), "svg")


def test_figure_inputs_are_checked():
    with pytest.raises(DerivationError, match="one row per subject"):
        plot_waterfall(pd.DataFrame({"USUBJID": ["a", "a"], "PCHG": [1.0, 2.0], "BOR": ["SD", "SD"]}))
    with pytest.raises(DerivationError, match="not in the swimmer"):
        plot_swimmer(pd.DataFrame({"USUBJID": ["a"], "DURATION": [1.0]}),
                     pd.DataFrame({"USUBJID": ["zz"], "TIME": [1.0], "RESPONSE": ["PR"]}))


def test_large_waterfall_draws_one_raster_collection_per_response():
    from matplotlib.collections import PolyCollection

    from derivations.tlf.figures import WATERFALL_BAR_LIMIT

    n = WATERFALL_BAR_LIMIT + 1
    bor = np.array(["PR", "SD", "PD"])[np.arange(n) % 3]
    wf = pd.DataFrame({"USUBJID": [f"S{i:05d}" for i in range(n)], "PCHG": np.linspace(60.0, -80.0, n), "BOR": bor})
    ax = plot_waterfall(wf).axes[0]
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(ax.patches) == 0 and len(polys) == 3 and all(c.get_rasterized() for c in polys)
    assert sum(len(c.get_paths()) for c in polys) == n
    # the bars reach the extreme values: the y range covers -80 .. +60
    lo, hi = ax.get_ylim()
    assert lo <= -80.0 and hi >= 60.0
    # at the limit, one bar artist per subject (crisp in SVG)
    small = plot_waterfall(wf.iloc[:WATERFALL_BAR_LIMIT]).axes[0]
    assert len(small.patches) == WATERFALL_BAR_LIMIT


def test_rtf_escape_keeps_plain_ascii_and_escapes_the_rest():
    plain = "".join(chr(c) for c in range(32, 127) if chr(c) not in "\\{}")
    assert rtf_escape(plain) == plain
    assert rtf_escape("a|b~c{") == "a|b~c\\{"
    assert rtf_escape("x\ty\r\nz\x01") == "x\\tab y\\line z"


def test_html_subtitle_keeps_its_lines():
    # the population and the data cut-off are two lines under the title, as in the RTF page header
    table = Table(title="Subject Disposition", table_id="Table 14.1.2", columns=["", "All"],
                  rows=[Row("Died", ["19 (65.5%)"])],
                  subtitle="Safety population: Anlotinib & PD-1\nData cut-off: 2022-07-03")
    caption = re.search(r"<caption>(.*?)</caption>", render_html(table), flags=re.S).group(1)
    assert caption == ('Table 14.1.2 Subject Disposition<span class="subtitle">Safety population: '
                       "Anlotinib &amp; PD-1<br>Data cut-off: 2022-07-03</span>")
    header = render_rtf(table).split("{\\header", 1)[1].split("{\\footer", 1)[0]
    # the RTF: one header paragraph per line
    assert "Anlotinib & PD-1\\par" in header and " Data cut-off: 2022-07-03\\par" in header


def test_html_header_keeps_the_indent_of_its_lines():
    # "  Preferred term" heads the indented rows: 2 spaces, the 1.2rem of a row indented one level
    table = Table(title="TEAEs", columns=["System organ class\n  Preferred term", "Any grade\nn (%)"],
                  rows=[Row("Investigations", ["15 (51.7%)"]), Row("Anaemia", ["15 (51.7%)"], indent=1)])
    html = render_html(table)
    head = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html)
    assert head[0] == 'System organ class<br><span class="pad" style="width: 1.2rem"></span>Preferred term'
    assert head[1] == 'Any grade<br>n\xa0<span class="nw">(%)</span>'
    assert '<th scope="row" style="padding-left: 2.0rem">Anaemia</th>' in html  # 0.8 + 1.2
