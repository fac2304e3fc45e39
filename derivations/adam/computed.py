"""Parameters computed from other parameters: BMI, BSA, MAP, QTc, RR (admiral
``derive_param_computed``, ``derive_param_bmi``, ``derive_param_bsa``, ``derive_param_map``,
``derive_param_qtc``, ``derive_param_rr`` and their ``compute_*``).

The formulas are functions of values (``compute_*``); the ``derive_param_*`` functions add
one record per by group (subject, visit, time point) where the source parameters are there.

>>> import pandas as pd
>>> advs = pd.DataFrame({"USUBJID": "1", "VISIT": ["BASELINE", "BASELINE", "WEEK 2", "WEEK 2"],
...     "PARAMCD": ["SYSBP", "DIABP", "SYSBP", "DIABP"], "AVAL": [120.0, 75.0, 130.0, None]})
>>> out = derive_param_map(advs, by_vars=["USUBJID", "VISIT"], set_values_to={"PARAMCD": "MAP"})
>>> out.loc[out["PARAMCD"] == "MAP", ["VISIT", "AVAL"]].values.tolist()
[['BASELINE', 90.0]]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, is_missing
from ..findings import DerivationError
from ._common import as_list, by_values_text, check_choice, concat_rows

_DOT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b")

BSA_METHODS = ("Mosteller", "DuBois-DuBois", "Haycock", "Gehan-George", "Boyd", "Fujimoto", "Takahira")
QTC_METHODS = ("Bazett", "Fridericia", "Sagie")


def compute_bmi(height, weight):
    """Body mass index in kg/m^2 from height in cm and weight in kg: ``weight / (height / 100)^2``.

    Parameters
    ----------
    height
        Height in cm: a number or array-like; a height of 0 or less gives NaN.
    weight
        Weight in kg, aligned with ``height``.

    Returns
    -------
    numpy.ndarray
        BMI (NaN where an input is missing).

    Examples
    --------
    >>> round(float(compute_bmi(170, 75)), 4)
    25.9516
    """
    h = np.asarray(height, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(h > 0, np.asarray(weight, dtype=float) / (h / 100) ** 2, np.nan)


def compute_bsa(height, weight, method: str = "Mosteller"):
    """Body surface area in m^2 from height (cm) and weight (kg).

    ============== ===================================================================
    Mosteller      ``sqrt(height * weight / 3600)``
    DuBois-DuBois  ``0.007184 * height^0.725 * weight^0.425``
    Haycock        ``0.024265 * height^0.3964 * weight^0.5378``
    Gehan-George   ``0.0235 * height^0.42246 * weight^0.51456``
    Boyd           ``0.0003207 * height^0.3 * (1000 weight)^(0.7285 - 0.0188 log10(1000 weight))``
    Fujimoto       ``0.008883 * height^0.663 * weight^0.444``
    Takahira       ``0.007241 * height^0.725 * weight^0.425``
    ============== ===================================================================

    Parameters
    ----------
    height
        Height in cm: a number or array-like.
    weight
        Weight in kg, aligned with ``height``.
    method
        One of :data:`BSA_METHODS` (the table above); default ``"Mosteller"``.

    Returns
    -------
    numpy.ndarray
        BSA in m^2 (NaN where an input is missing).

    Examples
    --------
    >>> [round(float(compute_bsa(170, 75, m)), 4) for m in ("Mosteller", "DuBois-DuBois", "Boyd")]
    [1.8819, 1.8636, 1.9051]
    """
    check_choice("method", method, BSA_METHODS)
    h, w = np.asarray(height, dtype=float), np.asarray(weight, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "Mosteller":
            return np.sqrt(h * w / 3600)
        if method == "DuBois-DuBois":
            return 0.007184 * h ** 0.725 * w ** 0.425
        if method == "Haycock":
            return 0.024265 * h ** 0.3964 * w ** 0.5378
        if method == "Gehan-George":
            return 0.0235 * h ** 0.42246 * w ** 0.51456
        if method == "Boyd":
            grams = 1000 * w
            return 0.0003207 * h ** 0.3 * grams ** (0.7285 - 0.0188 * np.log10(grams))
        if method == "Fujimoto":
            return 0.008883 * h ** 0.663 * w ** 0.444
        return 0.007241 * h ** 0.725 * w ** 0.425


def compute_map(diabp, sysbp, hr=None):
    """Mean arterial pressure (mmHg): ``(2 DIABP + SYSBP) / 3``; with heart rate
    ``DIABP + 0.01 exp(4.14 - 40.74 / HR) (SYSBP - DIABP)``.

    Parameters
    ----------
    diabp
        Diastolic blood pressure (mmHg): a number or array-like.
    sysbp
        Systolic blood pressure (mmHg), aligned with ``diabp``.
    hr
        Heart rate (beats/min) for the heart-rate formula; ``None`` (default): the
        formula without it.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(compute_map(80, 120)), round(float(compute_map(80, 120, 60)), 4)
    (93.33333333333333, 92.7395)
    """
    d, s = np.asarray(diabp, dtype=float), np.asarray(sysbp, dtype=float)
    if hr is None:
        return (2 * d + s) / 3
    h = np.asarray(hr, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return d + 0.01 * np.exp(4.14 - 40.74 / h) * (s - d)


def compute_qtc(qt, rr, method: str = "Bazett"):
    """Corrected QT interval (msec) from QT and RR (msec).

    Bazett ``QT / sqrt(RR / 1000)``; Fridericia ``QT / (RR / 1000)^(1/3)``; Sagie (Framingham)
    ``1000 (QT / 1000 + 0.154 (1 - RR / 1000))``.

    Parameters
    ----------
    qt
        QT interval (msec): a number or array-like.
    rr
        RR interval (msec), aligned with ``qt``.
    method
        One of :data:`QTC_METHODS`: ``"Bazett"`` (default), ``"Fridericia"``, ``"Sagie"``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> [round(float(compute_qtc(350, 857, m)), 2) for m in ("Bazett", "Fridericia", "Sagie")]
    [378.07, 368.47, 372.02]
    """
    check_choice("method", method, QTC_METHODS)
    q, r = np.asarray(qt, dtype=float), np.asarray(rr, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "Bazett":
            return q / np.sqrt(r / 1000)
        if method == "Fridericia":
            return q / np.cbrt(r / 1000)
        return 1000 * (q / 1000 + 0.154 * (1 - r / 1000))


def compute_rr(hr):
    """RR interval (msec) from heart rate (beats/min): ``60000 / HR``.

    Parameters
    ----------
    hr
        Heart rate (beats/min): a number or array-like; 0 or less gives NaN.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(compute_rr(70))
    857.1428571428571
    """
    h = np.asarray(hr, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(h > 0, 60000 / h, np.nan)


#: Creatinine: umol/L per mg/dL (admiral's factor; SCr(mg/dL) = creatinine(umol/L) / 88.42).
CREAT_UMOL_PER_MG_DL = 88.42
#: Creatinine unit spellings of :func:`compute_egfr` (case-insensitive): SI or conventional.
CREAT_UNITS = {"si": "SI", "umol/l": "SI", "cv": "CV", "mg/dl": "CV"}
#: The RACE value that takes the race coefficient of MDRD and CKD-EPI 2009.
BLACK_RACE = "BLACK OR AFRICAN AMERICAN"


@dataclass(frozen=True)
class CkdEpi:
    """The coefficients of one CKD-EPI creatinine equation::

        eGFR = constant * min(SCr/kappa, 1)^alpha * max(SCr/kappa, 1)^exponent_above
               * age_base^age * female [if female] * black [if black]

    with SCr in mg/dL and kappa, alpha by sex. :data:`CKD_EPI` holds the 2021 (race-free) and
    the 2009 equations.

    >>> print(CKD_EPI["CKD-EPI"])
    142 * min(SCr/k, 1)^a * max(SCr/k, 1)^-1.2 * 0.9938^age * 1.012 [F]; k 0.7 F/0.9 M, a -0.241 F/-0.302 M
    """

    constant: float
    kappa_female: float
    kappa_male: float
    alpha_female: float
    alpha_male: float
    exponent_above: float
    age_base: float
    female: float
    black: float = 1.0

    def __str__(self) -> str:
        text = (f"{self.constant:g} * min(SCr/k, 1)^a * max(SCr/k, 1)^{self.exponent_above:g} * "
                f"{self.age_base:g}^age * {self.female:g} [F]")
        if self.black != 1.0:
            text += f" * {self.black:g} [black]"
        return (text + f"; k {self.kappa_female:g} F/{self.kappa_male:g} M, "
                f"a {self.alpha_female:g} F/{self.alpha_male:g} M")


#: CKD-EPI creatinine equations: ``"CKD-EPI"`` is the 2021 race-free refit (Inker et al., NEJM
#: 2021; admiral's ``"CKD-EPI"``), ``"CKD-EPI-2009"`` the original (Levey et al., Ann Intern Med
#: 2009) with its race coefficient.
CKD_EPI = {
    "CKD-EPI": CkdEpi(142, 0.7, 0.9, -0.241, -0.302, -1.200, 0.9938, 1.012),
    "CKD-EPI-2009": CkdEpi(141, 0.7, 0.9, -0.329, -0.411, -1.209, 0.993, 1.018, 1.159),
}
CKD_EPI["CKD-EPI-2021"] = CKD_EPI["CKD-EPI"]  # the year spelled out
EGFR_METHODS = ("CKD-EPI", "CKD-EPI-2021", "CKD-EPI-2009", "MDRD", "CRCL")


def _egfr_inputs(creat, creatu, age, sex, weight, race):
    """The inputs broadcast to one shape; creatinine in mg/dL and umol/L; sex checked."""
    c, u, a, s, w, r = np.broadcast_arrays(
        np.asarray(creat, dtype=float), np.asarray(creatu, dtype=object), np.asarray(age, dtype=float),
        np.asarray(sex, dtype=object), np.asarray(np.nan if weight is None else weight, dtype=float),
        np.asarray(race, dtype=object))
    units = pd.Series(u.ravel()).map(lambda v: CREAT_UNITS.get(v.strip().lower(), "?") if isinstance(v, str) else None)
    bad = (units == "?") | (units.isna() & ~np.isnan(c.ravel()))
    if bad.any():
        value = u.ravel()[np.flatnonzero(bad.to_numpy())[0]]
        raise DerivationError("compute_egfr: creatinine unit not known" if value is not None else
                              "compute_egfr: creatinine unit missing", variable="creatu", value=value,
                              hint="use 'umol/L' (or 'SI') or 'mg/dL' (or 'CV')")
    sexes = pd.Series(s.ravel(), dtype=object)
    bad_sex = sexes.notna() & ~sexes.isin(["M", "F"])
    if bad_sex.any():
        raise DerivationError("compute_egfr: sex must be 'M' or 'F' (missing gives a missing result)",
                              variable="sex", value=sexes[bad_sex].iloc[0], hint="map SEX to M/F first")
    conventional = (units == "CV").to_numpy().reshape(c.shape)
    mg_dl = np.where(conventional, c, c / CREAT_UMOL_PER_MG_DL)
    female = (sexes == "F").to_numpy().reshape(c.shape)
    male = (sexes == "M").to_numpy().reshape(c.shape)
    black = (pd.Series(r.ravel(), dtype=object) == BLACK_RACE).to_numpy().reshape(c.shape)
    return c, mg_dl, conventional, a, female, male, w, black


def compute_egfr(creat, creatu="SI", *, age, sex, weight=None, race=None, method: str):
    """Kidney function from serum creatinine (admiral ``compute_egfr``): creatinine clearance by
    Cockcroft-Gault (mL/min) or the estimated glomerular filtration rate by CKD-EPI or MDRD
    (mL/min/1.73 m^2).

    SCr is creatinine in mg/dL (umol/L divided by :data:`CREAT_UMOL_PER_MG_DL`, 88.42).

    ============== =========================================================================
    CRCL           Cockcroft-Gault: mg/dL ``(140 - age) * weight * (0.85 if female) / (72 * SCr)``;
                   umol/L ``(140 - age) * weight * (1.04 female, 1.23 male) / creatinine``
    CKD-EPI        2021, race-free (also ``"CKD-EPI-2021"``): ``142 * min(SCr/k, 1)^a * max(SCr/k, 1)^-1.200 *
                   0.9938^age * 1.012 [female]``; k 0.7 F / 0.9 M, a -0.241 F / -0.302 M
    CKD-EPI-2009   ``141 * min(SCr/k, 1)^a * max(SCr/k, 1)^-1.209 * 0.993^age * 1.018 [female]
                   * 1.159 [black]``; k 0.7 F / 0.9 M, a -0.329 F / -0.411 M
    MDRD           ``175 * SCr^-1.154 * age^-0.203 * 0.742 [female] * 1.212 [black]``
    ============== =========================================================================

    The CKD-EPI coefficients are data (:data:`CKD_EPI`, printable). "Black" is RACE equal to
    :data:`BLACK_RACE`; a missing race counts as not black (as admiral).

    Parameters
    ----------
    creat
        Serum creatinine: a number or array-like (e.g. ADLB AVAL of CREAT, or ADSL CREATBL).
    creatu
        Its unit, a scalar or aligned array-like: ``"umol/L"`` or ``"SI"`` (default), ``"mg/dL"``
        or ``"CV"`` (case-insensitive). Any other text, or a missing unit beside a creatinine
        value, raises :class:`~derivations.findings.DerivationError`.
    age
        Age in years, aligned with ``creat``.
    sex
        ``"M"`` or ``"F"``; a missing sex gives a missing result, any other value raises.
    weight
        Weight in kg; required for ``method="CRCL"``, not read otherwise.
    race
        RACE values (CDISC terms), read by ``"MDRD"`` and ``"CKD-EPI-2009"``; ``None`` (default):
        no race coefficient.
    method
        One of :data:`EGFR_METHODS`: ``"CRCL"``, ``"CKD-EPI"`` (2021, as admiral; also
        ``"CKD-EPI-2021"``), ``"CKD-EPI-2009"``, ``"MDRD"``.

    Returns
    -------
    numpy.ndarray
        The estimate (NaN where an input is missing or creatinine is 0 or less).

    Examples
    --------
    A 55-year-old man with creatinine 1.09 mg/dL (admiral's figures from the NKF and MDCalc
    calculators: CKD-EPI 2021 80, Cockcroft-Gault at 90 kg 97, MDRD 70.2):

    >>> [round(float(compute_egfr(1.09, "mg/dL", age=55, sex="M", weight=90, race="WHITE", method=m)), 1)
    ...  for m in ("CKD-EPI", "CRCL", "MDRD", "CKD-EPI-2009")]
    [80.2, 97.5, 70.2, 76.0]
    """
    check_choice("method", method, EGFR_METHODS)
    if method == "CRCL" and weight is None:
        raise DerivationError("compute_egfr: method='CRCL' (Cockcroft-Gault) needs weight", variable="weight",
                              hint="pass weight= in kg")
    c, scr, conventional, age_, female, male, weight_, black = _egfr_inputs(creat, creatu, age, sex, weight, race)
    known_sex = female | male
    with np.errstate(divide="ignore", invalid="ignore"):
        scr = np.where(scr > 0, scr, np.nan)
        if method == "CRCL":
            factor = np.where(conventional, np.where(female, 0.85, 1.0) / 72, np.where(female, 1.04, 1.23))
            creat_in_unit = np.where(conventional, scr, scr * CREAT_UMOL_PER_MG_DL)
            result = (140 - age_) * weight_ * factor / creat_in_unit
        elif method == "MDRD":
            result = (175 * scr ** -1.154 * age_ ** -0.203 * np.where(female, 0.742, 1.0)
                      * np.where(black, 1.212, 1.0))
        else:
            k = CKD_EPI[method]
            kappa = np.where(female, k.kappa_female, k.kappa_male)
            alpha = np.where(female, k.alpha_female, k.alpha_male)
            ratio = scr / kappa
            result = (k.constant * np.minimum(ratio, 1) ** alpha * np.maximum(ratio, 1) ** k.exponent_above
                      * k.age_base ** age_ * np.where(female, k.female, 1.0) * np.where(black, k.black, 1.0))
    return np.where(known_sex, result, np.nan)


_QUALIFIER = re.compile(r"[<>=]")


def compute_qual_imputation_dec(character_value_decimal):
    """The step added to or taken from a value given with ``<`` or ``>`` (admiral
    ``compute_qual_imputation_dec``): 1 for a value without decimals, else 1/10^(number of
    decimals), so that the imputed value carries no more precision than the result did.

    Parameters
    ----------
    character_value_decimal
        The result as text (e.g. LBSTRESC ``"<40.1"``): a string or array-like of strings.
        Leading and trailing blanks are ignored.

    Returns
    -------
    float or numpy.ndarray
        A float for a string, an array for an array-like (NaN for a missing value).

    Examples
    --------
    >>> compute_qual_imputation_dec("<40.1"), compute_qual_imputation_dec(">0.005"), compute_qual_imputation_dec("<40")
    (0.1, 0.001, 1.0)
    """
    scalar = isinstance(character_value_decimal, str) or character_value_decimal is None
    text = pd.Series(np.atleast_1d(np.asarray(character_value_decimal, dtype=object))).astype("string").str.strip()
    has_point = text.str.contains(".", regex=False).fillna(False).astype(bool)
    decimals = (text.str.len() - 1 - text.str.find(".")).where(has_point, 0).astype("float64")
    step = np.where(text.isna().to_numpy(), np.nan, 10.0 ** -decimals.to_numpy())
    return float(step[0]) if scalar else step


def compute_qual_imputation(character_value, imputation_type: int = 1, factor: float = 0):
    """A numeric value from a result given as text with a qualifier, e.g. ``"<40"`` (admiral
    ``compute_qual_imputation``).

    ``<``, ``>`` and ``=`` are removed and the rest read as a number; a text with a letter (or
    that is no number) gives NaN. Then, for ``<`` or ``>`` without ``=``:

    * ``imputation_type=1``: ``factor`` is added (``>``) or subtracted (``<``);
    * ``imputation_type=2``: the step of :func:`compute_qual_imputation_dec` (1 for ``"<40"``,
      0.1 for ``"<40.1"``) is added or subtracted.

    ``<=``, ``>=`` and a plain number are read as they are.

    Parameters
    ----------
    character_value
        The result as text (e.g. LBSTRESC): a string or array-like of strings.
    imputation_type
        ``1`` (default) or ``2``, as above.
    factor
        The amount for ``imputation_type=1``; default 0 (the number as it stands).

    Returns
    -------
    float or numpy.ndarray
        A float for a string, an array for an array-like.

    Examples
    --------
    >>> compute_qual_imputation(["<40", ">=40.1", ">40.1", "NEG", "7.5"], imputation_type=2).tolist()
    [39.0, 40.1, 40.2, nan, 7.5]
    >>> compute_qual_imputation("<40", factor=10)
    30.0
    """
    if imputation_type not in (1, 2):
        raise DerivationError(f"imputation_type={imputation_type!r} is not allowed", value=imputation_type,
                              hint="use 1 (add/subtract factor) or 2 (add/subtract the last decimal's step)")
    scalar = isinstance(character_value, str) or character_value is None
    text = pd.Series(np.atleast_1d(np.asarray(character_value, dtype=object))).astype("string")
    number = pd.to_numeric(text.str.replace(_QUALIFIER, "", regex=True).str.strip(), errors="coerce")
    number = number.where(~text.str.contains(r"[A-Za-z]", regex=True).fillna(False)).astype(float).to_numpy()
    has_eq = text.str.contains("=", regex=False).fillna(False).to_numpy()
    above = text.str.contains(">", regex=False).fillna(False).to_numpy() & ~has_eq
    below = text.str.contains("<", regex=False).fillna(False).to_numpy() & ~has_eq
    step = factor if imputation_type == 1 else compute_qual_imputation_dec(text.to_numpy(dtype=object))
    result = np.where(above, number + step, np.where(below, number - step, number))
    return float(result[0]) if scalar else result


@dataclass(frozen=True)
class Formula:
    """An arithmetic expression over the source parameters of :func:`derive_param_computed`:
    ``Formula("(2 * DIABP + SYSBP) / 3")``; ``SYSBP`` is AVAL of SYSBP, ``ADY.WEIGHT`` another
    variable of a parameter's record.

    >>> print(Formula("WEIGHT / (HEIGHT / 100) ** 2"))
    WEIGHT / (HEIGHT / 100) ** 2
    """

    text: str

    def __str__(self) -> str:
        return self.text


def _wide(source: pd.DataFrame, by_vars: list[str], parameters: list[str], what: str) -> pd.DataFrame:
    """One row per by group, columns ``VAR.PARAM`` for every variable of the parameters' records."""
    dup = source.duplicated(by_vars + ["PARAMCD"], keep=False)
    if dup.any():
        raise DerivationError(
            f"{what}: the source parameters are not unique per by group: "
            f"{by_values_text(source.loc[dup], by_vars + ['PARAMCD'])}",
            usubjid=str(source.loc[dup, "USUBJID"].iloc[0]) if "USUBJID" in source.columns else None,
            hint="add variables to by_vars (e.g. the time point) or restrict filter=")
    value_vars = [c for c in source.columns if c not in by_vars and c != "PARAMCD"]
    wide = None
    for p in parameters:
        part = source.loc[source["PARAMCD"] == p, by_vars + value_vars]
        part = part.rename(columns={c: f"{c}.{p}" for c in value_vars})
        wide = part if wide is None else wide.merge(part, on=by_vars, how="inner")
    return wide


