"""Publishing a TLF program's outputs: files into the stage folder, an entry on the review index.

A TLF program calls ``ctx.outputs.publish_table(table, "t_ae")`` (or ``publish_listing`` /
``publish_figure``): the files are written into ``ctx.stage_dir`` and the output is listed
for the index page. After the TLF stage the pipeline calls :func:`finish_tlf`, which writes
the ARS reporting event of the stage's ARD (``ars.json``) and the review index (``index.html``)
linking everything, and starts the TLF book (``tlf_book.pdf``, when ``[tlf] book = true``):
LibreOffice converts the outputs while the run goes on, and the pipeline writes the book with
:func:`wait_for_book` before the output is committed.

Every output shows the data cut-off (``[study] cutoff_date``) and the production stamp
(:mod:`.stamp`: ``SOURCE_DATE_EPOCH``, else the data extraction date ``[study] created``,
labelled as such); the clock is never read.

Example
-------
>>> import tempfile, pathlib
>>> from derivations.study import RunContext, Study
>>> from derivations.tlf import Table
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> ctx = RunContext(Study(tmp, {"study": {"studyid": "S1", "title": "Toy", "created": "2024-01-02T00:00:00"}}),
...                  stage_dir=tmp)
>>> _ = ctx.outputs.publish_table(Table(title="Demo", columns=["", "N"], rows=[], table_id="Table 1"), "t_demo")
>>> sorted(p.name for p in tmp.iterdir())
['t_demo.html', 't_demo.rtf']
>>> write_index(ctx).name, [o.output_id for o in ctx.outputs.published]
('index.html', ['Table 1'])
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import pandas as pd

from ..findings import DerivationError
from .figures import figure_bytes, save_figure
from .render import Output, Table, listing_table, render_html, render_index, render_rtf
from .rtf import Frame, render_figure_rtf
from .stamp import EPOCH_VAR, production_stamp

if TYPE_CHECKING:  # pragma: no cover
    from ..study import RunContext

INDEX_TITLE = "Tables, listings and figures"
ARS_FILE = "ars.json"
BOOK_FILE = "tlf_book.pdf"
#: default [tlf] book_max_pages: above it LibreOffice would take minutes; the book is not made (a warning)
BOOK_MAX_PAGES = 500


def stamp(ctx: "RunContext") -> str:
    """The production stamp printed on every output (see :mod:`derivations.tlf.stamp`)."""
    return str(production_stamp(ctx.study.created))


def cutoff(ctx: "RunContext") -> str:
    """``[study] cutoff_date``: the data cut-off printed on every output ("" when not set)."""
    return str(ctx.settings.get("study", {}).get("cutoff_date", "") or "")


def study_line(ctx: "RunContext") -> str:
    """``STUDYID: title`` for output headers."""
    s = ctx.settings["study"]
    return f"{s['studyid']}: {s.get('title', '')}".strip(": ")


def _pages(rtf: str) -> int:
    return rtf.count("\\page\n") + 1


class Outputs:
    """``ctx.outputs``: writes a TLF program's files and lists them for the index page."""

    def __init__(self, ctx: "RunContext") -> None:
        self._ctx = ctx

    @property
    def published(self) -> list[Output]:
        """Every output published so far in this run, in publishing order."""
        return self._ctx._published

    def _folder(self) -> Path:
        folder = self._ctx.stage_dir
        if folder is None:
            raise DerivationError("no stage folder to publish into (ctx.stage_dir is not set)",
                                  hint="run the program through the pipeline, or set ctx.stage_dir")
        return Path(folder)

    def _program(self, name: str) -> str:
        program = self._ctx.program
        return program.label if program is not None else f"tlf/{name}.py"

    def _program_name(self) -> str:
        program = self._ctx.program
        return program.name if program is not None else ""

    def _register(self, output: Output) -> None:
        self._ctx._published.append(output)

    def publish_table(self, table: Table, name: str, *, analyses: Sequence[str] | None = None) -> Table:
        """Write ``<name>.rtf`` and ``<name>.html`` and list the table on the index page.

        ``analyses``: the ARD analysis ids the table shows (default: all of its program's ARD).
        """
        ctx = self._ctx
        table.study = table.study or study_line(ctx)
        table.program = table.program or self._program(name)
        table.cutoff = table.cutoff or cutoff(ctx)
        out, text = self._folder(), stamp(ctx)
        rtf = render_rtf(table, stamp=text)
        (out / f"{name}.rtf").write_text(rtf, encoding="ascii", newline="\n")
        (out / f"{name}.html").write_text(render_html(table, stamp=text), encoding="utf-8", newline="\n")
        self._register(Output(table.table_id, table.title, "table", {"HTML": f"{name}.html", "RTF": f"{name}.rtf"},
                              program=self._program_name(), footnotes=tuple(table.footnotes),
                              analyses=None if analyses is None else tuple(analyses), pages=_pages(rtf)))
        return table

    def publish_listing(self, data: pd.DataFrame, name: str, *, listing_id: str, title: str,
                        columns: dict[str, str], footnotes: Iterable[str] = (), source: str = "",
                        subtitle: str = "", page_by: str | None = None, rows_per_page: int | None = None) -> None:
        """Write a listing as ``<name>.rtf`` (paged by the height of its rows, ``rows_per_page`` at most)
        and ``<name>.html`` and list it on the index page; ``page_by`` starts a page per value."""
        ctx = self._ctx
        table = listing_table(data, title=title, columns=columns, page_by=page_by, table_id=listing_id,
                              footnotes=list(footnotes), source=source, subtitle=subtitle, study=study_line(ctx),
                              program=self._program(name), cutoff=cutoff(ctx))
        out, text = self._folder(), stamp(ctx)
        rtf = render_rtf(table, stamp=text, rows_per_page=rows_per_page)
        (out / f"{name}.rtf").write_text(rtf, encoding="ascii", newline="\n")
        (out / f"{name}.html").write_text(render_html(table, stamp=text), encoding="utf-8", newline="\n")
        self._register(Output(listing_id, title, "listing", {"HTML": f"{name}.html", "RTF": f"{name}.rtf"},
                              program=self._program_name(), footnotes=tuple(footnotes), analyses=(),
                              pages=_pages(rtf)))

    def publish_figure(self, fig, name: str, *, figure_id: str, title: str, subtitle: str = "",
                       footnotes: Iterable[str] = (), source: str = "", pages: Sequence | None = None,
                       analyses: Sequence[str] | None = None) -> None:
        """Write ``<name>.png`` and ``<name>.svg`` (deterministic bytes) and ``<name>.rtf`` (the figure with
        the titles and footer of the tables; ``pages``: figures for the RTF, one per page, instead of
        ``fig``) and show the PNG on the index."""
        ctx = self._ctx
        folder = self._folder()
        save_figure(fig, folder / name, formats=("png", "svg"))
        images = [figure_bytes(f, "png") for f in pages] if pages else [(folder / f"{name}.png").read_bytes()]
        footnotes = tuple(footnotes)
        frame = Frame(title=f"{figure_id} {title}".strip(), study=study_line(ctx),
                      subtitles=tuple(s for s in subtitle.split("\n") if s), footnotes=footnotes, source=source,
                      program=self._program(name), cutoff=cutoff(ctx), stamp=stamp(ctx))
        rtf = render_figure_rtf(images, frame)
        (folder / f"{name}.rtf").write_text(rtf, encoding="ascii", newline="\n")
        for f in [fig, *(pages or [])]:
            f.clear()
        self._register(Output(figure_id, title, "figure",
                              {"PNG": f"{name}.png", "SVG": f"{name}.svg", "RTF": f"{name}.rtf"},
                              image=f"{name}.png", program=self._program_name(), footnotes=footnotes,
                              analyses=None if analyses is None else tuple(analyses), pages=_pages(rtf)))


