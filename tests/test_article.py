"""One example per condition the source article names (design.md's back-off table, P1..P12).

Each test places an athlete with ``engine.new_athlete`` and ``attrs.evolve``, hands the
engine one check-in and checks the action, the rule that decided it and the plan that
follows. Thresholds come from the rulebook's params, never from literals.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest

from footcore import (
    Action,
    AthleteState,
    CheckIn,
    Compensation,
    CompensationKind,
    Decision,
    DuplicateCheckIn,
    Engine,
    Goal,
    InputError,
    Location,
    Metrics,
    Observation,
    Symptom,
    SymptomKind,
    explain,
    from_json,
    open_store,
    to_json,
)
from footcore._cli._text import dose_text, plan_text
from footcore._durable import durable_available
from footcore.audit import AuditLog
from footcore.models import BackOff, Category, PlanItem, Rule, Rulebook, WeekPlan

START = date(2026, 1, 5)
TODAY = START + timedelta(days=90)
CARE = frozenset({Category.WARM_UP, Category.COOL_DOWN, Category.MOBILITY})
FOREFOOT = (Location.BALL_OF_FOOT, Location.ARCH, Location.TOES)
KNEE_OR_HIP = (CompensationKind.KNEE_VALGUS, CompensationKind.HIP_ADDUCTION)


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module", params=["native", "durable"] if durable_available()
                else ["native"])
def engine(rulebook: Rulebook, request: pytest.FixtureRequest) -> Engine:
    """Every article condition is checked on each backend this Python can run."""
    return Engine(rulebook, backend=request.param)


def days(n: int | float) -> timedelta:
    return timedelta(days=int(n))


def top(rulebook: Rulebook, stage: str) -> int:
    return len(rulebook.stage(stage).steps) - 1


def placed(engine: Engine, *, stage: str = "control", dose: int | None = None,
           goal: Goal = Goal.RUNNER, history: bool = False, cleared: bool = False,
           **changes: object) -> AthleteState:
    """An athlete at ``stage`` and ``dose`` (the top step by default) whose record meets every
    progression criterion: enough recent sessions (the last two days before TODAY), a long
    enough clean streak, long enough at this dose, and balance times above every threshold.
    """
    rb = engine.rulebook
    state = engine.new_athlete("a-1", goal=goal, start=START,
                               prior_foot_ankle_problems=history, clinician_cleared=cleared)
    earlier = rb.whole("min_sessions_in_window") - 1
    sessions = tuple(sorted(TODAY - days(2 * n) for n in range(1, earlier + 1)))
    fields: dict[str, object] = {
        "stage": stage,
        "dose_level": top(rb, stage) if dose is None else dose,
        "last_change_on": TODAY - days(rb.whole("min_days_per_step")),
        "last_checkin_on": sessions[-1],
        "recent_sessions": sessions,
        "consecutive_completed": len(sessions),
        "clean_streak": rb.whole("advance_clean_streak"),
        "metrics": Metrics(
            balance_eyes_open_s=rb.number("balance_open_for_unilateral") + 5,
            balance_eyes_closed_s=rb.number("balance_closed_for_integration") + 5,
        ),
    }
    fields.update(changes)
    fields.setdefault("last_session_on", fields["last_checkin_on"])
    if "recent_sessions" not in changes:  # a state holds no session after its last one
        fields["recent_sessions"] = tuple(d for d in sessions
                                          if d <= fields["last_session_on"])  # type: ignore[operator]
    return attrs.evolve(state, **fields)


def session(on: date = TODAY, **changes: object) -> CheckIn:
    """A completed session on ``on``, with nothing to report unless ``changes`` say so."""
    fields: dict[str, object] = {"on": on, "completed": True, "minutes": 18}
    fields.update(changes)
    return CheckIn(**fields)  # type: ignore[arg-type]


def symptom(kind: SymptomKind, severity: int | float, location: Location = Location.ARCH,
            lasted: int | float = 0) -> tuple[Symptom, ...]:
    return (Symptom(kind, location, int(severity), days=int(lasted)),)


def seen(kind: CompensationKind, exercise: str | None = None) -> tuple[Compensation, ...]:
    return (Compensation(kind, exercise),)


def rule(rulebook: Rulebook, rule_id: str) -> Rule:
    return next(r for r in rulebook.rules if r.id == rule_id)


def fired(decision: Decision) -> set[str]:
    return {f.rule_id for f in decision.firings}


def won(decision: Decision) -> set[str]:
    return {f.rule_id for f in decision.winners}


def main_items(plan: WeekPlan) -> list[PlanItem]:
    return [item for s in plan.sessions for item in s.items if item.category not in CARE]


def all_items(plan: WeekPlan) -> Iterable[PlanItem]:
    yield from (item for s in plan.sessions for item in s.items)
    yield from plan.habits


def exercise_ids(plan: WeekPlan) -> set[str]:
    return {item.exercise for item in all_items(plan)}


def assert_lighter(before: WeekPlan, after: WeekPlan) -> None:
    """Every main item of ``after`` is one of ``before`` (a step down may leave out work
    gated on the higher step, P3) with no more reps and no longer holds, and less of one."""
    old = {i.exercise: i for i in main_items(before)}
    new = main_items(after)
    assert new and {i.exercise for i in new} <= set(old)
    for now in new:
        was = old[now.exercise]
        assert now.dose.reps <= was.dose.reps, now.exercise
        assert now.dose.hold_s <= was.dose.hold_s, now.exercise
        assert (now.dose.reps, now.dose.hold_s) != (was.dose.reps, was.dose.hold_s), now.exercise


# ---------------------------------------------------------------- P9: stiffness


def test_stiffness_after_a_workout_deloads(engine: Engine, rulebook: Rulebook) -> None:
    """P9: stiffness after workouts lowers volume and intensity for a while."""
    state = placed(engine, dose=2)
    before = engine.plan(state)
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    decision = engine.evaluate(state, session(symptoms=stiff))
    assert decision.action is Action.DELOAD
    assert "stiffness-deload" in won(decision)
    assert decision.plan.mode == "deload"
    assert decision.state.backoff is BackOff.DELOAD
    assert decision.state.dose_level == state.dose_level - 1
    assert_lighter(before, decision.plan)
    same_step = attrs.evolve(decision.state, backoff=BackOff.NONE, backoff_until=None)
    assert_lighter(engine.plan(same_step), decision.plan)


@pytest.mark.parametrize("top_dose", [False, True])
def test_mild_stiffness_never_raises_the_load(engine: Engine, rulebook: Rulebook,
                                              top_dose: bool) -> None:
    """P9: any stiffness noticed after a workout means no step up that day, even for an
    athlete ready to progress or advance; below the deload threshold the dose step holds
    (and the week eases: see issue 21's section at the end)."""
    state = placed(engine, dose=None if top_dose else 1)
    assert engine.evaluate(state, session()).action in (Action.PROGRESS, Action.ADVANCE)
    for severity in range(int(rulebook.number("stiffness_deload_min"))):
        stiff = symptom(SymptomKind.STIFFNESS, severity)
        decision = engine.evaluate(state, session(symptoms=stiff))
        assert decision.action is Action.EASE
        assert won(decision) == {"stiffness-ease"}
        assert "stiffness-deload" not in fired(decision)
        assert (decision.state.stage, decision.state.dose_level) == (
            state.stage, state.dose_level)


def test_deload_window_holds_until_its_date_then_closes(engine: Engine,
                                                        rulebook: Rulebook) -> None:
    """P9: the cut-back is temporary: hold while the window is open, then end it by date."""
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    deloaded = engine.evaluate(placed(engine, dose=2), session(symptoms=stiff)).state
    until = deloaded.backoff_until
    assert until == TODAY + days(rulebook.whole("deload_days"))

    inside = engine.evaluate(deloaded, session(on=until - days(1)))
    assert inside.action is Action.HOLD
    assert "deload-window-hold" in won(inside)
    assert inside.state.backoff is BackOff.DELOAD
    assert inside.plan.mode == "deload"

    after = engine.evaluate(inside.state, session(on=until))
    assert after.action is Action.HOLD
    assert "backoff-ended-hold" in won(after)
    assert "deload-window-hold" not in fired(after)
    assert after.state.backoff is BackOff.NONE
    assert after.state.backoff_until is None
    assert after.plan.mode == "normal"


# ---------------------------------------------------------------- P10: irritation


@pytest.mark.parametrize("where", FOREFOOT)
def test_mild_forefoot_irritation_deloads(engine: Engine, rulebook: Rulebook,
                                          where: Location) -> None:
    """P10: irritation behind the ball of the foot, under the arch or near the toes: dial the
    intensity back."""
    mild = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min") - 1, where)
    decision = engine.evaluate(placed(engine, dose=2), session(symptoms=mild))
    assert decision.action is Action.DELOAD
    assert "forefoot-irritation-deload" in won(decision)
    assert decision.plan.mode == "deload"


@pytest.mark.parametrize("where", FOREFOOT)
def test_marked_forefoot_irritation_adds_rest_days(engine: Engine, rulebook: Rulebook,
                                                   where: Location) -> None:
    """P10: irritation in those hotspots at or above the rest threshold: add rest days."""
    state = placed(engine, dose=2)
    before = engine.plan(state)
    marked = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min"), where)
    decision = engine.evaluate(state, session(symptoms=marked))
    assert decision.action is Action.REST
    assert "forefoot-irritation-rest" in won(decision)
    assert "forefoot-irritation-deload" not in fired(decision)
    assert decision.plan.mode == "rest"
    assert decision.state.backoff is BackOff.REST
    assert decision.state.backoff_until == TODAY + days(
        max(rulebook.whole("rest_days"), rulebook.whole("deload_days")))
    assert decision.state.dose_level == 1
    assert len(decision.plan.sessions) == rulebook.whole("rest_sessions_per_week")
    assert len(decision.plan.sessions) < len(before.sessions)


def test_irritation_at_the_knee_holds(engine: Engine, rulebook: Rulebook) -> None:
    """P10 names forefoot, arch and toes only: irritation at the knee holds, no back-off."""
    state = placed(engine, dose=2)
    knee = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min"), Location.KNEE)
    decision = engine.evaluate(state, session(symptoms=knee))
    assert decision.action is Action.HOLD
    assert "other-irritation-hold" in won(decision)
    assert decision.state.backoff is BackOff.NONE
    assert decision.state.dose_level == state.dose_level


# ---------------------------------------------------------------- P10: soreness


def test_mild_soreness_alone_does_not_back_off(engine: Engine, rulebook: Rulebook) -> None:
    """P10: soreness as new pathways form is expected: no back-off by itself."""
    state = placed(engine, dose=1)
    mild = symptom(SymptomKind.SORENESS, rulebook.number("soreness_hold_min") - 1)
    decision = engine.evaluate(state, session(symptoms=mild))
    assert decision.action in (Action.HOLD, Action.PROGRESS)
    assert not decision.firings or all(
        rulebook.rank(f.action) >= rulebook.rank(Action.HOLD) for f in decision.firings)
    assert decision.state.backoff is BackOff.NONE
    assert decision.state.dose_level >= state.dose_level


@pytest.mark.parametrize(("kind", "high"), [
    (SymptomKind.SORENESS, "soreness_hold_min"),
    (SymptomKind.FATIGUE, "fatigue_hold_min"),
])
def test_mild_soreness_or_fatigue_alone_does_not_stop_progression(
        engine: Engine, rulebook: Rulebook, kind: SymptomKind, high: str) -> None:
    """P10 (and P11 for fatigue): soreness below the 'high' threshold is expected and does not
    stop progression by itself: with every progression criterion met, the dose still goes up.
    Only soreness (fatigue) at or above the threshold holds."""
    state = placed(engine, dose=1)
    assert engine.evaluate(state, session()).action is Action.PROGRESS
    mild = symptom(kind, rulebook.number(high) - 1)
    decision = engine.evaluate(state, session(symptoms=mild))
    assert decision.action is Action.PROGRESS
    assert decision.state.dose_level == state.dose_level + 1


def test_high_soreness_holds_progression(engine: Engine, rulebook: Rulebook) -> None:
    """P10: no progression while soreness is high."""
    state = placed(engine, dose=1)
    high = symptom(SymptomKind.SORENESS, rulebook.number("soreness_hold_min"))
    decision = engine.evaluate(state, session(symptoms=high))
    assert decision.action is Action.HOLD
    assert "soreness-high-hold" in won(decision)
    assert decision.state.dose_level == state.dose_level
    assert decision.state.backoff is BackOff.NONE


# ---------------------------------------------------------------- P10: pain and referral


def assert_paused(decision: Decision) -> None:
    assert decision.action is Action.PAUSE
    assert decision.state.paused
    assert decision.plan.mode == "paused"
    assert decision.plan.sessions == ()
    assert not [item for item in all_items(decision.plan) if item.loaded]


@pytest.mark.parametrize(("kind", "rule_id"), [
    (SymptomKind.SHARP_PAIN, "sharp-pain-pause"),
    (SymptomKind.PERSISTENT_PAIN, "persistent-pain-pause"),
])
def test_sharp_or_persistent_pain_pauses(engine: Engine, kind: SymptomKind,
                                         rule_id: str) -> None:
    """P10: sharp or persistent pain requires a pause and an assessment."""
    decision = engine.evaluate(placed(engine), session(symptoms=symptom(kind, 2)))
    assert_paused(decision)
    assert rule_id in won(decision)


def test_pause_plan_carries_the_referral_cue(engine: Engine, rulebook: Rulebook) -> None:
    """P10: the pause says what to do: the winning rule's cue (see a clinician) is in the plan."""
    decision = engine.evaluate(placed(engine), session(
        symptoms=symptom(SymptomKind.SHARP_PAIN, 6)))
    cue = rule(rulebook, "sharp-pain-pause").cue
    assert cue
    assert cue in decision.plan.cues


@pytest.mark.parametrize("kind", [
    SymptomKind.STIFFNESS, SymptomKind.SORENESS, SymptomKind.IRRITATION])
def test_a_lasting_symptom_pauses(engine: Engine, rulebook: Rulebook,
                                  kind: SymptomKind) -> None:
    """P10: a symptom that persists for persistent_symptom_days or more needs an assessment."""
    limit = rulebook.number("persistent_symptom_days")
    lasting = engine.evaluate(placed(engine), session(symptoms=symptom(kind, 1, lasted=limit)))
    assert_paused(lasting)
    assert "lasting-symptom-pause" in won(lasting)
    shorter = engine.evaluate(placed(engine), session(
        symptoms=symptom(kind, 1, lasted=limit - 1)))
    assert shorter.action is not Action.PAUSE


def paused(engine: Engine) -> AthleteState:
    decision = engine.evaluate(placed(engine, dose=2), session(
        symptoms=symptom(SymptomKind.SHARP_PAIN, 6)))
    assert decision.state.paused
    return decision.state


def test_paused_athlete_stays_paused_without_clearance(engine: Engine) -> None:
    """P10: resume only with clearance."""
    decision = engine.evaluate(paused(engine), session(on=TODAY + days(3), completed=False))
    assert_paused(decision)
    assert "paused-awaiting-clearance" in won(decision)


def test_cleared_but_still_in_sharp_pain_stays_paused(engine: Engine) -> None:
    """P10: clearance does not override sharp pain reported on the same day."""
    decision = engine.evaluate(paused(engine), session(
        on=TODAY + days(3), clinician_cleared=True,
        symptoms=symptom(SymptomKind.SHARP_PAIN, 3)))
    assert_paused(decision)
    assert "sharp-pain-pause" in won(decision)
    assert "resume-after-clearance" not in fired(decision)


def test_cleared_and_pain_free_resumes_conservatively(engine: Engine) -> None:
    """P10: with clearance and no pain, training resumes, gently (a deload, no higher dose)."""
    state = paused(engine)
    decision = engine.evaluate(state, session(on=TODAY + days(3), clinician_cleared=True))
    assert decision.action is Action.DELOAD
    assert "resume-after-clearance" in won(decision)
    assert not decision.state.paused
    assert decision.state.dose_level <= state.dose_level
    assert decision.state.stage == state.stage
    assert decision.plan.mode == "deload"
    assert decision.plan.sessions


# ---------------------------------------------------------------- P10: history of foot problems


def test_history_without_clearance_holds_at_the_gate(engine: Engine) -> None:
    """P10: with a history of foot or ankle problems, the riskier rungs wait for a clinician."""
    state = placed(engine, stage="control", history=True)
    decision = engine.evaluate(state, session())
    assert decision.action is Action.HOLD
    assert "history-clearance-gate" in won(decision)
    assert "advance-control" in fired(decision)
    assert decision.state.stage == "control"


@pytest.mark.parametrize("where", ["state", "checkin"])
def test_history_with_clearance_advances(engine: Engine, where: str) -> None:
    """P10: once a clinician has cleared the athlete, the gate opens."""
    state = placed(engine, stage="control", history=True, cleared=where == "state")
    decision = engine.evaluate(state, session(clinician_cleared=where == "checkin"))
    assert decision.action is Action.ADVANCE
    assert "history-clearance-gate" not in fired(decision)
    assert decision.state.stage == "unilateral"
    assert decision.state.dose_level == 0


@pytest.mark.parametrize("goal", list(Goal))
def test_history_without_clearance_never_plans_hops(engine: Engine, rulebook: Rulebook,
                                                    goal: Goal) -> None:
    """P10: until cleared, an athlete with a history gets each hop's substitute instead."""
    def swapped(name: str) -> str:
        exercise = rulebook.exercises[name]
        hop = exercise.category is Category.PLYOMETRIC
        return exercise.substitute if hop and exercise.substitute else name

    hops_in_templates = 0
    for stage in rulebook.stages:
        for dose in range(len(stage.steps)):
            state = placed(engine, stage=stage.id, dose=dose, goal=goal, history=True)
            barred = engine.plan(state)
            cleared = engine.plan(attrs.evolve(state, clinician_cleared=True))
            assert all(item.category is not Category.PLYOMETRIC for item in all_items(barred))
            for template, held, free in zip(stage.sessions_for(goal), barred.sessions,
                                            cleared.sessions, strict=True):
                planned = template.items_at(dose)
                assert [i.exercise for i in held.items] == [swapped(n) for n in planned]
                assert [i.exercise for i in free.items] == list(planned)
                hops_in_templates += sum(swapped(n) != n for n in planned)
    assert hops_in_templates


# ---------------------------------------------------------------- P8: knee and hip


@pytest.mark.parametrize("kind", KNEE_OR_HIP)
def test_knee_or_hip_compensation_in_hops_regresses(engine: Engine, rulebook: Rulebook,
                                                    kind: CompensationKind) -> None:
    """P8: knee valgus or hip adduction during hops: scale back, down a rung."""
    state = placed(engine, stage="unilateral", dose=1)
    decision = engine.evaluate(state, session(compensations=seen(kind, "slow_controlled_hops")))
    assert decision.action is Action.REGRESS
    assert "hop-compensation-regress" in won(decision)
    below = rulebook.stage("unilateral").order - 1
    assert decision.state.stage == rulebook.stages[below].id == "control"
    assert decision.state.dose_level == 0


@pytest.mark.parametrize("kind", KNEE_OR_HIP)
def test_knee_or_hip_compensation_in_single_leg_balance_deloads(
        engine: Engine, kind: CompensationKind) -> None:
    """P8: the same compensation in a single-leg balance exercise scales the dose back."""
    state = placed(engine, stage="unilateral", dose=1)
    decision = engine.evaluate(state, session(
        compensations=seen(kind, "single_leg_stand_compliant_eyes_closed")))
    assert decision.action is Action.DELOAD
    assert "unilateral-compensation-deload" in won(decision)
    assert decision.state.stage == "unilateral"


@pytest.mark.parametrize("kind", KNEE_OR_HIP)
def test_knee_or_hip_compensation_in_two_footed_work_scales_back(engine: Engine,
                                                                  kind: CompensationKind) -> None:
    """P8: seen in two-footed work (the gentle squat): scale back whenever it emerges."""
    state = placed(engine, stage="unilateral", dose=1)
    decision = engine.evaluate(state, session(compensations=seen(kind, "gentle_squat")))
    assert decision.action is Action.DELOAD
    assert "two-footed-compensation-deload" in won(decision)
    assert (decision.state.stage, decision.state.dose_level) == ("unilateral", 0)


STAGES = ("baseline", "activation", "control", "unilateral", "integration", "maintenance")


@pytest.mark.parametrize(("kind", "stage", "dose"),
                         list(itertools.product(KNEE_OR_HIP, STAGES, (0, 1))))
def test_knee_or_hip_compensation_with_no_exercise_named_scales_back(
        engine: Engine, kind: CompensationKind, stage: str, dose: int) -> None:
    """P8: the athlete saw the knee cave in or the hip drop but cannot say where; the week
    holds single-leg work or hops, so the riskiest work cannot be ruled out: scale back."""
    state = placed(engine, stage=stage, dose=dose)
    assert any(item.category is Category.PLYOMETRIC
               or engine.rulebook.exercises[item.exercise].unilateral
               for item in all_items(engine.plan(state)))
    decision = engine.evaluate(state, session(compensations=seen(kind)))
    assert decision.action is Action.DELOAD
    assert "unnamed-knee-hip-deload" in won(decision)
    assert "two-footed-compensation-deload" not in fired(decision)
    assert decision.state.dose_level == max(dose - 1, 0)
    assert decision.plan.mode == "deload"


@pytest.mark.parametrize("kind", KNEE_OR_HIP)
def test_knee_or_hip_compensation_with_no_exercise_in_a_rest_week_scales_back(
        engine: Engine, rulebook: Rulebook, kind: CompensationKind) -> None:
    """P8, P10: a rest week of short-foot control keeps one session with no single-leg work;
    a compensation seen then still scales back (the smaller week answers no more mildly)."""
    state = placed(engine, stage="control", dose=1, backoff=BackOff.REST,
                   backoff_until=TODAY + days(1))
    week = engine.plan(state)
    assert not any(rulebook.exercises[item.exercise].unilateral for item in all_items(week))
    decision = engine.evaluate(state, session(compensations=seen(kind)))
    assert decision.action is Action.DELOAD
    assert "unnamed-knee-hip-deload" in won(decision)
    assert decision.state.dose_level == 0


# ---------------------------------------------------------------- P2, P3: consistency


def test_missed_session_holds(engine: Engine) -> None:
    """P2: consistency before intensity: a missed session does not move the dose."""
    state = placed(engine, dose=1)
    decision = engine.evaluate(state, session(completed=False, minutes=0))
    assert decision.action is Action.HOLD
    assert "missed-session-hold" in won(decision)
    assert decision.state.dose_level == state.dose_level


def test_too_few_recent_sessions_hold(engine: Engine, rulebook: Rulebook) -> None:
    """P2, P3: no progression without consistent sessions in the recent window."""
    window = rulebook.whole("window_days")
    stale = (TODAY - days(window + 2), TODAY - days(window))
    state = placed(engine, dose=1, recent_sessions=stale)
    decision = engine.evaluate(state, session())
    assert decision.action is Action.HOLD
    assert "consistency-gate" in won(decision)
    gate = next(f for f in decision.firings if f.rule_id == "consistency-gate")
    assert gate.matched_facts["sessions_in_window"] == 1
    assert decision.state.dose_level == state.dose_level


def every_other_day(engine: Engine, state: AthleteState, count: int) -> list[Decision]:
    """``count`` clean sessions, one every two days after the state's last check-in."""
    decisions = []
    day = state.last_checkin_on or state.started_on
    for _ in range(count):
        day += days(2)
        decision = engine.evaluate(state, session(on=day))
        decisions.append(decision)
        state = decision.state
    return decisions


def test_consistent_clean_record_progresses_then_advances(engine: Engine,
                                                          rulebook: Rulebook) -> None:
    """P2, P3: consistent, clean sessions raise the dose, then at the top dose move a rung up."""
    state = placed(engine, stage="control", dose=top(rulebook, "control") - 1)
    decisions = every_other_day(engine, state, 8)
    actions = [d.action for d in decisions]
    assert actions[0] is Action.PROGRESS
    assert Action.ADVANCE in actions
    assert set(actions) <= {Action.PROGRESS, Action.HOLD, Action.ADVANCE}
    advanced = decisions[actions.index(Action.ADVANCE)]
    assert advanced.prior_state.dose_level == top(rulebook, "control")
    assert advanced.state.stage == "unilateral"


def test_consistent_clean_record_climbs_every_rung_in_order(engine: Engine,
                                                            rulebook: Rulebook) -> None:
    """P1-P4, P11: the ladder is climbed one rung at a time, never skipping one."""
    state = engine.new_athlete("a-1", goal=Goal.EVERYDAY, start=START)
    state = attrs.evolve(state, metrics=placed(engine).metrics)
    stages = [state.stage]
    for decision in every_other_day(engine, state, 120):
        assert decision.action in (Action.HOLD, Action.PROGRESS, Action.ADVANCE)
        if decision.state.stage != stages[-1]:
            stages.append(decision.state.stage)
    assert stages == [s.id for s in rulebook.stages]


def test_check_ins_for_one_day_count_one_session(engine: Engine, rulebook: Rulebook) -> None:
    """P2: consistency is regular days of practice, so three reports of one day's session
    are one session: they neither fill the window nor lengthen the clean streak."""
    state = placed(engine, dose=1, recent_sessions=(TODAY - days(2),),
                   consecutive_completed=1, clean_streak=0)
    decisions = []
    for _ in range(3):
        decisions.append(engine.evaluate(state, session()))
        state = decisions[-1].state
    assert state.recent_sessions == (TODAY - days(2), TODAY)
    assert state.consecutive_completed == 2
    assert state.clean_streak == 1
    gates = [next(f for f in d.firings if f.rule_id == "consistency-gate") for d in decisions]
    assert [g.matched_facts["sessions_in_window"] for g in gates] == [2, 2, 2]
    assert all(d.action is Action.HOLD for d in decisions)


def test_a_second_report_of_the_day_still_counts_its_symptoms(engine: Engine,
                                                             rulebook: Rulebook) -> None:
    """P2, P9: a second check-in of a day adds no session, but what it reports counts."""
    first = engine.evaluate(placed(engine, dose=2), session())
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    second = engine.evaluate(first.state, session(symptoms=stiff))
    assert second.action is Action.DELOAD
    assert second.state.recent_sessions == first.state.recent_sessions
    assert second.state.clean_streak == 0


def test_a_missed_report_for_a_day_trained_is_not_a_miss(engine: Engine) -> None:
    """P2: a day with a session done is a training day, whatever else is reported on it."""
    done = engine.evaluate(placed(engine, dose=1), session())
    missed = engine.evaluate(done.state, session(completed=False, minutes=0))
    assert missed.state.consecutive_missed == 0
    assert missed.state.consecutive_completed == done.state.consecutive_completed
    again = engine.evaluate(missed.state, session(on=TODAY + days(1), completed=False))
    again_same_day = engine.evaluate(again.state, session(on=TODAY + days(1), completed=False))
    assert again.state.consecutive_missed == again_same_day.state.consecutive_missed == 1


def test_a_check_in_id_seen_before_is_refused(engine: Engine) -> None:
    """P2: a retried request must not count a session twice; the app gets a clear error
    naming the id, and answers the retry with the decision it stored."""
    first = engine.evaluate(placed(engine, dose=1), session(id="req-1"))
    assert [ref.id for ref in first.state.recent_checkins] == ["req-1"]
    with pytest.raises(DuplicateCheckIn, match="req-1") as caught:
        engine.evaluate(first.state, session(id="req-1"))
    assert caught.value.id == "req-1"
    assert isinstance(caught.value, InputError)
    later = engine.evaluate(first.state, session(on=TODAY + days(2), id="req-2"))
    assert [ref.id for ref in later.state.recent_checkins] == ["req-1", "req-2"]


def test_check_in_ids_are_remembered_for_the_recent_window(engine: Engine,
                                                           rulebook: Rulebook) -> None:
    """The state keeps the ids of the check-ins in the recent window, no more."""
    first = engine.evaluate(placed(engine, dose=1), session(id="old"))
    window = rulebook.whole("window_days")
    inside = engine.evaluate(first.state, session(on=TODAY + days(window - 1), id="in"))
    assert [ref.id for ref in inside.state.recent_checkins] == ["old", "in"]
    beyond = engine.evaluate(inside.state, session(on=TODAY + days(window), id="out"))
    assert [ref.id for ref in beyond.state.recent_checkins] == ["in", "out"]


# ---------------------------------------------------------------- P1, P3, P4: technique


@pytest.mark.parametrize("kind", [CompensationKind.TOE_GRIPPING, CompensationKind.ARCH_COLLAPSE])
def test_gripping_or_arch_collapse_holds_with_a_cue(engine: Engine, rulebook: Rulebook,
                                                    kind: CompensationKind) -> None:
    """P1, P3: over-gripping toes or a flattening arch: hold and cue the technique."""
    state = placed(engine, dose=1)
    decision = engine.evaluate(state, session(compensations=seen(kind, "short_foot_hold")))
    assert decision.action is Action.HOLD
    assert "gripping-hold" in won(decision)
    assert rule(rulebook, "gripping-hold").cue in decision.plan.cues
    assert decision.state.dose_level == state.dose_level


def test_heel_lift_holds_with_a_cue(engine: Engine, rulebook: Rulebook) -> None:
    """P4: heels coming up in squats: hold until they stay down, with a cue."""
    state = placed(engine, stage="integration", dose=1, goal=Goal.STRENGTH)
    decision = engine.evaluate(state, session(
        compensations=seen(CompensationKind.HEEL_LIFT, "balance_squat_min_heel_lift")))
    assert decision.action is Action.HOLD
    assert "heel-lift-hold" in won(decision)
    assert rule(rulebook, "heel-lift-hold").cue in decision.plan.cues


GOAL_DRILLS = {
    Goal.RUNNER: {"toe_off_drill", "heel_to_toe_transition", "soft_landing_hops"},
    Goal.STRENGTH: {"balance_squat_min_heel_lift"},
    Goal.EVERYDAY: {"barefoot_texture_walk"},
}


@pytest.mark.parametrize("stage", ["integration", "maintenance"])
@pytest.mark.parametrize("goal", list(Goal))
def test_goal_specific_rungs_keep_each_goals_own_drills(engine: Engine, goal: Goal,
                                                        stage: str) -> None:
    """P4, P11, P12: the exercises resemble the demands of the athlete's sport or daily life,
    on the integration rung and for good in maintenance, and never borrow another goal's."""
    for dose in (0, top(engine.rulebook, stage)):
        plan = engine.plan(placed(engine, stage=stage, dose=dose, goal=goal))
        assert GOAL_DRILLS[goal] <= exercise_ids(plan)
        others = set().union(*GOAL_DRILLS.values()) - GOAL_DRILLS[goal]
        assert not others & exercise_ids(plan)


def test_maintenance_keeps_fatigue_resistant_work_and_the_habits(engine: Engine) -> None:
    """P11: maintenance keeps daily habits and control practised when the feet are tired:
    a single-leg hold after the hops or drills in a session, and an end-of-day stand."""
    for goal in Goal:
        plan = engine.plan(placed(engine, stage="maintenance", dose=0, goal=goal))
        assert {"desk_toe_curls", "footwear_toe_splay", "tired_foot_balance"} <= {
            item.exercise for item in plan.habits}
        assert any(
            any(a.category in (Category.PLYOMETRIC, Category.DYNAMIC_TRANSITION)
                and b.category in (Category.BALANCE, Category.STATIC_HOLD)
                for a, b in itertools.pairwise(planned.items))
            for planned in plan.sessions)


# ---------------------------------------------------------------- P6: the weekly template


def assert_p6_shape(rulebook: Rulebook, plan: WeekPlan) -> None:
    low, high = rulebook.number("session_min_minutes"), rulebook.number("session_max_minutes")
    assert len(plan.sessions) == rulebook.whole("sessions_per_week")
    for planned in plan.sessions:
        assert low <= planned.minutes <= high
        categories = [item.category for item in planned.items]
        assert categories[0] is Category.WARM_UP
        assert categories[-1] is Category.COOL_DOWN
        assert planned.items[-1].exercise == "plantar_fascia_stretch"
        end = len(categories) - 1
        while categories[end - 1] is Category.MOBILITY:
            end -= 1
        main = categories[1:end]
        assert main
        assert all(a is not b for a, b in itertools.pairwise(main)), planned.focus


@pytest.mark.parametrize("goal", list(Goal))
@pytest.mark.parametrize("history", [False, True])
def test_every_plan_follows_the_p6_template(engine: Engine, rulebook: Rulebook, goal: Goal,
                                            history: bool) -> None:
    """P6: three 15-20 minute blocks, a warm-up first, alternating main items, the plantar
    fascia cool-down last: on every stage and step, for every goal, with or without hops
    barred."""
    for stage in rulebook.stages:
        for dose in range(len(stage.steps)):
            plan = engine.plan(placed(engine, stage=stage.id, dose=dose, goal=goal,
                                      history=history))
            assert plan.mode == "normal"
            assert_p6_shape(rulebook, plan)


@pytest.mark.parametrize("backoff", ["none", "deload", "rest", "paused"])
def test_every_session_ends_with_the_plantar_fascia_cool_down(
        engine: Engine, rulebook: Rulebook, backoff: str) -> None:
    """P6: every session, under every regime, ends with the brief plantar-fascia cool-down;
    sole soft-tissue work, where planned, comes just before it."""
    for stage in rulebook.stages:
        for goal in Goal:
            fields: dict[str, object] = {"paused": backoff == "paused"}
            if backoff in ("deload", "rest"):
                fields.update(backoff=BackOff(backoff), backoff_until=TODAY + days(3))
            plan = engine.plan(placed(engine, stage=stage.id, goal=goal, **fields))
            for planned in plan.sessions:
                assert planned.items[-1].category is Category.COOL_DOWN, planned
                assert all(item.category is not Category.COOL_DOWN
                           for item in planned.items[:-1]), planned


# ---------------------------------------------------------------- P11: tracking


def test_high_foot_fatigue_holds_progression(engine: Engine, rulebook: Rulebook) -> None:
    """P11: foot fatigue after daily activity is tracked; when high, the dose does not rise."""
    state = placed(engine, dose=1)
    tired = Metrics(foot_fatigue=rulebook.number("fatigue_hold_min"))
    decision = engine.evaluate(state, session(metrics=tired))
    assert decision.action is Action.HOLD
    assert "foot-fatigue-hold" in won(decision)
    assert "progress-dose" in fired(decision)
    assert decision.state.dose_level == state.dose_level


@pytest.mark.parametrize(("offset", "advances"), [(0, True), (5, True), (-0.5, False)])
def test_leaving_control_needs_the_eyes_open_balance_time(
        engine: Engine, rulebook: Rulebook, offset: float, advances: bool) -> None:
    """P8, P11: leaving short-foot control needs a single-leg stand of the param's length."""
    needed = rulebook.number("balance_open_for_unilateral")
    state = placed(engine, stage="control", metrics=Metrics())
    decision = engine.evaluate(state, session(metrics=Metrics(balance_eyes_open_s=needed + offset)))
    assert (decision.action is Action.ADVANCE) is advances
    assert ("advance-control" in fired(decision)) is advances
    assert decision.state.stage == ("unilateral" if advances else "control")


def test_a_missing_balance_time_blocks_the_advance(engine: Engine) -> None:
    """P11: a metric that was never measured cannot be assessed: it does not pass."""
    state = placed(engine, stage="control", metrics=Metrics())
    decision = engine.evaluate(state, session())
    assert decision.action is not Action.ADVANCE
    assert "advance-control" not in fired(decision)
    assert decision.state.stage == "control"


def test_a_balance_time_measured_earlier_still_counts(engine: Engine,
                                                      rulebook: Rulebook) -> None:
    """P11: abilities carry over from the last measurement until measured again."""
    needed = rulebook.number("balance_open_for_unilateral")
    state = placed(engine, stage="control", metrics=Metrics(balance_eyes_open_s=needed))
    decision = engine.evaluate(state, session(metrics=Metrics()))
    assert decision.action is Action.ADVANCE


# ---------------------------------------------------------------- layoffs (defaults)


def test_a_layoff_of_over_a_week_deloads(engine: Engine, rulebook: Rulebook) -> None:
    """Default (design.md): one to three weeks off: resume one dose step down, in a deload."""
    gap = rulebook.whole("short_layoff_days") + 1
    assert gap < rulebook.number("long_layoff_days")
    state = placed(engine, dose=2, last_checkin_on=TODAY - days(gap))
    decision = engine.evaluate(state, session())
    assert decision.action is Action.DELOAD
    assert "short-layoff-deload" in won(decision)
    assert decision.state.dose_level == state.dose_level - 1


def test_a_long_layoff_regresses(engine: Engine, rulebook: Rulebook) -> None:
    """Default (design.md): more than three weeks off: restart one rung lower."""
    gap = 30
    assert gap >= rulebook.number("long_layoff_days")
    state = placed(engine, dose=2, last_checkin_on=TODAY - days(gap))
    decision = engine.evaluate(state, session())
    assert decision.action is Action.REGRESS
    assert "long-layoff-regress" in won(decision)
    assert "short-layoff-deload" not in fired(decision)
    assert decision.state.stage == "activation"


def test_a_month_of_missed_sessions_is_a_layoff_too(engine: Engine, rulebook: Rulebook) -> None:
    """P2 and the layoff default (design.md: 'longer [than three weeks off], a stage down'):
    an athlete who reports every session as missed for a month has been off training as
    surely as one who did not check in, and must not come back at the same dose."""
    state = placed(engine, dose=2)
    day = TODAY
    while day < TODAY + days(rulebook.whole("long_layoff_days") + 8):
        day += days(2)
        state = engine.evaluate(state, session(on=day, completed=False, minutes=0)).state
    decision = engine.evaluate(state, session(on=day + days(2)))
    assert decision.action is Action.REGRESS
    assert decision.state.stage == "activation"


def test_a_break_under_a_week_changes_nothing(engine: Engine, rulebook: Rulebook) -> None:
    """Default (design.md): under a week off, training simply resumes."""
    gap = rulebook.whole("short_layoff_days") - 1
    before = tuple(TODAY - days(gap + 2 * n) for n in (2, 1, 0))  # sessions up to the break
    decision = engine.evaluate(placed(engine, dose=1, last_checkin_on=before[-1],
                                      recent_sessions=before), session())
    assert not {"short-layoff-deload", "long-layoff-regress"} & fired(decision)
    assert decision.action is Action.PROGRESS


# ---------------------------------------------------------------- the trace


def assert_resolved(rulebook: Rulebook, decision: Decision) -> None:
    """The decision takes the most conservative action proposed, and marks every loser."""
    assert decision.action is min((f.action for f in decision.firings), key=rulebook.rank)
    for f in decision.firings:
        if f.action is decision.action:
            assert f.won and f.overridden_by is None
        else:
            assert not f.won and f.overridden_by is decision.action


def test_every_firing_carries_its_rules_source(engine: Engine, rulebook: Rulebook) -> None:
    """Every firing cites the article paragraphs (or the default) of the rule behind it."""
    checkin = session(
        symptoms=(*symptom(SymptomKind.STIFFNESS, 4), *symptom(SymptomKind.SORENESS, 6)),
        compensations=seen(CompensationKind.TOE_GRIPPING),
        metrics=Metrics(foot_fatigue=9))
    decision = engine.evaluate(placed(engine, history=True), checkin)
    assert len(decision.firings) >= 4
    for f in decision.firings:
        written = rule(rulebook, f.rule_id)
        assert f.source == written.source
        assert f.source
        assert f.summary == written.summary
        assert f.action is written.action


def test_layoff_overrides_met_progression_criteria(engine: Engine, rulebook: Rulebook) -> None:
    """Safety first: progression criteria are met, but the layoff's deload wins and the
    progression is recorded as overridden by it."""
    gap = rulebook.whole("short_layoff_days") + 1
    earlier = rulebook.whole("min_sessions_in_window") - 1
    sessions = tuple(sorted(TODAY - days(gap + 2 * n) for n in range(earlier)))
    state = placed(engine, dose=1, last_checkin_on=sessions[-1], recent_sessions=sessions)
    decision = engine.evaluate(state, session())
    assert decision.action is Action.DELOAD
    progress = next(f for f in decision.firings if f.rule_id == "progress-dose")
    assert not progress.won
    assert progress.overridden_by is Action.DELOAD
    assert_resolved(rulebook, decision)


def test_stiffness_with_progression_criteria_met_deloads(engine: Engine,
                                                         rulebook: Rulebook) -> None:
    """P9 against P2: a record good enough to progress still deloads on stiffness."""
    state = placed(engine, dose=1)
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    decision = engine.evaluate(state, session(symptoms=stiff))
    assert decision.action is Action.DELOAD
    assert decision.state.dose_level < state.dose_level
    assert_resolved(rulebook, decision)


def test_conflicting_rules_resolve_to_the_most_conservative(engine: Engine,
                                                            rulebook: Rulebook) -> None:
    """Sharp pain, stiffness, gripping and a clearance gate at once: the pause wins and each
    other rule is kept in the trace, overridden by it."""
    checkin = session(
        symptoms=(*symptom(SymptomKind.SHARP_PAIN, 3), *symptom(SymptomKind.STIFFNESS, 4)),
        compensations=seen(CompensationKind.TOE_GRIPPING))
    decision = engine.evaluate(placed(engine, history=True), checkin)
    assert decision.action is Action.PAUSE
    assert {"stiffness-deload", "gripping-hold", "history-clearance-gate"} <= fired(decision)
    assert won(decision) == {"sharp-pain-pause"}
    assert_resolved(rulebook, decision)


def test_stiffness_outranks_the_clearance_gate(engine: Engine, rulebook: Rulebook) -> None:
    """P9 against P10's gate: the deload (more conservative) wins over the hold."""
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    decision = engine.evaluate(placed(engine, history=True), session(symptoms=stiff))
    assert decision.action is Action.DELOAD
    gate = next(f for f in decision.firings if f.rule_id == "history-clearance-gate")
    assert gate.overridden_by is Action.DELOAD
    assert_resolved(rulebook, decision)


def test_no_firing_takes_the_default_action(engine: Engine, rulebook: Rulebook) -> None:
    """When no rule fires, the rulebook's default action is taken and nothing is overridden."""
    state = placed(engine, dose=1, last_change_on=TODAY)
    decision = engine.evaluate(state, session())
    assert decision.firings == ()
    assert decision.action is rulebook.meta.default_action


# ---------------------------------------------------------------- issue 21: cues and goal changes


def test_a_pause_plan_carries_only_the_pause_rules_cue(engine: Engine,
                                                       rulebook: Rulebook) -> None:
    """P10: sharp pain 6/10 at baseline pauses, and the plan says only what the pause says
    (see a clinician); the consistency gate's 'regular sessions' cue, a hold the
    pause overrode, never tells a paused athlete to keep training."""
    state = engine.new_athlete("a-1", goal=Goal.RUNNER, start=START)
    decision = engine.evaluate(state, session(on=START + days(1),
                                              symptoms=symptom(SymptomKind.SHARP_PAIN, 6)))
    assert decision.action is Action.PAUSE
    gate = next(f for f in decision.firings if f.rule_id == "consistency-gate")
    assert gate.overridden_by is Action.PAUSE
    assert rule(rulebook, "consistency-gate").cue not in decision.plan.cues
    assert decision.plan.cues == (rule(rulebook, "sharp-pain-pause").cue,)


def test_overridden_cues_never_reach_a_back_off_plan(engine: Engine,
                                                     rulebook: Rulebook) -> None:
    """P9, P10: stiffness at the deload threshold with gripping toes deloads; the plan cues
    the deload, not the gripping hold it overrode."""
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    decision = engine.evaluate(placed(engine, dose=1), session(
        symptoms=stiff, compensations=seen(CompensationKind.TOE_GRIPPING)))
    assert decision.action is Action.DELOAD
    assert "gripping-hold" in fired(decision) - won(decision)
    assert rule(rulebook, "gripping-hold").cue not in decision.plan.cues
    assert rule(rulebook, "stiffness-deload").cue in decision.plan.cues


def test_a_new_goal_switches_to_its_sessions_at_the_same_rung_and_dose(
        engine: Engine, rulebook: Rulebook) -> None:
    """P12: the plan adapts to changing demands. A runner on the integration rung who turns
    to strength keeps rung and dose and gets the strength sessions of that rung; the
    change is a RETARGET, explained by the goal-change entry citing P12."""
    state = placed(engine, stage="integration", dose=1)
    decision = engine.change_goal(state, Goal.STRENGTH, on=TODAY)
    assert decision.action is Action.RETARGET
    assert decision.checkin is None and decision.on == TODAY
    new = decision.state
    assert (new.goal, new.stage, new.dose_level) == (Goal.STRENGTH, "integration", 1)
    assert new == attrs.evolve(state, goal=Goal.STRENGTH, last_change_on=TODAY)
    stage = rulebook.stage("integration")
    wanted = [list(t.items) for t in stage.sessions_for(Goal.STRENGTH)]
    assert wanted != [list(t.items) for t in stage.sessions_for(Goal.RUNNER)]
    assert [[i.exercise for i in s.items] for s in decision.plan.sessions] == wanted
    assert decision.plan == engine.plan(new) and decision.prior_plan == engine.plan(state)
    (firing,) = decision.firings
    assert (firing.rule_id, firing.source, firing.won) == ("goal-change", ("P12",), True)
    text = explain(decision)
    assert "RETARGET" in text and "goal-change (article P12)" in text
    assert "goal before: runner; goal now: strength" in text
    assert from_json(to_json(decision), Decision) == decision


def test_after_a_goal_change_a_rise_waits_a_week_on_the_new_work(
        engine: Engine, rulebook: Rulebook) -> None:
    """P2, P12: the days at the dose count again from the change, so an athlete ready to
    progress holds on the new goal's work until min_days_per_step have passed."""
    state = placed(engine, dose=1)
    assert engine.evaluate(state, session()).action is Action.PROGRESS
    changed = engine.change_goal(state, Goal.EVERYDAY, on=TODAY - days(1)).state
    held = engine.evaluate(changed, session())
    assert held.action is Action.HOLD
    unmet = {u.field for w in held.why_not for u in w.unmet}
    assert "days_at_dose" in unmet


def test_a_paused_athlete_may_change_goal_and_stays_paused(engine: Engine) -> None:
    """P10, P12: the goal changes, the pause does not: no training until a clinician
    clears the athlete, whatever they now train for."""
    paused = engine.evaluate(placed(engine), session(
        symptoms=symptom(SymptomKind.SHARP_PAIN, 6))).state
    decision = engine.change_goal(paused, Goal.STRENGTH, on=TODAY + days(1))
    assert decision.state.paused and decision.plan.mode == "paused"
    assert decision.plan.sessions == ()
    again = engine.evaluate(decision.state, session(on=TODAY + days(2)))
    assert again.action is Action.PAUSE and again.state.goal is Goal.STRENGTH


@pytest.mark.parametrize(("goal", "on", "code", "wanted"), [
    (Goal.RUNNER, TODAY, "same-goal", "the athlete's goal already"),
    ("swimmer", TODAY, "invalid-input", "accepted: a Goal (strength, everyday)"),
    (Goal.STRENGTH, TODAY - days(3), "invalid-input", "on or after the athlete's last "
                                                      "check-in"),
    (Goal.STRENGTH, START - days(1), "invalid-input", "on or after the athlete's start"),
])
def test_a_goal_change_is_refused_when_it_changes_nothing_or_comes_out_of_order(
        engine: Engine, goal: Goal | str, on: date, code: str, wanted: str) -> None:
    state = placed(engine)
    with pytest.raises(InputError) as info:
        engine.change_goal(state, goal, on=on)
    assert info.value.code == code and wanted in str(info.value)
    assert info.value.field in ("goal", "on")


def test_a_check_in_before_a_goal_change_is_refused(engine: Engine) -> None:
    """Dates come in order: a check-in dated before the change it would follow."""
    changed = engine.change_goal(placed(engine), Goal.STRENGTH, on=TODAY).state
    with pytest.raises(InputError, match="on or after the last change of the plan"):
        engine.evaluate(changed, session(on=TODAY - days(1)))


def test_a_goal_change_answers_no_check_in_and_is_logged_as_a_change(engine: Engine,
                                                                     tmp_path: Path) -> None:
    """P12: a RETARGET answers no check-in (asking for one is refused by name), and a log
    keeps it as a record of kind ``goal``."""
    decision = engine.change_goal(placed(engine), Goal.STRENGTH, on=TODAY)
    with pytest.raises(InputError) as info:
        decision.answered  # noqa: B018
    assert info.value.code == "not-a-checkin-decision"
    record = AuditLog(tmp_path / "log.jsonl").append(decision)
    assert record.decision.kind.value == "goal"


def test_a_decision_without_a_check_in_is_a_goal_change_and_nothing_else(
        engine: Engine) -> None:
    """The model holds a RETARGET to its shape: no check-in, only the goal and the day of
    the change differ, one goal-change firing; any other decision needs its check-in."""
    state = placed(engine)
    retarget = engine.change_goal(state, Goal.STRENGTH, on=TODAY)
    held = engine.evaluate(state, session())
    for made, message in (
            (lambda: attrs.evolve(retarget, checkin=session()), "Decision.change"),
            (lambda: attrs.evolve(held, checkin=None), "Decision.change"),
            (lambda: attrs.evolve(retarget, state=attrs.evolve(retarget.state, clean_streak=0)),
             "Decision.state"),
            (lambda: attrs.evolve(retarget, firings=()), "Decision.firings")):
        with pytest.raises(InputError, match=message):
            made()


# ---- issue 21: what counts as a session (P2, P6), forefoot symmetry (P7, P11), history (P10)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

RISES = (Action.PROGRESS, Action.ADVANCE)


def least_minutes(rulebook: Rulebook) -> int:
    return rulebook.whole("session_counts_min_minutes")


def three_a_week(engine: Engine, minutes: int, weeks: int = 10) -> list[Decision]:
    """A new athlete's clean record: three sessions a week of ``minutes``, from START."""
    state = engine.new_athlete("a-1", goal=Goal.RUNNER, start=START)
    decisions = []
    for week, day in itertools.product(range(weeks), (0, 2, 4)):
        decision = engine.evaluate(state, session(START + days(7 * week + day),
                                                  minutes=minutes))
        decisions.append(decision)
        state = decision.state
    return decisions


def rise_days(decisions: list[Decision]) -> list[tuple[date, Action]]:
    return [(d.checkin.on, d.action) for d in decisions if d.action in RISES]


def test_the_session_minimum_sits_below_the_articles_blocks(rulebook: Rulebook) -> None:
    """P2, P6: a session counts from a footcore default below P6's 15-20 minute blocks."""
    param = rulebook.params["session_counts_min_minutes"]
    assert param.is_default and {"P2", "P6"} <= set(param.source) and param.rationale
    assert 0 < param.value < rulebook.number("session_min_minutes")


def test_two_minute_sessions_do_not_climb_where_full_ones_do(engine: Engine,
                                                             rulebook: Rulebook) -> None:
    """P2, P6: three sessions a week of 2, 18 or 120 minutes no longer climb alike; 18 and
    120 climb on the same days, 2 never rises and is told why."""
    short = least_minutes(rulebook) - 1
    full, long, tiny = (three_a_week(engine, m) for m in (18, 120, short))
    assert rise_days(full) and rise_days(full) == rise_days(long)
    assert rise_days(tiny) == []
    last = tiny[-1]
    assert last.state.recent_sessions == () and last.state.consecutive_missed == 0
    unmet = [u for w in last.why_not for u in w.unmet if u.field == "minutes"]
    assert unmet and all(u.actual == short and u.needed == least_minutes(rulebook)
                         and u.param == "session_counts_min_minutes" for u in unmet)
    least = least_minutes(rulebook)
    assert f"minutes trained: {short}, needs at least {least} (footcore default)" in explain(last)


def test_minutes_not_reported_keep_todays_meaning(engine: Engine) -> None:
    """P2: 0 minutes means not reported; such a record climbs as a full-length one does."""
    assert rise_days(three_a_week(engine, 0)) == rise_days(three_a_week(engine, 18))


def test_a_short_session_never_triggers_a_rise(engine: Engine, rulebook: Rulebook) -> None:
    """P2, P6: an athlete ready to move up even without today's session, whose session is
    short, holds; the same session at full length rises."""
    extra = TODAY - days(2 * rulebook.whole("min_sessions_in_window"))
    for dose in (1, None):  # a dose step, then a rung change
        ready = placed(engine, stage="activation", dose=dose, cleared=True)
        state = attrs.evolve(ready, recent_sessions=(extra, *ready.recent_sessions),
                             clean_streak=ready.clean_streak + 1)
        assert engine.evaluate(state, session()).action in RISES
        held = engine.evaluate(state, session(minutes=least_minutes(rulebook) - 1))
        assert held.action is Action.HOLD and held.firings == ()
        # nothing else stands in the way: only the session's length
        assert [u.field for w in held.why_not for u in w.unmet] == ["minutes"]
        assert held.state.last_session_on == state.last_session_on
        assert held.state.recent_sessions == state.recent_sessions
        assert held.state.clean_streak == state.clean_streak


def test_a_short_session_with_symptoms_breaks_the_streak_but_is_no_miss(
        engine: Engine, rulebook: Rulebook) -> None:
    """P2, P10: a short session's symptoms still count (they break the clean streak and
    the back-off rules read them), but it is neither a session nor a miss."""
    state = placed(engine, dose=1)
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    decision = engine.evaluate(state, session(minutes=1, symptoms=stiff))
    assert decision.action is Action.DELOAD and "stiffness-deload" in won(decision)
    assert decision.state.clean_streak == 0
    assert decision.state.consecutive_missed == 0
    assert decision.state.consecutive_completed == state.consecutive_completed


def test_a_short_session_neither_ends_a_layoff_nor_triggers_its_back_off(
        engine: Engine, rulebook: Rulebook) -> None:
    """Layoffs (defaults): the gap is measured to the last session that counts; a short one
    after a long break does not regress, and the first full session back does."""
    away = TODAY - days(rulebook.whole("long_layoff_days"))
    state = placed(engine, dose=1, last_session_on=away, last_checkin_on=away,
                   recent_sessions=())
    short = engine.evaluate(state, session(minutes=2))
    assert short.action is Action.HOLD and "long-layoff-regress" not in fired(short)
    back = engine.evaluate(short.state, session(TODAY + days(1)))
    assert back.action is Action.REGRESS and "long-layoff-regress" in won(back)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes=st.integers(1, 9), dose=st.sampled_from([0, 1, None]),
       stage=st.sampled_from(["baseline", "activation", "control", "unilateral"]),
       gap=st.integers(0, 30), soreness=st.integers(0, 10))
