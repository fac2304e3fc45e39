"""The ``derive`` command (also ``python -m derivations``).

Imports are lazy so that ``derive --help`` answers at once.

Exit codes: 0 success; 1 the run or check found errors (or datasets differ, for
``compare``); 2 the command could not run (bad arguments, missing files,
unreadable input).
"""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="derive",
        description="Spec-driven CDISC derivations: raw -> SDTM -> ADaM -> tables, XPT v5, validation.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a study's pipeline and write its outputs atomically")
    run.add_argument("--study", default=".", help="study folder (default: the current folder)")
    run.add_argument("--out", default="output", help="output folder (default: output/)")
    run.add_argument("--raw", default=None, help="raw data folder replacing the study's raw/")
    run.add_argument("--sdtm", default=None, help="read SDTM from this folder (XPT/parquet) instead of deriving it")
    run.add_argument("--stages", default="sdtm,adam,tlf", help="comma-separated stages to run (default: all)")

    val = sub.add_parser("validate", help="validate the XPT files of an output folder against the study's specs")
    val.add_argument("--study", default=".")
    val.add_argument("--out", default="output", help="output folder holding sdtm/ and adam/ (default: output/)")

    dfn = sub.add_parser("define", help="write define.xml 2.1 (+ stylesheet) for the sdtm/ and adam/ folders of an output folder")
    dfn.add_argument("--study", default=".")
    dfn.add_argument("--out", default="output", help="output folder holding sdtm/ and adam/ (default: output/)")

    chk = sub.add_parser("check", help="run the SDTM/ADaM conformance rules on the XPT files of an output folder")
    chk.add_argument("--study", default=".")
    chk.add_argument("--out", default="output", help="output folder holding sdtm/ and adam/ (default: output/)")

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

    cmp_ = sub.add_parser("compare", help="compare two datasets like PROC COMPARE (XPT, parquet, CSV, Dataset-JSON)",
                          add_help=False)
    cmp_.add_argument("args", nargs=argparse.REMAINDER)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["compare"]:
        from .compare import compare_main

        return compare_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "define":
            return _define(args)
        if args.command == "check":
            return _check(args)
        if args.command == "new":
            return _new(args)
        if args.command == "spec":
            return _spec_from_define(args)
    except FileNotFoundError as exc:
        print(f"derive {args.command}: {exc}", file=sys.stderr)
        return 2
    return 2


def _run(args) -> int:
    from .findings import DerivationError
    from .pipeline import RunFailed, run_study

    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    try:
        result = run_study(args.study, args.out, raw_dir=args.raw, sdtm_dir=args.sdtm, stages=stages)
    except RunFailed as exc:
        print(f"derive run failed: {exc}", file=sys.stderr)
        return 1
    except DerivationError as exc:
        print(f"derive run failed: {exc}", file=sys.stderr)
        return 1
    counts = {s: sum(f.severity == s for f in result.findings) for s in ("error", "warning", "note")}
    for stage, datasets in result.datasets.items():
        if datasets:
            print(f"{stage}: {', '.join(sorted(datasets))}")
    print(f"wrote {len(result.files)} dataset file(s) to {result.out_dir}")
    print(f"findings: {counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s)"
          f" -> {result.out_dir / 'findings.txt'}")
    return 0


def _validate(args) -> int:
    from .findings import DerivationError
    from .pipeline import validate_folder

    try:
        findings = validate_folder(args.study, args.out)
    except DerivationError as exc:
        print(f"derive validate: {exc}", file=sys.stderr)
        return 2
    print(findings.report())
    return 1 if findings.errors else 0


def _define(args) -> int:
    from pathlib import Path

    from .define import write_define
    from .findings import DerivationError
    from .pipeline import read_dataset_folder
    from .spec import read_spec
    from .study import Study

    try:
        study = Study.load(args.study)
        ct = study.settings.get("study", {}).get("ct_version")
        for stage in ("sdtm", "adam"):
            folder = Path(args.out) / stage
            spec_path = study.spec_path(stage)
            if spec_path is None or not folder.is_dir():
                continue
            data = read_dataset_folder(folder, encoding=study.encoding(stage)) or None
            path = write_define(read_spec(spec_path), folder, created=study.created, datasets=data, ct_version=ct,
                                settings=study.settings)
            print(f"wrote {path}")
    except DerivationError as exc:
        print(f"derive define: {exc}", file=sys.stderr)
        return 2
    return 0


def _spec_from_define(args) -> int:
    from pathlib import Path

    from .define_reader import spec_from_define
    from .findings import DerivationError
    from .spec import write_spec

    source, target = Path(args.define), Path(args.output)
    try:
        if not source.is_file():
            raise DerivationError(f"{source} not found", hint="give the path of a define.xml")
        if target.suffix.lower() != ".xlsx":
            raise DerivationError(f"{target}: the workbook must be an .xlsx file", hint="name it spec.xlsx")
        spec = spec_from_define(source)
        tmp = target.with_name(f".{target.name}.tmp.xlsx")
        write_spec(spec, tmp)
        tmp.replace(target)
    except DerivationError as exc:
        print(f"derive spec from-define: {exc}", file=sys.stderr)
        return 2
    n_vars = sum(len(d.variables) for d in spec.datasets.values())
    print(f"wrote {target}: {len(spec.datasets)} datasets, {n_vars} variables, {len(spec.codelists)} codelists, "
          f"{len(spec.where_clauses)} where clauses")
    return 0


def _check(args) -> int:
    from .conformance import check_folder
    from .findings import DerivationError

    try:
        findings = check_folder(args.study, args.out)
    except DerivationError as exc:
        print(f"derive check: {exc}", file=sys.stderr)
        return 2
    print(findings.report())
    return 1 if findings.errors else 0


def _new(args) -> int:
    from pathlib import Path

    from .findings import DerivationError
    from .scaffold import new_program, new_study

    try:
        if args.what == "study":
            root = Path(args.target)
            new_study(root, studyid=args.studyid or root.resolve().name.upper())
            print(f"wrote study {root}: run it with  derive run --study {root}")
        else:
            path = new_program(args.study, args.target)
            stub = "" if path.parent.name == "tlf" else "; spec stub added for its dataset"
            print(f"wrote {path} (listed in study.toml [{path.parent.name}] programs{stub})")
    except DerivationError as exc:
        print(f"derive new: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
