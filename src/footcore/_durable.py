"""The durable backend: compiled rules fired by durable_rules' Rete engine.

It drives the C module ``durable_rules_engine`` directly, as the embedding recipe in the
design notes prescribes: one ruleset per matcher, built once; no ``Host`` and so no timer
threads; one fact per assert call; a sentinel fact asserted first, so every session has
started an action before it is deleted; a catch-all rule per fact type, so no fact goes
unhandled; a fresh session per evaluation, always drained and deleted.

Facts and constants are written as JSON by hand, because the C parser is not a full JSON
parser: a float needs a decimal point before any exponent (``1e-05`` is rejected), and a
string is kept verbatim, escapes included, and compared with ``strcmp``. Strings therefore
travel as the hex digits of their UTF-8 bytes, which keeps equality and code-point order
exact whatever characters they hold.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import re
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._conditions import (
    FACT_FIELDS,
    FACT_TYPES,
    MAX_SET_GROUPS,
    SET_OPS,
    CompiledRule,
    Facts,
    FieldSpec,
    Match,
    Op,
    Scalar,
)
from ._errors import EngineError, RulebookError

__all__ = ["MAX_SIDE_BY_SIDE", "DurableMatcher", "durable_available"]

# Limits measured on durable_rules 2.0.28.
_MAX_EXACT_INT = 2**53  # the engine compares an int with a float as two doubles
# Conditions side by side on one fact type (a rule's widest `in` counts its values): 512
# hang the engine, so the durable backend refuses a rulebook with more. Native has no limit.
MAX_SIDE_BY_SIDE = 511

_TYPE = "_type"
_INDEX = "_index"
_SENTINEL = "sentinel"
_INDEX_FIELD = re.compile(f'"{_INDEX}":(-?[0-9]+)')
_OPERATORS = {Op.NE: "$neq", Op.LT: "$lt", Op.LE: "$lte", Op.GT: "$gt", Op.GE: "$gte"}

# One lock for every matcher: sessions of all rulesets live in one C module, and the GIL
# serialises its calls anyway, so a finer lock would buy nothing.
_LOCK = threading.Lock()
_NAMES = itertools.count()
# Handles of collected matchers, deleted by the next caller that holds the lock.
_ORPHANS: list[int] = []


def _reset_lock() -> None:
    global _LOCK
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock)


def _engine() -> Any:
    import durable_rules_engine

    return durable_rules_engine


@functools.cache
def _unavailable() -> str | None:
    """Why durable_rules' engine does not import here, or None where it does."""
    try:
        _engine()
    except ImportError as error:
        if isinstance(error, ModuleNotFoundError) and error.name == "durable_rules_engine":
            return "durable_rules is not installed"
        return f"durable_rules does not import on this Python ({error})"
    except Exception as error:
        return f"durable_rules does not import on this Python ({error!r})"
    return None


def durable_available() -> bool:
    """Whether durable_rules' engine imports here: installed (``footcore[durable]``) on
    CPython 3.11 or 3.12. Its package does not import on 3.13+."""
    return _unavailable() is None


def _bool(value: bool) -> str:
    return "true" if value else "false"


@functools.lru_cache(maxsize=4096)  # counters and days repeat
def _int(value: int) -> str:
    if abs(value) > _MAX_EXACT_INT:
        raise ValueError(f"integer {value} is beyond +-2**53")
    return str(int(value))


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not finite")
    text = repr(float(value))
    mantissa, exponent, power = text.partition("e")
    return f"{mantissa}.0e{power}" if exponent and "." not in mantissa else text


@functools.lru_cache(maxsize=4096)  # fact strings repeat: stage ids, goals, kinds
def _str(value: str) -> str:
    return '"' + value.encode("utf-8", "surrogatepass").hex() + '"'


_WRITERS: dict[type, Callable[[Any], str]] = {bool: _bool, int: _int, float: _float, str: _str}


def _scalar(value: Scalar) -> str:
    """Write one value as JSON the engine reads back exactly; ValueError if it cannot."""
    writer = _WRITERS.get(type(value))
    if writer is None:  # a subclass, such as a StrEnum member; bool is tried before int
        writer = next((w for kind, w in _WRITERS.items() if isinstance(value, kind)), None)
        if writer is None:
            raise ValueError(f"{value!r} is not a bool, int, float or str")
    return writer(value)


# How a fact field's value of the expected type is written, inline in a fact writer's
# source; ``{}`` is the field, read once. A value of any other type goes through _scalar.
_FIELD_SOURCE = {
    bool: "(_true if (_v := {}) is True else _false if _v is False else _scalar(_v))",
    int: "(_v if (_v := {}).__class__ is _int and -_most <= _v <= _most else _scalar(_v))",
    float: "(_float(_v) if (_v := {}).__class__ is _number else _scalar(_v))",
    str: "(_str(_v) if (_v := {}).__class__ is _text else _scalar(_v))",
}

FactWriter = Callable[[str, int, Any], str]


