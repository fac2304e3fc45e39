"""Laboratory toxicity grades from CTCAE criteria held as data (admiral ``derive_var_atoxgr_dir``,
``derive_var_atoxgr``).

A grading table is a :class:`ToxicityCriteria`: one :class:`ToxicityTerm` per CTCAE term (e.g.
"Lymphocyte count decreased"), each an ordered list of :class:`GradeRule` (condition -> grade),
first match wins, no match is grade ``"0"``. ``print(CTCAE_V5)`` shows the whole table with
units; ``CTCAE_V5.table()`` is the same as a DataFrame. The conditions are small expressions
over the record:

``AVAL``, ``ANRLO`` (LLN), ``ANRHI`` (ULN), ``BASE``
    numbers; every comparison is made at 15 significant digits (3 x 0.1 is not above 0.3)
``BASE_HIGH``, ``BASE_LOW``
    the baseline was above / below the normal range (BNRIND is one of ``high_indicator`` /
    ``low_indicator``): the baseline-dependent criteria of CTCAE v5 (ALT, AST, ALP, GGT,
    bilirubin, fibrinogen)
``missing(X)``
    X is missing: a rule with grade ``None`` says the value cannot be graded

Grades need only the laboratory value. Where CTCAE makes a grade depend on a clinical
qualifier that lab data lack ("symptomatic", "with signs or symptoms", "with physiologic
consequences"), the rule carries ``qualifier`` and applies only with
``assume_qualifiers=True`` (admiral's metadata always assumes them, "worst case"); without it
the grade the value alone supports is given. Clinical-only grades (grade 4 anaemia:
"life-threatening consequences", grade 5 death) are listed as text and never derived.

Absolute thresholds are in the term's unit (SI); a record in another unit is an error naming
the term and both units (or a missing grade with ``unit_mismatch="missing"``, as admiral).

>>> import pandas as pd
>>> adlb = pd.DataFrame({"ATOXDSCL": "Lymphocyte count decreased", "LBSTRESU": "10^9/L",
...     "AVAL": [1.5, 0.9, 0.6, 0.45, 0.1, None], "ANRLO": 1.0})
>>> derive_var_atoxgr_dir(adlb, new_var="ATOXGRL", tox_description_var="ATOXDSCL",
...     direction="L", unit_var="LBSTRESU")["ATOXGRL"].tolist()
['0', '1', '2', '3', '4', None]
>>> print(CTCAE_V5.term("Lymphocyte count decreased"))  # doctest: +NORMALIZE_WHITESPACE
Lymphocyte count decreased (L, 10^9/L; CTCAE v5.0)
  missing(AVAL)                    -> not gradable
  AVAL < 0.2                       -> 4   <0.2 x 10e9/L
  AVAL < 0.5                       -> 3   <0.5 - 0.2 x 10e9/L
  AVAL < 0.8                       -> 2   <0.8 - 0.5 x 10e9/L
  missing(ANRLO)                   -> not gradable
  AVAL < ANRLO                     -> 1   <LLN - 0.8 x 10e9/L
  otherwise                        -> 0
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..core import assert_has_columns, compute_on_distinct, is_missing
from ..findings import DerivationError
from ._common import check_choice, check_new_vars_absent
from .ranges import compute_signif

GRADES = ("0", "1", "2", "3", "4")
DIRECTIONS = ("L", "H")

#: unit spellings read as the same unit (upper case)
UNIT_SYNONYMS: dict[str, str] = {
    "GI/L": "10^9/L", "10^9/L": "10^9/L", "10E9/L": "10^9/L", "X10E9/L": "10^9/L", "10*9/L": "10^9/L",
    "10^3/UL": "10^9/L", "10E3/UL": "10^9/L", "K/UL": "10^9/L",
    "TI/L": "10^12/L", "10^12/L": "10^12/L",
    "G/L": "G/L", "MMOL/L": "MMOL/L", "UMOL/L": "UMOL/L", "U/L": "U/L",
}


def normalize_unit(unit: object) -> str | None:
    """Upper-case unit with known synonyms mapped to one spelling (GI/L -> 10^9/L)."""
    if unit is None or (isinstance(unit, float) and np.isnan(unit)):
        return None
    text = str(unit).strip().upper().replace(" ", "")
    return UNIT_SYNONYMS.get(text, text)


@dataclass(frozen=True)
class GradeRule:
    """One line of a grading table: ``condition`` -> ``grade`` (``None``: cannot be graded).

    ``criterion`` is the CTCAE text of the grade; ``qualifier`` names a clinical condition the
    grade also needs ("symptomatic"): the rule applies only when qualifiers are assumed.
    """

    grade: str | None
    condition: str
    criterion: str = ""
    qualifier: str = ""

    def __post_init__(self) -> None:
        if self.grade is not None and self.grade not in GRADES:
            raise ValueError(f"grade {self.grade!r} is not one of {GRADES}")
        _compile(self.condition)  # a typo in a table is an error when the table is built

    def __str__(self) -> str:
        grade = "not gradable" if self.grade is None else self.grade
        text = f"  {self.condition:<32} -> {grade}"
        if self.criterion:
            text += f"   {self.criterion}"
        if self.qualifier:
            text += f"  [only if {self.qualifier}]"
        return text


@dataclass(frozen=True)
class ToxicityTerm:
    """A CTCAE term with its direction (``"L"`` low, ``"H"`` high), unit and ordered rules."""

    term: str
    direction: str
    unit: str | None
    rules: tuple[GradeRule, ...]
    version: str = ""
    clinical: str = ""  # grades that need clinical information only (never derived)
    note: str = ""

    def __post_init__(self) -> None:
        check_choice("direction", self.direction, DIRECTIONS)

    @property
    def variables(self) -> list[str]:
        names: list[str] = []
        for rule in self.rules:
            for name in _names(rule.condition):
                if name not in names:
                    names.append(name)
        return names

    def describe(self, assume_qualifiers: bool = False) -> str:
        """The criteria as one sentence, e.g. for a define.xml method: each grade with its CTCAE text.

        Grades that need a clinical qualifier are left out unless ``assume_qualifiers`` (as
        :func:`derive_var_atoxgr_dir` applies them); grades that need clinical information only
        are named as not derived.

        >>> print(CTCAE_V5.term("Anemia").describe())
        Anemia (low, g/L): grade 3 Hgb <80 g/L; grade 2 Hgb <100 - 80 g/L; grade 1 Hgb <LLN - 100 g/L; not derived (clinical information): grade 3: transfusion indicated; grade 4: life-threatening consequences; grade 5: death
        """
        by_grade: dict[str, list[str]] = {}
        skipped: list[str] = []
        for rule in self.rules:
            if rule.grade is None:
                continue
            text = rule.criterion or rule.condition
            if rule.qualifier and not assume_qualifiers:
                skipped.append(f"grade {rule.grade}: {text}")
                continue
            if rule.qualifier:
                text += f" (assumed: {rule.qualifier})"
            by_grade.setdefault(rule.grade, []).append(text)
        direction = {"L": "low", "H": "high"}[self.direction]
        parts = [f"grade {g} " + ", ".join(texts) for g, texts in by_grade.items()]
        clinical = skipped + ([self.clinical] if self.clinical else [])
        if clinical:
            parts.append("not derived (clinical information): " + "; ".join(clinical))
        return f"{self.term} ({direction}{', ' + self.unit if self.unit else ''}): " + "; ".join(parts)

    def __str__(self) -> str:
        head = f"{self.term} ({self.direction}, {self.unit or 'no unit'}; {self.version})"
        lines = [head, *map(str, self.rules), f"  {'otherwise':<32} -> 0"]
        if self.clinical:
            lines.append(f"  clinical only, not derived: {self.clinical}")
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ToxicityCriteria:
    """A grading table (e.g. :data:`CTCAE_V5`): terms looked up case-insensitively."""

    name: str
    terms: tuple[ToxicityTerm, ...]
    _index: dict = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], ToxicityTerm] = {}
        for t in self.terms:
            key = (t.term.upper(), t.direction)
            if key in index:
                raise ValueError(f"term {t.term!r} ({t.direction}) twice in {self.name}")
            index[key] = t
        object.__setattr__(self, "_index", index)

    def term(self, name: str, direction: str | None = None) -> ToxicityTerm:
        hits = [t for (n, d), t in self._index.items() if n == name.upper() and direction in (None, d)]
        if not hits:
            raise DerivationError(f"{name!r} is not a term of {self.name}", value=name,
                                  hint=f"terms: {', '.join(t.term for t in self.terms)}")
        return hits[0]

    def table(self) -> pd.DataFrame:
        """One row per rule: TERM, DIRECTION, UNIT, RULE (order), CONDITION, GRADE, CRITERION, QUALIFIER."""
        rows = []
        for t in self.terms:
            for i, r in enumerate(t.rules, start=1):
                rows.append({"TERM": t.term, "DIRECTION": t.direction, "UNIT": t.unit or "", "RULE": i,
                             "CONDITION": r.condition, "GRADE": r.grade, "CRITERION": r.criterion,
                             "QUALIFIER": r.qualifier})
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        return f"{self.name}: {len(self.terms)} terms\n\n" + "\n\n".join(map(str, self.terms))


# --------------------------------------------------------------------------- condition expressions

_ALLOWED_NAMES = ("AVAL", "ANRLO", "ANRHI", "BASE", "BASE_HIGH", "BASE_LOW")


def _compile(expr: str) -> ast.Expression:
    tree = ast.parse(expr, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "missing" and len(node.args) == 1):
                raise ValueError(f"only missing(X) may be called in a grading condition: {expr!r}")
        elif isinstance(node, ast.Name):
            if node.id not in _ALLOWED_NAMES + ("missing",):
                raise ValueError(f"unknown name {node.id!r} in grading condition {expr!r}")
        elif not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not,
                                   ast.Compare, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.BinOp, ast.Add,
                                   ast.Sub, ast.Mult, ast.Div, ast.Constant, ast.Load, ast.USub)):
            raise ValueError(f"{type(node).__name__} not allowed in grading condition {expr!r}")
    return tree


def _names(expr: str) -> list[str]:
    return [n.id for n in ast.walk(_compile(expr)) if isinstance(n, ast.Name) and n.id != "missing"]


def _evaluate(expr: str, values: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Boolean array of ``expr`` over the records (missing values make a comparison false)."""

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BoolOp):
            parts = [ev(v) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.UnaryOp):
            operand = ev(node.operand)
            return ~operand if isinstance(node.op, ast.Not) else -operand
        if isinstance(node, ast.Call):
            return np.isnan(ev(node.args[0]))
        if isinstance(node, ast.Compare):
            left = compute_signif(ev(node.left))
            out = np.ones(n, dtype=bool)
            for op, comp in zip(node.ops, node.comparators):
                right = compute_signif(ev(comp))
                with np.errstate(invalid="ignore"):
                    out &= {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
                            ast.GtE: np.greater_equal}[type(op)](left, right)
                left = right
            return out
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            return {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}[type(node.op)](a, b)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.Constant):
            return np.full(n, float(node.value))
        raise ValueError(f"cannot evaluate {ast.dump(node)}")  # pragma: no cover - _compile refuses it

    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(ev(_compile(expr)), dtype=bool) if n else np.zeros(0, dtype=bool)


