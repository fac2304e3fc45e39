"""Time-to-event parameters (admiral ``event_source``, ``censor_source``, ``derive_param_tte``).

Rules, as admiral applies them:

* each source: records selected by ``filter`` with a non-missing ``date``; per
  subject (and by group) the earliest record for an event source, the latest
  for a censoring source (``order`` breaks ties within the source);
* a subject with any event gets the earliest event over all event sources (on
  the same date the source listed first wins), whatever its censoring dates:
  an event therefore beats censoring on the same day;
* otherwise the latest censoring date over the censoring sources (on the same
  date the source listed last wins);
* ``CNSR`` is 0 for events and the source's ``censor`` value otherwise;
* ``STARTDT`` is ``start_date`` from ADSL and an ``ADT`` before it is set to it;
* a subject of ADSL without any event or censoring record gets **no** record
  (admiral). Add a censoring source on ADSL (e.g. ``date="TRTSDT"``) to censor
  everybody else at the start; pass ``findings=`` to list the subjects left out.

>>> import pandas as pd
>>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "3"],
...     "RANDDT": pd.to_datetime(["2021-01-01"] * 3),
...     "DTHDT": pd.to_datetime([None, "2021-06-01", None]),
...     "LSTALVDT": pd.to_datetime(["2021-09-01", "2021-06-01", "2021-01-01"])})
>>> death = EventSource("adsl", "DTHDT", set_values_to={"EVNTDESC": "DEATH", "SRCDOM": "ADSL", "SRCVAR": "DTHDT"})
>>> alive = CensorSource("adsl", "LSTALVDT",
...     set_values_to={"EVNTDESC": "LAST KNOWN ALIVE", "SRCDOM": "ADSL", "SRCVAR": "LSTALVDT"})
>>> os_ = derive_var_aval_tte(derive_param_tte(dataset_ref=adsl, source_datasets={"adsl": adsl},
...     start_date="RANDDT", event_conditions=[death], censor_conditions=[alive],
...     set_values_to={"PARAMCD": "OS", "PARAM": "Overall Survival (days)"}))
>>> os_[["USUBJID", "CNSR", "AVAL"]].values.tolist()
[['1', 1, 244.0], ['2', 0, 152.0], ['3', 1, 1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, set_values, sort_by_order
from ..findings import DerivationError, Findings
from ..vocabulary import renamed_arguments
from ._common import Col, as_datetime, as_list, concat_rows, fmt_filter, fmt_values, resolve_value, signal_duplicates
from .dates import compute_duration
from .extreme import source_dates

TTE_VARS = ("EVNTDESC", "SRCDOM", "SRCVAR", "SRCSEQ", "CNSDTDSC")


def _str_source(kind: str, src: Any) -> str:
    date = src.date if isinstance(src.date, str) else f"<{getattr(src.date, '__name__', 'function')}>"
    text = f"{kind} from {src.dataset_name} where {fmt_filter(src.filter)}: date {date}"
    if src.order:
        text += f" (ties by {', '.join(src.order)})"
    if src.set_values_to:
        text += f"; {fmt_values(src.set_values_to)}"
    return text


@dataclass(frozen=True)
class EventSource:
    """Records that are events (admiral ``event_source``); CNSR = 0.

    ``set_values_to`` values are constants, except ``SRCSEQ`` given as a column
    name (or any value given as ``Col(name)`` or a callable of the source
    records), which is taken from the chosen record.

    >>> print(EventSource("adrs", "ADT", filter="PARAMCD == 'PD'",
    ...     set_values_to={"EVNTDESC": "PD", "SRCDOM": "ADRS", "SRCVAR": "ADT", "SRCSEQ": "ASEQ"}))
    event from adrs where PARAMCD == 'PD': date ADT; EVNTDESC='PD', SRCDOM='ADRS', SRCVAR='ADT', SRCSEQ='ASEQ'
    """

    dataset_name: str
    date: str | Callable[[pd.DataFrame], pd.Series]
    filter: Filter = None
    set_values_to: Mapping[str, Any] | None = field(default=None, compare=False)
    order: tuple[str, ...] | None = None

    @property
    def censor(self) -> int:
        return 0

    def __str__(self) -> str:
        return _str_source("event", self)


@dataclass(frozen=True)
class CensorSource:
    """Possible censoring records (admiral ``censor_source``); CNSR = ``censor`` (default 1).

    >>> print(CensorSource("adsl", "RANDDT", censor=2,
    ...     set_values_to={"EVNTDESC": "NO ASSESSMENT", "CNSDTDSC": "RANDOMIZATION"}))
    censoring (CNSR=2) from adsl where all records: date RANDDT; EVNTDESC='NO ASSESSMENT', CNSDTDSC='RANDOMIZATION'
    """

    dataset_name: str
    date: str | Callable[[pd.DataFrame], pd.Series]
    filter: Filter = None
    set_values_to: Mapping[str, Any] | None = field(default=None, compare=False)
    order: tuple[str, ...] | None = None
    censor: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.censor, (int, np.integer)) or self.censor <= 0:
            raise DerivationError(
                "censor must be a positive integer",
                value=self.censor,
                hint="CDISC: 0 is for events, positive integers for censoring reasons",
            )

    def __str__(self) -> str:
        return _str_source(f"censoring (CNSR={self.censor})", self)


def _extend_by_groups(source_datasets: Mapping[str, pd.DataFrame], by_vars: list[str]) -> dict[str, pd.DataFrame]:
    """Datasets without the by variables are crossed with all by groups (admiral)."""
    groups = []
    for name, data in source_datasets.items():
        present = [v for v in by_vars if v in data.columns]
        if present and len(present) != len(by_vars):
            raise DerivationError(
                "a source dataset must hold all or none of the by variables",
                dataset=name,
                variable=[v for v in by_vars if v not in data.columns][0],
                hint=f"by_vars are {', '.join(by_vars)}",
            )
        if present:
            groups.append(data[by_vars].drop_duplicates())
    if not groups:
        raise DerivationError(
            f"the by variables {', '.join(by_vars)} are in none of the source datasets",
            hint="check by_vars or the source_datasets",
        )
    by_groups = pd.concat(groups, ignore_index=True).drop_duplicates()
    out = {}
    for name, data in source_datasets.items():
        out[name] = data if by_vars[0] in data.columns else data.merge(by_groups, how="cross")
    return out


def _select(
    sources: list, source_datasets, keys: list[str], by_vars: list[str], mode: str, create_datetime: bool,
    check_type: str, date_var: str,
) -> pd.DataFrame:
    """First (events) / last (censorings) record per subject over a list of sources."""
    group = keys + by_vars
    candidates = []
    for i, src in enumerate(sources):
        data, dates = source_dates(src, source_datasets, keys, keep_time=create_datetime)
        order = list(src.order or [])
        work = data.assign(__date__=dates.to_numpy())
        work = work.loc[work["__date__"].notna()]
        assert_has_columns(work, [o.lstrip("-") for o in order], name=src.dataset_name)
        signal_duplicates(
            work, group + ["__date__"] + [o.lstrip("-") for o in order], check_type=check_type,
            dataset=src.dataset_name, what=f"{src}",
            hint="give the source an order= (e.g. ('ASEQ',)) so that one record is selected",
        )
        work = sort_by_order(work, ["__date__"] + order)
        grouped = work.groupby(group, sort=False, dropna=False)
        picked = grouped.head(1) if mode == "first" else grouped.tail(1)
        cand = picked[group].copy()
        cand[date_var] = picked["__date__"].to_numpy()
        cand["CNSR"] = int(src.censor)
        for var, value in (src.set_values_to or {}).items():
            cand[var] = resolve_value(picked, value, column_keys=(var == "SRCSEQ"))
        cand["__src__"] = i
        candidates.append(cand)
    if not candidates:
        return pd.DataFrame(columns=group + [date_var, "CNSR", "__src__"])
    allc = concat_rows(candidates).sort_values([date_var, "__src__"], kind="mergesort")
    grouped = allc.groupby(group, sort=False, dropna=False)
    return grouped.head(1) if mode == "first" else grouped.tail(1)


@renamed_arguments(dataset_adsl="dataset_ref")
def derive_param_tte(
    dataset: pd.DataFrame | None = None,
    *,
    dataset_ref: pd.DataFrame,
    source_datasets: Mapping[str, pd.DataFrame],
    start_date: str = "TRTSDT",
    event_conditions: list[EventSource],
    censor_conditions: list[CensorSource],
    by_vars: list[str] | None = None,
    set_values_to: Mapping[str, Any] | None = None,
    subject_keys: tuple[str, ...] | list[str] = ("STUDYID", "USUBJID"),
    create_datetime: bool = False,
    check_type: str = "warning",
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Add a time-to-event parameter: one record per subject (and by group), by the rules of the module.

    admiral ``derive_param_tte``. Output variables: the subject keys, ``set_values_to``
    (e.g. PARAMCD, PARAM), ``STARTDT`` (``STARTDTF`` when ``dataset_ref`` has the start
    date's imputation flag), ``ADT`` (``ADTM``/``STARTDTM`` with ``create_datetime``),
    ``CNSR`` and the source variables (EVNTDESC, SRCDOM, SRCVAR, SRCSEQ, CNSDTDSC, ...).
    Source records of subjects not in ``dataset_ref`` are not used (admiral's inner join).

    Parameters
    ----------
    dataset
        Existing parameters to append to (``None``: return the new records only); an error
        if its PARAMCD is already there.
    dataset_ref
        One record per subject with ``subject_keys`` and ``start_date`` (ADSL).
    source_datasets
        ``{name: frame}`` for the ``dataset_name`` of every source, e.g.
        ``{"adsl": adsl, "adrs": adrs}``.
    start_date
        The origin in ``dataset_ref``; default ``"TRTSDT"`` (``"RANDDT"`` for randomised studies).
    event_conditions, censor_conditions
        Lists of :class:`EventSource` / :class:`CensorSource` (printable rules).
    by_vars
        Derive one parameter per by group (e.g. ``["AEDECOD"]``); ``set_values_to`` may then
        use callables, e.g. ``{"PARAMCD": lambda d: "TT" + d["AEDECOD"].str[:6]}``; by
        variables are dropped from the output as in admiral. ``None`` (default): one parameter.
    set_values_to
        ``{column: value}`` on the new records; PARAMCD at least.
    subject_keys
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    create_datetime
        ``True``: ADTM and STARTDTM (datetimes); ``False`` (default): ADT and STARTDT (dates).
    check_type
        Several records of one source on the same date for a subject: ``"warning"``
        (default), ``"error"`` or ``"none"``. Give the source an ``order`` to break the tie.
    findings
        Receives the subjects whose source records are not used (not in ``dataset_ref``)
        and the ``dataset_ref`` subjects without any event or censoring record.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"], "TRTSDT": pd.to_datetime(["2021-01-01"] * 2),
    ...     "DTHDT": pd.to_datetime([None, "2021-03-01"]), "LSTALVDT": pd.to_datetime(["2021-05-01", "2021-03-01"])})
    >>> os_ = derive_param_tte(dataset_ref=adsl, source_datasets={"adsl": adsl},
    ...     event_conditions=[EventSource("adsl", "DTHDT")], censor_conditions=[CensorSource("adsl", "LSTALVDT")],
    ...     set_values_to={"PARAMCD": "OS"})
    >>> os_[["USUBJID", "PARAMCD", "CNSR"]].values.tolist(), os_["ADT"].dt.strftime("%Y-%m-%d").tolist()
    ([['1', 'OS', 1], ['2', 'OS', 0]], ['2021-05-01', '2021-03-01'])
    """
    keys = list(subject_keys)
    by_vars = as_list(by_vars)
    assert_has_columns(dataset_ref, keys + [start_date], name="dataset_ref")
    for src in list(event_conditions) + list(censor_conditions):
        if src.dataset_name not in source_datasets:
            raise DerivationError(
                f"source dataset {src.dataset_name!r} not in source_datasets",
                dataset=src.dataset_name,
                hint=f"source_datasets has: {', '.join(source_datasets) or 'nothing'}",
            )
    if by_vars:
        source_datasets = _extend_by_groups(source_datasets, by_vars)
    date_var, start_var = ("ADTM", "STARTDTM") if create_datetime else ("ADT", "STARTDT")
    events = _select(list(event_conditions), source_datasets, keys, by_vars, "first", create_datetime, check_type, date_var)
    censors = _select(list(censor_conditions), source_datasets, keys, by_vars, "last", create_datetime, check_type, date_var)
    group = keys + by_vars
    has_event = censors[group].merge(events[group].assign(__ev__=True), on=group, how="left")["__ev__"]
    censors = censors.loc[~has_event.notna().to_numpy()]
    new = concat_rows([events, censors]).drop(columns="__src__")

    adsl_cols = {start_var: start_date}
    stem = start_date[:-3] if start_date.endswith("DTM") else start_date[:-2] if start_date.endswith("DT") else None
    if stem and f"{stem}DTF" in dataset_ref.columns and f"{stem}DTF" != start_date:
        adsl_cols["STARTDTF"] = f"{stem}DTF"
    if stem and start_date.endswith("DTM") and f"{stem}TMF" in dataset_ref.columns:
        adsl_cols["STARTTMF"] = f"{stem}TMF"
    adsl = dataset_ref[keys + list(adsl_cols.values())].copy()
    adsl.columns = keys + list(adsl_cols)
    start = as_datetime(adsl[start_var], name=start_date, dataset="dataset_ref")
    adsl[start_var] = start if create_datetime else start.dt.normalize()

    merged = new.merge(adsl, on=keys, how="left", indicator=True, validate="many_to_one")
    outside = merged["_merge"] == "left_only"
    if findings is not None:
        for rec in merged.loc[outside, keys].drop_duplicates().itertuples(index=False):  # report only
            findings.add("warning", "tte_subject_not_in_adsl", "source records of a subject not in ADSL are not used",
                         usubjid=str(rec[-1]))
    new = merged.loc[~outside.to_numpy()].drop(columns="_merge")
    if findings is not None:
        covered = adsl[keys].merge(new[keys].drop_duplicates().assign(__hit__=True), on=keys, how="left")
        for rec in covered.loc[covered["__hit__"].isna(), keys].itertuples(index=False):  # report only
            findings.add("note", "tte_no_record",
                         "subject has no event or censoring record: no record for this parameter "
                         f"({dict(set_values_to or {}).get('PARAMCD', 'TTE')})", usubjid=str(rec[-1]))
    before = new[date_var] < new[start_var]
    new[date_var] = new[date_var].where(~before.to_numpy(), new[start_var])
    new = set_values(new.reset_index(drop=True), set_values_to)

    if by_vars and "PARAMCD" in new.columns:
        pairs = new[by_vars + ["PARAMCD"]].drop_duplicates()
        if pairs["PARAMCD"].duplicated().any() or pairs[by_vars].duplicated().any():
            raise DerivationError(
                "PARAMCD is not one-to-one with the by groups",
                variable="PARAMCD",
                hint="make PARAMCD depend on the by variables (a callable in set_values_to)",
            )
    if by_vars:
        new = new.drop(columns=by_vars)
    lead = keys + [c for c in (set_values_to or {}) if c in new.columns and c not in keys]
    tail = [c for c in new.columns if c not in lead]
    first_tail = [c for c in (start_var, "STARTDTF", "STARTTMF", date_var, "CNSR") if c in tail]
    rest = [c for c in tail if c not in first_tail]
    ordered = [c for c in TTE_VARS if c in rest] + [c for c in rest if c not in TTE_VARS]
    new = new[lead + first_tail + ordered].sort_values(keys + (["PARAMCD"] if "PARAMCD" in lead else []), kind="mergesort")
    new = new.reset_index(drop=True)
    new["CNSR"] = new["CNSR"].astype("int64")
    if dataset is None:
        return new
    if "PARAMCD" in new.columns and "PARAMCD" in dataset.columns:
        clash = set(new["PARAMCD"].dropna()) & set(dataset["PARAMCD"].dropna())
        if clash:
            raise DerivationError(
                "parameter already in the dataset",
                variable="PARAMCD",
                value=sorted(clash)[0],
                hint="derive each PARAMCD once",
            )
    return concat_rows([dataset, new])


