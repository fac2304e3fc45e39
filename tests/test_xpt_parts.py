"""A dataset over the FDA's 5 GB limit goes into the submission as numbered parts by subject.

The limit is a parameter, so these tests split datasets of a few kilobytes: each part is a valid XPORT v5
file within the limit, no subject is in two parts, the parts' records read in order are the whole file's
records byte for byte, and the package's define.xml lists every part and passes the Define-XML 2.1 schema.
"""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.findings import XptError
from derivations.xpt import XptVariable, read_xpt, split_xpt, write_xpt, xpt_layout

ROOT = Path(__file__).resolve().parents[1]
CREATED = dt.datetime(2022, 7, 4)
VARIABLES = [XptVariable("STUDYID", "Study Identifier", "char", 8), XptVariable("USUBJID", "Unique Subject Identifier",
                                                                               "char", 12),
             XptVariable("LBSEQ", "Sequence Number", "num"), XptVariable("LBTESTCD", "Lab Test Short Name", "char", 8),
             XptVariable("LBSTRESN", "Numeric Result in Standard Units", "num")]
#: records per subject, in file order
RECORDS = {"S-01": 9, "S-02": 3, "S-03": 12, "S-04": 1, "S-05": 7, "S-06": 10, "S-07": 4}


def _lb() -> pd.DataFrame:
    ids = np.repeat(list(RECORDS), list(RECORDS.values()))
    seq = np.concatenate([np.arange(1, n + 1) for n in RECORDS.values()]).astype(float)
    return pd.DataFrame({"STUDYID": "ST-1", "USUBJID": ids, "LBSEQ": seq,
                         "LBTESTCD": np.where(seq % 2 == 0, "HGB", "LYM"), "LBSTRESN": seq * 1.5})


def _records(path: Path) -> bytes:
    layout = xpt_layout(path)
    with open(path, "rb") as fh:
        fh.seek(layout.data_start)
        return fh.read(layout.records * layout.row_length)


def test_split_by_subject_into_valid_parts_whose_records_are_the_whole(tmp_path):
    whole = write_xpt(_lb(), tmp_path / "lb.xpt", label="Laboratory Test Results", variables=VARIABLES,
                      created=CREATED)
    # header: 8 records (640) + 5 descriptors of 140 bytes (700 -> 720) + OBS header (80) = 1,440 bytes;
    # a record is 8 + 12 + 8 + 8 + 8 = 44 bytes. Limit 2,000 bytes: at most 12 records (528 -> 560) a part.
    layout = xpt_layout(whole)
    assert (layout.data_start, layout.row_length, layout.records) == (1440, 44, 46)
    assert whole.stat().st_size == 1440 + 2080 > 2000
    parts = split_xpt(whole, tmp_path / "parts", max_bytes=2000)
    # filled in record order: S-01+S-02 (12), S-03 (12), S-04+S-05 (8; + S-06 would be 18), S-06 (10; + S-07 14)
    assert [(p.path.name, p.member, p.number, p.of, p.first_record, p.records, p.subjects, p.first_subject,
             p.last_subject) for p in parts] == [
        ("lb1.xpt", "LB1", 1, 5, 1, 12, 2, "S-01", "S-02"),
        ("lb2.xpt", "LB2", 2, 5, 13, 12, 1, "S-03", "S-03"),
        ("lb3.xpt", "LB3", 3, 5, 25, 8, 2, "S-04", "S-05"),
        ("lb4.xpt", "LB4", 4, 5, 33, 10, 1, "S-06", "S-06"),
        ("lb5.xpt", "LB5", 5, 5, 43, 4, 1, "S-07", "S-07")]
    assert [p.path.stat().st_size for p in parts] == [1440 + 560, 1440 + 560, 1440 + 400, 1440 + 480, 1440 + 240]
    back, meta = read_xpt(whole)
    frames = []
    for part in parts:
        frame, part_meta = read_xpt(part.path)  # checks the structure first (xpt_layout)
        assert part_meta.name == part.member and part_meta.label == "Laboratory Test Results"
        assert part_meta.variables == meta.variables
        frames.append(frame.assign(part=part.number))
    joined = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(joined.drop(columns="part"), back)
    assert joined.groupby("USUBJID")["part"].nunique().max() == 1  # no subject in two parts
    assert b"".join(_records(p.path) for p in parts) == _records(whole)
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == [f"lb{k}.xpt" for k in range(1, 6)]


def test_a_file_within_the_limit_is_not_split(tmp_path):
    whole = write_xpt(_lb(), tmp_path / "lb.xpt", variables=VARIABLES, created=CREATED)
    assert split_xpt(whole, max_bytes=whole.stat().st_size) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lb.xpt"]


