"""Attendance: the mentor trainings and the group meetings, from the coordinator's sheets.

The sheets have a row a person (name, e-mail) and a column a session. Cells are ticks in many
spellings (:data:`ATTENDED_MARKS`) or blank / "no"-like marks (:data:`ABSENT_MARKS`); anything
else is an :class:`~mentoring_lib.errors.InputError` naming the file, column and rows of each
distinct unknown mark, never the mark (a cell may hold a note or a pasted contact).

People are linked through their pseudonym (``pseudonymise(email, ctx.key)``) to the accepted
people of ``registrations/people`` and their group in ``groups/members``:

* someone on a sheet who is not an accepted person of that role is left out and counted in the
  data-quality record (not an error: coordinators keep wait-listed people on sheets);
* an accepted person missing from a sheet attended none of its sessions (noted in quality).

Tables written by :func:`mentoring_lib.pipeline.drivers.run` (stage ``attendance``; person-level tables hold pseudonyms):

``trainings`` / ``meetings``
    person_id, role, group, session ("Training 1" / "Meeting 1"), session_index, attended
``per_person``
    person_id, role, group, trainings_attended, trainings_total, training_rate, meetings_attended,
    meetings_held (by the person's group), meetings_planned, meetings_attended_held,
    meeting_rate (= meetings_attended_held / meetings_held),
    first_meeting, last_meeting (0 = none), dropped_out
``per_group``
    group, mentors, participants, meetings_planned, meetings_held, fewer_than_planned,
    participant_attendance_rate, mean_participants_present
``per_meeting``
    kind ("training"/"meeting"), session, session_index, role, expected, present, rate, groups_met
``dropout``
    kind, role, session, session_index, base, present, still_taking_part, attended_rate,
    retained_rate (share whose last attended session is this one or later: the drop-out curve)

A meeting counts as held by a group when at least one of its participants was marked present
(mentors alone do not make a meeting). For a group none of whose participants is on the meeting
sheets at all (a sheet that lists only the mentors), it counts as held when at least one of its
mentors was marked present: such a term still reports the meetings held.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from mentoring_lib.errors import InputError, per_answer, raise_all

if TYPE_CHECKING:
    from mentoring_lib.config import InputFile
    from mentoring_lib.pipeline.context import StageContext

#: Cell marks read as "attended" (compared after trimming and case-folding).
ATTENDED_MARKS = frozenset({"x", "1", "yes", "kyllä", "ja", "present", "✓", "✔", "true",
                            "☑", "✅", "läsnä", "närvarande"})
#: Cell marks read as "did not attend"; a blank cell is one too.
ABSENT_MARKS = frozenset({"", "0", "no", "-", "–", "absent", "false", "ei", "nej", "poissa",
                          "frånvarande"})

SESSION_PATTERNS = {
    "training": re.compile(r"^\s*(?:training|koulutus|utbildning)\s*(\d+)\b", re.IGNORECASE),
    "meeting": re.compile(r"^\s*(?:meeting|tapaaminen|träff|session)\s*(\d+)\b", re.IGNORECASE),
    # The mentors' support meetings (read by mentor_hours, not by this stage).
    "support": re.compile(r"^\s*(?:support meeting|support|supervision|tukitapaaminen|työnohjaus|handledning)"
                          r"\s*(\d+)\b", re.IGNORECASE),
}
SESSION_LABEL = {"training": "Training", "meeting": "Meeting", "support": "Support meeting"}
INPUT_KIND = {"training": "training_attendance", "meeting": "group_attendance", "support": "support_attendance"}
ROLES = ("mentor", "participant")


# -- ticks --------------------------------------------------------------------------------------

def _mark_text(series: pd.Series) -> pd.Series:
    s = series.astype("object").where(series.notna(), "")
    return s.astype(str).str.strip().str.casefold()


def parse_ticks(df: pd.DataFrame, *, file: str | Path | None,
                columns: Sequence[str] | Mapping[str, str]) -> pd.DataFrame:
    """Boolean attendance for ``columns`` of ``df`` (same index): True for attended marks.

    ``columns``: the columns to read, or a mapping column -> header as the user sees it (used
    in messages). Unknown marks raise :class:`InputError` (one) or :class:`InputErrors`: one per
    distinct unknown mark and column, at its first row, naming the other rows with the same mark
    but never the mark.
    """
    headers = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    if not headers:
        return pd.DataFrame(index=df.index)
    marks = pd.DataFrame({c: _mark_text(df[c]) for c in headers}, index=df.index)
    attended = marks.isin(ATTENDED_MARKS)
    unknown = ~(attended | marks.isin(ABSENT_MARKS))
    errors = []
    for col in [c for c in headers if unknown[c].any()]:
        raw = df.loc[unknown[col], col].astype(str).str.strip()
        # The mark is not shown: a tick cell may hold a note or a pasted contact (errors.per_answer).
        errors += per_answer(
            raw.index.groupby(raw.to_numpy()).values(), "not an attendance mark", file=file,
            column=headers[col],
            hint="open the sheet at this row and mark attendance with x, 1, yes, present or a tick (✓); "
                 "leave absences blank (0, no, - and absent also mean absent); notes belong elsewhere")
    raise_all(errors)
    return attended


# -- reading a sheet -----------------------------------------------------------------------------

def session_columns(headers: Sequence[str], kind: str,
                    configured: Sequence[str] | Mapping[str, int] = ()) -> dict[str, str]:
    """Header -> session label ("Meeting 1", ...) in session order.

    Configured ``session_columns`` are a mapping header -> session number, or a list: when every
    listed header carries its number ("Training 3 (20 Jan)") that number is used, so a second sheet
    holding only the third training is Training 3, not a second Training 1; otherwise the list is
    numbered in its order. Without configured columns, headers matching "Training n" / "Meeting n"
    (also Finnish and Swedish) are taken in order of n.
    """
    label = SESSION_LABEL[kind]
    if isinstance(configured, Mapping):
        found = [(int(n), str(h)) for h, n in configured.items()]
    elif configured:
        numbered = [m for h in configured if (m := SESSION_PATTERNS[kind].match(str(h)))]
        if len(numbered) == len(configured):
            found = [(int(m.group(1)), str(h)) for m, h in zip(numbered, configured)]
        else:
            found = [(i, str(h)) for i, h in enumerate(configured, 1)]
    else:
        found = []
        for h in headers:
            m = SESSION_PATTERNS[kind].match(str(h))
            if m:
                found.append((int(m.group(1)), str(h)))
    numbers = [n for n, _ in found]
    if len(set(numbers)) != len(numbers):
        dup = sorted({n for n in numbers if numbers.count(n) > 1})
        raise InputError(f"{label} {dup[0]} appears in more than one column",
                         hint="remove or rename the extra column, or list session_columns in the config")
    return {h: f"{label} {n}" for n, h in sorted(found)}


def read_sheet(path: Path, item: "InputFile", kind: str) -> tuple[pd.DataFrame, dict[str, str], dict]:
    """Read one attendance sheet: (frame with ``email`` and session label columns, header map, info).

    The frame's index is the Excel row. ``info`` holds rows_read and the reader's notes.
    """
    from mentoring_lib.io.readers import read_export, select_columns

    export = read_export(path, tool=item.tool, sheet=item.sheet)
    mapping = dict(item.columns) or {"email": "Email"}
    mapping.setdefault("email", "Email")
    people = select_columns(export, {"email": mapping["email"]}, required=["email"])
    headers = list(export.data.columns)
    try:
        sessions = session_columns(headers, kind, item.session_columns)
    except InputError as e:
        raise InputError(e.message, file=path, hint=e.hint) from None
    if not sessions:
        raise InputError(
            f"no session columns found (expected headers like '{SESSION_LABEL[kind]} 1')", file=path,
            hint="name the columns 'Training 1', 'Meeting 1', ... or list them under session_columns: "
                 "for this input in the term config")
    # select_columns matches configured headers loosely and names the closest ones when missing.
    by_label = select_columns(export, {label: header for header, label in sessions.items()},
                              required=list(sessions.values()))
    found = by_label.attrs.get("source_columns", {})
    ticks = parse_ticks(by_label, file=path, columns={label: found.get(label, header)
                                                      for header, label in sessions.items()})
    frame = ticks.copy()
    frame.insert(0, "email", people["email"])
    info = {"rows_read": int(export.rows_read or len(export.data)), "notes": list(export.notes),
            "headers": dict(sessions)}
    return frame, sessions, info


def _session_frame(frame: pd.DataFrame, key: bytes, file: Path,
                   email_header: str) -> tuple[pd.DataFrame, dict]:
    """Pseudonymise, drop blank rows, merge a person's repeated rows (any tick counts)."""
    from mentoring_lib.privacy.pseudonym import pseudonymise

    sessions = [c for c in frame.columns if c != "email"]
    person = pseudonymise(frame["email"], key)
    no_email = person.isna()
    bad = no_email & frame[sessions].any(axis=1)
    if bad.any():
        rows = [int(r) for r in frame.index[bad][:5]]
        raise InputError(f"{int(bad.sum())} row(s) with attendance ticks but no e-mail (rows "
                         f"{', '.join(map(str, rows))})", file=file, column=email_header,
                         hint="add the person's e-mail address so the row can be linked")
    linked = frame.loc[~no_email, sessions].assign(person_id=person[~no_email].to_numpy())
    merged = linked.groupby("person_id", sort=True)[sessions].any()
    stats = {"no_email": int(no_email.sum()), "duplicate_rows": int(len(linked) - len(merged))}
    return merged, stats


