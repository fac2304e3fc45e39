"""First/last records per group: selection, flags, new records and extreme dates.

admiral models: ``filter_extreme``, ``derive_var_extreme_flag``, ``derive_var_worst_flag``
(highest or lowest value by parameter), ``derive_var_relative_flag`` (records before or after
the first/last record meeting a condition), ``derive_extreme_records``, ``date_source`` /
``derive_var_extreme_dt``.

A baseline flag is an extreme flag: the last non-missing pre-dose value per
subject and parameter::

    derive_var_extreme_flag(advs, by_vars=["USUBJID", "PARAMCD"], order=["ADT", "VISITNUM"],
                            new_var="ABLFL", mode="last",
                            filter="ADT <= TRTSDT & AVAL.notna()", false_value="")

Worst grade per subject and preferred term (ties: earliest, then lowest AESEQ), and
first occurrence of a preferred term (AOCCPFL), both among TEAEs:

>>> import pandas as pd
>>> adae = pd.DataFrame({
...     "USUBJID": ["1", "1", "1", "2"], "AEDECOD": ["RASH", "RASH", "NAUSEA", "RASH"],
...     "ATOXGRN": [1, 3, 2, 2], "AESEQ": [1, 2, 3, 1], "TRTEMFL": ["Y", "Y", "Y", "Y"],
...     "ASTDT": pd.to_datetime(["2021-01-05", "2021-01-09", "2021-01-02", "2021-02-01"])})
>>> adae = derive_var_extreme_flag(adae, by_vars=["USUBJID", "AEDECOD"],
...     order=["-ATOXGRN", "ASTDT", "AESEQ"], new_var="AOCCPWFL", mode="first",
...     filter="TRTEMFL == 'Y'")
>>> adae = derive_var_extreme_flag(adae, by_vars=["USUBJID", "AEDECOD"],
...     order=["ASTDT", "AESEQ"], new_var="AOCCPFL", mode="first", filter="TRTEMFL == 'Y'")
>>> adae[["AESEQ", "AOCCPWFL", "AOCCPFL"]].values.tolist()
[[1, '', 'Y'], [2, 'Y', ''], [3, 'Y', 'Y'], [1, 'Y', 'Y']]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, parse_order, set_values, sort_by_order
from ..findings import DerivationError
from ._common import (
    MODES,
    as_list,
    check_choice,
    check_new_vars_absent,
    concat_rows,
    flag_series,
    fmt_filter,
    fmt_values,
    resolve_value,
    signal_duplicates,
)

_POS = "__pos__"


def _extreme_positions(
    dataset: pd.DataFrame, by_vars: list[str], order: list[str] | None, mode: str, check_type: str, what: str,
    na_position: str = "last",
) -> np.ndarray:
    """Positions (0-based, into ``dataset``) of the first/last record per by group."""
    check_choice("mode", mode, MODES)
    assert_has_columns(dataset, by_vars)
    order_cols, _ = parse_order(order)
    signal_duplicates(
        dataset,
        by_vars + order_cols,
        check_type=check_type,
        dataset=None,
        what=what,
        hint="add variables to `order` so that the first/last record is unique",
    )
    work = dataset[by_vars + [c for c in order_cols if c not in by_vars]].copy()
    work[_POS] = np.arange(len(work))
    work = sort_by_order(work, order, na_position=na_position)
    grouped = work.groupby(by_vars, sort=False, dropna=False) if by_vars else None
    if grouped is None:
        picked = work.head(1) if mode == "first" else work.tail(1)
    else:
        picked = grouped.head(1) if mode == "first" else grouped.tail(1)
    return np.sort(picked[_POS].to_numpy())


def filter_extreme(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str],
    mode: str = "first",
    check_type: str = "warning",
    na_position: str = "last",
) -> pd.DataFrame:
    """Keep the first or last record (by ``order``) of each by group.

    Missing values sort last whichever the direction (admiral); ``na_position="sas"``
    makes missing the lowest value as in SAS (first ascending, last descending), ``"first"``
    puts them first (see :func:`derivations.core.sort_by_order`). Ties keep input order and
    are signalled according to ``check_type`` ("error", "warning", "none").
    The records are returned in input order.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AVAL": [3, 5, 1], "AVISITN": [1, 2, 1]})
    >>> filter_extreme(df, by_vars=["USUBJID"], order=["-AVAL"], mode="first")["AVAL"].tolist()
    [5, 1]
    """
    by_vars = as_list(by_vars)
    pos = _extreme_positions(dataset, by_vars, order, mode, check_type, "filter_extreme", na_position)
    return dataset.iloc[pos].copy()


def derive_var_extreme_flag(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str],
    new_var: str,
    mode: str = "first",
    true_value: Any = "Y",
    false_value: Any = "",
    filter: Filter = None,
    flag_all: bool = False,
    check_type: str = "warning",
    na_position: str = "last",
) -> pd.DataFrame:
    """Flag the first or last record (by ``order``) of each by group.

    Missing values of the ``order`` variables sort last (admiral); ``na_position="sas"``
    makes them the lowest value as SAS does, so that the flag equals a SAS ``FIRST.``/``LAST.``
    flag: e.g. ``mode="first"`` on ``order=["AVAL"]`` then flags a missing AVAL.

    Only records selected by ``filter`` take part; every other record gets
    ``false_value`` too (admiral leaves records outside ``restrict_derivation``
    missing: pass ``false_value=None`` for that). With ``flag_all=True`` every
    record tied with the extreme one on ``order`` is flagged; otherwise ties
    flag the first in input order and are signalled per ``check_type``.

    Parameters
    ----------
    dataset
        The records to flag; returned as a copy with ``new_var`` added.
    by_vars
        Columns that delimit a group, e.g. ``["STUDYID", "USUBJID", "PARAMCD"]``.
    order
        Columns that sort a group (``"-X"`` descending; missing values last).
    new_var
        The flag, e.g. ``"ABLFL"``, ``"AOCCPFL"``, ``"ANL01FL"``.
    mode
        ``"first"`` (default) or ``"last"`` record of each group.
    true_value, false_value
        Values of flagged and other records; defaults ``"Y"`` and ``""`` (``None``: missing,
        as admiral leaves records outside ``restrict_derivation``).
    filter
        Which records take part; the others get ``false_value``.
    flag_all
        ``True``: every record tied with the extreme one on ``order`` is flagged; ``False``
        (default): the first of them in input order, the tie signalled per ``check_type``.
    check_type
        Ties on ``by_vars + order``: ``"warning"`` (default), ``"error"`` or ``"none"``.
    na_position
        Where missing ``order`` values sort: ``"last"`` (default, admiral), ``"first"`` or
        ``"sas"`` (the lowest value, as SAS sorts); see :func:`derivations.core.sort_by_order`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"USUBJID": ["1", "1", "2"], "ADT": pd.to_datetime(
    ...     ["2021-01-02", "2021-01-05", "2021-01-03"]), "AVAL": [3, 5, None]})
    >>> derive_var_extreme_flag(df, by_vars=["USUBJID"], order=["ADT"], new_var="ABLFL",
    ...     mode="last", filter="AVAL.notna()")["ABLFL"].tolist()
    ['', 'Y', '']
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars + parse_order(order)[0])
    mask = filter_mask(dataset, filter).to_numpy()
    subset = dataset.loc[mask]
    pos_in_subset = _extreme_positions(
        subset, by_vars, order, mode, "none" if flag_all else check_type, f"derive_var_extreme_flag ({new_var})",
        na_position,
    )
    subset_pos = np.flatnonzero(mask)
    flagged = np.zeros(len(dataset), dtype=bool)
    flagged[subset_pos[pos_in_subset]] = True
    if flag_all and len(pos_in_subset):
        keys = by_vars + parse_order(order)[0]
        picked = subset.iloc[pos_in_subset][keys].drop_duplicates()
        picked["__hit__"] = True
        hits = subset[keys].merge(picked, on=keys, how="left")["__hit__"].notna().to_numpy()
        flagged[subset_pos[hits]] = True
    out = dataset.copy()
    out[new_var] = flag_series(flagged, out.index, true_value, false_value)
    return out


