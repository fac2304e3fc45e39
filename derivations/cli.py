"""The ``derive`` command (also ``python -m derivations``): one entry point, no tracebacks.

Imports are lazy so that ``derive --help`` answers at once.

Every failure becomes one message on stderr — what went wrong, where (file,
line or record, dataset, variable, subject, value) and what to fix — and an
exit code:

====  =====================================================================
0     success (``compare``: the datasets are equal)
1     the run or check found errors (``compare``: the datasets differ)
2     the command could not run: bad arguments, a missing or unreadable
      input, an output folder it must not replace, a full disk
3     an internal error (a bug): one line says so and names the log file
      holding the traceback (``OUT/derive-error.log``, or the system's
      temporary folder when there is no output folder to write to)
130   interrupted (Ctrl-C; 143 for SIGTERM): the previous output is unchanged
====  =====================================================================
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from contextlib import contextmanager

EXIT_OK, EXIT_FOUND, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class Interrupted(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) turned into an exception, so that clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # --stage is not --stages
        super().__init__(*args, **kwargs)

    def error(self, message):  # one line of usage + the problem, exit 2 (as argparse does)
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="derive",
        description="Spec-driven CDISC derivations: raw -> SDTM -> ADaM -> tables, XPT v5, validation.",
        epilog="exit codes: 0 ok, 1 errors found (compare: different), 2 could not run (bad input or usage), "
               "3 internal error (traceback in the log file named), 130/143 interrupted",
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a study's pipeline and write its outputs atomically")
    run.add_argument("--study", default=".", help="study folder (default: the current folder)")
    run.add_argument("--out", default="output",
                     help="output folder (default: output/); replaced only if new, empty or written by derive")
    run.add_argument("--raw", default=None, help="raw data folder replacing the study's raw/")
    run.add_argument("--sdtm", default=None, help="read SDTM from this folder (XPT/parquet) instead of deriving it")
    run.add_argument("--adam", default=None, help="read ADaM from this folder (XPT/parquet) instead of deriving it")
    run.add_argument("--stages", default=None,
                     help="comma-separated stages to run: sdtm,adam,tlf (default: all); the others are kept "
                          "from the previous output, and the stage before the first is read from it")
    run.add_argument("--only", default=None, metavar="PROGRAM[,PROGRAM]",
                     help="run these programs (e.g. adtte, or adam/adtte) against the previous output in --out: "
                          "their inputs are read from there or from --sdtm/--adam (a program that writes a "
                          "missing one runs too); only their outputs are replaced, every other file is kept")
    _progress_arguments(run)

    for name, text in (("validate", "validate the XPT files of an output folder against the study's specs"),
                       ("define", "write define.xml 2.1 (+ stylesheet) for the sdtm/ and adam/ folders of an "
                                  "output folder"),
                       ("check", "run the SDTM/ADaM conformance rules on the XPT files of an output folder")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--study", default=".", help="study folder (default: the current folder)")
        cmd.add_argument("--out", default="output", help="output folder holding sdtm/ and adam/ (default: output/)")

    sub.add_parser("settings", help="print the settings study.toml may hold (key, type, default, description)")

    rules = sub.add_parser("rules", help="print the plausibility rules in force for a study (defaults + study.toml)")
    rules.add_argument("--study", default=".", help="study folder (default: the current folder)")

    new = sub.add_parser("new", help="scaffold a study folder, or one program of a study, from the templates")
    new.add_argument("what", choices=["study", "program"], help="study: a runnable study folder; program: one program")
    new.add_argument("target", help="study: the new folder; program: STAGE/NAME, e.g. adam/adlb")
    new.add_argument("--study", default=".", help="program: the study folder to add it to (default: .)")
    new.add_argument("--studyid", default=None, help="study: STUDYID (default: the folder's name, upper case)")

    spc = sub.add_parser("spec", help="spec workbooks: from-define turns an existing define.xml into a P21 workbook")
    spc_sub = spc.add_subparsers(dest="spec_command", required=True)
    frd = spc_sub.add_parser("from-define", help="write a P21 spec workbook from a define.xml (Define-XML 2.0 or 2.1)")
    frd.add_argument("define", help="the define.xml to read")
    frd.add_argument("-o", "--output", required=True, help="the .xlsx workbook to write")

    _compare_parser(sub)
    _qc_parser(sub)
    return p


def _progress_arguments(p) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--progress", action="store_true",
                   help="progress lines on stderr even when it is not a terminal (a pipe, a log file)")


def _qc_parser(sub) -> None:
    """``derive qc``: the study's QC programs run apart from production and compared (:mod:`derivations.qc`)."""
    p = sub.add_parser(
        "qc", help="run the study's QC (double) programs and compare them with the production outputs",
        description="Run the QC programs of study.toml [qc] against the production outputs of derive run --out DIR "
                    "and write the QC report to DIR/qc/ (HTML and CSV). Exit code 0: every check equal, 1: "
                    "differences, 2: a check could not run.")
    p.add_argument("--study", default=".", help="study folder (default: the current folder)")
    p.add_argument("--out", default="output", help="output folder of derive run (default: output/); the report "
                                                   "goes to OUT/qc/")
    _progress_arguments(p)