def derive_param_computed(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    parameters: list[str],
    set_values_to: Mapping[str, Any],
    filter: Filter = None,
    constant_parameters: list[str] | None = None,
    constant_by_vars: list[str] | None = None,
    keep_nas: bool = False,
    dataset_add: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Append a parameter computed from other parameters (admiral ``derive_param_computed``).

    For each by group that has a record of every parameter in ``parameters`` (records selected
    by ``filter``; ``dataset_add`` records are candidates too), one record is added with the
    ``by_vars`` and ``set_values_to``. In ``set_values_to`` a value may be a constant, a
    callable of the wide frame (one row per by group, columns ``AVAL.SYSBP``, ``ADT.WEIGHT``
    ...), or an expression string over those columns in which ``AVAL.SYSBP`` may be written
    ``SYSBP`` (e.g. ``"(2 * DIABP + SYSBP) / 3"``). ``constant_parameters`` are measured once
    (e.g. HEIGHT) and joined by ``constant_by_vars`` (e.g. ``["USUBJID"]``) instead of
    ``by_vars``. By groups where the AVAL of a source parameter is missing get no record unless
    ``keep_nas`` (a computed value that is missing, e.g. 0 / 0, is kept: its sources are there).
    ``set_values_to`` must set PARAMCD; a parameter already in the dataset is an error.

    Parameters
    ----------
    dataset
        BDS records with ``by_vars``, PARAMCD and AVAL; the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "AVISIT"]``; the
        source parameters must be unique per group (an error otherwise).
    parameters
        PARAMCD values whose records must all be there, e.g. ``["SYSBP", "DIABP"]``.
    set_values_to
        ``{variable: value}`` of the new records: a constant, a :class:`Formula`, or a
        callable of the wide frame; must contain PARAMCD.
    filter
        Which records (of ``dataset`` and ``dataset_add``) are sources: a query string, a
        callable ``df -> bool``, a boolean Series, or ``None`` (default) for all.
    constant_parameters
        Parameters measured once per ``constant_by_vars`` group (e.g. ``["HEIGHT"]``).
    constant_by_vars
        The columns ``constant_parameters`` are joined by (e.g. ``["USUBJID"]``); given
        together with ``constant_parameters``.
    keep_nas
        ``False`` (default): a group where a source AVAL is missing gets no record;
        ``True``: it gets one (with a missing value where the formula needs it).
    dataset_add
        More candidate source records (e.g. from ADSL or another BDS); ``None``: none.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> adeg = pd.DataFrame({"USUBJID": "1", "VISIT": "WEEK 2", "PARAMCD": ["QT", "RR"], "AVAL": [350.0, 857.0]})
    >>> out = derive_param_computed(adeg, by_vars=["USUBJID", "VISIT"], parameters=["QT", "RR"],
    ...     set_values_to={"PARAMCD": "QTCB", "AVAL": Formula("QT / (RR / 1000) ** 0.5")})
    >>> round(float(out["AVAL"].iloc[-1]), 2)
    378.07
    """
    by_vars, parameters = as_list(by_vars), as_list(parameters)
    constant_parameters, constant_by_vars = as_list(constant_parameters), as_list(constant_by_vars)
    if "PARAMCD" not in set_values_to:
        raise DerivationError("set_values_to must contain PARAMCD", hint="e.g. {'PARAMCD': 'MAP', 'AVAL': ...}")
    if bool(constant_parameters) != bool(constant_by_vars):
        raise DerivationError("constant_parameters and constant_by_vars go together",
                              hint="e.g. constant_parameters=['HEIGHT'], constant_by_vars=['USUBJID']")
    new_code = set_values_to["PARAMCD"]
    assert_has_columns(dataset, by_vars + ["PARAMCD", "AVAL"])
    if (dataset["PARAMCD"] == new_code).any():
        raise DerivationError("parameter already exists in the input dataset", variable="PARAMCD",
                              value=new_code, hint="derive each parameter once")
    pool = dataset if dataset_add is None else concat_rows([dataset, dataset_add])
    selected = pool.loc[filter_mask(pool, filter).to_numpy()]
    what = f"derive_param_computed ({new_code})"
    src = selected.loc[selected["PARAMCD"].isin(parameters)]
    wide = _wide(src, by_vars, parameters, what)
    if constant_parameters:
        const = selected.loc[selected["PARAMCD"].isin(constant_parameters)]
        cwide = _wide(const[constant_by_vars + ["PARAMCD", "AVAL"]], constant_by_vars, constant_parameters, what)
        wide = wide.merge(cwide, on=constant_by_vars, how="inner")
    wide = wide.reset_index(drop=True)
    alias = wide.rename(columns={f"AVAL.{p}": p for p in parameters + constant_parameters})
    alias.columns = [c.replace(".", "__") for c in alias.columns]
    new = wide[by_vars].copy()
    for var, value in set_values_to.items():
        if callable(value):
            result = value(wide)
            new[var] = result.to_numpy() if isinstance(result, pd.Series) else result
        elif isinstance(value, Formula):
            expr = _DOT.sub(lambda m: f"{m.group(1)}__{m.group(2)}", value.text)
            try:
                result = alias.eval(expr, engine="python") if len(alias) else pd.Series([], dtype=float)
            except Exception as exc:  # noqa: BLE001 - pandas raises many kinds
                raise DerivationError(f"{what}: {var} = {value!r} cannot be evaluated: {exc}", variable=var,
                                      hint=f"parameters: {', '.join(parameters + constant_parameters)}") from exc
            new[var] = np.asarray(result, dtype=float) if len(alias) else np.array([], dtype=float)
        else:
            new[var] = value
    if not keep_nas:  # by groups where a source value is missing get no record
        sources = [f"AVAL.{p}" for p in parameters + constant_parameters]
        complete = wide[sources].notna().all(axis=1).to_numpy() if len(wide) else np.zeros(0, dtype=bool)
        new = new.loc[complete]
    return concat_rows([dataset, new.reset_index(drop=True)])


#: spellings of one unit (lower case) accepted by the unit checks
UNIT_SPELLINGS = {"msec": ("msec", "ms"), "beats/min": ("beats/min", "bpm")}


def _unit_check(dataset: pd.DataFrame, unit_var: str | None, code: str, unit: str, what: str) -> None:
    if unit_var is None:
        return
    assert_has_columns(dataset, [unit_var])
    units = dataset.loc[dataset["PARAMCD"] == code, unit_var]
    units = units[~is_missing(units)].astype(str).str.strip()  # no unit (blank in SAS data): a result not done
    wrong = units[~units.str.lower().isin(UNIT_SPELLINGS.get(unit.lower(), (unit.lower(),)))]
    if len(wrong):
        raise DerivationError(f"{what}: {code} is expected in {unit}", variable=unit_var, value=wrong.iloc[0],
                              hint=f"convert {code} to {unit} first")


def derive_param_bmi(dataset: pd.DataFrame, *, by_vars: list[str], set_values_to: Mapping[str, Any] | None = None,
                     weight_code: str = "WEIGHT", height_code: str = "HEIGHT", unit_var: str | None = None,
                     filter: Filter = None, constant_by_vars: list[str] | None = None) -> pd.DataFrame:
    """Append BMI (kg/m^2) = WEIGHT / (HEIGHT / 100)^2 per by group (admiral ``derive_param_bmi``).

    ``unit_var`` (e.g. VSSTRESU) checks that HEIGHT is in cm and WEIGHT in kg. With
    ``constant_by_vars=["USUBJID"]`` a height measured once is used at every weight.

    Parameters
    ----------
    dataset
        BDS records with PARAMCD and AVAL (and ``by_vars``); the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "AVISIT"]``.
    set_values_to
        More ``{variable: value}`` of the new records (e.g. PARAM, AVISIT); PARAMCD defaults
        to ``BMI``.
    weight_code
        PARAMCD of the weight (kg); default ``"WEIGHT"``.
    height_code
        PARAMCD of the height (cm); default ``"HEIGHT"``.
    unit_var
        Column of the units (e.g. ``"VSSTRESU"``), checked against the units the formula
        needs (an error naming the unit found); ``None`` (default): not checked.
    filter
        Which records are sources: a query string, a callable, a boolean Series, or
        ``None`` (default) for all.
    constant_by_vars
        With e.g. ``["USUBJID"]``, a height measured once is joined by these columns to
        every weight; ``None`` (default): both per ``by_vars`` group.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"USUBJID": "1", "VISIT": ["SCR", "SCR", "W2"], "PARAMCD": ["HEIGHT", "WEIGHT", "WEIGHT"],
    ...     "AVAL": [170.0, 75.0, 72.0]})
    >>> out = derive_param_bmi(advs, by_vars=["USUBJID", "VISIT"], constant_by_vars=["USUBJID"])
    >>> out.loc[out["PARAMCD"] == "BMI", "AVAL"].round(2).tolist()
    [25.95, 24.91]
    """
    values = {"PARAMCD": "BMI", **(set_values_to or {})}
    _unit_check(dataset, unit_var, height_code, "cm", "derive_param_bmi")
    _unit_check(dataset, unit_var, weight_code, "kg", "derive_param_bmi")
    values["AVAL"] = lambda w: compute_bmi(w[f"AVAL.{height_code}"], w[f"AVAL.{weight_code}"])
    const = bool(constant_by_vars)
    return derive_param_computed(dataset, by_vars=by_vars, filter=filter, set_values_to=values,
                                 parameters=[weight_code] if const else [weight_code, height_code],
                                 constant_parameters=[height_code] if const else None,
                                 constant_by_vars=constant_by_vars)


def derive_param_bsa(dataset: pd.DataFrame, *, by_vars: list[str], method: str = "Mosteller",
                     set_values_to: Mapping[str, Any] | None = None, weight_code: str = "WEIGHT",
                     height_code: str = "HEIGHT", unit_var: str | None = None, filter: Filter = None,
                     constant_by_vars: list[str] | None = None) -> pd.DataFrame:
    """Append BSA (m^2) by ``method`` (see :func:`compute_bsa`) per by group (admiral ``derive_param_bsa``).

    Parameters
    ----------
    dataset
        BDS records with PARAMCD and AVAL (and ``by_vars``); the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "AVISIT"]``.
    method
        One of :data:`BSA_METHODS`; default ``"Mosteller"``.
    set_values_to
        More ``{variable: value}`` of the new records (e.g. PARAM, AVISIT); PARAMCD defaults
        to ``BSA``.
    weight_code
        PARAMCD of the weight (kg); default ``"WEIGHT"``.
    height_code
        PARAMCD of the height (cm); default ``"HEIGHT"``.
    unit_var
        Column of the units (e.g. ``"VSSTRESU"``), checked against the units the formula
        needs (an error naming the unit found); ``None`` (default): not checked.
    filter
        Which records are sources: a query string, a callable, a boolean Series, or
        ``None`` (default) for all.
    constant_by_vars
        With e.g. ``["USUBJID"]``, a height measured once is joined by these columns to
        every weight; ``None`` (default): both per ``by_vars`` group.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["HEIGHT", "WEIGHT"], "AVAL": [170.0, 75.0]})
    >>> round(float(derive_param_bsa(advs, by_vars=["USUBJID"])["AVAL"].iloc[-1]), 4)
    1.8819
    """
    check_choice("method", method, BSA_METHODS)
    values = {"PARAMCD": "BSA", **(set_values_to or {})}
    _unit_check(dataset, unit_var, height_code, "cm", "derive_param_bsa")
    _unit_check(dataset, unit_var, weight_code, "kg", "derive_param_bsa")
    values["AVAL"] = lambda w: compute_bsa(w[f"AVAL.{height_code}"], w[f"AVAL.{weight_code}"], method)
    const = bool(constant_by_vars)
    return derive_param_computed(dataset, by_vars=by_vars, filter=filter, set_values_to=values,
                                 parameters=[weight_code] if const else [weight_code, height_code],
                                 constant_parameters=[height_code] if const else None,
                                 constant_by_vars=constant_by_vars)


def derive_param_map(dataset: pd.DataFrame, *, by_vars: list[str], set_values_to: Mapping[str, Any] | None = None,
                     sysbp_code: str = "SYSBP", diabp_code: str = "DIABP", hr_code: str | None = None,
                     unit_var: str | None = None, filter: Filter = None) -> pd.DataFrame:
    """Append mean arterial pressure (see :func:`compute_map`; with ``hr_code`` the heart-rate
    formula) per by group (admiral ``derive_param_map``).

    Parameters
    ----------
    dataset
        BDS records with PARAMCD and AVAL (and ``by_vars``); the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "AVISIT"]``.
    set_values_to
        More ``{variable: value}`` of the new records (e.g. PARAM, AVISIT); PARAMCD defaults
        to ``MAP``.
    sysbp_code
        PARAMCD of the systolic pressure (mmHg); default ``"SYSBP"``.
    diabp_code
        PARAMCD of the diastolic pressure (mmHg); default ``"DIABP"``.
    hr_code
        PARAMCD of the heart rate (beats/min) for the heart-rate formula;
        ``None`` (default): the formula without it.
    unit_var
        Column of the units (e.g. ``"VSSTRESU"``), checked against the units the formula
        needs (an error naming the unit found); ``None`` (default): not checked.
    filter
        Which records are sources: a query string, a callable, a boolean Series, or
        ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["SYSBP", "DIABP", "HR"], "AVAL": [120.0, 80.0, 60.0]})
    >>> round(float(derive_param_map(advs, by_vars=["USUBJID"])["AVAL"].iloc[-1]), 4)
    93.3333
    >>> round(float(derive_param_map(advs, by_vars=["USUBJID"], hr_code="HR")["AVAL"].iloc[-1]), 4)
    92.7395
    """
    values = {"PARAMCD": "MAP", **(set_values_to or {})}
    for code in (sysbp_code, diabp_code):
        _unit_check(dataset, unit_var, code, "mmHg", "derive_param_map")
    if hr_code:
        _unit_check(dataset, unit_var, hr_code, "beats/min", "derive_param_map")
    values["AVAL"] = lambda w: compute_map(w[f"AVAL.{diabp_code}"], w[f"AVAL.{sysbp_code}"],
                                           w[f"AVAL.{hr_code}"] if hr_code else None)
    params = [sysbp_code, diabp_code] + ([hr_code] if hr_code else [])
    return derive_param_computed(dataset, by_vars=by_vars, filter=filter, set_values_to=values, parameters=params)


def derive_param_qtc(dataset: pd.DataFrame, *, by_vars: list[str], method: str = "Bazett",
                     set_values_to: Mapping[str, Any] | None = None, qt_code: str = "QT", rr_code: str = "RR",
                     unit_var: str | None = None, filter: Filter = None) -> pd.DataFrame:
    """Append a corrected QT (see :func:`compute_qtc`) per by group (admiral ``derive_param_qtc``).

    PARAMCD defaults to QTCBR (Bazett), QTCFR (Fridericia) or QTLCR (Sagie), as admiral.

    Parameters
    ----------
    dataset
        BDS records with PARAMCD and AVAL (and ``by_vars``); the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "AVISIT"]``.
    method
        One of :data:`QTC_METHODS`: ``"Bazett"`` (default), ``"Fridericia"``, ``"Sagie"``.
    set_values_to
        More ``{variable: value}`` of the new records (e.g. PARAM, AVISIT); PARAMCD defaults
        to ``QTCBR``/``QTCFR``/``QTLCR``.
    qt_code
        PARAMCD of the QT interval (msec); default ``"QT"``.
    rr_code
        PARAMCD of the RR interval (msec); default ``"RR"``.
    unit_var
        Column of the units (e.g. ``"VSSTRESU"``), checked against the units the formula
        needs (an error naming the unit found); ``None`` (default): not checked.
    filter
        Which records are sources: a query string, a callable, a boolean Series, or
        ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> adeg = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["QT", "RR"], "AVAL": [350.0, 857.0]})
    >>> out = derive_param_qtc(adeg, by_vars=["USUBJID"], method="Fridericia")
    >>> out["PARAMCD"].iloc[-1], round(float(out["AVAL"].iloc[-1]), 1)
    ('QTCFR', 368.5)
    """
    check_choice("method", method, QTC_METHODS)
    default = {"Bazett": "QTCBR", "Fridericia": "QTCFR", "Sagie": "QTLCR"}[method]
    values = {"PARAMCD": default, **(set_values_to or {})}
    for code in (qt_code, rr_code):
        _unit_check(dataset, unit_var, code, "msec", "derive_param_qtc")
    values["AVAL"] = lambda w: compute_qtc(w[f"AVAL.{qt_code}"], w[f"AVAL.{rr_code}"], method)
    return derive_param_computed(dataset, by_vars=by_vars, filter=filter, set_values_to=values,
                                 parameters=[qt_code, rr_code])


def derive_param_rr(dataset: pd.DataFrame, *, by_vars: list[str], set_values_to: Mapping[str, Any] | None = None,
                    hr_code: str = "HR", unit_var: str | None = None, filter: Filter = None) -> pd.DataFrame:
    """Append RR (msec) = 60000 / HR per by group (admiral ``derive_param_rr``).

    Parameters
    ----------
    dataset
        BDS records with PARAMCD and AVAL (and ``by_vars``); the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "AVISIT"]``.
    set_values_to
        More ``{variable: value}`` of the new records (e.g. PARAM, AVISIT); PARAMCD defaults
        to ``RRR``.
    hr_code
        PARAMCD of the heart rate (beats/min); default ``"HR"``.
    unit_var
        Column of the units (e.g. ``"VSSTRESU"``), checked against the units the formula
        needs (an error naming the unit found); ``None`` (default): not checked.
    filter
        Which records are sources: a query string, a callable, a boolean Series, or
        ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> adeg = pd.DataFrame({"USUBJID": "1", "PARAMCD": ["HR"], "AVAL": [70.0]})
    >>> out = derive_param_rr(adeg, by_vars=["USUBJID"])
    >>> out["PARAMCD"].iloc[-1], round(float(out["AVAL"].iloc[-1]), 1)
    ('RRR', 857.1)
    """
    values = {"PARAMCD": "RRR", **(set_values_to or {})}
    _unit_check(dataset, unit_var, hr_code, "beats/min", "derive_param_rr")
    values["AVAL"] = lambda w: compute_rr(w[f"AVAL.{hr_code}"])
    return derive_param_computed(dataset, by_vars=by_vars, filter=filter, set_values_to=values, parameters=[hr_code])


def derive_param_wbc_abs(dataset: pd.DataFrame, *, by_vars: list[str], set_values_to: Mapping[str, Any],
                         diff_code: str, wbc_code: str = "WBC", diff_type: str = "fraction",
                         unit_var: str | Callable[[pd.DataFrame], pd.Series] | None = None,
                         wbc_unit: str = "10^9/L") -> pd.DataFrame:
    """Append an absolute differential count (e.g. lymphocytes 10^9/L) = WBC x differential, for
    the by groups (e.g. subject and visit) that have WBC and the differential but no absolute
    count yet (admiral ``derive_param_wbc_abs``).

    ``diff_type``: ``"fraction"`` (LYMLE 0.3) or ``"percent"`` (30). ``set_values_to`` must
    set PARAMCD, the absolute count's code. ``unit_var`` checks that WBC is in ``wbc_unit``.

    Parameters
    ----------
    dataset
        BDS records with ``by_vars``, PARAMCD and AVAL; the new records are appended.
    by_vars
        Columns of a group that gets one new record, e.g. ``["USUBJID", "VISIT"]``.
    set_values_to
        ``{variable: value}`` of the new records; must contain PARAMCD (the absolute count,
        e.g. ``"LYMPH"``). A group that has that parameter already gets no new record.
    diff_code
        PARAMCD of the differential (e.g. ``"LYMLE"``).
    wbc_code
        PARAMCD of the white blood cell count; default ``"WBC"``.
    diff_type
        ``"fraction"`` (default; 0.3) or ``"percent"`` (30).
    unit_var
        Column (or ``df -> Series``) of the units; WBC must be in ``wbc_unit`` (an error
        naming the unit found). ``None`` (default): not checked.
    wbc_unit
        The unit WBC must be in when ``unit_var`` is given; default ``"10^9/L"``.

    Returns
    -------
    pandas.DataFrame
        ``dataset`` with the new records after it.

    Examples
    --------
    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"USUBJID": "1", "VISIT": ["W2", "W2", "W4", "W4", "W4"],
    ...     "PARAMCD": ["WBC", "LYMLE", "WBC", "LYMLE", "LYMPH"], "AVAL": [5.0, 0.3, 6.0, 0.2, 1.3]})
    >>> out = derive_param_wbc_abs(adlb, by_vars=["USUBJID", "VISIT"], diff_code="LYMLE",
    ...     set_values_to={"PARAMCD": "LYMPH", "DTYPE": "CALCULATION"})
    >>> out.loc[out["DTYPE"] == "CALCULATION", ["VISIT", "AVAL"]].values.tolist()
    [['W2', 1.5]]
    """
    check_choice("diff_type", diff_type, ("fraction", "percent"))
    by_vars = as_list(by_vars)
    code = set_values_to.get("PARAMCD") if set_values_to else None
    if not code:
        raise DerivationError("set_values_to must contain PARAMCD", hint="e.g. {'PARAMCD': 'LYMPH', ...}")
    assert_has_columns(dataset, by_vars + ["PARAMCD", "AVAL"])
    if unit_var is not None:
        units = unit_var(dataset) if callable(unit_var) else dataset[unit_var]
        units = pd.Series(units, index=dataset.index)
        from .toxicity import normalize_unit
        is_wbc = (dataset["PARAMCD"] == wbc_code).to_numpy()
        wbc_units = units[is_wbc].dropna()
        wrong_units = [u for u in pd.unique(wbc_units) if normalize_unit(u) != normalize_unit(wbc_unit)]
        wrong = units.isin(wrong_units) & is_wbc
        if wrong.any():
            raise DerivationError(f"derive_param_wbc_abs: {wbc_code} is expected in {wbc_unit}",
                                  value=str(units[wrong].iloc[0]), hint=f"convert {wbc_code} to {wbc_unit} first")
    temp = dataset.loc[dataset["PARAMCD"].isin([wbc_code, diff_code, code]), by_vars + ["PARAMCD", "AVAL"]]
    has_abs = temp.loc[temp["PARAMCD"] == code, by_vars].drop_duplicates().assign(__abs__=True)
    temp = temp.merge(has_abs, on=by_vars, how="left")
    temp = temp.loc[temp["__abs__"].isna() & (temp["PARAMCD"] != code)].drop(columns="__abs__")
    factor = 100.0 if diff_type == "percent" else 1.0
    values = {**set_values_to, "AVAL": lambda w: w[f"AVAL.{wbc_code}"] * w[f"AVAL.{diff_code}"] / factor}
    new = derive_param_computed(temp, by_vars=by_vars, parameters=[wbc_code, diff_code], set_values_to=values)
    new = new.loc[new["PARAMCD"] == code]
    return concat_rows([dataset, new.reset_index(drop=True)])


__all__ = [
    "compute_egfr", "compute_qual_imputation", "compute_qual_imputation_dec", "CkdEpi", "CKD_EPI", "EGFR_METHODS",
    "CREAT_UNITS", "CREAT_UMOL_PER_MG_DL", "BLACK_RACE",
    "derive_param_wbc_abs", "Formula", "BSA_METHODS", "QTC_METHODS", "compute_bmi", "compute_bsa", "compute_map", "compute_qtc", "compute_rr",
    "derive_param_computed", "derive_param_bmi", "derive_param_bsa", "derive_param_map", "derive_param_qtc",
    "derive_param_rr",
]
