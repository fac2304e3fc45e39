"""TS: trial summary parameters (one record per parameter value)."""

import pandas as pd

READS = ("DM",)
WRITES = ("TS",)
RAW = ()

PD1 = ["CAMRELIZUMAB", "SINTILIMAB", "TISLELIZUMAB", "TORIPALIMAB"]


def derive(ctx):
    study = ctx.settings["study"]
    dm = ctx.sdtm["DM"]
    treated = dm[dm["RFXSTDTC"] != ""]
    rows = [
        ("TITLE", "Trial Title", study["title"]),
        ("REGID", "Registry Identifier", study["studyid"]),
        ("STYPE", "Study Type", "OBSERVATIONAL"),
        ("TPHASE", "Trial Phase Classification", "NOT APPLICABLE"),
        ("INDIC", "Trial Disease/Condition Indication", "ESOPHAGEAL SQUAMOUS CELL CARCINOMA"),
        ("TRT", "Investigational Therapy or Treatment", "ANLOTINIB"),
        *[("TRT", "Investigational Therapy or Treatment", d) for d in PD1],
        ("NARMS", "Planned Number of Arms", "1"),
        ("RANDOM", "Trial is Randomized", "N"),
        ("SEXPOP", "Sex of Participants", "BOTH"),
        ("ACTSUB", "Actual Number of Subjects", str(len(treated))),
        ("SSTDTC", "Study Start Date", dm["RFICDTC"].min()),
        ("DCUTDTC", "Data Cutoff Date", study["cutoff_date"]),
        ("DCUTDESC", "Data Cutoff Description", "FINAL ANALYSIS"),
        # the standard the datasets follow: the spec's Study sheet (SDTMIG 3.4 is a release of SDTM v2.0)
        ("SDTIGVER", "SDTM IG Version", ctx.spec("sdtm").study.get("StandardVersion", "3.4")),
        ("SDTMVER", "SDTM Version", "2.0"),
    ]
    ts = pd.DataFrame(rows, columns=["TSPARMCD", "TSPARM", "TSVAL"])
    ts.insert(0, "STUDYID", study["studyid"])
    ts.insert(1, "DOMAIN", "TS")
    ts["TSSEQ"] = ts.groupby("TSPARMCD").cumcount() + 1
    return {"TS": ts}
