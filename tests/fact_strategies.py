"""Hypothesis strategies for compiled rules and the facts they read, shared by the tests of
the backends (durable, compiled) against the reference interpreter, ``match_native``."""

from __future__ import annotations

from hypothesis import strategies as st

from footcore._conditions import FACT_FIELDS, FACT_TYPES, CompiledRule, FactType, Op, Scalar
from footcore._conditions import Test as Condition
from footcore._enums import Action

STRINGS = ["", "a", "b", "A", "soreness", "arch", "10", "9", 'x"y', "x#", "a\\", "é", "\ud800"]
FLOATS = [0.0, -0.0, 1e-05, 0.5, 20.0, -1.5, 0.1 + 0.2, 0.3, 1e20, 2.5e-300]
SOME_STRINGS = st.sampled_from(STRINGS)


def values(kind: type, strings: st.SearchStrategy[str] = SOME_STRINGS
           ) -> st.SearchStrategy[Scalar]:
    """Type-correct values: numbers of both kinds compare with int and float fields."""
    if kind is bool:
        return st.booleans()
    if kind is str:
        return strings
    numbers = st.integers(-3, 12) | st.sampled_from(FLOATS)
    return numbers if kind is int else numbers | st.floats(-50, 50)


@st.composite
def conditions(draw: st.DrawFn, fact: FactType,
               strings: st.SearchStrategy[str] = SOME_STRINGS) -> Condition:
    field = draw(st.sampled_from(sorted(FACT_FIELDS[fact])))
    kind = FACT_FIELDS[fact][field].type
    op = draw(st.sampled_from([Op.EQ, Op.NE] if kind is bool else list(Op)))
    if op in (Op.IN, Op.NOT_IN):
        return Condition(field, op, tuple(draw(st.lists(values(kind, strings), min_size=1,
                                                        max_size=4, unique=True))))
    return Condition(field, op, draw(values(kind, strings)))


@st.composite
def rules(draw: st.DrawFn, ids: st.SearchStrategy[str] | None = None,
          strings: st.SearchStrategy[str] = SOME_STRINGS) -> CompiledRule:
    fact = draw(st.sampled_from(FACT_TYPES))
    rule_id = draw(ids) if ids is not None else f"rule-{draw(st.integers(0, 999))}"
    return CompiledRule(rule_id, Action.HOLD, fact,
                        tuple(draw(st.lists(conditions(fact, strings), max_size=5))))


def fact_of(kind: FactType) -> st.SearchStrategy[dict[str, Scalar]]:
    return st.fixed_dictionaries({name: values(spec.type)
                                  for name, spec in FACT_FIELDS[kind].items()})


def fact_sets(checkins: int = 1) -> st.SearchStrategy[dict[FactType, list[dict[str, Scalar]]]]:
    """Facts of one evaluation: ``checkins`` check-in facts at most (exactly one when 1, as
    the engine makes them), up to four symptoms and three compensations."""
    return st.fixed_dictionaries({
        FactType.CHECKIN: st.lists(fact_of(FactType.CHECKIN), min_size=min(checkins, 1),
                                   max_size=checkins),
        FactType.SYMPTOM: st.lists(fact_of(FactType.SYMPTOM), max_size=4),
        FactType.COMPENSATION: st.lists(fact_of(FactType.COMPENSATION), max_size=3),
    })


def neutral(fact_type: FactType, /, **values: Scalar) -> dict[str, Scalar]:
    fact = {name: spec.type() for name, spec in FACT_FIELDS[fact_type].items()}
    return {**fact, **values}


def rule(fact: FactType, *tests: Condition, rule_id: str = "r") -> CompiledRule:
    return CompiledRule(rule_id, Action.HOLD, fact, tests)
