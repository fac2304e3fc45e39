"""A program's dataset shaped to its spec: the spec's variables, in spec order, cast to the spec's types.

The pipeline calls :func:`shape_to_spec` on every dataset a program returns, so programs
never trim, reorder or re-type their results to please the writers:

* a variable the program derived that the spec does not list is an error finding
  (``not_in_spec``) naming dataset, variable and program, and is not written;
* a spec variable the program did not derive stays an error of validation (``not_in_data``);
* each variable is cast to its spec type (:func:`cast_to_spec`); a value that cannot be
  cast is an error finding naming the program, and the column is left for validation;
* records are sorted by the spec's key variables (stable);
* text is held compactly (:func:`compact_text`): one shared ``str`` object per distinct value of a
  column, so that a dataset of millions of records held between programs costs 8 bytes per text
  cell instead of a string each (the values, their order and missing values unchanged).

Example
-------
>>> import pandas as pd
>>> from derivations.findings import Findings
>>> from derivations.spec import DatasetSpec, Spec, VariableSpec
>>> ds = DatasetSpec("ADSL", keys=["USUBJID"], variables=[
...     VariableSpec("ADSL", "USUBJID", "Unique Subject Identifier", order=1),
...     VariableSpec("ADSL", "AGE", "Age", "integer", order=2)])
>>> data = pd.DataFrame({"AGE": [63.0, 57.0], "USUBJID": ["S-2", "S-1"], "_TMP": [1, 2]})
>>> found = Findings()
>>> out = shape_to_spec(data, Spec(datasets={"ADSL": ds}), "ADSL", program="adam/adsl.py", findings=found)
>>> list(out.columns), str(out["AGE"].dtype), out["USUBJID"].tolist()
(['USUBJID', 'AGE'], 'Int64', ['S-1', 'S-2'])
>>> [(f.check, f.variable) for f in found]
[('not_in_spec', '_TMP')]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .findings import DerivationError, Findings
from .spec import DATE_FORMATS, Spec, VariableSpec


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series)


def cast_to_spec(series: pd.Series, var: VariableSpec) -> tuple[pd.Series, int | None]:
    """``series`` cast to the type of ``var``; returns (cast series, position of a value that could not be cast).

    =====================  =====================================================================
    spec                   data
    =====================  =====================================================================
    character              text kept as it is (a blank stays blank, a missing value missing);
                           a column without any value (all NaN/NaT) becomes text
    numeric with a date/   datetime64 kept; a column without any value becomes datetime64 (NaT)
    time format (DATE9.)
    integer                numbers -> nullable ``Int64``; a number with a fraction is not cast
                           (its position is returned)
    float / double ...     numbers -> ``float64`` (a missing value is NaN)
    =====================  =====================================================================

    Text in a numeric variable, or a number in a character one, is left as it is for
    validation to report (``type``).

    >>> from derivations.spec import VariableSpec
    >>> cast_to_spec(pd.Series([1.0, None]), VariableSpec("X", "N", "N", "integer"))[0].tolist()
    [1, <NA>]
    >>> cast_to_spec(pd.Series([1.5]), VariableSpec("X", "N", "N", "integer"))[1]
    0
    >>> cast_to_spec(pd.Series([float("nan")] * 2), VariableSpec("X", "C", "C"))[0].tolist()
    [None, None]
    """
    if var.xpt_type == "char":
        if _is_text(series) or not series.isna().all():
            return series, None
        return pd.Series([None] * len(series), index=series.index, dtype=object, name=series.name), None
    kind = series.dtype.kind
    if var.format and var.format.upper().startswith(DATE_FORMATS) and var.data_type.lower() not in ("float", "double"):
        if kind in "Mm" or not series.isna().all():
            return series, None
        return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]", name=series.name), None
    if kind in "Mmb":
        return series, None
    if _is_text(series):
        if pd.api.types.infer_dtype(series, skipna=True) not in ("integer", "floating", "mixed-integer-float",
                                                                   "decimal", "empty"):
            return series, None  # text in a numeric variable: validation reports it
        series = pd.to_numeric(series)
    if var.data_type.lower() == "integer":
        if isinstance(series.dtype, pd.Int64Dtype):
            return series, None
        num = series.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            fraction = ~np.isnan(num) & (num != np.round(num))
        if fraction.any():
            return series, int(np.flatnonzero(fraction)[0])
        return series.astype("Int64"), None
    if series.dtype == np.float64:
        return series, None
    return series.astype("float64"), None


def compact_text(series: pd.Series) -> pd.Series:
    """``series`` holding one shared ``str`` object per distinct value: how a run holds text between programs.

    A text column of a large dataset repeats a few values over millions of records (PARAMCD,
    VISIT, flags, the study and subject identifiers). pandas' ``str`` dtype (Arrow storage) stores
    each cell's characters and an 8-byte offset; an ``object`` column built cell by cell, a string
    object of 50-70 bytes each. Compacted, every cell is an 8-byte reference to the one ``str`` of
    its value: a ``str`` column becomes the same ``str`` dtype with Python storage
    (``StringDtype("python")``, an array of references; :func:`expand_text` gives the Arrow one
    back), an ``object`` column of text stays ``object``. Values, order and missing values are
    unchanged (``str``: NaN; ``object``: the missing object it held, None or NaN).

    Anything else (numbers, dates, an ``object`` column holding other objects than ``str``) is
    returned as it is.

    Parameters
    ----------
    series
        A column of any dtype; Arrow-stored ``str``/``string`` columns and ``object`` columns of
        ``str`` values are compacted (a Python-stored ``str`` column is taken as compacted already).

    Example
    -------
    >>> s = compact_text(pd.Series(["NORMAL", "HIGH", None, "NORMAL"], dtype="str"))
    >>> s.dtype == "str", s.dtype.storage, s.tolist()[:2], s.isna().tolist()
    (True, 'python', ['NORMAL', 'HIGH'], [False, False, True, False])
    >>> s[0] is s[3]
    True
    >>> compact_text(pd.Series([1.5, 2.0])).dtype
    dtype('float64')
    """
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage == "python":  # held compactly already (a partition's result, concatenated)
            return series
        values, missing_value = None, dtype.na_value
    elif dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string":
        values = series.to_numpy(dtype=object)
    else:
        return series
    codes, uniques = pd.factorize(series if values is None else values)
    missing = codes < 0
    out = (np.asarray(uniques, dtype=object).take(np.where(missing, 0, codes)) if len(uniques)
           else np.empty(len(series), dtype=object))
    if missing.any():
        out[missing] = missing_value if values is None else values[missing]
    if values is None:
        out = pd.array(out, dtype=pd.StringDtype("python", na_value=missing_value))
    return pd.Series(out, index=series.index, name=series.name, dtype=None if values is None else object)


def expand_text(series: pd.Series) -> pd.Series:
    """A column compacted by :func:`compact_text` as the program that made it returned it.

    A ``str`` column with Python storage becomes Arrow-stored ``str`` again (the same values and
    missing values); every other column is returned as it is. The pipeline gives each program its
    inputs this way, so a program sees the dtypes a program returns (two ``str`` columns merge,
    compare and concatenate as they did before they were held).

    Parameters
    ----------
    series
        A column of any dtype.

    Example
    -------
    >>> held = compact_text(pd.Series(["ALB", None], dtype="str"))
    >>> back = expand_text(held)
    >>> back.dtype.storage, back.tolist()
    ('pyarrow', ['ALB', nan])
    """
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
        return series.astype(pd.StringDtype("pyarrow", na_value=dtype.na_value))
    return series


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]


def compact_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text column compacted (:func:`compact_text`); other columns as they are.

    Parameters
    ----------
    frame
        Any data frame.

    Example
    -------
    >>> out = compact_frame(pd.DataFrame({"PARAMCD": ["ALB", "ALB"], "AVAL": [40.0, 41.0]}))
    >>> [str(t) for t in out.dtypes], out["PARAMCD"].dtype.storage, out["PARAMCD"][0] is out["PARAMCD"][1]
    (['str', 'float64'], 'python', True)
    """
    text = {c: compact_text(frame[c]) for c in _text_columns(frame)}
    return frame.assign(**text) if text else frame


