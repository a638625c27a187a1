"""Bounded memos: the plain dicts in which footcore remembers what it made (weeks, firings,
texts, parsed parts), each emptied when full so that none grows without bound; and, for a
memo of one entry per athlete, the ordered dict that keeps the latest entries."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

__all__ = ["keep_latest", "remember"]

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, most: int) -> V:
    """``value``, kept in ``memo`` under ``key``; a memo already holding ``most`` entries
    is emptied first."""
    if len(memo) >= most:
        memo.clear()
    memo[key] = value
    return value


def keep_latest(memo: OrderedDict[K, V], key: K, value: V, most: int) -> V:
    """``value``, kept in ``memo`` under ``key``; the oldest entry goes when ``memo`` holds
    ``most``. For a memo of one entry per athlete: an app serving athletes in turn comes
    back to each after all the others, which an emptied memo would have forgotten
    (bench_speed.py, "athletes in turn")."""
    if len(memo) >= most:
        memo.popitem(last=False)
    memo[key] = value
    return value