# --------------------------------------------------------------------------- derivations


def _grade_term(term: ToxicityTerm, values: dict[str, np.ndarray], n: int, assume_qualifiers: bool) -> np.ndarray:
    grade = np.full(n, "0", dtype=object)
    decided = np.zeros(n, dtype=bool)
    for rule in term.rules:
        if rule.qualifier and not assume_qualifiers:
            continue
        hit = _evaluate(rule.condition, values, n) & ~decided
        grade[hit] = rule.grade
        decided |= hit
    return grade


def derive_var_atoxgr_dir(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    tox_description_var: str,
    direction: str,
    criteria: ToxicityCriteria | None = None,
    unit_var: str | Callable[[pd.DataFrame], pd.Series] | None = None,
    unit_mismatch: str = "error",
    assume_qualifiers: bool = False,
    high_indicator: Iterable[str] = ("HIGH",),
    low_indicator: Iterable[str] = ("LOW",),
    source_var: str = "AVAL",
) -> pd.DataFrame:
    """Add the toxicity grade of one direction (ATOXGRL or ATOXGRH) from a grading table.

    Parameters
    ----------
    dataset : records with ``tox_description_var`` (the CTCAE term, e.g. ATOXDSCL) and the
        variables the used terms need: AVAL, ANRLO/ANRHI, and BASE and BNRIND for the
        baseline-dependent criteria.
    new_var : the grade variable to add, ``"0"`` to ``"4"`` as text, missing when the record
        has no term or cannot be graded (missing value or limit).
    tox_description_var : the variable holding each record's CTCAE term of this direction
        (``"ATOXDSCL"`` or ``"ATOXDSCH"``); a missing term gives a missing grade.
    direction : ``"L"`` (hypo- / decreased terms) or ``"H"`` (hyper- / increased).
    criteria : the grading table; :data:`CTCAE_V5` by default (:data:`CTCAE_V4` is the v4.03
        table for studies that grade with v4).
    unit_var : variable (or ``df -> Series``) holding each record's unit, compared with the
        term's unit (synonyms such as GI/L = 10^9/L allowed). Needed when a used term has
        absolute thresholds.
    unit_mismatch : ``"error"`` (default) raises naming the term and both units; ``"missing"``
        leaves such records ungraded (admiral's behaviour).
    assume_qualifiers : also apply the grades that need a clinical qualifier (admiral's "worst
        case"); see the module text.
    high_indicator, low_indicator : BNRIND values meaning "baseline above / below the range".
    source_var : the graded value; default ``"AVAL"``.

    A term that is not in the table is an error (a misspelt ATOXDSCH would otherwise give no
    grade, silently); a term of the other direction is too.

    Examples
    --------
    ALT, baseline-dependent in CTCAE v5: x ULN when the baseline was normal, x baseline when
    it was high.

    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"ATOXDSCH": "Alanine aminotransferase increased",
    ...     "AVAL": [100.0, 130.0, 100.0, 240.0], "ANRHI": 40.0, "BASE": [30.0, 30.0, 80.0, 80.0],
    ...     "BNRIND": ["NORMAL", "NORMAL", "HIGH", "HIGH"]})
    >>> derive_var_atoxgr_dir(adlb, new_var="ATOXGRH", tox_description_var="ATOXDSCH",
    ...     direction="H")["ATOXGRH"].tolist()
    ['1', '2', '0', '1']
    """
    check_choice("direction", direction, DIRECTIONS)
    check_choice("unit_mismatch", unit_mismatch, ("error", "missing"))
    criteria = CTCAE_V5 if criteria is None else criteria
    assert_has_columns(dataset, [tox_description_var, source_var])
    check_new_vars_absent(dataset, [new_var])
    n = len(dataset)
    desc = dataset[tox_description_var]
    present = ~is_missing(desc).to_numpy()
    grade = np.full(n, None, dtype=object)
    units = None
    for name in pd.unique(desc[present].astype(str)):
        term = criteria.term(name)
        if term.direction != direction:
            raise DerivationError(
                f"{tox_description_var} {name!r} is a {'low' if term.direction == 'L' else 'high'} term of "
                f"{criteria.name}, graded into {new_var} with direction {direction!r}",
                variable=tox_description_var, value=name,
                hint="grade low terms (ATOXDSCL) with direction='L' and high terms (ATOXDSCH) with 'H'")
        rows = np.flatnonzero(present & (desc.astype(str).to_numpy() == name))
        used = {source_var, "ANRLO", "ANRHI", "BASE", "BNRIND", "USUBJID", *term.variables}
        sub = dataset[[c for c in dataset.columns if c in used]].iloc[rows]  # the term's records, used columns
        needed = [v for v in term.variables if v not in ("BASE_HIGH", "BASE_LOW")]
        needed = [source_var if v == "AVAL" else v for v in needed]
        if any(v in ("BASE_HIGH", "BASE_LOW") for v in term.variables):
            needed.append("BNRIND")
        assert_has_columns(sub, needed)
        ok = np.ones(len(rows), dtype=bool)
        if term.unit is not None:
            if unit_var is None:
                raise DerivationError(
                    f"{term.term!r} has thresholds in {term.unit}: the records' unit is needed",
                    variable=tox_description_var, value=name,
                    hint="give unit_var= (e.g. 'LBSTRESU', or a function of the dataset)")
            if units is None:
                raw = unit_var(dataset) if callable(unit_var) else dataset[unit_var]
                units = compute_on_distinct(pd.Series(raw, index=dataset.index),
                                            lambda u: [normalize_unit(x) for x in u], missing=None)
            found = units.iloc[rows]
            # a record without a value (not done) has no unit to check: it is not gradable anyway
            ok = (found == normalize_unit(term.unit)).to_numpy(dtype=bool) | pd.isna(
                pd.to_numeric(sub[source_var])).to_numpy()
            if unit_mismatch == "error" and not ok.all():
                bad = found[~ok]
                first = sub.iloc[int(np.flatnonzero(~ok)[0])]
                raise DerivationError(
                    f"{term.term!r} ({criteria.name}) is graded in {term.unit}; "
                    f"{int((~ok).sum())} record(s) are in {sorted(map(str, bad.fillna('no unit').unique()))}",
                    variable=tox_description_var, value=name,
                    usubjid=str(first["USUBJID"]) if "USUBJID" in sub.columns else None,
                    hint=f"convert the values to {term.unit}, or pass unit_mismatch='missing' to leave them ungraded")
        values = {"AVAL": pd.to_numeric(sub[source_var]).to_numpy(dtype=float)}
        for v in ("ANRLO", "ANRHI", "BASE"):
            if v in sub.columns:
                values[v] = pd.to_numeric(sub[v]).to_numpy(dtype=float)
        if "BNRIND" in sub.columns:
            bnrind = sub["BNRIND"].astype(object).to_numpy()
            values["BASE_HIGH"] = np.isin(bnrind, list(high_indicator))
            values["BASE_LOW"] = np.isin(bnrind, list(low_indicator))
        g = _grade_term(term, values, len(rows), assume_qualifiers)
        g[~ok] = None
        grade[rows] = g
    out = dataset.copy()
    out[new_var] = pd.Series(grade, index=dataset.index, dtype=object)
    return out


