"""The invariants of the changes the rules do not make (overrides, changes of goal,
upgrades): each holds for drawn inputs, the article's paragraphs hold on examples, the
prover decides them, the athlete state machine draws the changes among check-ins, and a
deliberately broken engine is caught by each.

Every Hypothesis run here is derandomized, so the file gives the same result every time.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import footcore
from footcore import Action, AthleteState, CheckIn, Decision, Engine, Goal, Symptom
from footcore._enums import RULE_ACTIONS
from footcore._errors import Conflict, InputError
from footcore._rulebook_loading import assemble
from footcore.analysis import INVARIANTS, PROVABLE, prove, reachability_problems
from footcore.analysis._cells import SIGNS
from footcore.analysis._model import Model
from footcore.analysis._prove_changes import tried
from footcore.models import Rulebook
from footcore.testing import (
    SAFETY,
    TODAY,
    InvariantViolation,
    athlete_machine,
    athlete_states,
    check_change_goal,
    check_decision,
    check_override,
    check_upgrade,
    derive,
    inputs,
    overrides,
)

RULEBOOK = footcore.load_rulebook()
ENGINE = Engine(RULEBOOK)
CHANGES = ("override-keeps-pause", "override-as-the-rules-apply",
           "no-rise-over-a-backoff-day", "goal-change-keeps-the-rung",
           "upgrade-keeps-the-rung")
QUICK = settings(max_examples=80, derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])
START = date(2026, 3, 2)
CAUTIOUS = (Action.EASE, Action.DELOAD, Action.REST, Action.REGRESS, Action.PAUSE)


def athlete() -> AthleteState:
    return ENGINE.new_athlete("a-17", goal=Goal.RUNNER, start=START)


def painful(state: AthleteState, on: date) -> Decision:
    """The rules pause the athlete for sharp pain (P10)."""
    return ENGINE.evaluate(state, CheckIn(on=on, completed=True, minutes=18, symptoms=(
        Symptom("sharp_pain", "arch", 6),)))


def override(state: AthleteState, **asked: Any) -> Decision:
    asked.setdefault("on", state.last_checkin_on or state.started_on)
    asked.setdefault("reason", "other")
    asked.setdefault("by", f"{asked['role']}:x")
    return check_override(ENGINE, state, **asked)


# ---------------------------------------------------------------- the invariants

def test_the_changes_invariants_are_safety_invariants_of_their_kinds() -> None:
    for name in CHANGES:
        assert name in SAFETY and INVARIANTS[name].engine_level
        assert INVARIANTS[name].kinds != (footcore.models.ChangeKind.CHECKIN,)
    assert set(CHANGES) - set(PROVABLE) == {"upgrade-keeps-the-rung"}


def test_check_in_invariants_leave_changes_alone_and_the_other_way_round() -> None:
    # check_decision runs the invariants of the decision's kind only: a check-in's on an
    # override would ask it for the check-in it does not answer.
    paused = painful(athlete(), START + timedelta(days=1))
    check_decision(paused, engine=ENGINE)  # the override invariants skip a check-in
    resumed = override(paused.state, role="clinician", clearance=True)
    check_decision(resumed, engine=ENGINE, after=paused)
    assert resumed.checkin is None


# ---------------------------------------------------------------- examples (P10, P12)

def test_p10_a_coach_keeps_a_paused_athlete_paused() -> None:
    # P10: pain stops training until a clinician has looked at it; a coach may not lift it.
    paused = painful(athlete(), START + timedelta(days=1)).state
    for action in (Action.HOLD, Action.DELOAD, Action.PROGRESS):
        with pytest.raises(Conflict) as refused:
            override(paused, role="coach", action=action)
        assert refused.value.code == "override-unsafe"
    with pytest.raises(Conflict, match="clinician") as refused:
        override(paused, role="coach", clearance=True)
    assert refused.value.code == "clearance-needs-clinician"
    kept = override(paused, role="coach", action=Action.PAUSE)
    assert kept.state.paused and not kept.plan.sessions


def test_p10_a_clinicians_resume_records_the_clearance() -> None:
    # P10: "cleared after the assessment, resume": gently (a deload), cleared on record.
    paused = painful(athlete(), START + timedelta(days=1))
    resumed = override(paused.state, role="clinician", clearance=True,
                       reason="assessed-cleared", on=START + timedelta(days=5), after=paused)
    assert resumed.action is Action.DELOAD
    assert not resumed.state.paused and resumed.state.clinician_cleared
    assert resumed.plan.sessions
    with pytest.raises(Conflict) as refused:  # a resume without the clearance
        override(paused.state, role="clinician", action=Action.HOLD)
    assert refused.value.code == "override-unsafe"


def test_p8_p9_no_rise_over_the_rules_back_off_that_day() -> None:
    # P9: stiffness after a workout eases the week; a coach may hold, not rise, that day.
    state = athlete()
    day = START + timedelta(days=1)
    eased = ENGINE.evaluate(state, CheckIn(on=day, completed=True, minutes=18, symptoms=(
        Symptom("stiffness", "arch", 1),)))
    assert eased.action in CAUTIOUS
    for rise in (Action.PROGRESS, Action.ADVANCE):
        with pytest.raises(Conflict, match=eased.winners[0].rule_id) as refused:
            override(eased.state, role="coach", action=rise, on=day, after=eased)
        assert refused.value.code == "override-conflict"
    held = override(eased.state, role="coach", action=Action.HOLD, on=day, after=eased)
    assert held.state.dose_level == eased.state.dose_level
    later = override(eased.state, role="coach", action=Action.PROGRESS,
                     on=day + timedelta(days=1), after=eased)  # another day: the coach's call
    assert later.state.dose_level == eased.state.dose_level + 1


def test_p12_a_change_of_goal_keeps_the_rung_and_dose() -> None:
    # P12: the plan adapts to changing demands; the athlete keeps their rung and dose.
    state = attrs.evolve(athlete(), stage="control", dose_level=2)
    decision = check_change_goal(ENGINE, state, Goal.STRENGTH, on=START)
    assert (decision.state.stage, decision.state.dose_level) == ("control", 2)
    assert decision.state.goal is Goal.STRENGTH and decision.state.last_change_on == START


def _shorter(rulebook: Rulebook, stage_id: str) -> Rulebook:
    """``rulebook`` with ``stage_id`` a dose step shorter."""
    stages = [attrs.evolve(s, steps=s.steps[:-1]) if s.id == stage_id else s
              for s in rulebook.stages]
    return assemble(rulebook.meta, rulebook.params, rulebook.exercises.values(), stages,
                    rulebook.rules, location=f"{rulebook.location} [shorter]")


def test_an_upgrade_keeps_the_rung_by_id_or_mapping_and_never_raises_the_dose() -> None:
    state = attrs.evolve(athlete(), stage="unilateral", dose_level=3)
    renamed = derive(RULEBOOK, rename={"unilateral": "single-leg"}, label="renamed")
    with pytest.raises(InputError) as refused:
        check_upgrade(Engine(renamed), state, RULEBOOK, on=START)
    assert refused.value.code == "stage-unmapped"
    mapped = check_upgrade(Engine(renamed), state, RULEBOOK, on=START,
                           mapping={"unilateral": "single-leg"})
    assert (mapped.state.stage, mapped.state.dose_level) == ("single-leg", 3)
    lowered = check_upgrade(Engine(_shorter(RULEBOOK, "unilateral")), state, RULEBOOK, on=START)
    assert lowered.state.dose_level == 2 and lowered.state.last_change_on == START


# ---------------------------------------------------------------- properties

@QUICK
@given(athlete_states(RULEBOOK, paused=True), overrides())
def test_override_keeps_pause(state: AthleteState, asked: dict[str, Any]) -> None:
    try:
        decision = check_override(ENGINE, state, on=TODAY, only=("override-keeps-pause",),
                                  **asked)
    except Conflict as refused:  # check_override checked it is the one the invariant names
        assert refused.code in ("override-unsafe", "clearance-needs-clinician")
        return
    except InputError as refused:
        assert refused.code == "override-empty"
        return
    assert decision.state.paused or (asked["role"] == "clinician"
                                     and decision.state.clinician_cleared)


@QUICK
@given(athlete_states(RULEBOOK, paused=False), overrides(action=st.sampled_from(RULE_ACTIONS),
                                                         clearance=st.none()))
def test_override_as_the_rules_apply(state: AthleteState, asked: dict[str, Any]) -> None:
    try:
        decision = check_override(ENGINE, state, on=TODAY,
                                  only=("override-as-the-rules-apply",), **asked)
    except Conflict as refused:  # a rise on the day of a back-off (P8-P10)
        assert refused.code == "override-conflict" and state.last_backoff_on == TODAY
        return
    assert decision.action is asked["action"] and decision.state.last_change_on == TODAY
    assert decision.state.recent_sessions == state.recent_sessions


@QUICK
@given(inputs(RULEBOOK), overrides(action=st.sampled_from((Action.PROGRESS, Action.ADVANCE)),
                                   role="clinician", clearance=True))
def test_no_rise_over_a_backoff_day(pair: tuple[AthleteState, CheckIn],
                                    asked: dict[str, Any]) -> None:
    answered = ENGINE.evaluate(*pair)
    backed_off = answered.action in CAUTIOUS or answered.state.last_backoff_on == answered.on
    try:
        check_override(ENGINE, answered.state, on=answered.on, after=answered,
                       only=("no-rise-over-a-backoff-day",), **asked)
    except Conflict as refused:
        assert refused.code == "override-conflict" and backed_off
    else:
        assert not backed_off


@QUICK
@given(athlete_states(RULEBOOK), st.sampled_from(Goal))
def test_goal_change_keeps_the_rung(state: AthleteState, goal: Goal) -> None:
    if goal is state.goal:
        return
    decision = check_change_goal(ENGINE, state, goal, on=TODAY,
                                 only=("goal-change-keeps-the-rung",))
    assert decision.state.paused == state.paused


RENAMED = derive(RULEBOOK, rename={s.id: f"{s.id}-2" for s in RULEBOOK.stages[1::2]},
                 label="renamed")
UPGRADES = [(Engine(RENAMED), {s.id: f"{s.id}-2" for s in RULEBOOK.stages[1::2]}),
            (Engine(_shorter(RULEBOOK, "unilateral")), None), (ENGINE, None)]


@QUICK
@given(athlete_states(RULEBOOK), st.sampled_from(UPGRADES))
def test_upgrade_keeps_the_rung(state: AthleteState,
                                upgrade: tuple[Engine, dict[str, str] | None]) -> None:
    engine, mapping = upgrade
    state = attrs.evolve(state, rulebook_digest=RULEBOOK.digest)
    decision = check_upgrade(engine, state, RULEBOOK, on=TODAY, mapping=mapping,
                             only=("upgrade-keeps-the-rung",))
    assert decision.state.dose_level <= state.dose_level


# ---------------------------------------------------------------- the prover

def test_the_prover_proves_the_changes_invariants() -> None:
    names = tuple(n for n in CHANGES if n in PROVABLE)
    report = prove(RULEBOOK, only=names)
    assert report.ok, str(report)
    assert report.seconds < 10


def test_override_made_states_are_reachable_and_inside_the_model() -> None:
    # An override may pause an athlete, or open a window, after the last check-in or
    # before the first: the reachability constraints, and the prover's model of the
    # check-ins that follow, hold those states too.
    model = Model.of(RULEBOOK, RULEBOOK, True, tuple(SIGNS))
    fresh = athlete()
    checked = ENGINE.evaluate(fresh, CheckIn(on=START + timedelta(days=1), completed=True,
                                             minutes=18)).state
    for state in (fresh, checked):
        for action in (Action.PAUSE, Action.DELOAD, Action.REST, Action.EASE):
            made = override(state, role="coach", action=action, on=START + timedelta(days=4))
            assert reachability_problems(RULEBOOK, made.state) == []
            for cleared in (False, True):
                after = CheckIn(on=START + timedelta(days=6), completed=True, minutes=18,
                                clinician_cleared=cleared)
                assert model.outside(made.state, after) == []


# ---------------------------------------------------------------- the state machine

class _Changes(athlete_machine(RULEBOOK, only=(*CHANGES, "pain-pauses"),  # type: ignore[misc]
                               liveness=False)):
    """The athlete state machine, checking the changes' invariants."""


