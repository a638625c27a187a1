"""Athlete and check-in ids: every spelling of a name is one id, kept in Unicode NFC, and a
text that does not show what it is (blank, padded, invisible, a lone surrogate, a control
character) is refused with code invalid-id, through the models, from_json and the store."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
import footcore.models
import footcore.store
from footcore import _reading
from footcore._convert import structure
from footcore._ids import normal_id
from footcore._jsonparse import parse_json

START = date(2026, 1, 5)
SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
CAFE = "caf\u00e9"  # é composed: NFC
CAFE_NFD = "cafe\u0301"  # e and a combining acute accent: NFD

# Characters that make ids tricky: spaces and blanks, invisible and format characters,
# combining marks, a lone surrogate, controls, letters that NFC changes or composes.
TRICKY = [" ", "\u2800", "\u200b", "\u3000", "\u00a0", "\ufeff", "\u3164", "\u0301", "\u0303",
          "\u200d", "\ud800", "\udfff", "\x00", "\t", "\n", "\x7f", "\u2028", "\ue000", "e",
          "\u00e9", "q", "A", "-", "\u0958", "\ufb2c", "\u212b", "\u1e9b", "\u0323"]
IDS = st.one_of(
    st.text(alphabet=st.sampled_from(TRICKY), max_size=6),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=12),  # surrogates too
    st.text(max_size=140),
)

# One example of each kind of refused id.
REFUSED = {
    "empty": "",
    "trailing space": "a-1 ",
    "leading space": " a-1",
    "braille blank": "\u2800",
    "hangul filler": "\u3164",
    "zero width space": "a\u200b",
    "ideographic space": "\u3000",
    "no-break space": "a\u00a0b",
    "byte order mark": "\ufeffa",
    "combining mark alone": "\u0301",
    "leading combining mark": "\u0301a",
    "lone surrogate": "a\ud800",
    "control character": "a\x00b",
    "tab": "a\tb",
    "too long": "x" * 129,
}


def checkin(**fields: Any) -> fc.CheckIn:
    return fc.CheckIn(on=START, completed=True, minutes=18, **fields)


def made(text: str) -> fc.CheckIn | fc.InputError:
    """The check-in with id ``text``, or the error refusing it."""
    try:
        return checkin(id=text)
    except fc.InputError as exc:
        return exc


# ---------------------------------------------------------------- the rule, as properties


@SETTINGS
@given(IDS)
def test_an_id_is_refused_as_invalid_id_or_kept_in_nfc(text: str) -> None:
    got = made(text)
    if isinstance(got, fc.InputError):
        assert (got.code, got.field) == ("invalid-id", "CheckIn.id"), str(got)
        return
    kept = got.id
    assert kept is not None
    assert unicodedata.is_normalized("NFC", kept)
    assert kept == unicodedata.normalize("NFC", text)
    assert normal_id(kept, "id") == kept  # normalising again changes nothing
    assert checkin(id=kept) == got


@SETTINGS
@given(IDS)
def test_every_spelling_of_an_id_is_the_same_id(text: str) -> None:
    spellings = {unicodedata.normalize(form, text) for form in ("NFC", "NFD")} | {text}
    if any(len(spelling) > 128 for spelling in spellings):
        return  # a spelling past the limit is refused for its length alone
    outcomes = [made(spelling) for spelling in spellings]
    accepted = [o for o in outcomes if isinstance(o, fc.CheckIn)]
    assert len(accepted) in (0, len(outcomes)), outcomes
    assert all(o == accepted[0] for o in accepted)
    if accepted:
        states = {fc.AthleteState(athlete_id=s, goal=fc.Goal.RUNNER, stage="control",
                                  dose_level=0, started_on=START, rulebook_digest="0" * 64)
                  for s in spellings}
        assert len(states) == 1


@SETTINGS
@given(IDS)
def test_an_accepted_id_round_trips_through_canonical_json(text: str) -> None:
    got = made(text)
    if isinstance(got, fc.InputError):
        return
    assert fc.from_json(fc.to_json(got), fc.CheckIn) == got
    # The id as the app spelled it reads to the same check-in, on both paths of from_json.
    raw = json.dumps({"on": START.isoformat(), "completed": True, "minutes": 18, "id": text},
                     ensure_ascii=False)
    assert structure(parse_json(raw, "CheckIn"), fc.CheckIn, "CheckIn") == got
    assert _reading.read(raw, fc.CheckIn) in (got, None)
    assert fc.from_json(raw, fc.CheckIn) == got


@SETTINGS
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10))
def test_the_schema_and_from_json_agree_on_ascii_ids(text: str) -> None:
    doc = {"on": START.isoformat(), "completed": True, "id": text}
    schema = jsonschema.Draft202012Validator(fc.models.json_schema(fc.CheckIn))
    try:
        fc.from_json(json.dumps(doc), fc.CheckIn)
        accepted = True
    except fc.InputError as exc:
        assert exc.code == "invalid-id", str(exc)
        accepted = False
    assert schema.is_valid(doc) == accepted


# ---------------------------------------------------------------- refused, everywhere


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_the_models_refuse_a_text_that_is_no_id(text: str, engine: fc.Engine) -> None:
    with pytest.raises(fc.InputError) as refused:
        engine.new_athlete(text, goal=fc.Goal.RUNNER, start=START)
    assert (refused.value.code, refused.value.field) == ("invalid-id", "AthleteState.athlete_id")
    assert str(refused.value).startswith("AthleteState.athlete_id: got ")
    for build, field in ((lambda: checkin(id=text), "CheckIn.id"),
                         (lambda: fc.models.CheckInRef(text, START), "CheckInRef.id")):
        with pytest.raises(fc.InputError) as refused:
            build()
        assert (refused.value.code, refused.value.field) == ("invalid-id", field)


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_from_json_refuses_a_text_that_is_no_id(text: str, engine: fc.Engine) -> None:
    state = json.loads(fc.to_json(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)))
    decision = json.loads(fc.to_json(engine.evaluate(
        engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START), checkin(id="c-1"))))
    decision["checkin"]["id"] = text
    for doc, kind, field in (
            ({**state, "athlete_id": text}, fc.AthleteState, "$.athlete_id"),
            ({"on": START.isoformat(), "completed": True, "id": text}, fc.CheckIn, "$.id"),
            (decision, fc.Decision, "$.checkin.id")):
        assert _reading.read(json.dumps(doc), kind) is None  # left to the general path
        with pytest.raises(fc.InputError) as refused:
            fc.from_json(json.dumps(doc), kind)
        if "\ud800" in text:  # the JSON reader refuses a lone surrogate before any id rule
            assert "surrogate" in str(refused.value)
        elif len(text) > 128:  # or a text over the limit, before any object is made
            assert refused.value.code == "invalid-id" or "at most 128" in str(refused.value)
        else:
            assert (refused.value.code, refused.value.field) == ("invalid-id", field), str(
                refused.value)


@pytest.fixture
def store(store_url: str) -> Iterator[fc.store.Store]:
    with fc.open_store(store_url) as opened:
        yield opened


def test_the_store_refuses_a_text_that_is_no_id(store: fc.store.Store, engine: fc.Engine) -> None:
    store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
    calls = [lambda athlete: store.state(athlete), lambda athlete: store.decisions(athlete),
             lambda athlete: store.history(athlete),
             lambda athlete: store.check_in(engine, athlete, checkin(id="c-1"))]
    for text in REFUSED.values():
        for call in calls:
            with pytest.raises(fc.InputError) as refused:
                call(text)
            assert (refused.value.code, refused.value.field) == ("invalid-id", "athlete_id")
    assert store.athletes() == ("a-1",)
    assert store.decisions("a-1") == ()


def test_the_store_keeps_one_athlete_for_every_spelling(store: fc.store.Store,
                                                         engine: fc.Engine) -> None:
    store.add_athlete(engine.new_athlete(CAFE_NFD, goal=fc.Goal.RUNNER, start=START))
    with pytest.raises(fc.Conflict) as refused:
        store.add_athlete(engine.new_athlete(CAFE, goal=fc.Goal.RUNNER, start=START))
    assert refused.value.code == "athlete-exists"
    assert store.athletes() == (CAFE,)
    assert store.state(CAFE) == store.state(CAFE_NFD)
    first = store.check_in(engine, CAFE, checkin(id=CAFE))
    assert store.decisions(CAFE_NFD) == (first,)


def test_a_retry_spelled_in_nfd_is_recorded_once(store: fc.store.Store, engine: fc.Engine) -> None:
    store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
    first = store.check_in(engine, "a-1", checkin(id=CAFE))
    again = store.check_in(engine, "a-1", checkin(id=CAFE_NFD))
    assert again == first
    assert len(store.decisions("a-1")) == 1
    assert store.verify().ok


def test_an_audit_logs_history_finds_an_athlete_by_any_spelling(tmp_path: Path,
                                                                 engine: fc.Engine) -> None:
    log = fc.audit.AuditLog(tmp_path / "log.jsonl")
    log.append(engine.evaluate(engine.new_athlete(CAFE_NFD, goal=fc.Goal.RUNNER, start=START),
                               checkin(id="c-1")))
    assert len(fc.audit.history(log.path, CAFE)) == len(fc.audit.history(log.path, CAFE_NFD)) == 1
    with pytest.raises(fc.InputError) as refused:
        fc.audit.history(log.path, "\u2800")
    assert refused.value.code == "invalid-id"
