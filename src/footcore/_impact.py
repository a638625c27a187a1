"""What a rulebook change does to decisions: compare two rulebooks on the same cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import attrs

from ._engine import Engine
from ._errors import InputError
from ._explain import diff
from ._models import AthleteState, CheckIn, Decision, RulebookRef
from ._rulebook import Rulebook

__all__ = ["ImpactCase", "ImpactFailure", "ImpactGroup", "ImpactReport", "decision_changes",
           "impact", "rulebook_ref"]

# Every field of the new state but the stamp of the rulebook that made it.
_STATE_FIELDS = tuple(a.name for a in attrs.fields(AthleteState) if a.name != "rulebook_digest")


def rulebook_ref(rulebook: Rulebook) -> RulebookRef:
    """The reference to ``rulebook`` that its decisions carry."""
    return rulebook.ref


def decision_changes(before: Decision, after: Decision) -> tuple[str, ...]:
    """What differs between two decisions on the same inputs, in words: the action, the rules
    that won, the new state and the plan. Empty when they agree.

    The rulebook reference, backend and footcore version are not compared, so a decision
    replayed on the other backend, or under an unchanged rulebook, shows no change.
    """
    out: list[str] = []
    if before.action is not after.action:
        out.append(f"action {before.action.value} -> {after.action.value}")
    won_before = {f.rule_id for f in before.winners}
    won_after = {f.rule_id for f in after.winners}
    if won_after - won_before:
        out.append(f"now winning: {', '.join(sorted(won_after - won_before))}")
    if won_before - won_after:
        out.append(f"no longer winning: {', '.join(sorted(won_before - won_after))}")
    moved = [name for name in _STATE_FIELDS
             if getattr(before.state, name) != getattr(after.state, name)]
    if moved:
        out.append(f"new state differs in {', '.join(moved)}")
    if before.plan != after.plan:
        count = len(diff(before.plan, after.plan))
        out.append(f"plan differs ({count} change{'s' if count != 1 else ''} in exercises, "
                   f"doses or sessions)" if count else "plan differs in cues or notes")
    return tuple(out)


@attrs.frozen
class ImpactCase:
    """One case whose decision the new rulebook changes."""

    index: int
    state: AthleteState
    checkin: CheckIn
    before: Decision
    after: Decision
    changes: tuple[str, ...]


@attrs.frozen
class ImpactFailure:
    """One case a rulebook could not evaluate (for example, a stage the new one lacks)."""

    index: int
    rulebook: str  # "old" or "new"
    error: str


@attrs.frozen
class ImpactGroup:
    """Changed cases sharing a key (an action change, or a rule that now wins or no longer
    does), with their count and the first few as examples."""

    key: str
    count: int
    examples: tuple[ImpactCase, ...]


@attrs.frozen
class ImpactReport:
    """How a rulebook change alters decisions on a set of cases."""

    old: RulebookRef
    new: RulebookRef
    cases: int
    changed: int
    by_action: tuple[ImpactGroup, ...]
    by_rule: tuple[ImpactGroup, ...]
    failures: tuple[ImpactFailure, ...]

    def __str__(self) -> str:
        lines = [f"{self.changed} of {self.cases} decisions change from {self.old.id} "
                 f"{self.old.version} ({self.old.digest[:12]}) to {self.new.id} "
                 f"{self.new.version} ({self.new.digest[:12]})."]
        for title, groups in (("By action", self.by_action), ("By rule", self.by_rule)):
            if groups:
                lines.append(f"{title}:")
            for group in groups:
                lines.append(f"  {group.key}: {group.count}")
                lines.extend(f"    e.g. case {c.index}: athlete {c.state.athlete_id} on "
                             f"{c.checkin.on}: {'; '.join(c.changes)}" for c in group.examples)
        if self.failures:
            lines.append(f"{len(self.failures)} case(s) could not be evaluated:")
            lines.extend(f"  case {f.index} ({f.rulebook} rulebook): {f.error}"
                         for f in self.failures)
        return "\n".join(lines)


def _groups(table: dict[str, list[ImpactCase]], examples: int) -> tuple[ImpactGroup, ...]:
    ordered = sorted(table.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple(ImpactGroup(key, len(found), tuple(found[:examples]))
                 for key, found in ordered)


def _rule_keys(before: Decision, after: Decision) -> list[str]:
    won_before = {f.rule_id for f in before.winners}
    won_after = {f.rule_id for f in after.winners}
    keys = [f"{rule} now wins" for rule in sorted(won_after - won_before)]
    keys += [f"{rule} no longer wins" for rule in sorted(won_before - won_after)]
    return keys or ["same rules win; the plan or state differs"]


def impact(old_rulebook: Rulebook, new_rulebook: Rulebook,
           cases: Iterable[tuple[AthleteState, CheckIn]], backend: str = "native", *,
           examples: int = 3) -> ImpactReport:
    """Evaluate each (state, check-in) case under both rulebooks and report what changes.

    Changed decisions are grouped by the action change (``"hold -> deload"``) and by the
    rules responsible (those that now win, or no longer do), each group with its count and
    its first ``examples`` cases. A case that one rulebook cannot evaluate is listed in
    ``failures`` rather than stopping the review.

    Args:
        old_rulebook: the rulebook in use.
        new_rulebook: the candidate.
        cases: (state, check-in) pairs, for example recorded ones or generated ones.
        backend: the backend both engines use (``"native"``, ``"durable"`` or ``"auto"``).
        examples: how many example cases each group keeps.

    Raises:
        InputError: ``examples`` is negative, or a case is not a (state, check-in) pair.
        EngineError: a backend failed.
    """
    if examples < 0:
        raise InputError(f"examples: got {examples}; accepted: 0 or more")
    old, new = Engine(old_rulebook, backend), Engine(new_rulebook, backend)
    by_action: dict[str, list[ImpactCase]] = defaultdict(list)
    by_rule: dict[str, list[ImpactCase]] = defaultdict(list)
    failures: list[ImpactFailure] = []
    total = changed = 0
    for index, case in enumerate(cases):
        total += 1
        state, checkin = case if isinstance(case, tuple) and len(case) == 2 else (None, None)
        if not (isinstance(state, AthleteState) and isinstance(checkin, CheckIn)):
            raise InputError(f"cases[{index}]: got {case!r:.80}; accepted: an "
                             f"(AthleteState, CheckIn) pair")
        decisions: list[Decision] = []
        for label, engine in (("old", old), ("new", new)):
            try:
                decisions.append(engine.evaluate(state, checkin))
            except InputError as exc:
                failures.append(ImpactFailure(index, label, str(exc)))
                break
        if len(decisions) < 2:
            continue
        before, after = decisions
        found = decision_changes(before, after)
        if not found:
            continue
        changed += 1
        item = ImpactCase(index, state, checkin, before, after, found)
        by_action[f"{before.action.value} -> {after.action.value}"].append(item)
        for key in _rule_keys(before, after):
            by_rule[key].append(item)
    return ImpactReport(
        old=rulebook_ref(old_rulebook), new=rulebook_ref(new_rulebook), cases=total,
        changed=changed,
        by_action=_groups(by_action, examples), by_rule=_groups(by_rule, examples),
        failures=tuple(failures))
