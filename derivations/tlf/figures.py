"""Figures with matplotlib (Agg): Kaplan-Meier, waterfall, swimmer; deterministic PNG/SVG bytes.

Inputs are plain objects/DataFrames that the study programs prepare from ADaM:

``plot_km(fits)``
    ``fits``: ``{group label: KmResult}`` (see :func:`derivations.tlf.ard.compute_km_by`);
    times are in the fits' ``settings.output_unit`` (months by default).
``plot_waterfall(data)``
    one row per subject: ``USUBJID``, ``PCHG`` (best percent change from baseline
    in the sum of target lesion diameters), ``BOR`` (best overall response:
    CR/PR/SD/PD/NE). Column names are arguments.
``plot_swimmer(subjects, events)``
    ``subjects``: ``USUBJID``, ``DURATION`` (treatment duration, in the plot's
    time unit), ``ONGOING`` (``"Y"``/True: still on treatment, drawn with an arrow),
    ``DEATH`` (time of death or missing);
    ``events`` (optional): ``USUBJID``, ``TIME``, ``RESPONSE`` (CR/PR/SD/PD):
    one marker per response assessment shown.

:func:`save_figure` writes PNG and SVG with fixed metadata and SVG hash salt, so
the bytes are the same on every run.

>>> fig = plot_waterfall(__import__("pandas").DataFrame(
...     {"USUBJID": ["1", "2"], "PCHG": [-40.0, 10.0], "BOR": ["PR", "SD"]}))
>>> figure_bytes(fig, "svg") == figure_bytes(fig, "svg")
True
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from ..core import assert_has_columns, is_missing, round_sas  # noqa: E402
from ..findings import DerivationError  # noqa: E402
from ..vocabulary import renamed_arguments, subject_column  # noqa: E402
from .stats import KmResult  # noqa: E402

#: colours by best overall response (colour-blind safe Okabe-Ito palette)
RESPONSE_COLORS = {
    "CR": "#009E73",
    "PR": "#56B4E9",
    "SD": "#E69F00",
    "PD": "#D55E00",
    "NE": "#999999",
    "NON-CR/NON-PD": "#CC79A7",
}
GROUP_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
CREATOR = "derivations.tlf"
RC = {
    "svg.hashsalt": "derivations-tlf",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "path.simplify": True,
}


def wrap_title(title: str, width_in: float, fontsize: float = 10.0) -> str:
    """``title`` broken into lines that fit ``width_in`` inches at ``fontsize`` (DejaVu Sans is
    about 0.6 em per character, wider than the average, so the estimate errs on the safe side).

    >>> wrap_title("Treatment duration and response; the 100 of 10000 subjects treated longest", 4.0)
    'Treatment duration and response; the 100 of\\n10000 subjects treated longest'
    """
    import textwrap

    chars = max(10, int(width_in * 72 / (0.6 * fontsize)))
    return "\n".join(textwrap.wrap(title, chars)) if title else title


def _figure(width: float, height: float) -> Figure:
    # Figure objects (not pyplot) so that nothing is kept in a global registry
    return Figure(figsize=(width, height), dpi=100)


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 150) -> bytes:
    """The figure as PNG or SVG bytes, identical across runs (no date, fixed creator and salt)."""
    if fmt not in ("png", "svg", "pdf"):
        raise DerivationError("figure format must be png, svg or pdf", value=fmt)
    meta = {"png": {"Software": CREATOR},
            "svg": {"Date": None, "Creator": CREATOR},
            "pdf": {"CreationDate": None, "ModDate": None, "Creator": CREATOR, "Producer": CREATOR}}[fmt]
    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()


def save_figure(fig: Figure, path: str | Path, *, formats: Sequence[str] = ("png", "svg"),
                dpi: int = 150) -> list[Path]:
    """Write ``path`` with each suffix of ``formats`` (``km.png``, ``km.svg``); returns the paths."""
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix.lstrip(".") in ("png", "svg", "pdf") else stem
    out = []
    for fmt in formats:
        target = stem.with_suffix("." + fmt)
        target.write_bytes(figure_bytes(fig, fmt, dpi=dpi))
        out.append(target)
    return out


def plot_km(
    fits: Mapping[str, KmResult],
    *,
    title: str = "",
    xlabel: str | None = None,
    ylabel: str = "Survival probability",
    risk_times: Sequence[float] | None = None,
    show_median: bool = True,
    show_censor: bool = True,
    colors: Sequence[str] | None = None,
    width: float = 7.5,
    height: float = 5.5,
    max_censor_marks: int = 80,
    annotation: str = "",
) -> Figure:
    """Kaplan-Meier curves with censoring ticks, median markers and a numbers-at-risk table.

    ``risk_times`` (default: every 3 units up to the longest follow-up) are the times
    under the plot where the numbers at risk are shown. Beyond ``max_censor_marks``
    censorings per curve one mark stands for each slice of 1/``max_censor_marks`` of
    the time axis (the legend says so). ``annotation`` (e.g. hazard ratios) is printed
    under the numbers at risk.
    """
    if not fits:
        raise DerivationError("plot_km needs at least one KmResult", hint="pass {group: KmResult}")
    with matplotlib.rc_context(RC):
        unit = next(iter(fits.values())).settings.output_unit
        xlabel = xlabel if xlabel is not None else f"Time ({unit})"
        tmax = max(float(km.time.max()) if len(km.time) else 0.0 for km in fits.values())
        if risk_times is None:
            step = 3.0 if unit == "months" else max(1.0, np.ceil(tmax / 8))
            risk_times = np.arange(0, tmax + step / 2, step)
        risk_times = np.asarray(risk_times, dtype=float)
        colors = list(colors or GROUP_COLORS)
        n_groups = len(fits)
        widest = 1
        note_lines = annotation.count("\n") + 1 if annotation else 0
        note_height = 0.17 * note_lines + (0.15 if note_lines else 0.0)
        # the legend goes under the numbers at risk: inside the plot it would cover a curve
        thin_any = show_censor and any(len(km.censor_times) > max_censor_marks for km in fits.values())
        legend_height = 0.19 * (n_groups + thin_any) + 0.1
        fig = _figure(width, height + 0.25 * n_groups + note_height + legend_height)
        grid = fig.add_gridspec(2, 1, height_ratios=[height, 0.45 + 0.25 * n_groups], hspace=0.35)
        ax = fig.add_subplot(grid[0])
        axr = fig.add_subplot(grid[1], sharex=ax)
        for k, (label, km) in enumerate(fits.items()):
            color = colors[k % len(colors)]
            curve = km.curve()
            last = float(km.time.max()) if len(km.time) else 0.0
            xs = np.append(curve["time"].to_numpy(), last)
            ys = np.append(curve["survival"].to_numpy(), curve["survival"].iloc[-1])
            med = "NE" if np.isnan(km.median) else f"{round_sas(km.median, 2):.2f}"  # SAS rounding, as tables
            ax.step(xs, ys, where="post", color=color, lw=1.6, label=f"{label} (median {med})")
            if show_censor and len(km.censor_times):
                ct = censor_marks(km.censor_times, tmax, max_marks=max_censor_marks)
                idx = np.searchsorted(km.table["time"].to_numpy(), ct, side="right") - 1
                surv = np.where(idx >= 0, km.table["survival"].to_numpy()[np.clip(idx, 0, None)], 1.0) \
                    if len(km.table) else np.ones_like(ct)
                ax.plot(ct, surv, "|", color=color, ms=7 if len(ct) < 100 else 5, mew=1.0)
            if show_median and not np.isnan(km.median):
                ax.plot([0, km.median, km.median], [0.5, 0.5, 0], ls=":", color=color, lw=1)
                ax.plot([km.median], [0.5], "o", color=color, ms=4)
            at_risk = km.at_risk(risk_times)
            for x, n in zip(risk_times, at_risk.to_numpy()):
                axr.text(x, n_groups - 1 - k, str(int(n)), ha="center", va="center", color=color, fontsize=8)
            widest = max(widest, max((len(str(int(n))) for n in at_risk.to_numpy()), default=1))
        ax.set_ylim(-0.02, 1.04)
        ax.set_xlim(0, max(tmax, float(risk_times.max()) if len(risk_times) else tmax) * 1.02 + 1e-9)
        ax.set_xticks(risk_times)
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="y", color="#dddddd", lw=0.6)
        if thin_any:
            ax.plot([], [], "|", color="#444444", ms=7,
                    label=f"Censored (one mark per 1/{max_censor_marks} of the time axis)")
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower left", frameon=False, fontsize=8,
                   bbox_to_anchor=(0.02, (0.1 + note_height) / fig.get_figheight()))
        if title:
            ax.set_title(wrap_title(title, width * 0.8))
        if annotation:  # under the numbers at risk, clear of the curves and the legend
            fig.text(0.02, 0.1 / fig.get_figheight(), annotation, ha="left", va="bottom", fontsize=8,
                     family="DejaVu Sans Mono")
        axr.set_ylim(-0.5, n_groups - 0.5)
        axr.set_yticks(range(n_groups))
        # the group labels end left of the widest number centred at time 0 (8 pt digits ~ 0.6 em)
        axr.set_yticklabels(list(fits)[::-1])
        axr.tick_params(axis="x", labelbottom=False, length=0)
        axr.tick_params(axis="y", length=0, pad=4 + 0.6 * 8 * widest / 2)
        for side in ("top", "right", "bottom", "left"):
            axr.spines[side].set_visible(False)
        axr.set_title("Number at risk", loc="left", fontsize=8)
        # left margin: the longest group label and half the widest number, in inches
        label_in = (max(len(str(g)) for g in fits) * 0.6 * 9 + 4 + 0.6 * 8 * widest / 2 + 6) / 72
        fig.subplots_adjust(left=min(0.45, max(0.12, label_in / fig.get_figwidth())),
                            bottom=(0.45 + note_height + legend_height) / fig.get_figheight())
    return fig


def censor_marks(times: np.ndarray, tmax: float, *, max_marks: int = 150) -> np.ndarray:
    """Censoring times to mark: all of them, or, when more than ``max_marks``, the first in each
    of ``max_marks`` equal slices of the time axis (marks closer than the tick width merge into
    a solid band, which reads as a thick curve).

    >>> censor_marks(np.array([1.0, 1.01, 1.02, 5.0]), 10.0, max_marks=3).tolist()
    [1.0, 5.0]
    """
    times = np.sort(np.asarray(times, dtype=float))
    if len(times) <= max_marks or tmax <= 0:
        return times
    slot = np.floor(times / (tmax / max_marks)).astype(np.int64)
    first = np.r_[True, slot[1:] != slot[:-1]]
    return times[first]


def zero_stub(values: np.ndarray, *, fraction: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(bottom, top) of each waterfall bar: 0 to the value, or, for a value within
    ``fraction`` of the axis range of 0, a stub of that height (centred on 0 for 0 itself,
    on the value's side otherwise).

    >>> b, t = zero_stub(np.array([50.0, 0.0, -0.1, -50.0]))
    >>> b.tolist(), t.tolist()
    ([0.0, -0.5, -1.0, -50.0], [50.0, 0.5, 0.0, 0.0])
    """
    y = np.asarray(values, dtype=float)
    span = float(np.nanmax(y) - min(0.0, float(np.nanmin(y)))) if len(y) else 0.0
    span = max(span, float(np.nanmax(np.abs(y))) if len(y) else 0.0, 1.0)
    stub = fraction * span
    bottom, top = np.minimum(y, 0.0), np.maximum(y, 0.0)
    small = np.abs(y) < stub
    zero = y == 0
    bottom = np.where(small & ~zero & (y < 0), -stub, bottom)
    top = np.where(small & ~zero & (y > 0), stub, top)
    bottom = np.where(zero, -stub / 2, bottom)
    top = np.where(zero, stub / 2, top)
    return bottom, top


