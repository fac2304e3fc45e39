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


def finalize_dataset(dataset: pd.DataFrame, spec, name: str, *, program: str = "a program",
                     findings: Findings | None = None) -> pd.DataFrame:
    """The dataset as submitted: the spec's variables in spec order, cast to the spec's types, sorted
    by the keys (:func:`derivations.shaping.shape_to_spec`); a dataset the spec lacks as it is."""
    from .shaping import shape_to_spec

    if name not in spec.datasets:
        return dataset.reset_index(drop=True)
    return shape_to_spec(dataset, spec, name, program=program, findings=findings)


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
    elif made_by.stage != program.stage:
        why = f"{made_by.label} writes it, but the {made_by.stage} stage did not run"
        hint = f"run the {made_by.stage} stage too" + (", or read SDTM with --sdtm DIR" if made_by.stage == "sdtm" else "")
    else:
        why = f"{made_by.label} writes it, but it was not run" + ("" if made_by.name in ran else " before")
        hint = f"run {made_by.name} too, or read {name} from a previous output folder"
    return DerivationError(f"{program.label} reads {name}, which is missing: {why}", dataset=name, hint=hint)


def run_stage(ctx: RunContext, stage: str, *, only: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Run the stage's programs in the order their READS/WRITES give; return their datasets, shaped to
    the spec and validated (for the TLF stage: the ARD, after which the review index is written).

    ``only`` runs those programs alone (their inputs must be in ``ctx`` already).
    """
    from .schema import validate_dataset

    store = ctx.store(stage)
    produced: dict[str, pd.DataFrame] = {}
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
    for program in programs:
        for name in program.reads:
            if ctx.dataset(name) is None:
                raise _missing_input(ctx, program, name, ran)
        with program_errors(ctx.study.root / stage / f"{program.name}.py"):
            result = program.derive(ctx.for_program(program))
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
            if not isinstance(frame, pd.DataFrame):
                raise DerivationError(f"{program.label} returned {type(frame).__name__} for {key}, not a DataFrame",
                                      dataset=key)
            if spec is not None:
                if key in spec.datasets:
                    frame = finalize_dataset(frame, spec, key, program=program.label, findings=ctx.findings)
                    ctx.findings.extend(validate_dataset(frame, spec, key))
                else:
                    ctx.findings.add("error", "not_in_spec",
                                     f"dataset produced by {program.label} is not in the spec", dataset=key)
            store[key] = frame
            produced[key] = frame
        ran.append(program.name)
    if stage == "tlf" and ctx.stage_dir is not None and only is None:
        from .tlf.publish import finish_tlf

        finish_tlf(ctx, produced)  # ARS reporting event, TLF book, review index
    return produced


def write_stage(datasets: dict[str, pd.DataFrame], spec, folder: Path, created) -> list[Path]:
    """Each dataset as ``folder/<name>.xpt``, character lengths fitted to the data
    (:func:`derivations.lengths.submission_lengths`, as Dataset-JSON and define.xml state them)."""
    from .lengths import submission_lengths
    from .xpt import variables_from_spec, write_xpt

    lengths = submission_lengths(datasets, spec)
    files = []
    for name, frame in sorted(datasets.items()):
        ds = spec.dataset(name)
        path = folder / f"{name.lower()}.xpt"
        write_xpt(frame, path, label=ds.label, variables=variables_from_spec(ds, lengths.get(ds.name)),
                  created=created)
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


def run_study(
    study: str | Path | Study = ".",
    out_dir: str | Path = "output",
    *,
    raw_dir: str | Path | None = None,
    sdtm_dir: str | Path | None = None,
    adam_dir: str | Path | None = None,
    stages: Iterable[str] | str | None = None,
) -> RunResult:
    """Run the study's stages and write the outputs atomically to ``out_dir``.

    ``raw_dir`` replaces the study's raw folder (e.g. a generated large study);
    ``sdtm_dir`` / ``adam_dir`` read that stage from a folder of XPT/parquet
    files instead of deriving it (default for SDTM: ``[sdtm] input`` of study.toml;
    ``[sdtm] files = {DM = "v1.4.0/dm.parquet"}`` takes named datasets from other
    files under that folder).
    A partial run (``stages``) reads the stage before it from the previous
    output when no folder is given, and keeps the stages it does not run
    (see :mod:`derivations.outdir` for the output folder contract). Raises
    :class:`RunFailed` when validation finds errors; nothing is written then.
    """
    from .outdir import Staging, check_output_folder, parse_stages, plan_run

    study = study if isinstance(study, Study) else Study.load(study)
    if sdtm_dir is None:
        sdtm_dir = study.sdtm_input  # [sdtm] input in study.toml (with its [sdtm] encoding)
    given = {k: Path(v).expanduser().resolve() for k, v in {"sdtm": sdtm_dir, "adam": adam_dir}.items() if v}
    plan = plan_run(Path(out_dir).resolve(), parse_stages(stages, STAGES), given=given, valid=STAGES)
    out_dir = check_output_folder(out_dir, inputs=study_inputs(study, raw_dir, given), kept=plan.keep.values())
    ctx = RunContext(study=study, raw_dir=Path(raw_dir).resolve() if raw_dir else None)
    result = RunResult(out_dir=out_dir, findings=ctx.findings)
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
            result.timings[stage] = _run_and_write(ctx, stage, staging.path, result)
            by_stage[stage] = ctx.findings.items[start:]
            write_stage_findings(by_stage[stage], staging.path, stage)
        # findings in stage order, whether derived now or kept from the previous output
        items = ctx.findings.items
        items[:] = items[:len(plan.notes)] + [f for s in STAGES for f in by_stage.get(s, [])]
        # -- submission package: Dataset-JSON beside each XPT, define.xml per stage, submission/ + manifest
        from .submission import write_package

        write_package(staging.path, study, result.datasets)
        # -- end submission package
        write_findings(ctx.findings, staging.path)
        staging.commit()
    result.files = [out_dir / p.relative_to(staging.path) for p in result.files]
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


def _run_and_write(ctx: RunContext, stage: str, staging: Path, result: RunResult) -> dict[str, float]:
    """Derive one stage into the staging folder; :class:`RunFailed` when validation found errors."""
    t0, c0 = time.perf_counter(), time.process_time()
    (staging / stage).mkdir(exist_ok=True)
    ctx.stage_dir = staging / stage
    produced = run_stage(ctx, stage)
    result.datasets[stage] = produced
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
        result.files += write_stage(produced, ctx.spec(stage), staging / stage, ctx.study.created)
    elif stage == "tlf" and produced:
        result.files += write_ard(produced, staging / stage / "ard", ctx.findings)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"derive_wall": t1 - t0, "derive_cpu": c1 - c0, "write_wall": t2 - t1, "write_cpu": c2 - c1,
            "rows": int(sum(len(d) for d in produced.values() if isinstance(d, pd.DataFrame)))}


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
