"""A synthetic population: athletes with realistic mixed histories, reproducible from a seed.

Needs no Hypothesis: each athlete is drawn from ``random.Random`` seeded with the seed and
the athlete's number, so athlete ``n`` is the same whatever the population's size. Each is
scripted week by week, as the example scenarios are, and expanded into dated check-ins:

- goals in the mix runners, strength athletes and everyday walkers bring; about one in five
  with prior foot or ankle problems, of whom some are cleared from the start and some later;
- adherence that starts between 70% and 100% and fades over months, with a missed session
  here and there and, now and then, a week or more away;
- symptoms that come and go: soreness, stiffness and fatigue most, irritation in the
  forefoot hotspots, rarely sharp or persisting pain, which a clinician clears a few weeks
  later; compensations now and then, during unilateral work or unnamed;
- balance that improves week by week, reported most weeks.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from .._compare import rulebook_ref
from .._enums import CompensationKind, Goal, Location, SymptomKind
from .._errors import InputError
from .._models import AthleteState, CheckIn, Compensation, Metrics, Symptom
from .._population._histories import History
from .._rulebook import Rulebook
from .._rulebook_loading import load_rulebook
from .._simulate import Scenario, Week, checkins

__all__ = ["POPULATION_START", "population"]

POPULATION_START = date(2026, 1, 5)
"""The Monday the earliest athlete starts; the others start within eight weeks of it."""

_GOALS = (Goal.RUNNER,) * 5 + (Goal.STRENGTH,) * 2 + (Goal.EVERYDAY,) * 3
_EPISODES = (  # kind, weight, locations, severity range, weeks it lasts
    (SymptomKind.SORENESS, 30, (Location.ARCH, Location.TOES, Location.OTHER), (2, 6), (1, 2)),
    (SymptomKind.STIFFNESS, 25, (Location.ARCH, Location.ANKLE, Location.HEEL), (2, 5), (1, 2)),
    (SymptomKind.FATIGUE, 15, (Location.ARCH, Location.OTHER), (3, 7), (1, 2)),
    (SymptomKind.IRRITATION, 22, (Location.BALL_OF_FOOT, Location.ARCH, Location.TOES,
                                  Location.PLANTAR_FASCIA), (2, 6), (1, 3)),
    (SymptomKind.SHARP_PAIN, 3, (Location.ARCH, Location.HEEL, Location.BALL_OF_FOOT),
     (5, 8), (1, 1)),
    (SymptomKind.PERSISTENT_PAIN, 5, (Location.PLANTAR_FASCIA, Location.HEEL, Location.KNEE),
     (3, 6), (1, 2)),
)
_WEIGHTS = [episode[1] for episode in _EPISODES]
_PAIN = (SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN)


def _symptoms(rng: random.Random, weeks: int) -> list[tuple[Symptom, ...]]:
    """Per week, the symptoms reported: episodes that start, last a week or three (longer
    lasting, sometimes worse) and go."""
    out: list[tuple[Symptom, ...]] = [() for _ in range(weeks)]
    week = 0
    while week < weeks:
        if rng.random() >= 0.09:
            week += 1
            continue
        kind, _, places, (low, high), (short, long) = rng.choices(_EPISODES, _WEIGHTS)[0]
        where, severity = rng.choice(places), rng.randint(low, high)
        for day, at in enumerate(range(week, min(weeks, week + rng.randint(short, long)))):
            worse = min(10, severity + rng.choice((-1, 0, 0, 1)))
            out[at] = (Symptom(kind, where, worse, days=1 + 3 * day),)
        week += rng.randint(2, 6)
    return out


def _compensation(rng: random.Random, unilateral: list[str]) -> tuple[Compensation, ...]:
    if rng.random() >= 0.05:
        return ()
    kind = rng.choice(list(CompensationKind))
    named = unilateral and rng.random() < 0.5
    return (Compensation(kind, rng.choice(unilateral) if named else None),)


def _scenario(rng: random.Random, number: int, rulebook: Rulebook, planned: int) -> Scenario:
    """An athlete's script, long enough for ``planned`` check-ins (two a week at least)."""
    weeks = planned // 2 + 8
    history = rng.random() < 0.2
    cleared_at = rng.randint(4, 20) if history and rng.random() < 0.6 else None
    adherence, fading = rng.uniform(0.7, 1.0), rng.uniform(0.0, 0.015)
    open_s, closed_s = rng.uniform(12, 35), rng.uniform(3, 9)
    symptoms = _symptoms(rng, weeks)
    unilateral = sorted(e.id for e in rulebook.exercises.values() if e.unilateral)
    plan: list[Week] = []
    pain_until = -1
    for week in range(weeks):
        if rng.random() < 0.03:  # a week away
            plan.append(Week(done=0, missed=0))
            continue
        sessions = rng.choice((3, 3, 3, 3, 2, 4))
        done = sum(rng.random() < adherence - fading * week for _ in range(sessions))
        reported = symptoms[week]
        if any(s.kind in _PAIN for s in reported):
            pain_until = week + rng.randint(1, 4)
        cleared = week in (pain_until, cleared_at)
        open_s = min(60.0, open_s + rng.uniform(0, 2))
        closed_s = min(30.0, closed_s + rng.uniform(0, 1))
        plan.append(Week(
            done=done, missed=sessions - done, symptoms=reported if sessions else (),
            compensations=_compensation(rng, unilateral) if done else (),
            metrics=Metrics(balance_eyes_open_s=round(open_s, 1),
                            balance_eyes_closed_s=round(closed_s, 1))
            if rng.random() < 0.8 else Metrics(),
            clearance=cleared, report_at=rng.randint(1, sessions)))
    start = POPULATION_START + timedelta(days=7 * rng.randint(0, 8))
    return Scenario(title=f"synthetic {number}", athlete=f"s-{number}", goal=rng.choice(_GOALS),
                    start=start, week=tuple(plan), history=history,
                    cleared=history and cleared_at is None and rng.random() < 0.5,
                    minutes=rng.randint(15, 20))


