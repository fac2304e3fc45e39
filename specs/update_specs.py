"""Keep the study's spec workbooks' terminology and define.xml metadata as the study states them.

The specs are binary workbooks that several people edit. What this script owns in
them is written here, as data, so that after a merge it is re-run rather than
hand-merged. It is idempotent: a second run changes nothing.

Controlled terminology (the CDISC CT release that study.toml's ``[study] ct_version`` names):

1. RACE is the CT codelist C74457 with all its terms, identical in SDTM and ADaM;
   ADaM's TOXGR is SDTM's (CTCAE v5.0 grades, a sponsor codelist).
2. MedDRA-coded AE terms (AEDECOD, AEBODSYS, AESOC, AELLT, AEHLT, AEHLGT) refer to
   the Dictionaries sheet's ``MEDDRA`` entry by its ID in the Codelist column; the
   ADaM spec gets the same dictionary entry for ADAE.
3. Every CDISC codelist gets its NCI codelist code, its extensibility and each
   term's NCI code from the CT package (``derivations.ct.apply_ct``); a term the
   CT does not list stays without a code: a sponsor extension.

define.xml metadata:

4. Documents: the annotated CRF and the reviewer's guides (files a study supplies in
   ``documents/``; placeholders are written where it does not) and the ADaM programs
   (``../programs/<name>.txt`` in the submission), instead of links outside the package.
5. Method texts state each rule with the values in force: ``{adam.confirm_days}`` is
   filled from study.toml when define.xml is written.
6. Value-level metadata per PARAMCD for ADRS (AVALC, ADT) and ADTTE (STARTDT, ADT,
   CNSR), each row with its own method; comments where an ADaM derivation needs one.

Run from the repository root::

    .venv/bin/python specs/update_specs.py           # rewrite the workbooks that change, print what changed
    .venv/bin/python specs/update_specs.py --check   # exit 1 if a workbook is not as the script would write it
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tomllib
from pathlib import Path

from derivations.ct import apply_ct, ct_codelist, load_ct
from derivations.spec import Comment, Document, Method, ValueLevelSpec, read_spec, write_spec

ROOT = Path(__file__).resolve().parents[1]
MEDDRA_VARIABLES = ("AEDECOD", "AEBODSYS", "AESOC", "AELLT", "AEHLT", "AEHLGT")
RACE_CODE = "C74457"

# ---------------------------------------------------------------------------- documents
SDTM_DOCUMENTS = {
    "ACRF": Document("ACRF", "Annotated Case Report Form", "acrf.pdf"),
    "CSDRG": Document("CSDRG", "Clinical Study Data Reviewer's Guide", "csdrg.pdf"),
}
ADAM_DOCUMENTS = {
    "ADRG": Document("ADRG", "Analysis Data Reviewer's Guide", "adrg.pdf"),
    **{f"PGM.{n.upper()}": Document(f"PGM.{n.upper()}", f"{n.upper()} program (adam/{n}.py)", f"../programs/{n}.txt")
       for n in ("adsl", "adrs", "adtte", "adae", "adtr", "adlb", "advs")},
}

# ---------------------------------------------------------------------------- ADaM methods
ADAM_METHODS = {
    "MT.AGEGR1": ("Age group", "AGEGR1 = '<{adam.agegr1_cut}' when AGE < {adam.agegr1_cut} years, else "
                  "'>={adam.agegr1_cut}'; AGEGR1N = 1 / 2.", "PGM.ADSL"),
    "MT.DCUTDT": ("Data cut-off date", "The study's data cut-off date, {study.cutoff_date}.", ""),
    "MT.TRTEMFL": ("Treatment-emergent flag", "Y when ASTDT is on or after TRTSDT and on or before TRTEDT + "
                   "{adam.trtem_end_window} days, or when ASTDT is missing.", "PGM.ADAE"),
    "MT.ASTDT": ("AE start date", "AESTDTC with a missing day imputed as the first of the month and a missing month "
                 "as 1 January, but not before TRTSDT when in the month of TRTSDT; ASTDTF the level imputed (D, M).",
                 "PGM.ADAE"),
    "MT.AENDT": ("AE end date", "AEENDTC with a missing day imputed as the last of the month and a missing month as "
                 "31 December, but not after DCUTDT or DTHDT; AENDTF the level imputed.", "PGM.ADAE"),
    "MT.ADTR.AVAL": ("Sum of diameters", "Sum over the target lesions (TU TUSTRESC = 'TARGET') of TR TRSTRESN at "
                     "the assessment: longest diameter, short axis for lymph nodes (RECIST 1.1); missing when a "
                     "target lesion is not measured.", "PGM.ADTR"),
    "MT.ADRS.AVALC": ("Response value", "Per PARAMCD (OVR, OVRDER, BOR, CBOR, RSP, CRSP, DCR, PD, LSTA, DEATH, "
                      "MDIS), each with its method in the value-level metadata.", "PGM.ADRS"),
    "MT.ADRS.ADT": ("Response date", "Per PARAMCD (OVR, OVRDER, BOR, CBOR, RSP, CRSP, DCR, PD, LSTA, DEATH, MDIS), "
                    "each with its method in the value-level metadata.", "PGM.ADRS"),
    "MT.ADRS.AVALC.OVR": ("OVR", "RS.RSSTRESC of RSTESTCD = 'OVRLRESP' and RSEVAL = 'INVESTIGATOR'.", "PGM.ADRS"),
    "MT.ADRS.AVALC.OVRDER": ("OVRDER", "Overall response at each assessment derived from the TU/TR lesion data by "
                             "RECIST 1.1: target CR (non-nodal targets 0 mm, nodal targets < 10 mm short axis), PR "
                             "(sum at least 30% below baseline), PD (sum at least 20% and 5 mm above the nadir); "
                             "non-target and new lesions as in the RECIST 1.1 overall response table.", "PGM.ADRS"),
    "MT.ADRS.AVALC.BOR": ("BOR", "Best of the OVR records with ANL01FL = ANL02FL = 'Y' (from TRTSDT, before new "
                          "anti-cancer therapy, up to the first PD): CR > PR > SD > NON-CR/NON-PD > PD > NE; SD and "
                          "NON-CR/NON-PD count only at least {adam.sd_min_days} days after TRTSDT; MISSING without an "
                          "assessment. Confirmation not required.", "PGM.ADRS"),
    "MT.ADRS.AVALC.CBOR": ("CBOR", "As BOR, but a CR or PR counts only when confirmed by an assessment at least "
                           "{adam.confirm_days} days later (CR by CR; PR by CR or PR), with at most one NE between.",
                           "PGM.ADRS"),
    "MT.ADRS.AVALC.RSP": ("RSP", "Y when BOR is CR or PR, else N.", "PGM.ADRS"),
    "MT.ADRS.AVALC.CRSP": ("CRSP", "Y when CBOR is CR or PR, else N.", "PGM.ADRS"),
    "MT.ADRS.AVALC.DCR": ("DCR", "Y when BOR is CR, PR, SD or NON-CR/NON-PD (SD and NON-CR/NON-PD at least "
                          "{adam.sd_min_days} days after TRTSDT), else N.", "PGM.ADRS"),
    "MT.ADRS.AVALC.PD": ("PD", "Y on the first OVR record with AVALC = 'PD' and ANL01FL = 'Y', else N.", "PGM.ADRS"),
    "MT.ADRS.AVALC.LSTA": ("LSTA", "AVALC of the last adequate OVR assessment (CR, PR, SD, NON-CR/NON-PD or PD) up to "
                           "the first PD and before new anti-cancer therapy.", "PGM.ADRS"),
    "MT.ADRS.AVALC.DEATH": ("DEATH", "Y when ADSL.DTHDT is present, else N.", "PGM.ADRS"),
    "MT.ADRS.AVALC.MDIS": ("MDIS", "Y when TU has a TARGET lesion at the BASELINE visit, else N.", "PGM.ADRS"),
    "MT.ADRS.ADT.OVR": ("OVR date", "RSDTC; a missing day is the last day of the month.", "PGM.ADRS"),
    "MT.ADRS.ADT.OVRDER": ("OVRDER date", "The first scan date (TRDTC) of the assessment.", "PGM.ADRS"),
    "MT.ADRS.ADT.OVRSEL": ("Date of the selected assessment", "ADT of the OVR record the parameter selects.",
                           "PGM.ADRS"),
    "MT.ADRS.ADT.DEATH": ("Death date", "ADSL.DTHDT.", "PGM.ADRS"),
    "MT.ADRS.ADT.MDIS": ("Baseline lesion date", "TUDTC of the first baseline TARGET lesion.", "PGM.ADRS"),
    "MT.ADTTE.STARTDT": ("Origin", "Per PARAMCD: TRTSDT for PFS and OS, the first response for DOR (each with its "
                         "method in the value-level metadata).", "PGM.ADTTE"),
    "MT.ADTTE.ADT": ("Event or censoring", "Per PARAMCD (PFS, OS, DOR), each with its events and censorings in the "
                     "value-level metadata: the earliest event date; without an event, the latest censoring date.",
                     "PGM.ADTTE"),
    "MT.ADTTE.STARTDT.TRT": ("Treatment start", "ADSL.TRTSDT.", "PGM.ADTTE"),
    "MT.ADTTE.STARTDT.DOR": ("First response", "ADT of ADRS PARAMCD = 'RSP' with AVALC = 'Y' (responders only).",
                             "PGM.ADTTE"),
    "MT.ADTTE.ADT.PFS": ("PFS event or censoring", "Events (CNSR = 0): the first PD (ADRS PARAMCD = 'PD', AVALC = "
                         "'Y') or death (ADSL.DTHDT before new anti-cancer therapy), the earliest. Otherwise censored "
                         "at the latest of: TRTSDT (CNSR = 2, no adequate assessment); the last adequate assessment "
                         "(ADRS LSTA; CNSR = 1); with new anti-cancer therapy, the last adequate assessment before it "
                         "(CNSR = 3).", "PGM.ADTTE"),
    "MT.ADTTE.ADT.OS": ("OS event or censoring", "Event (CNSR = 0): death (ADSL.DTHDT). Otherwise censored at the "
                        "latest of TRTSDT (CNSR = 2) and the last known alive date ADSL.LSTALVDT (CNSR = 1).",
                        "PGM.ADTTE"),
    "MT.ADTTE.ADT.DOR": ("DOR event or censoring", "Responders only. Events (CNSR = 0): the first PD or death before "
                         "new anti-cancer therapy, the earliest. Otherwise censored at the last adequate assessment "
                         "(CNSR = 1), or the last one before new anti-cancer therapy (CNSR = 3).", "PGM.ADTTE"),
    # BDS findings: ADLB and ADVS (adam/adlb.py, adam/advs.py, windows in adam/_bds.py)
    "MT.TRTA": ("Actual treatment", "TRT01A (one treatment period).", ""),
    "MT.BDS.ADT": ("Analysis date", "LBDTC / VSDTC, complete dates (the date of the sample or measurement).", ""),
    "MT.BDS.BASE": ("Baseline", "ABLFL = Y on the last record with a value on or before TRTSDT per subject and "
                    "parameter (by ADT; ADLB: then LBSEQ); BASE = AVAL of that record, and in ADLB BNRIND, BTOXGRL, "
                    "BTOXGRH, BTOXGR = ANRIND, ATOXGRL, ATOXGRH, ATOXGR of that record, on every record of the "
                    "subject and parameter.", ""),
    "MT.BDS.CHG": ("Change from baseline", "CHG = AVAL - BASE; PCHG = 100 x CHG / |BASE|, divided by the "
                   "absolute value of BASE (as admiral) so that a fall is negative with a negative BASE too (AVAL -6, "
                   "BASE -4: -50), missing when BASE is 0; on records after TRTSDT only.", ""),
    "MT.BDS.ASEQ": ("Analysis sequence number", "1, 2, ... per subject after sorting by PARAMN, ADT (ADLB: then "
                    "LBSEQ).", ""),
    "MT.ONTRTFL": ("On-treatment flag", "Y when TRTSDT - {adam.ontrt_start_window} days <= ADT <= TRTEDT + "
                   "{adam.ontrt_end_window} days (dates compared by day: on treatment from {adam.ontrt_start_window} "
                   "days before the day of the first dose), or when ADT is missing (a record that cannot be dated "
                   "counts as on treatment); blank otherwise.", ""),
    "MT.ANRIND": ("Reference range indicator", "LOW when AVAL < ANRLO, HIGH when AVAL > ANRHI, NORMAL otherwise; blank "
                  "without a value or a range.", "PGM.ADLB"),
    "MT.R2BASE": ("Ratio to baseline", "AVAL / BASE (missing when BASE is 0); on records after TRTSDT only.",
                  "PGM.ADLB"),
    "MT.SHIFT1": ("Shift from baseline", "BNRIND || ' to ' || ANRIND, NULL for a missing indicator; blank on the "
                  "baseline record.", "PGM.ADLB"),
    "MT.ADVS.AVAL": ("Vital-sign value", "VSSTRESN; MAP = (SYSBP + 2 x DIABP) / 3 of the same date; BMI = WEIGHT / "
                     "(HEIGHT / 100)^2 of the same date, HEIGHT from the subject's baseline measurement.", "PGM.ADVS"),
}


# ---------------------------------------------------------------------------- methods stated from the programs
# A method text states the rule with the values in force: the windows, parameter tables, CTCAE criteria and
# criteria of ADLB/ADVS are read from the programs that apply them (adam/_bds.py, adam/adlb.py, adam/advs.py),
# so define.xml cannot drift from what they do: --check fails when a table changes and the spec was not rebuilt.

def _param_text(params, testcd: str) -> str:
    """Test -> parameter, one item per row; a row without a test is a computed parameter."""
    return "; ".join(f"{getattr(r, testcd) if isinstance(getattr(r, testcd), str) else 'computed'} -> PARAMCD "
                     f"{r.PARAMCD}, PARAM '{r.PARAM}', PARAMN {r.PARAMN:g}" for r in params.itertuples(index=False))


def _computed_text(params, computed: dict, by: list[str]) -> str:
    """The computed parameters of a BDS program: formula over the source parameters' AVAL, and what it is."""
    units = dict(zip(params["PARAMCD"], params["UNIT"]))
    items = []
    for code, rule in computed.items():
        sources = ", ".join(f"{s} ({units[s]})" for s in rule["sources"])
        items.append(f"{code} ({units[code]}) = {rule['AVAL']}, with the AVAL of {sources}: {rule['about']}")
    return (f"one record per {', '.join(by[:-1])} and {by[-1]} with a value of every source parameter (no LBSEQ; "
            "PARCAT1, ANRLO and ANRHI those of the first source parameter's record): " + "; ".join(items))


