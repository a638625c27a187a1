"""``footcore impact``: what a rulebook change does to whole histories, here, on local
processes or on a Dask cluster, with progress, JSON and a report folder."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._convert import to_json
from .._errors import InputError
from .._population import (
    AthleteImpact,
    History,
    ImpactReport,
    decision_histories,
    impact,
    log_histories,
    read_histories,
)
from .._population._chart import render_impact_chart
from ._common import add_command, print_json, rulebook_from
from ._files import write_text
from ._progress import Progress

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_impact_command"]


def _first_line(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    return json.loads(line)
    except FileNotFoundError:
        raise InputError(f"source {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"source {path}: is a folder; expected a file") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"source {path} line 1: not JSON Lines ({exc})") from None
    raise InputError(f"source {path}: empty")


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _source(path: Path) -> tuple[Iterable[History], int, str]:
    """The histories in ``path``, whatever kind of file it is, with its size in lines and
    what a line is."""
    first = _first_line(path)
    keys = set(first) if isinstance(first, dict) else set()
    if keys == {"state", "checkins"}:
        return read_histories(path), _count_lines(path), "athletes"
    if "decision" in keys and "seq" in keys:
        return log_histories(path), _count_lines(path), "check-ins"
    if "prior_state" in keys and "checkin" in keys:
        return decision_histories(path), _count_lines(path), "check-ins"
    raise InputError(f"source {path} line 1: expected an athlete's history ({{\"state\", "
                     f"\"checkins\"}}), a decision (as simulate --out writes) or an audit "
                     f"log record")


@contextmanager
def _executor(scheduler: str | None) -> Iterator[Any]:
    """A Dask client on ``scheduler`` for the run, closed after; None without one."""
    if scheduler is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'footcore[dask]'"
                         ) from None
    try:
        client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


@contextmanager
def _athletes_file(folder: str | None) -> Iterator[Callable[[AthleteImpact], object] | None]:
    """Where each athlete's result goes as it comes: ``folder/athletes.jsonl``, or nowhere."""
    if folder is None:
        yield None
        return
    path = Path(folder) / "athletes.jsonl"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"report folder {folder}: cannot write it ({exc})") from None
    with handle:
        yield lambda athlete: handle.write(to_json(athlete) + "\n")


def _write_report(folder: str, report: ImpactReport) -> None:
    out = Path(folder)
    write_text(out / "report.json", to_json(report, indent=2) + "\n", "report")
    write_text(out / "report.txt", f"{report}\n", "report")
    render_impact_chart(report, out / "chart.png")


def _impact(args: argparse.Namespace) -> int:
    old, new = rulebook_from(args.old_rules), rulebook_from(args.new_rules)
    histories, total, unit = _source(Path(args.source))
    bar = Progress("impact", total, unit, sys.stderr)

    def progress(athletes: int, checkins: int) -> None:
        bar(athletes if unit == "athletes" else checkins, f", {athletes} athletes")

    with _executor(args.scheduler) as client, _athletes_file(args.report) as keep:
        try:
            report = impact(old, new, histories, workers=args.workers, executor=client,
                            backend=args.backend, examples=args.examples,
                            on_athlete=keep, progress=progress)
        finally:
            bar.close()
    if args.json:
        print_json(report)
    else:
        print(report)
    if args.report:
        _write_report(args.report, report)
        if not args.json:
            print(f"Wrote {Path(args.report) / 'report.txt'}, report.json, athletes.jsonl "
                  f"(one line per athlete) and chart.png there.")
    return 0


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more; got {text!r}")
    return int(text)


def add_impact_command(commands: Commands) -> None:
    """Declare ``impact``."""
    cmd = add_command(
        commands, "impact", _impact,
        "Replay each athlete's whole history under two rulebooks and report what changes: "
        "decisions, the first divergence, days to each rung, back-offs. SOURCE is JSON "
        "Lines: athletes' histories ({\"state\": ..., \"checkins\": [...]}, one per line), "
        "decisions (as simulate --out writes) or an audit log.",
        "  footcore simulate examples/scenarios/runner_arch_irritation.toml --out out/\n"
        "  cp -r rules my-rules && $EDITOR my-rules/params.toml\n"
        "  footcore impact rules my-rules out/decisions.jsonl --report review/\n"
        "  footcore impact rules my-rules athletes.jsonl --scheduler tcp://scheduler:8786",
        rules=False, backend=True, json="the report")
    cmd.add_argument("old_rules", metavar="OLD", help="the rulebook folder in use")
    cmd.add_argument("new_rules", metavar="NEW", help="the changed rulebook folder")
    cmd.add_argument("source", metavar="SOURCE", help="the histories (see above)")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_count, metavar="N",
                       help="local processes (default: one per core; 1 runs in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the Dask cluster whose scheduler is at ADDRESS "
                            "(needs footcore[dask], and footcore on the workers)")
    cmd.add_argument("--report", metavar="DIR",
                     help="also write DIR/report.txt, report.json, athletes.jsonl and "
                          "chart.png (the chart needs footcore[plots])")
    cmd.add_argument("--examples", type=int, default=3, metavar="N",
                     help="example decisions kept per group (default 3)")
