"""``prove``: decide the single-step safety invariants for every input, not a sample.

The engine's answer to a check-in is the most conservative action among the rules that
fire on its facts (or the default action when none does), so the answer depends only on
the most conservative action of the check-in fact and of the symptoms and compensations
together. The model (:mod:`._model`) cuts every fact into finitely many cells; the prover
walks them all:

- the symptoms and compensations, breadth first by how many there are, each state keeping
  what the check-in fact sees of them (counts, highest severity, pain, cleanliness), their
  most conservative action and the invariants' signs among them, with the smallest list
  that reaches it;
- for each context, the most conservative action the check-in fact can bring, for each of
  those states, over every dose, clock, metric and minutes part.

A counterexample is the smallest input found (fewest symptoms and compensations, then the
smallest values, then the plainest athlete) and is replayed through the real
:class:`~footcore.Engine` and the kit's own check before it is reported. Work is counted;
past ``budget`` steps the invariants not yet decided are "unknown", never "proved".

Pure Python and deterministic; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal

import attrs

from .._conditions import FactType
from .._convert import CONVERTER
from .._engine import Engine
from .._enums import RULE_ACTIONS, Action, BackOff, Goal
from .._errors import FootcoreError, InputError
from .._facts import record
from .._models import AthleteState, CheckIn, Decision, Firing
from .._plan import build_plan, winning_cues, with_cues
from .._rulebook import Rulebook
from .._transition import next_state
from ._invariants import INVARIANTS, check_decision, check_invariants
from ._model import NO_ACTION, ON, Context, Item, Model, Part, plans
from ._reachable import reachability_problems
from ._spec import caution, param
from ._violations import InvariantViolation, MissingParam

__all__ = [
    "DEFAULT_BUDGET",
    "PROVABLE",
    "Counterexample",
    "ProofReport",
    "ProofResult",
    "prove",
    "prover_check",
]

PROVABLE: tuple[str, ...] = (
    "pain-pauses", "backoff-never-raises-load", "stiffness-never-raises-load", "monotone",
    "one-rung-at-most", "no-hops-before-clearance", "pause-holds-until-clearance",
    "hold-explained", "cues-agree-with-action",
)
DEFAULT_BUDGET = 20_000_000
Status = Literal["proved", "counterexample", "unknown"]

# The signs of the model (SIGNS) the invariants' premises look for, and their bits.
_PAIN, _BACKOFF, _STIFF = "pain", "backoff", "stiffness"
_PREMISES = {_PAIN: "pain-pauses", _BACKOFF: "backoff-never-raises-load",
             _STIFF: "stiffness-never-raises-load"}
_SIGN_BITS = {_PAIN: 1, _BACKOFF: 2, _STIFF: 4}


# ---------------------------------------------------------------- results


@attrs.frozen
class Counterexample:
    """A smallest input that breaks an invariant, replayed through the engine.

    Attributes:
        state, checkin: the input (``engine.evaluate(state, checkin)`` replays it).
        decision: the engine's decision on it.
        violation: the kit's :class:`InvariantViolation` for it (what went wrong, the rules
            responsible, the inputs as JSON).
        facts: how many symptoms and compensations it reports.
    """

    state: AthleteState
    checkin: CheckIn
    decision: Decision
    violation: InvariantViolation
    facts: int

    def words(self) -> str:
        """The counterexample in plain words: what went wrong, the athlete and the
        check-in."""
        return (f"{self.violation.problem}. Athlete: {_state_words(self.state)}. Check-in: "
                f"{_checkin_words(self.checkin)}. Decision: {self.decision.action.value} "
                f"(rules: {', '.join(self.violation.rules) or 'none fired'}).")

    def to_data(self) -> dict[str, Any]:
        """The counterexample as JSON-ready data: the invariant, the problem, the rules
        responsible, the action, and the state and check-in to replay."""
        return {"invariant": self.violation.invariant, "problem": self.violation.problem,
                "rules": list(self.violation.rules), "action": self.decision.action.value,
                "state": CONVERTER.unstructure(self.state),
                "checkin": CONVERTER.unstructure(self.checkin)}


@attrs.frozen
class ProofResult:
    """What :func:`prove` decided for one invariant.

    ``status`` is ``"proved"`` (it holds for every input of the model),
    ``"counterexample"`` (``counterexample`` breaks it) or ``"unknown"`` (the budget ran
    out, or a counterexample did not replay; ``reason`` says which).
    """

    invariant: str
    status: Status
    counterexample: Counterexample | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.counterexample is not None:
            return f"{self.invariant}: counterexample: {self.counterexample.words()}"
        return f"{self.invariant}: {self.status}" + (f" ({self.reason})" if self.reason
                                                     else "")


@attrs.frozen
class ProofReport:
    """What :func:`prove` decided for a rulebook.

    Attributes:
        rulebook: the rulebook's id, version and digest.
        reachable: whether inputs were held to the reachability constraints.
        results: one :class:`ProofResult` per invariant, by name.
        steps: the work done, in the units of ``budget``.
        seconds: how long it took.
    """

    rulebook: str
    reachable: bool
    results: Mapping[str, ProofResult]
    steps: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Every invariant proved."""
        return all(r.status == "proved" for r in self.results.values())

    @property
    def counterexamples(self) -> tuple[Counterexample, ...]:
        """The counterexamples found, in the order of the invariants."""
        return tuple(r.counterexample for r in self.results.values()
                     if r.counterexample is not None)

    def raise_for_violation(self) -> None:
        """Raise the first counterexample's :class:`InvariantViolation`, if there is one
        (an "unknown" result raises nothing: it is not a violation)."""
        for example in self.counterexamples:
            raise example.violation

    def __str__(self) -> str:
        counts = {s: sum(r.status == s for r in self.results.values())
                  for s in ("proved", "counterexample", "unknown")}
        space = "reachable inputs" if self.reachable else "every valid input"
        lines = [f"{self.rulebook}: {counts['proved']} proved, {counts['counterexample']} "
                 f"with a counterexample, {counts['unknown']} unknown, over {space} "
                 f"({self.steps} steps, {self.seconds:.2f} s)"]
        lines += [f"  {r}" for r in self.results.values()]
        return "\n".join(lines)


