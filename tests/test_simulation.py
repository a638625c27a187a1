"""Simulated athletes: months of check-ins fed through the engine, one decision at a time.

Each simulation starts a new athlete on ``START`` and checks in on a fixed schedule; the
state of every decision is the input of the next check-in, as an app would store it. Every
decision is held to the kit's invariants (``footcore.testing.check_invariants``), and the
climb to the top to the bound the kit computes from the rulebook (``ladder_bound``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from footcore import Action, AthleteState, CheckIn, Decision, Engine, Goal, Metrics, load_rulebook
from footcore.models import Category
from footcore.testing import check_invariants, check_liveness, ladder_bound

RULEBOOK = load_rulebook()
ENGINE = Engine(RULEBOOK, backend="native")

START = date(2026, 1, 5)  # a Monday
WEEKS = 40
LADDER = [stage.id for stage in RULEBOOK.stages]
ORDER = {stage.id: stage.order for stage in RULEBOOK.stages}
TOP = RULEBOOK.stages[-1]
MIN_IN_WINDOW = RULEBOOK.whole("min_sessions_in_window")
GATED = {stage.id for stage in RULEBOOK.stages if stage.needs_clearance_with_history}
GOOD_BALANCE = Metrics(balance_eyes_open_s=45.0, balance_eyes_closed_s=20.0)
RISING = (Action.PROGRESS, Action.ADVANCE)

# A check-in schedule: the planned session days, and whether each session was done (None:
# the athlete did not check in at all).
Schedule = Iterator[tuple[date, bool | None]]


def every_two_or_three_days(done: Callable[[int, date], bool | None] = lambda n, d: True,
                            weeks: int = WEEKS) -> Schedule:
    """Mon, Wed, Fri, every week (gaps of 2, 2 and 3 days); ``done(n, day)`` per session."""
    day = START
    for number, gap in enumerate(itertools.cycle((2, 2, 3))):
        day += timedelta(days=gap)
        if day > START + timedelta(weeks=weeks):
            return
        yield day, done(number, day)


def simulate(state: AthleteState, schedule: Schedule, metrics: Metrics = GOOD_BALANCE,
             cleared_on: date | None = None) -> list[Decision]:
    """Feed the schedule's check-ins through the engine: symptom-free, 18 minutes each."""
    decisions = []
    for day, done in schedule:
        if done is None:
            continue
        checkin = CheckIn(on=day, completed=done, minutes=18 if done else 0,
                          metrics=metrics, clinician_cleared=day == cleared_on)
        decision = check_invariants(ENGINE, state, checkin, skip=("backends-agree",))
        decisions.append(decision)
        state = decision.state
    return decisions


def visited(start: AthleteState, decisions: list[Decision]) -> list[str]:
    """The stages the athlete was on, in order, each listed once per stay."""
    stages = [start.stage]
    for decision in decisions:
        if decision.state.stage != stages[-1]:
            stages.append(decision.state.stage)
    return stages


def trace(decisions: list[Decision]) -> str:
    return "\n".join(f"{d.checkin.on} {d.action.value:8} {d.state.stage}/{d.state.dose_level}"
                     f" window={len(d.state.recent_sessions)}" for d in decisions)


def plan_items(decision: Decision) -> list[tuple[str, Category]]:
    plan = decision.plan
    return [(item.exercise, item.category)
            for session in plan.sessions for item in session.items] + [
        (item.exercise, item.category) for item in plan.habits]


# ---------------------------------------------------------------- a perfect record


