"""Study-level helpers shared by the TLF programs of NCT04984096 (not a framework module).

Each program loads this file with :func:`load` (tlf/ is not a package)::

    C = importlib.util... -> see the four lines at the top of every tlf/*.py

What lives here: the run date (``[study] created``, never the clock), the
populations, the treatment column label, the Kaplan-Meier settings read from
``[tlf]``, and ``publish_*`` functions that write an output's files into the
stage folder and register it for the index page (``tlf/index.py``, run last).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from derivations.tlf import KmSettings, Output, Table, render_html, render_listing, render_rtf, save_figure

#: populations (filters on ADSL / the analysis dataset)
SAFETY = "SAFFL == 'Y'"
EFFICACY = "EFFFL == 'Y'"
#: the single treatment column of every table
TRT_LABEL = "Anlotinib + PD-1 inhibitor"
#: short group label for figure legends and the numbers-at-risk row (the long one is clipped)
TRT_SHORT = "Anlo + PD-1"
#: where publish_* registers outputs for the index page
OUTPUTS_KEY = "tlf_outputs"


def run_date(ctx) -> str:
    """``[study] created`` as YYYY-MM-DD (the date stamped on every output)."""
    return ctx.study.created.date().isoformat()


def tlf_setting(ctx, name: str, default=None):
    return ctx.settings.get("tlf", {}).get(name, default)


def km_settings(ctx, ci_method: str | None = None) -> KmSettings:
    """Kaplan-Meier settings from ``[tlf]`` (``ci_method`` overrides the table's primary CI)."""
    return KmSettings(
        median_rule=tlf_setting(ctx, "km_median_rule", "sas"),
        ci_method=ci_method or tlf_setting(ctx, "km_ci_method", "brookmeyer-crowley"),
        ci_transform=tlf_setting(ctx, "km_ci_transform", "loglog"),
        days_per_month=float(tlf_setting(ctx, "days_per_month", 30.4375)),
    )


def study_line(ctx) -> str:
    s = ctx.settings["study"]
    return f"{s['studyid']}: {s.get('title', '')}".strip(": ")


def stage_dir(ctx) -> Path:
    return Path(ctx.results["stage_dir"])


def _register(ctx, output: Output) -> None:
    ctx.results.setdefault(OUTPUTS_KEY, []).append(output)


def publish_table(ctx, table: Table, name: str) -> Table:
    """Write ``<name>.rtf`` and ``<name>.html`` and list the table on the index page."""
    table.study = table.study or study_line(ctx)
    table.program = table.program or f"tlf/{name}.py"
    out = stage_dir(ctx)
    date = run_date(ctx)
    (out / f"{name}.rtf").write_text(render_rtf(table, run_date=date), encoding="ascii", newline="\n")
    (out / f"{name}.html").write_text(render_html(table, run_date=date), encoding="utf-8", newline="\n")
    _register(ctx, Output(table.table_id, table.title, "table", {"HTML": f"{name}.html", "RTF": f"{name}.rtf"}))
    return table


def publish_listing(ctx, data: pd.DataFrame, name: str, *, listing_id: str, title: str,
                    columns: dict[str, str], footnotes=(), source: str = "", rows_per_page: int = 25) -> None:
    """Write a listing as ``<name>.rtf`` (paged) and ``<name>.html``."""
    meta = dict(table_id=listing_id, footnotes=list(footnotes), source=source, study=study_line(ctx),
                program=f"tlf/{name}.py")
    out, date = stage_dir(ctx), run_date(ctx)
    rtf = render_listing(data, title=title, columns=columns, fmt="rtf", rows_per_page=rows_per_page,
                         run_date=date, **meta)
    html = render_listing(data, title=title, columns=columns, fmt="html", run_date=date, **meta)
    (out / f"{name}.rtf").write_text(rtf, encoding="ascii", newline="\n")
    (out / f"{name}.html").write_text(html, encoding="utf-8", newline="\n")
    _register(ctx, Output(listing_id, title, "listing", {"HTML": f"{name}.html", "RTF": f"{name}.rtf"}))


def publish_figure(ctx, fig, name: str, *, figure_id: str, title: str) -> None:
    """Write ``<name>.png`` and ``<name>.svg`` (deterministic bytes) and show the PNG on the index."""
    save_figure(fig, stage_dir(ctx) / name, formats=("png", "svg"))
    fig.clear()
    _register(ctx, Output(figure_id, title, "figure", {"PNG": f"{name}.png", "SVG": f"{name}.svg"},
                          image=f"{name}.png"))


def pct_text(n: int, big_n: int) -> str:
    """``n (x.x%)`` as the tables print it (half away from zero)."""
    from derivations.tlf import FORMAT_RULES

    return FORMAT_RULES["n_pct"].format({"n": n, "pct": 100.0 * n / big_n if big_n else float("nan")})
