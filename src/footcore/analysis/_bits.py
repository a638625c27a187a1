"""Rules as bits: which of a fact's rules each field value lets through, and the parts of
a check-in fact (a way to fill some of its fields) that carry them, folded together
keeping the plainest of each outcome. The prover's model and search are built on them.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from .._conditions import Scalar, Test
from .._enums import RULE_ACTIONS, Action

__all__ = ["NO_ACTION", "Part", "RuleBits", "Spend", "fold", "let_through", "steady_part",
           "uncounted"]

NO_ACTION = len(RULE_ACTIONS)  # the rank of "no rule fired" (after the precedence's ranks)

Spend = Callable[[int], None]  # counts work against a budget (raises past it)


def uncounted(steps: int) -> None:
    """Work not counted."""


class RuleBits:
    """Rules as bits, and the rules each field value lets through.

    Args:
        rules: each rule's action and the tests that count (bit ``i`` is rule ``i``).
        precedence: the actions, most conservative first, for :meth:`top`.
    """

    def __init__(self, rules: Sequence[tuple[Action, Sequence[Test]]],
                 precedence: Sequence[Action]) -> None:
        self.full = (1 << len(rules)) - 1
        self._tests: dict[str, list[tuple[int, tuple[Test, ...]]]] = {}
        for bit, (_, tests) in enumerate(rules):
            by_field: dict[str, list[Test]] = {}
            for test in tests:
                by_field.setdefault(test.field, []).append(test)
            for name, group in by_field.items():
                self._tests.setdefault(name, []).append((bit, tuple(group)))
        self._free = {name: self.full & ~sum(1 << bit for bit, _ in tested)
                      for name, tested in self._tests.items()}
        self._ranks = [sum(1 << bit for bit, (action, _) in enumerate(rules)
                           if action is wanted) for wanted in precedence]
        self._memo: dict[tuple[str, Scalar], int] = {}
        self._tops: dict[int, int] = {}

    def tests(self, name: str) -> list[Test]:
        """Every test on field ``name``."""
        return [t for _, group in self._tests.get(name, ()) for t in group]

    def of(self, name: str, value: Scalar) -> int:
        """The rules whose tests on field ``name`` all hold at ``value``."""
        key = (name, value)
        found = self._memo.get(key)
        if found is None:
            found = self._free.get(name, self.full)
            for bit, group in self._tests.get(name, ()):
                if all(t.holds({name: value}) for t in group):
                    found |= 1 << bit
            self._memo[key] = found
        return found

    def all(self, values: Mapping[str, Scalar]) -> int:
        """The rules whose tests on these fields all hold."""
        bits = self.full
        for name, value in values.items():
            bits &= self.of(name, value)
        return bits

    def top(self, bits: int) -> int:
        """The precedence rank of the most conservative action among ``bits`` (NO_ACTION
        when none)."""
        found = self._tops.get(bits)
        if found is None:
            found = self._tops[bits] = next(
                (rank for rank, mask in enumerate(self._ranks) if bits & mask), NO_ACTION)
        return found


@attrs.frozen
class Part:
    """One way to fill some fields of the check-in fact: the check-in rules whose tests on
    them hold, with a clean session and with one that is not; its order key (smaller is
    plainer); and the values that build it."""

    bits: tuple[int, int]
    key: tuple[Any, ...]
    values: Mapping[str, Any]


def fold(*groups: Iterable[Part], spend: Spend = uncounted) -> list[Part]:
    """Every combination of one part from each group, with the rule bits ANDed; of the
    combinations with the same bits, the one of smallest key. Each combination tried is
    a step of ``spend``.

    Before each group, the combinations so far drop the rules that no part of some later
    group lets through: those fail in every combination, so dropping them changes no
    result, and the combinations that differ only in them are told apart no longer (at
    every documented limit, the metrics' combinations number millions without this:
    ``bench_prove.py --scale``)."""
    lists = [list(group) for group in groups]
    later = [(-1, -1)]
    for items in reversed(lists[1:]):
        some = let_through(items)
        later.append((later[-1][0] & some[0], later[-1][1] & some[1]))
    out = {(-1, -1): Part((-1, -1), (), {})}
    for items, (keep, keep_dirty) in zip(lists, reversed(later), strict=True):
        spend(len(out) * len(items))
        nxt: dict[tuple[int, int], Part] = {}
        for a in out.values():
            for b in items:
                bits = (a.bits[0] & b.bits[0] & keep, a.bits[1] & b.bits[1] & keep_dirty)
                key = a.key + b.key
                old = nxt.get(bits)
                if old is None or key < old.key:
                    nxt[bits] = Part(bits, key, {**a.values, **b.values})
        out = nxt
    return sorted(out.values(), key=lambda p: p.key)


def let_through(parts: Iterable[Part]) -> tuple[int, int]:
    """The rules some of ``parts`` let through (with a clean session, and not)."""
    found = [p.bits for p in parts]
    return (functools.reduce(operator.or_, (b[0] for b in found), 0),
            functools.reduce(operator.or_, (b[1] for b in found), 0))


def steady_part(bits: int, key: tuple[Any, ...], **values: Any) -> Part:
    return Part((bits, bits), key, values)
