"""What the response parameters share (private): source records, subjects, confirmation.

The public ``derive_param_*`` of :mod:`derivations.oncology.response` each start a
:class:`_NewParam` (the new parameter's values, checked to be new), take its prepared source
records (:meth:`_NewParam.source`: filtered, dated, limited to before PD / new therapy,
checked for allowed values and one record per date), choose one record per subject with
the helpers here (:func:`_confirmation`, :func:`_bor_categories`, :func:`_pick_best`), and
append them (:meth:`_NewParam.append`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, set_values
from ..findings import DerivationError
from ..iso8601 import compute_date, day_numbers
from .rules import BorRule, compute_aval_resp


_OVR_ANL = "PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"


def _subjects(dataset: pd.DataFrame, dataset_ref: pd.DataFrame | None, by_vars: list[str]) -> pd.DataFrame:
    if dataset_ref is None:
        return dataset[by_vars].drop_duplicates().reset_index(drop=True)
    assert_has_columns(dataset_ref, by_vars, name="ADSL")
    return dataset_ref.drop_duplicates(by_vars).reset_index(drop=True)


def _add_from_ref(
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
        src = _add_from_ref(src, dataset_ref, by_vars, reference_date, "reference date")
        src["_REF"] = compute_date(src[reference_date], variable=reference_date)
    if before_date_var is not None:
        src = _add_from_ref(src, dataset_ref, by_vars, before_date_var, "new anti-cancer therapy date")
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