def _check_links(ctx: "RunContext") -> Path:
    out = ctx.outputs._folder()
    for o in ctx.outputs.published:
        for href in o.files.values():
            if not (out / href).is_file():
                raise DerivationError(f"{o.output_id}: linked file {href} was not written",
                                      hint="write the file before registering the output")
    return out


def write_index(ctx: "RunContext", *, title: str = INDEX_TITLE, documents: dict[str, str] | None = None) -> Path:
    """Write ``index.html`` into ``ctx.stage_dir`` linking every published output (and ``documents``:
    label -> file, e.g. the TLF book).

    A link to a file that was not written is an error naming the output.
    """
    out = _check_links(ctx)
    html = render_index(ctx.outputs.published, title=title, study=study_line(ctx), stamp=stamp(ctx),
                        documents=documents)
    path = out / "index.html"
    path.write_text(html, encoding="utf-8", newline="\n")
    return path


def _ars_outputs(ctx: "RunContext", ard_by_program: dict[str, list[str]]):
    from .ars import ArsOutput

    purposes = ctx.settings.get("tlf", {}).get("ars", {}).get("purposes", {})
    outs = []
    for o in ctx.outputs.published:
        analyses = o.analyses if o.analyses is not None else tuple(ard_by_program.get(o.program, []))
        kwargs = {"purpose": purposes[o.output_id]} if o.output_id in purposes else {}
        outs.append(ArsOutput(o.output_id, o.title, tuple(analyses),
                              {k: v for k, v in o.files.items() if k in ("RTF", "HTML", "PDF", "PNG", "SVG")},
                              o.footnotes, f"tlf/{o.program}.py" if o.program else "", **kwargs))
    return outs