def study_methods(study_root: Path = ROOT) -> dict[str, tuple[str, str, str]]:
    """The BDS methods whose text is stated from the programs' tables (see above)."""
    from derivations.study import Study

    study = Study.load(study_root)
    adlb, advs = study.program("adam", "adlb").module, study.program("adam", "advs").module
    windows, ctcae, params = adlb.WINDOWS, adlb.CTCAE_V5, adlb.PARAMS
    graded = []
    for r in params.itertuples(index=False):
        for direction, term in (("low", r.ATOXDSCL), ("high", r.ATOXDSCH)):
            if isinstance(term, str) and term:
                graded.append((r.PARAMCD, direction, term))
    terms = "; ".join(f"{code} {direction}: {term}" for code, direction, term in graded)
    criteria = " | ".join(f"{code}: {ctcae.term(term).describe()}" for code, _, term in graded)
    crit = "; ".join(f"{code}: CRIT1 '{text}' when {cond.replace('AVAL', code)}" for code, cond, text in advs.CRITERIA)
    computed = "; ".join(f"PARAMCD {v['PARAMCD']}, PARAM '{v['PARAM']}', PARAMN {v['PARAMN']:g}"
                         for v in advs.COMPUTED.values())
    return {
        "MT.BDS.AVISIT": ("Analysis visit windows", f"Windows of study day {windows.day_var} (relative to TRTSDT): "
                          + windows.describe() + f". AWLO/AWHI/AWTARGET the window's limits and target (AWU "
                          f"{windows.unit}). A record outside every window has no AVISIT and is reported.", ""),
        "MT.BDS.ANL01FL": ("Analysed record of the window", "Y on one record per subject, parameter and AVISITN with "
                           f"a value: {windows.selection}; blank otherwise.", ""),
        "MT.ADLB.PARAM": ("Laboratory parameter", "From LBTESTCD, in the standard unit of LB (LBSTRESU must be the "
                          "parameter's unit, else the run stops); PARCAT1 = LBCAT. " + _param_text(params, "LBTESTCD")
                          + ".", "PGM.ADLB"),
        "MT.ADLB.ATOXDSC": ("CTCAE term", f"The {ctcae.name} term each parameter is graded by, low (ATOXDSCL) and high "
                            f"(ATOXDSCH); blank for the other parameters and directions: {terms}.", "PGM.ADLB"),
        "MT.ADLB.ATOXGR": ("Laboratory toxicity grade", f"ATOXGRL / ATOXGRH: {ctcae.name} grade 0-4 of AVAL for the "
                           "term ATOXDSCL / ATOXDSCH, the first criterion met from grade 4 down (0 when none); ULN = "
                           "ANRHI, LLN = ANRLO; 'baseline was abnormal' is BNRIND HIGH (for a decrease: LOW); grades "
                           "needing clinical information are not derived; blank without a term, a value or the limit "
                           "a criterion needs. Calcium is graded as CTCAE states its terms, on the "
                           "albumin-corrected serum calcium (CACORR); the measured total calcium (CA) has no grade. "
                           "ATOXGR: the grade with its direction (as admiral combines them), the first that "
                           "applies: blank when ATOXGRL and ATOXGRH are both blank; -ATOXGRL when ATOXGRL is 1 or "
                           "more; ATOXGRH when ATOXGRH is 1 or more; 0 when both are 0, or one is 0 and the "
                           "parameter has no term in the other direction; else blank. "
                           "Criteria: " + criteria + ".", "PGM.ADLB"),
        "MT.ADLB.AVAL": ("Laboratory analysis value", "LB.LBSTRESN of the LB record, in the standard unit. Computed "
                         "parameters, " + _computed_text(params, adlb.COMPUTED, adlb.SAMPLE[1:]) + ".", "PGM.ADLB"),
        "MT.ADVS.PARAM": ("Vital-sign parameter", "From VSTESTCD, in the unit of VS (VSSTRESU must be the parameter's "
                          "unit, else the run stops): " + _param_text(advs.PARAMS, "VSTESTCD")
                          + ". Computed per date: " + computed + ".", "PGM.ADVS"),
        "MT.ADVS.CRIT1": ("Blood pressure criterion", crit + " (CTCAE v5.0 hypertension grade 2 or higher); CRIT1FL "
                          "Y when met, N when not; blank for other parameters and missing values.", "PGM.ADVS"),
    }


