"""What a run shows: progress lines on stderr, a true summary, and the run log beside the findings."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd

from derivations.cli import main
from derivations.pipeline import run_study
from derivations.progress import Progress
from derivations.runlog import outputs_by_kind
from toystudy import make_toy_study


def test_progress_lines_and_run_log(tmp_path):
    study = make_toy_study(tmp_path / "study")
    stream = io.StringIO()
    result = run_study(study, tmp_path / "out", stages=["sdtm"], progress=Progress(stream, force=True))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[sdtm] dm ..." and lines[1].startswith("[sdtm] dm done in ") and lines[1].endswith(": DM 2 rows")
    assert lines[2] == "[sdtm] XPT ..." and lines[3].startswith("[sdtm] XPT done in ")
    assert lines[4] == "[package] submission ..." and lines[5].startswith("[package] submission done in ")
    log = (tmp_path / "out" / "run.log").read_text(encoding="utf-8")
    assert result.run_log == tmp_path / "out" / "run.log" and result.seconds > 0
    raw = hashlib.sha256((study / "raw" / "dm.csv").read_bytes()).hexdigest()
    assert f"{raw}  raw        raw/dm.csv" in log
    assert f"  pandas       {pd.__version__}" in log
    assert "  sdtm/dm " in log and "DM 2" in log
    assert "outputs      datasets 2, define 3, package 5, records 2" in log
    assert "findings     0 error(s), 0 warning(s), 0 note(s)" in log


def test_summary_counts_files_by_kind(tmp_path, capsys):
    study = make_toy_study(tmp_path / "study")
    assert main(["run", "--study", str(study), "--out", str(tmp_path / "out"), "--stages", "sdtm", "-q"]) == 0
    captured = capsys.readouterr()
    out = tmp_path / "out"
    files = [p for p in out.rglob("*") if p.is_file() and not any(x.startswith(".") for x in p.relative_to(out).parts)]
    assert f"wrote {len(files)} files to {(tmp_path / 'out').resolve()}" in captured.out
    assert outputs_by_kind(tmp_path / "out") == {"datasets": 2, "define": 3, "package": 5, "records": 3}
    assert f"run log: {(tmp_path / 'out').resolve() / 'run.log'}" in captured.out
    assert captured.err == ""


def test_progress_not_on_a_pipe_unless_asked(tmp_path):
    study = make_toy_study(tmp_path / "study")
    cmd = [sys.executable, "-m", "derivations", "run", "--study", str(study), "--stages", "sdtm"]
    quiet = subprocess.run(cmd + ["--out", str(tmp_path / "a")], capture_output=True, text=True, timeout=300)
    asked = subprocess.run(cmd + ["--out", str(tmp_path / "b"), "--progress"], capture_output=True, text=True,
                           timeout=300)
    assert quiet.returncode == asked.returncode == 0
    assert quiet.stderr == ""
    assert "[sdtm] dm ..." in asked.stderr.splitlines()


def test_a_long_program_says_it_is_still_running():
    import time

    stream = io.StringIO()
    progress = Progress(stream, force=True, heartbeat=0.05)
    progress.start("adam", "adlb")
    time.sleep(0.3)
    progress.end("adam", "adlb", {"ADLB": 9_619_980})
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[adam] adlb ..." and lines[1] == "[adam] adlb still running, 0.05 s"
    assert lines[-1].startswith("[adam] adlb done in ") and lines[-1].endswith(": ADLB 9,619,980 rows")
    assert all(line.startswith("[adam] adlb still running, ") for line in lines[1:-1]) and len(lines) >= 4
    time.sleep(0.15)
    assert len(stream.getvalue().splitlines()) == len(lines)  # nothing after the end
    assert Progress(io.StringIO(), heartbeat=0.05)._beats == {}  # not a terminal: no thread at all
