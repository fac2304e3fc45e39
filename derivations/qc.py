"""Double programming as a workflow: ``derive qc`` runs the study's QC programs and compares.

The QC programs live in the study's ``qc/`` stage folder and follow the program contract
(READS / WRITES / ``derive(ctx)``; :mod:`derivations.study`). study.toml lists them and says
what each one double-programs::

    [qc]
    programs = ["adsl_qc", "t_response_qc"]
    ard_tolerance = 1e-6            # outputs: |QC - production| <= this, statistic by statistic
    ard_method = "absolute"         # or relative / percent (PROC COMPARE METHOD=)

    [qc.checks]
    adsl_qc = "ADSL"                # a production ADaM dataset: compared by its spec keys, exactly
    t_response_qc = "T_RESPONSE"    # an output: compared through its ARD (tlf/ard/t_response.csv)
    # or a table: t_tte_qc = { production = "T_TTE", tolerance = 1e-4, method = "relative", where = "..." }

Independence is enforced, not trusted: a QC program of an ADaM dataset sees SDTM and the QC
datasets only (its ``ctx.adam`` holds QC datasets, never production ADaM); a QC program of an
output sees ADaM only (production ADaM and QC datasets), never production's ARD or SDTM. A
READS entry outside that is an error naming the program.

:func:`run_qc` reads production from an output folder of ``derive run``, runs the QC programs,
compares, and writes ``DIR/qc/``: ``qc_report.html`` and ``qc_report.csv`` (one row per check:
compared, equal, variables, records, differing values), ``compare/<NAME>.txt`` (the PROC COMPARE
report of each check), ``diffs/<NAME>.csv`` (every difference of a check that differs) and
``data/<QC NAME>.csv`` (the QC datasets). The verdict is :attr:`QcResult.exit_code`: 0 every
check equal, 1 differences, 2 something could not run.

Example
-------
>>> check = QcCheck(program="adsl_qc", qc_name="QC_ADSL", production="ADSL", kind="dataset", keys=("USUBJID",))
>>> check.describe()
'qc/adsl_qc.py: QC_ADSL vs ADaM ADSL by USUBJID, exact'
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .findings import DerivationError, Findings
from .outdir import MARKER as OUTPUT_MARKER, Staging, files_of, foreign_files, is_output_folder, write_marker
from .program import Program, run_order
from .progress import Progress, silent
from .runlog import log_header, program_lines, sha256
from .study import RunContext, Study

STAGE = "qc"
#: the identity of an ARD statistic: production's and QC's rows are matched on these
ARD_KEYS = ("analysis_id", "group_var", "group_value", "column_var", "column_value", "parent_value", "grade_band",
            "stat_name")
ARD_VALUE = "stat_value"
#: the file that marks DIR/qc as written by derive qc and lists its files (so a later derive qc may replace it)
MARKER = OUTPUT_MARKER
REPORT_COLUMNS = ["CHECK", "PROGRAM", "QC_DATASET", "PRODUCTION", "KIND", "COMPARED", "EQUAL", "N_VARIABLES",
                  "N_RECORDS", "N_VALUES_DIFFERENT", "N_RECORDS_ONE_SIDE", "N_VARIABLES_ONE_SIDE", "KEYS",
                  "CRITERION", "WHERE", "PRODUCTION_FILE", "PRODUCTION_SHA256", "SECONDS", "MESSAGE"]


@dataclass(frozen=True)
class QcCheck:
    """One QC program and the production dataset (``kind="dataset"``) or output ARD (``"output"``) it checks."""

    program: str
    qc_name: str
    production: str
    kind: str
    keys: tuple[str, ...] = ()
    tolerance: float = 0.0
    method: str = "absolute"
    where: str | None = None

    def criterion(self) -> str:
        """The stated tolerance: ``exact`` or ``absolute <= 1e-06``."""
        return "exact" if self.tolerance == 0 else f"{self.method} <= {self.tolerance:g}"

    def describe(self) -> str:
        what = f"ADaM {self.production}" if self.kind == "dataset" else f"output {self.production} (ARD)"
        return (f"{STAGE}/{self.program}.py: {self.qc_name} vs {what} by {', '.join(self.keys)}, {self.criterion()}"
                + (f", records where {self.where}" if self.where else ""))


@dataclass
class CheckOutcome:
    """What became of one check: compared or not, and the compare result."""

    check: QcCheck | None
    program: str
    result: object | None = None           # derivations.compare.CompareResult
    error: str | None = None
    seconds: float = 0.0
    qc_rows: int | None = None
    production_file: Path | None = None
    production_sha256: str = ""

    @property
    def compared(self) -> bool:
        return self.result is not None and self.error is None

    @property
    def equal(self) -> bool | None:
        return bool(self.result.equal) if self.compared else None

    def row(self) -> dict:
        s = self.result.summary if self.compared else {}
        c = self.check
        return {
            "CHECK": c.production if c else "", "PROGRAM": f"{STAGE}/{self.program}.py",
            "QC_DATASET": c.qc_name if c else "", "PRODUCTION": c.production if c else "",
            "KIND": c.kind if c else "", "COMPARED": "Y" if self.compared else "N",
            "EQUAL": "" if self.equal is None else ("Y" if self.equal else "N"),
            "N_VARIABLES": s.get("n_vars_compared"), "N_RECORDS": s.get("n_rows_compared"),
            "N_VALUES_DIFFERENT": s.get("n_values_unequal"),
            "N_RECORDS_ONE_SIDE": (s["n_base_only_rows"] + s["n_compare_only_rows"]) if s else None,
            "N_VARIABLES_ONE_SIDE": (s["n_base_only_vars"] + s["n_compare_only_vars"]) if s else None,
            "KEYS": ", ".join(c.keys) if c else "", "CRITERION": c.criterion() if c else "",
            "WHERE": (c.where or "") if c else "", "PRODUCTION_FILE": self.production_file.as_posix()
            if self.production_file else "", "PRODUCTION_SHA256": self.production_sha256,
            "SECONDS": round(self.seconds, 2), "MESSAGE": self.error or "",
        }


@dataclass
class QcResult:
    """Outcome of :func:`run_qc`: one :class:`CheckOutcome` per QC program, the files written."""

    out_dir: Path
    outcomes: list[CheckOutcome] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def frame(self) -> pd.DataFrame:
        """The QC report as data: one row per check (:data:`REPORT_COLUMNS`)."""
        frame = pd.DataFrame([o.row() for o in self.outcomes], columns=REPORT_COLUMNS)
        for col in ("N_VARIABLES", "N_RECORDS", "N_VALUES_DIFFERENT", "N_RECORDS_ONE_SIDE", "N_VARIABLES_ONE_SIDE"):
            frame[col] = frame[col].astype("Int64")
        return frame

    @property
    def could_not_run(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if not o.compared]

    @property
    def different(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.compared and not o.equal]

    @property
    def exit_code(self) -> int:
        """0 every check compared and equal; 1 some differ; 2 some could not run (or no check at all)."""
        if self.could_not_run or not self.outcomes:
            return 2
        return 1 if self.different else 0

    def verdict(self) -> str:
        n = len(self.outcomes)
        equal = sum(1 for o in self.outcomes if o.compared and o.equal)
        text = f"{equal} of {n} check(s) equal"
        if self.different:
            text += f"; {len(self.different)} differ ({', '.join(o.check.production for o in self.different)})"
        if self.could_not_run:
            text += f"; {len(self.could_not_run)} could not run ({', '.join(o.program for o in self.could_not_run)})"
        return text

    def report_text(self) -> str:
        """The summary table as text (what ``derive qc`` prints)."""
        from .compare.report import _table

        f = self.frame()
        lines = [f"QC of {self.out_dir}", ""]
        lines += _table(["Check", "Program", "Kind", "Compared", "Equal", "Variables", "Records", "Values different",
                         "Records one side", "Criterion"],
                        [[r.PRODUCTION or "-", r.PROGRAM, r.KIND, r.COMPARED, r.EQUAL or "-",
                          _num(r.N_VARIABLES), _num(r.N_RECORDS), _num(r.N_VALUES_DIFFERENT),
                          _num(r.N_RECORDS_ONE_SIDE), r.CRITERION] for r in f.itertuples()])  # the report: one line per check
        for o in self.outcomes:
            if o.error:
                lines += ["", f"{STAGE}/{o.program}.py could not run: {o.error}"]
        lines += ["", f"Verdict: {self.verdict()}."]
        return "\n".join(lines) + "\n"


def _num(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{int(value):,}"


# ------------------------------------------------------------------------------ settings
def _production_kinds(study: Study) -> dict[str, str]:
    """Production name -> ``dataset`` (ADaM program WRITES or ADaM spec dataset) or ``output`` (TLF WRITES)."""
    kinds: dict[str, str] = {}
    for name in study.programs("tlf"):
        for ds in study.program("tlf", name).writes:
            kinds[ds] = "output"
    for name in study.programs("adam"):
        for ds in study.program("adam", name).writes:
            kinds[ds] = "dataset"
    return kinds


def read_checks(study: Study) -> list[tuple[str, QcCheck | None, str | None]]:
    """``[(program, check, error)]`` for each program of ``[qc] programs`` (error: why it cannot run)."""
    qc = study.settings.get(STAGE, {})
    checks = qc.get("checks", {})
    if not isinstance(checks, dict):
        raise DerivationError("study.toml [qc] checks must be a table: program = \"PRODUCTION\"",
                              hint='e.g. [qc.checks] adsl_qc = "ADSL"')
    unknown = sorted(set(checks) - set(study.programs(STAGE)))
    if unknown:
        raise DerivationError(f"study.toml [qc.checks] names {', '.join(unknown)}, not in [qc] programs",
                              hint="list the program in [qc] programs, or remove its check")
    ard_tolerance = float(qc.get("ard_tolerance", 0.0))
    ard_method = str(qc.get("ard_method", "absolute"))
    kinds = _production_kinds(study)
    spec_keys = {}
    if study.spec_path("adam"):
        from .spec import load_spec

        spec = load_spec(study.spec_path("adam"))
        spec_keys = {name: list(ds.keys) for name, ds in spec.datasets.items()}
    out = []
    for name in study.programs(STAGE):
        try:
            program = study.program(STAGE, name)
        except (DerivationError, FileNotFoundError, ImportError, SyntaxError) as exc:
            out.append((name, None, f"{type(exc).__name__}: {exc}"))
            continue
        entry = checks.get(name)
        if entry is None:
            out.append((name, None, f"study.toml [qc.checks] does not say what {name} checks "
                                    f"(add {name} = \"DATASET or OUTPUT\")"))
            continue
        entry = {"production": entry} if isinstance(entry, str) else dict(entry)
        production = str(entry.get("production", "")).upper()
        if len(program.writes) != 1:
            out.append((name, None, f"a QC program writes one dataset; WRITES is {program.writes}"))
            continue
        kind = kinds.get(production)
        if kind is None:
            out.append((name, None, f"{production or '(empty)'} is neither an ADaM dataset nor an output of this "
                                    "study's programs"))
            continue
        if kind == "dataset":
            keys = tuple(entry.get("by", spec_keys.get(production, [])))
            default_tol, default_method = 0.0, "absolute"
        else:
            keys = tuple(entry.get("by", ARD_KEYS))
            default_tol, default_method = ard_tolerance, ard_method
        check = QcCheck(program=name, qc_name=program.writes[0], production=production, kind=kind, keys=keys,
                        tolerance=float(entry.get("tolerance", default_tol)),
                        method=str(entry.get("method", default_method)), where=entry.get("where"))
        out.append((name, check, _independence_error(study, program, check)))
    return out


def _independence_error(study: Study, program: Program, check: QcCheck) -> str | None:
    """Why ``program`` may not read what it declares (None: it reads only what its kind of QC may)."""
    produced = {stage: {ds for n in study.programs(stage) for ds in study.program(stage, n).writes}
                for stage in ("adam", "tlf")}
    for name in program.reads:
        if name in produced["tlf"]:
            return f"{program.label} reads {name}, production's analysis results: a QC program never reads them"
        if check.kind == "dataset" and name in produced["adam"]:
            return (f"{program.label} reads production ADaM {name}: an ADaM QC program reads SDTM and QC "
                    "datasets only")
    return None


# ------------------------------------------------------------------------------ production
def _production_path(out_dir: Path, check: QcCheck) -> Path:
    """Where production's dataset (``adam/<name>.xpt``) or ARD (``tlf/ard/<name>.csv``) of ``check`` is."""
    if check.kind == "dataset":
        return out_dir / "adam" / f"{check.production.lower()}.xpt"
    return out_dir / "tlf" / "ard" / f"{check.production.lower()}.csv"


