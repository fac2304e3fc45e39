"""The production stamp of an output: honest about what its date is, and reproducible.

Reproducible-builds convention: when ``SOURCE_DATE_EPOCH`` (seconds since
1970-01-01 UTC) is set, it is the production date printed on every output.
Otherwise no production date is claimed: the outputs show the study's stated
data extraction date (``[study] created`` in study.toml), labelled as such.
Either way a rerun on the same inputs gives the same bytes; the clock is never read.

>>> print(production_stamp("2022-07-04T00:00:00", environ={}))
Data extraction date: 2022-07-04
>>> print(production_stamp("2022-07-04", environ={"SOURCE_DATE_EPOCH": "1717243200"}))
Production date: 2024-06-01 12:00:00 UTC
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Mapping

from ..findings import DerivationError

EPOCH_VAR = "SOURCE_DATE_EPOCH"


@dataclass(frozen=True)
class ProductionStamp:
    """``label: value`` as printed in the page footer of every output."""

    label: str
    value: str
    source: str

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


def _date_text(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise DerivationError("the study's data extraction date is not an ISO 8601 date", value=text,
                              hint="set [study] created = \"YYYY-MM-DDThh:mm:ss\" in study.toml") from None


def production_stamp(extraction_date, *, environ: Mapping[str, str] | None = None) -> ProductionStamp:
    """The stamp: ``SOURCE_DATE_EPOCH`` when set, else the data extraction date, labelled as such.

    A ``SOURCE_DATE_EPOCH`` that is not a whole number of seconds raises (a stamp
    must not be guessed).

    >>> production_stamp("2022-07-04", environ={"SOURCE_DATE_EPOCH": "yesterday"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: SOURCE_DATE_EPOCH is not a whole number of seconds since 1970-01-01 UTC ...
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(EPOCH_VAR, "").strip()
    if raw:
        if not raw.isdigit():
            raise DerivationError(f"{EPOCH_VAR} is not a whole number of seconds since 1970-01-01 UTC",
                                  value=raw, hint=f"unset {EPOCH_VAR} or set it to e.g. $(git log -1 --format=%ct)")
        when = dt.datetime.fromtimestamp(int(raw), tz=dt.timezone.utc)
        return ProductionStamp("Production date", when.strftime("%Y-%m-%d %H:%M:%S UTC"), EPOCH_VAR)
    return ProductionStamp("Data extraction date", _date_text(extraction_date), "[study] created")


__all__ = ["ProductionStamp", "production_stamp", "EPOCH_VAR"]
