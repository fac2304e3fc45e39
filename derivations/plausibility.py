"""Plausibility rules: values that are possible to store but not to believe, reported as findings.

The rules are data: a table of :class:`PlausibilityRule` (``derive rules`` prints it) that a
study extends or tunes in ``study.toml``::

    [plausibility]
    max_lesion_diameter_mm = 300                       # the stated maximum of a lesion diameter
    severity = { after_cutoff = "error", control_characters = "off" }

    [[plausibility.rules]]                             # a rule of the study's own
    id = "ex_dose_above_label"
    kind = "above"
    datasets = "EX"
    variables = "EXDOSE"
    limit = 24
    severity = "error"
    description = "daily dose above the labelled maximum of 24 mg"

After each stage the pipeline checks every dataset the stage produced
(:func:`check_plausibility`); an ``error`` finding stops the run (nothing is
written), a ``warning`` or ``note`` is listed in ``findings.csv``.

Default severities, as a reviewer would want them:

* ``after_cutoff`` is an **error**. A date after the data cut-off means data the
  analysis must not see (a death after the cut-off counted as an OS event moves
  the median OS of the embedded study from 10.37 to 13.43 months), or a typing error.
  Either way a person must decide: correct the date, or state in study.toml that
  such dates are expected (``severity = { after_cutoff = "warning" }``) and censor
  at the cut-off in the analysis.
* ``before_1900``, ``negative_value``, ``age_above_max`` and
  ``lesion_diameter_above_max`` are **errors**: each is a typing error that changes
  results (a 1e9 mm diameter turns progressive disease into a partial response).
* ``end_before_start`` is a **warning**: the record is kept as collected and the
  derivations that use the pair (durations, ADAE) report it again where it matters.
* ``control_characters`` (an ANSI escape or another control character in text) is a
  **warning**: the text is kept, the finding says where it is.

Example
-------
>>> import pandas as pd
>>> dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AGE": [61, -5], "DTHDTC": ["2022-01-10", "2023-02"]})
>>> found = check_plausibility({"DM": dm}, stage="sdtm", settings={"study": {"cutoff_date": "2022-06-30"}})
>>> [(f.severity, f.check, f.usubjid, f.value) for f in found]
[('error', 'after_cutoff', 'S-2', '2023-02'), ('error', 'negative_value', 'S-2', -5)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .findings import Finding, Findings

SEVERITIES = ("error", "warning", "note", "off")
KINDS = {
    "after_cutoff": "an ISO 8601 date certainly after [study] cutoff_date (a partial date when its "
                    "earliest possible day is after it)",
    "before_year": "an ISO 8601 date in a year before `limit`",
    "end_before_start": "a complete --ENDTC before the complete --STDTC of the same record "
                        "(pairs found by name: AESTDTC/AEENDTC, RFSTDTC/RFENDTC ...)",
    "below": "a number below `limit`",
    "above": "a number above `limit` (`limit_setting` names the [plausibility] key that states it)",
    "control_characters": "text holding a control character (an ANSI escape, a NUL ...; tab excepted)",
    "not_in_dm": "a USUBJID that DM (made by the same stage) does not hold; one finding per dataset and subject",
}


@dataclass(frozen=True)
class PlausibilityRule:
    """One plausibility rule: which values of which variables are checked how, and how it is reported.

    ``datasets`` and ``variables`` are regular expressions matched against the whole
    name; ``where`` is a filter (pandas query) on the dataset; ``stage`` is
    ``"sdtm"``, ``"adam"`` or ``"any"``.
    """

    id: str
    kind: str
    variables: str
    description: str
    severity: str = "error"
    datasets: str = ".*"
    stage: str = "sdtm"
    limit: float | None = None
    limit_setting: str | None = None
    where: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"rule {self.id}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity must be one of {', '.join(SEVERITIES)}")

    @property
    def limit_text(self) -> str:
        if self.limit is None:
            return ""
        return f"{self.limit:g}" + (f" ([plausibility] {self.limit_setting})" if self.limit_setting else "")

    def __str__(self) -> str:
        return (f"{self.id} ({self.severity}): {self.kind} {self.limit_text} on {self.stage} datasets "
                f"{self.datasets!r}, variables {self.variables!r}" + (f" where {self.where}" if self.where else "")
                + f": {self.description}")


#: The default rules (a study changes their severity or adds its own in study.toml [plausibility]).
RULES: tuple[PlausibilityRule, ...] = (
    PlausibilityRule("after_cutoff", "after_cutoff", r".*DTC",
                     "date after the data cut-off: correct it, or state in study.toml that such dates are "
                     "expected and censor at the cut-off"),
    PlausibilityRule("before_1900", "before_year", r".*DTC", "date before 1900: a typing error", limit=1900),
    PlausibilityRule("end_before_start", "end_before_start", r".*ENDTC", "end before start; record kept",
                     severity="warning"),
    PlausibilityRule("negative_value", "below", r"AGE|[A-Z]{2}DOSE|[A-Z]{2}DOSTOT", "negative age or dose",
                     limit=0),
    PlausibilityRule("age_above_max", "above", r"AGE", "age above 120 years", limit=120),
    PlausibilityRule("lesion_diameter_above_max", "above", r"TRSTRESN",
                     "lesion diameter above the stated maximum ([plausibility] max_lesion_diameter_mm)",
                     datasets="TR", limit=500, limit_setting="max_lesion_diameter_mm",
                     where="TRSTRESU == 'mm' and TRTESTCD != 'SUMDIAM'"),
    PlausibilityRule("subject_not_in_dm", "not_in_dm", r"USUBJID",
                     "subject not in DM: every subject of a domain must be in DM (check the DM page)",
                     datasets=r"(?!DM$).*"),
    PlausibilityRule("control_characters", "control_characters", r".*",
                     "control character in text (e.g. an ANSI escape); the text is kept as collected",
                     severity="warning", stage="any"),
)

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def rules_for(settings: Mapping[str, Any] | None) -> list[PlausibilityRule]:
    """The default rules with the study's severities and limits, then the study's own rules."""
    from .settings import SettingsError

    conf = (settings or {}).get("plausibility", {}) or {}
    severity = dict(conf.get("severity", {}))
    known = {r.id for r in RULES} | {r.get("id") for r in conf.get("rules", []) if isinstance(r, dict)}
    for rid, sev in severity.items():
        if rid not in known:
            from .settings import did_you_mean

            raise SettingsError(f"study.toml [plausibility] severity: no rule {rid!r}{did_you_mean(rid, known)}",
                                variable="plausibility.severity", value=rid,
                                hint=f"the rules are {', '.join(sorted(known))} (`derive rules` prints them)")
        if sev not in SEVERITIES:
            raise SettingsError(f"study.toml [plausibility] severity: {rid} = {sev!r} is not one of "
                                f"{', '.join(SEVERITIES)}", variable="plausibility.severity", value=sev)
    out = []
    for rule in RULES:
        if rule.limit_setting and rule.limit_setting in conf:
            rule = replace(rule, limit=float(conf[rule.limit_setting]))
        out.append(replace(rule, severity=severity.get(rule.id, rule.severity)))
    fields = set(PlausibilityRule.__dataclass_fields__)
    for i, row in enumerate(conf.get("rules", []), start=1):
        where = f"study.toml [[plausibility.rules]] number {i}"
        if not isinstance(row, dict):
            raise SettingsError(f"{where} is not a table", value=row, hint="write [[plausibility.rules]] tables")
        unknown = sorted(set(row) - fields)
        if unknown:
            from .settings import did_you_mean

            raise SettingsError(f"{where}: unknown key {unknown[0]}{did_you_mean(unknown[0], fields)}",
                                variable="plausibility.rules", value=unknown[0],
                                hint=f"the keys are {', '.join(sorted(fields))}")
        missing = [k for k in ("id", "kind", "variables", "description") if k not in row]
        if missing:
            raise SettingsError(f"{where} lacks {', '.join(missing)}", variable="plausibility.rules",
                                hint="a rule needs id, kind, variables and description")
        try:
            for key in ("datasets", "variables"):
                re.compile(str(row.get(key, ".*")))
            rule = PlausibilityRule(**{**row, "severity": severity.get(row["id"], row.get("severity", "error"))})
        except (ValueError, TypeError, re.error) as exc:
            raise SettingsError(f"{where} ({row.get('id')}): {exc}", variable="plausibility.rules",
                                hint=f"kinds: {', '.join(KINDS)}; severities: {', '.join(SEVERITIES)}") from None
        if rule.where and ("__" in rule.where or "@" in rule.where):
            raise SettingsError(f"{where} ({rule.id}): where {rule.where!r} may only compare variables with "
                                "values", variable="plausibility.rules", value=rule.where,
                                hint="e.g. where = \"TRSTRESU == 'mm'\" (no '__', no '@')")
        if rule.kind in ("below", "above", "before_year") and rule.limit is None:
            raise SettingsError(f"{where} ({rule.id}): kind {rule.kind} needs a limit", variable="plausibility.rules")
        out.append(rule)
    return out


def rules_table(settings: Mapping[str, Any] | None = None) -> str:
    """The rules in force as a plain-text table (``derive rules``).

    >>> rules_table().splitlines()[1].split()[:6]
    ['after_cutoff', 'error', 'after_cutoff', 'sdtm', '.*', '.*DTC']
    """
    head = ("id", "severity", "kind", "stage", "datasets", "variables", "limit", "where", "description")
    rows = [head] + [(r.id, r.severity, r.kind, r.stage, r.datasets, r.variables, r.limit_text, r.where or "",
                      r.description) for r in rules_for(settings)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1] for row in rows)


def check_plausibility(datasets: Mapping[str, pd.DataFrame], *, stage: str,
                       settings: Mapping[str, Any] | None = None,
                       rules: Iterable[PlausibilityRule] | None = None) -> list[Finding]:
    """Findings of the plausibility rules on the ``datasets`` a stage produced."""
    rules = rules_for(settings) if rules is None else list(rules)
    cutoff = str(((settings or {}).get("study", {}) or {}).get("cutoff_date") or "") or None
    found = Findings()
    for name, frame in datasets.items():
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            continue
        for rule in rules:
            if rule.severity == "off" or rule.stage not in (stage, "any") or not re.fullmatch(rule.datasets, name):
                continue
            data = frame
            if rule.where:
                try:
                    data = frame[frame.eval(rule.where).astype(bool)]
                except Exception:  # the filter names a variable the dataset lacks: the rule does not apply
                    continue
            if rule.kind == "not_in_dm":
                _check_in_dm(rule, name, data, datasets.get("DM"), found)
                continue
            for var in [c for c in data.columns if re.fullmatch(rule.variables, str(c))]:
                _check(rule, name, data, var, cutoff, found)
    return found.items


def _check_in_dm(rule: PlausibilityRule, name: str, data: pd.DataFrame, dm: pd.DataFrame | None,
                 found: Findings) -> None:
    if dm is None or "USUBJID" not in data.columns or "USUBJID" not in dm.columns:
        return
    subjects = data["USUBJID"].astype(str)
    stray = subjects[~subjects.isin(set(dm["USUBJID"].astype(str)))]
    for usubjid, n in stray.value_counts(sort=False).items():
        found.add(rule.severity, rule.id, f"{rule.description}; {n} record(s) [rule {rule.id}]", dataset=name,
                  variable="USUBJID", usubjid=usubjid, value=usubjid)


def _check(rule: PlausibilityRule, name: str, data: pd.DataFrame, var: str, cutoff: str | None,
           found: Findings) -> None:
    col = data[var]
    if rule.kind in ("after_cutoff", "before_year", "end_before_start", "control_characters"):
        if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            return
        text = col.astype("string").fillna("")
        if rule.kind == "control_characters":
            bad = text.str.contains(_CONTROL)
            message = rule.description
        else:
            from .iso8601 import parse_dtc

            fields, matched = parse_dtc(col)
            year, month, day = fields[:, 0], fields[:, 1], fields[:, 2]
            if rule.kind == "end_before_start":
                start = re.sub(r"ENDTC$", "STDTC", var)
                if start not in data.columns:
                    return
                sf, _ = parse_dtc(data[start])
                both = ~np.isnan(fields[:, :3]).any(axis=1) & ~np.isnan(sf[:, :3]).any(axis=1)
                end_key = year * 10000 + month * 100 + day
                start_key = sf[:, 0] * 10000 + sf[:, 1] * 100 + sf[:, 2]
                bad = pd.Series(both & (end_key < start_key), index=col.index)
                message = f"{rule.description} ({start} {{start}})"
            elif rule.kind == "after_cutoff":
                if cutoff is None:
                    return
                cut = pd.Timestamp(cutoff)
                # the earliest day the (possibly partial) date can be: unknown month/day count as the first
                earliest = year * 10000 + np.nan_to_num(month, nan=1) * 100 + np.nan_to_num(day, nan=1)
                bad = pd.Series(matched & ~np.isnan(year) & (earliest > cut.year * 10000 + cut.month * 100 + cut.day),
                                index=col.index)
                message = f"{rule.description} (cut-off {cutoff})"
            else:
                bad = pd.Series(matched & (year < rule.limit), index=col.index)
                message = rule.description
    else:
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            return
        num = pd.to_numeric(col, errors="coerce").astype("float64")
        bad = num < rule.limit if rule.kind == "below" else num > rule.limit
        bad = bad.fillna(False)
        limit = f"{rule.limit:g}"
        message = f"{rule.description} (limit {limit})" if rule.kind == "above" else rule.description
    bad = bad.fillna(False).astype(bool).to_numpy()
    if not bad.any():
        return
    subjects = data["USUBJID"].astype(str).to_numpy() if "USUBJID" in data.columns else None
    positions = np.flatnonzero(bad)
    index = data.index
    for pos in positions:
        label = index[pos]
        row = int(label) + 1 if isinstance(label, (int, np.integer)) else int(pos) + 1
        value = col.iloc[pos]
        value = value.item() if hasattr(value, "item") else value
        text = message
        if "{start}" in text:
            text = text.replace("{start}", str(data[re.sub(r'ENDTC$', 'STDTC', var)].iloc[pos]))
        found.add(rule.severity, rule.id, text + f" [rule {rule.id}]", dataset=name, variable=var,
                  usubjid=None if subjects is None else subjects[pos], row=row, value=value)
