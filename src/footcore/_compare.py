"""Comparing two decisions made on the same inputs (the per-decision comparison): what audit
replay reports for each record, and what impact counts as a changed decision."""

from __future__ import annotations

import attrs

from ._explain import diff
from ._models import AthleteState, Decision, RulebookRef
from ._rulebook import Rulebook

__all__ = ["decision_changes", "rulebook_ref", "same_outcome"]

# Every field of the new state but the stamp of the rulebook that made it.
_STATE_FIELDS = tuple(a.name for a in attrs.fields(AthleteState) if a.name != "rulebook_digest")


def rulebook_ref(rulebook: Rulebook) -> RulebookRef:
    """The reference to ``rulebook`` that its decisions carry."""
    return rulebook.ref


def _winning(decision: Decision) -> frozenset[str]:
    return frozenset(f.rule_id for f in decision.firings if f.won)


def _moved(before: AthleteState, after: AthleteState) -> list[str]:
    return [name for name in _STATE_FIELDS if getattr(before, name) != getattr(after, name)]


def same_outcome(before: Decision, after: Decision) -> bool:
    """True when :func:`decision_changes` finds nothing, without putting it into words."""
    return (before.action is after.action and _winning(before) == _winning(after)
            and not _moved(before.state, after.state) and before.plan == after.plan)


def decision_changes(before: Decision, after: Decision) -> tuple[str, ...]:
    """What differs between two decisions on the same inputs, in words: the action, the rules
    that won, the new state and the plan. Empty when they agree.

    The rulebook reference, backend and footcore version are not compared, so a decision
    replayed on the other backend, or under an unchanged rulebook, shows no change.
    """
    out: list[str] = []
    if before.action is not after.action:
        out.append(f"action {before.action.value} -> {after.action.value}")
    won_before, won_after = _winning(before), _winning(after)
    if won_after - won_before:
        out.append(f"now winning: {', '.join(sorted(won_after - won_before))}")
    if won_before - won_after:
        out.append(f"no longer winning: {', '.join(sorted(won_before - won_after))}")
    moved = _moved(before.state, after.state)
    if moved:
        out.append(f"new state differs in {', '.join(moved)}")
    if before.plan != after.plan:
        count = len(diff(before.plan, after.plan))
        out.append(f"plan differs ({count} change{'s' if count != 1 else ''} in exercises, "
                   f"doses or sessions)" if count else "plan differs in cues or notes")
    return tuple(out)
