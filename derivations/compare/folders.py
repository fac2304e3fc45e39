"""Two folders compared dataset by dataset (``derive compare DIR1 DIR2``).

Every dataset found in both folders is compared by its keys: the key variables of the
study's specs (the ``Key Variables`` of the Datasets sheet), or ``by_vars`` when given;
a dataset the specs do not know is matched by observation number, and the report says
so. Datasets found on one side only are reported too. A folder with ``sdtm/`` or
``adam/`` sub-folders (an output folder of ``derive run``) is compared through them.

One file per dataset name is read, by :data:`PREFERENCE` (an output folder holds
``dm.xpt`` and its Dataset-JSON ``dm.json``: the XPT is compared).

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> for side, aval in (("a", 1.0), ("b", 1.5)):
...     (tmp / side).mkdir()
...     pd.DataFrame({"USUBJID": ["01"], "AVAL": [aval]}).to_parquet(tmp / side / "adx.parquet")
>>> pd.DataFrame({"USUBJID": ["01"]}).to_parquet(tmp / "a" / "adsl.parquet")
>>> res = compare_folders(tmp / "a", tmp / "b", keys={"ADX": ["USUBJID"]})
>>> res.summary_frame()[["DATASET", "STATUS", "KEYS", "N_VALUES_UNEQUAL"]].values.tolist()
[['ADSL', 'base only', '', 0], ['ADX', 'different', 'USUBJID', 1]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from ..findings import DerivationError
from .engine import CompareResult, compare_datasets

#: file types read, most preferred first, when one dataset name has several files
PREFERENCE = (".xpt", ".parquet", ".json", ".csv")
#: the sub-folders of an output folder that hold datasets
STAGE_FOLDERS = ("sdtm", "adam")

STATUSES = ("equal", "values equal, attributes differ", "different", "base only", "compare only",
            "could not compare")


@dataclass
class DatasetComparison:
    """One dataset of a folder compare: its files, how its records were matched, and the outcome."""

    name: str
    base_file: Path | None
    compare_file: Path | None
    keys: list[str] = field(default_factory=list)
    key_source: str = ""
    result: CompareResult | None = None
    error: str | None = None

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        if self.error is not None:
            return "could not compare"
        if self.compare_file is None:
            return "base only"
        if self.base_file is None:
            return "compare only"
        assert self.result is not None
        if self.result.equal:
            return "equal"
        return "values equal, attributes differ" if self.result.values_equal else "different"


@dataclass
class FolderCompareResult:
    """Outcome of :func:`compare_folders`: one :class:`DatasetComparison` per dataset name."""

    base_dir: Path
    compare_dir: Path
    items: list[DatasetComparison]

    @property
    def equal(self) -> bool:
        """Every dataset in both folders, and equal."""
        return all(item.status == "equal" for item in self.items)

    @property
    def could_not_run(self) -> bool:
        """Some dataset could not be compared (unreadable, duplicate keys, ...)."""
        return any(item.status == "could not compare" for item in self.items)

    def summary_frame(self) -> pd.DataFrame:
        """One row per dataset: DATASET, STATUS, KEYS, files, records, variables and differences."""
        rows = []
        for item in self.items:
            s = item.result.summary if item.result is not None else {}
            rows.append({
                "DATASET": item.name, "STATUS": item.status, "KEYS": ", ".join(item.keys),
                "KEY_SOURCE": item.key_source,
                "BASE_FILE": str(item.base_file or ""), "COMPARE_FILE": str(item.compare_file or ""),
                "BASE_NOBS": s.get("base_nobs"), "COMPARE_NOBS": s.get("compare_nobs"),
                "N_VARS_COMPARED": s.get("n_vars_compared"),
                "N_VALUES_UNEQUAL": int(s.get("n_values_unequal", 0)),
                "N_RECORDS_ONE_SIDE": int(s.get("n_base_only_rows", 0) + s.get("n_compare_only_rows", 0)),
                "N_VARS_ONE_SIDE": int(s.get("n_base_only_vars", 0) + s.get("n_compare_only_vars", 0)),
                "N_ATTRIBUTE_DIFFS": int(s.get("n_attribute_differences", 0) + s.get("dataset_label_differs", 0)),
                "MESSAGE": item.error or "",
            })
        frame = pd.DataFrame(rows, columns=["DATASET", "STATUS", "KEYS", "KEY_SOURCE", "BASE_FILE", "COMPARE_FILE",
                                            "BASE_NOBS", "COMPARE_NOBS", "N_VARS_COMPARED", "N_VALUES_UNEQUAL",
                                            "N_RECORDS_ONE_SIDE", "N_VARS_ONE_SIDE", "N_ATTRIBUTE_DIFFS", "MESSAGE"])
        for col in ("BASE_NOBS", "COMPARE_NOBS", "N_VARS_COMPARED"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def report_text(self, max_listed: int | None = -1) -> str:
        """A summary table of every dataset, then the PROC COMPARE report of each that is not equal."""
        from .report import _table

        frame = self.summary_frame()
        lines = ["The COMPARE Procedure: folders",
                 f"Comparison of {self.base_dir} (BASE) with {self.compare_dir} (COMPARE)", ""]
        lines += _table(["Dataset", "Status", "Keys", "NObs base", "NObs compare", "Values unequal",
                         "Records one side", "Attribute diffs"],
                        [[r.DATASET, r.STATUS, r.KEYS or ("(observation number)" if r.KEY_SOURCE else ""),
                          r.BASE_NOBS, r.COMPARE_NOBS, r.N_VALUES_UNEQUAL, r.N_RECORDS_ONE_SIDE,
                          r.N_ATTRIBUTE_DIFFS] for r in frame.itertuples()])  # report rows
        counts = frame["STATUS"].value_counts()
        lines += ["", "  " + "; ".join(f"{int(counts[s])} {s}" for s in STATUSES if s in counts) + "."]
        for item in self.items:
            if item.error is not None:
                lines += ["", f"{item.name}: could not compare: {item.error}"]
            elif item.key_source == "observation number" and item.result is not None:
                lines += ["", f"NOTE: {item.name} is not in the spec: records matched by observation number "
                              "(give --by to match them by keys)."]
        for item in self.items:
            if item.result is not None and not item.result.equal:
                lines += ["", "=" * 72, f"Dataset {item.name}", "=" * 72, ""]
                lines.append(item.result.report_text(max_listed=max_listed).rstrip("\n"))
        lines.append("")
        verdict = ("equal" if self.equal else "could not be compared in full" if self.could_not_run
                   else "differ")
        lines.append(f"NOTE: the folders {verdict}.")
        return "\n".join(lines) + "\n"

    def report_html(self, max_listed: int | None = -1) -> str:
        """One page: the summary table (each dataset linked to its section), then each dataset's report."""
        import jinja2
        from markupsafe import Markup

        from .html import page, report_html_section

        frame = self.summary_frame()
        table = jinja2.Environment(autoescape=True).from_string(
            "<p>BASE: {{ base }}<br>COMPARE: {{ comp }}</p>"
            "<table><tr>{% for c in cols %}<th>{{ c }}</th>{% endfor %}</tr>"
            "{% for r in rows %}<tr>{% for c in cols %}<td>"
            "{% if c == 'DATASET' and r['_anchor'] %}<a href=\"#{{ r['_anchor'] }}\">{{ r[c] }}</a>"
            "{% else %}{{ '' if r[c] is none else r[c] }}{% endif %}</td>{% endfor %}</tr>{% endfor %}</table>"
        ).render(base=str(self.base_dir), comp=str(self.compare_dir),
                 cols=["DATASET", "STATUS", "KEYS", "BASE_NOBS", "COMPARE_NOBS", "N_VALUES_UNEQUAL",
                       "N_RECORDS_ONE_SIDE", "N_ATTRIBUTE_DIFFS", "MESSAGE"],
                 rows=[{**{k: (None if pd.isna(v) else v) for k, v in r.items()},
                        "_anchor": _anchor(r["DATASET"]) if item.result is not None else ""}
                       for r, item in zip(frame.to_dict("records"), self.items)])
        sections = [report_html_section(item.result, heading=f"Dataset {item.name}", anchor=_anchor(item.name),
                                        max_listed=max_listed)
                    for item in self.items if item.result is not None]
        return page("Dataset compare: folders", Markup(table) + Markup("".join(sections)))

    def differences_dataset(self) -> pd.DataFrame:
        """Every difference of every dataset: DATASET, KEY (text), then the columns of
        :func:`derivations.compare.diffs.differences_dataset`; a dataset on one side only is one row."""
        from .diffs import COLUMNS, differences_dataset, key_text

        parts = []
        for item in self.items:
            if item.result is not None:
                d = differences_dataset(item.result)
                keys = [c for c in d.columns if c not in COLUMNS]
                d.insert(0, "KEY", key_text(d, keys))
                parts.append(d.drop(columns=keys).assign(DATASET=item.name))
            elif item.status in ("base only", "compare only"):
                parts.append(pd.DataFrame([{"TYPE": f"dataset {item.status}", "KEY": "", "DATASET": item.name}]))
        cols = ["DATASET", "TYPE", "KEY", *COLUMNS[1:]]
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        out = pd.concat(parts, ignore_index=True).reindex(columns=cols)
        for col in ("KEY", "VARIABLE", "COMPVAR", "BASE", "COMPARE"):
            out[col] = out[col].fillna("")
        return out


