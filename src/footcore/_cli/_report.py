"""``footcore report``: one athlete's history from a decisions file, an audit log or a store,
as one self-contained HTML page a coach can send a clinician."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .._audit import AuditLog, verify_log
from .._chart import check_chart, render_chart
from .._convert import from_json
from .._errors import InputError
from .._jsonparse import parse_json
from .._models import Decision
from .._page import Verification, history_page
from .._store import open_store
from ._common import add_command, rulebook_from
from ._files import write_text
from ._sources import source_kind

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_report_command"]

_NO_CHAIN = ("no chain was verified: a decisions file has no hash chain (keep decisions in "
             "an audit log or a store to have them verified)")

History = tuple[list[tuple[int, Decision]], str, Verification, list[str]]
"""(number, decision) pairs of the athlete, what a number counts, the chain's check, and
the other athletes seen."""


def _one_line(report: object) -> str:
    return "; ".join(line.strip() for line in str(report).splitlines())


def _from_store(location: str, athlete: str) -> History:
    with open_store(location) as store:
        decisions = store.decisions(athlete)
        others = [] if decisions else list(store.athletes())
        report = store.verify()
    return ([(n, d) for n, d in enumerate(decisions, 1)], "record",
            Verification(report.ok, f"every chain of the store verified: {_one_line(report)}"),
            others)


def _from_log(path: Path, athlete: str) -> History:
    numbered, others = [], set()
    for record in AuditLog(path).records():
        if record.decision.state.athlete_id == athlete:
            numbered.append((record.seq + 1, record.decision))
        else:
            others.add(record.decision.state.athlete_id)
    report = verify_log(path)
    return (numbered, "record",
            Verification(report.ok, f"the log's hash chain verified: {_one_line(report)}"),
            sorted(others))


def _from_decisions(path: Path, athlete: str) -> History:
    numbered, others = [], set()
    with path.open("rb") as handle:
        lines = (line for line in handle if line.strip())
        for number, line in enumerate(lines, 1):
            try:
                whose = parse_json(line, "decision")["state"]["athlete_id"]
            except (ValueError, TypeError, KeyError):
                raise InputError(f"decisions file {path} (decision {number}): not a decision "
                                 f"as simulate --out writes it") from None
            if whose != athlete:
                others.add(str(whose))
                continue
            try:
                numbered.append((number, from_json(line, Decision)))
            except InputError as exc:
                raise InputError(f"decisions file {path} (decision {number}): {exc}") from None
    return numbered, "row", Verification(None, _NO_CHAIN), sorted(others)


def _history(source: str, athlete: str) -> History:
    """The athlete's decisions in ``source``, whatever it is: a store (a postgresql:// URL
    or a SQLite file), an audit log or a decisions file (JSON Lines)."""
    kind = source_kind(source)
    if kind == "store":
        return _from_store(source, athlete)
    if kind == "log":
        return _from_log(Path(source), athlete)
    if kind == "decisions":
        return _from_decisions(Path(source), athlete)
    raise InputError(f"source {source}: holds athletes' histories, not decisions; expected "
                     f"a decision (as simulate --out writes), an audit log record, or a "
                     f"footcore store")


def _file_name(athlete: str) -> str:
    """The page's file name: the athlete id, with anything but letters, digits, ``-``, ``_``
    and inner dots made ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]|^\.", "_", athlete) + ".html"


def _report(args: argparse.Namespace) -> int:
    if not args.no_chart:
        check_chart("give --no-chart for a page without it")
    numbered, word, verification, others = _history(args.source, args.athlete)
    if not numbered:
        seen = f"; athletes there: {', '.join(others[:10])}" if others else ""
        print(f"{args.source}: no decisions for athlete {args.athlete}{seen}")
        return 1
    chart = None
    if not args.no_chart:
        rulebook = rulebook_from(args.rules)
        stages = {stage.id for stage in rulebook.stages}
        for number, decision in numbered:
            if not {decision.prior_state.stage, decision.state.stage} <= stages:
                raise InputError(f"{word} {number} is on stage {decision.state.stage!r}, which "
                                 f"the rulebook {args.rules or '(shipped)'} lacks: give the "
                                 f"rulebook that made it with --rules, or --no-chart")
        png = io.BytesIO()
        render_chart([d for _, d in numbered], rulebook, png,
                     title=f"Athlete {args.athlete}", description=f"from {args.source}")
        chart = png.getvalue()
    page = history_page(numbered, source=args.source, word=word, verification=verification,
                        chart=chart)
    out = Path(args.out) / _file_name(args.athlete)
    write_text(out, page, "page")
    state = {None: "no chain to verify", True: "chain intact", False: "chain DAMAGED"}
    print(f"Wrote {out}: {len(numbered)} decision(s) of athlete {args.athlete}, "
          f"{state[verification.ok]}.")
    return 1 if verification.ok is False else 0


def add_report_command(commands: Commands) -> None:
    """Declare ``report``."""
    cmd = add_command(
        commands, "report", _report,
        "Write one athlete's history as a self-contained HTML page to send a clinician: the "
        "chart of the climb with back-offs, every decision with its explanation and what "
        "the next step still needs, the rulebook versions used and whether the record's "
        "hash chain is intact (exit code 1 if it is not). SOURCE: decisions (as simulate "
        "--out writes), an audit log, or a store (a SQLite file or a postgresql:// URL).",
        "  footcore simulate scenarios/sharp_pain.toml --out out/\n"
        "  footcore report out/decisions.jsonl runner-sharp --out pages/\n"
        "  footcore report --rules my-rules footcore.db a-17 --out pages/")
    cmd.add_argument("source", metavar="SOURCE", help="where the decisions are (see above)")
    cmd.add_argument("athlete", metavar="ATHLETE_ID", help="whose history")
    cmd.add_argument("--out", required=True, metavar="DIR",
                     help="write DIR/ATHLETE_ID.html (the folder is created if missing)")
    cmd.add_argument("--no-chart", action="store_true",
                     help="leave the chart out (it needs footcore[plots])")
