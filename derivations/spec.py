"""Read a Pinnacle 21 define-spec workbook into a metadata model.

The workbook layout is the one Pinnacle 21 (Community and Enterprise) exports and
most sponsors keep their specs in: sheets ``Study`` (or ``Define``),
``Datasets``, ``Variables``, ``ValueLevel``, ``Codelists``, ``Dictionaries``,
``Methods``, ``Comments``, ``Documents``. Column names are matched
case-insensitively; unknown columns are ignored, absent optional ones are empty.

Every cell is read as text: ``01`` stays ``01`` and a code typed as the number
``1`` becomes ``"1"`` (never ``1.0``).

Example
-------
>>> spec = read_spec("specs/sdtm_spec.xlsx")            # doctest: +SKIP
>>> dm = spec.dataset("DM")                               # doctest: +SKIP
>>> [v.name for v in dm.variables][:3]                    # doctest: +SKIP
['STUDYID', 'DOMAIN', 'USUBJID']
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .findings import Finding, Findings, SpecError

#: Define-XML data types stored as SAS numerics; everything else is character,
#: except date/time types that carry a SAS format (ADaM numeric dates).
NUMERIC_TYPES = {"integer", "float", "double", "decimal"}
DATE_FORMATS = ("DATE", "DATETIME", "TIME", "E8601DA", "E8601DT", "E8601TM", "YYMMDD", "IS8601DA", "IS8601DT")


def _text(value: object) -> str:
    """Cell value as text; integers never get a trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value).strip()


def _yes(value: str) -> bool:
    return value.strip().lower() in {"yes", "y", "true", "1"}


@dataclass(frozen=True)
class Term:
    """One codelist term: submission value, decode, NCI code, order."""

    term: str
    decode: str = ""
    nci_code: str = ""
    order: int | None = None


@dataclass(frozen=True)
class Codelist:
    id: str
    name: str = ""
    data_type: str = "text"
    nci_code: str = ""
    terminology: str = ""
    extensible: bool = False
    terms: tuple[Term, ...] = ()
    comment: str = ""

    @property
    def values(self) -> list[str]:
        """Submission values in codelist order."""
        return [t.term for t in self.terms]

    def decode(self) -> dict[str, str]:
        return {t.term: t.decode for t in self.terms if t.decode}

    def __str__(self) -> str:
        ext = "extensible" if self.extensible else "non-extensible"
        return f"Codelist {self.id} ({self.name}, {ext}): " + ", ".join(self.values)


@dataclass(frozen=True)
class VariableSpec:
    dataset: str
    name: str
    label: str = ""
    data_type: str = "text"
    length: int | None = None
    significant_digits: int | None = None
    format: str = ""
    mandatory: bool = False
    assigned_value: str = ""
    codelist: str = ""
    common: str = ""
    origin: str = ""
    source: str = ""
    pages: str = ""
    method: str = ""
    predecessor: str = ""
    role: str = ""
    comment: str = ""
    order: int = 0
    #: the Variables sheet's Has No Data: the variable is in the dataset but holds no value
    has_no_data: bool = False

    @property
    def xpt_type(self) -> str:
        """``"num"`` or ``"char"``: how the variable is stored in SAS XPORT."""
        if self.data_type.lower() in NUMERIC_TYPES:
            return "num"
        if self.format and self.format.upper().startswith(DATE_FORMATS):
            return "num"
        return "char"

    @property
    def is_iso8601(self) -> bool:
        """A character variable holding ISO 8601 text (e.g. --DTC, --DUR)."""
        dt = self.data_type.lower()
        return self.xpt_type == "char" and (
            dt in {"date", "datetime", "time", "partialdate", "partialtime", "partialdatetime",
                   "incompletedatetime", "durationdatetime"}
            or self.name.endswith("DTC")
        )


@dataclass(frozen=True)
class ValueLevelSpec:
    dataset: str
    variable: str
    where_clause: str
    label: str = ""
    data_type: str = "text"
    length: int | None = None
    significant_digits: int | None = None
    format: str = ""
    mandatory: bool = False
    codelist: str = ""
    origin: str = ""
    source: str = ""
    method: str = ""
    comment: str = ""
    order: int = 0
    assigned_value: str = ""
    pages: str = ""
    predecessor: str = ""


