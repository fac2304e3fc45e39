"""The eCTD module 5 submission folder and its SHA-256 manifest.

Layout written by :func:`write_submission` (FDA Study Data Technical
Conformance Guide, eCTD module 5 dataset folders)::

    DIR/submission/m5/datasets/<study>/tabulations/sdtm/*.xpt, define.xml, define2-1.xsl, define.html
    DIR/submission/m5/datasets/<study>/analysis/adam/datasets/*.xpt, define.xml, define2-1.xsl, define.html
    DIR/submission/manifest.sha256

Dataset-JSON files and the TLF outputs are not copied: the TCG's module 5
dataset folders hold the XPT files with their define.xml (Dataset-JSON is not
yet an accepted exchange format for FDA submissions; tables and figures go to
the clinical study report in module 5.3, not to the datasets folder). The
``analysis/adam/programs`` folder is left to the sponsor's program export.

``manifest.sha256`` lists every other file of the folder as ``sha256sum``
prints it (``<hex>  <relative path>``, paths sorted, ``/`` separators), so
``sha256sum -c manifest.sha256`` run inside ``DIR/submission`` verifies it and
two runs can be compared by their manifests alone.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.txt").write_bytes(b"abc")
>>> write_manifest(d).read_text()
'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.txt\\n'
>>> verify_manifest(d)
[]
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from functools import partial
from pathlib import Path

MANIFEST = "manifest.sha256"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != MANIFEST)


def write_manifest(folder: str | Path) -> Path:
    """Write ``folder/manifest.sha256`` (sha256sum format, sorted relative paths); returns its path."""
    folder = Path(folder)
    lines = [f"{_sha256(folder / rel)}  {rel}\n" for rel in _files(folder)]
    path = folder / MANIFEST
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path


def verify_manifest(folder: str | Path) -> list[str]:
    """Problems found checking ``folder`` against its manifest (``[]`` = every file as listed).

    Reports files whose content changed, files listed but missing and files
    present but not listed, like ``sha256sum -c`` plus a check for extras.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        return [f"{path} not found"]
    problems, listed = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if not m:
            problems.append(f"{MANIFEST} line {n}: not a sha256sum line: {line!r}")
            continue
        digest, rel = m.groups()
        listed.add(rel)
        target = folder / rel
        if not target.is_file():
            problems.append(f"{rel}: FAILED open or read (missing)")
        elif _sha256(target) != digest:
            problems.append(f"{rel}: FAILED (checksum differs)")
    problems += [f"{rel}: not in {MANIFEST}" for rel in _files(folder) if rel not in listed]
    return problems


def submission_paths(study_id: str) -> dict[str, Path]:
    """Relative folders of the tabulation and analysis datasets for ``study_id``."""
    safe = re.sub(r"[^a-z0-9-]", "-", study_id.lower())
    base = Path("m5") / "datasets" / safe
    return {"sdtm": base / "tabulations" / "sdtm", "adam": base / "analysis" / "adam" / "datasets"}


