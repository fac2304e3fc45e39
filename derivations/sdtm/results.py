"""Findings-class results (LB, VS, EG ...): wide CRF pages to one record per test, standard
units and reference ranges.

A CRF page holds one row per sample or visit and one column per test; an SDTM findings domain
holds one record per test. Three tables, each a printable rule a reviewer can read, say how:

:class:`TestMap`
    which page column is which test: ``TESTCD``, ``TEST``, the unit printed on the CRF
    (``ORRESU``; or ``UNITCOL``, the page column that holds the unit as typed) and any other
    per-test qualifier (``CAT``, ``SPEC``, ``POS``, ``LOC``, ``METHOD``: each becomes
    ``<domain><name>``).
:class:`UnitConversions`
    ``(TESTCD, ORRESU) -> STRESU, FACTOR, DECIMALS``: how ``--ORRES`` becomes
    ``--STRESN/--STRESC/--STRESU`` and ``--ORNRLO/--ORNRHI`` become ``--STNRLO/--STNRHI``.
    A numeric result whose test and unit the table lacks is an error: no value is converted by
    a guess.
:class:`ReferenceRanges`
    the laboratory's normal ranges in the collected unit, by test and unit and any further key
    of the records (``SEX``); a blank key value matches every record, a filled one wins over a
    blank one.

``--NRIND`` is ADaM's range rule applied to the standard values
(:func:`derivations.adam.derive_var_anrind` with ``new_var="LBNRIND", source_var="LBSTRESN",
low_var="LBSTNRLO", high_var="LBSTNRHI"``); ``--LOBXFL`` (and ``--BLFL`` where a study still
uses it) is :func:`derivations.sdtm.derive_var_lobxfl`.

Example
-------
>>> import pandas as pd
>>> page = pd.DataFrame({"SUBJID": ["001"], "LBDAT": ["2021-03-01"], "HGB": ["10.5"], "LYM": ["0.45"]})
>>> tests = TestMap.from_records([("HGB", "HGB", "Hemoglobin", "g/dL", "HEMATOLOGY"),
...                               ("LYM", "LYM", "Lymphocytes", "10^9/L", "HEMATOLOGY")],
...                              columns=["COLUMN", "TESTCD", "TEST", "ORRESU", "CAT"])
>>> lb = derive_findings_records(page, domain="LB", tests=tests, id_vars=["SUBJID", "LBDAT"])
>>> units = UnitConversions.from_records([("HGB", "g/dL", "g/L", 10, 0), ("LYM", "10^9/L", "10^9/L", 1, 2)])
>>> lb = derive_vars_std_units(lb, domain="LB", conversions=units)
>>> lb[["LBTESTCD", "LBORRES", "LBORRESU", "LBSTRESC", "LBSTRESN", "LBSTRESU"]].values.tolist()
[['HGB', '10.5', 'g/dL', '105', 105.0, 'g/L'], ['LYM', '0.45', '10^9/L', '0.45', 0.45, '10^9/L']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Sequence

import numpy as np
import pandas as pd

from ..core import assert_has_columns, compute_on_distinct, round_sas
from ..findings import DerivationError, Findings
from ._util import as_list, as_text, listing

#: a number as sites type it (no thousands separators): 12, -0.5, .5, 1e3
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
#: a number with a comparison in front: <0.1, >= 500 (a result below / above what the lab reports)
_QUALIFIED = re.compile(r"^(<=|>=|<|>)\s*([+-]?(\d+\.?\d*|\.\d+))$")


@dataclass(frozen=True)
class _RuleTable:
    """A rule held as a table: rows of values under named columns; printable, comparable."""

    rows: tuple[tuple, ...]
    columns: tuple[str, ...]
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    TITLE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        object.__setattr__(self, "columns", tuple(str(c).upper() for c in self.columns))
        missing = [c for c in self.REQUIRED if c not in self.columns]
        if missing:
            raise DerivationError(f"{type(self).__name__} lacks column(s) {', '.join(missing)}",
                                  hint=f"columns: {', '.join(self.REQUIRED)} (and optional others)")
        for r in self.rows:
            if len(r) != len(self.columns):
                raise DerivationError(f"{type(self).__name__} row {r} has {len(r)} values, "
                                      f"{len(self.columns)} expected", hint=f"columns: {', '.join(self.columns)}")
        self._check()

    def _check(self) -> None:  # pragma: no cover - overridden
        pass

    @classmethod
    def from_records(cls, rows: Iterable[Iterable[Any]], columns: Sequence[str] | None = None):
        """The table from row tuples under ``columns`` (default: the required columns)."""
        return cls(tuple(tuple(r) for r in rows), tuple(columns or cls.REQUIRED))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame):
        """The table from a DataFrame (e.g. read from a CSV or a spec sheet)."""
        values = frame.astype(object).where(frame.notna(), None).to_numpy()
        return cls(tuple(tuple(r) for r in values), tuple(frame.columns))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(self.columns))

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        frame = self.frame().astype(object).where(self.frame().notna(), "")
        return f"{self.TITLE} ({len(self.rows)} rows)\n" + frame.to_string(index=False)


def _duplicates(frame: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        row = frame.loc[dup, keys].iloc[0]
        raise DerivationError(f"{what} lists {', '.join(f'{k}={row[k]!r}' for k in keys)} twice",
                              value=str(row.iloc[0]), hint="one row per key: remove or merge the duplicate")


@dataclass(frozen=True)
class TestMap(_RuleTable):
    """Which column of a wide CRF page is which test (see the module text).

    Required columns ``COLUMN`` (the page column), ``TESTCD``, ``TEST``; optional ``ORRESU``
    (the unit printed on the CRF for that column), ``UNITCOL`` (a page column holding the unit
    as typed; used where it is filled, else ``ORRESU``) and any qualifier set per test
    (``CAT``, ``SCAT``, ``SPEC``, ``POS``, ``LOC``, ``METHOD``, ...), added to each record as
    ``<domain><name>``.

    >>> print(TestMap.from_records([("SBP", "SYSBP", "Systolic Blood Pressure", "mmHg")],
    ...                            columns=["COLUMN", "TESTCD", "TEST", "ORRESU"]))
    test map (1 rows)
    COLUMN TESTCD                    TEST ORRESU
       SBP  SYSBP Systolic Blood Pressure   mmHg
    """

    REQUIRED: ClassVar[tuple[str, ...]] = ("COLUMN", "TESTCD", "TEST")
    TITLE: ClassVar[str] = "test map"
    __test__: ClassVar[bool] = False  # not a pytest test class

    def _check(self) -> None:
        frame = self.frame()
        _duplicates(frame, ["COLUMN"], "the test map")
        _duplicates(frame, ["TESTCD"] + [c for c in ("SPEC", "POS", "LOC", "METHOD") if c in frame], "the test map")
        bad = [str(t) for t in frame["TESTCD"] if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,7}", str(t))]
        if bad:
            raise DerivationError(f"TESTCD {bad[0]!r} is not a test code: at most 8 characters, letters, digits "
                                  "and '_', starting with a letter", value=bad[0])
        long = [str(t) for t in frame["TEST"] if len(str(t)) > 40]
        if long:
            raise DerivationError(f"TEST {long[0]!r} is longer than 40 characters", value=long[0],
                                  hint="--TEST is at most 40 characters (SDTMIG)")

    @property
    def qualifiers(self) -> list[str]:
        """The per-test qualifier columns (all but COLUMN, TESTCD, TEST, ORRESU, UNITCOL)."""
        return [c for c in self.columns if c not in ("COLUMN", "TESTCD", "TEST", "ORRESU", "UNITCOL")]


@dataclass(frozen=True)
class UnitConversions(_RuleTable):
    """Standard units: ``(TESTCD, ORRESU) -> STRESU, FACTOR, DECIMALS`` (see the module text).

    ``STRESN = round_sas(ORRES x FACTOR, DECIMALS)`` (SAS rounding: half away from zero);
    ``STRESC`` is STRESN written with ``DECIMALS`` decimals. A unit is matched without regard
    to case and blanks (``G/DL`` is ``g/dL``); ``ORRESU`` blank is a result without a unit
    (pH). A test collected in SI units still needs its row (factor 1): every conversion is
    stated.

    >>> print(UnitConversions.from_records([("GLUC", "mg/dL", "mmol/L", 0.0555, 1)]))
    unit conversions (1 rows)
    TESTCD ORRESU STRESU  FACTOR DECIMALS
      GLUC  mg/dL mmol/L  0.0555        1
    """

    REQUIRED: ClassVar[tuple[str, ...]] = ("TESTCD", "ORRESU", "STRESU", "FACTOR", "DECIMALS")
    TITLE: ClassVar[str] = "unit conversions"

    def _check(self) -> None:
        frame = self.frame()
        frame["_U"] = [unit_key(u) for u in frame["ORRESU"]]
        _duplicates(frame, ["TESTCD", "_U"], "the unit conversions")
        for r in frame.itertuples(index=False):  # report: the few rows of the rule table, each named in its message
            factor, decimals = r.FACTOR, r.DECIMALS
            if not isinstance(factor, (int, float)) or isinstance(factor, bool) or not factor > 0:
                raise DerivationError(f"unit conversion {r.TESTCD} {r.ORRESU} -> {r.STRESU}: FACTOR {factor!r} "
                                      "is not a positive number", value=factor)
            if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool) or decimals < 0:
                raise DerivationError(f"unit conversion {r.TESTCD} {r.ORRESU} -> {r.STRESU}: DECIMALS "
                                      f"{decimals!r} is not a whole number >= 0", value=decimals)


@dataclass(frozen=True)
class ReferenceRanges(_RuleTable):
    """Normal ranges in the collected unit: ``TESTCD, ORRESU, ORNRLO, ORNRHI`` and any further
    key of the records (e.g. ``SEX``); a blank key value matches every record, and of several
    matching rows the one with more filled keys wins (two equally specific rows are an error
    when the table is built). A blank ORNRLO or ORNRHI is an open end.

    >>> r = ReferenceRanges.from_records([("HGB", "g/dL", "M", "13.0", "17.5"), ("HGB", "g/dL", "F", "11.5", "15.0")],
    ...                                  columns=["TESTCD", "ORRESU", "SEX", "ORNRLO", "ORNRHI"])
    >>> r.keys
    ['TESTCD', 'ORRESU', 'SEX']
    """

    REQUIRED: ClassVar[tuple[str, ...]] = ("TESTCD", "ORRESU", "ORNRLO", "ORNRHI")
    TITLE: ClassVar[str] = "reference ranges"

    @property
    def keys(self) -> list[str]:
        """The columns a record is matched on: TESTCD, ORRESU and the further keys."""
        return ["TESTCD", "ORRESU"] + [c for c in self.columns if c not in self.REQUIRED]

    def _check(self) -> None:
        frame = self.frame()
        frame["ORRESU"] = [unit_key(u) for u in frame["ORRESU"]]
        for col in self.keys:
            frame[col] = frame[col].map(_blank_key)
        _duplicates(frame, self.keys, "the reference ranges")
        for col in ("ORNRLO", "ORNRHI"):
            bad = [v for v in frame[col] if _blank_key(v) != "" and _NUMBER.match(str(v).strip()) is None]
            if bad:
                raise DerivationError(f"reference range {col} {bad[0]!r} is not a number", value=bad[0])


def _blank_key(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def unit_key(unit: object) -> str:
    """A unit as compared: upper case without blanks (``"g/dL "`` -> ``"G/DL"``; missing -> ``""``).

    >>> unit_key(" mg/dL"), unit_key(None)
    ('MG/DL', '')
    """
    return _blank_key(unit).upper().replace(" ", "")


# --------------------------------------------------------------------------- wide page -> records


def derive_findings_records(
    dataset: pd.DataFrame,
    *,
    domain: str,
    tests: TestMap,
    id_vars: Sequence[str],
    not_done: Iterable[str] = ("ND", "NOT DONE"),
    blank: str = "drop",
    findings: Findings | None = None,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """One record per row of a wide CRF page and test: ``--TESTCD``, ``--TEST``, ``--ORRES``,
    ``--ORRESU``, ``--STAT`` and the test map's qualifiers.

    Parameters
    ----------
    dataset
        The CRF page: one row per sample (or visit), one column per test, all text
        (``ctx.raw``).
    domain
        The two-letter domain; it prefixes the new variables (``LB`` -> ``LBTESTCD``).
    tests
        The :class:`TestMap`: page column, test code and name, unit and qualifiers per test. A
        column it names that the page lacks is an error naming it.
    id_vars
        Page columns copied to every record of the row (subject, visit, date, lab).
    not_done
        Cell values that say the test was not done (compared without regard to case): the
        record keeps a blank ``--ORRES`` and gets ``--STAT = "NOT DONE"``.
    blank
        What an empty cell becomes: ``"drop"`` (no record: the test was not collected on that
        row; the count per test is a note in ``findings``) or ``"not done"`` (a record with
        ``--STAT = "NOT DONE"``, for pages where every test is expected).
    findings
        Collects the note on dropped empty cells (without it they are dropped silently only
        when there are none).
    dataset_name
        The page's name in messages (``"lb_hem"``).

    Records come in page order, the tests of a row in the test map's order. ``--ORRES`` is the
    text as typed (outer blanks removed); ``--ORRESU`` the page's unit column where filled,
    else the unit of the test map.

    Examples
    --------
    >>> page = pd.DataFrame({"SUBJID": ["001", "002"], "SBP": ["128", "ND"], "DBP": ["82", ""]})
    >>> tests = TestMap.from_records([("SBP", "SYSBP", "Systolic Blood Pressure", "mmHg"),
    ...                               ("DBP", "DIABP", "Diastolic Blood Pressure", "mmHg")],
    ...                              columns=["COLUMN", "TESTCD", "TEST", "ORRESU"])
    >>> vs = derive_findings_records(page, domain="VS", tests=tests, id_vars=["SUBJID"], findings=Findings())
    >>> vs[["SUBJID", "VSTESTCD", "VSORRES", "VSORRESU", "VSSTAT"]].values.tolist()
    [['001', 'SYSBP', '128', 'mmHg', ''], ['001', 'DIABP', '82', 'mmHg', ''], ['002', 'SYSBP', '', 'mmHg', 'NOT DONE']]
    """
    if blank not in ("drop", "not done"):
        raise DerivationError(f"blank={blank!r} is not allowed", value=blank, hint="use 'drop' or 'not done'")
    d = _domain(domain)
    frame = tests.frame()
    id_vars = as_list(id_vars)
    unit_cols = [c for c in frame.get("UNITCOL", pd.Series(dtype=object)).map(_blank_key) if c]
    assert_has_columns(dataset, id_vars + list(frame["COLUMN"]) + unit_cols, name=dataset_name)
    n, k = len(dataset), len(frame)
    values = np.empty((n, k), dtype=object)
    units = np.empty((n, k), dtype=object)
    default_unit = frame["ORRESU"].map(_blank_key).to_numpy(dtype=object) if "ORRESU" in frame else np.full(k, "")
    for j, (col, ucol) in enumerate(zip(frame["COLUMN"], frame.get("UNITCOL", pd.Series([None] * k)))):
        values[:, j] = as_text(dataset[col]).to_numpy(dtype=object)
        typed = as_text(dataset[_blank_key(ucol)]).to_numpy(dtype=object) if _blank_key(ucol) else None
        units[:, j] = default_unit[j] if typed is None else np.where(typed != "", typed, default_unit[j])
    flat = values.reshape(-1)
    nd = {str(v).strip().upper() for v in not_done}
    is_nd = compute_on_distinct(pd.Series(flat), lambda s: s.str.upper().isin(nd).to_numpy(), missing=False)
    is_nd = is_nd.to_numpy(dtype=bool)
    empty = flat == ""
    keep = ~empty if blank == "drop" else np.ones(len(flat), dtype=bool)
    if blank == "drop" and empty.any():
        per_test = empty.reshape(n, k).sum(axis=0)
        dropped = ", ".join(f"{t} {c}" for t, c in zip(frame["TESTCD"], per_test) if c)
        if findings is not None:
            findings.add("note", "findings_not_collected",
                         f"{int(empty.sum())} empty result cell(s) of the page made no {d} record "
                         f"(not collected): {dropped}", dataset=dataset_name or d)
    rows = np.repeat(np.arange(n), k)[keep]
    cols = np.tile(np.arange(k), n)[keep]
    out = dataset[id_vars].iloc[rows].reset_index(drop=True)
    out[f"{d}TESTCD"] = frame["TESTCD"].to_numpy(dtype=object)[cols]
    out[f"{d}TEST"] = frame["TEST"].to_numpy(dtype=object)[cols]
    for q in tests.qualifiers:
        out[f"{d}{q}"] = frame[q].map(_blank_key).to_numpy(dtype=object)[cols]
    out[f"{d}ORRES"] = np.where(is_nd, "", flat)[keep]
    out[f"{d}ORRESU"] = units.reshape(-1)[keep]
    out[f"{d}STAT"] = np.where(is_nd | empty, "NOT DONE", "")[keep]
    for col in out.columns[len(id_vars):]:
        out[col] = out[col].astype(str)
    return out


def _domain(domain: str) -> str:
    if not isinstance(domain, str) or not re.fullmatch(r"[A-Z]{2}", domain):
        raise DerivationError(f"domain {domain!r} is not a two-letter domain code", value=domain,
                              hint="e.g. domain='LB'")
    return domain


# --------------------------------------------------------------------------- standard units


def _number_text(x: float, decimals: int) -> str:
    return f"{x:.{int(decimals)}f}"


def _parse(values: pd.Series) -> pd.DataFrame:
    """Per distinct text: kind (``num``, ``qual``, ``text``, ``blank``), operator, number."""
    text = values.astype(str).str.strip()
    num = text.str.fullmatch(_NUMBER.pattern)
    qual = text.str.extract(_QUALIFIED.pattern)
    kind = np.where(text == "", "blank", np.where(num, "num", np.where(qual[0].notna(), "qual", "text")))
    number = pd.to_numeric(text.where(num, qual[1]), errors="coerce")
    return pd.DataFrame({"kind": kind, "op": qual[0].fillna("").to_numpy(), "number": number.to_numpy(float)})


def derive_vars_std_units(
    dataset: pd.DataFrame,
    *,
    domain: str,
    conversions: UnitConversions,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Add ``--STRESC``, ``--STRESN``, ``--STRESU`` (and ``--STNRLO``/``--STNRHI`` when the
    records have ``--ORNRLO``/``--ORNRHI``) by the :class:`UnitConversions` table.

    Parameters
    ----------
    dataset
        Findings records with ``--TESTCD``, ``--ORRES`` and ``--ORRESU``.
    domain
        The two-letter domain prefix of the variables.
    conversions
        The table of ``(TESTCD, ORRESU) -> STRESU, FACTOR, DECIMALS``.
    dataset_name
        The dataset's name in messages (default: ``domain``).

    What each kind of result becomes:

    ==============================  =======================================  ==========  =========
    ``--ORRES``                     ``--STRESC``                             ``--STRESN``  ``--STRESU``
    ==============================  =======================================  ==========  =========
    a number (``10.5`` g/dL)        the converted number (``105``)           105         g/L
    a number with ``<``/``>``       the operator and the converted number    missing     g/L
    (``<0.5``)                      (``<5``)
    other text (``NEGATIVE``)       the text as collected                    missing     blank
    blank (not done)                blank                                    missing     blank
    ==============================  =======================================  ==========  =========

    A number whose ``(--TESTCD, --ORRESU)`` the table lacks is an error naming the dataset,
    test, unit, first subject and the count of such records: add the row (factor 1 when the
    unit is already the standard one). Reference range limits are converted the same way
    (a limit that is not a number is an error).

    Examples
    --------
    >>> lb = pd.DataFrame({"USUBJID": "1", "LBTESTCD": ["GLUC", "GLUC", "CREAT", "CREAT"],
    ...                    "LBORRES": ["99", "<20", "1.02", "HEMOLYSED"], "LBORRESU": ["mg/dL", "mg/dL", "mg/dL", ""],
    ...                    "LBORNRLO": ["70", "70", "0.6", ""], "LBORNRHI": ["110", "110", "1.2", ""]})
    >>> units = UnitConversions.from_records([("GLUC", "mg/dL", "mmol/L", 0.0555, 1),
    ...                                       ("CREAT", "mg/dL", "umol/L", 88.4, 0)])
    >>> out = derive_vars_std_units(lb, domain="LB", conversions=units)
    >>> out[["LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI"]].astype(object).fillna("").values.tolist()
    [['5.5', 5.5, 'mmol/L', 3.9, 6.1], ['<1.1', '', 'mmol/L', 3.9, 6.1], ['90', 90.0, 'umol/L', 53.0, 106.0], ['HEMOLYSED', '', '', '', '']]
    """
    d = _domain(domain)
    name = dataset_name or d
    testcd, orres, orresu = f"{d}TESTCD", f"{d}ORRES", f"{d}ORRESU"
    assert_has_columns(dataset, [testcd, orres, orresu], name=name)
    table = conversions.frame()
    table["_K"] = table["TESTCD"].astype(str) + "\x00" + table["ORRESU"].map(unit_key)
    index = {k: i for i, k in enumerate(table["_K"])}
    factor = table["FACTOR"].to_numpy(dtype=float)
    decimals = table["DECIMALS"].to_numpy(dtype=np.int64)
    stresu_tab = table["STRESU"].map(_blank_key).to_numpy(dtype=object)

    # the conversion row of each distinct (test, unit) pair, spread over the records by the pair's code
    pair_codes, key = _pair_keys(as_text(dataset[testcd]), compute_on_distinct(
        dataset[orresu], lambda u: [unit_key(x) for x in u], missing=""))
    row = np.array([index.get(k, -1) for k in key], dtype=np.int64)[pair_codes]
    parsed = _parse_column(dataset[orres])
    kind, op, number = parsed
    convert = (kind == "num") | (kind == "qual")
    unknown = convert & (row < 0)
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        bad = pd.Series(key[pair_codes[unknown]]).str.replace("\x00", " in ", regex=False).str.rstrip(" in")
        raise DerivationError(
            f"{int(unknown.sum())} numeric result(s) have no unit conversion: "
            f"{listing(sorted(bad.unique()))}", dataset=name, variable=orresu,
            usubjid=str(dataset["USUBJID"].iloc[first]) if "USUBJID" in dataset.columns else None,
            value=str(dataset[orres].iloc[first]),
            hint="add (TESTCD, ORRESU, STRESU, FACTOR, DECIMALS) rows to the unit conversions "
                 "(factor 1 when the collected unit is the standard one)")
    r = np.where(row >= 0, row, 0)
    dec = decimals[r]
    value = _round_rows(number * factor[r], dec)
    added = {}  # the new variables, given to assign: the input's columns are not copied
    stresn = np.where(kind == "num", value, np.nan)
    stresc = _format_rows(value, dec, convert)  # numbers; then the operator of a qualified one, text as typed
    qual, as_typed = kind == "qual", kind == "text"
    stresc[qual] = op[qual] + stresc[qual]
    stresc[as_typed] = as_text(dataset[orres])[as_typed].to_numpy(dtype=object)
    stresc[~(convert | as_typed)] = ""
    added[f"{d}STRESC"] = pd.Series(stresc, index=dataset.index).astype(str)
    added[f"{d}STRESN"] = stresn
    added[f"{d}STRESU"] = pd.Series(np.where(convert, stresu_tab[r], ""), index=dataset.index).astype(str)
    for lim, new in ((f"{d}ORNRLO", f"{d}STNRLO"), (f"{d}ORNRHI", f"{d}STNRHI")):
        if lim not in dataset.columns:
            continue
        lk, _, lnum = _parse_column(dataset[lim])
        bad = (lk != "num") & (lk != "blank")
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DerivationError(f"reference range limit is not a number", dataset=name, variable=lim,
                                  value=str(dataset[lim].iloc[first]),
                                  hint="a range limit is a number in the unit of the result")
        missing_conv = (lk == "num") & (row < 0)
        if missing_conv.any():
            first = int(np.flatnonzero(missing_conv)[0])
            raise DerivationError(f"a reference range has no unit conversion for its test and unit", dataset=name,
                                  variable=lim, value=str(key[pair_codes[first]]).replace("\x00", " in "),
                                  hint="add the (TESTCD, ORRESU) row to the unit conversions")
        added[new] = np.where(lk == "num", _round_rows(lnum * factor[r], dec), np.nan)
    return dataset.assign(**added)