def _read_production(out_dir: Path, check: QcCheck) -> tuple[pd.DataFrame, object]:
    from .io import read_dataset

    if check.kind == "dataset":
        path = out_dir / "adam" / f"{check.production.lower()}.xpt"
        if not path.is_file():
            raise FileNotFoundError(f"production {check.production} not found: {path} (run derive run --out "
                                    f"{out_dir} first)")
        return read_dataset(path)
    path = out_dir / "tlf" / "ard" / f"{check.production.lower()}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"production ARD of {check.production} not found: {path} (run derive run first)")
    frame, _ = read_dataset(path)  # every column as text, empty cells empty strings
    if ARD_VALUE not in frame.columns:
        raise DerivationError(f"{path} has no {ARD_VALUE} column", hint="is it an ARD written by derive run?")
    frame[ARD_VALUE] = pd.to_numeric(frame[ARD_VALUE].replace("", None), errors="raise")
    return frame, None


def _qc_frame_for_ard(frame: pd.DataFrame, check: QcCheck) -> pd.DataFrame:
    frame = frame.copy()
    missing = [c for c in (*check.keys, ARD_VALUE) if c not in frame.columns]
    if missing:
        raise DerivationError(f"{STAGE}/{check.program}.py: its ARD lacks {', '.join(missing)}",
                              hint=f"an ARD row carries {', '.join(ARD_KEYS)} and {ARD_VALUE}")
    for key in check.keys:
        frame[key] = frame[key].astype(object).where(frame[key].notna(), "").astype(str)
    frame[ARD_VALUE] = pd.to_numeric(frame[ARD_VALUE])
    return frame


