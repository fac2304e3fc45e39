"""Listing 16.2.7 All adverse events (ADAE, safety population): subject, preferred term / verbatim term,
grade, seriousness, relationship to each drug, start/end dates with imputation flags, outcome."""

import numpy as np
import pandas as pd

from ._common import big_n, population, population_note

READS = ("ADSL", "ADAE")
WRITES = ()

COLUMNS = {"SUBJID": "Subject", "TERM": "Preferred term /\nreported term", "ATOXGR": "CTCAE\ngrade",
           "AESER": "Serious", "AERELANL": "Related to\nanlotinib", "AERELPD1": "Related to\nPD-1 inhibitor",
           "START": "Start date\n(study day)", "END": "End date\n(study day)", "TRTEMFL": "TEAE",
           "AEOUT": "Outcome"}


def date_text(dates: pd.Series, flags: pd.Series, days: pd.Series) -> pd.Series:
    """``YYYY-MM-DD [flag] (day)``: the imputation flag (D/M/Y) in brackets when a date was imputed."""
    text = pd.to_datetime(dates).dt.strftime("%Y-%m-%d").astype(object).fillna("")
    flag = flags.astype(object).fillna("").astype(str)
    text = text.where(flag == "", text + " [" + flag + "]")
    day = pd.to_numeric(days).astype("Int64").astype(object)
    return text.where(day.isna(), text + " (" + day.astype(str) + ")")


def derive(ctx):
    safety_pop = population(ctx, "safety")
    adae = ctx.adam["ADAE"]
    data = adae.loc[adae.eval(safety_pop)].sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="mergesort")
    data = data.assign(
        TERM=data["AEDECOD"].astype(str) + " /\n" + data["AETERM"].astype(str),
        START=date_text(data["ASTDT"], data["ASTDTF"], data["ASTDY"]),
        END=date_text(data["AENDT"], data["AENDTF"], data["AENDY"]),
        TRTEMFL=np.where(data["TRTEMFL"] == "Y", "Y", "N"),
    )
    ctx.outputs.publish_listing(data, "l_ae", listing_id="Listing 16.2.7", title="Adverse Events (Safety Population)",
        columns=COLUMNS, source="ADAE", subtitle="Sorted by subject, start date and sequence number",
        footnotes=[population_note(ctx, "safety", big_n(ctx.adam["ADSL"], safety_pop)),
                   "Start/end date: analysis date; [D] day imputed, [M] month and day imputed, [Y] year, month "
                   "and day imputed (the reported partial date is in AESTDTC/AEENDTC). Study day relative to the "
                   "first dose (day 1). Blank end date: ongoing at data cut-off.",
                   "Grade: CTCAE. Relationship as assessed by the investigator for each drug. TEAE: "
                   "treatment-emergent (ADAE TRTEMFL = Y)."])
    return {}
