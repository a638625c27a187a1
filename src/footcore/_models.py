"""The domain models: what an app hands to the engine and what it gets back.

All models are frozen, slotted attrs classes with validators
(:mod:`footcore._validators`), so an invalid value is rejected where it is made, with an
:class:`InputError` naming the field.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import NoReturn

import attrs

from ._conditions import FACT_FIELDS, FactType
from ._enums import (
    ENGINE_ACTIONS,
    REASONS,
    RULE_ACTIONS,
    Action,
    BackOff,
    Category,
    ChangeKind,
    CompensationKind,
    Goal,
    Location,
    Observation,
    Role,
    Surface,
    SymptomKind,
)
from ._errors import InputError
from ._limits import check_fields
from ._validators import (
    as_tuple,
    day,
    flag,
    float_or_none,
    instance_of,
    int_range,
    member_of,
    one_of,
    opt_day,
    opt_number,
    opt_text,
    opt_words,
    sha256,
    text,
    to_athlete_id,
    to_awareness,
    to_back_off,
    to_category,
    to_change_by,
    to_change_kind,
    to_checkin_id,
    to_compensation_kind,
    to_goal,
    to_goals,
    to_location,
    to_observations,
    to_plan_athlete_id,
    to_ref_id,
    to_role,
    to_surface,
    to_symptom_kind,
    tuple_of,
)

__all__ = [
    "AthleteState",
    "Change",
    "CheckIn",
    "CheckInRef",
    "Compensation",
    "Decision",
    "Dose",
    "Exercise",
    "Firing",
    "Metrics",
    "ParamUse",
    "PlanItem",
    "RulebookRef",
    "Session",
    "Symptom",
    "Unmet",
    "WeekPlan",
    "WhyNot",
]



CONDITION_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
"""The comparisons a rule's condition may make (``footcore._conditions.Op``)."""


# ---------------------------------------------------------------- check-in


@attrs.frozen(field_transformer=check_fields)
class Symptom:
    """A symptom reported at a check-in (P9, P10)."""

    kind: SymptomKind = attrs.field(
        converter=to_symptom_kind, validator=member_of(SymptomKind))
    location: Location = attrs.field(converter=to_location, validator=member_of(Location))
    severity: int = attrs.field(validator=int_range(0, 10))
    days: int = attrs.field(default=0, validator=int_range(0))


@attrs.frozen(field_transformer=check_fields)
class Compensation:
    """A compensation seen during an exercise (P1, P3, P8)."""

    kind: CompensationKind = attrs.field(
        converter=to_compensation_kind, validator=member_of(CompensationKind))
    exercise: str | None = attrs.field(default=None, validator=opt_text)


@attrs.frozen(field_transformer=check_fields)
class Metrics:
    """The tracking metrics of P11; each is optional, and missing means not measured."""

    balance_eyes_open_s: float | None = attrs.field(
        default=None, converter=float_or_none, validator=opt_number(0))
    balance_eyes_closed_s: float | None = attrs.field(
        default=None, converter=float_or_none, validator=opt_number(0))
    forefoot_symmetry: float | None = attrs.field(
        default=None, converter=float_or_none, validator=opt_number(0, 1))
    foot_fatigue: float | None = attrs.field(
        default=None, converter=float_or_none, validator=opt_number(0, 10))


@attrs.frozen(field_transformer=check_fields)
class CheckIn:
    """What the athlete reports after a planned session, done or missed.

    ``minutes`` is how long the session lasted, 0 when not reported (every done session
    then counts). A done session under the rulebook's ``session_counts_min_minutes`` is
    done-but-short: no session and no miss (P2, P6).
    """

    on: date = attrs.field(validator=day)
    completed: bool = attrs.field(validator=flag)
    minutes: int = attrs.field(default=0, validator=int_range(0, 600))
    symptoms: tuple[Symptom, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(Symptom, "Symptom"))
    compensations: tuple[Compensation, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(Compensation, "Compensation"))
    metrics: Metrics = attrs.field(factory=Metrics, validator=instance_of(Metrics, "a Metrics"))
    clinician_cleared: bool = attrs.field(default=False, validator=flag)
    id: str | None = attrs.field(default=None, converter=to_checkin_id)
    """The app's own name for this check-in, so a retry of it can be recognised."""
    observations: tuple[Observation, ...] = attrs.field(
        default=(), converter=to_observations,
        validator=tuple_of(Observation, "Observation values"))
    """What the athlete noticed of their feet at the awareness rung (P1): not faults, so
    no rule holds on them; the engine records them in :attr:`AthleteState.awareness`."""


