"""Run a study: raw -> SDTM -> ADaM -> tables, validated against the specs, written atomically.

A run stages everything in a temporary sibling folder of the output folder and
swaps it into place only when every program ran and no validation error is
left: a failed run leaves the previous outputs untouched and writes nothing
half-done. Output layout::

    DIR/sdtm/<domain>.xpt        SDTM datasets (SAS XPORT v5, member name = file name)
    DIR/adam/<dataset>.xpt       ADaM datasets
    DIR/tlf/...                  tables, listings, figures and the HTML index
    DIR/findings.csv / .txt      every finding of the run (handled problems, warnings)

Example
-------
>>> result = run_study(".", "output")                     # doctest: +SKIP
>>> sorted(result.datasets["sdtm"])[:2]                   # doctest: +SKIP
['AE', 'CM']
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from .csvout import write_csv
from .findings import DerivationError, Finding, Findings
from .io import read_dataset_folder
from .plausibility import check_plausibility
from .program import Program, producers, program_errors, run_order
from .progress import Progress, silent
from .spill import DatasetStore, HeldOnDisk, held_frames, make_held_folder, remove_dead_held_folders
from .study import STAGES, RunContext, Study


class RunFailed(DerivationError):
    """The run stopped; ``findings`` holds every finding collected so far."""

    def __init__(self, message: str, findings: Findings) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass
class RunResult:
    out_dir: Path
    findings: Findings
    datasets: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    run_log: Path | None = None
    lengths: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # stage -> submitted lengths
    removed: list = field(default_factory=list)  # held folders of dead runs removed (spill.RemovedFolder)


def finalize_dataset(dataset: pd.DataFrame, spec, name: str, *, program: str = "a program",
                     findings: Findings | None = None) -> pd.DataFrame:
    """The dataset as submitted: the spec's variables in spec order, cast to the spec's types, sorted
    by the keys (:func:`derivations.shaping.shape_to_spec`); a dataset the spec lacks as it is."""
    from .shaping import shape_to_spec

    if name not in spec.datasets:
        return dataset.reset_index(drop=True)
    return shape_to_spec(dataset, spec, name, program=program, findings=findings)


_STAGE_NAMES = {"sdtm": "SDTM", "adam": "ADaM", "tlf": "TLF"}


def _missing_input(ctx: RunContext, program: Program, name: str, ran: Iterable[str]) -> DerivationError:
    """The error for a READS entry that no earlier program or input folder provided."""
    try:
        made_by = producers(ctx.study.all_programs()).get(name)
    except DerivationError:
        made_by = None
    if made_by is None:
        why = (f"no program listed in study.toml writes {name}"
               + (" and it was not read from an SDTM folder (--sdtm)" if name[:2] != "AD" else ""))
        hint = f"add a program with {name} in its WRITES, or remove {name} from READS"
    elif made_by.stage != program.stage and ctx.store(made_by.stage):
        read = sorted(ctx.store(made_by.stage))
        shown = ", ".join(read[:5]) + (f" and {len(read) - 5} more" if len(read) > 5 else "")
        why = (f"the {made_by.stage} stage did not run, and the {_STAGE_NAMES[made_by.stage]} datasets read "
               f"({shown}) do not include it")
        hint = (f"give --{made_by.stage} the folder that holds {name.lower()}.xpt (or .parquet), or run the "
                f"{made_by.stage} stage too")
    elif made_by.stage != program.stage:
        why = f"{made_by.label} writes it, but the {made_by.stage} stage did not run"
        hint = f"run the {made_by.stage} stage too" + (", or read SDTM with --sdtm DIR" if made_by.stage == "sdtm" else "")
    else:
        why = f"{made_by.label} writes it, but it was not run" + ("" if made_by.name in ran else " before")
        hint = f"run {made_by.name} too, or read {name} from a previous output folder"
    return DerivationError(f"{program.label} reads {name}, which is missing: {why}", dataset=name, hint=hint)


def run_stage(ctx: RunContext, stage: str, *, only: Iterable[str] | None = None,
              progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Run the stage's programs in the order their READS/WRITES give; return their datasets, shaped to
    the spec and validated (for the TLF stage: the ARD, after which the review index is written), each read
    as a program gets it (:meth:`derivations.spill.DatasetStore.view`; ``.holding()``: as the run holds them).

    ``only`` runs those programs alone (their inputs must be in ``ctx`` already); ``progress``
    shows each program as it starts and ends (:mod:`derivations.progress`).
    """
    from .schema import validate_dataset

    progress = progress or silent()
    store = ctx.store(stage)
    produced = DatasetStore()  # what the stage derived, as the run holds it (in memory or on disk)
    spec = ctx.spec(stage) if ctx.study.spec_path(stage) else None
    programs = run_order([ctx.study.program(stage, name) for name in ctx.study.programs(stage)])
    if only is not None:
        only = set(only)
        unknown = sorted(only - {p.name for p in programs})
        if unknown:
            raise DerivationError(f"{', '.join(unknown)}: not a program of study.toml [{stage}] programs",
                                  hint=f"[{stage}] programs lists {', '.join(p.name for p in programs) or 'none'}")
        programs = [p for p in programs if p.name in only]
    ran: list[str] = []
    for i, program in enumerate(programs):
        for name in program.reads:
            if not any(name in s for s in (ctx.sdtm, ctx.adam, ctx.ard)):
                raise _missing_input(ctx, program, name, ran)
        progress.start(stage, program.name)
        try:
            with program_errors(ctx.study.root / stage / f"{program.name}.py"):
                result = _derive(ctx, stage, program)
        except BaseException:
            progress.end(stage, program.name, status="failed")
            raise
        result = {} if result is None else result
        if not isinstance(result, Mapping):
            raise DerivationError(f"{program.label}: derive(ctx) returned {type(result).__name__}, not a dict",
                                  hint="return {NAME: DataFrame} for each name in WRITES ({} for none)")
        returned = {str(k).upper(): v for k, v in result.items()}
        extra = [k for k in returned if k not in program.writes]
        if extra:
            raise DerivationError(f"{program.label} returned {', '.join(extra)}, which it does not declare",
                                  dataset=extra[0], hint=f"add it to WRITES {program.writes} or do not return it")
        lacking = [k for k in program.writes if k not in returned]
        if lacking:
            raise DerivationError(f"{program.label} declares {', '.join(lacking)} in WRITES but did not return it",
                                  dataset=lacking[0], hint="return every dataset of WRITES, or remove it from WRITES")
        for key in program.writes:
            frame = returned[key]
            if isinstance(frame, HeldOnDisk):  # shaped per subject partition and held on disk (_derive)
                if not (isinstance(store, DatasetStore) and store.spills(len(frame))):
                    from .shaping import compact_frame

                    frame = compact_frame(frame.load())  # fewer records than [study] spill_records: in memory
                ctx.findings.extend(validate_dataset(frame.load() if isinstance(frame, HeldOnDisk) else frame,
                                                     spec, key))
            elif not isinstance(frame, pd.DataFrame):
                raise DerivationError(f"{program.label} returned {type(frame).__name__} for {key}, not a DataFrame",
                                      dataset=key)
            elif spec is not None:
                if key in spec.datasets:
                    frame = finalize_dataset(frame, spec, key, program=program.label, findings=ctx.findings)
                    ctx.findings.extend(validate_dataset(frame, spec, key))
                else:
                    ctx.findings.add("error", "not_in_spec",
                                     f"dataset produced by {program.label} is not in the spec", dataset=key)
            returned[key] = None
            if isinstance(store, DatasetStore):
                store.hold(key, frame)  # on disk from [study] spill_records records
                frame = store.held(key)
            else:
                store[key] = frame
            produced[key] = frame
        # what the program returned is held shaped and compact now: free its own frames before the next program
        result = returned = frame = None
        later = {page for p in programs[i + 1:] for page in p.raw}
        ctx.release_raw([page for page in program.raw if page not in later])  # its last reader has run
        release_memory(collect=sum(produced.rows(k) for k in program.writes) >= 100_000)
        progress.end(stage, program.name, {k: produced.rows(k) for k in program.writes})
        ran.append(program.name)
    if stage == "tlf" and ctx.stage_dir is not None and only is None:
        from .tlf.publish import finish_tlf

        progress.start(stage, "index, ARS, TLF book")
        finish_tlf(ctx, produced)  # ARS reporting event, TLF book, review index
        progress.end(stage, "index, ARS, TLF book")
    return produced.view()


