"""Explanations and plan diffs: what a coach reads when a plan changes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import attrs
import pytest

import footcore as fc
import footcore.models
from footcore import Action, Engine, Location, Symptom, SymptomKind
from footcore._conditions import Op
from footcore._rulebook import Condition
from footcore._rulebook_loading import assemble
from footcore.models import Rulebook

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
    assert "7 Jan 2026, athlete a-1: DELOAD: lowers volume and intensity" in text
    assert "stiffness-deload (article P9)" in text
    assert "Seen: stiffness 4/10 under the arch on 7 Jan 2026." in text
    assert "severity at least 3 (stiffness_deload_min; severity 0-10; footcore default)" in text
    # the consistency gate was eligible too, and lost to the deload
    assert "overridden by the more conservative deload" in text
    assert "consistency-gate would hold (article P2, P3)" in text
    assert "Seen: 1 session done in the recent window." in text
    # what it does to the week
    assert "Before: stage baseline, dose step 0: 3 sessions a week, normal plan." in text
    assert "After:  stage baseline, dose step 0: 3 sessions a week, deload plan until " \
           "14 Jan 2026." in text
    assert "plan mode: normal -> deload" in text
    assert "Seated toe curl with hold: 3 x 10 reps, 10 s hold -> 3 x 6 reps, 8 s hold " \
           "(reps -4, hold -2 s)" in text
    assert f"digest {decision.rulebook.digest[:12]}" in text


def test_an_explanation_writes_every_date_one_way(engine: Engine) -> None:
    """The plan's notes of a rest window give their dates as the rest of the text does
    (``12 Jan 2026``), not in ISO form beside them."""
    sore = Symptom(SymptomKind.IRRITATION, Location.ARCH, severity=5)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START, completed=True,
                                                         minutes=15, symptoms=(sore,)))
    text = fc.explain(decision)
    assert decision.action is Action.REST
    assert "Note: Rest days until 8 Jan 2026:" in text
    assert "Note: Deload until 12 Jan 2026:" in text
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None


def test_firings_record_the_params_they_compared_against(engine: Engine,
                                                         rulebook: Rulebook) -> None:
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START, completed=True,
                                                         symptoms=(stiff,)))
    (firing,) = [f for f in decision.firings if f.rule_id == "stiffness-deload"]
    param = rulebook.params["stiffness_deload_min"]
    assert firing.params == (fc.models.ParamUse("stiffness_deload_min", param.value,
                                                param.is_default, param.unit, "severity", "ge"),)


def test_a_default_hold_names_the_gate_that_holds_it(engine: Engine,
                                                     rulebook: Rulebook) -> None:
    """P2: a hold where no rule fired says which next step is closed, citing its paragraphs,
    and what it still needs, with the athlete's values and the thresholds."""
    window = rulebook.whole("min_sessions_in_window")
    sessions = tuple(START + timedelta(days=n) for n in range(window))
    state = attrs.evolve(fresh(engine), recent_sessions=sessions, last_checkin_on=sessions[-1],
                         last_session_on=sessions[-1], last_change_on=sessions[-1])
    decision = engine.evaluate(state, fc.CheckIn(on=sessions[-1] + timedelta(days=1),
                                                 completed=True))
    assert decision.firings == ()
    assert decision.action is rulebook.meta.default_action
    (gate,) = decision.why_not
    assert gate.rule_id == "progress-dose" and gate.source == ("P2", "P10")
    assert [(u.field, u.actual, u.needed) for u in gate.unmet] == [
        ("clean_streak", 1, rulebook.whole("progress_clean_streak")),
        ("days_at_dose", 1, rulebook.whole("min_days_per_step")),
    ]
    text = fc.explain(decision)
    assert ("No rule fired; hold is the rulebook's default action, kept until the next "
            "step's conditions are met: progress-dose (article P2, P10)." in text)
    assert "clean sessions in a row: 1, needs at least 2 (footcore default)" in text
    assert "days at this dose: 1, needs at least 7 (footcore default)" in text
    data = fc.explain(decision, format="dict")
    assert data["no_rule_fired"] is True
    assert data["why_not"][0]["unmet"][0]["text"] == (
        "clean sessions in a row: 1, needs at least 2 (footcore default)")


