"""Tumour-assessment visits shared by TU, TR and RS (not a domain program).

VISITNUM 1 is the baseline scan; post-baseline scans are numbered in the
order of their planned visit (WEEK 6 = 2, WEEK 12 = 3, ...). TRLNKGRP and
RSLNKGRP link a visit's measurements to its response: ``A<VISITNUM>``.
"""

import numpy as np
import pandas as pd

from derivations.core import compute_on_distinct


def _visitnum(visit: pd.Series) -> pd.Series:
    text = visit.astype(str).str.upper()
    week = pd.to_numeric(text.str.extract(r"^WEEK (\d+)$")[0], errors="coerce")
    return (week / 6 + 1).where(text != "BASELINE", 1.0).astype(float)


def visitnum(visit: pd.Series) -> pd.Series:
    """``Baseline`` -> 1, ``Week 6`` -> 2, ``Week 12`` -> 3 ... (planned every 6 weeks)."""
    return compute_on_distinct(visit, _visitnum, missing=np.nan).astype(float)


def linkgrp(num: pd.Series) -> pd.Series:
    return "A" + num.astype(int).astype(str)
