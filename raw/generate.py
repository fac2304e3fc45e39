"""Deterministic synthetic raw data (EDC extracts) for NCT04984096.

Anlotinib + PD-1 inhibitor in advanced ESCC after prior immune checkpoint
inhibitors. The published study gives summary figures only; this module makes
patient-level raw CRF pages that reproduce every published figure when run
through the real SDTM and ADaM derivations.

* ``generate(29, seed)`` expands the hand-made design table :data:`DESIGN`
  (one row per patient: best response, PFS/OS times, prior resection, line ...).
  Only details that no published figure depends on (dates within windows,
  lesion sizes, verbatim spellings) come from the seed.
* ``generate(n, seed)`` for any other ``n`` draws profiles at random with the
  same structure (benchmark sizes 10,000 and 100,000; vectorised numpy).

Command line::

    python -m raw.generate --subjects 29 --seed 20220703 --out raw

Every CSV is UTF-8 with ``\\n`` line ends and a fixed column order, so a given
``(n_subjects, seed)`` always gives the same bytes.

Time conventions used below: ``d0`` is the first dose day (both drugs start
on the same day); a "diff" is ``date - d0`` in days, so the ADaM analysis
value ``AVAL = ADT - TRTSDT + 1`` equals ``diff + 1``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd

STUDYID = "NCT04984096"
CUTOFF = _dt.date(2022, 7, 3)
ENROL_FIRST = _dt.date(2020, 7, 1)
ENROL_LAST = _dt.date(2022, 3, 31)

_EPOCH = _dt.date(1970, 1, 1)


def _day(d: _dt.date) -> int:
    return (d - _EPOCH).days


CUT = _day(CUTOFF)

# ---------------------------------------------------------------------------
# The design table of the 29 patients (what the published figures rest on).
# bor: investigator best overall response; pfs/os: AVAL in days
# (date - first dose + 1); *_e: 1 event, 0 censored. PFS event = first PD
# (every death comes after a documented PD); PFS censoring = last assessment.
# OS censoring = last known alive, close to the 3 July 2022 cut-off.
# res: prior resection Y/N; line: line of this regimen.
# ---------------------------------------------------------------------------
DESIGN_COLUMNS = ["bor", "pfs", "pfs_e", "os", "os_e", "res", "line", "sex", "age", "ecog"]
DESIGN = [
    # bor  pfs pfs_e  os os_e res line sex age ecog
    ("PD", 43, 1, 98, 1, "Y", 2, "M", 58, 1),
    ("PD", 44, 1, 152, 1, "Y", 2, "M", 66, 2),
    ("PD", 46, 1, 205, 1, "N", 1, "M", 71, 1),
    ("PD", 48, 1, 262, 1, "Y", 2, "F", 63, 1),
    ("SD", 86, 1, 180, 1, "Y", 2, "M", 69, 1),
    ("SD", 90, 1, 215, 1, "Y", 1, "M", 55, 1),
    ("SD", 97, 1, 236, 1, "Y", 2, "M", 74, 1),
    ("SD", 105, 1, 250, 1, "N", 2, "M", 62, 1),
    ("SD", 85, 0, 131, 0, "Y", 2, "F", 60, 0),
    ("SD", 131, 1, 290, 1, "Y", 2, "M", 67, 1),
    ("SD", 140, 1, 301, 1, "Y", 3, "M", 64, 1),
    ("SD", 150, 1, 311, 1, "Y", 2, "M", 59, 1),
    ("SD", 155, 1, 280, 1, "N", 1, "M", 72, 2),
    ("SD", 170, 0, 176, 0, "Y", 2, "M", 65, 1),
    ("SD", 160, 1, 352, 0, "Y", 2, "M", 61, 1),
    ("SD", 175, 1, 403, 1, "Y", 1, "F", 68, 1),
    ("SD", 190, 1, 430, 1, "Y", 2, "M", 57, 0),
    ("SD", 215, 1, 365, 0, "Y", 2, "M", 70, 1),
    ("SD", 240, 1, 470, 1, "N", 2, "M", 63, 1),
    ("SD", 185, 1, 255, 1, "Y", 2, "M", 66, 1),
    ("PR", 145, 1, 305, 1, "Y", 1, "M", 56, 1),
    ("PR", 157, 1, 450, 0, "Y", 2, "F", 62, 0),
    ("PR", 181, 1, 520, 1, "Y", 2, "M", 67, 1),
    ("PR", 200, 1, 560, 0, "N", 1, "M", 60, 0),
    ("PR", 228, 1, 610, 1, "Y", 2, "M", 64, 1),
    ("PR", 255, 0, 262, 0, "Y", 2, "M", 69, 1),
    ("PR", 275, 1, 650, 0, "Y", 1, "F", 58, 0),
    ("PR", 330, 1, 700, 0, "N", 1, "M", 65, 1),
    ("PR", 290, 0, 298, 0, "Y", 2, "M", 53, 1),
]

PD1_DRUGS = np.array(["CAMRELIZUMAB", "SINTILIMAB", "TISLELIZUMAB", "TORIPALIMAB"])
PD1_TYPED = {  # what sites type for the study PD-1 antibody
    "CAMRELIZUMAB": ["Camrelizumab", "camrelizumab", "CAMRELIZUMAB"],
    "SINTILIMAB": ["Sintilimab", "sintilimab", "SINTILIMAB"],
    "TISLELIZUMAB": ["Tislelizumab", "tislelizumab", "TISLELIZUMAB"],
    "TORIPALIMAB": ["Toripalimab", "toripalimab", "TORIPALIMAB"],
}
PRIOR_PD1 = np.array(
    ["Camrelizumab", "Sintilimab", "Tislelizumab", "Toripalimab", "Pembrolizumab", "Nivolumab"]
)

# MedDRA-like coding: PT -> (SOC, verbatim spellings, relatedness pattern)
# pattern: A = anlotinib only, P = PD-1 only, B = both, N = neither
AE_TERMS = [
    ("Anaemia", "Blood and lymphatic system disorders", ["Anemia", "anaemia", "Low hemoglobin", "HB decreased"], "B"),
    ("Lymphocyte count decreased", "Investigations", ["Lymphopenia", "Lymphocyte count decreased", "lymphocytes low"], "B"),
    ("Hypertension", "Vascular disorders", ["Hypertension", "High blood pressure", "hypertension"], "A"),
    ("Fatigue", "General disorders and administration site conditions", ["Fatigue", "fatigue", "Tiredness"], "B"),
    ("Decreased appetite", "Metabolism and nutrition disorders", ["Anorexia", "Poor appetite", "decreased appetite"], "A"),
    ("Palmar-plantar erythrodysaesthesia syndrome", "Skin and subcutaneous tissue disorders", ["Hand-foot syndrome", "hand foot skin reaction"], "A"),
    ("Hypothyroidism", "Endocrine disorders", ["Hypothyroidism", "hypothyroidism"], "P"),
    ("Proteinuria", "Renal and urinary disorders", ["Proteinuria", "protein in urine"], "A"),
    ("Diarrhoea", "Gastrointestinal disorders", ["Diarrhea", "diarrhoea"], "A"),
    ("Nausea", "Gastrointestinal disorders", ["Nausea", "nausea"], "B"),
    ("Aspartate aminotransferase increased", "Investigations", ["AST increased", "Elevated AST"], "B"),
    ("Rash", "Skin and subcutaneous tissue disorders", ["Rash", "skin rash"], "P"),
    ("Cough", "Respiratory, thoracic and mediastinal disorders", ["Cough", "cough"], "N"),
    ("Back pain", "Musculoskeletal and connective tissue disorders", ["Back pain", "back pain"], "N"),
    ("Constipation", "Gastrointestinal disorders", ["Constipation", "constipation"], "N"),
]
# MedDRA hierarchy of each PT above (primary SOC path), as a coder would put it on the page: the LLT is
# the PT's own LLT (same text and code); then PT code, HLT, HLT code, HLGT, HLGT code, SOC code.
# MedDRA is licensed, so no public source is authoritative: the SOC codes are those of the SOCs and
# every code names one term only (tests/test_raw_generator.py); HLT/HLGT codes are the best public
# evidence, to be confirmed in a licensed MedDRA browser.
MEDDRA = {
    "Anaemia": (10002034, "Anaemias NEC", 10002067, "Anaemias nonhaemolytic and marrow depression", 10002086,
                10005329),
    "Lymphocyte count decreased": (10025256, "White blood cell analyses", 10047641,
                                   "Haematology investigations (incl blood groups)", 10018851, 10022891),
    "Hypertension": (10020772, "Vascular hypertensive disorders NEC", 10020774, "Vascular hypertensive disorders",
                     10057166, 10047065),
    "Fatigue": (10016256, "Asthenic conditions", 10003550, "General system disorders NEC", 10018073, 10018065),
    "Decreased appetite": (10061428, "Appetite disorders", 10003018, "Appetite and general nutritional disorders",
                           10003016, 10027433),
    "Palmar-plantar erythrodysaesthesia syndrome": (10033553, "Erythemas", 10015152,
                                                    "Epidermal and dermal conditions", 10014982, 10040785),
    "Hypothyroidism": (10021114, "Thyroid hypofunction disorders", 10043778, "Thyroid gland disorders", 10043731,
                       10014698),
    "Proteinuria": (10037032, "Urinary abnormalities", 10046593, "Urinary tract signs and symptoms", 10046590,
                    10038359),
    "Diarrhoea": (10012735, "Diarrhoea (excl infective)", 10012736,
                  "Gastrointestinal motility and defaecation conditions", 10017977, 10017947),
    "Nausea": (10028813, "Nausea and vomiting symptoms", 10028817, "Gastrointestinal signs and symptoms", 10018012,
               10017947),
    # HLGT: 10019805 is the SOC Hepatobiliary disorders; the HLGT follows it (not confirmed in a licensed browser)
    "Aspartate aminotransferase increased": (10003481, "Liver function analyses", 10024690,
                                             "Hepatobiliary investigations", 10019808, 10022891),
    # HLT: 10037868 is the PT Rash maculo-papular (CTCAE v5.0), not this HLT
    "Rash": (10037844, "Rashes, eruptions and exanthems NEC", 10052566, "Epidermal and dermal conditions", 10014982,
             10040785),
    "Cough": (10011224, "Coughing and associated symptoms", 10011233, "Respiratory disorders NEC", 10038716,
              10038738),
    "Back pain": (10003988, "Musculoskeletal and connective tissue pain and discomfort", 10068757,
                  "Musculoskeletal and connective tissue disorders NEC", 10028393, 10028395),
    "Constipation": (10010774, "Gastrointestinal atonic and hypomotility disorders NEC", 10017933,
                     "Gastrointestinal motility and defaecation conditions", 10017977, 10017947),
}
# subjects per PT in the 29-patient design (anaemia and lymphopenia lead clearly)
AE_DESIGN_COUNTS = [15, 12, 7, 6, 5, 5, 4, 4, 4, 3, 3, 2, 3, 2, 2]
NONASCII_TERM = "Naus\u00e9e"  # one site typed the French word
LONG_COMMENT = (
    "Patient reported intermittent epigastric discomfort since cycle 2 which the investigator "
    "attributed to the underlying oesophageal disease rather than to study treatment; anlotinib "
    "was continued at the same dose after a short interruption, proton pump inhibitor therapy "
    "was started and symptoms improved within two weeks according to the nursing notes."
)

MONTHS = np.array(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
_BASE = _day(_dt.date(1900, 1, 1))
_NDAYS = _day(_dt.date(2030, 1, 1)) - _BASE


def _date_tables():
    days = np.arange(_BASE, _BASE + _NDAYS).astype("datetime64[D]")
    y = days.astype("datetime64[Y]").astype(int) + 1970
    m = days.astype("datetime64[M]").astype(int) % 12
    d = (days - days.astype("datetime64[M]")).astype(int) + 1
    ys = y.astype(str)
    dmy = np.char.add(np.char.add(np.char.zfill(d.astype(str), 2), MONTHS[m]), ys)
    ym = np.char.add(np.char.add(ys, "-"), np.char.zfill((m + 1).astype(str), 2))
    yonly = np.char.add("UN-UNK-", ys)
    return dmy.astype(object), ym.astype(object), yonly.astype(object)


_DMY, _YM, _YUNK = _date_tables()


def fmt_date(days: np.ndarray, style: np.ndarray | str = "dmy") -> np.ndarray:
    """Format day numbers (days since 1970-01-01) as a site types them.

    style ``dmy`` -> ``15MAR2021``; ``ym`` -> ``2021-03`` (day unknown);
    ``y`` -> ``UN-UNK-2021`` (day and month unknown); negative day -> ``""``.

    >>> fmt_date(np.array([18701, -1]), "dmy").tolist()
    ['15MAR2021', '']
    """
    days = np.asarray(days, dtype=np.int64)
    idx = np.clip(days - _BASE, 0, _NDAYS - 1)
    out = _DMY[idx]
    if isinstance(style, str):
        style = np.full(days.shape, style)
    out = np.where(style == "ym", _YM[idx], out)
    out = np.where(style == "y", _YUNK[idx], out)
    return np.where(days < 0, "", out).astype(object)


def _pick(rng: np.random.Generator, options, size) -> np.ndarray:
    options = np.asarray(options, dtype=object)
    return options[rng.integers(0, len(options), size)]


# ---------------------------------------------------------------------------
# Subject profiles
# ---------------------------------------------------------------------------
def _design_profiles(rng: np.random.Generator) -> pd.DataFrame:
    p = pd.DataFrame(DESIGN, columns=DESIGN_COLUMNS)
    n = len(p)
    p["pfs_diff"] = p["pfs"] - 1
    p["os_diff"] = p["os"] - 1
    alive = p["os_e"].eq(0).to_numpy()
    # alive at cut-off: last contact 0-14 days before the cut-off fixes the first dose
    gap = rng.integers(0, 15, n)
    d0_alive = CUT - gap - p["os_diff"].to_numpy()
    # died: first dose anywhere in the enrolment window that keeps death before the cut-off
    latest = np.minimum(_day(ENROL_LAST), CUT - 5 - p["os_diff"].to_numpy())
    d0_dead = _day(ENROL_FIRST) + 5 + (rng.random(n) * (latest - _day(ENROL_FIRST) - 5)).astype(int)
    p["d0"] = np.where(alive, d0_alive, d0_dead)
    p["res"] = p["res"].to_numpy()
    p["pd1"] = PD1_DRUGS[rng.permutation(np.arange(n) % 4)]
    return p


def _random_profiles(n: int, rng: np.random.Generator) -> pd.DataFrame:
    bor = _pick(rng, ["PD", "SD", "SD", "SD", "SD", "PR", "PR", "PR"], n).astype(str)
    d0 = rng.integers(_day(ENROL_FIRST) + 5, _day(ENROL_LAST) + 1, n)
    a1 = rng.integers(42, 50, n)
    # number of assessments until PD (PD group: PD at the first one)
    k = np.where(bor == "PD", 1, 2 + rng.geometric(0.35, n))
    interval = rng.integers(42, 57, n)
    pfs_diff = a1 + (k - 1) * interval
    os_diff = pfs_diff + 20 + rng.exponential(180, n).astype(int)
    # apply the data cut-off
    gap = rng.integers(0, 15, n)
    dead = d0 + os_diff <= CUT - 1
    lstalv = np.where(dead, d0 + os_diff, CUT - gap)
    pd_seen = d0 + pfs_diff <= lstalv
    # censored PFS: last assessment performed before last contact
    done = np.where(pd_seen, k, np.maximum(0, np.floor((lstalv - d0 - a1) / interval).astype(int) + 1))
    # PR needs two PR before PD; SD needs one assessment; keep profiles valid
    bor = np.where((bor == "PR") & (done < 2), "SD", bor)
    bor = np.where((bor == "PD") & ~pd_seen, "SD", bor)
    p = pd.DataFrame(
        {
            "bor": bor,
            "pfs_e": pd_seen.astype(int),
            "os_e": dead.astype(int),
            "d0": d0,
            "done": done,
            "a1": a1,
            "interval": interval,
            "pfs_diff": np.where(pd_seen, pfs_diff, np.where(done > 0, a1 + (done - 1) * interval, 0)),
            "os_diff": lstalv - d0,
        }
    )
    p["pfs"] = p["pfs_diff"] + 1
    p["os"] = p["os_diff"] + 1
    p["res"] = np.where(rng.random(n) < 0.79, "Y", "N")
    p["line"] = np.select([rng.random(n) < 0.28, rng.random(n) < 0.96], [1, 2], 3)
    p["sex"] = np.where(rng.random(n) < 0.83, "M", "F")
    p["age"] = np.clip(np.round(rng.normal(63, 7, n)), 40, 85).astype(int)
    p["ecog"] = _pick(rng, [0, 1, 1, 1, 1, 2], n).astype(int)
    p["pd1"] = PD1_DRUGS[rng.integers(0, 4, n)]
    return p


def _schedule(p: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per subject and tumour assessment: diff, visit index, intended response."""
    n = len(p)
    if "done" in p:  # random profiles: regular schedule
        k = p["done"].to_numpy()
        a1 = p["a1"].to_numpy()
        step = p["interval"].to_numpy().astype(float)
    else:  # design: k assessments from day 42-49 to the last one, 6-8 weeks apart
        last = p["pfs_diff"].to_numpy()
        k = np.where(last < 84, 1, np.maximum(1, np.round((last - 45) / 52).astype(int)) + 1)
        a1 = np.clip(rng.integers(42, 50, n), last - 63 * (k - 1), last - 42 * (k - 1))
        a1 = np.where(k == 1, last, a1)
        if ((a1 < 42) | (a1 > 49)).any():
            raise AssertionError("design PFS time does not fit a 6-9 weekly schedule")
        step = np.where(k > 1, (last - a1) / np.maximum(k - 1, 1), 0.0)
    sid = np.repeat(np.arange(n), k)
    j = np.arange(len(sid)) - np.repeat(np.cumsum(k) - k, k)  # 0-based assessment index
    diff = a1[sid] + np.round(j * step[sid]).astype(int)
    kk = k[sid]
    is_last = j == kk - 1
    bor = p["bor"].to_numpy()[sid]
    event = p["pfs_e"].to_numpy()[sid] == 1
    # PR: first PR at index 0 or 1, at least two PR before the last (PD) visit
    n_needed = kk - np.where(event, 1, 0)
    first_pr = np.where((rng.random(n) < 0.5), 1, 0)[sid]
    first_pr = np.where(n_needed - first_pr < 2, 0, first_pr)
    resp = np.where(bor == "PR", np.where(j >= first_pr, "PR", "SD"), "SD")
    resp = np.where(bor == "PD", "PD", resp)
    resp = np.where(is_last & event, "PD", resp)
    return pd.DataFrame({"sid": sid, "j": j, "diff": diff, "resp": resp, "last": is_last})


