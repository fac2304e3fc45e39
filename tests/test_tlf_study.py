"""Acceptance: `derive run` on the embedded study (NCT04984096) and every published figure read back
FROM THE RENDERED OUTPUTS (HTML tables parsed, RTF text searched, one RTF through LibreOffice to PDF,
the index opened in headless Chromium).

Published figures (shared/seed/escc-nct04984096.md): 29 patients; prior resection 23 (79.3%); line
8 (27.6%) / 20 (69.0%) / 1 (3.4%); BOR CR 0, PR 9, SD 16, PD 4; ORR 9/29 = 31.0% (exact 95% CI
15.3-50.8); DCR 25/29 = 86.2% (68.3-96.1); median PFS 5.33 and OS 10.37 months (days / 30); PFS CI
4.28-6.38 and OS CI 6.26-14.46 (symmetric, SPSS style); treatment-related AEs in all 29, anaemia and
lymphopenia the two most common; grade 3-4 related: lymphopenia 2 (6.9%) only; no treatment-related death.
"""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import derive_run
from reviewer_tools import PROBE, Links, chromium, dump_dom, rtf_to_pdf_text

ROOT = Path(__file__).resolve().parents[1]
STAMP = "Data extraction date: 2022-07-04"  # study.toml [study] created, labelled as what it is
TABLES = ["t_baseline", "t_disp", "t_response", "t_tte", "t_dor", "t_ae", "t_ae_overview", "t_teae", "t_teae_rel",
          "t_exposure", "t_lab_shift", "t_lab_ae"]
LISTINGS = ["l_ae"]
FIGURES = ["f_km_pfs", "f_km_os", "f_waterfall", "f_swimmer"]
ARDS = ["t_ae", "t_ae_overview", "t_baseline", "t_disp", "t_dor", "t_exposure", "t_lab_ae", "t_lab_shift",
        "t_response", "t_teae", "t_teae_rel", "t_tte"]
DOCUMENTS = ["tlf_book.pdf", "ars.json"]


@pytest.fixture(scope="module")
def tlf(study_tlf) -> Path:
    """The embedded study's run (one per session, see conftest.py)."""
    return study_tlf


# --------------------------------------------------------------------------- rendered HTML, parsed


class TableParser(HTMLParser):
    """Caption, header cells, body rows (label + cells) and footnotes of a rendered table page."""

    def __init__(self) -> None:
        super().__init__()
        self.caption, self.header, self.rows, self.footnotes = "", [], [], []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._where = ""
        self._in_thead = self._in_caption = self._in_footnotes = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "thead":
            self._in_thead = True
        elif tag == "caption":
            self._in_caption = True
        elif tag == "ul" and attrs.get("class") == "footnotes":
            self._in_footnotes = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "li" and self._in_footnotes:
            self.footnotes.append("")

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_thead = False
        elif tag == "caption":
            self._in_caption = False
        elif tag == "ul":
            self._in_footnotes = False
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            (self.header if self._in_thead else self.rows).append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption += data
        elif self._in_footnotes and self.footnotes:
            self.footnotes[-1] += data


def parse_table(path: Path) -> TableParser:
    parser = TableParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.footnotes = [re.sub(r"\s+", " ", f).strip() for f in parser.footnotes]
    return parser


def row(table: TableParser, label: str, *, after: str | None = None) -> list[str]:
    """Cells of the first body row labelled ``label`` (below the heading row ``after``, if given)."""
    rows = table.rows
    if after is not None:
        start = next(i for i, r in enumerate(rows) if r[0] == after)
        rows = rows[start + 1:]
    matches = [r[1:] for r in rows if r[0] == label]
    assert matches, f"no row {label!r} (after {after!r}); rows: {[r[0] for r in table.rows]}"
    return matches[0]


def rtf_text(path: Path) -> str:
    """The RTF file's text with the alignment padding of numbers removed (``23 ( 79.3%)`` is
    ``23 (79.3%)`` aligned under ``29 (100.0%)``): the numbers are compared, not the layout."""
    return re.sub(r"(?<=\() +", "", path.read_text(encoding="ascii"))


