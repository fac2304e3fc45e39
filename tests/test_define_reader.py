"""derive spec from-define: a P21 workbook from an existing define.xml (2.1 and 2.0)."""

import datetime
from pathlib import Path

import pytest
from lxml import etree

from derivations.cli import main
from derivations.define import define_xml, validate_define, write_define
from derivations.define_reader import spec_from_define
from derivations.findings import SpecError
from derivations.spec import read_spec

ROOT = Path(__file__).resolve().parents[1]
CREATED = datetime.datetime(2022, 7, 4)
D21, D20 = b"http://www.cdisc.org/ns/def/v2.1", b"http://www.cdisc.org/ns/def/v2.0"


@pytest.fixture(scope="module")
def defines(embedded_sdtm_adam):
    """Our SDTM and ADaM define.xml as a run writes them (lengths fitted to the data; the session's run)."""
    out = embedded_sdtm_adam.out_dir
    return {stage: (out / stage / "define.xml").read_bytes() for stage in ("sdtm", "adam")}


def to_define_20(xml: bytes) -> bytes:
    """The same metadata written as Define-XML 2.0 (what a legacy study's define looks like)."""
    root = etree.fromstring(xml.replace(D21, D20))
    d = "{%s}" % D20.decode()
    odm = "{http://www.cdisc.org/ns/odm/v1.3}"
    root.attrib.pop(d + "Context", None)
    mdv = root.find(f".//{odm}MetaDataVersion")
    mdv.set(d + "DefineVersion", "2.0.0")
    stds = mdv.find(d + "Standards")
    ig = stds.find(d + "Standard[@Type='IG']")
    mdv.set(d + "StandardName", ig.get("Name").replace("SDTMIG", "SDTM-IG").replace("ADaMIG", "ADaM-IG"))
    mdv.set(d + "StandardVersion", ig.get("Version"))
    mdv.remove(stds)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("StandardOID", "IsNonStandard", "HasNoData"):
            el.attrib.pop(d + attr, None)
        if el.tag == odm + "ItemGroupDef":
            cls = el.find(d + "Class")
            if cls is not None:
                el.set(d + "Class", cls.get("Name"))
                el.remove(cls)
        if el.tag == d + "Origin" and el.get("Type") == "Collected":
            el.set("Type", "eDT" if el.get("Source") == "Vendor" else "CRF")
            el.attrib.pop("Source")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("stage", ["sdtm", "adam"])
def test_define_to_spec_to_define_gives_the_same_bytes(defines, stage, tmp_path):
    spec = spec_from_define(defines[stage])
    again = define_xml(spec, created=CREATED, ct_version=spec.study["CTVersion"])
    assert again == defines[stage]
    # and through the workbook the command writes
    path = tmp_path / "spec.xlsx"
    assert main(["spec", "from-define", str(tmp_path / "define.xml"), "-o", str(path)]) == 2  # no such file
    (tmp_path / "define.xml").write_bytes(defines[stage])
    assert main(["spec", "from-define", str(tmp_path / "define.xml"), "-o", str(path)]) == 0
    assert define_xml(read_spec(path), created=CREATED, ct_version=spec.study["CTVersion"]) == defines[stage]


def test_a_define_20_gives_the_same_spec_but_what_20_cannot_say(defines, tmp_path):
    v21 = spec_from_define(defines["adam"])
    v20 = spec_from_define(to_define_20(defines["adam"]))
    assert v20.study["StandardName"] == "ADaM-IG" and v20.study["StandardVersion"] == "1.3"
    assert list(v20.datasets) == list(v21.datasets) == ["ADSL", "ADRS", "ADTTE", "ADAE", "ADLB", "ADVS", "ADTR"]
    for name, ds in v21.datasets.items():
        other = v20.datasets[name]
        assert other.variables == ds.variables, name
        assert other.value_level == ds.value_level, name
        assert (other.label, other.cls, other.keys, other.structure) == (ds.label, ds.cls, ds.keys, ds.structure)
        assert other.subclass == ""  # 2.0 has no def:SubClass
    assert v20.where_clauses == v21.where_clauses and len(v20.where_clauses) == 31
    assert v20.codelists["DATEFL"] == v21.codelists["DATEFL"]
    assert v20.methods == v21.methods and v20.comments == v21.comments
    # the SDTM define 2.0: CRF origins, pages, dictionaries
    s20 = spec_from_define(to_define_20(defines["sdtm"]))
    assert s20.dataset("DM").variable("SUBJID").origin == "CRF"
    assert s20.dictionaries["MEDDRA"].version == "24.0"
    assert s20.study["StandardName"] == "SDTM-IG"
    # written back as 2.1 it is schema-valid (the free-text name becomes SDTMIG)
    path = write_define(s20, tmp_path, created=CREATED)
    assert validate_define(path) == []