# ---------------------------------------------------------------- the search


class _OutOfBudget(Exception):
    pass


@attrs.frozen
class _Found:
    """A violating cell: its order key, and what builds it."""

    key: tuple[Any, ...]
    context: Context
    parts: Mapping[str, Any]
    items: tuple[Item, ...]


_Core = tuple[int, int, bool, bool, int, int]  # symptoms, severity run, pain, clean, comps, rank
_State = tuple[_Core, int]  # and the signs seen


@attrs.frozen(eq=False)
class _Class:
    """A context standing for every context no invariant tells apart from it, with what
    the search needs of it worked out once."""

    context: Context
    checkin: int  # check-in rules whose context tests hold
    positions: int  # raising rules whose position tests on the context hold
    items: tuple[tuple[Item, int], ...]  # its symptoms and compensations, with their ranks
    table: Mapping[_State, tuple[tuple[Any, ...], tuple[Item, ...]]]
    barred: frozenset[Action]  # the rises no-hops-before-clearance forbids here


class _Search:
    """The model's cells, walked for each invariant."""

    def __init__(self, model: Model, budget: int) -> None:
        self.model = model
        self.budget = budget
        self.steps = 0
        rb = model.rulebook
        self.ck = model.bits[FactType.CHECKIN]
        self.actions = (*model.precedence, rb.meta.default_action)  # by rank; NO_ACTION last
        self.caution = [caution(a) for a in self.actions]
        self._max_symptoms = int(model.runs(FactType.CHECKIN, "symptom_count")[-1])
        self._max_comps = int(model.runs(FactType.CHECKIN, "compensation_count")[-1])
        self._severities = model.runs(FactType.CHECKIN, "max_severity")
        self._lists: dict[_Core, int] = {}
        self._tables: dict[tuple[int, int, bool], Any] = {}
        self._tops: dict[tuple[Any, ...], dict[tuple[int, bool], tuple[Any, ...]]] = {}
        self._pairs: dict[tuple[Any, ...], list[tuple[int, int, tuple[Any, ...]]]] = {}

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.budget:
            raise _OutOfBudget

    # -------------------------------------------------------- contexts

    @functools.cached_property
    def classes(self) -> list[_Class]:
        """One context (the plainest) per class of contexts no invariant tells apart."""
        m = self.model
        found: dict[tuple[Any, ...], _Class] = {}
        for ctx in m.contexts:
            facts = m.context_facts(ctx)
            shared = ctx.shared()
            checkin, positions = self.ck.all(facts), m.positions.all(facts)
            sym = m.bits[FactType.SYMPTOM].all(shared)
            comp = m.bits[FactType.COMPENSATION].all(shared)
            signature = (checkin, positions, sym, comp, ctx.single_leg, len(ctx.stage.steps),
                         ctx.doses, ctx.paused, ctx.backoff, ctx.cleared_today, _barred(facts))
            if signature in found:
                continue
            items = tuple((i, m.bits[i.fact].top(
                i.bits & (sym if i.fact is FactType.SYMPTOM else comp)))
                for i in m.items_for(ctx))
            found[signature] = _Class(ctx, checkin, positions, items,
                                      self._table(sym, comp, ctx.single_leg, items),
                                      _barred(facts))
        return list(found.values())

    # -------------------------------------------------------- symptoms and compensations

    def step(self, state: _State, item: Item, rank: int) -> _State:
        (symptoms, severity, pain, clean, comps, top), signs = state
        if item.fact is FactType.SYMPTOM:
            symptoms = min(symptoms + 1, self._max_symptoms)
            severity = max(severity, item.severity)
        else:
            comps = min(comps + 1, self._max_comps)
        signs |= sum(_SIGN_BITS[s] for s in item.signs)
        return ((symptoms, severity, pain or item.pain, clean and item.clean, comps,
                 min(top, rank)), signs)

    def _table(self, sym: int, comp: int, single_leg: bool,
               ranked: Sequence[tuple[Item, int]]
               ) -> Mapping[_State, tuple[tuple[Any, ...], tuple[Item, ...]]]:
        """Every state the symptoms and compensations reach, with the smallest list
        reaching it (key: how many, then their sorted keys), smallest first."""
        cached = self._tables.get((sym, comp, single_leg))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        start: _State = ((0, 0, False, True, 0, NO_ACTION), 0)
        best: dict[_State, tuple[tuple[Any, ...], tuple[Item, ...]]] = {
            start: ((0, ()), ())}
        frontier = [start]
        while frontier:
            found: dict[_State, tuple[tuple[Any, ...], tuple[Item, ...]]] = {}
            for state in frontier:
                key, items = best[state]
                self.spend(len(ranked))
                for item, rank in ranked:
                    nxt = self.step(state, item, rank)
                    if nxt in best:
                        continue
                    new_key = (key[0] + 1, tuple(sorted((*key[1], item.key))))
                    old = found.get(nxt)
                    if old is None or new_key < old[0]:
                        found[nxt] = (new_key, (*items, item))
            best.update(found)
            frontier = sorted(found, key=lambda s: found[s][0])
        table = dict(sorted(best.items(), key=lambda kv: kv[1][0]))
        self._tables[(sym, comp, single_leg)] = table
        return table

    def lists(self, core: _Core) -> int:
        """The check-in rules whose tests on the list fields hold for this core."""
        bits = self._lists.get(core)
        if bits is None:
            symptoms, severity, pain, _, comps, _ = core
            bits = self._lists[core] = self.ck.all({
                "symptom_count": symptoms, "max_severity": self._severities[severity],
                "pain_today": pain, "compensation_count": comps})
        return bits

    # -------------------------------------------------------- the check-in fact

    def tops(self, cls: _Class, core: _Core) -> dict[tuple[int, bool], tuple[Any, ...]]:
        """For each (rank, whether every raising rule fails a position test), the plainest
        (key, dose, rest) of the check-in fact in this class with these lists."""
        ctx = cls.context
        memo = (cls.checkin & self.lists(core), cls.positions, ctx.stage.id, ctx.doses,
                ctx.paused, ctx.backoff, core[3])
        found = self._tops.get(memo)
        if found is not None:
            return found
        m = self.model
        rest = m.rest(ctx.paused, ctx.backoff)
        found = {}
        side = 0 if core[3] else 1
        for dose in m.doses(ctx):
            bits = memo[0] & dose.bits[0]
            blocked = not (cls.positions & dose.values["positions"])
            self.spend(len(rest))
            for part in rest:
                cell = (self.ck.top(bits & part.bits[side]), blocked)
                key = dose.key + part.key
                old = found.get(cell)
                if old is None or key < old[0]:
                    found[cell] = (key, dose, part)
        self._tops[memo] = found
        return found

    def pairs(self, cls: _Class, before: _Core, after: _Core
              ) -> list[tuple[int, int, tuple[Any, ...]]]:
        """Each (rank before, rank after) the check-in fact can bring with the lists being
        ``before`` and then ``after``, with the plainest parts that give it."""
        ctx = cls.context
        memo = (cls.checkin & self.lists(before), cls.checkin & self.lists(after),
                ctx.stage.id, ctx.doses, ctx.paused, ctx.backoff, before[3], after[3])
        found = self._pairs.get(memo)
        if found is not None:
            return found
        m = self.model
        rest = m.rest(ctx.paused, ctx.backoff)
        cells: dict[tuple[int, int], tuple[Any, ...]] = {}
        sides = (0 if before[3] else 1, 0 if after[3] else 1)
        for dose in m.doses(ctx):
            a, b = memo[0] & dose.bits[0], memo[1] & dose.bits[0]
            self.spend(len(rest))
            for part in rest:
                cell = (self.ck.top(a & part.bits[sides[0]]),
                        self.ck.top(b & part.bits[sides[1]]))
                key = dose.key + part.key
                old = cells.get(cell)
                if old is None or key < old[0]:
                    cells[cell] = (key, dose, part)
        found = self._pairs[memo] = [(x, y, v) for (x, y), v in cells.items()]
        return found

    # -------------------------------------------------------- deciding

    def winner(self, sign: str | None, where: Callable[[_Class], bool],
               bad: Callable[[Context, Action], bool]) -> _Found | None:
        """The smallest input whose context passes ``where``, whose symptoms and
        compensations show ``sign`` (if given), and whose action is ``bad``."""
        best: _Found | None = None
        bit = _SIGN_BITS[sign] if sign else 0
        for cls in self.classes:
            if not where(cls):
                continue
            for state, (key, items) in cls.table.items():
                if best is not None and key > best.key[0]:
                    break
                core, signs = state
                if bit and not signs & bit:
                    continue
                for (rank, _), (inner, dose, part) in self.tops(cls, core).items():
                    if bad(cls.context, self.actions[min(rank, core[5])]):
                        best = _better(best, (key, cls.context.key, inner), cls.context,
                                       dose, part, items)
        return best

    def hold_unexplained(self) -> _Found | None:
        """The smallest input on which nothing fires, the default action is HOLD and no
        load-raising rule of the athlete's rung is open (so no why-not explains it)."""
        if self.model.rulebook.meta.default_action is not Action.HOLD:
            return None
        best: _Found | None = None
        for cls in self.classes:
            for (core, _), (key, items) in cls.table.items():
                if best is not None and key > best.key[0]:
                    break
                if core[5] != NO_ACTION:
                    continue
                found = self.tops(cls, core).get((NO_ACTION, True))
                if found is not None:
                    inner, dose, part = found
                    best = _better(best, (key, cls.context.key, inner), cls.context, dose,
                                   part, items)
        return best

    def monotone(self) -> _Found | None:
        """The smallest input to which one more symptom or compensation brings a less
        cautious action than without it."""
        best: _Found | None = None
        caution_of = self.caution
        for cls in self.classes:
            cores: dict[_Core, tuple[tuple[Any, ...], tuple[Item, ...]]] = {}
            for (core, _), entry in cls.table.items():
                cores.setdefault(core, entry)
            # the plainest item of each effect on the lists, and of each rank within it
            effects: dict[tuple[Any, ...], dict[int, Item]] = {}
            for item, rank in cls.items:
                effects.setdefault((item.fact, item.severity, item.pain, item.clean),
                                   {}).setdefault(rank, item)
            for core, (key, items) in cores.items():
                if best is not None and key[0] + 1 > best.key[0][0]:
                    break
                self.spend(len(cls.items))
                for ranked in effects.values():
                    some = next(iter(ranked.values()))
                    after = self.step((core, 0), some, NO_ACTION)[0]
                    pairs = self.pairs(cls, core, after)
                    for rank, item in ranked.items():
                        top = min(core[5], rank)
                        for before_rank, after_rank, (inner, dose, part) in pairs:
                            if caution_of[min(after_rank, top)] < caution_of[
                                    min(before_rank, core[5])]:
                                total = (key[0] + 1, tuple(sorted((*key[1], item.key))))
                                best = _better(best, (total, cls.context.key, inner),
                                               cls.context, dose, part, (*items, item))
        return best


