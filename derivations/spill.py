"""Datasets held on disk between programs: the run's largest datasets as memory-mapped Arrow files.

A run holds every dataset it derived until its last reader (a later program, the XPT and
Dataset-JSON writers, define.xml) has run. Laboratory data make that the largest cost of a run:
at 100,000 subjects LB and ADLB hold 20M records each. ``[study] spill_records = N`` in
study.toml makes the pipeline keep a dataset of ``N`` records or more as an Arrow IPC file in the
run's private temporary folder instead of in memory (:class:`DatasetStore`); whoever reads it
gets an ordinary pandas frame back (:meth:`HeldOnDisk.load`) whose text columns are read
straight from the memory-mapped file (``str`` with Arrow storage, as programs return them: no
copy, the pages belong to the file and the system may drop them), and whose other columns are
copied out (8 bytes a number).

A dataset derived per subject partition (:mod:`derivations.partition`) is written one shaped
partition at a time (:class:`SpillWriter`), so it never exists whole in memory; reading it back
concatenates the partitions, exactly as the pipeline concatenated them in memory.

Each column is written as it is held and read back with the dtype it had: ``str``/``string``
(either storage; read back Arrow-stored, as :func:`derivations.shaping.expand_frame` gives a
program), ``object`` text (read back as one shared ``str`` object per distinct value, as
:func:`derivations.shaping.compact_text` holds it), ``object`` without any value (``None``, or ``None``
and ``NaN``), ``float64``, ``int64``, ``bool``, ``datetime64`` and ``timedelta64`` (any unit), ``Int64``
and ``boolean``. A frame with any other column (categories, mixed objects) stays in memory
(:func:`spill_frame` returns ``None``).

The run's folder (:func:`make_held_folder`, ``derive-held-*`` in the system's temporary folder) goes
with the run's result or when the process ends; a run killed outright (SIGKILL, out of memory) cannot
remove it, so it records its owner in a marker file (:class:`Owner`: process id, the process's start
time, boot id, host, pid namespace) and the next run removes the folders whose owner is dead
(:func:`remove_dead_held_folders`). A folder without a valid marker, of another host, of another pid
namespace (another container sharing the folder) or of a live process is never touched.

Example
-------
>>> import tempfile
>>> frame = pd.DataFrame({"PARAMCD": pd.Series(["ALB", None, "HGB"], dtype="str"),
...                       "AVAL": [40.0, float("nan"), 120.0], "ASEQ": pd.array([1, 2, None], dtype="Int64")})
>>> held = spill_frame(frame, Path(tempfile.mkdtemp()) / "adlb.arrow")
>>> back = held.load()
>>> len(held), back["PARAMCD"].dtype.storage, back.equals(frame), [str(t) for t in back.dtypes]
(3, 'pyarrow', True, ['str', 'float64', 'Int64'])
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

#: rows per Arrow record batch of a spilled file
BATCH_ROWS = 1_000_000
#: how a run's private folder of held datasets is named in the system's temporary folder
HELD_PREFIX = "derive-held-"
#: the marker file recording who made a held folder (:class:`Owner`)
OWNER_MARKER = "owner.txt"
_MARKER_KIND = "derivations held datasets"
_PROC = Path("/proc")


@dataclass(frozen=True)
class SpilledPart:
    """One Arrow IPC file: its records and, per column, how to give it back (:func:`_column_kind`)."""

    path: Path
    rows: int
    columns: tuple[str, ...]
    kinds: tuple[str, ...]

    def load(self, columns=None) -> pd.DataFrame:
        """The part as a frame (only ``columns`` when given), text memory-mapped (see the module)."""
        table = pa.ipc.open_file(pa.memory_map(str(self.path))).read_all()
        wanted = self.columns if columns is None else [c for c in self.columns if c in set(columns)]
        kind = dict(zip(self.columns, self.kinds))
        data = {c: _restore(table.column(i), kind[c], self.rows)
                for i, c in enumerate(self.columns) if c in set(wanted)}
        return pd.DataFrame(data, columns=list(wanted), copy=False)


@dataclass(frozen=True)
class HeldOnDisk:
    """A dataset held on disk: one or more parts (subject partitions, in order) of the same variables."""

    parts: tuple[SpilledPart, ...]

    def __len__(self) -> int:
        return sum(p.rows for p in self.parts)

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(c for p in self.parts for c in p.columns))

    def load(self, columns=None) -> pd.DataFrame:
        """The dataset as the run held it in memory (``columns``: only those); parts concatenated."""
        frames = [p.load(columns) for p in self.parts]
        if len(frames) == 1:
            return frames[0]
        out = pd.concat(frames, ignore_index=True)
        del frames
        return out


@dataclass(frozen=True)
class Owner:
    """The process that made a held folder, as its marker records it.

    ``start`` is the process's start time (field 22 of ``/proc/<pid>/stat``, clock ticks after boot), so
    that a process id used again by a later process is not taken for the owner; ``boot`` is
    ``/proc/sys/kernel/random/boot_id``; ``pidns`` is the process's pid namespace (the inode of
    ``/proc/<pid>/ns/pid``): two containers sharing a temporary folder, a user, a host name and a boot
    cannot see each other's processes, so a process id is looked up only in the owner's own namespace.
    A marker written before the namespace was recorded has none (``None``).

    >>> here = Owner.this_process()
    >>> here.pid == os.getpid(), Owner.parse(here.text()) == here, here.is_gone(here)
    (True, True, False)
    >>> print(Owner(4242, "1301442", "46e20160", "vm", "4026531836").text(), end="")
    derivations held datasets
    pid 4242
    start 1301442
    boot 46e20160
    host vm
    pidns 4026531836
    >>> Owner.parse("derivations held datasets\\npid 4242\\nstart 1301442\\nboot 46e20160\\nhost vm\\n")
    Owner(pid=4242, start='1301442', boot='46e20160', host='vm', pidns=None)
    >>> Owner.parse("pid 4242\\n") is None   # not a marker of ours
    True
    """

    pid: int
    start: str
    boot: str
    host: str
    pidns: str | None = None

    @classmethod
    def this_process(cls) -> "Owner | None":
        """This process; ``None`` where ``/proc`` does not tell a process's start time or pid namespace (then
        nothing is removed)."""
        start, boot = _start_time(os.getpid()), _read(_PROC / "sys/kernel/random/boot_id")
        try:
            pidns = str(os.stat(_PROC / "self/ns/pid").st_ino)
        except OSError:
            pidns = None
        if not start or not boot or not pidns:
            return None
        return cls(os.getpid(), start, boot, socket.gethostname(), pidns)

    def text(self) -> str:
        """The marker's text: a first line naming it, then ``key value`` lines."""
        ns = "" if self.pidns is None else f"pidns {self.pidns}\n"
        return f"{_MARKER_KIND}\npid {self.pid}\nstart {self.start}\nboot {self.boot}\nhost {self.host}\n{ns}"

    @classmethod
    def parse(cls, text: str) -> "Owner | None":
        """The owner a marker's text records; ``None`` unless it is a whole marker of ours (with or without
        ``pidns``)."""
        lines = text.strip().split("\n")
        if len(lines) not in (5, 6) or lines[0] != _MARKER_KIND:
            return None
        fields = dict(line.partition(" ")[::2] for line in lines[1:])
        if list(fields) not in (["pid", "start", "boot", "host"], ["pid", "start", "boot", "host", "pidns"]):
            return None
        if not all(fields.values()) or not fields["pid"].isdigit() or int(fields["pid"]) <= 0:
            return None
        return cls(int(fields["pid"]), fields["start"], fields["boot"], fields["host"], fields.get("pidns"))

    def is_gone(self, here: "Owner") -> bool:
        """Whether this owner has ended, seen from ``here`` (this process). Another host: never (cannot tell).
        Same host, another boot: ended (a restart ends every process). Same boot, another pid namespace or
        none recorded (an older marker): never (its processes cannot be seen from here). Same namespace: no
        process ``pid``, or a process ``pid`` that started at another time, or one that has ended and waits
        for its parent (a zombie, state Z or X)."""
        if self.host != here.host:
            return False
        if self.boot != here.boot:
            return True
        if self.pidns is None or self.pidns != here.pidns:
            return False
        try:
            found = _stat(self.pid)
        except FileNotFoundError:
            return True
        if found is None:  # cannot tell: kept
            return False
        state, start = found
        return start != self.start or state in ("Z", "X")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _stat(pid: int) -> tuple[str, str] | None:
    """Fields 3 (state) and 22 (start time) of ``/proc/<pid>/stat`` (read after the command name, which may
    hold spaces and parentheses); ``None`` when it cannot be read; FileNotFoundError when there is no such
    process."""
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        raise
    except OSError:
        return None
    fields = text[text.rfind(")") + 1:].split()
    return (fields[0], fields[19]) if len(fields) > 19 else None  # fields[0] is field 3


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (:func:`_stat`); ``None`` when there is none or it cannot be read."""
    try:
        found = _stat(pid)
    except FileNotFoundError:
        return None
    return None if found is None else found[1]


def make_held_folder() -> Path:
    """A new private folder ``derive-held-*`` in the system's temporary folder, its owner recorded in it."""
    folder = Path(tempfile.mkdtemp(prefix=HELD_PREFIX))
    owner = Owner.this_process()
    if owner is not None:
        partial = folder / (OWNER_MARKER + ".partial")
        partial.write_text(owner.text(), encoding="ascii")
        os.replace(partial, folder / OWNER_MARKER)
    return folder


