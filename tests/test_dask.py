"""The derivations run unchanged on Dask: by-subject partitions, then the same pandas functions.

How a study would scale past one machine: AE (and SUPPAE) partitioned by USUBJID so
that every subject lies wholly inside one partition, ADSL (one small record per
subject) broadcast to every partition as ``dataset_add``, and the study's own
derivations applied per partition with ``map_partitions``. Each test compares the
Dask result with the plain pandas result on the same input and checks values
worked out by hand on a frame of four subjects:

    subject  TRTSDT      TRTEDT      AESEQ  AESTDTC     AEENDTC     term    grade  TEAE?
    S-01     2021-01-15  2021-03-01  1      2021-01     2021-01-20  NAUSEA  1      Y (start imputed to TRTSDT)
                                     2      2021-01-10  2021-01-12  RASH    2      -  (ended before first dose)
                                     3      2021-02-05  (ongoing)   NAUSEA  3      Y
    S-02     2021-02-01  2021-02-20  1      2021-03-15  2021-03     RASH    2      Y (within TRTEDT + 30 days)
                                     2      2021-04-01  2021-04-03  RASH    3      -  (after TRTEDT + 30 days)
    S-03     2021-01-01  2021-01-31  1      2021-01-05  2021-01-09  NAUSEA  2      Y
                                     2      2021-01-05  2021-01-07  FATIGUE 2      Y
    S-04     (not treated)           1      2021-05-01  2021-05-02  RASH    1      -  (not treated)
"""

from __future__ import annotations

from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from derivations.adam import (
    ImputationRule,
    derive_var_chg,
    derive_var_extreme_flag,
    derive_var_pchg,
    derive_var_trtemfl,
    derive_vars_dt,
    derive_vars_dtm,
    derive_vars_duration,
    derive_vars_dy,
    derive_vars_merged,
)
from derivations.study import RunContext, Study

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["STUDYID", "USUBJID"]
NPART = 3


# ----------------------------------------------------------------------------- hand-made study data


def _ae() -> pd.DataFrame:
    rows = [  # USUBJID, AESEQ, AESTDTC, AEENDTC, AEDECOD, AETOXGR, AEREL
        ("S-01", 1, "2021-01", "2021-01-20", "NAUSEA", "1", "RELATED"),
        ("S-01", 2, "2021-01-10", "2021-01-12", "RASH", "2", "NOT RELATED"),
        ("S-01", 3, "2021-02-05T08:30", "", "NAUSEA", "3", "NOT RELATED"),
        ("S-02", 1, "2021-03-15", "2021-03", "RASH", "2", "NOT RELATED"),
        ("S-02", 2, "2021-04-01", "2021-04-03", "RASH", "3", "RELATED"),
        ("S-03", 1, "2021-01-05", "2021-01-09", "NAUSEA", "2", "NOT RELATED"),
        ("S-03", 2, "2021-01-05", "2021-01-07", "FATIGUE", "2", "NOT RELATED"),
        ("S-04", 1, "2021-05-01", "2021-05-02", "RASH", "1", "NOT RELATED"),
    ]
    ae = pd.DataFrame(rows, columns=["USUBJID", "AESEQ", "AESTDTC", "AEENDTC", "AEDECOD", "AETOXGR", "AEREL"])
    ae.insert(0, "STUDYID", "S")
    ae.insert(1, "DOMAIN", "AE")
    ae["AETERM"] = ae["AEDECOD"].str.lower()
    return ae.iloc[[7, 2, 4, 0, 6, 1, 5, 3]].reset_index(drop=True)  # not sorted: order must not matter


def _suppae(ae: pd.DataFrame) -> pd.DataFrame:
    """AERELANL / AERELPD1 per AE record; S-03 AESEQ 2 is related to the PD-1 inhibitor only."""
    related_pd1 = (ae["USUBJID"] == "S-03") & (ae["AESEQ"] == 2)
    parts = []
    for qnam, qval in (("AERELANL", ae["AEREL"]), ("AERELPD1", np.where(related_pd1, "RELATED", "NOT RELATED"))):
        parts.append(pd.DataFrame({"STUDYID": "S", "RDOMAIN": "AE", "USUBJID": ae["USUBJID"], "IDVAR": "AESEQ",
                                   "IDVARVAL": ae["AESEQ"].astype(str), "QNAM": qnam, "QLABEL": qnam,
                                   "QVAL": qval, "QORIG": "CRF", "QEVAL": ""}))
    return pd.concat(parts, ignore_index=True)


