"""One driver per stage, one verb pair for all: ``compute(ctx) -> StageResult`` and
``write(ctx, result)``; :func:`run` is both, and is every stage's entry in the catalogue.

The stage notebook calls :func:`run` once and displays the typed result (``result.show(...)``), so
the notebook and the runner's in-process path (``mentoring check``, a notebook opened alone filling
in its upstream stages) run the same sequence of calls and write the same tables. What a result
holds for display is aggregated or pseudonymised: no notebook shows a name or an e-mail.

Errors leave a stage's kernel as data: every kernel ``mentoring run`` starts loads this module as an
IPython extension (:func:`load_ipython_extension`), so a workbook error raised in any cell of a stage
notebook is shown there as a structured payload (:data:`~mentoring_lib.errors.ERROR_MIME_TYPE`)
before its traceback, and the runner rebuilds the error from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    from mentoring_lib.pipeline.context import StageContext


@dataclass
class StageResult:
    """What a stage computed: ``data`` (its own typed object, handed from compute to write) and what
    the notebook shows: ``tables`` and ``figures`` (path -> alt text) by name, and ``notes``."""
    stage: str
    data: Any = None
    tables: dict[str, "pd.DataFrame"] = field(default_factory=dict)
    figures: dict[str, tuple[Path, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def show(self, *names: str) -> None:
        """Display the named tables and figures (all when none are named) in a notebook."""
        from IPython.display import Image, display

        for name in names or (*self.tables, *self.figures):
            if name in self.tables:
                display(self.tables[name])
            else:
                path, alt = self.figures[name]
                print(alt)
                display(Image(filename=str(path)))


# -- registrations ----------------------------------------------------------------------------------

def compute_registrations(ctx: "StageContext") -> StageResult:
    from mentoring_lib.steps import registration as R
    from mentoring_lib.steps.registration_inputs import read_withdrawals
    from mentoring_lib.steps.registration_rules import select_term

    rows, notes = R.read_inputs(ctx)
    withdrawals, withdrawal_reads = read_withdrawals(ctx.config)
    selected = select_term(rows, ctx.config, withdrawals)
    return StageResult("registrations", data=(selected, notes, withdrawals, withdrawal_reads),
                       tables={"rules": R.rules_table(ctx.config), "reconciliation": R.reconciliation(selected),
                               "reasons": R.reason_counts(selected)},
                       notes=[f"{len(rows)} registration rows from {rows['source'].nunique()} exports; "
                              f"{len(withdrawals)} withdrawal rows"])


def write_registrations(ctx: "StageContext", result: StageResult) -> None:
    from mentoring_lib.steps import registration as R

    R.save(ctx, *result.data)
    result.tables["quality"] = R.quality_table(ctx)


# -- groups -----------------------------------------------------------------------------------------

def compute_groups(ctx: "StageContext") -> StageResult:
    from mentoring_lib.steps import grouping as G

    pairs, members = G.build(ctx)
    people = ctx.read("registrations/people")
    return StageResult("groups", data=(pairs, members), tables={
        "pairs": pairs[["group", "slot", "languages", "reason"]],
        "groups": G.group_summary(pairs, members, people), "unplaced": G.unplaced_summary(members),
        "public_sizes": G.public_group_sizes(members, ctx.config.privacy.min_count)})


def write_groups(ctx: "StageContext", result: StageResult) -> None:
    from mentoring_lib.steps import grouping as G

    G.save(ctx, *result.data)


# -- attendance -------------------------------------------------------------------------------------

def compute_attendance(ctx: "StageContext") -> StageResult:
    from mentoring_lib.steps import attendance as A

    tables, counts, infos = A.load_tables(ctx)
    return StageResult("attendance", data=(tables, counts, infos), tables={
        "summary": A.summary(tables), "per_meeting": tables["per_meeting"], "per_group": tables["per_group"],
        "dropout": tables["dropout"]})


def write_attendance(ctx: "StageContext", result: StageResult) -> None:
    from mentoring_lib.steps import attendance as A
    from mentoring_lib.outputs import charts

    tables = result.data[0]
    A.save(ctx, *result.data)
    result.tables["quality"] = A.quality_frame(ctx)
    # private: the evaluation stage decides what is published
    curve = charts.attendance_curve(A.curve_series(tables, kind="meeting", role="participant"),
                                    "Participants across the group meetings",
                                    ctx.private_file("figures/attendance_participants.png"))
    result.figures["curve"] = (Path(curve.path), curve.alt_text)


# -- feedback ---------------------------------------------------------------------------------------

def compute_feedback(ctx: "StageContext") -> StageResult:
    from mentoring_lib.steps import feedback as F
    from mentoring_lib.analysis import scoring

    codebook = F.load_survey_codebook(ctx.config)
    instruments = scoring.instrument_table(codebook)
    collected = F.collect(ctx, codebook)
    return StageResult("feedback", data=collected, tables={
        "scales": instruments[["short_name", "scale_name", "rule", "n_items", "min_items", "reverse_items",
                               "response_range", "converted", "missing_rule"]],
        "instruments": instruments.drop_duplicates("instrument")[["short_name", "citation", "licence"]],
        "quality": F.quality_table(collected), "linkage": F.linkage_summary(collected.linkage),
        "scores": F.score_summary(collected.scores)},
        notes=[f"{len(collected.comments)} open comments kept (scrubbed; not shown here)."])


def write_feedback(ctx: "StageContext", result: StageResult) -> None:
    from mentoring_lib.steps import feedback as F

    F.write_outputs(ctx, result.data)


# -- evaluation -------------------------------------------------------------------------------------

def compute_evaluation(ctx: "StageContext") -> StageResult:
    """The evaluation; its charts are drawn into public/figures as it computes."""
    from mentoring_lib.privacy.limits import Limits
    from mentoring_lib.steps import evaluation as E

    limits = Limits.from_config(ctx.config)
    inputs = E.load_inputs(ctx)
    codebook = E.load_stage_codebook(ctx.config)
    approved = E.approved_comment_texts(ctx, inputs.get("comments"))
    ctx.out.figures.mkdir(parents=True, exist_ok=True)
    from mentoring_lib.steps.availability import missing_kinds

    ev = E.evaluate(inputs, ctx.config, codebook, limits, figures_dir=ctx.out.figures, approved=approved,
                    missing=missing_kinds(ctx.config))
    return StageResult("evaluation", data=(ev, inputs.get("comments")), tables=ev.all_tables(),
                       notes=[E.key_figures_text(ev)])


def write_evaluation(ctx: "StageContext", result: StageResult) -> None:
    from mentoring_lib.steps import evaluation as E

    ev, comments = result.data
    E.save(ctx, ev)
    E.write_quotes_for_review(ctx, comments)  # private: for the coordinator's approval


# -- certificates -----------------------------------------------------------------------------------

def compute_certificates(ctx: "StageContext") -> StageResult:
    from mentoring_lib.steps import certificates as C
    from mentoring_lib.steps.certificate_rules import EligibilityRules

    rules = EligibilityRules.from_config(ctx.config)
    plan = C.prepare(ctx)
    return StageResult("certificates", data=plan, notes=[f"Certificate for {rules.describe()}"],
                       tables={"summary": C.summary(plan), "attendance": C.attendance_distribution(plan)})


def write_certificates(ctx: "StageContext", result: StageResult) -> None:
    from mentoring_lib.steps import certificates as C

    written = C.write_outputs(ctx, result.data)
    result.tables["outputs"] = C.outputs_overview(ctx, written)


# -- report -----------------------------------------------------------------------------------------

def compute_report(ctx: "StageContext") -> StageResult:
    """The report model, built once, after the release of every published count is protected as a
    whole (which rewrites registration_summary.xlsx and saves the release model)."""
    import pandas as pd

    from mentoring_lib.steps import report as RP
    from mentoring_lib.steps.data_quality import load_quality

    tables = RP.read_evaluation(ctx)
    prov = RP.collect_provenance(ctx)
    quality = load_quality(ctx.out.quality)
    tables, quality_hide = RP.protect_release(ctx, tables, quality)
    model = RP.build_report(tables, ctx.config, public_dir=ctx.out.public, provenance=prov, quality=quality,
                            quality_hide=quality_hide)
    return StageResult("report", data=(model, tables, prov, quality, quality_hide), tables={
        "outline": RP.outline(model),
        "key_figures": pd.DataFrame([{"value": k.value, "label": k.label, "note": k.note} for k in model.key_figures])})


def write_report(ctx: "StageContext", result: StageResult) -> None:
    import pandas as pd

    from mentoring_lib.steps import report as RP

    paths = RP.write_outputs(ctx, *result.data)
    result.tables["outputs"] = pd.DataFrame([{"output": k, "file": p.name, "kB": round(p.stat().st_size / 1024)}
                                             for k, p in paths.items()])


# -- the verb pair ----------------------------------------------------------------------------------

DRIVERS: dict[str, tuple[Callable[["StageContext"], StageResult], Callable[["StageContext", StageResult], None]]] = {
    "registrations": (compute_registrations, write_registrations),
    "groups": (compute_groups, write_groups),
    "attendance": (compute_attendance, write_attendance),
    "feedback": (compute_feedback, write_feedback),
    "evaluation": (compute_evaluation, write_evaluation),
    "certificates": (compute_certificates, write_certificates),
    "report": (compute_report, write_report),
}


def compute(ctx: "StageContext") -> StageResult:
    """Compute ctx's stage (reads its declared datasets and inputs; writes none of its tables)."""
    return DRIVERS[ctx.stage][0](ctx)


