"""Datasets held on disk between programs ([study] spill_records) give the same run, byte for byte.

The embedded study is run twice: as study.toml has it (every dataset in memory, ADLB in 3 subject
partitions concatenated in memory) and with ``spill_records = 1`` (every dataset held as a memory-mapped
Arrow file; SDTM LB in 4 and VS in 3 partitions of their raw pages, ADLB in 5 and ADVS in 4 partitions,
each partition shaped and written to disk on its own). Every file
of the two output folders but the run log is the same bytes, and every dataset reads back with the same
values and dtypes.
"""

import gc
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.cli import main
from derivations.pipeline import run_study
from derivations.settings import SettingsError, check_settings
from derivations.spill import (OWNER_MARKER, DatasetStore, HeldOnDisk, LastLoaded, Owner, RemovedFolder, SpillWriter,
                               _start_time, remove_dead_held_folders, spill_frame)
from derivations.study import Study
from toystudy import PROGRAM, make_toy_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("spill")
    memory = Study.load(ROOT)
    disk = Study.load(ROOT)
    disk.settings = {**disk.settings, "study": {**disk.settings["study"], "spill_records": 1},
                     "sdtm": {**disk.settings["sdtm"], "partitions": {"lb": 4, "vs": 3}},
                     "adam": {**disk.settings["adam"], "partitions": {"adlb": 5, "advs": 4}}}
    return {name: run_study(study, base / name) for name, study in (("memory", memory), ("disk", disk))}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "run.log"}


def test_held_on_disk_the_run_writes_the_same_bytes(runs):
    memory, disk = (_files(runs[k].out_dir) for k in ("memory", "disk"))
    assert sorted(disk) == sorted(memory) and len(memory) > 150
    assert [name for name in memory if disk[name] != memory[name]] == []


def test_every_dataset_was_on_disk_and_reads_back_as_held_in_memory(runs):
    for stage in ("sdtm", "adam"):
        memory, disk = runs["memory"].datasets[stage], runs["disk"].datasets[stage]
        assert sorted(disk) == sorted(memory)
        on_disk = sorted(n for n in disk if isinstance(disk.held(n), HeldOnDisk))
        assert on_disk == sorted(n for n in memory if len(memory[n])), stage  # every one with records
        for name in memory:
            pd.testing.assert_frame_equal(disk[name], memory[name], obj=name)
    assert len(runs["disk"].datasets["adam"].held("ADLB").parts) == 5   # one file per partition
    assert len(runs["disk"].datasets["sdtm"].held("LB").parts) == 4     # raw pages cut by subject
    assert len(runs["disk"].datasets["adam"].held("ADVS").parts) == 4
    assert runs["disk"].datasets["adam"].rows("ADLB") == 5172 + 249
    # study.toml: ADLB's 3 partitions go to disk one by one, and ADLB comes back to memory (fewer records than
    # spill_records = 1,000,000)
    assert isinstance(runs["memory"].datasets["adam"].held("ADLB"), pd.DataFrame)


def test_the_private_folder_goes_with_the_result(tmp_path):
    study = Study.load(ROOT)
    study.settings = {**study.settings, "study": {**study.settings["study"], "spill_records": 1000}}
    result = run_study(study, tmp_path / "out", stages=("sdtm",))
    held = result.datasets["sdtm"].held("LB")
    assert isinstance(held, HeldOnDisk) and not isinstance(result.datasets["sdtm"].held("DM"), HeldOnDisk)
    folder = held.parts[0].path.parent
    assert folder.is_dir() and not folder.is_relative_to(tmp_path)   # never in the output folder
    del result, held
    gc.collect()
    assert not folder.exists()


def test_each_dtype_is_read_back_as_written(tmp_path):
    frame = pd.DataFrame({
        "STR": pd.Series(["A", None, "B"], dtype="str"),
        "STRING": pd.Series(["A", None, "B"], dtype="string"),
        "PY": pd.Series(["A", None, "B"], dtype=pd.StringDtype("python", na_value=np.nan)),
        "OBJ": pd.Series(["X", None, "X"], dtype=object),
        "NONE": pd.Series([None, None, None], dtype=object),
        "OBJ_NAN": pd.Series(["X", np.nan, "Y"], dtype=object),
        "NONE_NAN": pd.Series([None, np.nan, None], dtype=object),
        "US": pd.to_datetime(["2022-01-01", None, "2022-03-01"]).astype("datetime64[us]"),
        "F": [1.5, np.nan, -0.0],
        "I": np.array([1, 2, 3], dtype=np.int64),
        "B": [True, False, True],
        "D": pd.to_datetime(["2022-01-01", None, "2022-03-01"]),
        "N": pd.array([1, None, 3], dtype="Int64"),
    })
    back = spill_frame(frame, tmp_path / "x.arrow").load()
    expected = frame.assign(PY=frame["PY"].astype("str"))   # compact text is read back Arrow-stored
    pd.testing.assert_frame_equal(back, expected)
    assert back["STR"].dtype.storage == "pyarrow" and np.signbit(back["F"][2])
    assert back["OBJ"][0] is back["OBJ"][2]                  # one shared str per value, as compact_text holds it
    assert back["NONE"].tolist() == [None, None, None] and back["NONE_NAN"][0] is None
    assert back["NONE_NAN"][1] != back["NONE_NAN"][1] and str(back["US"].dtype) == "datetime64[us]"
    assert spill_frame(frame.assign(C=pd.Categorical(["a", "b", "a"])), tmp_path / "c.arrow") is None
    assert spill_frame(frame.assign(M=[1, "a", None]), tmp_path / "m.arrow") is None
    assert spill_frame(frame.assign(M=pd.Series(["a", np.nan, None], dtype=object)), tmp_path / "m.arrow") is None
    assert list(spill_frame(frame, tmp_path / "y.arrow").load(["N", "STR"]).columns) == ["STR", "N"]


