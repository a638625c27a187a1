"""The default rulebook written by hand as one if-chain: the floor the engine is timed against.

:func:`decide` makes the decision ``Engine.evaluate`` makes on the shipped rulebook (the
action, the new stage and dose, the week's plan) with nothing an engine adds: no facts, no
trace, no "why not", no new state object, no rulebook read at run time (its numbers are
written in below). The week is looked up in a table filled once per (stage, goal, dose,
regime) from the shipped weeks, as an app that hard-coded its plans would hold them: per dose,
since a session may plan an item only from a dose step on (the control rung's holds, weight
shifts, squats and soft landings, P3), which also decides whether the week has single-leg
work or hops.

tests/test_handwritten.py checks that it still agrees with the engine on generated inputs,
so the floor stays honest when the rulebook changes: update this file with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import footcore as fc
from footcore import Action, CompensationKind, Observation, SymptomKind
from footcore.models import BackOff

# The numbers of rules/params.toml.
WINDOW = timedelta(days=14 - 1)
DELOAD_DAYS, REST_DAYS = timedelta(days=7), timedelta(days=3)
CLEAN_MAX_SEVERITY, CLEAN_MAX_SORENESS, CLEAN_MAX_FATIGUE = 2, 4, 5
PERSISTENT_DAYS, IRRITATION_REST, STIFFNESS_DELOAD = 5, 4, 3
SORENESS_HOLD, FATIGUE_HOLD = 5, 6
SHORT_LAYOFF, LONG_LAYOFF = 7, 22
MIN_SESSIONS, PROGRESS_STREAK, ADVANCE_STREAK, MIN_DAYS = 4, 2, 3, 7
BALANCE_OPEN, BALANCE_CLOSED = 30.0, 10.0
SESSION_COUNTS_MIN, FOREFOOT_SYMMETRY_MIN = 10, 0.8

# The ladder of rules/stages.toml: (id, dose steps, next rung needs clearance with a
# history), and the balance metric each rung's advance asks for.
LADDER = (("baseline", 2, False), ("activation", 4, True), ("control", 4, True),
          ("unilateral", 4, True), ("integration", 4, True), ("maintenance", 3, True))
RUNG = {name: order for order, (name, _, _) in enumerate(LADDER)}
ADVANCE_NEEDS = {"control": ("balance_eyes_open_s", BALANCE_OPEN),
                 "unilateral": ("balance_eyes_closed_s", BALANCE_CLOSED)}

# The exercises of rules/exercises.toml a compensation rule asks about (the hops).
PLYOMETRIC = frozenset({"slow_controlled_hops", "soft_landing_hops", "two_foot_soft_landings"})
FOREFOOT = frozenset({fc.Location.BALL_OF_FOOT, fc.Location.ARCH, fc.Location.TOES,
                      fc.Location.PLANTAR_FASCIA})
KNEE_HIP = frozenset({CompensationKind.KNEE_VALGUS, CompensationKind.HIP_ADDUCTION})
LASTING = frozenset({SymptomKind.IRRITATION, SymptomKind.SORENESS, SymptomKind.STIFFNESS})
PAIN = frozenset({SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN})
# P1: the compensations that show, at the awareness rung, the tendency noticed there.
SHOWS = {CompensationKind.ARCH_COLLAPSE: Observation.FLATTENING,
         CompensationKind.TOE_GRIPPING: Observation.OVER_GRIPPING}

_MODES = {BackOff.DELOAD: "deload", BackOff.REST: "rest"}

Week = tuple[str, tuple[Any, ...], tuple[Any, ...]]


class Weeks:
    """The shipped weeks by (stage, goal, dose, mode, hops barred, awareness finding),
    filled as they are met: each entry is (mode, sessions, habits, plans single-leg work or
    hops)."""

    def __init__(self, engine: fc.Engine) -> None:
        self._engine = engine
        self._table: dict[tuple[Any, ...], Week] = {}

    def get(self, stage: str, goal: fc.Goal, dose: int, mode: str, hops_barred: bool,
            awareness: tuple[Observation, ...] = ()) -> Week:
        key = (stage, goal, dose, mode, hops_barred, awareness)
        week = self._table.get(key)
        if week is None:
            week = self._table[key] = self._fill(*key)
        return week

    def _fill(self, stage: str, goal: fc.Goal, dose: int, mode: str, hops_barred: bool,
              awareness: tuple[Observation, ...]) -> Week:
        backoff = {name: kind for kind, name in _MODES.items()}.get(mode, BackOff.NONE)
        start = date(2026, 1, 5)
        state = fc.AthleteState(
            athlete_id="floor", goal=goal, stage=stage, dose_level=dose, started_on=start,
            rulebook_digest=self._engine.rulebook.digest, paused=mode == "paused",
            prior_foot_ankle_problems=hops_barred, backoff=backoff,
            backoff_until=None if backoff is BackOff.NONE else start, awareness=awareness)
        plan = self._engine.plan(state)
        return plan.mode, plan.sessions, plan.habits


def decide(weeks: Weeks, state: fc.AthleteState, checkin: fc.CheckIn
           ) -> tuple[Action, str, int, Week]:
    """The action, the new stage and dose, and the new week, for ``checkin``."""
    on, started = checkin.on, state.started_on
    done, symptoms, compensations = checkin.completed, checkin.symptoms, checkin.compensations
    short = 0 < checkin.minutes < SESSION_COUNTS_MIN  # done-but-short: no session, no miss
    session = done and not short
    new_day = session and on != state.last_session_on
    since = on - WINDOW
    sessions = sum(1 for day in state.recent_sessions if day >= since) + new_day
    clean = not compensations and all(
        s.severity <= (CLEAN_MAX_SORENESS if s.kind is SymptomKind.SORENESS else
                       CLEAN_MAX_FATIGUE if s.kind is SymptomKind.FATIGUE else
                       CLEAN_MAX_SEVERITY) for s in symptoms)
    streak = state.clean_streak + new_day if clean else 0
    layoff = (on - (state.last_session_on or started)).days
    at_dose = (on - (state.last_change_on or started)).days
    stage, dose, goal = state.stage, state.dose_level, state.goal
    order = RUNG[stage]
    steps = LADDER[order][1]
    top = dose >= steps - 1
    final = order == len(LADDER) - 1
    paused, cleared_today = state.paused, checkin.clinician_cleared
    cleared = state.clinician_cleared or cleared_today
    backoff, until = state.backoff, state.backoff_until
    history = state.prior_foot_ankle_problems

    action = None
    pain = any(s.kind in PAIN for s in symptoms)
    if pain or (paused and not cleared_today) or any(
            s.kind in LASTING and s.days >= PERSISTENT_DAYS for s in symptoms):
        action = Action.PAUSE
    elif (session and layoff >= LONG_LAYOFF) or any(
            c.kind in KNEE_HIP and c.exercise in PLYOMETRIC for c in compensations):
        action = Action.REGRESS
    elif any(s.kind is SymptomKind.IRRITATION and s.location in FOREFOOT
             and s.severity >= IRRITATION_REST for s in symptoms):
        action = Action.REST
    elif (session and SHORT_LAYOFF <= layoff < LONG_LAYOFF) or (paused and cleared_today) or any(
            (s.kind is SymptomKind.IRRITATION and s.location in FOREFOOT)
            or (s.kind is SymptomKind.STIFFNESS and s.severity >= STIFFNESS_DELOAD)
            for s in symptoms) or any(
            c.kind in KNEE_HIP and c.exercise not in PLYOMETRIC for c in compensations):
        action = Action.DELOAD
    elif any(s.kind is SymptomKind.STIFFNESS for s in symptoms):
        action = Action.EASE  # below STIFFNESS_DELOAD: a lighter week at the same dose
    else:
        metrics, known = checkin.metrics, state.metrics
        fatigue = metrics.foot_fatigue
        symmetry = (known.forefoot_symmetry if metrics.forefoot_symmetry is None
                    else metrics.forefoot_symmetry)
        held = (not session or sessions < MIN_SESSIONS or (final and top)
                or backoff is not BackOff.NONE or compensations
                or (fatigue is not None and fatigue >= FATIGUE_HOLD)
                or (history and not cleared and top and not final and LADDER[order + 1][2])
                or (history and not cleared and order >= 1)
                or (symmetry is not None and symmetry < FOREFOOT_SYMMETRY_MIN and top)
                or any(s.kind is SymptomKind.IRRITATION
                       or (s.kind is SymptomKind.SORENESS and s.severity >= SORENESS_HOLD)
                       or (s.kind is SymptomKind.FATIGUE and s.severity >= FATIGUE_HOLD)
                       for s in symptoms))
        if held:
            action = Action.HOLD
        elif not top and streak >= PROGRESS_STREAK and at_dose >= MIN_DAYS:
            action = Action.PROGRESS
        elif top and not final and streak >= ADVANCE_STREAK and at_dose >= MIN_DAYS:
            needs = ADVANCE_NEEDS.get(stage)
            if needs is None:
                action = Action.ADVANCE
            else:
                value = getattr(metrics, needs[0])
                value = getattr(known, needs[0]) if value is None else value
                action = Action.ADVANCE if value is not None and value >= needs[1] else Action.HOLD
        else:
            action = Action.HOLD

    if until is not None and on >= until:
        backoff = BackOff.NONE
    elif (backoff is BackOff.REST and state.last_backoff_on is not None
          and on - state.last_backoff_on >= REST_DAYS):
        backoff = BackOff.DELOAD  # the rest days are over, the deload goes on
    if action is Action.ADVANCE:
        stage, dose = LADDER[order + 1][0], 0
    elif action is Action.PROGRESS:
        dose += 1
    elif action is Action.DELOAD:
        dose, backoff = max(dose - 1, 0), BackOff.DELOAD
    elif action is Action.REST:
        dose, backoff = max(dose - 1, 0), BackOff.REST
    elif action is Action.REGRESS:
        stage, dose, backoff = LADDER[max(order - 1, 0)][0], 0, BackOff.DELOAD
    elif action is Action.PAUSE:
        backoff = BackOff.NONE
    elif action is Action.EASE and backoff is not BackOff.REST:
        backoff = BackOff.DELOAD
    mode = "paused" if action is Action.PAUSE else _MODES.get(backoff, "normal")
    hops_barred = history and not (cleared and action is not Action.PAUSE)
    awareness = state.awareness
    if order == 0:  # P1: the awareness rung records what it finds
        found = {*awareness, *checkin.observations,
                 *(SHOWS[c.kind] for c in compensations if c.kind in SHOWS)}
        awareness = tuple(o for o in Observation if o in found)
    return action, stage, dose, weeks.get(stage, goal, dose, mode, hops_barred, awareness)