def derive_var_worst_flag(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str],
    new_var: str,
    param_var: str,
    analysis_var: str,
    worst_high: list[str],
    worst_low: list[str],
    true_value: Any = "Y",
    false_value: Any = "",
    filter: Filter = None,
    check_type: str = "warning",
    na_position: str = "last",
) -> pd.DataFrame:
    """Flag the worst record of each by group: the highest ``analysis_var`` for the parameters
    in ``worst_high``, the lowest for those in ``worst_low`` (admiral ``derive_var_worst_flag``).

    It is :func:`derive_var_extreme_flag` with ``order=["-AVAL", *order]`` (high) or
    ``["AVAL", *order]`` (low) and ``mode="first"``, done per direction: ``order`` breaks ties
    on the value (e.g. ``["-ADT"]``: the latest of two equal worst values). A missing value is
    never the worst unless every value of the group is missing (missing sorts last, admiral).
    Records of other parameters, and records outside ``filter``, get ``false_value``.

    Parameters
    ----------
    dataset
        The records to flag (BDS: ADVS, ADLB); returned as a copy with ``new_var`` added, rows
        in input order.
    by_vars
        Columns that delimit a group, e.g. ``["USUBJID", "PARAMCD", "AVISIT"]``.
    order
        Tie-breakers after the value (``"-X"`` descending); may be ``[]``.
    new_var
        The flag, e.g. ``"WORSTFL"``; must be new.
    param_var
        The parameter column, e.g. ``"PARAMCD"``.
    analysis_var
        The numeric value judged, e.g. ``"AVAL"``.
    worst_high, worst_low
        ``param_var`` values whose worst is the highest / the lowest value, e.g.
        ``["SYSBP", "DIABP"]`` and ``["RESP"]``; ``[]`` if none. A value in both lists, or one
        the dataset does not have, raises :class:`~derivations.findings.DerivationError`.
    true_value, false_value
        Values of the flagged and the other records; defaults ``"Y"`` and ``""`` (``None``:
        missing, as admiral).
    filter
        Which records take part (admiral ``restrict_derivation``), e.g. ``"AVISIT.notna()"``.
    check_type
        Records tied on ``by_vars``, ``analysis_var`` and ``order``: ``"warning"`` (default,
        the first in input order is flagged), ``"error"`` or ``"none"``.
    na_position
        Where missing ``order`` values sort: ``"last"`` (default, admiral), ``"first"`` or
        ``"sas"``; see :func:`derivations.core.sort_by_order`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["SYSBP"] * 3 + ["RESP"] * 2 + ["TEMP"],
    ...     "AVISIT": "WEEK 2", "ADT": pd.to_datetime(["2021-01-05", "2021-01-06", "2021-01-07",
    ...     "2021-01-05", "2021-01-06", "2021-01-05"]), "AVAL": [130.0, 142.0, 142.0, 18.0, 14.0, 37.0]})
    >>> derive_var_worst_flag(advs, by_vars=["USUBJID", "PARAMCD", "AVISIT"], order=["-ADT"],
    ...     new_var="WORSTFL", param_var="PARAMCD", analysis_var="AVAL", worst_high=["SYSBP"],
    ...     worst_low=["RESP"])["WORSTFL"].tolist()
    ['', '', 'Y', '', 'Y', '']
    """
    by_vars = as_list(by_vars)
    order = as_list(order)
    worst_high, worst_low = as_list(worst_high), as_list(worst_low)
    assert_has_columns(dataset, by_vars + parse_order(order)[0] + [param_var, analysis_var])
    check_new_vars_absent(dataset, [new_var])
    both = sorted(set(worst_high) & set(worst_low))
    if both:
        raise DerivationError(f"derive_var_worst_flag ({new_var}): parameter(s) {', '.join(both)} in both "
                              "worst_high and worst_low", variable=param_var, value=both[0],
                              hint="list each parameter in one direction only")
    present = set(dataset[param_var].dropna().unique())
    absent = [p for p in worst_high + worst_low if p not in present]
    if absent:
        raise DerivationError(f"derive_var_worst_flag ({new_var}): parameter(s) {', '.join(map(str, absent))} "
                              f"not in {param_var}", variable=param_var, value=absent[0],
                              hint="check the spelling, or drop the parameter from worst_high/worst_low")
    mask = filter_mask(dataset, filter).to_numpy()
    params = dataset[param_var]
    flagged = np.zeros(len(dataset), dtype=bool)
    for direction, chosen in ((analysis_var, worst_low), ("-" + analysis_var, worst_high)):
        selected = mask & params.isin(chosen).to_numpy()
        if not selected.any():
            continue
        pos = _extreme_positions(dataset.loc[selected], by_vars, [direction] + order, "first", check_type,
                                 f"derive_var_worst_flag ({new_var})", na_position)
        flagged[np.flatnonzero(selected)[pos]] = True
    out = dataset.copy()
    out[new_var] = flag_series(flagged, out.index, true_value, false_value)
    return out


