"""Every RTF output read as a reviewer reads it: converted to PDF by LibreOffice (one call for all, see
conftest.py), then each page's text from pdftotext.

On every page of every output: the output's number and title, its column headers (tables and listings)
and "Page x of N" with N the PDF's page count. The AE listing has no word broken across lines. The
numbers of the tables are those of the HTML tables (each row: its label, then its cells, on one line).
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_tlf_study import parse_table

PAGE = re.compile(r"Page (\d+) of (\d+)")


class IndexTitles(HTMLParser):
    """``{file: "Table 14.1.1 Baseline Characteristics"}`` from the review index."""

    def __init__(self):
        super().__init__()
        self.titles, self._title, self._in = {}, "", False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and attrs.get("class") == "output-title":
            self._in, self._title = True, ""
        elif tag == "a" and self._title:
            self.titles[attrs["href"]] = self._title

    def handle_endtag(self, tag):
        if tag == "span":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._title += data


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pages_of(pdf: Path) -> list[str]:
    res = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    pages = res.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def outputs(study_tlf, study_pdfs):
    """Per RTF output: expected title, column headers (None for figures), HTML table, PDF pages."""
    index = IndexTitles()
    index.feed((study_tlf / "index.html").read_text(encoding="utf-8"))
    out = {}
    for stem, pdf in study_pdfs.items():
        html = study_tlf / f"{stem}.html"
        table = parse_table(html) if html.is_file() else None
        out[stem] = {"title": index.titles[f"{stem}.rtf"], "table": table, "pages": pages_of(pdf),
                     "count": page_count(pdf)}
    return out


def test_every_rtf_output_was_converted(study_tlf, study_pdfs, outputs):
    rtfs = {p.stem for p in study_tlf.glob("*.rtf")}
    assert rtfs and set(study_pdfs) == rtfs
    assert {"t_baseline", "t_response", "t_tte", "t_ae", "l_ae"} <= rtfs


def test_every_page_has_title_headers_and_page_x_of_n(outputs):
    for stem, o in outputs.items():
        pages, n = o["pages"], o["count"]
        assert len(pages) == n, stem
        for k, page in enumerate(pages, start=1):
            where = f"{stem} page {k}"
            assert squeeze(o["title"]) in squeeze(page), f"{where}: no title {o['title']!r}"
            assert PAGE.findall(page) == [(str(k), str(n))], f"{where}: {PAGE.findall(page)}"
            if o["table"] is not None:  # every word of every column header, in the lines above the rows
                top = " ".join(page.splitlines()[:14])
                for header in o["table"].header[0]:
                    for word in header.split():
                        assert word in top, f"{where}: header word {word!r} missing"


def test_ae_listing_spans_pages_and_no_word_is_broken(outputs):
    o = outputs["l_ae"]
    assert o["count"] >= 3
    pdf_words = set(" ".join(o["pages"]).split())
    cell_words = {w for row in o["table"].rows for cell in row for w in cell.split()}
    broken = sorted(w for w in cell_words if w not in pdf_words)
    assert not broken, f"words broken across lines in the PDF: {broken[:20]}"
    # a date and its study day stay on one line (the column was one character short of "(113)"), and
    # each record's relationship to both drugs and its start date share one PDF line with the subject
    # (a date with an imputation flag, "2021-08-01 [D] (23)", is longer and may wrap)
    header = o["table"].header[0]
    cols = [header.index(h) for h in ("Related to anlotinib", "Related to PD-1 inhibitor", "Start date (study day)")]
    lines = [" ".join(line.split()) for page in o["pages"] for line in page.splitlines()]
    records = [(row[0], " ".join(row[c] for c in cols)) for row in o["table"].rows]
    assert len(records) == 77  # ADAE's records, all in the safety population
    for subject, want in records:
        if "[" in want:
            continue
        assert any(line.startswith(subject + " ") and want in line for line in lines), \
            f"not on one PDF line: {subject} ... {want!r}"


def test_table_numbers_in_the_pdf_are_those_of_the_tables(outputs):
    for stem, o in outputs.items():
        if not stem.startswith("t_"):
            continue
        lines = [re.sub(r"\s+", "", line) for page in o["pages"] for line in page.splitlines()]
        for row in o["table"].rows:
            label, cells = row[0], [c for c in row[1:] if c]
            if not cells:
                continue
            first_word = re.sub(r"\s+", "", label.split()[0])
            want = [re.sub(r"\s+", "", c) for c in cells]
            hits = [ln for ln in lines if ln.startswith(first_word) and _in_order(ln[len(first_word):], want)]
            assert hits, f"{stem}: row {label!r} with {cells} not on one PDF line"


def _in_order(text: str, parts: list[str]) -> bool:
    pos = 0
    for p in parts:
        pos = text.find(p, pos)
        if pos < 0:
            return False
        pos += len(p)
    return True