def test_an_unmet_condition_on_a_set_of_values_says_which_it_needs(engine: Engine,
                                                                    rulebook: Rulebook) -> None:
    """A gate's condition may list the values it accepts ("in"); its decision is built, read
    back and explained like any other (it used to fail the check of Unmet.needed)."""
    rules = [attrs.evolve(rule, when=(*rule.when, Condition("minutes", Op.IN, [18, 19, 20])))
             if rule.id == "progress-dose" else rule for rule in rulebook.rules]
    picky = Engine(assemble(rulebook.meta, rulebook.params, rulebook.exercises.values(),
                            rulebook.stages, rules, location="test"), backend="native")
    state = attrs.evolve(fresh(engine), rulebook_digest=picky.rulebook.digest)
    decision = picky.evaluate(state, fc.CheckIn(on=START + timedelta(days=1), completed=True,
                                                minutes=15))
    (gate,) = decision.why_not
    (minutes,) = [u for u in gate.unmet if u.field == "minutes"]
    assert (minutes.op, minutes.needed, minutes.actual) == ("in", (18, 19, 20), 15)
    assert fc.from_json(fc.to_json(decision), fc.Decision) == decision
    assert "minutes trained: 15, needs one of 18, 19, 20" in fc.explain(decision)


def ready_for_unilateral(engine: Engine, rulebook: Rulebook, **changes: object
                         ) -> fc.AthleteState:
    """A clean, consistent athlete at the top dose of short-foot control."""
    last = START + timedelta(days=60)
    sessions = tuple(last - timedelta(days=2 * n) for n in range(4, -1, -1))
    fields: dict[str, object] = {
        "stage": "control", "dose_level": len(rulebook.stage("control").steps) - 1,
        "recent_sessions": sessions, "last_checkin_on": last, "last_session_on": last,
        "last_change_on": START + timedelta(days=30), "clean_streak": 5,
        "consecutive_completed": 5,
    }
    fields.update(changes)
    return attrs.evolve(fresh(engine), **fields)


def test_a_metric_never_recorded_cannot_be_assessed(engine: Engine, rulebook: Rulebook) -> None:
    """P11: with no balance time on record the athlete is told to record one, never that
    they failed it; a logged decision answers it without the rulebook."""
    state = ready_for_unilateral(engine, rulebook)
    on = state.last_checkin_on + timedelta(days=2)  # type: ignore[operator]
    decision = engine.evaluate(state, fc.CheckIn(on=on, completed=True))
    assert decision.action is Action.HOLD
    (gate,) = decision.why_not
    (unmet,) = gate.unmet
    assert (gate.rule_id, unmet.field, unmet.actual, unmet.assessable) == (
        "advance-control", "balance_eyes_open_s", None, False)
    expected = ("single-leg balance with eyes open: cannot be assessed: record single-leg "
                "balance with eyes open (seconds, best of three) to move on")
    logged = fc.from_json(fc.to_json(decision), fc.Decision)
    assert logged == decision
    assert f"Not yet: {expected}." in fc.explain(logged)

    threshold = rulebook.number("balance_open_for_unilateral")
    short = fc.Metrics(balance_eyes_open_s=threshold - 8)
    measured = engine.evaluate(state, fc.CheckIn(on=on, completed=True, metrics=short))
    assert (f"Not yet: single-leg balance with eyes open: {threshold - 8:g} s, needs at "
            f"least {threshold:g} s (footcore default).") in fc.explain(measured)