ADAM_COMMENTS = {
    "COM.ADTTE": "AVAL is in days; the tables show months as AVAL / {tlf.days_per_month}, the publication's factor. "
                 "Kaplan-Meier medians use the {tlf.km_median_rule} rule.",
    "COM.ADRS.OVRDER": "OVRDER re-derives each assessment from the lesion data to check the investigator's response "
                       "(OVR); the efficacy parameters use OVR.",
    "COM.ADSL.EFFFL": "Efficacy population: treated subjects with measurable disease (a TARGET lesion at baseline).",
}
#: (dataset, variable) -> comment id
ADAM_VARIABLE_COMMENTS = {("ADSL", "EFFFL"): "COM.ADSL.EFFFL"}
ADAM_DATASET_COMMENTS = {"ADTTE": "COM.ADTTE"}

ADRS_PARAMS = ("OVR", "OVRDER", "BOR", "CBOR", "RSP", "CRSP", "DCR", "PD", "LSTA", "DEATH", "MDIS")
ADRS_AVALC_CODELIST = {"OVR": "RESP", "OVRDER": "RESP", "LSTA": "RESP", "BOR": "BORRESP", "CBOR": "BORRESP"}
ADRS_ADT_METHOD = {"OVR": "OVR", "OVRDER": "OVRDER", "DEATH": "DEATH", "MDIS": "MDIS"}
TTE_PARAMS = ("PFS", "OS", "DOR")


