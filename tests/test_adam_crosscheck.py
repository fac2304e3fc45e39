"""compute_ae_lab_concordance: worst AE grade against worst laboratory grade, whole expected outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from derivations.adam import AE_LAB_PAIRS, AeLabPair, compute_ae_lab_concordance
from derivations.findings import DerivationError
from derivations.testing import expect_dfs_equal

PAIRS = [AeLabPair("Anaemia", "HGB", "L"), AeLabPair("Aspartate aminotransferase increased", "AST", "H")]


def test_every_status_with_its_grades():
    adae = pd.DataFrame({
        "USUBJID": ["1", "1", "2", "3", "4", "5"],
        "AEDECOD": ["Anaemia", "Anaemia", "Anaemia", "Aspartate aminotransferase increased", "Anaemia", "Nausea"],
        "ATOXGRN": [1, 2, 3, 2, 2, 3],
        "TRTEMFL": ["Y", "Y", "Y", "Y", "", "Y"]})
    adlb = pd.DataFrame({
        "USUBJID": ["1", "1", "2", "3", "3", "4", "5", "5"],
        "PARAMCD": ["HGB", "HGB", "HGB", "AST", "AST", "HGB", "HGB", "AST"],
        "ONTRTFL": ["Y", "Y", "Y", "Y", "", "Y", "Y", "Y"],
        "ATOXGRL": ["1", "2", "2", None, None, "3", "0", None],
        "ATOXGRH": ["0", "0", "0", None, "3", "0", "0", "1"]})
    out = compute_ae_lab_concordance(adae, adlb, pairs=PAIRS)
    # 1: AE worst 2, lab worst 2; 2: AE 3 > lab 2; 4: the AE is not treatment-emergent (0) < lab 3;
    # 5: Nausea is not paired: lab 0 = no AE; 3: AST value ungraded on treatment, the grade-3 value is off treatment
    expected = pd.DataFrame({
        "USUBJID": ["1", "2", "4", "5", "3", "5"],
        "AEDECOD": ["Anaemia"] * 4 + ["Aspartate aminotransferase increased"] * 2,
        "PARAMCD": ["HGB"] * 4 + ["AST"] * 2,
        "DIRECTION": ["L"] * 4 + ["H"] * 2,
        "AEGR": [2, 3, 0, 0, 2, 0],
        "LABGR": [2.0, 2.0, 3.0, 0.0, np.nan, 1.0],
        "STATUS": ["agree", "AE higher", "lab higher", "agree", "no lab value", "lab higher"]})
    expect_dfs_equal(out, expected, keys=None)


def test_pairs_are_checked():
    adae = pd.DataFrame({"USUBJID": ["1"], "AEDECOD": ["Anaemia"], "ATOXGRN": [1], "TRTEMFL": ["Y"]})
    adlb = pd.DataFrame({"USUBJID": ["1"], "PARAMCD": ["HGB"], "ONTRTFL": ["Y"], "ATOXGRL": ["1"]})
    with pytest.raises(DerivationError, match="paired twice"):
        compute_ae_lab_concordance(adae, adlb, pairs=[PAIRS[0], AeLabPair("Anaemia", "RBC", "L")])
    with pytest.raises(DerivationError, match="direction"):
        AeLabPair("Anaemia", "HGB", "low")
    with pytest.raises(DerivationError, match="ATOXGRH"):
        compute_ae_lab_concordance(adae, adlb, pairs=PAIRS)
    assert len({p.term for p in AE_LAB_PAIRS}) == len(AE_LAB_PAIRS)
