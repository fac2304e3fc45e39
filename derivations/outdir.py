"""The output folder contract: the tool replaces only what it wrote.

Every output folder gets a marker file, :data:`MARKER`, listing the files the run
wrote. ``derive run --out DIR`` replaces ``DIR`` only when it does not exist, is
empty, or holds that marker and no file the marker does not list (a file someone
added is named, not deleted; editors' lock files and ``derive-error.log`` excepted);
it refuses (:class:`OutputFolderError`, exit 2) a file, ``/``, the home folder
(or a folder above it), and any folder that is, holds or lies inside one of the
run's inputs (the study folder, its raw data, specs and program folders, an
``--sdtm``/``--adam`` folder) — except a stage folder of an earlier output that
the run keeps (``--stages adam --sdtm OUT/sdtm --out OUT``).

A run is built in a staging folder beside ``DIR``, named
``.<DIR name>.derive-staging-<pid>-<random>`` and marked, then swapped into place
in one atomic rename (``renameat2(RENAME_EXCHANGE)`` on Linux; two renames
elsewhere). A run that is interrupted (a signal, a full disk, an unwritable
folder) removes its staging folder; one that is killed leaves it, and the next
run into the same ``DIR`` removes it, together with any ``.<DIR name>.derive-old-*``
folder of a swap that did not finish (restoring it when ``DIR`` itself is gone).
Nothing else beside ``DIR`` is touched.

Example
-------
>>> import tempfile, pathlib
>>> base = pathlib.Path(tempfile.mkdtemp())
>>> with Staging(base / "out") as staging:
...     _ = (staging.path / "a.txt").write_text("a")
...     staging.commit()
>>> sorted(p.name for p in (base / "out").iterdir())
['.derive-output', 'a.txt']
>>> is_output_folder(base / "out"), sorted(p.name for p in base.iterdir())
(True, ['out'])
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from .findings import DerivationError

#: The marker file written into every output folder.
MARKER = ".derive-output"
MARKER_TEXT = (
    "This folder was written by `derive run` (derivations).\n"
    "A later `derive run --out` into it replaces the whole folder.\n"
    "Delete this file to protect the folder: the tool then refuses to replace it.\n"
)
STAGING_TAG = "derive-staging"
OLD_TAG = "derive-old"
#: The log of an internal error (its traceback), written into the output folder.
ERROR_LOG = "derive-error.log"


class OutputFolderError(DerivationError):
    """``--out`` names a folder the tool must not replace, or it cannot be written (exit 2)."""


def is_output_folder(path: str | Path) -> bool:
    """True when ``path`` is a folder that this tool wrote (it holds :data:`MARKER`)."""
    return (Path(path) / MARKER).is_file()


#: files a person or an application may leave in an output folder that the tool may remove with it
IGNORABLE = (ERROR_LOG, ".DS_Store", "Thumbs.db", "desktop.ini", ".~lock.*#", "~$*")
_FILES_HEADER = "files written:\n"


def write_marker(folder: str | Path, files: Iterable[str] | None = None) -> Path:
    """Write the marker; ``files`` (relative paths) lists what the tool wrote into the folder."""
    path = Path(folder) / MARKER
    listed = "".join(f"{f}\n" for f in sorted(files)) if files is not None else ""
    path.write_text(MARKER_TEXT + (_FILES_HEADER + listed if files is not None else ""), encoding="utf-8")
    return path


def files_of(folder: Path) -> list[str]:
    """Relative paths (``/`` separators) of every file below ``folder`` but the marker."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if (p.is_file() or p.is_symlink()) and p.name != MARKER)


def foreign_files(folder: str | Path) -> list[str]:
    """Files of a marked output folder that its marker does not list (put there by someone else)."""
    import fnmatch

    folder = Path(folder)
    text = (folder / MARKER).read_text(encoding="utf-8", errors="replace")
    if _FILES_HEADER not in text:
        return []
    listed = set(text.split(_FILES_HEADER, 1)[1].splitlines())
    return [f for f in files_of(folder) if f not in listed
            and not any(fnmatch.fnmatch(Path(f).name, pat) for pat in IGNORABLE)]