RELATIVE_SELECTIONS = ("before", "after")


def derive_var_relative_flag(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str],
    new_var: str,
    condition: Filter,
    mode: str,
    selection: str,
    inclusive: bool,
    flag_no_ref_groups: bool = True,
    true_value: Any = "Y",
    false_value: Any = None,
    check_type: str = "warning",
    na_position: str = "last",
) -> pd.DataFrame:
    """Flag the records before or after the record where a condition holds, per by group
    (admiral ``derive_var_relative_flag``): e.g. every response up to the first progression, or
    every AE after the first COVID-19 AE.

    Within each group, sorted by ``order``, the reference record is the first or last
    (``mode``) record meeting ``condition``; the records before it or after it (``selection``)
    are flagged, the reference record too when ``inclusive``. A group without a reference
    record is flagged throughout when ``flag_no_ref_groups`` (nothing happened: every record
    is "before"), else not at all.

    Parameters
    ----------
    dataset
        The records to flag; returned as a copy with ``new_var`` added, rows in input order.
    by_vars
        Columns that delimit a group, e.g. ``["USUBJID"]``; ``[]``: one group.
    order
        Columns that sort a group (``"-X"`` descending), e.g. ``["AVISITN"]`` or
        ``["ASTDY", "AESEQ"]``.
    new_var
        The flag, e.g. ``"ANL02FL"``; must be new.
    condition
        What makes a record the reference: a query string (``"AVALC == 'PD'"``), a callable
        ``df -> bool`` or a boolean Series. Not a record filter: every record is flagged or not.
    mode
        ``"first"`` or ``"last"`` record meeting ``condition``.
    selection
        ``"before"`` or ``"after"`` the reference record.
    inclusive
        ``True``: the reference record is flagged too; ``False``: it is not.
    flag_no_ref_groups
        ``True`` (default): groups without a reference record are flagged throughout;
        ``False``: they are not flagged.
    true_value, false_value
        Values of the flagged and the other records; defaults ``"Y"`` and ``None`` (missing,
        as admiral).
    check_type
        Records tied on ``by_vars + order``: ``"warning"`` (default), ``"error"`` or ``"none"``;
        tied records keep their input order.
    na_position
        Where missing ``order`` values sort: ``"last"`` (default, admiral), ``"first"`` or
        ``"sas"``; see :func:`derivations.core.sort_by_order`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    Responses up to and including the first progression:

    >>> import pandas as pd
    >>> adrs = pd.DataFrame({"USUBJID": ["1", "1", "1", "2", "2"], "AVISITN": [1, 2, 3, 1, 2],
    ...                      "AVALC": ["SD", "PD", "PD", "PR", "CR"]})
    >>> derive_var_relative_flag(adrs, by_vars=["USUBJID"], order=["AVISITN"], new_var="ANL02FL",
    ...     condition="AVALC == 'PD'", mode="first", selection="before", inclusive=True
    ...     )["ANL02FL"].fillna("").tolist()
    ['Y', 'Y', '', 'Y', 'Y']
    """
    check_new_vars_absent(dataset, [new_var])
    flagged = _relative_mask(dataset, by_vars, order, condition, mode, selection, inclusive, flag_no_ref_groups,
                             check_type, f"derive_var_relative_flag ({new_var})", na_position)
    out = dataset.copy()
    out[new_var] = flag_series(flagged, out.index, true_value, false_value)
    return out


