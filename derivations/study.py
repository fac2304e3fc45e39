"""A study is a folder: ``study.toml``, ``specs/``, ``raw/``, ``sdtm/``, ``adam/``, ``tlf/``.

``study.toml`` names the study, its settings and the programs of each stage in
the order they run. A program is a Python file in ``sdtm/``, ``adam/`` or
``tlf/`` with one function::

    def derive(ctx: RunContext) -> dict[str, pandas.DataFrame]:
        ...

returning the datasets it makes, keyed by upper-case dataset name (a program
may return a domain and its SUPP-- dataset). Programs read raw extracts with
:meth:`RunContext.raw`, earlier outputs from ``ctx.sdtm`` / ``ctx.adam``,
settings from ``ctx.settings`` and report handled problems in
``ctx.findings``.

Example ``study.toml``::

    [study]
    studyid = "NCT04984096"
    cutoff_date = "2022-07-03"
    created = "2022-07-04T00:00:00"

    [sdtm]
    programs = ["dm", "ae"]
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pandas as pd

from .findings import Findings, RawDataError
from .io import read_raw_page

STAGES = ("sdtm", "adam", "tlf")


@dataclass
class Study:
    """A study folder and its ``study.toml`` settings."""

    root: Path
    settings: dict[str, Any]

    @classmethod
    def load(cls, root: str | Path = ".") -> "Study":
        root = Path(root).resolve()
        path = root / "study.toml"
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: a study folder needs a study.toml "
                "(pass --study PATH to select another study)"
            )
        with path.open("rb") as fh:
            settings = tomllib.load(fh)
        return cls(root=root, settings=settings)

    @property
    def created(self):
        """Timestamp stamped into output headers (``[study] created``), never the clock."""
        import datetime as _dt

        value = self.settings.get("study", {}).get("created", "1960-01-01T00:00:00")
        return _dt.datetime.fromisoformat(str(value))

    @property
    def studyid(self) -> str:
        return self.settings["study"]["studyid"]

    def path(self, key: str, default: str) -> Path:
        """A path setting of ``[study]`` resolved against the study folder."""
        return self.root / self.settings.get("study", {}).get(key, default)

    @property
    def raw_dir(self) -> Path:
        return self.path("raw", "raw")

    def spec_path(self, stage: str) -> Path | None:
        value = self.settings.get(stage, {}).get("spec")
        return self.root / value if value else None

    def programs(self, stage: str) -> list[str]:
        return list(self.settings.get(stage, {}).get("programs", []))

    def load_program(self, stage: str, name: str) -> Callable[["RunContext"], dict]:
        path = self.root / stage / f"{name}.py"
        if not path.is_file():
            raise FileNotFoundError(
                f"program {stage}/{name}.py listed in study.toml [{stage}] programs is missing"
            )
        module = _import_file(f"_study_{stage}_{name}", path)
        if not hasattr(module, "derive"):
            raise AttributeError(f"{path} must define derive(ctx) -> dict[str, DataFrame]")
        return module.derive


def _import_file(module_name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@dataclass
class RunContext:
    """What a study program sees: raw extracts, earlier outputs, settings, findings."""

    study: Study
    raw_dir: Path | None = None
    findings: Findings = field(default_factory=Findings)
    sdtm: dict[str, pd.DataFrame] = field(default_factory=dict)
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    _raw_cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    _specs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def settings(self) -> dict[str, Any]:
        return self.study.settings

    def spec(self, stage: str):
        """The stage's spec (``"sdtm"`` or ``"adam"``), read once from study.toml's ``spec`` path."""
        if stage not in self._specs:
            from .spec import read_spec

            path = self.study.spec_path(stage)
            if path is None:
                raise KeyError(f"study.toml has no [{stage}] spec = \"...\" entry")
            self._specs[stage] = read_spec(path)
        return self._specs[stage]

    def release_raw(self) -> None:
        """Drop the raw extracts read so far (the pipeline calls it once SDTM is derived);
        a later :meth:`raw` reads the file again."""
        self._raw_cache.clear()

    def raw(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Read raw extract ``<raw>/<name>.csv`` with every column as text.

        Empty cells are ``""`` (never NaN), codes such as ``01`` stay text.
        ``columns`` lists the columns the program needs: a missing one is an
        error naming the file and the column.
        """
        raw_dir = self.raw_dir or self.study.raw_dir
        if name not in self._raw_cache:
            path = raw_dir / f"{name}.csv"
            if not path.is_file():
                raise RawDataError(f"raw extract {path} not found", dataset=name)
            self._raw_cache[name] = read_raw_page(path)
        frame = self._raw_cache[name]
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise RawDataError(
                    f"raw extract {name}.csv lacks column(s) {', '.join(missing)}",
                    dataset=name,
                    variable=missing[0],
                    hint=f"columns present: {', '.join(frame.columns)}",
                )
        return frame.copy()
