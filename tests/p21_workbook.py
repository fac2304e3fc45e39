"""A Pinnacle 21 define-spec workbook as a team brings it, built by code for the tests.

Everything our own workbooks never have: a ``Define`` study sheet whose Standard
is free text ("CDISC SDTM"), the dataset label in a ``Description`` column, a
split dataset (LBCH, ``Domain`` LB), a ``WhereClauses`` sheet (several rows of one
ID meaning AND) that the ValueLevel rows refer to by ID, a ValueLevel
``Description`` column, the Variables ``Has No Data`` column, MedDRA and WHODrug
on a ``Dictionaries`` sheet referred to from the Codelist column, codelists
without an ``Extensible`` column, ``Developer Notes`` columns, and legend rows.
``study_folder`` adds study.toml and small XPT files so that ``derive define``
runs on it as it is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd

LEGEND = "Legend: Mandatory = Yes when the variable must be present and populated"

SHEETS = {
    "Define": [
        ("Attribute", "Value"),
        ("StudyName", "PILOT01"), ("StudyDescription", "A pilot study in P21 layout"),
        ("ProtocolName", "PILOT01"), ("Standard", "CDISC SDTM"), ("Language", "en"),
    ],
    "Datasets": [
        ("Dataset", "Description", "Class", "Structure", "Purpose", "Key Variables", "Repeating", "Reference Data",
         "Comment", "Developer Notes", "Domain"),
        ("DM", "Demographics", "SPECIAL PURPOSE", "One record per subject", "Tabulation", "STUDYID, USUBJID", "No",
         "No", None, "from the EDC", None),
        ("AE", "Adverse Events", "EVENTS", "One record per adverse event per subject", "Tabulation",
         "STUDYID, USUBJID, AESEQ", "Yes", "No", None, None, None),
        ("CM", "Concomitant/Concurrent Medications", "INTERVENTIONS", "One record per medication per subject",
         "Tabulation", "STUDYID, USUBJID, CMSEQ", "Yes", "No", None, None, None),
        ("LBCH", "Laboratory Test Results - Chemistry", "FINDINGS", "One record per test per visit per subject",
         "Tabulation", "STUDYID, USUBJID, LBTESTCD, LBSEQ", "Yes", "No", None, "split by LBCAT", "LB"),
        ("SUPPAE", "Supplemental Qualifiers for AE", "RELATIONSHIP",
         "One record per supplemental qualifier per related parent domain record", "Tabulation",
         "STUDYID, RDOMAIN, USUBJID, IDVAR, IDVARVAL, QNAM", "Yes", "No", None, None, None),
        (),
        (LEGEND,),
    ],
    "Variables": [
        ("Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Significant Digits", "Format", "Mandatory",
         "Assigned Value", "Codelist", "Common", "Origin", "Source", "Pages", "Method", "Predecessor", "Role",
         "Has No Data", "Comment", "Developer Notes"),
        (1, "DM", "STUDYID", "Study Identifier", "text", 7, None, None, "Yes", None, None, "Yes", "Protocol", None,
         None, None, None, "Identifier", "No", None, None),
        (2, "DM", "DOMAIN", "Domain Abbreviation", "text", 2, None, None, "Yes", "DM", None, "Yes", "Assigned", None,
         None, None, None, "Identifier", "No", None, None),
        (3, "DM", "USUBJID", "Unique Subject Identifier", "text", 11, None, None, "Yes", None, None, "Yes", "Derived",
         None, None, "MT.USUBJID", None, "Identifier", "No", None, None),
        (4, "DM", "SEX", "Sex", "text", 1, None, None, "Yes", None, "SEX", None, "CRF", None, 3, None, None,
         "Record Qualifier", "No", None, None),
        (5, "DM", "RACE", "Race", "text", 40, None, None, "No", None, "RACE", None, "CRF", None, 3, None, None,
         "Record Qualifier", "No", None, None),
        (1, "AE", "STUDYID", "Study Identifier", "text", 7, None, None, "Yes", None, None, "Yes", "Protocol", None,
         None, None, None, "Identifier", "No", None, None),
        (2, "AE", "DOMAIN", "Domain Abbreviation", "text", 2, None, None, "Yes", "AE", None, "Yes", "Assigned", None,
         None, None, None, "Identifier", "No", None, None),
        (3, "AE", "USUBJID", "Unique Subject Identifier", "text", 11, None, None, "Yes", None, None, "Yes", "Derived",
         None, None, "MT.USUBJID", None, "Identifier", "No", None, None),
        (4, "AE", "AESEQ", "Sequence Number", "integer", 8, None, None, "Yes", None, None, None, "Derived", None, None,
         "MT.SEQ", None, "Identifier", "No", None, None),
        (5, "AE", "AETERM", "Reported Term for the Adverse Event", "text", 200, None, None, "Yes", None, None, None,
         "CRF", None, 12, None, None, "Topic", "No", None, None),
        (6, "AE", "AEDECOD", "Dictionary-Derived Term", "text", 100, None, None, "Yes", None, "MEDDRA", None,
         "Assigned", "Sponsor", None, None, None, "Synonym Qualifier", "No", None, None),
        (7, "AE", "AELLT", "Lowest Level Term", "text", 100, None, None, "No", None, "MEDDRA", None, "Assigned",
         "Sponsor", None, None, None, "Variable Qualifier", "Yes", None, "not coded to LLT in this study"),
        (1, "CM", "STUDYID", "Study Identifier", "text", 7, None, None, "Yes", None, None, "Yes", "Protocol", None,
         None, None, None, "Identifier", "No", None, None),
        (2, "CM", "DOMAIN", "Domain Abbreviation", "text", 2, None, None, "Yes", "CM", None, "Yes", "Assigned", None,
         None, None, None, "Identifier", "No", None, None),
        (3, "CM", "USUBJID", "Unique Subject Identifier", "text", 11, None, None, "Yes", None, None, "Yes", "Derived",
         None, None, "MT.USUBJID", None, "Identifier", "No", None, None),
        (4, "CM", "CMSEQ", "Sequence Number", "integer", 8, None, None, "Yes", None, None, None, "Derived", None, None,
         "MT.SEQ", None, "Identifier", "No", None, None),
        (5, "CM", "CMTRT", "Reported Name of Drug, Med, or Therapy", "text", 100, None, None, "Yes", None, None, None,
         "CRF", None, 14, None, None, "Topic", "No", None, None),
        (6, "CM", "CMDECOD", "Standardized Medication Name", "text", 100, None, None, "No", None, "WHODRUG", None,
         "Assigned", "Sponsor", None, None, None, "Synonym Qualifier", "No", None, None),
        (7, "CM", "CMROUTE", "Route of Administration", "text", 20, None, None, "No", None, "ROUTE", None, "CRF",
         None, 14, None, None, "Variable Qualifier", "No", None, None),
        (1, "LBCH", "STUDYID", "Study Identifier", "text", 7, None, None, "Yes", None, None, "Yes", "Protocol", None,
         None, None, None, "Identifier", "No", None, None),
        (2, "LBCH", "DOMAIN", "Domain Abbreviation", "text", 2, None, None, "Yes", "LB", None, "Yes", "Assigned",
         None, None, None, None, "Identifier", "No", None, None),
        (3, "LBCH", "USUBJID", "Unique Subject Identifier", "text", 11, None, None, "Yes", None, None, "Yes",
         "Derived", None, None, "MT.USUBJID", None, "Identifier", "No", None, None),
        (4, "LBCH", "LBSEQ", "Sequence Number", "integer", 8, None, None, "Yes", None, None, None, "Derived", None,
         None, "MT.SEQ", None, "Identifier", "No", None, None),
        (5, "LBCH", "LBTESTCD", "Lab Test or Examination Short Name", "text", 8, None, None, "Yes", None, "LBTESTCD",
         None, "Assigned", None, None, None, None, "Topic", "No", None, None),
        (6, "LBCH", "LBFAST", "Fasting Status", "text", 1, None, None, "No", None, "NY", None, "CRF", None, 20, None,
         None, "Record Qualifier", "No", None, None),
        (7, "LBCH", "LBORRES", "Result or Finding in Original Units", "text", 200, None, None, "No", None, None,
         None, "eDT", None, None, None, None, "Result Qualifier", "No", None, None),
        (1, "SUPPAE", "STUDYID", "Study Identifier", "text", 7, None, None, "Yes", None, None, None, "Protocol", None,
         None, None, None, "Identifier", "No", None, None),
        (2, "SUPPAE", "RDOMAIN", "Related Domain Abbreviation", "text", 2, None, None, "Yes", "AE", None, None,
         "Assigned", None, None, None, None, "Identifier", "No", None, None),
        (3, "SUPPAE", "USUBJID", "Unique Subject Identifier", "text", 11, None, None, "Yes", None, None, None,
         "Derived", None, None, "MT.USUBJID", None, "Identifier", "No", None, None),
        (4, "SUPPAE", "IDVAR", "Identifying Variable", "text", 8, None, None, "No", "AESEQ", None, None, "Assigned",
         None, None, None, None, "Identifier", "No", None, None),
        (5, "SUPPAE", "IDVARVAL", "Identifying Variable Value", "text", 200, None, None, "No", None, None, None,
         "Derived", None, None, None, None, "Identifier", "No", None, None),
        (6, "SUPPAE", "QNAM", "Qualifier Variable Name", "text", 8, None, None, "Yes", None, None, None, "Assigned",
         None, None, None, None, "Topic", "No", None, None),
        (7, "SUPPAE", "QLABEL", "Qualifier Variable Label", "text", 40, None, None, "Yes", None, None, None,
         "Assigned", None, None, None, None, "Synonym Qualifier", "No", None, None),
        (8, "SUPPAE", "QVAL", "Data Value", "text", 200, None, None, "Yes", None, None, None, "CRF", None, None, None,
         None, "Result Qualifier", "No", None, None),
        (),
        (LEGEND,),
        ("* Has No Data = Yes: the variable is submitted empty",),
    ],
    "ValueLevel": [
        ("Order", "Dataset", "Variable", "Where Clause", "Description", "Data Type", "Length", "Significant Digits",
         "Format", "Mandatory", "Assigned Value", "Codelist", "Origin", "Source", "Pages", "Method", "Predecessor",
         "Comment", "Developer Notes"),
        (1, "LBCH", "LBORRES", "WC.LBCH.LBTESTCD.ALB", "Albumin", "float", 8, 1, None, "No", None, None, "eDT",
         None, None, None, None, None, None),
        (2, "LBCH", "LBORRES", "WC.LBCH.LBTESTCD.GLUC.FASTING", "Glucose, fasting", "float", 8, 1, None, "No",
         None, None, "eDT", None, None, None, None, None, None),
        (1, "SUPPAE", "QVAL", "WC.SUPPAE.QNAM.AETRTEM", "Treatment Emergent Flag", "text", 1, None, None, "No",
         None, "NY", "Derived", None, None, "MT.AETRTEM", None, None, None),
    ],
    "WhereClauses": [
        ("ID", "Dataset", "Variable", "Comparator", "Value", "Comment"),
        ("WC.LBCH.LBTESTCD.ALB", "LBCH", "LBTESTCD", "EQ", "ALB", None),
        ("WC.LBCH.LBTESTCD.GLUC.FASTING", "LBCH", "LBTESTCD", "EQ", "GLUC", "fasting glucose only"),
        ("WC.LBCH.LBTESTCD.GLUC.FASTING", "LBCH", "LBFAST", "EQ", "Y", None),
        ("WC.SUPPAE.QNAM.AETRTEM", "SUPPAE", "QNAM", "EQ", "AETRTEM", None),
    ],
    "Codelists": [
        ("ID", "Name", "NCI Codelist Code", "Data Type", "Terminology", "Comment", "Order", "Term", "NCI Term Code",
         "Decoded Value"),
        ("SEX", "Sex", "C66731", "text", "CDISC/NCI", None, 1, "F", "C16576", "Female"),
        ("SEX", "Sex", "C66731", "text", "CDISC/NCI", None, 2, "M", "C20197", "Male"),
        ("RACE", "Race", "C74457", "text", "CDISC/NCI", None, 1, "ASIAN", "C41260", None),
        ("RACE", "Race", "C74457", "text", "CDISC/NCI", None, 2, "WHITE", "C41261", None),
        ("NY", "No Yes Response", "C66742", "text", "CDISC/NCI", None, 1, "N", "C49487", "No"),
        ("NY", "No Yes Response", "C66742", "text", "CDISC/NCI", None, 2, "Y", "C49488", "Yes"),
        ("ROUTE", "Route of Administration", "C66729", "text", "CDISC/NCI", None, 1, "ORAL", "C38288", None),
        ("ROUTE", "Route of Administration", "C66729", "text", "CDISC/NCI", None, 2, "PEG TUBE", None, None),
        ("LBTESTCD", "Laboratory Test Code", None, "text", "Sponsor", None, 1, "ALB", None, "Albumin"),
        ("LBTESTCD", "Laboratory Test Code", None, "text", "Sponsor", None, 2, "GLUC", None, "Glucose"),
    ],
    "Dictionaries": [
        ("ID", "Name", "Data Type", "Dictionary", "Version"),
        ("MEDDRA", "MedDRA", "text", "MEDDRA", "26.0"),
        ("WHODRUG", "WHODrug", "text", "WHODRUG", "GLOBAL B3 2023-03"),
    ],
    "Methods": [
        ("ID", "Name", "Type", "Description", "Expression Context", "Expression Code", "Document", "Pages"),
        ("MT.USUBJID", "USUBJID", "Computation", "STUDYID || '-' || SUBJID", None, None, None, None),
        ("MT.SEQ", "Sequence", "Computation", "1, 2, ... within USUBJID", None, None, None, None),
        ("MT.AETRTEM", "Treatment emergent", "Computation", "Y when the AE starts on or after the first dose",
         None, None, None, None),
    ],
    "Comments": [("ID", "Description", "Document", "Pages")],
    "Documents": [("ID", "Title", "Href"), ("ACRF", "Annotated CRF", "acrf.pdf")],
}


def write_p21_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in SHEETS.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


FRAMES = {
    "DM": pd.DataFrame({"STUDYID": ["PILOT01"] * 2, "DOMAIN": ["DM"] * 2, "USUBJID": ["PILOT01-001", "PILOT01-002"],
                        "SEX": ["F", "M"], "RACE": ["ASIAN", "WHITE"]}),
    "AE": pd.DataFrame({"STUDYID": ["PILOT01"], "DOMAIN": ["AE"], "USUBJID": ["PILOT01-001"], "AESEQ": [1.0],
                        "AETERM": ["HEADACHE"], "AEDECOD": ["Headache"], "AELLT": [""]}),
    "CM": pd.DataFrame({"STUDYID": ["PILOT01"], "DOMAIN": ["CM"], "USUBJID": ["PILOT01-002"], "CMSEQ": [1.0],
                        "CMTRT": ["ASPIRIN"], "CMDECOD": ["ACETYLSALICYLIC ACID"], "CMROUTE": ["PEG TUBE"]}),
    "LBCH": pd.DataFrame({"STUDYID": ["PILOT01"] * 2, "DOMAIN": ["LB"] * 2, "USUBJID": ["PILOT01-001"] * 2,
                          "LBSEQ": [1.0, 2.0], "LBTESTCD": ["ALB", "GLUC"], "LBFAST": ["", "Y"],
                          "LBORRES": ["4.1", "5.4"]}),
    "SUPPAE": pd.DataFrame({"STUDYID": ["PILOT01"], "RDOMAIN": ["AE"], "USUBJID": ["PILOT01-001"],
                            "IDVAR": ["AESEQ"], "IDVARVAL": ["1"], "QNAM": ["AETRTEM"],
                            "QLABEL": ["Treatment Emergent Flag"], "QVAL": ["Y"]}),
}


def study_folder(root: Path) -> tuple[Path, Path]:
    """(study folder, output folder): the P21 workbook as the SDTM spec, study.toml, XPT files in out/sdtm."""
    from derivations.spec import read_spec
    from derivations.xpt import variables_from_spec, write_xpt

    study = root / "study"
    (study / "specs").mkdir(parents=True)
    spec_path = write_p21_workbook(study / "specs" / "sdtm_p21.xlsx")
    (study / "study.toml").write_text('[study]\nstudyid = "PILOT01"\ncreated = "2024-01-02T00:00:00"\n'
                                      'ct_version = "2024-09-27"\n'
                                      '[sdtm]\nspec = "specs/sdtm_p21.xlsx"\nprograms = []\n')
    out = root / "out"
    (out / "sdtm").mkdir(parents=True)
    spec = read_spec(spec_path)
    for name, frame in FRAMES.items():
        ds = spec.dataset(name)
        write_xpt(frame, out / "sdtm" / f"{name.lower()}.xpt", label=ds.label, variables=variables_from_spec(ds),
                  created=dt.datetime(2024, 1, 2))
    return study, out
