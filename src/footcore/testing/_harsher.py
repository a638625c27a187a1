"""No reward for caution, over whole histories (P10): answering a symptom more cautiously
(a back-off threshold a step harsher, rest instead of a deload) never gets an athlete to
any rung sooner.

Requires hypothesis (``pip install footcore[testing]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import attrs
from hypothesis import strategies as st

from .._caution import harsher_directions, harsher_step
from .._engine import Engine
from .._enums import Action, Goal
from .._models import AthleteState, CheckIn
from .._rulebook import Rulebook
from ..analysis._violations import InvariantViolation
from ._mutants import derive
from ._state_strategies import _engine_for
from ._strategies import EPOCH, checkins, compensations, edge_symptoms, mild_checkins

__all__ = ["CAUTION_NEVER_SOONER", "Variant", "check_caution_never_sooner", "days_to_rungs",
           "harsher_variants", "histories"]

CAUTION_NEVER_SOONER = "caution-never-rises-sooner"

History = tuple[AthleteState, tuple[CheckIn, ...]]


@attrs.frozen
class Variant:
    """``rulebook`` made more cautious on paper in one place, said in ``name``
    (``"irritation_rest_min 4 -> 3"``, ``"stiffness-deload: rest instead of deload"``,
    ``"stiffness-ease: deload instead of ease"``).
    Requires hypothesis."""

    name: str
    rulebook: Rulebook = attrs.field(repr=False)


def harsher_variants(rulebook: Rulebook) -> tuple[Variant, ...]:
    """Every back-off threshold of ``rulebook`` one step the harsher way (the direction
    ``footcore``'s rules give it; see docs/reviewing-changes.md), every deload rule
    answered with rest instead and every ease rule with a deload, where the precedence
    ranks the one put in as more cautious.

    Requires hypothesis.
    """
    found = []
    for name in harsher_directions(rulebook):
        value = harsher_step(rulebook, name)
        found.append(Variant(f"{name} {rulebook.number(name):g} -> {value:g}",
                             derive(rulebook, params={name: value}, label=f"{name}={value}")))
    for milder, harsher in ((Action.DELOAD, Action.REST), (Action.EASE, Action.DELOAD)):
        if rulebook.rank(harsher) < rulebook.rank(milder):
            found.extend(
                Variant(f"{rule.id}: {harsher} instead of {milder}",
                        derive(rulebook, rules={rule.id: {"action": harsher}},
                               label=f"{rule.id}={harsher}"))
                for rule in rulebook.rules if rule.action is milder)
    return tuple(found)


def _dated(steps: Sequence[tuple[int, CheckIn]], start: date) -> tuple[CheckIn, ...]:
    out, day = [], start
    for gap, checkin in steps:
        day += timedelta(days=gap)
        out.append(attrs.evolve(checkin, on=day))
    return tuple(out)


@st.composite
def _history(draw: st.DrawFn, rulebook: Rulebook, start: date, sizes: tuple[int, int]
             ) -> History:
    history = draw(st.booleans())
    state = AthleteState(
        athlete_id="history", goal=draw(st.sampled_from(Goal)), stage=rulebook.stages[0].id,
        dose_level=0, started_on=start, rulebook_digest=rulebook.digest,
        prior_foot_ankle_problems=history, clinician_cleared=history and draw(st.booleans()))
    day = st.just(start)
    clean = mild_checkins(rulebook, on=day)
    eventful = st.one_of(
        checkins(rulebook, on=day, symptom=edge_symptoms(rulebook), max_symptoms=2,
                 compensation=st.nothing(), max_compensations=0, minutes=st.integers(15, 20)),
        checkins(rulebook, on=day, symptom=st.nothing(), max_symptoms=0,
                 compensation=compensations(rulebook), max_compensations=1,
                 minutes=st.integers(15, 20)),
        checkins(rulebook, on=day, symptom=st.nothing(), max_symptoms=0,
                 compensation=st.nothing(), max_compensations=0, cleared=True),
    )
    gap = st.one_of(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 25))
    step = st.tuples(gap, st.one_of(clean, clean, clean, eventful))
    steps = draw(st.lists(step, min_size=sizes[0], max_size=sizes[1]))
    return state, _dated(steps, start)


def histories(rulebook: Rulebook, *, start: date = EPOCH, min_checkins: int = 20,
              max_checkins: int = 90) -> st.SearchStrategy[History]:
    """Whole histories of a new athlete on ``rulebook``'s first rung: the starting state
    and its check-ins in date order (a day to three apart, now and then weeks), mostly
    sessions an athlete may move up after (:func:`mild_checkins`), now and then one with
    a symptom at or a step either side of a threshold (:func:`edge_symptoms`), a
    compensation, or a clinician's clearance.

    Requires hypothesis.
    """
    return _history(rulebook, start, (min_checkins, max_checkins))


def days_to_rungs(engine_or_rulebook: Engine | Rulebook, state: AthleteState,
                  checkins: Sequence[CheckIn]) -> dict[str, int]:
    """Replay ``checkins`` from ``state``: the days from the athlete's start to the first
    check-in that reaches each rung above the one ``state`` is on.

    Requires hypothesis.
    """
    engine = _engine_for(engine_or_rulebook)
    order = {stage.id: stage.order for stage in engine.rulebook.stages}
    begun = order[state.stage]
    reached: dict[str, int] = {}
    for checkin in checkins:
        state = engine.evaluate(state, checkin).state
        if state.stage not in reached and order[state.stage] > begun:
            reached[state.stage] = (checkin.on - state.started_on).days
    return reached


def check_caution_never_sooner(milder: Engine | Rulebook, harsher: Engine | Rulebook,
                               state: AthleteState, checkins: Sequence[CheckIn], *,
                               change: str = "") -> None:
    """Replay one history under a rulebook and under a more cautious variant of it
    (``change`` says how, for the message): the variant reaches no rung sooner, nor one
    the rulebook does not reach.

    Raises:
        InvariantViolation: ``caution-never-rises-sooner`` is broken.

    Requires hypothesis.
    """
    before = days_to_rungs(milder, state, checkins)
    after = days_to_rungs(harsher, state, checkins)
    sooner = [f"{rung}: day {days} (the milder rulebook: "
              f"{'never' if rung not in before else f'day {before[rung]}'})"
              for rung, days in after.items() if rung not in before or days < before[rung]]
    if sooner:
        book = harsher.rulebook if isinstance(harsher, Engine) else harsher
        raise InvariantViolation(
            CAUTION_NEVER_SOONER,
            f"the more cautious rulebook ({change or book.location}) reaches "
            f"{'; '.join(sooner)}",
            expectation="a more cautious answer to a symptom never reaches a rung sooner",
            state=state, rulebook=book,
            details=[f"history: {len(checkins)} check-ins from {state.started_on}"])
