"""Turning an athlete's state and a check-in into the facts the rules read."""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from typing import NamedTuple

from ._conditions import CONTEXT_FIELDS, Facts, FactType, Scalar
from ._enums import BackOff, Category, SymptomKind
from ._memo import remember
from ._models import AthleteState, CheckIn, Metrics
from ._plan import planned_week
from ._rulebook import Rulebook
from ._trusted import trusted

__all__ = ["PAIN_KINDS", "Record", "build_facts", "counts", "is_clean", "is_short", "record",
           "single_leg_week", "window_start"]

PAIN_KINDS = frozenset({SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN})
_METRICS = trusted(Metrics)


def merged_metrics(known: Metrics, today: Metrics) -> Metrics:
    """The latest known value of each ability (balance, symmetry), and today's foot fatigue,
    which is a report of the day (P11); built from two checked metrics without checking them
    again."""
    return _METRICS(
        known.balance_eyes_open_s if today.balance_eyes_open_s is None
        else today.balance_eyes_open_s,
        known.balance_eyes_closed_s if today.balance_eyes_closed_s is None
        else today.balance_eyes_closed_s,
        known.forefoot_symmetry if today.forefoot_symmetry is None else today.forefoot_symmetry,
        today.foot_fatigue)


_WINDOWS: dict[str, timedelta] = {}


def window_start(rulebook: Rulebook, checkin: CheckIn) -> date:
    """The first day of the recent window that ends on the check-in's date."""
    length = _WINDOWS.get(rulebook.digest)  # by digest: equal digests, equal rulebooks
    if length is None:
        length = remember(_WINDOWS, rulebook.digest,
                          timedelta(days=rulebook.whole("window_days") - 1), 64)
    return checkin.on - length


def is_short(rulebook: Rulebook, checkin: CheckIn) -> bool:
    """The check-in reports minutes under ``session_counts_min_minutes`` (P2, P6): done, it
    is done-but-short. 0 minutes means not reported, never short; so is every check-in of a
    rulebook without that parameter."""
    least = rulebook.params.get("session_counts_min_minutes")
    return least is not None and 0 < checkin.minutes < least.value


def counts(rulebook: Rulebook, checkin: CheckIn) -> bool:
    """The check-in is a session that counts: done, and not short. Only such a session adds
    to the sessions in the window, in a row and the clean streak, and moves the last session
    date (which the layoff rules read); a short one is no miss either."""
    return checkin.completed and not is_short(rulebook, checkin)


def window_sessions(rulebook: Rulebook, state: AthleteState, checkin: CheckIn,
                    session: bool) -> tuple[date, ...]:
    """Dates of the training days within the recent window, this check-in's included when
    ``session`` (it :func:`counts`): a day counts once, however many check-ins report it
    (P2 asks for regular days of practice). A state's recent sessions are distinct dates in
    increasing order."""
    recent = state.recent_sessions
    done = recent[bisect.bisect_left(recent, window_start(rulebook, checkin)):]
    if session and checkin.on != state.last_session_on:
        return (*done, checkin.on)
    return done


def is_clean(rulebook: Rulebook, checkin: CheckIn) -> bool:
    """No compensation, and no symptom above its clean limit (soreness and fatigue, which
    the article expects while adapting, have limits of their own)."""
    if checkin.compensations:
        return False
    if not checkin.symptoms:
        return True
    limits = {SymptomKind.SORENESS: rulebook.number("clean_max_soreness"),
              SymptomKind.FATIGUE: rulebook.number("clean_max_fatigue")}
    default = rulebook.number("clean_max_severity")
    return all(s.severity <= limits.get(s.kind, default) for s in checkin.symptoms)


def next_clean_streak(rulebook: Rulebook, state: AthleteState, checkin: CheckIn,
                      session: bool) -> int:
    """The clean streak after this check-in (``session``: it :func:`counts`): a missed or
    short session neither counts nor breaks it, nor does a second check-in for a training
    day already counted; any of them that is not clean breaks it."""
    if not is_clean(rulebook, checkin):
        return 0
    new_session = session and checkin.on != state.last_session_on
    return state.clean_streak + 1 if new_session else state.clean_streak


class Record(NamedTuple):
    """The athlete's running record once this check-in is counted: what the facts report
    and what the new state keeps, computed once for both."""

    recent_sessions: tuple[date, ...]
    consecutive_completed: int
    consecutive_missed: int
    clean_streak: int
    metrics: Metrics
    session: bool  # the check-in is a session that counts (see counts)


def record(rulebook: Rulebook, state: AthleteState, checkin: CheckIn) -> Record:
    """Count ``checkin`` into the record ``state`` carries.

    Days are counted, not check-ins: a second check-in on a day already counted (a retry,
    or a report sent twice) adds no session and no miss; its symptoms, compensations and
    metrics still count. So does a done-but-short session (:func:`is_short`): no session,
    no miss, the counts as they were.
    """
    trained_today = checkin.on == state.last_session_on
    counted_today = checkin.on == state.last_checkin_on
    session = counts(rulebook, checkin)
    if session:
        completed = state.consecutive_completed + (0 if trained_today else 1)
        missed = 0
    elif trained_today or checkin.completed:
        completed, missed = state.consecutive_completed, state.consecutive_missed
    else:
        completed = 0
        missed = state.consecutive_missed + (0 if counted_today else 1)
    return Record(window_sessions(rulebook, state, checkin, session), completed, missed,
                  next_clean_streak(rulebook, state, checkin, session),
                  merged_metrics(state.metrics, checkin.metrics), session)