def derive_var_atoxgr(
    dataset: pd.DataFrame,
    *,
    new_var: str = "ATOXGR",
    low_var: str = "ATOXGRL",
    high_var: str = "ATOXGRH",
    lotox_description_var: str = "ATOXDSCL",
    hitox_description_var: str = "ATOXDSCH",
) -> pd.DataFrame:
    """Combine the low and high grades into one signed grade (admiral ``derive_var_atoxgr``).

    First rule that applies: both grades missing -> missing; low grade >= 1 -> ``"-<grade>"``
    (e.g. ``"-2"``); high grade >= 1 -> the high grade; high grade 0 and the low one 0 or the
    record has no low term -> ``"0"``; low grade 0 and the high one 0 or no high term ->
    ``"0"``; otherwise missing (one direction normal, the other ungradable: not known to be
    normal).

    Parameters
    ----------
    dataset
        Records with the two grades and the two terms; returned as a copy with ``new_var``.
    new_var
        The signed grade to add; default ``"ATOXGR"``.
    low_var
        The grade of the low direction (``"0"``-``"4"`` as text); default ``"ATOXGRL"``.
    high_var
        The grade of the high direction; default ``"ATOXGRH"``.
    lotox_description_var
        The low direction's term (missing: the record has no low term); default ``"ATOXDSCL"``.
    hitox_description_var
        The high direction's term; default ``"ATOXDSCH"``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DerivationError
        When a grade variable holds something other than a grade.

    Examples
    --------
    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"ATOXDSCL": ["Hypokalemia", "Hypokalemia", None, "Hypokalemia"],
    ...     "ATOXDSCH": ["Hyperkalemia", "Hyperkalemia", "Hyperkalemia", "Hyperkalemia"],
    ...     "ATOXGRL": ["2", "0", None, "0"], "ATOXGRH": ["0", "1", "0", None]})
    >>> derive_var_atoxgr(adlb)["ATOXGR"].tolist()
    ['-2', '1', '0', None]
    """
    assert_has_columns(dataset, [low_var, high_var, lotox_description_var, hitox_description_var])
    check_new_vars_absent(dataset, [new_var])
    for var in (low_var, high_var):
        bad = ~dataset[var].isna() & ~dataset[var].isin(GRADES)
        if bad.any():
            raise DerivationError(f"{var} holds a value that is not a grade", variable=var,
                                  value=dataset.loc[bad, var].iloc[0], hint=f"grades are {', '.join(GRADES)}")
    lo = dataset[low_var].astype(object)
    hi = dataset[high_var].astype(object)
    lo_num = pd.to_numeric(lo).to_numpy(dtype=float)
    hi_num = pd.to_numeric(hi).to_numpy(dtype=float)
    no_lo_term = is_missing(dataset[lotox_description_var]).to_numpy()
    no_hi_term = is_missing(dataset[hitox_description_var]).to_numpy()
    conds = [
        np.isnan(lo_num) & np.isnan(hi_num),
        lo_num >= 1,
        hi_num >= 1,
        ((lo_num == 0) | no_lo_term) & (hi_num == 0),
        ((hi_num == 0) | no_hi_term) & (lo_num == 0),
    ]
    choices = [None, ("-" + lo.astype(str)).to_numpy(), hi.to_numpy(), "0", "0"]
    out = dataset.copy()
    result = np.select(conds, choices, default=None)
    out[new_var] = pd.Series(result, index=dataset.index, dtype=object)
    return out


