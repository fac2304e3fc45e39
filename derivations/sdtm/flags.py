"""SDTM record flags: --LOBXFL, the last observation before exposure (SDTMIG 3.4).

--LOBXFL is the SDTM face of ADaM's baseline flag: ``Y`` on the last record with a
result on or before the subject's first exposure (DM.RFXSTDTC), per subject and test
(and whatever else makes a series: lesion, location, specimen). It is an extreme flag
(:func:`derivations.adam.derive_var_extreme_flag`) restricted to dated, non-missing,
pre-exposure records.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..adam.extreme import derive_var_extreme_flag
from ..core import assert_has_columns
from ..findings import DerivationError
from ..iso8601 import compute_complete_date
from ..vocabulary import renamed_arguments
from ._util import as_list
from ._util import lookup_one_per_group as _lookup

_DATE = "__lobxfl_date__"


@renamed_arguments(ref_var="reference_date")
def derive_var_lobxfl(
    dataset: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    by_vars: Sequence[str],
    dtc: str,
    result: str,
    new_var: str,
    order: Sequence[str] = (),
    reference_date: str = "RFXSTDTC",
    subject_keys: Sequence[str] = ("USUBJID",),
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Add ``new_var`` (--LOBXFL): ``Y`` on the last record before exposure of each ``by_vars`` group.

    Parameters
    ----------
    dataset
        The findings domain (TR, TU, LB, VS ...).
    dataset_add
        One record per subject with ``reference_date`` (DM).
    by_vars
        What makes one series: subject keys, test code, and e.g. the lesion (``TRLNKID``).
    dtc
        The record's date (``--DTC``); only records whose date part is complete take part.
    result
        A record takes part only when this variable (``--ORRES`` / ``--STRESC``) is not blank.
    new_var
        The flag to add (``TRLOBXFL``); ``Y`` or blank.
    order
        Tie-breakers after the date (``VISITNUM``, ``--SEQ``): the last in this order wins.
        Two candidates equal on date and ``order`` are an error: the flag would be arbitrary.
    reference_date
        The first-exposure date in ``dataset_add``; a record dated on that day counts as
        before exposure (a date without a time cannot be placed after the dose).
    subject_keys
        Keys joining ``dataset`` to ``dataset_add``.
    dataset_name
        The dataset's name in messages.

    Subjects without a complete ``reference_date`` (never exposed) get no flag.

    Examples
    --------
    >>> dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFXSTDTC": ["2021-03-15", ""]})
    >>> tr = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S1", "S2"],
    ...                    "TRTESTCD": ["LDIAM"] * 5, "TRLNKID": ["T01", "T01", "T01", "T02", "T01"],
    ...                    "TRORRES": ["20", "22", "15", "", "30"],
    ...                    "TRDTC": ["2021-03-01", "2021-03-15", "2021-04-30", "2021-03-01", "2021-03-01"]})
    >>> derive_var_lobxfl(tr, dataset_add=dm, by_vars=["USUBJID", "TRTESTCD", "TRLNKID"], dtc="TRDTC",
    ...                   result="TRORRES", new_var="TRLOBXFL")["TRLOBXFL"].tolist()
    ['', 'Y', '', '', '']
    """
    by = as_list(by_vars)
    keys = as_list(subject_keys)
    order = as_list(order)
    assert_has_columns(dataset, by + keys + [dtc, result] + order, name=dataset_name)
    if new_var in dataset.columns:
        raise DerivationError(f"{new_var} is already a variable of the dataset", dataset=dataset_name,
                              variable=new_var, hint="pass a new variable name")
    ref = _lookup(dataset, dataset_add, keys, [reference_date], new_var)[reference_date]
    ref = compute_complete_date(ref, variable=reference_date)
    date = compute_complete_date(dataset[dtc], dataset=dataset_name, variable=dtc)
    text = dataset[result].astype(object).where(dataset[result].notna(), "").astype(str).str.strip()
    keep = (date.notna() & ref.notna() & (date <= ref) & (text != "")).to_numpy(dtype=bool)
    work = dataset[by + order].assign(**{_DATE: date})
    flagged = derive_var_extreme_flag(work, by_vars=by, order=[_DATE, *order], new_var=new_var, mode="last",
                                      filter=keep, check_type="error")
    # assign: the input's columns are not copied (pandas copies on write)
    return dataset.assign(**{new_var: np.where(flagged[new_var].to_numpy() == "Y", "Y", "")})


__all__ = ["derive_var_lobxfl"]
