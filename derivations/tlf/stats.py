"""Statistics for tables and figures: binomial CIs and Kaplan-Meier summaries.

The Kaplan-Meier curve, its Greenwood standard errors and the Brookmeyer-Crowley
confidence interval of a quantile come from
:class:`statsmodels.duration.survfunc.SurvfuncRight`; this module adds the rules
that differ between SAS, SPSS and R, as data in :class:`KmSettings`:

``median_rule``
    ``"sas"``: PROC LIFETEST. The p-th quantile is the first event time with
    S(t) < 1 - p; when S(t) equals 1 - p exactly over ``[t_j, t_{j+1})`` the
    quantile is the midpoint ``(t_j + t_{j+1}) / 2`` of that event time and the
    next event time (R's ``quantile.survfit`` does the same).
    ``"first"``: the first event time with S(t) <= 1 - p (statsmodels, lifelines).
``ci_method``
    ``"brookmeyer-crowley"``: the set of event times t with
    ``|g(S(t)) - g(1 - p)| <= z * g'(S(t)) * se(S(t))`` (Brookmeyer & Crowley 1982,
    Klein & Moeschberger 1997; SAS CONFTYPE=). ``ci_transform`` picks g:
    ``"loglog"`` (SAS default, statsmodels ``"cloglog"``), ``"linear"``, ``"log"``,
    ``"logit"``, ``"asinsqrt"``. Limits are observed event times; an upper limit
    the data cannot reach is missing (NaN), as SAS prints it.
    ``"symmetric"``: median +/- z * SE(median), the interval SPSS prints. The SE is
    Collett's (Modelling Survival Data in Medical Research, sec. 2.4)::

        SE(t50) = SE[S(t50)] / f(t50)
        f(t50)  = (S(u) - S(l)) / (l - u)
        u = largest event time with S(u) >= 0.5 + eps      (t = 0, S = 1 if none)
        l = smallest event time with S(l) <= 0.5 - eps     (SE missing if none)

    with eps = 0.05 and SE[S(t50)] the Greenwood SE of S at the median (the step
    value in force at the median). The SPSS algorithms manual does not spell its
    formula out; Collett's is the one the SPSS-based literature cites.
``days_per_month``
    input times (ADaM AVAL, days) are divided by it to give months (the embedded
    study's paper used 30; admiral's habit is 30.4375).

Rates at time t use the Greenwood SE with the log-log transform:
``S(t) ** exp(+/- z * se / (S * log S))``.

Example
-------
>>> import numpy as np
>>> km = compute_km([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1],
...                 KmSettings(input_unit="months", output_unit="months"))
>>> float(km.median)
4.0
>>> float(compute_km([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1],
...       KmSettings(median_rule="first", input_unit="months", output_unit="months")).median)
3.0
>>> [round(x, 3) for x in compute_proportion_ci(9, 29)]
[0.31, 0.153, 0.508]
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

from ..core import round_sas
from ..findings import DerivationError

MEDIAN_RULES = ("sas", "first")
CI_METHODS = ("brookmeyer-crowley", "symmetric")
CI_TRANSFORMS = {
    "loglog": "cloglog",
    "cloglog": "cloglog",
    "linear": "linear",
    "log": "log",
    "logit": "logit",
    "asinsqrt": "asinsqrt",
}
UNITS = ("days", "weeks", "months", "years")
#: tolerance for "S(t) is exactly 1 - p" (the product of fractions is not exact in floating point)
EXACT_TOL = 1e-9


def _readable(obj) -> str:
    name = type(obj).__name__
    body = ", ".join(f"{f.name}={getattr(obj, f.name)!r}" for f in fields(obj))
    return f"{name}({body})"


@dataclass(frozen=True)
class KmSettings:
    """How a Kaplan-Meier summary is computed (see the module docstring).

    >>> print(KmSettings())
    KmSettings: median rule 'sas', CI brookmeyer-crowley (loglog), alpha 0.05, days -> months (30.4375 days/month)
    """

    median_rule: str = "sas"
    ci_method: str = "brookmeyer-crowley"
    ci_transform: str = "loglog"
    alpha: float = 0.05
    days_per_month: float = 30.4375
    days_per_year: float = 365.25
    input_unit: str = "days"
    output_unit: str = "months"
    rate_transform: str = "loglog"
    collett_eps: float = 0.05

    def __post_init__(self) -> None:
        checks = [
            ("median_rule", self.median_rule, MEDIAN_RULES),
            ("ci_method", self.ci_method, CI_METHODS),
            ("ci_transform", self.ci_transform, tuple(CI_TRANSFORMS)),
            ("input_unit", self.input_unit, UNITS),
            ("output_unit", self.output_unit, UNITS),
            ("rate_transform", self.rate_transform, ("loglog", "linear")),
        ]
        for name, value, allowed in checks:
            if value not in allowed:
                raise DerivationError(
                    f"KmSettings.{name} = {value!r} is not supported",
                    value=value,
                    hint=f"use one of {', '.join(allowed)}",
                )
        if not 0 < self.alpha < 1:
            raise DerivationError("KmSettings.alpha must be in (0, 1)", value=self.alpha)
        if self.days_per_month <= 0 or self.days_per_year <= 0:
            raise DerivationError("days_per_month/days_per_year must be positive",
                                  value=self.days_per_month)

    def __str__(self) -> str:
        ci = self.ci_method + (f" ({self.ci_transform})" if self.ci_method == "brookmeyer-crowley" else "")
        conv = f"{self.input_unit} -> {self.output_unit}"
        if "months" in (self.input_unit, self.output_unit) and self.input_unit != self.output_unit:
            conv += f" ({self.days_per_month:g} days/month)"
        return (f"KmSettings: median rule {self.median_rule!r}, CI {ci}, alpha {self.alpha:g}, {conv}")

    def __repr__(self) -> str:
        return _readable(self)

    @property
    def unit_suffix(self) -> str:
        """``"m"`` for months, ``"d"`` days, ``"w"`` weeks, ``"y"`` years (for stat names)."""
        return self.output_unit[0]

    def days_per(self, unit: str) -> float:
        return {"days": 1.0, "weeks": 7.0, "months": self.days_per_month, "years": self.days_per_year}[unit]

    def convert(self, time) -> np.ndarray:
        """Times from ``input_unit`` to ``output_unit``."""
        factor = self.days_per(self.input_unit) / self.days_per(self.output_unit)
        arr = np.asarray(time, dtype=float)
        return arr if factor == 1.0 else arr * factor


@dataclass(frozen=True)
class KmResult:
    """A Kaplan-Meier fit: event-time table and summary statistics (times in ``settings.output_unit``).

    ``table`` columns: time, n_risk, n_event, survival, se (one row per distinct event time).
    ``quartiles`` columns: percent (25, 50, 75), estimate, se (Collett), lower, upper, as in
    SAS's "Quartile Estimates" (percent = 100 * p, the time where S falls to 1 - p).
    """

    table: pd.DataFrame
    n: int
    events: int
    censored: int
    median: float
    median_ci: tuple[float, float]
    median_se: float
    settings: KmSettings
    time: np.ndarray = field(repr=False)
    event: np.ndarray = field(repr=False)
    quartiles: pd.DataFrame = field(repr=False, default=None)

    def __str__(self) -> str:
        lo, hi = self.median_ci
        return (f"KM: N={self.n}, events={self.events}, censored={self.censored}, "
                f"median={_f(self.median)} ({_f(lo)}, {_f(hi)}) {self.settings.output_unit}")

    @property
    def censor_times(self) -> np.ndarray:
        return np.sort(self.time[self.event == 0])

    def survival_at(self, t: float) -> tuple[float, float]:
        """(S(t), Greenwood SE) of the step function at ``t``.

        Beyond the last follow-up time the curve is not estimable (NaN), unless it has already
        reached 0 (the last time was an event): then S(t) = 0, as SAS PROC LIFETEST reports.
        """
        if len(self.time) == 0 or t < 0:
            return float("nan"), float("nan")
        if t > self.time.max():
            last = self.table["survival"].iloc[-1] if len(self.table) else float("nan")
            return (0.0, 0.0) if last == 0 else (float("nan"), float("nan"))
        idx = np.searchsorted(self.table["time"].to_numpy(), t, side="right") - 1
        if idx < 0:
            return 1.0, 0.0
        return float(self.table["survival"].iloc[idx]), float(self.table["se"].iloc[idx])

    def rate(self, t: float) -> tuple[float, float, float]:
        """Survival rate at ``t`` with its (1 - alpha) CI (log-log Greenwood by default).

        Returns NaNs when ``t`` is past the last follow-up time (not estimable), and 0 with a
        missing CI once the curve has reached 0.
        """
        s, se = self.survival_at(t)
        z = norm.ppf(1 - self.settings.alpha / 2)
        if np.isnan(s):
            return s, s, s
        if s >= 1.0 or s <= 0.0 or np.isnan(se):
            return s, float("nan"), float("nan")
        if self.settings.rate_transform == "linear":
            return s, max(0.0, s - z * se), min(1.0, s + z * se)
        c = z * se / (s * abs(np.log(s)))
        return s, float(s ** np.exp(c)), float(s ** np.exp(-c))

    def at_risk(self, times: Iterable[float]) -> pd.Series:
        """Number of subjects still at risk (time >= t) at each of ``times``."""
        times = np.asarray(list(times), dtype=float)
        srt = np.sort(self.time)
        counts = len(srt) - np.searchsorted(srt, times, side="left")
        return pd.Series(counts.astype(int), index=times, name="n_risk")

    def curve(self) -> pd.DataFrame:
        """Step-function points for plotting, starting at (0, 1)."""
        head = pd.DataFrame({"time": [0.0], "survival": [1.0]})
        return pd.concat([head, self.table[["time", "survival"]]], ignore_index=True)


def _f(x: float, digits: int = 2) -> str:
    """A statistic as printed: SAS rounding (0.125 -> 0.13, not Python's 0.12), missing as NE."""
    return "NE" if x is None or np.isnan(x) else f"{round_sas(x, digits):.{digits}f}"


def compute_proportion_ci(x: int, n: int, *, alpha: float = 0.05, method: str = "beta") -> tuple[float, float, float]:
    """Proportion ``x/n`` with its exact Clopper-Pearson CI (``method="beta"``), as fractions.

    Parameters
    ----------
    x
        Number of responders, 0 <= x <= n.
    n
        Number of subjects, > 0.
    alpha
        1 - confidence level; default 0.05 (95% CI).
    method
        ``"beta"`` (default): exact Clopper-Pearson, as SAS PROC FREQ ``BINOMIAL(EXACT)``; other
        names of ``statsmodels.stats.proportion.proportion_confint`` (``"wilson"``, ``"normal"``, ...).

    Returns
    -------
    tuple of float: (proportion, lower, upper)

    Examples
    --------
    >>> [round(v, 4) for v in compute_proportion_ci(25, 29)]
    [0.8621, 0.6834, 0.9611]
    """
    if n <= 0:
        return float("nan"), float("nan"), float("nan")
    if not 0 <= x <= n:
        raise DerivationError("responders must be between 0 and N", value=(x, n))
    lo, hi = proportion_confint(int(x), int(n), alpha=alpha, method=method)
    return x / n, float(lo), float(hi)


def _quantile(times: np.ndarray, surv: np.ndarray, p: float, rule: str) -> float:
    """p-th quantile (p=0.5 median) of a KM step function given at its event times."""
    target = 1.0 - p
    below = np.flatnonzero(surv <= target + EXACT_TOL)
    if len(below) == 0:
        return float("nan")
    j = below[0]
    if rule == "sas" and abs(surv[j] - target) <= EXACT_TOL:
        # flat exactly at 1-p from t_j to the next event time: take the midpoint
        if j + 1 < len(times):
            return float((times[j] + times[j + 1]) / 2)
        return float(times[j])
    if rule == "sas":
        # first time strictly below target (no exact plateau)
        return float(times[j])
    return float(times[j])


def compute_median_se_collett(table: pd.DataFrame, median: float, *, eps: float = 0.05, p: float = 0.5) -> float:
    """Collett's SE of the median (or p-th quantile) survival time (see module docstring).

    ``table`` has columns time, survival, se at the event times.

    Parameters
    ----------
    table
        Kaplan-Meier table at the event times: columns ``time``, ``survival``, ``se``.
    median
        The median (or p-th quantile) survival time.
    eps
        Half-width of the survival band used for the density estimate; default 0.05 (Collett).
    p
        The quantile; default 0.5 (median).

    Returns
    -------
    float

    Examples
    --------
    >>> t = pd.DataFrame({"time": [1., 2., 3., 4.], "survival": [0.8, 0.6, 0.4, 0.2],
    ...                   "se": [0.1, 0.2, 0.25, 0.2]})
    >>> round(compute_median_se_collett(t, 3.0), 6)   # 0.25 / ((0.6 - 0.4) / (3 - 2))
    1.25
    """
    if np.isnan(median) or table.empty:
        return float("nan")
    times = table["time"].to_numpy(float)
    surv = table["survival"].to_numpy(float)
    se = table["se"].to_numpy(float)
    idx = np.searchsorted(times, median, side="right") - 1
    se_med = se[idx] if idx >= 0 else 0.0
    target = 1.0 - p
    upper = np.flatnonzero(surv >= target + eps - EXACT_TOL)
    lower = np.flatnonzero(surv <= target - eps + EXACT_TOL)
    if len(lower) == 0:
        return float("nan")
    u_t, u_s = (times[upper[-1]], surv[upper[-1]]) if len(upper) else (0.0, 1.0)
    l_t, l_s = times[lower[0]], surv[lower[0]]
    if l_t <= u_t:
        return float("nan")
    density = (u_s - l_s) / (l_t - u_t)
    return float(se_med / density) if density > 0 else float("nan")


def compute_km(time: Sequence[float], event: Sequence[int], settings: KmSettings | None = None) -> KmResult:
    """Kaplan-Meier fit of ``time`` (``settings.input_unit``) and ``event`` (1 = event, 0 = censored).

    ADaM ``CNSR`` is the opposite of ``event``: pass ``1 - CNSR``.

    Parameters
    ----------
    time
        Times in ``settings.input_unit`` (ADaM AVAL).
    event
        1 = event, 0 = censored (``1 - CNSR``).
    settings
        A :class:`KmSettings` (units, month factor, CI method, confidence level); ``None``:
        the defaults.

    Returns
    -------
    KmResult

    Examples
    --------
    >>> km = compute_km([30, 60, 90, 120], [1, 1, 1, 1], KmSettings(days_per_month=30))
    >>> float(km.median), int(km.events)
    (2.5, 4)
    """
    settings = settings or KmSettings()
    t = settings.convert(time)
    e = np.asarray(event, dtype=float)
    if t.shape != e.shape:
        raise DerivationError("time and event must have the same length", value=(t.shape, e.shape))
    bad = np.isnan(t) | np.isnan(e) | (t < 0) | ~np.isin(e, (0.0, 1.0))
    if bad.any():
        raise DerivationError(
            f"{int(bad.sum())} record(s) with missing/negative time or event not 0/1",
            value=(t[bad][:3].tolist(), e[bad][:3].tolist()),
            hint="derive AVAL >= 0 and CNSR in {0, 1} for every record before the KM analysis",
        )
    e = e.astype(int)
    n, events = len(t), int(e.sum())
    if events == 0:
        table = pd.DataFrame({"time": [], "n_risk": [], "n_event": [], "survival": [], "se": []})
        nan = float("nan")
        quartiles = pd.DataFrame({"percent": [25, 50, 75], "estimate": nan, "se": nan,
                                  "lower": nan, "upper": nan})
        return KmResult(table, n, 0, n, nan, (nan, nan), nan, settings, t, e, quartiles)
    sf = SurvfuncRight(t, e)
    table = pd.DataFrame(
        {
            "time": np.asarray(sf.surv_times, float),
            "n_risk": np.asarray(sf.n_risk, float).astype(int),
            "n_event": np.asarray(sf.n_events, float).astype(int),
            "survival": np.asarray(sf.surv_prob, float),
            "se": np.asarray(sf.surv_prob_se, float),
        }
    )
    times, surv = table["time"].to_numpy(), table["survival"].to_numpy()
    z = norm.ppf(1 - settings.alpha / 2)
    rows = []
    for p in (0.25, 0.5, 0.75):
        est = _quantile(times, surv, p, settings.median_rule)
        se_q = compute_median_se_collett(table, est, eps=settings.collett_eps, p=p)
        if settings.ci_method == "symmetric":
            lo, hi = est - z * se_q, est + z * se_q
        else:
            with np.errstate(all="ignore"):
                lo, hi = sf.quantile_ci(p, alpha=settings.alpha, method=CI_TRANSFORMS[settings.ci_transform])
            hi = float("nan") if np.isinf(hi) else hi
        rows.append({"percent": int(p * 100), "estimate": est, "se": se_q,
                     "lower": float(lo), "upper": float(hi)})
    quartiles = pd.DataFrame(rows)
    med = quartiles.iloc[1]
    return KmResult(table, n, events, n - events, float(med["estimate"]),
                    (float(med["lower"]), float(med["upper"])), float(med["se"]), settings, t, e,
                    quartiles)


# --------------------------------------------------------------------------- between arms


@dataclass(frozen=True)
class HazardRatio:
    """Cox proportional-hazards hazard ratio of one arm against the reference arm.

    ``p_wald``: Wald test of the arm's coefficient; ``p_logrank``: log-rank test of
    the two arms alone (the Cox score test with Breslow ties).
    """

    arm: str
    reference: str
    hr: float
    ci_lower: float
    ci_upper: float
    p_wald: float
    p_logrank: float

    def __str__(self) -> str:
        return (f"HR {self.arm} vs {self.reference}: {_f(self.hr)} ({_f(self.ci_lower)}, {_f(self.ci_upper)}), "
                f"log-rank p={_f(self.p_logrank, 4)}")


def compute_hazard_ratios(time: Sequence[float], event: Sequence[int], arm: Sequence, *, reference,
                          arms: Sequence | None = None, alpha: float = 0.05, ties: str = "breslow",
                          ) -> tuple[list[HazardRatio], float]:
    """Cox hazard ratios of each arm against ``reference`` (statsmodels ``PHReg``) and log-rank tests
    (statsmodels ``survdiff``): one ``HazardRatio`` per other arm, and the overall log-rank p-value
    of all arms.

    One Cox model holds an indicator per non-reference arm (as SAS PROC PHREG with
    ``CLASS arm(REF=...)``); ``ties`` is ``"breslow"`` (SAS's default) or ``"efron"``.
    The CI is the Wald interval exp(b +/- z SE). An arm without events, or every arm when
    the reference has none, gets a hazard ratio that is not estimable (NaN, printed NE)
    instead of the 0 or infinity a fit would drift to; it is left out of the model.

    Parameters
    ----------
    time, event
        Times and events (1 = event, 0 = censored).
    arm
        The arm of each subject.
    reference
        The reference arm (the denominator of each hazard ratio).
    arms
        The arms compared, in order (subjects of other arms are left out); ``None``: every
        arm present, sorted.
    alpha
        1 - confidence level; default 0.05.
    ties
        ``"breslow"`` (default, as SAS) or ``"efron"``.

    Returns
    -------
    tuple of (list of HazardRatio, float)

    Examples
    --------
    >>> hrs, p = compute_hazard_ratios([5, 8, 12, 20, 3, 4, 6, 9], [1, 1, 0, 1, 1, 1, 1, 0],
    ...                                ["A"] * 4 + ["B"] * 4, reference="A")
    >>> [h.arm for h in hrs], round(hrs[0].hr, 3) > 1, round(p, 4) == round(hrs[0].p_logrank, 4)
    (['B'], True, True)
    """
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import survdiff

    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    g = np.asarray([str(a) for a in arm], dtype=object)
    reference = str(reference)
    levels = [str(a) for a in (arms if arms is not None else sorted(set(g)))]
    if reference not in levels:
        raise DerivationError("the reference arm is not one of the arms", value=reference,
                              hint=f"use one of {', '.join(levels)}")
    others = [a for a in levels if a != reference]
    if not others:
        raise DerivationError("a hazard ratio needs at least two arms", value=levels)
    if not (len(t) == len(e) == len(g)):
        raise DerivationError("time, event and arm must have the same length", value=(len(t), len(e), len(g)))
    keep = np.isin(g, levels)
    t, e, g = t[keep], e[keep], g[keep]
    # an arm without events (or a reference without events) has no finite hazard ratio: not estimable
    events = {a: float(e[g == a].sum()) for a in levels}
    estimable = [a for a in others if events[a] > 0] if events[reference] > 0 else []
    z = norm.ppf(1 - alpha / 2)
    coef: dict[str, tuple[float, float, float]] = {}
    if estimable:
        keep_fit = np.isin(g, [reference, *estimable])
        X = np.column_stack([(g[keep_fit] == a).astype(float) for a in estimable])
        with np.errstate(all="ignore"):
            fit = PHReg(t[keep_fit], X, status=e[keep_fit], ties=ties).fit()
        for k, a in enumerate(estimable):
            coef[a] = (float(np.asarray(fit.params)[k]), float(np.asarray(fit.bse)[k]), float(np.asarray(fit.pvalues)[k]))
    nan = float("nan")
    out = []
    for a in others:
        pair = np.isin(g, [reference, a])
        with np.errstate(all="ignore"):
            p_lr = float(survdiff(t[pair], e[pair], (g[pair] == a).astype(int))[1]) if e[pair].sum() else nan
        if a in coef:
            b, se, p = coef[a]
            out.append(HazardRatio(a, reference, float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)),
                                   p, p_lr))
        else:
            out.append(HazardRatio(a, reference, nan, nan, nan, nan, p_lr))
    codes = np.asarray([levels.index(x) for x in g])
    with np.errstate(all="ignore"):
        p_all = float(survdiff(t, e, codes)[1]) if e.sum() else float("nan")
    return out, p_all


