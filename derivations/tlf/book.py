"""The TLF book: every output in one PDF, in table-of-contents order, with bookmarks.

Reviewers ask for one document they can page through; the book is made the way a
reviewer's own tools would read the outputs: each output's RTF is converted to PDF
by LibreOffice (all of them in one ``soffice`` call), a table of contents is
rendered as one more RTF table (output number, title, page in the book) and
converted, and the PDFs are joined with pypdf, which adds a bookmark per output
and a link from each line of the contents to its output. The contents are planned
from the pages each RTF plans and converted in the same call as the outputs; a
second call converts them again only when LibreOffice paged an output otherwise.

Order: by section (the output number without its last part: 14.1, 14.2, 14.3, 16.2), within a
section the tables, then the figures, then the listings, each by number; outputs of one number
as published. Figures are numbered apart from tables, so Figure 14.2.1 (a KM plot) follows the
efficacy tables instead of sitting between Table 14.2.1 and Table 14.2.2.

The book is byte-identical for the same RTFs: no dates are written into it except
the production date of ``SOURCE_DATE_EPOCH`` (:mod:`.stamp`), and pypdf's file
identifier is derived from the content.

>>> [e.output_id for e in toc_order([BookEntry("Listing 16.2.7", "AEs", "l_ae.rtf", "listing"),
...                                    BookEntry("Figure 14.2.1", "KM", "f_km.rtf", "figure"),
...                                    BookEntry("Table 14.2.1", "BOR", "t_bor.rtf", "table"),
...                                    BookEntry("Table 14.2.2", "PFS", "t_pfs.rtf", "table"),
...                                    BookEntry("Table 14.1.1", "Demographics", "t_dm.rtf", "table"),
...                                    BookEntry("Table 14.3.1", "AEs", "t_ae.rtf", "table")])]
['Table 14.1.1', 'Table 14.2.1', 'Table 14.2.2', 'Figure 14.2.1', 'Table 14.3.1', 'Listing 16.2.7']
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..findings import DerivationError
from .render import Row, Table, render_rtf
from .rtf import table_plan

KIND_RANK = {"table": 0, "figure": 1, "listing": 2}
#: how long one LibreOffice conversion call may take (seconds)
SOFFICE_TIMEOUT = 1800
TOC_TITLE = "Table of Contents"
#: the file name (stem) of the contents' RTF and PDF
TOC_STEM = "book_contents"


@dataclass(frozen=True)
class BookEntry:
    """One output of the book: its number (``Table 14.2.1``), title, RTF file and kind, and the pages its RTF
    plans (``None``: not known); the contents are converted with the outputs when every entry's is known."""

    output_id: str
    title: str
    rtf: str | Path
    kind: str = "table"
    pages: int | None = None