def test_partitions_read_back_concatenated_in_order(tmp_path):
    writer = SpillWriter(tmp_path, "adlb")
    assert writer.add(pd.DataFrame({"USUBJID": ["S1", "S1"], "AVAL": [1.0, 2.0], "C": pd.Series([None, None],
                                                                                              dtype=object)}))
    assert writer.add(pd.DataFrame({"USUBJID": ["S2"], "AVAL": [3.0], "C": pd.Series(["x"], dtype="str")}))
    held = writer.held()
    back = held.load()
    assert len(held) == 3 and back["USUBJID"].tolist() == ["S1", "S1", "S2"] and back["AVAL"].tolist() == [1, 2, 3]
    assert back["C"].dtype == object and back["C"].tolist() == [None, None, "x"]   # as pd.concat gives it


def test_store_and_views(tmp_path):
    store = DatasetStore(tmp_path, spill_records=3)
    store.hold("LB", pd.DataFrame({"LBSEQ": [1, 2, 3]}))
    store.hold("DM", pd.DataFrame({"AGE": [60]}))
    store.hold("T", "not a frame")
    assert isinstance(store.held("LB"), HeldOnDisk) and store.rows("LB") == 3 and store["T"] == "not a frame"
    view = LastLoaded(store)
    assert list(view) == ["LB", "DM", "T"] and view["LB"] is view["LB"]   # read once while it is the last
    assert view.get("AE") is None


def test_spill_records_is_checked():
    settings = {"study": {"studyid": "S", "spill_records": "many"}}
    with pytest.raises(SettingsError, match="spill_records"):
        check_settings(settings)
    assert check_settings({"study": {"studyid": "S", "spill_records": 2_000_000}})["study"]["spill_records"] == 2_000_000


# -- held folders that killed runs left: removed by the next run only when ours and their owner is dead


def _held(tmp: Path, name: str, owner: "Owner | None", payload: int = 0, marker: str | None = None) -> Path:
    folder = tmp / name
    folder.mkdir()
    if owner is not None or marker is not None:
        (folder / OWNER_MARKER).write_text(marker if marker is not None else owner.text())
    if payload:
        (folder / "adlb-3.arrow").write_bytes(b"x" * payload)
    return folder


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The system's temporary folder as the code sees it: a private one, never the real /tmp."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def test_a_dead_runs_held_folder_is_removed_and_nothing_else(private_tmp):
    here = Owner.this_process()
    never = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1    # no process has this id
    init = Owner(1, _start_time(1), here.boot, here.host, here.pidns)  # a live process of this boot
    made = {
        "gone": _held(private_tmp, "derive-held-gone", replace(here, pid=never), payload=1000),
        "reused": _held(private_tmp, "derive-held-reused", replace(here, start=str(int(here.start) + 1)), payload=7),
        "old boot": _held(private_tmp, "derive-held-oldboot", replace(here, boot="another-boot")),
        "live": _held(private_tmp, "derive-held-live", here, payload=5),
        "live init": _held(private_tmp, "derive-held-init", init),
        "no marker": _held(private_tmp, "derive-held-nomarker", None, payload=9),
        "other host": _held(private_tmp, "derive-held-otherhost", replace(here, pid=never, host="elsewhere")),
        "bad marker": _held(private_tmp, "derive-held-bad", None, marker="derivations held datasets\npid 12\n"),
        "other name": _held(private_tmp, "bench-held-gone", replace(here, pid=never)),
    }
    (private_tmp / "derive-held-file").write_text(replace(here, pid=never).text())   # not a folder
    outside = _held(private_tmp.parent, "derive-held-outside", replace(here, pid=never))
    (private_tmp / "derive-held-link").symlink_to(outside)                           # a link to a dead one
    removed = remove_dead_held_folders()
    assert removed == [
        RemovedFolder(made["gone"], 1000 + len(replace(here, pid=never).text()), replace(here, pid=never)),
        RemovedFolder(made["old boot"], len(replace(here, boot="another-boot").text()),
                      replace(here, boot="another-boot")),
        RemovedFolder(made["reused"], 7 + len(replace(here, start=str(int(here.start) + 1)).text()),
                      replace(here, start=str(int(here.start) + 1))),
    ]
    assert sorted(p.name for p in private_tmp.iterdir()) == [
        "bench-held-gone", "derive-held-bad", "derive-held-file", "derive-held-init", "derive-held-link",
        "derive-held-live", "derive-held-nomarker", "derive-held-otherhost"]
    assert outside.is_dir() and (outside / OWNER_MARKER).is_file()
    assert (made["live"] / "adlb-3.arrow").read_bytes() == b"x" * 5


