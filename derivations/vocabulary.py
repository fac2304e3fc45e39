"""The keyword vocabulary: one name per meaning, in every public function of the framework.

This docstring is the one place the convention is written down; the README links here.
A function that takes one of these things names it this way, and nothing else takes
that name.

==================  ==========================================================  ======================
keyword             meaning                                                     deprecated spellings
==================  ==========================================================  ======================
``dataset``         the input frame (never modified; a new frame is returned)   ``dataset_tr``
``dataset_add``     an additional frame to take values or records from          ``dataset_tu``,
                    (TU for TR, SUPP-- for its parent, DM for --DY)             ``dataset_supp``
``dataset_ref``     the reference frame: each of its by groups (subjects)       ``dataset_adsl``
                    gets a record, or must exist (ADSL, DM)
``by_vars``         columns that identify a group, e.g. ``["STUDYID", "USUBJID"]``
``order``           columns to sort by; ``"-AVAL"`` sorts AVAL descending
``new_var``         the column the function adds (``new_vars``: several;
                    ``new_vars_prefix``: the stem of several)
``filter``          which records of ``dataset`` take part: a query string      ``filter_source``,
                    (``"PARAMCD == 'OVR'"``), a callable ``df -> bool``,        ``filter_tr``
                    a boolean Series, or ``None`` for all records
``filter_add``      which records of ``dataset_add`` take part (as ``filter``)  ``filter_tu``
``set_values_to``   ``{column: value}`` set on new or selected records (a
                    constant, a callable of the frame, or ``Col(name)``)
``subject_keys``    the column(s) that identify a subject                       ``id_var``,
                    (``"USUBJID"`` or ``("STUDYID", "USUBJID")``); messages      ``subject_var``
                    name the subject by the last one
``usubjid``         subject identifier *values*: the Series of a ``compute_*``
                    function that names subjects in its messages, and the
                    ``usubjid=`` of :class:`~derivations.findings.DerivationError`
                    and of a finding
``reference_date``  the column of the reference date (study day, response       ``ref_var``
                    windows)
``dataset_name``    the dataset's name in messages (``"AE"``)
``findings``        a :class:`~derivations.findings.Findings` that collects
                    what was handled; without it such problems raise
``na_position``     where missing ``order`` values sort: ``"last"`` (default,
                    admiral), ``"first"``, or ``"sas"`` (the lowest value, as
                    SAS sorts); see :func:`derivations.core.sort_by_order`
==================  ==========================================================  ======================

Names that look alike but mean something else, and so keep their own name:

* ``condition`` (``derive_var_merged_exist_flag``, ``derive_param_exist_flag``) is not a
  record filter: records that fail it still take part (they make the flag false instead of
  missing), and it sits beside ``filter_add`` in the same call.
* ``condition`` of ``derive_vars_crit_flag`` is the criterion: records that fail it get
  ``"N"`` (``values_yn=True``); ``filter`` there names the records the criterion is judged on.
* ``condition`` of ``derive_var_relative_flag`` picks the reference record (the first or last
  meeting it); the records before or after it are flagged, every record takes part.
* ``filter_join`` (``derive_vars_joined``) applies to the joined records, after the join.
* ``definition`` (``derive_vars_cat``), ``windows`` (``derive_vars_visit_window``),
  ``criteria`` (``derive_var_atoxgr_dir``) and ``dataset_queries`` (``derive_vars_query``)
  are rule tables, not data: printable definitions that the derivation applies.
* ``event_conditions`` / ``censor_conditions`` / ``source_pd`` / ``source_resp`` define
  events (which records *are* an event), not which records take part.

The deprecated spellings are admiral's (``dataset_adsl``, ``filter_source``) or this
framework's earlier ones. They still work for one more release: a call that uses one gets
a :class:`DeprecationWarning` that names the new keyword. Passing both spellings is an
error. :func:`renamed_arguments` does this for a function and records the aliases on it
(``func.__renamed_arguments__``); :data:`DEPRECATED_SPELLINGS` is the table's last column
as data, and a test checks that the two agree.

Example
-------
>>> import warnings
>>> @renamed_arguments(dataset_adsl="dataset_ref")
... def count_subjects(*, dataset_ref):
...     return len(dataset_ref)
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     count_subjects(dataset_adsl=[1, 2])
2
>>> print(caught[0].message)
count_subjects(): the argument 'dataset_adsl' is deprecated; use 'dataset_ref'
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Callable, Sequence, TypeVar

F = TypeVar("F", bound=Callable)

#: The deprecated spellings of the table above: ``{old: new}``.
DEPRECATED_SPELLINGS: dict[str, str] = {
    "dataset_tr": "dataset",
    "dataset_tu": "dataset_add",
    "dataset_supp": "dataset_add",
    "dataset_adsl": "dataset_ref",
    "filter_source": "filter",
    "filter_tr": "filter",
    "filter_tu": "filter_add",
    "id_var": "subject_keys",
    "subject_var": "subject_keys",
    "ref_var": "reference_date",
}


def renamed_arguments(**aliases: str) -> Callable[[F], F]:
    """Decorator: accept each ``old=`` keyword as the deprecated spelling of ``new``.

    ``@renamed_arguments(filter_source="filter")`` lets callers still write
    ``filter_source=...``: the value is passed as ``filter`` with a
    :class:`DeprecationWarning` naming ``filter``. The wrapped function keeps its
    signature (``inspect.signature`` shows the new names), its docstring and its
    module, so its doctests still run.

    Parameters
    ----------
    **aliases
        ``old_name="new_name"`` pairs; ``new_name`` must be a parameter of the function.

    >>> @renamed_arguments(id_var="subject_keys")
    ... def f(*, subject_keys="USUBJID"):
    ...     return subject_keys
    >>> import inspect; str(inspect.signature(f))
    "(*, subject_keys='USUBJID')"
    """

    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        for old, new in aliases.items():
            if new not in params:
                raise TypeError(f"{func.__qualname__} has no parameter {new!r} (alias {old!r})")
            if old in params:
                raise TypeError(f"{func.__qualname__} still has the deprecated parameter {old!r}")
        renames = dict(aliases)

        @functools.wraps(func)  # keeps __module__, so doctest still collects the examples
        def wrapper(*args, **kwargs):
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old!r} (deprecated) and {new!r}; pass only {new!r}")
                    warnings.warn(f"{func.__name__}(): the argument {old!r} is deprecated; use {new!r}",
                                  DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_arguments__ = dict(aliases)
        return wrapper  # type: ignore[return-value]

    return decorate


def subject_column(subject_keys: str | Sequence[str]) -> str:
    """The column that names a subject in messages and counts: the last of ``subject_keys``.

    (USUBJID is unique within a submission, so it identifies the subject on its own.)

    >>> subject_column("USUBJID"), subject_column(("STUDYID", "USUBJID"))
    ('USUBJID', 'USUBJID')
    """
    if isinstance(subject_keys, str):
        return subject_keys
    keys = list(subject_keys)
    if not keys:
        raise TypeError("subject_keys is empty; give e.g. 'USUBJID' or ('STUDYID', 'USUBJID')")
    return str(keys[-1])


__all__ = ["DEPRECATED_SPELLINGS", "renamed_arguments", "subject_column"]
