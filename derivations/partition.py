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
    subjects = np.unique(np.concatenate([d[column].dropna().astype(str).to_numpy(dtype=object)
                                         for d in datasets])) if datasets else np.array([], dtype=object)
    n = max(1, min(n, len(subjects)))
    bounds = np.linspace(0, len(subjects), n + 1).round().astype(int)
    part_of = pd.Series(np.repeat(np.arange(n), np.diff(bounds)), index=pd.Index(subjects, dtype=object))
    out = []
    for d in datasets:
        ids = d[column]
        if ids.isna().any():
            i = int(np.flatnonzero(ids.isna().to_numpy())[0])
            raise DerivationError(f"record {i + 1} has no {column}: it belongs to no subject partition",
                                  variable=column, row=i + 1, hint=f"every record of a partitioned input needs {column}")
        codes = ids.astype(str).map(part_of).to_numpy(dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        cuts = np.searchsorted(codes[order], np.arange(1, n))
        out.append(np.split(order, cuts))
    return out


def derive_partitioned(ctx, program, n: int, *, scheduler: str = "synchronous") -> tuple[dict[str, Any], Findings]:
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
                              hint="remove it from [adam] partitions in study.toml")
    rows = dict(zip(split, compute_subject_partitions([inputs[s] for s in split], n=n)))
    parts = len(rows[split[0]])

    def one(k: int) -> tuple[dict[str, Any], Findings]:
        stores: dict[str, dict] = {"sdtm": {}, "adam": {}, "ard": {}}
        for name, frame in inputs.items():
            stage = next(s for s in stores if name in ctx.store(s))
            part = frame.take(rows[name][k]).reset_index(drop=True) if name in rows else frame
            stores[stage][name] = expand_frame(part) if isinstance(part, pd.DataFrame) else part
        part = dataclasses.replace(ctx, findings=Findings(), **stores).for_program(program)
        result = program.derive(part)
        result = {} if result is None else dict(result)
        # held compactly until every partition has run (one shared str per distinct text value)
        return {k: compact_frame(v) if isinstance(v, pd.DataFrame) else v for k, v in result.items()}, part.findings

    done = dask.compute(*[dask.delayed(one, pure=False)(k) for k in range(parts)], scheduler=scheduler)
    findings = Findings()
    for _, found in done:
        findings.extend(found)
    results = [r for r, _ in done]
    names = list(dict.fromkeys(name for r in results for name in r))
    combined = {}
    for name in names:
        frames = [r.pop(name) for r in results if name in r]
        combined[name] = (pd.concat(frames, ignore_index=True) if all(isinstance(f, pd.DataFrame) for f in frames)
                          else frames[0])
        del frames
    return combined, findings
