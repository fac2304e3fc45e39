"""``derive new``: a new study folder, or one new program, from templates that follow the program contract.

:func:`new_study` writes a study that runs as it is (``derive run --study DIR``): study.toml,
spec workbooks for SDTM DM and ADaM ADSL, a small raw page, and one example program per stage
(``sdtm/dm.py`` and ``sdtm/ts.py``, ``adam/adsl.py``, ``tlf/t_demog.py``) with the standard sections: a docstring,
imports, READS/WRITES (and RAW), rules as module constants, ``derive``.

:func:`new_program` adds one program to a study (``derive new program adam/adlb``): the program
file from its stage's template, its name in study.toml's ``programs`` list, and a spec stub for
its dataset (SDTM/ADaM) that the program's first version satisfies, so the study still runs.

Nothing existing is overwritten: a file or folder already there is an error.

Example
-------
>>> import tempfile, pathlib
>>> root = new_study(pathlib.Path(tempfile.mkdtemp()) / "demo", studyid="DEMO-01")
>>> sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))  # doctest: +NORMALIZE_WHITESPACE
['adam/__init__.py', 'adam/adsl.py', 'sdtm/__init__.py', 'sdtm/dm.py', 'sdtm/ts.py', 'tlf/__init__.py',
 'tlf/t_demog.py']
>>> new_program(root, "adam/adlb").relative_to(root).as_posix()
'adam/adlb.py'
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

from .findings import DerivationError
from .program import check_program_name

STAGE_FOLDERS = ("sdtm", "adam", "tlf")

STUDY_TOML = '''\
# {studyid}: every setting a derivation needs that is a study decision lives here.

[study]
studyid = "{studyid}"
title = "{title}"
cutoff_date = "2024-12-31"
# stamped into XPT/Dataset-JSON headers instead of the clock, so that reruns are byte-identical
created = "2025-01-01T00:00:00"
raw = "raw"

# each stage's programs: they run in the order their READS/WRITES give (ties: this order)
[sdtm]
spec = "specs/sdtm_spec.xlsx"
programs = ["dm", "ts"]

[adam]
spec = "specs/adam_spec.xlsx"
programs = ["adsl"]
agegr1_cut = 65

[tlf]
programs = ["t_demog"]

[tlf.populations]
safety = "SAFFL == 'Y'"

[tlf.treatment]
label = "Study drug"
short_label = "Drug"
'''

RAW_DM = '''\
SITEID,SUBJID,RFSTDAT,AGE,SEX,RACE
01,001,2024-03-01,61,Male,WHITE
01,002,2024-03-15,57,Female,ASIAN
02,003,2024-04-02,70,Female,WHITE
02,004,,66,Male,BLACK OR AFRICAN AMERICAN
'''

SDTM_DM = '''\
"""DM: demographics, one record per subject (raw page dm).

Reference start date RFSTDTC is the first dose date collected on the page.
"""

import pandas as pd

from derivations.sdtm import compute_dtc, derive_var_ct

READS = ()
WRITES = ("DM",)
RAW = ("dm",)

#: raw SEX -> SDTM SEX (synonyms; the terms are the spec's codelist SEX)
SEX = {"MALE": "M", "FEMALE": "F"}
#: the planned arm (a single-arm study); subjects without a first dose are not treated
ARM = {"ARMCD": "DRUG", "ARM": "Study drug"}
NOT_TREATED = {"ARMCD": "NOTTRT", "ARM": "Not Treated"}
COUNTRY = "USA"


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    raw = ctx.raw("dm", ["SITEID", "SUBJID", "RFSTDAT", "AGE", "SEX", "RACE"])
    dm = pd.DataFrame({"STUDYID": studyid, "DOMAIN": "DM", "USUBJID": studyid + "-" + raw["SUBJID"],
                       "SUBJID": raw["SUBJID"], "SITEID": raw["SITEID"]})
    dm["RFSTDTC"] = compute_dtc(raw["RFSTDAT"], dataset="DM", variable="RFSTDTC", usubjid=dm["USUBJID"],
                                findings=ctx.findings)
    dm["AGE"] = pd.to_numeric(raw["AGE"])
    dm["AGEU"] = "YEARS"
    dm = derive_var_ct(dm.assign(_SEX=raw["SEX"]), source="_SEX", new_var="SEX",
                       codelist=ctx.spec("sdtm").codelists["SEX"], synonyms=SEX, dataset_name="DM",
                       findings=ctx.findings).drop(columns="_SEX")
    dm["RACE"] = raw["RACE"].str.upper()
    treated = dm["RFSTDTC"] != ""
    for var, value in ARM.items():
        dm[var] = value
        dm["ACT" + var] = dm[var].where(treated, NOT_TREATED[var])
    dm["COUNTRY"] = COUNTRY
    return {"DM": dm}
'''

SDTM_TS = '''\
"""TS: trial summary, one record per parameter value.

