"""RECIST 1.1 time-point (per visit) response derived from lesion data (SDTM TU + TR).

The rules are data: :class:`RecistRule` holds the thresholds and the SDTM value
mappings, :data:`RECIST11_OVERALL_TABLE` is the RECIST 1.1 overall-response table
(target x non-target x new lesion -> overall). ``print(RecistRule())`` shows both.

Input conventions (pharmaverse ``tu_onco``/``tr_onco`` and the embedded study):

* TU: one record per lesion (``TULNKID``), ``TUSTRESC`` TARGET / NON-TARGET / NEW,
  ``TULOC`` (lymph nodes recognised by ``rule.node_pattern``, or a Y/N flag variable
  named by ``rule.node_flag_var``).
* TR: ``TRLNKID`` links to ``TULNKID``; target lesions carry a diameter
  (``TRTESTCD`` DIAMETER, else LDIAM; nodes: DIAMETER, else short axis SAXIS/LPERP,
  see ``rule.measure_testcds``), non-target and new lesions a ``TUMSTATE`` record
  (ABSENT / PRESENT / EQUIVOCAL / UNEQUIVOCAL; missing or NOT DONE = not evaluated).
  TR records without ``TRLNKID`` (the sponsor's SUMDIAM) are not used: the sum is
  re-derived from the lesions.
* An assessment is a subject (and evaluator) visit; a visit label that recurs at a
  later date (e.g. two ``UNSCHEDULED 9.2``) is a separate assessment (VISITOCC 2).

Example
-------
>>> import pandas as pd
>>> tu = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "TULNKID": ["T01", "T02", "NT01"],
...     "TUSTRESC": ["TARGET", "TARGET", "NON-TARGET"], "TULOC": ["LIVER", "LYMPH NODE", "BONE"]})
>>> tr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1",
...     "TRLNKID": ["T01", "T02", "NT01"] * 2,
...     "TRTESTCD": ["LDIAM", "LDIAM", "TUMSTATE"] * 2,
...     "TRSTRESN": [30.0, 20.0, None, 0.0, 9.0, None],
...     "TRSTRESC": ["30", "20", "PRESENT", "0", "9", "ABSENT"],
...     "VISIT": ["BASELINE"] * 3 + ["WEEK 6"] * 3, "VISITNUM": [1] * 3 + [2] * 3,
...     "TRDTC": ["2020-01-01"] * 3 + ["2020-02-12"] * 3})
>>> ovr = derive_param_recist_ovr(tr, dataset_add=tu)
>>> ovr[["VISIT", "SUMDIAM", "PCHG", "TRGRESP", "NTRGRESP", "OVRLRESP"]].values.tolist()
[['BASELINE', 50.0, nan, None, None, None], ['WEEK 6', 9.0, -82.0, 'CR', 'CR', 'CR']]
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..adam.dates import impute_dtc_to_date
from ..core import Filter, assert_has_columns, filter_mask, set_values
from ..findings import DerivationError, Findings
from ..vocabulary import renamed_arguments
from .rules import AVAL_RESP, compute_aval_resp

ANY = "ANY"
_NT_STATES = ("CR", "NON-CR/NON-PD", "NE", "NA")
_T_STATES = ("CR", "PR", "SD", "NE", "PD", "NA")

#: RECIST 1.1 overall response: (target, non-target, new lesion, overall); first match
#: wins. "NE" = not all evaluated; "NA" = no such lesions at baseline (RECIST 1.1
#: Table 1 for target disease, Table 2 for non-target disease only).
RECIST11_OVERALL_TABLE: tuple[tuple[str, str, str, str], ...] = (
    (ANY, ANY, "Y", "PD"),
    ("PD", ANY, ANY, "PD"),
    (ANY, "PD", ANY, "PD"),
    ("CR", "CR", "N", "CR"),
    ("CR", "NA", "N", "CR"),
    ("CR", "NON-CR/NON-PD", "N", "PR"),
    ("CR", "NE", "N", "PR"),
    ("PR", "CR", "N", "PR"),
    ("PR", "NON-CR/NON-PD", "N", "PR"),
    ("PR", "NE", "N", "PR"),
    ("PR", "NA", "N", "PR"),
    ("SD", "CR", "N", "SD"),
    ("SD", "NON-CR/NON-PD", "N", "SD"),
    ("SD", "NE", "N", "SD"),
    ("SD", "NA", "N", "SD"),
    ("NE", "CR", "N", "NE"),
    ("NE", "NON-CR/NON-PD", "N", "NE"),
    ("NE", "NE", "N", "NE"),
    ("NE", "NA", "N", "NE"),
    ("NA", "CR", "N", "CR"),
    ("NA", "NON-CR/NON-PD", "N", "NON-CR/NON-PD"),
    ("NA", "NE", "N", "NE"),
    ("NA", "NA", "N", "NE"),
)


def format_response_table(table: Sequence[tuple[str, str, str, str]] = RECIST11_OVERALL_TABLE) -> str:
    """The overall-response table as aligned text (first matching row wins).

    >>> for line in format_response_table().splitlines()[:3]:
    ...     print(line)
    target  non-target     new  overall
    ANY     ANY            Y    PD
    PD      ANY            ANY  PD
    """
    head = ("target", "non-target", "new", "overall")
    widths = [max(len(r[i]) for r in (*table, head)) + 2 for i in range(3)]
    lines = ["".join(h.ljust(w) for h, w in zip(head[:3], widths)) + head[3]]
    lines += ["".join(v.ljust(w) for v, w in zip(r[:3], widths)) + r[3] for r in table]
    return "\n".join(lines)


def compute_overall_lookup(
    table: Sequence[tuple[str, str, str, str]] = RECIST11_OVERALL_TABLE,
) -> dict[tuple[str, str, str], str]:
    """Expand the table to every (target, non-target, new) combination (first match wins).

    Parameters
    ----------
    table
        ``(target, non-target, new lesion, overall)`` rows, ``"ANY"`` matching any value;
        default :data:`RECIST11_OVERALL_TABLE`.

    Returns
    -------
    dict

    Examples
    --------
    >>> compute_overall_lookup()[("CR", "NON-CR/NON-PD", "N")]
    'PR'
    """
    out: dict[tuple[str, str, str], str] = {}
    for t in _T_STATES:
        for nt in (*_NT_STATES, "PD"):
            for new in ("N", "Y"):
                for rt, rnt, rnew, overall in table:
                    if rt in (ANY, t) and rnt in (ANY, nt) and rnew in (ANY, new):
                        out[(t, nt, new)] = overall
                        break
                else:
                    raise DerivationError(
                        "RECIST overall-response table has no row for a combination",
                        value=(t, nt, new),
                        hint="add a row (or an ANY row) to the table",
                    )
    return out


@dataclass(frozen=True)
class RecistRule:
    """RECIST 1.1 time-point response rule; ``print()`` it to read it.

    >>> r = RecistRule()
    >>> r.pr_threshold, r.pd_threshold, r.pd_min_abs_mm, r.node_cr_short_axis_mm
    (-0.3, 0.2, 5.0, 10.0)
    """

    #: PR: sum <= baseline * (1 + pr_threshold).
    pr_threshold: float = -0.30
    #: PD: sum >= nadir * (1 + pd_threshold) ...
    pd_threshold: float = 0.20
    #: ... and sum - nadir >= pd_min_abs_mm.
    pd_min_abs_mm: float = 5.0
    #: CR: every target node below this short axis (mm); every other target 0 mm.
    node_cr_short_axis_mm: float = 10.0
    #: selection limits at baseline (exceeding them is reported, not changed).
    max_targets: int = 5
    max_per_organ: int = 2
    #: the nadir (smallest earlier sum) includes the baseline sum.
    nadir_includes_baseline: bool = True
    #: tolerance for the threshold comparisons (floating point, mm and fractions).
    tolerance: float = 1e-9
    #: TUSTRESC values.
    target_value: str = "TARGET"
    nontarget_value: str = "NON-TARGET"
    new_value: str = "NEW"
    #: VISIT values that are the baseline assessment (unless baseline_filter is given).
    baseline_visits: tuple[str, ...] = ("BASELINE", "SCREENING")
    #: diameter test codes in order of preference: non-nodal, nodal target lesions.
    measure_testcds: tuple[str, ...] = ("DIAMETER", "LDIAM")
    node_measure_testcds: tuple[str, ...] = ("DIAMETER", "SAXIS", "SHORTAX", "LPERP", "LDIAM")
    #: lymph node: TULOC matches this regular expression (case-insensitive) ...
    node_pattern: str = r"LYMPH|NODE"
    #: ... or this TU variable is "Y" (e.g. a sponsor node flag), if given.
    node_flag_var: str | None = None
    #: TUMSTATE results -> lesion state (missing / NOT DONE = not evaluated).
    state_testcd: str = "TUMSTATE"
    nontarget_states: tuple[tuple[str, str], ...] = (
        ("ABSENT", "ABSENT"),
        ("PRESENT", "PRESENT"),
        ("EQUIVOCAL", "PRESENT"),
        ("UNEQUIVOCAL", "PD"),
    )
    #: a new lesion with one of these states is PD (EQUIVOCAL is not, until confirmed).
    new_lesion_states: tuple[str, ...] = ("PRESENT", "UNEQUIVOCAL")
    #: assessment date: "first" (earliest scan of the visit) or "last".
    visit_date: str = "first"
    #: missing day/month in TRDTC: "first", "last" or None.
    date_imputation: str | None = "first"
    response_table: tuple[tuple[str, str, str, str], ...] = RECIST11_OVERALL_TABLE
    aval_resp: tuple[tuple[str, int], ...] = AVAL_RESP

    def __post_init__(self) -> None:
        if self.visit_date not in ("first", "last"):
            raise DerivationError("RecistRule.visit_date must be 'first' or 'last'", value=self.visit_date)
        if not (-1 < self.pr_threshold < 0) or self.pd_threshold <= 0 or self.pd_min_abs_mm < 0:
            raise DerivationError(
                "RecistRule thresholds out of range",
                value=(self.pr_threshold, self.pd_threshold, self.pd_min_abs_mm),
                hint="pr_threshold is a negative fraction (-0.30), pd_threshold positive (0.20), pd_min_abs_mm >= 0",
            )
        compute_overall_lookup(self.response_table)  # complete table or error

    def __str__(self) -> str:
        states = ", ".join(f"{k}->{v}" for k, v in self.nontarget_states)
        return "\n".join(
            [
                "RecistRule (RECIST 1.1 time-point response from TU/TR)",
                f"  target CR: non-nodal targets 0 mm and every nodal target < {self.node_cr_short_axis_mm:g} mm "
                "short axis",
                f"  target PR: sum <= baseline x (1 {self.pr_threshold:+.0%})",
                f"  target PD: sum >= nadir x (1 {self.pd_threshold:+.0%}) and sum - nadir >= "
                f"{self.pd_min_abs_mm:g} mm (nadir = smallest earlier sum, "
                f"{'baseline included' if self.nadir_includes_baseline else 'post-baseline only'}); "
                "a partial sum can already show PD",
                "  target NE: a target not measured (and no PD); SD otherwise",
                f"  selection limits: {self.max_targets} targets, {self.max_per_organ} per organ",
                f"  measurement test codes: {', '.join(self.measure_testcds)} "
                f"(nodes: {', '.join(self.node_measure_testcds)}); nodes: TULOC ~ /{self.node_pattern}/"
                + (f" or {self.node_flag_var} = Y" if self.node_flag_var else ""),
                f"  non-target {self.state_testcd}: {states}; missing/NOT DONE -> not evaluated",
                f"  new lesion is PD when {self.state_testcd} in {', '.join(self.new_lesion_states)}",
                f"  baseline visits: {', '.join(self.baseline_visits)}; assessment date = {self.visit_date} scan date",
                "  overall response (first matching row wins):",
                "    " + format_response_table(self.response_table).replace("\n", "\n    "),
            ]
        )


def _role_from_tu(
    tu: pd.DataFrame, keys: list[str], rule: RecistRule, uid: np.ndarray, lnk_names: pd.Index
) -> pd.DataFrame:
    """Lesion table: role, lymph-node flag, organ (keys + ``_LNK``)."""
    loc = tu["TULOC"] if "TULOC" in tu.columns else pd.Series("", index=tu.index)
    node = loc.astype("string").str.contains(rule.node_pattern, case=False, regex=True).fillna(False)
    if rule.node_flag_var:
        assert_has_columns(tu, [rule.node_flag_var], name="TU")
        node = node | tu[rule.node_flag_var].eq("Y")
    lesions = tu[keys + ["TULNKID", "TUSTRESC"]].copy()
    lesions["_NODE"] = node.astype(bool).to_numpy()
    lesions["_ORGAN"] = loc.astype(object).to_numpy()
    lesions["TUSTRESC"] = lesions["TUSTRESC"].astype(object)
    conflict = lesions.drop_duplicates(keys + ["TULNKID", "TUSTRESC"]).duplicated(keys + ["TULNKID"], keep=False)
    if conflict.any():
        r = lesions.drop_duplicates(keys + ["TULNKID", "TUSTRESC"])[conflict].iloc[0]
        raise DerivationError(
            "lesion identified with two different roles in TU",
            dataset="TU",
            variable="TUSTRESC",
            usubjid=uid[r["_SID"]],
            value=lnk_names[r["TULNKID"]],
            hint="each TULNKID must be TARGET, NON-TARGET or NEW once per subject",
        )
    return lesions.drop_duplicates(keys + ["TULNKID"]).rename(columns={"TULNKID": "_LNK", "TUSTRESC": "_ROLE"})


def _tu_tr_positional(func):
    """The earlier call ``derive_param_recist_ovr(tu, tr)`` still works, with a DeprecationWarning."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if len(args) == 2:
            if "dataset_add" in kwargs or "dataset_tu" in kwargs:
                raise TypeError("derive_param_recist_ovr() got TU twice: pass derive_param_recist_ovr(tr, dataset_add=tu)")
            warnings.warn("derive_param_recist_ovr(tu, tr) is deprecated; use derive_param_recist_ovr(tr, dataset_add=tu)",
                          DeprecationWarning, stacklevel=2)
            args, kwargs = (args[1],), {**kwargs, "dataset_add": args[0]}
        return func(*args, **kwargs)

    return wrapper