def folder_bytes(folder: Path) -> int:
    """The bytes the files under ``folder`` hold on disk: symbolic links not followed, a file hard-linked
    twice under it counted once.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "adlb-1.arrow").write_bytes(b"x" * 1000)
    >>> (folder / "part").mkdir()
    >>> _ = (folder / "part" / "adlb-2.arrow").write_bytes(b"y" * 24)
    >>> os.link(folder / "adlb-1.arrow", folder / "part" / "same.arrow")   # the same 1,000 bytes
    >>> folder_bytes(folder)
    1024
    """
    seen, total = set(), 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if info.st_nlink > 1:
                if (info.st_dev, info.st_ino) in seen:
                    continue
                seen.add((info.st_dev, info.st_ino))
            total += info.st_size
    return total


@dataclass(frozen=True)
class RemovedFolder:
    """A held folder removed because its owner was dead: where, how many bytes, whose."""

    path: Path
    size: int
    owner: Owner


def remove_dead_held_folders() -> list[RemovedFolder]:
    """Remove the ``derive-held-*`` folders in the system's temporary folder that a dead run of ours left.

    A folder is removed only when it is a folder (not a link) of this user holding a marker of ours
    (:data:`OWNER_MARKER`, a regular file) whose owner :meth:`Owner.is_gone` from this process; any other
    entry is left as it is. Gives what was removed, by path.

    Examples
    --------
    >>> from dataclasses import replace
    >>> saved, tempfile.tempdir = tempfile.tempdir, tempfile.mkdtemp()   # a private temporary folder
    >>> killed, live = make_held_folder(), make_held_folder()
    >>> never = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1   # no process has this id
    >>> dead = replace(Owner.this_process(), pid=never)
    >>> _ = (killed / OWNER_MARKER).write_text(dead.text())             # as a killed run left it
    >>> _ = (killed / "adlb.arrow").write_bytes(b"x" * 1000)
    >>> removed = remove_dead_held_folders()
    >>> [(r.path == killed, r.size - len(dead.text()), r.owner == dead) for r in removed]
    [(True, 1000, True)]
    >>> killed.exists(), live.exists()
    (False, True)
    >>> shutil.rmtree(tempfile.tempdir); tempfile.tempdir = saved
    """
    here = Owner.this_process()
    if here is None:
        return []
    removed = []
    for folder in sorted(Path(tempfile.gettempdir()).glob(HELD_PREFIX + "*")):
        try:
            info, marker = os.lstat(folder), os.lstat(folder / OWNER_MARKER)
        except OSError:
            continue
        if not (stat.S_ISDIR(info.st_mode) and stat.S_ISREG(marker.st_mode)) or info.st_uid != os.getuid():
            continue
        owner = Owner.parse(_read(folder / OWNER_MARKER) or "")
        if owner is None or not owner.is_gone(here):
            continue
        size = folder_bytes(folder)
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder):
            removed.append(RemovedFolder(folder, size, owner))
    return removed


