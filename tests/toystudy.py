"""A tiny study folder built in a temp dir, for pipeline and validation tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from derivations.spec import Codelist, DatasetSpec, Spec, Term, VariableSpec, write_spec


def toy_spec() -> Spec:
    dm = DatasetSpec(
        "DM", label="Demographics", cls="SPECIAL PURPOSE", keys=["STUDYID", "USUBJID"],
        variables=[
            VariableSpec("DM", "STUDYID", "Study Identifier", length=8, mandatory=True, order=1),
            VariableSpec("DM", "DOMAIN", "Domain Abbreviation", length=2, mandatory=True, order=2),
            VariableSpec("DM", "USUBJID", "Unique Subject Identifier", length=12, mandatory=True, order=3),
            VariableSpec("DM", "RFSTDTC", "Subject Reference Start Date/Time", "datetime", length=10, order=4),
            VariableSpec("DM", "AGE", "Age", "integer", length=8, order=5),
            VariableSpec("DM", "SEX", "Sex", length=1, codelist="SEX", mandatory=True, order=6),
        ],
    )
    return Spec(
        study={"StudyName": "TOY", "StandardName": "SDTMIG", "StandardVersion": "3.4"},
        datasets={"DM": dm},
        codelists={"SEX": Codelist("SEX", "Sex", nci_code="C66731",
                                   terms=(Term("F", "Female", "C16576", 1), Term("M", "Male", "C20197", 2)))},
    )


PROGRAM = '''
import pandas as pd

def derive(ctx):
    raw = ctx.raw("dm", columns=["SUBJID", "RFSTDAT", "AGE", "SEX"])
    dm = pd.DataFrame({
        "STUDYID": "TOY",
        "DOMAIN": "DM",
        "USUBJID": "TOY-" + raw["SUBJID"],
        "RFSTDTC": raw["RFSTDAT"],
        "AGE": pd.to_numeric(raw["AGE"]),
        "SEX": raw["SEX"].str.upper().str[0],
    })
    return {"DM": dm}
'''


def make_toy_study(root: Path, rows: list[dict] | None = None, program: str = PROGRAM) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "specs").mkdir(exist_ok=True)
    (root / "sdtm").mkdir(exist_ok=True)
    (root / "raw").mkdir(exist_ok=True)
    write_spec(toy_spec(), root / "specs" / "sdtm_spec.xlsx")
    (root / "study.toml").write_text(textwrap.dedent('''
        [study]
        studyid = "TOY"
        created = "2022-07-04T00:00:00"
        [sdtm]
        spec = "specs/sdtm_spec.xlsx"
        programs = ["dm"]
    '''))
    (root / "sdtm" / "dm.py").write_text(program)
    rows = rows if rows is not None else [
        {"SUBJID": "001", "RFSTDAT": "2021-03-01", "AGE": "61", "SEX": "male"},
        {"SUBJID": "002", "RFSTDAT": "2021-04-15", "AGE": "57", "SEX": "F"},
    ]
    cols = list(rows[0])
    lines = [",".join(cols)] + [",".join(r[c] for c in cols) for r in rows]
    (root / "raw" / "dm.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