def _vlm(adam) -> list[str]:
    """Value-level rows per PARAMCD for ADRS and ADTTE (replacing those of AVALC/ADT/STARTDT/CNSR)."""
    notes = []
    rows = {"ADRS": [], "ADTTE": []}
    adrs = adam.datasets.get("ADRS")
    if adrs is not None:
        avalc, adt = adrs.variable("AVALC"), adrs.variable("ADT")
        for p in ADRS_PARAMS:
            rows["ADRS"].append(ValueLevelSpec(
                "ADRS", "AVALC", f"PARAMCD EQ '{p}'", f"Analysis Value (C) for {p}", "text", avalc.length,
                codelist=ADRS_AVALC_CODELIST.get(p, "NY"), origin="Derived", method=f"MT.ADRS.AVALC.{p}",
                comment="COM.ADRS.OVRDER" if p == "OVRDER" else ""))
        for p in ADRS_PARAMS:
            rows["ADRS"].append(ValueLevelSpec(
                "ADRS", "ADT", f"PARAMCD EQ '{p}'", f"Analysis Date for {p}", "integer", format=adt.format,
                origin="Derived", method=f"MT.ADRS.ADT.{ADRS_ADT_METHOD.get(p, 'OVRSEL')}"))
    adtte = adam.datasets.get("ADTTE")
    if adtte is not None:
        fmt = adtte.variable("ADT").format
        for var, label in (("STARTDT", "Time-to-Event Origin Date"), ("ADT", "Analysis Date"), ("CNSR", "Censor")):
            for p in TTE_PARAMS:
                if var == "STARTDT":
                    method = "MT.ADTTE.STARTDT.DOR" if p == "DOR" else "MT.ADTTE.STARTDT.TRT"
                else:
                    method = f"MT.ADTTE.ADT.{p}"
                rows["ADTTE"].append(ValueLevelSpec(
                    "ADTTE", var, f"PARAMCD EQ '{p}'", f"{label} for {p}", "integer",
                    format="" if var == "CNSR" else fmt, codelist="CNSR" if var == "CNSR" else "",
                    origin="Derived", method=method))
    for name, new in rows.items():
        ds = adam.datasets.get(name)
        if ds is None:
            continue
        new = [dataclasses.replace(r, order=i) for i, r in enumerate(new, start=1)]
        if ds.value_level != new:
            ds.value_level = new
            notes.append(f"adam: {name} value-level metadata per PARAMCD ({len(new)} rows)")
    return notes


