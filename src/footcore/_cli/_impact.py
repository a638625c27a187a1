"""``footcore impact``: what a rulebook change does to whole histories, here, on local
processes or on a Dask cluster, with progress, JSON and a report folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._convert import to_json
from .._errors import InputError
from .._population._chart import render_impact_chart
from .._store import open_store
from .._words import counted
from ..impact import (
    AthleteImpact,
    History,
    ImpactReport,
    decision_histories,
    impact,
    log_histories,
    read_histories,
)
from ._common import add_command, print_json, rulebook_from, stage_mapping
from ._files import write_text
from ._progress import Progress
from ._sources import source_kind

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_impact_command"]


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _stored(source: str) -> tuple[Iterable[History], int, str]:
    """The histories in the store at ``source``, with the number of its athletes; the store
    is closed once they are read."""
    store = open_store(source, readonly=True)
    total = len(store.athletes())

    def histories() -> Iterator[History]:
        with store:
            yield from store.histories()

    return histories(), total, "athletes"


def _source(source: str) -> tuple[Iterable[History], int, str]:
    """The histories in ``source``, whatever kind of file (or store) it is, with its size
    in lines (or athletes) and what that is."""
    kind = source_kind(source)
    if kind == "store":
        return _stored(source)
    path = Path(source)
    if kind == "athletes":
        return read_histories(path), _count_lines(path), "athletes"
    read = log_histories if kind == "log" else decision_histories
    return read(path), _count_lines(path), "check-ins"


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
    histories, total, unit = _source(args.source)
    bar = Progress("impact", total, unit, sys.stderr)

    def progress(athletes: int, checkins: int) -> None:
        bar(athletes if unit == "athletes" else checkins, f", {counted(athletes, 'athlete')}")

    with _executor(args.scheduler) as client, _athletes_file(args.report) as keep:
        try:
            report = impact(old, new, histories, workers=args.workers, executor=client,
                            backend=args.backend, examples=args.examples,
                            on_athlete=keep, progress=progress,
                            mapping=stage_mapping(args.map))
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
        "decisions (as simulate --out writes) or an audit log; or an audit store (a SQLite "
        "file or a postgresql:// URL).",
        "  footcore simulate examples/scenarios/runner_arch_irritation.toml --out out/\n"
        "  cp -r rules my-rules && $EDITOR my-rules/params.toml\n"
        "  footcore impact rules my-rules out/decisions.jsonl --report review/\n"
        "  footcore impact rules my-rules athletes.jsonl --scheduler tcp://scheduler:8786\n"
        "  footcore impact rules my-rules footcore.db --json\n"
        "  footcore impact rules-1.0 rules-2.0 footcore.db --map arch-basics=activation\n"
        "      (preview footcore store upgrade footcore.db --rules rules-2.0 --map ...)",
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
    cmd.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                     help="a stage NEW renamed: athletes on OLD start the new replay on NEW, "
                          "as store upgrade --map moves them (repeat for each)")
