"""Hypothesis strategies for what an athlete reports, for property-testing rulebooks: check-ins
and their symptoms, compensations and metrics; the rulebook's exercises and doses; and the
focus arguments and dates every strategy shares. Athletes' states, (state, check-in)
inputs, plans and decisions are drawn in :mod:`footcore.testing._state_strategies`.

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

from .._enums import Category, CompensationKind, Location, Observation, SymptomKind
from .._models import CheckIn, Compensation, Dose, Exercise, Metrics, Symptom
from .._rulebook import Rulebook
from ..analysis._spec import HOTSPOTS, LASTING_KINDS, PAIN_KINDS, param, param_or
from ._requiring import counted, kinds_required, measured_names

__all__ = [
    "EPOCH",
    "TODAY",
    "backoff_symptoms",
    "checkins",
    "compensations",
    "doses",
    "edge_symptoms",
    "exercises",
    "metrics",
    "mild_checkins",
    "pain_symptoms",
    "symptoms",
]

EPOCH = date(2026, 1, 5)
TODAY = EPOCH + timedelta(days=200)

T = TypeVar("T")
Focus: TypeAlias = T | st.SearchStrategy[T] | None


def focus(value: Focus[T], default: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
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
        kind=focus(kinds, st.sampled_from(SymptomKind)),
        location=focus(locations, st.sampled_from(Location)),
        severity=focus(severity, st.integers(0, 10)),
        days=focus(days, st.integers(0, 21)),
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
        focus(kinds, st.sampled_from(SymptomKind)), severities,
        st.sampled_from(sorted(HOTSPOTS)) | st.sampled_from(Location),
        focus(days, _near(lasting, 0, 21)))


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
        kind=focus(kinds, st.sampled_from(CompensationKind)),
        exercise=focus(exercise, default),
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

# What a check-in reports noticing at the awareness rung (P1), and so what that rung found.
OBSERVATIONS = st.sampled_from([(), *((o,) for o in Observation), tuple(Observation)])


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
            an unknown metric), or a count or ``measured`` is of the wrong type.

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
        on=focus(on, st.dates(TODAY, TODAY + timedelta(days=30))),
        completed=focus(completed, st.booleans()),
        minutes=focus(minutes, st.integers(0, 30)),
        symptoms=symptom_lists.map(tuple),
        compensations=st.lists(drawn, min_size=min_compensations,
                               max_size=max_compensations).map(tuple),
        metrics=metrics,
        clinician_cleared=focus(cleared, st.booleans()),
        observations=OBSERVATIONS,
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
        rulebook, on=focus(on, st.dates(TODAY, TODAY + timedelta(days=3))), completed=True,
        minutes=st.integers(15, 30), symptom=mild, max_symptoms=2,
        compensation=st.nothing(), max_compensations=0, metrics=metrics, cleared=False,
    )
    return _mild(base, compensations(rulebook))


# ---------------------------------------------------------------- catalogue


def exercises(rulebook: Rulebook, *, category: Focus[Category] = None
              ) -> st.SearchStrategy[Exercise]:
    """Exercises of the rulebook's catalogue, optionally of one category.

    Requires hypothesis.
    """
    catalogue = sorted(rulebook.exercises.values(), key=lambda e: e.id)
    if category is None:
        return st.sampled_from(catalogue)
    return focus(category, st.sampled_from(Category)).flatmap(
        lambda c: st.sampled_from([e for e in catalogue if e.category is c] or catalogue))


def doses() -> st.SearchStrategy[Dose]:
    """Doses: sets, reps, hold seconds and a resistance. Requires hypothesis."""
    return st.builds(Dose, sets=st.integers(1, 5), reps=st.integers(1, 30),
                     hold_s=st.integers(0, 60),
                     resistance=st.sampled_from(["none", "light band", "medium band"]))