def _pair_keys(first: pd.Series, second: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row's pair of values, ``"<first>\\x00<second>"`` of each distinct pair): the pairs of two
    text columns joined once per distinct pair, not once per row."""
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays([first, second]))
    return codes, np.array([f"{a}\x00{b}" for a, b in uniques], dtype=object)


def _parse_column(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(as_text(values))
    parsed = _parse(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    if len(uniques) == 0:
        return np.array([], dtype=object), np.array([], dtype=object), np.array([], dtype=float)
    return (parsed["kind"].to_numpy(dtype=object)[codes], parsed["op"].to_numpy(dtype=object)[codes],
            parsed["number"].to_numpy(dtype=float)[codes])


def _round_rows(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """round_sas with a number of decimals per row (one pass per distinct number of decimals)."""
    out = np.full(len(values), np.nan)
    for dec in np.unique(decimals):
        m = decimals == dec
        out[m] = round_sas(values[m], int(dec))
    return out


def _format_rows(values: np.ndarray, decimals: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rounded values as text with their number of decimals (each distinct pair formatted once)."""
    out = np.full(len(values), "", dtype=object)
    if not mask.any():
        return out
    pairs = pd.DataFrame({"v": values[mask], "d": decimals[mask]})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
    texts = np.array([_number_text(v, dd) if np.isfinite(v) else "" for v, dd in uniques], dtype=object)
    out[mask] = texts[codes]
    return out


# --------------------------------------------------------------------------- reference ranges


def derive_vars_ref_ranges(
    dataset: pd.DataFrame,
    *,
    domain: str,
    ranges: ReferenceRanges,
    findings: Findings | None = None,
    dataset_name: str | None = None,
) -> pd.DataFrame:
    """Add ``--ORNRLO`` and ``--ORNRHI`` (text, in the collected unit) from a
    :class:`ReferenceRanges` table.

    Parameters
    ----------
    dataset
        Findings records with ``--TESTCD``, ``--ORRESU`` and the table's further keys (e.g.
        ``SEX``, merged from DM beforehand).
    domain
        The two-letter domain prefix.
    ranges
        The laboratory's normal ranges; a blank key value matches any record, the most specific
        matching row wins.
    findings
        Collects one warning per test and unit that the table covers for another unit only
        (the result has no range: a unit the laboratory's ranges do not state). Without it such
        records are an error.
    dataset_name
        The dataset's name in messages.

    Tests the table does not list get blank limits (e.g. vital signs). Records without a
    result (not done) get the range all the same: it belongs to the test and unit.

    Examples
    --------
    >>> lb = pd.DataFrame({"LBTESTCD": ["HGB", "HGB", "LYM"], "LBORRESU": ["g/dL", "g/dL", "10^9/L"],
    ...                    "SEX": ["M", "F", "F"]})
    >>> r = ReferenceRanges.from_records([("HGB", "g/dL", "M", "13.0", "17.5"), ("HGB", "g/dL", "F", "11.5", "15.0"),
    ...                                   ("LYM", "10^9/L", "", "1.1", "3.2")],
    ...                                  columns=["TESTCD", "ORRESU", "SEX", "ORNRLO", "ORNRHI"])
    >>> derive_vars_ref_ranges(lb, domain="LB", ranges=r)[["LBORNRLO", "LBORNRHI"]].values.tolist()
    [['13.0', '17.5'], ['11.5', '15.0'], ['1.1', '3.2']]
    """
    d = _domain(domain)
    name = dataset_name or d
    extra = [k for k in ranges.keys if k not in ("TESTCD", "ORRESU")]
    assert_has_columns(dataset, [f"{d}TESTCD", f"{d}ORRESU"] + extra, name=name)
    table = ranges.frame()
    table["ORRESU"] = table["ORRESU"].map(unit_key)
    for col in ranges.keys:
        table[col] = table[col].map(_blank_key)
    table["_N"] = (table[ranges.keys] != "").sum(axis=1)
    # the ranges are found for each distinct combination of the keys (row i of records), then spread over the
    # records of the combination (combination: each record's row)
    combination, records = pd.factorize(pd.MultiIndex.from_arrays(
        [as_text(dataset[f"{d}TESTCD"]).array,
         compute_on_distinct(dataset[f"{d}ORRESU"], lambda u: [unit_key(x) for x in u], missing="").array]
        + [as_text(dataset[col]).array for col in extra]))
    records = records.to_frame(index=False, name=["TESTCD", "ORRESU"] + extra).astype(object)
    lo = np.full(len(records), "", dtype=object)
    hi = np.full(len(records), "", dtype=object)
    done = np.zeros(len(records), dtype=bool)
    # the most specific rows first; one merge per pattern of filled keys
    filled = table[ranges.keys].to_numpy(dtype=object) != ""
    patterns = table.assign(_P=[tuple(k for k, f in zip(ranges.keys, row) if f) for row in filled])
    for pattern, rows in sorted(patterns.groupby("_P", sort=False), key=lambda kv: -len(kv[0])):
        keys = list(pattern)
        hit = records.reset_index().merge(rows[keys + ["ORNRLO", "ORNRHI"]], on=keys, how="inner")
        pos = hit["index"].to_numpy()
        new = ~done[pos]
        lo[pos[new]] = [_blank_key(v) for v in hit["ORNRLO"].to_numpy()[new]]
        hi[pos[new]] = [_blank_key(v) for v in hit["ORNRHI"].to_numpy()[new]]
        done[pos[new]] = True
    covered = set(table["TESTCD"])
    other_unit = (~done & records["TESTCD"].isin(covered).to_numpy() & (records["ORRESU"] != "").to_numpy())[combination]
    lo, hi = lo[combination], hi[combination]
    if other_unit.any():
        records = records.iloc[combination].reset_index(drop=True)  # the records' keys again, for the messages
        pairs = records.loc[other_unit, ["TESTCD", "ORRESU"]].value_counts(sort=False)
        for (test, unit), count in pairs.items():
            first = int(np.flatnonzero(other_unit & (records["TESTCD"] == test).to_numpy()
                                       & (records["ORRESU"] == unit).to_numpy())[0])
            usubjid = str(dataset["USUBJID"].iloc[first]) if "USUBJID" in dataset.columns else None
            message = (f"{count} {test} record(s) in unit {unit} have no reference range (the ranges of {test} "
                       "are in another unit or for other keys)")
            if findings is None:
                raise DerivationError(message, dataset=name, variable=f"{d}ORNRLO", usubjid=usubjid, value=unit,
                                      hint="add the range in this unit, or pass findings= to report and continue")
            findings.add("warning", "reference_range_missing", message, dataset=name, variable=f"{d}ORNRLO",
                         usubjid=usubjid, value=unit)
    added = {}  # the new variables, given to assign: the input's columns are not copied
    added[f"{d}ORNRLO"] = pd.Series(lo, index=dataset.index).astype(str)
    added[f"{d}ORNRHI"] = pd.Series(hi, index=dataset.index).astype(str)
    return dataset.assign(**added)


__all__ = ["TestMap", "UnitConversions", "ReferenceRanges", "unit_key", "derive_findings_records",
           "derive_vars_std_units", "derive_vars_ref_ranges"]