def _compare_parser(sub) -> None:
    """``derive compare``: the QC programmer's PROC COMPARE (:mod:`derivations.compare`)."""
    p = sub.add_parser(
        "compare", help="compare two datasets, or two folders of datasets, like PROC COMPARE",
        description="Compare two datasets (XPT, parquet, CSV, Dataset-JSON) like SAS PROC COMPARE, or two folders "
                    "dataset by dataset (keys from the study's specs). Exit code 0: equal, 1: different (values, "
                    "records, variables or attributes), 2: the compare could not run.")
    p.add_argument("base", help="base (production) dataset file, or folder")
    p.add_argument("compare", help="compare (QC) dataset file, or folder")
    p.add_argument("--by", default="", help="comma-separated key variables, e.g. USUBJID,PARAMCD,AVISITN "
                                             "(files: none matches by observation number; folders: overrides "
                                             "the spec's keys)")
    p.add_argument("--var", default=None, metavar="A,B", help="compare only these variables (PROC COMPARE VAR)")
    p.add_argument("--with", dest="with_vars", default=None, metavar="C,D",
                   help="compare variables paired with --var, in order (PROC COMPARE WITH)")
    p.add_argument("--method", choices=["absolute", "relative", "percent"], default=None,
                   help="how --tolerance applies to numbers (PROC COMPARE METHOD=; default absolute)")
    p.add_argument("--tolerance", "--criterion", type=float, default=0.0, metavar="T",
                   help="numeric tolerance (PROC COMPARE CRITERION=; default 0: exact)")
    p.add_argument("--relative", action="store_true", help="same as --method relative")
    p.add_argument("--ignore", default="", metavar="formats,labels,lengths",
                   help="attributes not compared (differences in them are reported apart from values anyway)")
    p.add_argument("--html", metavar="OUT.html", help="also write an HTML report")
    p.add_argument("--out-diffs", metavar="FILE", help="write every difference as a dataset (.csv or .parquet): "
                                                        "keys, variable, base, compare")
    p.add_argument("--max-listed", type=int, default=50, metavar="N",
                   help="differences listed per variable in the reports (default 50)")
    p.add_argument("--study", default=".", help="folders: the study whose specs give each dataset's keys; "
                                                "CSV files: the numeric variables, compared as numbers "
                                                "(default: the current folder)")


