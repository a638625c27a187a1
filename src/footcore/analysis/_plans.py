"""What the plan builder plans for a rulebook's stages, catalogue and rest weeks, worked out
once for every rulebook that shares them (its mutants, say): whether a week has single-leg
work or hops at each dose step, and a state whose plan gives hops before clearance.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
import itertools
from datetime import timedelta
from typing import Any

from .._enums import BackOff, Category, Goal
from .._facts import single_leg_week
from .._memo import remember
from .._models import AthleteState
from .._plan import build_plan
from .._rulebook import Rulebook
from ._cells import ON

__all__ = ["Plans", "plans"]


class Plans:
    """What the plan builder plans for a rulebook's stages, catalogue and rest weeks (the
    only parts of a rulebook it reads to choose exercises), worked out once for every
    rulebook that shares them: its mutants, say. Made by :func:`plans`."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook

    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def single_leg(self, stage: str, goal: Goal, paused: bool, backoff: BackOff,
                   hops_barred: bool) -> tuple[bool, ...]:
        """Whether the week planned for such a state has single-leg work or hops, at each of
        the stage's dose steps (an item gated on steps may change it)."""
        return tuple(single_leg_week(self.rulebook, self.state(
            stage, goal, level, paused, backoff, hops_barred))
            for level in range(len(self.rulebook.stage(stage).steps)))

    @functools.cached_property
    def hops_before_clearance(self) -> AthleteState | None:
        """A state of an athlete with a history and no clearance whose plan has hops, or
        None: every stage, goal, dose, back-off mode and pause of the plan builder tried."""
        rb = self.rulebook
        for stage, goal, backoff, paused in itertools.product(rb.stages, Goal, BackOff,
                                                              (False, True)):
            for dose in range(len(stage.steps)):
                state = self.state(stage.id, goal, dose, paused, backoff, True)
                plan = build_plan(rb, state)
                if any(item.category is Category.PLYOMETRIC for item in (
                        *(i for session in plan.sessions for i in session.items),
                        *plan.habits)):
                    return state
        return None

    def state(self, stage: str, goal: Goal, dose: int, paused: bool, backoff: BackOff,
              hops_barred: bool) -> AthleteState:
        """A new athlete's state, but for these (a history and no clearance when
        ``hops_barred``)."""
        return AthleteState(
            athlete_id="prover", goal=goal, stage=stage, dose_level=dose, started_on=ON,
            rulebook_digest=self.rulebook.digest, prior_foot_ankle_problems=hops_barred,
            paused=paused, backoff=backoff,
            backoff_until=None if backoff is BackOff.NONE else ON + timedelta(days=1))


_PLANS: dict[tuple[Any, ...], Plans] = {}


def plans(rulebook: Rulebook) -> Plans:
    """The :class:`Plans` of ``rulebook``'s stages, catalogue and rest weeks."""
    key = (rulebook.stages, tuple(sorted(rulebook.exercises.items())),
           rulebook.number("rest_sessions_per_week"))
    found = _PLANS.get(key)
    if found is None:
        found = remember(_PLANS, key, Plans(rulebook), 16)
    return found
