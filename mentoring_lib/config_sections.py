"""The term config's sections: one validated model per YAML section (``term:``, ``registration:``,
``groups:``, ``inputs:``, ``certificates:``, ``privacy:``, ...) and the names they share (input
kinds, survey tools, column fields, privacy floors).

:class:`~mentoring_lib.config.TermConfig` puts them together and
:func:`~mentoring_lib.config.load_config` reads the file; import these names from
:mod:`mentoring_lib.config`, which re-exports them.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator



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
