"""Register footcore's models with Hypothesis, so ``st.from_type(footcore.CheckIn)`` works.

Requires hypothesis. The ``[project.entry-points.hypothesis]`` entry point names
``_hypothesis_setup_hook``; Hypothesis calls it when it is imported. Nothing is loaded
until a strategy is first drawn from: the default rulebook is read then.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

from .._rulebook import Rulebook
from .._rulebook_loading import load_rulebook

__all__ = ["register_strategies"]


@functools.cache
def _rulebook() -> Rulebook:
    return load_rulebook()


def register_strategies() -> None:
    """Register strategies for footcore's models with Hypothesis's ``st.from_type``:
    ``Symptom``, ``Compensation``, ``Metrics``, ``Dose``, ``CheckIn``, ``AthleteState``,
    ``Exercise``, ``WeekPlan`` and ``Decision``, valid for the rulebook shipped with
    footcore (build your own with the strategies of :mod:`footcore.testing` for another).

    Called by Hypothesis through footcore's entry point; call it yourself where the entry
    point is not installed. Requires hypothesis.
    """
    from hypothesis import strategies as st

    from .. import AthleteState, CheckIn, Compensation, Decision, Metrics, Symptom
    from ..models import Dose, Exercise, WeekPlan

    def kit() -> ModuleType:  # the strategies load when first drawn from, not at import
        return importlib.import_module("footcore.testing._strategies")

    def athletes() -> ModuleType:
        return importlib.import_module("footcore.testing._state_strategies")

    book = _rulebook
    registry: dict[type, st.SearchStrategy[object]] = {
        Symptom: st.deferred(lambda: kit().symptoms()),
        Compensation: st.deferred(lambda: kit().compensations(book())),
        Metrics: st.deferred(lambda: kit().metrics()),
        Dose: st.deferred(lambda: kit().doses()),
        CheckIn: st.deferred(lambda: kit().checkins(book())),
        AthleteState: st.deferred(lambda: athletes().athlete_states(book())),
        Exercise: st.deferred(lambda: kit().exercises(book())),
        WeekPlan: st.deferred(lambda: athletes().week_plans(book())),
        Decision: st.deferred(lambda: athletes().decisions(book())),
    }
    for kind, strategy in registry.items():
        st.register_type_strategy(kind, strategy)


_hypothesis_setup_hook = register_strategies