def single_leg_week(rulebook: Rulebook, state: AthleteState) -> bool:
    """Whether the week planned for ``state`` has any single-leg work or hops, in a session
    or a daily habit (none while paused). The sessions a rest window drops count: a more
    cautious week must not make a compensation look milder."""
    if state.paused:
        return False
    sessions, habits = planned_week(rulebook, state)
    items = [item for session in sessions for item in session.items]
    return any(item.category is Category.PLYOMETRIC or rulebook.exercises[item.exercise].unilateral
               for item in (*items, *habits))


def build_facts(rulebook: Rulebook, state: AthleteState, checkin: CheckIn,
                counted: Record | None = None) -> Facts:
    """The facts of one evaluation: one check-in fact, one per symptom and compensation.

    ``counted`` is :func:`record` of the same inputs, when the caller has it already.
    """
    counted = counted if counted is not None else record(rulebook, state, checkin)
    stage = rulebook.stage(state.stage)
    following = rulebook.stages[stage.order + 1:stage.order + 2]
    on, started, backoff = checkin.on, state.started_on, state.backoff
    open_backoff = backoff is not BackOff.NONE
    active = open_backoff and state.backoff_until is not None and on < state.backoff_until
    reported = checkin.symptoms
    metrics = counted.metrics
    open_s, closed_s = metrics.balance_eyes_open_s, metrics.balance_eyes_closed_s
    symmetry, fatigue = metrics.forefoot_symmetry, metrics.foot_fatigue
    cleared_today = checkin.clinician_cleared
    checkin_fact: dict[str, Scalar] = {
        "stage": stage.id,  # the context, which every fact carries (CONTEXT_FIELDS)
        "stage_order": stage.order,
        "goal": state.goal._value_,
        "history": state.prior_foot_ankle_problems,
        "cleared": state.clinician_cleared or cleared_today,
        "cleared_today": cleared_today,
        "paused": state.paused,
        "dose_level": state.dose_level,
        "top_dose": state.dose_level >= len(stage.steps) - 1,
        "final_stage": not following,
        "next_needs_clearance": bool(following) and following[0].needs_clearance_with_history,
        "deload_active": active and backoff is BackOff.DELOAD,
        "rest_active": active and backoff is BackOff.REST,
        "backoff_ended": open_backoff and not active,
        "completed": checkin.completed,
        "minutes": checkin.minutes,
        "short_session": is_short(rulebook, checkin),
        "sessions_in_window": len(counted.recent_sessions),
        "consecutive_completed": counted.consecutive_completed,
        "consecutive_missed": counted.consecutive_missed,
        "clean_streak": counted.clean_streak,
        "days_at_dose": (on - (state.last_change_on or started)).days,
        "days_since_last_checkin": (on - (state.last_checkin_on or started)).days,
        "days_since_last_session": (on - (state.last_session_on or started)).days,
        "had_backoff": state.last_backoff_on is not None,
        "days_since_backoff": 0 if state.last_backoff_on is None
        else (on - state.last_backoff_on).days,
        "symptom_count": len(reported),
        "max_severity": max([s.severity for s in reported]) if reported else 0,
        "pain_today": bool(reported) and any([s.kind in PAIN_KINDS for s in reported]),
        "compensation_count": len(checkin.compensations),
        # A metric never measured reads 0.0, with its has_ flag false (see FACT_FIELDS).
        "has_balance_eyes_open": open_s is not None,
        "balance_eyes_open_s": 0.0 if open_s is None else float(open_s),
        "has_balance_eyes_closed": closed_s is not None,
        "balance_eyes_closed_s": 0.0 if closed_s is None else float(closed_s),
        "has_forefoot_symmetry": symmetry is not None,
        "forefoot_symmetry": 0.0 if symmetry is None else float(symmetry),
        "has_foot_fatigue": fatigue is not None,
        "foot_fatigue": 0.0 if fatigue is None else float(fatigue),
    }
    context = {name: checkin_fact[name] for name in CONTEXT_FIELDS} if (
        reported or checkin.compensations) else {}
    symptoms = [
        {**context, "kind": s.kind._value_, "location": s.location._value_,
         "severity": s.severity, "days": s.days}
        for s in checkin.symptoms
    ]
    compensations = []
    if checkin.compensations:
        on_one_leg = single_leg_week(rulebook, state)
    for c in checkin.compensations:
        exercise = rulebook.exercises.get(c.exercise) if c.exercise else None
        compensations.append({
            **context,
            "kind": c.kind._value_,
            "exercise": c.exercise or "",
            "exercise_known": exercise is not None,
            "exercise_category": exercise.category._value_ if exercise else "",
            "exercise_unilateral": exercise.unilateral if exercise else False,
            "week_single_leg": on_one_leg,
        })
    return {
        FactType.CHECKIN: [checkin_fact],
        FactType.SYMPTOM: symptoms,
        FactType.COMPENSATION: compensations,
    }
