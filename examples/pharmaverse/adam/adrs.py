"""ADRS (RECIST 1.1, investigator) from RS/TU (pharmaversesdtm rs_onco_recist, tu_onco_recist) and ADSL,
as admiralonco's ad_adrs.R template derives it."""

from __future__ import annotations

import pandas as pd

from derivations.adam import derive_extreme_records, derive_param_exist_flag, derive_var_obs_number, derive_vars_merged
from derivations.oncology import (BorRule, derive_param_bor, derive_param_clinbenefit, derive_param_confirmed_bor,
                                  derive_param_confirmed_resp, derive_param_first_pd, derive_param_last_assessment,
                                  derive_param_ovr, derive_param_response, derive_var_ovr_anl_flags)

from . import _shared as s

#: the small RECIST subsets of pharmaversesdtm (rs_onco_recist, tu_onco_recist) that admiralonco's
#: template derives ADRS from
RS, TU = "RS_ONCO_RECIST", "TU_ONCO_RECIST"
READS = ("ADSL", RS, TU)
WRITES = ("ADRS",)

INV = {"PARCAT1": "Tumor Response", "PARCAT2": "Investigator", "PARCAT3": "RECIST 1.1", "ANL01FL": "Y"}
PARAMS = {  # PARAMCD -> PARAM (the peer's wording)
    "OVR": "Overall Response by Investigator",
    "PD": "Disease Progression by Investigator",
    "RSP": "Response by Investigator (confirmation not required)",
    "CB": "Clinical Benefit by Investigator (confirmation for response not required)",
    "BOR": "Best Overall Response by Investigator (confirmation not required)",
    "BCP": "Best Overall Response of CR/PR by Investigator (confirmation not required)",
    "CRSP": "Confirmed Response by Investigator",
    "CCB": "Confirmed Clinical Benefit by Investigator",
    "CBOR": "Best Confirmed Overall Response by Investigator",
    "CBCP": "Best Confirmed Overall Response of CR/PR by Investigator",
    "LSTA": "Last Disease Assessment by Investigator",
    "MDIS": "Measurable Disease at Baseline by Investigator",
    "DEATH": "Death",
}
#: admiralonco defaults: SD needs >= 42 days from randomisation, confirmation >= 28 days, one NE between
RULE = BorRule(ref_start_window=42, ref_confirm=28, max_nr_ne=1)


def _values(paramcd: str, **extra) -> dict:
    return {"PARAMCD": paramcd, "PARAM": PARAMS[paramcd], **INV, **extra}


