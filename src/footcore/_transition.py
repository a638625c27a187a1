"""The athlete's new state once a decision's action is known."""

from __future__ import annotations

from datetime import date, timedelta

import attrs

from ._enums import Action, BackOff, CompensationKind, Observation
from ._facts import Record, window_start
from ._limits import MAX_INT, limit
from ._models import AthleteState, CheckIn, CheckInRef
from ._plan import rest_days_end
from ._rulebook import Rulebook, Stage
from ._trusted import trusted

__all__ = ["BACK_OFF_ACTIONS", "changed_state", "next_state", "window_days"]

BACK_OFF_ACTIONS = frozenset({Action.DELOAD, Action.REST, Action.REGRESS, Action.PAUSE})
# The window each back-off but a pause opens (a pause waits for a clinician instead).
_WINDOWS = {Action.DELOAD: BackOff.DELOAD, Action.REST: BackOff.REST,
            Action.REGRESS: BackOff.DELOAD}
_STATE = trusted(AthleteState)
_REF = trusted(CheckInRef)


def window_days(rulebook: Rulebook, backoff: BackOff) -> int:
    """How long a window of ``backoff`` lasts (0 for none): a rest window never ends before
    the deload it contains would (its rest days, then the deload's remaining days)."""
    if backoff is BackOff.NONE:
        return 0
    deload = rulebook.whole("deload_days")
    return max(deload, rulebook.whole("rest_days")) if backoff is BackOff.REST else deload


def next_state(rulebook: Rulebook, state: AthleteState, checkin: CheckIn,
               counted: Record, action: Action) -> AthleteState:
    """Apply ``action`` to ``state`` for ``checkin``, whose counting into the athlete's
    record is ``counted``.

    The stage moves at most one rung, the dose stays within the stage's steps, a back-off
    window ends only when its date has passed, and only a pause leaves training paused.
    The back-offs are ordered so that a more cautious answer never rises sooner: a deload
    drops a dose step and opens a deload window; a rest does the same, its first rest_days
    with fewer sessions (a rest window that turns into a deload window when they end, never
    ending before the deload would); a regress goes a rung down to its first step, in a
    deload window; and every back-off restarts the days at the dose, even at step 0. An
    ease (P9: mild stiffness) is milder than a deload and harsher than a hold: it keeps the
    dose step, opens a deload window from its day (lighter sessions; an open rest window,
    lighter still, is left to run) and restarts the days at the dose, so it never lets a
    rise come sooner than a hold would.
    Every value comes from the checked inputs, so the state is built without checking it
    again, unless a counter outgrew the integer limit: then the checking constructor
    refuses it with its own message.
    """
    stage = rulebook.stage(state.stage)
    stage_id, dose, backoff, until, eased = _moved(rulebook, state, stage, checkin.on, action)
    changed = (stage_id, dose) != (state.stage, state.dose_level)
    backed_off = action in BACK_OFF_ACTIONS
    restarted = backed_off or action is Action.EASE
    build = _STATE if max(counted.consecutive_completed, counted.consecutive_missed,
                          counted.clean_streak) <= MAX_INT else AthleteState
    return build(  # positionally, in the order of AthleteState's fields (faster than names)
        state.athlete_id,  # athlete_id
        state.goal,  # goal
        stage_id,  # stage
        dose,  # dose_level
        state.started_on,  # started_on
        rulebook.digest,  # rulebook_digest
        state.prior_foot_ankle_problems,  # prior_foot_ankle_problems
        (state.clinician_cleared or checkin.clinician_cleared)
        and action is not Action.PAUSE,  # clinician_cleared
        action is Action.PAUSE,  # paused
        backoff,  # backoff
        until,  # backoff_until
        checkin.on if backed_off or eased else state.last_backoff_on,  # last_backoff_on
        checkin.on if changed or restarted else state.last_change_on,  # last_change_on
        checkin.on,  # last_checkin_on
        checkin.on if counted.session else state.last_session_on,  # last_session_on
        counted.recent_sessions,  # recent_sessions
        counted.consecutive_completed,  # consecutive_completed
        counted.consecutive_missed,  # consecutive_missed
        0 if restarted else counted.clean_streak,  # clean_streak
        counted.metrics,  # metrics
        _remembered(rulebook, state, checkin)
        if state.recent_checkins or checkin.id is not None else (),  # recent_checkins
        _aware(state, checkin) if stage.order == 0 else state.awareness,  # awareness
    )