def test_the_state_machine_draws_overrides_goal_changes_and_upgrades() -> None:
    run_state_machine_as_test(_Changes, settings=settings(
        max_examples=30, stateful_step_count=40, derandomize=True, database=None,
        deadline=None, suppress_health_check=[HealthCheck.too_slow]))
    stats = _Changes.stats
    for made in ("overrides", "refused", "retarget", "upgrade", "unmapped"):
        assert stats[made] >= 3, dict(stats)


# ---------------------------------------------------------------- mutants

class _LiftingEngine(Engine):
    """A deliberately broken engine: a coach's override lifts a pause."""

    def override(self, state: AthleteState, **asked: Any) -> Decision:
        if not state.paused or asked.get("role") == "clinician":
            return super().override(state, **asked)
        lifted = attrs.evolve(state, paused=False)
        made = super().override(lifted, **asked)
        return attrs.evolve(made, prior_state=state, prior_plan=self.plan(state))


def test_a_coach_override_that_lifts_a_pause_is_caught() -> None:
    engine = _LiftingEngine(RULEBOOK)
    paused = painful(athlete(), START + timedelta(days=1))
    with pytest.raises(InvariantViolation) as caught:
        check_override(engine, paused.state, on=START + timedelta(days=2), by="coach:x",
                       role="coach", reason="travel", action=Action.HOLD)
    assert caught.value.invariant == "override-keeps-pause"
    machine = athlete_machine(engine=engine, only=("override-keeps-pause",), liveness=False)
    with pytest.raises(InvariantViolation, match="override-keeps-pause"):
        run_state_machine_as_test(machine, settings=settings(
            max_examples=200, stateful_step_count=40, derandomize=True, database=None,
            deadline=None, suppress_health_check=[HealthCheck.too_slow],
            phases=[Phase.generate], report_multiple_bugs=False))  # found, not shrunk


