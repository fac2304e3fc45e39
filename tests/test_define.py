"""define.xml 2.1: XSD validation, references, cross-check with the XPT files, value lists, codelists, bad specs."""

import dataclasses
import datetime
from pathlib import Path

import pyreadstat
import pytest
from lxml import etree

from derivations.cli import main
from derivations.define import (DefineError, check_references, define_xml, parse_where_clause, validate_define,
                                write_define)
from derivations.pipeline import run_study
from derivations.spec import read_spec, write_spec

ROOT = Path(__file__).resolve().parents[1]
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}
CREATED = datetime.datetime(2022, 7, 4)


@pytest.fixture(scope="module")
def sdtm_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = run_study(ROOT, out, stages=["sdtm"])
    spec = read_spec(ROOT / "specs" / "sdtm_spec.xlsx")
    path = write_define(spec, out / "sdtm", created=CREATED, datasets=result.datasets["sdtm"])
    return out, path, spec


def test_embedded_sdtm_define_validates_against_the_define_21_xsd(sdtm_run):
    _, path, _ = sdtm_run
    assert validate_define(path) == []
    assert check_references(path) == []
    text = path.read_text()
    assert text.splitlines()[1] == '<?xml-stylesheet type="text/xsl" href="define2-1.xsl"?>'
    assert (path.parent / "define2-1.xsl").is_file()


def test_embedded_adam_define_validates(tmp_path):
    spec = read_spec(ROOT / "specs" / "adam_spec.xlsx")
    path = write_define(spec, tmp_path, created=CREATED)
    assert validate_define(path) == []
    assert check_references(path) == []
    doc = etree.parse(str(path))
    assert doc.xpath("//odm:ItemGroupDef[@Name='ADSL']/@Purpose", namespaces=NS) == ["Analysis"]
    assert doc.xpath("//def:Standard[@Type='IG']/@Name", namespaces=NS) == ["ADaMIG"]
    # numeric dates: integer with a DATE display format
    trtsdt = doc.xpath("//odm:ItemDef[@OID='IT.ADSL.TRTSDT']", namespaces=NS)[0]
    assert trtsdt.get("DataType") == "integer" and trtsdt.get(f"{{{NS['def']}}}DisplayFormat") == "DATE9."
    adtte = doc.xpath("//odm:ItemGroupDef[@Name='ADTTE']/def:Class", namespaces=NS)[0]
    assert adtte.get("Name") == "BASIC DATA STRUCTURE" and adtte[0].get("Name") == "TIME-TO-EVENT"


def test_define_and_xpt_files_agree_on_datasets_labels_types_lengths(sdtm_run):
    out, path, _ = sdtm_run
    doc = etree.parse(str(path))
    items = {i.get("OID"): i for i in doc.xpath("//odm:ItemDef", namespaces=NS)}
    groups = doc.xpath("//odm:ItemGroupDef", namespaces=NS)
    files = sorted(p.stem.upper() for p in (out / "sdtm").glob("*.xpt"))
    assert sorted(g.get("Name") for g in groups) == files
    for g in groups:
        href = g.xpath("def:leaf/@xlink:href", namespaces=NS)[0]
        data, meta = pyreadstat.read_xport(str(out / "sdtm" / href))
        assert meta.file_label == g.xpath("odm:Description/odm:TranslatedText", namespaces=NS)[0].text
        refs = [items[r.get("ItemOID")] for r in g.xpath("odm:ItemRef", namespaces=NS)]
        assert [i.get("Name") for i in refs] == meta.column_names
        for item in refs:
            name = item.get("Name")
            assert meta.column_names_to_labels[name] == item.xpath("odm:Description/odm:TranslatedText",
                                                                   namespaces=NS)[0].text
            xpt_type = "double" if item.get("DataType") in ("integer", "float") else "string"
            assert meta.readstat_variable_types[name] == xpt_type, name
            if item.get("DataType") == "text":  # ISO 8601 types carry no Length in define.xml 2.1
                # the XPT variable's length: the longest value in the data, or in the study's datasets
                # for a shared variable (FDA TCG; tests/test_lengths.py)
                longest = int(data[name].astype(str).str.rstrip().str.encode("utf-8").str.len().max() or 1)
                assert int(item.get("Length")) == meta.variable_storage_width[name] >= longest, name
            else:
                assert item.get("Length") in (None, "8"), name