def compare_check(check: QcCheck, production: pd.DataFrame, meta, qc: pd.DataFrame):
    """Compare a QC result with production (PROC COMPARE; attributes left out: QC frames carry none)."""
    from .compare import compare_datasets

    if check.where:
        try:
            production = production.query(check.where, engine="python")
            qc = qc.query(check.where, engine="python")
        except Exception as exc:  # noqa: BLE001 - a bad filter text is a settings error naming the check
            raise DerivationError(f"study.toml [qc.checks] {check.program}: where = {check.where!r} fails: {exc}")
    variables = None
    if check.kind == "output":
        qc = _qc_frame_for_ard(qc, check)
        variables = [ARD_VALUE]
    return compare_datasets(production.reset_index(drop=True), qc.reset_index(drop=True), by_vars=list(check.keys),
                            variables=variables, tolerance=check.tolerance, tolerance_type=check.method,
                            ignore="formats,labels,lengths", base_meta=meta, max_listed=None)


# ------------------------------------------------------------------------------ running
def _returned(program: Program, result) -> dict[str, pd.DataFrame]:
    if not isinstance(result, dict):
        raise DerivationError(f"{program.label}: derive(ctx) returned {type(result).__name__}, not a dict")
    returned = {str(k).upper(): v for k, v in result.items()}
    if set(returned) != set(program.writes):
        raise DerivationError(f"{program.label} returned {', '.join(returned) or 'nothing'}; WRITES is "
                              f"{', '.join(program.writes)}")
    for key, frame in returned.items():
        if not isinstance(frame, pd.DataFrame):
            raise DerivationError(f"{program.label} returned {type(frame).__name__} for {key}, not a DataFrame")
    return returned


