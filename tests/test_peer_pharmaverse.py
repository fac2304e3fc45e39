"""The pharmaverse peer study (examples/pharmaverse): ADaM derived from pharmaversesdtm compared with
admiral's pharmaverseadam, RECIST concordance at scale, and bad input. The reference data live in
../shared next to the repository; the tests skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from derivations.findings import FileError
from derivations.io import read_dataset_folder

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference" / "pharmaverse"
STUDY = ROOT / "examples" / "pharmaverse"


def test_sdtm_folder_files_setting(tmp_path):
    """[sdtm] files reads a named dataset from another file under the --sdtm folder."""
    (tmp_path / "old").mkdir()
    pd.DataFrame({"USUBJID": ["1", "2"]}).to_parquet(tmp_path / "dm.parquet")
    pd.DataFrame({"USUBJID": ["1"]}).to_parquet(tmp_path / "old" / "dm.parquet")
    pd.DataFrame({"USUBJID": ["1"], "AESEQ": [1]}).to_parquet(tmp_path / "ae.parquet")
    assert len(read_dataset_folder(tmp_path)["DM"]) == 2
    data = read_dataset_folder(tmp_path, {"DM": "old/dm.parquet"})
    assert len(data["DM"]) == 1 and sorted(data) == ["AE", "DM"]
    with pytest.raises(FileError, match="DM = .old/nope.parquet."):
        read_dataset_folder(tmp_path, {"DM": "old/nope.parquet"})


# ---------------------------------------------------------------- the peer study end to end

needs_ref = pytest.mark.skipif(not (REF / "sdtm" / "dm.parquet").is_file(),
                               reason="pharmaverse reference data (../shared/reference/pharmaverse) not available")


def _compare_module():
    import importlib.util

    import sys

    if "_compare_peer" in sys.modules:
        return sys.modules["_compare_peer"]
    spec = importlib.util.spec_from_file_location("_compare_peer", STUDY / "compare_peer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["_compare_peer"] = module  # dataclasses need their module registered
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory):
    if not (REF / "sdtm" / "dm.parquet").is_file():
        pytest.skip("pharmaverse reference data not available")
    from derivations.pipeline import run_study

    out = tmp_path_factory.mktemp("pharmaverse") / "out"
    result = run_study(STUDY, out, sdtm_dir=REF / "sdtm", stages=["adam"])
    cmp = _compare_module()
    documented = pd.read_csv(STUDY / "differences.csv")
    # values from the run (what the XPT files hold), attributes from the files' headers
    compared = {name: cmp.compare_one(name, out, REF, documented, ours=result.datasets["adam"][name])
                for name in cmp.DATASETS}
    return result, out, compared


# rows (ours = admiral), shared variables besides the keys, their values compared, values unequal (all
# documented): the figures of examples/pharmaverse/README.md and of compare_peer.py's output
EXPECTED = {"ADSL": (306, 54, 16524, 0), "ADAE": (1191, 105, 125055, 0),
            "ADRS": (3694, 77, 284438, 15), "ADTTE": (512, 18, 9216, 0),
            "ADLB": (83652, 113, 9452676, 0), "ADVS": (65032, 103, 6698296, 0), "ADEG": (78756, 106, 8348136, 0),
            "ADEX": (6315, 90, 568350, 0), "ADCM": (7510, 93, 698430, 0), "ADMH": (1818, 112, 203616, 0)}


@needs_ref
@pytest.mark.parametrize("name", list(EXPECTED))
def test_match_with_admiral(peer_run, name):
    result, out, compared = peer_run
    rows, n_vars, n_values, n_unequal = EXPECTED[name]
    r = compared[name]
    s = r.result.summary
    assert s["base_nobs"] == s["compare_nobs"] == s["n_rows_compared"] == rows
    assert s["n_base_only_rows"] == s["n_compare_only_rows"] == 0
    assert not r.result.base_only_vars and not r.result.compare_only_vars
    keys = r.summary["type"] == "key"
    assert r.summary.loc[keys, "variable"].tolist() == _compare_module().DATASETS[name][1]
    assert (~keys).sum() == n_vars  # every other variable of both sides is compared
    assert int(r.summary.loc[~keys, "n_compared"].sum()) == n_values
    assert int(r.summary["n_unequal"].sum()) == n_unequal
    assert r.unexplained.empty, r.unexplained.to_string()
    assert r.result.attribute_differences.empty  # labels as admiral's too
    assert (out / "adam" / f"{name.lower()}.xpt").is_file()


@needs_ref
def test_the_documented_adrs_difference(peer_run):
    _, _, compared = peer_run
    diffs = compared["ADRS"].result.differences
    assert set(diffs["USUBJID"]) == {"01-701-1118"}
    row = diffs[diffs["variable"] == "AVALC"].iloc[0]
    assert (row["base"], row["compare"]) == ("N", "Y")  # CBCP: admiral N although its CBOR is PR
    documented = pd.read_csv(STUDY / "differences.csv")
    assert sorted(documented["variable"]) == sorted(diffs["variable"])
    assert (documented["n"] == 1).all() and documented["explanation"].str.len().min() > 100


@needs_ref
def test_hand_checked_values(peer_run):
    result, _, _ = peer_run
    adsl, adae = result.datasets["adam"]["ADSL"], result.datasets["adam"]["ADAE"]
    adtte = result.datasets["adam"]["ADTTE"]
    s = adsl.set_index("USUBJID")
    # 01-701-1211 died 2013-01-14 of a fatal AE (SUDDEN DEATH); last dose 2013-01-12 -> 2 days
    assert s.loc["01-701-1211", ["DTHCAUS", "DTHDOM", "LDDTHELD", "DTH30FL"]].tolist() == [
        "SUDDEN DEATH", "AE", 2.0, "Y"]
    assert (adsl["SAFFL"] == "Y").sum() == 254 and adsl["EOSSTT"].isna().sum() == 52
    # 01-701-1028: AE on 2013-08-08 during the 81 mg period, which admiral's ex_single lacks:
    # last (54 mg) dose 2013-08-01, no dose at onset
    ae = adae[(adae["USUBJID"] == "01-701-1028") & (adae["AESEQ"] == 2)].iloc[0]
    assert str(ae["LDOSEDTM"].date()) == "2013-08-01" and pd.isna(ae["DOSEON"])
    pfs = adtte[(adtte["USUBJID"] == "01-701-1028") & (adtte["PARAMCD"] == "PFS")].iloc[0]
    assert (pfs["CNSR"], pfs["AVAL"], pfs["EVNTDESC"]) == (0, 43.0, "Disease Progression")  # 07-19 -> 08-30


@needs_ref
def test_hand_checked_bds_values(peer_run):
    result, _, _ = peer_run
    adam = result.datasets["adam"]
    adlb = adam["ADLB"]
    alp = adlb[(adlb["USUBJID"] == "01-705-1186") & (adlb["ASEQ"] == 11)].iloc[0]
    # ALP 672 U/L, ULN 115: 5.84 x ULN is grade 3 in CTCAE v4.03 (> 5.0 - 20.0 x ULN); baseline grade 2
    assert (alp["AVAL"], alp["ANRHI"], alp["ATOXGRH"], alp["BTOXGRH"], alp["SHIFT2"]) == (672.0, 115.0, "3", "2", "2 to 3")
    lym = adlb[(adlb["USUBJID"] == "01-701-1015") & (adlb["PARAMCD"] == "LYMPH") & (adlb["DTYPE"] == "CALCULATION")]
    wbc = adlb[(adlb["USUBJID"] == "01-701-1015") & (adlb["PARAMCD"].isin(["WBC", "LYMPHLE"]))
               & (adlb["VISIT"] == "SCREENING 1") & adlb["DTYPE"].isna()].set_index("PARAMCD")["AVAL"]
    assert round(float(lym["AVAL"].iloc[0]), 6) == round(wbc["WBC"] * wbc["LYMPHLE"], 6)  # 0.289 x 10^9/L
    adeg = adam["ADEG"]
    qt = adeg[(adeg["USUBJID"] == "01-701-1015") & (adeg["VISIT"] == "WEEK 2") & adeg["DTYPE"].isna()
              & (adeg["EGTPT"] == "AFTER LYING DOWN FOR 5 MINUTES")].set_index("PARAMCD")["AVAL"]
    assert (qt["QT"], qt["RR"]) == (449.0, 316.0) and round(qt["QTCFR"], 4) == round(449 / 0.316 ** (1 / 3), 4)
    advs = adam["ADVS"]
    s = advs[(advs["USUBJID"] == "01-701-1015") & (advs["VISIT"] == "BASELINE") & advs["DTYPE"].isna()]
    height = advs[(advs["USUBJID"] == "01-701-1015") & (advs["PARAMCD"] == "HEIGHT")]["AVAL"].iloc[0]
    weight = s.loc[s["PARAMCD"] == "WEIGHT", "AVAL"].iloc[0]
    assert round(s.loc[s["PARAMCD"] == "BMI", "AVAL"].iloc[0], 6) == round(weight / (height / 100) ** 2, 6)
    adex = adam["ADEX"].set_index(["USUBJID", "PARAMCD"])
    # 01-701-1034: 15 days at 54 mg given of 183 planned at 54 mg (the template's adjustments set 0 mg)
    assert adex.loc[("01-701-1034", "TDOSE"), "AVAL"] == 810.0 and adex.loc[("01-701-1034", "TPDOSE"), "AVAL"] == 9882.0
    assert round(adex.loc[("01-701-1034", "TDOSINT"), "AVAL"], 6) == round(810 / 9882 * 100, 6)
    assert adex.loc[("01-701-1034", "TADJAE"), "AVALC"] == "Y"


@needs_ref
def test_recist_concordance_at_scale(peer_run, tmp_path):
    cmp = _compare_module()
    res, dis = cmp.write_concordance(tmp_path, REF)
    assert (res.n_compared, res.n_agree) == (633, 597)
    assert round(res.kappa, 3) == 0.897
    assert len(dis) == 36 and len(res.only_derived) == len(res.only_investigator) == 0
    counts = dis["CATEGORY"].str.split(":").str[0].value_counts().to_dict()
    assert counts == {"progression from the nadir (>= 20% and >= 5 mm above the smallest sum)": 27,
                      "target lesion not measured": 8, "investigator value is not a RECIST response": 1}
    assert (tmp_path / "peer" / "recist_concordance.txt").read_text().count("597/633") == 1


# ---------------------------------------------------------------- bad input


def _sdtm_copy(tmp_path: Path, change=None) -> Path:
    """A copy of the SDTM the study reads (DM from v1.4.0), with ``change(name, frame)`` applied."""
    folder = tmp_path / "sdtm"
    (folder / "v1.4.0").mkdir(parents=True)
    names = ["ae", "ds", "ex", "lb", "rs_onco_recist", "tu_onco_recist"]
    for name in names:
        frame = pd.read_parquet(REF / "sdtm" / f"{name}.parquet")
        frame = change(name, frame) if change else frame
        frame.to_parquet(folder / f"{name}.parquet")
    dm = pd.read_parquet(REF / "sdtm" / "v1.4.0" / "dm.parquet")
    (change("dm", dm) if change else dm).to_parquet(folder / "v1.4.0" / "dm.parquet")
    return folder


#: the programs the bad-input cases run (the oncology set; the BDS programs read other SDTM)
BAD_INPUT_PROGRAMS = ["adsl", "adae", "adrs", "adtte"]


def _oncology_study(tmp_path: Path) -> Path:
    """A copy of the study that runs the oncology programs only (the bad-input cases are about them)."""
    import re
    import shutil

    study = tmp_path / "study"
    if not study.exists():
        shutil.copytree(STUDY, study, ignore=shutil.ignore_patterns("__pycache__"))
        toml = study / "study.toml"
        text = re.sub(r"(?m)^programs = \[.*\]$", f"programs = {BAD_INPUT_PROGRAMS}".replace("'", '"'),
                      toml.read_text(encoding="utf-8"))
        toml.write_text(text, encoding="utf-8")
    return study


def _run(tmp_path, folder, study=None):
    from derivations.pipeline import run_study

    return run_study(study or _oncology_study(tmp_path), tmp_path / "out", sdtm_dir=folder, stages=["adam"])


@needs_ref
def test_bad_subject_missing_from_dm(tmp_path):
    from derivations.findings import DerivationError

    folder = _sdtm_copy(tmp_path, lambda n, f: f[f["USUBJID"] != "01-701-1015"] if n == "dm" else f)
    with pytest.raises(DerivationError, match="not in DM") as err:
        _run(tmp_path, folder)
    assert "01-701-1015" in str(err.value)
    assert not (tmp_path / "out").exists()  # nothing written


@needs_ref
def test_bad_duplicated_aeseq(tmp_path):
    from derivations.findings import DerivationError

    def dup(name, frame):
        if name == "ae":
            frame = frame.copy()
            frame.loc[frame.index[1], "AESEQ"] = frame["AESEQ"].iloc[0]  # 01-701-1015 AESEQ 1 twice
        return frame

    with pytest.raises(DerivationError, match="AESEQ") as err:
        _run(tmp_path, _sdtm_copy(tmp_path, dup))
    assert "01-701-1015" in str(err.value)


@needs_ref
def test_bad_date_not_iso8601(tmp_path):
    def bad(name, frame):
        if name == "ae":
            frame = frame.copy()
            frame["AESTDTC"] = frame["AESTDTC"].astype(object)
            frame.loc[frame.index[0], "AESTDTC"] = "03JAN2014"
        return frame

    from derivations.pipeline import RunFailed

    with pytest.raises(RunFailed) as err:
        _run(tmp_path, _sdtm_copy(tmp_path, bad))
    # the spec validation stops the run naming the value, the variable and the subject ...
    errors = err.value.findings.errors
    assert [(f.check, f.dataset, f.variable, f.usubjid, f.value) for f in errors] == [
        ("iso8601", "ADAE", "AESTDTC", "01-701-1015", "03JAN2014")]
    assert "03JAN2014" in str(err.value)
    # ... and the derivations reported it where they read it (ADSL last known alive, ADAE start)
    hits = [f for f in err.value.findings if f.check == "invalid_dtc"]
    assert len(hits) == 2
    assert {(f.value, f.usubjid, f.variable, f.severity) for f in hits} == {
        ("03JAN2014", "01-701-1015", "AESTDTC", "warning")}
    assert not (tmp_path / "out").exists()


@needs_ref
def test_bad_paramcd_not_in_spec(tmp_path):
    from derivations.pipeline import RunFailed
    from derivations.spec import Codelist, Term, read_spec, write_spec

    study = _oncology_study(tmp_path)
    spec = read_spec(study / "specs" / "adam_spec.xlsx")
    known = ("BCP", "BOR", "CB", "CBCP", "CBOR", "CCB", "CRSP", "DEATH", "LSTA", "MDIS", "OVR", "PD")  # no RSP
    spec.codelists["PARAMCD_RS"] = Codelist("PARAMCD_RS", name="ADRS PARAMCD",
                                            terms=tuple(Term(t) for t in known))
    ds = spec.dataset("ADRS")
    from dataclasses import replace

    ds.variables = [replace(v, codelist="PARAMCD_RS") if v.name == "PARAMCD" else v for v in ds.variables]
    write_spec(spec, study / "specs" / "adam_spec.xlsx")
    with pytest.raises(RunFailed, match="PARAMCD") as err:
        _run(tmp_path, REF / "sdtm", study=study)
    bad = [f for f in err.value.findings.errors if f.variable == "PARAMCD"]
    assert [(f.check, f.value, f.message) for f in bad] == [  # one finding for the 306 records, not 306
        ("codelist", "RSP", "value not in codelist PARAMCD_RS (306 records; the first is shown)")]
