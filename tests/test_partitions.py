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
        pd.testing.assert_frame_equal(adlb, whole.datasets["adam"].held("ADLB"))
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


def test_the_run_holds_lb_and_adlb_text_as_one_string_per_value(runs):
    expected = {("LB", "LBTESTCD"): ("str", 20), ("ADLB", "PARAMCD"): ("str", 21), ("ADLB", "USUBJID"): ("str", 29),
                ("ADLB", "AVISIT"): ("object", 17), ("ADLB", "ANRIND"): ("object", 3)}
    for (name, column), (dtype, values) in expected.items():
        for run in runs.values():
            col = run.datasets["sdtm" if name == "LB" else "adam"].held(name)[column]  # as the run holds it
            assert str(col.dtype) == dtype and (dtype == "object" or col.dtype.storage == "python"), (name, column)
            texts = [v for v in col.to_numpy(dtype=object) if isinstance(v, str)]
            assert len(set(texts)) == values, (name, column, sorted(set(texts)))
            # one object per value, or one per value and partition (the partitions' results are concatenated)
            per_value = 3 if run is runs["partitioned"] and name == "ADLB" and dtype == "str" else 1
            assert len({id(v) for v in texts}) <= values * per_value, (name, column)
            assert len({id(v) for v in texts}) >= values, (name, column)


def test_a_program_reads_its_inputs_arrow_stored_as_programs_return_them(runs):
    lb = runs["whole"].datasets["sdtm"].held("LB")
    seen = {}

    def derive(ctx):
        seen["LB"] = ctx.sdtm["LB"]
        return {"ADLB": ctx.sdtm["LB"][["USUBJID"]]}

    from derivations.pipeline import _inputs_expanded
    from derivations.program import Program

    program = Program("adam", "adlb", reads=("LB",), writes=("ADLB",), derive=derive)
    ctx = RunContext(study=Study.load(ROOT))
    ctx.sdtm["LB"] = lb
    derive(_inputs_expanded(ctx, program).for_program(program))
    assert lb["LBTESTCD"].dtype.storage == "python" and seen["LB"]["LBTESTCD"].dtype.storage == "pyarrow"
    pd.testing.assert_frame_equal(seen["LB"].astype(object), lb.astype(object))
    assert ctx.sdtm["LB"] is lb                                    # the held dataset is not replaced


def test_the_writers_give_the_same_bytes_for_held_and_expanded_datasets(runs, tmp_path):
    from derivations.datasetjson import write_dataset_json
    from derivations.pipeline import write_stage
    from derivations.shaping import expand_frame
    from derivations.spec import read_spec

    run, study = runs["whole"], Study.load(ROOT)
    held = {name: run.datasets["adam"].held(name) for name in run.datasets["adam"]}
    assert held["ADLB"]["PARAMCD"].dtype.storage == "python"
    assert run.datasets["adam"]["ADLB"]["PARAMCD"].dtype.storage == "pyarrow"  # RunResult: as programs see them
    expanded = {name: expand_frame(frame) for name, frame in held.items()}
    assert expanded["ADLB"]["PARAMCD"].dtype.storage == "pyarrow"
    files = write_stage(expanded, read_spec(study.spec_path("adam")), tmp_path, study.created)
    assert {f.name for f in files} >= {"adlb.xpt", "adsl.xpt"}
    for f in files:
        assert f.read_bytes() == (run.out_dir / "adam" / f.name).read_bytes(), f.name
    written = [write_dataset_json(frame, tmp_path / f"{kind}.json", name="ADLB", label="Laboratory Analysis",
                                  creation_datetime="2022-07-04T00:00:00").read_bytes()
               for kind, frame in (("held", held["ADLB"]), ("expanded", expanded["ADLB"]))]
    assert written[0] == written[1] and len(written[0]) > 1_000_000
