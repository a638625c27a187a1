"""The JSON Schemas: generated from the models, shipped as generated, printed by the CLI; a
document generated from a schema is one from_json takes, and a near miss of it (a field
dropped, an unknown field, a wrong type, a limit passed) is one both refuse."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import footcore as fc
from footcore._cli import main
from footcore._schema import SCHEMA_TYPES, json_schema, schema_file, schema_text

SETTINGS = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
CROSS_FIELD = ("backoff_until", "last_", "recent_sessions", "recent_checkins")


def valid(doc: Any, kind: type) -> bool:
    validator = jsonschema.Draft202012Validator(json_schema(kind),
                                                format_checker=jsonschema.FormatChecker())
    return validator.is_valid(doc)


@pytest.mark.parametrize("name", list(SCHEMA_TYPES))
def test_the_shipped_schemas_are_the_generated_ones(name: str) -> None:
    assert schema_file(name).read_text(encoding="utf-8") == schema_text(SCHEMA_TYPES[name]), (
        f"{schema_file(name)} is stale: run python -m footcore._schema")


def test_footcore_schema_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "athlete-state"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema(fc.AthleteState)
    assert main(["schema", "plan"]) == 2


def test_json_schema_refuses_other_types() -> None:
    with pytest.raises(fc.InputError, match="CheckIn, AthleteState, Decision"):
        fc.json_schema(fc.WeekPlan)


def test_what_the_engine_makes_validates(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    checkin = fc.CheckIn(on=state.started_on, completed=True, minutes=18, id="c-1", symptoms=(
        fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, 4),))
    decision = engine.evaluate(state, checkin)
    for value in (checkin, decision.state, decision):
        assert valid(json.loads(fc.to_json(value)), type(value))


@settings(SETTINGS, max_examples=80)
@given(from_schema(json_schema(fc.CheckIn)))
def test_a_checkin_the_schema_accepts_from_json_accepts(doc: dict[str, Any]) -> None:
    fc.from_json(json.dumps(doc), fc.CheckIn)


@settings(SETTINGS, max_examples=10)
@given(from_schema(json_schema(fc.AthleteState)))
def test_a_state_the_schema_accepts_from_json_accepts_but_for_the_stated_rules(
        doc: dict[str, Any]) -> None:
    try:
        fc.from_json(json.dumps(doc), fc.AthleteState)
    except fc.InputError as exc:  # only a rule the schema states in words, not in keywords
        assert any(f"AthleteState.{name}" in str(exc) for name in CROSS_FIELD), str(exc)


NEAR_MISSES = ["drop", "unknown", "wrong-type", "long-list", "long-text", "bad-date"]


@settings(SETTINGS, max_examples=60)
@given(from_schema(json_schema(fc.CheckIn)), st.sampled_from(NEAR_MISSES), st.data())
def test_a_near_miss_is_refused_by_both(doc: dict[str, Any], how: str,
                                        data: st.DataObject) -> None:
    miss = json.loads(json.dumps(doc))
    if how == "drop":
        miss.pop(data.draw(st.sampled_from(["on", "completed"])))
    elif how == "unknown":
        miss["mood"] = "fine"
    elif how == "wrong-type":
        miss[data.draw(st.sampled_from(["completed", "minutes", "on"]))] = [1]
    elif how == "long-list":
        miss["symptoms"] = [{"kind": "soreness", "location": "arch", "severity": 1}] * 33
    elif how == "long-text":
        miss["id"] = "x" * 129
    else:
        miss["on"] = data.draw(st.sampled_from(["2026-W02-3", "1899-12-31", "9001-01-01"]))
    assert not valid(miss, fc.CheckIn)
    with pytest.raises(fc.InputError):
        fc.from_json(json.dumps(miss), fc.CheckIn)