def test_a_folder_of_another_pid_namespace_is_kept_though_its_pid_is_not_seen_here(private_tmp):
    # two containers sharing /tmp, the user, the host name and the boot cannot see each other's processes:
    # a process id missing here says nothing of a run in another pid namespace, nor of one an older marker
    # (without its namespace) records
    here = Owner.this_process()
    never = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    assert here.pidns == str(Path("/proc/self/ns/pid").stat().st_ino)
    marker = f"derivations held datasets\npid {never}\nstart {here.start}\nboot {here.boot}\nhost {here.host}\n"
    other = _held(private_tmp, "derive-held-otherns", None, payload=11, marker=marker + "pidns 4026532999\n")
    old = _held(private_tmp, "derive-held-oldmarker", None, payload=12, marker=marker)
    ours = _held(private_tmp, "derive-held-ours", None, payload=13, marker=marker + f"pidns {here.pidns}\n")
    dead = Owner(never, here.start, here.boot, here.host, here.pidns)
    assert remove_dead_held_folders() == [RemovedFolder(ours, 13 + len(marker) + len(f"pidns {here.pidns}\n"), dead)]
    assert sorted(p.name for p in private_tmp.iterdir()) == ["derive-held-oldmarker", "derive-held-otherns"]
    assert (other / "adlb-3.arrow").stat().st_size == 11 and (old / "adlb-3.arrow").stat().st_size == 12
    assert Owner.parse(marker) == Owner(never, here.start, here.boot, here.host, None)
    assert Owner.parse(marker + "pidns 4026532999\n").pidns == "4026532999"


def test_a_killed_run_not_yet_reaped_by_its_parent_is_dead(private_tmp):
    here = Owner.this_process()
    child = subprocess.Popen(["true"])   # not waited for: it ends and stays a zombie (state Z) until then
    try:
        for _ in range(500):
            if Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
            time.sleep(0.01)
        zombie = replace(here, pid=child.pid, start=_start_time(child.pid))
        folder = _held(private_tmp, "derive-held-zombie", zombie)
        assert remove_dead_held_folders() == [RemovedFolder(folder, len(zombie.text()), zombie)]
    finally:
        child.wait()


@pytest.mark.parametrize("only", [[], ["--only", "dm"]])
def test_a_run_that_fails_still_tells_on_stderr_the_held_folders_it_removed(private_tmp, tmp_path, capsys, only):
    # a failed run writes no run log: what it removed is told on stderr (a log file, not a terminal, no -q)
    here = Owner.this_process()
    dead = replace(here, pid=int(Path("/proc/sys/kernel/pid_max").read_text()) + 1)
    left = _held(private_tmp, "derive-held-killed", dead, payload=2_000)
    study = make_toy_study(tmp_path / "study", program=PROGRAM.replace(
        "def derive(ctx):\n", "def derive(ctx):\n    raise ValueError('no DM today')\n"))
    code = main(["run", "--study", str(study), "--out", str(tmp_path / "out"), *only])
    err = capsys.readouterr().err.splitlines()
    assert code != 0 and not left.exists() and not (tmp_path / "out" / "run.log").exists()
    assert err[0] == (f"[run] removed the held datasets of a run that ended without removing them: {left}  "
                      f"{2_000 + len(dead.text()):,} bytes (0.00 GiB)  process {dead.pid} on {here.host}")
    assert any("no DM today" in line for line in err[1:])
    left = _held(private_tmp, "derive-held-killed", dead, payload=2_000)
    assert main(["run", "--study", str(study), "--out", str(tmp_path / "out"), "-q", *only]) != 0
    assert "derive-held" not in capsys.readouterr().err and not left.exists()   # -q: nothing said


def test_a_run_marks_its_folder_and_logs_what_it_removed(private_tmp, tmp_path):
    here = Owner.this_process()
    dead = replace(here, pid=int(Path("/proc/sys/kernel/pid_max").read_text()) + 1)
    left = _held(private_tmp, "derive-held-killed", dead, payload=123_456)
    study = Study.load(ROOT)
    study.settings = {**study.settings, "study": {**study.settings["study"], "spill_records": 1000}}
    result = run_study(study, tmp_path / "out", stages=("sdtm",))
    size = 123_456 + len(dead.text())
    assert result.removed == [RemovedFolder(left, size, dead)] and not left.exists()
    log = result.run_log.read_text().splitlines()
    at = log.index("removed      held datasets of runs that ended without removing them (their process is gone)")
    assert log[at + 1] == f"  {left}  {size:,} bytes (0.00 GiB)  process {dead.pid} on {here.host}"
    # this run's own folder records this process, and is left alone by another run while it lives
    folder = result.datasets["sdtm"].held("LB").parts[0].path.parent
    assert folder.parent == private_tmp and Owner.parse((folder / OWNER_MARKER).read_text()) == here
    assert remove_dead_held_folders() == [] and folder.is_dir()
