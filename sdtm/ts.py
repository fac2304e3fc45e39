"""TS: trial summary parameters (one record per parameter value).

A retrospective, single-arm, real-world study: STYPE OBSERVATIONAL with the parameters
SDTMIG 3.4 and the TS codelist define for non-interventional studies (OBSMODEL, OBSTIMP,
OBSTPOPD, OBSTSMM, NCOHORT) instead of the interventional design parameters. TSPARM is
the CT decode of TSPARMCD; TSVALCD is the NCI code of TSVAL in the parameter's response
codelist of the CT release study.toml names (TSVCDREF CDISC CT, TSVCDVER that release);
dates refer to ISO 8601, the registry number to ClinicalTrials.gov; free text has no code.
"""

import pandas as pd

from derivations.ct import load_ct
from derivations.findings import DerivationError
from derivations.sdtm import derive_var_obs_number

READS = ("DM",)
WRITES = ("TS",)
RAW = ()

PD1 = ["CAMRELIZUMAB", "SINTILIMAB", "TISLELIZUMAB", "TORIPALIMAB"]
TSPARMCD_CODELIST = "C66738"
#: How a parameter's value is coded: a CDISC CT codelist (NCI code), or a named reference.
STYPE, TPHASE, NY, SEXPOP = "C99077", "C66737", "C66742", "C66732"
OBSSMO, OBSSTP, OBSSSM = "C127259", "C127261", "C127260"
ISO8601, REGISTRY = "ISO 8601", "ClinicalTrials.gov"
POPULATION = ("Patients with locally advanced or metastatic esophageal squamous cell carcinoma progressing on a "
              "prior PD-1 inhibitor, treated with anlotinib plus a PD-1 inhibitor from July 2020 to March 2022")


# MT.TSVAL: the values from study.toml (title, cut-off) and DM (ACTSUB, SSTDTC)
def parameters(ctx) -> list[tuple[str, str, str]]:
    """(TSPARMCD, TSVAL, coding) in the order of the dataset."""
    study = ctx.settings["study"]
    dm = ctx.sdtm["DM"]
    treated = dm[dm["RFXSTDTC"] != ""]
    return [
        ("TITLE", study["title"], ""),
        ("REGID", study["studyid"], REGISTRY),
        ("STYPE", "OBSERVATIONAL", STYPE),
        ("OBSMODEL", "COHORT", OBSSMO),
        ("OBSTIMP", "RETROSPECTIVE", OBSSTP),
        ("OBSTPOPD", POPULATION, ""),
        ("OBSTSMM", "NON-PROBABILITY SAMPLE", OBSSSM),
        ("NCOHORT", "1", ""),
        ("TPHASE", "NOT APPLICABLE", TPHASE),
        ("INDIC", "ESOPHAGEAL SQUAMOUS CELL CARCINOMA", ""),
        ("TRT", "ANLOTINIB", ""),
        *[("TRT", d, "") for d in PD1],
        ("NARMS", "1", ""),
        ("RANDOM", "N", NY),
        ("SEXPOP", "BOTH", SEXPOP),
        ("ACTSUB", str(len(treated)), ""),
        ("SSTDTC", dm["RFICDTC"].min(), ISO8601),
        ("DCUTDTC", study["cutoff_date"], ISO8601),
        ("DCUTDESC", "FINAL ANALYSIS", ""),
        # the standard the datasets follow: the spec's Study sheet (SDTMIG 3.4 is a release of SDTM v2.0)
        ("SDTIGVER", ctx.spec("sdtm").study.get("StandardVersion", "3.4"), ""),
        ("SDTMVER", "2.0", ""),
    ]


def derive(ctx):
    study = ctx.settings["study"]
    ct = load_ct(study["ct_version"])
    names = ct.codelists[TSPARMCD_CODELIST].decodes
    rows = []
    for code, value, coding in parameters(ctx):
        if code not in names:
            raise DerivationError(f"TS parameter {code} is not a TSPARMCD term of CT {ct.version}",
                                  dataset="TS", variable="TSPARMCD", value=code,
                                  hint="use a CDISC TSPARMCD term (the CT package names them)")
        # MT.TSVALCD: the NCI code of TSVAL in its CT codelist; REGID: the registry number
        if coding in ct.codelists:
            cl = ct.codelists[coding]
            if value not in cl.terms:
                raise DerivationError(f"TS {code} value {value!r} is not a term of {cl.short} ({coding}) "
                                      f"in CT {ct.version}", dataset="TS", variable="TSVAL", value=value,
                                      hint=f"terms: {', '.join(cl.terms)}")
            cd, ref, ver = cl.terms[value], "CDISC CT", ct.version
        elif coding == REGISTRY:
            cd, ref, ver = value, coding, ""
        else:
            cd, ref, ver = "", coding, ""
        rows.append((code, names[code], value, cd, ref, ver))
    ts = pd.DataFrame(rows, columns=["TSPARMCD", "TSPARM", "TSVAL", "TSVALCD", "TSVCDREF", "TSVCDVER"])
    ts.insert(0, "STUDYID", study["studyid"])
    ts.insert(1, "DOMAIN", "TS")
    # MT.SEQ: within each parameter
    ts = derive_var_obs_number(ts, new_var="TSSEQ", by_vars=["TSPARMCD"])  # values of a parameter in listed order
    return {"TS": ts}