@pytest.fixture
def fresh_walk() -> Any:
    tried.cache_clear()  # the prover's overrides, asked of the doctored engine
    yield
    tried.cache_clear()


def test_the_prover_finds_a_coach_override_that_lifts_a_pause(
        monkeypatch: pytest.MonkeyPatch, fresh_walk: Any) -> None:
    import footcore._engine as engine_module

    real = engine_module.override

    def lifting(rulebook: Rulebook, ref: Any, backend: str, state: AthleteState,
                **asked: Any) -> Decision:
        if not state.paused or asked["role"] == "clinician":
            return real(rulebook, ref, backend, state, **asked)
        made = real(rulebook, ref, backend, attrs.evolve(state, paused=False), **asked)
        return attrs.evolve(made, prior_state=state,
                            prior_plan=Engine(rulebook).plan(state))

    monkeypatch.setattr(engine_module, "override", lifting)
    result = prove(RULEBOOK, only=("override-keeps-pause",)).results["override-keeps-pause"]
    assert result.status == "counterexample", str(result)
    example = result.counterexample
    assert example is not None and example.state.paused
    assert example.decision.change is not None
    assert example.decision.change.role is footcore.models.Role.COACH


def test_a_deload_override_that_keeps_the_dose_is_a_counterexample(
        monkeypatch: pytest.MonkeyPatch, fresh_walk: Any) -> None:
    import footcore._changes as changes

    real = changes.changed_state

    def sticky(rulebook: Rulebook, state: AthleteState, on: date, action: Action,
               cleared: bool | None) -> AthleteState:
        new = real(rulebook, state, on, action, cleared)
        return attrs.evolve(new, dose_level=state.dose_level) if action is Action.DELOAD \
            else new

    monkeypatch.setattr(changes, "changed_state", sticky)
    result = prove(RULEBOOK, only=("override-as-the-rules-apply",)).results[
        "override-as-the-rules-apply"]
    assert result.status == "counterexample", str(result)
    example = result.counterexample
    assert example is not None and example.checkin is None
    assert example.decision.action is Action.DELOAD and "dose_level" in example.words()
    assert example.to_data()["change"]["kind"] == "override"


