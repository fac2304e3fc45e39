"""Generic ADaM derivations, modelled on admiral (R).

Modules: :mod:`.merge` (derive_vars_merged family, derive_vars_transposed), :mod:`.extreme`
(first/last records, flags incl. worst and relative flags, new records, extreme dates), :mod:`.dates` (ISO 8601
imputation, study day, durations), :mod:`.baseline` (BASE/CHG/PCHG),
:mod:`.flags` (TRTEMFL), :mod:`.tte` (time-to-event parameters), :mod:`.joined`
(derive_vars_joined), :mod:`.records` (ASEQ, existence parameters, single doses).

BDS findings, exposure and medications: :mod:`.visits` (analysis visit windows, ANL01FL),
:mod:`.ranges` (ANRIND, shifts, ratios), :mod:`.toxicity` (CTCAE grades from criteria held
as data), :mod:`.derived_records` (BASETYPE, LOCF, summary and expected records), :mod:`.computed`
(BMI, BSA, MAP, QTc, RR, absolute differentials, eGFR/creatinine clearance, values from "<x"
results), :mod:`.crosscheck` (AE grades against laboratory
grades), :mod:`.categorize` (groupings from a
table of conditions, codes and decodes from codelists), :mod:`.exposure` (ADEX parameters,
dose intensity, dose reductions), :mod:`.medications` (ATC classes, SMQ/CQ queries); the
on-treatment and criterion flags are in :mod:`.flags`.
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
    derive_var_relative_flag,
    derive_var_worst_flag,
    filter_extreme,
    filter_relative,
)
from .categorize import derive_var_code, derive_var_decode, derive_vars_cat
from .crosscheck import AE_LAB_PAIRS, AeLabPair, compute_ae_lab_concordance
from .computed import (
    CKD_EPI,
    CkdEpi,
    Formula,
    compute_bmi,
    compute_bsa,
    compute_egfr,
    compute_map,
    compute_qtc,
    compute_qual_imputation,
    compute_qual_imputation_dec,
    compute_rr,
    derive_param_bmi,
    derive_param_bsa,
    derive_param_computed,
    derive_param_map,
    derive_param_qtc,
    derive_param_rr,
    derive_param_wbc_abs,
)
from .derived_records import (
    Summary,
    derive_basetype_records,
    derive_expected_records,
    derive_locf_records,
    derive_summary_records,
)
from .exposure import derive_param_doseint, derive_param_exposure, derive_var_dose_reduction_flag
from .flags import derive_var_ontrtfl, derive_var_trtemfl, derive_vars_crit_flag
from .medications import derive_vars_atc, derive_vars_query
from .ranges import compute_signif, derive_var_analysis_ratio, derive_var_anrind, derive_var_shift
from .toxicity import CTCAE_V4, CTCAE_V5, GradeRule, ToxicityCriteria, ToxicityTerm, derive_var_atoxgr, derive_var_atoxgr_dir
from .visits import VisitWindows, derive_var_window_flag, derive_vars_visit_window
from .joined import derive_vars_joined
from .merge import derive_var_merged_exist_flag, derive_var_merged_summary, derive_vars_merged, derive_vars_transposed
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
    "derive_vars_transposed",
    "derive_var_merged_exist_flag",
    "derive_var_merged_summary",
    "filter_extreme",
    "derive_var_extreme_flag",
    "derive_var_worst_flag",
    "derive_var_relative_flag",
    "filter_relative",
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
    # BDS findings, exposure, medications
    "VisitWindows",
    "AeLabPair",
    "AE_LAB_PAIRS",
    "compute_ae_lab_concordance",
    "derive_vars_visit_window",
    "derive_var_window_flag",
    "derive_var_ontrtfl",
    "derive_vars_crit_flag",
    "compute_signif",
    "derive_var_anrind",
    "derive_var_shift",
    "derive_var_analysis_ratio",
    "GradeRule",
    "ToxicityTerm",
    "ToxicityCriteria",
    "CTCAE_V5",
    "CTCAE_V4",
    "derive_var_atoxgr_dir",
    "derive_var_atoxgr",
    "Summary",
    "derive_summary_records",
    "derive_basetype_records",
    "derive_locf_records",
    "derive_expected_records",
    "Formula",
    "compute_bmi",
    "compute_bsa",
    "compute_map",
    "compute_qtc",
    "compute_rr",
    "compute_egfr",
    "CkdEpi",
    "CKD_EPI",
    "compute_qual_imputation",
    "compute_qual_imputation_dec",
    "derive_param_computed",
    "derive_param_bmi",
    "derive_param_bsa",
    "derive_param_map",
    "derive_param_qtc",
    "derive_param_rr",
    "derive_param_wbc_abs",
    "derive_vars_cat",
    "derive_var_code",
    "derive_var_decode",
    "derive_param_exposure",
    "derive_param_doseint",
    "derive_var_dose_reduction_flag",
    "derive_vars_atc",
    "derive_vars_query",
]
