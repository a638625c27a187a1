"""The decisions the rules do not make: a coach's or clinician's override, a change of goal
(P12) and a move to another rulebook. Each is pure, as :meth:`Engine.evaluate` is, so a
replay makes it again from the record; :class:`Engine` offers them as methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from ._enums import REASONS, RULE_ACTIONS, Action, ChangeKind, Goal, Role
from ._errors import Conflict, InputError
from ._limits import LATEST_DATE
from ._models import (
    GOAL_CHANGE,
    OVERRIDE,
    UPGRADE,
    AthleteState,
    Change,
    Decision,
    Firing,
    RulebookRef,
)
from ._plan import build_plan
from ._rulebook import Rulebook
from ._transition import BACK_OFF_ACTIONS, changed_state
from ._version import __version__

__all__ = ["OVERRIDERS", "RISES", "check_fits", "check_made_under", "override", "retarget",
           "upgrade"]

OVERRIDERS = (Role.COACH, Role.CLINICIAN)
"""Who may override the engine's plan."""

RISES = frozenset({Action.ADVANCE, Action.PROGRESS})
"""The actions that raise the load."""

_CAUTIOUS = BACK_OFF_ACTIONS | {Action.EASE}  # a rise may not override these on their day


def check_fits(rulebook: Rulebook, state: AthleteState, field: str = "AthleteState") -> None:
    """Refuse a state whose stage or dose step ``rulebook`` lacks."""
    if not isinstance(state, AthleteState):
        raise InputError(f"state: got {type(state).__name__}; accepted: an AthleteState")
    try:
        steps = len(rulebook.stage(state.stage).steps)
    except KeyError:
        ids = ", ".join(stage.id for stage in rulebook.stages)
        raise InputError(f"{field}.stage: got {state.stage!r}; accepted: one of {ids} "
                         f"(rulebook {rulebook.id})") from None
    if state.dose_level >= steps:
        raise InputError(f"{field}.dose_level: got {state.dose_level}; accepted: 0 to "
                         f"{steps - 1} for stage {state.stage!r}")


def check_made_under(rulebook: Rulebook, state: AthleteState, move: str = "") -> None:
    """Refuse a state made under a rulebook other than ``rulebook``, where an athlete is
    decided for real (a store, the service): deciding under this one would give a plan no
    rulebook of the athlete's made, and move them to it with no record of the move
    (:meth:`Engine.upgrade` makes one). ``move`` says how to move them instead, where the
    caller knows better. :meth:`Engine.evaluate` itself takes such a state: the testing kit,
    the prover, replays and impact reviews hold one rulebook's inputs to another's.

    Raises:
        InputError: (``rulebook-mismatch``) the digests differ.
    """
    if state.rulebook_digest != rulebook.digest:
        got = state.rulebook_digest[:12]
        move = move or (f"move the athlete to it first with Engine.upgrade(state, <the "
                        f"rulebook of {got}>, on=...)")
        raise InputError(f"AthleteState.rulebook_digest: got {got} (athlete "
                         f"{state.athlete_id}); accepted: {rulebook.digest[:12]}, the digest "
                         f"of rulebook {rulebook.id} {rulebook.version}, which decides here: "
                         f"{move}", code="rulebook-mismatch")


def _change(kind: ChangeKind, state: AthleteState, on: object, by: object, role: object,
            reason: object, comment: object) -> Change:
    """The change's record, its day checked against the athlete's dated events."""
    if type(on) is not date or on > LATEST_DATE:  # a day a state can hold
        got = on.isoformat() if isinstance(on, date) else repr(on)
        raise InputError(f"on: got {got}; accepted: a date up to {LATEST_DATE}")
    for what, last in (("start", state.started_on), ("last check-in", state.last_checkin_on),
                       ("last change of the plan", state.last_change_on)):
        if last is not None and on < last:
            raise InputError(f"on: got {on}; accepted: on or after the athlete's {what}, "
                             f"{last} (changes come in date order)")
    try:
        return Change(kind, on, by, role, reason, comment)  # type: ignore[arg-type]
    except InputError as exc:
        raise InputError(str(exc).removeprefix("Change."), code=exc.code) from None


def _decision(action: Action, new: AthleteState, rulebook: Rulebook, firing: Firing,
              state: AthleteState, prior: Rulebook, ref: RulebookRef, backend: str,
              change: Change) -> Decision:
    return Decision(action, new, build_plan(rulebook, new), (firing,), state,
                    build_plan(prior, state), None, ref, backend, __version__, (), change)