def filter_relative(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    order: list[str],
    condition: Filter,
    mode: str,
    selection: str,
    inclusive: bool,
    keep_no_ref_groups: bool = True,
    check_type: str = "warning",
    na_position: str = "last",
) -> pd.DataFrame:
    """Keep the records before or after the record where a condition holds, per by group
    (admiral ``filter_relative``): the records :func:`derive_var_relative_flag` flags.

    Parameters
    ----------
    dataset
        The records; the kept ones are returned in input order.
    by_vars, order, condition, mode, selection, inclusive, check_type, na_position
        As for :func:`derive_var_relative_flag`.
    keep_no_ref_groups
        ``True`` (default): groups without a reference record are kept whole; ``False``:
        dropped.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    The assessments after the first PD:

    >>> import pandas as pd
    >>> adrs = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "AVISITN": [1, 2, 3, 1],
    ...                      "AVALC": ["SD", "PD", "PR", "PR"]})
    >>> filter_relative(adrs, by_vars=["USUBJID"], order=["AVISITN"], condition="AVALC == 'PD'",
    ...     mode="first", selection="after", inclusive=False, keep_no_ref_groups=False)["AVISITN"].tolist()
    [3]
    """
    keep = _relative_mask(dataset, by_vars, order, condition, mode, selection, inclusive, keep_no_ref_groups,
                          check_type, "filter_relative", na_position)
    return dataset.loc[keep].copy()


