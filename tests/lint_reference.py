"""The reference for lint's indexed checks: lint as it was before its index, every rule
compared with every other (quadratic, for tests only). The findings' words are lint's own;
only which rules are compared, and how each pair is decided, is kept here as it was."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from footcore._conditions import CompiledRule, FactType, Test
from footcore.analysis._lint import (
    ERROR,
    CanWin,
    Finding,
    _show,
    ladder,
    ordered,
    shadowed,
    threshold_order,
    unused,
)
from footcore.analysis._values import candidate_values
from footcore.models import Rule, Rulebook


def _by_field(tests: Iterable[Test]) -> dict[str, list[Test]]:
    fields: dict[str, list[Test]] = {}
    for test in tests:
        fields.setdefault(test.field, []).append(test)
    return fields


def _holds(fact: FactType, tests: Sequence[Test], rulebook: Rulebook,
           unless: Test | None = None) -> bool:
    """Some value of each field meets ``tests`` (and, on ``unless``'s field, fails it)."""
    fields = _by_field(tests)
    if unless is not None:
        fields.setdefault(unless.field, [])
    for field, group in fields.items():
        fails = [unless] if unless is not None and unless.field == field else []
        if not any(all(t.holds({field: v}) for t in group)
                   and not any(t.holds({field: v}) for t in fails)
                   for v in candidate_values(fact, field, [*group, *fails], rulebook)):
            return False
    return True


def _implies(fact: FactType, tests: Sequence[Test], consequence: Sequence[Test],
             rulebook: Rulebook) -> bool:
    return all(not _holds(fact, tests, rulebook, unless=t) for t in consequence)


def _live(rulebook: Rulebook) -> list[tuple[Rule, CompiledRule]]:
    return [(rule, compiled) for rule, compiled in zip(rulebook.rules, rulebook.compiled,
                                                         strict=True)
            if _holds(compiled.fact, compiled.tests, rulebook)]


def _never_fires(rulebook: Rulebook) -> Iterable[Finding]:
    for rule, compiled in zip(rulebook.rules, rulebook.compiled, strict=True):
        for field, group in _by_field(compiled.tests).items():
            if not _holds(compiled.fact, group, rulebook):
                yield Finding(ERROR, "never-fires", f"rule {rule.id}",
                              f"can never fire: no {compiled.fact} fact meets "
                              f"{_show(rule, field, rulebook)}")
                break


def _shadowed(rulebook: Rulebook) -> Iterable[Finding]:
    live = _live(rulebook)
    for rule, compiled in live:
        for other, stronger in live:
            if (stronger.fact is compiled.fact
                    and rulebook.rank(other.action) < rulebook.rank(rule.action)
                    and _implies(compiled.fact, compiled.tests, stronger.tests, rulebook)):
                yield shadowed(rule, other)
                break


def _threshold_order(rulebook: Rulebook) -> Iterable[Finding]:
    live = _live(rulebook)
    for harsh, harsh_c in live:
        for mild, mild_c in live:
            if (mild_c.fact is harsh_c.fact
                    and rulebook.rank(harsh.action) < rulebook.rank(mild.action)
                    and _holds(harsh_c.fact, [*harsh_c.tests, *mild_c.tests], rulebook)):
                yield from threshold_order(harsh, harsh_c.tests, mild, mild_c.tests, rulebook)


def _can_win(rulebook: Rulebook) -> CanWin:
    def can_win(rule: CompiledRule, context: list[Test]) -> bool:
        tests = [*rule.tests, *context]
        if not _holds(FactType.CHECKIN, tests, rulebook):
            return False
        return not any(other.fact is FactType.CHECKIN
                       and rulebook.rank(other.action) < rulebook.rank(rule.action)
                       and _implies(FactType.CHECKIN, tests, other.tests, rulebook)
                       for other in rulebook.compiled)
    return can_win


def naive_lint(rulebook: Rulebook) -> tuple[Finding, ...]:
    """lint's findings on ``rulebook``, every pair of rules compared."""
    return ordered([*_never_fires(rulebook), *_shadowed(rulebook), *_threshold_order(rulebook),
                    *ladder(rulebook, _can_win(rulebook)), *unused(rulebook)])
