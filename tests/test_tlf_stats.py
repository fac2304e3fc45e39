"""Statistics and ARD of derivations.tlf: values computed by hand or published by SAS."""

import math

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.tlf import (
    KmSettings,
    ard_stats,
    compute_ard_continuous,
    compute_ard_counts,
    compute_ard_km,
    compute_ard_occurrences,
    compute_ard_proportion_ci,
    compute_km,
    compute_proportion_ci,
)

SAME_UNIT = dict(input_unit="days", output_unit="days")
Z = 1.959963984540054

# SAS/STAT User's Guide, PROC LIFETEST "Computational Formulas": sashelp.BMT, group ALL
BMT_ALL_T = [2081, 1602, 1496, 1462, 1433, 1377, 1330, 996, 226, 1199, 1111, 530, 1182, 1167, 418,
             383, 276, 104, 609, 172, 487, 662, 194, 230, 526, 122, 129, 74, 122, 86, 466, 192, 109,
             55, 1, 107, 110, 332]
BMT_ALL_STATUS = [0] * 14 + [1] * 24


# ----------------------------------------------------------------- Clopper-Pearson

@pytest.mark.parametrize("x, n, est, lo, hi", [(9, 29, 0.310, 0.153, 0.508), (25, 29, 0.862, 0.683, 0.961)])
def test_clopper_pearson_published_values(x, n, est, lo, hi):
    p, lower, upper = compute_proportion_ci(x, n)
    assert p == pytest.approx(est, abs=0.0005)
    assert lower == pytest.approx(lo, abs=0.0005)
    assert upper == pytest.approx(hi, abs=0.0005)


def test_ard_proportion_ci_orr_and_dcr():
    adsl = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(30)], "SAFFL": ["Y"] * 29 + ["N"]})
    bor = ["PR"] * 9 + ["SD"] * 16 + ["PD"] * 4 + ["PR"]  # the 30th subject is outside the population
    adrs = pd.DataFrame({"USUBJID": adsl.USUBJID, "PARAMCD": "BOR", "AVALC": bor})
    orr = compute_ard_proportion_ci(adrs, analysis_id="ORR", response="AVALC in ['CR', 'PR']",
                                    filter="PARAMCD == 'BOR'", denominator=adsl, population="SAFFL == 'Y'")
    s = ard_stats(orr)
    assert (s["n"], s["N"]) == (9, 29)
    assert round(s["pct"], 1) == 31.0 and round(s["ci_lower"], 1) == 15.3 and round(s["ci_upper"], 1) == 50.8
    dcr = compute_ard_proportion_ci(adrs, analysis_id="DCR", response="AVALC in ['CR', 'PR', 'SD']",
                                    denominator=adsl, population="SAFFL == 'Y'")
    s = ard_stats(dcr)
    assert (s["n"], round(s["pct"], 1), round(s["ci_lower"], 1), round(s["ci_upper"], 1)) == (25, 86.2, 68.3, 96.1)
    assert set(orr["population"]) == {"SAFFL == 'Y'"} and set(orr["dataset"]) == {"ADRS"}


# ----------------------------------------------------------------- KM median rules

def test_median_sas_midpoint_when_curve_sits_at_half():
    # 6 subjects, all events: S(3) = 3/6 = 0.5 exactly until the next event at 4
    t, e = [1, 2, 3, 4, 5, 6], [1] * 6
    assert compute_km(t, e, KmSettings(median_rule="sas", **SAME_UNIT)).median == 3.5
    assert compute_km(t, e, KmSettings(median_rule="first", **SAME_UNIT)).median == 3.0


def test_median_sas_midpoint_skips_censored_times():
    # S(3) = 0.5; censoring at 4; next event 5 -> SAS midpoint (3 + 5) / 2
    t, e = [1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1]
    assert compute_km(t, e, KmSettings(**SAME_UNIT)).median == 4.0


def test_median_when_curve_jumps_over_half():
    # S: 4/5, 3/5, 2/5 (t=3) -> both rules give 3
    t, e = [1, 2, 3, 4, 5], [1, 1, 1, 1, 1]
    for rule in ("sas", "first"):
        assert compute_km(t, e, KmSettings(median_rule=rule, **SAME_UNIT)).median == 3.0


def test_median_not_reached_is_missing():
    km = compute_km([1, 2, 3, 4], [1, 0, 0, 0], KmSettings(**SAME_UNIT))
    assert math.isnan(km.median) and km.events == 1 and km.censored == 3


