"""Define-XML 2.1 from a :class:`~derivations.spec.Spec`, with its stylesheet and an HTML rendering.

:func:`define_xml` builds the document (bytes); :func:`write_define` validates it
against the Define-XML 2.1 schema (the XSD files that ``odmlib`` ships) and its
own references, and only then writes, atomically, ``define.xml``, the stylesheet
``define2-1.xsl`` (this package's own, referenced by an ``xml-stylesheet``
processing instruction) and ``define.html``: the same tables rendered at write
time with lxml's XSLT, since browsers are dropping XSLT. A document that fails
the schema is an error, never an output.

What comes from where:

==========================  ===========================================================
``def:Standards``           the IG (Study sheet ``StandardName``/``StandardVersion`` or
                            ``Standard``, else the Datasets sheet; written as a name the
                            schema allows: "CDISC SDTM 3.4" -> SDTMIG 3.4) and one CDISC/NCI
                            CT standard per publishing set used (SDTM, ADaM)
``ItemGroupDef``            Datasets sheet; ``Domain`` is the parent domain of SUPP-- and of
                            split datasets (SUPPAE -> AE, LBCH -> LB)
``ItemDef``                 Variables sheet; character lengths are the XPT files' when the data
                            are given (:func:`derivations.lengths.submission_lengths`; the spec's
                            length is the maximum allowed); value-level rows become ItemDefs of a
                            ``def:ValueListDef`` with ``def:WhereClauseDef``
``def:Origin``              CRF -> Collected/Investigator (aCRF pages when given), eDT ->
                            Collected/Vendor, Derived, Assigned, Protocol, Predecessor
``CodeList``                Codelists sheet; a term is ``def:ExtendedValue="Yes"`` only when its
                            CDISC codelist is extensible and the term has no NCI code; the
                            Dictionaries sheet (MedDRA, WHODrug) -> ``ExternalCodeList``
``MethodDef``/CommentDef    Methods / Comments sheets; ``{adam.confirm_days}`` in a text is the
                            study setting in force (``settings``), so a method says "28 days"
``def:leaf``                Documents sheet; hrefs are relative to the define's folder
==========================  ===========================================================

Nothing comes from the clock: ``created`` (``[study] created``) is the
creation date/time, so two runs give the same bytes.

Example
-------
>>> from derivations.spec import Spec, DatasetSpec, VariableSpec
>>> ds = DatasetSpec("DM", "Demographics", cls="SPECIAL PURPOSE", structure="One record per subject",
...                  keys=["USUBJID"], standard="SDTMIG 3.4",
...                  variables=[VariableSpec("DM", "USUBJID", "Unique Subject Identifier", length=12,
...                                          origin="CRF", order=1)])
>>> xml = define_xml(Spec(study={"StudyName": "S1"}, datasets={"DM": ds}),
...                  created="2022-07-04T00:00:00").decode()
>>> '<ItemRef ItemOID="IT.DM.USUBJID" OrderNumber="1" Mandatory="No" KeySequence="1"/>' in xml
True
>>> '<def:Origin Type="Collected" Source="Investigator"/>' in xml
True
>>> parse_where_clause("TRTESTCD IN ('LDIAM', 'SAXIS') AND TREVAL EQ 'INVESTIGATOR'")
[('TRTESTCD', 'IN', ['LDIAM', 'SAXIS']), ('TREVAL', 'EQ', ['INVESTIGATOR'])]
>>> standard_name("CDISC SDTM 3.3", {"DM"})
('SDTMIG', '3.3')
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from .findings import SpecError
from .lengths import submission_lengths
from .spec import NUMERIC_TYPES, Codelist, DatasetSpec, Spec, ValueLevelSpec, VariableSpec, check_spec

NS_ODM = "http://www.cdisc.org/ns/odm/v1.3"
NS_DEF = "http://www.cdisc.org/ns/def/v2.1"
NS_XLINK = "http://www.w3.org/1999/xlink"
NS_ARM = "http://www.cdisc.org/ns/arm/v1.0"
STYLESHEET = "define2-1.xsl"
HTML = "define.html"
#: Controlled terminology version used when neither the caller nor the spec names one.
DEFAULT_CT_VERSION = "2024-09-27"
COMPARATORS = ("EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN")
#: def:Standard names the Define-XML 2.1 schema allows for an implementation guide.
IG_NAMES = ("ADaM-OCCDSIG", "ADaMIG", "ADaMIG-MD", "ADaMIG-NCA", "ADaMIG-popPK", "BIMO", "SDTMIG", "SDTMIG-AP",
            "SDTMIG-MD", "SENDIG", "SENDIG-AR", "SENDIG-DART", "SENDIG-GENETOX")
_DEFINE_TYPES = {"text", "integer", "float", "datetime", "date", "time", "partialDate", "partialTime",
                 "partialDatetime", "incompleteDatetime", "durationDatetime", "intervalDatetime"}
_SETTING = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")


class DefineError(SpecError):
    """The spec cannot become a valid define.xml (a dangling reference, an unreadable where clause)."""


# --------------------------------------------------------------------------- where clauses

_CLAUSE = re.compile(
    r"""^\s*(?:(?P<ds>[A-Z][A-Z0-9_]*)\.)?(?P<var>[A-Z_][A-Z0-9_]*)\s+(?P<op>EQ|NE|LT|LE|GT|GE|NOTIN|NOT\s+IN|IN|=|\^=|!=|<>)\s*
        (?P<vals>\(.*\)|'[^']*'|"[^"]*"|\S+)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_VALUE = re.compile(r"""'([^']*)'|"([^"]*)"|([^,\s()]+)""")
_OPS = {"=": "EQ", "^=": "NE", "!=": "NE", "<>": "NE", "NOT IN": "NOTIN"}


