"""The compare engine: records matched on keys, variables and values compared, PROC COMPARE style.

:func:`compare_datasets` matches the records of a *base* (production) and a
*compare* (QC) dataset on ``by_vars`` (PROC COMPARE's ``ID`` statement) and
finds, like SAS:

* dataset attributes: label, number of records and variables;
* variables in one dataset only, and common variables whose attributes differ
  (type, length, label, format; an attribute is compared when both files carry
  it, e.g. a parquet file without a ``.meta.json`` sidecar carries no labels;
  ``ignore`` leaves formats, labels or lengths out);
* records whose key is in one dataset only;
* for every compared variable (all common ones, or the ``variables`` / ``with_vars``
  pairs of PROC COMPARE's VAR and WITH statements) the number of unequal values,
  the differences with their keys and both values, and for numbers the largest
  absolute and relative difference.

Value rules (SAS semantics): a blank string equals a missing value, trailing
blanks are ignored, missing equals missing (NaN == NaN, NaT == NaT); numbers
are compared by one of the methods of :data:`METHODS` (PROC COMPARE's METHOD=
with CRITERION= as ``tolerance``), each allowing for the floating point
representation error of the operands; datetimes as values. Variables whose types
conflict (char vs num, datetime vs plain number) are reported as attribute
differences and their values not compared. Duplicate keys stop the compare with a
:class:`DuplicateKeyError` naming the dataset and the key values.

Text read from a file that carries no types (CSV: :func:`derivations.io.read_csv` reads every
column as text and marks the dataset ``untyped``) is compared as numbers when the variable is
numeric on the other side (a numeric column of a typed file) or in the spec (``numeric``: the
variables :func:`derivations.compare.folders.spec_numeric` gives, Data Type integer or float without
a date format). The rule, for each text value (:func:`text_numbers`):
blanks around it are dropped; an empty value or SAS's ``.`` is a missing number; a decimal number
(``1``, ``1.0``, ``-0.5``, ``1e3``) is that number, so ``"1.0"`` equals ``"1"`` and ``1.0`` and
the tolerance applies; anything else (``1,5``, ``NA``, ``<0.1``, and ``inf``, ``Infinity`` or ``1e400``,
which no finite double holds) is *not a number*: it is listed
in :attr:`CompareResult.not_numbers` (side, key values, variable, value, on matched records or
not) and, on a matched record, counted as an unequal value (shown as written), never taken for a
missing value. A key variable converted so must hold numbers only (else an error names the value).

Differences in values, records or variables and differences in attributes only
are told apart (:attr:`CompareResult.values_equal`,
:attr:`CompareResult.attributes_equal`): a display format that differs is not an
unequal value.

The engine is vectorised numpy/pandas (keys factorised jointly into one int64
code per record, records matched through a hash index, each column compared
as whole arrays); text is compared with pyarrow kernels. See
``benchmarks/bench_compare.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..findings import DerivationError
from ..io import DatasetMeta, VariableMeta, meta_from_frame

#: PROC COMPARE's METHOD= (``tolerance`` is its CRITERION=), for numeric values x (base) and y (compare):
#: absolute: |y - x| <= tolerance; relative: |y - x| / ((|x| + |y|) / 2) <= tolerance (equal when x = y = 0);
#: percent: 100 |y - x| / |x| <= tolerance (when x = 0: equal only if y = 0). A tolerance of 0 is EXACT.
METHODS = ("absolute", "relative", "percent")
TOLERANCE_TYPES = METHODS  # the name of the keyword
ATTRIBUTES = ("type", "length", "label", "format")
#: attributes that ``ignore`` can leave out (the type is never ignored: values of other types cannot compare)
IGNORABLE = ("length", "label", "format")
# a few units in the last place: the representation error of two doubles
_ULP_SLACK = 4 * np.finfo(np.float64).eps
#: text values of a number-compared text variable that are a missing number (after dropping blanks)
MISSING_NUMBER_TEXT = ("", ".")
#: the columns of :attr:`CompareResult.not_numbers` besides the key columns (which come after ``side``)
NOT_NUMBER_COLUMNS = ("side", "variable", "value")


class DuplicateKeyError(DerivationError):
    """The BY (key) variables do not identify one record in a dataset."""


# --------------------------------------------------------------------------- result


@dataclass
class CompareResult:
    """Outcome of :func:`compare_datasets`.

    ``variable_stats``: one row per compared variable (pair): variable, compare_variable
    (the WITH variable; the same name unless paired), type, n_compared, n_equal, pct_equal,
    n_unequal, and for numbers over the records where both values are present:
    max_abs_diff (largest |compare - base|), max_rel_diff (largest |compare - base| / |base|,
    base not 0) and mean_diff (mean of compare - base).
    ``differences``: the unequal values (variable, compare_variable, key columns, base,
    compare, diff), at most ``max_listed`` per variable (all when ``None``).
    ``attribute_differences``: variable, attribute, base, compare.
    ``base_only_rows`` / ``compare_only_rows``: key values of unmatched records.
    ``not_numbers``: the values of text (CSV) variables compared as numbers that are not numbers: side
    (``BASE`` / ``COMPARE``), the key columns (or ``_OBS_``), variable and value as written.
    """

    summary: dict[str, Any]
    variable_stats: pd.DataFrame
    differences: pd.DataFrame
    attribute_differences: pd.DataFrame
    base_only_vars: list[str]
    compare_only_vars: list[str]
    base_only_rows: pd.DataFrame
    compare_only_rows: pd.DataFrame
    by_vars: list[str]
    base_meta: DatasetMeta = field(repr=False)
    compare_meta: DatasetMeta = field(repr=False)
    not_numbers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(NOT_NUMBER_COLUMNS)))

    @property
    def equal(self) -> bool:
        """Values, records, variables and attributes all equal."""
        return bool(self.summary["equal"])

    @property
    def values_equal(self) -> bool:
        """The same records and variables with equal values (types agree); attributes aside."""
        return bool(self.summary["values_equal"])

    @property
    def attributes_equal(self) -> bool:
        """Lengths, labels and formats compared (not ignored) agree, and the dataset labels."""
        return bool(self.summary["attributes_equal"])

    def __str__(self) -> str:
        s = self.summary
        verdict = "EQUAL" if self.equal else ("VALUES EQUAL, ATTRIBUTES DIFFER" if self.values_equal
                                             else "NOT EQUAL")
        return (f"{s['base_name']} vs {s['compare_name']}: {verdict} "
                f"({s['n_values_unequal']} unequal value(s), {s['n_base_only_rows']} + "
                f"{s['n_compare_only_rows']} unmatched record(s), "
                f"{len(self.attribute_differences)} attribute difference(s))")

    def report_text(self, max_listed: int | None = -1) -> str:
        """Plain-text report laid out like SAS PROC COMPARE output (:mod:`derivations.compare.report`);
        ``max_listed`` differences listed per variable (default: as compared)."""
        from .report import report_text

        return report_text(self, max_listed=max_listed)

    def report_html(self, max_listed: int | None = -1) -> str:
        """Self-contained HTML page with the same content (:mod:`derivations.compare.html`)."""
        from .html import report_html

        return report_html(self, max_listed=max_listed)

    def differences_dataset(self) -> pd.DataFrame:
        """Every difference found as one dataset (:func:`derivations.compare.diffs.differences_dataset`)."""
        from .diffs import differences_dataset

        return differences_dataset(self)


# --------------------------------------------------------------------------- helpers


def _value_kind(series: pd.Series) -> str:
    """``num``, ``datetime``, ``timedelta`` or ``char`` for the value comparison."""
    kind = series.dtype.kind
    if kind in "biuf":
        return "num"
    if kind == "M":
        return "datetime"
    if kind == "m":
        return "timedelta"
    if kind == "O":
        # object columns of datetime.date/datetime (pyarrow date32, pyreadstat default):
        # look at the first few non-missing values only (cheap on 1M rows)
        head = series.iloc[:1000]
        inferred = pd.api.types.infer_dtype(head, skipna=True)
        if inferred in ("date", "datetime", "datetime64"):
            return "datetime"
    return "char"


def _as_datetime_int(series: pd.Series) -> np.ndarray:
    """int64 microseconds since epoch (NaT as int64 min) for a datetime-like column."""
    if series.dtype.kind != "M":
        series = pd.to_datetime(series, errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[us]").view("int64")


def text_numbers(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text values as numbers (the rule of the module docstring): ``(float64 values, not-a-number mask)``.

    >>> values, bad = text_numbers(pd.Series(["1", " 1.0 ", "", ".", "1e3", "1,5", "NA", None, "inf", "1e400"]))
    >>> values.tolist()[:5], bad.tolist()
    ([1.0, 1.0, nan, nan, 1000.0], [False, False, False, False, False, True, True, False, True, True])
    """
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    missing = text.isin(MISSING_NUMBER_TEXT).to_numpy()
    values = pd.to_numeric(text.mask(missing), errors="coerce").astype("float64")
    values = values.where(np.isfinite(values.to_numpy()))  # 'inf', 'Infinity', '1e400' (too large): not numbers
    return values.rename(series.name), values.isna().to_numpy() & ~missing  # 'NA', 'nan' too: not numbers


