"""Counting in words, as people write it: ``1 athlete``, ``2 athletes``, ``0 athletes``."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, one: str, many: str | None = None) -> str:
    """``count`` and the noun that agrees with it: ``one`` for exactly 1, else ``many``
    (default: ``one`` with an ``s``)."""
    return f"{count} {one if count == 1 else many or one + 's'}"
