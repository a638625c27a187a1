"""Hypothesis strategies for athletes, for property-testing rulebooks: states valid for a
rulebook (any, or ready to move up), (state, check-in) inputs that reach every kind of
decision, and the week plans and decisions the engine makes for them.

Requires hypothesis (``pip install footcore[testing]``). Focus arguments take a value or a
strategy, as in :mod:`footcore.testing._strategies`, whose check-ins these draw with.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import strategies as st

from .._engine import Engine
from .._enums import BackOff, Goal
from .._models import AthleteState, CheckIn, Decision, Metrics, WeekPlan
from .._rulebook import Rulebook
from ..analysis._spec import param_or
from ._strategies import (
    OBSERVATIONS,
    TODAY,
    Focus,
    checkins,
    edge_symptoms,
    focus,
    metrics,
    mild_checkins,
)

__all__ = ["athlete_states", "decisions", "inputs", "ready_states", "week_plans"]


# ---------------------------------------------------------------- athlete states


@attrs.frozen
class _StateParts:
    goal: st.SearchStrategy[Goal]
    stage: st.SearchStrategy[str]
    dose_level: st.SearchStrategy[int] | None
    history: st.SearchStrategy[bool]
    cleared: st.SearchStrategy[bool]
    paused: st.SearchStrategy[bool]
    backoff: st.SearchStrategy[BackOff]
    sessions: st.SearchStrategy[frozenset[int]]
    measured: st.SearchStrategy[Metrics]


def _day_in(draw: st.DrawFn, first: date, last: date) -> date:
    """A date from ``first`` to ``last``, shrinking toward ``first``."""
    return first + timedelta(days=draw(st.integers(0, max((last - first).days, 0))))


@st.composite
def _state(draw: st.DrawFn, rulebook: Rulebook, parts: _StateParts, today: date
           ) -> AthleteState:
    # Strategies are built once (in ``parts``); values that depend on earlier draws are
    # drawn as whole numbers and computed here, which keeps drawing fast.
    stage_id = draw(parts.stage)
    steps = len(rulebook.stage(stage_id).steps)
    started = today - timedelta(days=draw(st.integers(0, 200)))
    last = None if draw(st.booleans()) else _day_in(draw, started, today)
    open_backoff = draw(parts.backoff)
    window = rulebook.whole("window_days")
    sessions = sorted(draw(parts.sessions))
    recent = tuple(day for day in (today - timedelta(days=window - d) for d in sessions)
                   if last is not None and started <= day <= last)
    if recent:
        last_session: date | None = recent[-1]
    else:  # none in the window: perhaps one before it, perhaps none since the start
        before = min(last or started, today - timedelta(days=window))
        last_session = None if draw(st.booleans()) else _day_in(draw, started,
                                                                 max(started, before))
    dose = draw(parts.dose_level) if parts.dose_level is not None else draw(
        st.integers(0, steps - 1))
    return AthleteState(
        athlete_id=draw(st.sampled_from(["a-1", "a-17", "runner-9"])),
        goal=draw(parts.goal),
        stage=stage_id,
        dose_level=min(max(dose, 0), steps - 1),
        started_on=started,
        rulebook_digest=rulebook.digest,
        prior_foot_ankle_problems=draw(parts.history),
        clinician_cleared=draw(parts.cleared),
        paused=draw(parts.paused),
        backoff=open_backoff,
        backoff_until=None if open_backoff is BackOff.NONE else max(
            started, today + timedelta(days=draw(st.integers(-10, 10)))),
        last_backoff_on=None if draw(st.booleans()) else started,
        last_change_on=None if draw(st.booleans()) else _day_in(draw, started, today),
        last_checkin_on=last,
        last_session_on=last_session if last else None,
        recent_sessions=recent,
        consecutive_completed=draw(st.integers(0, 12)),
        consecutive_missed=draw(st.integers(0, 4)),
        clean_streak=draw(st.integers(0, 12)),
        metrics=draw(parts.measured),
        awareness=() if last is None else draw(OBSERVATIONS),
    )


def athlete_states(rulebook: Rulebook, *, today: date = TODAY, goal: Focus[Goal] = None,
                   stage: Focus[str] = None, dose_level: Focus[int] = None,
                   history: Focus[bool] = None, cleared: Focus[bool] = None,
                   paused: Focus[bool] = None, backoff: Focus[BackOff] = None
                   ) -> st.SearchStrategy[AthleteState]:
    """Athlete states valid for ``rulebook`` as of ``today``: any check-in on or after
    ``today`` may follow them.

    Args:
        goal: the goals to draw; every goal by default.
        stage: the stage ids to draw; every stage of the rulebook by default.
        dose_level: the dose steps to draw (clipped to the stage's steps); any by default.
        history: whether the athlete has had foot or ankle problems.
        cleared: whether clinician clearance is on record.
        paused: whether training is paused, waiting for clearance.
        backoff: the back-off window open in the state (its end date is drawn).

    Requires hypothesis.
    """
    window = rulebook.whole("window_days")
    return _state(rulebook, _StateParts(
        goal=focus(goal, st.sampled_from(Goal)),
        stage=focus(stage, st.sampled_from([s.id for s in rulebook.stages])),
        dose_level=None if dose_level is None else focus(dose_level, st.integers(0, 0)),
        history=focus(history, st.booleans()),
        cleared=focus(cleared, st.booleans()),
        paused=focus(paused, st.booleans()),
        backoff=focus(backoff, st.sampled_from(BackOff)),
        sessions=st.frozensets(st.integers(0, window - 1), max_size=window // 2),
        measured=metrics(),
    ), today)


@st.composite
def _ready(draw: st.DrawFn, rulebook: Rulebook, base: st.SearchStrategy[AthleteState],
           today: date, knobs: tuple[st.SearchStrategy[int], ...],
           measured: st.SearchStrategy[Metrics], clear: bool) -> AthleteState:
    done_s, streak_s, change_s = knobs
    state = draw(base)
    # Three in four past the gates a rise has besides the record: a history cleared (P10,
    # unless the caller chose), a measured forefoot even enough (P7)
    tilt = draw(st.integers(0, 3)) > 0
    metrics = draw(measured)
    even = param_or(rulebook, "forefoot_symmetry_min", 0.0)
    if tilt and metrics.forefoot_symmetry is not None and metrics.forefoot_symmetry < even:
        metrics = attrs.evolve(metrics, forefoot_symmetry=even)
    window = rulebook.whole("window_days")
    started = min(state.started_on, today - timedelta(days=2 * window))
    last = today - timedelta(days=draw(st.integers(1, 3)))
    done = draw(done_s)
    recent = tuple(sorted(d for d in (last - timedelta(days=2 * i) for i in range(done))
                          if d > today - timedelta(days=window)))
    top = len(rulebook.stage(state.stage).steps) - 1
    return attrs.evolve(
        state, started_on=started, paused=False, backoff=BackOff.NONE, backoff_until=None,
        last_checkin_on=last, last_session_on=last,
        last_change_on=today - timedelta(days=draw(change_s)),
        recent_sessions=recent,
        clean_streak=draw(streak_s),
        dose_level=top if draw(st.booleans()) else state.dose_level,
        clinician_cleared=state.clinician_cleared or (
            clear and tilt and state.prior_foot_ankle_problems),
        metrics=metrics)


def _knobs(rulebook: Rulebook) -> tuple[st.SearchStrategy[int], ...]:
    """Sessions done lately, the clean streak, days since the dose changed: each at the
    rulebook's criterion or a step below it, or comfortably past it."""
    needed = int(param_or(rulebook, "min_sessions_in_window", 4))
    progress = int(param_or(rulebook, "progress_clean_streak", 2))
    advance = int(param_or(rulebook, "advance_clean_streak", 3))
    days = int(param_or(rulebook, "min_days_per_step", 7))
    half = max(rulebook.whole("window_days") // 2, 1)

    def edges(*values: int) -> st.SearchStrategy[int]:
        return st.sampled_from(sorted({max(v, 0) for v in values}))

    return (
        st.one_of(edges(needed - 2, needed - 1), st.integers(max(needed - 1, 0), half)),
        st.one_of(edges(progress - 2, progress - 1, advance - 2, advance - 1),
                  st.integers(max(advance - 1, 0), advance + 4)),
        st.one_of(edges(days - 1, days), st.integers(days, days + 14)),
    )


def ready_states(rulebook: Rulebook, *, today: date = TODAY, goal: Focus[Goal] = None,
                 stage: Focus[str] = None, history: Focus[bool] = None,
                 cleared: Focus[bool] = None) -> st.SearchStrategy[AthleteState]:
    """States from :func:`athlete_states`, tilted toward athletes who may move up: not
    paused, no back-off window, sessions every other day lately (about
    ``min_sessions_in_window`` of them), a clean streak and days at the dose near the
    rulebook's criteria, often at the stage's top dose, mostly cleared when they have a
    history (unless ``cleared`` says) and with an even enough forefoot when measured.

    :func:`athlete_states` alone rarely gives such a state (in 3,000 draws with
    :func:`checkins`, no decision was PROGRESS or ADVANCE), so properties that are about
    moving up should draw from this one too (:func:`inputs` mixes them).

    Requires hypothesis.
    """
    base = athlete_states(rulebook, today=today, goal=goal, stage=stage, history=history,
                          cleared=cleared)
    return _ready(rulebook, base, today, _knobs(rulebook), metrics(rulebook=rulebook),
                  cleared is None)


# ---------------------------------------------------------------- inputs


@st.composite
def _layoff(draw: st.DrawFn, rulebook: Rulebook, base: st.SearchStrategy[AthleteState],
            today: date, gaps: st.SearchStrategy[int]) -> AthleteState:
    """A ready state whose last session lies near a layoff threshold before ``today``."""
    state = draw(base)
    last_session = today - timedelta(days=draw(gaps))
    started = min(state.started_on, last_session - timedelta(days=7))
    window = rulebook.whole("window_days")
    recent = tuple(d for d in state.recent_sessions
                   if d <= last_session and d > today - timedelta(days=window))
    last_checkin = last_session if draw(st.booleans()) else today - timedelta(days=1)
    return attrs.evolve(state, started_on=started, last_session_on=last_session,
                        last_checkin_on=max(last_checkin, last_session), recent_sessions=recent,
                        last_change_on=min(state.last_change_on or started, last_session))


def _gaps(rulebook: Rulebook) -> st.SearchStrategy[int]:
    short = int(param_or(rulebook, "short_layoff_days", 7))
    long = int(param_or(rulebook, "long_layoff_days", 22))
    return st.sampled_from(sorted({short - 1, short, long - 1, long})) | st.integers(1, long + 10)


@st.composite
def _inputs(draw: st.DrawFn, parts: tuple[st.SearchStrategy[tuple[AthleteState, CheckIn]], ...]
            ) -> tuple[AthleteState, CheckIn]:
    return draw(parts[draw(st.integers(0, len(parts) - 1))])


@st.composite
def _paused_or_backoff(draw: st.DrawFn, states: st.SearchStrategy[AthleteState],
                       checkin: st.SearchStrategy[CheckIn], today: date
                       ) -> tuple[AthleteState, CheckIn]:
    state = draw(states)
    backoff = draw(st.sampled_from(BackOff))
    state = attrs.evolve(
        state, paused=draw(st.booleans()), backoff=backoff,
        backoff_until=None if backoff is BackOff.NONE else max(
            state.started_on, today + timedelta(days=draw(st.integers(-2, 3)))))
    return state, draw(checkin)


def inputs(rulebook: Rulebook, *, today: date = TODAY
           ) -> st.SearchStrategy[tuple[AthleteState, CheckIn]]:
    """(state, check-in) pairs valid for ``rulebook``, in five equal shares: as
    :func:`athlete_states` and :func:`checkins` give them; a :func:`ready_states` athlete
    after a :func:`mild_checkins` session (so PROGRESS and ADVANCE are common); a ready
    athlete with symptoms at the rulebook's thresholds (:func:`edge_symptoms`); a return
    after a layoff near ``short_layoff_days`` or ``long_layoff_days``; a paused athlete or
    one with a back-off window open or just ended.

    Requires hypothesis.
    """
    later = st.dates(today, today + timedelta(days=30))
    soon = st.dates(today, today + timedelta(days=3))
    ready = ready_states(rulebook, today=today)
    near = metrics(rulebook=rulebook)
    edgy = checkins(rulebook, on=soon, completed=True, minutes=st.integers(15, 30),
                    symptom=edge_symptoms(rulebook), max_symptoms=2, metrics=near,
                    cleared=False)
    return _inputs((
        # as the plain strategies give them
        st.tuples(athlete_states(rulebook, today=today), checkins(rulebook, on=later)),
        # ready to move up, after a mild session
        st.tuples(ready, mild_checkins(rulebook, on=soon)),
        # ready, and a session with symptoms or compensations near thresholds
        st.tuples(ready, edgy),
        # back after a layoff near the layoff thresholds
        st.tuples(_layoff(rulebook, ready, today, _gaps(rulebook)),
                  mild_checkins(rulebook, on=today)),
        # paused, or with a back-off window open or just ended, clearance or not
        _paused_or_backoff(
            st.one_of(ready, athlete_states(rulebook, today=today)),
            checkins(rulebook, on=soon, symptom=edge_symptoms(rulebook), max_symptoms=1,
                     max_compensations=1, metrics=near), today),
    ))


# ---------------------------------------------------------------- plans, decisions


def _engine_for(engine_or_rulebook: Engine | Rulebook) -> Engine:
    if isinstance(engine_or_rulebook, Engine):
        return engine_or_rulebook
    return Engine(engine_or_rulebook, backend="native")


def week_plans(engine_or_rulebook: Engine | Rulebook, *,
               states: st.SearchStrategy[AthleteState] | None = None
               ) -> st.SearchStrategy[WeekPlan]:
    """Week plans, as the engine plans them for drawn athlete states.

    Requires hypothesis.
    """
    engine = _engine_for(engine_or_rulebook)
    drawn = states if states is not None else athlete_states(engine.rulebook)
    return drawn.map(engine.plan)


def decisions(engine_or_rulebook: Engine | Rulebook, *,
              pairs: st.SearchStrategy[tuple[AthleteState, CheckIn]] | None = None
              ) -> st.SearchStrategy[Decision]:
    """Decisions, as the engine makes them for drawn (state, check-in) pairs (by default
    :func:`inputs`); a rulebook is evaluated on the native backend.

    Requires hypothesis.
    """
    engine = _engine_for(engine_or_rulebook)
    drawn = pairs if pairs is not None else inputs(engine.rulebook)
    return drawn.map(lambda pair: engine.evaluate(*pair))
