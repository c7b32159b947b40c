"""Workbook errors as structured payloads: every class makes the round trip, a payload names a kind
(never a class), and anything that is not a payload this version wrote is refused."""
from __future__ import annotations

import inspect
import json

import pytest

from mentoring_lib import errors
from mentoring_lib.errors import (ConfigError, ConfigErrors, InputError, InputErrors, LockHeld, NotebookFailed,
                                  PayloadError, PrivacyGateError, Terminated, UsageError, WorkbookError,
                                  from_payload)

#: One instance of every error class in errors.py, with every field it has.
SAMPLES = {
    WorkbookError: WorkbookError("stages cannot run, their needs are not met: report", hint="run the whole term"),
    ConfigError: ConfigError("must be a date", file="term.yml", key="term.start", hint="write 2026-10-01"),
    ConfigErrors: ConfigErrors([ConfigError("unknown key", file="term.yml", key="term.colour", hint="remove it"),
                                ConfigError("must be positive", file="term.yml", key="groups.count")]),
    UsageError: UsageError("--only: unknown stage 'grups'", hint="did you mean 'groups'?"),
    InputError: InputError("unknown Likert label", file="data/after.csv", row=7, column="Q3",
                           hint="add the label to the response set"),
    InputErrors: InputErrors([InputError("not an attendance mark", file="meetings.xlsx", row=4, column="Meeting 1"),
                              InputError("no e-mail", file="meetings.xlsx", row=9, column="Email", hint="add it")],
                             hint="fix both marks, then run again"),
    NotebookFailed: NotebookFailed("stage 'groups' failed", hint="open the kept notebook"),
    PrivacyGateError: PrivacyGateError("public/report.html holds a name from the identity table"),
    LockHeld: LockHeld("run 20261203T101500Z-7 holds the lock of term folder reports/autumn",
                       hint="wait for it to finish"),
    Terminated: Terminated(),
}


def _error_classes_in_errors_module() -> set[type]:
    return {obj for _, obj in inspect.getmembers(errors, inspect.isclass)
            if obj.__module__ == errors.__name__ and issubclass(obj, BaseException) and obj is not PayloadError}


def test_the_samples_and_the_registry_cover_every_error_class_in_errors_py():
    classes = _error_classes_in_errors_module()
    assert set(SAMPLES) == classes
    assert set(errors.ERROR_KINDS.values()) == classes
    assert all(kind == cls.kind for kind, cls in errors.ERROR_KINDS.items())


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda c: c.__name__)
def test_every_error_class_survives_the_round_trip_through_json(cls):
    error = SAMPLES[cls]
    payload = json.loads(json.dumps(error.to_payload()))  # what crosses the kernel boundary is JSON
    assert payload["schema_version"] == errors.PAYLOAD_SCHEMA_VERSION
    assert payload["kind"] == cls.kind and payload["kind"] != cls.__name__
    assert payload["exit_code"] == cls.exit_code
    again = from_payload(payload)
    assert type(again) is cls
    assert again.exit_code == error.exit_code
    assert again.render() == error.render() == payload["message"]
    assert str(again) == str(error)
    assert again.to_payload() == payload


def test_an_input_error_payload_holds_its_fields_by_name():
    payload = SAMPLES[InputError].to_payload()
    assert {k: payload[k] for k in ("kind", "exit_code", "file", "excel_row", "column", "hint", "problem")} == {
        "kind": "input", "exit_code": 2, "file": "data/after.csv", "excel_row": 7, "column": "Q3",
        "hint": "add the label to the response set", "problem": "unknown Likert label"}
    assert "stage" not in payload and "key" not in payload, "only the fields the error has"
    several = SAMPLES[InputErrors].to_payload()
    assert [(e["excel_row"], e["column"]) for e in several["errors"]] == [(4, "Meeting 1"), (9, "Email")]


def test_the_stage_travels_with_the_error_and_leads_its_message():
    error = InputError("unknown Likert label", file="after.csv", row=7, column="Q3", hint="fix the cell")
    error.stage = "feedback"
    again = from_payload(error.to_payload())
    assert again.stage == "feedback"
    assert again.render() == ("stage 'feedback': file after.csv, row 7, column 'Q3': unknown Likert label\n"
                              "  What to do: fix the cell")


def test_a_subclass_defined_elsewhere_comes_back_as_its_registered_parent():
    from mentoring_lib.privacy.release import DisclosureAuditError

    error = DisclosureAuditError("disclosure audit: the count hidden in sheet 'Status' can be worked out")
    again = from_payload(error.to_payload())
    assert type(again) is PrivacyGateError and again.exit_code == 4 and again.render() == error.render()


def test_every_workbook_error_class_in_the_package_has_a_registered_kind_with_its_exit_code():
    """A class that kept its parent's kind must keep its parent's exit code too, or its payload
    would be refused (see the runner's StageFailed, which never crosses the kernel boundary)."""
    import mentoring_lib.privacy.release  # noqa: F401 - defines DisclosureAuditError
    from mentoring_lib.pipeline import stage_errors

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for cls in subclasses(WorkbookError):
        if cls is stage_errors.StageFailed or cls.__module__.startswith(("tests", "test_")):
            continue
        assert cls.kind in errors.ERROR_KINDS, cls
        assert errors.ERROR_KINDS[cls.kind].exit_code == cls.exit_code, cls


def _payload(**change):
    payload = SAMPLES[InputError].to_payload()
    payload.update(change)
    return {k: v for k, v in payload.items() if v is not None}


@pytest.mark.parametrize("bad, why", [
    (["input"], "not a JSON object"),
    (_payload(schema_version=2), "schema version"),
    (_payload(schema_version=None), "schema version"),
    (_payload(kind="InputError"), "no known kind"),  # a class name is not a kind: no lookup by name
    (_payload(kind="__class__"), "no known kind"),
    (_payload(exit_code=1), "exit code"),
    (_payload(exit_code=True), "exit code"),
    (_payload(excel_row="7"), "'excel_row' is not a whole number"),
    (_payload(excel_row=True), "'excel_row' is not a whole number"),
    (_payload(excel_row=0), "'excel_row' is not a row number"),
    (_payload(column=3), "'column' is not text"),
    (_payload(problem=None), "no field 'problem'"),
    ({**SAMPLES[InputErrors].to_payload(), "errors": []}, "'errors' does not list InputErrors"),
    ({**SAMPLES[InputErrors].to_payload(), "errors": [SAMPLES[ConfigError].to_payload()]},
     "'errors' does not list InputErrors"),
    ({**SAMPLES[InputErrors].to_payload(), "errors": [{"kind": "input"}]}, "schema version"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_anything_but_a_payload_this_version_wrote_is_refused(bad, why):
    with pytest.raises(PayloadError, match=why):
        from_payload(bad)


def test_a_refused_payload_is_described_without_its_values():
    """A payload is read from a notebook; what it holds must not reach the console through the
    refusal (a malformed one might carry a cell's value where a code belongs)."""
    for bad in (_payload(kind="kim.lawson@example.org"), _payload(column=["kim.lawson@example.org"]),
                _payload(exit_code="kim.lawson@example.org")):
        with pytest.raises(PayloadError) as refused:
            from_payload(bad)
        assert "kim.lawson" not in str(refused.value)
