"""Boundary cases: (state, check-in) pairs built from a rulebook's thresholds, one step
either side of each, for every trigger of the article's table and every rise criterion.

Requires hypothesis (as all of :mod:`footcore.testing`), though this module does not
import it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import attrs

from .._enums import Action, BackOff, Category, CompensationKind, Goal, Location, SymptomKind
from .._models import AthleteState, CheckIn, Compensation, Metrics, Symptom
from .._rulebook import Rulebook, Stage
from ..analysis._plans import plans
from ..analysis._spec import HOTSPOTS, SINGLE_LEG_FAULTS, criteria, param_or, passing_metrics
from ._strategies import TODAY

__all__ = ["boundary_cases"]

Case = tuple[AthleteState, CheckIn]


@attrs.frozen
class _Numbers:
    window: int
    needed: int
    progress: int
    advance: int
    days: int
    lasting: int
    short: int
    long: int
    tired: float

    @classmethod
    def of(cls, rulebook: Rulebook) -> _Numbers:
        def whole(name: str, default: int) -> int:
            return int(param_or(rulebook, name, default))

        return cls(rulebook.whole("window_days"), whole("min_sessions_in_window", 4),
                   whole("progress_clean_streak", 2), whole("advance_clean_streak", 3),
                   whole("min_days_per_step", 7), whole("persistent_symptom_days", 5),
                   whole("short_layoff_days", 7), whole("long_layoff_days", 22),
                   param_or(rulebook, "fatigue_hold_min", 6))


def _generous(rulebook: Rulebook) -> dict[str, float | None]:
    """Metrics that meet the rise criteria of every stage at once."""
    values: dict[str, float | None] = {}
    for stage in rulebook.stages:
        for field, value in passing_metrics(rulebook, stage.id).items():
            if value is not None:
                values[field] = max(values.get(field) or value, value)
            else:
                values.setdefault(field, None)
    return values


def _metrics(rulebook: Rulebook, stage: Stage, **override: float | None) -> Metrics:
    """Metrics meeting every stage's criteria, and this stage's exactly at threshold: so a
    rule of another stage that fired here would show."""
    values = _generous(rulebook)
    values.update({k: v for k, v in passing_metrics(rulebook, stage.id).items()
                   if v is not None})
    values.update(override)
    return Metrics(**values)


def _ready(rulebook: Rulebook, n: _Numbers, stage: Stage, dose: int, *,
           goal: Goal = Goal.RUNNER, history: bool = False, cleared: bool = False,
           window_short: int = 0, streak_short: int = 0, days_short: int = 0,
           gap: int = 2, metrics: Metrics | None = None) -> AthleteState:
    """A state that one clean session on ``TODAY`` makes exactly ready to rise, less the
    shortfalls asked for (one session, one clean session, one day short...)."""
    today = TODAY
    last = today - timedelta(days=gap)
    top = dose >= len(stage.steps) - 1
    before = max(n.needed - 1 - window_short, 0)
    recent = sorted(d for d in (last - timedelta(days=2 * i) for i in range(before))
                    if d > today - timedelta(days=n.window))
    streak = max((n.advance if top else n.progress) - 1 - streak_short, 0)
    return AthleteState(
        athlete_id="edge", goal=goal, stage=stage.id, dose_level=dose,
        started_on=today - timedelta(days=max(n.long, n.window, n.days) * 3),
        rulebook_digest=rulebook.digest, prior_foot_ankle_problems=history,
        clinician_cleared=cleared, last_change_on=today - timedelta(days=n.days - days_short),
        last_checkin_on=last, last_session_on=last, recent_sessions=tuple(recent),
        consecutive_completed=len(recent), clean_streak=streak,
        metrics=metrics if metrics is not None else _metrics(rulebook, stage))


def _session(on: date = TODAY, **changes: Any) -> CheckIn:
    return attrs.evolve(CheckIn(on=on, completed=True, minutes=18), **changes)


def _rises(rulebook: Rulebook, n: _Numbers) -> Iterator[Case]:
    for stage in rulebook.stages:
        for dose in sorted({0, len(stage.steps) - 1}):
            checkin = _session()
            yield _ready(rulebook, n, stage, dose), checkin
            # one session, one clean session, one day short
            yield _ready(rulebook, n, stage, dose, window_short=1), checkin
            yield _ready(rulebook, n, stage, dose, streak_short=1), checkin
            yield _ready(rulebook, n, stage, dose, days_short=1), checkin
            # below the top dose with a streak long enough to move up a rung
            yield _ready(rulebook, n, stage, dose, streak_short=n.progress - n.advance), checkin
            # a missed session, by an athlete ready even without it
            yield (_ready(rulebook, n, stage, dose, window_short=-1, streak_short=-1),
                   _session(completed=False, minutes=0))
            # a minute short of a session that counts, and exactly long enough (P2, P6), by
            # an athlete ready with it and by one ready even without it
            least = int(param_or(rulebook, "session_counts_min_minutes", 0))
            for minutes, spare in itertools.product(sorted({least - 1, least} - {-1, 0}),
                                                    (0, -1)):
                yield (_ready(rulebook, n, stage, dose, window_short=spare,
                              streak_short=spare), _session(minutes=minutes))
            # a forefoot a hundredth under even enough, and at it (P7, P11)
            uneven = param_or(rulebook, "forefoot_symmetry_min", 0.0)
            if uneven > 0:
                for symmetry in (round(uneven - 0.01, 2), uneven):
                    metrics = _metrics(rulebook, stage, forefoot_symmetry=symmetry)
                    yield _ready(rulebook, n, stage, dose, metrics=metrics), _session(
                        metrics=metrics)
            passing = passing_metrics(rulebook, stage.id)
            for field, value in passing.items():
                if value is None:
                    continue
                # not measured, or a hundredth either side of the threshold
                for near in (None, round(value - 0.01, 2), round(value + 0.01, 2)):
                    metrics = _metrics(rulebook, stage, **{field: near})
                    yield _ready(rulebook, n, stage, dose, metrics=metrics), _session(
                        metrics=metrics)
    # the clearance gate of athletes with a history (P10)
    for stage, following in itertools.pairwise(rulebook.stages):
        if not following.needs_clearance_with_history:
            continue
        for dose in sorted({0, len(stage.steps) - 1}):  # below the top dose it is open
            for cleared, today in itertools.product((False, True), repeat=2):
                yield (_ready(rulebook, n, stage, dose, history=True, cleared=cleared),
                       _session(clinician_cleared=today))


def _bases(rulebook: Rulebook, n: _Numbers) -> list[AthleteState]:
    """Two athletes ready to rise: one to raise the dose, one to move up a rung."""
    stages = list(rulebook.stages)
    dosed = next((s for s in stages if len(s.steps) > 1), stages[0])
    gated = [s for s in stages[:-1] if criteria(rulebook, Action.ADVANCE, s.id)]
    rung = max(gated or stages[:1], key=lambda s: sum(
        v is not None for v in passing_metrics(rulebook, s.id).values()))
    return [_ready(rulebook, n, dosed, 0, goal=Goal.STRENGTH),
            _ready(rulebook, n, rung, len(rung.steps) - 1)]


def _triggers(rulebook: Rulebook, n: _Numbers, base: AthleteState) -> Iterator[Case]:
    thresholds = {SymptomKind.STIFFNESS: "stiffness_deload_min",
                  SymptomKind.IRRITATION: "irritation_rest_min",
                  SymptomKind.SORENESS: "soreness_hold_min",
                  SymptomKind.FATIGUE: "fatigue_hold_min"}
    away = next(loc for loc in Location if loc not in HOTSPOTS)
    for kind in SymptomKind:
        at = int(param_or(rulebook, thresholds.get(kind, ""), 5))
        places = list(Location) if kind is SymptomKind.IRRITATION else [Location.ARCH, away]
        for location in places:
            for severity in sorted({min(max(v, 0), 10) for v in (at - 1, at, at + 1)}):
                yield base, _session(symptoms=(Symptom(kind, location, severity),))
            for days in (n.lasting - 1, n.lasting):
                yield base, _session(symptoms=(Symptom(kind, location, 1, max(days, 0)),))
    for fault, exercise in itertools.product(CompensationKind, _exercise_kinds(rulebook)):
        yield base, _session(compensations=(Compensation(fault, exercise),))
    for fatigue in (round(n.tired - 0.01, 2), n.tired):
        yield base, _session(metrics=attrs.evolve(base.metrics, foot_fatigue=fatigue))
    least = int(param_or(rulebook, "session_counts_min_minutes", 0))
    for gap, done in itertools.product(sorted({n.short - 1, n.short, n.long - 1, n.long}),
                                       (True, False)):
        last = TODAY - timedelta(days=gap)
        laid_off = attrs.evolve(base, last_session_on=last, last_checkin_on=last,
                                recent_sessions=tuple(d for d in base.recent_sessions
                                                      if d <= last))
        yield laid_off, _session(completed=done, minutes=18 if done else 0)
        if done and least > 1:  # a short session neither ends a layoff nor backs off
            yield laid_off, _session(minutes=least - 1)
    for backoff, ends in itertools.product((BackOff.DELOAD, BackOff.REST), (0, 1)):
        yield (attrs.evolve(base, backoff=backoff, backoff_until=TODAY + timedelta(days=ends)),
               _session())
    for cleared, pain in itertools.product((False, True), repeat=2):
        symptoms = (Symptom(SymptomKind.SHARP_PAIN, Location.HEEL, 2),) if pain else ()
        yield (attrs.evolve(base, paused=True),
               _session(clinician_cleared=cleared, symptoms=symptoms))


def _exercise_kinds(rulebook: Rulebook) -> list[str | None]:
    """An exercise of each kind (hops or not, single-leg or not), and None: none named."""
    catalogue = sorted(rulebook.exercises.values(), key=lambda e: e.id)
    picks = [None] + [next((e.id for e in catalogue
                            if (e.category is Category.PLYOMETRIC) == hops
                            and e.unilateral == single), None)
                      for hops, single in itertools.product((True, False), repeat=2)]
    return list(dict.fromkeys(picks))


def _week_doses(rulebook: Rulebook, stage: Stage, goal: Goal) -> list[int]:
    """Dose step 0, and each step at which the week (normal, or of rest days) gains or loses
    single-leg work or hops (as an item gated on dose steps may make it)."""
    weeks = list(zip(*(plans(rulebook).single_leg(stage.id, goal, False, backoff, False)
                       for backoff in (BackOff.NONE, BackOff.REST)), strict=True))
    return [level for level, week in enumerate(weeks) if not level or week != weeks[level - 1]]


def _weeks(rulebook: Rulebook, n: _Numbers) -> Iterator[Case]:
    """A knee or hip compensation in each kind of exercise and in none named, on every stage
    and goal, in a normal week and a week of rest days (which keeps fewer sessions, and may
    keep no single-leg work), at each dose step where that week changes."""
    faults = sorted(SINGLE_LEG_FAULTS, key=lambda kind: kind.value)
    picks = _exercise_kinds(rulebook)
    for stage, goal, kind in itertools.product(rulebook.stages, Goal, faults):
        for dose in _week_doses(rulebook, stage, goal):
            base = _ready(rulebook, n, stage, dose, goal=goal)
            rest = attrs.evolve(base, backoff=BackOff.REST,
                                backoff_until=TODAY + timedelta(days=1))
            for state, exercise in itertools.product((base, rest), picks):
                yield state, _session(compensations=(Compensation(kind, exercise),))


def _pairs(rulebook: Rulebook, n: _Numbers, base: AthleteState) -> Iterator[Case]:
    """Two triggers of different responses at once: the more cautious one must win."""
    stiff = int(param_or(rulebook, "stiffness_deload_min", 3))
    rest = int(param_or(rulebook, "irritation_rest_min", 4))
    sore = int(param_or(rulebook, "soreness_hold_min", 5))
    hop = next((e.id for e in sorted(rulebook.exercises.values(), key=lambda e: e.id)
                if e.category is Category.PLYOMETRIC), None)
    last = TODAY - timedelta(days=n.long)
    prototypes: list[tuple[tuple[Symptom, ...], tuple[Compensation, ...], bool]] = [
        ((Symptom(SymptomKind.SHARP_PAIN, Location.HEEL, 3),), (), False),
        ((), (Compensation(CompensationKind.KNEE_VALGUS, hop),) if hop else (), False),
        ((), (), True),  # a long layoff
        ((Symptom(SymptomKind.IRRITATION, Location.TOES, min(rest, 10)),), (), False),
        ((Symptom(SymptomKind.STIFFNESS, Location.ARCH, min(stiff, 10)),), (), False),
        ((Symptom(SymptomKind.SORENESS, Location.ARCH, min(sore, 10)),), (), False),
    ]
    for (s1, c1, l1), (s2, c2, l2) in itertools.combinations(prototypes, 2):
        state = base
        if l1 or l2:
            state = attrs.evolve(base, last_session_on=last, last_checkin_on=last,
                                 recent_sessions=())
        yield state, _session(symptoms=s1 + s2, compensations=c1 + c2)


def boundary_cases(rulebook: Rulebook) -> list[Case]:
    """Deterministic (state, check-in) pairs at the rulebook's thresholds.

    For every stage and its first and top dose: an athlete exactly ready to rise after one
    clean session, and the same athlete one session, one clean session, one day or one
    metric step short; the clearance gate of athletes with a history. For two ready
    athletes: every symptom kind in and out of the forefoot hotspots at its threshold and a
    step either side, and at and a day below ``persistent_symptom_days``; every
    compensation kind in a hop, a single-leg and a two-footed exercise and in none named;
    a knee or hip compensation in each kind of exercise and in none named, on every stage
    and goal, in a normal week and in a week of rest days;
    foot fatigue at its threshold; layoffs a day either side of both layoff thresholds;
    back-off windows open and just ended; a pause with and without clearance and pain;
    every pair of triggers of different responses. Where the rulebook lacks a threshold,
    footcore's default stands in.

    Requires hypothesis.
    """
    n = _Numbers.of(rulebook)
    cases = list(_rises(rulebook, n))
    cases.extend(_weeks(rulebook, n))
    for base in _bases(rulebook, n):
        cases.extend(_triggers(rulebook, n, base))
        cases.extend(_pairs(rulebook, n, base))
    return cases