def test_a_file_that_is_not_a_define_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "odm.xml"
    bad.write_text('<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"/>')
    with pytest.raises(SpecError, match="not a Define-XML 2.0 or 2.1 document"):
        spec_from_define(bad)
    assert main(["spec", "from-define", str(bad), "-o", str(tmp_path / "s.xlsx")]) == 2
    assert "not a Define-XML" in capsys.readouterr().err
    assert not (tmp_path / "s.xlsx").exists()


def p21_define(version: str) -> bytes:
    """A hand-made define in the form Pinnacle 21 Community writes: value-level ItemDefs named like their
    OID (``QVAL.SUPPAE.QNAM.EQ.<hash>``, SASFieldName QVAL), an ItemOID shared by two datasets
    (``IT.STUDYID``), where clauses and codelists under dotted OIDs."""
    ns = {"2.0": "http://www.cdisc.org/ns/def/v2.0", "2.1": "http://www.cdisc.org/ns/def/v2.1"}[version]
    vl = [("AETRTEM", "2d46e5f5fb50ffc8fac334954e1f656dd2d704b7", "text", 1, "Treatment Emergent Flag",
           '<CodeListRef CodeListOID="CL.NY"/>'),
          ("AESOSP", "9c1e0a3b77d2f4e8a6b5c4d3e2f1a0b9c8d7e6f5", "text", 200, "Other Medically Important SAE", "")]
    refs = "".join(
        f'<ItemRef ItemOID="IT.SUPPAE.QVAL.SUPPAE.QNAM.EQ.{h}" OrderNumber="{i}" Mandatory="No">'
        f'<def:WhereClauseRef WhereClauseOID="WC.SUPPAE.QNAM.{q}"/></ItemRef>' for i, (q, h, *_) in enumerate(vl, 1))
    wcs = "".join(f'<def:WhereClauseDef OID="WC.SUPPAE.QNAM.{q}"><RangeCheck SoftHard="Soft" '
                  f'def:ItemOID="IT.SUPPAE.QNAM" Comparator="EQ"><CheckValue>{q}</CheckValue></RangeCheck>'
                  f'</def:WhereClauseDef>' for q, *_ in vl)
    items = "".join(f'<ItemDef OID="IT.SUPPAE.QVAL.SUPPAE.QNAM.EQ.{h}" Name="QVAL.SUPPAE.QNAM.EQ.{h}" '
                    f'DataType="{t}" Length="{n}" SASFieldName="QVAL"><Description><TranslatedText xml:lang="en">'
                    f'{label}</TranslatedText></Description>{cl}<def:Origin Type="Derived"/></ItemDef>'
                    for q, h, t, n, label, cl in vl)

    def item(oid, name, length, label, extra=""):
        return (f'<ItemDef OID="{oid}" Name="{name}" DataType="text" Length="{length}" SASFieldName="{name}">'
                f'<Description><TranslatedText xml:lang="en">{label}</TranslatedText></Description>{extra}'
                f'<def:Origin Type="Assigned"/></ItemDef>')

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="{ns}" ODMVersion="1.3.2" FileType="Snapshot"
     FileOID="S" SourceSystem="Pinnacle 21 Community"><Study OID="S"><GlobalVariables><StudyName>S</StudyName>
