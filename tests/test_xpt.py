"""XPORT v5 writer: every file reads back identically with pyreadstat; every v5 rule is an error."""

import datetime as dt

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.findings import XptError
from derivations.xpt import XptVariable, ieee_to_ibm, write_xpt

CREATED = dt.datetime(2022, 7, 4, 0, 0, 0)


def _read(path):
    return pyreadstat.read_xport(str(path))


def test_attributes_and_values_read_back(tmp_path):
    df = pd.DataFrame({
        "USUBJID": ["NCT-001", "NCT-002", "NCT-003"],
        "AETERM": ["Anaemia", "", None],
        "AGE": [61.0, np.nan, 0.0],
        "TRTSDT": pd.to_datetime(["2021-03-01", None, "1959-12-31"]),
    })
    variables = [XptVariable("USUBJID", "Unique Subject Identifier", "char", 20),
                 XptVariable("AETERM", "Reported Term for the Adverse Event", "char", 200),
                 XptVariable("AGE", "Age", "num"),
                 XptVariable("TRTSDT", "Date of First Exposure to Treatment", "num", format="DATE9.")]
    path = write_xpt(df, tmp_path / "adsl.xpt", label="Subject-Level Analysis Dataset", variables=variables,
                     created=CREATED)
    back, meta = _read(path)
    assert meta.table_name == "ADSL"
    assert meta.file_label == "Subject-Level Analysis Dataset"
    assert meta.number_rows == 3
    assert meta.variable_storage_width == {"USUBJID": 20, "AETERM": 200, "AGE": 8, "TRTSDT": 8}
    assert meta.column_names_to_labels["AETERM"] == "Reported Term for the Adverse Event"
    assert meta.original_variable_types["TRTSDT"] == "DATE9"
    assert back["USUBJID"].tolist() == ["NCT-001", "NCT-002", "NCT-003"]
    assert back["AETERM"].tolist() == ["Anaemia", "", ""]
    assert back["AGE"].iloc[0] == 61.0 and np.isnan(back["AGE"].iloc[1]) and back["AGE"].iloc[2] == 0.0
    assert back["TRTSDT"].iloc[0] == dt.date(2021, 3, 1)
    assert back["TRTSDT"].iloc[2] == dt.date(1959, 12, 31)
    assert pd.isna(back["TRTSDT"].iloc[1])


def test_header_timestamp_comes_from_the_study_so_files_are_identical(tmp_path):
    df = pd.DataFrame({"USUBJID": ["A"], "X": [1.5]})
    a = write_xpt(df, tmp_path / "a" / "dm.xpt", created=CREATED).read_bytes()
    b = write_xpt(df, tmp_path / "b" / "dm.xpt", created=CREATED).read_bytes()
    assert a == b
    assert b"04JUL22:00:00:00" in a
    assert len(a) % 80 == 0


def test_ibm_conversion_known_values():
    got = ieee_to_ibm(np.array([1.0, -1.0, 0.5, 100.0, 0.1])).astype(">u8").tobytes().hex()
    # 1 = 0x41100000..., 0.5 = 0x40800000..., 100 = 0x42640000..., 0.1 = 0x40199999 9999999A
    assert got == ("4110000000000000" "c110000000000000" "4080000000000000" "4264000000000000" "401999999999999a")


