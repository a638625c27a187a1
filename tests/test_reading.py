"""from_json's fast path (footcore._reading) against the general path it stands in front of:
on valid and broken documents alike, it reads only what the general path reads, to an equal
model, and leaves the rest to it, so from_json answers and fails exactly as the general path
alone does."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
import footcore.impact
import footcore.models
from footcore import _reading
from footcore._convert import structure
from footcore._jsonparse import parse_json
from footcore._limits import limit
from footcore.testing import EPOCH, inputs
from fuzz_inputs import JSON_VALUES, changed, json_paths

RULEBOOK = fc.load_rulebook()
ENGINE = fc.Engine(RULEBOOK, backend="native")
SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
# drawable
KINDS = (fc.Decision, fc.AthleteState, fc.CheckIn, fc.models.WeekPlan, fc.models.Exercise)


def general(text: str | bytes, kind: type[Any]) -> tuple[Any, str | None]:
    """What the general path alone makes of ``text``: the model, or its error message."""
    try:
        return general_only(text, kind), None
    except fc.InputError as exc:
        return None, str(exc)


def general_only(text: str | bytes, kind: type[Any]) -> Any:
    """The model the general path alone reads from ``text`` (InputError when it refuses)."""
    return structure(parse_json(text, kind.__name__), kind, kind.__name__)


def agree(text: str | bytes, kind: type[Any]) -> Any:
    """Check that the fast path and from_json agree with the general path on ``text``; the
    fast path's model, or None where it leaves the text to the general path."""
    fast = _reading.read(text, kind)
    expected, error = general(text, kind)
    if fast is not None:
        assert error is None, error
        assert fast == expected
        assert fc.to_json(fast) == fc.to_json(expected)
    if error is None:
        assert fc.from_json(text, kind) == expected
    else:
        with pytest.raises(fc.InputError) as refused:
            fc.from_json(text, kind)
        assert str(refused.value) == error
    return fast


decisions = inputs(RULEBOOK, today=EPOCH + timedelta(days=200)).map(
    lambda pair: ENGINE.evaluate(*pair))
documents = decisions | st.one_of(*(st.from_type(kind) for kind in KINDS))


@SETTINGS
@given(decisions)
def test_the_engines_decisions_take_the_fast_path(decision: fc.Decision) -> None:
    text = fc.to_json(decision)
    for part in (decision, decision.state, decision.checkin, decision.plan):
        assert agree(fc.to_json(part), type(part)) is not None
    assert agree(text.encode(), fc.Decision) is not None


@SETTINGS
@given(documents)
def test_valid_documents_read_as_the_general_path_reads_them(value: Any) -> None:
    agree(fc.to_json(value), type(value))


@SETTINGS
@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=128)
       .filter(lambda text: text.strip() and text.isprintable()))
def test_any_text_reads_as_the_general_path_reads_it(text: str) -> None:
    compensation = fc.Compensation(fc.CompensationKind.TOE_GRIPPING, exercise=text)
    agree(fc.to_json(fc.CheckIn(on=EPOCH, completed=True, compensations=(compensation,))),
          fc.CheckIn)


@SETTINGS
@given(documents, st.data())
def test_a_broken_document_reads_as_the_general_path_reads_it(value: Any,
                                                              data: st.DataObject) -> None:
    kind = type(value)
    parsed = json.loads(fc.to_json(value))
    at = data.draw(st.sampled_from(json_paths(parsed)))
    how = data.draw(st.sampled_from(["replace", "remove", "extra"]))
    agree(json.dumps(changed(parsed, at, how, data.draw(JSON_VALUES)), ensure_ascii=False),
          kind)


@SETTINGS
@given(documents, st.data())
def test_text_the_plain_parser_reads_differently_is_left_to_the_general_path(
        value: Any, data: st.DataObject) -> None:
    text = fc.to_json(value)
    objects = [n for n, char in enumerate(text) if char == "{"]
    cut = data.draw(st.sampled_from(objects)) + 1
    inserted = data.draw(st.sampled_from([
        '"athlete_id": "a", ', '"stage": "x", "stage": "x", ', '"x" : 1, ', "1e999",
        '"\\ud800": 1, ', "NaN", "12345678901234567", " " * 3, '"\\":": 1, ']))
    if "}" not in text[cut:cut + 1]:
        agree(text[:cut] + inserted + text[cut:], kind=type(value))
    agree(text.replace('": ', '" : ', 1), kind=type(value))


def test_a_key_repeated_inside_a_remembered_week_is_refused() -> None:
    state = ENGINE.new_athlete("a", goal=fc.Goal.RUNNER, start=EPOCH)
    decision = ENGINE.evaluate(state, fc.CheckIn(on=EPOCH, completed=True, minutes=15))
    text = fc.to_json(decision)
    assert agree(text, fc.Decision) is not None  # the week is remembered now
    repeated = text.replace('"reps": ', '"reps": 1, "reps": ', 1)
    assert agree(repeated, fc.Decision) is None
    with pytest.raises(fc.InputError, match="appears twice"):
        fc.from_json(repeated, fc.Decision)