@dataclass(frozen=True)
class WhereCondition:
    """One row of a P21 WhereClauses sheet: ``DATASET.VARIABLE COMPARATOR VALUE(S)``."""

    dataset: str
    variable: str
    comparator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class WhereClause:
    """A where clause of the WhereClauses sheet: its rows (several rows: all must hold)."""

    id: str
    conditions: tuple[WhereCondition, ...]
    comment: str = ""

    def __str__(self) -> str:
        parts = []
        for c in self.conditions:
            vals = ", ".join(f"'{v}'" for v in c.values)
            parts.append(f"{c.variable} {c.comparator} ({vals})" if c.comparator in ("IN", "NOTIN")
                         else f"{c.variable} {c.comparator} {vals}")
        return " AND ".join(parts)


@dataclass(frozen=True)
class Method:
    id: str
    name: str = ""
    type: str = ""
    description: str = ""
    expression_context: str = ""
    expression_code: str = ""
    document: str = ""
    pages: str = ""


@dataclass(frozen=True)
class Comment:
    id: str
    description: str = ""
    document: str = ""
    pages: str = ""


@dataclass(frozen=True)
class Document:
    id: str
    title: str = ""
    href: str = ""


@dataclass(frozen=True)
class Dictionary:
    id: str
    name: str = ""
    data_type: str = "text"
    dictionary: str = ""
    version: str = ""


@dataclass
class DatasetSpec:
    name: str
    label: str = ""
    cls: str = ""
    subclass: str = ""
    structure: str = ""
    keys: list[str] = field(default_factory=list)
    standard: str = ""
    has_no_data: bool = False
    repeating: str = ""
    reference_data: str = ""
    comment: str = ""
    #: the SDTM domain of a split dataset (LBCH -> LB) when the Datasets sheet names it
    domain: str = ""
    variables: list[VariableSpec] = field(default_factory=list)
    value_level: list[ValueLevelSpec] = field(default_factory=list)

    @property
    def variable_names(self) -> list[str]:
        return [v.name for v in self.variables]

    def variable(self, name: str) -> VariableSpec:
        for v in self.variables:
            if v.name == name:
                return v
        raise SpecError(
            "variable not in the spec",
            dataset=self.name,
            variable=name,
            hint=f"variables of {self.name}: {', '.join(self.variable_names)}",
        )


@dataclass
class Spec:
    """A whole define spec: study attributes, datasets, codelists, methods, comments."""

    path: Path | None = None
    study: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    codelists: dict[str, Codelist] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    dictionaries: dict[str, Dictionary] = field(default_factory=dict)
    #: the WhereClauses sheet (P21 Enterprise) by ID; ValueLevel rows may name an ID as their where clause
    where_clauses: dict[str, WhereClause] = field(default_factory=dict)
    #: where each spec item was read: ("Variables", DATASET, VARIABLE) -> Excel row (for error messages)
    locations: dict[tuple[str, str, str], int] = field(default_factory=dict, repr=False, compare=False)

    def where(self, row: "ValueLevelSpec") -> list[tuple[str, str, list[str]]]:
        """The conditions of a value-level row: its WhereClauses ID, else its where-clause text parsed."""
        wc = self.where_clauses.get(row.where_clause)
        if wc is not None:
            return [(c.variable, c.comparator, list(c.values)) for c in wc.conditions]
        from .define import parse_where_clause

        return parse_where_clause(row.where_clause)

    def located(self, sheet: str, dataset: str, name: str, column: str) -> str:
        """``" (Variables row 12, column Label)"`` when the item was read from a workbook, else ``""``."""
        row = self.locations.get((sheet, dataset, name))
        return f" ({sheet} row {row}, column {column})" if row else ""

    def dataset(self, name: str) -> DatasetSpec:
        key = name.upper()
        if key not in self.datasets:
            raise SpecError(
                "dataset not in the spec",
                dataset=key,
                hint=f"the spec {self.path or ''} defines: {', '.join(self.datasets)}",
            )
        return self.datasets[key]

    def codelist(self, id: str) -> Codelist:
        if id not in self.codelists:
            raise SpecError(
                f"codelist {id!r} not in the spec",
                hint=f"codelists defined: {', '.join(self.codelists)}",
            )
        return self.codelists[id]


# --------------------------------------------------------------------------- reading

