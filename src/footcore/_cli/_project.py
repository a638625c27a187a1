"""Getting started and shell set-up: ``footcore init`` and ``footcore completion``."""

from __future__ import annotations

import argparse
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from .._errors import InputError
from .._inputs import present
from .._rulebook_loading import default_rules_dir
from ._common import add_command

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_project_commands", "path_kind", "shipped_examples", "shipped_scenarios"]


def _shipped(folder: str, checkout: str) -> Traversable:
    """The folder ``folder`` of the installed wheel, or the checkout's ``checkout``."""
    shipped = resources.files("footcore") / folder
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[3] / checkout


def shipped_scenarios() -> Traversable:
    """The example scenarios: inside the installed wheel, or the checkout's
    ``examples/scenarios/``."""
    return _shipped("scenarios", "examples/scenarios")


def shipped_examples() -> Traversable:
    """The example scripts (their ``.py`` files): inside the installed wheel, or the
    checkout's ``examples/``."""
    return _shipped("examples", "examples")


def _files(folder: Traversable, suffix: str) -> list[Traversable]:
    return sorted((f for f in folder.iterdir() if f.is_file() and f.name.endswith(suffix)),
                  key=lambda f: f.name)


def _init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    copies = [(target / "rules" / f.name, f) for f in _files(default_rules_dir(), ".toml")]
    copies += [(target / "scenarios" / f.name, f)
               for f in _files(shipped_scenarios(), ".toml")]
    copies += [(target / "examples" / f.name, f) for f in _files(shipped_examples(), ".py")]
    there = [str(path) for path, _ in copies if present(path, "file")]
    if there and not args.force:
        raise InputError(f"{target}: holds {', '.join(there[:3])}"
                         f"{' and more' if len(there) > 3 else ''} already; give --force to "
                         f"replace the shipped files there (your other files are kept)")
    for folder in sorted({target, *(path.parent for path, _ in copies)}):
        if present(folder, "folder") and not folder.is_dir():  # before anything is written
            raise InputError(f"{folder}: a file is there, where init writes a folder; "
                             f"accepted: a folder, or no such path yet")
    for path, source in copies:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read_bytes())
        except OSError as exc:
            raise InputError(f"{path}: cannot write it ({exc})") from None
    scenarios = sum(1 for path, _ in copies if path.parent.name == "scenarios")
    scripts = sum(1 for path, _ in copies if path.parent.name == "examples")
    print(f"Wrote the shipped rulebook to {target / 'rules'}, {scenarios} example "
          f"scenarios to {target / 'scenarios'} and {scripts} example scripts to "
          f"{target / 'examples'}. Next:\n"
          f"  cd {target}\n"
          f"  footcore simulate scenarios/runner_arch_irritation.toml --out out/\n"
          f"  python examples/quickstart.py\n"
          f"  footcore lint rules")
    return 0


def _completion(args: argparse.Namespace) -> int:
    try:
        import shtab
    except ImportError:
        raise InputError("completion scripts need shtab: pip install 'footcore[cli]'"
                         ) from None
    parser = args.command_line  # every command (build_parser sets it)
    _mark_paths(parser, {"dir": shtab.DIRECTORY, "file": shtab.FILE})
    print(shtab.complete(parser, shell=args.shell), end="")
    return 0


def path_kind(action: argparse.Action) -> str | None:
    """``"dir"`` or ``"file"`` when ``action`` names a folder or a file, by its metavar
    (``DIR``, ``OLD`` and ``NEW`` are folders; ``*.json``, ``FILE``, ``SOURCE``... are
    files); None for any other argument."""
    name = action.metavar if isinstance(action.metavar, str) else ""
    if name.endswith("DIR") or name in ("OLD", "NEW"):
        return "dir"
    if "." in name or name.endswith(("FILE", "SOURCE", "STORE")):
        return "file"
    return None


def _mark_paths(parser: argparse.ArgumentParser, kinds: dict[str, object]) -> None:
    """Tell the completion which arguments name folders and which files."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_paths(sub, kinds)
            continue
        kind = path_kind(action)
        if kind is not None:
            action.complete = kinds[kind]  # type: ignore[attr-defined]


def add_project_commands(commands: Commands) -> None:
    """Declare ``init`` and ``completion``."""
    cmd = add_command(
        commands, "init", _init,
        "Start a working folder: write the shipped rulebook to DIR/rules, the example "
        "scenarios to DIR/scenarios and the example scripts (quickstart.py, "
        "web_handler.py, audit_store.py...) to DIR/examples, to run, read and change.",
        "  footcore init my-footcore && cd my-footcore\n"
        "  footcore simulate scenarios/runner_clean.toml --out out/", rules=False)
    cmd.add_argument("dir", metavar="DIR", help="the folder (created if missing)")
    cmd.add_argument("--force", action="store_true",
                     help="replace shipped files that are there already")

    cmd = add_command(
        commands, "completion", _completion,
        "Print a script that completes footcore's commands, options and files when you "
        "press Tab (needs footcore[cli]).",
        "  footcore completion bash > ~/.local/share/bash-completion/completions/footcore\n"
        "  footcore completion zsh > ~/.zfunc/_footcore    (with fpath+=~/.zfunc)",
        rules=False)
    cmd.add_argument("shell", choices=["bash", "zsh", "tcsh"], help="your shell")
