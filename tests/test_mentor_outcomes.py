"""Mentors' own outcomes kept apart from the participants': pre/post pairs by role."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from mentoring_lib import evaluation as ev
from mentoring_lib.codebook import load_codebook


def _scores(role: str, n: int, pre: float, post: float, prefix: str) -> pd.DataFrame:
    rows = [{"person_id": f"{prefix}{i}", "role": role, "wave": wave, "instrument": "scs_sf", "scale": "total",
             "score": value + (i % 3) * 0.1}
            for i in range(n) for wave, value in (("pre", pre), ("post", post))]
    return pd.DataFrame(rows)


def test_paired_scores_keep_mentors_apart_from_participants():
    scores = pd.concat([_scores("participant", 3, 3.0, 4.0, "P"), _scores("mentor", 2, 2.0, 2.5, "M")])
    assert sorted(ev.paired_scores(scores)["person_id"]) == ["P0", "P1", "P2"]
    assert sorted(ev.paired_scores(scores, "mentor")["person_id"]) == ["M0", "M1"]
    assert len(ev.paired_scores(scores, None)) == 5


def test_effectiveness_of_each_role_uses_only_its_own_pairs():
    codebook = load_codebook(ROOT / "config" / "codebooks" / "demo.yml")
    # 12 participants each 1.0 higher after; 12 mentors each 0.5 lower: hand-computed mean changes.
    scores = pd.concat([_scores("participant", 12, 3.0, 4.0, "P"), _scores("mentor", 12, 3.5, 3.0, "M")])
    limits = ev.Limits(5, 10)
    part = ev.effectiveness_table(scores, codebook, limits)[0].set_index("scale").loc["total"]
    ment = ev.effectiveness_table(scores, codebook, limits, role="mentor")[0].set_index("scale").loc["total"]
    assert (part["n"], ment["n"]) == (12, 12)
    assert part["mean_change"] == pytest.approx(1.0) and ment["mean_change"] == pytest.approx(-0.5)
    assert part["mean_pre"] == pytest.approx(3.0 + (4 * 0 + 4 * 0.1 + 4 * 0.2) / 12)
