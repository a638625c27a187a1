"""The compiled native backend fires exactly the rules the reference interpreter fires, in
rule order, and no text from a rulebook ever becomes part of its source."""

from __future__ import annotations

import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from fact_strategies import fact_sets, neutral, rule, rules
from footcore._compiled import CompiledMatcher
from footcore._conditions import CompiledRule, Facts, FactType, Match, Op, match_native
from footcore._conditions import Test as Condition
from rerun import examples

# Arbitrary text where a rulebook puts text: rule ids, and the values rules compare with.
ANY_TEXT = st.text(max_size=30)


def reference(rule_list: list[CompiledRule], facts: Facts) -> list[tuple[int, int]]:
    return sorted((m.rule, m.index) for m in match_native(rule_list, facts))


@pytest.mark.long
# Rerun on a quarter: the source is written from a few templates, one per operator and fact
# kind, each drawn in the first tens of examples; what the rest vary, the rules' shapes and
# the facts, the whole run searches, and no interpreter reads differently.
@settings(max_examples=examples(400, rerun=100), deadline=None)
@given(st.lists(rules(), max_size=12), st.lists(fact_sets(checkins=2), min_size=1, max_size=3))
def test_fires_what_the_interpreter_fires_in_rule_order(rule_list: list[CompiledRule],
                                                        drawn: list[Facts]) -> None:
    # Check-in facts: none, one (the engine's case, read into locals once) or two.
    matcher = CompiledMatcher(rule_list)
    for facts in drawn:
        assert matcher.ordered(facts) == reference(rule_list, facts)
        assert matcher.match(facts) == match_native(rule_list, facts)


@settings(max_examples=200, deadline=None)
@given(st.lists(rules(ids=ANY_TEXT, strings=ANY_TEXT), min_size=1, max_size=8),
       fact_sets())
def test_no_rulebook_text_becomes_code(rule_list: list[CompiledRule], facts: Facts) -> None:
    matcher = CompiledMatcher(rule_list)
    # The source holds no string literal at all, and no name but generated ones.
    assert not {'"', "'", "\\", "#"} & set(matcher.source)
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", matcher.source))
    assert words <= {"def", "match", "facts", "found", "add", "append", "get", "if", "len",
                     "for", "in", "enumerate", "and", "not", "else", "pass", "return", "True",
                     "fact", "index"} | {w for w in words if re.fullmatch(
                         r"(group|local|field|value|kind)[0-9]+", w)}
    assert matcher.ordered(facts) == reference(rule_list, facts)


def test_code_in_a_rule_stays_a_value() -> None:
    sneaky = "'); import os; os._exit(3); ('"
    rule_list = [rule(FactType.SYMPTOM, Condition("kind", Op.EQ, sneaky), rule_id=sneaky),
                 rule(FactType.SYMPTOM, Condition("kind", Op.IN, ("x", sneaky)))]
    matcher = CompiledMatcher(rule_list)
    assert sneaky not in matcher.source
    facts = {FactType.SYMPTOM: [neutral(FactType.SYMPTOM, kind=sneaky),
                                neutral(FactType.SYMPTOM, kind="x")]}
    assert matcher.ordered(facts) == [(0, 0), (1, 0), (1, 1)]


def test_a_rule_without_tests_fires_on_every_fact_of_its_type() -> None:
    matcher = CompiledMatcher([rule(FactType.SYMPTOM), rule(FactType.CHECKIN)])
    facts = {FactType.SYMPTOM: [neutral(FactType.SYMPTOM)] * 2,
             FactType.CHECKIN: [neutral(FactType.CHECKIN)]}
    assert matcher.ordered(facts) == [(0, 0), (0, 1), (1, 0)]
    assert matcher.match({}) == frozenset()


def test_the_shipped_rulebook_matches_as_interpreted(rulebook: fc.models.Rulebook) -> None:
    matcher = CompiledMatcher(rulebook.compiled)
    facts = {FactType.CHECKIN: [neutral(FactType.CHECKIN, completed=True, paused=True)],
             FactType.SYMPTOM: [neutral(FactType.SYMPTOM, kind="sharp_pain")]}
    assert matcher.ordered(facts) == reference(list(rulebook.compiled), facts)
    assert Match(rulebook.rules.index(next(r for r in rulebook.rules
                                           if r.id == "sharp-pain-pause")), 0) in (
        matcher.match(facts))


def test_a_pickled_matcher_generates_its_function_again() -> None:
    rule_list = [rule(FactType.CHECKIN, Condition("minutes", Op.GE, 15))]
    clone = pickle.loads(pickle.dumps(CompiledMatcher(rule_list)))
    assert clone.source == CompiledMatcher(rule_list).source
    assert clone.ordered({FactType.CHECKIN: [neutral(FactType.CHECKIN, minutes=20)]}) == [(0, 0)]
