"""The athlete's new state once a decision's action is known."""

from __future__ import annotations

from datetime import timedelta

from ._enums import Action, BackOff, CompensationKind, Observation
from ._facts import Record, window_start
from ._limits import MAX_INT, limit
from ._models import AthleteState, CheckIn, CheckInRef
from ._rulebook import Rulebook
from ._trusted import trusted

__all__ = ["BACK_OFF_ACTIONS", "next_state"]

BACK_OFF_ACTIONS = frozenset({Action.DELOAD, Action.REST, Action.REGRESS, Action.PAUSE})
_STATE = trusted(AthleteState)
_REF = trusted(CheckInRef)


def next_state(rulebook: Rulebook, state: AthleteState, checkin: CheckIn,
               counted: Record, action: Action) -> AthleteState:
    """Apply ``action`` to ``state`` for ``checkin``, whose counting into the athlete's
    record is ``counted``.

    The stage moves at most one rung, the dose stays within the stage's steps, a back-off
    window ends only when its date has passed, and only a pause leaves training paused.
    Every value comes from the checked inputs, so the state is built without checking it
    again, unless a counter outgrew the integer limit: then the checking constructor
    refuses it with its own message.
    """
    stage = rulebook.stage(state.stage)
    stage_id, dose = stage.id, state.dose_level
    backoff, until = state.backoff, state.backoff_until
    if until is not None and checkin.on >= until:
        backoff, until = BackOff.NONE, None

    if action is Action.ADVANCE and stage.order + 1 < len(rulebook.stages):
        stage_id, dose = rulebook.stages[stage.order + 1].id, 0
    elif action is Action.PROGRESS:
        dose = min(dose + 1, len(stage.steps) - 1)
    elif action is Action.DELOAD:
        dose = max(dose - 1, 0)
        backoff = BackOff.DELOAD
        until = checkin.on + timedelta(days=rulebook.whole("deload_days"))
    elif action is Action.REST:
        backoff = BackOff.REST
        until = checkin.on + timedelta(days=rulebook.whole("rest_days"))
    elif action is Action.REGRESS:
        stage_id = rulebook.stages[max(stage.order - 1, 0)].id
        dose, backoff, until = 0, BackOff.NONE, None
    elif action is Action.PAUSE:
        backoff, until = BackOff.NONE, None

    changed = (stage_id, dose) != (state.stage, state.dose_level)
    backed_off = action in BACK_OFF_ACTIONS
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
        checkin.on if backed_off else state.last_backoff_on,  # last_backoff_on
        checkin.on if changed else state.last_change_on,  # last_change_on
        checkin.on,  # last_checkin_on
        checkin.on if checkin.completed else state.last_session_on,  # last_session_on
        counted.recent_sessions,  # recent_sessions
        counted.consecutive_completed,  # consecutive_completed
        counted.consecutive_missed,  # consecutive_missed
        0 if backed_off else counted.clean_streak,  # clean_streak
        counted.metrics,  # metrics
        _remembered(rulebook, state, checkin)
        if state.recent_checkins or checkin.id is not None else (),  # recent_checkins
        _aware(state, checkin) if stage.order == 0 else state.awareness,  # awareness
    )


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
