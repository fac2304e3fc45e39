"""Reference range indicators, shifts and ratios (admiral ``derive_var_anrind``,
``derive_var_shift``, ``derive_var_analysis_ratio``).

The baseline range indicator BNRIND is the baseline record's ANRIND:
``derive_var_base(adlb, by_vars=[...], source_var="ANRIND", new_var="BNRIND")``.

>>> import pandas as pd
>>> adlb = pd.DataFrame({"AVAL": [3.0, 12.0, 7.0, None], "ANRLO": 4.0, "ANRHI": 10.0,
...                      "BNRIND": ["NORMAL", "NORMAL", "LOW", None]})
>>> adlb = derive_var_shift(derive_var_anrind(adlb), new_var="SHIFT1", from_var="BNRIND", to_var="ANRIND")
>>> adlb[["ANRIND", "SHIFT1"]].values.tolist()
[['LOW', 'NORMAL to LOW'], ['HIGH', 'NORMAL to HIGH'], ['NORMAL', 'LOW to NORMAL'], [None, 'NULL to NULL']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask, is_missing
from ._common import check_new_vars_absent

#: significant digits of the comparisons (admiral option ``signif_digits``): values equal to 15
#: significant digits compare equal, so 3 x 0.1 is not above 0.3
SIGNIF_DIGITS = 15


def compute_signif(values, digits: int = SIGNIF_DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (R ``signif``), NaN kept.

    Parameters
    ----------
    values
        Numbers: a scalar or array-like.
    digits
        Significant digits; default :data:`SIGNIF_DIGITS` (15).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> compute_signif([3 * 0.1, 123456.0, 0.0, float("nan")], 3).tolist()
    [0.3, 123000.0, 0.0, nan]
    >>> bool(compute_signif(3 * 0.1)[()] == 0.3)
    True
    """
    x = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(x)))
        mag = np.where(np.isfinite(mag), mag, 0.0)
        scale = 10.0 ** (digits - 1 - mag)
        out = np.round(x * scale) / scale
    return np.where(np.isfinite(x) & (x != 0), out, x)


def _num(dataset: pd.DataFrame, name: str) -> np.ndarray:
    return compute_signif(pd.to_numeric(dataset[name]).to_numpy(dtype=float))


def derive_var_anrind(
    dataset: pd.DataFrame,
    *,
    new_var: str = "ANRIND",
    source_var: str = "AVAL",
    low_var: str = "ANRLO",
    high_var: str = "ANRHI",
    use_a1hilo: bool = False,
    filter: Filter = None,
) -> pd.DataFrame:
    """Add the reference range indicator ANRIND (``"LOW"``, ``"NORMAL"``, ``"HIGH"``).

    First rule that applies (values compared at 15 significant digits, as admiral):

    ========================================================  ==============
    ``AVAL >= ANRLO`` and ANRHI missing                        ``"NORMAL"``
    ``AVAL <= ANRHI`` and ANRLO missing                        ``"NORMAL"``
    ``ANRLO <= AVAL <= ANRHI``                                 ``"NORMAL"``
    ``AVAL < ANRLO`` (and, with A1LO, ``AVAL >= A1LO``)         ``"LOW"``
    ``AVAL > ANRHI`` (and, with A1HI, ``AVAL <= A1HI``)         ``"HIGH"``
    ``AVAL < A1LO`` (``use_a1hilo=True`` only)                   ``"LOW LOW"``
    ``AVAL > A1HI`` (``use_a1hilo=True`` only)                   ``"HIGH HIGH"``
    otherwise (AVAL missing, or both limits missing)           missing
    ========================================================  ==============

    Records not selected by ``filter`` get a missing value. ``source_var``, ``low_var``,
    ``high_var`` name other columns (e.g. ``low_var="A1LO"`` for a second range).

    Parameters
    ----------
    dataset
        Records with ``source_var``, ``low_var``, ``high_var`` (and A1LO/A1HI with
        ``use_a1hilo``).
    new_var
        The indicator to add; default ``"ANRIND"``.
    source_var
        The value compared; default ``"AVAL"``.
    low_var
        The lower limit; default ``"ANRLO"``.
    high_var
        The upper limit; default ``"ANRHI"``.
    use_a1hilo
        Also derive ``"LOW LOW"``/``"HIGH HIGH"`` from the A1LO/A1HI range; default ``False``.
    filter
        Which records get an indicator (others missing): a query string, a callable, a
        boolean Series, or ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"AVAL": [35.0, 55.0, 80.0, 95.0], "ANRLO": 60.0, "ANRHI": 80.0,
    ...                      "A1LO": 40.0, "A1HI": 90.0})
    >>> derive_var_anrind(advs)["ANRIND"].tolist()
    ['LOW', 'LOW', 'NORMAL', 'HIGH']
    >>> derive_var_anrind(advs, use_a1hilo=True)["ANRIND"].tolist()
    ['LOW LOW', 'LOW', 'NORMAL', 'HIGH HIGH']
    """
    needed = [source_var, low_var, high_var] + (["A1LO", "A1HI"] if use_a1hilo else [])
    assert_has_columns(dataset, needed)
    check_new_vars_absent(dataset, [new_var])
    aval, lo, hi = _num(dataset, source_var), _num(dataset, low_var), _num(dataset, high_var)
    if use_a1hilo:
        a1lo, a1hi = _num(dataset, "A1LO"), _num(dataset, "A1HI")
    else:
        a1lo = a1hi = np.full(len(dataset), np.nan)
    with np.errstate(invalid="ignore"):
        conds = [
            (aval >= lo) & np.isnan(hi),
            (aval <= hi) & np.isnan(lo),
            (aval >= lo) & (aval <= hi),
            (aval < lo) & (np.isnan(a1lo) | (aval >= a1lo)),
            (aval > hi) & (np.isnan(a1hi) | (aval <= a1hi)),
            aval < a1lo,
            aval > a1hi,
        ]
    values = np.select(conds, ["NORMAL", "NORMAL", "NORMAL", "LOW", "HIGH", "LOW LOW", "HIGH HIGH"], "")
    keep = filter_mask(dataset, filter).to_numpy() & (values != "")
    # assign: the input's columns are not copied (pandas copies on write)
    return dataset.assign(**{new_var: pd.Series(np.where(keep, values, None), index=dataset.index, dtype=object)})


