"""Every bad input, fault and hostile file of issue 10, one row each (cases.py), five checks each (harness.py)."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter

import pytest

from cases import CASES
from harness import Workspace, count_csv_records, count_dataset_records, diff, snapshot

from derivations.cli import main
from derivations.outdir import ERROR_LOG


def _params():
    seen = set()
    for case in CASES:
        assert case.name not in seen, f"duplicate case id {case.name}"
        seen.add(case.name)
        marks = [pytest.mark.xfail(strict=True, reason=f"owner: {case.owner}")] if case.owner else []
        yield pytest.param(case, id=case.name, marks=marks)


def test_at_least_150_cases_in_every_family():
    families = Counter(c.family for c in CASES)
    assert sum(families.values()) >= 150, families
    assert all(n >= 3 for n in families.values()), families


@pytest.fixture
def workspace(case, tmp_path, monkeypatch, request):
    root = tmp_path / "ws"
    root.mkdir()
    study, out = root / "study", root / "out"
    if case.study in ("toy", "embedded"):
        base_study, base_out = request.getfixturevalue(f"{case.study}_baseline")
        shutil.copytree(base_study, study, symlinks=True)
        if case.previous:
            shutil.copytree(base_out, out, symlinks=True)
    (root / "home").mkdir()
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "notes.txt").write_text("not the tool's\n")
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.chdir(root / "elsewhere")
    return Workspace(root, study, out, root / "home", monkeypatch)


@pytest.mark.parametrize("case", list(_params()))
def test_case(case, workspace, capsys):
    ws = workspace
    for brk in case.breaks:
        brk(ws)
    writable = [ws.path(case.out), *ws.root.glob(".out.derive-*")]  # the output and staging folders already there
    outside_before = snapshot(ws.root, exclude=writable)
    out_before = snapshot(ws.out) if ws.out.is_dir() else None
    ws.baseline = out_before or {}

    code = main(ws.fmt(case.argv).split())
    captured = capsys.readouterr()
    output = captured.out + captured.err

    # 1-2: exit code, a message naming the item, never a traceback
    assert "Traceback" not in output, output
    assert code == case.exit, output
    assert re.search(case.message, output, re.S), f"message does not match {case.message!r}:\n{output}"
    # 3: nothing written outside --out (the study, its inputs, home, anything beside)
    assert diff(outside_before, snapshot(ws.root, exclude=writable)) == [], output
    leftovers = [p.name for p in ws.root.iterdir() if ".derive-" in p.name and p not in writable[1:]]
    assert leftovers == [], leftovers  # (a staging folder of another, live run may stay)
    # 4: a failed command leaves the previous output intact
    if code != 0 and out_before is not None:
        after = snapshot(ws.out)
        after.pop(ERROR_LOG, None)
        # run.log is the run record: it holds the clock (timings) by design, outside the byte-identical set
        after.pop("run.log", None)
        before = {k: v for k, v in out_before.items() if k != "run.log"}
        assert diff(before, after) == [], output
    # 5: records in = records out + records the findings name as dropped
    if case.records and code == 0:
        page, dataset = case.records
        stage = "adam" if dataset.startswith("AD") else "sdtm"
        n_in = count_csv_records(ws.study / "raw" / page)
        n_out = count_dataset_records(ws.out / stage / f"{dataset.lower()}.xpt")
        with (ws.out / "findings.csv").open(newline="", encoding="utf-8") as fh:
            named = sum(1 for row in csv.DictReader(fh) if row["dataset"] == dataset
                        and re.search(r"record\S* (dropped|excluded|not written)", row["message"]))
        assert n_in == n_out + named, (n_in, n_out, named)
    if case.check is not None:
        case.check(ws, output)
