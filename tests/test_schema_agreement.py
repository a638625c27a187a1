"""The shipped JSON Schemas and from_json agree on every document: one accepts it exactly
when the other does, field by field and for each model the schemas define, on documents
generated from the schemas and on near misses of documents the engine makes (a number out
of range or with a zero fraction, a wrong type, a field dropped or added, a text or a list
too long, a date out of range).

The exceptions are listed below, each with why a JSON Schema cannot state it: the rules
that compare one field with another (stated in words in the schemas' descriptions), the
limits on the JSON text itself (never reached here), and ids (generated here from a safe
alphabet).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator, FormatChecker

import footcore as fc
import footcore.models
from footcore import _reading
from footcore._convert import structure
from footcore._jsonparse import parse_json
from footcore._limits import MAX_INT, is_id
from footcore._schema import SCHEMA_TYPES, schema_file
from footcore.testing import decisions
from rerun import examples

SETTINGS = settings(deadline=None, database=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])

# Rules from_json applies that a JSON Schema cannot state, by the message that names them.
CROSS_FIELD = {
    # A JSON Schema compares a value with constants only, never with another field's value.
    "a state's date before started_on": r"AthleteState\.\w+: got .*; accepted: a date on or "
                                        r"after started_on",
    "a session after the last check-in": r"AthleteState\.last_session_on: got .*; accepted: "
                                         r"a date on or before last_checkin_on",
    "recent sessions in order, within the state's dates":
        r"AthleteState\.recent_sessions: got .*; accepted: distinct dates in increasing order",
    # uniqueItems compares whole items, not one field of them.
    "recent check-ins with distinct ids, within the state's dates":
        r"AthleteState\.recent_checkins: got .*; accepted: distinct ids, dated",
    "a plan for its state": r"Decision\.(prior_)?plan: is for athlete",
    "one athlete's states": r"Decision\.state: is another athlete's",
    "the state after this check-in": r"Decision\.state: last_checkin_on is",
    "one start date": r"Decision\.state: started_on differs",
    # The symptoms and compensations a firing may name are counted in another object.
    "a firing's fact is of the check-in": r"Decision\.firings\[\d+\]\.fact: got",
    "matched fields of the fact's kind and type": r"Decision\.firings\[\d+\]\.matched: ",
    "winners are the action's": r"Decision\.firings\[\d+\]: the \w+ firing under",
    # A change that answers no check-in is one of its kind, as the engine makes it.
    "a reason code of the change's kind": r"Change\.reason: got .* for a change of kind",
    "a check-in, or a change of a kind that answers none": r"Decision\.change: got ",
    "a change on the check-in's day or after the prior state's dates":
        r"Decision\.change\.on: got ",
    "the action of the change's kind": r"Decision\.action: got .* for (a change|an override)",
    "the change's own firing": r"Decision\.firings: a change of kind",
    "no check-in, no new check-in date": r"Decision\.state: last_checkin_on changed",
    "a goal change changes the goal only": r"Decision\.state: a change of goal",
    "an upgrade's state names its rulebook": r"Decision\.state: an upgrade's state",
    "a goal change's firing names its goals": r"Decision\.firings\[0\]\.matched: a change",
}
EXCUSED = re.compile("|".join(f"(?:{pattern})" for pattern in CROSS_FIELD.values()))
# The limits on the JSON text (document_bytes, json_depth, integer_digits, a key given
# twice, lone surrogates) are not met here: a schema sees only the values a text holds.
# (integer_digits never differs from the schema: every number lies within +-(2**53 - 1),
# which has 16 digits.)
# Ids: from_json normalises them and asks for a visible character, which a pattern cannot
# say portably; the schemas ask for less (printable ASCII). Documents here hold safe ids.
SAFE_IDS = ["a-1", "Stage_2", "x"]

# Every model the schemas describe, by its name in $defs, with the schema of each alone.
DEFS: dict[str, Any] = {}
for _name, _kind in SCHEMA_TYPES.items():
    _schema = json.loads(schema_file(_name).read_text(encoding="utf-8"))
    DEFS.update(_schema.pop("$defs"))
    DEFS[_kind.__name__] = {k: v for k, v in _schema.items() if k not in ("$schema", "title")}
KINDS: dict[str, type] = {name: getattr(fc if name in fc.__all__ else fc.models, name)
                          for name in DEFS}


def alone(name: str, defs: dict[str, Any] = DEFS) -> dict[str, Any]:
    """The schema of the model ``name`` as a document of its own, with the models it holds."""
    held = {name}
    while True:
        found = held | {ref.rpartition("/")[2] for held_name in held
                        for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(defs[held_name]))}
        if found == held:
            break
        held = found
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"#/$defs/{name}", "$defs": {key: defs[key] for key in sorted(held)}}


VALIDATORS = {name: Draft202012Validator(alone(name), format_checker=FormatChecker())
              for name in DEFS}


def refusal(doc: Any, kind: type) -> str | None:
    """Why from_json refuses ``doc`` (None when it accepts it), checking that its general
    path alone answers the same."""
    text = json.dumps(doc, ensure_ascii=False)
    try:
        fc.from_json(text, kind)
        error = None
    except fc.InputError as exc:
        error = str(exc)
    try:
        structure(parse_json(text, kind.__name__), kind, kind.__name__)
        assert error is None, f"only the general path accepts it: {error}"
    except fc.InputError as exc:
        assert error == str(exc)
    return error


def agree(doc: Any, name: str) -> None:
    """The schema of model ``name`` accepts ``doc`` exactly when from_json does, or from_json
    refuses it for one of the listed exceptions."""
    error = refusal(doc, KINDS[name])
    schema_error = next(VALIDATORS[name].iter_errors(doc), None)
    if schema_error is None:
        assert error is None or EXCUSED.search(error), f"only the schema accepts it: {error}"
    else:
        assert error is not None, f"only from_json accepts it; schema: {schema_error.message}"


# ---------------------------------------------------------------- generated from the schemas


def generating(node: Any) -> Any:
    """A copy of schema ``node`` for generating documents: its id fields take only
    ``SAFE_IDS`` (or null), and its lists hold at most 3 items (quicker to draw; the
    near misses below try the limits)."""
    if isinstance(node, list):
        return [generating(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: generating(value) for key, value in node.items()}
    if "maxItems" in copy:
        copy["maxItems"] = min(copy["maxItems"], 3)
    if isinstance(node.get("properties"), dict):
        for field, prop in node["properties"].items():
            if is_id(field):
                nullable = {"type": "null"} in prop.get("anyOf", [])
                copy["properties"][field] = {"enum": [*SAFE_IDS, *([None] * nullable)]}
    return copy


SAFE_DEFS = generating(DEFS)
# A whole decision takes minutes per example to draw from its schema: each model it holds
# is drawn alone here, and whole decisions are the engine's, with near misses, below.
DRAWN = sorted(set(DEFS) - {"Decision"})
EXAMPLES = {"WeekPlan": 10, "WhyNot": 10}


@pytest.mark.long
@pytest.mark.parametrize("name", DRAWN)
def test_a_document_the_schema_accepts_from_json_accepts(name: str) -> None:
    # Rerun on about a third: drawing from the schema is most of the cost, and what it draws
    # (dates and numbers within the schema's bounds, ids from SAFE_IDS) is read by the same
    # code on any interpreter; the near misses below, the edges, run whole on every one.
    whole = EXAMPLES.get(name, 25)
    @settings(SETTINGS, max_examples=examples(whole, rerun=max(1, whole // 3)))
    @given(from_schema(alone(name, SAFE_DEFS)))
    def check(doc: Any) -> None:
        assert VALIDATORS[name].is_valid(doc)  # safe ids are valid ids
        agree(doc, name)
    check()


# ---------------------------------------------------------------- near misses

RULEBOOK = fc.load_rulebook()


def objects(doc: Any, schema: dict[str, Any], path: tuple[Any, ...] = ()
            ) -> Iterator[tuple[tuple[Any, ...], str]]:
    """The path and model name of each object in ``doc`` that ``schema`` names a model."""
    if "$ref" in schema:
        name = schema["$ref"].rpartition("/")[2]
        if isinstance(doc, dict):
            yield path, name
        schema = DEFS[name]
    for branch in schema.get("anyOf", []):
        yield from objects(doc, branch, path)
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in schema.get("properties", {}):
                yield from objects(value, schema["properties"][key], (*path, key))
    if isinstance(doc, list) and "items" in schema:
        for number, item in enumerate(doc):
            yield from objects(item, schema["items"], (*path, number))


def replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``doc`` with the value at ``path`` replaced by ``value``."""
    if not path:
        return value
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[path[0]] = replaced(copy[path[0]], path[1:], value)
    return copy


def branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema of a field and those of its anyOf or allOf parts."""
    found = [schema]
    for part in (*schema.get("anyOf", ()), *schema.get("allOf", ())):
        found += branches(part)
    return found


WRONG_TYPES = [None, True, 0, 1.5, "x", "", " ", [], {}, [1]]
DATES = ["1899-12-31", "1900-01-01", "9000-12-31", "9001-01-01", "9011-01-08", "9011-01-09",
         "2026-02-29", "2028-02-29", "2026-1-5", "2026-W02-3", "2026-01-05T00:00"]


def near_values(schema: dict[str, Any], value: Any) -> list[Any]:
    """Values to put in place of ``value``, a field's value under ``schema``: wrong types,
    numbers around its bounds and with zero fractions, texts and lists at and past their
    lengths, dates around the range."""
    found = list(WRONG_TYPES)
    if isinstance(value, int) and not isinstance(value, bool):
        found += [float(value), -0.0 if value == 0 else value + 0.5]
    for part in branches(schema):
        for bound in (part.get("minimum"), part.get("maximum")):
            if bound is not None:
                found += [bound - 1, bound - 0.5, bound, float(bound), bound + 0.5, bound + 1]
        if "maxLength" in part:
            found += ["x" * part["maxLength"], "x" * (part["maxLength"] + 1)]
        if part.get("format") == "date":
            found += DATES
        most = part.get("maxItems", 10**9)
        if isinstance(value, list) and value and most <= 600:
            found += [value[:1] * most, value[:1] * (most + 1)]
    return [*found, 1e300, -1e300, MAX_INT + 1, 2**53 + 2.0]


@st.composite
def near_misses(draw: st.DrawFn, doc: dict[str, Any], name: str) -> dict[str, Any]:
    """``doc``, a valid document of model ``name``, with one field changed, dropped or
    added."""
    schema = DEFS[name]
    how = draw(st.sampled_from(["replace", "replace", "replace", "drop", "add"]))
    if how == "add":
        return {**doc, draw(st.sampled_from(["zz_extra", "Id", ""])): 1}
    field = draw(st.sampled_from(sorted(schema["properties"])))
    if how == "drop":
        return {key: value for key, value in doc.items() if key != field}
    value = draw(st.sampled_from(near_values(schema["properties"][field], doc.get(field))))
    return {**doc, field: value}


@pytest.mark.long
# The reruns judge a fifth as many near misses: the documents are Hypothesis's draws and the
# schema's verdict jsonschema's, alike on any interpreter; each rerun checks footcore's
# reader agrees on a sample of them.
@settings(SETTINGS, max_examples=examples(300, rerun=60))
@given(decisions(RULEBOOK), st.data())
def test_a_near_miss_of_a_valid_document_is_judged_alike(decision: fc.Decision,
                                                         data: st.DataObject) -> None:
    doc = json.loads(fc.to_json(decision))
    agree(doc, "Decision")
    path, name = data.draw(st.sampled_from(sorted(set(objects(doc, DEFS["Decision"])),
                                                  key=repr)))
    part: Any = doc
    for step in path:
        part = part[step]
    miss = data.draw(near_misses(part, name))
    agree(miss, name)
    agree(replaced(doc, path, miss), "Decision")


# ---------------------------------------------------------------- the defects, one by one

CHECKIN = {"on": "2026-01-05", "completed": True, "minutes": 18}
STATE = fc.Engine(RULEBOOK).new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))


@pytest.mark.parametrize(("literal", "read"), [
    ("18.0", 18), ("1e1", 10), ("1.8e1", 18), ("-0.0", 0), ("600.0", 600), ("18", 18)])
def test_a_whole_number_may_have_a_zero_fraction(literal: str, read: int) -> None:
    text = json.dumps(CHECKIN).replace("18", literal)
    fast = _reading.read(text, fc.CheckIn)  # the fast path reads it too
    assert fast is not None
    for checkin in (fast, fc.from_json(text, fc.CheckIn),
                    structure(parse_json(text), fc.CheckIn, "CheckIn")):
        assert checkin.minutes == read and type(checkin.minutes) is int
    assert VALIDATORS["CheckIn"].is_valid(json.loads(text))


@pytest.mark.parametrize("literal", ["18.5", "600.5", "601.0", "-1.0", "true", "1e300"])
def test_a_fraction_or_a_flag_is_not_a_whole_number(literal: str) -> None:
    text = json.dumps(CHECKIN).replace("18", literal)
    with pytest.raises(fc.InputError, match=r"\$\.minutes|CheckIn\.minutes"):
        fc.from_json(text, fc.CheckIn)
    assert not VALIDATORS["CheckIn"].is_valid(json.loads(text))


@pytest.mark.parametrize("value", [1e300, -1e300, 2.0**53, MAX_INT + 1])
def test_a_parameter_value_beyond_the_limit_is_refused_by_both(value: float) -> None:
    doc = {"name": "pain_cap", "value": value, "default": False}
    with pytest.raises(fc.InputError, match="within"):
        fc.from_json(json.dumps(doc), fc.models.ParamUse)
    assert not VALIDATORS["ParamUse"].is_valid(doc)


@pytest.mark.parametrize(("value", "refused"), [
    (1e300, "within"), (2.0**53, "within"), (12345678901234567, "integer_digits")])
def test_a_metric_beyond_the_limit_is_refused_by_both(value: float, refused: str) -> None:
    doc = {**CHECKIN, "metrics": {"balance_eyes_open_s": value}}
    with pytest.raises(fc.InputError, match=refused):
        fc.from_json(json.dumps(doc), fc.CheckIn)
    assert not VALIDATORS["CheckIn"].is_valid(doc)


def test_the_rules_between_fields_are_in_the_descriptions() -> None:
    described = {name: DEFS[name]["description"] for name in ("AthleteState", "Decision")}
    for phrase in ("same started_on", "same athlete_id", "state.last_checkin_on is "
                   "checkin.on", "overridden_by", "field's type", "'symptom[0]'"):
        assert phrase in described["Decision"]
    for phrase in ("before started_on", "distinct dates in increasing order", "distinct ids"):
        assert phrase in described["AthleteState"]


def test_a_rule_a_schema_can_state_is_in_its_keywords() -> None:
    state = json.loads(fc.to_json(STATE))
    for changed in ({"backoff": "rest"}, {"backoff_until": state["started_on"]}):
        assert not VALIDATORS["AthleteState"].is_valid({**state, **changed})
        with pytest.raises(fc.InputError, match="backoff_until"):
            fc.from_json(json.dumps({**state, **changed}), fc.AthleteState)
    unmet = {"field": "minutes", "op": "in", "needed": 5, "actual": 3}
    assert not VALIDATORS["Unmet"].is_valid(unmet)
    with pytest.raises(fc.InputError, match=r"Unmet\.needed"):
        fc.from_json(json.dumps(unmet), fc.models.Unmet)
    assert VALIDATORS["Unmet"].is_valid({**unmet, "needed": [5]})


@pytest.mark.parametrize("day", ["9011-01-08", "9010-12-31"])
def test_a_late_backoff_end_from_json_takes_the_schema_takes(day: str) -> None:
    state = json.loads(fc.to_json(STATE))
    doc = {**state, "backoff": "rest", "backoff_until": day}
    assert fc.from_json(json.dumps(doc), fc.AthleteState).backoff_until is not None
    assert VALIDATORS["AthleteState"].is_valid(doc)


def test_a_long_matched_field_name_is_refused_by_both() -> None:
    firing = {"rule_id": "r", "action": "hold", "source": [], "summary": "", "fact": "checkin",
              "matched": {"x" * 2001: 1}, "won": True}
    with pytest.raises(fc.InputError):
        fc.from_json(json.dumps(firing), fc.models.Firing)
    assert not VALIDATORS["Firing"].is_valid(firing)



def rewritten(data: Any, number: Any) -> Any:
    """JSON ``data`` with each number (not a flag) made by ``number``."""
    if isinstance(data, dict):
        return {key: rewritten(value, number) for key, value in data.items()}
    if isinstance(data, list):
        return [rewritten(value, number) for value in data]
    if isinstance(data, int | float) and not isinstance(data, bool):
        return number(data)
    return data


@settings(SETTINGS, max_examples=60)
@given(decisions(RULEBOOK), st.sampled_from(["javascript", "doubles"]))
def test_a_decision_reads_back_however_its_numbers_are_written(decision: fc.Decision,
                                                               how: str) -> None:
    """As JavaScript writes it (4.0 as 4), or as a client with only doubles writes it (18 as
    18.0): the same decision, from either path."""
    if how == "javascript":
        doc = rewritten(json.loads(fc.to_json(decision)),
                        lambda n: int(n) if float(n).is_integer() else n)
    else:
        doc = rewritten(json.loads(fc.to_json(decision)), float)
    assert refusal(doc, fc.Decision) is None
    assert fc.from_json(json.dumps(doc), fc.Decision) == decision
    assert VALIDATORS["Decision"].is_valid(doc)


def test_a_matched_number_reads_as_its_fact_fields_type() -> None:
    firing = {"rule_id": "r", "action": "hold", "source": [], "summary": "", "won": True,
              "fact": "checkin", "matched": {"foot_fatigue": 9, "minutes": 18.0,
                                             "completed": True, "stage": "x"}}
    for read in (fc.from_json(json.dumps(firing), fc.models.Firing),
                 structure(parse_json(json.dumps(firing)), fc.models.Firing, "Firing")):
        assert [(name, type(value)) for name, value in read.matched] == [
            ("foot_fatigue", float), ("minutes", int), ("completed", bool), ("stage", str)]
        assert read.matched_facts == {"foot_fatigue": 9.0, "minutes": 18, "completed": True,
                                      "stage": "x"}
