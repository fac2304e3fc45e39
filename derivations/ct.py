"""CDISC controlled terminology (CT) as package data, and filling a spec's codelists from it.

A CT package is a table of the NCI EVS release a study names in ``study.toml``
(``[study] ct_version``): one row per term with the codelist's NCI code, its
short name, whether it is extensible, its publishing set (SDTM or ADaM) and the
term's NCI code. The package shipped in ``derivations/resources/ct/`` holds the
codelists the framework's studies use, not the whole release.

:func:`apply_ct` makes a spec's CDISC codelists say what the CT says: the
codelist's NCI code and extensibility, and each term's NCI code. A term the
CT does not list keeps no code: it is a sponsor extension (allowed only when the
codelist is extensible; define.xml marks it ``def:ExtendedValue="Yes"``).

Example
-------
>>> from derivations.spec import Codelist, Spec, Term
>>> ct = load_ct("2024-09-27")
>>> spec = Spec(codelists={"SEX": Codelist("SEX", "Sex", nci_code="C66731", terminology="CDISC/NCI",
...                                        terms=(Term("F"), Term("M")))})
>>> new, notes = apply_ct(spec, ct)
>>> [(t.term, t.nci_code) for t in new.codelists["SEX"].terms]
[('F', 'C16576'), ('M', 'C20197')]
>>> notes[0]
'SEX: term F gets NCI code C16576'
>>> ct.publishing_set("C81223")
'ADaM'
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass, field
from importlib import resources

from .findings import SpecError
from .spec import Codelist, Spec, Term

#: The folder of the package data (one ``cdisc-ct-<version>.csv`` per CT release).
_CT_DIR = ("resources", "ct")


@dataclass(frozen=True)
class CTCodelist:
    """One codelist of a CT release: NCI code, short name, name, extensibility and terms."""

    code: str
    short: str
    name: str
    extensible: bool
    publishing_set: str
    terms: dict[str, str] = field(default_factory=dict)  # submission value -> NCI term code
    decodes: dict[str, str] = field(default_factory=dict)

    def term_for_code(self, code: str) -> str | None:
        return next((t for t, c in self.terms.items() if c == code), None)


@dataclass(frozen=True)
class CTPackage:
    """A CT release (``version``) by codelist NCI code."""

    version: str
    codelists: dict[str, CTCodelist]

    def by_short_name(self, name: str) -> CTCodelist | None:
        return next((c for c in self.codelists.values() if c.short == name.upper()), None)

    def publishing_set(self, code: str, default: str = "SDTM") -> str:
        """``SDTM`` or ``ADaM``: the CT package a codelist is published in."""
        cl = self.codelists.get(code)
        return cl.publishing_set if cl else default


def available_ct_versions() -> list[str]:
    """CT releases shipped as package data."""
    folder = resources.files("derivations").joinpath(*_CT_DIR)
    return sorted(p.name[len("cdisc-ct-"):-4] for p in folder.iterdir() if p.name.startswith("cdisc-ct-"))


def load_ct(version: str) -> CTPackage:
    """The CT release ``version`` (``YYYY-MM-DD``) shipped with the package."""
    path = resources.files("derivations").joinpath(*_CT_DIR, f"cdisc-ct-{version}.csv")
    if not path.is_file():
        raise SpecError(f"controlled terminology {version!r} is not shipped with the package",
                        hint=f"set [study] ct_version to one of: {', '.join(available_ct_versions())}")
    text = path.read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    cls: dict[str, CTCodelist] = {}
    for r in rows:
        cl = cls.setdefault(r["codelist_code"], CTCodelist(
            r["codelist_code"], r["codelist"], r["codelist_name"], r["extensible"] == "Yes", r["publishing_set"]))
        cl.terms[r["term"]] = r["term_code"]
        if r["decode"]:
            cl.decodes[r["term"]] = r["decode"]
    return CTPackage(version, cls)


def _is_cdisc(codelist: Codelist) -> bool:
    return codelist.terminology.upper().replace(" ", "").startswith("CDISC")


def match_codelist(codelist: Codelist, ct: CTPackage) -> CTCodelist | None:
    """The CT codelist a spec codelist stands for: by NCI code, else (a CDISC one) by its ID."""
    if codelist.nci_code:
        return ct.codelists.get(codelist.nci_code)
    if _is_cdisc(codelist):
        return ct.by_short_name(codelist.id)
    return None


def apply_ct(spec: Spec, ct: CTPackage) -> tuple[Spec, list[str]]:
    """A copy of ``spec`` whose CDISC codelists carry the codes of ``ct``, and the changes made.

    For each codelist the CT knows (see :func:`match_codelist`): the codelist's NCI
    code and extensibility come from the CT; a term the CT lists gets its NCI code;
    a term carrying the NCI code of *another* submission value loses it (e.g. ``Q3W``
    with C64535, whose submission value is ``EVERY 3 WEEKS``); a term the CT does not
    list keeps a code it has (the package is a subset) and otherwise stays without one,
    an extension. Raises :class:`SpecError` naming every term that a non-extensible
    codelist does not allow.
    """
    notes: list[str] = []
    errors: list[str] = []
    codelists = dict(spec.codelists)
    for cid, cl in spec.codelists.items():
        ref = match_codelist(cl, ct)
        if ref is None:
            if cl.nci_code and _is_cdisc(cl):
                notes.append(f"{cid}: codelist {cl.nci_code} is not in CT {ct.version} as shipped; left as it is")
            continue
        terms = []
        for t in cl.terms:
            code = ref.terms.get(t.term)
            if code:
                if t.nci_code != code:
                    notes.append(f"{cid}: term {t.term} gets NCI code {code}"
                                 + (f" (was {t.nci_code})" if t.nci_code else ""))
                terms.append(dataclasses.replace(t, nci_code=code))
                continue
            owner = ref.term_for_code(t.nci_code) if t.nci_code else None
            if owner is not None:
                notes.append(f"{cid}: term {t.term} loses NCI code {t.nci_code}, the code of {owner!r} in {ref.code}")
                t = dataclasses.replace(t, nci_code="")
            if not ref.extensible:
                errors.append(f"codelist {cid} ({ref.code}, not extensible) does not allow the term {t.term!r}")
            elif not t.nci_code:
                notes.append(f"{cid}: term {t.term} is a sponsor extension of {ref.code}")
            terms.append(t)
        new = dataclasses.replace(cl, nci_code=ref.code, extensible=ref.extensible, terms=tuple(terms),
                                  terminology=cl.terminology if _is_cdisc(cl) else "CDISC/NCI")
        if new.nci_code != cl.nci_code or new.extensible != cl.extensible:
            notes.append(f"{cid}: codelist {ref.code}, extensible {'Yes' if ref.extensible else 'No'}")
        codelists[cid] = new
    if errors:
        raise SpecError(f"spec {spec.path or ''} does not follow CT {ct.version}:\n  " + "\n  ".join(errors),
                        hint="use the CDISC submission value, or a sponsor codelist")
    return dataclasses.replace(spec, codelists=codelists), notes


def ct_codelist(ct: CTPackage, code: str, *, terms: list[str] | None = None, id: str | None = None,
                decoded: bool = False) -> Codelist:
    """A spec :class:`Codelist` made from the CT codelist ``code`` (all its terms, in CT order, or ``terms``)."""
    ref = ct.codelists[code]
    chosen = list(ref.terms) if terms is None else terms
    return Codelist(id or ref.short, ref.name, "text", ref.code, "CDISC/NCI", ref.extensible,
                    tuple(Term(t, ref.decodes.get(t, "") if decoded else "", ref.terms.get(t, ""), i)
                          for i, t in enumerate(chosen, start=1)))
