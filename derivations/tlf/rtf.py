"""RTF documents of tables, listings and figures, in the layout reviewers know from SAS ODS RTF.

- Titles (study, output number and title, subtitles) sit in the page **header**,
  footnotes and one production line (program path, data cut-off, production
  stamp, ``Page x of y`` from the PAGE and NUMPAGES fields) in the page
  **footer**: they repeat on every page whoever paginates the file.
- Tables are **paged here** (:mod:`.layout`): whole rows per page (``\\trkeep``),
  the column header row on every page (and marked ``\\trhdr``), a block (a
  heading row and its group: a parameter's rows, a SOC and its PTs) on one page
  when it fits on one, its rows but the last kept with the next (``\\keepn``)
  should a word processor paginate again, a block longer than a page headed
  ``"(continued)"`` on the next, ``page_by`` groups on pages of their own. A
  heading whose cells are all blank (a parameter's name) spans the table in one
  cell, so that it is not wrapped in the first column.
  Column widths come from the content; header phrases such as ``Grade 4`` or
  ``n (%)`` are never broken (non-breaking spaces and hyphens, ``\\~`` ``\\_``),
  and the header row takes the fewest lines that do not cost a page. Text is
  left- and top-aligned, numbers are aligned on the decimal point and the
  parenthesis.
- Figures are one embedded PNG scaled to the page, with the same titles and footer.

The output is 7-bit ASCII (non-ASCII as ``\\uN?``) and deterministic.

>>> frame = Frame(study="NCT04984096", title="Figure 14.2.1 Kaplan-Meier plot", program="tlf/f_km.py",
...               cutoff="2022-07-03", stamp="Data extraction date: 2022-07-04")
>>> frame.info
'Program: tlf/f_km.py   Data cut-off: 2022-07-03   Data extraction date: 2022-07-04'
"""

from __future__ import annotations

import functools
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import jinja2

from ..findings import DerivationError
from .layout import (NBHY, NBSP, PageLayout, align_numbers, balance_lines, block_ends, chars_in,
                     compute_column_widths, is_numeric_column, line_count, measure_column, paginate,
                     segments_text, spanning_rows, tie_phrases, wrap)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
CONTINUED = " (continued)"
#: extra width of every column, in characters, beyond its text (rounding in the word processor)
COLUMN_SLACK = 0.5
#: reserved under each page's table: the closing paragraph (1 pt) and a safety margin for borders
TABLE_TAIL_TWIPS = 120

# --------------------------------------------------------------------------- escaping


class RtfRaw(str):
    """Text already in RTF syntax (not escaped by the template)."""


_RTF_PLAIN = re.compile(r"[\x20-\x5b\x5d-\x7a\x7c\x7e]*")  # printable ASCII except \ { }


def rtf_escape(text: Any) -> str:
    r"""Escape text for RTF: ``\ { }``, newlines (``\line``), tabs and non-ASCII (``\uN?``).

    >>> rtf_escape("a{b}\\c ≥ 5 é")
    'a\\{b\\}\\\\c \\u8805? 5 \\u233?'
    >>> rtf_escape("😀")   # outside the BMP: a UTF-16 surrogate pair
    '\\u-10179?\\u-8704?'
    >>> rtf_escape("grade\u00a03\u20114")   # non-breaking space and hyphen
    'grade\\~3\\_4'
    """
    if isinstance(text, RtfRaw):
        return str(text)
    if text is None:
        return ""
    text = str(text)
    if _RTF_PLAIN.fullmatch(text):  # the common case: nothing to escape
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "{":
            out.append("\\{")
        elif ch == "}":
            out.append("\\}")
        elif ch == "\n":
            out.append("\\line ")
        elif ch == "\t":
            out.append("\\tab ")
        elif ch == NBSP:
            out.append("\\~")
        elif ch == NBHY:
            out.append("\\_")
        elif ch == "\r":
            continue
        elif 32 <= code < 127:
            out.append(ch)
        elif code < 32:
            continue
        else:
            units = ch.encode("utf-16-le")
            for i in range(0, len(units), 2):
                u = int.from_bytes(units[i:i + 2], "little")
                out.append(f"\\u{u - 65536 if u > 32767 else u}?")
    return "".join(out)


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _rtf_escape_cached(text: Any) -> str:
    return rtf_escape(text)


