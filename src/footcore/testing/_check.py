"""``check_rulebook``: the proof, every invariant, liveness and the athlete state machine,
in one call.

Requires hypothesis (``pip install footcore[testing]``).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import Path

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test

from .._engine import Engine
from .._enums import Goal
from .._models import AthleteState, CheckIn
from .._rulebook import Rulebook
from .._rulebook_loading import load_rulebook
from ..analysis._engine_checks import other_backend
from ..analysis._invariants import CONFORMANCE, INVARIANTS, check_invariants, select
from ..analysis._proof import ProofReport
from ..analysis._prove import PROVABLE
from ..analysis._prove import prove as prove_rulebook
from ..analysis._spec import param
from ._cases import boundary_cases
from ._liveness import LIVENESS, check_liveness, ladder_bound
from ._machine import athlete_machine
from ._state_strategies import inputs

__all__ = ["CheckReport", "check_rulebook"]

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@attrs.frozen
class CheckReport:
    """What :func:`check_rulebook` ran, all of it passing. Requires hypothesis."""

    rulebook: str
    invariants: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    boundary_cases: int
    examples: int
    liveness_runs: int
    ladder_bound_days: int
    slowest_climb_days: int
    machine_runs: int
    machine_steps: int
    seconds: float
    proof: ProofReport | None = None

    def __str__(self) -> str:
        skipped = "; ".join(f"{name} ({why})" for name, why in self.skipped) or "none"
        proved = ""
        if self.proof is not None:
            names = [n for n, r in self.proof.results.items() if r.status == "proved"]
            proved = (f"{len(names)} invariant(s) proved for every "
                      f"{'reachable' if self.proof.reachable else 'valid'} input "
                      f"({self.proof.seconds:.1f} s); ")
        return (f"{self.rulebook}: {proved}{len(self.invariants)} invariants held on "
                f"{self.boundary_cases} boundary cases and {self.examples} Hypothesis "
                f"examples; a clean record reached the top in at most "
                f"{self.slowest_climb_days} days (bound {self.ladder_bound_days}) over "
                f"{self.liveness_runs} runs; the athlete state machine played "
                f"{self.machine_runs} athletes, {self.machine_steps} check-ins; skipped: "
                f"{skipped}; {self.seconds:.1f} s")


def check_rulebook(rulebook: Rulebook | str | Path | None = None, *, max_examples: int = 200,
                   stateful_examples: int = 20, stateful_steps: int = 40,
                   backend: str = "native", conformance: bool = True,
                   skip: Collection[str] = (), spec: Rulebook | None = None,
                   derandomize: bool = True, prove: bool = True) -> CheckReport:
    """Check a rulebook against every invariant of the kit, in one call.

    In order: each invariant's parameters are present; :func:`prove` decides the
    invariants it can for every reachable input (a counterexample fails at once, the
    smallest there is); every invariant holds on the
    rulebook's :func:`boundary_cases` and on ``max_examples`` Hypothesis examples of
    :func:`inputs` (shrunk to a small case when one fails); a clean record reaches the top
    of the ladder within :func:`ladder_bound` for a new athlete of every goal, with and
    without a history; and :func:`athlete_machine` plays ``stateful_examples`` athletes
    through up to ``stateful_steps`` steps each, checking every invariant after every
    check-in.

    Args:
        rulebook: a loaded rulebook, or the path of a rules directory or file; the shipped
            rulebook by default.
        max_examples: Hypothesis examples of (state, check-in) pairs.
        stateful_examples, stateful_steps: athletes the state machine plays, and the most
            steps each (a step is up to three check-ins).
        backend: the engine backend to check (``backends-agree`` compares with the other).
        conformance: also check ``article-responses``: the article's exact response to
            each trigger at the rulebook's thresholds. A rulebook that adds triggers of its
            own (a rule that rests on heel pain, say) breaks it by design: pass False.
        skip: invariants to leave out, by name (see ``INVARIANTS``; ``"reaches-the-top"``
            for liveness).
        spec: the rulebook whose thresholds the checks read; ``rulebook`` by default.
        derandomize: the same examples on every run (for CI); False explores anew.
        prove: prove before sampling (the sampling runs all the same: it also covers the
            invariants the prover does not decide, and states outside the reachable ones).

    Returns a :class:`CheckReport` of what ran.

    Raises:
        InvariantViolation: the first invariant broken, with the rule(s) responsible and
            the inputs (the prover's smallest counterexample where it decides the
            invariant); a :class:`MissingParam` when a check needs a parameter the
            rulebook lacks.
        RulebookError: ``rulebook`` is a path that does not load.

    Do not call it inside a Hypothesis test. Requires hypothesis.
    """
    started = time.perf_counter()
    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    target = spec if spec is not None else book
    names = [n for n in skip if n != LIVENESS]
    if not conformance:
        names.extend(CONFORMANCE)
    chosen = select(None, names)
    for inv in chosen:
        for need in inv.needs:
            param(target, need, inv.name)
    engine = Engine(book, backend=backend)
    skipped = [(n, "skipped by request") for n in INVARIANTS if n not in
               {inv.name for inv in chosen}]
    other = None
    only = tuple(inv.name for inv in chosen)
    if "backends-agree" in only:
        other = other_backend(engine)
        if other is None:
            skipped.append(("backends-agree", "durable-rules does not import here or "
                                               "refuses this rulebook"))
            only = tuple(n for n in only if n != "backends-agree")

    proof = None
    provable = [n for n in only if n in PROVABLE]
    if prove and provable:
        proof = prove_rulebook(book, spec=target, only=provable)
        proof.raise_for_violation()

    cases = boundary_cases(target)
    for state, checkin in cases:
        check_invariants(engine, state, checkin, rulebook=target, only=only, other=other)

    seen = [0]
    if max_examples:
        @settings(max_examples=max_examples, derandomize=derandomize, database=None,
                  deadline=None, suppress_health_check=_SLOW, report_multiple_bugs=False)
        @given(inputs(target))
        def invariants_hold(pair: tuple[AthleteState, CheckIn]) -> None:
            seen[0] += 1
            check_invariants(engine, *pair, rulebook=target, only=only, other=other)

        invariants_hold()

    runs, slowest = 0, 0
    if LIVENESS in skip:
        skipped.append((LIVENESS, "skipped by request"))
    else:
        for goal in Goal:
            for history in (False, True):
                decisions = check_liveness(engine, rulebook=target, goal=goal, history=history)
                runs += 1
                if decisions:
                    slowest = max(slowest, (decisions[-1].answered.on
                                            - decisions[0].prior_state.started_on).days)

    machine = athlete_machine(engine=engine, spec=target, only=only,
                              liveness=LIVENESS not in skip)
    if stateful_examples:
        run_state_machine_as_test(machine, settings=settings(
            max_examples=stateful_examples, stateful_step_count=stateful_steps,
            derandomize=derandomize, database=None, deadline=None,
            suppress_health_check=_SLOW, report_multiple_bugs=False))
    return CheckReport(
        rulebook=f"{book.id} {book.version} ({book.digest[:12]})",
        invariants=only, skipped=tuple(skipped), boundary_cases=len(cases),
        examples=seen[0], liveness_runs=runs + machine.stats["liveness"],
        ladder_bound_days=ladder_bound(target) if LIVENESS not in skip else 0,
        slowest_climb_days=slowest, machine_runs=machine.stats["runs"],
        machine_steps=machine.stats["steps"], seconds=time.perf_counter() - started,
        proof=proof)
