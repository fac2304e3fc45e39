"""The bad-input harness: a case is one row; every case gets the same five checks.

A :class:`Case` names its family and id, how to break a fresh copy of the inputs
(``breaks``: small functions from this module), the command, the expected exit
code and a regex its message must match (naming the item). The runner
(test_badinput.py) then asserts, for every case:

1. the exit code;
2. the message matches, and no traceback reaches the terminal;
3. nothing was written outside ``--out`` (every other file of the workspace,
   the study included, is byte-identical; ``$HOME`` points into the workspace);
4. when the command fails, the previous output is intact (byte for byte; only
   ``derive-error.log`` may be added), and no staging folder is left behind;
5. where data are read (``records``): records in the raw page = records in the
   output dataset + records named in the findings.

A workspace is ``ws/study`` (a fresh copy of the toy or embedded study),
``ws/out`` (a copy of that study's complete previous output), ``ws/home`` and
``ws/elsewhere`` (an unrelated folder with a file in it). Commands are strings
with ``{study}``, ``{out}``, ``{ws}`` and ``{home}`` placeholders.

Adding a case: append a row to a family list in cases.py. A case whose fix is
another engineer's and not landed yet carries ``owner="readers"`` (or
``"define"``...): it runs as a strict xfail, so the owner removes the mark when
the fix lands (a strict xfail that starts passing fails the suite).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

RUN = "run --study {study} --out {out}"


@dataclass(frozen=True)
class Case:
    family: str
    id: str
    breaks: tuple = ()
    argv: str = RUN
    exit: int = 2
    message: str = ""
    study: str = "toy"               # "toy", "embedded" or "none" (an empty workspace)
    owner: str | None = None         # xfail(strict) until that engineer's fix lands
    out: str = "out"                 # the folder the command may write (relative to the workspace)
    previous: bool = True            # ws/out starts as a copy of the study's complete output
    records: tuple | None = None     # (raw page, dataset) whose records must all be accounted for
    check: Callable | None = None    # extra assertions: check(ws, output)

    @property
    def name(self) -> str:
        return f"{self.family}-{self.id}"


@dataclass
class Workspace:
    root: Path
    study: Path
    out: Path
    home: Path
    monkeypatch: object = field(repr=False, default=None)
    baseline: dict = field(repr=False, default_factory=dict)  # sha256 of the previous output's files

    def path(self, rel: str) -> Path:
        return self.root / rel

    def fmt(self, text: str) -> str:
        return text.format(study=self.study, out=self.out, ws=self.root, home=self.home)


# --------------------------------------------------------------------------- breaks


def _text(ws: Workspace, rel: str, encoding="utf-8") -> str:
    return ws.path(rel).read_text(encoding=encoding)


def edit(rel: str, old: str, new: str, count: int = 1, regex: bool = False):
    """Replace ``old`` by ``new`` in a text file (the break fails loudly if ``old`` is not there)."""

    def run(ws: Workspace):
        text = _text(ws, rel)
        if regex:
            changed, n = re.subn(old, new, text, count=count)
        else:
            n = text.count(old)
            changed = text.replace(old, new, count)
        assert n, f"break of {rel}: {old!r} not found"
        ws.path(rel).write_text(changed, encoding="utf-8")

    return run


def write(rel: str, content: str | bytes):
    def run(ws: Workspace):
        p = ws.path(rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        data = ws.fmt(content).encode("utf-8") if isinstance(content, str) else content
        p.write_bytes(data)

    return run


def append(rel: str, content: str):
    def run(ws: Workspace):
        with ws.path(rel).open("a", encoding="utf-8") as fh:
            fh.write(content)

    return run


def delete(rel: str):
    def run(ws: Workspace):
        import shutil

        p = ws.path(rel)
        assert p.exists() or p.is_symlink(), f"break: {rel} not found"
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()

    return run


def mkdir(rel: str):
    return lambda ws: ws.path(rel).mkdir(parents=True, exist_ok=True)


def edit_bytes(rel: str, old: bytes, new: bytes):
    """Replace the first ``old`` by ``new`` (same length) in a binary file, e.g. one text value of an XPT."""
    assert len(old) == len(new)

    def run(ws: Workspace):
        data = ws.path(rel).read_bytes()
        assert old in data, f"break of {rel}: {old!r} not found"
        ws.path(rel).write_bytes(data.replace(old, new, 1))

    return run


def truncate(rel: str, keep: int | float):
    """Keep the first ``keep`` bytes (an int) or that fraction of the file (a float)."""

    def run(ws: Workspace):
        data = ws.path(rel).read_bytes()
        n = keep if isinstance(keep, int) else int(len(data) * keep)
        ws.path(rel).write_bytes(data[:n])

    return run


def truncate_xpt(rel: str, fraction: float):
    """Cut an XPT file at an 80-byte boundary (readers see whole records, fewer of them)."""

    def run(ws: Workspace):
        data = ws.path(rel).read_bytes()
        ws.path(rel).write_bytes(data[:int(len(data) * fraction) // 80 * 80])

    return run


def truncate_xpt_records(rel: str, keep: int):
    """Keep the headers and the first ``keep`` records of an XPT (cut where a record ends on an 80-byte
    boundary, the file reads as a complete, shorter dataset: v5 stores no record count)."""

    def run(ws: Workspace):
        from derivations.xpt import xpt_layout

        path = ws.path(rel)
        layout = xpt_layout(path)
        assert keep * layout.row_length % 80 == 0 and keep < layout.records, "pick a record on an 80-byte boundary"
        with path.open("r+b") as fh:
            fh.truncate(layout.data_start + keep * layout.row_length)
        assert xpt_layout(path).records == keep

    return run


def recode(rel: str, encoding: str, bom: bytes = b""):
    def run(ws: Workspace):
        text = _text(ws, rel)
        ws.path(rel).write_bytes(bom + text.encode(encoding))

    return run


def toml(section: str, key: str, literal: str):
    """Set ``key = literal`` in ``[section]`` of study.toml (added when absent)."""

    def run(ws: Workspace):
        path = ws.study / "study.toml"
        lines = path.read_text(encoding="utf-8").splitlines()
        start = lines.index(f"[{section}]") if f"[{section}]" in lines else None
        if start is None:
            lines += ["", f"[{section}]", f"{key} = {literal}"]
        else:
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
            hit = [i for i in range(start + 1, end) if re.match(rf"{re.escape(key)}\s*=", lines[i])]
            if hit:
                lines[hit[0]] = f"{key} = {literal}"
            else:
                lines.insert(start + 1, f"{key} = {literal}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return run


def toml_drop(section: str, key: str):
    def run(ws: Workspace):
        path = ws.study / "study.toml"
        text = path.read_text(encoding="utf-8")
        new, n = re.subn(rf"(?m)^{re.escape(key)}\s*=.*\n", "", text, count=1)
        assert n, f"break: {key} not in study.toml"
        path.write_text(new, encoding="utf-8")

    return run


def symlink(rel: str, target: str):
    def run(ws: Workspace):
        ws.path(rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(ws.fmt(target), ws.path(rel))

    return run


def patch(target: str, replacement: Callable):
    """Replace ``module.attr`` (e.g. ``"derivations.xpt.write_xpt"``) for the command's duration."""

    def run(ws: Workspace):
        ws.monkeypatch.setattr(target, replacement(ws))

    return run