def derive_var_shift(
    dataset: pd.DataFrame,
    *,
    new_var: str,
    from_var: str,
    to_var: str,
    missing_value: str = "NULL",
    sep_value: str = " to ",
    filter: Filter = None,
) -> pd.DataFrame:
    """Add a shift variable ``"<from_var> to <to_var>"`` (admiral ``derive_var_shift``).

    E.g. SHIFT1 from BNRIND to ANRIND: ``"NORMAL to HIGH"``; a missing value on either
    side reads ``missing_value`` (``"NULL"``, as admiral). Numbers are written as they
    print (grade 1 -> ``"1"``). Records not selected by ``filter`` get a missing value
    (admiral ``restrict_derivation``).

    Parameters
    ----------
    dataset
        Records with ``from_var`` and ``to_var``; returned as a copy with ``new_var`` added.
    new_var
        The shift variable to add, e.g. ``"SHIFT1"``.
    from_var
        The value shifted from, e.g. ``"BNRIND"``.
    to_var
        The value shifted to, e.g. ``"ANRIND"``.
    missing_value
        How a missing value reads; default ``"NULL"``.
    sep_value
        Between the two values; default ``" to "``.
    filter
        Which records get a shift (others missing): a query string, a callable, a boolean
        Series, or ``None`` (default) for all.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"BTOXGR": ["0", "1", None], "ATOXGR": ["2", "1", "0"]})
    >>> derive_var_shift(adlb, new_var="SHIFT2", from_var="BTOXGR", to_var="ATOXGR")["SHIFT2"].tolist()
    ['0 to 2', '1 to 1', 'NULL to 0']
    """
    assert_has_columns(dataset, [from_var, to_var])
    check_new_vars_absent(dataset, [new_var])

    def text(series: pd.Series) -> pd.Series:
        missing = is_missing(series)
        as_text = series.astype(object).map(lambda v: v if isinstance(v, str) else (
            str(int(v)) if isinstance(v, (int, float, np.integer, np.floating)) and float(v).is_integer() else str(v)),
            na_action="ignore")
        return as_text.where(~missing, missing_value)

    shift = text(dataset[from_var]) + sep_value + text(dataset[to_var])
    keep = filter_mask(dataset, filter).to_numpy()
    out = dataset.copy()
    out[new_var] = pd.Series(np.where(keep, shift.to_numpy(dtype=object), None), index=dataset.index, dtype=object)
    return out


def derive_var_analysis_ratio(
    dataset: pd.DataFrame,
    *,
    numer_var: str = "AVAL",
    denom_var: str = "BASE",
    new_var: str | None = None,
) -> pd.DataFrame:
    """Add the ratio ``numer_var / denom_var`` (admiral ``derive_var_analysis_ratio``).

    ``new_var`` defaults to ``R2`` + ``denom_var``: R2BASE (AVAL / BASE), R2ANRLO, R2ANRHI,
    R2A1LO, R2A1HI. Missing when either value is missing or the denominator is 0.

    Parameters
    ----------
    dataset
        Records with ``numer_var`` and ``denom_var``; returned as a copy with ``new_var`` added.
    numer_var
        The numerator; default ``"AVAL"``.
    denom_var
        The denominator; default ``"BASE"``.
    new_var
        The ratio to add; default ``None``: ``"R2" + denom_var``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> adlb = pd.DataFrame({"AVAL": [30.0, 60.0, 5.0], "BASE": [20.0, 0.0, None], "ANRHI": 40.0})
    >>> out = derive_var_analysis_ratio(derive_var_analysis_ratio(adlb), denom_var="ANRHI")
    >>> out[["R2BASE", "R2ANRHI"]].fillna(-1).values.tolist()
    [[1.5, 0.75], [-1.0, 1.5], [-1.0, 0.125]]
    """
    new_var = new_var or f"R2{denom_var}"
    assert_has_columns(dataset, [numer_var, denom_var])
    check_new_vars_absent(dataset, [new_var])
    num = pd.to_numeric(dataset[numer_var]).astype(float)
    den = pd.to_numeric(dataset[denom_var]).astype(float)
    out = dataset.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out[new_var] = (num / den).where(den != 0)
    return out


__all__ = ["SIGNIF_DIGITS", "compute_signif", "derive_var_anrind", "derive_var_shift", "derive_var_analysis_ratio"]
