"""The condition language rules are written in, and the facts they read.

A rule matches one fact at a time. Each evaluation produces one ``checkin`` fact (the
athlete's state and the check-in, summarised), one ``symptom`` fact per reported symptom
and one ``compensation`` fact per reported compensation. Every fact carries every field of
its type, so no comparison ever meets a missing value; optional metrics come with a
``has_<metric>`` flag, and a condition on a metric is compiled with that flag as a guard,
so a metric that was not measured fails its criterion rather than passing it.

Both backends evaluate the same compiled form (:class:`Test`, :class:`CompiledRule`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs

from ._enums import Action, NamedEnum

__all__ = [
    "CONTEXT_FIELDS",
    "FACT_FIELDS",
    "FACT_TYPES",
    "MAX_SET_GROUPS",
    "CompiledRule",
    "FactType",
    "FieldSpec",
    "Match",
    "Op",
    "Scalar",
    "Test",
    "match_native",
]

Scalar = bool | int | float | str


class FactType(NamedEnum):
    """The kinds of fact a rule can match."""

    CHECKIN = "checkin"
    SYMPTOM = "symptom"
    COMPENSATION = "compensation"


FACT_TYPES: tuple[FactType, ...] = tuple(FactType)


class Op(NamedEnum):
    """Comparison operators a condition may use."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    NOT_IN = "not_in"


# A limit of durable_rules 2.0.28 that every rulebook keeps, so that a rule loads the same
# way on both backends: `in` conditions with several values in one rule (15 fail to
# compile). Its per-fact condition limit is the durable backend's alone (_durable.py).
MAX_SET_GROUPS = 14

ORDERING_OPS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
SET_OPS = frozenset({Op.IN, Op.NOT_IN})


@attrs.frozen
class FieldSpec:
    """The type of one fact field, and where its allowed values come from.

    ``domain`` names the set of allowed strings (``"stage"``, ``"exercise"`` or an enum's
    name); ``guard`` names the boolean field that says whether the value was measured.
    """

    type: type
    doc: str
    domain: str | None = None
    guard: str | None = None


def _f(kind: type, doc: str, domain: str | None = None, guard: str | None = None) -> FieldSpec:
    return FieldSpec(kind, doc, domain, guard)


_CONTEXT: dict[str, FieldSpec] = {
    "stage": _f(str, "id of the athlete's current stage", "stage"),
    "stage_order": _f(int, "position of the current stage on the ladder, 0 first"),
    "goal": _f(str, "the athlete's goal", "Goal"),
    "history": _f(bool, "the athlete has had foot or ankle problems before"),
    "cleared": _f(bool, "clinician clearance is on record (given since the last pause)"),
    "cleared_today": _f(bool, "this check-in brings clinician clearance"),
    "paused": _f(bool, "training is paused, waiting for clearance"),
}

CONTEXT_FIELDS = tuple(_CONTEXT)
"""The fields every fact carries: the athlete's stage, goal, history and clearance."""

