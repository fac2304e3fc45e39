"""Generic ADaM derivations, modelled on admiral (R).

Modules: :mod:`.merge` (derive_vars_merged family), :mod:`.extreme` (first/last
records, flags, new records, extreme dates), :mod:`.dates` (ISO 8601
imputation, study day, durations), :mod:`.baseline` (BASE/CHG/PCHG),
:mod:`.flags` (TRTEMFL), :mod:`.tte` (time-to-event parameters), :mod:`.joined`
(derive_vars_joined), :mod:`.records` (ASEQ, existence parameters, single doses).
"""

from ._common import Col, DuplicateRecordsWarning
from .baseline import derive_var_base, derive_var_chg, derive_var_pchg
from .dates import (
    ImputationRule,
    compute_dtc_impute,
    compute_duration,
    compute_dy,
    derive_vars_dt,
    derive_vars_dtm,
    derive_vars_duration,
    derive_vars_dy,
    impute_dtc_to_date,
)
from .extreme import (
    DateSource,
    derive_extreme_records,
    derive_var_extreme_dt,
    derive_var_extreme_flag,
    filter_extreme,
)
from .flags import derive_var_trtemfl
from .joined import derive_vars_joined
from .merge import derive_var_merged_exist_flag, derive_var_merged_summary, derive_vars_merged
from .records import (
    DoseFrequencies,
    create_single_dose_dataset,
    derive_param_exist_flag,
    derive_var_obs_number,
)
from .tte import CensorSource, EventSource, derive_param_tte, derive_var_aval_tte

__all__ = [
    "Col",
    "DuplicateRecordsWarning",
    "derive_vars_merged",
    "derive_var_merged_exist_flag",
    "derive_var_merged_summary",
    "filter_extreme",
    "derive_var_extreme_flag",
    "derive_extreme_records",
    "DateSource",
    "derive_var_extreme_dt",
    "ImputationRule",
    "compute_dtc_impute",
    "impute_dtc_to_date",
    "derive_vars_dt",
    "derive_vars_dtm",
    "compute_dy",
    "derive_vars_dy",
    "compute_duration",
    "derive_vars_duration",
    "derive_var_base",
    "derive_var_chg",
    "derive_var_pchg",
    "derive_var_trtemfl",
    "EventSource",
    "CensorSource",
    "derive_param_tte",
    "derive_var_aval_tte",
    "derive_vars_joined",
    "derive_var_obs_number",
    "derive_param_exist_flag",
    "DoseFrequencies",
    "create_single_dose_dataset",
]
