"""Groupings from a table of conditions, and codes/decodes from the spec's codelists
(admiral ``derive_vars_cat``; metatools ``create_var_from_codelist``).

A grouping is data: each row of the definition is a condition and the values it gives, the
first row whose condition holds wins, so ``print(definition)`` is the rule.

>>> import pandas as pd
>>> adsl = pd.DataFrame({"AGE": [15, 40, 70, None]})
>>> agegr = pd.DataFrame({"condition": ["AGE < 18", "AGE <= 64", "AGE > 64"],
...                       "AGEGR1": ["<18", "18-64", ">64"], "AGEGR1N": [1, 2, 3]})
>>> derive_vars_cat(adsl, definition=agegr)[["AGEGR1", "AGEGR1N"]].values.tolist()
[['<18', 1.0], ['18-64', 2.0], ['>64', 3.0], [None, nan]]
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns, filter_mask, is_missing
from ..findings import DerivationError
from ._common import as_list, check_new_vars_absent


def _definition_frame(definition: Any) -> pd.DataFrame:
    if isinstance(definition, pd.DataFrame):
        return definition.reset_index(drop=True)
    rows = list(definition)
    if not rows:
        raise DerivationError("definition has no rows", hint="give a header row and one row per group")
    if isinstance(rows[0], Mapping):
        return pd.DataFrame(rows)
    header, *body = rows
    return pd.DataFrame([list(r) for r in body], columns=list(header))


def derive_vars_cat(
    dataset: pd.DataFrame,
    *,
    definition: pd.DataFrame | Sequence,
    by_vars: list[str] | None = None,
) -> pd.DataFrame:
    """Add the variables of a grouping table (admiral ``derive_vars_cat``).

    A condition is checked against the column types (``AGE < '18'`` on a numeric AGE is an
    error, not an empty group).

    Parameters
    ----------
    dataset
        The records to group; returned as a copy with the definition's variables added
        (an error if one of them is there already).
    definition : pandas.DataFrame or sequence of rows
        A DataFrame (or rows whose first row is the header) with a ``condition``
        column (a filter string, see :func:`derivations.core.filter_mask`) and one column per
        new variable (e.g. AVALCAT1 and AVALCA1N). Rows are tried in order; the first whose
        condition holds gives the values; records that no row matches get missing values.
        A last row with the condition ``"True"`` is the default (admiral's ``TRUE``); a row
        whose value is missing (``None``) gives a missing value to the records it matches
        first. A column of Python bools can be a condition by itself (``"not FLAG"``).
    by_vars
        Columns that the definition holds too (e.g. ``["PARAMCD"]``): a row applies
        only to the records with its by values, so one table groups several parameters.
        ``None`` (default): every row applies to every record.

    Returns
    -------
    pandas.DataFrame
        Numeric definition columns give float variables, others text (``None`` missing).

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"PARAMCD": ["HEIGHT", "HEIGHT", "WEIGHT"], "AVAL": [172.0, 95.0, 80.0]})
    >>> definition = [("PARAMCD", "condition", "AVALCAT1", "AVALCA1N"),
    ...               ("HEIGHT", "AVAL > 100", ">100 cm", 1),
    ...               ("HEIGHT", "AVAL <= 100", "<= 100 cm", 2)]
    >>> derive_vars_cat(advs, definition=definition, by_vars=["PARAMCD"])["AVALCAT1"].tolist()
    ['>100 cm', '<= 100 cm', None]

    A default row, and a group that stays missing:

    >>> dm = pd.DataFrame({"COUNTRY": ["USA", "DEU", None, "XXX"]})
    >>> region = [("condition", "REGION1"), ("COUNTRY == 'XXX'", None),
    ...           ("COUNTRY in ['CAN', 'USA']", "NA"), ("COUNTRY.notna()", "RoW"), ("True", "Missing")]
    >>> derive_vars_cat(dm, definition=region)["REGION1"].tolist()
    ['NA', 'RoW', 'Missing', None]
    """
    table = _definition_frame(definition)
    by_vars = as_list(by_vars)
    if "condition" not in table.columns:
        raise DerivationError("definition has no 'condition' column", value=list(table.columns),
                              hint="name the column of filter strings 'condition'")
    missing_by = [v for v in by_vars if v not in table.columns]
    if missing_by:
        raise DerivationError(f"by variable(s) {', '.join(missing_by)} not in the definition",
                              variable=missing_by[0], hint="add them as columns of the definition")
    new_vars = [c for c in table.columns if c != "condition" and c not in by_vars]
    assert_has_columns(dataset, by_vars)
    check_new_vars_absent(dataset, new_vars)
    n = len(dataset)
    assigned = np.full(n, -1, dtype=np.int64)
    for i, row in enumerate(table.itertuples(index=False)):  # one per definition row, not per record
        rec = dict(zip(table.columns, row))
        mask = filter_mask(dataset, rec["condition"]).to_numpy().copy()
        for var in by_vars:
            mask &= (dataset[var] == rec[var]).to_numpy(dtype=bool)
        assigned[mask & (assigned < 0)] = i
    out = dataset.copy()
    hit = assigned >= 0
    for var in new_vars:
        col = table[var]
        values = col.to_numpy()[np.where(hit, assigned, 0)] if len(col) else np.array([], dtype=object)
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[var] = np.where(hit, values.astype(float), np.nan)
        else:
            given = np.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                              for v in col.tolist()], dtype=object)  # one per definition row
            values = given[np.where(hit, assigned, 0)] if len(col) else given
            out[var] = pd.Series(np.where(hit, values, None), index=dataset.index, dtype=object)
    return out


def _resolve_codelist(codelist: Any, spec: Any, variable: str | None, dataset_name: str | None):
    """(code -> decode mapping, numeric codes?, name) of a Codelist, mapping, codelist id or spec variable."""
    from ..spec import Codelist

    if codelist is None:
        if spec is None or variable is None or dataset_name is None:
            raise DerivationError("no codelist given", hint="give codelist=, or spec= and dataset_name= to read "
                                  "the variable's codelist from the spec")
        var = spec.dataset(dataset_name).variable(variable)
        if not var.codelist:
            raise DerivationError(f"{dataset_name}.{variable} has no codelist in the spec", dataset=dataset_name,
                                  variable=variable, hint="set its Codelist column in the spec")
        codelist = var.codelist
    if isinstance(codelist, str):
        if spec is None:
            raise DerivationError(f"codelist {codelist!r} given by id without a spec", value=codelist,
                                  hint="pass spec=ctx.spec('adam')")
        codelist = spec.codelist(codelist)
    if isinstance(codelist, Codelist):
        missing = [t.term for t in codelist.terms if not t.decode]
        if missing:
            raise DerivationError(f"codelist {codelist.id} has terms without a decoded value",
                                  value=missing[0], hint="fill 'Decoded Value' for every term in the spec")
        numeric = codelist.data_type in ("integer", "float")
        mapping = {t.term: t.decode for t in codelist.terms}
        return mapping, numeric, codelist.id
    mapping = dict(codelist)
    numeric = all(isinstance(k, (int, float, np.integer, np.floating)) for k in mapping)
    return mapping, numeric, "the codelist"


def _as_number(text: Any) -> float:
    return float(text)


def _map_strict(values: pd.Series, mapping: dict, *, what: str, variable: str, name: str) -> pd.Series:
    missing = is_missing(values)
    mapped = values.map(mapping)
    bad = mapped.isna() & ~missing
    if bad.any():
        unknown = pd.unique(values[bad].astype(str))
        raise DerivationError(
            f"{int(bad.sum())} value(s) of {variable} have no {what} in {name}: {', '.join(map(repr, unknown[:5]))}",
            variable=variable, value=unknown[0],
            hint=f"known: {', '.join(map(str, list(mapping)[:10]))}; add the term to the codelist")
    return mapped.where(~missing)


def derive_var_code(
    dataset: pd.DataFrame,
    *,
    source_var: str,
    new_var: str,
    codelist: Any = None,
    spec: Any = None,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Add the code of a decoded value from a codelist: TRT01PN from TRT01P, RACEN, AGEGR1N.

    ``codelist`` is a spec :class:`~derivations.spec.Codelist`, its id (with ``spec``), or a
    ``{code: decode}`` mapping; without it the codelist of ``new_var`` in ``spec``
    (``dataset_name``) is used, so the spec stays the one place the codes are written. A
    codelist of data type integer or float gives numbers. A value that is not a decode of the
    codelist is an error naming it (never a silent missing code); missing stays missing.

    Parameters
    ----------
    dataset
        The records; returned as a copy with ``new_var`` added.
    source_var
        The variable holding the decoded value.
    new_var
        The variable to add (an error if it is there already).
    codelist
        A spec :class:`~derivations.spec.Codelist`, its id (with ``spec``), or a
        ``{code: decode}`` mapping; ``None`` (default): the codelist of ``new_var`` in ``spec``.
    spec
        The :class:`~derivations.spec.Spec` that holds the codelist (e.g. ``ctx.spec("adam")``);
        needed for a codelist id or ``codelist=None``.
    dataset_name
        The dataset whose ``new_var`` names the codelist in ``spec`` (with ``codelist=None``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DerivationError
        For a value that is not a decoded value of the codelist, naming it (missing stays missing).

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"TRT01P": ["Placebo", "Xanomeline High Dose", None]})
    >>> trt = {0: "Placebo", 54: "Xanomeline Low Dose", 81: "Xanomeline High Dose"}
    >>> derive_var_code(adsl, source_var="TRT01P", new_var="TRT01PN", codelist=trt)["TRT01PN"].tolist()
    [0.0, 81.0, nan]
    """
    assert_has_columns(dataset, [source_var])
    check_new_vars_absent(dataset, [new_var])
    mapping, numeric, name = _resolve_codelist(codelist, spec, new_var, dataset_name)
    inverse: dict = {}
    for code, decode in mapping.items():
        if decode in inverse:
            raise DerivationError(f"decode {decode!r} has two codes in {name}", value=decode,
                                  hint="a decode must identify its code")
        inverse[decode] = _as_number(code) if numeric else code
    out = dataset.copy()
    codes = _map_strict(dataset[source_var], inverse, what="code", variable=source_var, name=name)
    out[new_var] = codes.astype(float) if numeric else codes.astype(object)
    return out


