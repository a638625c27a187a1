"""The hand-written if-chain of benchmarks/ still makes the engine's decisions, so the floor
the engine is timed against stays honest when the rulebook changes."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings

import footcore as fc
from footcore.testing import EPOCH, inputs
from rerun import examples

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import handwritten
import trajectories

RULEBOOK = fc.load_rulebook()
ENGINE = fc.Engine(RULEBOOK, backend="native")
WEEKS = handwritten.Weeks(ENGINE)


def agrees(state: fc.AthleteState, checkin: fc.CheckIn) -> None:
    decision = ENGINE.evaluate(state, checkin)
    action, stage, dose, (mode, sessions, habits) = handwritten.decide(WEEKS, state, checkin)
    assert (action, stage, dose) == (decision.action, decision.state.stage,
                                     decision.state.dose_level), (
        f"engine: {decision.action} by {[f.rule_id for f in decision.winners]}")
    assert (mode, sessions, habits) == (decision.plan.mode, decision.plan.sessions,
                                        decision.plan.habits)


# The reruns compare a quarter as many inputs: Hypothesis's draws, alike on any interpreter
# (tests/rerun.py); the floor itself is the benchmarks' baseline, not shipped.
@settings(deadline=None, max_examples=examples(400, rerun=100),
          suppress_health_check=[HealthCheck.too_slow])
@given(inputs(RULEBOOK, today=EPOCH + timedelta(days=200)))
def test_the_floor_decides_as_the_engine_on_generated_inputs(
        pair: tuple[fc.AthleteState, fc.CheckIn]) -> None:
    note(f"state: {fc.to_json(pair[0])}\ncheckin: {fc.to_json(pair[1])}")
    agrees(*pair)


def test_the_floor_decides_as_the_engine_on_the_benchmark_trajectories() -> None:
    pairs = trajectories.inputs(fc, ENGINE, 12)
    assert len({ENGINE.evaluate(*pair).action for pair in pairs}) >= 5  # varied, not all holds
    for pair in pairs:
        agrees(*pair)
