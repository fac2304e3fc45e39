"""Plain-pandas BDS steps shared by the QC ADLB and ADVS programs (a helper module, not a program).

Each step is the ADaM spec's method text read a second time (MT.ADLB.PARAM / MT.ADVS.PARAM, MT.ADY,
MT.BDS.AVISIT, MT.BDS.BASE, MT.BDS.CHG, MT.ONTRTFL, MT.BDS.ANL01FL, MT.BDS.ASEQ); nothing from the framework.

>>> params, sources = spec_parameters("HGB -> PARAMCD HGB, PARAM 'Hemoglobin (g/L)', PARAMN 1; "
...                                   "computed -> PARAMCD CACORR, PARAM 'Calcium, corrected (mmol/L)', PARAMN 23.")
>>> params["CACORR"], sources
(('Calcium, corrected (mmol/L)', 23, 'mmol/L'), {'HGB': 'HGB'})
>>> import pandas as pd
>>> w = visit_windows(pd.Series([-5.0, 1.0, 2.0, 32.0, 33.0, 53.0, 1250.0, 1251.0, None]))
>>> w["AVISIT"].tolist()
['Baseline', 'Baseline', 'Cycle 2', 'Cycle 2', 'Cycle 3', 'Cycle 3', 'Cycle 60', '', '']
>>> w["AWTARGET"].tolist()[:6]
[1.0, 1.0, 22.0, 22.0, 43.0, 43.0]
>>> bds = pd.DataFrame({"USUBJID": "1", "PARAMCD": "X", "ADY": [1.0, 20.0, 24.0, 40.0, 46.0],
...                     "AVISITN": [0.0, 2.0, 2.0, 3.0, 3.0], "AWTARGET": [1.0, 22.0, 22.0, 43.0, 43.0],
...                     "AVAL": [1.0, 2.0, 3.0, 4.0, None]})
>>> analysed_flag(bds, ["ADY"]).tolist()   # 20 and 24 equally close to 22: the later; 46 has no value
['Y', '', 'Y', 'Y', '']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._common import KEYS, study_day, text

#: MT.BDS.AVISIT: baseline up to day 1; cycle 2 days 2-32 (target 22); cycle n days 21n-30 to 21n-10
FIRST_CYCLE, LAST_CYCLE, CYCLE_DAYS = 2, 60, 21
ADSL_VARS = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "TRTSDT", "TRTEDT"]


def spec_parameters(method_text: str) -> tuple[dict, dict]:
    """From a MT.*.PARAM text: {PARAMCD: (PARAM, PARAMN, unit)} and {TESTCD: PARAMCD} of the collected ones."""
    params = {code: (label, int(n), re.search(r"\(([^()]*)\)$", label).group(1))
              for code, label, n in re.findall(r"PARAMCD (\w+), PARAM '([^']*)', PARAMN (\d+)", method_text)}
    sources = dict(re.findall(r"(\w+) -> PARAMCD (\w+)", method_text))
    return params, {testcd: code for testcd, code in sources.items() if testcd != "computed"}


def check_units(frame: pd.DataFrame, unit: pd.Series, params: dict, domain: str, unit_var: str) -> None:
    """Every record with a value is in its parameter's unit (the spec: else the run stops)."""
    wanted = frame["PARAMCD"].map({code: u for code, (_, _, u) in params.items()})
    bad = frame["AVAL"].notna() & (text(unit) != wanted)
    if bad.any():
        first = frame.loc[bad].iloc[0]
        raise ValueError(f"QC: {domain} {unit_var} {text(unit[bad]).iloc[0]!r} is not the unit of {first['PARAMCD']} "
                         f"({wanted[bad].iloc[0]}), USUBJID {first['USUBJID']}: {int(bad.sum())} record(s)")


