"""The errors the invariant checks raise: an invariant broken, or a rulebook a check cannot
read.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._convert import to_json
from .._models import AthleteState, CheckIn, Decision, Firing
from .._rulebook import Rulebook

__all__ = ["InvariantViolation", "MissingParam"]


def _firing(firing: Firing) -> str:
    state = "won" if firing.won else f"overridden by {firing.overridden_by}"
    where = f" on {firing.fact}" if firing.fact != "checkin" else ""
    return f"{firing.rule_id} -> {firing.action} ({state}{where}; {', '.join(firing.source)})"


def responsible(decision: Decision) -> tuple[str, ...]:
    """The rules that decided ``decision``: the winning firings, in rule order."""
    return tuple(dict.fromkeys(f.rule_id for f in decision.winners))


class InvariantViolation(AssertionError):
    """An invariant of the kit does not hold for a rulebook (an ``AssertionError``, so test
    runners report it as a failure).

    The message names the invariant, what it expects in training terms, what happened, the
    rule(s) responsible (the winning firings of the decision) and the inputs as JSON, so the
    case can be replayed with ``Engine.evaluate``.

    Attributes:
        invariant: the invariant's name, e.g. ``"pain-pauses"``.
        problem: what went wrong, in one sentence.
        rules: the ids of the rules responsible (may be empty: no rule fired).
        decision: the decision that broke the invariant, when there is one.
    """

    def __init__(self, invariant: str, problem: str, *, expectation: str = "",
                 decision: Decision | None = None, state: AthleteState | None = None,
                 checkin: CheckIn | None = None, rules: Sequence[str] | None = None,
                 rulebook: Rulebook | None = None, details: Sequence[str] = ()) -> None:
        self.invariant = invariant
        self.problem = problem
        self.decision = decision
        self.state = state if state is not None else (
            decision.prior_state if decision is not None else None)
        self.checkin = checkin if checkin is not None else (
            decision.checkin if decision is not None else None)
        if rules is None:
            rules = responsible(decision) if decision is not None else ()
        self.rules = tuple(rules)
        lines = [f"invariant {invariant!r} broken: {problem}"]
        if expectation:
            lines.append(f"  expected: {expectation}")
        if decision is not None:
            lines.append(f"  rule(s) responsible: {', '.join(self.rules) or 'none'}"
                         + ("" if decision.firings else
                            f" (no rule fired; the default action is {decision.action})"))
            lines.extend(f"    fired: {_firing(f)}" for f in decision.firings)
            ref = decision.rulebook
            lines.append(f"  rulebook: {ref.id} {ref.version} (digest {ref.digest[:12]}), "
                         f"backend {decision.backend}")
        elif self.rules:
            lines.append(f"  rule(s) responsible: {', '.join(self.rules)}")
        if rulebook is not None and decision is None:
            lines.append(f"  rulebook: {rulebook.id} {rulebook.version} "
                         f"(digest {rulebook.digest[:12]})")
        lines.extend(f"  {line}" for line in details)
        if self.state is not None:
            lines.append(f"  state:   {to_json(self.state)}")
        if self.checkin is not None:
            lines.append(f"  checkin: {to_json(self.checkin)}")
        elif decision is not None and decision.change is not None:
            lines.append(f"  change:  {to_json(decision.change)}")
        super().__init__("\n".join(lines))


class MissingParam(InvariantViolation):
    """A check needs a named parameter the rulebook does not define.

    The kit reads every threshold from the rulebook's ``[params]``; a rulebook that has no
    such parameter cannot be checked for that invariant. The message says which parameter,
    what it means, and how to proceed (define it, or skip the invariant).
    """

    def __init__(self, invariant: str, param: str, meaning: str, rulebook: Rulebook) -> None:
        self.param = param
        super().__init__(
            invariant,
            f"it needs param {param!r} ({meaning}), which rulebook {rulebook.id} does not "
            f"define",
            expectation=f"define [params.{param}] (and use it in the rule it belongs to), or "
                        f"leave this check out with skip=({invariant!r},)",
            rulebook=rulebook)
