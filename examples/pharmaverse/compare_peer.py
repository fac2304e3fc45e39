"""Compare the pharmaverse study's ADaM with admiral's (pharmaverseadam) and report RECIST concordance.

Usage (from the repository root, after ``derive run --study examples/pharmaverse --sdtm SDTM --out DIR``)::

    python examples/pharmaverse/compare_peer.py --out DIR [--ref ../shared/reference/pharmaverse]

Writes under ``DIR/peer/``: ``<dataset>.txt`` / ``.html`` (PROC COMPARE style report of
derivations.compare), ``summary.csv`` (per dataset and shared variable: values compared, equal,
percent equal), ``unexplained.csv`` (differences not in ``differences.csv``, should be empty),
``recist_concordance.txt`` / ``.csv`` (per-visit RECIST 1.1 from the large tu_onco/tr_onco versus the
investigator's responses in rs_onco). Exit code 0 when every difference is the documented one.

Compare rules: our XPT files (as delivered) against the peer's parquet; numbers within 1e-9
relative; a peer column without any value takes our column's type first (R stores an all-NA
column as logical, so its type is lost; the values still compare: missing against ours).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_REF = REPO.parent / "shared" / "reference" / "pharmaverse"

#: ours -> (peer file, keys that match records without using what we derive)
DATASETS = {
    "ADSL": ("adsl", ["USUBJID"]),
    "ADAE": ("adae", ["USUBJID", "AESEQ"]),
    "ADRS": ("adrs_onco", ["USUBJID", "ASEQ"]),  # ASEQ orders PARAMCD, ADT, VISITNUM, RSSEQ (compared too)
    "ADTTE": ("adtte_onco", ["USUBJID", "PARAMCD"]),
    # BDS: ASEQ orders PARAMCD, ADT, AVISITN, VISITNUM (ATPTN, DTYPE; ADEX: PARCAT1, ASTDT, VISIT, EXSEQ,
    # PARAMN), so matching on it compares the record order too
    "ADLB": ("adlb", ["USUBJID", "ASEQ"]),
    "ADVS": ("advs", ["USUBJID", "ASEQ"]),
    "ADEG": ("adeg", ["USUBJID", "ASEQ"]),
    "ADEX": ("adex", ["USUBJID", "ASEQ"]),
    "ADCM": ("adcm", ["USUBJID", "CMSEQ"]),
    "ADMH": ("admh", ["USUBJID", "MHSEQ"]),
}
TOLERANCE = 1e-9  # relative: what a QC programmer accepts for floating point


@dataclass
class PeerResult:
    dataset: str
    result: object  # derivations.compare.CompareResult
    summary: pd.DataFrame
    unexplained: pd.DataFrame


def align_missing_columns(peer: pd.DataFrame, ours: pd.DataFrame) -> pd.DataFrame:
    """Peer columns with no value at all get the type of our column (values stay missing); R Date
    columns, read as Python dates (object), become datetime64 whatever their first values are."""
    out = peer.copy()
    for col in peer.columns:
        if peer[col].dtype == object and pd.api.types.infer_dtype(peer[col], skipna=True) == "date":
            out[col] = pd.to_datetime(peer[col]).astype("datetime64[us]")
            continue
        if col not in ours.columns or peer[col].notna().any():
            continue
        kind = ours[col].dtype.kind
        if kind == "M" or (kind == "O" and pd.api.types.infer_dtype(ours[col], skipna=True) in ("date", "datetime")):
            out[col] = pd.Series(pd.NaT, index=peer.index, dtype="datetime64[us]")
        elif kind in "biuf":
            out[col] = pd.Series(np.nan, index=peer.index, dtype="float64")
        else:
            out[col] = pd.Series(None, index=peer.index, dtype=object)
    return out


def xpt_header(path: Path):
    """The DatasetMeta of an XPT file from its header alone (labels, types, lengths, formats)."""
    import pyreadstat

    from derivations.metadata import DatasetMeta, VariableMeta

    _, m = pyreadstat.read_xport(str(path), metadataonly=True)
    types = m.readstat_variable_types or {}
    variables = tuple(VariableMeta(name=c, label=lab or None, type="char" if types.get(c) == "string" else "num",
                                   length=(m.variable_storage_width or {}).get(c),
                                   format=(m.original_variable_types or {}).get(c) or None)
                      for c, lab in zip(m.column_names, m.column_labels))
    return DatasetMeta(m.table_name or path.stem.upper(), m.file_label or None, variables, str(path))


def compare_one(name: str, out_dir: Path, ref: Path, documented: pd.DataFrame,
                ours: pd.DataFrame | None = None) -> PeerResult:
    """Compare our ``name`` with admiral's. ``ours`` (optional) is the run's in-memory dataset, the
    values the XPT file holds, to save reading a large file again; its attributes still come from
    the file's header."""
    from derivations.compare import compare_datasets
    from derivations.io import read_dataset

    fname, keys = DATASETS[name]
    xpt = out_dir / "adam" / f"{name.lower()}.xpt"
    if ours is None:
        ours, ours_meta = read_dataset(xpt)
    else:
        ours_meta = xpt_header(xpt)
    peer, peer_meta = read_dataset(ref / "adam" / f"{fname}.parquet")
    peer = align_missing_columns(peer, ours)
    from dataclasses import replace

    from derivations.io import sas_type

    peer_meta = replace(peer_meta, variables=tuple(replace(v, type=sas_type(peer[v.name]))
                                                   for v in peer_meta.variables))
    res = compare_datasets(peer, ours, by_vars=keys, tolerance=TOLERANCE, tolerance_type="relative",
                           base_meta=peer_meta, compare_meta=ours_meta, max_listed=None)
    stats = res.variable_stats.assign(dataset=name)
    key_rows = pd.DataFrame({"dataset": name, "variable": keys, "type": "key",
                             "n_compared": res.summary["n_rows_compared"], "n_equal": res.summary["n_rows_compared"],
                             "pct_equal": 100.0, "n_unequal": 0})
    summary = pd.concat([key_rows, stats], ignore_index=True)[
        ["dataset", "variable", "type", "n_compared", "n_equal", "pct_equal", "n_unequal"]]
    doc = documented[documented["dataset"] == name].set_index("variable")["n"]
    found = summary.set_index("variable")["n_unequal"]
    rows = []
    for var, n in found.items():
        if n != doc.get(var, 0):
            rows.append({"dataset": name, "variable": var, "n_found": int(n), "n_documented": int(doc.get(var, 0))})
    for var, n in doc.items():
        if var not in found.index:
            rows.append({"dataset": name, "variable": var, "n_found": 0, "n_documented": int(n)})
    for what, n in (("rows only in admiral", res.summary["n_base_only_rows"]),
                    ("rows only in ours", res.summary["n_compare_only_rows"])):
        if n:
            rows.append({"dataset": name, "variable": what, "n_found": int(n), "n_documented": 0})
    for var in res.base_only_vars + res.compare_only_vars:
        rows.append({"dataset": name, "variable": f"{var} (one side only)", "n_found": 1, "n_documented": 0})
    for rec in res.attribute_differences.itertuples(index=False):
        if rec.attribute == "type":
            rows.append({"dataset": name, "variable": f"{rec.variable} (type)", "n_found": 1, "n_documented": 0})
    unexplained = pd.DataFrame(rows, columns=["dataset", "variable", "n_found", "n_documented"])
    (out_dir / "peer").mkdir(parents=True, exist_ok=True)
    (out_dir / "peer" / f"{name.lower()}.txt").write_text(res.report_text(), encoding="utf-8")
    (out_dir / "peer" / f"{name.lower()}.html").write_text(res.report_html(), encoding="utf-8")
    return PeerResult(name, res, summary, unexplained)


