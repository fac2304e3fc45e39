"""SAS conventions of the core: rounding half away from zero, type-checked filters, missing values
sorting first in the order-taking derivations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from derivations.adam import derive_extreme_records, derive_var_extreme_flag, derive_var_obs_number, filter_extreme
from derivations.core import filter_mask, round_sas, sort_by_order
from derivations.findings import DerivationError


@pytest.mark.parametrize("value,decimals,expected", [
    (74.25, 1, 74.3), (74.35, 1, 74.4), (-74.25, 1, -74.3), (0.5, 0, 1.0), (1.5, 0, 2.0), (2.5, 0, 3.0),
    (-0.5, 0, -1.0), (1.005, 2, 1.01), (0.285, 2, 0.29), (2.675, 2, 2.68), (1234.5, -1, 1230.0),
    (1235.0, -1, 1240.0), (0.049999, 1, 0.0), (1e-10, 2, 0.0), (31.034482758620690, 1, 31.0),
    (86.206896551724140, 1, 86.2), (5.333333, 2, 5.33), (10.365, 2, 10.37)])
def test_round_sas_half_away_from_zero_on_the_decimal_value(value, decimals, expected):
    assert round_sas(value, decimals) == expected
    assert round_sas(np.array([value]), decimals)[0] == expected  # the vectorised path agrees


def test_round_sas_series_keeps_index_and_missing_and_differs_from_pandas():
    s = pd.Series([74.25, None, 0.125, -2.5], index=[10, 11, 12, 13], name="AVAL")
    out = round_sas(s, 1)
    assert out.index.tolist() == [10, 11, 12, 13] and out.name == "AVAL"
    assert out.tolist()[0] == 74.3 and np.isnan(out.tolist()[1]) and out.tolist()[2:] == [0.1, -2.5]
    assert s.round(1).tolist()[0] == 74.2  # pandas: half to even on the binary value
    assert round_sas(float("nan"), 2) != round_sas(float("nan"), 2) and round_sas(None) is None
    assert str(round_sas(-0.04, 1)) == "0.0"  # no negative zero


def test_filter_comparing_a_number_with_text_is_an_error_naming_column_and_types():
    df = pd.DataFrame({"VISITNUM": [1.0, 3.0], "AVALC": ["1", "3"], "ADT": pd.to_datetime(["2021-01-01", None]),
                       "FLAG": [True, False]})
    with pytest.raises(DerivationError, match=r"VISITNUM, a numeric variable \(float64\), with the text '3'"):
        filter_mask(df, "VISITNUM == '3'")
    with pytest.raises(DerivationError, match=r"AVALC, a text variable .*with the number 3"):
        filter_mask(df, "AVALC == 3 and VISITNUM > 0")
    with pytest.raises(DerivationError, match="VISITNUM, a numeric variable"):
        filter_mask(df, "VISITNUM in ['1', '3'] & AVALC == '1'")  # pandas operators, list literal
    with pytest.raises(DerivationError, match="ADT, a date variable"):
        filter_mask(df, "ADT > 20210101")
    assert filter_mask(df, "VISITNUM == 3 and AVALC == '3'").tolist() == [False, True]
    assert filter_mask(df, "ADT <= '2021-06-30'").tolist() == [True, False]  # dates against ISO text: fine
    assert filter_mask(df, "-1 < VISITNUM").tolist() == [True, True]
    # Series.isin in a query string selected nothing, silently, like ==
    with pytest.raises(DerivationError, match=r"VISITNUM, a numeric variable \(float64\), with the text \['1', '3'\]"):
        filter_mask(df, "VISITNUM.isin(['1', '3'])")
    with pytest.raises(DerivationError, match=r"AVALC, a text variable .*write the literal as text \(\['1', '3'\]\)"):
        filter_mask(df, "~AVALC.isin([1, 3]) & (VISITNUM > 0)")
    assert filter_mask(df, "VISITNUM.isin([3]) | AVALC.isin(['1'])").tolist() == [True, True]


def test_filter_type_error_suggests_a_number_only_when_the_text_is_one():
    df = pd.DataFrame({"AVAL": [1.5, 3.0], "VISITNUM": [1.0, 3.0]})
    with pytest.raises(DerivationError) as err:
        filter_mask(df, "AVAL > '2.5'")
    assert err.value.hint == "write the literal as a number (2.5), or compare a text variable"
    with pytest.raises(DerivationError) as err:
        filter_mask(df, "AVAL > 'x'")
    assert err.value.hint == ("AVAL holds numbers and 'x' is not a number: compare AVAL with a number, "
                              "or compare a text variable with the text")
    assert "number (x)" not in str(err.value)
    with pytest.raises(DerivationError) as err:
        filter_mask(df, "VISITNUM.isin(['1', 'UNS', 'nan'])")
    assert err.value.hint == ("VISITNUM holds numbers and 'UNS', 'nan' are not numbers: compare VISITNUM "
                              "with a number, or compare a text variable with the text")


def test_missing_values_sort_first_as_sas_when_asked():
    df = pd.DataFrame({"K": [2.0, None, 1.0], "C": ["b", "", "a"]})
    assert sort_by_order(df, ["K"])["K"].tolist()[:2] == [1.0, 2.0]  # default: last (admiral)
    assert sort_by_order(df, ["K"], na_position="sas")["K"].fillna(-1).tolist() == [-1, 1.0, 2.0]
    assert sort_by_order(df, ["-K"], na_position="sas")["K"].fillna(-1).tolist() == [2.0, 1.0, -1]
    assert sort_by_order(df, ["-K"], na_position="first")["K"].fillna(-1).tolist() == [-1, 2.0, 1.0]
    assert sort_by_order(df, ["C"], na_position="sas")["C"].tolist() == ["", "a", "b"]  # blank is missing
    with pytest.raises(DerivationError, match="na_position='low'"):
        sort_by_order(df, ["K"], na_position="low")


def test_extreme_flag_records_and_obs_number_with_sas_missing_order():
    adlb = pd.DataFrame({"USUBJID": ["1", "1", "1", "2"], "AVAL": [5.0, None, 3.0, 4.0], "SEQ": [1, 2, 3, 1]})
    admiral = derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["AVAL"], new_var="FL", mode="first")
    sas = derive_var_extreme_flag(adlb, by_vars=["USUBJID"], order=["AVAL"], new_var="FL", mode="first",
                                  na_position="sas")
    assert admiral["FL"].tolist() == ["", "", "Y", "Y"]  # missing last: the first is 3.0
    assert sas["FL"].tolist() == ["", "Y", "", "Y"]  # SAS FIRST.: the missing value is the lowest
    assert filter_extreme(adlb, by_vars=["USUBJID"], order=["AVAL"], mode="last", na_position="sas")["SEQ"].tolist() == [1, 1]
    new = derive_extreme_records(dataset_add=adlb, by_vars=["USUBJID"], order=["AVAL"], mode="first",
                                 na_position="sas", set_values_to={"DTYPE": "MINIMUM"})
    assert new["SEQ"].tolist() == [2, 1]
    assert derive_var_obs_number(adlb, by_vars=["USUBJID"], order=["AVAL"], na_position="sas")["ASEQ"].tolist() == [3, 1, 2, 1]