def test_a_short_session_never_raises_the_load_nor_counts_as_a_miss(
        rulebook: Rulebook, minutes: int, dose: int | None, stage: str, gap: int,
        soreness: int) -> None:
    """P2, P6 (property): whatever the record, a session under the minimum never raises the
    dose or rung, and leaves the session and miss counts as they were; on both backends."""
    for backend in ["native", "durable"] if durable_available() else ["native"]:
        engine = Engine(rulebook, backend=backend)
        short = min(minutes, least_minutes(rulebook) - 1)
        state = placed(engine, stage=stage, dose=dose, cleared=True)
        checkin = session(state.last_checkin_on + days(gap), minutes=short,  # type: ignore[operator]
                          symptoms=symptom(SymptomKind.SORENESS, soreness) if soreness else ())
        decision = engine.evaluate(state, checkin)
        order = rulebook.stage(decision.state.stage).order
        assert decision.action not in RISES
        assert (order, decision.state.dose_level) <= (
            rulebook.stage(state.stage).order, state.dose_level)
        assert decision.state.recent_sessions == tuple(
            d for d in state.recent_sessions if d >= checkin.on - days(
                rulebook.whole("window_days") - 1))
        assert decision.state.consecutive_missed == state.consecutive_missed
        assert decision.state.consecutive_completed == state.consecutive_completed
        assert decision.state.last_session_on == state.last_session_on