The parameters are data (PARAMETERS); SSTDTC is the first subject's reference start.
Complete the list for a submission: REGID, INDIC, TRT, ... (``derive check`` names what is missing).
"""

import pandas as pd

READS = ("DM",)
WRITES = ("TS",)
RAW = ()

#: (TSPARMCD, TSPARM, TSVAL); None = derived below
PARAMETERS = [
    ("TITLE", "Trial Title", None),
    ("STYPE", "Study Type", "INTERVENTIONAL"),
    ("SSTDTC", "Study Start Date", None),
    ("SDTIGVER", "SDTM IG Version", "3.4"),
    ("SDTMVER", "SDTM Version", "2.0"),
]


def derive(ctx):
    study = ctx.settings["study"]
    derived = {"TITLE": study["title"], "SSTDTC": ctx.sdtm["DM"]["RFSTDTC"].replace("", None).min()}
    ts = pd.DataFrame([(code, name, derived.get(code, value)) for code, name, value in PARAMETERS],
                      columns=["TSPARMCD", "TSPARM", "TSVAL"])
    ts.insert(0, "STUDYID", study["studyid"])
    ts.insert(1, "DOMAIN", "TS")
    ts["TSSEQ"] = ts.groupby("TSPARMCD").cumcount() + 1
    return {"TS": ts}
'''

ADAM_ADSL = '''\
"""ADSL: one record per subject (spec: specs/adam_spec.xlsx, dataset ADSL).

Each block names the spec method it implements. Settings: [adam] agegr1_cut.
"""

import numpy as np

from derivations.adam import compute_dtc_impute

READS = ("DM",)
WRITES = ("ADSL",)

KEYS = ["STUDYID", "USUBJID"]
#: DM variables carried over as they are
DM_VARS = ["SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARM", "ACTARM"]


def derive(ctx):
    dm = ctx.sdtm["DM"]
    cut = int(ctx.settings["adam"]["agegr1_cut"])
    adsl = dm[KEYS + DM_VARS].copy()

    # MT.TRT01P: the planned arm
    adsl["TRT01P"] = adsl["ARM"]
    # MT.AGEGR1: age group
    adsl["AGEGR1"] = np.where(adsl["AGE"] < cut, f"<{cut}", f">={cut}")
    # MT.TRTSDT: first dose date (complete dates only)
    adsl["TRTSDT"] = compute_dtc_impute(dm["RFSTDTC"], highest_imputation="n")
    # MT.SAFFL: treated subjects
    adsl["SAFFL"] = np.where(adsl["TRTSDT"].notna(), "Y", "N")
    return {"ADSL": adsl}
'''

TLF_DEMOG = '''\
"""Table 14.1.1 Demographics (ADSL, safety population)."""

import pandas as pd

from derivations.tlf import (RowSpec, build_table, columns_from_ard, compute_ard_continuous, compute_ard_counts,
                             continuous_rows, level_rows)

READS = ("ADSL",)
#: the analysis results data (ARD) behind the table, written to tlf/ard/t_demog.csv
WRITES = ("T_DEMOG",)

AID = "T14.1.1"
SEX_LABELS = {"M": "Male", "F": "Female"}


def derive(ctx):
    adsl = ctx.adam["ADSL"]
    safety = ctx.population("safety").filter
    ard = pd.concat([
        compute_ard_continuous(adsl, analysis_id=f"{AID}-AGE", variables=["AGE"], population=safety),
        compute_ard_counts(adsl, analysis_id=f"{AID}-SEX", variables=["SEX"], population=safety,
                           order={"SEX": list(SEX_LABELS)}),
    ], ignore_index=True)
    rows = [RowSpec("Age (years)"), *continuous_rows(analysis_id=f"{AID}-AGE"),
            RowSpec("Sex, n (%)"), *level_rows(ard, analysis_id=f"{AID}-SEX", labels=SEX_LABELS)]
    label = ctx.settings["tlf"]["treatment"]["label"]
    table = build_table(ard, title="Demographics", subtitle="Safety Population", table_id="Table 14.1.1", rows=rows,
                        columns=columns_from_ard(ard, analysis_id=f"{AID}-SEX", labels={"Total": label}),
                        source="ADSL")
    ctx.outputs.publish_table(table, "t_demog")
    return {"T_DEMOG": ard}
'''

#: one template per stage for ``derive new program STAGE/NAME``
PROGRAM_TEMPLATES = {
    "sdtm": '''\
"""{NAME}: <what the domain holds, one line> (raw page {name}).

