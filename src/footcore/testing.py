"""Hypothesis strategies for footcore's models, for property-testing rulebooks.

Requires hypothesis (``pip install footcore[testing]``). Every strategy is valid by
construction for the rulebook it is given and shrinks towards small, plain examples.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from ._enums import BackOff, CompensationKind, Goal, Location, SymptomKind
from ._models import AthleteState, CheckIn, Compensation, Metrics, Symptom
from ._rulebook import Rulebook

__all__ = ["athlete_states", "checkins", "compensations", "metrics", "symptoms"]

EPOCH = date(2026, 1, 5)
TODAY = EPOCH + timedelta(days=200)


def symptoms(*, kinds: st.SearchStrategy[SymptomKind] | None = None,
             severity: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Symptom]:
    """Symptoms of any kind, location, severity 0-10 and duration up to three weeks.

    Requires hypothesis.
    """
    return st.builds(
        Symptom,
        kind=kinds if kinds is not None else st.sampled_from(SymptomKind),
        location=st.sampled_from(Location),
        severity=severity if severity is not None else st.integers(0, 10),
        days=st.integers(0, 21),
    )


def compensations(rulebook: Rulebook) -> st.SearchStrategy[Compensation]:
    """Compensations, seen in an exercise of ``rulebook`` or in none named. Requires hypothesis."""
    return st.builds(
        Compensation,
        kind=st.sampled_from(CompensationKind),
        exercise=st.none() | st.sampled_from(sorted(rulebook.exercises)),
    )


def metrics() -> st.SearchStrategy[Metrics]:
    """Tracking metrics, each one possibly not measured. Requires hypothesis."""
    def maybe(low: float, high: float) -> st.SearchStrategy[float | None]:
        return st.none() | st.floats(low, high, allow_nan=False).map(lambda x: round(x, 2))

    return st.builds(
        Metrics,
        balance_eyes_open_s=maybe(0, 60),
        balance_eyes_closed_s=maybe(0, 30),
        forefoot_symmetry=maybe(0, 1),
        foot_fatigue=maybe(0, 10),
    )


def checkins(rulebook: Rulebook, *, on: st.SearchStrategy[date] | None = None,
             symptom: st.SearchStrategy[Symptom] | None = None,
             max_symptoms: int = 3, max_compensations: int = 2,
             cleared: st.SearchStrategy[bool] | None = None) -> st.SearchStrategy[CheckIn]:
    """Check-ins for ``rulebook``: done or missed, with symptoms, compensations, metrics.

    Args:
        on: the dates to draw from; by default the 30 days from ``TODAY``, the date
            :func:`athlete_states` places its states at by default.
        symptom: the symptoms to draw; ``st.nothing()`` for symptom-free check-ins.
        cleared: whether the check-in brings clinician clearance.

    Requires hypothesis.
    """
    return st.builds(
        CheckIn,
        on=on if on is not None else st.dates(TODAY, TODAY + timedelta(days=30)),
        completed=st.booleans(),
        minutes=st.integers(0, 30),
        symptoms=st.lists(symptom if symptom is not None else symptoms(),
                          max_size=max_symptoms).map(tuple),
        compensations=st.lists(compensations(rulebook), max_size=max_compensations).map(tuple),
        metrics=metrics(),
        clinician_cleared=cleared if cleared is not None else st.booleans(),
    )


@st.composite
def _state(draw: st.DrawFn, rulebook: Rulebook, goal: st.SearchStrategy[Goal],
           stage: st.SearchStrategy[str], today: date) -> AthleteState:
    stage_id = draw(stage)
    steps = len(rulebook.stage(stage_id).steps)
    started = today - timedelta(days=draw(st.integers(0, 200)))
    last = draw(st.none() | st.integers(0, (today - started).days).map(
        lambda d: started + timedelta(days=d)))
    backoff = draw(st.sampled_from(BackOff))
    window = rulebook.whole("window_days")
    sessions = sorted(draw(st.sets(st.integers(0, window - 1), max_size=window // 2)))
    recent = tuple(day for day in (today - timedelta(days=window - d) for d in sessions)
                   if last is not None and started <= day <= last)
    if recent:
        last_session: date | None = recent[-1]
    else:  # none in the window: perhaps one before it, perhaps none since the start
        before = min(last or started, today - timedelta(days=window))
        last_session = draw(st.none() | st.dates(started, max(started, before)))
    return AthleteState(
        athlete_id=draw(st.sampled_from(["a-1", "a-17", "runner-9"])),
        goal=draw(goal),
        stage=stage_id,
        dose_level=draw(st.integers(0, steps - 1)),
        started_on=started,
        rulebook_digest=rulebook.digest,
        prior_foot_ankle_problems=draw(st.booleans()),
        clinician_cleared=draw(st.booleans()),
        paused=draw(st.booleans()),
        backoff=backoff,
        backoff_until=None if backoff is BackOff.NONE else today + timedelta(
            days=draw(st.integers(-10, 10))),
        last_backoff_on=draw(st.none() | st.just(started)),
        last_change_on=draw(st.none() | st.integers(0, (today - started).days).map(
            lambda d: started + timedelta(days=d))),
        last_checkin_on=last,
        last_session_on=last_session if last else None,
        recent_sessions=recent,
        consecutive_completed=draw(st.integers(0, 12)),
        consecutive_missed=draw(st.integers(0, 4)),
        clean_streak=draw(st.integers(0, 12)),
        metrics=draw(metrics()),
    )


def athlete_states(rulebook: Rulebook, *, today: date = TODAY,
                   goal: st.SearchStrategy[Goal] | None = None,
                   stage: st.SearchStrategy[str] | None = None
                   ) -> st.SearchStrategy[AthleteState]:
    """Athlete states valid for ``rulebook`` as of ``today``: any check-in on or after
    ``today`` may follow them.

    Args:
        goal: the goals to draw; every goal by default.
        stage: the stage ids to draw; every stage of the rulebook by default.

    Requires hypothesis.
    """
    return _state(
        rulebook,
        goal if goal is not None else st.sampled_from(Goal),
        stage if stage is not None else st.sampled_from([s.id for s in rulebook.stages]),
        today,
    )