def expand_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every compacted ``str`` column Arrow-stored again (:func:`expand_text`).

    Parameters
    ----------
    frame
        Any data frame.

    Example
    -------
    >>> held = compact_frame(pd.DataFrame({"PARAMCD": ["ALB", "HGB"], "AVAL": [40.0, 120.0]}))
    >>> expand_frame(held)["PARAMCD"].dtype.storage
    'pyarrow'
    """
    text = {c: expand_text(frame[c]) for c in _text_columns(frame)
            if isinstance(frame[c].dtype, pd.StringDtype) and frame[c].dtype.storage == "python"}
    return frame.assign(**text) if text else frame


def shape_to_spec(dataset: pd.DataFrame, spec: Spec, name: str, *, program: str = "a program",
                  findings: Findings | None = None) -> pd.DataFrame:
    """``dataset`` with the spec's variables of ``name`` only, in spec order, cast, sorted by the keys.

    Every variable not in the spec and every value that cannot be cast is an error finding
    in ``findings`` naming ``program``; without ``findings`` the first one raises a
    :class:`~derivations.findings.DerivationError`.
    """
    from .schema import sort_by_keys

    ds = spec.dataset(name)
    dataset = dataset.reset_index(drop=True)

    def report(check: str, message: str, **where) -> None:
        if findings is None:
            raise DerivationError(message, dataset=ds.name, **where)
        findings.add("error", check, message, dataset=ds.name, **where)

    for col in dataset.columns:
        if col not in ds.variable_names:
            report("not_in_spec", f"variable derived by {program} is not in the spec, so it is not written: "
                                  "drop it in the program or add it to the spec", variable=str(col))
    keep = [v for v in ds.variables if v.name in dataset.columns]
    columns = {}
    for var in keep:
        cast, bad = cast_to_spec(dataset[var.name], var)
        if bad is not None:
            usubjid = dataset["USUBJID"].iloc[bad] if "USUBJID" in dataset.columns else None
            report("type", f"integer variable holds a number with a fraction (derived by {program}); "
                           "round it in the program or declare the variable float in the spec",
                   variable=var.name, usubjid=None if usubjid is None else str(usubjid), row=bad + 1,
                   value=dataset[var.name].iloc[bad])
        columns[var.name] = compact_text(cast)
    shaped = pd.DataFrame(columns) if columns else dataset[[]]
    return sort_by_keys(shaped, spec, name)