<How records are made from the raw page: one record per ...>
"""

import pandas as pd

from derivations.sdtm import derive_var_obs_number

#: datasets read (DM: reference dates); datasets returned, exactly; raw pages read with ctx.raw
READS = ("DM",)
WRITES = ("{NAME}",)
RAW = ("{name}",)

#: rules as module constants (printable data), e.g. raw term -> controlled term
SYNONYMS: dict[str, str] = {{}}


def derive(ctx):
    studyid = ctx.settings["study"]["studyid"]
    raw = ctx.raw("{name}", ["SUBJID"])
    {name} = pd.DataFrame({{"STUDYID": studyid, "DOMAIN": "{NAME}", "USUBJID": studyid + "-" + raw["SUBJID"]}})
    # ... one block per variable group, tagged with its spec method (MT.xxx)
    # MT.SEQ: 1, 2, ... per subject in the page's order; give order=[...] to number by date (ties are errors)
    {name} = derive_var_obs_number({name}, new_var="{NAME}SEQ", by_vars=["USUBJID"])
    return {{"{NAME}": {name}}}
''',
    "adam": '''\
"""{NAME}: <what the dataset is, one line> (spec: {spec}, dataset {NAME}).

Each block names the spec method (MT.xxx) it implements.
"""

from derivations.adam import derive_vars_merged

#: datasets read (SDTM domains, earlier ADaM datasets); datasets returned, exactly
READS = ("ADSL",)
WRITES = ("{NAME}",)

KEYS = ["STUDYID", "USUBJID"]
#: ADSL variables carried over (rules are module constants: printable data)
ADSL_VARS = ["SUBJID"]


def derive(ctx):
    adsl = ctx.adam["ADSL"]
    {name} = adsl[KEYS].copy()
    # MT.xxx: ... one block per derivation
    {name} = derive_vars_merged({name}, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)
    return {{"{NAME}": {name}}}
''',
    "tlf": '''\
"""<Table/Figure/Listing id> <title> (ADSL, <population>)."""

import pandas as pd

from derivations.tlf import build_table, columns_from_ard, compute_ard_counts, level_rows

#: datasets read; the analysis results data returned (written to tlf/ard/{name}.csv)
READS = ("ADSL",)
WRITES = ("{NAME}",)

AID = "{NAME}"


def derive(ctx):
    adsl = ctx.adam["ADSL"]
    population = ctx.population("safety").filter
    ard = pd.concat([compute_ard_counts(adsl, analysis_id=f"{{AID}}-SAFFL", variables=["SAFFL"],
                                        population=population)], ignore_index=True)
    table = build_table(ard, title="<title>", table_id="<Table x.y.z>",
                        rows=level_rows(ard, analysis_id=f"{{AID}}-SAFFL"),
                        columns=columns_from_ard(ard, analysis_id=f"{{AID}}-SAFFL"), source="ADSL")
    ctx.outputs.publish_table(table, "{name}")
    return {{"{NAME}": ard}}
''',
}


#: the ADaM template of a BDS dataset (ADaMIG class of the name: not ADSL, not an occurrence dataset)
ADAM_BDS_TEMPLATE = '''\
"""{NAME}: <what the dataset is, one line>; one record per subject and parameter (spec: {spec}, dataset {NAME},
a BDS dataset).