# -- linking and tables -------------------------------------------------------------------------

def _long(wide: pd.DataFrame, roster: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Roster (person_id, role, group) x sessions, attended False where not ticked or not on sheet."""
    sessions = list(wide.columns)
    full = roster.set_index("person_id")[[]].join(wide, how="left")
    full = full.astype("boolean").fillna(False).astype(bool)
    long = full.rename_axis("person_id").reset_index().melt(
        id_vars="person_id", value_vars=sessions, var_name="session", value_name="attended")
    long = long.merge(roster[["person_id", "role", "group"]], on="person_id", how="left")
    order = {s: i for i, s in enumerate(sessions, 1)}
    long["session_index"] = long["session"].map(order).astype(int)
    long = long[["person_id", "role", "group", "session", "session_index", "attended"]]
    return long.sort_values(["session_index", "role", "person_id"], kind="stable").reset_index(drop=True)


def roster_of(people: pd.DataFrame, members: pd.DataFrame | None) -> pd.DataFrame:
    """Accepted people (person_id, role) with their group (missing when not allocated)."""
    acc = people.loc[people["status"] == "accepted", ["person_id", "role"]].drop_duplicates("person_id")
    if members is not None and len(members):
        groups = members[["person_id", "group"]].drop_duplicates("person_id")
        acc = acc.merge(groups, on="person_id", how="left")
    else:
        acc = acc.assign(group=pd.NA)
    acc["group"] = acc["group"].astype("string")
    return acc.sort_values(["role", "person_id"], kind="stable").reset_index(drop=True)


def _isin(values, universe) -> np.ndarray:
    """Vectorised membership test (hash-based; pandas' arrow-string isin is slow on big sets)."""
    index = pd.Index(np.asarray(universe, dtype=object)).unique()
    return index.get_indexer(np.asarray(values, dtype=object)) >= 0


def sheet_counts(on_sheet: pd.Index, roster: pd.DataFrame, kind: str) -> dict[str, int]:
    """How the people of one sheet link to the roster (for the data-quality record)."""
    expected = roster[roster["role"] == "mentor"] if kind == "training" else roster
    accepted = _isin(on_sheet, roster["person_id"])
    right_role = _isin(on_sheet, expected["person_id"])
    return {"not_accepted": int((~accepted).sum()), "wrong_role": int((accepted & ~right_role).sum()),
            "kept": int(right_role.sum()),
            "missing_from_sheet": int((~_isin(expected["person_id"], on_sheet)).sum())}


def link(wide: pd.DataFrame, roster: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Long attendance for the expected people of ``kind`` (mentors for trainings, everyone
    accepted for meetings) and the link counts; people not expected are left out."""
    expected = roster[roster["role"] == "mentor"] if kind == "training" else roster
    kept = wide[_isin(wide.index, expected["person_id"])]
    return _long(kept, expected, kind), sheet_counts(wide.index, roster, kind)


def per_person(trainings: pd.DataFrame, meetings: pd.DataFrame, roster: pd.DataFrame,
               meetings_planned: int, held: pd.DataFrame) -> pd.DataFrame:
    """One row per accepted person: attendance counts and rates (see the module docstring)."""
    out = roster[["person_id", "role", "group"]].copy()
    t = trainings.groupby("person_id")["attended"].agg(["sum", "size"])
    out["trainings_attended"] = out["person_id"].map(t["sum"]).fillna(0).astype(int)
    out["trainings_total"] = out["person_id"].map(t["size"]).fillna(0).astype(int)
    totals = out["trainings_total"]
    out["training_rate"] = out["trainings_attended"] / totals.where(totals > 0)
    present = meetings[meetings["attended"]]
    m = meetings.groupby("person_id")["attended"].sum()
    out["meetings_attended"] = out["person_id"].map(m).fillna(0).astype(int)
    held_n = held.groupby("group")["held"].sum()
    out["meetings_held"] = out["group"].map(held_n).fillna(0).astype(int)
    out["meetings_planned"] = int(meetings_planned)
    # Rate of the meetings the group held (a mentor present when no participant came does not
    # push the rate above 1).
    held_flags = held[["group", "session_index", "held"]]
    in_held = present.merge(held_flags, on=["group", "session_index"], how="inner")
    attended_held = in_held[in_held["held"]].groupby("person_id").size()
    out["meetings_attended_held"] = out["person_id"].map(attended_held).fillna(0).astype(int)
    out["meeting_rate"] = out["meetings_attended_held"] / out["meetings_held"].where(out["meetings_held"] > 0)
    first = present.groupby("person_id")["session_index"].min()
    last = present.groupby("person_id")["session_index"].max()
    out["first_meeting"] = out["person_id"].map(first).fillna(0).astype(int)
    out["last_meeting"] = out["person_id"].map(last).fillna(0).astype(int)
    # Dropped out: stopped attending before the last meeting their group held.
    last_held = held[held["held"]].groupby("group")["session_index"].max()
    group_last = out["group"].map(last_held).fillna(0).astype(int)
    out["dropped_out"] = (out["last_meeting"] < group_last) & (group_last > 0)
    return out.reset_index(drop=True)


def meetings_held(meetings: pd.DataFrame, mentors_only: Sequence[str] = ()) -> pd.DataFrame:
    """(group, session, session_index, held, participants_present, mentors_present): ``held`` when at
    least one of the group's participants is marked present, or, for the groups in ``mentors_only``
    (none of their participants on the meeting sheets), one of its mentors (the module's definition)."""
    grouped = meetings[meetings["group"].notna()]
    if grouped.empty:
        return pd.DataFrame({"group": pd.Series(dtype="string"), "session": pd.Series(dtype="str"),
                             "session_index": pd.Series(dtype=int), "held": pd.Series(dtype=bool),
                             "participants_present": pd.Series(dtype=int),
                             "mentors_present": pd.Series(dtype=int)})
    flags = grouped.assign(p=grouped["attended"] & (grouped["role"] == "participant"),
                           m=grouped["attended"] & (grouped["role"] == "mentor"))
    agg = flags.groupby(["group", "session", "session_index"], as_index=False, observed=True).agg(
        participants_present=("p", "sum"), mentors_present=("m", "sum"))
    by_mentors = agg["group"].astype(str).isin([str(g) for g in mentors_only]) & (agg["mentors_present"] > 0)
    agg["held"] = (agg["participants_present"] > 0) | by_mentors
    agg = agg.astype({"participants_present": int, "mentors_present": int})
    return agg.sort_values(["group", "session_index"], kind="stable").reset_index(drop=True)


def per_group(held: pd.DataFrame, roster: pd.DataFrame, meetings_planned: int,
              persons: pd.DataFrame) -> pd.DataFrame:
    """One row per group: size, meetings planned vs held, participants' attendance."""
    members = roster[roster["group"].notna()]
    if members.empty:
        return pd.DataFrame({"group": pd.Series(dtype="str"), "mentors": pd.Series(dtype=int),
                             "participants": pd.Series(dtype=int), "meetings_planned": pd.Series(dtype=int),
                             "meetings_held": pd.Series(dtype=int),
                             "fewer_than_planned": pd.Series(dtype=bool),
                             "participant_attendance_rate": pd.Series(dtype=float),
                             "mean_participants_present": pd.Series(dtype=float)})
    size = members.pivot_table(index="group", columns="role", values="person_id", aggfunc="count",
                               fill_value=0).reindex(columns=list(ROLES), fill_value=0)
    out = pd.DataFrame({"group": size.index.astype(str),
                        "mentors": size["mentor"].to_numpy(dtype=int),
                        "participants": size["participant"].to_numpy(dtype=int)})
    h = held.groupby("group")["held"].sum()
    present_when_held = held[held["held"]].groupby("group")["participants_present"].mean()
    out["meetings_planned"] = int(meetings_planned)
    out["meetings_held"] = out["group"].map(h).fillna(0).astype(int)
    out["fewer_than_planned"] = out["meetings_held"] < out["meetings_planned"]
    p = persons[persons["role"] == "participant"]
    rate = p.groupby("group")["meetings_attended"].sum() / (
        p.groupby("group")["meetings_held"].sum().where(lambda s: s > 0))
    out["participant_attendance_rate"] = out["group"].map(rate).astype(float)
    out["mean_participants_present"] = out["group"].map(present_when_held).astype(float)
    return out.sort_values("group", kind="stable").reset_index(drop=True)


def per_session(long: pd.DataFrame, kind: str, held: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per session and role: expected, present, rate (and groups that met, for meetings)."""
    agg = long.groupby(["session", "session_index", "role"], as_index=False).agg(
        expected=("attended", "size"), present=("attended", "sum"))
    agg["present"] = agg["present"].astype(int)
    agg["rate"] = agg["present"] / agg["expected"].where(agg["expected"] > 0)
    if held is not None and len(held):
        met = held.groupby("session_index")["held"].sum()
        agg["groups_met"] = agg["session_index"].map(met).fillna(0).astype("Int64")
    else:
        agg["groups_met"] = pd.array([pd.NA] * len(agg), dtype="Int64")
    agg.insert(0, "kind", kind)
    return agg.sort_values(["session_index", "role"], kind="stable").reset_index(drop=True)


def dropout_curve(long: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Per session and role: attended and still taking part (last attended session >= this one)."""
    cols = ["kind", "role", "session", "session_index", "base", "present", "still_taking_part",
            "attended_rate", "retained_rate"]
    if long.empty:
        return pd.DataFrame(columns=cols)
    last = long[long["attended"]].groupby("person_id")["session_index"].max()
    d = long.assign(last=long["person_id"].map(last).fillna(0).astype(int))
    d["retained"] = d["last"] >= d["session_index"]
    agg = d.groupby(["role", "session", "session_index"], as_index=False).agg(
        base=("attended", "size"), present=("attended", "sum"), still_taking_part=("retained", "sum"))
    agg = agg.astype({"present": int, "still_taking_part": int})
    agg["attended_rate"] = agg["present"] / agg["base"]
    agg["retained_rate"] = agg["still_taking_part"] / agg["base"]
    agg.insert(0, "kind", kind)
    return agg.sort_values(["role", "session_index"], kind="stable").reset_index(drop=True)[cols]


# -- the stage ----------------------------------------------------------------------------------

def _no_sheet_info(why: str) -> dict:
    return {"rows_read": 0, "no_email": 0, "duplicate_rows": 0, "headers": {},
            "person_ids": pd.Index([], name="person_id"),
            "notes": [f"{why}: nobody is counted as attending these sessions"]}


def _read_kind(ctx: "StageContext", kind: str) -> tuple[pd.DataFrame, list[tuple[str, dict]]]:
    """All sheets of one kind, merged per person (any tick counts), plus per-input info."""
    wides, infos = [], []
    for item in ctx.config.inputs_of(INPUT_KIND[kind]):
        path = ctx.config.input_path(item)
        if not path.exists():
            if item.required:
                raise InputError("file not found", file=path,
                                 hint="put the attendance sheet in the term's data folder or fix 'file:'")
            infos.append((item.id, _no_sheet_info(f"optional sheet {path.name} not found")))
            continue
        frame, _, info = read_sheet(path, item, kind)
        wide, counts = _session_frame(frame, ctx.key, path, str((item.columns or {}).get("email", "Email")))
        wides.append(wide)
        infos.append((item.id, {**info, **counts, "person_ids": wide.index}))
    if not wides:
        if not infos:
            infos.append((INPUT_KIND[kind], _no_sheet_info(f"no {INPUT_KIND[kind]} input in the config")))
        return pd.DataFrame(index=pd.Index([], name="person_id")), infos
    wide = pd.concat(wides).fillna(False).astype(bool).groupby(level=0).any()
    label = SESSION_LABEL[kind]
    order = sorted(wide.columns,
                   key=lambda c: int(str(c).rsplit(" ", 1)[-1]) if str(c).startswith(label) else 0)
    return wide[order], infos


def _pad_sessions(wide: pd.DataFrame, kind: str, planned: int) -> pd.DataFrame:
    """Planned sessions missing from the sheet appear as nobody attending (meetings not held)."""
    label = SESSION_LABEL[kind]
    for i in range(1, planned + 1):
        if f"{label} {i}" not in wide.columns:
            wide[f"{label} {i}"] = False
    return wide[sorted(wide.columns, key=lambda c: int(str(c).rsplit(" ", 1)[-1]))]


def groups_without_participants_on_sheet(on_sheet: pd.Index, roster: pd.DataFrame) -> list[str]:
    """Groups none of whose participants appear on the meeting sheets (e.g. a sheet of mentors only)."""
    grouped = roster[roster["group"].notna()]
    listed = grouped.loc[(grouped["role"] == "participant") & _isin(grouped["person_id"], on_sheet), "group"]
    return sorted(set(grouped["group"].astype(str)) - set(listed.astype(str)))


def build_tables(wide_trainings: pd.DataFrame, wide_meetings: pd.DataFrame, people: pd.DataFrame,
                 members: pd.DataFrame | None, *, trainings_planned: int,
                 meetings_planned: int) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]]]:
    """Every attendance table from the pseudonymised sheets (pure; used by the stage driver and tests)."""
    roster = roster_of(people, members)
    wt = _pad_sessions(wide_trainings.copy(), "training", trainings_planned)
    wm = _pad_sessions(wide_meetings.copy(), "meeting", meetings_planned)
    trainings, t_counts = link(wt, roster, "training")
    meetings, m_counts = link(wm, roster, "meeting")
    held = meetings_held(meetings, mentors_only=groups_without_participants_on_sheet(wm.index, roster))
    persons = per_person(trainings, meetings, roster, meetings_planned, held)
    groups = per_group(held, roster, meetings_planned, persons)
    sessions = pd.concat([per_session(trainings, "training"), per_session(meetings, "meeting", held)],
                         ignore_index=True)
    dropout = pd.concat([dropout_curve(trainings, "training"), dropout_curve(meetings, "meeting")],
                        ignore_index=True)
    tables = {"trainings": trainings, "meetings": meetings, "per_person": persons, "per_group": groups,
              "per_meeting": sessions, "meetings_held": held, "dropout": dropout, "roster": roster}
    return tables, {"training": t_counts, "meeting": m_counts}


def load_tables(ctx: "StageContext") -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]], list]:
    """Read the sheets and upstream tables and build the attendance tables (nothing written)."""
    people = ctx.read("registrations/people")
    members = ctx.read("groups/members", optional=True)  # groups not run (unit use): nobody has a group
    wt, t_info = _read_kind(ctx, "training")
    wm, m_info = _read_kind(ctx, "meeting")
    prog = ctx.config.programme
    tables, counts = build_tables(wt, wm, people, members, trainings_planned=prog.trainings,
                                  meetings_planned=prog.meetings_planned)
    return tables, counts, [("training", t_info), ("meeting", m_info)]