def derive_var_decode(
    dataset: pd.DataFrame,
    *,
    source_var: str,
    new_var: str,
    codelist: Any = None,
    spec: Any = None,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Add the decoded value of a code from a codelist (the inverse of :func:`derive_var_code`).

    Without ``codelist`` the codelist of ``source_var`` in ``spec`` is used. Numeric codes
    match their codelist terms as numbers (1.0 is the term "1").

    Parameters
    ----------
    dataset
        The records; returned as a copy with ``new_var`` added.
    source_var
        The variable holding the code.
    new_var
        The variable to add (an error if it is there already).
    codelist
        A spec :class:`~derivations.spec.Codelist`, its id (with ``spec``), or a
        ``{code: decode}`` mapping; ``None`` (default): the codelist of ``source_var`` in ``spec``.
    spec
        The :class:`~derivations.spec.Spec` that holds the codelist (e.g. ``ctx.spec("adam")``);
        needed for a codelist id or ``codelist=None``.
    dataset_name
        The dataset whose ``source_var`` names the codelist in ``spec`` (with ``codelist=None``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DerivationError
        For a value that is not a code of the codelist, naming it (missing stays missing).

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"AGEGR1N": [1.0, 3.0]})
    >>> derive_var_decode(adsl, source_var="AGEGR1N", new_var="AGEGR1",
    ...     codelist={1: "<65", 2: "65-80", 3: ">80"})["AGEGR1"].tolist()
    ['<65', '>80']
    """
    assert_has_columns(dataset, [source_var])
    check_new_vars_absent(dataset, [new_var])
    mapping, numeric, name = _resolve_codelist(codelist, spec, source_var, dataset_name)
    if numeric:
        mapping = {_as_number(k): v for k, v in mapping.items()}
        source = pd.to_numeric(dataset[source_var])
    else:
        source = dataset[source_var]
    out = dataset.copy()
    out[new_var] = _map_strict(source, mapping, what="decode", variable=source_var, name=name).astype(object)
    return out


__all__ = ["derive_vars_cat", "derive_var_code", "derive_var_decode"]
