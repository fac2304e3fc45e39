"""EPOCH of a record from its date and the subject's reference dates (SDTMIG 3.4 section 4.1.3.1).

:class:`EpochRule` is the rule as data (print it to read it); :func:`derive_var_epoch`
applies it. A partial date gets no epoch: SDTM does not impute.

>>> print(EpochRule())
SCREENING: before RFXSTDTC; TREATMENT: RFXSTDTC to RFXENDTC; FOLLOW-UP: after RFXENDTC
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError, Findings
from ..iso8601 import compute_complete_date
from ._util import as_list, lookup_one_per_group, row_label, subject_at


_DEFAULT_EPOCHS = (
    ("SCREENING", None, "RFXSTDTC"),
    ("TREATMENT", "RFXSTDTC", "RFXENDTC"),
    ("FOLLOW-UP", "RFXENDTC", None),
)


@dataclass(frozen=True)
class EpochRule:
    """Which EPOCH a record date falls in, from subject-level reference dates.

    ``epochs`` is a sequence of ``(epoch, start_var, end_var)``; the variables
    are date columns of ``dataset_add`` (usually DM), compared on their date
    part (the day) with the record's date:

    * ``(E, None, END)``: before END (``date < END``)
    * ``(E, START, END)``: ``START <= date <= END + days_after_end``
    * ``(E, START, None)``: after START (``date > START + days_after_end``)

    ``days_after_end`` extends every closed span and delays every "after"
    span (e.g. 30 days of treatment-emergent window). A record date in no
    span, or in more than one (e.g. RFXENDTC before RFXSTDTC), is reported.
    ``untreated_epoch`` is given to complete dates of subjects whose boundary
    variables are all missing (screen failures); default ``""``.

    >>> print(EpochRule())
    SCREENING: before RFXSTDTC; TREATMENT: RFXSTDTC to RFXENDTC; FOLLOW-UP: after RFXENDTC
    >>> print(EpochRule(days_after_end=30, untreated_epoch="SCREENING"))
    SCREENING: before RFXSTDTC; TREATMENT: RFXSTDTC to RFXENDTC + 30 days; FOLLOW-UP: after RFXENDTC + 30 days; subjects without reference dates: SCREENING
    """

    epochs: tuple = _DEFAULT_EPOCHS
    days_after_end: int = 0
    untreated_epoch: str = ""

    def __post_init__(self) -> None:
        epochs = tuple(tuple(e) for e in self.epochs)
        for e in epochs:
            if len(e) != 3 or not isinstance(e[0], str) or not e[0]:
                raise DerivationError(
                    f"epoch entry {e!r} is not (epoch, start_var, end_var)",
                    hint='write e.g. ("TREATMENT", "RFXSTDTC", "RFXENDTC"); None for an open side',
                )
            if e[1] is None and e[2] is None and len(epochs) > 1:
                raise DerivationError(
                    f"epoch {e[0]} has neither a start nor an end variable",
                    hint="give at least one boundary variable",
                )
        object.__setattr__(self, "epochs", epochs)

    @property
    def variables(self) -> list[str]:
        """Boundary variables the rule needs from ``dataset_add``."""
        seen: list[str] = []
        for _, start, end in self.epochs:
            for v in (start, end):
                if v and v not in seen:
                    seen.append(v)
        return seen

    def _end(self, var: str) -> str:
        return var + (f" + {self.days_after_end} days" if self.days_after_end else "")

    def __str__(self) -> str:
        parts = []
        for epoch, start, end in self.epochs:
            if start is None and end is None:
                text = "always"
            elif start is None:
                text = f"before {end}"
            elif end is None:
                text = f"after {self._end(start)}"
            else:
                text = f"{start} to {self._end(end)}"
            parts.append(f"{epoch}: {text}")
        if self.untreated_epoch:
            parts.append(f"subjects without reference dates: {self.untreated_epoch}")
        return "; ".join(parts)


def derive_var_epoch(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    dtc: str,
    new_var: str = "EPOCH",
    rule: EpochRule = EpochRule(),
    by_vars: Sequence[str] = ("USUBJID",),
    findings: Findings | None = None,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Add ``new_var`` (EPOCH) from the date part of ``dtc`` and an :class:`EpochRule`.

    A partial or missing ``dtc`` gives ``""`` (the epoch cannot be known
    without imputing, which SDTM does not do). A complete date that falls in
    no epoch (e.g. on treatment while RFXENDTC is still missing) gives ``""``
    and one Finding (warning, ``epoch_unassigned``) per subject in
    ``findings``. A date in two epochs (reference dates out of order) raises.

    Parameters
    ----------
    dataset
        SDTM records with the --DTC column.
    dataset_add
        One record per ``by_vars`` with the rule's boundary variables (usually DM).
    dtc
        The record's --DTC (its date part is used).
    new_var
        Default ``"EPOCH"``.
    rule
        The :class:`EpochRule` (printable); default SCREENING / TREATMENT / FOLLOW-UP on
        RFXSTDTC and RFXENDTC.
    by_vars
        Columns that match ``dataset_add``; default ``("USUBJID",)``.
    findings
        Receives one warning (``epoch_unassigned``) per subject with complete dates in no epoch.
    dataset_name
        The dataset's name in messages.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> dm = pd.DataFrame({"USUBJID": ["S-01"], "RFXSTDTC": ["2021-03-15"],
    ...                    "RFXENDTC": ["2021-06-30"]})
    >>> vs = pd.DataFrame({"USUBJID": ["S-01"] * 5, "VSDTC": ["2021-03-14",
    ...     "2021-03-15T07:00", "2021-06-30", "2021-07-01", "2021-07"]})
    >>> derive_var_epoch(vs, dataset_add=dm, dtc="VSDTC")["EPOCH"].tolist()
    ['SCREENING', 'TREATMENT', 'TREATMENT', 'FOLLOW-UP', '']
    """
    by = as_list(by_vars)
    assert_has_columns(dataset, [dtc] + by, name=dataset_name)
    refs = lookup_one_per_group(dataset, dataset_add, by, rule.variables, new_var)
    date = compute_complete_date(dataset[dtc], variable=dtc)
    bounds = {v: compute_complete_date(refs[v], variable=v) for v in rule.variables}
    shift = pd.Timedelta(days=rule.days_after_end)

    n = len(dataset)
    hits = np.zeros(n, dtype=int)
    result = np.full(n, "", dtype=object)
    for epoch, start, end in rule.epochs:
        cond = date.notna()
        if start is not None and end is not None:
            cond = cond & (date >= bounds[start]) & (date <= bounds[end] + shift)
        elif start is None and end is not None:
            cond = cond & (date < bounds[end])
        elif start is not None:
            cond = cond & (date > bounds[start] + shift)
        c = cond.fillna(False).to_numpy(dtype=bool)
        result = np.where(c & (hits == 0), epoch, result)
        hits += c

    if (hits > 1).any():
        pos = int(np.flatnonzero(hits > 1)[0])
        subj = subject_at(dataset[by[0]], pos)
        raise DerivationError(
            "record date falls in more than one epoch",
            dataset=dataset_name,
            variable=dtc,
            usubjid=subj,
            row=row_label(dataset.index, pos),
            value=dataset[dtc].iloc[pos],
            hint=f"check the subject's {', '.join(rule.variables)} (end before start?) "
            f"or the rule: {rule}",
        )
    no_refs = np.full(n, bool(rule.variables))
    for v in rule.variables:
        no_refs &= bounds[v].isna().to_numpy()
    untreated = date.notna().to_numpy() & no_refs
    result = np.where(untreated, rule.untreated_epoch, result)
    unassigned = date.notna().to_numpy() & (hits == 0) & ~untreated
    if findings is not None and unassigned.any():
        subjects = dataset[by[0]].to_numpy()[unassigned]
        positions = np.flatnonzero(unassigned)
        per_subject = pd.Series(positions).groupby(subjects, sort=False).agg(["first", "size"])
        # one finding per subject (not per record)
        for subj, pos, size in zip(per_subject.index, per_subject["first"], per_subject["size"]):
            pos = int(pos)
            findings.add(
                "warning",
                "epoch_unassigned",
                f"{int(size)} record(s) with a complete date in no epoch of rule: {rule}",
                dataset=dataset_name,
                variable=new_var,
                usubjid=str(subj),
                row=row_label(dataset.index, pos),
                value=dataset[dtc].iloc[pos],
            )
    # assign: the input's columns are not copied (pandas copies on write)
    return dataset.assign(**{new_var: pd.Series(result, index=dataset.index, dtype=object).astype(str)})


__all__ = ["EpochRule", "derive_var_epoch"]
