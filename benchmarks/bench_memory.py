"""Where one machine stops: memory per 1M AE records (SDTM AE, ADAE) and peak RSS of deriving ADAE.

Steps, each in a fresh subprocess so that one measurement's memory never counts in another's:

1. prepare: generate the study's raw data (raw/generate.py, ``--subjects``, default 10,000),
   run the SDTM programs and ADaM's ADSL program (the same ``run_stage`` the pipeline
   uses), then replicate the real SDTM AE, SUPPAE and ADSL with new subject numbers
   (``<STUDYID>-000001`` ..., within the spec's USUBJID length) up to ``N`` AE records;
   frames are pickled so that dtypes stay exactly what the programs produced.
2. measure, at ``N/4`` and ``N`` AE records: load AE + SUPPAE + ADSL, note the RSS, run the
   study's adam/adae.py ``derive(ctx)`` plus what ``run_stage`` adds (spec order/sort,
   validation), note the peak RSS (``resource.getrusage``) after each step, the in-memory
   size of each frame (``memory_usage(deep=True)``) and the XPT size of AE and ADAE
   (the framework's writer).

Two sizes separate the fixed cost (interpreter, libraries, spec) from the cost per record;
the printed table scales both sizes to 1M records and says how many AE records fit in
this machine's memory. Figures go to benchmarks/results/<name>.json.

    python benchmarks/bench_memory.py                      # 1,000,000 AE records (2-3 minutes)
    python benchmarks/bench_memory.py --records 200000     # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6


def peak_rss() -> int:
    """Peak resident memory of this process so far, bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# ----------------------------------------------------------------------------- 1. prepare


