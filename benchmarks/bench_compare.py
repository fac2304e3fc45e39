"""Benchmark: compare_datasets on 1,000,000 rows x 30 columns (goal: < 10 s on 2 cores).

Frames are generated with numpy: two key columns (USUBJID text, AVISITN integer),
18 numeric, 9 text and 1 datetime column; the QC frame is the base shuffled,
with a few differences injected (numeric, text, blank-vs-missing, a dropped
record and an extra record). Prints CPU and wall time of each phase.

    .venv/bin/python benchmarks/bench_compare.py [--rows N] [--datacompy]

``--datacompy`` also times datacompy.Compare on the same frames (when the
package is importable) for the engine choice.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from derivations.compare import compare_datasets


def make_frames(n_rows: int, seed: int = 20240101) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    rng = np.random.default_rng(seed)
    n_subj = max(n_rows // 10, 1)
    subj = np.char.add("STUDY-", np.char.zfill(np.arange(n_subj).astype(str), 7))
    cols: dict[str, object] = {
        "USUBJID": pd.array(np.repeat(subj, 10)[:n_rows], dtype="str"),
        "AVISITN": np.tile(np.arange(10), n_subj)[:n_rows].astype(np.int64),
    }
    for i in range(18):
        cols[f"NUM{i:02d}"] = rng.normal(100, 15, n_rows).round(3)
    vocab = np.array(["Y", "N", "", "NORMAL", "HIGH", "LOW", "NOT DONE", "COMPLETED", "SCREEN FAILURE"])
    for i in range(9):
        cols[f"CHR{i:02d}"] = pd.array(vocab[rng.integers(0, len(vocab), n_rows)], dtype="str")
    cols["ADT"] = (np.datetime64("2020-01-01") + rng.integers(0, 1500, n_rows).astype("timedelta64[D]")
                   ).astype("datetime64[us]")
    base = pd.DataFrame(cols)

    comp = base.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # different record order
    rows = rng.choice(n_rows, 40, replace=False)
    comp.loc[rows[:10], "NUM03"] = comp.loc[rows[:10], "NUM03"] + 0.5
    comp.loc[rows[10:20], "CHR02"] = "CHANGED"
    blank = comp["CHR05"] == ""
    comp.loc[blank[blank].index[:1000], "CHR05"] = None  # blank vs missing: equal
    comp.loc[rows[20:25], "ADT"] = comp.loc[rows[20:25], "ADT"] + pd.Timedelta(days=1)
    comp = comp.drop(index=rows[30]).reset_index(drop=True)  # one record in BASE only
    extra = comp.iloc[[0]].copy()
    extra["USUBJID"] = "STUDY-EXTRA"
    comp = pd.concat([comp, extra], ignore_index=True)  # one record in COMPARE only
    n_expected = 10 + 10 + 5
    return base, comp, n_expected


def timed(label: str, fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    c1, w1 = time.process_time(), time.perf_counter()
    print(f"{label:<38} wall {w1 - w0:7.2f} s   cpu {c1 - c0:7.2f} s")
    return out, w1 - w0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--datacompy", action="store_true")
    args = ap.parse_args(argv)
    (base, comp, n_expected), _ = timed(f"generate {args.rows:,} x 30", lambda: make_frames(args.rows))
    res, wall = timed("compare_datasets (exact)", lambda: compare_datasets(
        base, comp, by_vars=["USUBJID", "AVISITN"]))
    res_tol, _ = timed("compare_datasets (relative 1e-9)", lambda: compare_datasets(
        base, comp, by_vars=["USUBJID", "AVISITN"], tolerance=1e-9, tolerance_type="relative"))
    _, _ = timed("report_text + report_html", lambda: (res.report_text(), res.report_html()))
    s = res.summary
    print(f"unequal values {s['n_values_unequal']} (expected {n_expected}), "
          f"base-only rows {s['n_base_only_rows']}, compare-only rows {s['n_compare_only_rows']}, "
          f"equal={res.equal}")
    assert s["n_values_unequal"] == n_expected, "benchmark frames: wrong difference count"
    assert res_tol.summary["n_values_unequal"] == n_expected
    print(f"goal < 10 s wall: {'MET' if wall < 10 else 'NOT MET'} ({wall:.2f} s)")
    if args.datacompy:
        try:
            import datacompy
        except ImportError:
            print("datacompy not importable; skipped")
            return 0
        cmp, _ = timed("datacompy.PandasCompare (exact)", lambda: datacompy.PandasCompare(
            base, comp, join_columns=["USUBJID", "AVISITN"], cast_column_names_lower=False))
        _, _ = timed("datacompy .matches() + .report()", lambda: (cmp.matches(), cmp.report()))
        print("datacompy: columns with mismatches:", sorted(cmp.columns_with_mismatches()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
