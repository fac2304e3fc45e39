"""Study-level helpers shared by the TLF programs of NCT04984096 (a helper module, not a program).

Programs import it relatively (``from ._common import population, treatment_label``). The study's
constants live in study.toml: ``[tlf.populations]`` (name -> filter on ADSL or the analysis
dataset), ``[tlf.treatment]`` (the treatment column's label and short label) and the
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
    """The filter of population ``name`` (``[tlf.populations]``), e.g. ``"SAFFL == 'Y'"``."""
    populations = tlf_setting(ctx, "populations", {})
    if name not in populations:
        raise DerivationError(f"study.toml [tlf.populations] has no population {name!r}",
                              hint=f'add {name} = "<filter on ADSL>" (defined: {", ".join(populations) or "none"})')
    return populations[name]


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

