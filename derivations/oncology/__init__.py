"""Generic oncology response derivations (RECIST 1.1), admiralonco as the peer.

* :mod:`.recist` - time-point response from TU/TR lesions (:class:`RecistRule`,
  :data:`RECIST11_OVERALL_TABLE`, :func:`derive_param_recist_ovr`).
* :mod:`.rules` - the response rules as data (:class:`BorRule`, :data:`AVAL_RESP`,
  :data:`AVAL_YN`, the value sets and rankings).
* :mod:`.response` - ANL flags, BOR / CBOR and the Y/N response parameters (the public
  ``derive_param_*``); :mod:`._params` holds what they share.
* :mod:`.concordance` - derived vs investigator agreement (:func:`compute_concordance`).
"""

from .concordance import CATEGORY_ORDER, ConcordanceResult, compute_concordance
from .recist import (
    ANY,
    RECIST11_OVERALL_TABLE,
    RecistRule,
    compute_overall_lookup,
    derive_param_recist_ovr,
    format_response_table,
)
from .response import (
    assert_no_cr_then_pr,
    derive_param_bor,
    derive_param_clinbenefit,
    derive_param_confirmed_bor,
    derive_param_confirmed_resp,
    derive_param_first_pd,
    derive_param_last_assessment,
    derive_param_ovr,
    derive_param_response,
    derive_var_ovr_anl_flags,
    impute_dtc_to_date,
    to_date,
)
from .rules import AVAL_RESP, AVAL_YN, BOR_ORDER, RESPONSE_VALUES, WORST_OF_DAY_RANK, BorRule, compute_aval_resp

__all__ = [
    "ANY",
    "RECIST11_OVERALL_TABLE",
    "RecistRule",
    "compute_overall_lookup",
    "derive_param_recist_ovr",
    "format_response_table",
    "AVAL_RESP",
    "AVAL_YN",
    "BOR_ORDER",
    "RESPONSE_VALUES",
    "WORST_OF_DAY_RANK",
    "BorRule",
    "assert_no_cr_then_pr",
    "compute_aval_resp",
    "derive_param_bor",
    "derive_param_clinbenefit",
    "derive_param_confirmed_bor",
    "derive_param_confirmed_resp",
    "derive_param_first_pd",
    "derive_param_last_assessment",
    "derive_param_ovr",
    "derive_param_response",
    "derive_var_ovr_anl_flags",
    "impute_dtc_to_date",
    "to_date",
    "CATEGORY_ORDER",
    "ConcordanceResult",
    "compute_concordance",
]
