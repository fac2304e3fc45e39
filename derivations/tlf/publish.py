"""Publishing a TLF program's outputs: files into the stage folder, an entry on the review index.

A TLF program calls ``ctx.outputs.publish_table(table, "t_ae")`` (or ``publish_listing`` /
``publish_figure``): the files are written into ``ctx.stage_dir`` and the output is listed
for the index page, which the pipeline writes (:func:`write_index`) after the TLF stage.
The stamp on every output is :func:`stamp` (never the clock).

Example
-------
>>> import tempfile, pathlib
>>> from derivations.study import RunContext, Study
>>> from derivations.tlf import Table
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> ctx = RunContext(Study(tmp, {"study": {"studyid": "S1", "title": "Toy", "created": "2024-01-02T00:00:00"}}),
...                  stage_dir=tmp)
>>> _ = ctx.outputs.publish_table(Table(title="Demo", columns=["", "N"], rows=[], table_id="Table 1"), "t_demo")
>>> sorted(p.name for p in tmp.iterdir())
['t_demo.html', 't_demo.rtf']
>>> write_index(ctx).name, [o.output_id for o in ctx.outputs.published]
('index.html', ['Table 1'])
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from ..findings import DerivationError
from .figures import save_figure
from .render import Output, Table, render_html, render_index, render_listing, render_rtf

if TYPE_CHECKING:  # pragma: no cover
    from ..study import RunContext

INDEX_TITLE = "Tables, listings and figures"


def stamp(ctx: "RunContext") -> str:
    """The production stamp printed on every output (:func:`derivations.tlf.stamp.production_stamp`:
    ``SOURCE_DATE_EPOCH`` when set, else ``[study] created`` as the data extraction date)."""
    from .stamp import production_stamp

    return str(production_stamp(ctx.study.created))


def study_line(ctx: "RunContext") -> str:
    """``STUDYID: title`` for output headers."""
    s = ctx.settings["study"]
    return f"{s['studyid']}: {s.get('title', '')}".strip(": ")


class Outputs:
    """``ctx.outputs``: writes a TLF program's files and lists them for the index page."""

    def __init__(self, ctx: "RunContext") -> None:
        self._ctx = ctx

    @property
    def published(self) -> list[Output]:
        """Every output published so far in this run, in publishing order."""
        return self._ctx._published

    def _folder(self) -> Path:
        folder = self._ctx.stage_dir
        if folder is None:
            raise DerivationError("no stage folder to publish into (ctx.stage_dir is not set)",
                                  hint="run the program through the pipeline, or set ctx.stage_dir")
        return Path(folder)

    def _program(self, name: str) -> str:
        program = self._ctx.program
        return program.label if program is not None else f"tlf/{name}.py"

    def _register(self, output: Output) -> None:
        self._ctx._published.append(output)

    def publish_table(self, table: Table, name: str) -> Table:
        """Write ``<name>.rtf`` and ``<name>.html`` and list the table on the index page."""
        ctx = self._ctx
        table.study = table.study or study_line(ctx)
        table.program = table.program or self._program(name)
        out, text = self._folder(), stamp(ctx)
        (out / f"{name}.rtf").write_text(render_rtf(table, stamp=text), encoding="ascii", newline="\n")
        (out / f"{name}.html").write_text(render_html(table, stamp=text), encoding="utf-8", newline="\n")
        self._register(Output(table.table_id, table.title, "table", {"HTML": f"{name}.html", "RTF": f"{name}.rtf"}))
        return table

    def publish_listing(self, data: pd.DataFrame, name: str, *, listing_id: str, title: str,
                        columns: dict[str, str], footnotes: Iterable[str] = (), source: str = "",
                        rows_per_page: int = 25) -> None:
        """Write a listing as ``<name>.rtf`` (paged) and ``<name>.html`` and list it on the index page."""
        ctx = self._ctx
        meta = dict(table_id=listing_id, footnotes=list(footnotes), source=source, study=study_line(ctx),
                    program=self._program(name))
        out, text = self._folder(), stamp(ctx)
        rtf = render_listing(data, title=title, columns=columns, fmt="rtf", rows_per_page=rows_per_page,
                             stamp=text, **meta)
        html = render_listing(data, title=title, columns=columns, fmt="html", stamp=text, **meta)
        (out / f"{name}.rtf").write_text(rtf, encoding="ascii", newline="\n")
        (out / f"{name}.html").write_text(html, encoding="utf-8", newline="\n")
        self._register(Output(listing_id, title, "listing", {"HTML": f"{name}.html", "RTF": f"{name}.rtf"}))

    def publish_figure(self, fig, name: str, *, figure_id: str, title: str) -> None:
        """Write ``<name>.png`` and ``<name>.svg`` (deterministic bytes) and show the PNG on the index."""
        save_figure(fig, self._folder() / name, formats=("png", "svg"))
        fig.clear()
        self._register(Output(figure_id, title, "figure", {"PNG": f"{name}.png", "SVG": f"{name}.svg"},
                              image=f"{name}.png"))


def write_index(ctx: "RunContext", *, title: str = INDEX_TITLE) -> Path:
    """Write ``index.html`` into ``ctx.stage_dir`` linking every published output.

    A link to a file that was not written is an error naming the output.
    """
    outputs = ctx.outputs
    out = outputs._folder()
    for o in outputs.published:
        for href in o.files.values():
            if not (out / href).is_file():
                raise DerivationError(f"{o.output_id}: linked file {href} was not written",
                                      hint="write the file before registering the output")
    html = render_index(outputs.published, title=title, study=study_line(ctx), stamp=stamp(ctx))
    path = out / "index.html"
    path.write_text(html, encoding="utf-8", newline="\n")
    return path