_SHEET_ALIASES = {
    "study": ("Study", "Define"),
    "datasets": ("Datasets",),
    "variables": ("Variables",),
    "valuelevel": ("ValueLevel", "Value Level"),
    "whereclauses": ("WhereClauses", "Where Clauses"),
    "codelists": ("Codelists",),
    "dictionaries": ("Dictionaries",),
    "methods": ("Methods",),
    "comments": ("Comments",),
    "documents": ("Documents",),
}
#: Per sheet: the columns that identify a row. A row whose first key cell is not a name (it holds a space,
#: a colon, ...) and whose other key cells are empty is a legend or comment row, and is skipped.
_KEY_COLUMNS = {"datasets": ("dataset",), "variables": ("dataset", "variable"),
                "valuelevel": ("dataset", "variable"), "whereclauses": ("id",), "codelists": ("id",),
                "dictionaries": ("id",), "methods": ("id",), "comments": ("id",), "documents": ("id",),
                "study": ("attribute",)}
_NAME_LIKE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _merged_cells(path: Path) -> dict[str, list[str]]:
    """Sheet title -> merged ranges (``B3:C3``), read from the workbook's XML (read-only mode cannot see them)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        if "xl/workbook.xml" not in names:
            return {}
        wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace") if "xl/_rels/workbook.xml.rels" in names else ""
        targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        out = {}
        for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*/>", wb):
            title = re.search(r'name="([^"]*)"', tag)
            rid = re.search(r'r:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
            if not title or not rid or rid.group(1) not in targets:
                continue
            target = targets[rid.group(1)].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            if target in names:
                refs = re.findall(rb'<(?:\w+:)?mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', z.read(target))
                if refs:
                    out[_unescape(title.group(1))] = [r.decode() for r in refs]
        return out


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


class _Workbook:
    """A spec workbook's sheets as rows of text, with every formula and merged cell collected as a problem."""

    def __init__(self, path: Path):
        import zipfile

        import openpyxl  # lazy: keeps `derive --help` fast
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        if path.suffix.lower() in (".xls", ".xlsb", ".ods", ".csv"):
            raise SpecError(f"spec workbook {path} is a {path.suffix} file; the spec must be an Excel .xlsx workbook",
                            hint="open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook)")
        try:
            self.merged = _merged_cells(path)
            self.wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError, OSError) as exc:
            raise SpecError(f"spec workbook {path} cannot be read as an .xlsx workbook: it is truncated or "
                            f"damaged ({type(exc).__name__}: {exc})",
                            hint="save the workbook again from Excel, or restore it from version control") from None
        self.problems: list[str] = []
        self.columns: dict[str, list[str]] = {}

    def close(self) -> None:
        self.wb.close()

    def title(self, key: str) -> str | None:
        names = {_norm(ws): ws for ws in self.wb.sheetnames}
        return next((names[_norm(a)] for a in _SHEET_ALIASES[key] if _norm(a) in names), None)

    def rows(self, key: str, *, required: bool = False) -> list[dict[str, str]]:
        """The sheet's data rows: {normalised column: text, "_row": Excel row}; legend rows skipped."""
        title = self.title(key)
        if title is None:
            if required:
                raise SpecError(f"spec workbook {self.path} has no sheet {_SHEET_ALIASES[key][0]!r}",
                                hint=f"sheets present: {', '.join(self.wb.sheetnames)}")
            return []
        for ref in self.merged.get(title, []):
            self.problems.append(f"sheet {title} cells {ref} are merged: a spec cell holds one value "
                                 f"(unmerge them and fill each cell)")
        it = self.wb[title].iter_rows()
        header = next(it, None)
        if header is None:
            return []
        heads = [_text(c.value) for c in header]
        cols = [_norm(h) for h in heads]
        self.columns[key] = cols
        keys = [k for k in _KEY_COLUMNS.get(key, ()) if k in cols]
        out = []
        for excel_row, cells in enumerate(it, start=2):
            record = {}
            for i, (c, cell) in enumerate(zip(cols, cells)):
                if not c:
                    continue
                value = cell.value
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                                and getattr(cell, "data_type", None) != "s"):
                    self.problems.append(f"sheet {title} row {excel_row} column {heads[i]} "
                                         f"({_column_letter(i)}{excel_row}) holds a formula {str(value)[:60]!r}: "
                                         "a spec cell must hold its value (copy, then paste values)")
                    value = None
                record[c] = _text(value)
            if not any(record.values()):
                continue
            if keys and not _NAME_LIKE.match(record.get(keys[0], "") or "_") \
                    and not any(record.get(k) for k in keys[1:]):
                continue  # a legend or comment row ("Legend: ...", "* expected variables")
            record["_row"] = str(excel_row)
            record["_sheet"] = title
            out.append(record)
        return out


