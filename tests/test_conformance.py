"""Conformance rules: each rule flags exactly the records built to break it; the embedded study passes."""

from pathlib import Path

import numpy as np
import pandas as pd

from derivations.cli import main
from derivations.conformance import (ADAM_RULES, SDTM_RULES, OneToOne, TsParameters, UniqueBy, ValuesIn,
                                     check_folder, rule, run_rules)
from derivations.pipeline import run_study
from derivations.spec import Codelist, DatasetSpec, Spec, Term, VariableSpec

ROOT = Path(__file__).resolve().parents[1]


def hits(data, rule_id, **kw):
    return [(f.dataset, f.variable, f.usubjid, f.row) for f in run_rules(data, rules=[rule(rule_id)], **kw)]


def dm(**cols):
    base = {"USUBJID": ["S1", "S2", "S3"], "RFSTDTC": ["2021-01-10", "2021-02-01", ""],
            "ARMCD": ["A", "A", "B"], "ARM": ["Arm A", "Arm A", "Arm B"],
            "DTHFL": ["Y", "", ""], "DTHDTC": ["2021-05-01", "", ""]}
    base.update(cols)
    return pd.DataFrame(base)


def test_subjects_seq_and_dm_uniqueness():
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S9"], "AESEQ": [1.0, 1.0, 1.0]})
    assert hits({"DM": dm(), "AE": ae}, "SD0001") == [("AE", "USUBJID", "S9", 3)]
    assert hits({"DM": dm(), "AE": ae}, "SD0003") == [("AE", "AESEQ", "S1", 1)]  # once, with the count
    twice = dm(USUBJID=["S1", "S1", "S3"])
    assert hits({"DM": twice}, "SD0002") == [("DM", "USUBJID", "S1", 1)]
    assert [f.message for f in run_rules({"DM": twice}, rules=[rule("SD0002")])] == [
        "DM has one record per USUBJID (2 records; the first is shown)"]


def test_study_day_zero_and_consistency():
    # S1 RFSTDTC 2021-01-10: 2021-01-10 -> 1, 2021-01-09 -> -1, 2021-01-20 -> 11
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S1", "S3"],
                       "AESTDTC": ["2021-01-10", "2021-01-09", "2021-01-20", "2021-01", "2021-03-01"],
                       "AESTDY": [1.0, 0.0, 10.0, np.nan, np.nan]})
    assert hits({"DM": dm(), "AE": ae}, "SD0004") == [("AE", "AESTDY", "S1", 2)]
    assert hits({"DM": dm(), "AE": ae}, "SD0005") == [("AE", "AESTDY", "S1", 2), ("AE", "AESTDY", "S1", 3)]


def test_start_after_end_at_common_precision():
    ae = pd.DataFrame({"USUBJID": ["S1"] * 5,
                       "AESTDTC": ["2021-01-10", "2021-02", "2021-03-05", "2021-03-05T10:00", "2022"],
                       "AEENDTC": ["2021-01-09", "2021-01-20", "2021-03", "2021-03-05T09:00", "2021-12-31"]})
    assert [r for _, _, _, r in hits({"AE": ae}, "SD0006")] == [1, 2, 4, 5]


def test_epoch_supp_parent_and_rdomain():
    ae = pd.DataFrame({"USUBJID": ["S1", "S2"], "AESEQ": [1.0, 1.0], "EPOCH": ["TREATMENT", "TREATMNT"]})
    assert hits({"AE": ae}, "SD0007") == [("AE", "EPOCH", "S2", 2)]
    supp = pd.DataFrame({"RDOMAIN": ["AE", "AE", "AE", "CM"], "USUBJID": ["S1", "S1", "S2", "S1"],
                         "IDVAR": ["AESEQ", "AESEQ", "AESEQ", "CMSEQ"], "IDVARVAL": ["1", "2", "1", "1"]})
    data = {"DM": dm(), "AE": ae, "SUPPAE": supp}
    assert [r for _, _, _, r in hits(data, "SD0008")] == [2, 4]
    assert hits(data, "SD0009") == [("SUPPAE", "RDOMAIN", "S1", 4)]


def test_arm_death_and_ts():
    bad = dm(ARM=["Arm A", "Arm A2", "Arm B"], DTHFL=["Y", "Y", ""])
    assert [r for _, _, _, r in hits({"DM": bad}, "SD0010")] == [1, 2]
    assert [r for _, _, _, r in hits({"DM": bad}, "SD0011")] == [2]
    ts = pd.DataFrame({"TSPARMCD": ["TITLE", "STYPE"], "TSVAL": ["x", "y"]})
    assert [f.value for f in run_rules({"TS": ts}, rules=[rule("SD0012")])] == ["SSTDTC"]