def _relative_mask(dataset: pd.DataFrame, by_vars, order, condition: Filter, mode: str, selection: str,
                   inclusive: bool, no_ref: bool, check_type: str, what: str, na_position: str) -> np.ndarray:
    """True for the records before/after the first/last record meeting ``condition`` per group."""
    check_choice("mode", mode, MODES)
    check_choice("selection", selection, RELATIVE_SELECTIONS)
    by_vars = as_list(by_vars)
    order_cols = parse_order(order)[0]
    assert_has_columns(dataset, by_vars + order_cols)
    signal_duplicates(dataset, list(dict.fromkeys(by_vars + order_cols)), check_type=check_type, dataset=None,
                      what=what, hint="add variables to `order` so that the reference record is unique")
    met = filter_mask(dataset, condition).to_numpy()
    work = dataset[list(dict.fromkeys(by_vars + order_cols))].copy()
    work["__pos__"] = np.arange(len(work))
    work = sort_by_order(work, order, na_position=na_position)
    if by_vars:
        grouped = work.groupby(by_vars, sort=False, dropna=False)
        group, rank = grouped.ngroup().to_numpy(), grouped.cumcount().to_numpy()
    else:
        group, rank = np.zeros(len(work), dtype=np.int64), np.arange(len(work))
    pos = work["__pos__"].to_numpy()
    ref_rank = pd.Series(rank[met[pos]]).groupby(group[met[pos]])
    ref_rank = ref_rank.min() if mode == "first" else ref_rank.max()
    ref = pd.Series(group).map(ref_rank).to_numpy(dtype=float)
    has_ref = ~np.isnan(ref)
    if selection == "before":
        hit = rank <= ref if inclusive else rank < ref
    else:
        hit = rank >= ref if inclusive else rank > ref
    selected = np.zeros(len(dataset), dtype=bool)
    selected[pos] = np.where(has_ref, hit, bool(no_ref))
    return selected


