"""Missing is not zero: which of a term's later inputs have not been read (yet).

Early in a term, with ``--only registrations``, or with an input marked ``required: false`` whose
export is not there, the attendance sheets or the surveys are absent. An absent sheet says nothing
about attendance, so the evaluation must not report "0% of planned meetings attended": the sections
that rest on a missing input say so (:func:`notice`) and show no number, table or chart for it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mentoring_lib.config import TermConfig

#: The input kinds whose absence empties part of the report, with what the report calls them.
TRACKED: dict[str, str] = {
    "training_attendance": "Mentor training attendance",
    "group_attendance": "Group-meeting attendance",
    "feedback_before": "The before survey",
    "feedback_after": "The after survey",
    "mentor_feedback": "The mentors' end-of-term survey",
}


def missing_kinds(config: "TermConfig") -> frozenset[str]:
    """The tracked input kinds of which no export is there: none configured, or every configured
    file absent (allowed for ``required: false`` inputs)."""
    present = {i.kind for i in config.inputs if i.kind in TRACKED and config.input_path(i).is_file()}
    return frozenset(k for k in TRACKED if k not in present)


def notice(kind: str, consequence: str) -> str:
    """The report's sentence for a missing input: '<what> is not yet available (no export was read),
    so <consequence>.'"""
    return f"{TRACKED[kind]} is not yet available (no export was read), so {consequence}."
