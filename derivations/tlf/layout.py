"""Page layout of the RTF documents: text metrics, column widths, number alignment, paging.

Everything here is computed before rendering, from the text alone, so that the
pages LibreOffice or Word lay out are the pages planned here:

- **Font.** Documents use Courier New (LibreOffice substitutes the metric-compatible
  Liberation Mono): every character advances 0.6 em (1229/2048), so a text's width
  is its length times :func:`char_twips`. Lines have an exact height
  (:attr:`PageLayout.line_twips`, RTF ``\\slN`` with a negative N).
- **Column widths** (:func:`compute_column_widths`) come from the content: at least
  the longest word (a word is never broken across lines), at most the longest line
  (header or cell), within ``min_chars`` and the page; numbers never wrap; a
  column may be fixed in inches.
- **Numbers** (:func:`align_numbers`) are aligned in a column on the first
  number's decimal point (or units digit), and, between cells of the same form
  (``n (x.x%)``, ``(lo, hi)``, ...), on every number and parenthesis.
- **Header phrases** (:func:`tie_phrases`): a number, grade or range is tied to
  the word before it (``Grade 4``, ``grade 3-4``, ``n (%)``), so a column is never
  narrower than such a phrase and no header breaks inside one.
- **Paging** (:func:`paginate`) fills pages with whole rows; a block (a heading
  row, one followed by more indented rows, and its group) starts a new page when
  it does not fit on the current one but fits on one; a heading row is never the
  last row of a page, and a group split over pages is headed
  ``"<heading> (continued)"`` on the next page; ``page_by`` groups each start a page.

>>> align_text(["9 (31.0%)", "29 (100.0%)", "0", "(15.3, 50.8)"])
['  9 ( 31.0%)', ' 29 (100.0%)', '  0', '(15.3, 50.8)']
>>> wrap("Palmar-plantar erythrodysaesthesia syndrome", 20)
['Palmar-plantar', 'erythrodysaesthesia', 'syndrome']
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from ..findings import DerivationError

TWIPS_PER_INCH = 1440
#: advance width of every glyph of Courier New / Liberation Mono, in em
CHAR_EM = 1229 / 2048
#: paper sizes in twips (portrait width, height)
PAPER = {"letter": (12240, 15840), "a4": (11906, 16838)}


def char_twips(font_size: float) -> float:
    """Width of one character of the monospaced document font, in twips (1/1440 inch).

    >>> round(char_twips(9), 2)
    108.02
    """
    return font_size * 20 * CHAR_EM


# --------------------------------------------------------------------------- page geometry


@dataclass(frozen=True)
class PageLayout:
    """Paper, orientation, margins (inches) and font of one output.

    ``line_spacing`` is the exact line height as a multiple of the font size;
    ``cell_pad`` (twips) the space left and right of a cell's text and
    ``cell_pad_v`` above and below it.

    >>> lay = PageLayout()
    >>> lay.width, lay.height, lay.usable_width, lay.chars_per_line
    (15840, 12240, 12960, 119)
    """

    paper: str = "letter"
    orientation: str = "landscape"
    margin_left: float = 1.0
    margin_right: float = 1.0
    header_top: float = 0.5
    footer_bottom: float = 0.5
    font_size: float = 9
    line_spacing: float = 1.2
    cell_pad: int = 58
    cell_pad_v: int = 14

    def __post_init__(self) -> None:
        if self.orientation not in ("portrait", "landscape"):
            raise DerivationError("orientation must be 'portrait' or 'landscape'", value=self.orientation)
        if self.paper not in PAPER:
            raise DerivationError("unknown paper size", value=self.paper, hint=f"use one of {list(PAPER)}")
        if not 5 <= self.font_size <= 14:
            raise DerivationError("font size must be between 5 and 14 points", value=self.font_size)

    @property
    def width(self) -> int:
        w, h = PAPER[self.paper]
        return h if self.orientation == "landscape" else w

    @property
    def height(self) -> int:
        w, h = PAPER[self.paper]
        return w if self.orientation == "landscape" else h

    @property
    def margin_left_twips(self) -> int:
        return round(self.margin_left * TWIPS_PER_INCH)

    @property
    def margin_right_twips(self) -> int:
        return round(self.margin_right * TWIPS_PER_INCH)

    @property
    def usable_width(self) -> int:
        return self.width - self.margin_left_twips - self.margin_right_twips

    @property
    def char_twips(self) -> float:
        return char_twips(self.font_size)

    @property
    def chars_per_line(self) -> int:
        """Characters that fit across the text area (titles, footnotes)."""
        return chars_in(self.usable_width, self.font_size)

    @property
    def line_twips(self) -> int:
        return round(self.font_size * 20 * self.line_spacing)

    @property
    def header_twips(self) -> int:
        return round(self.header_top * TWIPS_PER_INCH)

    @property
    def footer_twips(self) -> int:
        return round(self.footer_bottom * TWIPS_PER_INCH)

    def margins(self, header_lines: int, footer_lines: int) -> tuple[int, int]:
        """Top and bottom margins (twips) that leave room for the header and footer lines."""
        gap = self.line_twips
        return (self.header_twips + header_lines * self.line_twips + gap,
                self.footer_twips + footer_lines * self.line_twips + gap)


def chars_in(twips: float, font_size: float) -> int:
    """Whole characters of the document font that fit in ``twips``."""
    return max(1, int(math.floor((twips - 1) / char_twips(font_size))))


# --------------------------------------------------------------------------- wrapping


def words(text: str) -> list[str]:
    """The unbreakable pieces of ``text`` (split at spaces and line breaks)."""
    return [w for w in re.split(r"[ \n]+", text) if w]


def wrap(text: str, width: int) -> list[str]:
    """Greedy line breaking at spaces (and at ``\\n``) into lines of at most ``width`` characters.

    A word longer than ``width`` is cut (the column widths prevent that for the
    outputs). LibreOffice and Word also break after a hyphen, so they need at most
    as many lines as this estimate: a page planned with it never overflows.

    >>> wrap("Treatment-\\nemergent", 20)
    ['Treatment-', 'emergent']
    >>> wrap("", 5)
    ['']
    """
    width = max(1, int(width))
    out: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split(" "):
            if word == "":
                continue
            while len(word) > width:  # only when a column is narrower than a word
                if line:
                    out.append(line)
                    line = ""
                out.append(word[:width])
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            else:
                out.append(line)
                line = word
        out.append(line)
    return out



def balance_lines(text: str, width: int) -> list[str]:
    """``text`` broken as :func:`wrap` breaks it at ``width``, into as many lines, but the lines
    as even as they can be: a centred title that needs two lines is not one full line and a
    last word alone (the narrowest width that keeps the number of lines).

    >>> title = "Table 14.3.4 Treatment-Related Adverse Events by Organ Class and Grade"
    >>> wrap(title, 64)
    ['Table 14.3.4 Treatment-Related Adverse Events by Organ Class and', 'Grade']
    >>> balance_lines(title, 64)
    ['Table 14.3.4 Treatment-Related Adverse', 'Events by Organ Class and Grade']
    >>> balance_lines("Kaplan-Meier plot", 76)
    ['Kaplan-Meier plot']
    """
    lines = wrap(text, width)
    if len(lines) < 2 or "\n" in str(text) or any(len(w) > width for w in words(text)):
        return lines
    low = max(len(w) for w in words(text))
    # the fewest lines are kept from ``width`` down to the narrowest width that keeps them
    while low < width:
        mid = (low + width) // 2
        if len(wrap(text, mid)) == len(lines):
            width = mid
        else:
            low = mid + 1
    return wrap(text, width)

#: a non-breaking space and a non-breaking hyphen (RTF ``\\~`` and ``\\_``)
NBSP, NBHY = "\u00a0", "\u2011"
#: a header word that belongs to the word before it: a number, grade or range (``4``, ``3-4``,
#: ``>=3``, ``N=29``, ``(N=29)``) or a bracketed symbol (``(%)``)
TIED_WORD = re.compile(r"\(?(?:[Nn]=)?[<>=\u2264\u2265]*\d[\d.,/\u2013-]*%?\)?,?|\([^\w\s]+\)")


@functools.lru_cache(maxsize=4096)
def tie_phrases(text: str, *, hyphens: bool = True) -> str:
    """``text`` (a column header) with each short phrase made unbreakable: a number, grade or range
    (:data:`TIED_WORD`) is joined to the word before it by a non-breaking space, and with
    ``hyphens`` its hyphens become non-breaking hyphens, so that ``Grade 4`` or ``grade 3-4``
    never end one line and start the next. Line breaks (``\\n``) are kept.

    >>> tie_phrases("Adverse event\\ngrade 3-4\\nn (%)", hyphens=False).split("\\n")
    ['Adverse event', 'grade\xa03-4', 'n\xa0(%)']
    >>> tie_phrases("Grade 4 (N=29)"), tie_phrases("Anlotinib + PD-1")
    ('Grade\xa04\xa0(N=29)', 'Anlotinib + PD-1')
    >>> tie_phrases("grade 3-4")
    'grade\xa03\u20114'
    """
    lines = []
    for line in str(text).split("\n"):
        out: list[str] = []
        for word in line.split(" "):
            if out and out[-1] and TIED_WORD.fullmatch(word):
                out[-1] += NBSP + (word.replace("-", NBHY) if hyphens else word)
            else:
                out.append(word)
        lines.append(" ".join(out))
    return "\n".join(lines)


@functools.lru_cache(maxsize=1 << 18)
def line_count(text: str, width: int) -> int:
    """Lines of ``text`` wrapped at ``width`` (cached: listings repeat the same texts)."""
    return len(wrap(text, width))


@functools.lru_cache(maxsize=1 << 18)
def longest_line(text: str) -> int:
    return max(len(line) for line in str(text).split("\n"))


# --------------------------------------------------------------------------- number alignment

_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?|\bNE\b)")
#: characters that may stand between the numbers of a statistic cell
_SEPARATORS = set(" (),%/:;=<>+")


def _split_numbers(text: str) -> tuple[list[str], list[str]] | None:
    """(separators, numbers) of a statistic cell, or None for text (dates, words, ...)."""
    parts = _NUMBER.split(text)
    seps, nums = parts[0::2], parts[1::2]
    if not nums:
        return None
    if any(set(s) - _SEPARATORS for s in seps):
        return None
    if any(s == "" for s in seps[1:-1]):  # two numbers without a separator (e.g. 2021-08-17)
        return None
    return seps, nums


def is_numeric_column(cells: Sequence[str]) -> bool:
    """True when every non-blank cell is a statistic (numbers with separators such as ``( , % )``).

    >>> is_numeric_column(["9 (31.0%)", "", "(15.3, 50.8)", "NE"])
    True
    >>> is_numeric_column(["2021-08-17 (22)"]), is_numeric_column(["RELATED"]), is_numeric_column([""])
    (False, False, False)
    """
    filled = {c.strip() for c in cells} - {""}
    return bool(filled) and all(_split_numbers(c) is not None for c in filled)


def _int_frac(num: str) -> tuple[str, str]:
    if "." in num:
        i, f = num.split(".", 1)
        return i, "." + f
    return num, ""


def _form(seps: list[str], nums: list[str]) -> tuple:
    """Cells of one form: the same text between the numbers and the same decimals in the first
    number (``5.33 (4.37, 6.33)`` and ``42.8 (24.4, 60.0)`` are different statistics)."""
    return (*seps, len(_int_frac(nums[0])[1]) if nums[0] != "NE" else -1)


def align_numbers(cells: Sequence[str]) -> list[list[str | int]]:
    """Segments of each cell aligned in a column: text pieces (str) and padding (int, spaces).

    The first number of every cell ends its integer part in the same character
    column; cells of the same form (the same text between the numbers) also
    align every later number on its decimal point, so that ``9 (31.0%)`` and
    ``29 (100.0%)`` line up on the parenthesis (the same form: the same text
    between the numbers, the same decimals in the first one). ``NE`` takes the place of a
    whole number. Every cell is padded on the right to the width of the widest.
    Blank cells stay blank (no segments).

    >>> align_numbers(["9 (31.0%)", "29 (100.0%)"])
    [[1, '9 (', 1, '31.0%)'], ['29 (100.0%)']]
    """
    cells = list(cells)
    distinct = list(dict.fromkeys(cells))
    if len(distinct) < len(cells):  # listings repeat values: lay out each distinct value once
        laid_out = dict(zip(distinct, align_numbers(distinct)))
        width = max((segment_width(s) for s in laid_out.values()), default=0)
        return [list(laid_out[c]) for c in cells] if width else [[] for _ in cells]
    parsed = [_split_numbers(c.strip()) if c.strip() else None for c in cells]
    # widths of the integer and fraction parts per (form, number position)
    int_w: dict[tuple, list[int]] = {}
    frac_w: dict[tuple, list[int]] = {}
    for p in parsed:
        if p is None:
            continue
        seps, nums = p
        key = _form(seps, nums)
        iw = int_w.setdefault(key, [0] * len(nums))
        fw = frac_w.setdefault(key, [0] * len(nums))
        for k, n in enumerate(nums):
            i, f = _int_frac(n)
            iw[k], fw[k] = max(iw[k], len(i)), max(fw[k], len(f))
    laid: list[list[str | int] | None] = []
    anchors: list[int] = []
    for p in parsed:
        if p is None:
            laid.append(None)
            continue
        seps, nums = p
        key = _form(seps, nums)
        segs: list[str | int] = []
        anchor = 0
        for k, n in enumerate(nums):
            if seps[k]:
                segs.append(seps[k])
            i, f = _int_frac(n)
            full = int_w[key][k] + frac_w[key][k]
            if n == "NE":
                pad_left, pad_right = full - len(n), 0
            else:
                pad_left, pad_right = int_w[key][k] - len(i), frac_w[key][k] - len(f)
            if pad_left:
                segs.append(pad_left)
            segs.append(n)
            if pad_right:
                segs.append(pad_right)
            if k == 0:
                anchor = len(seps[0]) + (int_w[key][0] if n != "NE" else full)
        if seps[-1]:
            segs.append(seps[-1])
        laid.append(segs)
        anchors.append(anchor)
    top = max(anchors, default=0)
    out: list[list[str | int]] = []
    k = 0
    for segs in laid:
        if segs is None:
            out.append([])
            continue
        lead = top - anchors[k]
        k += 1
        out.append(([lead] if lead else []) + segs)
    width = max((segment_width(s) for s in out), default=0)
    for segs in out:
        if segs and segment_width(segs) < width:
            segs.append(width - segment_width(segs))
    return [_merge(s) for s in out]


def _merge(segs: list[str | int]) -> list[str | int]:
    out: list[str | int] = []
    for s in segs:
        if out and type(out[-1]) is type(s):
            out[-1] = out[-1] + s
        else:
            out.append(s)
    return out


def segment_width(segs: Sequence[str | int]) -> int:
    return sum(s if isinstance(s, int) else len(s) for s in segs)


def segments_text(segs: Sequence[str | int], *, strip_right: bool = True) -> str:
    text = "".join(" " * s if isinstance(s, int) else s for s in segs)
    return text.rstrip(" ") if strip_right else text


def align_text(cells: Sequence[str]) -> list[str]:
    """:func:`align_numbers` as plain padded text (right padding dropped)."""
    return [segments_text(s) for s in align_numbers(cells)]


# --------------------------------------------------------------------------- column widths


@dataclass(frozen=True)
class ColumnFit:
    """A column's width in characters and why: ``minimum`` (its longest word, or its whole
    text for numbers), ``natural`` (its longest line), ``fixed`` when set by the program."""

    chars: int
    minimum: int
    natural: int
    fixed: bool = False


def measure_column(texts: Sequence[str], *, numeric: bool = False,
                   indents: Sequence[int] | None = None) -> tuple[int, int]:
    """(natural, minimum) width in characters of a column holding ``texts``.

    natural: the longest line (lines end at ``\n``); minimum: the longest word, so
    that no word is ever broken, or the longest line for numbers, which never wrap.
    ``indents`` (characters) are added to each text's lines (indented row labels).

    >>> measure_column(["Preferred term /\\nreported term", "Hypothyroidism"])
    (16, 14)
    >>> measure_column(["Anaemia", "Lymphocyte count decreased"], indents=[0, 2])
    (28, 12)
    """
    indents = list(indents or [0] * len(texts))
    natural = minimum = 0
    for text, ind in dict.fromkeys(zip(texts, indents)):  # each distinct (text, indent) once
        lines = str(text).split("\n")
        natural = max(natural, ind + max(len(line) for line in lines))
        pieces = lines if numeric else words(str(text))
        minimum = max(minimum, ind + max((len(w) for w in pieces), default=0))
    return natural, minimum


def compute_column_widths(
    measures: Sequence[tuple[int, int]],
    *,
    usable_chars: int,
    fixed: Sequence[int | None] | None = None,
    min_chars: int = 4,
    max_chars: int | None = None,
    fill: bool = True,
    lengths: Sequence[Sequence[int]] | None = None,
    cells: Sequence[Sequence[tuple[str, int]]] | None = None,
    headers: Sequence[str] | None = None,
    header_weight: int = 1,
    what: str = "table",
) -> list[ColumnFit]:
    """Widths (characters) of the columns of a table from their (natural, minimum) measures.

    Each column gets its natural width (:func:`measure_column`), at least its
    minimum and ``min_chars``, at most ``max_chars``. If the total exceeds
    ``usable_chars`` the columns that may wrap give up width in proportion to what
    they can give; with ``fill`` the table is then widened to ``usable_chars`` in
    proportion to the widths. ``fixed`` widths (chars) are kept as they are, but never
    below the column's minimum.

    Parameters
    ----------
    measures
        ``(natural, minimum)`` characters of each column, e.g. from :func:`measure_column`:
        the width of its longest line and of its longest word or number.
    usable_chars
        Characters a line of the page holds.
    fixed
        A width (characters) per column, or ``None`` for a column that is fitted; ``None``
        (default): every column is fitted.
    min_chars
        The narrowest a column may be; default 4.
    max_chars
        The widest a fitted column may be; default ``None`` (no limit).
    fill
        Widen the table to ``usable_chars`` when it is narrower; default ``True``.
    lengths
        The lengths of every cell of each column: with them width is taken where it makes
        the fewest cells wrap; ``None`` (default): in proportion to what each column can give.
    cells
        ``(text, indent)`` of every cell of each column: with them width is taken where it adds
        the fewest lines (the texts wrapped as :func:`wrap` does); ``None`` (default): ``lengths``
        decides.
    headers
        The column headers (with ``lengths`` or ``cells`` only): the height of the header row (in lines)
        is chosen with the widths, each line costing ``header_weight`` wrapped cells, and no
        column is narrower than its header needs at that height; ``None`` (default):
        headers are not considered.
    header_weight
        What one more line of the header row costs, in wrapped cells (the header row is
        repeated on every page: the number of pages is a fair weight); default 1.
    what
        The table's name in the error message; default ``"table"``.

    Returns
    -------
    list of ColumnFit

    Raises
    ------
    DerivationError
        When the columns' minimum widths do not fit in ``usable_chars``.

    Examples
    --------
    >>> m = [measure_column(["Term", "Palmar-plantar syndrome"]), measure_column(["Grade", "3"], numeric=True)]
    >>> [f.chars for f in compute_column_widths(m, usable_chars=30, fill=False)]
    [23, 5]
    >>> [f.chars for f in compute_column_widths(m, usable_chars=20)]
    [15, 5]
    >>> [f.chars for f in compute_column_widths(m, usable_chars=56)]
    [46, 10]
    >>> m = [(45, 19), (15, 10), (26, 18), (7, 7)]
    >>> [f.chars for f in compute_column_widths(m, usable_chars=70)]
    [24, 15, 24, 7]

    With the headers, the header row's height is chosen with the widths: here two lines
    (``Adverse event`` / ``grade 3-4``) and one wrapped term beat three header lines:

    >>> heads = ["Term", "Adverse event grade\xa03-4"]
    >>> m = [measure_column(["Term", "A long preferred term"]), measure_column(heads[1:])]
    >>> lengths = [[4, 21], [1, 1]]
    >>> [f.chars for f in compute_column_widths(m, usable_chars=30, fill=False, lengths=lengths)]
    [21, 9]
    >>> [f.chars for f in compute_column_widths(m, usable_chars=30, fill=False, lengths=lengths,
    ...                                         headers=heads, header_weight=3)]
    [17, 13]
    """
    fixed = list(fixed or [None] * len(measures))
    fits: list[ColumnFit] = []
    for (natural, minimum), fix in zip(measures, fixed):
        minimum = max(min_chars, minimum)
        if fix is not None:  # never below the minimum: no word broken, no number wrapped
            fits.append(ColumnFit(max(int(fix), minimum), minimum, natural, fixed=True))
            continue
        chars = max(minimum, natural)
        if max_chars is not None:
            chars = max(minimum, min(chars, max_chars))
        fits.append(ColumnFit(chars, minimum, natural))
    total = sum(f.chars for f in fits)
    if total > usable_chars:
        give = [0 if f.fixed else f.chars - f.minimum for f in fits]
        need = total - usable_chars
        if sum(give) < need:
            least = sum(f.chars if f.fixed else f.minimum for f in fits)
            raise DerivationError(
                f"{what}: the columns need at least {least} characters but a line holds {usable_chars}",
                value=[f.minimum for f in fits],
                hint="use landscape, a smaller font, fewer columns, or shorter words in the widest column")
        if lengths is None and cells is None:
            fits = _level_down(fits, usable_chars)
        elif headers is None:
            fits = _cheapest_first(fits, usable_chars, _narrowing_cost(lengths, cells))[0]
        else:
            fits = _fit_with_headers(fits, usable_chars, _narrowing_cost(lengths, cells), headers, header_weight)
    elif fill and total < usable_chars:
        grow = [0 if f.fixed else f.chars for f in fits]
        add = _distribute(usable_chars - total, grow)
        fits = [ColumnFit(f.chars + a, f.minimum, f.natural, f.fixed) for f, a in zip(fits, add)]
    return fits


def _narrowing_cost(lengths: Sequence[Sequence[int]] | None,
                    cells: Sequence[Sequence[tuple[str, int]]] | None):
    """``cost(j, w)``: the lines added to column j's cells when it is narrowed from w to w - 1
    characters (from the cells' texts), or the cells that fit in w but not in w - 1 (from their
    lengths). Each value is computed once."""
    import numpy as np

    memo: dict[tuple[int, int], int] = {}
    if cells is not None:
        counted = [Counter(col) for col in cells]

        def compute(j: int, w: int) -> int:
            return sum(n * (line_count(t, max(1, w - 1 - ind)) - line_count(t, max(1, w - ind)))
                       for (t, ind), n in counted[j].items())
    else:
        sorted_len = [np.sort(np.asarray(list(ls), dtype=np.int64)) for ls in lengths]

        def compute(j: int, w: int) -> int:
            arr = sorted_len[j]
            return int(np.searchsorted(arr, w, "right") - np.searchsorted(arr, w, "left"))

    def cost(j: int, w: int) -> int:
        if (j, w) not in memo:
            memo[j, w] = compute(j, w)
        return memo[j, w]

    return cost


def _cheapest_first(fits: list[ColumnFit], usable_chars: int, cost, floors: Sequence[int] | None = None
                    ) -> tuple[list[ColumnFit], int]:
    """Take width one character at a time where it costs least (``cost(j, w)``, see
    :func:`_narrowing_cost`), never below a column's floor (default: its minimum); the widths and
    the total cost."""
    floors = list(floors) if floors is not None else [f.minimum for f in fits]
    width = [f.chars for f in fits]
    excess = sum(width) - usable_chars
    total = 0
    while excess > 0:
        best, best_key = None, None
        for j, f in enumerate(fits):
            if f.fixed or width[j] <= floors[j]:
                continue
            key = (cost(j, width[j]), -width[j], j)
            if best_key is None or key < best_key:
                best, best_key = j, key
        if best is None:  # cannot happen: the floors fit (checked by the caller)
            break
        width[best] -= 1
        excess -= 1
        total += best_key[0]
    return [ColumnFit(w, f.minimum, f.natural, f.fixed) for w, f in zip(width, fits)], total


def _fit_with_headers(fits: list[ColumnFit], usable_chars: int, cost, headers: Sequence[str],
                      header_weight: int) -> list[ColumnFit]:
    """:func:`_cheapest_first` for each height of the header row (in lines) that fits, each column
    kept wide enough for its header in that many lines; the height with the least cost plus
    ``header_weight`` per header line wins (the lowest on a tie)."""
    def narrowest(f: ColumnFit, head: str, lines: int) -> int:
        w = f.chars
        while w > f.minimum and line_count(head, w - 1) <= lines:
            w -= 1
        return w

    low = max(line_count(h, f.chars) for h, f in zip(headers, fits))
    high = max(line_count(h, f.chars if f.fixed else f.minimum) for h, f in zip(headers, fits))
    best: tuple[int, list[ColumnFit]] | None = None
    for lines in range(low, high + 1):
        floors = [f.chars if f.fixed else narrowest(f, h, lines) for h, f in zip(headers, fits)]
        if sum(floors) > usable_chars:
            continue
        out, total = _cheapest_first(fits, usable_chars, cost, floors)
        if best is None or total + header_weight * lines < best[0]:
            best = (total + header_weight * lines, out)
    assert best is not None  # the minimums fit (checked by the caller): the highest header does
    return best[1]


def _level_down(fits: list[ColumnFit], usable_chars: int) -> list[ColumnFit]:
    """Narrow the widest free columns to a common width L (the largest that fits), never below a
    column's minimum; characters left over go one each to the narrowed columns, left to right."""
    def width(f: ColumnFit, level: int) -> int:
        return f.chars if f.fixed else min(f.chars, max(f.minimum, level))

    lo, hi = 0, max(f.chars for f in fits)
    while lo < hi:  # largest level whose total fits
        mid = (lo + hi + 1) // 2
        if sum(width(f, mid) for f in fits) <= usable_chars:
            lo = mid
        else:
            hi = mid - 1
    out = [ColumnFit(width(f, lo), f.minimum, f.natural, f.fixed) for f in fits]
    spare = usable_chars - sum(f.chars for f in out)
    for i, (old, new) in enumerate(zip(fits, out)):
        if spare <= 0:
            break
        if new.chars < old.chars:
            out[i] = ColumnFit(new.chars + 1, new.minimum, new.natural, new.fixed)
            spare -= 1
    return out


