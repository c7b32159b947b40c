"""Performance figures of the workbook (``make bench`` or ``python benchmarks/run.py``).

Prints a JSON document and a readable table:
- end-to-end ``mentoring run`` on the demo term, with per-stage times (from run.json);
- the in-process floor: the same stages as plain library calls in one Python process;
- a naive baseline: the stage notebooks one after another with the papermill command line;
- peak memory (largest resident set of the run's processes);
- scaling: ``demo-data --scale`` 1, 10 and 100, end to end;
- 1,000 certificates.
Each figure is one measurement on the machine it runs on; ratios are taken within one run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _env(reports: Path) -> dict:
    return {**os.environ, "MENTORING_REPORTS_ROOT": str(reports), "PYTHONPATH": str(ROOT)}


#: Runs a command and prints the peak RSS (KiB) of its largest descendant: each measurement
#: gets its own wrapper, so one run's peak is not mixed with another's.
PEAK_WRAPPER = ("import resource, subprocess, sys\n"
                "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
                "sys.stderr.write(r.stderr)\n"
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                "sys.exit(r.returncode)\n")


def run_end_to_end(config: Path, reports: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, sys.executable, "-m", "mentoring_lib", "run",
                           "--config", str(config), "--force"],
                          env=_env(reports), cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"mentoring run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    from mentoring_lib.config import load_config

    term = load_config(config).term.name
    record = json.loads((reports / term / "run.json").read_text())
    peak = int(proc.stdout.strip().splitlines()[-1]) / 1024
    return {"seconds": round(seconds, 2),
            "stages": {k: v["seconds"] for k, v in record["stages"].items()},
            "peak_rss_mib_any_process": round(peak, 1)}


def run_in_process(config: Path, reports: Path) -> dict:
    """The floor: every stage's library function in one process (a child, to measure it alone)."""
    code = (
        "import time, json, sys\n"
        "t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from mentoring_lib import stages\n"
        "from mentoring_lib.config import load_config\n"
        "from mentoring_lib.context import OutputPaths, StageContext, run_in_process\n"
        f"cfg = load_config({str(config)!r})\n"
        f"out = OutputPaths(Path({str(reports / 'floor')!r})).ensure()\n"
        "times = {}\n"
        "for st in stages.STAGES:\n"
        "    s = time.perf_counter(); run_in_process(StageContext(st.name, cfg, out)); times[st.name] = round(time.perf_counter() - s, 2)\n"
        "import resource\n"
        "print(json.dumps({'seconds': round(time.perf_counter() - t0, 2), 'stages': times,\n"
        "                  'peak_rss_mib': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))\n")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env={**_env(reports), "MPLBACKEND": "Agg"}, cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["seconds_with_interpreter"] = round(time.perf_counter() - t0, 2)
    return result


def run_naive(config: Path, reports: Path) -> dict:
    """Baseline: each notebook with the papermill CLI, one after another."""
    from mentoring_lib import stages

    out = reports / "naive"
    out.mkdir(parents=True, exist_ok=True)
    papermill = shutil.which("papermill", path=str(Path(sys.executable).parent)) or "papermill"
    t0 = time.perf_counter()
    times = {}
    for st in stages.STAGES:
        s = time.perf_counter()
        proc = subprocess.run([papermill, str(ROOT / "notebooks" / st.notebook), str(out / st.notebook),
                               "-p", "config", str(config), "-p", "output_dir", str(out), "--cwd",
                               str(ROOT / "notebooks"), "--no-progress-bar"],
                              env=_env(reports), cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"papermill {st.notebook} failed:\n{proc.stderr[-3000:]}")
        times[st.name] = round(time.perf_counter() - s, 2)
    return {"seconds": round(time.perf_counter() - t0, 2), "stages": times}


def certificates_1000(tmp: Path) -> dict:
    from mentoring_lib import certificates

    bench = getattr(certificates, "benchmark_render", None)
    if bench is None:
        return {"skipped": "certificates.benchmark_render not available"}
    t0 = time.perf_counter()
    n = bench(1000, tmp / "certs")
    return {"certificates": n, "seconds": round(time.perf_counter() - t0, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,10,100", help="comma-separated demo-data scales")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)

    results: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                 "platform": platform.platform()}}
    with tempfile.TemporaryDirectory(prefix="mentoring-bench-") as tmp_s:
        tmp = Path(tmp_s)
        demo = ROOT / "config" / "demo.yml"
        results["demo_end_to_end"] = run_end_to_end(demo, tmp / "e2e")
        results["demo_in_process_floor"] = run_in_process(demo, tmp / "floor")
        if not args.skip_naive:
            results["demo_naive_papermill_cli"] = run_naive(demo, tmp / "naive")
        e2e = results["demo_end_to_end"]["seconds"]
        floor = results["demo_in_process_floor"]["seconds_with_interpreter"]
        results["ratios"] = {"end_to_end_over_floor": round(e2e / floor, 2)}
        if "demo_naive_papermill_cli" in results:
            results["ratios"]["naive_over_end_to_end"] = round(results["demo_naive_papermill_cli"]["seconds"] / e2e, 2)

        from mentoring_lib.demodata import write_demo_term, write_scaled_config

        scaling = {}
        for k in [int(s) for s in args.scales.split(",") if s]:
            data = tmp / f"data-x{k}"
            t0 = time.perf_counter()
            write_demo_term(data, seed=2026, scale=k)
            gen = time.perf_counter() - t0
            cfg = write_scaled_config(tmp / f"bench-x{k}.yml", ROOT / "config" / "demo.yml", data, k)
            r = run_end_to_end(cfg, tmp / f"scale-{k}")
            scaling[str(k)] = {"generate_seconds": round(gen, 2), **r}
        results["scaling"] = scaling
        results["certificates_1000"] = certificates_1000(tmp)

    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    print("\nfigure                                     value")
    print(f"demo end to end (mentoring run)            {results['demo_end_to_end']['seconds']:.1f} s")
    print(f"demo in-process floor                      {floor:.1f} s")
    if "demo_naive_papermill_cli" in results:
        print(f"demo naive papermill CLI, sequential       {results['demo_naive_papermill_cli']['seconds']:.1f} s")
    for k, v in results["ratios"].items():
        print(f"{k:42} {v:.2f}x")
    for k, v in results["scaling"].items():
        print(f"scale x{k:<5} end to end                    {v['seconds']:.1f} s "
              f"(peak {v['peak_rss_mib_any_process']:.0f} MiB)")
    c = results["certificates_1000"]
    if "seconds" in c:
        print(f"1,000 certificates                         {c['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