def override(rulebook: Rulebook, ref: RulebookRef, backend: str, state: AthleteState, *,
             on: date, by: str, role: Role | str, action: Action | str | None,
             clearance: bool | None, reason: str, comment: str | None,
             after: Decision | None) -> Decision:
    """A coach or clinician sets the athlete's action (see :meth:`Engine.override`)."""
    check_fits(rulebook, state)
    change = _change(ChangeKind.OVERRIDE, state, on, by, role, reason, comment)
    if change.by is None or change.reason is None or change.role not in OVERRIDERS:
        raise InputError(f"by, role, reason: got {change.by!r}, {change.role}, "
                         f"{change.reason!r}; accepted: who overrides, a role of "
                         f"{', '.join(OVERRIDERS)}, and a reason code of "
                         f"{', '.join(REASONS[ChangeKind.OVERRIDE])}", code="override-who")
    if clearance is not None and type(clearance) is not bool:
        raise InputError(f"clearance: got {clearance!r}; accepted: true, false or null")
    clinician = change.role is Role.CLINICIAN
    if clearance is not None and not clinician:
        raise Conflict(f"clearance: given by a {change.role}; accepted: a clinician's only "
                       f"(P10)", code="clearance-needs-clinician")
    chosen = _action(action, state, clearance)
    if clearance is True and chosen is Action.PAUSE:
        raise InputError("clearance, action: got a clearance with a pause; accepted: a "
                         "clearance that resumes training, or a pause without one",
                         code="override-contradicts")
    if state.paused and chosen is not Action.PAUSE:
        if not clinician:
            raise Conflict(f"action: got {chosen.value!r} for an athlete paused until a "
                           f"clinician clears them (P10); accepted: pause, or a clinician's "
                           f"override with clearance=True", code="override-unsafe")
        if clearance is not True:
            raise Conflict(f"clearance: got {clearance!r} with {chosen.value!r} for a paused "
                           f"athlete; accepted: true, the clearance that resumes training "
                           f"(P10)", code="override-unsafe")
    last_cautious = after is not None and after.on == change.on and after.action in _CAUTIOUS
    if chosen in RISES and (last_cautious or state.last_backoff_on == change.on):
        rules = ", ".join(f.rule_id for f in after.winners) if after is not None else ""
        said = (f"{after.action.value} ({rules or 'the rulebook default'})"
                if after is not None and last_cautious else "a back-off or ease")
        raise Conflict(f"action: got {chosen.value!r} on {change.on}, the day the athlete "
                       f"was answered with {said}; accepted: an action no higher than a "
                       f"hold that day", code="override-conflict")
    new = changed_state(rulebook, state, change.on, chosen, clearance)
    matched: list[tuple[str, bool | int | float | str]] = [
        ("by", change.by), ("role", change.role.value), ("reason", change.reason)]
    if clearance is not None:
        matched.append(("clearance", clearance))
    if after is not None:  # what the rules had decided: what this overrides
        matched.append(("rules_decided", after.action.value))
        matched.append(("rules_fired", ", ".join(f.rule_id for f in after.winners)))
    words = {True: ", clearing the athlete", False: ", withdrawing clearance", None: ""}
    summary = (f"{chosen.value.capitalize()} by {change.by} ({change.role.value}): "
               f"{change.reason}{words[clearance]}"
               + (f"; {change.comment}" if change.comment else ""))
    firing = Firing(OVERRIDE, chosen, (), summary, "override", tuple(sorted(matched)), True)
    return _decision(chosen, new, rulebook, firing, state, rulebook, ref, backend, change)


def _action(action: Action | str | None, state: AthleteState,
            clearance: bool | None) -> Action:
    """The action an override takes: the one given, or what its clearance means."""
    if action is None:
        if clearance is None:
            raise InputError("action, clearance: got neither; accepted: an action, a "
                             "clinician's clearance, or both", code="override-empty")
        return Action.DELOAD if state.paused and clearance else (
            Action.PAUSE if state.paused else Action.HOLD)
    try:
        chosen = Action(action)
    except ValueError:
        chosen = None
    if chosen not in RULE_ACTIONS:
        raise InputError(f"action: got {getattr(action, 'value', action)!r}; accepted: one of "
                         f"{', '.join(RULE_ACTIONS)}")
    assert chosen is not None
    return chosen