_WHOLE_HINT = "enter a whole number (e.g. 8), or leave the cell empty: fix the workbook"


def _int(value: str, *, where: str) -> int | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise SpecError(f"{where}: {value!r} is not a whole number", hint=_WHOLE_HINT) from None
    if not number.is_integer():
        raise SpecError(f"{where}: {value!r} is not a whole number", hint=_WHOLE_HINT)
    return int(number)


#: How a column of the P21 ``Variables`` / ``ValueLevel`` sheets maps to a field of
#: :class:`VariableSpec` / :class:`ValueLevelSpec` (None: that sheet has no such column),
#: in the sheets' column order. :func:`read_spec` matches the column names case- and
#: space-insensitively; :func:`write_spec` writes them as here.
_P21_VARIABLE_COLUMNS = (
    # column                Variables sheet         ValueLevel sheet
    ("Order",               "order",                "order"),
    ("Dataset",             "dataset",              "dataset"),
    ("Variable",            "name",                 "variable"),
    ("Where Clause",        None,                   "where_clause"),
    ("Label",               "label",                "label"),
    ("Data Type",           "data_type",            "data_type"),
    ("Length",              "length",               "length"),
    ("Significant Digits",  "significant_digits",   "significant_digits"),
    ("Format",              "format",               "format"),
    ("Mandatory",           "mandatory",            "mandatory"),
    ("Assigned Value",      "assigned_value",       "assigned_value"),
    ("Codelist",            "codelist",             "codelist"),
    ("Common",              "common",               None),
    ("Origin",              "origin",               "origin"),
    ("Source",              "source",               "source"),
    ("Pages",               "pages",                "pages"),
    ("Method",              "method",               "method"),
    ("Predecessor",         "predecessor",          "predecessor"),
    ("Role",                "role",                 None),
    ("Has No Data",         "has_no_data",          None),
    ("Comment",             "comment",              "comment"),
)
#: (column, field) pairs of each sheet.
_VARIABLE_COLUMNS = tuple((c, f) for c, f, _ in _P21_VARIABLE_COLUMNS if f)
_VALUE_LEVEL_COLUMNS = tuple((c, f) for c, _, f in _P21_VARIABLE_COLUMNS if f)
#: Fields read as upper-case text, and fields read as whole numbers (in this order, so the
#: error names the first bad one); ``data_type`` defaults to ``text``; Yes/No fields.
_UPPER_FIELDS = ("dataset", "name", "variable")
_WHOLE_NUMBER_FIELDS = ("length", "significant_digits", "order")
_YES_NO_FIELDS = ("mandatory", "has_no_data")


def _fields(r: dict[str, str], columns, *, where: str, column_in_where: tuple[str, ...] = ()) -> dict[str, object]:
    """Keyword arguments of a :class:`VariableSpec` / :class:`ValueLevelSpec` from one sheet row.

    ``columns``: :data:`_VARIABLE_COLUMNS` or :data:`_VALUE_LEVEL_COLUMNS`. ``where`` locates the
    row in the error about a cell that is not a whole number; for the columns named in
    ``column_in_where`` the column name follows it. P21's ``Description`` column is the label
    when the sheet has no ``Label`` column.

    >>> r = {"dataset": "dm", "variable": "age", "length": "8", "mandatory": "Yes", "_row": "2"}
    >>> f = _fields(r, _VALUE_LEVEL_COLUMNS, where="row 2")
    >>> (f["dataset"], f["variable"], f["data_type"], f["length"], f["mandatory"], f["order"])
    ('DM', 'AGE', 'text', 8, True, 0)
    """
    out: dict[str, object] = {f: r.get(_norm(c), "") for c, f in columns}
    column = {f: c for c, f in columns}
    if not out.get("label") and r.get("description"):
        out["label"] = r["description"]
    for f in _UPPER_FIELDS:
        if f in out:
            out[f] = out[f].upper()
    out["data_type"] = out["data_type"] or "text"
    for f in _YES_NO_FIELDS:
        if f in out:
            out[f] = _yes(out[f])
    for f in _WHOLE_NUMBER_FIELDS:
        out[f] = _int(out[f], where=where + (f" {column[f]}" if column[f] in column_in_where else ""))
    out["order"] = out["order"] or 0
    return out