def test_uneven_forefoot_holds_the_rung_change(engine: Engine, rulebook: Rulebook) -> None:
    """P7, P11: a forefoot that bears the load unevenly holds the move up a rung, with a cue
    to sense the big and little toe; an even one, or none measured, does not."""
    bar = rulebook.number("forefoot_symmetry_min")
    uneven = placed(engine, stage="activation", cleared=True,
                    metrics=Metrics(forefoot_symmetry=round(bar - 0.05, 2)))
    decision = engine.evaluate(uneven, session())
    assert decision.action is Action.HOLD and "uneven-forefoot-hold" in won(decision)
    assert any("big toe" in cue for cue in decision.plan.cues)
    for metrics in (Metrics(forefoot_symmetry=bar), Metrics()):
        fine = placed(engine, stage="activation", cleared=True, metrics=metrics)
        assert engine.evaluate(fine, session()).action is Action.ADVANCE
    remeasured = engine.evaluate(uneven, session(metrics=Metrics(forefoot_symmetry=bar)))
    assert remeasured.action is Action.ADVANCE


def test_uneven_forefoot_does_not_hold_a_dose_step(engine: Engine, rulebook: Rulebook) -> None:
    """P7: within a rung the dose still rises; the hold guards the rung change only."""
    uneven = placed(engine, stage="activation", dose=1, cleared=True,
                    metrics=Metrics(forefoot_symmetry=0.1))
    decision = engine.evaluate(uneven, session())
    assert decision.action is Action.PROGRESS and "uneven-forefoot-hold" not in fired(decision)


