"""The ARD exported as a CDISC ARS 1.0 reporting event: required properties of every class (as the ARS
JSON schema lists them), controlled terms, every reference resolving, every ARD statistic as exactly
one result with its value and groups, where clauses read from the filters."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.tlf import (compute_ard_continuous, compute_ard_counts, compute_ard_hazard_ratio, compute_ard_km,
                             compute_ard_occurrences, KmSettings)
from derivations.tlf.ars import ArsOutput, reporting_event, where_clause, write_reporting_event

#: the required properties of the ARS 1.0 classes used here (ars_ldm.schema.json)
REQUIRED = {
    "ReportingEvent": ["id", "mainListOfContents", "name"],
    "ListOfContents": ["contentsList", "name"],
    "OrderedListItem": ["level", "order", "name"],
    "AnalysisSet": ["id", "level", "order"],
    "DataSubset": ["id", "level", "order"],
    "GroupingFactor": ["id", "dataDriven"],
    "AnalysisMethod": ["id", "operations", "name"],
    "Operation": ["id", "order", "name"],
    "Analysis": ["id", "reason", "purpose", "methodId", "name"],
    "OrderedGroupingFactor": ["order", "groupingId", "resultsByGroup"],
    "OperationResult": ["operationId"],
    "ResultGroup": ["groupingId"],
    "Output": ["id", "displays", "name"],
    "OrderedDisplay": ["order", "display"],
    "OutputDisplay": ["id", "name"],
    "OutputFile": ["name"],
    "WhereClauseCondition": ["dataset", "variable", "comparator", "value"],
}
COMPARATORS = {"EQ", "NE", "GT", "GE", "LT", "LE", "IN", "NOTIN"}


def _has(obj, cls):
    missing = [k for k in REQUIRED[cls] if k not in obj]
    assert not missing, f"{cls} {obj.get('id', obj.get('name'))}: missing {missing}"


def _check_clause(c):
    if "condition" in c:
        _has(c["condition"], "WhereClauseCondition")
        assert c["condition"]["comparator"] in COMPARATORS
        assert all(isinstance(v, str) for v in c["condition"]["value"])
    if "compoundExpression" in c:
        ce = c["compoundExpression"]
        assert ce["logicalOperator"] in ("AND", "OR", "NOT")
        for w in ce["whereClauses"]:
            assert {"level", "order"} <= set(w)
            _check_clause(w)


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(3)
    n = 60
    adsl = pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(n)], "SAFFL": ["Y"] * 58 + ["N"] * 2,
                         "TRT01A": np.repeat(["Placebo", "Drug"], n // 2), "AGE": rng.integers(40, 80, n),
                         "SEX": rng.choice(["F", "M"], n)})
    adae = pd.DataFrame({"USUBJID": rng.choice(adsl.USUBJID, 80), "AESOC": rng.choice(["Gastro", "Skin"], 80),
                         "ATOXGR": rng.choice(["1", "2", "3", "5"], 80), "TRTEMFL": rng.choice(["Y", "N"], 80, p=[.8, .2])})
    adae["AEDECOD"] = np.where(adae.AESOC == "Gastro", rng.choice(["Nausea", "Diarrhoea"], 80), "Rash")
    adae = adae.merge(adsl[["USUBJID", "TRT01A"]], on="USUBJID")
    adtte = adsl.assign(PARAMCD="OS", AVAL=rng.integers(10, 700, n).astype(float), CNSR=rng.choice([0, 1], n))
    safety, teae = "SAFFL == 'Y'", "TRTEMFL == 'Y'"
    ard = pd.concat([
        compute_ard_continuous(adsl, analysis_id="DM-AGE", variables=["AGE"], population=safety,
                               by_vars=["TRT01A"], total=True),
        compute_ard_counts(adsl, analysis_id="DM-SEX", variables=["SEX"], population=safety, by_vars=["TRT01A"],
                           total=True, order={"SEX": ["M", "F"]}),
        compute_ard_occurrences(adae, analysis_id="AE-SOCPT", denominator=adsl, population=safety, filter=teae,
                                by_vars=["TRT01A"], grade_var="ATOXGR",
                                grade_bands={"Any grade": None, "Grade 3-4": (3, 4), "Grade 5": (5,)}),
        compute_ard_km(adtte, analysis_id="OS-KM", population=safety, by_vars=["TRT01A"], rate_times=[6],
                       settings=KmSettings(days_per_month=30)),
        compute_ard_hazard_ratio(adtte, analysis_id="OS-HR", treatment_var="TRT01A", reference="Placebo",
                                 population=safety),
    ], ignore_index=True)
    outputs = [ArsOutput("Table 14.1.1", "Demographics", ("DM-AGE", "DM-SEX"), {"RTF": "t_dm.rtf"},
                         ("N from ADSL.",), "tlf/t_dm.py", purpose="BASELINE CHARACTERISTICS"),
               ArsOutput("Table 14.3.2", "TEAEs by SOC and PT", ("AE-SOCPT",), {"RTF": "t_soc.rtf", "HTML": "t_soc.html"},
                         (), "tlf/t_soc.py"),
               ArsOutput("Table 14.2.2", "Overall survival", ("OS-KM", "OS-HR"), {"RTF": "t_os.rtf"}, (),
                         "tlf/t_os.py", purpose="PRIMARY OUTCOME MEASURE")]
    event = reporting_event(ard, outputs, event_id="RE1", name="Toy CSR",
                            population_labels={safety: "Safety population"})
    return ard, outputs, event


def test_every_class_has_its_required_properties_and_terms(study):
    _, _, ev = study
    _has(ev, "ReportingEvent")
    _has(ev["mainListOfContents"], "ListOfContents")
    for item in ev["mainListOfContents"]["contentsList"]["listItems"]:
        _has(item, "OrderedListItem")
        for sub in item["sublist"]["listItems"]:
            _has(sub, "OrderedListItem")
    for s in ev["analysisSets"]:
        _has(s, "AnalysisSet")
        _check_clause(s)
    for s in ev["dataSubsets"]:
        _has(s, "DataSubset")
        _check_clause(s)
    for g in ev["analysisGroupings"] + ev["dataGroupings"]:
        _has(g, "GroupingFactor")
    for m in ev["methods"]:
        _has(m, "AnalysisMethod")
        for op in m["operations"]:
            _has(op, "Operation")
    for a in ev["analyses"]:
        _has(a, "Analysis")
        for og in a.get("orderedGroupings", []):
            _has(og, "OrderedGroupingFactor")
        for r in a["results"]:
            _has(r, "OperationResult")
            for g in r.get("resultGroups", []):
                _has(g, "ResultGroup")
    for o in ev["outputs"]:
        _has(o, "Output")
        for d in o["displays"]:
            _has(d, "OrderedDisplay")
            _has(d["display"], "OutputDisplay")
        for f in o["fileSpecifications"]:
            _has(f, "OutputFile")
            assert f["fileType"] in ({"controlledTerm": "rtf"}, {"sponsorTermId": "OutputFileTypeEnum_HTML"})
    # a purpose outside the ARS terms is a sponsor term of the extensible enumeration
    ext = {e["enumeration"]: e for e in ev["terminologyExtensions"]}
    assert [t["submissionValue"] for t in ext["AnalysisPurposeEnum"]["sponsorTerms"]] == ["BASELINE CHARACTERISTICS"]
    json.dumps(ev, allow_nan=False)  # valid JSON: no NaN


def test_every_reference_resolves(study):
    _, _, ev = study
    ids = lambda key: {x["id"] for x in ev.get(key, [])}  # noqa: E731
    methods = {m["id"]: {op["id"] for op in m["operations"]} for m in ev["methods"]}
    groupings = ids("analysisGroupings") | ids("dataGroupings")
    for a in ev["analyses"]:
        assert a["methodId"] in methods and a["analysisSetId"] in ids("analysisSets")
        assert a.get("dataSubsetId", next(iter(ids("dataSubsets")))) in ids("dataSubsets")
        assert {og["groupingId"] for og in a.get("orderedGroupings", [])} <= groupings
        for r in a["results"]:
            assert r["operationId"] in methods[a["methodId"]]
            assert {g["groupingId"] for g in r.get("resultGroups", [])} <= {
                og["groupingId"] for og in a["orderedGroupings"]}
    listed = {s["analysisId"] for i in ev["mainListOfContents"]["contentsList"]["listItems"]
              for s in i["sublist"]["listItems"]}
    assert listed == ids("analyses")
    assert {i["outputId"] for i in ev["mainListOfContents"]["contentsList"]["listItems"]} == ids("outputs")
    docs = ids("referenceDocuments")
    assert {o["programmingCode"]["documentRef"]["referenceDocumentId"] for o in ev["outputs"]} <= docs


def test_every_ard_statistic_is_one_result_with_its_groups(study):
    ard, _, ev = study
    by_name = {a["name"]: a for a in ev["analyses"]}
    for aid, rows in ard.groupby("analysis_id", sort=False):
        results = by_name[aid]["results"]
        assert len(results) == len(rows), aid
        for r, rec in zip(results, rows.itertuples(index=False)):
            assert r["operationId"].endswith("_" + rec.stat_name)
            if np.isnan(rec.stat_value):
                assert "rawValue" not in r and r["formattedValue"] == "NE"
            else:
                assert float(r["rawValue"]) == pytest.approx(rec.stat_value, rel=1e-12)
            values = {g["groupingId"].split("_", 2)[2]: g["groupValue"] for g in r.get("resultGroups", [])}
            if rec.column_var:
                assert values["TRT01A"] == rec.column_value
            if rec.grade_band:
                assert values["GRADE_BAND"] == rec.grade_band
    # a PT result carries its SOC (the parent) and its PT; the SOC and PT groupings are record-level
    soc = by_name["AE-SOCPT"]
    pt = next(r for r in soc["results"] if any(g["groupValue"] == "Nausea" for g in r.get("resultGroups", [])))
    assert {g["groupingId"]: g["groupValue"] for g in pt["resultGroups"]}["GRP_ADAE_AESOC"] == "Gastro"
    assert {"GRP_ADAE_AESOC", "GRP_ADAE_AEDECOD"} <= {g["id"] for g in ev["dataGroupings"]}
    assert "GRP_ADSL_TRT01A" in {g["id"] for g in ev["analysisGroupings"]}
    # the age analysis: variable AGE, summary method, no grouping by its own name
    age = by_name["DM-AGE"]
    assert age["variable"] == "AGE" and age["methodId"] == "MTH_SUMMARY"
    assert [og["groupingId"] for og in age["orderedGroupings"]] == ["GRP_ADSL_TRT01A"]
    assert by_name["OS-HR"]["methodId"] == "MTH_COX_LOGRANK" and by_name["OS-KM"]["methodId"] == "MTH_KM"


def test_where_clauses_from_filters(study):
    _, _, ev = study
    safety = next(s for s in ev["analysisSets"] if s["label"] == "Safety population")
    assert safety["condition"] == {"dataset": "ADSL", "variable": "SAFFL", "comparator": "EQ", "value": ["Y"]}
    teae = next(s for s in ev["dataSubsets"] if s["label"] == "TRTEMFL == 'Y'")
    assert teae["condition"]["dataset"] == "ADAE"
    clause = where_clause("PARAMCD in ['PFS', 'OS'] and not (AVAL < 0) or ATOXGR >= 3", "ADTTE")
    top = clause["compoundExpression"]
    assert top["logicalOperator"] == "OR"
    first = top["whereClauses"][0]["compoundExpression"]
    assert first["logicalOperator"] == "AND"
    assert first["whereClauses"][0]["condition"] == {"dataset": "ADTTE", "variable": "PARAMCD", "comparator": "IN",
                                                     "value": ["PFS", "OS"]}
    assert first["whereClauses"][1]["compoundExpression"]["logicalOperator"] == "NOT"
    assert top["whereClauses"][1]["condition"]["comparator"] == "GE"
    # outside the grammar: kept as text, no condition guessed
    assert where_clause("AVAL.notna()", "ADTTE") is None and where_clause("A == B", "ADSL") is None


def test_export_is_deterministic_and_checks_its_inputs(study, tmp_path):
    ard, outputs, ev = study
    write_reporting_event(ev, tmp_path / "a.json")
    write_reporting_event(reporting_event(ard, outputs, event_id="RE1", name="Toy CSR",
                                          population_labels={"SAFFL == 'Y'": "Safety population"}), tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    with pytest.raises(DerivationError, match="shown by no output"):
        reporting_event(ard, outputs[:1], event_id="x", name="x")
    with pytest.raises(DerivationError, match="not in the ARD"):
        reporting_event(ard, [*outputs, ArsOutput("T9", "x", ("NOPE",))], event_id="x", name="x")
