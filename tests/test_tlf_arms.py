"""Between-arm statistics, each checked against an independent computation written out here:
log-rank from observed minus expected events, the Cox hazard ratio from the Breslow partial likelihood
maximised with scipy, the risk difference and odds ratio from their textbook formulas."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from derivations.findings import DerivationError
from derivations.tlf import (FORMAT_RULES, ard_stats, compute_ard_comparison, compute_ard_hazard_ratio,
                             compute_hazard_ratios, compute_odds_ratio, compute_risk_difference)


def _trial(seed=7, n=(40, 35, 45), rates=(0.10, 0.06, 0.15)):
    rng = np.random.default_rng(seed)
    arms = np.repeat(["Placebo", "Low", "High"], n)
    hazard = np.repeat(rates, n)
    event_t = np.ceil(rng.exponential(1 / hazard))
    censor_t = np.ceil(rng.uniform(5, 40, len(arms)))
    t = np.minimum(event_t, censor_t)
    e = (event_t <= censor_t).astype(int)
    return pd.DataFrame({"USUBJID": [f"S{i:03d}" for i in range(len(arms))], "TRT01A": arms,
                         "AVAL": t, "CNSR": 1 - e})


def logrank_by_hand(t, e, g):
    """Chi-square of the k-group log-rank test: (O - E)' V^-1 (O - E) over the first k-1 groups."""
    levels = sorted(set(g))
    times = np.unique(t[e == 1])
    O = np.zeros(len(levels))
    E = np.zeros(len(levels))
    V = np.zeros((len(levels), len(levels)))
    for u in times:
        at_risk = np.array([np.sum((t >= u) & (g == lv)) for lv in levels], float)
        died = np.array([np.sum((t == u) & (e == 1) & (g == lv)) for lv in levels], float)
        n, d = at_risk.sum(), died.sum()
        O += died
        E += d * at_risk / n
        if n > 1:
            f = d * (n - d) / (n - 1)
            V += f * (np.diag(at_risk / n) - np.outer(at_risk, at_risk) / n ** 2)
    k = len(levels) - 1
    diff = (O - E)[:k]
    chi2 = float(diff @ np.linalg.solve(V[:k, :k], diff))
    return chi2, float(stats.chi2.sf(chi2, k))


def cox_by_hand(t, e, x):
    """Breslow partial likelihood of one binary covariate, maximised; SE from the observed information."""
    def negll(beta):
        b = beta[0]
        ll = 0.0
        for u in np.unique(t[e == 1]):
            dead = (t == u) & (e == 1)
            risk = t >= u
            ll += b * x[dead].sum() - dead.sum() * np.log(np.exp(b * x[risk]).sum())
        return -ll

    b = optimize.minimize(negll, [0.0], method="BFGS", options={"gtol": 1e-10}).x[0]
    h = 1e-4
    info = (negll([b + h]) - 2 * negll([b]) + negll([b - h])) / h ** 2
    return b, 1 / np.sqrt(info)


def test_log_rank_and_cox_against_independent_computations():
    d = _trial()
    t, e, g = d["AVAL"].to_numpy(), 1 - d["CNSR"].to_numpy(), d["TRT01A"].to_numpy()
    hrs, p_all = compute_hazard_ratios(t, e, g, reference="Placebo", arms=["Placebo", "Low", "High"])
    assert p_all == pytest.approx(logrank_by_hand(t, e, g)[1], rel=1e-9)
    for h in hrs:
        pair = np.isin(g, ["Placebo", h.arm])
        assert h.p_logrank == pytest.approx(logrank_by_hand(t[pair], e[pair], g[pair])[1], rel=1e-9)
    # the two-arm Cox model: the same HR as the one-covariate partial likelihood maximised by hand
    pair = np.isin(g, ["Placebo", "High"])
    hr2, _ = compute_hazard_ratios(t[pair], e[pair], g[pair], reference="Placebo")
    b, se = cox_by_hand(t[pair], e[pair], (g[pair] == "High").astype(float))
    assert hr2[0].hr == pytest.approx(np.exp(b), rel=1e-6)
    assert hr2[0].ci_lower == pytest.approx(np.exp(b - 1.959963984540054 * se), rel=1e-4)
    assert hr2[0].ci_upper == pytest.approx(np.exp(b + 1.959963984540054 * se), rel=1e-4)
    # the high-hazard arm: HR above 1, the low-hazard arm below
    by_arm = {h.arm: h for h in hrs}
    assert by_arm["High"].hr > 1 > by_arm["Low"].hr