@pytest.mark.parametrize("frame, variables, message, variable, subject", [
    (pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AETERM": ["ok", "x" * 201]}), None,
     "at most 200", "AETERM", "S-2"),
    (pd.DataFrame({"USUBJID": ["S-1"], "AETERM": ["Naus\u00e9e"]}), None, "non-ASCII", "AETERM", "S-1"),
    (pd.DataFrame({"USUBJID": ["S-1", "S-2"], "SEX": ["M", "FEMALE"]}),
     [XptVariable("USUBJID", "Unique Subject Identifier", "char", 8), XptVariable("SEX", "Sex", "char", 1)],
     "longer than the variable's length 1", "SEX", "S-2"),
    (pd.DataFrame({"USUBJID": ["S-1"], "AGE": [1.0]}),
     [XptVariable("USUBJID", "Unique Subject Identifier", "char", 8), XptVariable("AGE", "x" * 41, "num")],
     "label of 41 characters", "AGE", None),
    (pd.DataFrame({"USUBJID": ["S-1"], "LONGNAME9": [1.0]}), None, "not a SAS v5 name", "LONGNAME9", None),
    (pd.DataFrame({"USUBJID": ["S-1"], "aval": [1.0]}), None, "not a SAS v5 name", "aval", None),
    (pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AVAL": [1.0, np.inf]}), None, "infinite", "AVAL", "S-2"),
    (pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AVAL": [1.0, 1e80]}), None, "IBM floating-point range", "AVAL", "S-2"),
])
def test_v5_violations_are_errors_naming_variable_and_subject(tmp_path, frame, variables, message, variable, subject):
    with pytest.raises(XptError, match=message) as err:
        write_xpt(frame, tmp_path / "ae.xpt", variables=variables, created=CREATED)
    assert err.value.variable == variable
    assert err.value.usubjid == subject
    assert not (tmp_path / "ae.xpt").exists()
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_metadata_and_data_must_agree(tmp_path):
    df = pd.DataFrame({"USUBJID": ["S-1"], "EXTRA": ["x"]})
    with pytest.raises(XptError, match="in the data but not in the metadata"):
        write_xpt(df, tmp_path / "dm.xpt", variables=[XptVariable("USUBJID", "", "char", 8)], created=CREATED)
    with pytest.raises(XptError, match="in the metadata but not in the data"):
        write_xpt(df, tmp_path / "dm.xpt", variables=[XptVariable("USUBJID", "", "char", 8),
                                                      XptVariable("EXTRA", "", "char", 2),
                                                      XptVariable("AGE", "", "num")], created=CREATED)


def test_numeric_variable_with_text_names_the_row(tmp_path):
    df = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AGE": ["61", "sixty"]})
    with pytest.raises(XptError, match="non-numeric") as err:
        write_xpt(df, tmp_path / "dm.xpt", variables=[XptVariable("USUBJID", "", "char", 8),
                                                      XptVariable("AGE", "Age", "num")], created=CREATED)
    assert (err.value.usubjid, err.value.value) == ("S-2", "sixty")


def test_dataset_name_is_the_file_name(tmp_path):
    with pytest.raises(XptError, match="dataset name"):
        write_xpt(pd.DataFrame({"A": [1.0]}), tmp_path / "adtte_onco.xpt", created=CREATED)


# Property: random frames read back identically (missing values, extremes, empty strings, maximal widths).
_floats = st.one_of(
    st.floats(min_value=-7.2e75, max_value=7.2e75, allow_infinity=False).filter(
        lambda x: x == 0 or 5.4e-79 < abs(x)),
    st.just(float("nan")),
    st.sampled_from([0.0, -0.0, 1e-78, -1e75, 7.2e75, 2.0 ** -200, 123456789.123456789]),
)
_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), n=st.integers(min_value=0, max_value=25), nnum=st.integers(0, 4), nchar=st.integers(0, 4))
def test_property_roundtrip_with_pyreadstat(tmp_path, data, n, nnum, nchar):
    if nnum + nchar == 0:
        nnum = 1
    cols = {}
    for i in range(nnum):
        cols[f"N{i}"] = data.draw(st.lists(_floats, min_size=n, max_size=n))
    for i in range(nchar):
        cols[f"C{i}"] = data.draw(st.lists(st.one_of(_text, st.none()), min_size=n, max_size=n))
    df = pd.DataFrame({k: pd.Series(v, dtype="float64" if k.startswith("N") else object) for k, v in cols.items()})
    widths = {k: data.draw(st.integers(max(1, max([len(x or "") for x in v], default=1)), 200))
              for k, v in cols.items() if k.startswith("C")}
    variables = [XptVariable(k, f"label {k}", "num") if k.startswith("N") else XptVariable(k, "", "char", widths[k])
                 for k in df.columns]
    if n and nnum == 0 and all(not (cols[k][-1] or "").strip() for k in cols):
        with pytest.raises(XptError, match="cannot tell it from the file's blank padding"):
            write_xpt(df, tmp_path / "prop.xpt", variables=variables, created=CREATED)
        return
    path = write_xpt(df, tmp_path / "prop.xpt", variables=variables, created=CREATED)
    back, meta = _read(path)
    if n == 0:
        assert meta.number_rows in (0, None)
        return
    assert meta.number_rows == n
    for k in df.columns:
        if k.startswith("N"):
            a, b = df[k].to_numpy(), back[k].to_numpy(dtype=float)
            assert np.array_equal(np.where(a == 0, 0.0, a), b, equal_nan=True), k
        else:
            # SAS keeps no trailing blanks: pyreadstat strips them, as SAS would.
            want = [(x or "").rstrip() for x in cols[k]]
            assert back[k].fillna("").tolist() == want, k
            assert meta.variable_storage_width[k] == widths[k]
