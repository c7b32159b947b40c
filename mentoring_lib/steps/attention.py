"""The "Needs your attention" list at the end of a run: what the coordinator must act on.

Collected from the private stage tables of a finished run (nothing is recomputed): certificates
held back from the mail merge or with a name in lower case / ALL CAPS (the certificates stage's
``attention`` table), participants placed in no group, groups outside ``groups.min_size`` ..
``groups.max_size`` participants, and group-meeting attendance ticked for people who are in no
group (not counted in the evaluation). The console shows counts and where to look, never a name;
the names are in ``private/needs_attention.xlsx`` (identity domain, one sheet per kind), and the
run's private details record the counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig

WORKBOOK = "needs_attention.xlsx"


@dataclass(frozen=True)
class Attention:
    """One kind of thing to act on: how many, what it is, where the names are, what to do."""

    sheet: str
    count: int
    what: str
    todo: str

    def line(self) -> str:
        return f"{self.count} {self.what} (sheet '{self.sheet}'): {self.todo}"

    def record(self) -> dict:
        return {"sheet": self.sheet, "count": self.count, "what": self.what, "todo": self.todo}


def _table(private: Path, stage: str, name: str) -> pd.DataFrame | None:
    path = private / "tables" / stage / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def placed_people(members: pd.DataFrame | None) -> pd.Index:
    """``person_id`` of everyone in a group (mentors and participants)."""
    if members is None or "group" not in members:
        return pd.Index([], dtype="str", name="person_id")
    return pd.Index(members.loc[members["group"].notna(), "person_id"].astype("str").unique(), name="person_id")


def unplaced_participants(members: pd.DataFrame | None) -> pd.DataFrame:
    """Participants the groups stage placed in no group: ``person_id``, ``reason``."""
    if members is None or members.empty:
        return pd.DataFrame({"person_id": pd.Series(dtype="str"), "reason": pd.Series(dtype="str")})
    out = members.loc[(members["role"] == "participant") & members["group"].isna()]
    reason = out["reason"].astype("str") if "reason" in out else pd.Series("", index=out.index)
    return pd.DataFrame({"person_id": out["person_id"].astype("str"), "reason": reason}).reset_index(drop=True)


def groups_out_of_size(members: pd.DataFrame | None, min_size: int, max_size: int) -> pd.DataFrame:
    """Groups whose number of participants is outside ``min_size``..``max_size``: ``group``,
    ``participants``, ``allowed``."""
    cols = {"group": pd.Series(dtype="str"), "participants": pd.Series(dtype="int64"),
            "allowed": pd.Series(dtype="str")}
    if members is None or members.empty:
        return pd.DataFrame(cols)
    in_group = members.loc[members["group"].notna()]
    label = in_group["group"]
    # group numbers (Int64, or float where a missing group made the column float) as "1", "2", ...
    label = (label.astype("Int64") if pd.api.types.is_numeric_dtype(label) else label).astype("str")
    groups = sorted(label.unique(), key=lambda g: (len(g), g))
    is_part = in_group["role"] == "participant"
    sizes = in_group.loc[is_part].groupby(label[is_part])["person_id"].nunique().reindex(groups, fill_value=0)
    bad = sizes[(sizes < min_size) | (sizes > max_size)]
    return pd.DataFrame({"group": bad.index.astype("str"), "participants": bad.to_numpy(dtype="int64"),
                         "allowed": f"{min_size}-{max_size}"})


def attendance_without_group(meetings: pd.DataFrame | None, members: pd.DataFrame | None) -> pd.DataFrame:
    """People with group meetings ticked who are in no group: ``person_id``, ``meetings_ticked``.

    Their ticks are not counted anywhere in the evaluation (funnel, attendance): a person in no
    group had no group meetings to attend."""
    empty = pd.DataFrame({"person_id": pd.Series(dtype="str"), "meetings_ticked": pd.Series(dtype="int64")})
    if meetings is None or meetings.empty:
        return empty
    ticked = meetings.loc[meetings["attended"].fillna(False).astype(bool)]
    ticked = ticked.loc[~ticked["person_id"].astype("str").isin(placed_people(members))]
    if ticked.empty:
        return empty
    n = ticked.groupby(ticked["person_id"].astype("str"))["session"].nunique()
    return pd.DataFrame({"person_id": n.index, "meetings_ticked": n.to_numpy(dtype="int64")})


def collect(private: Path, config: "TermConfig") -> tuple[list[Attention], dict[str, pd.DataFrame]]:
    """The attention items of a run's private area and their sheets (person_id keyed; see :func:`named`)."""
    members = _table(private, "groups", "members")
    meetings = _table(private, "attendance", "meetings")
    certs = _table(private, "certificates", "attention")
    g = config.groups
    items: list[Attention] = []
    sheets: dict[str, pd.DataFrame] = {}
    if certs is not None and len(certs):
        from mentoring_lib.steps.certificates import ATTENTION_ISSUES

        held = int((certs["issue"] == ATTENTION_ISSUES["held_back"]).sum())
        if held:
            items.append(Attention("Certificates", held, "certificate(s) held back from mail_merge.csv: the name "
                                   "has characters no certificate font can show",
                                   "fix the name, add a font (certificates.font_paths) or check the PDF and "
                                   "write 'Name checked: yes' in the overrides file"))
        if len(certs) > held:
            items.append(Attention("Certificates", len(certs) - held, "certificate name(s) in lower case or ALL CAPS",
                                   "correct the name in the registration export if it should be printed "
                                   "otherwise"))
        sheets["Certificates"] = certs
    unplaced = unplaced_participants(members)
    if len(unplaced):
        items.append(Attention("Unplaced participants", len(unplaced), "accepted participant(s) in no group",
                               "place them by hand in a roster file (input kind roster) or tell them"))
        sheets["Unplaced participants"] = unplaced
    sizes = groups_out_of_size(members, g.min_size, g.max_size)
    if len(sizes):
        items.append(Attention("Group sizes", len(sizes),
                               f"group(s) outside groups.min_size..max_size ({g.min_size}-{g.max_size} participants)",
                               "move participants between groups in a roster file or accept the sizes"))
        sheets["Group sizes"] = sizes
    stray = attendance_without_group(meetings, members)
    if len(stray):
        items.append(Attention("Attendance, no group", len(stray),
                               "people with group meetings ticked who are in no group (not counted)",
                               "add them to a group in a roster file, or remove the ticks"))
        sheets["Attendance, no group"] = stray
    return items, sheets