def test_hazard_ratio_ard_rows_and_format():
    d = _trial()
    ard = compute_ard_hazard_ratio(d, analysis_id="OS-HR", treatment_var="TRT01A", reference="Placebo",
                                   arm_order=["Placebo", "Low", "High"])
    assert list(dict.fromkeys(ard["column_value"])) == ["Low", "High", "Total"]
    assert set(ard["column_var"]) == {"TRT01A"}
    high = ard_stats(ard, column_value="High")
    assert set(high) == {"hr", "hr_ci_lower", "hr_ci_upper", "p_wald", "p_logrank"}
    assert high["hr_ci_lower"] < high["hr"] < high["hr_ci_upper"]
    cell = FORMAT_RULES["hr_ci"].format(high)
    assert cell == f"{high['hr']:.2f} ({high['hr_ci_lower']:.2f}, {high['hr_ci_upper']:.2f})"
    with pytest.raises(DerivationError, match="reference arm"):
        compute_ard_hazard_ratio(d, analysis_id="x", treatment_var="TRT01A", reference="Plecebo")
    with pytest.raises(DerivationError, match="not in the display order"):
        compute_ard_hazard_ratio(d, analysis_id="x", treatment_var="TRT01A", reference="Placebo",
                                 arm_order=["Placebo", "Low"])


def test_risk_difference_and_odds_ratio_by_formula():
    x1, n1, x0, n0 = 23, 40, 12, 38
    p1, p0 = x1 / n1, x0 / n0
    z = stats.norm.ppf(0.975)
    se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    assert compute_risk_difference(x1, n1, x0, n0) == pytest.approx(
        (100 * (p1 - p0), 100 * (p1 - p0 - z * se), 100 * (p1 - p0 + z * se)))
    odds = (x1 * (n0 - x0)) / ((n1 - x1) * x0)
    se_log = np.sqrt(1 / x1 + 1 / (n1 - x1) + 1 / x0 + 1 / (n0 - x0))
    assert compute_odds_ratio(x1, n1, x0, n0) == pytest.approx(
        (odds, odds * np.exp(-z * se_log), odds * np.exp(z * se_log)))
    assert all(np.isnan(compute_odds_ratio(0, 10, 3, 10)))  # a zero cell: not estimable


def test_comparison_ard_counts_subjects_once_and_uses_adsl_n():
    adsl = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(60)],
                         "TRT01A": ["Placebo"] * 20 + ["Low"] * 20 + ["High"] * 20, "SAFFL": "Y"})
    # subjects with AEs: 5 placebo (one with two records), 8 low, 12 high; one non-safety subject ignored
    ids = [f"S{i}" for i in list(range(5)) + [0] + list(range(20, 28)) + list(range(40, 52))]
    adae = pd.DataFrame({"USUBJID": ids + ["S99"], "TRTEMFL": "Y"})
    ard = compute_ard_comparison(adae, analysis_id="AE", treatment_var="TRT01A", reference="Placebo",
                                 response="TRTEMFL == 'Y'", denominator=adsl, population="SAFFL == 'Y'")
    high = ard_stats(ard, column_value="High")
    assert high["rd"] == pytest.approx(100 * (12 / 20 - 5 / 20))
    assert high["or"] == pytest.approx((12 * 15) / (8 * 5))
    low = ard_stats(ard, column_value="Low")
    assert low["rd"] == pytest.approx(100 * (8 / 20 - 5 / 20))
    assert "Placebo" not in set(ard["column_value"])


def test_an_arm_without_events_has_no_hazard_ratio():
    t = np.array([5, 8, 12, 20, 3, 4, 6, 9, 10, 11, 12, 13], float)
    e = np.array([1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0])
    g = np.array(["P"] * 4 + ["A"] * 4 + ["B"] * 4)
    hrs, p_all = compute_hazard_ratios(t, e, g, reference="P", arms=["P", "A", "B"])
    by_arm = {h.arm: h for h in hrs}
    assert np.isnan(by_arm["B"].hr) and np.isnan(by_arm["B"].ci_upper)  # B: no events, not estimable
    assert by_arm["A"].hr > 0 and np.isfinite(by_arm["A"].ci_upper)
    # A's HR is that of the model without B (B has no information on the hazard)
    two = compute_hazard_ratios(t[:8], e[:8], g[:8], reference="P")[0][0]
    assert by_arm["A"].hr == pytest.approx(two.hr) and 0 < p_all < 1
    assert FORMAT_RULES["hr_ci"].format({"hr": by_arm["B"].hr, "hr_ci_lower": by_arm["B"].ci_lower,
                                         "hr_ci_upper": by_arm["B"].ci_upper}) == "NE (NE, NE)"
