"""QC of Table 14.3.7 (laboratory abnormalities by worst on-treatment CTCAE grade and the adverse events that
report them): subjects counted a second way.

Reads production ADSL, ADLB and ADAE only. One row per CTCAE laboratory term the table pairs with its MedDRA
preferred term (:data:`PAIRS`, the QC side's own transcription): the laboratory columns count the safety
subjects whose worst on-treatment grade (ONTRTFL = Y) is 1 or more / 3 or more, of N = the safety subjects
with a graded on-treatment value of the parameter; the adverse event columns count the safety subjects whose
worst treatment-emergent event (TRTEMFL = Y) of the preferred term has grade 1 or more / 3 or more, of N = the
safety population.
"""

from __future__ import annotations

import pandas as pd

from ._ard import ard_rows, n_pct
from ._common import text
from ._lab import subject_grades

READS = ("ADSL", "ADLB", "ADAE")
WRITES = ("QC_T_LAB_AE",)

AID = "T14.3.7"
#: (PARAMCD, direction, MedDRA preferred term of the CTCAE v5.0 term), in the table's row order
PAIRS = [("HGB", "L", "Anaemia"), ("LYM", "L", "Lymphocyte count decreased"),
         ("NEUT", "L", "Neutrophil count decreased"), ("WBC", "L", "White blood cell count decreased"),
         ("PLAT", "L", "Platelet count decreased"), ("ALT", "H", "Alanine aminotransferase increased"),
         ("AST", "H", "Aspartate aminotransferase increased"), ("ALP", "H", "Blood alkaline phosphatase increased"),
         ("GGT", "H", "Gamma-glutamyltransferase increased"), ("BILI", "H", "Blood bilirubin increased"),
         ("CREAT", "H", "Blood creatinine increased"), ("ALB", "L", "Hypoalbuminaemia"),
         ("SODIUM", "L", "Hyponatraemia"), ("SODIUM", "H", "Hypernatraemia"), ("K", "L", "Hypokalaemia"),
         ("K", "H", "Hyperkalaemia"), ("CACORR", "L", "Hypocalcaemia"), ("CACORR", "H", "Hypercalcaemia"),
         ("GLUC", "L", "Hypoglycaemia")]


def lab_ae_ard(adsl: pd.DataFrame, adlb: pd.DataFrame, adae: pd.DataFrame) -> pd.DataFrame:
    """The ARD of Table 14.3.7: per pair of :data:`PAIRS` in ADLB, the subjects with a laboratory grade and with
    an adverse event of grade 1 or more and 3 or more.

    Parameters
    ----------
    adsl
        Production ADSL (USUBJID, SAFFL): the safety population.
    adlb
        Production ADLB (USUBJID, PARAMCD, ABLFL, ONTRTFL, ATOXDSCL/H, ATOXGRL/H).
    adae
        Production ADAE (USUBJID, AEDECOD, TRTEMFL, ATOXGRN).

    Returns
    -------
    pandas.DataFrame
        One row per statistic (n, N, pct) in the :data:`~._ard.ARD_KEYS` layout and ``stat_value``: analysis
        ``T14.3.7-<PARAMCD>-<L/H>``, group_var ``LAB_ANY``, ``LAB_G34`` (N: the safety subjects with a graded
        on-treatment value), ``AE_ANY``, ``AE_G34`` (N: the safety population); group_value ``Y``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": ["Y", "Y", "N"]})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "2", "3"], "PARAMCD": "HGB", "ATOXDSCL": "Anemia", "ATOXDSCH": "",
    ...                      "ABLFL": "", "ONTRTFL": "Y", "ATOXGRL": ["3", "0", "4"], "ATOXGRH": ""})
    >>> adae = pd.DataFrame({"USUBJID": ["2", "3"], "AEDECOD": "Anaemia", "TRTEMFL": "Y", "ATOXGRN": [2.0, 3.0]})
    >>> ard = lab_ae_ard(adsl, adlb, adae)
    >>> ard.pivot(index="group_var", columns="stat_name", values="stat_value")[["n", "N", "pct"]].values.tolist()
    [[1.0, 2.0, 50.0], [0.0, 2.0, 0.0], [1.0, 2.0, 50.0], [1.0, 2.0, 50.0]]
    >>> ard["analysis_id"].unique().tolist()
    ['T14.3.7-HGB-L']
    """
    safety = set(text(adsl.loc[text(adsl["SAFFL"]) == "Y", "USUBJID"]))
    teae = adae.loc[(text(adae["TRTEMFL"]) == "Y") & text(adae["USUBJID"]).isin(safety)]
    ae_worst = pd.to_numeric(teae["ATOXGRN"]).groupby([text(teae["AEDECOD"]), text(teae["USUBJID"])]).max()
    grades = {d: subject_grades(adlb, d, safety) for d in ("L", "H")}
    in_adlb = set(text(adlb["PARAMCD"]))
    frames = []
    for paramcd, d, term in PAIRS:
        if paramcd not in in_adlb:
            continue
        aid = f"{AID}-{paramcd}-{d}"
        lab = grades[d].loc[(grades[d]["PARAMCD"] == paramcd) & grades[d]["WORST"].notna(), "WORST"]
        ae = ae_worst.loc[term] if term in ae_worst.index.get_level_values(0) else pd.Series(dtype=float)
        for var, values, at_least, big_n in (("LAB_ANY", lab, 1, len(lab)), ("LAB_G34", lab, 3, len(lab)),
                                              ("AE_ANY", ae, 1, len(safety)), ("AE_G34", ae, 3, len(safety))):
            frames.append(ard_rows(aid, var, "Y", "", "Total", n_pct(int((values >= at_least).sum()), big_n)))
    return pd.concat(frames, ignore_index=True)


def derive(ctx):
    return {"QC_T_LAB_AE": lab_ae_ard(ctx.adam["ADSL"], ctx.adam["ADLB"], ctx.adam["ADAE"])}