def _derive(ctx: RunContext, stage: str, program: Program):
    """What ``program`` returns: from the whole datasets, or, when ``[<stage>] partitions`` names it, from
    subject partitions on Dask, concatenated (:func:`derivations.partition.derive_partitioned`)."""
    settings = ctx.settings.get(stage, {})
    n = int(settings.get("partitions", {}).get(program.name, 1))
    if n <= 1:
        return program.derive(_inputs_expanded(ctx, program).for_program(program))
    from .partition import derive_partitioned

    store = ctx.store(stage)
    spec = ctx.spec(stage) if ctx.study.spec_path(stage) else None
    shape = None
    if isinstance(store, DatasetStore) and store.folder is not None and store.spill_records > 0 and spec is not None:
        # each partition to disk: the run_stage holds the dataset in memory again when it is small after all
        def shape(name: str, frame: pd.DataFrame, findings):
            """A partition's dataset shaped to the spec (its findings' rows are the partition's) and held on
            disk; ``None`` when it is not in the spec or cannot be held there."""
            if name not in spec.datasets:
                return None
            frame = finalize_dataset(frame, spec, name, program=program.label, findings=findings)
            from .spill import write_part

            return write_part(frame, store.path(name).with_suffix(".arrow"))

    result, findings = derive_partitioned(ctx, program, n, scheduler=settings.get("partition_scheduler", "synchronous"),
                                          shape=shape, spec=spec)
    ctx.findings.extend(findings)
    ctx.release_raw(program.raw)  # the pages were cut into the partitions; read again if a later program needs them
    return result


