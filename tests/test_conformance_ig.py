"""IG metadata (derivations.ig) and the IG rules IG0001-IG0012: each defect that CDISC CORE found in
the embedded study (issue 12) is put back into a small frame or spec and its rule must fire."""

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from derivations.conformance import IG_RULES, rule, run_rules
from derivations.ig import compute_title_case_problems, load_ig
from derivations.spec import DatasetSpec, Spec, VariableSpec

ROOT = Path(__file__).resolve().parents[1]
SDTMIG = load_ig("SDTMIG", "3.4")
ADAMIG = load_ig("ADaMIG", "1.3")


def found(rule_id, data, spec=None, ig=SDTMIG):
    return [(f.dataset, f.variable, f.usubjid, f.value) for f in run_rules(data, spec=spec, ig=ig,
                                                                            rules=[rule(rule_id)])]


def frame(dataset, *extra, drop=(), rows=1):
    """A frame with every Req and Exp variable of the IG dataset in IG order, plus ``extra``."""
    names = [v.name for v in SDTMIG.dataset_for(dataset).variables if v.core in ("Req", "Exp")]
    names = [n for n in names if n not in drop] + [e for e in extra if e not in names]
    return pd.DataFrame({n: ["X"] * rows for n in names})


def spec_of(dataset, *variables, cls=""):
    return Spec(study={"StandardName": "SDTMIG", "StandardVersion": "3.4"},
                datasets={dataset: DatasetSpec(dataset, cls=cls, variables=list(variables))})


# --------------------------------------------------------------------------- the metadata


def test_tables_cover_every_dataset_the_framework_derives():
    assert set(SDTMIG.datasets) == {"AE", "CM", "CO", "DM", "DS", "EX", "LB", "PR", "RS", "SUPPQUAL", "SV",
                                    "TA", "TE", "TI", "TR", "TS", "TU", "TV", "VS"}
    assert set(ADAMIG.datasets) == {"ADSL", "BDS", "OCCDS", "TTE"}
    for name, ds in SDTMIG.datasets.items():
        assert [v.order for v in ds.variables] == list(range(1, len(ds.variables) + 1)), name
        assert {v.core for v in ds.variables} <= {"Req", "Exp", "Perm"}, name
        assert {v.type for v in ds.variables} <= {"Char", "Num"}, name
        assert all(v.role for v in ds.variables), name
        assert len({v.name for v in ds.variables}) == len(ds.variables), name
    assert {v.core for ds in ADAMIG.datasets.values() for v in ds.variables} <= {"Req", "Cond", "Perm"}


def test_facts_that_core_checks():
    ex, ae, co, ts = (SDTMIG.dataset_for(n) for n in ("EX", "AE", "CO", "TS"))
    assert (ex.variable("EXDOSFRQ").role, ex.variable("EXDOSFRQ").core) == ("Record Qualifier", "Perm")
    assert [v for v in ae.names("Exp") if v.startswith(("AELLT", "AEPT", "AEHL", "AEBD", "AESOCCD"))] == [
        "AELLT", "AELLTCD", "AEPTCD", "AEHLT", "AEHLTCD", "AEHLGT", "AEHLGTCD", "AEBDSYCD", "AESOCCD"]
    assert co.names()[:4] == ["STUDYID", "DOMAIN", "RDOMAIN", "USUBJID"]
    assert ts.names("Exp") == ["TSVAL", "TSVALCD", "TSVCDREF", "TSVCDVER"]
    assert SDTMIG.dataset_for("TR").variable("TRLOBXFL").core == "Exp"
    assert SDTMIG.dataset_for("DM").variable("ARMNRS").core == "Exp"
    assert SDTMIG.dataset_for("SUPPCM").name == "SUPPQUAL" and SDTMIG.dataset_for("LBCH").name == "LB"
    assert SDTMIG.dataset_for("XX") is None


def test_adam_placeholders_resolve_name_and_label():
    adsl, bds = ADAMIG.dataset_for("ADSL"), ADAMIG.dataset_for("ADRS")
    assert adsl.variable("AGEGR1N").label == "Pooled Age Group 1 (N)"
    assert bds.variable("ANL02FL").label == "Analysis Flag 02"
    assert bds.variable("ANLXXFL") is None and adsl.variable("TRT1P") is None
    assert ADAMIG.dataset_for("ADAE").name == "OCCDS"
    assert ADAMIG.dataset_for("ADEVT", subclass="TIME-TO-EVENT").variable("CNSR").core == "Cond"
    assert ADAMIG.dataset_for("DM") is None