def _rtf_finalize(value: Any) -> str:
    """The template's finalize: listings repeat the same cell texts, each is escaped once."""
    if isinstance(value, RtfRaw):  # built RTF (pages of rows): passed through, not cached
        return str(value)
    try:
        return _rtf_escape_cached(value)
    except TypeError:  # unhashable
        return rtf_escape(value)


@functools.lru_cache(maxsize=None)
def rtf_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=False,
                             finalize=_rtf_finalize, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["raw"] = RtfRaw
    return env


# --------------------------------------------------------------------------- page furniture


@dataclass(frozen=True)
class Frame:
    """What every page of an output shows around its body.

    Header: ``study`` (left), ``title`` (bold, centred; the output number and
    title), ``subtitles`` (centred, e.g. the population). Footer: ``footnotes``,
    ``Source: ...``, then ``Program: ...   Data cut-off: ...   <stamp>`` with
    ``Page x of y`` at the right margin.
    """

    title: str
    study: str = ""
    subtitles: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()
    source: str = ""
    program: str = ""
    cutoff: str = ""
    stamp: str = ""

    @property
    def info(self) -> str:
        parts = [f"Program: {self.program}" if self.program else "",
                 f"Data cut-off: {self.cutoff}" if self.cutoff else "", self.stamp]
        return "   ".join(p for p in parts if p)


#: width kept free at the right of the production line for "Page 999 of 999"
PAGE_FIELD_CHARS = 18


def _paragraphs(texts: Sequence[str], width: int, align: str, bold: bool = False) -> tuple[list[dict], int]:
    """Paragraphs of ``texts`` and the lines they take; a centred text is broken into even lines
    (:func:`.layout.balance_lines`), as many as it needs, not a full line and a last word alone."""
    if align == "qc":
        texts = ["\n".join(balance_lines(t, width)) for t in texts]
    pars = [{"text": t, "align": align, "bold": bold, "tabs": None} for t in texts if t]
    return pars, sum(len(wrap(t, width)) for t in texts if t)


def _furniture(frame: Frame, layout: PageLayout) -> dict[str, Any]:
    cpl = layout.chars_per_line
    header, n_head = [], 0
    for texts, align, bold in (([frame.study], "ql", False), ([frame.title], "qc", True),
                               (list(frame.subtitles), "qc", False)):
        pars, n = _paragraphs(texts, cpl, align, bold)
        header += pars
        n_head += n
    footer, n_foot = _paragraphs([*frame.footnotes, f"Source: {frame.source}" if frame.source else ""],
                                 cpl, "ql")
    info = frame.info
    if len(info) + PAGE_FIELD_CHARS > cpl:  # the production line wraps: its head goes on lines of its own
        lines = wrap(info, cpl - PAGE_FIELD_CHARS)
        extra, n = _paragraphs([" ".join(lines[:-1])], cpl, "ql")
        footer += extra
        n_foot += n
        info = lines[-1]
    n_foot += 1
    margt, margb = layout.margins(n_head, n_foot)
    page = {"width": layout.width, "height": layout.height, "margl": layout.margin_left_twips,
            "margr": layout.margin_right_twips, "margt": margt, "margb": margb,
            "headery": layout.header_twips, "footery": layout.footer_twips,
            "landscape": layout.orientation == "landscape", "usable": layout.usable_width,
            "body": layout.height - margt - margb}
    return {"page": page, "header": header, "footer": footer, "info": info, "title": frame.title,
            "stamp": frame.stamp, "fs": int(round(layout.font_size * 2)), "lh": layout.line_twips,
            "pad": layout.cell_pad, "pad_v": layout.cell_pad_v}


