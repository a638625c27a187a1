"""P6's block: the main part of a session, and the three kinds of work it alternates.

A session opens with a warm-up and closes with the cool-down (mobility work may come just
before it); what lies between is its main part. P6 asks each block to alternate activation
drills, static holds and dynamic transitions. The catalogue's categories count as these
kinds: a single-leg balance stand is a held position, so a static hold; a hop is a dynamic
transition with a flight phase. Warm-up, mobility and cool-down are the frame, not a kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ._enums import Category

__all__ = ["BLOCK_KINDS", "main_part", "missing_kinds"]

BLOCK_KINDS: Mapping[str, frozenset[Category]] = {
    "activation drill": frozenset({Category.ACTIVATION}),
    "static hold": frozenset({Category.STATIC_HOLD, Category.BALANCE}),
    "dynamic transition": frozenset({Category.DYNAMIC_TRANSITION, Category.PLYOMETRIC}),
}


def main_part(categories: Sequence[Category]) -> list[Category]:
    """The main part of a session's categories: after the warm-up, before the cool-down and
    any mobility work leading into it."""
    end = len(categories) - 1
    while end > 1 and categories[end - 1] is Category.MOBILITY:
        end -= 1
    return list(categories[1:end])


def missing_kinds(main: Iterable[Category]) -> list[str]:
    """The kinds of P6 (``BLOCK_KINDS``) that no item of ``main`` is, in their order."""
    present = set(main)
    return [kind for kind, categories in BLOCK_KINDS.items() if not present & categories]
