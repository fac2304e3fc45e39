"""Page layout of the RTF documents: number alignment, column widths, paging, headers and footers."""

import re

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.tlf import Row, production_stamp, render_figure_rtf, render_rtf, table_plan
from derivations.tlf.figures import censor_marks, figure_bytes, plot_km, plot_waterfall, zero_stub
from derivations.tlf.layout import (PageLayout, align_numbers, align_text, balance_lines, compute_column_widths,
                                    heading_parents, is_numeric_column, measure_column, paginate, spanning_rows,
                                    tie_phrases, wrap)
from derivations.tlf.render import Table, html_unbroken, render_html
from derivations.tlf.rtf import CONTINUED, Frame, png_size


def test_numbers_align_on_decimal_point_and_parenthesis():
    cells = ["29 (100.0%)", "9 (31.0%)", "0", "", "(15.3, 50.8)", "2 (6.9%)"]
    text = align_text(cells)
    assert text == [" 29 (100.0%)", "  9 ( 31.0%)", "  0", "", "(15.3, 50.8)", "  2 (  6.9%)"]
    # the units digit of the first number, the "(" and the decimal point of the % share one column
    units = {t.index("9") for t in text[:2]} | {t.index("0") for t in [text[2]]}
    assert len({len(t.split("(")[0]) for t in text if "%" in t}) == 1 and len(units) == 1
    assert len({t.index(".") for t in text if "%" in t}) == 1
    # every non-blank cell is padded on the right to one width (blank cells stay blank)
    segs = align_numbers(cells)
    widths = {sum(s if isinstance(s, int) else len(s) for s in seg) for seg in segs if seg}
    assert widths == {12} and segs[3] == []
    # the cell text is unchanged apart from padding
    for cell, t in zip(cells, text):
        assert re.sub(r"\s+", "", t) == re.sub(r"\s+", "", cell)


def test_statistics_of_different_forms_align_on_the_first_number_only():
    text = align_text(["29", "5.33 (4.37, 6.33)", "(4.28, 6.38)", "42.8 (24.4, 60.0)", "0.0 (NE, NE)"])
    assert text == ["29", " 5.33 (4.37, 6.33)", "(4.28, 6.38)", "42.8 (24.4, 60.0)", " 0.0 (  NE,   NE)"]
    assert {t.index(".") for t in text[1:]} == {2}


def test_text_columns_are_not_aligned_as_numbers():
    assert not is_numeric_column(["2021-08-17 (22)", "2021-09-01 (37)"])
    assert not is_numeric_column(["RECOVERED/RESOLVED", "1"])
    assert is_numeric_column(["1", "", "3"])


def test_wrap_breaks_at_spaces_and_line_breaks_only():
    assert wrap("Lymphocyte count decreased /\nlymphocytes low", 16) == [
        "Lymphocyte count", "decreased /", "lymphocytes low"]
    assert wrap("Hypothyroidism", 14) == ["Hypothyroidism"]


def test_column_widths_never_break_a_word_and_keep_short_columns_whole():
    term = ["Palmar-plantar erythrodysaesthesia syndrome /\nhand foot skin reaction", "Anaemia /\nanaemia"]
    dates = ["2021-08-17 (22)", "2021-09-01 (137)"]
    measures = [measure_column(["Preferred term /\nreported term", *term]), measure_column(["Start date", *dates]),
                measure_column(["Grade", "1", "3"], numeric=True)]
    assert measures[0] == (45, 19)  # "erythrodysaesthesia" is 19 characters
    lengths = [[45, 9], [15, 16], [1, 1]]
    fits = compute_column_widths(measures, usable_chars=45, lengths=lengths)
    assert [f.chars for f in fits] == [24, 16, 5]  # the term wraps, the dates keep their 16 characters
    assert all(len(line) <= fits[0].chars for t in term for line in wrap(t, fits[0].chars))
    with pytest.raises(DerivationError, match="need at least 34 characters"):  # 19 + 10 + 5
        compute_column_widths(measures, usable_chars=33)
    # fixed columns keep their width
    assert compute_column_widths(measures, usable_chars=60, fixed=[None, 20, None], fill=False)[1].chars == 20
    # a fixed width narrower than the longest word is widened to it
    assert compute_column_widths(measures, usable_chars=60, fixed=[12, None, None], fill=False)[0].chars == 19


