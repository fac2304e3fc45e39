"""Table 14.3.7 Laboratory abnormalities by worst on-treatment CTCAE grade and the adverse events that report
them (ADLB, ADAE, safety population): for each CTCAE laboratory term with a MedDRA preferred term
(:data:`derivations.adam.crosscheck.AE_LAB_PAIRS`), the subjects whose values reach a grade and the subjects
with the treatment-emergent AE. A subject whose worst AE grade differs from its worst laboratory grade is
a warning finding of the run, named with both grades."""

import pandas as pd

from derivations.adam import AE_LAB_PAIRS, compute_ae_lab_concordance
from derivations.core import filter_mask
from derivations.tlf import ColumnSpec, RowSpec, build_table, compute_ard_counts

from ._common import big_n, population, population_note, subtitle
from ._lab import DIRECTIONS

READS = ("ADSL", "ADLB", "ADAE")
WRITES = ("T_LAB_AE",)

AID = "T14.3.7"
TEAE = "TRTEMFL == 'Y'"
ON_TREATMENT = "ONTRTFL == 'Y'"
#: (ARD variable, column header, subjects counted)
COLUMNS = [
    ("LAB_ANY", "Laboratory\nany grade\nn (%)", "LABGR >= 1"),
    ("LAB_G34", "Laboratory\ngrade 3-4\nn (%)", "LABGR >= 3"),
    ("AE_ANY", "Adverse event\nany grade\nn (%)", "AEGR >= 1"),
    ("AE_G34", "Adverse event\ngrade 3-4\nn (%)", "AEGR >= 3"),
]


def _ard(*, lab: pd.DataFrame, events: pd.DataFrame, evaluable: pd.DataFrame, adsl: pd.DataFrame,
         pairs: list[str], population: str) -> pd.DataFrame:
    """The subjects of each column (n, N, %), one analysis per pair (PAIR, "HGB-L"): the laboratory columns of
    the subjects with a graded value (N: the evaluable subjects of the pair), the AE columns of the population."""
    frames = []
    for source, data, denominator, dataset_name in (("LAB", lab, evaluable, "ADLB"), ("AE", events, adsl, "ADAE")):
        columns = [(var, rule) for var, _, rule in COLUMNS if var.startswith(source)]
        flagged = data.assign(**{var: filter_mask(data, rule).map({True: "Y", False: "N"}) for var, rule in columns})
        frames.append(compute_ard_counts(flagged, analysis_id=AID, analysis_var="PAIR",
                                         variables=[var for var, _ in columns], denominator=denominator,
                                         population=population, dataset_name=dataset_name,
                                         order={"PAIR": pairs, **{var: ["Y", "N"] for var, _ in columns}}))
    ard = pd.concat(frames, ignore_index=True)
    position = {f"{AID}-{p}": i for i, p in enumerate(pairs)}
    ard = ard.sort_values("analysis_id", key=lambda s: s.map(position), kind="stable")  # each pair: LAB, then AE
    return ard[ard["group_value"] == "Y"].reset_index(drop=True)


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl, adlb, adae = ctx.adam["ADSL"], ctx.adam["ADLB"], ctx.adam["ADAE"]
    safety = set(adsl.loc[filter_mask(adsl, safety_pop), "USUBJID"])
    in_adlb = set(adlb["PARAMCD"].unique())
    pairs = [p for p in AE_LAB_PAIRS if p.paramcd in in_adlb]
    both = compute_ae_lab_concordance(adae, adlb, pairs=pairs, filter=TEAE, filter_add=ON_TREATMENT)
    both = both[both["USUBJID"].isin(safety)].merge(adsl[["USUBJID", "SAFFL"]], on="USUBJID")
    for r in both[both["STATUS"] != "agree"].itertuples(index=False):  # report: the discordant subjects
        ctx.findings.add("warning", "ae_lab_discordant",
                         f"{r.AEDECOD}: worst AE grade {r.AEGR}, worst on-treatment {r.PARAMCD} grade "
                         f"{'none' if pd.isna(r.LABGR) else int(r.LABGR)} ({r.STATUS})",
                         dataset="ADLB", variable=f"ATOXGR{r.DIRECTION}", usubjid=r.USUBJID,
                         value=f"AE {r.AEGR} / lab {'-' if pd.isna(r.LABGR) else int(r.LABGR)}")
    # each parameter's first record: its CTCAE terms
    params = adlb.loc[~adlb["PARAMCD"].duplicated(), ["PARAMCD"] + [f"ATOXDSC{d}" for d in DIRECTIONS]]
    params = params.set_index("PARAMCD")
    # the subjects with a graded on-treatment value of each parameter and direction: N of the laboratory columns
    # (filters on the whole of ADLB, then only the variables counted taken from its records)
    on_treatment = filter_mask(adlb, safety_pop) & filter_mask(adlb, ON_TREATMENT)
    evaluable = pd.concat([adlb.loc[on_treatment & adlb[f"ATOXGR{d}"].notna(), ["USUBJID", "SAFFL", "PARAMCD"]]
                           .drop_duplicates().assign(PAIR=lambda e, d=d: e["PARAMCD"] + "-" + d)
                           for d in DIRECTIONS])
    both = both.assign(PAIR=both["PARAMCD"] + "-" + both["DIRECTION"])
    n = big_n(adsl, safety_pop)
    ard = _ard(lab=both[both["LABGR"].notna()], events=both, evaluable=evaluable, adsl=adsl,
               pairs=[f"{p.paramcd}-{p.direction}" for p in pairs], population=safety_pop)
    n_of = evaluable.groupby("PAIR")["USUBJID"].nunique()
    rows = []
    for pair in pairs:  # one row per pair: the report's rows
        pid = f"{pair.paramcd}-{pair.direction}"
        term = params.loc[pair.paramcd, f"ATOXDSC{pair.direction}"]
        rows.append(RowSpec(f"{term} / {pair.term} ({pair.paramcd} {DIRECTIONS[pair.direction]}, "
                            f"N={n_of.get(pid, 0)})", {"analysis_id": f"{AID}-{pid}"}, "n_pct"))
    columns = [ColumnSpec(header, {"group_var": var}) for var, header, _ in COLUMNS]
    discordant = int((both["STATUS"] != "agree").sum())
    table = build_table(
        ard, title="Laboratory Abnormalities by Worst On-Treatment CTCAE Grade and the Corresponding Adverse Events",
        table_id="Table 14.3.7", subtitle=f"{subtitle(ctx, 'safety')} (N={n})", rows=rows, columns=columns,
        stub_header="CTCAE term / MedDRA preferred term (parameter, N)",
        footnotes=[population_note(ctx, "safety", n),
                   "Laboratory: subjects whose worst on-treatment value (ADLB ONTRTFL = Y) reaches the grade (CTCAE "
                   "v5.0 from the values, ATOXGRL/ATOXGRH), % of the N of the row: subjects with a graded "
                   "on-treatment value. Adverse event: subjects with the treatment-emergent AE (ADAE TRTEMFL = Y) of "
                   "that worst grade, % of the population's N.",
                   f"Subjects whose worst AE grade differs from their worst laboratory grade: {discordant} (each "
                   "listed in the run's findings)."],
        source="ADLB, ADAE")
    ctx.outputs.publish_table(table, "t_lab_ae")
    return {"T_LAB_AE": ard}

