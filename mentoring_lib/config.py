"""The term config: YAML loaded into a validated, typed object.

One file describes one term: its dates, places, input exports (kind, survey tool and
column mapping), certificate rules, privacy thresholds and report texts. Relative paths
are resolved against the folder holding the config file, so ``config/demo.yml`` can say
``data_dir: ../data/demo``. Unknown keys, wrong types and impossible dates raise
:class:`~mentoring_lib.errors.ConfigError` (exit 2) naming the key's path and a hint.

The config holds no secrets: the pseudonym key comes from the environment or a key file
(see :mod:`mentoring_lib.privacy.pseudonym`).
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mentoring_lib.errors import ConfigError, raise_config_errors

#: Env var that redirects every term's reports folder (tests and sandboxes use it).
REPORTS_ROOT_ENV = "MENTORING_REPORTS_ROOT"

InputKind = Literal[
    "mentor_registrations",
    "participant_registrations",
    "training_attendance",
    "group_attendance",
    "support_attendance",
    "fidelity_log",
    "feedback_before",
    "feedback_after",
    "feedback_session",
    "mentor_feedback",
    "withdrawals",
    "roster",
]
SurveyTool = Literal[
    "microsoft_forms", "google_forms", "webropol", "qualtrics", "limesurvey", "surveymonkey", "csv", "xlsx", "auto",
]
DateOrder = Literal["auto", "dmy", "mdy", "iso"]

#: The workbook fields an input's ``columns:`` may map, per input kind (anything else is refused,
#: so a misspelt field is not silently ignored). Registration fields are read by
#: :mod:`mentoring_lib.steps.registration_inputs`; survey fields override the codebook's columns.
_REGISTRATION_FIELDS = ("name", "first_name", "last_name", "email", "submitted_at", "school", "doctoral_programme",
                        "doctoral_year", "languages", "availability", "motivation", "consent")
_SURVEY_FIELDS = ("email", "submitted_at", "finished")
COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "mentor_registrations": _REGISTRATION_FIELDS,
    "participant_registrations": _REGISTRATION_FIELDS,
    "training_attendance": ("name", "email"),
    "group_attendance": ("name", "email"),
    "support_attendance": ("name", "email"),
    "fidelity_log": ("group", "meeting", "topic"),
    "feedback_before": _SURVEY_FIELDS,
    "feedback_after": _SURVEY_FIELDS,
    "feedback_session": _SURVEY_FIELDS,
    "mentor_feedback": _SURVEY_FIELDS,
    "withdrawals": ("email", "date", "role", "reason"),
    "roster": ("group", "slot", "role", "email", "name"),
}

#: Minimum thresholds that no config may go below (design: privacy domains).
MIN_COUNT_FLOOR = 3
MIN_BASE_FLOOR = 5

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class TermSection(_Model):
    name: str = Field(description="Short id of the term, used for reports/<name>/ (a-z, 0-9, - and _).")
    title: str = Field(description="Human-readable term title, e.g. 'Autumn 2026'.")
    start: dt.date
    end: dt.date
    timezone: str = "Europe/Helsinki"
    language: str = "English"
    #: Short id of the university running the term (summary.json, `mentoring compare`); default: the
    #: report's organisation as a slug.
    university: str | None = None

    @field_validator("name", "university")
    @classmethod
    def _slug(cls, v: str | None) -> str | None:
        if v is not None and not SLUG.match(v):
            raise ValueError("use lower-case letters, digits, '-' and '_' only (it names a folder)")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{v}'; use an IANA name such as Europe/Helsinki") from None
        return v

    @model_validator(mode="after")
    def _order(self) -> "TermSection":
        if self.end < self.start:
            raise ValueError(f"term ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TestSubmissionRules(_Model):
    """Rules that mark a registration as a test submission (excluded, with this reason)."""

    email_patterns: list[str] = Field(default_factory=lambda: [r"^test[@+.]", r"@example\.invalid$"])
    name_patterns: list[str] = Field(default_factory=lambda: [r"^\s*(test|testi|asdf)\b"])

    @field_validator("email_patterns", "name_patterns")
    @classmethod
    def _regex(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"'{p}' is not a valid regular expression ({e})") from None
        return v


#: Consent answers that count as agreement unless the term lists its own (compared case-insensitively
#: after trimming): yes/no questions in English, Finnish and Swedish, LimeSurvey's Y code, checkbox
#: values (1/true), and the option texts forms use for an "I agree" box.
DEFAULT_CONSENT_ACCEPTED: tuple[str, ...] = (
    "yes", "y", "kyllä", "ja", "true", "1", "I agree", "I consent", "I accept", "agree",
    "hyväksyn", "suostun", "jag godkänner", "jag samtycker",
)


class RegistrationSection(_Model):
    mentor_deadline: dt.date
    participant_deadline: dt.date
    #: True: the whole deadline day counts (until 23:59:59 in the term's time zone).
    deadline_includes_whole_day: bool = True
    mentor_places: Annotated[int, Field(ge=2)]
    participant_places: Annotated[int, Field(ge=1)]
    test_submissions: TestSubmissionRules = TestSubmissionRules()
    #: Time zone of the deadline day (default: the term's time zone).
    deadline_timezone: str | None = None
    #: Withdrawals dated after this day free no place for the wait-list (None: all promote).
    promote_until: dt.date | None = None
    #: Fields that must be answered for a submission to count as complete (others are duplicates
    #: of a complete one, or excluded as incomplete). Only fields the input maps are checked.
    complete_requires: list[str] = Field(default_factory=lambda: ["name", "email"])
    #: Answers to the consent question that count as agreement (case-insensitive, trimmed). An answer
    #: repeating the question's own text (a ticked box in Microsoft or Google Forms) counts too;
    #: any other answer excludes the row with the reason "no consent".
    consent_accepted: list[str] = Field(default_factory=lambda: list(DEFAULT_CONSENT_ACCEPTED), min_length=1)

    @field_validator("consent_accepted", mode="before")
    @classmethod
    def _consent_values(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        out: list[Any] = []
        for a in v:
            # Unquoted, YAML reads yes/true/on as the boolean true, and no/false/off as false.
            if a is True:
                out += ["yes", "true", "on"]
            elif a is False:
                raise ValueError("'no' (or false/off) would count as consent: remove it, or quote it if meant")
            elif a is None or not str(a).strip():
                raise ValueError("a blank answer cannot count as consent: remove the empty entry")
            else:
                out.append(str(a) if isinstance(a, (int, float)) else a)
        return out

    #: The university's e-mail domains (subdomains included): a registration from another domain
    #: is kept but noted in the data-quality record, to check before the mail merge. Empty: no check.
    email_domains: list[str] = Field(default_factory=list)

    @field_validator("email_domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        out = [d.strip().lstrip("@").casefold() for d in v]
        for d in out:
            if not re.fullmatch(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}", d):
                raise ValueError(f"'{d}' is not an e-mail domain; write e.g. helsinki.fi (without the name@)")
        return out

    @field_validator("deadline_timezone")
    @classmethod
    def _deadline_tz(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone '{v}'; use an IANA name such as Europe/Helsinki") from None
        return v

    @field_validator("mentor_places")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError("mentors work in pairs: use an even number of mentor places")
        return v


class GroupsSection(_Model):
    count: Annotated[int, Field(ge=1)]
    target_size: Annotated[int, Field(ge=2)] = 10
    min_size: Annotated[int, Field(ge=1)] = 6
    max_size: Annotated[int, Field(ge=2)] = 12
    mix_schools: bool = True
    #: Optional hand-edited roster that replaces the automatic allocation (file in data_dir).
    roster_file: str | None = None

    @model_validator(mode="after")
    def _sizes(self) -> "GroupsSection":
        if not self.min_size <= self.target_size <= self.max_size:
            raise ValueError("group sizes must satisfy min_size <= target_size <= max_size")
        return self


class ProgrammeSection(_Model):
    trainings: Annotated[int, Field(ge=1)] = 3
    meetings_planned: Annotated[int, Field(ge=1)] = 6
    training_dates: list[dt.date] = Field(default_factory=list)
    #: The group meetings' dates, in order; without them `mentoring status` reads each meeting's date
    #: from its column header on the attendance sheet ("Meeting 3 (2026-11-03)").
    meeting_dates: list[dt.date] = Field(default_factory=list)
    #: The curriculum's parts (topics, exercises) as a fidelity_log input names them; the report says
    #: which of them the groups delivered (mentoring_lib.steps.fidelity).
    curriculum: list[str] = Field(default_factory=list)
    meeting_period: str = "October–December"
    #: A day in the week of the groups' first meetings; each group's first meeting date (its slot's
    #: weekday in that week) goes into the accepted mail merge.
    first_meeting_week: dt.date | None = None
    language: str = "English"


class OptionColumns(_Model):
    """A question exported as one column per option (LimeSurvey ``slot[SQ001]``, Qualtrics ``Q5_1``,
    SurveyMonkey's option columns): each column and the option it stands for, or a list of columns
    (the option is then read from the cell, or from the header's "question - option")."""

    columns: dict[str, str] | list[str]


class InputFile(_Model):
    id: str = Field(description="A short name for this export, used in messages and tables.")
    kind: InputKind
    file: str = Field(description="File name inside data_dir (or an absolute path).")
    tool: SurveyTool = "auto"
    date_order: DateOrder = "auto"
    sheet: str | int | None = None
    #: Workbook field -> the tool's column header (or a Qualtrics ImportId), or the columns of a
    #: question exported as one column per option (``{columns: {header: option, ...}}``).
    columns: dict[str, str | OptionColumns] = Field(default_factory=dict)
    #: For attendance sheets: the headers of the session columns, in order, or header -> session number.
    session_columns: list[str] | dict[str, int] = Field(default_factory=list)
    required: bool = True

    @field_validator("columns", mode="before")
    @classmethod
    def _column_forms(cls, v):
        """A field maps to one header, or to ``{columns: ...}``: say so plainly instead of pydantic's
        "should be a valid string" for each form."""
        for name, value in (v.items() if isinstance(v, dict) else ()):
            if isinstance(value, dict) and set(value) != {"columns"}:
                raise ValueError(f"field '{name}': write a column header, or {{columns: {{header: option, ...}}}} for "
                                 "a question exported as one column per option (the only key is 'columns')")
            if isinstance(value, dict) and (not value["columns"] or not isinstance(value["columns"], (dict, list))):
                raise ValueError(f"field '{name}': list its columns, e.g. {{columns: {{\"slot[SQ001]\": Mon 16-18, "
                                 "\"slot[SQ002]\": Wed 12-14}}")
            if not isinstance(value, (str, dict)):
                raise ValueError(f"field '{name}': write the column header as text (in quotes if it looks like a "
                                 "number), or {columns: {header: option, ...}}")
        return v

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("use lower-case letters, digits, '-' and '_' only")
        return v


class CertificateOverride(_Model):
    """A coordinator's decision that overrides the eligibility rule for one mentor."""

    email: str
    eligible: bool
    reason: Annotated[str, Field(min_length=5)]


class CertificatesSection(_Model):
    min_trainings: Annotated[int, Field(ge=0)] = 2
    min_meetings: Annotated[int, Field(ge=0)] = 4
    role: str = "Peer mentor (co-mentor)"
    signatory: str = "Programme coordinator"
    signatory_title: str = "Wellbeing Services"
    #: Overrides live in a private file next to the data (they name people), not in the config.
    overrides_file: str | None = None
    #: The certificate's title line.
    heading: str = "Certificate of Participation"
    #: Verification codes look like ``<prefix>-<year>-XXXX-XXXX`` (2-4 capital letters).
    code_prefix: str = "CM"
    #: Date printed as the date of issue; default: the term's last day (never the run's date).
    issue_date: dt.date | None = None
    #: Where a certificate can be verified, printed next to the code; default: report.contact.
    verify_contact: str | None = None
    #: Extra font families tried after Libertinus Serif (e.g. "Noto Serif CJK SC" for names the
    #: fonts built into Typst cannot show) and folders holding their font files (relative to
    #: the config file). System fonts are never used, so certificates look the same everywhere.
    fonts: list[str] = Field(default_factory=list)
    font_paths: list[str] = Field(default_factory=list)

    @field_validator("code_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z]{2,4}", v):
            raise ValueError("use 2 to 4 capital letters A-Z, e.g. CM")
        return v


class PrivacySection(_Model):
    #: "demo" uses the labelled demo key (demo terms only); "env" reads MENTORING_KEY;
    #: "file" reads key_file (outside the repo).
    key_source: Literal["demo", "env", "file"] = "env"
    key_file: str | None = None
    min_count: int = 5
    min_base: int = 10
    #: File (in data_dir) listing the text hashes of quotes approved for publication.
    approved_quotes_file: str | None = None
    #: Words or phrases the privacy gate never counts as a name (an ordinary word in the report that
    #: is also a participant's surname, e.g. "Young"). School names are always allowed.
    gate_allow: list[str] = Field(default_factory=list)

    @field_validator("min_count")
    @classmethod
    def _count_floor(cls, v: int) -> int:
        if v < MIN_COUNT_FLOOR:
            raise ValueError(f"must be at least {MIN_COUNT_FLOOR} (the floor for small counts)")
        return v

    @field_validator("min_base")
    @classmethod
    def _base_floor(cls, v: int) -> int:
        if v < MIN_BASE_FLOOR:
            raise ValueError(f"must be at least {MIN_BASE_FLOOR} (the floor for percentage bases)")
        return v

    @model_validator(mode="after")
    def _key(self) -> "PrivacySection":
        if self.key_source == "file" and not self.key_file:
            raise ValueError("key_source 'file' needs key_file (a path outside the repository)")
        return self


class MentorHoursSection(_Model):
    """Mentor hours (trainings attended + group meetings co-led + support meetings attended, each
    times its duration) and study credits (hours / hours_per_credit, rounded down to credit_step)
    in the private certificate list and the registrar's credits list."""

    training_hours: Annotated[float, Field(ge=0)] = 3
    meeting_hours: Annotated[float, Field(ge=0)] = 2
    support_meeting_hours: Annotated[float, Field(ge=0)] = 1.5
    #: Hours per study credit (e.g. 27 for ECTS); leave out for hours only.
    hours_per_credit: Annotated[float, Field(gt=0)] | None = None
    credit_step: Annotated[float, Field(gt=0)] = 0.5
    #: Print the hours (and credits) on the certificates too.
    on_certificate: bool = False


class AlertRules(_Model):
    """When ``mentoring status`` raises an alert (exit 10); ``null`` switches a rule off."""

    #: A group that has missed a due meeting and has not met for this many weeks.
    no_meeting_weeks: Annotated[float, Field(gt=0)] | None = 3
    #: Participants present at a group's latest due meeting fell by at least this share from the
    #: due meeting before it (0.5: from 8 to 4 or fewer).
    attendance_drop: Annotated[float, Field(gt=0, le=1)] | None = 0.5
    #: A group missed this many due meetings in a row, up to the as-of date.
    missed_meetings: Annotated[int, Field(ge=1)] | None = 2


class SurveyWindow(_Model):
    """An open survey (keyed by its input id under ``surveys:``): the link a reminder carries and the
    days it is open; ``mentoring status`` lists who has not answered yet while it is open."""

    link: str
    opens: dt.date | None = None
    closes: dt.date | None = None
    #: Who is asked; default by the input's kind: mentors for mentor_feedback, participants otherwise.
    audience: list[Literal["mentor", "participant"]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> "SurveyWindow":
        if self.opens and self.closes and self.closes < self.opens:
            raise ValueError(f"survey closes ({self.closes}) before it opens ({self.opens})")
        return self

class EvaluationSection(_Model):
    #: The pre-specified primary outcome, ``<instrument>_<scale>`` of the survey codebook (checked
    #: against it when the evaluation runs and by ``mentoring check``); the others are secondary.
    primary: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = "scs_sf_total"
    #: The per-protocol analysis keeps linked participants who attended at least this many meetings.
    per_protocol_min_meetings: Annotated[int, Field(ge=1)] = 3


class ReportSection(_Model):
    title: str = "Compassion mentoring in peer groups for doctoral students"
    subtitle: str | None = None
    organisation: str
    author: str = "Wellbeing Services"
    contact: str | None = None


class TermConfig(_Model):
    term: TermSection
    data_dir: str = Field(description="Folder with the term's raw exports, relative to the config file.")
    reports_dir: str = "../reports"
    registration: RegistrationSection
    groups: GroupsSection
    programme: ProgrammeSection = ProgrammeSection()
    inputs: list[InputFile]
    codebook: str | None = Field(default=None, description="Survey codebook YAML, relative to the config file.")
    #: Per-term lookup tables, relative to the config file (default: the packaged ones; see
    #: mentoring_lib.io.lookups): the university's schools and their spellings, and open-text themes.
    schools_file: str | None = None
    themes_file: str | None = None
    certificates: CertificatesSection = CertificatesSection()
    #: Mentor hours and credits (see MentorHoursSection); leave out for neither.
    mentor_hours: MentorHoursSection | None = None
    privacy: PrivacySection = PrivacySection()
    evaluation: EvaluationSection = EvaluationSection()
    report: ReportSection
    #: The rules of the during-term status run (``mentoring status``).
    alerts: AlertRules = AlertRules()
    #: Survey input id -> its link and open days, for the status run's reminder lists.
    surveys: dict[str, SurveyWindow] = Field(default_factory=dict)
    #: Set by load_config, not by the YAML.
    source: Path | None = Field(default=None, exclude=True)
    #: The reports root, resolved once by load_config (MENTORING_REPORTS_ROOT or reports_dir).
    reports_root_path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _consistency(self) -> "TermConfig":
        ids = [i.id for i in self.inputs]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"input ids must be unique; repeated: {', '.join(dupes)}")
        surveys = {i.id for i in self.inputs if i.kind in ("feedback_before", "feedback_after",
                                                            "feedback_session", "mentor_feedback")}
        unknown = sorted(set(self.surveys) - surveys)
        if unknown:
            raise ValueError(f"surveys: '{unknown[0]}' is not the id of a survey input; survey inputs: "
                             f"{', '.join(sorted(surveys)) or 'none'}")
        if self.registration.mentor_places // 2 < self.groups.count:
            raise ValueError(
                f"{self.groups.count} groups need {2 * self.groups.count} mentor places "
                f"(pairs of co-mentors) but registration.mentor_places is {self.registration.mentor_places}"
            )
        if self.groups.min_size < self.privacy.min_count:
            # A group smaller than the disclosure threshold would have its members' attendance
            # published meeting by meeting; the evaluation hides such a group's figures, so this is
            # a warning (a tiny term can only have tiny groups), not an error.
            import warnings

            warnings.warn(f"groups.min_size ({self.groups.min_size}) is below privacy.min_count "
                          f"({self.privacy.min_count}): the per-group figures of groups that small are not "
                          "published (meetings held per group, groups that met each meeting)", stacklevel=2)
        return self

    # -- resolved locations ------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def resolve(self, path: str | os.PathLike) -> Path:
        p = Path(os.path.expanduser(str(path)))
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    def input_path(self, item: InputFile) -> Path:
        p = Path(item.file)
        return p if p.is_absolute() else self.data_path / p

    @property
    def schools_path(self) -> Path | None:
        """The term's school table, or None for the packaged one."""
        return self.resolve(self.schools_file) if self.schools_file else None

    @property
    def themes_path(self) -> Path | None:
        """The term's open-text themes, or None for the packaged ones."""
        return self.resolve(self.themes_file) if self.themes_file else None

    def lookup_files(self) -> dict[str, Path]:
        """The tables this config names by path (codebook, schools_file, themes_file), resolved."""
        named = {"codebook": self.codebook, "schools_file": self.schools_file, "themes_file": self.themes_file}
        return {k: self.resolve(v) for k, v in named.items() if v}

    def side_files(self) -> dict[str, Path]:
        """The files in the data folder that settings name (hand-edited roster, certificate
        overrides, approved quotes), resolved: editing one changes the outputs."""
        named = {"groups.roster_file": self.groups.roster_file,
                 "certificates.overrides_file": self.certificates.overrides_file,
                 "privacy.approved_quotes_file": self.privacy.approved_quotes_file}
        return {k: (Path(v) if Path(v).is_absolute() else self.data_path / v) for k, v in named.items() if v}

    def resolve_reports_root(self) -> Path:
        env = os.environ.get(REPORTS_ROOT_ENV)
        return Path(env).resolve() if env else self.resolve(self.reports_dir)

    @property
    def reports_root(self) -> Path:
        """Where the term's reports go: resolved once, when the config is loaded."""
        return self.reports_root_path or self.resolve_reports_root()

    @property
    def term_dir(self) -> Path:
        return self.reports_root / self.term.name

    def inputs_of(self, kind: str) -> list[InputFile]:
        return [i for i in self.inputs if i.kind == kind]

    def input_by_id(self, input_id: str) -> InputFile:
        for i in self.inputs:
            if i.id == input_id:
                return i
        raise KeyError(input_id)

    def digest(self) -> str:
        """sha256 of the validated config content (stable across key order and comments)."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- loading -------------------------------------------------------------------------------

class _ConfigLoader(yaml.SafeLoader):
    """YAML's safe loader, except that an impossible date (2027-31-05, 2027-02-30) stays text.

    PyYAML turns anything shaped like a date into a ``datetime.date`` and raises a bare
    ValueError for an impossible one, with no key; kept as text, validation names the key."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", _ConfigLoader.construct_yaml_timestamp)


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names valid at the location of an 'extra_forbidden' error, for 'did you mean'."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ()) or ()
        candidates = [ann, *args]
        nxt = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nxt is None:
            return []
        current = nxt
    return [k for k in getattr(current, "model_fields", {}) if k != "source"]


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(err: Any, model: type[BaseModel]) -> tuple[str, str, str | None]:
    loc = tuple(p for p in err["loc"] if p != "function-after")
    key = _format_loc(loc) or "(top level)"
    etype = err["type"]
    if etype == "extra_forbidden":
        known = _known_keys(model, loc)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        return key, "unknown key", f"did you mean '{close[0]}'?" if close else (
            f"allowed keys here: {', '.join(known)}" if known else "remove it")
    if etype == "missing":
        return key, "required key is missing", "add it (see config/term-template.yml)"
    msg = err["msg"].removeprefix("Value error, ")
    hint: str | None = None
    if etype.startswith("date"):
        reason = (err.get("ctx") or {}).get("error")
        if isinstance(err.get("input"), str) and reason:
            msg = f"'{err['input']}' is not a date: {reason}"
        hint = "write dates as YYYY-MM-DD (year, month, day), e.g. 2026-09-13"
    elif etype.startswith(("int", "float")):
        hint = "use a whole number" if etype.startswith("int") else "use a number"
    elif etype == "literal_error":
        hint = "use one of the values listed"
    return key, msg, hint


def load_config(path: str | os.PathLike) -> TermConfig:
    """Read and validate a term config; raise ConfigError with the key's path on any problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("file not found", file=path,
                          hint="pass the term's YAML file, e.g. --config config/demo.yml")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_ConfigLoader)  # noqa: S506 - safe loader
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", file=path, hint="save the config as UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"YAML syntax error{where}: {problem}", file=path,
                          hint="check indentation and quoting on that line") from None
    if not isinstance(raw, dict):
        raise ConfigError("must be a YAML mapping of sections (term:, registration:, ...)", file=path)
    for internal in ("source", "reports_root_path"):
        if internal in raw:
            raise ConfigError("unknown key", file=path, key=internal, hint="remove it")
    try:
        cfg = TermConfig.model_validate(raw)
    except ValidationError as e:
        # Every problem at once, each with its own hint ("did you mean ..."): one edit fixes them all.
        problems: dict[str, ConfigError] = {}
        for err in e.errors():
            key, msg, hint = _explain(err, TermConfig)
            # A union type reports one error per alternative: the first is the one to show.
            problems.setdefault(key, ConfigError(msg, file=path, key=key, hint=hint))
        raise_config_errors(list(problems.values()))
    _check_column_fields(cfg, path)
    cfg = cfg.model_copy(update={"source": path.resolve()})
    cfg = cfg.model_copy(update={"reports_root_path": cfg.resolve_reports_root()})
    if cfg.schools_file or cfg.themes_file:
        from mentoring_lib.io.lookups import check_lookup_files

        check_lookup_files(cfg)
    return cfg


def _check_column_fields(cfg: TermConfig, path: Path) -> None:
    """Refuse a field under an input's ``columns:`` that its kind does not read (e.g. ``emial:``)."""
    problems = []
    for n, item in enumerate(cfg.inputs):
        known = COLUMN_FIELDS.get(item.kind)
        if known is None:
            continue
        for field in item.columns:
            if field in known:
                continue
            close = difflib.get_close_matches(field, known, n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + \
                f"the fields of a {item.kind} input are: {', '.join(known)}"
            problems.append(ConfigError(f"unknown field '{field}' (input '{item.id}' is of kind {item.kind})",
                                        file=path, key=f"inputs[{n}].columns.{field}", hint=hint))
    raise_config_errors(problems)
