"""The pipeline's stages and the datasets they exchange, declared in one place (the catalogue).

Each stage is a notebook under ``notebooks/`` (the readable record) and a driver
(:mod:`mentoring_lib.pipeline.drivers`: ``compute(ctx)`` then ``write(ctx, result)``; ``run`` is both) that the
notebook calls and that does the same work in-process (used to fill in missing upstream tables when
a notebook is opened alone, by ``mentoring check``, and as the benchmark floor). A stage declares:

* ``inputs``: the kinds of the term's input files it reads (``inputs:`` of the config);
* ``side_files``: the config keys naming other files it reads (codebook, roster, overrides, ...);
* ``config``: the config sections (``report``) and dotted keys (``privacy.min_count``) its code reads,
  besides :data:`EVERY_STAGE_CONFIG` (what the ``inputs:`` entries of its kinds say, the side files'
  names, the data and reports folders and the pseudonym key's source are covered by the parts above);
  a test runs every stage recording what it reads of the config and fails on an undeclared key;
* ``reads`` / ``writes``: the named datasets (tables, the identity table, data-quality records) it
  reads and writes, like Kedro's catalogue; :meth:`StageContext.read` refuses an undeclared one;
* ``domain``: ``identity`` (it reads names and e-mails: raw exports or the identity table) or
  ``pseudonymised``; only identity-domain stages may read identity-domain datasets;
* ``public_outputs`` / ``private_outputs``: the files it writes outside the tables (globs relative
  to ``public/`` and ``private/``).

Derived from it: the dependency graph (:attr:`Stage.needs`: the producers of what a stage reads),
each stage's run fingerprint (:mod:`mentoring_lib.pipeline.staleness`), ``mentoring check``'s stage list and
the table in ``docs/architecture.md`` (``python -m mentoring_lib.pipeline.stages --markdown``). Order here is
a valid dependency order; the runner may run stages whose needs are met concurrently.
"""
from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Callable, Literal

from mentoring_lib.errors import UsageError

Domain = Literal["identity", "pseudonymised"]


@dataclass(frozen=True)
class Dataset:
    """A named dataset exchanged between stages: ``<stage or area>/<name>``, stored at ``path``
    (relative to an output folder)."""
    name: str
    path: str
    domain: Domain = "pseudonymised"
    description: str = ""


def table(name: str, description: str = "") -> Dataset:
    """A typed table ``<stage>/<table>`` in ``private/tables/`` (pseudonyms only)."""
    stage, tbl = name.split("/")
    return Dataset(name, f"private/tables/{stage}/{tbl}.parquet", "pseudonymised", description)


def quality(stage: str) -> Dataset:
    """A stage's data-quality record (rows read, kept and excluded by reason, per input)."""
    return Dataset(f"quality/{stage}", f"private/quality/{stage}.json", "pseudonymised",
                   "rows read, kept, excluded by reason")


IDENTITY = Dataset("identity/people", "private/identity/people.parquet", "identity",
                   "the only table linking pseudonyms to names, first names and e-mails")

#: The evaluation's result tables (each written when the term has the data for it).
EVALUATION_TABLES = ("key_figures", "narrative", "methods", "figures", "reach", "funnel", "trainings", "meetings",
                     "groups", "response", "linkage", "reaction", "effectiveness", "reliability", "mentors", "themes",
                     "quotes", "instruments", "attendance_curve", "mentor_effectiveness", "curriculum",
                     "sensitivity", "attrition_baseline", "reliable_change", "dose_response", "likert_charts")
ATTENDANCE_TABLES = ("trainings", "meetings", "per_person", "per_group", "per_meeting", "meetings_held", "dropout",
                     "roster")

DATASETS: dict[str, Dataset] = {d.name: d for d in (
    IDENTITY,
    table("registrations/people", "one row per person and role: status, school, languages, availability"),
    table("registrations/rows", "every registration row with its status and reason"),
    table("groups/pairs", "co-mentor pairs with their group, slot and reason"),
    table("groups/members", "everyone accepted with their group or the reason for none"),
    *(table(f"attendance/{t}") for t in ATTENDANCE_TABLES),
    table("feedback/responses", "every mapped answer (person, wave, item, value)"),
    table("feedback/scores", "scale scores per person and wave"),
    table("feedback/linkage", "pre/post linkage of every participant, with the reason"),
    table("feedback/comments", "open comments, scrubbed, with their quote hash"),
    *(table(f"evaluation/{t}") for t in EVALUATION_TABLES),
    table("certificates/eligibility", "the rule and overrides applied to every accepted mentor"),
    table("certificates/attention", "certificates to check before sending (unprintable name, letter case)"),
    *(quality(s) for s in ("registrations", "groups", "attendance", "feedback", "certificates")),
)}


