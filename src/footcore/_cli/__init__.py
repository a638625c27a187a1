"""The ``footcore`` command line.

``main(argv)`` parses the arguments, runs one command and returns the exit code: 0 done,
1 a problem found in what the command checks or reads (lint errors, a damaged audit log or
store, a decision that does not replay, an athlete with no decisions), 2 the command could
not run (bad arguments; a missing, unreadable or invalid input file, reported on one line
that names it), 70 a bug in footcore (one line saying so; ``FOOTCORE_DEBUG=1`` shows the
traceback), 130 interrupted (Ctrl-C). Whatever a command prints goes through
:func:`~._style.shown`, so text from files and rulebooks reaches the terminal escaped.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._audit import AuditLogError
from .._errors import FootcoreError
from .._store import StoreError
from .._store._location import redact
from .._version import __version__
from ._audit import add_audit_commands
from ._commands import add_commands
from ._common import show_help
from ._impact import add_impact_command
from ._project import add_project_commands
from ._report import add_report_command
from ._serve import add_serve_commands, run_by_default
from ._store import add_store_commands
from ._style import escaping_output, paint_for, shown

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``footcore`` parser and its commands."""
    parser = argparse.ArgumentParser(
        prog="footcore", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="footcore: a rule-based progression engine for intrinsic foot-muscle "
                    "training. 'footcore COMMAND --help' shows a command's options and an "
                    "example.",
        epilog="first steps:\n"
               "  footcore init my-footcore && cd my-footcore\n"
               "  footcore simulate scenarios/runner_clean.toml --out out/")
    parser.add_argument("--version", action="version", version=f"footcore {__version__}")
    show_help(parser)
    parser.set_defaults(command_line=parser)  # what 'completion' completes
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_project_commands(commands)
    add_commands(commands)
    add_report_command(commands)
    add_audit_commands(commands)
    add_store_commands(commands)
    add_impact_command(commands)
    add_serve_commands(commands)
    return parser


def _name(args: argparse.Namespace | None) -> str:
    """``footcore audit verify``: the command that ran, for the start of an error line."""
    if args is None:
        return "footcore"
    words = [getattr(args, key, None) for key in ("command", "audit_command", "store_command",
                                                  "serve_command", "token_command")]
    return " ".join(["footcore", *(w for w in words if w)])


def _found_damage(exc: FootcoreError) -> bool:
    """A damaged log or store: what the audit commands exist to find (exit 1), whichever
    command comes across it."""
    return isinstance(exc, AuditLogError) or (isinstance(exc, StoreError)
                                              and exc.report is not None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``footcore`` with ``argv`` (default: the process's arguments); return the exit code."""
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(run_by_default(list(sys.argv[1:] if argv is None else argv)))
        with escaping_output():
            code: int = args.run(args)
    except SystemExit as exc:  # --help, --version, or a usage error argparse has printed
        return exc.code if isinstance(exc.code, int) else 2
    except FootcoreError as exc:
        # A store location, or a URL given where a file was expected, keeps no password.
        _say(args, "error", redact(_one_line(exc)))
        return 1 if _found_damage(exc) else 2
    except KeyboardInterrupt:
        print(f"\n{_name(args)}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (footcore ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug, not the input: said distinctly, with exit code 70
        if os.environ.get("FOOTCORE_DEBUG") == "1":
            raise
        _say(args, "internal error", f"{type(exc).__name__}: {redact(_one_line(exc))[:300]} "
             f"(a bug in footcore {__version__}: please report it; FOOTCORE_DEBUG=1 shows "
             f"where)")
        return 70
    return code


def _one_line(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines())


def _say(args: argparse.Namespace | None, label: str, message: str) -> None:
    """``footcore COMMAND: label: message`` on standard error, the label in red on a
    terminal, escaped as everything printed is."""
    paint = paint_for(sys.stderr)
    print(shown(f"{_name(args)}: {paint(label, 'bad')}: {message}", colour=paint.on),
          file=sys.stderr)
