"""Table 14.3.5 Extent of exposure per drug: cycles, duration, cumulative dose, dose intensity and relative dose
intensity, dose reductions and interruptions (EX, safety population).

The study has no ADEX: the per-subject exposure of each drug is derived here from the EX records (one record
per drug and cycle) and kept in the ARD. Planned doses and the cycle length are study settings
([tlf.exposure] in study.toml).
"""

import numpy as np
import pandas as pd

from derivations.tlf import (RowSpec, build_table, columns_from_ard, compute_ard_any_event, compute_ard_continuous,
                             continuous_rows)

from ._common import big_n, population, population_note, subtitle, tlf_setting

READS = ("ADSL", "EX")
WRITES = ("T_EXPOSURE",)

AID = "T14.3.5"
ANLOTINIB = "ANLOTINIB"
#: the statistics per drug: (analysis suffix, row heading, per-subject variable)
#: key, heading, variable, decimals of the values (None: a ratio, shown with one decimal)
MEASURES = [("CYCLES", "Number of cycles started", "CYCLES", 0),
            ("DUR", "Duration of exposure (days)", "DURATION", 0),
            ("CUMDOSE", "Cumulative dose (mg)", "CUMDOSE", 0),
            ("DI", "Dose intensity (mg per cycle)", "DOSEINT", None),
            ("RDI", "Relative dose intensity (%)", "RDI", None)]


def exposure_by_subject(ex: pd.DataFrame, *, planned_per_cycle: dict[str, float]) -> pd.DataFrame:
    """One record per subject and drug (anlotinib; the PD-1 inhibitor whichever it is): cycles started,
    duration (first to last dose day), cumulative dose (anlotinib: daily dose x days; PD-1: dose per
    infusion), dose intensity per cycle, relative dose intensity and flags of a reduction or interruption."""
    ex = ex.assign(DRUG=np.where(ex["EXTRT"].str.upper() == ANLOTINIB, "Anlotinib", "PD-1 inhibitor"),
                   DAYS=(ex["EXENDY"] - ex["EXSTDY"] + 1).astype(float))
    ex = ex.assign(DOSE=np.where(ex["DRUG"] == "Anlotinib", ex["EXDOSE"] * ex["DAYS"], ex["EXDOSE"]))
    g = ex.groupby(["USUBJID", "DRUG"], sort=True)
    out = pd.DataFrame({
        "CYCLES": g["VISITNUM"].nunique(),
        "DURATION": g["EXENDY"].max() - g["EXSTDY"].min() + 1,
        "CUMDOSE": g["DOSE"].sum(),
        "REDUCED": g["EXADJ"].agg(lambda s: "Y" if s.str.startswith("DOSE REDUCED FOR TOXICITY").any() else "N"),
        "INTERRUPTED": g["EXADJ"].agg(lambda s: "Y" if s.str.startswith("ADVERSE EVENT").any() else "N"),
    }).reset_index()
    planned = out["DRUG"].map(planned_per_cycle).astype(float)
    out["DOSEINT"] = out["CUMDOSE"] / out["CYCLES"]
    out["RDI"] = 100.0 * out["DOSEINT"] / planned
    return out


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl, ex = ctx.adam["ADSL"], ctx.sdtm["EX"]
    settings = tlf_setting(ctx, "exposure", {})
    planned = {"Anlotinib": float(settings.get("anlotinib_mg_per_cycle", 168)),
               "PD-1 inhibitor": float(settings.get("pd1_mg_per_cycle", 200))}
    in_pop = adsl.loc[adsl.eval(safety_pop), ["USUBJID"]]
    exp = exposure_by_subject(ex.loc[ex["USUBJID"].isin(in_pop["USUBJID"])], planned_per_cycle=planned)
    exp = exp.merge(adsl.drop(columns=[c for c in exp.columns if c != "USUBJID"], errors="ignore"),
                    on="USUBJID", how="left")  # the population flags, so that the ARD states the population
    drugs = ["Anlotinib", "PD-1 inhibitor"]
    den = in_pop.merge(pd.DataFrame({"DRUG": drugs}), how="cross")
    ards = [compute_ard_continuous(exp, analysis_id=f"{AID}-{key}", variables=[var], by_vars=["DRUG"],
                                   population=safety_pop, column_order=drugs, dataset_name="EX")
            for key, _, var, _ in MEASURES]
    den = den.merge(adsl, on="USUBJID", how="left")
    ards.append(compute_ard_any_event(exp, analysis_id=f"{AID}-ADJ", denominator=den, by_vars=["DRUG"],
                                      population=safety_pop,
                                      column_order=drugs, dataset_name="EX",
                                      categories={"Dose reduced for toxicity, n (%)": "REDUCED == 'Y'",
                                                  "Dose interrupted for an adverse event, n (%)": "INTERRUPTED == 'Y'"}))
    ard = pd.concat(ards, ignore_index=True)
    rows = []
    for key, heading, _, decimals in MEASURES:
        rows += [RowSpec(heading), *continuous_rows(analysis_id=f"{AID}-{key}", decimals=decimals)]
    rows += [RowSpec(label, {"group_value": label, "group_var": "CATEGORY"}, "n_pct")
             for label in ("Dose reduced for toxicity, n (%)", "Dose interrupted for an adverse event, n (%)")]
    n = big_n(adsl, safety_pop)
    cycle = int(settings.get("cycle_days", 21))
    table = build_table(
        ard, title="Extent of Exposure", table_id="Table 14.3.5", subtitle=subtitle(ctx, "safety"), rows=rows,
        columns=columns_from_ard(ard, analysis_id=f"{AID}-ADJ-1", labels={d: d for d in drugs}),
        footnotes=[population_note(ctx, "safety", n) + " Percentages are based on N, the subjects given the drug.",
                   f"Cycle: {cycle} days. Duration: first to last dose day of the drug, inclusive. Cumulative dose: "
                   "anlotinib, daily dose x dosing days of each cycle; PD-1 inhibitor, the dose of each infusion.",
                   f"Dose intensity: cumulative dose / cycles started. Relative dose intensity: dose intensity / planned "
                   f"dose per cycle (anlotinib {planned['Anlotinib']:g} mg: 12 mg once daily, days 1-14; PD-1 "
                   f"inhibitor {planned['PD-1 inhibitor']:g} mg every {cycle} days).",
                   "Dose reduced / interrupted: EX records with EXADJ starting DOSE REDUCED FOR TOXICITY / ADVERSE EVENT "
                   "(an anlotinib cycle stopped early), followed by the adverse event in brackets."],
        source="EX (SDTM; no ADEX in this study), ADSL")
    ctx.outputs.publish_table(table, "t_exposure")
    return {"T_EXPOSURE": ard}