@dataclass(frozen=True)
class Stage:
    name: str
    notebook: str
    #: "module:function" running the stage in-process: ``function(ctx)`` (:func:`mentoring_lib.pipeline.drivers.run`).
    entry: str
    #: Kinds of config inputs it reads (``inputs:`` entries of these kinds).
    inputs: tuple[str, ...] = ()
    #: Config keys naming the other files it reads (see ``TermConfig.named_files``).
    side_files: tuple[str, ...] = ()
    #: Config sections and dotted keys it reads (besides EVERY_STAGE_CONFIG): see config_keys.
    config: tuple[str, ...] = ()
    #: Names of the datasets (:data:`DATASETS`) it reads and writes.
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    #: The privacy domain (design: privacy domains).
    domain: Domain = "pseudonymised"
    #: Files it writes besides its datasets, as globs relative to public/ and private/.
    public_outputs: tuple[str, ...] = ()
    private_outputs: tuple[str, ...] = ()
    description: str = ""
    #: The library module holding the stage's logic (a warm kernel imports it ahead).
    module: str = ""

    @property
    def needs(self) -> tuple[str, ...]:
        """The stages whose datasets this one reads, in pipeline order (derived, not declared)."""
        producers = {producer(d) for d in self.reads} - {self.name}
        return tuple(s.name for s in STAGES if s.name in producers)

    @property
    def config_keys(self) -> tuple[str, ...]:
        """Every config section or dotted key it reads: its run fingerprint has a digest of each."""
        return (*EVERY_STAGE_CONFIG, *self.config)

    @property
    def identity(self) -> bool:
        return self.domain == "identity"

    @property
    def public(self) -> bool:
        """The stage writes files to public/ (which the report stage then protects as one release)."""
        return bool(self.public_outputs)

    def outputs(self) -> list[str]:
        """Every path or glob it writes, relative to an output folder: datasets, public, private."""
        return ([DATASETS[d].path for d in self.writes] + [f"public/{p}" for p in self.public_outputs]
                + [f"private/{p}" for p in self.private_outputs])

    def function(self) -> Callable:
        module, func = self.entry.split(":")
        return getattr(importlib.import_module(module), func)


#: Config keys every stage reads: the term's name (where its outputs go, the pseudonyms' term) and
#: last day (the date written into its outputs, :func:`mentoring_lib.pipeline.provenance.source_date_epoch`).
EVERY_STAGE_CONFIG = ("term.name", "term.end")
#: The certificate rule's minimums (the evaluation and the report say how many reached them).
CERTIFICATE_RULE = ("certificates.min_trainings", "certificates.min_meetings")
#: The disclosure thresholds (every stage that publishes counts).
THRESHOLDS = ("privacy.min_count", "privacy.min_base")


def _ev(*names: str) -> tuple[str, ...]:
    return tuple(f"evaluation/{n}" for n in names)


