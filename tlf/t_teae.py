"""Tables 14.3.3 and 14.3.4 Treatment-emergent adverse events by system organ class, preferred term and
maximum CTCAE grade (any grade, grade 3-4, grade 5): all TEAEs, and the treatment-related ones
(ADAE, safety population). SOCs and PTs by decreasing frequency (any grade), then alphabetically."""

from derivations.tlf import ColumnSpec, build_table, compute_ard_occurrences, occurrence_rows

from ._common import big_n, population, population_note, subtitle

READS = ("ADSL", "ADAE")
WRITES = ("T_TEAE", "T_TEAE_REL")

BANDS = {"Any grade": None, "Grade 3-4": (3, 4), "Grade 5": (5,)}
#: (ARD name, analysis id, table id, title, file, record filter, label of the any-event row)
TABLES = [
    ("T_TEAE", "T14.3.3", "Table 14.3.3",
     "Treatment-Emergent Adverse Events by System Organ Class, Preferred Term and Maximum CTCAE Grade",
     "t_teae", "TRTEMFL == 'Y'", "Subjects with any TEAE"),
    ("T_TEAE_REL", "T14.3.4", "Table 14.3.4",
     "Treatment-Related Treatment-Emergent Adverse Events by System Organ Class, Preferred Term and Maximum "
     "CTCAE Grade", "t_teae_rel", "TRTEMFL == 'Y' and AREL == 'RELATED'", "Subjects with any treatment-related TEAE"),
]


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adsl, adae = ctx.adam["ADSL"], ctx.adam["ADAE"]
    n = big_n(adsl, safety_pop)
    out = {}
    for key, aid, table_id, title, name, where, any_label in TABLES:
        ard = compute_ard_occurrences(adae, analysis_id=aid, denominator=adsl, population=safety_pop, filter=where,
                                      term_vars=["AESOC", "AEDECOD"], grade_var="ATOXGR", grade_bands=BANDS,
                                      by_max_grade=True, any_label=any_label)
        columns = [ColumnSpec(f"{band}\nn (%)", {"grade_band": band}) for band in BANDS]
        table = build_table(
            ard, title=title, table_id=table_id, subtitle=f"{subtitle(ctx, 'safety')} (N={n})",
            rows=occurrence_rows(ard, analysis_id=aid), columns=columns, stub_header="System organ class\n  Preferred term",
            footnotes=[population_note(ctx, "safety", n) + " Percentages are based on N.",
                       "A subject is counted once per system organ class and preferred term, in the column of the "
                       "worst CTCAE grade (v5) of its events of that term (of that class, of any term in the first "
                       "row); Any grade counts every subject with the event.",
                       "TEAE: ADAE TRTEMFL = Y" + ("; related to anlotinib or the PD-1 inhibitor (AREL = RELATED)."
                                                   if "AREL" in where else ".") + " MedDRA coding."],
            source="ADAE, ADSL")
        ctx.outputs.publish_table(table, name, analyses=[aid])
        out[key] = ard
    return out
