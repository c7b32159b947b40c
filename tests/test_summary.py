"""public/summary.json: built from the protected report tables, validated by the packaged JSON Schema."""
from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from mentoring_lib.across_terms import summary
from mentoring_lib.errors import InputError


def _config(**term):
    return SimpleNamespace(
        term=SimpleNamespace(name="autumn-2030", title="Autumn 2030", start=dt.date(2030, 10, 1),
                             end=dt.date(2030, 12, 15), university=term.get("university")),
        report=SimpleNamespace(organisation="Example University of Arts"),
        privacy=SimpleNamespace(min_count=5, min_base=10),
        certificates=SimpleNamespace(min_trainings=2, min_meetings=4),
        programme=SimpleNamespace(trainings=3, meetings_planned=6), groups=SimpleNamespace(count=4))


def _tables() -> dict[str, pd.DataFrame]:
    """Protected tables as the report stage has them: counts as shown ("<5", "x"), shares missing
    where the base is too small or hidden."""
    return {
        "reach": pd.DataFrame({"measure": ["places", "applications", "accepted", "withdrew"],
                               "mentors": ["8", "12", "8", "<5"], "participants": ["40", "51", "40", "x"]}),
        "funnel": pd.DataFrame({"role": ["participant", "participant"], "step": ["active", "completed"],
                                "count": ["36", "29"], "share_of_accepted": [0.9, 0.725]}),
        "response": pd.DataFrame({"survey": ["before (pre)", "after (post)", "both (linked pairs)"],
                                  "respondents": ["30", "22", "<5"], "response_rate": [0.75, 0.55, None]}),
        "meetings": pd.DataFrame({"meeting": ["Meeting 1"], "groups_met": ["4"], "participants_attending": ["33"],
                                  "participants_missing": ["7"], "share_of_participants": [0.825]}),
        "reaction": pd.DataFrame({"item": ["recommend", "safe"], "wording": ["I would recommend it.", "Safe."],
                                  "answered": ["20", "21"], "share_high": [0.8571, float("nan")],
                                  "high_shown": ["86%", "x"]}),
        "effectiveness": pd.DataFrame({"instrument": ["scs_sf"], "scale": ["total"], "outcome": ["SCS-SF total"],
                                       "primary": [True], "range": ["1–5"], "pairs": ["21"], "mean_pre": [3.1],
                                       "mean_post": [3.3], "mean_change": [0.2], "sd_change": [0.41],
                                       "hedges_g": [0.23], "g_ci_low": [0.01], "g_ci_high": [0.45],
                                       "t_p": [0.04]}),
        "instruments": pd.DataFrame({"instrument": ["scs_sf"], "scale": ["total"], "rule": ["mean"], "n_items": [12],
                                     "response_range": ["1–5"], "missing_rule": ["80 %"]}),
    }


def _by_id(data: dict) -> dict[str, dict]:
    return {e["id"]: e for section in ("reach", "implementation", "reaction") for e in data["figures"][section]}


def test_summary_keeps_each_figures_disclosure_status_and_never_a_suppressed_number():
    data = summary.build_summary(_tables(), _config(), {"report_date": "2030-12-20"})
    figs = _by_id(data)
    assert figs["applications/participant"] == {"id": "applications/participant", "label": "participants: applications",
                                                "kind": "count", "role": "participant", "value": 51,
                                                "status": "published"}
    assert (figs["withdrew/mentor"]["value"], figs["withdrew/mentor"]["status"]) == (None, "suppressed")
    assert (figs["withdrew/participant"]["value"], figs["withdrew/participant"]["status"]) == (None, "hidden")
    assert (figs["respondents/both"]["value"], figs["respondents/both"]["status"]) == (None, "suppressed")
    assert (figs["respondents/both/share"]["value"], figs["respondents/both/share"]["status"]) == (None, "not_shown")
    # shares as every rendering shows them: whole percent
    assert figs["completed/participant/share"]["value"] == 0.72
    assert figs["reaction/recommend/agree"]["value"] == 0.86
    assert (figs["reaction/safe/agree"]["value"], figs["reaction/safe/agree"]["status"]) == (None, "hidden")
    out = data["figures"]["outcomes"][0]
    assert out["pairs"] == {"value": 21, "status": "published"}
    assert out["mean_change"]["value"] == 0.2 and out["sd_change"]["value"] == 0.41
    assert data["term"] == {"id": "autumn-2030", "title": "Autumn 2030", "start": "2030-10-01", "end": "2030-12-15"}
    assert data["university"] == {"id": "example-university-of-arts", "name": "Example University of Arts"}
    assert data["rules"]["min_count"] == 5 and data["rules"]["certificate"] == {"min_trainings": 2, "min_meetings": 4}


def test_university_id_comes_from_the_config_when_given():
    data = summary.build_summary(_tables(), _config(university="uni-x"))
    assert data["university"]["id"] == "uni-x"


def test_fingerprints_change_with_the_scale_and_the_rules():
    tables = _tables()
    before = summary.build_summary(tables, _config())
    tables["instruments"].loc[0, "missing_rule"] = "all items"
    cfg = _config()
    cfg.certificates.min_meetings = 3
    after = summary.build_summary(tables, cfg)
    assert before["instruments"]["scs_sf/total"] != after["instruments"]["scs_sf/total"]
    assert before["rules"]["fingerprint"] != after["rules"]["fingerprint"]


@pytest.mark.parametrize("edit", ["suppressed_with_a_number", "published_without_a_number", "count_not_integer",
                                  "unknown_status", "share_above_one", "wrong_schema_version",
                                  "unknown_key"])
def test_schema_rejects_a_summary_that_breaks_the_rules_exit2(edit, tmp_path):
    data = summary.build_summary(_tables(), _config())
    bad = copy.deepcopy(data)
    reach = bad["figures"]["reach"]
    first = {e["id"]: e for e in reach}
    if edit == "suppressed_with_a_number":
        first["withdrew/mentor"]["value"] = 3
    elif edit == "published_without_a_number":
        first["places/mentor"]["value"] = None
    elif edit == "count_not_integer":
        first["places/mentor"]["value"] = 8.5
    elif edit == "unknown_status":
        first["places/mentor"]["status"] = "rounded"
    elif edit == "unknown_key":
        first["places/mentor"]["true_value"] = 8
    elif edit == "share_above_one":
        first["completed/participant/share"]["value"] = 72
    else:
        bad["schema_version"] = 2
    with pytest.raises(InputError) as err:
        summary.validate(bad, tmp_path / "summary.json")
    assert err.value.exit_code == 2
    said = err.value.message.split("summary.json:", 1)[1]
    assert "rule broken" in said and "3" not in said  # the place, not the value


def test_written_summary_reads_back_the_same(tmp_path):
    data = summary.build_summary(_tables(), _config())
    path = summary.write_summary(data, tmp_path / "public" / "summary.json")
    assert summary.load(tmp_path) == data  # a term folder holding public/summary.json
    assert summary.load(path) == data


@pytest.mark.parametrize("content", ["", "{not json", "[]"])
def test_unreadable_summary_exit2(tmp_path, content):
    path = tmp_path / "summary.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError):
        summary.load(path)
    with pytest.raises(InputError):
        summary.load(tmp_path / "missing.json")