def release_memory(*, collect: bool = False) -> None:
    """Give the memory freed by a program back to the system (the C heap, Arrow's pool; with ``collect``
    Python's reference cycles first, which takes about 0.1-0.2 s, so the pipeline asks for it after a
    program that returned 100,000 records or more).

    Frames of millions of records leave the C heap fragmented when they are freed; without this the
    process keeps that memory (at 2,000 subjects with labs about 30% of the run's memory after the
    ADaM stage, ``benchmarks/run.py``). ``malloc_trim`` exists in glibc only; elsewhere this releases
    Arrow's unused memory.
    """
    import ctypes
    import gc

    if collect:
        gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _inputs_expanded(ctx: RunContext, program: Program) -> RunContext:
    """``ctx`` with the datasets ``program`` reads as a program returns them: the run holds text compactly
    between programs (:func:`derivations.shaping.compact_text`), a program gets Arrow-stored ``str`` back
    (a dataset held on disk is read back so: :mod:`derivations.spill`). The program sees its READS only."""
    import dataclasses

    from .shaping import expand_frame

    def expanded(store) -> dict:
        out = {}
        for k in store:
            if k in program.reads:
                v = store[k]
                out[k] = expand_frame(v) if isinstance(v, pd.DataFrame) else v
        return out

    return dataclasses.replace(ctx, sdtm=expanded(ctx.sdtm), adam=expanded(ctx.adam), ard=expanded(ctx.ard))


def write_stage(datasets: dict[str, pd.DataFrame], spec, folder: Path, created, *,
                names: Iterable[str] | None = None, lengths=None) -> list[Path]:
    """Each dataset as ``folder/<name>.xpt``, character lengths fitted to the data
    (:func:`derivations.lengths.submission_lengths`, as Dataset-JSON and define.xml state them);
    ``names``: write only those (the lengths are still fitted over all ``datasets`` of the stage);
    ``lengths``: the stage's lengths when the run has them already (fitted here when not given)."""
    from .lengths import submission_lengths
    from .xpt import variables_from_spec, write_xpt

    lengths = submission_lengths(datasets, spec) if lengths is None else lengths
    files = []
    for name in sorted(datasets):
        if names is not None and name not in names:
            continue
        frame = datasets[name]  # one at a time (a dataset held on disk is read back for its file)
        ds = spec.dataset(name)
        path = folder / f"{name.lower()}.xpt"
        write_xpt(frame, path, label=ds.label, variables=variables_from_spec(ds, lengths.get(ds.name)),
                  created=created)
        frame = None
        files.append(path)
    return files


