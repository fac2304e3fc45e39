"""Build the BDS and OCCDS datasets of the pharmaverse peer spec (adam_spec.xlsx) from the real
Pinnacle 21 spec that pharmaverseadam applies (adams-specs.xlsx) and the variables the peer's
datasets carry.

    python examples/pharmaverse/specs/build_spec.py [--ref ../shared/reference/pharmaverse]

ADSL, ADAE, ADRS and ADTTE stay as they are; ADLB, ADVS, ADEG, ADEX, ADCM and ADMH are (re)written:
variables in the peer's order with the P21 spec's labels, roles and mandatory flags; types and
lengths as the values need them (text: the longest value in bytes; --DTC: ISO 8601 text; dates
DATE9., datetimes DATETIME20.; whole numbers integer, others float); dataset label, class and
structure from the P21 spec, keys that identify a record (the P21 spec's are not unique). The
build is deterministic: the same reference gives the same workbook content.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEFAULT_REF = REPO.parent / "shared" / "reference" / "pharmaverse"

#: dataset -> (peer file, keys, SDTM domain its records come from, class when the P21 spec has none)
NEW = {
    "ADLB": ("adlb", ["STUDYID", "USUBJID", "ASEQ"], "LB", None),
    "ADVS": ("advs", ["STUDYID", "USUBJID", "ASEQ"], "VS", None),
    "ADEG": ("adeg", ["STUDYID", "USUBJID", "ASEQ"], "EG", None),
    "ADEX": ("adex", ["STUDYID", "USUBJID", "ASEQ"], "EX", None),
    "ADCM": ("adcm", ["STUDYID", "USUBJID", "CMSEQ"], "CM", ("OCCURRENCE DATA STRUCTURE",
                                                            "One record per subject per concomitant medication")),
    "ADMH": ("admh", ["STUDYID", "USUBJID", "MHSEQ"], "MH", ("OCCURRENCE DATA STRUCTURE",
                                                            "One record per subject per medical history term")),
}


def _kind(name: str, values: pd.Series, p21_type: str | None) -> tuple[str, int | None, str]:
    """(data type, length, display format) of a variable from its values (from the P21 spec's data type
    and the name when it has no value: R stores a column of NA as logical)."""
    if values.isna().all():
        kind = {"integer": "integer", "float": "float", "date": "date", "datetime": "datetime"}.get(p21_type or "")
        if name.endswith("DTC"):
            return "datetime", 1, ""
        if kind == "date" or (kind is None and name.endswith("DT")):
            return "integer", None, "DATE9."
        if name.endswith("DTM"):
            return "integer", None, "DATETIME20."
        if kind in ("integer", "float") and not name.endswith(("FL", "C", "CAT1", "DTF", "TMF")):
            return kind, None, ""
        return "text", 1, ""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_datetime64_any_dtype(values) or inferred in ("date", "datetime"):
        return "integer", None, "DATETIME20." if name.endswith("DTM") else "DATE9."
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        x = pd.to_numeric(values).dropna().to_numpy(dtype=float)
        whole = bool(np.all(np.isfinite(x) & (x == np.round(x))))
        return ("integer" if whole else "float"), None, ""
    text = values.dropna().astype(str)
    length = max(1, int(text.map(lambda t: len(t.encode("utf-8"))).max()))
    return ("datetime" if name.endswith("DTC") else "text"), length, ""


def build(spec, ref: Path):
    from derivations.spec import DatasetSpec, VariableSpec

    p21 = ref / "specs" / "adams-specs.xlsx"
    datasets = pd.read_excel(p21, "Datasets", dtype=str).set_index("Dataset")
    variables = pd.read_excel(p21, "Variables", dtype=str)
    adsl = pd.read_parquet(ref / "adam" / "adsl.parquet")
    for name, (file, keys, domain, occds) in NEW.items():
        data = pd.read_parquet(ref / "adam" / f"{file}.parquet")
        meta = json.loads((ref / "adam" / f"{file}.meta.json").read_text(encoding="utf-8"))
        labels = {c["name"]: c["label"] for c in meta["columns"]}
        sdtm = pd.read_parquet(ref / "sdtm" / f"{domain.lower()}.parquet", columns=None).columns
        rows = variables[variables["Dataset"] == name].set_index("Variable")
        out = []
        for order, col in enumerate(data.columns, start=1):
            row = rows.loc[col] if col in rows.index else None
            if col in spec.dataset("ADSL").variable_names:  # the subject-level variables as in ADSL
                v = spec.dataset("ADSL").variable(col)
                dtype, length, fmt = v.data_type, v.length, v.format
            else:
                dtype, length, fmt = _kind(col, data[col], None if row is None else str(row["Data Type"]))
            mandatory = row is not None and str(row["Mandatory"]).strip().lower() == "yes" and data[col].notna().all()
            if col in sdtm and col not in ("STUDYID", "USUBJID"):
                origin, predecessor = "Predecessor", f"{domain}.{col}"
            elif col in adsl.columns and col not in ("STUDYID", "USUBJID"):
                origin, predecessor = "Predecessor", f"ADSL.{col}"
            else:
                origin, predecessor = "Derived", ""
            role = "" if row is None or pd.isna(row["Role"]) else str(row["Role"])
            label = labels.get(col) or ("" if row is None else str(row["Label"]))
            out.append(VariableSpec(dataset=name, name=col, label=label, data_type=dtype, length=length, format=fmt,
                                    mandatory=bool(mandatory), origin=origin, predecessor=predecessor, role=role,
                                    order=order))
        d = datasets.loc[name]
        cls, structure = (occds if occds else (str(d["Class"]), str(d["Structure"])))
        spec.datasets[name] = DatasetSpec(name=name, label=meta.get("dataset_label") or str(d["Label"]), cls=cls,
                                          structure=structure, keys=keys, standard="ADaM-IG 1.1", variables=out)
    return spec


def main(argv=None) -> int:
    from derivations.spec import read_spec, write_spec

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ref", default=str(DEFAULT_REF), help="pharmaverse reference folder (adam/, sdtm/, specs/)")
    args = p.parse_args(argv)
    path = HERE / "adam_spec.xlsx"
    spec = build(read_spec(path), Path(args.ref))
    write_spec(spec, path)
    print(f"{path}: {', '.join(f'{n} ({len(d.variables)})' for n, d in spec.datasets.items())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
