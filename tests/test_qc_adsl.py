"""Double programming: the independent QC ADSL (qc/adsl_qc.py) against production ADSL.

The session's one run of the embedded study (conftest ``embedded_sdtm_adam``) gives production adsl.xpt,
read back with derivations.io.read_dataset; the QC ADSL is built from the written SDTM XPT
files, and both are compared with derivations.compare.compare_datasets variable by variable
(``derive qc`` compares the whole dataset: tests/test_qc_stage.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from derivations.compare import compare_datasets
from derivations.io import read_dataset
from derivations.study import Study

ROOT = Path(__file__).resolve().parents[1]
STUDY = Study.load(ROOT)
_qc = STUDY.program("qc", "adsl_qc").module   # qc/ is a stage package of the study
DATE_VARIABLES, KEYS, QC_VARIABLES, derive_adsl_qc = (
    _qc.DATE_VARIABLES, _qc.KEYS, _qc.QC_VARIABLES, _qc.derive_adsl_qc)

# variables whose production value is known to disagree with the spec method:
# {variable: reason}; each is checked with pytest.xfail(strict=True)
KNOWN_PRODUCTION_DISCREPANCIES: dict[str, str] = {}


@pytest.fixture(scope="module")
def run_dir(embedded_sdtm_adam) -> Path:
    return embedded_sdtm_adam.out_dir  # the session's run (tests/conftest.py): read-only


@pytest.fixture(scope="module")
def production(run_dir):
    return read_dataset(run_dir / "adam" / "adsl.xpt")


@pytest.fixture(scope="module")
def qc(run_dir) -> pd.DataFrame:
    sdtm = {}
    for path in sorted((run_dir / "sdtm").glob("*.xpt")):
        df, _ = read_dataset(path)
        sdtm[path.stem.upper()] = df
    adsl = derive_adsl_qc(sdtm, STUDY.settings)
    # production XPT dates come back as datetime64: put the QC dates on the same footing
    for var in DATE_VARIABLES:
        adsl[var] = pd.to_datetime(adsl[var])
    return adsl


def test_qc_covers_every_spec_variable(production):
    prod, _ = production
    assert list(prod.columns) == QC_VARIABLES


def test_same_subjects(production, qc):
    prod, _ = production
    result = compare_datasets(prod[KEYS], qc[KEYS], by_vars=KEYS)
    assert len(qc) == len(prod) == 29
    assert result.summary["n_base_only_rows"] == 0 and result.summary["n_compare_only_rows"] == 0, \
        result.report_text()


@pytest.mark.parametrize("variable", [v for v in QC_VARIABLES if v not in KEYS])
def test_variable_matches_production(production, qc, variable):
    prod, _ = production
    result = compare_datasets(prod[KEYS + [variable]], qc[KEYS + [variable]], by_vars=KEYS,
                              max_listed=None)
    if variable in KNOWN_PRODUCTION_DISCREPANCIES:
        if not result.equal:
            pytest.xfail(KNOWN_PRODUCTION_DISCREPANCIES[variable])
        # strict: the discrepancy disappeared -> this must be noticed and the entry removed
        pytest.fail(f"{variable}: listed as a known production discrepancy but now equal; "
                    "remove it from KNOWN_PRODUCTION_DISCREPANCIES")
    if not result.equal:
        print(result.report_text())
    assert result.equal, f"{variable}: production and QC differ\n{result.report_text()}"


def test_whole_dataset_compare(production, qc):
    """One PROC COMPARE-style run over all variables (known discrepancies excluded)."""
    prod, _ = production
    keep = [v for v in QC_VARIABLES if v not in KNOWN_PRODUCTION_DISCREPANCIES]
    result = compare_datasets(prod[keep], qc[keep], by_vars=KEYS)
    if not result.equal:
        print(result.report_text())
    assert result.equal
    assert result.summary["n_values_unequal"] == 0


def test_qc_hand_checked_values(qc):
    """A few QC values checked by hand against the SDTM listing (so the QC itself is tested)."""
    row = qc.set_index("USUBJID")
    s1 = row.loc["NCT04984096-001"]
    assert s1["TRTSDT"] == pd.Timestamp("2021-07-27") and s1["TRTEDT"] == pd.Timestamp("2021-09-08")
    assert s1["TRTDURD"] == 44  # 27 Jul -> 8 Sep inclusive
    assert s1["METSITEN"] == 3 and s1["AGEGR1"] == "<65" and s1["LINE"] == "2nd line"
    assert s1["DTHCAUS"] == "DISEASE PROGRESSION" and s1["EOTSTT"] == "DISCONTINUED"
    assert row.loc["NCT04984096-002", "NACTDT"] == pd.Timestamp("2021-05-11")
    assert row.loc["NCT04984096-002", "METSITEN"] == 0
    assert row.loc["NCT04984096-014", "EOTSTT"] == "ONGOING"
    assert (qc["DCUTDT"] == pd.Timestamp("2022-07-03")).all()
    assert (qc["LSTALVDT"] <= pd.Timestamp("2022-07-03")).all()
    assert (qc["SAFFL"] == "Y").sum() == 29


def test_qc_death_date_imputation_rule():
    """MT.DTHDT: day -> 1st, month -> January, moved up to TRTSDT when inside the period."""
    dtc = pd.Series(["2021-11-01", "2021-08", "2021", "2021-08", ""])
    trtsdt = pd.Series(pd.to_datetime(["2021-01-05", "2021-08-20", "2021-03-02", "2021-05-01", "2021-01-01"]))
    date, flag = _qc._impute_first(dtc, trtsdt)
    assert date.iloc[:4].dt.strftime("%Y-%m-%d").tolist() == ["2021-11-01", "2021-08-20", "2021-03-02",
                                                             "2021-08-01"]
    assert pd.isna(date.iloc[4])
    assert flag.tolist() == ["", "D", "M", "D", ""]


def test_compare_detects_a_changed_qc_value(production, qc):
    """Guard: the compare used above really sees a one-day date shift and a flag change."""
    prod, _ = production
    bad = qc.copy()
    bad.loc[0, "TRTEDT"] = bad.loc[0, "TRTEDT"] + pd.Timedelta(days=1)
    bad.loc[1, "EFFFL"] = "N" if bad.loc[1, "EFFFL"] == "Y" else "Y"
    result = compare_datasets(prod, bad, by_vars=KEYS)
    assert not result.equal
    assert result.summary["n_values_unequal"] == 2
