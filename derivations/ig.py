"""SDTMIG 3.4 and ADaMIG 1.3 variable metadata, shipped as package data.

One table per implementation guide (``resources/ig/sdtmig-3.4.csv``,
``resources/ig/adamig-1.3.csv``): for each dataset (SDTM domain, ``SUPPQUAL``
for every SUPP--; ADaM structure ``ADSL``, ``BDS``, ``OCCDS`` and the time-to-event
additions ``TTE``) its variables in IG order with label, type (``Char``/``Num``),
role (SDTM only; ADaMIG defines none) and core status (``Req``/``Exp``/``Perm``;
ADaM ``Req``/``Cond``/``Perm``). The tables cover every domain and dataset the
framework derives; a domain the table lacks has no IG metadata (``None``).

ADaM names with placeholders match by pattern: ``xx`` two digits (``TRT01P``),
``zz`` two digits (``ANL01FL``), ``y`` one digit 1-9 (``AGEGR1``); the label's
placeholder is filled with the same digits.

The conformance rules IG0001-IG0011 (:mod:`derivations.conformance`) check data,
spec and define against these tables.

Example
-------
>>> ig = load_ig("SDTMIG", "3.4")
>>> ae = ig.dataset_for("AE")
>>> v = ae.variable("AEPTCD")
>>> (v.order, v.label, v.type, v.role, v.core)
(14, 'Preferred Term Code', 'Num', 'Variable Qualifier', 'Exp')
>>> ig.dataset_for("SUPPAE").name
'SUPPQUAL'
>>> adam = load_ig("ADaMIG", "1.3")
>>> adam.dataset_for("ADSL").variable("TRT01P").label
'Planned Treatment for Period 01'
>>> [v.name for v in adam.dataset_for("ADTTE").variables if v.core == "Req"]
['STUDYID', 'USUBJID', 'PARAM', 'PARAMCD']
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

#: The IG tables shipped with the package: (standard, version) -> file under resources/ig.
IG_FILES = {("SDTMIG", "3.4"): "sdtmig-3.4", ("ADAMIG", "1.3"): "adamig-1.3"}
#: General observation classes: their subject-level domains carry EPOCH (FDA expects it).
GENERAL_CLASSES = ("INTERVENTIONS", "EVENTS", "FINDINGS")

_PLACEHOLDERS = (("xx", r"(\d\d)"), ("zz", r"(\d\d)"), ("y", r"([1-9])"))


@dataclass(frozen=True)
class IGVariable:
    """One variable of an IG dataset: name (may hold a placeholder), label, type, role, core, order."""

    dataset: str
    name: str
    label: str
    type: str
    role: str
    core: str
    order: int

    @property
    def pattern(self) -> re.Pattern:
        """The name as a regular expression (placeholders become digits)."""
        text, tail = "", self.name
        while tail:
            for ph, rx in _PLACEHOLDERS:
                if tail.startswith(ph) and ph.islower():
                    text += rx
                    tail = tail[len(ph):]
                    break
            else:
                text += re.escape(tail[0])
                tail = tail[1:]
        return re.compile(text + r"\Z")

    def match(self, name: str) -> IGVariable | None:
        """This variable with ``name`` filled in (label too) when ``name`` fits, else None."""
        if name == self.name:
            return self
        if not any(ph in self.name for ph, _ in _PLACEHOLDERS):
            return None
        m = self.pattern.match(name)
        if m is None:
            return None
        label, digits = self.label, iter(m.groups())
        for ph, _ in _PLACEHOLDERS:
            if ph in self.name:
                label = label.replace(f" {ph}", f" {next(digits, '')}", 1)
        return replace(self, name=name, label=label)


@dataclass(frozen=True)
class IGDataset:
    """An IG dataset (SDTM domain or ADaM structure) and its variables in IG order."""

    name: str
    label: str = ""
    cls: str = ""
    structure: str = ""
    variables: tuple[IGVariable, ...] = field(default=())

    def variable(self, name: str) -> IGVariable | None:
        """The IG variable ``name`` (placeholders resolved), or None when the IG does not define it."""
        for v in self.variables:
            hit = v.match(name)
            if hit is not None:
                return hit
        return None

    def names(self, core: str | None = None) -> list[str]:
        """Variable names in IG order (only those of core status ``core`` when given)."""
        return [v.name for v in self.variables if core is None or v.core == core]


@dataclass(frozen=True)
class ImplementationGuide:
    """An implementation guide's metadata: ``datasets`` by IG name."""

    standard: str
    version: str
    datasets: dict

    def dataset_for(self, name: str, cls: str = "", subclass: str = "") -> IGDataset | None:
        """The IG dataset that governs the submitted dataset ``name`` (class/subclass from the spec).

        SDTM: SUPP-- -> SUPPQUAL; a split dataset (``LBCH``) -> its domain (``LB``) when the IG has it.
        ADaM: ADSL; occurrence datasets (class OCCURRENCE DATA STRUCTURE, or ADAE/ADCM/ADMH) -> OCCDS;
        time-to-event (subclass TIME-TO-EVENT, or ADTTE) -> BDS with the TTE variables; other AD* -> BDS.
        """
        name, cls, subclass = name.upper(), cls.upper(), subclass.upper()
        if self.standard == "ADAMIG":
            if name == "ADSL" or "SUBJECT LEVEL" in cls:
                return self.datasets["ADSL"]
            if "OCCURRENCE" in cls or name in ("ADAE", "ADCM", "ADMH"):
                return self.datasets["OCCDS"]
            if not name.startswith("AD"):
                return None
            bds = self.datasets["BDS"]
            if "TIME-TO-EVENT" in subclass or name == "ADTTE":
                tte = self.datasets["TTE"].variables
                return replace(bds, name="BDS+TTE", variables=bds.variables + tte)
            return bds
        if name.startswith("SUPP"):
            return self.datasets.get("SUPPQUAL")
        if name in self.datasets:
            return self.datasets[name]
        return self.datasets.get(name[:2]) if len(name) > 2 and name[:2] in self.datasets else None