def _distribute(amount: int, weights: Sequence[int], *, capped: bool = False) -> list[int]:
    """Integer shares of ``amount`` in proportion to ``weights`` (largest remainders, ties to the
    left); with ``capped`` no share exceeds its weight.

    >>> _distribute(5, [3, 1, 0]), _distribute(3, [1, 1, 10], capped=True)
    ([4, 1, 0], [0, 0, 3])
    """
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    raw = [amount * w / total for w in weights]
    share = [int(math.floor(r)) for r in raw]
    if capped:
        share = [min(s, w) for s, w in zip(share, weights)]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - share[i]), i))
    rest = amount - sum(share)
    while rest > 0:
        moved = False
        for i in order:
            if rest and weights[i] > 0 and (not capped or share[i] < weights[i]):
                share[i] += 1
                rest -= 1
                moved = True
        if not moved:
            break
    return share


# --------------------------------------------------------------------------- paging


@dataclass(frozen=True)
class PageRow:
    """A row placed on a page: ``index`` into the table's rows, or a repeated heading
    (``continued=True``) of the group the page continues."""

    index: int
    continued: bool = False


@dataclass
class Page:
    rows: list[PageRow] = field(default_factory=list)
    page_by: str | None = None
    page_by_continued: bool = False


def heading_parents(indents: Sequence[int]) -> list[list[int]]:
    """For each row, the heading rows it sits under (outermost first).

    A heading is a row followed by a more indented row; its group runs to the
    next row indented as little as itself.

    >>> heading_parents([0, 1, 1, 0, 1, 2, 2])
    [[], [0], [0], [], [3], [3, 4], [3, 4]]
    """
    out: list[list[int]] = []
    stack: list[int] = []
    for i, ind in enumerate(indents):
        while stack and indents[stack[-1]] >= ind:
            stack.pop()
        out.append(list(stack))
        if i + 1 < len(indents) and indents[i + 1] > ind:
            stack.append(i)
    return out


