"""Best overall response and the response parameters of an ADRS (RECIST 1.1).

Behaviour follows admiralonco 1.4 (``derive_param_bor``, ``derive_param_confirmed_bor``,
``derive_param_response``, ``derive_param_clinbenefit``, ``derive_param_confirmed_resp``,
``derive_param_lasta``) and the facts in ``oncology-rules.md``. The rules are data:
:class:`BorRule` (windows, ranks, value sets), :data:`AVAL_RESP` / :data:`AVAL_YN`
(AVALC -> AVAL). Everything is vectorised (sort, groupby, cumulative counts,
``numpy.searchsorted`` for the confirmation look-ahead), so it scales linearly.

Typical flow::

    ovr = derive_param_ovr(rs, dataset_ref=adsl, filter="RSEVAL == 'INVESTIGATOR' and RSTESTCD == 'OVRLRESP'")
    ovr = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl)          # ANL01FL, ANL02FL
    adrs = derive_param_first_pd(ovr, dataset_ref=adsl)             # PD
    adrs = derive_param_bor(adrs, dataset_ref=adsl)                 # BOR
    adrs = derive_param_confirmed_bor(adrs, dataset_ref=adsl)       # CBOR

Example
-------
>>> import pandas as pd
>>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"],
...                      "TRTSDT": pd.to_datetime(["2020-01-01", "2020-01-01"])})
>>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR",
...                     "AVALC": ["SD", "PR", "PR"],
...                     "ADT": pd.to_datetime(["2020-01-22", "2020-02-12", "2020-03-11"])})
>>> ovr = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl)
>>> out = derive_param_confirmed_bor(ovr, dataset_ref=adsl)
>>> out.loc[out.PARAMCD == "CBOR", ["USUBJID", "AVALC", "AVAL"]].values.tolist()
[['1', 'PR', 2.0], ['2', 'MISSING', 7.0]]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..adam.dates import impute_dtc_to_date
from ..core import Filter, assert_has_columns, filter_mask, set_values
from ..findings import DerivationError, Findings
from ..iso8601 import compute_date, day_numbers
from ..vocabulary import renamed_arguments

# --------------------------------------------------------------------------- rules as data

#: RECIST 1.1 time-point response values accepted as input (RSSTRESC / AVALC of OVR).
RESPONSE_VALUES: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")

#: AVALC -> AVAL for response parameters (admiralonco ``aval_resp``).
AVAL_RESP: tuple[tuple[str, int], ...] = (
    ("CR", 1),
    ("PR", 2),
    ("SD", 3),
    ("NON-CR/NON-PD", 4),
    ("PD", 5),
    ("NE", 6),
    ("MISSING", 7),
)

#: AVALC -> AVAL for Y/N parameters (RSP, CRSP, CB, CCB, BCP, CBCP, PD).
AVAL_YN: tuple[tuple[str, int], ...] = (("Y", 1), ("N", 0))

#: Ranking used to keep one assessment per day: the *last* value present wins (worst).
WORST_OF_DAY_RANK: tuple[str, ...] = ("NE", "CR", "PR", "SD", "NON-CR/NON-PD", "PD")

#: Best overall response categories, best first (first rule that applies wins).
BOR_ORDER: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")


def _fmt_pairs(pairs: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in pairs)


@dataclass(frozen=True)
class BorRule:
    """Best-overall-response rule (admiralonco semantics); print it to read it.

    >>> print(BorRule(ref_confirm=21))  # doctest: +ELLIPSIS
    BorRule (best overall response, RECIST 1.1)
      SD / NON-CR/NON-PD counts from reference date + 42 days (ADT >= ref + 42)
      confirmation: CR/PR confirmed by an assessment >= 21 days later...
    """

    #: SD (and NON-CR/NON-PD) only counts at ADT >= reference date + this many days.
    ref_start_window: int = 42
    #: a CR/PR is confirmed by an assessment at least this many days later.
    ref_confirm: int = 28
    #: NE assessments allowed between a response and its confirmation.
    max_nr_ne: int = 1
    #: accept one SD between a PR and its confirmation.
    accept_sd: bool = False
    #: subjects without any assessment get NE (True) instead of MISSING (False).
    missing_as_ne: bool = False
    #: accepted input values.
    response_values: tuple[str, ...] = RESPONSE_VALUES
    #: one record per subject and date: the worst by this ranking (last = worst).
    worst_of_day_rank: tuple[str, ...] = WORST_OF_DAY_RANK
    #: BOR categories, best first.
    bor_order: tuple[str, ...] = BOR_ORDER
    #: values counted as SD when at/after the window (unconfirmed CR/PR fall here).
    sd_values: tuple[str, ...] = ("CR", "PR", "SD")
    #: values that count as clinical benefit (at/after the window).
    benefit_values: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD")
    #: values that are an adequate assessment (LSTA); NE never is.
    adequate_values: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")
    #: values allowed between a CR and its confirming CR.
    cr_between: tuple[str, ...] = ("CR", "NE")
    #: values allowed between a PR and its confirming CR/PR (SD added if accept_sd).
    pr_between: tuple[str, ...] = ("CR", "PR", "NE")
    aval_resp: tuple[tuple[str, int], ...] = AVAL_RESP
    aval_yn: tuple[tuple[str, int], ...] = AVAL_YN

    def __post_init__(self) -> None:
        for name in ("ref_start_window", "ref_confirm", "max_nr_ne"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise DerivationError(
                    f"BorRule.{name} must be a non-negative whole number of days/records",
                    value=value,
                    hint="protocols use e.g. ref_start_window=42 (6 weeks), ref_confirm=28 (4 weeks)",
                )

    def __str__(self) -> str:
        sd = " (one SD accepted between PR and confirmation)" if self.accept_sd else ""
        return "\n".join(
            [
                "BorRule (best overall response, RECIST 1.1)",
                f"  SD / NON-CR/NON-PD counts from reference date + {self.ref_start_window} days "
                f"(ADT >= ref + {self.ref_start_window})",
                f"  confirmation: CR/PR confirmed by an assessment >= {self.ref_confirm} days later, "
                f"at most {self.max_nr_ne} NE in between{sd}",
                f"    between CR and confirming CR only: {', '.join(self.cr_between)}",
                f"    between PR and confirming CR/PR only: {', '.join(self.pr_between)}; no PR after CR",
                f"  one record per day, worst wins: {' < '.join(self.worst_of_day_rank)}",
                f"  BOR order (best first): {' > '.join(self.bor_order)}",
                f"  no assessment -> {'NE' if self.missing_as_ne else 'MISSING'}",
                f"  clinical benefit values: {', '.join(self.benefit_values)}",
                f"  adequate assessment (LSTA): {', '.join(self.adequate_values)}",
                f"  AVAL: {_fmt_pairs(self.aval_resp)}; {_fmt_pairs(self.aval_yn)}",
            ]
        )


def compute_aval_resp(avalc: pd.Series, mapping: Sequence[tuple[str, int]] = AVAL_RESP) -> pd.Series:
    """Numeric AVAL for a response AVALC via a mapping table (unmapped -> NaN).

    >>> compute_aval_resp(pd.Series(["CR", "MISSING", None])).tolist()
    [1.0, 7.0, nan]
    """
    return avalc.map(dict(mapping)).astype(float)


# --------------------------------------------------------------------------- date helpers
# impute_dtc_to_date lives in derivations.adam.dates, compute_date and day_numbers in
# derivations.iso8601 (the one home of dates).


def to_date(series: pd.Series, *, dataset: str | None = None, variable: str | None = None) -> pd.Series:
    """Deprecated: use :func:`derivations.iso8601.compute_date` (the same, and a partial text date is an error).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     to_date(pd.Series(["2020-02-12T10:00"])).dt.strftime("%Y-%m-%d").tolist()
    ['2020-02-12']
    """
    warnings.warn("to_date() is deprecated; use derivations.iso8601.compute_date", DeprecationWarning, stacklevel=2)
    return compute_date(series, dataset=dataset, variable=variable)


# --------------------------------------------------------------------------- shared plumbing

_OVR_ANL = "PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"


def _subjects(dataset: pd.DataFrame, dataset_ref: pd.DataFrame | None, by_vars: list[str]) -> pd.DataFrame:
    if dataset_ref is None:
        return dataset[by_vars].drop_duplicates().reset_index(drop=True)
    assert_has_columns(dataset_ref, by_vars, name="ADSL")
    return dataset_ref.drop_duplicates(by_vars).reset_index(drop=True)


def _add_from_adsl(
    src: pd.DataFrame, dataset_ref: pd.DataFrame | None, by_vars: list[str], var: str, what: str
) -> pd.DataFrame:
    """Make ``var`` available on ``src``: its own values, gaps filled from ADSL."""
    in_adsl = dataset_ref is not None and var in dataset_ref.columns
    if var in src.columns:
        if not in_adsl or src[var].notna().all():
            return src
        add = dataset_ref[by_vars + [var]].drop_duplicates(by_vars).rename(columns={var: "_ADSLVAL"})
        out = src.merge(add, on=by_vars, how="left", validate="many_to_one")
        out[var] = out[var].astype(object).where(out[var].notna(), out["_ADSLVAL"].astype(object))
        return out.drop(columns="_ADSLVAL").set_index(src.index)
    if not in_adsl:
        raise DerivationError(
            f"{what} variable {var} is neither in the dataset nor in dataset_ref",
            variable=var,
            hint=f"pass dataset_ref with {var} (e.g. TRTSDT / RANDDT) or add {var} to the dataset",
        )
    add = dataset_ref[by_vars + [var]].drop_duplicates(by_vars)
    return src.merge(add, on=by_vars, how="left", validate="many_to_one").set_index(src.index)


def _pd_dates(dataset: pd.DataFrame, source_pd: Filter | pd.DataFrame, by_vars: list[str]) -> pd.DataFrame:
    """First PD date per subject from a filter on ``dataset`` or a frame (by_vars + ADT)."""
    if isinstance(source_pd, pd.DataFrame):
        assert_has_columns(source_pd, by_vars + ["ADT"], name="source_pd")
        pdd = source_pd[by_vars + ["ADT"]].copy()
    else:
        pdd = dataset.loc[filter_mask(dataset, source_pd), by_vars + ["ADT"]].copy()
    pdd["ADT"] = compute_date(pdd["ADT"], variable="ADT")
    return pdd.groupby(by_vars, as_index=False, dropna=False)["ADT"].min().rename(columns={"ADT": "_PDDT"})


def _prepare_source(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame | None,
    filter: Filter,
    by_vars: list[str],
    rule: "BorRule",
    source_pd: Filter | pd.DataFrame | None = None,
    reference_date: str | None = None,
    before_date_var: str | None = None,
    check_values: bool = True,
    unique_dates: bool = True,
) -> pd.DataFrame:
    """Filtered, date-typed, sorted source records (copy) with ``_REF`` if asked."""
    assert_has_columns(dataset, by_vars + ["ADT", "AVALC"], name="input dataset")
    src = dataset.loc[filter_mask(dataset, filter)].copy()
    src["ADT"] = compute_date(src["ADT"], variable="ADT")
    missing_adt = src["ADT"].isna()
    if missing_adt.any():
        row = src[missing_adt].iloc[0]
        raise DerivationError(
            "a source record for the parameter has no ADT",
            variable="ADT",
            usubjid=str(row.get("USUBJID")),
            hint="impute the assessment date or exclude the record with filter",
        )
    if reference_date is not None:
        src = _add_from_adsl(src, dataset_ref, by_vars, reference_date, "reference date")
        src["_REF"] = compute_date(src[reference_date], variable=reference_date)
    if before_date_var is not None:
        src = _add_from_adsl(src, dataset_ref, by_vars, before_date_var, "new anti-cancer therapy date")
        before = compute_date(src[before_date_var], variable=before_date_var)
        src = src[before.isna() | (src["ADT"] < before)]
    if source_pd is not None:
        pdd = _pd_dates(dataset, source_pd, by_vars)
        src = src.merge(pdd, on=by_vars, how="left")
        src = src[src["_PDDT"].isna() | (src["ADT"] <= src["_PDDT"])].drop(columns="_PDDT")
    if check_values:
        bad = ~src["AVALC"].isin(rule.response_values)
        if bad.any():
            row = src[bad].iloc[0]
            raise DerivationError(
                "response value not allowed for this derivation",
                variable="AVALC",
                usubjid=str(row.get("USUBJID")),
                value=row["AVALC"],
                hint=f"allowed: {', '.join(rule.response_values)}; map other values or exclude them with filter",
            )
    if unique_dates:
        dup = src.duplicated(by_vars + ["ADT"], keep=False)
        if dup.any():
            row = src[dup].iloc[0]
            raise DerivationError(
                "more than one source record on the same date",
                variable="ADT",
                usubjid=str(row.get("USUBJID")),
                value=str(row["ADT"].date()),
                hint="keep one record per subject and date first (derive_var_ovr_anl_flags sets ANL01FL) "
                "and include ANL01FL == 'Y' in filter",
            )
    return src.sort_values(by_vars + ["ADT"], kind="mergesort").reset_index(drop=True)


def _assert_new_param(dataset: pd.DataFrame, set_values_to: Mapping) -> None:
    paramcd = set_values_to.get("PARAMCD") if set_values_to else None
    if paramcd is None:
        raise DerivationError("set_values_to must contain PARAMCD", hint="e.g. {'PARAMCD': 'BOR', 'PARAM': ...}")
    if "PARAMCD" in dataset.columns and (dataset["PARAMCD"] == paramcd).any():
        raise DerivationError(
            "parameter already exists in the input dataset",
            variable="PARAMCD",
            value=paramcd,
            hint="derive each parameter once, or remove the existing records first",
        )


def _append_param(
    dataset: pd.DataFrame,
    subjects: pd.DataFrame,
    chosen: pd.DataFrame,
    *,
    by_vars: list[str],
    default_avalc: str | None,
    aval_map: Sequence[tuple[str, int]],
    set_values_to: Mapping,
    keep_adsl: Sequence[str] = (),
) -> pd.DataFrame:
    """One new record per subject: the chosen source record, else a default one."""
    chosen = chosen.drop(columns=[c for c in chosen.columns if c.startswith("_")])
    missing = subjects.merge(chosen[by_vars].assign(_has=True), on=by_vars, how="left")
    missing = missing[missing["_has"].isna()]
    base_cols = by_vars + [c for c in keep_adsl if c in missing.columns and c not in by_vars]
    fill = missing[base_cols].copy()
    fill["AVALC"] = default_avalc
    fill["ADT"] = pd.Series(pd.NaT, index=fill.index, dtype="datetime64[ns]")
    new = pd.concat([chosen, fill], ignore_index=True) if len(fill) else chosen.reset_index(drop=True)
    new["AVALC"] = new["AVALC"].astype(object)
    new["AVAL"] = compute_aval_resp(new["AVALC"], aval_map)
    new = set_values(new, dict(set_values_to))
    new = new.sort_values(by_vars, kind="mergesort")
    return pd.concat([dataset, new], ignore_index=True)


@dataclass(frozen=True, eq=False)
class _NewParam:
    """What a response parameter's derivation shares from start to end.

    :meth:`start` checks the parameter is new (before any source check); :meth:`source`
    gives its prepared source records; :meth:`append` / :meth:`append_flag` add one
    record per subject with the parameter's values.
    """

    dataset: pd.DataFrame
    dataset_ref: pd.DataFrame | None
    by_vars: list[str]
    rule: BorRule
    values: dict

    @classmethod
    def start(
        cls,
        dataset: pd.DataFrame,
        dataset_ref: pd.DataFrame | None,
        by_vars: Sequence[str],
        rule: BorRule,
        set_values_to: Mapping | None,
        **defaults: str,
    ) -> "_NewParam":
        """Check that the parameter (``defaults`` updated by ``set_values_to``) is new."""
        values = defaults | dict(set_values_to or {})
        _assert_new_param(dataset, values)
        return cls(dataset, dataset_ref, list(by_vars), rule, values)

    def source(self, filter: Filter, **options) -> pd.DataFrame:
        """:func:`_prepare_source` with this parameter's dataset, ADSL, by_vars and rule."""
        return _prepare_source(
            self.dataset,
            dataset_ref=self.dataset_ref,
            filter=filter,
            by_vars=self.by_vars,
            rule=self.rule,
            **options,
        )

    def append(
        self,
        chosen: pd.DataFrame,
        *,
        default_avalc: str | None,
        aval_map: Sequence[tuple[str, int]],
        keep_adsl: Sequence[str] = (),
    ) -> pd.DataFrame:
        """The input with one new record per subject: the chosen one, else ``default_avalc``."""
        return _append_param(
            self.dataset,
            _subjects(self.dataset, self.dataset_ref, self.by_vars),
            chosen,
            by_vars=self.by_vars,
            default_avalc=default_avalc,
            aval_map=aval_map,
            set_values_to=self.values,
            keep_adsl=keep_adsl,
        )

    def append_flag(self, first: pd.DataFrame) -> pd.DataFrame:
        """Y/N parameter: Y (the record's ADT) for subjects in ``first``, N (no ADT) for the others."""
        return self.append(first.assign(AVALC="Y"), default_avalc="N", aval_map=self.rule.aval_yn)


