"""The error contract holds for any input: raw JSON text, raw TOML text and constructor
arguments, malformed and extreme, give a FootcoreError or a value, never another exception;
and whatever is accepted, both backends decide alike. ``benchmarks/fuzz.py`` runs the same
generators for 10^5 inputs and more."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
from fuzz_inputs import (
    check_constructor,
    check_decision,
    check_json,
    check_pair,
    check_toml,
    constructor_calls,
    json_texts,
    rules_copy,
    toml_edits,
)
from rerun import examples

# The reruns fuzz a quarter as many inputs: the texts and calls are Hypothesis's draws, alike
# on any interpreter; each rerun shows that interpreter's json, tomllib and exceptions keep
# the contract on a sample of them (tests/rerun.py).
FUZZ = settings(max_examples=examples(1000, rerun=250), deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SEEN: Counter[str] = Counter()


@FUZZ
@given(json_texts(fc.AthleteState), json_texts(fc.CheckIn))
def test_json_states_and_checkins(state: str, checkin: str) -> None:
    check_pair(state, checkin, SEEN)


@settings(FUZZ, max_examples=examples(200, rerun=50))
@given(json_texts(fc.Decision))
def test_json_decisions(text: str) -> None:
    check_decision(text, SEEN)


@FUZZ
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(
    lambda b: b.decode("latin-1"))), st.sampled_from([fc.CheckIn, fc.AthleteState, fc.Decision]))
def test_arbitrary_text(text: str, kind: type) -> None:
    check_json(text, kind, SEEN)


@FUZZ
@given(constructor_calls())
def test_constructor_arguments(call: tuple[type, dict[str, Any]]) -> None:
    check_constructor(*call, SEEN)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rules_copy(tmp_path_factory.mktemp("fuzz"))


@settings(FUZZ, max_examples=examples(200, rerun=50))
@given(edit=toml_edits())
def test_rulebook_files(rules: Path, edit: tuple[str, str]) -> None:
    check_toml(rules, *edit, SEEN)


def test_the_generators_reach_every_outcome() -> None:
    """The fuzzing above (or, when this test runs alone, the JSON fuzzing run here) did
    accept, refuse and evaluate inputs, and nothing escaped or disagreed."""
    if not SEEN:
        test_json_states_and_checkins()
        test_json_decisions()
    assert SEEN["accepted"] and SEEN["refused"] and SEEN["agreed"], SEEN
    assert SEEN["escaped"] == SEEN["disagreed"] == 0, SEEN