def oserror(code: int, after: int = 0):
    """A replacement that raises ``OSError(code)`` (ENOSPC: a full disk) after ``after`` calls."""

    def factory(ws: Workspace):
        import derivations.xpt as xpt

        real = xpt.write_xpt
        calls = [0]

        def fake(frame, path, *a, **k):
            calls[0] += 1
            if calls[0] > after:
                Path(path).write_bytes(b"partial")
                raise OSError(code, os.strerror(code), str(path))
            return real(frame, path, *a, **k)

        return fake

    return factory


ENOSPC, EROFS, EACCES = errno.ENOSPC, errno.EROFS, errno.EACCES


# --------------------------------------------------------------------------- checks


def snapshot(root: Path, exclude: list[Path] = ()) -> dict[str, str]:
    """{relative path: sha256 (or 'dir'/'link -> target')} of everything under ``root``."""
    out = {}
    exclude = [p.resolve() for p in exclude]
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        d = Path(dirpath)
        if any(d.resolve() == e or e in d.resolve().parents for e in exclude):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = d / name
            if any(p.resolve() == e for e in exclude) and not p.is_symlink():
                continue
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = f"link -> {os.readlink(p)}"
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def diff(before: dict, after: dict) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [f"{k}: {'added' if k not in before else 'removed' if k not in after else 'changed'}"
            for k in keys if before.get(k) != after.get(k)]


def count_csv_records(path: Path) -> int:
    import csv

    with path.open(newline="", encoding="utf-8-sig") as fh:
        return max(sum(1 for row in csv.reader(fh) if row) - 1, 0)


def count_dataset_records(path: Path) -> int:
    import pyreadstat

    return len(pyreadstat.read_xport(str(path))[0])
