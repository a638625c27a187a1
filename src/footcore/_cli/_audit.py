"""The commands over audit logs: ``audit verify|replay|history``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .._audit import history, replay_log, verify_log
from ._common import add_command, engine_from

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_audit_commands"]


def _verify(args: argparse.Namespace) -> int:
    report = verify_log(args.log, head=args.head)
    print(report)
    return 0 if report.ok else 1


def _replay(args: argparse.Namespace) -> int:
    report = replay_log(args.log, engine_from(args))
    print(report)
    return 0 if report.ok else 1


def _history(args: argparse.Namespace) -> int:
    rows = history(args.log, args.athlete_id)
    if not rows:
        print(f"{args.log}: no decisions for athlete {args.athlete_id}")
        return 1
    print(f"{'seq':>5}  {'date':<10}  {'stage':<12} {'dose':>4}  {'action':<8}  reason")
    for row in rows:
        print(f"{row.seq:>5}  {row.on}  {row.stage:<12} {row.dose_level:>4}  "
              f"{row.action.value:<8}  {row.rule_id or '-'}: {row.reason}")
    return 0


def add_audit_commands(commands: Commands) -> None:
    """Declare ``audit`` (verify, replay, history)."""
    audit = commands.add_parser(
        "audit", help="Check, replay or read an audit log written by evaluate --log.",
        description="Check, replay or read an audit log written by evaluate --log.",
        epilog="example:\n  footcore audit verify audit.jsonl\n"
               "  footcore audit history audit.jsonl a-17",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    cmd = add_command(
        actions, "verify", _verify,
        "Check the log's hash chain: report every edited, removed, moved or inserted record. "
        "Exit code 1 when the log is damaged.",
        "  footcore audit verify audit.jsonl --head 3f2a...   (the hash logged last)",
        rules=False)
    cmd.add_argument("log", metavar="AUDIT.jsonl")
    cmd.add_argument("--head", metavar="HASH",
                     help="the hash of the last record you stored; catches removed tail records")

    cmd = add_command(
        actions, "replay", _replay,
        "Re-evaluate every logged check-in and report each decision that comes out "
        "differently (exit code 1 if any). With --rules, see what a new rulebook would do.",
        "  footcore audit replay audit.jsonl --rules my-rules", backend=True)
    cmd.add_argument("log", metavar="AUDIT.jsonl")

    cmd = add_command(
        actions, "history", _history,
        "One athlete's decisions in a log, oldest first: seq, date, stage, dose, action, why.",
        "  footcore audit history audit.jsonl a-17\n"
        "  footcore explain --log audit.jsonl 3     (then explain one of them)", rules=False)
    cmd.add_argument("log", metavar="AUDIT.jsonl")
    cmd.add_argument("athlete_id", metavar="ATHLETE_ID")