# --------------------------------------------------------------------------- tables


@dataclass
class TablePlan:
    """A table laid out: column widths (characters, twips), the pages and their rows (for tests
    and for reading how a table was paged)."""

    chars: list[int]
    twips: list[int]
    numeric: list[bool]
    pages: list[Any] = field(default_factory=list)
    heights: list[int] = field(default_factory=list)
    capacity: int = 0


def _per_distinct(values: Sequence[Any], fn) -> list[Any]:
    """``[fn(v) for v in values]`` computed once per distinct value (listings repeat their texts)."""
    cache: dict[Any, Any] = {}
    out = []
    for v in values:
        if v not in cache:
            cache[v] = fn(v)
        out.append(cache[v])
    return out


class _RowWriter:
    """RTF text of table rows; the row definitions and cell prefixes are built once per table."""

    def __init__(self, cellx: list[int], layout: PageLayout) -> None:
        self.lh, self.fs = layout.line_twips, int(round(layout.font_size * 2))
        pad, pad_v = layout.cell_pad, layout.cell_pad_v
        row = (f"\\trowd\\trgaph0\\trleft0\\trpaddl{pad}\\trpaddr{pad}\\trpaddt{pad_v}\\trpaddb{pad_v}"
               "\\trpaddfl3\\trpaddfr3\\trpaddft3\\trpaddfb3")

        def rowdef(header: bool, top: bool, bottom: bool, edges: list[int] = cellx) -> str:
            cells = "".join(("\\clbrdrt\\brdrs\\brdrw10" if top else "") + ("\\clbrdrb\\brdrs\\brdrw10" if bottom else "")
                            + ("\\clvertalb" if header else "\\clvertalt") + f"\\cellx{x}\n" for x in edges)
            return row + ("\\trhdr" if header else "") + "\\trkeep\n" + cells

        self.head_def = rowdef(True, True, True)
        self.body_def = rowdef(False, False, False)
        self.last_def = rowdef(False, False, True)
        whole = cellx[-1:]  # one cell across the table
        self.span_def = rowdef(False, False, False, whole)
        self.span_last_def = rowdef(False, False, True, whole)
        self._cells: dict[tuple, str] = {}

    def row_def(self, span: bool, last: bool) -> str:
        """The definition of a body row: one cell across the table (``span``), the bottom border
        under the last row of a page."""
        if span:
            return self.span_last_def if last else self.span_def
        return self.last_def if last else self.body_def

    def cell(self, text: str, align: str = "ql", li: int = 0, bold: bool = False) -> str:
        key = (text, align, li, bold)
        out = self._cells.get(key)
        if out is None:
            b0, b1 = ("\\b", "\\b0") if bold else ("", "")
            out = (f"\\pard\\plain\\intbl\\{align}\\sl-{self.lh}\\slmult0\\li{li}\\f0\\fs{self.fs}{b0} "
                   f"{_rtf_finalize(text)}{b1}\\cell\n")
            self._cells[key] = out
        return out


def _keep_with_next(row: str) -> str:
    """The cells of a row with their paragraphs kept with the next (``\\keepn``)."""
    return row.replace("\\intbl", "\\intbl\\keepn")