def run_qc(study: str | Path | Study = ".", out_dir: str | Path = "output", *,
           progress: Progress | None = None) -> QcResult:
    """Run the QC programs of ``study`` against the production outputs in ``out_dir`` and write
    ``out_dir/qc/`` (see the module docstring). Raises :class:`DerivationError` when nothing can
    be checked (no production outputs, no QC programs, an unsafe qc/ folder)."""
    import datetime as _dt

    started, t_start = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    progress = progress or silent()
    study = study if isinstance(study, Study) else Study.load(study)
    out_dir = Path(out_dir).resolve()
    if not (out_dir / "adam").is_dir() and not (out_dir / "tlf").is_dir():
        raise DerivationError(f"{out_dir} holds no production outputs (no adam/ or tlf/ folder)",
                              hint=f"run derive run --out {out_dir} first, or give --out the run's output folder")
    if not study.programs(STAGE):
        raise DerivationError("study.toml lists no QC programs ([qc] programs = [...])",
                              hint="write QC programs in qc/ and list them, with [qc.checks] saying what each checks")
    target = out_dir / STAGE
    _check_replaceable(target)
    from .io import read_dataset_folder

    sdtm = read_dataset_folder(out_dir / "sdtm", encoding=study.encoding("sdtm")) if (out_dir / "sdtm").is_dir() else {}
    adam = read_dataset_folder(out_dir / "adam") if (out_dir / "adam").is_dir() else {}
    entries = read_checks(study)
    by_name = {name: (check, error) for name, check, error in entries}
    programs = {name: study.program(STAGE, name) for name, check, _ in entries if check is not None}
    try:
        order = [p.name for p in run_order(list(programs.values()))]
    except DerivationError as exc:
        raise DerivationError(f"QC programs: {exc}") from exc
    order += [name for name, _, _ in entries if name not in programs]
    qc_store: dict[str, pd.DataFrame] = {}
    findings = Findings()
    result = QcResult(out_dir=out_dir)
    for name in order:
        check, error = by_name[name]
        outcome = CheckOutcome(check=check, program=name, error=error)
        result.outcomes.append(outcome)
        if error is not None:
            progress.note(STAGE, f"{name} could not run: {error}")
            continue
        program = programs[name]
        progress.start(STAGE, name)
        t0 = time.perf_counter()
        try:
            lacking = [r for r in program.reads if r not in qc_store and r not in (sdtm if check.kind == "dataset"
                                                                                   else adam)]
            if lacking:
                raise DerivationError(f"{program.label} reads {', '.join(lacking)}, which is missing (a QC dataset "
                                      "of a program that failed, or a dataset the output folder lacks)")
            if check.kind == "dataset":   # SDTM and QC datasets only
                ctx = RunContext(study=study, findings=findings, sdtm=sdtm, adam=qc_store)
            else:                          # ADaM only: production ADaM and QC datasets
                ctx = RunContext(study=study, findings=findings, adam={**adam, **qc_store})
            returned = _returned(program, program.derive(ctx.for_program(program)))
            qc_frame = returned[check.qc_name]
            qc_store[check.qc_name] = qc_frame
            outcome.qc_rows = len(qc_frame)
            production, meta = _read_production(out_dir, check)
            path = _production_path(out_dir, check)
            outcome.production_file, outcome.production_sha256 = path.relative_to(out_dir), sha256(path)
            outcome.result = compare_check(check, production, meta, qc_frame)
        except Exception as exc:  # noqa: BLE001 - one QC program failing must not stop the others
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.seconds = time.perf_counter() - t0
        status = "failed" if outcome.error else ("equal" if outcome.equal else "DIFFERENT")
        progress.end(STAGE, name, {check.qc_name: outcome.qc_rows} if outcome.qc_rows is not None else None,
                     status=status)
    result.seconds = time.perf_counter() - t_start
    log = _log_lines(result, study, started, progress)
    result.files = _write_report(result, qc_store, target, findings, log)
    _list_in_output_marker(out_dir, target)
    progress.note(STAGE, f"report {target / 'qc_report.html'}")
    return result


