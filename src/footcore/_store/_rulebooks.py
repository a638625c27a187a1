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

__all__ = ["keep_rulebook", "read_rulebooks"]


def keep_rulebook(tx: Tx, rulebook: Rulebook) -> None:
    """Store ``rulebook`` under its digest, unless the store has it."""
    tx.run("INSERT INTO footcore_rulebooks (digest, rulebook) VALUES (?, ?) "
           "ON CONFLICT (digest) DO NOTHING", (rulebook.digest, rulebook_text(rulebook)))


def read_rulebooks(tx: Tx, location: str) -> dict[str, Rulebook]:
    """Every rulebook the store keeps, by digest.

    Raises:
        StoreError: (``store-damaged``) a stored rulebook cannot be loaded, or loads to
            another digest than the one it is stored under.
    """
    found = {}
    for digest, text in tx.all("SELECT digest, rulebook FROM footcore_rulebooks "
                               "ORDER BY digest"):
        where = f"store {location}: rulebook {str(digest)[:12]}"
        try:
            rulebook = rulebook_from_text(text, where)
        except FootcoreError as exc:
            raise damaged(where, str(exc)) from None
        if rulebook.digest != digest:
            raise damaged(where, f"it loads to a rulebook of digest {rulebook.digest[:12]}")
        found[digest] = rulebook
    return found
