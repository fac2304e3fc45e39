"""Table 14.3.6 Laboratory parameters: shift from the baseline CTCAE grade to the worst on-treatment grade
(ADLB, safety population), one block per graded term (parameter and direction, CTCAE v5.0)."""

import pandas as pd

from derivations.tlf import ColumnSpec, RowSpec, build_table, compute_ard_counts

from ._common import big_n, population, population_note, subtitle
from ._lab import DIRECTIONS, GRADES, MISSING, graded_terms, worst_grades

READS = ("ADSL", "ADLB")
WRITES = ("T_LAB_SHIFT",)

AID = "T14.3.6"
BASELINE_LEVELS = GRADES + [MISSING]


def _shift_ard(evaluable: pd.DataFrame, terms: list[str], population: str) -> pd.DataFrame:
    """n, N and % of the evaluable subjects (a graded on-treatment value) per baseline and worst grade, one
    analysis per term (``TERMID``): the cells (CELL "baseline>worst") and the baseline totals (BGR)."""
    cells = [f"{b}>{w}" for b in BASELINE_LEVELS for w in GRADES]
    ard = compute_ard_counts(evaluable.assign(CELL=evaluable["BGR"] + ">" + evaluable["WGR"]), analysis_id=AID,
                             analysis_var="TERMID", variables=["CELL", "BGR"], population=population,
                             order={"TERMID": terms, "CELL": cells, "BGR": BASELINE_LEVELS}, dataset_name="ADLB")
    grades = ard["group_value"].str.partition(">")
    return ard.assign(baseline_grade=grades[0], worst_grade=grades[2].where(ard["group_var"] == "CELL", "Total"))


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adlb = ctx.adam["ADLB"]
    terms = graded_terms(adlb).assign(TERMID=lambda t: t["PARAMCD"] + "-" + t["DIRECTION"])
    grades = worst_grades(adlb, safety_pop).merge(ctx.adam["ADSL"][["USUBJID", "SAFFL"]], on="USUBJID")
    evaluable = grades[grades["WGR"].notna()].assign(TERMID=lambda g: g["PARAMCD"] + "-" + g["DIRECTION"])
    ard = _shift_ard(evaluable, list(terms["TERMID"]), safety_pop)
    n_of = evaluable["TERMID"].value_counts()
    rows = []
    for term in terms.itertuples(index=False):  # one per graded term: a report block each
        aid = f"{AID}-{term.TERMID}"
        rows.append(RowSpec(f"{term.PARAM}: {term.TERM} ({DIRECTIONS[term.DIRECTION]}), N={n_of.get(term.TERMID, 0)}"))
        rows += [RowSpec(f"Baseline grade {b}" if b != MISSING else "Baseline missing",
                         {"analysis_id": aid, "baseline_grade": b}, "n_pct", indent=1) for b in BASELINE_LEVELS]
    columns = [ColumnSpec(f"Grade {w}\nn (%)", {"worst_grade": w}) for w in GRADES]
    columns.append(ColumnSpec("Total\nn (%)", {"worst_grade": "Total"}))
    table = build_table(
        ard, title="Laboratory Parameters: Shift from Baseline CTCAE Grade to Worst On-Treatment Grade",
        table_id="Table 14.3.6", subtitle=subtitle(ctx, "safety"), rows=rows, columns=columns,
        stub_header="Parameter: CTCAE term\n  Baseline grade",
        footnotes=[population_note(ctx, "safety", big_n(ctx.adam["ADSL"], safety_pop)),
                   "N: subjects with at least one graded on-treatment value of the parameter (ADLB ONTRTFL = Y: after "
                   f"the first dose up to {ctx.settings['adam']['ontrt_end_window']} days after the last); "
                   "percentages are based on N.",
                   "Columns: the worst on-treatment grade (ATOXGRL for low, ATOXGRH for high terms); rows: the grade "
                   "of the baseline value (BTOXGRL/BTOXGRH, the last value on or before the first dose). CTCAE v5.0, "
                   "graded from the values alone: grades that need clinical information are not derived."],
        source="ADLB")
    ctx.outputs.publish_table(table, "t_lab_shift")
    return {"T_LAB_SHIFT": ard}
