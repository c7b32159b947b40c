"""What a stage works with: the validated config, the term's output folders and table I/O.

A stage notebook's second cell is ``ctx = open_stage("<stage>", config=config, output_dir=output_dir)``
right after the ``parameters`` cell. Under ``mentoring run`` the runner passes ``output_dir``
(its staging folder); opened alone in JupyterLab or under nbval, ``output_dir`` is ``None`` and
the stage works in ``reports/<term>/interactive/``, first computing any upstream tables
it lacks in-process, so every notebook runs on its demo defaults with "Run All".

Layout of an output folder (staging, published or interactive)::

    public/                 shareable aggregates only
    private/tables/<stage>/<table>.parquet   typed tables exchanged between stages
    private/quality/<stage>.json             data-quality records (rows read, kept, excluded by reason)
    private/identity/people.parquet          the identity table (names and e-mails by pseudonym)
    private/...             rosters, mail merges, certificates (identity domain)
    private/run-context.json                 what the runner hands every stage (date, provenance)

A stage reads and writes datasets by their catalogue name (:mod:`mentoring_lib.pipeline.stages`):
``ctx.read("groups/members")`` checks that the stage declared it, so the declared dependency graph
is the real one. ``read_table`` / ``write_table`` are the unchecked form, for tests and tools.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentoring_lib.pipeline import stages
from mentoring_lib.config import TermConfig, load_config
from mentoring_lib.errors import ConfigError, WorkbookError

if TYPE_CHECKING:  # pandas stays out of the CLI's start-up path
    import pandas as pd

DONE_MARKER = ".done"


@dataclass(frozen=True)
class OutputPaths:
    root: Path

    @property
    def public(self) -> Path:
        return self.root / "public"

    @property
    def private(self) -> Path:
        return self.root / "private"

    @property
    def tables(self) -> Path:
        return self.private / "tables"

    @property
    def quality(self) -> Path:
        return self.private / "quality"

    @property
    def notebooks(self) -> Path:
        return self.private / "notebooks"

    @property
    def figures(self) -> Path:
        return self.public / "figures"

    def ensure(self) -> "OutputPaths":
        from mentoring_lib.pipeline.publish import private_dir

        self.public.mkdir(parents=True, exist_ok=True)
        private_dir(self.private)  # 0700 whatever the umask: personal data (also in interactive/)
        for p in (self.tables, self.quality):
            p.mkdir(parents=True, exist_ok=True)
        return self


#: What the runner hands every stage of a run (see :func:`write_run_context`).
RUN_CONTEXT = "private/run-context.json"


@dataclass
class StageContext:
    stage: str
    config: TermConfig
    out: OutputPaths
    interactive: bool = False
    _key: bytes | None = field(default=None, repr=False)
    #: The date written into outputs (see provenance.source_date_epoch); passed, never read from
    #: the environment by the stages. None: computed from the config.
    source_date_epoch: int | None = None
    #: The run's public provenance, computed once by the runner (None when run alone).
    provenance: dict | None = None

    def __post_init__(self) -> None:
        if self.source_date_epoch is None:
            from mentoring_lib.pipeline.provenance import source_date_epoch

            self.source_date_epoch = source_date_epoch(self.config)

    # -- datasets of the catalogue (checked against the stage's declaration) ----------------
    def dataset(self, name: str, *, writing: bool = False) -> "stages.Dataset":
        """The catalogue's dataset ``name``, if this stage declared it (reads, or writes when
        ``writing``; a stage may read back what it writes). Anything else is a bug: WorkbookError."""
        st = stages.get(self.stage)
        declared = st.writes if writing else (*st.reads, *st.writes)
        if name not in declared:
            verb = "write" if writing else "read"
            raise WorkbookError(f"stage '{self.stage}' does not declare that it {verb}s the dataset '{name}'",
                                hint="declare it in mentoring_lib/pipeline/stages.py (the stage catalogue)")
        ds = stages.DATASETS[name]
        if ds.domain == "identity" and not st.identity:
            raise WorkbookError(f"stage '{self.stage}' is not in the identity domain and cannot read '{name}'")
        return ds

    def path(self, name: str) -> Path:
        """Where the declared dataset ``name`` is stored in this output folder."""
        return self.out.root / self.dataset(name).path

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def read(self, name: str, *, columns: list[str] | None = None, categories: list[str] | None = None,
             optional: bool = False) -> "pd.DataFrame | None":
        """Read the declared table ``name`` ("<stage>/<table>" or "identity/people"); None when
        ``optional`` and missing. ``columns`` / ``categories`` as in :meth:`read_table`."""
        import pandas as pd

        path = self.path(name)
        if not path.exists():
            if optional:
                return None
            who = stages.producer(name)
            raise WorkbookError(f"the dataset '{name}' is missing ({path})",
                                hint=f"run the '{who}' stage first (mentoring run --config ... --from {who})")
        if categories:
            return pd.read_parquet(path, columns=columns, read_dictionary=list(categories))
        return pd.read_parquet(path, columns=columns)

    def write(self, name: str, df: "pd.DataFrame") -> Path:
        """Write the declared table ``name`` atomically."""
        self.dataset(name, writing=True)
        return _write_parquet(self.out.root / stages.DATASETS[name].path, df)

    # -- files ----------------------------------------------------------------------------
    def public_file(self, name: str) -> Path:
        p = self.out.public / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def private_file(self, name: str) -> Path:
        p = self.out.private / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    # -- tables exchanged between stages -------------------------------------------------
    def table_path(self, name: str, stage: str | None = None) -> Path:
        return self.out.tables / (stage or self.stage) / f"{name}.parquet"

    def write_table(self, name: str, df: "pd.DataFrame") -> Path:
        return _write_parquet(self.table_path(name), df)

    def read_table(self, name: str, stage: str | None = None, *, columns: list[str] | None = None,
                   categories: list[str] | None = None) -> "pd.DataFrame":
        """Read a table written by this stage or (``stage=``) by an upstream one; only ``columns``
        when given, and ``categories`` (a subset of them) as pandas categoricals, which keeps a long
        table with repeated identifiers small in memory."""
        import pandas as pd

        path = self.table_path(name, stage)
        if not path.exists():
            raise WorkbookError(
                f"table '{name}' of stage '{stage or self.stage}' is missing ({path})",
                hint=f"run the '{stage or self.stage}' stage first (mentoring run --config ... --from "
                     f"{stage or self.stage})")
        if categories:
            return pd.read_parquet(path, columns=columns, read_dictionary=list(categories))
        return pd.read_parquet(path, columns=columns)

    # -- data quality ----------------------------------------------------------------------
    def record_quality(self, source: str, *, rows_read: int, kept: int,
                       excluded: dict[str, int] | None = None, notes: list[str] | None = None) -> None:
        """Record how many rows of an input were read, kept and excluded, by reason."""
        path = self.out.root / self.dataset(f"quality/{self.stage}", writing=True).path
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(path.read_text()) if path.exists() else {}
        data[source] = {"rows_read": int(rows_read), "kept": int(kept),
                        "excluded": {k: int(v) for k, v in sorted((excluded or {}).items())},
                        "notes": list(notes or [])}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))

    def mark_done(self) -> None:
        d = self.out.tables / self.stage
        d.mkdir(parents=True, exist_ok=True)
        (d / DONE_MARKER).write_text("")

    def is_done(self, stage: str) -> bool:
        return (self.out.tables / stage / DONE_MARKER).exists()

    # -- pseudonym key (never a notebook parameter) -----------------------------------------
    @property
    def key(self) -> bytes:
        if self._key is None:
            from mentoring_lib.privacy.pseudonym import load_key

            self._key = load_key(self.config)
        return self._key

    def for_stage(self, stage: str) -> "StageContext":
        return StageContext(stage, self.config, self.out, self.interactive, self._key,
                            self.source_date_epoch, self.provenance)


def _write_parquet(path: Path, df: "pd.DataFrame") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def write_run_context(run_dir: Path, *, source_date_epoch: int, provenance: dict) -> None:
    """What the runner hands every stage of a run: the date written into outputs and the run's
    public provenance (computed once, by the runner). Private: it names the run's inputs."""
    from mentoring_lib.pipeline.provenance import write_json_atomic

    write_json_atomic(run_dir / RUN_CONTEXT, {"source_date_epoch": int(source_date_epoch),
                                              "provenance": provenance}, mode=0o600)


