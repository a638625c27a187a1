"""Acme Feet's rulebook, property-tested with footcore's kit.

Acme copied footcore's rulebook into ``rules/`` and changed two things: stiffness from
severity 2 (not 3) deloads, and towel scrunches replace seated toe curls in the activation
stage. These tests show the changed rulebook is still safe (proved for every input, then
sampled), and that the kit would notice if it were not: a deliberately unsafe variant, and
an unsafe edit the prover refutes with the smallest check-in that shows it. Run them with
``pytest examples/custom_rulebook``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore
from footcore import (
    Action,
    AthleteState,
    CheckIn,
    CompensationKind,
    Engine,
    Location,
    Symptom,
    SymptomKind,
)
from footcore._cli import main
from footcore.testing import (
    EPOCH,
    InvariantViolation,
    check_backoff_never_raises_load,
    check_invariants,
    check_rulebook,
    checkins,
    derive,
    mutation_score,
    prove,
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
    # One line: the safety invariants proved for every input, then the kit's invariants on
    # boundary cases and Hypothesis examples, liveness for every goal, and the athlete
    # state machine.
    report = check_rulebook(RULEBOOK, max_examples=150, stateful_examples=15)
    print(f"\n{report}")
    assert report.proof is not None and report.proof.ok


def test_the_prover_refutes_an_unsafe_edit_with_the_smallest_counterexample(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A coach at Acme finds that clawing toes hold beginners back for weeks and edits
    # rules-backoff.toml: gripping-hold now progresses instead of holding. It reads like a
    # local change; the prover shows it is not safe: reporting toe gripping can now raise
    # the load of an athlete who would otherwise hold.
    edited = tmp_path / "rules"
    shutil.copytree(RULES, edited)
    backoff = edited / "rules-backoff.toml"
    backoff.write_text(backoff.read_text().replace('id = "gripping-hold"\naction = "hold"',
                                                   'id = "gripping-hold"\naction = "progress"'))
    unsafe = footcore.load_rulebook(edited)
    report = prove(unsafe, spec=RULEBOOK)
    example = report.results["monotone"].counterexample
    assert example is not None and example.facts == 1
    (gripping,) = example.checkin.compensations
    assert gripping.kind is CompensationKind.TOE_GRIPPING
    assert example.decision.action is Action.PROGRESS
    without = attrs.evolve(example.checkin, compensations=())
    assert Engine(unsafe, backend="native").evaluate(example.state, without).action is (
        Action.HOLD)

    # The same, from the command line: an error with the counterexample in words and JSON.
    assert main(["lint", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "error: invariant monotone: adding the compensation toe_gripping" in out
    print(f"\n{report}\n\n{example.violation}\n\n$ footcore lint rules/\n{out}")


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
    assert "sharp-pain-pause" in caught.value.rules
    print(f"\ncaught, as it should be:\n{caught.value}")


def test_our_threshold_changes_would_not_go_unnoticed() -> None:
    # Every parameter a rule uses, moved a step either way: the kit notices each one.
    report = mutation_score(RULEBOOK, kinds=("threshold",))
    print(f"\n{report.summary()}")
    assert report.score == 1.0
