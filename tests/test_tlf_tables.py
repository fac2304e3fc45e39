"""The study's table set (issue 13), each table's numbers checked against an independent computation from the
run's own ADaM/SDTM files (XPT read back), and the TLF book and ARS reporting event of the run.

Disposition, AE overview, TEAEs by SOC/PT and maximum grade (all and related), PFS/OS events by type and
censoring reasons, duration of response, exposure; one population wording everywhere.
"""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
from test_tlf_study import parse_table, row

from derivations.io import read_dataset

EFFICACY_NOTE = ("Efficacy population (N=29): subjects with measurable disease at baseline (RECIST 1.1) who received "
                 "at least one dose of anlotinib or the PD-1 inhibitor.")
SAFETY_NOTE = "Safety population (N=29): subjects who received at least one dose of anlotinib or the PD-1 inhibitor."


@pytest.fixture(scope="module")
def data(study_tlf):
    out = study_tlf.parent

    def xpt(stage, name):
        return read_dataset(out / stage / f"{name}.xpt")[0]

    return {"ADSL": xpt("adam", "adsl"), "ADAE": xpt("adam", "adae"), "ADTTE": xpt("adam", "adtte"),
            "SUPPAE": xpt("sdtm", "suppae"), "EX": xpt("sdtm", "ex")}


def sas_quantile(values, p):
    """SAS's default quantile (QNTLDEF=5): the mean of two order statistics when n*p is whole."""
    x, np_ = sorted(values), len(values) * p
    j = int(np_)
    return (x[j - 1] + x[j]) / 2 if np_ == j else x[j]


def pct(n, d):
    return f"{n} ({100 * n / d:.1f}%)" if n else "0"


def squeeze(text):
    return re.sub(r"\s+", " ", text)


def test_disposition_against_adsl(study_tlf, data):
    adsl = data["ADSL"]
    t = parse_table(study_tlf / "t_disp.html")
    n = len(adsl)
    assert t.header[0][1] == f"Anlotinib + PD-1 inhibitor (N={n})"
    ongoing = int((adsl["EOTSTT"] == "ONGOING").sum())
    assert row(t, "Ongoing at data cut-off") == [pct(ongoing, n)] and ongoing == 4
    assert row(t, "Ended") == [pct(n - ongoing, n)]
    assert row(t, "Progressive disease", after="Reason for end of treatment, n (%)") == [
        pct(int((adsl["DCTREAS"] == "PROGRESSIVE DISEASE").sum()), n)]
    died = int((adsl["DTHFL"] == "Y").sum())
    assert row(t, "Died") == [pct(died, n)] and died == 19
    assert row(t, "Alive (on study at data cut-off)") == [pct(n - died, n)]
    assert row(t, "Disease progression", after="Cause of death, n (%)") == [pct(died, n)]


def test_ae_overview_against_adae_and_suppae(study_tlf, data):
    adae, supp = data["ADAE"], data["SUPPAE"]
    n = len(data["ADSL"])
    te = adae.loc[adae["TRTEMFL"] == "Y"]
    actions = supp.loc[supp["QNAM"].str.startswith("AEACN")]
    keys = set(zip(te["USUBJID"], te["AESEQ"].astype(int).astype(str)))

    def subjects_with_action(value, qnams):
        hit = actions.loc[actions["QNAM"].isin(qnams) & (actions["QVAL"] == value)]
        return {u for u, s in zip(hit["USUBJID"], hit["IDVARVAL"].astype(float).astype(int).astype(str))
                if (u, s) in keys} | set(te.loc[te["AEACN"] == value, "USUBJID"])

    expected = {
        "Any TEAE": te["USUBJID"].nunique(),
        "Treatment-related TEAE": te.loc[te["AREL"] == "RELATED", "USUBJID"].nunique(),
        "TEAE of CTCAE grade 3 or higher": te.loc[te["ATOXGRN"] >= 3, "USUBJID"].nunique(),
        "Serious TEAE": te.loc[te["AESER"] == "Y", "USUBJID"].nunique(),
        "TEAE leading to dose reduction (anlotinib)": len(subjects_with_action("DOSE REDUCED", ["AEACNANL"])),
        "TEAE leading to interruption of either drug": len(subjects_with_action("DRUG INTERRUPTED",
                                                                                 ["AEACNANL", "AEACNPD1"])),
        "TEAE leading to discontinuation of either drug": len(subjects_with_action("DRUG WITHDRAWN",
                                                                                    ["AEACNANL", "AEACNPD1"])),
        "TEAE with a fatal outcome": te.loc[(te["AEOUT"] == "FATAL") | (te["ATOXGRN"] == 5), "USUBJID"].nunique(),
    }
    t = parse_table(study_tlf / "t_ae_overview.html")
    for label, count in expected.items():
        assert row(t, label) == [pct(count, n)], label
    assert expected["Any TEAE"] == 29 and expected["TEAE leading to dose reduction (anlotinib)"] == 6
    # anlotinib interrupted in 014, 021, 028 (the exposure table's 3) and the PD-1 inhibitor in 011
    assert expected["TEAE leading to interruption of either drug"] == 4