def placeholder_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF that says what document belongs here (same bytes for the same text).

    >>> placeholder_pdf("Annotated CRF", ["supplied by the study"])[:8]
    b'%PDF-1.4'
    """
    def esc(t: str) -> str:
        return t.encode("latin-1", "replace").decode("latin-1").replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT /F1 16 Tf 72 760 Td (" + esc(title) + ") Tj ET"]
    text += [f"BT /F1 11 Tf 72 {730 - 16 * i} Td ({esc(line)}) Tj ET" for i, line in enumerate(lines)]
    stream = "\n".join(text).encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
               b"/Contents 4 0 R >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def document_files(spec, study_root: str | Path, stage: str) -> dict[str, bytes]:
    """The files a stage's define.xml links (Documents sheet hrefs, relative to the define's folder) -> bytes.

    ``<study>/documents/<file>`` when the study supplies it; an ADaM program
    (``../programs/<name>.txt``) is ``<study>/<stage>/<name>.py``; otherwise a
    placeholder PDF that names the document and where the study puts it.
    """
    root = Path(study_root)
    out = {}
    for doc in spec.documents.values():
        href = doc.href or f"{doc.id.lower()}.pdf"
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
            continue  # a URL: not a file of the package
        name = Path(href).name
        supplied = root / "documents" / name
        program = root / stage / (Path(href).stem + ".py")
        if supplied.is_file():
            out[href] = supplied.read_bytes()
        elif Path(href).parent.name == "programs" and program.is_file():
            out[href] = program.read_bytes()
        else:
            out[href] = placeholder_pdf(doc.title or doc.id, [
                "Placeholder written by the derivations package.",
                f"The study supplies this document as documents/{name} in the study folder;",
                "the next run copies it here in place of this page."])
    return out


def write_submission(out_dir: str | Path, study_id: str, *, target: str | Path | None = None,
                     documents: dict[str, dict[str, bytes]] | None = None,
                     max_dataset_bytes: int | None = None, link: bool = False) -> Path:
    """Lay out ``out_dir/submission`` from ``out_dir/sdtm`` and ``out_dir/adam``; returns the folder.

    Copies each stage's ``*.xpt``, ``define.xml``, stylesheet and ``define.html``,
    and the documents the define links (``documents``: stage -> {href relative to
    the define's folder: bytes}, see :func:`document_files`), checks that every
    link of every define.xml resolves inside the folder, then writes the manifest.
    The folder is built under a temporary name and renamed into place, so a failure
    leaves no half-written submission. ``target`` places it elsewhere (default
    ``out_dir/submission``). With ``link`` (``[study] submission_links``) the files are hard links to
    the run's own files (the same bytes, written once), copied where the disk cannot link them; the run's
    writers replace a file rather than change it, so a later run never changes a linked file in place.

    An XPT file larger than ``max_dataset_bytes`` (default the FDA's 5 GB,
    :data:`derivations.xpt.FDA_MAX_DATASET_BYTES`) goes into the package as numbered parts by
    subject (``adlb1.xpt``, ``adlb2.xpt`` ...; :func:`derivations.xpt.split_xpt`) in its place, and
    the package's define.xml and define.html list the parts (:func:`derivations.define.define_with_parts`);
    the run's own folder keeps the whole file and its define.
    """
    from .define import HTML, check_leaves, define_html, define_with_parts
    from .findings import DerivationError
    from .xpt import FDA_MAX_DATASET_BYTES, split_xpt

    limit = FDA_MAX_DATASET_BYTES if max_dataset_bytes is None else int(max_dataset_bytes)

    out_dir = Path(out_dir)
    target = Path(target) if target is not None else out_dir / "submission"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    linked: set[Path] = set()  # the hard links to the run's files (paths under tmp): never written nor chmod-ed
    try:
        for stage, rel in submission_paths(study_id).items():
            src = out_dir / stage
            files = sorted(src.glob("*.xpt")) if src.is_dir() else []
            if not files:
                continue
            files += [p for p in (src / "define.xml", src / "define2-1.xsl", src / "define.html") if p.is_file()]
            dest = tmp / rel
            dest.mkdir(parents=True, exist_ok=True)
            parts = {}
            for f in files:
                split = split_xpt(f, dest, max_bytes=limit) if f.suffix == ".xpt" else []
                if split:
                    parts[f.stem.upper()] = split
                elif link and _hard_link(f, dest / f.name):
                    linked.add(dest / f.name)
                else:
                    shutil.copyfile(f, dest / f.name)
            if parts and (dest / "define.xml").is_file():
                xml = define_with_parts((dest / "define.xml").read_bytes(), parts)
                for name, data in (("define.xml", xml), (HTML, define_html(xml))):
                    (dest / name).unlink(missing_ok=True)  # a hard link to the run's file: never written through
                    linked.discard(dest / name)
                    (dest / name).write_bytes(data)
            for href, data in ((documents or {}).get(stage) or {}).items():
                path = (dest / href).resolve()
                if not path.is_relative_to(tmp.resolve()):
                    raise DerivationError(f"document {href!r} of the {stage} define.xml lies outside the "
                                          "submission folder", hint="give the Documents sheet a relative href")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.unlink(missing_ok=True)  # an href naming a linked file (define.html, an XPT): not written through
                linked.discard(tmp / path.relative_to(tmp.resolve()))
                path.write_bytes(data)
            if (dest / "define.xml").is_file():
                broken = check_leaves(dest / "define.xml")
                if broken:
                    raise DerivationError(f"the {stage} define.xml links files the submission lacks:\n  "
                                          + "\n  ".join(broken), hint="add the document to the Documents sheet "
                                          "with an href relative to define.xml, or supply the file")
        write_manifest(tmp)
        mask = os.umask(0)
        os.umask(mask)
        for p in [tmp, *tmp.rglob("*")]:
            if p not in linked:  # a link is the run's own file: its mode is the run's
                os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _hard_link(source: Path, target: Path) -> bool:
    """Hard-link ``target`` to ``source``; False (nothing made) where the file system cannot link them."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _without_trailing_blanks(values):
    """Text as an XPT file holds it: trailing blanks dropped (the column unchanged when it has none)."""
    import pandas as pd

    from .core import compute_on_distinct

    distinct = pd.Series(pd.unique(values.to_numpy(dtype=object)), dtype=object).dropna().astype(str)
    if not distinct.str.endswith(" ").any():
        return values
    return compute_on_distinct(values, lambda s: s.astype(str).str.rstrip(" "), missing="").astype(object)


def _as_in_xpt(frame, *, chars, numbers):
    """Rows of a dataset with the values as its XPT file holds them (applied a chunk of rows at a time):
    a missing character value blank, trailing blanks dropped (they are padding); numbers as doubles."""
    import numpy as np
    import pandas as pd

    chars = [c for c in chars if c in frame.columns]
    frame = frame.assign(**{c: frame[c].fillna("") if isinstance(frame[c].dtype, pd.StringDtype)
                            else frame[c].astype(object).where(frame[c].notna(), "") for c in chars})
    frame = frame.assign(**{c: _without_trailing_blanks(frame[c]) for c in chars})
    return frame.assign(**{c: frame[c].to_numpy(dtype="float64", na_value=np.nan) for c in numbers
                           if c in frame.columns})


def _all_whole(values, step: int = 1 << 20) -> bool:
    """Whether every non-missing value of a numeric column is a whole number (a slice at a time)."""
    import numpy as np

    for lo in range(0, len(values), step):
        num = values.iloc[lo:lo + step].to_numpy(dtype="float64", na_value=np.nan)
        finite = num[~np.isnan(num)]
        if not np.all(finite == np.round(finite)):
            return False
    return True


def write_dataset_jsons(datasets, spec, folder: str | Path, *, created, study_id: str = "",
                        names=None, lengths=None) -> list[Path]:
    """Dataset-JSON 1.1 beside each XPT (``folder/<name>.json``), attributes from the spec; ``names``: only
    those datasets (lengths still fitted over all ``datasets``, as :func:`derivations.pipeline.write_stage`);
    ``lengths``: those the XPT files were written with, when the run has them (fitted here when not given).

    Item OIDs are the define.xml ones (``IT.<DATASET>.<VARIABLE>``) and
    ``metaDataRef`` points at ``define.xml`` in the same folder. Character values and lengths
    are the XPT file's: trailing blanks dropped, lengths from
    :func:`derivations.lengths.submission_lengths`.
    """
    import numpy as np
    import pandas as pd

    from .datasetjson import write_dataset_json
    from .lengths import submission_lengths
    from .xpt import variables_from_spec

    lengths = submission_lengths(datasets, spec) if lengths is None else lengths
    files = []
    for name in sorted(datasets):
        if names is not None and name not in names:
            continue
        frame = datasets[name]  # one at a time (a dataset held on disk is read back for its file)
        ds = spec.dataset(name)
        keys = {k: i for i, k in enumerate(ds.keys, start=1)}
        variables = []
        for v in variables_from_spec(ds, lengths.get(ds.name)):
            if v.name not in frame.columns:
                continue
            entry = {"name": v.name, "label": v.label, "item_oid": f"IT.{name}.{v.name}",
                     "key_sequence": keys.get(v.name)}
            if v.type == "char":
                entry.update(data_type="string", length=v.length)
            if v.format:
                entry["display_format"] = v.format
            variables.append(entry)
        # nullable numerics (Int64/Float64) as the doubles the XPT holds; integers declared when whole
        chars = [e["name"] for e in variables if e.get("data_type") == "string"]
        numbers = []
        for e in variables:
            col = frame[e["name"]]
            if e.get("data_type") or not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                continue
            numbers.append(e["name"])
            spec_type = ds.variable(e["name"]).data_type.lower()
            whole = spec_type == "integer" and not e.get("display_format") and _all_whole(col)
            e["data_type"] = "integer" if whole else "double"
        path = Path(folder) / f"{name.lower()}.json"
        write_dataset_json(frame, path, name=name, label=ds.label, creation_datetime=created, variables=variables,
                           item_group_oid=f"IG.{name}", study_oid=f"STDY.{study_id}" if study_id else None,
                           metadata_ref="define.xml", originator=None, source_system="derivations",
                           prepare=partial(_as_in_xpt, chars=chars, numbers=numbers))
        files.append(path)
    return files


def write_package(out_dir: str | Path, study, datasets_by_stage, *, max_dataset_bytes: int | None = None,
                  lengths=None) -> list[Path]:
    """Everything around the XPT files of a run folder: Dataset-JSON, define.xml + stylesheet per stage,
    and ``out_dir/submission`` with its manifest. ``datasets_by_stage``: {"sdtm": {name: frame}, ...};
    ``max_dataset_bytes``: the largest XPT file of the submission (:func:`write_submission`);
    ``lengths``: {stage: lengths} the XPT files were written with (:func:`derivations.lengths.submission_lengths`
    of the stage's datasets), so that they are fitted once per run; a stage it lacks is fitted here.
    """
    from .lengths import submission_lengths

    from .define import write_define
    from .spec import read_spec
    from .spill import held_frames

    out_dir = Path(out_dir)
    ct = study.settings.get("study", {}).get("ct_version")
    files = []
    for stage in ("sdtm", "adam"):
        frames = held_frames(datasets_by_stage.get(stage) or {})  # those held on disk are read one at a time
        path = study.spec_path(stage)
        if not frames or path is None:
            continue
        spec = read_spec(path)
        folder = out_dir / stage
        fitted = (lengths or {}).get(stage)
        fitted = submission_lengths(frames, spec) if fitted is None else fitted
        files += write_dataset_jsons(frames, spec, folder, created=study.created, study_id=study.studyid,
                                     lengths=fitted)
        files.append(write_define(spec, folder, created=study.created, datasets=frames, ct_version=ct,
                                  settings=study.settings, lengths=fitted))
    documents = {stage: document_files(read_spec(study.spec_path(stage)), study.root, stage)
                 for stage in ("sdtm", "adam") if study.spec_path(stage) is not None}
    sub = write_submission(out_dir, study.studyid, documents=documents, max_dataset_bytes=max_dataset_bytes,
                           link=bool(study.settings.get("study", {}).get("submission_links", False)))
    files += [p for p in sorted(sub.rglob("*")) if p.is_file()]
    return files
