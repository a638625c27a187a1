"""Compiling a rule as written into the tests the engine runs: each condition checked
against the fields of its fact type, its value or parameter turned into a constant of the
field's type and domain (the rulebook's stages and exercises, or an enumeration's values).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NoReturn

from ._conditions import (
    FACT_FIELDS,
    MAX_SET_GROUPS,
    ORDERING_OPS,
    SET_OPS,
    CompiledRule,
    FieldSpec,
    Op,
    Scalar,
    Test,
)
from ._enums import Category, CompensationKind, Goal, Location, SymptomKind
from ._errors import RulebookError
from ._limits import MAX_INT, limit
from ._models import Exercise
from ._rulebook import Param, Rule, Stage

__all__ = ["compile_rule"]

_ENUM_DOMAINS: Mapping[str, frozenset[str]] = {
    kind.__name__: frozenset(member.value for member in kind)
    for kind in (Goal, SymptomKind, Location, CompensationKind, Category)
}


def _domain(spec: FieldSpec, stages: list[Stage],
            exercises: Mapping[str, Exercise]) -> frozenset[str] | None:
    if spec.domain == "stage":
        return frozenset(stage.id for stage in stages)
    if spec.domain == "exercise":
        return frozenset(exercises) | {""}
    if spec.domain == "Category":
        return _ENUM_DOMAINS["Category"] | {""}
    return _ENUM_DOMAINS.get(spec.domain or "")


def _constant(value: Any, spec: FieldSpec, allowed: frozenset[str] | None,
              fail: Any) -> Scalar:
    if spec.type is bool:
        if not isinstance(value, bool):
            fail("expected true or false")
        return bool(value)
    if spec.type in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail("expected a number")
        if spec.type is int and not isinstance(value, int):
            fail("expected a whole number")
        if not math.isfinite(value) or abs(value) > MAX_INT:
            fail(f"expected a finite number within +-(2**53 - 1), got {value!r:.40}")
        return float(value) if spec.type is float else int(value)
    if not isinstance(value, str):
        fail("expected a string")
    if allowed is not None and value not in allowed:
        fail(f"{value!r} is not one of {', '.join(sorted(repr(a) for a in allowed))}")
    return str(value)


def compile_rule(rule: Rule, params: Mapping[str, Param], stages: list[Stage],
             exercises: Mapping[str, Exercise], file: str) -> CompiledRule:
    item = f"rule {rule.id}"
    if len(rule.when) > limit("conditions"):
        raise RulebookError(f"{len(rule.when)} conditions; at most {limit('conditions')} in one "
                            f"rule (conditions)", file=file, item=item, field="when")
    fields = FACT_FIELDS[rule.fact]
    guards: list[Test] = []
    tests: list[Test] = []
    for number, cond in enumerate(rule.when):
        where = f"when[{number}]"

        def fail(message: str, where: str = where) -> NoReturn:
            raise RulebookError(message, file=file, item=item, field=where)

        spec = fields.get(cond.field)
        if spec is None:
            fail(f"{rule.fact} facts have no field {cond.field!r}; they have "
                 f"{', '.join(sorted(fields))}")
        if (cond.value is None) == (cond.param is None):
            fail("give exactly one of value or param")
        if cond.op in ORDERING_OPS and spec.type not in (int, float):
            fail(f"{cond.op.value} compares numbers; {cond.field} is a {spec.type.__name__}")
        if spec.type is bool and cond.op in SET_OPS:
            fail(f"use eq or ne with the true/false field {cond.field}")
        raw: Any = cond.value
        if cond.param is not None:
            param = params.get(cond.param)
            if param is None:
                fail(f"unknown param {cond.param!r}")
            raw = param.value
        allowed = _domain(spec, stages, exercises)
        value: Scalar | tuple[Scalar, ...]
        if cond.op in SET_OPS:
            if not isinstance(raw, list) or not raw:
                fail(f"{cond.op.value} needs a non-empty list value")
            value = tuple(dict.fromkeys(_constant(v, spec, allowed, fail) for v in raw))
        else:
            value = _constant(raw, spec, allowed, fail)
        if spec.guard is not None and all(g.field != spec.guard for g in guards):
            guards.append(Test(spec.guard, Op.EQ, True))
        tests.append(Test(cond.field, cond.op, value))
    groups = sum(1 for t in tests
                 if t.op is Op.IN and isinstance(t.value, tuple) and len(t.value) > 1)
    if groups > MAX_SET_GROUPS:
        raise RulebookError(f"{groups} 'in' conditions with several values; at most "
                            f"{MAX_SET_GROUPS} in one rule (split the rule)",
                            file=file, item=item, field="when")
    return CompiledRule(rule.id, rule.action, rule.fact, (*guards, *tests))

