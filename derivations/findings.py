"""Findings and errors: how the framework reports problems in data and specs.

Two channels, used consistently everywhere:

* :class:`DerivationError` (and its subclasses) is *raised* when a run cannot go
  on: the message always names the dataset, variable, subject and value, and
  says what to fix.
* :class:`Findings` *collects* what a run handled but a reviewer must see: a
  transliterated character, a record routed to the issues report, a schema
  failure found by lazy validation. Nothing is dropped without a line here.

Example
-------
>>> f = Findings()
>>> _ = f.add("warning", "transliterated", "non-ASCII character replaced",
...       dataset="AE", variable="AETERM", usubjid="S-001", value="Naus\u00e9e")
>>> len(f), f.errors
(1, [])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Iterator

import pandas as pd

SEVERITIES = ("error", "warning", "note")


def _fmt(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(
    *,
    dataset: str | None = None,
    variable: str | None = None,
    usubjid: str | None = None,
    row: int | None = None,
    value: object = None,
) -> str:
    """Return ``dataset AE, variable AESTDTC, USUBJID S-01, row 3, value '2021-13'``."""
    parts = []
    if dataset:
        parts.append(f"dataset {dataset}")
    if variable:
        parts.append(f"variable {variable}")
    if usubjid:
        parts.append(f"USUBJID {usubjid}")
    if row is not None:
        parts.append(f"row {row}")
    if value is not None:
        parts.append(f"value {_fmt(value)}")
    return ", ".join(parts)


class DerivationError(ValueError):
    """A problem that stops the run; the message names where it is and what to fix.

    >>> str(DerivationError("not an ISO 8601 date", dataset="AE",
    ...     variable="AESTDTC", usubjid="S-01", value="2021-13-01",
    ...     hint="correct the raw date"))
    "not an ISO 8601 date (dataset AE, variable AESTDTC, USUBJID S-01, value '2021-13-01'): correct the raw date"
    """

    def __init__(
        self,
        message: str,
        *,
        dataset: str | None = None,
        variable: str | None = None,
        usubjid: str | None = None,
        row: int | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        self.dataset, self.variable, self.usubjid = dataset, variable, usubjid
        self.row, self.value, self.hint = row, value, hint
        where = describe(dataset=dataset, variable=variable, usubjid=usubjid, row=row, value=value)
        text = message + (f" ({where})" if where else "")
        if hint:
            text += f": {hint}"
        super().__init__(text)


class SpecError(DerivationError):
    """The specification workbook is incomplete or contradicts itself."""


class RawDataError(DerivationError):
    """A raw extract is missing, lacks a column, or holds a value that cannot be mapped."""


class FileError(DerivationError):
    """A file cannot be read as what it claims to be: missing, of another type, damaged,
    inconsistent, or in an undeclared encoding. The message starts with the file (and line).

    >>> str(FileError("4 field(s), the header has 5", path="raw/ae.csv", line=7, hint="re-export the page"))
    'raw/ae.csv, line 7: 4 field(s), the header has 5: re-export the page'
    """

    def __init__(self, message: str, *, path: object, line: int | None = None, **where) -> None:
        self.path, self.line = str(path), line
        at = self.path + (f", line {line}" if line is not None else "")
        super().__init__(f"{at}: {message}", **where)


class RawFileError(FileError, RawDataError):
    """A raw extract (a CSV page) cannot be read: encoding, delimiter, fields, header."""


class XptError(DerivationError):
    """A dataset would break SAS XPORT v5 rules (names, labels, lengths, ASCII)."""


@dataclass(frozen=True)
class Finding:
    """One line of a run's findings report."""

    severity: str
    check: str
    message: str
    dataset: str | None = None
    variable: str | None = None
    usubjid: str | None = None
    row: int | None = None
    value: object = None

    def __str__(self) -> str:
        where = describe(
            dataset=self.dataset,
            variable=self.variable,
            usubjid=self.usubjid,
            row=self.row,
            value=self.value,
        )
        return f"[{self.severity}] {self.check}: {self.message}" + (f" ({where})" if where else "")


@dataclass
class Findings:
    """An ordered collection of :class:`Finding` with report helpers."""

    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        severity: str,
        check: str,
        message: str,
        *,
        dataset: str | None = None,
        variable: str | None = None,
        usubjid: str | None = None,
        row: int | None = None,
        value: object = None,
    ) -> Finding:
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        finding = Finding(severity, check, message, dataset, variable, usubjid, row, value)
        self.items.append(finding)
        return finding

    def extend(self, findings: Iterable[Finding]) -> None:
        self.items.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "error"]

    def select(self, *, check: str | None = None, dataset: str | None = None) -> list[Finding]:
        return [
            f
            for f in self.items
            if (check is None or f.check == check) and (dataset is None or f.dataset == dataset)
        ]

    def to_frame(self) -> pd.DataFrame:
        cols = ["severity", "check", "dataset", "variable", "usubjid", "row", "value", "message"]
        rows = []
        for f in self.items:
            d = asdict(f)
            d["value"] = None if f.value is None else str(f.value)
            rows.append(d)
        return pd.DataFrame(rows, columns=cols).astype({"row": "Int64"})

    def report(self) -> str:
        """Plain-text report, one finding per line, errors first."""
        order = {s: i for i, s in enumerate(SEVERITIES)}
        lines = [str(f) for f in sorted(self.items, key=lambda f: order[f.severity])]
        counts = ", ".join(
            f"{sum(f.severity == s for f in self.items)} {s}(s)" for s in SEVERITIES
        )
        return "\n".join(lines + [f"{len(self.items)} finding(s): {counts}"])