def _group_codes(src: pd.DataFrame, by_vars: list[str]) -> np.ndarray:
    """Consecutive integer subject codes for a frame sorted by ``by_vars``."""
    if len(src) == 0:
        return np.zeros(0, dtype=np.int64)
    keys = src[by_vars].astype(object).where(src[by_vars].notna(), "\x00NA")
    change = (keys != keys.shift()).any(axis=1).to_numpy(copy=True)
    change[0] = True
    return np.cumsum(change).astype(np.int64) - 1


def _confirmation(src: pd.DataFrame, by_vars: list[str], rule: BorRule) -> tuple[np.ndarray, np.ndarray]:
    """Per record (sorted by subject, ADT): confirmed CR, confirmed PR (bool arrays).

    A CR at record i is confirmed when the first later CR at >= ADT_i + ref_confirm
    (record j) exists and records i+1..j are all in ``cr_between`` with at most
    ``max_nr_ne`` NE. A PR likewise with CR/PR as confirmation, ``pr_between``
    (plus one SD if ``accept_sd``), and no PR after a CR within i+1..j.
    """
    n = len(src)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    subj = _group_codes(src, by_vars)
    day = day_numbers(src["ADT"]).astype(np.int64)
    aval = src["AVALC"].to_numpy(dtype=object)
    is_cr, is_pr = aval == "CR", aval == "PR"
    is_ne, is_sd = aval == "NE", aval == "SD"
    span = int(day.max() - day.min()) + max(rule.ref_confirm, 1) + 2
    key = subj * span + (day - day.min())
    offset = max(rule.ref_confirm, 1)  # dates are unique per subject: ADT_j > ADT_i <=> j > i
    target = key + offset
    pos = np.arange(n)

    def cum(x: np.ndarray) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(x)])

    def first_confirming(conf_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position j of the first confirming record at >= ADT_i + offset (same subject)."""
        cpos = pos[conf_mask]
        if len(cpos) == 0:
            return np.zeros(n, bool), pos.copy()
        idx = np.searchsorted(key[conf_mask], target, side="left")
        ok = idx < len(cpos)
        j = cpos[np.minimum(idx, len(cpos) - 1)]
        ok &= subj[j] == subj
        return ok, np.where(ok, j, pos)  # no confirmation: empty window

    def between(mask: np.ndarray, j: np.ndarray) -> np.ndarray:
        c = cum(mask)
        return c[j + 1] - c[pos + 1]  # count in records i+1..j

    # CR
    ok, j = first_confirming(is_cr)
    bad = ~np.isin(aval, list(rule.cr_between))
    conf_cr = is_cr & ok & (between(bad, j) == 0) & (between(is_ne, j) <= rule.max_nr_ne)
    # PR
    ok, j = first_confirming(is_cr | is_pr)
    allowed = list(rule.pr_between) + (["SD"] if rule.accept_sd else [])
    bad = ~np.isin(aval, allowed)
    max_sd = 1 if rule.accept_sd else 0
    rev = np.where(is_cr, pos, n)[::-1]
    next_cr_from = np.minimum.accumulate(rev)[::-1]  # first CR at position >= p
    next_cr = np.append(next_cr_from, n)[pos + 1]  # first CR after i
    cum_pr = cum(is_pr)
    fc = np.minimum(next_cr, n - 1)
    pr_after_cr = (next_cr <= j) & ((cum_pr[j + 1] - cum_pr[fc + 1]) > 0)
    conf_pr = (
        is_pr
        & ok
        & (between(bad, j) == 0)
        & (between(is_ne, j) <= rule.max_nr_ne)
        & (between(is_sd, j) <= max_sd)
        & ~pr_after_cr
    )
    return conf_cr, conf_pr


def _pick_best(src: pd.DataFrame, cat: np.ndarray, by_vars: list[str], order: Sequence[str]) -> pd.DataFrame:
    """Per subject the record of the best category (index into ``order``), first by ADT."""
    tmp = src.assign(_CAT=cat)
    tmp = tmp[tmp["_CAT"] >= 0]
    tmp = tmp.sort_values(by_vars + ["_CAT", "ADT"], kind="mergesort")
    best = tmp.drop_duplicates(by_vars, keep="first").copy()
    best["AVALC"] = np.asarray(order, dtype=object)[best["_CAT"].to_numpy(dtype=int)]
    return best


# --------------------------------------------------------------------------- OVR records


@renamed_arguments(dataset_adsl="dataset_ref")
def derive_param_ovr(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame | None = None,
    filter: Filter = "RSTESTCD == 'OVRLRESP'",
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    result_var: str = "RSSTRESC",
    dtc_var: str = "RSDTC",
    date_imputation: str | None = "last",
    adsl_vars: Sequence[str] = (),
    set_values_to: Mapping | None = None,
    rule: BorRule = BorRule(),
) -> pd.DataFrame:
    """OVR records from RS: AVALC = RSSTRESC, ADT from RSDTC (missing day -> last day).

    Returns a new frame (the RS records matching ``filter``) with PARAMCD/PARAM from
    ``set_values_to``, AVALC, AVAL (:data:`AVAL_RESP`), ADT, ADTF, AVISIT; RS variables
    are kept for tracing. ``adsl_vars`` (e.g. ``["TRTSDT"]``) are merged from ADSL.

    >>> rs = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "RSTESTCD": "OVRLRESP",
    ...     "RSSTRESC": ["SD", "NE"], "RSDTC": ["2014-01-23", "2014-02"], "VISIT": ["W3", "W6"]})
    >>> out = derive_param_ovr(rs)
    >>> out.AVALC.tolist(), out.AVAL.tolist(), out.ADT.dt.strftime("%Y-%m-%d").tolist(), out.ADTF.tolist()
    (['SD', 'NE'], [3.0, 6.0], ['2014-01-23', '2014-02-28'], [None, 'D'])
    """
    by_vars = list(by_vars)
    assert_has_columns(dataset, by_vars + [result_var, dtc_var], name="RS")
    out = dataset.loc[filter_mask(dataset, filter)].copy()
    out["ADT"], out["ADTF"] = impute_dtc_to_date(out[dtc_var], date_imputation, dataset="RS", variable=dtc_var)
    out["AVALC"] = out[result_var].astype(object).where(out[result_var].notna(), None)
    out["AVAL"] = compute_aval_resp(out["AVALC"], rule.aval_resp)
    if "VISIT" in out.columns:
        out["AVISIT"] = out["VISIT"]
    values = {"PARAMCD": "OVR", "PARAM": "Overall Response"} | dict(set_values_to or {})
    out = set_values(out, values)
    for var in adsl_vars:
        out = _add_from_adsl(out, dataset_ref, by_vars, var, "ADSL")
    return out.reset_index(drop=True)


@renamed_arguments(dataset_adsl="dataset_ref")
def derive_var_ovr_anl_flags(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    filter: Filter = "PARAMCD == 'OVR'",
    reference_date: str = "TRTSDT",
    before_date_var: str | None = None,
    rule: BorRule = BorRule(),
    new_vars: tuple[str, str] = ("ANL01FL", "ANL02FL"),
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Add ANL01FL (one record per subject and date) and ANL02FL (up to first PD).

    ANL01FL = "Y" on the worst response of each date (``rule.worst_of_day_rank``), only
    for records matching ``filter`` with a valid response, ADT on/after the reference
    date and, with ``before_date_var`` (e.g. start of new anti-cancer therapy), ADT
    strictly before that date. ANL02FL = "Y" on ANL01FL records up to and including
    the first PD. Records not flagged stay in the output; with ``findings`` every
    record that matched ``filter`` but could not be flagged for a data reason
    (unknown value, no ADT, no reference date) is listed.

    >>> ovr = pd.DataFrame({"USUBJID": "1", "STUDYID": "S", "PARAMCD": "OVR",
    ...     "AVALC": ["SD", "PD", "PD", "SD"], "TRTSDT": pd.Timestamp("2020-01-01"),
    ...     "ADT": pd.to_datetime(["2020-02-01", "2020-02-01", "2020-03-01", "2020-04-01"])})
    >>> derive_var_ovr_anl_flags(ovr)[["AVALC", "ANL01FL", "ANL02FL"]].fillna("").values.tolist()
    [['SD', '', ''], ['PD', 'Y', 'Y'], ['PD', 'Y', ''], ['SD', 'Y', '']]
    """
    by_vars = list(by_vars)
    fl1, fl2 = new_vars
    assert_has_columns(dataset, by_vars + ["ADT", "AVALC"], name="input dataset")
    out = dataset.copy()
    extra = [c for c in (reference_date, before_date_var) if c and c in out.columns and c not in by_vars]
    mask = filter_mask(out, filter).to_numpy()
    work = out.loc[mask, by_vars + ["ADT", "AVALC"] + extra].copy()
    work["_ROW"] = np.flatnonzero(mask)  # positions: safe with any index
    work["ADT"] = compute_date(work["ADT"], variable="ADT")
    work = _add_from_adsl(work, dataset_ref, by_vars, reference_date, "reference date")
    work["_REF"] = compute_date(work[reference_date], variable=reference_date)
    valid = work["AVALC"].isin(rule.worst_of_day_rank) & work["ADT"].notna() & work["_REF"].notna()
    if findings is not None:
        for reason, mask in (
            ("response value not in the RECIST ranking", ~work["AVALC"].isin(rule.worst_of_day_rank)),
            ("no assessment date (ADT)", work["ADT"].isna()),
            (f"no reference date ({reference_date})", work["_REF"].isna()),
        ):
            probs = work[mask]
            ids = probs["USUBJID"] if "USUBJID" in probs.columns else pd.Series(None, index=probs.index)
            for usubjid, value in zip(ids, probs["AVALC"]):  # problem records only, for the report
                findings.add(
                    "warning",
                    "ovr_not_analysed",
                    f"{reason}; record not flagged {fl1}",
                    variable="AVALC",
                    usubjid=str(usubjid),
                    value=value,
                )
    valid &= work["ADT"] >= work["_REF"]
    if before_date_var is not None:
        work = _add_from_adsl(work, dataset_ref, by_vars, before_date_var, "new anti-cancer therapy date")
        before = compute_date(work[before_date_var], variable=before_date_var)
        valid &= before.isna() | (work["ADT"] < before)
    cand = work[valid].copy()
    rank = {v: i for i, v in enumerate(rule.worst_of_day_rank)}
    cand["_RANK"] = cand["AVALC"].map(rank)
    cand = cand.sort_values(by_vars + ["ADT", "_RANK", "_ROW"], ascending=[True] * len(by_vars) + [True, False, True])
    anl = cand.drop_duplicates(by_vars + ["ADT"], keep="first")
    first_pd = (
        anl[anl["AVALC"] == "PD"].groupby(by_vars, as_index=False, dropna=False)["ADT"].min().rename(columns={"ADT": "_PD"})
    )
    anl = anl.merge(first_pd, on=by_vars, how="left")
    upto = anl.loc[anl["_PD"].isna() | (anl["ADT"] <= anl["_PD"]), "_ROW"]
    for name, rows in ((fl1, anl["_ROW"]), (fl2, upto)):
        flag = np.full(len(out), None, dtype=object)
        flag[rows.to_numpy(dtype=np.int64)] = "Y"
        out[name] = flag
    return out


