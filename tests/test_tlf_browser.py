"""Load a rendered index, table and figure in headless Chromium and check everything loads."""

import re

import pandas as pd
import pytest
from reviewer_tools import PROBE, Links, chromium, dump_dom

from derivations.tlf import (
    KmSettings,
    Output,
    RowSpec,
    build_table,
    columns_from_ard,
    compute_ard_proportion_ci,
    compute_km_by,
    plot_km,
    render_html,
    render_index,
    render_rtf,
    save_figure,
)

@pytest.fixture(scope="module")
def browser():
    return chromium()


def test_index_table_and_figure_load_in_chromium(browser, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    adrs = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(29)],
                         "AVALC": ["PR"] * 9 + ["SD"] * 16 + ["PD"] * 4})
    ard = compute_ard_proportion_ci(adrs, analysis_id="ORR", response="AVALC in ['CR', 'PR']")
    table = build_table(ard, title="Objective response rate", table_id="Table 14.2.1",
                        rows=[RowSpec("ORR, n (%)", {"analysis_id": "ORR"}, "n_pct"),
                              RowSpec("95% CI", {"analysis_id": "ORR"}, "ci", indent=1)],
                        columns=columns_from_ard(ard, labels={"Total": "Anlotinib + PD-1"}))
    (out / "t_orr.html").write_text(render_html(table, stamp="Data extraction date: 2022-07-04"), encoding="utf-8")
    (out / "t_orr.rtf").write_text(render_rtf(table, stamp="Data extraction date: 2022-07-04"), encoding="ascii")
    adtte = pd.DataFrame({"USUBJID": adrs.USUBJID, "AVAL": [float(10 * i + 20) for i in range(29)],
                          "CNSR": [0, 1] * 14 + [0]})
    save_figure(plot_km(compute_km_by(adtte, settings=KmSettings(days_per_month=30)), title="PFS"),
                out / "f_km", formats=("png", "svg"))
    outputs = [Output("Table 14.2.1", "Objective response rate", "table",
                      {"HTML": "t_orr.html", "RTF": "t_orr.rtf"}),
               Output("Figure 14.2.1", "Kaplan-Meier plot of PFS", "figure",
                      {"PNG": "f_km.png", "SVG": "f_km.svg"}, image="f_km.png")]
    index_html = render_index(outputs, study="NCT04984096", stamp="Data extraction date: 2022-07-04")
    (out / "index.html").write_text(index_html, encoding="utf-8")
    # the same page with a probe script that reports every image's decoded size
    (out / "probe.html").write_text(index_html.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    profile = tmp_path / "profile"
    dom = dump_dom(browser, (out / "probe.html").as_uri(), profile)
    assert "Objective response rate" in dom and "Kaplan-Meier plot of PFS" in dom
    imgs = re.findall(r"IMG (\S+) (\w+) (\d+)x(\d+)", dom)
    assert imgs and [i[0] for i in imgs] == ["f_km.png"]
    for src, complete, w, h in imgs:
        assert complete == "true" and int(w) > 100 and int(h) > 100, (src, w, h)

    links = Links()
    links.feed(index_html)
    assert links.hrefs == ["t_orr.html", "t_orr.rtf", "f_km.png", "f_km.svg"]
    for href in links.hrefs:
        target = out / href
        assert target.is_file() and target.stat().st_size > 0, href
        if href.endswith(".html"):
            page = dump_dom(browser, target.as_uri(), profile)
            assert "<table" in page and "9 (31.0%)" in page and "(15.3, 50.8)" in page
        elif href.endswith(".svg"):
            page = dump_dom(browser, target.as_uri(), profile)
            assert "<svg" in page and "<path" in page
        elif href.endswith(".rtf"):
            assert target.read_text(encoding="ascii").startswith("{\\rtf1")
        elif href.endswith(".png"):
            assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_word_of_a_study_table_or_listing_is_broken_in_chromium(browser, study_tlf, tmp_path):
    """Every HTML table and listing of the study as a reviewer's browser lays it out (1280 px wide): no
    word of a cell is broken across lines (the AE listing's dates broke at their hyphens, 153 of them).
    The probe sees every word: in the AE listing as many as the page's cells hold."""
    from reviewer_tools import WORD_PROBE
    from test_tlf_study import parse_table

    pages = sorted(study_tlf.glob("*.html"))
    assert {"l_ae.html", "t_teae.html", "t_exposure.html"} <= {p.name for p in pages}
    for page in pages:
        if page.name == "index.html":
            continue
        probe = tmp_path / page.name
        probe.write_text(page.read_text(encoding="utf-8").replace("</body>", WORD_PROBE + "</body>"),
                         encoding="utf-8")
        dom = dump_dom(browser, probe.as_uri(), tmp_path / "profile")
        report = re.search(r'<pre id="word-probe">(.*?)</pre>', dom, re.S)
        assert report, page.name
        lines = report.group(1).splitlines()
        broken = [line for line in lines[1:] if line.startswith("BROKEN")]
        assert broken == [], (page.name, broken[:10])
        if page.name == "l_ae.html":
            table = parse_table(page)
            cells = [c for r in [*table.header, *table.rows] for c in r]
            assert lines[0] == f"WORDS {sum(len(c.split()) for c in cells)}"
