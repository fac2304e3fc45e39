"""QC ADAE: independent derivation of the adverse events analysis dataset, plain pandas.

Written from the ADaM spec's method texts (MT.ASTDT, MT.AENDT, MT.ASTDY, MT.ADURN, MT.TRTEMFL,
MT.ATOXGR, MT.AREL, MT.AOCC*) from SDTM AE/SUPPAE and the QC ADSL; no framework derivation.

>>> import pandas as pd
>>> dates, flags = impute_partial(pd.Series(["2021-03", "2021", "2021-03-05", ""]), "first",
...                               floor=pd.Series(pd.to_datetime(["2021-03-10", "2020-01-01", None, None])))
>>> [str(d.date()) if pd.notna(d) else None for d in dates], flags.tolist()
(['2021-03-10', '2021-01-01', '2021-03-05', None], ['D', 'M', '', ''])
>>> dates, flags = impute_partial(pd.Series(["2021-02", "2021"]), "last",
...                               ceiling=pd.Series(pd.to_datetime(["2021-02-20", None])))
>>> [str(d.date()) for d in dates], flags.tolist()
(['2021-02-20', '2021-12-31'], ['D', 'M'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import KEYS, study_day, supp_wide, text

READS = ("QC_ADSL", "AE", "SUPPAE")
WRITES = ("QC_ADAE",)

ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "TRTSDT", "SAFFL", "TRTEDT"]
AE_VARS = ["AESEQ", "AESPID", "AETERM", "AEDECOD", "AEBODSYS", "AESOC", "AELLT", "AELLTCD", "AEPTCD", "AEHLT",
           "AEHLTCD", "AEHLGT", "AEHLGTCD", "AEBDSYCD", "AESOCCD", "AESER", "AEOUT", "AEACN", "AESTDTC", "AEENDTC"]
VARIABLES = (["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "TRTSDT", "SAFFL", "TRTEDT"] + AE_VARS
             + ["ASTDT", "ASTDTF", "AENDT", "AENDTF", "ASTDY", "AENDY", "ADURN", "ADURU", "TRTEMFL", "AETOXGR",
                "ATOXGR", "ATOXGRN", "AEREL", "AERELANL", "AERELPD1", "AREL", "AOCCFL", "AOCCPFL", "AOCCIFL",
                "AOCCPIFL"])


def impute_partial(dtc: pd.Series, where: str, *, floor: pd.Series | None = None,
                   ceiling: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """A partial ISO date (YYYY-MM or YYYY) -> the first (``where="first"``) or last day of its period;
    a ``floor`` inside the period and later than the first day replaces it, a ``ceiling`` inside the period
    and earlier than the last day replaces it. Flag: D (day imputed), M (month and day), "" (complete)."""
    txt = text(dtc).str.slice(0, 10)
    full, ym, y = (txt.str.fullmatch(p) for p in (r"\d{4}-\d{2}-\d{2}", r"\d{4}-\d{2}", r"\d{4}"))
    first = pd.to_datetime(pd.Series(np.select([full, ym, y], [txt, txt + "-01", txt + "-01-01"], ""),
                                     index=txt.index).replace("", None), format="%Y-%m-%d", errors="coerce")
    last = first.where(~ym, first + pd.offsets.MonthEnd(0)).where(~y, first + pd.offsets.YearEnd(0))
    date = (first if where == "first" else last).copy()
    partial = ym | y
    if floor is not None:
        move = partial & floor.notna() & (floor > date) & (floor <= last)
        date = date.where(~move, floor)
    if ceiling is not None:
        move = partial & ceiling.notna() & (ceiling < date) & (ceiling >= first)
        date = date.where(~move, ceiling)
    flag = pd.Series(np.select([ym, y], ["D", "M"], ""), index=txt.index)
    return date.astype("datetime64[ns]"), flag


def _first_flag(adae: pd.DataFrame, by: list[str], order: list[str], ascending: list[bool]) -> np.ndarray:
    """Y on the first treatment-emergent record per ``by`` after sorting by ``order``."""
    teae = adae.loc[adae["TRTEMFL"] == "Y"].sort_values(by + order, ascending=[True] * len(by) + ascending,
                                                         na_position="last", kind="mergesort")
    first = teae.drop_duplicates(by).index
    return np.where(adae.index.isin(first), "Y", "")


def derive_adae_qc(ae: pd.DataFrame, suppae: pd.DataFrame, adsl: pd.DataFrame, settings: dict) -> pd.DataFrame:
    window = int(settings["adam"]["trtem_end_window"])
    adae = ae.copy()
    for var in ("STUDYID", "USUBJID"):
        adae[var] = text(adae[var])
    supp = supp_wide(suppae.loc[text(suppae["IDVAR"]) == "AESEQ"].assign(
        USUBJID=lambda d: text(d["USUBJID"]) + "|" + text(d["IDVARVAL"])))
    link = adae["USUBJID"] + "|" + pd.to_numeric(adae["AESEQ"]).astype("Int64").astype(str)
    for qnam in ("AERELANL", "AERELPD1"):
        adae[qnam] = text(link.map(supp[qnam])) if qnam in supp.columns else ""
    ref = adsl.set_index("USUBJID")
    for var in ADSL_VARS + ["DTHDT", "DCUTDT"]:
        adae[var] = adae["USUBJID"].map(ref[var])
    # MT.ASTDT: first of the period, not before TRTSDT; MT.AENDT: last of the period, not after death or cut-off
    adae["ASTDT"], adae["ASTDTF"] = impute_partial(adae["AESTDTC"], "first", floor=adae["TRTSDT"])
    cap = adae[["DTHDT", "DCUTDT"]].min(axis=1)
    adae["AENDT"], adae["AENDTF"] = impute_partial(adae["AEENDTC"], "last", ceiling=cap)
    # MT.ASTDY, MT.ADURN
    adae["ASTDY"] = study_day(adae["ASTDT"], adae["TRTSDT"])
    adae["AENDY"] = study_day(adae["AENDT"], adae["TRTSDT"])
    adae["ADURN"] = ((adae["AENDT"] - adae["ASTDT"]).dt.days + 1).astype(float)
    adae["ADURU"] = np.where(adae["ADURN"].notna(), "DAYS", "")
    # MT.TRTEMFL
    on_treatment = (adae["ASTDT"] >= adae["TRTSDT"]) & (adae["ASTDT"] <= adae["TRTEDT"] + pd.Timedelta(days=window))
    adae["TRTEMFL"] = np.where(on_treatment | adae["ASTDT"].isna(), "Y", "")
    # MT.ATOXGR, MT.AREL
    adae["ATOXGR"] = text(adae["AETOXGR"])
    adae["ATOXGRN"] = pd.to_numeric(adae["ATOXGR"].replace("", None)).astype(float)
    related = (text(adae["AEREL"]) == "RELATED") | (adae["AERELANL"] == "RELATED") | (adae["AERELPD1"] == "RELATED")
    adae["AREL"] = np.where(related, "RELATED", "NOT RELATED")
    # MT.AOCC*: first TEAE per subject (and PT); the first of the worst grade per subject (and PT)
    subject, term = ["USUBJID"], ["USUBJID", "AEDECOD"]
    adae["AOCCFL"] = _first_flag(adae, subject, ["ASTDT", "AESEQ"], [True, True])
    adae["AOCCPFL"] = _first_flag(adae, term, ["ASTDT", "AESEQ"], [True, True])
    adae["AOCCIFL"] = _first_flag(adae, subject, ["ATOXGRN", "ASTDT", "AESEQ"], [False, True, True])
    adae["AOCCPIFL"] = _first_flag(adae, term, ["ATOXGRN", "ASTDT", "AESEQ"], [False, True, True])
    return adae[VARIABLES].sort_values(KEYS + ["AESEQ"], ignore_index=True)


def derive(ctx):
    return {"QC_ADAE": derive_adae_qc(ctx.sdtm["AE"], ctx.sdtm["SUPPAE"], ctx.adam["QC_ADSL"], ctx.settings)}
