"""Who changed a plan and why, in plain words: the sentences that :func:`explain`, the audit
history and the history page say about an override, a change of goal, a move to another
rulebook and a check-in someone sent (``held by coach:maria (coach): travel, away until the
20th``), and what an override overrode.
"""

from __future__ import annotations

from typing import Any

from ._enums import Action, ChangeKind
from ._models import GOAL_CHANGE, OVERRIDE, UPGRADE, Change, Decision
from ._words import day

__all__ = ["change_said", "cleared", "overrode"]

# What a person's override did, said before "by whom".
_DONE = {
    Action.ADVANCE: "Moved up a rung", Action.PROGRESS: "Raised a dose step",
    Action.HOLD: "Held", Action.EASE: "Eased", Action.DELOAD: "Deloaded",
    Action.REST: "Given rest days", Action.REGRESS: "Stepped back a rung",
    Action.PAUSE: "Paused",
}
_CLEARANCE = {True: "clearing the athlete to train",
              False: "withdrawing the clinician's clearance"}
# The engine's own firings: a decision before an override that was not the rules'.
_NOT_THE_RULES = {OVERRIDE: "an override by a coach or clinician",
                  GOAL_CHANGE: "a change of goal", UPGRADE: "a move to another rulebook"}


def _one_line(text: str | None) -> str:
    """People's free text on one line: a line break in a name or comment cannot pass for
    a line of the explanation."""
    return " ".join((text or "").split())


def _who(change: Change) -> str:
    """`` by coach:maria (coach)``, `` by the athlete``, or nothing when nobody is named."""
    if change.by is not None:
        return f" by {_one_line(change.by)}" + (f" ({change.role.value})" if change.role
                                                 else "")
    return f" by the {change.role.value}" if change.role else ""


def _why(change: Change, more: str = "") -> str:
    """``: travel, away until the 20th``: the reason code, anything ``more``, the comment."""
    said = ", ".join(part for part in (change.reason, more,
                                       _one_line(change.comment).rstrip(". ")) if part)
    return f": {said}" if said else ""


def overrode(decision: Decision) -> dict[str, Any] | None:
    """What an override replaced, from its firing: the action of the athlete's decision
    before it, the rules that made it (none: the rulebook's default), whether the rules
    made it (``by_rules``; else it was another change) and the day of that check-in. None
    for another kind, or an override made with no decision before it."""
    if decision.kind is not ChangeKind.OVERRIDE or not decision.firings:
        return None
    matched = dict(decision.firings[0].matched)
    if "rules_decided" not in matched:
        return None
    fired = [rule for rule in str(matched.get("rules_fired", "")).split(", ") if rule]
    by_rules = not set(fired) & _NOT_THE_RULES.keys()
    on = decision.prior_state.last_checkin_on if by_rules else None
    return {"action": str(matched["rules_decided"]), "rules": fired, "by_rules": by_rules,
            "on": on.isoformat() if on else None}


def _overrode_said(decision: Decision) -> list[str]:
    """What the override replaced, in a sentence (none when nothing came before it)."""
    before = overrode(decision)
    if before is None:
        return []
    if not before["by_rules"]:
        return [f"The decision before it was {_NOT_THE_RULES[before['rules'][0]]} "
                f"({before['action']}), not the rules'."]
    rules = ", ".join(before["rules"]) or "the rulebook's default"
    at = (f" at the check-in of {day(decision.prior_state.last_checkin_on)}"
          if decision.prior_state.last_checkin_on else "")
    return [f"The rules had decided {before['action']} ({rules}){at}."]


def _upgrade_said(decision: Decision) -> str:
    matched = dict(decision.firings[0].matched) if decision.firings else {}
    before, after = decision.prior_state, decision.state
    old = str(matched.get("digest_before", before.rulebook_digest))[:12]
    if (before.stage, before.dose_level) == (after.stage, after.dose_level):
        moved = f"the same stage ({after.stage}) and dose step ({after.dose_level})"
    else:
        moved = (f"stage {before.stage}, dose step {before.dose_level} became stage "
                 f"{after.stage}, dose step {after.dose_level}")
    return f"From the rulebook of digest {old}: {moved}."


def change_said(decision: Decision) -> list[str]:
    """Who made the decision's change and why, then what it replaced or moved, as
    sentences; empty for a check-in nobody is named for."""
    change = decision.change
    if change is None:
        return []
    if change.kind is ChangeKind.OVERRIDE:
        clearance = dict(decision.firings[0].matched).get("clearance") \
            if decision.firings else None
        more = _CLEARANCE.get(clearance, "") if isinstance(clearance, bool) else ""
        done = _DONE.get(decision.action, decision.action.value.capitalize())
        return [f"{done}{_who(change)}{_why(change, more)}.",
                *_overrode_said(decision)]
    if change.kind is ChangeKind.GOAL:
        return [f"Goal changed from {decision.prior_state.goal.value} to "
                f"{decision.state.goal.value}{_who(change)}{_why(change)}."]
    if change.kind is ChangeKind.UPGRADE:
        book = decision.rulebook
        return [f"Moved to rulebook {book.id} {book.version}{_who(change)}{_why(change)}.",
                _upgrade_said(decision)]
    if change.by is None and change.role is None and change.comment is None:
        return []
    return [f"Check-in sent{_who(change)}{_why(change)}."]


def cleared(decision: Decision) -> bool:
    """A clinician cleared the athlete with this decision: at its check-in, or by an
    override that gave clearance."""
    if decision.checkin is not None:
        return decision.checkin.clinician_cleared
    return decision.kind is ChangeKind.OVERRIDE and bool(decision.firings) and dict(
        decision.firings[0].matched).get("clearance") is True