# --------------------------------------------------------------------------- parameters


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_bor(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = _OVR_ANL,
    source_pd: Filter | pd.DataFrame | None = None,
    reference_date: str = "TRTSDT",
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
) -> pd.DataFrame:
    """Append best overall response (no confirmation), one record per ADSL subject.

    First category that applies wins: CR (any CR), PR (any PR), SD (CR/PR/SD at
    ADT >= reference + ``ref_start_window``), NON-CR/NON-PD (same window), PD, NE
    (any other assessment), MISSING (none; NE with ``rule.missing_as_ne``). ADT and the
    other variables come from the first record (by ADT) of the winning category.
    ``source_pd`` (filter on ``dataset`` or frame with ADT) limits the source to
    assessments up to the first PD; ``before_date_var`` to assessments strictly before
    that date (new anti-cancer therapy).

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"], "TRTSDT": pd.Timestamp("2020-01-01")})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "ANL02FL": "Y", "AVALC": ["SD", "PD"], "ADT": pd.to_datetime(["2020-01-22", "2020-02-19"])})
    >>> row = derive_param_bor(ovr, dataset_ref=adsl).iloc[-1]
    >>> row.PARAMCD, row.AVALC, float(row.AVAL), str(row.ADT.date())
    ('BOR', 'PD', 5.0, '2020-02-19')
    """
    new = _NewParam.start(dataset, dataset_ref, by_vars, rule, set_values_to,
                          PARAMCD="BOR", PARAM="Best Overall Response (confirmation not required)")
    src = new.source(filter, source_pd=source_pd, reference_date=reference_date, before_date_var=before_date_var)
    best = _pick_best(src, _bor_categories(src, rule, confirmed=None), new.by_vars, rule.bor_order)
    no_assessment = "NE" if rule.missing_as_ne else "MISSING"
    return new.append(best, default_avalc=no_assessment, aval_map=rule.aval_resp, keep_adsl=[reference_date])


