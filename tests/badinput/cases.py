"""The bad-input catalogue: one row per case (see harness.py for what every case asserts).

Families: outputs, stages, interrupt, commands, toml, program, numeric, plausibility, csv,
embedded (the embedded study, where the toy cannot show it), reading (owner: readers), spec (owner: define). Add a row to the family's list.
"""

from __future__ import annotations

import json
import re

from harness import (
    EACCES, ENOSPC, EROFS, RUN, Case, append, delete, edit, edit_bytes, mkdir, oserror, patch, recode, symlink, toml,
    toml_drop, truncate, truncate_xpt, truncate_xpt_records, write,
)

R = RUN


def keeps(*rels):
    """Check: these files of the previous output are byte-identical after the run."""

    def check(ws, output):
        import hashlib

        for rel in rels:
            now = ws.out / rel
            assert now.is_file(), f"{rel} was not kept"
            assert hashlib.sha256(now.read_bytes()).hexdigest() == ws.baseline[rel], f"{rel} changed"

    return check


def has(*rels, absent=()):
    def check(ws, output):
        for rel in rels:
            assert (ws.out / rel).exists(), f"{rel} missing"
        for rel in absent:
            assert not (ws.out / rel).exists(), f"{rel} should not be there"

    return check


def finding(pattern, severity=None):
    """Check: findings.csv has a row matching ``pattern`` (and ``severity``)."""

    def check(ws, output):
        import csv

        with (ws.out / "findings.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        hits = [r for r in rows if re.search(pattern, ",".join(r.values()))]
        assert hits, f"no finding matches {pattern!r}: {rows}"
        if severity:
            assert {r["severity"] for r in hits} == {severity}, hits

    return check


# --------------------------------------------------------------------------- outputs: the tool deletes only what it wrote
OUTPUTS = [
    Case("outputs", "out-is-study", argv="run --study {study} --out {study}", message=r"--out .*is the study folder"),
    Case("outputs", "out-is-raw", argv="run --study {study} --out {study}/raw", message=r"is the raw data folder"),
    Case("outputs", "out-inside-raw", argv="run --study {study} --out {study}/raw/out",
         message=r"lies inside the raw data folder"),
    Case("outputs", "out-is-specs", argv="run --study {study} --out {study}/specs", message=r"holds the sdtm spec"),
    Case("outputs", "out-is-program-folder", argv="run --study {study} --out {study}/sdtm",
         message=r"is the sdtm programs folder"),
    Case("outputs", "out-inside-program-folder", argv="run --study {study} --out {study}/adam/x",
         message=r"lies inside the adam programs folder"),
    Case("outputs", "out-holds-study", argv="run --study {study} --out {ws}", message=r"holds the study folder"),
    Case("outputs", "out-is-root", argv="run --study {study} --out /", message=r"--out is the root folder /"),
    Case("outputs", "out-is-home", argv="run --study {study} --out {home}", message=r"is the home folder"),
    Case("outputs", "out-is-tilde", argv="run --study {study} --out ~", message=r"is the home folder"),
    Case("outputs", "out-holds-home", argv="run --study {study} --out {ws}/..", message=r"holds"),
    Case("outputs", "out-is-file", breaks=(write("elsewhere/out.txt", "mine\n"),),
         argv="run --study {study} --out {ws}/elsewhere/out.txt", message=r"is a file, not a folder"),
    Case("outputs", "out-unmarked-folder", argv="run --study {study} --out {ws}/elsewhere",
         message=r"holds files that derive did not write \(notes.txt\)"),
    Case("outputs", "out-marker-deleted", breaks=(delete("out/.derive-output"),),
         message=r"holds files that derive did not write .*no \.derive-output marker"),
    Case("outputs", "out-user-file-no-marker", breaks=(delete("out/.derive-output"), write("out/mine.sas", "x")),
         message=r"mine\.sas"),
    Case("outputs", "out-is-sdtm-input", argv="run --study {study} --sdtm {ws}/elsewhere --out {ws}/elsewhere",
         message=r"is the --sdtm folder|holds files that derive did not write"),
    Case("outputs", "out-holds-sdtm-input", breaks=(mkdir("elsewhere/sd"),),
         argv="run --study {study} --sdtm {ws}/elsewhere/sd --out {ws}/elsewhere", message=r"holds the --sdtm folder"),
    Case("outputs", "out-holds-raw-input", breaks=(mkdir("elsewhere/raw2"),),
         argv="run --study {study} --raw {ws}/elsewhere/raw2 --out {ws}/elsewhere", message=r"holds the raw data folder"),
    Case("outputs", "raw-inside-out", breaks=(write("out/raw/dm.csv", "SUBJID\n"),),
         argv="run --study {study} --raw {out}/raw --out {out}", message=r"holds the raw data folder"),
    Case("outputs", "out-symlink-to-study", breaks=(symlink("elsewhere/link", "{study}"),),
         argv="run --study {study} --out {ws}/elsewhere/link", message=r"is the study folder"),
    Case("outputs", "new-folder-ok", argv="run --study {study} --out {ws}/elsewhere/new", out="elsewhere/new",
         exit=0, message=r"wrote 33 files to .*: datasets 8, ", records=("dm.csv", "DM")),
    Case("outputs", "empty-folder-ok", breaks=(mkdir("elsewhere/empty"),), out="elsewhere/empty",
         argv="run --study {study} --out {ws}/elsewhere/empty", exit=0, message=r"wrote 33 files to .*: datasets 8, "),
    Case("outputs", "marked-folder-replaced", exit=0, message=r"wrote 33 files to .*: datasets 8, ",
         breaks=(write("out/derive-error.log", "old log"), write("out/tlf/ard/.~lock.t_sex.csv#", "lock")),
         check=has(".derive-output", "sdtm/dm.xpt", absent=["derive-error.log", "tlf/ard/.~lock.t_sex.csv#"])),
    Case("outputs", "user-file-in-marked-folder", breaks=(write("out/extra.txt", "mine"),),
         message=r"holds files that derive did not write \(extra\.txt\); a run would delete them"),
    Case("outputs", "user-file-deep-in-marked-folder", breaks=(write("out/tlf/my_notes.docx", "mine"),),
         argv=R + " --stages sdtm", message=r"tlf/my_notes\.docx"),
    Case("outputs", "marker-written", previous=False, exit=0, message=r"wrote", check=has(".derive-output")),
    Case("outputs", "stale-staging-cleaned", exit=0, message=r"wrote",
         breaks=(write("out/../.out.derive-staging-999999-abc/.derive-output", "x"),),
         check=lambda ws, o: not (ws.root / ".out.derive-staging-999999-abc").exists() or 1 / 0),
    Case("outputs", "concurrent-run-refused", breaks=(write(".out.derive-staging-1-abc/.derive-output", "x"),),
         message=r"another derive run \(process 1\) is writing .*out now"),
    Case("outputs", "others-staging-untouched", exit=0, message=r"wrote",
         breaks=(write("elsewhere/.out.derive-staging-999999-abc/keep.txt", "x"),
                 write(".out.derive-staging-999999-xyz/keep.txt", "unmarked: not the tool's")),
         check=lambda ws, o: (ws.root / ".out.derive-staging-999999-xyz/keep.txt").exists() or 1 / 0),
    Case("outputs", "half-swap-restored", previous=False, exit=0, message=r"wrote",
         breaks=(write(".out.derive-old-999999-0/.derive-output", "x"),),
         check=lambda ws, o: not (ws.root / ".out.derive-old-999999-0").exists() or 1 / 0),
    Case("outputs", "parent-is-file", breaks=(write("elsewhere/f", "x"),), argv="run --study {study} --out {ws}/elsewhere/f/out",
         message=r"elsewhere/f is a file, not a folder"),
]

# --------------------------------------------------------------------------- stages: names, partial runs, input folders
STAGES = [
    Case("stages", "unknown", argv=R + " --stages foo", message=r"unknown stage 'foo'.*sdtm, adam, tlf"),
    Case("stages", "typo-adm", argv=R + " --stages adm", message=r"unknown stage 'adm' .*did you mean 'adam'"),
    Case("stages", "typo-tfl", argv=R + " --stages sdtm,tfl", message=r"unknown stage 'tfl'"),
    Case("stages", "upper-case", argv=R + " --stages SDTM", message=r"unknown stage 'SDTM'"),
    Case("stages", "empty", argv=R + " --stages ,", message=r"--stages names no stage"),
    Case("stages", "blank-item", argv=R + " --stages sdtm,,adam", message=r"--stages names no stage"),
    Case("stages", "sdtm-keeps-adam-tlf", argv=R + " --stages sdtm", exit=0, message=r"sdtm: DM, EX, TR",
         check=lambda ws, o: (keeps("adam/adsl.xpt", "tlf/ard/t_sex.csv")(ws, o),
                              finding(r"adam/ kept from the previous output", "warning")(ws, o))),
    Case("stages", "adam-alone", argv=R + " --stages adam", exit=0, message=r"adam: ADSL",
         check=lambda ws, o: keeps("sdtm/dm.xpt", "tlf/ard/t_sex.csv")(ws, o)),
    Case("stages", "tlf-alone", argv=R + " --stages tlf", exit=0, message=r"tlf: T_SEX",
         check=lambda ws, o: keeps("sdtm/dm.xpt", "adam/adsl.xpt", "tlf/ard/t_sex.csv")(ws, o)),
    Case("stages", "adam-tlf-from-own-sdtm", argv=R + " --stages adam,tlf --sdtm {out}/sdtm", exit=0,
         message=r"adam: ADSL", check=lambda ws, o: keeps("sdtm/dm.xpt", "adam/adsl.xpt")(ws, o)),
    Case("stages", "tlf-from-own-adam", argv=R + " --stages tlf --adam {out}/adam", exit=0, message=r"tlf: T_SEX",
         check=lambda ws, o: keeps("adam/adsl.xpt", "tlf/ard/t_sex.csv")(ws, o)),
    Case("stages", "tlf-from-other-adam", breaks=(), argv="run --study {study} --adam {out}/adam --out {ws}/elsewhere/n "
         "--stages tlf", out="elsewhere/n", exit=0, message=r"tlf: T_SEX", check=None),
    Case("stages", "adam-needs-sdtm", previous=False, argv=R + " --stages adam",
         message=r"adam/adsl\.py reads DM, which is missing: sdtm/dm\.py writes it, but the sdtm stage did not run.*--sdtm DIR"),
    Case("stages", "tlf-needs-adam", previous=False, argv=R + " --stages tlf",
         message=r"tlf/t_sex\.py reads ADSL, which is missing: adam/adsl\.py writes it, but the adam stage did not run"),
    Case("stages", "adam-sdtm-deleted", breaks=(delete("out/sdtm"),), argv=R + " --stages adam",
         message=r"adam/adsl\.py reads DM, which is missing"),
    Case("stages", "sdtm-dir-missing", argv=R + " --stages adam --sdtm {ws}/nowhere", message=r"nowhere.*not found"),
    Case("stages", "sdtm-dir-empty", breaks=(mkdir("elsewhere/sd"),), argv=R + " --stages adam --sdtm {ws}/elsewhere/sd",
         message=r"elsewhere/sd holds no SDTM datasets"),
    Case("stages", "adam-dir-is-file", argv=R + " --stages tlf --adam {ws}/elsewhere/notes.txt",
         message=r"notes.txt.*not found|not a folder"),
    Case("stages", "sdtm-xpt-corrupt", breaks=(write("out/sdtm/dm.xpt", b"garbage"),), argv=R + " --stages adam",
         message=r"dm\.xpt"),
    Case("stages", "adam-dir-is-sdtm-folder", argv=R + " --stages tlf --adam {out}/sdtm --sdtm {out}/sdtm",
         message=r"tlf/t_sex\.py reads ADSL, which is missing: the adam stage did not run, and the ADaM datasets read "
                 r"\(DM, EX, TR\) do not include it \(dataset ADSL\): give --adam the folder that holds adsl\.xpt"),
    Case("stages", "all-given-nothing-to-run", argv=R + " --stages sdtm --sdtm {out}/sdtm",
         message=r"no stage left to run"),
    Case("stages", "unknown-option", argv=R + " --stage sdtm", message=r"unrecognized arguments: --stage"),
]

# --------------------------------------------------------------------------- interrupt: signals, full disk, unwritable folders
def _raiser(exc):
    def factory(ws):
        def fake(*a, **k):
            raise exc

        return fake

    return factory


def _interrupt(signum):
    from derivations.cli import Interrupted

    return _raiser(Interrupted(signum))


def _interrupt_after_swap(ws):
    """remove_output_folder that removes the previous output after the swap, then gets a Ctrl-C."""
    import derivations.outdir as outdir

    real = outdir.remove_output_folder

    def fake(path):
        real(path)
        if outdir.was_committed(ws.out):
            raise KeyboardInterrupt

    return fake


INTERRUPT = [
    Case("interrupt", "sigint-just-after-swap", breaks=(patch("derivations.outdir.remove_output_folder",
                                                              _interrupt_after_swap),),
         exit=130, message=r"interrupted \(SIGINT\) after the new output was complete and in place in .*out\n$",
         check=lambda ws, o: (ws.out / "findings.txt").is_file() or 1 / 0),
    Case("interrupt", "sigint", breaks=(patch("derivations.pipeline.write_findings", _raiser(KeyboardInterrupt())),),
         exit=130, message=r"interrupted \(SIGINT\).*previous output in .* is unchanged"),
    Case("interrupt", "sigterm", breaks=(patch("derivations.pipeline.write_findings", _interrupt(15)),),
         exit=143, message=r"interrupted \(SIGTERM\)"),
    Case("interrupt", "sighup", breaks=(patch("derivations.pipeline.write_findings", _interrupt(1)),),
         exit=129, message=r"interrupted \(SIGHUP\)"),
    Case("interrupt", "sigint-in-program", breaks=(edit("study/sdtm/ex.py", "def derive(ctx):",
                                                        "def derive(ctx):\n    raise KeyboardInterrupt"),),
         exit=130, message=r"interrupted"),
    Case("interrupt", "disk-full-xpt", breaks=(patch("derivations.xpt.write_xpt", oserror(ENOSPC, 1)),),
         message=r"no space left on the device.*previous output .* is unchanged"),
    Case("interrupt", "disk-full-first-run", previous=False,
         breaks=(patch("derivations.xpt.write_xpt", oserror(ENOSPC)),), message=r"no space left"),
    Case("interrupt", "read-only-fs", breaks=(patch("derivations.xpt.write_xpt", oserror(EROFS)),),
         message=r"read-only"),
    Case("interrupt", "permission-denied", breaks=(patch("derivations.xpt.write_xpt", oserror(EACCES)),),
         message=r"permission denied"),
    Case("interrupt", "unwritable-parent", breaks=(patch("derivations.outdir.tempfile.mkdtemp",
                                                         _raiser(PermissionError(13, "Permission denied", "/x"))),),
         message=r"permission denied"),
    Case("interrupt", "memory-error", breaks=(patch("derivations.pipeline.write_findings", _raiser(MemoryError())),),
         exit=3, message=r"internal error \(MemoryError.*traceback is in .*derive-error\.log"),
    Case("interrupt", "internal-error-logged", breaks=(patch("derivations.pipeline.write_findings",
                                                             _raiser(RuntimeError("boom"))),),
         exit=3, message=r"internal error \(RuntimeError: boom\).*derive-error\.log",
         check=lambda ws, o: None if "Traceback" in (ws.out / "derive-error.log").read_text() else 1 / 0),
    Case("interrupt", "disk-full-in-program", breaks=(edit("study/sdtm/ex.py", "def derive(ctx):",
                                                           "def derive(ctx):\n    raise OSError(28, 'No space left on "
                                                           "device', 'ex.rtf')"),),
         message=r"ex\.rtf: no space left on the device: free some space and run again; the previous output in .* "
                 r"is unchanged",
         check=lambda ws, o: not (ws.out / "derive-error.log").exists() or 1 / 0),  # a full disk is no program bug
    Case("interrupt", "read-only-in-program", breaks=(edit("study/tlf/t_sex.py", "def derive(ctx):",
                                                           "def derive(ctx):\n    raise OSError(30, 'Read-only file "
                                                           "system', 't.rtf')"),),
         message=r"t\.rtf: the file system is read-only: choose a writable --out folder"),
    Case("interrupt", "sigint-then-cleanup-fails", breaks=(edit("study/sdtm/ex.py", "def derive(ctx):",
                                                                "def derive(ctx):\n    try:\n        raise KeyboardInterrupt"
                                                                "\n    finally:\n        raise OSError(39, 'Directory not "
                                                                "empty', 'user')"),),
         exit=130, message=r"^derive run: interrupted \(SIGINT\); nothing was replaced: the previous output"),
    Case("interrupt", "package-not-installed",
         breaks=(patch("derivations.pipeline.write_findings",
                       _raiser(ModuleNotFoundError("No module named 'pypdf'", name="pypdf"))),),
         message=r"the Python package 'pypdf' is not installed; the previous output in .* is unchanged: install the "
                 r"project with its dependencies"),
    Case("interrupt", "own-module-missing-is-internal",
         breaks=(patch("derivations.pipeline.write_findings",
                       _raiser(ModuleNotFoundError("No module named 'derivations.nope'", name="derivations.nope"))),),
         exit=3, message=r"internal error \(ModuleNotFoundError: No module named 'derivations\.nope'\)"),
    Case("interrupt", "swap-fails", breaks=(patch("derivations.outdir._exchange",
                                                  _raiser(OSError(16, "Device or resource busy", "/o"))),),
         message=r"busy"),
]

def _diff_cells(path):
    """The BASE column of a differences CSV."""
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        return [row["BASE"] for row in csv.DictReader(fh)]


# --------------------------------------------------------------------------- commands: validate / check / define / compare / usage
COMMANDS = [
    Case("commands", f"{cmd}-{what}", argv=f"{cmd} --study {{study}} --out {arg}", message=msg, previous=prev)
    for cmd in ("validate", "check", "define")
    for what, arg, msg, prev in (
        ("missing-folder", "{ws}/nowhere", r"nowhere not found", True),
        ("empty-folder", "{ws}/home", r"holds no datasets", True),
        ("file", "{ws}/elsewhere/notes.txt", r"is not a folder", True),
        ("no-xpt", "{ws}/elsewhere", r"holds no datasets", True),
    )
] + [
    Case("commands", "validate-ok", argv="validate --study {study} --out {out}", exit=0, message=r"0 finding"),
    Case("commands", "validate-corrupt-xpt", breaks=(write("out/sdtm/dm.xpt", b"HEADER RECORD garbage"),),
         argv="validate --study {study} --out {out}", message=r"dm\.xpt"),
    Case("commands", "check-corrupt-xpt", breaks=(write("out/adam/adsl.xpt", b"garbage"),),
         argv="check --study {study} --out {out}", message=r"adsl\.xpt"),
    Case("commands", "validate-no-study", argv="validate --study {ws}/nowhere --out {out}",
         message=r"study\.toml not found"),
    Case("commands", "unknown-command", argv="frobnicate", message=r"invalid choice: 'frobnicate'"),
    Case("commands", "no-command", argv="", message=r"required: command|the following arguments are required"),
    Case("commands", "run-no-study", argv="run --study {ws}/nowhere --out {out}", message=r"study\.toml not found"),
    Case("commands", "run-study-is-file", argv="run --study {ws}/elsewhere/notes.txt --out {out}",
         message=r"study\.toml not found"),
    Case("commands", "compare-missing-file", argv="compare {ws}/a.xpt {ws}/b.xpt --by USUBJID",
         message=r"a\.xpt"),
    Case("commands", "compare-no-args", argv="compare", message=r"required"),
    Case("commands", "compare-bad-tolerance", argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --tolerance x",
         message=r"tolerance"),
    Case("commands", "compare-unknown-key", argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --by NOPE",
         message=r"NOPE"),
    Case("commands", "compare-equal", argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --by USUBJID", exit=0,
         message=r"(?i)equal|no differences"),
    Case("commands", "compare-html-into-folder", argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --by USUBJID "
         "--html {ws}/elsewhere", message=r"elsewhere"),
    Case("commands", "define-keeps-others-define", breaks=(mkdir("elsewhere/o/sdtm"), write("elsewhere/o/sdtm/define.xml", "mine"),
                                                           write("elsewhere/o/sdtm/dm.xpt", b"")),
         argv="define --study {study} --out {ws}/elsewhere/o",
         message=r"already holds define\.xml, and .*elsewhere/o is not a folder derive wrote"),
    Case("commands", "define-rewrites-own-output", argv="define --study {study} --out {out}", exit=0,
         message=r"wrote .*sdtm/define\.xml"),
    Case("commands", "spec-from-define-keeps-workbook", argv="spec from-define {out}/sdtm/define.xml -o {study}/specs/sdtm_spec.xlsx",
         message=r"sdtm_spec\.xlsx exists: derive does not replace"),
    Case("commands", "spec-from-define-missing", argv="spec from-define {ws}/nope.xml -o {ws}/elsewhere/s.xlsx",
         message=r"nope\.xml not found"),
    Case("commands", "compare-html-keeps-others-file", argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --by USUBJID "
         "--html {study}/specs/sdtm_spec.xlsx", message=r"sdtm_spec\.xlsx exists and derive did not write it"),
    Case("commands", "compare-html-rewrites-own", out="elsewhere/c.html",
         breaks=(write("elsewhere/c.html", '<!DOCTYPE html><meta name="generator" content="derive compare">'),),
         argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --by USUBJID --html {ws}/elsewhere/c.html", exit=0,
         message=r"(?i)equal"),
    Case("commands", "compare-diffs-keeps-others-csv", breaks=(write("elsewhere/mine.csv", "a,b\n1,2\n"),),
         argv="compare {out}/sdtm/dm.xpt {out}/sdtm/dm.xpt --by USUBJID --out-diffs {ws}/elsewhere/mine.csv",
         message=r"mine\.csv exists and is not a differences dataset derive wrote; it is not replaced"),
    Case("commands", "compare-diffs-no-formula", out="elsewhere/d.csv",
         breaks=(write("elsewhere/a.csv", "USUBJID,X\n1,=1+1\n2,@SUM(A1)\n"), write("elsewhere/b.csv", "USUBJID,X\n1,ok\n2,ok\n")),
         argv="compare {ws}/elsewhere/a.csv {ws}/elsewhere/b.csv --by USUBJID --out-diffs {ws}/elsewhere/d.csv",
         exit=1, message=r"wrote 2 difference\(s\)",
         check=lambda ws, o: _diff_cells(ws.path("elsewhere/d.csv")) == ["'=1+1", "'@SUM(A1)"] or 1 / 0),
    Case("commands", "compare-diffs-rewrites-own", out="elsewhere/d.csv",
         breaks=(write("elsewhere/d.csv", "TYPE,USUBJID,VARIABLE,COMPVAR,BASE,COMPARE,DIFF\n"),
                 write("elsewhere/a.csv", "USUBJID,X\n1,a\n"), write("elsewhere/b.csv", "USUBJID,X\n1,b\n")),
         argv="compare {ws}/elsewhere/a.csv {ws}/elsewhere/b.csv --by USUBJID --out-diffs {ws}/elsewhere/d.csv",
         exit=1, message=r"wrote 1 difference\(s\)"),
    Case("commands", "help", argv="--help", exit=0, message=r"exit codes"),
    Case("commands", "settings-table", argv="settings", exit=0, message=r"tlf\.days_per_month\s+number"),
]

# --------------------------------------------------------------------------- toml: study.toml against its schema
TOML = [
    Case("toml", "malformed", breaks=(edit("study/study.toml", 'title = "Toy study"', 'title = "Toy study'),),
         message=r"study\.toml is not valid TOML: .*line 3"),
    Case("toml", "malformed-section", breaks=(edit("study/study.toml", "[sdtm]", "[sdtm"),),
         message=r"not valid TOML.*line 7"),
    Case("toml", "duplicate-key", breaks=(append("study/study.toml", '[tlf]\nprograms = []\n'),),
         message=r"not valid TOML.*line"),
    Case("toml", "not-utf8", breaks=(edit("study/study.toml", "Toy study", "Toy stüdy"),
                                     recode("study/study.toml", "latin-1")), message=r"not (valid TOML|UTF-8)"),
    Case("toml", "empty-file", breaks=(write("study/study.toml", ""),),
         message=r"required key studyid missing from \[study\]"),
    Case("toml", "missing-studyid", breaks=(toml_drop("study", "studyid"),), message=r"required key studyid"),
    Case("toml", "misspelt-days-per-month", breaks=(toml("tlf", "days_per_mnth", "30"),),
         message=r"unknown key days_per_mnth in \[tlf\] \(did you mean 'days_per_month'\?\)"),
    Case("toml", "misspelt-cutoff", breaks=(toml("study", "cutof_date", '"2022-06-30"'),),
         message=r"unknown key cutof_date .*did you mean 'cutoff_date'"),
    Case("toml", "misspelt-section", breaks=(edit("study/study.toml", "[tlf]", "[tfl]"),),
         message=r"unknown section \[tfl\] \(did you mean 'tlf'\?\)"),
    Case("toml", "misspelt-programs", breaks=(edit("study/study.toml", 'programs = ["adsl"]', 'program = ["adsl"]'),),
         message=r"unknown key program in \[adam\] \(did you mean 'programs'\?\)"),
    Case("toml", "days-per-month-text", breaks=(toml("tlf", "days_per_month", '"thirty"'),),
         message=r"days_per_month must be a number.*'thirty'"),
    Case("toml", "days-per-month-zero", breaks=(toml("tlf", "days_per_month", "0"),),
         message=r"days_per_month must be a number \(greater than 0\)"),
    Case("toml", "days-per-month-bool", breaks=(toml("tlf", "days_per_month", "true"),),
         message=r"days_per_month must be a number"),
    Case("toml", "agegr1-float", breaks=(toml("adam", "agegr1_cut", "65.5"),), message=r"agegr1_cut must be a whole"),
    Case("toml", "agegr1-text", breaks=(toml("adam", "agegr1_cut", '"65"'),), message=r"agegr1_cut must be a whole"),
    Case("toml", "cutoff-not-date", breaks=(toml("study", "cutoff_date", '"03JUL2022"'),),
         message=r"cutoff_date must be a date YYYY-MM-DD.*03JUL2022"),
    Case("toml", "cutoff-impossible", breaks=(toml("study", "cutoff_date", '"2022-02-30"'),),
         message=r"cutoff_date must be a date.*day is out of range"),
    Case("toml", "cutoff-number", breaks=(toml("study", "cutoff_date", "20220630"),), message=r"cutoff_date must be a date"),
    Case("toml", "cutoff-datetime", breaks=(toml("study", "cutoff_date", "2022-06-30T10:00:00"),),
         message=r"cutoff_date must be a date .*without a time"),
    Case("toml", "cutoff-1800", breaks=(toml("study", "cutoff_date", '"1800-01-01"'),), message=r"year from 1900"),
    Case("toml", "created-bad", breaks=(toml("study", "created", '"yesterday"'),), message=r"created must be a date-time"),
    Case("toml", "studyid-number", breaks=(toml("study", "studyid", "42"),), message=r"studyid must be a text"),
    Case("toml", "programs-not-list", breaks=(toml("sdtm", "programs", '"dm"'),), message=r"programs must be a list"),
    Case("toml", "programs-number", breaks=(toml("sdtm", "programs", "[1]"),), message=r"\[sdtm\] programs: 1 is not a program name"),
    Case("toml", "programs-duplicate", breaks=(toml("sdtm", "programs", '["dm", "ex", "dm"]'),),
         message=r"lists 'dm' twice"),
    Case("toml", "spec-missing", breaks=(toml("sdtm", "spec", '"specs/nope.xlsx"'),),
         message=r"spec: file .*nope\.xlsx not found"),
    Case("toml", "spec-absolute", breaks=(toml("sdtm", "spec", '"/etc/passwd"'),),
         message=r"spec must be .*without '\.\.'"),
    Case("toml", "raw-escapes", breaks=(toml("study", "raw", '"../../elsewhere"'),), message=r"raw must be"),
    Case("toml", "section-is-value", breaks=(edit("study/study.toml", "[study]\n", 'adam = 1\n[study]\n'),
                                             edit("study/study.toml", "[adam]\n", "[adam-gone]\n")),
         message=r"adam must be a \[adam\] section"),
    Case("toml", "km-method-choice", breaks=(toml("tlf", "km_ci_method", '"brookmeyer"'),),
         message=r"'brookmeyer' is not one of .*did you mean 'brookmeyer-crowley'"),
    Case("toml", "rate-months-text", breaks=(toml("tlf", "km_rate_months", '["six"]'),), message=r"'six' is not a number"),
    Case("toml", "files-absolute", breaks=(toml("sdtm", "files", '{ DM = "/etc/dm.xpt" }'),), message=r"files must be"),
    Case("toml", "custom-section-ok", breaks=(toml("study", "custom_sections", '["mine"]'), toml("mine", "x", "1")),
         exit=0, message=r"wrote"),
    Case("toml", "custom-section-undeclared", breaks=(toml("mine", "x", "1"),),
         message=r"unknown section \[mine\].*custom_sections"),
    Case("toml", "ansi-in-key", breaks=(toml("tlf", '"\\u001b[2Jx"', "1"),),
         message=r"unknown key \\x1b\[2Jx in \[tlf\]", check=lambda ws, o: "\x1b" not in o or 1 / 0),
    Case("toml", "no-study-toml", breaks=(delete("study/study.toml"),), message=r"study\.toml not found"),
    Case("toml", "validate-checks-toml-too", breaks=(toml("tlf", "days_per_mnth", "30"),),
         argv="validate --study {study} --out {out}", message=r"did you mean 'days_per_month'"),
]

# --------------------------------------------------------------------------- program: names and study programs that fail
PROGRAM = [
    Case("program", "parent-path", breaks=(toml("sdtm", "programs", '["../x"]'),),
         message=r"'\.\./x' is not a program name"),
    Case("program", "absolute-path", breaks=(toml("sdtm", "programs", '["/tmp/evil"]'),),
         message=r"'/tmp/evil' is not a program name"),
    Case("program", "dotted-name", breaks=(toml("sdtm", "programs", '["dm.py"]'),), message=r"'dm\.py' is not a program name"),
    Case("program", "evil-not-run", breaks=(write("elsewhere/evil.py", "open('{ws}/elsewhere/PWNED','w')\n"
                                                  "def derive(ctx):\n    return {{}}\n"),
                                            toml("sdtm", "programs", '["../../elsewhere/evil"]')),
         message=r"is not a program name", check=lambda ws, o: not (ws.root / "elsewhere/PWNED").exists() or 1 / 0),
    Case("program", "missing-file", breaks=(toml("sdtm", "programs", '["dm", "lb"]'),),
         message=r"program sdtm/lb\.py listed in study\.toml \[sdtm\] programs is missing"),
    Case("program", "no-derive", breaks=(write("study/sdtm/ex.py", "x = 1\n"),), message=r"ex\.py must define derive"),
    Case("program", "syntax-error", breaks=(write("study/sdtm/ex.py", "def derive(ctx)\n    return {{}}\n"),),
         message=r"program sdtm/ex\.py line 1 failed: SyntaxError"),
    Case("program", "raises", breaks=(edit("study/sdtm/ex.py", "def derive(ctx):", "def derive(ctx):\n    1 / 0"),),
         message=r"program sdtm/ex\.py line \d+ failed: ZeroDivisionError.*traceback: .*derive-error\.log"),
    Case("program", "keyerror", breaks=(edit("study/adam/adsl.py", 'ctx.sdtm["DM"]', 'ctx.sdtm["DMX"]'),),
         message=r"adam/adsl\.py reads DMX but does not declare it"),
    Case("program", "import-error", breaks=(write("study/sdtm/ex.py", "import nosuchmodule\n"),),
         message=r"program sdtm/ex\.py line 1 failed: ModuleNotFoundError"),
    Case("program", "sys-exit", breaks=(edit("study/sdtm/ex.py", "def derive(ctx):",
                                             "def derive(ctx):\n    import sys; sys.exit(0)"),),
         message=r"program sdtm/ex\.py line \d+ failed: SystemExit"),
    Case("program", "not-in-spec", breaks=(edit("study/sdtm/ex.py", 'return {"EX": ex}', 'return {"EX": ex, "XX": ex}'),),
         message=r"sdtm/ex\.py returned XX, which it does not declare"),
    Case("program", "raw-page-missing", breaks=(delete("study/raw/tr.csv"),),
         message=r"raw extract .*tr\.csv not found \(dataset tr\): export the tr page as tr\.csv into .*raw "
                 r"\(\[study\] raw in study\.toml\), or remove \"tr\" from RAW in sdtm/tr\.py"),
    Case("program", "raw-folder-missing", breaks=(delete("study/raw"),),
         message=r"raw extract .*dm\.csv not found: the raw data folder .*study/raw does not exist \(dataset dm\): "
                 r"give the folder of the raw CSV pages \(\[study\] raw in study\.toml\)"),
    Case("program", "raw-option-missing", argv=R + " --raw {ws}/nowhere",
         message=r"the raw data folder .*/nowhere does not exist .*\(--raw\)"),
    Case("program", "raw-column-missing", breaks=(edit("study/raw/ex.csv", "EXDOSE", "DOSE"),),
         message=r"ex\.csv lacks column\(s\) EXDOSE"),
    Case("program", "no-bytecode-in-study", exit=0, message=r"wrote",
         check=lambda ws, o: not list(ws.study.rglob("__pycache__")) or 1 / 0),
]

# --------------------------------------------------------------------------- numeric: text in a numeric raw field
NUMERIC = [
    Case("numeric", "age-text", breaks=(edit("study/raw/dm.csv", ",61,", ",sixty-one,"),),
         message=r"dm\.csv line 2: text in a numeric field .*AGE.*TOY-001.*sixty-one"),
    Case("numeric", "age-text-exact", breaks=(edit("study/raw/dm.csv", ",61,", ",sixty-one,"),),  # no 0-based row
         message=r"^derive run: error: dm\.csv line 2: text in a numeric field \(dataset DM, variable AGE, USUBJID "
                 r"TOY-001, value 'sixty-one'\): correct the raw value to a number, or leave it blank if it is missing\n$"),
    Case("numeric", "age-comma-decimal", breaks=(edit("study/raw/dm.csv", ",57,", ',"57,5",'),),
         message=r"dm\.csv line 3: text in a numeric field .*AGE.*'57,5'"),
    Case("numeric", "age-inf", breaks=(edit("study/raw/dm.csv", ",70,", ",inf,"),), message=r"dm\.csv line 4.*'inf'"),
    Case("numeric", "dose-text", breaks=(edit("study/raw/ex.csv", ",10,", ",ten,"),),
         message=r"ex\.csv line 4: text in a numeric field .*EXDOSE.*TOY-002.*'ten'"),
    Case("numeric", "dose-unit-in-value", breaks=(edit("study/raw/ex.csv", ",8,", ",8 mg,"),),
         message=r"ex\.csv line 6.*EXDOSE.*'8 mg'"),
    Case("numeric", "diameter-text", breaks=(edit("study/raw/tr.csv", ",35", ",NE"),),
         message=r"tr\.csv line 4: text in a numeric field .*TRSTRESN.*TOY-002.*'NE'"),
    Case("numeric", "diameter-blank-ok", breaks=(edit("study/raw/tr.csv", ",35", ","),), exit=0, message=r"wrote",
         records=("tr.csv", "TR")),
    Case("numeric", "age-blank-ok", breaks=(edit("study/raw/dm.csv", ",61,", ",,"),), exit=0, message=r"wrote",
         records=("dm.csv", "DM")),
]

# --------------------------------------------------------------------------- reading (owner: readers)
READING = [
    Case("reading", "latin1-ascii-only", breaks=(recode("study/raw/dm.csv", "latin-1"),), message=r"wrote", exit=0, records=("dm.csv", "DM")),
    Case("reading", "latin1-accent", breaks=(edit("study/raw/dm.csv", "Beijing", "Béijing"), recode("study/raw/dm.csv", "latin-1")),
         message=r"dm\.csv.*(encoding|UTF-8)"),
    Case("reading", "cp1252-quote", breaks=(edit("study/raw/dm.csv", "Wuhan", "Wu\u2019han"), recode("study/raw/dm.csv", "cp1252")),
         message=r"dm\.csv.*(encoding|UTF-8)"),
    Case("reading", "utf8-bom", breaks=(recode("study/raw/dm.csv", "utf-8", bom=b"\xef\xbb\xbf"),), exit=0,
         message=r"wrote", records=("dm.csv", "DM")),
    Case("reading", "semicolon", breaks=(edit("study/raw/ex.csv", ",", ";", count=-1),),
         message=r"ex\.csv.*(delimiter|;)"),
    Case("reading", "empty-file", breaks=(write("study/raw/tr.csv", ""),), message=r"tr\.csv.*empty"),
    Case("reading", "header-only", breaks=(write("study/raw/tr.csv", "SUBJID,VISIT,TRDAT,LESID,DIAM\n"),), exit=0,
         message=r"wrote", records=("tr.csv", "TR")),
    Case("reading", "unterminated-quote", breaks=(edit("study/raw/dm.csv", "003,", '"003,'),),
         message=r"dm\.csv.*(quote|line)"),
    Case("reading", "truncated-last-line", breaks=(truncate("study/raw/ex.csv", -12),),
         message=r"ex\.csv.*line 6"),
    Case("reading", "extra-field", breaks=(edit("study/raw/ex.csv", "2021-04-04", "2021-04-04,extra"),),
         message=r"ex\.csv.*line 3"),
    Case("reading", "duplicate-column", breaks=(edit("study/raw/dm.csv", "SEX,SITE", "SEX,SEX"),),
         message=r"dm\.csv, line 1: duplicate column name 'SEX' \(columns 6 and 7\)"),
    Case("reading", "binary-garbage", breaks=(write("study/raw/dm.csv", b"\x00\x01\x02\xff\xfe"),),
         message=r"dm\.csv"),
    Case("reading", "raw-is-folder", breaks=(delete("study/raw/tr.csv"), mkdir("study/raw/tr.csv")),
         message=r"tr\.csv"),
    Case("reading", "xpt-truncated-sdtm-input", breaks=(truncate_xpt("out/sdtm/dm.xpt", 0.97),), argv=R + " --stages adam",
         message=r"dm\.xpt.*(truncated|record)"),
    Case("reading", "xpt-garbage-header", breaks=(write("out/sdtm/dm.xpt", b"HEADER RECORD" + b"x" * 100),),
         argv="validate --study {study} --out {out}", message=r"dm\.xpt"),
    Case("reading", "xpt-truncated-validate", breaks=(truncate_xpt("out/sdtm/ex.xpt", 0.8),),
         argv="validate --study {study} --out {out}", message=r"ex\.xpt.*(truncated|record)"),
    Case("reading", "datasetjson-count", breaks=(edit("out/sdtm/dm.json", '"records": 4', '"records": 9'),),
         argv="compare {out}/sdtm/dm.json {out}/sdtm/dm.xpt --by USUBJID", message=r"dm\.json.*record",),
]

# --------------------------------------------------------------------------- spec workbooks (owner: define)


def _spec_edit(sheet, row_match, column, value, stage="sdtm"):
    """Break: set ``column`` of the first row of ``sheet`` whose cells contain ``row_match`` to ``value``."""

    def run(ws):
        import openpyxl

        path = ws.study / "specs" / f"{stage}_spec.xlsx"
        wb = openpyxl.load_workbook(path)
        sh = wb[sheet]
        header = [c.value for c in sh[1]]
        col = header.index(column) + 1
        for row in sh.iter_rows(min_row=2):
            if all(any(c.value == m for c in row) for m in row_match):
                sh.cell(row=row[0].row, column=col).value = value  # (cell(value=None) would not clear it)
                break
        else:
            raise AssertionError(f"no row {row_match} in {sheet}")
        wb.save(path)

    return run


def _spec_merge(sheet, cells, stage="sdtm"):
    def run(ws):
        import openpyxl

        path = ws.study / "specs" / f"{stage}_spec.xlsx"
        wb = openpyxl.load_workbook(path)
        wb[sheet].merge_cells(cells)
        wb.save(path)

    return run


SPEC = [
    Case("spec", "formula-label", breaks=(_spec_edit("Variables", ("DM", "AGE"), "Label", '=UPPER("age")'),),
         message=r"Variables.*row \d+.*Label.*formula"),
    Case("spec", "length-zero", breaks=(_spec_edit("Variables", ("DM", "SEX"), "Length", 0),),
         message=r"Variables.*row \d+.*Length"),
    Case("spec", "length-text", breaks=(_spec_edit("Variables", ("DM", "SEX"), "Length", "one"),),
         message=r"Length.*'one'"),
    Case("spec", "length-text-says-what-to-fix", breaks=(_spec_edit("Variables", ("DM", "SEX"), "Length", "one"),),
         message=r"sdtm_spec\.xlsx Variables row \d+ \(DM\.SEX\) Length: 'one' is not a whole number: enter a whole "
                 r"number \(e\.g\. 8\), or leave the cell empty: fix the workbook"),
    Case("spec", "name-too-long", breaks=(_spec_edit("Variables", ("DM", "AGE"), "Variable", "AGEATBASELINE"),),
         message=r"AGEATBASELINE", exit=2),
    Case("spec", "label-too-long", breaks=(_spec_edit("Variables", ("DM", "AGE"), "Label", "A" * 41),),
         message=r"label longer than 40", exit=2),
    Case("spec", "empty-dataset-cell", breaks=(_spec_edit("Variables", ("DM", "AGE"), "Dataset", None),),
         message=r"Variables.*row \d+.*Dataset"),
    Case("spec", "merged-cells", breaks=(_spec_merge("Variables", "A2:A3"),), message=r"Variables.*merged"),
    Case("spec", "missing-codelist", breaks=(_spec_edit("Variables", ("DM", "SEX"), "Codelist", "SEXX"),),
         message=r"SEXX"),
    Case("spec", "xls-file", breaks=(write("study/specs/sdtm_spec.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100),
                                     toml("sdtm", "spec", '"specs/sdtm_spec.xls"')),
         message=r"sdtm_spec\.xls.*(xlsx|Excel 97)"),
    Case("spec", "truncated-xlsx", breaks=(truncate("study/specs/sdtm_spec.xlsx", 0.5),),
         message=r"sdtm_spec\.xlsx.*(truncated|not a valid|corrupt)"),
    Case("spec", "not-a-workbook", breaks=(write("study/specs/sdtm_spec.xlsx", "hello"),),
         message=r"sdtm_spec\.xlsx"),
]

# --------------------------------------------------------------------------- plausibility: possible to store, not to believe


def _csv_cell(rel, pattern):
    """Check: a line of the output file ``rel`` matches ``pattern``."""

    def check(ws, output):
        text = (ws.out / rel).read_text(encoding="utf-8")
        assert re.search(pattern, text, re.M), f"{rel}:\n{text}"

    return check


def _adsl_value(usubjid, var, expected):
    def check(ws, output):
        import pyreadstat

        df = pyreadstat.read_xport(str(ws.out / "adam" / "adsl.xpt"))[0].set_index("USUBJID")
        got = df.loc[usubjid, var]
        assert (got != got) if expected is None else got == expected, (usubjid, var, got)

    return check


def _both(*checks):
    def check(ws, output):
        for c in checks:
            c(ws, output)

    return check


PLAUS = [
    Case("plausibility", "death-after-cutoff", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-08-10"),),
         exit=1, message=r"after_cutoff: date after the data cut-off.*cut-off 2022-06-30.*DTHDTC.*TOY-002.*2022-08-10"),
    Case("plausibility", "ref-end-after-cutoff", breaks=(edit("study/raw/dm.csv", "2022-01-15", "2023-01-15"),),
         exit=1, message=r"after_cutoff.*RFENDTC.*TOY-004"),
    Case("plausibility", "partial-date-after-cutoff", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-09"),),
         exit=1, message=r"after_cutoff.*DTHDTC.*'2022-09'"),
    Case("plausibility", "partial-date-in-cutoff-month", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-06"),),
         exit=0, message=r"wrote", records=("dm.csv", "DM")),
    Case("plausibility", "dose-after-cutoff", breaks=(edit("study/raw/ex.csv", "2021-06-15", "2022-07-15"),),
         exit=1, message=r"after_cutoff.*EXENDTC.*TOY-004"),
    Case("plausibility", "scan-after-cutoff", breaks=(edit("study/raw/tr.csv", "2021-05-27", "2022-12-27"),),
         exit=1, message=r"after_cutoff.*TRDTC.*TOY-002"),
    Case("plausibility", "cutoff-as-warning", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-08-10"),
                                                      toml("plausibility", "severity", '{ after_cutoff = "warning" }')),
         exit=0, message=r"1 warning", check=finding(r"after_cutoff.*DTHDTC.*TOY-002", "warning")),
    Case("plausibility", "cutoff-off", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-08-10"),
                                               toml("plausibility", "severity", '{ after_cutoff = "off" }')),
         exit=0, message=r"0 error"),
    Case("plausibility", "cutoff-equal-ok", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-06-30"),),
         exit=0, message=r"wrote"),
    Case("plausibility", "no-cutoff-no-check", breaks=(edit("study/raw/dm.csv", "2022-01-10", "2022-08-10"),
                                                       toml_drop("study", "cutoff_date")), exit=0, message=r"wrote"),
    Case("plausibility", "before-1900", breaks=(edit("study/raw/dm.csv", "2021-03-01,2021-09-01", "1899-12-31,2021-09-01"),),
         exit=1, message=r"before_1900.*RFSTDTC.*TOY-001.*1899-12-31"),
    Case("plausibility", "year-0021", breaks=(edit("study/raw/ex.csv", "2021-03-22", "0021-03-22"),),
         exit=1, message=r"before_1900.*EXSTDTC.*TOY-001"),
    Case("plausibility", "ex-end-before-start", breaks=(edit("study/raw/ex.csv", "2021-04-28", "2021-04-01"),),
         exit=0, message=r"1 warning", records=("ex.csv", "EX"),
         check=finding(r"end_before_start.*EXENDTC.*TOY-002", "warning")),
    Case("plausibility", "dm-end-before-start", breaks=(edit("study/raw/dm.csv", "2021-08-30", "2021-01-30"),),
         exit=0, message=r"1 warning", check=finding(r"end_before_start.*RFENDTC.*TOY-003", "warning")),
    Case("plausibility", "end-before-start-error", breaks=(edit("study/raw/ex.csv", "2021-04-28", "2021-04-01"),
                                                           toml("plausibility", "severity",
                                                                '{ end_before_start = "error" }')),
         exit=1, message=r"end_before_start.*EXENDTC.*TOY-002"),
    Case("plausibility", "negative-age", breaks=(edit("study/raw/dm.csv", ",61,", ",-61,"),), exit=1,
         message=r"negative_value: negative age or dose.*AGE.*TOY-001.*-61"),
    Case("plausibility", "negative-dose", breaks=(edit("study/raw/ex.csv", ",10,", ",-10,"),), exit=1,
         message=r"negative_value.*EXDOSE.*TOY-002"),
    Case("plausibility", "zero-dose-ok", breaks=(edit("study/raw/ex.csv", ",10,", ",0,"),), exit=0, message=r"wrote",
         records=("ex.csv", "EX")),
    Case("plausibility", "age-150", breaks=(edit("study/raw/dm.csv", ",70,", ",150,"),), exit=1,
         message=r"age_above_max.*limit 120.*AGE.*TOY-003"),
    Case("plausibility", "diameter-1e9", breaks=(edit("study/raw/tr.csv", ",41", ",1e9"),), exit=1,
         message=r"lesion_diameter_above_max.*limit 500.*TRSTRESN.*TOY-002.*1000000000"),
    Case("plausibility", "diameter-above-stated-max", breaks=(toml("plausibility", "max_lesion_diameter_mm", "45"),),
         exit=1, message=r"lesion_diameter_above_max.*limit 45.*TOY-003.*50"),
    Case("plausibility", "diameter-max-raised", breaks=(edit("study/raw/tr.csv", ",41", ",600"),
                                                        toml("plausibility", "max_lesion_diameter_mm", "1000")),
         exit=0, message=r"wrote"),
    Case("plausibility", "severity-unknown-rule", breaks=(toml("plausibility", "severity", '{ after_cutof = "warning" }'),),
         message=r"no rule 'after_cutof' \(did you mean 'after_cutoff'\?\)"),
    Case("plausibility", "severity-bad-value", breaks=(toml("plausibility", "severity", '{ after_cutoff = "fatal" }'),),
         message=r"after_cutoff = 'fatal' is not one of error, warning, note, off"),
    Case("plausibility", "max-not-number", breaks=(toml("plausibility", "max_lesion_diameter_mm", '"big"'),),
         message=r"max_lesion_diameter_mm must be a number"),
    Case("plausibility", "study-rule", breaks=(append("study/study.toml", '\n[[plausibility.rules]]\nid = "dose_max"\n'
                                                      'kind = "above"\ndatasets = "EX"\nvariables = "EXDOSE"\nlimit = 11\n'
                                                      'description = "dose above the label"\n'),),
         exit=1, message=r"dose_max: dose above the label \(limit 11\).*EXDOSE.*TOY-001.*12"),
    Case("plausibility", "study-rule-bad-kind", breaks=(append("study/study.toml", '\n[[plausibility.rules]]\nid = "x"\n'
                                                               'kind = "bigger"\nvariables = "EXDOSE"\n'
                                                               'description = "d"\n'),),
         message=r"\[\[plausibility.rules\]\] number 1 \(x\): rule x: kind must be one of"),
    Case("plausibility", "study-rule-unknown-key", breaks=(append("study/study.toml", '\n[[plausibility.rules]]\n'
                                                                  'id = "x"\nkind = "above"\nvariable = "EXDOSE"\n'
                                                                  'limit = 1\ndescription = "d"\n'),),
         message=r"unknown key variable \(did you mean 'variables'\?\)"),
    Case("plausibility", "study-rule-no-limit", breaks=(append("study/study.toml", '\n[[plausibility.rules]]\nid = "x"\n'
                                                               'kind = "above"\nvariables = "EXDOSE"\n'
                                                               'description = "d"\n'),),
         message=r"kind above needs a limit"),
    Case("plausibility", "study-rule-bad-regex", breaks=(append("study/study.toml", '\n[[plausibility.rules]]\nid = "x"\n'
                                                                'kind = "above"\nvariables = "EX(DOSE"\nlimit = 1\n'
                                                                'description = "d"\n'),),
         message=r"\(x\): missing \), unterminated subpattern"),
    Case("plausibility", "study-rule-where-dunder", breaks=(append("study/study.toml", '\n[[plausibility.rules]]\nid = "x"\n'
                                                                   'kind = "above"\nvariables = "EXDOSE"\nlimit = 1\n'
                                                                   "where = \"EXDOSE.__class__ == 1\"\n"
                                                                   'description = "d"\n'),),
         message=r"\(x\): where .* may only compare variables with values"),
    Case("plausibility", "ansi-escape-in-text", breaks=(edit("study/raw/ex.csv", "004,ANLOTINIB", "004,ANLO\x1b[31mTINIB"),),
         exit=0, message=r"1 warning", records=("ex.csv", "EX"),
         check=finding(r"control_characters.*EXTRT.*TOY-004", "warning")),
    Case("plausibility", "ansi-escape-not-on-terminal", breaks=(edit("study/raw/dm.csv", "male,Beijing",
                                                                     "\x1b[2Jmale,Beijing"),),
         message=r"value not in codelist SEX.*TOY-001.*'\\x1b\[2Jmale'", check=lambda ws, o: "\x1b" not in o or 1 / 0),
    Case("plausibility", "subject-not-in-dm", breaks=(append("study/raw/ex.csv", "009,ANLOTINIB,12,2021-03-01,2021-03-14\n"),),
         exit=1, message=r"subject_not_in_dm: subject not in DM.*1 record.*dataset EX.*TOY-009"),
    Case("plausibility", "dm-page-header-only", breaks=(write("study/raw/dm.csv", "SUBJID,RFSTDAT,RFENDAT,DTHDAT,AGE,SEX,SITE\n"),),
         exit=1, message=r"subject_not_in_dm.*dataset EX.*TOY-001"),
    Case("plausibility", "rules-command", argv="rules --study {study}", exit=0,
         message=r"lesion_diameter_above_max\s+error\s+above"),
    Case("plausibility", "rules-command-study-rule", argv="rules --study {study}", exit=0,
         breaks=(toml("plausibility", "severity", '{ control_characters = "off" }'),),
         message=r"control_characters\s+off"),
]