@lru_cache(maxsize=None)
def load_ig(standard: str, version: str) -> ImplementationGuide:
    """The IG metadata shipped with the package; a KeyError names the ones there are."""
    key = (standard.upper().replace(" ", ""), version)
    if key not in IG_FILES:
        raise KeyError(f"no IG metadata for {standard} {version}; shipped: "
                       + ", ".join(f"{s} {v}" for s, v in IG_FILES))
    base = resources.files("derivations") / "resources" / "ig"
    stem = IG_FILES[key]
    heads = {}
    meta = base / f"{stem}-datasets.csv"
    if meta.is_file():
        with meta.open(encoding="utf-8") as f:
            heads = {r["dataset"]: r for r in csv.DictReader(f)}
    rows: dict[str, list[IGVariable]] = {}
    with (base / f"{stem}.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["dataset"], []).append(IGVariable(
                r["dataset"], r["variable"], r["label"], r["type"], r["role"], r["core"], int(r["order"])))
    datasets = {}
    for name, variables in rows.items():
        h = heads.get(name, {})
        datasets[name] = IGDataset(name, h.get("label", ""), h.get("class", ""), h.get("structure", ""),
                                   tuple(variables))
    return ImplementationGuide(key[0], version, datasets)


def ig_for_spec(spec) -> ImplementationGuide | None:
    """The IG a spec follows: its Study sheet's StandardName/StandardVersion, else by dataset names.

    >>> from derivations.spec import Spec
    >>> ig_for_spec(Spec(study={"StandardName": "ADaMIG", "StandardVersion": "1.3"})).standard
    'ADAMIG'
    """
    study = getattr(spec, "study", {}) or {}
    name = str(study.get("StandardName", "")).upper().replace(" ", "").replace("-", "")
    version = str(study.get("StandardVersion", "")).strip()
    if "ADAM" in name:
        return load_ig("ADaMIG", version if ("ADAMIG", version) in IG_FILES else "1.3")
    if "SDTM" in name:
        return load_ig("SDTMIG", version if ("SDTMIG", version) in IG_FILES else "3.4")
    names = list(getattr(spec, "datasets", {}) or {})
    if names and all(n.startswith("AD") for n in names):
        return load_ig("ADaMIG", "1.3")
    return load_ig("SDTMIG", "3.4") if names else None


_MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "of", "and/or", "on", "or", "per",
                "the", "to", "vs", "with", "within"}


def compute_title_case_problems(label: str) -> list[str]:
    """The words of ``label`` that break title case: a word whose first letter is lower case.

    Minor words (of, and, per, within ...) may stay lower case except at the start; a word
    starting with a digit, or in which no letter follows punctuation at its start, is fine;
    only the first letter after leading punctuation counts (``(Continued)``, ``Sponsor-Defined``,
    ``Pre-specified`` and ``mg`` after a digit are judged by their first letter).

    Parameters
    ----------
    label
        A variable or dataset label.

    Returns
    -------
    list of str
        The offending words as written, in order; empty when the label is in title case.

    Examples
    --------
    >>> compute_title_case_problems("Comment (continued)")
    ['(continued)']
    >>> compute_title_case_problems("1st Occurrence within Subject Flag")
    []
    >>> compute_title_case_problems("date of birth")
    ['date', 'birth']
    """
    bad = []
    for i, word in enumerate(label.split()):
        letters = word.lstrip("([{\"'")
        if not letters or not letters[0].isalpha():
            continue
        if letters[0].islower() and not (i > 0 and letters.lower().rstrip(",;:") in _MINOR_WORDS):
            bad.append(word)
    return bad