# ------------------------------------------------------------------------------ report
def _list_in_output_marker(out_dir: Path, target: Path) -> None:
    """The output folder's marker (:mod:`derivations.outdir`) lists the qc/ files too: derive qc wrote them, so
    the next ``derive run --out DIR`` may replace the folder with them. Files someone else put there stay foreign."""
    if not (out_dir / OUTPUT_MARKER).is_file():
        return
    ours = {p.relative_to(out_dir).as_posix() for p in target.rglob("*") if p.is_file()}
    others = set(foreign_files(out_dir)) - ours
    write_marker(out_dir, [f for f in files_of(out_dir) if f not in others])


def _check_replaceable(target: Path) -> None:
    """``DIR/qc`` may be replaced only when derive qc wrote it and every file in it (its marker lists them)."""
    if not target.exists():
        return
    if not target.is_dir() or not is_output_folder(target):
        raise DerivationError(f"{target} exists and was not written by derive qc: it is left as it is",
                              hint="move it away, or run derive qc on another output folder")
    others = foreign_files(target)
    if others:
        raise DerivationError(f"{target} holds {len(others)} file(s) derive qc did not write ({', '.join(others[:5])}"
                              f"{', ...' if len(others) > 5 else ''}): nothing is replaced",
                              hint="move those files out of the qc/ folder, then run derive qc again")


