"""End-to-end benchmark of the embedded study at several sizes.

For each size, a fresh subprocess generates the raw data with the study's own
generator (raw/generate.py), runs the pipeline (raw -> SDTM -> ADaM -> TLF, as
far as the study defines stages) and reports, per stage: wall time, CPU time,
rows, MB written, and the process's peak memory. Figures are printed and
written as JSON (benchmarks/results/<name>.json) so runs can be compared.
It also writes one large SDTM dataset with our XPT writer and with
``pyreadstat.write_xport`` side by side, in the same process.

    python benchmarks/run.py                       # 1,000, 10,000 and 100,000 subjects
    python benchmarks/run.py --sizes 29,10000      # a quicker run
    python benchmarks/run.py --sizes 10000 --profile   # + pyinstrument profile per size
    python benchmarks/run.py --against baseline    # ratios to an earlier results file

With ``--profile`` each size's pipeline runs under pyinstrument (the
``bench`` extra); the call tree goes to benchmarks/results/profile-<n>.txt and
the costliest study programs and framework calls to the JSON (``top_costs``).
Profiling adds about 10% to the times.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class RssSampler(threading.Thread):
    """Samples the process's resident memory (``/proc/self/statm``) every ``interval`` seconds: all of it, and
    the part that is the process's own (resident minus file-backed pages: what a dataset held on disk and
    memory-mapped does not count, since the system can drop its pages and read them again)."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval, self.samples, self.anon, self._halt = interval, [], [], threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def rss_mb(self) -> float:
        return self.both_mb()[0]

    def both_mb(self) -> tuple[float, float]:
        with open("/proc/self/statm") as fh:
            fields = fh.read().split()
        resident, shared = int(fields[1]), int(fields[2])
        return resident * self._page / 2**20, (resident - shared) * self._page / 2**20

    def run(self):
        while not self._halt.is_set():
            rss, anon = self.both_mb()
            self.samples.append((time.perf_counter(), rss))
            self.anon.append(anon)
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()

    def peak(self, start: float, end: float) -> float:
        inside = [m for t, m in self.samples if start <= t <= end]
        return max(inside, default=0.0)

    def peak_anon(self, start: float, end: float) -> float:
        inside = [a for (t, _), a in zip(self.samples, self.anon) if start <= t <= end]
        return max(inside, default=0.0)


class DiskSampler(threading.Thread):
    """Samples the free space of the file system holding ``folder`` every ``interval`` seconds: the most the
    run took at once (its output folder, the datasets it holds on disk, the generated raw data) is the free
    space before it less the lowest seen."""

    def __init__(self, folder: Path, interval: float = 1.0):
        super().__init__(daemon=True)
        self.folder, self.interval, self._halt = folder, interval, threading.Event()
        self.before = self.lowest = shutil.disk_usage(folder).free

    def run(self):
        while not self._halt.is_set():
            self.lowest = min(self.lowest, shutil.disk_usage(self.folder).free)
            self._halt.wait(self.interval)

    def stop(self) -> dict:
        self._halt.set()
        self.join()
        return {"free_before_gb": round(self.before / 1e9, 2), "peak_taken_gb": round((self.before - self.lowest) / 1e9, 2)}


def _hash_records(digest, path: Path, chunk: int = 1 << 24) -> None:
    """Feed the records of the XPT file ``path`` (its data, without the headers) into ``digest``, a chunk at a time."""
    from derivations.xpt import xpt_layout

    layout = xpt_layout(path)
    left = layout.records * layout.row_length
    with open(path, "rb") as fh:
        fh.seek(layout.data_start)
        while left:
            block = fh.read(min(chunk, left))
            digest.update(block)
            left -= len(block)


def _records_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    _hash_records(digest, path)
    return digest.hexdigest()