STAGES: tuple[Stage, ...] = (
    Stage("registrations", "01_registrations.ipynb", "mentoring_lib.pipeline.drivers:run",
          inputs=("mentor_registrations", "participant_registrations", "withdrawals"),
          side_files=("schools_file",),
          # term.language: the public workbook's sheet titles and headers
          config=("registration", "term.timezone", "term.language", "privacy.min_count"),
          writes=("registrations/people", "registrations/rows", IDENTITY.name, "quality/registrations"),
          domain="identity", public_outputs=("registration_summary.xlsx",),
          private_outputs=("roster.xlsx", "mailmerge_accepted.csv", "mailmerge_waitlisted.csv"),
          module="mentoring_lib.steps.registration", description="Read registration exports; first-come-first-served selection"),
    Stage("groups", "02_groups.ipynb", "mentoring_lib.pipeline.drivers:run",
          inputs=("roster",), side_files=("groups.roster_file",),
          config=("groups", "programme.first_meeting_week", "term.language", "privacy.min_count"),
          reads=("registrations/people", IDENTITY.name),
          writes=("groups/pairs", "groups/members", "quality/groups"),
          domain="identity", public_outputs=("group_sizes.xlsx",), private_outputs=("groups.xlsx",),
          module="mentoring_lib.steps.grouping", description="Co-mentor pairs and participant groups; the coordinator's sheet with names"),
    Stage("attendance", "03_attendance.ipynb", "mentoring_lib.pipeline.drivers:run",
          inputs=("training_attendance", "group_attendance"), config=("programme.trainings", "programme.meetings_planned"),
          reads=("registrations/people", "groups/members"),
          writes=(*(f"attendance/{t}" for t in ATTENDANCE_TABLES), "quality/attendance"),
          domain="identity", private_outputs=("figures/attendance_*.png",),
          module="mentoring_lib.steps.attendance", description="Mentor trainings and group meetings"),
    Stage("feedback", "04_feedback.ipynb", "mentoring_lib.pipeline.drivers:run",
          inputs=("feedback_before", "feedback_after", "feedback_session", "mentor_feedback"),
          side_files=("codebook",), config=("term.timezone",),
          reads=("registrations/people", IDENTITY.name),
          writes=("feedback/responses", "feedback/scores", "feedback/linkage", "feedback/comments",
                  "quality/feedback"),
          domain="identity", module="mentoring_lib.steps.feedback", description="Surveys scored through the codebook; pre/post linkage"),
    Stage("evaluation", "05_evaluation.ipynb", "mentoring_lib.pipeline.drivers:run",
          inputs=("fidelity_log",), side_files=("codebook", "themes_file", "privacy.approved_quotes_file"),
          # term.language: its sentences, key figures, Methods and limitations (messages/<lang>/evaluation.yml)
          config=("evaluation", "programme", "term.title", "term.start", "term.language", "registration.mentor_places",
                  "registration.participant_places", "groups.count", *CERTIFICATE_RULE, *THRESHOLDS,
                  "report.organisation"),
          reads=("registrations/people", "groups/members", "attendance/trainings", "attendance/meetings",
                 "attendance/meetings_held", "feedback/responses", "feedback/scores", "feedback/comments",
                 "feedback/linkage", IDENTITY.name),
          writes=_ev(*EVALUATION_TABLES),
          # identity: approved quotes are checked against the term's names before they are used
          domain="identity", public_outputs=("figures/*",), private_outputs=("quotes_for_review.csv",),
          module="mentoring_lib.steps.evaluation", description="Reach, implementation, reaction, effectiveness"),
    Stage("certificates", "06_certificates.ipynb", "mentoring_lib.pipeline.drivers:run",
          inputs=("support_attendance",), side_files=("certificates.overrides_file",),
          # the certificate names the programme (report.title), its organiser and the contact
          config=("certificates", "mentor_hours", "programme.trainings", "programme.meetings_planned", "term.title",
                  "term.start", "term.language", "report.title", "report.organisation", "report.contact"),
          reads=("registrations/people", "groups/members", "attendance/trainings", "attendance/meetings",
                 IDENTITY.name),
          writes=("certificates/eligibility", "certificates/attention", "quality/certificates"),
          domain="identity", private_outputs=("certificates/*",),
          module="mentoring_lib.steps.certificates", description="Eligibility, certificate PDFs, register and mail merge"),
    Stage("report", "07_report.ipynb", "mentoring_lib.pipeline.drivers:run",
          # privacy.gate_allow: the words the run's privacy gate lets through in the release it protects
          config=("report", "programme", "term.title", "term.start", "term.language", "term.university", "groups.count",
                  *CERTIFICATE_RULE, *THRESHOLDS, "privacy.gate_allow"),
          reads=(*_ev(*EVALUATION_TABLES), "registrations/people", "registrations/rows", "groups/members", "groups/pairs",
                 "feedback/linkage",
                 "quality/registrations", "quality/groups", "quality/attendance", "quality/feedback"),
          # it also rewrites registrations' public/registration_summary.xlsx in place, protected with
          # the whole release: that file is the registrations stage's output (kept when only the report runs)
          public_outputs=("report.html", "report.pdf", "summary.pdf", "summary.xlsx", "summary.json"),
          private_outputs=("release/*",),
          module="mentoring_lib.steps.report", description="End-of-term report (HTML and PDF) and public summary spreadsheet"),
)

BY_NAME = {s.name: s for s in STAGES}


def producer(dataset: str) -> str:
    """The stage that writes ``dataset``; an undeclared dataset is a bug in the catalogue."""
    for s in STAGES:
        if dataset in s.writes:
            return s.name
    raise KeyError(f"no stage writes the dataset '{dataset}'")


