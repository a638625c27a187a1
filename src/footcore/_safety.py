"""The safety floor every rulebook meets to load, unless loaded with ``allow_unsafe=True``.

- The precedence starts with ``pause`` (the most conservative action) and ends with the
  load-raising actions, ``progress`` and ``advance``: a back-off always beats a rise.
- The default action, taken when no rule fires, never raises the load.
- A sharp-pain or persistent-pain symptom pauses training (P10): for every such symptom,
  wherever it is felt, however severe and long, and whatever the athlete's stage, goal,
  history and clearance, some ``pause`` rule on symptom facts fires.

The last point is checked by evaluating the pause rules on every combination of the values
that matter: for each field the rules read, each value of its domain, or each number the
rules compare it with and its neighbours.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from ._conditions import FACT_FIELDS, CompiledRule, FactType, Scalar
from ._enums import Action, SymptomKind
from ._limits import MAX_INT

__all__ = ["LOAD_RAISING", "floor_breaches"]

LOAD_RAISING = frozenset({Action.PROGRESS, Action.ADVANCE})
PAIN_KINDS = (SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN)
_MAX_COMBINATIONS = 100_000


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


def _unpaused_pain(rules: Sequence[CompiledRule],
                   domain: Callable[[str], frozenset[str] | None]) -> str | None:
    """A pain symptom no pause rule fires on, in words; ``None`` when there is none."""
    pausing = [r for r in rules if r.fact is FactType.SYMPTOM and r.action is Action.PAUSE]
    fields = sorted({test.field for rule in pausing for test in rule.tests} - {"kind"})
    values = [_candidates(field, pausing, domain) for field in fields]
    combinations = 1
    for options in values:
        combinations *= len(options)
    if combinations > _MAX_COMBINATIONS:
        return (f"the pause rules on symptoms read too many fields to check ({combinations} "
                f"combinations); pause on sharp_pain and persistent_pain with a plain rule "
                f"on kind")
    for kind in PAIN_KINDS:
        for combination in itertools.product(*values):
            fact: dict[str, Scalar] = {"kind": kind.value, **dict(zip(fields, combination,
                                                                       strict=True))}
            if not any(all(test.holds(fact) for test in rule.tests) for rule in pausing):
                shown = ", ".join(f"{k} {v!r}" for k, v in fact.items())
                return f"a {kind.value} symptom does not pause training (for example: {shown})"
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