def _fact_writer(kind: str, fields: Sequence[str], types: Mapping[str, FieldSpec]) -> FactWriter:
    """A function writing one fact of type ``kind`` (its session, index and ``fields``) as
    a payload. Generated: its source names only generated identifiers; the field names and
    the fixed text reach it through its namespace."""
    namespace: dict[str, Any] = {
        "_scalar": _scalar, "_float": _float, "_str": _str, "_int": int, "_number": float,
        "_text": str, "_most": _MAX_EXACT_INT, "_true": "true", "_false": "false",
        "_sid": '{"sid":"', "_id": f'","id":"{kind}', "_type": f'","{_TYPE}":"{kind}","{_INDEX}":'}
    parts = ["{_sid}{sid}{_id}{index}{_type}{index}"]
    for number, name in enumerate(fields):
        namespace[f"_key{number}"], namespace[f"_field{number}"] = f',"{name}":', name
        value = _FIELD_SOURCE[types[name].type].format(f"fact[_field{number}]")
        parts.append(f"{{_key{number}}}{{{value}}}")
    body = "".join(parts) + "}}"
    source = f"def write(sid, index, fact):\n    return f'{body}'"
    exec(compile(source, f"<footcore durable {kind} fact>", "exec"), namespace)
    written: FactWriter = namespace["write"]
    return written


def _compatible(kind: type, value: object) -> bool:
    if isinstance(value, bool):
        return kind is bool
    if isinstance(value, int | float):
        return kind is int or kind is float
    return isinstance(value, str) and kind is str


def _rule_error(rule: CompiledRule, message: str, field: str | None = None) -> RulebookError:
    return RulebookError(message, item=f"rule {rule.id!r}", field=field)


def _pattern(rule: CompiledRule) -> tuple[str, int]:
    """Compile a rule to a ruleset entry and the number of values in its widest `$or`."""
    spec = FACT_FIELDS[rule.fact]
    expressions = [f'{{"{_TYPE}":"{rule.fact.value}"}}']
    groups, width = 0, 1
    for test in rule.tests:
        name = test.field
        if name not in spec:
            raise _rule_error(rule, f"not a field of a {rule.fact} fact", name)
        values = test.value if isinstance(test.value, tuple) else (test.value,)
        kind = spec[name].type
        if isinstance(test.value, tuple) != (test.op in SET_OPS):
            needs = "a tuple of values" if test.op in SET_OPS else "a single value"
            raise _rule_error(rule, f"{test.op} needs {needs}, got {test.value!r}", name)
        if not all(_compatible(kind, value) for value in values):
            raise _rule_error(rule, f"{test.value!r} does not compare with a {kind.__name__}", name)
        try:
            written = [_scalar(value) for value in values]
        except ValueError as error:
            raise _rule_error(rule, f"durable_rules cannot compare with {error}", name) from error
        equals = [f'{{"{name}":{value}}}' for value in written]
        if test.op is Op.EQ or (test.op is Op.IN and len(equals) == 1):
            expressions.append(equals[0])
        elif test.op is Op.IN:  # an empty `$or` never holds, like `in ()`
            expressions.append(f'{{"$or":[{",".join(equals)}]}}')
            groups, width = groups + 1, max(width, len(equals))
        elif test.op is Op.NOT_IN:
            expressions.extend(f'{{"$neq":{equal}}}' for equal in equals)
        else:
            expressions.append(f'{{"{_OPERATORS[test.op]}":{equals[0]}}}')
    if groups > MAX_SET_GROUPS:
        raise _rule_error(
            rule, f"{groups} 'in' conditions with several values; durable_rules compiles at "
            f"most {MAX_SET_GROUPS} in one rule (split the rule or use the native backend)")
    return f'{{"all":[{{"m":{{"$and":[{",".join(expressions)}]}}}}]}}', width


# The sentinel rule and one catch-all rule per fact type; their firings are dropped.
_HELPERS = {f"any_{kind}": f'{{"all":[{{"m":{{"{_TYPE}":"{kind}"}}}}]}}'
            for kind in (*map(str, FACT_TYPES), _SENTINEL)}


def _ruleset(entries: dict[str, str]) -> str:
    rules = {**entries, **_HELPERS}
    return "{" + ",".join(f'"{name}":{body}' for name, body in rules.items()) + "}"


def _free_orphans(engine: Any) -> None:
    """Delete the rulesets of collected matchers; call with the lock held."""
    while _ORPHANS:
        with contextlib.suppress(engine.error):  # a ruleset not freed only costs memory
            engine.delete_ruleset(_ORPHANS.pop())


