"""The rulebooks a store has used, kept by digest: each record's own rulebook, so a replay
or an upgrade reads old records with the rulebook that made them.

A rulebook is stored as :func:`footcore._rulebook_loading.rulebook_text` writes it, and
read back only when it loads to a rulebook of the digest it is stored under.
"""

from __future__ import annotations

from .._errors import FootcoreError
from .._rulebook import Rulebook
from .._rulebook_loading import rulebook_from_text, rulebook_text
from ._db import Tx
from ._rows import damaged

__all__ = ["keep_rulebook", "read_rulebooks", "rulebook_problem"]


def keep_rulebook(tx: Tx, rulebook: Rulebook) -> None:
    """Store ``rulebook`` under its digest, unless the store has it."""
    tx.run("INSERT INTO footcore_rulebooks (digest, rulebook) VALUES (?, ?) "
           "ON CONFLICT (digest) DO NOTHING", (rulebook.digest, rulebook_text(rulebook)))


def _loaded(digest: object, text: object) -> Rulebook | str:
    """The rulebook stored under ``digest`` as ``text``, or why it is not that rulebook."""
    try:
        rulebook = rulebook_from_text(text, "the stored rulebook")
    except (FootcoreError, TypeError, ValueError, KeyError, AttributeError) as exc:
        return f"not a rulebook footcore stored: {exc}"
    if rulebook.digest != digest:
        return f"it loads to a rulebook of digest {rulebook.digest[:12]}, not its own"
    if rulebook_text(rulebook) != text:
        return "its text is not the one footcore wrote for that rulebook"
    return rulebook


def rulebook_problem(digest: object, text: object) -> str | None:
    """Why the row (``digest``, ``text``) does not hold the rulebook of that digest, or
    None when it does."""
    found = _loaded(digest, text)
    return found if isinstance(found, str) else None


def read_rulebooks(tx: Tx, location: str) -> dict[str, Rulebook]:
    """Every rulebook the store keeps, by digest.

    Raises:
        StoreError: (``store-damaged``) a stored rulebook cannot be loaded, or loads to
            another digest than the one it is stored under.
    """
    found = {}
    for digest, text in tx.all("SELECT digest, rulebook FROM footcore_rulebooks "
                               "ORDER BY digest"):
        rulebook = _loaded(digest, text)
        if isinstance(rulebook, str):
            raise damaged(f"store {location}: rulebook {str(digest)[:12]}", rulebook)
        found[rulebook.digest] = rulebook
    return found