_PAGE = """<p>Production outputs: <code>{{ out_dir }}</code>. Each QC program was run apart from production (ADaM QC from
SDTM only, output QC from ADaM only) and compared with what production wrote: ADaM datasets by their spec keys,
outputs through their analysis results data, statistic by statistic within the stated criterion. Attributes
(labels, lengths, formats) are checked by <code>derive validate</code>, not here.</p>
<p class="{{ verdict_class }}">Verdict: {{ verdict }}.</p>
<table><tr><th>Check</th><th>Program</th><th>Kind</th><th>Compared</th><th>Equal</th><th>Variables</th>
<th>Records</th><th>Values different</th><th>Records one side</th><th>Keys</th><th>Criterion</th><th>Message</th></tr>
{% for r in rows %}<tr><td>{% if r.COMPARED == "Y" %}<a href="#{{ r.PRODUCTION }}">{{ r.PRODUCTION }}</a>{% else %}{{ r.PRODUCTION or "-" }}{% endif %}</td>
<td>{{ r.PROGRAM }}</td><td>{{ r.KIND }}</td><td>{{ r.COMPARED }}</td>
<td class="{{ 'equal' if r.EQUAL == 'Y' else 'unequal' }}">{{ r.EQUAL or "-" }}</td>
<td class="num">{{ num(r.N_VARIABLES) }}</td><td class="num">{{ num(r.N_RECORDS) }}</td>
<td class="num">{{ num(r.N_VALUES_DIFFERENT) }}</td><td class="num">{{ num(r.N_RECORDS_ONE_SIDE) }}</td>
<td>{{ "ARD statistic (%d identity columns)" % (r.KEYS.count(",") + 1) if r.KIND == "output" else r.KEYS }}</td><td>{{ r.CRITERION }}{% if r.WHERE %}; where {{ r.WHERE }}{% endif %}</td><td>{{ r.MESSAGE }}</td></tr>
{% endfor %}</table>
<p class="muted">As data: qc_report.csv (with the sha256 of each production file compared). Every difference:
diffs/&lt;CHECK&gt;.csv. PROC COMPARE reports: compare/&lt;CHECK&gt;.txt. The run record: qc.log.</p>
{% for s in sections %}{{ s }}{% endfor %}"""