# --------------------------------------------------------------------------- csv: no formula in a CSV a spreadsheet opens
CSV = [
    Case("csv", f"ard-{name}", breaks=(edit("study/tlf/t_sex.py", '"Sex "', repr(prefix + "Sex ")),), exit=0,
         message=r"1 note", check=_both(_csv_cell("tlf/ard/t_sex.csv", r",SEX,F,.*,n,2,n,'" + re.escape(prefix) + "Sex F,"),
                                        finding(r"csv_formula_guard.*t_sex\.csv", "note")))
    for name, prefix in (("equals", "="), ("plus", "+"), ("minus", "-"), ("at", "@"), ("tab", "\t"))
] + [
    Case("csv", "ard-hyperlink", breaks=(edit("study/tlf/t_sex.py", '"Sex "', repr('=HYPERLINK("http://x";"')),),
         exit=0, message=r"1 note", check=_csv_cell("tlf/ard/t_sex.csv", r',n,2,n,"\'=HYPERLINK\(""http://x""')),
    Case("csv", "ard-number-text-kept", breaks=(edit("study/tlf/t_sex.py", '"Sex " + ard["group_value"].astype(str)', '"-3.5"'),),
         exit=0, message=r"0 note", check=_csv_cell("tlf/ard/t_sex.csv", r",SEX,F,.*,n,2,n,-3.5,")),
    Case("csv", "ard-negative-number-kept", breaks=(edit("study/tlf/t_sex.py", 'round(365 / per_month, 4)', "-1.5"),),
         exit=0, message=r"0 note", check=_csv_cell("tlf/ard/t_sex.csv", r",SEX,F,.*,n,2,n,Sex F,-1.5$")),
    Case("csv", "findings-value-formula", breaks=(edit("study/raw/ex.csv", "004,ANLOTINIB", "004,=1+1\x1b"),),
         exit=0, message=r"1 warning", check=_csv_cell("findings.csv", r"control_characters,EX,EXTRT,TOY-004,\d+,'=1\+1")),
    Case("csv", "findings-value-at", breaks=(edit("study/raw/ex.csv", "004,ANLOTINIB", "004,@SUM\x1b"),),
         exit=0, message=r"1 warning", check=_csv_cell("findings.csv", r",'@SUM")),
]

