"""The run record: what a run wrote, how long each stage and program took, with what, from what.

:func:`outputs_by_kind` sorts the files of an output folder into the kinds a reviewer asks for
(datasets, tables, listings, figures, analysis results, define, package, review, records);
:func:`run_summary` is the few lines ``derive run`` prints at the end; :func:`write_run_log`
writes ``DIR/run.log`` beside the findings: per-stage and per-program timings, the Python and
package versions, and the sha256 of every input (study.toml, specs, raw pages, programs, an
SDTM input folder) - the record a regulated process keeps of a run (R's logrx does this).
The run log is the one output that records the clock; it is not part of the byte-identical
outputs (``*.log``).

Example
-------
>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> for f in ("adam/adsl.xpt", "adam/adsl.json", "adam/define.xml", "tlf/t_ae.rtf", "tlf/t_ae.html",
...           "tlf/f_km.png", "tlf/ard/t_ae.csv", "tlf/index.html", "submission/manifest.sha256", "findings.txt"):
...     (d / f).parent.mkdir(parents=True, exist_ok=True); _ = (d / f).write_text("x")
>>> outputs_by_kind(d)
{'datasets': 2, 'tables': 2, 'figures': 1, 'analysis results': 1, 'define': 1, 'package': 1, 'review': 1, 'records': 1}
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping

#: the kinds of output files, in the order a summary lists them
KINDS = ("datasets", "tables", "listings", "figures", "analysis results", "define", "package", "review", "records",
         "other")
#: packages whose versions the run log records
PACKAGES = ("derivations", "pandas", "numpy", "pyarrow", "scipy", "statsmodels", "pandera", "pyreadstat", "jinja2",
            "openpyxl", "matplotlib", "lxml", "pypdf")


def kind_of(relative: Path) -> str:
    """The kind of an output file from its place in the output folder."""
    parts, name = relative.parts, relative.name
    if parts[0] == "submission":
        return "package"
    if name.startswith("define") or name.endswith(".xsl"):
        return "define"
    if parts[0] in ("sdtm", "adam") and relative.suffix in (".xpt", ".json", ".parquet"):
        return "datasets"
    if parts[0] == "tlf":
        if "ard" in parts[:-1] or name == "ars.json":
            return "analysis results"
        if name in ("index.html", "tlf_book.pdf"):
            return "review"
        return {"t": "tables", "l": "listings", "f": "figures"}.get(name[:1], "other")
    if name.startswith("findings") or relative.suffix == ".log":
        return "records"
    return "other"


def outputs_by_kind(out_dir: str | Path, files: Iterable[Path] | None = None) -> dict[str, int]:
    """Number of files of each kind (kinds without files left out, hidden bookkeeping not counted), in
    :data:`KINDS` order."""
    out_dir = Path(out_dir)
    if files is None:  # bookkeeping (hidden files and folders: markers, per-stage findings) is not an output
        files = [p for p in out_dir.rglob("*")
                 if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out_dir).parts)]
    counts: dict[str, int] = {}
    for path in files:
        kind = kind_of(Path(path).relative_to(out_dir))
        counts[kind] = counts.get(kind, 0) + 1
    return {k: counts[k] for k in KINDS if k in counts}


def run_summary(out_dir: Path, findings, seconds: float, *, run_log: Path | None = None) -> str:
    """The lines ``derive run`` ends with: files by kind, where the review index is, findings by
    severity, the total time."""
    counts = outputs_by_kind(out_dir)
    total = sum(counts.values())
    lines = [f"wrote {total} files to {out_dir} in {seconds:.1f} s: "
             + ", ".join(f"{kind} {n}" for kind, n in counts.items())]
    index = out_dir / "tlf" / "index.html"
    if index.is_file():
        lines.append(f"review index: {index}")
    severities = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "note")}
    lines.append(f"findings: {severities['error']} error(s), {severities['warning']} warning(s), "
                 f"{severities['note']} note(s) -> {out_dir / 'findings.txt'}")
    if run_log is not None:
        lines.append(f"run log: {run_log}")
    return "\n".join(lines)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_files(study, *, raw_dir: Path | None = None, sdtm_dir: Path | None = None) -> list[tuple[str, Path]]:
    """``[(role, path)]`` of every input of a run of ``study``: settings, specs, raw pages, programs."""
    root = Path(study.root)
    found: list[tuple[str, Path]] = [("settings", root / "study.toml")]
    for stage in ("sdtm", "adam"):
        spec = study.spec_path(stage)
        if spec is not None and spec.is_file():
            found.append(("spec", spec))
    raw = Path(raw_dir) if raw_dir else study.raw_dir
    if sdtm_dir is not None:
        found += [("sdtm input", p) for p in sorted(Path(sdtm_dir).iterdir()) if p.is_file()]
    elif raw.is_dir():
        found += [("raw", p) for p in sorted(raw.glob("*.csv"))]
    for stage in ("sdtm", "adam", "tlf", "qc"):
        folder = root / stage
        if folder.is_dir():
            found += [("program", p) for p in sorted(folder.glob("*.py"))]
    return found


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def log_header(title: str, *, study, started: _dt.datetime, seconds: float, argv: list[str] | None = None) -> list[str]:
    """The lines every log starts with: when, how long, the command, the study, Python and package versions."""
    lines = [title, "",
             f"started      {started.astimezone(_dt.timezone.utc).isoformat(timespec='seconds')}",
             f"total        {seconds:.2f} s",
             f"command      {' '.join(argv if argv is not None else sys.argv)}",
             f"study        {study.root} (STUDYID {study.studyid})",
             f"python       {platform.python_version()} on {platform.platform()}", "",
             "packages"]
    return lines + [f"  {name:<12} {version}" for name, version in package_versions().items()]


def program_lines(records: Iterable[tuple]) -> list[str]:
    """One line per :class:`~derivations.progress.Progress` record: program, seconds, status, rows."""
    records = list(records)
    if not records:
        return []
    lines = ["", "programs     seconds   status     rows"]
    for stage, name, secs, rows, status in records:
        sizes = ", ".join(f"{k} {v:,}" for k, v in (rows or {}).items())
        lines.append(f"  {stage + '/' + name:<24} {secs:8.2f}   {status:<9}  {sizes}")
    return lines


def removed_line(removed) -> str:
    """One held folder a killed run left and this run removed (a :class:`derivations.spill.RemovedFolder`): path,
    bytes, the dead owner's process id and host (the run log's and the progress output's line).

    >>> from derivations.spill import Owner, RemovedFolder
    >>> removed_line(RemovedFolder(Path("/tmp/derive-held-ab12"), 2_500_000_000, Owner(4242, "1301442", "b00t", "vm")))
    '/tmp/derive-held-ab12  2,500,000,000 bytes (2.33 GiB)  process 4242 on vm'
    """
    r = removed
    return f"{r.path}  {r.size:,} bytes ({r.size / 2**30:.2f} GiB)  process {r.owner.pid} on {r.owner.host}"


def removed_lines(removed: Iterable) -> list[str]:
    """The run log's lines on the held folders that killed runs left and this run removed: path, bytes, owner.

    >>> from derivations.spill import Owner, RemovedFolder
    >>> gone = RemovedFolder(Path("/tmp/derive-held-ab12"), 2_500_000_000, Owner(4242, "1301442", "b00t", "vm"))
    >>> print("\\n".join(removed_lines([gone])))
    <BLANKLINE>
    removed      held datasets of runs that ended without removing them (their process is gone)
      /tmp/derive-held-ab12  2,500,000,000 bytes (2.33 GiB)  process 4242 on vm
    >>> removed_lines([])
    []
    """
    removed = list(removed)
    if not removed:
        return []
    return ["", "removed      held datasets of runs that ended without removing them (their process is gone)"] + [
        f"  {removed_line(r)}" for r in removed]


def write_run_log(path: Path, *, study, started: _dt.datetime, seconds: float,
                  timings: Mapping[str, Mapping[str, float]], programs: Iterable[tuple] = (),
                  findings=None, out_dir: Path | None = None, raw_dir: Path | None = None,
                  sdtm_dir: Path | None = None, argv: list[str] | None = None, removed: Iterable = ()) -> Path:
    """Write the run log (text) to ``path``; ``programs`` are :class:`~derivations.progress.Progress` records
    ``(stage, program, seconds, rows, status)``; ``removed``: the held folders of dead runs this run removed
    (:func:`derivations.spill.remove_dead_held_folders`)."""
    root = Path(study.root)
    lines = log_header("derive run log", study=study, started=started, seconds=seconds, argv=argv)
    lines += ["", "stages       derive s (cpu s)   write s (cpu s)   rows"]
    for stage, t in timings.items():
        lines.append(f"  {stage:<10} {t.get('derive_wall', 0):8.2f} ({t.get('derive_cpu', 0):6.2f})   "
                     f"{t.get('write_wall', 0):7.2f} ({t.get('write_cpu', 0):6.2f})   {int(t.get('rows', 0)):,}")
    lines += program_lines(programs)
    if out_dir is not None:
        counts = outputs_by_kind(out_dir)
        lines += ["", "outputs      " + ", ".join(f"{k} {n}" for k, n in counts.items())]
    if findings is not None:
        sev = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "note")}
        lines.append(f"findings     {sev['error']} error(s), {sev['warning']} warning(s), {sev['note']} note(s)")
    lines += removed_lines(removed)
    lines += ["", "inputs (sha256)"]
    lines += [f"  {sha256(p)}  {role:<10} {_display(p, root)}"
              for role, p in input_files(study, raw_dir=raw_dir, sdtm_dir=sdtm_dir)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


__all__ = ["KINDS", "kind_of", "outputs_by_kind", "run_summary", "input_files", "package_versions", "write_run_log",
           "log_header", "program_lines", "removed_line", "removed_lines", "sha256"]
