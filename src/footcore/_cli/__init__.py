"""The ``footcore`` command line.

``main(argv)`` parses the arguments, runs one command and returns the exit code: 0 done,
1 the check the command makes found a problem (lint errors, a damaged or irreproducible
audit log or store), 2 the command could not run (bad arguments; a missing or invalid file,
reported on one line that names it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._errors import FootcoreError
from ._audit import add_audit_commands
from ._commands import add_commands
from ._impact import add_impact_command
from ._store import add_store_commands

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``footcore`` parser and its commands."""
    parser = argparse.ArgumentParser(
        prog="footcore", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="footcore: a rule-based progression engine for intrinsic foot-muscle "
                    "training. 'footcore COMMAND --help' shows a command's options and an "
                    "example.",
        epilog="example:\n  footcore simulate examples/scenarios/runner_clean.toml --out out/")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_commands(commands)
    add_audit_commands(commands)
    add_store_commands(commands)
    add_impact_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``footcore`` with ``argv`` (default: the process's arguments); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        code: int = args.run(args)
    except SystemExit as exc:  # --help, or a usage error argparse has printed
        return exc.code if isinstance(exc.code, int) else 2
    except FootcoreError as exc:
        message = "; ".join(line.strip() for line in str(exc).splitlines())
        print(f"footcore {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (footcore ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code
