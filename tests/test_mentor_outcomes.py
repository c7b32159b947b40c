"""Mentors' own outcomes kept apart from the participants': pre/post pairs by role."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from mentoring_lib.steps import evaluation_result
from mentoring_lib.analysis.codebook import load_codebook
from mentoring_lib.analysis.paired import paired_scores
from mentoring_lib.privacy.limits import Limits
from mentoring_lib.steps.outcomes import effectiveness_table


def _scores(role: str, n: int, pre: float, post: float, prefix: str) -> pd.DataFrame:
    rows = [{"person_id": f"{prefix}{i}", "role": role, "wave": wave, "instrument": "scs_sf", "scale": "total",
             "score": value + (i % 3) * 0.1}
            for i in range(n) for wave, value in (("pre", pre), ("post", post))]
    return pd.DataFrame(rows)


def test_paired_scores_keep_mentors_apart_from_participants():
    scores = pd.concat([_scores("participant", 3, 3.0, 4.0, "P"), _scores("mentor", 2, 2.0, 2.5, "M")])
    assert sorted(paired_scores(scores)["person_id"]) == ["P0", "P1", "P2"]
    assert sorted(paired_scores(scores, "mentor")["person_id"]) == ["M0", "M1"]
    assert len(paired_scores(scores, None)) == 5


def test_effectiveness_of_each_role_uses_only_its_own_pairs():
    codebook = load_codebook(ROOT / "config" / "codebooks" / "demo.yml")
    # 12 participants each 1.0 higher after; 12 mentors each 0.5 lower: hand-computed mean changes.
    scores = pd.concat([_scores("participant", 12, 3.0, 4.0, "P"), _scores("mentor", 12, 3.5, 3.0, "M")])
    limits = Limits(5, 10)
    part = effectiveness_table(scores, codebook, limits)[0].set_index("scale").loc["total"]
    ment = effectiveness_table(scores, codebook, limits, role="mentor")[0].set_index("scale").loc["total"]
    assert (part["n"], ment["n"]) == (12, 12)
    assert part["mean_change"] == pytest.approx(1.0) and ment["mean_change"] == pytest.approx(-0.5)
    assert part["mean_pre"] == pytest.approx(3.0 + (4 * 0 + 4 * 0.1 + 4 * 0.2) / 12)


def _survey(survey: str, role: str, wave: str, people: list[str], value: float) -> pd.DataFrame:
    return pd.DataFrame({"person_id": people, "role": role, "wave": wave, "survey": survey,
                         "instrument": "scs_sf", "scale": "total", "score": value})


def test_a_mentor_in_the_participants_survey_is_not_paired_with_the_mentors_survey():
    parts = [f"P{i}" for i in range(12)]
    mentors = [f"M{i}" for i in range(12)]
    scores = pd.concat([
        _survey("before", "participant", "pre", parts, 3.0),
        _survey("before", "mentor", "pre", ["M0"], 1.0),          # answered the participants' link by mistake
        _survey("after", "participant", "post", parts, 3.5),
        _survey("mentor_before", "mentor", "pre", mentors, 3.5),
        _survey("mentor_after", "mentor", "post", mentors, 4.0)], ignore_index=True)
    m = paired_scores(scores, "mentor").set_index("person_id")
    assert len(m) == 12 and m.loc["M0", "pre"] == 3.5
    p = paired_scores(scores).set_index("person_id")
    assert sorted(p.index) == sorted(parts)


def test_mentor_outcomes_section_under_the_disclosure_rules():
    from mentoring_lib.steps.mentor_outcomes import TABLE, add_mentor_outcomes

    codebook = load_codebook(ROOT / "config" / "codebooks" / "demo.yml")
    few = pd.concat([_scores("participant", 12, 3.0, 4.0, "P"), _scores("mentor", 6, 3.0, 3.5, "M")])
    out = evaluation_result.Evaluation()
    add_mentor_outcomes(out, few, codebook, Limits(5, 10))
    row = out.tables[TABLE].set_index("scale").loc["total"]
    assert not row["tested"] and row["pairs"] == "6" and pd.isna(row.get("mean_change"))
    texts = [n["text"] for n in out.narrative if n["section"] == "mentors"]
    assert any("6 mentors answered both surveys, too few to report a change (at least 10" in t for t in texts)
    # Three mentors: the pair count itself is under min_count.
    out = evaluation_result.Evaluation()
    add_mentor_outcomes(out, pd.concat([_scores("mentor", 3, 3.0, 3.5, "M")]), codebook, Limits(5, 10))
    assert out.tables[TABLE].set_index("scale").loc["total", "pairs"] == "<5"
    # No mentor answered a before/after survey: no table, no text.
    out = evaluation_result.Evaluation()
    add_mentor_outcomes(out, _scores("participant", 12, 3.0, 4.0, "P"), codebook, Limits(5, 10))
    assert TABLE not in out.tables and out.narrative == []