class DurableMatcher:
    """Fires compiled rules with durable_rules' Rete engine.

    ``match`` returns exactly what :func:`match_native` returns. The engine's ruleset
    belongs to the process that built it: a pickled matcher carries only its rules and
    builds a new ruleset where it is unpickled.
    """

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._build(tuple(rules))

    def _build(self, rules: tuple[CompiledRule, ...]) -> None:
        missing = _unavailable()
        if missing is not None:
            raise EngineError(
                f"backend 'durable': {missing}; install the extra (pip install "
                f"'footcore[durable]', CPython 3.11 and 3.12) or use the native backend "
                f"(backend='native' or 'auto')", code="durable-missing")
        engine = _engine()
        self._rules = rules
        self._numbers: dict[str, int] = {}
        entries: dict[str, str] = {}
        branches = dict.fromkeys(FACT_TYPES, 0)
        for number, rule in enumerate(rules):
            entries[f"r{number}"], width = _pattern(rule)
            self._numbers[f"r{number}"] = number
            branches[rule.fact] += width
            if branches[rule.fact] > MAX_SIDE_BY_SIDE:
                raise RulebookError(
                    f"more than {MAX_SIDE_BY_SIDE} conditions on {rule.fact} facts side by "
                    f"side (the per-fact condition limit of durable_rules, which hangs on that "
                    f"many); use the native backend, which has no such limit",
                    item=f"rule {rule.id!r}", code="durable-limit")
        # Only the fact types and fields some rule reads are sent, in a fixed order.
        read = {kind: {test.field for rule in rules if rule.fact == kind for test in rule.tests}
                for kind in FACT_TYPES if any(rule.fact == kind for rule in rules)}
        self._writers = {kind: _fact_writer(kind.value, sorted(fields), FACT_FIELDS[kind])
                         for kind, fields in read.items()}
        self._sentinel = _fact_writer(_SENTINEL, (), {})
        with _LOCK:
            _free_orphans(engine)
            try:
                self._handle: int = engine.create_ruleset(f"footcore{next(_NAMES)}",
                                                          _ruleset(entries))
            except engine.error as error:
                raise self._blame(engine, entries, error) from error
        weakref.finalize(self, _ORPHANS.append, self._handle)
        self._sessions = itertools.count()

    def _blame(self, engine: Any, entries: dict[str, str], error: Exception) -> RulebookError:
        """Compile the rules one by one to name the one the engine rejects."""
        for name, pattern in entries.items():
            try:
                engine.delete_ruleset(engine.create_ruleset(
                    f"footcore{next(_NAMES)}", _ruleset({name: pattern})))
            except engine.error as alone:
                return _rule_error(self._rules[self._numbers[name]],
                                   f"durable_rules cannot compile it ({alone})")
        return RulebookError(f"durable_rules cannot compile these rules together ({error})")

    def __getstate__(self) -> dict[str, Any]:
        return {"rules": self._rules}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._build(state["rules"])

    def match(self, facts: Facts) -> frozenset[Match]:
        """Fire every rule on ``facts``: one match per rule and fact that satisfies its tests."""
        return frozenset(Match(rule, index) for rule, index in self._fire(facts))

    def ordered(self, facts: Facts) -> list[tuple[int, int]]:
        """The matches as (rule number, fact index), sorted."""
        return sorted(self._fire(facts))

    def _fire(self, facts: Facts) -> set[tuple[int, int]]:
        sid = str(next(self._sessions))
        payloads = [self._sentinel(sid, 0, None)]
        for kind, write in self._writers.items():
            try:
                payloads.extend([write(sid, index, fact)
                                 for index, fact in enumerate(facts.get(kind, ()))])
            except (KeyError, ValueError) as error:
                raise EngineError(f"a {kind} fact cannot be sent to durable_rules: "
                                  f"{error}") from error
        engine = _engine()
        with _LOCK:
            if _ORPHANS:
                _free_orphans(engine)
            try:
                return self._evaluate(engine, sid, payloads)
            except EngineError:
                raise
            except Exception as error:
                raise EngineError(f"durable_rules failed while evaluating: {error!r}") from error

    def _evaluate(self, engine: Any, sid: str, payloads: list[str]) -> set[tuple[int, int]]:
        """Run one session: assert, drain every action, delete the session whatever happens."""
        state = self._assert(engine, payloads[0])
        messages: list[str] = []
        assert_fact, handle = engine.assert_fact, self._handle
        try:
            try:
                for payload in payloads[1:]:
                    code = assert_fact(handle, payload)[0]
                    if code != 0:
                        raise _refused(code, payload)
            finally:
                result = engine.start_action_for_state(self._handle, state)
                message = result and result[1]
                while message:
                    messages.append(message)
                    message = engine.complete_and_start_action(self._handle, state)
        finally:
            engine.delete_state(self._handle, sid)
        return {firing for firing in map(self._read, messages) if firing is not None}

    def _read(self, message: str) -> tuple[int, int] | None:
        """The firing an action message ``{"<rule>":{"m":<fact>}}`` reports; None for helpers.

        The fact comes back as it was sent, its index before its fields, whose strings are
        hex digits: so the first ``"_index":`` is the index.
        """
        name = message[2:message.index('"', 2)]  # rule names are ours: no quotes or escapes
        if name in _HELPERS:
            return None
        index = _INDEX_FIELD.search(message)
        if index is None:
            raise EngineError(f"durable_rules reported a firing without its fact: {message:.200}")
        return self._numbers[name], int(index.group(1))

    def _assert(self, engine: Any, payload: str) -> int:
        code, state = engine.assert_fact(self._handle, payload)
        if code != 0:
            raise _refused(code, payload)
        return int(state)


def _refused(code: int, payload: str) -> EngineError:
    return EngineError(f"durable_rules refused a fact (code {code}): {payload[:200]}")
