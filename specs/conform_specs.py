"""Bring the study's spec workbooks in line with SDTMIG 3.4 / ADaMIG 1.3 (issue 12).

The workbooks are binary, so they are never edited by hand: this script reads each one,
applies the changes below, and writes it back (``write_spec`` keeps every sheet and column
that ``read_spec`` reads). It is idempotent: run it again after a rebase on whatever
workbook main has, and only what is still missing changes.

    python specs/conform_specs.py            # rewrites specs/sdtm_spec.xlsx and specs/adam_spec.xlsx
    python specs/conform_specs.py --check    # exit 1 if a workbook would change

What it changes:

* every variable the IG defines gets the IG's label and (SDTM) role; a Req variable is
  Mandatory=Yes (derive check rules IG0004, IG0006, IG0007);
* CO: RDOMAIN before USUBJID (IG order, rule IG0003); COVAL1's label in title case (IG0005);
* the SDTM variables and datasets the programs add for SDTMIG 3.4 (tables below): the MedDRA
  hierarchy in AE, ARMNRS/ACTARMUD in DM, TSVALCD/TSVCDREF/TSVCDVER in TS, --LOBXFL in TR/TU,
  EPOCH in CM/PR/TU, DSSCAT terms, EXDOSFRQ's FREQ terms as CT spells them (EVERY 3 WEEKS,
  not Q3W), and the trial design datasets TA, TE, TV, TI and SV, each
  with its codelists and methods; the variables of every SDTM domain in IG order (IG0003).

Labels and roles of the added variables come from the IG; the tables give what the IG does
not: type, length (the longest allowed; define.xml states the data's), origin, codelist,
method. ``specs/update_specs.py`` then fills the NCI codes of the CDISC codelists; run it after
this script.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derivations.ig import ig_for_spec, load_ig  # noqa: E402
from derivations.spec import Codelist, DatasetSpec, Method, Spec, Term, VariableSpec, read_spec, write_spec  # noqa: E402

#: Labels of variables the IG does not define (sponsor-split text columns).
LABELS = {("CO", "COVAL1"): "Comment (Continued)"}


def conform_to_ig(spec: Spec) -> Spec:
    """Labels, roles and Mandatory of every IG variable as the IG has them."""
    ig = ig_for_spec(spec)
    for ds in spec.datasets.values():
        igd = ig.dataset_for(ds.name, ds.cls, ds.subclass) if ig is not None else None
        out = []
        for v in ds.variables:
            iv = igd.variable(v.name) if igd is not None else None
            if iv is not None:
                v = replace(v, label=iv.label, mandatory=v.mandatory or iv.core == "Req",
                            role=iv.role if ig.standard == "SDTMIG" else v.role)
            v = replace(v, label=LABELS.get((ds.name, v.name), v.label))
            out.append(v)
        ds.variables = out
    return spec


def order_as_ig(spec: Spec, dataset: str) -> Spec:
    """Renumber ``dataset``'s variables so that the IG's come in IG order (others keep their place
    after the IG variable they follow)."""
    ig = ig_for_spec(spec)
    ds = spec.datasets.get(dataset)
    if ds is None or ig is None:
        return spec
    igd = ig.dataset_for(dataset, ds.cls, ds.subclass)
    if igd is None:
        return spec
    rank, last = {}, 0.0
    ig_order = {v.name: v.order for v in igd.variables}
    for i, v in enumerate(ds.variables):
        last = ig_order.get(v.name, last + 0.001)
        rank[v.name] = (last, i)
    ds.variables = [replace(v, order=n) for n, v in enumerate(sorted(ds.variables, key=lambda v: rank[v.name]), 1)]
    return spec


def _v(dataset: str, name: str, data_type: str = "text", length: int | None = 200, *, origin: str = "Derived",
       method: str = "", codelist: str = "", source: str = "", mandatory: bool = False) -> VariableSpec:
    """A variable the SDTM programs add; label and role come from the IG (:func:`conform_to_ig`)."""
    if data_type in ("integer", "float"):
        length = 8
    elif data_type == "date":
        length = 10
    return VariableSpec(dataset, name, data_type=data_type, length=length, origin=origin, method=method,
                        codelist=codelist, source=source, mandatory=mandatory)


def _ids(dataset: str) -> list[VariableSpec]:
    """STUDYID and DOMAIN as every dataset of the study has them."""
    return [VariableSpec(dataset, "STUDYID", data_type="text", length=11, mandatory=True,
                         assigned_value="NCT04984096", origin="Protocol"),
            VariableSpec(dataset, "DOMAIN", data_type="text", length=2, mandatory=True, assigned_value=dataset,
                         origin="Assigned")]


def _usubjid(dataset: str) -> VariableSpec:
    return _v(dataset, "USUBJID", length=18, method="MT.USUBJID", mandatory=True)


#: Variables the SDTM programs add to existing domains (SDTMIG 3.4 Expected variables, FDA's EPOCH).
SDTM_VARIABLES: dict[str, list[VariableSpec]] = {
    "AE": [
        _v("AE", "AELLT", length=100, origin="Assigned", codelist="MEDDRA", source="ae.AELLT (MedDRA LLT, coded)"),
        _v("AE", "AELLTCD", "integer", origin="Assigned", source="ae.AELLTCD"),
        _v("AE", "AEPTCD", "integer", origin="Assigned", source="ae.AEPTCD"),
        _v("AE", "AEHLT", length=100, origin="Assigned", codelist="MEDDRA", source="ae.AEHLT"),
        _v("AE", "AEHLTCD", "integer", origin="Assigned", source="ae.AEHLTCD"),
        _v("AE", "AEHLGT", length=100, origin="Assigned", codelist="MEDDRA", source="ae.AEHLGT"),
        _v("AE", "AEHLGTCD", "integer", origin="Assigned", source="ae.AEHLGTCD"),
        _v("AE", "AEBDSYCD", "integer", origin="Assigned", source="ae.AESOCCD (primary SOC)"),
        _v("AE", "AESOCCD", "integer", origin="Assigned", source="ae.AESOCCD"),
    ],
    "DM": [
        _v("DM", "ARMNRS", length=21, codelist="ARMNULRS", method="MT.ARMNRS"),
        _v("DM", "ACTARMUD", length=200, method="MT.ACTARMUD"),
    ],
    "TS": [
        _v("TS", "TSVALCD", length=20, method="MT.TSVALCD"),
        _v("TS", "TSVCDREF", length=20, method="MT.TSVALCD"),
        _v("TS", "TSVCDVER", length=20, method="MT.TSVALCD"),
    ],
    "TR": [_v("TR", "TRLOBXFL", length=1, codelist="NY", method="MT.LOBXFL")],
    "TU": [_v("TU", "TULOBXFL", length=1, codelist="NY", method="MT.LOBXFL"),
           _v("TU", "EPOCH", length=9, codelist="EPOCH", method="MT.EPOCH")],
    "CM": [_v("CM", "EPOCH", length=9, codelist="EPOCH", method="MT.EPOCH")],
    "SV": [_v("SV", "SVUPDES", length=200, method="MT.SV")],
    "PR": [_v("PR", "EPOCH", length=9, codelist="EPOCH", method="MT.EPOCH")],
}

#: Changed attributes of variables the spec already has: (dataset, variable) -> {attribute: value}.
SDTM_CHANGES: dict[tuple[str, str], dict] = {
    # SDTMIG 3.4 DM: an unassigned or untreated subject has null arm codes and ARMNRS says why
    ("DM", "ACTARMCD"): {"mandatory": False},
    ("DM", "ACTARM"): {"mandatory": False},
    ("DS", "DSSCAT"): {"codelist": "DSSCAT", "length": 40},
    ("DS", "DSSTDTC"): {"origin": "Derived", "method": "MT.DSSTDTC"},
    ("TS", "TSVAL"): {"length": 200},
    ("DS", "DSTERM"): {"length": 200},
    # the reason names the adverse event: 'DOSE REDUCED FOR TOXICITY (<AEDECOD>)'
    ("EX", "EXADJ"): {"length": 200},
    ("LB", "LBSTNRLO"): {"method": "MT.LBSTNR"},
    ("LB", "LBSTNRHI"): {"method": "MT.LBSTNR"},
    ("EX", "EXDOSFRQ"): {"length": 20},  # CT FREQ terms such as EVERY 3 WEEKS
}

#: Trial design and subject visit datasets (SDTMIG 3.4 section 7; SV section 5).
SDTM_DATASETS: dict[str, tuple[dict, list[VariableSpec]]] = {
    "TA": (dict(label="Trial Arms", cls="TRIAL DESIGN", structure="One record per planned Element per Arm",
                keys=["STUDYID", "ARMCD", "TAETORD"], repeating="No", reference_data="Yes"),
           _ids("TA") + [
               _v("TA", "ARMCD", length=8, origin="Protocol", codelist="ARMCD", mandatory=True),
               _v("TA", "ARM", length=40, origin="Protocol", codelist="ARM", mandatory=True),
               _v("TA", "TAETORD", "integer", origin="Protocol", mandatory=True),
               _v("TA", "ETCD", length=8, origin="Protocol", codelist="ETCD", mandatory=True),
               _v("TA", "ELEMENT", length=40, origin="Protocol"),
               _v("TA", "TABRANCH", length=200, origin="Protocol"),
               _v("TA", "TATRANS", length=200, origin="Protocol"),
               _v("TA", "EPOCH", length=9, origin="Protocol", codelist="EPOCH", mandatory=True)]),
    "TE": (dict(label="Trial Elements", cls="TRIAL DESIGN", structure="One record per planned Element",
                keys=["STUDYID", "ETCD"], repeating="No", reference_data="Yes"),
           _ids("TE") + [
               _v("TE", "ETCD", length=8, origin="Protocol", codelist="ETCD", mandatory=True),
               _v("TE", "ELEMENT", length=40, origin="Protocol", mandatory=True),
               _v("TE", "TESTRL", length=200, origin="Protocol", mandatory=True),
               _v("TE", "TEENRL", length=200, origin="Protocol"),
               _v("TE", "TEDUR", length=20, origin="Protocol")]),
    "TV": (dict(label="Trial Visits", cls="TRIAL DESIGN", structure="One record per planned Visit per Arm",
                keys=["STUDYID", "ARMCD", "VISITNUM"], repeating="No", reference_data="Yes"),
           _ids("TV") + [
               _v("TV", "VISITNUM", "float", origin="Protocol", method="MT.VISITNUM", mandatory=True),
               _v("TV", "VISIT", length=20, origin="Protocol", mandatory=True),
               _v("TV", "VISITDY", "integer", origin="Protocol", method="MT.VISITDY"),
               _v("TV", "ARMCD", length=8, origin="Protocol", codelist="ARMCD"),
               _v("TV", "ARM", length=40, origin="Protocol", codelist="ARM"),
               _v("TV", "TVSTRL", length=200, origin="Protocol", mandatory=True),
               _v("TV", "TVENRL", length=200, origin="Protocol")]),
    "TI": (dict(label="Trial Inclusion/Exclusion Criteria", cls="TRIAL DESIGN",
                structure="One record per I/E criterion", keys=["STUDYID", "IETESTCD"], repeating="No",
                reference_data="Yes"),
           _ids("TI") + [
               _v("TI", "IETESTCD", length=8, origin="Protocol", mandatory=True),
               _v("TI", "IETEST", length=200, origin="Protocol", mandatory=True),
               _v("TI", "IECAT", length=9, origin="Protocol", codelist="IECAT", mandatory=True),
               _v("TI", "TIVERS", length=10, origin="Protocol")]),
    "SV": (dict(label="Subject Visits", cls="SPECIAL PURPOSE", structure="One record per actual or planned "
                "visit per subject", keys=["STUDYID", "USUBJID", "VISITNUM"], repeating="Yes",
                reference_data="No"),
           _ids("SV") + [
               _usubjid("SV"),
               _v("SV", "VISITNUM", "float", method="MT.VISITNUM", mandatory=True),
               _v("SV", "VISIT", length=20, method="MT.SV"),
               _v("SV", "SVPRESP", length=1, codelist="NY", method="MT.SV"),
               _v("SV", "SVOCCUR", length=1, codelist="NY", method="MT.SV"),
               _v("SV", "VISITDY", "integer", method="MT.VISITDY"),
               _v("SV", "SVSTDTC", "date", method="MT.SV"),
               _v("SV", "SVENDTC", "date", method="MT.SV"),
               _v("SV", "SVSTDY", "integer", method="MT.DY"),
               _v("SV", "SVENDY", "integer", method="MT.DY")]),
}

def _findings(domain: str, label: str, structure: str, keys: list[str], test_length: int, *, ranges: bool,
              spec: bool, origin: str, unit_codelist: str) -> tuple[dict, list[VariableSpec]]:
    """A findings domain of the study (LB, VS): results, standard units, ranges, LOBXFL, visit and timing."""
    d = domain
    res = [
        _usubjid(d),
        _v(d, f"{d}SEQ", "integer", method="MT.SEQ", mandatory=True),
        _v(d, f"{d}TESTCD", length=8, origin="Assigned", codelist=f"{d}TESTCD", method=f"MT.{d}TESTCD",
           mandatory=True),
        _v(d, f"{d}TEST", length=test_length, origin="Assigned", codelist=f"{d}TEST", method=f"MT.{d}TESTCD",
           mandatory=True),
    ]
    if d == "LB":
        res.append(_v(d, "LBCAT", length=10, origin="Assigned", codelist="LBCAT", method="MT.LBTESTCD"))
    res += [
        _v(d, f"{d}ORRES", length=20, origin=origin, source=f"{d.lower()} pages, one column per test"),
        _v(d, f"{d}ORRESU", length=10, origin="Assigned", codelist=unit_codelist, method=f"MT.{d}TESTCD"),
    ]
    if ranges:
        res += [_v(d, f"{d}ORNRLO", length=8, origin=origin, source="lb_ranges.LOW (the laboratory's normal ranges)"),
                _v(d, f"{d}ORNRHI", length=8, origin=origin, source="lb_ranges.HIGH")]
    res += [
        _v(d, f"{d}STRESC", length=20, method=f"MT.STRESU"),
        _v(d, f"{d}STRESN", "float", method=f"MT.STRESU"),
        _v(d, f"{d}STRESU", length=10, codelist=unit_codelist, method=f"MT.STRESU"),
    ]
    if ranges:
        res += [_v(d, f"{d}STNRLO", "float", method="MT.LBSTNR"), _v(d, f"{d}STNRHI", "float", method="MT.LBSTNR"),
                _v(d, f"{d}NRIND", length=8, codelist="NRIND", method="MT.NRIND")]
    res.append(_v(d, f"{d}STAT", length=8, origin=origin, codelist="ND", source=f"{d.lower()} pages: ND"))
    if spec:
        res.append(_v(d, f"{d}SPEC", length=5, origin="Assigned", codelist="SPECTYPE", method="MT.LBTESTCD"))
    res += [
        _v(d, f"{d}LOBXFL", length=1, codelist="NY", method="MT.LOBXFL"),
        _v(d, "VISITNUM", "float", method="MT.VISITNUM"),
        _v(d, "VISIT", length=20, origin="CRF"),
        _v(d, "EPOCH", length=9, codelist="EPOCH", method="MT.EPOCH"),
        _v(d, f"{d}DTC", "date", origin=origin),
        _v(d, f"{d}DY", "integer", method="MT.DY"),
    ]
    attrs = dict(label=label, cls="FINDINGS", structure=structure, keys=keys, repeating="Yes", reference_data="No")
    return attrs, _ids(d) + res


SDTM_DATASETS["LB"] = _findings(
    "LB", "Laboratory Test Results", "One record per lab test per time point per visit per subject",
    ["STUDYID", "USUBJID", "LBCAT", "LBTESTCD", "LBSPEC", "VISITNUM"], 40, ranges=True, spec=True, origin="eDT",
    unit_codelist="UNIT")
SDTM_DATASETS["VS"] = _findings(
    "VS", "Vital Signs", "One record per vital sign measurement per time point per visit per subject",
    ["STUDYID", "USUBJID", "VSTESTCD", "VISITNUM"], 24, ranges=False, spec=False, origin="CRF",
    unit_codelist="VSRESU")
#: Where the new datasets go in the define's order: after this dataset.
SDTM_DATASET_AFTER = {"TA": "TS", "TE": "TA", "TV": "TE", "TI": "TV", "SV": "DM", "LB": "EX", "VS": "TU"}


def _cl(id: str, name: str, terms, *, nci_code: str = "", terminology: str = "CDISC/NCI",
        extensible: bool = True, decodes: dict | None = None) -> Codelist:
    decodes = decodes or {}
    return Codelist(id, name, nci_code=nci_code, terminology=terminology, extensible=extensible,
                    terms=tuple(Term(t, decode=decodes.get(t, "")) for t in terms))


#: Codelists the spec must have exactly so (sponsor codelists written out; CDISC ones get their
#: NCI codes from update_specs.py: a term here without a code is completed there).
SDTM_CODELISTS: dict[str, Codelist] = {
    "ARMCD": _cl("ARMCD", "Arm Code", ["ANLOPD1"], terminology="Sponsor", extensible=False,
                 decodes={"ANLOPD1": "Anlotinib + PD-1 inhibitor"}),
    "ARM": _cl("ARM", "Arm", ["Anlotinib + PD-1 inhibitor"], terminology="Sponsor", extensible=False),
    "ARMNULRS": _cl("ARMNULRS", "Arm Null Reason", ["ASSIGNED, NOT TREATED"], nci_code="C142179"),
    "ETCD": _cl("ETCD", "Element Code", ["SCRN", "TRT", "FU"], terminology="Sponsor", extensible=False,
                decodes={"SCRN": "Screening", "TRT": "Anlotinib + PD-1 inhibitor", "FU": "Follow-up"}),
    "IECAT": _cl("IECAT", "Category for Inclusion/Exclusion", ["INCLUSION", "EXCLUSION"], nci_code="C66797"),
    # CT's submission value for every 3 weeks is EVERY 3 WEEKS (C64535); Q3W is not a FREQ term
    "FREQ": _cl("FREQ", "Frequency", ["QD", "EVERY 3 WEEKS"], nci_code="C71113"),
    "DSSCAT": _cl("DSSCAT", "Subcategory for Disposition Event", ["STUDY PARTICIPATION", "STUDY TREATMENT"],
                  nci_code="C170443"),
    "DSCAT": _cl("DSCAT", "Category for Disposition Event", ["DISPOSITION EVENT", "OTHER EVENT",
                                                             "PROTOCOL MILESTONE"], nci_code="C74558",
                 extensible=False),
    # DSDECOD draws on NCOMPLT (C66727) and PROTMLST (C114118); ONGOING (C53279, the status of a subject
    # alive at the data cut-off, DSCAT OTHER EVENT) as in ADaM's SBJTSTAT
    "DSDECOD": Codelist("DSDECOD", "Standardized Disposition Term", terminology="Sponsor (C66727 + C114118)",
                        extensible=True, terms=(Term("INFORMED CONSENT OBTAINED", nci_code="C114209"),
                                                Term("PROGRESSIVE DISEASE", nci_code="C35571"),
                                                Term("DEATH", nci_code="C28554"),
                                                Term("ADVERSE EVENT", nci_code="C41331"),
                                                Term("WITHDRAWAL BY SUBJECT", nci_code="C49634"),
                                                Term("ONGOING", nci_code="C53279"))),
}

def _coded(id: str, name: str, nci: str, terms: list[tuple[str, str]], *, extensible: bool = True) -> Codelist:
    return Codelist(id, name, nci_code=nci, terminology="CDISC/NCI", extensible=extensible,
                    terms=tuple(Term(t, nci_code=c) for t, c in terms))


#: The laboratory tests and vital signs of the study: CDISC CT submission values and their NCI codes
#: (the test code and test name codelists share each test's code).
LB_TESTS = [("ALB", "Albumin", "C64431"), ("ALP", "Alkaline Phosphatase", "C64432"),
            ("ALT", "Alanine Aminotransferase", "C64433"), ("AST", "Aspartate Aminotransferase", "C64467"),
            ("BILI", "Bilirubin", "C38037"), ("BUN", "Blood Urea Nitrogen", "C61019"), ("CA", "Calcium", "C64488"),
            ("CREAT", "Creatinine", "C64547"), ("EOS", "Eosinophils", "C64550"),
            ("GGT", "Gamma Glutamyl Transferase", "C64847"), ("GLUC", "Glucose", "C105585"),
            ("HGB", "Hemoglobin", "C64848"), ("K", "Potassium", "C64853"), ("LYM", "Lymphocytes", "C51949"),
            ("MONO", "Monocytes", "C64823"), ("NEUT", "Neutrophils", "C63321"), ("PLAT", "Platelets", "C51951"),
            ("RBC", "Erythrocytes", "C51946"), ("SODIUM", "Sodium", "C64809"), ("WBC", "Leukocytes", "C51948")]
VS_TESTS = [("DIABP", "Diastolic Blood Pressure", "C25299"), ("HEIGHT", "Height", "C25347"),
            ("PULSE", "Pulse Rate", "C49676"), ("SYSBP", "Systolic Blood Pressure", "C25298"),
            ("TEMP", "Temperature", "C174446"), ("WEIGHT", "Weight", "C25208")]
SDTM_CODELISTS.update({
    "LBTESTCD": _coded("LBTESTCD", "Laboratory Test Code", "C65047", [(c, n) for c, _, n in LB_TESTS]),
    "LBTEST": _coded("LBTEST", "Laboratory Test Name", "C67154", [(t, n) for _, t, n in LB_TESTS]),
    "VSTESTCD": _coded("VSTESTCD", "Vital Signs Test Code", "C66741", [(c, n) for c, _, n in VS_TESTS]),
    "VSTEST": _coded("VSTEST", "Vital Signs Test Name", "C67153", [(t, n) for _, t, n in VS_TESTS]),
    "UNIT": _coded("UNIT", "Unit", "C71620", [
        ("mg", "C28253"), ("mm", "C28251"), ("g/dL", "C64783"), ("g/L", "C42576"), ("10^9/L", "C67255"),
        ("10^12/L", "C67308"), ("U/L", "C67456"), ("mg/dL", "C67015"), ("umol/L", "C48508"), ("mmol/L", "C64387")]),
    "VSRESU": _coded("VSRESU", "Units for Vital Signs Results", "C66770", [
        ("mmHg", "C49670"), ("beats/min", "C49673"), ("C", "C42559"), ("kg", "C28252"), ("cm", "C49668")]),
    "NRIND": _coded("NRIND", "Reference Range Indicator", "C78736", [
        ("LOW", "C78800"), ("NORMAL", "C78727"), ("HIGH", "C78801")]),
    "ND": _coded("ND", "Not Done", "C66789", [("NOT DONE", "C49484")], extensible=False),
    "SPECTYPE": _coded("SPECTYPE", "Specimen Type", "C78734", [("BLOOD", "C12434"), ("SERUM", "C13325")]),
    "LBCAT": _cl("LBCAT", "Category for Lab Test", ["HEMATOLOGY", "CHEMISTRY"], terminology="Sponsor",
                 extensible=False),
})

#: Terms a CDISC codelist of the spec must list (added when missing; codes from update_specs.py).
SDTM_TERMS: dict[str, list[str]] = {
    "TSPARMCD": ["OBSMODEL", "OBSTIMP", "OBSTPOPD", "OBSTSMM", "NCOHORT"],
    "TSPARM": ["Observational Model", "Observational Time Perspective", "Obs Study Population Description",
               "Observational Study Sampling Method", "Number of Groups/Cohorts"],
}

SDTM_METHODS: dict[str, tuple[str, str]] = {
    "MT.EPOCH": ("Epoch", "Blank before informed consent (RFICDTC: pre-study records such as prior therapy, "
                 "SDTMIG 4.1.3.1); SCREENING from RFICDTC to the day before RFXSTDTC; TREATMENT from RFXSTDTC "
                 "to RFXENDTC; FOLLOW-UP after RFXENDTC; blank for partial dates."),
    "MT.VISITNUM": ("Visit number", "Two planned schedules (TV): tumour assessments BASELINE = 1, WEEK n = n/6 + 1 "
                    "(every 6 weeks); treatment cycles CYCLE n = 100 + n (21-day cycles). Laboratory tests and vital "
                    "signs at BASELINE and CYCLE n; an UNSCHEDULED sample: the VISITNUM of the subject's last planned "
                    "visit on or before it (LB or EX) plus 0.01 per unscheduled date after that visit."),
    "MT.VISITDY": ("Planned study day", "WEEK n: 7 x n + 1; CYCLE n: 21 x (n - 1) + 1; BASELINE: none (any day "
                   "before the first dose)."),
    "MT.LOBXFL": ("Last observation before exposure", "Y on the last record with a result dated on or before "
                  "DM.RFXSTDTC, per subject and test (TR/TU: and lesion, --LNKID; LB: and specimen); blank otherwise."),
    "MT.ARMNRS": ("Arm null reason", "ASSIGNED, NOT TREATED when the subject received no dose of either drug "
                  "(RFXSTDTC blank; ACTARMCD and ACTARM are then null); blank for treated subjects."),
    "MT.ACTARMUD": ("Unplanned actual arm", "Blank: the single arm is the only treatment a subject can receive, "
                    "so no actual arm is unplanned."),
    "MT.ACTARM": ("Actual arm", "The planned arm when RFXSTDTC is not missing, else null (ARMNRS then ASSIGNED, NOT "
                  "TREATED)."),
    "MT.TSVALCD": ("Trial summary value codes", "TSVALCD: the NCI code of TSVAL in the parameter's CDISC CT "
                   "codelist (TSVCDREF CDISC CT, TSVCDVER the CT version of study.toml); REGID: the registry "
                   "number (ClinicalTrials.gov); dates: TSVCDREF ISO 8601; blank for free text."),
    "MT.DSSTDTC": ("Disposition date", "Informed consent, end of treatment and death dates as collected; for the "
                   "status ONGOING of a subject alive at the data cut-off, the last known alive date of the survival "
                   "follow-up page (the last contact before the cut-off)."),
    "MT.SV": ("Subject visits", "One record per subject and visit with data in EX, TU, TR, RS, LB or VS: SVSTDTC / "
              "SVENDTC the first / last date of the visit's records; SVOCCUR Y; SVPRESP Y for the visits planned in TV, "
              "blank for unscheduled visits, whose SVUPDES says why they happened."),
    "MT.NRIND": ("Reference range indicator", "LOW when LBSTRESN < LBSTNRLO, HIGH when LBSTRESN > LBSTNRHI, NORMAL "
                 "otherwise; blank without a result or a range."),
}
#: the SDTM programs whose --SEQ order MT.SEQ states (every program that numbers records)
SEQ_FUNCTION = "derive_var_obs_number"


# ---------------------------------------------------------------------------- methods stated from the programs
# A method text states the rule with the values in force (issue 12): the test tables, unit conversions,
# normal ranges and --SEQ orders are read from the programs and the raw range file that apply them, so the
# define cannot drift from what the programs do (--check fails when they change and the spec was not rebuilt).

def _study():
    from derivations.study import Study

    return Study.load(ROOT)


def _tests_text(domain: str, tests, where: str) -> str:
    """'<where>: HGB Hemoglobin (g/dL), ...' of a TestMap (a page column named otherwise than its test says so)."""
    frame = tests.frame()
    items = []
    for r in frame.itertuples(index=False):
        column = "" if r.COLUMN == r.TESTCD else f" (page column {r.COLUMN})"
        unit = f" ({r.ORRESU})" if "ORRESU" in frame and r.ORRESU else ""
        items.append(f"{r.TESTCD} {r.TEST}{unit}{column}")
    return f"{where}: " + ", ".join(items)


def _decimals(n: int) -> str:
    return "1 decimal" if n == 1 else f"{n} decimals"


def _units_text(conversions) -> str:
    """Each (test, unit) of a UnitConversions table: the factor, the standard unit and its decimals."""
    items = []
    for r in conversions.frame().itertuples(index=False):
        if r.FACTOR == 1 and r.ORRESU == r.STRESU:
            items.append(f"{r.TESTCD} {r.STRESU} as collected, {_decimals(r.DECIMALS)}")
        else:
            items.append(f"{r.TESTCD} {r.ORRESU} x {r.FACTOR:g} = {r.STRESU}, {_decimals(r.DECIMALS)}")
    return "; ".join(items)


def _ranges_text(study, lb) -> str:
    """The laboratory's normal ranges as collected and in the standard unit (converted as the program does)."""
    import pandas as pd

    from derivations.io import read_raw_page
    from derivations.sdtm import derive_vars_std_units

    raw = read_raw_page(study.raw_dir / "lb_ranges.csv", encoding=study.encoding("raw"))
    ranges = raw[list(lb.RANGE_COLUMNS)].rename(columns=lb.RANGE_COLUMNS)
    records = pd.DataFrame({"LBTESTCD": ranges["TESTCD"], "LBORRES": "", "LBORRESU": ranges["ORRESU"],
                            "LBORNRLO": ranges["ORNRLO"], "LBORNRHI": ranges["ORNRHI"]})
    std = derive_vars_std_units(records, domain="LB", conversions=lb.UNITS)
    stresu = {(r.TESTCD, r.ORRESU): r.STRESU for r in lb.UNITS.frame().itertuples(index=False)}
    items = []
    for (testcd, unit), group in ranges.assign(STNRLO=std["LBSTNRLO"], STNRHI=std["LBSTNRHI"]).groupby(
            ["TESTCD", "ORRESU"], sort=False):
        parts = []
        for r in group.itertuples(index=False):
            sex = f"{r.SEX} " if r.SEX else ""
            same = unit == stresu[(testcd, unit)] and (float(r.ORNRLO), float(r.ORNRHI)) == (r.STNRLO, r.STNRHI)
            converted = "" if same else f" = {r.STNRLO:g}-{r.STNRHI:g} {stresu[(testcd, unit)]}"
            parts.append(f"{sex}{r.ORNRLO}-{r.ORNRHI} {unit}{converted}")
        items.append(f"{testcd} " + ", ".join(parts))
    return "; ".join(items)