def test_value_level_where_clauses_codelists_and_origins(sdtm_run):
    _, path, _ = sdtm_run
    doc = etree.parse(str(path))
    x = lambda q: doc.xpath(q, namespaces=NS)  # noqa: E731
    assert x("//odm:ItemDef[@OID='IT.TR.TRORRES']/def:ValueListRef/@ValueListOID") == ["VL.TR.TRORRES"]
    refs = x("//def:ValueListDef[@OID='VL.TR.TRORRES']/odm:ItemRef/@ItemOID")
    assert refs == ["IT.TR.TRORRES.LDIAM", "IT.TR.TRORRES.SAXIS", "IT.TR.TRORRES.SUMDIAM", "IT.TR.TRORRES.TUMSTATE"]
    wc = x("//def:ValueListDef[@OID='VL.TR.TRORRES']/odm:ItemRef[1]/def:WhereClauseRef/@WhereClauseOID")[0]
    rc = x(f"//def:WhereClauseDef[@OID='{wc}']/odm:RangeCheck")[0]
    assert (rc.get("Comparator"), rc.get(f"{{{NS['def']}}}ItemOID"), rc[0].text) == ("EQ", "IT.TR.TRTESTCD", "LDIAM")
    assert x("//odm:ItemDef[@OID='IT.TR.TRORRES.SUMDIAM']/@Length") == ["4"]
    assert x("//def:ValueListDef[@OID='VL.TR.TRORRES']/odm:ItemRef[3]/@MethodOID") == ["MT.SUMDIAM"]
    # decoded codelist with NCI codes; enumerated codelist; sponsor codelist
    sex = x("//odm:CodeList[@OID='CL.SEX']")[0]
    assert sex.get(f"{{{NS['def']}}}StandardOID", "").startswith("STD.CT")
    f = sex.xpath("odm:CodeListItem[@CodedValue='F']", namespaces=NS)[0]
    assert f.xpath("odm:Decode/odm:TranslatedText/text()", namespaces=NS) == ["Female"]
    assert f.xpath("odm:Alias/@Name", namespaces=NS) == ["C16576"]
    assert sex.xpath("odm:Alias/@Name", namespaces=NS) == ["C66731"]
    assert x("//odm:CodeList[@OID='CL.RACE']/odm:EnumeratedItem[@CodedValue='ASIAN']/odm:Alias/@Name") == ["C41260"]
    assert x("//odm:CodeList[@OID='CL.ARMCD']/@def:IsNonStandard") == ["Yes"]
    # origins
    assert x("//odm:ItemDef[@OID='IT.DM.SUBJID']/def:Origin/@Type") == ["Collected"]
    assert x("//odm:ItemDef[@OID='IT.DM.SUBJID']/def:Origin/@Source") == ["Investigator"]
    assert x("//odm:ItemDef[@OID='IT.DM.USUBJID']/def:Origin/@Type") == ["Derived"]
    assert x("//odm:ItemGroupDef[@Name='DM']/odm:ItemRef[@ItemOID='IT.DM.USUBJID']/@MethodOID") == ["MT.USUBJID"]
    assert x("//odm:ItemGroupDef[@Name='DM']/odm:ItemRef[@ItemOID='IT.DM.USUBJID']/@KeySequence") == ["2"]
    assert x("//odm:ItemGroupDef[@Name='DM']/@Repeating") == ["No"]
    assert x("//odm:ItemGroupDef[@Name='TS']/@IsReferenceData") == ["Yes"]
    assert x("//odm:ItemDef[@OID='IT.CO.RDOMAIN']/@def:CommentOID") == ["COM.CO.RDOMAIN"]


def test_define_bytes_do_not_depend_on_the_clock(sdtm_run):
    _, _, spec = sdtm_run
    assert define_xml(spec, created=CREATED) == define_xml(spec, created=CREATED)
    assert b'CreationDateTime="2022-07-04T00:00:00"' in define_xml(spec, created=CREATED)


