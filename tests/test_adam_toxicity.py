"""CTCAE grading: every criterion of the CTCAE v5.0 table checked at its boundary (the threshold
itself and the first value beyond it), the baseline-dependent criteria, units, qualifiers, and a
checker that each rule of each term is reached by at least one of these cases.

The expected grades are written from the CTCAE v5.0 text, not from the table under test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from derivations.adam import CTCAE_V4, CTCAE_V5, derive_var_atoxgr, derive_var_atoxgr_dir
from derivations.adam.toxicity import _evaluate
from derivations.findings import DerivationError

# term: (LLN, ULN, [(AVAL, expected grade), ...]) with the baseline normal and not given
N = None
V5_CASES = {
    "Anemia": (120, N, [(120, "0"), (119.9, "1"), (100, "1"), (99.9, "2"), (80, "2"), (79.9, "3")]),
    "Leukocytosis": (N, N, [(100, "0"), (100.1, "3")]),
    "Activated partial thromboplastin time prolonged": (N, 35, [(35, "0"), (35.1, "1"), (52.5, "1"), (52.6, "2"),
                                                               (87.5, "2"), (87.6, "3")]),
    "Alanine aminotransferase increased": (N, 40, [(40, "0"), (40.1, "1"), (120, "1"), (120.1, "2"), (200, "2"),
                                                   (200.1, "3"), (800, "3"), (800.1, "4")]),
    "Alkaline phosphatase increased": (N, 100, [(100, "0"), (100.1, "1"), (250, "1"), (250.1, "2"), (500, "2"),
                                                (500.1, "3"), (2000, "3"), (2000.1, "4")]),
    "Aspartate aminotransferase increased": (N, 40, [(40, "0"), (40.1, "1"), (120.1, "2"), (200.1, "3"),
                                                     (800.1, "4")]),
    "Blood bilirubin increased": (N, 20, [(20, "0"), (20.1, "1"), (30, "1"), (30.1, "2"), (60, "2"), (60.1, "3"),
                                          (200, "3"), (200.1, "4")]),
    "CD4 lymphocytes decreased": (0.6, N, [(0.6, "0"), (0.59, "1"), (0.5, "1"), (0.49, "2"), (0.2, "2"),
                                           (0.19, "3"), (0.05, "3"), (0.049, "4")]),
    "Cholesterol high": (N, 5.2, [(5.2, "0"), (5.21, "1"), (7.75, "1"), (7.76, "2"), (10.34, "2"), (10.35, "3"),
                                  (12.92, "3"), (12.93, "4")]),
    "CPK increased": (N, 200, [(200, "0"), (200.1, "1"), (500, "1"), (500.1, "2"), (1000, "2"), (1000.1, "3"),
                               (2000, "3"), (2000.1, "4")]),
    "Creatinine increased": (N, 100, [(100, "0"), (100.1, "1"), (150, "1"), (150.1, "2"), (300, "2"), (300.1, "3"),
                                      (600, "3"), (600.1, "4")]),
    "Fibrinogen decreased": (2.0, N, [(2.0, "0"), (1.99, "1"), (1.5, "1"), (1.49, "2"), (1.0, "2"), (0.99, "3"),
                                      (0.5, "3"), (0.499, "4")]),
    "GGT increased": (N, 50, [(50, "0"), (50.1, "1"), (125, "1"), (125.1, "2"), (250, "2"), (250.1, "3"),
                              (1000, "3"), (1000.1, "4")]),
    "Haptoglobin decreased": (0.3, N, [(0.3, "0"), (0.29, "1")]),
    "Hemoglobin increased": (N, 160, [(160, "0"), (160.1, "1"), (180, "1"), (180.1, "2"), (200, "2"), (200.1, "3")]),
    "INR increased": (N, N, [(1.2, "0"), (1.21, "1"), (1.5, "1"), (1.51, "2"), (2.5, "2"), (2.51, "3")]),
    "Lipase increased": (N, 60, [(60, "0"), (60.1, "1"), (90, "1"), (90.1, "2"), (120.1, "2"), (300, "2"),
                                 (300.1, "3")]),
    "Lymphocyte count decreased": (1.0, N, [(1.0, "0"), (0.99, "1"), (0.8, "1"), (0.79, "2"), (0.5, "2"),
                                            (0.49, "3"), (0.2, "3"), (0.19, "4")]),
    "Lymphocyte count increased": (N, N, [(4, "0"), (4.1, "2"), (20, "2"), (20.1, "3")]),
    "Neutrophil count decreased": (2.0, N, [(2.0, "0"), (1.99, "1"), (1.5, "1"), (1.49, "2"), (1.0, "2"),
                                            (0.99, "3"), (0.5, "3"), (0.49, "4")]),
    "Platelet count decreased": (150, N, [(150, "0"), (149, "1"), (75, "1"), (74.9, "2"), (50, "2"), (49.9, "3"),
                                          (25, "3"), (24.9, "4")]),
    "Serum amylase increased": (N, 100, [(100, "0"), (100.1, "1"), (150, "1"), (150.1, "2"), (500, "2"),
                                         (500.1, "3")]),
    "White blood cell decreased": (4.0, N, [(4, "0"), (3.9, "1"), (3, "1"), (2.9, "2"), (2, "2"), (1.9, "3"),
                                            (1, "3"), (0.9, "4")]),
    "Acidosis": (7.35, N, [(7.35, "0"), (7.34, "1"), (7.3, "1"), (7.29, "3")]),
    "Alkalosis": (N, 7.45, [(7.45, "0"), (7.46, "1"), (7.5, "1"), (7.51, "3")]),
    "Hypercalcemia": (N, 2.6, [(2.6, "0"), (2.61, "1"), (2.9, "1"), (2.91, "2"), (3.1, "2"), (3.11, "3"),
                               (3.4, "3"), (3.41, "4")]),
    "Hypercalcemia (ionized)": (N, 1.3, [(1.3, "0"), (1.31, "1"), (1.5, "1"), (1.51, "2"), (1.6, "2"), (1.61, "3"),
                                         (1.8, "3"), (1.81, "4")]),
    "Hyperkalemia": (N, 5.1, [(5.1, "0"), (5.11, "1"), (5.5, "1"), (5.51, "2"), (6, "2"), (6.01, "3"), (7, "3"),
                              (7.01, "4")]),
    "Hypermagnesemia": (N, 1.0, [(1.0, "0"), (1.01, "1"), (1.23, "1"), (1.24, "3"), (3.3, "3"), (3.31, "4")]),
    "Hypernatremia": (N, 145, [(145, "0"), (146, "1"), (150, "1"), (150.1, "2"), (155, "2"), (155.1, "3"),
                               (160, "3"), (160.1, "4")]),
    "Hypertriglyceridemia": (N, N, [(1.7, "0"), (1.71, "1"), (3.42, "1"), (3.43, "2"), (5.7, "2"), (5.71, "3"),
                                    (11.4, "3"), (11.41, "4")]),
    "Hyperuricemia": (N, 420, [(420, "0"), (421, "1")]),
    "Hypoalbuminemia": (35, N, [(35, "0"), (34.9, "1"), (30, "1"), (29.9, "2"), (20, "2"), (19.9, "3")]),
    "Hypocalcemia": (2.1, N, [(2.1, "0"), (2.09, "1"), (2.0, "1"), (1.99, "2"), (1.75, "2"), (1.74, "3"),
                              (1.5, "3"), (1.49, "4")]),
    "Hypocalcemia (ionized)": (1.1, N, [(1.1, "0"), (1.09, "1"), (1.0, "1"), (0.99, "2"), (0.9, "2"), (0.89, "3"),
                                        (0.8, "3"), (0.79, "4")]),
    "Hypoglycemia": (3.9, N, [(3.9, "0"), (3.89, "1"), (3.0, "1"), (2.99, "2"), (2.2, "2"), (2.19, "3"),
                              (1.7, "3"), (1.69, "4")]),
    "Hypokalemia": (3.5, N, [(3.5, "0"), (3.49, "1"), (3.0, "1"), (2.99, "3"), (2.5, "3"), (2.49, "4")]),
    "Hypomagnesemia": (0.7, N, [(0.7, "0"), (0.69, "1"), (0.5, "1"), (0.49, "2"), (0.4, "2"), (0.39, "3"),
                                (0.3, "3"), (0.29, "4")]),
    "Hyponatremia": (135, N, [(135, "0"), (134, "1"), (130, "1"), (129.9, "2"), (125, "2"), (124.9, "3"),
                              (120, "3"), (119.9, "4")]),
}

# (term, AVAL, LLN, ULN, BASE, BNRIND, expected) for the baseline-dependent and special criteria
V5_BASELINE_CASES = [
    # ALT/AST abnormal (high) baseline: 1.5 - 3.0 x baseline is grade 1 (1.5 included), then > 3, 5, 20
    *[("Alanine aminotransferase increased", a, N, 40, 60, "HIGH", g) for a, g in
      ((89.9, "0"), (90, "1"), (180, "1"), (180.1, "2"), (300, "2"), (300.1, "3"), (1200, "3"), (1200.1, "4"))],
    *[("Aspartate aminotransferase increased", a, N, 40, 60, "HIGH", g) for a, g in
      ((89.9, "0"), (90, "1"), (180.1, "2"), (300.1, "3"), (1200.1, "4"))],
    # ALP/GGT abnormal baseline: 2.0 - 2.5 x baseline grade 1 (2.0 included)
    *[("Alkaline phosphatase increased", a, N, 100, 150, "HIGH", g) for a, g in
      ((299.9, "0"), (300, "1"), (375, "1"), (375.1, "2"), (750, "2"), (750.1, "3"), (3000, "3"), (3000.1, "4"))],
    *[("GGT increased", a, N, 50, 80, "HIGH", g) for a, g in
      ((159.9, "0"), (160, "1"), (200, "1"), (200.1, "2"), (400.1, "3"), (1600.1, "4"))],
    # bilirubin abnormal baseline: > 1.0 - 1.5 x baseline grade 1 (1.0 excluded)
    *[("Blood bilirubin increased", a, N, 20, 30, "HIGH", g) for a, g in
      ((30, "0"), (30.1, "1"), (45, "1"), (45.1, "2"), (90, "2"), (90.1, "3"), (300, "3"), (300.1, "4"))],
    # a low baseline counts as normal for the liver terms: x ULN
    ("Alanine aminotransferase increased", 40.1, N, 40, 5, "LOW", "1"),
    # not gradable: abnormal baseline without BASE, normal baseline without ULN
    ("Alanine aminotransferase increased", 500, N, 40, None, "HIGH", None),
    ("Alanine aminotransferase increased", 500, N, N, 30, "NORMAL", None),
    # creatinine x baseline (ULN far away): > 1.5 and > 3 x baseline
    *[("Creatinine increased", a, N, 1000, 60, "NORMAL", g) for a, g in
      ((90, "0"), (90.1, "2"), (180, "2"), (180.1, "3"))],
    ("Creatinine increased", 90.1, N, N, 60, "NORMAL", "2"),  # x baseline needs no ULN
    ("Creatinine increased", 80, N, N, 60, "NORMAL", None),  # grade 1 needs the ULN
    # fibrinogen: < 0.25 x LLN grade 4 above the absolute 0.5 g/L
    ("Fibrinogen decreased", 1.0, 4.0, N, N, "NORMAL", "3"), ("Fibrinogen decreased", 0.99, 4.0, N, N, "NORMAL", "4"),
    # fibrinogen with a low baseline: decrease from baseline < 25%, 25 - < 50%, 50 - < 75%, >= 75%
    *[("Fibrinogen decreased", a, 2.0, N, 1.6, "LOW", g) for a, g in
      ((1.6, "0"), (1.59, "1"), (1.21, "1"), (1.2, "2"), (0.81, "2"), (0.8, "3"))],
    ("Fibrinogen decreased", 1.01, 5.0, N, 4.0, "LOW", "3"), ("Fibrinogen decreased", 1.0, 5.0, N, 4.0, "LOW", "4"),
    ("Fibrinogen decreased", 1.0, 5.0, N, None, "LOW", None),
    # INR on anticoagulation: x baseline
    *[("INR increased (on anticoagulation)", a, N, N, 2.0, N, g) for a, g in
      ((2.0, "0"), (2.01, "1"), (3.0, "1"), (3.01, "2"), (5.0, "2"), (5.01, "3"))],
    ("INR increased (on anticoagulation)", 3.0, N, N, None, N, None),
    # not gradable without the limit the grade-1 rule needs
    ("Anemia", 110, N, N, N, N, None), ("Anemia", 90, N, N, N, N, "2"), ("Hyperkalemia", 5.3, N, N, N, N, None),
    ("Haptoglobin decreased", 0.1, N, N, N, N, None), ("Lipase increased", 500, N, N, N, N, None),
]

# cases that apply only when the clinical qualifiers are assumed (admiral's "worst case")
V5_QUALIFIED = [
    ("Lipase increased", 120, N, 60, "2"), ("Lipase increased", 120.1, N, 60, "3"), ("Lipase increased", 300.1, N, 60, "4"),
    ("Serum amylase increased", 200.1, N, 100, "3"), ("Serum amylase increased", 500.1, N, 100, "4"),
    ("Hyperuricemia", 421, N, 420, "3"), ("Hypokalemia", 3.49, 3.5, N, "2"), ("Hypokalemia", 3.0, 3.5, N, "2"),
    ("Hyponatremia", 129.9, 135, N, "3"), ("Hyponatremia", 130, 135, N, "1"),
]


def _grade_all(criteria, cases, assume=False):
    """Grades of many (term, AVAL, LLN, ULN, BASE, BNRIND) cases, one derivation call per direction."""
    rows = []
    for term, aval, lln, uln, base, bnrind in cases:
        t = criteria.term(term)
        rows.append({"DESC": t.term, "DIR": t.direction, "AVAL": aval, "ANRLO": lln, "ANRHI": uln, "BASE": base,
                     "BNRIND": bnrind, "UNIT": t.unit})
    frame = pd.DataFrame(rows).astype({"AVAL": float, "ANRLO": float, "ANRHI": float, "BASE": float})
    grades = pd.Series(None, index=frame.index, dtype=object)
    for direction in ("L", "H"):
        part = frame.loc[frame["DIR"] == direction]
        out = derive_var_atoxgr_dir(part, new_var="G", tox_description_var="DESC", direction=direction,
                                    criteria=criteria, unit_var="UNIT", assume_qualifiers=assume)
        grades.loc[part.index] = out["G"].to_numpy()
    return grades.tolist()


def _check(criteria, cases, assume=False):
    got = _grade_all(criteria, [c[:6] for c in cases], assume)
    wrong = [(c, g) for c, g in zip(cases, got) if g != c[6]]
    assert wrong == [], "\n".join(f"{c[0]} AVAL={c[1]} LLN={c[2]} ULN={c[3]} BASE={c[4]} {c[5]}: "
                                  f"expected {c[6]}, got {g}" for c, g in wrong)


def _grade(criteria, term, aval, lln, uln, base=None, bnrind=None, assume=False):
    return _grade_all(criteria, [(term, aval, lln, uln, base, bnrind)], assume)[0]


def _limit_missing_cases():
    """A grade-1 value of each term with its limit missing is not gradable: grade 1 is relative to it."""
    out = []
    for term, (lln, uln, cases) in V5_CASES.items():
        grade1 = [a for a, g in cases if g == "1"]
        if grade1 and lln is not None:
            out.append((term, grade1[0], None, uln, None, "NORMAL", None))
        if grade1 and uln is not None:
            out.append((term, grade1[0], lln, None, None, "NORMAL", None))
    for term in ("Alkaline phosphatase increased", "Aspartate aminotransferase increased", "Blood bilirubin increased",
                 "GGT increased"):
        out.append((term, 500.0, None, 40, None, "HIGH", None))  # abnormal baseline, BASE missing
    return out


V5_ALL = ([(term, aval, lln, uln, None, "NORMAL", g) for term, (lln, uln, cases) in V5_CASES.items()
           for aval, g in cases] + V5_BASELINE_CASES + _limit_missing_cases())


def test_ctcae_v5_boundaries():
    assert len(V5_ALL) > 300
    _check(CTCAE_V5, V5_ALL)


def test_ctcae_v5_grades_that_need_a_clinical_qualifier():
    _check(CTCAE_V5, [(t, a, lo, hi, None, None, g) for t, a, lo, hi, g in V5_QUALIFIED], assume=True)


def test_every_term_has_boundary_cases_and_every_rule_is_reached():
    """The checker of the checker: the cases above reach each rule of each term (grades and
    'not gradable' lines alike), so a criterion added to the table without a test fails here."""
    reached: dict[str, set[int]] = {t.term: set() for t in CTCAE_V5.terms}
    cases = [(term, aval, lln, uln, base, bnrind, False) for term, aval, lln, uln, base, bnrind, _ in V5_ALL]
    cases += [(term, aval, lln, uln, None, None, True) for term, aval, lln, uln, _ in V5_QUALIFIED]
    cases += [(t.term, None, 1.0, 1.0, 1.0, "NORMAL", False) for t in CTCAE_V5.terms]  # missing value
    for term, aval, lln, uln, base, bnrind, assume in cases:
        t = CTCAE_V5.term(term)
        values = {"AVAL": np.array([aval], dtype=float), "ANRLO": np.array([lln], dtype=float),
                  "ANRHI": np.array([uln], dtype=float), "BASE": np.array([base], dtype=float),
                  "BASE_HIGH": np.array([bnrind == "HIGH"]), "BASE_LOW": np.array([bnrind == "LOW"])}
        for i, rule in enumerate(t.rules):
            if rule.qualifier and not assume:
                continue
            if _evaluate(rule.condition, values, 1)[0]:
                reached[t.term].add(i)
                break
    missing = {term: [str(t.rules[i]).strip() for i in range(len(t.rules)) if i not in reached[term]]
               for term, t in ((x.term, x) for x in CTCAE_V5.terms)}
    missing = {k: v for k, v in missing.items() if v}
    assert missing == {}


def test_every_v5_term_is_tested():
    tested = set(V5_CASES) | {case[0] for case in V5_BASELINE_CASES}
    assert sorted(tested) == sorted(t.term for t in CTCAE_V5.terms)


def test_missing_value_gives_no_grade_for_every_term():
    _check(CTCAE_V5, [(t.term, None, 1.0, 1.0, 1.0, "NORMAL", None) for t in CTCAE_V5.terms])


# --- CTCAE v4.03 (the pharmaverse peer grades with it) ------------------------------------------------
@pytest.mark.parametrize("term,aval,lln,uln,base,expected,assume", [
    ("Creatinine increased", 100.1, N, 100, 200, "1", False),  # > ULN
    ("Creatinine increased", 61, N, 100, 60, "1", False),  # > 1 x baseline (v4 only)
    ("Creatinine increased", 90.1, N, 100, 60, "2", False), ("Creatinine increased", 80, N, N, None, None, False),
    ("Creatinine increased", 59, N, 100, 60, "0", False),
    ("Hemoglobin increased", 170, N, 160, 165, "1", False),  # baseline above ULN: from baseline
    ("Hemoglobin increased", 185.1, N, 160, 165, "2", False), ("Hemoglobin increased", 185.1, N, 160, 150, "2", False), ("Hemoglobin increased", 200.1, N, 160, 150, "3", False),
    ("Hyponatremia", 129.9, 135, N, None, "3", False), ("Hyponatremia", 119.9, 135, N, None, "4", False),
    ("Hyponatremia", 134, 135, N, None, "1", False),
    ("Hypokalemia", 3.4, 3.5, N, None, "1", False), ("Hypokalemia", 3.4, 3.5, N, None, "2", True),
    ("Hyperglycemia", 13.9, N, 6.1, None, "0", False), ("Hyperglycemia", 13.91, N, 6.1, None, "3", False),
    ("Hyperglycemia", 27.81, N, 6.1, None, "4", False),
    ("Hyperglycemia (fasting)", 6.2, N, 6.1, None, "1", False), ("Hyperglycemia (fasting)", 8.91, N, 6.1, None, "2", False),
    ("Hypophosphatemia", 0.79, 0.9, N, None, "2", False), ("Hypophosphatemia", 0.29, 0.9, N, None, "4", False),
    ("Hyperuricemia", 600, N, 420, None, "4", False), ("Hyperuricemia", 500, N, 420, None, "3", True),
    ("Alanine aminotransferase increased", 120.1, N, 40, 100, "2", False),  # v4: x ULN whatever the baseline
])
def test_ctcae_v4_criteria(term, aval, lln, uln, base, expected, assume):
    assert _grade(CTCAE_V4, term, aval, lln, uln, base, "HIGH", assume) == expected


# --- derivation behaviour -------------------------------------------------------------------------
def test_units_direction_and_unknown_terms_are_loud():
    adlb = pd.DataFrame({"USUBJID": ["1", "2"], "ATOXDSCL": "Anemia", "AVAL": [7.0, 130.0], "ANRLO": [8.0, 120.0],
                         "LBSTRESU": ["mmol/L", "g/L"]})
    with pytest.raises(DerivationError, match=r"'Anemia' \(CTCAE v5.0\) is graded in g/L; 1 record\(s\) are in \['MMOL/L'\]"):
        derive_var_atoxgr_dir(adlb, new_var="ATOXGRL", tox_description_var="ATOXDSCL", direction="L",
                              unit_var="LBSTRESU")
    lenient = derive_var_atoxgr_dir(adlb, new_var="ATOXGRL", tox_description_var="ATOXDSCL", direction="L",
                                    unit_var="LBSTRESU", unit_mismatch="missing")
    assert lenient["ATOXGRL"].tolist() == [None, "0"]
    with pytest.raises(DerivationError, match="unit is needed"):
        derive_var_atoxgr_dir(adlb, new_var="G", tox_description_var="ATOXDSCL", direction="L")
    with pytest.raises(DerivationError, match="'Anemia' is a low term"):
        derive_var_atoxgr_dir(adlb, new_var="G", tox_description_var="ATOXDSCL", direction="H", unit_var="LBSTRESU")
    with pytest.raises(DerivationError, match="'Anaemia' is not a term of CTCAE v5.0"):
        derive_var_atoxgr_dir(adlb.assign(ATOXDSCL="Anaemia"), new_var="G", tox_description_var="ATOXDSCL",
                              direction="L", unit_var="LBSTRESU")
    gi = derive_var_atoxgr_dir(pd.DataFrame({"D": "Lymphocyte count decreased", "AVAL": [0.45], "ANRLO": [1.0],
                                             "U": ["GI/L"]}), new_var="G", tox_description_var="D", direction="L",
                               unit_var="U")
    assert gi["G"].tolist() == ["3"]  # GI/L is 10^9/L
    # a test not done has no value and no unit (SDTM LBSTRESU is null): not gradable, and no unit error
    not_done = pd.DataFrame({"USUBJID": "1", "ATOXDSCL": "Hypoalbuminemia", "AVAL": [None, 25.0, None],
                             "ANRLO": 40.0, "LBSTRESU": [None, "g/L", ""]})
    graded = derive_var_atoxgr_dir(not_done, new_var="G", tox_description_var="ATOXDSCL", direction="L",
                                   unit_var="LBSTRESU")
    assert graded["G"].tolist() == [None, "2", None]
    with pytest.raises(DerivationError, match=r"1 record\(s\) are in \['MG/DL'\]"):  # a value still needs its unit
        derive_var_atoxgr_dir(not_done.assign(AVAL=[None, 2.5, None], LBSTRESU=[None, "mg/dL", ""]), new_var="G",
                              tox_description_var="ATOXDSCL", direction="L", unit_var="LBSTRESU")


def test_atoxgr_combines_both_directions_as_admiral():
    adlb = pd.DataFrame({
        "ATOXDSCL": [None, "Hypoglycemia", "Hypoglycemia", "Hypoglycemia", "Hypoglycemia", "Hypoglycemia", None, "Hypophosphatemia"],
        "ATOXDSCH": [None, "Hyperglycemia", "Hyperglycemia", "Hyperglycemia", "Hyperglycemia", "Hyperglycemia", "INR increased", None],
        "ATOXGRL": [None, None, None, "0", "2", "0", None, "0"],
        "ATOXGRH": [None, None, "0", "0", "0", "3", "0", None]})
    assert derive_var_atoxgr(adlb)["ATOXGR"].tolist() == [None, None, None, "0", "-2", "3", "0", "0"]


def test_the_table_prints_units_criteria_and_clinical_grades():
    text = str(CTCAE_V5)
    assert text.startswith("CTCAE v5.0: 40 terms")
    anemia = str(CTCAE_V5.term("anemia"))
    assert "Anemia (L, g/L; CTCAE v5.0)" in anemia and "AVAL < 80" in anemia and "transfusion indicated" in anemia
    table = CTCAE_V5.table()
    assert list(table.columns) == ["TERM", "DIRECTION", "UNIT", "RULE", "CONDITION", "GRADE", "CRITERION", "QUALIFIER"]
    assert set(table.loc[table["QUALIFIER"] != "", "TERM"]) == {
        "Lipase increased", "Serum amylase increased", "Hyperuricemia", "Hypokalemia", "Hyponatremia"}
