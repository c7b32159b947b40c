"""Fidelity log: which parts of the programme's curriculum the groups delivered.

An optional input of kind ``fidelity_log``: a sheet with a row per group meeting (or per exercise
used at one) and the columns ``group``, ``meeting`` (a number, or "Meeting 3") and ``topic`` (the
curriculum part or exercise used; several in one cell separated by ";"). The config's
``programme.curriculum`` lists the curriculum's parts as the log names them (compared ignoring case
and spacing); a topic outside it is an :class:`~mentoring_lib.errors.InputError` naming the file,
rows and column (never the cell, which may be free text). Without a curriculum the log is not
reported: only the config's names ever reach the report, never a log's free text.

:func:`delivery_table` counts, per curriculum part, the groups that delivered it and the meetings
it was used at. These are counts of groups and meetings, not of people, so they are published as
they are (no small-count suppression).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from mentoring_lib.errors import InputError, per_answer, raise_all

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig

KIND = "fidelity_log"
TABLE = "curriculum"
COLUMNS = ["topic", "groups_delivered", "groups", "share_of_groups", "meetings"]
_MEETING = re.compile(r"(\d+)")


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def read_log(config: "TermConfig") -> pd.DataFrame | None:
    """Every fidelity log of the term as (group, meeting, topic) rows, topics as the curriculum names
    them; None when the term has no log (or only optional ones not yet there)."""
    from mentoring_lib.io.readers import read_export, select_columns

    curriculum = {_key(t): t for t in config.programme.curriculum}
    frames = []
    for item in config.inputs_of(KIND):
        path = config.input_path(item)
        if not path.exists():
            if item.required:
                raise InputError("file not found", file=path, hint="put the fidelity log in the term's data folder "
                                                                   "or fix 'file:' (or mark it required: false)")
            continue
        export = read_export(path, tool=item.tool, sheet=item.sheet)
        mapping = {"group": "Group", "meeting": "Meeting", "topic": "Topic", **dict(item.columns)}
        df = select_columns(export, mapping, required=["group", "meeting", "topic"])
        headers = df.attrs.get("source_columns", {})
        df = df[df[["group", "meeting", "topic"]].fillna("").astype(str).apply(lambda s: s.str.strip()).ne("").any(axis=1)]
        meeting = df["meeting"].fillna("").astype(str).str.extract(_MEETING, expand=False)
        errors = per_answer(df.index[meeting.isna()].groupby(df.loc[meeting.isna(), "meeting"].astype(str).to_numpy())
                            .values(), "not a meeting number", file=path, column=headers.get("meeting", "Meeting"),
                            hint="write the meeting's number (3) or 'Meeting 3'")
        topics = df["topic"].fillna("").astype(str).str.split(";").explode().str.strip()
        topics = topics[topics.ne("")]
        unknown = topics[~topics.map(_key).isin(curriculum)] if curriculum else topics.iloc[0:0]
        errors += per_answer(unknown.index.groupby(unknown.map(_key).to_numpy()).values(),
                             "a topic that is not in programme.curriculum", file=path,
                             column=headers.get("topic", "Topic"),
                             hint="use the curriculum's names: " + "; ".join(config.programme.curriculum)
                                  + " (or add the topic to programme.curriculum in the config)")
        raise_all(errors)
        frames.append(pd.DataFrame({
            "group": df.loc[topics.index, "group"].astype(str).str.strip().str.replace(r"^(?:group|ryhmä)\s*", "",
                                                                                       regex=True, flags=re.I),
            "meeting": meeting.loc[topics.index].astype(int),
            "topic": topics.map(lambda t: curriculum.get(_key(t), t))}).reset_index(drop=True))
    return pd.concat(frames, ignore_index=True) if frames else None


def delivery_table(log: pd.DataFrame, curriculum: Sequence[str], groups: Sequence[str]) -> pd.DataFrame:
    """Per curriculum part (in the curriculum's order): groups that delivered it, of how many, the
    share, and the group meetings it was used at (a part used twice at one meeting counts once)."""
    g = [str(x) for x in groups]
    known = log[log["group"].isin(g)].drop_duplicates(["group", "meeting", "topic"])
    rows = []
    for topic in curriculum:
        t = known[known["topic"] == topic]
        n_groups = int(t["group"].nunique())
        rows.append({"topic": topic, "groups_delivered": n_groups, "groups": len(g),
                     "share_of_groups": n_groups / len(g) if g else float("nan"), "meetings": len(t)})
    return pd.DataFrame(rows, columns=COLUMNS)


def add_fidelity(ev, config: "TermConfig", members: pd.DataFrame | None) -> None:
    """The curriculum table and a sentence in the implementation section (nothing without a log or
    a curriculum)."""
    curriculum = list(config.programme.curriculum)
    log = read_log(config) if curriculum else None
    if log is None or members is None or members.empty:
        return
    groups = sorted(members["group"].dropna().astype(str).unique(), key=lambda x: (len(x), x))
    table = delivery_table(log, curriculum, groups)
    ev.tables[TABLE] = table
    everywhere = table[table["groups_delivered"] == len(groups)]
    nowhere = table[table["groups_delivered"] == 0]
    text = (f"Fidelity log: {len(everywhere)} of the {len(curriculum)} parts of the curriculum were delivered in "
            f"every group")
    text += ("; none was left out everywhere." if nowhere.empty else
             "; not delivered in any group: " + ", ".join(nowhere["topic"]) + ".")
    ev.say("implementation", text)
    ev.method("Fidelity", ("The groups' mentors logged the curriculum part or exercise used at each meeting; a part "
                           "counts as delivered in a group when the log names it at one of the group's meetings."))
