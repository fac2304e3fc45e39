"""ADTTE (OS, PFS, duration of response) from ADSL and ADRS, as admiralonco's ad_adtte.R template derives it."""

from __future__ import annotations

from derivations.adam import (CensorSource, EventSource, derive_param_tte, derive_var_aval_tte,
                              derive_var_obs_number, derive_vars_merged)

from . import _shared as s

READS = ("ADSL", "ADRS")
WRITES = ("ADTTE",)

ADRS_SRC = {"SRCDOM": "ADRS", "SRCVAR": "ADT", "SRCSEQ": "ASEQ"}
# events and censorings as data (admiralonco's death_event, pd_event, lastalive_censor, lasta_censor,
# rand_censor)
DEATH = EventSource("adrs", "ADT", filter="PARAMCD == 'DEATH' and AVALC == 'Y' and ANL01FL == 'Y'",
                    set_values_to={"EVNTDESC": "Death", **ADRS_SRC})
PD = EventSource("adrs", "ADT", filter="PARAMCD == 'PD' and AVALC == 'Y' and ANL01FL == 'Y'",
                 set_values_to={"EVNTDESC": "Disease Progression", **ADRS_SRC})
ALIVE = CensorSource("adsl", "LSTALVDT", set_values_to={
    "EVNTDESC": "Alive", "CNSDTDSC": "Alive During Study", "SRCDOM": "ADSL", "SRCVAR": "LSTALVDT"})
LASTA = CensorSource("adrs", "ADT", filter="PARAMCD == 'LSTA' and ANL01FL == 'Y'", set_values_to={
    "EVNTDESC": "Last Tumor Assessment", "CNSDTDSC": "Last Tumor Assessment", **ADRS_SRC})
RAND = CensorSource("adsl", "RANDDT", set_values_to={
    "EVNTDESC": "Randomization", "CNSDTDSC": "Randomization", "SRCDOM": "ADSL", "SRCVAR": "RANDDT"})


def derive(ctx):
    subj = s.SUBJ
    adsl_all, adrs_all = ctx.adam["ADSL"], ctx.adam["ADRS"]
    # the variables the sources use (narrow frames: filtering wide ones costs more than deriving)
    adsl = adsl_all[subj + ["RANDDT", "LSTALVDT"]]
    adrs = adrs_all.loc[adrs_all["PARAMCD"].isin(["DEATH", "PD", "LSTA", "RSP"]),
                        subj + ["PARAMCD", "AVALC", "ANL01FL", "ADT", "ASEQ"]]
    src = {"adsl": adsl, "adrs": adrs}
    kw = {"source_datasets": src, "findings": ctx.findings}
    os_ = derive_param_tte(dataset_ref=adsl, start_date="RANDDT", event_conditions=[DEATH],
                           censor_conditions=[ALIVE, RAND], set_values_to={"PARAMCD": "OS", "PARAM": "Overall Survival"},
                           **kw)
    adtte = derive_param_tte(os_, dataset_ref=adsl, start_date="RANDDT", event_conditions=[PD, DEATH],
                             censor_conditions=[LASTA, RAND],
                             set_values_to={"PARAMCD": "PFS", "PARAM": "Progression Free Survival"}, **kw)
    # duration of response: responders only, from the first response (RSP = Y) date
    responders = derive_vars_merged(adsl[subj], dataset_add=adrs, by_vars=subj,
                                    filter_add="PARAMCD == 'RSP' and AVALC == 'Y'", new_vars={"RESPDT": "ADT"})
    responders = responders[responders["RESPDT"].notna()]
    adtte = derive_param_tte(adtte, dataset_ref=responders, start_date="RESPDT", event_conditions=[PD, DEATH],
                             censor_conditions=[LASTA],
                             set_values_to={"PARAMCD": "RSD", "PARAM": "Duration of Response"},
                             source_datasets=src)
    adtte = derive_var_aval_tte(adtte)
    adtte = derive_var_obs_number(adtte, by_vars=subj, order=["PARAMCD"])
    adtte = derive_vars_merged(adtte, dataset_add=adsl_all[subj + ["AGE", "SEX", "ARM", "ARMCD", "ACTARM", "ACTARMCD"]],
                               by_vars=subj)
    adtte["SRCSEQ"] = adtte["SRCSEQ"].astype("float64")
    return {"ADTTE": adtte}
