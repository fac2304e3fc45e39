"""Shared baselines of the bad-input suite: a toy study and the embedded study, each run once."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

ROOT = HERE.parents[1]
#: what a copy of the embedded study leaves out (not inputs of a run)
EMBEDDED_IGNORE = shutil.ignore_patterns(".venv", ".git", "output", "tests", "benchmarks", "examples", "qc",
                                         "__pycache__", "*.egg-info", ".pytest_cache", ".ci", "README.md")


@pytest.fixture(scope="session", autouse=True)
def _matplotlib_font_cache():
    """matplotlib's font cache built in the real home before any case points $HOME into its workspace:
    the first import in a process writes ~/.cache/matplotlib, which a case's check of "nothing written
    outside --out" saw only when no earlier test had imported matplotlib (the TLF case failed alone,
    passed in the full suite). Every case now starts from the state the full suite gives it."""
    from matplotlib import font_manager

    font_manager.findfont("DejaVu Sans")


@pytest.fixture(scope="session")
def toy_baseline(tmp_path_factory):
    """(study template, its complete output) of the three-stage toy study."""
    from derivations.cli import main
    from toy3 import make_toy3

    base = tmp_path_factory.mktemp("toy-baseline")
    study = make_toy3(base / "study")
    assert main(["run", "--study", str(study), "--out", str(base / "out")]) == 0
    return study, base / "out"


@pytest.fixture(scope="session")
def embedded_baseline(study_tlf, tmp_path_factory):
    """(a copy of the embedded study, its complete output): the session's one run of the study
    (tests/conftest.py), which the cases copy before they touch it."""
    base = tmp_path_factory.mktemp("embedded-baseline")
    study = base / "study"
    shutil.copytree(ROOT, study, ignore=EMBEDDED_IGNORE)
    return study, study_tlf.parent