def parse_where_clause(text: str) -> list[tuple[str, str, list[str]]]:
    """``"PARAMCD EQ 'PFS' AND AVISIT IN ('A', 'B')"`` -> ``[(variable, comparator, values), ...]``.

    Conditions are joined by ``AND``; values may be quoted with ``'`` or ``"``
    or bare; ``=``, ``^=``, ``NOT IN`` are read as EQ, NE, NOTIN.

    >>> parse_where_clause("PARAMCD = PFS")
    [('PARAMCD', 'EQ', ['PFS'])]
    """
    parts = re.split(r"\s+AND\s+(?=(?:[^'\"]*['\"][^'\"]*['\"])*[^'\"]*$)", text.strip(), flags=re.IGNORECASE)
    out = []
    for part in parts:
        m = _CLAUSE.match(part)
        if not m or not part.strip():
            raise DefineError(
                f"where clause {text!r} cannot be read",
                value=part,
                hint="write VARIABLE COMPARATOR VALUE(S), e.g. PARAMCD EQ 'PFS' or TRTESTCD IN ('LDIAM','SAXIS'), "
                     "conditions joined by AND",
            )
        op = re.sub(r"\s+", " ", m.group("op").upper())
        op = _OPS.get(op, op)
        vals = [a or b or c for a, b, c in _VALUE.findall(m.group("vals"))]
        if m.group("vals").startswith(("'", '"')):
            vals = [m.group("vals")[1:-1]]
        if op not in ("IN", "NOTIN") and len(vals) != 1:
            raise DefineError(f"where clause {text!r}: {op} takes one value", value=part,
                              hint="use IN ('A','B') for several values")
        out.append((m.group("var").upper(), op, vals))
    return out


def format_where_clause(conditions: Iterable[tuple[str, str, list[str]]]) -> str:
    """The text form :func:`parse_where_clause` reads.

    >>> format_where_clause([("PARAMCD", "IN", ["A", "B"]), ("AVISITN", "GE", ["2"])])
    "PARAMCD IN ('A', 'B') AND AVISITN GE '2'"
    """
    out = []
    for var, op, vals in conditions:
        quoted = ", ".join("'" + v + "'" for v in vals)
        out.append(f"{var} {op} ({quoted})" if op in ("IN", "NOTIN") else f"{var} {op} {quoted}")
    return " AND ".join(out)


# --------------------------------------------------------------------------- a tiny XML writer

@dataclass
class _El:
    tag: str
    attrs: list[tuple[str, object]]
    children: list
    text: str | None = None

    def add(self, tag: str, *attrs: tuple[str, object], text: str | None = None) -> "_El":
        child = _El(tag, list(attrs), [], text)
        self.children.append(child)
        return child

    def render(self, out: list[str], depth: int = 0) -> None:
        pad = "  " * depth
        attrs = "".join(f" {k}={quoteattr(str(v))}" for k, v in self.attrs if v is not None and v != "")
        if self.text is not None:
            out.append(f"{pad}<{self.tag}{attrs}>{escape(self.text)}</{self.tag}>")
        elif self.children:
            out.append(f"{pad}<{self.tag}{attrs}>")
            for c in self.children:
                c.render(out, depth + 1)
            out.append(f"{pad}</{self.tag}>")
        else:
            out.append(f"{pad}<{self.tag}{attrs}/>")


def _description(parent: _El, text: str, tag: str = "Description") -> None:
    if text:
        parent.add(tag).add("TranslatedText", ("xml:lang", "en"), text=text)


def _oid(*parts: str) -> str:
    return ".".join(re.sub(r"[^A-Za-z0-9_\-]", "_", p) for p in parts if p != "")


def _ids(text: str) -> list[str]:
    return [x for x in re.split(r"[,\s]+", text or "") if x]


# --------------------------------------------------------------------------- standards, domains, types

def standard_name(text: str, datasets: Iterable[str] = ()) -> tuple[str, str]:
    """(IG name the schema allows, version) from a spec's free text: ``"CDISC SDTM 3.4"`` -> SDTMIG 3.4.

    A name the schema does not list is read for ADaM/SEND/SDTM; bare "CDISC" takes the
    standard from the datasets (``AD*`` -> ADaMIG, else SDTMIG); the version is the
    first number in the text.

    >>> standard_name("ADaM-IG 1.1"), standard_name("CDISC"), standard_name("CDISC", ["ADSL"])
    (('ADaMIG', '1.1'), ('SDTMIG', ''), ('ADaMIG', ''))
    """
    version = (re.search(r"\d+(?:\.\d+)*", text or "") or [""])[0]
    word = re.sub(r"[\s_]+", " ", (text or "").replace(version, "")).strip()
    exact = {n.upper(): n for n in IG_NAMES}
    key = word.upper().replace(" IG", "IG").replace("-IG", "IG").replace(" ", "")
    if key in exact:
        return exact[key], version
    low = word.lower()
    if "adam" in low:
        return "ADaMIG", version
    if "send" in low:
        return "SENDIG", version
    if "sdtm" in low:
        return "SDTMIG", version
    adam = any(str(n).upper().startswith("AD") for n in datasets)
    return ("ADaMIG" if adam else "SDTMIG"), version


def _standard(spec: Spec) -> tuple[str, str]:
    """(IG name, version) from the Study sheet or the datasets' Standard column."""
    st = spec.study
    text = " ".join(x for x in (st.get("StandardName", ""), st.get("StandardVersion", "")) if x) \
        or st.get("Standard", "") or next((d.standard for d in spec.datasets.values() if d.standard), "")
    name, version = standard_name(text, spec.datasets)
    if not version:
        version = {"ADaMIG": "1.3", "SDTMIG": "3.4", "SENDIG": "3.1"}.get(name, "1.0")
    return name, version