def _adsl() -> pd.DataFrame:
    dt = lambda *v: pd.to_datetime(pd.Series(v))  # noqa: E731
    return pd.DataFrame({
        "STUDYID": "S", "USUBJID": ["S-01", "S-02", "S-03", "S-04"], "SUBJID": ["01", "02", "03", "04"],
        "SITEID": "1", "TRT01A": ["A+P", "A+P", "A+P", ""], "SAFFL": ["Y", "Y", "Y", "N"],
        "TRTSDT": dt("2021-01-15", "2021-02-01", "2021-01-01", None),
        "TRTEDT": dt("2021-03-01", "2021-02-20", "2021-01-31", None),
        "DTHDT": dt(None, None, "2021-06-01", None),
        "DCUTDT": dt("2022-07-03", "2022-07-03", "2022-07-03", "2022-07-03"),
    })


def _by_subject(frame: pd.DataFrame, divisions=None) -> dd.DataFrame:
    """Dask frame indexed (and sorted) on USUBJID: a subject never straddles two partitions."""
    indexed = frame.set_index("USUBJID", drop=False).rename_axis("_SUBJ")
    if divisions is None:
        return dd.from_pandas(indexed, npartitions=NPART, sort=True)
    return dd.from_pandas(indexed, npartitions=1, sort=True).repartition(divisions=divisions)


def _subjects_per_partition(ddf: dd.DataFrame) -> list[list[str]]:
    return [sorted(ddf.get_partition(i)["USUBJID"].compute().unique()) for i in range(ddf.npartitions)]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["USUBJID", "AESEQ"], kind="mergesort").reset_index(drop=True)


# ----------------------------------------------------------------------------- (a) the study's ADAE program