def test_adam_rules():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S2"], "SAFFL": ["Y", "N", "X"]})
    assert hits({"ADSL": adsl}, "AD0001") == [("ADSL", "USUBJID", "S2", 2)]
    assert hits({"ADSL": adsl}, "AD0007") == [("ADSL", "SAFFL", "S2", 3)]
    adrs = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S7"], "PARAMCD": ["BOR", "BOR", "OVR", "BOR"],
                         "PARAM": ["Best", "Best", "Overall", "Best!"], "AVALC": ["CR", "PR", "CR", "PR"],
                         "AVAL": [1.0, 2.0, 1.0, 1.0], "ADTF": ["", "D", "Q", ""]})
    data = {"ADSL": adsl, "ADRS": adrs}
    assert hits(data, "AD0002") == [("ADRS", "USUBJID", "S7", 4)]
    assert [r for _, _, _, r in hits(data, "AD0003")] == [1, 2, 4]
    # BOR: PR -> 2 (row 2) and PR -> 1 (row 4); AVAL 1 -> CR (row 1) and PR (row 4)
    assert [r for _, _, _, r in hits(data, "AD0004")] == [1, 2, 4]
    assert hits(data, "AD0008") == [("ADRS", "ADTF", "S1", 3)]
    adtte = pd.DataFrame({"USUBJID": ["S1", "S2"], "CNSR": [0.0, 2.5],
                          "STARTDT": [22000.0, 22000.0], "ADT": [22100.0, 21999.0]})
    assert hits({"ADSL": adsl, "ADTTE": adtte}, "AD0005") == [("ADTTE", "CNSR", "S2", 2)]
    assert hits({"ADSL": adsl, "ADTTE": adtte}, "AD0006") == [("ADTTE", "ADT", "S2", 2)]
    fmts = {"ADTTE": {"ADT": "DATE9", "STARTDT": "BEST12"}}
    assert [(f.variable, f.value) for f in run_rules({"ADTTE": adtte}, formats=fmts, rules=[rule("AD0009")])] == [
        ("STARTDT", "numeric, format BEST12")]


def test_spec_rules_read_the_codelists():
    spec = Spec(datasets={"DM": DatasetSpec("DM", variables=[
        VariableSpec("DM", "USUBJID", mandatory=True), VariableSpec("DM", "SEX", codelist="SEX"),
        VariableSpec("DM", "ETHNIC", codelist="ETH")])},
        codelists={"SEX": Codelist("SEX", terms=(Term("F"), Term("M"))),
                   "ETH": Codelist("ETH", extensible=True, terms=(Term("A"),))})
    frame = pd.DataFrame({"USUBJID": ["S1", ""], "SEX": ["F", "X"], "ETHNIC": ["B", ""], "EXTRA": [1, 2]})
    f = run_rules({"DM": frame}, spec=spec, rules=[r for r in map(rule, ["SP0001", "SP0002", "SP0003", "SP0004"])])
    assert [(x.check, x.severity, x.variable, x.row) for x in f] == [
        ("SP0001", "error", "SEX", 2), ("SP0002", "warning", "ETHNIC", 1), ("SP0003", "error", "USUBJID", 2),
        ("SP0004", "error", "EXTRA", None)]


def test_rules_print_readably():
    assert str(rule("SD0003")) == "SD0003 [error, SDTM] --SEQ is unique within USUBJID"
    assert len({r.id for r in SDTM_RULES + ADAM_RULES}) == len(SDTM_RULES + ADAM_RULES)



def test_rules_of_one_shape_are_one_parameterised_check():
    assert rule("SD0002").check == UniqueBy("DM", ("USUBJID",))
    assert rule("SD0003").check == UniqueBy("SDTM domains", ("USUBJID", "--SEQ"))
    assert rule("AD0001").check == UniqueBy("ADSL", ("USUBJID",))
    assert rule("SD0010").check == OneToOne("DM", (("ARMCD", "ARM"), ("ACTARMCD", "ACTARM")))
    assert rule("AD0003").check == OneToOne("ADaM datasets", (("PARAMCD", "PARAM"),))
    assert rule("AD0007").check == ValuesIn("ADaM datasets", (("?*FL", ("Y", "N")),))
    assert rule("SD0013").check == TsParameters(("SDTIGVER", "SDTMVER", "TPHASE", "REGID", "INDIC", "TRT"))
    assert str(rule("SD0003").check) == "SDTM domains: one record per USUBJID, --SEQ"
    assert str(rule("SD0010").check) == "DM: ARMCD<->ARM, ACTARMCD<->ACTARM one-to-one"
    assert str(rule("AD0008").check) == "ADaM datasets: *DTF in D, M, Y or blank; *TMF in H, M, S or blank"
    assert str(rule("SD0012").check) == "TS parameters TITLE, STYPE, SSTDTC"
    assert str(rule("SD0007").check).endswith("(codelist EPOCH of the spec if it has one)")
    assert str(rule("AD0007")) == "AD0007 [error, ADaM] *FL flags hold Y, N or blank"