def parent_domain(ds: DatasetSpec) -> str:
    """The SDTM ``Domain`` of a dataset: the Datasets sheet's Domain, the parent of SUPP--/SQAP--,
    the two-letter domain a split dataset's DOMAIN variable assigns (LBCH -> LB), else its name.

    >>> parent_domain(DatasetSpec("SUPPAE")), parent_domain(DatasetSpec("LBCH", domain="LB"))
    ('AE', 'LB')
    """
    if ds.domain:
        return ds.domain.upper()
    name = ds.name.upper()
    for prefix in ("SUPP", "SQAP", "SQ"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    dom = next((v.assigned_value for v in ds.variables if v.name == "DOMAIN" and v.assigned_value), "")
    if dom and len(name) > 2 and name.startswith(dom.upper()):
        return dom.upper()
    return name


def _define_type(v: VariableSpec | ValueLevelSpec) -> str:
    dt = (v.data_type or "text").strip()
    low = dt.lower()
    if low in NUMERIC_TYPES:
        return "float" if low in ("float", "double", "decimal") else "integer"
    if v.format and getattr(v, "xpt_type", None) == "num":
        return "integer"  # a SAS numeric date (ADaM *DT with DATE9.)
    for t in _DEFINE_TYPES:
        if t.lower() == low:
            return t
    return "text"


def _define_type_plain(text: str) -> str:
    low = (text or "text").lower()
    if low in ("integer", "float"):
        return low
    return "float" if low in ("double", "decimal") else "text"


def _display_format(fmt: str) -> str:
    if not fmt:
        return ""
    fmt = fmt.strip()
    if not fmt.endswith(".") and not re.search(r"\.\d*$", fmt):
        fmt = {"DATE": "DATE9.", "DATETIME": "DATETIME20.", "TIME": "TIME8."}.get(fmt.upper(), fmt + ".")
    return fmt


def _is_standard_codelist(cl: Codelist) -> bool:
    return bool(cl.nci_code) and cl.terminology.upper().replace(" ", "").startswith("CDISC")


# --------------------------------------------------------------------------- lengths from the data

def _where_mask(frame, conds):
    """Rows a where clause selects (a value compared as blank-stripped text), found on each column's distinct
    values and then looked up by row: nothing is converted per record."""
    import numpy as np

    from .lengths import distinct_values

    mask = np.ones(len(frame), dtype=bool)
    for var, op, vals in conds:
        if var not in frame.columns or op not in ("EQ", "IN", "NE", "NOTIN"):
            return None
        col = frame[var]
        distinct = distinct_values(col)
        hit = distinct.astype(str).str.strip().isin(vals).to_numpy()
        if op in ("NE", "NOTIN"):
            hit = ~hit
        mask &= col.isin(distinct[hit].to_numpy()).to_numpy()
    return mask


def _value_level_length(frame, name: str, conds) -> int | None:
    """Length of the values of a character column that a where clause selects; None: unknown."""
    import pandas as pd

    from .lengths import compute_char_length

    if frame is None or name not in frame.columns:
        return None
    mask = _where_mask(frame, conds)
    col = frame[name]
    if mask is None or pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
        return None
    return compute_char_length(col[mask])


def _significant_digits(frame, name: str) -> int | None:
    import numpy as np
    import pandas as pd

    if frame is None or name not in frame.columns or not pd.api.types.is_numeric_dtype(frame[name]):
        return None
    column, step = frame[name], 1 << 20
    if not column.notna().any():
        return None
    for digits in range(0, 9):  # the first that holds for every value; a slice of rows at a time
        if all(np.allclose(np.round(vals, digits), vals, rtol=0, atol=1e-9)
               for vals in (column.iloc[lo:lo + step].dropna().to_numpy(dtype=float)
                            for lo in range(0, len(column), step))):
            return digits
    return 8


# --------------------------------------------------------------------------- checks before building

def check_define(spec: Spec, settings: Mapping[str, Any] | None = None) -> list[str]:
    """Every reason the spec cannot become a valid define.xml (empty when it can).

    Besides :func:`~derivations.spec.check_spec` errors: value-level rows of a
    variable not in the dataset, where clauses that cannot be read or test a
    variable the dataset lacks, and (with ``settings``) a ``{section.key}`` in a
    method or comment that the study settings do not hold.
    """
    problems = [str(f) for f in check_spec(spec) if f.severity == "error"]
    for ds in spec.datasets.values():
        names = set(ds.variable_names)
        for vl in ds.value_level:
            where = f"{ds.name}.{vl.variable} [{vl.where_clause}]"
            if vl.variable not in names:
                problems.append(f"value-level row {where}: variable {vl.variable} is not a variable of {ds.name}")
            try:
                conds = spec.where(vl)
            except DefineError as exc:
                problems.append(f"value-level row {where}: {exc} (nor is it an ID of the WhereClauses sheet)")
                continue
            for var, _, _ in conds:
                if var not in names:
                    problems.append(f"value-level row {where}: where clause tests {var}, not a variable of {ds.name}")
    if settings is not None:
        texts = [(f"method {m.id}", m.description) for m in spec.methods.values()]
        texts += [(f"comment {c.id}", c.description) for c in spec.comments.values()]
        for what, text in texts:
            try:
                fill_settings(text, settings)
            except DefineError as exc:
                problems.append(f"{what}: {exc}")
    return list(dict.fromkeys(problems))


def fill_settings(text: str, settings: Mapping[str, Any] | None) -> str:
    """``text`` with each ``{section.key}`` replaced by that study setting (lists joined by ", ").

    >>> fill_settings("confirmed >= {adam.confirm_days} days later", {"adam": {"confirm_days": 28}})
    'confirmed >= 28 days later'
    """
    if settings is None or "{" not in (text or ""):
        return text

    def value(m: re.Match) -> str:
        section, key = m.groups()
        if key not in (settings.get(section) or {}):
            raise DefineError(f"{{{section}.{key}}} is not a setting of study.toml",
                              hint=f"add {key} to [{section}] in study.toml, or correct the text")
        v = settings[section][key]
        return ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)

    return _SETTING.sub(value, text)


# --------------------------------------------------------------------------- the document, section by section