# --------------------------------------------------------------------------- the tables


def _t(term: str, direction: str, unit: str | None, version: str, *rules: tuple, clinical: str = "",
       note: str = "") -> ToxicityTerm:
    return ToxicityTerm(term, direction, unit, tuple(GradeRule(*r) for r in rules), version, clinical, note)


NA_AVAL = (None, "missing(AVAL)")
NA_AVAL_ULN = (None, "missing(AVAL) or missing(ANRHI)")
NA_AVAL_LLN = (None, "missing(AVAL) or missing(ANRLO)")
NA_LLN = (None, "missing(ANRLO)")
NA_ULN = (None, "missing(ANRHI)")
V5 = "CTCAE v5.0"


def _x_uln(term: str, version: str, k1: float, k2: float, k3: float, text: tuple[str, str, str, str]) -> ToxicityTerm:
    """Grades 1-4 at > ULN, > k1, > k2, > k3 x ULN."""
    return _t(term, "H", None, version, NA_AVAL_ULN,
              ("4", f"AVAL > {k3} * ANRHI", text[3]), ("3", f"AVAL > {k2} * ANRHI", text[2]),
              ("2", f"AVAL > {k1} * ANRHI", text[1]), ("1", "AVAL > ANRHI", text[0]))


def _liver_v5(term: str, k1: float, k2: float, k3: float, b1: float, b1_strict: bool) -> ToxicityTerm:
    """CTCAE v5 liver terms: x ULN if the baseline was normal, x baseline if it was abnormal (high)."""
    op = ">" if b1_strict else ">="
    return _t(
        term, "H", None, V5,
        (None, "missing(AVAL)"),
        (None, "not BASE_HIGH and missing(ANRHI)"),
        (None, "BASE_HIGH and missing(BASE)"),
        ("4", f"not BASE_HIGH and AVAL > {k3} * ANRHI", f">{k3:g} x ULN if baseline was normal"),
        ("4", f"BASE_HIGH and AVAL > {k3} * BASE", f">{k3:g} x baseline if baseline was abnormal"),
        ("3", f"not BASE_HIGH and AVAL > {k2} * ANRHI", f">{k2:g} - {k3:g} x ULN if baseline was normal"),
        ("3", f"BASE_HIGH and AVAL > {k2} * BASE", f">{k2:g} - {k3:g} x baseline if baseline was abnormal"),
        ("2", f"not BASE_HIGH and AVAL > {k1} * ANRHI", f">{k1:g} - {k2:g} x ULN if baseline was normal"),
        ("2", f"BASE_HIGH and AVAL > {k1} * BASE", f">{k1:g} - {k2:g} x baseline if baseline was abnormal"),
        ("1", "not BASE_HIGH and AVAL > ANRHI", f">ULN - {k1:g} x ULN if baseline was normal"),
        ("1", f"BASE_HIGH and AVAL {op} {b1} * BASE",
         f"{'>' if b1_strict else ''}{b1:g} - {k1:g} x baseline if baseline was abnormal"),
        note="baseline abnormal = BNRIND in high_indicator; a baseline below the range counts as normal",
    )


def _absolute(term: str, direction: str, unit: str, version: str, t4, t3, t2, text: tuple[str, ...],
              clinical: str = "", note: str = "") -> ToxicityTerm:
    """Grades 4/3/2 beyond absolute thresholds (None: no such grade), grade 1 beyond the normal
    limit: below LLN for a low term, above ULN for a high one."""
    op, limit = ("<", "ANRLO") if direction == "L" else (">", "ANRHI")
    rules = [NA_AVAL]
    for grade, thr, txt in (("4", t4, text[3]), ("3", t3, text[2]), ("2", t2, text[1])):
        if thr is not None:
            rules.append((grade, f"AVAL {op} {thr}", txt))
    rules += [(None, f"missing({limit})"), ("1", f"AVAL {op} {limit}", text[0])]
    return _t(term, direction, unit, version, *rules, clinical=clinical, note=note)


