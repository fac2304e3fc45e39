"""Agreement between derived and investigator responses (per visit or per subject).

>>> import pandas as pd
>>> d = pd.DataFrame({"USUBJID": ["1", "1", "2"], "VISITNUM": [1, 2, 1], "OVRLRESP": ["SD", "PR", "PD"]})
>>> i = pd.DataFrame({"USUBJID": ["1", "1", "2"], "VISITNUM": [1, 2, 1], "OVRLRESP": ["SD", "SD", "PD"]})
>>> res = compute_concordance(d, i, by_vars=["USUBJID", "VISITNUM"], response_var="OVRLRESP")
>>> res.n_compared, round(res.percent_agreement, 1), len(res.disagreements)
(3, 66.7, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError

#: Display order of response categories in the agreement table (others follow, sorted).
CATEGORY_ORDER: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "NA", "MISSING")


@dataclass(frozen=True)
class ConcordanceResult:
    """Agreement table, percent agreement, Cohen's kappa and the disagreeing records."""

    table: pd.DataFrame = field(repr=False)  # rows: derived, columns: investigator
    n_compared: int
    n_agree: int
    percent_agreement: float
    kappa: float
    kappa_ci: tuple[float, float]
    disagreements: pd.DataFrame = field(repr=False)
    only_derived: pd.DataFrame = field(repr=False)
    only_investigator: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        lo, hi = self.kappa_ci
        return "\n".join(
            [
                f"Concordance: {self.n_agree}/{self.n_compared} agree ({self.percent_agreement:.1f}%), "
                f"Cohen's kappa {self.kappa:.3f} (95% CI {lo:.3f} to {hi:.3f})",
                f"  unmatched: {len(self.only_derived)} derived only, {len(self.only_investigator)} investigator only",
                "  rows = derived, columns = investigator:",
                "  " + self.table.to_string().replace("\n", "\n  "),
            ]
        )


def compute_concordance(
    derived: pd.DataFrame,
    investigator: pd.DataFrame,
    *,
    by_vars: Sequence[str],
    response_var: str,
    investigator_var: str | None = None,
    categories: Sequence[str] = CATEGORY_ORDER,
) -> ConcordanceResult:
    """Compare ``derived[response_var]`` with ``investigator[investigator_var or response_var]``.

    Records are matched on ``by_vars`` (each side must be unique on them). Records with
    a missing response on either side or without a partner are not compared; they are
    returned in ``only_derived`` / ``only_investigator`` (never silently lost). Kappa is
    statsmodels' ``cohens_kappa`` (unweighted) on the square agreement table.

    Parameters
    ----------
    derived
        Records with the derived response (e.g. ADRS OVRDER).
    investigator
        Records with the investigator's response (e.g. ADRS OVR).
    by_vars
        Columns that match the two sides, e.g. ``["USUBJID", "ADT"]``; each side unique on them.
    response_var
        The response column of ``derived`` (and of ``investigator`` unless ``investigator_var``).
    investigator_var
        The response column of ``investigator`` when its name differs; default ``None``.
    categories
        Order of the categories in the agreement table; default :data:`CATEGORY_ORDER`.

    Returns
    -------
    ConcordanceResult

    Examples
    --------
    >>> der = pd.DataFrame({"USUBJID": ["1", "1", "2"], "VISIT": ["W6", "W12", "W6"], "AVALC": ["PR", "PR", "SD"]})
    >>> inv = pd.DataFrame({"USUBJID": ["1", "1", "2"], "VISIT": ["W6", "W12", "W6"], "AVALC": ["PR", "SD", "SD"]})
    >>> res = compute_concordance(der, inv, by_vars=["USUBJID", "VISIT"], response_var="AVALC")
    >>> res.n_agree, res.n_compared, res.disagreements["VISIT"].tolist()
    (2, 3, ['W12'])

    """
    by_vars = list(by_vars)
    inv_var = investigator_var or response_var
    assert_has_columns(derived, by_vars + [response_var], name="derived")
    assert_has_columns(investigator, by_vars + [inv_var], name="investigator")
    for name, df in (("derived", derived), ("investigator", investigator)):
        dup = df.duplicated(by_vars, keep=False)
        if dup.any():
            raise DerivationError(
                f"{name} records are not unique by {', '.join(by_vars)}",
                dataset=name,
                value=df.loc[dup, by_vars].iloc[0].tolist(),
                hint="add the variable that separates them (e.g. VISITOCC or ADT) to by_vars, or keep one record",
            )
    left = derived[by_vars + [response_var]].rename(columns={response_var: "_DER"})
    right = investigator[by_vars + [inv_var]].rename(columns={inv_var: "_INV"})
    both = left.merge(right, on=by_vars, how="outer", indicator=True)
    ok = (both["_merge"] == "both") & both["_DER"].notna() & both["_INV"].notna()
    comp = both[ok]
    only_d = both[~ok & both["_DER"].notna()].drop(columns="_merge").rename(columns={"_DER": response_var, "_INV": "INVESTIGATOR"})
    only_i = both[~ok & both["_INV"].notna()].drop(columns="_merge").rename(columns={"_DER": response_var, "_INV": "INVESTIGATOR"})
    present = set(comp["_DER"]).union(comp["_INV"])
    cats = [c for c in categories if c in present] + sorted(present - set(categories))
    table = pd.crosstab(
        pd.Categorical(comp["_DER"], categories=cats), pd.Categorical(comp["_INV"], categories=cats), dropna=False
    )
    table.index.name, table.columns.name = "derived", "investigator"
    n = int(len(comp))
    agree = int(np.trace(table.to_numpy())) if n else 0
    kappa, ci = float("nan"), (float("nan"), float("nan"))
    if n and len(cats) > 1:
        from statsmodels.stats.inter_rater import cohens_kappa

        res = cohens_kappa(table.to_numpy())
        kappa = float(res.kappa)
        ci = (float(res.kappa_low), float(res.kappa_upp))
    elif n:
        kappa = 1.0  # a single category everywhere: perfect, degenerate agreement
    dis = comp[comp["_DER"] != comp["_INV"]].drop(columns="_merge")
    dis = dis.rename(columns={"_DER": "DERIVED", "_INV": "INVESTIGATOR"}).reset_index(drop=True)
    return ConcordanceResult(
        table=table,
        n_compared=n,
        n_agree=agree,
        percent_agreement=100.0 * agree / n if n else float("nan"),
        kappa=kappa,
        kappa_ci=ci,
        disagreements=dis,
        only_derived=only_d.reset_index(drop=True),
        only_investigator=only_i.reset_index(drop=True),
    )


__all__ = ["CATEGORY_ORDER", "ConcordanceResult", "compute_concordance"]
