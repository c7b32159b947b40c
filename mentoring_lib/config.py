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

import difflib
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from mentoring_lib.errors import ConfigError, raise_config_errors

# The section models live in config_sections; every name stays importable from here.
from mentoring_lib.config_sections import (  # noqa: F401 - re-exported
    InputKind, SurveyTool, DateOrder, COLUMN_FIELDS, MIN_COUNT_FLOOR, MIN_BASE_FLOOR, SLUG, _Model,
    TermSection, TestSubmissionRules, DEFAULT_CONSENT_ACCEPTED, RegistrationSection, GroupsSection,
    ProgrammeSection, OptionColumns, InputFile, CertificateOverride, CertificatesSection, PrivacySection,
    MentorHoursSection, AlertRules, SurveyWindow, EvaluationSection, ReportSection,
)

#: Env var that redirects every term's reports folder (tests and sandboxes use it).
REPORTS_ROOT_ENV = "MENTORING_REPORTS_ROOT"


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

    def key_digests(self, keys: Iterable[str]) -> dict[str, str]:
        """sha256 of each section or dotted key (``report``, ``privacy.min_count``): its value and
        which of its keys the YAML sets (code may tell a default from a value given, e.g.
        ``evaluation.primary``). Unknown key: KeyError (a typo in the stage catalogue)."""
        full, given = self.model_dump(mode="json"), self.model_dump(mode="json", exclude_unset=True)
        return {k: _sha256_json({"value": _at(full, k, strict=True), "given": _at(given, k)}) for k in keys}

    def input_digests(self) -> dict[str, str]:
        """sha256 of each input's entry (kind, file, tool, columns, ...), by input id."""
        return {i.id: _sha256_json({"value": i.model_dump(mode="json"),
                                    "given": i.model_dump(mode="json", exclude_unset=True)}) for i in self.inputs}


def _sha256_json(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _at(dumped: dict, key: str, *, strict: bool = False) -> object:
    """The value at dotted ``key`` of a dumped config (None under an absent optional section);
    ``strict``: a key the config's model does not have is a KeyError."""
    node: Any = dumped
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif node is None or not strict:
            return None
        else:
            raise KeyError(f"the term config has no key '{key}'")
    return node


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
