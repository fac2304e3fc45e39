"""Define-XML 2.1 from a :class:`~derivations.spec.Spec`, with a small XSL stylesheet.

:func:`define_xml` builds the document (bytes), :func:`write_define` writes it
atomically next to the datasets together with the stylesheet
(``define2-1.xsl``, this package's own, referenced by an ``xml-stylesheet``
processing instruction so that a browser renders the tables), and
:func:`validate_define` checks a file against the Define-XML 2.1 XML schema
(the XSD files shipped by the ``odmlib`` package).

What comes from where:

==========================  ===========================================================
``def:Standards``           the IG of the datasets (``SDTMIG 3.4`` / ``ADaMIG 1.3``) and
                            CDISC/NCI controlled terminology (``ct_version``)
``ItemGroupDef``            Datasets sheet: name, label, class/subclass, structure, keys
                            (``KeySequence``), repeating, reference data; ``def:leaf``
                            points at ``<name>.xpt`` in the same folder
``ItemDef``                 Variables sheet; value-level rows become their own ItemDefs in a
                            ``def:ValueListDef`` with ``def:WhereClauseDef`` parsed from
                            ``PARAMCD EQ 'PFS'`` / ``TRTESTCD IN ('LDIAM','SAXIS')`` forms
``def:Origin``              CRF -> Collected/Investigator (aCRF pages when given), eDT ->
                            Collected/Vendor, Derived, Assigned, Protocol, Predecessor
                            (predecessor text as description)
``CodeList``                Codelists sheet: ``CodeListItem`` + Decode when any term has a
                            decode, else ``EnumeratedItem``; NCI codes as ``Alias
                            nci:ExtCodeID``; sponsor lists ``def:IsNonStandard="Yes"``;
                            Dictionaries sheet -> ``ExternalCodeList``
``MethodDef``/CommentDef    Methods / Comments sheets (free-text comments get their own
                            CommentDef)
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
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape, quoteattr

from .findings import SpecError
from .spec import NUMERIC_TYPES, Spec, VariableSpec, ValueLevelSpec, check_spec

NS_ODM = "http://www.cdisc.org/ns/odm/v1.3"
NS_DEF = "http://www.cdisc.org/ns/def/v2.1"
NS_XLINK = "http://www.w3.org/1999/xlink"
NS_ARM = "http://www.cdisc.org/ns/arm/v1.0"
STYLESHEET = "define2-1.xsl"
#: Controlled terminology version used when neither the caller nor the spec names one.
DEFAULT_CT_VERSION = "2024-09-27"
COMPARATORS = ("EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN")
_DEFINE_TYPES = {"text", "integer", "float", "datetime", "date", "time", "partialDate", "partialTime",
                 "partialDatetime", "incompleteDatetime", "durationDatetime", "intervalDatetime"}
_SDTM_CLASSES = {"SPECIAL PURPOSE", "TRIAL DESIGN", "INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT",
                 "RELATIONSHIP", "STUDY REFERENCE"}


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


# --------------------------------------------------------------------------- helpers

def _ids(text: str) -> list[str]:
    return [x for x in re.split(r"[,\s]+", text or "") if x]


def _standard(spec: Spec) -> tuple[str, str]:
    """(IG name, version) from the Study sheet or the datasets' Standard column."""
    st = spec.study
    name, version = st.get("StandardName", ""), st.get("StandardVersion", "")
    text = st.get("Standard", "") or next((d.standard for d in spec.datasets.values() if d.standard), "")
    if not name and text:
        bits = text.split()
        name, version = bits[0], (bits[1] if len(bits) > 1 else version)
    if not name:
        adam = any(n.startswith("AD") for n in spec.datasets)
        name, version = ("ADaMIG", "1.3") if adam else ("SDTMIG", "3.4")
    return name, version


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


def _display_format(fmt: str) -> str:
    if not fmt:
        return ""
    fmt = fmt.strip()
    if not fmt.endswith(".") and not re.search(r"\.\d*$", fmt):
        fmt = {"DATE": "DATE9.", "DATETIME": "DATETIME20.", "TIME": "TIME8."}.get(fmt.upper(), fmt + ".")
    return fmt


def _is_standard_codelist(cl) -> bool:
    return bool(cl.nci_code) and cl.terminology.upper().replace(" ", "").startswith("CDISC")


