"""Analysis results data (ARD): one row per statistic, in the spirit of CDISC ARS.

Every ``compute_ard_*`` function returns a long DataFrame with the columns
:data:`ARD_COLUMNS`:

``analysis_id``   the analysis (e.g. ``"T14.2.1-ORR"``)
``dataset``       the analysis dataset name (``"ADSL"``, ``"ADRS"``, ...)
``population``    the population filter text (``"SAFFL == 'Y'"``), "" for none
``filter``        the analysed records' filter text (``"TRTEMFL == 'Y'"``), "" for none
``group_var``     the row variable (``"AGEGR1"``, ``"AESOC"``, ``"PARAMCD"``)
``group_value``   its level (``"<65"``); ``"Missing"`` for missing values
``column_var``    the column (treatment) variable, "" when the table has one column
``column_value``  its level; ``"Total"`` for the all-subjects column
``parent_value``  for hierarchical rows (a PT's SOC), else ""
``grade_band``    for AE rows, the grade band label (``"Any grade"``, ``"Grade 3-4"``), else ""
``stat_name``     ``n``, ``N``, ``pct``, ``mean``, ``sd``, ``median``, ``q1``, ``q3``, ``min``, ``max``,
                  ``ci_lower``, ``ci_upper``, ``events``, ``censored``, ``km_median``,
                  ``km_median_ci_lower``, ``km_median_ci_upper``, ``rate_6m``, ``rate_6m_ci_lower`` ...
``stat_value``    float (percentages in %, 31.0 not 0.310)
``stat_label``    readable label of the statistic

Rows come in display order: levels follow the ``order`` (codelist order) given,
otherwise sorted; columns follow the column levels' order.

``population`` is a filter (query string or callable, as ``filter`` in
:mod:`derivations.core`) applied to the denominator dataset and to the analysed
records; ``filter`` further restricts the analysed records only (e.g.
``"TRTEMFL == 'Y'"`` for AEs).

Example
-------
>>> import pandas as pd
>>> adsl = pd.DataFrame({"USUBJID": list("ABCD"), "SAFFL": ["Y", "Y", "Y", "N"],
...                      "SEX": ["F", "M", "F", "F"]})
>>> ard = compute_ard_counts(adsl, analysis_id="T1", variables=["SEX"],
...                          population="SAFFL == 'Y'", order={"SEX": ["M", "F"]})
>>> [(g, s, round(v, 1)) for g, s, v in ard[["group_value", "stat_name", "stat_value"]].values[:3]]
[('M', 'n', 1.0), ('M', 'N', 3.0), ('M', 'pct', 33.3)]
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, is_missing
from ..findings import DerivationError
from ..vocabulary import renamed_arguments, subject_column
from .stats import (KmResult, KmSettings, compute_hazard_ratios, compute_km, compute_odds_ratio,
                    compute_proportion_ci, compute_risk_difference)

ARD_COLUMNS = [
    "analysis_id",
    "dataset",
    "population",
    "filter",
    "group_var",
    "group_value",
    "column_var",
    "column_value",
    "parent_value",
    "grade_band",
    "stat_name",
    "stat_value",
    "stat_label",
]

STAT_LABELS = {
    "n": "n",
    "N": "N",
    "pct": "%",
    "mean": "Mean",
    "sd": "SD",
    "median": "Median",
    "q1": "Q1",
    "q3": "Q3",
    "min": "Min",
    "max": "Max",
    "ci_lower": "CI lower limit",
    "ci_upper": "CI upper limit",
    "events": "Events",
    "censored": "Censored",
    "km_median": "Median (KM)",
    "km_median_ci_lower": "Median CI lower limit",
    "km_median_ci_upper": "Median CI upper limit",
}

TOTAL = "Total"
MISSING = "Missing"


def _population_text(population: Filter) -> str:
    if population is None:
        return ""
    if isinstance(population, str):
        return population
    return getattr(population, "__name__", "<callable>")


def _str_levels(series: pd.Series, missing_label: str) -> pd.Series:
    """Values as plain strings, missing -> ``missing_label`` (works for str/object/numeric/category)."""
    miss = is_missing(series)
    out = series.astype(object).where(~miss, missing_label).map(str)
    return out.astype(object)


def _ordered_levels(observed: Iterable[str], order: Sequence | None, missing_label: str) -> list[str]:
    observed = list(dict.fromkeys(observed))
    if order is not None:
        levels = [str(v) for v in order]
        extra = sorted(v for v in observed if v not in levels and v != missing_label)
        if extra:
            raise DerivationError(
                f"value(s) {extra} not in the display order (codelist) given",
                value=extra[0],
                hint="add the level to the order list, or correct the data",
            )
    else:
        levels = sorted(v for v in observed if v != missing_label)
    if missing_label in observed and missing_label not in levels:  # once, where the order puts it
        levels.append(missing_label)
    return levels


def _columns(frame: pd.DataFrame, by_vars: Sequence[str] | None, total: bool, column_order) -> tuple[str, pd.Series, list[str]]:
    """(column_var, per-record column value, ordered column levels)."""
    by_vars = list(by_vars or [])
    if len(by_vars) > 1:
        raise DerivationError(
            "only one column variable is supported",
            variable=", ".join(by_vars),
            hint="derive one combined variable (e.g. TRT01A) and pass it as by_vars=[...]",
        )
    if not by_vars:
        return "", pd.Series(TOTAL, index=frame.index, dtype=object), [TOTAL]
    var = by_vars[0]
    values = _str_levels(frame[var], MISSING)
    levels = _ordered_levels(values, column_order, MISSING)
    if total:
        levels = levels + [TOTAL]
    return var, values, levels


def _expand_total(frame: pd.DataFrame, colvals: pd.Series, total: bool, column_var: str) -> pd.DataFrame:
    """Frame with a ``_col`` column; records duplicated into the Total column when asked."""
    out = frame.assign(_col=colvals.to_numpy())
    if total and column_var:
        out = pd.concat([out, out.assign(_col=TOTAL)], ignore_index=True)
    return out


def _filter_text(*filters: Filter) -> str:
    """The record filters as one query text (``(a) and (b)`` when there are several)."""
    texts = [_population_text(f) for f in filters if f is not None and _population_text(f)]
    return texts[0] if len(texts) == 1 else " and ".join(f"({t})" for t in texts)


def _finish(rows: pd.DataFrame | Mapping[str, np.ndarray], *, analysis_id: str | np.ndarray, dataset_name: str,
            population: Filter, column_var: str, filter: Filter = None, response: Filter = None) -> pd.DataFrame:
    """The ARD frame of ``rows`` (a frame, or columns as arrays): :data:`ARD_COLUMNS`, text as objects."""
    n = len(rows["stat_name"])
    fixed = {"analysis_id": analysis_id, "dataset": dataset_name, "population": _population_text(population),
             "filter": _filter_text(filter, response), "column_var": column_var}
    data = {}
    for col in ARD_COLUMNS:
        if col in fixed:
            value = fixed[col]
            data[col] = np.asarray(value, dtype=object) if np.ndim(value) else np.full(n, value, dtype=object)
        elif col == "stat_value":
            continue
        elif col in rows:
            data[col] = np.asarray(pd.Series(rows[col]).astype(object), dtype=object)
        elif col == "stat_label":
            names = pd.Series(rows["stat_name"])
            data[col] = np.asarray(names.map(STAT_LABELS).fillna(names).astype(object), dtype=object)
        else:
            data[col] = np.full(n, "", dtype=object)
    out = pd.DataFrame(data, dtype=object)
    out.insert(ARD_COLUMNS.index("stat_value"), "stat_value", pd.Series(rows["stat_value"]).astype(float).to_numpy())
    return out


def _denominators(denominator: pd.DataFrame, population: Filter, by_vars, total, column_order,
                  subject_var: str, dataset_name: str) -> tuple[str, list[str], pd.Series]:
    assert_has_columns(denominator, [subject_var, *(by_vars or [])], name=dataset_name)
    den = denominator.loc[filter_mask(denominator, population)]
    column_var, colvals, levels = _columns(den, by_vars, total, column_order)
    den = _expand_total(den[[subject_var]], colvals, total, column_var)
    big_n = den.groupby("_col", sort=False)[subject_var].nunique().reindex(levels, fill_value=0)
    return column_var, levels, big_n


def _denominators_by_analysis(denominator: pd.DataFrame, population: Filter, by_vars, total, column_order,
                              subject_var: str, dataset_name: str, analysis_var: str | None,
                              analyses: Sequence[str]) -> tuple[str, list[str], np.ndarray]:
    """As :func:`_denominators`, N as an array (analysis, column): per analysis when the denominator
    has ``analysis_var``, otherwise the same N for every analysis."""
    if analysis_var is None or analysis_var not in denominator.columns:
        column_var, levels, big_n = _denominators(denominator, population, by_vars, total, column_order,
                                                  subject_var, dataset_name)
        return column_var, levels, np.tile(big_n.to_numpy(float), (len(analyses), 1))
    assert_has_columns(denominator, [subject_var, *(by_vars or [])], name=dataset_name)
    den = denominator.loc[filter_mask(denominator, population)]
    column_var, colvals, levels = _columns(den, by_vars, total, column_order)
    den = _expand_total(den[[subject_var]].assign(_a=_str_levels(den[analysis_var], MISSING).to_numpy()),
                        colvals, total, column_var)
    idx = pd.MultiIndex.from_product([list(analyses), levels])
    big_n = den.groupby(["_a", "_col"], sort=False)[subject_var].nunique().reindex(idx, fill_value=0)
    return column_var, levels, big_n.to_numpy(float).reshape(len(analyses), len(levels))


@renamed_arguments(subject_var="subject_keys")
def compute_ard_counts(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    variables: Sequence[str],
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    denominator: pd.DataFrame | None = None,
    order: Mapping[str, Sequence] | None = None,
    column_order: Sequence | None = None,
    total: bool = False,
    subject_keys: str | Sequence[str] = "USUBJID",
    dataset_name: str = "ADSL",
    analysis_var: str | None = None,
) -> pd.DataFrame:
    """Subjects (n), denominator (N) and percentage by level of each categorical variable.

    A subject counts once per level (distinct ``subject_keys``, by its last key). ``denominator``
    (default: ``dataset``) gives N per column after the ``population`` filter.
    Every level of ``order[var]`` gets a row, zero counts included; a missing value
    is counted under ``"Missing"``; a value outside the order raises.
    With ``analysis_var`` the counts are made once for many analyses (a laboratory table's
    parameters): each analysis gets the block of every variable, with the same rows and columns.

    Parameters
    ----------
    dataset
        The analysis dataset (ADSL, ADAE, ...).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``); with
        ``analysis_var``, the prefix of each analysis' identifier.
    variables
        Categorical variables, each a block of rows.
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"SAFFL == 'Y'"``); ``None``: all.
    by_vars
        The column (treatment) variable(s); ``None``: one column.
    denominator
        The dataset that gives N per column (ADSL); default ``dataset``.
    order
        ``{var: [levels]}``: the levels of a variable in display order (every level gets a
        row, zero counts included; a value outside the order raises); otherwise sorted.
        ``order[analysis_var]`` lists the analyses the same way.
    column_order
        The column levels in display order; ``None``: sorted.
    total
        ``True``: add a ``Total`` column over all columns; default ``False``.
    subject_keys
        The column(s) identifying a subject; subjects are counted by the last one; default ``"USUBJID"``.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADSL"``.
    analysis_var
        A variable whose values are separate analyses (e.g. ``"PARAMCD"``: one block per
        parameter): a record counts in the analysis of its value, identified as
        ``"<analysis_id>-<value>"``, and its N comes from the denominator's records of the same
        value (or from all of them when the denominator has no ``analysis_var``: ADSL). The
        analyses follow ``order[analysis_var]``, otherwise sorted values. The result equals one
        call per analysis (levels and columns taken over all analyses); ``None`` (default): one
        analysis, ``analysis_id``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": list("ABC"), "ARM": ["X", "X", "Y"], "AGEGR1": ["<65", ">=65", "<65"]})
    >>> ard = compute_ard_counts(adsl, analysis_id="AGE", variables=["AGEGR1"], by_vars=["ARM"],
    ...                          order={"AGEGR1": ["<65", ">=65"]}, total=True)
    >>> ard.query("stat_name == 'n'")[["group_value", "column_value", "stat_value"]].values.tolist()
    [['<65', 'X', 1.0], ['<65', 'Y', 1.0], ['<65', 'Total', 2.0], ['>=65', 'X', 1.0], ['>=65', 'Y', 0.0], ['>=65', 'Total', 1.0]]

    One analysis per parameter, each with the N of the subjects that have the parameter:

    >>> adlb = pd.DataFrame({"USUBJID": ["A", "B", "A", "C"], "PARAMCD": ["HGB", "HGB", "ALT", "ALT"],
    ...                      "HIGH": ["Y", "N", "N", "N"]})
    >>> ard = compute_ard_counts(adlb, analysis_id="T1", variables=["HIGH"], analysis_var="PARAMCD",
    ...                          order={"PARAMCD": ["HGB", "ALT"], "HIGH": ["Y", "N"]})
    >>> ard.query("stat_name == 'n'")[["analysis_id", "group_value", "stat_value"]].values.tolist()
    [['T1-HGB', 'Y', 1.0], ['T1-HGB', 'N', 1.0], ['T1-ALT', 'Y', 0.0], ['T1-ALT', 'N', 2.0]]
    """
    subject_var = subject_column(subject_keys)
    order = dict(order or {})
    denominator = dataset if denominator is None else denominator
    split = [analysis_var] if analysis_var else []
    assert_has_columns(dataset, [subject_var, *variables, *(by_vars or []), *split], name=dataset_name)
    recs = dataset.loc[filter_mask(dataset, population) & filter_mask(dataset, filter)]
    if analysis_var:
        analyses = _ordered_levels(_str_levels(recs[analysis_var], MISSING), order.get(analysis_var), MISSING)
        ids = np.array([f"{analysis_id}-{a}" for a in analyses], dtype=object)
    else:
        analyses, ids = [""], np.array([analysis_id], dtype=object)
    column_var, levels_col, big_n = _denominators_by_analysis(denominator, population, by_vars, total, column_order,
                                                              subject_var, dataset_name, analysis_var, analyses)
    _, colvals, _ = _columns(recs, by_vars, total, column_order)
    recs = recs[list(dict.fromkeys([subject_var, *variables, *split]))].assign(
        _a=_str_levels(recs[analysis_var], MISSING).to_numpy() if analysis_var else "")
    recs = _expand_total(recs, colvals, total, column_var)
    n_a, n_c = len(analyses), len(levels_col)
    parts: dict[str, list] = {"_a": [], "group_var": [], "group_value": [], "column_value": [], "stat_value": []}
    for var in variables:
        vals = _str_levels(recs[var], MISSING)
        levels = _ordered_levels(vals, order.get(var), MISSING)
        counts = (
            recs.assign(_lvl=vals.to_numpy())
            .groupby(["_a", "_lvl", "_col"], sort=False)[subject_var]
            .nunique()
            .to_dict()
        )
        cells = [(a, lvl, col) for a in range(n_a) for lvl in levels for col in levels_col]
        n = np.array([counts.get((analyses[a], lvl, col), 0) for a, lvl, col in cells], dtype=float)
        bign = np.broadcast_to(big_n[:, None, :], (n_a, len(levels), n_c)).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(bign > 0, 100.0 * n / bign, np.nan)
        # rows by analysis, level, column, then n, N, %
        parts["_a"].append(np.repeat([a for a, _, _ in cells], 3))
        parts["group_var"].append(np.full(3 * len(cells), var, dtype=object))
        parts["group_value"].append(np.repeat(np.array([lvl for _, lvl, _ in cells], dtype=object), 3))
        parts["column_value"].append(np.repeat(np.array([col for _, _, col in cells], dtype=object), 3))
        parts["stat_value"].append(np.column_stack([n, bign, pct]).ravel())
    analysis = np.concatenate(parts.pop("_a"))
    by_analysis = np.argsort(analysis, kind="stable")  # each analysis: its variables in turn
    rows = {k: np.concatenate(v)[by_analysis] for k, v in parts.items()}
    rows["stat_name"] = np.tile(np.array(["n", "N", "pct"], dtype=object), len(by_analysis) // 3)
    return _finish(rows, analysis_id=ids[analysis[by_analysis]], dataset_name=dataset_name, population=population,
                   column_var=column_var, filter=filter)


def _quantiles(values: pd.Series, q: float, method: str) -> float:
    v = values.dropna().to_numpy(float)
    return float(np.quantile(v, q, method=method)) if len(v) else float("nan")


@renamed_arguments(subject_var="subject_keys")
def compute_ard_continuous(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    variables: Sequence[str],
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    column_order: Sequence | None = None,
    total: bool = False,
    quantile_method: str = "averaged_inverted_cdf",
    dataset_name: str = "ADSL",
    subject_keys: str | Sequence[str] = "USUBJID",
) -> pd.DataFrame:
    """n, mean, sd, median, q1, q3, min, max of each numeric variable (missing values excluded).

    Quartiles use numpy ``quantile_method``; the default ``"averaged_inverted_cdf"`` is
    SAS's default definition (QNTLDEF=5); pass ``"linear"`` for R/pandas type 7.

    Parameters
    ----------
    dataset
        The analysis dataset (ADSL, ADLB, ...).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``).
    variables
        Numeric variables, each a block of rows.
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"PARAMCD == 'WEIGHT'"``); ``None``: all.
    by_vars
        The column (treatment) variable(s); ``None``: one column.
    column_order
        The column levels in display order; ``None``: sorted.
    total
        ``True``: add a ``Total`` column over all columns; default ``False``.
    quantile_method
        numpy's quantile method; default ``"averaged_inverted_cdf"`` (SAS QNTLDEF=5), ``"linear"``
        for R/pandas type 7.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADSL"``.
    subject_keys
        Accepted for a uniform call; values are summarised per record.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": list("ABCD"), "AGE": [50, 60, 70, 80]})
    >>> ard = compute_ard_continuous(adsl, analysis_id="AGE", variables=["AGE"])
    >>> dict(zip(ard.stat_name, ard.stat_value))["q1"], dict(zip(ard.stat_name, ard.stat_value))["sd"]
    (55.0, 12.909944487358056)
    """
    assert_has_columns(dataset, [*variables, *(by_vars or [])], name=dataset_name)
    recs = dataset.loc[filter_mask(dataset, population) & filter_mask(dataset, filter)]
    column_var, colvals, levels_col = _columns(recs, by_vars, total, column_order)
    recs = _expand_total(recs, colvals, total, column_var)
    names = ["n", "mean", "sd", "median", "q1", "q3", "min", "max"]
    frames = []
    for var in variables:
        if not pd.api.types.is_numeric_dtype(recs[var]):
            raise DerivationError("continuous summary needs a numeric variable", dataset=dataset_name,
                                  variable=var, hint="convert the variable to numbers (or use counts)")
        g = recs.groupby("_col", sort=False)[var]
        table = pd.DataFrame({
            "n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1), "median": g.median(),
            "q1": g.agg(_quantiles, 0.25, quantile_method),
            "q3": g.agg(_quantiles, 0.75, quantile_method),
            "min": g.min(), "max": g.max(),
        }).reindex(levels_col)
        table["n"] = table["n"].fillna(0)
        long = (table[names].astype(float).rename_axis("column_value").reset_index()
                .melt(id_vars="column_value", var_name="stat_name", value_name="stat_value"))
        long["_colk"] = long["column_value"].map({l: i for i, l in enumerate(levels_col)})
        long["_k"] = long["stat_name"].map({s: i for i, s in enumerate(names)})
        long = long.sort_values(["_colk", "_k"], kind="mergesort").drop(columns=["_colk", "_k"])
        frames.append(long.assign(group_var=var, group_value=var))
    return _finish(pd.concat(frames, ignore_index=True), analysis_id=analysis_id,
                   dataset_name=dataset_name, population=population, column_var=column_var, filter=filter)


@renamed_arguments(subject_var="subject_keys")
def compute_ard_proportion_ci(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    response: Filter,
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    denominator: pd.DataFrame | None = None,
    column_order: Sequence | None = None,
    total: bool = False,
    alpha: float = 0.05,
    method: str = "beta",
    group_var: str = "RESPONSE",
    group_value: str = "Responders",
    subject_keys: str | Sequence[str] = "USUBJID",
    dataset_name: str = "ADRS",
) -> pd.DataFrame:
    """Responders (n), N, pct and the exact Clopper-Pearson CI (``method="beta"``), in %.

    ``response`` selects the records that make a subject a responder (e.g.
    ``"AVALC in ['CR', 'PR']"`` on the BOR records picked by ``filter``); N counts
    subjects of ``denominator`` (default ``dataset``) in ``population``.

    Parameters
    ----------
    dataset
        The analysis dataset (e.g. ADRS).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``).
    response
        What makes a subject a responder: a filter on the analysed records (e.g.
        ``"AVALC in ['CR', 'PR']"``).
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"PARAMCD == 'BOR'"``); ``None``: all.
    by_vars
        The column (treatment) variable(s); ``None``: one column.
    denominator
        The dataset that gives N per column (ADSL); default ``dataset``.
    column_order
        The column levels in display order; ``None``: sorted.
    total
        ``True``: add a ``Total`` column over all columns; default ``False``.
    alpha
        1 - confidence level; default 0.05.
    method
        ``"beta"`` (default: exact Clopper-Pearson) or another statsmodels ``proportion_confint`` method.
    group_var, group_value
        The row label; defaults ``"RESPONSE"`` and ``"Responders"``.
    subject_keys
        The column(s) identifying a subject; subjects are counted by the last one; default ``"USUBJID"``.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADRS"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adrs = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(29)],
    ...                      "AVALC": ["PR"] * 9 + ["SD"] * 16 + ["PD"] * 4})
    >>> ard = compute_ard_proportion_ci(adrs, analysis_id="ORR", response="AVALC in ['CR', 'PR']")
    >>> [round(v, 1) for v in ard.stat_value]
    [9.0, 29.0, 31.0, 15.3, 50.8]
    """
    subject_var = subject_column(subject_keys)
    denominator = dataset if denominator is None else denominator
    assert_has_columns(dataset, [subject_var, *(by_vars or [])], name=dataset_name)
    column_var, levels_col, big_n = _denominators(denominator, population, by_vars, total,
                                                  column_order, subject_var, dataset_name)
    in_pop = set(denominator.loc[filter_mask(denominator, population), subject_var])
    recs = dataset.loc[filter_mask(dataset, filter) & filter_mask(dataset, response)
                       & dataset[subject_var].isin(in_pop)]
    _, colvals, _ = _columns(recs, by_vars, total, column_order)
    recs = _expand_total(recs, colvals, total, column_var)
    n = recs.groupby("_col", sort=False)[subject_var].nunique().reindex(levels_col, fill_value=0)
    rows = []
    for col in levels_col:  # one pass per table column, not per record
        x, tot = int(n[col]), int(big_n[col])
        p, lo, hi = compute_proportion_ci(x, tot, alpha=alpha, method=method) if tot else (np.nan,) * 3
        conf = f"{100 * (1 - alpha):g}%"
        for name, value, label in [("n", x, "n"), ("N", tot, "N"), ("pct", 100 * p, "%"),
                                   ("ci_lower", 100 * lo, f"{conf} CI lower limit ({method})"),
                                   ("ci_upper", 100 * hi, f"{conf} CI upper limit ({method})")]:
            rows.append({"column_value": col, "stat_name": name, "stat_value": value, "stat_label": label})
    out = pd.DataFrame(rows).assign(group_var=group_var, group_value=group_value)
    return _finish(out, analysis_id=analysis_id, dataset_name=dataset_name, population=population,
                   column_var=column_var, filter=filter, response=response)


@renamed_arguments(subject_var="subject_keys")
def compute_ard_any_event(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    denominator: pd.DataFrame,
    categories: Mapping[str, Filter],
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    column_order: Sequence | None = None,
    total: bool = False,
    subject_keys: str | Sequence[str] = "USUBJID",
    dataset_name: str = "ADAE",
) -> pd.DataFrame:
    """Subjects with at least one record of each category (an AE overview): n, N, pct per column.

    ``categories`` maps a row label to a record filter (``{"Serious TEAE": "AESER == 'Y'"}``); the
    records are those of ``filter`` whose subject is in ``population`` of ``denominator`` (which
    gives N per column); a record's column is its own ``by_vars`` value. A category no subject has gives n = 0. Each category is
    an analysis of its own, ``<analysis_id>-<k>`` (k = 1, 2, ... in the order given), whose
    ``filter`` column holds its whole record filter.

    Parameters
    ----------
    dataset
        The event dataset (ADAE).
    analysis_id
        The analysis identifier; each category is the analysis ``<analysis_id>-<k>``.
    denominator
        The dataset that gives N per column (ADSL).
    categories
        ``{row label: record filter}`` (``None``: any record), in display order.
    population
        The population (applied to ``denominator``; events count only for its subjects).
    filter
        Restricts the analysed records (e.g. ``"TRTEMFL == 'Y'"``).
    by_vars
        The column (treatment) variable(s); ``None``: one column.
    column_order
        The column levels in display order; ``None``: sorted.
    total
        ``True``: add a ``Total`` column; default ``False``.
    subject_keys
        The column(s) identifying a subject; counted by the last one; default ``"USUBJID"``.
    dataset_name
        The dataset's name in the ``dataset`` column and messages; default ``"ADAE"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": list("ABCD"), "ARM": ["X", "X", "Y", "Y"]})
    >>> adae = pd.DataFrame({"USUBJID": ["A", "A", "C"], "ARM": ["X", "X", "Y"], "AESER": ["N", "Y", "N"]})
    >>> ard = compute_ard_any_event(adae, analysis_id="OV", denominator=adsl, by_vars=["ARM"], total=True,
    ...                             categories={"Any AE": None, "Serious AE": "AESER == 'Y'"})
    >>> ard.query("stat_name == 'n'")[["group_value", "column_value", "stat_value"]].values.tolist()
    [['Any AE', 'X', 1.0], ['Any AE', 'Y', 1.0], ['Any AE', 'Total', 2.0], ['Serious AE', 'X', 1.0], ['Serious AE', 'Y', 0.0], ['Serious AE', 'Total', 1.0]]
    """
    subject_var = subject_column(subject_keys)
    assert_has_columns(dataset, [subject_var, *(by_vars or [])], name=dataset_name)
    column_var, levels_col, big_n = _denominators(denominator, population, by_vars, total, column_order,
                                                  subject_var, "denominator")
    in_pop = set(denominator.loc[filter_mask(denominator, population), subject_var])
    recs = dataset.loc[filter_mask(dataset, filter) & dataset[subject_var].isin(in_pop)]
    _, colvals, _ = _columns(recs, by_vars, total, column_order)
    recs = _expand_total(recs, colvals, total, column_var)
    frames = []
    for k, (label, condition) in enumerate(categories.items(), start=1):  # one pass per category row
        hit = recs.loc[filter_mask(recs, condition)]
        n = hit.groupby("_col", sort=False)[subject_var].nunique().reindex(levels_col, fill_value=0).astype(float)
        bign = big_n.reindex(levels_col).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(bign > 0, 100.0 * n.to_numpy() / bign.to_numpy(), np.nan)
        rows = pd.DataFrame({"column_value": np.repeat(levels_col, 3),
                             "stat_name": ["n", "N", "pct"] * len(levels_col),
                             "stat_value": np.column_stack([n.to_numpy(), bign.to_numpy(), pct]).ravel()})
        out = _finish(rows.assign(group_var="CATEGORY", group_value=label), analysis_id=f"{analysis_id}-{k}",
                      dataset_name=dataset_name, population=population, column_var=column_var, filter=filter,
                      response=condition)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


def compute_km_by(
    dataset: pd.DataFrame,
    *,
    settings: KmSettings | None = None,
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    column_order: Sequence | None = None,
    time_var: str = "AVAL",
    cnsr_var: str = "CNSR",
    dataset_name: str = "ADTTE",
) -> dict[str, KmResult]:
    """One :class:`KmResult` per level of ``by_vars`` (``{"Total": ...}`` without by_vars).

    ``CNSR`` follows ADaM: 0 = event, 1 (or any positive code) = censored.

    Parameters
    ----------
    dataset
        The time-to-event dataset (ADTTE).
    settings
        A :class:`~derivations.tlf.stats.KmSettings`; ``None``: defaults.
    population
        The population filter; ``None``: everybody.
    filter
        The records analysed (e.g. ``"PARAMCD == 'PFS'"``).
    by_vars
        The column (treatment) variable(s); ``None``: one fit, key ``"Total"``.
    column_order
        The levels in order; ``None``: sorted.
    time_var
        The time column; default ``"AVAL"``.
    cnsr_var
        The censoring column (0 = event); default ``"CNSR"``.
    dataset_name
        The dataset's name in messages; default ``"ADTTE"``.

    Returns
    -------
    dict of str to KmResult

    Examples
    --------
    >>> import pandas as pd
    >>> from derivations.tlf.stats import KmSettings
    >>> adtte = pd.DataFrame({"ARM": ["A", "A", "B", "B"], "AVAL": [30.0, 60.0, 90.0, 120.0], "CNSR": [0, 0, 0, 1]})
    >>> fits = compute_km_by(adtte, settings=KmSettings(days_per_month=30), by_vars=["ARM"])
    >>> sorted(fits), float(fits["A"].median), int(fits["B"].events)
    (['A', 'B'], 1.5, 1)

    """
    settings = settings or KmSettings()
    assert_has_columns(dataset, [time_var, cnsr_var, *(by_vars or [])], name=dataset_name)
    recs = dataset.loc[filter_mask(dataset, population) & filter_mask(dataset, filter)]
    bad = recs[time_var].isna() | recs[cnsr_var].isna()
    if bad.any():
        raise DerivationError(
            f"{int(bad.sum())} record(s) without {time_var} or {cnsr_var}",
            dataset=dataset_name, variable=time_var,
            usubjid=str(recs.loc[bad, "USUBJID"].iloc[0]) if "USUBJID" in recs else None,
            hint="every analysed time-to-event record needs AVAL and CNSR",
        )
    _, colvals, levels = _columns(recs, by_vars, False, column_order)
    out = {}
    for lvl in levels:  # one fit per group
        sub = recs.loc[(colvals == lvl).to_numpy()]
        out[lvl] = compute_km(sub[time_var].to_numpy(float),
                              (sub[cnsr_var].to_numpy(float) == 0).astype(int), settings)
    return out


def compute_ard_km(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    settings: KmSettings | None = None,
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    column_order: Sequence | None = None,
    rate_times: Sequence[float] = (),
    time_var: str = "AVAL",
    cnsr_var: str = "CNSR",
    group_var: str = "PARAMCD",
    group_value: str | None = None,
    dataset_name: str = "ADTTE",
) -> pd.DataFrame:
    """KM summary per column group: N, events, censored, median with CI, rates at ``rate_times``.

    ``rate_times`` are in ``settings.output_unit``; a rate at 6 months is
    ``rate_6m`` with ``rate_6m_ci_lower``/``rate_6m_ci_upper`` (in %). Pick one
    parameter with ``filter`` (``"PARAMCD == 'PFS'"``); ``group_value`` labels it.

    Parameters
    ----------
    dataset
        The analysis dataset (ADTTE).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``).
    settings
        A :class:`~derivations.tlf.stats.KmSettings` (units, month factor, CI method, level); ``None``: defaults.
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"PARAMCD == 'PFS'"``); ``None``: all.
    by_vars
        The column (treatment) variable(s); ``None``: one column.
    column_order
        The column levels in display order; ``None``: sorted.
    rate_times
        Times (in ``settings.output_unit``) at which to report the survival rate; default none.
    time_var
        The time column; default ``"AVAL"``.
    cnsr_var
        The censoring column (ADaM: 0 = event, positive = censored); default ``"CNSR"``.
    group_var, group_value
        The row label; defaults ``"PARAMCD"`` and the parameter code.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADTTE"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adtte = pd.DataFrame({"USUBJID": list("ABCD"), "PARAMCD": "OS",
    ...                       "AVAL": [30, 60, 90, 120], "CNSR": [0, 0, 0, 1]})
    >>> ard = compute_ard_km(adtte, analysis_id="OS", settings=KmSettings(days_per_month=30))
    >>> dict(zip(ard.stat_name, ard.stat_value))["km_median"]
    2.5
    """
    settings = settings or KmSettings()
    fits = compute_km_by(dataset, settings=settings, population=population, filter=filter,
                         by_vars=by_vars, column_order=column_order, time_var=time_var,
                         cnsr_var=cnsr_var, dataset_name=dataset_name)
    unit = settings.unit_suffix
    conf = f"{100 * (1 - settings.alpha):g}%"
    rows = []
    for col, km in fits.items():
        stats = [("N", km.n, "N"), ("events", km.events, "Events"), ("censored", km.censored, "Censored"),
                 ("km_median", km.median, f"Median ({settings.output_unit})"),
                 ("km_median_ci_lower", km.median_ci[0], f"Median {conf} CI lower ({settings.ci_method})"),
                 ("km_median_ci_upper", km.median_ci[1], f"Median {conf} CI upper ({settings.ci_method})")]
        for t in rate_times:
            s, lo, hi = km.rate(t)
            key = f"rate_{t:g}{unit}"
            stats += [(key, 100 * s, f"Event-free rate at {t:g} {settings.output_unit} (%)"),
                      (f"{key}_ci_lower", 100 * lo, f"{conf} CI lower ({settings.rate_transform})"),
                      (f"{key}_ci_upper", 100 * hi, f"{conf} CI upper ({settings.rate_transform})")]
        rows += [{"column_value": col, "stat_name": a, "stat_value": float(b), "stat_label": c}
                 for a, b, c in stats]
    if group_value is None:
        if group_var in dataset.columns:
            vals = dataset.loc[filter_mask(dataset, population) & filter_mask(dataset, filter), group_var]
            uniq = list(dict.fromkeys(vals.astype(str)))
            group_value = uniq[0] if len(uniq) == 1 else analysis_id
        else:
            group_value = analysis_id
    column_var = (list(by_vars)[0] if by_vars else "")
    out = pd.DataFrame(rows).assign(group_var=group_var, group_value=group_value)
    return _finish(out, analysis_id=analysis_id, dataset_name=dataset_name, population=population,
                   column_var=column_var, filter=filter)


#: default AE grade bands: label -> grades counted (None = any grade)
GRADE_BANDS = {"Any grade": None, "Grade 3-4": (3, 4), "Grade 5": (5,)}


@renamed_arguments(subject_var="subject_keys")
def compute_ard_occurrences(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    denominator: pd.DataFrame,
    population: Filter = None,
    filter: Filter = None,
    by_vars: Sequence[str] | None = None,
    column_order: Sequence | None = None,
    total: bool = False,
    term_vars: Sequence[str] = ("AESOC", "AEDECOD"),
    grade_var: str | None = "AETOXGR",
    grade_bands: Mapping[str, Sequence | None] | None = None,
    any_label: str = "Subjects with at least one event",
    by_max_grade: bool = False,
    subject_keys: str | Sequence[str] = "USUBJID",
    dataset_name: str = "ADAE",
) -> pd.DataFrame:
    """Subjects with at least one event, overall, by SOC and by PT, per grade band (n, N, pct).

    A subject counts once per term and band (the distinct subjects with an event of
    that term and a grade in the band). With ``by_max_grade`` a subject counts in
    the band of its worst grade for the term (for the SOC, for any event) only: a
    subject with a grade 3 and a grade 5 event of a PT is in "Grade 5", not in
    "Grade 3-4" (the usual "maximum grade" tables). PT rows carry their SOC in ``parent_value``.
    Rows: overall (``group_var="ANY"``), then each SOC followed by its PTs, SOCs and
    PTs by descending subject count (all columns, any grade) then alphabetically.
    ``population`` applies to ``denominator`` (N) and, through the subject list, to
    the events; ``filter`` selects events (``"TRTEMFL == 'Y'"``).

    Parameters
    ----------
    dataset
        The analysis dataset (ADAE).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``).
    denominator
        The dataset that gives N per column (ADSL).
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"TRTEMFL == 'Y'"``); ``None``: all.
    by_vars
        The column (treatment) variable(s); ``None``: one column.
    column_order
        The column levels in display order; ``None``: sorted.
    total
        ``True``: add a ``Total`` column over all columns; default ``False``.
    term_vars
        The hierarchy, highest first; default ``("AESOC", "AEDECOD")``.
    grade_var
        The grade variable for the bands; default ``"AETOXGR"``; ``None``: any grade only.
    grade_bands
        ``{label: grades}`` (``None``: any grade); default :data:`GRADE_BANDS` (any grade, grade 3-4, grade 5).
    by_max_grade
        ``True``: a subject counts in the band of its worst grade of the term only (a
        "by maximum grade" table); ``False`` (default): in every band it has an event in.
    any_label
        The label of the overall row; default ``"Subjects with at least one event"``.
    subject_keys
        The column(s) identifying a subject; subjects are counted by the last one; default ``"USUBJID"``.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADAE"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"]})
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "AESOC": ["Blood", "Blood", "Blood"],
    ...                      "AEDECOD": ["Anaemia", "Anaemia", "Lymphopenia"], "AETOXGR": ["1", "3", "2"]})
    >>> ard = compute_ard_occurrences(adae, analysis_id="AE", denominator=adsl,
    ...                               grade_bands={"Any grade": None, "Grade 3-4": (3, 4)})
    >>> ard.query("stat_name == 'n'")[["group_value", "grade_band", "stat_value"]].values.tolist()[:4]
    [['Subjects with at least one event', 'Any grade', 2.0], ['Subjects with at least one event', 'Grade 3-4', 1.0], ['Blood', 'Any grade', 2.0], ['Blood', 'Grade 3-4', 1.0]]
    """
    subject_var = subject_column(subject_keys)
    bands = dict(GRADE_BANDS if grade_bands is None else grade_bands)
    term_vars = list(term_vars)
    if not 1 <= len(term_vars) <= 2:
        raise DerivationError("term_vars takes one or two variables (SOC, PT)", value=term_vars)
    need = [subject_var, *term_vars, *(by_vars or [])] + ([grade_var] if grade_var else [])
    assert_has_columns(dataset, need, name=dataset_name)
    column_var, levels_col, big_n = _denominators(denominator, population, by_vars, total,
                                                  column_order, subject_var, dataset_name)
    in_pop = set(denominator.loc[filter_mask(denominator, population), subject_var])
    recs = dataset.loc[filter_mask(dataset, filter) & dataset[subject_var].isin(in_pop)]
    _, colvals, _ = _columns(recs, by_vars, total, column_order)
    recs = _expand_total(recs, colvals, total, column_var)
    for var in term_vars:
        recs[var] = _str_levels(recs[var], "Uncoded").to_numpy()
    grades = None
    if grade_var:
        grades = pd.to_numeric(recs[grade_var].astype(object).where(~is_missing(recs[grade_var])),
                               errors="coerce")
        bad = grades.isna() & ~is_missing(recs[grade_var])
        if bad.any():
            raise DerivationError("grade is not a number", dataset=dataset_name, variable=grade_var,
                                  value=recs.loc[bad, grade_var].iloc[0],
                                  hint="map grades to 1-5 before the AE summary")
    frames = []
    if by_max_grade and grades is None:
        raise DerivationError("by_max_grade needs grade_var", hint="pass grade_var='AETOXGR'")
    levels_spec = [("ANY", None, [])] + [(term_vars[0], None, [term_vars[0]])]
    if len(term_vars) == 2:
        levels_spec.append((term_vars[1], term_vars[0], [term_vars[0], term_vars[1]]))
    if grades is not None:
        recs = recs.assign(_grade=grades.to_numpy())
    for k, (label, allowed) in enumerate(bands.items()):
        if allowed is not None and grades is None:
            raise DerivationError("grade bands need grade_var", hint="pass grade_var='AETOXGR'")
        for gvar, parent, keys in levels_spec:
            if allowed is None:
                sel = recs
            elif by_max_grade:  # the subject's worst grade of the term (of any term for ANY) is in the band
                worst = recs.groupby(keys + ["_col", subject_var], sort=False)["_grade"].transform("max")
                sel = recs.loc[worst.isin([float(g) for g in allowed]).to_numpy()]
            else:  # at least one event of the term with a grade in the band
                sel = recs.loc[recs["_grade"].isin([float(g) for g in allowed]).to_numpy()]
            if keys:
                cnt = sel.groupby(keys + ["_col"], sort=False)[subject_var].nunique().rename("n").reset_index()
            else:
                cnt = sel.groupby("_col", sort=False)[subject_var].nunique().rename("n").reset_index()
                cnt[gvar] = any_label
            cnt = cnt.rename(columns={keys[-1] if keys else gvar: "group_value"})
            cnt["parent_value"] = cnt[parent] if parent else ""
            cnt["group_var"] = gvar
            frames.append(cnt[["group_var", "group_value", "parent_value", "_col", "n"]].assign(grade_band=label, _band=k))
    counts = pd.concat(frames, ignore_index=True)
    # complete grid: every term row x every column x every band (zeros included)
    terms = counts[["group_var", "group_value", "parent_value"]].drop_duplicates()
    grid = terms.merge(pd.DataFrame({"_col": levels_col}), how="cross").merge(
        pd.DataFrame({"grade_band": list(bands), "_band": range(len(bands))}), how="cross")
    full = grid.merge(counts, on=["group_var", "group_value", "parent_value", "_col", "grade_band", "_band"],
                      how="left")
    full["n"] = full["n"].fillna(0).astype(float)
    full["N"] = full["_col"].map(big_n).astype(float)
    full["pct"] = np.where(full["N"] > 0, 100.0 * full["n"] / full["N"].where(full["N"] > 0), np.nan)
    # display order: ANY, then SOC by frequency, each followed by its PTs by frequency
    anyband = list(bands)[0]
    freq = (full.loc[full["grade_band"] == anyband]
            .groupby(["group_var", "group_value", "parent_value"], sort=False)["n"].sum().rename("_freq").reset_index())
    full = full.merge(freq, on=["group_var", "group_value", "parent_value"], how="left")
    soc_var = term_vars[0]
    soc_freq = freq.loc[freq["group_var"] == soc_var].set_index("group_value")["_freq"]
    full["_soc"] = np.where(full["group_var"] == soc_var, full["group_value"], full["parent_value"])
    full["_socfreq"] = full["_soc"].map(soc_freq).fillna(np.inf)
    full.loc[full["group_var"] == "ANY", "_socfreq"] = np.inf
    full["_level"] = full["group_var"].map({"ANY": 0, soc_var: 1}).fillna(2)
    full["_termfreq"] = np.where(full["_level"] == 2, full["_freq"], np.inf)
    full["_colk"] = full["_col"].map({l: i for i, l in enumerate(levels_col)})
    full["_any"] = (full["group_var"] != "ANY").astype(int)
    full = full.sort_values(
        ["_any", "_socfreq", "_soc", "_level", "_termfreq", "group_value", "_colk", "_band"],
        ascending=[True, False, True, True, False, True, True, True], kind="mergesort")
    long = full.melt(id_vars=["group_var", "group_value", "parent_value", "_col", "grade_band", "_band"],
                     value_vars=["n", "N", "pct"], var_name="stat_name", value_name="stat_value",
                     ignore_index=False)
    long["_pos"] = long.index
    long["_k"] = long["stat_name"].map({"n": 0, "N": 1, "pct": 2})
    order_pos = {ix: i for i, ix in enumerate(full.index)}
    long["_pos"] = long["_pos"].map(order_pos)
    long = long.sort_values(["_pos", "_k"], kind="mergesort").rename(columns={"_col": "column_value"})
    long = long.drop(columns=["_band", "_pos", "_k"])
    return _finish(long, analysis_id=analysis_id, dataset_name=dataset_name, population=population,
                   column_var=column_var, filter=filter)


def compute_ard_hazard_ratio(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    treatment_var: str,
    reference: str,
    population: Filter = None,
    filter: Filter = None,
    arm_order: Sequence | None = None,
    time_var: str = "AVAL",
    cnsr_var: str = "CNSR",
    alpha: float = 0.05,
    ties: str = "breslow",
    group_value: str | None = None,
    dataset_name: str = "ADTTE",
) -> pd.DataFrame:
    """Cox hazard ratio (with its Wald CI and p-value) and log-rank p-value of each arm against
    ``reference``, and the log-rank p-value of all arms (column ``Total``); see
    :func:`~derivations.tlf.stats.compute_hazard_ratios`.

    Rows: ``column_var`` = ``treatment_var``, ``column_value`` the arm; stats ``hr``,
    ``hr_ci_lower``, ``hr_ci_upper``, ``p_wald``, ``p_logrank``; the reference arm has
    none; ``Total`` holds ``p_logrank`` of the test over all arms.

    Parameters
    ----------
    dataset
        The analysis dataset (ADTTE).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``).
    treatment_var
        The arm variable (e.g. ``"TRT01A"``).
    reference
        The reference arm.
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"PARAMCD == 'OS'"``); ``None``: all.
    arm_order
        The arms in display order; ``None``: sorted.
    time_var
        The time column; default ``"AVAL"``.
    cnsr_var
        The censoring column (ADaM: 0 = event, positive = censored); default ``"CNSR"``.
    alpha
        1 - confidence level; default 0.05.
    ties
        ``"breslow"`` (default, as SAS) or ``"efron"``.
    group_value
        The row label; default the parameter code.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADTTE"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adtte = pd.DataFrame({"USUBJID": list("ABCDEFGH"), "TRT01A": ["P"] * 4 + ["X"] * 4,
    ...                       "AVAL": [5, 8, 12, 20, 3, 4, 6, 9], "CNSR": [0, 0, 1, 0, 0, 0, 0, 1]})
    >>> ard = compute_ard_hazard_ratio(adtte, analysis_id="HR", treatment_var="TRT01A", reference="P")
    >>> ard[["column_value", "stat_name"]].values.tolist()[:2], list(ard.column_value.unique())
    ([['X', 'hr'], ['X', 'hr_ci_lower']], ['X', 'Total'])
    """
    assert_has_columns(dataset, [time_var, cnsr_var, treatment_var], name=dataset_name)
    recs = dataset.loc[filter_mask(dataset, population) & filter_mask(dataset, filter)]
    arms = _str_levels(recs[treatment_var], MISSING)
    levels = _ordered_levels(arms, arm_order, MISSING)
    hrs, p_all = compute_hazard_ratios(recs[time_var].to_numpy(float), (recs[cnsr_var].to_numpy(float) == 0),
                                       arms.to_numpy(), reference=reference, arms=levels, alpha=alpha, ties=ties)
    conf = f"{100 * (1 - alpha):g}%"
    rows = []
    for h in hrs:
        for name, value, label in [("hr", h.hr, f"Hazard ratio vs {h.reference} (Cox, {ties} ties)"),
                                   ("hr_ci_lower", h.ci_lower, f"{conf} CI lower limit (Wald)"),
                                   ("hr_ci_upper", h.ci_upper, f"{conf} CI upper limit (Wald)"),
                                   ("p_wald", h.p_wald, "p-value (Wald)"),
                                   ("p_logrank", h.p_logrank, f"p-value (log-rank vs {h.reference})")]:
            rows.append({"column_value": h.arm, "stat_name": name, "stat_value": value, "stat_label": label,
                         "group_value": f"{h.arm} vs {h.reference}"})
    rows.append({"column_value": TOTAL, "stat_name": "p_logrank", "stat_value": p_all,
                 "stat_label": "p-value (log-rank, all arms)", "group_value": "All arms"})
    out = pd.DataFrame(rows).assign(group_var="HR")
    if group_value is not None:
        out["group_value"] = group_value
    return _finish(out, analysis_id=analysis_id, dataset_name=dataset_name, population=population,
                   column_var=treatment_var, filter=filter)


@renamed_arguments(subject_var="subject_keys")
def compute_ard_comparison(
    dataset: pd.DataFrame,
    *,
    analysis_id: str,
    treatment_var: str,
    reference: str,
    response: Filter,
    denominator: pd.DataFrame,
    population: Filter = None,
    filter: Filter = None,
    arm_order: Sequence | None = None,
    alpha: float = 0.05,
    group_value: str = "Responders",
    subject_keys: str | Sequence[str] = "USUBJID",
    dataset_name: str = "ADSL",
) -> pd.DataFrame:
    """Risk difference (Wald CI, percentage points) and odds ratio (Woolf CI) of the subjects with a
    ``response`` record in each arm against ``reference``; N per arm from ``denominator`` in
    ``population``.

    Parameters
    ----------
    dataset
        The analysis dataset (e.g. ADRS).
    analysis_id
        The analysis identifier written on every row (e.g. ``"T14.2.1-ORR"``).
    treatment_var
        The arm variable (e.g. ``"TRT01A"``).
    reference
        The reference arm.
    response
        What makes a subject a responder: a filter on the analysed records (e.g.
        ``"AVALC in ['CR', 'PR']"``).
    denominator
        The dataset that gives N per column (ADSL).
    population
        The population (query string, callable; ``None``: everybody), applied to the
        denominator and to the analysed records, and written on every row.
    filter
        Restricts the analysed records only (e.g. ``"PARAMCD == 'BOR'"``); ``None``: all.
    arm_order
        The arms in display order; ``None``: sorted.
    alpha
        1 - confidence level; default 0.05.
    group_value
        The row label; default ``"Responders"``.
    subject_keys
        The column(s) identifying a subject; subjects are counted by the last one; default ``"USUBJID"``.
    dataset_name
        The dataset's name written in the ``dataset`` column and in messages; default ``"ADSL"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"USUBJID": [str(i) for i in range(40)], "ARM": ["P"] * 20 + ["X"] * 20})
    >>> adae = adsl.loc[list(range(10)) + list(range(20, 35))]
    >>> ard = compute_ard_comparison(adae, analysis_id="AE", treatment_var="ARM", reference="P",
    ...                              response=None, denominator=adsl)
    >>> {k: round(v, 2) for k, v in zip(ard.stat_name, ard.stat_value)}
    {'rd': 25.0, 'rd_ci_lower': -3.99, 'rd_ci_upper': 53.99, 'or': 3.0, 'or_ci_lower': 0.79, 'or_ci_upper': 11.44}
    """
    subject_var = subject_column(subject_keys)
    assert_has_columns(denominator, [subject_var, treatment_var], name=dataset_name)
    den = denominator.loc[filter_mask(denominator, population)]
    arm_of = dict(zip(den[subject_var], _str_levels(den[treatment_var], MISSING)))
    levels = _ordered_levels(list(arm_of.values()), arm_order, MISSING)
    if reference not in levels:
        raise DerivationError("the reference arm is not one of the arms", variable=treatment_var, value=reference,
                              hint=f"use one of {', '.join(levels)}")
    big_n = pd.Series(list(arm_of.values())).value_counts().reindex(levels, fill_value=0)
    recs = dataset.loc[filter_mask(dataset, filter) & filter_mask(dataset, response)
                       & dataset[subject_var].isin(arm_of)]
    responders = pd.Series([arm_of[u] for u in recs[subject_var].unique()], dtype=object)
    n = responders.value_counts().reindex(levels, fill_value=0)
    x0, n0 = int(n[reference]), int(big_n[reference])
    conf = f"{100 * (1 - alpha):g}%"
    rows = []
    for arm in levels:
        if arm == reference:
            continue
        x1, n1 = int(n[arm]), int(big_n[arm])
        rd = compute_risk_difference(x1, n1, x0, n0, alpha=alpha)
        orr = compute_odds_ratio(x1, n1, x0, n0, alpha=alpha)
        for name, value, label in [("rd", rd[0], f"Risk difference vs {reference} (%)"),
                                   ("rd_ci_lower", rd[1], f"{conf} CI lower limit (Wald)"),
                                   ("rd_ci_upper", rd[2], f"{conf} CI upper limit (Wald)"),
                                   ("or", orr[0], f"Odds ratio vs {reference}"),
                                   ("or_ci_lower", orr[1], f"{conf} CI lower limit (Woolf)"),
                                   ("or_ci_upper", orr[2], f"{conf} CI upper limit (Woolf)")]:
            rows.append({"column_value": arm, "stat_name": name, "stat_value": value, "stat_label": label})
    out = pd.DataFrame(rows, columns=["column_value", "stat_name", "stat_value", "stat_label"])
    out = out.assign(group_var="COMPARISON", group_value=group_value)
    return _finish(out, analysis_id=analysis_id, dataset_name=dataset_name, population=population,
                   column_var=treatment_var, filter=filter, response=response)


def ard_stats(ard: pd.DataFrame, **select) -> dict[str, float]:
    """``{stat_name: stat_value}`` of the ARD rows matching ``select`` (column=value pairs).

    >>> import pandas as pd
    >>> ard = pd.DataFrame({"group_value": ["A", "A"], "stat_name": ["n", "pct"], "stat_value": [9.0, 31.0]})
    >>> ard_stats(ard, group_value="A")
    {'n': 9.0, 'pct': 31.0}
    """
    mask = pd.Series(True, index=ard.index)
    for col, value in select.items():
        mask &= ard[col].astype(object) == value
    sub = ard.loc[mask]
    return dict(zip(sub["stat_name"], sub["stat_value"].astype(float)))


__all__ = [
    "ARD_COLUMNS",
    "STAT_LABELS",
    "GRADE_BANDS",
    "TOTAL",
    "MISSING",
    "compute_ard_counts",
    "compute_ard_continuous",
    "compute_ard_proportion_ci",
    "compute_ard_km",
    "compute_km_by",
    "compute_ard_occurrences",
    "compute_ard_any_event",
    "compute_ard_hazard_ratio",
    "compute_ard_comparison",
    "ard_stats",
]
