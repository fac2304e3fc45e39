"""Submission folder: eCTD m5 layout, sha256 manifest, identical across runs, verification."""

import hashlib
import os
import stat
import subprocess
from pathlib import Path


from derivations.pipeline import run_study
from derivations.submission import MANIFEST, verify_manifest, write_manifest, write_submission

ROOT = Path(__file__).resolve().parents[1]


def test_manifest_lines_are_sha256sum_format_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.xpt").write_bytes(b"xyz")
    (tmp_path / "a.txt").write_bytes(b"abc")
    text = write_manifest(tmp_path).read_text()
    assert text == (f"{hashlib.sha256(b'abc').hexdigest()}  a.txt\n"
                    f"{hashlib.sha256(b'xyz').hexdigest()}  b/x.xpt\n")
    assert verify_manifest(tmp_path) == []
    (tmp_path / "b" / "x.xpt").write_bytes(b"xyZ")
    (tmp_path / "new.txt").write_bytes(b"")
    (tmp_path / "a.txt").unlink()
    assert verify_manifest(tmp_path) == ["a.txt: FAILED open or read (missing)", "b/x.xpt: FAILED (checksum differs)",
                                         "new.txt: not in manifest.sha256"]


def test_sha256sum_accepts_the_manifest(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"abc")
    write_manifest(tmp_path)
    done = subprocess.run(["sha256sum", "-c", MANIFEST], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "a.txt: OK\n"


def test_write_submission_layout(tmp_path):
    for stage in ("sdtm", "adam"):
        (tmp_path / stage).mkdir()
        (tmp_path / stage / "a.xpt").write_bytes(stage.encode())
        (tmp_path / stage / "a.json").write_bytes(b"{}")
        (tmp_path / stage / "define.xml").write_bytes(b"<ODM/>")
    docs = {"adam": {"adrg.pdf": b"%PDF guide", "../programs/adsl.txt": b"def derive(ctx): ..."}}
    sub = write_submission(tmp_path, "NCT04984096", documents=docs)
    files = sorted(p.relative_to(sub).as_posix() for p in sub.rglob("*") if p.is_file())
    assert files == [
                     "m5/datasets/nct04984096/analysis/adam/datasets/a.xpt",
                     "m5/datasets/nct04984096/analysis/adam/datasets/adrg.pdf",
                     "m5/datasets/nct04984096/analysis/adam/datasets/define.xml",
                     "m5/datasets/nct04984096/analysis/adam/programs/adsl.txt",
                     "m5/datasets/nct04984096/tabulations/sdtm/a.xpt",
                     "m5/datasets/nct04984096/tabulations/sdtm/define.xml", "manifest.sha256"]


def test_two_runs_give_identical_manifests_and_defines(tmp_path):
    for name in ("a", "b"):
        run_study(ROOT, tmp_path / name, stages=["sdtm"])
    ma = (tmp_path / "a" / "submission" / MANIFEST).read_bytes()
    assert ma == (tmp_path / "b" / "submission" / MANIFEST).read_bytes()
    assert verify_manifest(tmp_path / "a" / "submission") == []
    listed = [line.split("  ", 1)[1] for line in ma.decode().splitlines()]
    assert "m5/datasets/nct04984096/tabulations/sdtm/dm.xpt" in listed
    assert "m5/datasets/nct04984096/tabulations/sdtm/define.xml" in listed
    assert "m5/datasets/nct04984096/tabulations/sdtm/define2-1.xsl" in listed
    # define.html beside define.xml; the aCRF and reviewer's guide the define links are in the package
    # (placeholders: the study supplies documents/acrf.pdf and documents/csdrg.pdf)
    for name in ("define.html", "acrf.pdf", "csdrg.pdf"):
        assert f"m5/datasets/nct04984096/tabulations/sdtm/{name}" in listed
    from derivations.define import check_leaves

    sdtm = tmp_path / "a" / "submission" / "m5" / "datasets" / "nct04984096" / "tabulations" / "sdtm"
    assert check_leaves(sdtm / "define.xml") == []
    assert b"raw/README.md" not in (sdtm / "define.xml").read_bytes()
    assert (sdtm / "acrf.pdf").read_bytes().startswith(b"%PDF-1.4")
    assert (tmp_path / "a" / "sdtm" / "dm.json").read_bytes() == (tmp_path / "b" / "sdtm" / "dm.json").read_bytes()
    from derivations.datasetjson import read_dataset_json
    import pyreadstat

    js, meta = read_dataset_json(tmp_path / "a" / "sdtm" / "dm.json")
    xp, _ = pyreadstat.read_xport(str(tmp_path / "a" / "sdtm" / "dm.xpt"))
    assert js["USUBJID"].tolist() == xp["USUBJID"].tolist() and len(js) == 29
    assert meta.label == "Demographics"


def test_a_document_outside_the_submission_folder_is_refused(tmp_path):
    import pytest
    from derivations.findings import DerivationError

    (tmp_path / "sdtm").mkdir()
    (tmp_path / "sdtm" / "a.xpt").write_bytes(b"x")
    with pytest.raises(DerivationError, match="outside the submission folder"):
        write_submission(tmp_path, "S1", documents={"sdtm": {"../../../../../../raw/README.md": b"x"}})
    assert not (tmp_path / "submission").exists()


def _linked_run(tmp_path):
    """A run folder of one SDTM dataset with its define.xml and define.html, the XPT of mode 0o640."""
    (tmp_path / "sdtm").mkdir()
    for name, data in (("dm.xpt", b"xpt bytes"), ("define.xml", b"<ODM/>"), ("define.html", b"<html>define</html>")):
        (tmp_path / "sdtm" / name).write_bytes(data)
    os.chmod(tmp_path / "sdtm" / "dm.xpt", 0o640)
    return tmp_path / "sdtm"


def test_linked_package_files_keep_the_run_files_modes(tmp_path):
    # link=True: the package's XPT is the run's own file; making the package's files readable must not change
    # the run's file (mode 0o640 kept), only the files the package wrote itself (the manifest)
    run = _linked_run(tmp_path)
    sub = write_submission(tmp_path, "S1", link=True)
    sdtm = sub / "m5" / "datasets" / "s1" / "tabulations" / "sdtm"
    assert os.stat(sdtm / "dm.xpt").st_ino == os.stat(run / "dm.xpt").st_ino   # linked, not copied
    assert stat.S_IMODE(os.stat(run / "dm.xpt").st_mode) == 0o640
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(sub / MANIFEST).st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(os.stat(sub).st_mode) == 0o777 & ~mask


def test_a_document_named_as_a_linked_file_is_not_written_through_the_link(tmp_path):
    # a Documents href naming define.html (or an XPT) replaces the package's file, never the run's file
    run = _linked_run(tmp_path)
    docs = {"sdtm": {"define.html": b"<html>the sponsor's define</html>", "dm.xpt": b"document bytes"}}
    sub = write_submission(tmp_path, "S1", link=True, documents=docs)
    sdtm = sub / "m5" / "datasets" / "s1" / "tabulations" / "sdtm"
    assert (run / "define.html").read_bytes() == b"<html>define</html>"
    assert (run / "dm.xpt").read_bytes() == b"xpt bytes" and stat.S_IMODE(os.stat(run / "dm.xpt").st_mode) == 0o640
    assert (sdtm / "define.html").read_bytes() == b"<html>the sponsor's define</html>"
    assert (sdtm / "dm.xpt").read_bytes() == b"document bytes"
    assert os.stat(sdtm / "define.xml").st_ino == os.stat(run / "define.xml").st_ino   # still linked
    assert verify_manifest(sub) == []