def _check_length(r: dict[str, str], value: int | None, where: str, problems: list[str]) -> None:
    if value is not None and value < 1:
        problems.append(f"{where} column Length: {value} is not a length (a character variable holds 1-200 "
                        "bytes; a numeric one 8)")


def _read_datasets(book: _Workbook, spec: Spec) -> None:
    for r in book.rows("datasets", required=True):
        name = r.get("dataset", "").upper()
        if not name:
            if any(r.get(k) for k in ("label", "description", "class", "structure", "keyvariables")):
                book.problems.append(f"sheet {r['_sheet']} row {r['_row']} column Dataset is empty: "
                                     "name the dataset (or delete the row)")
            continue
        keys = [k.strip().upper() for k in re.split(r"[,\s]+", r.get("keyvariables", "")) if k.strip()]
        spec.datasets[name] = DatasetSpec(
            name=name, label=(r.get("label", "") or r.get("description", "")).strip(), cls=r.get("class", ""),
            subclass=r.get("subclass", ""), structure=r.get("structure", ""), keys=keys,
            standard=r.get("standard", ""), has_no_data=_yes(r.get("hasnodata", "")),
            repeating=r.get("repeating", ""), reference_data=r.get("referencedata", ""),
            comment=r.get("comment", ""), domain=r.get("domain", "").upper())
        spec.locations[("Datasets", name, "")] = int(r["_row"])


def _read_variables(book: _Workbook, spec: Spec, path: Path) -> None:
    for r in book.rows("variables", required=True):
        ds, var = r.get("dataset", "").upper(), r.get("variable", "").upper()
        if not var:
            continue
        if not ds:
            book.problems.append(f"sheet {r['_sheet']} row {r['_row']} column Dataset is empty for variable "
                                 f"{var}: name its dataset")
            continue
        where = f"{path.name} Variables row {r['_row']} ({ds}.{var})"
        if ds not in spec.datasets:
            raise SpecError(f"{where}: dataset {ds} is not on the Datasets sheet",
                            dataset=ds, variable=var, hint="add the dataset to the Datasets sheet")
        fields = _fields(r, _VARIABLE_COLUMNS, where=where, column_in_where=("Length", "Order"))
        _check_length(r, fields["length"], f"sheet {r['_sheet']} row {r['_row']} ({ds}.{var})", book.problems)
        spec.datasets[ds].variables.append(VariableSpec(**fields))
        spec.locations[("Variables", ds, var)] = int(r["_row"])
    for ds in spec.datasets.values():
        ds.variables.sort(key=lambda v: v.order)


def _read_value_level(book: _Workbook, spec: Spec, path: Path) -> None:
    for r in book.rows("valuelevel"):
        ds = r.get("dataset", "").upper()
        if not ds:
            if r.get("variable"):
                book.problems.append(f"sheet {r['_sheet']} row {r['_row']} column Dataset is empty: name the "
                                     "dataset of the value-level row")
            continue
        where = f"{path.name} ValueLevel row {r['_row']}"
        vl = ValueLevelSpec(**_fields(r, _VALUE_LEVEL_COLUMNS, where=where))
        if ds not in spec.datasets:
            book.problems.append(f"sheet {r['_sheet']} row {r['_row']} column Dataset: {ds} is not on the "
                                 "Datasets sheet")
            continue
        spec.datasets[ds].value_level.append(vl)
        spec.locations[("ValueLevel", ds, f"{vl.variable} {vl.where_clause}")] = int(r["_row"])


def _read_where_clauses(book: _Workbook, spec: Spec) -> None:
    conds: dict[str, list[WhereCondition]] = {}
    comments: dict[str, str] = {}
    for r in book.rows("whereclauses"):
        wid = r.get("id", "")
        if not wid:
            continue
        op = re.sub(r"\s+", "", r.get("comparator", "").upper()) or "EQ"
        if op not in ("EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN"):
            book.problems.append(f"sheet {r['_sheet']} row {r['_row']} column Comparator: {op!r} is not one of "
                                 "EQ, NE, LT, LE, GT, GE, IN, NOTIN")
            continue
        raw = r.get("value", "")
        values = tuple(v.strip().strip("'\"") for v in raw.split(",")) if op in ("IN", "NOTIN") else (raw,)
        conds.setdefault(wid, []).append(WhereCondition(r.get("dataset", "").upper(), r.get("variable", "").upper(),
                                                        op, values))
        if r.get("comment"):
            comments[wid] = r["comment"]
    for wid, cs in conds.items():
        spec.where_clauses[wid] = WhereClause(wid, tuple(cs), comments.get(wid, ""))