def derive_extreme_records(
    dataset: pd.DataFrame | None = None,
    *,
    dataset_add: pd.DataFrame,
    by_vars: list[str],
    order: list[str],
    mode: str = "last",
    filter_add: Filter = None,
    set_values_to: Mapping[str, Any] | None = None,
    dataset_ref: pd.DataFrame | None = None,
    exist_flag: str | None = None,
    true_value: Any = "Y",
    false_value: Any = "N",
    keep_source_vars: list[str] | None = None,
    check_type: str = "warning",
    na_position: str = "last",
) -> pd.DataFrame:
    """Append one new record per by group: the first/last record of ``dataset_add``.

    ``na_position`` places missing ``order`` values (``"last"``, ``"first"``, ``"sas"``: see
    :func:`derivations.core.sort_by_order`).

    ``filter_add`` selects the candidate records, ``order``/``mode`` pick one per
    by group, ``set_values_to`` sets e.g. ``PARAMCD``. With ``dataset_ref``, by
    groups of ``dataset_ref`` without a candidate also get a record (by variables
    only); ``exist_flag`` then tells them apart (``true_value``/``false_value``).
    ``keep_source_vars`` limits the copied variables (by variables always kept).

    Parameters
    ----------
    dataset
        Records to append to (``None``: return the new records only).
    dataset_add
        Where the new records come from (may be ``dataset`` itself).
    by_vars
        Columns that delimit a group; one new record per group.
    order
        Columns that sort the candidates of a group (``"-X"`` descending).
    mode
        ``"last"`` (default) or ``"first"``.
    filter_add
        Which ``dataset_add`` records are candidates.
    set_values_to
        ``{column: value}`` on the new records, e.g. ``{"PARAMCD": "MDIS"}`` (constants,
        callables of the frame, ``Col(name)``).
    dataset_ref
        Optional reference (ADSL): its groups without a candidate get a record too (by
        variables only).
    exist_flag
        Optional new column telling records from a candidate from the others.
    true_value, false_value
        Its values; defaults ``"Y"`` (from a candidate) and ``"N"``.
    keep_source_vars
        The candidate's variables to copy (by variables always kept); ``None``: all.
    check_type
        Candidates tied on ``by_vars + order``: ``"warning"`` (default), ``"error"``, ``"none"``.
    na_position
        Where missing ``order`` values sort: ``"last"`` (default, admiral), ``"first"`` or
        ``"sas"`` (the lowest value, as SAS sorts); see :func:`derivations.core.sort_by_order`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "ALT",
    ...                      "AVAL": [30.0, 80.0, 25.0], "AVISITN": [1, 2, 1]})
    >>> out = derive_extreme_records(adlb, dataset_add=adlb, by_vars=["USUBJID", "PARAMCD"],
    ...     order=["AVAL", "AVISITN"], mode="last", filter_add="AVISITN > 0",
    ...     set_values_to={"AVISIT": "MAXIMUM", "DTYPE": "MAXIMUM"})
    >>> out.loc[out["DTYPE"] == "MAXIMUM", ["USUBJID", "AVAL"]].values.tolist()
    [['1', 80.0], ['2', 25.0]]
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset_add, by_vars, name="dataset_add")
    add = dataset_add.loc[filter_mask(dataset_add, filter_add).to_numpy()]
    pos = _extreme_positions(add, by_vars, order, mode, check_type, "derive_extreme_records", na_position)
    new = add.iloc[pos].copy()
    if keep_source_vars is not None:
        keep = list(dict.fromkeys(by_vars + as_list(keep_source_vars)))
        assert_has_columns(new, keep, name="dataset_add")
        new = new[keep]
    if exist_flag:
        new[exist_flag] = true_value
    if dataset_ref is not None:
        assert_has_columns(dataset_ref, by_vars, name="dataset_ref")
        ref = dataset_ref[by_vars].drop_duplicates()
        missing = ref.merge(new[by_vars].drop_duplicates(), on=by_vars, how="left", indicator=True)
        missing = missing.loc[missing["_merge"] == "left_only", by_vars]
        if exist_flag:
            missing = missing.assign(**{exist_flag: false_value})
        new = concat_rows([new, missing])
    new = set_values(new.reset_index(drop=True), set_values_to)
    if dataset is None:
        return new
    return concat_rows([dataset, new])


@dataclass(frozen=True)
class DateSource:
    """Where a candidate date comes from (admiral ``date_source``).

    ``date`` is a date/datetime column of the source dataset or a callable
    ``df -> Series``; ``filter`` selects records; ``set_values_to`` adds
    variables (constants, ``Col("EXSEQ")`` or callables) from the chosen source.

    >>> print(DateSource("ae", "ASTDT", filter="AESTDTC.notna()"))
    date ASTDT from ae where AESTDTC.notna()
    """

    dataset_name: str
    date: str | Callable[[pd.DataFrame], pd.Series]
    filter: Filter = None
    set_values_to: Mapping[str, Any] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        date = self.date if isinstance(self.date, str) else f"<{getattr(self.date, '__name__', 'function')}>"
        text = f"date {date} from {self.dataset_name}"
        if self.filter is not None:
            text += f" where {fmt_filter(self.filter)}"
        if self.set_values_to:
            text += f"; sets {fmt_values(self.set_values_to)}"
        return text


def source_dates(
    source: DateSource | Any,
    source_datasets: Mapping[str, pd.DataFrame],
    subject_keys: list[str],
    *,
    keep_time: bool = False,
) -> tuple[pd.DataFrame, pd.Series]:
    """The filtered records of a source and their date (date part unless ``keep_time``)."""
    if source.dataset_name not in source_datasets:
        raise DerivationError(
            f"source dataset {source.dataset_name!r} not provided",
            dataset=source.dataset_name,
            hint=f"add it to source_datasets (given: {', '.join(source_datasets) or 'none'})",
        )
    data = source_datasets[source.dataset_name]
    assert_has_columns(data, subject_keys, name=source.dataset_name)
    data = data.loc[filter_mask(data, source.filter).to_numpy()]
    if callable(source.date):
        raw = source.date(data)
        raw = pd.Series(raw, index=data.index) if not isinstance(raw, pd.Series) else raw
        name = getattr(source.date, "__name__", "date")
    else:
        assert_has_columns(data, [source.date], name=source.dataset_name)
        raw, name = data[source.date], source.date
    if not pd.api.types.is_datetime64_any_dtype(raw) and not raw.isna().all():
        raise DerivationError(
            "the date of a source must be a date or datetime variable",
            dataset=source.dataset_name,
            variable=name,
            value=str(raw.dtype),
            hint="derive it first (derive_vars_dt), or pass date=lambda d: "
            "compute_dtc_impute(d['AESTDTC'], highest_imputation='M')",
        )
    raw = pd.to_datetime(raw)
    return data, (raw if keep_time else raw.dt.normalize())


def derive_var_extreme_dt(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    sources: list[DateSource],
    source_datasets: Mapping[str, pd.DataFrame],
    mode: str = "last",
    subject_keys: tuple[str, ...] | list[str] = ("STUDYID", "USUBJID"),
    keep_time: bool = False,
) -> pd.DataFrame:
    """First/last date per subject over several sources (e.g. ``LSTALVDT``).

    Records with a missing date are ignored; subjects without any date get a
    missing value. Variables in ``set_values_to`` of the chosen source are added
    too (missing for the other subjects). On a tie between sources admiral's
    order applies: sorted by date then source position, ``mode`` picks the first
    or last (so for ``mode="last"`` the later-listed source wins the tie).

    Parameters
    ----------
    dataset
        One record per subject (e.g. ADSL); ``new_var`` must be new.
    new_var
        The new date, e.g. ``"LSTALVDT"``.
    sources
        :class:`DateSource` objects (printable): dataset name, date column or callable,
        filter, ``set_values_to``.
    source_datasets
        ``{name: frame}`` for the ``dataset_name`` of every source.
    mode
        ``"last"`` (default) or ``"first"`` date over all sources.
    subject_keys
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    keep_time
        ``True``: keep the time part of datetimes; ``False`` (default): dates.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "3"]})
    >>> ae = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "1", "2"],
    ...     "AENDT": pd.to_datetime(["2021-03-01", "2021-04-02", None])})
    >>> ds = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"],
    ...     "DSSTDT": pd.to_datetime(["2021-03-15", "2021-05-01"])})
    >>> out = derive_var_extreme_dt(adsl, new_var="LSTALVDT",
    ...     sources=[DateSource("ae", "AENDT"), DateSource("ds", "DSSTDT")],
    ...     source_datasets={"ae": ae, "ds": ds})
    >>> out["LSTALVDT"].dt.strftime("%Y-%m-%d").fillna("").tolist()
    ['2021-04-02', '2021-05-01', '']
    """
    check_choice("mode", mode, MODES)
    keys = list(subject_keys)
    assert_has_columns(dataset, keys)
    check_new_vars_absent(dataset, [new_var])
    extra_vars: list[str] = []
    for src in sources:
        extra_vars += [k for k in (src.set_values_to or {}) if k not in extra_vars]
    check_new_vars_absent(dataset, extra_vars)
    candidates = []
    for i, src in enumerate(sources):
        data, dates = source_dates(src, source_datasets, keys, keep_time=keep_time)
        cand = data[keys].copy()
        cand[new_var] = dates.to_numpy()
        cand["__src__"] = i
        for var, value in (src.set_values_to or {}).items():
            cand[var] = resolve_value(data, value)
        candidates.append(cand.loc[cand[new_var].notna()])
    allc = concat_rows(candidates)
    if len(allc):
        allc = allc.sort_values([new_var, "__src__"], kind="mergesort")
        grouped = allc.groupby(keys, sort=False, dropna=False)
        picked = grouped.head(1) if mode == "first" else grouped.tail(1)
        picked = picked.drop(columns="__src__")
    else:
        picked = pd.DataFrame(columns=keys + [new_var] + extra_vars)
        picked[new_var] = pd.to_datetime(picked[new_var])
    picked = picked.reindex(columns=keys + [new_var] + extra_vars)
    out = dataset.merge(picked, on=keys, how="left", validate="many_to_one")
    out.index = dataset.index
    return out


__all__ = [
    "filter_extreme",
    "derive_var_extreme_flag",
    "derive_var_worst_flag",
    "RELATIVE_SELECTIONS",
    "derive_var_relative_flag",
    "filter_relative",
    "derive_extreme_records",
    "DateSource",
    "derive_var_extreme_dt",
]
