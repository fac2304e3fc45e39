"""Laboratory data at scale: SDTM LB and ADLB of the embedded study at 1,000 to 100,000 subjects.

Labs are the largest dataset of a study (here about 180 results per subject: baseline, day 1 of each
cycle and unscheduled samples, 20 tests). For each size, in a fresh subprocess (so that one size's
memory never counts in another's):

1. generate the raw pages (raw/generate.py) and run the SDTM programs LB needs and ADSL needs
   (the pipeline's ``run_stage``; SV and VS are not needed and not run);
2. time sdtm/lb.py (wide pages to one record per test, units, ranges, LOBXFL, visit numbers), with
   the peak resident memory while it runs;
3. time adam/adlb.py plus what ``run_stage`` adds (spec order, types, sort), and writing ADLB as
   XPT with the framework's writer, with the peak memory of each step; with ``--partitions N``
   ADLB is derived in N subject partitions on Dask (:func:`derivations.partition.derive_partitioned`,
   what ``[adam] partitions = { adlb = N }`` makes ``derive run`` do);
4. split the ADLB file into parts by subject at 40% of its size (3 parts; the FDA's split of a
   dataset over 5 GB, :func:`derivations.xpt.split_xpt`), timed;
5. report records per second, the in-memory size of LB and ADLB (``memory_usage(deep=True)``) and
   the peak memory above the loaded inputs, each per 1M records.

Two or more sizes show whether the cost per record stays flat (linear) and where the machine's
memory ends. Figures go to benchmarks/results/<name>.json.

    python benchmarks/bench_lb.py                         # 1,000 and 10,000 subjects
    python benchmarks/bench_lb.py --sizes 10000 --partitions 10 --name lb-partitioned
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6
#: SDTM programs not needed for LB and ADSL
NOT_NEEDED = {"lb", "vs", "sv"}


def current_rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Peak(threading.Thread):
    """The highest resident memory seen while a step runs (sampled every 20 ms)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self._halt = current_rss(), threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, current_rss())
            self._halt.wait(0.02)

    def __enter__(self) -> "Peak":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, current_rss())


def one(subjects: int, seed: int, partitions: int = 1, scheduler: str = "synchronous") -> dict:
    sys.path.insert(0, str(ROOT))
    from raw.generate import generate

    from derivations.partition import derive_partitioned
    from derivations.pipeline import finalize_dataset, run_stage
    from derivations.study import RunContext, Study
    from derivations.xpt import split_xpt, variables_from_spec, write_xpt

    out: dict = {"subjects": subjects, "partitions": partitions, "scheduler": scheduler}
    with tempfile.TemporaryDirectory(prefix=f"benchlb{subjects}-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        generate(n_subjects=subjects, seed=seed, out_dir=work / "raw")
        out["generate_s"] = time.perf_counter() - t0
        study = Study.load(ROOT)
        ctx = RunContext(study=study, raw_dir=work / "raw")
        t0 = time.perf_counter()
        run_stage(ctx, "sdtm", only=[p for p in study.programs("sdtm") if p not in NOT_NEEDED])
        run_stage(ctx, "adam", only=["adsl"])
        out["inputs_s"] = time.perf_counter() - t0

        rss = current_rss()
        t0, c0 = time.perf_counter(), time.process_time()
        with Peak() as peak:
            run_stage(ctx, "sdtm", only=["lb"])
        lb = ctx.sdtm["LB"]
        out["lb"] = {"records": len(lb), "derive_s": time.perf_counter() - t0, "derive_cpu_s": time.process_time() - c0,
                     "peak_above_start_mb": (peak.peak - rss) / MB, "frame_mb": lb.memory_usage(deep=True).sum() / MB}

        rss = current_rss()
        t0, c0 = time.perf_counter(), time.process_time()
        with Peak() as peak:
            if partitions > 1:  # as `derive run` does with [adam] partitions = { adlb = N }
                adlb = derive_partitioned(ctx, study.program("adam", "adlb"), partitions, scheduler=scheduler)[0]
                adlb = adlb["ADLB"]
            else:
                adlb = study.load_program("adam", "adlb")(ctx)["ADLB"]
            adlb = finalize_dataset(adlb, ctx.spec("adam"), "ADLB")
        derive_s, derive_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        with Peak() as write_peak:
            path = work / "adlb.xpt"
            ds = ctx.spec("adam").dataset("ADLB")
            write_xpt(adlb, path, label=ds.label, variables=variables_from_spec(ds), created=study.created)
        out["adlb"] = {"records": len(adlb), "derive_s": derive_s, "derive_cpu_s": derive_cpu_s, "peak_above_start_mb": (peak.peak - rss) / MB,
                       "frame_mb": adlb.memory_usage(deep=True).sum() / MB, "write_s": time.perf_counter() - t0,
                       "write_peak_above_start_mb": (write_peak.peak - rss) / MB, "xpt_mb": path.stat().st_size / MB}
        # the FDA split of the written file into parts by subject, here at about 40% of its size (3 parts)
        del adlb
        t0 = time.perf_counter()
        with Peak() as split_peak:
            parts = split_xpt(path, work / "parts", max_bytes=int(path.stat().st_size * 0.4))
        split_s = time.perf_counter() - t0
        out["adlb"]["split"] = {"parts": len(parts), "s": split_s, "mb_per_s": path.stat().st_size / MB / split_s,
                                "peak_above_start_mb": (split_peak.peak - rss) / MB,
                                "part_mb": [p.path.stat().st_size / MB for p in parts]}
        errors = [str(f) for f in ctx.findings.errors]
        if errors:
            raise SystemExit("error findings:\n" + "\n".join(errors[:10]))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB
    for name in ("lb", "adlb"):
        step = out[name]
        per = 1e6 / step["records"]
        step["records_per_s"] = step["records"] / step["derive_s"]
        step["per_1m_records"] = {"derive_s": step["derive_s"] * per, "frame_mb": step["frame_mb"] * per,
                                  "peak_above_start_mb": step["peak_above_start_mb"] * per}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="subjects per run, comma-separated")
    ap.add_argument("--seed", type=int, default=20220703)
    ap.add_argument("--name", default="lb", help="results file benchmarks/results/<name>.json")
    ap.add_argument("--partitions", type=int, default=1,
                    help="derive ADLB in this many subject partitions on Dask, as [adam] partitions does")
    ap.add_argument("--scheduler", default="synchronous", help="Dask scheduler of the partitions")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process of one size
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.seed, args.partitions, args.scheduler)))
        return 0
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--seed", str(args.seed), "--partitions",
                               str(args.partitions), "--scheduler", args.scheduler],
                              capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return proc.returncode
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"{n:>8,} subjects: LB {r['lb']['records']:>11,} records {r['lb']['derive_s']:7.1f} s "
              f"({r['lb']['records_per_s']:>9,.0f}/s); ADLB {r['adlb']['derive_s']:7.1f} s "
              f"({r['adlb']['records_per_s']:>9,.0f}/s), write {r['adlb']['write_s']:5.1f} s; "
              f"per 1M: LB {r['lb']['per_1m_records']['frame_mb']:5.0f} MB, ADLB "
              f"{r['adlb']['per_1m_records']['frame_mb']:5.0f} MB in memory, peak +"
              f"{r['adlb']['per_1m_records']['peak_above_start_mb']:5.0f} MB; process peak {r['peak_rss_mb']:,.0f} MB; "
              f"split {r['adlb']['split']['parts']} parts {r['adlb']['split']['mb_per_s']:,.0f} MB/s")
    target = ROOT / "benchmarks" / "results" / f"{args.name}.json"
    target.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"-> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