# --------------------------------------------------------------------------- outputs and index


def test_every_output_written_and_linked_from_the_index(tlf):
    links = Links()
    links.feed((tlf / "index.html").read_text(encoding="utf-8"))
    expected = {f"{n}.{ext}" for n in TABLES + LISTINGS for ext in ("html", "rtf")}
    expected |= {f"{n}.{ext}" for n in FIGURES for ext in ("png", "svg", "rtf")}
    expected |= set(DOCUMENTS)
    assert set(links.hrefs) == expected and len(links.hrefs) == len(expected)
    assert links.hrefs[:2] == DOCUMENTS  # the book and the analysis results first
    assert links.imgs == [f"{n}.png" for n in FIGURES]
    for href in links.hrefs:
        assert (tlf / href).stat().st_size > 0, href
    for name in TABLES + LISTINGS:
        assert rtf_text(tlf / f"{name}.rtf").startswith("{\\rtf1")
        assert STAMP in (tlf / f"{name}.html").read_text(encoding="utf-8")
        assert STAMP in rtf_text(tlf / f"{name}.rtf")
    for name in FIGURES:
        assert (tlf / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (tlf / f"{name}.svg").read_text(encoding="utf-8")
        rtf = rtf_text(tlf / f"{name}.rtf")
        assert "\\pngblip" in rtf and STAMP in rtf and "Data cut-off: 2022-07-03" in rtf


def test_analysis_results_data_one_row_per_statistic(tlf):
    assert sorted(p.stem for p in (tlf / "ard").glob("*.csv")) == ARDS
    with (tlf / "ard" / "t_response.csv").open(newline="") as fh:
        ard = list(csv.DictReader(fh))
    assert list(ard[0]) == ["analysis_id", "dataset", "population", "filter", "group_var", "group_value", "column_var",
                            "column_value", "parent_value", "grade_band", "stat_name", "stat_value", "stat_label"]
    orr = {r["stat_name"]: float(r["stat_value"]) for r in ard
           if r["analysis_id"] == "T14.2.1-ORR" and r["column_value"] == "BOR"}
    assert orr["n"] == 9 and orr["N"] == 29
    assert round(orr["ci_lower"], 1) == 15.3 and round(orr["ci_upper"], 1) == 50.8
    assert {r["dataset"] for r in ard} == {"ADRS"} and {r["population"] for r in ard} == {"EFFFL == 'Y'"}
    with (tlf / "ard" / "t_ae.csv").open(newline="") as fh:
        ae = list(csv.DictReader(fh))
    assert {r["population"] for r in ae} == {"SAFFL == 'Y'"}


def test_reruns_are_byte_identical(tlf, tmp_path):
    derive_run(tmp_path / "again")
    again = tmp_path / "again" / "tlf"
    files = sorted(p.relative_to(tlf) for p in tlf.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (tlf / rel).read_bytes() == (again / rel).read_bytes(), rel


# --------------------------------------------------------------------------- published figures


def test_baseline_characteristics(tlf):
    t = parse_table(tlf / "t_baseline.html")
    assert t.caption.startswith("Table 14.1.1 Baseline Characteristics")
    assert t.header[0][1] == "Anlotinib + PD-1 inhibitor (N=29)"
    assert row(t, "n", after="Age (years)") == ["29"]
    assert row(t, "Yes", after="Prior resection of ESCC, n (%)") == ["23 (79.3%)"]
    assert row(t, "No", after="Prior resection of ESCC, n (%)") == ["6 (20.7%)"]
    heading = "Line of anlotinib + PD-1 inhibitor, n (%)"
    assert row(t, "1st line", after=heading) == ["8 (27.6%)"]
    assert row(t, "2nd line", after=heading) == ["20 (69.0%)"]
    assert row(t, "3rd line", after=heading) == ["1 (3.4%)"]
    assert row(t, "Yes", after="Prior PD-1 inhibitor, n (%)") == ["29 (100.0%)"]
    for heading in ("Sex, n (%)", "ECOG performance status, n (%)", "History of smoking, n (%)",
                    "History of alcohol drinking, n (%)", "Disease stage at study entry, n (%)",
                    "Number of metastatic sites, n (%)", "Metastatic site (organ), n (%)"):
        assert row(t, heading) == []  # a heading without numbers spans the table: no data cell
    rtf = rtf_text(tlf / "t_baseline.rtf")
    assert "23 (79.3%)" in rtf and "20 (69.0%)" in rtf and "(N=29)" in rtf


def test_best_overall_response_orr_dcr(tlf):
    t = parse_table(tlf / "t_response.html")
    assert [h for h in t.header[0][1:]] == ["Best overall response (confirmation not required) (N=29)",
                                            "Confirmed best overall response (N=29)"]
    expected = {"Complete response (CR)": "0", "Partial response (PR)": "9 (31.0%)",
                "Stable disease (SD)": "16 (55.2%)", "Progressive disease (PD)": "4 (13.8%)",
                "Not evaluable (NE)": "0"}
    for label, cell in expected.items():
        assert row(t, label) == [cell, cell], label
    orr = "Objective response rate (CR + PR), n (%)"
    dcr = "Disease control rate (CR + PR + SD), n (%)"
    assert row(t, orr) == ["9 (31.0%)"] * 2
    assert row(t, "95% CI (exact Clopper-Pearson)", after=orr) == ["(15.3, 50.8)"] * 2
    assert row(t, dcr) == ["25 (86.2%)"] * 2
    assert row(t, "95% CI (exact Clopper-Pearson)", after=dcr) == ["(68.3, 96.1)"] * 2
    rtf = rtf_text(tlf / "t_response.rtf")
    for needle in ("9 (31.0%)", "(15.3, 50.8)", "25 (86.2%)", "(68.3, 96.1)", "16 (55.2%)", "4 (13.8%)"):
        assert needle in rtf


def test_pfs_os_medians_and_symmetric_intervals(tlf):
    t = parse_table(tlf / "t_tte.html")
    assert t.header[0][1:] == ["Progression-free survival (N=29)", "Overall survival (N=29)"]
    assert row(t, "Subjects, N") == ["29", "29"]
    assert row(t, "Events, n") == ["25", "19"]
    assert row(t, "Censored, n") == ["4", "10"]
    median = next(r[1:] for r in t.rows if r[0].startswith("Median (months)"))
    assert median[0].startswith("5.33 (") and median[1].startswith("10.37 (")
    symmetric = next(r[1:] for r in t.rows if r[0].startswith("95% CI (median +/- 1.96"))
    # PFS: the paper's 4.28-6.38 exactly. OS: lower limit 6.26 as published; the upper limit renders
    # 10.37 + 4.10 = 14.47 (the article printed 14.46, the 2022 abstract 14.48: rounding of the SE there)
    assert symmetric == ["(4.28, 6.38)", "(6.26, 14.47)"]
    assert [r[0] for r in t.rows if r[0].startswith("Event-free rate")] == [
        "Event-free rate at 6 months, % (95% CI)", "Event-free rate at 12 months, % (95% CI)"]
    # PFS: the last PFS time is an event, so the curve is 0 from then on (SAS prints 0, not a missing rate)
    assert row(t, "Event-free rate at 12 months, % (95% CI)") == ["0.0 (NE, NE)", "46.4 (26.6, 64.1)"]
    assert any("days / 30" in f for f in t.footnotes)
    rtf = rtf_text(tlf / "t_tte.rtf")
    assert "(4.28, 6.38)" in rtf and "5.33 (" in rtf and "10.37 (" in rtf


def test_treatment_related_adverse_events(tlf):
    t = parse_table(tlf / "t_ae.html")
    assert t.header[0][1:] == ["Any grade n (%)", "Grade 3-4 n (%)"]
    assert row(t, "Subjects with any treatment-related AE") == ["29 (100.0%)", "2 (6.9%)"]
    pts = t.rows[t.rows.index(["Preferred term (MedDRA)"]) + 1:-1]  # a heading spanning the table
    # the two most common: anaemia and lymphopenia (MedDRA PT "Lymphocyte count decreased")
    assert [r[0] for r in pts[:2]] == ["Anaemia", "Lymphocyte count decreased"]
    counts = [int(r[1].split()[0]) for r in pts]
    assert counts == sorted(counts, reverse=True) and counts[2] < counts[1]
    grade34 = {r[0]: r[2] for r in pts}
    assert grade34.pop("Lymphocyte count decreased") == "2 (6.9%)"
    assert set(grade34.values()) == {"0"}  # no other grade 3-4 PT
    death = "Treatment-related death (related AE with fatal outcome)"
    assert row(t, death) == ["0", ""]
    assert "No treatment-related deaths: no treatment-related AE had a fatal outcome or grade 5." in t.footnotes
    rtf = rtf_text(tlf / "t_ae.rtf")
    assert "No treatment-related deaths" in rtf and "29 (100.0%)" in rtf and "2 (6.9%)" in rtf


def test_ae_listing_has_every_reported_event(tlf):
    with (ROOT / "raw" / "ae.csv").open(newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    t = parse_table(tlf / "l_ae.html")
    assert t.header[0][:3] == ["Subject", "Preferred term / reported term", "CTCAE grade"]
    assert len(t.rows) == len(raw) == 77
    # a raw page with a partial start date shows the imputed analysis date with its flag
    partial = [r["AESTDAT"] for r in raw if not re.fullmatch(r"\d{2}[A-Z]{3}\d{4}", r["AESTDAT"])]
    assert sorted(partial) == ["2020-09", "2021-08", "UN-UNK-2021"]
    flagged = sorted(re.search(r"\[([DMY])\]", r[6]).group(1) for r in t.rows if "[" in r[6])
    assert flagged == ["D", "D", "M"]  # two month-known dates (day imputed), one year-only (month+day)
    rtf = rtf_text(tlf / "l_ae.rtf")
    assert rtf.count("\\page") >= 2  # 77 records, 25 per page


# --------------------------------------------------------------------------- external tools


def test_index_and_linked_outputs_load_in_chromium(tlf, tmp_path):
    browser = chromium()
    site = tmp_path / "tlf"  # a copy: the probe page must not land in the run's outputs
    shutil.copytree(tlf, site)
    index = (site / "index.html").read_text(encoding="utf-8")
    probe = site / "_probe.html"  # next to the index so that relative links resolve
    probe.write_text(index.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = dump_dom(browser, probe.as_uri(), tmp_path / "profile")
    imgs = re.findall(r"IMG (\S+) (\w+) (\d+)x(\d+)", dom)
    assert [i[0] for i in imgs] == [f"{n}.png" for n in FIGURES]
    for src, complete, w, h in imgs:
        assert complete == "true" and int(w) > 300 and int(h) > 300, (src, w, h)
    links = Links()
    links.feed(index)
    for href in links.hrefs:
        if href.endswith(".html"):
            page = dump_dom(browser, (site / href).as_uri(), tmp_path / "profile")
            assert "<table" in page and "NCT04984096" in page and STAMP in page, href
            if href.startswith("t_"):
                assert "(N=29)" in page, href
        elif href.endswith(".svg"):
            page = dump_dom(browser, (site / href).as_uri(), tmp_path / "profile")
            assert "<svg" in page and "<path" in page, href


def test_response_rtf_converts_to_pdf_with_the_numbers(tlf, tmp_path):
    rtf = tmp_path / "t_response.rtf"
    shutil.copyfile(tlf / "t_response.rtf", rtf)
    text = rtf_to_pdf_text(rtf, tmp_path)
    for needle in ("Table 14.2.1", "(N=29)", "9 (31.0%)", "(15.3, 50.8)", "25 (86.2%)", "(68.3, 96.1)",
                   "16 (55.2%)", "4 (13.8%)", STAMP):
        assert needle in text, f"{needle!r} not in the PDF text:\n{text}"
    assert any("Partial response (PR)" in line and line.count("9 (31.0%)") == 2 for line in text.splitlines())
