"""The pipeline's stages, declared in one place.

Each stage is a notebook under ``notebooks/`` (the readable record) and a library
function ``run(ctx)`` that does the same work in-process (used to fill in missing upstream
tables when a notebook is opened alone, and as the benchmark floor). Order here is a valid
dependency order; the runner may run stages whose needs are met concurrently.
"""
from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Callable

from mentoring_lib.errors import UsageError


@dataclass(frozen=True)
class Stage:
    name: str
    notebook: str
    needs: tuple[str, ...]
    #: "module:function" computing the stage in-process: ``function(ctx) -> None``.
    entry: str
    #: The identity domain: the stage reads names and e-mails (design: privacy domains).
    identity: bool = False
    description: str = ""
    #: The stage writes files to public/ (which the report stage then protects as one release).
    public: bool = False
    #: The input kinds (config ``inputs[].kind``) the stage reads: a run checks that the required
    #: ones are present only for the stages it runs (``--only registrations`` early in a term).
    reads: tuple[str, ...] = ()

    def function(self) -> Callable:
        module, func = self.entry.split(":")
        return getattr(importlib.import_module(module), func)


STAGES: tuple[Stage, ...] = (
    Stage("registrations", "01_registrations.ipynb", (), "mentoring_lib.steps.registration:run_stage",
          identity=True, description="Read registration exports; first-come-first-served selection",
          public=True, reads=("mentor_registrations", "participant_registrations", "withdrawals")),
    Stage("groups", "02_groups.ipynb", ("registrations",), "mentoring_lib.steps.grouping:run_stage",
          description="Co-mentor pairs and participant groups", reads=("roster",)),
    Stage("attendance", "03_attendance.ipynb", ("registrations", "groups"),
          "mentoring_lib.steps.attendance:run_stage", identity=True,
          description="Mentor trainings and group meetings", reads=("training_attendance", "group_attendance", "support_attendance")),
    Stage("feedback", "04_feedback.ipynb", ("registrations",), "mentoring_lib.steps.feedback:run_stage",
          identity=True, description="Surveys scored through the codebook; pre/post linkage",
          reads=("feedback_before", "feedback_after", "feedback_session", "mentor_feedback")),
    Stage("evaluation", "05_evaluation.ipynb", ("registrations", "groups", "attendance", "feedback"),
          "mentoring_lib.steps.evaluation:run_stage", description="Reach, implementation, reaction, effectiveness",
          public=True, reads=("fidelity_log",)),
    Stage("certificates", "06_certificates.ipynb", ("registrations", "attendance"),
          "mentoring_lib.steps.certificates:run_stage", identity=True,
          description="Eligibility, certificate PDFs, register and mail merge"),
    Stage("report", "07_report.ipynb", ("registrations", "evaluation"), "mentoring_lib.steps.report:run_stage",
          description="End-of-term report (HTML and PDF) and public summary spreadsheet", public=True),
)

BY_NAME = {s.name: s for s in STAGES}


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
