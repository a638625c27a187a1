"""Liveness: an athlete with a clean record reaches the top of the ladder, within a bound
computed from the rulebook.

Requires hypothesis (as all of :mod:`footcore.testing`), though this module does not
import it.
"""

from __future__ import annotations

import math
from datetime import date

from .._engine import Engine
from .._enums import BackOff, Goal
from .._models import AthleteState, CheckIn, Decision, Metrics
from .._rulebook import Rulebook
from ..analysis._spec import param, passing_metrics
from ..analysis._violations import InvariantViolation
from ._strategies import EPOCH

__all__ = ["LIVENESS", "check_liveness", "clean_gap", "ladder_bound"]

LIVENESS = "reaches-the-top"


def clean_gap(rulebook: Rulebook) -> int:
    """Days between sessions in a clean record: the week's planned sessions spread evenly,
    ``max(1, 7 // sessions_per_week)`` (2 for three sessions a week, P6).
    Requires hypothesis."""
    return max(1, 7 // int(param(rulebook, "sessions_per_week", LIVENESS)))


def _moves(rulebook: Rulebook, stage_id: str, dose: int) -> int:
    """Rises (dose steps and rung changes) from ``stage_id``/``dose`` to the top."""
    order = rulebook.stage(stage_id).order
    here = len(rulebook.stages[order].steps) - 1 - dose
    return here + sum(len(s.steps) for s in rulebook.stages[order + 1:])


def ladder_bound(rulebook: Rulebook, state: AthleteState | None = None) -> int:
    """The most days a clean record may take to reach the top dose of the last rung.

    With ``g = clean_gap(rulebook)`` (a session every g days), ``D = min_days_per_step``,
    ``m = min_sessions_in_window``, ``A = advance_clean_streak`` and ``W`` the longest
    back-off window (``deload_days``, ``rest_days``, or what is left of the state's own)::

        bound = g * (2 + ceil(W / g) + (m - 1) + A)        # warm-up
              + moves * g * ceil(D / g)                     # one rise per D days

    where ``moves`` counts the rises from one rung below the state's (a long layoff may
    regress it), dose 0, to the top: the steps left in that rung and every step of each
    rung above it. The warm-up covers a first check-in bringing clearance, a back-off
    window running out and the check-in that confirms its end, filling the recent window
    with ``m`` sessions and a clean streak of ``A``. From a new athlete on the article's
    rulebook: ``2 * (2 + 4 + 3 + 3) + 20 * 8 = 184`` days (a clean record
    takes 160).

    Raises:
        MissingParam: the rulebook lacks one of the parameters named above.

    Requires hypothesis.
    """
    g = clean_gap(rulebook)
    days = int(param(rulebook, "min_days_per_step", LIVENESS))
    needed = int(param(rulebook, "min_sessions_in_window", LIVENESS))
    streak = int(param(rulebook, "advance_clean_streak", LIVENESS))
    window = max(param(rulebook, "deload_days", LIVENESS), param(rulebook, "rest_days", LIVENESS))
    if state is None:
        stage, dose = rulebook.stages[0].id, 0
    else:
        order = rulebook.stage(state.stage).order
        stage, dose = rulebook.stages[max(order - 1, 0)].id, 0
        if state.backoff is not BackOff.NONE and state.backoff_until is not None:
            since = state.last_checkin_on or state.started_on
            window = max(window, (state.backoff_until - since).days)
    warmup = g * (2 + math.ceil(window / g) + (needed - 1) + streak)
    return warmup + _moves(rulebook, stage, dose) * g * math.ceil(days / g)


def _fail(problem: str, rulebook: Rulebook, decisions: list[Decision], bound: int
          ) -> InvariantViolation:
    shown = decisions[-12:]
    trace = [f"{d.answered.on} {d.action:8} {d.state.stage}/{d.state.dose_level} "
             f"(rules: {', '.join(f.rule_id for f in d.winners) or 'none'})" for d in shown]
    last = decisions[-1] if decisions else None
    return InvariantViolation(
        LIVENESS, problem,
        expectation=f"the top dose of {rulebook.stages[-1].id} within {bound} days of clean "
                    f"sessions every {clean_gap(rulebook)} days (ladder_bound)",
        decision=last, details=["last check-ins:", *(f"  {t}" for t in trace)])


def check_liveness(engine: Engine, state: AthleteState | None = None, *,
                   rulebook: Rulebook | None = None, goal: Goal = Goal.RUNNER,
                   history: bool = False, start: date = EPOCH, since: date | None = None
                   ) -> list[Decision]:
    """Play a clean record from ``state`` (a new athlete by default) and check that it
    reaches the top dose of the last rung within :func:`ladder_bound` days.

    A clean record: a completed, symptom-free, session_min_minutes session every
    :func:`clean_gap` days, with metrics that meet the rise criteria of the current stage
    exactly at their thresholds (and an even forefoot, symmetry 1, once a symmetry is on
    record: P7), and clinician clearance at every check-in while the athlete is paused or
    has a history without clearance.

    Args:
        rulebook: the rulebook whose thresholds set the bound and the metrics; the
            engine's by default.
        goal, history, start: for the new athlete when no ``state`` is given.
        since: the day the clean record starts from (its first session is
            :func:`clean_gap` days later); the state's last check-in by default.

    Returns the decisions, in order.

    Raises:
        InvariantViolation: ``reaches-the-top`` is broken: the athlete did not reach the
            top within the bound (the message shows the last check-ins), or the recent
            window can never hold enough sessions.

    Requires hypothesis.
    """
    spec = rulebook if rulebook is not None else engine.rulebook
    if state is None:
        state = engine.new_athlete("clean-record", goal=goal, start=start,
                                   prior_foot_ankle_problems=history)
    g = clean_gap(spec)
    window = int(param(spec, "window_days", LIVENESS))
    needed = int(param(spec, "min_sessions_in_window", LIVENESS))
    if (window - 1) // g + 1 < needed:
        raise InvariantViolation(
            LIVENESS, f"a session every {g} days puts at most {(window - 1) // g + 1} in "
            f"window_days ({window}), fewer than min_sessions_in_window ({needed}): no clean "
            f"record ever rises", rulebook=spec)
    bound = ladder_bound(spec, state)
    minutes = int(param(spec, "session_min_minutes", LIVENESS))
    top, top_dose = spec.stages[-1].id, len(spec.stages[-1].steps) - 1
    day = since or state.last_checkin_on or state.started_on
    deadline = day.toordinal() + bound
    decisions: list[Decision] = []
    while (state.stage, state.dose_level) != (top, top_dose):
        if day.toordinal() + g > deadline:
            raise _fail(f"a clean record did not reach the top in {bound} days "
                        f"(at {state.stage}/{state.dose_level})", spec, decisions, bound)
        day = date.fromordinal(day.toordinal() + g)
        clearance = state.paused or (state.prior_foot_ankle_problems
                                     and not state.clinician_cleared)
        metrics = dict(passing_metrics(spec, state.stage))
        if metrics["forefoot_symmetry"] is None and state.metrics.forefoot_symmetry is not None:
            metrics["forefoot_symmetry"] = 1.0
        checkin = CheckIn(on=day, completed=True, minutes=minutes, metrics=Metrics(**metrics),
                          clinician_cleared=clearance)
        decision = engine.evaluate(state, checkin)
        decisions.append(decision)
        state = decision.state
    return decisions
