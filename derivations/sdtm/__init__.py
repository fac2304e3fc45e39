"""Generic SDTM mapping helpers: dates, controlled terminology, text, --SEQ, SUPP--.

Every function takes ``dataset`` (or ``values``) first and returns a new
object; nothing is study-specific. Modules:

``dates``    compute_dtc, derive_var_dtc, compute_study_day (from derivations.iso8601),
             derive_var_dy
``epoch``    EpochRule, derive_var_epoch
``ct``       derive_var_ct
``flags``    derive_var_lobxfl (--LOBXFL, last observation before exposure)
``mapping``  derive_var_assign, derive_var_hardcode, compute_numeric
--SEQ        derive_var_obs_number (one contract with ADaM's ASEQ; derive_var_seq is deprecated)
``text``     compute_ascii, assert_ascii, compute_split_text, derive_vars_split_text
``supp``     QualifierSpec, derive_dataset_supp, derive_vars_supp_back
``results``  TestMap, UnitConversions, ReferenceRanges, derive_findings_records,
             derive_vars_std_units, derive_vars_ref_ranges (findings-class domains: wide CRF
             pages to one record per test, standard units, reference ranges)
"""

from ..adam.records import derive_var_obs_number
from .ct import derive_var_ct
from .dates import compute_dtc, compute_study_day, derive_var_dtc, derive_var_dy
from .epoch import EpochRule, derive_var_epoch
from .flags import derive_var_lobxfl
from .mapping import compute_numeric, derive_var_assign, derive_var_hardcode, derive_var_seq
from .results import (
    ReferenceRanges,
    TestMap,
    UnitConversions,
    derive_findings_records,
    derive_vars_ref_ranges,
    derive_vars_std_units,
)
from .supp import SUPP_COLUMNS, QualifierSpec, derive_dataset_supp, derive_vars_supp_back
from .text import assert_ascii, compute_ascii, compute_split_text, derive_vars_split_text

__all__ = [
    "compute_dtc",
    "derive_var_dtc",
    "compute_study_day",
    "derive_var_dy",
    "EpochRule",
    "derive_var_epoch",
    "derive_var_ct",
    "derive_var_lobxfl",
    "derive_var_assign",
    "derive_var_hardcode",
    "derive_var_seq",
    "derive_var_obs_number",
    "compute_numeric",
    "compute_ascii",
    "assert_ascii",
    "compute_split_text",
    "derive_vars_split_text",
    "QualifierSpec",
    "derive_dataset_supp",
    "derive_vars_supp_back",
    "SUPP_COLUMNS",
    "TestMap",
    "UnitConversions",
    "ReferenceRanges",
    "derive_findings_records",
    "derive_vars_std_units",
    "derive_vars_ref_ranges",
]
