"""Table 14.1.1 Demographic characteristics by arm (ADSL, safety population): age, age group, sex, race,
ethnicity; one column per arm and Total, each headed with its N from ADSL."""

import pandas as pd

from derivations.tlf import (RowSpec, build_table, columns_from_ard, compute_ard_continuous, compute_ard_counts,
                             continuous_rows, level_rows)

from ._common import population, treatment

READS = ("ADSL",)
WRITES = ("T_DM",)

AID = "T14.1.1"
#: (heading, variable, display order or None for the observed values sorted)
CATEGORICAL = [("Age group (years), n (%)", "AGEGR1", ["18-64", ">64"]),
               ("Sex, n (%)", "SEX", ["F", "M"]),
               ("Race, n (%)", "RACE", None),
               ("Ethnicity, n (%)", "ETHNIC", None)]
LABELS = {"SEX": {"F": "Female", "M": "Male"}}


def derive(ctx):
    trt, arms, _ = treatment(ctx)
    safety, label = population(ctx, "safety")
    adsl = ctx.adam["ADSL"]
    by = dict(by_vars=[trt], column_order=arms, total=True, population=safety)
    ards = [compute_ard_continuous(adsl, analysis_id=f"{AID}-AGE", variables=["AGE"], **by)]
    for _, var, order in CATEGORICAL:
        observed = sorted(adsl.loc[adsl.eval(safety), var].dropna().unique())
        ards.append(compute_ard_counts(adsl, analysis_id=f"{AID}-{var}", variables=[var],
                                       order={var: order or observed}, **by))
    ard = pd.concat(ards, ignore_index=True)
    rows = [RowSpec("Age (years)"), *continuous_rows(analysis_id=f"{AID}-AGE", decimals=0)]
    for heading, var, _ in CATEGORICAL:
        rows += [RowSpec(heading), *level_rows(ard, analysis_id=f"{AID}-{var}", labels=LABELS.get(var, {}))]
    table = build_table(ard, title="Demographic Characteristics", table_id="Table 14.1.1", subtitle=label,
                        rows=rows, columns=columns_from_ard(ard, analysis_id=f"{AID}-SEX"),
                        footnotes=[f"{label}: subjects who received at least one dose (ADSL SAFFL = Y). N: the "
                                   "subjects of the arm; percentages are based on N."],
                        source="ADSL")
    ctx.outputs.publish_table(table, "t_dm")
    return {"T_DM": ard}