@dataclass
class _Define:
    """What the sections of one define.xml share while it is built."""

    spec: Spec
    names: list[str]
    frames: dict[str, Any]
    settings: Mapping[str, Any] | None
    adam: bool
    std_oid: str
    ct_version: str
    mdv: _El
    codelists: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)          # OID -> text
    comment_docs: dict[str, tuple[str, str]] = field(default_factory=dict)
    item_defs: list[tuple[str, str, object, str, list]] = field(default_factory=list)  # oid, ds, spec, label, conds
    vl_oid: dict[tuple[str, str], str] = field(default_factory=dict)
    acrf: str | None = None
    lengths: dict[str, dict[str, int]] = field(default_factory=dict)  # the files' (derivations.lengths)

    @staticmethod
    def use(seq: list[str], item: str) -> None:
        if item and item not in seq:
            seq.append(item)

    def text(self, text: str) -> str:
        return fill_settings(text, self.settings)

    def comment_oid(self, text: str, fallback: str) -> str | None:
        if not text:
            return None
        if text in self.spec.comments:
            c = self.spec.comments[text]
            self.comments[text] = self.text(c.description)
            if c.document:
                self.comment_docs[text] = (c.document, c.pages)
                self.use(self.docs, c.document)
            return text
        self.comments[fallback] = self.text(text)
        return fallback

    def doc_ref(self, parent: _El, doc: str, pages: str) -> None:
        ref = parent.add("def:DocumentRef", ("leafID", _oid("LF", doc)))
        if pages:
            ref.add("def:PDFPageRef", ("PageRefs", " ".join(_ids(pages))), ("Type", "PhysicalRef"))

    def ct_oid(self, publishing_set: str) -> str:
        return _oid("STD", "CT", publishing_set, self.ct_version)


def _odm_root(spec: Spec, studyid: str, created: str, adam: bool, context: str) -> _El:
    return _El("ODM", [
        ("xmlns", NS_ODM), ("xmlns:xlink", NS_XLINK), ("xmlns:def", NS_DEF), ("xmlns:arm", NS_ARM),
        ("ODMVersion", "1.3.2"), ("FileType", "Snapshot"),
        ("FileOID", _oid("DEF", studyid, "ADaM" if adam else "SDTM")),
        ("CreationDateTime", created), ("Originator", spec.study.get("Originator", "")),
        ("SourceSystem", "derivations"), ("def:Context", context),
    ], [])


def _collect_references(d: _Define) -> None:
    """Only the codelists, methods and documents that the datasets refer to go into the document."""
    spec = d.spec
    for name in d.names:
        ds = spec.datasets[name]
        for v in ds.variables:
            d.use(d.codelists, v.codelist)
            for m in _ids(v.method):
                d.use(d.methods, m)
        for vl in ds.value_level:
            d.use(d.codelists, vl.codelist)
            d.use(d.methods, vl.method)
    for m in d.methods:
        if spec.methods[m].document:
            d.use(d.docs, spec.methods[m].document)
    d.acrf = next((k for k, doc in spec.documents.items() if k.upper() in ("ACRF", "LF.ACRF", "ANNOTATEDCRF")
                   or "annotated" in doc.title.lower()), None)
    if d.acrf:
        d.use(d.docs, d.acrf)


def _standards(d: _Define, stds: _El, ig_name: str, ig_version: str, ct) -> None:
    """The IG, then one CDISC/NCI CT standard per publishing set the codelists come from."""
    stds.add("def:Standard", ("OID", d.std_oid), ("Name", ig_name), ("Type", "IG"), ("Version", ig_version),
             ("Status", "Final"))
    sets = []
    for c in d.codelists:
        cl = d.spec.codelists.get(c)
        if cl is not None and _is_standard_codelist(cl):
            d.use(sets, ct.publishing_set(cl.nci_code) if ct else "SDTM")
    for ps in sorted(sets, key=("SDTM", "ADaM").index):
        stds.add("def:Standard", ("OID", d.ct_oid(ps)), ("Name", "CDISC/NCI"), ("Type", "CT"),
                 ("PublishingSet", ps), ("Version", d.ct_version), ("Status", "Final"))


def _document_refs(d: _Define) -> list[str]:
    """def:AnnotatedCRF and def:SupplementalDoc; returns the supplemental documents in order."""
    if d.acrf in d.docs:
        d.mdv.add("def:AnnotatedCRF").add("def:DocumentRef", ("leafID", _oid("LF", d.acrf)))
    supp = [x for x in d.docs if x != d.acrf] + [x for x in d.spec.documents if x != d.acrf and x not in d.docs]
    if supp:
        sd = d.mdv.add("def:SupplementalDoc")
        for x in supp:
            sd.add("def:DocumentRef", ("leafID", _oid("LF", x)))
    return supp


def _value_lists(d: _Define) -> None:
    """def:ValueListDef per variable with value-level rows, then their def:WhereClauseDef."""
    wc_els: list[_El] = []
    seen_wc: set[str] = set()
    for name in d.names:
        ds = d.spec.datasets[name]
        by_var: dict[str, list[ValueLevelSpec]] = {}
        for vl in sorted(ds.value_level, key=lambda x: x.order):
            by_var.setdefault(vl.variable, []).append(vl)
        for var, rows in by_var.items():
            oid = _oid("VL", name, var)
            d.vl_oid[(name, var)] = oid
            vld = d.mdv.add("def:ValueListDef", ("OID", oid))
            for i, vl in enumerate(rows, start=1):
                conds = d.spec.where(vl)
                if vl.where_clause in d.spec.where_clauses:  # an ID of the WhereClauses sheet keeps its name
                    wc = re.sub(r"[^A-Za-z0-9_.\-]", "_", vl.where_clause)
                else:
                    wc = _oid("WC", name, var, "_".join(f"{c[0]}.{c[1]}.{'_'.join(c[2])}" for c in conds))
                it = _oid("IT", name, var, "_".join("_".join(c[2]) for c in conds))
                ref = vld.add("ItemRef", ("ItemOID", it), ("OrderNumber", i),
                              ("Mandatory", "Yes" if vl.mandatory else "No"), ("MethodOID", vl.method or None))
                ref.add("def:WhereClauseRef", ("WhereClauseOID", wc))
                if wc not in seen_wc:
                    seen_wc.add(wc)
                    wel = _El("def:WhereClauseDef", [("OID", wc)], [])
                    for cvar, op, vals in conds:
                        rc = wel.add("RangeCheck", ("SoftHard", "Soft"), ("def:ItemOID", _oid("IT", name, cvar)),
                                     ("Comparator", op))
                        for val in vals:
                            rc.add("CheckValue", text=val)
                    wc_els.append(wel)
                d.item_defs.append((it, name, vl, vl.label or ds.variable(var).label, conds))
    d.mdv.children.extend(wc_els)