@_tu_tr_positional
@renamed_arguments(dataset_tu="dataset_add", dataset_tr="dataset", filter_tu="filter_add", filter_tr="filter")
def derive_param_recist_ovr(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    rule: RecistRule = RecistRule(),
    by_vars: Sequence[str] = ("STUDYID", "USUBJID"),
    visit_vars: Sequence[str] = ("VISIT", "VISITNUM"),
    evaluator_vars: Sequence[str] = (),
    filter: Filter = None,
    filter_add: Filter = None,
    baseline_filter: Filter = None,
    set_values_to: Mapping | None = None,
    findings: Findings | None = None,
) -> pd.DataFrame:
    """RECIST 1.1 response per subject and assessment (visit) from TU and TR.

    Returns one row per subject (and evaluator) and assessment, baseline included
    (ABLFL = "Y", responses missing), sorted by date, with:
    ``ADT`` (assessment date), ``VISITOCC`` (occurrence of the visit label),
    ``NTRGT`` / ``NTRGTEV`` (target lesions / measured), ``SUMDIAM`` (target sum; missing
    when a target is not measured), ``BASE``, ``NADIR`` (smallest earlier sum),
    ``PCHG`` (% from baseline), ``CHGNADIR`` / ``PCHGNAD`` (mm / % from nadir),
    ``TRGRESP`` (CR/PR/SD/PD/NE, NA = no targets), ``NTRGRESP`` (CR/NON-CR/NON-PD/PD/NE,
    NA = no non-targets), ``NEWLFL`` (Y/N), ``OVRLRESP`` (overall, per
    ``rule.response_table``) and ``PARAMCD``/``PARAM``/``AVALC``/``AVAL`` so the rows
    can feed :func:`derivations.oncology.response.derive_var_ovr_anl_flags`.

    ``evaluator_vars`` (TR names, e.g. ``("TREVAL", "TREVALID")``; TU must carry the
    TU-prefixed twins) keeps evaluators apart; otherwise restrict with ``filter`` (TR) /
    ``filter_add`` (TU). Two records for one lesion, test and assessment raise an error.
    ``findings`` (optional) receives selection-limit breaches, repeated visit labels,
    incomplete baselines and lesions not seen in TR.

    Parameters
    ----------
    dataset
        TR: the lesion measurements (``TRLNKID``, ``TRTESTCD``, ``TRSTRESN``, ``TRSTRESC``,
        ``TRDTC`` and ``visit_vars``); records without ``TRLNKID`` are not used.
    dataset_add
        TU: one record per lesion (``TULNKID``, ``TUSTRESC`` TARGET / NON-TARGET / NEW,
        ``TULOC``).
    rule
        The :class:`RecistRule` (thresholds, value mappings, overall-response table).
    by_vars
        Columns that identify a subject in both; default ``("STUDYID", "USUBJID")``.
    visit_vars
        Columns that identify an assessment; default ``("VISIT", "VISITNUM")``.
    evaluator_vars
        TR columns that keep evaluators apart (e.g. ``("TREVAL", "TREVALID")``; TU must carry
        the TU-prefixed twins); default none.
    filter
        Which TR records take part (e.g. ``"TREVAL == 'INVESTIGATOR'"``).
    filter_add
        Which TU records take part.
    baseline_filter
        Which TR records are the baseline assessment; ``None`` (default): each subject's
        first assessment.
    set_values_to
        ``{column: value}`` on every row, e.g. ``{"PARAMCD": "OVRDER"}``.
    findings
        Receives selection-limit breaches, repeated visit labels, incomplete baselines and
        lesions not seen in TR.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    One target lesion shrinking from 50 to 30 mm (-40 %: PR):

    >>> tu = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "TULNKID": ["T1"], "TUSTRESC": ["TARGET"]})
    >>> tr = pd.DataFrame({"STUDYID": "S", "USUBJID": "1", "TRLNKID": "T1", "TRTESTCD": "LDIAM",
    ...     "TRSTRESN": [50.0, 30.0], "TRSTRESC": ["50", "30"], "VISIT": ["BASELINE", "WEEK 6"],
    ...     "VISITNUM": [1.0, 2.0], "TRDTC": ["2020-01-01", "2020-02-12"]})
    >>> derive_param_recist_ovr(tr, dataset_add=tu)[["VISIT", "SUMDIAM", "PCHG", "OVRLRESP"]].values.tolist()
    [['BASELINE', 50.0, nan, None], ['WEEK 6', 30.0, -40.0, 'PR']]

    """
    by_vars, visit_vars, ev = list(by_vars), list(visit_vars), list(evaluator_vars)
    ev_tu = ["TU" + v[2:] for v in ev]
    assert_has_columns(dataset_add, by_vars + ev_tu + ["TULNKID", "TUSTRESC"], name="TU")
    assert_has_columns(
        dataset,
        by_vars + ev + visit_vars + ["TRLNKID", "TRTESTCD", "TRSTRESN", "TRSTRESC", "TRDTC"],
        name="TR",
    )
    subj_cols = by_vars + ev
    tu_cols = subj_cols + ["TULNKID", "TUSTRESC"] + [c for c in ("TULOC", rule.node_flag_var) if c and c in dataset_add.columns]
    tu = dataset_add.loc[filter_mask(dataset_add, filter_add)].rename(columns=dict(zip(ev_tu, ev)))[tu_cols]
    tr = dataset.loc[filter_mask(dataset, filter)]
    tr_cols = subj_cols + visit_vars + ["TRLNKID", "TRTESTCD", "TRSTRESN", "TRSTRESC", "TRDTC"]
    tr = tr.loc[tr["TRLNKID"].notna(), tr_cols + (["TRGRPID"] if "TRGRPID" in tr.columns else [])].copy()
    tr["_DT"], _ = impute_dtc_to_date(tr["TRDTC"], rule.date_imputation, dataset="TR", variable="TRDTC")
    for col in ("TRTESTCD", "TRSTRESC", "TRGRPID"):  # plain object arrays: cheaper to carry than arrow strings
        if col in tr.columns:
            tr[col] = tr[col].astype(object).where(tr[col].notna(), None)
    tr = tr.drop(columns="TRDTC")

    # ---- integer keys: subject (+evaluator), visit, lesion (string keys are slow to merge/sort)
    skeys = pd.concat([tu[subj_cols], tr[subj_cols]]).drop_duplicates().reset_index(drop=True)
    skeys["_SID"] = np.arange(len(skeys))
    uid = (skeys["USUBJID"] if "USUBJID" in skeys.columns else skeys[subj_cols[0]]).astype(str).to_numpy()
    vkeys = tr[visit_vars].drop_duplicates().sort_values(visit_vars, kind="mergesort").reset_index(drop=True)
    vkeys["_VID"] = np.arange(len(vkeys))
    lnk_codes, lnk_names = pd.factorize(pd.concat([tu["TULNKID"], tr["TRLNKID"]], ignore_index=True))
    tu = tu.merge(skeys, on=subj_cols, how="left").drop(columns=subj_cols)
    tu["TULNKID"] = lnk_codes[: len(tu)]
    tr = tr.merge(skeys, on=subj_cols, how="left").merge(vkeys, on=visit_vars, how="left")
    tr = tr.drop(columns=subj_cols + visit_vars)
    tr["_LNK"] = lnk_codes[len(tu):]
    tr = tr.drop(columns="TRLNKID")
    subj = ["_SID"]
    lesions = _role_from_tu(tu, subj, rule, uid, lnk_names)

    # ---- lesion records with role, date and assessment key
    tr = tr.merge(lesions, on=subj + ["_LNK"], how="left", validate="many_to_one")
    if "TRGRPID" in tr.columns:
        tr["_ROLE"] = tr["_ROLE"].fillna(tr["TRGRPID"])
    unknown = tr["_ROLE"].isna()
    if unknown.any():
        r = tr[unknown].iloc[0]
        raise DerivationError(
            "TR lesion has no TU record (role TARGET/NON-TARGET/NEW unknown)",
            dataset="TR",
            variable="TRLNKID",
            usubjid=uid[r["_SID"]],
            value=lnk_names[r["_LNK"]],
            hint="add the TU identification record or correct TRLNKID",
        )
    tr["_NODE"] = tr["_NODE"].fillna(False).astype(bool)
    tr = tr.sort_values(["_SID", "_VID", "_DT"], kind="mergesort")
    dup = tr.duplicated(["_SID", "_LNK", "TRTESTCD", "_VID", "_DT"], keep=False)
    if dup.any():
        r = tr[dup].iloc[0]
        raise DerivationError(
            "two measurements for one lesion, test, visit and date",
            dataset="TR",
            variable="TRTESTCD",
            usubjid=uid[r["_SID"]],
            value=f"{lnk_names[r['_LNK']]} {r['TRTESTCD']}",
            hint="keep one record, or pass evaluator_vars / filter (on TR) to separate evaluators",
        )
    tr["VISITOCC"] = tr.groupby(["_SID", "_LNK", "TRTESTCD", "_VID"]).cumcount() + 1
    if findings is not None and (tr["VISITOCC"] > 1).any():
        rep = tr[tr["VISITOCC"] > 1].drop_duplicates(["_SID", "_VID"]).merge(vkeys, on="_VID")
        for sid, visit in zip(rep["_SID"], rep[visit_vars[0]]):
            findings.add(
                "note",
                "recist_visit_repeated",
                "visit label recurs at a later date; treated as a separate assessment (VISITOCC 2+)",
                dataset="TR",
                variable=visit_vars[0],
                usubjid=uid[sid],
                value=visit,
            )
    akey = ["_SID", "_VID", "VISITOCC"]

    # ---- assessments
    agg = "min" if rule.visit_date == "first" else "max"
    asm = tr.groupby(akey, as_index=False).agg(ADT=("_DT", agg)).merge(vkeys, on="_VID", how="left")
    if baseline_filter is None:
        assert_has_columns(asm, ["VISIT"], name="TR")
        is_bl = asm["VISIT"].astype("string").str.upper().isin([v.upper() for v in rule.baseline_visits])
    else:
        is_bl = filter_mask(asm, baseline_filter)
    asm = asm.drop(columns=visit_vars)
    asm["ABLFL"] = np.where(is_bl.to_numpy(), "Y", None)
    asm["_BL"] = is_bl.to_numpy().astype(int)
    order = ["_SID", "_BL", "ADT", "_VID", "VISITOCC"]
    asc = [True, False, True, True, True]
    asm = asm.sort_values(order, ascending=asc, kind="mergesort")
    dup_bl = asm[asm["_BL"] == 1].duplicated("_SID", keep="first")
    if dup_bl.any():
        extra = asm[asm["_BL"] == 1][dup_bl]
        asm.loc[extra.index, "ABLFL"] = None
        asm.loc[extra.index, "_BL"] = 0
        if findings is not None:
            for sid in extra["_SID"]:
                findings.add("warning", "recist_baseline_repeated",
                             "more than one baseline assessment; the earliest is baseline, later ones are assessments",
                             dataset="TR", usubjid=uid[sid])
        asm = asm.sort_values(order, ascending=asc, kind="mergesort")
    asm = asm.reset_index(drop=True)

    # ---- target lesions: one measurement per lesion and assessment
    targets = lesions[lesions["_ROLE"] == rule.target_value][subj + ["_LNK", "_NODE", "_ORGAN"]]
    _check_selection(targets, rule, uid, findings)
    meas = tr[(tr["_ROLE"] == rule.target_value)].copy()
    rank_plain = {c: i for i, c in enumerate(rule.measure_testcds)}
    rank_node = {c: i for i, c in enumerate(rule.node_measure_testcds)}
    meas["_RANK"] = np.where(meas["_NODE"], meas["TRTESTCD"].map(rank_node), meas["TRTESTCD"].map(rank_plain))
    meas = meas[meas["_RANK"].notna()].sort_values(akey + ["_LNK", "_RANK"], kind="mergesort")
    dup = meas.duplicated(akey + ["_LNK", "TRTESTCD"], keep=False)
    if dup.any():
        r = meas[dup].iloc[0]
        raise DerivationError("two measurements for one target lesion, test and assessment", dataset="TR",
                              variable="TRSTRESN", usubjid=uid[r["_SID"]], value=lnk_names[r["_LNK"]],
                              hint="keep one record, or pass evaluator_vars / filter (on TR) to separate evaluators")
    meas = meas.drop_duplicates(akey + ["_LNK"], keep="first")[akey + ["_LNK", "TRSTRESN"]]
    grid = asm[akey].merge(targets, on=subj, how="inner").merge(meas, on=akey + ["_LNK"], how="left")
    val = grid["TRSTRESN"].astype(float)
    grid["_MEAS"] = val.notna()
    grid["_NONZERO"] = (~grid["_NODE"]) & (val > rule.tolerance)
    grid["_BIGNODE"] = grid["_NODE"] & (val >= rule.node_cr_short_axis_mm - rule.tolerance)
    grid["_VAL"] = val
    tsum = grid.groupby(akey, as_index=False).agg(
        NTRGT=("_LNK", "size"),
        NTRGTEV=("_MEAS", "sum"),
        _PSUM=("_VAL", "sum"),
        _NONZERO=("_NONZERO", "sum"),
        _BIGNODE=("_BIGNODE", "sum"),
    )
    asm = asm.merge(tsum, on=akey, how="left")
    has_t = asm["NTRGT"].notna()
    all_ev = has_t & (asm["NTRGTEV"] == asm["NTRGT"])
    asm["SUMDIAM"] = asm["_PSUM"].where(all_ev)

    # ---- baseline, nadir, changes
    g = asm["_SID"]
    bl_sum = asm["SUMDIAM"].where(asm["_BL"] == 1)
    asm["BASE"] = bl_sum.groupby(g).transform("max")
    if findings is not None:
        inc = asm[(asm["_BL"] == 1) & has_t & ~all_ev]
        for sid in inc["_SID"]:
            findings.add("warning", "recist_baseline_incomplete",
                         "a target lesion is not measured at baseline: target response NE throughout",
                         dataset="TR", usubjid=uid[sid])
    seq_sum = asm["SUMDIAM"] if rule.nadir_includes_baseline else asm["SUMDIAM"].where(asm["_BL"] == 0)
    running = seq_sum.groupby(g).cummin()
    running = running.groupby(g).ffill()
    nadir = running.groupby(g).shift(1)
    if not rule.nadir_includes_baseline:
        nadir = nadir.fillna(asm["BASE"])
    asm["NADIR"] = nadir.where(asm["_BL"] == 0)
    asm["PCHG"] = (100 * (asm["SUMDIAM"] - asm["BASE"]) / asm["BASE"]).where((asm["BASE"] > 0) & (asm["_BL"] == 0))
    asm["CHGNADIR"] = asm["SUMDIAM"] - asm["NADIR"]
    asm["PCHGNAD"] = (100 * asm["CHGNADIR"] / asm["NADIR"]).where(asm["NADIR"] > 0)

    # ---- target response
    tol = rule.tolerance
    psum, nad, base = asm["_PSUM"], asm["NADIR"], asm["BASE"]
    is_pd = (
        has_t & nad.notna()
        & (psum - nad >= rule.pd_min_abs_mm - tol)
        & (psum >= nad * (1 + rule.pd_threshold) - tol)
    )
    is_cr = all_ev & (asm["_NONZERO"] == 0) & (asm["_BIGNODE"] == 0)
    is_pr = all_ev & base.notna() & (asm["SUMDIAM"] <= base * (1 + rule.pr_threshold) + tol)
    post = asm["_BL"] == 0
    asm["TRGRESP"] = np.select(
        [~post, ~has_t, is_cr & base.notna(), is_pd, ~all_ev | base.isna(), is_pr],
        [None, "NA", "CR", "PD", "NE", "PR"],
        default="SD",
    )
    asm["TRGRESP"] = asm["TRGRESP"].astype(object).where(post, None)

    # ---- non-target response
    nts = lesions[lesions["_ROLE"] == rule.nontarget_value][subj + ["_LNK"]]
    st = tr[(tr["_ROLE"] == rule.nontarget_value) & (tr["TRTESTCD"] == rule.state_testcd)]
    st = st[akey + ["_LNK", "TRSTRESC"]]
    state_map = dict(rule.nontarget_states)
    unknown = st["TRSTRESC"].notna() & ~st["TRSTRESC"].isin(list(state_map))
    if unknown.any():
        r = st[unknown].iloc[0]
        raise DerivationError("non-target lesion state not recognised", dataset="TR", variable="TRSTRESC",
                              usubjid=uid[r["_SID"]], value=r["TRSTRESC"],
                              hint=f"expected {', '.join(state_map)} (add a mapping to RecistRule.nontarget_states)")
    dup = st.duplicated(akey + ["_LNK"])
    if dup.any():
        r = st[dup].iloc[0]
        raise DerivationError("two states for one non-target lesion and assessment", dataset="TR",
                              variable="TRSTRESC", usubjid=uid[r["_SID"]], value=lnk_names[r["_LNK"]],
                              hint="keep one record, or pass evaluator_vars / filter (on TR) to separate evaluators")
    ngrid = asm[akey].merge(nts, on=subj, how="inner").merge(st, on=akey + ["_LNK"], how="left")
    state = ngrid["TRSTRESC"].map(state_map)
    ngrid["_PD"] = state.eq("PD")
    ngrid["_NE"] = state.isna()
    ngrid["_ABS"] = state.eq("ABSENT")
    nsum = ngrid.groupby(akey, as_index=False).agg(
        _NNT=("_LNK", "size"), _NPD=("_PD", "sum"), _NNE=("_NE", "sum"), _NABS=("_ABS", "sum")
    )
    asm = asm.merge(nsum, on=akey, how="left")
    has_nt = asm["_NNT"].notna()
    asm["NTRGRESP"] = np.select(
        [~post, ~has_nt, asm["_NPD"] > 0, asm["_NNE"] > 0, asm["_NABS"] == asm["_NNT"]],
        [None, "NA", "PD", "NE", "CR"],
        default="NON-CR/NON-PD",
    )
    asm["NTRGRESP"] = asm["NTRGRESP"].astype(object).where(post, None)

    # ---- new lesions
    newrec = tr[(tr["_ROLE"] == rule.new_value)]
    is_state = newrec["TRTESTCD"] == rule.state_testcd
    counts = (is_state & newrec["TRSTRESC"].isin(rule.new_lesion_states)) | (~is_state & newrec["TRSTRESN"].notna())
    newv = newrec[counts.to_numpy()][akey].drop_duplicates().assign(_NEW=True)
    asm = asm.merge(newv, on=akey, how="left")
    asm["NEWLFL"] = np.where(asm["_NEW"].eq(True), "Y", "N")
    asm["NEWLFL"] = asm["NEWLFL"].astype(object).where(post, None)
    if findings is not None:
        new_tu = lesions[lesions["_ROLE"] == rule.new_value][subj + ["_LNK"]]
        seen = tr[tr["_ROLE"] == rule.new_value][subj + ["_LNK"]].drop_duplicates().assign(_S=True)
        lost = new_tu.merge(seen, on=subj + ["_LNK"], how="left")
        lost = lost[lost["_S"].isna()]
        for sid, lnk in zip(lost["_SID"], lost["_LNK"]):
            findings.add("warning", "recist_new_lesion_without_tr",
                         "new lesion in TU has no TR record, so no assessment shows it",
                         dataset="TU", variable="TULNKID", usubjid=uid[sid], value=lnk_names[lnk])

    # ---- overall response
    lookup = compute_overall_lookup(rule.response_table)
    keys = pd.Series(list(zip(asm["TRGRESP"], asm["NTRGRESP"], asm["NEWLFL"])), index=asm.index)
    asm["OVRLRESP"] = keys.map(lookup).astype(object).where(post, None)

    asm["AVALC"] = asm["OVRLRESP"]
    asm["AVAL"] = compute_aval_resp(asm["AVALC"], rule.aval_resp)
    values = {"PARAMCD": "OVR", "PARAM": "Overall Response (RECIST 1.1, derived from lesions)"} | dict(
        set_values_to or {}
    )
    asm = set_values(asm, values)
    asm["NTRGT"] = asm["NTRGT"].fillna(0).astype(int)
    asm["NTRGTEV"] = asm["NTRGTEV"].fillna(0).astype(int)
    asm = asm.merge(skeys, on="_SID", how="left").merge(vkeys, on="_VID", how="left")
    cols = subj_cols + visit_vars + ["VISITOCC", "ADT", "ABLFL", "NTRGT", "NTRGTEV", "SUMDIAM", "BASE", "NADIR",
                                     "PCHG", "CHGNADIR", "PCHGNAD", "TRGRESP", "NTRGRESP", "NEWLFL", "OVRLRESP"]
    return asm[cols + [c for c in values if c not in cols] + ["AVALC", "AVAL"]].reset_index(drop=True)


def _check_selection(targets: pd.DataFrame, rule: RecistRule, uid: np.ndarray, findings: Findings | None) -> None:
    """Report target selections beyond RECIST limits (the data are used as recorded)."""
    if findings is None or targets.empty:
        return
    n = targets.groupby("_SID").size()
    for sid, count in n[n > rule.max_targets].items():
        findings.add("warning", "recist_target_selection",
                     f"more than {rule.max_targets} target lesions at baseline (used as recorded)",
                     dataset="TU", usubjid=uid[sid], value=int(count))
    per = targets.groupby(["_SID", "_ORGAN"], dropna=False).size()
    for (sid, organ), _count in per[per > rule.max_per_organ].items():
        findings.add("warning", "recist_target_selection",
                     f"more than {rule.max_per_organ} target lesions in one organ (used as recorded)",
                     dataset="TU", variable="TULOC", usubjid=uid[sid], value=organ)


__all__ = [
    "ANY",
    "RECIST11_OVERALL_TABLE",
    "RecistRule",
    "format_response_table",
    "compute_overall_lookup",
    "derive_param_recist_ovr",
]