@pytest.mark.parametrize("name,related", [("t_teae", False), ("t_teae_rel", True)])
def test_teae_by_soc_pt_and_maximum_grade(study_tlf, data, name, related):
    adae = data["ADAE"]
    n = len(data["ADSL"])
    te = adae.loc[(adae["TRTEMFL"] == "Y") & ((adae["AREL"] == "RELATED") if related else True)]
    t = parse_table(study_tlf / f"{name}.html")
    assert t.header[0][1:] == ["Any grade n (%)", "Grade 3-4 n (%)", "Grade 5 n (%)"]

    def bands(frame):
        worst = frame.groupby("USUBJID")["ATOXGRN"].max()
        return [pct(len(worst), n), pct(int(worst.between(3, 4).sum()), n), pct(int((worst == 5).sum()), n)]

    body = t.rows[1:]
    socs = te.groupby("AESOC")["USUBJID"].nunique().sort_values(ascending=False, kind="mergesort")
    assert t.rows[0][1:] == bands(te)
    # every SOC, then its PTs, by decreasing frequency (ties alphabetically), with their worst-grade bands
    expected = []
    for soc in sorted(socs.index, key=lambda s: (-socs[s], s)):
        sub = te.loc[te["AESOC"] == soc]
        expected.append([soc, *bands(sub)])
        pts = sub.groupby("AEDECOD")["USUBJID"].nunique()
        for pt in sorted(pts.index, key=lambda p: (-pts[p], p)):
            expected.append([pt, *bands(sub.loc[sub["AEDECOD"] == pt])])
    assert body == expected


def test_pfs_os_events_by_type_and_censoring_reasons(study_tlf, data):
    adtte = data["ADTTE"]
    t = parse_table(study_tlf / "t_tte.html")
    expected = {}
    for p in ("PFS", "OS"):
        d = adtte.loc[adtte["PARAMCD"] == p]
        expected[p] = {"PD": int(((d.CNSR == 0) & (d.EVNTDESC == "PD")).sum()),
                       "DEATH": int(((d.CNSR == 0) & (d.EVNTDESC == "DEATH")).sum()),
                       "LSTA": int(((d.CNSR > 0) & (d.CNSDTDSC == "LAST ADEQUATE ASSESSMENT")).sum()),
                       "ALIVE": int(((d.CNSR > 0) & (d.CNSDTDSC == "LAST KNOWN ALIVE")).sum())}
    assert row(t, "Progressive disease (RECIST 1.1, investigator)") == [pct(expected["PFS"]["PD"], 29),
                                                                        pct(expected["OS"]["PD"], 29)]
    assert row(t, "Death") == [pct(expected["PFS"]["DEATH"], 29), pct(expected["OS"]["DEATH"], 29)]
    assert row(t, "Alive without progression at the last adequate assessment") == [
        pct(expected["PFS"]["LSTA"], 29), pct(expected["OS"]["LSTA"], 29)]
    assert row(t, "Alive at the last contact") == [pct(expected["PFS"]["ALIVE"], 29), pct(expected["OS"]["ALIVE"], 29)]
    # the types add up to the events and censored rows
    assert row(t, "Events, n") == [str(expected[p]["PD"] + expected[p]["DEATH"]) for p in ("PFS", "OS")]
    assert row(t, "Censored, n") == [str(expected[p]["LSTA"] + expected[p]["ALIVE"]) for p in ("PFS", "OS")]


