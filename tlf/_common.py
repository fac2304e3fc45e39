"""Study-level helpers shared by the TLF programs of NCT04984096 (a helper module, not a program).

Programs import it relatively (``from ._common import population, treatment_label``). The study's
constants live in study.toml: ``[tlf.populations.<name>]`` (filter on ADSL or the analysis
dataset, label and the one definition every output prints), ``[tlf.treatment]`` (the treatment column's label and short label) and the
Kaplan-Meier settings of ``[tlf]``. Publishing goes through ``ctx.outputs`` (the framework's
:mod:`derivations.tlf.publish`); the pipeline writes the review index.
"""

from __future__ import annotations

from derivations.findings import DerivationError
from derivations.tlf import KmSettings


def tlf_setting(ctx, name: str, default=None):
    """``[tlf] name`` of study.toml (``default`` when absent)."""
    return ctx.settings.get("tlf", {}).get(name, default)


def population(ctx, name: str) -> str:
    """The filter of population ``name`` (``[tlf.populations.<name>] filter``), e.g. ``"SAFFL == 'Y'"``."""
    return ctx.population(name).filter


def population_label(ctx, name: str) -> str:
    """The population's name as every output prints it (``label``), e.g. ``"Efficacy population"``."""
    return ctx.population(name).label


def population_note(ctx, name: str, n: int | None = None) -> str:
    """The one sentence that defines the population, worded the same in every output that uses it:
    ``"<label> (N=29): <definition>."``"""
    return ctx.population(name).note(n)


def treatment_label(ctx, *, short: bool = False) -> str:
    """The treatment column's label (``[tlf.treatment] label``), or the short one for figure legends
    and the numbers-at-risk row (``short_label``)."""
    treatment = tlf_setting(ctx, "treatment", {})
    key = "short_label" if short else "label"
    if key not in treatment:
        raise DerivationError(f"study.toml [tlf.treatment] has no {key}", hint=f'add {key} = "..."')
    return treatment[key]


def km_settings(ctx, ci_method: str | None = None) -> KmSettings:
    """Kaplan-Meier settings from ``[tlf]`` (``ci_method`` overrides the table's primary CI)."""
    return KmSettings(
        median_rule=tlf_setting(ctx, "km_median_rule", "sas"),
        ci_method=ci_method or tlf_setting(ctx, "km_ci_method", "brookmeyer-crowley"),
        ci_transform=tlf_setting(ctx, "km_ci_transform", "loglog"),
        days_per_month=float(tlf_setting(ctx, "days_per_month", 30.4375)),
    )


#: how the footnotes name each CI method of the Kaplan-Meier median
KM_CI_TEXT = {"brookmeyer-crowley": "Brookmeyer-Crowley, {transform} transform",
              "symmetric": "median +/- 1.96 x SE, Collett's SE"}


def km_ci_text(settings: KmSettings) -> str:
    """The median's CI method as the footnotes print it (``Brookmeyer-Crowley, log-log transform``)."""
    return KM_CI_TEXT[settings.ci_method].format(transform=settings.ci_transform.replace("loglog", "log-log"))



def cutoff(ctx) -> str:
    """``[study] cutoff_date``."""
    return str(ctx.settings["study"].get("cutoff_date", ""))


def subtitle(ctx, name: str, *, with_cutoff: bool = False) -> str:
    """The subtitle of an output on population ``name``: ``"Efficacy population: Anlotinib + PD-1 inhibitor"``,
    and for efficacy outputs the data cut-off (also in every page footer)."""
    text = f"{population_label(ctx, name)}: {treatment_label(ctx)}"
    return f"{text}\nData cut-off: {cutoff(ctx)}" if with_cutoff and cutoff(ctx) else text


def big_n(adsl, filter_text: str) -> int:
    """Subjects of ADSL in the population."""
    return int(adsl.eval(filter_text).sum())


#: how ADTTE EVNTDESC / CNSDTDSC read in the tables
EVENT_LABELS = {"PD": "Progressive disease (RECIST 1.1, investigator)", "DEATH": "Death"}
CENSOR_LABELS = {"LAST ADEQUATE ASSESSMENT": "Alive without progression at the last adequate assessment",
                 "LAST KNOWN ALIVE": "Alive at the last contact",
                 "NEW ANTI-CANCER THERAPY": "New anti-cancer therapy before an event"}


def km_events_and_censoring(adtte, *, analysis_id: str, population: str, params: list[str]):
    """ARD of the events by type (EVNTDESC of CNSR = 0) and the censoring reasons (CNSDTDSC of CNSR > 0) per
    parameter, percentages of the parameter's subjects, and the table rows that show them (to go under
    "Events, n" and "Censored, n")."""
    import pandas as pd

    from derivations.tlf import RowSpec, compute_ard_counts, level_rows

    recs = adtte.loc[adtte["PARAMCD"].isin(params)]
    common = dict(population=population, by_vars=["PARAMCD"], column_order=params, denominator=recs,
                  dataset_name="ADTTE")
    events = [e for e in EVENT_LABELS if e in set(recs.loc[recs["CNSR"] == 0, "EVNTDESC"])]
    censors = sorted(set(recs.loc[recs["CNSR"] > 0, "CNSDTDSC"].dropna()))
    ards, rows = [], {}
    if events:
        ards.append(compute_ard_counts(recs, analysis_id=f"{analysis_id}-EVENTS", variables=["EVNTDESC"],
                                       filter="CNSR == 0", order={"EVNTDESC": events}, **common))
        rows["events"] = level_rows(ards[-1], analysis_id=f"{analysis_id}-EVENTS", labels=EVENT_LABELS)
    if censors:
        ards.append(compute_ard_counts(recs, analysis_id=f"{analysis_id}-CENSOR", variables=["CNSDTDSC"],
                                       filter="CNSR > 0", order={"CNSDTDSC": censors}, **common))
        rows["censored"] = level_rows(ards[-1], analysis_id=f"{analysis_id}-CENSOR",
                                      labels={c: CENSOR_LABELS.get(c, c.capitalize()) for c in censors})
    return (pd.concat(ards, ignore_index=True) if ards else None), rows
