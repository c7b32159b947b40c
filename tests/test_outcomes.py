"""The outcome design: the pre-specified primary outcome, one Holm family, and wording that never
contradicts the numbers it prints."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from mentoring_lib.steps import evaluation as ev
from mentoring_lib.steps import outcomes
from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.config import TermConfig
from mentoring_lib.errors import ConfigError
from mentoring_lib.outputs.document import MINUS
from mentoring_lib.privacy.limits import Limits
from test_evaluation import CODEBOOK, make_config, synthetic_inputs


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


def config_with(**evaluation) -> TermConfig:
    data = make_config().model_dump(mode="json", exclude={"source"})
    data["evaluation"] = evaluation
    return TermConfig.model_validate(data)


# -- config --------------------------------------------------------------------------------------

def test_primary_defaults_to_the_scs_sf_total_and_is_checked_against_the_codebook(codebook):
    cfg = make_config()
    assert cfg.evaluation.primary == "scs_sf_total" and cfg.evaluation.per_protocol_min_meetings == 3
    assert outcomes.check_primary(cfg, codebook) == "scs_sf_total"
    with_codebook = cfg.model_copy(update={"codebook": CODEBOOK})  # no silent fallback to a demo codebook
    assert any(n.startswith("primary outcome scs_sf_total: evaluation.primary is not set")
               for n in ev.check_inputs(with_codebook))
    assert "primary outcome scs_sf_total (evaluation.primary) found in the codebook" in ev.check_inputs(
        config_with(primary="scs_sf_total").model_copy(update={"codebook": CODEBOOK}))


def test_unset_primary_falls_back_to_the_codebooks_first_scale(codebook):
    from types import SimpleNamespace

    other = SimpleNamespace(instruments={k: v for k, v in codebook.instruments.items() if k != "scs_sf"})
    assert outcomes.check_primary(make_config(), other) == "swemwbs_total"
    with pytest.raises(ConfigError):
        outcomes.check_primary(config_with(primary="scs_sf_total"), other)


def test_unknown_primary_outcome_is_a_config_error_exit2(codebook):
    cfg = config_with(primary="scs_total")
    with pytest.raises(ConfigError, match="evaluation.primary") as e:
        outcomes.check_primary(cfg, codebook)
    assert e.value.exit_code == 2 and "swemwbs_total" in str(e.value.hint)
    with pytest.raises(ConfigError):
        ev.evaluate(synthetic_inputs(codebook), cfg, codebook, Limits(5, 10))


def test_primary_outcome_id_must_be_an_identifier():
    with pytest.raises(ValidationError):
        config_with(primary="SCS-SF total")
    with pytest.raises(ValidationError):
        config_with(per_protocol_min_meetings=0)


def test_outcome_ids_are_instrument_and_scale(codebook):
    ids = outcomes.outcome_ids(codebook)
    assert ids[:3] == ["scs_sf_total", "swemwbs_total", "cs16_total"]
    assert "cs16_kindness" in ids and "ceas_from_action" in ids


# -- one family ------------------------------------------------------------------------------------

def test_one_holm_family_of_primary_and_secondary_outcomes(codebook):
    rows = [("cs16", "total", 0.01), ("cs16", "kindness", 0.001), ("scs_sf", "total", 0.02),
            ("swemwbs", "total", 0.04), ("ceas_self", "action", 0.5)]
    eff = pd.DataFrame([{"instrument": i, "scale": s, "t_p": p, "tested": True} for i, s, p in rows])
    out = outcomes.apply_design(eff, codebook, "swemwbs_total").set_index("outcome_id")
    assert list(out.index)[0] == "swemwbs_total"  # the primary outcome first
    assert out.loc["swemwbs_total", "role"] == "primary"
    assert out.loc["cs16_kindness", "role"] == "exploratory" and math.isnan(out.loc["cs16_kindness", "t_p_holm"])
    assert outcomes.family_size(out) == 4
    # Holm by hand over the family's four p-values 0.01, 0.02, 0.04, 0.5
    assert out.loc["cs16_total", "t_p_holm"] == pytest.approx(4 * 0.01)
    assert out.loc["scs_sf_total", "t_p_holm"] == pytest.approx(3 * 0.02)
    assert out.loc["swemwbs_total", "t_p_holm"] == pytest.approx(max(2 * 0.04, 3 * 0.02))
    assert out.loc["ceas_self_action", "t_p_holm"] == pytest.approx(0.5)


def test_subscale_named_primary_joins_the_family(codebook):
    eff = pd.DataFrame([{"instrument": "cs16", "scale": "kindness", "t_p": 0.01, "tested": True},
                        {"instrument": "cs16", "scale": "total", "t_p": 0.02, "tested": True}])
    out = outcomes.apply_design(eff, codebook, "cs16_kindness")
    assert list(out["role"]) == ["primary", "secondary"] and out["family"].all()


# -- wording ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("g,shown,label", [(0.196, "0.196", "negligible"), (0.1996, "0.1996", "negligible"),
                                           (0.25, "0.25", "small"), (0.2, "0.20", "small"),
                                           (-0.4999, f"{MINUS}0.4999", "small"), (0.81, "0.81", "large")])
def test_effect_label_from_the_unrounded_value_never_contradicts_the_printed_one(g, shown, label):
    assert outcomes.fmt_effect(g) == shown
    assert outcomes.effect_label(g) == label


def test_printed_effect_always_has_the_label_of_the_unrounded_value():
    for g in np.linspace(-1.2, 1.2, 4801):
        printed = float(outcomes.fmt_effect(g).replace(MINUS, "-"))
        assert outcomes.effect_label(printed) == outcomes.effect_label(g), g


def row(**over) -> pd.Series:
    base = {"outcome": "SCS-SF: Self-compassion", "pairs": "32", "tested": True, "role": "primary", "family": True,
            "mean_pre": 3.17, "mean_post": 3.34, "mean_change": 0.17, "mean_change_ci_low": 0.02,
            "mean_change_ci_high": 0.33, "d_z": 0.40, "d_z_ci_low": 0.04, "d_z_ci_high": 0.76, "hedges_g": 0.196,
            "g_ci_low": 0.02, "g_ci_high": 0.37, "t_p": 0.030, "t_p_holm": 0.226}
    base.update(over)
    return pd.Series(base)


def test_direction_is_decided_by_the_adjusted_p_the_sentence_prints():
    # the unadjusted CI excludes zero, but the Holm-adjusted p printed is 0.226: no claim of change
    text = outcomes.describe(row(), 9)
    assert text.startswith("Primary outcome, SCS-SF")
    assert "no statistically clear change" in text and "higher after" not in text
    assert "Holm-adjusted p 0.226 across the 9 outcomes" in text
    assert "Hedges' g 0.196" in text and "negligible" in text
    assert "95% CI [0.02, 0.33]" in text and "d_z 0.40, 95% CI [0.04, 0.76]" in text
    assert "higher after than before" in outcomes.describe(row(t_p_holm=0.01), 9)
    assert "lower after than before" in outcomes.describe(row(t_p_holm=0.01, mean_change=-0.17), 9)


def test_exploratory_outcomes_are_worded_by_their_unadjusted_p():
    text = outcomes.describe(row(role="exploratory", family=False, t_p=0.03, t_p_holm=math.nan), 9)
    assert text.startswith("Exploratory (subscale) outcome") and "unadjusted" in text
    assert "higher after than before" in text


# -- in the evaluation -----------------------------------------------------------------------------

def test_primary_outcome_leads_the_section_and_the_key_figures(codebook):
    cfg = config_with(primary="swemwbs_total")
    out = ev.evaluate(synthetic_inputs(codebook), cfg, codebook, Limits(5, 10))
    eff = out.tables["effectiveness"]
    assert eff["outcome_id"].iloc[0] == "swemwbs_total" and eff["role"].iloc[0] == "primary"
    first = next(n for n in out.narrative if n["section"] == "effectiveness")
    assert first["text"].startswith("Primary outcome, SWEMWBS")
    assert out.key_figures[0]["key"] == "primary" and "SWEMWBS" in out.key_figures[0]["label"]
    methods = " ".join(m["text"] for m in out.methods)
    assert "One multiplicity family" in methods and "Holm 1979" in methods
    assert "Jacobson, N. S., & Truax, P. (1991)" in methods


def test_reliability_uses_the_accepted_participants_only(codebook):
    inputs = synthetic_inputs(codebook)
    extra = inputs["responses"][inputs["responses"]["person_id"] == "P-0000"].assign(person_id="W-0")
    inputs = dict(inputs, responses=pd.concat([inputs["responses"], extra], ignore_index=True))  # wait-listed
    out = ev.evaluate(inputs, make_config(), codebook, Limits(5, 10))
    rel = out.tables["reliability"].set_index(["instrument", "scale", "wave"])
    assert rel.loc[("scs_sf", "total", "pre"), "n"] == 34  # not 35
    assert any("accepted participants" in m["text"] for m in out.methods if m["topic"] == "Reliability")