def prepare(work: Path, subjects: int, seed: int, sizes: list[int]) -> dict:
    sys.path.insert(0, str(ROOT))
    import numpy as np
    import pandas as pd
    from raw.generate import generate

    from derivations.pipeline import run_stage
    from derivations.study import RunContext, Study

    t0 = time.perf_counter()
    generate(n_subjects=subjects, seed=seed, out_dir=work / "raw")
    ctx = RunContext(study=Study.load(ROOT), raw_dir=work / "raw")
    run_stage(ctx, "sdtm")
    run_stage(ctx, "adam", only=["adsl"])
    errors = ctx.findings.errors
    if errors:
        raise SystemExit(f"the {subjects:,}-subject study has error findings:\n" + "\n".join(map(str, errors[:10])))
    ae, supp, adsl = ctx.sdtm["AE"], ctx.sdtm["SUPPAE"], ctx.adam["ADSL"]
    studyid = str(adsl["STUDYID"].iloc[0])
    base_ids = pd.Index(adsl["USUBJID"].unique())
    n_subj = len(base_ids)

    def renumber(frame: pd.DataFrame, copy: int) -> pd.DataFrame:
        """Subject i of copy k becomes number k * n_subj + i + 1 (6 digits)."""
        number = copy * n_subj + base_ids.get_indexer(frame["USUBJID"]) + 1
        text = pd.Series(number, index=frame.index).astype(str).str.zfill(6)
        out = frame.copy()
        out["USUBJID"] = (studyid + "-" + text).astype(frame["USUBJID"].dtype)
        if "SUBJID" in out.columns:
            out["SUBJID"] = text.astype(frame["SUBJID"].dtype)
        return out

    ae = ae.sort_values(["USUBJID", "AESEQ"], kind="mergesort", ignore_index=True)
    out = {"subjects": subjects, "base_ae_records": len(ae), "base_suppae_records": len(supp),
           "prepare_s": None, "sizes": {}}
    for n in sizes:
        copies = -(-n // len(ae))
        if copies * n_subj > 999_999:
            raise SystemExit(f"{n:,} AE records need {copies * n_subj:,} subjects: more than 6 digits")
        big_ae = pd.concat([renumber(ae, k) for k in range(copies)], ignore_index=True).iloc[:n]
        big_supp = pd.concat([renumber(supp, k) for k in range(copies)], ignore_index=True)
        kept = pd.MultiIndex.from_arrays([big_ae["USUBJID"].astype(str), big_ae["AESEQ"].astype(str)])
        in_ae = pd.MultiIndex.from_arrays([big_supp["USUBJID"].astype(str), big_supp["IDVARVAL"].astype(str)]).isin(kept)
        big_supp = big_supp.loc[np.asarray(in_ae)].reset_index(drop=True)
        big_adsl = pd.concat([renumber(adsl, k) for k in range(copies)], ignore_index=True)
        big_adsl = big_adsl.loc[big_adsl["USUBJID"].isin(big_ae["USUBJID"].unique())].reset_index(drop=True)
        folder = work / str(n)
        folder.mkdir()
        for name, frame in (("AE", big_ae), ("SUPPAE", big_supp), ("ADSL", big_adsl)):
            frame.to_pickle(folder / f"{name}.pkl")
        out["sizes"][n] = {"ae": len(big_ae), "suppae": len(big_supp), "adsl": len(big_adsl)}
    out["prepare_s"] = time.perf_counter() - t0
    return out


# ----------------------------------------------------------------------------- 2. measure


def measure(folder: Path) -> dict:
    import pandas as pd

    from derivations.pipeline import finalize_dataset
    from derivations.schema import validate_dataset
    from derivations.study import RunContext, Study
    from derivations.xpt import variables_from_spec, write_xpt

    study = Study.load(ROOT)
    ctx = RunContext(study=study)
    ctx.spec("sdtm"), ctx.spec("adam")
    derive = study.load_program("adam", "adae")
    out: dict = {"rss_start": current_rss()}

    ae, supp, adsl = (pd.read_pickle(folder / f"{n}.pkl") for n in ("AE", "SUPPAE", "ADSL"))
    out["rows"] = {"AE": len(ae), "SUPPAE": len(supp), "ADSL": len(adsl)}
    out["frame_bytes"] = {n: int(f.memory_usage(deep=True).sum()) for n, f in
                          (("AE", ae), ("SUPPAE", supp), ("ADSL", adsl))}
    out["rss_loaded"], out["peak_loaded"] = current_rss(), peak_rss()

    ctx.sdtm.update(AE=ae, SUPPAE=supp)
    ctx.adam["ADSL"] = adsl
    del ae, supp, adsl
    t0 = time.perf_counter()
    adae = derive(ctx)["ADAE"]
    adae = finalize_dataset(adae, ctx.spec("adam"), "ADAE")
    out["derive_s"] = time.perf_counter() - t0
    out["peak_derived"] = peak_rss()
    out["frame_bytes"]["ADAE"] = int(adae.memory_usage(deep=True).sum())
    t0 = time.perf_counter()
    findings = validate_dataset(adae, ctx.spec("adam"), "ADAE")
    out["validate_s"] = time.perf_counter() - t0
    out["validate_errors"] = sum(f.severity == "error" for f in findings)
    out["peak_validated"] = peak_rss()

    tmp = Path(tempfile.mkdtemp(prefix="bench-xpt-"))
    try:
        out["xpt_bytes"] = {}
        for stage, name, frame in (("sdtm", "AE", ctx.sdtm["AE"]), ("adam", "ADAE", adae)):
            ds = ctx.spec(stage).dataset(name)
            if stage == "sdtm":
                frame = finalize_dataset(frame, ctx.spec(stage), name)
            path = write_xpt(frame, tmp / f"{name.lower()}.xpt", label=ds.label, variables=variables_from_spec(ds),
                             created=study.created)
            out["xpt_bytes"][name] = path.stat().st_size
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["peak_end"] = peak_rss()
    return out


# ----------------------------------------------------------------------------- driver


def _sub(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(proc.returncode)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def mem_total() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def summarise(small: dict, big: dict) -> dict:
    """Per-1M figures: frames scale linearly; RSS as fixed cost + slope between the two sizes."""
    n_small, n_big = small["rows"]["AE"], big["rows"]["AE"]
    per_m = lambda v, n: v * 1e6 / n  # noqa: E731
    slope = lambda key: (big[key] - small[key]) / (n_big - n_small)  # noqa: E731  bytes per AE record
    s = {
        "ae_records": n_big,
        "frame_mb_per_1m": {k: per_m(v, n_big) / MB for k, v in big["frame_bytes"].items()},
        "xpt_mb_per_1m": {k: per_m(v, n_big) / MB for k, v in big["xpt_bytes"].items()},
        "inputs_mb_per_1m": per_m(sum(big["frame_bytes"][k] for k in ("AE", "SUPPAE", "ADSL")), n_big) / MB,
        "peak_rss_mb": {"loaded": big["peak_loaded"] / MB, "derived": big["peak_derived"] / MB,
                        "validated": big["peak_validated"] / MB, "end": big["peak_end"] / MB},
        "rss_loaded_mb": big["rss_loaded"] / MB,
        "rss_start_mb": big["rss_start"] / MB,
        "marginal_peak_mb_per_1m": {k: slope(f"peak_{k}") * 1e6 / MB for k in ("derived", "validated", "end")},
        "derive_s": big["derive_s"], "validate_s": big["validate_s"],
        "mem_total_gb": mem_total() / 1e9,
    }
    # the XPT writer can set the peak at one size and not at the other: take the steeper slope
    key = max(("peak_validated", "peak_end"), key=slope)
    fixed = big[key] - slope(key) * n_big  # what the slope leaves at 0 records
    s["fixed_mb"] = fixed / MB
    s["peak_mb_per_1m"] = big["peak_end"] / MB * 1e6 / n_big
    s["ae_records_fit"] = int((mem_total() - fixed) / slope(key))
    s["ae_records_fit_24gb"] = int((24e9 - fixed) / slope(key))
    return s


def report(prep: dict, small: dict, big: dict, s: dict) -> None:
    print(f"\nstudy: {prep['subjects']:,} subjects ({prep['base_ae_records']:,} AE records) replicated to "
          f"{small['rows']['AE']:,} and {big['rows']['AE']:,} AE records")
    print(f"\n{'per 1M AE records':34s} {'MB':>8s}")
    for k, v in s["frame_mb_per_1m"].items():
        rows = big["rows"].get(k, big["rows"]["AE"]) / big["rows"]["AE"]
        print(f"  in memory {k:10s} ({rows:4.2f} rows/AE) {v:8.0f}")
    for k, v in s["xpt_mb_per_1m"].items():
        print(f"  XPT file  {k:22s} {v:8.0f}")
    print(f"\nderiving ADAE from AE + SUPPAE + ADSL ({big['rows']['AE']:,} AE records, study's adam/adae.py):")
    print(f"  RSS after loading inputs {s['rss_loaded_mb']:8.0f} MB   (inputs in memory {s['inputs_mb_per_1m'] * big['rows']['AE'] / 1e6:.0f} MB)")
    print(f"  peak RSS, derived        {s['peak_rss_mb']['derived']:8.0f} MB   ({s['derive_s']:.1f} s)")
    print(f"  peak RSS, validated      {s['peak_rss_mb']['validated']:8.0f} MB   ({s['validate_s']:.1f} s)")
    print(f"  peak RSS, XPT written    {s['peak_rss_mb']['end']:8.0f} MB")
    print(f"  per 1M AE records (slope {small['rows']['AE']:,} -> {big['rows']['AE']:,}): derive+validate "
          f"{s['marginal_peak_mb_per_1m']['validated']:.0f} MB, with the XPT files written "
          f"{s['marginal_peak_mb_per_1m']['end']:.0f} MB; fixed {s['fixed_mb']:.0f} MB")
    print(f"\none process derives (and writes) ADAE for ~{s['ae_records_fit'] / 1e6:.1f}M AE records in this "
          f"machine's {s['mem_total_gb']:.1f} GB (~{s['ae_records_fit_24gb'] / 1e6:.1f}M in 24 GB), no headroom")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000, help="AE records (default 1,000,000)")
    ap.add_argument("--subjects", type=int, default=10_000, help="subjects of the generated study to replicate")
    ap.add_argument("--seed", type=int, default=20220703)
    ap.add_argument("--name", default="memory", help="results file name (benchmarks/results/NAME.json)")
    ap.add_argument("--prepare", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", help=argparse.SUPPRESS)
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.prepare:
        sizes = [int(x) for x in args.sizes.split(",")]
        print(json.dumps(prepare(Path(args.prepare), args.subjects, args.seed, sizes)))
        return 0
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0

    sizes = [args.records // 4, args.records]
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        t0 = time.perf_counter()
        prep = _sub("--prepare", str(work), "--sizes", ",".join(map(str, sizes)),
                    "--subjects", str(args.subjects), "--seed", str(args.seed))
        print(f"prepared in {time.perf_counter() - t0:.0f} s")
        small, big = (_sub("--measure", str(work / str(n))) for n in sizes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    s = summarise(small, big)
    report(prep, small, big, s)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    result = {"prepare": prep, "measure": {str(small["rows"]["AE"]): small, str(big["rows"]["AE"]): big},
              "summary": s}
    (out / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