def with_subject(frame: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """The ADSL variables every BDS record carries, and TRTA = TRT01A (MT.TRTA)."""
    out = frame.merge(adsl[ADSL_VARS].drop(columns="STUDYID"), on="USUBJID", how="left", validate="many_to_one")
    out["TRTA"] = out["TRT01A"]
    return out


def visit_windows(ady: pd.Series) -> pd.DataFrame:
    """AVISIT, AVISITN, AWLO, AWHI, AWTARGET, AWU of study days ``ady`` (MT.BDS.AVISIT)."""
    cycle = np.ceil((ady + 10) / CYCLE_DAYS)            # day 21n-30 .. 21n-10 -> n
    cycle = cycle.where(ady > 32, FIRST_CYCLE)
    base = ady <= 1
    inside = ady.notna() & (base | (cycle <= LAST_CYCLE))
    n = cycle.where(inside & ~base)
    out = pd.DataFrame(index=ady.index)
    out["AVISIT"] = np.where(base, "Baseline", np.where(n.notna(), "Cycle " + n.fillna(0).astype(int).astype(str), ""))
    out["AVISITN"] = np.where(base, 0.0, n)
    out["AWLO"] = np.where(n == FIRST_CYCLE, 2.0, CYCLE_DAYS * n - 30)
    out["AWHI"] = np.where(base, 1.0, np.where(n == FIRST_CYCLE, 32.0, CYCLE_DAYS * n - 10))
    out["AWTARGET"] = np.where(base, 1.0, CYCLE_DAYS * n - 20)
    out["AWU"] = np.where(inside, "DAYS", "")
    return out.astype({c: "float64" for c in ("AVISITN", "AWLO", "AWHI", "AWTARGET")})


def baseline_flag(frame: pd.DataFrame, order: list[str]) -> pd.Series:
    """ABLFL (MT.BDS.BASE): Y on the last record with a value on or before TRTSDT per subject and parameter."""
    eligible = frame.loc[frame["AVAL"].notna() & frame["ADT"].notna() & (frame["ADT"] <= frame["TRTSDT"])]
    last = eligible.sort_values(["USUBJID", "PARAMCD"] + order, kind="mergesort").drop_duplicates(
        ["USUBJID", "PARAMCD"], keep="last").index
    return pd.Series(np.where(frame.index.isin(last), "Y", ""), index=frame.index)


def from_baseline(frame: pd.DataFrame, pairs: dict[str, str]) -> pd.DataFrame:
    """Each ``new: source`` of ``pairs``: the baseline record's ``source`` on every record of its subject and parameter."""
    base = frame.loc[frame["ABLFL"] == "Y", ["USUBJID", "PARAMCD", *pairs.values()]]
    base = base.rename(columns={src: new for new, src in pairs.items()})
    return frame.drop(columns=[c for c in pairs if c in frame.columns]).merge(
        base, on=["USUBJID", "PARAMCD"], how="left", validate="many_to_one")


def change(frame: pd.DataFrame) -> pd.DataFrame:
    """CHG = AVAL - BASE, PCHG = 100 x CHG / BASE (BASE 0: missing), after TRTSDT only (MT.BDS.CHG)."""
    after = frame["ADT"] > frame["TRTSDT"]
    frame["CHG"] = (frame["AVAL"] - frame["BASE"]).where(after)
    frame["PCHG"] = (100 * frame["CHG"] / frame["BASE"]).where(after & (frame["BASE"] != 0))
    return frame


def on_treatment(frame: pd.DataFrame, settings: dict) -> np.ndarray:
    """ONTRTFL (MT.ONTRTFL): TRTSDT - start window <= ADT <= TRTEDT + end window, or ADT missing."""
    adam = settings["adam"]
    start = frame["TRTSDT"] - pd.Timedelta(days=int(adam.get("ontrt_start_window", 0)))
    end = frame["TRTEDT"] + pd.Timedelta(days=int(adam["ontrt_end_window"]))
    return np.where(frame["ADT"].isna() | ((frame["ADT"] >= start) & (frame["ADT"] <= end)), "Y", "")


def analysed_flag(frame: pd.DataFrame, later: list[str]) -> pd.Series:
    """ANL01FL (MT.BDS.ANL01FL): per subject, parameter and AVISITN the record with a value closest to the
    target day; of two equally close the later (by ``later``)."""
    cand = frame.loc[frame["AVAL"].notna() & frame["AVISITN"].notna()]
    cand = cand.assign(_DIST=(cand["ADY"] - cand["AWTARGET"]).abs())
    chosen = cand.sort_values(["USUBJID", "PARAMCD", "AVISITN", "_DIST"] + later,
                              ascending=[True, True, True, True] + [False] * len(later), kind="mergesort")
    chosen = chosen.drop_duplicates(["USUBJID", "PARAMCD", "AVISITN"]).index
    return pd.Series(np.where(frame.index.isin(chosen), "Y", ""), index=frame.index)


def finish(frame: pd.DataFrame, settings: dict, order: list[str]) -> pd.DataFrame:
    """ADY, the windows, ONTRTFL, ANL01FL and ASEQ (sorted per subject by PARAMN, then ``order``)."""
    frame["ADY"] = study_day(frame["ADT"], frame["TRTSDT"])
    frame = frame.join(visit_windows(frame["ADY"]))
    frame["ONTRTFL"] = on_treatment(frame, settings)
    frame["ANL01FL"] = analysed_flag(frame, order)
    ranked = frame.sort_values(["USUBJID", "PARAMN"] + order, kind="mergesort", na_position="last")
    frame["ASEQ"] = (ranked.groupby("USUBJID").cumcount() + 1).reindex(frame.index).astype("float64")
    return frame


def as_text(frame: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    for var in variables:
        frame[var] = text(frame[var])
    return frame


__all__ = ["KEYS", "spec_parameters", "check_units", "with_subject", "visit_windows", "baseline_flag",
           "from_baseline", "change", "on_treatment", "analysed_flag", "finish", "as_text"]
