"""The safety floor every rulebook meets to load, unless loaded with ``allow_unsafe=True``.

- The precedence starts with ``pause`` (the most conservative action) and ends with the
  load-raising actions, ``progress`` and ``advance``: a back-off always beats a rise.
- The default action, taken when no rule fires, never raises the load.
- A sharp-pain or persistent-pain symptom pauses training (P10): for every such symptom,
  wherever it is felt, however severe and long, and whatever the athlete's stage, goal,
  history and clearance, some ``pause`` rule on symptom facts fires.

The last point is decided by case splitting, not by trying every combination of values:
the pause rules' tests on one field at a time (the field the most rules still test first,
then by name) split its values into the groups the remaining tests answer alike (each value of
its domain, or each number the rules compare it with and its neighbours); a group on which
some pause rule has no test left is covered, a group on which no pause rule can still fire
is a counterexample, and the rest are split further. The work is counted in steps (a group
tried); past ``FLOOR_BUDGET`` steps the rulebook is refused as undecided, never passed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ._conditions import FACT_FIELDS, CompiledRule, FactType, Scalar, Test
from ._enums import Action, SymptomKind
from ._limits import MAX_INT

__all__ = ["FLOOR_BUDGET", "LOAD_RAISING", "floor_breaches"]

LOAD_RAISING = frozenset({Action.PROGRESS, Action.ADVANCE})
PAIN_KINDS = (SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN)
FLOOR_BUDGET = 200_000
"""The most groups of values the safety floor tries before it refuses a rulebook as
undecided (docs/limits.md)."""

_Rule = tuple[Test, ...]  # the tests of a pause rule not yet decided


def _candidates(field: str, rules: Sequence[CompiledRule],
                domain: Callable[[str], frozenset[str] | None]) -> list[Scalar]:
    """The values of ``field`` that tell every condition on it apart."""
    spec = FACT_FIELDS[FactType.SYMPTOM][field]
    if spec.type is bool:
        return [False, True]
    constants: set[Scalar] = set()
    for rule in rules:
        for test in rule.tests:
            if test.field == field:
                constants.update(test.value if isinstance(test.value, tuple) else (test.value,))
    if spec.type is str:
        known = domain(field)
        return sorted(known) if known is not None else sorted(
            {str(c) for c in constants} | {"", "\x00another"})
    numbers = {0.0, float(MAX_INT)} | {float(c) + step for c in constants
                                       if not isinstance(c, str | bool)
                                       for step in (-1, -0.5, 0, 0.5, 1)}
    if spec.type is int:
        return sorted({int(n) for n in numbers if n >= 0 and n == int(n)})
    return sorted(n for n in numbers if n >= 0)


class _Undecided(Exception):
    """The floor's budget ran out."""


def _unpaused_pain(rules: Sequence[CompiledRule],
                   domain: Callable[[str], frozenset[str] | None]) -> str | None:
    """A pain symptom no pause rule fires on, in words; ``None`` when there is none."""
    pausing = [r for r in rules if r.fact is FactType.SYMPTOM and r.action is Action.PAUSE]
    fields = sorted({test.field for rule in pausing for test in rule.tests} - {"kind"})
    values = {field: _candidates(field, pausing, domain) for field in fields}
    steps = [0]
    for kind in PAIN_KINDS:
        fact: dict[str, Scalar] = {"kind": kind.value}
        live = [tuple(t for t in r.tests if t.field != "kind") for r in pausing
                if all(t.holds(fact) for t in r.tests if t.field == "kind")]
        try:
            found = _uncovered(live, fact, values, steps)
        except _Undecided:
            return (f"the pause rules on symptoms could not be decided within {FLOOR_BUDGET} "
                    f"steps; pause on sharp_pain and persistent_pain with a plain rule on kind")
        if found is not None:
            example = {**found, **{f: values[f][0] for f in fields if f not in found}}
            shown = ", ".join(f"{k} {example[k]!r}" for k in ("kind", *fields))
            return f"a {kind.value} symptom does not pause training (for example: {shown})"
    return None


def _uncovered(live: Sequence[_Rule], fact: dict[str, Scalar],
               values: Mapping[str, Sequence[Scalar]], steps: list[int]
               ) -> dict[str, Scalar] | None:
    """The values of the fields split so far, extended to a fact no rule of ``live``
    fires on, or None when every such fact has one (each field's values tried smallest
    first)."""
    if any(not rule for rule in live):
        return None  # a rule fires whatever the fields still open
    if not live:
        return fact
    open_by: dict[str, int] = {}
    for rule in live:
        for test in rule:
            open_by[test.field] = open_by.get(test.field, 0) + 1
    field = min(open_by, key=lambda f: (-open_by[f], f))
    tried: set[tuple[_Rule, ...]] = set()
    for value in values[field]:
        at = {field: value}
        rest = tuple(tuple(t for t in rule if t.field != field) for rule in live
                     if all(t.holds(at) for t in rule if t.field == field))
        if rest in tried:
            continue  # a value the remaining tests answer as an earlier one
        tried.add(rest)
        steps[0] += 1
        if steps[0] > FLOOR_BUDGET:
            raise _Undecided
        found = _uncovered(rest, {**fact, field: value}, values, steps)
        if found is not None:
            return found
    return None


def floor_breaches(precedence: Sequence[Action], default_action: Action,
                   rules: Sequence[CompiledRule],
                   domain: Callable[[str], frozenset[str] | None]) -> list[tuple[str, str]]:
    """What a rulebook breaks of the safety floor, as (field, what is wrong) pairs.

    Args:
        domain: the strings a symptom fact's text field can hold (stage ids, goals, kinds,
            locations), or ``None`` for free text.
    """
    breaches = []
    if precedence[0] is not Action.PAUSE:
        breaches.append(("precedence", f"precedence starts with {precedence[0]}, not pause "
                                       f"(the most conservative action)"))
    if set(precedence[-len(LOAD_RAISING):]) != LOAD_RAISING:
        breaches.append(("precedence", "precedence does not end with the load-raising "
                                       "actions progress and advance"))
    if default_action in LOAD_RAISING:
        breaches.append(("default_action", f"default_action {default_action} raises the load "
                                           f"when no rule fires"))
    pain = _unpaused_pain(rules, domain)
    if pain is not None:
        breaches.append(("rule", pain))
    return breaches
