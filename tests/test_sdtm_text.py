"""Tests of derivations.sdtm.text: ASCII transliteration and 200-byte split."""

import pandas as pd
import pytest

from derivations.findings import DerivationError, Findings
from derivations.sdtm import assert_ascii, compute_ascii, compute_split_text, derive_vars_split_text


def test_ascii_transliteration_with_one_finding_per_changed_record():
    f = Findings()
    values = pd.Series(["Nausée", "Headache", None, "Nausée", "≥ 3 µg"], index=[5, 6, 7, 8, 9])
    out = compute_ascii(values, dataset="AE", variable="AETERM",
                        usubjid=pd.Series(["S-1", "S-2", "S-3", "S-4", "S-5"], index=values.index), findings=f)
    assert out.tolist()[:2] == ["Nausee", "Headache"] and pd.isna(out.iloc[2])
    assert out.tolist()[3:] == ["Nausee", ">= 3 ug"]
    items = f.select(check="transliterated")
    assert [(i.usubjid, i.row, i.value, i.severity) for i in items] == [
        ("S-1", 5, "Nausée", "warning"), ("S-4", 8, "Nausée", "warning"), ("S-5", 9, "≥ 3 µg", "warning")]
    assert "'Nausee'" in items[0].message
    assert values.iloc[0] == "Nausée"  # input untouched


def test_assert_ascii_names_the_character():
    assert_ascii(pd.Series(["ok", None]), dataset="AE", variable="AETERM")
    with pytest.raises(DerivationError) as exc:
        assert_ascii(pd.Series(["ok", "Nausée"]), dataset="AE", variable="AETERM", usubjid=pd.Series(["A", "B"]))
    assert exc.value.usubjid == "B" and exc.value.row == 1 and "U+00E9" in str(exc.value)


def test_split_450_characters_into_200_200_50_at_word_boundaries():
    text = "abcd " * 89 + "abcde"  # 450 characters, a blank at every 5th position
    assert len(text) == 450
    parts = compute_split_text(pd.Series([text]))
    assert parts.shape == (1, 3)
    assert [len(p) for p in parts.iloc[0]] == [200, 200, 50]
    assert "".join(parts.iloc[0]) == text
    assert parts.iloc[0, 0].endswith(" ") and parts.iloc[0, 1].startswith("abcd")


def test_split_never_cuts_a_word():
    text = "x" * 150 + " " + "y" * 100 + " " + "z" * 30  # 282 characters
    parts = compute_split_text(pd.Series([text, "short", None]))
    assert parts.iloc[0].tolist() == ["x" * 150 + " ", "y" * 100 + " " + "z" * 30]
    assert parts.iloc[1].tolist() == ["short", ""] and parts.iloc[2].tolist() == ["", ""]


def test_split_counts_bytes_and_cuts_long_words():
    assert [len(p) for p in compute_split_text(pd.Series(["a" * 450])).iloc[0]] == [200, 200, 50]
    parts = compute_split_text(pd.Series(["é" * 150]), width=200)  # 2 bytes per character
    assert [len(p.encode()) for p in parts.iloc[0]] == [200, 100]


def test_derive_vars_split_text_names():
    co = pd.DataFrame({"TXT": ["abcd " * 89 + "abcde", "short"]})
    out = derive_vars_split_text(co, source="TXT", new_var="COVAL")
    assert [len(v) for v in out.loc[0, ["COVAL", "COVAL1", "COVAL2"]]] == [200, 200, 50]
    assert out.loc[1, ["COVAL", "COVAL1", "COVAL2"]].tolist() == ["short", "", ""]
    only = derive_vars_split_text(co.iloc[[1]], source="TXT", new_var="COVAL")
    assert "COVAL1" not in only.columns
    with pytest.raises(DerivationError, match="longer than 8 characters"):
        derive_vars_split_text(co, source="TXT", new_var="AECOMMEN")
