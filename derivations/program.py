"""Study programs: loading them as modules of a package, their READS/WRITES, their run order.

A study's stage folders (``sdtm/``, ``adam/``, ``tlf/``, ``qc/``...) are imported as
sub-packages of one synthetic package per study root (:func:`study_package`), so that
programs share code with ordinary relative imports (``from ._visits import visitnum``)
and every module is registered in :data:`sys.modules` under a name that cannot collide
with another study loaded in the same process.

A program is a module with three declarations and one function::

    READS = ("DM", "SUPPDM")      # datasets it reads (earlier outputs or --sdtm files)
    WRITES = ("ADSL",)            # datasets it returns, exactly
    RAW = ()                      # raw CRF pages it reads with ctx.raw() (SDTM programs)

    def derive(ctx): ...          # -> {"ADSL": DataFrame}

:func:`run_order` sorts a stage's programs so that each runs after the programs whose
outputs it reads (ties keep the study.toml order); a cycle is an error naming the programs.

Example
-------
>>> a = Program("adam", "adsl", reads=("DM",), writes=("ADSL",))
>>> b = Program("adam", "adtte", reads=("ADSL", "ADRS"), writes=("ADTTE",))
>>> c = Program("adam", "adrs", reads=("ADSL", "RS"), writes=("ADRS",))
>>> [p.name for p in run_order([a, b, c])]
['adsl', 'adrs', 'adtte']
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import importlib.machinery
import importlib.util
import keyword
import re
import sys
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .findings import DerivationError

#: a program name in study.toml: a plain identifier naming a file directly in the stage folder
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Program:
    """One study program: ``<stage>/<name>.py`` with its declarations and ``derive`` function."""

    stage: str
    name: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    raw: tuple[str, ...] = ()
    derive: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    module: types.ModuleType | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """``adam/adsl.py``: how messages name the program."""
        return f"{self.stage}/{self.name}.py"

    def __str__(self) -> str:
        return f"{self.label}: reads {', '.join(self.reads) or '-'}; writes {', '.join(self.writes) or '-'}"


class ProgramError(DerivationError):
    """A study program raised an exception that is not a :class:`DerivationError` (a bug in the program,
    or data it does not expect); the message names the program file and line."""

    log_traceback = True  # the command line writes the program's traceback to the log


@contextmanager
def program_errors(path: Path):
    """Turn an exception raised while loading or running the program ``path`` into a :class:`ProgramError`
    naming the file and the line (the full traceback goes to the log by way of ``__cause__``).

    A full disk, an exceeded quota or a read-only file system is not the program's fault: that
    ``OSError`` passes through, and the command line names it and what to free or choose."""
    try:
        yield
    except DerivationError:
        raise
    except OSError as exc:
        if exc.errno in _ENVIRONMENT_ERRNOS:
            raise
        raise _program_error(path, exc) from exc
    except (Exception, SystemExit) as exc:
        raise _program_error(path, exc) from exc


#: errors of the machine, not of a program (the command line names them and their fix)
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def _program_error(path: Path, exc: BaseException) -> "ProgramError":
    """The :class:`ProgramError` for ``exc`` raised by the program ``path``: its file, line and exception."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == path:
        line = exc.lineno
    else:
        line = frames[-1].lineno if frames else None
    text = " ".join(str(exc).split()) or type(exc).__name__
    where = f"{path.parent.name}/{path.name}" + (f" line {line}" if line else "")
    return ProgramError(f"program {where} failed: {type(exc).__name__}: {text[:300]}",
                        hint="correct the program, or the data it reads")