def write(ctx: "StageContext", result: StageResult) -> StageResult:
    """Write what :func:`compute` returned: the stage's datasets and files."""
    DRIVERS[ctx.stage][1](ctx, result)
    return result


def run(ctx: "StageContext", provenance: dict | None = None) -> StageResult:
    """The whole stage: compute, then write (the caller marks it done). ``provenance``: the run's
    public provenance as the runner hands it to the report (a stage run alone collects its own)."""
    if provenance is not None:
        ctx.provenance = provenance
    return write(ctx, compute(ctx))


# -- errors out of the kernel -----------------------------------------------------------------------

def load_ipython_extension(shell: "InteractiveShell") -> None:
    """Loaded by every kernel the runner starts (``--IPKernelApp.extensions``, see
    :data:`mentoring_lib.pipeline.runner.KERNEL_ARGUMENTS`): workbook errors raised in a cell are
    handed to the runner as a payload (:func:`show_error_payload`)."""
    from mentoring_lib.errors import WorkbookError

    shell.set_custom_exc((WorkbookError,), show_error_payload)


def show_error_payload(shell: "InteractiveShell", etype: type, value: BaseException, tb: Any,
                       tb_offset: int | None = None) -> None:
    """IPython's handler for workbook errors: show the error's payload in the failing cell as a
    display output of type :data:`~mentoring_lib.errors.ERROR_MIME_TYPE` (papermill keeps it in the
    executed notebook, which lives in the run's private area), then the usual traceback, which makes
    the cell fail as before. A payload that cannot be made is left out: the runner then reports the
    stage as failed, with the traceback in the kept notebook."""
    from IPython.display import display

    from mentoring_lib.errors import ERROR_MIME_TYPE

    try:
        payload = value.to_payload()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - the traceback below still shows the error itself
        payload = None
    if payload is not None:
        display({ERROR_MIME_TYPE: payload}, raw=True)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