def block_ends(indents: Sequence[int]) -> list[int]:
    """For each row, the index after the last row of its block: for a heading, the end of its
    group (the next row indented as little as itself); for any other row, the next row.

    >>> block_ends([0, 1, 1, 0, 1, 2, 2, 0])
    [3, 2, 3, 7, 7, 6, 7, 8]
    """
    n = len(indents)
    out = [i + 1 for i in range(n)]
    stack: list[int] = []
    for i, ind in enumerate(indents):
        while stack and indents[stack[-1]] >= ind:
            out[stack.pop()] = i
        if i + 1 < n and indents[i + 1] > ind:
            stack.append(i)
    for h in stack:
        out[h] = n
    return out


def spanning_rows(indents: Sequence[int], cells: Sequence[Sequence[str]]) -> list[bool]:
    """For each row, whether it spans the table in one cell: a heading (a row followed by a more
    indented row) whose cells are all blank, such as a laboratory parameter's name or a baseline
    characteristic, so that its label is not wrapped in the first column (RTF and HTML alike).
    A table without data columns has nothing to span.

    >>> spanning_rows([0, 1, 0, 1, 1], [["", ""], ["1", "2"], ["3", ""], ["", ""], [" ", ""]])
    [True, False, False, False, False]
    """
    n = len(indents)
    return [i + 1 < n and indents[i + 1] > indents[i] and len(cells[i]) > 0
            and not any(str(c).strip() for c in cells[i]) for i in range(n)]