def test_values_in_matches_names_in_column_order_and_reads_the_spec_codelist():
    adx = pd.DataFrame({"USUBJID": ["S1", "S2"], "ASTDTF": ["Q", "D"], "ASTTMF": ["", "D"], "AENDTF": ["M", "H"],
                        "FL": ["Q", "Q"], "DTF": ["", "X"], "EPOCH": ["TREATMENT", "EXTENSION"]})
    # columns in frame order, DTF and TMF interleaved; FL alone is no flag, DTF alone is a DTF
    assert hits({"ADX": adx}, "AD0008") == [("ADX", "ASTDTF", "S1", 1), ("ADX", "ASTTMF", "S2", 2),
                                            ("ADX", "AENDTF", "S2", 2), ("ADX", "DTF", "S2", 2)]
    assert hits({"ADX": adx}, "AD0007") == []
    # EPOCH is checked in every dataset; the spec's EPOCH codelist replaces the built-in terms
    assert hits({"ADX": adx}, "SD0007") == [("ADX", "EPOCH", "S2", 2)]
    spec = Spec(codelists={"EPOCH": Codelist("EPOCH", terms=(Term("SCREENING"), Term("EXTENSION")))})
    assert hits({"ADX": adx}, "SD0007", spec=spec) == [("ADX", "EPOCH", "S1", 1)]


def test_one_to_one_reports_each_pair_under_its_code():
    bad = dm(ARM=["Arm A", "Arm B", "Arm B"], ACTARMCD=["A", "B", "B"], ACTARM=["Arm A", "Arm B", "Arm A"])
    assert [(v, r) for _, v, _, r in hits({"DM": bad}, "SD0010")] == [
        ("ARMCD", 1), ("ARMCD", 2), ("ARMCD", 3), ("ACTARMCD", 1), ("ACTARMCD", 2), ("ACTARMCD", 3)]
    ok = dm(ACTARMCD=["A", "A", "B"], ACTARM=["Arm A", "Arm A", "Arm B"])
    assert hits({"DM": ok}, "SD0010") == []

def test_embedded_study_sdtm_has_no_error_finding(tmp_path):
    run_study(ROOT, tmp_path / "out", stages=["sdtm"])
    findings = check_folder(ROOT, tmp_path / "out")
    assert findings.errors == []
    # no warning either (the IG rules' are pinned in test_conformance_ig.py): TS has every parameter of
    # SD0012/SD0013, the trial design datasets are there (SD0014), values follow the spec's codelists
    assert [(f.check, f.dataset, f.variable) for f in findings if not f.check.startswith("IG")] == []


def test_sd0014_trial_design_datasets_missing():
    data = {"DM": dm(), "TA": pd.DataFrame(), "TV": pd.DataFrame()}
    assert [(f.dataset, f.value) for f in run_rules(data, rules=[rule("SD0014")])] == [
        ("TE", "not submitted"), ("TI", "not submitted")]
    assert hits({**data, "TE": pd.DataFrame(), "TI": pd.DataFrame()}, "SD0014") == []


def test_derive_check_on_a_corrupt_xpt_exits_2_naming_the_file(tmp_path, capsys):
    (tmp_path / "sdtm").mkdir()
    (tmp_path / "sdtm" / "dm.xpt").write_bytes(b"HEADER RECORD*******LIBRARY HEADER RECORD" + b"\x00" * 30)
    assert main(["check", "--study", str(ROOT), "--out", str(tmp_path)]) == 2
    assert "dm.xpt" in capsys.readouterr().err


def test_numeric_values_are_read_as_terms_by_both_codelist_rules():
    # a numeric variable: 1.0 is the term "1" (it was flagged by the extensible rule), 2.5 is "2.5"
    spec = Spec(datasets={"RS": DatasetSpec("RS", variables=[
        VariableSpec("RS", "RSSTRESN", codelist="N1"), VariableSpec("RS", "RSGRPN", codelist="N2")])},
        codelists={"N1": Codelist("N1", terms=(Term("1"), Term("2.5"))),
                   "N2": Codelist("N2", extensible=True, terms=(Term("1"), Term("1234567")))})
    frame = pd.DataFrame({"RSSTRESN": [1.0, 2.5, 3.0, np.nan], "RSGRPN": [1.0, 1234567.0, 2.0, np.nan]})
    f = run_rules({"RS": frame}, spec=spec, rules=[rule("SP0001"), rule("SP0002")])
    assert [(x.check, x.variable, x.row, x.value) for x in f] == [
        ("SP0001", "RSSTRESN", 3, 3.0), ("SP0002", "RSGRPN", 3, 2.0)]


def test_subject_and_study_day_rules_on_empty_or_incomplete_data():
    # DM without USUBJID: nothing to check against (the spec rules report the missing variable)
    assert hits({"DM": pd.DataFrame({"STUDYID": ["X"]}), "AE": pd.DataFrame({"USUBJID": ["S1"]})}, "SD0001") == []
    # zero-record domains: no finding and no crash
    empty_dm = pd.DataFrame({"USUBJID": pd.Series([], dtype=str), "RFSTDTC": pd.Series([], dtype=str)})
    empty_ae = pd.DataFrame({"USUBJID": pd.Series([], dtype=str), "AESTDTC": pd.Series([], dtype=str),
                             "AESTDY": pd.Series([], dtype=float)})
    assert hits({"DM": empty_dm, "AE": empty_ae}, "SD0005") == []
    assert hits({"DM": dm(), "AE": empty_ae}, "SD0005") == []
