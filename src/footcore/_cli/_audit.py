"""The commands over audit logs: ``audit verify|replay|history`` and ``impact``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from .._audit import history, replay_log, verify_log
from .._convert import structure
from .._errors import InputError
from .._impact import impact
from .._models import AthleteState, CheckIn
from ._common import add_command, engine_from, rulebook_from
from ._files import read_lines

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


def _case(data: Any, where: str) -> tuple[AthleteState, CheckIn]:
    """A case from one line: {"state", "checkin"}, a decision, or an audit record."""
    if isinstance(data, dict) and "decision" in data:
        data = data["decision"]
    if isinstance(data, dict) and "prior_state" in data:
        data = {"state": data["prior_state"], "checkin": data.get("checkin")}
    if not isinstance(data, dict) or not {"state", "checkin"} <= set(data):
        raise InputError(f"{where}: expected {{\"state\": ..., \"checkin\": ...}}, a decision "
                         f"or an audit record")
    try:
        return (structure(data["state"], AthleteState, "state"),
                structure(data["checkin"], CheckIn, "check-in"))
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _impact(args: argparse.Namespace) -> int:
    old, new = rulebook_from(args.old_rules), rulebook_from(args.new_rules)
    cases = []
    for number, line in read_lines(args.cases, "cases file"):
        where = f"cases file {args.cases} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc})") from None
        cases.append(_case(data, where))
    print(impact(old, new, cases, backend=args.backend, examples=args.examples))
    return 0


def add_audit_commands(commands: Commands) -> None:
    """Declare ``audit`` (verify, replay, history) and ``impact``."""
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

    cmd = add_command(
        commands, "impact", _impact,
        "Compare two rulebooks on the same cases: which decisions change, grouped by action "
        "and by rule. A case line is {\"state\": ..., \"checkin\": ...}, a decision, or an "
        "audit record, so a simulation's decisions.jsonl or an audit log works as it is.",
        "  footcore simulate examples/scenarios/runner_arch_irritation.toml --out out/\n"
        "  footcore impact rules my-rules out/decisions.jsonl", rules=False, backend=True)
    cmd.add_argument("old_rules", metavar="OLD_RULES", help="the rulebook folder in use")
    cmd.add_argument("new_rules", metavar="NEW_RULES", help="the changed rulebook folder")
    cmd.add_argument("cases", metavar="CASES.jsonl", help="one case per line")
    cmd.add_argument("--examples", type=int, default=3, metavar="N",
                     help="example cases shown per group (default 3)")