WATERFALL_BAR_LIMIT = 2000
"""Above this many subjects the waterfall bars are drawn as one rasterised collection per response."""


@renamed_arguments(subject_var="subject_keys")
def plot_waterfall(
    data: pd.DataFrame,
    *,
    subject_keys: str | Sequence[str] = "USUBJID",
    value_var: str = "PCHG",
    response_var: str = "BOR",
    title: str = "",
    ylabel: str = "Best change from baseline in target lesions (%)",
    reference_lines: Sequence[float] = (-30.0, 20.0),
    width: float = 8.0,
    height: float = 4.5,
) -> Figure:
    """Bars of best % change per subject (descending), coloured by best overall response.

    Subjects without a value are not drawn and are counted in a note under the plot. A change
    of 0% (or one too small to see) is drawn as a short bar across the zero line
    (:func:`zero_stub`), so that no subject shows as an empty slot.
    """
    subject_var = subject_column(subject_keys)
    assert_has_columns(data, [subject_var, value_var, response_var], name="waterfall input")
    dup = data[subject_var].duplicated()
    if dup.any():
        raise DerivationError("one row per subject expected", variable=subject_var,
                              usubjid=str(data.loc[dup, subject_var].iloc[0]),
                              hint="keep each subject's best percent change only")
    with matplotlib.rc_context(RC):
        missing = data[value_var].isna()
        d = data.loc[~missing].sort_values([value_var, subject_var], ascending=[False, True], kind="mergesort")
        resp = d[response_var].astype(object).where(~is_missing(d[response_var]), "NE").astype(str)
        unknown = sorted(set(resp) - set(RESPONSE_COLORS))
        if unknown:
            raise DerivationError(f"unknown response {unknown[0]!r}", variable=response_var, value=unknown[0],
                                  hint=f"use one of {', '.join(RESPONSE_COLORS)}")
        fig = _figure(width, height)
        ax = fig.add_subplot(1, 1, 1)
        x = np.arange(len(d))
        y = d[value_var].to_numpy(float)
        bottom, top = zero_stub(y)
        if len(d) <= WATERFALL_BAR_LIMIT:
            ax.bar(x, top - bottom, bottom=bottom, color=resp.map(RESPONSE_COLORS).to_numpy(), width=0.8)
        else:  # one raster collection per response: a bar artist per subject costs minutes at 100,000
            for r in [r for r in RESPONSE_COLORS if r in set(resp)]:
                sel = (resp == r).to_numpy()
                # adjacent bars of width 1 without antialiasing: no white seams between sub-pixel bars
                left, lo, hi = x[sel] - 0.5, bottom[sel], top[sel]
                verts = np.stack([np.column_stack([left, lo]), np.column_stack([left, hi]),
                                  np.column_stack([left + 1.0, hi]), np.column_stack([left + 1.0, lo])], axis=1)
                ax.add_collection(PolyCollection(verts, facecolors=RESPONSE_COLORS[r], edgecolors="none",
                                                 antialiaseds=False, rasterized=True))
            ax.autoscale_view()
        # reference lines labelled outside the plot, right of the axes: never over a bar
        right = blended_transform_factory(ax.transAxes, ax.transData)
        for ref in reference_lines:
            ax.axhline(ref, ls="--", color="#444444", lw=0.9)
            ax.text(1.01, ref, f"{ref:+g}%", transform=right, va="center", ha="left", fontsize=8)
        ax.axhline(0, color="black", lw=0.8)
        # a margin below the most negative bar too: bars stick the axis to their ends otherwise, and
        # a bar ending on the spine looks cut off
        ax.use_sticky_edges = False
        ax.autoscale_view()
        ax.set_xticks([])
        ax.set_xlim(-0.6, max(len(d), 1) - 0.4)
        fig.subplots_adjust(right=0.9)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(wrap_title(title, width * 0.8))
        from matplotlib.patches import Patch

        present = [r for r in RESPONSE_COLORS if r in set(resp)]
        ax.legend(handles=[Patch(color=RESPONSE_COLORS[r], label=r) for r in present],
                  title="Best overall response", frameon=False, loc="upper right", fontsize=8)
        if missing.any():
            ax.annotate(f"{int(missing.sum())} subject(s) without a post-baseline measurement not shown",
                        (0, -0.06), xycoords="axes fraction", fontsize=7, va="top")
    return fig


