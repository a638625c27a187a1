"""How the prover's model joins a clock's parts with their options, a group at a time
(:meth:`._model.Model.clocks`): what an anchor's key holds, what a group's parts read of
their anchor, and the joins themselves, each part and outcome made once per mode
(``bench_prove.py --scale``).

Pure Python and deterministic; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._bits import Part, Spend, let_through
from ._cells import Clock

__all__ = ["Joins", "anchor_head", "reads"]


def anchor_head(base: Clock) -> tuple[Any, ...]:
    """What an anchor's key holds besides its minutes and days, in order (plainest first:
    a new athlete, then a new day's done session): not new, checked in today, trained
    today, not done, (the minutes,) then new, done (the minutes again) and short."""
    return (not base.fresh, base.since_checkin == 0, base.since_session == 0,
            not base.completed, base.fresh, base.completed, base.short)


def reads(name: str, base: Clock, options: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
    """What the parts of a group of options of ``name`` read of their anchor
    (:meth:`Clock.facts` on their fields): whether the check-in brings a new session that
    counts (the window and the streak); whether it was done and short, and whether today
    had the last check-in and the last session (in a row); the days since the start (a
    dose never changed); nothing (a back-off)."""
    if name == "change":
        return (base.since_start,) if any(o["since_change"] is None for o in options) else ()
    if name == "backoff":
        return ()
    if name == "in-a-row":
        return (base.completed, base.short, base.since_session == 0, base.since_checkin == 0)
    return (base.completed and not base.short and base.since_session != 0,)


class Joins:
    """Clock parts joined with a group of options: each part with every option, the
    rule bits ANDed, keeping the smallest key of each outcome (as :func:`fold` does).
    What one part's rule bits make of a group is kept, as are the groups' parts, for
    every skeleton of one mode: skeletons share few of either (``bench_prove.py
    --scale``). Each part joined, option built and pair tried is a step of ``spend``."""

    def __init__(self, spend: Spend) -> None:
        self.spend = spend
        self._groups: dict[tuple[Any, ...], tuple[Sequence[Any], list[Part]]] = {}
        self._parts: dict[tuple[Any, ...], Part] = {}
        self._same: dict[tuple[int, ...], list[Part]] = {}
        self._some: dict[int, tuple[int, int]] = {}
        self._outcomes: dict[tuple[tuple[int, int], int], list[tuple[tuple[int, int], Part]]] = {}

    def parts(self, name: str, options: Sequence[Mapping[str, Any]], reads: tuple[Any, ...],
              make: Callable[[Mapping[str, Any]], Part]) -> list[Part]:
        """The parts of a group of options of ``name`` for anchors of which the parts
        read ``reads`` (:func:`reads`), each part made once; a list of options met
        again is known by its identity (it is kept, so no other list takes it)."""
        memo = (name, id(options), reads)
        found = self._groups.get(memo)
        if found is None:
            made = []
            for option in options:
                key = (name, tuple(option.items()), reads)
                part = self._parts.get(key)
                if part is None:
                    self.spend(1)
                    part = self._parts[key] = make(option)
                made.append(part)
            # one list for the same parts (they are kept: their identities are theirs)
            made = self._same.setdefault(tuple(map(id, made)), made)
            found = self._groups[memo] = (options, made)
        return found[1]

    def through(self, bits: tuple[int, int], groups: Sequence[list[Part]]) -> tuple[int, int]:
        """``bits`` without the rules that no part of some group lets through: they fail
        whatever is joined (so the joins tell fewer outcomes apart and give the same)."""
        for group in groups:
            some = self._some.get(id(group))
            if some is None:
                some = self._some[id(group)] = let_through(group)
            bits = (bits[0] & some[0], bits[1] & some[1])
        return bits

    def join(self, found: Sequence[Part], group: list[Part]) -> list[Part]:
        """Every part of ``found`` with every part of ``group`` (one of :meth:`parts`),
        the smallest key of each outcome."""
        best: dict[tuple[int, int], tuple[tuple[Any, ...], Part, Part]] = {}
        self.spend(len(found))
        for a in found:
            for bits, b in self._outcomes_of(a.bits, group):
                key = a.key + b.key
                old = best.get(bits)
                if old is None or key < old[0]:
                    best[bits] = (key, a, b)
        return [Part(bits, key, {**a.values, **b.values}) for bits, (key, a, b) in best.items()]

    def _outcomes_of(self, bits: tuple[int, int], group: list[Part]
                     ) -> list[tuple[tuple[int, int], Part]]:
        """Each outcome of a part with these rule bits and a part of ``group``, with the
        smallest-keyed part of ``group`` giving it (its key follows the part's)."""
        memo = (bits, id(group))  # the group lives in self._groups as long as this
        found = self._outcomes.get(memo)
        if found is None:
            self.spend(len(group))
            table: dict[tuple[int, int], Part] = {}
            for b in group:
                both = (bits[0] & b.bits[0], bits[1] & b.bits[1])
                old = table.get(both)
                if old is None or b.key < old.key:
                    table[both] = b
            found = self._outcomes[memo] = list(table.items())
        return found
