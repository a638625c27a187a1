"""How the commands print what they read or made: a verification or replay report, an
athlete's timeline, a decision explained."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._audit_verify import LogReport
from .._explain import explain
from .._history import HistoryRow
from .._models import Decision
from .._replay import ReplayReport
from .._store import StoreReport
from ._common import print_json
from ._style import ACTION_ROLES, paint_for

__all__ = ["explained", "print_history", "print_report"]


def print_report(args: argparse.Namespace, report: LogReport | StoreReport | ReplayReport
                 ) -> int:
    """Print the report as JSON (``--json``), or as text whose first line says, in colour
    on a terminal, whether all is well; return the exit code, 1 when it is not."""
    if args.json:
        print_json(report)
    else:
        first, _, rest = str(report).partition("\n")
        print(paint_for(sys.stdout)(first, "good" if report.ok else "bad") + _ + rest)
    return 0 if report.ok else 1


def print_history(args: argparse.Namespace, rows: Sequence[HistoryRow], where: str,
                  athlete: str) -> int:
    """Print an athlete's timeline read from ``where`` as JSON (``--json``) or as a table;
    return the exit code, 1 when the athlete has no decisions there."""
    if args.json:
        print_json({"source": where, "athlete_id": athlete, "rows": rows})
        return 0 if rows else 1
    if not rows:
        print(f"{where}: no decisions for athlete {athlete}")
        return 1
    paint = paint_for(sys.stdout)
    print(paint(f"{'record':>6}  {'date':<10}  {'stage':<12} {'dose':>4}  {'action':<8}  "
                f"reason", "bold"))
    for row in rows:
        print(f"{row.seq + 1:>6}  {row.on}  {row.stage:<12} {row.dose_level:>4}  "
              + paint(f"{row.action.value:<8}", ACTION_ROLES[row.action])
              + f"  {row.rule_id or '-'}: {row.reason}")
    return 0


def explained(decision: Decision) -> str:
    """The explanation, its first line's action in colour on a terminal."""
    text = explain(decision)
    word = decision.action.value.upper()
    paint = paint_for(sys.stdout)
    return text.replace(f": {word}: ", f": {paint(word, ACTION_ROLES[decision.action])}: ", 1)
