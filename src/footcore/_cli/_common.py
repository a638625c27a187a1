"""What every command shares: how it is declared, how it loads a rulebook or engine, and
how it prints JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from .._convert import CONVERTER
from .._engine import BACKENDS, Engine
from .._errors import InputError, RulebookError
from .._inputs import present
from .._rulebook import Rulebook
from .._rulebook_loading import load_rulebook

__all__ = ["add_command", "check_rulebook_path", "day_argument", "engine_from", "numbered",
           "print_json", "rulebook_from", "show_help", "stage_mapping"]

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def add_command(commands: Commands, name: str, run: Callable[[argparse.Namespace], int],
                summary: str, example: str, *, rules: bool = True,
                backend: bool = False, json: str = "") -> argparse.ArgumentParser:
    """Declare a sub-command whose ``--help`` shows ``summary`` and ``example``; with
    ``json``, a ``--json`` option that prints that instead of text."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary, epilog=f"example:\n{example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    if rules:
        parser.add_argument("--rules", metavar="DIR",
                            help="rulebook folder (default: the rulebook shipped with footcore)")
    if backend:
        parser.add_argument("--backend", choices=BACKENDS, default="auto",
                            help="rule engine backend (default: auto, the native one)")
    if json:
        parser.add_argument("--json", action="store_true", help=f"print {json} as JSON")
    parser.set_defaults(parser=parser)
    return parser


def show_help(parser: argparse.ArgumentParser) -> None:
    """Make ``parser`` print its help when no sub-command is given (``footcore``,
    ``footcore audit``)."""
    def run(args: argparse.Namespace) -> int:
        parser.print_help()
        return 0
    parser.set_defaults(run=run)


def day_argument(text: str) -> date:
    """An option's date, as YYYY-MM-DD (argparse says what is wrong with any other)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def numbered(data: Any) -> Any:
    """JSON data in which every ``seq`` (a log or store's stored sequence number, 0 first)
    has beside it the ``record`` number people read and type, 1 first."""
    if isinstance(data, dict):
        out = {key: numbered(value) for key, value in data.items()}
        if isinstance(data.get("seq"), int) and "record" not in data:
            out["record"] = data["seq"] + 1
        return out
    if isinstance(data, list | tuple):
        return [numbered(value) for value in data]
    return data


def print_json(value: object) -> None:
    """Print footcore models, or data holding them, as indented JSON with sorted keys."""
    print(json.dumps(numbered(CONVERTER.unstructure(value)), sort_keys=True, indent=2,
                     ensure_ascii=False, allow_nan=False))


def check_rulebook_path(path: str | None) -> None:
    """Make sure something is at ``path``, a rulebook folder or file (None: the shipped one).

    Raises:
        InputError: nothing is at ``path`` (``file-missing``), or whether anything is
            cannot be told (``file-unreadable``).
    """
    if path is not None and not present(path, "rulebook"):
        raise InputError(f"rulebook {path}: no such folder or file", code="file-missing")


def rulebook_from(path: str | None) -> Rulebook:
    """The rulebook in folder ``path``, or the shipped one.

    Raises:
        InputError: as :func:`check_rulebook_path`.
        RulebookError: the rulebook there cannot be loaded.
    """
    check_rulebook_path(path)
    try:
        return load_rulebook(path)
    except RulebookError as exc:
        raise RulebookError(f"rulebook {path or '(shipped)'}: {exc}") from None


def engine_from(args: argparse.Namespace) -> Engine:
    """An engine on ``--rules`` with ``--backend`` (native when the command has none)."""
    return Engine(rulebook_from(args.rules), backend=getattr(args, "backend", "native"))


def stage_mapping(pairs: list[str]) -> dict[str, str] | None:
    """``--map OLD=NEW`` options as a mapping of stage ids (None when none is given)."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sign, new = pair.partition("=")
        if not (sign and old and new) or old in mapping:
            raise InputError(f"--map: got {pair!r}; accepted: OLD_STAGE=NEW_STAGE, each old "
                             f"stage once")
        mapping[old] = new
    return mapping or None