def _column_kind(series: pd.Series) -> str | None:
    """How ``series`` is written and read back; ``None`` for a dtype this module does not hold."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return "str" if dtype.na_value is not pd.NA else "string"
    if dtype == object:
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred == "empty":
            values = series.to_numpy()
            if bool((values == None).all()):  # noqa: E711 - None, not NaN
                return "none"
            if all(v is None or (type(v) is float and v != v) for v in values):  # None and float NaN only
                return "none_nan"
            return None
        if inferred != "string":
            return None
        values = series.to_numpy()
        missing = values[pd.isna(values)]
        if all(v is None for v in missing):
            return "object_text"
        return "object_text_nan" if all(type(v) is float for v in missing) else None  # NaN for missing
    if isinstance(dtype, pd.Int64Dtype):
        return "Int64"
    if isinstance(dtype, pd.BooleanDtype):
        return "boolean"
    if isinstance(dtype, np.dtype) and (dtype.kind in "fbMm" or dtype == np.int64):
        return dtype.str
    return None


def _arrow(series: pd.Series, kind: str) -> pa.Array:
    if kind in ("str", "string", "object_text", "object_text_nan"):
        return pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.large_string(), from_pandas=True)
    if kind == "none":
        return pa.nulls(len(series), type=pa.large_string())
    if kind == "none_nan":  # which missing value each record holds: None (0) or NaN (1)
        return pa.array((series.to_numpy() != None).astype(np.int8))  # noqa: E711
    if kind in ("Int64", "boolean"):
        return pa.array(series.array, from_pandas=True)
    if np.dtype(kind).kind == "f":  # NaN kept as a value: no validity bitmap, read back as written
        return pa.array(series.to_numpy(), from_pandas=False)
    return pa.array(series.to_numpy(), from_pandas=True)


def _restore(column: pa.ChunkedArray, kind: str, rows: int) -> Any:
    if kind in ("str", "string"):
        dtype = pd.StringDtype("pyarrow", na_value=np.nan if kind == "str" else pd.NA)
        return pd.Series(dtype.__from_arrow__(column), copy=False)
    if kind == "none":
        return pd.Series([None] * rows, dtype=object)
    if kind == "none_nan":
        return pd.Series(np.where(column.to_numpy() == 1, np.float64("nan"), None).astype(object), dtype=object)
    if kind in ("object_text", "object_text_nan"):  # one shared str per distinct value, as compact_text holds it
        encoded = column.combine_chunks().dictionary_encode() if column.num_chunks else pa.array([], pa.large_string())
        if not len(encoded):
            return pd.Series([], dtype=object)
        uniques = np.asarray(encoded.dictionary.to_pylist() + [None if kind == "object_text" else np.nan],
                             dtype=object)
        codes = encoded.indices.fill_null(len(uniques) - 1).to_numpy()
        return pd.Series(uniques.take(codes), dtype=object)
    if kind == "Int64":
        return pd.Series(pd.Int64Dtype().__from_arrow__(column))
    if kind == "boolean":
        return pd.Series(pd.BooleanDtype().__from_arrow__(column))
    values = column.to_numpy()
    return pd.Series(values.astype(np.dtype(kind), copy=False))


def _table(frame: pd.DataFrame) -> tuple[pa.Table, tuple[str, ...]] | None:
    kinds = []
    for c in frame.columns:
        kind = _column_kind(frame[c]) if isinstance(c, str) else None
        if kind is None:
            return None
        kinds.append(kind)
    if len(set(frame.columns)) != len(frame.columns):
        return None
    arrays = [_arrow(frame[c], k) for c, k in zip(frame.columns, kinds)]
    return pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns]), tuple(kinds)


def write_part(frame: pd.DataFrame, path: Path) -> SpilledPart | None:
    """Write ``frame`` to ``path`` as an Arrow IPC file; ``None`` (nothing written) when a column cannot be."""
    made = _table(frame)
    if made is None:
        return None
    table, kinds = made
    path = Path(path)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=BATCH_ROWS)
    return SpilledPart(path, len(frame), tuple(str(c) for c in frame.columns), kinds)


def spill_frame(frame: pd.DataFrame, path: Path) -> HeldOnDisk | None:
    """``frame`` held on disk at ``path`` (:class:`HeldOnDisk`), or ``None`` when a column's dtype cannot be."""
    part = write_part(frame, path)
    return None if part is None else HeldOnDisk((part,))