def write_ars(ctx: "RunContext", ard: dict[str, pd.DataFrame]) -> Path | None:
    """The ARS reporting event of the stage's ARD (``ars.json``); None when no program wrote ARD."""
    from .ars import reporting_event, write_reporting_event

    frames = {k: v for k, v in ard.items() if isinstance(v, pd.DataFrame) and len(v)}
    if not frames:
        return None
    ard_by_program: dict[str, list[str]] = {}
    for name in ctx.study.programs("tlf"):
        program = ctx.study.program("tlf", name)
        ids = [a for key in program.writes if key in frames for a in dict.fromkeys(frames[key]["analysis_id"])]
        ard_by_program[name] = ids
    all_ard = pd.concat(list(frames.values()), ignore_index=True)
    labels = {p.filter: p.label for p in ctx.study.populations.values()}
    s = ctx.settings["study"]
    event = reporting_event(all_ard, _ars_outputs(ctx, ard_by_program), event_id=f"RE_{s['studyid']}",
                            name=f"{s['studyid']}: tables, listings and figures",
                            description=s.get("title", ""), population_labels=labels)
    return write_reporting_event(event, ctx.outputs._folder() / ARS_FILE)


class PendingBook:
    """The TLF book being made by LibreOffice in the background (:func:`start_book`): :meth:`wait` writes it.

    LibreOffice runs as its own process, so the run goes on (the ARS, the index, the submission
    package) while it converts; the book is made in a private temporary folder and only
    :meth:`wait` writes ``tlf_book.pdf`` into the output, so a run that fails before waiting leaves
    nothing of it behind.
    """

    def __init__(self, entries: list, path: Path, **options) -> None:
        import threading

        self.path = path
        self._error: BaseException | None = None
        self._pdf: bytes | None = None
        self._thread = threading.Thread(target=self._build, args=(entries,), kwargs=options, name="tlf-book")
        self._thread.start()

    def _build(self, entries: list, **options) -> None:
        import tempfile

        from .book import build_book

        try:
            with tempfile.TemporaryDirectory(prefix="derive-book-") as tmp:
                self._pdf = build_book(entries, Path(tmp) / self.path.name, **options).path.read_bytes()
        except BaseException as exc:  # raised again by wait(), in the run's thread
            self._error = exc

    def wait(self) -> Path:
        """Wait for LibreOffice, write the book (atomically) and return its path; raises what the book raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_bytes(self._pdf)
        tmp.replace(self.path)
        return self.path


def start_book(ctx: "RunContext") -> PendingBook | None:
    """Start the TLF book (``tlf_book.pdf``) when ``[tlf] book = true``; see :class:`PendingBook`. None, with a
    warning finding, when LibreOffice is missing or the outputs have more pages than ``[tlf] book_max_pages``."""
    import os

    from .book import BookEntry, soffice_binary

    settings = ctx.settings.get("tlf", {})
    if not settings.get("book", False):
        return None
    out = ctx.outputs._folder()
    entries = [BookEntry(o.output_id, o.title, out / o.files["RTF"], o.kind, o.pages)
               for o in ctx.outputs.published if "RTF" in o.files]
    pages = sum(o.pages for o in ctx.outputs.published if "RTF" in o.files)
    limit = int(settings.get("book_max_pages", BOOK_MAX_PAGES))
    if not entries:
        return None
    if pages > limit:
        ctx.findings.add("warning", "tlf_book", f"TLF book not made: the outputs have {pages} pages, more than "
                         f"[tlf] book_max_pages = {limit} (LibreOffice would take minutes)", value=pages)
        return None
    soffice = soffice_binary()
    if not soffice:
        ctx.findings.add("warning", "tlf_book", "TLF book not made: LibreOffice (soffice) is not installed; "
                         "install it (bash .ci/install-system-deps.sh) or set [tlf] book = false")
        return None
    production = None
    epoch = os.environ.get(EPOCH_VAR, "").strip()
    if epoch:
        import datetime as dt

        production = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).strftime("D:%Y%m%d%H%M%SZ")
    return PendingBook(entries, out / BOOK_FILE, study=study_line(ctx), cutoff=cutoff(ctx), stamp=stamp(ctx),
                       production_date=production, soffice=soffice)


def write_book(ctx: "RunContext") -> Path | None:
    """The TLF book (``tlf_book.pdf``), made now: :func:`start_book`, waited for."""
    pending = start_book(ctx)
    return None if pending is None else pending.wait()


def finish_tlf(ctx: "RunContext", ard: dict[str, pd.DataFrame]) -> list[Path]:
    """After the TLF stage: the ARS reporting event, the review index (linking both) and the TLF book, which
    LibreOffice makes while the run goes on: the run writes it with :func:`wait_for_book` before the output is
    committed. Returns the files written (the index, ars.json)."""
    _check_links(ctx)
    written, documents = [], {}
    book = start_book(ctx)
    ctx._tlf_book = book
    if book is not None:
        documents["TLF book (PDF, all outputs with bookmarks)"] = book.path.name
    ars = write_ars(ctx, ard)
    if ars is not None:
        documents["Analysis results (CDISC ARS reporting event, JSON)"] = ars.name
        written.append(ars)
    written.insert(0, write_index(ctx, documents=documents))
    return written


def wait_for_book(ctx: "RunContext", progress=None) -> Path | None:
    """Write the TLF book that :func:`finish_tlf` started (None when there is none), once; ``progress``
    records the wait for LibreOffice as ``tlf/TLF book``. Raises what making the book raised."""
    book = getattr(ctx, "_tlf_book", None)
    if book is None:
        return None
    ctx._tlf_book = None
    if progress is not None:
        progress.start("tlf", "TLF book")
    try:
        path = book.wait()
    except BaseException:
        if progress is not None:
            progress.end("tlf", "TLF book", status="failed")
        raise
    if progress is not None:
        progress.end("tlf", "TLF book")
    return path


__all__ = ["Outputs", "write_index", "write_ars", "write_book", "start_book", "PendingBook", "finish_tlf",
           "wait_for_book", "stamp", "cutoff", "study_line", "ARS_FILE", "BOOK_FILE"]
