"""Datasets held compactly between programs: one shared ``str`` per distinct text value of a column.

What a program returns is shaped to the spec (:func:`derivations.shaping.shape_to_spec`) and held for the
programs after it; its text columns hold references to one string object per distinct value (``str`` dtype
with Python storage, or ``object``), with the same values, order and missing values as before; the programs
that read it get Arrow-stored ``str`` back (:func:`derivations.shaping.expand_frame`).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from derivations.shaping import compact_frame, compact_text, expand_frame, expand_text, shape_to_spec
from derivations.spec import DatasetSpec, Spec, VariableSpec

ROOT = Path(__file__).resolve().parents[1]


def distinct_objects(series: pd.Series) -> int:
    return len({id(v) for v in series.to_numpy(dtype=object) if isinstance(v, str)})


def test_str_column_becomes_shared_objects_with_missing_kept():
    values = ["HIGH", "NORMAL", None, "LOW", "NORMAL", "NORMAL", None, "HIGH"]
    s = pd.Series(values, dtype="str", name="ANRIND", index=range(10, 18))
    out = compact_text(s)
    assert out.dtype == "str" and out.dtype.storage == "python" and out.dtype.na_value is s.dtype.na_value
    assert out.name == "ANRIND" and out.index.tolist() == list(range(10, 18))
    assert out.tolist()[:2] == ["HIGH", "NORMAL"] and out.tolist()[3:6] == ["LOW", "NORMAL", "NORMAL"]
    assert out.isna().tolist() == [False, False, True, False, False, False, True, False]
    assert np.isnan(out[12]) and np.isnan(out[16])          # the str dtype's missing value, NaN
    assert distinct_objects(out) == 3                        # HIGH, NORMAL, LOW: one object each
    assert out[11] is out[14] is out[15] and out[10] is out[17]
    assert (out == s).sum() == 6 and out.sort_values(kind="mergesort").index.tolist() == \
        s.sort_values(kind="mergesort").index.tolist()
    back = expand_text(out)
    assert back.dtype == s.dtype and back.dtype.storage == "pyarrow"
    pd.testing.assert_series_equal(back, s)


def test_string_dtype_with_na_keeps_pd_na():
    s = pd.Series(["Y", pd.NA, "Y"], dtype="string")
    out = compact_text(s)
    assert out.dtype == pd.StringDtype("python") and out[1] is pd.NA and out[0] is out[2]
    pd.testing.assert_series_equal(expand_text(out), s)


def test_object_column_keeps_its_own_missing_objects():
    a, b = "".join(["Base", "line"]), "".join(["Base", "line"])   # equal values, two objects
    assert a is not b
    s = pd.Series([a, None, b, np.nan, "Week 3"], dtype=object)
    out = compact_text(s)
    assert out.tolist()[0] == "Baseline" and out[0] is out[2]
    assert out[1] is None and isinstance(out[3], float) and np.isnan(out[3])
    assert out[4] == "Week 3" and distinct_objects(out) == 2


def test_what_is_not_text_is_returned_as_it_is():
    mixed = pd.Series(["1", 1, None], dtype=object)
    numbers = pd.Series([1.5, np.nan])
    dates = pd.Series(pd.to_datetime(["2021-04-15", None]))
    for s in (mixed, numbers, dates, pd.Series([None, None], dtype=object)):
        assert compact_text(s) is s
    assert compact_text(pd.Series([], dtype="str")).tolist() == []


def test_a_million_cells_cost_eight_bytes_each_plus_one_string_per_value():
    s = pd.Series(np.tile(np.array(["ALANINE AMINOTRANSFERASE", "ALBUMIN", "BILIRUBIN", "CALCIUM"]), 250_000),
                  dtype="str")
    out = compact_text(s)
    refs = out.array._ndarray
    assert distinct_objects(out) == 4 and refs.dtype == object and refs.nbytes == 8_000_000
    assert s.memory_usage(index=False) == 8_000_000 + 11_750_000   # 8-byte offsets + (24 + 7 + 9 + 7) x 250,000 characters
    assert out.value_counts().to_dict() == {"ALANINE AMINOTRANSFERASE": 250_000, "ALBUMIN": 250_000,
                                           "BILIRUBIN": 250_000, "CALCIUM": 250_000}


def test_shape_to_spec_holds_text_compactly_and_sorts_as_before():
    ds = DatasetSpec("ADLB", keys=["USUBJID", "PARAMCD"], variables=[
        VariableSpec("ADLB", "USUBJID", "Unique Subject Identifier", order=1),
        VariableSpec("ADLB", "PARAMCD", "Parameter Code", order=2),
        VariableSpec("ADLB", "AVAL", "Analysis Value", "float", order=3)])
    data = pd.DataFrame({"PARAMCD": ["HGB", "ALB", "HGB", None], "AVAL": [120.0, 40.0, 118.0, 1.0],
                         "USUBJID": ["S-2", "S-2", "S-1", "S-1"]}, dtype=None).astype({"PARAMCD": "str"})
    out = shape_to_spec(data, Spec(datasets={"ADLB": ds}), "ADLB")
    assert out.to_dict("list") == {"USUBJID": ["S-1", "S-1", "S-2", "S-2"],
                                   "PARAMCD": [np.nan, "HGB", "ALB", "HGB"], "AVAL": [1.0, 118.0, 40.0, 120.0]}
    assert out.dtypes.astype(str).tolist() == ["str", "str", "float64"]
    assert out["PARAMCD"].dtype.storage == out["USUBJID"].dtype.storage == "python"
    assert out["USUBJID"][0] is out["USUBJID"][1] and out["PARAMCD"][1] is out["PARAMCD"][3]


def test_compact_frame_leaves_other_columns():
    frame = pd.DataFrame({"A": ["x", "x"], "N": [1, 2], "D": pd.to_datetime(["2021-01-01", None])})
    out = compact_frame(frame)
    assert out.dtypes.astype(str).tolist() == ["str", "int64", "datetime64[us]"]
    assert out["N"].tolist() == [1, 2] and out["A"][0] is out["A"][1]
    back = expand_frame(out)
    assert back["A"].dtype.storage == "pyarrow" and back["N"] is not None
    pd.testing.assert_frame_equal(back, frame)