def _barred(facts: Mapping[str, Any]) -> frozenset[Action]:
    """With a history and no clearance (P10): every rung change, and a dose step past the
    awareness rung (the first)."""
    if not facts["history"] or facts["cleared"]:
        return frozenset()
    advance = frozenset() if facts["final_stage"] else frozenset({Action.ADVANCE})
    return advance | ({Action.PROGRESS} if facts["stage_order"] > 0 else frozenset())


def _better(best: _Found | None, key: tuple[Any, ...], ctx: Context, dose: Part, part: Part,
            items: tuple[Item, ...]) -> _Found:
    if best is not None and best.key <= key:
        return best
    return _Found(key, ctx, {**dose.values, **part.values}, items)


# ---------------------------------------------------------------- invariants


def _replay(model: Model, name: str, found: _Found, engine: Engine, spec: Rulebook
            ) -> ProofResult:
    """Build the input of ``found``, run it through the engine and the kit's check."""
    try:
        state, checkin = model.build(found.context, found.parts,
                                     [i.thing for i in found.items])
    except FootcoreError as exc:
        return ProofResult(name, "unknown", reason=f"the counterexample the model found is "
                                                   f"not a valid input: {exc}")
    problems = reachability_problems(model.rulebook, state) if model.reachable else []
    if problems:
        return ProofResult(name, "unknown", reason=f"the model built an unreachable state: "
                                                   f"{'; '.join(problems)}")
    try:
        decision = check_invariants(engine, state, checkin, rulebook=spec, only=(name,))
    except InvariantViolation as exc:
        if exc.decision is None:
            raise
        return ProofResult(name, "counterexample", Counterexample(
            state, checkin, exc.decision, exc, len(found.items)))
    return ProofResult(name, "unknown", reason=f"the model's counterexample did not replay: "
                                               f"the engine gave {decision.action.value}")


