"""fc.to_dict and fc.from_dict: the canonical JSON form as plain data, without the text.

to_dict gives exactly what ``json.loads(fc.to_json(value))`` gives; from_dict reads that
data back with every check from_json makes (the same errors for the same data), and refuses
what JSON cannot hold.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from footcore._data import builder
from footcore._limits import limit
from footcore.testing import EPOCH, inputs
from fuzz_inputs import JSON_VALUES, changed, json_paths

RULEBOOK = fc.load_rulebook()
ENGINE = fc.Engine(RULEBOOK, backend="native")
SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
# Every model the strategies draw (footcore.testing registers them with st.from_type).
KINDS = (fc.Symptom, fc.Compensation, fc.Metrics, fc.models.Dose, fc.CheckIn, fc.AthleteState,
         fc.models.Exercise, fc.models.WeekPlan, fc.Decision)

decisions = inputs(RULEBOOK, today=EPOCH + timedelta(days=200)).map(
    lambda pair: ENGINE.evaluate(*pair))
models = decisions | st.one_of(*(st.from_type(kind) for kind in KINDS))


def error_of(read: Any) -> fc.InputError | None:
    try:
        read()
    except fc.InputError as exc:
        return exc
    return None


@SETTINGS
@given(models)
def test_to_dict_is_the_canonical_json_parsed(value: Any) -> None:
    parsed = json.loads(fc.to_json(value))
    made = fc.to_dict(value)
    assert made == parsed
    # the very same data: key order, and lists and plain strings rather than tuples and enums
    assert json.dumps(made) == json.dumps(parsed)
    assert repr(made) == repr(parsed)


@SETTINGS
@given(models)
def test_from_dict_reads_to_dict_back(value: Any) -> None:
    assert fc.from_dict(fc.to_dict(value), type(value)) == value
    assert fc.from_dict(fc.to_dict(value), type(value)) == fc.from_json(fc.to_json(value),
                                                                         type(value))


@SETTINGS
@given(models, st.data())
def test_broken_data_is_refused_as_from_json_refuses_its_text(value: Any,
                                                              data: st.DataObject) -> None:
    kind = type(value)
    parsed = fc.to_dict(value)
    at = data.draw(st.sampled_from(json_paths(parsed)))
    how = data.draw(st.sampled_from(["replace", "remove", "extra"]))
    broken = changed(parsed, at, how, data.draw(JSON_VALUES))
    text = json.dumps(broken, ensure_ascii=False)
    from_text = error_of(lambda: fc.from_json(text, kind))
    from_data = error_of(lambda: fc.from_dict(broken, kind))
    assert (from_text is None) == (from_data is None), (from_text, from_data)
    if from_text is None:
        assert fc.from_dict(broken, kind) == fc.from_json(text, kind)
        return
    assert from_data is not None
    assert from_data.code == from_text.code
    if " JSON: " in str(from_text):  # the text did not parse (NaN, a 19-digit integer)
        assert from_text.field is None and from_data.field is not None
    else:
        assert from_data.field == from_text.field
        assert str(from_data) == str(from_text)


NOT_JSON = st.sampled_from([
    date(2026, 1, 7), (1, 2), (), float("nan"), math.inf, -math.inf, {1: 2}, {None: 1},
    {"\ud800": 1}, "\udfff", {3}, b"bytes", fc.Goal.RUNNER, 10**40])


@SETTINGS
@given(models, st.data())
def test_what_json_cannot_hold_is_refused_where_it_is(value: Any, data: st.DataObject) -> None:
    parsed = fc.to_dict(value)
    at = data.draw(st.sampled_from(json_paths(parsed)))
    wrong = data.draw(NOT_JSON)
    with pytest.raises(fc.InputError) as refused:
        fc.from_dict(changed(parsed, at, "replace", wrong), type(value))
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in at)
    assert refused.value.code == "invalid-input"
    assert refused.value.field == path
    assert str(refused.value).startswith(f"invalid {type(value).__name__}: ")


class Label(str):
    """An app's own string type (a framework's safe string, a typed id)."""


class Count(int):
    """An app's own whole number."""


class Share(float):
    """An app's own fraction."""


