"""The by-arm TLFs of the pharmaverse peer study (examples/pharmaverse/tlf): demographics, AE overview, TEAEs by
SOC/PT and the Kaplan-Meier plot with hazard ratios, with three arms and a Total column. Their counts are
checked against the ADaM that admiral produced (pharmaverseadam), computed here independently with pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_tlf_study import parse_table, row

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference" / "pharmaverse"
STUDY = ROOT / "examples" / "pharmaverse"
ARMS = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if not (REF / "sdtm" / "dm.parquet").is_file():
        pytest.skip("pharmaverse reference data not available")
    import copy

    from derivations.pipeline import run_study
    from derivations.study import Study

    # only the ADaM the TLFs read (the peer study's BDS datasets take a minute and are tested elsewhere)
    study = Study.load(STUDY)
    settings = copy.deepcopy(study.settings)
    settings["adam"]["programs"] = ["adsl", "adae", "adrs", "adtte"]
    out = tmp_path_factory.mktemp("pv-tlf") / "out"
    result = run_study(Study(root=study.root, settings=settings), out, sdtm_dir=REF / "sdtm", stages=["adam", "tlf"])
    adsl = pd.read_parquet(REF / "adam" / "adsl.parquet")
    adae = pd.read_parquet(REF / "adam" / "adae.parquet")
    return result, out / "tlf", adsl.loc[adsl["SAFFL"] == "Y"], adae


def pct(n, d):
    """n (x.x%), the percentage rounded half up as SAS does (6/96 = 6.25 -> 6.3)."""
    from decimal import ROUND_HALF_UP, Decimal

    if not n:
        return "0"
    return f"{n} ({Decimal(repr(float(100 * n / d))).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%)"


def test_columns_per_arm_and_total_with_n_from_adsl(run):
    _, tlf, adsl, _ = run
    n = adsl["TRT01A"].value_counts()
    t = parse_table(tlf / "t_dm.html")
    assert t.header[0][1:] == [f"{a} (N={n[a]})" for a in ARMS] + [f"Total (N={len(adsl)})"]
    assert [n[a] for a in ARMS] == [86, 96, 72]
    sex = adsl.groupby(["SEX", "TRT01A"]).size()
    assert row(t, "Female") == [pct(int(sex.get(("F", a), 0)), n[a]) for a in ARMS] + [
        pct(int((adsl["SEX"] == "F").sum()), len(adsl))]
    ages = adsl.groupby("TRT01A")["AGE"]
    assert row(t, "Mean (SD)", after="Age (years)")[:3] == [f"{ages.mean()[a]:.1f} ({ages.std()[a]:.2f})" for a in ARMS]
    assert row(t, "Min, Max", after="Age (years)")[:3] == [f"{ages.min()[a]:.0f}, {ages.max()[a]:.0f}" for a in ARMS]
    for race in adsl["RACE"].unique():
        counts = adsl.loc[adsl["RACE"] == race, "TRT01A"].value_counts()
        assert row(t, race, after="Race, n (%)")[:3] == [pct(int(counts.get(a, 0)), n[a]) for a in ARMS]


def test_ae_overview_against_admiral_adae(run):
    _, tlf, adsl, adae = run
    n = adsl["TRT01A"].value_counts()
    te = adae.loc[(adae["TRTEMFL"] == "Y") & adae["USUBJID"].isin(adsl["USUBJID"])]
    t = parse_table(tlf / "t_ae_overview.html")
    for label, frame in [("Any TEAE", te), ("Serious TEAE", te.loc[te["AESER"] == "Y"]),
                         ("Severe TEAE", te.loc[te["AESEV"] == "SEVERE"])]:
        per_arm = frame.groupby("TRT01A")["USUBJID"].nunique()
        assert row(t, label) == [pct(int(per_arm.get(a, 0)), n[a]) for a in ARMS] + [
            pct(frame["USUBJID"].nunique(), len(adsl))], label
    # the risk difference of any TEAE, High dose vs placebo, from the counts
    any_ = te.groupby("TRT01A")["USUBJID"].nunique()
    rd = 100 * (any_["Xanomeline High Dose"] / n["Xanomeline High Dose"] - any_["Placebo"] / n["Placebo"])
    cell = row(t, "Any TEAE: risk difference vs Placebo, % (95% CI)")
    assert cell[0] == "" and cell[2].startswith(f"{rd:.1f} (") and cell[3] == ""


def test_teae_by_soc_and_pt_against_admiral_adae(run):
    _, tlf, adsl, adae = run
    n = adsl["TRT01A"].value_counts()
    te = adae.loc[(adae["TRTEMFL"] == "Y") & adae["USUBJID"].isin(adsl["USUBJID"])]
    t = parse_table(tlf / "t_teae.html")
    cells = {r[0]: r[1:] for r in t.rows}
    assert cells["Subjects with at least one TEAE"] == [
        pct(te.loc[te["TRT01A"] == a, "USUBJID"].nunique(), n[a]) for a in ARMS] + [
        pct(te["USUBJID"].nunique(), len(adsl))]
    socs = te.groupby("AESOC")["USUBJID"].nunique()
    expected_order = sorted(socs.index, key=lambda s: (-socs[s], s))
    assert [r[0] for r in t.rows if r[0] in set(socs.index)][:len(expected_order)] == expected_order
    for soc in expected_order:
        by_arm = te.loc[te["AESOC"] == soc].groupby("TRT01A")["USUBJID"].nunique()
        assert cells[soc][:3] == [pct(int(by_arm.get(a, 0)), n[a]) for a in ARMS], soc
    pts = te.groupby(["AESOC", "AEDECOD"])["USUBJID"].nunique()
    checked = 0
    rows = t.rows
    for i, r in enumerate(rows):  # each PT row under its SOC
        soc = next((x[0] for x in reversed(rows[:i]) if x[0] in set(socs.index)), None)
        if soc is None or (soc, r[0]) not in pts.index:
            continue
        by_arm = te.loc[(te["AESOC"] == soc) & (te["AEDECOD"] == r[0])].groupby("TRT01A")["USUBJID"].nunique()
        assert r[1:4] == [pct(int(by_arm.get(a, 0)), n[a]) for a in ARMS], (soc, r[0])
        checked += 1
    assert checked == len(pts)


def test_km_plot_with_hazard_ratios_by_arm(run):
    result, tlf, adsl, _ = run
    ard = result.datasets["tlf"]["F_KM_PFS"]
    hr = ard.loc[ard["stat_name"] == "hr"].set_index("column_value")["stat_value"]
    assert list(hr.index) == ["Xanomeline Low Dose", "Xanomeline High Dose"] and (hr > 0).all()
    assert (tlf / "f_km_pfs.png").is_file() and "\\pngblip" in (tlf / "f_km_pfs.rtf").read_text()
    index = (tlf / "index.html").read_text()
    for name in ("t_dm", "t_ae_overview", "t_teae"):
        assert f'href="{name}.rtf"' in index
