"""``footcore impact``: what a rulebook change does to whole histories, here, on local
processes or on a Dask cluster, with progress, JSON and a report folder."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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
from .._store import open_store
from ._common import add_command, rulebook_from
from ._files import write_text

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


_SQLITE = b"SQLite format 3\x00"


def _is_store(source: str) -> bool:
    """A postgresql:// URL, or a SQLite file (by its header)."""
    if source.startswith(("postgresql://", "postgres://")):
        return True
    try:
        with Path(source).open("rb") as handle:
            return handle.read(len(_SQLITE)) == _SQLITE
    except OSError:
        return False


def _stored(source: str) -> tuple[Iterable[History], int, str]:
    """The histories in the store at ``source``, with the number of its athletes; the store
    is closed once they are read."""
    store = open_store(source)
    total = len(store.athletes())

    def histories() -> Iterator[History]:
        with store:
            yield from store.histories()

    return histories(), total, "athletes"


def _source(source: str) -> tuple[Iterable[History], int, str]:
    """The histories in ``source``, whatever kind of file (or store) it is, with its size
    in lines (or athletes) and what that is."""
    if _is_store(source):
        return _stored(source)
    path = Path(source)
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


class _Progress:
    """A bar redrawn in place on a terminal; a plain line every tenth of the way otherwise."""

    def __init__(self, total: int, unit: str, stream: IO[str]) -> None:
        self.total, self.unit, self.stream = max(total, 1), unit, stream
        self.tty = stream.isatty()
        self.tenth = 1

    def __call__(self, athletes: int, checkins: int) -> None:
        done = athletes if self.unit == "athletes" else checkins
        share = min(1.0, done / self.total)
        if self.tty:
            bar = "#" * round(30 * share)
            self.stream.write(f"\rimpact [{bar:<30}] {share:4.0%}  {done} of {self.total} "
                              f"{self.unit}")
            self.stream.flush()
            return
        if share * 10 >= self.tenth:
            self.tenth = int(share * 10) + 1
            print(f"impact: {done} of {self.total} {self.unit} ({share:.0%}), "
                  f"{athletes} athletes", file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


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
    progress = _Progress(total, unit, sys.stderr)
    with _executor(args.scheduler) as client, _athletes_file(args.report) as keep:
        try:
            report = impact(old, new, histories, workers=args.workers, executor=client,
                            backend=args.backend, examples=args.examples,
                            on_athlete=keep, progress=progress)
        finally:
            progress.close()
    print(to_json(report, indent=2) if args.json else report)
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
        "  footcore impact rules my-rules footcore.db --json",
        rules=False, backend=True)
    cmd.add_argument("old_rules", metavar="OLD", help="the rulebook folder in use")
    cmd.add_argument("new_rules", metavar="NEW", help="the changed rulebook folder")
    cmd.add_argument("source", metavar="SOURCE", help="the histories (see above)")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_count, metavar="N",
                       help="local processes (default: one per core; 1 runs in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the Dask cluster whose scheduler is at ADDRESS "
                            "(needs footcore[dask], and footcore on the workers)")
    cmd.add_argument("--json", action="store_true", help="print the report as JSON")
    cmd.add_argument("--report", metavar="DIR",
                     help="also write DIR/report.txt, report.json, athletes.jsonl and "
                          "chart.png (the chart needs footcore[plots])")
    cmd.add_argument("--examples", type=int, default=3, metavar="N",
                     help="example decisions kept per group (default 3)")
