"""ADLB derived per subject partition on Dask inside `derive run` ([adam] partitions) equals ADLB derived whole.

The embedded study's study.toml derives ADLB in 3 subject partitions; a run without the setting derives it in
one piece. Every file of the ADaM folder (XPT, Dataset-JSON, define.xml) and the findings are the same bytes.
"""

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from derivations.findings import DerivationError
from derivations.partition import compute_subject_partitions, derive_partitioned
from derivations.pipeline import finalize_dataset, run_study
from derivations.settings import SettingsError, check_settings
from derivations.study import RunContext, Study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("partitions")
    partitioned = Study.load(ROOT)
    assert partitioned.settings["adam"]["partitions"] == {"adlb": 3}
    whole = Study.load(ROOT)
    whole.settings = {**whole.settings, "adam": {k: v for k, v in whole.settings["adam"].items() if k != "partitions"}}
    return {name: run_study(study, base / name, stages=("sdtm", "adam"))
            for name, study in (("whole", whole), ("partitioned", partitioned))}


def test_partitioned_adam_folder_is_the_whole_one_byte_for_byte(runs):
    folders = {name: run.out_dir / "adam" for name, run in runs.items()}
    files = sorted(p.name for p in folders["whole"].iterdir())
    assert sorted(p.name for p in folders["partitioned"].iterdir()) == files
    assert {"adlb.xpt", "adlb.json", "define.xml"} <= set(files)
    for name in files:
        assert (folders["partitioned"] / name).read_bytes() == (folders["whole"] / name).read_bytes(), name
    assert [(runs["partitioned"].out_dir / f).read_bytes() for f in ("findings.csv", "findings.txt")] == \
           [(runs["whole"].out_dir / f).read_bytes() for f in ("findings.csv", "findings.txt")]
    assert len(runs["whole"].datasets["adam"]["ADLB"]) == 5172 + 249  # LB records and one CACORR per sample


def test_threads_and_more_partitions_give_the_same_adlb(runs):
    whole = runs["whole"]
    study = Study.load(ROOT)
    ctx = RunContext(study=study)
    ctx.sdtm["LB"] = whole.datasets["sdtm"]["LB"]
    ctx.adam["ADSL"] = whole.datasets["adam"]["ADSL"]
    program = study.program("adam", "adlb")
    for n, scheduler in ((7, "threads"), (29, "synchronous"), (100, "threads")):
        result, findings = derive_partitioned(ctx, program, n, scheduler=scheduler)
        adlb = finalize_dataset(result["ADLB"], ctx.spec("adam"), "ADLB")
        pd.testing.assert_frame_equal(adlb, whole.datasets["adam"]["ADLB"])
        assert len(findings) == 0


def test_every_record_of_a_subject_is_in_one_partition():
    lb = pd.DataFrame({"USUBJID": ["S2", "S1", "S3", "S2", "S5", "S4", "S1"]})
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4", "S5", "S6"]})
    (lb_parts, adsl_parts) = compute_subject_partitions([lb, adsl], n=3)
    # 6 subjects in 3 runs of 2 consecutive subjects: S1-S2, S3-S4, S5-S6
    assert [rows.tolist() for rows in lb_parts] == [[0, 1, 3, 6], [2, 5], [4]]
    assert [rows.tolist() for rows in adsl_parts] == [[0, 1], [2, 3], [4, 5]]
    # more partitions than subjects: one subject each
    assert [len(p) for p in compute_subject_partitions([adsl], n=10)[0]] == [1] * 6
    with pytest.raises(DerivationError, match="record 2 has no USUBJID"):
        compute_subject_partitions([pd.DataFrame({"USUBJID": ["S1", None]})], n=2)


def test_partition_settings_are_checked():
    base = {"study": {"studyid": "X"}}
    assert check_settings({**base, "adam": {"programs": ["adlb"], "partitions": {"adlb": 4},
                                            "partition_scheduler": "threads"}})
    with pytest.raises(SettingsError, match=r"partitions names 'adlbb', which is not one of the \[adam\] programs "
                                            r"\(did you mean 'adlb'\?\)"):
        check_settings({**base, "adam": {"programs": ["adsl", "adlb"], "partitions": {"adlbb": 4}}})
    with pytest.raises(SettingsError, match=r"partitions must be a table .*each value a whole number"):
        check_settings({**base, "adam": {"partitions": {"adlb": 0}}})
    with pytest.raises(SettingsError, match=r"partition_scheduler = 'thread' is not one of .*did you mean 'threads'"):
        check_settings({**base, "adam": {"partition_scheduler": "thread"}})


def test_a_program_without_subject_data_cannot_be_partitioned(runs):
    study = Study.load(ROOT)
    ctx = RunContext(study=study)
    ctx.sdtm["TS"] = runs["whole"].datasets["sdtm"]["TS"]
    program = dataclasses.replace(study.program("adam", "adlb"), reads=("TS",))
    with pytest.raises(DerivationError, match="reads no dataset with USUBJID: it cannot run per subject partition"):
        derive_partitioned(ctx, program, 2)
