"""A three-stage toy study for the bad-input suite: raw dm/ex/tr -> SDTM DM, EX, TR -> ADaM ADSL -> a TLF table.

Four subjects, three raw pages, one program per dataset; runs in well under a second.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from derivations.spec import Codelist, DatasetSpec, Spec, Term, VariableSpec, write_spec

DM_CSV = """\
SUBJID,RFSTDAT,RFENDAT,DTHDAT,AGE,SEX,SITE
001,2021-03-01,2021-09-01,,61,male,Beijing
002,2021-04-15,2021-10-20,2022-01-10,57,F,Shanghai
003,2021-05-20,2021-08-30,,70,F,Beijing
004,2021-06-02,2022-01-15,2022-03-01,49,M,Wuhan
"""
EX_CSV = """\
SUBJID,EXTRT,EXDOSE,EXSTDAT,EXENDAT
001,ANLOTINIB,12,2021-03-01,2021-03-14
001,ANLOTINIB,12,2021-03-22,2021-04-04
002,ANLOTINIB,10,2021-04-15,2021-04-28
003,ANLOTINIB,12,2021-05-20,2021-06-02
004,ANLOTINIB,8,2021-06-02,2021-06-15
"""
TR_CSV = """\
SUBJID,VISIT,TRDAT,LESID,DIAM
001,Baseline,2021-02-20,T01,28
001,Week 6,2021-04-10,T01,20
002,Baseline,2021-04-01,T01,35
002,Week 6,2021-05-27,T01,41
003,Baseline,2021-05-10,T01,50
004,Baseline,2021-05-25,T01,22
"""

STUDY_TOML = '''\
[study]
studyid = "TOY"
title = "Toy study"
created = "2022-07-04T00:00:00"
cutoff_date = "2022-06-30"

[sdtm]
spec = "specs/sdtm_spec.xlsx"
programs = ["dm", "ex", "tr"]

[adam]
spec = "specs/adam_spec.xlsx"
programs = ["adsl"]
agegr1_cut = 65

[tlf]
programs = ["t_sex"]
days_per_month = 30

[tlf.populations]
safety = "SAFFL == 'Y'"

[tlf.treatment]
label = "Toy drug"
short_label = "Toy"
'''

DM = '''
import pandas as pd
from derivations.sdtm import compute_numeric, derive_var_ct

READS = ()
WRITES = ("DM",)
RAW = ("dm",)

def derive(ctx):
    raw = ctx.raw("dm", columns=["SUBJID", "RFSTDAT", "RFENDAT", "DTHDAT", "AGE", "SEX"])
    usubjid = "TOY-" + raw["SUBJID"]
    dm = pd.DataFrame({
        "STUDYID": "TOY", "DOMAIN": "DM", "USUBJID": usubjid, "SUBJID": raw["SUBJID"],
        "RFSTDTC": raw["RFSTDAT"], "RFENDTC": raw["RFENDAT"], "DTHDTC": raw["DTHDAT"],
        "DTHFL": (raw["DTHDAT"] != "").map({True: "Y", False: ""}),
        "AGE": compute_numeric(raw["AGE"], source="dm.csv", dataset="DM", variable="AGE", usubjid=usubjid),
        "_SEX": raw["SEX"],
    })
    dm = derive_var_ct(dm, source="_SEX", new_var="SEX", codelist=ctx.spec("sdtm").codelists["SEX"],
                       synonyms={"MALE": "M", "FEMALE": "F"}, dataset_name="DM", findings=ctx.findings)
    return {"DM": dm.drop(columns="_SEX")}
'''

EX = '''
import pandas as pd
from derivations.sdtm import compute_numeric

READS = ()
WRITES = ("EX",)
RAW = ("ex",)

def derive(ctx):
    raw = ctx.raw("ex", columns=["SUBJID", "EXTRT", "EXDOSE", "EXSTDAT", "EXENDAT"])
    usubjid = "TOY-" + raw["SUBJID"]
    ex = pd.DataFrame({
        "STUDYID": "TOY", "DOMAIN": "EX", "USUBJID": usubjid,
        "EXSEQ": raw.groupby("SUBJID").cumcount() + 1,
        "EXTRT": raw["EXTRT"],
        "EXDOSE": compute_numeric(raw["EXDOSE"], source="ex.csv", dataset="EX", variable="EXDOSE",
                                  usubjid=usubjid),
        "EXDOSU": "mg", "EXSTDTC": raw["EXSTDAT"], "EXENDTC": raw["EXENDAT"],
    })
    return {"EX": ex}
'''

TR = '''
import pandas as pd
from derivations.sdtm import compute_numeric

READS = ()
WRITES = ("TR",)
RAW = ("tr",)

def derive(ctx):
    raw = ctx.raw("tr", columns=["SUBJID", "VISIT", "TRDAT", "LESID", "DIAM"])
    usubjid = "TOY-" + raw["SUBJID"]
    tr = pd.DataFrame({
        "STUDYID": "TOY", "DOMAIN": "TR", "USUBJID": usubjid,
        "TRSEQ": raw.groupby("SUBJID").cumcount() + 1,
        "TRLNKID": raw["LESID"], "TRTESTCD": "DIAMETER", "TRTEST": "Diameter",
        "TRSTRESN": compute_numeric(raw["DIAM"], source="tr.csv", dataset="TR", variable="TRSTRESN",
                                    usubjid=usubjid),
        "TRSTRESU": "mm", "VISIT": raw["VISIT"].str.upper(), "TRDTC": raw["TRDAT"],
    })
    return {"TR": tr}
'''

ADSL = '''
import pandas as pd

READS = ("DM",)
WRITES = ("ADSL",)

def derive(ctx):
    dm = ctx.sdtm["DM"]
    cut = int(ctx.settings["adam"]["agegr1_cut"])
    adsl = pd.DataFrame({
        "STUDYID": dm["STUDYID"], "USUBJID": dm["USUBJID"], "AGE": dm["AGE"],
        "AGEGR1": (dm["AGE"] >= cut).map({True: f">={cut}", False: f"<{cut}"}),
        "SEX": dm["SEX"],
        "TRTSDT": pd.to_datetime(dm["RFSTDTC"], errors="coerce"),
        "SAFFL": "Y",
    })
    return {"ADSL": adsl}
'''

T_SEX = '''
import pandas as pd
from derivations.tlf import RowSpec, build_table, columns_from_ard, compute_ard_counts, level_rows

READS = ("ADSL",)
WRITES = ("T_SEX",)
AID = "T14.1.1-SEX"

def derive(ctx):
    adsl = ctx.adam["ADSL"]
    safety = ctx.settings["tlf"]["populations"]["safety"]
    ard = compute_ard_counts(adsl, analysis_id=AID, variables=["SEX"], population=safety, order={"SEX": ["F", "M"]})
    rows = [RowSpec("Sex, n (%)"), *level_rows(ard, analysis_id=AID, labels={"F": "Female", "M": "Male"})]
    columns = columns_from_ard(ard, analysis_id=AID, labels={"Total": ctx.settings["tlf"]["treatment"]["label"]})
    table = build_table(ard, title="Sex", subtitle="Safety Population", table_id="Table 14.1.1", rows=rows,
                        columns=columns, source="ADSL")
    ctx.outputs.publish_table(table, "t_sex")
    per_month = float(ctx.settings["tlf"].get("days_per_month", 30.4375))
    label = "Sex " + ard["group_value"].astype(str)
    return {"T_SEX": ard.assign(label=label, months=round(365 / per_month, 4))}
'''


def _v(ds, name, label, dtype="text", length=None, order=0, **kw):
    return VariableSpec(ds, name, label, dtype, length=length, order=order, **kw)


def sdtm_spec() -> Spec:
    dm = DatasetSpec("DM", label="Demographics", cls="SPECIAL PURPOSE", keys=["STUDYID", "USUBJID"], variables=[
        _v("DM", "STUDYID", "Study Identifier", length=8, order=1, mandatory=True),
        _v("DM", "DOMAIN", "Domain Abbreviation", length=2, order=2, mandatory=True),
        _v("DM", "USUBJID", "Unique Subject Identifier", length=12, order=3, mandatory=True),
        _v("DM", "SUBJID", "Subject Identifier for the Study", length=3, order=4),
        _v("DM", "RFSTDTC", "Subject Reference Start Date/Time", "datetime", length=10, order=5),
        _v("DM", "RFENDTC", "Subject Reference End Date/Time", "datetime", length=10, order=6),
        _v("DM", "DTHDTC", "Date/Time of Death", "datetime", length=10, order=7),
        _v("DM", "DTHFL", "Subject Death Flag", length=1, order=8),
        _v("DM", "AGE", "Age", "integer", length=8, order=9),
        _v("DM", "SEX", "Sex", length=1, order=10, codelist="SEX", mandatory=True),
    ])
    ex = DatasetSpec("EX", label="Exposure", cls="INTERVENTIONS", keys=["STUDYID", "USUBJID", "EXSEQ"], variables=[
        _v("EX", "STUDYID", "Study Identifier", length=8, order=1, mandatory=True),
        _v("EX", "DOMAIN", "Domain Abbreviation", length=2, order=2, mandatory=True),
        _v("EX", "USUBJID", "Unique Subject Identifier", length=12, order=3, mandatory=True),
        _v("EX", "EXSEQ", "Sequence Number", "integer", length=8, order=4, mandatory=True),
        _v("EX", "EXTRT", "Name of Treatment", length=20, order=5),
        _v("EX", "EXDOSE", "Dose", "float", length=8, order=6),
        _v("EX", "EXDOSU", "Dose Units", length=2, order=7),
        _v("EX", "EXSTDTC", "Start Date/Time of Treatment", "datetime", length=10, order=8),
        _v("EX", "EXENDTC", "End Date/Time of Treatment", "datetime", length=10, order=9),
    ])
    tr = DatasetSpec("TR", label="Tumor/Lesion Results", cls="FINDINGS", keys=["STUDYID", "USUBJID", "TRSEQ"],
                     variables=[
        _v("TR", "STUDYID", "Study Identifier", length=8, order=1, mandatory=True),
        _v("TR", "DOMAIN", "Domain Abbreviation", length=2, order=2, mandatory=True),
        _v("TR", "USUBJID", "Unique Subject Identifier", length=12, order=3, mandatory=True),
        _v("TR", "TRSEQ", "Sequence Number", "integer", length=8, order=4, mandatory=True),
        _v("TR", "TRLNKID", "Link ID", length=8, order=5),
        _v("TR", "TRTESTCD", "Tumor/Lesion Assessment Short Name", length=8, order=6),
        _v("TR", "TRTEST", "Tumor/Lesion Assessment Test Name", length=20, order=7),
        _v("TR", "TRSTRESN", "Numeric Result/Finding in Std Units", "float", length=8, order=8),
        _v("TR", "TRSTRESU", "Standard Units", length=2, order=9),
        _v("TR", "VISIT", "Visit Name", length=20, order=10),
        _v("TR", "TRDTC", "Date/Time of Tumor/Lesion Measurement", "datetime", length=10, order=11),
    ])
    return Spec(
        study={"StudyName": "TOY", "StandardName": "SDTMIG", "StandardVersion": "3.4"},
        datasets={"DM": dm, "EX": ex, "TR": tr},
        codelists={"SEX": Codelist("SEX", "Sex", nci_code="C66731",
                                   terms=(Term("F", "Female", "C16576", 1), Term("M", "Male", "C20197", 2)))},
    )


def adam_spec() -> Spec:
    adsl = DatasetSpec(
        "ADSL", label="Subject-Level Analysis Dataset", cls="SUBJECT LEVEL ANALYSIS DATASET",
        keys=["STUDYID", "USUBJID"],
        variables=[
            _v("ADSL", "STUDYID", "Study Identifier", length=8, mandatory=True, order=1),
            _v("ADSL", "USUBJID", "Unique Subject Identifier", length=12, mandatory=True, order=2),
            _v("ADSL", "AGE", "Age", "integer", length=8, order=3),
            _v("ADSL", "AGEGR1", "Pooled Age Group 1", length=4, order=4),
            _v("ADSL", "SEX", "Sex", length=1, order=5),
            _v("ADSL", "TRTSDT", "Date of First Exposure to Treatment", "integer", length=8,
               format="DATE9.", order=6),
            _v("ADSL", "SAFFL", "Safety Population Flag", length=1, order=7),
        ],
    )
    return Spec(study={"StudyName": "TOY", "StandardName": "ADaMIG", "StandardVersion": "1.3"},
                datasets={"ADSL": adsl}, codelists={})


def make_toy3(root: Path) -> Path:
    """Write the three-stage toy study into ``root``; returns it."""
    for sub in ("specs", "raw", "sdtm", "adam", "tlf"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    write_spec(sdtm_spec(), root / "specs" / "sdtm_spec.xlsx")
    write_spec(adam_spec(), root / "specs" / "adam_spec.xlsx")
    (root / "study.toml").write_text(STUDY_TOML, encoding="utf-8")
    for rel, text in (("sdtm/dm.py", DM), ("sdtm/ex.py", EX), ("sdtm/tr.py", TR), ("adam/adsl.py", ADSL),
                      ("tlf/t_sex.py", T_SEX)):
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    for name, text in (("dm", DM_CSV), ("ex", EX_CSV), ("tr", TR_CSV)):
        (root / "raw" / f"{name}.csv").write_text(text, encoding="utf-8")
    return root