def save(ctx: "StageContext", tables: dict[str, pd.DataFrame], counts: dict, infos: list) -> None:
    """Write the tables of :func:`load_tables` and the data-quality records."""
    for name, df in tables.items():
        ctx.write(f"attendance/{name}", df)
    record_quality(ctx, counts, infos, tables["roster"])


def summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Headline figures (aggregates only): one row per measure, with its value."""
    pp = tables["per_person"]
    groups = tables["per_group"]
    mentors = pp[pp["role"] == "mentor"]
    parts = pp[pp["role"] == "participant"]
    planned = int(pp["meetings_planned"].iloc[0]) if len(pp) else 0
    rows = [
        ("Accepted mentors", len(mentors)),
        ("Accepted participants", len(parts)),
        ("Mentors' mean trainings attended", round(float(mentors["trainings_attended"].mean()), 2)
         if len(mentors) else float("nan")),
        ("Mentors at every training",
         int((mentors["trainings_attended"] == mentors["trainings_total"]).sum())),
        ("Groups", len(groups)),
        ("Meetings planned per group", planned),
        ("Mean meetings held per group", round(float(groups["meetings_held"].mean()), 2)
         if len(groups) else float("nan")),
        ("Groups that met fewer times than planned", int(groups["fewer_than_planned"].sum())),
        ("Participants who attended no meeting", int((parts["meetings_attended"] == 0).sum())),
        ("Participants' mean meetings attended", round(float(parts["meetings_attended"].mean()), 2)
         if len(parts) else float("nan")),
        ("Participants who dropped out", int(parts["dropped_out"].sum())),
    ]
    # object column: counts stay whole numbers next to the means
    return pd.DataFrame({"measure": [r[0] for r in rows],
                         "value": pd.Series([r[1] for r in rows], dtype=object)})


def curve_series(tables: dict[str, pd.DataFrame], *, kind: str = "meeting",
                 role: str = "participant") -> dict[str, pd.Series]:
    """Percent attending and percent still taking part per session: input of
    :func:`mentoring_lib.outputs.charts.attendance_curve`."""
    d = tables["dropout"]
    d = d[(d["kind"] == kind) & (d["role"] == role)].sort_values("session_index")
    idx = pd.Index(d["session"].astype(str).tolist(), name="session")
    return {"Attended": pd.Series((d["attended_rate"] * 100).to_numpy(), index=idx),
            "Still taking part": pd.Series((d["retained_rate"] * 100).to_numpy(), index=idx)}


def quality_frame(ctx: "StageContext") -> pd.DataFrame:
    """This stage's data-quality records as a table (rows read, kept, excluded by reason)."""
    import json

    path = ctx.out.quality / f"{ctx.stage}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    rows = [{"input": k, "rows_read": v["rows_read"], "kept": v["kept"],
             "excluded": "; ".join(f"{r}: {n}" for r, n in v["excluded"].items()) or "none",
             "notes": " | ".join(v["notes"])} for k, v in sorted(data.items())]
    return pd.DataFrame(rows, columns=["input", "rows_read", "kept", "excluded", "notes"])


