"""Real signals on a real `derive run` process: SIGTERM and SIGINT end it with one line and the
previous output intact, also when they land in a finalizer (where Python swallows the exception);
after SIGKILL the next run removes the staging folder left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import diff, snapshot



def _start(study: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    # SIGINT at its default in the child, as for a command started at a terminal: a test run started in the
    # background by a non-interactive shell inherits SIGINT ignored, and Python then never raises
    # KeyboardInterrupt (the run would go on; it timed out once that way)
    return subprocess.Popen([sys.executable, "-m", "derivations", "run", "--study", str(study), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=out.parent,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_staging(root: Path, proc: subprocess.Popen) -> Path:
    for _ in range(600):
        found = [p for p in root.iterdir() if p.name.startswith(".out.derive-staging-") and (p / "adam").exists()]
        if found:  # the ADaM stage has begun: its program is about to sleep
            time.sleep(0.5)
            return found[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no staging folder appeared")


@pytest.fixture
def slow_study(toy_baseline, tmp_path):
    """A copy of the toy study whose ADaM program sleeps (the run is caught mid-way), and its previous output."""
    study, out = toy_baseline
    root = tmp_path / "ws"
    shutil.copytree(study, root / "study")
    shutil.copytree(out, root / "out")
    adsl = root / "study" / "adam" / "adsl.py"
    adsl.write_text(adsl.read_text().replace("def derive(ctx):", "def derive(ctx):\n    import time; time.sleep(60)"))
    return root


@pytest.mark.parametrize("sig,code,name", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")])
def test_signal_leaves_previous_output_and_no_staging(slow_study, sig, code, name):
    root = slow_study
    before = snapshot(root / "out")
    proc = _start(root / "study", root / "out")
    _wait_for_staging(root, proc)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines() == [f"derive run: interrupted ({name}); nothing was replaced: "
                                           f"the previous output in {root / 'out'} is unchanged"]
    assert "Traceback" not in stdout + stderr
    assert diff(before, snapshot(root / "out")) == []
    assert sorted(p.name for p in root.iterdir()) == ["out", "study"]


def test_sigkill_leftover_is_removed_by_the_next_run(slow_study):
    root = slow_study
    before = snapshot(root / "out")
    proc = _start(root / "study", root / "out")
    staging = _wait_for_staging(root, proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert staging.is_dir() and diff(before, snapshot(root / "out")) == []  # killed: the leftover stays
    from derivations.cli import main

    assert main(["run", "--study", str(root / "study"), "--out", str(root / "out"), "--stages", "tlf"]) == 0
    assert sorted(p.name for p in root.iterdir()) == ["out", "study"]


FINALIZER = '''\
import time
from pathlib import Path


class _Finalizer:
    """An object whose finalizer is running when the signal comes (a library's __del__, a weakref callback):
    Python swallows an exception raised there ("Exception ignored in ...")."""

    def __del__(self):
        Path(__file__).with_name("in-finalizer").touch()
        time.sleep(5)

'''


@pytest.mark.parametrize("sig,code,name", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")])
def test_signal_during_a_finalizer_still_ends_the_run(slow_study, sig, code, name):
    """The interrupt Python swallows in a finalizer is delivered again: the run ends at once with one line and
    the previous output intact (it went on after the program's sleep and replaced the output: exit 0)."""
    root = slow_study
    adsl = root / "study" / "adam" / "adsl.py"
    adsl.write_text(FINALIZER + adsl.read_text().replace("import time; time.sleep(60)",
                                                         "_Finalizer()\n    time.sleep(20)"))
    before = snapshot(root / "out")
    proc = _start(root / "study", root / "out")
    mark = root / "study" / "adam" / "in-finalizer"
    for _ in range(1200):
        if mark.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert mark.exists(), proc.communicate()
    started = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, (time.monotonic() - started, stderr)
    assert stderr.strip().splitlines() == [f"derive run: interrupted ({name}); nothing was replaced: "
                                           f"the previous output in {root / 'out'} is unchanged"]
    mark.unlink()
    assert diff(before, snapshot(root / "out")) == []
    assert sorted(p.name for p in root.iterdir()) == ["out", "study"]
