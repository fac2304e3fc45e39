"""Memory of the laboratory programs: sdtm/lb.py, tlf/t_lab_shift.py and tlf/t_lab_ae.py, each on its own.

The whole run's peak at 10,000 subjects and more is inside these programs, on top of what the run holds
(`benchmarks/run.py`). This benchmark measures each one alone, on the inputs the run gives it:

1. ``--prepare DIR``: generate the raw pages of N subjects (raw/generate.py), run the SDTM programs and
   ADSL, ADAE and ADLB (the pipeline's ``run_stage``: shaped to the spec as the run holds them) and keep
   the datasets the three programs read in DIR (pickled; DIR/raw holds the raw pages);
2. for each program, in a fresh process: load its inputs, note the resident memory, run the program's
   ``derive`` (a TLF program publishes its RTF and HTML into a scratch folder), and record the peak
   resident memory above that start (sampled every 20 ms), the CPU time, and a SHA-256 of what it
   returned (the frame's values, columns and types) and of every file it wrote, so that a change that
   saves memory can be shown to give the same output.

Figures go to benchmarks/results/<name>.json. DIR is the caller's: delete it when done (it takes about
2 GB at 10,000 subjects).

    python benchmarks/bench_lab_programs.py --prepare /tmp/lab10k --subjects 10000
    python benchmarks/bench_lab_programs.py --data /tmp/lab10k --name lab-programs-10k

Each program runs ``--repeat`` times (3), each in a fresh process; the file keeps the run with the highest peak and
every run's peak (the allocators' timing makes it vary by some 100 MB).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_lb import MB, Peak, current_rss

ROOT = Path(__file__).resolve().parents[1]
#: the programs measured: (stage, name)
PROGRAMS = [("sdtm", "lb"), ("tlf", "t_lab_shift"), ("tlf", "t_lab_ae")]
#: SDTM programs not needed for ADSL, ADAE and ADLB
NOT_NEEDED = {"vs", "sv"}


def prepare(data: Path, subjects: int, seed: int) -> dict:
    """Raw pages and the datasets the programs read, in ``data``."""
    sys.path.insert(0, str(ROOT))
    from raw.generate import generate

    from derivations.pipeline import run_stage
    from derivations.shaping import expand_frame
    from derivations.study import RunContext, Study

    data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    generate(n_subjects=subjects, seed=seed, out_dir=data / "raw")
    study = Study.load(ROOT)
    ctx = RunContext(study=study, raw_dir=data / "raw")
    run_stage(ctx, "sdtm", only=[p for p in study.programs("sdtm") if p not in NOT_NEEDED])
    run_stage(ctx, "adam", only=["adsl", "adae", "adlb"])
    errors = [str(f) for f in ctx.findings.errors]
    if errors:
        raise SystemExit("error findings:\n" + "\n".join(errors[:10]))
    # as a program gets them: the run holds text compactly (and large datasets on disk) between programs
    kept = {name: expand_frame(ctx.dataset(name)) for name in ("DM", "EX", "ADSL", "ADAE", "ADLB")}
    for name, frame in kept.items():
        with open(data / f"{name}.pkl", "wb") as fh:
            pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"subjects": subjects, "seed": seed, "prepare_s": time.perf_counter() - t0,
            "records": {name: len(frame) for name, frame in kept.items()}, "lb_records": len(ctx.sdtm["LB"])}


def frame_sha(frame) -> str:
    """SHA-256 of a frame's columns, types and values (row order included)."""
    import pandas as pd

    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def one(data: Path, stage: str, name: str) -> dict:
    """Run ``stage/name`` on the inputs kept in ``data``: peak memory above its start, CPU, output sums."""
    import ctypes

    sys.path.insert(0, str(ROOT))
    from derivations.study import RunContext, Study

    study = Study.load(ROOT)
    program = study.program(stage, name)
    with tempfile.TemporaryDirectory(prefix=f"benchlab-{name}-") as tmp:
        ctx = RunContext(study=study, raw_dir=data / "raw", stage_dir=Path(tmp))
        for read in program.reads:
            with open(data / f"{read}.pkl", "rb") as fh:
                frame = pickle.load(fh)
            (ctx.sdtm if read in ("DM", "EX") else ctx.adam)[read] = frame
        if stage == "sdtm":  # the raw pages as the run reads them, before the program starts
            for page in program.raw:
                ctx.raw(page)
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        start = current_rss()
        t0, c0 = time.perf_counter(), time.process_time()
        with Peak() as peak:
            result = program.derive(ctx.for_program(program))
        out = {"program": f"{stage}/{name}", "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
               "start_mb": start / MB, "peak_above_start_mb": (peak.peak - start) / MB,
               "inputs": {read: len(ctx.dataset(read)) for read in program.reads},
               "returned": {k: {"records": len(v), "sha256": frame_sha(v)} for k, v in result.items()},
               "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(tmp).rglob("*"))
                         if p.is_file()}}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prepare", type=Path, help="generate and derive the inputs into this folder, then stop")
    ap.add_argument("--subjects", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20220703)
    ap.add_argument("--data", type=Path, help="the folder --prepare filled")
    ap.add_argument("--programs", default=",".join(f"{s}/{n}" for s, n in PROGRAMS),
                    help="stage/name, comma-separated")
    ap.add_argument("--name", default="lab-programs", help="results file benchmarks/results/<name>.json")
    ap.add_argument("--repeat", type=int, default=3,
                    help="fresh processes per program (the peak varies by some 100 MB from run to run)")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # the child process of one program
    args = ap.parse_args(argv)
    if args.prepare:
        info = prepare(args.prepare, args.subjects, args.seed)
        (args.prepare / "prepared.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(info))
        return 0
    if args.data is None:
        ap.error("--data or --prepare is required")
    if args.one:
        stage, name = args.one.split("/")
        print(json.dumps(one(args.data, stage, name)))
        return 0
    info = json.loads((args.data / "prepared.json").read_text(encoding="utf-8"))
    results = {"subjects": info["subjects"], "seed": info["seed"], "lb_records": info["lb_records"], "programs": []}
    for item in args.programs.split(","):
        runs = []
        for _ in range(args.repeat):
            proc = subprocess.run([sys.executable, __file__, "--data", str(args.data), "--one", item],
                                  capture_output=True, text=True, cwd=ROOT)
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                return proc.returncode
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        if any(run["returned"] != runs[0]["returned"] or run["files"] != runs[0]["files"] for run in runs):
            raise SystemExit(f"{item}: the runs returned or wrote different outputs")
        # the highest peak of the runs, and each run's
        r = max(runs, key=lambda run: run["peak_above_start_mb"])
        r["runs_peak_above_start_mb"] = [run["peak_above_start_mb"] for run in runs]
        results["programs"].append(r)
        print(f"{r['program']:<18} start {r['start_mb']:7,.0f} MB, peak above start {r['peak_above_start_mb']:7,.0f} MB "
              f"(runs: {', '.join(f'{p:,.0f}' for p in r['runs_peak_above_start_mb'])}), "
              f"CPU {r['cpu_s']:6.1f} s, wall {r['wall_s']:6.1f} s")
    target = ROOT / "benchmarks" / "results" / f"{args.name}.json"
    target.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"-> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
