"""The durable backend fires exactly the rules the native reference fires."""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor

import pytest

pytest.importorskip("durable_rules_engine")

from hypothesis import given, settings
from hypothesis import strategies as st

from fact_strategies import fact_sets, neutral, rule, rules
from footcore import _durable
from footcore._conditions import (
    FACT_FIELDS,
    CompiledRule,
    Facts,
    FactType,
    Match,
    Op,
    match_native,
)
from footcore._conditions import Test as Condition
from footcore._durable import DurableMatcher, durable_available
from footcore._errors import EngineError, RulebookError

SAMPLE_RULES = [
    rule(FactType.SYMPTOM, Condition("severity", Op.GE, 5)),
    rule(FactType.SYMPTOM, Condition("kind", Op.IN, ("soreness", "stiffness"))),
    rule(FactType.SYMPTOM),
    rule(FactType.CHECKIN, Condition("foot_fatigue", Op.GT, 6.5),
         Condition("has_foot_fatigue", Op.EQ, True)),
    rule(FactType.COMPENSATION, Condition("kind", Op.NOT_IN, ("toe_gripping",))),
]


def sample_facts(n: int) -> Facts:
    return {
        FactType.CHECKIN: [neutral(FactType.CHECKIN, foot_fatigue=n % 10 + 0.5,
                                   has_foot_fatigue=n % 3 > 0)],
        FactType.SYMPTOM: [neutral(FactType.SYMPTOM, severity=(n + i) % 11,
                                   kind=("soreness", "irritation")[(n + i) % 2])
                           for i in range(n % 4)],
        FactType.COMPENSATION: [neutral(FactType.COMPENSATION,
                                        kind=("toe_gripping", "knee_valgus")[n % 2])],
    }


def test_durable_imports_here() -> None:
    assert durable_available()


# Each example builds its own ruleset (~200-330 KB); a collected matcher's ruleset is freed
# by the next engine call, so memory stays bounded across the run.
@settings(max_examples=200, deadline=None)
@given(st.lists(rules(), max_size=8), st.lists(fact_sets(), min_size=1, max_size=3))
def test_matches_native(rule_list: list[CompiledRule], drawn: list[Facts]) -> None:
    matcher = DurableMatcher(rule_list)
    for facts in drawn:
        assert matcher.match(facts) == match_native(rule_list, facts)


def test_identical_facts_both_fire() -> None:
    sore = neutral(FactType.SYMPTOM, kind="soreness", severity=4)
    facts = {FactType.SYMPTOM: [sore, dict(sore)]}
    matched = DurableMatcher([rule(FactType.SYMPTOM, Condition("severity", Op.EQ, 4))]).match(facts)
    assert matched == {Match(0, 0), Match(0, 1)}


def test_rule_without_tests_fires_once_per_fact() -> None:
    facts = {FactType.SYMPTOM: [neutral(FactType.SYMPTOM)] * 3,
             FactType.CHECKIN: [neutral(FactType.CHECKIN)]}
    matcher = DurableMatcher([rule(FactType.SYMPTOM), rule(FactType.COMPENSATION)])
    assert matcher.match(facts) == {Match(0, 0), Match(0, 1), Match(0, 2)}
    assert matcher.match({}) == frozenset()


def test_empty_value_lists() -> None:
    facts = {FactType.SYMPTOM: [neutral(FactType.SYMPTOM)]}
    rules = [rule(FactType.SYMPTOM, Condition("kind", Op.IN, ())),
             rule(FactType.SYMPTOM, Condition("kind", Op.NOT_IN, ()))]
    assert DurableMatcher(rules).match(facts) == match_native(rules, facts) == {Match(1, 0)}


