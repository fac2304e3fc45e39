"""EPOCH as this study assigns it (not a domain program).

The framework's rule (:class:`~derivations.sdtm.EpochRule`: SCREENING before the first
dose, TREATMENT to the last dose, FOLLOW-UP after it), and no epoch before informed
consent: EPOCH is a study-design concept, so records from before the subject entered the
study (prior therapy, a resection years ago, a scan taken before consent) have none
(SDTMIG 3.4 section 4.1.3.1).
"""

import pandas as pd

from derivations.iso8601 import compute_complete_date
from derivations.sdtm import EpochRule, derive_var_epoch

RULE = EpochRule()
STUDY_ENTRY = "RFICDTC"  # DM: the date from which the subject is in the study


def derive_epoch(dataset: pd.DataFrame, *, dm: pd.DataFrame, dtc: str, findings, dataset_name: str) -> pd.DataFrame:
    """``dataset`` with EPOCH by :data:`RULE`, blank when ``dtc`` is before the subject's informed consent."""
    out = derive_var_epoch(dataset, dataset_add=dm, dtc=dtc, rule=RULE, findings=findings, dataset_name=dataset_name)
    entry = dataset["USUBJID"].map(dm.set_index("USUBJID")[STUDY_ENTRY])
    before = compute_complete_date(dataset[dtc], variable=dtc) < compute_complete_date(entry, variable=STUDY_ENTRY)
    out["EPOCH"] = out["EPOCH"].where(~before.to_numpy(), "")
    return out
