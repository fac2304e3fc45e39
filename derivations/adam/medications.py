"""Medications and history: ATC classes (admiral ``derive_vars_atc``) and query (SMQ/CQ)
variables (admiral ``derive_vars_query``).

>>> import pandas as pd
>>> cm = pd.DataFrame({"USUBJID": "1", "CMREFID": ["A", "B"], "CMDECOD": ["ASPIRIN", "INSULIN"]})
>>> facm = pd.DataFrame({"USUBJID": "1", "FAREFID": ["A", "A", "B"], "FAGRPID": ["1", "1", "1"],
...     "FATESTCD": ["CMATC1CD", "CMATC2CD", "CMATC1CD"], "FASTRESC": ["N", "N02", "A"]})
>>> out = derive_vars_atc(cm, dataset_add=facm, by_vars={"USUBJID": "USUBJID", "CMREFID": "FAREFID"})
>>> out[["CMDECOD", "ATC1CD", "ATC2CD"]].fillna("").values.tolist()
[['ASPIRIN', 'N', 'N02'], ['INSULIN', 'A', '']]
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ..core import assert_has_columns, is_missing
from ..findings import DerivationError
from ._common import as_list, check_new_vars_absent
from .merge import derive_vars_transposed

ATC_LEVELS = ("CMATC1CD", "CMATC2CD", "CMATC3CD", "CMATC4CD")


def derive_vars_atc(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: Mapping[str, str] | list[str] = ("USUBJID", "CMREFID"),
    id_vars: list[str] | None = ("FAGRPID",),
    value_var: str = "FASTRESC",
) -> pd.DataFrame:
    """Add ATC1CD-ATC4CD from the findings-about-medications dataset FACM (admiral ``derive_vars_atc``).

    FACM holds one record per ATC level (FATESTCD CMATC1CD ... CMATC4CD) and classification
    path (``id_vars``, e.g. FAGRPID) of each medication (FAREFID = CMREFID). ``by_vars`` maps
    the variables of ``dataset`` to those of FACM (``{"USUBJID": "USUBJID", "CMREFID":
    "FAREFID"}``; a list means the same names). A medication with several classification paths
    gets one record per path, as ADaM's OCCDS model expects (each record then counts under its
    class); a medication without FACM records keeps one record with missing ATC variables.

    Parameters
    ----------
    dataset
        The medication records (CM or ADCM); an error if ATC1CD-ATC4CD are there already.
    dataset_add
        FACM: FATESTCD CMATC1CD-CMATC4CD records with ``value_var`` and ``id_vars``.
    by_vars
        ``{variable of dataset: variable of FACM}`` that links a medication to its FACM
        records, or a list of names both have; default ``("USUBJID", "CMREFID")``.
    id_vars
        FACM variables that tell the classification paths of one medication apart; default
        ``("FAGRPID",)``; ``None``: one path per medication.
    value_var
        The FACM variable holding the ATC code; default ``"FASTRESC"``.

    Returns
    -------
    pandas.DataFrame
        One record per medication and path.

    Raises
    ------
    DerivationError
        When FACM holds two values of one ATC level for one medication and path (the
        transposition is :func:`derivations.adam.merge.derive_vars_transposed`).

    Examples
    --------
    >>> import pandas as pd
    >>> cm = pd.DataFrame({"USUBJID": "1", "CMREFID": ["A", "B"]})
    >>> facm = pd.DataFrame({"USUBJID": "1", "FAREFID": ["A", "A", "A", "A"], "FAGRPID": ["1", "1", "2", "2"],
    ...     "FATESTCD": ["CMATC1CD", "CMATC2CD", "CMATC1CD", "CMATC2CD"], "FASTRESC": ["N", "N02", "B", "B01"]})
    >>> out = derive_vars_atc(cm, dataset_add=facm, by_vars={"USUBJID": "USUBJID", "CMREFID": "FAREFID"})
    >>> out[["CMREFID", "ATC1CD", "ATC2CD"]].fillna("").values.tolist()
    [['A', 'N', 'N02'], ['A', 'B', 'B01'], ['B', '', '']]
    """
    mapping = dict(by_vars) if isinstance(by_vars, Mapping) else {v: v for v in as_list(by_vars)}
    id_vars = as_list(id_vars)
    assert_has_columns(dataset, list(mapping))
    assert_has_columns(dataset_add, list(mapping.values()) + id_vars + ["FATESTCD", value_var], name="FACM")
    new = [f"ATC{i}CD" for i in range(1, 5)]
    check_new_vars_absent(dataset, new)
    fa = dataset_add.loc[dataset_add["FATESTCD"].isin(ATC_LEVELS)]
    out = derive_vars_transposed(dataset, dataset_add=fa, by_vars=mapping, id_vars=id_vars, key_var="FATESTCD",
                                 value_var=value_var)
    out = out.rename(columns={f"CMATC{i}CD": f"ATC{i}CD" for i in range(1, 5)})
    for col in new:
        if col not in out.columns:
            out[col] = None
    return out[list(dataset.columns) + new]


def derive_vars_query(dataset: pd.DataFrame, *, dataset_queries: pd.DataFrame) -> pd.DataFrame:
    """Add SMQ/CQ variables (``SMQ02NAM``, ``SMQ02CD``, ``SMQ02SC``, ``SMQ02SCN``, ``CQ01NAM`` ...)
    from a table of query definitions (admiral ``derive_vars_query``).

    ``dataset_queries`` has one row per term: PREFIX (``SMQ02``, ``CQ01``), GRPNAME, GRPID,
    SCOPE (``"BROAD"``/``"NARROW"``), SCOPEN, SRCVAR (the variable matched, e.g. AEDECOD or
    MHLLT) and TERMCHAR (the term, matched case-insensitively) or TERMNUM (a numeric code,
    e.g. for AELLTCD). A record matching a query gets ``<PREFIX>NAM`` (and ``CD``, ``SC``,
    ``SCN`` where the query has a group id / scope); other records get missing values. A
    term listed twice in one query is an error (its scope would be ambiguous).

    Parameters
    ----------
    dataset
        The records (ADAE, ADMH, ...) with the SRCVAR variables the queries name.
    dataset_queries
        The query definitions, one row per term (columns above); a rule table, printable,
        not data to filter.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the query variables added (an error if one is there already).

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"PREFIX": ["SMQ05", "CQ01"], "GRPNAME": ["Pneumonitis", "Dermatologic events"],
    ...     "GRPID": [20000042, None], "SCOPE": ["NARROW", None], "SCOPEN": [2, None],
    ...     "SRCVAR": ["MHDECOD", "MHLLT"], "TERMCHAR": ["ALVEOLITIS", "ERYTHEMA"], "TERMNUM": None})
    >>> mh = pd.DataFrame({"MHDECOD": ["Alveolitis", "Rash"], "MHLLT": ["ALVEOLITIS", "ERYTHEMA"]})
    >>> derive_vars_query(mh, dataset_queries=q).astype(object).fillna("").values.tolist()
    [['Alveolitis', 'ALVEOLITIS', 'Pneumonitis', 20000042.0, 'NARROW', 2.0, ''], ['Rash', 'ERYTHEMA', '', '', '', '', 'Dermatologic events']]
    """
    needed = ["PREFIX", "GRPNAME", "SRCVAR"]
    assert_has_columns(dataset_queries, needed, name="dataset_queries")
    q = dataset_queries.copy()
    for col in ("GRPID", "SCOPE", "SCOPEN", "TERMCHAR", "TERMNUM"):
        if col not in q.columns:
            q[col] = None
    srcvars = sorted(q["SRCVAR"].dropna().unique())
    assert_has_columns(dataset, srcvars)
    has_char = ~is_missing(q["TERMCHAR"].astype(object))
    q["__key__"] = np.where(has_char, q["TERMCHAR"].astype(str).str.upper(),
                            pd.to_numeric(q["TERMNUM"], errors="coerce").astype(str))
    dup = q.duplicated(["PREFIX", "SRCVAR", "__key__"], keep=False)
    if dup.any():
        row = q.loc[dup].iloc[0]
        raise DerivationError(f"query {row['PREFIX']} lists the term {row['__key__']!r} twice",
                              dataset="dataset_queries", value=row["__key__"], hint="list each term once per query")
    out = dataset.copy()
    prefixes = list(dict.fromkeys(q["PREFIX"]))
    new_cols: dict[str, pd.Series] = {}
    for prefix in prefixes:  # one per query definition, vectorised over the records
        qp = q.loc[q["PREFIX"] == prefix]
        hit = np.full(len(dataset), -1, dtype=np.int64)
        for srcvar, part in qp.groupby("SRCVAR", sort=False):
            values = dataset[srcvar]
            key = values.astype(object).where(values.notna(), None)
            key = key.map(lambda v: str(v).upper() if isinstance(v, str) else (str(float(v)) if v is not None else None))
            pos = pd.Index(part["__key__"].to_numpy()).get_indexer(key.to_numpy())
            found = (pos >= 0) & (hit < 0)
            hit[found] = part.index.to_numpy()[pos[found]]
        matched = hit >= 0
        rows = q.loc[np.where(matched, hit, q.index[0])]
        cols = {"NAM": "GRPNAME", "CD": "GRPID", "SC": "SCOPE", "SCN": "SCOPEN"}
        for suffix, src in cols.items():
            if suffix != "NAM" and qp[src].isna().all():
                continue
            values = rows[src].to_numpy()
            if suffix in ("CD", "SCN"):
                new_cols[prefix + suffix] = pd.Series(np.where(matched, pd.to_numeric(values), np.nan),
                                                      index=dataset.index)
            else:
                new_cols[prefix + suffix] = pd.Series(np.where(matched, values, None), index=dataset.index,
                                                      dtype=object)
    check_new_vars_absent(dataset, list(new_cols))
    return pd.concat([out, pd.DataFrame(new_cols, index=dataset.index)], axis=1)


__all__ = ["ATC_LEVELS", "derive_vars_atc", "derive_vars_query"]
