"""QC of Table 14.2.1 (best overall response, ORR, DCR): its statistics computed a second way.

Reads production ADSL and ADRS only (the table's inputs, never its ARD), counts BOR and
confirmed BOR by category in the efficacy population, and computes ORR and DCR with their
exact Clopper-Pearson 95% CIs from scipy's beta quantiles. Percentages of N.

>>> [round(x, 4) for x in clopper_pearson(9, 29)]
[15.2846, 50.8323]
>>> clopper_pearson(0, 10)[0], clopper_pearson(10, 10)[1]
(0.0, 100.0)
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import beta

from ._ard import ard_rows, n_pct
from ._common import text

READS = ("ADSL", "ADRS")
WRITES = ("QC_T_RESPONSE",)

AID = "T14.2.1"
PARAMS = ["BOR", "CBOR"]
CATEGORIES = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING"]
RATES = {"ORR": ["CR", "PR"], "DCR": ["CR", "PR", "SD"]}


def clopper_pearson(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) CI of x/n, in percent."""
    a = (1 - level) / 2
    lower = 0.0 if x == 0 else beta.ppf(a, x, n - x + 1)
    upper = 1.0 if x == n else beta.ppf(1 - a, x + 1, n - x)
    return float(100.0 * lower), float(100.0 * upper)


def derive_t_response_qc(adsl: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    efficacy = set(text(adsl.loc[text(adsl["EFFFL"]) == "Y", "USUBJID"]))
    big_n = len(efficacy)
    parts = []
    for param in PARAMS:
        rec = adrs.loc[(text(adrs["PARAMCD"]) == param) & text(adrs["USUBJID"]).isin(efficacy)]
        values = text(rec["AVALC"])
        for cat in CATEGORIES:
            parts.append(ard_rows(f"{AID}-BOR", "AVALC", cat, "PARAMCD", param, n_pct(int((values == cat).sum()), big_n)))
        for rate, cats in RATES.items():
            x = int(values.isin(cats).sum())
            lower, upper = clopper_pearson(x, big_n)
            parts.append(ard_rows(f"{AID}-{rate}", "RESPONSE", rate, "PARAMCD", param,
                                  {**n_pct(x, big_n), "ci_lower": lower, "ci_upper": upper}))
    return pd.concat(parts, ignore_index=True)


def derive(ctx):
    return {"QC_T_RESPONSE": derive_t_response_qc(ctx.adam["ADSL"], ctx.adam["ADRS"])}