def test_heading_groups_and_paging_with_continued_headings():
    indents = [0, 1, 1, 1, 0, 1, 1]
    assert heading_parents(indents) == [[], [0], [0], [0], [], [4], [4]]
    pages = paginate([10] * 7, indents, 30)
    # page 2 continues group 0; heading 4 does not fit with its first row there, so it opens page 3
    assert [[(r.index, r.continued) for r in p.rows] for p in pages] == [
        [(0, False), (1, False), (2, False)], [(0, True), (3, False)], [(4, False), (5, False), (6, False)]]
    # a heading is never the last row of a page: heading 4 moves with its first row
    pages = paginate([10] * 7, indents, 40)
    assert [[r.index for r in p.rows] for p in pages] == [[0, 1, 2, 3], [4, 5, 6]]
    # page_by: a page per group, the label repeated with continued
    pages = paginate([10] * 5, [0] * 5, 20, page_by=["A", "A", "A", "B", "B"])
    assert [(p.page_by, p.page_by_continued, [r.index for r in p.rows]) for p in pages] == [
        ("A", False, [0, 1]), ("A", True, [2]), ("B", False, [3, 4])]
    with pytest.raises(DerivationError, match="taller than a page"):
        paginate([50], [0], 40)


def _long_table(n_groups=12, per_group=6):
    rows = []
    for g in range(n_groups):
        rows.append(Row(f"System organ class {g}", [f"{30 - g} ({100 * (30 - g) / 40:.1f}%)", "1 (2.5%)"]))
        rows += [Row(f"Preferred term {g}.{k}", [f"{k} ({100 * k / 40:.1f}%)", "0"], indent=1)
                 for k in range(per_group)]
    return Table(title="TEAEs by SOC and PT", table_id="Table 14.3.2", columns=["SOC\n  PT", "Arm A\n(N=40)",
                                                                                   "Arm B\n(N=40)"],
                 rows=rows, footnotes=["A footnote."], program="tlf/t.py", study="S1", cutoff="2022-07-03")


def test_table_pages_repeat_headers_and_continue_groups():
    table = _long_table()
    plan = table_plan(table)
    assert len(plan.pages) > 1
    for page in plan.pages[1:]:
        first = page.rows[0]
        if first.continued:  # a group split over pages is headed "(continued)"
            assert table.rows[first.index].indent == 0
    text = render_rtf(table, stamp="Data extraction date: 2022-07-04")
    assert text.count("\\trhdr") == len(plan.pages)  # the column header row on every page
    assert text.count("\\page\n") == len(plan.pages) - 1
    assert text.count(CONTINUED) == sum(r.continued for p in plan.pages for r in p.rows)
    # the rows of every page fit the page (heights planned from the text)
    for page in plan.pages:
        assert sum(plan.heights[r.index] for r in page.rows if not r.continued) <= plan.capacity


def test_table_column_widths_fixed_in_inches_and_checked():
    table = _long_table(2, 2)
    table.column_widths = [None, 2.0, 2.0]
    plan = table_plan(table)
    assert plan.twips[1] == plan.twips[2] and abs(plan.twips[1] - 2880) < 120
    assert sum(plan.twips) == 12960  # landscape letter, 1 inch margins: the table spans the text width
    with pytest.raises(DerivationError, match="column_widths"):
        Table(title="x", columns=["", "A"], rows=[], column_widths=[1.0])


def test_production_stamp_is_honest_and_checked():
    assert str(production_stamp("2022-07-04T00:00:00", environ={})) == "Data extraction date: 2022-07-04"
    assert str(production_stamp("2022-07-04", environ={"SOURCE_DATE_EPOCH": "0"})) == \
        "Production date: 1970-01-01 00:00:00 UTC"
    with pytest.raises(DerivationError, match="SOURCE_DATE_EPOCH"):
        production_stamp("2022-07-04", environ={"SOURCE_DATE_EPOCH": "-5"})
    with pytest.raises(DerivationError, match="extraction date"):
        production_stamp("July 2022", environ={})