def _within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_output_folder(
    out: str | Path,
    *,
    inputs: Mapping[str, str | Path] = (),
    kept: Iterable[str | Path] = (),
) -> Path:
    """Check that ``out`` may be replaced by a run; return it resolved.

    ``inputs`` names what the run reads (``{"the study folder": path, ...}``);
    ``kept`` lists input folders inside ``out`` that the run carries over into
    its new output (a stage of an earlier run that is not re-run).

    >>> check_output_folder("/")
    Traceback (most recent call last):
    ...
    derivations.outdir.OutputFolderError: --out is the root folder / (value '/'): choose a new or empty folder, e.g. --out output
    """
    out = Path(out).expanduser().resolve()
    hint = "choose a new or empty folder, e.g. --out output"
    if out == Path(out.anchor):
        raise OutputFolderError(f"--out is the root folder {out}", value=str(out), hint=hint)
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            raise OutputFolderError(f"--out {out}: {p} is a file, not a folder", value=str(out),
                                    hint="a run writes a folder; " + hint)
    kept_paths = [Path(k).resolve() for k in kept]
    for what, path in dict(inputs).items():
        if path is None:
            continue
        path = Path(path).expanduser().resolve()
        if any(_within(path, k) for k in kept_paths) and path != out:
            continue  # an earlier stage of this output, carried over into the new one
        if _within(path, out):
            why = "is" if path == out else "holds"
            raise OutputFolderError(f"--out {out} {why} {what} ({path}); a run replaces its output folder",
                                    value=str(out), hint=hint)
        if path.is_dir() and _within(out, path) and what != "the study folder":
            raise OutputFolderError(f"--out {out} lies inside {what} ({path}); a run must not write into its inputs",
                                    value=str(out), hint=hint)
    home = Path.home().resolve()
    if _within(home, out):
        raise OutputFolderError(f"--out {out} is the home folder or holds it", value=str(out), hint=hint)
    if out.is_dir() and is_output_folder(out):
        foreign = foreign_files(out)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputFolderError(
                f"--out {out} holds files that derive did not write ({shown}); a run would delete them",
                value=str(out), hint="move those files out of the folder (or choose another --out); derive "
                                     f"replaces only what its {MARKER} marker lists")
    if out.is_dir() and not is_output_folder(out):
        others = sorted(p.name for p in out.iterdir() if not _is_ours(p, out))
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            raise OutputFolderError(
                f"--out {out} holds files that derive did not write ({shown}); it has no {MARKER} marker",
                value=str(out),
                hint=f"choose a new or empty folder, or move those files away (derive replaces only "
                     f"folders holding its {MARKER} marker)")
    return out


def _is_ours(path: Path, out: Path) -> bool:
    return path.name == ERROR_LOG


