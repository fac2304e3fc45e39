"""The settings of ``study.toml``, as data: one row per key (type, default, description).

:func:`load_settings` reads a ``study.toml`` and checks it against
:data:`SETTINGS`: malformed TOML is an error naming the file, line and column;
an unknown key or section is an error with a "did you mean"
(``days_per_mnth`` -> ``days_per_month``), so a misspelt optional key never
silently falls back to its default; a value of the wrong type, a date that is
not a calendar date, a missing required key, a program name that is not a plain
name (``../x``, ``/tmp/x``) and a spec path that does not exist are errors too.
Every error is a :class:`~derivations.findings.SettingsError` (exit 2) naming the
file, the key and the value, and saying what to fix.

Others add rows with :func:`register` (a framework module that reads a new key).
A study keeps keys of its own in sections it lists in ``[study] custom_sections``;
those sections are not checked. ``derive settings`` prints the table.

Example
-------
>>> check_settings({"tlf": {"days_per_mnth": 30}}, "study.toml")
Traceback (most recent call last):
...
derivations.settings.SettingsError: study.toml: unknown key days_per_mnth in [tlf] (did you mean 'days_per_month'?) (variable tlf.days_per_mnth, value 30): correct the key (the settings are listed by `derive settings`)
>>> print(SETTINGS_BY_KEY["tlf.days_per_month"])
tlf.days_per_month (number, default 30.4375): months = days / this factor in Kaplan-Meier times and rates
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from .findings import DerivationError

REQUIRED = object()


class SettingsError(DerivationError):
    """``study.toml`` cannot be read, or a setting is unknown, missing or of the wrong type (exit 2)."""


#: what each type accepts, for messages
TYPES = {
    "text": "a text in quotes",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD",
    "datetime": "a date-time YYYY-MM-DDThh:mm:ss",
    "path": "a relative path in quotes",
    "folder": "a folder path in quotes (relative to the study folder, or absolute)",
    "file": "a path of an existing file, relative to the study folder",
    "names": "a list of plain program names such as [\"dm\", \"ae\"]",
    "texts": "a list of texts",
    "numbers": "a list of numbers",
    "table": "a table of name = \"value\" pairs",
    "choice": "one of the listed values",
    "tables": "a list of [[section.key]] tables",
    "encoding": "a Python text encoding name such as \"cp1252\" or \"latin-1\"",
}



@dataclass(frozen=True)
class Setting:
    """One key of ``study.toml``: ``section.name``, its type, default and meaning.

    ``type`` is one of :data:`TYPES`; ``choices`` lists the values of a
    ``"choice"``; ``default`` is :data:`REQUIRED` for a key every study must set.
    """

    key: str
    type: str
    default: Any
    description: str
    choices: tuple = ()

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"setting {self.key}: type must be one of {sorted(TYPES)}, not {self.type!r}")

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def __str__(self) -> str:
        kind = f"one of {', '.join(map(repr, self.choices))}" if self.type == "choice" else self.type
        default = "required" if self.required else f"default {self.default!r}"
        return f"{self.key} ({kind}, {default}): {self.description}"


SETTINGS: list[Setting] = [
    Setting("study.studyid", "text", REQUIRED, "STUDYID written into every dataset"),
    Setting("study.title", "text", "", "the study's title, printed on tables"),
    Setting("study.cutoff_date", "date", None, "data cut-off: dates after it are findings (see [plausibility])"),
    Setting("study.created", "datetime", "1960-01-01T00:00:00",
            "timestamp stamped into output headers instead of the clock (reruns are byte-identical)"),
    Setting("study.raw", "path", "raw", "folder of the raw CRF extracts, relative to the study folder"),
    Setting("study.ct_version", "date", None, "CDISC Controlled Terminology package date, written into define.xml"),
    Setting("study.spill_records", "integer", 0, "a dataset of this many records or more is held on disk (a "
            "memory-mapped Arrow file in a private temporary folder) between programs instead of in memory; "
            "0: every dataset in memory"),
    Setting("study.submission_links", "boolean", False, "the submission folder hard-links the run's XPT and "
            "define files instead of copying them (same bytes, written once: half the disk for a large study; "
            "a file changed in place afterwards changes in both folders); a copy where the disk cannot link"),
    Setting("study.raw_encoding", "encoding", None, "encoding of the raw CSV pages when not UTF-8 (e.g. \"cp1252\")"),
    *(Setting(f"{stage}.encoding", "encoding", None, f"encoding of the {stage.upper()} dataset files read "
                                                     f"(--{stage}, validate/check/define) when not UTF-8")
      for stage in ("sdtm", "adam")),
    Setting("study.custom_sections", "texts", [], "sections of study.toml that hold the study's own keys "
                                                  "(read by its programs; not checked)"),
    *(row for stage in ("sdtm", "adam", "tlf") for row in (
        Setting(f"{stage}.spec", "file", None, f"the {stage.upper()} spec workbook (P21 define-spec)"),
        Setting(f"{stage}.programs", "names", [], f"the {stage} programs (files {stage}/<name>.py) in run order"),
    )),
    Setting("qc.programs", "names", [], "the QC (double) programs (files qc/<name>.py) that derive qc runs"),
    Setting("qc.checks", "table", {}, "what each QC program double-programs: program = \"ADSL\" (a production ADaM "
                                      "dataset) or \"T_TTE\" (an output, through its ARD), or a table "
                                      "{ production, tolerance, method, where, by }"),
    Setting("qc.ard_tolerance", "number", 0.0, "outputs: |QC - production| allowed per ARD statistic"),
    Setting("qc.ard_method", "choice", "absolute", "how ard_tolerance applies (PROC COMPARE METHOD=)",
            choices=("absolute", "relative", "percent")),
    Setting("sdtm.input", "folder", None, "a folder of SDTM datasets (XPT/parquet) read instead of running the "
                                          "SDTM programs, as --sdtm DIR does (which wins)"),
    *(Setting(f"{stage}.files", "table", {}, f"{stage.upper()} datasets read from other files under the "
                                             f"--{stage} folder, e.g. {{ DM = \"v1.4.0/dm.parquet\" }}")
      for stage in ("sdtm", "adam")),
    Setting("adam.agegr1_cut", "integer", 65, "AGEGR1: '<cut' / '>=cut'"),
    Setting("adam.sd_min_days", "integer", 42, "RECIST BOR: SD counts from treatment start + this many days"),
    Setting("adam.confirm_days", "integer", 28, "RECIST BOR: CR/PR confirmed at least this many days later"),
    Setting("adam.trtem_end_window", "integer", 30, "TRTEMFL: AE start up to last dose + this many days"),
    Setting("adam.ontrt_start_window", "integer", 0,
            "ONTRTFL (BDS): also on treatment this many days before the first dose (days -n to -1)"),
    Setting("adam.ontrt_end_window", "integer", 30,
            "ONTRTFL (BDS): on treatment from the day after first dose up to last dose + this many days"),
    Setting("adam.partitions", "table", {}, "programs derived per subject partition on Dask and concatenated: "
                                            "program = number of partitions, e.g. { adlb = 4 }"),
    Setting("sdtm.partitions", "table", {}, "SDTM programs derived per subject partition on Dask (their raw pages "
                                            "cut by SUBJID as DM maps it to USUBJID): program = number of "
                                            "partitions, e.g. { lb = 20 }"),
    Setting("sdtm.partition_scheduler", "choice", "synchronous", "Dask scheduler of [sdtm] partitions",
            ("synchronous", "threads")),
    Setting("adam.partition_scheduler", "choice", "synchronous", "Dask scheduler of [adam] partitions: one "
            "partition at a time (least memory) or side by side on the cores", ("synchronous", "threads")),
    Setting("tlf.days_per_month", "number", 30.4375,
            "months = days / this factor in Kaplan-Meier times and rates"),
    Setting("tlf.km_median_rule", "choice", "sas", "Kaplan-Meier median rule", ("sas", "first")),
    Setting("tlf.km_ci_method", "choice", "brookmeyer-crowley", "primary CI of the KM median",
            ("brookmeyer-crowley", "symmetric")),
    Setting("tlf.km_ci_transform", "choice", "loglog", "Brookmeyer-Crowley transform",
            ("loglog", "cloglog", "linear", "log", "logit", "asinsqrt")),
    Setting("tlf.km_ci_secondary", "choice", "", "second CI row of the median table ('' = none)",
            ("", "brookmeyer-crowley", "symmetric")),
    Setting("tlf.swimmer_max_subjects", "integer", 100, "swimmer plot: at most this many subjects"),
    Setting("tlf.km_rate_months", "numbers", [6, 12], "KM event-free rates at these times (months)"),
    Setting("plausibility.max_lesion_diameter_mm", "number", 500,
            "the stated maximum of a lesion diameter (mm); TR diameters above it are findings"),
    Setting("plausibility.severity", "table", {},
            "severity per plausibility rule id: \"error\", \"warning\", \"note\" or \"off\" (`derive rules`)"),
    Setting("plausibility.rules", "tables", [], "the study's own plausibility rules (fields as `derive rules` "
                                               "prints them: id, kind, datasets, variables, limit, severity, ...)"),
    Setting("tlf.populations", "table", {}, "analysis populations: name = \"filter on ADSL\", or a table "
                                            "[tlf.populations.<name>] with filter, label and definition"),
    Setting("tlf.exposure", "table", {}, "exposure table parameters (cycle_days, planned dose per cycle, ...)"),
    Setting("tlf.ars", "table", {}, "CDISC ARS reporting event settings ([tlf.ars.purposes]: output -> purpose)"),
    Setting("tlf.book", "boolean", False, "make the TLF book (one PDF of all RTF outputs; needs LibreOffice)"),
    Setting("tlf.book_max_pages", "integer", 500, "no TLF book above this many pages"),
    Setting("qc.programs", "names", [], "the QC programs (files qc/<name>.py) that `derive qc` runs"),
    Setting("qc.checks", "table", {}, "what each QC program double-programs: program = dataset or output name"),
    Setting("qc.ard_tolerance", "number", 0.0, "outputs: |QC - production| of each ARD statistic allowed"),
    Setting("qc.ard_method", "choice", "absolute", "outputs: how ard_tolerance applies",
            ("absolute", "relative", "percent")),
    Setting("tlf.treatment", "table", {}, "the treatment column: label = \"...\", short_label = \"...\" "
                                          "(figure legends)"),
]

SETTINGS_BY_KEY: dict[str, Setting] = {}


def register(*settings: Setting) -> None:
    """Add rows to :data:`SETTINGS` (a key already there is replaced)."""
    for s in settings:
        SETTINGS[:] = [x for x in SETTINGS if x.key != s.key] + [s]
        SETTINGS_BY_KEY[s.key] = s


register(*list(SETTINGS))


def settings_table() -> str:
    """The schema as a plain-text table (``derive settings``)."""
    rows = [("key", "type", "default", "description")]
    for s in SETTINGS:
        kind = "|".join(repr(c) for c in s.choices) if s.type == "choice" else s.type
        rows.append((s.key, kind, "(required)" if s.required else repr(s.default), s.description))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3] for r in rows)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'adam'?)"`` when ``word`` is close to one of ``choices``, else ``""``.

    >>> did_you_mean("adm", ["sdtm", "adam", "tlf"])
    " (did you mean 'adam'?)"
    """
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_settings(path: str | Path, *, root: str | Path | None = None) -> dict[str, Any]:
    """Read ``study.toml`` and check it (:func:`check_settings`); return the settings as written."""
    import tomllib

    path = Path(path)
    try:
        with path.open("rb") as fh:
            settings = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}", value=str(path),
                            hint="correct that line (strings in quotes, one key = value per line, "
                                 "[section] headers)") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})", value=str(path),
                            hint="save study.toml as UTF-8") from exc
    return check_settings(settings, path, root=Path(root) if root is not None else path.parent)