def test_days_per_month_setting():
    # the embedded study: 160 days / 30 = 5.33 months; admiral's 30.4375 gives 5.26
    t, e = [100, 160, 200], [1, 1, 1]
    assert round(compute_km(t, e, KmSettings(days_per_month=30)).median, 2) == 5.33
    assert round(compute_km(t, e, KmSettings()).median, 2) == 5.26


# ----------------------------------------------------------------- Brookmeyer-Crowley

@pytest.mark.parametrize("transform, lo, hi", [("loglog", 86, 230), ("linear", 107, 276), ("log", 107, 332)])
def test_brookmeyer_crowley_matches_sas_bmt_first_quartile(transform, lo, hi):
    # SAS documentation table "Constructing 95% Confidence Limits for the 25th Percentile" (ALL group)
    km = compute_km(BMT_ALL_T, BMT_ALL_STATUS, KmSettings(ci_transform=transform, **SAME_UNIT))
    q25 = km.quartiles.set_index("percent").loc[25]
    assert q25["estimate"] == 122
    assert (q25["lower"], q25["upper"]) == (lo, hi)


def test_brookmeyer_crowley_median_by_hand():
    km = compute_km(BMT_ALL_T, BMT_ALL_STATUS, KmSettings(**SAME_UNIT))
    # hand computation: KM + Greenwood, then |log(-log S) - log(-log .5)| / (se / |S log S|) <= z
    t = np.array(BMT_ALL_T, float)
    d = np.array(BMT_ALL_STATUS)
    times = np.unique(t[d == 1])
    n_risk = np.array([(t >= u).sum() for u in times])
    n_ev = np.array([((t == u) & (d == 1)).sum() for u in times])
    s = np.cumprod(1 - n_ev / n_risk)
    se = s * np.sqrt(np.cumsum(n_ev / (n_risk * (n_risk - n_ev))))
    r = (np.log(-np.log(s)) - np.log(-np.log(0.5))) / (se / np.abs(s * np.log(s)))
    inside = np.flatnonzero(np.abs(r) <= Z)
    assert km.median == times[np.flatnonzero(s < 0.5)[0]] == 418
    assert km.median_ci[0] == times[inside[0]] == 192
    # the last event time (662) is still inside the set: the upper limit is not estimable
    assert inside[-1] == len(times) - 1 and math.isnan(km.median_ci[1])
    np.testing.assert_allclose(km.table["survival"], s)
    np.testing.assert_allclose(km.table["se"], se)


# ----------------------------------------------------------------- symmetric (Collett / SPSS)

def test_symmetric_ci_collett_by_hand():
    # 6 events at 1..6: S = 5/6, 4/6, 3/6, 2/6, 1/6, 0
    km = compute_km([1, 2, 3, 4, 5, 6], [1] * 6,
                    KmSettings(ci_method="symmetric", median_rule="first", **SAME_UNIT))
    se_s = 0.5 * math.sqrt(1 / (6 * 5) + 1 / (5 * 4) + 1 / (4 * 3))  # Greenwood at t=3
    f = (4 / 6 - 2 / 6) / (4 - 2)  # u = 2 (S=.667 >= .55), l = 4 (S=.333 <= .45)
    se_med = se_s / f
    assert se_med == pytest.approx(1.2247449, rel=1e-6)
    assert km.median == 3.0
    assert km.median_ci[0] == pytest.approx(3 - Z * se_med, rel=1e-9)
    assert km.median_ci[1] == pytest.approx(3 + Z * se_med, rel=1e-9)
    assert km.median_ci[0] == pytest.approx(0.5996, abs=1e-4)


def test_rate_with_loglog_ci_and_numbers_at_risk():
    km = compute_km([1, 2, 3, 4, 5, 6], [1] * 6, KmSettings(**SAME_UNIT))
    s, lo, hi = km.rate(2.5)
    se = (4 / 6) * math.sqrt(1 / 30 + 1 / 20)
    c = Z * se / ((4 / 6) * abs(math.log(4 / 6)))
    assert s == pytest.approx(4 / 6)
    assert lo == pytest.approx((4 / 6) ** math.exp(c)) and lo == pytest.approx(0.1946, abs=1e-4)
    assert hi == pytest.approx((4 / 6) ** math.exp(-c)) and hi == pytest.approx(0.9044, abs=1e-4)
    s7, lo7, hi7 = km.rate(7)  # past the last follow-up, but the curve reached 0 at t=6 (an event)
    assert s7 == 0.0 and math.isnan(lo7) and math.isnan(hi7)
    assert km.at_risk([0, 2.5, 6]).tolist() == [6, 4, 1]