def _untyped(meta: DatasetMeta) -> bool:
    """Whether the file carried no types (CSV: every column read as text)."""
    return bool(meta.attributes.get("untyped"))


@dataclass
class _TextNumbers:
    """Text columns of one side turned into numbers: the raw text and where it is not a number."""

    raw: dict[str, pd.Series] = field(default_factory=dict)
    bad: dict[str, np.ndarray] = field(default_factory=dict)


def _numbers_from_text(base: pd.DataFrame, compare: pd.DataFrame, base_meta: DatasetMeta,
                       compare_meta: DatasetMeta, pairs: list[tuple[str, str]], numeric: set[str]):
    """``base`` and ``compare`` with the text columns of an untyped side that are numeric on the other side or
    in the spec (``numeric``) as float64; with the :class:`_TextNumbers` of each side."""
    sides = [[base, base_meta, _TextNumbers()], [compare, compare_meta, _TextNumbers()]]
    for vb, vc in pairs:
        names = (vb, vc)
        for i in (0, 1):
            frame, meta, found = sides[i]
            other, other_meta = sides[1 - i][0], sides[1 - i][1]
            name, other_name = names[i], names[1 - i]
            if not _untyped(meta) or _value_kind(frame[name]) != "char" or name in found.raw:
                continue
            other_numeric = not _untyped(other_meta) and _value_kind(other[other_name]) == "num"
            if not (other_numeric or vb in numeric or vc in numeric):
                continue
            values, bad = text_numbers(frame[name])
            if frame is base or frame is compare:  # copy the frame once, before changing a column
                frame = frame.copy(deep=False)
                sides[i][0] = frame
            found.raw[name], found.bad[name] = frame[name], bad
            frame[name] = values.to_numpy()
    return sides[0][0], sides[1][0], sides[0][2], sides[1][2]


