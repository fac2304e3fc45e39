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

READS = ()
WRITES = ("DM",)
RAW = ("dm",)


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


def make_toy_study(root: Path, rows: list[dict] | None = None, program: str = PROGRAM, *,
                   programs: dict[str, str] | None = None, order: dict[str, list[str]] | None = None,
                   settings: str = "") -> Path:
    """A toy study in ``root``: spec with DM, ``raw/dm.csv`` from ``rows``, ``sdtm/dm.py`` = ``program``.

    ``programs`` adds files (``{"sdtm/_util.py": text, "tlf/t_n.py": text}``); ``order`` replaces
    the ``programs`` lists of study.toml (``{"sdtm": ["dm"], "tlf": ["t_n"]}``); ``settings`` is
    appended to study.toml.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "specs").mkdir(exist_ok=True)
    (root / "sdtm").mkdir(exist_ok=True)
    (root / "raw").mkdir(exist_ok=True)
    write_spec(toy_spec(), root / "specs" / "sdtm_spec.xlsx")
    order = order or {"sdtm": ["dm"]}
    toml = textwrap.dedent('''
        [study]
        studyid = "TOY"
        title = "Toy study"
        created = "2022-07-04T00:00:00"
        [sdtm]
        spec = "specs/sdtm_spec.xlsx"
    ''') + f"programs = {order['sdtm']!r}\n".replace("'", '"')
    for stage in ("adam", "tlf"):
        if stage in order:
            toml += f"[{stage}]\nprograms = {order[stage]!r}\n".replace("'", '"')
    (root / "study.toml").write_text(toml + textwrap.dedent(settings))
    (root / "sdtm" / "dm.py").write_text(program)
    for rel, text in (programs or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    rows = rows if rows is not None else [
        {"SUBJID": "001", "RFSTDAT": "2021-03-01", "AGE": "61", "SEX": "male"},
        {"SUBJID": "002", "RFSTDAT": "2021-04-15", "AGE": "57", "SEX": "F"},
    ]
    cols = list(rows[0])
    lines = [",".join(cols)] + [",".join(r[c] for c in cols) for r in rows]
    (root / "raw" / "dm.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