def test_history_needs_clearance_before_leaving_awareness(engine: Engine) -> None:
    """P10: with a foot or ankle history, a coach or clinician tailors the plan before the
    load rises: the move from the awareness rung holds until clearance, then goes ahead."""
    state = placed(engine, stage="baseline", history=True)
    held = engine.evaluate(state, session())
    assert held.action is Action.HOLD and "history-clearance-gate" in won(held)
    assert any("clinician" in cue for cue in held.plan.cues)
    cleared = engine.evaluate(state, session(clinician_cleared=True))
    assert cleared.action is Action.ADVANCE and cleared.state.stage == "activation"
    # the awareness rung's own dose step (nothing loaded) does not wait
    below = engine.evaluate(placed(engine, stage="baseline", dose=0, history=True), session())
    assert below.action is Action.PROGRESS


@pytest.mark.parametrize("stage", ["activation", "control", "unilateral"])
def test_history_without_clearance_holds_every_rise_past_awareness(engine: Engine,
                                                                   stage: str) -> None:
    """P10: an athlete placed past the awareness rung (by an app or an earlier rulebook)
    with a history and no clearance gets neither a dose step nor a rung change."""
    for dose in (0, None):
        decision = engine.evaluate(placed(engine, stage=stage, dose=dose, history=True),
                                   session())
        assert decision.action is Action.HOLD
        assert "history-clearance-before-loading" in won(decision)
        assert any("clinician or coach" in cue for cue in decision.plan.cues)


