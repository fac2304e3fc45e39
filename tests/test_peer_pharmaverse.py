"""The pharmaverse peer study (examples/pharmaverse): ADaM derived from pharmaversesdtm compared with
admiral's pharmaverseadam, RECIST concordance at scale, and bad input. The reference data live in
../shared next to the repository; the tests skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from derivations.pipeline import read_dataset_folder

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
    with pytest.raises(FileNotFoundError, match="DM = 'old/nope.parquet'"):
        read_dataset_folder(tmp_path, {"DM": "old/nope.parquet"})