@attrs.frozen(field_transformer=check_fields)
class CheckInRef:
    """A check-in the athlete's state remembers by its id, with its date."""

    id: str = attrs.field(converter=to_ref_id)
    on: date = attrs.field(validator=day)


# ---------------------------------------------------------------- athlete


@attrs.frozen(field_transformer=check_fields)
class AthleteState:
    """Everything the engine remembers about one athlete between check-ins.

    Made by :meth:`Engine.new_athlete` and returned, updated, in every :class:`Decision`.
    """

    athlete_id: str = attrs.field(converter=to_athlete_id)
    goal: Goal = attrs.field(converter=to_goal, validator=member_of(Goal))
    stage: str = attrs.field(validator=text)
    dose_level: int = attrs.field(validator=int_range(0))
    started_on: date = attrs.field(validator=day)
    rulebook_digest: str = attrs.field(validator=sha256)
    prior_foot_ankle_problems: bool = attrs.field(default=False, validator=flag)
    clinician_cleared: bool = attrs.field(default=False, validator=flag)
    paused: bool = attrs.field(default=False, validator=flag)
    backoff: BackOff = attrs.field(
        default=BackOff.NONE, converter=to_back_off, validator=member_of(BackOff))
    backoff_until: date | None = attrs.field(default=None, validator=opt_day)
    last_backoff_on: date | None = attrs.field(default=None, validator=opt_day)
    last_change_on: date | None = attrs.field(default=None, validator=opt_day)
    last_checkin_on: date | None = attrs.field(default=None, validator=opt_day)
    last_session_on: date | None = attrs.field(default=None, validator=opt_day)
    recent_sessions: tuple[date, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(date, "dates"))
    consecutive_completed: int = attrs.field(default=0, validator=int_range(0))
    consecutive_missed: int = attrs.field(default=0, validator=int_range(0))
    clean_streak: int = attrs.field(default=0, validator=int_range(0))
    metrics: Metrics = attrs.field(factory=Metrics, validator=instance_of(Metrics, "a Metrics"))
    recent_checkins: tuple[CheckInRef, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(CheckInRef, "CheckInRef"))
    awareness: tuple[Observation, ...] = attrs.field(
        default=(), converter=to_awareness,
        validator=tuple_of(Observation, "Observation values"))
    """What the awareness rung found (P1): flattening, over-gripping, both, or nothing yet
    (empty); it shapes the activation emphasis of the rungs that follow."""

    def __attrs_post_init__(self) -> None:
        if (self.backoff is BackOff.NONE) != (self.backoff_until is None):
            raise InputError(
                "AthleteState.backoff_until: must be a date exactly when backoff is "
                f"'deload' or 'rest'; got backoff={self.backoff.value!r}, "
                f"backoff_until={self.backoff_until!r}")
        _check_dates(self)


def _check_dates(state: AthleteState) -> None:
    """The dates of a state come in the order the engine writes them: nothing before the
    start, no session after the last check-in, recent sessions and check-ins in order."""
    start, last = state.started_on, state.last_checkin_on
    for name in ("backoff_until", "last_backoff_on", "last_change_on", "last_checkin_on",
                 "last_session_on"):
        value = getattr(state, name)
        if value is not None and value < start:
            raise InputError(f"AthleteState.{name}: got {value}; accepted: a date on or after "
                             f"started_on, {start}")
    session = state.last_session_on
    if session is not None and (last is None or session > last):
        raise InputError(f"AthleteState.last_session_on: got {session}; accepted: a date on "
                         f"or before last_checkin_on ({last}): a session is reported by a "
                         f"check-in")
    days = state.recent_sessions
    if days and (session is None or days[0] < start or days[-1] > session
                 or any(a >= b for a, b in itertools.pairwise(days))):
        raise InputError(f"AthleteState.recent_sessions: got {', '.join(map(str, days)):.200}; "
                         f"accepted: distinct dates in increasing order, from started_on "
                         f"({start}) to last_session_on ({session})")
    refs = state.recent_checkins
    if refs and (last is None or any(not start <= ref.on <= last for ref in refs)
                 or len({ref.id for ref in refs}) < len(refs)):
        raise InputError(f"AthleteState.recent_checkins: got {len(refs)} check-in(s); "
                         f"accepted: distinct ids, dated from started_on ({start}) to "
                         f"last_checkin_on ({last})")