def derive(ctx):
    subj = s.SUBJ
    rs, tu = s.sdtm(ctx, RS), s.sdtm(ctx, TU)
    adsl = ctx.adam["ADSL"]
    s.assert_subjects_in(rs, adsl, name="RS", ref_name="ADSL")
    s.assert_unique(rs, ["STUDYID", "USUBJID", "RSSEQ"], name="RS")
    # the parameters are derived from the records they need (narrow inputs, one concat at the end)
    adsl_keys = adsl[subj + ["RANDDT", "DTHDT"]]
    kw = {"dataset_ref": adsl_keys[subj + ["RANDDT"]], "rule": RULE}

    def new_records(derivation, source, **args):
        return derivation(source, **kw, **args).iloc[len(source):]

    rs = derive_vars_merged(rs, dataset_add=adsl_keys, by_vars=subj, new_vars=["RANDDT"])
    ovr = derive_param_ovr(rs, filter="RSEVAL == 'INVESTIGATOR' and RSTESTCD == 'OVRLRESP'",
                           set_values_to={k: v for k, v in _values("OVR").items() if k != "ANL01FL"}, rule=RULE)
    ovr = derive_var_ovr_anl_flags(ovr, reference_date="RANDDT", findings=ctx.findings, **kw)
    pd_ = new_records(derive_param_first_pd, ovr, set_values_to=_values("PD"))
    rsp = new_records(derive_param_response, ovr, set_values_to=_values("RSP"))
    cb = new_records(derive_param_clinbenefit, pd.concat([ovr, rsp], ignore_index=True), reference_date="RANDDT",
                     set_values_to=_values("CB"))
    bor = new_records(derive_param_bor, ovr, reference_date="RANDDT", set_values_to=_values("BOR"))
    bcp = new_records(derive_param_response, bor, filter="PARAMCD == 'BOR' and AVALC in ['CR', 'PR']",
                      set_values_to=_values("BCP"))
    crsp = new_records(derive_param_confirmed_resp, ovr, set_values_to=_values("CRSP"), findings=ctx.findings)
    ccb = new_records(derive_param_clinbenefit, pd.concat([ovr, crsp], ignore_index=True), reference_date="RANDDT",
                      source_resp="PARAMCD == 'CRSP' and AVALC == 'Y'", set_values_to=_values("CCB"))
    cbor = new_records(derive_param_confirmed_bor, ovr, reference_date="RANDDT", set_values_to=_values("CBOR"))
    cbcp = new_records(derive_param_response, cbor, filter="PARAMCD == 'CBOR' and AVALC in ['CR', 'PR']",
                       set_values_to=_values("CBCP"))
    # admiralonco's template takes the last assessment among the OVR records with ANL01FL (not
    # ANL02FL): an assessment after the first PD can be the last one (oncology-rules.md stops at PD)
    lsta = new_records(derive_param_last_assessment, ovr, filter="PARAMCD == 'OVR' and ANL01FL == 'Y'",
                       set_values_to=_values("LSTA"))
    # death (reference event): Y with ADT = DTHDT, else N
    death = derive_extreme_records(
        dataset_add=adsl_keys.rename(columns={"DTHDT": "ADT"}), by_vars=subj,
        order=["ADT"], mode="first", filter_add="ADT.notna()", dataset_ref=adsl_keys, exist_flag="AVALC",
        true_value="Y", false_value="N", keep_source_vars=["ADT"],
        set_values_to={"PARAMCD": "DEATH", "PARAM": PARAMS["DEATH"], "PARCAT1": "Reference Event",
                       "AVAL": lambda d: d["AVALC"].map({"Y": 1.0, "N": 0.0}), "ANL01FL": "Y"})
    # measurable disease at baseline: a target lesion at screening (investigator)
    mdis = derive_param_exist_flag(
        dataset_ref=adsl_keys, dataset_add=tu, by_vars=subj,
        condition="TUEVAL == 'INVESTIGATOR' and TUSTRESC == 'TARGET' and VISIT == 'SCREENING'",
        false_value="N", missing_value="N", aval_map={"Y": 1.0, "N": 0.0},
        set_values_to={"PARAMCD": "MDIS", "PARAM": PARAMS["MDIS"], "PARCAT2": "Investigator",
                       "PARCAT3": "RECIST 1.1", "ANL01FL": "Y"})
    adrs = pd.concat([ovr, pd_, rsp, cb, bor, bcp, crsp, ccb, cbor, cbcp, lsta, death, mdis], ignore_index=True)
    adrs = derive_var_obs_number(adrs, by_vars=subj, order=["PARAMCD", "ADT", "VISITNUM", "RSSEQ"])
    # RANDDT travels with the records derived from RS/ADSL records; the MDIS records (derived from
    # ADSL keys only) carry none, as in the peer; every other ADSL variable is merged at the end
    adrs = adrs.drop(columns=["RANDDT"])
    adrs = derive_vars_merged(adrs, dataset_add=adsl[subj + ["RANDDT"]], by_vars=subj)
    adrs["RANDDT"] = adrs["RANDDT"].where(adrs["PARAMCD"] != "MDIS")
    adrs = derive_vars_merged(adrs, dataset_add=adsl.drop(columns=["RANDDT", "BRTHDTC"]), by_vars=subj)
    return {"ADRS": adrs}
