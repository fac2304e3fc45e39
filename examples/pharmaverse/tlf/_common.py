"""Study-level settings of the pharmaverse TLF programs: the treatment variable, its arms in display order
(the reference arm first), and the safety population ([tlf] of study.toml)."""

from __future__ import annotations

from derivations.findings import DerivationError


def tlf(ctx) -> dict:
    return ctx.settings.get("tlf", {})


def treatment(ctx) -> tuple[str, list[str], str]:
    """(treatment variable, arms in display order, reference arm) from ``[tlf.treatment]``."""
    t = tlf(ctx).get("treatment", {})
    missing = [k for k in ("variable", "arms", "reference") if k not in t]
    if missing:
        raise DerivationError(f"study.toml [tlf.treatment] lacks {', '.join(missing)}",
                              hint='set variable = "TRT01A", arms = [...] and reference = "Placebo"')
    if t["reference"] not in t["arms"]:
        raise DerivationError("[tlf.treatment] reference is not one of its arms", value=t["reference"])
    return t["variable"], list(t["arms"]), t["reference"]


def population(ctx, name: str) -> tuple[str, str]:
    """(filter, label) of population ``name`` (``[tlf.populations.<name>]``, read by the framework)."""
    pop = ctx.population(name)
    return pop.filter, pop.label