@pytest.mark.parametrize(("data", "message"), [
    ({"on": date(2026, 1, 7), "completed": True},
     'a date is not JSON data; accepted: a "YYYY-MM-DD" string @ $.on'),
    ({"on": "2026-01-07", "completed": True, "symptoms": ()},
     "a tuple is not JSON data; accepted: a list @ $.symptoms"),
    ({"on": "2026-01-07", "completed": True, "minutes": float("nan")},
     "NaN is not a JSON number; numbers must be finite @ $.minutes"),
    ({"on": "2026-01-07", "completed": True, 7: 1},
     "the key 7 is not a string, as every key of a JSON object is @ $"),
    ({"on": "2026-01-07", "completed": fc.Goal.RUNNER},
     "a Goal is not JSON data; accepted: a plain str @ $.completed"),
    ({"on": "2026-01-07", "completed": True, "minutes": Count(3)},
     "a Count is not JSON data; accepted: a plain int @ $.minutes"),
    ({"on": "2026-01-07", "completed": True, "metrics": {Label("foot_fatigue"): 2}},
     "the key 'foot_fatigue' is a Label, not a plain str as every key of a JSON object is "
     "@ $.metrics"),
    ({"on": "2026-01-07", "completed": True, "symptoms": [object()]},
     "a object is not JSON data; accepted: an object, a list, a string, a number, true, "
     "false or null @ $.symptoms[0]"),
    ({"on": "2026-01-07", "completed": True, "id": "a\ud800"},
     "a string holding a lone surrogate, which is not text @ $.id"),
    ({"on": "2026-01-07", "completed": True, "minutes": 10**16},
     "an integer of more than 16 digits; at most 16 (integer_digits) @ $.minutes"),
])
def test_from_dict_names_what_json_cannot_hold(data: dict[Any, Any], message: str) -> None:
    with pytest.raises(fc.InputError) as refused:
        fc.from_dict(data, fc.CheckIn)
    assert str(refused.value) == f"invalid CheckIn: {message}"


def test_from_dict_refuses_nesting_deeper_than_json_may_and_loops() -> None:
    deep: list[Any] = []
    for _ in range(limit("json_depth") + 5):
        deep = [deep]
    looped: dict[str, Any] = {"on": "2026-01-07", "completed": True}
    looped["symptoms"] = [looped]
    for data in ({"on": "2026-01-07", "completed": True, "symptoms": deep}, looped):
        with pytest.raises(fc.InputError, match=r"levels deep; at most \d+ \(json_depth\)"):
            fc.from_dict(data, fc.CheckIn)


def test_only_models_and_model_classes_are_taken() -> None:
    with pytest.raises(fc.InputError, match="accepted: a footcore model class"):
        fc.from_dict({}, dict)  # type: ignore[type-var]
    with pytest.raises(fc.InputError, match="accepted: a footcore model "):
        fc.to_dict({"on": "2026-01-07"})
    with pytest.raises(fc.InputError, match="expected a JSON object"):
        fc.from_dict([], fc.CheckIn)


def test_every_document_is_built_directly() -> None:
    """The documents take the generated builders, not the general path (which would give the
    same data, slower)."""
    assert all(builder(kind) is not None for kind in KINDS)


@attrs.frozen
class Row:
    """A class of an app's own: to_json writes any attrs class, and so does to_dict."""

    on: date
    goal: fc.Goal
    counts: tuple[int, ...]
    ratio: float | None = None
    seen: dict[str, int] = attrs.Factory(dict)


@pytest.mark.parametrize("value", [
    Row(date(2026, 1, 7), fc.Goal.RUNNER, (3, 1), 0.5, {"b": 1, "a": 2}),
    Row(date(2026, 1, 7), fc.Goal.EVERYDAY, ()),
])
def test_another_class_takes_the_general_path_to_the_same_data(value: Row) -> None:
    assert builder(Row) is None
    assert repr(fc.to_dict(value)) == repr(json.loads(fc.to_json(value)))


def kinds_of(data: Any) -> Any:
    """``data`` with every value replaced by its exact type, to compare what == hides."""
    if isinstance(data, dict):
        return {key: kinds_of(value) for key, value in data.items()}
    if isinstance(data, list):
        return [kinds_of(item) for item in data]
    return type(data)


@pytest.mark.parametrize("value", [
    fc.CheckIn(on=date(2026, 1, 7), completed=True, id=Label("c-1"), minutes=Count(12),
               metrics=fc.Metrics(forefoot_symmetry=Share(0.5), foot_fatigue=Count(3))),
    fc.CheckIn(on=date(2026, 1, 7), completed=True, symptoms=(
        fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, severity=Count(2)),)),
    Row(date(2026, 1, 7), fc.Goal.RUNNER, (Count(3),), Share(0.5), {Label("b"): Count(1)}),
])
def test_subclasses_of_plain_types_come_out_plain(value: Any) -> None:
    """A str, int or float subclass a model holds is written as the plain type, as
    json.loads(to_json(value)) gives it, so from_dict reads to_dict's data back."""
    made = fc.to_dict(value)
    assert kinds_of(made) == kinds_of(json.loads(fc.to_json(value)))
    if builder(type(value)) is not None:
        assert fc.from_dict(made, type(value)) == value