def test_km_settings_are_printable_and_checked():
    text = str(KmSettings(days_per_month=30, ci_method="symmetric"))
    assert "symmetric" in text and "30 days/month" in text
    with pytest.raises(DerivationError, match="median_rule"):
        KmSettings(median_rule="spss")
    with pytest.raises(DerivationError, match="CNSR"):
        compute_km([1, -2], [1, 0])


def test_ard_km_by_group():
    adtte = pd.DataFrame({"USUBJID": list("ABCDEFG"), "PARAMCD": "OS",
                          "ARM": ["X"] * 4 + ["Y"] * 3,
                          "AVAL": [30, 60, 90, 120, 30, 240, 300], "CNSR": [0, 0, 0, 1, 0, 1, 1]})
    ard = compute_ard_km(adtte, analysis_id="OS", by_vars=["ARM"], rate_times=[3],
                         settings=KmSettings(days_per_month=30))
    x = ard_stats(ard, column_value="X")
    assert (x["N"], x["events"], x["censored"], x["km_median"]) == (4, 3, 1, 2.5)
    assert x["rate_3m"] == pytest.approx(25.0)  # S after 3 events of 4 = 1/4
    y = ard_stats(ard, column_value="Y")
    assert math.isnan(y["km_median"]) and y["rate_3m"] == pytest.approx(200 / 3)
    assert set(ard["group_value"]) == {"OS"} and set(ard["column_var"]) == {"ARM"}


# ----------------------------------------------------------------- counts / continuous / AEs

def _adsl():
    return pd.DataFrame({
        "USUBJID": [f"S{i}" for i in range(6)],
        "SAFFL": ["Y"] * 5 + ["N"],
        "ARM": ["A", "A", "B", "B", "B", "A"],
        "AGEGR1": ["<65", ">=65", "<65", "<65", None, "<65"],
        "AGE": [50.0, 70.0, 40.0, 60.0, np.nan, 55.0],
    })


def test_counts_codelist_order_zero_missing_and_total():
    ard = compute_ard_counts(_adsl(), analysis_id="AGEGR", variables=["AGEGR1"], by_vars=["ARM"],
                             population="SAFFL == 'Y'", order={"AGEGR1": [">=65", "<65", "unknown"]},
                             total=True)
    n = ard.query("stat_name == 'n'")
    assert list(dict.fromkeys(n.group_value)) == [">=65", "<65", "unknown", "Missing"]
    got = {(g, c): v for g, c, v in n[["group_value", "column_value", "stat_value"]].values}
    assert got[("<65", "A")] == 1 and got[("<65", "B")] == 2 and got[("<65", "Total")] == 3
    assert got[(">=65", "B")] == 0 and got[("unknown", "Total")] == 0 and got[("Missing", "B")] == 1
    pct = ard_stats(ard, group_value="<65", column_value="B")
    assert (pct["N"], round(pct["pct"], 2)) == (3, 66.67)


def test_counts_missing_listed_in_the_order_is_one_row():
    # "Missing" placed by the order (a baseline grade that could not be derived), and present both as
    # that label and as a missing value: one row, at its place in the order, counting both subjects
    adlb = pd.DataFrame({"USUBJID": ["1", "2", "3"], "BGR": ["0", "Missing", None]})
    ard = compute_ard_counts(adlb, analysis_id="B", variables=["BGR"], order={"BGR": ["0", "Missing", "1"]})
    n = ard.query("stat_name == 'n'")
    assert n[["group_value", "stat_value"]].values.tolist() == [["0", 1.0], ["Missing", 2.0], ["1", 0.0]]
    assert len(ard) == 9


def _lab_grades():
    # worst grade per subject and parameter; subject 5 is outside the population; ALB has no records
    return pd.DataFrame({
        "USUBJID": ["1", "2", "3", "1", "2", "4", "5", "5"],
        "SAFFL": ["Y", "Y", "Y", "Y", "Y", "Y", "N", "N"],
        "PARAMCD": ["HGB", "HGB", "HGB", "ALT", "ALT", "ALT", "HGB", "ALT"],
        "ARM": ["A", "B", "B", "A", "B", "B", "A", "A"],
        "GRADE": ["0", "2", None, "1", "1", "3", "4", "4"],
        "HIGH": ["N", "Y", "N", "Y", "Y", "Y", "Y", "Y"],
    })


