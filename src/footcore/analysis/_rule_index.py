"""Rules indexed by fact type, field and stage, so that lint's pairwise checks compare only
rules that can overlap.

Whether conditions hold together is decided field by field (one field's answer does not
depend on another's), so every decision here is one per field, cached: can some value of
the field meet one group of tests while failing another (:meth:`RuleIndex.meets`)? A rule
fires whenever some conditions hold exactly when, on the field of each of its tests, no
value meets the conditions and fails that test. A test that some value fails on its own
must therefore be met by a test of the conditions on its field: the index files each rule
under the rarest such test, and a query reads only the files of tests its own conditions
imply. Every candidate found is then decided test by test, as without the index.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence

import attrs

from .._conditions import FactType, Op, Test
from .._rulebook import Rule, Rulebook
from ._values import candidate_values

__all__ = ["Entry", "RuleIndex", "by_field", "lower_bound"]

Groups = dict[str, tuple[Test, ...]]


def by_field(tests: Iterable[Test]) -> Groups:
    """``tests`` grouped by the field they read, fields and tests in their first order."""
    fields: dict[str, list[Test]] = {}
    for test in tests:
        fields.setdefault(test.field, []).append(test)
    return {field: tuple(group) for field, group in fields.items()}


def lower_bound(tests: Sequence[Test], field: str) -> float | None:
    """The highest lower bound ``tests`` put on ``field`` (a strict one just above it)."""
    lows = [float(t.value) + (1e-9 if t.op is Op.GT else 0.0) for t in tests
            if t.field == field and t.op in (Op.GE, Op.GT) and isinstance(t.value, int | float)]
    return max(lows) if lows else None


@attrs.frozen(eq=False)
class Entry:
    """One rule as the index holds it: its place in the rulebook, the rank of its action
    and its tests by field."""

    position: int
    rule: Rule
    fact: FactType
    tests: tuple[Test, ...]
    rank: int
    groups: Groups


class RuleIndex:
    """The rules of one rulebook, filed for the questions lint asks about pairs of them."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self._meets: dict[tuple[FactType, str, tuple[Test, ...], tuple[Test, ...]], bool] = {}
        self._implied: dict[tuple[FactType, str, tuple[Test, ...]], frozenset[Test]] = {}
        self.entries = [
            Entry(number, rule, compiled.fact, compiled.tests, rulebook.rank(rule.action),
                  by_field(compiled.tests))
            for number, (rule, compiled) in enumerate(zip(rulebook.rules, rulebook.compiled,
                                                          strict=True))]
        self.live = [e for e in self.entries if self.satisfiable(e.fact, e.groups)]
        self._alive = {e.position for e in self.live}
        # Each rule's tests that some value fails on their own: a rule fires whenever some
        # conditions hold only if those conditions bound each of these tests' fields.
        self._needed = {e.position: frozenset(t for t in e.tests
                                              if self.meets(e.fact, t.field, (), (t,)))
                        for e in self.entries}
        count = Counter((e.fact, t) for e in self.entries for t in self._needed[e.position])
        self._filed: defaultdict[tuple[FactType, Test], list[Entry]] = defaultdict(list)
        self._unfiled: defaultdict[FactType, list[Entry]] = defaultdict(list)
        self._needed_on: defaultdict[tuple[FactType, str], set[Test]] = defaultdict(set)
        for entry in self.entries:
            needed = self._needed[entry.position]
            if not needed:
                self._unfiled[entry.fact].append(entry)
                continue
            rarest = min(needed, key=lambda t: (count[entry.fact, t], repr(t)))
            self._filed[entry.fact, rarest].append(entry)
            for test in needed:
                self._needed_on[entry.fact, test.field].add(test)
        self._stage_ids = tuple(stage.id for stage in rulebook.stages)

    def meets(self, fact: FactType, field: str, group: tuple[Test, ...],
              fails: tuple[Test, ...] = ()) -> bool:
        """Some value of ``field`` meets every test of ``group`` and fails every one of
        ``fails``, among the values at which their answers can change."""
        key = (fact, field, group, fails)
        found = self._meets.get(key)
        if found is None:
            found = any(all(t.holds({field: v}) for t in group)
                        and not any(t.holds({field: v}) for t in fails)
                        for v in candidate_values(fact, field, [*group, *fails],
                                                  self.rulebook))
            self._meets[key] = found
        return found

    def satisfiable(self, fact: FactType, groups: Groups) -> bool:
        """Some fact meets every test of ``groups``."""
        return all(self.meets(fact, field, group) for field, group in groups.items())

    def implied(self, fact: FactType, groups: Groups, test: Test) -> bool:
        """Every fact that meets ``groups`` (which some fact does) meets ``test``."""
        return not self.meets(fact, test.field, groups.get(test.field, ()), (test,))

    def first_outranking(self, fact: FactType, groups: Groups, rank: int, *,
                         live: bool) -> Entry | None:
        """The first rule (in rulebook order, live ones only if ``live``) on ``fact`` facts
        with an action ranked before ``rank`` that fires whenever ``groups`` hold; the
        caller knows that some fact meets ``groups``."""
        implied = frozenset().union(*(self._implied_on(fact, field, group)
                                      for field, group in groups.items()))
        candidates = [*self._unfiled.get(fact, ()),
                      *(e for test in implied for e in self._filed.get((fact, test), ()))]
        best: Entry | None = None
        for entry in candidates:
            if (entry.rank < rank and (best is None or entry.position < best.position)
                    and (not live or entry.position in self._alive)
                    and self._needed[entry.position] <= implied
                    and all(self.implied(fact, groups, t) for t in entry.tests)):
                best = entry
        return best

    def _implied_on(self, fact: FactType, field: str, group: tuple[Test, ...]
                    ) -> frozenset[Test]:
        """The filed tests on ``field`` that every value meeting ``group`` meets."""
        key = (fact, field, group)
        found = self._implied.get(key)
        if found is None:
            found = frozenset(test for test in self._needed_on.get((fact, field), ())
                              if not self.meets(fact, field, group, (test,)))
            self._implied[key] = found
        return found

    def stages(self, entry: Entry) -> tuple[str, ...]:
        """The stages in which ``entry``'s stage tests hold."""
        group = entry.groups.get("stage", ())
        return tuple(s for s in self._stage_ids if all(t.holds({"stage": s}) for t in group))

    def overlap(self, first: Entry, second: Entry) -> bool:
        """Both live rules, of one fact type, can fire on one fact."""
        return all(self.meets(first.fact, field, first.groups[field] + second.groups[field])
                   for field in first.groups if field in second.groups)

    def harsher_lower(self, fields: dict[FactType, tuple[str, ...]]
                      ) -> Iterator[tuple[Entry, Entry]]:
        """Pairs (harsher, milder) of live rules on one fact type that share a stage, where
        the harsher has a lower bound below the milder's on one of ``fields``; not yet
        known to overlap. Each pair once, in no particular order."""
        filed: defaultdict[tuple[FactType, str, str, int], list[tuple[float, int]]] = \
            defaultdict(list)
        for entry in self.live:
            for field in fields.get(entry.fact, ()):
                low = lower_bound(entry.tests, field)
                if low is not None:
                    for stage in self.stages(entry):
                        filed[entry.fact, field, stage, entry.rank].append(
                            (low, entry.position))
        for files in filed.values():
            files.sort()
        ranks = sorted({e.rank for e in self.live})
        seen: set[tuple[int, int]] = set()
        for mild in self.live:
            for field in fields.get(mild.fact, ()):
                low = lower_bound(mild.tests, field)
                if low is None:
                    continue
                for stage in self.stages(mild):
                    for rank in ranks:
                        if rank >= mild.rank:
                            break
                        files = filed.get((mild.fact, field, stage, rank), [])
                        for _, position in files[:bisect.bisect_left(files, (low, -1))]:
                            if (position, mild.position) not in seen:
                                seen.add((position, mild.position))
                                yield self.entries[position], mild