@dataclass(frozen=True)
class Comparison:
    """A binary outcome in one arm against the reference arm: risk difference (percentage points)
    and odds ratio, each with its CI."""

    arm: str
    reference: str
    risk_difference: float
    rd_ci_lower: float
    rd_ci_upper: float
    odds_ratio: float
    or_ci_lower: float
    or_ci_upper: float


def compute_risk_difference(x1: int, n1: int, x0: int, n0: int, *, alpha: float = 0.05) -> tuple[float, float, float]:
    """Risk difference ``x1/n1 - x0/n0`` with its Wald CI (SAS PROC FREQ RISKDIFF default), in %.

    Parameters
    ----------
    x1, n1
        Responders and subjects of the arm.
    x0, n0
        Responders and subjects of the reference arm.
    alpha
        1 - confidence level; default 0.05.

    Returns
    -------
    tuple of float: (difference, lower, upper) in %

    Examples
    --------
    >>> [round(v, 2) for v in compute_risk_difference(15, 20, 10, 20)]
    [25.0, -3.99, 53.99]
    """
    if n1 <= 0 or n0 <= 0:
        return float("nan"), float("nan"), float("nan")
    p1, p0 = x1 / n1, x0 / n0
    se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    z = norm.ppf(1 - alpha / 2)
    d = p1 - p0
    return float(100 * d), float(100 * max(-1.0, d - z * se)), float(100 * min(1.0, d + z * se))


