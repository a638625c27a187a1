"""Lint's index: the indexed checks find exactly what comparing every pair of rules finds
(tests/lint_reference.py), and compare only rules that can fire on one fact."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footcore import Action
from footcore._conditions import FACT_FIELDS, FACT_TYPES, FactType, Op
from footcore._enums import RULE_ACTIONS
from footcore._errors import RulebookError
from footcore._rulebook import Condition, Rule
from footcore._rulebook_compiling import _domain
from footcore._rulebook_loading import assemble
from footcore.analysis import lint
from footcore.analysis._lint import WORSE_WHEN_HIGHER
from footcore.analysis._rule_index import RuleIndex
from footcore.models import Rulebook
from lint_reference import naive_lint
from test_lint import cond, rebuild, rule

_NUMBERS = st.integers(0, 12) | st.sampled_from([0.5, 2.5, 4.5, 9.5, 10.0, 11.0])


def _values(fact: FactType, field: str, rulebook: Rulebook) -> st.SearchStrategy[Any]:
    spec = FACT_FIELDS[fact][field]
    if spec.type is bool:
        return st.booleans()
    if spec.type is str:
        domain = _domain(spec, list(rulebook.stages), rulebook.exercises)
        return st.sampled_from(sorted(domain) if domain else ["a", "b", ""])
    return st.integers(0, 12) if spec.type is int else _NUMBERS


@st.composite
def _condition(draw: st.DrawFn, fact: FactType, rulebook: Rulebook) -> Condition:
    # Many conditions are lower bounds on the fields lint grades, or on the stage: where
    # rules overlap and threshold-order findings arise.
    graded = WORSE_WHEN_HIGHER.get(fact, ())
    bound: bool = draw(st.booleans())
    if graded and bound:
        return Condition(draw(st.sampled_from(graded)), draw(st.sampled_from([Op.GE, Op.GT])),
                         draw(st.integers(0, 12)))
    field = draw(st.sampled_from(["stage", *sorted(FACT_FIELDS[fact])]))
    kind = FACT_FIELDS[fact][field].type
    ops = [Op.EQ, Op.NE] if kind is bool else [Op.EQ, Op.NE, Op.IN, Op.NOT_IN] \
        if kind is str else list(Op)
    op = draw(st.sampled_from(ops))
    values = _values(fact, field, rulebook)
    if op in (Op.IN, Op.NOT_IN):
        return Condition(field, op, draw(st.lists(values, min_size=1, max_size=3, unique=True)))
    return Condition(field, op, draw(values))


@st.composite
def grown_rulebooks(draw: st.DrawFn, rulebook: Rulebook) -> Rulebook:
    """The shipped rulebook less some of its rules, plus drawn rules of every action."""
    kept = draw(st.lists(st.sampled_from([r.id for r in rulebook.rules]), unique=True,
                         max_size=6))
    added = []
    for number in range(draw(st.integers(1, 14))):
        fact = draw(st.sampled_from(FACT_TYPES))
        action = Action(draw(st.sampled_from(RULE_ACTIONS)))
        when = draw(st.lists(_condition(fact, rulebook), max_size=4))
        added.append(rule(f"drawn-{number}", action, fact, *when))
    try:
        return assemble(rulebook.meta, rulebook.params, rulebook.exercises.values(),
                        rulebook.stages, [*(r for r in rulebook.rules if r.id not in kept),
                                          *added], location="drawn", allow_unsafe=True)
    except RulebookError:  # e.g. a stage left without an advance rule
        return rulebook


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_indexed_lint_finds_what_comparing_every_pair_finds(rulebook: Rulebook,
                                                                data: st.DataObject) -> None:
    grown = data.draw(grown_rulebooks(rulebook))
    assert lint(grown) == naive_lint(grown)


@pytest.mark.parametrize("extra", [
    pytest.param([rule("sharp-hold", Action.HOLD, FactType.SYMPTOM,
                       cond("kind", "eq", "sharp_pain"))], id="shadowed"),
    pytest.param([rule("low-rest", Action.REST, FactType.SYMPTOM,
                       cond("kind", "eq", "fatigue"), cond("severity", "ge", 1))],
                 id="threshold-order"),
    pytest.param([rule("dead", Action.DELOAD, FactType.SYMPTOM, cond("severity", "gt", 10))],
                 id="never-fires"),
])
def test_each_pairwise_finding_is_found_as_every_pair_finds_it(
        rulebook: Rulebook, extra: list[Rule]) -> None:
    changed = rebuild(rulebook, add=extra)
    assert lint(changed) == naive_lint(changed) != ()


def test_rules_on_different_stages_are_never_compared(rulebook: Rulebook) -> None:
    stages = [stage.id for stage in rulebook.stages]
    extra = [rule(f"{stage}-{action.value}", action, FactType.CHECKIN,
                  cond("stage", "eq", stage), cond("max_severity", "ge", 7 + rank))
             for stage in stages for rank, action in enumerate((Action.REST, Action.HOLD))]
    index = RuleIndex(rebuild(rulebook, add=extra))
    pairs = list(index.harsher_lower(WORSE_WHEN_HIGHER))
    assert pairs, "the rest and hold rules of one stage are a pair"
    for harsh, mild in pairs:
        assert set(index.stages(harsh)) & set(index.stages(mild))
        assert harsh.rank < mild.rank
