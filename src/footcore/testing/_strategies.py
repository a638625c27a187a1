"""Hypothesis strategies for footcore's models, for property-testing rulebooks.

Requires hypothesis (``pip install footcore[testing]``). Every strategy is valid by
construction for the rulebook it is given and shrinks towards small, plain examples.
Focus arguments take either a value or a strategy (``stage="control"`` or
``stage=st.sampled_from(["control", "unilateral"])``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import TypeAlias, TypeVar

import attrs
from hypothesis import strategies as st

from .._engine import Engine
from .._enums import BackOff, Category, CompensationKind, Goal, Location, Observation, SymptomKind
from .._models import (
    AthleteState,
    CheckIn,
    Compensation,
    Decision,
    Dose,
    Exercise,
    Metrics,
    Symptom,
    WeekPlan,
)
from .._rulebook import Rulebook
from ._requiring import counted, kinds_required, measured_names
from ._spec import HOTSPOTS, LASTING_KINDS, PAIN_KINDS, param, param_or

__all__ = [
    "EPOCH",
    "TODAY",
    "athlete_states",
    "backoff_symptoms",
    "checkins",
    "compensations",
    "decisions",
    "doses",
    "edge_symptoms",
    "exercises",
    "inputs",
    "metrics",
    "mild_checkins",
    "pain_symptoms",
    "ready_states",
    "symptoms",
    "week_plans",
]

EPOCH = date(2026, 1, 5)
TODAY = EPOCH + timedelta(days=200)

T = TypeVar("T")
Focus: TypeAlias = T | st.SearchStrategy[T] | None


def _focus(value: Focus[T], default: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def _near(value: float, low: int, high: int) -> st.SearchStrategy[int]:
    """Whole numbers in ``low..high``, often one of ``value - 1``, ``value``, ``value + 1``:
    the numbers that tell a threshold from one moved by a step."""
    at = int(value)
    edges = sorted({min(max(v, low), high) for v in (at - 1, at, at + 1)})
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


def _threshold(rulebook: Rulebook | None, kind: SymptomKind) -> float | None:
    if rulebook is None:
        return None
    name = {SymptomKind.STIFFNESS: "stiffness_deload_min",
            SymptomKind.IRRITATION: "irritation_rest_min",
            SymptomKind.SORENESS: "soreness_hold_min",
            SymptomKind.FATIGUE: "fatigue_hold_min"}.get(kind)
    return rulebook.params[name].value if name is not None and name in rulebook.params else None


# ---------------------------------------------------------------- symptoms, compensations


def symptoms(*, kinds: Focus[SymptomKind] = None, locations: Focus[Location] = None,
             severity: Focus[int] = None, days: Focus[int] = None
             ) -> st.SearchStrategy[Symptom]:
    """Symptoms of any kind, location, severity 0-10 and duration up to three weeks.

    Args:
        kinds: the kinds to draw (a kind or a strategy of kinds); every kind by default.
        locations: the locations to draw; every location by default.
        severity: the severities to draw; 0-10 by default.
        days: how long the symptom has lasted; 0-21 days by default.

    Requires hypothesis.
    """
    return st.builds(
        Symptom,
        kind=_focus(kinds, st.sampled_from(SymptomKind)),
        location=_focus(locations, st.sampled_from(Location)),
        severity=_focus(severity, st.integers(0, 10)),
        days=_focus(days, st.integers(0, 21)),
    )


def pain_symptoms(*, locations: Focus[Location] = None) -> st.SearchStrategy[Symptom]:
    """Sharp or persistent pain (P10), anywhere, at any severity. Requires hypothesis."""
    return symptoms(kinds=st.sampled_from(sorted(PAIN_KINDS)), locations=locations)


@st.composite
def _edge_symptom(draw: st.DrawFn, kinds: st.SearchStrategy[SymptomKind],
                  severities: dict[SymptomKind, st.SearchStrategy[int]],
                  locations: st.SearchStrategy[Location], days: st.SearchStrategy[int]
                  ) -> Symptom:
    kind = draw(kinds)
    return Symptom(kind, draw(locations), severity=draw(severities[kind]), days=draw(days))


def edge_symptoms(rulebook: Rulebook, *, kinds: Focus[SymptomKind] = None,
                  days: Focus[int] = None) -> st.SearchStrategy[Symptom]:
    """Symptoms whose severity and duration sit at, or a step either side of, the rulebook's
    thresholds for their kind (``stiffness_deload_min``, ``irritation_rest_min``,
    ``soreness_hold_min``, ``fatigue_hold_min``, ``persistent_symptom_days``), as often as
    anywhere else: the inputs that tell a threshold from one moved by a step. Forefoot
    hotspots come up as often as all other locations together.

    Args:
        kinds: the kinds to draw; every kind by default.
        days: how long the symptom has lasted; by default near ``persistent_symptom_days``
            half the time.

    Requires hypothesis.
    """
    lasting = param_or(rulebook, "persistent_symptom_days", 5)
    severities = {}
    for kind in SymptomKind:
        at = _threshold(rulebook, kind)
        severities[kind] = _near(at, 0, 10) if at is not None else st.integers(0, 10)
    return _edge_symptom(
        _focus(kinds, st.sampled_from(SymptomKind)), severities,
        st.sampled_from(sorted(HOTSPOTS)) | st.sampled_from(Location),
        _focus(days, _near(lasting, 0, 21)))


def backoff_symptoms(rulebook: Rulebook) -> st.SearchStrategy[Symptom]:
    """Symptoms the rulebook's thresholds say must be backed off from (P9, P10): stiffness
    from ``stiffness_deload_min``, irritation in a forefoot hotspot, sharp or persistent
    pain, and irritation, soreness or stiffness lasting ``persistent_symptom_days``.

    Raises:
        MissingParam: the rulebook lacks one of those parameters.

    Requires hypothesis.
    """
    stiff = int(param(rulebook, "stiffness_deload_min", "backoff-never-raises-load"))
    lasting = int(param(rulebook, "persistent_symptom_days", "backoff-never-raises-load"))
    return st.one_of(
        symptoms(kinds=SymptomKind.STIFFNESS, severity=st.integers(min(stiff, 10), 10)),
        symptoms(kinds=SymptomKind.IRRITATION, locations=st.sampled_from(sorted(HOTSPOTS))),
        pain_symptoms(),
        symptoms(kinds=st.sampled_from(sorted(LASTING_KINDS)), days=st.integers(lasting, 30)),
    )


def compensations(rulebook: Rulebook, *, kinds: Focus[CompensationKind] = None,
                  exercise: Focus[str | None] = None) -> st.SearchStrategy[Compensation]:
    """Compensations, seen in an exercise of ``rulebook`` or in none named.

    Args:
        kinds: the kinds to draw; every kind by default.
        exercise: the exercise ids to draw (``None``: not named); by default any exercise
            of the rulebook, a hop or a single-leg exercise as often as any other, or none.

    Requires hypothesis.
    """
    catalogue = sorted(rulebook.exercises.values(), key=lambda e: e.id)
    notable = [e.id for e in catalogue if e.unilateral or e.category is Category.PLYOMETRIC]
    default = st.one_of(st.none(), st.sampled_from([e.id for e in catalogue]),
                        *([st.sampled_from(notable)] if notable else []))
    return st.builds(
        Compensation,
        kind=_focus(kinds, st.sampled_from(CompensationKind)),
        exercise=_focus(exercise, default),
    )


# ---------------------------------------------------------------- metrics


def _measure(low: float, high: float, edges: Sequence[float] = ()
             ) -> st.SearchStrategy[float | None]:
    rounded = st.floats(low, high, allow_nan=False).map(lambda x: round(x, 2))
    if edges:
        return st.one_of(st.none(), st.sampled_from(sorted(set(edges))), rounded)
    return st.none() | rounded


def metrics(*, balance_eyes_open_s: st.SearchStrategy[float | None] | None = None,
            balance_eyes_closed_s: st.SearchStrategy[float | None] | None = None,
            forefoot_symmetry: st.SearchStrategy[float | None] | None = None,
            foot_fatigue: st.SearchStrategy[float | None] | None = None,
            rulebook: Rulebook | None = None, measured: Collection[str] = ()
            ) -> st.SearchStrategy[Metrics]:
    """Tracking metrics (P11), each one possibly not measured.

    Args:
        balance_eyes_open_s, balance_eyes_closed_s, forefoot_symmetry, foot_fatigue:
            strategies for each metric (``st.none()``: not measured).
        rulebook: with a rulebook, the defaults also draw each metric exactly at, or just
            below, every threshold the rulebook's rules compare it with.
        measured: the metrics that are always measured (their names, as above).

    Raises:
        InputError: ``measured`` names something that is no metric.

    Requires hypothesis.
    """
    required = measured_names(measured)
    edges: dict[str, list[float]] = {}
    if rulebook is not None:
        for rule in rulebook.compiled:
            for test in rule.tests:
                if isinstance(test.value, int | float) and not isinstance(test.value, bool):
                    at = float(test.value)
                    edges.setdefault(test.field, []).extend((at, round(at - 0.01, 2)))

    def pick(given: st.SearchStrategy[float | None] | None, name: str, low: float,
             high: float) -> st.SearchStrategy[float | None]:
        drawn = given if given is not None else _measure(
            low, high, [e for e in edges.get(name, ()) if low <= e <= high])
        return drawn.filter(lambda value: value is not None) if name in required else drawn

    return st.builds(
        Metrics,
        balance_eyes_open_s=pick(balance_eyes_open_s, "balance_eyes_open_s", 0, 60),
        balance_eyes_closed_s=pick(balance_eyes_closed_s, "balance_eyes_closed_s", 0, 30),
        forefoot_symmetry=pick(forefoot_symmetry, "forefoot_symmetry", 0, 1),
        foot_fatigue=pick(foot_fatigue, "foot_fatigue", 0, 10),
    )


_metrics = metrics  # for functions whose ``metrics`` argument hides this one


# ---------------------------------------------------------------- check-ins


def checkins(rulebook: Rulebook, *, on: Focus[date] = None, completed: Focus[bool] = None,
             minutes: Focus[int] = None, symptom: st.SearchStrategy[Symptom] | None = None,
             max_symptoms: int = 3, min_symptoms: int = 0,
             symptom_kinds: SymptomKind | Collection[SymptomKind] | None = None,
             compensation: st.SearchStrategy[Compensation] | None = None,
             max_compensations: int = 2, min_compensations: int = 0,
             metrics: st.SearchStrategy[Metrics] | None = None,
             measured: Collection[str] = (), cleared: Focus[bool] = None,
             pain_free: bool = False) -> st.SearchStrategy[CheckIn]:
    """Check-ins for ``rulebook``: done or missed, with symptoms, compensations, metrics.

    Args:
        on: the dates to draw from; by default the 30 days from ``TODAY``, the date
            :func:`athlete_states` places its states at by default.
        completed: whether the session was done; either by default.
        minutes: minutes trained; 0-30 by default.
        symptom: the symptoms to draw; ``st.nothing()`` for symptom-free check-ins.
        max_symptoms, min_symptoms: how many symptoms, at most and at least (0-3).
        symptom_kinds: with ``min_symptoms``, the kinds of those required symptoms (a kind
            or a collection of kinds; the other symptoms are drawn from ``symptom``).
        compensation: the compensations to draw; ``st.nothing()`` for none.
        max_compensations, min_compensations: how many compensations (0-2).
        metrics: the metrics to draw; :func:`metrics` by default.
        measured: the metrics every check-in has measured (``"foot_fatigue"``...).
        cleared: whether the check-in brings clinician clearance.
        pain_free: no sharp or persistent pain among the symptoms.

    Raises:
        InputError: the arguments contradict each other (a minimum over its maximum, a
            minimum with ``st.nothing()`` to draw from, kinds that ``pain_free`` excludes,
            an unknown metric).

    Requires hypothesis.
    """
    drawn = compensation if compensation is not None else compensations(rulebook)
    counted("compensations", min_compensations, max_compensations, drawn)
    kinds = kinds_required(symptom_kinds, min_symptoms, pain_free)
    any_symptom = symptom if symptom is not None else symptoms()
    if pain_free:
        any_symptom = any_symptom.filter(lambda s: s.kind not in PAIN_KINDS)
    counted("symptoms", min_symptoms, max_symptoms, any_symptom)
    if kinds is None:
        symptom_lists = st.lists(any_symptom, min_size=min_symptoms, max_size=max_symptoms)
    else:  # the required symptoms first, then any
        of_kinds = (symptoms(kinds=st.sampled_from(sorted(kinds))) if symptom is None
                    else any_symptom.filter(lambda s: s.kind in kinds))
        symptom_lists = st.tuples(
            st.lists(of_kinds, min_size=min_symptoms, max_size=min_symptoms),
            st.lists(any_symptom, max_size=max_symptoms - min_symptoms)
        ).map(lambda two: [*two[0], *two[1]])
    required = measured_names(measured)
    if metrics is None:
        metrics = _metrics(measured=required)
    elif required:
        metrics = metrics.filter(
            lambda m: all(getattr(m, name) is not None for name in required))
    return st.builds(
        CheckIn,
        on=_focus(on, st.dates(TODAY, TODAY + timedelta(days=30))),
        completed=_focus(completed, st.booleans()),
        minutes=_focus(minutes, st.integers(0, 30)),
        symptoms=symptom_lists.map(tuple),
        compensations=st.lists(drawn, min_size=min_compensations,
                               max_size=max_compensations).map(tuple),
        metrics=metrics,
        clinician_cleared=_focus(cleared, st.booleans()),
        observations=_OBSERVATIONS,
    )


@st.composite
def _mild(draw: st.DrawFn, base: st.SearchStrategy[CheckIn],
          extra: st.SearchStrategy[Compensation]) -> CheckIn:
    checkin = draw(base)
    if all(draw(st.booleans()) for _ in range(3)):  # a compensation one time in eight
        checkin = attrs.evolve(checkin, compensations=(draw(extra),))
    return checkin


def mild_checkins(rulebook: Rulebook, *, on: Focus[date] = None,
                  metrics: st.SearchStrategy[Metrics] | None = None
                  ) -> st.SearchStrategy[CheckIn]:
    """Sessions done, 15 minutes or more, with at most two symptoms within the rulebook's
    clean limits (``clean_max_severity``, shorter than ``persistent_symptom_days``, no
    pain) and a compensation one time in eight: the check-ins after which an athlete may
    move up. With :func:`ready_states` they make PROGRESS and ADVANCE common.

    Args:
        on: the dates to draw from; by default ``TODAY`` to three days after it.
        metrics: the metrics to draw; by default metrics near the rulebook's thresholds,
            foot fatigue below ``fatigue_hold_min`` or not reported.

    Requires hypothesis.
    """
    lasting = int(param_or(rulebook, "persistent_symptom_days", 5))
    clean = int(param_or(rulebook, "clean_max_severity", 2))
    tired = param_or(rulebook, "fatigue_hold_min", 6)
    mild = symptoms(kinds=st.sampled_from([k for k in SymptomKind if k not in PAIN_KINDS]),
                    severity=st.integers(0, clean), days=st.integers(0, max(lasting - 1, 0)))
    if metrics is None:
        metrics = _metrics(rulebook=rulebook, foot_fatigue=st.none() | st.floats(
            0, max(tired - 0.01, 0), allow_nan=False).map(lambda x: round(x, 2)))
    base = checkins(
        rulebook, on=_focus(on, st.dates(TODAY, TODAY + timedelta(days=3))), completed=True,
        minutes=st.integers(15, 30), symptom=mild, max_symptoms=2,
        compensation=st.nothing(), max_compensations=0, metrics=metrics, cleared=False,
    )
    return _mild(base, compensations(rulebook))


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


# What an awareness rung found (P1), and what a check-in reports noticing.
_AWARENESS = _OBSERVATIONS = st.sampled_from(
    [(), *((o,) for o in Observation), tuple(Observation)])


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
        awareness=() if last is None else draw(_AWARENESS),
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
        goal=_focus(goal, st.sampled_from(Goal)),
        stage=_focus(stage, st.sampled_from([s.id for s in rulebook.stages])),
        dose_level=None if dose_level is None else _focus(dose_level, st.integers(0, 0)),
        history=_focus(history, st.booleans()),
        cleared=_focus(cleared, st.booleans()),
        paused=_focus(paused, st.booleans()),
        backoff=_focus(backoff, st.sampled_from(BackOff)),
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


# ---------------------------------------------------------------- catalogue, plans, decisions


def exercises(rulebook: Rulebook, *, category: Focus[Category] = None
              ) -> st.SearchStrategy[Exercise]:
    """Exercises of the rulebook's catalogue, optionally of one category.

    Requires hypothesis.
    """
    catalogue = sorted(rulebook.exercises.values(), key=lambda e: e.id)
    if category is None:
        return st.sampled_from(catalogue)
    return _focus(category, st.sampled_from(Category)).flatmap(
        lambda c: st.sampled_from([e for e in catalogue if e.category is c] or catalogue))


def doses() -> st.SearchStrategy[Dose]:
    """Doses: sets, reps, hold seconds and a resistance. Requires hypothesis."""
    return st.builds(Dose, sets=st.integers(1, 5), reps=st.integers(1, 30),
                     hold_s=st.integers(0, 60),
                     resistance=st.sampled_from(["none", "light band", "medium band"]))


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
