"""The prover's part for the changes the rules do not make: what an override and a change
of goal may do, decided for every input that tells them apart.

An override reads, of the request, the role, the action, the clearance and the athlete's
decision before it (its day and action), to refuse what is unsafe for a paused athlete or
rises on a back-off's day; and of the athlete's state, to apply the action as the rules
do, the stage and dose step, the clearance on record, the pause and the back-off window
with where the override's day falls in it (open, past its rest days, over). The walk
(:func:`tried`) has two parts, one for each:

- *who may do what*: a plain athlete, paused or not, and every role, clearance, action
  (or none) and decision before it (none, each action that day, a pause the day before);
- *where it leaves the athlete*: every stage and dose step, each with no window, one long
  over, each window from its first day to the day after it ends (at each edge: its rest
  days over, its last day, its end), clearance on record or not, and a pause; and every
  action, by a coach and by a clinician (with the clearance a paused athlete needs), with
  clearance given and withdrawn.

Each override the engine makes is checked with the kit's check of the invariant; one the
invariants forbid (:func:`forbidden`) is a counterexample (refusing more than they forbid
is not unsafe: the kit's ``check_override`` samples that). A change of goal reads the
state and the new goal: every state of the second part, every goal. A counterexample is
the first input found, in that order (the plainest athlete first).

Pure Python and deterministic; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from datetime import timedelta

import attrs

from .._changes import OVERRIDERS
from .._engine import Engine
from .._enums import RULE_ACTIONS, Action, BackOff, Goal, Role
from .._errors import FootcoreError
from .._models import AthleteState, CheckIn, Decision
from .._rulebook import Rulebook
from .._transition import window_days
from ._cells import ON
from ._change_checks import athlete_words, forbidden
from ._invariants import check_decision
from ._plans import plans
from ._proof import Counterexample, ProofResult
from ._search import Search
from ._violations import InvariantViolation

__all__ = ["CHANGES", "decide_change"]

CHANGES = ("override-keeps-pause", "override-as-the-rules-apply",
           "no-rise-over-a-backoff-day", "goal-change-keeps-the-rung")
"""The invariants of changes the prover decides."""

_CLEARANCES = (None, True, False)


@attrs.frozen
class _Tried:
    """One override asked of the engine, and what it did: the decision, or the code of
    its refusal."""

    state: AthleteState
    role: Role
    action: Action | None
    clearance: bool | None
    after: Decision | None
    outcome: Decision | str


def _states(rb: Rulebook) -> Iterator[AthleteState]:
    """Every stage and dose step, with no window, one long over and each window at each
    of its edges, clearance on record or not, and a pause; as of a change on ``ON``."""
    base = plans(rb).state(rb.stages[0].id, Goal.RUNNER, 0, False, BackOff.NONE, False)
    start = ON - timedelta(days=2 * (window_days(rb, BackOff.REST) + 1))
    rest = rb.whole("rest_days")
    for stage in rb.stages:
        for dose in range(len(stage.steps)):
            plain = attrs.evolve(base, stage=stage.id, dose_level=dose, started_on=start,
                                 last_checkin_on=ON - timedelta(days=1), consecutive_missed=1)
            yield plain
            yield attrs.evolve(plain, clinician_cleared=True)
            yield attrs.evolve(plain, last_backoff_on=start)
            for backoff in (BackOff.DELOAD, BackOff.REST):
                length = window_days(rb, backoff)
                edges = {0, length - 1, length} | ({rest - 1, rest} if backoff is BackOff.REST
                                                   else set())
                for ago in sorted(v for v in edges if 0 <= v <= length):
                    began = ON - timedelta(days=ago)
                    yield attrs.evolve(plain, backoff=backoff, last_backoff_on=began,
                                       last_checkin_on=began,
                                       backoff_until=began + timedelta(days=length))
            yield attrs.evolve(plain, paused=True, last_backoff_on=ON, last_checkin_on=ON)


def _afters(engine: Engine) -> tuple[Decision | None, ...]:
    """The athlete's decision before a change: none, one of each action on the change's
    day, and a pause the day before."""
    rb = engine.rulebook
    state = attrs.evolve(plans(rb).state(rb.stages[0].id, Goal.RUNNER, 0, False,
                                         BackOff.NONE, False), started_on=ON - timedelta(1))
    today = engine.evaluate(state, CheckIn(on=ON, completed=True))
    before = engine.evaluate(state, CheckIn(on=ON - timedelta(days=1), completed=True))
    return (None, *(attrs.evolve(today, action=a, firings=()) for a in RULE_ACTIONS),
            attrs.evolve(before, action=RULE_ACTIONS[-1], firings=()))


def _requests(engine: Engine) -> Iterator[tuple[AthleteState, Role, Action | None,
                                                bool | None, Decision | None]]:
    rb = engine.rulebook
    plain = attrs.evolve(plans(rb).state(rb.stages[0].id, Goal.RUNNER, 0, False,
                                         BackOff.NONE, False), last_checkin_on=ON)
    paused = attrs.evolve(plain, paused=True, last_backoff_on=ON)
    for state, role, clearance, action, after in itertools.product(
            (plain, paused), Role, _CLEARANCES, (None, *RULE_ACTIONS), _afters(engine)):
        if role in OVERRIDERS:
            yield state, role, action, clearance, after
    for state in _states(rb):
        for action, role in itertools.product(RULE_ACTIONS, OVERRIDERS):
            clearance = True if state.paused and role is Role.CLINICIAN else None
            yield state, role, action, clearance, None
            if state.last_backoff_on is None and role is Role.CLINICIAN:  # no window
                yield state, role, action, not state.clinician_cleared, None


@functools.lru_cache(maxsize=4)
def tried(rulebook: Rulebook) -> tuple[_Tried, ...]:
    """Every override of the walk, asked of a native engine on ``rulebook``."""
    engine = Engine(rulebook, backend="native")
    found = []
    for state, role, action, clearance, after in _requests(engine):
        outcome: Decision | str
        try:
            outcome = engine.override(state, on=ON, by=f"prover:{role.value}", role=role,
                                      reason="other", action=action, clearance=clearance,
                                      after=after)
        except FootcoreError as refused:  # unsafe, or nothing asked (no action, no clearance)
            outcome = refused.code
        found.append(_Tried(state, role, action, clearance, after, outcome))
    return tuple(found)


def decide_change(search: Search, name: str, engine: Engine, spec: Rulebook) -> ProofResult:
    """Decide invariant ``name`` (one of ``CHANGES``) for every input a change reads."""
    rb = engine.rulebook
    if name == "goal-change-keeps-the-rung":
        for state, goal in itertools.product(_states(rb), Goal):
            search.spend(1)
            if goal is not state.goal:
                found = _checked(name, engine, spec, state,
                                 engine.change_goal(state, goal, on=ON))
                if found is not None:
                    return found
        return ProofResult(name, "proved")
    overrides = tried(rb)
    search.spend(len(overrides))
    for t in overrides:
        if isinstance(t.outcome, str):
            continue  # refused (refusing more than the invariants forbid is not unsafe)
        must = forbidden(t.state, on=ON, role=t.role, action=t.action, clearance=t.clearance,
                         after=t.after)
        wanted = [code for code, forbids in must.items() if forbids == name]
        if wanted:
            exc = InvariantViolation(
                name, f"a {t.role.value}'s override ({t.outcome.action.value}, clearance "
                f"{t.clearance}) of {athlete_words(t.state)} was made",
                expectation=f"refused with {', '.join(wanted)}", decision=t.outcome)
            return ProofResult(name, "counterexample",
                               Counterexample(t.state, None, t.outcome, exc, 0))
        found = _checked(name, engine, spec, t.state, t.outcome, t.after)
        if found is not None:
            return found
    return ProofResult(name, "proved")


def _checked(name: str, engine: Engine, spec: Rulebook, state: AthleteState,
             decision: Decision, after: Decision | None = None) -> ProofResult | None:
    try:
        check_decision(decision, engine=engine, rulebook=spec, only=(name,), after=after)
    except InvariantViolation as exc:
        return ProofResult(name, "counterexample",
                           Counterexample(state, None, decision, exc, 0))
    return None
