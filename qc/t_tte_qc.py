"""QC of Table 14.2.2 (PFS and OS, Kaplan-Meier): every statistic computed a second way in numpy.

Reads production ADSL and ADTTE only. The Kaplan-Meier estimate, Greenwood's variance, the
median (PROC LIFETEST's rule: the first event time where S(t) < 0.5, the midpoint of the flat
step when S(t) = 0.5 exactly), its Brookmeyer-Crowley CI with the log-log transform (the
event times where the 95% log-log band of S(t) contains 0.5), the symmetric CI median +/- 1.96 SE
with Collett's SE, and the event-free rates at [tlf] km_rate_months with log-log CIs, written
here from the textbook formulas. Times in months = days / [tlf] days_per_month.

>>> km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
>>> km["time"].tolist(), [round(s, 4) for s in km["surv"]]
([1.0, 2.0, 3.0], [0.8, 0.6, 0.3])
>>> median_sas(km)
3.0
>>> median_sas(kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1]))
2.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from ._ard import ard_rows, n_pct
from ._common import text

READS = ("ADSL", "ADTTE")
WRITES = ("QC_T_TTE",)

AID = "T14.2.2"
PARAMS = ["PFS", "OS"]
Z = norm.ppf(0.975)
EPS = 1e-12


def kaplan_meier(time, event) -> pd.DataFrame:
    """One row per distinct event time: at risk, events, S(t) and Greenwood's sum d / (n (n - d))."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    rows, surv, gw = [], 1.0, 0.0
    for t in np.unique(time[event == 1]):
        n = int((time >= t).sum())
        d = int(((time == t) & (event == 1)).sum())
        surv *= 1 - d / n
        gw = gw + d / (n * (n - d)) if n > d else np.inf
        rows.append({"time": float(t), "n": n, "d": d, "surv": surv, "greenwood": gw})
    return pd.DataFrame(rows, columns=["time", "n", "d", "surv", "greenwood"])


def median_sas(km: pd.DataFrame) -> float:
    """First event time with S(t) < 0.5; the midpoint of [t_j, t_j+1) when S = 0.5 there exactly."""
    for j, row in enumerate(km.itertuples()):
        if abs(row.surv - 0.5) < EPS:
            return float((row.time + km["time"].iloc[j + 1]) / 2) if j + 1 < len(km) else float(row.time)
        if row.surv < 0.5:
            return float(row.time)
    return np.nan


def loglog_band(surv: float, greenwood: float) -> tuple[float, float]:
    """Pointwise 95% CI of S(t), log-log transformed: S ** exp(+/- z sqrt(greenwood) / log S)."""
    if not 0 < surv < 1 or not np.isfinite(greenwood):
        return np.nan, np.nan
    theta = Z * np.sqrt(greenwood) / np.log(surv)
    return surv ** np.exp(-theta), surv ** np.exp(theta)


def median_ci_brookmeyer_crowley(km: pd.DataFrame) -> tuple[float, float]:
    """Lower: the first event time whose band's lower limit is <= 0.5; upper: the first whose upper
    limit is < 0.5 (NaN when none)."""
    bands = [loglog_band(r.surv, r.greenwood) for r in km.itertuples()]
    lower = next((t for t, (lo, _) in zip(km["time"], bands) if lo <= 0.5 + EPS), np.nan)
    upper = next((t for t, (_, hi) in zip(km["time"], bands) if hi < 0.5 - EPS), np.nan)
    return lower, upper


def median_ci_symmetric(km: pd.DataFrame, median: float) -> tuple[float, float]:
    """median +/- z SE, SE = se(S(median)) / f, f = (S(u) - S(l)) / (l - u) with u the last event time
    with S >= 0.55 and l the first with S <= 0.45 (Collett)."""
    at = km.loc[km["time"] <= median].iloc[-1]
    se_s = at["surv"] * np.sqrt(at["greenwood"])
    upper_pts, lower_pts = km.loc[km["surv"] >= 0.55 - EPS], km.loc[km["surv"] <= 0.45 + EPS]
    if upper_pts.empty or lower_pts.empty:
        return np.nan, np.nan
    u, lo = upper_pts.iloc[-1], lower_pts.iloc[0]
    density = (u["surv"] - lo["surv"]) / (lo["time"] - u["time"])
    se = se_s / density
    return median - Z * se, median + Z * se


def rate_at(km: pd.DataFrame, t: float, last_time: float) -> tuple[float, float, float]:
    """S(t) in percent with its log-log CI; NaN beyond the last follow-up unless S has reached 0."""
    before = km.loc[km["time"] <= t]
    surv, gw = (1.0, 0.0) if before.empty else (before["surv"].iloc[-1], before["greenwood"].iloc[-1])
    if t > last_time and surv > 0:
        return np.nan, np.nan, np.nan
    lo, hi = loglog_band(surv, gw)
    return 100 * surv, 100 * lo, 100 * hi


def derive_t_tte_qc(adtte: pd.DataFrame, settings: dict) -> pd.DataFrame:
    tlf = settings.get("tlf", {})
    per_month = float(tlf.get("days_per_month", 30.4375))
    rate_months = [float(m) for m in tlf.get("km_rate_months", [6, 12])]
    adtte = adtte.loc[text(adtte["EFFFL"]) == "Y"]
    parts = []
    events_by, censor_by = {}, {}
    for param in PARAMS:
        rec = adtte.loc[text(adtte["PARAMCD"]) == param]
        time, event = rec["AVAL"].to_numpy(float) / per_month, (rec["CNSR"].to_numpy(float) == 0).astype(int)
        km = kaplan_meier(time, event)
        median = median_sas(km)
        big_n, n_events = len(rec), int(event.sum())
        counts = {"N": big_n, "events": n_events, "censored": big_n - n_events}
        lo, hi = median_ci_brookmeyer_crowley(km)
        stats = {**counts, "km_median": median, "km_median_ci_lower": lo, "km_median_ci_upper": hi}
        for m in rate_months:
            r, rlo, rhi = rate_at(km, m, time.max())
            stats.update({f"rate_{m:g}m": r, f"rate_{m:g}m_ci_lower": rlo, f"rate_{m:g}m_ci_upper": rhi})
        parts.append(ard_rows(f"{AID}-KM", "PARAMCD", f"{AID}-KM", "PARAMCD", param, stats))
        slo, shi = median_ci_symmetric(km, median)
        parts.append(ard_rows(f"{AID}-KM-SYMMETRIC", "PARAMCD", f"{AID}-KM-SYMMETRIC", "PARAMCD", param,
                              {**counts, "km_median": median, "km_median_ci_lower": slo, "km_median_ci_upper": shi}))
        events_by[param] = text(rec.loc[event == 1, "EVNTDESC"])
        censor_by[param] = text(rec.loc[event == 0, "CNSDTDSC"])
        events_by[param + "_N"] = big_n
    # events by type and censoring reasons: every reason seen in either parameter, per parameter
    for suffix, var, by in (("EVENTS", "EVNTDESC", events_by), ("CENSOR", "CNSDTDSC", censor_by)):
        reasons = sorted(set().union(*(set(by[p]) for p in PARAMS)) - {""})
        for reason in reasons:
            for param in PARAMS:
                parts.append(ard_rows(f"{AID}-{suffix}", var, reason, "PARAMCD", param,
                                      n_pct(int((by[param] == reason).sum()), events_by[param + "_N"])))
    return pd.concat(parts, ignore_index=True)


def derive(ctx):
    return {"QC_T_TTE": derive_t_tte_qc(ctx.adam["ADTTE"], ctx.settings)}
