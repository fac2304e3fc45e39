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
