"""Open rendered RTF in LibreOffice (headless), convert to PDF, and find the numbers with pdftotext."""


import pandas as pd
from reviewer_tools import rtf_to_pdf_text

from derivations.tlf import (
    RowSpec,
    build_table,
    columns_from_ard,
    compute_ard_counts,
    compute_ard_proportion_ci,
    level_rows,
    render_listing,
    render_rtf,
)


def test_rtf_table_converts_and_keeps_numbers(tmp_path):
    adsl = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(29)],
                         "AGEGR1": ["<65"] * 20 + ["≥65"] * 9})
    adrs = pd.DataFrame({"USUBJID": adsl.USUBJID, "AVALC": ["PR"] * 9 + ["SD"] * 16 + ["PD"] * 4})
    ard = pd.concat([
        compute_ard_counts(adsl, analysis_id="AGE", variables=["AGEGR1"], order={"AGEGR1": ["<65", "≥65"]}),
        compute_ard_proportion_ci(adrs, analysis_id="ORR", response="AVALC in ['CR', 'PR']", denominator=adsl),
        compute_ard_proportion_ci(adrs, analysis_id="DCR", response="AVALC in ['CR', 'PR', 'SD']",
                                  denominator=adsl),
    ], ignore_index=True)
    rows = [RowSpec("Age group, n (%)"), *level_rows(ard, analysis_id="AGE"),
            RowSpec("ORR, n (%)", {"analysis_id": "ORR"}, "n_pct"),
            RowSpec("95% CI", {"analysis_id": "ORR"}, "ci", indent=1),
            RowSpec("DCR, n (%)", {"analysis_id": "DCR"}, "n_pct"),
            RowSpec("95% CI", {"analysis_id": "DCR"}, "ci", indent=1)]
    table = build_table(ard, title="Best overall response {RECIST 1.1}", table_id="Table 14.2.1",
                        rows=rows, columns=columns_from_ard(ard, analysis_id="AGE",
                                                            labels={"Total": "Anlotinib + PD-1"}),
                        footnotes=["CI: exact Clopper-Pearson."], orientation="landscape",
                        program="t_bor.py")
    rtf = tmp_path / "t_bor.rtf"
    rtf.write_text(render_rtf(table, stamp="Data extraction date: 2022-07-04"), encoding="ascii")
    text = rtf_to_pdf_text(rtf, tmp_path)
    for needle in ("Table 14.2.1 Best overall response {RECIST 1.1}", "20 (69.0%)", "≥65",
                   "9 (31.0%)", "(15.3, 50.8)", "25 (86.2%)", "(68.3, 96.1)", "(N=29)",
                   "CI: exact Clopper-Pearson.", "Data extraction date: 2022-07-04", "Page 1 of 1"):
        assert needle in text, f"{needle!r} not in PDF text:\n{text}"
    # landscape: pdftotext lines are wide enough to hold the whole row
    assert any("95% CI" in line and "(68.3, 96.1)" in line for line in text.splitlines())


def test_rtf_listing_has_one_page_per_chunk(tmp_path):
    data = pd.DataFrame({"USUBJID": [f"ESCC-{i:03d}" for i in range(45)], "AVALC": ["PR", "SD", "PD"] * 15})
    rtf = tmp_path / "l_bor.rtf"
    rtf.write_text(render_listing(data, title="Listing of BOR", rows_per_page=20,
                                  columns={"USUBJID": "Subject", "AVALC": "BOR"}), encoding="ascii")
    text = rtf_to_pdf_text(rtf, tmp_path)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 3
    assert all("Listing of BOR" in p and "Subject" in p for p in pages)
    assert "ESCC-000" in pages[0] and "ESCC-020" in pages[1] and "ESCC-044" in pages[2]


def test_book_converts_its_contents_with_the_outputs(tmp_path, monkeypatch):
    """The contents are planned from the pages the RTFs plan and converted in the outputs' LibreOffice call;
    when an output's planned pages are wrong they are converted again: the same book either way."""
    from pypdf import PdfReader
    from reviewer_tools import binary

    from derivations.tlf import book
    from derivations.tlf.render import Table

    soffice = binary("soffice", "libreoffice")
    listing = tmp_path / "l_bor.rtf"
    listing.write_text(render_listing(pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(45)]}), title="BOR",
                                      rows_per_page=20, columns={"USUBJID": "Subject"}), encoding="ascii")
    table = tmp_path / "t_dm.rtf"
    table.write_text(render_rtf(Table(title="Demographics", columns=["", "All"], rows=[], table_id="Table 14.1.1")),
                     encoding="ascii")
    calls = []
    convert = book.convert_to_pdf
    monkeypatch.setattr(book, "convert_to_pdf", lambda rtfs, *a, **k: calls.append(len(rtfs)) or convert(rtfs, *a, **k))
    made = {}
    for table_pages in (1, 2):  # as the RTF plans it (1 page), or wrong
        entries = [book.BookEntry("Listing 16.2.1", "BOR", listing, "listing", 3),
                   book.BookEntry("Table 14.1.1", "Demographics", table, "table", table_pages)]
        calls.clear()
        result = book.build_book(entries, tmp_path / f"book{table_pages}.pdf", study="S1", soffice=soffice)
        made[table_pages] = (list(calls), result.first_page, result.toc_pages, result.path.read_bytes())
    assert made[1][:3] == ([3], [2, 3], 1)  # 2 outputs + the contents in one call; contents on page 1
    assert made[2][:3] == ([3, 1], [2, 3], 1)  # the guessed contents (listing on page 4) were wrong: again
    assert made[1][3] == made[2][3] and len(PdfReader(tmp_path / "book1.pdf").pages) == 5


def test_book_in_the_background_writes_nothing_until_waited_for(tmp_path):
    """The book is made outside the output folder while the run goes on; a failure is raised when the run
    waits for it, and nothing of it is left in the output."""
    import pytest

    from derivations.findings import DerivationError
    from derivations.tlf.book import BookEntry
    from derivations.tlf.publish import PendingBook
    from derivations.tlf.render import Table

    out = tmp_path / "tlf"
    out.mkdir()
    rtf = out / "t_dm.rtf"
    rtf.write_text(render_rtf(Table(title="Demographics", columns=["", "All"], rows=[], table_id="Table 14.1.1")),
                   encoding="ascii")
    failing = tmp_path / "soffice"
    failing.write_text("#!/bin/sh\necho 'no display' >&2\nexit 1\n")
    failing.chmod(0o755)
    book = PendingBook([BookEntry("Table 14.1.1", "Demographics", rtf, "table", 1)], out / "tlf_book.pdf",
                       soffice=str(failing))
    with pytest.raises(DerivationError, match="LibreOffice did not convert"):
        book.wait()
    assert sorted(p.name for p in out.iterdir()) == ["t_dm.rtf"]