def _data_length(frame, name: str) -> int | None:
    import pandas as pd

    if frame is None or name not in frame.columns:
        return None
    col = frame[name]
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
        return None
    lens = col.dropna().astype(str).str.encode("utf-8").str.len()
    return int(lens.max()) if len(lens) and lens.max() > 0 else 1


def _significant_digits(frame, name: str) -> int | None:
    import numpy as np
    import pandas as pd

    if frame is None or name not in frame.columns or not pd.api.types.is_numeric_dtype(frame[name]):
        return None
    vals = frame[name].dropna().to_numpy(dtype=float)
    if not len(vals):
        return None
    for digits in range(0, 9):
        if np.allclose(np.round(vals, digits), vals, rtol=0, atol=1e-9):
            return digits
    return 8


def check_define(spec: Spec) -> list[str]:
    """Every reason the spec cannot become a valid define.xml (empty when it can).

    Besides :func:`~derivations.spec.check_spec` errors: value-level rows of a
    variable not in the dataset, where clauses that cannot be read or test a
    variable the dataset lacks, codelists/methods of value-level rows missing.
    """
    problems = [str(f) for f in check_spec(spec) if f.severity == "error"]
    for ds in spec.datasets.values():
        names = set(ds.variable_names)
        for vl in ds.value_level:
            where = f"{ds.name}.{vl.variable} [{vl.where_clause}]"
            if vl.variable not in names:
                problems.append(f"value-level row {where}: variable {vl.variable} is not a variable of {ds.name}")
            try:
                conds = parse_where_clause(vl.where_clause)
            except DefineError as exc:
                problems.append(f"value-level row {where}: {exc}")
                continue
            for var, _, _ in conds:
                if var not in names:
                    problems.append(f"value-level row {where}: where clause tests {var}, not a variable of {ds.name}")
    return list(dict.fromkeys(problems))


# --------------------------------------------------------------------------- the document

