"""Counting subjects with adverse events by SOC, PT and maximum grade (a helper module, not a program).

A subject counts once per row: in "Any grade" when it has any event of the row's scope (every event,
a system organ class, a preferred term within its class), and in a grade band only when the worst
grade of its events in that scope falls in the band.

>>> import pandas as pd
>>> ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESOC": ["S", "S", "S"], "AEDECOD": ["A", "B", "A"],
...                    "ATOXGR": ["1", "3", "2"]})
>>> ard = occurrence_ard(ae, "T", "Any", n_subjects=4, bands={"Any grade": None, "Grade 3-4": (3, 4)})
>>> ard.loc[ard["stat_name"] == "n", ["group_value", "grade_band", "stat_value"]].values.tolist()
[['Any', 'Any grade', 2.0], ['Any', 'Grade 3-4', 1.0], ['S', 'Any grade', 2.0], ['S', 'Grade 3-4', 1.0], ['A', 'Any grade', 2.0], ['A', 'Grade 3-4', 0.0], ['B', 'Any grade', 1.0], ['B', 'Grade 3-4', 1.0]]
"""

from __future__ import annotations

import pandas as pd

from ._ard import ARD_KEYS, n_pct
from ._common import text


def _rows(ae: pd.DataFrame, analysis_id: str, group_var: str, group_value: str, parent: str, n_subjects: int,
          bands: dict) -> list[dict]:
    worst = ae.groupby("USUBJID")["_GRADE"].max()
    rows = []
    for band, grades in bands.items():
        n = len(worst) if grades is None else int(worst.isin(grades).sum())
        for stat, value in n_pct(n, n_subjects).items():
            rows.append({"analysis_id": analysis_id, "group_var": group_var, "group_value": group_value,
                         "column_var": "", "column_value": "Total", "parent_value": parent, "grade_band": band,
                         "stat_name": stat, "stat_value": float("nan") if value is None else float(value)})
    return rows


def occurrence_ard(ae: pd.DataFrame, analysis_id: str, any_label: str, *, n_subjects: int, bands: dict) -> pd.DataFrame:
    """n / N / % per row (any event, SOC, PT within SOC) and grade band; ``ae`` holds the events counted."""
    ae = ae.assign(USUBJID=text(ae["USUBJID"]), AESOC=text(ae["AESOC"]), AEDECOD=text(ae["AEDECOD"]),
                   _GRADE=pd.to_numeric(text(ae["ATOXGR"]).replace("", None)))
    rows = _rows(ae, analysis_id, "ANY", any_label, "", n_subjects, bands)
    for soc, in_soc in ae.groupby("AESOC", sort=True):
        rows += _rows(in_soc, analysis_id, "AESOC", soc, "", n_subjects, bands)
        for term, in_term in in_soc.groupby("AEDECOD", sort=True):
            rows += _rows(in_term, analysis_id, "AEDECOD", term, soc, n_subjects, bands)
    return pd.DataFrame(rows, columns=ARD_KEYS + ["stat_value"])