def _read_codelists(book: _Workbook, spec: Spec) -> None:
    rows = book.rows("codelists")
    has_extensible = "extensible" in book.columns.get("codelists", [])
    terms: dict[str, list[Term]] = {}
    heads: dict[str, dict[str, str]] = {}
    for r in rows:
        cid = r.get("id", "")
        if not cid:
            continue
        heads.setdefault(cid, r)
        if r.get("term", "") != "" or r.get("decodedvalue", ""):
            terms.setdefault(cid, []).append(Term(term=r.get("term", ""), decode=r.get("decodedvalue", ""),
                                                  nci_code=r.get("ncitermcode", ""),
                                                  order=_int(r.get("order", ""), where=f"Codelists row {r['_row']}")))
    ct = None
    for cid, head in heads.items():
        nci = head.get("ncicodelistcode", "")
        extensible = _yes(head.get("extensible", ""))
        if not has_extensible and nci:
            # a P21 workbook without the column: the CT release shipped with the package says
            if ct is None:
                from .ct import load_ct

                ct = load_ct(DEFAULT_CT_VERSION)
            known = ct.codelists.get(nci)
            extensible = known.extensible if known else False
        spec.codelists[cid] = Codelist(
            id=cid, name=head.get("name", ""), data_type=head.get("datatype", "text") or "text", nci_code=nci,
            terminology=head.get("terminology", ""), extensible=extensible, terms=tuple(terms.get(cid, ())),
            comment=head.get("comment", ""))


def _read_others(book: _Workbook, spec: Spec) -> None:
    for r in book.rows("study"):
        if r.get("attribute"):
            spec.study[r["attribute"]] = r.get("value", "")
    for r in book.rows("methods"):
        if r.get("id"):
            spec.methods[r["id"]] = Method(
                id=r["id"], name=r.get("name", ""), type=r.get("type", ""), description=r.get("description", ""),
                expression_context=r.get("expressioncontext", ""), expression_code=r.get("expressioncode", ""),
                document=r.get("document", ""), pages=r.get("pages", ""))
    for r in book.rows("comments"):
        if r.get("id"):
            spec.comments[r["id"]] = Comment(id=r["id"], description=r.get("description", ""),
                                             document=r.get("document", ""), pages=r.get("pages", ""))
    for r in book.rows("documents"):
        if r.get("id"):
            spec.documents[r["id"]] = Document(id=r["id"], title=r.get("title", ""), href=r.get("href", ""))
    for r in book.rows("dictionaries"):
        if r.get("id"):
            spec.dictionaries[r["id"]] = Dictionary(
                id=r["id"], name=r.get("name", ""), data_type=r.get("datatype", "") or "text",
                dictionary=r.get("dictionary", ""), version=r.get("version", ""))


#: CT release used for a P21 workbook's codelists without an Extensible column.
DEFAULT_CT_VERSION = "2024-09-27"


#: workbooks read in this process: (suffix, sha256 of the file's bytes) -> the Spec read from them, pickled
#: (so that every caller gets its own copy); a run reads each spec several times (programs, define.xml,
#: the submission package), and reading a workbook costs 50-100 times more than unpickling it
_READ_CACHE: dict[tuple[str, str], bytes] = {}
_READ_CACHE_SIZE = 16


def _workbook_key(path: Path) -> tuple[str, str] | None:
    """What the Spec read from ``path`` depends on: its suffix and its bytes (None: unreadable)."""
    import hashlib

    try:
        return path.suffix.lower(), hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_spec(path: str | Path) -> Spec:
    """Read a P21 define-spec workbook (.xlsx) into a :class:`Spec`.

    Raises :class:`SpecError` naming sheet, row and column for what a spec cell must
    not be: a formula, merged cells, a length below 1, an empty Dataset cell, a cell
    that should be a whole number; and for an ``.xls`` or a damaged ``.xlsx``.

    A workbook whose bytes were read before in this process is not parsed again: the caller gets
    a fresh copy of the Spec read then (with ``path`` set to this one). A workbook with problems is
    never kept, so its error is raised on every read.
    """
    import pickle

    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec workbook {path} not found")
    key = _workbook_key(path)
    if key is not None and key in _READ_CACHE:
        spec = pickle.loads(_READ_CACHE[key])
        spec.path = path
        return spec
    spec = _read_spec(path)
    if key is not None and _workbook_key(path) == key:  # the bytes hashed are the bytes read
        if len(_READ_CACHE) >= _READ_CACHE_SIZE:
            del _READ_CACHE[next(iter(_READ_CACHE))]
        _READ_CACHE[key] = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    return spec