def _forced(model: Model, engine: Engine, spec: Rulebook, name: str, prior: AthleteState,
            action: Action, new: AthleteState | None = None) -> ProofResult | None:
    """The kit's check ``name`` on the decision the engine would make for ``prior`` had
    the rules chosen ``action`` (``new``: the state it leads to, by default the engine's
    transition): a counterexample, or None when it holds."""
    rb = model.rulebook
    checkin = CheckIn(on=ON, completed=True)
    decision = engine.evaluate(prior, checkin)
    if new is None:
        new = next_state(rb, prior, checkin, record(rb, prior, checkin), action)
    firings = tuple(attrs.evolve(f, won=f.action is action,
                                 overridden_by=None if f.action is action else action)
                    for f in decision.firings)  # the trace as the forced action leaves it
    forced = attrs.evolve(decision, action=action, state=new, plan=build_plan(rb, new),
                          firings=firings)
    try:
        check_decision(forced, engine=engine, rulebook=spec, only=(name,))
    except InvariantViolation as exc:
        return ProofResult(name, "counterexample",
                           Counterexample(prior, checkin, forced, exc, 0))
    return None


def _one_rung(model: Model, engine: Engine, spec: Rulebook) -> ProofResult:
    """Every action from every stage and dose moves one rung or step at most."""
    for stage in model.rulebook.stages:
        for dose in range(len(stage.steps)):
            prior = plans(model.rulebook).state(stage.id, Goal.RUNNER, dose, False,
                                                BackOff.NONE, False)
            for action in RULE_ACTIONS:
                found = _forced(model, engine, spec, "one-rung-at-most", prior, action)
                if found is not None:
                    return found
    return ProofResult("one-rung-at-most", "proved")


