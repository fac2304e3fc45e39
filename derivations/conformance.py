"""Offline conformance checks of SDTM and ADaM datasets (``derive check``).

Each check is a :class:`Rule`: an id, a severity, the standard it belongs to,
a description and a vectorised function ``check(ctx) -> DataFrame`` returning
one row per offending record (columns ``dataset``, ``variable``, ``usubjid``,
``row`` (1-based), ``value``). :func:`run_rules` turns them into
:class:`~derivations.findings.Findings` with the rule id as ``check``.

Rules are plain data: ``print(rule)`` shows what it checks, and
:data:`SDTM_RULES` / :data:`ADAM_RULES` / :data:`SPEC_RULES` list them. Rules
that are one check with other parameters share a parameterised check, a frozen
dataclass that prints its parameters: :class:`UniqueBy` (records unique by keys),
:class:`OneToOne` (code <-> name), :class:`ValuesIn` (allowed values, by
variable-name pattern) and :class:`TsParameters` (TS parameters present).

Why not pointblank: pointblank 1.1.1 does ship an in-process engine
(``pointblank.metadata._conformance``, a private module) with 362 hand-curated
SDTMIG 3.4 rules (its own ids ``SDTM-001``..., not CDISC CORE ids) and a CDISC
CT subset of 25 codelists (2024-09-27, no NCI codes). Run on the embedded
study it reported EXDOSFRQ ``Q3W`` as not in FREQ (rightly: CT's submission
value is ``EVERY 3 WEEKS``, C64535, which the study now uses) and AEACN
``MULTIPLE`` (the SDTMIG AE assumption for several study treatments), and pulls about 35 packages (great-tables, narwhals, rich,
requests ...). The rules below are our own and read the spec's codelists.

Example
-------
>>> import pandas as pd
>>> dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "DOMAIN": "DM"})
>>> ae = pd.DataFrame({"USUBJID": ["S1", "S3"], "DOMAIN": "AE", "AESEQ": [1.0, 1.0]})
>>> f = run_rules({"DM": dm, "AE": ae}, rules=[rule("SD0001")])
>>> [(x.check, x.dataset, x.usubjid, x.row) for x in f]
[('SD0001', 'AE', 'S3', 2)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
import re
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .findings import Findings
from .iso8601 import compute_complete_date, compute_study_day

_COLS = ["dataset", "variable", "usubjid", "row", "value"]


@dataclass
class CheckContext:
    """What a rule sees: datasets by upper-case name, variable formats, the spec (optional)."""

    data: Mapping[str, pd.DataFrame]
    formats: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    spec: object | None = None
    #: the implementation guide's metadata (:mod:`derivations.ig`) the IG rules check against
    ig: object | None = None

    def has(self, name: str, *columns: str) -> bool:
        return name in self.data and all(c in self.data[name].columns for c in columns)


@dataclass(frozen=True)
class Rule:
    """One conformance rule: ``check(ctx)`` returns the offending records."""

    id: str
    severity: str
    standard: str
    description: str
    check: Callable[[CheckContext], pd.DataFrame] = field(repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.id} [{self.severity}, {self.standard}] {self.description}"


def _hits(frame: pd.DataFrame, mask, dataset: str, variable: str | None, value=None) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return pd.DataFrame(columns=_COLS)
    sub = frame.iloc[idx]
    usub = sub["USUBJID"].astype(str).to_numpy() if "USUBJID" in frame.columns else [None] * len(idx)
    if value is None:
        vals = sub[variable].to_numpy(dtype=object) if variable in frame.columns else [None] * len(idx)
    else:
        vals = np.asarray(value, dtype=object)[idx] if not np.isscalar(value) else [value] * len(idx)
    return pd.DataFrame({"dataset": dataset, "variable": variable, "usubjid": usub, "row": idx + 1, "value": vals})


def _concat(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLS)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype(str).str.strip() == "")


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(~s.isna(), "").astype(str).str.strip()


def _domains(ctx: CheckContext) -> list[str]:
    return [n for n in ctx.data if not n.startswith("SUPP") and not n.startswith("AD")]


def _adam(ctx):
    return [n for n in ctx.data if n.startswith("AD")]


# --------------------------------------------------------------------------- parameterised checks

#: The datasets a parameterised check looks at: a family by name, else the one dataset named.
_FAMILIES: dict[str, Callable[[CheckContext], list[str]]] = {
    "SDTM domains": _domains,  # neither SUPP-- nor AD--
    "ADaM datasets": _adam,
    "all datasets": lambda ctx: list(ctx.data),
}


def _scope(ctx: CheckContext, datasets: str) -> list[str]:
    family = _FAMILIES.get(datasets)
    if family is None:
        return [datasets] if datasets in ctx.data else []
    return family(ctx)


@dataclass(frozen=True)
class UniqueBy:
    """Check: each record of ``datasets`` is unique by ``keys`` (``--`` stands for the dataset name).

    One hit per dataset with duplicated keys, under the last key variable: its first record,
    with the count of the records that share a key.

    >>> print(UniqueBy("SDTM domains", ("USUBJID", "--SEQ")))
    SDTM domains: one record per USUBJID, --SEQ
    """

    datasets: str
    keys: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.datasets}: one record per {', '.join(self.keys)}"

    def __call__(self, ctx: CheckContext) -> pd.DataFrame:
        out = []
        for name in _scope(ctx, self.datasets):
            keys = [k.replace("--", name) for k in self.keys]
            if ctx.has(name, *keys):
                df = ctx.data[name]
                duplicated = df.duplicated(keys, keep=False).to_numpy()
                first = duplicated & (np.cumsum(duplicated) == 1)
                out.append(_hits(df, first, name, keys[-1]).assign(count=int(duplicated.sum())))
        return _concat(out)


@dataclass(frozen=True)
class OneToOne:
    """Check: in ``datasets``, each (code, name) pair of variables is one-to-one.

    Every record of a code with two names, or of a name with two codes, is reported under
    the code variable, with the value ``code / name``.

    >>> print(OneToOne("DM", (("ARMCD", "ARM"), ("ACTARMCD", "ACTARM"))))
    DM: ARMCD<->ARM, ACTARMCD<->ACTARM one-to-one
    """

    datasets: str
    pairs: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"{self.datasets}: {', '.join(f'{cd}<->{nm}' for cd, nm in self.pairs)} one-to-one"

    def __call__(self, ctx: CheckContext) -> pd.DataFrame:
        out = []
        for name in _scope(ctx, self.datasets):
            df = ctx.data[name]
            for cd, nm in self.pairs:
                if ctx.has(name, cd, nm):
                    a, b = _text(df[cd]), _text(df[nm])
                    bad = (a.groupby(b).transform("nunique") > 1) | (b.groupby(a).transform("nunique") > 1)
                    out.append(_hits(df, bad.to_numpy(), name, cd, value=(a + " / " + b).to_numpy()))
        return _concat(out)


@dataclass(frozen=True)
class ValuesIn:
    """Check: in ``datasets``, a variable whose name matches a pattern holds one of its values, or blank.

    ``values``: (name pattern, allowed values) pairs; the pattern is a case-sensitive glob
    (``?*FL``: a name ending in FL after at least one character), the first that matches a
    variable applies. ``codelist``: when the spec has a codelist of that id, its terms replace
    the allowed values.

    >>> print(ValuesIn("ADaM datasets", (("?*DTF", ("D", "M", "Y")),)))
    ADaM datasets: ?*DTF in D, M, Y or blank
    """

    datasets: str
    values: tuple[tuple[str, tuple[str, ...]], ...]
    codelist: str = ""

    def __str__(self) -> str:
        allowed = "; ".join(f"{pattern} in {', '.join(vals)} or blank" for pattern, vals in self.values)
        return f"{self.datasets}: {allowed}" + (f" (codelist {self.codelist} of the spec if it has one)"
                                                if self.codelist else "")

    def __call__(self, ctx: CheckContext) -> pd.DataFrame:
        codelists = getattr(ctx.spec, "codelists", {}) if ctx.spec is not None else {}
        spec_terms = set(codelists[self.codelist].values) if self.codelist and self.codelist in codelists else None
        allowed = [(pattern, (set(vals) if spec_terms is None else spec_terms) | {""}) for pattern, vals in self.values]
        out = []
        for name in _scope(ctx, self.datasets):
            df = ctx.data[name]
            for col in df.columns:
                ok = next((terms for pattern, terms in allowed if fnmatchcase(col, pattern)), None)
                if ok is not None:
                    out.append(_hits(df, ~_text(df[col]).isin(ok).to_numpy(), name, col))
        return _concat(out)


@dataclass(frozen=True)
class TsParameters:
    """Check: TS has a record for each of the parameters ``codes`` (TSPARMCD).

    One finding per missing parameter (value: its code), or one ``TS missing`` without TS.

    >>> print(TsParameters(("TITLE", "STYPE")))
    TS parameters TITLE, STYPE
    """

    codes: tuple[str, ...]

    def __str__(self) -> str:
        return f"TS parameters {', '.join(self.codes)}"

    def __call__(self, ctx: CheckContext) -> pd.DataFrame:
        if "TS" not in ctx.data:
            return pd.DataFrame([{"dataset": "TS", "variable": None, "usubjid": None, "row": None,
                                  "value": "TS missing"}], columns=_COLS)
        have = set(_text(ctx.data["TS"]["TSPARMCD"])) if "TSPARMCD" in ctx.data["TS"].columns else set()
        miss = [c for c in self.codes if c not in have]
        return pd.DataFrame([{"dataset": "TS", "variable": "TSPARMCD", "usubjid": None, "row": None, "value": c}
                             for c in miss], columns=_COLS)


#: SDTM EPOCH terms accepted when the spec has no EPOCH codelist.
EPOCH_TERMS = ("SCREENING", "TREATMENT", "FOLLOW-UP", "RUN-IN", "WASHOUT", "BASELINE", "BLINDED TREATMENT",
               "OPEN LABEL TREATMENT", "LONG-TERM FOLLOW-UP", "CONTINUATION TREATMENT", "INDUCTION TREATMENT",
               "MAINTENANCE TREATMENT")


# --------------------------------------------------------------------------- SDTM

def _subjects_in(parent: str, children):
    """A check: USUBJID of every dataset ``children(ctx)`` names is a subject of ``parent``."""

    def check(ctx):
        if not ctx.has(parent, "USUBJID"):
            return pd.DataFrame(columns=_COLS)
        subjects = set(_text(ctx.data[parent]["USUBJID"]))
        return _concat(_hits(ctx.data[n], ~_text(ctx.data[n]["USUBJID"]).isin(subjects).to_numpy(), n, "USUBJID")
                       for n in children(ctx) if n != parent and "USUBJID" in ctx.data[n].columns)

    return check


_usubjid_in_dm = _subjects_in("DM", lambda ctx: [n for n in ctx.data if not n.startswith("AD")])


def _dy_columns(ctx):
    for name in _domains(ctx):
        df = ctx.data[name]
        for col in df.columns:
            if col.endswith("DY") and col[:-2] + "DTC" in df.columns and col not in ("VISITDY",):
                yield name, df, col, col[:-2] + "DTC"


def _dy_not_zero(ctx):
    return _concat(_hits(df, (pd.to_numeric(df[dy], errors="coerce") == 0).to_numpy(), n, dy)
                   for n, df, dy, _ in _dy_columns(ctx))


def _full_date(s: pd.Series) -> pd.Series:
    """The date of complete --DTC values; partial or invalid ones (other rules report them) are NaT."""
    return compute_complete_date(_text(s), invalid="missing")


def _dy_consistent(ctx):
    if not ctx.has("DM", "USUBJID", "RFSTDTC"):
        return pd.DataFrame(columns=_COLS)
    dm = ctx.data["DM"]
    ref = pd.Series(_full_date(dm["RFSTDTC"]).to_numpy(), index=_text(dm["USUBJID"]))
    ref = ref[~ref.index.duplicated()]
    out = []
    for name, df, dy, dtc in _dy_columns(ctx):
        if "USUBJID" not in df.columns:
            continue
        d = _full_date(df[dtc])
        r = pd.Series(ref.reindex(_text(df["USUBJID"]).to_numpy()).to_numpy(), index=df.index)  # stays datetime
        expected = compute_study_day(d, r)
        got = pd.to_numeric(df[dy], errors="coerce")
        bad = expected.notna() & (got.isna() | (got != expected))
        out.append(_hits(df, bad.to_numpy(), name, dy))
    return _concat(out)


def _start_before_end(ctx):
    out = []
    for name in _domains(ctx):
        st, en = f"{name}STDTC", f"{name}ENDTC"
        if not ctx.has(name, st, en):
            continue
        df = ctx.data[name]
        a, b = _text(df[st]), _text(df[en])
        n = np.minimum(a.str.len(), b.str.len())
        bad = pd.Series(False, index=df.index)
        for width in (4, 7, 10, 16, 19):
            m = n >= width
            if width < 19:
                m &= n < {4: 7, 7: 10, 10: 16, 16: 19}[width]
            bad |= m & (a.str[:width] > b.str[:width])
        out.append(_hits(df, bad.to_numpy(), name, st, value=(a + " > " + b).to_numpy()))
    return _concat(out)


def _supp_parent(ctx):
    out = []
    for name, df in ctx.data.items():
        if not name.startswith("SUPP") or not {"RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL"} <= set(df.columns):
            continue
        keys = pd.DataFrame({"RDOMAIN": _text(df["RDOMAIN"]), "USUBJID": _text(df["USUBJID"]),
                             "IDVAR": _text(df["IDVAR"]), "IDVARVAL": _text(df["IDVARVAL"])})
        found = pd.Series(False, index=df.index)
        for (rdomain, idvar), grp in keys.groupby(["RDOMAIN", "IDVAR"], sort=False):
            parent = ctx.data.get(rdomain)
            if parent is None:
                continue
            if idvar == "":
                ids = set(_text(parent["USUBJID"]))
                found.loc[grp.index] = grp["USUBJID"].isin(ids).to_numpy()
                continue
            if idvar not in parent.columns:
                continue
            pv = parent[idvar]
            pv = pv.map(lambda x: f"{x:g}") if pd.api.types.is_numeric_dtype(pv) else _text(pv)
            pk = pd.MultiIndex.from_arrays([_text(parent["USUBJID"]), pv.astype(str)])
            found.loc[grp.index] = pd.MultiIndex.from_arrays([grp["USUBJID"], grp["IDVARVAL"]]).isin(pk)
        out.append(_hits(df, (~found).to_numpy(), name, "IDVARVAL",
                         value=(keys["RDOMAIN"] + "." + keys["IDVAR"] + "=" + keys["IDVARVAL"]).to_numpy()))
    return _concat(out)


def _rdomain_valid(ctx):
    present = set(ctx.data)
    out = []
    for name, df in ctx.data.items():
        if "RDOMAIN" not in df.columns:
            continue
        r = _text(df["RDOMAIN"])
        bad = ~r.isin(present) & ~((r == "") & (name == "CO"))
        if name.startswith("SUPP"):
            bad |= r != name[4:]
        out.append(_hits(df, bad.to_numpy(), name, "RDOMAIN"))
    return _concat(out)


def _death_consistency(ctx):
    if not ctx.has("DM", "DTHFL", "DTHDTC"):
        return pd.DataFrame(columns=_COLS)
    df = ctx.data["DM"]
    fl, dtc = _text(df["DTHFL"]), _text(df["DTHDTC"])
    bad = ((fl == "Y") != (dtc != "")) | ~fl.isin(["Y", ""])
    return _hits(df, bad.to_numpy(), "DM", "DTHFL", value=(fl + " / " + dtc).to_numpy())


#: TS parameters that every submission's TS carries (FDA Technical Conformance Guide: study start
#: date decides which standards apply; the IG version tells the reviewer how to read the data).
TS_REQUIRED = ("TITLE", "STYPE", "SSTDTC")
TS_EXPECTED = ("SDTIGVER", "SDTMVER", "TPHASE", "REGID", "INDIC", "TRT")


def _trial_design_present(ctx):
    if "DM" not in ctx.data:
        return pd.DataFrame(columns=_COLS)
    miss = [d for d in ("TA", "TE", "TV", "TI") if d not in ctx.data]
    return pd.DataFrame([{"dataset": d, "variable": None, "usubjid": None, "row": None, "value": "not submitted"}
                         for d in miss], columns=_COLS)


# --------------------------------------------------------------------------- ADaM

_in_adsl = _subjects_in("ADSL", _adam)


def _avalc_aval(ctx):
    out = []
    for n in _adam(ctx):
        if ctx.has(n, "PARAMCD", "AVAL", "AVALC"):
            df = ctx.data[n]
            p, c = _text(df["PARAMCD"]), _text(df["AVALC"])
            v = pd.to_numeric(df["AVAL"], errors="coerce")
            has = (c != "") & v.notna()
            key = v.where(has).round(10).astype(str)
            g1 = key.where(has).groupby([p, c.where(has)]).transform("nunique")
            g2 = c.where(has).groupby([p, key.where(has)]).transform("nunique")
            bad = has & ((g1 > 1) | (g2 > 1))
            out.append(_hits(df, bad.to_numpy(), n, "AVALC", value=(c + " / " + key).to_numpy()))
    return _concat(out)


def _cnsr(ctx):
    out = []
    for n in _adam(ctx):
        if not ctx.has(n, "CNSR"):
            continue
        df = ctx.data[n]
        v = pd.to_numeric(df["CNSR"], errors="coerce")
        bad = v.isna() | (v < 0) | (v != v.round())
        out.append(_hits(df, bad.to_numpy(), n, "CNSR"))
    return _concat(out)


def _adt_after_start(ctx):
    out = []
    for n in _adam(ctx):
        if ctx.has(n, "ADT", "STARTDT"):
            df = ctx.data[n]
            a, s = _num_date(df["ADT"]), _num_date(df["STARTDT"])
            out.append(_hits(df, (a < s).to_numpy(), n, "ADT"))
    return _concat(out)


def _num_date(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return (s - pd.Timestamp("1960-01-01")).dt.days.astype(float)
    return pd.to_numeric(s, errors="coerce")


def _numeric_dates(ctx):
    rows = []
    for n in _adam(ctx):
        df = ctx.data[n]
        fmts = ctx.formats.get(n, {})
        for col in df.columns:
            want = "DATETIME" if col.endswith("DTM") else ("DATE" if col.endswith("DT") else None)
            if want is None:
                continue
            numeric = pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_datetime64_any_dtype(df[col])
            fmt = (fmts.get(col) or "").upper()
            ok_fmt = (not fmts) or (fmt.startswith(want) or fmt.startswith("E8601D") or fmt.startswith("YYMMDD")
                                    or (want == "DATE" and fmt.startswith("IS8601DA")))
            if want == "DATE" and fmt.startswith("DATETIME"):
                ok_fmt = False
            if not numeric or not ok_fmt:
                rows.append({"dataset": n, "variable": col, "usubjid": None, "row": None,
                             "value": f"{'numeric' if numeric else 'character'}, format {fmt or 'none'}"})
    return pd.DataFrame(rows, columns=_COLS)


# --------------------------------------------------------------------------- spec-driven

def _spec_checks(*checks: str):
    """A rule running the spec checks ``checks``, each defined once in :mod:`derivations.schema`
    (where a run and ``derive validate`` run them too)."""

    def run(ctx):
        from .schema import spec_check_hits

        if ctx.spec is None:
            return pd.DataFrame(columns=_COLS)
        return _concat(spec_check_hits(df, ctx.spec, n, checks) for n, df in ctx.data.items())

    return run


_spec_ct = _spec_checks("codelist")
_spec_ct_extensible = _spec_checks("codelist_extended")
_spec_mandatory = _spec_checks("mandatory")
_spec_variables = _spec_checks("not_in_spec")


# --------------------------------------------------------------------------- IG metadata (derivations.ig)

def _ig_datasets(ctx, *, with_spec: bool = False):
    """(name, frame or None, IGDataset, DatasetSpec or None) for each dataset the IG governs.

    With ``with_spec`` the datasets of the spec are walked (frame None when not submitted),
    else the submitted datasets.
    """
    if ctx.ig is None:
        return
    specs = getattr(ctx.spec, "datasets", {}) if ctx.spec is not None else {}
    names = list(specs) if with_spec else list(ctx.data)
    for n in names:
        ds = specs.get(n)
        igd = ctx.ig.dataset_for(n, getattr(ds, "cls", ""), getattr(ds, "subclass", ""))
        if igd is not None:
            yield n, ctx.data.get(n), igd, ds


def _row(dataset, variable, value):
    return {"dataset": dataset, "variable": variable, "usubjid": None, "row": None, "value": value}


def _ig_present(core: str):
    """A check: every IG variable of core status ``core`` is a column of the submitted dataset
    (a placeholder name such as TRTxxP is present when any column fits it)."""

    def check(ctx):
        rows = []
        for n, df, igd, _ in _ig_datasets(ctx):
            for v in igd.variables:
                if v.core == core and not any(v.match(c) is not None for c in df.columns):
                    rows.append(_row(n, v.name, f"{core} variable missing ({v.label})"))
        return pd.DataFrame(rows, columns=_COLS)

    return check


def _ig_order(ctx):
    """The IG variables of each dataset come in IG order; the first one out of place is reported."""
    rows = []
    if ctx.ig is None or ctx.ig.standard != "SDTMIG":
        return pd.DataFrame(columns=_COLS)
    for n, df, igd, _ in _ig_datasets(ctx):
        order = {v.name: v.order for v in igd.variables}
        seen = [(order[c], c) for c in df.columns if c in order]
        for (o1, c1), (o2, c2) in zip(seen, seen[1:]):
            if o2 < o1:
                rows.append(_row(n, c2, f"{c2} comes after {c1}; the IG puts it before"))
                break
    return pd.DataFrame(rows, columns=_COLS)


def _ig_spec_attribute(attribute: str):
    """A check: the spec's ``label`` / ``role`` / type of each IG variable is the IG's."""

    def check(ctx):
        rows = []
        if ctx.ig is None or (attribute == "role" and ctx.ig.standard != "SDTMIG"):
            return pd.DataFrame(columns=_COLS)
        for n, _, igd, ds in _ig_datasets(ctx, with_spec=True):
            for v in ds.variables:
                iv = igd.variable(v.name)
                if iv is None:
                    continue
                if attribute == "type":
                    mine, want = ("Num" if v.xpt_type == "num" else "Char"), iv.type
                    if n.startswith("AD") and v.name.endswith(("DT", "DTM", "TM")):
                        continue
                else:
                    mine, want = getattr(v, attribute), getattr(iv, attribute)
                if mine.strip() != want:
                    rows.append(_row(n, v.name, f"{attribute} {mine!r}; {ctx.ig.standard} {ctx.ig.version}: {want!r}"))
        return pd.DataFrame(rows, columns=_COLS)

    return check


def _ig_mandatory(ctx):
    """Req variables of the IG are Mandatory=Yes in the spec (define's Mandatory attribute)."""
    rows = []
    for n, _, igd, ds in _ig_datasets(ctx, with_spec=True):
        for v in ds.variables:
            iv = igd.variable(v.name)
            if iv is not None and iv.core == "Req" and not v.mandatory:
                rows.append(_row(n, v.name, "Req in the IG, Mandatory=No in the spec"))
    return pd.DataFrame(rows, columns=_COLS)


def _title_case(ctx):
    """Every variable label of the spec is in title case (CDISC's label convention)."""
    from .ig import compute_title_case_problems

    rows = []
    for n, ds in (getattr(ctx.spec, "datasets", {}) if ctx.spec is not None else {}).items():
        for v in ds.variables:
            bad = compute_title_case_problems(v.label)
            if bad:
                rows.append(_row(n, v.name, f"{v.label!r}: {', '.join(bad)}"))
    return pd.DataFrame(rows, columns=_COLS)


def _epoch_present(ctx):
    """Subject-level domains of the general observation classes with a --DTC/--STDTC carry EPOCH."""
    from .ig import GENERAL_CLASSES

    rows = []
    for n, df, igd, _ in _ig_datasets(ctx):
        if igd.cls not in GENERAL_CLASSES or "USUBJID" not in df.columns or "EPOCH" in df.columns:
            continue
        if f"{n[:2]}DTC" in df.columns or f"{n[:2]}STDTC" in df.columns:
            rows.append(_row(n, "EPOCH", "EPOCH missing (expected by FDA in every general-observation "
                                         "domain with a date)"))
    return pd.DataFrame(rows, columns=_COLS)


def _last_disposition(ctx):
    """Every DM subject has a DS record, and no AE starts after the subject's last DS record."""
    if not ctx.has("DM", "USUBJID"):
        return pd.DataFrame(columns=_COLS)
    subjects = _text(ctx.data["DM"]["USUBJID"])
    if not ctx.has("DS", "USUBJID", "DSSTDTC"):
        return _hits(ctx.data["DM"], np.ones(len(subjects), bool), "DM", "USUBJID",
                     value="no DS record for the subject")
    ds = ctx.data["DS"]
    last = pd.Series(_text(ds["DSSTDTC"]).to_numpy(), index=_text(ds["USUBJID"]).to_numpy())
    last = last[last != ""].groupby(level=0).max()
    out = [_hits(ctx.data["DM"], (~subjects.isin(last.index)).to_numpy(), "DM", "USUBJID",
                 value="no dated DS record for the subject")]
    if ctx.has("AE", "USUBJID", "AESTDTC"):
        ae = ctx.data["AE"]
        st = _text(ae["AESTDTC"])
        lim = pd.Series(last.reindex(_text(ae["USUBJID"]).to_numpy()).to_numpy(), index=ae.index).fillna("")
        out.append(_hits(ae, _later(st, lim).to_numpy(), "AE", "AESTDTC", value=(st + " > last DS " + lim).to_numpy()))
    return _concat(out)


def _later(a: pd.Series, b: pd.Series) -> pd.Series:
    """ISO 8601 text ``a`` is after ``b``, compared at the precision both carry (blank: never)."""
    n = np.minimum(a.str.len(), b.str.len())
    bad = pd.Series(False, index=a.index)
    for width, below in ((4, 7), (7, 10), (10, 16), (16, 19), (19, 99)):
        m = (n >= width) & (n < below)
        bad |= m & (a.str[:width] > b.str[:width])
    return bad & (a != "") & (b != "")


#: TS parameters of a non-interventional study (STYPE OBSERVATIONAL; SDTMIG 3.4 TS, CDISC CT TSPARMCD).
TS_OBSERVATIONAL = ("OBSMODEL", "OBSTIMP", "OBSTPOPD", "OBSTSMM", "NCOHORT")
#: TS parameters that describe an interventional design only.
TS_INTERVENTIONAL_ONLY = ("INTMODEL", "INTTYPE", "TBLIND", "TCNTRL", "RANDQT")


def _ts_study_type(ctx):
    """TS of an observational study has the non-interventional parameters and none of the interventional."""
    if not ctx.has("TS", "TSPARMCD", "TSVAL"):
        return pd.DataFrame(columns=_COLS)
    ts = ctx.data["TS"]
    code, val = _text(ts["TSPARMCD"]), _text(ts["TSVAL"])
    if "OBSERVATIONAL" not in set(val[code == "STYPE"]):
        return pd.DataFrame(columns=_COLS)
    rows = [_row("TS", "TSPARMCD", f"{c} missing (observational study)") for c in TS_OBSERVATIONAL
            if c not in set(code)]
    rows += [_row("TS", "TSPARMCD", f"{c} describes an interventional design") for c in TS_INTERVENTIONAL_ONLY
             if c in set(code)]
    return pd.DataFrame(rows, columns=_COLS)


def _co_supp_conventions(ctx):
    """CO and SUPP-- conventions: IDVAR names a variable of RDOMAIN; CO with IDVAR has RDOMAIN;
    COVALn only beside COVAL; QNAM is no standard variable of the parent domain and QLABEL fits 40."""
    rows = []
    for n, df in ctx.data.items():
        if not (n == "CO" or n.startswith("SUPP")):
            continue
        if n == "CO":
            extra = [c for c in df.columns if re.fullmatch(r"COVAL\d+", c)]
            if extra and "COVAL" not in df.columns:
                rows.append(_row(n, extra[0], "COVALn without COVAL"))
        if {"RDOMAIN", "IDVAR"} <= set(df.columns):
            rd, iv = _text(df["RDOMAIN"]), _text(df["IDVAR"])
            for (r, i), _ in df.groupby([rd, iv], sort=True):
                if i and not r:
                    rows.append(_row(n, "RDOMAIN", f"IDVAR {i} without RDOMAIN"))
                elif i and r in ctx.data and i not in ctx.data[r].columns:
                    rows.append(_row(n, "IDVAR", f"{i} is not a variable of {r}"))
        if n.startswith("SUPP") and "QNAM" in df.columns:
            parent = ctx.ig.dataset_for(n[4:]) if ctx.ig is not None else None
            for q in sorted(set(_text(df["QNAM"]))):
                if parent is not None and parent.variable(n[4:6] + q[2:] if q[:2] == n[4:6] else q) is not None \
                        and q.startswith(n[4:6]):
                    rows.append(_row(n, "QNAM", f"{q} is a standard variable of {n[4:]}: put it in the domain"))
            if "QLABEL" in df.columns:
                for lab in sorted(set(_text(df["QLABEL"]))):
                    if len(lab) > 40:
                        rows.append(_row(n, "QLABEL", f"{lab!r} is longer than 40 characters"))
    return pd.DataFrame(rows, columns=_COLS)


IG_RULES: tuple[Rule, ...] = (
    Rule("IG0001", "error", "IG", "Req variables of the IG are present", _ig_present("Req")),
    Rule("IG0002", "warning", "IG", "Exp variables of the IG are present (SDTM)", _ig_present("Exp")),
    Rule("IG0003", "warning", "IG", "variables come in IG order (SDTM)", _ig_order),
    Rule("IG0004", "warning", "IG", "the spec's variable label is the IG's label", _ig_spec_attribute("label")),
    Rule("IG0005", "warning", "IG", "variable labels are in title case", _title_case),
    Rule("IG0006", "warning", "IG", "the spec's (define's) variable role is the IG's role (SDTM)",
         _ig_spec_attribute("role")),
    Rule("IG0007", "error", "IG", "Req variables of the IG are Mandatory=Yes in the spec", _ig_mandatory),
    Rule("IG0008", "warning", "IG", "the spec's data type (Char/Num) is the IG's", _ig_spec_attribute("type")),
    Rule("IG0009", "warning", "IG", "EPOCH is present in general-observation domains with dates", _epoch_present),
    Rule("IG0010", "warning", "IG", "every subject has a dated DS record and no AE starts after the last one",
         _last_disposition),
    Rule("IG0011", "warning", "IG", f"TS of an observational study has {', '.join(TS_OBSERVATIONAL)} and no "
         f"interventional-only parameter", _ts_study_type),
    Rule("IG0012", "warning", "IG", "CO and SUPP-- conventions (IDVAR/RDOMAIN, COVALn, QNAM, QLABEL)",
         _co_supp_conventions),
)


SDTM_RULES: tuple[Rule, ...] = (
    Rule("SD0001", "error", "SDTM", "USUBJID of every domain is a subject of DM", _usubjid_in_dm),
    Rule("SD0002", "error", "SDTM", "DM has one record per USUBJID", UniqueBy("DM", ("USUBJID",))),
    Rule("SD0003", "error", "SDTM", "--SEQ is unique within USUBJID", UniqueBy("SDTM domains", ("USUBJID", "--SEQ"))),
    Rule("SD0004", "error", "SDTM", "--DY is never 0", _dy_not_zero),
    Rule("SD0005", "error", "SDTM", "--DY = --DTC - RFSTDTC (+1 on or after RFSTDTC) when both dates are complete",
         _dy_consistent),
    Rule("SD0006", "error", "SDTM", "--STDTC is not after --ENDTC (compared at the precision both carry)",
         _start_before_end),
    Rule("SD0007", "error", "SDTM", "EPOCH is one of the EPOCH codelist terms",
         ValuesIn("all datasets", (("EPOCH", EPOCH_TERMS),), codelist="EPOCH")),
    Rule("SD0008", "error", "SDTM", "every SUPP-- record points at a parent record (RDOMAIN, USUBJID, IDVAR=IDVARVAL)",
         _supp_parent),
    Rule("SD0009", "error", "SDTM", "RDOMAIN names a submitted domain (SUPP--: its own parent domain)", _rdomain_valid),
    Rule("SD0010", "error", "SDTM", "ARMCD<->ARM and ACTARMCD<->ACTARM are one-to-one in DM",
         OneToOne("DM", (("ARMCD", "ARM"), ("ACTARMCD", "ACTARM")))),
    Rule("SD0011", "error", "SDTM", "DTHFL is Y exactly when DTHDTC is given (else blank)", _death_consistency),
    Rule("SD0012", "error", "SDTM", f"TS has the parameters {', '.join(TS_REQUIRED)}", TsParameters(TS_REQUIRED)),
    Rule("SD0013", "warning", "SDTM", f"TS has the parameters {', '.join(TS_EXPECTED)}", TsParameters(TS_EXPECTED)),
    Rule("SD0014", "warning", "SDTM", "trial design datasets TA, TE, TV, TI are submitted", _trial_design_present),
)

ADAM_RULES: tuple[Rule, ...] = (
    Rule("AD0001", "error", "ADaM", "ADSL has one record per USUBJID", UniqueBy("ADSL", ("USUBJID",))),
    Rule("AD0002", "error", "ADaM", "every subject of an ADaM dataset is in ADSL", _in_adsl),
    Rule("AD0003", "error", "ADaM", "PARAMCD<->PARAM is one-to-one",
         OneToOne("ADaM datasets", (("PARAMCD", "PARAM"),))),
    Rule("AD0004", "error", "ADaM", "within PARAMCD, each AVALC maps to one AVAL and each AVAL to one AVALC",
         _avalc_aval),
    Rule("AD0005", "error", "ADaM", "CNSR is a non-negative integer (0 = event)", _cnsr),
    Rule("AD0006", "error", "ADaM", "ADT is not before STARTDT", _adt_after_start),
    Rule("AD0007", "error", "ADaM", "*FL flags hold Y, N or blank", ValuesIn("ADaM datasets", (("?*FL", ("Y", "N")),))),
    Rule("AD0008", "error", "ADaM", "*DTF is D, M, Y or blank; *TMF is H, M, S or blank",
         ValuesIn("ADaM datasets", (("*DTF", ("D", "M", "Y")), ("*TMF", ("H", "M", "S"))))),
    Rule("AD0009", "error", "ADaM", "*DT are numeric with a DATE format, *DTM numeric with a DATETIME format",
         _numeric_dates),
)

SPEC_RULES: tuple[Rule, ...] = (
    Rule("SP0001", "error", "spec", "values are terms of the variable's non-extensible codelist", _spec_ct),
    Rule("SP0002", "warning", "spec", "values are terms of the variable's extensible codelist (else a sponsor "
         "extension that the codelist should list)", _spec_ct_extensible),
    Rule("SP0003", "error", "spec", "mandatory variables are present and never blank", _spec_mandatory),
    Rule("SP0004", "error", "spec", "every dataset and variable is in the spec", _spec_variables),
)

ALL_RULES = SDTM_RULES + ADAM_RULES + SPEC_RULES + IG_RULES


def rule(rule_id: str) -> Rule:
    """The rule with id ``rule_id``."""
    for r in ALL_RULES:
        if r.id == rule_id:
            return r
    raise KeyError(f"no conformance rule {rule_id}; rules: {', '.join(r.id for r in ALL_RULES)}")


def run_rules(
    data: Mapping[str, pd.DataFrame],
    *,
    spec=None,
    formats: Mapping[str, Mapping[str, str]] | None = None,
    rules: Iterable[Rule] | None = None,
    ig=None,
) -> Findings:
    """Run ``rules`` (default: all) on ``data`` (name -> DataFrame); one Finding per hit: an offending
    record, or, where the hits carry a ``count``, that many records reported once (the first shown).

    ``ig``: the implementation guide's metadata (:func:`derivations.ig.load_ig`) for the IG rules;
    by default the one the spec names, else SDTMIG 3.4 (ADaMIG 1.3 when every dataset is AD--).
    """
    from .ig import ig_for_spec, load_ig

    data = {k.upper(): v for k, v in data.items()}
    if ig is None:
        ig = ig_for_spec(spec) if spec is not None else None
        if ig is None and data:
            ig = load_ig("ADaMIG", "1.3") if all(k.startswith("AD") for k in data) else load_ig("SDTMIG", "3.4")
    ctx = CheckContext(data, formats or {}, spec, ig)
    findings = Findings()
    for r in rules if rules is not None else ALL_RULES:
        if r.standard == "spec" and spec is None:
            continue
        hits = r.check(ctx)
        for rec in hits.to_dict("records"):
            row, count = rec.get("row"), rec.get("count")  # count: records one hit stands for (default 1)
            message = r.description if count is None or pd.isna(count) or count == 1 else \
                f"{r.description} ({int(count):,} records; the first is shown)"
            findings.add(r.severity, r.id, message, dataset=rec.get("dataset"),
                         variable=rec.get("variable") or None,
                         usubjid=rec.get("usubjid") if isinstance(rec.get("usubjid"), str) else None,
                         row=int(row) if row is not None and not pd.isna(row) else None,
                         value=None if rec.get("value") is None or (not isinstance(rec.get("value"), str)
                                                                    and pd.isna(rec.get("value"))) else rec["value"])
    return findings


def read_folder(folder: str | Path, *, encoding: str | None = None,
                ) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, str]]]:
    """Every ``*.xpt`` of ``folder``: (name -> DataFrame, name -> {variable: format}).

    SAS dates stay numbers (as submitted); ``encoding``: of the files' text when not UTF-8.
    An unreadable file raises :class:`~derivations.findings.FileError` naming it.
    """
    from .io import read_datasets

    read = read_datasets(folder, suffixes=(".xpt",), sas_dates=False, encoding=encoding)
    formats = {n: {v.name: v.format or "" for v in meta.variables} for n, (_, meta) in read.items()}
    return {n: df for n, (df, _) in read.items()}, formats


def check_folder(study, out_dir: str | Path) -> Findings:
    """Run the SDTM, ADaM and spec rules on ``out_dir/sdtm/*.xpt`` and ``out_dir/adam/*.xpt``, and check
    each file's character lengths against the spec and the folder's define.xml
    (:func:`derivations.lengths.folder_length_findings`)."""
    from .lengths import folder_length_findings
    from .spec import read_spec
    from .study import Study

    study = study if isinstance(study, Study) else Study.load(study)
    findings = Findings()
    for stage, std_rules in (("sdtm", SDTM_RULES), ("adam", ADAM_RULES)):
        folder = Path(out_dir) / stage
        if not folder.is_dir():
            continue
        data, formats = read_folder(folder, encoding=study.encoding(stage))
        if not data:
            continue
        spec_path = study.spec_path(stage)
        spec = read_spec(spec_path) if spec_path and spec_path.is_file() else None
        findings.extend(run_rules(data, spec=spec, formats=formats, rules=std_rules + SPEC_RULES + IG_RULES))
        findings.extend(folder_length_findings(folder, spec))  # at most the spec's, the define.xml's
    return findings
