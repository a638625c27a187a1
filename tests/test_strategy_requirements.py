"""The check-in strategies' requirements: at least so many symptoms (of given kinds), at
least so many compensations, metrics always measured; every draw honours them, and
arguments that contradict each other are refused with a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
from footcore.testing import checkins, compensations, metrics, symptoms

RULEBOOK = fc.load_rulebook()
SETTINGS = settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
METRICS = ("balance_eyes_open_s", "balance_eyes_closed_s", "forefoot_symmetry", "foot_fatigue")
PAIN = {fc.SymptomKind.SHARP_PAIN, fc.SymptomKind.PERSISTENT_PAIN}


@st.composite
def requirements(draw: st.DrawFn) -> dict[str, Any]:
    most = draw(st.integers(0, 3))
    least = draw(st.integers(0, most))
    pain_free = draw(st.booleans())
    kinds = draw(st.none() | st.sets(st.sampled_from(
        [k for k in fc.SymptomKind if not (pain_free and k in PAIN)]), min_size=1)
        ) if least else None
    most_compensations = draw(st.integers(0, 2))
    return {"max_symptoms": most, "min_symptoms": least, "symptom_kinds": kinds,
            "pain_free": pain_free, "max_compensations": most_compensations,
            "min_compensations": draw(st.integers(0, most_compensations)),
            "measured": draw(st.sets(st.sampled_from(METRICS)))}


def honoured(checkin: fc.CheckIn, asked: dict[str, Any]) -> None:
    assert asked["min_symptoms"] <= len(checkin.symptoms) <= asked["max_symptoms"]
    if asked["symptom_kinds"] is not None:
        of_kinds = [s for s in checkin.symptoms if s.kind in asked["symptom_kinds"]]
        assert len(of_kinds) >= asked["min_symptoms"]
    if asked["pain_free"]:
        assert not any(s.kind in PAIN for s in checkin.symptoms)
    assert (asked["min_compensations"] <= len(checkin.compensations)
            <= asked["max_compensations"])
    for name in asked["measured"]:
        assert getattr(checkin.metrics, name) is not None, name


@SETTINGS
@given(st.data())
def test_every_draw_honours_the_requirements(data: st.DataObject) -> None:
    asked = data.draw(requirements())
    for _ in range(3):
        honoured(data.draw(checkins(RULEBOOK, **asked)), asked)


@SETTINGS
@given(st.data())
def test_requirements_hold_over_strategies_of_ones_own(data: st.DataObject) -> None:
    asked = data.draw(requirements())
    own = {"symptom": symptoms(severity=st.integers(3, 5)),
           "compensation": compensations(RULEBOOK, exercise=st.none()),
           "metrics": metrics(rulebook=RULEBOOK)}
    checkin = data.draw(checkins(RULEBOOK, **own, **asked))
    honoured(checkin, asked)
    assert all(3 <= s.severity <= 5 for s in checkin.symptoms)
    assert all(c.exercise is None for c in checkin.compensations)


@SETTINGS
@given(metrics(measured={"foot_fatigue", "forefoot_symmetry"}, foot_fatigue=st.none() | st.just(
    2.0)))
def test_metrics_can_require_measures_too(measures: fc.Metrics) -> None:
    assert measures.foot_fatigue == 2.0 and measures.forefoot_symmetry is not None


@pytest.mark.parametrize(("arguments", "message"), [
    ({"min_symptoms": 4}, "min_symptoms: got 4, more than max_symptoms (3)"),
    ({"min_symptoms": 2, "max_symptoms": 1}, "min_symptoms: got 2, more than max_symptoms"),
    ({"min_symptoms": -1}, "accepted: 0 or more"),
    ({"min_compensations": 3}, "min_compensations: got 3, more than max_compensations (2)"),
    ({"min_symptoms": 1, "symptom": st.nothing()}, "symptom draws no symptom"),
    ({"min_compensations": 1, "compensation": st.nothing()}, "draws no compensation"),
    ({"symptom_kinds": fc.SymptomKind.STIFFNESS}, "with min_symptoms of 1 or more"),
    ({"min_symptoms": 1, "symptom_kinds": fc.SymptomKind.SHARP_PAIN, "pain_free": True},
     "which pain_free excludes"),
    ({"min_symptoms": 1, "symptom_kinds": ()}, "a non-empty collection"),
    ({"min_symptoms": 1, "symptom_kinds": ["stiffness"]}, "accepted: a SymptomKind"),
    ({"measured": ["balance"]}, "measured: got 'balance'; accepted: metric names"),
    ({"measured": 5}, "measured: got 5; accepted: a metric's name or a collection of them"),
    ({"measured": None}, "measured: got None; accepted: a metric's name"),
    ({"measured": [fc.Metrics]}, "measured: got .<class"),
    ({"min_symptoms": "1"}, "min_symptoms: got '1'; accepted: a whole number, 0 or more"),
    ({"max_compensations": 1.5}, "max_compensations: got 1.5; accepted: a whole number"),
    ({"min_symptoms": True}, "min_symptoms: got True; accepted: a whole number"),
])
def test_contradictory_requirements_are_refused(arguments: dict[str, Any], message: str
                                                ) -> None:
    with pytest.raises(fc.InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        checkins(RULEBOOK, **arguments)