class SpillWriter:
    """Collects the shaped partitions of one dataset as parts in ``folder`` (``<stem>.<k>.arrow``).

    :meth:`add` returns ``False`` (and writes nothing) for a partition that cannot be held on disk;
    :meth:`held` gives the :class:`HeldOnDisk` of the parts added.
    """

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder, self.stem, self.parts = Path(folder), stem, []

    def add(self, frame: pd.DataFrame) -> bool:
        part = write_part(frame, self.folder / f"{self.stem}.{len(self.parts)}.arrow")
        if part is None:
            return False
        self.parts.append(part)
        return True

    def held(self) -> HeldOnDisk:
        return HeldOnDisk(tuple(self.parts))


class DatasetStore(MutableMapping):
    """A run's datasets by name, some held in memory and some on disk (:class:`HeldOnDisk`).

    Reading a name gives a pandas frame (read back from disk each time: keep it only as long as it is
    needed; with ``expand``, text held compactly in memory is given back Arrow-stored, as programs see it);
    :meth:`held` gives what is stored, :meth:`rows` the records without reading them.
    With a ``folder`` and ``spill_records``, :meth:`hold` keeps a frame of that many records or more
    on disk.

    >>> import tempfile
    >>> store = DatasetStore(Path(tempfile.mkdtemp()), spill_records=2)
    >>> store.hold("LB", pd.DataFrame({"LBSEQ": [1, 2, 3]}))
    >>> store.hold("DM", pd.DataFrame({"AGE": [60]}))
    >>> type(store.held("LB")).__name__, type(store.held("DM")).__name__, store["LB"]["LBSEQ"].tolist()
    ('HeldOnDisk', 'DataFrame', [1, 2, 3])
    """

    _serial = itertools.count()

    def __init__(self, folder: Path | None = None, spill_records: int = 0, data: dict | None = None, *,
                 expand: bool = False) -> None:
        self.folder, self.spill_records = (Path(folder) if folder else None), int(spill_records or 0)
        self._data: dict[str, Any] = dict(data or {})
        self.expand = expand

    def spills(self, rows: int) -> bool:
        """Whether a dataset of ``rows`` records goes to disk."""
        return self.folder is not None and self.spill_records > 0 and rows >= self.spill_records

    def path(self, name: str) -> Path:
        return self.folder / f"{name.lower()}-{next(self._serial)}"

    def hold(self, name: str, value: Any) -> None:
        """Store ``value``: on disk when it is a frame of :attr:`spill_records` records or more (and every
        column can be held there), else as it is."""
        if isinstance(value, pd.DataFrame) and self.spills(len(value)):
            held = spill_frame(value, self.path(name).with_suffix(".arrow"))
            value = value if held is None else held
        self._data[name] = value

    def held(self, name: str) -> Any:
        return self._data[name]

    def rows(self, name: str) -> int:
        return len(self._data[name])

    def __getitem__(self, name: str) -> Any:
        value = self._data[name]
        if isinstance(value, HeldOnDisk):
            return value.load()
        if self.expand and isinstance(value, pd.DataFrame):
            from .shaping import expand_frame

            return expand_frame(value)
        return value

    def view(self) -> "DatasetStore":
        """The same datasets, each read as a program gets it (text held compactly in memory Arrow-stored
        again, :func:`derivations.shaping.expand_frame`): what :class:`~derivations.pipeline.RunResult` gives."""
        return DatasetStore(data=self._data, expand=True)

    def holding(self) -> "DatasetStore":
        """The same datasets as the run holds them (compact text in memory; the writers' view)."""
        return DatasetStore(data=self._data)

    def __setitem__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __delitem__(self, name: str) -> None:
        del self._data[name]

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"DatasetStore({', '.join(self._data)})"


