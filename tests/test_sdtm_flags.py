"""derive_var_lobxfl (--LOBXFL): the last observation before exposure, checked record by record."""

import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.sdtm import derive_var_lobxfl
from derivations.testing import expect_dfs_equal

DM = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "RFXSTDTC": ["2021-03-15T09:00", "", "2021-05-01"]})


def _tr(rows):
    return pd.DataFrame(rows, columns=["USUBJID", "TRTESTCD", "TRLNKID", "TRORRES", "TRDTC", "VISITNUM"])


def test_last_result_on_or_before_the_first_dose_per_subject_test_and_lesion():
    tr = _tr([
        ("S1", "LDIAM", "T01", "20", "2021-03-01", 1.0),        # earlier scan: not the last before the dose
        ("S1", "LDIAM", "T01", "21", "2021-03-15", 1.5),        # on the day of the first dose: counts as before
        ("S1", "LDIAM", "T01", "15", "2021-04-30", 2.0),        # after the dose
        ("S1", "LDIAM", "T02", "", "2021-03-10", 1.0),          # no result: never the flagged one
        ("S1", "LDIAM", "T02", "18", "2021-03-01", 0.5),        # so the earlier one with a result is
        ("S1", "SUMDIAM", "", "39", "2021-03-10", 1.0),         # the sum is a series of its own
        ("S1", "LDIAM", "T03", "12", "2021-03", 1.0),           # partial date: cannot be placed
        ("S2", "LDIAM", "T01", "30", "2021-03-01", 1.0),        # never exposed: no flag
        ("S3", "LDIAM", "T01", "25", "2021-04-20", 1.0),
        ("S3", "TUMSTATE", "NT01", "PRESENT", "2021-04-20", 1.0),
    ])
    out = derive_var_lobxfl(tr, dataset_add=DM, by_vars=["USUBJID", "TRTESTCD", "TRLNKID"], dtc="TRDTC",
                            result="TRORRES", order=["VISITNUM"], new_var="TRLOBXFL")
    expect_dfs_equal(out, tr.assign(TRLOBXFL=["", "Y", "", "", "Y", "Y", "", "", "Y", "Y"]), None)


def test_ties_on_date_and_order_are_an_error():
    tr = _tr([("S1", "LDIAM", "T01", "20", "2021-03-01", 1.0), ("S1", "LDIAM", "T01", "21", "2021-03-01", 1.0)])
    with pytest.raises(DerivationError):
        derive_var_lobxfl(tr, dataset_add=DM, by_vars=["USUBJID", "TRTESTCD", "TRLNKID"], dtc="TRDTC",
                          result="TRORRES", order=["VISITNUM"], new_var="TRLOBXFL")


def test_missing_inputs_and_an_existing_flag_are_errors():
    tr = _tr([("S1", "LDIAM", "T01", "20", "2021-03-01", 1.0)])
    with pytest.raises(DerivationError, match="TRSTRESC"):
        derive_var_lobxfl(tr, dataset_add=DM, by_vars=["USUBJID"], dtc="TRDTC", result="TRSTRESC",
                          new_var="TRLOBXFL")
    with pytest.raises(DerivationError, match="already"):
        derive_var_lobxfl(tr.assign(TRLOBXFL=""), dataset_add=DM, by_vars=["USUBJID"], dtc="TRDTC",
                          result="TRORRES", new_var="TRLOBXFL")
    with pytest.raises(DerivationError, match="more than one record"):
        derive_var_lobxfl(tr, dataset_add=pd.concat([DM, DM]), by_vars=["USUBJID"], dtc="TRDTC",
                          result="TRORRES", new_var="TRLOBXFL")