def split_report(out: Path) -> list[dict]:
    """Each dataset the submission holds in numbered parts (over 5 GB): the whole file's and the parts' bytes
    and records, whether the parts' records read in order are the whole file's (SHA-256), and whether the
    package's define.xml lists the parts (and not the whole) and passes the Define-XML 2.1 schema."""
    import hashlib
    import re

    from lxml import etree

    from derivations.define import NS_DEF, NS_ODM, NS_XLINK, check_leaves, validate_define
    from derivations.xpt import xpt_layout

    report = []
    for define in sorted((out / "submission").glob("**/define.xml")):
        stage = "adam" if "analysis" in define.parts else "sdtm"
        whole = {p.stem: p for p in (out / stage).glob("*.xpt")}
        parts: dict[str, list[Path]] = {}
        for p in sorted(define.parent.glob("*.xpt")):
            m = re.fullmatch(r"([a-z]+?)(\d+)", p.stem)
            if p.stem not in whole and m and m.group(1) in whole:
                parts.setdefault(m.group(1), []).append(p)
        if not parts:
            continue
        doc = etree.parse(str(define))
        groups = {ig.get("Name"): ig.find(f"{{{NS_DEF}}}leaf").get(f"{{{NS_XLINK}}}href")
                  for ig in doc.iter(f"{{{NS_ODM}}}ItemGroupDef")}
        for name, files in parts.items():
            files.sort(key=lambda p: int(re.search(r"\d+$", p.stem).group()))
            joined = hashlib.sha256()
            for p in files:  # the parts' records, read in order, hashed as one stream
                _hash_records(joined, p)
            report.append({
                "stage": stage, "dataset": name.upper(), "bytes": whole[name].stat().st_size,
                "records": xpt_layout(whole[name]).records,
                "parts": [{"file": p.name, "bytes": p.stat().st_size, "records": xpt_layout(p).records,
                           "define_leaf": groups.get(p.stem.upper())} for p in files],
                "parts_records_equal_whole": joined.hexdigest() == _records_sha256(whole[name]),
                "define_lists_whole": name.upper() in groups,
                "define_schema_errors": len(validate_define(define)), "define_broken_links": check_leaves(define)})
    return report


class ProgramPeaks:
    """A ``derivations.progress.Progress`` that records, per program (and XPT step), its wall time, the
    resident memory when it ended and the highest seen while it ran (from the run's :class:`RssSampler`)."""

    def __init__(self, sampler: RssSampler):
        from derivations.progress import Progress

        self.sampler, self.rows = sampler, []
        self.progress = Progress(sys.stderr, force=True, heartbeat=60.0)
        self.records = self.progress.records

    def start(self, stage: str, name: str) -> None:
        self._t0, self._c0 = time.perf_counter(), time.process_time()
        self.progress.start(stage, name)

    def end(self, stage: str, name: str, rows=None, *, status: str = "done") -> float:
        t1 = time.perf_counter()
        seconds = self.progress.end(stage, name, rows, status=status)
        self.rows.append({"stage": stage, "program": name, "wall": round(t1 - self._t0, 2),
                          "cpu": round(time.process_time() - self._c0, 2),
                          "rss_end_mb": round(self.sampler.rss_mb()),
                          "peak_rss_mb": round(self.sampler.peak(self._t0, t1)),
                          "anon_end_mb": round(self.sampler.both_mb()[1]),
                          "peak_anon_mb": round(self.sampler.peak_anon(self._t0, t1))})
        row = self.rows[-1]
        print(f"   memory {stage}/{name}: peak {row['peak_rss_mb']:,} MB (own {row['peak_anon_mb']:,} MB), "
              f"{row['rss_end_mb']:,} MB after it; {row['cpu']:.1f} s CPU", file=sys.stderr, flush=True)
        return seconds

    def note(self, stage: str, text: str) -> None:
        self.progress.note(stage, text)


def study_with(folder, partitions: str = "", scheduler: str = "", links: bool = False):
    """The study of ``folder`` with ``partitions`` (``"sdtm.lb=20,adam.adlb=20"``: [stage] partitions) and the
    partition ``scheduler`` of those stages set, and with ``links`` ``[study] submission_links = true``, as
    study.toml would set them."""
    from derivations.settings import check_settings
    from derivations.study import Study

    study = Study.load(folder)
    settings = {k: dict(v) if isinstance(v, dict) else v for k, v in study.settings.items()}
    for item in filter(None, partitions.split(",")):
        key, _, value = item.partition("=")
        stage, _, program = key.strip().partition(".")
        settings[stage]["partitions"] = {**settings[stage].get("partitions", {}), program: int(value)}
        if scheduler:
            settings[stage]["partition_scheduler"] = scheduler
    if links:
        settings["study"]["submission_links"] = True
    study.settings = check_settings(settings, root=study.root)
    return study