def test_every_decision_carries_what_the_next_step_needs(engine: Engine,
                                                         rulebook: Rulebook) -> None:
    """P2, P10: a back-off still says what the next step waits for; a rise carries none."""
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    state = ready_for_unilateral(engine, rulebook, dose_level=1,
                                 metrics=fc.Metrics(balance_eyes_open_s=40.0))
    on = state.last_checkin_on + timedelta(days=2)  # type: ignore[operator]
    backed_off = engine.evaluate(state, fc.CheckIn(on=on, completed=True, symptoms=(stiff,)))
    assert backed_off.action is Action.DELOAD
    assert [(w.rule_id, [u.field for u in w.unmet]) for w in backed_off.why_not] == [
        ("progress-dose", ["clean_streak"])]
    rose = engine.evaluate(state, fc.CheckIn(on=on, completed=True))
    assert rose.action is Action.PROGRESS
    assert rose.why_not == ()


def test_diff_of_a_plan_with_itself_is_empty(engine: Engine) -> None:
    plan = engine.plan(fresh(engine))
    assert fc.diff(plan, plan) == ()


def test_diff_shows_a_deload_lowering_doses_by_how_much(engine: Engine) -> None:
    state = attrs.evolve(fresh(engine), stage="control", dose_level=2)
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=5)
    decision = engine.evaluate(state, fc.CheckIn(on=START, completed=True, symptoms=(stiff,)))
    changes = fc.diff(engine.plan(state), decision.plan)
    kinds = {c.kind for c in changes}
    assert "mode" in kinds and "dose" in kinds
    assert any(c.kind == "mode" and c.after == "deload" for c in changes)
    (hold,) = [c for c in changes if c.subject == "short_foot_hold"]
    # dose level 2 -> 1 (factors 1.2 -> 1.1) and the deload's factors on reps and holds
    assert (hold.name, hold.before, hold.after, hold.detail) == (
        "Short-foot hold", "3 x 12 reps, 12 s hold", "3 x 7 reps, 9 s hold",
        "reps -5, hold -3 s")
    assert str(hold) == ("Short-foot hold: 3 x 12 reps, 12 s hold -> 3 x 7 reps, 9 s hold "
                         "(reps -5, hold -3 s)")


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
    assert sessions.detail.startswith("dropped: ")
    assert str(sessions).startswith("sessions per week: 3 -> 1 (dropped: ")


def test_diff_shows_exercises_coming_in_and_going_out_on_advance(engine: Engine) -> None:
    before = attrs.evolve(fresh(engine), stage="control")
    after = attrs.evolve(before, stage="unilateral")
    changes = fc.diff(engine.plan(before), engine.plan(after))
    added = {c.subject for c in changes if c.kind == "added"}
    removed = {c.subject for c in changes if c.kind == "removed"}
    assert "slow_controlled_hops" in added
    assert added and removed
    (hops,) = [c for c in changes if c.subject == "slow_controlled_hops"]
    assert str(hops) == "in: Slow, controlled single-leg hops (2 x 10 reps)"
    assert all(str(c) for c in changes)


def test_facts_are_said_in_plain_words(engine: Engine) -> None:
    state = attrs.evolve(fresh(engine), stage="unilateral", last_session_on=START,
                         last_checkin_on=START)
    valgus = fc.Compensation(fc.CompensationKind.KNEE_VALGUS, "slow_controlled_hops")
    decision = engine.evaluate(state, fc.CheckIn(on=START + timedelta(days=8), completed=True,
                                                 compensations=(valgus,)))
    text = fc.explain(decision)
    assert decision.action is Action.REGRESS
    assert "Seen: knee valgus in slow, controlled single-leg hops on 13 Jan 2026." in text
    assert "Seen: session done; 8 days since the last session; not a short session." in text
    assert "short-layoff-deload would deload (footcore default)" in text
    assert ("days since the last session at least 7 (short_layoff_days; days; footcore "
            "default); days since the last session under 22 (long_layoff_days" in text)


def test_a_lasting_symptom_says_how_long(engine: Engine) -> None:
    sore = Symptom(SymptomKind.IRRITATION, Location.BALL_OF_FOOT, severity=2, days=6)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START, completed=True,
                                                         symptoms=(sore,)))
    assert decision.action is Action.PAUSE
    assert ("irritation 2/10 under the ball of the foot on 5 Jan 2026, lasting 6 days"
            in fc.explain(decision))
    assert "lasting-symptom-pause (article P10; footcore default)" in fc.explain(decision)