def test_a_key_repeated_inside_a_remembered_check_in_reference_is_refused() -> None:
    state = ENGINE.new_athlete("a", goal=fc.Goal.RUNNER, start=EPOCH)
    state = ENGINE.evaluate(state, fc.CheckIn(on=EPOCH, completed=True, id="c-1")).state
    text = fc.to_json(state).replace('"athlete_id": "a"', '"athlete_id": "b"')
    assert agree(text, fc.AthleteState) is not None  # the reference is remembered now
    repeated = text.replace('"on": ', '"on": "2026-01-01", "on": ', 1)
    assert agree(repeated, fc.AthleteState) is None
    with pytest.raises(fc.InputError, match="appears twice"):
        fc.from_json(repeated, fc.AthleteState)


@SETTINGS
@given(decisions, st.booleans())
def test_a_state_read_where_it_was_written_is_that_state(decision: fc.Decision,
                                                          again: bool) -> None:
    """The app's round trip (bench_speed.py, "app path"): a state's text, read back in the
    process that wrote it, is the state written, as the general path reads it."""
    state = decision.state
    text = fc.to_json(decision) and fc.to_json(state)
    if again:  # written once more, as another object: read back as the latest
        state = fc.from_json(fc.to_json(decision), fc.Decision).state
        assert fc.to_json(state) == text
    assert fc.from_json(text, fc.AthleteState) is state
    expected, error = general(text, fc.AthleteState)
    assert error is None and expected == state and fc.to_json(expected) == text


# Values of the JSON types the fields take, on and past the models' checks: ranges, ids,
# digests, dates and their order, enums, awareness out of order or repeated.
EDGE_VALUES = st.sampled_from([
    0, -1, 1, 10, 11, 600, 601, 2**53 - 1, 2**53, -(2**53 - 1), 18.0, 0.5, -0.0, 1e300, "",
    " ", "a", "a ", "\u00e9", "e\u0301", "\x7f", "x" * 129, "x" * 2001, "1899-12-31",
    "1900-01-01", "2026-01-05", "2025-12-31", "9000-12-31", "9001-01-01", "9010-12-31",
    "2024-02-30", "none", "deload", "rest", "runner", "flattening", "0" * 64, "A" * 64,
    True, False, None, [], ["flattening", "flattening"], ["over_gripping", "flattening"],
    ["2026-01-05", "2026-01-05"], [{"id": "c", "on": "2026-01-05"}] * 2])


# Once (on 3.11): the fast reader and the checks it calls are the same Python on every
# interpreter, and the module's other tests compare the two paths on each of them.
@pytest.mark.once
@SETTINGS
@given(decisions | st.from_type(fc.AthleteState), st.data())
def test_the_fast_reader_checks_fields_as_the_constructor_does(value: Any,
                                                                data: st.DataObject) -> None:
    """The fast reader converts and checks each field itself, once per distinct value
    (bench_speed.py, "states from elsewhere"), then builds the model without its
    constructor: a state with a field on or past its checks reads as the constructor
    reads it, or fails with its error and code, whatever the reader read before it."""
    state = value.state if isinstance(value, fc.Decision) else value
    parsed = json.loads(fc.to_json(state))
    paths = [path for path in json_paths(parsed) if path]
    at = data.draw(st.sampled_from(paths))
    broken = json.dumps(changed(parsed, at, "replace", data.draw(EDGE_VALUES)),
                        separators=(",", ":"), ensure_ascii=False)  # as another process
    for text in (broken, json.dumps(parsed), broken):  # and again, the valid one read
        agree(text, fc.AthleteState)
        assert code(fc.from_json, text) == code(general_only, text)


def code(read: Any, text: str) -> str | None:
    """The error code ``read`` refuses the state ``text`` with; None when it reads it."""
    try:
        read(text, fc.AthleteState)
    except fc.InputError as exc:
        return exc.code
    return None


def test_no_model_nests_deeper_than_json_may() -> None:
    assert _reading._reader(fc.Decision) is not None
    assert _reading._model(fc.Decision, limit("json_depth") - 7)
    with pytest.raises(_reading._Unread):
        _reading._model(fc.Decision, limit("json_depth") - 6)


@pytest.mark.parametrize("number", ["12345678901234567", "9007199254740993", "1e999", "NaN",
                                    "-Infinity", "1" + "0" * 5000, "4.5", "4"])
def test_numbers_past_the_parsers_limits_are_left_to_the_general_path(number: str) -> None:
    metrics = fc.Metrics(balance_eyes_open_s=4)
    checkin = fc.to_json(fc.CheckIn(on=EPOCH, completed=True, metrics=metrics))
    text = checkin.replace('"balance_eyes_open_s": 4.0', f'"balance_eyes_open_s": {number}')
    assert text != checkin
    assert (agree(text, fc.CheckIn) is not None) == (number in ("4.5", "4"))


@pytest.mark.parametrize(("kind", "document"), [
    (fc.impact.BackOffCount, {"kind": "k", "before": 12345678901234567, "after": 0}),
    (fc.audit.LogProblem, {"kind": "k", "line": None, "seq": None, "detail": "x" * 100_000}),
    (fc.audit.HistoryRow, {"seq": 10**40, "on": "2026-01-05", "stage": "s", "dose_level": 1,
                           "action": "hold", "reason": "r", "rule_id": None}),
])
def test_a_class_that_does_not_check_its_limits_is_left_to_the_general_path(
        kind: type[Any], document: dict[str, Any]) -> None:
    """Reports and rows build without the limits checks; from_json still applies them."""
    text = json.dumps(document)
    assert _reading.read(text, kind) is None
    with pytest.raises(fc.InputError, match="at most"):
        fc.from_json(text, kind)
