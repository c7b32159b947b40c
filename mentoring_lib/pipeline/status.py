"""During the term: ``mentoring status --config FILE [--as-of DATE]``.

From the exports so far (registrations, trainings and group-meeting sheets, surveys) the status run
says, per group, which meetings were due by the as-of date, which of them were held, how many weeks
have passed since the group last met and how many participants came to its last two due meetings;
per mentor, the trainings attended; per survey, the response so far (who is asked: the role of the
survey's codebook mapping). A meeting dated after the as-of date is "not yet due", never "missed",
whatever its column holds.

The config's ``alerts:`` rules (:class:`~mentoring_lib.config.AlertRules`) turn a group's figures
into alerts. The run prints one line per alert naming the group's number only (no names: the
console goes to cron mail) and exits :data:`EXIT_ALERTS` (10) when there is an alert, 0 otherwise.

Everything it writes is private and lives in ``reports/<term>/status/`` (``0700``, files ``0600``),
outside the published run: ``status.html`` (the coordinator's page), ``status.xlsx`` (the same
tables) and ``reminders/<survey>.csv``, a mail-merge list per open survey (``surveys:`` in the
config) of the accepted people who have not answered yet, with the survey's link. The published
report, ``public/`` and ``private/`` are never touched. The registration and grouping stages are
computed afresh in a temporary folder inside ``status/`` and removed afterwards.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

import pandas as pd

from mentoring_lib.errors import ConfigError

if TYPE_CHECKING:
    from mentoring_lib.config import AlertRules, TermConfig

#: Exit code of a status run that raised at least one alert (for cron).
EXIT_ALERTS = 10
#: The status run's folder under ``reports/<term>/``.
STATUS_DIR = "status"

HELD = "held"
MISSED = "missed"
NOT_YET_DUE = "not yet due"

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


# -- dates ---------------------------------------------------------------------------------------

def header_date(header: str) -> dt.date | None:
    """The date written in a session column's header ("Meeting 3 (2026-11-03)", "Tapaaminen 3
    3.11.2026"), or None."""
    m = _ISO.search(str(header))
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _DMY.search(str(header))
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def session_dates(labels: Sequence[str], headers: Mapping[str, str], configured: Sequence[dt.date],
                  *, key: str) -> dict[str, dt.date | None]:
    """Session label ("Meeting 3") -> its date: the config's list (``key``) when given, else the date
    in the session's column header; None for a session with neither (it is never due)."""
    if configured:
        if len(configured) < len(labels):
            raise ConfigError(f"lists {len(configured)} dates for {len(labels)} sessions", key=key,
                              hint="give every session a date, in order")
        return {label: configured[i] for i, label in enumerate(labels)}
    by_label = {label: header_date(h) for h, label in headers.items()}
    return {label: by_label.get(label) for label in labels}


def weeks_between(earlier: dt.date, later: dt.date) -> float:
    return round((later - earlier).days / 7, 1)


# -- groups --------------------------------------------------------------------------------------

def meeting_grid(held: pd.DataFrame, dates: Mapping[str, dt.date | None], as_of: dt.date) -> pd.DataFrame:
    """One row per group and meeting: group, session, session_index, date, state (held / missed /
    not yet due), participants_present (None when not yet due)."""
    g = held[["group", "session", "session_index", "held", "participants_present"]].copy()
    g["date"] = g["session"].map(dates)
    due = g["date"].map(lambda d: d is not None and not pd.isna(d) and d <= as_of).astype(bool)
    g["state"] = NOT_YET_DUE
    g.loc[due & g["held"], "state"] = HELD
    g.loc[due & ~g["held"], "state"] = MISSED
    g["participants_present"] = g["participants_present"].astype("Int64").where(due)
    g["group"] = g["group"].astype(str)
    cols = ["group", "session", "session_index", "date", "state", "participants_present"]
    return g.sort_values(["group", "session_index"], key=_group_order, kind="stable")[cols].reset_index(drop=True)