def _item_groups(d: _Define) -> None:
    for name in d.names:
        ds = d.spec.datasets[name]
        cls = ds.cls.strip().upper()
        repeating = ds.repeating or ("No" if ds.structure.lower().startswith("one record per subject") else "Yes")
        ig = d.mdv.add("ItemGroupDef", ("OID", _oid("IG", name)), ("Name", name),
                       ("Repeating", "Yes" if repeating.lower().startswith("y") else "No"),
                       ("IsReferenceData", "Yes" if ds.reference_data.lower().startswith("y") else "No"),
                       ("SASDatasetName", name), ("Domain", None if d.adam else parent_domain(ds)),
                       ("Purpose", "Analysis" if d.adam else "Tabulation"),
                       ("def:Structure", ds.structure or "See dataset label"),
                       ("def:StandardOID", d.std_oid), ("def:HasNoData", "Yes" if ds.has_no_data else None),
                       ("def:CommentOID", d.comment_oid(ds.comment, _oid("COM", name))),
                       ("def:ArchiveLocationID", None if ds.has_no_data else _oid("LF", name)))
        _description(ig, ds.label)
        for v in ds.variables:
            key = ds.keys.index(v.name) + 1 if v.name in ds.keys else None
            ig.add("ItemRef", ("ItemOID", _oid("IT", name, v.name)), ("OrderNumber", v.order or None),
                   ("Mandatory", "Yes" if v.mandatory else "No"), ("KeySequence", key),
                   ("MethodOID", (_ids(v.method) or [None])[0]), ("Role", None if d.adam else (v.role or None)),
                   ("def:HasNoData", "Yes" if v.has_no_data else None))
            d.item_defs.append((_oid("IT", name, v.name), name, v, v.label, []))
        if cls:
            cel = ig.add("def:Class", ("Name", cls))
            if ds.subclass:
                cel.add("def:SubClass", ("Name", ds.subclass.strip().upper()))
        if not ds.has_no_data:
            leaf = ig.add("def:leaf", ("ID", _oid("LF", name)), ("xlink:href", f"{name.lower()}.xpt"))
            leaf.add("def:title", text=f"{name.lower()}.xpt")


def _length(d: _Define, name: str, v, conds, dtype: str) -> int | None:
    """Character length: the XPT file's (:func:`derivations.lengths.submission_lengths`) when the data
    are given, else the spec's (the maximum allowed); value level: the longest value its where clause
    selects, at most the variable's."""
    if dtype in ("integer", "float"):
        return v.length or 8
    if dtype != "text":
        return None
    vname = v.variable if isinstance(v, ValueLevelSpec) else v.name
    submitted = d.lengths.get(name, {}).get(vname)
    if isinstance(v, ValueLevelSpec):
        fitted = _value_level_length(d.frames.get(name), vname, conds)
        limits = [n for n in (fitted, submitted, v.length) if n]
        return min(limits) if limits else 1
    return submitted or v.length or 1


def _item_defs(d: _Define) -> None:
    """ItemDefs: dataset level first, then value level, each in order of appearance."""
    d.item_defs.sort(key=lambda x: isinstance(x[2], ValueLevelSpec))
    for oid, name, v, label, conds in d.item_defs:
        frame = d.frames.get(name)
        dtype = _define_type(v)
        length = _length(d, name, v, conds, dtype)
        sig = v.significant_digits
        if dtype == "float" and sig is None:
            sig = _significant_digits(frame, v.name) if isinstance(v, VariableSpec) else None
            sig = 1 if sig is None else sig
        vname = v.variable if isinstance(v, ValueLevelSpec) else v.name
        el = d.mdv.add("ItemDef", ("OID", oid), ("Name", vname), ("DataType", dtype), ("Length", length),
                       ("SignificantDigits", sig if dtype == "float" else None), ("SASFieldName", vname),
                       ("def:DisplayFormat", _display_format(v.format) or None),
                       ("def:CommentOID", d.comment_oid(v.comment, _oid("COM", oid[3:]))))
        _description(el, label)
        if v.codelist:
            el.add("CodeListRef", ("CodeListOID", _oid("CL", v.codelist)))
        _origin(el, v, d)
        if isinstance(v, VariableSpec) and (name, v.name) in d.vl_oid:
            el.add("def:ValueListRef", ("ValueListOID", d.vl_oid[(name, v.name)]))


