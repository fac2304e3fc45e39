"""Response rules as data: the RECIST 1.1 value sets, rankings and AVAL codings, and :class:`BorRule`.

Everything a best-overall-response derivation decides by is here and printable:
``print(BorRule())`` shows the windows, the confirmation rules, the worst-of-day ranking,
the BOR order and the AVAL codes. The derivations that use them are in
:mod:`derivations.oncology.response`.

>>> compute_aval_resp(pd.Series(["PR", "NE"])).tolist()
[2.0, 6.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..findings import DerivationError


#: RECIST 1.1 time-point response values accepted as input (RSSTRESC / AVALC of OVR).
RESPONSE_VALUES: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")

#: AVALC -> AVAL for response parameters (admiralonco ``aval_resp``).
AVAL_RESP: tuple[tuple[str, int], ...] = (
    ("CR", 1),
    ("PR", 2),
    ("SD", 3),
    ("NON-CR/NON-PD", 4),
    ("PD", 5),
    ("NE", 6),
    ("MISSING", 7),
)

#: AVALC -> AVAL for Y/N parameters (RSP, CRSP, CB, CCB, BCP, CBCP, PD).
AVAL_YN: tuple[tuple[str, int], ...] = (("Y", 1), ("N", 0))

#: Ranking used to keep one assessment per day: the *last* value present wins (worst).
WORST_OF_DAY_RANK: tuple[str, ...] = ("NE", "CR", "PR", "SD", "NON-CR/NON-PD", "PD")

#: Best overall response categories, best first (first rule that applies wins).
BOR_ORDER: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")


def _fmt_pairs(pairs: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in pairs)


@dataclass(frozen=True)
class BorRule:
    """Best-overall-response rule (admiralonco semantics); print it to read it.

    >>> print(BorRule(ref_confirm=21))  # doctest: +ELLIPSIS
    BorRule (best overall response, RECIST 1.1)
      SD / NON-CR/NON-PD counts from reference date + 42 days (ADT >= ref + 42)
      confirmation: CR/PR confirmed by an assessment >= 21 days later...
    """

    #: SD (and NON-CR/NON-PD) only counts at ADT >= reference date + this many days.
    ref_start_window: int = 42
    #: a CR/PR is confirmed by an assessment at least this many days later.
    ref_confirm: int = 28
    #: NE assessments allowed between a response and its confirmation.
    max_nr_ne: int = 1
    #: accept one SD between a PR and its confirmation.
    accept_sd: bool = False
    #: subjects without any assessment get NE (True) instead of MISSING (False).
    missing_as_ne: bool = False
    #: accepted input values.
    response_values: tuple[str, ...] = RESPONSE_VALUES
    #: one record per subject and date: the worst by this ranking (last = worst).
    worst_of_day_rank: tuple[str, ...] = WORST_OF_DAY_RANK
    #: BOR categories, best first.
    bor_order: tuple[str, ...] = BOR_ORDER
    #: values counted as SD when at/after the window (unconfirmed CR/PR fall here).
    sd_values: tuple[str, ...] = ("CR", "PR", "SD")
    #: values that count as clinical benefit (at/after the window).
    benefit_values: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD")
    #: values that are an adequate assessment (LSTA); NE never is.
    adequate_values: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")
    #: values allowed between a CR and its confirming CR.
    cr_between: tuple[str, ...] = ("CR", "NE")
    #: values allowed between a PR and its confirming CR/PR (SD added if accept_sd).
    pr_between: tuple[str, ...] = ("CR", "PR", "NE")
    aval_resp: tuple[tuple[str, int], ...] = AVAL_RESP
    aval_yn: tuple[tuple[str, int], ...] = AVAL_YN

    def __post_init__(self) -> None:
        for name in ("ref_start_window", "ref_confirm", "max_nr_ne"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise DerivationError(
                    f"BorRule.{name} must be a non-negative whole number of days/records",
                    value=value,
                    hint="protocols use e.g. ref_start_window=42 (6 weeks), ref_confirm=28 (4 weeks)",
                )

    def __str__(self) -> str:
        sd = " (one SD accepted between PR and confirmation)" if self.accept_sd else ""
        return "\n".join(
            [
                "BorRule (best overall response, RECIST 1.1)",
                f"  SD / NON-CR/NON-PD counts from reference date + {self.ref_start_window} days "
                f"(ADT >= ref + {self.ref_start_window})",
                f"  confirmation: CR/PR confirmed by an assessment >= {self.ref_confirm} days later, "
                f"at most {self.max_nr_ne} NE in between{sd}",
                f"    between CR and confirming CR only: {', '.join(self.cr_between)}",
                f"    between PR and confirming CR/PR only: {', '.join(self.pr_between)}; no PR after CR",
                f"  one record per day, worst wins: {' < '.join(self.worst_of_day_rank)}",
                f"  BOR order (best first): {' > '.join(self.bor_order)}",
                f"  no assessment -> {'NE' if self.missing_as_ne else 'MISSING'}",
                f"  clinical benefit values: {', '.join(self.benefit_values)}",
                f"  adequate assessment (LSTA): {', '.join(self.adequate_values)}",
                f"  AVAL: {_fmt_pairs(self.aval_resp)}; {_fmt_pairs(self.aval_yn)}",
            ]
        )


def compute_aval_resp(avalc: pd.Series, mapping: Sequence[tuple[str, int]] = AVAL_RESP) -> pd.Series:
    """Numeric AVAL for a response AVALC via a mapping table (unmapped -> NaN).

    Parameters
    ----------
    avalc
        Response values (AVALC).
    mapping
        ``(AVALC, AVAL)`` pairs; default :data:`AVAL_RESP` (CR=1, PR=2, SD=3, NON-CR/NON-PD=4,
        PD=5, NE=6, MISSING=7); :data:`AVAL_YN` for Y/N parameters. Unmapped values give NaN.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> compute_aval_resp(pd.Series(["CR", "MISSING", None])).tolist()
    [1.0, 7.0, nan]
    """
    return avalc.map(dict(mapping)).astype(float)



__all__ = [
    "RESPONSE_VALUES",
    "AVAL_RESP",
    "AVAL_YN",
    "WORST_OF_DAY_RANK",
    "BOR_ORDER",
    "BorRule",
    "compute_aval_resp",
]