def km_median_by_hand(time, event):
    """Product-limit estimate; the median: the first time S < 0.5, the midpoint to the next event time when S
    equals 0.5 exactly (SAS)."""
    order = np.lexsort((-event, time))
    t, e = time[order], event[order]
    s, times, surv = 1.0, [], []
    for u in np.unique(t[e == 1]):
        at_risk = (t >= u).sum()
        s *= 1 - ((t == u) & (e == 1)).sum() / at_risk
        times.append(u)
        surv.append(s)
    for k, (u, v) in enumerate(zip(times, surv)):
        if abs(v - 0.5) < 1e-12:
            return (u + times[k + 1]) / 2 if k + 1 < len(times) else u
        if v < 0.5:
            return u
    return float("nan")


def test_duration_of_response_for_the_responders(study_tlf, data):
    dor = data["ADTTE"].loc[data["ADTTE"]["PARAMCD"] == "DOR"]
    t = parse_table(study_tlf / "t_dor.html")
    assert t.header[0][1] == f"Responders (CR or PR) (N={len(dor)})" and len(dor) == 9
    events = int((dor["CNSR"] == 0).sum())
    assert row(t, "Events, n") == [str(events)] and row(t, "Censored, n") == [str(len(dor) - events)]
    median = km_median_by_hand(dor["AVAL"].to_numpy(float) / 30, (dor["CNSR"] == 0).to_numpy(int))
    cell = row(t, "Median duration of response (months) (95% CI)")[0]
    assert cell.startswith(f"{median:.2f} (")
    with (study_tlf / "ard" / "t_dor.csv").open(newline="") as fh:
        ard = {r["stat_name"]: float(r["stat_value"] or "nan") for r in csv.DictReader(fh)
               if r["analysis_id"] == "T14.2.3-KM"}
    assert ard["N"] == 9 and ard["events"] == events and ard["km_median"] == pytest.approx(median)
    # the longest duration is an event: no responder is still in response at 12 months, and the
    # interval of a survival of 0 is not estimable
    assert dor.loc[dor["AVAL"].idxmax(), "CNSR"] == 0 and dor["AVAL"].max() / 30 < 12
    assert re.sub(r"\s+", " ", row(t, "Still in response at 12 months, % (95% CI)")[0]) == "0.0 (NE, NE)"
    # the CI method named as in the PFS/OS table, from the same setting
    assert any("95% CI (Brookmeyer-Crowley, log-log transform)" in f for f in t.footnotes)


def test_baseline_age_in_whole_years(study_tlf, data):
    adsl = data["ADSL"]
    age = adsl.loc[adsl["SAFFL"] == "Y", "AGE"]
    t = parse_table(study_tlf / "t_baseline.html")
    assert row(t, "Mean (SD)", after="Age (years)") == [f"{age.mean():.1f} ({age.std():.2f})"] == ["63.6 (5.35)"]
    assert row(t, "Median", after="Age (years)") == ["64.0"]
    # ages are whole years: min and max as recorded (they printed 53.0, 74.0)
    assert row(t, "Min, Max", after="Age (years)") == [f"{age.min():.0f}, {age.max():.0f}"] == ["53, 74"]


def test_exposure_cycles_and_reductions_from_ex(study_tlf, data):
    ex = data["EX"]
    t = parse_table(study_tlf / "t_exposure.html")
    anlo = ex.loc[ex["EXTRT"] == "ANLOTINIB"]
    cycles = anlo.groupby("USUBJID")["VISITNUM"].nunique()
    cells = row(t, "Mean (SD)", after="Number of cycles started")
    assert cells[0] == f"{cycles.mean():.1f} ({cycles.std():.2f})"
    # whole cycles: min and max as counted, the quartiles with one decimal more
    assert row(t, "Min, Max", after="Number of cycles started")[0] == f"{cycles.min()}, {cycles.max()}"
    assert row(t, "Q1, Q3", after="Number of cycles started")[0] == \
        f"{sas_quantile(cycles, 0.25):.1f}, {sas_quantile(cycles, 0.75):.1f}"
    reduced = anlo.loc[anlo["EXADJ"].str.startswith("DOSE REDUCED FOR TOXICITY ("), "USUBJID"].nunique()
    interrupted = anlo.loc[anlo["EXADJ"].str.startswith("ADVERSE EVENT ("), "USUBJID"].nunique()
    # the AE overview's anlotinib actions (raw/ae.csv AEACNANL): 003 004 011 021 024 025; 014 021 028
    assert (reduced, interrupted) == (6, 3)
    assert row(t, "Dose reduced for toxicity, n (%)") == [pct(reduced, 29), "0"]
    assert row(t, "Dose interrupted for an adverse event, n (%)") == [pct(interrupted, 29), "0"]
    days = anlo.groupby("USUBJID").apply(lambda d: (d["EXENDY"].max() - d["EXSTDY"].min() + 1), include_groups=False)
    assert row(t, "Median", after="Duration of exposure (days)")[0] == f"{days.median():.1f}"


