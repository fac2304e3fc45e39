"""The ARD layout the table QC programs fill in (a helper module, not a program).

``derive qc`` matches a QC statistic to production's by the identity columns
:data:`ARD_KEYS` and compares ``stat_value`` within the tolerance study.toml states;
labels and rendered text are never compared.

>>> ard_rows("T1", "AVALC", "PR", "PARAMCD", "BOR", {"n": 9, "N": 29})[["stat_name", "stat_value"]].values.tolist()
[['n', 9.0], ['N', 29.0]]
"""

from __future__ import annotations

import pandas as pd

ARD_KEYS = ["analysis_id", "group_var", "group_value", "column_var", "column_value", "parent_value", "grade_band",
            "stat_name"]


def ard_rows(analysis_id: str, group_var: str, group_value: str, column_var: str, column_value: str,
             stats: dict) -> pd.DataFrame:
    """One ARD row per statistic of ``stats`` (name -> value; None is a missing value)."""
    return pd.DataFrame([{"analysis_id": analysis_id, "group_var": group_var, "group_value": group_value,
                          "column_var": column_var, "column_value": column_value, "parent_value": "",
                          "grade_band": "", "stat_name": name,
                          "stat_value": float("nan") if value is None else float(value)}
                         for name, value in stats.items()], columns=ARD_KEYS + ["stat_value"])


def n_pct(n: int, big_n: int) -> dict:
    """n, N and the percentage of N."""
    return {"n": n, "N": big_n, "pct": 100.0 * n / big_n if big_n else None}
