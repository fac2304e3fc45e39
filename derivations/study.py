"""A study is a folder: ``study.toml``, ``specs/``, raw data and one package per stage.

Layout::

    study.toml              settings; [sdtm]/[adam]/[tlf] programs = [...] lists each stage's programs
    specs/                  the P21 define-spec workbooks (sdtm_spec.xlsx, adam_spec.xlsx)
    raw/                    raw CRF pages, one CSV per page (SDTM programs read them with ctx.raw)
    sdtm/ adam/ tlf/        the stage packages: one program per dataset or output, shared helpers
                            in modules whose name starts with "_" (``from ._visits import visitnum``)

The program contract
--------------------
A program is a module ``<stage>/<name>.py`` (``name`` a plain identifier listed in
study.toml) with module-level declarations and one function::

    # adam/adtte.py (a module docstring first: what the dataset is, its spec methods)
    from derivations.adam import derive_param_tte

    READS = ("ADSL", "ADRS")     # datasets it reads: outputs of other programs or --sdtm files
    WRITES = ("ADTTE",)          # datasets it returns, exactly these
    RAW = ()                     # raw pages it reads with ctx.raw("ae"); SDTM programs only
    PFS_EVENTS = [...]           # rules as module constants: printable data

    def derive(ctx):
        adsl, adrs = ctx.adam["ADSL"], ctx.adam["ADRS"]
        ...
        return {"ADTTE": adtte}

* **Order.** The pipeline runs a stage's programs so that each runs after the programs
  whose WRITES it READS; ties keep the study.toml order. A cycle is an error naming the
  programs; an input that is missing when a program starts is an error naming the program
  that writes it (or saying that none does).
* **Declarations are checked.** Reading a dataset not in READS (``ctx.adam["X"]``) or a raw
  page not in RAW, returning a dataset not in WRITES, or not returning one that is, are
  errors naming the program. Raw pages are not datasets: they are declared in RAW, apart.
* **Conformance belongs to the pipeline.** A returned dataset is shaped to the spec
  (:mod:`derivations.shaping`): the spec's variables in spec order, cast to the spec's types,
  sorted by the keys. A derived variable the spec lacks is an error finding naming the
  program; a spec variable not derived is an error of validation. Programs do not trim or
  re-type their results.
* **TLF programs** return their analysis results data (ARD) keyed by the names in WRITES
  (written to ``tlf/ard/<name>.csv``) and publish displays with ``ctx.outputs.publish_table /
  publish_listing / publish_figure`` into ``ctx.stage_dir``; the pipeline writes the review
  index (``tlf/index.html``) after the stage.

What a program sees (:class:`RunContext`): ``ctx.raw(page, columns=[...])`` a raw page (all
text), ``ctx.sdtm`` / ``ctx.adam`` the datasets it declared in READS, ``ctx.ard`` the ARD of
earlier TLF programs, ``ctx.settings`` the parsed study.toml, ``ctx.spec("adam")`` a spec,
``ctx.findings`` the run's findings, ``ctx.stage_dir`` the stage's output folder,
``ctx.outputs`` the publishing service, ``ctx.program`` the running :class:`Program`.

Stage folders are imported as sub-packages of one registered package per study root
(:func:`derivations.program.study_package`), so several studies load side by side in one
process and every program module is in :data:`sys.modules`.

Example ``study.toml``::

    [study]
    studyid = "NCT04984096"
    cutoff_date = "2022-07-03"
    created = "2022-07-04T00:00:00"

    [sdtm]
    spec = "specs/sdtm_spec.xlsx"
    programs = ["dm", "ae"]

    [tlf]
    programs = ["t_ae"]
    populations = { safety = "SAFFL == 'Y'" }
    treatment = { label = "Drug A", short_label = "A" }
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import pandas as pd

from .findings import DerivationError, Findings, RawDataError
from .io import read_raw_page
from .program import Program, forget_study_modules, load_program

if TYPE_CHECKING:  # pragma: no cover
    from .tlf.publish import Outputs

STAGES = ("sdtm", "adam", "tlf")


@dataclass(frozen=True)
class Population:
    """An analysis population of ``[tlf.populations]``: the record filter, the name every output prints and
    the one sentence that defines it.

    >>> pop = Population("efficacy", "EFFFL == 'Y'", "Efficacy population", "subjects with measurable disease")
    >>> pop.note(27)
    'Efficacy population (N=27): subjects with measurable disease.'
    """

    name: str
    filter: str
    label: str
    definition: str = ""

    def note(self, n: int | None = None) -> str:
        """``"<label> (N=<n>): <definition>."``, worded the same in every output that uses the population."""
        size = f" (N={n})" if n is not None else ""
        return f"{self.label}{size}: {self.definition}." if self.definition else f"{self.label}{size}."



@dataclass
class Study:
    """A study folder and its ``study.toml`` settings."""

    root: Path
    settings: dict[str, Any]
    _programs: dict[tuple[str, str], Program] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        forget_study_modules(self.root)  # a new Study runs its programs as they are on disk now

    @classmethod
    def load(cls, root: str | Path = ".") -> "Study":
        root = Path(root).resolve()
        path = root / "study.toml"
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: a study folder needs a study.toml "
                "(pass --study PATH to select another study)"
            )
        from .settings import load_settings

        return cls(root=root, settings=load_settings(path, root=root))

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

    @property
    def sdtm_input(self) -> Path | None:
        """``[sdtm] input``: a folder of SDTM datasets (XPT or parquet, relative to the study folder)
        read instead of running the SDTM programs, as ``derive run --sdtm DIR`` does (which wins)."""
        value = self.settings.get("sdtm", {}).get("input")
        return self.root / value if value else None

    def encoding(self, source: str) -> str | None:
        """The declared encoding of input text (``None``: UTF-8): ``"raw"`` pages
        (``[study] raw_encoding``), ``"sdtm"`` / ``"adam"`` dataset files this study reads
        (``[sdtm] encoding``: a legacy SDTM folder, ``derive validate`` / ``check`` / ``define``)."""
        if source == "raw":
            return self.settings.get("study", {}).get("raw_encoding")
        return self.settings.get(source, {}).get("encoding")

    def spec_path(self, stage: str) -> Path | None:
        value = self.settings.get(stage, {}).get("spec")
        return self.root / value if value else None

    def programs(self, stage: str) -> list[str]:
        return list(self.settings.get(stage, {}).get("programs", []))

    def program(self, stage: str, name: str) -> Program:
        """The program ``<stage>/<name>.py`` with its READS/WRITES (imported once per Study)."""
        key = (stage, name)
        if key not in self._programs:
            self._programs[key] = load_program(self.root, stage, name)
        return self._programs[key]

    def load_program(self, stage: str, name: str) -> Callable[["RunContext"], dict]:
        """The ``derive`` function of ``<stage>/<name>.py``."""
        return self.program(stage, name).derive

    @property
    def populations(self) -> dict[str, Population]:
        """``[tlf.populations]``: a table per population (``filter``, ``label``, ``definition``), or the
        filter alone (``safety = "SAFFL == 'Y'"``, labelled "Safety population")."""
        out = {}
        for name, entry in self.settings.get("tlf", {}).get("populations", {}).items():
            if isinstance(entry, Mapping):
                if "filter" not in entry:
                    raise DerivationError(f"study.toml [tlf.populations.{name}] has no filter",
                                          hint="add filter = \"SAFFL == 'Y'\" (a record filter on ADSL or the "
                                               "analysis dataset)")
                out[name] = Population(name, str(entry["filter"]), str(entry.get("label", f"{name.capitalize()} "
                                                                                           "population")),
                                       str(entry.get("definition", "")))
            else:
                out[name] = Population(name, str(entry), f"{name.capitalize()} population")
        return out

    def population(self, name: str) -> Population:
        """Population ``name`` of ``[tlf.populations]``; an error naming the defined ones when it is not there."""
        populations = self.populations
        if name not in populations:
            raise DerivationError(f"study.toml [tlf.populations] has no population {name!r}", value=name,
                                  hint=f"add [tlf.populations.{name}] with filter, label and definition "
                                       f"(defined: {', '.join(populations) or 'none'})")
        return populations[name]

    def find_program(self, target: str) -> Program:
        """The program named ``target`` on the command line: ``"adtte"`` (listed in one stage of study.toml)
        or ``"adam/adtte"`` (``.py`` may follow). Any other name is an error listing the study's programs."""
        text = str(target).strip().removesuffix(".py")
        stage, _, name = text.rpartition("/")
        listed = [(s, n) for s in STAGES for n in self.programs(s) if n == name and stage in ("", s)]
        if len(listed) == 1:
            return self.program(*listed[0])
        if len(listed) > 1:
            raise DerivationError(f"program {name!r} is listed in several stages: "
                                  f"{', '.join(f'{s}/{n}' for s, n in listed)}", value=target,
                                  hint=f"name it with its stage, e.g. {listed[0][0]}/{name}")
        from .settings import did_you_mean

        every = [f"{s}/{n}" for s in STAGES for n in self.programs(s)]
        known = ", ".join(every)
        close = did_you_mean(text, every if stage else [n for s in STAGES for n in self.programs(s)])
        raise DerivationError(f"{target!r} is not a program listed in study.toml{close}", value=target,
                              hint=f"the programs are {known or 'none'}")

    def all_programs(self) -> list[Program]:
        """Every program listed in study.toml, stage by stage."""
        return [self.program(stage, name) for stage in STAGES for name in self.programs(stage)]


