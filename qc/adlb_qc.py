"""QC ADLB: independent (double-programming) derivation of the laboratory analysis dataset, plain pandas.

Written from the ADaM spec's method texts (MT.ADLB.PARAM, MT.ADLB.AVAL with the computed CACORR,
MT.ANRIND, MT.BDS.BASE, MT.BDS.CHG, MT.R2BASE, MT.SHIFT1, MT.ADLB.ATOXDSC, MT.ADLB.ATOXGR, MT.BDS.ADT,
MT.ADY, MT.BDS.AVISIT, MT.ONTRTFL, MT.BDS.ANL01FL, MT.BDS.ASEQ) from SDTM LB and the QC ADSL, without
the framework's derivations and without adam/adlb.py. The CTCAE grades come from the QC side's own
transcription of the criteria (qc/_ctcae.py). ``derive qc`` compares QC_ADLB with production ADLB by
the spec's keys (STUDYID, USUBJID, PARAMCD, ADT, LBSEQ), exactly.

>>> import pandas as pd
>>> corrected_calcium(pd.Series([2.2, 2.4]), pd.Series([30.0, 45.0])).round(6).tolist()
[2.4, 2.3]
>>> reference_indicator(pd.Series([1.0, 5.0, 9.0, None, 5.0, 9.0, 1.0]), pd.Series([2.0, 2.0, 2.0, 2.0, None, None, 2.0]),
...                     pd.Series([8.0, 8.0, 8.0, 8.0, None, 8.0, None])).tolist()
['LOW', 'NORMAL', 'HIGH', '', '', 'HIGH', 'LOW']
>>> shift(pd.Series(["NORMAL", "", "LOW"]), pd.Series(["HIGH", "LOW", "LOW"]), pd.Series(["", "", "Y"])).tolist()
['NORMAL to HIGH', 'NULL to LOW', '']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import _bds
from ._common import iso_date, text
from ._ctcae import combined, grade

READS = ("QC_ADSL", "LB")
WRITES = ("QC_ADLB",)

ORDER = ["ADT", "LBSEQ"]           # after PARAMN: MT.BDS.BASE and MT.BDS.ASEQ ("ADLB: then LBSEQ")
DIRECTIONS = {"L": "low", "H": "high"}


def corrected_calcium(ca: pd.Series, alb: pd.Series) -> pd.Series:
    """CACORR (mmol/L) = CA + 0.02 * (40 - ALB) (Payne, SI units; MT.ADLB.AVAL)."""
    return ca + 0.02 * (40 - alb)


def reference_indicator(aval: pd.Series, lo: pd.Series, hi: pd.Series) -> pd.Series:
    """ANRIND (MT.ANRIND): LOW below ANRLO, HIGH above ANRHI, else NORMAL; blank without a value or a range (a range
    with one limit, such as "< 5", is compared with that limit)."""
    known = aval.notna() & (lo.notna() | hi.notna())
    out = np.select([~known, aval < lo, aval > hi], ["", "LOW", "HIGH"], "NORMAL")
    return pd.Series(out, index=aval.index, dtype=object)


def shift(bnrind: pd.Series, anrind: pd.Series, ablfl: pd.Series) -> pd.Series:
    """SHIFT1 (MT.SHIFT1): BNRIND || ' to ' || ANRIND, NULL for a missing indicator, blank on the baseline record."""
    def named(s):
        return text(s).replace("", "NULL")
    return (named(bnrind) + " to " + named(anrind)).where(text(ablfl) != "Y", "")


def ctcae_terms(method_text: str) -> dict[tuple[str, str], str]:
    """{(PARAMCD, "L"/"H"): CTCAE term} from MT.ADLB.ATOXDSC ("HGB low: Anemia; ...")."""
    found = re.findall(r"(\w+) (low|high): ([^;.]+)", method_text)
    return {(code, direction[0].upper()): term.strip() for code, direction, term in found}


def _collected(lb: pd.DataFrame, sources: dict) -> pd.DataFrame:
    testcd = text(lb["LBTESTCD"])
    _bds.check_tests(testcd, text(lb["USUBJID"]), sources, "LB", "MT.ADLB.PARAM")
    return pd.DataFrame({
        "STUDYID": text(lb["STUDYID"]), "USUBJID": text(lb["USUBJID"]),
        "LBSEQ": pd.to_numeric(lb["LBSEQ"]).astype("float64"), "PARCAT1": text(lb["LBCAT"]),
        "PARAMCD": testcd.map(sources), "AVAL": pd.to_numeric(lb["LBSTRESN"]).astype("float64"),
        "ANRLO": pd.to_numeric(lb["LBSTNRLO"]).astype("float64"), "ANRHI": pd.to_numeric(lb["LBSTNRHI"]).astype("float64"),
        "VISIT": text(lb["VISIT"]), "VISITNUM": pd.to_numeric(lb["VISITNUM"]).astype("float64"),
        "LBDTC": text(lb["LBDTC"]), "UNIT": text(lb["LBSTRESU"])})


def _cacorr(lab: pd.DataFrame) -> pd.DataFrame:
    """One CACORR record per USUBJID, VISIT, VISITNUM, LBDTC with a CA and an ALB value; PARCAT1, ANRLO, ANRHI of CA."""
    by = ["USUBJID", "VISIT", "VISITNUM", "LBDTC"]
    _bds.check_one_per_sample(lab, ["CA", "ALB"], by, "CACORR", "LB")
    ca = lab.loc[(lab["PARAMCD"] == "CA") & lab["AVAL"].notna()]
    alb = lab.loc[(lab["PARAMCD"] == "ALB") & lab["AVAL"].notna(), by + ["AVAL"]].rename(columns={"AVAL": "_ALB"})
    both = ca.merge(alb, on=by, how="inner", validate="one_to_one")
    both["AVAL"] = corrected_calcium(both["AVAL"], both["_ALB"])
    return both.drop(columns="_ALB").assign(PARAMCD="CACORR", LBSEQ=np.nan, UNIT="mmol/L")


def derive_adlb_qc(lb: pd.DataFrame, adsl: pd.DataFrame, settings: dict, methods: dict,
                   variables: list[str]) -> pd.DataFrame:
    """QC ADLB: one record per LB record and one per computed CACORR, the spec's ``variables`` in order."""
    params, sources = _bds.spec_parameters(methods["MT.ADLB.PARAM"], "MT.ADLB.PARAM")
    lab = _collected(lb, sources)
    lab["ADT"] = iso_date(lab["LBDTC"])                                         # MT.BDS.ADT
    lab = pd.concat([lab, _cacorr(lab)], ignore_index=True)                   # MT.ADLB.AVAL
    lab["PARAM"] = lab["PARAMCD"].map({c: p for c, (p, _, _) in params.items()})
    lab["PARAMN"] = lab["PARAMCD"].map({c: float(n) for c, (_, n, _) in params.items()})
    _bds.check_units(lab, lab["UNIT"], params, "LB", "LBSTRESU")
    lab = _bds.with_subject(lab, adsl)
    lab["ANRIND"] = reference_indicator(lab["AVAL"], lab["ANRLO"], lab["ANRHI"])
    # MT.BDS.BASE: the baseline record, its value and indicator on every record
    lab["ABLFL"] = _bds.baseline_flag(lab, ORDER)
    lab = _bds.from_baseline(lab, {"BASE": "AVAL", "BNRIND": "ANRIND"})
    # MT.ADLB.ATOXDSC, MT.ADLB.ATOXGR (the liver criteria need BASE and BNRIND)
    terms = ctcae_terms(methods["MT.ADLB.ATOXDSC"])
    for d in DIRECTIONS:
        lab[f"ATOXDSC{d}"] = lab["PARAMCD"].map({code: t for (code, di), t in terms.items() if di == d}).fillna("")
        lab[f"ATOXGR{d}"] = grade(lab, lab[f"ATOXDSC{d}"], d)
    has = {d: lab["PARAMCD"].isin([code for code, di in terms if di == d]) for d in DIRECTIONS}
    lab["ATOXGR"] = combined(lab["ATOXGRL"], lab["ATOXGRH"], has["L"], has["H"])
    lab = _bds.from_baseline(lab, {"BTOXGRL": "ATOXGRL", "BTOXGRH": "ATOXGRH", "BTOXGR": "ATOXGR"})
    # MT.BDS.CHG, MT.R2BASE, MT.SHIFT1
    lab = _bds.change(lab)
    lab["R2BASE"] = (lab["AVAL"] / lab["BASE"]).where((lab["ADT"] > lab["TRTSDT"]) & (lab["BASE"] != 0))
    lab["SHIFT1"] = shift(lab["BNRIND"], lab["ANRIND"], lab["ABLFL"])
    lab = _bds.finish(lab, settings, ORDER)
    lab = _bds.as_text(lab, ["BNRIND", "BTOXGRL", "BTOXGRH", "BTOXGR", "AVISIT", "AWU", "ATOXDSCL", "ATOXDSCH"])
    return lab[variables].sort_values(["USUBJID", "PARAMCD", "ADT", "LBSEQ"], ignore_index=True)


def derive(ctx):
    spec = ctx.spec("adam")
    return {"QC_ADLB": derive_adlb_qc(ctx.sdtm["LB"], ctx.adam["QC_ADSL"], ctx.settings, {
        m: spec.methods[m].description for m in ("MT.ADLB.PARAM", "MT.ADLB.ATOXDSC")},
        spec.dataset("ADLB").variable_names)}
