"""What a dataset file says about itself: :class:`DatasetMeta` and :class:`VariableMeta`.

Every reader of :mod:`derivations.io` returns ``(DataFrame, DatasetMeta)`` whatever the file
type, so that a compare, a check against the spec or define.xml sees labels, types, lengths
and formats the same way. These are the attributes PROC CONTENTS shows (and Dataset-JSON's
``columns``), not the spec's: the spec's metadata model is :mod:`derivations.spec`.

Example
-------
>>> meta = DatasetMeta("ADSL", "Subject-Level Analysis",
...                    (VariableMeta("USUBJID", "Unique Subject Identifier", "char", 11),))
>>> meta.variable("USUBJID").length
11
>>> meta.labels()
{'USUBJID': 'Unique Subject Identifier'}
>>> print(meta)
ADSL (Subject-Level Analysis), 1 variable(s)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class VariableMeta:
    """Attributes of one variable (as PROC CONTENTS / define.xml would show them).

    ``type`` is ``"char"`` or ``"num"`` (SAS types); ``length`` the storage length in bytes
    (character variables; 8 for SAS numerics); ``data_type`` and the other Dataset-JSON
    fields are filled when the source carries them.

    >>> print(VariableMeta("AGE", "Age", "num", 8, "8."))
    AGE num length 8 format 8. 'Age'
    """

    name: str
    label: str | None = None
    type: str | None = None
    length: int | None = None
    format: str | None = None
    data_type: str | None = None
    target_data_type: str | None = None
    key_sequence: int | None = None
    item_oid: str | None = None

    def __str__(self) -> str:
        parts = [self.name, self.type or "?"]
        if self.length:
            parts.append(f"length {self.length}")
        if self.format:
            parts.append(f"format {self.format}")
        if self.label:
            parts.append(repr(self.label))
        return " ".join(parts)


@dataclass(frozen=True)
class DatasetMeta:
    """Dataset-level metadata: name, label, variables in file order, where it came from.

    ``attributes`` holds what else the file carries (Dataset-JSON's top-level attributes,
    an XPT file's record count and encoding).
    """

    name: str | None = None
    label: str | None = None
    variables: tuple[VariableMeta, ...] = ()
    source: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)

    def variable(self, name: str) -> VariableMeta | None:
        for var in self.variables:
            if var.name == name:
                return var
        return None

    def labels(self) -> dict[str, str | None]:
        return {v.name: v.label for v in self.variables}

    def __str__(self) -> str:
        head = f"{self.name or '?'} ({self.label or 'no label'}), {len(self.variables)} variable(s)"
        return head + (f" from {self.source}" if self.source else "")


def sas_type(series: pd.Series) -> str:
    """``"num"`` for numeric, boolean, date and time columns, ``"char"`` otherwise.

    >>> import datetime
    >>> sas_type(pd.Series([1.5])), sas_type(pd.Series(["a"])), sas_type(pd.Series([datetime.date(2021, 1, 2)]))
    ('num', 'char', 'num')
    """
    kind = series.dtype.kind
    if kind == "O":  # datetime.date / datetime objects (e.g. parquet date32) are SAS numerics
        inferred = pd.api.types.infer_dtype(series.iloc[:1000], skipna=True)
        return "num" if inferred in ("date", "datetime", "datetime64", "timedelta", "time") else "char"
    return "num" if kind in "biufcmM" else "char"


def meta_from_frame(dataset: pd.DataFrame, *, name: str | None = None, label: str | None = None,
                    source: str | None = None) -> DatasetMeta:
    """Metadata that can be read off a DataFrame alone (types; no labels or lengths).

    >>> [str(v) for v in meta_from_frame(pd.DataFrame({"A": ["x"], "B": [1.0]})).variables]
    ['A char', 'B num']
    """
    variables = tuple(VariableMeta(str(c), None, sas_type(dataset[c])) for c in dataset.columns)
    return DatasetMeta(name, label, variables, source)


__all__ = ["VariableMeta", "DatasetMeta", "sas_type", "meta_from_frame"]
