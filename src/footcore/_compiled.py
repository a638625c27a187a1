"""The native backend: the rulebook compiled once into one Python function.

The function reads each fact field the rules test once, tests every rule in rulebook order
and returns the matches already in that order (rule, then fact), so nothing is sorted
afterwards. Nothing from the rulebook becomes source text: the source names only generated
identifiers (``field3``, ``value12``) and the numbers of the rules; the field names, the
values compared against and the fact types reach it as constants through the namespace it
runs in. It means exactly what :func:`match_native`, the reference interpreter, means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._conditions import FACT_TYPES, CompiledRule, Facts, FactType, Match, Op

__all__ = ["CompiledMatcher"]

_OPERATORS = {Op.EQ: "==", Op.NE: "!=", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">=",
              Op.IN: "in", Op.NOT_IN: "not in"}

Ordered = list[tuple[int, int]]


class _Source:
    """The generated function's text, and the namespace that gives its names their values."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self._fields: dict[str, str] = {}

    def constant(self, prefix: str, value: object) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def field(self, name: str) -> str:
        """The generated name of the constant holding field ``name``."""
        if name not in self._fields:
            self._fields[name] = self.constant("field", name)
        return self._fields[name]

    def add(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def _condition(source: _Source, rule: CompiledRule, read: Callable[[str], str]) -> str:
    """The rule's tests as one expression, in their order, on fields given by ``read``."""
    tests = [f"{read(test.field)} {_OPERATORS[test.op]} {source.constant('value', test.value)}"
             for test in rule.tests]
    return " and ".join(tests) or "True"


def _rules(source: _Source, rules: Sequence[CompiledRule], groups: dict[FactType, str],
           depth: int, loaded: dict[str, str] | None) -> None:
    """One statement per rule, in rule order. With ``loaded``, the one check-in fact's
    fields are in local variables (by field name); otherwise every fact is looped over."""
    for number, rule in enumerate(rules):
        if loaded is not None and rule.fact is FactType.CHECKIN:
            source.add(depth, f"if {_condition(source, rule, loaded.__getitem__)}:")
            source.add(depth + 1, f"add(({number}, 0))")
            continue
        group = groups[rule.fact]
        source.add(depth, f"if {group}:")
        source.add(depth + 1, f"for index, fact in enumerate({group}):")
        condition = _condition(source, rule, lambda name: f"fact[{source.field(name)}]")
        source.add(depth + 2, f"if {condition}:")
        source.add(depth + 3, f"add(({number}, index))")


def _generate(rules: Sequence[CompiledRule]) -> _Source:
    source = _Source()
    groups = {kind: f"group{number}" for number, kind in enumerate(FACT_TYPES)}
    source.add(0, "def match(facts):")
    source.add(1, "found = []")
    source.add(1, "add = found.append")
    for kind, group in groups.items():
        source.add(1, f"{group} = facts.get({source.constant('kind', kind)}, ())")
    read = dict.fromkeys(test.field for rule in rules if rule.fact is FactType.CHECKIN
                         for test in rule.tests)
    loaded = {name: f"local{number}" for number, name in enumerate(read)}
    checkin = groups[FactType.CHECKIN]
    source.add(1, f"if len({checkin}) == 1:")
    source.add(2, f"fact = {checkin}[0]")
    for name, local in loaded.items():
        source.add(2, f"{local} = fact[{source.field(name)}]")
    _rules(source, rules, groups, 2, loaded)
    source.add(1, "else:")
    source.add(2, "pass")
    _rules(source, rules, groups, 2, None)
    source.add(1, "return found")
    return source


class CompiledMatcher:
    """Fires compiled rules with a function generated for them.

    :meth:`ordered` gives the matches in rule order; :meth:`match` the same matches as
    :func:`match_native` gives them. A pickled matcher carries only its rules and generates
    its function again where it is unpickled.
    """

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._rules = tuple(rules)
        generated = _generate(self._rules)
        self.source = "\n".join(generated.lines)
        namespace = dict(generated.namespace)
        exec(compile(self.source, "<footcore compiled rulebook>", "exec"), namespace)
        self.ordered: Callable[[Facts], Ordered] = namespace["match"]
        """Every (rule number, fact index) whose fact satisfies the rule's tests, in order
        (the generated function itself)."""

    def match(self, facts: Facts) -> frozenset[Match]:
        """The matches as a set, as :func:`match_native` returns them."""
        return frozenset(Match(rule, index) for rule, index in self.ordered(facts))

    def __getstate__(self) -> dict[str, Any]:
        return {"rules": self._rules}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["rules"])  # type: ignore[misc]
