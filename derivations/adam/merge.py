"""Add variables from another dataset (admiral ``derive_vars_merged`` family, and
``derive_vars_transposed``: variables from a vertical dataset, transposed)."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, parse_order
from ..findings import DerivationError
from ._common import (
    DuplicateRecordsWarning,
    as_list,
    by_values_text,
    check_choice,
    check_new_vars_absent,
    flag_series,
)
from .extreme import filter_extreme

_HIT = "__merged__"


def match_positions(left: pd.DataFrame, right: pd.DataFrame, by_vars: list[str]) -> np.ndarray:
    """Position in ``right`` (unique on ``by_vars``) of each ``left`` record's by values; -1 if none.

    The by values are factorised jointly into one integer code per record (missing matches
    missing, as in a merge), so no string keys are hashed twice.

    >>> import pandas as pd
    >>> match_positions(pd.DataFrame({"K": ["b", "x", "a"]}), pd.DataFrame({"K": ["a", "b"]}), ["K"]).tolist()
    [1, -1, 0]
    """
    n_left = len(left)
    key = np.zeros(n_left + len(right), dtype=np.int64)
    for var in by_vars:
        both = pd.concat([left[var], right[var]], ignore_index=True)
        codes, uniques = pd.factorize(both, use_na_sentinel=False)
        key = pd.factorize(key * (len(uniques) + 1) + codes)[0].astype(np.int64)
    return pd.Index(key[n_left:]).get_indexer(key[:n_left])


def _new_vars_map(dataset_add: pd.DataFrame, by_vars: list[str], new_vars) -> dict[str, str]:
    if new_vars is None:
        return {c: c for c in dataset_add.columns if c not in by_vars}
    if isinstance(new_vars, Mapping):
        mapping = dict(new_vars)
    else:
        mapping = {c: c for c in as_list(new_vars)}
    assert_has_columns(dataset_add, list(mapping.values()), name="dataset_add")
    return mapping


def derive_vars_merged(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    new_vars: list[str] | Mapping[str, str] | None = None,
    filter_add: Filter = None,
    order: list[str] | None = None,
    mode: str = "first",
    exist_flag: str | None = None,
    true_value: Any = "Y",
    false_value: Any = "",
    missing_values: Mapping[str, Any] | None = None,
    check_type: str = "error",
    na_position: str = "last",
) -> pd.DataFrame:
    """Left-join variables of ``dataset_add`` (one record per by group) onto ``dataset``.

    ``filter_add`` selects records of ``dataset_add``; if ``order`` is given the
    first/last (``mode``) record per by group is taken, otherwise the selected
    records must be unique per by group. Duplicates (or ties on ``order``) are
    handled by ``check_type``: "error" raises a :class:`DerivationError` naming
    the by values, "warning" warns and keeps the first record in input order,
    "none" keeps the first silently. (admiral left-joins all duplicates on a
    warning; here a record is never multiplied.)

    ``na_position`` places missing ``order`` values (see :func:`derivations.core.sort_by_order`).
    ``new_vars`` is a list of names or ``{new: old}``; ``None`` takes every
    variable of ``dataset_add`` except the by variables. ``exist_flag`` names a
    variable set to ``true_value`` when a record was found, ``false_value``
    otherwise; ``missing_values`` ``{var: value}`` fills new variables for by
    groups without a record.

    Parameters
    ----------
    dataset
        The records to add variables to (e.g. ADSL); their order is kept.
    dataset_add
        The records to take them from (e.g. EX, DS).
    by_vars
        Columns both datasets share, e.g. ``["STUDYID", "USUBJID"]``.
    new_vars
        ``None`` (every ``dataset_add`` variable but the by variables), a list of names, or
        ``{new_name: dataset_add_column}``. Names must be new to ``dataset``.
    filter_add
        Which ``dataset_add`` records take part.
    order, mode
        With ``order`` the ``mode`` (``"first"``, default, or ``"last"``) record per by group
        is taken; without it the selected records must be unique per by group.
    exist_flag
        Optional new column telling by groups with a record from those without.
    true_value, false_value
        Its values; defaults ``"Y"`` (a record was found) and ``""``.
    missing_values
        ``{new_name: value}`` for by groups without a record (default missing).
    check_type
        Several records (or ties on ``order``) per by group: ``"error"`` (default),
        ``"warning"`` (first record in input order) or ``"none"``.
    na_position
        Where missing ``order`` values sort: ``"last"`` (default, admiral), ``"first"`` or
        ``"sas"`` (the lowest value, as SAS sorts); see :func:`derivations.core.sort_by_order`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1", "2"],
    ...     "EXSTDT": pd.to_datetime(["2021-01-08", "2021-01-01", "2021-02-01"])})
    >>> out = derive_vars_merged(adsl, dataset_add=ex, by_vars=["USUBJID"],
    ...     new_vars={"TRTSDT": "EXSTDT"}, order=["EXSTDT"], mode="first", exist_flag="EXFL")
    >>> out["TRTSDT"].dt.strftime("%Y-%m-%d").fillna("").tolist(), out["EXFL"].tolist()
    (['2021-01-01', '2021-02-01', ''], ['Y', 'Y', ''])
    """
    check_choice("check_type", check_type, ("error", "warning", "none"))
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars, name="dataset")
    assert_has_columns(dataset_add, by_vars, name="dataset_add")
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy()]
    if order:
        assert_has_columns(add, parse_order(order)[0], name="dataset_add")
        add = filter_extreme(add, by_vars=by_vars, order=order, mode=mode, check_type=check_type,
                             na_position=na_position)
    else:
        dup = add.duplicated(by_vars, keep=False)
        if dup.any():
            n = int(add.loc[dup, by_vars].drop_duplicates().shape[0])
            message = (
                f"dataset_add has {n} by group(s) with more than one record for "
                f"{', '.join(by_vars)}, e.g. {by_values_text(add.loc[dup], by_vars)}"
            )
            hint = "restrict filter_add, or give order= and mode= to select one record per by group"
            if check_type == "error":
                usubjid = str(add.loc[dup, "USUBJID"].iloc[0]) if "USUBJID" in by_vars else None
                raise DerivationError(message, dataset="dataset_add", usubjid=usubjid, hint=hint)
            if check_type == "warning":
                warnings.warn(f"{message}: the first record is used; {hint}", DuplicateRecordsWarning, stacklevel=2)
            add = add.drop_duplicates(by_vars, keep="first")
    mapping = _new_vars_map(add, by_vars, new_vars)
    new_names = list(mapping)
    check_new_vars_absent(dataset, new_names + ([exist_flag] if exist_flag else []), dataset_name="dataset")
    pos = match_positions(dataset, add, by_vars)
    hit = pd.Series(pos >= 0, index=dataset.index)
    take = np.where(pos >= 0, pos, 0)
    right = add[list(mapping.values())]
    right.columns = new_names
    if len(right):
        picked = right.take(take)  # one block-wise take for all new variables
        picked.index = dataset.index
        if not hit.all():
            picked = picked.where(np.broadcast_to(hit.to_numpy()[:, None], picked.shape))
    else:
        picked = pd.DataFrame({n: pd.Series(index=dataset.index, dtype=right[n].dtype if right[n].dtype.kind in "fMmO"
                                            else object) for n in new_names}, index=dataset.index)
    out = pd.concat([dataset, picked], axis=1) if new_names else dataset.copy()
    if exist_flag:
        out[exist_flag] = flag_series(hit, out.index, true_value, false_value)
    for var, value in (missing_values or {}).items():
        if var not in new_names:
            raise DerivationError(
                "missing_values names a variable that is not merged",
                variable=var,
                hint=f"use one of the new variables: {', '.join(new_names)}",
            )
        out[var] = out[var].where(hit, value)
    return out


def derive_var_merged_exist_flag(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    new_var: str,
    condition: Filter = None,
    true_value: Any = "Y",
    false_value: Any = "N",
    missing_value: Any = "",
    filter_add: Filter = None,
) -> pd.DataFrame:
    """Flag whether ``dataset_add`` has a record meeting ``condition`` for the by group.

    ``true_value`` if at least one (``filter_add``-selected) record of the by
    group meets ``condition``; ``false_value`` if the by group has records but
    none meets it; ``missing_value`` if it has no record at all.

    Parameters
    ----------
    dataset
        The records to flag (e.g. ADSL).
    dataset_add
        The records looked at (e.g. AE).
    by_vars
        Columns both datasets share, e.g. ``["STUDYID", "USUBJID"]``.
    new_var
        The new flag, e.g. ``"SAEFL"``.
    condition
        What makes the flag true, evaluated on the ``dataset_add`` records (query string,
        callable, boolean Series; ``None``: any record). Not a record filter: records that
        fail it make the flag ``false_value`` rather than missing.
    true_value, false_value, missing_value
        Defaults ``"Y"``, ``"N"`` and ``""`` (``None``: a missing value).
    filter_add
        Which ``dataset_add`` records take part at all.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    >>> ae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESER": ["N", "Y", "N"]})
    >>> derive_var_merged_exist_flag(adsl, dataset_add=ae, by_vars=["USUBJID"],
    ...     new_var="SAEFL", condition="AESER == 'Y'")["SAEFL"].tolist()
    ['Y', 'N', '']
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars, name="dataset")
    assert_has_columns(dataset_add, by_vars, name="dataset_add")
    check_new_vars_absent(dataset, [new_var], dataset_name="dataset")
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy(), by_vars].copy()
    add["__cond__"] = filter_mask(dataset_add.loc[add.index], condition).to_numpy()
    summary = add.groupby(by_vars, dropna=False, sort=False)["__cond__"].any().reset_index()
    out = dataset.merge(summary, on=by_vars, how="left", validate="many_to_one")
    out.index = dataset.index
    cond = out.pop("__cond__")
    present = cond.notna().to_numpy()
    met = cond.eq(True).to_numpy(dtype=bool)
    values = flag_series(met, out.index, true_value, false_value)
    values = values.where(present, missing_value) if missing_value is not None else values.where(present)
    out[new_var] = values
    return out


