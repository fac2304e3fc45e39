"""RECIST 1.1 time-point response from TU/TR, and derived-vs-investigator concordance.

Inputs are built by hand; every expected value is computed by hand in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError, Findings
from derivations.oncology import (
    RECIST11_OVERALL_TABLE,
    RecistRule,
    compute_concordance,
    compute_overall_lookup,
    derive_param_recist_ovr,
    format_response_table,
)

REF = Path("/work/shared/reference/pharmaverse/sdtm")

# visits used by the builders: (VISIT, VISITNUM, TRDTC)
V = [
    ("BASELINE", 1.0, "2020-01-01"),
    ("WEEK 6", 2.0, "2020-02-12"),
    ("WEEK 12", 3.0, "2020-03-25"),
    ("WEEK 18", 4.0, "2020-05-06"),
]


def build(lesions, results, usubjid="P1"):
    """lesions: [(TULNKID, TUSTRESC, TULOC)]; results: per visit {TULNKID: value}.

    A number is a diameter (LDIAM), a str a TUMSTATE, None a measurement not done.
    """
    tu = pd.DataFrame(
        [
            {"STUDYID": "S1", "USUBJID": usubjid, "TULNKID": lnk, "TUSTRESC": role, "TULOC": loc}
            for lnk, role, loc in lesions
        ]
    )
    rows = []
    for (visit, vnum, dtc), res in zip(V, results):
        for lnk, value in res.items():
            state = isinstance(value, str)
            rows.append(
                {
                    "STUDYID": "S1",
                    "USUBJID": usubjid,
                    "TRLNKID": lnk,
                    "TRTESTCD": "TUMSTATE" if state else "LDIAM",
                    "TRSTRESN": np.nan if (state or value is None) else float(value),
                    "TRSTRESC": value if state else (None if value is None else str(value)),
                    "TRSTAT": "NOT DONE" if value is None else None,
                    "VISIT": visit,
                    "VISITNUM": vnum,
                    "TRDTC": dtc,
                }
            )
    return tu, pd.DataFrame(rows)


TWO_TARGETS = [("T01", "TARGET", "LIVER"), ("T02", "TARGET", "LUNG"), ("NT01", "NON-TARGET", "BONE")]


def post(df):
    return df[df["ABLFL"].isna()].reset_index(drop=True)


# ---------------------------------------------------------------- the table as data


def test_overall_table_rows_and_lookup():
    table = {(t, nt, new): o for t, nt, new, o in RECIST11_OVERALL_TABLE}
    assert table[("CR", "CR", "N")] == "CR"
    assert table[("CR", "NON-CR/NON-PD", "N")] == "PR"
    assert table[("CR", "NE", "N")] == "PR"
    assert table[("PR", "NE", "N")] == "PR"
    assert table[("SD", "NON-CR/NON-PD", "N")] == "SD"
    assert table[("NE", "NON-CR/NON-PD", "N")] == "NE"
    assert table[("NA", "NON-CR/NON-PD", "N")] == "NON-CR/NON-PD"
    assert table[("ANY", "ANY", "Y")] == "PD"
    lookup = compute_overall_lookup()
    assert len(lookup) == 6 * 5 * 2  # every target x non-target x new combination
    assert lookup[("NE", "PD", "N")] == "PD"  # target not all evaluated, PD elsewhere
    assert lookup[("NE", "NE", "Y")] == "PD"
    assert lookup[("SD", "CR", "N")] == "SD"
    assert lookup[("CR", "NA", "N")] == "CR"
    assert lookup[("NA", "CR", "N")] == "CR"
    assert lookup[("PR", "NON-CR/NON-PD", "Y")] == "PD"


def test_rule_prints_thresholds_and_table():
    text = str(RecistRule())
    assert "baseline x (1 -30%)" in text
    assert "nadir x (1 +20%)" in text and "5 mm" in text
    assert "< 10 mm" in text
    assert "CR      NON-CR/NON-PD  N    PR" in text
    assert format_response_table().splitlines()[0].split() == ["target", "non-target", "new", "overall"]


def test_incomplete_table_is_rejected():
    with pytest.raises(DerivationError, match="no row"):
        RecistRule(response_table=RECIST11_OVERALL_TABLE[1:])  # drops the new-lesion PD row


# ---------------------------------------------------------------- target response


def test_pr_at_exactly_minus_30_percent_and_sd_just_above():
    # baseline 60 + 40 = 100; week 6: 42 + 28 = 70 (-30.0%) -> PR; week 12: 71 (-29%) -> SD
    tu, tr = build(
        TWO_TARGETS,
        [
            {"T01": 60, "T02": 40, "NT01": "PRESENT"},
            {"T01": 42, "T02": 28, "NT01": "PRESENT"},
            {"T01": 43, "T02": 28, "NT01": "PRESENT"},
        ],
    )
    out = derive_param_recist_ovr(tr, dataset_add=tu)
    base = out[out["ABLFL"] == "Y"].iloc[0]
    assert base["SUMDIAM"] == 100.0 and base["BASE"] == 100.0
    p = post(out)
    assert p["SUMDIAM"].tolist() == [70.0, 71.0]
    assert p["PCHG"].round(6).tolist() == [-30.0, -29.0]
    assert p["TRGRESP"].tolist() == ["PR", "SD"]
    assert p["NTRGRESP"].tolist() == ["NON-CR/NON-PD"] * 2
    assert p["OVRLRESP"].tolist() == ["PR", "SD"]
    assert p["AVAL"].tolist() == [2.0, 3.0]
    assert p["ADT"].dt.strftime("%Y-%m-%d").tolist() == ["2020-02-12", "2020-03-25"]


def test_plus_20_percent_but_only_4_mm_is_not_pd():
    # single target 20 mm; week 6: 24 (+20%, +4 mm) -> SD; week 12: 25 (+25%, +5 mm) -> PD
    tu, tr = build([("T01", "TARGET", "LIVER")], [{"T01": 20}, {"T01": 24}, {"T01": 25}])
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p["CHGNADIR"].tolist() == [4.0, 5.0]
    assert p["PCHGNAD"].tolist() == [20.0, 25.0]
    assert p["TRGRESP"].tolist() == ["SD", "PD"]
    assert p["NTRGRESP"].tolist() == ["NA", "NA"]  # no non-target disease
    assert p["OVRLRESP"].tolist() == ["SD", "PD"]


def test_pd_is_measured_from_nadir_not_baseline():
    # baseline 100; week 6: 50 (PR, -50%); week 12: 61 = nadir 50 +11 mm (+22%) -> PD
    # although 61 is still -39% from baseline
    tu, tr = build(
        TWO_TARGETS,
        [
            {"T01": 60, "T02": 40, "NT01": "PRESENT"},
            {"T01": 30, "T02": 20, "NT01": "PRESENT"},
            {"T01": 36, "T02": 25, "NT01": "PRESENT"},
        ],
    )
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p["NADIR"].tolist() == [100.0, 50.0]
    assert p["PCHG"].tolist() == [-50.0, -39.0]
    assert p["CHGNADIR"].tolist() == [-50.0, 11.0]
    assert p["PCHGNAD"].round(6).tolist() == [-50.0, 22.0]
    assert p["TRGRESP"].tolist() == ["PR", "PD"]
    assert p["OVRLRESP"].tolist() == ["PR", "PD"]


def test_nadir_excluding_baseline_option():
    # nadir from post-baseline sums only: week 12 compares with week 6 (90), not baseline (80)
    tu, tr = build([("T01", "TARGET", "LIVER")], [{"T01": 80}, {"T01": 90}, {"T01": 100}])
    incl = post(derive_param_recist_ovr(tr, dataset_add=tu))
    excl = post(derive_param_recist_ovr(tr, dataset_add=tu, rule=RecistRule(nadir_includes_baseline=False)))
    assert incl["NADIR"].tolist() == [80.0, 80.0]  # 100 vs 80: +25%, +20 mm -> PD
    assert incl["TRGRESP"].tolist() == ["SD", "PD"]
    assert excl["NADIR"].tolist() == [80.0, 90.0]  # 100 vs 90: +11% -> SD
    assert excl["TRGRESP"].tolist() == ["SD", "SD"]


def test_node_target_9_mm_short_axis_is_cr_10_mm_is_not():
    lesions = [("T01", "TARGET", "LIVER"), ("T02", "TARGET", "LYMPH NODE, MEDIASTINAL")]
    # baseline 20 + 15 = 35; week 6: liver gone, node 9 mm -> CR although the sum is 9
    # week 12: node 10 mm -> sum 10 (-71%) -> PR
    tu, tr = build(lesions, [{"T01": 20, "T02": 15}, {"T01": 0, "T02": 9}, {"T01": 0, "T02": 10}])
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p["SUMDIAM"].tolist() == [9.0, 10.0]
    assert p["TRGRESP"].tolist() == ["CR", "PR"]
    assert p["OVRLRESP"].tolist() == ["CR", "PR"]


def test_node_flag_variable_marks_nodes():
    lesions = [("T01", "TARGET", "NECK")]
    tu, tr = build(lesions, [{"T01": 15}, {"T01": 8}])
    assert post(derive_param_recist_ovr(tr, dataset_add=tu))["TRGRESP"].tolist() == ["PR"]  # 8 mm, not a node
    tu["NODEFL"] = "Y"
    p = post(derive_param_recist_ovr(tr, dataset_add=tu, rule=RecistRule(node_flag_var="NODEFL")))
    assert p["TRGRESP"].tolist() == ["CR"]


def test_new_lesion_gives_pd_equivocal_does_not():
    lesions = TWO_TARGETS + [("NEW01", "NEW", "BRAIN")]
    tu, tr = build(
        lesions,
        [
            {"T01": 60, "T02": 40, "NT01": "PRESENT"},
            {"T01": 30, "T02": 20, "NT01": "PRESENT", "NEW01": "EQUIVOCAL"},
            {"T01": 30, "T02": 20, "NT01": "PRESENT", "NEW01": "UNEQUIVOCAL"},
        ],
    )
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p["TRGRESP"].tolist() == ["PR", "PR"]
    assert p["NEWLFL"].tolist() == ["N", "Y"]
    assert p["OVRLRESP"].tolist() == ["PR", "PD"]


def test_missing_target_is_ne_unless_the_others_already_show_pd():
    # baseline 30 + 20 = 50; week 6: T02 not done, T01 25 -> NE (sum missing)
    # week 12: T02 not done, T01 62 -> partial sum 62 >= nadir 50 x 1.2 and +12 mm -> PD
    tu, tr = build(
        TWO_TARGETS,
        [
            {"T01": 30, "T02": 20, "NT01": "PRESENT"},
            {"T01": 25, "T02": None, "NT01": "PRESENT"},
            {"T01": 62, "T02": None, "NT01": "PRESENT"},
        ],
    )
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p["NTRGT"].tolist() == [2, 2]
    assert p["NTRGTEV"].tolist() == [1, 1]
    assert p["SUMDIAM"].isna().all()
    assert p["TRGRESP"].tolist() == ["NE", "PD"]
    assert p["OVRLRESP"].tolist() == ["NE", "PD"]


def test_target_record_absent_is_ne_and_non_target_pd_overrides():
    # week 6: T02 has no TR record at all and NT01 unequivocal progression -> NE x PD -> PD
    tu, tr = build(TWO_TARGETS, [{"T01": 30, "T02": 20, "NT01": "PRESENT"}, {"T01": 28, "NT01": "UNEQUIVOCAL"}])
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p[["TRGRESP", "NTRGRESP", "OVRLRESP"]].values.tolist() == [["NE", "PD", "PD"]]


def test_target_cr_with_non_target_not_evaluated_is_pr():
    tu, tr = build(TWO_TARGETS, [{"T01": 30, "T02": 20, "NT01": "PRESENT"}, {"T01": 0, "T02": 0}])
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p[["TRGRESP", "NTRGRESP", "OVRLRESP"]].values.tolist() == [["CR", "NE", "PR"]]


def test_non_target_only_disease_and_all_absent():
    lesions = [("NT01", "NON-TARGET", "BONE"), ("NT02", "NON-TARGET", "LIVER")]
    tu, tr = build(
        lesions,
        [{"NT01": "PRESENT", "NT02": "PRESENT"}, {"NT01": "ABSENT", "NT02": "PRESENT"}, {"NT01": "ABSENT", "NT02": "ABSENT"}],
    )
    p = post(derive_param_recist_ovr(tr, dataset_add=tu))
    assert p["TRGRESP"].tolist() == ["NA", "NA"]
    assert p["NTRGRESP"].tolist() == ["NON-CR/NON-PD", "CR"]
    assert p["OVRLRESP"].tolist() == ["NON-CR/NON-PD", "CR"]
    assert p["AVAL"].tolist() == [4.0, 1.0]


def test_selection_limits_and_repeated_visit_are_reported_not_changed():
    lesions = [(f"T0{i}", "TARGET", "LIVER") for i in range(1, 4)]  # 3 in one organ
    tu, tr = build(lesions, [{"T01": 10, "T02": 10, "T03": 10}, {"T01": 10, "T02": 10, "T03": 10}])
    again = tr[tr["VISIT"] == "WEEK 6"].assign(TRDTC="2020-03-01", TRSTRESN=20.0)
    tr = pd.concat([tr, again], ignore_index=True)  # WEEK 6 label used twice
    f = Findings()
    out = derive_param_recist_ovr(tr, dataset_add=tu, findings=f)
    p = post(out)
    assert p["VISITOCC"].tolist() == [1, 2]
    assert p["SUMDIAM"].tolist() == [30.0, 60.0]
    assert p["TRGRESP"].tolist() == ["SD", "PD"]
    checks = sorted(x.check for x in f)
    assert checks == ["recist_target_selection", "recist_visit_repeated"]


def test_unknown_lesion_and_duplicate_measurement_raise():
    tu, tr = build(TWO_TARGETS, [{"T01": 30, "T02": 20, "NT01": "PRESENT"}])
    bad = pd.concat([tr, tr.iloc[[0]].assign(TRLNKID="T99")], ignore_index=True)
    with pytest.raises(DerivationError, match="no TU record.*T99"):
        derive_param_recist_ovr(bad, dataset_add=tu)
    dup = pd.concat([tr, tr.iloc[[0]]], ignore_index=True)
    with pytest.raises(DerivationError, match="two measurements for one lesion"):
        derive_param_recist_ovr(dup, dataset_add=tu)


def test_input_is_not_modified():
    tu, tr = build(TWO_TARGETS, [{"T01": 30, "T02": 20, "NT01": "PRESENT"}, {"T01": 0, "T02": 0, "NT01": "ABSENT"}])
    tu0, tr0 = tu.copy(), tr.copy()
    derive_param_recist_ovr(tr, dataset_add=tu)
    pd.testing.assert_frame_equal(tu, tu0)
    pd.testing.assert_frame_equal(tr, tr0)


# ---------------------------------------------------------------- concordance


def test_concordance_table_agreement_and_kappa():
    keys = pd.DataFrame({"USUBJID": ["A"] * 3 + ["B"] * 3, "VISITNUM": [1, 2, 3] * 2})
    der = keys.assign(OVRLRESP=["PR", "PR", "PR", "SD", "SD", "SD"])
    inv = keys.assign(OVRLRESP=["PR", "PR", "SD", "SD", "SD", "PR"])
    inv = pd.concat([inv, pd.DataFrame({"USUBJID": ["C"], "VISITNUM": [1], "OVRLRESP": ["PD"]})])
    res = compute_concordance(der, inv, by_vars=["USUBJID", "VISITNUM"], response_var="OVRLRESP")
    # 4 of 6 agree; margins 3/3 both sides -> pe = 0.5; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert res.n_compared == 6 and res.n_agree == 4
    assert res.percent_agreement == pytest.approx(200 / 3)
    assert res.kappa == pytest.approx(1 / 3)
    assert res.table.loc["PR", "SD"] == 1 and res.table.loc["SD", "PR"] == 1 and res.table.loc["PR", "PR"] == 2
    assert res.disagreements[["USUBJID", "VISITNUM", "DERIVED", "INVESTIGATOR"]].values.tolist() == [
        ["A", 3, "PR", "SD"],
        ["B", 3, "SD", "PR"],
    ]
    assert res.only_investigator["USUBJID"].tolist() == ["C"]
    assert "4/6 agree (66.7%)" in str(res)


def test_concordance_rejects_duplicate_keys():
    d = pd.DataFrame({"USUBJID": ["A", "A"], "OVRLRESP": ["PR", "SD"]})
    with pytest.raises(DerivationError, match="not unique"):
        compute_concordance(d, d, by_vars=["USUBJID"], response_var="OVRLRESP")


# ---------------------------------------------------------------- pharmaverse scale data


@pytest.fixture(scope="module")
def pharmaverse_tu_tr():
    if not (REF / "tr_onco.parquet").is_file():
        pytest.skip("pharmaverse reference data not available")
    return pd.read_parquet(REF / "tu_onco.parquet"), pd.read_parquet(REF / "tr_onco.parquet")


def test_pharmaverse_large_tu_tr(pharmaverse_tu_tr):
    tu, tr = pharmaverse_tu_tr
    f = Findings()
    out = derive_param_recist_ovr(tr, dataset_add=tu, evaluator_vars=("TREVAL", "TREVALID"), findings=f)
    # one row per subject, evaluator and assessment: 2,661 SUMDIAM records in TR = 2,661 assessments
    assert len(out) == (tr["TRTESTCD"] == "SUMDIAM").sum() == 2661
    assert out["USUBJID"].nunique() == 254
    assert (out["ABLFL"] == "Y").sum() == 254 * 3  # investigator + 2 radiologists
    # derived sums equal the sponsor's SUMDIAM wherever all targets were measured
    inv = out[(out["TREVAL"] == "INVESTIGATOR")]
    s = inv[(inv["USUBJID"] == "01-701-1015")].set_index("VISIT")
    # hand check against the TR listing: baseline 10+16+13+16+18 = 73; week 6 sum 42 (-42.5%)
    # -> PR; NT01 UNEQUIVOCAL -> non-target PD -> overall PD; week 12 all 0 and NT absent -> CR
    assert s.loc["BASELINE", "SUMDIAM"] == 73.0
    assert s.loc["WEEK 6", ["SUMDIAM", "TRGRESP", "NTRGRESP", "OVRLRESP"]].tolist() == [42.0, "PR", "PD", "PD"]
    assert s.loc["WEEK 12", ["SUMDIAM", "TRGRESP", "NTRGRESP", "OVRLRESP"]].tolist() == [0.0, "CR", "CR", "CR"]
    # WEEK 24: 55 mm from nadir 0 -> PD
    assert s.loc["WEEK 24", ["NADIR", "TRGRESP", "OVRLRESP"]].tolist() == [0.0, "PD", "PD"]
    # the repeated UNSCHEDULED 9.2 label (01-711-1143) becomes two assessments
    u = out[(out["USUBJID"] == "01-711-1143") & (out["VISIT"] == "UNSCHEDULED 9.2") & (out["TREVAL"] == "INVESTIGATOR")]
    assert u["VISITOCC"].tolist() == [1, 2]
    assert u["ADT"].dt.strftime("%Y-%m-%d").tolist() == ["2013-06-22", "2013-09-22"]
    assert {x.check for x in f} == {"recist_visit_repeated"}
    sponsor = tr[(tr["TRTESTCD"] == "SUMDIAM")]
    both = out.merge(
        sponsor[["USUBJID", "TREVAL", "TREVALID", "VISITNUM", "TRDTC", "TRSTRESN"]].assign(
            ADT=lambda d: pd.to_datetime(d["TRDTC"], format="ISO8601", errors="coerce").astype("datetime64[ns]")
        ),
        on=["USUBJID", "TREVAL", "TREVALID", "VISITNUM", "ADT"],
        how="inner",
    )
    complete = both[both["SUMDIAM"].notna()]
    assert len(complete) > 2000
    assert np.allclose(complete["SUMDIAM"], complete["TRSTRESN"])


def test_pharmaverse_concordance_with_investigator(pharmaverse_tu_tr):
    tu, tr = pharmaverse_tu_tr
    rs = pd.read_parquet(REF / "rs_onco.parquet")
    der = derive_param_recist_ovr(tr, dataset_add=tu, filter="TREVAL == 'INVESTIGATOR'", filter_add="TUEVAL == 'INVESTIGATOR'")
    der = der[der["ABLFL"].isna()].assign(RSDTC=lambda d: d["ADT"].dt.strftime("%Y-%m-%d"))
    inv = rs[(rs["RSEVAL"] == "INVESTIGATOR") & (rs["RSTESTCD"] == "OVRLRESP")]
    res = compute_concordance(der, inv, by_vars=["USUBJID", "VISITNUM", "RSDTC"], response_var="OVRLRESP",
                              investigator_var="RSSTRESC")
    assert res.n_compared + len(res.only_derived) == len(der)
    assert res.n_agree == int(np.trace(res.table.to_numpy()))
    assert len(res.disagreements) == res.n_compared - res.n_agree
    assert -1 <= res.kappa <= 1 and not math.isnan(res.kappa)