# --------------------------------------------------------------------------- embedded: the study's own pages (costly: few)
EMB = "run --study {study} --out {out} --stages sdtm"
EMBEDDED = [
    Case("embedded", "death-after-cutoff", study="embedded", argv=EMB, exit=1,
         breaks=(edit("study/raw/surv.csv", '"001","Dead","01NOV2021"', '"001","Dead","01NOV2022"'),),
         message=r"after_cutoff.*cut-off 2022-07-03.*DTHDTC.*NCT04984096-001.*2022-11-01"),
    Case("embedded", "diameter-1e9", study="embedded", argv=EMB, exit=1,
         breaks=(edit("study/raw/tl.csv", '"001","Baseline","14JUL2021","T01","Esophagus","N",28',
                      '"001","Baseline","14JUL2021","T01","Esophagus","N",1000000000'),),
         message=r"lesion_diameter_above_max.*limit 300.*TRSTRESN.*NCT04984096-001.*1e\+09|1000000000"),
    Case("embedded", "age-text", study="embedded", argv=EMB,
         breaks=(edit("study/raw/dm.csv", '"UN-UNK-1963",58,', '"UN-UNK-1963","fifty-eight",'),),
         message=r"dm\.csv line 2: text in a numeric field.*AGE.*NCT04984096-001.*fifty-eight"),
    Case("embedded", "dose-text", study="embedded", argv=EMB,
         breaks=(edit("study/raw/ex_anlo.csv", '"001",2,"ANLOTINIB",12,', '"001",2,"ANLOTINIB","12mg",'),),
         message=r"ex_anlo\.csv line 3: text in a numeric field.*EXDOSE.*NCT04984096-001.*12mg"),
    Case("embedded", "diameter-text", study="embedded", argv=EMB,
         breaks=(edit("study/raw/tl.csv", '"Esophagus","N",28', '"Esophagus","N","NE"'),),
         message=r"tl\.csv line 2: text in a numeric field.*NCT04984096-001.*'NE'"),
    Case("embedded", "unscheduled-visit", study="embedded", argv=EMB,
         breaks=(edit("study/raw/rs.csv", '"001","Week 6"', '"001","Unscheduled"'),),
         message=r"visit label is not BASELINE or WEEK <n>.*RS.*NCT04984096-001.*'Unscheduled'"),
    Case("embedded", "metsiten-missing-page", study="embedded", argv="run --study {study} --out {out} --stages sdtm,adam",
         exit=0, breaks=(edit("study/raw/bl.csv", '"001","13APR2019","Squamous cell carcinoma",1,"yes","Yes","IVB",'
                                                  '"Adrenal gland; Bone; Pleura","Y",2\n', ""),),
         message=r"wrote", check=_both(_adsl_value("NCT04984096-001", "METSITEN", None),
                                        _adsl_value("NCT04984096-002", "METSITEN", 0),
                                        finding(r"missing_page.*NCT04984096-001", "warning"))),
    Case("embedded", "survival-page-missing-subject", study="embedded", argv=EMB, exit=0,
         breaks=(edit("study/raw/surv.csv", '"001","Dead","01NOV2021","Disease progression",""\n', ""),),
         message=r"4 warning", check=finding(r"missing_page.*surv\.csv.*NCT04984096-001|NCT04984096-001.*surv", "warning")),
    Case("embedded", "xpt-cp1252-text", study="embedded", argv="validate --study {study} --out {out}",
         breaks=(edit_bytes("out/sdtm/ae.xpt", b"Nausee", b"Naus\xe9e"),),
         message=r"ae\.xpt: text is not utf-8 \(byte 0xE9 in b'Naus\\xe9e'\) \(dataset AE, variable AETERM, row \d+\): "
                 r".*declare it, e\.g\. \[sdtm\] encoding = \"cp1252\""),
    Case("embedded", "xpt-cp1252-declared", study="embedded", argv="validate --study {study} --out {out}", exit=0,
         breaks=(edit_bytes("out/sdtm/ae.xpt", b"Nausee", b"Naus\xe9e"), toml("sdtm", "encoding", '"cp1252"')),
         message=r"0 finding"),
    *(Case("embedded", f"xpt-cut-at-record-{cmd}", study="embedded", argv=f"{cmd} --study {{study}} --out {{out}}",
           breaks=(truncate_xpt_records("out/sdtm/dm.xpt", 16),),
           message=r"dm\.xpt: 16 record\(s\) read, but dm\.json beside it, a Dataset-JSON of the same dataset, holds 29")
      for cmd in ("validate", "check")),
    Case("embedded", "xpt-cut-at-record-sdtm-input", study="embedded", argv="run --study {study} --out {out} --stages adam",
         breaks=(truncate_xpt_records("out/sdtm/dm.xpt", 16),), message=r"dm\.xpt: 16 record\(s\) read.*holds 29"),
    Case("embedded", "tlf-from-previous-output", study="embedded", argv="run --study {study} --out {out} --stages tlf",
         exit=0, message=r"tlf: T_AE, .*T_TTE",
         check=keeps("sdtm/dm.xpt", "adam/adsl.xpt", "adam/adtte.xpt", "tlf/ard/t_tte.csv", "tlf/t_tte.rtf")),
]

CASES = (OUTPUTS + STAGES + INTERRUPT + COMMANDS + TOML + PROGRAM + NUMERIC + PLAUS + CSV + EMBEDDED + READING
         + SPEC)