Each block names the spec method (MT.xxx) it implements. Add the source domain to READS (e.g. "LB")
and derive AVAL, ADT, AVISIT, ABLFL, BASE, CHG from it, one block per method.
"""

import pandas as pd

from derivations.adam import derive_vars_merged

#: datasets read (SDTM domains, earlier ADaM datasets); datasets returned, exactly
READS = ("ADSL",)
WRITES = ("{NAME}",)

KEYS = ["STUDYID", "USUBJID"]
#: ADSL variables carried over (rules are module constants: printable data)
ADSL_VARS = ["SUBJID"]
#: PARAMCD -> PARAM, the dataset's parameters (the spec's PARAMCD codelist lists the same)
PARAMS = {{"PARAM1": "Parameter 1 (unit)"}}


def derive(ctx):
    adsl = ctx.adam["ADSL"]
    # MT.xxx: PARAMCD / PARAM, one record per subject and parameter
    {name} = adsl[KEYS].merge(pd.DataFrame({{"PARAMCD": list(PARAMS)}}), how="cross")
    {name}["PARAM"] = {name}["PARAMCD"].map(PARAMS)
    # MT.xxx: AVAL from the source domain's standard result (missing until derived)
    {name}["AVAL"] = float("nan")
    {name} = derive_vars_merged({name}, dataset_add=adsl, by_vars=KEYS, new_vars=ADSL_VARS)
    return {{"{NAME}": {name}}}
'''


def adam_class(name: str) -> str:
    """The ADaMIG class a new ADaM dataset ``name`` gets: ``"ADSL"``, ``"OCCDS"`` (ADAE, ADCM, ADMH) or
    ``"BDS"`` (any other AD* name, ADTTE included), as the conformance rules classify it.

    >>> adam_class("ADLB"), adam_class("ADCM"), adam_class("ADSL")
    ('BDS', 'OCCDS', 'ADSL')
    """
    from .ig import load_ig

    ig_ds = load_ig("ADaMIG", "1.3").dataset_for(name)
    return "BDS" if ig_ds is None or ig_ds.name.startswith("BDS") else ig_ds.name


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise DerivationError(f"{path} already exists; derive new never overwrites",
                              hint="choose another name or folder, or remove it yourself")


def _specs(studyid: str):
    from .spec import Codelist, DatasetSpec, Method, Spec, Term, VariableSpec

    sex = Codelist("SEX", "Sex", nci_code="C66731", terminology="CDISC/NCI",
                   terms=(Term("F", "Female", "C16576", 1), Term("M", "Male", "C20197", 2)))
    ny = Codelist("NY", "No Yes Response", nci_code="C66742", terminology="CDISC/NCI",
                  terms=(Term("N", "No", "C49487", 1), Term("Y", "Yes", "C49488", 2)))
    ageu = Codelist("AGEU", "Age Unit", nci_code="C66781", terminology="CDISC/NCI", extensible=True,
                    terms=(Term("YEARS", "Years", "C29848", 1),))

    def var(ds, order, name, label, data_type="text", length=None, **kw):
        return VariableSpec(ds, name, label, data_type, length=length, order=order, **kw)

    dm = DatasetSpec("DM", label="Demographics", cls="SPECIAL PURPOSE", structure="One record per subject",
                     keys=["STUDYID", "USUBJID"], standard="SDTMIG 3.4", variables=[
                         var("DM", 1, "STUDYID", "Study Identifier", length=20, mandatory=True, origin="Assigned"),
                         var("DM", 2, "DOMAIN", "Domain Abbreviation", length=2, mandatory=True, origin="Assigned"),
                         var("DM", 3, "USUBJID", "Unique Subject Identifier", length=40, mandatory=True,
                             origin="Derived"),
                         var("DM", 4, "SUBJID", "Subject Identifier for the Study", length=10, mandatory=True,
                             origin="CRF"),
                         var("DM", 5, "RFSTDTC", "Subject Reference Start Date/Time", "datetime", length=19,
                             origin="CRF"),
                         var("DM", 6, "SITEID", "Study Site Identifier", length=10, mandatory=True, origin="CRF"),
                         var("DM", 7, "AGE", "Age", "integer", length=8, origin="CRF"),
                         var("DM", 8, "AGEU", "Age Units", length=5, codelist="AGEU", origin="Assigned"),
                         var("DM", 9, "SEX", "Sex", length=1, codelist="SEX", mandatory=True, origin="CRF"),
                         var("DM", 10, "RACE", "Race", length=40, origin="CRF"),
                         var("DM", 11, "ARMCD", "Planned Arm Code", length=20, origin="Assigned"),
                         var("DM", 12, "ARM", "Description of Planned Arm", length=40, origin="Assigned"),
                         var("DM", 13, "ACTARMCD", "Actual Arm Code", length=20, origin="Derived"),
                         var("DM", 14, "ACTARM", "Description of Actual Arm", length=40, origin="Derived"),
                         var("DM", 15, "COUNTRY", "Country", length=3, mandatory=True, origin="Assigned"),
                     ])
    ts = DatasetSpec("TS", label="Trial Summary", cls="TRIAL DESIGN",
                     structure="One record per trial summary parameter value",
                     keys=["STUDYID", "TSPARMCD", "TSSEQ"], standard="SDTMIG 3.4", variables=[
                         var("TS", 1, "STUDYID", "Study Identifier", length=20, mandatory=True, origin="Assigned"),
                         var("TS", 2, "DOMAIN", "Domain Abbreviation", length=2, mandatory=True, origin="Assigned"),
                         var("TS", 3, "TSSEQ", "Sequence Number", "integer", length=8, mandatory=True,
                             origin="Derived"),
                         var("TS", 4, "TSPARMCD", "Trial Summary Parameter Short Name", length=8, mandatory=True,
                             origin="Assigned"),
                         var("TS", 5, "TSPARM", "Trial Summary Parameter", length=40, mandatory=True,
                             origin="Assigned"),
                         var("TS", 6, "TSVAL", "Parameter Value", length=200, origin="Assigned"),
                     ])
    sdtm = Spec(study={"StudyName": studyid, "StudyDescription": studyid, "ProtocolName": studyid,
                       "StandardName": "SDTMIG", "StandardVersion": "3.4"},
                datasets={"DM": dm, "TS": ts}, codelists={"SEX": sex, "AGEU": ageu})
    methods = {"MT.TRT01P": Method("MT.TRT01P", "Planned treatment", "Computation", "TRT01P = ARM"),
               "MT.AGEGR1": Method("MT.AGEGR1", "Age group", "Computation", "AGEGR1 = '<cut' if AGE < cut else '>=cut'"),
               "MT.TRTSDT": Method("MT.TRTSDT", "First dose date", "Computation", "DM.RFSTDTC as a date"),
               "MT.SAFFL": Method("MT.SAFFL", "Safety flag", "Computation", "Y if TRTSDT is present, else N")}
    adsl = DatasetSpec("ADSL", label="Subject-Level Analysis Dataset", cls="SUBJECT LEVEL ANALYSIS DATASET",
                       structure="One record per subject", keys=["STUDYID", "USUBJID"], standard="ADaMIG 1.3",
                       variables=[
                           var("ADSL", 1, "STUDYID", "Study Identifier", length=20, mandatory=True,
                               origin="Predecessor", predecessor="DM.STUDYID"),
                           var("ADSL", 2, "USUBJID", "Unique Subject Identifier", length=40, mandatory=True,
                               origin="Predecessor", predecessor="DM.USUBJID"),
                           var("ADSL", 3, "SUBJID", "Subject Identifier for the Study", length=10, mandatory=True,
                               origin="Predecessor", predecessor="DM.SUBJID"),
                           var("ADSL", 4, "SITEID", "Study Site Identifier", length=10, mandatory=True,
                               origin="Predecessor", predecessor="DM.SITEID"),
                           var("ADSL", 5, "AGE", "Age", "integer", length=8, mandatory=True, origin="Predecessor",
                               predecessor="DM.AGE"),
                           var("ADSL", 6, "AGEU", "Age Units", length=5, codelist="AGEU", mandatory=True,
                               origin="Predecessor", predecessor="DM.AGEU"),
                           var("ADSL", 6, "SEX", "Sex", length=1, codelist="SEX", mandatory=True,
                               origin="Predecessor", predecessor="DM.SEX"),
                           var("ADSL", 6, "RACE", "Race", length=40, mandatory=True, origin="Predecessor",
                               predecessor="DM.RACE"),
                           var("ADSL", 6, "ARM", "Description of Planned Arm", length=40, mandatory=True,
                               origin="Predecessor", predecessor="DM.ARM"),
                           var("ADSL", 6, "ACTARM", "Description of Actual Arm", length=40, mandatory=True,
                               origin="Predecessor", predecessor="DM.ACTARM"),
                           var("ADSL", 6, "TRT01P", "Planned Treatment for Period 01", length=40, mandatory=True,
                               origin="Derived", method="MT.TRT01P"),
                           var("ADSL", 7, "AGEGR1", "Pooled Age Group 1", length=4, origin="Derived",
                               method="MT.AGEGR1"),
                           var("ADSL", 8, "TRTSDT", "Date of First Exposure to Treatment", "integer", length=8,
                               format="DATE9.", origin="Derived", method="MT.TRTSDT"),
                           var("ADSL", 9, "SAFFL", "Safety Population Flag", length=1, codelist="NY",
                               mandatory=True, origin="Derived", method="MT.SAFFL"),
                       ])
    for ds in (dm, ts, adsl):  # variable order = the order listed above
        ds.variables = [dataclasses.replace(v, order=i) for i, v in enumerate(ds.variables, start=1)]
    for ds in (dm, ts):
        _ig_roles(ds)
    adam = Spec(study={"StudyName": studyid, "StudyDescription": studyid, "ProtocolName": studyid,
                       "StandardName": "ADaMIG", "StandardVersion": "1.3"},
                datasets={"ADSL": adsl}, codelists={"SEX": sex, "NY": ny, "AGEU": ageu}, methods=methods)
    return sdtm, adam


def _ig_roles(ds) -> None:
    """SDTM variable roles from the SDTMIG 3.4 table (:mod:`derivations.ig`)."""
    from .ig import load_ig

    ig_ds = load_ig("SDTMIG", "3.4").dataset_for(ds.name, ds.cls)
    if ig_ds is None:
        return
    ds.variables = [dataclasses.replace(v, role=ig_ds.variable(v.name).role) if ig_ds.variable(v.name) else v
                    for v in ds.variables]


def new_study(root: str | Path, *, studyid: str = "STUDY01", title: str = "") -> Path:
    """Write a runnable study folder at ``root`` (which must not exist or be empty); return it."""
    from .spec import write_spec

    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise DerivationError(f"{root} exists and is not empty; derive new study never overwrites",
                              hint="give a new folder")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", studyid):
        raise DerivationError(f"study identifier {studyid!r} is not usable as STUDYID",
                              hint="letters, digits, '_', '.', '-'")
    title = title or f"{studyid} (new study)"
    for sub in ("specs", "raw", *STAGE_FOLDERS):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "study.toml").write_text(STUDY_TOML.format(studyid=studyid, title=title.replace('"', "'")),
                                     encoding="utf-8")
    (root / "raw" / "dm.csv").write_text(RAW_DM, encoding="utf-8")
    sdtm, adam = _specs(studyid)
    write_spec(sdtm, root / "specs" / "sdtm_spec.xlsx")
    write_spec(adam, root / "specs" / "adam_spec.xlsx")
    inits = {"sdtm": "SDTM programs: one module per domain.", "adam": "ADaM programs: one module per dataset.",
             "tlf": "TLF programs: one module per output."}
    for stage, doc in inits.items():
        (root / stage / "__init__.py").write_text(f'"""{doc}"""\n', encoding="utf-8")
    (root / "sdtm" / "dm.py").write_text(SDTM_DM, encoding="utf-8")
    (root / "sdtm" / "ts.py").write_text(SDTM_TS, encoding="utf-8")
    (root / "adam" / "adsl.py").write_text(ADAM_ADSL, encoding="utf-8")
    (root / "tlf" / "t_demog.py").write_text(TLF_DEMOG, encoding="utf-8")
    return root


def _add_to_programs(toml: str, stage: str, name: str) -> str:
    """study.toml text with ``name`` appended to ``[stage] programs`` (the table is added if missing)."""
    section = re.search(rf"(?m)^\[{stage}\][ \t]*(?:#.*)?$", toml)
    if section is None:
        return toml.rstrip("\n") + f'\n\n[{stage}]\nprograms = ["{name}"]\n'
    nxt = re.search(r"(?m)^\[", toml[section.end():])
    end = section.end() + (nxt.start() if nxt else len(toml) - section.end())
    body = toml[section.end():end]
    listed = re.search(r"(?ms)^programs\s*=\s*\[(.*?)\]", body)
    if listed is None:
        body = f'\nprograms = ["{name}"]' + body
    else:
        items = listed.group(1).rstrip()
        trailing = listed.group(1)[len(items):]
        sep = "" if not items.strip() else (", " if not items.endswith(",") else " ")
        body = body[:listed.start(1)] + items + f'{sep}"{name}"' + trailing + body[listed.end(1):]
    return toml[:section.end()] + body + toml[end:]


def _spec_stub(study, stage: str, name: str) -> Path | None:
    """Add dataset ``NAME`` to the stage's spec with the variables of the template's first version."""
    from .spec import DatasetSpec, VariableSpec, read_spec, write_spec

    path = study.spec_path(stage)
    if path is None:
        raise DerivationError(f"study.toml [{stage}] has no spec = \"...\": the new dataset needs a spec",
                              hint=f'add spec = "specs/{stage}_spec.xlsx" to [{stage}]')
    spec = read_spec(path)
    ds_name = name.upper()
    if ds_name in spec.datasets:
        return None  # already specified: the program is written against it
    ids = [("STUDYID", "Study Identifier"), ("USUBJID", "Unique Subject Identifier")]
    if stage == "sdtm":
        more = [("DOMAIN", "Domain Abbreviation"), (f"{ds_name}SEQ", "Sequence Number")]
        names = [ids[0], more[0], ids[1], more[1]]
        cls, keys = "", ["STUDYID", "USUBJID", f"{ds_name}SEQ"]
    else:
        names = ids + [("SUBJID", "Subject Identifier for the Study")]
        cls, keys = "", ["STUDYID", "USUBJID"]
        if adam_class(ds_name) == "BDS":
            names += [("PARAMCD", "Parameter Code"), ("PARAM", "Parameter"), ("AVAL", "Analysis Value")]
            cls, keys = "BASIC DATA STRUCTURE", ["STUDYID", "USUBJID", "PARAMCD"]
    variables = []
    for order, (var, label) in enumerate(names, start=1):
        integer, number = var.endswith("SEQ"), var == "AVAL"
        variables.append(VariableSpec(ds_name, var, label, "integer" if integer else "float" if number else "text",
                                      length=8 if integer or number else 40, order=order, mandatory=not number,
                                      origin="Derived" if var in ("USUBJID", "PARAMCD", "PARAM", "AVAL") or integer
                                      else "Predecessor" if stage == "adam" else "Assigned"))
    spec.datasets[ds_name] = DatasetSpec(ds_name, label=f"{ds_name} (describe the dataset)", cls=cls,
                                         keys=keys, variables=variables)
    if stage == "sdtm":
        _ig_roles(spec.datasets[ds_name])
    write_spec(spec, path)
    return path


def new_program(study_root: str | Path, target: str) -> Path:
    """Add program ``STAGE/NAME`` (e.g. ``adam/adlb``) to the study at ``study_root``; return its file.

    Writes ``STAGE/NAME.py`` from the stage's template, appends NAME to study.toml's
    ``[STAGE] programs`` and, for SDTM and ADaM, adds a spec stub for dataset ``NAME``.
    """
    from .study import Study

    stage, _, name = target.strip().removesuffix(".py").partition("/")
    if stage not in PROGRAM_TEMPLATES or not name:
        raise DerivationError(f"{target!r} is not STAGE/NAME", hint=f"e.g. adam/adlb; stages: {', '.join(PROGRAM_TEMPLATES)}")
    check_program_name(stage, name)
    study = Study.load(study_root)
    path = study.root / stage / f"{name}.py"
    _refuse_existing(path)
    if name in study.programs(stage):
        raise DerivationError(f"{name} is already listed in study.toml [{stage}] programs")
    (study.root / stage).mkdir(exist_ok=True)
    init = study.root / stage / "__init__.py"
    if not init.exists():
        init.write_text(f'"""{stage.upper()} programs."""\n', encoding="utf-8")
    spec_rel = study.settings.get(stage, {}).get("spec", f"specs/{stage}_spec.xlsx")
    template = ADAM_BDS_TEMPLATE if stage == "adam" and adam_class(name.upper()) == "BDS" else PROGRAM_TEMPLATES[stage]
    text = template.format(name=name, NAME=name.upper(), spec=spec_rel)
    if stage in ("sdtm", "adam"):
        _spec_stub(study, stage, name)
    toml_path = study.root / "study.toml"
    toml_path.write_text(_add_to_programs(toml_path.read_text(encoding="utf-8"), stage, name), encoding="utf-8")
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