def test_parse_where_clause_forms():
    assert parse_where_clause("PARAMCD EQ 'PFS'") == [("PARAMCD", "EQ", ["PFS"])]
    assert parse_where_clause("TRTESTCD IN ('LDIAM','DIAMETER')") == [("TRTESTCD", "IN", ["LDIAM", "DIAMETER"])]
    assert parse_where_clause('QNAM NE "AE ACN"') == [("QNAM", "NE", ["AE ACN"])]
    assert parse_where_clause("PARAMCD NOT IN ('A', 'B') and AVISITN GE 2") == [
        ("PARAMCD", "NOTIN", ["A", "B"]), ("AVISITN", "GE", ["2"])]
    with pytest.raises(DefineError, match="cannot be read"):
        parse_where_clause("PARAMCD LIKE 'P%'")


def _broken_spec(tmp_path, *, codelist=None, method=None):
    spec = read_spec(ROOT / "specs" / "sdtm_spec.xlsx")
    dm = spec.datasets["DM"]
    i = dm.variable_names.index("SEX")
    changes = {}
    if codelist:
        changes["codelist"] = codelist
    if method:
        changes["method"] = method
    dm.variables[i] = dataclasses.replace(dm.variables[i], **changes)
    return write_spec(spec, tmp_path / "broken.xlsx")


