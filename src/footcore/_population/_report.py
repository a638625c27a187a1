"""The population's side of an impact review: a tally that workers fill and the caller
merges, in the athletes' order, and the report made from it.

Merging tallies in input order gives the same report however the athletes were split,
because counts add and each group keeps its first examples in that order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import partial

import attrs

from .._models import CheckIn, Decision, RulebookRef
from .._words import counted
from ._athlete import AthleteImpact, Step, describe

__all__ = [
    "BackOffCount",
    "ChangeExample",
    "ChangeGroup",
    "ImpactReport",
    "RungShift",
    "Tally",
    "percentile",
]


@attrs.frozen
class ChangeExample:
    """One decision in a group: whose, which check-in (0 first), when, and what changed."""

    athlete_id: str
    index: int
    on: date
    detail: tuple[str, ...]


@attrs.frozen
class ChangeGroup:
    """Decisions sharing a key (an action change, a rule that now wins or no longer does, a
    reason for refusing), with their count and the first few as examples."""

    key: str
    count: int
    examples: tuple[ChangeExample, ...]


@attrs.frozen
class RungShift:
    """The days to reach a rung, new rulebook minus old, over the athletes who reached it
    under both (negative: sooner): median, 10th and 90th percentile (nearest rank; ``None``
    when nobody did), how many reached it under one rulebook only, and how many of those
    under both reach it sooner and later."""

    stage: str
    athletes: int
    median: int | None
    p10: int | None
    p90: int | None
    only_before: int
    only_after: int
    sooner: int = 0
    later: int = 0


@attrs.frozen
class BackOffCount:
    """Back-offs (or eases, or pauses) of one kind begun over the population, before and
    after."""

    kind: str
    before: int
    after: int


@attrs.frozen
class ImpactReport:
    """What a rulebook change does to a population's histories.

    ``decisions`` counts the check-ins replayed; a decision is changed when its action,
    winning rules, new state or plan differs, or when one rulebook refused its check-in.
    ``refused_before`` and ``refused_after`` count the check-ins each rulebook refused,
    grouped with examples in ``refusals``. ``changed_examples`` holds the first few changed
    athletes' own results, in the order they came. ``stricter`` says how the new rulebook
    is the old made more cautious on paper (``footcore._caution.stricter_on_paper``; empty
    when it is not): such a change should move no athlete up a rung sooner, and
    :meth:`rewards_caution` flags one that does.
    """

    old: RulebookRef
    new: RulebookRef
    athletes: int
    decisions: int
    changed_athletes: int
    changed_decisions: int
    rungs: tuple[RungShift, ...]
    back_offs: tuple[BackOffCount, ...]
    by_action: tuple[ChangeGroup, ...]
    by_rule: tuple[ChangeGroup, ...]
    refused_before: int
    refused_after: int
    refusals: tuple[ChangeGroup, ...]
    changed_examples: tuple[AthleteImpact, ...] = ()
    stricter: tuple[str, ...] = ()

    def rewards_caution(self) -> tuple[str, ...]:
        """The rungs some athletes reach sooner (or only) under a new rulebook that is the
        old made stricter on paper, in words; empty when there is nothing to flag."""
        if not self.stricter:
            return ()
        return tuple(f"{r.stage}: {r.sooner} sooner, {r.only_after} only under the new"
                     for r in self.rungs if r.sooner or r.only_after)

    def __str__(self) -> str:
        old, new = self.old, self.new
        lines = [f"{old.id} {old.version} ({old.digest[:12]}) -> {new.id} {new.version} "
                 f"({new.digest[:12]}), over whole histories:",
                 f"  {self.headline()}."]
        rewarded = self.rewards_caution()
        if rewarded:
            lines += [f"FLAGGED: stricter on paper ({'; '.join(self.stricter)}), yet athletes "
                      f"move up sooner (P10: a more cautious answer should never climb "
                      f"faster):", *(f"  {line}" for line in rewarded)]
        elif self.stricter:
            lines.append(f"Stricter on paper ({'; '.join(self.stricter)}): no athlete "
                         f"reaches a rung sooner.")
        if self.rungs:
            lines += ["Days to reach each rung, new minus old (negative: sooner):",
                      f"  {'rung':<14}{'athletes':>9}{'median':>8}{'p10':>6}{'p90':>6}"
                      f"{'only old':>10}{'only new':>10}"]
            lines += [f"  {r.stage:<14}{r.athletes:>9}{_num(r.median):>8}{_num(r.p10):>6}"
                      f"{_num(r.p90):>6}{r.only_before:>10}{r.only_after:>10}"
                      for r in self.rungs]
        if self.back_offs:
            lines.append("Back-offs, eases and pauses begun, old -> new: " + ", ".join(
                f"{b.kind} {b.before} -> {b.after}" for b in self.back_offs))
        if self.changed_examples:
            lines.append("First changed athletes:")
            lines.extend(_athlete_text(a) for a in self.changed_examples)
        for title, groups in (("Changed decisions by action", self.by_action),
                              ("Changed decisions by rule", self.by_rule),
                              ("Refused check-ins", self.refusals)):
            if groups:
                lines.append(f"{title}:")
            for group in groups:
                lines.append(f"  {group.key}: {group.count}")
                lines.extend(f"    e.g. athlete {e.athlete_id}, check-in {e.index + 1} on "
                             f"{e.on}: {'; '.join(e.detail)}" for e in group.examples)
        if self.refused_before or self.refused_after:
            lines.append(f"{counted(self.refused_before, 'check-in')} refused by the old "
                         f"rulebook, {self.refused_after} by the new; each replay went on "
                         f"without them.")
        return "\n".join(lines)

    def headline(self) -> str:
        """``5 of 72 decisions change, for 1 of 1 athlete``."""
        return (f"{_changed(self.changed_decisions, self.decisions, 'decision')}, for "
                f"{self.changed_athletes} of {counted(self.athletes, 'athlete')}")


def _changed(part: int, whole: int, noun: str) -> str:
    """``1 of 72 decisions changes``, ``0 of 1 decision change``."""
    return f"{part} of {counted(whole, noun)} {'changes' if part == 1 else 'change'}"


def _athlete_text(athlete: AthleteImpact) -> str:
    first = athlete.first_divergence
    lines = [f"  {athlete.athlete_id}: {_changed(athlete.changed, athlete.decisions, 'decision')}"
             f"; ends on {athlete.before.final_stage} {athlete.before.final_dose} -> "
             f"{athlete.after.final_stage} {athlete.after.final_dose}"]
    if first is not None:
        def side(action: object, rules: tuple[str, ...]) -> str:
            return f"{getattr(action, 'value', 'refused')} ({', '.join(rules) or 'no rule'})"
        lines.append(f"    first divergence: check-in {first.index + 1} on {first.on}: "
                     f"{side(first.action_before, first.rules_before)} -> "
                     f"{side(first.action_after, first.rules_after)}")
    shifts = ", ".join(f"{stage} {_num(days)}" for stage, days in athlete.days_shift().items())
    if shifts:
        lines.append(f"    days to each rung, new minus old: {shifts}")
    return "\n".join(lines)


def _num(value: int | None) -> str:
    return "-" if value is None else f"{value:+d}" if value else "0"


def percentile(counts: Mapping[int, int], fraction: float) -> int | None:
    """The nearest-rank percentile of the values counted in ``counts`` (value: how many):
    the smallest value with at least ``fraction`` of them at or below it."""
    total = sum(counts.values())
    if not total:
        return None
    rank = max(1, math.ceil(fraction * total - 1e-9))  # 0.1 * 30 is 3.0000000000000004
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to the total")


@attrs.define
class _Group:
    count: int = 0
    examples: list[ChangeExample] = attrs.Factory(list)


def _rule_keys(before: Step, after: Step) -> list[str]:
    if not isinstance(before, Decision) or not isinstance(after, Decision):
        return [f"refused by the {label} rulebook" for label, step
                in (("old", before), ("new", after)) if isinstance(step, str)]
    won_before = {f.rule_id for f in before.winners}
    won_after = {f.rule_id for f in after.winners}
    keys = [f"{rule} now wins" for rule in sorted(won_after - won_before)]
    keys += [f"{rule} no longer wins" for rule in sorted(won_before - won_after)]
    return keys or ["same rules win; the plan or state differs"]


def _action_key(before: Step, after: Step) -> str:
    def name(step: Step) -> str:
        return step.action.value if isinstance(step, Decision) else "(refused)"
    return f"{name(before)} -> {name(after)}"


@attrs.define
class Tally:
    """Counts over the athletes seen so far, with up to ``examples`` examples per group."""

    examples: int
    athletes: int = 0
    decisions: int = 0
    changed_athletes: int = 0
    changed_decisions: int = 0
    shifts: dict[str, Counter[int]] = attrs.Factory(dict)
    only_before: Counter[str] = attrs.Factory(Counter)
    only_after: Counter[str] = attrs.Factory(Counter)
    back_offs_before: Counter[str] = attrs.Factory(Counter)
    back_offs_after: Counter[str] = attrs.Factory(Counter)
    refused_before: int = 0
    refused_after: int = 0
    by_action: dict[str, _Group] = attrs.Factory(dict)
    by_rule: dict[str, _Group] = attrs.Factory(dict)
    refusals: dict[str, _Group] = attrs.Factory(dict)
    changed_examples: list[AthleteImpact] = attrs.Factory(list)

    def _add(self, table: dict[str, _Group], key: str,
             example: Callable[[], ChangeExample]) -> None:
        group = table.setdefault(key, _Group())
        group.count += 1
        if len(group.examples) < self.examples:
            group.examples.append(example())

    def note(self, athlete_id: str) -> Callable[[int, CheckIn, Step, Step], None]:
        """What :func:`replay_athlete` calls with each changed decision of ``athlete_id``."""
        def changed(index: int, checkin: CheckIn, before: Step, after: Step) -> None:
            described: list[tuple[str, ...]] = []

            def example() -> ChangeExample:  # words only for the examples kept
                if not described:
                    described.append(describe(before, after))
                return ChangeExample(athlete_id, index, checkin.on, described[0])
            self._add(self.by_action, _action_key(before, after), example)
            for key in _rule_keys(before, after):
                self._add(self.by_rule, key, example)
        return changed

    def add(self, athlete: AthleteImpact) -> None:
        """Count one athlete's impact (after its changed decisions were noted)."""
        self.athletes += 1
        self.decisions += athlete.decisions
        self.changed_decisions += athlete.changed
        self.changed_athletes += athlete.changed > 0
        if athlete.changed and len(self.changed_examples) < self.examples:
            self.changed_examples.append(athlete)
        before, after = dict(athlete.before.days_to_rung), dict(athlete.after.days_to_rung)
        for stage, shift in athlete.days_shift().items():
            self.shifts.setdefault(stage, Counter())[shift] += 1
        self.only_before.update(stage for stage in before if stage not in after)
        self.only_after.update(stage for stage in after if stage not in before)
        self.back_offs_before.update(dict(athlete.before.back_offs))
        self.back_offs_after.update(dict(athlete.after.back_offs))
        self.refused_before += athlete.before.refused
        self.refused_after += athlete.after.refused
        for refusal in athlete.refusals:
            self._add(self.refusals,
                      f"{refusal.rulebook} rulebook: {refusal.error.split(':', 1)[0]}",
                      partial(ChangeExample, athlete.athlete_id, refusal.index, refusal.on,
                              (refusal.error,)))

    def merge(self, other: Tally) -> None:
        """Add ``other``, the tally of the athletes that come after these."""
        for name in ("athletes", "decisions", "changed_athletes", "changed_decisions",
                     "refused_before", "refused_after"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for stage, counts in other.shifts.items():
            self.shifts.setdefault(stage, Counter()).update(counts)
        for name in ("only_before", "only_after", "back_offs_before", "back_offs_after"):
            getattr(self, name).update(getattr(other, name))
        self.changed_examples.extend(
            other.changed_examples[:self.examples - len(self.changed_examples)])
        for name in ("by_action", "by_rule", "refusals"):
            mine: dict[str, _Group] = getattr(self, name)
            for key, group in getattr(other, name).items():
                into = mine.setdefault(key, _Group())
                into.count += group.count
                into.examples.extend(group.examples[:self.examples - len(into.examples)])

    def report(self, old: RulebookRef, new: RulebookRef, stages: Sequence[str],
               stricter: tuple[str, ...] = ()) -> ImpactReport:
        """The report, with rungs in the order of ``stages`` (then any others by name);
        ``stricter`` says how the new rulebook is the old made stricter on paper."""
        named = set(self.shifts) | set(self.only_before) | set(self.only_after)
        order = [s for s in stages if s in named] + sorted(named - set(stages))
        rungs = []
        for stage in order:
            shifts = self.shifts.get(stage, Counter())
            rungs.append(RungShift(
                stage, sum(shifts.values()), median=percentile(shifts, 0.5),
                p10=percentile(shifts, 0.1), p90=percentile(shifts, 0.9),
                only_before=self.only_before[stage], only_after=self.only_after[stage],
                sooner=sum(n for days, n in shifts.items() if days < 0),
                later=sum(n for days, n in shifts.items() if days > 0)))
        kinds = sorted(set(self.back_offs_before) | set(self.back_offs_after))
        return ImpactReport(
            old=old, new=new, athletes=self.athletes, decisions=self.decisions,
            changed_athletes=self.changed_athletes, changed_decisions=self.changed_decisions,
            rungs=tuple(rungs),
            back_offs=tuple(BackOffCount(k, self.back_offs_before[k], self.back_offs_after[k])
                            for k in kinds),
            by_action=_groups(self.by_action.items()), by_rule=_groups(self.by_rule.items()),
            refused_before=self.refused_before, refused_after=self.refused_after,
            refusals=_groups(self.refusals.items()),
            changed_examples=tuple(self.changed_examples), stricter=stricter)


def _groups(table: Iterable[tuple[str, _Group]]) -> tuple[ChangeGroup, ...]:
    ordered = sorted(table, key=lambda kv: (-kv[1].count, kv[0]))
    return tuple(ChangeGroup(key, g.count, tuple(g.examples)) for key, g in ordered)
