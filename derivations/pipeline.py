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

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from .findings import DerivationError, Findings
from .io import read_dataset_folder
from .program import Program, producers, run_order
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


def write_ard(results: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Analysis results data of the TLF programs as CSV, one file per analysis (deterministic)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, frame in sorted(results.items()):
        if isinstance(frame, pd.DataFrame):
            path = folder / f"{name.lower()}.csv"
            frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
            files.append(path)
    return files


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(staging, 0o777 & ~mask)  # mkdtemp makes 0700
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_study(
    study: str | Path | Study = ".",
    out_dir: str | Path = "output",
    *,
    raw_dir: str | Path | None = None,
    sdtm_dir: str | Path | None = None,
    stages: Iterable[str] = STAGES,
) -> RunResult:
    """Run the study's stages and write the outputs atomically to ``out_dir``.

    ``raw_dir`` replaces the study's raw folder (e.g. a generated large study);
    ``sdtm_dir`` reads SDTM from a folder of XPT/parquet files instead of
    running the SDTM programs (default: ``[sdtm] input`` of study.toml, its text in
    ``[sdtm] encoding``; ``[sdtm] files = {DM = "v1.4.0/dm.parquet"}`` in
    study.toml takes named datasets from other files under that folder). Raises :class:`RunFailed` when a program fails
    or validation finds errors; nothing is written then.
    """
    study = study if isinstance(study, Study) else Study.load(study)
    if sdtm_dir is None:
        sdtm_dir = study.sdtm_input  # [sdtm] input in study.toml (with its [sdtm] encoding)
    out_dir = Path(out_dir).resolve()
    stages = [s for s in STAGES if s in set(stages)]
    ctx = RunContext(study=study, raw_dir=Path(raw_dir).resolve() if raw_dir else None)
    result = RunResult(out_dir=out_dir, findings=ctx.findings)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        if sdtm_dir is not None:
            files = study.settings.get("sdtm", {}).get("files")
            ctx.sdtm.update(read_dataset_folder(Path(sdtm_dir), files, encoding=study.encoding("sdtm")))
        for stage in stages:
            if stage == "sdtm" and sdtm_dir is not None:
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            (staging / stage).mkdir(exist_ok=True)
            ctx.stage_dir = staging / stage
            produced = run_stage(ctx, stage)
            result.datasets[stage] = produced
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
                result.files += write_stage(produced, ctx.spec(stage), staging / stage, study.created)
            elif stage == "tlf" and produced:
                result.files += write_ard(produced, staging / stage / "ard")
            t2, c2 = time.perf_counter(), time.process_time()
            result.timings[stage] = {"derive_wall": t1 - t0, "derive_cpu": c1 - c0,
                                     "write_wall": t2 - t1, "write_cpu": c2 - c1,
                                     "rows": int(sum(len(d) for d in produced.values()
                                                     if isinstance(d, pd.DataFrame)))}
        # -- submission package: Dataset-JSON beside each XPT, define.xml per stage, submission/ + manifest
        from .submission import write_package

        write_package(staging, study, result.datasets)
        # -- end submission package
        report = ctx.findings.to_frame()
        report.to_csv(staging / "findings.csv", index=False, lineterminator="\n")
        (staging / "findings.txt").write_text(ctx.findings.report() + "\n", encoding="utf-8")
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.files = [out_dir / p.relative_to(staging) for p in result.files]
    return result


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
