"""Acme Feet's rulebook, property-tested with footcore's kit.

Acme copied footcore's rulebook into ``rules/`` and changed two things: stiffness from
severity 2 (not 3) deloads, and towel scrunches replace seated toe curls in the activation
stage. These tests show the changed rulebook is still safe, and that the kit would notice
if it were not. Run them with ``pytest examples/custom_rulebook``.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore
from footcore import Action, AthleteState, CheckIn, Engine, Location, Symptom, SymptomKind
from footcore.testing import (
    EPOCH,
    InvariantViolation,
    check_backoff_never_raises_load,
    check_invariants,
    check_rulebook,
    checkins,
    derive,
    mutation_score,
    ready_states,
    symptoms,
)

RULES = Path(__file__).parent / "rules"
RULEBOOK = footcore.load_rulebook(RULES)
ENGINE = Engine(RULEBOOK, backend="native")
SETTINGS = settings(max_examples=100, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def test_our_changes_are_in() -> None:
    assert RULEBOOK.id == "acme-feet"
    assert RULEBOOK.number("stiffness_deload_min") == 2
    plan = ENGINE.plan(attrs.evolve(
        ENGINE.new_athlete("a", goal=footcore.Goal.RUNNER, start=EPOCH),
        stage="activation"))
    assert "towel_scrunch" in {item.exercise for s in plan.sessions for item in s.items}


def test_every_invariant_holds_for_our_rulebook() -> None:
    # One line: the kit's invariants on boundary cases and Hypothesis examples, liveness
    # for every goal, and the athlete state machine.
    report = check_rulebook(RULEBOOK, max_examples=150, stateful_examples=15)
    print(f"\n{report}")


@SETTINGS
@given(ready_states(RULEBOOK), checkins(
    RULEBOOK, completed=True, cleared=False,
    symptom=symptoms(kinds=SymptomKind.STIFFNESS, severity=st.integers(2, 10)),
    max_symptoms=2))
def test_stiffness_from_2_backs_off(state: AthleteState, checkin: CheckIn) -> None:
    # Our own property, built from the kit's strategies and one of its checks.
    if not checkin.symptoms:
        return
    decision = check_backoff_never_raises_load(ENGINE, state, checkin)
    assert decision.action in (Action.DELOAD, Action.REST, Action.REGRESS, Action.PAUSE)


def test_footcore_default_stiffness_threshold_would_fail_our_spec() -> None:
    # Our tests hold footcore's shipped rulebook to our numbers: it lets stiffness 2 pass.
    shipped = Engine(footcore.load_rulebook(), backend="native")
    state = attrs.evolve(ENGINE.new_athlete("a", goal=footcore.Goal.RUNNER,
                                            start=EPOCH),
                         rulebook_digest=shipped.rulebook.digest)
    stiff = CheckIn(on=EPOCH, completed=True, minutes=18,
                    symptoms=(Symptom(SymptomKind.STIFFNESS, Location.ARCH, 2),))
    with pytest.raises(InvariantViolation, match="expected deload"):
        check_invariants(shipped, state, stiff, rulebook=RULEBOOK, only=("article-responses",))


def test_the_kit_catches_an_unsafe_variant() -> None:
    # A deliberately unsafe change: sharp pain only holds the dose instead of pausing.
    unsafe = derive(RULEBOOK, rules={"sharp-pain-pause": {"action": Action.HOLD}},
                    label="sharp pain only holds")
    with pytest.raises(InvariantViolation) as caught:
        check_rulebook(unsafe, max_examples=50, stateful_examples=5)
    assert caught.value.invariant == "pain-pauses"
    assert caught.value.rules == ("sharp-pain-pause",)
    print(f"\ncaught, as it should be:\n{caught.value}")


def test_our_threshold_changes_would_not_go_unnoticed() -> None:
    # Every parameter a rule uses, moved a step either way: the kit notices each one.
    report = mutation_score(RULEBOOK, kinds=("threshold",))
    print(f"\n{report.summary()}")
    assert report.score == 1.0