def test_counts_by_analysis_equal_one_call_per_analysis():
    lab, adsl = _lab_grades(), _adsl().assign(USUBJID=["1", "2", "3", "4", "5", "6"])
    order = {"GRADE": ["0", "1", "2", "3", "4", "Missing"], "HIGH": ["Y", "N"]}
    kw = dict(variables=["GRADE", "HIGH"], population="SAFFL == 'Y'", by_vars=["ARM"], total=True,
              dataset_name="ADLB")
    params = ["HGB", "ALT", "ALB"]
    results = []
    for denominator in (None, adsl):  # N per parameter (its own records), or the population's (ADSL)
        grouped = compute_ard_counts(lab, analysis_id="T", analysis_var="PARAMCD", denominator=denominator,
                                     order={**order, "PARAMCD": params}, **kw)
        one_by_one = pd.concat(
            [compute_ard_counts(lab[lab["PARAMCD"] == p], analysis_id=f"T-{p}", order=order,
                                denominator=lab[lab["PARAMCD"] == p] if denominator is None else adsl,
                                column_order=["A", "B"], **kw) for p in params], ignore_index=True)
        pd.testing.assert_frame_equal(grouped, one_by_one)
        results.append(grouped)
    # by hand: HGB's N in arm B are its subjects 2 and 3 (ADSL's: 3, 4, 5); grade 2 in arm B: subject 2
    select = dict(analysis_id="T-HGB", group_var="GRADE", group_value="2", column_value="B")
    assert [ard_stats(r, **select) for r in results] == [{"n": 1, "N": 2, "pct": 50}, {"n": 1, "N": 3, "pct": 100 / 3}]
    assert list(dict.fromkeys(grouped["analysis_id"])) == ["T-HGB", "T-ALT", "T-ALB"]
    # every analysis has the same rows: a level seen in one (HGB's missing grade) is a row of each
    unordered = compute_ard_counts(lab, analysis_id="T", analysis_var="PARAMCD", variables=["GRADE"])
    assert unordered.groupby("analysis_id", sort=False)["group_value"].unique().map(list).to_dict() == {
        "T-ALT": ["0", "1", "2", "3", "4", "Missing"], "T-HGB": ["0", "1", "2", "3", "4", "Missing"]}
    assert ard_stats(unordered, analysis_id="T-ALT", group_value="Missing") == {"n": 0, "N": 4, "pct": 0}  # 1, 2, 4, 5


def test_counts_by_analysis_value_outside_the_order_raises():
    with pytest.raises(DerivationError, match=r"\['ALT'\] not in the display order"):
        compute_ard_counts(_lab_grades(), analysis_id="T", analysis_var="PARAMCD", variables=["HIGH"],
                           order={"PARAMCD": ["HGB"]})


def test_counts_value_outside_codelist_raises():
    with pytest.raises(DerivationError, match="not in the display order"):
        compute_ard_counts(_adsl(), analysis_id="X", variables=["AGEGR1"], order={"AGEGR1": ["<65"]})


def test_continuous_by_hand():
    ard = compute_ard_continuous(_adsl(), analysis_id="AGE", variables=["AGE"], by_vars=["ARM"],
                                 population="SAFFL == 'Y'")
    a = ard_stats(ard, column_value="A")  # 50, 70
    assert (a["n"], a["mean"], a["median"], a["min"], a["max"]) == (2, 60, 60, 50, 70)
    assert a["sd"] == pytest.approx(math.sqrt(200))
    b = ard_stats(ard, column_value="B")  # 40, 60, missing
    assert (b["n"], b["mean"], b["q1"], b["q3"]) == (2, 50, 40, 60)


def test_occurrences_once_per_subject_per_term_and_bands():
    adsl = _adsl()
    adae = pd.DataFrame({
        "USUBJID": ["S0", "S0", "S0", "S2", "S3", "S5"],
        "ARM": ["A", "A", "A", "B", "B", "A"],
        "TRTEMFL": ["Y", "Y", "Y", "Y", "N", "Y"],
        "AESOC": ["Blood", "Blood", "Gastro", "Blood", "Gastro", "Blood"],
        "AEDECOD": ["Anaemia", "Anaemia", "Nausea", "Lymphopenia", "Nausea", "Anaemia"],
        "AETOXGR": ["1", "3", "2", "4", "1", "3"],
    })
    ard = compute_ard_occurrences(adae, analysis_id="AE", denominator=adsl, by_vars=["ARM"],
                                  population="SAFFL == 'Y'", filter="TRTEMFL == 'Y'", total=True)
    n = lambda **k: ard_stats(ard, **k)["n"]  # noqa: E731
    # S0 has anaemia twice: counted once; S5 is outside the population; S3's AE is not TEAE
    assert n(group_value="Anaemia", column_value="A", grade_band="Any grade") == 1
    assert n(group_value="Anaemia", column_value="A", grade_band="Grade 3-4") == 1
    assert n(group_value="Blood", column_value="Total", grade_band="Any grade") == 2
    assert n(group_value="Lymphopenia", column_value="B", grade_band="Grade 3-4") == 1
    assert n(group_value="Nausea", column_value="B", grade_band="Any grade") == 0
    assert n(group_var="ANY", column_value="Total", grade_band="Any grade") == 2
    assert n(group_var="ANY", column_value="Total", grade_band="Grade 5") == 0
    assert ard_stats(ard, group_value="Blood", column_value="Total", grade_band="Any grade")["pct"] == 40.0
    # order: ANY, Blood (2 subjects) with its PTs, then Gastro (1)
    rows = ard.query("stat_name == 'n' and column_value == 'Total' and grade_band == 'Any grade'")
    assert rows.group_value.tolist() == ["Subjects with at least one event", "Blood", "Anaemia",
                                         "Lymphopenia", "Gastro", "Nausea"]
    assert rows.parent_value.tolist()[2:4] == ["Blood", "Blood"]