def _codelists(d: _Define, ct) -> None:
    spec = d.spec
    for cid in d.codelists:
        if cid in spec.dictionaries and cid not in spec.codelists:
            x = spec.dictionaries[cid]
            cl_el = d.mdv.add("CodeList", ("OID", _oid("CL", cid)), ("Name", x.name or cid),
                              ("DataType", _define_type_plain(x.data_type)))
            cl_el.add("ExternalCodeList", ("Dictionary", x.dictionary or x.name or cid), ("Version", x.version))
            continue
        cl = spec.codelists[cid]
        standard = _is_standard_codelist(cl)
        ps = ct.publishing_set(cl.nci_code) if (ct and standard) else "SDTM"
        cl_el = d.mdv.add("CodeList", ("OID", _oid("CL", cid)), ("Name", cl.name or cid),
                          ("DataType", _define_type_plain(cl.data_type)),
                          ("def:IsNonStandard", None if standard else "Yes"),
                          ("def:StandardOID", d.ct_oid(ps) if standard else None),
                          ("def:CommentOID", d.comment_oid(cl.comment, _oid("COM", "CL", cid))))
        decoded = any(t.decode for t in cl.terms)
        for i, t in enumerate(cl.terms, start=1):
            ext = "Yes" if standard and cl.extensible and not t.nci_code else None
            item = cl_el.add("CodeListItem" if decoded else "EnumeratedItem", ("CodedValue", t.term),
                             ("OrderNumber", t.order or i), ("def:ExtendedValue", ext))
            if decoded:
                _description(item, t.decode or t.term, tag="Decode")
            if t.nci_code:
                item.add("Alias", ("Context", "nci:ExtCodeID"), ("Name", t.nci_code))
        if cl.nci_code:
            cl_el.add("Alias", ("Context", "nci:ExtCodeID"), ("Name", cl.nci_code))


def _methods_comments_leaves(d: _Define, supp_docs: list[str]) -> None:
    spec = d.spec
    for mid in d.methods:
        m = spec.methods[mid]
        mtype = "Imputation" if m.type.strip().lower() == "imputation" else "Computation"
        mel = d.mdv.add("MethodDef", ("OID", mid), ("Name", m.name or mid), ("Type", mtype))
        _description(mel, d.text(m.description) or m.name or mid)
        if m.document:
            d.doc_ref(mel, m.document, m.pages)
        if m.expression_code:
            mel.add("FormalExpression", ("Context", m.expression_context or "Python"), text=m.expression_code)
    for coid, text in d.comments.items():
        cel = d.mdv.add("def:CommentDef", ("OID", coid))
        _description(cel, text or coid)
        if coid in d.comment_docs:
            d.doc_ref(cel, *d.comment_docs[coid])
    for x in ([d.acrf] if d.acrf in d.docs else []) + supp_docs:
        doc = spec.documents[x]
        leaf = d.mdv.add("def:leaf", ("ID", _oid("LF", x)), ("xlink:href", doc.href or f"{x.lower()}.pdf"))
        leaf.add("def:title", text=doc.title or x)


def define_xml(
    spec: Spec,
    *,
    created: str | _dt.datetime,
    datasets: Mapping[str, object] | None = None,
    ct_version: str | None = None,
    stylesheet: str | None = STYLESHEET,
    context: str = "Submission",
    settings: Mapping[str, Any] | None = None,
    lengths: Mapping[str, Mapping[str, int]] | None = None,
) -> bytes:
    """The define.xml document for ``spec`` as UTF-8 bytes.

    ``datasets`` (name -> DataFrame) restricts the document to the datasets
    that were produced and fits character lengths to the data (``lengths``: those
    :func:`derivations.lengths.submission_lengths` gave for them, when the caller has them
    already, as a run does; computed here when not given). ``settings`` (the
    study.toml settings) fill ``{section.key}`` in method and comment texts.
    Raises :class:`DefineError` listing every dangling reference (codelist,
    method, comment), unreadable where clause or unknown setting.
    """
    problems = check_define(spec, settings)
    if problems:
        raise DefineError(
            f"spec {spec.path or ''} cannot become define.xml: {len(problems)} problem(s):\n  "
            + "\n  ".join(problems),
            hint="fix the spec workbook (define the missing codelist/method/comment or correct the reference)",
        )
    created_text = created.isoformat(timespec="seconds") if isinstance(created, _dt.datetime) else str(created)
    ig_name, ig_version = _standard(spec)
    adam = ig_name.upper().startswith("ADAM")
    studyid = spec.study.get("StudyName", "") or spec.study.get("ProtocolName", "") or "STUDY"
    ct_version = ct_version or spec.study.get("CTVersion", "") or spec.study.get("TerminologyVersion", "") \
        or DEFAULT_CT_VERSION
    try:
        from .ct import load_ct

        ct = load_ct(ct_version)
    except SpecError:
        ct = None  # a CT release not shipped: every CDISC codelist is published in SDTM CT
    names = [n for n in spec.datasets if datasets is None or n in {k.upper() for k in datasets}]

    root = _odm_root(spec, studyid, created_text, adam, context)
    study_el = root.add("Study", ("OID", _oid("STDY", studyid)))
    gv = study_el.add("GlobalVariables")
    gv.add("StudyName", text=studyid)
    gv.add("StudyDescription", text=spec.study.get("StudyDescription", "") or studyid)
    gv.add("ProtocolName", text=spec.study.get("ProtocolName", "") or studyid)
    mdv = study_el.add("MetaDataVersion", ("OID", _oid("MDV", studyid, ig_name)),
                       ("Name", f"{studyid} {ig_name} {ig_version}"),
                       ("Description", f"Data definitions for the {ig_name} {ig_version} datasets of {studyid}"),
                       ("def:DefineVersion", "2.1.0"))
    from .spill import LastLoaded

    d = _Define(spec, names, LastLoaded(datasets or {}), settings, adam,
                _oid("STD", ig_name, ig_version), ct_version, mdv)
    d.lengths = submission_lengths(d.frames, spec) if lengths is None else \
        {k.upper(): dict(v) for k, v in lengths.items()}
    stds = mdv.add("def:Standards")
    _collect_references(d)
    _standards(d, stds, ig_name, ig_version, ct)
    supp_docs = _document_refs(d)
    _value_lists(d)
    _item_groups(d)
    _item_defs(d)
    _codelists(d, ct)
    _methods_comments_leaves(d, supp_docs)

    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    if stylesheet:
        lines.append(f'<?xml-stylesheet type="text/xsl" href={quoteattr(stylesheet)}?>')
    root.render(lines)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _origin(el: _El, v, d: _Define) -> None:
    origin = (v.origin or "").strip()
    low = origin.lower()
    source = (v.source or "").strip()
    if not origin:
        return
    if low in ("crf", "collected", "edt", "external"):
        who = "Vendor" if low in ("edt", "external") else "Investigator"
        if source in ("Subject", "Investigator", "Vendor", "Sponsor"):
            who, source = source, ""
        o = el.add("def:Origin", ("Type", "Collected"), ("Source", who))
        _description(o, source)
        pages = getattr(v, "pages", "")
        if d.acrf and pages:
            d.doc_ref(o, d.acrf, pages)
    elif low == "predecessor":
        o = el.add("def:Origin", ("Type", "Predecessor"))
        _description(o, getattr(v, "predecessor", "") or source)
    elif low in ("derived", "assigned", "protocol", "not available", "other"):
        o = el.add("def:Origin", ("Type", {"not available": "Not Available"}.get(low, origin.title())))
        _description(o, source if low != "derived" else "")
    else:
        o = el.add("def:Origin", ("Type", "Other"))
        _description(o, f"{origin}: {source}" if source else origin)


