"""QC ADTTE: independent derivation of PFS, OS and DOR (spec MT.ADTTE.*), plain pandas.

Reads the QC ADSL and the QC ADRS only (both derived from SDTM by the QC programs), never
production ADaM. Each parameter's rule as the spec's value-level method states it:

* PFS (origin TRTSDT): event = the earliest of the first PD (ADRS PD = Y) and a death before
  new anti-cancer therapy; otherwise censored at the latest of TRTSDT (CNSR 2) and the last
  adequate assessment (ADRS LSTA; CNSR 1, or 3 when new anti-cancer therapy started).
* OS (origin TRTSDT): event = death; otherwise censored at the latest of TRTSDT (CNSR 2) and
  the last known alive date (CNSR 1).
* DOR (responders, origin the first response = ADRS RSP date): as PFS without the TRTSDT censoring.

AVAL = ADT - STARTDT + 1 days.

>>> import pandas as pd
>>> d = pd.Timestamp
>>> earliest([(d("2021-05-01"), "a"), (pd.NaT, "b"), (d("2021-04-01"), "c")])
(Timestamp('2021-04-01 00:00:00'), 'c')
>>> latest([(d("2021-01-01"), "start"), (d("2021-01-01"), "lsta")])
(Timestamp('2021-01-01 00:00:00'), 'lsta')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import parameters

READS = ("QC_ADSL", "QC_ADRS")
WRITES = ("QC_ADTTE",)

ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "SAFFL", "EFFFL"]
VARIABLES = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "TRT01A", "SAFFL", "EFFFL", "PARAMCD", "PARAM", "PARAMN",
             "AVAL", "AVALU", "STARTDT", "ADT", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]
NEW_THERAPY = "LAST ASSESSMENT BEFORE NEW ANTI-CANCER THERAPY"


def earliest(candidates):
    """The (date, outcome) with the earliest date; ties: the first listed. None when no date."""
    dated = [c for c in candidates if pd.notna(c[0])]
    return min(dated, key=lambda c: c[0]) if dated else None


def latest(candidates):
    """The (date, outcome) with the latest date; ties: the last listed."""
    dated = [c for c in candidates if pd.notna(c[0])]
    best = None
    for c in dated:
        if best is None or c[0] >= best[0]:
            best = c
    return best


def _outcome(cnsr, evntdesc, cnsdtdsc, srcdom, srcvar, srcseq=np.nan) -> dict:
    return {"CNSR": float(cnsr), "EVNTDESC": evntdesc, "CNSDTDSC": cnsdtdsc, "SRCDOM": srcdom, "SRCVAR": srcvar,
            "SRCSEQ": srcseq}


def _param_record(adsl_row, paramcd, startdt, chosen) -> dict:
    adt, outcome = chosen
    return {"STUDYID": adsl_row.STUDYID, "USUBJID": adsl_row.USUBJID, "PARAMCD": paramcd, "STARTDT": startdt,
            "ADT": adt, **outcome}


def derive_adtte_qc(adsl: pd.DataFrame, adrs: pd.DataFrame, params: dict) -> pd.DataFrame:
    """QC ADTTE (PFS, OS, DOR) from the QC ADSL and ADRS; ``params``: PARAMCD -> (PARAM, PARAMN)."""
    by_param = {code: adrs.loc[adrs["PARAMCD"] == code].set_index("USUBJID") for code in ("PD", "LSTA", "RSP")}
    rows = []
    for a in adsl.itertuples():
        pd_rec = by_param["PD"].loc[a.USUBJID]
        lsta = by_param["LSTA"].loc[a.USUBJID]
        rsp = by_param["RSP"].loc[a.USUBJID]
        first_pd = (pd_rec["ADT"] if pd_rec["AVALC"] == "Y" else pd.NaT,
                    _outcome(0, "PD", "", "ADRS", "ADT", pd_rec["ASEQ"]))
        death_before_nact = a.DTHDT if pd.isna(a.NACTDT) or a.DTHDT < a.NACTDT else pd.NaT
        death = (death_before_nact, _outcome(0, "DEATH", "", "ADSL", "DTHDT"))
        after_nact = pd.notna(a.NACTDT)
        reason = NEW_THERAPY if after_nact else "LAST ADEQUATE ASSESSMENT"
        last_adequate = (lsta["ADT"], _outcome(3 if after_nact else 1, reason, reason, "ADRS", "ADT", lsta["ASEQ"]))
        # PFS
        start = (a.TRTSDT, _outcome(2, "NO ADEQUATE ASSESSMENT", "TREATMENT START", "ADSL", "TRTSDT"))
        rows.append(_param_record(a, "PFS", a.TRTSDT, earliest([first_pd, death]) or latest([start, last_adequate])))
        # OS
        os_event = (a.DTHDT, _outcome(0, "DEATH", "", "ADSL", "DTHDT"))
        os_start = (a.TRTSDT, _outcome(2, "LAST KNOWN ALIVE", "TREATMENT START", "ADSL", "TRTSDT"))
        alive = (a.LSTALVDT, _outcome(1, "LAST KNOWN ALIVE", "LAST KNOWN ALIVE", "ADSL", "LSTALVDT"))
        rows.append(_param_record(a, "OS", a.TRTSDT, earliest([os_event]) or latest([os_start, alive])))
        # DOR: responders only, from the first response
        if rsp["AVALC"] == "Y":
            chosen = earliest([first_pd, death]) or latest([last_adequate])
            if chosen is not None:
                rows.append(_param_record(a, "DOR", rsp["ADT"], chosen))
    adtte = pd.DataFrame(rows)
    for var in ("STARTDT", "ADT"):
        adtte[var] = pd.to_datetime(adtte[var]).astype("datetime64[ns]")
    adtte["AVAL"] = ((adtte["ADT"] - adtte["STARTDT"]).dt.days + 1).astype(float)
    adtte["AVALU"] = "DAYS"
    adtte["PARAM"] = adtte["PARAMCD"].map(lambda c: params[c][0])
    adtte["PARAMN"] = adtte["PARAMCD"].map(lambda c: float(params[c][1]))
    ref = adsl.set_index("USUBJID")
    for var in ADSL_VARS:
        adtte[var] = adtte["USUBJID"].map(ref[var])
    return adtte[VARIABLES].sort_values(["USUBJID", "PARAMCD"], ignore_index=True)


def derive(ctx):
    params = parameters(ctx.spec("adam"), "TTE")
    return {"QC_ADTTE": derive_adtte_qc(ctx.adam["QC_ADSL"], ctx.adam["QC_ADRS"], params)}
