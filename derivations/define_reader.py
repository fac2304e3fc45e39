"""A spec from an existing define.xml (Define-XML 2.0 or 2.1): legacy studies have a define, not a workbook.

:func:`spec_from_define` reads the datasets, variables (order, label, type, length,
significant digits, display format, mandatory, key sequence, role, origin, source,
aCRF pages, method, comment, has-no-data), value-level metadata with their where
clauses (kept under their OIDs on the WhereClauses sheet), codelists with NCI codes,
external dictionaries, methods, comments and documents. ``derive spec from-define
define.xml -o spec.xlsx`` writes it as a P21 workbook (:func:`~derivations.spec.write_spec`).

What a define does not say is taken as the spec would default it: a codelist is
extensible when one of its terms is an extended value, else as the CT release
shipped with the package says for its NCI code.

Example
-------
>>> from derivations.spec import Spec, DatasetSpec, VariableSpec
>>> from derivations.define import define_xml
>>> ds = DatasetSpec("DM", "Demographics", cls="SPECIAL PURPOSE", structure="One record per subject",
...                  keys=["USUBJID"], variables=[VariableSpec("DM", "USUBJID", "Unique Subject Identifier",
...                                                            length=12, origin="CRF", order=1)])
>>> xml = define_xml(Spec(study={"StudyName": "S1"}, datasets={"DM": ds}), created="2022-07-04T00:00:00")
>>> back = spec_from_define(xml)
>>> back.dataset("DM").variable("USUBJID")
VariableSpec(dataset='DM', name='USUBJID', label='Unique Subject Identifier', data_type='text', length=12, significant_digits=None, format='', mandatory=False, assigned_value='', codelist='', common='', origin='CRF', source='', pages='', method='', predecessor='', role='', comment='', order=1, has_no_data=False)
"""

from __future__ import annotations

from pathlib import Path

from .findings import SpecError
from .spec import (Codelist, Comment, DatasetSpec, Dictionary, Document, Method, Spec, Term, ValueLevelSpec,
                   VariableSpec, WhereClause, WhereCondition)

NS_ODM = "http://www.cdisc.org/ns/odm/v1.3"
NS_XLINK = "http://www.w3.org/1999/xlink"
DEF_NAMESPACES = {"2.1": "http://www.cdisc.org/ns/def/v2.1", "2.0": "http://www.cdisc.org/ns/def/v2.0"}


def _strip(oid: str, prefix: str) -> str:
    return oid[len(prefix):] if oid.startswith(prefix) else oid


