"""Every public derive_* / compute_* documents each parameter (numpydoc) and shows a runnable example.

The examples run as doctests (``--doctest-modules``); this test checks they are there, and
that the Parameters section names every argument of the signature, so a new argument
cannot go undocumented. Deprecated aliases (docstring starting "Deprecated") are exempt.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import derivations


#: Functions that still lack a full Parameters section or an example: document them and
#: delete the line. Empty since the BDS, TLF and checker functions were documented; it may
#: only shrink (test_known_gaps_are_still_gaps): a new function is documented from the start.
KNOWN_GAPS: set[str] = set()


def _public_derivations():
    seen = set()
    for info in pkgutil.walk_packages(derivations.__path__, "derivations."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (name.startswith(("derive_", "compute_")) and inspect.isfunction(obj)
                    and obj.__module__ == module.__name__ and obj not in seen):
                seen.add(obj)
                yield f"{info.name}.{name}", obj


def _documented(doc: str) -> set[str]:
    """Parameter names of a numpydoc Parameters section (``a, b`` entries and ``**kw`` included)."""
    section = re.search(r"\n\s*Parameters\n\s*-+\n(.*?)(?:\n\s*\n\s*(?:Returns|Raises|Examples|Yields|Notes|See Also)\n\s*-+\n|$)",
                        doc, re.S)
    if section is None:
        return set()
    body = inspect.cleandoc("\n" + section.group(1))
    names = set()
    for line in body.splitlines():
        if line and not line.startswith(" "):
            names.update(n.strip().lstrip("*") for n in line.split(":")[0].split(","))
    return names


def _problems(name: str, func) -> list[str]:
    doc = inspect.getdoc(func) or ""
    params = [p for p in inspect.signature(func).parameters if p not in ("self", "cls")]
    missing = [p for p in params if p not in _documented(doc)]
    problems = [f"{name}: Parameters section lacks {', '.join(missing)}"] if missing else []
    if ">>>" not in doc:
        problems.append(f"{name}: no example")
    return problems


def test_every_public_derive_and_compute_documents_its_parameters_and_has_an_example():
    problems = []
    functions = list(_public_derivations())
    assert len(functions) > 60  # the walk found the framework
    for name, func in functions:
        if (inspect.getdoc(func) or "").startswith("Deprecated") or name in KNOWN_GAPS:
            continue
        problems += _problems(name, func)
    assert problems == []


def test_known_gaps_name_existing_functions():
    names = {name for name, _ in _public_derivations()}
    assert sorted(KNOWN_GAPS - names) == []


def test_known_gaps_are_still_gaps():
    """A function documented in full leaves the list (so the list can only shrink)."""
    documented = [name for name, func in _public_derivations() if name in KNOWN_GAPS and not _problems(name, func)]
    assert documented == []


def test_the_check_reads_grouped_entries_and_fails_on_an_undocumented_argument():
    def sample(dataset, *, start_date, end_date, new_var):
        """Sample.

        Parameters
        ----------
        dataset
            Records.
        start_date, end_date
            Dates.

        Returns
        -------
        pandas.DataFrame
        """

    assert _documented(inspect.getdoc(sample)) == {"dataset", "start_date", "end_date"}
