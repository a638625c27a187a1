"""What stands between an athlete and the next step: the load-raising rules of their rung
that did not fire, and the conditions each still waits for (P2, P8, P11)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from ._conditions import FACT_FIELDS, FactType, Op, Scalar, Test
from ._enums import Action
from ._memo import remember
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
_MADE_MOST = 256
_WHY_NOT = trusted(WhyNot)


@attrs.frozen
class _Check:
    """One condition of a gate: the field it reads, the test, the field that says whether
    that was measured, and what an :class:`Unmet` says of it besides the athlete's value."""

    field: str
    holds: Callable[[Any, Any], bool]
    value: Scalar | tuple[Scalar, ...]
    guard: str | None
    op: str
    param: str | None = None
    default: bool = False
    unit: str = ""



def _check(test: Test, **param: Any) -> _Check:
    return _Check(test.field, _HOLDS[test.op], test.value, _GUARDS.get(test.field),
                  test.op.value, **param)


def _long_enough(rulebook: Rulebook) -> _Check:
    """``short_session`` false, said as what it means: a session of at least
    ``session_counts_min_minutes`` (0 minutes: not reported, which passes) (P2, P6)."""
    name = "session_counts_min_minutes"
    least = rulebook.params.get(name)
    if least is None:  # no session is short
        return _Check("minutes", lambda actual, value: True, 0, None, Op.GE.value)
    return _Check("minutes", lambda actual, value: not 0 < actual < value, least.value, None,
                  Op.GE.value, name, least.is_default, least.unit)


@attrs.frozen(eq=False)
class _Gate:
    """A load-raising rule, its position checks and its conditions; and the answers it
    gave lately, handed out again for the same unmet values (unless a condition reads a
    float: 0.0 and -0.0 are equal, but written apart)."""

    rule: Rule
    position: tuple[tuple[str, Callable[[Any, Any], bool], Scalar | tuple[Scalar, ...]], ...]
    conditions: tuple[_Check, ...]
    exact: bool
    made: dict[tuple[object, ...], tuple[WhyNot]] = attrs.field(factory=dict)

    def answer(self, fact: Mapping[str, Scalar]) -> tuple[WhyNot] | None:
        """The conditions ``fact`` leaves unmet (alone in a tuple, the answer of a decision
        where it is the only one), or None when it meets them all."""
        unmet = []
        for number, check in enumerate(self.conditions):
            measured = check.guard is None or fact[check.guard]
            actual = fact[check.field]
            if not measured or not check.holds(actual, check.value):
                unmet.append((number, actual if measured else None))
        if not unmet:
            return None
        key = tuple(unmet)
        made = self.made.get(key) if self.exact else None
        if made is None:
            rule = self.rule
            made = (_WHY_NOT(rule.id, rule.action, rule.source, rule.summary, tuple(
                _UNMET(check.field, check.op, check.value, actual, check.param,
                       check.default, check.unit)
                for check, actual in ((self.conditions[number], actual)
                                      for number, actual in unmet))),)
            if self.exact:
                remember(self.made, key, made, _MADE_MOST)
        return made


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
                elif (test.field, test.op, test.value) == ("short_session", Op.EQ, False):
                    conditions.append(_long_enough(rulebook))
                elif cond.param:
                    param = rulebook.params[cond.param]
                    conditions.append(_check(test, param=cond.param, default=param.is_default,
                                             unit=param.unit))
                else:
                    conditions.append(_check(test))
            exact = all(FACT_FIELDS[FactType.CHECKIN][c.field].type is not float
                        for c in conditions)
            gates.append(_Gate(rule, tuple(position), tuple(conditions), exact))
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
                answer = gate.answer(fact)
                if answer is not None:
                    out.append(answer)
        if len(out) == 1:
            return out[0]
        return tuple(answer for (answer,) in out)
