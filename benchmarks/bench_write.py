"""Dataset writers at scale: memory above the frame and speed of the XPT and Dataset-JSON writers.

An ADLB-like frame of ``--records`` records is built from the embedded study's own ADLB (derived by a
run of the 29-subject study into a temporary folder, with the dtypes a run hands the writers), its
records replicated with new subject ids (USUBJID/SUBJID renumbered per copy, so subjects stay
contiguous and keys unique). In a fresh subprocess per writer (one writer's memory never counts in
another's), the script records:

* the resident memory of the process with the frame loaded (the baseline);
* the peak resident memory while the writer runs (sampled every 10 ms), above that baseline;
* wall time and MB/s of the written file, and the lengths of its character variables
  (:func:`derivations.lengths.submission_lengths`, what a run fits before writing), timed apart.

The goal (issue 14: 20M lab records on a 24 GB machine): each writer needs O(chunk) memory above its
input, so the peak above the frame stays under ~300 MB whatever the number of records.

    python benchmarks/bench_write.py --records 2000000 --name write-after
    python benchmarks/bench_write.py --records 200000 --writers xpt --name write-small
    python benchmarks/bench_write.py --records 2000000 --frame /tmp/adlb2m.pkl   # build once, reuse

Figures go to benchmarks/results/<name>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6
WRITERS = ("lengths", "xpt", "datasetjson")


def current_rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Peak(threading.Thread):
    """The highest resident memory seen while a step runs (sampled every 10 ms)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self._halt = current_rss(), threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, current_rss())
            self._halt.wait(0.01)

    def __enter__(self) -> "Peak":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, current_rss())


def source_adlb(folder: Path):
    """The study's ADLB as a run hands it to the writers (a run of the 29-subject study into ``folder``)."""
    sys.path.insert(0, str(ROOT))
    from derivations.pipeline import run_study

    result = run_study(ROOT, folder / "run", stages="sdtm,adam")
    return result.datasets["adam"]["ADLB"]


def replicate(adlb, records: int):
    """``adlb``'s records repeated with new subject ids until ``records`` records (subjects contiguous)."""
    import numpy as np
    import pandas as pd

    copies = -(-records // len(adlb))
    index = np.tile(np.arange(len(adlb)), copies)[:records]
    copy = np.repeat(np.arange(copies), len(adlb))[:records]
    big = adlb.iloc[index].reset_index(drop=True)
    for col in ("USUBJID", "SUBJID"):
        if col in big.columns:
            base = big[col].astype(str).to_numpy(dtype=object)
            new = pd.Series(base, dtype=object) + "-" + pd.Series(copy).map("{:05d}".format)
            big[col] = new.astype(adlb[col].dtype)
    return big


def one(records: int, writer: str, frame_path: Path, spec_path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from derivations.lengths import submission_lengths
    from derivations.spec import read_spec
    from derivations.study import Study

    study = Study.load(ROOT)
    spec = read_spec(spec_path)
    adlb = pd.read_pickle(frame_path)
    out = {"writer": writer, "records": len(adlb), "columns": adlb.shape[1],
           "frame_mb": adlb.memory_usage(deep=True).sum() / MB,
           "dtypes": sorted({str(t) for t in adlb.dtypes})}
    with tempfile.TemporaryDirectory(prefix="benchwrite-") as tmp:
        path = Path(tmp) / ("adlb.json" if writer == "datasetjson" else "adlb.xpt")
        base = current_rss()
        t0 = time.perf_counter()
        with Peak() as peak:
            lengths = submission_lengths({"ADLB": adlb}, spec)
        out["lengths_s"] = time.perf_counter() - t0
        out["lengths_peak_above_frame_mb"] = (peak.peak - base) / MB
        if writer != "lengths":
            base = current_rss()
            t0 = time.perf_counter()
            with Peak() as peak:
                if writer == "xpt":
                    from derivations.xpt import variables_from_spec, write_xpt

                    ds = spec.dataset("ADLB")
                    write_xpt(adlb, path, label=ds.label, variables=variables_from_spec(ds, lengths["ADLB"]),
                              created=study.created)
                else:
                    import inspect

                    from derivations.submission import write_dataset_jsons

                    given = {"lengths": lengths} if "lengths" in inspect.signature(write_dataset_jsons).parameters \
                        else {}  # (before the lengths were passed along, the writer fitted them again)
                    write_dataset_jsons({"ADLB": adlb}, spec, Path(tmp), created=study.created,
                                        study_id=study.studyid, **given)
            seconds = time.perf_counter() - t0
            out.update(write_s=seconds, peak_above_frame_mb=(peak.peak - base) / MB,
                       file_mb=path.stat().st_size / MB, mb_per_s=path.stat().st_size / MB / seconds,
                       records_per_s=len(adlb) / seconds)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=2_000_000)
    ap.add_argument("--writers", default=",".join(WRITERS[1:]), help=f"comma-separated: {', '.join(WRITERS)}")
    ap.add_argument("--name", default="write")
    ap.add_argument("--frame", type=Path, help="a pickled frame to reuse (written there when it does not exist)")
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # records writer frame spec: one subprocess
    args = ap.parse_args(argv)
    if args.one:
        records, writer, frame, spec = args.one
        print(json.dumps(one(int(records), writer, Path(frame), Path(spec))))
        return
    with tempfile.TemporaryDirectory(prefix="benchwrite-src-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        frame = args.frame or work / "adlb.pkl"
        if not frame.is_file():
            adlb = source_adlb(work)
            big = replicate(adlb, args.records)
            big.to_pickle(frame)
            del big, adlb
            print(f"frame of {args.records:,} records built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        sys.path.insert(0, str(ROOT))
        from derivations.study import Study

        spec = Study.load(ROOT).spec_path("adam")
        results = []
        for writer in args.writers.split(","):
            proc = subprocess.run([sys.executable, __file__, "--one", str(args.records), writer, str(frame),
                                   str(spec)], capture_output=True, text=True, cwd=ROOT)
            if proc.returncode:
                raise SystemExit(f"{writer} failed:\n{proc.stderr[-3000:]}")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    target = ROOT / "benchmarks" / "results" / f"{args.name}.json"
    target.write_text(json.dumps({"commit": commit, "records": args.records, "results": results}, indent=1) + "\n")
    print(f"-> {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