def derive_var_aval_tte(
    dataset: pd.DataFrame,
    *,
    new_var: str = "AVAL",
    start_date: str = "STARTDT",
    end_date: str = "ADT",
    out_unit: str = "days",
    days_per_month: float = 30.4375,
    days_per_year: float = 365.25,
    filter: Filter = None,
    new_var_unit: str | None = None,
) -> pd.DataFrame:
    """Add ``new_var`` = ``end_date - start_date + 1`` day(s) in ``out_unit`` for the ``filter``-selected records.

    admiral ``derive_vars_duration`` with ``add_one=TRUE``, as admiralonco derives AVAL of a
    time-to-event parameter. Other records keep their ``new_var`` value.

    Parameters
    ----------
    dataset
        Time-to-event records (from :func:`derive_param_tte`).
    new_var
        The new (or updated) column; default ``"AVAL"``.
    start_date, end_date
        Date columns; defaults ``"STARTDT"`` and ``"ADT"``.
    out_unit
        ``"days"`` (default), ``"weeks"``, ``"months"``, ``"years"``, ``"hours"``, ``"minutes"``
        or ``"seconds"``.
    days_per_month, days_per_year
        Days of a month / year for those units (study settings); defaults 30.4375 and 365.25.
    filter
        Which records get the value (query string, callable, boolean Series; ``None``: all).
    new_var_unit
        Optional column for the unit, upper case (e.g. ``"AVALU"`` = ``"DAYS"``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> tte = pd.DataFrame({"PARAMCD": ["OS", "OS"], "STARTDT": pd.to_datetime(["2021-01-01"] * 2),
    ...                     "ADT": pd.to_datetime(["2021-01-31", "2021-03-01"])})
    >>> out = derive_var_aval_tte(tte, out_unit="months", days_per_month=30, new_var_unit="AVALU")
    >>> out["AVAL"].tolist(), out["AVALU"].tolist()
    ([1.0333333333333334, 2.0], ['MONTHS', 'MONTHS'])
    """
    assert_has_columns(dataset, [start_date, end_date])
    mask = filter_mask(dataset, filter).to_numpy()
    duration = compute_duration(
        dataset[start_date], dataset[end_date], out_unit=out_unit, add_one=True,
        days_per_month=days_per_month, days_per_year=days_per_year,
    )
    out = dataset.copy()
    if new_var in out.columns:
        out[new_var] = pd.to_numeric(out[new_var]).astype(float).where(~mask, duration)
    else:
        out[new_var] = duration.where(mask)
    if new_var_unit:
        unit = out_unit.upper()
        if new_var_unit in out.columns:
            out[new_var_unit] = out[new_var_unit].where(~mask, unit)
        else:
            out[new_var_unit] = pd.Series(unit, index=out.index).where(mask)
    return out


__all__ = ["Col", "EventSource", "CensorSource", "derive_param_tte", "derive_var_aval_tte"]