def derive_var_merged_summary(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    new_var: str,
    source_var: str,
    summary_fun: str | Callable[[pd.Series], Any],
    filter_add: Filter = None,
    missing_value: Any = None,
) -> pd.DataFrame:
    """Merge a summary (``"mean"``, ``"sum"``, ``"max"``, ... or a callable) of ``source_var`` per by group.

    Missing values of ``source_var`` are ignored (pandas aggregations skip NaN);
    by groups without records get ``missing_value``.

    Parameters
    ----------
    dataset
        The records to add the summary to (e.g. ADSL).
    dataset_add
        The records summarised (e.g. EX).
    by_vars
        Columns both datasets share.
    new_var
        The new column, e.g. ``"CUMDOSE"``.
    source_var
        The ``dataset_add`` variable summarised.
    summary_fun
        A pandas aggregation name (``"mean"``, ``"sum"``, ``"min"``, ``"max"``, ``"count"``,
        ``"median"``, ...) or a callable ``Series -> value``.
    filter_add
        Which ``dataset_add`` records take part.
    missing_value
        Value for by groups without records; default ``None`` (missing).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXDOSE": [10.0, 20.0]})
    >>> derive_var_merged_summary(adsl, dataset_add=ex, by_vars=["USUBJID"], new_var="CUMDOSE",
    ...     source_var="EXDOSE", summary_fun="sum")["CUMDOSE"].fillna(-1).tolist()
    [30.0, -1.0]
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars, name="dataset")
    assert_has_columns(dataset_add, by_vars + [source_var], name="dataset_add")
    check_new_vars_absent(dataset, [new_var], dataset_name="dataset")
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy()]
    summary = add.groupby(by_vars, dropna=False, sort=False)[source_var].agg(summary_fun).rename(new_var).reset_index()
    summary[_HIT] = True
    out = dataset.merge(summary, on=by_vars, how="left", validate="many_to_one")
    out.index = dataset.index
    hit = out.pop(_HIT).notna()
    if missing_value is not None:
        out[new_var] = out[new_var].where(hit, missing_value)
    return out


RELATIONSHIPS = ("one-to-one", "one-to-many", "many-to-one", "many-to-many")


def derive_vars_transposed(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str] | Mapping[str, str],
    key_var: str,
    value_var: str,
    id_vars: list[str] | None = None,
    filter_add: Filter = None,
    relationship: str | None = None,
) -> pd.DataFrame:
    """Add variables from a vertical dataset, transposed to one column per ``key_var`` value
    (admiral ``derive_vars_transposed``): e.g. FACM's ATC codes onto CM, or SUPP-style or
    parameter-per-record values onto one record.

    The records of ``dataset_add`` selected by ``filter_add`` must be unique on ``by_vars``,
    ``id_vars`` and ``key_var`` (else an error naming them). They are transposed: one row per
    ``by_vars`` + ``id_vars``, one new column per ``key_var`` value (in order of first
    appearance) holding ``value_var``, and left-joined onto ``dataset`` by ``by_vars``. With
    ``id_vars`` a record of ``dataset`` may match several transposed rows and is then repeated,
    once per row (admiral too); ``relationship`` makes such a case an error.

    Parameters
    ----------
    dataset
        The records to add variables to; their order is kept.
    dataset_add
        The vertical records (admiral ``dataset_merge``), with ``by_vars``, ``id_vars``,
        ``key_var`` and ``value_var``.
    by_vars
        The join keys: a list of names both datasets have, or ``{variable of dataset: variable
        of dataset_add}`` (``{"USUBJID": "USUBJID", "CMREFID": "FAREFID"}``).
    key_var
        The ``dataset_add`` column whose values name the new variables (e.g. ``"FATESTCD"``);
        a name ``dataset`` has already raises.
    value_var
        The ``dataset_add`` column of their values (e.g. ``"FASTRESC"``).
    id_vars
        Further ``dataset_add`` columns that identify a transposed row (e.g. ``["FAGRPID"]``);
        ``None`` (default): none. They are not added to ``dataset``.
    filter_add
        Which ``dataset_add`` records are transposed (e.g. ``"FATESTCD.str.startswith('CMATC')"``).
    relationship
        The expected join: ``"one-to-one"``, ``"one-to-many"``, ``"many-to-one"``,
        ``"many-to-many"`` (``dataset`` to transposed rows), checked, a breach raises; ``None``
        (default): not checked.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> cm = pd.DataFrame({"USUBJID": "1", "CMREFID": ["A", "B", "C"]})
    >>> facm = pd.DataFrame({"USUBJID": "1", "FAREFID": ["A", "A", "B"],
    ...     "FATESTCD": ["CMATC1CD", "CMATC2CD", "CMATC1CD"], "FASTRESC": ["N", "N02", "C"]})
    >>> out = derive_vars_transposed(cm, dataset_add=facm, by_vars={"USUBJID": "USUBJID", "CMREFID": "FAREFID"},
    ...     key_var="FATESTCD", value_var="FASTRESC")
    >>> out.fillna("").values.tolist()
    [['1', 'A', 'N', 'N02'], ['1', 'B', 'C', ''], ['1', 'C', '', '']]
    """
    mapping = dict(by_vars) if isinstance(by_vars, Mapping) else {v: v for v in as_list(by_vars)}
    id_vars = as_list(id_vars)
    if relationship is not None:
        check_choice("relationship", relationship, RELATIONSHIPS)
    assert_has_columns(dataset, list(mapping))
    assert_has_columns(dataset_add, list(mapping.values()) + id_vars + [key_var, value_var], name="dataset_add")
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy()]
    keys = list(dict.fromkeys(list(mapping.values()) + id_vars))
    dup = add.duplicated(keys + [key_var], keep=False)
    if dup.any():
        n = int(add.loc[dup, keys + [key_var]].drop_duplicates().shape[0])
        raise DerivationError(
            f"derive_vars_transposed: dataset_add has {n} combination(s) of {', '.join(keys + [key_var])} with "
            f"more than one record, e.g. {by_values_text(add.loc[dup], keys + [key_var], limit=1)}",
            dataset="dataset_add", variable=key_var,
            usubjid=str(add.loc[dup, "USUBJID"].iloc[0]) if "USUBJID" in keys else None,
            hint="add the variables that tell them apart to id_vars, or restrict filter_add")
    names = list(pd.unique(add[key_var].dropna()))
    check_new_vars_absent(dataset, [str(n) for n in names])
    if not names:
        return dataset.copy()
    wide = add.loc[add[key_var].notna()].pivot(index=keys, columns=key_var, values=value_var)
    wide = wide.reindex(columns=names).reset_index()
    wide.columns.name = None
    wide = wide[list(mapping.values()) + names].rename(columns={v: k for k, v in mapping.items()})
    validate = relationship.replace("-", "_") if relationship else None
    try:
        out = dataset.merge(wide, on=list(mapping), how="left", validate=validate)
    except pd.errors.MergeError as exc:
        raise DerivationError(f"derive_vars_transposed: the join is not {relationship}: {exc}",
                              dataset="dataset_add", hint="check by_vars and id_vars, or the relationship") from exc
    for name in names:
        if out[name].dtype == object:
            out[name] = out[name].where(out[name].notna(), None)
    if len(out) == len(dataset):
        out.index = dataset.index
    return out


__all__ = ["derive_vars_transposed", "RELATIONSHIPS", "derive_vars_merged", "derive_var_merged_exist_flag", "derive_var_merged_summary"]
