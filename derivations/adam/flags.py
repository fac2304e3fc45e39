"""Record flags: treatment-emergent flag (admiral ``derive_var_trtemfl``).

Occurrence and worst-grade flags (AOCCFL, AOCCPFL, worst toxicity grade per
subject and term) are extreme flags; see the examples in
:mod:`derivations.adam.extreme` (``derive_var_extreme_flag`` with e.g.
``order=["-ATOXGRN", "ASTDT", "AESEQ"]`` for the worst grade, earliest first on ties).

>>> import pandas as pd
>>> adae = pd.DataFrame({"USUBJID": ["1", "1", "1", "1"],
...     "ASTDT": pd.to_datetime(["2021-01-05", "2020-12-20", None, "2021-03-01"]),
...     "AENDT": pd.to_datetime(["2021-01-09", "2020-12-22", None, None]),
...     "TRTSDT": pd.to_datetime(["2021-01-01"] * 4), "TRTEDT": pd.to_datetime(["2021-01-31"] * 4)})
>>> derive_var_trtemfl(adae, end_window=28)["TRTEMFL"].fillna("").tolist()
['Y', '', 'Y', '']
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns
from ..findings import DerivationError
from ._common import date_part, flag_series


def _intensity_codes(series: pd.Series, order: Sequence | None, name: str) -> pd.Series:
    """Comparable numbers for an intensity variable (NaN when missing)."""
    if order is None:
        values = pd.to_numeric(series, errors="coerce")
        bad = values.isna() & series.notna() & series.astype("string").str.strip().ne("").fillna(False)
        if bad.any():
            raise DerivationError(
                "intensity values are not numeric",
                variable=name,
                value=series[bad].iloc[0],
                hint="give intensity_order=['MILD', 'MODERATE', 'SEVERE'] (lowest first)",
            )
        return values.astype(float)
    cat = pd.Categorical(series, categories=list(order), ordered=True)
    unknown = pd.isna(cat) & series.notna().to_numpy() & series.astype("string").str.strip().ne("").fillna(False).to_numpy()
    if unknown.any():
        raise DerivationError(
            "intensity value not in intensity_order",
            variable=name,
            value=series[unknown].iloc[0],
            hint=f"add it to intensity_order (now {list(order)})",
        )
    codes = pd.Series(cat.codes, index=series.index).astype(float)
    return codes.where(codes >= 0)


def derive_var_trtemfl(
    dataset: pd.DataFrame,
    *,
    new_var: str = "TRTEMFL",
    start_date: str = "ASTDT",
    end_date: str = "AENDT",
    trt_start_date: str = "TRTSDT",
    trt_end_date: str = "TRTEDT",
    end_window: int | None = None,
    initial_intensity: str | None = None,
    intensity: str | None = None,
    intensity_order: Sequence | None = None,
    true_value: str = "Y",
) -> pd.DataFrame:
    """Treatment-emergent flag, admiral rules, first applicable case wins:

    1. treatment start missing (not treated) -> missing;
    2. event end before treatment start -> missing;
    3. event start missing -> ``"Y"`` (conservative);
    4. start on/after treatment start and, when ``end_window`` is given, on/before
       treatment end + ``end_window`` days (date parts; a missing treatment end
       does not limit) -> ``"Y"``;
    5. with ``initial_intensity``/``intensity``: start before treatment start and
       intensity worse than the initial one (or either missing) -> ``"Y"``;
    6. otherwise missing.

    Date columns may be dates or datetimes (compared as given; the end window on
    date parts). Intensities are compared as numbers, or by position in
    ``intensity_order`` (e.g. ``["MILD", "MODERATE", "SEVERE"]``).
    """
    if (initial_intensity is None) != (intensity is None):
        raise DerivationError(
            "initial_intensity and intensity must be given together",
            variable=initial_intensity or intensity,
            hint="give both (e.g. AEITOXGR and AETOXGR) or neither",
        )
    needed = [start_date, end_date, trt_start_date]
    if end_window is not None:
        if end_window < 0:
            raise DerivationError("end_window must be a non-negative number of days", value=end_window)
        needed.append(trt_end_date)
    if intensity is not None:
        needed += [initial_intensity, intensity]
    assert_has_columns(dataset, needed)
    start = pd.to_datetime(dataset[start_date])
    end = pd.to_datetime(dataset[end_date])
    trt_start = pd.to_datetime(dataset[trt_start_date])

    not_treated = trt_start.isna()
    ended_before = end.notna() & (end < trt_start)
    no_start = start.isna()
    new_ae = start >= trt_start
    if end_window is None:
        in_window = pd.Series(True, index=dataset.index)
    else:
        trt_end = date_part(pd.to_datetime(dataset[trt_end_date]), name=trt_end_date)
        in_window = trt_end.isna() | (date_part(start) <= trt_end + pd.Timedelta(days=int(end_window)))
    if intensity is None:
        worsened = pd.Series(False, index=dataset.index)
    else:
        ini = _intensity_codes(dataset[initial_intensity], intensity_order, initial_intensity)
        cur = _intensity_codes(dataset[intensity], intensity_order, intensity)
        worsened = (start < trt_start) & ((ini < cur) | ini.isna() | cur.isna())
    flag = np.select(
        [not_treated, ended_before, no_start, new_ae & in_window, worsened],
        [False, False, True, True, True],
        False,
    )
    out = dataset.copy()
    out[new_var] = flag_series(flag, out.index, true_value, None)
    return out


__all__ = ["derive_var_trtemfl"]