def main(argv: list[str] | None = None) -> int:
    """Run ``derive`` with ``argv``; return the exit code. Never raises, never prints a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command, out = (argv[0] if argv else "derive"), None
    with _signals_as_exceptions():
        try:
            try:
                args = _parser().parse_args(argv)
            except SystemExit as exc:  # --help (0) or a usage error (2), already printed
                return EXIT_OK if exc.code in (0, None) else EXIT_INPUT
            command, out = args.command, getattr(args, "out", None)
            from .outdir import forget_commits

            forget_commits()
            return _COMMANDS[args.command](args)
        except BaseException as exc:  # noqa: BLE001 - the one place every failure is mapped to a message
            if isinstance(exc, SystemExit):
                raise
            interrupt = _interrupt_of(exc)
            if interrupt is not None:
                from .outdir import was_committed

                signum = getattr(interrupt, "signum", signal.SIGINT)
                if command == "run" and out and was_committed(out):  # the signal came just after the swap
                    _say(command, f"interrupted ({signal.Signals(signum).name}) after the new output was complete "
                                  f"and in place in {out}")
                else:
                    _say(command, f"interrupted ({signal.Signals(signum).name}); nothing was replaced"
                                  + _unchanged(command, out, ": "))
                return 128 + int(signum)
            return _report(command, exc, out)


def _interrupt_of(exc: BaseException) -> KeyboardInterrupt | None:
    """The interrupt (Ctrl-C, SIGTERM) behind ``exc``: ``exc`` itself, or one it was raised while handling
    (clean-up that fails while a child process still writes, e.g. a temporary folder that is not yet empty)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__context__
    return None


def _say(command: str, text: str) -> None:
    print(terminal_safe(f"derive {command}: {text}"), file=sys.stderr)


def terminal_safe(text: str) -> str:
    r"""``text`` with control characters (an ANSI escape from a hostile file...) shown as ``\x1b``, so that
    nothing read from the input can move the cursor, clear or recolour the terminal; newlines and tabs stay.

    >>> terminal_safe("bad \x1b[2J value")
    'bad \\x1b[2J value'
    """
    import re

    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def _report(command: str, exc: BaseException, out) -> int:
    """Print one message for ``exc``; return its exit code."""
    from .findings import DerivationError

    if isinstance(exc, DerivationError):
        from .pipeline import RunFailed

        kind = "failed" if isinstance(exc, RunFailed) else "error"
        cause = exc.__cause__
        if getattr(exc, "log_traceback", False) and cause is not None:
            log = _log(command, cause, out)
            _say(command, f"{kind}: {exc} (traceback: {log})")
        else:
            _say(command, f"{kind}: {exc}")
        return EXIT_FOUND if isinstance(exc, RunFailed) else EXIT_INPUT
    if isinstance(exc, OSError):
        _say(command, f"error: {_os_error(exc)}" + _unchanged(command, out, "; "))
        return EXIT_INPUT
    missing = _missing_package(exc)
    if missing:
        _say(command, f"error: the Python package {missing!r} is not installed"
                      + _unchanged(command, out, "; ")
                      + ": install the project with its dependencies (pip install -e . in the project folder)")
        return EXIT_INPUT
    log = _log(command, exc, out)
    _say(command, f"internal error ({type(exc).__name__}: {_one_line(exc)}); the traceback is in {log}: "
                  f"if the input looks right, please report it with that file")
    return EXIT_INTERNAL


def _missing_package(exc: BaseException) -> str | None:
    """The top-level name of a package that is not installed, when ``exc`` is (or was raised from) its
    import: an installation to complete, not a bug (a module of this project that is missing stays one)."""
    while exc is not None:
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            top = exc.name.split(".")[0]
            return None if top == __name__.split(".")[0] else top
        exc = exc.__cause__ or exc.__context__
    return None


def _unchanged(command: str, out, sep: str) -> str:
    """What a failed or interrupted run left: the previous output, or nothing."""
    from pathlib import Path

    if command != "run" or not out:
        return ""
    if Path(out).is_dir():
        return f"{sep}the previous output in {out} is unchanged"
    return f"{sep}nothing was written to {out}"


