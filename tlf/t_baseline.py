"""Table 14.1.1 Baseline characteristics (ADSL, safety population)."""

import pandas as pd

from derivations.tlf import (RowSpec, build_table, columns_from_ard, compute_ard_continuous,
                             compute_ard_counts, continuous_rows, level_rows)

from ._common import big_n, population, population_note, subtitle, treatment_label

READS = ("ADSL",)
WRITES = ("T_BASELINE",)

AID = "T14.1.1"
YES_NO = ["Y", "N"]
YN_LABELS = {"Y": "Yes", "N": "No"}
#: (heading, variable, display order, level labels); order None = the spec codelist
CATEGORICAL = [
    ("Age group (years), n (%)", "AGEGR1", None, {}),
    ("Sex, n (%)", "SEX", ["M", "F"], {"M": "Male", "F": "Female"}),
    ("ECOG performance status, n (%)", "ECOGBL", ["0", "1", "2"], {}),
    ("History of smoking, n (%)", "SMOKHXFL", YES_NO, YN_LABELS),
    ("History of alcohol drinking, n (%)", "ALCHXFL", YES_NO, YN_LABELS),
    ("Disease stage at study entry, n (%)", "STAGE", None, {}),
    ("Number of metastatic sites, n (%)", "METSITEG", ["0", "1", "2", ">=3"], {}),
    ("Prior resection of ESCC, n (%)", "PRSURGFL", YES_NO, YN_LABELS),
    ("Line of anlotinib + PD-1 inhibitor, n (%)", "LINE", None, {}),
    ("Prior PD-1 inhibitor, n (%)", "PRPD1FL", YES_NO, YN_LABELS),
    ("PD-1 inhibitor given with anlotinib, n (%)", "PD1TRT", None, {}),
]


def metastatic_sites(adsl: pd.DataFrame) -> pd.DataFrame:
    """One row per subject and metastatic organ (ADSL METSITE is '; '-separated)."""
    sites = adsl[["USUBJID", "SAFFL", "METSITE"]].assign(
        METORGAN=adsl["METSITE"].astype(str).str.split(";")).explode("METORGAN")
    sites["METORGAN"] = sites["METORGAN"].str.strip().str.capitalize()
    return sites.loc[sites["METORGAN"] != ""]


def codelist_order(spec, var: str) -> list[str] | None:
    """Display order of ``var``: its ADSL codelist terms (None without a codelist)."""
    codelist = spec.dataset("ADSL").variable(var).codelist
    return [t.term for t in spec.codelists[codelist].terms] if codelist else None


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl = ctx.adam["ADSL"]
    spec = ctx.spec("adam")
    adsl = adsl.assign(METSITEG=pd.cut(adsl["METSITEN"].astype(float), [-1, 0, 1, 2, float("inf")],
                                       labels=["0", "1", "2", ">=3"]).astype(object))
    ards = [compute_ard_continuous(adsl, analysis_id=f"{AID}-AGE", variables=["AGE"], population=safety_pop)]
    for _, var, order, _ in CATEGORICAL:
        order = order if order is not None else codelist_order(spec, var)
        ards.append(compute_ard_counts(adsl, analysis_id=f"{AID}-{var}", variables=[var], population=safety_pop,
                                       order={var: order} if order else None))
    sites = metastatic_sites(adsl)
    ards.append(compute_ard_counts(sites, analysis_id=f"{AID}-METORGAN", variables=["METORGAN"],
                                   population=safety_pop, denominator=adsl))
    ard = pd.concat(ards, ignore_index=True)

    rows = [RowSpec("Age (years)"), *continuous_rows(analysis_id=f"{AID}-AGE", decimals=0)]
    for heading, var, _, labels in CATEGORICAL:
        rows += [RowSpec(heading), *level_rows(ard, analysis_id=f"{AID}-{var}", labels=labels)]
        if var == "METSITEG":
            rows += [RowSpec("Metastatic site (organ), n (%)"),
                     *level_rows(ard, analysis_id=f"{AID}-METORGAN")]
    table = build_table(
        ard, title="Baseline Characteristics", subtitle=subtitle(ctx, "safety"), table_id="Table 14.1.1",
        rows=rows, columns=columns_from_ard(ard, analysis_id=f"{AID}-SEX", labels={"Total": treatment_label(ctx)}),
        footnotes=[population_note(ctx, "safety", big_n(adsl, safety_pop)) + " Percentages are based on N.",
                   "A subject may have more than one metastatic site; organs are sorted alphabetically."],
        source="ADSL")
    ctx.outputs.publish_table(table, "t_baseline")
    return {"T_BASELINE": ard}
