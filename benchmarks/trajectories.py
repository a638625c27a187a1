"""Everyday trajectories: athletes checking in week after week, as an app sees them.

Each athlete plans three sessions a week for 8 to 40 weeks and does most of them; now and
then reports ordinary soreness or fatigue, more rarely stiffness, irritation, a
compensation or sharp pain (and brings clearance a week after it); records balance times
that improve over the months. The check-ins depend only on the seed, never on a decision,
so any footcore version can play the same ones: only the public API both 0.1.0 and the
working tree share is used (``Engine.new_athlete``, ``evaluate``, the input models).

Importable by the benchmarks, whichever footcore is first on ``sys.path``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

START = date(2026, 1, 5)
GOALS = ("runner", "strength", "everyday")


def athlete(rng: random.Random, fc: Any, number: int) -> tuple[dict[str, Any], list[Any]]:
    """One athlete's ``new_athlete`` keywords and check-ins, in date order."""
    goal = fc.Goal(rng.choice(GOALS))
    history = rng.random() < 0.2
    start = START + timedelta(days=rng.randrange(28))
    profile = {"athlete_id": f"athlete-{number}", "goal": goal, "start": start,
               "prior_foot_ankle_problems": history, "clinician_cleared": False}
    weeks = rng.randint(8, 40)
    adherence = rng.uniform(0.6, 0.98)
    balance_open, balance_closed = rng.uniform(10, 30), rng.uniform(2, 8)
    checkins = []
    clearance_due: date | None = None
    for week in range(weeks):
        monday = start + timedelta(days=7 * week)
        balance_open = min(60.0, balance_open + rng.uniform(0, 2.5))
        balance_closed = min(30.0, balance_closed + rng.uniform(0, 1.2))
        for offset in (0, 2, 4):
            day = monday + timedelta(days=offset)
            done = rng.random() < adherence
            symptoms, compensations = [], []
            roll = rng.random()
            if roll < 0.12:
                symptoms.append(fc.Symptom(fc.SymptomKind.SORENESS, fc.Location.ARCH,
                                           severity=rng.randint(1, 4)))
            elif roll < 0.16:
                symptoms.append(fc.Symptom(fc.SymptomKind.FATIGUE, fc.Location.TOES,
                                           severity=rng.randint(2, 6)))
            elif roll < 0.18:
                symptoms.append(fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.HEEL,
                                           severity=rng.randint(3, 5)))
            elif roll < 0.19:
                symptoms.append(fc.Symptom(fc.SymptomKind.IRRITATION,
                                           fc.Location.BALL_OF_FOOT,
                                           severity=rng.randint(3, 6), days=rng.randint(0, 3)))
            elif roll < 0.193:
                symptoms.append(fc.Symptom(fc.SymptomKind.SHARP_PAIN, fc.Location.ARCH,
                                           severity=rng.randint(5, 8)))
                clearance_due = day + timedelta(days=7)
            if rng.random() < 0.04:
                compensations.append(fc.Compensation(rng.choice(
                    (fc.CompensationKind.TOE_GRIPPING, fc.CompensationKind.ARCH_COLLAPSE))))
            measured = rng.random() < 0.3
            metrics = fc.Metrics(
                balance_eyes_open_s=round(balance_open, 1) if measured else None,
                balance_eyes_closed_s=round(balance_closed, 1) if measured else None,
                foot_fatigue=float(rng.randint(0, 5)) if rng.random() < 0.5 else None)
            cleared = clearance_due is not None and day >= clearance_due
            if cleared:
                clearance_due = None
            checkins.append(fc.CheckIn(
                on=day, completed=done, minutes=rng.randint(15, 20) if done else 0,
                symptoms=tuple(symptoms), compensations=tuple(compensations),
                metrics=metrics, clinician_cleared=cleared))
    return profile, checkins


def athletes(fc: Any, count: int, seed: int = 0) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """``count`` athletes drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    for number in range(count):
        yield athlete(rng, fc, number)


def inputs(fc: Any, engine: Any, count: int, seed: int = 0) -> list[tuple[Any, Any]]:
    """The (state, check-in) pairs the first ``count`` athletes' trajectories visit under
    ``engine``: each state is the one the engine's previous decision left."""
    pairs = []
    for profile, checkins in athletes(fc, count, seed):
        profile = dict(profile)
        state = engine.new_athlete(profile.pop("athlete_id"), **profile)
        for checkin in checkins:
            pairs.append((state, checkin))
            state = engine.evaluate(state, checkin).state
    return pairs