# ---------------------------------------------------------------- plan


DOSE_FORMS = ("sets", "duration", "daily", "instruction")
"""How a dose is prescribed (P10, P11): see :class:`Dose`."""


@attrs.frozen(field_transformer=check_fields)
class Dose:
    """How much of an exercise, and how it is prescribed (``form``, P10, P11): sets of
    reps, a duration, times a day or a plain instruction.

    - ``sets``: ``sets`` x ``reps`` reps, each held ``hold_s`` seconds (0: not held);
    - ``duration``: ``sets`` bouts of ``hold_s`` seconds each (a walk, a stand), one rep;
    - ``daily``: ``sets`` times a day, each time ``reps`` reps held ``hold_s`` seconds (a
      habit: toe curls on work breaks);
    - ``instruction``: a plain instruction to follow every day, no count (wear shoes that
      let the toes spread): one set of one rep, not held.

    Plans written before the form existed read as ``sets``.
    """

    sets: int = attrs.field(validator=int_range(1, 20))
    reps: int = attrs.field(validator=int_range(1, 200))
    hold_s: int = attrs.field(default=0, validator=int_range(0, 3600))
    resistance: str = attrs.field(default="none", validator=text)
    form: str = attrs.field(default="sets", validator=one_of(*DOSE_FORMS))

    def __attrs_post_init__(self) -> None:
        if self.form == "duration" and (self.reps != 1 or not self.hold_s):
            raise InputError(f"Dose.form: a 'duration' is bouts of hold_s seconds, one rep "
                             f"each; got reps={self.reps}, hold_s={self.hold_s}")
        if self.form == "instruction" and (self.sets, self.reps, self.hold_s) != (1, 1, 0):
            raise InputError(f"Dose.form: an 'instruction' has no count (sets=1, reps=1, "
                             f"hold_s=0); got sets={self.sets}, reps={self.reps}, "
                             f"hold_s={self.hold_s}")


@attrs.frozen(field_transformer=check_fields)
class Exercise:
    """One exercise of the rulebook's catalogue."""

    id: str = attrs.field(validator=text)
    name: str = attrs.field(validator=text)
    category: Category = attrs.field(converter=to_category, validator=member_of(Category))
    loaded: bool = attrs.field(validator=flag)
    surface: Surface = attrs.field(converter=to_surface, validator=member_of(Surface))
    unilateral: bool = attrs.field(validator=flag)
    dose: Dose = attrs.field(validator=instance_of(Dose, "a Dose"))
    source: tuple[str, ...] = attrs.field(converter=as_tuple, validator=tuple_of(str, "strings"))
    cues: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(str, "strings"))
    resisted: bool = attrs.field(default=False, validator=flag)
    substitute: str | None = attrs.field(default=None, validator=opt_text)
    goals: tuple[Goal, ...] = attrs.field(
        default=(), converter=to_goals, validator=tuple_of(Goal, "Goal values"))
    """The goals whose own drill this is (P4); empty for work every goal does."""


@attrs.frozen(field_transformer=check_fields)
class PlanItem:
    """One exercise in a session or among the daily habits, with its dose and the coaching
    cues to read while doing it. ``exercise`` is the id a compensation report names."""

    exercise: str
    name: str
    category: Category
    loaded: bool
    dose: Dose
    cues: tuple[str, ...] = ()


@attrs.frozen(field_transformer=check_fields)
class Session:
    """One training block of the week (P6)."""

    focus: str
    minutes: int = attrs.field(validator=int_range(1, 600))
    items: tuple[PlanItem, ...]


@attrs.frozen(field_transformer=check_fields)
class WeekPlan:
    """Next week's training: sessions, daily habits (P11) and cues.

    ``mode`` says which regime shaped it: ``normal``, ``deload``, ``rest`` or ``paused``.
    """

    athlete_id: str = attrs.field(converter=to_plan_athlete_id)
    stage: str
    dose_level: int
    mode: str = attrs.field(validator=one_of("normal", "deload", "rest", "paused"))
    sessions: tuple[Session, ...]
    habits: tuple[PlanItem, ...]
    cues: tuple[str, ...] = ()
    tracking: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------- decision


@attrs.frozen(field_transformer=check_fields)
class ParamUse:
    """A rulebook parameter a rule compared against, its unit, and whether it is footcore's
    default rather than a number the article gives. ``field`` and ``op`` are the fact field
    compared and how (``severity``, ``ge``: a severity of at least ``value``); both are
    empty in decisions made before footcore recorded them."""

    name: str
    value: int | float
    default: bool
    unit: str = ""
    field: str = ""
    op: str = attrs.field(default="", validator=one_of("", *CONDITION_OPS))