def _bor_categories(
    src: pd.DataFrame, rule: BorRule, confirmed: tuple[np.ndarray, np.ndarray] | None
) -> np.ndarray:
    """Index into ``rule.bor_order`` per record (best applicable category)."""
    order = {v: i for i, v in enumerate(rule.bor_order)}
    aval = src["AVALC"].to_numpy(dtype=object)
    in_window = (day_numbers(src["ADT"]) >= day_numbers(src["_REF"]) + rule.ref_start_window) & src["_REF"].notna().to_numpy()
    if confirmed is None:
        is_cr, is_pr = aval == "CR", aval == "PR"
    else:
        is_cr, is_pr = confirmed
    conds = [
        is_cr,
        is_pr,
        np.isin(aval, list(rule.sd_values)) & in_window,
        (aval == "NON-CR/NON-PD") & in_window,
        aval == "PD",
        np.isin(aval, list(rule.response_values)),
    ]
    choices = [order["CR"], order["PR"], order["SD"], order["NON-CR/NON-PD"], order["PD"], order["NE"]]
    return np.select(conds, choices, default=-1)


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_confirmed_bor(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = _OVR_ANL,
    source_pd: Filter | pd.DataFrame | None = None,
    reference_date: str = "TRTSDT",
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Append confirmed best overall response (CBOR), one record per ADSL subject.

    CR counts only if confirmed by a CR >= ``ref_confirm`` days later with only CR/NE
    between (at most ``max_nr_ne`` NE); PR only if confirmed by CR/PR >= ``ref_confirm``
    days later with only CR/PR/NE between (at most ``max_nr_ne`` NE, no PR after CR;
    one SD if ``accept_sd``). Unconfirmed CR/PR fall to the SD rule (SD at/after the
    window, else NE). Then as :func:`derive_param_bor`. A CR followed by a PR is a data
    issue: reported in ``findings`` if given (see :func:`assert_no_cr_then_pr`).

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"], "TRTSDT": pd.Timestamp("2020-01-01")})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "ANL02FL": "Y", "AVALC": ["PR", "PR"], "ADT": pd.to_datetime(["2020-02-12", "2020-03-10"])})
    >>> row = derive_param_confirmed_bor(ovr, dataset_ref=adsl).iloc[-1]
    >>> row.PARAMCD, row.AVALC, str(row.ADT.date())
    ('CBOR', 'SD', '2020-02-12')
    """
    new = _NewParam.start(dataset, dataset_ref, by_vars, rule, set_values_to,
                          PARAMCD="CBOR", PARAM="Best Confirmed Overall Response")
    src = new.source(filter, source_pd=source_pd, reference_date=reference_date, before_date_var=before_date_var)
    if findings is not None:
        assert_no_cr_then_pr(src, by_vars=new.by_vars, findings=findings)
    cat = _bor_categories(src, rule, confirmed=_confirmation(src, new.by_vars, rule))
    best = _pick_best(src, cat, new.by_vars, rule.bor_order)
    no_assessment = "NE" if rule.missing_as_ne else "MISSING"
    return new.append(best, default_avalc=no_assessment, aval_map=rule.aval_resp, keep_adsl=[reference_date])


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_response(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = _OVR_ANL + " and AVALC in ['CR', 'PR']",
    source_pd: Filter | pd.DataFrame | None = None,
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
) -> pd.DataFrame:
    """Append a Y/N parameter: Y (ADT = first matching record) if any record matches.

    Defaults give RSP (any CR/PR). Other uses: BCP / CBCP with
    ``filter="PARAMCD == 'BOR' and AVALC in ['CR', 'PR']"`` (or ``'CBOR'``), or
    any "first event" flag. Subjects without a matching record get N, no ADT.

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2"]})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "ANL02FL": "Y", "AVALC": ["SD", "PR"], "ADT": pd.to_datetime(["2020-01-22", "2020-02-19"])})
    >>> out = derive_param_response(ovr, dataset_ref=adsl)
    >>> out[out.PARAMCD == "RSP"][["USUBJID", "AVALC", "AVAL"]].values.tolist()
    [['1', 'Y', 1.0], ['2', 'N', 0.0]]
    """
    new = _NewParam.start(dataset, dataset_ref, by_vars, rule, set_values_to,
                          PARAMCD="RSP", PARAM="Response (confirmation not required)")
    src = new.source(
        filter, source_pd=source_pd, before_date_var=before_date_var, check_values=False, unique_dates=False
    )
    return new.append_flag(src.drop_duplicates(new.by_vars, keep="first"))


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_first_pd(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = "PARAMCD == 'OVR' and ANL01FL == 'Y' and AVALC == 'PD'",
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
) -> pd.DataFrame:
    """Append PD: Y with ADT = date of first PD, else N (no ADT).

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"]})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "AVALC": ["PD", "PD"], "ADT": pd.to_datetime(["2020-02-19", "2020-03-19"])})
    >>> row = derive_param_first_pd(ovr, dataset_ref=adsl).iloc[-1]
    >>> row.PARAMCD, row.AVALC, str(row.ADT.date())
    ('PD', 'Y', '2020-02-19')
    """
    values = {"PARAMCD": "PD", "PARAM": "Disease Progression"} | dict(set_values_to or {})
    return derive_param_response(
        dataset,
        dataset_ref=dataset_ref,
        filter=filter,
        before_date_var=before_date_var,
        by_vars=by_vars,
        rule=rule,
        set_values_to=values,
    )


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_confirmed_resp(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = _OVR_ANL,
    source_pd: Filter | pd.DataFrame | None = None,
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Append CRSP: Y (ADT = first confirmed CR/PR) if any response is confirmed, else N.

    Confirmation as in :func:`derive_param_confirmed_bor`.

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"]})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "ANL02FL": "Y", "AVALC": ["PR", "PR"], "ADT": pd.to_datetime(["2020-02-12", "2020-03-11"])})
    >>> row = derive_param_confirmed_resp(ovr, dataset_ref=adsl).iloc[-1]
    >>> row.PARAMCD, row.AVALC, str(row.ADT.date())
    ('CRSP', 'Y', '2020-02-12')
    """
    new = _NewParam.start(dataset, dataset_ref, by_vars, rule, set_values_to,
                          PARAMCD="CRSP", PARAM="Confirmed Response")
    src = new.source(filter, source_pd=source_pd, before_date_var=before_date_var)
    if findings is not None:
        assert_no_cr_then_pr(src, by_vars=new.by_vars, findings=findings)
    conf_cr, conf_pr = _confirmation(src, new.by_vars, rule)
    return new.append_flag(src[conf_cr | conf_pr].drop_duplicates(new.by_vars, keep="first"))


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_clinbenefit(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = _OVR_ANL,
    source_resp: Filter | None = "PARAMCD == 'RSP' and AVALC == 'Y'",
    source_pd: Filter | pd.DataFrame | None = None,
    reference_date: str = "TRTSDT",
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
) -> pd.DataFrame:
    """Append clinical benefit / disease control (CB; CCB with ``source_resp`` on CRSP).

    Y when the subject responded (a record matching ``source_resp``, its ADT) or has
    an assessment in ``rule.benefit_values`` (CR, PR, SD, NON-CR/NON-PD) at ADT >=
    reference + ``ref_start_window``; ADT is the earliest of these. Else N.

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"], "TRTSDT": pd.Timestamp("2020-01-01")})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "ANL02FL": "Y", "AVALC": ["SD", "SD"], "ADT": pd.to_datetime(["2020-01-22", "2020-02-12"])})
    >>> row = derive_param_clinbenefit(ovr, dataset_ref=adsl, source_resp=None).iloc[-1]
    >>> row.PARAMCD, row.AVALC, str(row.ADT.date())
    ('CB', 'Y', '2020-02-12')
    """
    new = _NewParam.start(dataset, dataset_ref, by_vars, rule, set_values_to,
                          PARAMCD="CB", PARAM="Clinical Benefit")
    src = new.source(filter, source_pd=source_pd, reference_date=reference_date, before_date_var=before_date_var)
    in_window = day_numbers(src["ADT"]) >= day_numbers(src["_REF"]) + rule.ref_start_window
    cand = [src[src["AVALC"].isin(rule.benefit_values).to_numpy() & in_window]]
    if source_resp is not None:
        resp = dataset.loc[filter_mask(dataset, source_resp)].copy()
        resp["ADT"] = compute_date(resp["ADT"], variable="ADT")
        cand.append(resp)
    allc = pd.concat(cand, ignore_index=True).sort_values(new.by_vars + ["ADT"], kind="mergesort")
    return new.append_flag(allc.drop_duplicates(new.by_vars, keep="first"))


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def derive_param_last_assessment(
    dataset: pd.DataFrame,
    *,
    dataset_ref: pd.DataFrame,
    filter: Filter = _OVR_ANL,
    before_date_var: str | None = None,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    rule: BorRule = BorRule(),
    set_values_to: Mapping | None = None,
) -> pd.DataFrame:
    """Append LSTA: the last adequate assessment (``rule.adequate_values``; never NE).

    Default source: OVR records with ANL01FL and ANL02FL, i.e. up to and including the
    first PD. (The peer's pharmaverse ADRS used ANL01FL only, so one of its subjects has
    an LSTA after PD.) Subjects without one get a record with AVALC and ADT missing.

    >>> adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1"]})
    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "PARAMCD": "OVR", "ANL01FL": "Y",
    ...     "ANL02FL": "Y", "AVALC": ["SD", "NE"], "ADT": pd.to_datetime(["2020-01-22", "2020-02-19"])})
    >>> row = derive_param_last_assessment(ovr, dataset_ref=adsl).iloc[-1]
    >>> row.PARAMCD, row.AVALC, str(row.ADT.date())
    ('LSTA', 'SD', '2020-01-22')
    """
    new = _NewParam.start(dataset, dataset_ref, by_vars, rule, set_values_to,
                          PARAMCD="LSTA", PARAM="Last Disease Assessment")
    src = new.source(filter, before_date_var=before_date_var)
    last = src[src["AVALC"].isin(rule.adequate_values)].drop_duplicates(new.by_vars, keep="last")
    return new.append(last, default_avalc=None, aval_map=rule.aval_resp)


def assert_no_cr_then_pr(
    dataset: pd.DataFrame,
    *,
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    filter: Filter = None,
    findings: Findings | None = None,
) -> pd.DataFrame:
    """Check that no PR follows a CR (a data issue per RECIST; fix the source data).

    Returns the offending PR records. With ``findings`` each is added as a warning
    (check ``cr_then_pr``); without, a :class:`DerivationError` is raised if any.

    >>> ovr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "AVALC": ["CR", "PR"],
    ...                     "ADT": pd.to_datetime(["2020-02-01", "2020-03-01"])})
    >>> f = Findings()
    >>> len(assert_no_cr_then_pr(ovr, findings=f)), f.items[0].check
    (1, 'cr_then_pr')
    """
    by_vars = list(by_vars)
    assert_has_columns(dataset, by_vars + ["ADT", "AVALC"], name="input dataset")
    src = dataset.loc[filter_mask(dataset, filter)].copy()
    src["_ADT"] = compute_date(src["ADT"], variable="ADT")
    src = src.sort_values(by_vars + ["_ADT"], kind="mergesort")
    is_cr = src["AVALC"].eq("CR").astype(int)
    seen_cr = is_cr.groupby([src[v] for v in by_vars], dropna=False).cumsum() - is_cr > 0
    bad = src[seen_cr & src["AVALC"].eq("PR")].drop(columns="_ADT")
    if len(bad):
        if findings is None:
            r = bad.iloc[0]
            raise DerivationError(
                f"PR after CR for {bad.drop_duplicates(by_vars).shape[0]} subject(s)",
                variable="AVALC",
                usubjid=str(r.get("USUBJID")),
                value="PR",
                hint="a CR followed by PR is a data issue: query the site (often the PR should be PD)",
            )
        ids = bad["USUBJID"] if "USUBJID" in bad.columns else pd.Series(None, index=bad.index)
        for usubjid, adt in zip(ids, compute_date(bad["ADT"])):  # offending records only, for the report
            findings.add(
                "warning",
                "cr_then_pr",
                "PR assessed after a CR: data issue to query (confirmation treats it as not confirming)",
                variable="AVALC",
                usubjid=str(usubjid),
                value=f"PR on {adt.date()}",
            )
    return bad


__all__ = [
    "RESPONSE_VALUES",
    "AVAL_RESP",
    "AVAL_YN",
    "WORST_OF_DAY_RANK",
    "BOR_ORDER",
    "BorRule",
    "compute_aval_resp",
    "impute_dtc_to_date",
    "to_date",
    "derive_param_ovr",
    "derive_var_ovr_anl_flags",
    "derive_param_bor",
    "derive_param_confirmed_bor",
    "derive_param_response",
    "derive_param_first_pd",
    "derive_param_confirmed_resp",
    "derive_param_clinbenefit",
    "derive_param_last_assessment",
    "assert_no_cr_then_pr",
]