def metadata(sdtm, adam) -> list[str]:
    """Documents, methods, comments and value-level metadata (steps 4-6)."""
    notes = []
    if sdtm.documents != SDTM_DOCUMENTS:
        sdtm.documents = dict(SDTM_DOCUMENTS)
        notes.append("sdtm: Documents are the aCRF and the reviewer's guide")
    if adam.documents != ADAM_DOCUMENTS:
        adam.documents = dict(ADAM_DOCUMENTS)
        notes.append("adam: Documents are the reviewer's guide and the programs")
    for mid, (name, text, doc) in {**ADAM_METHODS, **study_methods()}.items():
        old = adam.methods.get(mid)
        new = Method(mid, name, old.type if old else "Computation", text, document=doc)
        if old != new:
            adam.methods[mid] = new
            notes.append(f"adam: method {mid}")
    for cid, text in ADAM_COMMENTS.items():
        if adam.comments.get(cid) != Comment(cid, text):
            adam.comments[cid] = Comment(cid, text)
            notes.append(f"adam: comment {cid}")
    for (ds, var), cid in ADAM_VARIABLE_COMMENTS.items():
        d = adam.datasets.get(ds)
        if d is not None and var in d.variable_names:
            i = d.variable_names.index(var)
            if d.variables[i].comment != cid:
                d.variables[i] = dataclasses.replace(d.variables[i], comment=cid)
                notes.append(f"adam: {ds}.{var} comment {cid}")
    for ds, cid in ADAM_DATASET_COMMENTS.items():
        if ds in adam.datasets and adam.datasets[ds].comment != cid:
            adam.datasets[ds].comment = cid
            notes.append(f"adam: {ds} comment {cid}")
    return notes + _vlm(adam)