def check_settings(settings: Mapping[str, Any], path: str | Path = "study.toml", *,
                   root: Path | None = None) -> dict[str, Any]:
    """Check ``settings`` (a parsed ``study.toml``) against :data:`SETTINGS`; return them unchanged."""
    where = str(path)
    custom = settings.get("study", {}).get("custom_sections", []) if isinstance(settings.get("study"), dict) else []
    sections = {s.section for s in SETTINGS}
    for section, table in settings.items():
        if section in custom:
            continue
        if section not in sections:
            raise SettingsError(
                f"{where}: unknown section [{section}]{did_you_mean(section, sections)}", variable=section,
                hint="correct the section name, or list it in [study] custom_sections if the study's own "
                     "programs read it")
        if not isinstance(table, dict):
            raise SettingsError(f"{where}: {section} must be a [{section}] section, not a value",
                                variable=section, value=table, hint=f"write [{section}] on its own line")
        known = [s.name for s in SETTINGS if s.section == section]
        for name, value in table.items():
            row = SETTINGS_BY_KEY.get(f"{section}.{name}")
            if row is None:
                raise SettingsError(
                    f"{where}: unknown key {name} in [{section}]{did_you_mean(name, known)}",
                    variable=f"{section}.{name}", value=value,
                    hint="correct the key (the settings are listed by `derive settings`)")
            _check_value(row, value, where, root)
    for row in SETTINGS:
        if row.required and row.name not in settings.get(row.section, {}):
            raise SettingsError(f"{where}: required key {row.name} missing from [{row.section}]",
                                variable=row.key, hint=f"add it: {row}")
    for stage in ("sdtm", "adam"):
        table = settings.get(stage, {}) if isinstance(settings.get(stage), dict) else {}
        for name in table.get("partitions", {}):
            if name not in table.get("programs", []):
                raise SettingsError(f"{where}: [{stage}] partitions names {name!r}, which is not one of the [{stage}] "
                                    f"programs{did_you_mean(name, table.get('programs', []))}",
                                    variable=f"{stage}.partitions", value=name,
                                    hint=f"name a program listed in [{stage}] programs")
    if "plausibility" in settings:
        from .plausibility import rules_for

        rules_for(settings)  # severities and the study's own rules are checked now, not mid-run
    return dict(settings)