def check_program_name(stage: str, name: object) -> str:
    """``name`` as listed in study.toml ``[stage] programs``, refused unless a plain identifier.

    >>> check_program_name("adam", "adsl")
    'adsl'
    >>> check_program_name("adam", "../x")
    Traceback (most recent call last):
    ...
    derivations.findings.DerivationError: study.toml [adam] programs: '../x' is not a program name: ...
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise DerivationError(
            f"study.toml [{stage}] programs: {name!r} is not a program name: a program is a Python file "
            f"directly in the study's {stage}/ folder, named by a plain identifier without '.py' "
            "(letters, digits, '_'; not starting with '_' or a digit), e.g. \"adsl\"")
    return name


def study_package(root: Path) -> str:
    """The registered package whose sub-packages are the stage folders of the study at ``root``.

    Its name is derived from the resolved folder (``_study_<folder>_<hash>``), so two studies in
    one process never share a module. Calling it again for the same root returns the same name.
    """
    root = Path(root).resolve()
    tag = re.sub(r"\W", "_", root.name)[:30] or "root"
    name = f"_study_{tag}_{hashlib.sha1(str(root).encode('utf-8')).hexdigest()[:10]}"
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(root)]
        pkg = importlib.util.module_from_spec(spec)
        pkg.__doc__ = f"Study programs of {root} (stage folders are sub-packages)."
        sys.modules[name] = pkg
    return name


def forget_study_modules(root: Path) -> None:
    """Drop the study's program modules from :data:`sys.modules`, so that the next load reads the
    files again (a program edited between two runs in one process runs as edited)."""
    name = study_package(root)
    for key in [k for k in sys.modules if k.startswith(name + ".")]:
        del sys.modules[key]
    importlib.invalidate_caches()


def _declared(module: types.ModuleType, attr: str, label: str, *, required: bool) -> tuple[str, ...]:
    if not hasattr(module, attr):
        if required:
            raise DerivationError(
                f"{label} declares no {attr}",
                hint=f"add {attr} = (...) at module level: the dataset names it "
                     f"{'reads' if attr == 'READS' else 'returns'}, e.g. {attr} = (\"ADSL\",); () for none")
        return ()
    value = getattr(module, attr)
    if isinstance(value, str) or not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
        raise DerivationError(f"{label}: {attr} must be a tuple of names, e.g. {attr} = (\"ADSL\",)",
                              value=value, hint=f"write {attr} = ({value!r},) for a single name"
                              if isinstance(value, str) else None)
    return tuple(value)


def load_program(root: Path, stage: str, name: str) -> Program:
    """Import ``<root>/<stage>/<name>.py`` as ``<study package>.<stage>.<name>`` and read its declarations."""
    check_program_name(stage, name)
    root = Path(root).resolve()
    path = root / stage / f"{name}.py"
    label = f"{stage}/{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"program {label} listed in study.toml [{stage}] programs is missing ({path})")
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ written into the study
    try:
        with program_errors(path):
            module = importlib.import_module(f"{study_package(root)}.{stage}.{name}")
    finally:
        sys.dont_write_bytecode = saved
    if Path(module.__file__ or "").resolve() != path:
        raise DerivationError(f"{label}: imported {module.__file__} instead of {path}",
                              hint=f"a package {stage}/{name}/ shadows the program file: rename one of them")
    derive = getattr(module, "derive", None)
    if not callable(derive):
        raise DerivationError(f"{label} must define derive(ctx) -> dict[str, DataFrame]")
    reads = tuple(n.upper() for n in _declared(module, "READS", label, required=True))
    writes = tuple(n.upper() for n in _declared(module, "WRITES", label, required=True))
    raw = _declared(module, "RAW", label, required=False)
    return Program(stage, name, reads=reads, writes=writes, raw=raw, derive=derive, module=module)


def producers(programs: Iterable[Program]) -> dict[str, Program]:
    """Dataset name -> the program that writes it; two programs writing one name is an error."""
    out: dict[str, Program] = {}
    for p in programs:
        for ds in p.writes:
            if ds in out:
                raise DerivationError(f"{out[ds].label} and {p.label} both write {ds}", dataset=ds,
                                      hint="a dataset has one program: remove it from one WRITES")
            out[ds] = p
    return out


def run_order(programs: Sequence[Program]) -> list[Program]:
    """The programs sorted so that each runs after those whose outputs it reads.

    Ties keep the given (study.toml) order, so an order that is already valid is kept as it
    is. A program reading its own output, or programs reading each other's outputs, are an
    error naming them.
    """
    made_by = producers(programs)
    index = {p.name: i for i, p in enumerate(programs)}
    needs = {p.name: {made_by[d].name for d in p.reads if d in made_by} for p in programs}
    done: set[str] = set()
    order: list[Program] = []
    while len(order) < len(programs):
        ready = [p for p in programs if p.name not in done and needs[p.name] <= done]
        if not ready:
            raise DerivationError(_cycle_message([p for p in programs if p.name not in done], made_by),
                                  hint="a program cannot read what it or a later program writes: "
                                       "move the shared step into one program or split the dataset")
        nxt = min(ready, key=lambda p: index[p.name])
        order.append(nxt)
        done.add(nxt.name)
    return order


def _cycle_message(left: list[Program], made_by: dict[str, Program]) -> str:
    by_name = {p.name: p for p in left}
    # walk from any program along "reads what ... writes" until a program repeats
    path, cur = [], left[0]
    while cur.name not in [p.name for p in path]:
        path.append(cur)
        cur = next(made_by[d] for d in cur.reads if d in made_by and made_by[d].name in by_name)
    cycle = path[[p.name for p in path].index(cur.name):] + [cur]
    steps = [f"{a.label} reads {next(d for d in a.reads if made_by.get(d) is b)} written by {b.label}"
             for a, b in zip(cycle, cycle[1:])]
    return "programs read each other's outputs (a cycle): " + "; ".join(steps)