def test_what_cannot_be_split_is_an_error_naming_the_subject(tmp_path):
    whole = write_xpt(_lb(), tmp_path / "lb.xpt", variables=VARIABLES, created=CREATED)
    with pytest.raises(XptError, match=r"one subject's 12 records alone take 2,000") as err:
        split_xpt(whole, tmp_path / "p", max_bytes=1999)
    assert err.value.usubjid == "S-03"
    unsorted = _lb().iloc[[0, 1, 12, 2, 3]]
    path = write_xpt(unsorted, tmp_path / "lb.xpt", variables=VARIABLES, created=CREATED)
    with pytest.raises(XptError, match=r"records 1 and 4 start two runs") as err:
        split_xpt(path, tmp_path / "p", max_bytes=1500)
    assert err.value.usubjid == "S-01"
    named = write_xpt(_lb().rename(columns={"LBSEQ": "QNAM"}), tmp_path / "suppqual.xpt", created=CREATED)
    with pytest.raises(XptError, match="needs 3 parts, and the part name SUPPQUAL3 is not a SAS v5 name"):
        split_xpt(named, tmp_path / "p", max_bytes=2000)
    assert not (tmp_path / "p").exists() or list((tmp_path / "p").iterdir()) == []  # nothing half-written


def test_submission_of_the_study_lists_every_part_of_adlb_in_a_valid_define(study_tlf, tmp_path):
    """The embedded study's run folder packaged with a limit that splits ADLB (and nothing else) in 3."""
    from lxml import etree

    from derivations.define import NS_DEF, NS_ODM, NS_XLINK, check_leaves, validate_define
    from derivations.spec import read_spec
    from derivations.study import Study
    from derivations.submission import document_files, verify_manifest, write_submission

    out = study_tlf.parent
    adlb = out / "adam" / "adlb.xpt"
    sizes = {p.stem: p.stat().st_size for p in (out / "adam").glob("*.xpt")}
    limit = adlb.stat().st_size // 2 - 1  # 3 parts
    assert sorted(n for n, size in sizes.items() if size > limit) == ["adlb"]
    study = Study.load(ROOT)
    documents = {s: document_files(read_spec(study.spec_path(s)), ROOT, s) for s in ("sdtm", "adam")}
    sub = write_submission(out, study.studyid, target=tmp_path / "submission", documents=documents,
                           max_dataset_bytes=limit)
    adam = sub / "m5" / "datasets" / "nct04984096" / "analysis" / "adam" / "datasets"
    assert not (adam / "adlb.xpt").exists()
    parts = sorted(adam.glob("adlb*.xpt"))
    assert [p.name for p in parts] == ["adlb1.xpt", "adlb2.xpt", "adlb3.xpt"]
    assert all(p.stat().st_size <= limit for p in parts)
    assert b"".join(_records(p) for p in parts) == _records(adlb)
    whole = read_xpt(adlb)[0]
    frames = [read_xpt(p)[0].assign(part=k) for k, p in enumerate(parts, start=1)]
    joined = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(joined.drop(columns="part"), whole)
    assert joined.groupby("USUBJID")["part"].nunique().max() == 1 and len(joined) == 5172 + 249  # LB + CACORR
    # the define: one dataset per part, with ADLB's variables and a comment naming the part; XSD-valid
    define = adam / "define.xml"
    assert validate_define(define) == [] and check_leaves(define) == []
    doc = etree.parse(str(define))
    groups = {ig.get("Name"): ig for ig in doc.iter(f"{{{NS_ODM}}}ItemGroupDef")}
    assert "ADLB" not in groups and {"ADLB1", "ADLB2", "ADLB3", "ADSL"} <= set(groups)
    original = {ig.get("Name"): ig for ig in etree.parse(str(out / "adam" / "define.xml")).iter(
        f"{{{NS_ODM}}}ItemGroupDef")}["ADLB"]
    refs = [r.get("ItemOID") for r in original.iter(f"{{{NS_ODM}}}ItemRef")]
    for k, name in enumerate(["ADLB1", "ADLB2", "ADLB3"], start=1):
        ig = groups[name]
        assert [r.get("ItemOID") for r in ig.iter(f"{{{NS_ODM}}}ItemRef")] == refs
        leaf = ig.find(f"{{{NS_DEF}}}leaf")
        assert leaf.get(f"{{{NS_XLINK}}}href") == f"adlb{k}.xpt" and ig.get("SASDatasetName") == name
        comment = doc.find(f".//{{{NS_DEF}}}CommentDef[@OID='{ig.get(f'{{{NS_DEF}}}CommentOID')}']")
        # the part's records and subjects as its file holds them
        frame = frames[k - 1]
        first = sum(len(f) for f in frames[:k - 1]) + 1
        ids = frame["USUBJID"].unique()
        who = f"subject {ids[0]}" if len(ids) == 1 else f"{len(ids)} subjects, {ids[0]} to {ids[-1]}"
        assert "".join(comment.itertext()) == (
            f"Part {k} of 3 of ADLB, split by subject into files of at most {limit:,} bytes (the FDA's Study Data "
            f"Technical Conformance Guide splits a dataset over 5 GB): records {first:,} to "
            f"{first + len(frame) - 1:,} of ADLB ({len(frame):,} records, {who}). The parts, read in order, hold "
            "every record of ADLB; no subject is in two parts.")
    assert "adlb1.xpt" in (adam / "define.html").read_text() and verify_manifest(sub) == []
    # SDTM LB (the same records, fewer variables) is under this limit; with a lower one it is split too, and
    # each part keeps LB as its domain
    sdtm = sub / "m5" / "datasets" / "nct04984096" / "tabulations" / "sdtm"
    assert (sdtm / "define.xml").read_bytes() == (out / "sdtm" / "define.xml").read_bytes()
    limit = (out / "sdtm" / "lb.xpt").stat().st_size - 1
    sub = write_submission(out, study.studyid, target=tmp_path / "lower", documents=documents,
                           max_dataset_bytes=limit)
    sdtm = sub / "m5" / "datasets" / "nct04984096" / "tabulations" / "sdtm"
    assert sorted(p.name for p in sdtm.glob("lb*.xpt")) == ["lb1.xpt", "lb2.xpt"]
    assert validate_define(sdtm / "define.xml") == [] and check_leaves(sdtm / "define.xml") == []
    lb_groups = [ig for ig in etree.parse(str(sdtm / "define.xml")).iter(f"{{{NS_ODM}}}ItemGroupDef")
                 if ig.get("Domain") == "LB"]
    assert [ig.get("Name") for ig in lb_groups] == ["LB1", "LB2"]
    # the run's own folder keeps the whole dataset and its define
    assert b'xlink:href="adlb.xpt"' in (out / "adam" / "define.xml").read_bytes()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_submission_links_are_the_run_files_and_the_split_define_never_writes_through(study_tlf, tmp_path,
                                                                                       monkeypatch):
    """``link=True`` ([study] submission_links): the same package, bytes and manifest, as copies, with each XPT
    and define the run wrote hard-linked; ADLB's parts and the define that lists them are new files, and the
    run's own define.xml (linked before the parts were listed) keeps ``adlb.xpt``."""
    import os

    from derivations import submission
    from derivations.spec import read_spec
    from derivations.study import Study
    from derivations.submission import document_files, verify_manifest, write_submission

    out = study_tlf.parent
    limit = (out / "adam" / "adlb.xpt").stat().st_size // 2 - 1  # ADLB in 3 parts, nothing else split
    study = Study.load(ROOT)
    documents = {s: document_files(read_spec(study.spec_path(s)), ROOT, s) for s in ("sdtm", "adam")}
    run_before = {s: _tree(out / s) for s in ("sdtm", "adam")}
    copied = write_submission(out, study.studyid, target=tmp_path / "copied", documents=documents,
                              max_dataset_bytes=limit)
    linked = write_submission(out, study.studyid, target=tmp_path / "linked", documents=documents,
                              max_dataset_bytes=limit, link=True)
    assert _tree(linked) == _tree(copied) and verify_manifest(linked) == []
    assert {s: _tree(out / s) for s in ("sdtm", "adam")} == run_before  # nothing written through a link
    base = linked / "m5" / "datasets" / "nct04984096"
    folders = {"sdtm": base / "tabulations" / "sdtm", "adam": base / "analysis" / "adam" / "datasets"}
    same = {stage: sorted(p.name for p in folder.iterdir() if (out / stage / p.name).is_file()
                          and os.path.samefile(p, out / stage / p.name)) for stage, folder in folders.items()}
    sdtm_xpt = sorted(p.name for p in (out / "sdtm").glob("*.xpt"))
    assert len(sdtm_xpt) == 21
    assert same["sdtm"] == sorted([*sdtm_xpt, "define.html", "define.xml", "define2-1.xsl"])
    assert same["adam"] == ["adae.xpt", "adrs.xpt", "adsl.xpt", "adtr.xpt", "adtte.xpt", "advs.xpt",
                            "define2-1.xsl"]  # ADLB's parts and the define listing them are the package's own
    assert b'xlink:href="adlb.xpt"' in (out / "adam" / "define.xml").read_bytes()
    assert b'xlink:href="adlb1.xpt"' in (folders["adam"] / "define.xml").read_bytes()
    # where the disk cannot link (another file system), the files are copied: the same package
    monkeypatch.setattr(submission.os, "link", lambda *a: (_ for _ in ()).throw(OSError(18, "Invalid cross-device link")))
    fallback = write_submission(out, study.studyid, target=tmp_path / "fallback", documents=documents,
                                max_dataset_bytes=limit, link=True)
    assert _tree(fallback) == _tree(copied)
    assert all(p.stat().st_nlink == 1 for p in fallback.rglob("*") if p.is_file())