def _check_value(row: Setting, value: Any, where: str, root: Path | None) -> None:
    def bad(why: str = "") -> SettingsError:
        return SettingsError(f"{where}: [{row.section}] {row.name} must be {TYPES[row.type]}" + (f" ({why})" if why else ""),
                             variable=row.key, value=value, hint=f"{row}")

    t = row.type
    if t == "encoding":
        import codecs

        if not isinstance(value, str):
            raise bad()
        try:
            codecs.lookup(value)
        except LookupError:
            raise bad(f"{value!r} is not an encoding Python knows") from None
    elif t == "folder":
        if not isinstance(value, str) or not value.strip():
            raise bad()
    elif t in ("text", "path", "file", "choice"):
        if not isinstance(value, str):
            raise bad()
        if t == "choice" and value not in row.choices:
            raise SettingsError(f"{where}: [{row.section}] {row.name} = {value!r} is not one of "
                                f"{', '.join(map(repr, row.choices))}{did_you_mean(value, row.choices)}",
                                variable=row.key, value=value, hint=str(row))
        if t in ("path", "file") and (Path(value).is_absolute() or ".." in Path(value).parts):
            raise bad("a path inside the study folder, without '..'")
        if t == "file" and root is not None and not (root / value).is_file():
            raise SettingsError(f"{where}: [{row.section}] {row.name}: file {root / value} not found",
                                variable=row.key, value=value, hint="correct the path (relative to the study folder)")
    elif t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad()
    elif t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise bad()
        if value <= 0 and row.key.endswith("per_month"):
            raise bad("greater than 0")
    elif t == "boolean":
        if not isinstance(value, bool):
            raise bad()
    elif t in ("date", "datetime"):
        _check_date(row, value, bad)
    elif t in ("names", "texts", "numbers"):
        if not isinstance(value, list):
            raise bad()
        for item in value:
            if t == "numbers" and (isinstance(item, bool) or not isinstance(item, (int, float))):
                raise bad(f"{item!r} is not a number")
            if t == "texts" and not isinstance(item, str):
                raise bad(f"{item!r} is not a text")
            if t == "names":
                from .program import check_program_name

                try:
                    check_program_name(row.section, item)
                except DerivationError as exc:
                    raise SettingsError(f"{where}: {exc}", variable=row.key, value=item) from None
        if t == "names" and len(set(value)) != len(value):
            dup = next(v for v in value if value.count(v) > 1)
            raise SettingsError(f"{where}: [{row.section}] {row.name} lists {dup!r} twice", variable=row.key,
                                value=dup, hint="list each program once")
    elif t == "tables":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise bad()
    elif t == "table":
        if not isinstance(value, dict):
            raise bad()
        if row.name == "partitions" and not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                for v in value.values()):
            raise bad("each value a whole number of partitions, 1 or more")
        if row.name == "files":
            if not all(isinstance(v, str) for v in value.values()):
                raise bad("each value a path in quotes")
            for v in value.values():
                if Path(v).is_absolute() or ".." in Path(v).parts:
                    raise bad(f"{v!r}: a path under the folder, without '..'")


def _check_date(row: Setting, value: Any, bad) -> None:
    if isinstance(value, _dt.datetime):
        if row.type == "date":
            raise bad("a date without a time")
        return
    if isinstance(value, _dt.date):
        if row.type == "datetime":
            return
        return
    if not isinstance(value, str):
        raise bad()
    try:
        parsed = (_dt.date if row.type == "date" else _dt.datetime).fromisoformat(value.strip())
    except ValueError as exc:
        raise bad(str(exc)) from exc
    if parsed.year < 1900:
        raise bad("a year from 1900 on")
