"""Plain-pandas helpers shared by the QC programs (a helper module, not a program).

The QC programs are a second programmer's work: they use pandas, numpy and scipy only,
never the framework's ``derive_*`` functions, so that production and QC cannot share a bug.

>>> import pandas as pd
>>> text(pd.Series([" a", None, 1])).tolist()
['a', '', '1']
>>> [str(d.date()) if pd.notna(d) else None for d in iso_date(pd.Series(["2021-03-04T10:00", "2021-03", ""]))]
['2021-03-04', None, None]
>>> study_day(pd.Series(pd.to_datetime(["2021-01-01", "2020-12-31"])), pd.Timestamp("2021-01-01")).tolist()
[1.0, -1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["STUDYID", "USUBJID"]


def text(series: pd.Series) -> pd.Series:
    """Text with missing values as "" and surrounding blanks removed."""
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def qc_error(message: str, *, dataset: str, variable: str, value, fix: str, usubjid: str | None = None) -> ValueError:
    """The error a QC program raises on input it cannot check: what is wrong, where (dataset, variable, subject,
    value) and what to fix.

    >>> print(qc_error("no parameter", dataset="LB", variable="LBTESTCD", usubjid="S-01", value="XYZ",
    ...                fix="add XYZ to MT.ADLB.PARAM"))
    QC: no parameter (dataset LB, variable LBTESTCD, USUBJID S-01, value 'XYZ'): add XYZ to MT.ADLB.PARAM
    """
    subject = f", USUBJID {usubjid}" if usubjid is not None else ""
    return ValueError(f"QC: {message} (dataset {dataset}, variable {variable}{subject}, value {value!r}): {fix}")


def iso_date(series: pd.Series) -> pd.Series:
    """Complete ISO 8601 dates (YYYY-MM-DD, a time part ignored) -> datetime64; partial or blank -> NaT."""
    txt = text(series).str.slice(0, 10)
    complete = txt.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    return pd.to_datetime(txt.where(complete, None), format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")


def study_day(date: pd.Series, origin) -> pd.Series:
    """ADY: date - origin + 1 on or after the origin, date - origin before it (no day 0)."""
    days = (pd.to_datetime(date) - pd.to_datetime(origin)).dt.days.astype("float64")
    return days.where(days < 0, days + 1)


def supp_wide(supp: pd.DataFrame) -> pd.DataFrame:
    """SUPP-- records as one column per QNAM, indexed by USUBJID (QVAL as text)."""
    s = supp.assign(USUBJID=text(supp["USUBJID"]), QNAM=text(supp["QNAM"]), QVAL=text(supp["QVAL"]))
    return s.pivot_table(index="USUBJID", columns="QNAM", values="QVAL", aggfunc="first")


def sequence(frame: pd.DataFrame, by: list[str], order: list[str]) -> pd.Series:
    """1, 2, ... within ``by`` after sorting by ``order`` (missing values last)."""
    ranked = frame.sort_values(by + order, na_position="last", kind="mergesort")
    seq = ranked.groupby(by, sort=False).cumcount() + 1
    return seq.reindex(frame.index).astype("float64")


def yn(mask) -> np.ndarray:
    """'Y' / 'N' from a boolean mask."""
    return np.where(np.asarray(mask, dtype=bool), "Y", "N")


def parameters(spec, suffix: str) -> dict:
    """PARAMCD -> (PARAM, PARAMN) from the spec's ``PARAMCD_<suffix>`` and ``PARAMN_<suffix>`` codelists."""
    decode = {t.term: t.decode for t in spec.codelists[f"PARAMCD_{suffix}"].terms}
    paramn = {t.decode: int(t.term) for t in spec.codelists[f"PARAMN_{suffix}"].terms}
    return {code: (label, paramn[code]) for code, label in decode.items()}
