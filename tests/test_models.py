"""Input validation of the domain models, the JSON converter, and the engine's input checks."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import attrs
import pytest

import footcore
import footcore.models
from footcore import (
    AthleteState,
    CheckIn,
    Compensation,
    CompensationKind,
    Decision,
    Engine,
    Goal,
    InputError,
    Location,
    Metrics,
    Symptom,
    SymptomKind,
)
from footcore._conditions import Op
from footcore._models import CONDITION_OPS
from footcore.models import BackOff, Unmet, WeekPlan

START = date(2026, 1, 5)
DAY = date(2026, 1, 7)
VALID: dict[type, dict[str, Any]] = {
    Symptom: {"kind": SymptomKind.SORENESS, "location": Location.ARCH, "severity": 3},
    Compensation: {"kind": CompensationKind.TOE_GRIPPING},
    Metrics: {},
    CheckIn: {"on": DAY, "completed": True},
    AthleteState: {"athlete_id": "a-1", "goal": Goal.RUNNER, "stage": "control",
                   "dose_level": 0, "started_on": START, "rulebook_digest": "ab" * 32},
}


def make(model: type, /, **changes: Any) -> Any:
    """A valid ``model`` with ``changes`` applied."""
    return model(**{**VALID[model], **changes})


def input_error(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, footcore.FootcoreError)
    return str(info.value)


def checkin_json(**fields: Any) -> str:
    return json.dumps({"on": DAY.isoformat(), "completed": True, **fields})


def assert_keys_sorted(text: str) -> None:
    def check(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        assert keys == sorted(keys)
        return dict(pairs)

    json.loads(text, object_pairs_hook=check)


# ---------------------------------------------------------------- constructors


@pytest.mark.parametrize("kind", list(VALID))
def test_valid_values_construct(kind: type) -> None:
    assert attrs.asdict(make(kind)) == attrs.asdict(make(kind))


BAD_VALUES = [
    # (model, field, bad value, what the message must offer as accepted)
    (Symptom, "severity", 11, "0 to 10"),
    (Symptom, "severity", -1, "0 to 10"),
    (Symptom, "severity", 3.5, "whole number"),
    (Symptom, "severity", True, "whole number"),
    (Symptom, "kind", "ouch", "'sharp_pain'"),
    (Symptom, "location", "shin", "'ball_of_foot'"),
    (Symptom, "days", -1, "0 or more"),
    (Compensation, "kind", "ouch", "'knee_valgus'"),
    (Compensation, "exercise", "", "non-empty string"),
    (Metrics, "balance_eyes_open_s", -1, "0 or more"),
    (Metrics, "balance_eyes_open_s", math.nan, "finite number"),
    (Metrics, "balance_eyes_closed_s", math.inf, "finite number"),
    (Metrics, "balance_eyes_closed_s", "12", "finite number"),
    (Metrics, "forefoot_symmetry", 1.5, "0 to 1"),
    (Metrics, "foot_fatigue", 11, "0 to 10"),
    (Metrics, "foot_fatigue", False, "finite number"),
    (CheckIn, "on", "2026-01-07", "date"),
    (CheckIn, "on", datetime(2026, 1, 7, 9, 30), "date"),
    (CheckIn, "completed", 1, "true or false"),
    (CheckIn, "minutes", -5, "0 to 600"),
    (CheckIn, "minutes", 18.0, "whole number"),
    (CheckIn, "symptoms", ("soreness",), "Symptom"),
    (CheckIn, "compensations", (Symptom(SymptomKind.SORENESS, Location.ARCH, 1),),
     "Compensation"),
    (CheckIn, "metrics", {"foot_fatigue": 3}, "Metrics"),
    (CheckIn, "clinician_cleared", "yes", "true or false"),
    (AthleteState, "athlete_id", " ", "first and last visible"),
    (AthleteState, "goal", "sprinter", "'runner'"),
    (AthleteState, "dose_level", -1, "0 or more"),
    (AthleteState, "started_on", None, "date"),
    (AthleteState, "recent_sessions", ("2026-01-06",), "dates"),
    (AthleteState, "clean_streak", 1.5, "whole number"),
]


@pytest.mark.parametrize(("kind", "field", "bad", "accepted"), BAD_VALUES,
                         ids=[f"{k.__name__}.{f}={b!r}" for k, f, b, _ in BAD_VALUES])
def test_bad_value_names_the_field_and_what_is_accepted(kind: type, field: str, bad: Any,
                                                        accepted: str) -> None:
    message = input_error(make, kind, **{field: bad})
    assert f"{kind.__name__}.{field}" in message
    assert accepted in message
    assert repr(bad) in message


def test_backoff_without_an_end_date_is_rejected() -> None:
    message = input_error(make, AthleteState, backoff=BackOff.DELOAD)
    assert "AthleteState.backoff_until" in message
    assert "'deload'" in message and "'rest'" in message


def test_end_date_without_a_backoff_is_rejected() -> None:
    message = input_error(make, AthleteState, backoff_until=DAY)
    assert "AthleteState.backoff_until" in message
    assert "'none'" in message


def test_backoff_with_an_end_date_is_accepted() -> None:
    state = make(AthleteState, backoff=BackOff.REST, backoff_until=DAY)
    assert (state.backoff, state.backoff_until) == (BackOff.REST, DAY)


def test_lists_are_accepted_as_tuples() -> None:
    soreness = make(Symptom)
    checkin = make(CheckIn, symptoms=[soreness])
    assert checkin.symptoms == (soreness,)


def test_models_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        make(Symptom).severity = 4  # type: ignore[misc]


# ---------------------------------------------------------------- JSON in


def test_text_that_is_not_json() -> None:
    message = input_error(footcore.from_json, "{on: tuesday", CheckIn)
    assert "CheckIn" in message
    assert "JSON" in message


def test_json_that_is_not_an_object() -> None:
    message = input_error(footcore.from_json, "[1, 2]", CheckIn)
    assert "CheckIn" in message
    assert "object" in message


@pytest.mark.parametrize(("text", "path", "named"), [
    (json.dumps({"completed": True}), "$.on", "missing"),
    (checkin_json(mood="fine"), "$", "mood"),
    (checkin_json(symptoms=[{"kind": "sorness", "location": "arch", "severity": 3}]),
     "$.symptoms[0].kind", "sorness"),
    (checkin_json(symptoms=[{"kind": "soreness", "location": "arch", "severity": 3,
                             "colour": "red"}]), "$.symptoms[0]", "colour"),
    (checkin_json(compensations=[{"kind": "toe_griping"}]), "$.compensations[0].kind",
     "toe_griping"),
    (checkin_json(completed="yes"), "$.completed", "true or false"),
    (json.dumps({"on": 20260107, "completed": True}), "$.on", "YYYY-MM-DD"),
    (json.dumps({"on": "07/01/2026", "completed": True}), "$.on", "YYYY-MM-DD"),
    (checkin_json(minutes="18"), "$.minutes", "whole number"),
    (checkin_json(metrics={"foot_fatigue": "high"}), "$.metrics.foot_fatigue",
     "finite number"),
    (checkin_json(symptoms=[{"kind": "soreness", "location": "arch", "severity": 11}]),
     "$.symptoms[0]", "Symptom.severity"),
])
def test_bad_json_names_the_path(text: str, path: str, named: str) -> None:
    message = input_error(footcore.from_json, text, CheckIn)
    assert f"@ {path}" in message
    assert named in message


def test_a_string_where_a_list_belongs_is_rejected(engine: Engine) -> None:
    """A JSON string is not a list of its characters: "cues": "Breathe" must not load as
    ('B', 'r', 'e', ...)."""
    plan = engine.plan(engine.new_athlete("a-1", goal=Goal.RUNNER, start=START))
    data = json.loads(footcore.to_json(plan))
    data["cues"] = "Breathe slowly."
    message = input_error(footcore.from_json, json.dumps(data), WeekPlan)
    assert "$.cues" in message


# ---------------------------------------------------------------- round trips


def full_checkin() -> CheckIn:
    return CheckIn(
        on=DAY, completed=True, minutes=18,
        symptoms=(Symptom(SymptomKind.STIFFNESS, Location.ARCH, 4, days=1),
                  Symptom(SymptomKind.SORENESS, Location.TOES, 2)),
        compensations=(Compensation(CompensationKind.TOE_GRIPPING, "short_foot_hold"),
                       Compensation(CompensationKind.HEEL_LIFT)),
        metrics=Metrics(balance_eyes_open_s=32.5, forefoot_symmetry=0.8),
        clinician_cleared=True,
    )


def full_state(engine: Engine) -> AthleteState:
    state = engine.new_athlete("a-1", goal=Goal.STRENGTH, start=START,
                               prior_foot_ankle_problems=True)
    return attrs.evolve(
        state, stage="control", dose_level=2, backoff=BackOff.DELOAD, backoff_until=DAY,
        last_backoff_on=START, last_change_on=START, last_checkin_on=START,
        last_session_on=START, recent_sessions=(START,), consecutive_completed=1, clean_streak=1,
        metrics=Metrics(balance_eyes_closed_s=9.0, foot_fatigue=3))


def full_decision(engine: Engine) -> Decision:
    decision = engine.evaluate(full_state(engine), full_checkin())
    assert decision.overridden, "the round trip should cover overridden firings"
    return decision


def round_trip(value: Any) -> Any:
    return footcore.from_json(footcore.to_json(value), type(value))


def test_checkin_round_trip() -> None:
    checkin = full_checkin()
    assert round_trip(checkin) == checkin


def test_state_round_trip(engine: Engine) -> None:
    state = full_state(engine)
    assert round_trip(state) == state


def test_decision_round_trip(engine: Engine) -> None:
    decision = full_decision(engine)
    again = round_trip(decision)
    assert again == decision
    assert again.firings == decision.firings
    assert again.plan == decision.plan


def test_from_json_accepts_bytes() -> None:
    checkin = full_checkin()
    assert footcore.from_json(footcore.to_json(checkin).encode(), CheckIn) == checkin


def test_to_json_is_deterministic_with_sorted_keys(engine: Engine) -> None:
    first = footcore.to_json(full_decision(engine))
    assert footcore.to_json(full_decision(engine)) == first
    assert footcore.to_json(footcore.from_json(first, Decision)) == first
    assert_keys_sorted(first)
    assert_keys_sorted(footcore.to_json(full_checkin(), indent=2))


def test_equal_metrics_give_identical_json() -> None:
    """Same inputs, byte-identical JSON: a whole-number metric equals its float, so both must
    serialise alike (else JSON -> model -> JSON is not stable)."""
    whole, real = Metrics(foot_fatigue=3), Metrics(foot_fatigue=3.0)
    assert whole == real
    assert footcore.to_json(whole) == footcore.to_json(real)


def test_dates_and_enums_are_plain_json(engine: Engine) -> None:
    data = json.loads(footcore.to_json(full_state(engine)))
    assert data["started_on"] == START.isoformat()
    assert data["goal"] == "strength"
    assert data["backoff"] == "deload"
    assert data["metrics"]["balance_eyes_open_s"] is None


# ---------------------------------------------------------------- the engine's input checks


def test_checkin_before_the_last_one_is_rejected(engine: Engine) -> None:
    state = attrs.evolve(engine.new_athlete("a-1", goal=Goal.RUNNER, start=START),
                         last_checkin_on=DAY)
    message = input_error(engine.evaluate, state, make(CheckIn, on=date(2026, 1, 6)))
    assert "CheckIn.on" in message
    assert DAY.isoformat() in message
    assert engine.evaluate(state, make(CheckIn, on=DAY)).state.last_checkin_on == DAY


def test_checkin_before_the_start_is_rejected(engine: Engine) -> None:
    state = engine.new_athlete("a-1", goal=Goal.RUNNER, start=DAY)
    message = input_error(engine.evaluate, state, make(CheckIn, on=START))
    assert "CheckIn.on" in message
    assert DAY.isoformat() in message


def test_state_in_an_unknown_stage_is_rejected(engine: Engine) -> None:
    state = make(AthleteState, stage="sprinting")
    message = input_error(engine.evaluate, state, make(CheckIn))
    assert "AthleteState.stage" in message
    assert "sprinting" in message
    assert all(stage.id in message for stage in engine.rulebook.stages)
    assert "AthleteState.stage" in input_error(engine.plan, state)


def test_dose_level_beyond_the_stage_steps_is_rejected(engine: Engine) -> None:
    steps = len(engine.rulebook.stage("control").steps)
    state = make(AthleteState, stage="control", dose_level=steps)
    message = input_error(engine.evaluate, state, make(CheckIn))
    assert "AthleteState.dose_level" in message
    assert f"0 to {steps - 1}" in message
    assert "AthleteState.dose_level" in input_error(engine.plan, state)


def test_compensation_in_an_unknown_exercise_is_rejected(engine: Engine) -> None:
    checkin = make(CheckIn, compensations=(
        Compensation(CompensationKind.HEEL_LIFT, "short_foot_hold"),
        Compensation(CompensationKind.KNEE_VALGUS, "box_jumps")))
    message = input_error(engine.evaluate, make(AthleteState), checkin)
    assert "CheckIn.compensations[1].exercise" in message
    assert "box_jumps" in message


def test_wrong_argument_types_are_rejected(engine: Engine) -> None:
    assert "AthleteState" in input_error(engine.evaluate, VALID[AthleteState], make(CheckIn))
    assert "CheckIn" in input_error(engine.evaluate, make(AthleteState), VALID[CheckIn])


def test_unknown_backend_is_rejected(rulebook: footcore.models.Rulebook) -> None:
    message = input_error(footcore.Engine, rulebook, backend="bogus")
    assert "bogus" in message
    for name in ("auto", "durable", "native"):
        assert name in message


def test_unmet_conditions_name_an_operator_of_the_condition_language() -> None:
    assert tuple(op.value for op in Op) == CONDITION_OPS
    with pytest.raises(InputError, match=r"Unmet\.op"):
        Unmet(field="days_at_dose", op="", needed=7, actual=2)
    with pytest.raises(InputError, match=r"Unmet\.needed"):
        Unmet(field="stage", op="in", needed="control", actual="baseline")


# ---------------------------------------------------------------- issue 21: P1, P10, P11


def test_awareness_is_a_set_of_observations_in_the_enum_order() -> None:
    """P1: the finding is kept once per observation, in one order, so equal findings are
    equal states and serialise alike; strings are read as the enum's values."""
    state = make(AthleteState, awareness=["over_gripping", "flattening", "over_gripping"])
    assert state.awareness == (footcore.Observation.FLATTENING,
                               footcore.Observation.OVER_GRIPPING)
    assert make(AthleteState).awareness == ()
    assert "AthleteState.awareness" in input_error(make, AthleteState, awareness=["flat"])
    checkin = make(CheckIn, observations=["flattening"])
    assert checkin.observations == (footcore.Observation.FLATTENING,)
    assert "CheckIn.observations" in input_error(make, CheckIn, observations="flattening")