@pytest.mark.parametrize("goal", list(Goal))
def test_perfect_record_climbs_every_rung_in_order(goal: Goal) -> None:
    start = ENGINE.new_athlete("perfect", goal=goal, start=START)
    decisions = simulate(start, every_two_or_three_days())
    log = trace(decisions)

    assert visited(start, decisions) == LADDER, log
    before = start
    for decision in decisions:
        new = decision.state
        assert decision.action in (Action.HOLD, Action.PROGRESS, Action.ADVANCE), log
        step = ORDER[new.stage] - ORDER[before.stage]
        assert step in (0, 1), log  # never skips a rung, never goes back
        if step:
            assert decision.action is Action.ADVANCE and new.dose_level == 0, log
        else:
            assert new.dose_level >= before.dose_level, log
        before = new

    top = [d for d in decisions
           if d.state.stage == TOP.id and d.state.dose_level == len(TOP.steps) - 1]
    assert top, f"never reached the top dose of {TOP.id} in {WEEKS} weeks\n{log}"
    assert top[0].checkin.on <= START + timedelta(days=ladder_bound(RULEBOOK)), log
    # Once at the top, the athlete stays there on a clean record.
    assert decisions[-1].state.stage == TOP.id
    assert decisions[-1].state.dose_level == len(TOP.steps) - 1


@pytest.mark.parametrize("history", [False, True])
@pytest.mark.parametrize("goal", list(Goal))
def test_the_kits_clean_record_reaches_the_top_within_the_bound(goal: Goal,
                                                                history: bool) -> None:
    # The kit's liveness check: a session every two days, balance at the thresholds, and
    # clearance at the first check-in for an athlete with a history.
    decisions = check_liveness(ENGINE, goal=goal, history=history, start=START)
    days = (decisions[-1].checkin.on - START).days
    assert days <= ladder_bound(RULEBOOK) == 184
    assert visited(decisions[0].prior_state, decisions) == LADDER


def test_perfect_record_moves_at_most_one_step_a_week() -> None:
    start = ENGINE.new_athlete("perfect", goal=Goal.RUNNER, start=START)
    decisions = simulate(start, every_two_or_three_days())
    moves = [d.checkin.on for d in decisions if d.action in RISING]
    min_days = RULEBOOK.whole("min_days_per_step")
    assert all((later - earlier).days >= min_days for earlier, later in itertools.pairwise(moves))
    steps = sum(len(stage.steps) for stage in RULEBOOK.stages) - 1
    assert len(moves) == steps, trace(decisions)


