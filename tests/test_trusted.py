"""The trusted constructors build what the checking ones build, and check nothing."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from footcore._trusted import trusted

MODELS = (fc.Decision, fc.CheckIn, fc.AthleteState, fc.models.Exercise, fc.models.WeekPlan,
          fc.Symptom, fc.Metrics, fc.models.Dose, fc.Compensation)


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of([st.from_type(kind) for kind in MODELS]))
def test_the_same_object_by_position_or_by_name(value: object) -> None:
    kind = type(value)
    fields = {field.name: getattr(value, field.name) for field in attrs.fields(kind)}
    assert trusted(kind)(*fields.values()) == value
    made = trusted(kind)(**fields)
    assert made == value and hash(made) == hash(value)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.x = 1  # type: ignore[attr-defined]


def test_it_checks_nothing_so_only_checked_values_go_in() -> None:
    with pytest.raises(fc.InputError):
        fc.models.Dose(sets=0, reps=1)
    assert trusted(fc.models.Dose)(0, 1, 0, "none", "sets").sets == 0