def _log_lines(result: QcResult, study: Study, started, progress: Progress) -> list[str]:
    """The QC run record (qc/qc.log): versions, each program's time, each check's verdict, and the sha256 of the
    production files compared and of the QC programs and settings."""
    lines = log_header("derive qc log", study=study, started=started, seconds=result.seconds)
    lines += program_lines(progress.records)
    lines += ["", "checks"]
    for o in result.outcomes:
        verdict = ("equal" if o.equal else "DIFFERENT") if o.compared else f"could not run: {o.error}"
        lines.append(f"  {(o.check.production if o.check else o.program):<12} {verdict}")
    lines += ["", "production compared (sha256)"]
    lines += [f"  {o.production_sha256}  {o.production_file.as_posix()}" for o in result.outcomes if o.production_file]
    lines += ["", "inputs (sha256)", f"  {sha256(study.root / 'study.toml')}  study.toml"]
    lines += [f"  {sha256(p)}  {STAGE}/{p.name}" for p in sorted((study.root / STAGE).glob("*.py"))]
    return lines


def _write_report(result: QcResult, qc_store: dict[str, pd.DataFrame], target: Path, findings: Findings,
                  log: list[str]) -> list[Path]:
    """Write DIR/qc/ in a staging folder and swap it into place (only a qc/ folder derive qc wrote is replaced)."""
    from markupsafe import Markup

    from .compare import write_differences
    from .compare.html import _env, page, report_html_section

    with Staging(target) as stage:
        staging = stage.path
        frame = result.frame()
        frame.to_csv(staging / "qc_report.csv", index=False, lineterminator="\n")
        sections = []
        for o in result.outcomes:
            if not o.compared:
                continue
            name = o.check.production
            (staging / "compare").mkdir(exist_ok=True)
            (staging / "compare" / f"{name.lower()}.txt").write_text(o.result.report_text(max_listed=None),
                                                                      encoding="utf-8")
            sections.append(report_html_section(o.result, heading=f"{name}: {o.check.describe()}", anchor=name,
                                                max_listed=50))
            if not o.equal:
                (staging / "diffs").mkdir(exist_ok=True)
                write_differences(o.result.differences_dataset(), staging / "diffs" / f"{name.lower()}.csv")
        for name, qc_frame in sorted(qc_store.items()):
            (staging / "data").mkdir(exist_ok=True)
            qc_frame.to_csv(staging / "data" / f"{name.lower()}.csv", index=False, lineterminator="\n",
                            date_format="%Y-%m-%d", float_format="%.10g")
        code = result.exit_code
        body = _env().from_string(_PAGE).render(
            out_dir=str(result.out_dir), verdict=result.verdict(),
            verdict_class={0: "equal", 1: "unequal", 2: "unequal"}[code], rows=frame.to_dict("records"),
            num=_num, sections=[Markup(s) for s in sections])
        (staging / "qc_report.html").write_text(page("QC report", body), encoding="utf-8")
        (staging / "qc_report.txt").write_text(result.report_text(), encoding="utf-8")
        (staging / "qc.log").write_text("\n".join(log) + "\n", encoding="utf-8")
        if findings.items:
            (staging / "findings.txt").write_text(findings.report() + "\n", encoding="utf-8")
        files = [Path(f) for f in files_of(staging)] + [Path(MARKER)]
        stage.commit()
    return [target / p for p in files]


__all__ = ["QcCheck", "CheckOutcome", "QcResult", "read_checks", "compare_check", "run_qc", "ARD_KEYS", "STAGE"]