# --------------------------------------------------------------------------- files

def stylesheet_bytes() -> bytes:
    """This package's XSL stylesheet rendering a define.xml 2.1 as HTML tables."""
    return resources.files("derivations").joinpath("resources", STYLESHEET).read_bytes()


def define_html(xml: bytes, stylesheet: bytes | None = None) -> bytes:
    """``xml`` rendered to HTML with the stylesheet (lxml XSLT), as a browser without XSLT needs it."""
    from lxml import etree

    transform = etree.XSLT(etree.fromstring(stylesheet or stylesheet_bytes()))
    result = transform(etree.fromstring(xml))
    return bytes(result)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def assert_valid_define(xml: bytes, *, where: str = "define.xml") -> None:
    """Raise :class:`DefineError` when ``xml`` fails the Define-XML 2.1 schema or names an OID it never defines."""
    problems = schema_errors(xml) or reference_errors(xml)
    if problems:
        raise DefineError(f"{where} fails the Define-XML 2.1 schema: {len(problems)} problem(s):\n  "
                          + "\n  ".join(problems[:50]),
                          hint="nothing was written; correct the spec (the line numbers are those of the document)")


def write_define(
    spec: Spec,
    folder: str | Path,
    *,
    created: str | _dt.datetime,
    datasets: Mapping[str, object] | None = None,
    ct_version: str | None = None,
    settings: Mapping[str, Any] | None = None,
    lengths: Mapping[str, Mapping[str, int]] | None = None,
) -> Path:
    """Write ``folder/define.xml``, ``folder/define2-1.xsl`` and ``folder/define.html``; returns the define.xml path.
    ``lengths``: the datasets' submitted character lengths when the caller has them (:func:`define_xml`).

    The document is built and validated (schema and references) before any file
    is touched, and each file is written to a temporary name and renamed: a
    spec error or a schema failure leaves the folder as it was.
    """
    xml = define_xml(spec, created=created, datasets=datasets, ct_version=ct_version, settings=settings,
                     lengths=lengths)
    folder = Path(folder)
    assert_valid_define(xml, where=str(folder / "define.xml"))
    xsl = stylesheet_bytes()
    html = define_html(xml, xsl)
    _atomic_write(folder / STYLESHEET, xsl)
    _atomic_write(folder / HTML, html)
    _atomic_write(folder / "define.xml", xml)
    return folder / "define.xml"


def define_with_parts(xml: bytes, parts: Mapping[str, Sequence[Any]]) -> bytes:
    """The define.xml of a package in which datasets over the size limit are submitted as numbered parts.

    Each split dataset's ``ItemGroupDef`` is replaced by one per part (``ADLB`` -> ``ADLB1``, ``ADLB2`` ...:
    Define-XML 2.1 gives an ``ItemGroupDef`` one ``def:leaf``, so each file is a dataset of its own), in its
    place and with the whole dataset's variables (the same ``ItemDef``s), keys, class, structure and label;
    its ``def:leaf`` links the part's file, and a ``def:CommentDef`` says which part it is, of which dataset,
    its records and subjects (before the dataset's own comment, which it keeps). ``Domain`` stays the
    parent domain (LB1 -> LB).

    Parameters
    ----------
    xml
        The define.xml of the whole datasets (:func:`define_xml`).
    parts
        Dataset name -> its parts (:class:`derivations.xpt.XptPart`, from :func:`derivations.xpt.split_xpt`).

    The result is checked against the Define-XML 2.1 schema and its own references
    (:func:`assert_valid_define`); a dataset the document lacks is a :class:`DefineError`.
    """
    import copy

    from lxml import etree

    root = etree.fromstring(xml)
    tree = root.getroottree()
    mdv = root.find(f".//{{{NS_ODM}}}MetaDataVersion")
    groups = {ig.get("Name"): ig for ig in mdv.iterfind(f"{{{NS_ODM}}}ItemGroupDef")}
    missing = sorted(set(parts) - set(groups))
    if missing:
        raise DefineError(f"define.xml has no dataset {', '.join(missing)} to list the parts of",
                          dataset=missing[0], hint="write the define.xml of the datasets that were split")
    comments = {c.get("OID"): c for c in mdv.iterfind(f"{{{NS_DEF}}}CommentDef")}
    new_comments = []
    for name, dataset_parts in parts.items():
        ig = groups[name]
        own = comments.get(ig.get(f"{{{NS_DEF}}}CommentOID") or "")
        own_text = "".join(own.find(f"{{{NS_ODM}}}Description").itertext()).strip() if own is not None else ""
        for part in dataset_parts:
            member, href = part.member, part.path.name
            twin = copy.deepcopy(ig)
            for attr, value in (("OID", _oid("IG", member)), ("Name", member), ("SASDatasetName", member),
                                (f"{{{NS_DEF}}}ArchiveLocationID", _oid("LF", member)),
                                (f"{{{NS_DEF}}}CommentOID", _oid("COM", member, "PART"))):
                twin.set(attr, value)
            leaf = twin.find(f"{{{NS_DEF}}}leaf")
            leaf.set("ID", _oid("LF", member))
            leaf.set(f"{{{NS_XLINK}}}href", href)
            leaf.find(f"{{{NS_DEF}}}title").text = href
            ig.addprevious(twin)
            who = (f"subject {part.first_subject}" if part.subjects == 1 else
                   f"{part.subjects:,} subjects, {part.first_subject} to {part.last_subject}")
            text = (f"Part {part.number} of {part.of} of {name}, split by subject into files of at most "
                    f"{part.max_bytes:,} bytes (the FDA's Study Data Technical Conformance Guide splits a dataset "
                    f"over 5 GB): records {part.first_record:,} to {part.first_record + part.records - 1:,} of "
                    f"{name} ({part.records:,} records, {who}). The parts, read in order, hold every record of "
                    f"{name}; no subject is in two parts.")
            comment = etree.Element(f"{{{NS_DEF}}}CommentDef", OID=_oid("COM", member, "PART"))
            description = etree.SubElement(comment, f"{{{NS_ODM}}}Description")
            translated = etree.SubElement(description, f"{{{NS_ODM}}}TranslatedText")
            translated.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
            translated.text = text + (f" {own_text}" if own_text else "")
            new_comments.append(comment)
        mdv.remove(ig)
        if own is not None and not root.xpath("//*[@def:CommentOID=$oid]", namespaces={"def": NS_DEF},
                                                oid=own.get("OID")):
            mdv.remove(own)  # the dataset's comment lives on in its parts' comments
    leaves = mdv.findall(f"{{{NS_DEF}}}leaf")
    tail = groups[next(iter(parts))].tail if parts else None
    for comment in new_comments:  # def:CommentDef elements come before the document leaves
        comment.tail = tail
        if leaves:
            leaves[0].addprevious(comment)
        else:
            mdv.append(comment)
    out = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    assert_valid_define(out, where="define.xml with dataset parts")
    return out


