"""Records derived from other records of a BDS dataset: BASETYPE copies, LOCF records, summary
records, expected records a by group lacks (admiral ``derive_basetype_records``,
``derive_locf_records``, ``derive_summary_records``, ``derive_expected_records``).

>>> import pandas as pd
>>> advs = pd.DataFrame({"USUBJID": "1", "PARAMCD": "SYSBP", "AVISITN": [2, 2, 2],
...                      "ATPTN": [815, 816, 817], "AVAL": [120.0, 124.0, 131.0]})
>>> out = derive_summary_records(advs, dataset_add=advs, by_vars=["USUBJID", "PARAMCD", "AVISITN"],
...     set_values_to={"AVAL": Summary("AVAL", "mean"), "DTYPE": "AVERAGE"})
>>> out.loc[out["DTYPE"] == "AVERAGE", "AVAL"].tolist()
[125.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, is_missing, set_values, sort_by_order
from ..findings import DerivationError
from ._common import as_list, check_new_vars_absent, concat_rows, parse_order_cols


@dataclass(frozen=True)
class Summary:
    """A summary of a variable over the records of a by group, for ``set_values_to``:
    ``Summary("AVAL", "mean")``; ``fun`` is a pandas aggregation name (``"mean"``, ``"sum"``,
    ``"min"``, ``"max"``, ``"median"``, ``"count"``, ``"first"``, ``"last"``, ``"std"``) or a
    function of a Series. Missing values are skipped (pandas); a group without a value gives
    a missing value.

    >>> print(Summary("AVAL", "mean"))
    mean(AVAL)
    """

    var: str
    fun: str | Callable[[pd.Series], Any] = "mean"

    def __str__(self) -> str:
        return f"{self.fun if isinstance(self.fun, str) else getattr(self.fun, '__name__', 'function')}({self.var})"


def derive_summary_records(
    dataset: pd.DataFrame | None = None,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    set_values_to: Mapping[str, Any],
    filter_add: Filter = None,
    dataset_ref: pd.DataFrame | None = None,
    missing_values: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Append one record per by group summarising ``dataset_add`` (admiral ``derive_summary_records``).

    E.g. the average of triplicate measurements per visit and time point (``AVAL =
    Summary("AVAL", "mean")``, ``DTYPE = "AVERAGE"``). The new records hold ``by_vars`` and
    ``set_values_to`` (constants, :class:`Summary` values or callables of the new records).
    With ``dataset_ref`` every by group of it gets a record, those without source records with
    ``missing_values``. By values that are missing form their own group (as dplyr does).

    Parameters
    ----------
    dataset
        The records the new ones are appended to; ``None`` (default): return the new
        records only.
    dataset_add
        The records summarised (often ``dataset`` itself).
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "PARAMCD", "AVISITN"]``.
    set_values_to
        ``{variable: value}`` of the new records: :class:`Summary` values (computed over the
        group's records), constants or callables of the new records.
    filter_add
        Which records of ``dataset_add`` are summarised: a query string, a callable, a
        boolean Series, or ``None`` (default) for all.
    dataset_ref
        Every by group of this frame gets a record, also without source records; ``None``
        (default): only the groups of ``dataset_add``.
    missing_values
        ``{variable: value}`` of the records of ``dataset_ref`` groups without source
        records (e.g. ``{"AVALC": "MISSING"}``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adeg = pd.DataFrame({"USUBJID": "1", "AVISIT": ["Baseline", "Baseline", None],
    ...                      "AVAL": [400.0, 410.0, 390.0]})
    >>> out = derive_summary_records(dataset_add=adeg, by_vars=["USUBJID", "AVISIT"],
    ...     set_values_to={"AVAL": Summary("AVAL", "max"), "DTYPE": "MAXIMUM"})
    >>> out[["AVISIT", "AVAL"]].fillna("").values.tolist()
    [['Baseline', 410.0], ['', 390.0]]
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset_add, by_vars, name="dataset_add")
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy()]
    summaries = {k: v for k, v in set_values_to.items() if isinstance(v, Summary)}
    assert_has_columns(add, [s.var for s in summaries.values()], name="dataset_add")
    grouped = add.groupby(by_vars, dropna=False, sort=False)
    if summaries:
        new = grouped.agg(**{k: (s.var, s.fun) for k, s in summaries.items()}).reset_index()
    else:
        new = grouped.size().reset_index()[by_vars]
    absent = np.zeros(len(new), dtype=bool)
    if dataset_ref is not None:
        assert_has_columns(dataset_ref, by_vars, name="dataset_ref")
        ref = dataset_ref[by_vars].drop_duplicates()
        new = ref.merge(new, on=by_vars, how="left", indicator=True)
        absent = (new.pop("_merge") == "left_only").to_numpy()
    constants = {k: v for k, v in set_values_to.items() if not isinstance(v, Summary)}
    new = set_values(new, constants)
    for var, value in (missing_values or {}).items():
        if var in new.columns:
            new[var] = new[var].astype(object).where(~absent, value)
        else:
            new[var] = pd.Series(np.where(absent, value, None), index=new.index, dtype=object)
    new = new[by_vars + [c for c in set_values_to if c not in by_vars] +
              [c for c in new.columns if c not in by_vars and c not in set_values_to]]
    if dataset is None:
        return new.reset_index(drop=True)
    return concat_rows([dataset, new])


def derive_basetype_records(dataset: pd.DataFrame, *, basetypes: Mapping[str, Filter]) -> pd.DataFrame:
    """Add BASETYPE, copying each record once per baseline definition it belongs to
    (admiral ``derive_basetype_records``).

    ``basetypes`` maps a BASETYPE value to a filter, e.g. ``{"LAST: AFTER LYING DOWN FOR 5
    MINUTES": "ATPTN == 815", "LAST": "ATPTN.isna()"}``: the records of each filter are
    stacked with that BASETYPE (in the order of ``basetypes``); a record that no filter
    selects is kept once with a missing BASETYPE.

    Parameters
    ----------
    dataset
        BDS records without BASETYPE (an error if it is there already).
    basetypes
        ``{BASETYPE value: filter}``: each filter (query string, callable, boolean Series)
        selects the records of that baseline definition.

    Returns
    -------
    pandas.DataFrame
        The copies, grouped by ``basetypes`` order, then the records no filter selects.

    Examples
    --------
    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"AVISIT": ["Screening", "Run-in", "Week 2"], "AVAL": [1.0, 2.0, 3.0]})
    >>> out = derive_basetype_records(adlb, basetypes={"SCREENING": "AVISIT in ['Screening', 'Week 2']",
    ...                                                "RUN-IN": "AVISIT in ['Run-in', 'Week 2']"})
    >>> out[["BASETYPE", "AVISIT"]].values.tolist()
    [['SCREENING', 'Screening'], ['SCREENING', 'Week 2'], ['RUN-IN', 'Run-in'], ['RUN-IN', 'Week 2']]
    """
    check_new_vars_absent(dataset, ["BASETYPE"])
    parts, used = [], np.zeros(len(dataset), dtype=bool)
    for name, cond in basetypes.items():
        mask = filter_mask(dataset, cond).to_numpy()
        used |= mask
        parts.append(dataset.loc[mask].assign(BASETYPE=name))
    rest = dataset.loc[~used]
    if len(rest):
        parts.append(rest.assign(BASETYPE=pd.Series(None, index=rest.index, dtype=object)))
    out = concat_rows(parts)
    out["BASETYPE"] = out["BASETYPE"].astype(object)
    return out


def derive_locf_records(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    by_vars: list[str],
    order: list[str],
    analysis_var: str = "AVAL",
    keep_vars: list[str] | None = None,
    imputation: str = "add",
) -> pd.DataFrame:
    """Add last-observation-carried-forward records (admiral ``derive_locf_records``).

    ``dataset_ref`` lists the expected records (e.g. every PARAMCD x AVISIT the SAP analyses);
    its columns that are not in ``by_vars`` identify a time point. For each by group (subject
    and parameter) each expected time point without a non-missing ``analysis_var`` gets a
    new record with ``DTYPE = "LOCF"``, the by variables, the time point and the last earlier
    value (by ``order``) of ``analysis_var`` and ``keep_vars``. A time point with nothing
    earlier to carry gets no record (there is no value to carry). With
    ``imputation="update"`` a record whose value is missing is replaced by its LOCF record
    (``"add"``, the default, keeps it beside the new one).

    Parameters
    ----------
    dataset
        BDS records with ``by_vars``, ``analysis_var``, the ``order`` columns and the columns
        of ``dataset_ref``.
    dataset_ref
        The expected records: a time point (e.g. AVISITN, AVISIT) per parameter.
    by_vars
        Columns of a group values are carried within, e.g. ``["STUDYID", "USUBJID", "PARAMCD"]``.
    order
        Columns that order the time points (``"-X"`` descending), e.g. ``["AVISITN"]``.
    analysis_var
        The value carried forward; default ``"AVAL"``.
    keep_vars
        More variables carried with it (e.g. ``["PARAM", "AVALU"]``); ``None``: none.
    imputation
        ``"add"`` (default) or ``"update"`` (see above).

    Returns
    -------
    pandas.DataFrame
        Sorted by ``by_vars`` and ``order``.

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"USUBJID": "1", "PARAMCD": "DIABP", "AVISITN": [0, 2, 4],
    ...                      "AVAL": [79.0, 80.0, None]})
    >>> ref = pd.DataFrame({"PARAMCD": "DIABP", "AVISITN": [0, 2, 4, 6]})
    >>> out = derive_locf_records(advs, dataset_ref=ref, by_vars=["USUBJID", "PARAMCD"], order=["AVISITN"])
    >>> out[["AVISITN", "AVAL", "DTYPE"]].astype(object).fillna("").values.tolist()
    [[0, 79.0, ''], [2, 80.0, ''], [4, '', ''], [4, 80.0, 'LOCF'], [6, 80.0, 'LOCF']]
    """
    if imputation not in ("add", "update"):
        raise DerivationError(f"imputation={imputation!r} is not allowed", value=imputation,
                              hint="use 'add' or 'update'")
    by_vars, keep_vars = as_list(by_vars), as_list(keep_vars)
    order_cols = parse_order_cols(order)
    ref_cols = list(dataset_ref.columns)
    assert_has_columns(dataset, by_vars + [analysis_var] + order_cols + keep_vars + ref_cols)
    id_cols = [c for c in ref_cols if c not in by_vars]
    subject_cols = [c for c in by_vars if c not in ref_cols]
    expected = dataset[subject_cols].drop_duplicates().merge(dataset_ref.drop_duplicates(), how="cross")
    observed = dataset.loc[~is_missing(dataset[analysis_var]).to_numpy()]
    seen = observed[by_vars + id_cols].drop_duplicates().assign(__seen__=True)
    todo = expected.merge(seen, on=by_vars + id_cols, how="left")
    todo = todo.loc[todo.pop("__seen__").isna()].drop_duplicates(by_vars + id_cols)
    missing_order = [c for c in order_cols if c not in todo.columns]
    if missing_order:
        raise DerivationError(f"order variable(s) {', '.join(missing_order)} are not in dataset_ref",
                              variable=missing_order[0], hint="the time point of an expected record must be orderable")
    carry = [analysis_var] + [v for v in keep_vars if v not in by_vars + id_cols]
    stack = pd.concat([observed[by_vars + id_cols + [c for c in order_cols if c not in by_vars + id_cols] + carry]
                       .assign(__new__=False),
                       todo.assign(__new__=True)], ignore_index=True, sort=False)
    # at equal order values the observed record comes first so that it is carried
    stack["__k__"] = stack["__new__"].astype(int)
    stack = sort_by_order(stack, by_vars + list(order) + ["__k__"])
    filled = stack.groupby(by_vars, dropna=False, sort=False)[carry].ffill()
    stack[carry] = filled
    new = stack.loc[stack["__new__"] & ~is_missing(stack[analysis_var]).to_numpy()]
    new = new.drop(columns=["__new__", "__k__"]).assign(DTYPE="LOCF")
    base = dataset
    if imputation == "update":
        base = dataset.loc[~is_missing(dataset[analysis_var]).to_numpy()]
    out = concat_rows([base, new.reset_index(drop=True)])
    return sort_by_order(out, by_vars + list(order)).reset_index(drop=True)


def derive_expected_records(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    by_vars: list[str] | None = None,
    set_values_to: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Add the expected records a by group lacks (admiral ``derive_expected_records``): e.g.
    a record for every scheduled visit of every parameter, so that a missed visit is a record
    (then imputed by :func:`derive_locf_records`, or counted as missing).

    ``dataset_ref`` lists the expected combinations (e.g. PARAMCD x AVISITN/AVISIT). Every by
    group of ``dataset`` (the ``by_vars`` not in ``dataset_ref``, e.g. USUBJID) is crossed with
    it; the combinations ``dataset`` has no record for are added, holding the by values, the
    ``dataset_ref`` values and ``set_values_to`` (other variables missing). Every column of
    ``dataset_ref`` is part of the match, so it should hold only the variables that define an
    expected record. The output is sorted (stably, missing values last) by the by variables
    and then the ``dataset_ref`` variables, as admiral does.

    Parameters
    ----------
    dataset
        The records (BDS, e.g. ADQS); it must have every ``by_vars`` and ``dataset_ref`` column.
    dataset_ref
        The expected combinations, one row each (a repeated row counts once): visit variables
        (parameter-independent) or parameter and visit variables (per parameter).
    by_vars
        Columns of a group that is expected to have every combination, e.g. ``["USUBJID",
        "PARAMCD"]``; those also in ``dataset_ref`` are taken from it. ``None`` (default): the
        combinations of ``dataset_ref`` once for the whole dataset.
    set_values_to
        ``{variable: value}`` of the added records, e.g. ``{"DTYPE": "DERIVED"}`` (constants,
        callables of the new records).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adqs = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "A", "AVISITN": [1, 2, 2],
    ...                      "AVAL": [10.0, 11.0, 12.0]})
    >>> visits = pd.DataFrame({"AVISITN": [1, 2]})
    >>> out = derive_expected_records(adqs, dataset_ref=visits, by_vars=["USUBJID", "PARAMCD"],
    ...     set_values_to={"DTYPE": "DERIVED"})
    >>> out.astype(object).fillna("").values.tolist()
    [['1', 'A', 1, 10.0, ''], ['1', 'A', 2, 11.0, ''], ['2', 'A', 1, '', 'DERIVED'], ['2', 'A', 2, 12.0, '']]
    """
    by_vars = as_list(by_vars)
    ref_vars = list(dataset_ref.columns)
    if not ref_vars:
        raise DerivationError("derive_expected_records: dataset_ref has no variables", dataset="dataset_ref",
                              hint="give the variables that define an expected record, e.g. AVISITN, AVISIT")
    assert_has_columns(dataset, by_vars + ref_vars)
    ids = [v for v in by_vars if v not in ref_vars]
    expected = dataset_ref.drop_duplicates()
    if ids:
        expected = dataset[ids].drop_duplicates().merge(expected, how="cross")
    keys = ids + ref_vars
    found = expected.merge(dataset[keys].drop_duplicates(), on=keys, how="left", indicator=True)["_merge"]
    new = set_values(expected.loc[(found == "left_only").to_numpy()].reset_index(drop=True),
                     dict(set_values_to or {}))
    out = concat_rows([dataset, new])
    return sort_by_order(out, keys).reset_index(drop=True)


__all__ = ["Summary", "derive_summary_records", "derive_expected_records", "derive_basetype_records", "derive_locf_records"]