def test_every_checkin_fact_field_has_words() -> None:
    from footcore._conditions import FACT_FIELDS, FactType
    from footcore._explain import _PHRASES

    assert set(FACT_FIELDS[FactType.CHECKIN]) <= set(_PHRASES)


def test_the_dict_form_holds_what_the_text_says(engine: Engine) -> None:
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START + timedelta(days=2),
                                                         completed=True, symptoms=(stiff,)))
    data = fc.explain(decision, format="dict")
    assert json.loads(json.dumps(data)) == data  # plain JSON data, ready for an app
    assert (data["action"], data["date"], data["athlete_id"]) == ("deload", "2026-01-07", "a-1")
    assert data["before"] == {"stage": "baseline", "dose_level": 0, "mode": "normal",
                              "sessions": 3, "until": None}
    assert data["after"]["until"] == "2026-01-14"
    (winner,) = data["winners"]
    assert winner["rule_id"] == "stiffness-deload" and winner["sources"] == ["P9"]
    assert winner["facts"] == ["stiffness 4/10 under the arch on 7 Jan 2026"]
    assert winner["thresholds"] == [{"name": "stiffness_deload_min", "value": 3,
                                     "unit": "severity 0-10", "field": "severity", "op": "ge",
                                     "footcore_default": True}]
    (lost,) = data["overridden"]
    assert (lost["rule_id"], lost["overridden_by"]) == ("consistency-gate", "deload")
    assert "more conservative" in lost["why"]
    assert {"kind": "mode", "subject": "plan", "before": "normal", "after": "deload",
            "name": "", "detail": ""} in data["plan_changes"]
    assert data["cues"] == list(decision.plan.cues) and data["notes"]


def test_explain_refuses_an_unknown_format(engine: Engine) -> None:
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START, completed=True))
    with pytest.raises(ValueError, match="'html'"):
        fc.explain(decision, format="html")  # type: ignore[call-overload]


def test_a_decision_read_back_explains_the_same(engine: Engine) -> None:
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    decision = engine.evaluate(fresh(engine), fc.CheckIn(on=START, completed=True,
                                                         symptoms=(stiff,)))
    again = fc.from_json(fc.to_json(decision), fc.Decision)
    assert again == decision
    assert fc.explain(again) == fc.explain(decision)


def test_a_decision_carries_the_plan_it_replaces(engine: Engine) -> None:
    state = attrs.evolve(fresh(engine), stage="control", dose_level=2)
    held = engine.evaluate(state, fc.CheckIn(on=START, completed=False))
    assert held.prior_plan == engine.plan(state)
    assert fc.diff(held.prior_plan, held.plan) == ()
    assert "What changes in the plan" not in fc.explain(held)
    stiff = Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=5)
    deload = engine.evaluate(held.state, fc.CheckIn(on=START + timedelta(days=2),
                                                    completed=True, symptoms=(stiff,)))
    # the plan the athlete was on, as the previous decision gave it (less that one's cues)
    assert deload.prior_plan == attrs.evolve(held.plan, cues=())
    assert fc.diff(deload.prior_plan, deload.plan) == fc.diff(held.plan, deload.plan) != ()


# ---------------------------------------------------------------- issue 21 review: a goal change


def test_a_goal_change_that_leaves_the_plan_says_so() -> None:
    """P12: on a rung every goal trains alike, a goal change's explanation had no plan
    section at all, so a reader could not tell whether the new goal's work was missing; it
    says the plan stays the same. Where the work differs, the changes are listed instead."""
    engine = fc.Engine(backend="native")
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    same = fc.explain(engine.change_goal(state, fc.Goal.STRENGTH, on=date(2026, 1, 6)))
    assert "The plan stays the same: this rung plans the same work for both goals." in same
    assert "What changes in the plan" not in same
    last = attrs.evolve(state, stage=engine.rulebook.stages[-2].id)
    other = fc.explain(engine.change_goal(last, fc.Goal.STRENGTH, on=date(2026, 1, 6)))
    assert "What changes in the plan:" in other and "The plan stays the same" not in other
