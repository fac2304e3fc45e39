"""The laboratory tables of the embedded study (Tables 14.3.6 and 14.3.7), read back from the rendered
HTML: the figures were counted by hand from the raw pages' design (every anaemia, lymphopenia and AST
increase of the AE page lies in its CTCAE v5.0 grade band in the laboratory values)."""

from __future__ import annotations

import csv
from pathlib import Path

from test_tlf_study import parse_table, row


def test_lab_abnormalities_agree_with_the_adverse_event_table(study_tlf):
    t = parse_table(study_tlf / "t_lab_ae.html")
    # lab any grade, lab grade 3-4, AE any grade, AE grade 3-4; N = 29 subjects with a graded value
    assert row(t, "Anemia / Anaemia (HGB low, N=29)") == ["15 (51.7%)", "0", "15 (51.7%)", "0"]
    assert row(t, "Lymphocyte count decreased / Lymphocyte count decreased (LYM low, N=29)") == [
        "12 (41.4%)", "2 (6.9%)", "12 (41.4%)", "2 (6.9%)"]
    assert row(t, "Aspartate aminotransferase increased / Aspartate aminotransferase increased (AST high, N=29)") \
        == ["3 (10.3%)", "0", "3 (10.3%)", "0"]
    assert row(t, "Platelet count decreased / Platelet count decreased (PLAT low, N=29)") == ["0", "0", "0", "0"]
    assert len(t.rows) == 19
    assert any("differs from their worst laboratory grade: 0" in f for f in t.footnotes)


def test_lab_shift_baseline_to_worst_grade(study_tlf):
    t = parse_table(study_tlf / "t_lab_shift.html")
    # columns: worst on-treatment grade 0, 1, 2, 3, 4, Total; every baseline grade is 0 (values normal before
    # the first dose): anaemia 14 / 6 / 9, lymphopenia 17 / 7 / 3 / 2, AST 26 / 0 / 3
    assert row(t, "Baseline grade 0", after="Hemoglobin (g/L): Anemia (low), N=29") == [
        "14 (48.3%)", "6 (20.7%)", "9 (31.0%)", "0", "0", "29 (100.0%)"]
    assert row(t, "Baseline grade 0", after="Lymphocytes (10^9/L): Lymphocyte count decreased (low), N=29") == [
        "17 (58.6%)", "7 (24.1%)", "3 (10.3%)", "2 (6.9%)", "0", "29 (100.0%)"]
    assert row(t, "Baseline grade 0",
               after="Aspartate Aminotransferase (U/L): Aspartate aminotransferase increased (high), N=29") == [
        "26 (89.7%)", "0", "3 (10.3%)", "0", "0", "29 (100.0%)"]
    with (study_tlf / "ard" / "t_lab_shift.csv").open(newline="") as fh:
        ard = [r for r in csv.DictReader(fh) if r["analysis_id"] == "T14.3.6-LYM-L" and r["stat_name"] == "n"]
    cells = {(r["baseline_grade"], r["worst_grade"]): float(r["stat_value"]) for r in ard}
    assert cells[("0", "3")] == 2 and cells[("0", "Total")] == 29 and sum(
        v for (b, w), v in cells.items() if w != "Total") == 29


def test_an_ae_grade_the_values_do_not_show_is_a_finding_naming_both_grades(study_tlf, tmp_path):
    from derivations.io import read_dataset
    from derivations.study import RunContext, Study

    adam = {n.upper(): read_dataset(study_tlf.parent / "adam" / f"{n}.xpt")[0] for n in ("adsl", "adlb", "adae")}
    adae = adam["ADAE"]
    # one subject's worst anaemia: grade 2 in the AE data and the values; recorded as grade 3 instead
    worst = adae[(adae["AEDECOD"] == "Anaemia") & (adae["TRTEMFL"] == "Y") & (adae["ATOXGRN"] == 2)].iloc[0]
    same = (adae["USUBJID"] == worst["USUBJID"]) & (adae["AEDECOD"] == "Anaemia")
    adam["ADAE"] = adae.assign(ATOXGRN=adae["ATOXGRN"].mask(same, 3))
    ctx = RunContext(study=Study.load(Path(__file__).resolve().parents[1]))
    ctx.adam.update(adam)
    ctx.stage_dir = tmp_path
    ard = ctx.study.load_program("tlf", "t_lab_ae")(ctx)["T_LAB_AE"]
    found = [(f.severity, f.usubjid, f.variable, f.value) for f in ctx.findings if f.check == "ae_lab_discordant"]
    assert found == [("warning", worst["USUBJID"], "ATOXGRL", "AE 3 / lab 2")]
    g34 = ard[(ard["analysis_id"] == "T14.3.7-HGB-L") & (ard["group_var"] == "AE_G34") & (ard["stat_name"] == "n")]
    assert g34["stat_value"].tolist() == [1.0]