def test_a_rise_on_an_ease_day_is_a_counterexample(monkeypatch: pytest.MonkeyPatch,
                                                   fresh_walk: Any) -> None:
    import footcore._changes as changes
    from footcore._transition import BACK_OFF_ACTIONS

    monkeypatch.setattr(changes, "_CAUTIOUS", BACK_OFF_ACTIONS)  # an ease forgotten
    result = prove(RULEBOOK, only=("no-rise-over-a-backoff-day",)).results[
        "no-rise-over-a-backoff-day"]
    assert result.status == "counterexample", str(result)
    assert "override-conflict" in str(result.counterexample.violation)  # type: ignore[union-attr]


def test_a_goal_change_that_keeps_the_old_goals_plan_is_caught() -> None:
    class Stale(Engine):  # (the model itself refuses a change of goal that moves the rung)
        def change_goal(self, state: AthleteState, goal: Goal | str, **asked: Any
                        ) -> Decision:
            made = super().change_goal(state, goal, **asked)
            return attrs.evolve(made, plan=self.plan(attrs.evolve(made.state,
                                                                  goal=state.goal)))

    state = attrs.evolve(athlete(), stage="integration", dose_level=2)
    with pytest.raises(InvariantViolation, match="not the new goal's") as caught:
        check_change_goal(Stale(RULEBOOK), state, Goal.STRENGTH, on=START)
    assert caught.value.invariant == "goal-change-keeps-the-rung"


def test_an_upgrade_that_raises_the_dose_is_caught() -> None:
    class Raising(Engine):
        def upgrade(self, state: AthleteState, old: Rulebook, **asked: Any) -> Decision:
            made = super().upgrade(state, old, **asked)
            raised = attrs.evolve(made.state, dose_level=1)
            return attrs.evolve(made, state=raised, plan=self.plan(raised))

    state = athlete()  # at the first step of the first rung
    with pytest.raises(InvariantViolation) as caught:
        check_upgrade(Raising(RULEBOOK), state, RULEBOOK, on=START)
    assert caught.value.invariant == "upgrade-keeps-the-rung"
