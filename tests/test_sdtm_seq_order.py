"""--SEQ of every SDTM domain of the embedded run follows the sort keys that the spec's MT.SEQ method
states (the text define.xml carries, read from the programs' numbering calls; tests/test_spec_methods.py
and ``specs/conform_specs.py --check`` keep the text equal to the programs). The check here is written
apart from the numbering function: it sorts by the stated keys and counts 1, 2, ... per group."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.spec import read_spec
from derivations.study import Study

ROOT = Path(__file__).resolve().parents[1]
#: one item of the MT.SEQ text: "LBSEQ within USUBJID by LBDTC, VISITNUM, LBCAT, LBTESTCD"
ITEM = re.compile(r"(?P<seq>[A-Z]{2}SEQ) within (?P<by>[A-Z0-9, ]+?) by (?P<order>[^;]+?)(?=;|\.$)")
LISTED = "the order the values are listed"


def stated_orders(text: str) -> dict[str, tuple[list[str], list[str] | None]]:
    """``{--SEQ: (by variables, sort keys)}`` of an MT.SEQ text; sort keys ``None``: the order listed."""
    out = {}
    for m in ITEM.finditer(text):
        order = m["order"].strip()
        out[m["seq"]] = ([v.strip() for v in m["by"].split(",")],
                         None if order == LISTED else [v.strip() for v in order.split(",")])
    return out


def seq_out_of_order(data: pd.DataFrame, seq: str, by: list[str], order: list[str]) -> pd.DataFrame:
    """The records whose ``seq`` is not their place (1, 2, ... per ``by`` group) when sorted by ``order``,
    missing values last (a blank text is missing, as SDTM writes it); records tied on ``order`` count as
    well: the stated keys do not fix their numbers."""
    frame = data[list(dict.fromkeys(by + order + [seq]))].copy()
    for col in order:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = frame[col].mask(frame[col].astype(str).str.strip() == "")
    ranked = frame.sort_values(by + order, kind="mergesort", na_position="last")
    place = ranked.groupby(by, sort=False).cumcount() + 1
    tied = ranked.duplicated(by + order, keep=False)
    return ranked[(place.to_numpy() != ranked[seq].to_numpy()) | tied.to_numpy()]


@pytest.fixture(scope="module")
def orders() -> dict[str, tuple[list[str], list[str] | None]]:
    spec = read_spec(Study.load(ROOT).spec_path("sdtm"))
    return stated_orders(spec.methods["MT.SEQ"].description)


def test_the_mt_seq_text_is_read_as_stated(orders):
    assert orders["LBSEQ"] == (["USUBJID"], ["LBDTC", "VISITNUM", "LBCAT", "LBTESTCD"])
    assert orders["AESEQ"] == (["USUBJID"], ["AESTDTC", "AEDECOD", "AESPID"])
    assert orders["TSSEQ"] == (["TSPARMCD"], None)


def test_every_sdtm_seq_follows_the_keys_mt_seq_states(embedded_sdtm_adam, orders):
    sdtm = embedded_sdtm_adam.datasets["sdtm"]
    numbered = {f"{name}SEQ" for name, data in sdtm.items() if f"{name}SEQ" in data.columns}
    # every domain that numbers its records is stated, and nothing else
    assert set(orders) == numbered and len(numbered) == 12
    for seq, (by, order) in orders.items():
        data = sdtm[seq[:-3]]
        assert len(data) and data[seq].notna().all(), seq
        if order is None:  # numbered as listed: 1, 2, ... per group, in the dataset's order
            assert (data.groupby(by, sort=False).cumcount() + 1 == data[seq]).all(), seq
            continue
        bad = seq_out_of_order(data, seq, by, order)
        assert bad.empty, f"{seq} does not follow {', '.join(order)}:\n{bad.head(10)}"


def test_the_check_fails_on_a_shuffled_numbering(embedded_sdtm_adam, orders):
    lb = embedded_sdtm_adam.datasets["sdtm"]["LB"]
    by, order = orders["LBSEQ"]
    assert seq_out_of_order(lb, "LBSEQ", by, order).empty
    # the records in another order, numbered 1, 2, ... per subject in that order: out of order
    shuffled = lb.sample(frac=1.0, random_state=7).reset_index(drop=True)
    shuffled["LBSEQ"] = shuffled.groupby("USUBJID").cumcount() + 1
    bad = seq_out_of_order(shuffled, "LBSEQ", by, order)
    assert len(bad) > 0.9 * len(lb)
    # the same rows reordered, numbers kept: still in order (the check reads values, not the row order)
    assert seq_out_of_order(lb.sample(frac=1.0, random_state=7), "LBSEQ", by, order).empty
    # two records swapped within one subject: exactly those two
    one = lb.copy()
    first = one.index[one["USUBJID"] == one["USUBJID"].iloc[0]][:2]
    one.loc[first, "LBSEQ"] = one.loc[first[::-1], "LBSEQ"].to_numpy()
    assert sorted(seq_out_of_order(one, "LBSEQ", by, order).index) == sorted(first)


def test_records_tied_on_the_stated_keys_are_reported():
    data = pd.DataFrame({"USUBJID": "1", "XXDTC": ["2021-01-02", "2021-01-01", "2021-01-01", ""],
                         "XXSEQ": [3, 1, 2, 4]})
    # 01-01 twice: which is 1 and which 2 the keys do not say; the blank date sorts last
    assert seq_out_of_order(data, "XXSEQ", ["USUBJID"], ["XXDTC"]).index.tolist() == [1, 2]
    assert seq_out_of_order(data.iloc[[0, 1, 3]].assign(XXSEQ=[2, 1, 3]), "XXSEQ", ["USUBJID"], ["XXDTC"]).empty
    assert not seq_out_of_order(data.assign(XXSEQ=[4, 1, 2, 3]), "XXSEQ", ["USUBJID"], ["XXDTC"]).empty
    assert np.array_equal(stated_orders("XXSEQ within USUBJID by XXDTC.")["XXSEQ"][1], ["XXDTC"])