<StudyDescription>S</StudyDescription><ProtocolName>S</ProtocolName></GlobalVariables>
<MetaDataVersion OID="MDV.S" Name="S" def:DefineVersion="{version}.0">
<def:ValueListDef OID="VL.SUPPAE.QVAL">{refs}</def:ValueListDef>{wcs}
<ItemGroupDef OID="IG.DM" Name="DM" Repeating="No" IsReferenceData="No" Purpose="Tabulation">
<ItemRef ItemOID="IT.STUDYID" OrderNumber="1" Mandatory="Yes" KeySequence="1"/></ItemGroupDef>
<ItemGroupDef OID="IG.SUPPAE" Name="SUPPAE" Repeating="Yes" IsReferenceData="No" Purpose="Tabulation">
<ItemRef ItemOID="IT.STUDYID" OrderNumber="1" Mandatory="Yes" KeySequence="1"/>
<ItemRef ItemOID="IT.SUPPAE.QNAM" OrderNumber="2" Mandatory="Yes" KeySequence="2"/>
<ItemRef ItemOID="IT.SUPPAE.QVAL" OrderNumber="3" Mandatory="Yes"/></ItemGroupDef>
{item("IT.STUDYID", "STUDYID", 12, "Study Identifier")}
{item("IT.SUPPAE.QNAM", "QNAM", 8, "Qualifier Variable Name", '<CodeListRef CodeListOID="CL.SUPPAE.QNAM"/>')}
{item("IT.SUPPAE.QVAL", "QVAL", 200, "Data Value", '<def:ValueListRef ValueListOID="VL.SUPPAE.QVAL"/>')}
{items}
<CodeList OID="CL.SUPPAE.QNAM" Name="SUPPAE.QNAM" DataType="text"><EnumeratedItem CodedValue="AETRTEM"/>
<EnumeratedItem CodedValue="AESOSP"/></CodeList>
<CodeList OID="CL.NY" Name="No Yes Response" DataType="text"><EnumeratedItem CodedValue="Y"/></CodeList>
</MetaDataVersion></Study></ODM>""".encode()


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_a_pinnacle21_define_names_value_level_rows_by_their_variable(version, tmp_path):
    spec = spec_from_define(p21_define(version))
    assert [v.name for v in spec.dataset("SUPPAE").variables] == ["STUDYID", "QNAM", "QVAL"]
    assert [(v.variable, v.where_clause, v.label, v.length, v.codelist, v.order)
            for v in spec.dataset("SUPPAE").value_level] == [
        ("QVAL", "WC.SUPPAE.QNAM.AETRTEM", "Treatment Emergent Flag", 1, "NY", 1),
        ("QVAL", "WC.SUPPAE.QNAM.AESOSP", "Other Medically Important SAE", 200, "", 2)]
    assert [(c.dataset, c.variable, c.comparator, c.values) for w in spec.where_clauses.values()
            for c in w.conditions] == [("SUPPAE", "QNAM", "EQ", ("AETRTEM",)), ("SUPPAE", "QNAM", "EQ", ("AESOSP",))]
    assert sorted(spec.codelists) == ["NY", "SUPPAE.QNAM"]
    # through the workbook and back into a define: a valid 2.1 whose value-level ItemDefs are named QVAL
    path = tmp_path / "spec.xlsx"
    (tmp_path / "define.xml").write_bytes(p21_define(version))
    assert main(["spec", "from-define", str(tmp_path / "define.xml"), "-o", str(path)]) == 0
    out = write_define(read_spec(path), tmp_path / "out", created=CREATED)
    assert validate_define(out) == []
    root = etree.parse(str(out)).getroot()
    names = {el.get("OID"): el.get("Name") for el in root.iter("{http://www.cdisc.org/ns/odm/v1.3}ItemDef")}
    assert names["IT.SUPPAE.QVAL.AETRTEM"] == names["IT.SUPPAE.QVAL.AESOSP"] == "QVAL"