def _cues_agree(search: _Search, engine: Engine, spec: Rulebook) -> ProofResult:
    """The engine gives a plan the cues :func:`winning_cues` picks from the rules that
    fired, rule by rule: a rule's cue is in when its action is taken, out otherwise. So the
    cues agree with the action for every input exactly when they do for each rule with a
    cue, fired alone, under each action a decision can take: that is what is walked (a
    counterexample is the decision had that rule fired under that action)."""
    rb = search.model.rulebook
    name = "cues-agree-with-action"
    checkin = CheckIn(on=ON, completed=True)
    prior = plans(rb).state(rb.stages[0].id, Goal.RUNNER, 0, False, BackOff.NONE, False)
    base = engine.evaluate(prior, checkin)
    for rule in rb.rules:
        if not rule.cue:
            continue
        for action in dict.fromkeys((*rb.meta.precedence, rb.meta.default_action)):
            search.spend(1)
            won = rule.action is action
            firing = Firing(rule.id, rule.action, rule.source, rule.summary, "checkin", (),
                            won, None if won else action)
            forced = attrs.evolve(base, action=action, firings=(firing,), plan=with_cues(
                base.plan, winning_cues([rule], action)))
            try:
                check_decision(forced, engine=engine, rulebook=spec, only=(name,))
            except InvariantViolation as exc:
                return ProofResult(name, "counterexample",
                                   Counterexample(prior, checkin, forced, exc, 0))
    return ProofResult(name, "proved")


