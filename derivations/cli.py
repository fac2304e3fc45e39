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

    _compare_parser(sub)
    return p


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
    p.add_argument("--study", default=".", help="folders: the study whose specs give each dataset's keys "
                                                "(default: the current folder)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
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
        if args.command == "compare":
            return _compare(args)
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


def _compare(args) -> int:
    """Print the report; 0 equal, 1 different, 2 the compare could not run (one line on stderr says why)."""

    from .findings import DerivationError

    try:
        return _compare_run(args)
    except (DerivationError, OSError) as exc:
        print(f"derive compare: error: {exc}", file=sys.stderr)
        return 2


def _compare_run(args) -> int:
    from pathlib import Path

    from .compare import compare_datasets, compare_folders, spec_keys, write_differences
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
        result = compare_folders(base_path, comp_path, keys=keys, by_vars=by_vars, **options)
    else:
        base, bmeta = read_dataset(base_path)
        comp, cmeta = read_dataset(comp_path)
        result = compare_datasets(base, comp, by_vars=names(args.by), variables=names(args.var),
                                  with_vars=names(args.with_vars), base_meta=bmeta, compare_meta=cmeta, **options)
    sys.stdout.write(result.report_text(max_listed=args.max_listed))
    if args.html:
        Path(args.html).write_text(result.report_html(max_listed=args.max_listed), encoding="utf-8")
    if args.out_diffs:
        diffs = result.differences_dataset()
        write_differences(diffs, args.out_diffs)
        print(f"wrote {len(diffs)} difference(s) to {args.out_diffs}")
    if base_path.is_dir() and result.could_not_run:
        return 2
    return 0 if result.equal else 1


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