class _Declared(Mapping):
    """A program's view of a dataset store: only the names it declared (READS) can be read."""

    def __init__(self, store: dict[str, pd.DataFrame], program: Program) -> None:
        self._store, self._program = store, program

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self._program.reads:
            raise DerivationError(f"{self._program.label} reads {key} but does not declare it", dataset=key,
                                  hint=f"add \"{key}\" to READS in {self._program.label}")
        return self._store[key]

    def __contains__(self, key: object) -> bool:
        return key in self._program.reads and key in self._store

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._store if k in self._program.reads)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class RunContext:
    """What a study program sees: raw pages, the datasets it reads, settings, findings, services.

    ``sdtm``, ``adam`` and ``ard`` hold the run's datasets and analysis results data by
    upper-case name; the pipeline hands each program a view (:meth:`for_program`) in which
    only its READS can be read. ``stage_dir`` is the output folder of the running stage,
    ``outputs`` publishes tables, listings and figures into it, ``program`` is the running
    :class:`~derivations.program.Program`.
    """

    study: Study
    raw_dir: Path | None = None
    findings: Findings = field(default_factory=Findings)
    sdtm: dict[str, pd.DataFrame] = field(default_factory=dict)
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
    ard: dict[str, pd.DataFrame] = field(default_factory=dict)
    stage_dir: Path | None = None
    program: Program | None = None
    _published: list = field(default_factory=list, repr=False)
    _raw_cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    _specs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def settings(self) -> dict[str, Any]:
        return self.study.settings

    @property
    def outputs(self) -> "Outputs":
        """Publishing service of the TLF programs (:class:`derivations.tlf.publish.Outputs`)."""
        from .tlf.publish import Outputs

        return Outputs(self)

    def store(self, stage: str) -> dict[str, pd.DataFrame]:
        """Where a stage's results go: ``sdtm``, ``adam``, or ``ard`` for the TLF stage."""
        return {"sdtm": self.sdtm, "adam": self.adam}.get(stage, self.ard)

    def dataset(self, name: str) -> pd.DataFrame | None:
        """Dataset or ARD ``name`` of the run so far (None if there is none)."""
        for store in (self.sdtm, self.adam, self.ard):
            if name in store:
                return store[name]
        return None

    def for_program(self, program: Program) -> "RunContext":
        """The context ``program`` runs with: only its READS readable, only its RAW pages."""
        return dataclasses.replace(
            self, program=program,
            sdtm=_Declared(self.sdtm, program), adam=_Declared(self.adam, program), ard=_Declared(self.ard, program))

    def population(self, name: str) -> Population:
        """Analysis population ``name`` of study.toml (:meth:`Study.population`): ``.filter``, ``.label``,
        ``.note(n)``."""
        return self.study.population(name)

    def spec(self, stage: str):
        """The stage's spec (``"sdtm"`` or ``"adam"``), read once from study.toml's ``spec`` path and checked
        (a spec error stops the run before any data is derived)."""
        if stage not in self._specs:
            from .spec import load_spec as read_spec

            path = self.study.spec_path(stage)
            if path is None:
                raise KeyError(f"study.toml has no [{stage}] spec = \"...\" entry")
            self._specs[stage] = read_spec(path)
        return self._specs[stage]

    def release_raw(self, names: Iterable[str] | None = None) -> None:
        """Drop the raw extracts read so far, or those of ``names`` (the pipeline drops a page once the last
        program that declares it has run, and all once SDTM is derived); a later :meth:`raw` reads the file
        again."""
        if names is None:
            self._raw_cache.clear()
        for name in names or ():
            self._raw_cache.pop(name, None)

    def raw(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Read raw extract ``<raw>/<name>.csv`` with every column as text.

        Empty cells are ``""`` (never NaN), codes such as ``01`` stay text.
        ``columns`` lists the columns the program needs: a missing one is an
        error naming the file and the column.
        """
        if self.program is not None and name not in self.program.raw:
            raise RawDataError(f"{self.program.label} reads raw page {name} but does not declare it", dataset=name,
                               hint=f"add \"{name}\" to RAW in {self.program.label}")
        raw_dir = self.raw_dir or self.study.raw_dir
        if name not in self._raw_cache:
            path = raw_dir / f"{name}.csv"
            if not path.exists():
                given = "--raw" if self.raw_dir else "[study] raw in study.toml"
                if not raw_dir.is_dir():
                    raise RawDataError(f"raw extract {path} not found: the raw data folder {raw_dir} "
                                       + ("is not a folder" if raw_dir.exists() else "does not exist"), dataset=name,
                                       hint=f"give the folder of the raw CSV pages ({given})")
                program = self.program.label if self.program else "the program"
                raise RawDataError(f"raw extract {path} not found", dataset=name,
                                   hint=f"export the {name} page as {name}.csv into {raw_dir} ({given}), or "
                                        f"remove \"{name}\" from RAW in {program}")
            self._raw_cache[name] = read_raw_page(path, encoding=self.study.encoding("raw"))
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