def _group_order(s: pd.Series) -> pd.Series:
    """Groups in number order (2 before 10); other labels after them, alphabetically."""
    if s.name != "group":
        return s
    return s.map(lambda g: (0, int(g), "") if str(g).isdigit() else (1, 0, str(g)))


GROUP_COLUMNS = ["group", "meetings_due", "meetings_held", "meetings_missed", "meetings_not_yet_due",
                 "last_met", "weeks_since_last_meeting", "missed_in_a_row", "participants_previous_due",
                 "participants_last_due", "next_meeting"]


def group_status(grid: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per group (columns :data:`GROUP_COLUMNS`): meetings due, held, missed and not yet due by
    ``as_of``; the date of its last held meeting and the weeks since (None if it never met);
    due meetings missed in a row up to ``as_of``; participants at its last two due meetings; the date
    of its next meeting."""
    rows = []
    for group, g in grid.groupby("group", sort=False):
        due = g[g["state"] != NOT_YET_DUE]
        held = due[due["state"] == HELD]
        last_met = held["date"].max() if len(held) else None
        streak = 0
        for state in reversed(due["state"].tolist()):
            if state != MISSED:
                break
            streak += 1
        present = due["participants_present"].tolist()
        upcoming = g.loc[(g["state"] == NOT_YET_DUE) & g["date"].notna(), "date"]
        rows.append({
            "group": group, "meetings_due": len(due), "meetings_held": len(held),
            "meetings_missed": int((due["state"] == MISSED).sum()),
            "meetings_not_yet_due": int((g["state"] == NOT_YET_DUE).sum()),
            "last_met": last_met,
            "weeks_since_last_meeting": weeks_between(last_met, as_of) if last_met else None,
            "missed_in_a_row": streak,
            "participants_previous_due": int(present[-2]) if len(present) >= 2 else None,
            "participants_last_due": int(present[-1]) if present else None,
            "next_meeting": upcoming.min() if len(upcoming) else None,
        })
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


@dataclass(frozen=True)
class Alert:
    group: str
    rule: str
    message: str

    def line(self) -> str:
        """The console line: the group's number and the rule, never a name."""
        return f"ALERT group {self.group}: {self.message}"


def find_alerts(groups: pd.DataFrame, grid: pd.DataFrame, rules: "AlertRules", as_of: dt.date) -> list[Alert]:
    """The alerts the config's rules raise on :func:`group_status`'s table, group by group."""
    alerts: list[Alert] = []
    for row in groups.itertuples(index=False):
        g = grid[(grid["group"] == row.group) & (grid["state"] != NOT_YET_DUE)]
        if rules.no_meeting_weeks is not None and row.missed_in_a_row >= 1:
            since = row.last_met if row.last_met else g["date"].min()
            weeks = weeks_between(since, as_of)
            if weeks >= rules.no_meeting_weeks:
                what = f"last met {row.last_met}" if row.last_met else f"has not met since its first meeting ({since})"
                alerts.append(Alert(row.group, "no_meeting_weeks",
                                    f"no meeting for {weeks:g} weeks ({what}; rule: {rules.no_meeting_weeks:g} weeks)"))
        if rules.missed_meetings is not None and row.missed_in_a_row >= rules.missed_meetings:
            alerts.append(Alert(row.group, "missed_meetings",
                                f"missed its last {row.missed_in_a_row} due meetings (rule: {rules.missed_meetings})"))
        prev, last = row.participants_previous_due, row.participants_last_due
        if rules.attendance_drop is not None and prev is not None and last is not None and prev > 0 \
                and (prev - last) / prev >= rules.attendance_drop:
            alerts.append(Alert(row.group, "attendance_drop",
                                f"participants at the last due meeting fell from {prev} to {last} "
                                f"(rule: a drop of {rules.attendance_drop:.0%} or more)"))
    return alerts


# -- mentors -------------------------------------------------------------------------------------

def mentor_trainings(trainings: pd.DataFrame, dates: Mapping[str, dt.date | None], as_of: dt.date,
                     identity: pd.DataFrame) -> pd.DataFrame:
    """Per accepted mentor (private: names): group, trainings due by ``as_of``, attended of them,
    attended in all (a training without a date counts as due)."""
    t = trainings[trainings["role"] == "mentor"].copy()
    t["due"] = t["session"].map(lambda s: (d := dates.get(s)) is None or d <= as_of).astype(bool)
    agg = t.groupby("person_id").agg(group=("group", "first"), trainings_due=("due", "sum"),
                                    trainings_attended=("attended", "sum"))
    due_attended = t[t["due"] & t["attended"]].groupby("person_id").size()
    agg["attended_of_due"] = agg.index.map(due_attended).fillna(0).astype(int)
    names = identity.drop_duplicates("person_id").set_index("person_id")
    agg = agg.join(names[["name", "email"]], how="left")
    out = agg.reset_index()[["name", "email", "group", "trainings_due", "attended_of_due", "trainings_attended"]]
    return out.astype({"trainings_due": int, "trainings_attended": int}).sort_values(
        ["group", "name"], key=_group_order, kind="stable").reset_index(drop=True)


# -- surveys -------------------------------------------------------------------------------------

SURVEY_COLUMNS = ["survey", "kind", "state", "audience", "asked", "answered", "response_rate", "link", "closes"]
REMINDER_COLUMNS = ["first_name", "name", "email", "role", "survey", "link", "closes"]


def default_audience(item, codebook) -> list[str]:
    """Who a survey asks: the role of its codebook mapping, else mentors for mentor_feedback and
    participants for the other kinds."""
    if codebook is not None:
        try:
            return [codebook.survey_for(item.id, item.kind).role]
        except ConfigError:
            pass
    return ["mentor"] if item.kind == "mentor_feedback" else ["participant"]


def is_open(window, as_of: dt.date) -> bool:
    return window is not None and (window.opens is None or window.opens <= as_of) and \
        (window.closes is None or as_of <= window.closes)


def survey_response(asked: pd.DataFrame, answered_ids: Sequence[str] | None) -> tuple[int, float | None, pd.DataFrame]:
    """(answered, rate, not yet answered) for the people ``asked`` (person_id, ...) and the
    pseudonyms that answered (None: no export yet, so nobody is listed)."""
    if answered_ids is None:
        return 0, None, asked.iloc[0:0]
    done = asked["person_id"].isin(set(answered_ids))
    rate = float(done.mean()) if len(asked) else None
    return int(done.sum()), rate, asked[~done]


def answered_by(respondents: pd.DataFrame, as_of: dt.date) -> list[str]:
    """Pseudonyms of the respondents who answered on or before ``as_of`` (in the term's time zone; a
    response without a readable time counts)."""
    when = respondents["submitted_at"]
    day = when.map(lambda t: t.date() if not pd.isna(t) else None)
    keep = day.isna() | day.map(lambda d: d is None or d <= as_of).astype(bool)
    return respondents.loc[keep, "person_id"].tolist()


def survey_status(config: "TermConfig", key: bytes, identity: pd.DataFrame,
                  as_of: dt.date) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Per survey input: who is asked, how many answered so far and the rate; and, per survey open on
    ``as_of`` (``surveys:`` in the config), the reminder list (:data:`REMINDER_COLUMNS`)."""
    from mentoring_lib.steps.feedback import load_survey_codebook, read_survey, survey_inputs
    from mentoring_lib.io.normalise import greeting_names

    accepted = identity[identity["status"] == "accepted"].drop_duplicates("person_id")
    rows, reminders = [], {}
    items = survey_inputs(config)
    codebook = load_survey_codebook(config) if items and config.codebook else None
    for item in items:
        window = config.surveys.get(item.id)
        audience = list(window.audience) if window and window.audience else default_audience(item, codebook)
        asked = accepted[accepted["role"].isin(audience)]
        path = config.input_path(item)
        answered_ids = (answered_by(read_survey(config, item, codebook, key).respondents, as_of)
                        if path.exists() and codebook is not None else None)
        n_answered, rate, missing = survey_response(asked, answered_ids)
        open_now = is_open(window, as_of)
        state = ("open" if open_now else "closed" if window and window.closes and as_of > window.closes
                 else "not open yet" if window and window.opens and as_of < window.opens else "no dates")
        if answered_ids is None:
            state += ", no export yet"
        rows.append({"survey": item.id, "kind": item.kind, "state": state, "audience": ", ".join(audience),
                     "asked": len(asked), "answered": n_answered if answered_ids is not None else None,
                     "response_rate": rate, "link": window.link if window else "",
                     "closes": window.closes if window else None})
        if open_now and window is not None and answered_ids is not None:  # open_now: window is set
            first = greeting_names(missing["name"], missing.get("first_name"))
            reminders[item.id] = pd.DataFrame({
                "first_name": first.fillna("").to_numpy(), "name": missing["name"].to_numpy(),
                "email": missing["email"].to_numpy(), "role": missing["role"].to_numpy(), "survey": item.id,
                "link": window.link, "closes": str(window.closes or "")}, columns=REMINDER_COLUMNS
            ).sort_values(["role", "name"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(rows, columns=SURVEY_COLUMNS), reminders


# -- the run -------------------------------------------------------------------------------------

@dataclass
class StatusResult:
    as_of: dt.date
    groups: pd.DataFrame
    grid: pd.DataFrame
    mentors: pd.DataFrame
    surveys: pd.DataFrame
    reminders: dict[str, pd.DataFrame]
    alerts: list[Alert]
    files: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_ALERTS if self.alerts else 0


def compute_status(config: "TermConfig", as_of: dt.date, work_dir: Path) -> StatusResult:
    """Every status table, computing registrations and groups in-process in ``work_dir`` (private)."""
    from mentoring_lib.steps import attendance
    from mentoring_lib.pipeline.context import OutputPaths, StageContext, run_in_process

    ctx = StageContext("registrations", config, OutputPaths(work_dir).ensure(), interactive=True)
    run_in_process(ctx)
    run_in_process(ctx.for_stage("groups"))
    tables, _, infos = attendance.load_tables(ctx.for_stage("attendance"))
    headers = {kind: {h: label for _, info in items for h, label in info["headers"].items()}
               for kind, items in infos}
    held = tables["meetings_held"]
    meeting_labels = sorted(held["session"].unique(), key=lambda s: int(str(s).rsplit(" ", 1)[-1]))
    m_dates = session_dates(meeting_labels, headers["meeting"], config.programme.meeting_dates,
                            key="programme.meeting_dates")
    training_labels = sorted(tables["trainings"]["session"].unique(), key=lambda s: int(str(s).rsplit(" ", 1)[-1]))
    t_dates = session_dates(training_labels, headers["training"], config.programme.training_dates,
                            key="programme.training_dates")
    grid = meeting_grid(held, m_dates, as_of)
    groups = group_status(grid, as_of)
    alerts = find_alerts(groups, grid, config.alerts, as_of)
    identity = pd.read_parquet(work_dir / "private" / "identity" / "people.parquet")
    mentors = mentor_trainings(tables["trainings"], t_dates, as_of, identity)
    surveys, reminders = survey_status(config, ctx.key, identity, as_of)
    return StatusResult(as_of, groups, grid, mentors, surveys, reminders, alerts)


def _page(result: StatusResult, config: "TermConfig") -> str:
    def table(df: pd.DataFrame) -> str:
        return df.to_html(index=False, na_rep="", escape=True, border=0)

    e = html.escape
    alerts = "".join(f"<li>{e(a.line())}</li>" for a in result.alerts) or "<li>No alerts.</li>"
    grid = result.grid.pivot(index="group", columns="session", values="state")
    grid = grid[sorted(grid.columns, key=lambda s: int(str(s).rsplit(" ", 1)[-1]))]
    grid = grid.reindex(result.groups["group"]).reset_index()
    sections = [("Alerts", f"<ul>{alerts}</ul>"), ("Groups", table(result.groups)),
                ("Meetings by group", table(grid)), ("Mentors' trainings", table(result.mentors)),
                ("Surveys", table(result.surveys))]
    body = "".join(f"<h2>{e(t)}</h2>{b}" for t, b in sections)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>Status of {e(config.term.title)} on {result.as_of}</title><style>"
            "body{font-family:sans-serif;margin:1.5em;max-width:70em}table{border-collapse:collapse}"
            "td,th{border-bottom:1px solid #ccc;padding:.2em .6em;text-align:left}</style></head><body>"
            f"<h1>Status of {e(config.term.title)} on {result.as_of}</h1>"
            "<p>Private: names the term's mentors. Meetings dated after the as-of date are "
            "&ldquo;not yet due&rdquo;.</p>" + body + "</body></html>\n")


def write_outputs(result: StatusResult, config: "TermConfig", status_dir: Path) -> list[Path]:
    """The private status page, sheet and reminder lists (stale reminder lists are removed)."""
    from mentoring_lib.pipeline.publish import private_dir, restrict_tree
    from mentoring_lib.io.spreadsheets import write_csv, write_xlsx

    private_dir(status_dir)
    page = status_dir / "status.html"
    tmp = page.with_suffix(".html.tmp")
    tmp.write_text(_page(result, config), encoding="utf-8")
    os.replace(tmp, page)
    sheet = write_xlsx({"Groups": result.groups, "Meetings": result.grid, "Mentors": result.mentors,
                        "Surveys": result.surveys,
                        "Alerts": pd.DataFrame([vars(a) for a in result.alerts], columns=["group", "rule", "message"])},
                       status_dir / "status.xlsx")
    files = [page, Path(sheet)]
    reminders_dir = private_dir(status_dir / "reminders")
    for old in reminders_dir.glob("*.csv"):
        if old.stem not in result.reminders:
            old.unlink()
    for survey, frame in result.reminders.items():
        files.append(Path(write_csv(frame, reminders_dir / f"{survey}.csv")))
    restrict_tree(status_dir)
    return files


def run_status(config_path: str | os.PathLike, as_of: dt.date | None = None) -> StatusResult:
    """``mentoring status``: compute, write the private outputs, return the result (see the module)."""
    from mentoring_lib.config import load_config
    from mentoring_lib.pipeline.publish import private_dir

    config = load_config(config_path)
    as_of = as_of or dt.datetime.now(config.term.tz).date()
    status_dir = private_dir(config.term_dir / STATUS_DIR)
    with tempfile.TemporaryDirectory(dir=status_dir, prefix=".work-") as work:
        os.chmod(work, 0o700)
        result = compute_status(config, as_of, Path(work))
    result.files = write_outputs(result, config, status_dir)
    return result


def console_lines(result: StatusResult) -> list[str]:
    """What the command prints: a summary, one line per alert, the survey response (no names)."""
    g = result.groups
    lines = [f"Status on {result.as_of}: {len(g)} groups, {int(g['meetings_due'].sum())} meetings due, "
             f"{int(g['meetings_held'].sum())} held, {int(g['meetings_missed'].sum())} missed."]
    lines += [a.line() for a in result.alerts]
    for s in result.surveys.itertuples(index=False):
        if s.response_rate is not None and not pd.isna(s.response_rate) and not s.state.startswith("not open"):
            lines.append(f"Survey {s.survey} ({s.state}): {s.answered} of {s.asked} answered "
                         f"({s.response_rate:.0%}).")
    return lines
