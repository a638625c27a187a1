"""The prover's search: the model's cells walked for each invariant, contexts grouped where
no invariant tells them apart, lists of symptoms and compensations breadth first by
length, and for each the most conservative action the check-in fact can bring. Work is
counted in steps; past the budget the search stops (:class:`OutOfBudget`). What it finds
is the smallest violating cell (:class:`Found`), which the prover builds and replays.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .._conditions import FactType
from .._enums import Action
from ._bits import NO_ACTION, Part
from ._cells import Context, Item
from ._model import Model
from ._spec import caution

__all__ = ["BACKOFF", "PAIN", "STIFF", "ContextClass", "Found", "OutOfBudget", "Search", "barred"]

# The signs of the model (SIGNS) the invariants' premises look for, and their bits.
PAIN, BACKOFF, STIFF = "pain", "backoff", "stiffness"
_SIGN_BITS = {PAIN: 1, BACKOFF: 2, STIFF: 4}


class OutOfBudget(Exception):
    """The search has spent its budget."""


@attrs.frozen
class Found:
    """A violating cell: its order key, and what builds it."""

    key: tuple[Any, ...]
    context: Context
    parts: Mapping[str, Any]
    items: tuple[Item, ...]


_Core = tuple[int, int, bool, bool, int, int]  # symptoms, severity run, pain, clean, comps, rank
_State = tuple[_Core, int]  # and the signs seen


@attrs.frozen(eq=False)
class ContextClass:
    """A context standing for every context no invariant tells apart from it, with what
    the search needs of it worked out once."""

    context: Context
    checkin: int  # check-in rules whose context tests hold
    positions: int  # raising rules whose position tests on the context hold
    items: tuple[tuple[Item, int], ...]  # its symptoms and compensations, with their ranks
    table: Mapping[_State, tuple[tuple[Any, ...], tuple[Item, ...]]]
    barred: frozenset[Action]  # the rises no-hops-before-clearance forbids here


class Search:
    """The model's cells, walked for each invariant."""

    def __init__(self, model: Model, budget: int) -> None:
        self.model = model
        self.budget = budget
        self.steps = 0
        rb = model.rulebook
        self.ck = model.bits[FactType.CHECKIN]
        self.actions = (*model.precedence, rb.meta.default_action)  # by rank; NO_ACTION last
        self.caution = [caution(a) for a in self.actions]
        self._max_symptoms = int(model.runs(FactType.CHECKIN, "symptom_count")[-1])
        self._max_comps = int(model.runs(FactType.CHECKIN, "compensation_count")[-1])
        self._severities = model.runs(FactType.CHECKIN, "max_severity")
        self._lists: dict[_Core, int] = {}
        self._tables: dict[tuple[int, int, bool], Any] = {}
        self._tops: dict[tuple[Any, ...], dict[tuple[int, bool], tuple[Any, ...]]] = {}
        self._pairs: dict[tuple[Any, ...], list[tuple[int, int, tuple[Any, ...]]]] = {}

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.budget:
            raise OutOfBudget

    # -------------------------------------------------------- contexts

    @functools.cached_property
    def classes(self) -> list[ContextClass]:
        """One context (the plainest) per class of contexts no invariant tells apart."""
        m = self.model
        found: dict[tuple[Any, ...], ContextClass] = {}
        for ctx in m.contexts:
            facts = m.context_facts(ctx)
            shared = ctx.shared()
            checkin, positions = self.ck.all(facts), m.positions.all(facts)
            sym = m.bits[FactType.SYMPTOM].all(shared)
            comp = m.bits[FactType.COMPENSATION].all(shared)
            signature = (checkin, positions, sym, comp, ctx.single_leg, len(ctx.stage.steps),
                         ctx.doses, ctx.paused, ctx.backoff, ctx.cleared_today, barred(facts))
            if signature in found:
                continue
            items = tuple((i, m.bits[i.fact].top(
                i.bits & (sym if i.fact is FactType.SYMPTOM else comp)))
                for i in m.items_for(ctx))
            found[signature] = ContextClass(ctx, checkin, positions, items,
                                            self._table(sym, comp, ctx.single_leg, items),
                                            barred(facts))
        return list(found.values())

    # -------------------------------------------------------- symptoms and compensations

    def step(self, state: _State, item: Item, rank: int) -> _State:
        (symptoms, severity, pain, clean, comps, top), signs = state
        if item.fact is FactType.SYMPTOM:
            symptoms = min(symptoms + 1, self._max_symptoms)
            severity = max(severity, item.severity)
        else:
            comps = min(comps + 1, self._max_comps)
        signs |= sum(_SIGN_BITS[s] for s in item.signs)
        return ((symptoms, severity, pain or item.pain, clean and item.clean, comps,
                 min(top, rank)), signs)

    def _table(self, sym: int, comp: int, single_leg: bool,
               ranked: Sequence[tuple[Item, int]]
               ) -> Mapping[_State, tuple[tuple[Any, ...], tuple[Item, ...]]]:
        """Every state the symptoms and compensations reach, with the smallest list
        reaching it (key: how many, then their sorted keys), smallest first."""
        cached = self._tables.get((sym, comp, single_leg))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        start: _State = ((0, 0, False, True, 0, NO_ACTION), 0)
        best: dict[_State, tuple[tuple[Any, ...], tuple[Item, ...]]] = {
            start: ((0, ()), ())}
        frontier = [start]
        while frontier:
            found: dict[_State, tuple[tuple[Any, ...], tuple[Item, ...]]] = {}
            for state in frontier:
                key, items = best[state]
                self.spend(len(ranked))
                for item, rank in ranked:
                    nxt = self.step(state, item, rank)
                    if nxt in best:
                        continue
                    new_key = (key[0] + 1, tuple(sorted((*key[1], item.key))))
                    old = found.get(nxt)
                    if old is None or new_key < old[0]:
                        found[nxt] = (new_key, (*items, item))
            best.update(found)
            frontier = sorted(found, key=lambda s: found[s][0])
        table = dict(sorted(best.items(), key=lambda kv: kv[1][0]))
        self._tables[(sym, comp, single_leg)] = table
        return table

    def lists(self, core: _Core) -> int:
        """The check-in rules whose tests on the list fields hold for this core."""
        bits = self._lists.get(core)
        if bits is None:
            symptoms, severity, pain, _, comps, _ = core
            bits = self._lists[core] = self.ck.all({
                "symptom_count": symptoms, "max_severity": self._severities[severity],
                "pain_today": pain, "compensation_count": comps})
        return bits

    # -------------------------------------------------------- the check-in fact

    def tops(self, cls: ContextClass, core: _Core) -> dict[tuple[int, bool], tuple[Any, ...]]:
        """For each (rank, whether every raising rule fails a position test), the plainest
        (key, dose, rest) of the check-in fact in this class with these lists."""
        ctx = cls.context
        memo = (cls.checkin & self.lists(core), cls.positions, ctx.stage.id, ctx.doses,
                ctx.paused, ctx.backoff, core[3])
        found = self._tops.get(memo)
        if found is not None:
            return found
        m = self.model
        rest = m.rest(ctx.paused, ctx.backoff)
        found = {}
        side = 0 if core[3] else 1
        for dose in m.doses(ctx):
            bits = memo[0] & dose.bits[0]
            blocked = not (cls.positions & dose.values["positions"])
            self.spend(len(rest))
            for part in rest:
                cell = (self.ck.top(bits & part.bits[side]), blocked)
                key = dose.key + part.key
                old = found.get(cell)
                if old is None or key < old[0]:
                    found[cell] = (key, dose, part)
        self._tops[memo] = found
        return found

    def pairs(self, cls: ContextClass, before: _Core, after: _Core
              ) -> list[tuple[int, int, tuple[Any, ...]]]:
        """Each (rank before, rank after) the check-in fact can bring with the lists being
        ``before`` and then ``after``, with the plainest parts that give it."""
        ctx = cls.context
        memo = (cls.checkin & self.lists(before), cls.checkin & self.lists(after),
                ctx.stage.id, ctx.doses, ctx.paused, ctx.backoff, before[3], after[3])
        found = self._pairs.get(memo)
        if found is not None:
            return found
        m = self.model
        rest = m.rest(ctx.paused, ctx.backoff)
        cells: dict[tuple[int, int], tuple[Any, ...]] = {}
        sides = (0 if before[3] else 1, 0 if after[3] else 1)
        for dose in m.doses(ctx):
            a, b = memo[0] & dose.bits[0], memo[1] & dose.bits[0]
            self.spend(len(rest))
            for part in rest:
                cell = (self.ck.top(a & part.bits[sides[0]]),
                        self.ck.top(b & part.bits[sides[1]]))
                key = dose.key + part.key
                old = cells.get(cell)
                if old is None or key < old[0]:
                    cells[cell] = (key, dose, part)
        found = self._pairs[memo] = [(x, y, v) for (x, y), v in cells.items()]
        return found

    # -------------------------------------------------------- deciding

    def winner(self, sign: str | None, where: Callable[[ContextClass], bool],
               bad: Callable[[Context, Action], bool]) -> Found | None:
        """The smallest input whose context passes ``where``, whose symptoms and
        compensations show ``sign`` (if given), and whose action is ``bad``."""
        best: Found | None = None
        bit = _SIGN_BITS[sign] if sign else 0
        for cls in self.classes:
            if not where(cls):
                continue
            for state, (key, items) in cls.table.items():
                if best is not None and key > best.key[0]:
                    break
                core, signs = state
                if bit and not signs & bit:
                    continue
                for (rank, _), (inner, dose, part) in self.tops(cls, core).items():
                    if bad(cls.context, self.actions[min(rank, core[5])]):
                        best = _better(best, (key, cls.context.key, inner), cls.context,
                                       dose, part, items)
        return best

    def hold_unexplained(self) -> Found | None:
        """The smallest input on which nothing fires, the default action is HOLD and no
        load-raising rule of the athlete's rung is open (so no why-not explains it)."""
        if self.model.rulebook.meta.default_action is not Action.HOLD:
            return None
        best: Found | None = None
        for cls in self.classes:
            for (core, _), (key, items) in cls.table.items():
                if best is not None and key > best.key[0]:
                    break
                if core[5] != NO_ACTION:
                    continue
                found = self.tops(cls, core).get((NO_ACTION, True))
                if found is not None:
                    inner, dose, part = found
                    best = _better(best, (key, cls.context.key, inner), cls.context, dose,
                                   part, items)
        return best

    def monotone(self) -> Found | None:
        """The smallest input to which one more symptom or compensation brings a less
        cautious action than without it."""
        best: Found | None = None
        caution_of = self.caution
        for cls in self.classes:
            cores: dict[_Core, tuple[tuple[Any, ...], tuple[Item, ...]]] = {}
            for (core, _), entry in cls.table.items():
                cores.setdefault(core, entry)
            # the plainest item of each effect on the lists, and of each rank within it
            effects: dict[tuple[Any, ...], dict[int, Item]] = {}
            for item, rank in cls.items:
                effects.setdefault((item.fact, item.severity, item.pain, item.clean),
                                   {}).setdefault(rank, item)
            for core, (key, items) in cores.items():
                if best is not None and key[0] + 1 > best.key[0][0]:
                    break
                self.spend(len(cls.items))
                for ranked in effects.values():
                    some = next(iter(ranked.values()))
                    after = self.step((core, 0), some, NO_ACTION)[0]
                    pairs = self.pairs(cls, core, after)
                    for rank, item in ranked.items():
                        top = min(core[5], rank)
                        for before_rank, after_rank, (inner, dose, part) in pairs:
                            if caution_of[min(after_rank, top)] < caution_of[
                                    min(before_rank, core[5])]:
                                total = (key[0] + 1, tuple(sorted((*key[1], item.key))))
                                best = _better(best, (total, cls.context.key, inner),
                                               cls.context, dose, part, (*items, item))
        return best


def barred(facts: Mapping[str, Any]) -> frozenset[Action]:
    """With a history and no clearance (P10): every rung change, and a dose step past the
    awareness rung (the first)."""
    if not facts["history"] or facts["cleared"]:
        return frozenset()
    advance = frozenset() if facts["final_stage"] else frozenset({Action.ADVANCE})
    return advance | ({Action.PROGRESS} if facts["stage_order"] > 0 else frozenset())


def _better(best: Found | None, key: tuple[Any, ...], ctx: Context, dose: Part, part: Part,
            items: tuple[Item, ...]) -> Found:
    if best is not None and best.key <= key:
        return best
    return Found(key, ctx, {**dose.values, **part.values}, items)