def _log(command: str, exc: BaseException, out) -> str:
    """Write ``exc``'s traceback to the log file; return its path."""
    import traceback

    from .outdir import write_error_log

    text = "".join(traceback.format_exception(exc))
    return str(write_error_log(out if command == "run" else None, f"derive {command}\n{text}"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _os_error(exc: OSError) -> str:
    import errno

    where = exc.filename or ""
    if exc.filename2:
        where = f"{where} -> {exc.filename2}"
    fixes = {
        errno.ENOSPC: "no space left on the device: free some space and run again",
        errno.EDQUOT: "disk quota exceeded: free some space and run again",
        errno.EROFS: "the file system is read-only: choose a writable --out folder",
        errno.EACCES: "permission denied: choose a folder you can write to, or fix its permissions",
        errno.EPERM: "operation not permitted: choose a folder you can write to, or fix its permissions",
        errno.ENOENT: "not found: check the path",
        errno.EISDIR: "is a folder, not a file: check the path",
        errno.ENOTDIR: "is not a folder: check the path",
    }
    text = fixes.get(exc.errno) or (exc.strerror or _one_line(exc))
    if isinstance(exc, FileNotFoundError) and not exc.filename and exc.args:
        return _one_line(exc)  # our own FileNotFoundError("... not found: ...") messages
    return f"{where}: {text}" if where else text


@contextmanager
def _signals_as_exceptions():
    """SIGTERM and SIGHUP raise :class:`Interrupted` (SIGINT raises KeyboardInterrupt), so staging is removed.

    An interrupt that lands while a finalizer runs (an object's ``__del__``, a weakref callback, often
    inside the garbage collector) is swallowed by Python ("Exception ignored in ..."), and the run would
    go on to replace the output. While the command runs, such an interrupt is sent again to the main
    thread once the finalizer has ended, so that it always ends the run (exit 130/143, previous output
    intact) and no "Exception ignored" noise reaches the terminal.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted(signum)

    saved = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            saved[sig] = signal.signal(sig, handler)
    previous_hook, done = sys.unraisablehook, threading.Event()
    main_ident = threading.main_thread().ident

    def redeliver(signum: int) -> None:
        # from another thread, after the finalizer that swallowed the interrupt has returned: a signal
        # sent to the main thread also wakes a blocking call (sleep, read) there
        if not done.wait(0.02):
            signal.pthread_kill(main_ident, signum)

    def unraisable(unraisable) -> None:
        exc = unraisable.exc_value
        if isinstance(exc, KeyboardInterrupt) and not done.is_set():
            signum = int(getattr(exc, "signum", signal.SIGINT))
            threading.Thread(target=redeliver, args=(signum,), name="derive-interrupt", daemon=True).start()
            return
        previous_hook(unraisable)

    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        done.set()
        sys.unraisablehook = previous_hook
        for sig, old in saved.items():
            signal.signal(sig, old)


def _run(args) -> int:
    from .pipeline import run_study

    from .progress import Progress
    from .runlog import run_summary

    result = run_study(args.study, args.out, raw_dir=args.raw, sdtm_dir=args.sdtm, adam_dir=args.adam,
                       stages=args.stages, only=args.only,
                       progress=Progress(quiet=args.quiet, force=args.progress))
    for stage, datasets in result.datasets.items():
        if datasets:
            print(f"{stage}: {', '.join(sorted(datasets))}")
    print(run_summary(result.out_dir, result.findings, result.seconds, run_log=result.run_log))
    return EXIT_OK


def _qc(args) -> int:
    """Print the QC summary; the exit code is the verdict (0 equal, 1 differences, 2 could not run)."""
    from .progress import Progress
    from .qc import run_qc

    result = run_qc(args.study, args.out, progress=Progress(quiet=args.quiet, force=args.progress))
    sys.stdout.write(result.report_text())
    print(f"QC report: {result.out_dir / 'qc' / 'qc_report.html'} (as data: qc_report.csv), "
          f"{result.seconds:.1f} s")
    return result.exit_code


def _dataset_folders(args) -> list:
    """The ``sdtm``/``adam`` folders of ``--out`` that hold datasets; exit 2 when there are none."""
    from pathlib import Path

    from .findings import DerivationError

    out = Path(args.out)
    if not out.is_dir():
        raise DerivationError(f"output folder {out} not found" if not out.exists() else f"{out} is not a folder",
                              value=str(out), hint="pass --out DIR, the folder `derive run` wrote")
    folders = [out / s for s in ("sdtm", "adam") if (out / s).is_dir() and any((out / s).glob("*.xpt"))]
    if not folders:
        raise DerivationError(f"{out} holds no datasets (no sdtm/*.xpt or adam/*.xpt)", value=str(out),
                              hint="pass --out DIR, the folder `derive run` wrote")
    return folders


def _findings_of(check) -> int:
    """Run ``check(study, out)`` on the datasets of ``--out`` and print its findings; 1 when any is an error."""

    def command(args) -> int:
        _dataset_folders(args)
        findings = check(args.study, args.out)
        print(terminal_safe(findings.report()))
        return EXIT_FOUND if findings.errors else EXIT_OK

    return command


def _compare(args) -> int:
    """Print the report; 0 equal, 1 different, 2 the compare could not run (:func:`main` says why, in one line)."""
    from pathlib import Path

    from .compare import compare_datasets, compare_folders, spec_keys, spec_numeric, write_differences
    from .findings import DerivationError
    from .io import read_dataset

    def names(text):
        return None if text is None else [v.strip() for v in text.split(",") if v.strip()]

    if args.max_listed < 0:
        raise DerivationError("--max-listed must be >= 0", value=args.max_listed)
    method = args.method or ("relative" if args.relative else "absolute")
    if args.relative and args.method not in (None, "relative"):
        raise DerivationError(f"--relative contradicts --method {args.method}", hint="give one of them")
    options = dict(tolerance=args.tolerance, tolerance_type=method, ignore=args.ignore,
                   max_listed=None if args.out_diffs else args.max_listed)
    base_path, comp_path = Path(args.base), Path(args.compare)
    if base_path.is_dir() != comp_path.is_dir() and base_path.exists() and comp_path.exists():
        raise DerivationError(f"{base_path} and {comp_path}: compare a file with a file or a folder with a folder",
                              value=str(comp_path))
    if base_path.is_dir():
        if args.var or args.with_vars:
            raise DerivationError("--var/--with apply to one pair of datasets, not to folders",
                                  hint="compare the two dataset files with --var/--with")
        by_vars = names(args.by) or None
        keys = None if by_vars else spec_keys(args.study)
        result = compare_folders(base_path, comp_path, keys=keys, by_vars=by_vars, numeric=spec_numeric(args.study),
                                 **options)
    else:
        base, bmeta = read_dataset(base_path)
        comp, cmeta = read_dataset(comp_path)
        numeric = spec_numeric(args.study).get(bmeta.name) if bmeta.attributes.get("untyped") or \
            cmeta.attributes.get("untyped") else None  # CSV: numbers by the spec of the dataset of that name
        result = compare_datasets(base, comp, by_vars=names(args.by), variables=names(args.var),
                                  with_vars=names(args.with_vars), base_meta=bmeta, compare_meta=cmeta,
                                  numeric=numeric, **options)
    sys.stdout.write(result.report_text(max_listed=args.max_listed))
    if args.html:
        from .compare.html import GENERATOR
        from .outdir import check_report_file

        check_report_file(args.html, signature=f'<meta name="generator" content="{GENERATOR}">')
        Path(args.html).write_text(result.report_html(max_listed=args.max_listed), encoding="utf-8")
    if args.out_diffs:
        diffs = result.differences_dataset()
        write_differences(diffs, args.out_diffs)
        print(f"wrote {len(diffs)} difference(s) to {args.out_diffs}")
    if base_path.is_dir() and result.could_not_run:
        return 2
    return 0 if result.equal else 1


def _validate(args) -> int:
    from .pipeline import validate_folder

    return _findings_of(validate_folder)(args)


def _define(args) -> int:
    from pathlib import Path

    from .define import DefineError, check_define, write_define
    from .io import read_dataset_folder
    from .spec import read_spec
    from .study import Study

    study = Study.load(args.study)
    specs = {}
    for stage in ("sdtm", "adam"):  # a spec that cannot become define.xml is named before anything else
        spec_path = study.spec_path(stage)
        if spec_path is not None and (Path(args.out) / stage).is_dir():
            specs[stage] = spec = read_spec(spec_path)
            problems = check_define(spec, study.settings)
            if problems:
                raise DefineError(f"spec {spec_path} cannot become define.xml: {len(problems)} problem(s):\n  "
                                  + "\n  ".join(problems), hint="fix the spec workbook")
    ct = study.settings.get("study", {}).get("ct_version")
    folders = _dataset_folders(args)
    _refuse_overwriting_others_defines(Path(args.out), [f for f in folders if f.name in specs])
    for folder in folders:
        if folder.name in specs:
            data = read_dataset_folder(folder) or None
            path = write_define(specs[folder.name], folder, created=study.created, datasets=data, ct_version=ct,
                                settings=study.settings)
            print(f"wrote {path}")
    return EXIT_OK


def _check(args) -> int:
    from .conformance import check_folder

    return _findings_of(check_folder)(args)


def _settings(args) -> int:
    from .settings import settings_table

    print(settings_table())
    return EXIT_OK


def _rules(args) -> int:
    from .plausibility import rules_table
    from .study import Study

    print(rules_table(Study.load(args.study).settings))
    return EXIT_OK


def _refuse_overwriting_others_defines(out, folders) -> None:
    """``derive define`` into a folder that derive did not write must not replace a define.xml found there."""
    from .define import HTML, STYLESHEET
    from .outdir import OutputFolderError, is_output_folder

    if is_output_folder(out):
        return
    for folder in folders:
        present = [name for name in ("define.xml", HTML, STYLESHEET) if (folder / name).exists()]
        if present:
            raise OutputFolderError(
                f"{folder} already holds {', '.join(present)}, and {out} is not a folder derive wrote",
                value=str(folder / present[0]),
                hint="move that define.xml away first (derive define writes define.xml, define.html and "
                     "define2-1.xsl), or run it on the output folder of derive run")


def _spec_from_define(args) -> int:
    from pathlib import Path

    from .define_reader import spec_from_define
    from .findings import DerivationError
    from .spec import write_spec

    source, target = Path(args.define), Path(args.output)
    if not source.is_file():
        raise DerivationError(f"{source} not found", hint="give the path of a define.xml")
    if target.suffix.lower() != ".xlsx":
        raise DerivationError(f"{target}: the workbook must be an .xlsx file", hint="name it spec.xlsx")
    if target.exists():
        raise DerivationError(f"{target} exists: derive does not replace a workbook it may not have written",
                              value=str(target), hint="give a new file name, or move the old workbook away first")
    spec = spec_from_define(source)
    tmp = target.with_name(f".{target.name}.tmp.xlsx")
    try:
        write_spec(spec, tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    n_vars = sum(len(d.variables) for d in spec.datasets.values())
    print(f"wrote {target}: {len(spec.datasets)} datasets, {n_vars} variables, {len(spec.codelists)} codelists, "
          f"{len(spec.where_clauses)} where clauses")
    return EXIT_OK


def _new(args) -> int:
    from pathlib import Path

    from .scaffold import new_program, new_study

    if args.what == "study":
        root = Path(args.target)
        new_study(root, studyid=args.studyid or root.resolve().name.upper())
        print(f"wrote study {root}: run it with  derive run --study {root}")
    else:
        path = new_program(args.study, args.target)
        stub = "" if path.parent.name == "tlf" else "; spec stub added for its dataset"
        print(f"wrote {path} (listed in study.toml [{path.parent.name}] programs{stub})")
    return EXIT_OK


_COMMANDS = {"settings": _settings, "rules": _rules, "new": _new, "spec": _spec_from_define, "run": _run,
             "validate": _validate, "define": _define, "check": _check,
             "compare": _compare, "qc": _qc}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