def define_xml(
    spec: Spec,
    *,
    created: str | _dt.datetime,
    datasets: Mapping[str, object] | None = None,
    ct_version: str | None = None,
    stylesheet: str | None = STYLESHEET,
    context: str = "Submission",
) -> bytes:
    """The define.xml document for ``spec`` as UTF-8 bytes.

    ``datasets`` (name -> DataFrame) restricts the document to the datasets
    that were produced and fills lengths/significant digits the spec leaves
    empty from the data. Raises :class:`DefineError` listing every dangling
    reference (codelist, method, comment) or unreadable where clause.
    """
    problems = check_define(spec)
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
    names = [n for n in spec.datasets if datasets is None or n in {k.upper() for k in datasets}]
    frames = {k.upper(): v for k, v in (datasets or {}).items()}

    root = _El("ODM", [
        ("xmlns", NS_ODM), ("xmlns:xlink", NS_XLINK), ("xmlns:def", NS_DEF), ("xmlns:arm", NS_ARM),
        ("ODMVersion", "1.3.2"), ("FileType", "Snapshot"),
        ("FileOID", _oid("DEF", studyid, "ADaM" if adam else "SDTM")),
        ("CreationDateTime", created_text), ("Originator", spec.study.get("Originator", "")),
        ("SourceSystem", "derivations"), ("def:Context", context),
    ], [])
    study_el = root.add("Study", ("OID", _oid("STDY", studyid)))
    gv = study_el.add("GlobalVariables")
    gv.add("StudyName", text=studyid)
    gv.add("StudyDescription", text=spec.study.get("StudyDescription", "") or studyid)
    gv.add("ProtocolName", text=spec.study.get("ProtocolName", "") or studyid)
    mdv = study_el.add("MetaDataVersion", ("OID", _oid("MDV", studyid, ig_name)),
                       ("Name", f"{studyid} {ig_name} {ig_version}"),
                       ("Description", f"Data definitions for the {ig_name} {ig_version} datasets of {studyid}"),
                       ("def:DefineVersion", "2.1.0"))
    std_oid, ct_oid = _oid("STD", ig_name, ig_version), _oid("STD", "CT", "SDTM", ct_version)
    stds = mdv.add("def:Standards")
    stds.add("def:Standard", ("OID", std_oid), ("Name", ig_name), ("Type", "IG"), ("Version", ig_version),
             ("Status", "Final"))

    # ---- what is referenced (only those codelists/methods/comments/documents go in)
    used_codelists: list[str] = []
    used_methods: list[str] = []
    comments: dict[str, str] = {}       # OID -> text
    comment_docs: dict[str, tuple[str, str]] = {}
    used_docs: list[str] = []

    def use(seq: list[str], item: str) -> None:
        if item and item not in seq:
            seq.append(item)

    def comment_oid(text: str, fallback: str) -> str | None:
        if not text:
            return None
        if text in spec.comments:
            c = spec.comments[text]
            comments[text] = c.description
            if c.document:
                comment_docs[text] = (c.document, c.pages)
                use(used_docs, c.document)
            return text
        comments[fallback] = text
        return fallback

    for name in names:
        ds = spec.datasets[name]
        for v in ds.variables:
            use(used_codelists, v.codelist)
            for m in _ids(v.method):
                use(used_methods, m)
        for vl in ds.value_level:
            use(used_codelists, vl.codelist)
            use(used_methods, vl.method)
    for m in used_methods:
        if spec.methods[m].document:
            use(used_docs, spec.methods[m].document)
    crf_pages = any(v.pages for n in names for v in spec.datasets[n].variables)
    acrf = next((d for d in spec.documents if d.upper() in ("ACRF", "LF.ACRF", "ANNOTATEDCRF")
                 or "annotated" in spec.documents[d].title.lower()), None)
    if acrf and crf_pages:
        use(used_docs, acrf)
    standard_cls = [c for c in used_codelists if c in spec.codelists and _is_standard_codelist(spec.codelists[c])]
    if standard_cls:
        stds.add("def:Standard", ("OID", ct_oid), ("Name", "CDISC/NCI"), ("Type", "CT"),
                 ("PublishingSet", "SDTM"), ("Version", ct_version), ("Status", "Final"))
    if acrf in used_docs:
        mdv.add("def:AnnotatedCRF").add("def:DocumentRef", ("leafID", _oid("LF", acrf)))
    supp_docs = [d for d in used_docs if d != acrf] + [d for d in spec.documents if d != acrf and d not in used_docs]
    if supp_docs:
        sd = mdv.add("def:SupplementalDoc")
        for d in supp_docs:
            sd.add("def:DocumentRef", ("leafID", _oid("LF", d)))

    def doc_ref(parent: _El, doc: str, pages: str) -> None:
        ref = parent.add("def:DocumentRef", ("leafID", _oid("LF", doc)))
        if pages:
            ref.add("def:PDFPageRef", ("PageRefs", " ".join(_ids(pages))), ("Type", "PhysicalRef"))

    # ---- value lists and where clauses
    vl_oid: dict[tuple[str, str], str] = {}
    item_defs: list[tuple[str, str, VariableSpec | ValueLevelSpec, str]] = []  # (oid, dataset, spec, label)
    wc_els: list[_El] = []
    for name in names:
        ds = spec.datasets[name]
        by_var: dict[str, list[ValueLevelSpec]] = {}
        for vl in sorted(ds.value_level, key=lambda x: x.order):
            by_var.setdefault(vl.variable, []).append(vl)
        for var, rows in by_var.items():
            oid = _oid("VL", name, var)
            vl_oid[(name, var)] = oid
            vld = mdv.add("def:ValueListDef", ("OID", oid))
            for i, vl in enumerate(rows, start=1):
                conds = parse_where_clause(vl.where_clause)
                tag = "_".join(f"{c[0]}.{c[1]}.{'_'.join(c[2])}" for c in conds)
                wc = _oid("WC", name, var, tag)
                it = _oid("IT", name, var, "_".join("_".join(c[2]) for c in conds))
                ref = vld.add("ItemRef", ("ItemOID", it), ("OrderNumber", i), ("Mandatory", "Yes" if vl.mandatory else "No"),
                              ("MethodOID", vl.method or None))
                ref.add("def:WhereClauseRef", ("WhereClauseOID", wc))
                wel = _El("def:WhereClauseDef", [("OID", wc)], [])
                for cvar, op, vals in conds:
                    rc = wel.add("RangeCheck", ("SoftHard", "Soft"), ("def:ItemOID", _oid("IT", name, cvar)),
                                 ("Comparator", op))
                    for val in vals:
                        rc.add("CheckValue", text=val)
                wc_els.append(wel)
                item_defs.append((it, name, vl, vl.label or ds.variable(var).label))
    mdv.children.extend(wc_els)

    # ---- datasets
    for name in names:
        ds = spec.datasets[name]
        purpose = "Analysis" if adam else "Tabulation"
        cls = ds.cls.strip().upper()
        repeating = ds.repeating or ("No" if ds.structure.lower().startswith("one record per subject") else "Yes")
        ig = mdv.add("ItemGroupDef", ("OID", _oid("IG", name)), ("Name", name),
                     ("Repeating", "Yes" if repeating.lower().startswith("y") else "No"),
                     ("IsReferenceData", "Yes" if ds.reference_data.lower().startswith("y") else "No"),
                     ("SASDatasetName", name), ("Domain", None if adam else name),
                     ("Purpose", purpose), ("def:Structure", ds.structure or "See dataset label"),
                     ("def:StandardOID", std_oid), ("def:HasNoData", "Yes" if ds.has_no_data else None),
                     ("def:CommentOID", comment_oid(ds.comment, _oid("COM", name))),
                     ("def:ArchiveLocationID", _oid("LF", name)))
        _description(ig, ds.label)
        for v in ds.variables:
            key = ds.keys.index(v.name) + 1 if v.name in ds.keys else None
            ig.add("ItemRef", ("ItemOID", _oid("IT", name, v.name)), ("OrderNumber", v.order or None),
                   ("Mandatory", "Yes" if v.mandatory else "No"), ("KeySequence", key),
                   ("MethodOID", (_ids(v.method) or [None])[0]), ("Role", None if adam else (v.role or None)))
            item_defs.append((_oid("IT", name, v.name), name, v, v.label))
        if cls:
            cel = ig.add("def:Class", ("Name", cls))
            if ds.subclass:
                cel.add("def:SubClass", ("Name", ds.subclass.strip().upper()))
        leaf = ig.add("def:leaf", ("ID", _oid("LF", name)), ("xlink:href", f"{name.lower()}.xpt"))
        leaf.add("def:title", text=f"{name.lower()}.xpt")

    # ---- variables (dataset level first, then value level, each in order of appearance)
    item_defs.sort(key=lambda x: isinstance(x[2], ValueLevelSpec))
    for oid, name, v, label in item_defs:
        frame = frames.get(name)
        dtype = _define_type(v)
        length = v.length
        if dtype == "text" and length is None:
            length = _data_length(frame, v.variable if isinstance(v, ValueLevelSpec) else v.name) or 1
        if dtype in ("integer", "float") and length is None:
            length = 8
        if dtype not in ("text", "integer", "float"):
            length = None
        sig = v.significant_digits
        if dtype == "float" and sig is None:
            sig = _significant_digits(frame, v.name) if isinstance(v, VariableSpec) else None
            sig = 1 if sig is None else sig
        vname = v.variable if isinstance(v, ValueLevelSpec) else v.name
        fallback_com = _oid("COM", oid[3:])
        el = mdv.add("ItemDef", ("OID", oid), ("Name", vname), ("DataType", dtype), ("Length", length),
                     ("SignificantDigits", sig if dtype == "float" else None), ("SASFieldName", vname),
                     ("def:DisplayFormat", _display_format(v.format) or None),
                     ("def:CommentOID", comment_oid(v.comment, fallback_com)))
        _description(el, label)
        if v.codelist:
            el.add("CodeListRef", ("CodeListOID", _oid("CL", v.codelist)))
        _origin(el, v, spec, acrf, doc_ref)
        if isinstance(v, VariableSpec) and (name, v.name) in vl_oid:
            el.add("def:ValueListRef", ("ValueListOID", vl_oid[(name, v.name)]))

    # ---- codelists
    for cid in used_codelists:
        if cid in spec.dictionaries:
            d = spec.dictionaries[cid]
            cl_el = mdv.add("CodeList", ("OID", _oid("CL", cid)), ("Name", d.name or cid),
                            ("DataType", _define_type_plain(d.data_type)))
            cl_el.add("ExternalCodeList", ("Dictionary", d.dictionary or d.name), ("Version", d.version))
            continue
        cl = spec.codelists[cid]
        standard = _is_standard_codelist(cl)
        cl_el = mdv.add("CodeList", ("OID", _oid("CL", cid)), ("Name", cl.name or cid),
                        ("DataType", _define_type_plain(cl.data_type)),
                        ("def:IsNonStandard", None if standard else "Yes"),
                        ("def:StandardOID", ct_oid if standard else None),
                        ("def:CommentOID", comment_oid(cl.comment, _oid("COM", "CL", cid))))
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

    # ---- methods, comments, leafs
    for mid in used_methods:
        m = spec.methods[mid]
        mtype = "Imputation" if m.type.strip().lower() == "imputation" else "Computation"
        mel = mdv.add("MethodDef", ("OID", mid), ("Name", m.name or mid), ("Type", mtype))
        _description(mel, m.description or m.name or mid)
        if m.document:
            doc_ref(mel, m.document, m.pages)
        if m.expression_code:
            mel.add("FormalExpression", ("Context", m.expression_context or "Python"), text=m.expression_code)
    for coid, text in comments.items():
        cel = mdv.add("def:CommentDef", ("OID", coid))
        _description(cel, text or coid)
        if coid in comment_docs:
            doc_ref(cel, *comment_docs[coid])
    for d in ([acrf] if acrf in used_docs else []) + supp_docs:
        doc = spec.documents[d]
        leaf = mdv.add("def:leaf", ("ID", _oid("LF", d)), ("xlink:href", doc.href or f"{d.lower()}.pdf"))
        leaf.add("def:title", text=doc.title or d)

    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    if stylesheet:
        lines.append(f'<?xml-stylesheet type="text/xsl" href={quoteattr(stylesheet)}?>')
    root.render(lines)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _define_type_plain(text: str) -> str:
    low = (text or "text").lower()
    if low in ("integer", "float"):
        return low
    return "float" if low in ("double", "decimal") else "text"