_PID = re.compile(r"-(\d+)-[^-]*$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftovers(out: str | Path) -> list[Path]:
    """Staging and half-swapped folders of earlier runs into ``out`` whose process is gone."""
    out = Path(out)
    found = []
    if not out.parent.is_dir():
        return found
    for tag in (STAGING_TAG, OLD_TAG):
        for p in sorted(out.parent.glob(f".{glob_escape(out.name)}.{tag}-*")):
            m = _PID.search(p.name)
            if p.is_dir() and not p.is_symlink() and m and is_output_folder(p) and not _pid_alive(int(m.group(1))):
                found.append(p)
    return found


def running(out: str | Path) -> list[int]:
    """Process ids of other runs building ``out`` now (their staging folder exists, the process lives)."""
    out = Path(out)
    pids = []
    if out.parent.is_dir():
        for p in out.parent.glob(f".{glob_escape(out.name)}.{STAGING_TAG}-*"):
            m = _PID.search(p.name)
            if m and int(m.group(1)) != os.getpid() and is_output_folder(p) and _pid_alive(int(m.group(1))):
                pids.append(int(m.group(1)))
    return sorted(pids)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def clean_leftovers(out: str | Path) -> list[Path]:
    """Remove :func:`leftovers` of ``out``; a half-swapped previous output is restored first.

    Returns what was removed or restored.
    """
    out = Path(out)
    done = []
    for p in leftovers(out):
        if OLD_TAG in p.name and not out.exists():
            os.replace(p, out)  # the swap stopped between its two renames: the previous output comes back
        else:
            remove_output_folder(p)
        done.append(p)
    return done


def remove_output_folder(path: str | Path) -> None:
    """Remove a marked folder (an output, or a staging folder) with its marker last, so that a removal cut
    short by a signal leaves a marked folder, which the next run into the same output removes."""
    path = Path(path)
    try:
        for child in path.iterdir():
            if child.name == MARKER:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        (path / MARKER).unlink(missing_ok=True)
        path.rmdir()
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


#: the outputs this process swapped into place (so that an interrupt just after the swap is not reported
#: as "nothing was replaced")
_COMMITTED: list[Path] = []


def forget_commits() -> None:
    """Start a new command: no output swapped into place yet."""
    _COMMITTED.clear()


def was_committed(out: str | Path) -> bool:
    """True when a run of this process swapped a new output into ``out``."""
    return Path(out).resolve() in _COMMITTED


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@dataclass
class Staging:
    """A marked staging folder beside ``out``; :meth:`commit` swaps it into place.

    Used as a context manager: leaving the block without :meth:`commit`
    (an error, a signal) removes the staging folder and leaves ``out`` as it was.
    """

    out: Path
    path: Path = field(init=False)
    committed: bool = field(default=False, init=False)
    cleaned: list[Path] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.out = Path(self.out).resolve()

    def __enter__(self) -> "Staging":
        parent = self.out.parent
        parent.mkdir(parents=True, exist_ok=True)
        self.cleaned = clean_leftovers(self.out)
        busy = running(self.out)
        if busy:
            raise OutputFolderError(f"another derive run (process {busy[0]}) is writing {self.out} now",
                                    value=str(self.out), hint="wait for it to finish, or choose another --out")
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.{STAGING_TAG}-{os.getpid()}-", dir=parent))
        write_marker(self.path)
        return self

    def __exit__(self, *exc) -> None:
        if not self.committed:
            remove_output_folder(self.path)

    def keep(self, rel: str, source: Path) -> Path:
        """Carry ``source`` (a stage folder of the previous output) into the staging folder as ``rel``.

        Files are hard-linked where the file system allows (nothing writes
        into a kept folder), copied otherwise.
        """
        dest = self.path / rel

        def link_or_copy(src, dst):
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)

        shutil.copytree(source, dest, copy_function=link_or_copy, symlinks=True)
        return dest

    def commit(self) -> None:
        """Swap the staging folder into place; the previous output is removed after the swap."""
        write_marker(self.path, files_of(self.path))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(self.path, 0o777 & ~mask)  # mkdtemp makes 0700
        if self.out.exists():
            if self.out.is_symlink() or not self.out.is_dir():
                raise OutputFolderError(f"--out {self.out} is no longer a folder", value=str(self.out))
            if _exchange(self.path, self.out):
                self._done()
                remove_output_folder(self.path)  # now the previous output
                return
            old = self.out.with_name(f".{self.out.name}.{OLD_TAG}-{os.getpid()}-0")
            os.replace(self.out, old)
            os.replace(self.path, self.out)
            self._done()
            remove_output_folder(old)
            return
        os.replace(self.path, self.out)
        self._done()

    def _done(self) -> None:
        self.committed = True
        _COMMITTED.append(self.out)