def _decide(search: _Search, name: str, engine: Engine, spec: Rulebook) -> ProofResult:
    model = search.model
    if name == "one-rung-at-most":
        return _one_rung(model, engine, spec)
    if name == "cues-agree-with-action":
        return _cues_agree(search, engine, spec)
    found: _Found | None
    if name == "pain-pauses":
        found = search.winner(_PAIN, _always, lambda c, a: a is not Action.PAUSE)
    elif name == "backoff-never-raises-load":
        found = search.winner(_BACKOFF, _always,
                              lambda c, a: caution(a) < caution(Action.DELOAD))
    elif name == "stiffness-never-raises-load":
        found = search.winner(_STIFF, _always,
                              lambda c, a: caution(a) < caution(Action.EASE))
    elif name == "pause-holds-until-clearance":
        found = search.winner(None, lambda c: c.context.paused, lambda c, a: (
            caution(a) < caution(Action.DELOAD) if c.cleared_today else a is not Action.PAUSE))
    elif name == "no-hops-before-clearance":
        hops = plans(model.rulebook).hops_before_clearance
        if hops is not None:  # the plan builder itself lets hops through
            action = Action.PAUSE if hops.paused else Action.HOLD
            return _forced(model, engine, spec, name, hops, action, hops) or ProofResult(
                name, "unknown", reason="a plan with hops the kit's check let through")
        found = search.winner(None, lambda c: bool(c.barred),
                              lambda c, a: a in _barred(model.context_facts(c)))
    elif name == "hold-explained":
        found = search.hold_unexplained()
    else:  # monotone
        found = search.monotone()
    if found is None:
        return ProofResult(name, "proved")
    return _replay(model, name, found, engine, spec)


def _always(cls: _Class) -> bool:
    return True


# ---------------------------------------------------------------- entry points