def _read_spec(path: Path) -> Spec:
    book = _Workbook(path)
    try:
        spec = Spec(path=path)
        _read_datasets(book, spec)
        _read_variables(book, spec, path)
        _read_value_level(book, spec, path)
        _read_where_clauses(book, spec)
        _read_codelists(book, spec)
        _read_others(book, spec)
    finally:
        book.close()
    if book.problems:
        raise SpecError(f"spec workbook {path} has {len(book.problems)} problem(s):\n  "
                        + "\n  ".join(dict.fromkeys(book.problems)), hint="fix the workbook")
    return spec


# --------------------------------------------------------------------------- checks

_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")


def check_spec(spec: Spec) -> list[Finding]:
    """Consistency checks of a spec: names, labels, lengths, references.

    Errors: a variable names a codelist, method or comment that the spec does
    not define; a key variable that is not a variable of its dataset; a name
    or label that SAS XPORT v5 cannot hold. Warnings: character variables
    without a length.
    """
    f = Findings()
    for ds in spec.datasets.values():
        if ds.has_no_data:
            continue
        names = ds.variable_names
        at = lambda var, column: spec.located("Variables", ds.name, var, column)  # noqa: E731
        if not _NAME.match(ds.name):
            f.add("error", "spec_name", "dataset name is not a SAS v5 name (A-Z, 0-9, _; at most 8)"
                  + spec.located("Datasets", ds.name, "", "Dataset"), dataset=ds.name, value=ds.name)
        for key in ds.keys:
            if key not in names:
                f.add("error", "spec_key", f"key variable {key} is not a variable of the dataset",
                      dataset=ds.name, variable=key)
        if len(ds.label) > 40:
            f.add("error", "spec_label", "dataset label longer than 40 characters"
                  + spec.located("Datasets", ds.name, "", "Label"), dataset=ds.name, value=ds.label)
        seen = set()
        for v in ds.variables:
            if v.name in seen:
                f.add("error", "spec_duplicate", "variable defined twice", dataset=ds.name, variable=v.name)
            seen.add(v.name)
            if not _NAME.match(v.name):
                f.add("error", "spec_name", "variable name is not a SAS v5 name (A-Z, 0-9, _; at most 8)"
                      + at(v.name, "Variable"), dataset=ds.name, variable=v.name, value=v.name)
            if len(v.label) > 40:
                f.add("error", "spec_label", f"variable label longer than 40 characters ({len(v.label)})"
                      + at(v.name, "Label"), dataset=ds.name, variable=v.name, value=v.label)
            if v.xpt_type == "char" and v.length is None:
                f.add("warning", "spec_length", "character variable has no length; the data's longest value is used",
                      dataset=ds.name, variable=v.name)
            if v.xpt_type == "char" and v.length is not None and not 1 <= v.length <= 200:
                f.add("error", "spec_length", "character length must be 1-200 for SAS XPORT v5"
                      + at(v.name, "Length"), dataset=ds.name, variable=v.name, value=v.length)
            if v.codelist and v.codelist not in spec.codelists and v.codelist not in spec.dictionaries:
                f.add("error", "spec_codelist",
                      f"codelist {v.codelist} is not defined on the Codelists or Dictionaries sheet"
                      + at(v.name, "Codelist"), dataset=ds.name, variable=v.name, value=v.codelist)
            for mid in filter(None, re.split(r"[,\s]+", v.method)):
                if mid not in spec.methods:
                    f.add("error", "spec_method", f"method {mid} is not defined on the Methods sheet"
                          + at(v.name, "Method"), dataset=ds.name, variable=v.name, value=mid)
            if v.comment and spec.comments and v.comment not in spec.comments and re.fullmatch(r"[A-Z]{2,}[\w.]*", v.comment):
                f.add("error", "spec_comment", f"comment {v.comment} is not defined on the Comments sheet",
                      dataset=ds.name, variable=v.name, value=v.comment)
        for vl in ds.value_level:
            if vl.codelist and vl.codelist not in spec.codelists and vl.codelist not in spec.dictionaries:
                f.add("error", "spec_codelist", f"value-level codelist {vl.codelist} is not defined",
                      dataset=ds.name, variable=vl.variable, value=vl.where_clause)
            if vl.method and vl.method not in spec.methods:
                f.add("error", "spec_method", f"value-level method {vl.method} is not defined",
                      dataset=ds.name, variable=vl.variable, value=vl.where_clause)
    return list(f)