def _use_dictionary(spec, dataset: str, dictionary: str) -> list[str]:
    notes = []
    ds = spec.datasets.get(dataset)
    if ds is None or dictionary not in spec.dictionaries:
        return notes
    for i, v in enumerate(ds.variables):
        if v.name in MEDDRA_VARIABLES and v.codelist != dictionary:
            ds.variables[i] = dataclasses.replace(v, codelist=dictionary)
            notes.append(f"{dataset}.{v.name}: Codelist {dictionary}")
    return notes


def terminology(sdtm, adam, ct):
    """(sdtm, adam, notes) with steps 1-3 done."""
    notes: list[str] = []
    race = ct_codelist(ct, RACE_CODE, id="RACE")
    for spec, label in ((sdtm, "sdtm"), (adam, "adam")):
        if "RACE" in spec.codelists and spec.codelists["RACE"] != race:
            spec.codelists["RACE"] = race
            notes.append(f"{label}: RACE is CT {RACE_CODE} with all its terms")
    if "TOXGR" in sdtm.codelists and "TOXGR" in adam.codelists and adam.codelists["TOXGR"] != sdtm.codelists["TOXGR"]:
        adam.codelists["TOXGR"] = sdtm.codelists["TOXGR"]
        notes.append("adam: TOXGR as in the SDTM spec")
    if "MEDDRA" in sdtm.dictionaries and adam.dictionaries.get("MEDDRA") != sdtm.dictionaries["MEDDRA"]:
        adam.dictionaries["MEDDRA"] = sdtm.dictionaries["MEDDRA"]
        notes.append("adam: Dictionaries MEDDRA as in the SDTM spec")
    notes += [f"sdtm: {n}" for n in _use_dictionary(sdtm, "AE", "MEDDRA")]
    notes += [f"adam: {n}" for n in _use_dictionary(adam, "ADAE", "MEDDRA")]
    sdtm, n1 = apply_ct(sdtm, ct)
    adam, n2 = apply_ct(adam, ct)
    return sdtm, adam, notes + [f"sdtm: {n}" for n in n1] + [f"adam: {n}" for n in n2]