def compute_odds_ratio(x1: int, n1: int, x0: int, n0: int, *, alpha: float = 0.05) -> tuple[float, float, float]:
    """Odds ratio of arm 1 against arm 0 with its Wald (Woolf, log scale) CI, from
    ``scipy.stats.contingency.odds_ratio(kind="sample")``; a zero cell gives NaN (not estimable).

    Parameters
    ----------
    x1, n1
        Responders and subjects of the arm.
    x0, n0
        Responders and subjects of the reference arm.
    alpha
        1 - confidence level; default 0.05.

    Returns
    -------
    tuple of float: (odds ratio, lower, upper)

    Examples
    --------
    >>> [round(v, 3) for v in compute_odds_ratio(15, 20, 10, 20)]
    [3.0, 0.786, 11.445]
    """
    from scipy.stats.contingency import odds_ratio

    table = [[int(x1), int(n1 - x1)], [int(x0), int(n0 - x0)]]
    if min(min(r) for r in table) == 0:
        return float("nan"), float("nan"), float("nan")
    res = odds_ratio(table, kind="sample")
    ci = res.confidence_interval(confidence_level=1 - alpha)
    return float(res.statistic), float(ci.low), float(ci.high)


__all__ = [
    "HazardRatio",
    "compute_hazard_ratios",
    "Comparison",
    "compute_risk_difference",
    "compute_odds_ratio",
    "KmSettings",
    "KmResult",
    "compute_km",
    "compute_proportion_ci",
    "compute_median_se_collett",
    "MEDIAN_RULES",
    "CI_METHODS",
]