@dataclass
class BookResult:
    """What :func:`build_book` wrote: the PDF, the entries in book order, the first page (1-based) and
    page count of each, and the pages of the table of contents."""

    path: Path
    entries: list[BookEntry]
    first_page: list[int]
    page_count: list[int]
    toc_pages: int
    outline: list[tuple[str, int]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.toc_pages + sum(self.page_count)


def _number_key(output_id: str) -> tuple:
    nums = re.findall(r"\d+", output_id)
    return tuple(int(n) for n in nums) if nums else (float("inf"),)


def toc_order(entries: Sequence[BookEntry]) -> list[BookEntry]:
    """Entries in table-of-contents order: by section (the number without its last part), then
    tables, figures, listings, then by number, then as given."""

    def key(ie: tuple[int, BookEntry]) -> tuple:
        number = _number_key(ie[1].output_id)
        return number[:-1], KIND_RANK.get(ie[1].kind, 3), number, ie[0]

    ranked = sorted(enumerate(entries), key=key)
    return [e for _, e in ranked]


def soffice_binary() -> str | None:
    """The LibreOffice executable (``soffice`` or ``libreoffice``), or None when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(rtfs: Sequence[str | Path], outdir: str | Path, *, soffice: str | None = None,
                   timeout: int = SOFFICE_TIMEOUT) -> list[Path]:
    """Convert RTF files to PDF with LibreOffice in one call (a private profile; no user settings).

    Returns the PDFs in the order of ``rtfs``. Raises naming the file when one was not
    converted. File names must differ in their stem (``a.rtf`` and ``b/a.rtf`` collide).
    """
    soffice = soffice or soffice_binary()
    if not soffice:
        raise DerivationError("LibreOffice (soffice) is not installed: RTF outputs cannot be converted to PDF",
                              hint="install it (bash .ci/install-system-deps.sh) or set [tlf] book = false")
    rtfs = [Path(p).resolve() for p in rtfs]
    stems = [p.stem for p in rtfs]
    if len(set(stems)) != len(stems):
        raise DerivationError("two RTF files with the same name cannot be converted into one folder",
                              value=sorted({s for s in stems if stems.count(s) > 1}))
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if not rtfs:
        return []
    with tempfile.TemporaryDirectory(prefix="lo-profile-", ignore_cleanup_errors=True) as profile:
        cmd = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, rtfs)]
        env = {**os.environ, "HOME": profile}
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise DerivationError(f"LibreOffice did not convert {len(rtfs)} RTF file(s) within {timeout} s",
                                  value=[p.name for p in rtfs][:5], hint="convert fewer or smaller outputs") from None
    pdfs = [outdir / f"{p.stem}.pdf" for p in rtfs]
    missing = [p.name for p, pdf in zip(rtfs, pdfs) if not pdf.is_file()]
    if res.returncode != 0 or missing:
        raise DerivationError(f"LibreOffice did not convert {', '.join(missing) or 'the RTF files'} to PDF",
                              value=(res.returncode, (res.stderr or res.stdout)[-500:]),
                              hint="open the RTF in LibreOffice to see why")
    return pdfs


def _toc_table(entries: Sequence[BookEntry], first_pages: Sequence[int], *, study: str, cutoff: str) -> Table:
    rows = [Row(e.output_id, [e.title, str(p)]) for e, p in zip(entries, first_pages)]
    return Table(title=TOC_TITLE, columns=["Output", "Title", "Page"], rows=rows, study=study, cutoff=cutoff,
                 footnotes=["Page: the page of the book on which the output begins. Each output keeps its own "
                            "page numbers (Page x of y) in its footer."],
                 program="derivations.tlf.book")


def _outline_title(entry: BookEntry) -> str:
    return f"{entry.output_id} {entry.title}".strip()


def build_book(entries: Sequence[BookEntry], path: str | Path, *, study: str = "", cutoff: str = "",
               stamp: str = "", production_date: str | None = None, workdir: str | Path | None = None,
               soffice: str | None = None) -> BookResult:
    """Write the book of ``entries`` (RTF outputs) to ``path``; see the module docstring.

    ``production_date`` (PDF date string ``D:YYYYMMDDHHmmSSZ``) is written as the
    creation date only when given (from ``SOURCE_DATE_EPOCH``). ``workdir`` keeps the
    intermediate PDFs (default: a temporary folder, removed).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    entries = toc_order(entries)
    if not entries:
        raise DerivationError("the TLF book has no outputs", hint="publish at least one table, listing or figure")
    path = Path(path)
    own_tmp = workdir is None
    work = Path(tempfile.mkdtemp(prefix=".book-", dir=path.parent)) if own_tmp else Path(workdir)
    try:
        toc_rtf = work / "toc" / f"{TOC_STEM}.rtf"
        toc_rtf.parent.mkdir(parents=True, exist_ok=True)
        converted: dict[str, Path] = {}  # the contents' RTF text -> its PDF

        def toc_text(counts: Sequence[int], toc_pages: int) -> tuple[list[int], int, str | None]:
            """(first pages, contents pages, RTF text; None while the contents' planned length changes)."""
            firsts, page = [], toc_pages + 1
            for n in counts:
                firsts.append(page)
                page += n
            toc = _toc_table(entries, firsts, study=study, cutoff=cutoff)
            planned = len(table_plan(toc).pages)
            return firsts, planned, render_rtf(toc, stamp=stamp) if planned == toc_pages else None

        # the contents as the RTFs plan the outputs' pages, converted with the outputs in one call
        rtfs = [e.rtf for e in entries]
        expected = [e.pages for e in entries]
        guess = None
        if all(isinstance(n, int) and n > 0 for n in expected) and TOC_STEM not in {Path(r).stem for r in rtfs}:
            toc_pages = 1
            for _ in range(3):
                _, planned, guess = toc_text(expected, toc_pages)
                if guess is not None:
                    break
                toc_pages = planned
        if guess is not None:
            guess_rtf = work / "guess" / f"{TOC_STEM}.rtf"
            guess_rtf.parent.mkdir(parents=True, exist_ok=True)
            guess_rtf.write_text(guess, encoding="ascii", newline="\n")
            rtfs.append(guess_rtf)
        pdfs = convert_to_pdf(rtfs, work / "outputs", soffice=soffice)
        if guess is not None:
            converted[guess] = pdfs.pop()
        counts = [len(PdfReader(p).pages) for p in pdfs]
        # the contents' own length decides where the outputs start: plan it, convert it, check it
        toc_pages = 1
        for _ in range(3):
            firsts, planned, text = toc_text(counts, toc_pages)
            if text is None:
                toc_pages = planned
                continue
            if text not in converted:
                toc_rtf.write_text(text, encoding="ascii", newline="\n")
                converted[text] = convert_to_pdf([toc_rtf], work / "toc", soffice=soffice)[0]
            toc_pdf = converted[text]
            actual = len(PdfReader(toc_pdf).pages)
            if actual == toc_pages:
                break
            toc_pages = actual
        else:
            raise DerivationError("the table of contents of the TLF book did not settle on a page count",
                                  value=toc_pages)

        writer = PdfWriter()
        writer.append(str(toc_pdf), import_outline=False)
        for pdf in pdfs:
            writer.append(str(pdf), import_outline=False)
        outline = [(TOC_TITLE, 0)]
        writer.add_outline_item(TOC_TITLE, 0, fit=Fit.fit())
        for entry, first in zip(entries, firsts):
            writer.add_outline_item(_outline_title(entry), first - 1, fit=Fit.fit())
            outline.append((_outline_title(entry), first - 1))
        _link_contents(writer, entries, firsts, toc_pages)
        writer.page_mode = "/UseOutlines"
        meta = {"/Title": f"{study + ': ' if study else ''}Tables, listings and figures",
                "/Producer": "derivations.tlf (LibreOffice, pypdf)", "/Creator": "derivations.tlf.book"}
        if stamp:
            meta["/Subject"] = stamp
        if production_date:
            meta["/CreationDate"] = production_date
            meta["/ModDate"] = production_date
        writer.add_metadata(meta)
        tmp = path.with_name(f".{path.name}.tmp")
        with tmp.open("wb") as fh:
            writer.write(fh)
        _deterministic_id(tmp)
        os.replace(tmp, path)
    finally:
        if own_tmp:
            shutil.rmtree(work, ignore_errors=True)
    return BookResult(path, list(entries), firsts, counts, toc_pages, outline)


def _link_contents(writer, entries: Sequence[BookEntry], firsts: Sequence[int], toc_pages: int) -> None:
    """A link from each contents line (found by its output number) to the output's first page."""
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    targets = {e.output_id: f - 1 for e, f in zip(entries, firsts)}
    for page_no in range(toc_pages):
        page = writer.pages[page_no]
        found: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, font_dict, font_size):
            label = text.strip()
            if label in targets:
                x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
                found.append((label, x, y))

        page.extract_text(visitor_text=visit)
        width = float(page.mediabox.width)
        for label, x, y in found:
            rect = (x - 2, y - 3, width - x / 2, y + 9)
            writer.add_annotation(page_number=page_no,
                                  annotation=Link(rect=rect, target_page_index=targets[label], fit=Fit.fit()))


def _deterministic_id(pdf: Path) -> None:
    """Replace the file identifier pypdf draws at random by one derived from the content."""
    data = pdf.read_bytes()
    m = re.search(rb"/ID \[ <([0-9a-f]+)> <([0-9a-f]+)> \]", data)
    if not m:
        return
    digest = hashlib.md5(data[:m.start()] + data[m.end():]).hexdigest().encode()  # noqa: S324 (an identifier)
    new = b"/ID [ <" + digest[:len(m.group(1))] + b"> <" + digest[:len(m.group(2))] + b"> ]"
    pdf.write_bytes(data[:m.start()] + new + data[m.end():])


__all__ = ["BookEntry", "BookResult", "toc_order", "convert_to_pdf", "soffice_binary", "build_book",
           "TOC_TITLE"]
