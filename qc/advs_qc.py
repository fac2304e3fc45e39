"""QC ADVS: independent (double-programming) derivation of the vital signs analysis dataset, plain pandas.

Written from the ADaM spec's method texts (MT.ADVS.PARAM, MT.ADVS.AVAL with the computed MAP and BMI,
MT.ADVS.CRIT1, MT.BDS.BASE, MT.BDS.CHG, MT.BDS.ADT, MT.ADY, MT.BDS.AVISIT, MT.ONTRTFL, MT.BDS.ANL01FL,
MT.BDS.ASEQ) from SDTM VS and the QC ADSL, without the framework's derivations and without adam/advs.py.
``derive qc`` compares QC_ADVS with production ADVS by the spec's keys (STUDYID, USUBJID, PARAMCD, ADT), exactly.

>>> import pandas as pd
>>> mean_arterial(pd.Series([120.0]), pd.Series([80.0])).tolist(), body_mass(pd.Series([80.0]), pd.Series([160.0])).tolist()
([93.33333333333333], [31.249999999999993])
>>> crit, flag = blood_pressure_criterion(pd.Series(["SYSBP", "SYSBP", "DIABP", "PULSE", "SYSBP"]),
...                                       pd.Series([150.0, 120.0, 90.0, 150.0, None]))
>>> crit.tolist(), flag.tolist()
(['SYSBP >= 140 mmHg', 'SYSBP >= 140 mmHg', 'DIABP >= 90 mmHg', '', ''], ['Y', 'N', 'Y', '', ''])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _bds
from ._common import iso_date, text

READS = ("QC_ADSL", "VS")
WRITES = ("QC_ADVS",)

ORDER = ["ADT"]                    # after PARAMN: MT.BDS.BASE and MT.BDS.ASEQ
#: MT.ADVS.CRIT1: parameter -> threshold (mmHg), CTCAE v5.0 hypertension grade 2 or higher
CRITERIA = {"SYSBP": 140, "DIABP": 90}


def mean_arterial(sysbp: pd.Series, diabp: pd.Series) -> pd.Series:
    """MAP = (SYSBP + 2 x DIABP) / 3."""
    return (sysbp + 2 * diabp) / 3


def body_mass(weight: pd.Series, height: pd.Series) -> pd.Series:
    """BMI = WEIGHT / (HEIGHT / 100)^2 (kg, cm)."""
    return weight / (height / 100) ** 2


def blood_pressure_criterion(paramcd: pd.Series, aval: pd.Series) -> tuple[pd.Series, pd.Series]:
    """CRIT1 (the criterion's text) and CRIT1FL (Y met, N not) of the SYSBP and DIABP records with a value."""
    limit = paramcd.map(CRITERIA)
    applies = limit.notna() & aval.notna()
    crit = (paramcd + " >= " + limit.fillna(0).astype(int).astype(str) + " mmHg").where(applies, "")
    flag = pd.Series(np.where(applies, np.where(aval >= limit, "Y", "N"), ""), index=aval.index)
    return crit, flag


def _computed(vital: pd.DataFrame) -> pd.DataFrame:
    """MAP per subject and date with SYSBP and DIABP values; BMI per WEIGHT value with the baseline HEIGHT."""
    by = ["USUBJID", "ADT"]
    _bds.check_one_per_sample(vital, ["SYSBP", "DIABP"], by, "MAP", "VS")
    has = vital.loc[vital["AVAL"].notna()]
    sys_ = has.loc[has["PARAMCD"] == "SYSBP"]
    dia = has.loc[has["PARAMCD"] == "DIABP", by + ["AVAL"]].rename(columns={"AVAL": "_DIA"})
    map_ = sys_.merge(dia, on=by, how="inner", validate="one_to_one")
    map_ = map_.assign(AVAL=mean_arterial(map_["AVAL"], map_["_DIA"]), PARAMCD="MAP").drop(columns="_DIA")
    height = has.loc[(has["PARAMCD"] == "HEIGHT") & (_bds.baseline_flag(vital, ORDER).loc[has.index] == "Y"),
                     ["USUBJID", "AVAL"]].rename(columns={"AVAL": "_HT"})
    bmi = has.loc[has["PARAMCD"] == "WEIGHT"].merge(height, on="USUBJID", how="inner", validate="many_to_one")
    bmi = bmi.assign(AVAL=body_mass(bmi["AVAL"], bmi["_HT"]), PARAMCD="BMI").drop(columns="_HT")
    return pd.concat([map_, bmi], ignore_index=True).assign(VSSEQ=np.nan, UNIT="")


def derive_advs_qc(vs: pd.DataFrame, adsl: pd.DataFrame, settings: dict, method: str,
                   variables: list[str]) -> pd.DataFrame:
    """QC ADVS: one record per VS record and one per computed MAP and BMI, the spec's ``variables`` in order."""
    params, sources = _bds.spec_parameters(method, "MT.ADVS.PARAM")
    testcd = text(vs["VSTESTCD"])
    _bds.check_tests(testcd, text(vs["USUBJID"]), sources, "VS", "MT.ADVS.PARAM")
    vital = pd.DataFrame({
        "STUDYID": text(vs["STUDYID"]), "USUBJID": text(vs["USUBJID"]),
        "VSSEQ": pd.to_numeric(vs["VSSEQ"]).astype("float64"), "PARAMCD": testcd.map(sources),
        "AVAL": pd.to_numeric(vs["VSSTRESN"]).astype("float64"), "VISIT": text(vs["VISIT"]),
        "VISITNUM": pd.to_numeric(vs["VISITNUM"]).astype("float64"), "ADT": iso_date(vs["VSDTC"]),
        "UNIT": text(vs["VSSTRESU"])})
    vital = vital.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID", how="left")  # the baseline HEIGHT needs it
    _bds.check_units(vital, vital["UNIT"], params, "VS", "VSSTRESU")
    vital = pd.concat([vital, _computed(vital)], ignore_index=True).drop(columns="TRTSDT")   # MT.ADVS.AVAL
    vital["PARAM"] = vital["PARAMCD"].map({c: p for c, (p, _, _) in params.items()})
    vital["PARAMN"] = vital["PARAMCD"].map({c: float(n) for c, (_, n, _) in params.items()})
    vital = _bds.with_subject(vital, adsl)
    vital["ABLFL"] = _bds.baseline_flag(vital, ORDER)                                        # MT.BDS.BASE
    vital = _bds.from_baseline(vital, {"BASE": "AVAL"})
    vital = _bds.change(vital)                                                              # MT.BDS.CHG
    vital["CRIT1"], vital["CRIT1FL"] = blood_pressure_criterion(vital["PARAMCD"], vital["AVAL"])
    vital = _bds.finish(vital, settings, ORDER)
    vital = _bds.as_text(vital, ["AVISIT", "AWU"])
    return vital[variables].sort_values(["USUBJID", "PARAMCD", "ADT"], ignore_index=True)


def derive(ctx):
    spec = ctx.spec("adam")
    return {"QC_ADVS": derive_advs_qc(ctx.sdtm["VS"], ctx.adam["QC_ADSL"], ctx.settings,
                                      spec.methods["MT.ADVS.PARAM"].description, spec.dataset("ADVS").variable_names)}