# ---- issue 21: back-offs (P8 two-footed compensations, P10 rest vs deload, P9/P11 habits)


@pytest.mark.parametrize("kind", KNEE_OR_HIP)
def test_p8_knee_or_hip_in_the_gentle_squat_of_the_control_rung_scales_back(
        engine: Engine, rulebook: Rulebook, kind: CompensationKind) -> None:
    """P8: knee valgus or hip adduction in a two-footed exercise scales back (a deload),
    as in single-leg work; hops keep their stronger answer (a regress)."""
    state = placed(engine, stage="control", dose=2)
    squat = engine.evaluate(state, session(compensations=seen(kind, "gentle_squat")))
    assert not rulebook.exercises["gentle_squat"].unilateral
    assert squat.action is Action.DELOAD
    assert won(squat) == {"two-footed-compensation-deload"}
    assert (squat.state.dose_level, squat.state.backoff) == (1, BackOff.DELOAD)
    assert squat.plan.mode == "deload"
    hop = engine.evaluate(placed(engine, stage="integration", dose=1, cleared=True),
                          session(compensations=seen(kind, "slow_controlled_hops")))
    assert hop.action is Action.REGRESS


def test_p10_rest_does_what_a_deload_does_and_adds_rest_days(engine: Engine,
                                                             rulebook: Rulebook) -> None:
    """P10, dial back intensity or add rest days: the rest answer (marked irritation) drops
    the dose step as the deload answer (mild irritation) does, keeps a window as long, with
    fewer sessions and the same lighter doses, and restarts the days at the dose."""
    state = placed(engine, dose=2)
    rest_min = rulebook.number("irritation_rest_min")
    mild = engine.evaluate(state, session(symptoms=symptom(SymptomKind.IRRITATION,
                                                             rest_min - 1)))
    marked = engine.evaluate(state, session(symptoms=symptom(SymptomKind.IRRITATION,
                                                               rest_min)))
    assert (mild.action, marked.action) == (Action.DELOAD, Action.REST)
    assert marked.state.dose_level == mild.state.dose_level == 1
    assert marked.state.backoff_until is not None and mild.state.backoff_until is not None
    assert marked.state.backoff_until >= mild.state.backoff_until
    assert marked.state.last_change_on == mild.state.last_change_on == TODAY
    assert len(marked.plan.sessions) < len(mild.plan.sessions)
    kept = [item.dose for item in marked.plan.sessions[0].items]
    assert kept == [item.dose for item in mild.plan.sessions[0].items]


