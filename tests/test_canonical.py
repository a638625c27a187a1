"""to_json writes each model straight from the object: the same text, byte for byte, as
``json.dumps`` of the converter's data, which it replaces."""

from __future__ import annotations

import inspect
import json
import math
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from footcore import _canonical
from footcore._convert import CONVERTER
from footcore._models import Session
from footcore._trusted import trusted
from footcore.testing import EPOCH, inputs

RULEBOOK = fc.load_rulebook()
ENGINE = fc.Engine(RULEBOOK, backend="native")
SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def reference(value: object) -> str:
    """What to_json wrote before: the converter's data through json.dumps."""
    return json.dumps(CONVERTER.unstructure(value), sort_keys=True, ensure_ascii=False,
                      allow_nan=False)


def parts(value: object) -> list[object]:
    """``value`` and every model it holds."""
    found = [value]
    for field in attrs.fields(type(value)):
        held = getattr(value, field.name)
        for item in held if isinstance(held, tuple) else (held,):
            if attrs.has(type(item)):
                found.extend(parts(item))
    return found


@SETTINGS
@given(inputs(RULEBOOK, today=EPOCH + timedelta(days=200)))
def test_the_engines_decisions_read_as_before(pair: tuple[fc.AthleteState, fc.CheckIn]) -> None:
    decision = ENGINE.evaluate(*pair)
    for part in parts(decision):
        assert fc.to_json(part) == reference(part)
    decoded = fc.from_json(fc.to_json(decision), fc.Decision)  # fresh objects, nothing known
    assert fc.to_json(decoded) == reference(decision)


@SETTINGS
@given(st.from_type(fc.Decision) | st.from_type(fc.models.Exercise) | st.from_type(fc.CheckIn))
def test_generated_models_read_as_before(value: object) -> None:
    for part in parts(value):
        assert fc.to_json(part) == reference(part)


SCALARS = (st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=12)
           | st.floats(-(2**53) + 1, 2**53 - 1)  # every number is within the integer limit
           | st.sampled_from([0.0, -0.0, 1e-05, 9e15, 1e-300, 5e-324, 0.1 + 0.2]))


@SETTINGS
@given(st.one_of(*(
           st.builds(fc.models.Unmet, field=st.text(min_size=1, max_size=8), op=st.just(op),
                     needed=needed, actual=st.none() | SCALARS,
                     param=st.none() | st.text(max_size=8))
           for op, needed in (("in", st.lists(SCALARS, max_size=3).map(tuple)),
                              ("lt", SCALARS)))),
       st.lists(st.tuples(st.text(min_size=1, max_size=8), SCALARS), max_size=4),
       st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_scalars_strings_and_matched_fields_read_as_before(unmet: fc.models.Unmet,
                                                           matched: list[tuple[str, object]],
                                                           text: str) -> None:
    assert fc.to_json(unmet) == reference(unmet)
    firing = fc.models.Firing("r", fc.Action.HOLD, ("P1",), text or "s", "checkin", tuple(matched),
                              won=True)
    assert fc.to_json(firing) == reference(firing)  # a field named twice: the last one wins


def test_a_value_of_an_unexpected_type_takes_the_general_path() -> None:
    odd = trusted(fc.models.Dose)(3, True, 5, "none", "sets")  # a bool where a whole number belongs
    assert fc.to_json(odd) == reference(odd) == (
        '{"form": "sets", "hold_s": 5, "reps": true, "resistance": "none", "sets": 3}')
    endless = trusted(fc.Metrics)(None, None, math.inf, None)
    with pytest.raises(ValueError, match="not JSON compliant"):
        fc.to_json(endless)  # as json.dumps refuses it


def test_indented_json_is_unchanged(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    decision = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, 5), completed=True))
    assert fc.to_json(decision, indent=2) == json.dumps(
        CONVERTER.unstructure(decision), sort_keys=True, indent=2, ensure_ascii=False)


def test_a_week_is_written_once_and_what_is_remembered_stays_bounded(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    sessions = engine.plan(state).sessions
    assert sessions is engine.plan(state).sessions  # equal weeks are the same objects
    write = _canonical.writer(tuple[Session, ...])
    assert write(sessions) is write(sessions)
    memo = inspect.getclosurevars(write).nonlocals["memo"]
    for _ in range(_canonical._MEMO_SIZE + 10):
        write(tuple(sessions))  # a new tuple object each time
        assert len(memo) <= _canonical._MEMO_SIZE


def compact_reference(value: object) -> str:
    """The compact canonical form the audit log and the store hash: no space after the
    separators."""
    return json.dumps(CONVERTER.unstructure(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


@SETTINGS
@given(inputs(RULEBOOK, today=EPOCH + timedelta(days=200)),
       st.from_type(fc.Decision) | st.from_type(fc.CheckIn))
def test_the_compact_form_reads_as_the_json_module_writes_it(
        pair: tuple[fc.AthleteState, fc.CheckIn], generated: object) -> None:
    for value in (ENGINE.evaluate(*pair), generated):
        for part in parts(value):
            assert _canonical.write(part, compact=True) == compact_reference(part)
            assert _canonical.write(part) == reference(part)  # the two forms kept apart


@SETTINGS
@given(inputs(RULEBOOK, today=EPOCH + timedelta(days=200)), st.from_type(fc.Decision))
def test_store_rows_read_as_the_general_path_writes_them(
        pair: tuple[fc.AthleteState, fc.CheckIn], generated: fc.Decision) -> None:
    from footcore._store import _rows

    for decision in (ENGINE.evaluate(*pair), generated):
        row = _rows.make_row(decision, 3, "0" * 64)
        assert (row.decision, row.refs, row.plans, row.state) == _rows._general_row_texts(decision)
        assert _rows.whole_decision(row.decision, row.plans, "record 1") == json.loads(
            compact_reference(decision))


def test_remembered_numbers_and_dates_keep_their_exact_text() -> None:
    """0.0 and -0.0 are one dict key but two texts; equal tuples of dates are one text."""
    for first, second in ((0.0, -0.0), (-0.0, 0.0), (1.5, 1.5), (1e-05, 1e-05)):
        for value in (first, second, first):
            metrics = fc.Metrics(balance_eyes_open_s=value)
            assert fc.to_json(metrics) == reference(metrics)
    days = (date(2026, 1, 5), date(2026, 1, 7))
    for sessions in (days, tuple(days), days[:1]):
        assert _canonical.writer(tuple[date, ...])(sessions) == json.dumps(
            [day.isoformat() for day in sessions])