def _below(term: str, unit: str, version: str, t4, t3, t2, text: tuple[str, ...], **kw) -> ToxicityTerm:
    return _absolute(term, "L", unit, version, t4, t3, t2, text, **kw)


def _above(term: str, unit: str, version: str, t4, t3, t2, text: tuple[str, ...], **kw) -> ToxicityTerm:
    return _absolute(term, "H", unit, version, t4, t3, t2, text, **kw)


_LIFE = "grade 4: life-threatening consequences; grade 5: death"
#: the calcium terms grade corrected serum calcium: measured total calcium falls with albumin, so it is
#: corrected first (e.g. Payne: + 0.02 mmol/L per g/L albumin below 40 g/L, a computed parameter)
_CORRECTED_CA = ("grade the albumin-corrected serum calcium (e.g. Payne: total calcium + 0.02 x (40 - albumin "
                 "g/L) mmol/L), not measured total calcium; ionized calcium: '{} (ionized)'")
_CORRECTED_CA_V4 = ("grade the albumin-corrected serum calcium (e.g. Payne: total calcium + 0.02 x (40 - albumin "
                    "g/L) mmol/L), not measured total calcium")

#: CTCAE v5.0 laboratory criteria (SI units), every term whose grade follows from the value.
#: Hypophosphatemia and hyperglycemia are not graded by value in v5.0 (intervention-based) and
#: are therefore not in this table.
CTCAE_V5 = ToxicityCriteria("CTCAE v5.0", (
    # Blood and lymphatic system disorders
    _t("Anemia", "L", "g/L", V5, NA_AVAL, ("3", "AVAL < 80", "Hgb <80 g/L"), ("2", "AVAL < 100", "Hgb <100 - 80 g/L"),
       NA_LLN, ("1", "AVAL < ANRLO", "Hgb <LLN - 100 g/L"), clinical="grade 3: transfusion indicated; " + _LIFE),
    _t("Leukocytosis", "H", "10^9/L", V5, NA_AVAL, ("3", "AVAL > 100", ">100 x 10e9/L (>100,000/mm3)"),
       clinical="grade 4: clinical manifestations of leucostasis; grade 5: death"),
    # Investigations
    _t("Activated partial thromboplastin time prolonged", "H", None, V5, NA_AVAL_ULN,
       ("3", "AVAL > 2.5 * ANRHI", ">2.5 x ULN"), ("2", "AVAL > 1.5 * ANRHI", ">1.5 - 2.5 x ULN"),
       ("1", "AVAL > ANRHI", ">ULN - 1.5 x ULN"), clinical="grade 3: bleeding"),
    _liver_v5("Alanine aminotransferase increased", 3.0, 5.0, 20.0, 1.5, False),
    _liver_v5("Alkaline phosphatase increased", 2.5, 5.0, 20.0, 2.0, False),
    _liver_v5("Aspartate aminotransferase increased", 3.0, 5.0, 20.0, 1.5, False),
    _liver_v5("Blood bilirubin increased", 1.5, 3.0, 10.0, 1.0, True),
    _below("CD4 lymphocytes decreased", "10^9/L", V5, 0.05, 0.2, 0.5,
           ("<LLN - 0.5 x 10e9/L", "<0.5 - 0.2 x 10e9/L", "<0.2 - 0.05 x 10e9/L", "<0.05 x 10e9/L")),
    _above("Cholesterol high", "mmol/L", V5, 12.92, 10.34, 7.75,
           (">ULN - 7.75 mmol/L", ">7.75 - 10.34 mmol/L", ">10.34 - 12.92 mmol/L", ">12.92 mmol/L")),
    _x_uln("CPK increased", V5, 2.5, 5.0, 10.0,
           (">ULN - 2.5 x ULN", ">2.5 - 5 x ULN", ">5 - 10 x ULN", ">10 x ULN")),
    _t("Creatinine increased", "H", None, V5, NA_AVAL,
       ("4", "AVAL > 6 * ANRHI", ">6.0 x ULN"),
       ("3", "AVAL > 3 * ANRHI", ">3.0 - 6.0 x ULN"), ("3", "AVAL > 3 * BASE", ">3.0 x baseline"),
       ("2", "AVAL > 1.5 * ANRHI", ">1.5 - 3.0 x ULN"), ("2", "AVAL > 1.5 * BASE", ">1.5 - 3.0 x baseline"),
       NA_ULN, ("1", "AVAL > ANRHI", ">ULN - 1.5 x ULN"),
       note="the x baseline criteria apply when BASE is present"),
    _t("Fibrinogen decreased", "L", "g/L", V5, NA_AVAL,
       ("4", "AVAL < 0.5", "absolute value <50 mg/dL (<0.5 g/L)"),
       NA_LLN,
       (None, "BASE_LOW and missing(BASE)"),
       ("4", "not BASE_LOW and AVAL < 0.25 * ANRLO", "<0.25 x LLN"),
       ("4", "BASE_LOW and AVAL <= 0.25 * BASE", "if abnormal, 75% decrease from baseline"),
       ("3", "not BASE_LOW and AVAL < 0.5 * ANRLO", "<0.5 - 0.25 x LLN"),
       ("3", "BASE_LOW and AVAL <= 0.5 * BASE", "if abnormal, 50 - <75% decrease from baseline"),
       ("2", "not BASE_LOW and AVAL < 0.75 * ANRLO", "<0.75 - 0.5 x LLN"),
       ("2", "BASE_LOW and AVAL <= 0.75 * BASE", "if abnormal, 25 - <50% decrease from baseline"),
       ("1", "not BASE_LOW and AVAL < ANRLO", "<1.0 - 0.75 x LLN"),
       ("1", "BASE_LOW and AVAL < BASE", "if abnormal, <25% decrease from baseline"),
       note="'if abnormal' is read as a baseline below the range (BNRIND in low_indicator)"),
    _liver_v5("GGT increased", 2.5, 5.0, 20.0, 2.0, False),
    _t("Haptoglobin decreased", "L", None, V5, NA_AVAL_LLN, ("1", "AVAL < ANRLO", "<LLN")),
    _t("Hemoglobin increased", "H", "g/L", V5, NA_AVAL_ULN,
       ("3", "AVAL > ANRHI + 40", "increase >40 g/L (>4 g/dL) above ULN"),
       ("2", "AVAL > ANRHI + 20", "increase >20 - 40 g/L (>2 - 4 g/dL) above ULN"),
       ("1", "AVAL > ANRHI", "increase >0 - 20 g/L (>0 - 2 g/dL) above ULN")),
    _t("INR increased", "H", None, V5, NA_AVAL,
       ("3", "AVAL > 2.5", ">2.5"), ("2", "AVAL > 1.5", ">1.5 - 2.5"), ("1", "AVAL > 1.2", ">1.2 - 1.5"),
       note="patients not on anticoagulation; for those on anticoagulation use "
            "'INR increased (on anticoagulation)'"),
    _t("INR increased (on anticoagulation)", "H", None, V5, NA_AVAL, (None, "missing(BASE)"),
       ("3", "AVAL > 2.5 * BASE", ">2.5 x baseline if on anticoagulation"),
       ("2", "AVAL > 1.5 * BASE", ">1.5 - 2.5 x baseline if on anticoagulation"),
       ("1", "AVAL > BASE", ">1 - 1.5 x baseline if on anticoagulation")),
    _t("Lipase increased", "H", None, V5, NA_AVAL_ULN,
       ("4", "AVAL > 5 * ANRHI", ">5.0 x ULN and with signs or symptoms", "signs or symptoms"),
       ("3", "AVAL > 5 * ANRHI", ">5.0 x ULN and asymptomatic"),
       ("3", "AVAL > 2 * ANRHI", ">2.0 - 5.0 x ULN with signs or symptoms", "signs or symptoms"),
       ("2", "AVAL > 1.5 * ANRHI", ">1.5 - 2.0 x ULN; >2.0 - 5.0 x ULN and asymptomatic"),
       ("1", "AVAL > ANRHI", ">ULN - 1.5 x ULN")),
    _below("Lymphocyte count decreased", "10^9/L", V5, 0.2, 0.5, 0.8,
           ("<LLN - 0.8 x 10e9/L", "<0.8 - 0.5 x 10e9/L", "<0.5 - 0.2 x 10e9/L", "<0.2 x 10e9/L")),
    _t("Lymphocyte count increased", "H", "10^9/L", V5, NA_AVAL,
       ("3", "AVAL > 20", ">20 x 10e9/L (>20,000/mm3)"), ("2", "AVAL > 4", ">4 - 20 x 10e9/L (>4000 - 20,000/mm3)")),
    _below("Neutrophil count decreased", "10^9/L", V5, 0.5, 1.0, 1.5,
           ("<LLN - 1.5 x 10e9/L", "<1.5 - 1.0 x 10e9/L", "<1.0 - 0.5 x 10e9/L", "<0.5 x 10e9/L")),
    _below("Platelet count decreased", "10^9/L", V5, 25, 50, 75,
           ("<LLN - 75.0 x 10e9/L", "<75.0 - 50.0 x 10e9/L", "<50.0 - 25.0 x 10e9/L", "<25.0 x 10e9/L")),
    _t("Serum amylase increased", "H", None, V5, NA_AVAL_ULN,
       ("4", "AVAL > 5 * ANRHI", ">5.0 x ULN and with signs or symptoms", "signs or symptoms"),
       ("3", "AVAL > 5 * ANRHI", ">5.0 x ULN and asymptomatic"),
       ("3", "AVAL > 2 * ANRHI", ">2.0 - 5.0 x ULN with signs or symptoms", "signs or symptoms"),
       ("2", "AVAL > 1.5 * ANRHI", ">1.5 - 2.0 x ULN; >2.0 - 5.0 x ULN and asymptomatic"),
       ("1", "AVAL > ANRHI", ">ULN - 1.5 x ULN")),
    _below("White blood cell decreased", "10^9/L", V5, 1.0, 2.0, 3.0,
           ("<LLN - 3.0 x 10e9/L", "<3.0 - 2.0 x 10e9/L", "<2.0 - 1.0 x 10e9/L", "<1.0 x 10e9/L")),
    # Metabolism and nutrition disorders
    _t("Acidosis", "L", None, V5, NA_AVAL, ("3", "AVAL < 7.3", "pH <7.3"), NA_LLN,
       ("1", "AVAL < ANRLO", "pH <normal, but >=7.3"), clinical=_LIFE),
    _t("Alkalosis", "H", None, V5, NA_AVAL, ("3", "AVAL > 7.5", "pH >7.5"), NA_ULN,
       ("1", "AVAL > ANRHI", "pH >normal, but <=7.5"), clinical=_LIFE),
    _above("Hypercalcemia", "mmol/L", V5, 3.4, 3.1, 2.9,
           ("corrected serum calcium >ULN - 2.9 mmol/L", ">2.9 - 3.1 mmol/L", ">3.1 - 3.4 mmol/L", ">3.4 mmol/L"),
           note=_CORRECTED_CA.format("Hypercalcemia")),
    _above("Hypercalcemia (ionized)", "mmol/L", V5, 1.8, 1.6, 1.5,
           ("ionized calcium >ULN - 1.5 mmol/L", ">1.5 - 1.6 mmol/L", ">1.6 - 1.8 mmol/L", ">1.8 mmol/L")),
    _above("Hyperkalemia", "mmol/L", V5, 7.0, 6.0, 5.5,
           (">ULN - 5.5 mmol/L", ">5.5 - 6.0 mmol/L", ">6.0 - 7.0 mmol/L", ">7.0 mmol/L")),
    _t("Hypermagnesemia", "H", "mmol/L", V5, NA_AVAL, ("4", "AVAL > 3.3", ">3.30 mmol/L"),
       ("3", "AVAL > 1.23", ">1.23 - 3.30 mmol/L"), NA_ULN, ("1", "AVAL > ANRHI", ">ULN - 1.23 mmol/L")),
    _above("Hypernatremia", "mmol/L", V5, 160, 155, 150,
           (">ULN - 150 mmol/L", ">150 - 155 mmol/L", ">155 - 160 mmol/L", ">160 mmol/L")),
    _t("Hypertriglyceridemia", "H", "mmol/L", V5, NA_AVAL, ("4", "AVAL > 11.4", ">11.4 mmol/L"),
       ("3", "AVAL > 5.7", ">5.7 - 11.4 mmol/L"), ("2", "AVAL > 3.42", ">3.42 - 5.7 mmol/L"),
       ("1", "AVAL >= 1.71", "1.71 - 3.42 mmol/L")),
    _t("Hyperuricemia", "H", None, V5, NA_AVAL_ULN,
       ("3", "AVAL > ANRHI", ">ULN with physiologic consequences", "physiologic consequences"),
       ("1", "AVAL > ANRHI", ">ULN without physiologic consequences"), clinical=_LIFE),
    _below("Hypoalbuminemia", "g/L", V5, None, 20, 30, ("<LLN - 30 g/L", "<30 - 20 g/L", "<20 g/L", ""),
           clinical=_LIFE),
    _below("Hypocalcemia", "mmol/L", V5, 1.5, 1.75, 2.0,
           ("corrected serum calcium <LLN - 2.0 mmol/L", "<2.0 - 1.75 mmol/L", "<1.75 - 1.5 mmol/L", "<1.5 mmol/L"),
           note=_CORRECTED_CA.format("Hypocalcemia")),
    _below("Hypocalcemia (ionized)", "mmol/L", V5, 0.8, 0.9, 1.0,
           ("ionized calcium <LLN - 1.0 mmol/L", "<1.0 - 0.9 mmol/L", "<0.9 - 0.8 mmol/L", "<0.8 mmol/L")),
    _below("Hypoglycemia", "mmol/L", V5, 1.7, 2.2, 3.0,
           ("<LLN - 3.0 mmol/L", "<3.0 - 2.2 mmol/L", "<2.2 - 1.7 mmol/L", "<1.7 mmol/L")),
    _t("Hypokalemia", "L", "mmol/L", V5, NA_AVAL, ("4", "AVAL < 2.5", "<2.5 mmol/L"),
       ("3", "AVAL < 3", "<3.0 - 2.5 mmol/L"), NA_LLN,
       ("2", "AVAL < ANRLO", "symptomatic with <LLN - 3.0 mmol/L", "symptomatic"),
       ("1", "AVAL < ANRLO", "<LLN - 3.0 mmol/L")),
    _below("Hypomagnesemia", "mmol/L", V5, 0.3, 0.4, 0.5,
           ("<LLN - 0.5 mmol/L", "<0.5 - 0.4 mmol/L", "<0.4 - 0.3 mmol/L", "<0.3 mmol/L")),
    _t("Hyponatremia", "L", "mmol/L", V5, NA_AVAL, ("4", "AVAL < 120", "<120 mmol/L"),
       ("3", "AVAL < 125", "120 - 124 mmol/L regardless of symptoms"),
       ("3", "AVAL < 130", "125 - 129 mmol/L symptomatic", "symptomatic"),
       ("2", "AVAL < 130", "125 - 129 mmol/L and asymptomatic"),
       NA_LLN, ("1", "AVAL < ANRLO", "<LLN - 130 mmol/L"),
       note="the bands 120-124 and 125-129 are read as <125 and <130 (values between the integers)"),
))