def define_schema():
    """The Define-XML 2.1 XML schema (``lxml.etree.XMLSchema``) from the XSD files odmlib ships."""
    from lxml import etree

    try:
        base = resources.files("odmlib") / "schemas" / "define" / "2.1" / "define2-1-0.xsd"
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise SpecError("the Define-XML 2.1 schema needs the odmlib package", hint="pip install odmlib lxml") from exc
    with resources.as_file(base) as path:
        return etree.XMLSchema(etree.parse(str(path)))


_SCHEMA = None


def schema_errors(xml: bytes) -> list[str]:
    """Schema errors of a define.xml given as bytes (``[]`` when it validates)."""
    from lxml import etree

    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = define_schema()
    try:
        doc = etree.fromstring(xml).getroottree()
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if _SCHEMA.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in _SCHEMA.error_log]


def validate_define(path: str | Path) -> list[str]:
    """Schema errors of a define.xml file (``[]`` when it validates against Define-XML 2.1)."""
    return schema_errors(Path(path).read_bytes())


_REFS = {  # referencing attribute -> defining element's id attribute
    "ItemOID": ("ItemDef", "OID"), "{%s}ItemOID" % NS_DEF: ("ItemDef", "OID"),
    "CodeListOID": ("CodeList", "OID"), "MethodOID": ("MethodDef", "OID"),
    "WhereClauseOID": ("WhereClauseDef", "OID"), "ValueListOID": ("ValueListDef", "OID"),
    "{%s}CommentOID" % NS_DEF: ("CommentDef", "OID"), "leafID": ("leaf", "ID"),
    "{%s}ArchiveLocationID" % NS_DEF: ("leaf", "ID"), "{%s}StandardOID" % NS_DEF: ("Standard", "OID"),
}


def reference_errors(xml: bytes) -> list[str]:
    """What the XSD does not check: duplicate OIDs and references to OIDs never defined."""
    from lxml import etree

    doc = etree.fromstring(xml)
    defined: dict[str, set[str]] = {}
    problems = []
    targets = {t for t, _ in _REFS.values()}
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        for id_attr in ("OID", "ID"):
            if id_attr in el.attrib and local in targets:
                seen = defined.setdefault(local, set())
                if el.attrib[id_attr] in seen:
                    problems.append(f"{local} {id_attr}={el.attrib[id_attr]!r} defined twice")
                seen.add(el.attrib[id_attr])
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        for attr, value in el.attrib.items():
            target = _REFS.get(attr)
            if target and not (local == target[0] and attr == target[1]) and value not in defined.get(target[0], ()):
                problems.append(f"{local} {etree.QName(attr).localname}={value!r} names no {target[0]}")
    return problems


def check_references(path: str | Path) -> list[str]:
    """:func:`reference_errors` of a define.xml file.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "define.xml"
    >>> _ = p.write_bytes(b'<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><ItemDef OID="IT.A"/>'
    ...                   b'<ItemRef ItemOID="IT.B"/></ODM>')
    >>> check_references(p)
    ["ItemRef ItemOID='IT.B' names no ItemDef"]
    """
    return reference_errors(Path(path).read_bytes())


def check_leaves(path: str | Path) -> list[str]:
    """Document links (``def:leaf xlink:href``) of a define.xml that name no file (relative to its folder)."""
    from lxml import etree

    path = Path(path)
    doc = etree.parse(str(path))
    out = []
    for leaf in doc.iter(f"{{{NS_DEF}}}leaf"):
        href = leaf.get(f"{{{NS_XLINK}}}href", "")
        target = (path.parent / href)
        if re.match(r"^[a-z]+:", href) or not target.is_file():
            out.append(f"def:leaf {leaf.get('ID')} links {href!r}, which is not a file of the package")
    return out