def test_figure_rtf_embeds_the_png_with_titles_and_footer():
    fig = plot_waterfall(pd.DataFrame({"USUBJID": list("abc"), "PCHG": [-40.0, 0.0, 25.0], "BOR": ["PR", "SD", "PD"]}))
    png = figure_bytes(fig, "png")
    w, h = png_size(png)
    frame = Frame(title="Figure 14.2.3 Waterfall", study="S1", footnotes=("Bars: best change.",),
                  program="tlf/f_waterfall.py", cutoff="2022-07-03", stamp="Data extraction date: 2022-07-04")
    text = render_figure_rtf(png, frame)
    assert text.isascii() and "\\pngblip" in text and f"\\picw{w}\\pich{h}" in text
    assert png.hex()[:256] in text.replace("\n", "")
    goal_w = int(re.search(r"\\picwgoal(\d+)", text).group(1))
    goal_h = int(re.search(r"\\pichgoal(\d+)", text).group(1))
    assert goal_w <= 12960 and abs(goal_w / goal_h - w / h) < 0.01
    assert "Figure 14.2.3 Waterfall" in text and "Bars: best change." in text and "Data cut-off: 2022-07-03" in text
    two = render_figure_rtf([png, png], frame)
    assert two.count("\\pngblip") == 2 and two.count("\\page\n") == 1
    with pytest.raises(DerivationError, match="not a PNG"):
        render_figure_rtf(b"GIF89a" + bytes(30), frame)


def test_waterfall_zero_change_is_drawn_and_reference_labels_sit_outside():
    bottom, top = zero_stub(np.array([40.0, 0.0, -60.0]))
    assert top[1] - bottom[1] > 0 and bottom[1] < 0 < top[1]
    fig = plot_waterfall(pd.DataFrame({"USUBJID": list("abc"), "PCHG": [40.0, 0.0, -60.0], "BOR": ["PD", "SD", "PR"]}))
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 3 and all(h > 0 for h in heights)
    labels = [t for t in ax.texts if t.get_text() in ("-30%", "+20%")]
    assert len(labels) == 2 and all(t.get_position()[0] > 1.0 for t in labels)  # right of the axes
    # the longest bars end inside the axes, with room to see that they end (the -60% bar of the
    # study ended on the lower spine, as if cut off): 5% of the data range on each side
    low, high = ax.get_ylim()
    assert low == pytest.approx(-60.0 - 0.05 * 100.0) and high == pytest.approx(40.0 + 0.05 * 100.0)


def test_km_censor_marks_thinned_and_at_risk_labels_clear_of_numbers():
    times = np.linspace(0.5, 20, 5000)
    marks = censor_marks(times, 20.0, max_marks=80)
    assert len(marks) <= 80 and marks[0] == times[0]
    from derivations.tlf import KmSettings, compute_km
    km = compute_km(np.r_[np.arange(1, 10001) % 700 + 1.0], np.r_[np.arange(10000) % 3 == 0].astype(int),
                    KmSettings(days_per_month=30))
    fig = plot_km({"Anlotinib + PD-1": km})
    fig.canvas.draw()
    ax, axr = fig.axes
    label = axr.get_yticklabels()[0].get_window_extent()
    first = next(t for t in axr.texts if t.get_text() == "10000").get_window_extent()
    assert label.x1 < first.x0  # the group label ends before the first number at risk
    assert label.x0 >= 0  # and is not cut off at the figure's left edge


# --------------------------------------------------------------------------- headers, widths and blocks


def _rtf_rows(text: str) -> list[str]:
    """The table rows of an RTF document (each from its \\trowd to its \\row)."""
    return [r for r in text.split("\\row\n") if "\\trowd" in r]