V4 = "CTCAE v4.03"

#: CTCAE v4.03 laboratory criteria (SI units) for the terms a typical chemistry/haematology panel
#: is graded with (the pharmaverse peer grades with v4, as admiral's ADLB template does).
CTCAE_V4 = ToxicityCriteria("CTCAE v4.03", (
    _t("Anemia", "L", "g/L", V4, NA_AVAL, ("3", "AVAL < 80", "Hgb <80 g/L"), ("2", "AVAL < 100", "Hgb <100 - 80 g/L"),
       NA_LLN, ("1", "AVAL < ANRLO", "Hgb <LLN - 100 g/L"), clinical="grade 3: transfusion indicated; " + _LIFE),
    _t("Hemoglobin increased", "H", "g/L", V4, NA_AVAL_ULN,
       ("3", "BASE > ANRHI and AVAL > BASE + 40", "increase >40 g/L above baseline if baseline is above ULN"),
       ("3", "not BASE > ANRHI and AVAL > ANRHI + 40", "increase >40 g/L above ULN"),
       ("2", "BASE > ANRHI and AVAL > BASE + 20", "increase >20 - 40 g/L above baseline if baseline is above ULN"),
       ("2", "not BASE > ANRHI and AVAL > ANRHI + 20", "increase >20 - 40 g/L above ULN"),
       ("1", "BASE > ANRHI and AVAL > BASE", "increase >0 - 20 g/L above baseline if baseline is above ULN"),
       ("1", "not BASE > ANRHI and AVAL > ANRHI", "increase >0 - 20 g/L above ULN")),
    _t("Leukocytosis", "H", "10^9/L", V4, NA_AVAL, ("3", "AVAL > 100", ">100 x 10e9/L (>100,000/mm3)"),
       clinical="grade 4: clinical manifestations of leucostasis; grade 5: death"),
    _x_uln("Alanine aminotransferase increased", V4, 3.0, 5.0, 20.0,
           (">ULN - 3.0 x ULN", ">3.0 - 5.0 x ULN", ">5.0 - 20.0 x ULN", ">20.0 x ULN")),
    _x_uln("Alkaline phosphatase increased", V4, 2.5, 5.0, 20.0,
           (">ULN - 2.5 x ULN", ">2.5 - 5.0 x ULN", ">5.0 - 20.0 x ULN", ">20.0 x ULN")),
    _x_uln("Aspartate aminotransferase increased", V4, 3.0, 5.0, 20.0,
           (">ULN - 3.0 x ULN", ">3.0 - 5.0 x ULN", ">5.0 - 20.0 x ULN", ">20.0 x ULN")),
    _x_uln("Blood bilirubin increased", V4, 1.5, 3.0, 10.0,
           (">ULN - 1.5 x ULN", ">1.5 - 3.0 x ULN", ">3.0 - 10.0 x ULN", ">10.0 x ULN")),
    _below("CD4 lymphocytes decreased", "10^9/L", V4, 0.05, 0.2, 0.5,
           ("<LLN - 0.5 x 10e9/L", "<0.5 - 0.2 x 10e9/L", "<0.2 - 0.05 x 10e9/L", "<0.05 x 10e9/L")),
    _above("Cholesterol high", "mmol/L", V4, 12.92, 10.34, 7.75,
           (">ULN - 7.75 mmol/L", ">7.75 - 10.34 mmol/L", ">10.34 - 12.92 mmol/L", ">12.92 mmol/L")),
    _x_uln("CPK increased", V4, 2.5, 5.0, 10.0, (">ULN - 2.5 x ULN", ">2.5 - 5 x ULN", ">5 - 10 x ULN", ">10 x ULN")),
    _t("Creatinine increased", "H", None, V4, NA_AVAL,
       ("4", "AVAL > 6 * ANRHI", ">6.0 x ULN"),
       ("3", "AVAL > 3 * ANRHI", ">3.0 - 6.0 x ULN"), ("3", "AVAL > 3 * BASE", ">3.0 x baseline"),
       ("2", "AVAL > 1.5 * ANRHI", ">1.5 - 3.0 x ULN"), ("2", "AVAL > 1.5 * BASE", ">1.5 - 3.0 x baseline"),
       ("1", "AVAL > ANRHI", ">ULN - 1.5 x ULN"), ("1", "AVAL > BASE", ">1 - 1.5 x baseline"),
       (None, "missing(ANRHI) or missing(BASE)")),
    _x_uln("GGT increased", V4, 2.5, 5.0, 20.0, (">ULN - 2.5 x ULN", ">2.5 - 5.0 x ULN", ">5.0 - 20.0 x ULN",
                                                 ">20.0 x ULN")),
    _below("Lymphocyte count decreased", "10^9/L", V4, 0.2, 0.5, 0.8,
           ("<LLN - 0.8 x 10e9/L", "<0.8 - 0.5 x 10e9/L", "<0.5 - 0.2 x 10e9/L", "<0.2 x 10e9/L")),
    _below("Neutrophil count decreased", "10^9/L", V4, 0.5, 1.0, 1.5,
           ("<LLN - 1.5 x 10e9/L", "<1.5 - 1.0 x 10e9/L", "<1.0 - 0.5 x 10e9/L", "<0.5 x 10e9/L")),
    _below("Platelet count decreased", "10^9/L", V4, 25, 50, 75,
           ("<LLN - 75.0 x 10e9/L", "<75.0 - 50.0 x 10e9/L", "<50.0 - 25.0 x 10e9/L", "<25.0 x 10e9/L")),
    _below("White blood cell decreased", "10^9/L", V4, 1.0, 2.0, 3.0,
           ("<LLN - 3.0 x 10e9/L", "<3.0 - 2.0 x 10e9/L", "<2.0 - 1.0 x 10e9/L", "<1.0 x 10e9/L")),
    _above("Hypercalcemia", "mmol/L", V4, 3.4, 3.1, 2.9,
           ("corrected serum calcium >ULN - 2.9 mmol/L", ">2.9 - 3.1 mmol/L", ">3.1 - 3.4 mmol/L", ">3.4 mmol/L"),
           note=_CORRECTED_CA_V4),
    _t("Hyperglycemia", "H", "mmol/L", V4, NA_AVAL, ("4", "AVAL > 27.8", ">27.8 mmol/L"),
       ("3", "AVAL > 13.9", ">13.9 - 27.8 mmol/L"),
       note="non-fasting glucose: grades 1-2 need a fasting value ('Hyperglycemia (fasting)')"),
    _above("Hyperglycemia (fasting)", "mmol/L", V4, 27.8, 13.9, 8.9,
           ("fasting glucose >ULN - 8.9 mmol/L", ">8.9 - 13.9 mmol/L", ">13.9 - 27.8 mmol/L", ">27.8 mmol/L")),
    _above("Hyperkalemia", "mmol/L", V4, 7.0, 6.0, 5.5,
           (">ULN - 5.5 mmol/L", ">5.5 - 6.0 mmol/L", ">6.0 - 7.0 mmol/L", ">7.0 mmol/L")),
    _above("Hypernatremia", "mmol/L", V4, 160, 155, 150,
           (">ULN - 150 mmol/L", ">150 - 155 mmol/L", ">155 - 160 mmol/L", ">160 mmol/L")),
    _t("Hyperuricemia", "H", "umol/L", V4, NA_AVAL, ("4", "AVAL > 590", ">10 mg/dL (>590 umol/L)"), NA_ULN,
       ("3", "AVAL > ANRHI", ">ULN - 590 umol/L with physiologic consequences", "physiologic consequences"),
       ("1", "AVAL > ANRHI", ">ULN - 590 umol/L without physiologic consequences")),
    _below("Hypoalbuminemia", "g/L", V4, None, 20, 30, ("<LLN - 30 g/L", "<30 - 20 g/L", "<20 g/L", ""),
           clinical=_LIFE),
    _below("Hypocalcemia", "mmol/L", V4, 1.5, 1.75, 2.0,
           ("corrected serum calcium <LLN - 2.0 mmol/L", "<2.0 - 1.75 mmol/L", "<1.75 - 1.5 mmol/L", "<1.5 mmol/L"),
           note=_CORRECTED_CA_V4),
    _below("Hypoglycemia", "mmol/L", V4, 1.7, 2.2, 3.0,
           ("<LLN - 3.0 mmol/L", "<3.0 - 2.2 mmol/L", "<2.2 - 1.7 mmol/L", "<1.7 mmol/L")),
    _t("Hypokalemia", "L", "mmol/L", V4, NA_AVAL, ("4", "AVAL < 2.5", "<2.5 mmol/L"),
       ("3", "AVAL < 3", "<3.0 - 2.5 mmol/L"), NA_LLN,
       ("2", "AVAL < ANRLO", "<LLN - 3.0 mmol/L; symptomatic; intervention indicated", "symptomatic"),
       ("1", "AVAL < ANRLO", "<LLN - 3.0 mmol/L")),
    _below("Hyponatremia", "mmol/L", V4, 120, 130, None, ("<LLN - 130 mmol/L", "", "<130 - 120 mmol/L",
                                                          "<120 mmol/L")),
    _below("Hypophosphatemia", "mmol/L", V4, 0.3, 0.6, 0.8,
           ("<LLN - 0.8 mmol/L", "<0.8 - 0.6 mmol/L", "<0.6 - 0.3 mmol/L", "<0.3 mmol/L")),
))


__all__ = [
    "GRADES", "GradeRule", "ToxicityTerm", "ToxicityCriteria", "CTCAE_V5", "CTCAE_V4", "UNIT_SYNONYMS",
    "normalize_unit", "derive_var_atoxgr_dir", "derive_var_atoxgr",
]
