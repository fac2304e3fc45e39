"""The study's two visit schedules (not a domain program); TV lists both.

* Tumour assessments (TU, TR, RS): VISITNUM 1 is the baseline scan; post-baseline scans
  are numbered in the order of their planned visit (WEEK 6 = 2, WEEK 12 = 3, ...), planned
  every :data:`ASSESSMENT_WEEKS` weeks until progression. TRLNKGRP and RSLNKGRP link a
  visit's measurements to its response: ``A<VISITNUM>``.
* Treatment cycles (EX): CYCLE n is VISITNUM :data:`CYCLE_VISITNUM` + n, so that the two
  schedules never share a number (21-day cycles, :data:`CYCLE_DAYS`).
* Laboratory tests and vital signs (LB, VS) are taken at the BASELINE visit and on day 1 of
  cycles 2, 3, ...; an unscheduled sample gets the number of the subject's last planned visit
  before it plus 0.01 per unscheduled date after that visit (:func:`unscheduled_visitnum`).
"""

import numpy as np
import pandas as pd

from derivations.core import compute_on_distinct
from derivations.findings import RawDataError

ASSESSMENT_WEEKS = 6
CYCLE_DAYS = 21
CYCLE_VISITNUM = 100


def _visitnum(visit: pd.Series) -> pd.Series:
    text = visit.astype(str).str.upper()
    week = pd.to_numeric(text.str.extract(r"^WEEK (\d+)$")[0], errors="coerce")
    return (week / ASSESSMENT_WEEKS + 1).where(text != "BASELINE", 1.0).astype(float)


def visitnum(visit: pd.Series, *, dataset: str | None = None, usubjid: pd.Series | None = None) -> pd.Series:
    """``Baseline`` -> 1, ``Week 6`` -> 2, ``Week 12`` -> 3 ... (planned every 6 weeks).

    Another label (``Unscheduled``) is an error naming it: this study has no rule for
    numbering an unscheduled assessment, and a guessed number would move it between visits.
    """
    num = compute_on_distinct(visit, _visitnum, missing=np.nan).astype(float)
    bad = num.isna() & visit.astype(str).str.strip().ne("")
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(
            "visit label is not BASELINE or WEEK <n> (planned every 6 weeks), so it has no VISITNUM",
            dataset=dataset, variable="VISIT", usubjid=None if usubjid is None else str(usubjid.iloc[pos]),
            value=visit.iloc[pos],
            hint="correct the label on the raw page, or add a rule for it (e.g. unscheduled scans) to "
                 "sdtm/_visits.py")
    return num


def cycle_visitnum(cycle: pd.Series) -> pd.Series:
    """Treatment cycle n -> VISITNUM 100 + n."""
    return (CYCLE_VISITNUM + cycle).astype(float)


#: the visit names of the laboratory and vital-sign pages
UNSCHEDULED = "UNSCHEDULED"


def page_visitnum(visit: pd.Series) -> pd.Series:
    """``Baseline`` -> 1, ``Cycle n`` -> 100 + n; ``Unscheduled`` -> missing (see :func:`unscheduled_visitnum`).

    >>> page_visitnum(pd.Series(["Baseline", "Cycle 2", "Unscheduled"])).tolist()
    [1.0, 102.0, nan]
    """
    def one(values: pd.Series):
        text = values.astype(str).str.upper()
        cycle = pd.to_numeric(text.str.extract(r"^CYCLE (\d+)$")[0], errors="coerce")
        return (CYCLE_VISITNUM + cycle).where(text != "BASELINE", 1.0).to_numpy(dtype=float)

    return compute_on_distinct(visit, one, missing=np.nan).astype(float)


def unscheduled_visitnum(records: pd.DataFrame, planned: pd.DataFrame) -> pd.Series:
    """VISITNUM of unscheduled records: the subject's last planned visit on or before the record's
    date plus 0.01 per distinct unscheduled date after that visit (101.01, 101.02, ...); 0.01 ... before
    the first planned visit.

    ``records`` has USUBJID and ``_DATE`` (ISO 8601 date); ``planned`` has USUBJID, VISITNUM and
    ``_DATE`` of the planned visits (any domain). Returns one value per record, in its order.

    >>> rec = pd.DataFrame({"USUBJID": ["1", "1", "1"], "_DATE": ["2021-03-05", "2021-03-09", "2021-03-05"]})
    >>> plan = pd.DataFrame({"USUBJID": ["1", "1"], "VISITNUM": [1.0, 101.0], "_DATE": ["2021-02-25", "2021-03-01"]})
    >>> unscheduled_visitnum(rec, plan).tolist()
    [101.01, 101.02, 101.01]
    """
    dates = records[["USUBJID", "_DATE"]].drop_duplicates().copy()
    # one resolution on both sides (pandas infers it from the text; an empty column, e.g. a subject partition
    # without unscheduled records, would get another and merge_asof refuses keys of two resolutions)
    dates["_D"] = pd.to_datetime(dates["_DATE"], format="%Y-%m-%d").astype("datetime64[s]")
    plan = planned[["USUBJID", "VISITNUM", "_DATE"]].dropna().copy()
    plan["_D"] = pd.to_datetime(plan["_DATE"], format="%Y-%m-%d").astype("datetime64[s]")
    plan = plan.sort_values(["_D", "VISITNUM"], kind="mergesort").drop_duplicates(["USUBJID", "_D"], keep="last")
    found = pd.merge_asof(dates.sort_values("_D", kind="mergesort"), plan[["USUBJID", "_D", "VISITNUM"]], on="_D",
                          by="USUBJID", direction="backward")
    found["VISITNUM"] = found["VISITNUM"].fillna(0.0)
    found = found.sort_values(["USUBJID", "_D"], kind="mergesort")
    k = found.groupby(["USUBJID", "VISITNUM"], sort=False).cumcount() + 1
    found["_NUM"] = (found["VISITNUM"] * 100 + k).round() / 100
    out = records[["USUBJID", "_DATE"]].merge(found[["USUBJID", "_DATE", "_NUM"]], on=["USUBJID", "_DATE"],
                                              how="left")
    return pd.Series(out["_NUM"].to_numpy(dtype=float), index=records.index)


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
        "TVSTRL": ["Baseline before the first dose: tumour assessment (CT, RECIST 1.1); laboratory tests and vital "
                   "signs within 7 days before the first dose"]
        + [f"Tumour assessment (CT, RECIST 1.1) {w} weeks after the first dose; planned every "
           f"{ASSESSMENT_WEEKS} weeks until disease progression" for w in weeks],
    })
    dosing = pd.DataFrame({
        "VISITNUM": CYCLE_VISITNUM + n.astype(float),
        "VISIT": [f"CYCLE {c}" for c in n],
        "VISITDY": CYCLE_DAYS * (n - 1.0) + 1,
        "TVSTRL": [f"Day 1 of {CYCLE_DAYS}-day treatment cycle {c}: anlotinib on days 1-14, the PD-1 inhibitor "
                   "on day 1" + ("; laboratory tests and vital signs before the dose" if c > 1 else "") for c in n],
    })
    return pd.concat([scans, dosing], ignore_index=True)