def plan_table(table, layout: PageLayout, *, body_height: int, max_rows: int | None = None) -> tuple[TablePlan, dict]:
    """Column widths, cell texts and pages of ``table`` (a :class:`~derivations.tlf.render.Table`).

    Returns the plan and the template's body: the header row and, per page, the RTF
    of its rows (built here once per distinct cell: a listing has many thousands).
    """
    cw, pad, lh, pad_v = layout.char_twips, layout.cell_pad, layout.line_twips, layout.cell_pad_v
    what = table.full_title or "table"
    ncol, nrow = len(table.columns), len(table.rows)
    heads = [tie_phrases(h) for h in table.columns]  # "Grade 4", "n (%)" never broken
    data_cols = [[r.cells[j] for r in table.rows] for j in range(ncol - 1)]
    numeric = [False] + [is_numeric_column(c) for c in data_cols]
    segments = [align_numbers(c) if num else None for c, num in zip(data_cols, numeric[1:])]
    texts = [[segments_text(s) for s in segs] if segs is not None else col
             for col, segs in zip(data_cols, segments)]
    indents = [2 * r.indent for r in table.rows]
    heading = [i + 1 < nrow and table.rows[i + 1].indent > r.indent for i, r in enumerate(table.rows)]
    labels = [r.label for r in table.rows]
    # a heading whose cells are all blank spans the table (its label is not held to the first column)
    span = spanning_rows([r.indent for r in table.rows], [r.cells for r in table.rows])
    label_texts = [lab for lab, sp in zip(labels, span) if not sp]
    label_texts += [labels[i] + CONTINUED for i in range(nrow) if heading[i] and not span[i]]
    label_indents = [ind for ind, sp in zip(indents, span) if not sp]
    label_indents += [indents[i] for i in range(nrow) if heading[i] and not span[i]]
    natural = measure_column([heads[0], *labels, *(labels[i] + CONTINUED for i in range(nrow) if heading[i])],
                             indents=[0, *indents, *(indents[i] for i in range(nrow) if heading[i])])[0]
    measures = [(natural, measure_column([heads[0], *label_texts], indents=[0, *label_indents])[1])]
    for j, col in enumerate(texts):
        head = measure_column([heads[j + 1]])
        if numeric[j + 1]:
            body = measure_column(col, numeric=True)
            measures.append((max(head[0], body[0]), max(head[1], body[1])))
        else:
            measures.append(measure_column([heads[j + 1], *col]))
    slack = int(cw * COLUMN_SLACK)  # LibreOffice must not find a full line one twip too wide
    usable_chars = int((layout.usable_width - (2 * pad + slack) * ncol - 1) // cw)
    fixed = None
    if table.column_widths is not None:
        if len(table.column_widths) != ncol:
            raise DerivationError(f"{what}: column_widths needs one entry per column ({ncol})",
                                  value=list(table.column_widths),
                                  hint="give a width in inches, or None for a width from the content")
        fixed = [None if w is None else chars_in(w * 1440 - 2 * pad - slack, layout.font_size)
                 for w in table.column_widths]
    cell_texts = [[(lab, ind) for lab, ind, sp in zip(labels, indents, span) if not sp]]
    cell_texts += [[(t, 0) for t in col] for col in texts]
    page_by = list(table.page_by) if getattr(table, "page_by", None) is not None else None
    if page_by is not None and len(page_by) != nrow:
        raise DerivationError(f"{what}: page_by needs one label per row", value=len(page_by))
    page_by_lines = max((len(wrap(str(p) + CONTINUED, layout.chars_per_line)) for p in set(page_by or []) if p),
                        default=0)

    def paged(chars: list[int]) -> dict[str, Any]:
        """Twips, wrapping widths, heights and pages of the table with columns of ``chars``."""
        twips = [int(round(c * cw)) + 2 * pad + slack for c in chars]
        spare = layout.usable_width - sum(twips)
        if spare > 0:
            twips[0] += spare
        inner = [t - 2 * pad for t in twips]
        wrap_at = [chars_in(i - slack + 1, layout.font_size) for i in inner]
        wrap_all = chars_in(sum(twips) - 2 * pad - slack + 1, layout.font_size)  # a spanning heading
        head_lines = max(line_count(h, wrap_at[j]) for j, h in enumerate(heads))
        # heights of the rows (lines of the tallest cell), counted once per distinct text
        lines = [max(1, line_count(lab, max(1, (wrap_all if sp else wrap_at[0]) - ind)))
                 for lab, ind, sp in zip(labels, indents, span)]
        for j, col in enumerate(texts):
            if not numeric[j + 1]:  # numbers never wrap
                width = wrap_at[j + 1]
                col_lines = _per_distinct(col, lambda t, w=width: line_count(t, w))
                lines = [max(a, b) for a, b in zip(lines, col_lines)]
        heights = [n * lh + 2 * pad_v for n in lines]
        cont_heights = [line_count(labels[i] + CONTINUED, max(1, (wrap_all if span[i] else wrap_at[0]) - indents[i]))
                        * lh + 2 * pad_v if heading[i] else heights[i] for i in range(nrow)]
        capacity = body_height - (head_lines * lh + 2 * pad_v) - TABLE_TAIL_TWIPS
        pages = paginate(heights, [r.indent for r in table.rows], capacity, continued_heights=cont_heights,
                         page_by=page_by, page_by_height=page_by_lines * lh, max_rows=max_rows, what=what)
        return {"chars": chars, "twips": twips, "inner": inner, "head_lines": head_lines, "heights": heights,
                "capacity": capacity, "pages": pages, "key": (len(pages), head_lines, sum(lines))}

    # The header row's height is chosen with the widths: the fewest header lines (header phrases whole,
    # see tie_phrases) unless the lines they take from the body cost a page; then the fewest pages,
    # header lines and body lines, in that order.
    options = {}
    for weight in (10 ** 9, 1, 0):
        fits = compute_column_widths(measures, usable_chars=usable_chars, fixed=fixed, cells=cell_texts, what=what,
                                     headers=heads, header_weight=weight)
        chars = [f.chars for f in fits]
        if tuple(chars) not in options:
            options[tuple(chars)] = paged(chars)
    best = min(options.values(), key=lambda o: o["key"])
    chars, twips, inner, heights, pages = best["chars"], best["twips"], best["inner"], best["heights"], best["pages"]
    capacity = best["capacity"]
    cellx = [sum(twips[:k + 1]) for k in range(ncol)]
    writer = _RowWriter(cellx, layout)
    # the column header row, repeated on every page
    head = writer.head_def + "".join(writer.cell(h, "qc" if numeric[j] else "ql") for j, h in enumerate(heads))
    head = _keep_with_next(head) + "\\row\n"

    # the cells of each row, as RTF
    leads = []
    for j, segs in enumerate(segments):
        block = max((sum(s if isinstance(s, int) else len(s) for s in seg) for seg in segs), default=0) if segs else 0
        leads.append(max(0, int((inner[j + 1] - block * cw) // 2)) if segs is not None else 0)
    label_li = [int(round(ind * cw)) for ind in indents]
    body = [writer.cell(lab, "ql", li, r.bold) for lab, li, r in zip(labels, label_li, table.rows)]
    for j, col in enumerate(texts):
        lead = leads[j]
        cells = _per_distinct(col, lambda t, lead=lead: writer.cell(t, "ql", lead if t.strip() else 0))
        body = [a if sp else a + b for a, b, sp in zip(body, cells, span)]
    blank = "".join(writer.cell("") for _ in range(ncol - 1))

    # each row of a block but its last is kept with the next row (\\keepn), should a word processor
    # paginate the document again
    ends = block_ends([r.indent for r in table.rows])
    top_end, k = [0] * nrow, 0  # the end of the outermost block each row is in
    while k < nrow:
        top_end[k:ends[k]] = [ends[k]] * (ends[k] - k)
        k = ends[k]
    out_pages = []
    for pg in pages:
        rows = []
        for n, pr in enumerate(pg.rows):
            if pr.continued:
                src = table.rows[pr.index]
                row = writer.cell(src.label + CONTINUED, "ql", label_li[pr.index], src.bold)
                row += "" if span[pr.index] else blank
            else:
                row = body[pr.index]
            nxt = pg.rows[n + 1].index if n + 1 < len(pg.rows) else None
            if nxt is not None and nxt < top_end[pr.index]:
                row = _keep_with_next(row)
            rows.append(writer.row_def(span[pr.index], n + 1 == len(pg.rows)) + row + "\\row\n")
        text = "".join(rows)
        label = None
        if pg.page_by is not None:
            label = {"text": str(pg.page_by) + (CONTINUED if pg.page_by_continued else ""), "align": "ql",
                     "bold": True, "tabs": None}
        out_pages.append({"page_by": label, "rows": RtfRaw(text)})
    plan = TablePlan(chars=chars, twips=twips, numeric=numeric, pages=pages, heights=heights, capacity=capacity)
    return plan, {"head": RtfRaw(head), "pages": out_pages}


def table_frame(table, stamp: str) -> Frame:
    subtitles = tuple(s for s in str(table.subtitle or "").split("\n") if s)
    footnotes = tuple(table.footnotes)
    return Frame(title=table.full_title, study=table.study, subtitles=subtitles, footnotes=footnotes,
                 source=table.source, program=table.program, cutoff=getattr(table, "cutoff", ""), stamp=stamp)


def table_layout(table, font_size: float | None = None) -> PageLayout:
    size = font_size if font_size is not None else getattr(table, "font_size", None) or 9
    return PageLayout(paper=table.paper, orientation=table.orientation, font_size=size)


def render_table_rtf(table, *, stamp: str = "", font_size: float | None = None,
                     rows_per_page: int | None = None) -> str:
    """RTF text of a :class:`~derivations.tlf.render.Table` (see the module docstring)."""
    layout = table_layout(table, font_size)
    furniture = _furniture(table_frame(table, stamp), layout)
    _, body = plan_table(table, layout, body_height=furniture["page"]["body"], max_rows=rows_per_page)
    return rtf_environment().get_template("document.rtf.j2").render(figures=None, **furniture, **body)


def table_plan(table, *, font_size: float | None = None, rows_per_page: int | None = None) -> TablePlan:
    """How :func:`render_table_rtf` lays ``table`` out (widths and pages), without rendering."""
    layout = table_layout(table, font_size)
    furniture = _furniture(table_frame(table, ""), layout)
    return plan_table(table, layout, body_height=furniture["page"]["body"], max_rows=rows_per_page)[0]


# --------------------------------------------------------------------------- figures


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise DerivationError("figure is not a PNG image", hint="pass the bytes of figure_bytes(fig, 'png')")
    return struct.unpack(">II", png[16:24])


def render_figure_rtf(png: bytes | Sequence[bytes], frame: Frame, *, layout: PageLayout | None = None) -> str:
    """RTF of a figure: each PNG (one per page) scaled to fit the page body, with the titles and
    footer of the tables."""
    layout = layout or PageLayout()
    furniture = _furniture(frame, layout)
    figures = []
    for image in ([png] if isinstance(png, (bytes, bytearray)) else list(png)):
        px_w, px_h = png_size(image)
        avail_w, avail_h = layout.usable_width, furniture["page"]["body"] - layout.line_twips
        goal_w = avail_w
        goal_h = int(goal_w * px_h / px_w)
        if goal_h > avail_h:
            goal_h = avail_h
            goal_w = int(goal_h * px_w / px_h)
        hexed = bytes(image).hex()
        lines = "\n".join(hexed[i:i + 128] for i in range(0, len(hexed), 128))
        figures.append({"px_w": px_w, "px_h": px_h, "goal_w": goal_w, "goal_h": goal_h, "hex": lines})
    if not figures:
        raise DerivationError(f"{frame.title}: no image to put in the figure document")
    return rtf_environment().get_template("document.rtf.j2").render(figures=figures, pages=[], head=None,
                                                                    **furniture)


__all__ = [
    "RtfRaw",
    "rtf_escape",
    "rtf_environment",
    "Frame",
    "TablePlan",
    "plan_table",
    "table_plan",
    "render_table_rtf",
    "render_figure_rtf",
    "png_size",
    "CONTINUED",
]