# --------------------------------------------------------------------------- RECIST concordance

#: disagreement categories, first that applies (vectorised np.select on the derived components)
CATEGORIES = (
    ("investigator value is not a RECIST response", "~INVESTIGATOR.isin(['CR', 'PR', 'SD', 'NON-CR/NON-PD', 'PD', 'NE'])"),
    ("target lesion not measured: derived NE, investigator assessed", "DERIVED == 'NE' and NTRGTEV < NTRGT"),
    ("progression from the nadir (>= 20% and >= 5 mm above the smallest sum): derived PD, investigator "
     "compared with baseline", "DERIVED == 'PD' and TRGRESP == 'PD' and NEWLFL == 'N' and NTRGRESP != 'PD'"),
)


def recist_concordance(ref: Path):
    """Per-visit RECIST 1.1 from tu_onco/tr_onco (investigator) vs rs_onco's investigator OVRLRESP."""
    from derivations.oncology import compute_concordance, derive_param_recist_ovr

    sdtm = ref / "sdtm"
    tu, tr = pd.read_parquet(sdtm / "tu_onco.parquet"), pd.read_parquet(sdtm / "tr_onco.parquet")
    rs = pd.read_parquet(sdtm / "rs_onco.parquet")
    der = derive_param_recist_ovr(tr, dataset_add=tu, filter="TREVAL == 'INVESTIGATOR'", filter_add="TUEVAL == 'INVESTIGATOR'")
    der = der[der["ABLFL"].isna()].assign(RSDTC=lambda d: d["ADT"].dt.strftime("%Y-%m-%d"))
    inv = rs[(rs["RSEVAL"] == "INVESTIGATOR") & (rs["RSTESTCD"] == "OVRLRESP")]
    keys = ["USUBJID", "VISITNUM", "RSDTC"]
    res = compute_concordance(der, inv, by_vars=keys, response_var="OVRLRESP", investigator_var="RSSTRESC")
    dis = res.disagreements.merge(
        der[keys + ["VISIT", "TRGRESP", "NTRGRESP", "NEWLFL", "NTRGT", "NTRGTEV", "SUMDIAM", "BASE", "NADIR",
                    "PCHG", "CHGNADIR", "PCHGNAD"]], on=keys, how="left")
    conds = [dis.eval(expr, engine="python").to_numpy(dtype=bool) for _, expr in CATEGORIES]
    dis.insert(5, "CATEGORY", np.select(conds, [c for c, _ in CATEGORIES], default="other"))
    return res, dis, len(der), len(inv)