# ---------------------------------------------------------------- missing sessions (P2, P3)


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(lambda n, day: n % 3 == 0, id="one-in-three"),
        pytest.param(lambda n, day: ((day - START).days // 7) % 2 == 0, id="every-other-week"),
        pytest.param(lambda n, day: ((day - START).days // 7) % 2 == 0 or None,
                     id="silent-every-other-week"),
        pytest.param(lambda n, day: n % 2 == 0, id="every-other-session"),
    ],
)
def test_inconsistent_athlete_never_moves_up(
        pattern: Callable[[int, date], bool | None]) -> None:
    # The bound: the 14-day window never holds min_sessions_in_window (4) completed
    # sessions (at most 3 with any of these patterns), so the consistency gate (P2, P3)
    # holds every check-in and the athlete never progresses nor advances: they stay on the
    # first rung at the first dose. (An athlete silent for a week also gets the layoff deload,
    # which at dose 0 changes nothing.)
    start = ENGINE.new_athlete("patchy", goal=Goal.EVERYDAY, start=START)
    decisions = simulate(start, every_two_or_three_days(pattern))
    log = trace(decisions)
    for decision in decisions:
        assert len(decision.state.recent_sessions) < MIN_IN_WINDOW, log
        assert decision.action not in RISING, log
        assert "consistency-gate" in {f.rule_id for f in decision.firings}, log
    assert {(d.state.stage, d.state.dose_level) for d in decisions} == {(LADDER[0], 0)}


def test_athlete_who_drops_off_is_held_where_the_gate_catches_them() -> None:
    # Perfect for ten weeks, then one session in three: once fewer than
    # min_sessions_in_window sessions are in the window, nothing moves up any more.
    switch = START + timedelta(weeks=10)
    start = ENGINE.new_athlete("drop-off", goal=Goal.STRENGTH, start=START)
    decisions = simulate(start, every_two_or_three_days(
        lambda n, day: day < switch or n % 3 == 0))
    log = trace(decisions)
    for decision in decisions:
        if len(decision.state.recent_sessions) < MIN_IN_WINDOW:
            assert decision.action not in RISING, log
    held = next(i for i, d in enumerate(decisions)
                if d.checkin.on >= switch and len(d.state.recent_sessions) < MIN_IN_WINDOW)
    where = (decisions[held].state.stage, decisions[held].state.dose_level)
    assert ORDER[where[0]] >= 1, log  # ten good weeks did move them up the ladder
    assert all((d.state.stage, d.state.dose_level) == where for d in decisions[held:]), log


# ---------------------------------------------------------------- history and clearance (P10)


def test_history_without_clearance_never_enters_a_gated_stage() -> None:
    start = ENGINE.new_athlete("history", goal=Goal.RUNNER, start=START,
                               prior_foot_ankle_problems=True)
    decisions = simulate(start, every_two_or_three_days())
    log = trace(decisions)
    assert GATED, "the rulebook gates some rungs on clearance"
    for decision in decisions:
        assert decision.state.stage not in GATED, log
        assert all(category is not Category.PLYOMETRIC
                   for _, category in plan_items(decision)), log
    # Held at the top dose of the last ungated rung by the clearance gate.
    last_free = max((s for s in RULEBOOK.stages if s.id not in GATED), key=lambda s: s.order)
    assert decisions[-1].state.stage == last_free.id, log
    assert decisions[-1].state.dose_level == len(last_free.steps) - 1, log
    assert "history-clearance-gate" in {f.rule_id for f in decisions[-1].firings}


def test_history_athlete_advances_once_a_checkin_brings_clearance() -> None:
    cleared_on = START + timedelta(weeks=20, days=2)  # a Wednesday, long held at the gate
    start = ENGINE.new_athlete("history", goal=Goal.RUNNER, start=START,
                               prior_foot_ankle_problems=True)
    decisions = simulate(start, every_two_or_three_days(weeks=WEEKS + 20),
                         cleared_on=cleared_on)
    log = trace(decisions)
    before = [d for d in decisions if d.checkin.on < cleared_on]
    assert all(d.state.stage not in GATED for d in before), log
    clearing = next(d for d in decisions if d.checkin.on == cleared_on)
    assert clearing.action is Action.ADVANCE, log
    assert clearing.state.stage in GATED and clearing.state.clinician_cleared, log
    # Cleared athletes train with hops again once they reach a rung that has them.
    after = [d for d in decisions if d.checkin.on >= cleared_on]
    assert any(category is Category.PLYOMETRIC
               for d in after for _, category in plan_items(d)), log
    assert visited(start, decisions) == LADDER, log
    assert decisions[-1].state.stage == TOP.id, log


# ---------------------------------------------------------------- balance criteria (P8, P11)


@pytest.mark.parametrize(
    ("metrics", "stops_at"),
    [
        pytest.param(Metrics(), "control", id="no-metrics"),
        pytest.param(Metrics(balance_eyes_open_s=20.0), "control", id="open-too-short"),
        pytest.param(Metrics(balance_eyes_open_s=45.0), "unilateral", id="no-eyes-closed"),
        pytest.param(Metrics(balance_eyes_open_s=45.0, balance_eyes_closed_s=5.0),
                     "unilateral", id="closed-too-short"),
    ],
)
def test_without_good_balance_metrics_the_climb_stops(metrics: Metrics, stops_at: str) -> None:
    # A criterion that cannot be assessed (no metric on record) is not passed.
    start = ENGINE.new_athlete("no-metrics", goal=Goal.RUNNER, start=START)
    decisions = simulate(start, every_two_or_three_days(), metrics=metrics)
    log = trace(decisions)
    assert visited(start, decisions) == LADDER[: LADDER.index(stops_at) + 1], log
    final = decisions[-1].state
    assert final.stage == stops_at, log
    assert final.dose_level == len(RULEBOOK.stage(stops_at).steps) - 1, log
    assert all(d.action is not Action.ADVANCE or ORDER[d.state.stage] <= ORDER[stops_at]
               for d in decisions), log