def _athlete(seed: int, number: int, rulebook: Rulebook, planned: int) -> History:
    rng = random.Random(f"{seed}:{number}")
    scenario = _scenario(rng, number, rulebook, planned)
    taken: list[CheckIn] = []
    for _, checkin in checkins(scenario):
        taken.append(checkin)
        if len(taken) == planned:
            break
    state = AthleteState(
        athlete_id=scenario.athlete, goal=scenario.goal, stage=rulebook.stages[0].id,
        dose_level=0, started_on=scenario.start, rulebook_digest=rulebook_ref(rulebook).digest,
        prior_foot_ankle_problems=scenario.history, clinician_cleared=scenario.cleared)
    return History.of(state, taken, f"synthetic athlete {number} (seed {seed})")


def population(athletes: int, *, seed: int = 0, checkins: int = 78,
               rulebook: Rulebook | None = None) -> Iterator[History]:
    """``athletes`` synthetic athletes' histories, each of ``checkins`` check-ins (three or so
    a week: 78 is half a year), starting on the first rung of ``rulebook`` (default: the
    shipped one). The same seed gives the same population; one at a time, so a large one
    can be written with :func:`footcore.impact.write_histories` without being held in memory.

    Raises:
        InputError: ``athletes`` is negative or ``checkins`` is under 1.
    """
    if type(athletes) is not int or athletes < 0:
        raise InputError(f"athletes: got {athletes!r}; accepted: a whole number, 0 or more")
    if type(checkins) is not int or checkins < 1:
        raise InputError(f"checkins: got {checkins!r}; accepted: a whole number, 1 or more")
    book = rulebook if rulebook is not None else load_rulebook()
    for number in range(athletes):
        yield _athlete(seed, number, book, checkins)
