"""Which way is more cautious, read from a rulebook's own rules: the back-off thresholds and
the way each is harsher, and whether one rulebook is another made stricter on paper.

A back-off threshold is a parameter that rules compare a fact with (``lt``, ``le``, ``ge``,
``gt``) and that no rising rule (``progress``, ``advance``) reads. Moving it one way lets
each rule that reads it fire on more check-ins: lower for ``ge``/``gt``, higher for
``lt``/``le``. Its harsher direction is the one that widens its most cautious reader (by
the rulebook's precedence): ``irritation_rest_min`` is read by a rest rule (``severity ge``)
and a deload rule (``severity lt``); rest comes first, so lower is harsher. A parameter
whose most cautious readers pull both ways has no harsher direction.
"""

from __future__ import annotations

from collections.abc import Iterator

from ._conditions import Op
from ._enums import Action
from ._rulebook import Rulebook

__all__ = ["RISES", "harsher_directions", "harsher_step", "stricter_on_paper"]

RISES = frozenset({Action.PROGRESS, Action.ADVANCE})
_WIDENS = {Op.GE: -1, Op.GT: -1, Op.LE: 1, Op.LT: 1}


def _readers(rulebook: Rulebook) -> Iterator[tuple[str, Action, int | None]]:
    """(parameter, action of a rule that reads it, the way that widens that rule or None
    when it tests the parameter otherwise)."""
    for rule in rulebook.rules:
        for condition in rule.when:
            if condition.param is not None:
                yield condition.param, rule.action, _WIDENS.get(condition.op)


def harsher_directions(rulebook: Rulebook) -> dict[str, int]:
    """The back-off thresholds of ``rulebook`` and the way each is harsher: -1 (lower) or
    +1 (higher), by parameter name in the order the rules first read them."""
    read: dict[str, list[tuple[Action, int | None]]] = {}
    for name, action, way in _readers(rulebook):
        read.setdefault(name, []).append((action, way))
    found: dict[str, int] = {}
    for name, readers in read.items():
        if any(action in RISES for action, _ in readers):
            continue
        first = min(rulebook.rank(action) for action, _ in readers)
        ways = {way for action, way in readers if rulebook.rank(action) == first}
        if ways in ({-1}, {1}):
            found[name] = -1 if -1 in ways else 1
    return found


def harsher_step(rulebook: Rulebook, name: str) -> float:
    """The value of back-off threshold ``name`` one step the harsher way: by 1 for a whole
    number, a tenth of the value (at least 0.1) otherwise.

    Raises:
        KeyError: ``name`` is not a back-off threshold of ``rulebook``.
    """
    way = harsher_directions(rulebook)[name]
    value = rulebook.number(name)
    if float(value).is_integer():
        return int(value) + way
    return round(value + way * (abs(value) * 0.1 or 0.1), 6)


def stricter_on_paper(old: Rulebook, new: Rulebook) -> tuple[str, ...]:
    """How ``new`` is ``old`` made more cautious on paper, in words, or nothing when it is
    not: at least one change the harsher way and none the milder way, among the back-off
    thresholds of ``old`` (moved in ``new``) and the actions of the rules both have with the
    same conditions (one now ranked more cautious in both precedences)."""
    harsher: list[str] = []
    milder = False
    ways = harsher_directions(old)
    for name, way in ways.items():
        if name not in new.params:
            continue
        moved = new.number(name) - old.number(name)
        if moved * way > 0:
            harsher.append(f"{name} {_num(old.number(name))} -> {_num(new.number(name))} "
                           f"({'lower' if way < 0 else 'higher'} is harsher)")
        milder |= moved * way < 0
    theirs = {rule.id: rule for rule in new.rules}
    for rule in old.rules:
        other = theirs.get(rule.id)
        if other is None or other.when != rule.when:
            continue
        action = other.action
        cautious = [book.rank(action) - book.rank(rule.action) for book in (old, new)]
        if all(step < 0 for step in cautious):
            harsher.append(f"{rule.id}: {rule.action.value} -> {action.value}")
        milder |= any(step > 0 for step in cautious)
    return () if milder else tuple(harsher)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