def named(sheets: dict[str, pd.DataFrame], identity: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The sheets with each person's name, e-mail and role from the identity table (private)."""
    out = {}
    for title, df in sheets.items():
        if "person_id" in df and identity is not None:
            ident = identity.drop_duplicates("person_id").set_index("person_id")
            cols = [c for c in ("name", "email", "role") if c in ident]
            df = df.join(ident[cols], on="person_id")
            df = df[[*cols, *[c for c in df.columns if c not in cols and c != "person_id"]]]
        out[title] = df.rename(columns=lambda c: str(c).replace("_", " ").capitalize()).reset_index(drop=True)
    return out


def write(private: Path, config: "TermConfig") -> list[Attention]:
    """Collect the list and write ``private/needs_attention.xlsx`` (removed when nothing needs attention)."""
    from mentoring_lib.io import spreadsheets

    items, sheets = collect(private, config)
    path = private / WORKBOOK
    if not items:
        path.unlink(missing_ok=True)
        return items
    ident_path = private / "identity" / "people.parquet"
    identity = pd.read_parquet(ident_path) if ident_path.is_file() else None
    spreadsheets.write_xlsx(named(sheets, identity), path)
    return items


def echo_list(items: list[Attention], private: Path, echo: Callable[[str], None] = print) -> None:
    """The console list: counts and where to look, no names."""
    echo("")
    if not items:
        echo("Needs your attention: nothing.")
        return
    echo(f"Needs your attention (names in {private / WORKBOOK}, personal data):")
    for item in items:
        echo(f"  - {item.line()}")
