"""Bad spec workbooks (issue 10): each gives one spec error naming sheet, row and column, before any data is read.

Data-driven: a case is one row of CASES (what is done to a good workbook, and what the
error must say). The workbook is the toy study's spec as write_spec writes it:
Variables rows 2-7 are DM STUDYID, DOMAIN, USUBJID, RFSTDTC, AGE, SEX; columns D Label,
F Length, G Significant Digits, K Codelist, P Method; Datasets row 2 is DM.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from derivations.cli import main
from derivations.findings import SpecError
from derivations.spec import ValueLevelSpec, load_spec, write_spec
from toystudy import make_toy_study, toy_spec


@dataclass(frozen=True)
class Case:
    id: str
    change: Callable  # (workbook) -> None, or (path) -> path for file-level damage
    says: tuple[str, ...]  # regular expressions the error message must match
    file_level: bool = False


def _set(sheet, cell, value):
    return lambda wb: wb[sheet].__setitem__(cell, value)


def _merge(sheet, rng):
    return lambda wb: wb[sheet].merge_cells(rng)


def _append(sheet, row):
    return lambda wb: wb[sheet].append(row)


def _xls(path: Path) -> Path:
    target = path.with_suffix(".xls")
    target.write_bytes(path.read_bytes())
    return target


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _not_a_zip(path: Path) -> Path:
    path.write_text("Dataset,Variable\nDM,USUBJID\n")
    return path


def _no_sheet(name):
    def change(wb):
        del wb[name]
    return change


CASES = [
    Case("formula-in-label", _set("Variables", "D7", "=UPPER(\"sex\")"),
         (r"sheet Variables row 7 column Label \(D7\) holds a formula", r"paste values")),
    Case("formula-in-length", _set("Variables", "F4", "=6*2"), (r"sheet Variables row 4 column Length \(F4\)",)),
    Case("formula-in-dataset-label", _set("Datasets", "B2", "=\"Demo\"&\"graphics\""),
         (r"sheet Datasets row 2 column Label \(B2\) holds a formula",)),
    Case("formula-in-codelist-term", _set("Codelists", "H2", "=\"F\""),
         (r"sheet Codelists row 2 column Term \(H2\) holds a formula",)),
    Case("merged-labels", _merge("Variables", "D2:D3"), (r"sheet Variables cells D2:D3 are merged",)),
    Case("merged-dataset-cells", _merge("Datasets", "B2:C2"), (r"sheet Datasets cells B2:C2 are merged",)),
    Case("length-zero", _set("Variables", "F7", "0"),
         (r"sheet Variables row 7 \(DM\.SEX\) column Length: 0 is not a length",)),
    Case("length-negative", _set("Variables", "F7", "-3"), (r"row 7 \(DM\.SEX\) column Length: -3 is not a length",)),
    Case("length-text", _set("Variables", "F7", "one"), (r"Variables row 7 \(DM\.SEX\) Length: 'one' is not a whole",)),
    Case("length-fraction", _set("Variables", "F7", "1.5"),
         (r"Variables row 7 \(DM\.SEX\) Length: '1\.5' is not a whole",)),
    Case("length-over-200", _set("Variables", "F7", "201"),
         (r"character length must be 1-200.*\(Variables row 7, column Length\)",)),
    Case("order-text", _set("Variables", "A7", "sixth"), (r"Variables row 7 \(DM\.SEX\) Order: 'sixth'",)),
    Case("significant-digits-text", _set("Variables", "G6", "two"), (r"Variables row 6 \(DM\.AGE\): 'two'",)),
    Case("empty-dataset-cell", _set("Variables", "B7", None),
         (r"sheet Variables row 7 column Dataset is empty for variable SEX",)),
    Case("empty-dataset-cell-valuelevel", _append("ValueLevel", ["1", None, "AGE", "AGEU EQ 'YEARS'", "Age"]),
         (r"sheet ValueLevel row 2 column Dataset is empty",)),
    Case("empty-dataset-cell-datasets", _append("Datasets", [None, "Adverse Events", "EVENTS"]),
         (r"sheet Datasets row 3 column Dataset is empty",)),
    Case("variable-name-over-8", _set("Variables", "C7", "SEXATBIRTH"),
         (r"variable name is not a SAS v5 name.*\(Variables row 7, column Variable\)",)),
    Case("variable-name-bad-character", _set("Variables", "C7", "SEX-AT"),
         (r"variable name is not a SAS v5 name.*\(Variables row 7, column Variable\)",)),
    Case("dataset-name-over-8", lambda wb: (wb["Datasets"].__setitem__("A2", "DEMOGRAPHX"),
                                            [wb["Variables"].cell(r, 2, "DEMOGRAPHX") for r in range(2, 8)]),
         (r"dataset name is not a SAS v5 name.*\(Datasets row 2, column Dataset\)",)),
    Case("variable-label-over-40", _set("Variables", "D7", "Sex of the subject as reported on the CRF page"),
         (r"variable label longer than 40 characters \(46\).*\(Variables row 7, column Label\)",)),
    Case("dataset-label-over-40", _set("Datasets", "B2", "Demographics and baseline characteristics dataset"),
         (r"dataset label longer than 40 characters.*\(Datasets row 2, column Label\)",)),
    Case("codelist-missing", _set("Variables", "K7", "SEXX"),
         (r"codelist SEXX is not defined.*\(Variables row 7, column Codelist\)",)),
    Case("method-missing", _set("Variables", "P4", "MT.NOPE"),
         (r"method MT.NOPE is not defined.*\(Variables row 4, column Method\)",)),
    Case("dataset-not-on-datasets-sheet", _set("Variables", "B7", "AE"),
         (r"Variables row 7 \(AE\.SEX\): dataset AE is not on the Datasets sheet",)),
    Case("valuelevel-dataset-unknown", _append("ValueLevel", ["1", "AE", "AGE", "AGEU EQ 'YEARS'", "Age"]),
         (r"sheet ValueLevel row 2 column Dataset: AE is not on the Datasets sheet",)),
    Case("whereclause-bad-comparator", _append("WhereClauses", ["WC.1", "DM", "AGEU", "LIKE", "YEARS"]),
         (r"sheet WhereClauses row 2 column Comparator: 'LIKE' is not one of",)),
    Case("key-not-a-variable", _set("Datasets", "F2", "STUDYID, SUBJID"),
         (r"key variable SUBJID is not a variable of the dataset",)),
    Case("variable-twice", _set("Variables", "C7", "AGE"), (r"variable defined twice.*AGE",)),
    Case("no-variables-sheet", _no_sheet("Variables"), (r"has no sheet 'Variables'",)),
    Case("xls", _xls, (r"is a \.xls file; the spec must be an Excel \.xlsx", r"save it as \.xlsx"), file_level=True),
    Case("truncated-xlsx", _truncate, (r"cannot be read as an \.xlsx workbook: it is truncated or damaged",),
         file_level=True),
    Case("csv-named-xlsx", _not_a_zip, (r"cannot be read as an \.xlsx workbook",), file_level=True),
]


def _bad_spec(tmp_path: Path, case: Case) -> Path:
    path = write_spec(toy_spec(), tmp_path / "spec.xlsx")
    if case.file_level:
        return case.change(path)
    wb = openpyxl.load_workbook(path)
    case.change(wb)
    wb.save(path)
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_spec_gives_one_error_naming_sheet_row_and_column(tmp_path, case):
    path = _bad_spec(tmp_path, case)
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    text = str(exc.value)
    for pattern in case.says:
        assert re.search(pattern, text, re.S), f"{pattern!r} not in:\n{text}"
    assert str(path.name) in text or "spec" in text


@pytest.mark.parametrize("case", [c for c in CASES if c.id in ("formula-in-label", "length-zero", "codelist-missing",
                                                                 "truncated-xlsx", "merged-labels")],
                         ids=lambda c: c.id)
def test_derive_run_stops_on_the_spec_error_before_reading_data(tmp_path, capsys, case):
    study = make_toy_study(tmp_path / "study")
    spec = study / "specs" / "sdtm_spec.xlsx"
    bad = _bad_spec(tmp_path, case)
    spec.write_bytes(bad.read_bytes())
    code = main(["run", "--study", str(study), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code != 0
    assert re.search(case.says[0], err, re.S), err
    assert "USUBJID" not in err.split("sdtm_spec.xlsx", 1)[0]  # no per-record data errors before it
    assert not (tmp_path / "out").exists()


def test_a_value_level_row_the_spec_reads_is_kept(tmp_path):
    spec = toy_spec()
    spec.datasets["DM"].value_level.append(ValueLevelSpec("DM", "AGE", "SEX EQ 'F'", "Age (F)", "integer", 8))
    assert load_spec(write_spec(spec, tmp_path / "s.xlsx")).datasets["DM"].value_level[0].label == "Age (F)"


def test_the_embedded_specs_have_no_formula_or_merged_cell():
    root = Path(__file__).resolve().parents[1]
    for name in ("sdtm_spec.xlsx", "adam_spec.xlsx"):
        with zipfile.ZipFile(root / "specs" / name) as z:
            for member in z.namelist():
                if member.startswith("xl/worksheets/"):
                    xml = z.read(member)
                    assert b"<f>" not in xml and b"mergeCell " not in xml, (name, member)
