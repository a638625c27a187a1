"""``footcore lint RULES_DIR --stamp``: record a rulebook's digest beside its version, in
the file that holds its ``[rulebook]`` table (the rest of the file as it was)."""

from __future__ import annotations

from pathlib import Path

from .._errors import InputError
from .._rulebook import Rulebook
from .._rulebook_loading import load_rulebook
from ..analysis._digest import stamped
from ._files import write_whole

__all__ = ["stamp_rulebook"]


def stamp_rulebook(rules: str, rulebook: Rulebook) -> tuple[Path, Rulebook]:
    """Record ``rulebook``'s digest in its folder (or file) ``rules``; the file written and
    the rulebook loaded again from it.

    Raises:
        InputError: no file there has a ``[rulebook]`` table with a ``version = ...`` line
            (``not-stampable``), or a file cannot be read or written.
    """
    root = Path(rules)
    for file in [root] if root.is_file() else sorted(root.glob("*.toml")):
        try:
            text = file.read_bytes().decode("utf-8")  # its line endings as they are
        except (OSError, UnicodeError) as exc:
            raise InputError(f"{file}: cannot read it ({exc})", code="file-unreadable"
                             ) from None
        new = stamped(text, rulebook.digest)
        if new is None:
            continue
        write_whole(file, new, "rulebook file")
        again = load_rulebook(root)
        if again.meta.digest == again.digest == rulebook.digest:
            return file, again
        write_whole(file, text, "rulebook file")  # it changed meanwhile: as it was
        break
    raise InputError(f"rulebook {rules}: found no [rulebook] table with a `version = ...` "
                     f"line of its own to record the digest beside; write "
                     f'digest = "{rulebook.digest}" under the version yourself',
                     code="not-stampable")
