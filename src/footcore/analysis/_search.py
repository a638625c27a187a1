"""The prover's search: the model's cells walked for each invariant, contexts grouped where
no invariant tells them apart, and for each the most conservative action the check-in
fact can bring. Work is counted in steps; past the budget the search stops
(:class:`OutOfBudget`). What it finds is the smallest violating cell (:class:`Found`),
which the prover builds and replays.

The symptoms and the compensations are walked per fact, never as their product: for each
fact type, its lists breadth first by length (one item of each effect on the list: the
plainest), each state keeping what the check-in fact sees of them (count, highest
severity, pain, cleanliness), their most conservative action and the invariants' signs
among them. An invariant then pairs a symptom state with a compensation state only after
each side is cut down to what that invariant and context can tell apart (the check-in
rules its fields let through, cleanliness, action, and the sign the invariant looks
for), keeping the smallest list of each: the pairs are few where the states are many.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from .._conditions import FactType
from .._enums import Action, BackOff
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


# One fact type's list: how many (up to the most the rules tell apart), the run of the
# highest severity, pain, clean, the rank of its most conservative action, its signs.
Lists = tuple[int, int, bool, bool, int, int]
Entry = tuple[tuple[Any, ...], tuple[Item, ...]]  # the smallest list's key, and its items
Table = Mapping[Lists, Entry]
_START: Lists = (0, 0, False, True, NO_ACTION, 0)


@attrs.frozen(eq=False)
class ContextClass:
    """A context standing for every context no invariant tells apart from it, with what
    the search needs of it worked out once."""

    context: Context
    checkin: int  # check-in rules whose context tests hold
    positions: int  # raising rules whose position tests on the context hold
    items: tuple[tuple[Item, int], ...]  # its symptoms and compensations, with their ranks
    symptoms: Table  # every state lists of its symptoms reach, smallest list first
    compensations: Table  # and of its compensations
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
        self._most = {FactType.SYMPTOM: int(model.runs(FactType.CHECKIN, "symptom_count")[-1]),
                      FactType.COMPENSATION: int(model.runs(FactType.CHECKIN,
                                                           "compensation_count")[-1])}
        self._severities = model.runs(FactType.CHECKIN, "max_severity")
        self._tables: dict[tuple[Any, ...], Table] = {}
        self._ranks: dict[tuple[Any, ...], tuple[tuple[tuple[Item, int], ...], Table]] = {}
        self._tops: dict[tuple[Any, ...], dict[tuple[int, bool], tuple[Any, ...]]] = {}
        self._pairs: dict[tuple[Any, ...], list[tuple[int, int, tuple[Any, ...]]]] = {}
        self._sides: dict[tuple[Any, ...], list[tuple[Entry, Lists, int]]] = {}
        self._rest: dict[tuple[bool, BackOff], list[Part]] = {}

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.budget:
            raise OutOfBudget

    def rest(self, ctx: Context) -> list[Part]:
        """The model's :meth:`~Model.rest` for the context's pause and back-off mode, its
        steps counted once per search."""
        memo = (ctx.paused, ctx.backoff)
        found = self._rest.get(memo)
        if found is None:
            found = self._rest[memo] = self.model.rest(*memo, spend=self.spend)
        return found

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
            symptoms, sym_table = self._ranked(FactType.SYMPTOM, sym, None)
            compensations, comp_table = self._ranked(FactType.COMPENSATION, comp,
                                                     ctx.single_leg)
            items = symptoms + compensations
            found[signature] = ContextClass(
                ctx, checkin, positions, items,
                sym_table, comp_table,
                barred(facts))
        return list(found.values())

    def _ranked(self, fact: FactType, shared: int, week: bool | None
                ) -> tuple[tuple[tuple[Item, int], ...], Table]:
        """The items of ``fact`` (compensations: made for ``week``) with the rank of their
        most conservative action, where the context lets ``shared`` of its rules through,
        and their :meth:`_table`: the same for every context that does."""
        memo = (fact, shared, week)
        found = self._ranks.get(memo)
        if found is None:
            bits = self.model.bits[fact]
            ranked = tuple((i, bits.top(i.bits & shared)) for i in self.model.items
                           if i.fact is fact and i.week == week)
            found = self._ranks[memo] = (ranked, self._table(fact, ranked))
        return found

    # -------------------------------------------------------- symptoms and compensations

    def step(self, lists: Lists, item: Item, rank: int) -> Lists:
        """The state of a fact's list with ``item`` (of ``rank``) added."""
        count, severity, pain, clean, top, signs = lists
        return (min(count + 1, self._most[item.fact]), max(severity, item.severity),
                pain or item.pain, clean and item.clean, min(top, rank),
                signs | _signs(item))

    def _table(self, fact: FactType, ranked: Sequence[tuple[Item, int]]) -> Table:
        """Every state lists of ``fact``'s items reach, with the smallest list reaching it
        (key: how many, then their sorted keys), smallest first. The same for every
        context whose items of ``fact`` have the same plainest item of each effect."""
        # one item per effect on the state: the plainest (any other gives a larger key)
        plainest: dict[tuple[Any, ...], tuple[Item, int]] = {}
        for item, rank in ranked:
            if item.fact is fact:
                effect = (item.severity, item.pain, item.clean, rank, item.signs)
                if effect not in plainest or item.key < plainest[effect][0].key:
                    plainest[effect] = (item, rank)
        effects = tuple(sorted(plainest.values(), key=lambda pair: pair[0].key))
        cached = self._tables.get(effects)
        if cached is not None:
            return cached
        most = self._most[fact]
        moves = [(item, rank, item.severity, item.pain, item.clean, _signs(item))
                 for item, rank in effects]
        best: dict[Lists, Entry] = {_START: ((0, ()), ())}
        frontier = [_START]
        while frontier:
            found: dict[Lists, Entry] = {}
            for state in frontier:
                (size, keys), items = best[state]
                count, severity, pain, clean, top, signs = state
                count = min(count + 1, most)
                self.spend(len(moves))
                for item, rank, sev, hurts, tidy, bits in moves:
                    nxt = (count, max(severity, sev), pain or hurts, clean and tidy,
                           min(top, rank), signs | bits)
                    if nxt in best:
                        continue
                    new_key = (size + 1, tuple(sorted((*keys, item.key))))
                    old = found.get(nxt)
                    if old is None or new_key < old[0]:
                        found[nxt] = (new_key, tuple(sorted((*items, item),
                                                            key=lambda i: i.key)))
            best.update(found)
            frontier = sorted(found, key=lambda s: found[s][0])
        table = dict(sorted(best.items(), key=lambda kv: kv[1][0]))
        self._tables[effects] = table
        return table

    def lists(self, symptoms: Lists, compensations: Lists) -> int:
        """The check-in rules whose tests on the list fields hold for these lists."""
        return self.through(FactType.SYMPTOM, symptoms) & self.through(
            FactType.COMPENSATION, compensations)

    def through(self, fact: FactType, lists: Lists) -> int:
        """The check-in rules whose tests on the list fields of ``fact`` hold for its
        lists."""
        of = self.ck.of
        if fact is FactType.COMPENSATION:
            return of("compensation_count", lists[0])
        return (of("symptom_count", lists[0]) & of("max_severity", self._severities[lists[1]])
                & of("pain_today", lists[2]))

    def _side(self, cls: ContextClass, fact: FactType, bit: int, grow: bool
              ) -> list[tuple[Entry, Lists, int]]:
        """The states of one fact's lists in this class, cut down to what tells them apart
        for the check-in fact (the check-in rules their list fields let through, with
        those of the other fact's start), cleanliness, action and sign ``bit``; with
        ``grow``, also what each grows into with one more item of that fact. The smallest
        list of each, smallest first, with the rules it lets through."""
        table = cls.symptoms if fact is FactType.SYMPTOM else cls.compensations
        memo = (id(table), cls.checkin, bit, grow)
        found = self._sides.get(memo)
        if found is not None:
            return found
        effects = {(item.severity, item.pain, item.clean): item
                   for item, _ in cls.items if item.fact is fact} if grow else {}

        def bits(state: Lists) -> int:
            return cls.checkin & self.through(fact, state)

        seen: set[tuple[Any, ...]] = set()
        found = []
        self.spend(len(table) * (1 + len(effects)))
        for state, entry in table.items():
            through = bits(state)
            cut = (through, state[3], state[4], bool(state[5] & bit), tuple(
                (bits(after), after[3]) for after in (
                    self.step(state, item, NO_ACTION) for item in effects.values())))
            if cut not in seen:
                seen.add(cut)
                found.append((entry, state, through))
        self._sides[memo] = found
        return found

    # -------------------------------------------------------- the check-in fact

    def tops(self, cls: ContextClass, lists: int, clean: bool
             ) -> dict[tuple[int, bool], tuple[Any, ...]]:
        """For each (rank, whether every raising rule fails a position test), the plainest
        (key, dose, rest) of the check-in fact in this class with the list fields letting
        ``lists`` through."""
        ctx = cls.context
        memo = (cls.checkin & lists, cls.positions, len(ctx.stage.steps), ctx.doses,
                ctx.paused, ctx.backoff, clean)  # the dose parts read the stage's length
        found = self._tops.get(memo)
        if found is not None:
            return found
        m = self.model
        rest = self.rest(ctx)
        found = {}
        side = 0 if clean else 1
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

    def pairs(self, cls: ContextClass, before: tuple[int, bool], after: tuple[int, bool]
              ) -> list[tuple[int, int, tuple[Any, ...]]]:
        """Each (rank before, rank after) the check-in fact can bring with the list fields
        letting ``before`` and then ``after`` through (with whether the session is clean),
        with the plainest parts that give it."""
        ctx = cls.context
        memo = (cls.checkin & before[0], cls.checkin & after[0], len(ctx.stage.steps),
                ctx.doses, ctx.paused, ctx.backoff, before[1], after[1])
        found = self._pairs.get(memo)
        if found is not None:
            return found
        m = self.model
        rest = self.rest(ctx)
        cells: dict[tuple[int, int], tuple[Any, ...]] = {}
        sides = (0 if before[1] else 1, 0 if after[1] else 1)
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

    def _lists_of(self, cls: ContextClass, bit: int, most: int | None,
                  limit: tuple[Any, ...] | None = None, grow: FactType | None = None,
                  least: int = 0
                  ) -> Iterator[tuple[tuple[Any, ...], tuple[Item, ...], Lists, Lists, int]]:
        """The pairs of a symptom state and a compensation state of this class (each cut
        down by :meth:`_side`), smallest list first, of at most ``most`` items, no larger
        than ``limit``, whose items' actions both rank ``least`` or after (``grow``: the
        fact whose side is told apart by what one more item makes of it too): the key,
        items, the two states, and the check-in rules the list fields let through."""
        comps = [c for c in self._side(cls, FactType.COMPENSATION, bit,
                                       grow is FactType.COMPENSATION)
                 if c[1][4] >= least]
        for (skey, sitems), sym, sbits in self._side(cls, FactType.SYMPTOM, bit,
                                                     grow is FactType.SYMPTOM):
            if most is not None and skey[0] > most:
                break
            if sym[4] < least:
                continue
            self.spend(len(comps))
            for (ckey, citems), comp, cbits in comps:
                key = (skey[0] + ckey[0], skey[1] + ckey[1])
                if (most is not None and key[0] > most) or (limit is not None and key > limit):
                    break
                yield key, (*sitems, *citems), sym, comp, sbits & cbits

    def winner(self, sign: str | None, where: Callable[[ContextClass], bool],
               bad: Callable[[Context, Action], bool]) -> Found | None:
        """The smallest input whose context passes ``where``, whose symptoms and
        compensations show ``sign`` (if given), and whose action is ``bad``."""
        best: Found | None = None
        bit = _SIGN_BITS[sign] if sign else 0
        for cls in self.classes:
            # the action ranks no later than the items' own: lists whose items rank
            # before every bad action cannot end in one
            least = next((r for r, a in enumerate(self.actions) if bad(cls.context, a)), None)
            if least is None or not where(cls):
                continue
            for key, items, sym, comp, through in self._lists_of(
                    cls, bit, *_bound(best), least=least):
                if bit and not (sym[5] | comp[5]) & bit:
                    continue
                top = min(sym[4], comp[4])
                for (rank, _), (inner, dose, part) in self.tops(
                        cls, through, sym[3] and comp[3]).items():
                    if bad(cls.context, self.actions[min(rank, top)]):
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
            for key, items, sym, comp, through in self._lists_of(cls, 0, *_bound(best),
                                                                 least=NO_ACTION):
                found = self.tops(cls, through, sym[3] and comp[3]).get((NO_ACTION, True))
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
        # precedence in order of caution, and no item's action milder than the default:
        # an item the check-in fact does not see can then only add caution (it changes no
        # rule of the check-in fact, and the items' rank only falls)
        ordered = all(a >= b for a, b in itertools.pairwise(caution_of[:NO_ACTION]))
        for cls in self.classes:
            steady = ordered and all(caution_of[rank] >= caution_of[NO_ACTION]
                                     for _, rank in cls.items)
            # the plainest item of each effect on the lists, and of each rank within it
            effects: dict[tuple[Any, ...], dict[int, Item]] = {}
            for item, rank in cls.items:
                effects.setdefault((item.fact, item.severity, item.pain, item.clean),
                                   {}).setdefault(rank, item)
            most = None if best is None else best.key[0][0] - 1  # before one more item
            moving: dict[tuple[FactType, Lists], list[dict[int, Item]]] = {}
            # one more symptom (the compensations told apart only as far as that reads
            # them), then one more compensation
            for fact in (FactType.SYMPTOM, FactType.COMPENSATION):
                best = self._grown(cls, fact, effects, steady, moving, caution_of, most, best)
        return best

    def _grown(self, cls: ContextClass, fact: FactType,
               effects: Mapping[tuple[Any, ...], dict[int, Item]], steady: bool,
               moving: dict[tuple[FactType, Lists], list[dict[int, Item]]],
               caution_of: Sequence[int], most: int | None, best: Found | None
               ) -> Found | None:
        """:meth:`monotone` for one more item of ``fact`` in this class."""
        for key, items, sym, comp, through in self._lists_of(cls, 0, most, grow=fact):
            before = (through, sym[3] and comp[3])
            top = min(sym[4], comp[4])
            chosen = self._tried(cls, effects, steady, moving, fact,
                                 sym if fact is FactType.SYMPTOM else comp)
            self.spend(1 + len(chosen))
            for ranked in chosen:
                some = next(iter(ranked.values()))
                if some.fact is FactType.SYMPTOM:
                    grown, other = self.step(sym, some, NO_ACTION), comp
                    after = (self.lists(grown, other), grown[3] and other[3])
                else:
                    grown, other = self.step(comp, some, NO_ACTION), sym
                    after = (self.lists(other, grown), grown[3] and other[3])
                if steady and (cls.checkin & after[0], after[1]) == before:
                    continue
                pairs = self.pairs(cls, before, after)
                for rank, item in ranked.items():
                    then = min(top, rank)
                    for before_rank, after_rank, (inner, dose, part) in pairs:
                        if caution_of[min(after_rank, then)] < caution_of[
                                min(before_rank, top)]:
                            total = (key[0] + 1, tuple(sorted((*key[1], item.key))))
                            best = _better(best, (total, cls.context.key, inner),
                                           cls.context, dose, part,
                                           tuple(sorted((*items, item),
                                                        key=lambda i: i.key)))
        return best

    def _tried(self, cls: ContextClass, effects: Mapping[tuple[Any, ...], dict[int, Item]],
               steady: bool, moving: dict[tuple[FactType, Lists], list[dict[int, Item]]],
               fact: FactType, state: Lists) -> list[dict[int, Item]]:
        """The effects of ``fact`` monotone tries on a list of it in ``state``: when
        ``steady``, only those the check-in fact sees (``moving``: the memo)."""
        found = moving.get((fact, state))
        if found is None:
            seen = (cls.checkin & self.through(fact, state), state[3])
            found = moving[(fact, state)] = []
            for (of, *_), ranked in effects.items():
                if of is fact:
                    grown = self.step(state, next(iter(ranked.values())), NO_ACTION)
                    if not steady or seen != (cls.checkin & self.through(fact, grown),
                                              grown[3]):
                        found.append(ranked)
        return found


def _signs(item: Item) -> int:
    """The bits of the signs ``item`` shows."""
    return sum(_SIGN_BITS[s] for s in item.signs)


def _bound(best: Found | None) -> tuple[int | None, tuple[Any, ...] | None]:
    """The most items, and the largest key, of a list that can still beat ``best``."""
    return (None, None) if best is None else (best.key[0][0], best.key[0])


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
