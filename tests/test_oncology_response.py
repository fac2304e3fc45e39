"""Best overall response (BOR / CBOR) and the Y/N response parameters.

Each subject starts treatment on 2020-01-01 (TRTSDT); assessments are given as study-day
offsets (day 42 = TRTSDT + 42 days = 2020-02-12). Expected values are worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from derivations.findings import DerivationError, Findings
from derivations.oncology import (
    AVAL_RESP,
    AVAL_YN,
    BorRule,
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
)
from derivations.testing import expect_dfs_equal

REF = Path("/work/shared/reference/pharmaverse")
T0 = pd.Timestamp("2020-01-01")


def day(n):
    return T0 + pd.Timedelta(days=n)


def make(subjects, extra_adsl=None):
    """subjects: {usubjid: [(day, AVALC), ...]} -> (OVR records, ADSL)."""
    rows = [
        {"STUDYID": "S1", "USUBJID": u, "PARAMCD": "OVR", "AVALC": a, "ADT": day(d)}
        for u, recs in subjects.items()
        for d, a in recs
    ]
    ovr = pd.DataFrame(rows, columns=["STUDYID", "USUBJID", "PARAMCD", "AVALC", "ADT"])
    adsl = pd.DataFrame({"STUDYID": "S1", "USUBJID": list(subjects), "TRTSDT": T0})
    if extra_adsl:
        for col, values in extra_adsl.items():
            adsl[col] = values
    return ovr, adsl


def run(subjects, rule=BorRule(), extra_adsl=None, before_date_var=None, findings=None):
    ovr, adsl = make(subjects, extra_adsl)
    adrs = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl, rule=rule, before_date_var=before_date_var)
    adrs = derive_param_first_pd(adrs, dataset_ref=adsl)
    adrs = derive_param_response(adrs, dataset_ref=adsl, rule=rule)
    adrs = derive_param_clinbenefit(adrs, dataset_ref=adsl, rule=rule)
    adrs = derive_param_bor(adrs, dataset_ref=adsl, rule=rule)
    adrs = derive_param_confirmed_resp(adrs, dataset_ref=adsl, rule=rule, findings=findings)
    adrs = derive_param_confirmed_bor(adrs, dataset_ref=adsl, rule=rule, findings=findings)
    adrs = derive_param_last_assessment(adrs, dataset_ref=adsl, rule=rule)
    return adrs


def val(adrs, usubjid, paramcd):
    """(AVALC, study day of ADT or None) of one parameter record."""
    r = adrs[(adrs["USUBJID"] == usubjid) & (adrs["PARAMCD"] == paramcd)]
    assert len(r) == 1, (usubjid, paramcd, len(r))
    r = r.iloc[0]
    adt = None if pd.isna(r["ADT"]) else (pd.Timestamp(r["ADT"]) - T0).days
    return r["AVALC"], adt


# ---------------------------------------------------------------- rules as data


def test_aval_maps_and_rule_are_data():
    assert dict(AVAL_RESP) == {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7}
    assert dict(AVAL_YN) == {"Y": 1, "N": 0}
    rule = BorRule()
    assert (rule.ref_start_window, rule.ref_confirm, rule.max_nr_ne, rule.accept_sd) == (42, 28, 1, False)
    assert rule.worst_of_day_rank == ("NE", "CR", "PR", "SD", "NON-CR/NON-PD", "PD")
    text = str(rule)
    assert "ADT >= ref + 42" in text and ">= 28 days later" in text and "at most 1 NE" in text
    with pytest.raises(DerivationError, match="non-negative"):
        BorRule(ref_confirm=-1)


# ---------------------------------------------------------------- ANL flags


def test_anl01fl_worst_of_day_and_reference_date_anl02fl_up_to_first_pd():
    ovr, adsl = make({"1": [(-3, "PR"), (21, "SD"), (21, "PD"), (42, "NE"), (63, "CR")]})
    out = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl)
    # day -3 before TRTSDT: not analysed; day 21: PD beats SD; all after the first PD: no ANL02FL
    assert out["ANL01FL"].fillna("").tolist() == ["", "", "Y", "Y", "Y"]
    assert out["ANL02FL"].fillna("").tolist() == ["", "", "Y", "", ""]
    assert len(out) == len(ovr)  # nothing dropped


# ---------------------------------------------------------------- BOR


def test_sd_before_day_42_is_ne_or_pd_if_pd_later():
    adrs = run({"A": [(41, "SD")], "B": [(41, "SD"), (63, "PD")]})
    assert val(adrs, "A", "BOR") == ("NE", 41)
    assert val(adrs, "B", "BOR") == ("PD", 63)
    assert val(adrs, "A", "CB") == ("N", None)


def test_sd_exactly_at_day_42():
    adrs = run({"A": [(21, "SD"), (42, "SD")], "N": [(21, "NON-CR/NON-PD"), (42, "NON-CR/NON-PD")]})
    assert val(adrs, "A", "BOR") == ("SD", 42)
    assert val(adrs, "A", "CBOR") == ("SD", 42)
    assert val(adrs, "A", "CB") == ("Y", 42)
    assert val(adrs, "N", "BOR") == ("NON-CR/NON-PD", 42)
    assert adrs.loc[(adrs.USUBJID == "N") & (adrs.PARAMCD == "BOR"), "AVAL"].item() == 4.0


def test_unconfirmed_pr_falls_to_sd_or_ne():
    # A: PR day 42 then PD day 84 -> BOR PR, CBOR SD (PR at day 42 is SD-eligible)
    # B: PR day 21 then NE day 42 -> BOR PR, CBOR NE (day 21 is too early for SD)
    adrs = run({"A": [(42, "PR"), (84, "PD")], "B": [(21, "PR"), (42, "NE")]})
    assert val(adrs, "A", "BOR") == ("PR", 42)
    assert val(adrs, "A", "CBOR") == ("SD", 42)
    assert val(adrs, "A", "RSP") == ("Y", 42)
    assert val(adrs, "A", "CRSP") == ("N", None)
    assert val(adrs, "B", "CBOR") == ("NE", 21)
    assert val(adrs, "B", "CB") == ("Y", 21)  # response counts as benefit at any time


def test_pr_confirmed_at_day_plus_28_exactly_but_not_plus_27():
    adrs = run({"A": [(42, "PR"), (70, "PR")], "B": [(42, "PR"), (69, "PR")]})
    assert val(adrs, "A", "CBOR") == ("PR", 42)
    assert val(adrs, "A", "CRSP") == ("Y", 42)
    assert val(adrs, "B", "CBOR") == ("SD", 42)
    assert val(adrs, "B", "CRSP") == ("N", None)
    # with a 27-day confirmation window B is confirmed too
    adrs27 = run({"B": [(42, "PR"), (69, "PR")]}, rule=BorRule(ref_confirm=27))
    assert val(adrs27, "B", "CBOR") == ("PR", 42)


def test_cr_confirmation_with_one_or_two_ne_between():
    subjects = {
        "ONE": [(42, "CR"), (56, "NE"), (84, "CR")],
        "TWO": [(42, "CR"), (56, "NE"), (63, "NE"), (84, "CR")],
    }
    adrs = run(subjects)
    assert val(adrs, "ONE", "CBOR") == ("CR", 42)
    assert val(adrs, "TWO", "CBOR") == ("SD", 42)  # 2 NE > max_nr_ne = 1: unconfirmed CR -> SD rule
    assert val(adrs, "TWO", "BOR") == ("CR", 42)
    adrs2 = run(subjects, rule=BorRule(max_nr_ne=2))
    assert val(adrs2, "TWO", "CBOR") == ("CR", 42)


def test_pr_confirmation_window_rules():
    adrs = run(
        {
            "SD_BETWEEN": [(42, "PR"), (56, "SD"), (84, "PR")],  # SD between: not confirmed
            "CR_CONF": [(42, "PR"), (84, "CR"), (112, "CR")],  # PR confirmed by CR; CR confirmed
            "PR_THEN_CR": [(42, "PR"), (56, "CR"), (70, "PR")],  # PR after CR inside window
        }
    )
    assert val(adrs, "SD_BETWEEN", "CBOR") == ("SD", 42)
    assert val(adrs, "CR_CONF", "CBOR") == ("CR", 84)
    assert val(adrs, "CR_CONF", "CRSP") == ("Y", 42)  # first confirmed response is the PR
    assert val(adrs, "PR_THEN_CR", "CBOR") == ("SD", 42)
    accept = run({"SD_BETWEEN": [(42, "PR"), (56, "SD"), (84, "PR")]}, rule=BorRule(accept_sd=True))
    assert val(accept, "SD_BETWEEN", "CBOR") == ("PR", 42)


def test_cr_followed_by_pr_is_flagged():
    f = Findings()
    adrs = run({"A": [(42, "CR"), (84, "PR")], "B": [(42, "PR"), (84, "PR")]}, findings=f)
    assert val(adrs, "A", "CBOR") == ("SD", 42)  # the CR is not confirmed by a PR
    hits = [x for x in f if x.check == "cr_then_pr"]
    assert {x.usubjid for x in hits} == {"A"}
    assert len(hits) == 2  # reported by CRSP and by CBOR
    ovr, _ = make({"A": [(42, "CR"), (84, "PR")]})
    with pytest.raises(DerivationError, match="PR after CR"):
        assert_no_cr_then_pr(ovr)
    assert len(assert_no_cr_then_pr(make({"B": [(42, "PR"), (84, "CR")]})[0])) == 0


def test_no_post_baseline_assessment():
    adrs = run({"A": [(-5, "SD")], "B": [(42, "SD")]})
    assert val(adrs, "A", "BOR") == ("MISSING", None)
    assert adrs.loc[(adrs.USUBJID == "A") & (adrs.PARAMCD == "BOR"), "AVAL"].item() == 7.0
    assert val(adrs, "A", "CBOR") == ("MISSING", None)
    assert val(adrs, "A", "RSP") == ("N", None)
    assert val(adrs, "A", "PD") == ("N", None)
    lsta = adrs[(adrs.USUBJID == "A") & (adrs.PARAMCD == "LSTA")].iloc[0]
    assert lsta["AVALC"] is None and pd.isna(lsta["ADT"]) and np.isnan(lsta["AVAL"])
    ne = run({"A": [(-5, "SD")]}, rule=BorRule(missing_as_ne=True))
    assert val(ne, "A", "BOR") == ("NE", None)


def test_pd_then_death_and_assessments_after_pd_ignored():
    adrs = run({"A": [(42, "SD"), (84, "PD"), (126, "SD")]}, extra_adsl={"DTHDT": [day(130)]})
    assert val(adrs, "A", "PD") == ("Y", 84)
    assert val(adrs, "A", "BOR") == ("SD", 42)
    assert val(adrs, "A", "LSTA") == ("PD", 84)  # last adequate assessment up to first PD
    early = run({"A": [(21, "SD"), (35, "PD"), (70, "SD")]})
    assert val(early, "A", "BOR") == ("PD", 35)  # day-70 SD after PD does not count


def test_last_assessment_skips_ne():
    adrs = run({"A": [(42, "PR"), (84, "NE")]})
    assert val(adrs, "A", "LSTA") == ("PR", 42)


def test_assessments_after_new_anticancer_therapy_ignored():
    subjects = {"A": [(42, "PR"), (70, "PR"), (98, "PD")]}
    without = run(subjects)
    assert val(without, "A", "CBOR") == ("PR", 42)
    assert val(without, "A", "PD") == ("Y", 98)
    # new therapy on day 60: the day-70 confirmation and the day-98 PD no longer count
    adrs = run(subjects, extra_adsl={"NACTDT": [day(60)]}, before_date_var="NACTDT")
    assert val(adrs, "A", "CBOR") == ("SD", 42)
    assert val(adrs, "A", "BOR") == ("PR", 42)
    assert val(adrs, "A", "PD") == ("N", None)
    assert val(adrs, "A", "LSTA") == ("PR", 42)
    # the same through the parameter functions' own before_date_var
    ovr, adsl = make(subjects, {"NACTDT": [day(60)]})
    flagged = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl)
    cbor = derive_param_confirmed_bor(flagged, dataset_ref=adsl, before_date_var="NACTDT")
    assert cbor.loc[cbor.PARAMCD == "CBOR", "AVALC"].item() == "SD"


def test_param_outputs_one_row_per_subject_with_tracing_and_no_input_change():
    ovr, adsl = make({"A": [(42, "PR"), (70, "PR")], "B": []})
    ovr["RSSEQ"] = [11, 12]
    flagged = derive_var_ovr_anl_flags(ovr, dataset_ref=adsl)
    before = flagged.copy()
    out = derive_param_bor(flagged, dataset_ref=adsl, set_values_to={"PARAMCD": "BOR", "PARAM": "Best", "PARCAT1": "Tumor Response"})
    pd.testing.assert_frame_equal(flagged, before)
    # the input records unchanged, then one BOR per ADSL subject: A's is its first PR (RSSEQ 11 traced,
    # TRTSDT from ADSL), B has no assessment: MISSING (AVAL 7) without a date
    expected = pd.DataFrame({
        "STUDYID": "S1", "USUBJID": ["A", "A", "A", "B"], "PARAMCD": ["OVR", "OVR", "BOR", "BOR"],
        "AVALC": ["PR", "PR", "PR", "MISSING"], "ADT": [day(42), day(70), day(42), pd.NaT],
        "RSSEQ": [11.0, 12.0, 11.0, None], "ANL01FL": ["Y", "Y", "Y", None], "ANL02FL": ["Y", "Y", "Y", None],
        "TRTSDT": [pd.NaT, pd.NaT, T0, T0], "AVAL": [None, None, 2.0, 7.0],
        "PARAM": [None, None, "Best", "Best"], "PARCAT1": [None, None, "Tumor Response", "Tumor Response"],
    })
    expect_dfs_equal(out, expected, keys=None)
    with pytest.raises(DerivationError, match="already exists"):
        derive_param_bor(out, dataset_ref=adsl)


def test_two_records_same_date_without_anl01fl_raise():
    ovr, adsl = make({"A": [(42, "PR"), (42, "SD")]})
    with pytest.raises(DerivationError, match="same date"):
        derive_param_bor(ovr, dataset_ref=adsl, filter="PARAMCD == 'OVR'")


def test_confirmation_vectorised_over_many_subjects():
    # 3,000 subjects in three patterns; each must get its own answer (no leakage across subjects)
    pats = {
        0: [(42, "PR"), (70, "PR")],  # CBOR PR
        1: [(42, "PR"), (69, "PR")],  # CBOR SD
        2: [(21, "CR"), (49, "CR")],  # CBOR CR
    }
    subjects = {f"S{i:05d}": pats[i % 3] for i in range(3000)}
    ovr, adsl = make(subjects)
    out = derive_param_confirmed_bor(derive_var_ovr_anl_flags(ovr, dataset_ref=adsl), dataset_ref=adsl)
    cbor = out[out.PARAMCD == "CBOR"].set_index("USUBJID")["AVALC"]
    expected = pd.Series({u: ["PR", "SD", "CR"][int(u[1:]) % 3] for u in subjects})
    assert (cbor.sort_index() == expected.sort_index()).all()


# ---------------------------------------------------------------- peer comparison


def test_pharmaverse_bor_cbor_match_adrs_onco():
    if not (REF / "sdtm" / "rs_onco_recist.parquet").is_file():
        pytest.skip("pharmaverse reference data not available")
    rs = pd.read_parquet(REF / "sdtm" / "rs_onco_recist.parquet")
    adsl = pd.read_parquet(REF / "adam" / "adsl.parquet")
    peer = pd.read_parquet(REF / "adam" / "adrs_onco.parquet")
    kw = {"dataset_ref": adsl}
    ovr = derive_param_ovr(rs, filter="RSEVAL == 'INVESTIGATOR' and RSTESTCD == 'OVRLRESP'")
    x = derive_var_ovr_anl_flags(ovr, reference_date="RANDDT", **kw)
    x = derive_param_first_pd(x, **kw)
    x = derive_param_response(x, **kw)
    x = derive_param_clinbenefit(x, reference_date="RANDDT", **kw)
    x = derive_param_bor(x, reference_date="RANDDT", **kw)
    x = derive_param_response(x, filter="PARAMCD == 'BOR' and AVALC in ['CR', 'PR']",
                              set_values_to={"PARAMCD": "BCP"}, **kw)
    x = derive_param_confirmed_resp(x, **kw)
    x = derive_param_clinbenefit(x, reference_date="RANDDT", source_resp="PARAMCD == 'CRSP' and AVALC == 'Y'",
                                 set_values_to={"PARAMCD": "CCB"}, **kw)
    x = derive_param_confirmed_bor(x, reference_date="RANDDT", **kw)
    x = derive_param_last_assessment(x, **kw)

    def table(df, paramcd):
        d = df[df.PARAMCD == paramcd].set_index("USUBJID")
        return d["AVALC"].fillna(""), pd.to_datetime(d["ADT"]).astype("datetime64[ns]")

    for paramcd in ("BOR", "CBOR", "RSP", "CRSP", "CB", "CCB", "BCP", "PD"):
        ours, ours_dt = table(x, paramcd)
        theirs, theirs_dt = table(peer, paramcd)
        assert len(ours) == len(theirs) == 306, paramcd
        assert ours.sort_index().to_dict() == theirs.sort_index().to_dict(), paramcd
        assert ours_dt.sort_index().to_dict() == theirs_dt.sort_index().to_dict(), paramcd
    # hand-checked values
    bor, _ = table(x, "BOR")
    cbor, _ = table(x, "CBOR")
    assert bor["01-701-1130"] == "SD" and cbor["01-701-1115"] == "SD" and cbor["01-701-1118"] == "PR"
    assert (bor == "MISSING").sum() == 298
    # documented difference: the peer's LSTA used ANL01FL only (an SD after PD for 01-701-1028);
    # ours stops at the first PD as oncology-rules.md states
    lsta, _ = table(x, "LSTA")
    plsta, _ = table(peer, "LSTA")
    diff = lsta.sort_index() != plsta.sort_index()
    assert diff[diff].index.tolist() == ["01-701-1028"]
    assert lsta["01-701-1028"] == "PD" and plsta["01-701-1028"] == "SD"
    # the OVR analysis flags are the peer's
    ours_ovr = x[x.PARAMCD == "OVR"].assign(ADT=lambda d: d.ADT.astype("datetime64[ns]"))
    peer_ovr = peer[peer.PARAMCD == "OVR"].assign(ADT=lambda d: pd.to_datetime(d.ADT).astype("datetime64[ns]"))
    m = ours_ovr.merge(peer_ovr, on=["USUBJID", "ADT"], suffixes=("", "_p"))
    assert len(m) == 22
    for col in ("AVALC", "ANL01FL", "ANL02FL"):
        assert (m[col].fillna("") == m[col + "_p"].fillna("")).all(), col