@pytest.mark.parametrize(("fields", "problem"), [
    ({"sets": 1, "reps": 2, "hold_s": 30, "form": "duration"}, "a 'duration'"),
    ({"sets": 2, "reps": 1, "hold_s": 0, "form": "duration"}, "a 'duration'"),
    ({"sets": 2, "reps": 1, "hold_s": 0, "form": "instruction"}, "an 'instruction'"),
    ({"sets": 1, "reps": 1, "hold_s": 5, "form": "instruction"}, "an 'instruction'"),
    ({"sets": 1, "reps": 1, "form": "minutes"}, "Dose.form: got 'minutes'"),
])
def test_a_dose_form_refuses_counts_it_cannot_mean(fields: dict[str, Any], problem: str) -> None:
    """P10, P11: a duration is timed bouts of one rep; an instruction has no count."""
    assert problem in input_error(footcore.models.Dose, **fields)


def test_dose_forms_read_as_what_to_do() -> None:
    """P10, P11: how each form is written for the athlete."""
    from footcore._words import prescribed
    assert prescribed(footcore.models.Dose(1, 1, 58, form="duration")) == "58 s"
    assert prescribed(footcore.models.Dose(3, 1, 90, form="duration")) == "3 x 1 min 30 s"
    assert prescribed(footcore.models.Dose(3, 10, form="daily")) == "10 reps, 3 times a day"
    assert prescribed(footcore.models.Dose(1, 1, 30, form="daily")) == "30 s, once a day"
    assert prescribed(footcore.models.Dose(2, 1, form="daily")) == "twice a day"
    assert prescribed(footcore.models.Dose(1, 1, form="instruction")) == "every day"
    assert prescribed(footcore.models.Dose(3, 10, 5)) is None  # sets x reps: each view's own way