def load(value: Any, columns=None) -> Any:
    """``value`` as a frame when it is held on disk (only ``columns`` when given); anything else as it is."""
    if isinstance(value, HeldOnDisk):
        return value.load(columns)
    return value


class LastLoaded(Mapping):
    """``datasets`` (a mapping of frames or :class:`HeldOnDisk`) with names upper-cased, read back from disk
    on first use and kept until another dataset is read (define.xml asks for a dataset per variable).

    >>> view = LastLoaded({"lb": pd.DataFrame({"LBSEQ": [1]})})
    >>> list(view), view.get("LB")["LBSEQ"].tolist(), view.get("DM") is None
    (['LB'], [1], True)
    """

    def __init__(self, datasets) -> None:
        held = datasets.held if isinstance(datasets, DatasetStore) else datasets.__getitem__
        self._held = {str(k).upper(): held(k) for k in datasets}
        self._last: tuple[str, Any] | None = None

    def __getitem__(self, name: str) -> Any:
        value = self._held[name]
        if not isinstance(value, HeldOnDisk):
            return value
        if self._last is None or self._last[0] != name:
            self._last = None  # the previous one is freed before the next is read
            self._last = (name, value.load())
        return self._last[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)


def held_frames(datasets) -> "DatasetStore":
    """The frames of ``datasets`` (a dict or a :class:`DatasetStore`), those on disk left there."""
    held = datasets.held if isinstance(datasets, DatasetStore) else datasets.__getitem__
    return DatasetStore(data={k: held(k) for k in datasets
                              if isinstance(held(k), HeldOnDisk) or hasattr(held(k), "columns")})