@pytest.mark.parametrize("kind,name", [("codelist", "SEXX"), ("method", "MT.NOPE")])
def test_derive_define_with_dangling_reference_exits_2_naming_it_and_writes_nothing(tmp_path, capsys, kind, name):
    study = tmp_path / "study"
    (study / "specs").mkdir(parents=True)
    _broken_spec(study / "specs", **{kind: name})
    (study / "study.toml").write_text('[study]\nstudyid = "S1"\ncreated = "2022-07-04T00:00:00"\n'
                                      '[sdtm]\nspec = "specs/broken.xlsx"\nprograms = []\n')
    out = tmp_path / "out"
    (out / "sdtm").mkdir(parents=True)
    code = main(["define", "--study", str(study), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert name in err and "SEX" in err
    assert list((out / "sdtm").iterdir()) == []


def test_derive_define_writes_both_defines(tmp_path, sdtm_run):
    out, _, _ = sdtm_run
    target = tmp_path / "o"
    (target / "sdtm").mkdir(parents=True)
    for p in (out / "sdtm").glob("*.xpt"):
        (target / "sdtm" / p.name).write_bytes(p.read_bytes())
    assert main(["define", "--study", str(ROOT), "--out", str(target)]) == 0
    assert validate_define(target / "sdtm" / "define.xml") == []


def test_stylesheet_renders_a_table_per_dataset_with_value_level_rows(sdtm_run):
    _, path, _ = sdtm_run
    html = str(etree.XSLT(etree.parse(str(path.parent / "define2-1.xsl")))(etree.parse(str(path))))
    n_datasets = len(list((path.parent).glob("*.xpt")))
    # datasets overview + one per dataset + codelists + methods + comments + documents
    assert html.count("<table") == 1 + n_datasets + 4
    assert "<caption>DM (Demographics)</caption>" in html
    assert html.count('class="vlm"') == 22  # value-level rows of TR, RS, SUPPDM, SUPPAE, SUPPCM


# --------------------------------------------------------------------------- issue 12: a define.xml a reviewer trusts

@pytest.fixture(scope="module")
def adam_define(tmp_path_factory):
    from derivations.study import Study

    spec = read_spec(ROOT / "specs" / "adam_spec.xlsx")
    folder = tmp_path_factory.mktemp("adam")
    return write_define(spec, folder, created=CREATED, settings=Study.load(ROOT).settings)


def _codelist_terms(doc, oid):
    cl = doc.xpath(f"//odm:CodeList[@OID='{oid}']", namespaces=NS)[0]
    return [(i.get("CodedValue"), i.get(f"{{{NS['def']}}}ExtendedValue"), i.xpath("odm:Alias/@Name", namespaces=NS))
            for i in cl.xpath("odm:CodeListItem|odm:EnumeratedItem", namespaces=NS)]


def test_a_term_is_extended_only_when_its_codelist_is_extensible_and_it_has_no_nci_code(sdtm_run, adam_define):
    _, path, _ = sdtm_run
    extended = {}
    for p in (path, adam_define):
        doc = etree.parse(str(p))
        for cl in doc.xpath("//odm:CodeList", namespaces=NS):
            for item in cl.xpath("*[@def:ExtendedValue='Yes']", namespaces=NS):
                assert cl.xpath("odm:Alias/@Name", namespaces=NS), cl.get("OID")  # a CDISC codelist
                assert not item.xpath("odm:Alias", namespaces=NS)
                extended.setdefault(cl.get("OID"), []).append(item.get("CodedValue"))
    # RECIST's short axis has no CT test code (CT names it LPERP); EX's frequencies are CT's (QD, EVERY 3 WEEKS)
    assert extended == {"CL.TRTESTCD": ["SAXIS"], "CL.TRTEST": ["Short Axis"]}
    assert _codelist_terms(etree.parse(str(path)), "CL.FREQ") == [
        ("QD", None, ["C25473"]), ("EVERY 3 WEEKS", None, ["C64535"])]
    sdtm, adam = etree.parse(str(path)), etree.parse(str(adam_define))
    assert _codelist_terms(sdtm, "CL.RACE") == _codelist_terms(adam, "CL.RACE")
    assert _codelist_terms(adam, "CL.AGEU") == [("YEARS", None, ["C29848"])]
    assert ("ESOPHAGUS", None, ["C12389"]) in _codelist_terms(sdtm, "CL.LOC")
    assert ("NON-CR/NON-PD", None, ["C96700"]) in _codelist_terms(sdtm, "CL.RSRESP")
    assert ("DCUTDTC", None, ["C98717"]) in _codelist_terms(sdtm, "CL.TSPARMCD")
    # CT standards by publishing set: ADaM's DATEFL is ADaM CT, SEX is SDTM CT
    x = lambda q: adam.xpath(q, namespaces=NS)  # noqa: E731
    assert x("//odm:CodeList[@OID='CL.DATEFL']/@def:StandardOID") == ["STD.CT.ADaM.2024-09-27"]
    assert x("//odm:CodeList[@OID='CL.SEX']/@def:StandardOID") == ["STD.CT.SDTM.2024-09-27"]
    assert x("//def:Standard[@Type='CT']/@PublishingSet") == ["SDTM", "ADaM"]


def test_meddra_is_an_external_codelist_referred_to_from_the_codelist_column(sdtm_run, adam_define):
    for p, ds in ((sdtm_run[1], "AE"), (adam_define, "ADAE")):
        doc = etree.parse(str(p))
        x = lambda q: doc.xpath(q, namespaces=NS)  # noqa: E731
        assert x(f"//odm:ItemDef[@OID='IT.{ds}.AEDECOD']/odm:CodeListRef/@CodeListOID") == ["CL.MEDDRA"]
        ext = x("//odm:CodeList[@OID='CL.MEDDRA']/odm:ExternalCodeList")[0]
        assert (ext.get("Dictionary"), ext.get("Version")) == ("MEDDRA", "24.0")


@pytest.mark.parametrize("standard,name,version", [
    ("CDISC", "SDTMIG", "3.4"), ("CDISC SDTM", "SDTMIG", "3.4"), ("CDISC SDTM 3.3", "SDTMIG", "3.3"),
    ("SDTM-IG 3.2", "SDTMIG", "3.2"), ("SDTMIG-MD 1.1", "SDTMIG-MD", "1.1")])
def test_a_study_sheet_standard_in_free_text_gives_a_schema_valid_name(tmp_path, standard, name, version):
    spec = read_spec(ROOT / "specs" / "sdtm_spec.xlsx")
    spec.study = {k: v for k, v in spec.study.items() if k not in ("StandardName", "StandardVersion")}
    spec.study["Standard"] = standard
    path = write_define(spec, tmp_path, created=CREATED)
    assert validate_define(path) == []
    std = etree.parse(str(path)).xpath("//def:Standard[@Type='IG']", namespaces=NS)[0]
    assert (std.get("Name"), std.get("Version")) == (name, version)


def test_a_document_that_fails_the_schema_is_an_error_and_writes_nothing(tmp_path, monkeypatch):
    import derivations.define as define

    good = define.define_xml
    monkeypatch.setattr(define, "define_xml",
                        lambda *a, **k: good(*a, **k).replace(b'Repeating="No"', b'Repeating="Sometimes"', 1))
    with pytest.raises(DefineError, match="(?s)fails the Define-XML 2.1 schema.*Repeating"):
        write_define(read_spec(ROOT / "specs" / "sdtm_spec.xlsx"), tmp_path, created=CREATED)
    assert list(tmp_path.iterdir()) == []


def test_supp_and_split_datasets_name_their_parent_domain(sdtm_run):
    from derivations.define import parent_domain
    from derivations.spec import DatasetSpec, VariableSpec

    doc = etree.parse(str(sdtm_run[1]))
    domains = dict(zip(doc.xpath("//odm:ItemGroupDef/@Name", namespaces=NS),
                       doc.xpath("//odm:ItemGroupDef/@Domain", namespaces=NS)))
    assert (domains["SUPPAE"], domains["SUPPDM"], domains["SUPPCM"], domains["AE"]) == ("AE", "DM", "CM", "AE")
    lbch = DatasetSpec("LBCH", variables=[VariableSpec("LBCH", "DOMAIN", assigned_value="LB")])
    assert (parent_domain(lbch), parent_domain(DatasetSpec("QSSF", domain="qs"))) == ("LB", "QS")


def test_define_html_is_rendered_beside_every_define_xml(sdtm_run, adam_define):
    from derivations.define import define_html

    for p in (sdtm_run[1], adam_define):
        html = (p.parent / "define.html").read_bytes()
        assert html == define_html(p.read_bytes())
        assert b"<table" in html and b"<?xml-stylesheet" not in html
    assert b"<caption>ADSL (Subject-Level Analysis Dataset)</caption>" in (adam_define.parent / "define.html").read_bytes()


def test_method_texts_state_the_settings_in_force(adam_define, tmp_path):
    from derivations.spec import Method

    doc = etree.parse(str(adam_define))
    texts = " ".join(doc.xpath("//odm:MethodDef/odm:Description/odm:TranslatedText/text()", namespaces=NS))
    assert "[adam]" not in texts and "{" not in texts
    spec = read_spec(ROOT / "specs" / "adam_spec.xlsx")
    spec.methods["MT.AGEGR1"] = Method("MT.AGEGR1", "Age group", "Computation", "AGE < {adam.agegr_cut}")
    with pytest.raises(DefineError, match=r"method MT.AGEGR1: \{adam.agegr_cut\} is not a setting of study.toml"):
        write_define(spec, tmp_path, created=CREATED, settings={"adam": {"agegr1_cut": 65}})


def test_derive_define_on_a_p21_workbook_gives_a_valid_define_without_adapter_code(tmp_path, capsys):
    from p21_workbook import study_folder

    study, out = study_folder(tmp_path)
    assert main(["define", "--study", str(study), "--out", str(out)]) == 0, capsys.readouterr().err
    path = out / "sdtm" / "define.xml"
    assert validate_define(path) == [] and check_references(path) == []
    doc = etree.parse(str(path))
    x = lambda q: doc.xpath(q, namespaces=NS)  # noqa: E731
    assert x("//def:Standard[@Type='IG']/@Name") == ["SDTMIG"]
    assert x("//odm:ItemGroupDef[@Name='LBCH']/@Domain") == ["LB"]
    assert x("//odm:ItemGroupDef[@Name='SUPPAE']/@Domain") == ["AE"]
    assert x("//odm:ItemGroupDef[@Name='CM']/odm:Description/odm:TranslatedText/text()") == [
        "Concomitant/Concurrent Medications"]
    # the WhereClauses sheet: its IDs, two rows of one ID as two RangeChecks (AND)
    fasting = x("//def:WhereClauseDef[@OID='WC.LBCH.LBTESTCD.GLUC.FASTING']/odm:RangeCheck")
    assert [(r.get(f"{{{NS['def']}}}ItemOID"), r.get("Comparator"), r[0].text) for r in fasting] == [
        ("IT.LBCH.LBTESTCD", "EQ", "GLUC"), ("IT.LBCH.LBFAST", "EQ", "Y")]
    assert x("//odm:ItemDef[@OID='IT.LBCH.LBORRES.GLUC_Y']/odm:Description/odm:TranslatedText/text()") == [
        "Glucose, fasting"]
    # dictionaries from the Codelist column; Has No Data; the one sponsor extension of an extensible codelist
    assert sorted((c.get("Dictionary"), c.get("Version")) for c in x("//odm:ExternalCodeList")) == [
        ("MEDDRA", "26.0"), ("WHODRUG", "GLOBAL B3 2023-03")]
    assert x("//odm:ItemRef[@ItemOID='IT.AE.AELLT']/@def:HasNoData") == ["Yes"]
    assert x("//odm:*[@def:ExtendedValue='Yes']/@CodedValue") == ["PEG TUBE"]
    assert (path.parent / "define.html").is_file()