def updated(sdtm, adam, ct):
    """(sdtm, adam, notes): both specs as this script keeps them."""
    notes = metadata(sdtm, adam)
    sdtm, adam, more = terminology(sdtm, adam, ct)
    return sdtm, adam, notes + more


def _content(spec):
    return (spec.study, spec.datasets, spec.codelists, spec.methods, spec.comments, spec.documents,
            spec.dictionaries)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--study", default=str(ROOT), help="study folder (default: the repository root)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a workbook would change")
    args = p.parse_args(argv)
    study = Path(args.study)
    settings = tomllib.loads((study / "study.toml").read_text(encoding="utf-8"))
    ct = load_ct(settings["study"]["ct_version"])
    paths = {stage: study / settings[stage]["spec"] for stage in ("sdtm", "adam")}
    before = {stage: read_spec(p) for stage, p in paths.items()}
    sdtm, adam, notes = updated(read_spec(paths["sdtm"]), read_spec(paths["adam"]), ct)
    after = {"sdtm": sdtm, "adam": adam}
    changed = [s for s in paths if _content(after[s]) != _content(before[s])]
    if args.check:
        for s in changed:
            print(f"{paths[s]} is not as specs/update_specs.py writes it: run it", file=sys.stderr)
        return 1 if changed else 0
    for n in notes:
        print(n)
    for s in changed:
        write_spec(after[s], paths[s])
        print(f"wrote {paths[s]}")
    if not changed:
        print(f"specs follow CT {ct.version} and the define metadata of this script; nothing written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