def one(n: int, stages: str, seed: int, profile: bool = False, xpt_compare: bool = True, study=ROOT) -> dict:
    sys.path.insert(0, str(ROOT))
    from raw.generate import generate  # the study's generator

    from derivations.pipeline import run_study
    from derivations.spill import folder_bytes

    work = Path(tempfile.mkdtemp(prefix=f"bench{n}-"))
    disk = DiskSampler(work)
    disk.start()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        generate(n_subjects=n, seed=seed, out_dir=work / "raw")
        gen = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.01)
            profiler.start()
        sampler = RssSampler()
        sampler.start()
        t0, c0 = time.perf_counter(), time.process_time()
        peaks = ProgramPeaks(sampler)
        result = run_study(study, work / "out", raw_dir=work / "raw", stages=stages.split(","), progress=peaks)
        t_end = time.perf_counter()
        total = {"wall": t_end - t0, "cpu": time.process_time() - c0}
        sampler.stop()
        out = {"subjects": n, "generate": gen, "pipeline": total, "stages": {}, "programs": peaks.rows}
        if profiler is not None:
            profiler.stop()
            out["top_costs"] = top_costs(profiler, n)
        files = [f for f in (work / "out").glob("**/*") if f.is_file()]
        package = {f for f in files if _written_by_package(f.relative_to(work / "out"))}
        clock = t0  # stages run one after another: their windows follow from their durations
        for stage, t in result.timings.items():
            t = dict(t)
            t["mb_written"] = sum(f.stat().st_size for f in files
                                  if f not in package and f.relative_to(work / "out").parts[0] == stage) / 1e6
            span = t["derive_wall"] + t["write_wall"]
            t["peak_rss_mb"] = sampler.peak(clock, clock + span)
            clock += span
            out["stages"][stage] = t
        # what follows the last stage: Dataset-JSON, define.xml, submission folder, findings
        out["stages"]["package"] = {"derive_wall": 0.0, "derive_cpu": 0.0, "write_wall": t_end - clock,
                                    "write_cpu": None, "rows": 0,
                                    "mb_written": sum(f.stat().st_size for f in package) / 1e6,
                                    "peak_rss_mb": sampler.peak(clock, t_end)}
        sdtm = result.datasets.get("sdtm", {})
        rows = {k: sdtm.rows(k) if hasattr(sdtm, "rows") else len(sdtm[k]) for k in sdtm}
        out["sdtm_rows"] = rows
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the run's (and generator's)
        out["peak_anon_mb"] = sampler.peak_anon(t0, t_end)  # the run's own memory, without file-backed pages
        out["files_mb"] = {d: round(sum(f.stat().st_size for f in (work / "out" / d).glob("**/*") if f.is_file()) / 1e6, 1)
                           for d in ("sdtm", "adam", "tlf", "submission")}
        out["largest_xpt_mb"] = {f.stem.upper(): round(f.stat().st_size / 1e6, 1) for f in
                                 sorted((work / "out" / "adam").glob("*.xpt"), key=lambda f: -f.stat().st_size)[:3]}
        out["stored_gb"] = round(folder_bytes(work / "out") / 1e9, 2)  # hard links counted once
        out["split"] = split_report(work / "out")
        out["disk"] = disk.stop()
        if rows and xpt_compare:
            out["xpt_vs_pyreadstat"] = xpt_side_by_side(result, work)
        return out
    finally:
        if disk.is_alive():
            disk.stop()
        shutil.rmtree(work, ignore_errors=True)


def _written_by_package(rel: Path) -> bool:
    """Files of a run folder that the submission package writes (not the stage itself)."""
    return rel.parts[0] == "submission" or (
        rel.parts[0] in ("sdtm", "adam") and (rel.suffix == ".json" or rel.name.startswith("define")))