def _origin(el: _El, v, spec: Spec, acrf: str | None, doc_ref) -> None:
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
        if acrf and pages:
            doc_ref(o, acrf, pages)
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


def write_define(
    spec: Spec,
    folder: str | Path,
    *,
    created: str | _dt.datetime,
    datasets: Mapping[str, object] | None = None,
    ct_version: str | None = None,
) -> Path:
    """Write ``folder/define.xml`` and ``folder/define2-1.xsl``; returns the define.xml path.

    The document is built completely before any file is touched, and each file
    is written to a temporary name and renamed: a spec error leaves the folder
    as it was.
    """
    xml = define_xml(spec, created=created, datasets=datasets, ct_version=ct_version)
    xsl = stylesheet_bytes()
    folder = Path(folder)
    _atomic_write(folder / STYLESHEET, xsl)
    _atomic_write(folder / "define.xml", xml)
    return folder / "define.xml"


def define_schema():
    """The Define-XML 2.1 XML schema (``lxml.etree.XMLSchema``) from the XSD files odmlib ships."""
    from lxml import etree

    try:
        base = resources.files("odmlib") / "schemas" / "define" / "2.1" / "define2-1-0.xsd"
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise SpecError("the Define-XML 2.1 schema needs the odmlib package", hint="pip install odmlib lxml") from exc
    with resources.as_file(base) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def validate_define(path: str | Path) -> list[str]:
    """Schema errors of a define.xml (``[]`` when it validates against Define-XML 2.1)."""
    from lxml import etree

    schema = define_schema()
    doc = etree.parse(str(path))
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