def paginate(
    heights: Sequence[int],
    indents: Sequence[int],
    capacity: int,
    *,
    continued_heights: Sequence[int] | None = None,
    page_by: Sequence[str | None] | None = None,
    page_by_height: int = 0,
    max_rows: int | None = None,
    what: str = "table",
) -> list[Page]:
    """Rows (by height, twips) onto pages of ``capacity`` twips below the column headers.

    A block (a heading row and the rows of its group, e.g. a parameter's rows or a
    system organ class with its preferred terms) that does not fit on what is left of
    a page starts a new page when it fits on one; a block longer than a page is split,
    its heading never the last row of a page and repeated as ``"(continued)"``.
    ``continued_heights[i]`` is the height of row i repeated as ``"(continued)"``;
    ``page_by`` labels start a new page at each change (their line takes
    ``page_by_height``); ``max_rows`` caps the rows of a page.

    >>> [[r.index for r in p.rows] for p in paginate([10] * 5, [0, 1, 1, 1, 1], 30)]
    [[0, 1, 2], [0, 3, 4]]
    >>> [[r.continued for r in p.rows] for p in paginate([10] * 5, [0, 1, 1, 1, 1], 30)][1]
    [True, False, False]
    >>> [[r.index for r in p.rows] for p in paginate([10] * 6, [0, 1, 1, 0, 1, 1], 40)]  # blocks kept whole
    [[0, 1, 2], [3, 4, 5]]
    """
    n = len(heights)
    cont = list(continued_heights or heights)
    labels = list(page_by) if page_by is not None else [None] * n
    parents = heading_parents(indents)
    is_heading = [i + 1 < n and indents[i + 1] > indents[i] for i in range(n)]
    ends = block_ends(indents)
    sums = [0]
    for h in heights:
        sums.append(sums[-1] + h)
    pages: list[Page] = []
    page: Page | None = None
    used = 0

    def new_page(i: int) -> None:
        nonlocal page, used
        label = labels[i]
        continued = bool(pages) and page is not None and page.page_by == label and label is not None
        page = Page(page_by=label, page_by_continued=continued)
        pages.append(page)
        used = page_by_height if label is not None else 0
        for h in parents[i]:  # the groups this page continues
            page.rows.append(PageRow(h, continued=True))
            used += cont[h]

    def fits(i: int) -> bool:
        need = heights[i]
        if is_heading[i]:  # keep a heading with its first row
            need += heights[i + 1]
        rows_ok = max_rows is None or sum(1 for r in page.rows if not r.continued) < max_rows
        return used + need <= capacity and rows_ok

    def block_moves(i: int) -> bool:
        """A block that does not fit here but fits on a page of its own starts that page."""
        if not is_heading[i]:
            return False
        need = sums[ends[i]] - sums[i]
        own = sum(1 for r in page.rows if not r.continued)
        fresh = (page_by_height if labels[i] is not None else 0) + sum(cont[h] for h in parents[i])
        if max_rows is not None and ends[i] - i > max_rows:
            return False
        rows_ok = max_rows is None or own + ends[i] - i <= max_rows
        return (used + need > capacity or not rows_ok) and fresh + need <= capacity

    for i in range(n):
        if page is None or labels[i] != page.page_by:
            new_page(i)
        elif not fits(i) or block_moves(i):
            if not any(not r.continued for r in page.rows):
                pass  # nothing of its own on this page yet: place it anyway (checked below)
            else:
                new_page(i)
        if heights[i] + (sum(cont[h] for h in parents[i])) > capacity:
            raise DerivationError(f"{what}: row {i + 1} is taller than a page", value=heights[i],
                                  hint="shorten the row's text or give its column more width")
        page.rows.append(PageRow(i))
        used += heights[i]
    return pages or [Page()]


__all__ = [
    "PAPER",
    "TWIPS_PER_INCH",
    "CHAR_EM",
    "PageLayout",
    "char_twips",
    "chars_in",
    "words",
    "wrap",
    "NBSP",
    "NBHY",
    "TIED_WORD",
    "tie_phrases",
    "line_count",
    "longest_line",
    "is_numeric_column",
    "align_numbers",
    "align_text",
    "segments_text",
    "segment_width",
    "ColumnFit",
    "measure_column",
    "compute_column_widths",
    "PageRow",
    "Page",
    "heading_parents",
    "block_ends",
    "paginate",
]
