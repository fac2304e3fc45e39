"""Fixtures shared by test modules: one run of the embedded study, its RTF outputs converted to PDF.

``derive run`` and LibreOffice are the slow parts of the TLF tests, so each happens once per
session: ``study_tlf`` is the run's ``tlf`` folder (read-only for the tests: copy before writing),
``study_pdfs`` every RTF of it converted to PDF in one LibreOffice call.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def derive_run(out: Path) -> None:
    """``derive run`` of the embedded study into ``out`` (a failure shows the run's output)."""
    res = subprocess.run([sys.executable, "-m", "derivations", "run", "--study", str(ROOT), "--out", str(out)],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]


@pytest.fixture(scope="session")
def study_tlf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("study-run") / "out"
    derive_run(out)
    return out / "tlf"


@pytest.fixture(scope="session")
def embedded_sdtm_adam(tmp_path_factory):
    """``run_study`` of the embedded study's sdtm and adam stages, in process, once per session: the
    :class:`~derivations.pipeline.RunResult` (its ``out_dir`` and ``datasets`` are read-only for the tests:
    copy a frame or the folder before changing it)."""
    from derivations.pipeline import run_study

    return run_study(ROOT, tmp_path_factory.mktemp("embedded-sdtm-adam") / "out", stages=("sdtm", "adam"))


@pytest.fixture(scope="session")
def study_pdfs(study_tlf, tmp_path_factory) -> dict[str, Path]:
    """``{output file stem: PDF}`` for every RTF of the run, converted in one LibreOffice call."""
    from reviewer_tools import binary

    from derivations.tlf.book import convert_to_pdf

    soffice = binary("soffice", "libreoffice")
    binary("pdftotext")
    rtfs = sorted(study_tlf.glob("*.rtf"))
    pdfs = convert_to_pdf(rtfs, tmp_path_factory.mktemp("study-pdf"), soffice=soffice)
    return {r.stem: p for r, p in zip(rtfs, pdfs)}