def _anchor(name: str) -> str:
    return "ds-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower())


def dataset_files(folder: str | Path) -> dict[str, Path]:
    """``{NAME: file}`` of the dataset files of ``folder`` (one per name, by :data:`PREFERENCE`);
    for an output folder (one with ``sdtm/`` or ``adam/`` sub-folders) those of the sub-folders,
    named ``sdtm/DM``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DerivationError(f"{folder}: " + ("folder not found" if not folder.exists() else "not a folder"),
                              value=str(folder), hint="give two folders of dataset files, or two dataset files")
    found: dict[str, Path] = {}
    stages = [stage for stage in STAGE_FOLDERS if (folder / stage).is_dir()]
    if stages:  # an output folder: its datasets are in sdtm/ and adam/ (findings.csv is not one)
        for stage in stages:
            found.update({f"{stage}/{n}": p for n, p in dataset_files(folder / stage).items()})
        return found
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in PREFERENCE or path.name.lower().endswith(".meta.json"):
            continue
        name = path.stem.upper()
        if name not in found or PREFERENCE.index(suffix) < PREFERENCE.index(found[name].suffix.lower()):
            found[name] = path
    return found


def _spec_datasets(study: str | Path | None):
    """The datasets of the specs of the study at ``study`` (none without a study.toml)."""
    if study is None or not (Path(study) / "study.toml").is_file():
        return
    from ..spec import read_spec
    from ..study import Study

    loaded = Study.load(Path(study))
    for stage in ("sdtm", "adam"):
        path = loaded.spec_path(stage)
        if path is not None and path.is_file():
            yield from read_spec(path).datasets.items()


def spec_keys(study: str | Path | None) -> dict[str, list[str]]:
    """``{dataset: key variables}`` from the specs of the study at ``study`` (``{}`` without a study.toml)."""
    return {name.upper(): list(ds.keys) for name, ds in _spec_datasets(study) if ds.keys}


def spec_numeric(study: str | Path | None) -> dict[str, list[str]]:
    """``{dataset: numeric variables}`` from the specs of the study at ``study``: Data Type integer, float,
    double or decimal without a date or time display format (a date in a CSV file is text such as
    ``2021-01-10``, not a number). A CSV dataset's text in these variables is compared as numbers
    (:mod:`derivations.compare.engine`); ``{}`` without a study.toml.

    Examples
    --------
    >>> import tempfile
    >>> from derivations.spec import DatasetSpec, Spec, VariableSpec, write_spec
    >>> study = Path(tempfile.mkdtemp())
    >>> _ = (study / "study.toml").write_text('[study]\\nstudyid = "S1"\\n[adam]\\nspec = "adam_spec.xlsx"\\n')
    >>> adsl = DatasetSpec("ADSL", variables=[
    ...     VariableSpec("ADSL", "USUBJID"), VariableSpec("ADSL", "AGE", data_type="integer"),
    ...     VariableSpec("ADSL", "TRTSDT", data_type="integer", format="DATE9."),   # a date: text in a CSV file
    ...     VariableSpec("ADSL", "BMIBL", data_type="float")])
    >>> _ = write_spec(Spec(study={"StudyName": "S1"}, datasets={"ADSL": adsl}), study / "adam_spec.xlsx")
    >>> spec_numeric(study), spec_numeric(study / "no-study-here")
    ({'ADSL': ['AGE', 'BMIBL']}, {})
    """
    from ..spec import DATE_FORMATS, NUMERIC_TYPES

    return {name.upper(): [v.name for v in ds.variables if v.data_type.lower() in NUMERIC_TYPES
                           and not (v.format or "").upper().startswith(DATE_FORMATS)]
            for name, ds in _spec_datasets(study)}


def compare_folders(
    base_dir: str | Path,
    compare_dir: str | Path,
    *,
    keys: Mapping[str, Sequence[str]] | None = None,
    by_vars: Sequence[str] | None = None,
    tolerance: float = 0.0,
    tolerance_type: str = "absolute",
    ignore: Iterable[str] | str | None = None,
    max_listed: int | None = 50,
    encoding: str | None = None,
    numeric: Mapping[str, Sequence[str]] | None = None,
) -> FolderCompareResult:
    """Compare every dataset of ``compare_dir`` with the dataset of the same name in ``base_dir``.

    ``keys`` maps dataset names to their key variables (:func:`spec_keys`); ``by_vars``, when
    given, is used for every dataset instead. The other arguments are those of
    :func:`~derivations.compare.compare_datasets`; ``numeric`` maps dataset names to the variables the spec
    holds as numbers (:func:`spec_numeric`: a CSV file's text in them compares as numbers). A dataset that
    cannot be read or compared
    (a missing key variable, duplicate keys) is reported with its error; the others are still
    compared.
    """
    from ..io import read_dataset
    from .engine import _check_method, normalise_ignore

    _check_method(tolerance, tolerance_type)  # a bad option is one error, not one per dataset
    ignore = normalise_ignore(ignore)
    base_files, comp_files = dataset_files(base_dir), dataset_files(compare_dir)
    if not base_files and not comp_files:
        raise DerivationError(f"neither {base_dir} nor {compare_dir} holds a dataset file "
                              f"({', '.join(PREFERENCE)})", value=str(base_dir),
                              hint="give two folders of dataset files (or an output folder with sdtm/ and adam/)")
    keys = {k.upper(): list(v) for k, v in (keys or {}).items()}
    numeric = {k.upper(): list(v) for k, v in (numeric or {}).items()}
    items: list[DatasetComparison] = []
    for name in sorted(set(base_files) | set(comp_files)):
        item = DatasetComparison(name, base_files.get(name), comp_files.get(name))
        items.append(item)
        if item.base_file is None or item.compare_file is None:
            continue
        short = name.rsplit("/", 1)[-1]
        if by_vars:
            item.keys, item.key_source = list(by_vars), "--by"
        elif short in keys:
            item.keys, item.key_source = keys[short], "spec"
        else:
            item.keys, item.key_source = [], "observation number"
        try:
            base, bmeta = read_dataset(item.base_file, encoding=encoding)
            comp, cmeta = read_dataset(item.compare_file, encoding=encoding)
            item.result = compare_datasets(base, comp, by_vars=item.keys, tolerance=tolerance,
                                           tolerance_type=tolerance_type, ignore=ignore, base_meta=bmeta,
                                           compare_meta=cmeta, max_listed=max_listed, numeric=numeric.get(short))
        except DerivationError as exc:
            item.error = str(exc)
    return FolderCompareResult(Path(base_dir), Path(compare_dir), items)


__all__ = ["compare_folders", "FolderCompareResult", "DatasetComparison", "dataset_files", "spec_keys", "spec_numeric",
           "PREFERENCE", "STATUSES"]
