"""ADTTE: time to event (PFS, OS, DOR), one record per subject and parameter (each block names its spec method).

The event and censoring rules are data: the EventSource / CensorSource lists below
(``print(PFS_EVENTS[0])`` reads a rule). ``adsl`` and ``adrs`` in them name the source
datasets; ``adrs`` carries ADSL.NACTDT (first new anti-cancer therapy) for the censoring
rules. AVAL = ADT - STARTDT + 1 days.
"""

import pandas as pd

from derivations.adam import (CensorSource, EventSource, derive_param_tte, derive_var_aval_tte, derive_var_code,
                              derive_var_decode, derive_vars_merged)

READS = ("ADSL", "ADRS")
WRITES = ("ADTTE",)

KEYS = ["STUDYID", "USUBJID"]
ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "SAFFL", "EFFFL"]


def _src(dom, var, seq=None, **more):
    return {"SRCDOM": dom, "SRCVAR": var, **({"SRCSEQ": seq} if seq else {}), **more}


# ---- shared sources --------------------------------------------------------------------------
#: first PD (ADRS PD, investigator, only assessments before new anti-cancer therapy)
PD_EVENT = EventSource("adrs", "ADT", filter="PARAMCD == 'PD' and AVALC == 'Y'",
                       set_values_to={"EVNTDESC": "PD", **_src("ADRS", "ADT", "ASEQ")})
#: death; a death after new anti-cancer therapy is not a PFS/DOR event (censored before it)
DEATH_EVENT = EventSource("adsl", "DTHDT", filter="NACTDT.isna() or DTHDT < NACTDT",
                          set_values_to={"EVNTDESC": "DEATH", **_src("ADSL", "DTHDT")})
#: last adequate assessment (ADRS LSTA: not NE, up to first PD, before new anti-cancer therapy)
LSTA_CENSOR = CensorSource("adrs", "ADT", filter="PARAMCD == 'LSTA' and NACTDT.isna()", censor=1,
                           set_values_to={"EVNTDESC": "LAST ADEQUATE ASSESSMENT",
                                          "CNSDTDSC": "LAST ADEQUATE ASSESSMENT", **_src("ADRS", "ADT", "ASEQ")})
LSTA_NACT_CENSOR = CensorSource(
    "adrs", "ADT", filter="PARAMCD == 'LSTA' and NACTDT.notna()", censor=3,
    set_values_to={"EVNTDESC": "LAST ASSESSMENT BEFORE NEW ANTI-CANCER THERAPY",
                   "CNSDTDSC": "LAST ASSESSMENT BEFORE NEW ANTI-CANCER THERAPY", **_src("ADRS", "ADT", "ASEQ")})

# ---- PFS (MT.ADTTE.ADT.PFS): events first PD, death; censored at the last adequate assessment, else at
# treatment start
PFS_EVENTS = [PD_EVENT, DEATH_EVENT]
PFS_CENSORS = [
    CensorSource("adsl", "TRTSDT", censor=2,
                 set_values_to={"EVNTDESC": "NO ADEQUATE ASSESSMENT", "CNSDTDSC": "TREATMENT START",
                                **_src("ADSL", "TRTSDT")}),
    LSTA_CENSOR,
    LSTA_NACT_CENSOR,
]

# ---- OS (MT.ADTTE.ADT.OS): death (any time); censored at last known alive
OS_EVENTS = [EventSource("adsl", "DTHDT", set_values_to={"EVNTDESC": "DEATH", **_src("ADSL", "DTHDT")})]
OS_CENSORS = [
    CensorSource("adsl", "TRTSDT", censor=2,
                 set_values_to={"EVNTDESC": "LAST KNOWN ALIVE", "CNSDTDSC": "TREATMENT START",
                                **_src("ADSL", "TRTSDT")}),
    CensorSource("adsl", "LSTALVDT", censor=1,
                 set_values_to={"EVNTDESC": "LAST KNOWN ALIVE", "CNSDTDSC": "LAST KNOWN ALIVE",
                                **_src("ADSL", "LSTALVDT")}),
]

# ---- DOR (MT.ADTTE.ADT.DOR): responders only, from the first response (ADRS RSP ADT); events PD, death
DOR_EVENTS = [PD_EVENT, DEATH_EVENT]
DOR_CENSORS = [LSTA_CENSOR, LSTA_NACT_CENSOR]


def derive(ctx):
    adsl, adrs = ctx.adam["ADSL"], ctx.adam["ADRS"]
    adrs = derive_vars_merged(adrs.drop(columns=[c for c in ("NACTDT",) if c in adrs.columns]),
                              dataset_add=adsl, by_vars=KEYS, new_vars=["NACTDT"])
    sources = {"adsl": adsl, "adrs": adrs}

    # MT.ADTTE.STARTDT / MT.ADTTE.ADT: PFS and OS from treatment start (MT.ADTTE.STARTDT.TRT)
    adtte = derive_param_tte(dataset_ref=adsl, source_datasets=sources, start_date="TRTSDT",
                             event_conditions=PFS_EVENTS, censor_conditions=PFS_CENSORS,
                             set_values_to={"PARAMCD": "PFS"}, findings=ctx.findings)
    adtte = derive_param_tte(adtte, dataset_ref=adsl, source_datasets=sources, start_date="TRTSDT",
                             event_conditions=OS_EVENTS, censor_conditions=OS_CENSORS,
                             set_values_to={"PARAMCD": "OS"}, findings=ctx.findings)
    # DOR: the responders' first response date is the origin (MT.ADTTE.STARTDT.DOR); only their records are sources
    first_resp = adrs.loc[(adrs["PARAMCD"] == "RSP") & (adrs["AVALC"] == "Y"), KEYS + ["ADT"]]
    responders = adsl.merge(first_resp.rename(columns={"ADT": "RSPDT"}), on=KEYS, how="inner")
    dor_sources = {"adsl": responders, "adrs": adrs[adrs["USUBJID"].isin(responders["USUBJID"])]}
    adtte = derive_param_tte(adtte, dataset_ref=responders, source_datasets=dor_sources, start_date="RSPDT",
                             event_conditions=DOR_EVENTS, censor_conditions=DOR_CENSORS,
                             set_values_to={"PARAMCD": "DOR"}, findings=ctx.findings)

    # MT.ADTTE.AVAL
    adtte = derive_var_aval_tte(adtte, new_var_unit="AVALU")
    # MT.ADTTE.PARAM
    spec = ctx.spec("adam")
    adtte = derive_var_decode(adtte, source_var="PARAMCD", new_var="PARAM", spec=spec, dataset_name="ADTTE")
    adtte = derive_var_code(adtte, source_var="PARAMCD", new_var="PARAMN", spec=spec, dataset_name="ADTTE")

    adtte = derive_vars_merged(adtte, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)
    return {"ADTTE": adtte}
