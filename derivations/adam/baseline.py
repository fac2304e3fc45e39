"""Baseline value, change and percent change (admiral ``derive_var_base``, ``derive_var_chg``, ``derive_var_pchg``).

The baseline flag itself (ABLFL) is an extreme flag, see
:func:`derivations.adam.extreme.derive_var_extreme_flag`: e.g. the last
non-missing value on or before the first dose per subject and parameter::

    derive_var_extreme_flag(advs, by_vars=["STUDYID", "USUBJID", "PARAMCD"],
                            order=["ADT", "VISITNUM"], mode="last", new_var="ABLFL",
                            filter="ADT <= TRTSDT & AVAL.notna()")

>>> import pandas as pd
>>> advs = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "PARAMCD": "SYSBP",
...     "AVAL": [120.0, 130.0, 114.0, 140.0], "ABLFL": ["Y", "", "", ""]})
>>> advs = derive_var_pchg(derive_var_chg(derive_var_base(advs, by_vars=["USUBJID", "PARAMCD"])))
>>> advs[["BASE", "CHG", "PCHG"]].fillna(-99).values.tolist()
[[120.0, 0.0, 0.0], [120.0, 10.0, 8.333333333333334], [120.0, -6.0, -5.0], [-99.0, -99.0, -99.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns
from ._common import as_list
from .merge import derive_vars_merged


def derive_var_base(
    dataset: pd.DataFrame,
    *,
    by_vars: list[str],
    source_var: str = "AVAL",
    new_var: str = "BASE",
    filter: Filter = "ABLFL == 'Y'",
) -> pd.DataFrame:
    """Add ``new_var`` = ``source_var`` of the baseline record (``filter``) of each by group.

    admiral ``derive_var_base``. By groups without a baseline record get a missing value;
    more than one baseline record in a by group raises a :class:`DerivationError` naming it.

    Parameters
    ----------
    dataset
        BDS records (e.g. ADVS, ADLB); returned as a copy with ``new_var`` added.
    by_vars
        Columns that delimit a baseline, usually ``["STUDYID", "USUBJID", "PARAMCD", "BASETYPE"]``.
    source_var
        The variable whose baseline value is taken: ``"AVAL"`` (default), ``"AVALC"``
        (with ``new_var="BASEC"``), ``"ANRIND"`` (with ``new_var="BNRIND"``), or any other.
    new_var
        The new column; default ``"BASE"``.
    filter
        Which record of a by group is the baseline (query string, callable or boolean
        Series); default ``"ABLFL == 'Y'"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> advs = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "SYSBP", "AVAL": [120.0, 130.0, 140.0],
    ...                      "AVALC": ["120", "130", "140"], "ABLFL": ["Y", "", ""]})
    >>> derive_var_base(advs, by_vars=["USUBJID", "PARAMCD"])["BASE"].fillna(-1).tolist()
    [120.0, 120.0, -1.0]
    >>> derive_var_base(advs, by_vars=["USUBJID", "PARAMCD"], source_var="AVALC", new_var="BASEC")["BASEC"].tolist()
    ['120', '120', nan]
    """
    by_vars = as_list(by_vars)
    assert_has_columns(dataset, by_vars + [source_var])
    base = derive_vars_merged(
        dataset[by_vars],
        dataset_add=dataset,
        by_vars=by_vars,
        new_vars={new_var: source_var},
        filter_add=filter,
        check_type="error",
    )
    out = dataset.copy()
    out[new_var] = base[new_var].to_numpy()
    return out


def derive_var_chg(
    dataset: pd.DataFrame, *, new_var: str = "CHG", source_var: str = "AVAL", base_var: str = "BASE"
) -> pd.DataFrame:
    """Add change from baseline ``new_var = source_var - base_var`` (missing when either is missing).

    admiral ``derive_var_chg``.

    Parameters
    ----------
    dataset
        Records with the analysis value and its baseline (see :func:`derive_var_base`).
    new_var
        The new column; default ``"CHG"``.
    source_var
        The analysis value; default ``"AVAL"``. Numeric, or text holding numbers.
    base_var
        The baseline value; default ``"BASE"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> derive_var_chg(pd.DataFrame({"AVAL": [130.0, None], "BASE": [120.0, 120.0]}))["CHG"].tolist()
    [10.0, nan]
    """
    assert_has_columns(dataset, [source_var, base_var])
    out = dataset.copy()
    out[new_var] = pd.to_numeric(dataset[source_var]) - pd.to_numeric(dataset[base_var])
    return out


def derive_var_pchg(
    dataset: pd.DataFrame, *, new_var: str = "PCHG", source_var: str = "AVAL", base_var: str = "BASE"
) -> pd.DataFrame:
    """Add percent change ``new_var = 100 * (source_var - base_var) / |base_var|``.

    admiral ``derive_var_pchg``: missing when the baseline is 0 or missing, or the value is missing.
    Dividing by ``|base_var|`` (admiral) makes a fall negative with a negative baseline too: AVAL -6,
    BASE -4 gives -50 (AVAL -2: 50). The change is multiplied by 100 before it is divided (admiral
    divides first, ``CHG / |BASE| * 100``): the order of operations of an ADaM spec's
    "100 x CHG / |BASE|", so that the result equals that expression computed literally, bit for bit
    (8 / 28 gives 28.571428571428573 as 100 x 8 / 28 does; admiral's order gives 28.57142857142857).

    Parameters
    ----------
    dataset
        Records with the analysis value and its baseline (see :func:`derive_var_base`).
    new_var
        The new column; default ``"PCHG"``.
    source_var
        The analysis value; default ``"AVAL"``.
    base_var
        The baseline value; default ``"BASE"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"AVAL": [114.0, 5.0, 3.0, 36.0, -6.0], "BASE": [120.0, 0.0, -4.0, 28.0, -4.0]})
    >>> derive_var_pchg(frame)["PCHG"].tolist()
    [-5.0, nan, 175.0, 28.571428571428573, -50.0]
    """
    assert_has_columns(dataset, [source_var, base_var])
    aval = pd.to_numeric(dataset[source_var]).astype(float)
    base = pd.to_numeric(dataset[base_var]).astype(float)
    out = dataset.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out[new_var] = (100 * (aval - base) / base.abs()).where(base != 0)
    return out


__all__ = ["derive_var_base", "derive_var_chg", "derive_var_pchg"]