def retarget(rulebook: Rulebook, ref: RulebookRef, backend: str, state: AthleteState,
             goal: Goal | str, *, on: date, by: str | None, role: Role | str | None,
             reason: str | None, comment: str | None) -> Decision:
    """The athlete trains for ``goal`` from ``on`` (see :meth:`Engine.change_goal`)."""
    check_fits(rulebook, state)
    others = ", ".join(g.value for g in Goal if g is not state.goal)
    try:
        chosen = Goal(goal)
    except ValueError:
        raise InputError(f"goal: got {goal!r}; accepted: a Goal ({others})") from None
    if chosen is state.goal:
        raise InputError(f"goal: got {chosen.value!r}, the athlete's goal already; accepted: "
                         f"another goal ({others})", code="same-goal")
    change = _change(ChangeKind.GOAL, state, on, by, role, reason, comment)
    new = attrs.evolve(state, goal=chosen, last_change_on=change.on)
    firing = Firing(GOAL_CHANGE, Action.RETARGET, ("P12",),
                    "The athlete's goal changed: the same rung and dose, with the new "
                    "goal's sessions; the days at the dose count again from the change.",
                    "goal", (("goal_before", state.goal.value),
                             ("goal_now", chosen.value)), True)
    return _decision(Action.RETARGET, new, rulebook, firing, state, rulebook, ref, backend,
                     change)


def upgrade(rulebook: Rulebook, ref: RulebookRef, backend: str, state: AthleteState,
            old: Rulebook, *, on: date, mapping: Mapping[str, str] | None, by: str | None,
            role: Role | str | None, reason: str | None,
            comment: str | None) -> Decision:
    """The athlete moves from rulebook ``old`` to ``rulebook`` (see
    :meth:`Engine.upgrade`)."""
    if not isinstance(old, Rulebook):
        raise InputError(f"old: got {type(old).__name__}; accepted: the Rulebook the "
                         f"athlete's state was made under")
    if isinstance(state, AthleteState) and state.rulebook_digest != old.digest:
        raise InputError(f"old: rulebook {old.id} {old.version} ({old.digest[:12]}); the "
                         f"athlete's state was made under {state.rulebook_digest[:12]}",
                         code="rulebook-mismatch")
    check_fits(old, state)
    if mapping is not None and not (isinstance(mapping, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())):
        raise InputError("mapping: accepted: old stage id -> new stage id, as strings")
    change = _change(ChangeKind.UPGRADE, state, on, by, role, reason, comment)
    _check_mapping(mapping or {}, old, rulebook)
    stage_id = (mapping or {}).get(state.stage, state.stage)
    try:
        stage = rulebook.stage(stage_id)
    except KeyError:
        ids = ", ".join(s.id for s in rulebook.stages)
        raise InputError(f"mapping: athlete {state.athlete_id}'s stage {state.stage!r} has "
                         f"no place in rulebook {rulebook.id} {rulebook.version} (stages "
                         f"{ids}); accepted: a mapping of {state.stage!r} to one of them",
                         code="stage-unmapped") from None
    dose = min(state.dose_level, len(stage.steps) - 1)
    new = attrs.evolve(state, stage=stage.id, dose_level=dose,
                       rulebook_digest=rulebook.digest,
                       last_change_on=change.on if dose != state.dose_level
                       or stage.id != state.stage else state.last_change_on)
    summary = (f"Moved to rulebook {rulebook.id} {rulebook.version}: "
               + (f"the same rung ({stage.id}) and dose step" if dose == state.dose_level
                  and stage.id == state.stage else
                  f"rung {state.stage} step {state.dose_level} became {stage.id} step {dose}"))
    firing = Firing(UPGRADE, Action.UPGRADE, (), summary, "rulebook", tuple(sorted((
        ("digest_before", old.digest), ("digest_now", rulebook.digest),
        ("stage_before", state.stage), ("stage_now", stage.id),
        ("dose_before", state.dose_level), ("dose_now", dose)))), True)
    return _decision(Action.UPGRADE, new, rulebook, firing, state, old, ref, backend, change)


def _check_mapping(mapping: Mapping[str, str], old: Rulebook, new: Rulebook) -> None:
    """Refuse a mapping of a stage ``new`` also has (it keeps its id, so a slip cannot
    move its athletes to another rung), or of a stage ``old`` lacks, or to a stage ``new``
    lacks."""
    olds, news = {s.id for s in old.stages}, {s.id for s in new.stages}
    for key, value in sorted(mapping.items()):
        if key not in olds or key in news or value not in news:
            raise InputError(
                f"mapping: got {key!r} -> {value!r}; accepted: a stage of rulebook "
                f"{old.id} {old.version} that {new.id} {new.version} lacks "
                f"({', '.join(sorted(olds - news)) or 'none'}), to one of the new "
                f"rulebook's stages", code="mapping-not-a-rename")