def _moved(rulebook: Rulebook, state: AthleteState, stage: Stage, on: date,
           action: Action) -> tuple[str, int, BackOff, date | None, bool]:
    """Where ``action`` on day ``on`` leaves the athlete, who is on ``stage`` (looked up
    once, by the caller): stage, dose step, back-off window and its end, and whether it
    eased (see :func:`next_state`)."""
    stage_id, dose = stage.id, state.dose_level
    backoff, until = state.backoff, state.backoff_until
    if until is not None and on >= until:
        backoff, until = BackOff.NONE, None
    elif backoff is BackOff.REST and (rested := rest_days_end(rulebook, state)) is not None \
            and on >= rested:
        backoff = BackOff.DELOAD  # the rest days are over: the deload goes on to its end

    if action is Action.ADVANCE and stage.order + 1 < len(rulebook.stages):
        stage_id, dose = rulebook.stages[stage.order + 1].id, 0
    elif action is Action.PROGRESS:
        dose = min(dose + 1, len(stage.steps) - 1)
    elif action in _WINDOWS:
        backoff = _WINDOWS[action]
        until = on + timedelta(days=window_days(rulebook, backoff))
        dose = max(dose - 1, 0)
        if action is Action.REGRESS:
            stage_id, dose = rulebook.stages[max(stage.order - 1, 0)].id, 0
    elif action is Action.PAUSE:
        backoff, until = BackOff.NONE, None
    eased = action is Action.EASE and backoff is not BackOff.REST  # a rest eases more already
    if eased:
        backoff = BackOff.DELOAD
        until = on + timedelta(days=window_days(rulebook, backoff))

    return stage_id, dose, backoff, until, eased


def changed_state(rulebook: Rulebook, state: AthleteState, on: date, action: Action,
                  cleared: bool | None) -> AthleteState:
    """Apply ``action``, chosen by a person on day ``on`` rather than by the rules on a
    check-in, as :func:`next_state` applies it; ``cleared`` (when not None) is a
    clinician's clearance given or withdrawn. The record of sessions stays as it is; the
    days at the dose count again from ``on``, the plan having been set by hand."""
    stage_id, dose, backoff, until, eased = _moved(rulebook, state,
                                                   rulebook.stage(state.stage), on, action)
    backed_off = action in BACK_OFF_ACTIONS
    return attrs.evolve(
        state, stage=stage_id, dose_level=dose, rulebook_digest=rulebook.digest,
        clinician_cleared=(state.clinician_cleared if cleared is None else cleared)
        and action is not Action.PAUSE,
        paused=action is Action.PAUSE, backoff=backoff, backoff_until=until,
        last_backoff_on=on if backed_off or eased else state.last_backoff_on,
        last_change_on=on,
        clean_streak=0 if backed_off or action is Action.EASE else state.clean_streak)


# The compensations that show, at the awareness rung, the tendency P1 asks to notice.
_SHOWS = {CompensationKind.ARCH_COLLAPSE: Observation.FLATTENING,
          CompensationKind.TOE_GRIPPING: Observation.OVER_GRIPPING}


def _aware(state: AthleteState, checkin: CheckIn) -> tuple[Observation, ...]:
    """What the awareness rung has found once ``checkin`` is in (P1): what was found
    before, what the athlete observed, and the flattening or gripping seen as a
    compensation, each once, in the enum's order."""
    if not checkin.observations and not checkin.compensations:
        return state.awareness
    found = {*state.awareness, *checkin.observations,
             *(_SHOWS[c.kind] for c in checkin.compensations if c.kind in _SHOWS)}
    return tuple(o for o in Observation if o in found)


def _remembered(rulebook: Rulebook, state: AthleteState,
                checkin: CheckIn) -> tuple[CheckInRef, ...]:
    """The ids of the check-ins within the recent window, this one's included (at most the
    ``recent_checkins`` limit: the latest)."""
    since = window_start(rulebook, checkin)
    kept = tuple(ref for ref in state.recent_checkins if ref.on >= since)
    if checkin.id is None:
        return kept
    room = limit("recent_checkins") - 1  # the oldest ids go first
    return (*kept[max(len(kept) - room, 0):], _REF(checkin.id, checkin.on))
