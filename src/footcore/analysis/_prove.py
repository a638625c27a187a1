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
past ``budget`` steps the invariants not yet decided are "unknown", never "proved". The
walk is :mod:`._search`'s, the report :mod:`._proof`'s, the changes' invariants (what an
override and a change of goal may do) :mod:`._prove_changes`'s; this module decides each
invariant.

Pure Python and deterministic; it does not import Hypothesis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

import attrs

from .._engine import Engine
from .._enums import RULE_ACTIONS, Action, BackOff, Goal
from .._errors import FootcoreError, InputError
from .._facts import record
from .._models import AthleteState, CheckIn, Firing
from .._plan import build_plan, winning_cues, with_cues
from .._rulebook import Rulebook
from .._transition import next_state
from ._cells import ON
from ._invariants import INVARIANTS, check_decision, check_invariants
from ._model import Model
from ._plans import plans
from ._proof import Counterexample, ProofReport, ProofResult
from ._prove_changes import CHANGES, decide_change
from ._reachable import reachability_problems
from ._search import BACKOFF, PAIN, STIFF, ContextClass, Found, OutOfBudget, Search, barred
from ._spec import caution, param
from ._violations import InvariantViolation, MissingParam

__all__ = ["DEFAULT_BUDGET", "PROVABLE", "prove", "prover_check"]

PROVABLE: tuple[str, ...] = (
    "pain-pauses", "backoff-never-raises-load", "stiffness-never-raises-load", "monotone",
    "one-rung-at-most", "no-hops-before-clearance", "pause-holds-until-clearance",
    "hold-explained", "cues-agree-with-action", *CHANGES,
)
DEFAULT_BUDGET = 20_000_000

# The invariants whose premises look for each sign of the model.
_PREMISES = {PAIN: "pain-pauses", BACKOFF: "backoff-never-raises-load",
             STIFF: "stiffness-never-raises-load"}


def _replay(model: Model, name: str, found: Found, engine: Engine, spec: Rulebook
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
    planned = plans(model.rulebook)
    for stage in model.rulebook.stages:
        for dose in range(len(stage.steps)):
            prior = planned.state(stage.id, Goal.RUNNER, dose, False,
                                                BackOff.NONE, False)
            for action in RULE_ACTIONS:
                found = _forced(model, engine, spec, "one-rung-at-most", prior, action)
                if found is not None:
                    return found
    return ProofResult("one-rung-at-most", "proved")


def _cues_agree(search: Search, engine: Engine, spec: Rulebook) -> ProofResult:
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


def _decide(search: Search, name: str, engine: Engine, spec: Rulebook) -> ProofResult:
    model = search.model
    if name in CHANGES:
        return decide_change(search, name, engine, spec)
    if name == "one-rung-at-most":
        return _one_rung(model, engine, spec)
    if name == "cues-agree-with-action":
        return _cues_agree(search, engine, spec)
    found: Found | None
    if name == "pain-pauses":
        found = search.winner(PAIN, _always, lambda c, a: a is not Action.PAUSE)
    elif name == "backoff-never-raises-load":
        found = search.winner(BACKOFF, _always,
                              lambda c, a: caution(a) < caution(Action.DELOAD))
    elif name == "stiffness-never-raises-load":
        found = search.winner(STIFF, _always,
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
                              lambda c, a: a in barred(model.context_facts(c)))
    elif name == "hold-explained":
        found = search.hold_unexplained()
    else:  # monotone
        found = search.monotone()
    if found is None:
        return ProofResult(name, "proved")
    return _replay(model, name, found, engine, spec)


def _always(cls: ContextClass) -> bool:
    return True


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
        only: the invariants to decide, by name (all of ``PROVABLE`` by default).
        skip: invariants to leave out, by name.
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
    search = Search(model, budget)
    for name in chosen:
        try:
            results[name] = _decide(search, name, engine, target)
        except OutOfBudget:
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
    ``spec``). By default it decides every invariant of ``PROVABLE`` but the changes'
    (``CHANGES``): they hold the engine's overrides to its own transition, which no
    rulebook mutant can break."""
    return _ProverCheck(spec, reachable, tuple(only) if only is not None else tuple(
        name for name in PROVABLE if name not in CHANGES))