def test_threads_agree_with_serial() -> None:
    subset = SAMPLE_RULES[::2]
    matchers = [(DurableMatcher(SAMPLE_RULES), SAMPLE_RULES), (DurableMatcher(subset), subset)]
    expected = [[match_native(rules, sample_facts(n)) for n in range(500)] for _, rules in matchers]
    failures: list[int] = []

    def work(offset: int) -> None:
        for k in range(500):
            n, which = (k + offset) % 500, (k + offset) % 2
            if matchers[which][0].match(sample_facts(n)) != expected[which][n]:
                failures.append(n)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(0, 400, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_many_evaluations_stay_correct() -> None:
    """20,000 sessions on one matcher: a session left alive would make the 1,025th raise
    MemoryError (design notes), so finishing correct shows each one was deleted. Memory
    over such runs is measured in benchmarks/bench_memory.py."""
    matcher = DurableMatcher(SAMPLE_RULES)
    cases = [(sample_facts(n), match_native(SAMPLE_RULES, sample_facts(n))) for n in range(40)]
    for k in range(20_000):
        facts, expected = cases[k % 40]
        assert matcher.match(facts) == expected


def test_collected_matchers_hand_their_rulesets_back() -> None:
    for _ in range(5):
        DurableMatcher(SAMPLE_RULES).match(sample_facts(1))
    gc.collect()
    assert len(_durable._ORPHANS) >= 1  # queued for deletion by the next caller
    kept = DurableMatcher(SAMPLE_RULES)
    kept.match(sample_facts(1))
    assert _durable._ORPHANS == []


def test_pickle_round_trip_rebuilds() -> None:
    clone = pickle.loads(pickle.dumps(DurableMatcher(SAMPLE_RULES)))
    for n in range(8):
        assert clone.match(sample_facts(n)) == match_native(SAMPLE_RULES, sample_facts(n))


def test_process_pool_with_spawn() -> None:
    matcher = DurableMatcher(SAMPLE_RULES)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [(n, pool.submit(DurableMatcher.match, matcher, sample_facts(n)))
                   for n in range(8)]
        for n, future in futures:
            assert future.result(timeout=60) == match_native(SAMPLE_RULES, sample_facts(n))


def in_groups(count: int) -> tuple[Condition, ...]:
    numeric = sorted(name for name, spec in FACT_FIELDS[FactType.CHECKIN].items()
                     if spec.type in (int, float))
    return tuple(Condition(name, Op.IN, (1, 2)) for name in numeric[:count])


def test_too_many_in_groups_names_the_rule() -> None:
    tests = in_groups(15)
    with pytest.raises(RulebookError, match="too-long"):
        DurableMatcher([rule(FactType.CHECKIN), rule(FactType.CHECKIN, *tests, rule_id="too-long")])
    matcher = DurableMatcher([rule(FactType.CHECKIN, *tests[:14])])
    assert matcher.match({FactType.CHECKIN: [neutral(FactType.CHECKIN)]}) == frozenset()


def test_engine_compile_error_names_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_durable, "MAX_SET_GROUPS", 100)
    tests = in_groups(15)
    with pytest.raises(RulebookError, match=r"'late'.*error code: 113"):
        DurableMatcher([rule(FactType.CHECKIN), rule(FactType.CHECKIN, *tests, rule_id="late")])


def test_sibling_condition_limit() -> None:
    wide = [rule(FactType.SYMPTOM, Condition("days", Op.IN, (n, -n - 1))) for n in range(255)]
    matcher = DurableMatcher([*wide, rule(FactType.SYMPTOM, Condition("severity", Op.EQ, 3))])
    facts = {FactType.SYMPTOM: [neutral(FactType.SYMPTOM, days=7, severity=3)]}
    assert matcher.match(facts) == {Match(7, 0), Match(255, 0)}
    with pytest.raises(RulebookError, match="'last'") as refused:
        DurableMatcher([*wide, rule(FactType.SYMPTOM, Condition("days", Op.IN, (1, 2)),
                                    rule_id="last")])
    assert refused.value.code == "durable-limit"
    assert f"more than {_durable.MAX_SIDE_BY_SIDE} conditions" in str(refused.value)


@pytest.mark.parametrize(("test", "field"), [
    (Condition("nope", Op.EQ, 1), "nope"),
    (Condition("severity", Op.EQ, "3"), "severity"),
    (Condition("history", Op.EQ, 1), "history"),
    (Condition("severity", Op.IN, 3), "severity"),
    (Condition("severity", Op.GT, 2**60), "severity"),
])
def test_bad_tests_are_rulebook_errors(test: Condition, field: str) -> None:
    with pytest.raises(RulebookError, match=rf"'bad'.*{field}"):
        DurableMatcher([rule(FactType.SYMPTOM, test, rule_id="bad")])


@pytest.mark.parametrize("fact", [
    {"severity": float("nan")},
    {"severity": None},
    {},
])
def test_unsendable_facts_are_engine_errors(fact: Mapping[str, object]) -> None:
    matcher = DurableMatcher([rule(FactType.SYMPTOM, Condition("severity", Op.GT, 1))])
    with pytest.raises(EngineError):
        matcher.match({FactType.SYMPTOM: [fact]})  # type: ignore[list-item]
    assert matcher.match({FactType.SYMPTOM: [neutral(FactType.SYMPTOM, severity=2)]}) == {
        Match(0, 0)}


@pytest.mark.parametrize(("failure", "said"), [
    (ModuleNotFoundError("No module named 'durable_rules_engine'", name="durable_rules_engine"),
     "durable_rules is not installed"),
    (ImportError("PyEval_CallObject"), "does not import on this Python (PyEval_CallObject)"),
])
def test_unavailable_engine_is_an_engine_error_naming_the_extra(
        monkeypatch: pytest.MonkeyPatch, failure: ImportError, said: str) -> None:
    def broken() -> None:
        raise failure

    monkeypatch.setattr(_durable, "_engine", broken)
    _durable._unavailable.cache_clear()
    try:
        assert not durable_available()
        with pytest.raises(EngineError) as refused:
            DurableMatcher(SAMPLE_RULES)
        assert refused.value.code == "durable-missing"
        for needle in (said, "pip install 'footcore[durable]'", "backend='native'"):
            assert needle in str(refused.value)
    finally:
        _durable._unavailable.cache_clear()
