"""QC dataset compare: a PROC COMPARE for pandas.

The package has one module per concern:

=========================================  ==================================================
:mod:`derivations.compare.engine`          :func:`compare_datasets`: records matched on keys,
                                           attributes and values compared, VAR/WITH pairs,
                                           EXACT/ABSOLUTE/RELATIVE/PERCENT methods
:mod:`derivations.compare.report`          the text report, laid out like PROC COMPARE's
:mod:`derivations.compare.html`            the same report as an HTML page or section
:mod:`derivations.compare.diffs`           every difference as one dataset (``--out-diffs``)
:mod:`derivations.compare.folders`         two folders compared dataset by dataset, keys from the spec
=========================================  ==================================================

The command line is ``derive compare`` (:mod:`derivations.cli`).

Example
-------
>>> import pandas as pd
>>> base = pd.DataFrame({"USUBJID": ["01", "02", "03"], "AVAL": [1.0, 2.0, 3.0],
...                      "AVALC": ["1", "", "3"]})
>>> qc = pd.DataFrame({"USUBJID": ["01", "02", "03"], "AVAL": [1.0, 2.5, 3.0],
...                    "AVALC": ["1", None, "3"]})
>>> res = compare_datasets(base, qc, by_vars=["USUBJID"])
>>> res.equal
False
>>> res.variable_stats[["variable", "n_compared", "n_unequal"]].to_dict("records")
[{'variable': 'AVAL', 'n_compared': 3, 'n_unequal': 1}, {'variable': 'AVALC', 'n_compared': 3, 'n_unequal': 0}]
>>> res.differences[["variable", "USUBJID", "base", "compare"]].to_dict("records")
[{'variable': 'AVAL', 'USUBJID': '02', 'base': 2.0, 'compare': 2.5}]
"""

from __future__ import annotations

from .diffs import differences_dataset, write_differences
from .engine import (
    ATTRIBUTES,
    IGNORABLE,
    METHODS,
    TOLERANCE_TYPES,
    CompareResult,
    DuplicateKeyError,
    compare_datasets,
    normalise_ignore,
)
from .folders import DatasetComparison, FolderCompareResult, compare_folders, dataset_files, spec_keys, spec_numeric


def compare_main(argv: list[str] | None = None) -> int:
    """``derive compare ARGS`` (kept for callers of the former module-level CLI): the exit code."""
    import sys

    from ..cli import main

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return main(["compare", *args])
    except SystemExit as exc:  # argparse usage errors
        return 0 if exc.code in (0, None) else 2


__all__ = ["CompareResult", "DuplicateKeyError", "compare_datasets", "compare_folders", "FolderCompareResult",
           "DatasetComparison", "dataset_files", "spec_keys", "spec_numeric", "differences_dataset",
           "write_differences", "normalise_ignore", "compare_main", "METHODS", "TOLERANCE_TYPES", "ATTRIBUTES", "IGNORABLE"]
