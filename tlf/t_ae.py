"""Table 14.3.1 Treatment-related adverse events by preferred term, any grade and grade 3-4
(ADAE, safety population; TRTEMFL = Y and AREL = RELATED), and the treatment-related death row."""

import numpy as np
import pandas as pd

from derivations.tlf import (ColumnSpec, RowSpec, build_table, compute_ard_counts, compute_ard_occurrences,
                             occurrence_rows)

from ._common import population, population_note, subtitle

READS = ("ADSL", "ADAE")
WRITES = ("T_AE",)

AID = "T14.3.1"
RELATED = "TRTEMFL == 'Y' and AREL == 'RELATED'"
#: a treatment-related death: a related AE with fatal outcome or CTCAE grade 5
FATAL = f"{RELATED} and (AEOUT == 'FATAL' or ATOXGR == '5')"
BANDS = {"Any grade": None, "Grade 3-4": (3, 4)}
ANY_LABEL = "Subjects with any treatment-related AE"
DEATH_LABEL = "Treatment-related death (related AE with fatal outcome)"


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl, adae = ctx.adam["ADSL"], ctx.adam["ADAE"]
    ard_pt = compute_ard_occurrences(adae, analysis_id=f"{AID}-PT", denominator=adsl, population=safety_pop,
                                     filter=RELATED, term_vars=["AEDECOD"], grade_var="ATOXGR",
                                     grade_bands=BANDS, any_label=ANY_LABEL)
    died = adae.loc[adae.eval(FATAL), "USUBJID"].unique()
    flags = adsl.assign(TRDTHFL=np.where(adsl["USUBJID"].isin(died), "Y", "N"))
    ard_death = compute_ard_counts(flags, analysis_id=f"{AID}-DEATH", variables=["TRDTHFL"],
                                   population=safety_pop, order={"TRDTHFL": ["Y", "N"]})
    # the death row sits in the "Any grade" column
    ard_death = ard_death.assign(grade_band=list(BANDS)[0])
    ard = pd.concat([ard_pt, ard_death], ignore_index=True)

    big_n = int(ard_pt.loc[ard_pt["stat_name"] == "N", "stat_value"].iloc[0])
    rows = [RowSpec(r.label, r.select, r.rule, indent=0 if r.label == ANY_LABEL else 1)
            for r in occurrence_rows(ard_pt, analysis_id=f"{AID}-PT")]
    rows.insert(1, RowSpec("Preferred term (MedDRA)"))
    rows.append(RowSpec(DEATH_LABEL, {"analysis_id": f"{AID}-DEATH", "group_value": "Y"}, "n_pct"))
    n_deaths = int(ard_death.query("group_value == 'Y' and stat_name == 'n'")["stat_value"].iloc[0])
    footnotes = [
        population_note(ctx, "safety", big_n),
        "Treatment-emergent AEs (TRTEMFL = Y) related to anlotinib or the PD-1 inhibitor (AREL = RELATED). "
        "Percentages are based on N; a subject is counted once per preferred term in each column (at least one occurrence of the term with a grade in the column's band).",
        "Preferred terms are sorted by decreasing frequency (any grade), then alphabetically. "
        "'Lymphocyte count decreased' is the MedDRA coding of the publication's 'lymphopenia'.",
        ("No treatment-related deaths: no treatment-related AE had a fatal outcome or grade 5."
         if n_deaths == 0 else f"Treatment-related deaths: {n_deaths} subject(s)."),
    ]
    columns = [ColumnSpec(f"{band}\nn (%)", {"grade_band": band}) for band in BANDS]
    table = build_table(ard, title="Treatment-Related Adverse Events by Preferred Term and CTCAE Grade",
                        subtitle=f"{subtitle(ctx, 'safety')} (N={big_n})", table_id="Table 14.3.1",
                        rows=rows, columns=columns, footnotes=footnotes, source="ADAE, ADSL")
    ctx.outputs.publish_table(table, "t_ae")
    return {"T_AE": ard}