def test_one_population_wording_everywhere(study_tlf):
    efficacy = ["t_response", "t_tte", "t_dor", "f_km_pfs", "f_km_os", "f_waterfall", "f_swimmer"]
    safety = ["t_baseline", "t_disp", "t_ae", "t_ae_overview", "t_teae", "t_teae_rel", "t_exposure", "t_lab_shift",
              "t_lab_ae", "l_ae"]
    for name in efficacy + safety:
        text = squeeze(re.sub(r"\\line |\\par\s*|\\\w+-?\d* ?", " ", (study_tlf / f"{name}.rtf").read_text()))
        note, other = (EFFICACY_NOTE, "Safety population") if name in efficacy else (SAFETY_NOTE, "Efficacy population")
        assert squeeze(note) in text, name
        assert other not in text, name
        if name in efficacy:
            assert "Data cut-off: 2022-07-03" in text, name


def test_tlf_book_has_every_output_in_contents_order(study_tlf, study_pdfs):
    from pypdf import PdfReader

    from derivations.tlf.book import toc_order

    book = PdfReader(study_tlf / "tlf_book.pdf")
    pages = {stem: len(PdfReader(pdf).pages) for stem, pdf in study_pdfs.items()}
    outline = [(o.title, book.get_destination_page_number(o)) for o in book.outline]
    assert outline[0] == ("Table of Contents", 0)
    titles = [t for t, _ in outline[1:]]
    numbers = [re.match(r"(Table|Figure|Listing) [\d.]+", t).group(0) for t in titles]
    kinds = {"Table": "table", "Figure": "figure", "Listing": "listing"}
    from derivations.tlf.book import BookEntry
    assert numbers == [e.output_id for e in toc_order([BookEntry(x, "", "", kinds[x.split()[0]]) for x in numbers])]
    # per section its tables, then its figures (numbered apart from the tables), then the listings
    assert numbers == ["Table 14.1.1", "Table 14.1.2", "Table 14.2.1", "Table 14.2.2", "Table 14.2.3",
                       "Figure 14.2.1", "Figure 14.2.2", "Figure 14.2.3", "Figure 14.2.4", "Table 14.3.1",
                       "Table 14.3.2", "Table 14.3.3", "Table 14.3.4", "Table 14.3.5", "Table 14.3.6",
                       "Table 14.3.7", "Listing 16.2.7"]
    toc = outline[1][1]
    assert len(book.pages) == toc + sum(pages.values())
    # each bookmark points at the first page of its output, whose page 1 shows that output's title
    for (title, first), number in zip(outline[1:], numbers):
        text = squeeze(book.pages[first].extract_text())
        assert number in text and "Page 1 of" in text, title
    assert len(book.pages[0].get("/Annots", [])) == len(numbers)  # a link per contents line
    assert book.metadata["/Subject"] == "Data extraction date: 2022-07-04" and "/CreationDate" not in book.metadata


def test_ars_reporting_event_of_the_run(study_tlf):
    event = json.loads((study_tlf / "ars.json").read_text(encoding="utf-8"))
    ard_ids = set()
    for path in (study_tlf / "ard").glob("*.csv"):
        with path.open(newline="") as fh:
            ard_ids |= {r["analysis_id"] for r in csv.DictReader(fh)}
    assert {a["name"] for a in event["analyses"]} == ard_ids
    assert {s["label"] for s in event["analysisSets"]} == {"Safety population", "Efficacy population"}
    orr = next(a for a in event["analyses"] if a["name"] == "T14.2.1-ORR")
    assert orr["purpose"] == {"controlledTerm": "PRIMARY OUTCOME MEASURE"} and orr["methodId"] == "MTH_PROP_CI"
    n = next(r for r in orr["results"] if r["operationId"] == "MTH_PROP_CI_n"
             and {"groupingId": "GRP_ADRS_PARAMCD", "groupValue": "BOR"} in r.get("resultGroups", []))
    assert n["rawValue"] == "9"
    ids = [o["id"] for o in event["outputs"]]
    assert "OUT_TABLE_14_3_3" in ids and "OUT_LISTING_16_2_7" in ids and len(ids) == len(set(ids))