def write_concordance(out_dir: Path, ref: Path):
    res, dis, n_der, n_inv = recist_concordance(ref)
    peer = out_dir / "peer"
    peer.mkdir(parents=True, exist_ok=True)
    dis.to_csv(peer / "recist_concordance.csv", index=False, lineterminator="\n", float_format="%.10g")
    counts = dis.groupby(["CATEGORY", "DERIVED", "INVESTIGATOR"]).size().rename("n").reset_index()
    text = [
        "RECIST 1.1 time-point response derived from lesions (tu_onco/tr_onco, investigator) versus the",
        "investigator's overall response (rs_onco RSTESTCD OVRLRESP), matched on USUBJID, VISITNUM, date.",
        f"derived post-baseline assessments: {n_der}; investigator responses: {n_inv}",
        str(res),
        "",
        "Disagreements by category (derived vs investigator):",
        counts.to_string(index=False),
        "",
        "Disagreeing visits: recist_concordance.csv",
    ]
    (peer / "recist_concordance.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    return res, dis


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="output folder of `derive run` (holds adam/*.xpt)")
    p.add_argument("--ref", default=str(DEFAULT_REF), help="pharmaverse reference folder (sdtm/, adam/)")
    args = p.parse_args(argv)
    out_dir, ref = Path(args.out), Path(args.ref)
    documented = pd.read_csv(HERE / "differences.csv")
    results = [compare_one(name, out_dir, ref, documented) for name in DATASETS]
    summary = pd.concat([r.summary for r in results], ignore_index=True)
    unexplained = pd.concat([r.unexplained for r in results], ignore_index=True)
    summary.to_csv(out_dir / "peer" / "summary.csv", index=False, lineterminator="\n", float_format="%.4f")
    unexplained.to_csv(out_dir / "peer" / "unexplained.csv", index=False, lineterminator="\n")
    for r in results:
        s = r.summary[r.summary["type"] != "key"]
        n_vals = int(s["n_compared"].sum())
        n_eq = int(s["n_equal"].sum())
        full = int((s["n_unequal"] == 0).sum())
        print(f"{r.dataset}: {r.result.summary['n_rows_compared']} rows matched "
              f"({r.result.summary['base_nobs']} admiral, {r.result.summary['compare_nobs']} ours), "
              f"{len(s)} shared variables besides the key(s) {', '.join(DATASETS[r.dataset][1])}, {full} 100% equal; "
              f"{n_eq}/{n_vals} values equal")
    res, dis = write_concordance(out_dir, ref)
    print(f"RECIST concordance: {res.n_agree}/{res.n_compared} agree, kappa {res.kappa:.3f}; "
          f"{len(dis)} disagreeing visits -> {out_dir / 'peer' / 'recist_concordance.txt'}")
    if len(unexplained):
        print("differences not documented in differences.csv:\n" + unexplained.to_string(index=False))
        return 1
    print("every difference is documented in examples/pharmaverse/differences.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