# ---------------------------------------------------------------- issue 21 review: JSON shapes


@pytest.mark.parametrize(("field", "value", "path"), [
    ("observations", None, "$.observations"),
    ("observations", 3, "$.observations"),
    ("symptoms", None, "$.symptoms"),
    ("symptoms", [3], "$.symptoms[0]"),
    ("metrics", "fast", "$.metrics"),
])
def test_a_json_value_of_the_wrong_shape_is_named_in_footcore_words(
        field: str, value: object, path: str) -> None:
    """null where a list belongs, or a number where an object does, was refused with
    Python's own words ("'NoneType' object is not iterable")."""
    text = json.dumps({"on": "2026-01-02", "completed": True, field: value})
    with pytest.raises(footcore.InputError) as caught:
        footcore.from_json(text, footcore.CheckIn)
    message = str(caught.value)
    assert caught.value.code == "invalid-input" and caught.value.field == path
    assert "expected a list" in message or "expected an object of named fields" in message
    assert "iterable" not in message and "attribute" not in message


def test_a_goal_change_holds_its_day_and_its_goals_as_the_engine_makes_them() -> None:
    """P12: a RETARGET read from a file came in any order with its check-ins, and its
    explanation could name goals the states do not have ('goal now: everyday' for a move to
    strength), and explain said what the firing said."""
    engine = footcore.Engine(backend="native")
    state = engine.new_athlete("a-1", goal=footcore.Goal.RUNNER, start=date(2026, 1, 5))
    state = engine.evaluate(state, footcore.CheckIn(on=date(2026, 1, 9), completed=True)).state
    made = engine.change_goal(state, footcore.Goal.STRENGTH, on=date(2026, 1, 9))
    early = attrs.evolve(made.state, last_change_on=date(2026, 1, 8))
    assert made.change is not None
    with pytest.raises(footcore.InputError, match="before prior_state's last check-in"):
        attrs.evolve(made, state=early, plan=made.plan,
                     change=attrs.evolve(made.change, on=date(2026, 1, 8)))
    with pytest.raises(footcore.InputError, match="last_change_on its day"):
        attrs.evolve(made, state=early, plan=made.plan)
    lie = attrs.evolve(made.firings[0], matched=(("goal_before", "runner"),
                                                 ("goal_now", "everyday")))
    with pytest.raises(footcore.InputError, match="goal_now 'strength'") as caught:
        attrs.evolve(made, firings=(lie,))
    assert caught.value.field == "Decision.firings[0].matched"
    assert footcore.from_json(footcore.to_json(made), footcore.Decision) == made