def test_header_phrases_are_never_broken_and_widths_come_from_the_content():
    assert tie_phrases("Grade 4\nn (%)") == "Grade\u00a04\nn\u00a0(%)"
    assert tie_phrases("Adverse event\ngrade 3-4") == "Adverse event\ngrade\u00a03\u20114"
    assert tie_phrases("Baseline grade") == "Baseline grade" and tie_phrases("Anlotinib + PD-1") == "Anlotinib + PD-1"
    long_label = "Alkaline phosphatase increased / Blood alkaline phosphatase increased " * 2 + "(ALP high, N=29)"
    table = Table(title="Lab abnormalities", table_id="Table 14.3.7",
                  columns=["Parameter", "Grade 4\nn (%)", "Adverse event\ngrade 3-4\nn (%)"],
                  rows=[Row(long_label, ["1 (3.4%)", "0"]), Row("Anaemia", ["0", "12 (41.4%)"])])
    plan = table_plan(table)
    # landscape letter, 9 pt: 115 characters; "1 (3.4%)" (8) is wider than "Grade 4" (7); "Adverse event"
    # keeps its line (13, the header row stays at 3 lines) and the long label takes what is left
    assert plan.chars == [94, 8, 13]
    text = render_rtf(table)
    assert "Grade\\~4\\line n\\~(%)" in text and "Adverse event\\line grade\\~3\\_4\\line n\\~(%)" in text
    # a header row of 3 lines with "Adverse event" whole beats one of 4 when the label would wrap
    # once more: the doctest of compute_column_widths shows the choice with the numbers
    heads = ["Term", "Adverse event\ngrade\u00a03\u20114"]
    fits = compute_column_widths([measure_column(["Term", "A long preferred term"]), measure_column(heads[1:])],
                                 usable_chars=30, fill=False, lengths=[[4, 21], [1]], headers=heads, header_weight=3)
    assert [f.chars for f in fits] == [17, 13]


def test_rtf_rows_repeat_the_header_keep_blocks_together_and_never_split():
    table = _long_table(n_groups=7, per_group=9)  # blocks of 10 rows: a SOC and its 9 PTs
    plan = table_plan(table)
    assert plan.capacity // plan.heights[0] == 36  # rows a page holds: the 70 rows would fill 2 pages,
    assert len(plan.pages) == 3  # but a block that does not fit moves whole to the next page
    for page in plan.pages:
        assert not any(r.continued for r in page.rows)
        assert len(page.rows) % 10 == 0 and table.rows[page.rows[0].index].indent == 0
    text = render_rtf(table)
    rows = _rtf_rows(text)
    assert len(rows) == len(plan.pages) + len(table.rows)
    heads = [r for r in rows if "\\trhdr" in r]
    assert len(heads) == len(plan.pages)  # the column header row on every page, kept with the first row
    assert all("\\intbl\\keepn" in r for r in heads)
    assert all("\\trkeep" in r for r in rows)  # no row is split across pages
    body = [r for r in rows if "\\trhdr" not in r]
    keep = ["\\keepn" in r for r in body]
    # every row of a block but its last is kept with the next: the SOC and its PTs
    assert keep == ([True] * 9 + [False]) * 7
    assert all(r.count("\\keepn") == len(table.columns) for r, k in zip(body, keep) if k)


def test_a_block_longer_than_a_page_is_split_and_continued():
    table = _long_table(n_groups=2, per_group=40)
    plan = table_plan(table)
    assert len(plan.pages) == 3
    assert [r.continued for r in plan.pages[1].rows][:1] == [True]
    body = [r for r in _rtf_rows(render_rtf(table)) if "\\trhdr" not in r]
    # the last row of each page and of each block is not kept with the next
    ends = []
    k = 0
    for page in plan.pages:
        k += len(page.rows)
        ends.append(k - 1)
    for i, r in enumerate(body):
        last_of_block = i in ends or (i + 1 < len(body) and "System organ class 1" in body[i + 1]
                                      and "continued" not in body[i + 1])
        assert ("\\keepn" in r) != last_of_block, i