FACT_FIELDS: Mapping[FactType, Mapping[str, FieldSpec]] = {
    FactType.CHECKIN: {
        **_CONTEXT,
        "dose_level": _f(int, "current dose step within the stage, 0 first"),
        "top_dose": _f(bool, "the dose is at the stage's last step"),
        "final_stage": _f(bool, "the stage is the last rung of the ladder"),
        "next_needs_clearance": _f(
            bool, "the next stage is gated on clearance for athletes with a history"),
        "deload_active": _f(bool, "a deload window is open on the check-in date"),
        "rest_active": _f(bool, "a rest window is open on the check-in date"),
        "backoff_ended": _f(bool, "a back-off window was open and has now ended"),
        "completed": _f(bool, "the session was done"),
        "minutes": _f(int, "minutes trained in the session (0: not reported)"),
        "short_session": _f(
            bool, "minutes were reported and fall under session_counts_min_minutes: a done "
                  "session that does not count (P2, P6)"),
        "sessions_in_window": _f(int, "sessions done in the recent window, this one included"),
        "consecutive_completed": _f(int, "sessions done in a row, this one included"),
        "consecutive_missed": _f(int, "sessions missed in a row, this one included"),
        "clean_streak": _f(int, "sessions in a row with no symptom above the clean limit"),
        "days_at_dose": _f(int, "days since the stage or dose last changed"),
        "days_since_last_checkin": _f(int, "days since the previous check-in (or the start)"),
        "days_since_last_session": _f(
            int, "days since the last session done before this one (or the start)"),
        "had_backoff": _f(bool, "a back-off has happened before"),
        "days_since_backoff": _f(int, "days since the last back-off (0 if none)"),
        "symptom_count": _f(int, "symptoms reported in this check-in"),
        "max_severity": _f(int, "highest symptom severity reported (0 if none)"),
        "pain_today": _f(bool, "sharp or persistent pain is reported"),
        "compensation_count": _f(int, "compensations reported in this check-in"),
        "has_balance_eyes_open": _f(bool, "an eyes-open balance time is on record"),
        "balance_eyes_open_s": _f(
            float, "latest single-leg balance time, eyes open, seconds",
            guard="has_balance_eyes_open"),
        "has_balance_eyes_closed": _f(bool, "an eyes-closed balance time is on record"),
        "balance_eyes_closed_s": _f(
            float, "latest single-leg balance time, eyes closed, seconds",
            guard="has_balance_eyes_closed"),
        "has_forefoot_symmetry": _f(bool, "a forefoot pressure symmetry is on record"),
        "forefoot_symmetry": _f(
            float, "latest forefoot pressure symmetry, 0 to 1", guard="has_forefoot_symmetry"),
        "has_foot_fatigue": _f(bool, "foot fatigue after daily activity is reported"),
        "foot_fatigue": _f(
            float, "foot fatigue after daily activity, 0 to 10", guard="has_foot_fatigue"),
    },
    FactType.SYMPTOM: {
        **_CONTEXT,
        "kind": _f(str, "kind of symptom", "SymptomKind"),
        "location": _f(str, "where it is felt", "Location"),
        "severity": _f(int, "severity 0 to 10"),
        "days": _f(int, "days it has lasted"),
    },
    FactType.COMPENSATION: {
        **_CONTEXT,
        "kind": _f(str, "kind of compensation", "CompensationKind"),
        "exercise": _f(str, "exercise it was seen in ('' when not given)", "exercise"),
        "exercise_known": _f(bool, "the exercise was given"),
        "exercise_category": _f(
            str, "category of that exercise ('' when not given)", "Category"),
        "exercise_unilateral": _f(bool, "that exercise is single-leg"),
        "week_single_leg": _f(
            bool, "the athlete's stage plans single-leg work or hops this week (the sessions "
            "a rest window drops included)"),
    },
}


@attrs.frozen
class Test:
    """One comparison of a fact field against a constant (params already resolved)."""

    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...]

    def holds(self, fact: Mapping[str, Scalar]) -> bool:
        """Evaluate this test on one fact."""
        actual = fact[self.field]
        value = self.value
        match self.op:
            case Op.EQ:
                return actual == value
            case Op.NE:
                return actual != value
            case Op.LT:
                return actual < value  # type: ignore[operator]
            case Op.LE:
                return actual <= value  # type: ignore[operator]
            case Op.GT:
                return actual > value  # type: ignore[operator]
            case Op.GE:
                return actual >= value  # type: ignore[operator]
            case Op.IN:
                return actual in value  # type: ignore[operator]
            case Op.NOT_IN:
                return actual not in value  # type: ignore[operator]
        raise AssertionError(self.op)  # pragma: no cover


@attrs.frozen
class CompiledRule:
    """A rule ready for a backend: its fact type and the tests that must all hold."""

    id: str
    action: Action
    fact: FactType
    tests: tuple[Test, ...]


@attrs.frozen(order=True)
class Match:
    """One firing as a backend reports it: rule ``rule`` matched fact ``index`` of its type."""

    rule: int
    index: int


Facts = Mapping[FactType, Sequence[Mapping[str, Scalar]]]


def match_native(rules: Sequence[CompiledRule], facts: Facts) -> frozenset[Match]:
    """Fire ``rules`` on ``facts`` in plain Python: the reference semantics."""
    return frozenset(
        Match(number, index)
        for number, rule in enumerate(rules)
        for index, fact in enumerate(facts.get(rule.fact, ()))
        if all(test.holds(fact) for test in rule.tests)
    )


def check_fact(fact_type: FactType, fact: Mapping[str, Scalar]) -> None:
    """Assert that a fact carries exactly its type's fields, with finite values of their types."""
    spec = FACT_FIELDS[fact_type]
    if set(fact) != set(spec):
        raise AssertionError(f"{fact_type} fact fields differ: {sorted(set(fact) ^ set(spec))}")
    for name, field in spec.items():
        value = fact[name]
        if field.type is float:
            ok = isinstance(value, float) and math.isfinite(value)
        elif field.type is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, field.type)
        if not ok:
            raise AssertionError(f"{fact_type}.{name} = {value!r} is not a {field.type.__name__}")