def test_p10_rest_days_turn_into_the_deload_when_they_end(engine: Engine,
                                                          rulebook: Rulebook) -> None:
    """P10: after its rest days the window runs on as a deload (sessions come back, doses
    stay light) until a deload's would end; then one check-in confirms before a rise."""
    state = placed(engine, dose=2)
    marked = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min"))
    rested = engine.evaluate(state, session(symptoms=marked)).state
    after = engine.evaluate(rested, session(TODAY + days(rulebook.whole("rest_days"))))
    assert after.action is Action.HOLD and "rest-window-hold" in won(after)
    assert (after.state.backoff, after.state.backoff_until) == (
        BackOff.DELOAD, rested.backoff_until)
    assert after.plan.mode == "deload"
    assert len(after.plan.sessions) == len(engine.plan(state).sessions)
    end = TODAY + days(rulebook.whole("deload_days"))
    ended = engine.evaluate(after.state, session(end))
    assert ended.action is Action.HOLD and "backoff-ended-hold" in won(ended)


def test_p10_a_back_off_at_the_first_step_restarts_the_days_at_the_dose(
        engine: Engine, rulebook: Rulebook) -> None:
    """P10: a deload at dose 0 cannot drop the dose, but the days at the dose restart, so
    the next rise is as far off as after any other deload."""
    state = placed(engine, dose=0, last_change_on=START)
    irritated = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min") - 1)
    decision = engine.evaluate(state, session(symptoms=irritated))
    assert decision.action is Action.DELOAD and decision.state.dose_level == 0
    assert decision.state.last_change_on == TODAY


@pytest.mark.parametrize("window", [BackOff.DELOAD, BackOff.REST])
def test_p9_p11_daily_habits_follow_a_deload(engine: Engine, rulebook: Rulebook,
                                             window: BackOff) -> None:
    """P9, P11: the daily habits are part of the training load; in a deload or rest window
    they get the lighter doses too, not full ones."""
    normal = engine.plan(placed(engine, stage="control", dose=2))
    eased = engine.plan(placed(engine, stage="control", dose=2, backoff=window,
                               backoff_until=TODAY + days(1), last_backoff_on=TODAY))
    lighter = [(a, b) for a, b in zip(normal.habits, eased.habits, strict=True)
               if a.category not in CARE]
    assert lighter
    for full, light in lighter:
        assert (light.dose.reps, light.dose.hold_s) <= (full.dose.reps, full.dose.hold_s)
        assert light.dose.reps < full.dose.reps or (light.dose.hold_s or 0) < (
            full.dose.hold_s or 0)


# ---- issue 21: what the sessions contain (P3 over time, P6's three kinds and light
# plyometrics, P11 from the integration rung)

# P6's three kinds of work, with the catalogue's categories each counts (the mapping
# docs/rulebook-format.md states): a single-leg stand is a held position, a hop a transition.
KINDS = {
    "activation drill": {Category.ACTIVATION},
    "static hold": {Category.STATIC_HOLD, Category.BALANCE},
    "dynamic transition": {Category.DYNAMIC_TRANSITION, Category.PLYOMETRIC},
}
HOLDS_SHIFTS_SQUATS = ("short_foot_hold", "slow_weight_shift", "gentle_squat")


def first_steps(engine: Engine, stage: str, goal: Goal, **placing: object) -> dict[str, int]:
    """The first dose step of ``stage`` at which each exercise is planned."""
    found: dict[str, int] = {}
    for dose in range(len(engine.rulebook.stage(stage).steps)):
        plan = engine.plan(placed(engine, stage=stage, dose=dose, goal=goal, **placing))
        for name in sorted(exercise_ids(plan)):
            found.setdefault(name, dose)
    return found


def hops(plan: WeekPlan) -> set[str]:
    return {item.exercise for item in all_items(plan) if item.category is Category.PLYOMETRIC}


def assert_three_kinds(plan: WeekPlan, where: object) -> None:
    assert plan.sessions, where
    for planned in plan.sessions:
        main = {item.category for item in planned.items if item.category not in CARE}
        for kind, categories in KINDS.items():
            assert main & categories, (where, planned.focus, kind)


@pytest.mark.parametrize("goal", list(Goal))
def test_p3_holds_then_weight_shifts_then_squats_over_the_control_rung(
        engine: Engine, goal: Goal) -> None:
    """P3: static holds, then slow weight shifts, then gentle squats: on short-foot control
    each comes in at a later dose step, not all in the rung's first week."""
    first = first_steps(engine, "control", goal)
    steps = [first[name] for name in HOLDS_SHIFTS_SQUATS]
    assert steps[0] == 0 and steps[0] < steps[1] < steps[2]
    assert "toe_splay_breathing" in first and first["toe_splay_breathing"] == 0
    week_one = exercise_ids(engine.plan(placed(engine, stage="control", dose=0, goal=goal)))
    assert not {"slow_weight_shift", "gentle_squat"} & week_one


def test_p3_a_dose_step_earned_brings_the_next_kind_of_work(engine: Engine) -> None:
    """P3: a dose step rises only after clean, consistent sessions: that evidence of control
    is what brings the weight shifts in; a missed session (no such evidence) brings nothing."""
    shifts = first_steps(engine, "control", Goal.RUNNER)["slow_weight_shift"]
    state = placed(engine, stage="control", dose=shifts - 1)
    before = exercise_ids(engine.plan(state))
    decision = engine.evaluate(state, session())
    assert decision.action is Action.PROGRESS
    assert "progress-dose" in won(decision)
    assert "slow_weight_shift" in exercise_ids(decision.plan) - before
    missed = engine.evaluate(state, session(completed=False, minutes=0))
    assert missed.action is Action.HOLD
    assert exercise_ids(missed.plan) == before


def test_p3_a_step_back_takes_the_newest_work_away(engine: Engine, rulebook: Rulebook) -> None:
    """P3, P9: stiffness deloads a step; the gentle squats that step brought leave the plan
    until the step is earned again, while the holds stay."""
    squats = first_steps(engine, "control", Goal.RUNNER)["gentle_squat"]
    state = placed(engine, stage="control", dose=squats)
    assert "gentle_squat" in exercise_ids(engine.plan(state))
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    decision = engine.evaluate(state, session(symptoms=stiff))
    assert decision.action is Action.DELOAD
    assert decision.state.dose_level == squats - 1
    planned = exercise_ids(decision.plan)
    assert "gentle_squat" not in planned
    assert {"short_foot_hold", "slow_weight_shift"} <= planned