def read_run_context(root: Path) -> dict:
    path = root / RUN_CONTEXT
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def interactive_dir(config: TermConfig) -> Path:
    return config.term_dir / "interactive"


def open_stage(stage: str, *, config: str, output_dir: str | None = None, **unknown: Any) -> StageContext:
    """Validate a notebook's parameters and return its context (the notebook's second cell).

    papermill only warns about parameters a notebook does not declare; the runner passes
    exactly ``config`` and ``output_dir``, and anything else is an error here.
    """
    if unknown:
        raise ConfigError(f"stage '{stage}' got unknown parameters: {', '.join(sorted(unknown))}",
                          hint="notebook parameters are 'config' and 'output_dir' only")
    stages.get(stage)
    if not isinstance(config, (str, os.PathLike)) or not str(config):
        raise ConfigError("parameter 'config' must be the path of a term config file")
    cfg = load_config(config)
    interactive = output_dir is None
    root = interactive_dir(cfg) if output_dir is None else Path(output_dir)
    handed = {} if interactive else read_run_context(root)
    ctx = StageContext(stage, cfg, OutputPaths(root).ensure(), interactive=interactive,
                       source_date_epoch=handed.get("source_date_epoch"), provenance=handed.get("provenance"))
    if interactive:
        ensure_upstream(ctx)
    else:
        missing = [s for s in stages.get(stage).needs if not ctx.is_done(s)]
        if missing:
            raise WorkbookError(f"stage '{stage}' needs the outputs of: {', '.join(missing)}",
                                hint="run the whole term, or use --from with an earlier stage")
    return ctx


def ensure_upstream(ctx: StageContext) -> None:
    """Compute, in-process, every upstream stage whose tables are missing (interactive use)."""
    for name in stages.upstream(ctx.stage):
        if not ctx.is_done(name):
            run_in_process(ctx.for_stage(name))


def run_in_process(ctx: StageContext) -> None:
    """Run one stage's library function, then mark it done."""
    stages.get(ctx.stage).function()(ctx)
    ctx.mark_done()
