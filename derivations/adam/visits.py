"""Analysis visits from a window table, and the record analysed per window (ANL01FL).

The windows are data (:class:`VisitWindows`): one row per analysis visit with AVISIT,
AVISITN, the window's first and last study day AWLO/AWHI and the target day AWTARGET, and
the rule that picks one record when several fall in one window. ``print(windows)`` shows
the table as a SAP would.

>>> import pandas as pd
>>> windows = VisitWindows.from_records([
...     ("Baseline", 0, -28, 1, 1), ("Week 2", 2, 2, 21, 15), ("Week 4", 4, 22, 42, 29)])
>>> print(windows)  # doctest: +NORMALIZE_WHITESPACE
analysis visit windows (study day ADY; several records in a window: closest to AWTARGET, ties: later)
  AVISIT  AVISITN  AWLO  AWHI  AWTARGET
Baseline        0   -28     1         1
  Week 2        2     2    21        15
  Week 4        4    22    42        29
>>> adlb = pd.DataFrame({"USUBJID": "1", "PARAMCD": "HGB", "ADY": [-3, 1, 12, 18, 60]})
>>> adlb = derive_vars_visit_window(adlb, windows=windows)
>>> adlb = derive_var_window_flag(adlb, windows=windows, by_vars=["USUBJID", "PARAMCD"])
>>> adlb[["ADY", "AVISIT", "ANL01FL"]].fillna("").values.tolist(), adlb["AWTDIFF"].tolist()
([[-3, 'Baseline', ''], [1, 'Baseline', 'Y'], [12, 'Week 2', ''], [18, 'Week 2', 'Y'], [60, '', '']], [4.0, 0.0, 3.0, 3.0, nan])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask
from ..findings import DerivationError
from ._common import as_list, check_choice, check_new_vars_absent
from .extreme import derive_var_extreme_flag

WINDOW_COLUMNS = ("AVISIT", "AVISITN", "AWLO", "AWHI", "AWTARGET")
#: how one record is chosen among several in a window
SELECTIONS = ("closest", "first", "last", "highest", "lowest")
TIES = ("later", "earlier")


@dataclass(frozen=True)
class VisitWindows:
    """Analysis visit windows in study days, and the rule for several records in one window.

    ``rows`` are ``(AVISIT, AVISITN, AWLO, AWHI, AWTARGET)`` plus the values of ``by_vars``
    (e.g. a PARAMCD when windows differ by parameter). ``select`` picks one record per
    window: ``"closest"`` to the target day (``tie``: the ``"later"`` or ``"earlier"`` of two
    equally close), ``"first"``/``"last"`` in time, ``"highest"``/``"lowest"`` AVAL (worst
    case; ties: the earlier). Windows of one by group must not overlap (an error at
    construction: a record would belong to two visits).
    """

    rows: tuple[tuple, ...]
    by_vars: tuple[str, ...] = ()
    day_var: str = "ADY"
    select: str = "closest"
    tie: str = "later"
    unit: str = "DAYS"

    def __post_init__(self) -> None:
        check_choice("select", self.select, SELECTIONS)
        check_choice("tie", self.tie, TIES)
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        object.__setattr__(self, "by_vars", tuple(as_list(self.by_vars)))
        width = len(WINDOW_COLUMNS) + len(self.by_vars)
        for r in self.rows:
            if len(r) != width:
                raise DerivationError(f"window row {r} has {len(r)} values, {width} expected",
                                      hint=f"columns: {', '.join(self.columns)}")
            if r[2] is not None and r[3] is not None and r[2] > r[3]:
                raise DerivationError(f"window {r[0]!r} starts after it ends (AWLO {r[2]} > AWHI {r[3]})",
                                      value=r[0])
        frame = self.frame()
        for _, group in (frame.groupby(list(self.by_vars), dropna=False) if self.by_vars else [(None, frame)]):
            g = group.sort_values("AWLO", na_position="first")
            lo, hi = g["AWLO"].to_numpy(dtype=float), g["AWHI"].to_numpy(dtype=float)
            lo = np.where(np.isnan(lo), -np.inf, lo)
            hi = np.where(np.isnan(hi), np.inf, hi)
            overlap = lo[1:] <= hi[:-1]
            if overlap.any():
                i = int(np.flatnonzero(overlap)[0])
                raise DerivationError(
                    f"windows {g['AVISIT'].iloc[i]!r} and {g['AVISIT'].iloc[i + 1]!r} overlap",
                    value=f"{hi[i]:g} >= {lo[i + 1]:g}", hint="a study day must belong to one window only")

    @property
    def columns(self) -> list[str]:
        return list(self.by_vars) + list(WINDOW_COLUMNS)

    @classmethod
    def from_records(cls, rows: Iterable[Iterable[Any]], **kwargs: Any) -> "VisitWindows":
        """Windows from ``(AVISIT, AVISITN, AWLO, AWHI, AWTARGET[, by values...])`` tuples."""
        return cls(tuple(tuple(r) for r in rows), **kwargs)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, **kwargs: Any) -> "VisitWindows":
        """Windows from a DataFrame with AVISIT, AVISITN, AWLO, AWHI, AWTARGET (and ``by_vars``)."""
        by = as_list(kwargs.get("by_vars"))
        assert_has_columns(frame, list(WINDOW_COLUMNS) + by, name="windows")
        cols = list(WINDOW_COLUMNS) + by
        values = frame[cols].astype(object).where(frame[cols].notna(), None).to_numpy()
        return cls(tuple(tuple(r) for r in values), **kwargs)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(list(self.rows), columns=list(WINDOW_COLUMNS) + list(self.by_vars))
        for col in ("AVISITN", "AWLO", "AWHI", "AWTARGET"):
            frame[col] = pd.to_numeric(frame[col])
        return frame[self.columns]

    def order(self) -> tuple[list[str], str]:
        """(``order``, ``mode``) of :func:`derive_var_extreme_flag` that implements ``select``."""
        day = self.day_var
        if self.select == "closest":
            return ["AWTDIFF", f"-{day}" if self.tie == "later" else day], "first"
        if self.select == "first":
            return [day], "first"
        if self.select == "last":
            return [day], "last"
        if self.select == "highest":
            return ["-AVAL", day], "first"
        return ["AVAL", day], "first"

    @property
    def selection(self) -> str:
        """The rule for several records in one window, in words.

        >>> VisitWindows.from_records([("Week 2", 2, 2, 21, 15)]).selection
        'the record closest to the target day (of two equally close, the later)'
        """
        return {"closest": f"the record closest to the target day (of two equally close, the {self.tie})",
                "first": "the first record", "last": "the last record", "highest": "the record with the highest "
                "AVAL (of two equal, the earlier)", "lowest": "the record with the lowest AVAL (of two equal, the "
                "earlier)"}[self.select]

    def describe(self) -> str:
        """The windows with their day limits as one sentence, e.g. for a define.xml method.

        A run of at least three windows named ``<name> n`` whose AVISITN, AWLO, AWHI and
        AWTARGET are each linear in n is written once, as formulas in n, with its first window
        spelt out.

        >>> windows = VisitWindows.from_records([("Baseline", 0, None, 1, 1), ("Cycle 2", 2, 2, 32, 22)]
        ...     + [(f"Cycle {n}", n, 21 * n - 30, 21 * n - 10, 21 * n - 20) for n in range(3, 61)])
        >>> print(windows.describe())
        Baseline (AVISITN 0): ADY <= 1, target 1; Cycle 2 (AVISITN 2): ADY 2 to 32, target 22; Cycle n for n = 3 to 60 (AVISITN n): ADY 21n - 30 to 21n - 10, target 21n - 20 (Cycle 3: 33 to 53, target 43)
        """
        frame = self.frame()
        groups = frame.groupby(list(self.by_vars), sort=False, dropna=False) if self.by_vars else [((), frame)]
        texts = []
        for key, group in groups:
            text = "; ".join(_describe_windows(group, self.day_var))
            if self.by_vars:
                key = key if isinstance(key, tuple) else (key,)
                text = ", ".join(f"{v} {k}" for v, k in zip(self.by_vars, key)) + ": " + text
            texts.append(text)
        return ". ".join(texts)

    def __str__(self) -> str:
        rule = {"closest": f"closest to AWTARGET, ties: {self.tie}", "first": "the first", "last": "the last",
                "highest": "the highest AVAL", "lowest": "the lowest AVAL"}[self.select]
        frame = self.frame().astype(object).where(self.frame().notna(), "")
        for col in ("AVISITN", "AWLO", "AWHI", "AWTARGET"):
            frame[col] = frame[col].map(lambda v: f"{v:g}" if isinstance(v, float) else v)
        return (f"analysis visit windows (study day {self.day_var}; several records in a window: {rule})\n"
                + frame.to_string(index=False))


def _num(v: Any) -> str:
    return f"{v:g}"


def _linear(a: float, b: float) -> str:
    """``a * n + b`` as text: 21n - 30, n + 1, n, 5."""
    if a == 0:
        return _num(b)
    head = "n" if a == 1 else f"{_num(a)}n"
    return head if b == 0 else f"{head} {'+' if b > 0 else '-'} {_num(abs(b))}"


def _one_window(r: Any, day: str) -> str:
    lo, hi = r.AWLO, r.AWHI
    if pd.isna(lo) and pd.isna(hi):
        days = f"any {day}"
    elif pd.isna(lo):
        days = f"{day} <= {_num(hi)}"
    elif pd.isna(hi):
        days = f"{day} >= {_num(lo)}"
    else:
        days = f"{day} {_num(lo)} to {_num(hi)}"
    target = "" if pd.isna(r.AWTARGET) else f", target {_num(r.AWTARGET)}"
    return f"{r.AVISIT} (AVISITN {_num(r.AVISITN)}): {days}{target}"


def _describe_windows(frame: pd.DataFrame, day: str) -> list[str]:
    """One text per window, runs of numbered windows linear in their number as one text."""
    import re

    rows = list(frame.itertuples(index=False))  # report: the few rows of the window table, one text per window
    out, i = [], 0
    while i < len(rows):
        m = re.fullmatch(r"(.*\D)(\d+)", str(rows[i].AVISIT))
        j = i + 1
        if m is not None:
            name, n0 = m.group(1), int(m.group(2))
            cols = ("AVISITN", "AWLO", "AWHI", "AWTARGET")

            def fits(k: int, a: dict) -> bool:
                mk = re.fullmatch(r"(.*\D)(\d+)", str(rows[k].AVISIT))
                if mk is None or mk.group(1) != name:
                    return False
                n = int(mk.group(2))
                return n == n0 + (k - i) and all(
                    not pd.isna(getattr(rows[k], c)) and getattr(rows[k], c) == a[c][0] * n + a[c][1] for c in cols)

            if i + 2 < len(rows) and all(not pd.isna(getattr(rows[i + q], c)) for q in (0, 1) for c in cols):
                a = {}
                for c in cols:
                    slope = getattr(rows[i + 1], c) - getattr(rows[i], c)
                    a[c] = (slope, getattr(rows[i], c) - slope * n0)
                while j < len(rows) and fits(j, a):
                    j += 1
        if j - i >= 3:
            first = rows[i]
            n1 = n0 + (j - i) - 1
            f = {c: _linear(*a[c]) for c in ("AVISITN", "AWLO", "AWHI", "AWTARGET")}
            out.append(f"{name}n for n = {n0} to {n1} (AVISITN {f['AVISITN']}): {day} {f['AWLO']} to {f['AWHI']}, "
                       f"target {f['AWTARGET']} ({first.AVISIT}: {_num(first.AWLO)} to {_num(first.AWHI)}, target "
                       f"{_num(first.AWTARGET)})")
            i = j
        else:
            out.append(_one_window(rows[i], day))
            i += 1
    return out


def derive_vars_visit_window(
    dataset: pd.DataFrame,
    *,
    windows: VisitWindows,
    filter: Filter = None,
    new_vars: Iterable[str] = ("AVISIT", "AVISITN", "AWLO", "AWHI", "AWTARGET", "AWTDIFF", "AWU"),
) -> pd.DataFrame:
    """Add the analysis visit of each record from its study day and a window table.

    Each record selected by ``filter`` whose ``windows.day_var`` lies in a window
    ``[AWLO, AWHI]`` (of its by group, when the windows have ``by_vars``) gets that window's
    AVISIT, AVISITN, AWLO, AWHI, AWTARGET, the distance to the target AWTDIFF
    (``|day - AWTARGET|``) and the unit AWU; other records get missing values (e.g. outside
    every window, or a missing day). A missing AWLO/AWHI is an open end. ``new_vars`` limits
    the added variables (AWTDIFF is needed by :func:`derive_var_window_flag`).

    Parameters
    ----------
    dataset
        Records with the study day ``windows.day_var`` (and the windows' ``by_vars``).
    windows
        The :class:`VisitWindows` table (a rule table: print it to see it).
    filter
        Which records get a visit (others get missing values): a query string, a callable,
        a boolean Series, or ``None`` (default) for all.
    new_vars
        The variables to add, from AVISIT, AVISITN, AWLO, AWHI, AWTARGET, AWTDIFF, AWU
        (default: all); an error if one is there already.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> w = VisitWindows.from_records([("Week 2", 2, 8, 21, 14)])
    >>> derive_vars_visit_window(pd.DataFrame({"ADY": [7, 8, 21, 22]}), windows=w)["AVISIT"].tolist()
    [None, 'Week 2', 'Week 2', None]
    """
    new_vars = list(new_vars)
    unknown = [v for v in new_vars if v not in WINDOW_COLUMNS + ("AWTDIFF", "AWU")]
    if unknown:
        raise DerivationError(f"unknown window variable(s) {', '.join(unknown)}", variable=unknown[0],
                              hint=f"choose from {', '.join(WINDOW_COLUMNS + ('AWTDIFF', 'AWU'))}")
    day_var = windows.day_var
    by_vars = list(windows.by_vars)
    assert_has_columns(dataset, [day_var] + by_vars)
    check_new_vars_absent(dataset, new_vars)
    table = windows.frame()
    n = len(dataset)
    day = pd.to_numeric(dataset[day_var]).to_numpy(dtype=float)
    selected = filter_mask(dataset, filter).to_numpy() & ~np.isnan(day)
    hit = np.full(n, -1, dtype=np.int64)
    lo = table["AWLO"].to_numpy(dtype=float)
    hi = table["AWHI"].to_numpy(dtype=float)
    for i in range(len(table)):  # one per window row, vectorised over the records
        inside = selected & (np.isnan(lo[i]) | (day >= lo[i])) & (np.isnan(hi[i]) | (day <= hi[i]))
        for var in by_vars:
            inside &= (dataset[var] == table[var].iloc[i]).to_numpy(dtype=bool)
        hit[inside & (hit < 0)] = i
    found = hit >= 0
    take = np.where(found, hit, 0)
    out = dataset.copy()
    for var in new_vars:
        if var == "AWTDIFF":
            target = table["AWTARGET"].to_numpy(dtype=float)[take]
            out[var] = np.where(found, np.abs(day - target), np.nan)
        elif var == "AWU":
            out[var] = pd.Series(np.where(found, windows.unit, None), index=dataset.index, dtype=object)
        elif var == "AVISIT":
            out[var] = pd.Series(np.where(found, table["AVISIT"].to_numpy(dtype=object)[take], None),
                                 index=dataset.index, dtype=object)
        else:
            out[var] = np.where(found, table[var].to_numpy(dtype=float)[take], np.nan)
    return out


def derive_var_window_flag(
    dataset: pd.DataFrame,
    *,
    windows: VisitWindows,
    by_vars: list[str],
    new_var: str = "ANL01FL",
    filter: Filter = None,
    true_value: Any = "Y",
    false_value: Any = None,
    order: list[str] | None = None,
) -> pd.DataFrame:
    """Flag the one record per by group and analysis visit that the windows' rule selects.

    ``by_vars`` e.g. ``["USUBJID", "PARAMCD"]`` (AVISITN is added); only records with an
    AVISITN and selected by ``filter`` (e.g. ``"AVAL.notna()"``, or excluding derived
    records) take part. The rule (``windows.select``/``tie``) is a
    :func:`derive_var_extreme_flag` order, so ties beyond it are signalled as there.

    Parameters
    ----------
    dataset
        Records with AVISITN (from :func:`derive_vars_visit_window`), ``by_vars`` and what
        the rule orders by (AWTDIFF and the study day, or AVAL).
    windows
        The :class:`VisitWindows` whose ``select``/``tie`` rule picks the record.
    by_vars
        Columns of a subject's series, e.g. ``["USUBJID", "PARAMCD"]``; AVISITN is added.
    new_var
        The flag to add; default ``"ANL01FL"``.
    filter
        Records that take part: a query string, a callable, a boolean Series, or ``None``
        (default) for all with an AVISITN.
    true_value
        The flag of the selected record; default ``"Y"``.
    false_value
        The flag of the other records; default ``None`` (missing).
    order
        Variables that order the records the rule leaves tied (two records of one day), after the
        rule's own order; a leading ``-`` sorts descending (``["-LBSEQ"]``: the later of two
        records of one day by sequence number). Default ``None``: ties are signalled.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> w = VisitWindows.from_records([("Week 2", 2, 8, 21, 14)], select="highest")
    >>> adlb = derive_vars_visit_window(pd.DataFrame({"USUBJID": "1", "ADY": [9, 15, 20],
    ...     "AVAL": [3.0, 7.0, 5.0]}), windows=w)
    >>> derive_var_window_flag(adlb, windows=w, by_vars=["USUBJID"])["ANL01FL"].fillna("").tolist()
    ['', 'Y', '']

    Two records of the target day, the later by sequence number:

    >>> w = VisitWindows.from_records([("Week 2", 2, 8, 21, 14)])
    >>> adlb = derive_vars_visit_window(pd.DataFrame({"USUBJID": "1", "ADY": [14, 14, 16],
    ...     "LBSEQ": [3, 7, 9], "AVAL": [3.0, 7.0, 5.0]}), windows=w)
    >>> derive_var_window_flag(adlb, windows=w, by_vars=["USUBJID"], order=["-LBSEQ"])["ANL01FL"].fillna("").tolist()
    ['', 'Y', '']
    """
    rule, mode = windows.order()
    order = rule + list(order or [])
    needed = ["AVISITN"] + [o.lstrip("-") for o in order]
    assert_has_columns(dataset, list(by_vars) + needed)
    mask = filter_mask(dataset, filter) & dataset["AVISITN"].notna()
    return derive_var_extreme_flag(dataset, by_vars=list(by_vars) + ["AVISITN"], order=order, new_var=new_var,
                                   mode=mode, filter=mask, true_value=true_value, false_value=false_value)


__all__ = ["VisitWindows", "WINDOW_COLUMNS", "SELECTIONS", "derive_vars_visit_window", "derive_var_window_flag"]
