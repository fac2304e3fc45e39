"""Tables, listings and figures: analysis results data (ARD), statistics, rendering.

Flow: ADaM -> ``compute_ard_*`` (one row per statistic) -> :func:`build_table`
(rows/columns selected from the ARD, formatted by rules that are data) ->
:func:`render_rtf` (paged documents, :mod:`.rtf` and :mod:`.layout`) / :func:`render_html`;
figures from :mod:`.figures` (PNG/SVG, and RTF with :func:`render_figure_rtf`);
:func:`render_index` links everything. Templates live in ``templates/`` next to
this module (package data).
"""

from .ard import (ARD_COLUMNS, GRADE_BANDS, ard_stats, compute_ard_any_event, compute_ard_comparison, compute_ard_continuous,
                  compute_ard_counts, compute_ard_hazard_ratio, compute_ard_km, compute_ard_occurrences,
                  compute_ard_proportion_ci, compute_km_by)
from .figures import figure_bytes, plot_km, plot_swimmer, plot_waterfall, save_figure
from .render import (FORMAT_RULES, ColumnSpec, FormatRule, Output, Row, RowSpec, Table, build_table,
                     columns_from_ard, continuous_rows, level_rows, listing_table, occurrence_rows,
                     rate_rule, render_html, render_index, render_listing, render_rtf, rtf_escape)
from .layout import PageLayout, align_numbers, align_text
from .rtf import Frame, render_figure_rtf, table_plan
from .stamp import ProductionStamp, production_stamp
from .stats import (HazardRatio, KmResult, KmSettings, compute_hazard_ratios, compute_km, compute_median_se_collett,
                    compute_odds_ratio, compute_proportion_ci, compute_risk_difference)

__all__ = [
    "ARD_COLUMNS", "GRADE_BANDS", "ard_stats", "compute_ard_continuous", "compute_ard_counts",
    "compute_ard_km", "compute_ard_occurrences", "compute_ard_proportion_ci", "compute_km_by",
    "figure_bytes", "plot_km", "plot_swimmer", "plot_waterfall", "save_figure",
    "FORMAT_RULES", "ColumnSpec", "FormatRule", "Output", "Row", "RowSpec", "Table", "build_table",
    "columns_from_ard", "continuous_rows", "level_rows", "listing_table", "occurrence_rows",
    "rate_rule", "render_html", "render_index", "render_listing", "render_rtf", "rtf_escape",
    "KmResult", "KmSettings", "compute_km", "compute_median_se_collett", "compute_proportion_ci",
    "PageLayout", "align_numbers", "align_text", "Frame", "render_figure_rtf", "table_plan",
    "ProductionStamp", "production_stamp", "compute_ard_any_event", "compute_ard_comparison", "compute_ard_hazard_ratio",
    "HazardRatio", "compute_hazard_ratios", "compute_odds_ratio", "compute_risk_difference",
]
