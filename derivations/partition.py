"""Run a study program per subject partition on Dask, and concatenate its datasets.

A program whose every derivation is by subject (ADLB: baseline, change, grades, flags and
sequence numbers are all within USUBJID) gives the same records when it runs on a few subjects
at a time. ``[adam] partitions = { adlb = 4 }`` in study.toml makes the pipeline run
``adam/adlb.py`` that way, unchanged:

* the subjects of the datasets it reads (READS with a USUBJID column) are sorted and cut into
  ``n`` runs of consecutive subjects; every record of a subject lies in one partition; a dataset
  without USUBJID (trial design) is given whole to every partition;
* each partition is one Dask task (``dask.delayed``) calling the program's ``derive(ctx)`` on
  a context that holds only that partition's records; its findings are its own;
* the datasets it returns are concatenated in partition order and the findings added in
  partition order, so the run is the same every time; the pipeline then shapes, sorts and
  validates the whole dataset as it does any other (:func:`derivations.pipeline.run_stage`).

``[adam] partition_scheduler`` picks Dask's scheduler: ``"synchronous"`` (one partition after
the other, the least memory), ``"threads"`` (partitions side by side on the machine's cores).
A subset of a program's partitioned input is built inside its task and freed after it, so
the inputs are held once, not twice; its text is given to the program as the program would have
returned it (:func:`derivations.shaping.expand_frame`), one partition at a time.

Each partition's datasets are held compactly until the last partition has run (text as one shared
``str`` per distinct value, :func:`derivations.shaping.compact_text`), so the partitions' results
cost about half of what the program returned. What it does not change: the program's result is
held whole in memory (the concatenation, and the stage's other datasets); see the README's
"Where one machine stops".

Example
-------
>>> import pandas as pd
>>> lb = pd.DataFrame({"USUBJID": ["A", "A", "B", "C", "C"], "AVAL": [1.0, 3.0, 5.0, 2.0, 4.0]})
>>> [sorted(set(lb.loc[rows, "USUBJID"])) for rows in compute_subject_partitions([lb], n=2)[0]]
[['A', 'B'], ['C']]
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .findings import DerivationError, Findings
from .shaping import compact_frame, expand_frame
from .spill import SpilledPart
from .vocabulary import subject_column

#: the schedulers a study may choose (``[adam] partition_scheduler``)
SCHEDULERS = ("synchronous", "threads")


def compute_subject_partitions(datasets: Sequence[pd.DataFrame], *, n: int,
                               subject_keys: str | Sequence[str] = "USUBJID") -> list[list[np.ndarray]]:
    """Row positions of each dataset in each of ``n`` partitions of consecutive subjects.

    The subjects of all ``datasets`` together, sorted, are cut into ``n`` runs as even as whole
    subjects allow (fewer when there are fewer subjects); ``result[d][k]`` holds the positions of
    dataset ``d``'s records in partition ``k``, in the dataset's order.

    Parameters
    ----------
    datasets
        Frames with the subject column.
    n
        The number of partitions wanted (at least 1).
    subject_keys
        The subject variable (the last of several keys).

    Example
    -------
    >>> dm = pd.DataFrame({"USUBJID": ["S3", "S1", "S2", "S4"]})
    >>> ae = pd.DataFrame({"USUBJID": ["S2", "S4", "S2", "S5"]})
    >>> [[rows.tolist() for rows in parts] for parts in compute_subject_partitions([dm, ae], n=2)]
    [[[1, 2], [0, 3]], [[0, 2], [1, 3]]]
    """
    if n < 1:
        raise DerivationError(f"{n} partitions: there must be at least one", value=n,
                              hint="give a whole number of 1 or more")
    column = subject_column(subject_keys)
    # each dataset's subjects factorised once: codes per record, the distinct subjects as text
    factorised = [pd.factorize(d[column], use_na_sentinel=True) for d in datasets]
    subjects = np.unique(np.concatenate([np.asarray(pd.Index(u).astype(str), dtype=object)
                                         for _, u in factorised])) if datasets else np.array([], dtype=object)
    n = max(1, min(n, len(subjects)))
    bounds = np.linspace(0, len(subjects), n + 1).round().astype(int)
    part_of = pd.Series(np.repeat(np.arange(n), np.diff(bounds)), index=pd.Index(subjects, dtype=object))
    out = []
    for d, (ids, uniques) in zip(datasets, factorised):
        if (ids < 0).any():
            i = int(np.flatnonzero(ids < 0)[0])
            raise DerivationError(f"record {i + 1} has no {column}: it belongs to no subject partition",
                                  variable=column, row=i + 1, hint=f"every record of a partitioned input needs {column}")
        codes = part_of.loc[pd.Index(uniques).astype(str)].to_numpy(dtype=np.int64)[ids]
        order = np.argsort(codes, kind="stable")
        cuts = np.searchsorted(codes[order], np.arange(1, n))
        out.append(np.split(order, cuts))
    return out


def derive_partitioned(ctx, program, n: int, *, scheduler: str = "synchronous", shape=None,
                       spec=None) -> tuple[dict[str, Any], Findings]:
    """Run ``program.derive`` on ``n`` subject partitions of its inputs on Dask; concatenate its datasets.

    Parameters
    ----------
    ctx
        The run's :class:`~derivations.study.RunContext` (the whole datasets).
    program
        The :class:`~derivations.program.Program` to run; its READS with a USUBJID column are
        partitioned, the others given whole.
    n
        The number of subject partitions (fewer when there are fewer subjects).
    scheduler
        Dask's scheduler, one of :data:`SCHEDULERS`.
    shape
        ``shape(name, frame, findings)``: a partition's dataset shaped to the spec and held on disk (a
        :class:`derivations.spill.SpilledPart`), or ``None`` to hold it in memory; the pipeline gives it when
        the run holds large datasets on disk (``[study] spill_records``). Each partition is then shaped
        and sorted on its own and the dataset is returned as a
        :class:`~derivations.spill.HeldOnDisk` of the partitions, in order: the same records as the whole
        dataset shaped and sorted, since every partition holds consecutive subjects (checked at each
        boundary between partitions; where the spec's key order does not follow the subjects, the
        partitions are concatenated and sorted whole). The shaping findings come after the program's,
        with the record numbers of the concatenated dataset, as if it had been shaped whole.
    spec
        The stage's spec (the keys of that boundary check).

    Returns the program's result (each dataset of WRITES concatenated in partition order) and the
    findings of the partitions, in partition order.

    Example
    -------
    >>> from derivations.program import Program
    >>> from derivations.study import RunContext, Study
    >>> def derive(ctx):
    ...     lb = ctx.sdtm["LB"]
    ...     return {"ADLB": lb.assign(ASEQ=lb.groupby("USUBJID").cumcount() + 1)}
    >>> program = Program("adam", "adlb", reads=("LB",), writes=("ADLB",), derive=derive)
    >>> import tempfile
    >>> ctx = RunContext(study=Study(root=tempfile.mkdtemp(), settings={}))
    >>> ctx.sdtm["LB"] = pd.DataFrame({"USUBJID": ["A", "A", "B", "C"], "AVAL": [1.0, 2.0, 3.0, 4.0]})
    >>> result, findings = derive_partitioned(ctx, program, 2)
    >>> result["ADLB"]["ASEQ"].tolist(), len(findings)
    ([1, 2, 1, 1], 0)
    """
    import dask

    if scheduler not in SCHEDULERS:
        raise DerivationError(f"unknown partition scheduler {scheduler!r}", value=scheduler,
                              hint=f"use one of {', '.join(SCHEDULERS)}")
    column = "USUBJID"
    inputs = {name: ctx.dataset(name) for name in program.reads}
    split = [name for name, frame in inputs.items() if isinstance(frame, pd.DataFrame) and column in frame.columns]
    if not split:
        raise DerivationError(f"{program.label} reads no dataset with {column}: it cannot run per subject partition",
                              hint=f"remove it from [{program.stage}] partitions in study.toml")
    rows = dict(zip(split, compute_subject_partitions([inputs[s] for s in split], n=n)))
    parts = len(rows[split[0]])
    pages, page_rows = _raw_partitions(ctx, program, inputs, rows, parts)

    def one(k: int) -> tuple[dict[str, Any], Findings]:
        stores: dict[str, dict] = {"sdtm": {}, "adam": {}, "ard": {}}
        for name, frame in inputs.items():
            stage = next(s for s in stores if name in ctx.store(s))
            part = frame.take(rows[name][k]).reset_index(drop=True) if name in rows else frame
            stores[stage][name] = expand_frame(part) if isinstance(part, pd.DataFrame) else part
        raw = {page: frame.take(page_rows[page][k]) if page in page_rows else frame for page, frame in pages.items()}
        part = dataclasses.replace(ctx, findings=Findings(), _raw_cache=raw, **stores).for_program(program)
        del stores, raw
        result = program.derive(part)
        result = {} if result is None else dict(result)
        shaping, returned = {}, {}
        for name, frame in list(result.items()):
            if shape is not None and isinstance(frame, pd.DataFrame):
                shaping[name], returned[name] = Findings(), len(frame)
                held = shape(name, frame, shaping[name])
                if held is not None:  # shaped and on disk: this partition's frames are freed
                    result[name] = held
                    continue
                del shaping[name]
            # held compactly until every partition has run (one shared str per distinct text value)
            result[name] = compact_frame(frame) if isinstance(frame, pd.DataFrame) else frame
        del frame
        return result, part.findings, shaping, returned

    done = dask.compute(*[dask.delayed(one, pure=False)(k) for k in range(parts)], scheduler=scheduler)
    findings = Findings()
    for _, found, _, _ in done:
        findings.extend(found)
    results = [r for r, _, _, _ in done]
    names = list(dict.fromkeys(name for r in results for name in r))
    combined = {}
    for name in names:
        frames = [r.pop(name) for r in results if name in r]
        if frames and all(isinstance(f, SpilledPart) for f in frames):
            combined[name] = _held_in_order(frames, spec, name)
            _add_shaping_findings(findings, [(d[2].get(name), d[3].get(name, 0)) for d in done])
            continue
        if any(isinstance(f, SpilledPart) for f in frames):  # some held on disk, some not: as a whole
            frames = [f.load() if isinstance(f, SpilledPart) else f for f in frames]
        combined[name] = (pd.concat(frames, ignore_index=True) if all(isinstance(f, pd.DataFrame) for f in frames)
                          else frames[0])
        del frames
    return combined, findings


def _raw_partitions(ctx, program, inputs: dict, rows: dict, parts: int) -> tuple[dict, dict]:
    """The program's raw pages, and for each page with a SUBJID column the row positions of each partition.

    A raw record belongs to the partition of its subject: the READS dataset that holds both SUBJID and
    USUBJID (DM) says which USUBJID a SUBJID is. A record whose SUBJID that dataset lacks goes to the last
    partition (the program sees it as it would whole). Each partition's page keeps the page's record numbers
    (its index), so findings name the same records as a whole run's. A page without SUBJID is given whole.
    """
    pages = {page: ctx.raw(page) for page in program.raw}
    subject_pages = [p for p, frame in pages.items() if "SUBJID" in frame.columns]
    if not subject_pages:
        return pages, {}
    maps = [name for name in rows if {"SUBJID", "USUBJID"} <= set(inputs[name].columns)]
    if not maps:
        raise DerivationError(f"{program.label} reads raw pages with SUBJID ({', '.join(subject_pages)}) but no "
                              "dataset with both SUBJID and USUBJID: its raw records cannot be cut by subject",
                              hint=f"add DM to READS, or remove {program.name} from [{program.stage}] partitions")
    dm = inputs[maps[0]]
    part_of_row = np.empty(len(dm), dtype=np.int64)
    for k, positions in enumerate(rows[maps[0]]):
        part_of_row[positions] = k
    part_of = pd.Series(part_of_row, index=pd.Index(dm["SUBJID"].astype(str).to_numpy(dtype=object)))
    part_of = part_of[~part_of.index.duplicated()]
    page_rows = {}
    for page in subject_pages:
        codes, uniques = pd.factorize(pages[page]["SUBJID"])
        of_unique = part_of.reindex(pd.Index(uniques).astype(str)).fillna(parts - 1).to_numpy(dtype=np.int64)
        of_record = np.where(codes < 0, parts - 1, of_unique[np.maximum(codes, 0)] if len(of_unique) else parts - 1)
        order = np.argsort(of_record, kind="stable")
        page_rows[page] = np.split(order, np.searchsorted(of_record[order], np.arange(1, parts)))
    return pages, page_rows


def _held_in_order(parts: list, spec, name: str):
    """The shaped partitions as one dataset held on disk when their concatenation is sorted by the spec's keys
    (each partition is; the last record of each must not sort after the first of the next), else the
    concatenation sorted whole (in memory)."""
    from .schema import sort_by_keys
    from .spill import HeldOnDisk

    held = HeldOnDisk(tuple(parts))
    keys = [k for k in spec.dataset(name).keys if k in held.columns] if spec is not None else []
    nonempty = [p for p in parts if p.rows]
    for before, after in zip(nonempty, nonempty[1:]):
        pair = pd.concat([before.load(keys).iloc[[-1]], after.load(keys).iloc[[0]]], ignore_index=True)
        if keys and not sort_by_keys(pair, spec, name).equals(pair):
            return sort_by_keys(held.load(), spec, name)
    return held


def _add_shaping_findings(findings: Findings, per_part: list) -> None:
    """The partitions' shaping findings with the record numbers of the concatenated dataset (each partition's
    numbers moved by the records before it); a finding without a record number once."""
    offset, seen = 0, set()
    for found, rows in per_part:
        for f in (found.items if found is not None else []):
            f = dataclasses.replace(f, row=f.row + offset) if f.row is not None else f
            key = (f.check, f.message, f.dataset, f.variable, f.usubjid, f.row, str(f.value))
            if f.row is None and key in seen:
                continue
            seen.add(key)
            findings.items.append(f)
        offset += rows
