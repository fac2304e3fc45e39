"""CTCAE v5.0 laboratory grades as the QC programmer reads the criteria (a helper module, not a program).

The QC side's own transcription of the CTCAE v5.0 criteria of the terms the ADaM spec grades
(MT.ADLB.ATOXDSC, MT.ADLB.ATOXGR), written as data: one row per criterion, the grades from 4 down,
the first criterion a value meets gives its grade, none met is grade 0. A criterion compares AVAL
(the low terms: below, the high terms: above) with

``value``
    an absolute threshold in the term's unit (SI);
``limit``
    ``factor`` x the normal limit (LLN = ANRLO for a low term, ULN = ANRHI for a high one);
``base``
    ``factor`` x the baseline value BASE;
``over_limit``
    more than ``factor`` above the ULN (haemoglobin increased).

``baseline`` says which subjects a criterion is for: ``any``, ``normal`` or ``abnormal`` (the
baseline indicator BNRIND is HIGH for an increase, LOW for a decrease); ``inclusive`` criteria meet
at the threshold itself (">= 1.5 x baseline"). Grades CTCAE bases on clinical information
(symptoms, transfusion, life-threatening consequences, death) are not in the table. Values are
compared at 12 significant digits. A grade is blank without a value, without the normal limit or
(abnormal baseline) the baseline value a criterion needs, unless a higher criterion was met first.

>>> import pandas as pd
>>> lab = pd.DataFrame({"AVAL": [1.5, 0.9, 0.6, 0.45, 0.1, None, 0.9], "ANRLO": [1.0] * 6 + [None],
...                     "ANRHI": 4.0, "BASE": 1.2, "BNRIND": "NORMAL"})
>>> grade(lab, pd.Series("Lymphocyte count decreased", index=lab.index), "L").tolist()
['0', '1', '2', '3', '4', '', '']
>>> alt = pd.DataFrame({"AVAL": [100.0, 130.0, 100.0, 120.0, 240.0], "ANRLO": 0.0, "ANRHI": 40.0,
...                     "BASE": [30.0, 30.0, 80.0, 80.0, 80.0], "BNRIND": ["NORMAL", "NORMAL", "HIGH", "HIGH", "HIGH"]})
>>> grade(alt, pd.Series("Alanine aminotransferase increased", index=alt.index), "H").tolist()
['1', '2', '0', '1', '1']
>>> combined(pd.Series(["2", "0", "", "0", ""]), pd.Series(["0", "1", "0", "", ""]),
...          pd.Series([True, True, False, True, True]), pd.Series([True, True, True, True, False])).tolist()
['-2', '1', '0', '', '']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import qc_error, text

COLUMNS = ["TERM", "DIRECTION", "UNIT", "GRADE", "BASIS", "FACTOR", "BASELINE", "INCLUSIVE"]


def _simple(term: str, direction: str, unit: str, thresholds: dict, grade1: bool = True) -> list[tuple]:
    """Grades beyond absolute thresholds (grade -> threshold), grade 1 beyond the normal limit."""
    rows = [(term, direction, unit, g, "value", t, "any", False) for g, t in thresholds.items()]
    return rows + ([(term, direction, unit, "1", "limit", 1.0, "any", False)] if grade1 else [])


def _liver(term: str, k2: float, k3: float, k4: float, b1: float, b1_inclusive: bool) -> list[tuple]:
    """x ULN if the baseline was normal, x baseline if it was abnormal (grade 1: b1 x baseline)."""
    rows = [(term, "H", "", g, "limit", k, "normal", False) for g, k in (("4", k4), ("3", k3), ("2", k2), ("1", 1.0))]
    return rows + [(term, "H", "", g, "base", k, "abnormal", inc)
                   for g, k, inc in (("4", k4, False), ("3", k3, False), ("2", k2, False), ("1", b1, b1_inclusive))]


#: CTCAE v5.0 (November 2017), the laboratory criteria of the spec's terms, SI units
CRITERIA = pd.DataFrame(
    _simple("Anemia", "L", "g/L", {"3": 80, "2": 100})
    + [("Hemoglobin increased", "H", "g/L", g, "over_limit", k, "any", False) for g, k in (("3", 40), ("2", 20), ("1", 0))]
    + _simple("White blood cell decreased", "L", "10^9/L", {"4": 1.0, "3": 2.0, "2": 3.0})
    + _simple("Leukocytosis", "H", "10^9/L", {"3": 100}, grade1=False)
    + _simple("Neutrophil count decreased", "L", "10^9/L", {"4": 0.5, "3": 1.0, "2": 1.5})
    + _simple("Lymphocyte count decreased", "L", "10^9/L", {"4": 0.2, "3": 0.5, "2": 0.8})
    + _simple("Lymphocyte count increased", "H", "10^9/L", {"3": 20, "2": 4}, grade1=False)
    + _simple("Platelet count decreased", "L", "10^9/L", {"4": 25, "3": 50, "2": 75})
    + _liver("Alanine aminotransferase increased", 3.0, 5.0, 20.0, 1.5, True)
    + _liver("Aspartate aminotransferase increased", 3.0, 5.0, 20.0, 1.5, True)
    + _liver("Alkaline phosphatase increased", 2.5, 5.0, 20.0, 2.0, True)
    + _liver("GGT increased", 2.5, 5.0, 20.0, 2.0, True)
    + _liver("Blood bilirubin increased", 1.5, 3.0, 10.0, 1.0, False)
    + _simple("Hypoalbuminemia", "L", "g/L", {"3": 20, "2": 30})
    + [("Creatinine increased", "H", "", g, basis, k, "any", False)
       for g, basis, k in (("4", "limit", 6.0), ("3", "limit", 3.0), ("3", "base", 3.0), ("2", "limit", 1.5),
                           ("2", "base", 1.5), ("1", "limit", 1.0))]
    + _simple("Hypoglycemia", "L", "mmol/L", {"4": 1.7, "3": 2.2, "2": 3.0})
    + _simple("Hyponatremia", "L", "mmol/L", {"4": 120, "3": 125, "2": 130})
    + _simple("Hypernatremia", "H", "mmol/L", {"4": 160, "3": 155, "2": 150})
    + _simple("Hypokalemia", "L", "mmol/L", {"4": 2.5, "3": 3.0})  # grade 2 needs symptoms
    + _simple("Hyperkalemia", "H", "mmol/L", {"4": 7.0, "3": 6.0, "2": 5.5})
    + _simple("Hypocalcemia", "L", "mmol/L", {"4": 1.5, "3": 1.75, "2": 2.0})
    + _simple("Hypercalcemia", "H", "mmol/L", {"4": 3.4, "3": 3.1, "2": 2.9}),
    columns=COLUMNS)


def _signif(values) -> np.ndarray:
    """Numbers at 12 significant digits (3 x 0.1 is 0.3)."""
    return np.char.mod("%.12g", np.asarray(values, dtype=float)).astype(float)


def grade(lab: pd.DataFrame, terms: pd.Series, direction: str) -> pd.Series:
    """The grade ("0"-"4", "" not gradable) of each record of ``lab`` (AVAL, ANRLO, ANRHI, BASE, BNRIND) for
    its CTCAE term ``terms`` ("" no term) in ``direction`` ("L" or "H")."""
    out = pd.Series("", index=lab.index, dtype=object)
    terms = text(terms)
    unknown = (terms != "") & ~terms.isin(CRITERIA.loc[CRITERIA["DIRECTION"] == direction, "TERM"])
    if unknown.any():
        first = unknown.idxmax()
        raise qc_error(f"no CTCAE v5.0 {'low' if direction == 'L' else 'high'} criteria transcribed for "
                       f"{', '.join(sorted(set(terms[unknown])))}", dataset="ADLB", variable=f"ATOXDSC{direction}",
                       usubjid=text(lab["USUBJID"])[first] if "USUBJID" in lab else None, value=terms[first],
                       fix="transcribe the term's criteria into CRITERIA in qc/_ctcae.py, or correct the term in "
                           "the spec's MT.ADLB.ATOXDSC")
    aval = lab["AVAL"].to_numpy(dtype=float)
    limit = lab["ANRLO" if direction == "L" else "ANRHI"].to_numpy(dtype=float)
    base = lab["BASE"].to_numpy(dtype=float)
    abnormal = (text(lab["BNRIND"]) == ("LOW" if direction == "L" else "HIGH")).to_numpy()
    for term in pd.unique(terms[terms != ""]):
        rows = (terms == term).to_numpy()
        a, lim, b, abn = aval[rows], limit[rows], base[rows], abnormal[rows]
        result = np.where(np.isnan(a), "", "0").astype(object)
        decided = np.isnan(a)             # no value: blank
        for c in CRITERIA[CRITERIA["TERM"] == term].itertuples(index=False):  # one per criterion of the table
            applies = {"any": np.ones(len(a), dtype=bool), "normal": ~abn, "abnormal": abn}[c.BASELINE] & ~decided
            reference = {"value": np.full(len(a), float(c.FACTOR)), "limit": c.FACTOR * lim, "base": c.FACTOR * b,
                         "over_limit": lim + c.FACTOR}[c.BASIS]
            if c.BASIS in ("limit", "over_limit") or c.BASELINE == "abnormal":  # the criterion needs it
                blank = applies & np.isnan(reference)
                result[blank] = ""
                decided |= blank
                applies &= ~blank
            x, r = _signif(a), _signif(reference)
            with np.errstate(invalid="ignore"):
                if direction == "L":
                    met = applies & ((x <= r) if c.INCLUSIVE else (x < r))
                else:
                    met = applies & ((x >= r) if c.INCLUSIVE else (x > r))
            result[met] = c.GRADE
            decided |= met
        out[rows] = result
    return out


def combined(low: pd.Series, high: pd.Series, has_low: pd.Series, has_high: pd.Series) -> pd.Series:
    """ATOXGR (MT.ADLB.ATOXGR), the first that applies: both blank -> blank; low >= 1 -> -low; high >= 1 -> high;
    both 0, or one 0 and no term in the other direction -> 0; else blank."""
    lo, hi = pd.to_numeric(low.replace("", None)), pd.to_numeric(high.replace("", None))
    zero = ((lo == 0) & ((hi == 0) | ~has_high)) | ((hi == 0) & ~has_low)
    out = np.select([lo.isna() & hi.isna(), lo >= 1, hi >= 1, zero], ["", "-" + low, high, "0"], "")
    return pd.Series(out, index=low.index, dtype=object)