_REFS = {  # referencing attribute -> defining element's id attribute
    "ItemOID": ("ItemDef", "OID"), "{%s}ItemOID" % NS_DEF: ("ItemDef", "OID"),
    "CodeListOID": ("CodeList", "OID"), "MethodOID": ("MethodDef", "OID"),
    "WhereClauseOID": ("WhereClauseDef", "OID"), "ValueListOID": ("ValueListDef", "OID"),
    "{%s}CommentOID" % NS_DEF: ("CommentDef", "OID"), "leafID": ("leaf", "ID"),
    "{%s}ArchiveLocationID" % NS_DEF: ("leaf", "ID"), "{%s}StandardOID" % NS_DEF: ("Standard", "OID"),
}


def check_references(path: str | Path) -> list[str]:
    """What the XSD does not check: duplicate OIDs and references to OIDs never defined.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "define.xml"
    >>> _ = p.write_bytes(b'<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><ItemDef OID="IT.A"/>'
    ...                   b'<ItemRef ItemOID="IT.B"/></ODM>')
    >>> check_references(p)
    ["ItemRef ItemOID='IT.B' names no ItemDef"]
    """
    from lxml import etree

    doc = etree.parse(str(path))
    defined: dict[str, set[str]] = {}
    problems = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        for id_attr in ("OID", "ID"):
            if id_attr in el.attrib and local in {t for t, _ in _REFS.values()}:
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
