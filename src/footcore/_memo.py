"""Bounded memos: the plain dicts in which footcore remembers what it made (weeks, firings,
texts, parsed parts), each emptied when full so that none grows without bound."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["remember"]

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, most: int) -> V:
    """``value``, kept in ``memo`` under ``key``; a memo already holding ``most`` entries
    is emptied first."""
    if len(memo) >= most:
        memo.clear()
    memo[key] = value
    return value