def record_quality(ctx: "StageContext", counts: dict[str, dict[str, int]], infos: list,
                   roster: pd.DataFrame) -> None:
    """One data-quality record per attendance input: rows read, kept, excluded by reason."""
    role_word = {"training": "accepted mentors", "meeting": "accepted mentors and participants"}
    for kind, items in infos:
        for input_id, info in items:
            c = sheet_counts(info["person_ids"], roster, kind)
            excluded = {k: v for k, v in {
                "not an accepted registration": c["not_accepted"],
                "accepted, but not expected on this sheet (other role)": c["wrong_role"],
                "no e-mail and no ticks": info["no_email"],
                "repeated row of the same person (ticks merged)": info["duplicate_rows"],
            }.items() if v}
            notes = list(info["notes"])
            if info["headers"]:
                notes.append("sessions: " + ", ".join(f"'{h}' = {lbl}" for h, lbl in info["headers"].items()))
            if c["not_accepted"]:
                notes.append(f"{c['not_accepted']} row(s) did not match an accepted registration: left out "
                             "(if they should count, check the e-mail matches the one registered)")
            missing = counts[kind]["missing_from_sheet"]
            if missing:
                notes.append(f"{missing} {role_word[kind]} not on the {kind} sheet(s): counted as "
                             "attending none")
            ctx.record_quality(input_id, rows_read=info["rows_read"], kept=c["kept"], excluded=excluded,
                               notes=notes)
