"""The ``mentoring`` command line (also ``python -m mentoring_lib``).

Exit codes (design): 0 success, 1 unexpected failure, 2 config or input error,
3 a notebook failed, 4 the privacy gate or the disclosure audit stopped publication, 10 ``status``
raised an alert, 75 the term is locked, 130 / 143 stopped by Ctrl-C / SIGTERM.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from mentoring_lib import __version__
from mentoring_lib.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_UNEXPECTED, Terminated, WorkbookError


def _cmd_run(args: argparse.Namespace) -> int:
    from mentoring_lib.pipeline.runner import print_outputs, run_term

    result = run_term(args.config, only=args.only, start=args.start, force=args.force, jobs=args.jobs,
                      timeout=args.timeout)
    if result.status == "ok":
        print(f"Run {result.run_id} finished.")
    print_outputs(result)
    return result.exit_code


def _cmd_check(args: argparse.Namespace) -> int:
    from mentoring_lib.pipeline.check import check_term

    check_term(args.config)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from mentoring_lib.pipeline.status import console_lines, run_status

    result = run_status(args.config, as_of=args.as_of)
    for line in console_lines(result):
        print(line)
    print(f"Private status page: {result.files[0]}")
    return result.exit_code


def _as_of(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-01") from None


def _cmd_inspect(args: argparse.Namespace) -> int:
    from mentoring_lib.io.inspect import describe_export

    for path in args.files:
        print(describe_export(Path(path)))
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    if args.variant == "spring":
        from mentoring_lib.demo.demodata_spring import CONFIG_FILE, write_spring_term

        if args.scale != 1:
            print("error: the spring term has one size; leave out --scale", file=sys.stderr)
            return 2
        seed = 2027 if args.seed is None else args.seed
        write_spring_term(Path(args.dir), seed=seed)
        print(f"Wrote the synthetic spring term (seed {seed}) to {args.dir}; run it with "
              f"`mentoring run --config {Path(args.dir) / CONFIG_FILE}`")
        return 0
    from mentoring_lib.demo.demodata import write_demo_term

    seed = 2026 if args.seed is None else args.seed
    write_demo_term(Path(args.dir), seed=seed, scale=args.scale)
    print(f"Wrote a synthetic term (seed {seed}, scale {args.scale}) to {args.dir}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from mentoring_lib.across_terms import compare

    paths = args.terms if args.terms else compare.summaries_in(args.config_dir)
    out = args.out or str(Path(os.environ.get("MENTORING_REPORTS_ROOT") or "reports") / "compare")
    written = compare.write_comparison(paths, out)
    print(f"Compared {len(paths)} term summaries.")
    for kind, path in written.items():
        print(f"  {kind}: {path}")
    if args.history:
        from mentoring_lib.across_terms import history

        history.add(args.history, paths)
        print(f"  added to the history store {args.history} (Parquet, one file per term)")
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    from mentoring_lib.privacy.pseudonym import keygen

    path = keygen(Path(args.path).expanduser())
    print(f"Wrote a new pseudonym key to {path} (readable by you only). Keep it outside the repository "
          f"and back it up: without it, next term's pseudonyms will not match this term's.")
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    from mentoring_lib.config import load_config
    from mentoring_lib.errors import ConfigError
    from mentoring_lib.pipeline.retention import purge_term

    config = args.config or Path("config") / f"{args.term}.yml"
    cfg = load_config(config)
    if args.term and cfg.term.name != args.term:
        raise ConfigError(f"is the config of term '{cfg.term.name}', not '{args.term}'", file=config,
                          hint="pass the config of the term to purge")
    removed = purge_term(cfg, yes=args.yes)
    for p in removed:
        print(f"deleted {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from mentoring_lib.pipeline.stages import STAGES

    stage_names = ", ".join(s.name for s in STAGES)
    p = argparse.ArgumentParser(
        prog="mentoring", description="Compassion mentoring workbook: run and evaluate a term of the peer-"
                                      "mentoring programme. `mentoring COMMAND --help` describes a command.",
        epilog="exit codes: 0 success, 1 unexpected failure (a bug), 2 config or input error, 3 a stage "
               "notebook failed, 4 personal data or a recoverable hidden count in a public output (nothing "
               "published), 10 status: a group raised an alert, 75 another run holds the term's lock, 130/143 stopped by Ctrl-C/SIGTERM")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                   help="print the workbook's version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str, epilog: str | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text[:1].upper() + text[1:] + ".", epilog=epilog)

    run = command("run", "run a term's pipeline (all stage notebooks) and publish its outputs")
    run.add_argument("--config", required=True, metavar="FILE", help="the term's YAML config, e.g. config/demo.yml")
    part = run.add_mutually_exclusive_group()
    part.add_argument("--only", action="append", metavar="STAGE",
                      help=f"run only this stage (repeatable); one of: {stage_names}")
    part.add_argument("--from", dest="start", metavar="STAGE",
                      help=f"run this stage and the ones after it; one of: {stage_names}")
    run.add_argument("--force", action="store_true", help="run even if nothing changed since the last run")
    run.add_argument("--jobs", type=int, default=2, metavar="N",
                     help="stages run at once when independent (default 2)")
    run.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                     help="seconds a notebook cell may take (default 600)")
    run.set_defaults(func=_cmd_run)

    chk = command("check", "validate the config and every input file; print data quality")
    chk.add_argument("--config", required=True, metavar="FILE", help="the term's YAML config, e.g. config/demo.yml")
    chk.set_defaults(func=_cmd_check)

    st = command("status", "during the term: meetings due and held per group, alerts, survey response and "
                           "reminder lists (private); exit 10 on an alert")
    st.add_argument("--config", required=True, metavar="FILE", help="the term's YAML config, e.g. config/demo.yml")
    st.add_argument("--as-of", type=_as_of, default=None, metavar="DATE",
                    help="the day to report on, e.g. 2026-11-01 (default: today in the term's time zone)")
    st.set_defaults(func=_cmd_status)

    ins = command("inspect", "say what an export is (tool, encoding, headers, oddities); needs no config")
    ins.add_argument("files", nargs="+", metavar="FILE", help="one or more exports (CSV, XLSX) to describe")
    ins.set_defaults(func=_cmd_inspect)

    demo = command("demo-data", "write a synthetic term of exports")
    demo.add_argument("dir", metavar="DIR", help="folder to write the exports to (created if missing)")
    demo.add_argument("--seed", type=int, default=None, metavar="N",
                      help="random seed (default 2026; spring: 2027)")
    demo.add_argument("--scale", type=int, default=1, metavar="K",
                      help="multiply people and responses by K (default 1; demo variant only)")
    demo.add_argument("--variant", choices=("demo", "spring"), default="demo",
                      help="demo: the autumn demo term (data/demo); spring: a second, smaller term with "
                           "other survey tools, written with its config (DIR/spring.yml) and answer key")
    demo.set_defaults(func=_cmd_demo_data)

    cmp = command("compare", "compare terms (and universities) from their public summary.json files")
    which_terms = cmp.add_mutually_exclusive_group(required=True)
    which_terms.add_argument("--terms", nargs="+", metavar="SUMMARY",
                             help="summary.json files (or term folders holding public/summary.json)")
    which_terms.add_argument("--config-dir", metavar="DIR",
                             help="every term configured in DIR (*.yml) that has a published summary")
    cmp.add_argument("--out", default=None, metavar="DIR", help="output folder (default: reports/compare, or "
                                                               "$MENTORING_REPORTS_ROOT/compare)")
    cmp.add_argument("--history", metavar="DIR", default=None,
                     help="also add the summaries to a history store (a Parquet dataset in DIR; a term added "
                          "again replaces its figures)")
    cmp.set_defaults(func=_cmd_compare)

    key = command("keygen", "write a new pseudonym key file (outside the repository)",
                  epilog="then set privacy.key_source: file and privacy.key_file: PATH in the term's config")
    key.add_argument("path", metavar="PATH",
                     help="where to write the key, e.g. ~/.config/mentoring/autumn-2027.key")
    key.set_defaults(func=_cmd_keygen)

    purge = command("purge", "delete a term's private area and raw-data copy (retention)")
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--term", metavar="NAME", help="the term's name; its config is config/NAME.yml")
    which.add_argument("--config", metavar="FILE", help="the term's config file")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(func=_cmd_purge)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbookError as e:
        print(f"error: {e.render()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:  # SIGTERM during a run (see runner._StopSignal)
        print("stopped by SIGTERM: nothing was published; the previous outputs are unchanged",
              file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:  # output piped into `head` and similar: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback by default
        if os.environ.get("MENTORING_DEBUG"):
            traceback.print_exc()
        print(f"error: unexpected {type(e).__name__}. This is a bug in the workbook, not in your data; "
              f"run again with MENTORING_DEBUG=1 to see the traceback and report it.", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
