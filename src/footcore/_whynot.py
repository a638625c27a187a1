"""What stands between an athlete and the next step: the load-raising rules of their rung
that did not fire, and the conditions each still waits for (P2, P8, P11)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import attrs

from ._conditions import FACT_FIELDS, FactType, Scalar, Test
from ._enums import Action
from ._models import Unmet, WhyNot
from ._rulebook import Param, Rule, Rulebook

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


@attrs.frozen
class _Condition:
    test: Test
    param: Param | None
    param_name: str | None


@attrs.frozen
class _Gate:
    rule: Rule
    position: tuple[Test, ...]
    conditions: tuple[_Condition, ...]


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
                    position.append(test)
                else:
                    param = rulebook.params[cond.param] if cond.param else None
                    conditions.append(_Condition(test, param, cond.param))
            gates.append(_Gate(rule, tuple(position), tuple(conditions)))
        self._gates = tuple(gates)

    def why_not(self, fact: Mapping[str, Scalar], fired: Collection[str]) -> tuple[WhyNot, ...]:
        """For each load-raising rule open to the athlete that is not in ``fired``, the
        conditions ``fact`` (the check-in fact) leaves unmet."""
        out = []
        for gate in self._gates:
            if gate.rule.id in fired or not all(t.holds(fact) for t in gate.position):
                continue
            unmet = tuple(_unmet(c, fact) for c in gate.conditions
                          if not _measured(c.test, fact) or not c.test.holds(fact))
            if unmet:
                out.append(WhyNot(gate.rule.id, gate.rule.action, gate.rule.source,
                                  gate.rule.summary, unmet))
        return tuple(out)


def _measured(test: Test, fact: Mapping[str, Scalar]) -> bool:
    guard = _GUARDS.get(test.field)
    return guard is None or bool(fact[guard])


def _unmet(condition: _Condition, fact: Mapping[str, Scalar]) -> Unmet:
    test, param = condition.test, condition.param
    return Unmet(
        field=test.field, op=test.op.value, needed=test.value,
        actual=fact[test.field] if _measured(test, fact) else None,
        param=condition.param_name,
        default=param.is_default if param is not None else False,
        unit=param.unit if param is not None else "",
    )