def write_ard(results: dict[str, pd.DataFrame], folder: Path, findings: Findings | None = None) -> list[Path]:
    """Analysis results data of the TLF programs as CSV, one file per analysis (deterministic; text that
    would start a spreadsheet formula is neutralised, see :mod:`derivations.csvout`, with a note)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, frame in sorted(results.items()):
        if isinstance(frame, pd.DataFrame):
            path = folder / f"{name.lower()}.csv"
            if write_csv(frame, path, float_format="%.10g") and findings is not None:
                findings.add("note", "csv_formula_guard", "text cells starting with =, +, - or @ were written "
                             "with a leading ' so that a spreadsheet shows them as text", dataset=name,
                             value=f"{folder.name}/{path.name}")
            files.append(path)
    return files


def study_inputs(study: Study, raw_dir=None, given=None) -> dict[str, Path | None]:
    """What a run of ``study`` reads, by name, for :func:`derivations.outdir.check_output_folder`."""
    inputs: dict[str, Path | None] = {"the study folder": study.root, "study.toml": study.root / "study.toml",
                                      "the raw data folder": Path(raw_dir) if raw_dir else study.raw_dir}
    for stage in STAGES:
        inputs[f"the {stage} programs folder"] = study.root / stage
        spec = study.spec_path(stage)
        if spec is not None:
            inputs[f"the {stage} spec"] = spec
            inputs[f"the {stage} spec folder"] = spec.parent
    for stage, folder in (given or {}).items():
        inputs[f"the --{stage} folder"] = Path(folder) if folder else None
    return inputs


def _remove_dead_held_folders(progress: Progress) -> list:
    """Remove the held folders of runs that were killed (:func:`derivations.spill.remove_dead_held_folders`) and
    tell each on the progress output (a log file or pipe too, :meth:`~derivations.progress.Progress.notice`),
    since a run that fails writes no run log; gives them for the run log."""
    from .runlog import removed_line

    removed = remove_dead_held_folders()
    for folder in removed:
        progress.notice("run", "removed the held datasets of a run that ended without removing them: "
                        + removed_line(folder))
    return removed


def run_study(
    study: str | Path | Study = ".",
    out_dir: str | Path = "output",
    *,
    raw_dir: str | Path | None = None,
    sdtm_dir: str | Path | None = None,
    adam_dir: str | Path | None = None,
    stages: Iterable[str] | str | None = None,
    only: Iterable[str] | str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run the study's stages and write the outputs atomically to ``out_dir``.

    ``only`` (``"adtte"``, ``"adam/adtte,t_ae"`` or a list) runs those programs instead of whole
    stages, against the previous output in ``out_dir`` (:func:`run_programs`).

    ``raw_dir`` replaces the study's raw folder (e.g. a generated large study);
    ``sdtm_dir`` / ``adam_dir`` read that stage from a folder of XPT/parquet
    files instead of deriving it (default for SDTM: ``[sdtm] input`` of study.toml;
    ``[sdtm] files = {DM = "v1.4.0/dm.parquet"}`` takes named datasets from other
    files under that folder).
    A partial run (``stages``) reads the stage before it from the previous
    output when no folder is given, and keeps the stages it does not run
    (see :mod:`derivations.outdir` for the output folder contract). Raises
    :class:`RunFailed` when validation finds errors; nothing is written then. ``progress`` shows each
    program as it runs; the run log (``run.log``: timings, package versions, input checksums) is written
    beside the findings.
    """
    import datetime as _dt

    from .outdir import Staging, check_output_folder, parse_stages, plan_run

    started, t_run = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    progress = progress or silent()
    study = study if isinstance(study, Study) else Study.load(study)
    if only is not None:
        if stages is not None:
            from .outdir import UsageError

            raise UsageError("--only and --stages cannot be combined",
                             hint="--only runs the named programs (and what they need) without whole stages")
        return run_programs(study, out_dir, only, raw_dir=raw_dir, sdtm_dir=sdtm_dir, adam_dir=adam_dir,
                            progress=progress)
    if sdtm_dir is None:
        sdtm_dir = study.sdtm_input  # [sdtm] input in study.toml (with its [sdtm] encoding)
    given = {k: Path(v).expanduser().resolve() for k, v in {"sdtm": sdtm_dir, "adam": adam_dir}.items() if v}
    plan = plan_run(Path(out_dir).resolve(), parse_stages(stages, STAGES), given=given, valid=STAGES)
    out_dir = check_output_folder(out_dir, inputs=study_inputs(study, raw_dir, given), kept=plan.keep.values())
    ctx = RunContext(study=study, raw_dir=Path(raw_dir).resolve() if raw_dir else None)
    result = RunResult(out_dir=out_dir, findings=ctx.findings, removed=_remove_dead_held_folders(progress))
    _hold_on_disk(ctx, result)
    for severity, note in plan.notes:
        ctx.findings.add(severity, "partial_run", note)
    wanted = {name for stage in plan.run for p in study.programs(stage) for name in study.program(stage, p).reads}
    for stage, folder in plan.read.items():
        from_given = folder == given.get(stage)
        ctx.store(stage).update(_read_stage(ctx, stage, folder, from_given=from_given,
                                            names=None if from_given else wanted))

    with Staging(out_dir) as staging:
        by_stage = {}
        for stage, folder in plan.keep.items():
            staging.keep(stage, folder)
            by_stage[stage] = read_stage_findings(out_dir, stage)
            write_stage_findings(by_stage[stage], staging.path, stage)
        for stage in plan.run:
            start = len(ctx.findings)
            result.timings[stage] = _run_and_write(ctx, stage, staging.path, result, progress)
            by_stage[stage] = ctx.findings.items[start:]
            write_stage_findings(by_stage[stage], staging.path, stage)
        # findings in stage order, whether derived now or kept from the previous output
        items = ctx.findings.items
        items[:] = items[:len(plan.notes)] + [f for s in STAGES for f in by_stage.get(s, [])]
        # -- submission package: Dataset-JSON beside each XPT, define.xml per stage, submission/ + manifest
        from .submission import write_package

        progress.start("package", "submission")
        write_package(staging.path, study, result.datasets, lengths=result.lengths)
        progress.end("package", "submission")
        # -- end submission package
        if "tlf" in plan.run:  # the TLF book, which LibreOffice made while the package was written
            from .tlf.publish import wait_for_book

            wait_for_book(ctx, progress)
        write_findings(ctx.findings, staging.path)
        from .runlog import write_run_log

        result.seconds = time.perf_counter() - t_run
        write_run_log(staging.path / "run.log", study=study, started=started, seconds=result.seconds,
                      timings=result.timings, programs=progress.records, findings=ctx.findings,
                      out_dir=staging.path, raw_dir=ctx.raw_dir, sdtm_dir=given.get("sdtm"),
                      removed=result.removed)
        result.run_log = out_dir / "run.log"
        staging.commit()
    result.files = [out_dir / p.relative_to(staging.path) for p in result.files]
    return result