def _as_float(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _norm_text(values: Sequence[Any]) -> np.ndarray:
    """SAS view of text: missing -> "", trailing blanks dropped."""
    ser = pd.Series(list(values), dtype=object)
    ser = ser.where(ser.notna(), "")
    return ser.astype(str).str.rstrip().to_numpy(dtype=object)


def _arrow_text(series: pd.Series):
    """The pyarrow string array behind an arrow-backed text column, else None."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if not hasattr(series.array, "_pa_array"):
        return None
    arr = pa.array(series)  # zero-copy for arrow-backed columns
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.cast(pa.large_string()) if pa.types.is_string(arr.type) else arr
    return None


def _text_equal(b: pd.Series, c: pd.Series, bi: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """Boolean array: text values equal at matched positions (blank == missing).

    Raw values are compared first (pyarrow kernels for arrow-backed columns,
    numpy object comparison otherwise); only the pairs found unequal are
    normalised (missing -> "", trailing blanks dropped) and compared again.
    """
    pa_b, pa_c = _arrow_text(b), _arrow_text(c)
    if pa_b is not None and pa_c is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        tb, tc = pa_b.take(pa.array(bi)), pa_c.take(pa.array(ci))
        both_null = pc.and_(pc.is_null(tb), pc.is_null(tc))
        eq = pc.or_kleene(pc.fill_null(pc.equal(tb, tc), False), both_null)
        eq = np.array(eq.to_numpy(zero_copy_only=False), dtype=bool)
    else:
        ab = b.to_numpy(dtype=object)[bi]
        ac = c.to_numpy(dtype=object)[ci]
        eq = np.array(ab == ac, dtype=bool)
    todo = np.flatnonzero(~eq)
    if len(todo):
        vb = _norm_text(b.to_numpy(dtype=object)[bi[todo]])
        vc = _norm_text(c.to_numpy(dtype=object)[ci[todo]])
        eq[todo] = vb == vc
    return eq


def _numeric_unequal(a: np.ndarray, b: np.ndarray, tolerance: float, tolerance_type: str) -> np.ndarray:
    """Unequal pairs (x = a base, y = b compare) by the METHOD= rules of :data:`METHODS`."""
    with np.errstate(invalid="ignore", over="ignore"):
        eq = (a == b) | (np.isnan(a) & np.isnan(b))
        if tolerance > 0:
            todo = np.flatnonzero(~eq & ~np.isnan(a) & ~np.isnan(b))
            if len(todo):
                x, y = a[todo], b[todo]
                d = np.abs(y - x)
                if tolerance_type == "relative":
                    allowed = tolerance * (np.abs(x) + np.abs(y)) / 2
                elif tolerance_type == "percent":
                    allowed = tolerance / 100.0 * np.abs(x)
                else:
                    allowed = tolerance
                slack = _ULP_SLACK * np.maximum(np.abs(x), np.abs(y))
                eq[todo] = d <= allowed + slack
    return ~eq


def _numeric_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Largest absolute and relative difference and the mean difference where both values are present."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        both = ~np.isnan(a) & ~np.isnan(b)
        if not both.any():
            return {"max_abs_diff": np.nan, "max_rel_diff": np.nan, "mean_diff": np.nan}
        x, y = a[both], b[both]
        d = y - x
        absd = np.abs(d)
        nonzero = x != 0
        rel = absd[nonzero] / np.abs(x[nonzero])
        finite = np.isfinite(d)
        return {"max_abs_diff": float(absd[finite].max()) if finite.any() else np.nan,
                "max_rel_diff": float(rel[np.isfinite(rel)].max()) if np.isfinite(rel).any() else np.nan,
                "mean_diff": float(d[finite].mean()) if finite.any() else np.nan}


def _side_label(side: str, meta: DatasetMeta) -> str:
    where = meta.source or meta.name
    return f"{side} ({where})" if where and where != side else side


def _py(value: Any) -> Any:
    """numpy scalar -> Python scalar (for messages and listings)."""
    return value.item() if isinstance(value, np.generic) else value


def _key_arrays(df: pd.DataFrame, key: str, kind: str) -> pd.Series:
    s = df[key]
    if kind == "datetime":
        return pd.Series(_as_datetime_int(s))
    return pd.Series(_as_float(s))


def _text_key_codes(sb: pd.Series, sc: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Joint codes of two text key columns, SAS-normalised (trailing blanks, blank = missing).

    Each side is hashed on its raw values; only the distinct values are
    normalised and matched across sides.
    """
    cb, ub = pd.factorize(sb, use_na_sentinel=True)
    cc, uc = pd.factorize(sc, use_na_sentinel=True)
    norm = _norm_text(list(np.asarray(ub, dtype=object)) + list(np.asarray(uc, dtype=object)))
    joint, uniques = pd.factorize(pd.Series(norm, dtype=object), use_na_sentinel=False)
    joint = joint.astype(np.int64)
    blank = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
    na_code = int(blank[0]) if len(blank) else len(uniques)
    jb, jc = joint[: len(ub)], joint[len(ub):]
    codes_b = np.where(cb >= 0, jb[np.maximum(cb, 0)] if len(jb) else na_code, na_code)
    codes_c = np.where(cc >= 0, jc[np.maximum(cc, 0)] if len(jc) else na_code, na_code)
    return codes_b.astype(np.int64), codes_c.astype(np.int64), len(uniques) + 1


def _key_codes(base: pd.DataFrame, compare: pd.DataFrame, by_vars: list[str],
               labels: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    nb, nc = len(base), len(compare)
    if not by_vars:  # PROC COMPARE without ID: match by observation number
        return np.arange(nb, dtype=np.int64), np.arange(nc, dtype=np.int64)
    combined = None
    for key in by_vars:
        kb, kc = _value_kind(base[key]), _value_kind(compare[key])
        if kb != kc:
            raise DerivationError(
                f"key variable {key} is {kb} in {labels[0]} but {kc} in {labels[1]}",
                variable=key, hint="convert the key to the same type in both datasets")
        if kb == "char":
            code_b, code_c, n_codes = _text_key_codes(base[key], compare[key])
            codes = np.concatenate([code_b, code_c])
        else:
            values = pd.concat([_key_arrays(base, key, kb), _key_arrays(compare, key, kc)],
                               ignore_index=True)
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            codes, n_codes = codes.astype(np.int64), len(uniques)
        if combined is None:
            combined = codes
        else:
            combined, _ = pd.factorize(combined * np.int64(n_codes + 1) + codes)
            combined = combined.astype(np.int64)
    return combined[:nb], combined[nb:]


def _check_duplicates(df: pd.DataFrame, codes: np.ndarray, by_vars: list[str], label: str) -> None:
    dup = pd.Series(codes).duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    n_same = int((codes == codes[first]).sum())
    n_keys = int(pd.Series(codes[dup]).nunique())
    key_values = {k: _py(df[k].iloc[first]) for k in by_vars}
    shown = ", ".join(f"{k}={v!r}" for k, v in key_values.items())
    raise DuplicateKeyError(
        f"duplicate key in {label}: {shown} occurs in {n_same} records "
        f"({n_keys} key value(s) duplicated in all)",
        dataset=label, variable=",".join(by_vars), row=first,
        hint="add variables to the BY (--by) list so that each key identifies one record, "
             "or remove the duplicate records")


def _attr(meta: DatasetMeta, df: pd.DataFrame, var: str) -> VariableMeta:
    vm = meta.variable(var)
    if vm is None:
        from ..io import sas_type

        vm = VariableMeta(var, None, sas_type(df[var]))
    return vm


def _carries(meta: DatasetMeta, attribute: str) -> bool:
    return any(getattr(v, attribute) not in (None, "") for v in meta.variables)


def _norm_attr(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --------------------------------------------------------------------------- engine


def _check_method(tolerance: float, tolerance_type: str) -> float:
    if tolerance_type not in METHODS:
        raise DerivationError(f"tolerance_type must be one of {METHODS}", value=tolerance_type,
                              hint="use 'absolute', 'relative' or 'percent' (PROC COMPARE's METHOD=)")
    tolerance = float(tolerance or 0.0)
    if not np.isfinite(tolerance) or tolerance < 0:
        raise DerivationError("tolerance must be a finite number >= 0", value=tolerance,
                              hint="use e.g. 1e-9")
    return tolerance


def normalise_ignore(ignore: Iterable[str] | str | None) -> tuple[str, ...]:
    """``"formats,labels"`` or ``["labels"]`` -> ``("format", "label")`` (in :data:`IGNORABLE` order).

    >>> normalise_ignore("formats, labels")
    ('label', 'format')
    """
    if ignore is None:
        return ()
    items = ignore.split(",") if isinstance(ignore, str) else list(ignore)
    names = set()
    for item in items:
        name = str(item).strip().lower()
        if not name:
            continue
        single = name[:-1] if name.endswith("s") else name
        if single not in IGNORABLE:
            raise DerivationError(f"cannot ignore {item!r}", value=item,
                                  hint="ignore one or more of: formats, labels, lengths (types always count)")
        names.add(single)
    return tuple(a for a in IGNORABLE if a in names)


def _pairs(base: pd.DataFrame, compare: pd.DataFrame, variables, with_vars, key_cols: list[str],
           labels: tuple[str, str]) -> list[tuple[str, str]] | None:
    """The (base variable, compare variable) pairs of VAR/WITH; None when all common variables count."""
    if with_vars is not None and variables is None:
        raise DerivationError("WITH variables need VAR variables to pair with",
                              hint="give --var A,B with --with C,D (the same number of names)")
    if variables is None:
        return None
    variables = [str(v) for v in variables]
    withs = [str(v) for v in with_vars] if with_vars is not None else list(variables)
    if len(withs) != len(variables):
        raise DerivationError(f"{len(variables)} VAR variable(s) but {len(withs)} WITH variable(s)",
                              value=f"{','.join(variables)} / {','.join(withs)}",
                              hint="pair each VAR variable with one WITH variable, in order")
    if not variables:
        raise DerivationError("no variable to compare (VAR is empty)", hint="name at least one variable")
    for names, df, label in ((variables, base, labels[0]), (withs, compare, labels[1])):
        missing = [v for v in names if v not in df.columns]
        if missing:
            raise DerivationError(f"variable(s) {', '.join(missing)} not found in {label}", dataset=label,
                                  variable=missing[0], hint=f"variables present: {', '.join(map(str, df.columns))}")
    return list(zip(variables, withs))


def compare_datasets(
    base: pd.DataFrame,
    compare: pd.DataFrame,
    *,
    by_vars: Sequence[str] | None,
    variables: Sequence[str] | None = None,
    with_vars: Sequence[str] | None = None,
    tolerance: float = 0.0,
    tolerance_type: str = "absolute",
    ignore: Iterable[str] | str | None = None,
    base_meta: DatasetMeta | None = None,
    compare_meta: DatasetMeta | None = None,
    max_listed: int | None = 50,
    numeric: Iterable[str] | None = None,
) -> CompareResult:
    """Compare ``compare`` (QC) against ``base`` (production), PROC COMPARE style.

    Parameters
    ----------
    base, compare
        The production and the QC dataset.
    by_vars
        Key variables (PROC COMPARE's ID statement); an empty list matches records by
        observation number.
    variables
        Compare only these variables of ``base`` (PROC COMPARE's VAR statement); variables
        not listed are neither compared nor reported as in one dataset only.
    with_vars
        The ``compare`` variables paired with ``variables``, in order (the WITH statement):
        ``variables=["AVAL"], with_vars=["AVAL_QC"]``. Default: the same names.
    tolerance
        CRITERION= of ``tolerance_type`` (0: exact).
    tolerance_type
        One of :data:`METHODS`: ``"absolute"``, ``"relative"`` or ``"percent"``.
    ignore
        Attributes left out: any of ``"formats"``, ``"labels"`` (variable and dataset
        labels), ``"lengths"``, as a list or a comma-separated text.
    base_meta, compare_meta
        Dataset metadata of the files (labels, lengths, formats); inferred from the frames
        when not given.
    max_listed
        Differences kept per variable (``None``: all).
    numeric
        Variables the spec holds as numbers (:func:`~derivations.compare.folders.spec_numeric`): in a
        dataset read from CSV (``untyped`` metadata, every column text) they are compared as numbers (see
        the module docstring), as are those numeric in the other dataset.

    Raises :class:`DuplicateKeyError` when a key is not unique and :class:`DerivationError`
    when a key or a VAR/WITH variable is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> base = pd.DataFrame({"USUBJID": ["01", "02"], "AVAL": [10.0, 20.0]})
    >>> qc = pd.DataFrame({"USUBJID": ["01", "02"], "AVAL_QC": [10.0, 20.5]})
    >>> res = compare_datasets(base, qc, by_vars=["USUBJID"], variables=["AVAL"], with_vars=["AVAL_QC"],
    ...                        tolerance=5, tolerance_type="percent")
    >>> res.equal, res.variable_stats[["variable", "compare_variable", "max_abs_diff", "max_rel_diff"]].values.tolist()
    (True, [['AVAL', 'AVAL_QC', 0.5, 0.025]])
    """
    tolerance = _check_method(tolerance, tolerance_type)
    ignored = normalise_ignore(ignore)
    base_meta = base_meta or meta_from_frame(base, name="BASE")
    compare_meta = compare_meta or meta_from_frame(compare, name="COMPARE")
    labels = (_side_label("BASE", base_meta), _side_label("COMPARE", compare_meta))
    by_vars = [str(k) for k in (by_vars or [])]
    for df, label in ((base, labels[0]), (compare, labels[1])):
        missing = [k for k in by_vars if k not in df.columns]
        if missing:
            raise DerivationError(
                f"key variable(s) {', '.join(missing)} not found in {label}",
                dataset=label, variable=missing[0],
                hint=f"variables present: {', '.join(map(str, df.columns))}")
    key_cols = by_vars or []
    pairs = _pairs(base, compare, variables, with_vars, key_cols, labels)

    # ---- text (CSV) variables that are numbers on the other side or in the spec
    bset_, cset_ = set(map(str, base.columns)), set(map(str, compare.columns))
    candidates = [(k, k) for k in key_cols] + (pairs if pairs is not None else
                                               [(c, c) for c in map(str, base.columns) if c in cset_])
    base, compare, btext, ctext = _numbers_from_text(base, compare, base_meta, compare_meta,
                                                     [p for p in candidates if p[0] in bset_ and p[1] in cset_],
                                                     set(map(str, numeric or ())))
    for found, label in ((btext, labels[0]), (ctext, labels[1])):
        for key in key_cols:
            if key in found.bad and found.bad[key].any():
                row = int(np.flatnonzero(found.bad[key])[0])
                raise DerivationError(
                    f"key variable {key} is compared as numbers (numeric in the other dataset or the spec) but "
                    f"{label} holds {found.raw[key].iloc[row]!r} (record {row + 1}), which is not a number",
                    dataset=label, variable=key, row=row, value=str(found.raw[key].iloc[row]),
                    hint="correct the value, or compare with the key as text in both datasets")

    # ---- match records on keys
    bcodes, ccodes = _key_codes(base, compare, by_vars, labels)
    _check_duplicates(base, bcodes, by_vars, labels[0])
    _check_duplicates(compare, ccodes, by_vars, labels[1])
    pos = pd.Index(ccodes).get_indexer(bcodes)
    bi = np.flatnonzero(pos >= 0)
    ci = pos[bi].astype(np.int64)
    comp_matched = np.zeros(len(compare), dtype=bool)
    comp_matched[ci] = True
    base_only_idx = np.flatnonzero(pos < 0)
    comp_only_idx = np.flatnonzero(~comp_matched)

    def key_frame(df: pd.DataFrame, idx: np.ndarray) -> pd.DataFrame:
        if key_cols:
            return df[key_cols].iloc[idx].reset_index(drop=True)
        return pd.DataFrame({"_OBS_": idx + 1})

    # ---- variables
    bcols = [str(c) for c in base.columns]
    ccols = [str(c) for c in compare.columns]
    cset, bset = set(ccols), set(bcols)
    if pairs is None:
        base_only_vars = [c for c in bcols if c not in cset]
        compare_only_vars = [c for c in ccols if c not in bset]
        common = [c for c in bcols if c in cset]
        pairs = [(c, c) for c in common if c not in key_cols]
    else:
        base_only_vars, compare_only_vars = [], []
        common = [c for c in bcols if c in cset]

    compared_attrs = [a for a in ATTRIBUTES if a not in ignored
                      and (a == "type" or (_carries(base_meta, a) and _carries(compare_meta, a)))]
    attr_rows: list[dict[str, Any]] = []
    conflicting: set[tuple[str, str]] = set()
    kinds: dict[tuple[str, str], str] = {}
    attr_pairs = list(dict.fromkeys([(k, k) for k in key_cols if k in cset] + pairs))
    for vb_name, vc_name in attr_pairs:
        vb, vc = _attr(base_meta, base, vb_name), _attr(compare_meta, compare, vc_name)
        kb, kc = _value_kind(base[vb_name]), _value_kind(compare[vc_name])
        kinds[(vb_name, vc_name)] = kb
        shown = vb_name if vb_name == vc_name else f"{vb_name}/{vc_name}"
        tb, tc = vb.type or ("char" if kb == "char" else "num"), vc.type or ("char" if kc == "char" else "num")
        tb, tc = "num" if vb_name in btext.raw else tb, "num" if vc_name in ctext.raw else tc  # CSV: no type
        if tb != tc or kb != kc:
            conflicting.add((vb_name, vc_name))
            attr_rows.append({"variable": shown, "attribute": "type",
                              "base": tb if kb in ("num", "char") else f"{tb} ({kb})",
                              "compare": tc if kc in ("num", "char") else f"{tc} ({kc})"})
        if vb_name != vc_name:
            continue  # VAR/WITH pairs: only the types need to agree (as PROC COMPARE)
        for attribute in compared_attrs:
            if attribute == "type":
                continue
            x, y = _norm_attr(getattr(vb, attribute)), _norm_attr(getattr(vc, attribute))
            if attribute == "length" and (x is None or y is None):
                continue  # e.g. Dataset-JSON numerics carry no length: nothing to compare
            if attribute == "format" and x is not None and y is not None:
                x, y = str(x).upper().rstrip("."), str(y).upper().rstrip(".")
            if x != y:
                attr_rows.append({"variable": shown, "attribute": attribute,
                                  "base": getattr(vb, attribute), "compare": getattr(vc, attribute)})
    attribute_differences = pd.DataFrame(attr_rows, columns=["variable", "attribute", "base", "compare"])

    # ---- values
    stats_rows: list[dict[str, Any]] = []
    diff_parts: list[pd.DataFrame] = []
    row_unequal = np.zeros(len(bi), dtype=bool)
    n_matched = len(bi)
    compared_pairs = [p for p in pairs if p not in conflicting]
    for vb_name, vc_name in compared_pairs:
        sb, sc = base[vb_name], compare[vc_name]
        kind = kinds[(vb_name, vc_name)]
        num_stats = {"max_abs_diff": np.nan, "max_rel_diff": np.nan, "mean_diff": np.nan}
        diffs = None
        if kind == "num":
            a, b = _as_float(sb)[bi], _as_float(sc)[ci]
            uneq = _numeric_unequal(a, b, tolerance, tolerance_type)
            for found, name, at in ((btext, vb_name, bi), (ctext, vc_name, ci)):
                if name in found.bad:  # a text that is not a number is unequal, whatever the other value
                    uneq |= found.bad[name][at]
            num_stats = _numeric_stats(a, b)
            idx = np.flatnonzero(uneq)
            if len(idx):
                with np.errstate(invalid="ignore"):
                    diffs = b[idx] - a[idx]
        elif kind in ("datetime", "timedelta"):
            if kind == "datetime":
                a, b = _as_datetime_int(sb)[bi], _as_datetime_int(sc)[ci]
            else:
                a = sb.to_numpy(dtype="timedelta64[us]").view("int64")[bi]
                b = sc.to_numpy(dtype="timedelta64[us]").view("int64")[ci]
            uneq = a != b
            idx = np.flatnonzero(uneq)
        else:
            uneq = ~_text_equal(sb, sc, bi, ci)
            idx = np.flatnonzero(uneq)
        n_uneq = int(len(idx))
        row_unequal |= uneq
        stats_rows.append({
            "variable": vb_name, "compare_variable": vc_name, "type": "char" if kind == "char" else "num",
            "n_compared": n_matched, "n_equal": n_matched - n_uneq,
            "pct_equal": (100.0 * (n_matched - n_uneq) / n_matched) if n_matched else 100.0,
            "n_unequal": n_uneq, **num_stats,
        })
        if n_uneq:
            take = idx if max_listed is None else idx[: max(int(max_listed), 0)]
            if len(take):
                part = key_frame(base, bi[take])
                part.insert(0, "variable", vb_name)
                part.insert(1, "compare_variable", vc_name)
                part["base"] = _listed(sb, btext, vb_name, bi[take])
                part["compare"] = _listed(sc, ctext, vc_name, ci[take])
                part["diff"] = diffs[: len(take)] if diffs is not None else np.nan
                diff_parts.append(part)

    diff_cols = ["variable", "compare_variable", *(key_cols or ["_OBS_"]), "base", "compare", "diff"]
    differences = (pd.concat(diff_parts, ignore_index=True) if diff_parts
                   else pd.DataFrame({c: pd.Series(dtype=object) for c in diff_cols}))
    variable_stats = pd.DataFrame(
        stats_rows, columns=["variable", "compare_variable", "type", "n_compared", "n_equal", "pct_equal",
                             "n_unequal", "max_abs_diff", "max_rel_diff", "mean_diff"])

    not_numbers = [_not_number_rows(found, side, df, key_frame) for found, side, df in
                   ((btext, "BASE", base), (ctext, "COMPARE", compare))]
    not_numbers = (pd.concat([f for f in not_numbers if len(f)], ignore_index=True) if any(map(len, not_numbers))
                   else pd.DataFrame(columns=list(NOT_NUMBER_COLUMNS)))
    n_values_unequal = int(variable_stats["n_unequal"].sum()) if len(variable_stats) else 0
    n_vars_unequal = int((variable_stats["n_unequal"] > 0).sum()) if len(variable_stats) else 0
    labels_compared = "label" not in ignored and base_meta.label is not None and compare_meta.label is not None
    label_differs = labels_compared and (_norm_attr(base_meta.label) != _norm_attr(compare_meta.label))
    n_attr_only = int((attribute_differences["attribute"] != "type").sum())
    values_equal = not (base_only_vars or compare_only_vars or len(base_only_idx) or len(comp_only_idx)
                        or conflicting or n_values_unequal)
    attributes_equal = not (n_attr_only or label_differs)
    finite = variable_stats["max_abs_diff"].notna() if len(variable_stats) else pd.Series(dtype=bool)
    summary = {
        "equal": bool(values_equal and attributes_equal),
        "values_equal": bool(values_equal), "attributes_equal": bool(attributes_equal),
        "base_name": labels[0], "compare_name": labels[1],
        "base_label": base_meta.label, "compare_label": compare_meta.label,
        "dataset_label_differs": bool(label_differs),
        "base_nobs": len(base), "compare_nobs": len(compare),
        "base_nvars": len(bcols), "compare_nvars": len(ccols),
        "by_vars": list(key_cols),
        "variables_selected": variables is not None,
        "n_common_vars": len(common),
        "n_base_only_vars": len(base_only_vars), "n_compare_only_vars": len(compare_only_vars),
        "n_conflicting_types": len(conflicting),
        "n_vars_differing_attributes": int(attribute_differences["variable"].nunique()),
        "n_attribute_differences": n_attr_only,
        "attributes_compared": compared_attrs,
        "attributes_ignored": list(ignored),
        "n_rows_compared": int(n_matched),
        "n_base_only_rows": int(len(base_only_idx)), "n_compare_only_rows": int(len(comp_only_idx)),
        "n_rows_unequal": int(row_unequal.sum()),
        "n_vars_compared": len(compared_pairs),
        "n_vars_unequal": n_vars_unequal,
        "n_values_unequal": n_values_unequal,
        "max_abs_diff": float(variable_stats.loc[finite, "max_abs_diff"].max()) if finite.any() else None,
        "tolerance": tolerance, "tolerance_type": tolerance_type,
        "max_listed": max_listed,
        "text_as_numbers": [f"{name} ({side})" for side, found in (("BASE", btext), ("COMPARE", ctext))
                            for name in found.raw],
        "n_not_numbers": len(not_numbers),
    }
    return CompareResult(
        summary=summary, variable_stats=variable_stats, differences=differences,
        attribute_differences=attribute_differences, base_only_vars=base_only_vars,
        compare_only_vars=compare_only_vars,
        base_only_rows=key_frame(base, base_only_idx), compare_only_rows=key_frame(compare, comp_only_idx),
        by_vars=list(key_cols), base_meta=base_meta, compare_meta=compare_meta, not_numbers=not_numbers,
    )


def _listed(series: pd.Series, found: _TextNumbers, name: str, at: np.ndarray) -> pd.Series:
    """The values listed for the records ``at``: a text that is not a number as written."""
    values = series.iloc[at].tolist()
    if name in found.bad:
        raw, bad = found.raw[name], found.bad[name]
        values = [raw.iloc[i] if bad[i] else v for i, v in zip(at, values)]
    return pd.Series(values, dtype=object)


def _not_number_rows(found: _TextNumbers, side: str, df: pd.DataFrame, key_frame) -> pd.DataFrame:
    """One row per text value that is not a number: side, keys (or _OBS_), variable, value as written."""
    parts = []
    for name, bad in found.bad.items():
        at = np.flatnonzero(bad)
        if len(at):
            part = key_frame(df, at)
            part.insert(0, "side", side)
            part["variable"] = name
            part["value"] = found.raw[name].iloc[at].to_numpy(dtype=object)
            parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(NOT_NUMBER_COLUMNS))


__all__ = ["CompareResult", "DuplicateKeyError", "compare_datasets", "normalise_ignore", "text_numbers", "METHODS",
           "TOLERANCE_TYPES", "ATTRIBUTES", "IGNORABLE"]