def test_rate_after_the_curve_reached_zero_is_zero_not_missing():
    from derivations.tlf import compute_km

    # last time is an event: S drops to 0 at t=5 and stays 0
    km = compute_km(np.array([1.0, 3.0, 5.0]), np.array([1, 1, 1]), KmSettings(**SAME_UNIT))
    assert km.rate(10.0)[0] == 0.0
    # last time is censored: beyond it the curve is not estimable
    km = compute_km(np.array([1.0, 3.0, 5.0]), np.array([1, 1, 0]), KmSettings(**SAME_UNIT))
    assert np.isnan(km.rate(10.0)[0])
    assert km.rate(4.0)[0] == pytest.approx(1 / 3)


def test_occurrences_by_maximum_grade_count_each_subject_in_one_band():
    from derivations.tlf import ard_stats, compute_ard_occurrences

    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3", "4"]})
    adae = pd.DataFrame({"USUBJID": ["1", "1", "2", "2", "3"], "AESOC": ["S"] * 5,
                         "AEDECOD": ["A", "A", "A", "B", "B"], "AETOXGR": ["3", "5", "2", "4", "3"]})
    bands = {"Any grade": None, "Grade 3-4": (3, 4), "Grade 5": (5,)}

    def n(ard, term, band):
        return ard_stats(ard, group_value=term, grade_band=band)["n"]

    worst = compute_ard_occurrences(adae, analysis_id="AE", denominator=adsl, grade_bands=bands, by_max_grade=True)
    any_ = "Subjects with at least one event"
    assert [n(worst, "A", b) for b in bands] == [2, 0, 1]  # subject 1's worst grade of A is 5
    assert [n(worst, "B", b) for b in bands] == [2, 2, 0]
    assert [n(worst, any_, b) for b in bands] == [3, 2, 1]  # 2 (worst 4) and 3 (worst 3) in 3-4; 1 in 5
    assert [n(worst, "S", b) for b in bands] == [3, 2, 1]
    anyev = compute_ard_occurrences(adae, analysis_id="AE", denominator=adsl, grade_bands=bands)
    assert [n(anyev, "A", b) for b in bands] == [2, 1, 1]  # at least one event in the band: 1 is in both
    assert ard_stats(worst, group_value="A", grade_band="Grade 5")["pct"] == 25.0


def test_printed_statistics_round_as_sas_at_a_half_way_value():
    """0.125 prints 0.13 (SAS, half away from zero), not Python's 0.12 (half to even on the exact binary tie):
    in the KM summary line, the KM figure's legend and the hazard-ratio line."""
    from derivations.tlf import HazardRatio, KmSettings, compute_km
    from derivations.tlf.figures import plot_km

    assert f"{0.125:.2f}" == "0.12" and f"{0.03125:.4f}" == "0.0312"  # what a plain format prints
    km = compute_km([0.125, 0.125, 1.0], [1, 1, 1], KmSettings(input_unit="days", output_unit="days"))
    assert km.median == 0.125 and km.median_ci == (0.125, 1.0)
    assert str(km) == "KM: N=3, events=3, censored=0, median=0.13 (0.13, 1.00) days"
    fig = plot_km({"Arm A": km})
    assert fig.axes[0].get_legend_handles_labels()[1] == ["Arm A (median 0.13)"]
    hr = HazardRatio("B", "A", hr=1.125, ci_lower=0.625, ci_upper=2.025, p_wald=0.04, p_logrank=0.03125)
    assert str(hr) == "HR B vs A: 1.13 (0.63, 2.03), log-rank p=0.0313"
