"""Controlled terminology: the shipped CT release, apply_ct, and the specs kept by specs/update_specs.py."""

import importlib.util
from pathlib import Path

import pytest

from derivations.ct import apply_ct, ct_codelist, load_ct
from derivations.findings import SpecError
from derivations.spec import Codelist, Spec, Term, read_spec

ROOT = Path(__file__).resolve().parents[1]


def _update_specs():
    spec = importlib.util.spec_from_file_location("update_specs", ROOT / "specs" / "update_specs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_embedded_specs_follow_the_ct_release_study_toml_names(capsys):
    assert _update_specs().main(["--check"]) == 0, capsys.readouterr().err


def test_race_is_coded_alike_in_sdtm_and_adam():
    sdtm = read_spec(ROOT / "specs" / "sdtm_spec.xlsx").codelists["RACE"]
    adam = read_spec(ROOT / "specs" / "adam_spec.xlsx").codelists["RACE"]
    assert sdtm == adam
    assert (sdtm.nci_code, sdtm.extensible) == ("C74457", False)
    assert [(t.term, t.nci_code) for t in sdtm.terms][:2] == [("AMERICAN INDIAN OR ALASKA NATIVE", "C41259"),
                                                            ("ASIAN", "C41260")]
    assert all(t.nci_code for t in sdtm.terms)


def test_apply_ct_codes_terms_removes_a_code_of_another_term_and_keeps_extensions():
    ct = load_ct("2024-09-27")
    spec = Spec(codelists={
        "FREQ": Codelist("FREQ", "Frequency", nci_code="C71113", terminology="CDISC/NCI",
                         terms=(Term("QD"), Term("Q3W", nci_code="C64535"), Term("Q5W"))),
        "TUTESTCD": Codelist("TUTESTCD", terminology="CDISC/NCI", terms=(Term("TUMIDENT"),)),
        "ARM": Codelist("ARM", terminology="Sponsor", terms=(Term("A"),)),
    })
    new, notes = apply_ct(spec, ct)
    assert [(t.term, t.nci_code) for t in new.codelists["FREQ"].terms] == [("QD", "C25473"), ("Q3W", ""),
                                                                          ("Q5W", "")]
    assert new.codelists["FREQ"].extensible is True
    assert (new.codelists["TUTESTCD"].nci_code, new.codelists["TUTESTCD"].terms[0].nci_code) == ("C96784", "C94523")
    assert new.codelists["ARM"] == spec.codelists["ARM"]
    assert "FREQ: term Q3W loses NCI code C64535, the code of 'EVERY 3 WEEKS' in C71113" in notes
    assert "FREQ: term Q5W is a sponsor extension of C71113" in notes


def test_apply_ct_refuses_a_term_a_non_extensible_codelist_does_not_allow():
    spec = Spec(codelists={"SEX": Codelist("SEX", nci_code="C66731", terminology="CDISC/NCI",
                                           terms=(Term("F"), Term("FEMALE")))})
    with pytest.raises(SpecError, match=r"SEX \(C66731, not extensible\) does not allow the term 'FEMALE'"):
        apply_ct(spec, load_ct("2024-09-27"))


def test_a_ct_release_not_shipped_is_an_error_naming_the_ones_that_are():
    with pytest.raises(SpecError, match="2099-01-01.*not shipped") as exc:
        load_ct("2099-01-01")
    assert "2024-09-27" in exc.value.hint


def test_ct_codelist_gives_every_term_in_ct_order():
    cl = ct_codelist(load_ct("2024-09-27"), "C66731", decoded=True)
    assert [(t.term, t.decode, t.nci_code, t.order) for t in cl.terms] == [
        ("F", "Female", "C16576", 1), ("M", "Male", "C20197", 2), ("U", "Unknown", "C17998", 3),
        ("UNDIFFERENTIATED", "Undifferentiated", "C45908", 4)]
