"""Explanations and plan diffs: what a coach reads when a plan changes."""

from __future__ import annotations

from datetime import date, timedelta

import attrs

import footcore as fc
from footcore import Action, Engine, Location, Rulebook, Symptom, SymptomKind

START = date(2026, 1, 5)


def fresh(engine: Engine) -> fc.AthleteState:
    return engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)


def test_explain_names_the_winner_its_paragraph_facts_and_default_thresholds(
        engine: Engine) -> None:
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START + timedelta(days=2),
                                                         completed=True, symptoms=(stiff,)))
    text = fc.explain(decision)
    assert decision.action is Action.DELOAD
    assert "DELOAD" in text and "stiffness-deload (P9)" in text
    assert "severity=4" in text
    assert "stiffness_deload_min = 3 (footcore default)" in text
    # the consistency gate was eligible too, and lost to the deload
    assert "overridden by the more conservative deload" in text
    assert "consistency-gate would hold" in text


def test_firings_record_the_params_they_compared_against(engine: Engine,
                                                         rulebook: Rulebook) -> None:
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START, completed=True,
                                                         symptoms=(stiff,)))
    (firing,) = [f for f in decision.firings if f.rule_id == "stiffness-deload"]
    param = rulebook.params["stiffness_deload_min"]
    assert firing.params == (fc.ParamUse("stiffness_deload_min", param.value, param.is_default),)


def test_explain_says_when_no_rule_fired(engine: Engine, rulebook: Rulebook) -> None:
    window = rulebook.whole("min_sessions_in_window")
    sessions = tuple(START + timedelta(days=n) for n in range(window))
    state = attrs.evolve(fresh(engine), recent_sessions=sessions, last_checkin_on=sessions[-1],
                         last_session_on=sessions[-1], last_change_on=sessions[-1])
    decision = engine.evaluate(state, fc.CheckIn(on=sessions[-1] + timedelta(days=1),
                                                 completed=True))
    assert decision.firings == ()
    assert decision.action is rulebook.meta.default_action
    assert "No rule fired" in fc.explain(decision)


def test_diff_of_a_plan_with_itself_is_empty(engine: Engine) -> None:
    plan = engine.plan(fresh(engine))
    assert fc.diff(plan, plan) == ()


def test_diff_shows_a_deload_lowering_doses(engine: Engine) -> None:
    state = attrs.evolve(fresh(engine), stage="control", dose_level=2)
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=5)
    decision = engine.evaluate(state, fc.CheckIn(on=START, completed=True, symptoms=(stiff,)))
    changes = fc.diff(engine.plan(state), decision.plan)
    kinds = {c.kind for c in changes}
    assert "mode" in kinds and "dose" in kinds
    assert any(c.kind == "mode" and c.after == "deload" for c in changes)


def test_diff_shows_rest_removing_sessions(engine: Engine, rulebook: Rulebook) -> None:
    state = attrs.evolve(fresh(engine), stage="control")
    sore = Symptom(SymptomKind.IRRITATION, Location.BALL_OF_FOOT,
                   severity=rulebook.whole("irritation_rest_min"))
    decision = engine.evaluate(state, fc.CheckIn(on=START, completed=True, symptoms=(sore,)))
    assert decision.action is Action.REST
    (sessions,) = [c for c in fc.diff(engine.plan(state), decision.plan)
                   if c.kind == "sessions"]
    assert (sessions.before, sessions.after) == (
        str(rulebook.whole("sessions_per_week")), str(rulebook.whole("rest_sessions_per_week")))


def test_diff_shows_exercises_coming_in_and_going_out_on_advance(engine: Engine) -> None:
    before = attrs.evolve(fresh(engine), stage="control")
    after = attrs.evolve(before, stage="unilateral")
    changes = fc.diff(engine.plan(before), engine.plan(after))
    added = {c.subject for c in changes if c.kind == "added"}
    removed = {c.subject for c in changes if c.kind == "removed"}
    assert "slow_controlled_hops" in added
    assert added and removed
    assert all(str(c) for c in changes)
