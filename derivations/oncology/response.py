"""Best overall response and the response parameters of an ADRS (RECIST 1.1).

Behaviour follows admiralonco 1.4 (``derive_param_bor``, ``derive_param_confirmed_bor``,
``derive_param_response``, ``derive_param_clinbenefit``, ``derive_param_confirmed_resp``,
``derive_param_lasta``) and the facts in ``oncology-rules.md``. The module holds the
public derivations only; the rules are data in :mod:`derivations.oncology.rules`
(:class:`BorRule`: windows, ranks, value sets; :data:`AVAL_RESP` / :data:`AVAL_YN`:
AVALC -> AVAL), what the parameters share in :mod:`derivations.oncology._params`, and
the dates in :mod:`derivations.iso8601` / :mod:`derivations.adam.dates`. Everything is vectorised (sort, groupby, cumulative counts,
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
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..adam.dates import impute_dtc_to_date
from ..adam.extreme import derive_var_relative_flag
from ..core import Filter, assert_has_columns, filter_mask, set_values
from ..findings import DerivationError, Findings
from ..iso8601 import compute_date, day_numbers
from ..vocabulary import renamed_arguments
from ._params import (
    _OVR_ANL,
    _add_from_ref,
    _bor_categories,
    _confirmation,
    _NewParam,
    _pick_best,
)
from .rules import (  # noqa: F401 - re-exported: the rules were defined here before
    AVAL_RESP,
    AVAL_YN,
    BOR_ORDER,
    RESPONSE_VALUES,
    WORST_OF_DAY_RANK,
    BorRule,
    compute_aval_resp,
)

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

    Parameters
    ----------
    dataset
        The RS records; the result is a new frame (RS variables kept for tracing).
    dataset_ref
        Optional ADSL, for ``adsl_vars``.
    filter
        The source records (query string, callable, boolean Series); default ``"RSTESTCD == 'OVRLRESP'"``: the overall response records.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    result_var
        The response; default ``"RSSTRESC"``; values outside ``rule.response_values`` are kept
        (they are checked by the parameters that use them).
    dtc_var
        The assessment date; default ``"RSDTC"``.
    date_imputation
        A partial date's missing day/month: ``"last"`` (default, as admiralonco), ``"first"``
        or ``None`` (partial dates give no ADT). ADTF flags it.
    adsl_vars
        Variables merged from ``dataset_ref`` (e.g. ``["TRTSDT"]``); default none.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="OVR"``, ``PARAM="Overall Response"``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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
        out = _add_from_ref(out, dataset_ref, by_vars, var, "ADSL")
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

    Parameters
    ----------
    dataset
        The OVR records (AVALC, ADT); returned with the two flags added.
    dataset_ref
        Optional ADSL, for ``reference_date`` / ``before_date_var`` when ``dataset`` lacks them.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR'"``: the records that can be flagged.
    reference_date
        Assessments before this date are not analysed; default ``"TRTSDT"``.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    new_vars
        Names of the two flags; default ``("ANL01FL", "ANL02FL")``.
    findings
        Receives every record that matched ``filter`` but could not be flagged for a data
        reason (unknown value, no ADT, no reference date; check ``ovr_not_analysed``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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
    work = _add_from_ref(work, dataset_ref, by_vars, reference_date, "reference date")
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
        work = _add_from_ref(work, dataset_ref, by_vars, before_date_var, "new anti-cancer therapy date")
        before = compute_date(work[before_date_var], variable=before_date_var)
        valid &= before.isna() | (work["ADT"] < before)
    cand = work[valid].copy()
    rank = {v: i for i, v in enumerate(rule.worst_of_day_rank)}
    cand["_RANK"] = cand["AVALC"].map(rank)
    cand = cand.sort_values(by_vars + ["ADT", "_RANK", "_ROW"], ascending=[True] * len(by_vars) + [True, False, True])
    anl = cand.drop_duplicates(by_vars + ["ADT"], keep="first")
    # up to and including the first PD, all of them without a PD (admiralonco's template: the same
    # relative flag on the ANL01FL records); one record per subject and date, so ADT orders them
    anl = derive_var_relative_flag(anl, by_vars=by_vars, order=["ADT"], new_var="_UPTO", condition="AVALC == 'PD'",
                                   mode="first", selection="before", inclusive=True, true_value=True,
                                   false_value=False, check_type="none")
    upto = anl.loc[anl["_UPTO"].to_numpy(dtype=bool), "_ROW"]
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

    Parameters
    ----------
    dataset
        Records holding the OVR assessments (AVALC, ADT); the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"``: the analysed overall responses up to the first PD.
    source_pd
        Limit the source to assessments up to the first PD: a filter on ``dataset`` that
        selects the PD records, or a frame with ``by_vars`` and ADT; ``None`` (default): no limit.
    reference_date
        Start of the SD window (``rule.ref_start_window`` days), a date column of ``dataset``
        or ``dataset_ref``; default ``"TRTSDT"``.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="BOR"``, ``PARAM="Best Overall Response (confirmation not required)"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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

    Parameters
    ----------
    dataset
        Records holding the OVR assessments (AVALC, ADT); the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"``: the analysed overall responses up to the first PD.
    source_pd
        Limit the source to assessments up to the first PD: a filter on ``dataset`` that
        selects the PD records, or a frame with ``by_vars`` and ADT; ``None`` (default): no limit.
    reference_date
        Start of the SD window (``rule.ref_start_window`` days), a date column of ``dataset``
        or ``dataset_ref``; default ``"TRTSDT"``.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="CBOR"``, ``PARAM="Best Confirmed Overall Response"``.
    findings
        Receives each PR that follows a CR (check ``cr_then_pr``, a data issue to query).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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

    Parameters
    ----------
    dataset
        Records holding the source records; the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``OVR ANL01FL/ANL02FL and AVALC in ['CR', 'PR']``: any response.
    source_pd
        Limit the source to assessments up to the first PD: a filter on ``dataset`` that
        selects the PD records, or a frame with ``by_vars`` and ADT; ``None`` (default): no limit.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="RSP"``, ``PARAM="Response (confirmation not required)"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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

    Parameters
    ----------
    dataset
        Records holding the OVR assessments; the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR' and ANL01FL == 'Y' and AVALC == 'PD'"``: the analysed PD assessments.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="PD"``, ``PARAM="Disease Progression"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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

    Parameters
    ----------
    dataset
        Records holding the OVR assessments; the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"``: the analysed overall responses up to the first PD.
    source_pd
        Limit the source to assessments up to the first PD: a filter on ``dataset`` that
        selects the PD records, or a frame with ``by_vars`` and ADT; ``None`` (default): no limit.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="CRSP"``, ``PARAM="Confirmed Response"``.
    findings
        Receives each PR that follows a CR (check ``cr_then_pr``, a data issue to query).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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

    Parameters
    ----------
    dataset
        Records holding the OVR assessments and the response parameter; the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"``: the analysed overall responses up to the first PD.
    source_resp
        The responders' records, a filter on ``dataset``; default
        ``"PARAMCD == 'RSP' and AVALC == 'Y'"`` (``'CRSP'`` for CCB); ``None``: responses are not counted apart.
    source_pd
        Limit the source to assessments up to the first PD: a filter on ``dataset`` that
        selects the PD records, or a frame with ``by_vars`` and ADT; ``None`` (default): no limit.
    reference_date
        Start of the SD window (``rule.ref_start_window`` days), a date column of ``dataset``
        or ``dataset_ref``; default ``"TRTSDT"``.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="CB"``, ``PARAM="Clinical Benefit"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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

    Parameters
    ----------
    dataset
        Records holding the OVR assessments; the new records are appended.
    dataset_ref
        One record per subject (ADSL): every one of its subjects gets a record of the new
        parameter; ``reference_date`` / ``before_date_var`` are taken from it where
        ``dataset`` lacks them.
    filter
        The source records (query string, callable, boolean Series); default ``"PARAMCD == 'OVR' and ANL01FL == 'Y' and ANL02FL == 'Y'"``: the analysed overall responses up to and including the first PD.
    before_date_var
        Only assessments strictly before this date (e.g. ``"NACTDT"``, start of new
        anti-cancer therapy); ``None`` (default): no limit.
    by_vars
        Columns that identify a subject; default ``("STUDYID", "USUBJID")``.
    rule
        The :class:`BorRule` (windows, confirmation, rankings, AVAL codes); print it to read it.
    set_values_to
        ``{column: value}`` on the new records; default ``PARAMCD="LSTA"``, ``PARAM="Last Disease Assessment"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
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
