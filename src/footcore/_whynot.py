"""What stands between an athlete and the next step: the load-raising rules of their rung
that did not fire, and the conditions each still waits for (P2, P8, P11)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from ._conditions import FACT_FIELDS, FactType, Op, Scalar, Test
from ._enums import Action
from ._models import Unmet, WhyNot
from ._rulebook import Rule, Rulebook
from ._trusted import trusted

__all__ = ["POSITION_FIELDS", "Gates"]

RAISING = frozenset({Action.PROGRESS, Action.ADVANCE})
# Where the athlete stands, not what they can change by training: a rule whose conditions on
# these fields fail is not a step open to them now (a dose step at the top dose, another
# rung's advance), so it is not reported.
POSITION_FIELDS = frozenset({
    "stage", "stage_order", "goal", "history", "dose_level", "top_dose", "final_stage",
    "next_needs_clearance",
})
_GUARDS = {name: spec.guard for name, spec in FACT_FIELDS[FactType.CHECKIN].items()
           if spec.guard}
# Each operator as a function of (the fact's value, the rule's value): what Test.holds does.
_HOLDS: Mapping[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq, Op.NE: operator.ne, Op.LT: operator.lt, Op.LE: operator.le,
    Op.GT: operator.gt, Op.GE: operator.ge, Op.IN: lambda actual, value: actual in value,
    Op.NOT_IN: lambda actual, value: actual not in value,
}
_UNMET = trusted(Unmet)
_WHY_NOT = trusted(WhyNot)


@attrs.frozen
class _Check:
    """One condition of a gate, with what an :class:`Unmet` says of it besides the
    athlete's value."""

    field: str
    holds: Callable[[Any, Any], bool]
    value: Scalar | tuple[Scalar, ...]
    guard: str | None
    op: str
    param: str | None = None
    default: bool = False
    unit: str = ""

    def unmet(self, fact: Mapping[str, Scalar]) -> Unmet | None:
        """The condition as unmet by ``fact``, or None when it holds."""
        measured = self.guard is None or bool(fact[self.guard])
        if measured and self.holds(fact[self.field], self.value):
            return None
        return _UNMET(self.field, self.op, self.value,
                      fact[self.field] if measured else None, self.param, self.default,
                      self.unit)


def _check(test: Test, **param: Any) -> _Check:
    return _Check(test.field, _HOLDS[test.op], test.value, _GUARDS.get(test.field),
                  test.op.value, **param)


@attrs.frozen
class _Gate:
    rule: Rule
    position: tuple[tuple[str, Callable[[Any, Any], bool], Scalar | tuple[Scalar, ...]], ...]
    conditions: tuple[_Check, ...]


class Gates:
    """The load-raising rules on check-in facts of one rulebook, ready to say which of their
    conditions an athlete does not meet."""

    def __init__(self, rulebook: Rulebook) -> None:
        gates = []
        for rule, program in zip(rulebook.rules, rulebook.compiled, strict=True):
            if rule.action not in RAISING or rule.fact is not FactType.CHECKIN:
                continue
            written = program.tests[len(program.tests) - len(rule.when):]  # guards come first
            position, conditions = [], []
            for test, cond in zip(written, rule.when, strict=True):
                if test.field in POSITION_FIELDS:
                    position.append((test.field, _HOLDS[test.op], test.value))
                elif cond.param:
                    param = rulebook.params[cond.param]
                    conditions.append(_check(test, param=cond.param, default=param.is_default,
                                             unit=param.unit))
                else:
                    conditions.append(_check(test))
            gates.append(_Gate(rule, tuple(position), tuple(conditions)))
        self._gates = tuple(gates)

    def why_not(self, fact: Mapping[str, Scalar], fired: Collection[str]) -> tuple[WhyNot, ...]:
        """For each load-raising rule open to the athlete that is not in ``fired``, the
        conditions ``fact`` (the check-in fact) leaves unmet; built from the rulebook's
        checked rules and the facts without checking them again."""
        out = []
        for gate in self._gates:
            rule = gate.rule
            if rule.id in fired:
                continue
            for field, holds, value in gate.position:
                if not holds(fact[field], value):
                    break
            else:  # the rule is open to the athlete
                unmet = tuple([found for found in [check.unmet(fact) for check in
                                                   gate.conditions] if found is not None])
                if unmet:
                    out.append(_WHY_NOT(rule.id, rule.action, rule.source, rule.summary,
                                        unmet))
        return tuple(out)
