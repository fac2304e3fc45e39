"""The study's two visit schedules (not a domain program); TV lists both.

* Tumour assessments (TU, TR, RS): VISITNUM 1 is the baseline scan; post-baseline scans
  are numbered in the order of their planned visit (WEEK 6 = 2, WEEK 12 = 3, ...), planned
  every :data:`ASSESSMENT_WEEKS` weeks until progression. TRLNKGRP and RSLNKGRP link a
  visit's measurements to its response: ``A<VISITNUM>``.
* Treatment cycles (EX): CYCLE n is VISITNUM :data:`CYCLE_VISITNUM` + n, so that the two
  schedules never share a number (21-day cycles, :data:`CYCLE_DAYS`).
"""

import numpy as np
import pandas as pd

from derivations.core import compute_on_distinct

ASSESSMENT_WEEKS = 6
CYCLE_DAYS = 21
CYCLE_VISITNUM = 100


def _visitnum(visit: pd.Series) -> pd.Series:
    text = visit.astype(str).str.upper()
    week = pd.to_numeric(text.str.extract(r"^WEEK (\d+)$")[0], errors="coerce")
    return (week / ASSESSMENT_WEEKS + 1).where(text != "BASELINE", 1.0).astype(float)


def visitnum(visit: pd.Series) -> pd.Series:
    """``Baseline`` -> 1, ``Week 6`` -> 2, ``Week 12`` -> 3 ... (planned every 6 weeks)."""
    return compute_on_distinct(visit, _visitnum, missing=np.nan).astype(float)


def cycle_visitnum(cycle: pd.Series) -> pd.Series:
    """Treatment cycle n -> VISITNUM 100 + n."""
    return (CYCLE_VISITNUM + cycle).astype(float)


def linkgrp(num: pd.Series) -> pd.Series:
    return "A" + num.astype(int).astype(str)


def planned_visits(assessments: int, cycles: int) -> pd.DataFrame:
    """The planned visits (TV) for ``assessments`` post-baseline scans and ``cycles`` treatment cycles.

    Both schedules are open-ended (until progression); TV lists as many visits as the
    data reach. VISITDY is the planned study day (day 1 = first dose); the baseline scan
    has none (any day before the first dose).

    >>> planned_visits(2, 1)[["VISITNUM", "VISIT", "VISITDY"]].values.tolist()
    [[1.0, 'BASELINE', nan], [2.0, 'WEEK 6', 43.0], [3.0, 'WEEK 12', 85.0], [101.0, 'CYCLE 1', 1.0]]
    """
    weeks = ASSESSMENT_WEEKS * np.arange(1, assessments + 1)
    n = np.arange(1, cycles + 1)
    scans = pd.DataFrame({
        "VISITNUM": np.concatenate([[1.0], weeks / ASSESSMENT_WEEKS + 1]),
        "VISIT": ["BASELINE"] + [f"WEEK {w}" for w in weeks],
        "VISITDY": np.concatenate([[np.nan], 7.0 * weeks + 1]),
        "TVSTRL": ["Baseline tumour assessment (CT, RECIST 1.1) before the first dose"]
        + [f"Tumour assessment (CT, RECIST 1.1) {w} weeks after the first dose; planned every "
           f"{ASSESSMENT_WEEKS} weeks until disease progression" for w in weeks],
    })
    dosing = pd.DataFrame({
        "VISITNUM": CYCLE_VISITNUM + n.astype(float),
        "VISIT": [f"CYCLE {c}" for c in n],
        "VISITDY": CYCLE_DAYS * (n - 1.0) + 1,
        "TVSTRL": [f"Day 1 of {CYCLE_DAYS}-day treatment cycle {c}: anlotinib on days 1-14, the PD-1 inhibitor "
                   "on day 1" for c in n],
    })
    return pd.concat([scans, dosing], ignore_index=True)