def test_every_ig_label_passes_the_title_case_check():
    # the checker of the checker: the IG's own labels are the model of title case
    def resolved(v):  # placeholders filled in as in a dataset (TRTxxP -> TRT01P, AGEGRy -> AGEGR1)
        return v.match(v.name.replace("xx", "01").replace("zz", "01").replace("y", "1"))

    bad = [(d, v.name, v.label) for ig in (SDTMIG, ADAMIG) for d, ds in ig.datasets.items() for v in ds.variables
           if compute_title_case_problems(resolved(v).label)]
    assert bad == []
    assert compute_title_case_problems("Comment (continued)") == ["(continued)"]
    assert compute_title_case_problems("of the Study") == ["of"]


def test_unknown_ig_is_a_clear_error():
    with pytest.raises(KeyError, match="SDTMIG 3.4"):
        load_ig("SDTMIG", "3.2")


# --------------------------------------------------------------------------- the rules, one defect each


def test_ig0002_expected_variables_absent_as_core_cg0016():
    meddra = ("AELLT", "AELLTCD", "AEPTCD", "AEHLT", "AEHLTCD", "AEHLGT", "AEHLGTCD", "AEBDSYCD", "AESOCCD")
    data = {"AE": frame("AE", drop=meddra), "DM": frame("DM", drop=("ARMNRS", "ACTARMUD")),
            "TS": frame("TS", drop=("TSVALCD", "TSVCDREF", "TSVCDVER")), "TR": frame("TR", drop=("TRLOBXFL",)),
            "TU": frame("TU", drop=("TULOBXFL",))}
    assert [(d, v) for d, v, _, _ in found("IG0002", data)] == (
        [("AE", v) for v in meddra] + [("DM", "ARMNRS"), ("DM", "ACTARMUD"), ("TS", "TSVALCD"),
                                       ("TS", "TSVCDREF"), ("TS", "TSVCDVER"), ("TR", "TRLOBXFL"),
                                       ("TU", "TULOBXFL")])
    assert found("IG0002", {n: frame(n) for n in data}) == []


def test_ig0001_required_variable_absent():
    assert found("IG0001", {"AE": frame("AE", drop=("AEDECOD",))}) == [
        ("AE", "AEDECOD", None, "Req variable missing (Dictionary-Derived Term)")]
    adsl = pd.DataFrame(columns=[v.name for v in ADAMIG.datasets["ADSL"].variables if v.core == "Req"])
    assert found("IG0001", {"ADSL": adsl.rename(columns={"TRTxxP": "TRT01P"})}, ig=ADAMIG) == []
    assert [v for _, v, _, _ in found("IG0001", {"ADSL": adsl.drop(columns="TRTxxP")}, ig=ADAMIG)] == ["TRTxxP"]


def test_ig0003_co_variable_order_as_core_cg0330():
    co = frame("CO", "RDOMAIN")[["STUDYID", "DOMAIN", "USUBJID", "RDOMAIN", "COSEQ", "COVAL"]]
    assert found("IG0003", {"CO": co}) == [("CO", "RDOMAIN", None, "RDOMAIN comes after USUBJID; the IG puts it before")]
    assert found("IG0003", {"CO": co[["STUDYID", "DOMAIN", "RDOMAIN", "USUBJID", "COSEQ", "COVAL"]]}) == []


def test_ig0006_role_per_ig_as_core_cg0010():
    spec = spec_of("EX", VariableSpec("EX", "EXDOSFRQ", "Dosing Frequency per Interval", role="Variable Qualifier"),
                   VariableSpec("EX", "EXDOSFRM", "Dose Form", role="Variable Qualifier"))
    assert found("IG0006", {"EX": frame("EX")}, spec=spec) == [
        ("EX", "EXDOSFRQ", None, "role 'Variable Qualifier'; SDTMIG 3.4: 'Record Qualifier'")]


def test_ig0004_ig0005_labels_as_core_cg0359():
    spec = spec_of("CO", VariableSpec("CO", "COVAL", "Comment"), VariableSpec("CO", "COVAL1", "Comment (continued)"),
                   VariableSpec("CO", "CODTC", "Date of Comment"))
    assert found("IG0005", {"CO": frame("CO")}, spec=spec) == [
        ("CO", "COVAL1", None, "'Comment (continued)': (continued)")]
    assert found("IG0004", {"CO": frame("CO")}, spec=spec) == [
        ("CO", "CODTC", None, "label 'Date of Comment'; SDTMIG 3.4: 'Date/Time of Comment'")]


def test_ig0007_req_variable_mandatory_and_ig0008_type():
    spec = spec_of("AE", VariableSpec("AE", "AEDECOD", "Dictionary-Derived Term", mandatory=False),
                   VariableSpec("AE", "AESEQ", "Sequence Number", data_type="text", mandatory=True))
    assert found("IG0007", {"AE": frame("AE")}, spec=spec) == [
        ("AE", "AEDECOD", None, "Req in the IG, Mandatory=No in the spec")]
    assert found("IG0008", {"AE": frame("AE")}, spec=spec) == [
        ("AE", "AESEQ", None, "type 'Char'; SDTMIG 3.4: 'Num'")]


