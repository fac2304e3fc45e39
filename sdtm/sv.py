"""SV: the visits each subject actually had, from the records that carry a visit.

One record per subject and visit with data in EX (cycle day 1: EXSTDTC), TU, TR, RS, LB or VS:
SVSTDTC / SVENDTC are the first / last date of the visit's records, VISITDY the planned day
of TV. SVOCCUR is Y; SVPRESP is Y for the visits TV plans and blank for an unscheduled visit
(a laboratory sample at the onset of an adverse event), which SVUPDES describes.
"""

import pandas as pd

from derivations.sdtm import derive_var_dy

READS = ("DM", "EX", "TU", "TR", "RS", "LB", "VS", "TV")
WRITES = ("SV",)
RAW = ()

#: dataset -> its date of the visit
VISIT_DATES = {"EX": "EXSTDTC", "TU": "TUDTC", "TR": "TRDTC", "RS": "RSDTC", "LB": "LBDTC", "VS": "VSDTC"}
#: what an unscheduled visit was for
UNSCHEDULED_DESCRIPTION = "Unscheduled laboratory tests at the onset of an adverse event"


def derive(ctx):
    # MT.SV: one record per subject and visit with data in the domains of VISIT_DATES (MT.USUBJID: as there)
    # each domain's distinct (subject, visit, date) first: LB holds about 200 records per subject and visit date
    visits = pd.concat([ctx.sdtm[name][["STUDYID", "USUBJID", "VISITNUM", "VISIT", dtc]].drop_duplicates()
                        .rename(columns={dtc: "_D"}) for name, dtc in VISIT_DATES.items()], ignore_index=True)
    visits = visits[visits["_D"] != ""]
    sv = (visits.groupby(["STUDYID", "USUBJID", "VISITNUM", "VISIT"], sort=True)["_D"]
          .agg(SVSTDTC="min", SVENDTC="max").reset_index())
    if sv.duplicated(["USUBJID", "VISITNUM"]).any():
        from derivations.findings import DerivationError

        row = sv[sv.duplicated(["USUBJID", "VISITNUM"], keep=False)].iloc[0]
        raise DerivationError("one VISITNUM carries two visit names", dataset="SV", variable="VISIT",
                              usubjid=row["USUBJID"], value=row["VISITNUM"],
                              hint="number each visit of sdtm/_visits.py once")
    # MT.VISITNUM / MT.VISITDY: the visits of the planned schedules (TV)
    tv = ctx.sdtm["TV"].set_index("VISITNUM")["VISITDY"]
    sv.insert(1, "DOMAIN", "SV")
    planned = sv["VISITNUM"].isin(tv.index)
    sv["SVPRESP"] = planned.map({True: "Y", False: ""})
    sv["SVOCCUR"] = "Y"
    sv["SVUPDES"] = planned.map({True: "", False: UNSCHEDULED_DESCRIPTION})
    sv["VISITDY"] = sv["VISITNUM"].map(tv)
    # MT.DY
    dm = ctx.sdtm["DM"]
    sv = derive_var_dy(sv, dataset_add=dm, new_var="SVSTDY", dtc="SVSTDTC")
    sv = derive_var_dy(sv, dataset_add=dm, new_var="SVENDY", dtc="SVENDTC")
    return {"SV": sv}