def test_a_heading_with_blank_cells_spans_the_table():
    long = "Leukocytes (10^9/L): White blood cell decreased (low), N=29, baseline and worst grades per subject +"
    rows = [Row(long, ["", ""]), Row("Baseline grade 0", ["29 (100.0%)", "0"], indent=1),
            Row("Baseline grade 1", ["0", "0"], indent=1),
            Row("Any grade, n (%)", ["3 (10.3%)", "1 (3.4%)"]), Row("Grade 3-4", ["1 (3.4%)", "0"], indent=1)]
    table = Table(title="Shift", table_id="Table 14.3.6", columns=["Parameter\n  Baseline grade", "Grade 0\nn (%)",
                                                                   "Grade 4\nn (%)"], rows=rows)
    plan = table_plan(table)
    # 100 characters: one line across the table (118 characters), where its first column (96 characters,
    # what "29 (100.0%)" and "1 (3.4%)" leave of 115) would need 2; a heading with numbers does not span
    assert plan.chars == [96, 11, 8] and len(long) == 100
    line, pad_v = 216, 14
    assert plan.heights == [line + 2 * pad_v] * 5
    body = [r for r in _rtf_rows(render_rtf(table)) if "\\trhdr" not in r]
    assert [r.count("\\cellx") for r in body] == [1, 3, 3, 3, 3]
    assert "\\cellx12960\n" in body[0] and long.split()[0] in body[0] and "\\keepn" in body[0]
    # the HTML spans the same row: one <th colspan="3">, no <td>; the other rows keep their 2 cells
    html_rows = re.findall(r"<tr>\n(.*?)</tr>", render_html(table).split("<tbody>")[1], flags=re.S)
    assert [(r.count("<th "), r.count("<td"), 'colspan="3"' in r) for r in html_rows] == [
        (1, 0, True), (1, 2, False), (1, 2, False), (1, 2, False), (1, 2, False)]
    assert ">" + str(html_unbroken(long)) + "</th>" in html_rows[0]


def test_only_a_heading_with_all_cells_blank_spans():
    # a heading with a number, a row with blank cells that heads nothing, the last row, whitespace
    assert spanning_rows([0, 1, 0, 0, 1, 1, 0], [["", ""], ["1", ""], ["", ""], ["", "2"], ["", ""],
                                                  ["", ""], [" ", "\t"]]) == [
        True, False, False, False, False, False, False]
    assert spanning_rows([0, 1, 2, 1], [[" ", ""], ["", ""], ["3", "4"], ["", ""]]) == [True, True, False, False]
    assert spanning_rows([0, 1], [[], []]) == [False, False]  # no data column: nothing to span


def test_a_title_that_wraps_is_broken_into_even_lines():
    # the study's Table 14.3.4: 126 characters on lines of 119 (landscape letter, 9 pt)
    title = ("Table 14.3.4 Treatment-Related Treatment-Emergent Adverse Events by System Organ Class, "
             "Preferred Term and Maximum CTCAE Grade")
    assert wrap(title, 119)[1] == "CTCAE Grade"  # greedy: a full line and 2 words alone
    assert balance_lines(title, 119) == ["Table 14.3.4 Treatment-Related Treatment-Emergent Adverse Events",
                                         "by System Organ Class, Preferred Term and Maximum CTCAE Grade"]
    table = Table(title=title, columns=["", "All"], rows=[Row("Any TEAE", ["29 (100.0%)"])],
                  subtitle="Safety population: Anlotinib + PD-1 inhibitor (N=29)", study="NCT04984096")
    text = render_rtf(table)
    header = text.split("{\\header", 1)[1].split("{\\footer", 1)[0]
    assert ("\\b Table 14.3.4 Treatment-Related Treatment-Emergent Adverse Events\\line by System Organ Class, "
            "Preferred Term and Maximum CTCAE Grade\\b0\\par") in header
    # the same 2 lines as before: the header takes the same height (study, 2 title lines, subtitle)
    margt = int(re.search(r"\\margt(\d+)", text).group(1))
    layout = PageLayout()
    assert margt == layout.margins(4, 1)[0]
    # a title on one line and a left-aligned footnote are left as they are
    short = render_rtf(Table(title="Extent of Exposure", columns=["", "All"], rows=[Row("n", ["29"])],
                             footnotes=[title]))
    assert "\\line" not in short and title in short
