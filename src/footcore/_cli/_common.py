"""What every command shares: how it is declared, and how it loads a rulebook or engine."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from .._engine import BACKENDS, Engine
from .._errors import RulebookError
from .._rulebook import Rulebook, load_rulebook

__all__ = ["add_command", "engine_from", "rulebook_from"]

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def add_command(commands: Commands, name: str, run: Callable[[argparse.Namespace], int],
                summary: str, example: str, *, rules: bool = True,
                backend: bool = False) -> argparse.ArgumentParser:
    """Declare a sub-command whose ``--help`` shows ``summary`` and ``example``."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary, epilog=f"example:\n{example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    if rules:
        parser.add_argument("--rules", metavar="DIR",
                            help="rulebook folder (default: the rulebook shipped with footcore)")
    if backend:
        parser.add_argument("--backend", choices=BACKENDS, default="auto",
                            help="rule engine backend (default: auto, durable where it imports)")
    return parser


def rulebook_from(path: str | None) -> Rulebook:
    """The rulebook in folder ``path``, or the shipped one."""
    try:
        return load_rulebook(path)
    except RulebookError as exc:
        raise RulebookError(f"rulebook {path or '(shipped)'}: {exc}") from None


def engine_from(args: argparse.Namespace) -> Engine:
    """An engine on ``--rules`` with ``--backend`` (native when the command has none)."""
    return Engine(rulebook_from(args.rules), backend=getattr(args, "backend", "native"))
