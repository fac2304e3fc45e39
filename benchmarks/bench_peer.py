"""Benchmark: the pharmaverse peer study's ADaM programs, warm (after imports and after reading the SDTM).

    .venv/bin/python benchmarks/bench_peer.py [--repeat 7] [--sdtm ../shared/reference/pharmaverse/sdtm]
    .venv/bin/python benchmarks/bench_peer.py --profile adrs     # cProfile of one program, top 25

Prints CPU (process time) and wall time per dataset, the best of ``--repeat`` runs and the median,
and admiral's figures for reference (pharmaverseadam templates run in R: ADSL 3.1 s, ADAE 4.2-5.5 s,
ADRS 8.2-9.8 s, ADTTE 3.1-3.3 s; not measured for the BDS/OCCDS templates: "-"). The derivation
only: no spec validation, no XPT writing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from derivations.pipeline import read_dataset_folder  # noqa: E402
from derivations.study import RunContext, Study  # noqa: E402

STUDY = REPO / "examples" / "pharmaverse"
DEFAULT_SDTM = REPO.parent / "shared" / "reference" / "pharmaverse" / "sdtm"
ADMIRAL_S = {"ADSL": (3.1, 3.1), "ADAE": (4.2, 5.5), "ADRS": (8.2, 9.8), "ADTTE": (3.1, 3.3)}


def context(sdtm_dir: Path) -> RunContext:
    study = Study.load(STUDY)
    ctx = RunContext(study=study)
    ctx.sdtm.update(read_dataset_folder(sdtm_dir, study.settings.get("sdtm", {}).get("files")))
    return ctx


def run_all(ctx: RunContext, programs) -> dict[str, tuple[float, float]]:
    times = {}
    for name, derive in programs:
        w0, c0 = time.perf_counter(), time.process_time()
        out = derive(ctx)
        times[name.upper()] = (time.process_time() - c0, time.perf_counter() - w0)
        ctx.adam.update(out)
    return times


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sdtm", default=str(DEFAULT_SDTM))
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--profile", default=None, help="profile one program (adsl, adae, adrs, adtte, adlb, ...)")
    args = p.parse_args(argv)
    if not Path(args.sdtm).is_dir():
        print(f"pharmaverse SDTM not found at {args.sdtm}", file=sys.stderr)
        return 2
    ctx = context(Path(args.sdtm))
    study = ctx.study
    programs = [(n, study.load_program("adam", n)) for n in study.programs("adam")]
    run_all(ctx, programs)  # warm-up: imports, lazy modules, caches of pandas
    if args.profile:
        import cProfile
        import pstats

        derive = dict(programs)[args.profile]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            derive(ctx)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return 0
    runs = [run_all(ctx, programs) for _ in range(args.repeat)]
    print(f"pharmaverse peer study, warm, {args.repeat} runs (best / median), seconds")
    print(f"{'dataset':8} {'rows':>7} {'cpu best':>9} {'cpu med':>8} {'wall best':>10} {'wall med':>9}"
          f" {'admiral':>9} {'ratio':>7}")
    total_cpu = total_wall = 0.0
    for name in runs[0]:
        cpu = [r[name][0] for r in runs]
        wall = [r[name][1] for r in runs]
        total_cpu += statistics.median(cpu)
        total_wall += statistics.median(wall)
        if name in ADMIRAL_S:
            lo, hi = ADMIRAL_S[name]
            admiral = f"{lo:g}-{hi:g}" if lo != hi else f"{lo:g}"
            ratio = f"{lo / statistics.median(cpu):6.0f}x"
        else:
            admiral, ratio = "-", "-"
        print(f"{name:8} {len(ctx.adam[name]):>7} {min(cpu):9.3f} {statistics.median(cpu):8.3f} {min(wall):10.3f}"
              f" {statistics.median(wall):9.3f} {admiral:>9} {ratio:>7}")
    print(f"{'total':8} {'':>7} {'':>9} {total_cpu:8.3f} {'':>10} {total_wall:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