@attrs.frozen(field_transformer=check_fields)
class Firing:
    """One rule that fired: what it proposed, on which facts, and whether it won."""

    rule_id: str
    action: Action
    source: tuple[str, ...]
    summary: str
    fact: str
    matched: tuple[tuple[str, bool | int | float | str], ...]
    won: bool
    overridden_by: Action | None = None
    params: tuple[ParamUse, ...] = ()

    @property
    def matched_facts(self) -> dict[str, bool | int | float | str]:
        """The fact fields the rule's conditions read, by name."""
        return dict(self.matched)


@attrs.frozen(field_transformer=check_fields)
class Unmet:
    """One condition of a load-raising rule that the athlete does not meet yet.

    ``field`` is the check-in fact's field the condition reads, ``op`` its comparison
    (``ge``, ``lt``, ``eq``, ...) and ``needed`` the value it compares against, taken from
    the rulebook parameter ``param`` when it names one (``default`` says whether that number
    is footcore's choice rather than the article's). ``actual`` is the athlete's value, or
    ``None`` when it is a metric never recorded: the condition cannot be assessed, which is
    not the same as failed.
    """

    field: str
    op: str = attrs.field(validator=one_of(*CONDITION_OPS))
    needed: bool | int | float | str | tuple[bool | int | float | str, ...]
    actual: bool | int | float | str | None
    param: str | None = None
    default: bool = False
    unit: str = ""

    def __attrs_post_init__(self) -> None:
        if isinstance(self.needed, tuple) != (self.op in ("in", "not_in")):
            raise InputError(f"Unmet.needed: got {self.needed!r} for op {self.op!r}; "
                             f"accepted: a list for 'in' and 'not_in', a single value "
                             f"otherwise")

    @property
    def assessable(self) -> bool:
        """False when the condition reads a metric that was never recorded."""
        return self.actual is not None


@attrs.frozen(field_transformer=check_fields)
class WhyNot:
    """A rule that would raise the load on the athlete's rung (progress or advance) but did
    not fire, and the conditions it still waits for."""

    rule_id: str
    action: Action
    source: tuple[str, ...]
    summary: str
    unmet: tuple[Unmet, ...]


@attrs.frozen(field_transformer=check_fields)
class RulebookRef:
    """Which rulebook made a decision."""

    id: str
    version: str
    digest: str = attrs.field(validator=sha256)
    unsafe: tuple[str, ...] = ()
    """What the rulebook breaks of the safety floor, when it was loaded with
    ``allow_unsafe=True``: empty for a safe rulebook."""


@attrs.frozen(field_transformer=check_fields)
class Change:
    """Who changed the plan, on which day, and why: a person or system (``by``, free text
    such as ``"coach:maria"``, in the ``role`` they play), a reason code of
    :data:`REASONS` for the kind, and a comment in their words. A decision on a check-in
    carries one only when the app said who sent it."""

    kind: ChangeKind = attrs.field(converter=to_change_kind,
                                   validator=member_of(ChangeKind))
    on: date = attrs.field(validator=day)
    by: str | None = attrs.field(default=None, converter=to_change_by)
    role: Role | None = attrs.field(default=None, converter=to_role,
                                    validator=attrs.validators.optional(member_of(Role)))
    reason: str | None = attrs.field(default=None, validator=opt_text)
    comment: str | None = attrs.field(default=None, validator=opt_words)

    def __attrs_post_init__(self) -> None:
        codes = REASONS[self.kind]
        if self.reason is not None and self.reason not in codes:
            raise InputError(f"Change.reason: got {self.reason!r:.60} for a change of kind "
                             f"{self.kind.value!r}; accepted: "
                             f"{', '.join(codes) or 'none (null)'}", code="unknown-reason")


