"""Models pickle compactly and come back equal; a week's sessions are read once per process."""

from __future__ import annotations

import copyreg
import io
import pickle
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from footcore.testing import EPOCH, inputs

RULEBOOK = fc.load_rulebook()
ENGINE = fc.Engine(RULEBOOK, backend="native")
SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(inputs(RULEBOOK, today=EPOCH + timedelta(days=200)))
def test_a_decision_comes_back_equal(pair: tuple[fc.AthleteState, fc.CheckIn]) -> None:
    decision = ENGINE.evaluate(*pair)
    back = pickle.loads(pickle.dumps(decision))
    assert back == decision
    assert fc.to_json(back) == fc.to_json(decision)


@SETTINGS
@given(st.from_type(fc.Decision) | st.from_type(fc.models.Exercise) | st.from_type(fc.CheckIn))
def test_any_model_comes_back_equal(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value


def test_equal_weeks_unpickle_to_the_same_sessions() -> None:
    state = ENGINE.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    first = ENGINE.evaluate(state, fc.CheckIn(on=date(2026, 1, 5), completed=True))
    other = ENGINE.evaluate(state, fc.CheckIn(on=date(2026, 1, 6), completed=False))
    one, two = pickle.loads(pickle.dumps(first)), pickle.loads(pickle.dumps(other))
    assert one.plan.sessions == first.plan.sessions
    assert one.plan.sessions is two.plan.sessions is one.prior_plan.sessions


def test_a_pickle_written_as_attrs_writes_them_still_loads() -> None:
    state = ENGINE.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    decision = ENGINE.evaluate(state, fc.CheckIn(on=date(2026, 1, 5), completed=True))
    buffer = io.BytesIO()
    plain = pickle.Pickler(buffer)
    plain.dispatch_table = {}  # ignore footcore's registrations: pickle as attrs does
    plain.dump(decision)
    assert b"build_Decision" not in buffer.getvalue()
    assert pickle.loads(buffer.getvalue()) == decision
    assert fc.Decision in copyreg.dispatch_table
