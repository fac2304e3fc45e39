"""What a run shows while it works: one line per program as it starts and ends, on stderr.

A :class:`Progress` writes to a terminal only, unless asked (``force=True``: ``--progress``);
``quiet=True`` (``-q``) silences it. What a run does beyond its output (:meth:`Progress.notice`: the held
datasets of killed runs it removed) is written to a log file or pipe too. A program that runs long (a large study) says it is still
running every ``heartbeat`` seconds (``[adam] adlb still running, 60 s``), so that a run at
100,000 subjects is never silent for minutes. Lines are plain text, one per event, so that a log
file captured with ``--progress 2>run.log`` reads as well as the terminal::

    [adam] adsl ...
    [adam] adsl done in 0.41 s: ADSL 29 rows

Example
-------
>>> import io
>>> out = io.StringIO()
>>> p = Progress(out, force=True, clock=iter([0.0, 1.5]).__next__)
>>> p.start("adam", "adsl"); p.end("adam", "adsl", {"ADSL": 29})
1.5
>>> print(out.getvalue().strip())
[adam] adsl ...
[adam] adsl done in 1.50 s: ADSL 29 rows
>>> silent = io.StringIO()
>>> Progress(silent).start("adam", "adsl")      # not a terminal, not forced: nothing written
>>> silent.getvalue()
''
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable, Mapping, TextIO


class Progress:
    """Progress lines on ``stream`` (default stderr), only to a terminal unless ``force``; never when ``quiet``."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False, force: bool = False,
                 clock: Callable[[], float] = time.perf_counter, heartbeat: float | None = 30.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.quiet = quiet
        self.enabled = not quiet and (force or bool(isatty()))
        self._clock = clock
        self._started: dict[tuple[str, str], float] = {}
        self._beats: dict[tuple[str, str], threading.Event] = {}
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        #: one ``(stage, program, seconds, rows, status)`` per ended program, written or not (the run log's)
        self.records: list[tuple[str, str, float, dict, str]] = []

    def _write(self, line: str) -> None:
        if self.enabled:
            with self._lock:
                self.stream.write(line + "\n")
                self.stream.flush()

    def _beat(self, stage: str, name: str, stop: threading.Event) -> None:
        waited = 0.0
        while not stop.wait(self.heartbeat):
            waited += self.heartbeat
            self._write(f"[{stage}] {name} still running, {waited:g} s")

    def start(self, stage: str, name: str) -> None:
        """A program starts."""
        self._started[(stage, name)] = self._clock()
        self._write(f"[{stage}] {name} ...")
        if self.enabled and self.heartbeat:
            stop = self._beats[(stage, name)] = threading.Event()
            threading.Thread(target=self._beat, args=(stage, name, stop), daemon=True).start()

    def end(self, stage: str, name: str, rows: Mapping[str, int] | None = None, *, status: str = "done") -> float:
        """A program ended (``status``: done, failed); returns its wall time in seconds."""
        stop = self._beats.pop((stage, name), None)
        if stop is not None:
            stop.set()
        begun, now = self._started.pop((stage, name), None), self._clock()
        seconds = now - begun if begun is not None else 0.0
        self.records.append((stage, name, seconds, dict(rows or {}), status))
        sizes = ", ".join(f"{k} {v:,} rows" for k, v in (rows or {}).items())
        self._write(f"[{stage}] {name} {status} in {seconds:.2f} s" + (f": {sizes}" if sizes else ""))
        return seconds

    def note(self, stage: str, text: str) -> None:
        """Anything else worth a line (a stage written, a report made)."""
        self._write(f"[{stage}] {text}")

    def notice(self, stage: str, text: str) -> None:
        """Something the run did beyond its output (it removed files): written to the stream whether it is a
        terminal or not, unless ``quiet``, so that a run that fails before its run log still tells it.

        >>> import io
        >>> out = io.StringIO()
        >>> Progress(out).notice("run", "removed /tmp/derive-held-ab12"); out.getvalue()
        '[run] removed /tmp/derive-held-ab12\\n'
        """
        if not self.quiet:
            with self._lock:
                self.stream.write(f"[{stage}] {text}\n")
                self.stream.flush()


def silent() -> Progress:
    """A progress that writes nothing (the default of library calls); it still keeps its records."""
    return Progress(quiet=True)


__all__ = ["Progress", "silent"]
