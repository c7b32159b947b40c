"""Public workbooks for people (mentoring_lib.io.people_workbooks): headers, formats, withheld values."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from mentoring_lib.io import people_workbooks as pw
from mentoring_lib.io.spreadsheets import write_xlsx


def machine_meetings() -> pd.DataFrame:
    return pd.DataFrame({"meeting": ["Meeting 1", "Meeting 2"], "groups_met": [8, "x"],
                         "participants_attending": ["61", "<5"], "share_of_participants": [0.82, None],
                         "wilcoxon_p": [0.0333, 0.0004], "mean_pre": [3.16548, 21.22]})


def test_withheld_values_leave_the_number_column_and_are_named_in_their_own(tmp_path):
    path = pw.write({"Meetings": machine_meetings()}, tmp_path / "s.xlsx")
    ws = load_workbook(path)["Meetings"]
    header = [c.value for c in ws[1]]
    assert header == ["Meeting", "Groups that met", "Groups that met (withheld)", "Participants attending",
                      "Participants attending (withheld)", "Share of participants attending", "Wilcoxon p",
                      "Mean before"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0][:6] == ("Meeting 1", 8, None, 61, None, 0.82)
    assert rows[1][:6] == ("Meeting 2", None, "x", None, "<5", None)
    fmt = {h: c.number_format for h, c in zip(header, ws[2])}
    assert fmt["Share of participants attending"] == "0%" and fmt["Mean before"] == "0.00"
    assert fmt["Wilcoxon p"] == pw.P_VALUE and fmt["Groups that met"] == "General"
    assert rows[0][7] == 3.17 and rows[1][6] == 0.0004  # means to 2 decimals; p to 4 significant digits


def test_a_workbook_read_back_is_the_machine_table(tmp_path):
    path = pw.write({"Meetings": machine_meetings()}, tmp_path / "s.xlsx")
    back = pw.read(path, "Meetings")
    assert back.columns.tolist() == machine_meetings().columns.tolist()
    assert back["groups_met"].tolist() == [8, "x"] and back["participants_attending"].tolist() == [61, "<5"]


def test_sheet_titles_and_index_round_trip(tmp_path):
    status = pd.DataFrame({"mentor": [16, "<5"], "Total": [96, "x"]}, index=pd.Index(["accepted", "late"],
                                                                                        name="status"))
    path = pw.write({"status": status, "doctoral_year": status.rename_axis("doctoral year")},
                    tmp_path / "r.xlsx", index=True)
    assert load_workbook(path).sheetnames == ["Status", "Doctoral year"]
    back = pw.read(path, index_col=0)
    assert list(back) == ["status", "doctoral_year"]
    assert back["status"].loc["late", "mentor"] == "<5" and back["status"].loc["accepted", "Total"] == 96


def test_every_human_header_names_one_field():
    humans = [h for h, _ in pw.HEADERS.values()]
    assert len(humans) == len(set(humans))


@pytest.mark.parametrize("group, name", [(1, "Group 1"), (3.0, "Group 3"), ("2", "Group 2"), ("A", "Group A"),
                                         ("Group 4", "Group 4")])
def test_groups_are_named_the_same_way(group, name):
    assert pw.group_name(group) == name


def test_write_xlsx_number_formats_touch_number_cells_only(tmp_path):
    df = pd.DataFrame({"a": [0.5, None], "b": ["x", "y"], "c": [True, False]})
    path = write_xlsx({"S": df}, tmp_path / "f.xlsx", number_formats={"S": {"a": "0%", "b": "0%", "c": "0.00"}})
    ws = load_workbook(path)["S"]
    assert ws["A2"].number_format == "0%" and ws["A2"].value == 0.5
    assert ws["B2"].number_format == "General" and ws["C2"].number_format == "General"


def test_counts_stay_integers_beside_a_withheld_cell(tmp_path):
    path = pw.write({"Funnel": pd.DataFrame({"step": ["registered", "trained"], "count": [36, "x"]})},
                    tmp_path / "f.xlsx")
    ws = load_workbook(path)["Funnel"]
    assert ws["B2"].value == 36 and type(ws["B2"].value) is int and ws["C3"].value == "x"
