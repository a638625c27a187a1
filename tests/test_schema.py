"""The JSON Schemas: generated from the models, shipped as generated, printed by the CLI,
and met by what the engine makes. That they and from_json accept the same documents is
tests/test_schema_agreement.py."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import jsonschema
import pytest

import footcore as fc
import footcore.models
from footcore._cli import main
from footcore._schema import SCHEMA_TYPES, json_schema, schema_file, schema_text


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
        fc.models.json_schema(fc.models.WeekPlan)


def test_what_the_engine_makes_validates(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    checkin = fc.CheckIn(on=state.started_on, completed=True, minutes=18, id="c-1", symptoms=(
        fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, 4),))
    decision = engine.evaluate(state, checkin)
    for value in (checkin, decision.state, decision):
        assert valid(json.loads(fc.to_json(value)), type(value))