class _Reader:
    def __init__(self, root, version: str):
        self.root = root
        self.version = version
        self.D = DEF_NAMESPACES[version]
        self.ns = {"odm": NS_ODM, "def": self.D, "xlink": NS_XLINK}
        mdvs = root.findall(f".//{{{NS_ODM}}}MetaDataVersion")
        if len(mdvs) != 1:
            raise SpecError(f"define.xml has {len(mdvs)} MetaDataVersion elements; one is expected")
        self.mdv = mdvs[0]
        self.items = {el.get("OID"): el for el in self.mdv.findall(f"{{{NS_ODM}}}ItemDef")}
        self.leaves = {el.get("ID"): el for el in self.mdv.findall(f"{{{self.D}}}leaf")}
        self.var_oid: dict[tuple[str, str], str] = {}  # (dataset, variable) -> the ItemOID its ItemRef names
        self.oid_datasets: dict[str, list[str]] = {}  # ItemOID -> the datasets whose ItemRefs name it

    def a(self, el, name: str, default: str = "") -> str:
        return el.get(f"{{{self.D}}}{name}", default)

    def text(self, el, tag: str = "Description") -> str:
        node = el.find(f"{{{NS_ODM}}}{tag}/{{{NS_ODM}}}TranslatedText")
        return (node.text or "").strip() if node is not None else ""

    def doc_ref(self, el) -> tuple[str, str]:
        ref = el.find(f"{{{self.D}}}DocumentRef")
        if ref is None:
            return "", ""
        page = ref.find(f"{{{self.D}}}PDFPageRef")
        return _strip(ref.get("leafID", ""), "LF."), (page.get("PageRefs", "") if page is not None else "")

    # ---------------------------------------------------------------- the study
    def study(self) -> dict[str, str]:
        gv = self.root.find(f".//{{{NS_ODM}}}GlobalVariables")
        out = {}
        for tag in ("StudyName", "StudyDescription", "ProtocolName"):
            node = gv.find(f"{{{NS_ODM}}}{tag}") if gv is not None else None
            if node is not None and node.text:
                out[tag] = node.text.strip()
        if self.version == "2.1":
            ig = self.mdv.find(f"{{{self.D}}}Standards/{{{self.D}}}Standard[@Type='IG']")
            if ig is not None:
                out["StandardName"], out["StandardVersion"] = ig.get("Name", ""), ig.get("Version", "")
            ct = self.mdv.find(f"{{{self.D}}}Standards/{{{self.D}}}Standard[@Type='CT']")
            if ct is not None:
                out["CTVersion"] = ct.get("Version", "")
        else:
            out["StandardName"] = self.a(self.mdv, "StandardName")
            out["StandardVersion"] = self.a(self.mdv, "StandardVersion")
        return {k: v for k, v in out.items() if v}

    # ---------------------------------------------------------------- variables
    def origin(self, it) -> dict[str, str]:
        o = it.find(f"{{{self.D}}}Origin")
        if o is None:
            return {}
        kind, who, desc = o.get("Type", ""), o.get("Source", ""), self.text(o)
        pages = ""
        ref = o.find(f"{{{self.D}}}DocumentRef/{{{self.D}}}PDFPageRef")
        if ref is not None:
            pages = ref.get("PageRefs", "")
        if kind == "Collected":  # 2.1
            if who == "Vendor":
                return {"origin": "eDT", "source": desc, "pages": pages}
            return {"origin": "CRF", "source": desc if who in ("", "Investigator") else who, "pages": pages}
        if kind == "Predecessor":
            return {"origin": "Predecessor", "source": desc, "predecessor": desc}
        return {"origin": kind, "source": desc, "pages": pages}

    def item(self, oid: str, dataset: str, ref=None, *, value_level: bool = False, where: str = "",
             variable: str = ""):
        """A variable (or, with ``value_level``, a value-level row of ``variable``, the variable whose
        ItemDef holds the def:ValueListRef: Pinnacle 21 names a value-level ItemDef like its OID,
        ``QVAL.SUPPAE.QNAM.EQ.2d46e5f5...``, which is no variable name)."""
        it = self.items.get(oid)
        if it is None:
            raise SpecError(f"define.xml refers to ItemDef {oid!r}, which it does not define", dataset=dataset)
        cl = it.find(f"{{{NS_ODM}}}CodeListRef")
        common = dict(
            label=self.text(it), data_type=it.get("DataType", "text"),
            length=int(it.get("Length")) if it.get("Length") else None,
            significant_digits=int(it.get("SignificantDigits")) if it.get("SignificantDigits") else None,
            format=self.a(it, "DisplayFormat"), codelist=_strip(cl.get("CodeListOID", ""), "CL.") if cl is not None
            else "", comment=self.a(it, "CommentOID"),
            mandatory=(ref is not None and ref.get("Mandatory") == "Yes"),
            method=ref.get("MethodOID", "") if ref is not None else "",
            order=int(ref.get("OrderNumber")) if ref is not None and ref.get("OrderNumber") else 0)
        o = self.origin(it)
        if value_level:
            return ValueLevelSpec(dataset, variable, where, origin=o.get("origin", ""),
                                  source=o.get("source", ""), pages=o.get("pages", ""),
                                  predecessor=o.get("predecessor", ""), **common)
        return VariableSpec(dataset, it.get("Name", "") or it.get("SASFieldName", ""), origin=o.get("origin", ""),
                            source=o.get("source", ""), pages=o.get("pages", ""), predecessor=o.get("predecessor", ""),
                            role=ref.get("Role", "") if ref is not None else "",
                            has_no_data=ref is not None and self.a(ref, "HasNoData") == "Yes", **common)

    # ---------------------------------------------------------------- datasets
    def datasets(self, spec: Spec) -> None:
        for ig in self.mdv.findall(f"{{{NS_ODM}}}ItemGroupDef"):
            name = ig.get("Name", "") or ig.get("SASDatasetName", "")
            refs = ig.findall(f"{{{NS_ODM}}}ItemRef")
            keys = [self.items[r.get("ItemOID")].get("Name") for r in sorted(
                (r for r in refs if r.get("KeySequence")), key=lambda r: int(r.get("KeySequence")))
                if r.get("ItemOID") in self.items]
            cls_el = ig.find(f"{{{self.D}}}Class")
            cls = cls_el.get("Name", "") if cls_el is not None else self.a(ig, "Class")
            sub = cls_el.find(f"{{{self.D}}}SubClass") if cls_el is not None else None
            domain = ig.get("Domain", "")
            ds = DatasetSpec(
                name=name, label=self.text(ig), cls=cls, subclass=sub.get("Name", "") if sub is not None else "",
                structure=self.a(ig, "Structure"), keys=keys, standard=" ".join(
                    x for x in (spec.study.get("StandardName", ""), spec.study.get("StandardVersion", "")) if x),
                has_no_data=self.a(ig, "HasNoData") == "Yes", repeating=ig.get("Repeating", ""),
                reference_data=ig.get("IsReferenceData", ""), comment=self.a(ig, "CommentOID"),
                domain=domain if domain and domain != name and not name.startswith(("SUPP", "SQAP")) else "")
            for r in refs:
                v = self.item(r.get("ItemOID"), name, r)
                self.var_oid[(name, v.name)] = r.get("ItemOID")
                self.oid_datasets.setdefault(r.get("ItemOID"), []).append(name)
                ds.variables.append(v)
            ds.variables.sort(key=lambda v: v.order)
            spec.datasets[name] = ds

    def dataset_of(self, oid: str, current: str) -> str:
        """The dataset of a where clause's variable: the one whose ItemRefs name its ItemOID (the current
        dataset first, as OIDs such as ``IT.STUDYID`` are shared), else the ``IT.<dataset>.<name>`` form."""
        in_ds = self.oid_datasets.get(oid, [])
        parts = oid.split(".")
        if current in in_ds or (not in_ds and len(parts) < 3):
            return current
        if len(in_ds) == 1:
            return in_ds[0]
        return parts[1] if len(parts) >= 3 else current

    def value_level(self, spec: Spec) -> None:
        lists = {el.get("OID"): el for el in self.mdv.findall(f"{{{self.D}}}ValueListDef")}
        wcs = {el.get("OID"): el for el in self.mdv.findall(f"{{{self.D}}}WhereClauseDef")}
        names = {oid: el.get("Name") or el.get("SASFieldName", "") for oid, el in self.items.items()}
        for ds in spec.datasets.values():
            for ig_ref in ds.variables:
                it = self.items.get(self.var_oid.get((ds.name, ig_ref.name), ""))
                if it is None:
                    continue
                vref = it.find(f"{{{self.D}}}ValueListRef")
                if vref is None or vref.get("ValueListOID") not in lists:
                    continue
                for ref in lists[vref.get("ValueListOID")].findall(f"{{{NS_ODM}}}ItemRef"):
                    wref = ref.find(f"{{{self.D}}}WhereClauseRef")
                    wid = wref.get("WhereClauseOID", "") if wref is not None else ""
                    if wid and wid not in spec.where_clauses and wid in wcs:
                        conds = []
                        for rc in wcs[wid].findall(f"{{{NS_ODM}}}RangeCheck"):
                            var_oid = self.a(rc, "ItemOID")
                            conds.append(WhereCondition(
                                self.dataset_of(var_oid, ds.name), names.get(var_oid, var_oid.split(".")[-1]),
                                rc.get("Comparator", "EQ"),
                                tuple((cv.text or "") for cv in rc.findall(f"{{{NS_ODM}}}CheckValue"))))
                        comment = self.a(wcs[wid], "CommentOID")
                        spec.where_clauses[wid] = WhereClause(wid, tuple(conds), comment)
                    ds.value_level.append(self.item(ref.get("ItemOID"), ds.name, ref, value_level=True, where=wid,
                                                    variable=ig_ref.name))

    # ---------------------------------------------------------------- codelists, methods, comments, documents
    def codelists(self, spec: Spec) -> None:
        ct = None
        for cl in self.mdv.findall(f"{{{NS_ODM}}}CodeList"):
            cid = _strip(cl.get("OID", ""), "CL.")
            ext = cl.find(f"{{{NS_ODM}}}ExternalCodeList")
            if ext is not None:
                spec.dictionaries[cid] = Dictionary(cid, cl.get("Name", ""), cl.get("DataType", "text"),
                                                    ext.get("Dictionary", ""), ext.get("Version", ""))
                continue
            alias = cl.find(f"{{{NS_ODM}}}Alias[@Context='nci:ExtCodeID']")
            nci = alias.get("Name", "") if alias is not None else ""
            terms, extended = [], False
            for item in cl.findall(f"{{{NS_ODM}}}CodeListItem") + cl.findall(f"{{{NS_ODM}}}EnumeratedItem"):
                ta = item.find(f"{{{NS_ODM}}}Alias[@Context='nci:ExtCodeID']")
                extended |= self.a(item, "ExtendedValue") == "Yes"
                terms.append(Term(item.get("CodedValue", ""), self.text(item, "Decode"),
                                  ta.get("Name", "") if ta is not None else "",
                                  int(item.get("OrderNumber")) if item.get("OrderNumber") else None))
            terms.sort(key=lambda t: (t.order is None, t.order or 0))
            standard = bool(nci) and self.a(cl, "IsNonStandard") != "Yes"
            extensible = extended
            if not extended and nci:
                if ct is None:
                    from .ct import load_ct
                    from .spec import DEFAULT_CT_VERSION

                    ct = load_ct(spec.study.get("CTVersion") or DEFAULT_CT_VERSION) \
                        if (spec.study.get("CTVersion") or DEFAULT_CT_VERSION) in _shipped() \
                        else load_ct(DEFAULT_CT_VERSION)
                known = ct.codelists.get(nci)
                extensible = known.extensible if known else False
            spec.codelists[cid] = Codelist(cid, cl.get("Name", ""), cl.get("DataType", "text"), nci,
                                           "CDISC/NCI" if standard else "Sponsor", extensible, tuple(terms),
                                           self.a(cl, "CommentOID"))

    def methods_comments_documents(self, spec: Spec) -> None:
        for m in self.mdv.findall(f"{{{NS_ODM}}}MethodDef"):
            fe = m.find(f"{{{NS_ODM}}}FormalExpression")
            doc, pages = self.doc_ref(m)
            spec.methods[m.get("OID")] = Method(m.get("OID"), m.get("Name", ""), m.get("Type", ""), self.text(m),
                                                fe.get("Context", "") if fe is not None else "",
                                                (fe.text or "") if fe is not None else "", doc, pages)
        for c in self.mdv.findall(f"{{{self.D}}}CommentDef"):
            doc, pages = self.doc_ref(c)
            spec.comments[c.get("OID")] = Comment(c.get("OID"), self.text(c), doc, pages)
        for lid, leaf in self.leaves.items():
            if any(lid == f"LF.{n}" for n in spec.datasets):
                continue  # a dataset's location, not a document
            title = leaf.find(f"{{{self.D}}}title")
            spec.documents[_strip(lid, "LF.")] = Document(_strip(lid, "LF."), (title.text or "").strip()
                                                          if title is not None else "", leaf.get(f"{{{NS_XLINK}}}href", ""))


def _shipped() -> list[str]:
    from .ct import available_ct_versions

    return available_ct_versions()


def spec_from_define(source: str | Path | bytes) -> Spec:
    """A :class:`Spec` from a define.xml (a path, or the document as bytes); Define-XML 2.0 or 2.1."""
    from lxml import etree

    try:
        root = etree.fromstring(source) if isinstance(source, bytes) else etree.parse(str(source)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SpecError(f"define.xml {source if not isinstance(source, bytes) else ''} cannot be read: {exc}",
                        hint="give the path of a Define-XML 2.0 or 2.1 file") from None
    used = {v for k, v in (root.nsmap or {}).items()} | {v for el in root.iter() if isinstance(el.tag, str)
                                                         for v in (el.nsmap or {}).values()}
    version = next((ver for ver, ns in DEF_NAMESPACES.items() if ns in used), None)
    if version is None:
        raise SpecError("the file is not a Define-XML 2.0 or 2.1 document (no def: namespace of either)",
                        hint="derive spec from-define reads define.xml files")
    r = _Reader(root, version)
    spec = Spec(path=None, study=r.study())
    r.datasets(spec)
    r.value_level(spec)
    r.codelists(spec)
    r.methods_comments_documents(spec)
    return spec
