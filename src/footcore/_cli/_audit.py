"""The commands over audit logs: ``audit verify|replay|history``. With ``--store`` they
read a store instead, as ``footcore store verify|history`` do (opened read-only)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._audit import AuditLog, _existing
from .._audit_verify import verify_log
from .._history import history
from .._models import Decision
from .._replay import replay_records
from .._store._location import redact
from ._common import add_command, engine_from, show_help
from ._progress import Progress
from ._reports import print_history, print_report
from ._sources import expect
from ._store import reading, store_history, store_verify

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_audit_commands"]


def _source(args: argparse.Namespace, *given: tuple[str, str | None]) -> list[str]:
    """The positional arguments (name, value) given, checked against --store: the log
    file comes first without it, and is left out with it."""
    values = [value for _, value in given if value is not None]
    names = [name for name, _ in given][1 if args.store else 0:]
    if len(values) != len(names):
        args.parser.error(f"with --store, give {' and '.join(names)} (no log file)"
                          if args.store and names else
                          "with --store, give no log file" if args.store else
                          f"give {' and '.join(names)}, or --store STORE")
    return values


def _verify(args: argparse.Namespace) -> int:
    if args.store:
        _source(args, ("AUDIT.jsonl", args.log))
        if args.head:
            args.parser.error("--head is for a log; a store keeps its heads (see --public-key)")
        return store_verify(args, args.store)
    (log,) = _source(args, ("AUDIT.jsonl", args.log))
    if args.public_key:
        args.parser.error("--public-key checks a store's checkpoints: give --store")
    expect(log, "log", f"footcore store verify {redact(log)}")
    return print_report(args, verify_log(log, head=args.head))


def _records(log: str) -> Iterator[tuple[int, Decision]]:
    """The log's (seq, decision) pairs, with a progress bar on a terminal."""
    with _existing(log).path.open("rb") as handle:
        total = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    bar = Progress("replay", total, "records", sys.stderr, lines=False)
    try:
        for done, record in enumerate(AuditLog(log).records(), 1):
            yield record.seq, record.decision
            bar(done)
    finally:
        bar.close()


def _replay(args: argparse.Namespace) -> int:
    engine = engine_from(args)
    if args.store:
        _source(args, ("AUDIT.jsonl", args.log))
        with reading(args.store, f"footcore audit replay {redact(args.store)}") as store:
            if args.rules is None:  # each record under its own rulebook, the store's
                return print_report(args, store.reproduce(rulebooks=[engine.rulebook],
                                                          backend=engine.backend))
            return print_report(args, store.replay(engine))
    (log,) = _source(args, ("AUDIT.jsonl", args.log))
    expect(log, "log", f"footcore audit replay --store {redact(log)}")
    return print_report(args, replay_records(_records(log), engine, log))


def _history(args: argparse.Namespace) -> int:
    found = _source(args, ("AUDIT.jsonl", args.log), ("ATHLETE_ID", args.athlete_id))
    athlete = found[-1]
    if args.store:
        return store_history(args, args.store, athlete)
    expect(found[0], "log", f"footcore store history {redact(found[0])} {athlete}")
    return print_history(args, history(found[0], athlete), found[0], athlete)


def _store_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--store", metavar="STORE",
                     help="read a store (a SQLite file or a postgresql:// URL) instead of a log")


def add_audit_commands(commands: Commands) -> None:
    """Declare ``audit`` (verify, replay, history)."""
    audit = commands.add_parser(
        "audit", help="Check, replay or read an audit log (evaluate --log) or a store "
                      "(evaluate --store).",
        description="Check, replay or read an audit log written by evaluate --log, or a "
                    "store written by evaluate --store.",
        epilog="example:\n  footcore audit verify audit.jsonl\n"
               "  footcore audit history --store footcore.db a-17",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    show_help(audit)
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION")

    cmd = add_command(
        actions, "verify", _verify,
        "Check the hash chains of a log or store: report every edited, removed, moved or "
        "inserted record; with --public-key, check a store's signed checkpoints. Exit code "
        "1 when something is wrong.",
        "  footcore audit verify audit.jsonl --head 3f2a9c01b7d4   (the hash logged last)\n"
        "  footcore audit verify --store footcore.db --public-key signing.pub.pem",
        rules=False, json="the report")
    cmd.add_argument("log", metavar="AUDIT.jsonl", nargs="?")
    _store_option(cmd)
    cmd.add_argument("--head", metavar="HASH",
                     help="the hash of the last record you stored (or its first 8 or more "
                          "hex digits, as evaluate --log prints them); catches records "
                          "removed from the end")
    cmd.add_argument("--public-key", metavar="PUBLIC.pem",
                     help="with --store: the checkpoint signer's Ed25519 public key (PEM)")

    cmd = add_command(
        actions, "replay", _replay,
        "Re-evaluate every logged check-in and report each decision that comes out "
        "differently (exit code 1 if any). With --rules, see what a new rulebook would do; "
        "without, a store's records are each replayed under the rulebook that made them.",
        "  footcore audit replay audit.jsonl --rules my-rules\n"
        "  footcore audit replay --store footcore.db", backend=True, json="the report")
    cmd.add_argument("log", metavar="AUDIT.jsonl", nargs="?")
    _store_option(cmd)

    cmd = add_command(
        actions, "history", _history,
        "One athlete's decisions in a log or store, oldest first: record number, date, "
        "stage, dose step, action, why.",
        "  footcore audit history audit.jsonl a-17\n"
        "  footcore audit history --store footcore.db a-17\n"
        "  footcore explain --log audit.jsonl 3     (then explain record 3)", rules=False,
        json="the rows")
    cmd.add_argument("log", metavar="AUDIT.jsonl", nargs="?",
                     help="the log (left out with --store)")
    cmd.add_argument("athlete_id", metavar="ATHLETE_ID", nargs="?")
    _store_option(cmd)