@attrs.frozen(field_transformer=check_fields)
class Decision:
    """The engine's answer to one check-in, with everything needed to audit it.

    ``prior_state`` and ``checkin`` are the inputs it was made from, so it can be
    re-derived. ``change`` says who made it and why (:class:`Change`). A decision of
    another :attr:`kind` than a check-in answers none: its ``checkin`` is None, its day is
    ``change.on``, and its one firing is the engine's own: ``override`` (a coach or
    clinician chose the action, :meth:`Engine.override`), ``goal-change`` (a ``RETARGET``,
    :meth:`Engine.change_goal`, P12) or ``rulebook-upgrade`` (an ``UPGRADE`` to another
    rulebook, :meth:`Engine.upgrade`).
    ``prior_plan`` is the plan it replaces (``engine.plan(prior_state)``: the
    previous decision's plan without that decision's cues), so
    ``diff(decision.prior_plan, decision.plan)`` says what changed, with no rulebook at hand.
    ``why_not`` answers what stands between the athlete and the next step: each rule of
    their rung that would raise the load and did not fire, with its unmet conditions.
    """

    action: Action
    state: AthleteState
    plan: WeekPlan
    firings: tuple[Firing, ...]
    prior_state: AthleteState
    prior_plan: WeekPlan
    checkin: CheckIn | None
    rulebook: RulebookRef
    backend: str
    footcore_version: str
    why_not: tuple[WhyNot, ...] = ()
    change: Change | None = None

    @property
    def on(self) -> date:
        """The day of the decision: the check-in's, or the change's."""
        if self.checkin is not None:
            return self.checkin.on
        assert self.change is not None  # checked when it was made
        return self.change.on

    @property
    def kind(self) -> ChangeKind:
        """What made this decision: a check-in, an override, a change of goal, an upgrade."""
        return self.change.kind if self.change is not None else ChangeKind.CHECKIN

    @property
    def answered(self) -> CheckIn:
        """The check-in this decision answered.

        Raises:
            InputError: it answered none (an override, a change of goal, an upgrade).
        """
        if self.checkin is None:
            raise InputError(f"Decision.checkin: a {self.action} decision (a change of kind "
                             f"{self.kind.value} on {self.on}) answers no check-in; accepted "
                             f"here: a decision on a check-in", code="not-a-checkin-decision")
        return self.checkin

    @property
    def winners(self) -> tuple[Firing, ...]:
        """The firings whose action was taken."""
        return tuple(f for f in self.firings if f.won)

    @property
    def overridden(self) -> tuple[Firing, ...]:
        """The firings that were eligible but lost to a more conservative action."""
        return tuple(f for f in self.firings if not f.won)

    def __attrs_post_init__(self) -> None:
        _check_decision(self)


def _check_decision(d: Decision) -> None:
    """A decision holds together as the engine makes it: each plan is its state's, the new
    state follows the prior one through this check-in, and the winners are the action's."""
    def refuse(field: str, message: str) -> NoReturn:
        raise InputError(f"Decision.{field}: {message}")

    if d.backend not in ("durable", "native"):
        refuse("backend", f"got {d.backend!r}; accepted: 'durable', 'native'")
    for plan, state, name in ((d.plan, d.state, "plan"), (d.prior_plan, d.prior_state,
                                                           "prior_plan")):
        mode = "paused" if state.paused else {BackOff.NONE: "normal"}.get(
            state.backoff, state.backoff.value)
        if (plan.athlete_id, plan.stage, plan.dose_level, plan.mode) != (
                state.athlete_id, state.stage, state.dose_level, mode):
            refuse(name, f"is for athlete {plan.athlete_id!r}, stage {plan.stage!r}, dose "
                         f"level {plan.dose_level}, mode {plan.mode!r}; its state needs "
                         f"{state.athlete_id!r}, {state.stage!r}, {state.dose_level}, {mode!r}")
    if d.state.athlete_id != d.prior_state.athlete_id:
        refuse("state", "is another athlete's than prior_state")
    if d.state.started_on != d.prior_state.started_on:
        refuse("state", "started_on differs from prior_state's")
    if d.checkin is None or d.action in ENGINE_ACTIONS or d.kind is not ChangeKind.CHECKIN:
        _check_change(d, refuse)
        return
    if d.change is not None and d.change.on != d.checkin.on:
        refuse("change.on", f"got {d.change.on}; the check-in is of {d.checkin.on}")
    if d.state.last_checkin_on != d.checkin.on:
        refuse("state", f"last_checkin_on is {d.state.last_checkin_on}; the check-in is of "
                        f"{d.checkin.on}")
    facts = {"checkin", *(f"symptom[{n}]" for n in range(len(d.checkin.symptoms))),
             *(f"compensation[{n}]" for n in range(len(d.checkin.compensations)))}
    for number, f in enumerate(d.firings):
        if f.fact not in facts:
            refuse(f"firings[{number}].fact", f"got {f.fact!r:.60}; accepted: 'checkin', or "
                   f"a symptom or compensation of the check-in ('symptom[0]'...)")
        fields = FACT_FIELDS[FactType(f.fact.partition("[")[0])]
        for name, value in f.matched:
            spec = fields.get(name)
            if spec is None or type(value) is not spec.type:
                refuse(f"firings[{number}].matched", f"{name}: got {value!r:.40}; accepted: "
                       f"a field of {f.fact.partition('[')[0]} facts, with a value of its type")
        won = f.action is d.action
        if f.won != won or f.overridden_by is not (None if won else d.action):
            refuse(f"firings[{number}]", f"the {f.action} firing under the {d.action} decision "
                   f"must have won={won} and overridden_by="
                   f"{None if won else d.action.value!r}")