@renamed_arguments(subject_var="subject_keys")
def plot_swimmer(
    subjects: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    subject_keys: str | Sequence[str] = "USUBJID",
    duration_var: str = "DURATION",
    ongoing_var: str = "ONGOING",
    death_var: str = "DEATH",
    time_var: str = "TIME",
    response_var: str = "RESPONSE",
    title: str = "",
    xlabel: str = "Time since first dose (months)",
    width: float = 8.0,
    height: float | None = None,
    xmax: float | None = None,
) -> Figure:
    """One bar per subject (longest at the top): treatment duration, response markers,
    an arrow for ongoing treatment, an ``x`` at death. ``xmax`` fixes the time axis (the
    pages of :func:`swimmer_pages` share one)."""
    subject_var = subject_column(subject_keys)
    assert_has_columns(subjects, [subject_var, duration_var], name="swimmer subjects")
    with matplotlib.rc_context(RC):
        s = subjects.sort_values([duration_var, subject_var], ascending=[True, False], kind="mergesort")
        s = s.reset_index(drop=True)
        y = pd.Series(np.arange(len(s)), index=s[subject_var].astype(str).to_numpy())
        height = height if height is not None else max(3.0, 0.22 * len(s) + 1.2)
        fig = _figure(width, height)
        ax = fig.add_subplot(1, 1, 1)
        dur = s[duration_var].to_numpy(float)
        ax.barh(y.to_numpy(), dur, height=0.6, color="#BBBBBB", edgecolor="#777777", lw=0.5,
                label="Treatment duration")
        if ongoing_var in s.columns:
            ong = s[ongoing_var].astype(object).isin(["Y", True, 1, "1"]).to_numpy()
            if ong.any():
                span = float(np.nanmax(dur)) if len(dur) else 1.0
                ax.plot(dur[ong] + 0.015 * span, y.to_numpy()[ong], ">", color="#333333", ms=6,
                        ls="none", label="Ongoing")
        if death_var in s.columns:
            dt = pd.to_numeric(s[death_var], errors="coerce").to_numpy(float)
            has = ~np.isnan(dt)
            if has.any():
                ax.plot(dt[has], y.to_numpy()[has], "x", color="black", ms=7, mew=1.5, label="Death",
                        ls="none")
        if events is not None and len(events):
            assert_has_columns(events, [subject_var, time_var, response_var], name="swimmer events")
            ev = events.assign(_y=events[subject_var].astype(str).map(y))
            lost = ev["_y"].isna()
            if lost.any():
                raise DerivationError("response event for a subject not in the swimmer subjects",
                                      usubjid=str(ev.loc[lost, subject_var].iloc[0]),
                                      hint="include the subject in `subjects` or drop the event")
            markers = {"CR": "*", "PR": "^", "SD": "s", "PD": "v", "NE": "o"}
            for resp, grp in ev.groupby(response_var, sort=True):  # one scatter per response category
                ax.plot(grp[time_var].to_numpy(float), grp["_y"].to_numpy(float), markers.get(str(resp), "o"),
                        color=RESPONSE_COLORS.get(str(resp), "#000000"), ms=6, ls="none", label=str(resp))
        ax.set_yticks(y.to_numpy())
        ax.set_yticklabels(y.index, fontsize=7)
        ax.set_ylim(-0.7, len(s) - 0.3)
        ax.set_xlim(0, xmax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Subject")
        ax.grid(True, axis="x", color="#eeeeee", lw=0.6)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        if title:  # wrapped to the plot's width: a long title must not run off the figure
            ax.set_title(wrap_title(title, width * 0.72))
        # margins in inches, not fractions: a tall plot of many subjects keeps a compact top and bottom
        n_title = wrap_title(title, width * 0.72).count("\n") + 1 if title else 0
        fig.subplots_adjust(right=0.8, top=1 - (0.25 + 0.2 * n_title) / height, bottom=0.55 / height)
    return fig


@renamed_arguments(subject_var="subject_keys")
def swimmer_pages(subjects: pd.DataFrame, events: pd.DataFrame | None = None, *, per_page: int = 30,
                  subject_keys: str | Sequence[str] = "USUBJID", duration_var: str = "DURATION", death_var: str = "DEATH",
                  time_var: str = "TIME", width: float = 10.0, height: float = 6.6, **kwargs) -> list[Figure]:
    """The swimmer plot over pages of ``per_page`` subjects (longest treated first), every page the same
    size and time axis, for a paged document (the RTF of a figure takes one PNG per page).

    >>> subj = pd.DataFrame({"USUBJID": list("abcde"), "DURATION": [1.0, 5.0, 3.0, 2.0, 4.0]})
    >>> [len(f.axes[0].get_yticks()) for f in swimmer_pages(subj, per_page=2)]
    [2, 2, 1]
    """
    subject_var = subject_column(subject_keys)
    assert_has_columns(subjects, [subject_var, duration_var], name="swimmer subjects")
    order = subjects.assign(_k=np.arange(len(subjects))).sort_values(
        [duration_var, "_k"], ascending=[False, True], kind="mergesort").drop(columns="_k")
    ends = [pd.to_numeric(order[duration_var], errors="coerce").max()]
    if death_var in order.columns:
        ends.append(pd.to_numeric(order[death_var], errors="coerce").max())
    if events is not None and len(events):
        ends.append(pd.to_numeric(events[time_var], errors="coerce").max())
    xmax = float(np.nanmax(ends)) * 1.08 if len(order) else 1.0
    pages = []
    for start in range(0, max(len(order), 1), per_page):
        chunk = order.iloc[start:start + per_page]
        ev = None
        if events is not None:
            ev = events.loc[events[subject_var].astype(str).isin(chunk[subject_var].astype(str))]
        pages.append(plot_swimmer(chunk, ev, subject_keys=subject_var, duration_var=duration_var,
                                  death_var=death_var, time_var=time_var, width=width, height=height,
                                  xmax=xmax, **kwargs))
    return pages


def close(fig: Figure) -> None:
    """Release a figure (Figure objects made here are not in pyplot's registry)."""
    fig.clear()


__all__ = [
    "plot_km",
    "plot_waterfall",
    "plot_swimmer",
    "swimmer_pages",
    "figure_bytes",
    "save_figure",
    "RESPONSE_COLORS",
    "GROUP_COLORS",
    "close",
]
