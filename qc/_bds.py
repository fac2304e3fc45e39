"""Plain-pandas BDS steps shared by the QC ADLB and ADVS programs (a helper module, not a program).

Each step is the ADaM spec's method text read a second time (MT.ADLB.PARAM / MT.ADVS.PARAM, MT.ADY,
MT.BDS.AVISIT, MT.BDS.BASE, MT.BDS.CHG, MT.ONTRTFL, MT.BDS.ANL01FL, MT.BDS.ASEQ); nothing from the framework.

>>> params, sources = spec_parameters("HGB -> PARAMCD HGB, PARAM 'Hemoglobin (g/L)', PARAMN 1; computed -> PARAMCD "
...                                   "CACORR, PARAM 'Calcium, corrected (mmol/L)', PARAMN 23.", "MT.ADLB.PARAM")
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

from ._common import KEYS, qc_error, study_day, text

#: MT.BDS.AVISIT: baseline up to day 1; cycle 2 days 2-32 (target 22); cycle n days 21n-30 to 21n-10
FIRST_CYCLE, LAST_CYCLE, CYCLE_DAYS = 2, 60, 21
ADSL_VARS = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "TRTSDT", "TRTEDT"]


def spec_parameters(method_text: str, method: str) -> tuple[dict, dict]:
    """From the text of the spec's ``method`` (MT.*.PARAM): {PARAMCD: (PARAM, PARAMN, unit)} and {TESTCD: PARAMCD}
    of the collected ones. A PARAM must end with its unit in parentheses (the unit the values are checked in)."""
    found = re.findall(r"PARAMCD (\w+), PARAM '([^']*)', PARAMN (\d+)", method_text)
    units = {code: re.search(r"\(([^()]*)\)$", label) for code, label, _ in found}
    for code, label, _ in found:
        if units[code] is None:
            raise qc_error(f"PARAM of PARAMCD {code} in the spec's {method} does not end with its unit in parentheses",
                           dataset="ADaM spec (Methods)", variable="PARAM", value=label,
                           fix=f"write the unit at the end of the PARAM in {method}, e.g. 'Hemoglobin (g/L)'")
    params = {code: (label, int(n), units[code].group(1)) for code, label, n in found}
    sources = dict(re.findall(r"(\w+) -> PARAMCD (\w+)", method_text))
    return params, {testcd: code for testcd, code in sources.items() if testcd != "computed"}


def check_tests(testcd: pd.Series, usubjid: pd.Series, sources: dict, domain: str, method: str) -> None:
    """Every test of SDTM ``domain`` has a parameter in the spec's ``method`` (else the run stops, as production's)."""
    unknown = ~testcd.isin(list(sources))
    if unknown.any():
        first = unknown.idxmax()
        codes = ", ".join(sorted(set(testcd[unknown])))
        raise qc_error(f"{domain} test(s) {codes} have no parameter in the spec's {method}", dataset=domain,
                       variable=f"{domain}TESTCD", usubjid=usubjid[first], value=testcd[first],
                       fix=f"add each test to {method} (PARAMCD, PARAM with its unit, PARAMN), "
                           f"or correct {domain}TESTCD in SDTM {domain}")


def check_one_per_sample(frame: pd.DataFrame, codes: list[str], by: list[str], computed: str, domain: str) -> None:
    """The records of ``codes`` with a value are one per parameter and sample (``by``): ``computed`` takes one value
    of each (production's computed parameters too); else an error naming the subject, parameter and ADT."""
    has = frame.loc[frame["AVAL"].notna() & frame["PARAMCD"].isin(codes)]
    twice = has.loc[has.duplicated(["PARAMCD", *by], keep=False)]
    if len(twice):
        first = twice.iloc[0]
        adt = "missing" if pd.isna(first["ADT"]) else f"{first['ADT']:%Y-%m-%d}"
        sample = "".join(f", {var} {first[var] if isinstance(first[var], str) else format(first[var], 'g')}"
                         for var in by if var not in ("USUBJID", "ADT"))
        raise qc_error(f"{first['PARAMCD']} has two or more values of one sample (ADT {adt}{sample}): {computed} "
                       f"takes one value of each of {', '.join(codes)}", dataset=domain, variable="PARAMCD",
                       usubjid=first["USUBJID"], value=first["PARAMCD"],
                       fix=f"keep one {first['PARAMCD']} result of the sample in SDTM {domain} "
                           "(mark a repeat NOT DONE)")


def check_units(frame: pd.DataFrame, unit: pd.Series, params: dict, domain: str, unit_var: str) -> None:
    """Every record with a value is in its parameter's unit (the spec: else the run stops)."""
    wanted = frame["PARAMCD"].map({code: u for code, (_, _, u) in params.items()})
    bad = frame["AVAL"].notna() & (text(unit) != wanted)
    if bad.any():
        first = frame.loc[bad].iloc[0]
        raise qc_error(f"{int(bad.sum())} record(s) with a value in another unit than their parameter's; the first: "
                       f"{first['PARAMCD']} is in {wanted[bad].iloc[0]}", dataset=domain, variable=unit_var,
                       usubjid=first["USUBJID"], value=text(unit[bad]).iloc[0],
                       fix=f"convert the result to {wanted[bad].iloc[0]} in SDTM {domain}, or change the PARAM's unit")


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
    """CHG = AVAL - BASE, PCHG = 100 x CHG / |BASE| (BASE 0: missing), after TRTSDT only (MT.BDS.CHG)."""
    after = frame["ADT"] > frame["TRTSDT"]
    frame["CHG"] = (frame["AVAL"] - frame["BASE"]).where(after)
    frame["PCHG"] = (100 * frame["CHG"] / frame["BASE"].abs()).where(after & (frame["BASE"] != 0))
    return frame


def on_treatment(frame: pd.DataFrame, settings: dict) -> np.ndarray:
    """ONTRTFL (MT.ONTRTFL): TRTSDT - start window <= ADT <= TRTEDT + end window, or ADT missing."""
    adam = settings["adam"]
    start = frame["TRTSDT"] - pd.Timedelta(days=int(adam["ontrt_start_window"]))
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
    """``variables`` of ``frame`` as text: a missing value as "", surrounding blanks removed (in place).

    Parameters
    ----------
    frame
        The QC dataset; changed in place and returned.
    variables
        The character variables to write as text (a variable filled from a merge holds NaN where nothing matched).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> as_text(pd.DataFrame({"BNRIND": ["LOW", None], "AVAL": [1.0, None]}), ["BNRIND"]).values.tolist()
    [['LOW', 1.0], ['', nan]]
    """
    for var in variables:
        frame[var] = text(frame[var])
    return frame


__all__ = ["KEYS", "spec_parameters", "check_tests", "check_one_per_sample", "check_units", "with_subject",
           "visit_windows", "baseline_flag", "from_baseline", "change", "on_treatment", "analysed_flag", "finish",
           "as_text"]
