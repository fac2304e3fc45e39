"""The keyword vocabulary (derivations.vocabulary): deprecated spellings warn and still work."""

from __future__ import annotations

import doctest
import importlib
import inspect
import sys
import textwrap
import warnings

import pytest

from derivations.vocabulary import renamed_arguments


@renamed_arguments(dataset_adsl="dataset_ref", filter_source="filter")
def _subjects(dataset, *, dataset_ref, filter=None):
    return dataset, dataset_ref, filter


def test_a_deprecated_spelling_is_passed_on_under_the_new_name_with_a_warning_naming_it():
    with pytest.warns(DeprecationWarning) as caught:
        out = _subjects("D", dataset_adsl="ADSL", filter_source="AVAL > 1")
    assert out == ("D", "ADSL", "AVAL > 1")
    assert [str(w.message) for w in caught] == [
        "_subjects(): the argument 'dataset_adsl' is deprecated; use 'dataset_ref'",
        "_subjects(): the argument 'filter_source' is deprecated; use 'filter'",
    ]
    assert caught[0].filename == __file__  # the warning points at the caller


def test_the_new_spelling_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _subjects("D", dataset_ref="ADSL") == ("D", "ADSL", None)


def test_both_spellings_at_once_are_an_error():
    with pytest.raises(TypeError, match="got both 'dataset_adsl' \\(deprecated\\) and 'dataset_ref'"):
        _subjects("D", dataset_adsl="A", dataset_ref="B")


def test_the_signature_shows_only_the_new_names():
    assert list(inspect.signature(_subjects).parameters) == ["dataset", "dataset_ref", "filter"]
    assert _subjects.__renamed_arguments__ == {"dataset_adsl": "dataset_ref", "filter_source": "filter"}


def test_an_alias_to_a_missing_parameter_or_a_kept_old_parameter_is_refused():
    with pytest.raises(TypeError, match="has no parameter 'filter'"):
        renamed_arguments(filter_source="filter")(lambda dataset: dataset)
    with pytest.raises(TypeError, match="still has the deprecated parameter 'id_var'"):
        renamed_arguments(id_var="subject_keys")(lambda id_var, subject_keys: None)


def test_doctests_of_a_decorated_function_are_still_collected(tmp_path, monkeypatch):
    # doctest only collects functions whose globals are their module's: the wrapper keeps them
    (tmp_path / "vocab_probe.py").write_text(textwrap.dedent('''
        from derivations.vocabulary import renamed_arguments

        @renamed_arguments(filter_source="filter")
        def derive_probe(*, filter=None):
            """Probe.

            >>> derive_probe(filter=1)
            1
            """
            return filter
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("vocab_probe")
    try:
        tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
        assert [t.name for t in tests] == ["vocab_probe.derive_probe"]
    finally:
        sys.modules.pop("vocab_probe", None)


# ---- the framework keeps to the vocabulary

import importlib as _importlib  # noqa: E402
import pkgutil  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import derivations  # noqa: E402
from derivations import vocabulary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _deprecated_spellings() -> dict[str, str]:
    return dict(vocabulary.DEPRECATED_SPELLINGS)


def _public_functions():
    for info in pkgutil.walk_packages(derivations.__path__, "derivations."):
        if info.name.endswith("__main__"):
            continue
        module = _importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{info.name}.{name}", obj


def test_the_documented_table_lists_every_alias_and_nothing_else():
    documented = _deprecated_spellings()
    used = {}
    for _, func in _public_functions():
        used.update(getattr(func, "__renamed_arguments__", {}))
    assert used == documented
    table = vocabulary.__doc__[vocabulary.__doc__.index("keyword "):vocabulary.__doc__.index("Names that look alike")]
    rows = {}  # the docstring table: the keyword of each row, the deprecated spellings in its last column
    for line in table.splitlines():
        if line.startswith("``"):
            keyword = re.match(r"``(\w+)``", line).group(1)
        last = line[80:]
        rows.update({old: keyword for old in re.findall(r"``(\w+)``", last)})
    assert rows == documented


def test_no_public_function_takes_a_deprecated_spelling_as_a_parameter():
    deprecated = set(_deprecated_spellings())
    offenders = [f"{name}({p})" for name, func in _public_functions()
                 for p in inspect.signature(func).parameters if p in deprecated and not name.startswith("tests")]
    assert offenders == []


def test_study_programs_examples_and_tests_use_the_new_spellings():
    pattern = re.compile(r"\b(" + "|".join(_deprecated_spellings()) + r")=")
    offenders = []
    for folder in ("sdtm", "adam", "tlf", "qc", "examples", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name in ("test_vocabulary.py", "test_deprecated_spellings.py"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


#: deprecated functions and what replaces them (each warns when called)
DEPRECATED_FUNCTIONS = {"derive_var_seq": "derive_var_obs_number", "compute_dy": "compute_study_day",
                        "to_date": "compute_date"}


def test_study_programs_and_examples_call_no_deprecated_function():
    pattern = re.compile(r"\b(" + "|".join(DEPRECATED_FUNCTIONS) + r")\b")
    offenders = []
    for folder in ("sdtm", "adam", "tlf", "qc", "examples", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


def test_the_deprecated_functions_warn_naming_their_replacement():
    import pandas as pd

    from derivations.adam import compute_dy
    from derivations.oncology.response import to_date
    from derivations.sdtm import derive_var_seq

    frame = pd.DataFrame({"USUBJID": ["1"], "X": [1]})
    dates = pd.Series(pd.to_datetime(["2021-01-02"]))
    calls = {"derive_var_seq": lambda: derive_var_seq(frame, new_var="SEQ", order=["X"]),
             "compute_dy": lambda: compute_dy(dates, dates), "to_date": lambda: to_date(dates)}
    assert set(calls) == set(DEPRECATED_FUNCTIONS)
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert [str(w.message).split(";")[0] for w in caught] == [f"{name}() is deprecated"]
        assert DEPRECATED_FUNCTIONS[name] in str(caught[0].message)