# ---------------------------------------------------------------------------
# Lesions (TU/TR) consistent with the overall responses (RECIST 1.1)
# ---------------------------------------------------------------------------
TARGET_SITES = np.array(["Esophagus", "Lymph node", "Lung", "Liver", "Lymph node", "Adrenal gland"])
NONTARGET_SITES = np.array(["Bone", "Pleura", "Lymph node", "Lung"])
NEW_SITES = np.array(["Liver", "Lung", "Bone", "Brain"])


def _lesions(p, sched, rng):
    n = len(p)
    nt = rng.integers(1, 4, n)  # target lesions per subject
    nnt = rng.integers(0, 3, n)  # non-target lesions
    # target lesion table
    tsid = np.repeat(np.arange(n), nt)
    tl = np.arange(len(tsid)) - np.repeat(np.cumsum(nt) - nt, nt)
    site = TARGET_SITES[(tl + rng.integers(0, 6, n)[tsid]) % 6]
    site = np.where(tl == 0, "Esophagus", site)  # primary first
    node = site == "Lymph node"
    base = np.where(node, rng.integers(15, 31, len(tsid)), rng.integers(15, 46, len(tsid)))
    targets = pd.DataFrame({"sid": tsid, "les": tl, "site": site, "node": node, "base": base})

    # ratio to baseline per assessment (common to a subject's lesions)
    s = sched.copy()
    r = np.where(s["resp"] == "PR", rng.uniform(0.40, 0.60, len(s)), rng.uniform(0.82, 1.0, len(s)))
    s["ratio"] = r
    # make ratios non-increasing within subject for non-PD visits (no PD by target before)
    s["ratio"] = s.groupby("sid")["ratio"].cummin()
    # PD mechanism: 0 target growth, 1 new lesion, 2 unequivocal non-target progression
    mech = rng.integers(0, 3, n)
    mech = np.where((mech == 2) & (nnt == 0), 0, mech)
    s["mech"] = mech[s["sid"]]
    pdv = s["resp"].eq("PD").to_numpy()
    # at the PD visit keep the previous ratio unless PD is by target growth
    prev = s.groupby("sid")["ratio"].shift(1).fillna(1.0).to_numpy()
    s["ratio"] = np.where(pdv, prev, s["ratio"])

    # expand targets x visits (baseline j = -1 with ratio 1)
    vis = pd.concat(
        [pd.DataFrame({"sid": np.arange(n), "j": -1, "diff": -rng.integers(3, 15, n), "resp": "",
                       "last": False, "ratio": 1.0, "mech": mech}), s],
        ignore_index=True,
    ).sort_values(["sid", "j"], kind="mergesort", ignore_index=True)
    tv = vis.merge(targets, on="sid", how="inner", sort=False)
    tv = tv.sort_values(["sid", "j", "les"], kind="mergesort", ignore_index=True)
    tv["val"] = np.round(tv["base"] * tv["ratio"]).astype(int)
    # PD by target growth: grow every lesion so that the sum is >= 1.3 x nadir and nadir + 8 mm
    sums = tv.groupby(["sid", "j"], sort=True)["val"].sum().rename("sum").reset_index()
    sums = sums.merge(vis[["sid", "j", "resp", "mech"]], on=["sid", "j"])
    sums["nadir_prev"] = sums.groupby("sid")["sum"].cummin().groupby(sums["sid"]).shift(1)
    grow = (sums["resp"] == "PD") & (sums["mech"] == 0)
    target_sum = np.maximum(np.ceil(sums["nadir_prev"] * 1.3), sums["nadir_prev"] + 8)
    factor = (target_sum + 2 * 3) / sums["sum"]  # margin for rounding, up to 3 lesions
    sums["factor"] = np.where(grow, factor, 1.0)
    tv = tv.merge(sums[["sid", "j", "factor"]], on=["sid", "j"], how="left")
    tv["val"] = np.ceil(tv["val"] * tv["factor"]).astype(int)
    tv = tv.drop(columns=["factor"])
    return targets, nnt, vis, tv


