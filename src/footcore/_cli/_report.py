"""``footcore report``: one athlete's history from a decisions file, an audit log or a store,
as one self-contained HTML page a coach can send a clinician."""

from __future__ import annotations

import argparse
import io
import os
import re
import secrets
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from .._audit import AuditLog
from .._audit_verify import verify_log
from .._chart import check_chart, render_chart
from .._convert import from_json
from .._errors import Conflict, InputError
from .._ids import normal_id
from .._jsonparse import parse_json
from .._models import Decision
from .._page import Verification, history_page, page_key, page_name
from .._store import open_store
from .._store._location import redact
from .._words import counted
from ._common import add_command, rulebook_from
from ._sources import source_kind

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_report_command"]

_NO_CHAIN = ("no chain was verified: a decisions file has no hash chain (keep decisions in "
             "an audit log or a store to have them verified)")

_SHOWN_PROBLEMS = 5  # problems the page lists before "and N more"
_OWNER = re.compile(rb'<meta name="footcore-athlete" content="([0-9a-f]{64})">')

History = tuple[list[tuple[int, Decision]], str, Verification, list[str]]
"""(number, decision) pairs of the athlete, what a number counts, the chain's check (about
this athlete only, for the page), and the other athletes seen (for the command's own
message when the athlete has none)."""


def _problems(problems: Sequence[object]) -> str:
    listed = "; ".join(str(p) for p in problems[:_SHOWN_PROBLEMS])
    more = len(problems) - _SHOWN_PROBLEMS
    return listed + (f"; and {more} more" if more > 0 else "")


def _from_store(location: str, athlete: str) -> History:
    with open_store(location, readonly=True) as store:
        decisions = store.decisions(athlete)
        others = [] if decisions else list(store.athletes())
        report = store.verify()
    # Only this athlete's chain and the store's own checkpoints concern the page.
    mine = [p for p in report.problems if p.athlete_id == athlete]
    shared = sum(p.athlete_id is None for p in report.problems)
    found = [f"{counted(len(mine), 'problem')} in this athlete's chain: {_problems(mine)}"
             ] if mine else []
    if shared:
        found.append(f"{counted(shared, 'problem')} with the store's signed checkpoints")
    text = ("; ".join(found) + "." if found else
            f"this athlete's chain of {counted(len(decisions), 'record')} in the store is "
            f"intact: every record links to the one before.")
    return ([(n, d) for n, d in enumerate(decisions, 1)], "record",
            Verification(not found, text), others)


def _from_log(path: Path, athlete: str) -> History:
    numbered, others = [], set()
    for record in AuditLog(path).records():
        if record.decision.state.athlete_id == athlete:
            numbered.append((record.seq + 1, record.decision))
        else:
            others.add(record.decision.state.athlete_id)
    report = verify_log(path)
    text = ("the audit log's hash chain is intact: every record links to the one before, "
            "this athlete's among them." if report.ok else
            f"the audit log's hash chain, which this athlete's records are part of, has "
            f"{counted(len(report.problems), 'problem')}: {_problems(report.problems)}.")
    return numbered, "record", Verification(report.ok, text), sorted(others)


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
            where = f"decisions file {path} (decision {number})"
            try:
                decision = from_json(line, Decision)
            except InputError as exc:
                raise InputError(f"{where}: {exc}", code=exc.code) from None
            numbered.append((number, decision))
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


def _check_owner(target: Path, athlete: str) -> None:
    """Make sure the file at ``target`` is a page of ``athlete`` before it is replaced.

    Raises:
        Conflict: it is another athlete's page (their ids' digests begin alike), or a file
            footcore did not write as a page.
    """
    with target.open("rb") as handle:
        found = _OWNER.search(handle.read(4096))
    if found is None:
        raise Conflict(f"page {target}: a file that is not a footcore page is there; "
                       f"not replaced (move it, or give another --out)")
    if found.group(1).decode() != page_key(athlete):
        raise Conflict(f"page {target}: holds the page of another athlete, whose id's "
                       f"digest begins as this one's; not replaced (give another --out)")


def _write_page(folder: Path, athlete: str, page: str) -> Path:
    """Write the athlete's page to its own file in ``folder``: to a new file beside it
    first, then renamed into place, so a reader never sees half a page; an earlier page
    of the same athlete is replaced, nothing else is.

    Raises:
        Conflict: another athlete's page, or a file that is no page, has that name.
        InputError: the folder or the file cannot be written.
    """
    target = folder / page_name(athlete)
    partial = folder / f".{target.name}.{secrets.token_hex(4)}.partial"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with partial.open("x", encoding="utf-8") as handle:
            handle.write(page)
        if target.exists() or target.is_symlink():
            _check_owner(target, athlete)
        os.replace(partial, target)
    except OSError as exc:
        raise InputError(f"page {target}: cannot write it ({exc})") from None
    finally:
        with suppress(OSError):  # a folder that cannot be written cannot hold it either
            partial.unlink(missing_ok=True)
    return target


def _report(args: argparse.Namespace) -> int:
    if not args.no_chart:
        check_chart("give --no-chart for a page without it")
    args.athlete = normal_id(args.athlete, "ATHLETE_ID")  # as the models keep ids
    numbered, word, verification, others = _history(args.source, args.athlete)
    if not numbered:
        seen = f"; athletes there: {', '.join(others[:10])}" if others else ""
        print(f"{redact(args.source)}: no decisions for athlete {args.athlete}{seen}")
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
        render_chart([d for _, d in numbered], rulebook, png, title=f"Athlete {args.athlete}")
        chart = png.getvalue()
    page = history_page(numbered, word=word, verification=verification, chart=chart)
    out = _write_page(Path(args.out), args.athlete, page)
    state = {None: "no chain to verify", True: "chain intact", False: "chain DAMAGED"}
    print(f"Wrote {out}: {counted(len(numbered), 'decision')} of athlete {args.athlete}, "
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
                     help="write the page into DIR (created if missing), named for the athlete: "
                          "a readable part of the id and a digest of all of it")
    cmd.add_argument("--no-chart", action="store_true",
                     help="leave the chart out (it needs footcore[plots])")
