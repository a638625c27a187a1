"""What the invariant checks read from a rulebook: its thresholds by name, and the metric
criteria of its progression rules.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import attrs

from .._conditions import FACT_FIELDS, FactType, Op, Scalar, Test
from .._enums import RULE_ACTIONS, Action, Category, CompensationKind, Location, SymptomKind
from .._models import Compensation, Symptom
from .._rulebook import Rulebook, Stage
from ._violations import MissingParam

__all__ = [
    "CAUTION",
    "HOTSPOTS",
    "LASTING_KINDS",
    "PAIN_KINDS",
    "PARAMS",
    "SINGLE_LEG_FAULTS",
    "Criterion",
    "backoff_compensation",
    "backoff_symptom",
    "caution",
    "criteria",
    "pain_sign",
    "param",
    "param_or",
]

# The order of caution the kit checks against, whatever precedence a rulebook states:
# a rulebook that lets PROGRESS beat HOLD is exactly what the invariants must catch.
CAUTION: tuple[Action, ...] = RULE_ACTIONS  # ADVANCE (least cautious) ... PAUSE (most)

PAIN_KINDS = frozenset({SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN})
# P10: irritation "behind the ball of the foot, under the arch, near the toes".
HOTSPOTS = frozenset({Location.BALL_OF_FOOT, Location.ARCH, Location.TOES,
                      Location.PLANTAR_FASCIA})
# Symptoms that count as persisting pain (P10) once they last persistent_symptom_days.
LASTING_KINDS = frozenset({SymptomKind.IRRITATION, SymptomKind.SORENESS, SymptomKind.STIFFNESS})
# P8: the knee caving in or the hip dropping.
SINGLE_LEG_FAULTS = frozenset({CompensationKind.KNEE_VALGUS, CompensationKind.HIP_ADDUCTION})

# Every parameter a check reads, and what it means in training terms.
PARAMS: Mapping[str, str] = {
    "persistent_symptom_days": "days after which irritation, soreness or stiffness counts as "
                               "persisting pain and pauses training (P10)",
    "irritation_rest_min": "irritation severity in a forefoot hotspot from which rest days "
                           "replace a deload (P10)",
    "stiffness_deload_min": "stiffness severity from which P9's deload applies",
    "soreness_hold_min": "soreness severity from which the dose stops rising (P10)",
    "fatigue_hold_min": "foot fatigue from which progression holds (P11)",
    "short_layoff_days": "days without a session after which the return is a deload",
    "long_layoff_days": "days without a session after which the return is a rung lower",
    "min_sessions_in_window": "sessions needed in the recent window before any rise (P2, P3)",
    "progress_clean_streak": "clean sessions in a row needed to raise the dose",
    "advance_clean_streak": "clean sessions in a row needed to move up a rung",
    "min_days_per_step": "days at a dose before it may rise again (at most a step a week)",
    "session_counts_min_minutes": "minutes a done session needs to count (P2, P6); shorter "
                                  "ones neither count nor miss",
    "forefoot_symmetry_min": "forefoot pressure symmetry under which the rung change holds "
                             "at the top dose (P7, P11)",
    "window_days": "length of the recent window sessions are counted in",
    "sessions_per_week": "sessions planned in a normal week (P6)",
    "session_min_minutes": "shortest planned session (P6)",
    "session_max_minutes": "longest planned session (P6)",
    "rest_sessions_per_week": "sessions kept in a week of rest days (P10)",
    "deload_days": "length of a deload window (P9)",
    "rest_days": "length of a rest window (P10)",
}


def caution(action: Action) -> int:
    """How cautious ``action`` is: 0 for ADVANCE up to 6 for PAUSE."""
    return CAUTION.index(action)


def param(rulebook: Rulebook, name: str, invariant: str) -> float:
    """The value of ``name`` in ``rulebook``.

    Raises:
        MissingParam: the rulebook does not define it; the message names ``invariant``.
    """
    found = rulebook.params.get(name)
    if found is None:
        raise MissingParam(invariant, name, PARAMS.get(name, "a threshold"), rulebook)
    return found.value


def param_or(rulebook: Rulebook, name: str, default: float) -> float:
    """The value of ``name`` in ``rulebook``, or ``default`` where it has none."""
    found = rulebook.params.get(name)
    return default if found is None else found.value


def pain_sign(spec: Rulebook, symptom: Symptom, invariant: str) -> bool:
    """Sharp or persistent pain, or irritation, soreness or stiffness that has lasted
    ``persistent_symptom_days`` of ``spec`` (P10): what must pause training.

    Raises:
        MissingParam: ``spec`` lacks the parameter; the message names ``invariant``.
    """
    return symptom.kind in PAIN_KINDS or (
        symptom.kind in LASTING_KINDS
        and symptom.days >= param(spec, "persistent_symptom_days", invariant))


def backoff_symptom(spec: Rulebook, symptom: Symptom, invariant: str) -> bool:
    """A symptom that calls for a back-off at the thresholds of ``spec`` (P9, P10): a pain
    sign, stiffness from ``stiffness_deload_min``, or irritation in a forefoot hotspot.

    Raises:
        MissingParam: ``spec`` lacks a parameter; the message names ``invariant``.
    """
    return (pain_sign(spec, symptom, invariant)
            or (symptom.kind is SymptomKind.STIFFNESS
                and symptom.severity >= param(spec, "stiffness_deload_min", invariant))
            or (symptom.kind is SymptomKind.IRRITATION and symptom.location in HOTSPOTS))


def backoff_compensation(spec: Rulebook, compensation: Compensation,
                         single_leg_week: Callable[[], bool]) -> bool:
    """A knee or hip compensation that calls for a back-off (P8): in a single-leg exercise
    or a hop of ``spec``'s catalogue, or in no exercise named while the week has single-leg
    work or hops (``single_leg_week`` says whether it does; it is asked only then)."""
    if compensation.kind not in SINGLE_LEG_FAULTS:
        return False
    exercise = spec.exercises.get(compensation.exercise) if compensation.exercise else None
    if exercise is not None:
        return exercise.unilateral or exercise.category is Category.PLYOMETRIC
    return single_leg_week()


@attrs.frozen
class Criterion:
    """A metric a progression rule compares: ``field op value`` (e.g. a balance time)."""

    field: str
    op: Op
    value: float

    def holds(self, fact: Mapping[str, Scalar]) -> bool:
        """Whether a check-in fact meets it (a metric not measured never does)."""
        guard = FACT_FIELDS[FactType.CHECKIN][self.field].guard
        measured = guard is None or bool(fact[guard])
        return measured and Test(self.field, self.op, self.value).holds(fact)


def _admits(tests: tuple[Test, ...], stage: Stage) -> bool:
    for test in tests:
        if test.field == "stage":
            holds = test.holds({"stage": stage.id})
            if not holds:
                return False
        if test.field == "stage_order" and not test.holds({"stage_order": stage.order}):
            return False
    return True


@functools.lru_cache(maxsize=256)
def criteria(rulebook: Rulebook, action: Action, stage_id: str
             ) -> tuple[tuple[Criterion, ...], ...]:
    """The metric criteria of each ``action`` rule on check-in facts that can fire in the
    stage: one tuple per rule (a rule fires when all of its criteria hold)."""
    stage = rulebook.stage(stage_id)
    fields = FACT_FIELDS[FactType.CHECKIN]
    found = []
    for rule in rulebook.compiled:
        if rule.action is not action or rule.fact is not FactType.CHECKIN:
            continue
        if not _admits(rule.tests, stage):
            continue
        found.append(tuple(
            Criterion(t.field, t.op, float(t.value))
            for t in rule.tests
            if fields[t.field].guard is not None and isinstance(t.value, int | float)))
    return tuple(found)


_RANGES = {"balance_eyes_open_s": (0.0, 3600.0), "balance_eyes_closed_s": (0.0, 3600.0),
           "forefoot_symmetry": (0.0, 1.0), "foot_fatigue": (0.0, 10.0)}


def passing_value(criteria_: tuple[Criterion, ...], field: str) -> float | None:
    """The value of ``field`` closest to the thresholds that meets every criterion on it
    (exactly at a ``ge`` or ``le`` threshold), or None when no criterion reads it."""
    on = [c for c in criteria_ if c.field == field]
    if not on:
        return None
    low, high = _RANGES[field]
    for c in on:
        if c.op is Op.GE:
            low = max(low, c.value)
        elif c.op is Op.GT:
            low = max(low, round(c.value + 0.01, 2))
        elif c.op is Op.LE:
            high = min(high, c.value)
        elif c.op is Op.LT:
            high = min(high, round(c.value - 0.01, 2))
        elif c.op is Op.EQ:
            low = high = c.value
    return low if any(c.op in (Op.GE, Op.GT, Op.EQ) for c in on) else high


def passing_metrics(rulebook: Rulebook, stage_id: str) -> Mapping[str, float | None]:
    """Metric values that meet the criteria of the rise rules (ADVANCE, else PROGRESS) of a
    stage, each as close to its threshold as it may be; fields no criterion reads are None."""
    found: tuple[Criterion, ...] = ()
    for action in (Action.ADVANCE, Action.PROGRESS):
        for rule in criteria(rulebook, action, stage_id):
            found += rule
    return {field: passing_value(found, field) for field in _RANGES}
