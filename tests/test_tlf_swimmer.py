"""The swimmer plot beyond [tlf] swimmer_max_subjects: the subjects treated longest, named in the title.

The embedded study (29 subjects) is below the default limit of 100; here the limit is set to 5 and the
study's own tlf/f_swimmer.py runs on the study's ADaM. The expected five are computed from ADSL by hand:
treatment duration TRTEDT - TRTSDT + 1 days, longest first, ties in ADSL order.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from derivations.study import RunContext, Study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def adam(embedded_sdtm_adam):
    # the session's run (tests/conftest.py); copies, as the program run here gets them
    return {name: frame.copy() for name, frame in embedded_sdtm_adam.datasets["adam"].items()}


def _run_swimmer(adam, tmp_path, monkeypatch, limit: int):
    study = Study.load(ROOT)
    settings = copy.deepcopy(study.settings)
    settings.setdefault("tlf", {})["swimmer_max_subjects"] = limit
    ctx = RunContext(study=Study(root=study.root, settings=settings))
    ctx.adam.update(adam)
    ctx.stage_dir = tmp_path
    derive = ctx.study.load_program("tlf", "f_swimmer")
    program = derive.__globals__  # the program module's namespace
    real_plot, seen = program["plot_swimmer"], {}

    def capture(subjects, events, **kwargs):
        seen.update(subjects=subjects, events=events, **kwargs)
        return real_plot(subjects, events, **kwargs)

    monkeypatch.setitem(program, "plot_swimmer", capture)
    derive(ctx)
    return seen


def test_swimmer_shows_the_longest_treated_subjects_beyond_the_limit(adam, tmp_path, monkeypatch):
    seen = _run_swimmer(adam, tmp_path, monkeypatch, limit=5)
    adsl = adam["ADSL"]
    safety = adsl.loc[adsl["SAFFL"] == "Y"]
    days = (pd.to_datetime(safety["TRTEDT"]) - pd.to_datetime(safety["TRTSDT"])).dt.days + 1
    expected = safety.assign(_d=days.to_numpy(), _o=range(len(safety))).sort_values(
        ["_d", "_o"], ascending=[False, True], kind="mergesort")["SUBJID"].head(5).tolist()
    assert len(safety) == 29
    assert seen["subjects"]["USUBJID"].tolist() == expected
    assert seen["title"].endswith("; the 5 of 29 subjects treated longest)")
    # response markers only for the subjects shown
    assert set(seen["events"]["USUBJID"]) <= set(expected) and len(seen["events"]) > 0
    assert (tmp_path / "f_swimmer.png").is_file() and (tmp_path / "f_swimmer.svg").is_file()


def test_swimmer_within_the_limit_shows_everyone(adam, tmp_path, monkeypatch):
    seen = _run_swimmer(adam, tmp_path, monkeypatch, limit=29)
    assert len(seen["subjects"]) == 29 and "treated longest" not in seen["title"]