def _hold_on_disk(ctx: RunContext, result: RunResult) -> None:
    """With ``[study] spill_records = N``, the run's SDTM and ADaM datasets of N records or more are held on
    disk between programs (:class:`derivations.spill.DatasetStore`), in a private temporary folder that is
    deleted with ``result`` (whose datasets read it) or when the process ends; a killed run's folder is removed
    by the next run (:func:`derivations.spill.remove_dead_held_folders`, listed in the run log)."""
    import weakref

    records = int(ctx.settings.get("study", {}).get("spill_records", 0) or 0)
    if records <= 0:
        return
    folder = make_held_folder()
    weakref.finalize(result, shutil.rmtree, str(folder), True)
    ctx.sdtm = DatasetStore(folder, records, ctx.sdtm)
    ctx.adam = DatasetStore(folder, records, ctx.adam)


def _dataset_names(folder: Path, files: Mapping | None = None) -> set[str]:
    """Names of the datasets a folder holds (``*.xpt`` / ``*.parquet``; ``files``: ``[sdtm] files``)."""
    names = {p.stem.upper() for pattern in ("*.xpt", "*.parquet") for p in folder.glob(pattern)}
    return names | {str(k).upper() for k in (files or {})}


def _programs_to_run(study: Study, targets: list[Program], available: Mapping[str, str],
                     given: Mapping[str, Path]) -> tuple[list[Program], list[tuple[str, str]]]:
    """The named programs plus the programs that write what they read and no source holds (``available``:
    dataset -> where it is read from), each stage in the order of its READS/WRITES; with the notes."""
    made_by = producers(study.all_programs())
    chosen: dict[tuple[str, str], Program] = {(p.stage, p.name): p for p in targets}
    notes: list[tuple[str, str]] = []
    queue = list(targets)
    while queue:
        program = queue.pop(0)
        for name in program.reads:
            writer = made_by.get(name)
            if (writer is not None and (writer.stage, writer.name) in chosen) or name in available:
                continue
            if writer is None:
                raise DerivationError(
                    f"--only: {program.label} reads {name}, which no program listed in study.toml writes and no "
                    "input folder holds", dataset=name,
                    hint=f"pass --{'adam' if name.startswith('AD') else 'sdtm'} DIR holding {name}, or run "
                         "the whole study")
            if writer.stage in given:
                raise DerivationError(
                    f"--only: {program.label} reads {name}, which the --{writer.stage} folder "
                    f"{given[writer.stage]} does not hold", dataset=name,
                    hint=f"add {name} to that folder, or drop --{writer.stage} so that {writer.label} derives it")
            chosen[(writer.stage, writer.name)] = writer
            queue.append(writer)
            notes.append(("note", f"{writer.label} run too: {program.label} reads {name}, which the previous "
                                  "output does not hold"))
    order = []
    for stage in STAGES:
        listed = [study.program(stage, n) for n in study.programs(stage)]
        order += [p for p in run_order(listed) if (stage, p.name) in chosen]
    return order, notes