GOAL_CHANGE = "goal-change"
"""The id of the built-in firing of a ``RETARGET`` decision (P12)."""
OVERRIDE = "override"
"""The id of the built-in firing of an override by a coach or clinician."""
UPGRADE = "rulebook-upgrade"
"""The id of the built-in firing of an ``UPGRADE`` decision."""

# Each kind of change that answers no check-in: its firing's id and fact, and its action.
_CHANGES = {ChangeKind.OVERRIDE: (OVERRIDE, "override", None),
            ChangeKind.GOAL: (GOAL_CHANGE, "goal", Action.RETARGET),
            ChangeKind.UPGRADE: (UPGRADE, "rulebook", Action.UPGRADE)}


def _check_change(d: Decision, refuse: Callable[[str, str], NoReturn]) -> None:
    """A decision on no check-in is a change of one of :data:`_CHANGES`' kinds, explained by
    its one built-in firing, made on or after the athlete's last dated event."""
    change = d.change
    if d.checkin is not None or change is None or change.kind not in _CHANGES:
        refuse("change", f"got {'a check-in' if d.checkin else 'no check-in'} and change "
                         f"kind {change.kind.value if change else None!r}; accepted: a "
                         f"check-in (change null or of kind 'checkin'), or no check-in and a "
                         f"change of kind override, goal or upgrade")
    rule_id, fact, action = _CHANGES[change.kind]
    if action is not None and d.action is not action:
        refuse("action", f"got {d.action.value!r} for a change of kind {change.kind.value!r}; "
                         f"accepted: {action.value!r}")
    if action is None and d.action in ENGINE_ACTIONS:
        refuse("action", f"got {d.action.value!r} for an override; accepted: one of "
                         f"{', '.join(RULE_ACTIONS)}")
    before = d.prior_state
    for what, last in (("start", before.started_on), ("last check-in", before.last_checkin_on),
                       ("last change of the plan", before.last_change_on)):
        if last is not None and change.on < last:
            refuse("change.on", f"got {change.on}, before prior_state's {what}, {last}; "
                                f"changes come in date order")
    if (len(d.firings) != 1 or d.firings[0].rule_id != rule_id
            or d.firings[0].action is not d.action or not d.firings[0].won
            or d.firings[0].fact != fact):
        refuse("firings", f"a change of kind {change.kind.value!r} is explained by one "
                          f"winning {rule_id!r} firing on the {fact!r} fact")
    if d.state.last_checkin_on != before.last_checkin_on:
        refuse("state", "last_checkin_on changed, though no check-in came")
    if change.kind is ChangeKind.GOAL:
        _check_retarget(d, refuse)
    elif change.kind is ChangeKind.UPGRADE and d.state.rulebook_digest != d.rulebook.digest:
        refuse("state", "an upgrade's state names the rulebook it moved to")


def _check_retarget(d: Decision, refuse: Callable[[str, str], NoReturn]) -> None:
    """A change of goal changes the goal and nothing of the record but the day the dose
    was set, and its firing names the two goals."""
    before, after = d.prior_state, d.state
    if after.goal is before.goal or after.last_change_on != d.on:
        refuse("state", "a change of goal needs a new goal, and last_change_on its day")
    if attrs.evolve(after, goal=before.goal, last_change_on=before.last_change_on) != before:
        refuse("state", "a change of goal changes only goal and last_change_on of "
                        "prior_state")
    said = (("goal_before", before.goal.value), ("goal_now", after.goal.value))
    if tuple(d.firings[0].matched) != said:
        refuse("firings[0].matched", f"a change of goal names goal_before "
                                     f"{before.goal.value!r} and goal_now "
                                     f"{after.goal.value!r}, the goals of its two states")
