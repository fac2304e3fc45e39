"""What ADLB and ADVS share: the analysis visit windows of the 21-day cycles and the ADSL variables.

Laboratory tests and vital signs are planned before the first dose (baseline) and on day 1 of
cycles 2, 3, ... (study day 21 x (n - 1) + 1). :data:`WINDOWS` gives each analysis visit a window
of study days (ADY) around that target: Baseline up to day 1, Cycle n from halfway after the
previous target to halfway before the next one; of several records in one window the one closest
to the target day is analysed (ANL01FL), the later of two equally close.
"""

from derivations.adam import VisitWindows
from derivations.findings import DerivationError

#: the ADSL variables the BDS datasets carry (treatment, dates, population)
ADSL_VARS = ["SUBJID", "SITEID", "TRT01A", "TRTSDT", "TRTEDT", "SAFFL"]
#: days of a treatment cycle (sdtm/_visits.py CYCLE_DAYS)
CYCLE_DAYS = 21
#: the last cycle a window is defined for (a record after it is reported, not windowed silently)
LAST_CYCLE = 60
#: MT.BDS.AVISIT: analysis visit windows (study days)
WINDOWS = VisitWindows.from_records(
    [("Baseline", 0, None, 1, 1)]
    + [(f"Cycle {n}", n, 2 if n == 2 else CYCLE_DAYS * (n - 1) + 1 - CYCLE_DAYS // 2,
        CYCLE_DAYS * (n - 1) + 1 + CYCLE_DAYS // 2, CYCLE_DAYS * (n - 1) + 1) for n in range(2, LAST_CYCLE + 1)],
    select="closest", tie="later")


def report_unwindowed(data, *, findings, dataset_name: str) -> None:
    """A record with a result and a study day that falls in no window: one warning per record."""
    lost = data[data["AVAL"].notna() & data["ADY"].notna() & data["AVISITN"].isna()]
    for usubjid, param, ady in zip(lost["USUBJID"], lost["PARAMCD"], lost["ADY"]):
        findings.add("warning", "outside_visit_windows", f"{param} on study day {ady:g} is in no analysis visit "
                     f"window (the last ends on day {WINDOWS.frame()['AWHI'].max():g}); AVISIT left blank",
                     dataset=dataset_name, variable="AVISIT", usubjid=usubjid, value=f"ADY {ady:g}")


def merge_params(records, params, *, testcd: str, unit_var: str, dataset_name: str, program: str):
    """The records with their parameter (the ``params`` table, joined on ``testcd``); a test without a
    parameter, or a result in another unit than the parameter's (column UNIT), is an error."""
    from derivations.adam import derive_vars_merged

    unknown = sorted(set(records[testcd]) - set(params[testcd]))
    if unknown:
        raise DerivationError(f"{dataset_name} test(s) {', '.join(unknown)} have no parameter", dataset=dataset_name,
                              variable=testcd, value=unknown[0], hint=f"add them to PARAMS in {program}")
    out = derive_vars_merged(records, dataset_add=params, by_vars=[testcd])
    value = unit_var.replace("STRESU", "STRESN")
    other = out[value].notna() & (out[unit_var] != out["UNIT"])
    if other.any():
        bad = out[other].iloc[0]
        raise DerivationError(f"{bad['PARAMCD']} result in {bad[unit_var]!r}, the parameter is in {bad['UNIT']!r}",
                              dataset=dataset_name, variable=unit_var, usubjid=bad["USUBJID"], value=bad[unit_var],
                              hint=f"convert the result in sdtm/{dataset_name.lower()}.py UNITS, or change PARAMS")
    return out