@pytest.mark.parametrize("goal", list(Goal))
@pytest.mark.parametrize("history", [False, True])
def test_p6_every_block_holds_activation_a_static_hold_and_a_dynamic_transition(
        engine: Engine, rulebook: Rulebook, goal: Goal, history: bool) -> None:
    """P6: within each block, activation drills, static holds and dynamic transitions: every
    session of every rung and dose step holds all three, hops substituted or not, in a
    normal week, a deload and a rest week."""
    for stage in rulebook.stages:
        for dose in range(len(stage.steps)):
            base = placed(engine, stage=stage.id, dose=dose, goal=goal, history=history)
            for backoff in BackOff:
                state = base if backoff is BackOff.NONE else attrs.evolve(
                    base, backoff=backoff, backoff_until=TODAY + days(1))
                assert_three_kinds(engine.plan(state), (stage.id, dose, backoff))


@pytest.mark.parametrize("goal", list(Goal))
def test_p6_every_decisions_plan_holds_the_three_kinds(engine: Engine, rulebook: Rulebook,
                                                       goal: Goal) -> None:
    """P6: the plan a decision hands back, whatever the action, keeps the three kinds."""
    stiff = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    sore = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min"))
    checkins = {Action.PROGRESS: session(), Action.DELOAD: session(symptoms=stiff),
                Action.REST: session(symptoms=sore)}
    for stage in rulebook.stages[:-1]:
        for action, checkin in checkins.items():
            decision = engine.evaluate(placed(engine, stage=stage.id, dose=0, goal=goal),
                                       checkin)
            assert decision.action is action, (stage.id, action)
            assert_three_kinds(decision.plan, (stage.id, action))
    up = engine.evaluate(placed(engine, stage="unilateral", goal=goal), session())
    assert up.action is Action.ADVANCE
    assert_three_kinds(up.plan, "advanced")


def test_p6_light_soft_landings_come_on_short_foot_control_and_no_earlier(
        engine: Engine, rulebook: Rulebook) -> None:
    """P6: the weekly template has light plyometrics with soft landings; an athlete cleared
    for them (no history) meets them on short-foot control, where P3 has the foot ready for
    dynamic work, and on no earlier rung: small, two-footed, shared by every goal, each with
    a non-hopping substitute."""
    for goal in Goal:
        early = {stage.id: set().union(*(
            hops(engine.plan(placed(engine, stage=stage.id, dose=dose, goal=goal)))
            for dose in range(len(stage.steps)))) for stage in rulebook.stages
            if stage.order <= rulebook.stage("control").order}
        assert early["control"], goal
        assert not early["baseline"] and not early["activation"]
        for name in early["control"]:
            exercise = rulebook.exercises[name]
            assert "P6" in exercise.source and not exercise.unilateral and not exercise.goals
            assert exercise.substitute is not None


@pytest.mark.parametrize("history", [False, True])
def test_p6_p10_earning_control_brings_soft_landings_to_those_cleared(
        engine: Engine, history: bool) -> None:
    """P6, P10: the last step of short-foot control brings the soft landings to an athlete
    cleared for them (no history, or a history and clearance)."""
    top_step = top(engine.rulebook, "control")
    state = placed(engine, stage="control", dose=top_step - 1, history=history,
                   cleared=history)
    assert not hops(engine.plan(state))
    decision = engine.evaluate(state, session())
    assert decision.action is Action.PROGRESS
    assert decision.state.dose_level == top_step
    assert hops(decision.plan)


def test_p6_p10_without_clearance_a_history_gets_the_substitute_and_no_rise(
        engine: Engine) -> None:
    """P6, P10: an athlete with a history and no clearance, placed on control (by an app or
    an earlier rulebook), rises no further until cleared, and at the step with soft landings
    gets their non-hopping substitute instead, and is told why."""
    top_step = top(engine.rulebook, "control")
    below = placed(engine, stage="control", dose=top_step - 1, history=True, cleared=False)
    assert engine.evaluate(below, session()).action is Action.HOLD
    state = placed(engine, stage="control", dose=top_step, history=True, cleared=False)
    plan = engine.plan(state)
    assert not hops(plan)
    template = engine.plan(attrs.evolve(state, clinician_cleared=True))
    swapped = {engine.rulebook.exercises[name].substitute for name in hops(template)}
    assert swapped and swapped <= exercise_ids(plan)
    assert any("Hops are replaced" in note for note in plan.notes)


@pytest.mark.parametrize("kind", KNEE_OR_HIP)
def test_p6_p8_a_knee_caving_in_on_soft_landings_goes_back_a_rung(
        engine: Engine, rulebook: Rulebook, kind: CompensationKind) -> None:
    """P8: the soft landings are hops: a knee or hip compensation seen in them scales back
    as in any hop (hop-compensation-regress), a rung down from short-foot control."""
    state = placed(engine, stage="control")
    (landing,) = hops(engine.plan(state))
    decision = engine.evaluate(state, session(compensations=seen(kind, landing)))
    assert decision.action is Action.REGRESS
    assert "hop-compensation-regress" in won(decision)
    below = rulebook.stage("control").order - 1
    assert decision.state.stage == rulebook.stages[below].id


@pytest.mark.parametrize("goal", list(Goal))
def test_p11_fatigue_resistant_work_starts_on_the_integration_rung(
        engine: Engine, rulebook: Rulebook, goal: Goal) -> None:
    """P11: a foot that stays responsive under fatigue, not only strong when fresh: from
    goal-specific integration on (not only in maintenance) the end-of-day single-leg stand is
    a daily habit, and a plyometrics block holds a single-leg stand straight after its hops."""
    start = rulebook.stage("integration").order
    for stage in rulebook.stages:
        plan = engine.plan(placed(engine, stage=stage.id, goal=goal))
        tired = "tired_foot_balance" in {item.exercise for item in plan.habits}
        assert tired is (stage.order >= start), stage.id
        if stage.order >= start:
            assert any(a.category is Category.PLYOMETRIC
                       and b.category in (Category.BALANCE, Category.STATIC_HOLD)
                       for planned in plan.sessions
                       for a, b in itertools.pairwise(planned.items)), stage.id


def test_p11_reaching_integration_brings_the_tired_foot_habit(engine: Engine) -> None:
    """P11: the advance into goal-specific integration adds the end-of-day single-leg stand
    to the daily habits."""
    state = placed(engine, stage="unilateral")
    assert "tired_foot_balance" not in {i.exercise for i in engine.plan(state).habits}
    decision = engine.evaluate(state, session())
    assert decision.action is Action.ADVANCE
    assert decision.state.stage == "integration"
    assert "tired_foot_balance" in {i.exercise for i in decision.plan.habits}


# ---------------------------------------------------------------- issue 21: the awareness
# finding shapes the activation work (P1); doses read as what to do (P10, P11)

FIRST_RUNG = "baseline"


def leads_for(rulebook: Rulebook, stage: str, found: Observation) -> str:
    """The exercise the rulebook puts first at ``stage`` for ``found`` (P1)."""
    return dict(rulebook.stage(stage).emphasis.leads((found,)))[found]


@pytest.mark.parametrize("found", list(Observation))
def test_what_the_awareness_rung_observes_is_recorded_without_holding(
        engine: Engine, found: Observation) -> None:
    """P1: noticing flattening or over-gripping is what the awareness rung asks for: the
    finding is recorded in the state and the athlete still moves on."""
    state = placed(engine, stage=FIRST_RUNG)
    plain = engine.evaluate(state, session())
    noticed = engine.evaluate(state, session(observations=(found,)))
    assert plain.action is Action.ADVANCE and noticed.action is Action.ADVANCE
    assert noticed.firings == plain.firings
    assert plain.state.awareness == ()
    assert noticed.state.awareness == (found,)


@pytest.mark.parametrize(("kind", "found"), [
    (CompensationKind.ARCH_COLLAPSE, Observation.FLATTENING),
    (CompensationKind.TOE_GRIPPING, Observation.OVER_GRIPPING)])
def test_flattening_or_gripping_seen_at_the_awareness_rung_is_a_finding_too(
        engine: Engine, kind: CompensationKind, found: Observation) -> None:
    """P1, P3: reported as a compensation at the awareness rung, the tendency is recorded
    as that rung's finding; as a fault in an exercise it still holds (gripping-hold)."""
    state = placed(engine, stage=FIRST_RUNG)
    decision = engine.evaluate(state, session(compensations=seen(kind, "seated_toe_curl")))
    assert decision.state.awareness == (found,)
    assert "gripping-hold" in won(decision)


def test_findings_add_up_and_later_rungs_neither_add_nor_forget(engine: Engine) -> None:
    """P1: the finding is the awareness rung's; what later check-ins observe changes it no
    more, and it stays with the athlete up the ladder."""
    state = placed(engine, stage=FIRST_RUNG, dose=0, awareness=(Observation.OVER_GRIPPING,))
    both = engine.evaluate(state, session(observations=(Observation.FLATTENING,)))
    assert both.state.awareness == (Observation.FLATTENING, Observation.OVER_GRIPPING)
    later = placed(engine, stage="activation", awareness=(Observation.FLATTENING,))
    decision = engine.evaluate(later, session(observations=(Observation.OVER_GRIPPING,)))
    assert decision.action is Action.ADVANCE
    assert decision.state.awareness == (Observation.FLATTENING,)


def session_categories(plan: WeekPlan) -> list[list[Category]]:
    return [[item.category for item in s.items] for s in plan.sessions]


@pytest.mark.parametrize("found", list(Observation))
@pytest.mark.parametrize("stage", ["activation", "control"])
def test_the_finding_leads_the_activation_and_control_work(
        engine: Engine, rulebook: Rulebook, stage: str, found: Observation) -> None:
    """P1: awareness informs the exercises that follow: at the activation and control rungs
    the drill that answers the finding (arch lifting for flattening, long, spread toes for
    over-gripping) comes first among the items of its kind in every session that has one,
    the sessions keep their P6 shape, and a note says why."""
    lead = leads_for(rulebook, stage, found)
    category = rulebook.exercises[lead].category
    state = placed(engine, stage=stage, dose=0)
    plain = engine.plan(state)
    plan = engine.plan(attrs.evolve(state, awareness=(found,)))
    assert plan != plain
    assert session_categories(plan) == session_categories(plain)
    for s in plan.sessions:
        kind = [item.exercise for item in s.items if item.category is category]
        assert kind and kind[0] == lead
    assert any(rulebook.exercises[lead].name.lower() in n and "(P1)" in n for n in plan.notes)
    assert not any("(P1)" in n for n in plain.notes)


def test_the_awareness_rung_itself_plans_the_same_sessions(engine: Engine) -> None:
    """P1: at the awareness rung the finding is observed, not yet trained against; the
    plan notes that it was recorded."""
    state = placed(engine, stage=FIRST_RUNG, dose=0)
    plain = engine.plan(state)
    aware = engine.plan(attrs.evolve(state, awareness=tuple(Observation)))
    assert (aware.sessions, aware.habits) == (plain.sessions, plain.habits)
    [noted] = [n for n in aware.notes if n not in plain.notes]
    assert "flattening" in noted and "over-gripping" in noted and "(P1)" in noted