def top_costs(profiler, n: int, limit: int = 15) -> list[dict]:
    """Write the call tree to results/profile-<n>.txt; return the costliest study programs and
    framework calls made by the pipeline (wall seconds including what they call)."""
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"profile-{n}.txt").write_text(
        profiler.output_text(unicode=False, color=False, short_mode=False), encoding="utf-8")
    costs: dict[str, float] = {}

    def walk(frame):
        path = frame.file_path or ""
        if str(ROOT) in path and "/.venv/" not in path:
            rel = Path(path).relative_to(ROOT).as_posix()
            if not rel.startswith("benchmarks/") and rel != "derivations/pipeline.py":
                # a study program or a framework call made by the pipeline: its time including callees
                key = f"{rel}:{frame.function}"
                costs[key] = costs.get(key, 0.0) + frame.time
                return
        for child in frame.children:
            walk(child)

    walk(profiler.last_session.root_frame())
    top = sorted(costs.items(), key=lambda kv: -kv[1])[:limit]
    return [{"call": k, "wall": round(v, 2)} for k, v in top]


def xpt_side_by_side(result, work: Path) -> dict:
    """Write the largest SDTM dataset with both writers, same frame, same process."""
    import pyreadstat

    from derivations.study import Study
    from derivations.spec import read_spec
    from derivations.xpt import variables_from_spec, write_xpt

    name, frame = max(result.datasets["sdtm"].items(), key=lambda kv: len(kv[1]))
    spec = read_spec(Study.load(ROOT).spec_path("sdtm"))
    variables = variables_from_spec(spec.dataset(name))
    t0 = time.perf_counter()
    ours = write_xpt(frame, work / "ours" / f"{name.lower()}.xpt", label=spec.dataset(name).label,
                     variables=variables, created=Study.load(ROOT).created)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    pyreadstat.write_xport(frame, str(work / f"{name.lower()}.xpt"), table_name=name,
                           column_labels=[v.label for v in variables])
    t_prs = time.perf_counter() - t0
    mb = ours.stat().st_size / 1e6
    return {"dataset": name, "rows": len(frame), "mb": mb, "ours_s": t_ours, "ours_mb_s": mb / t_ours,
            "pyreadstat_s": t_prs, "pyreadstat_mb_s": mb / t_prs}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--stages", default="sdtm,adam,tlf")
    ap.add_argument("--seed", type=int, default=20220703)
    ap.add_argument("--name", default="latest", help="results file name (benchmarks/results/NAME.json)")
    ap.add_argument("--profile", action="store_true", help="profile each size with pyinstrument")
    ap.add_argument("--against", help="an earlier results file name (e.g. baseline): print this run's "
                                      "times and peaks as ratios of it, size by size")
    ap.add_argument("--no-xpt-compare", action="store_true",
                    help="skip writing the largest SDTM dataset with pyreadstat too (hours at 100,000 subjects with "
                         "labs: pyreadstat writes about 2 MB/s)")
    ap.add_argument("--partitions", default="", help="subject partitions as study.toml's [stage] partitions would "
                                                     "set them, e.g. sdtm.lb=20,sdtm.vs=5,adam.adlb=20,adam.advs=5")
    ap.add_argument("--scheduler", default="", choices=("", "synchronous", "threads"),
                    help="the partition scheduler of the stages --partitions names")
    ap.add_argument("--study", default=str(ROOT), help="the study folder (default: the embedded study)")
    ap.add_argument("--submission-links", action="store_true",
                    help="[study] submission_links = true: the submission folder hard-links the run's files")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one(args.one, args.stages, args.seed, args.profile, not args.no_xpt_compare,
                             study_with(Path(args.study).resolve(), args.partitions, args.scheduler,
                                        args.submission_links))))
        return 0
    results = []
    for n in [int(x) for x in args.sizes.split(",")]:
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--stages", args.stages,
                               "--seed", str(args.seed), "--study", args.study, "--partitions", args.partitions,
                               "--scheduler", args.scheduler] + (["--profile"] if args.profile else [])
                              + (["--no-xpt-compare"] if args.no_xpt_compare else [])
                              + (["--submission-links"] if args.submission_links else []),
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)  # progress lines go to our stderr
        if proc.returncode != 0:
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"\n== {n:,} subjects: generate {r['generate']['wall']:.1f} s, pipeline {r['pipeline']['wall']:.1f} s "
              f"wall / {r['pipeline']['cpu']:.1f} s CPU, peak RSS {r['peak_rss_mb']:.0f} MB")
        for stage, t in r["stages"].items():
            print(f"   {stage:7s} derive {t['derive_wall']:6.2f} s wall {t['derive_cpu']:6.2f} s CPU | "
                  f"write {t['write_wall']:6.2f} s | {t['rows']:>10,} rows | {t['mb_written']:8.1f} MB | "
                  f"peak {t.get('peak_rss_mb', 0):6.0f} MB")
        for p in sorted(r.get("programs", []), key=lambda p: -p["peak_rss_mb"])[:5]:
            print(f"   peak {p['peak_rss_mb']:6,} MB (own {p.get('peak_anon_mb', 0):6,} MB) in {p['stage']}/{p['program']} "
                  f"({p['wall']:.1f} s; {p['rss_end_mb']:,} MB after it)")
        for c in r.get("top_costs", [])[:8]:
            print(f"   profile {c['wall']:7.2f} s  {c['call']}")
        if "disk" in r:
            print(f"   disk: {r['disk']['peak_taken_gb']:.1f} GB taken at most ({r['disk']['free_before_gb']:.1f} GB "
                  f"free before); output folder {r['stored_gb']:.1f} GB stored")
        for s in r.get("split", []):
            print(f"   {s['dataset']} ({s['bytes'] / 1e9:.2f} GB, {s['records']:,} records) in the submission as "
                  + ", ".join(f"{p['file']} ({p['bytes'] / 1e9:.2f} GB, {p['records']:,})" for p in s["parts"])
                  + f"; records equal: {s['parts_records_equal_whole']}; define lists the whole: "
                  f"{s['define_lists_whole']}, schema errors {s['define_schema_errors']}")
        x = r.get("xpt_vs_pyreadstat")
        if x:
            print(f"   XPT {x['dataset']} ({x['rows']:,} rows, {x['mb']:.1f} MB): ours {x['ours_mb_s']:.0f} MB/s, "
                  f"pyreadstat {x['pyreadstat_mb_s']:.0f} MB/s")
    if len(results) >= 2:
        a, b = results[-2], results[-1]
        ra = sum(t["rows"] for t in a["stages"].values()) or 1
        rb = sum(t["rows"] for t in b["stages"].values()) or 1
        ratio = (b["pipeline"]["wall"] / rb) / (a["pipeline"]["wall"] / ra)
        print(f"\ntime per record at {b['subjects']:,} vs {a['subjects']:,} subjects: x{ratio:.2f}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{args.name}.json").write_text(json.dumps(results, indent=2) + "\n")
    if args.against:
        print_against(results, json.loads((out / f"{args.against}.json").read_text()), args.against)
    return 0


def print_against(results: list[dict], earlier: list[dict], name: str) -> None:
    """This run's wall times and peak memory as ratios of an earlier run's, for the sizes both ran."""
    before = {r["subjects"]: r for r in earlier}
    print(f"\nagainst {name}.json (ratio < 1: faster / smaller now)")
    for r in results:
        b = before.get(r["subjects"])
        if b is None:
            continue
        parts = [f"pipeline x{r['pipeline']['wall'] / b['pipeline']['wall']:.2f}",
                 f"peak RSS x{r['peak_rss_mb'] / b['peak_rss_mb']:.2f}"]
        for stage, t in r["stages"].items():
            tb = b["stages"].get(stage)
            if tb:
                parts.append(f"{stage} x{(t['derive_wall'] + t['write_wall']) / (tb['derive_wall'] + tb['write_wall']):.2f}")
        print(f"   {r['subjects']:>7,} subjects: " + ", ".join(parts))


if __name__ == "__main__":
    sys.exit(main())
