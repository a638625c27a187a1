"""Rulebook mutants: small deliberate faults, to see whether a test suite notices them.

Requires hypothesis (``pip install footcore[testing]``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .._conditions import ORDERING_OPS, Op
from .._engine import Engine
from .._enums import Action
from .._errors import RulebookError
from .._models import AthleteState, CheckIn
from .._rulebook import Condition, Rule, Rulebook
from .._rulebook_loading import assemble
from ..analysis._invariants import check_invariants, select
from ..analysis._spec import CAUTION
from ._cases import boundary_cases
from ._liveness import LIVENESS, check_liveness
from ._state_strategies import inputs

__all__ = [
    "MUTANT_KINDS",
    "KitCheck",
    "Mutant",
    "MutationReport",
    "derive",
    "draw_examples",
    "kit_check",
    "mutants",
    "mutation_score",
]

T = TypeVar("T")

MUTANT_KINDS = ("threshold", "operator", "boundary", "value", "drop-condition", "drop-rule",
                "action", "precedence", "default-action")
_FLIP = {Op.EQ: Op.NE, Op.NE: Op.EQ, Op.LT: Op.GE, Op.GE: Op.LT, Op.LE: Op.GT, Op.GT: Op.LE,
         Op.IN: Op.NOT_IN, Op.NOT_IN: Op.IN}
_SHIFT = {Op.GE: Op.GT, Op.GT: Op.GE, Op.LE: Op.LT, Op.LT: Op.LE}


def derive(rulebook: Rulebook, *, params: Mapping[str, float] | None = None,
           rules: Mapping[str, Mapping[str, Any]] | None = None, drop: Collection[str] = (),
           precedence: Sequence[Action] | None = None, default_action: Action | None = None,
           rename: Mapping[str, str] | None = None, label: str = "derived") -> Rulebook:
    """A changed copy of ``rulebook``, validated like any rulebook (with
    ``footcore._rulebook_loading.assemble``), except that it may break the safety floor (mutants
    often do): its ``unsafe`` says what it breaks.

    Args:
        params: new values of parameters, by name.
        rules: changes to rules, by id: ``{"sharp-pain-pause": {"action": Action.HOLD}}``
            (any field of a rule: ``action``, ``when``...).
        drop: ids of rules to leave out.
        precedence: a new order of actions, most cautious first.
        default_action: a new action for check-ins no rule fires on.
        rename: new ids of stages, by their old id (the rules that name them follow): a
            rulebook an upgrade needs a ``mapping`` for.
        label: appended to the rulebook's location, to tell it apart in messages.

    Raises:
        RulebookError: the changed rulebook is not valid.
        KeyError: an unknown parameter, rule or stage id.

    Requires hypothesis.
    """
    names = dict(rename or {})
    for stage_id in names:
        rulebook.stage(stage_id)  # KeyError for an unknown stage
    new_params = dict(rulebook.params)
    for name, value in (params or {}).items():
        new_params[name] = attrs.evolve(rulebook.params[name], value=value)
    known = {r.id for r in rulebook.rules}
    for rule_id in (*(rules or {}), *drop):
        if rule_id not in known:
            raise KeyError(f"no rule {rule_id!r} in rulebook {rulebook.id}")
    new_rules = [attrs.evolve(r, **{"when": tuple(_renamed(c, names) for c in r.when),
                                     **(rules or {}).get(r.id, {})})
                 for r in rulebook.rules if r.id not in drop]
    meta = rulebook.meta
    if precedence is not None:
        meta = attrs.evolve(meta, precedence=tuple(precedence))
    if default_action is not None:
        meta = attrs.evolve(meta, default_action=default_action)
    stages = [attrs.evolve(s, id=names.get(s.id, s.id)) for s in rulebook.stages]
    return assemble(meta, new_params, rulebook.exercises.values(), stages, new_rules,
                    location=f"{rulebook.location} [{label}]", allow_unsafe=True)


def _renamed(condition: Condition, names: Mapping[str, str]) -> Condition:
    """``condition``, naming the stages of ``names`` by their new ids."""
    value = condition.value
    if condition.field != "stage" or not names:
        return condition
    if isinstance(value, str):
        return attrs.evolve(condition, value=names.get(value, value))
    return attrs.evolve(condition, value=type(value)(names.get(v, v) for v in value))


@attrs.frozen
class Mutant:
    """A rulebook with one small fault: ``kind`` is one of ``MUTANT_KINDS``; ``name`` says
    what changed (``"threshold stiffness_deload_min 3 -> 4"``). Requires hypothesis."""

    name: str
    kind: str
    rulebook: Rulebook = attrs.field(repr=False)


def _value(value: float) -> list[float]:
    if isinstance(value, int):
        return [value - 1, value + 1]
    step = abs(value) * 0.1 or 0.1
    return [round(value - step, 6), round(value + step, 6)]


def _with_condition(rule: Rule, index: int, condition: Condition | None) -> dict[str, Any]:
    when = list(rule.when)
    if condition is None:
        del when[index]
    else:
        when[index] = condition
    return {"when": tuple(when)}


def _show(cond: Condition) -> str:
    value = cond.param if cond.param is not None else cond.value
    return f"{cond.field} {cond.op} {value}"


def _candidates(rb: Rulebook, kinds: Collection[str]
                ) -> Iterator[tuple[str, str, Callable[[], Rulebook]]]:
    def make(label: str, **changes: Any) -> Callable[[], Rulebook]:
        return lambda: derive(rb, label=f"mutant {label}", **changes)

    if "threshold" in kinds:
        used = sorted({c.param for r in rb.rules for c in r.when if c.param is not None})
        for name in used:
            value = rb.params[name].value
            for moved in _value(value):
                label = f"threshold {name} {value:g} -> {moved:g}"
                yield "threshold", label, make(label, params={name: moved})
        for rule in rb.rules:
            for i, cond in enumerate(rule.when):
                if isinstance(cond.value, int | float) and not isinstance(cond.value, bool):
                    for moved in _value(cond.value):
                        label = f"threshold {rule.id} when[{i}] {_show(cond)} -> {moved:g}"
                        new = attrs.evolve(cond, value=moved)
                        yield "threshold", label, make(
                            label, rules={rule.id: _with_condition(rule, i, new)})
    for rule in rb.rules:
        for i, cond in enumerate(rule.when):
            where = f"{rule.id} when[{i}] {_show(cond)}"
            if "operator" in kinds:
                label = f"operator {where}: {cond.op} -> {_FLIP[cond.op]}"
                yield "operator", label, make(label, rules={rule.id: _with_condition(
                    rule, i, attrs.evolve(cond, op=_FLIP[cond.op]))})
            if "boundary" in kinds and cond.op in ORDERING_OPS:
                label = f"boundary {where}: {cond.op} -> {_SHIFT[cond.op]}"
                yield "boundary", label, make(label, rules={rule.id: _with_condition(
                    rule, i, attrs.evolve(cond, op=_SHIFT[cond.op]))})
            if ("value" in kinds and cond.op in (Op.IN, Op.NOT_IN)
                    and isinstance(cond.value, list) and len(cond.value) > 1):
                for gone in cond.value:
                    label = f"value {where}: without {gone}"
                    rest = [v for v in cond.value if v != gone]
                    yield "value", label, make(label, rules={rule.id: _with_condition(
                        rule, i, attrs.evolve(cond, value=rest))})
            if "drop-condition" in kinds:
                label = f"drop-condition {where}"
                yield "drop-condition", label, make(
                    label, rules={rule.id: _with_condition(rule, i, None)})
        if "drop-rule" in kinds:
            label = f"drop-rule {rule.id}"
            yield "drop-rule", label, make(label, drop=(rule.id,))
        if "action" in kinds:
            at = CAUTION.index(rule.action)
            for other in (CAUTION[at - 1] if at else None,
                          CAUTION[at + 1] if at + 1 < len(CAUTION) else None):
                if other is not None:
                    label = f"action {rule.id}: {rule.action} -> {other}"
                    yield "action", label, make(label, rules={rule.id: {"action": other}})
    order = list(rb.meta.precedence)
    if "precedence" in kinds:
        for i in range(len(order) - 1):
            swapped = [*order[:i], order[i + 1], order[i], *order[i + 2:]]
            label = f"precedence {order[i]} <-> {order[i + 1]}"
            yield "precedence", label, make(label, precedence=swapped)
    if "default-action" in kinds:
        at = CAUTION.index(rb.meta.default_action)
        for other in (CAUTION[at - 1] if at else None,
                      CAUTION[at + 1] if at + 1 < len(CAUTION) else None):
            if other is not None:
                label = f"default-action {rb.meta.default_action} -> {other}"
                yield "default-action", label, make(label, default_action=other)


def mutants(rulebook: Rulebook, *, kinds: Collection[str] = MUTANT_KINDS,
            invalid: list[tuple[str, str]] | None = None) -> Iterator[Mutant]:
    """The mutants of ``rulebook``, each a valid rulebook with one small fault:

    - ``threshold``: a parameter a rule compares with (or a number in a condition) moved
      one step down or up (one for whole numbers, a tenth otherwise);
    - ``operator``: a condition's operator negated (``ge`` <-> ``lt``, ``eq`` <-> ``ne``,
      ``in`` <-> ``not_in``);
    - ``boundary``: a comparison made strict or lax (``ge`` <-> ``gt``, ``le`` <-> ``lt``);
    - ``value``: one value left out of an ``in`` or ``not_in`` list;
    - ``drop-condition``: one condition of a rule left out;
    - ``drop-rule``: one rule left out;
    - ``action``: a rule's action made one step less, or more, cautious;
    - ``precedence``: two neighbouring actions of the precedence swapped;
    - ``default-action``: the action taken when no rule fires, one step either way.

    Each is built with ``footcore._rulebook_loading.assemble``; one that does not validate (a stage
    left with no way forward, say) is skipped, and reported in ``invalid`` as
    ``(name, reason)`` when a list is given.

    Requires hypothesis.
    """
    for name in kinds:
        if name not in MUTANT_KINDS:
            raise ValueError(f"unknown mutant kind {name!r}; known: {', '.join(MUTANT_KINDS)}")
    for kind, name, build in _candidates(rulebook, set(kinds)):
        try:
            mutated = build()
        except RulebookError as exc:
            if invalid is not None:
                invalid.append((name, str(exc)))
            continue
        yield Mutant(name, kind, mutated)


def draw_examples(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """``count`` examples of ``strategy``, the same ones on every run (Hypothesis with
    ``derandomize=True``): for a corpus that many rulebooks are checked against.

    Do not call it inside a Hypothesis test. Requires hypothesis.
    """
    found: list[T] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example: T) -> None:
        found.append(example)

    collect()
    return found


@attrs.frozen
class KitCheck:
    """The kit's invariants and liveness on a fixed corpus, as one callable check: call it
    with a rulebook; it raises :class:`InvariantViolation` when the rulebook breaks one.
    Made by :func:`kit_check`. Requires hypothesis."""

    spec: Rulebook = attrs.field(repr=False)
    corpus: tuple[tuple[AthleteState, CheckIn], ...] = attrs.field(repr=False)
    invariants: tuple[str, ...]
    liveness: bool
    drawn: int = 0

    def __call__(self, rulebook: Rulebook) -> None:
        engine = Engine(rulebook, backend="native")
        boundary = len(self.corpus) - self.drawn
        for state, checkin in self.corpus[:boundary]:
            check_invariants(engine, state, checkin, rulebook=self.spec, only=self.invariants)
        if self.liveness:
            check_liveness(engine, rulebook=self.spec)
            check_liveness(engine, rulebook=self.spec, history=True)
        for state, checkin in self.corpus[boundary:]:
            check_invariants(engine, state, checkin, rulebook=self.spec, only=self.invariants)


def kit_check(spec: Rulebook, *, examples: int = 400, only: Collection[str] | None = None,
              skip: Collection[str] = (), liveness: bool = True) -> KitCheck:
    """The kit's checks as one callable, for :func:`mutation_score`: the invariants (those
    about the rulebook; ``cues-agree-with-action``, ``deterministic`` and
    ``backends-agree`` test the engine and are left out) on :func:`boundary_cases` and
    ``examples`` deterministic draws of :func:`inputs`, and liveness for a new athlete
    with and without a history, all at the thresholds of ``spec``.

    Requires hypothesis.
    """
    chosen = tuple(inv.name for inv in select(only, [n for n in skip if n != LIVENESS])
                   if not inv.engine_level)
    corpus = boundary_cases(spec)
    drawn = draw_examples(inputs(spec), examples) if examples else []
    return KitCheck(spec, tuple(corpus + drawn), chosen,
                    liveness and LIVENESS not in skip, len(drawn))


@attrs.frozen
class MutationReport:
    """What :func:`mutation_score` found: mutants killed (with the first line of what
    killed them), survivors, and mutants skipped because they did not validate.
    Requires hypothesis."""

    rulebook: str
    killed: tuple[tuple[Mutant, str], ...]
    survivors: tuple[Mutant, ...]
    invalid: tuple[tuple[str, str], ...]
    seconds: float

    @property
    def score(self) -> float:
        """Killed mutants over valid mutants (1.0 when there are none)."""
        valid = len(self.killed) + len(self.survivors)
        return len(self.killed) / valid if valid else 1.0

    def summary(self) -> str:
        """A few lines for a test log: the score, the counts and every survivor."""
        valid = len(self.killed) + len(self.survivors)
        lines = [f"mutation score of {self.rulebook}: {self.score:.1%} "
                 f"({len(self.killed)} of {valid} valid mutants killed; "
                 f"{len(self.invalid)} invalid mutants skipped; {self.seconds:.1f} s)"]
        lines.extend(f"  survived: {m.name}" for m in self.survivors)
        return "\n".join(lines)


def mutation_score(rulebook: Rulebook, check: Callable[[Rulebook], object] | None = None, *,
                   kinds: Collection[str] = MUTANT_KINDS) -> MutationReport:
    """Run ``check`` on every mutant of ``rulebook`` and count the mutants it kills.

    Args:
        check: called with each mutated rulebook; it kills the mutant by raising
            ``AssertionError`` (an :class:`InvariantViolation`, a failed ``assert``) or
            any other exception. By default :func:`kit_check` on ``rulebook``. Your own
            suite can be the check: a function that runs your example cases on a rulebook.
        kinds: the kinds of mutant to make (``MUTANT_KINDS``).

    Raises:
        AssertionError: the check fails on ``rulebook`` itself (a score would mean nothing);
            the error is the check's own.

    Requires hypothesis.
    """
    if check is None:
        check = kit_check(rulebook)
    check(rulebook)  # it must pass on the original, or every mutant would look killed
    started = time.perf_counter()
    killed: list[tuple[Mutant, str]] = []
    survivors: list[Mutant] = []
    invalid: list[tuple[str, str]] = []
    for mutant in mutants(rulebook, kinds=kinds, invalid=invalid):
        try:
            check(mutant.rulebook)
        except AssertionError as exc:
            killed.append((mutant, str(exc).splitlines()[0] if str(exc) else "assert"))
        except Exception as exc:  # a crash kills a mutant too
            killed.append((mutant, f"{type(exc).__name__}: {exc}".splitlines()[0]))
        else:
            survivors.append(mutant)
    return MutationReport(f"{rulebook.id} {rulebook.version}", tuple(killed),
                          tuple(survivors), tuple(invalid), time.perf_counter() - started)