def get(name: str, *, option: str = "stage") -> Stage:
    """The stage called ``name``; an unknown name is a UsageError (exit 2) listing the stages.

    ``option``: how the caller names the value in the message (e.g. "--only")."""
    try:
        return BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(str(name).strip().lower(), list(BY_NAME), n=1, cutoff=0.6)
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"The stages are: {', '.join(BY_NAME)}"
        raise UsageError(f"{option}: unknown stage '{name}'", hint=hint) from None


def upstream(name: str) -> list[str]:
    """Every stage that ``name`` needs, transitively, in pipeline order."""
    seen: set[str] = set()

    def visit(n: str) -> None:
        for dep in get(n).needs:
            if dep not in seen:
                seen.add(dep)
                visit(dep)

    visit(name)
    return [s.name for s in STAGES if s.name in seen]


def downstream(names: set[str]) -> set[str]:
    """``names`` and every stage that needs one of them, transitively."""
    out = set(names)
    for s in STAGES:  # pipeline order: a stage's needs come before it
        if set(s.needs) & out:
            out.add(s.name)
    return out


def reading(kind: Literal["inputs", "side_files"], key: str) -> list[str]:
    """The stages that read input kind / side-file config key ``key``."""
    return [s.name for s in STAGES if key in getattr(s, kind)]


def reading_config(key: str) -> list[str]:
    """The stages that read config section or dotted key ``key`` (or a section holding it, or a key in it)."""
    return [s.name for s in STAGES if any(overlaps(key, k) for k in s.config_keys)]


def overlaps(key: str, declared: str) -> bool:
    """Whether config key ``key`` is ``declared``, inside it (a section) or holds it."""
    return key == declared or key.startswith(declared + ".") or declared.startswith(key + ".")


#: The stage that protects the public release as a whole (the disclosure audit's model).
RELEASE_STAGE = "report"


def select(only: list[str] | None = None, start: str | None = None) -> list[Stage]:
    """The stages a run executes: all, ``--only`` some, or ``--from`` one onwards.

    A stage that writes public files is always followed by the report stage, which protects the
    whole public release at once: ``--only registrations`` also re-runs the report."""
    if only:
        names = {get(n, option="--only").name for n in only}
        if any(BY_NAME[n].public for n in names):
            names.add(RELEASE_STAGE)
        return [s for s in STAGES if s.name in names]
    if start:
        idx = [s.name for s in STAGES].index(get(start, option="--from").name)
        return list(STAGES[idx:])
    return list(STAGES)


def input_stages() -> tuple[str, ...]:
    """The stages that read input files (``mentoring check`` runs them in-process) with the stages
    they need; the rest only compute and render."""
    names = {s.name for s in STAGES if s.inputs}
    names |= {u for n in names for u in upstream(n)}
    return tuple(s.name for s in STAGES if s.name in names)


def markdown_table() -> str:
    """The catalogue as Markdown tables (docs/architecture.md embeds it; a test keeps them equal)."""
    def code(items) -> str:
        return ", ".join(f"`{i}`" for i in items) or "–"

    lines = ["| # | stage | domain | needs | config inputs | side files | config read | reads | writes | public | private |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for i, s in enumerate(STAGES, 1):
        reads = _compact(s.reads)
        writes = _compact(s.writes)
        lines.append(f"| {i} | **{s.name}** (`{s.notebook}`) | {s.domain} | {', '.join(s.needs) or '–'} | "
                     f"{code(s.inputs)} | {code(s.side_files)} | {code(s.config_keys)} | {code(reads)} | {code(writes)} | "
                     f"{code(s.public_outputs)} | {code(s.private_outputs)} |")
    lines += ["", "| dataset | path | domain | written by | read by |", "| --- | --- | --- | --- | --- |"]
    for d in DATASETS.values():
        readers = [s.name for s in STAGES if d.name in s.reads]
        lines.append(f"| `{d.name}` | `{d.path}` | {d.domain} | {producer(d.name)} | {', '.join(readers) or '–'} |")
    return "\n".join(lines) + "\n"


def _compact(names: tuple[str, ...]) -> list[str]:
    """Dataset names with the evaluation's tables shown as one ``evaluation/*`` entry."""
    ev = [n for n in names if n.startswith("evaluation/")]
    rest = [n for n in names if not n.startswith("evaluation/")]
    return (["evaluation/*"] if len(ev) == len(EVALUATION_TABLES) else ev) + rest


if __name__ == "__main__":  # python -m mentoring_lib.pipeline.stages --markdown
    import sys

    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m mentoring_lib.pipeline.stages --markdown")
    sys.stdout.write(markdown_table())
