"""Fidelity log: which parts of the curriculum the groups delivered."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from conftest import small_term
from mentoring_lib.steps import evaluation_result
from mentoring_lib.config import load_config
from mentoring_lib.errors import InputError, InputErrors
from mentoring_lib.steps.fidelity import TABLE, add_fidelity, delivery_table, read_log
from mentoring_lib.steps.summary_workbook import summary_sheets

CURRICULUM = ["Compassionate breathing", "Self-compassion break", "Common humanity"]


def _config(tmp_path, rows: list[str], curriculum=CURRICULUM):
    config = small_term(tmp_path)
    (tmp_path / "data" / "fidelity.csv").write_text("\n".join(["Group,Meeting,Topic", *rows]) + "\n", encoding="utf-8")
    data = yaml.safe_load(config.read_text())
    data["inputs"].append({"id": "fidelity", "kind": "fidelity_log", "file": "fidelity.csv", "tool": "csv"})
    data["programme"]["curriculum"] = curriculum
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return load_config(config)


def test_delivery_counts_groups_and_meetings_by_hand():
    log = pd.DataFrame({"group": ["1", "1", "1", "2", "3"], "meeting": [1, 1, 2, 1, 4],
                        "topic": ["A", "A", "B", "A", "A"]})  # group 1 logged A twice at meeting 1
    t = delivery_table(log, ["A", "B", "C"], ["1", "2", "3", "4"]).set_index("topic")
    assert t.loc["A", ["groups_delivered", "groups", "meetings"]].tolist() == [3, 4, 3]
    assert t.loc["A", "share_of_groups"] == 0.75
    assert t.loc["B", ["groups_delivered", "meetings"]].tolist() == [1, 1]
    assert t.loc["C", ["groups_delivered", "meetings"]].tolist() == [0, 0]


def test_log_reads_numbers_names_and_several_topics_in_a_cell(tmp_path):
    cfg = _config(tmp_path, ["Group 1,Meeting 1,compassionate  breathing; Self-compassion break",
                             "2,2,Common humanity", ",,"])
    log = read_log(cfg)
    assert log.to_dict("list") == {"group": ["1", "1", "2"], "meeting": [1, 1, 2],
                                   "topic": ["Compassionate breathing", "Self-compassion break", "Common humanity"]}


def test_unknown_topic_and_bad_meeting_exit2_without_the_cell(tmp_path):
    cfg = _config(tmp_path, ["1,1,Loving kindness for Aino", "1,first,Common humanity", "2,3,Loving kindness for Aino"])
    with pytest.raises(InputErrors) as e:
        read_log(cfg)
    text = e.value.render()
    assert e.value.exit_code == 2 and "Aino" not in text and "first" not in text
    assert "row 2, column 'Topic': a topic that is not in programme.curriculum (the same answer in row 4)" in text
    assert "row 3, column 'Meeting': not a meeting number" in text


def test_evaluation_reports_delivery_only_with_a_curriculum(tmp_path):
    cfg = _config(tmp_path, ["1,1,Compassionate breathing", "2,1,Compassionate breathing", "1,2,Common humanity"])
    members = pd.DataFrame({"person_id": ["a", "b"], "role": ["participant"] * 2, "group": ["1", "2"]})
    out = evaluation_result.Evaluation()
    add_fidelity(out, cfg, members)
    t = out.tables[TABLE].set_index("topic")
    assert t["groups_delivered"].tolist() == [2, 0, 1]
    [text] = [n["text"] for n in out.narrative]
    assert text == ("Fidelity log: 1 of the 3 parts of the curriculum were delivered in every group; not delivered "
                    "in any group: Self-compassion break.")
    # Without a curriculum nothing from the log reaches the report.
    bare = _config(tmp_path / "bare", ["1,1,Something free-text"], curriculum=[])
    out = evaluation_result.Evaluation()
    add_fidelity(out, bare, members)
    assert TABLE not in out.tables and out.narrative == []


def test_missing_required_log_exit2(tmp_path):
    cfg = _config(tmp_path, [])
    (tmp_path / "data" / "fidelity.csv").unlink()
    with pytest.raises(InputError) as e:
        read_log(cfg)
    assert e.value.exit_code == 2 and "fidelity.csv" in e.value.render()


def test_report_and_summary_sheet_show_the_curriculum_table(tmp_path):
    from mentoring_lib.steps import report as rp
    from test_evaluation import make_config

    table = delivery_table(pd.DataFrame({"group": ["1", "2"], "meeting": [1, 1], "topic": ["A", "A"]}),
                           ["A", "B"], ["1", "2", "3"])
    model = rp.build_report({TABLE: table}, make_config(), public_dir=tmp_path)
    shown = next(t for t in model.tables() if t.id == "t-curriculum")
    assert [tuple(r) for r in shown.rows] == [("A", "2", "3", "2"), ("B", "0", "3", "0")]
    sheet = summary_sheets({TABLE: table}, make_config())["Curriculum"]
    assert sheet["groups_delivered"].tolist() == [2, 0]