def prove(rulebook: Rulebook, *, spec: Rulebook | None = None, reachable: bool = True,
          only: Collection[str] | None = None, skip: Collection[str] = (),
          budget: int = DEFAULT_BUDGET) -> ProofReport:
    """Decide the kit's single-step safety invariants for every input of ``rulebook``.

    For each invariant of ``PROVABLE`` the result is ``"proved"`` (no input breaks it),
    ``"counterexample"`` (with the smallest input that does: fewest symptoms and
    compensations, then the smallest values, then the plainest athlete; replayed through
    the engine) or ``"unknown"`` (out of budget, or ``spec`` lacks a threshold the
    invariant reads: the reason says which). Hypothesis is not needed.

    Args:
        spec: the rulebook whose thresholds the invariants read (``rulebook`` by default),
            as for :func:`check_invariants`.
        reachable: hold states to the reachability constraints (``REACHABILITY``): what
            the engine's own transitions produce. False: every state the validators accept.
        only, skip: invariants to decide or leave out, by name.
        budget: the most work to do, in steps (cells and transitions visited).

    Raises:
        InputError: ``rulebook`` or ``spec`` is not a Rulebook, or an unknown invariant.
    """
    started = time.perf_counter()
    for given, what in ((rulebook, "rulebook"), (spec, "spec")):
        if given is not None and not isinstance(given, Rulebook):
            raise InputError(f"{what}: got {type(given).__name__}; accepted: a Rulebook "
                             f"(load one with footcore.load_rulebook(path))")
    target = spec if spec is not None else rulebook
    for name in (*(only or ()), *skip):
        if name not in PROVABLE:
            raise InputError(f"invariant {name!r}: accepted: {', '.join(PROVABLE)}")
    results: dict[str, ProofResult] = {}
    chosen = []
    for name in PROVABLE:
        if (only is not None and name not in only) or name in skip:
            continue
        try:
            for need in INVARIANTS[name].needs:
                param(target, need, name)
        except MissingParam as exc:
            results[name] = ProofResult(name, "unknown", reason=exc.problem)
        else:
            chosen.append(name)
    model = Model.of(rulebook, target, reachable, tuple(
        sign for sign, name in _PREMISES.items() if name in chosen))
    engine = Engine(rulebook, backend="native")
    search = _Search(model, budget)
    for name in chosen:
        try:
            results[name] = _decide(search, name, engine, target)
        except _OutOfBudget:
            results[name] = ProofResult(name, "unknown",
                                        reason=f"out of budget ({budget} steps)")
            search.budget = search.steps  # the rest are out of budget too
    return ProofReport(f"{rulebook.id} {rulebook.version} ({rulebook.digest[:12]})",
                       reachable, {n: results[n] for n in PROVABLE if n in results},
                       search.steps, time.perf_counter() - started)


@attrs.frozen
class _ProverCheck:
    spec: Rulebook
    reachable: bool
    only: tuple[str, ...] | None

    def __call__(self, rulebook: Rulebook) -> None:
        prove(rulebook, spec=self.spec, reachable=self.reachable,
              only=self.only).raise_for_violation()


def prover_check(spec: Rulebook, *, reachable: bool = True,
                 only: Collection[str] | None = None) -> Callable[[Rulebook], None]:
    """:func:`prove` as a check for :func:`mutation_score`: called with a rulebook, it
    raises the first counterexample's :class:`InvariantViolation` (at the thresholds of
    ``spec``)."""
    return _ProverCheck(spec, reachable, tuple(only) if only is not None else None)


# ---------------------------------------------------------------- words


def _state_words(s: AthleteState) -> str:
    parts = [f"{s.goal.value}, stage {s.stage} at dose step {s.dose_level}"]
    if s.prior_foot_ankle_problems:
        parts.append("a foot or ankle history" + (", cleared" if s.clinician_cleared
                                                  else ", not cleared"))
    if s.paused:
        parts.append("paused")
    if s.backoff is not BackOff.NONE:
        parts.append(f"{s.backoff.value} until {s.backoff_until}")
    if s.last_checkin_on is None:
        parts.append(f"new since {s.started_on}")
    else:
        parts.append(f"last check-in {s.last_checkin_on}, last session "
                     f"{s.last_session_on or 'none'}, {len(s.recent_sessions)} recent "
                     f"session(s), {s.consecutive_completed} done and "
                     f"{s.consecutive_missed} missed in a row, clean streak {s.clean_streak}")
    return "; ".join(parts)


def _checkin_words(c: CheckIn) -> str:
    parts = [f"{c.on}, session {'done' if c.completed else 'missed'}"]
    parts += [f"{s.kind.value} at {s.location.value} (severity {s.severity}, {s.days} day(s))"
              for s in c.symptoms]
    parts += [f"{x.kind.value} in {x.exercise or 'an exercise not named'}"
              for x in c.compensations]
    measured = {k: v for k, v in attrs.asdict(c.metrics).items() if v is not None}
    if measured:
        parts.append(", ".join(f"{k} {v:g}" for k, v in measured.items()))
    if c.clinician_cleared:
        parts.append("clinician clearance")
    return "; ".join(parts)