def assert_spec(spec: Spec) -> Spec:
    """Raise :class:`SpecError` listing every error of :func:`check_spec`."""
    errors = [x for x in check_spec(spec) if x.severity == "error"]
    if errors:
        raise SpecError(
            f"spec {spec.path} has {len(errors)} error(s):\n  " + "\n  ".join(map(str, errors)),
            hint="fix the workbook",
        )
    return spec


def load_spec(path: str | Path) -> Spec:
    """:func:`read_spec` then :func:`assert_spec`: the spec a run may use, or one error naming every problem."""
    return assert_spec(read_spec(path))


def dataset_names(spec: Spec, names: Iterable[str] | None = None) -> list[str]:
    return [n.upper() for n in (names or spec.datasets)]


# --------------------------------------------------------------------------- writing

def write_spec(spec: Spec, path: str | Path) -> Path:
    """Write ``spec`` as a P21 define-spec workbook that :func:`read_spec` reads back unchanged.

    Every cell is written as text, so codes such as ``01`` survive Excel.
    """
    import openpyxl

    def cell(value):
        if value is None:
            return None
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Study"
    ws.append(["Attribute", "Value"])
    for k, v in spec.study.items():
        ws.append([k, cell(v)])
    ws = wb.create_sheet("Datasets")
    ws.append(["Dataset", "Label", "Class", "SubClass", "Structure", "Key Variables", "Standard",
               "Has No Data", "Repeating", "Reference Data", "Comment", "Domain"])
    for d in spec.datasets.values():
        ws.append([d.name, d.label, d.cls, d.subclass, d.structure, ", ".join(d.keys), d.standard,
                   "Yes" if d.has_no_data else "No", d.repeating, d.reference_data, d.comment, d.domain])
    for title, columns, rows in (("Variables", _VARIABLE_COLUMNS, "variables"),
                                 ("ValueLevel", _VALUE_LEVEL_COLUMNS, "value_level")):
        ws = wb.create_sheet(title)
        ws.append([c for c, _ in columns])
        for d in spec.datasets.values():
            for v in getattr(d, rows):
                ws.append([cell(getattr(v, f)) for _, f in columns])
    ws = wb.create_sheet("WhereClauses")
    ws.append(["ID", "Dataset", "Variable", "Comparator", "Value", "Comment"])
    for w in spec.where_clauses.values():
        for i, c in enumerate(w.conditions):
            ws.append([w.id, c.dataset, c.variable, c.comparator, ", ".join(c.values), w.comment if i == 0 else ""])
    ws = wb.create_sheet("Codelists")
    ws.append(["ID", "Name", "NCI Codelist Code", "Data Type", "Terminology", "Comment", "Order", "Term",
               "NCI Term Code", "Decoded Value", "Extensible"])
    for c in spec.codelists.values():
        for t in c.terms or (Term(""),):
            ws.append([c.id, c.name, c.nci_code, c.data_type, c.terminology, c.comment, cell(t.order), t.term,
                       t.nci_code, t.decode, "Yes" if c.extensible else "No"])
    ws = wb.create_sheet("Dictionaries")
    ws.append(["ID", "Name", "Data Type", "Dictionary", "Version"])
    for x in spec.dictionaries.values():
        ws.append([x.id, x.name, x.data_type, x.dictionary, x.version])
    ws = wb.create_sheet("Methods")
    ws.append(["ID", "Name", "Type", "Description", "Expression Context", "Expression Code", "Document", "Pages"])
    for m in spec.methods.values():
        ws.append([m.id, m.name, m.type, m.description, m.expression_context, m.expression_code, m.document, m.pages])
    ws = wb.create_sheet("Comments")
    ws.append(["ID", "Description", "Document", "Pages"])
    for c in spec.comments.values():
        ws.append([c.id, c.description, c.document, c.pages])
    ws = wb.create_sheet("Documents")
    ws.append(["ID", "Title", "Href"])
    for d in spec.documents.values():
        ws.append([d.id, d.title, d.href])
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                c.number_format = "@"
    path = Path(path)
    wb.save(path)
    return path
