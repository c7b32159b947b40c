"""Warm kernels for ``mentoring run``: start a stage's kernel before the stage needs it.

A stage notebook spends one to three seconds before its first cell does any work: the kernel
process starts, then the stage's module imports pandas, pyarrow and, for some stages, scipy and
matplotlib. The runner (see :mod:`mentoring_lib.pipeline.runner`) asks :class:`WarmKernels` for a kernel
when a stage starts; the pool has already started kernels for the stages that come next (in the
order the scheduler will start them) and run their imports, so that cost overlaps with the
stages still running (measured in ``benchmarks/run.py``; set ``MENTORING_WARM_KERNELS=0`` to
switch it off).

A warm kernel is an ordinary fresh kernel that has imported modules the notebook imports anyway:
the imports run ``silent`` and without history, so the executed notebook (its execution counts,
outputs and results) is the same as with a cold kernel. Each kernel runs one notebook only and
is shut down after it; kernels that are never used are shut down by :meth:`WarmKernels.close`.
Warm and cold kernels start with the same arguments (``extra_arguments``, the runner's
``KERNEL_ARGUMENTS``), so both load the extension that hands a workbook error to the runner as a
structured payload (:func:`mentoring_lib.pipeline.drivers.load_ipython_extension`).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

from mentoring_lib.pipeline import stages
from mentoring_lib.errors import Terminated

ENV_SWITCH = "MENTORING_WARM_KERNELS"
#: Kernels warmed beyond the ones running; each holds ~150-250 MB once its imports are done. One is
#: enough: with two the demo ran no faster (two kernels running and two booting compete for two
#: cores), and the 100-times term's memory peaked above 1 GiB while both waited.
DEFAULT_AHEAD = 1
START_TIMEOUT = 60

log = logging.getLogger("mentoring.run")

#: Kernel managers started here and not yet shut down, for :func:`kill_all`.
_LIVE: set = set()
_LIVE_LOCK = threading.Lock()
#: Set by :func:`kill_all` while a run is being stopped: no new kernel is handed out.
_STOPPING = threading.Event()


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def start_order(selected: Iterable[stages.Stage]) -> list[stages.Stage]:
    """The order the scheduler starts ``selected``: by depth in the dependency graph (stages whose
    needs are met together start together), then pipeline order."""
    chosen = list(selected)
    names = {s.name for s in chosen}
    depth: dict[str, int] = {}
    for st in stages.STAGES:  # pipeline order is a dependency order
        depth[st.name] = 1 + max((depth[n] for n in st.needs if n in names), default=-1)
    pos = {s.name: i for i, s in enumerate(stages.STAGES)}
    return sorted(chosen, key=lambda s: (depth[s.name], pos[s.name]))


#: Modules a stage's code imports only inside functions (so neither its module nor its notebook
#: shows them), worth importing ahead: matplotlib for the evaluation's charts.
LATE_IMPORTS = {"evaluation": ("mentoring_lib.outputs.charts",)}
_IMPORT_LINE = re.compile(r"^(?:from\s+[\w.]+\s+import\s+[\w., ]+|import\s+[\w.]+(?:\s+as\s+\w+)?)\s*(?:#.*)?$")


def warm_code(stage: stages.Stage, notebook_dir: str | os.PathLike | None = None) -> str:
    """What a stage's kernel imports in advance: the stage's own module and the import lines of its
    notebook, inside a function so no name is defined in the notebook's namespace (no data is
    read, nothing is written)."""
    lines = ["import mentoring_lib.pipeline.context", "from IPython.display import display",
             f"import {stage.entry.split(':')[0]}"] + ([f"import {stage.module}"] if stage.module else []) \
        + [f"import {m}" for m in LATE_IMPORTS.get(stage.name, ())]
    if notebook_dir is not None:
        try:
            nb = json.loads((Path(notebook_dir) / stage.notebook).read_text(encoding="utf-8"))
            for cell in nb.get("cells", []):
                if cell.get("cell_type") == "code" and "parameters" not in cell.get("metadata", {}).get("tags", []):
                    src = "".join(cell.get("source", []))
                    lines += [line.strip() for line in src.splitlines() if _IMPORT_LINE.match(line)]
        except (OSError, ValueError, AttributeError, TypeError):
            pass  # the stage's own module is enough
    body = "".join(f"    {line}\n" for line in dict.fromkeys(lines))
    return f"def _warm_imports():\n{body}\n_warm_imports()\ndel _warm_imports\n"


def import_papermill():
    """Import papermill for the runner, without the IRI grammar of jsonschema's format checkers.

    papermill imports nbformat, which imports jsonschema, which imports ``rfc3987_syntax`` when it
    is installed (jupyterlab's dependencies install it): that builds some 35 Lark parsers at
    import, about 2 s of CPU in every run (python-jsonschema/jsonschema#1428). The notebook
    schema nbformat validates against uses no ``iri`` format, so the runner's process goes
    without that checker. Nothing changes when jsonschema is already imported."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" fails fast
    import papermill

    import papermill.exceptions  # noqa: F401
    return papermill


async def _start(stage: stages.Stage, cwd: str, extra_arguments: list[str]) -> Any:
    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name="python3")
    # The kernel process's own stderr carries only ipykernel/zmq internals (a notebook's output and
    # warnings travel as messages into the executed notebook); a warm kernel shut down while still
    # starting, when a run stops early, printed a zmq traceback onto the coordinator's console.
    await km.start_kernel(extra_arguments=list(extra_arguments), cwd=cwd, stderr=subprocess.DEVNULL)
    with _LIVE_LOCK:
        _LIVE.add(km)
    kc = km.client()
    try:
        kc.start_channels()
        await kc.wait_for_ready(timeout=START_TIMEOUT)
        msg_id = kc.execute(warm_code(stage, cwd), silent=True, store_history=False)
        while True:
            reply = await kc.get_shell_msg(timeout=START_TIMEOUT)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
    finally:
        kc.stop_channels()
    return km


async def _shutdown(km: Any) -> None:
    try:
        await km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs no shutting down
        pass


def shutdown(km: Any) -> None:
    """Stop a kernel this module started (after its notebook ran, or unused)."""
    if km is not None:
        with _LIVE_LOCK:
            _LIVE.discard(km)
        asyncio.run(_shutdown(km))


def kill_all() -> int:
    """Kill every kernel this module started that is still alive, at once (the run is being
    stopped): a notebook running on one ends with a dead kernel instead of running to its end.
    Until the next :class:`WarmKernels` is made, no kernel is handed out. Returns how many."""
    _STOPPING.set()
    with _LIVE_LOCK:
        live = list(_LIVE)
        _LIVE.clear()
    killed = 0
    for km in live:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            killed += 1
    return killed


class WarmKernels:
    """Kernels started ahead of the stages that will use them (one kernel per stage)."""

    def __init__(self, selected: Iterable[stages.Stage], *, cwd: str | os.PathLike,
                 extra_arguments: list[str], ahead: int = DEFAULT_AHEAD):
        self._order = [s.name for s in start_order(selected)]
        self._by_name = {s.name: s for s in stages.STAGES}
        self._cwd = str(Path(cwd))
        self._args = list(extra_arguments)
        self._ahead = max(0, ahead)
        self._futures: dict[str, Future] = {}
        self._taken: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=max(1, self._ahead + 1), thread_name_prefix="warm-kernel")
        _STOPPING.clear()
        self._top_up()
        # The runner imports papermill for its first stage; do it while the first kernel boots.
        self._pool.submit(import_papermill)

    def _top_up(self) -> None:
        """Start kernels for the next stages in start order, keeping ``ahead`` untaken ones warm
        (the next stage's kernel is always started, even when ``ahead`` is 0)."""
        with self._lock:
            if self._closed or _STOPPING.is_set():
                return
            waiting = [n for n in self._futures if n not in self._taken]
            for name in self._order:
                if len(waiting) >= max(1, self._ahead):
                    break
                if name not in self._futures and name not in self._taken:
                    st = self._by_name[name]
                    self._futures[name] = self._pool.submit(asyncio.run, _start(st, self._cwd, self._args))
                    waiting.append(name)

    def take(self, stage: stages.Stage) -> Any | None:
        """The warm kernel manager for ``stage`` (the caller shuts it down with :func:`shutdown`
        after use), or None when none could be started (the caller starts a kernel itself)."""
        if _STOPPING.is_set():
            raise Terminated()
        with self._lock:
            self._taken.add(stage.name)
            fut = self._futures.pop(stage.name, None)
        self._top_up()
        if fut is None:
            return None
        try:
            km = fut.result(timeout=START_TIMEOUT * 2)
        except Exception as e:  # noqa: BLE001 - fall back to a cold start, which reports real errors
            km = None
            if not _STOPPING.is_set():
                log.info("warm kernel for stage %s not available (%s); starting one", stage.name,
                         type(e).__name__)
        if km is not None and (not km.has_kernel or not asyncio.run(km.is_alive())):
            shutdown(km)
            km = None
        if _STOPPING.is_set():  # killed while starting: do not fall back to a cold start
            shutdown(km)
            raise Terminated()
        return km

    def close(self) -> None:
        """Shut down every kernel started and not taken."""
        with self._lock:
            self._closed = True
            leftovers = list(self._futures.values())
            self._futures.clear()
        for fut in leftovers:
            try:
                shutdown(fut.result(timeout=START_TIMEOUT * 2))
            except Exception:  # noqa: BLE001 - a kernel that failed to start needs no shutting down
                pass
        self._pool.shutdown(wait=True)