def test_leaving_the_awareness_rung_plans_for_what_it_found(
        engine: Engine, rulebook: Rulebook) -> None:
    """P1: the first activation week already leads with the finding's drill."""
    state = placed(engine, stage=FIRST_RUNG)
    decision = engine.evaluate(state, session(observations=(Observation.OVER_GRIPPING,)))
    assert decision.action is Action.ADVANCE
    lead = leads_for(rulebook, decision.state.stage, Observation.OVER_GRIPPING)
    assert lead in {item.exercise for s in decision.plan.sessions for item in s.items}
    assert lead not in {item.exercise for s in decision.prior_plan.sessions for item in s.items}


def test_a_deloaded_week_keeps_the_lead_lighter(engine: Engine, rulebook: Rulebook) -> None:
    """P1, P9: in a deload the finding's drill still leads, at the deload's lighter dose."""
    lead = leads_for(rulebook, "activation", Observation.FLATTENING)
    state = placed(engine, stage="activation", dose=1, awareness=(Observation.FLATTENING,))
    normal = engine.plan(state)
    light = engine.plan(attrs.evolve(state, backoff=BackOff.DELOAD,
                                     backoff_until=TODAY + days(3)))
    first = {item.exercise: item.dose for item in normal.sessions[0].items}
    lighter = {item.exercise: item.dose for item in light.sessions[0].items}
    assert lead in first and lead in lighter
    assert lighter[lead].reps < first[lead].reps


def test_no_habit_or_walk_is_written_as_sets_of_one_rep(rulebook: Rulebook) -> None:
    """P10, P11: habits, walks, stands and stretches say how long or how often; only work
    counted in several reps is written as sets x reps."""
    for exercise in rulebook.exercises.values():
        if exercise.dose.form == "sets":
            assert exercise.dose.reps > 1, exercise.id
    habits = {name for stage in rulebook.stages for name in stage.habits}
    assert all(rulebook.exercises[name].dose.form != "sets" or
               rulebook.exercises[name].dose.reps > 1 for name in habits)


@pytest.mark.parametrize("stage", ["baseline", "activation", "maintenance"])
def test_habits_and_walks_read_as_what_to_do(engine: Engine, stage: str) -> None:
    """P11: "Wear shoes that let the toes spread" is an instruction for every day, a walk
    lasts so long, a habit is done so many times a day: never "1 x 1 rep"."""
    decision = engine.evaluate(placed(engine, stage=stage, dose=0), session())
    plan, shown_in = decision.plan, explain(decision, "dict")["exercises"]
    assert not re.search(r"\b1 x 1\b", plan_text(plan, engine.rulebook))
    assert not any(entry["dose"].startswith("1 x 1 rep") for entry in shown_in)
    explained = {entry["exercise"]: entry["dose"] for entry in shown_in}
    for item in (*plan.habits, *(i for s in plan.sessions for i in s.items)):
        shown = dose_text(item.dose)
        if item.dose.form != "sets":  # the CLI and explain write these alike
            assert explained[item.exercise] == shown
        if item.dose.form == "instruction":
            assert shown == "every day"
        elif item.dose.form == "daily":
            assert shown.endswith("a day")
        elif item.dose.form == "duration":
            assert " rep" not in shown and shown.split()[-1] in ("s", "min")


def test_a_deload_shortens_durations(engine: Engine) -> None:
    """P9, P10: a deload shortens timed work (a walk, a stand) as it shortens holds."""
    state = placed(engine, stage="activation", dose=1)
    normal = engine.plan(state)
    light = engine.plan(attrs.evolve(state, backoff=BackOff.DELOAD,
                                     backoff_until=TODAY + days(3)))
    timed = [(a, b) for s, t in zip(normal.sessions, light.sessions, strict=True)
             for a, b in zip(s.items, t.items, strict=True)
             if a.dose.form == "duration" and a.category not in CARE]
    assert timed
    for full, lighter in timed:
        assert lighter.dose.form == "duration"
        assert 1 <= lighter.dose.hold_s < full.dose.hold_s


def test_the_awareness_finding_round_trips(engine: Engine, tmp_path: Path) -> None:
    """P1: the finding survives JSON and the store; a state stored before it existed loads
    with none found."""
    state = placed(engine, stage=FIRST_RUNG)
    decision = engine.evaluate(state, session(observations=tuple(Observation)))
    assert from_json(to_json(decision.state), AthleteState) == decision.state
    assert from_json(to_json(decision), Decision) == decision
    old = json.loads(to_json(state))
    del old["awareness"]
    assert from_json(json.dumps(old), AthleteState).awareness == ()
    with open_store(str(tmp_path / "store.sqlite")) as store:
        store.add_athlete(state)
        store.check_in(engine, state.athlete_id, session(observations=tuple(Observation)))
        assert store.state(state.athlete_id).awareness == tuple(Observation)
        assert store.decisions(state.athlete_id)[-1].state == store.state(state.athlete_id)


def test_a_plan_written_before_dose_forms_reads_as_sets(engine: Engine) -> None:
    """P10, P11: old plans stay readable: a dose without a form is sets x reps."""
    plan = engine.plan(placed(engine, stage="activation", dose=0))
    data = json.loads(to_json(plan))
    for item in data["habits"]:
        del item["dose"]["form"]
    old = from_json(json.dumps(data), WeekPlan)
    assert {item.dose.form for item in old.habits} == {"sets"}


# ---- issue 21: mild stiffness eases the week (P9)


def mild_stiffness(rulebook: Rulebook) -> tuple[Symptom, ...]:
    return symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min") - 1)


def test_p9_mild_stiffness_lightens_the_week_at_the_same_step_then_it_returns(
        engine: Engine, rulebook: Rulebook) -> None:
    """P9: stiffness after a workout, below the deload threshold, adjusts volume and
    intensity downward for deload_days at the same dose step (an ease); then the full week
    at that step returns, after one check-in that confirms it before any rise."""
    state = placed(engine, dose=2)
    full = engine.plan(state)
    eased = engine.evaluate(state, session(symptoms=mild_stiffness(rulebook)))
    assert eased.action is Action.EASE and won(eased) == {"stiffness-ease"}
    assert "stiffness-deload" not in fired(eased)
    assert (eased.state.stage, eased.state.dose_level) == (state.stage, state.dose_level)
    assert eased.state.backoff is BackOff.DELOAD and eased.plan.mode == "deload"
    until = TODAY + days(rulebook.whole("deload_days"))
    assert eased.state.backoff_until == until
    assert eased.state.last_change_on == TODAY  # the days at the dose start again
    assert_lighter(full, eased.plan)
    assert {i.exercise for i in main_items(eased.plan)} == {i.exercise for i in main_items(full)}
    assert "A little stiffness" in " ".join(eased.plan.cues)

    inside = engine.evaluate(eased.state, session(on=until - days(1)))
    assert inside.action is Action.HOLD and "deload-window-hold" in won(inside)
    assert inside.plan.mode == "deload"
    back = engine.evaluate(inside.state, session(on=until))
    assert back.action is Action.HOLD and "backoff-ended-hold" in won(back)
    assert back.plan.mode == "normal" and back.state.dose_level == state.dose_level
    assert main_items(back.plan) == main_items(full)


def test_p9_moderate_stiffness_still_deloads_a_step(engine: Engine,
                                                    rulebook: Rulebook) -> None:
    """P9: from stiffness_deload_min up the answer is a deload, a step down as well, and
    the ease is overridden by it."""
    state = placed(engine, dose=2)
    both = symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))
    both += mild_stiffness(rulebook)
    decision = engine.evaluate(state, session(symptoms=both))
    assert decision.action is Action.DELOAD
    assert won(decision) == {"stiffness-deload"}
    assert "stiffness-ease" in fired(decision) - won(decision)
    assert decision.state.dose_level == state.dose_level - 1


def test_p9_repeated_mild_stiffness_never_adds_up_to_a_deload(engine: Engine,
                                                               rulebook: Rulebook) -> None:
    """P9: mild stiffness reported at every session keeps the week light and the load where
    it is, for as long as it lasts, but never steps the dose down as a deload does, and the
    window is never shorter than the last ease's."""
    state = placed(engine, dose=2)
    stiff = mild_stiffness(rulebook)
    length = days(rulebook.whole("deload_days"))
    for n in range(4):
        on = TODAY + days(2 * n)
        decision = engine.evaluate(state, session(on=on, symptoms=stiff))
        assert decision.action is Action.EASE
        assert decision.state.dose_level == 2 and decision.state.stage == state.stage
        assert decision.state.backoff is BackOff.DELOAD
        assert decision.state.backoff_until == on + length
        state = decision.state
    deload = engine.evaluate(placed(engine, dose=2), session(
        symptoms=symptom(SymptomKind.STIFFNESS, rulebook.number("stiffness_deload_min"))))
    assert deload.state.dose_level < state.dose_level


def test_p9_p10_mild_stiffness_leaves_an_open_rest_window_to_run(
        engine: Engine, rulebook: Rulebook) -> None:
    """P9, P10: during rest days (fewer sessions, lighter still) mild stiffness neither
    shortens nor restarts them: the rest window runs on as it was."""
    hot = symptom(SymptomKind.IRRITATION, rulebook.number("irritation_rest_min"))
    rested = engine.evaluate(placed(engine, dose=2), session(symptoms=hot)).state
    assert rested.backoff is BackOff.REST
    decision = engine.evaluate(rested, session(on=TODAY + days(1),
                                               symptoms=mild_stiffness(rulebook)))
    assert decision.action is Action.EASE
    assert decision.state.backoff is BackOff.REST
    assert decision.state.backoff_until == rested.backoff_until
    assert decision.state.last_backoff_on == rested.last_backoff_on
    assert decision.state.dose_level == rested.dose_level


# ---- issue 21 review: what the plan says reads right


@pytest.mark.parametrize(("found", "said"), [
    ((Observation.FLATTENING,), "starts with a drill for it (P1)"),
    ((Observation.FLATTENING, Observation.OVER_GRIPPING), "starts with a drill for each (P1)"),
])
def test_p1_the_awareness_note_counts_its_findings(engine: Engine, found: tuple[Observation, ...],
                                                   said: str) -> None:
    """P1: the awareness rung's note said 'drills for it' of two findings; each finding gets
    one leading drill on the rungs after (emphasis), and the note says so."""
    plan = engine.plan(placed(engine, stage=FIRST_RUNG, awareness=found))
    noted = [n for n in plan.notes if n.startswith("Noted so far")]
    assert len(noted) == 1 and noted[0].endswith(said + ".")


def test_p2_p6_sessions_too_short_to_count_are_not_told_short_is_right(
        engine: Engine, rulebook: Rulebook) -> None:
    """P2, P6: an athlete whose sessions end under session_counts_min_minutes is held for
    too few sessions; its cue said 'Short, regular sessions come first', so the athlete
    read that their too-short sessions were the point. No cue of theirs asks for short ones."""
    decisions = three_a_week(engine, least_minutes(rulebook) - 1, weeks=2)
    held = [d for d in decisions if "consistency-gate" in won(d)]
    assert held and all(d.action is Action.HOLD for d in decisions)
    for d in held:
        assert d.plan.cues and not any(re.search(r"\bshort\b", c, re.I) for c in d.plan.cues)


def test_p12_a_goal_change_past_the_last_day_a_state_holds_names_on(engine: Engine) -> None:
    """P12: a change dated after 9000-12-31 was refused as AthleteState.last_change_on, a
    field the caller never gave; the error names the argument ``on``."""
    with pytest.raises(InputError) as caught:
        engine.change_goal(placed(engine), Goal.STRENGTH, on=date(9999, 1, 1))
    assert caught.value.field == "on" and "accepted: a date up to 9000-12-31" in str(caught.value)