def check_report_file(path: str | Path, *, signature: str) -> Path:
    """A report file the tool may write: new, or one it wrote before (its text holds ``signature``).

    Anything else (a spec, a program, a folder) is refused, never overwritten.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputFolderError(f"{path} is a folder; the report is a file", value=str(path),
                                hint="give a file name, e.g. compare.html")
    if path.exists():
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
        if signature not in head:
            raise OutputFolderError(f"{path} exists and derive did not write it; it is not replaced",
                                    value=str(path), hint="give a new file name, or move that file away")
    return path


def write_error_log(out: str | Path | None, text: str) -> Path:
    """Write an internal error's traceback to ``out/derive-error.log`` (``out`` a folder the tool
    may write: new, empty or marked), else to the system's temporary folder. Returns the log's path."""
    if out is not None:
        out = Path(out)
        try:
            if not out.exists():
                out.mkdir(parents=True)
                write_marker(out, [])
            if out.is_dir() and (is_output_folder(out) or not any(out.iterdir())):
                path = out / ERROR_LOG
                path.write_text(text, encoding="utf-8")
                return path
        except OSError:
            pass
    fd, name = tempfile.mkstemp(prefix="derive-error-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(name)


class UsageError(DerivationError):
    """The command line asks for something impossible (exit 2)."""


def parse_stages(text: str | Iterable[str] | None, valid: Iterable[str]) -> list[str]:
    """Stage names from ``--stages`` (``"sdtm,adam"``), checked against ``valid`` and put in run order.

    >>> parse_stages("tlf, adam", ["sdtm", "adam", "tlf"])
    ['adam', 'tlf']
    >>> parse_stages("adm", ["sdtm", "adam", "tlf"])
    Traceback (most recent call last):
    ...
    derivations.outdir.UsageError: unknown stage 'adm' in --stages (did you mean 'adam'?) (value 'adm'): the stages are sdtm, adam, tlf
    """
    from .settings import did_you_mean

    valid = list(valid)
    if text is None:
        return valid
    names = [s.strip() for s in (text.split(",") if isinstance(text, str) else text)]
    if not names or any(not n for n in names):
        raise UsageError("--stages names no stage", value=text, hint=f"the stages are {', '.join(valid)}")
    for name in names:
        if name not in valid:
            raise UsageError(f"unknown stage {name!r} in --stages{did_you_mean(name, valid)}", value=name,
                             hint=f"the stages are {', '.join(valid)}")
    return [s for s in valid if s in names]


@dataclass(frozen=True)
class RunPlan:
    """Where each stage of a run comes from.

    ``run``: the stages the run derives, in order; ``read``: earlier stages read
    from a folder (``--sdtm``/``--adam`` or the previous output); ``keep``: stage
    folders of the previous output carried over unchanged into the new one;
    ``notes``: one sentence per choice made, for the findings report. A stage read from the
    previous output is read only as far as the running programs' READS need it.
    """

    run: tuple[str, ...]
    read: Mapping[str, Path]
    keep: Mapping[str, Path]
    notes: tuple[tuple[str, str], ...] = ()


def plan_run(out: Path, stages: Iterable[str], *, given: Mapping[str, str | Path | None],
             valid: Iterable[str]) -> RunPlan:
    """Plan a run into ``out`` of ``stages``, given input folders ``given`` (``{"sdtm": dir}``).

    A stage with a given folder is read from it and not derived. A stage that is
    not run is kept from the previous output (when ``out`` is an output folder
    holding it), unless a given folder replaces it; an earlier stage kept is also
    read (as far as the running programs READ it). A dataset that a program reads
    and no source provides is named by the pipeline when that program is due.
    """
    out = Path(out)
    valid, stages = list(valid), list(stages)
    given = {k: Path(v).expanduser().resolve() for k, v in given.items() if v is not None}
    previous = out.is_dir() and is_output_folder(out)
    run = [s for s in stages if s not in given]
    read: dict[str, Path] = {}
    keep: dict[str, Path] = {}
    notes: list[tuple[str, str]] = []
    for stage in valid:
        if stage in run:
            continue
        if stage in given:
            read[stage] = given[stage]
            if _within(given[stage], out / stage):
                keep[stage] = out / stage
            else:
                notes.append(("note", f"{stage} datasets read from {given[stage]} (not derived)"))
        elif previous and (out / stage).is_dir():
            keep[stage] = out / stage
            if any(valid.index(r) > valid.index(stage) for r in run):
                read[stage] = out / stage  # (only the datasets the run's programs read are read)
    if not run:
        raise UsageError(f"no stage left to run: {', '.join(stages)} would all be read from --{'/--'.join(given)}",
                         hint="drop the --sdtm/--adam folder of a stage you want derived")
    first_run = min((valid.index(s) for s in run), default=len(valid))
    for stage, path in keep.items():
        if valid.index(stage) > first_run:
            notes.append(("warning", f"{stage}/ kept from the previous output: the stage was not re-run, so it "
                                     f"does not reflect this run's {valid[first_run]}"))
        else:
            notes.append(("note", f"{stage}/ kept from the previous output (not re-run)"))
    return RunPlan(tuple(run), read, keep, tuple(notes))