def run_programs(
    study: str | Path | Study,
    out_dir: str | Path,
    targets: Iterable[str] | str,
    *,
    raw_dir: str | Path | None = None,
    sdtm_dir: str | Path | None = None,
    adam_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run named programs on their own (``derive run --only adtte``) against a previous output.

    ``targets``: program names as study.toml lists them (``"adtte"``, or ``"adam/adtte"`` when a
    name is in two stages), comma-separated or a list; an unknown name is an error listing the
    study's programs. Each program reads its READS from the programs of this run that write
    them, else from ``sdtm_dir`` / ``adam_dir`` (default for SDTM: ``[sdtm] input``), else from
    the previous output in ``out_dir``; a dataset none of them holds is derived by running the
    program that writes it too (a note says so), and so on up the chain ("plus what they need").

    The programs' datasets are shaped to the spec and validated as in a full run and replace
    their earlier files in ``out_dir``; every other file is kept: the other datasets and
    stages, the findings of the other datasets (this run's replace those of its datasets), the
    TLF index, ARS reporting event and book (a warning when an analysis result changed, since they
    now describe the earlier one). The define.xml of a stage that ran is rewritten from its kept
    and new datasets, the submission folder and manifest too. A program that reads a dataset this
    run re-derived but was not run itself gets a warning: its outputs are from the earlier data.
    Staged and swapped like a full run: a failure leaves ``out_dir`` untouched. The run log
    (``run.log``) is this run's record: the programs that ran, their times and rows, the inputs.
    """
    import datetime as _dt

    from .define import write_define
    from .outdir import Staging, UsageError, check_output_folder, is_output_folder
    from .submission import document_files, write_dataset_jsons, write_submission

    started, t_run = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    progress = progress or silent()
    study = study if isinstance(study, Study) else Study.load(study)
    names = [t for t in (targets.split(",") if isinstance(targets, str) else targets)]
    if not names or any(not str(t).strip() for t in names):
        raise UsageError("--only names no program", value=str(targets),
                         hint="give program names as study.toml lists them, e.g. --only adsl,adtte")
    targets_found: list[Program] = []
    for t in names:
        program = study.find_program(t)
        if program not in targets_found:
            targets_found.append(program)
    if sdtm_dir is None:
        sdtm_dir = study.sdtm_input
    given = {k: Path(v).expanduser().resolve() for k, v in {"sdtm": sdtm_dir, "adam": adam_dir}.items() if v}
    for program in targets_found:
        if program.stage in given:
            raise UsageError(f"--only {program.name}: the {program.stage} stage is read from --{program.stage} "
                             f"{given[program.stage]}, so {program.label} does not run",
                             hint=f"drop --{program.stage} (or [sdtm] input) to run {program.label}")
    out = Path(out_dir).expanduser().resolve()
    previous = out.is_dir() and is_output_folder(out)
    sources: dict[str, Path] = {}  # stage -> folder its earlier datasets are read from
    available: dict[str, str] = {}
    for stage in ("sdtm", "adam"):
        folder = given.get(stage) or (out / stage if previous and (out / stage).is_dir() else None)
        if folder is not None:
            sources[stage] = folder
            files = study.settings.get(stage, {}).get("files") if stage in given else None
            available.update(dict.fromkeys(_dataset_names(folder, files), stage))
    programs, notes = _programs_to_run(study, targets_found, available, given)
    stages = [s for s in STAGES if any(p.stage == s for p in programs)]
    kept = [out / s for s in STAGES if previous and (out / s).is_dir()]
    out = check_output_folder(out, inputs=study_inputs(study, raw_dir, given), kept=kept)

    ctx = RunContext(study=study, raw_dir=Path(raw_dir).resolve() if raw_dir else None)
    result = RunResult(out_dir=out, findings=ctx.findings, removed=_remove_dead_held_folders(progress))
    run_notes = Findings()  # about the run as a whole; listed first in findings.txt
    for severity, note in notes:
        run_notes.add(severity, "partial_run", note)
    written = {d for p in programs for d in p.writes}
    wanted = {d for p in programs for d in p.reads} - written
    for stage, folder in sources.items():
        from_given = stage in given
        need = None if from_given else {d for d in wanted if available.get(d) == stage}
        if need != set():
            ctx.store(stage).update(_read_stage(ctx, stage, folder, from_given=from_given, names=need))

    changed: set[str] = set()  # datasets whose file this run changed
    with Staging(out) as staging:
        by_stage: dict[str, list[Finding]] = {}
        for stage in STAGES:
            if not (previous and (out / stage).is_dir()):
                continue
            by_stage[stage] = read_stage_findings(out, stage)
            write_stage_findings(by_stage[stage], staging.path, stage)
            if stage in stages:  # copied, not linked: this run writes into it
                shutil.copytree(out / stage, staging.path / stage, symlinks=True)
            else:
                staging.keep(stage, out / stage)
        for stage in stages:
            start = len(ctx.findings)
            only = [p.name for p in programs if p.stage == stage]
            folder = staging.path / stage
            folder.mkdir(exist_ok=True)
            ctx.stage_dir = folder
            result.datasets[stage] = run_stage(ctx, stage, only=only, progress=progress)
            produced = result.datasets[stage].holding()
            ctx.findings.extend(check_plausibility(produced, stage=stage, settings=ctx.settings))
            errors = ctx.findings.errors
            if errors:
                raise RunFailed(f"{', '.join(p.label for p in programs if p.stage == stage)}: {len(errors)} error "
                                "finding(s); nothing was written:\n" + "\n".join(str(e) for e in errors[:50])
                                + ("\n..." if len(errors) > 50 else ""), ctx.findings)
            if stage in ("sdtm", "adam") and produced:
                spec = ctx.spec(stage)
                from .lengths import submission_lengths, xpt_file_lengths

                earlier = {}
                if previous and (out / stage).is_dir():
                    others = _dataset_names(out / stage) - set(produced)
                    earlier = _read_stage(ctx, stage, out / stage, from_given=False, names=others) if others else {}
                everything = {**earlier, **produced}
                # character lengths are fitted over the stage's datasets: a kept dataset whose fitted lengths
                # change with the new data is rewritten too (read back from its file)
                fitted, on_file = submission_lengths(everything, spec), xpt_file_lengths(folder)
                rewrite = set(produced) | {n for n in earlier if fitted.get(n) != on_file.get(n)}
                from .submission import _sha256  # (a file's checksum, read in blocks: XPT files can be GBs)

                before = {n: _sha256(folder / f"{n.lower()}.xpt") for n in rewrite
                          if (folder / f"{n.lower()}.xpt").is_file()}
                for name in rewrite:  # new files, never written through a link into the previous output
                    for suffix in (".xpt", ".json"):
                        (folder / f"{name.lower()}{suffix}").unlink(missing_ok=True)
                result.files += write_stage(everything, spec, folder, study.created, names=rewrite, lengths=fitted)
                changed |= {n for n in before if before[n] != _sha256(folder / f"{n.lower()}.xpt")}
                for name in sorted(rewrite - set(produced)):
                    run_notes.add("note", "partial_run", f"{name} rewritten: the character lengths it shares with "
                                                         "the datasets of this run changed", dataset=name)
                write_dataset_jsons(everything, spec, folder, created=study.created, study_id=study.studyid,
                                    names=rewrite, lengths=fitted)
                for stale in ("define.xml", "define.html"):
                    (folder / stale).unlink(missing_ok=True)
                write_define(spec, folder, created=study.created, datasets=everything,
                             ct_version=study.settings.get("study", {}).get("ct_version"), settings=study.settings,
                             lengths=fitted)
            elif stage == "tlf" and produced:
                before = {n: (folder / "ard" / f"{n.lower()}.csv").read_bytes() for n in produced
                          if (folder / "ard" / f"{n.lower()}.csv").is_file()}
                for name in produced:
                    (folder / "ard" / f"{name.lower()}.csv").unlink(missing_ok=True)
                result.files += write_ard(produced, folder / "ard", ctx.findings)
                results = sorted(n for n in before if before[n] != (folder / "ard" / f"{n.lower()}.csv")
                                 .read_bytes())
                if results:
                    run_notes.add("warning", "partial_run",
                                  f"analysis results {', '.join(results)} changed: the review index, ARS reporting "
                                  "event and TLF book were kept from the previous output and describe the earlier "
                                  "results; run the tlf stage (--stages tlf) to rebuild them", dataset=results[0])
            # the stage's findings: this run's about its datasets, the earlier ones about the others
            mine = set(produced) | {d for p in programs if p.stage == stage for d in p.writes}
            by_stage[stage] = ([f for f in by_stage.get(stage, []) if f.dataset not in mine]
                               + ctx.findings.items[start:])
            write_stage_findings(by_stage[stage], staging.path, stage)
        ran = {(p.stage, p.name) for p in programs}
        for name in sorted(changed):  # programs downstream of a changed dataset that did not run
            behind = [p.label for p in study.all_programs() if name in p.reads and (p.stage, p.name) not in ran]
            if behind:
                run_notes.add("warning", "partial_run",
                              f"{name} changed, and {', '.join(behind)} read it but did not run: their outputs "
                              f"in {out.name}/ are from the earlier {name}", dataset=name,
                              )
        items = ctx.findings.items
        items[:] = run_notes.items + [f for s in STAGES for f in by_stage.get(s, [])]
        documents = {s: document_files(ctx.spec(s), study.root, s) for s in ("sdtm", "adam")
                     if study.spec_path(s) is not None}
        write_submission(staging.path, study.studyid, documents=documents,
                         link=bool(study.settings.get("study", {}).get("submission_links", False)))
        write_findings(ctx.findings, staging.path)
        from .runlog import write_run_log

        result.seconds = time.perf_counter() - t_run
        (staging.path / "run.log").unlink(missing_ok=True)
        write_run_log(staging.path / "run.log", study=study, started=started, seconds=result.seconds,
                      timings=result.timings, programs=progress.records, findings=ctx.findings,
                      out_dir=staging.path, raw_dir=ctx.raw_dir, sdtm_dir=given.get("sdtm"),
                      removed=result.removed)
        result.run_log = out / "run.log"
        staging.commit()
    result.files = [out / p.relative_to(staging.path) for p in result.files]
    return result


def _read_stage(ctx: RunContext, stage: str, folder: Path, *, from_given: bool,
                names: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """An earlier stage's datasets from a folder (``--sdtm``/``--adam`` or the previous output), with the
    types a run derives them with (the spec's, as :func:`finalize_dataset` casts them); ``names``: only
    those datasets (the previous output's stage, as far as the running programs read it)."""
    if names is not None:
        from .io import read_dataset

        return {p.stem.upper(): _as_derived(ctx, stage, folder, p.stem.upper(),
                                            read_dataset(p, encoding=ctx.study.encoding(stage))[0])
                for p in sorted(folder.glob("*.xpt")) if p.stem.upper() in names}
    files = ctx.study.settings.get(stage, {}).get("files") if from_given else None
    data = read_dataset_folder(folder, files, encoding=ctx.study.encoding(stage))
    if not data:
        raise DerivationError(f"{folder} holds no {stage.upper()} datasets (no .xpt or .parquet file)",
                              value=str(folder), hint=f"pass --{stage} DIR, a folder of {stage.upper()} XPT/parquet "
                                                      f"files, or run the {stage} stage too")
    return {name: _as_derived(ctx, stage, folder, name, frame) if (folder / f"{name.lower()}.xpt").is_file()
            else frame for name, frame in data.items()}


def _as_derived(ctx: RunContext, stage: str, folder: Path, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Each variable cast to its spec type (XPT holds integers as doubles); records and columns as read."""
    from .shaping import cast_to_spec

    if ctx.study.spec_path(stage) is None or name not in ctx.spec(stage).datasets:
        return frame
    ds = ctx.spec(stage).dataset(name)
    cast = {v.name: cast_to_spec(frame[v.name], v)[0] for v in ds.variables if v.name in frame.columns}
    return frame.assign(**cast) if cast else frame


def _run_and_write(ctx: RunContext, stage: str, staging: Path, result: RunResult,
                   progress: Progress | None = None) -> dict[str, float]:
    """Derive one stage into the staging folder; :class:`RunFailed` when validation found errors."""
    t0, c0 = time.perf_counter(), time.process_time()
    (staging / stage).mkdir(exist_ok=True)
    ctx.stage_dir = staging / stage
    progress = progress or silent()
    result.datasets[stage] = run_stage(ctx, stage, progress=progress)  # as programs see them
    produced = result.datasets[stage].holding()
    ctx.findings.extend(check_plausibility(produced, stage=stage, settings=ctx.settings))
    errors = ctx.findings.errors
    if errors:
        raise RunFailed(
            f"{stage}: {len(errors)} error finding(s); nothing was written:\n"
            + "\n".join(str(e) for e in errors[:50])
            + ("\n..." if len(errors) > 50 else ""),
            ctx.findings,
        )
    if stage == "sdtm":
        ctx.release_raw()  # every raw record is in SDTM or in the findings now
    t1, c1 = time.perf_counter(), time.process_time()
    if stage in ("sdtm", "adam") and produced:
        progress.start(stage, "XPT")
        from .lengths import submission_lengths

        result.lengths[stage] = submission_lengths(produced, ctx.spec(stage))  # once: XPT, Dataset-JSON, define
        result.files += write_stage(produced, ctx.spec(stage), staging / stage, ctx.study.created,
                                    lengths=result.lengths[stage])
        release_memory(collect=sum(produced.rows(k) for k in produced) >= 100_000)
        progress.end(stage, "XPT")
    elif stage == "tlf" and produced:
        result.files += write_ard(produced, staging / stage / "ard", ctx.findings)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"derive_wall": t1 - t0, "derive_cpu": c1 - c0, "write_wall": t2 - t1, "write_cpu": c2 - c1,
            "rows": int(sum(produced.rows(k) for k in produced
                            if isinstance(produced.held(k), (pd.DataFrame, HeldOnDisk))))}


STAGE_FINDINGS = ".derive-findings"


def write_stage_findings(findings: Iterable[Finding], out: Path, stage: str) -> None:
    """The findings of one stage (``OUT/.derive-findings/<stage>.csv``), so that a partial run that keeps
    the stage carries them over (as text, not neutralised for spreadsheets: it is read back, not opened)."""
    (out / STAGE_FINDINGS).mkdir(exist_ok=True)
    Findings(list(findings)).to_frame().to_csv(out / STAGE_FINDINGS / f"{stage}.csv", index=False,
                                               lineterminator="\n")


def read_stage_findings(out: Path, stage: str) -> list[Finding]:
    """The findings of ``stage`` that an earlier output recorded (``[]`` when it has none); values as text."""
    from .io import read_dataset

    path = out / STAGE_FINDINGS / f"{stage}.csv"
    if not path.is_file():
        return []
    frame = read_dataset(path)[0]
    return [Finding(r["severity"], r["check"], r["message"], r["dataset"] or None, r["variable"] or None,
                    r["usubjid"] or None, int(r["row"]) if r["row"] else None, r["value"] if r["value"] else None)
            for r in frame.to_dict("records")]


def write_findings(findings: Findings, folder: Path) -> None:
    """``findings.csv`` and ``findings.txt`` of a run."""
    write_csv(findings.to_frame(), folder / "findings.csv")
    (folder / "findings.txt").write_text(findings.report() + "\n", encoding="utf-8")


def validate_folder(study: str | Path | Study, folder: str | Path) -> Findings:
    """Validate the XPT files of ``folder/sdtm`` and ``folder/adam`` against the study's specs.

    The checks are those of a run (:func:`derivations.schema.validate_dataset`), plus each
    file's variable attributes against the spec (label, type; a character length at most the
    spec's) and, when the folder holds a define.xml, each length equal to the define's.
    """
    from .io import read_dataset
    from .schema import validate_dataset
    from .spec import read_spec

    study = study if isinstance(study, Study) else Study.load(study)
    findings = Findings()
    for stage in ("sdtm", "adam"):
        path = study.spec_path(stage)
        sub = Path(folder) / stage
        if path is None or not sub.is_dir():
            continue
        spec = read_spec(path)
        for xpt in sorted(sub.glob("*.xpt")):
            name = xpt.stem.upper()
            frame, meta = read_dataset(xpt, sas_dates=False, encoding=study.encoding(stage))
            if name not in spec.datasets:
                findings.add("error", "not_in_spec", "dataset file has no spec", dataset=name, value=str(xpt))
                continue
            findings.extend(validate_dataset(frame, spec, name, meta=meta))
        if (sub / "define.xml").is_file():  # the files' lengths are the define's (the spec's maximum: above)
            from .lengths import define_lengths, length_findings, xpt_file_lengths

            findings.extend(length_findings(xpt_file_lengths(sub), define=define_lengths(sub / "define.xml"),
                                            where="XPT file"))
    return findings