def test_ig0009_epoch_absent_as_fda_fb2201():
    data = {"CM": frame("CM", "CMSTDTC"), "PR": frame("PR"), "TU": frame("TU"), "AE": frame("AE", "EPOCH"),
            "DM": frame("DM"), "TS": frame("TS")}
    assert [(d, v) for d, v, _, _ in found("IG0009", data)] == [("CM", "EPOCH"), ("PR", "EPOCH"), ("TU", "EPOCH")]


def test_ig0010_ae_after_the_last_disposition_record_as_fda_fb3401():
    dm = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"]})
    ds = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "DSSTDTC": ["2021-01-05", "2021-06-30", "2021-03"]})
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2", "S3"],
                       "AESTDTC": ["2021-06-30", "2021-07-01", "2021-03-31", "2021-04-02", "2021-01-01"]})
    assert found("IG0010", {"DM": dm, "DS": ds, "AE": ae}) == [
        ("DM", "USUBJID", "S3", "no dated DS record for the subject"),
        ("AE", "AESTDTC", "S1", "2021-07-01 > last DS 2021-06-30"),
        ("AE", "AESTDTC", "S2", "2021-04-02 > last DS 2021-03")]


def test_ig0011_ts_of_a_non_interventional_study():
    ts = pd.DataFrame({"TSPARMCD": ["STYPE", "NCOHORT", "OBSTIMP", "INTMODEL"],
                       "TSVAL": ["OBSERVATIONAL", "1", "RETROSPECTIVE", "SINGLE GROUP"]})
    assert [v for _, _, _, v in found("IG0011", {"TS": ts})] == [
        "OBSMODEL missing (observational study)", "OBSTPOPD missing (observational study)",
        "OBSTSMM missing (observational study)", "INTMODEL describes an interventional design"]
    assert found("IG0011", {"TS": ts.assign(TSVAL=["INTERVENTIONAL", "1", "", ""])}) == []


def test_ig0012_co_and_supp_conventions():
    co = pd.DataFrame({"USUBJID": ["S1", "S1"], "RDOMAIN": ["", "AE"], "IDVAR": ["AESEQ", "AESPID"],
                       "COVAL1": ["x", "y"]})
    supp = pd.DataFrame({"RDOMAIN": ["AE"] * 3, "IDVAR": ["AESEQ"] * 3, "QNAM": ["AESEV", "AERELANL", "AETRTEM"],
                         "QLABEL": ["Severity/Intensity", "Relationship to Anlotinib", "T" * 41]})
    ae = pd.DataFrame({"USUBJID": ["S1"], "AESEQ": [1.0]})
    assert [(d, v, m) for d, v, _, m in found("IG0012", {"CO": co, "SUPPAE": supp, "AE": ae})] == [
        ("CO", "COVAL1", "COVALn without COVAL"), ("CO", "RDOMAIN", "IDVAR AESEQ without RDOMAIN"),
        ("CO", "IDVAR", "AESPID is not a variable of AE"),
        ("SUPPAE", "QNAM", "AESEV is a standard variable of AE: put it in the domain"),
        ("SUPPAE", "QLABEL", f"'{'T' * 41}' is longer than 40 characters")]


def test_ig_rules_print_and_are_unique():
    assert str(rule("IG0006")) == "IG0006 [warning, IG] the spec's (define's) variable role is the IG's role (SDTM)"
    assert len({r.id for r in IG_RULES}) == len(IG_RULES) == 12


# --------------------------------------------------------------------------- the study's specs


def test_spec_workbooks_are_conformed_by_their_script():
    # the committed workbooks are what specs/conform_specs.py makes of them: nothing left to change
    out = subprocess.run([sys.executable, str(ROOT / "specs" / "conform_specs.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "would change: nothing"


def test_ig_tables_are_plain_csv_with_the_documented_columns():
    for stem in ("sdtmig-3.4", "adamig-1.3"):
        with open(ROOT / "derivations" / "resources" / "ig" / f"{stem}.csv", encoding="utf-8") as f:
            assert next(csv.reader(f)) == ["dataset", "order", "variable", "label", "type", "role", "core"]


def test_embedded_study_ig_findings(tmp_path):
    from derivations.conformance import check_folder
    from derivations.pipeline import run_study

    run_study(ROOT, tmp_path / "out", stages=["sdtm"])
    findings = check_folder(ROOT, tmp_path / "out")
    # the SDTM that CORE found defects in (issue 12) is clean: MedDRA codes in AE, ARMNRS/ACTARMUD,
    # TS codes and the observational parameters, --LOBXFL, EPOCH in CM/PR/TU, a disposition record
    # after every AE, the trial design datasets TA/TE/TV/TI (SD0014) and SV
    assert [(f.check, f.dataset, f.variable, f.value) for f in findings] == []