def _seq_orders(study) -> list[str]:
    """'<domain>: <order>' of each SDTM program's --SEQ, read from its derive_var_obs_number call."""
    import ast

    out = []
    for name in study.programs("sdtm"):
        tree = ast.parse((study.root / "sdtm" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == SEQ_FUNCTION:
                kw = {k.arg: ast.literal_eval(k.value) for k in node.keywords
                      if k.arg in ("new_var", "by_vars", "order")}
                if "new_var" not in kw or not str(kw["new_var"]).endswith("SEQ"):
                    continue
                order = ", ".join(kw.get("order", [])) or "the order the values are listed"
                out.append(f"{kw['new_var']} within {', '.join(kw['by_vars'])} by {order}")
    return out


def study_methods() -> dict[str, tuple[str, str]]:
    """The methods whose text is stated from the programs' tables (see above)."""
    study = _study()
    lb, vs = study.program("sdtm", "lb").module, study.program("sdtm", "vs").module
    hem = lb.HEMATOLOGY.frame()
    chem = lb.CHEMISTRY.frame()
    return {
        "MT.SEQ": ("Sequence number", "Consecutive integers from 1 per subject (TS: per parameter) after sorting "
                   "the records: " + "; ".join(_seq_orders(study)) + "."),
        "MT.LBTESTCD": ("Laboratory test", "LBTESTCD, LBTEST, LBCAT, LBSPEC and the unit printed on the CRF "
                        "(LBORRESU) by the page column of the result. "
                        + _tests_text("LB", lb.HEMATOLOGY, f"Haematology page (LBCAT {hem['CAT'].iloc[0]}, LBSPEC "
                                                           f"{hem['SPEC'].iloc[0]})") + ". "
                        + _tests_text("LB", lb.CHEMISTRY, f"Chemistry page (LBCAT {chem['CAT'].iloc[0]}, LBSPEC "
                                                          f"{chem['SPEC'].iloc[0]})") + "."),
        "MT.VSTESTCD": ("Vital sign test", "VSTESTCD, VSTEST and the unit printed on the CRF (VSORRESU) by the page "
                        "column of the result. " + _tests_text("VS", vs.VITALS, "At every visit") + ". "
                        + _tests_text("VS", vs.BASELINE_ONLY, "At the baseline visit only (a blank later is not a "
                                                              "test not done)") + "."),
        "MT.STRESU": ("Standard units", "--STRESN = --ORRES x factor, rounded half away from zero to the standard "
                      "unit's decimals; --STRESC the same number as text, or the operator and number of a result such "
                      "as <0.1; --STNRLO/--STNRHI the ranges converted alike; a numeric result whose test and unit "
                      "are not below stops the run. LB: " + _units_text(lb.UNITS) + ". VS: "
                      + _units_text(vs.UNITS) + "."),
        "MT.LBSTNR": ("Normal range in standard units", "The central laboratory's normal ranges (LBORNRLO-LBORNRHI, "
                      "by test, unit and sex; no sex: both) converted to the standard unit as the result (MT.STRESU): "
                      + _ranges_text(study, lb) + "."),
    }


def add_sdtm_metadata(spec: Spec) -> Spec:
    """The SDTM variables, datasets, codelists and methods of the tables above (idempotent)."""
    for name, variables in SDTM_VARIABLES.items():
        ds = spec.datasets.get(name)
        if ds is None:
            continue
        have = set(ds.variable_names)
        ds.variables = ds.variables + [replace(v, order=len(ds.variables) + i + 1)
                                       for i, v in enumerate(x for x in variables if x.name not in have)]
    for (name, var), change in SDTM_CHANGES.items():
        ds = spec.datasets.get(name)
        if ds is not None and var in ds.variable_names:
            ds.variables = [replace(v, **change) if v.name == var else v for v in ds.variables]
    datasets = dict(spec.datasets)
    for name, (attrs, variables) in SDTM_DATASETS.items():
        if name not in datasets:
            after = SDTM_DATASET_AFTER.get(name)
            new = DatasetSpec(name, standard="SDTMIG 3.4",
                              variables=[replace(v, order=i) for i, v in enumerate(variables, 1)], **attrs)
            items = list(datasets.items())
            pos = next((i + 1 for i, (k, _) in enumerate(items) if k == after), len(items))
            datasets = dict(items[:pos] + [(name, new)] + items[pos:])
    spec.datasets = datasets
    for cid, cl in SDTM_CODELISTS.items():
        old = spec.codelists.get(cid)
        if old is None or [t.term for t in old.terms] != [t.term for t in cl.terms] or old.name != cl.name:
            spec.codelists[cid] = cl
        elif cl.terminology.startswith("Sponsor") and old != cl:
            spec.codelists[cid] = cl
    for cid, terms in SDTM_TERMS.items():
        cl = spec.codelists.get(cid)
        if cl is not None:
            missing = [t for t in terms if t not in cl.values]
            if missing:
                spec.codelists[cid] = replace(cl, terms=cl.terms + tuple(Term(t) for t in missing))
    for mid, (name, text) in {**SDTM_METHODS, **study_methods()}.items():
        old = spec.methods.get(mid)
        new = Method(mid, name, old.type if old else "Computation", text)
        if old != new:
            spec.methods[mid] = new
    return spec


def _predecessor(name: str, data_type: str = "text", length: int | None = 100, codelist: str = "") -> VariableSpec:
    v = _v("ADAE", name, data_type, length, origin="Predecessor", codelist=codelist, source=f"AE.{name}")
    return replace(v, predecessor=f"AE.{name}", label=load_ig("SDTMIG", "3.4").dataset_for("AE").variable(name).label)


#: ADaM variables copied from SDTM (OCCDS dictionary variables): dataset -> (after this variable, variables).
ADAM_VARIABLES: dict[str, tuple[str, list[VariableSpec]]] = {
    "ADAE": ("AESOC", [
        _predecessor("AELLT", codelist="MEDDRA"), _predecessor("AELLTCD", "integer"), _predecessor("AEPTCD", "integer"),
        _predecessor("AEHLT", codelist="MEDDRA"), _predecessor("AEHLTCD", "integer"),
        _predecessor("AEHLGT", codelist="MEDDRA"), _predecessor("AEHLGTCD", "integer"),
        _predecessor("AEBDSYCD", "integer"), _predecessor("AESOCCD", "integer")]),
}


def add_adam_metadata(spec: Spec) -> Spec:
    """The ADaM variables of :data:`ADAM_VARIABLES`, each block after its anchor (idempotent)."""
    for name, (after, variables) in ADAM_VARIABLES.items():
        ds = spec.datasets.get(name)
        if ds is None or after not in ds.variable_names:
            continue
        have = set(ds.variable_names)
        new = [v for v in variables if v.name not in have]
        if not new:
            continue
        pos = ds.variable_names.index(after) + 1
        ds.variables = [replace(v, order=i) for i, v in enumerate(ds.variables[:pos] + new + ds.variables[pos:], 1)]
    return spec


# ---------------------------------------------------------------------------- ADaM BDS datasets (issue 14)
def _a(dataset: str, name: str, data_type: str = "text", length: int | None = None, *, label: str = "",
       origin: str = "Derived", method: str = "", codelist: str = "", predecessor: str = "",
       mandatory: bool = False) -> VariableSpec:
    """An ADaM variable the BDS programs write (IG variables get the IG's label from :func:`conform_to_ig`)."""
    fmt = ""
    if data_type == "date":
        data_type, fmt = "integer", "DATE9."
    if data_type in ("integer", "float"):
        length = None
    return VariableSpec(dataset, name, label=label, data_type=data_type, length=length, format=fmt,
                        mandatory=mandatory, codelist=codelist, origin=origin, method=method,
                        source=predecessor, predecessor=predecessor)


def _adsl(dataset: str) -> list[VariableSpec]:
    """The ADSL variables a BDS dataset of the study carries."""
    out = []
    for name, label, data_type, length, codelist, mandatory in (
            ("STUDYID", "Study Identifier", "text", 20, "", True),
            ("USUBJID", "Unique Subject Identifier", "text", 30, "", True),
            ("SUBJID", "Subject Identifier for the Study", "text", 10, "", False),
            ("SITEID", "Study Site Identifier", "text", 10, "", False),
            ("TRT01A", "Actual Treatment for Period 01", "text", 40, "", False),
            ("SAFFL", "Safety Population Flag", "text", 1, "NY", False),
            ("TRTSDT", "Date of First Exposure to Treatment", "date", None, "", False),
            ("TRTEDT", "Date of Last Exposure to Treatment", "date", None, "", False)):
        out.append(_a(dataset, name, data_type, length, label=label, origin="Predecessor", codelist=codelist,
                      predecessor=f"ADSL.{name}", mandatory=mandatory))
    out.append(_a(dataset, "TRTA", length=40, label="Actual Treatment", method="MT.TRTA"))
    return out


def _timing(dataset: str, domain: str) -> list[VariableSpec]:
    """Dates, visits, windows and flags of a BDS dataset of the study."""
    d = dataset
    return [
        _a(d, "ADT", "date", label="Analysis Date", method="MT.BDS.ADT"),
        _a(d, "ADY", "integer", label="Analysis Relative Day", method="MT.ADY"),
        _a(d, "VISIT", length=20, label="Visit Name", origin="Predecessor", predecessor=f"{domain}.VISIT"),
        _a(d, "VISITNUM", "float", label="Visit Number", origin="Predecessor", predecessor=f"{domain}.VISITNUM"),
        _a(d, "AVISIT", length=10, label="Analysis Visit", method="MT.BDS.AVISIT"),
        _a(d, "AVISITN", "integer", label="Analysis Visit (N)", method="MT.BDS.AVISIT"),
        _a(d, "AWLO", "integer", label="Analysis Window Beginning Timepoint", method="MT.BDS.AVISIT"),
        _a(d, "AWHI", "integer", label="Analysis Window Ending Timepoint", method="MT.BDS.AVISIT"),
        _a(d, "AWTARGET", "integer", label="Analysis Window Target", method="MT.BDS.AVISIT"),
        _a(d, "AWU", length=4, label="Analysis Window Unit", codelist="AVALU", method="MT.BDS.AVISIT"),
        _a(d, "ONTRTFL", length=1, label="On Treatment Record Flag", codelist="Y", method="MT.ONTRTFL"),
        _a(d, "ANL01FL", length=1, label="Analysis Flag 01", codelist="Y", method="MT.BDS.ANL01FL"),
        _a(d, "ASEQ", "integer", label="Analysis Sequence Number", method="MT.BDS.ASEQ"),
    ]


def _baseline(dataset: str) -> list[VariableSpec]:
    d = dataset
    return [_a(d, "BASE", "float", label="Baseline Value", method="MT.BDS.BASE"),
            _a(d, "ABLFL", length=1, label="Baseline Record Flag", codelist="Y", method="MT.BDS.BASE"),
            _a(d, "CHG", "float", label="Change from Baseline", method="MT.BDS.CHG"),
            _a(d, "PCHG", "float", label="Percent Change from Baseline", method="MT.BDS.CHG")]


_TOX = [("L", "Low"), ("H", "High")]
ADAM_DATASETS: dict[str, tuple[dict, list[VariableSpec]]] = {
    "ADLB": (dict(label="Laboratory Analysis Dataset", cls="BASIC DATA STRUCTURE",
                  structure="One record per subject per parameter per LB record",
                  keys=["STUDYID", "USUBJID", "PARAMCD", "ADT", "LBSEQ"]),
             _adsl("ADLB") + [
                 _a("ADLB", "LBSEQ", "integer", label="Sequence Number", origin="Predecessor",
                    predecessor="LB.LBSEQ"),
                 _a("ADLB", "PARCAT1", length=10, label="Parameter Category 1", origin="Predecessor",
                    predecessor="LB.LBCAT"),
                 _a("ADLB", "PARAMCD", length=8, label="Parameter Code", origin="Assigned", codelist="PARAMCD_LB",
                    method="MT.ADLB.PARAM", mandatory=True),
                 _a("ADLB", "PARAM", length=40, label="Parameter", origin="Assigned", codelist="PARAM_LB",
                    method="MT.ADLB.PARAM", mandatory=True),
                 _a("ADLB", "PARAMN", "integer", label="Parameter (N)", origin="Assigned", method="MT.ADLB.PARAM"),
                 _a("ADLB", "AVAL", "float", label="Analysis Value", method="MT.ADLB.AVAL"),
                 _a("ADLB", "ANRLO", "float", label="Analysis Normal Range Lower Limit", origin="Predecessor",
                    predecessor="LB.LBSTNRLO"),
                 _a("ADLB", "ANRHI", "float", label="Analysis Normal Range Upper Limit", origin="Predecessor",
                    predecessor="LB.LBSTNRHI"),
                 _a("ADLB", "ANRIND", length=6, label="Analysis Reference Range Indicator", codelist="NRIND",
                    method="MT.ANRIND"),
             ] + _baseline("ADLB") + [
                 _a("ADLB", "BNRIND", length=6, label="Baseline Reference Range Indicator", codelist="NRIND",
                    method="MT.BDS.BASE"),
                 _a("ADLB", "R2BASE", "float", label="Ratio to Baseline", method="MT.R2BASE"),
                 _a("ADLB", "SHIFT1", length=20, label="Shift 1", method="MT.SHIFT1"),
             ] + [v for d, word in _TOX for v in (
                 _a("ADLB", f"ATOXDSC{d}", length=40, label=f"Analysis Toxicity Description {word}",
                    origin="Assigned", method="MT.ADLB.ATOXDSC"),
                 _a("ADLB", f"ATOXGR{d}", length=1, label=f"Analysis Toxicity Grade {word}", codelist="TOXGRLB",
                    method="MT.ADLB.ATOXGR"),
                 _a("ADLB", f"BTOXGR{d}", length=1, label=f"Baseline Toxicity Grade {word}", codelist="TOXGRLB",
                    method="MT.BDS.BASE"))] + [
                 _a("ADLB", "ATOXGR", length=2, label="Analysis Toxicity Grade", codelist="TOXGRLBD",
                    method="MT.ADLB.ATOXGR"),
                 _a("ADLB", "BTOXGR", length=2, label="Baseline Toxicity Grade", codelist="TOXGRLBD",
                    method="MT.BDS.BASE"),
             ] + _timing("ADLB", "LB")),
    "ADVS": (dict(label="Vital Signs Analysis Dataset", cls="BASIC DATA STRUCTURE",
                  structure="One record per subject per parameter per analysis date",
                  keys=["STUDYID", "USUBJID", "PARAMCD", "ADT"]),
             _adsl("ADVS") + [
                 _a("ADVS", "VSSEQ", "integer", label="Sequence Number", origin="Predecessor",
                    predecessor="VS.VSSEQ"),
                 _a("ADVS", "PARAMCD", length=8, label="Parameter Code", origin="Assigned", codelist="PARAMCD_VS",
                    method="MT.ADVS.PARAM", mandatory=True),
                 _a("ADVS", "PARAM", length=40, label="Parameter", origin="Assigned", codelist="PARAM_VS",
                    method="MT.ADVS.PARAM", mandatory=True),
                 _a("ADVS", "PARAMN", "integer", label="Parameter (N)", origin="Assigned", method="MT.ADVS.PARAM"),
                 _a("ADVS", "AVAL", "float", label="Analysis Value", method="MT.ADVS.AVAL"),
             ] + _baseline("ADVS") + [
                 _a("ADVS", "CRIT1", length=20, label="Analysis Criterion 1", method="MT.ADVS.CRIT1"),
                 _a("ADVS", "CRIT1FL", length=1, label="Criterion 1 Evaluation Result Flag", codelist="NY",
                    method="MT.ADVS.CRIT1"),
             ] + _timing("ADVS", "VS")),
}
#: where the new datasets go in the define's order: after this dataset
ADAM_DATASET_AFTER = {"ADLB": "ADAE", "ADVS": "ADLB"}
ADAM_CODELISTS: dict[str, Codelist] = {
    "NRIND": SDTM_CODELISTS["NRIND"],  # the same terms and NCI codes as in SDTM
    "TOXGRLB": _cl("TOXGRLB", "Laboratory Toxicity Grade (CTCAE v5.0)", ["0", "1", "2", "3", "4"],
                   terminology="Sponsor", extensible=False,
                   decodes={"0": "Normal or not abnormal in this direction", "1": "Grade 1 (mild)",
                            "2": "Grade 2 (moderate)", "3": "Grade 3 (severe)", "4": "Grade 4 (life-threatening)"}),
    # ATOXGR / BTOXGR: the grade with its direction (admiral derive_var_atoxgr), low grades negative
    "TOXGRLBD": _cl("TOXGRLBD", "Laboratory Toxicity Grade with Direction (CTCAE v5.0)",
                    ["-4", "-3", "-2", "-1", "0", "1", "2", "3", "4"], terminology="Sponsor", extensible=False,
                    decodes={"-4": "Grade 4 low", "-3": "Grade 3 low", "-2": "Grade 2 low", "-1": "Grade 1 low",
                             "0": "Normal or not abnormal", "1": "Grade 1 high", "2": "Grade 2 high",
                             "3": "Grade 3 high", "4": "Grade 4 high"}),
}


def _param_codelists() -> dict[str, Codelist]:
    """PARAMCD / PARAM codelists of ADLB and ADVS from the programs' parameter tables (one home)."""
    from adam.adlb import PARAMS as LB_PARAMS
    from adam.advs import COMPUTED, PARAMS as VS_PARAMS

    vs = list(zip(VS_PARAMS["PARAMCD"], VS_PARAMS["PARAM"], VS_PARAMS["PARAMN"])) + [
        (c["PARAMCD"], c["PARAM"], c["PARAMN"]) for c in COMPUTED.values()]
    out = {}
    for ds, rows in (("LB", list(zip(LB_PARAMS["PARAMCD"], LB_PARAMS["PARAM"], LB_PARAMS["PARAMN"]))), ("VS", vs)):
        rows = sorted(rows, key=lambda r: r[2])
        out[f"PARAMCD_{ds}"] = _cl(f"PARAMCD_{ds}", f"AD{ds} Parameter Code", [r[0] for r in rows],
                                   terminology="Sponsor", extensible=False, decodes={r[0]: r[1] for r in rows})
        out[f"PARAM_{ds}"] = _cl(f"PARAM_{ds}", f"AD{ds} Parameter", [r[1] for r in rows], terminology="Sponsor",
                                 extensible=False)
    return out


def add_adam_datasets(spec: Spec) -> Spec:
    """ADLB and ADVS exactly as :data:`ADAM_DATASETS` has them (this script owns them), with their codelists."""
    datasets = dict(spec.datasets)
    for name, (attrs, variables) in ADAM_DATASETS.items():
        new = DatasetSpec(name, standard="ADaMIG 1.3", repeating="Yes", reference_data="No",
                          variables=[replace(v, order=i) for i, v in enumerate(variables, 1)], **attrs)
        if name in datasets:
            datasets[name] = new
            continue
        items = list(datasets.items())
        pos = next((i + 1 for i, (k, _) in enumerate(items) if k == ADAM_DATASET_AFTER.get(name)), len(items))
        datasets = dict(items[:pos] + [(name, new)] + items[pos:])
    spec.datasets = datasets
    for cid, cl in {**ADAM_CODELISTS, **_param_codelists()}.items():
        old = spec.codelists.get(cid)
        if old != cl:
            spec.codelists[cid] = cl
    return spec


def conform(spec: Spec) -> Spec:
    ig = ig_for_spec(spec)
    if ig is not None and ig.standard == "ADAMIG":
        spec = add_adam_metadata(spec)
        spec = add_adam_datasets(spec)
    if ig is not None and ig.standard == "SDTMIG":
        spec = add_sdtm_metadata(spec)
    spec = conform_to_ig(spec)
    if ig is not None and ig.standard == "SDTMIG":
        for name in list(spec.datasets):
            if not name.startswith("SUPP"):
                spec = order_as_ig(spec, name)
    return spec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report whether a workbook would change")
    args = ap.parse_args(argv)
    changed = []
    for name in ("sdtm_spec.xlsx", "adam_spec.xlsx"):
        path = ROOT / "specs" / name
        before = read_spec(path)
        after = conform(read_spec(path))
        if repr((before.datasets, before.codelists, before.methods)) != repr((after.datasets, after.codelists,
                                                                               after.methods)):
            changed.append(name)
            if not args.check:
                write_spec(after, path)
    print(("would change: " if args.check else "changed: ") + (", ".join(changed) or "nothing"))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