@pytest.fixture(scope="module")
def study_adae():
    """The study's adam/adae.py derive(ctx), as a function of one subject partition."""
    study = Study.load(ROOT)
    derive = study.load_program("adam", "adae")
    spec = RunContext(study=study).spec("adam")  # read once, shared by every partition

    def run(ae: pd.DataFrame, suppae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
        ctx = RunContext(study=study)
        ctx._specs["adam"] = spec
        ctx.sdtm.update(AE=ae.reset_index(drop=True), SUPPAE=suppae.reset_index(drop=True))
        ctx.adam["ADSL"] = adsl
        return derive(ctx)["ADAE"]

    return run


def test_partitions_hold_whole_subjects():
    ae = _by_subject(_ae())
    supp = _by_subject(_suppae(_ae()), divisions=ae.divisions)
    assert ae.npartitions == NPART and supp.npartitions == NPART
    parts = _subjects_per_partition(ae)
    assert sum(len(p) for p in parts) == 4  # each of the 4 subjects in exactly one partition
    assert sorted(s for p in parts for s in p) == ["S-01", "S-02", "S-03", "S-04"]
    assert _subjects_per_partition(supp) == parts  # SUPPAE co-partitioned with AE


def test_study_adae_program_on_dask_equals_pandas(study_adae):
    ae, supp, adsl = _ae(), _suppae(_ae()), _adsl()
    expected = _sorted(study_adae(ae, supp, adsl))

    ae_dd = _by_subject(ae)
    supp_dd = _by_subject(supp, divisions=ae_dd.divisions)
    # the output schema (SUPPAE's QNAMs become columns) from one partition, computed eagerly
    meta = study_adae(ae_dd.get_partition(0).compute(), supp_dd.get_partition(0).compute(), adsl).iloc[:0]
    got = ae_dd.map_partitions(study_adae, supp_dd, adsl, meta=meta)
    assert got.npartitions == NPART
    result = _sorted(got.compute(scheduler="threads"))

    pdt.assert_frame_equal(result, expected, check_dtype=False)
    assert list(result.columns) == list(expected.columns)
    # values worked out by hand (see the module docstring)
    keys = list(zip(result["USUBJID"], result["AESEQ"]))
    flagged = lambda var: [k for k, v in zip(keys, result[var]) if v == "Y"]  # noqa: E731
    assert flagged("TRTEMFL") == [("S-01", 1), ("S-01", 3), ("S-02", 1), ("S-03", 1), ("S-03", 2)]
    assert flagged("AOCCFL") == [("S-01", 1), ("S-02", 1), ("S-03", 1)]
    assert flagged("AOCCPFL") == [("S-01", 1), ("S-02", 1), ("S-03", 1), ("S-03", 2)]
    assert flagged("AOCCIFL") == [("S-01", 3), ("S-02", 1), ("S-03", 1)]  # worst grade; S-03 tie -> AESEQ 1
    assert flagged("AOCCPIFL") == [("S-01", 3), ("S-02", 1), ("S-03", 1), ("S-03", 2)]
    assert flagged("AREL") == []  # AREL is RELATED / NOT RELATED, never Y
    assert result.loc[result["AREL"] == "RELATED", "USUBJID"].tolist() == ["S-01", "S-02", "S-03"]
    row = result.set_index(["USUBJID", "AESEQ"])
    assert row.loc[("S-01", 1), "ASTDT"] == pd.Timestamp("2021-01-15")  # "2021-01" -> not before TRTSDT
    assert row.loc[("S-01", 1), "ASTDTF"] == "D"
    assert row.loc[("S-01", 1), "ADURN"] == 6  # 15..20 Jan
    assert row.loc[("S-02", 1), "AENDT"] == pd.Timestamp("2021-03-31")  # "2021-03" -> last day
    assert row.loc[("S-02", 1), "ASTDY"] == 43  # 1 Feb -> 15 Mar
    assert row.loc[("S-01", 2), "ASTDY"] == -5  # 5 days before first dose, no day 0
    assert pd.isna(row.loc[("S-01", 3), "AENDT"]) and pd.isna(row.loc[("S-01", 3), "ADURN"])


# ----------------------------------------------------------------------------- (a) framework calls, shuffled

ASTDT_RULE = ImputationRule(highest="M", date="first", min_dates=("TRTSDT",))
AENDT_RULE = ImputationRule(highest="M", date="last", max_dates=("DTHDT", "DCUTDT"))


def adae_steps(ae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """The framework calls of the study's ADAE program, ASTDTM added (derive_vars_dtm)."""
    out = derive_vars_merged(ae, dataset_add=adsl, by_vars=KEYS,
                             new_vars=["TRTSDT", "TRTEDT", "DTHDT", "DCUTDT"])
    out = derive_vars_dt(out, dtc="AESTDTC", new_vars_prefix="AST", rule=ASTDT_RULE)
    out = derive_vars_dt(out, dtc="AEENDTC", new_vars_prefix="AEN", rule=AENDT_RULE)
    out = derive_vars_dtm(out, dtc="AESTDTC", new_vars_prefix="AST", highest_imputation="M",
                          flag_imputation="time")
    out = derive_vars_dy(out, reference_date="TRTSDT", source_vars=["ASTDT", "AENDT"])
    out = derive_vars_duration(out, new_var="ADURN", start_date="ASTDT", end_date="AENDT")
    out = derive_var_trtemfl(out, end_window=30)
    out["ATOXGRN"] = pd.to_numeric(out["AETOXGR"]).astype("Int64")
    return derive_var_extreme_flag(out, by_vars=KEYS, order=["-ATOXGRN", "ASTDT", "AESEQ"], new_var="AOCCIFL",
                                   mode="first", filter="TRTEMFL == 'Y'")


def test_framework_calls_on_hash_partitioned_dask_equal_pandas():
    ae, adsl = _ae(), _adsl()
    expected = _sorted(adae_steps(ae, adsl))
    # hash-partitioned on USUBJID, as a cluster would after reading AE files in any order
    ae_dd = dd.from_pandas(ae, npartitions=2).shuffle(on="USUBJID", npartitions=NPART)
    parts = _subjects_per_partition(ae_dd)
    assert sorted(s for p in parts for s in p) == ["S-01", "S-02", "S-03", "S-04"]  # no subject split
    got = ae_dd.map_partitions(adae_steps, adsl, meta=adae_steps(ae.iloc[:0], adsl))
    result = _sorted(got.compute(scheduler="threads"))

    pdt.assert_frame_equal(result, expected, check_dtype=False)
    row = result.set_index(["USUBJID", "AESEQ"])
    assert row.loc[("S-01", 3), "ASTDTM"] == pd.Timestamp("2021-02-05 08:30:00")
    assert row.loc[("S-01", 3), "ASTTMF"] == "S"
    assert row.loc[("S-01", 1), "ASTTMF"] == "H"
    assert row.loc[("S-03", 1), "AENDT"] == pd.Timestamp("2021-01-09")  # complete: DTHDT bound not used
    assert int((result["TRTEMFL"] == "Y").sum()) == 5
    assert result.loc[result["AOCCIFL"] == "Y", ["USUBJID", "AESEQ"]].values.tolist() == [
        ["S-01", 3], ["S-02", 1], ["S-03", 1]]


def test_a_subject_split_across_partitions_gives_a_different_answer():
    """Why partitioning by subject matters: split S-01 and its first-occurrence flag is set twice."""
    ae, adsl = _ae(), _adsl()
    ordered = _sorted(ae)  # S-01 AESEQ 1-3 are rows 0-2
    split = dd.from_pandas(ordered, npartitions=1).repartition(divisions=[0, 2, len(ordered) - 1])
    got = split.map_partitions(adae_steps, adsl, meta=adae_steps(ae.iloc[:0], adsl)).compute(scheduler="threads")
    s01 = got.loc[(got["USUBJID"] == "S-01") & (got["AOCCIFL"] == "Y"), "AESEQ"].tolist()
    assert sorted(s01) == [1, 3]  # wrong: one per partition; by subject it is [3] only


# ----------------------------------------------------------------------------- (b) directly on a Dask frame


def test_column_wise_derivations_take_a_dask_frame_directly():
    """derive_vars_dy / derive_vars_duration use only column arithmetic that Dask shares: lazy, same result."""
    frame = derive_vars_dt(derive_vars_merged(_ae(), dataset_add=_adsl(), by_vars=KEYS, new_vars=["TRTSDT"]),
                           dtc="AESTDTC", new_vars_prefix="AST", rule=ASTDT_RULE)
    frame = derive_vars_dt(frame, dtc="AEENDTC", new_vars_prefix="AEN", highest_imputation="M", date_imputation="last")
    ddf = dd.from_pandas(frame, npartitions=NPART)

    lazy = derive_vars_duration(derive_vars_dy(ddf, reference_date="TRTSDT", source_vars=["ASTDT"]),
                                new_var="ADURN", start_date="ASTDT", end_date="AENDT")
    assert isinstance(lazy, dd.DataFrame)  # nothing computed yet
    expected = derive_vars_duration(derive_vars_dy(frame, reference_date="TRTSDT", source_vars=["ASTDT"]),
                                    new_var="ADURN", start_date="ASTDT", end_date="AENDT")
    result = lazy.compute(scheduler="threads")
    # only the new columns: Dask read the text columns as string[pyarrow] (ASTDTF None -> <NA>)
    new = ["USUBJID", "AESEQ", "ASTDY", "ADURN"]
    pdt.assert_frame_equal(_sorted(result)[new], _sorted(expected)[new], check_dtype=False)
    got = _sorted(result).set_index(["USUBJID", "AESEQ"])
    assert got.loc[("S-02", 1), "ASTDY"] == 43 and got.loc[("S-02", 1), "ADURN"] == 17.0  # 15..31 Mar
    assert got.loc[("S-01", 2), "ASTDY"] == -5 and got.loc[("S-01", 2), "ADURN"] == 3.0
    assert pd.isna(got.loc[("S-04", 1), "ASTDY"])  # not treated: no reference date


def test_change_from_baseline_takes_a_dask_frame_directly():
    advs = pd.DataFrame({"USUBJID": ["S-01", "S-01", "S-02", "S-02"], "AVAL": [120.0, 132.0, 0.0, 5.0],
                         "BASE": [120.0, 120.0, 0.0, 0.0]})
    lazy = derive_var_pchg(derive_var_chg(dd.from_pandas(advs, npartitions=2)))
    assert isinstance(lazy, dd.DataFrame)
    result = lazy.compute(scheduler="threads")
    assert result["CHG"].tolist() == [0.0, 12.0, 0.0, 5.0]
    assert result["PCHG"].iloc[:2].tolist() == [0.0, 10.0] and result["PCHG"].iloc[2:].isna().all()  # BASE 0


def test_by_group_derivations_do_not_take_a_dask_frame():
    """Sorting within groups (extreme flags) needs the partition-local route; calling it on Dask fails loudly."""
    frame = adae_steps(_ae(), _adsl()).drop(columns="AOCCIFL")
    with pytest.raises(NotImplementedError, match="has any rows"):  # Dask refuses the eager emptiness check
        derive_var_extreme_flag(dd.from_pandas(frame, npartitions=2), by_vars=KEYS, order=["ASTDT", "AESEQ"],
                                new_var="AOCCFL", filter="TRTEMFL == 'Y'")