def _recist_target(tv):
    """Target response per (sid, j) from lesion values (RECIST 1.1; no CR in these data)."""
    s = tv.groupby(["sid", "j"], sort=True)["val"].sum().rename("sum").reset_index()
    base = s.groupby("sid")["sum"].transform("first")
    nadir = s.groupby("sid")["sum"].cummin().groupby(s["sid"]).shift(1)
    pd_ = (s["sum"] >= 1.2 * nadir) & (s["sum"] - nadir >= 5)
    pr = s["sum"] <= 0.7 * base
    s["trg"] = np.where(s["j"] < 0, "", np.where(pd_, "PD", np.where(pr, "PR", "SD")))
    return s


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def generate(n_subjects: int = 29, seed: int = 20220703, out_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Make the raw CRF pages; write ``<out_dir>/<page>.csv`` when ``out_dir`` is given.

    >>> pages = generate(29)
    >>> len(pages["dm"]), int((pages["bl"]["PRIORRES"].str.upper().str[0] == "Y").sum())
    (29, 23)
    """
    rng = np.random.default_rng(seed)
    n = int(n_subjects)
    p = _design_profiles(rng) if n == 29 else _random_profiles(n, rng)
    width = max(3, len(str(n)))
    subjid = np.char.zfill(np.arange(1, n + 1).astype(str), width).astype(object)
    siteid = np.full(n, "01", dtype=object) if n == 29 else np.char.zfill(
        (np.arange(n) % 20 + 1).astype(str), 2).astype(object)
    d0 = p["d0"].to_numpy()
    alive = p["os_e"].to_numpy() == 0
    death = np.where(alive, -1, d0 + p["os_diff"].to_numpy())
    lstalv = np.where(alive, d0 + p["os_diff"].to_numpy(), -1)
    end_fu = np.where(alive, lstalv, death)  # last day the subject is known alive
    pfs_e = p["pfs_e"].to_numpy() == 1
    pd_day = np.where(pfs_e, d0 + p["pfs_diff"].to_numpy(), -1)
    # end of treatment: a few days after PD; ongoing (no EOT) when censored
    eot = np.where(pfs_e, np.minimum(pd_day + rng.integers(1, 11, n), np.where(end_fu > 0, end_fu, CUT)), -1)
    last_tx_day = np.where(pfs_e, eot, end_fu)

    pages: dict[str, pd.DataFrame] = {}
    # -- demography ------------------------------------------------------
    icdat = d0 - rng.integers(1, 11, n)
    # BRTHDAT is year only (privacy); AGE at consent is what the site reported
    ic_year = icdat.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    birth_year = ic_year - p["age"].to_numpy() - (rng.random(n) < 0.5)
    sex_typed = np.where(p["sex"].to_numpy() == "M", _pick(rng, ["M", "Male", "male", "MALE"], n),
                         _pick(rng, ["F", "Female", "female"], n))
    pages["dm"] = pd.DataFrame({
        "STUDYID": STUDYID, "SITEID": siteid, "SUBJID": subjid,
        "ICDAT": fmt_date(icdat), "BRTHDAT": np.char.add("UN-UNK-", birth_year.astype(str)).astype(object),
        "AGE": p["age"].to_numpy(), "AGEU": "years", "SEX": sex_typed,
        "RACE": _pick(rng, ["Asian", "ASIAN", "asian"], n), "ETHNIC": "Not Hispanic or Latino",
    })

    # -- lesions / response -----------------------------------------------
    sched = _schedule(p, rng)
    targets, nnt, vis, tv = _lesions(p, sched, rng)

    # baseline page: metastatic sites are the lesion sites outside the oesophagus
    ntl_sid = np.repeat(np.arange(n), nnt)
    ntl_l = np.arange(len(ntl_sid)) - np.repeat(np.cumsum(nnt) - nnt, nnt)
    ntl_site = NONTARGET_SITES[(ntl_l + rng.integers(0, 4, n)[ntl_sid]) % 4]
    sites = pd.DataFrame({"sid": np.concatenate([targets["sid"].to_numpy(), ntl_sid]),
                          "site": np.concatenate([targets["site"].to_numpy(), ntl_site])})
    sites = sites[sites["site"] != "Esophagus"].drop_duplicates().sort_values(["sid", "site"], kind="mergesort")
    # set of sites per subject as a bit mask, joined through a lookup table (vectorised)
    names = np.array(sorted(set(TARGET_SITES) | set(NONTARGET_SITES) - {"Esophagus"}))
    bit = np.searchsorted(names, sites["site"].to_numpy())
    mask = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(mask, sites["sid"].to_numpy(), 1 << bit)
    lookup = np.array(["; ".join(names[[b for b in range(len(names)) if m >> b & 1]])
                       for m in range(1 << len(names))], dtype=object)
    metsite = lookup[mask]
    distant = sites[sites["site"] != "Lymph node"]["sid"].unique()
    stage = np.where(np.isin(np.arange(n), distant), "IVB", _pick(rng, ["III", "IVA"], n))
    yn = {"Y": ["Y", "Yes", "yes", "YES"], "N": ["N", "No", "no", "NO"]}
    smoke = np.where(rng.random(n) < 0.66, "Y", "N")
    drink = np.where(rng.random(n) < 0.55, "Y", "N")

    def typed_yn(v):
        return np.where(v == "Y", _pick(rng, yn["Y"], len(v)), _pick(rng, yn["N"], len(v)))

    diag = d0 - rng.integers(300, 900, n)
    res = p["res"].to_numpy()
    pages["bl"] = pd.DataFrame({
        "SUBJID": subjid, "DIAGDAT": fmt_date(diag, np.where(rng.random(n) < 0.15, "ym", "dmy")),
        "HISTTYP": "Squamous cell carcinoma", "ECOG": p["ecog"].to_numpy(),
        "SMOKE": typed_yn(smoke), "DRINK": typed_yn(drink), "STAGE": stage,
        "METSITE": metsite, "PRIORRES": typed_yn(res), "LINE": p["line"].to_numpy(),
    })
    # prior surgery page
    rs_ = np.flatnonzero(res == "Y")
    surg_day = diag[rs_] + rng.integers(20, 60, len(rs_))
    pages["surg"] = pd.DataFrame({
        "SUBJID": subjid[rs_], "SURGNO": 1,
        "PROC": _pick(rng, ["Esophagectomy", "McKeown esophagectomy", "Ivor Lewis esophagectomy"], len(rs_)),
        "SURGDAT": fmt_date(surg_day, np.where(rng.random(len(rs_)) < 0.2, "ym", "dmy")),
    })

    # prior anti-cancer therapy page: PD-1 inhibitor for all, chemo for later lines
    line = p["line"].to_numpy()
    pd1_end = d0 - rng.integers(21, 120, n)
    pd1_start = pd1_end - rng.integers(90, 360, n)
    chem_n = line - 1  # regimens before the prior PD-1 line
    pt_rows = [pd.DataFrame({
        "SUBJID": subjid, "REGNO": 1 + chem_n,
        "THERAPY": PRIOR_PD1[rng.integers(0, len(PRIOR_PD1), n)],
        "CLASS": "PD-1 inhibitor",
        "SETTING": np.where(line == 1, np.where(res == "Y", "Adjuvant", "Concurrent with radiotherapy"),
                            "Advanced disease"),
        "STDAT": fmt_date(pd1_start, np.where(rng.random(n) < 0.2, "ym", "dmy")),
        "ENDAT": fmt_date(pd1_end, np.where(rng.random(n) < 0.1, "y", "dmy")),
        "BESTRESP": _pick(rng, ["SD", "PR", "PD", "SD", "Unknown"], n),
    })]
    cs = np.repeat(np.arange(n), chem_n)
    if len(cs):
        cj = np.arange(len(cs)) - np.repeat(np.cumsum(chem_n) - chem_n, chem_n)
        cend = pd1_start[cs] - 30 - 200 * (chem_n[cs] - 1 - cj)
        pt_rows.append(pd.DataFrame({
            "SUBJID": subjid[cs], "REGNO": 1 + cj,
            "THERAPY": _pick(rng, ["Paclitaxel + cisplatin", "Docetaxel + nedaplatin", "Irinotecan"], len(cs)),
            "CLASS": "Chemotherapy", "SETTING": "Advanced disease",
            "STDAT": fmt_date(cend - rng.integers(60, 150, len(cs)), "y"),
            "ENDAT": fmt_date(cend, "ym"),
            "BESTRESP": _pick(rng, ["SD", "PD", "Unknown"], len(cs)),
        }))
    pages["pt"] = pd.concat(pt_rows, ignore_index=True).sort_values(
        ["SUBJID", "REGNO"], kind="mergesort", ignore_index=True)

    # -- exposure -----------------------------------------------------------
    ncyc = np.maximum(1, (last_tx_day - d0) // 21 + 1)
    ncyc = np.where(d0 + 21 * (ncyc - 1) > last_tx_day, ncyc - 1, ncyc).clip(min=1)
    es = np.repeat(np.arange(n), ncyc)
    cyc = np.arange(len(es)) - np.repeat(np.cumsum(ncyc) - ncyc, ncyc) + 1
    cstart = d0[es] + 21 * (cyc - 1)
    start_dose = np.where(rng.random(n) < 0.7, 12, 10)
    # reductions and interruptions follow the adverse events' actions (_adjust_exposure below);
    # these draws are kept only so that every later page draws the same random numbers as before
    red1 = np.where(rng.random(n) < 0.3, rng.integers(2, 6, n), 999)
    rng.random(n), rng.integers(1, 4, n), rng.random(len(es))
    hold_days = rng.integers(5, 12, len(es))  # days taken in a cycle interrupted before it began
    del red1
    exro = {"EXTRT": _pick(rng, ["Anlotinib", "anlotinib", "ANLOTINIB"], len(es)),
            "EXROUTE": _pick(rng, ["Oral", "oral", "PO", "po"], len(es))}
    pd1 = p["pd1"].to_numpy()
    typed = np.empty(len(es), dtype=object)
    for drug, opts in PD1_TYPED.items():
        m = pd1[es] == drug
        typed[m] = _pick(rng, opts, int(m.sum()))
    pages["ex_pd1"] = pd.DataFrame({
        "SUBJID": subjid[es], "CYCLE": cyc, "EXTRT": typed, "EXDOSE": 200, "EXDOSU": "mg",
        "EXROUTE": _pick(rng, ["IV", "iv", "Intravenous", "intravenous drip"], len(es)),
        "EXSTDAT": fmt_date(cstart),
    })

    # -- tumour assessments -------------------------------------------------
    asm_day = d0[vis["sid"].to_numpy()] + vis["diff"].to_numpy()
    vis["day"] = asm_day
    vis["visit"] = np.where(vis["j"] < 0, "Baseline", "Week " + (6 * (vis["j"] + 1)).astype(str))
    vis["visno"] = vis["j"] + 2  # 1 = baseline
    tv = tv.merge(vis[["sid", "j", "day", "visit"]], on=["sid", "j"])
    t_lesid = np.char.add("T", np.char.zfill((tv["les"].to_numpy() + 1).astype(str), 2))
    pages["tl"] = pd.DataFrame({
        "SUBJID": subjid[tv["sid"].to_numpy()], "VISIT": tv["visit"].to_numpy(),
        "ASMDAT": fmt_date(tv["day"].to_numpy()), "LESID": t_lesid,
        "LOCATION": tv["site"].to_numpy(), "NODAL": np.where(tv["node"], "Y", "N"),
        "DIAM": tv["val"].to_numpy(), "METHOD": _pick(rng, ["CT", "CT scan", "ct"], len(tv)),
    })
    # non-target lesions
    ntl = pd.DataFrame({"sid": ntl_sid, "les": ntl_l, "site": ntl_site})
    ntv = vis.merge(ntl, on="sid", how="inner").sort_values(["sid", "j", "les"], kind="mergesort", ignore_index=True)
    unequiv = (ntv["resp"] == "PD") & (ntv["mech"] == 2) & (ntv["les"] == 0)
    ntv["status"] = np.where(unequiv, "Unequivocal progression", "Present")
    pages["ntl"] = pd.DataFrame({
        "SUBJID": subjid[ntv["sid"].to_numpy()], "VISIT": ntv["visit"].to_numpy(),
        "ASMDAT": fmt_date(ntv["day"].to_numpy()),
        "LESID": np.char.add("NT", np.char.zfill((ntv["les"].to_numpy() + 1).astype(str), 2)),
        "LOCATION": ntv["site"].to_numpy(), "STATUS": ntv["status"].to_numpy(),
    })
    # new lesions at a PD visit by new lesion
    nl = vis[(vis["resp"] == "PD") & (vis["mech"] == 1)]
    pages["nl"] = pd.DataFrame({
        "SUBJID": subjid[nl["sid"].to_numpy()], "VISIT": nl["visit"].to_numpy(),
        "ASMDAT": fmt_date(nl["day"].to_numpy()), "LESID": "NEW01",
        "LOCATION": NEW_SITES[rng.integers(0, 4, len(nl))],
    })
    # overall response per visit (investigator)
    trg = _recist_target(tv)
    rsv = vis[vis["j"] >= 0].merge(trg[["sid", "j", "trg"]], on=["sid", "j"], how="left")
    has_nt = nnt[rsv["sid"].to_numpy()] > 0
    nt_resp = np.where(~has_nt, "", np.where((rsv["resp"] == "PD") & (rsv["mech"] == 2), "PD", "Non-CR/Non-PD"))
    newles = (rsv["resp"] == "PD") & (rsv["mech"] == 1)
    derived = np.where((rsv["trg"] == "PD") | (nt_resp == "PD") | newles, "PD", rsv["trg"])
    bad = derived != rsv["resp"].to_numpy()
    if bad.any():  # the lesion data must support the investigator's call
        raise AssertionError(f"{int(bad.sum())} assessments with lesion-derived response != design")
    typed_resp = {"PR": ["PR", "PR", "Partial response"], "SD": ["SD", "SD", "Stable disease", "sd"],
                  "PD": ["PD", "PD", "Progressive disease"]}
    ov = np.empty(len(rsv), dtype=object)
    for k_, opts in typed_resp.items():
        m = rsv["resp"].to_numpy() == k_
        ov[m] = _pick(rng, opts, int(m.sum()))
    pages["rs"] = pd.DataFrame({
        "SUBJID": subjid[rsv["sid"].to_numpy()], "VISIT": rsv["visit"].to_numpy(),
        "ASMDAT": fmt_date(rsv["day"].to_numpy()), "TRGRESP": rsv["trg"].to_numpy(),
        "NTRGRESP": nt_resp, "NEWLES": np.where(newles, "Y", "N"), "OVRLRESP": ov,
    })

    # -- adverse events -------------------------------------------------------
    pages["ae"], events = _adverse_events(n, rng, subjid, d0, last_tx_day, end_fu)
    dose, cend, adj = _adjust_exposure(pages["ae"], events, es, cstart, start_dose, hold_days, last_tx_day)
    pages["ex_anlo"] = pd.DataFrame({
        "SUBJID": subjid[es], "CYCLE": cyc, "EXTRT": exro["EXTRT"],
        "EXDOSE": dose, "EXDOSU": "mg", "EXFREQ": "QD", "EXROUTE": exro["EXROUTE"],
        "EXSTDAT": fmt_date(cstart), "EXENDAT": fmt_date(cend), "EXADJ": adj,
    })

    # -- end of treatment, survival, subsequent therapy, comments -----------
    e_ = np.flatnonzero(eot > 0)
    pages["eot"] = pd.DataFrame({
        "SUBJID": subjid[e_], "EOTDAT": fmt_date(eot[e_]),
        "EOTREAS": _pick(rng, ["Progressive disease", "Disease progression", "PD"], len(e_)),
    })
    pages["surv"] = pd.DataFrame({
        "SUBJID": subjid, "STATUS": np.where(alive, "Alive", "Dead"),
        "DTHDAT": fmt_date(death), "DTHCAUS": np.where(alive, "", "Disease progression"),
        "LSTALVDAT": fmt_date(lstalv),
    })
    sub_start = eot + rng.integers(14, 45, n)
    s_ = np.flatnonzero((eot > 0) & (sub_start < end_fu - 14) & (rng.random(n) < 0.6))
    pages["sat"] = pd.DataFrame({
        "SUBJID": subjid[s_],
        "THERAPY": _pick(rng, ["Paclitaxel", "Irinotecan", "Apatinib", "Radiotherapy to bone", "S-1"], len(s_)),
        "STDAT": fmt_date(sub_start[s_]), "ENDAT": "",
    })
    c_ = np.flatnonzero(rng.random(n) < 0.25)
    c_ = np.union1d(c_, [0])
    com = _pick(rng, ["Patient lives far from site; imaging done locally.",
                      "Dose taken with food as advised.", "Family history of ESCC."], len(c_))
    com[0] = LONG_COMMENT
    pages["co"] = pd.DataFrame({
        "SUBJID": subjid[c_], "COPAGE": np.where(np.arange(len(c_)) == 0, "AE", "General"),
        "CODAT": fmt_date(d0[c_] + 30), "COMMENT": com,
    })

    # -- laboratory tests and vital signs: a random stream of their own (the pages above stay as they were)
    lrng = np.random.default_rng([seed, LAB_STREAM])
    sex = np.where(pd.Series(sex_typed).str.upper().str[0].to_numpy() == "M", "M", "F")
    visits = _lab_visits(lrng, d0, icdat, es, cyc, cstart, events)
    pages.update(_lab_pages(lrng, visits, subjid, sex, events))
    pages["lb_ranges"] = lab_ranges()
    pages["vs"] = _vital_signs(lrng, visits, subjid, sex, events)

    if out_dir is not None:
        write_pages(pages, out_dir)
    return pages


def _adjust_exposure(ae, events, es, cstart, start_dose, hold_days, last_tx_day):
    """Anlotinib dose, last day taken and EXADJ per cycle, driven by the AEs' action taken.

    One decision per event drives both pages: an AE with AEACNANL 'Dose reduced' lowers the dose
    by 2 mg (12 -> 10 -> 8) from the first free cycle starting after its onset; 'Drug interrupted'
    ends the first free cycle whose dosing days (1-14) reach its onset early (on the day before
    onset, or after ``hold_days`` when the onset was in the rest week before). Each cycle carries
    at most one adjustment, and EXADJ names the AE. An AE whose reduction has no cycle left (or
    dose already 8 mg) is an interruption instead; one with no cycle left to interrupt has its
    action set to 'Dose not changed' (``ae`` is changed in place). Every other cycle: 14 days.
    """
    dose = start_dose[es].copy()
    cend = cstart + 13
    adj = np.full(len(es), "", dtype=object)
    used = np.zeros(len(es), dtype=bool)
    acn = ae["AEACNANL"].to_numpy().copy()
    act = np.flatnonzero(np.isin(acn, ["Dose reduced", "Drug interrupted"]))
    first = np.searchsorted(es, np.arange(len(start_dose)))
    last = np.searchsorted(es, np.arange(len(start_dose)), side="right")
    for i in act[np.lexsort((act, events["start"].to_numpy()[act], events["sid"].to_numpy()[act]))]:
        s, onset, pt = events.at[i, "sid"], events.at[i, "start"], ae.at[i, "AEDECOD"]
        cyc = np.arange(first[s], last[s])
        c = cyc[~used[cyc] & (cstart[cyc] > onset) & (dose[cyc] > 8)][:1]
        if acn[i] == "Dose reduced" and len(c):
            c = c[0]
            dose[c:last[s]] -= 2
            used[c], adj[c] = True, f"Dose reduced for toxicity ({pt})"
            continue
        c = cyc[~used[cyc] & (cstart[cyc] + 12 >= onset) & (cstart[cyc] <= onset + 21)][:1]
        if len(c):
            c = c[0]
            cend[c] = max(onset - 1, cstart[c]) if onset >= cstart[c] else cstart[c] + hold_days[c]
            used[c], adj[c], acn[i] = True, f"Adverse event ({pt})", "Drug interrupted"
        else:
            acn[i] = "Dose not changed"
    ae["AEACNANL"] = acn
    return dose, np.minimum(cend, last_tx_day[es]), adj


def _adverse_events(n, rng, subjid, d0, last_tx_day, end_fu) -> pd.DataFrame:
    n_terms = len(AE_TERMS)
    if n == 29:
        perm = rng.permutation(n)
        offs = np.concatenate([[0], np.cumsum(AE_DESIGN_COUNTS)[:-1]])
        sid = np.concatenate([perm[(o + np.arange(c)) % n] for o, c in zip(offs, AE_DESIGN_COUNTS)])
        term = np.repeat(np.arange(n_terms), AE_DESIGN_COUNTS)
        # grade 3 lymphopenia in exactly two subjects
        first_lymph = offs[1]
        grade = rng.integers(1, 3, len(sid))
        grade[first_lymph:first_lymph + 2] = 3
    else:
        probs = np.array(AE_DESIGN_COUNTS, dtype=float) / 29
        hit = rng.random((n, n_terms)) < probs
        hit[np.arange(n), 0] |= ~hit.any(axis=1)  # everybody at least one related AE
        sid, term = np.nonzero(hit)
        grade = rng.integers(1, 3, len(sid))
        grade = np.where((term == 1) & (rng.random(len(sid)) < 0.12), 3, grade)
    order = np.lexsort((term, sid))
    sid, term, grade = sid[order], term[order], grade[order]
    m = len(sid)
    pattern = np.array([t[3] for t in AE_TERMS])[term]
    rel_a = np.isin(pattern, ["A", "B"])
    rel_p = np.isin(pattern, ["P", "B"])
    # pattern B: one of the two may be judged unrelated, never both
    flip = (pattern == "B") & (rng.random(m) < 0.3)
    which = rng.random(m) < 0.5
    rel_a = np.where(flip & which, False, rel_a)
    rel_p = np.where(flip & ~which, False, rel_p)
    span = np.maximum(last_tx_day[sid] - d0[sid], 8)
    start = d0[sid] + 1 + (rng.random(m) * np.minimum(span - 1, 150)).astype(int)
    dur = rng.integers(4, 60, m)
    end = start + dur
    ongoing = end > end_fu[sid]
    end = np.where(ongoing, -1, end)
    verb = np.array([_pick(rng, t[2], 1)[0] for t in AE_TERMS], dtype=object)
    verbatim = np.empty(m, dtype=object)
    for t in range(n_terms):
        mm = term == t
        verbatim[mm] = _pick(rng, AE_TERMS[t][2], int(mm.sum()))
    del verb
    nausea = np.flatnonzero(term == 9)
    if len(nausea):
        verbatim[nausea[0]] = NONASCII_TERM
    rel_text = {True: ["Related", "related", "Possibly related", "Probably related"],
                False: ["Not related", "not related", "Unlikely related"]}

    def typed_rel(v):
        return np.where(v, _pick(rng, rel_text[True], m), _pick(rng, rel_text[False], m))

    outcome = np.where(ongoing, _pick(rng, ["Not recovered", "not resolved", "Ongoing"], m),
                       _pick(rng, ["Recovered", "resolved", "Recovered/Resolved", "RECOVERED"], m))
    acn_a = np.where(rel_a & (grade >= 2) & (rng.random(m) < 0.4),
                     _pick(rng, ["Dose reduced", "Drug interrupted"], m), "Dose not changed")
    # start-date style: two partial (day unknown) and one year-only in the 29-patient data
    style = np.full(m, "dmy", dtype=object)
    pick = rng.choice(m, size=min(3, m), replace=False)
    style[pick[:2]] = "ym"
    style[pick[2:3]] = "y"
    ser = _pick(rng, ["N", "No", "no"], m)
    events = pd.DataFrame({"sid": sid, "term": term, "grade": grade, "start": start, "end": end})
    return pd.DataFrame({
        "SUBJID": subjid[sid], "AESPID": (np.arange(m) - np.searchsorted(sid, sid) + 1),
        "AETERM": verbatim, "AEDECOD": np.array([t[0] for t in AE_TERMS], dtype=object)[term],
        "AESOC": np.array([t[1] for t in AE_TERMS], dtype=object)[term],
        **_meddra_columns(np.array([t[0] for t in AE_TERMS], dtype=object)[term]),
        "AETOXGR": grade, "AESER": ser, "AERELANL": typed_rel(rel_a), "AERELPD1": typed_rel(rel_p),
        "AEACNANL": acn_a, "AEACNPD1": np.where(rel_p & (grade >= 3), "Drug interrupted", "Dose not changed"),
        "AESTDAT": fmt_date(start, style), "AEENDAT": fmt_date(end), "AEOUT": outcome,
    }), events

# ---------------------------------------------------------------------------
# Laboratory tests and vital signs
# ---------------------------------------------------------------------------
#: the laboratory pages draw from their own random stream (seed, LAB_STREAM), so that adding them
#: left every other page byte for byte as it was
LAB_STREAM = 14
#: The central laboratory's panel as the CRF pages record it: page column, page, unit printed on
#: the CRF, decimals typed, normal range (male low, high; female low, high) in that unit, and the
#: within-subject variation (coefficient of variation; values stay within +/- 2 CV of the
#: subject's own level and inside the normal range unless an adverse event says otherwise).
LAB_PANEL = [
    # column   page    unit       dec  M lo   M hi   F lo   F hi   cv
    ("HGB", "hem", "g/dL", 1, 13.0, 17.5, 11.5, 15.0, 0.03),
    ("RBC", "hem", "10^12/L", 2, 4.30, 5.80, 3.80, 5.10, 0.03),
    ("WBC", "hem", "10^9/L", 2, 3.50, 9.50, 3.50, 9.50, 0.0),   # the sum of the differential
    ("NEUT", "hem", "10^9/L", 2, 1.80, 6.30, 1.80, 6.30, 0.08),
    ("LYM", "hem", "10^9/L", 2, 1.10, 3.20, 1.10, 3.20, 0.08),
    ("MONO", "hem", "10^9/L", 2, 0.10, 0.60, 0.10, 0.60, 0.08),
    ("EOS", "hem", "10^9/L", 2, 0.02, 0.52, 0.02, 0.52, 0.10),
    ("PLAT", "hem", "10^9/L", 0, 125, 350, 125, 350, 0.06),
    ("ALT", "chem", "U/L", 0, 9, 50, 7, 40, 0.08),
    ("AST", "chem", "U/L", 0, 15, 40, 13, 35, 0.08),
    ("ALP", "chem", "U/L", 0, 45, 125, 35, 100, 0.06),
    ("GGT", "chem", "U/L", 0, 10, 60, 7, 45, 0.08),
    ("BILI", "chem", "mg/dL", 1, 0.3, 1.2, 0.3, 1.2, 0.08),
    ("ALB", "chem", "g/dL", 1, 4.0, 5.5, 4.0, 5.5, 0.03),
    ("CREAT", "chem", "mg/dL", 2, 0.70, 1.20, 0.50, 1.00, 0.04),
    ("BUN", "chem", "mg/dL", 0, 7, 20, 7, 20, 0.08),
    ("GLUC", "chem", "mg/dL", 0, 70, 110, 70, 110, 0.06),
    ("SODIUM", "chem", "mmol/L", 0, 137, 147, 137, 147, 0.01),
    ("K", "chem", "mmol/L", 1, 3.5, 5.3, 3.5, 5.3, 0.04),
    ("CA", "chem", "mg/dL", 1, 8.6, 10.2, 8.6, 10.2, 0.02),
]
#: basophils (not on the page) in the white cell count
BASOPHILS = 0.03
#: tests a site may leave not done (ND); never those an adverse event is checked against
LAB_NOT_DONE = ("MONO", "EOS", "ALP", "GGT", "BUN")
#: adverse event (AE_TERMS index) -> the test that shows it, and the value ranges of each CTCAE v5
#: grade in the page's unit, away from the grade limits so that no conversion or rounding moves a
#: value across one. "LLN"/"ULN" bands are fractions of the subject's normal limit.
LAB_AE = {
    0: ("HGB", {1: ("abs", 10.1, "LLN-0.3"), 2: ("abs", 8.1, 9.8), 3: ("abs", 7.0, 7.8)}),      # Anaemia: Hgb g/dL
    1: ("LYM", {1: ("abs", 0.82, 1.05), 2: ("abs", 0.52, 0.78), 3: ("abs", 0.22, 0.48),
                4: ("abs", 0.05, 0.18)}),                                                    # Lymphocyte count decreased
    10: ("AST", {1: ("uln", 1.2, 2.8), 2: ("uln", 3.2, 4.8), 3: ("uln", 5.5, 18.0)}),          # AST increased
}
#: calcium: CTCAE grades the albumin-corrected value (Payne, in the page's units: corrected = total +
#: 0.8 x (4.0 - albumin g/dL) mg/dL), so the drawn calcium is the corrected one and the page records
#: the total the laboratory measures; both stay this far (mg/dL) inside the normal range
CA_PER_ALB = 0.8
CA_MARGIN = 0.15
#: Hypertension (AE_TERMS index 2) in the vital signs: systolic / diastolic ranges per grade (mmHg)
VS_HYPERTENSION = {1: ((130, 139), (85, 89)), 2: ((142, 158), (90, 98)), 3: ((162, 175), (101, 108))}


def lab_ranges() -> pd.DataFrame:
    """The central laboratory's normal-range file: one row per test, unit and sex (blank: both)."""
    rows = []
    for col, _page, unit, dec, mlo, mhi, flo, fhi, _cv in LAB_PANEL:
        fmt = f"{{:.{dec}f}}"
        if (mlo, mhi) == (flo, fhi):
            rows.append((col, unit, "", fmt.format(mlo), fmt.format(mhi)))
        else:
            rows += [(col, unit, "M", fmt.format(mlo), fmt.format(mhi)), (col, unit, "F", fmt.format(flo),
                                                                         fmt.format(fhi))]
    return pd.DataFrame(rows, columns=["TEST", "UNIT", "SEX", "LOW", "HIGH"])


def _lab_visits(rng, d0, icdat, es, cyc, cstart, events) -> pd.DataFrame:
    """One row per subject, day and page with a sample: baseline (within 7 days before the first
    dose, after consent), day 1 of cycles 2, 3, ... and an unscheduled sample on the first day of
    each adverse event a test shows (the page of that test), unless a scheduled one is that day."""
    n = len(d0)
    span = np.minimum(7, d0 - icdat)
    base_day = d0 - 1 - (rng.random(n) * span).astype(int)
    later = cyc >= 2
    sched = pd.DataFrame({"sid": np.concatenate([np.arange(n), es[later]]),
                          "day": np.concatenate([base_day, cstart[later]]),
                          "visit": np.concatenate([np.full(n, "Baseline", dtype=object),
                                                   ("Cycle " + cyc[later].astype(str)).astype(object)])})
    sched = pd.concat([sched.assign(page="hem"), sched.assign(page="chem")], ignore_index=True)
    shown = events[events["term"].isin(list(LAB_AE))]
    page_of = {t: next(p for c, p, *_ in LAB_PANEL if c == LAB_AE[t][0]) for t in LAB_AE}
    unsched = pd.DataFrame({"sid": shown["sid"].to_numpy(), "day": shown["start"].to_numpy(),
                            "visit": "Unscheduled", "page": shown["term"].map(page_of).to_numpy()})
    unsched = unsched.drop_duplicates(["sid", "day", "page"])
    taken = unsched.merge(sched[["sid", "day", "page"]], on=["sid", "day", "page"], how="left", indicator=True)
    unsched = unsched[(taken["_merge"] == "left_only").to_numpy()]
    out = pd.concat([sched, unsched], ignore_index=True)
    return out.sort_values(["sid", "day", "page"], kind="mergesort", ignore_index=True)


def _within(rng, level, cv, lo, hi):
    """Values around each row's own ``level``: +/- 2 CV at most, inside [lo, hi] with a 5% margin."""
    step = np.clip(rng.normal(0.0, 1.0, len(level)), -2, 2) * cv
    margin = 0.05 * (hi - lo)
    return np.clip(level * (1 + step), lo + margin, hi - margin)


def _total_calcium(drawn, albumin, lo, hi):
    """The total calcium (mg/dL) a page records for each ``drawn`` value, read as the albumin-corrected
    calcium: with albumin above 4.0 g/dL the total is higher than the corrected value, so the corrected
    value is placed in the part of the range [lo, hi] that keeps both inside it (no random draws)."""
    lift = CA_PER_ALB * (np.round(albumin, 1) - 4.0)  # total - corrected, with the albumin as typed
    c_lo = np.maximum(lo, lo - lift) + CA_MARGIN
    c_hi = np.maximum(np.minimum(hi, hi - lift) - CA_MARGIN, c_lo)
    return c_lo + (drawn - lo) / (hi - lo) * (c_hi - c_lo) + lift


def _ae_windows(rows: pd.DataFrame, events: pd.DataFrame, term: int) -> tuple[np.ndarray, np.ndarray]:
    """(row positions, grades) of the sample rows that fall within an adverse event ``term``."""
    ev = events[events["term"] == term]
    hit = rows[["sid", "day"]].reset_index().merge(ev[["sid", "grade", "start", "end"]], on="sid")
    inside = (hit["day"] >= hit["start"]) & ((hit["end"] < 0) | (hit["day"] <= hit["end"]))
    hit = hit[inside.to_numpy()]
    return hit["index"].to_numpy(), hit["grade"].to_numpy()


def _typed(values: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers as the site types them, with the test's decimals."""
    return np.char.mod(f"%.{decimals}f", np.round(values, decimals)).astype(object)


def _lab_pages(rng, visits, subjid, sex, events) -> dict[str, pd.DataFrame]:
    n = len(subjid)
    male = sex == "M"
    out = {}
    for page in ("hem", "chem"):
        rows = visits[visits["page"] == page].reset_index(drop=True)
        sid = rows["sid"].to_numpy()
        frame = {"SUBJID": subjid[sid], "VISIT": rows["visit"].to_numpy(), "LBDAT": fmt_date(rows["day"].to_numpy())}
        values = {}
        panel = [t for t in LAB_PANEL if t[1] == page]
        for col, _page, unit, dec, mlo, mhi, flo, fhi, cv in panel:
            lo = np.where(male, mlo, flo)[sid]
            hi = np.where(male, mhi, fhi)[sid]
            level = (np.where(male, mlo, flo) + rng.uniform(0.2, 0.8, n) * np.where(male, mhi - mlo, fhi - flo))[sid]
            values[col] = _within(rng, level, cv, lo, hi) if cv else level
        for term, (col, bands) in LAB_AE.items():
            if col not in values:
                continue
            pos, grade = _ae_windows(rows, events, term)
            spec = next(t for t in LAB_PANEL if t[0] == col)
            lln = np.where(male, spec[4], spec[6])[sid[pos]]
            uln = np.where(male, spec[5], spec[7])[sid[pos]]
            for g, (kind, a, b) in bands.items():
                m = grade == g
                if not m.any():
                    continue
                if kind == "uln":
                    lo_, hi_ = a * uln[m], b * uln[m]
                else:
                    lo_ = np.full(int(m.sum()), float(a))
                    hi_ = lln[m] - 0.3 if b == "LLN-0.3" else np.full(int(m.sum()), float(b))
                values[col][pos[m]] = lo_ + rng.random(int(m.sum())) * (hi_ - lo_)
        if page == "hem":
            # the white cell count is the differential's sum; neutrophils keep it within its range
            others = values["LYM"] + values["MONO"] + values["EOS"] + BASOPHILS
            values["NEUT"] = np.maximum(values["NEUT"], 3.7 - others)
            values["WBC"] = values["NEUT"] + others
            # red cells follow haemoglobin (the subject's own cell haemoglobin content)
            first = np.r_[True, sid[1:] != sid[:-1]]
            hgb0 = values["HGB"][first][np.cumsum(first) - 1]
            values["RBC"] = values["RBC"] * values["HGB"] / hgb0
        else:
            ca = next(t for t in LAB_PANEL if t[0] == "CA")
            values["CA"] = _total_calcium(values["CA"], values["ALB"], np.where(male, ca[4], ca[6])[sid],
                                          np.where(male, ca[5], ca[7])[sid])
        for col, _page, unit, dec, *_ in panel:
            typed = _typed(values[col], dec)
            if col in LAB_NOT_DONE:
                typed = np.where(rng.random(len(typed)) < 0.01, "ND", typed).astype(object)
            frame[col] = typed
        out[f"lb_{page}"] = pd.DataFrame(frame)
    return out


def _vital_signs(rng, visits, subjid, sex, events) -> pd.DataFrame:
    """Vital signs at the scheduled visits (baseline and day 1 of cycles 2, 3, ...); height at baseline."""
    n = len(subjid)
    male = sex == "M"
    rows = visits[(visits["page"] == "hem") & (visits["visit"] != "Unscheduled")].reset_index(drop=True)
    sid = rows["sid"].to_numpy()
    base = rows["visit"].to_numpy() == "Baseline"
    sbp = _within(rng, rng.uniform(108, 126, n)[sid], 0.04, 95, 136)
    dbp = _within(rng, rng.uniform(66, 80, n)[sid], 0.04, 58, 86)
    pos, grade = _ae_windows(rows, events, 2)
    for g, ((s_lo, s_hi), (d_lo, d_hi)) in VS_HYPERTENSION.items():
        m = grade == g
        sbp[pos[m]] = rng.uniform(s_lo, s_hi, int(m.sum()))
        dbp[pos[m]] = rng.uniform(d_lo, d_hi, int(m.sum()))
    pulse = _within(rng, rng.uniform(66, 88, n)[sid], 0.06, 55, 100)
    temp = _within(rng, rng.uniform(36.4, 36.9, n)[sid], 0.005, 36.0, 37.3)
    k = np.arange(len(sid)) - np.searchsorted(sid, sid)  # 0 at baseline, then per visit
    weight = np.where(male, rng.uniform(55, 78, n), rng.uniform(44, 62, n))[sid] - 0.25 * k + rng.normal(0, 0.4, len(sid))
    height = np.where(male, rng.uniform(160, 180, n), rng.uniform(150, 166, n))[sid]
    return pd.DataFrame({
        "SUBJID": subjid[sid], "VISIT": rows["visit"].to_numpy(), "VSDAT": fmt_date(rows["day"].to_numpy()),
        "SYSBP": _typed(sbp, 0), "DIABP": _typed(dbp, 0), "PULSE": _typed(pulse, 0), "TEMP": _typed(temp, 1),
        "WEIGHT": _typed(weight, 1), "HEIGHT": np.where(base, _typed(height, 0), "").astype(object),
    })


def _meddra_columns(pt: np.ndarray) -> dict[str, np.ndarray]:
    """The MedDRA codes a coder adds to each PT (:data:`MEDDRA`); no random draws."""
    rows = [MEDDRA[p] for p in pt]
    col = lambda i: np.array([r[i] for r in rows], dtype=object)  # noqa: E731
    return {"AELLT": pt, "AELLTCD": col(0), "AEPTCD": col(0), "AEHLT": col(1), "AEHLTCD": col(2),
            "AEHLGT": col(3), "AEHLGTCD": col(4), "AESOCCD": col(5)}


def write_pages(pages: dict[str, pd.DataFrame], out_dir: str | Path) -> None:
    """Write each page as ``<out_dir>/<page>.csv`` (UTF-8, ``\\n``, quotes only where needed)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    for name in sorted(pages):
        frame = pages[name]
        table = pa.table({c: pa.array(np.asarray(frame[c]).tolist() if frame[c].dtype == object
                                      else frame[c].to_numpy()) for c in frame.columns})
        pacsv.write_csv(table, out / f"{name}.csv", write_options=options)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=29)
    ap.add_argument("--seed", type=int, default=20220703)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    args = ap.parse_args(argv)
    pages = generate(args.subjects, args.seed, args.out)
    print(f"wrote {len(pages)} pages for {args.subjects} subjects to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
