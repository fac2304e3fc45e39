"""Adverse events against laboratory values: does each subject's worst CTCAE grade of an AE term
agree with the worst grade of the laboratory test that shows it?

The pairs are data (:class:`AeLabPair`: AE preferred term -> parameter and direction of its
grade); :data:`AE_LAB_PAIRS` holds the usual CTCAE investigation terms under their MedDRA
preferred terms. :func:`compute_ae_lab_concordance` gives one row per subject and pair with
both grades and a status a reviewer can count and list; a study program reports the
discordant rows as findings. Investigators do not report every abnormal value as an adverse
event, and an AE may be graded on clinical grounds, so a discordance is something to look at,
not an error.

>>> import pandas as pd
>>> adae = pd.DataFrame({"USUBJID": ["1", "2"], "AEDECOD": "Anaemia", "ATOXGRN": [2, 1], "TRTEMFL": "Y"})
>>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2", "3"], "PARAMCD": "HGB", "ONTRTFL": "Y",
...                      "ATOXGRL": ["0", "2", "0", "1"]})
>>> out = compute_ae_lab_concordance(adae, adlb, pairs=[AeLabPair("Anaemia", "HGB", "L")])
>>> out[["USUBJID", "AEGR", "LABGR", "STATUS"]].values.tolist()
[['1', 2, 2.0, 'agree'], ['2', 1, 0.0, 'AE higher'], ['3', 0, 1.0, 'lab higher']]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..core import Filter, assert_has_columns, filter_mask
from ..findings import DerivationError
from ._common import check_choice

#: what a row of :func:`compute_ae_lab_concordance` can say
STATUSES = ("agree", "AE higher", "lab higher", "no lab value")


@dataclass(frozen=True)
class AeLabPair:
    """An AE preferred term (``AEDECOD``) and the laboratory parameter whose grade of
    ``direction`` (``"L"``: ATOXGRL, ``"H"``: ATOXGRH) shows it.

    >>> print(AeLabPair("Anaemia", "HGB", "L"))
    Anaemia <-> HGB (ATOXGRL)
    """

    term: str
    paramcd: str
    direction: str

    def __post_init__(self) -> None:
        check_choice("direction", self.direction, ("L", "H"))

    def __str__(self) -> str:
        return f"{self.term} <-> {self.paramcd} (ATOXGR{self.direction})"


#: MedDRA preferred terms of CTCAE v5.0 laboratory terms -> the usual LBTESTCD (SDTM CT) and direction;
#: calcium -> CACORR, the albumin-corrected calcium parameter (CTCAE grades corrected serum calcium)
AE_LAB_PAIRS: tuple[AeLabPair, ...] = (
    AeLabPair("Anaemia", "HGB", "L"),
    AeLabPair("Lymphocyte count decreased", "LYM", "L"),
    AeLabPair("Neutrophil count decreased", "NEUT", "L"),
    AeLabPair("White blood cell count decreased", "WBC", "L"),
    AeLabPair("Platelet count decreased", "PLAT", "L"),
    AeLabPair("Alanine aminotransferase increased", "ALT", "H"),
    AeLabPair("Aspartate aminotransferase increased", "AST", "H"),
    AeLabPair("Blood alkaline phosphatase increased", "ALP", "H"),
    AeLabPair("Gamma-glutamyltransferase increased", "GGT", "H"),
    AeLabPair("Blood bilirubin increased", "BILI", "H"),
    AeLabPair("Blood creatinine increased", "CREAT", "H"),
    AeLabPair("Hypoalbuminaemia", "ALB", "L"),
    AeLabPair("Hyponatraemia", "SODIUM", "L"),
    AeLabPair("Hypernatraemia", "SODIUM", "H"),
    AeLabPair("Hypokalaemia", "K", "L"),
    AeLabPair("Hyperkalaemia", "K", "H"),
    AeLabPair("Hypocalcaemia", "CACORR", "L"),  # CTCAE grades corrected calcium (albumin-corrected)
    AeLabPair("Hypercalcaemia", "CACORR", "H"),
    AeLabPair("Hypoglycaemia", "GLUC", "L"),
)


def compute_ae_lab_concordance(
    adae: pd.DataFrame,
    adlb: pd.DataFrame,
    *,
    pairs: Iterable[AeLabPair] = AE_LAB_PAIRS,
    filter: Filter = "TRTEMFL == 'Y'",
    filter_add: Filter = "ONTRTFL == 'Y'",
    grade_var: str = "ATOXGRN",
    subject_keys: Sequence[str] = ("USUBJID",),
) -> pd.DataFrame:
    """One row per subject and pair: the worst AE grade and the worst laboratory grade, and whether they agree.

    Parameters
    ----------
    adae : DataFrame
        AE records with ``subject_keys``, ``AEDECOD`` and ``grade_var``.
    adlb : DataFrame
        Laboratory records with ``subject_keys``, ``PARAMCD`` and, for each direction the pairs
        use, ``ATOXGRL`` / ``ATOXGRH`` (``"0"``-``"4"``; missing when the value is not graded).
    pairs : iterable of AeLabPair, default AE_LAB_PAIRS
        The AE preferred term <-> parameter and direction pairs to compare (each term once).
    filter : str, default "TRTEMFL == 'Y'"
        Selects the AE records compared (treatment-emergent events).
    filter_add : str, default "ONTRTFL == 'Y'"
        Selects the laboratory records compared (on-treatment values).
    grade_var : str, default "ATOXGRN"
        The numeric CTCAE grade of ``adae``.
    subject_keys : sequence of str, default ("USUBJID",)
        The variables that identify a subject in both datasets.

    Returns
    -------
    DataFrame
        ``subject_keys``, AEDECOD, PARAMCD, DIRECTION, AEGR (worst AE grade; 0 without the
        event), LABGR (worst graded value; missing without one) and STATUS: ``"agree"``,
        ``"AE higher"``, ``"lab higher"`` or ``"no lab value"`` (an event, and no graded value).
        A subject appears for a pair when it has the event or a graded value of the parameter;
        sorted by pair (in ``pairs`` order) and subject.

    Raises
    ------
    DerivationError
        No pairs, an AE term paired twice, or a variable missing from either dataset.

    Examples
    --------
    >>> import pandas as pd
    >>> adae = pd.DataFrame({"USUBJID": ["1", "2"], "AEDECOD": "Anaemia", "ATOXGRN": [2, 1],
    ...                      "TRTEMFL": "Y"})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2", "3"], "PARAMCD": "HGB", "ONTRTFL": "Y",
    ...                      "ATOXGRL": ["0", "2", "0", "1"]})
    >>> out = compute_ae_lab_concordance(adae, adlb, pairs=[AeLabPair("Anaemia", "HGB", "L")])
    >>> out[["USUBJID", "AEGR", "LABGR", "STATUS"]].values.tolist()
    [['1', 2, 2.0, 'agree'], ['2', 1, 0.0, 'AE higher'], ['3', 0, 1.0, 'lab higher']]
    """
    pairs = list(pairs)
    keys = list(subject_keys)
    if not pairs:
        raise DerivationError("no AE <-> laboratory pairs to compare", hint="pass pairs=[AeLabPair(...), ...]")
    table = pd.DataFrame({"AEDECOD": [p.term for p in pairs], "PARAMCD": [p.paramcd for p in pairs],
                          "DIRECTION": [p.direction for p in pairs], "_PAIR": np.arange(len(pairs))})
    if table.duplicated(["AEDECOD"]).any():
        term = table.loc[table.duplicated(["AEDECOD"]), "AEDECOD"].iloc[0]
        raise DerivationError(f"AE term {term!r} is paired twice", value=term, hint="one parameter per AE term")
    assert_has_columns(adae, keys + ["AEDECOD", grade_var], name="ADAE")
    directions = sorted(set(table["DIRECTION"]))
    assert_has_columns(adlb, keys + ["PARAMCD"] + [f"ATOXGR{d}" for d in directions], name="ADLB")

    ae = adae.loc[filter_mask(adae, filter), keys + ["AEDECOD", grade_var]].merge(table, on="AEDECOD")
    ae_worst = ae.groupby(keys + ["_PAIR"])[grade_var].max().rename("AEGR")

    compared = filter_mask(adlb, filter_add)
    frames = []
    for d in directions:
        # the compared records of the direction's parameters, with only the variables compared (a copy of every
        # variable of the records would cost more than ADLB itself)
        pairs_d = table[table["DIRECTION"] == d]
        rows = compared & adlb["PARAMCD"].isin(pairs_d["PARAMCD"])
        sub = adlb.loc[rows, list(dict.fromkeys(keys + ["PARAMCD"])) + [f"ATOXGR{d}"]].merge(pairs_d, on="PARAMCD")
        frames.append(sub.assign(_G=pd.to_numeric(sub[f"ATOXGR{d}"]))[keys + ["_PAIR", "_G"]])
    graded = pd.concat(frames, ignore_index=True)
    lab_worst = graded.dropna(subset=["_G"]).groupby(keys + ["_PAIR"])["_G"].max().rename("LABGR")

    out = pd.concat([ae_worst, lab_worst], axis=1).reset_index()
    out["AEGR"] = out["AEGR"].fillna(0).astype(int)
    out["LABGR"] = out["LABGR"].astype(float)
    out = out.merge(table, on="_PAIR").sort_values(["_PAIR"] + keys, kind="mergesort", ignore_index=True)
    lab_g = out["LABGR"].to_numpy(dtype=float)
    ae_g = out["AEGR"].to_numpy(dtype=float)
    out["STATUS"] = np.select([np.isnan(lab_g), ae_g == lab_g, ae_g > lab_g], ["no lab value", "agree", "AE higher"],
                              default="lab higher")
    return out[keys + ["AEDECOD", "PARAMCD", "DIRECTION", "AEGR", "LABGR", "STATUS"]]


__all__ = ["AeLabPair", "AE_LAB_PAIRS", "STATUSES", "compute_ae_lab_concordance"]
