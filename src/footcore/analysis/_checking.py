"""What every invariant check shares: the context it runs in (the engine that decided, the
rulebook whose thresholds it reads, the backend to compare with, what a change follows),
the check-in fact, words for symptoms and compensations, and the violation it raises.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._conditions import FactType, Scalar
from .._engine import Engine
from .._facts import build_facts
from .._models import AthleteState, CheckIn, Compensation, Decision, PlanItem, Symptom
from .._rulebook import Rulebook
from ._violations import InvariantViolation

__all__ = [
    "CheckContext",
    "Fact",
    "as_number",
    "checkin_fact",
    "compensation_words",
    "plan_items",
    "symptom_words",
    "violation",
]


Fact = Mapping[str, Scalar]


@attrs.frozen
class CheckContext:
    """What a check runs with: the engine that decided, the rulebook whose thresholds it
    reads, and the engine backends-agree compares with (None: the other backend); for a
    change, the athlete's decision before it (``after``: what an override overrides) and
    the stage mapping of an upgrade."""

    engine: Engine
    spec: Rulebook
    other: Engine | None = None
    after: Decision | None = None
    mapping: Mapping[str, str] | None = None


def checkin_fact(spec: Rulebook, state: AthleteState, checkin: CheckIn) -> Fact:
    return build_facts(spec, state, checkin)[FactType.CHECKIN][0]


def as_number(fact: Fact, name: str) -> float:
    """A number of the check-in fact (every number field holds an int or a float)."""
    value = fact[name]
    assert isinstance(value, int | float)
    return value


def symptom_words(s: Symptom) -> str:
    return f"{s.kind} at {s.location} (severity {s.severity}, {s.days} day(s))"


def compensation_words(c: Compensation) -> str:
    return f"{c.kind} in {c.exercise or 'an exercise not named'}"


def plan_items(decision: Decision) -> list[PlanItem]:
    plan = decision.plan
    return [item for s in plan.sessions for item in s.items] + list(plan.habits)


def violation(name: str, problem: str, expectation: str, decision: Decision,
              **extra: Any) -> InvariantViolation:
    return InvariantViolation(name, problem, expectation=expectation, decision=decision,
                              **extra)
