"""The article's table of back-off and hold conditions (P2, P3, P8-P11) as triggers: what a
rulebook must answer a state and check-in with, at its own thresholds, and which rises its
criteria allow. The no-rise-unless-ready and article-responses checks read them.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import attrs

from .._enums import Action, Category, SymptomKind
from .._models import AthleteState, CheckIn
from .._rulebook import Rulebook
from ._checking import as_number, checkin_fact, compensation_words, symptom_words
from ._spec import HOTSPOTS, LASTING_KINDS, PAIN_KINDS, SINGLE_LEG_FAULTS, criteria, param, param_or

__all__ = ["Trigger", "rises_allowed", "short_session", "triggers"]


@attrs.frozen
class Trigger:
    """A reason in the check-in or the state for a response the article calls for."""

    action: Action
    reason: str
    source: str
    fact: str | None = None  # the symptom or compensation fact a firing must answer it on

    def __str__(self) -> str:
        return f"{self.reason} -> {self.action} ({self.source})"


def triggers(rulebook: Rulebook, state: AthleteState, checkin: CheckIn, *,
             invariant: str = "article-responses") -> tuple[Trigger, ...]:
    """Every trigger of the article's table of back-off and hold conditions (P2, P3, P8-P11)
    in ``state`` and ``checkin``, at the thresholds of ``rulebook``: what the rulebook must
    answer, and with which action.

    Raises:
        MissingParam: the rulebook lacks a threshold; the message names ``invariant``.
    """
    def p(name: str) -> float:
        return param(rulebook, name, invariant)

    f = checkin_fact(rulebook, state, checkin)
    found: list[Trigger] = []

    def add(action: Action, reason: str, source: str, fact: str | None = None) -> None:
        found.append(Trigger(action, reason, source, fact))

    if state.paused and not checkin.clinician_cleared:
        add(Action.PAUSE, "training is paused and the check-in brings no clearance", "P10")
    if state.paused and checkin.clinician_cleared and not f["pain_today"]:
        add(Action.DELOAD, "cleared after a pause: resume gently", "P10")
    for number, s in enumerate(checkin.symptoms):
        on = f"symptom[{number}]"
        if s.kind in PAIN_KINDS:
            add(Action.PAUSE, f"{symptom_words(s)}", "P10", on)
        if s.kind in LASTING_KINDS and s.days >= p("persistent_symptom_days"):
            add(Action.PAUSE, f"{symptom_words(s)} lasting >= persistent_symptom_days", "P10", on)
        if s.kind is SymptomKind.IRRITATION:
            if s.location in HOTSPOTS:
                high = s.severity >= p("irritation_rest_min")
                add(Action.REST if high else Action.DELOAD,
                    f"{symptom_words(s)} in a forefoot hotspot, "
                    f"{'at or above' if high else 'below'} irritation_rest_min", "P10", on)
            else:
                add(Action.HOLD, f"{symptom_words(s)} outside the forefoot hotspots", "P10", on)
        if s.kind is SymptomKind.STIFFNESS:
            if s.severity >= p("stiffness_deload_min"):
                add(Action.DELOAD, f"{symptom_words(s)} >= stiffness_deload_min", "P9", on)
            else:
                add(Action.EASE, f"{symptom_words(s)}: stiffness after a workout, below "
                                 f"stiffness_deload_min", "P9", on)
        if s.kind is SymptomKind.SORENESS and s.severity >= p("soreness_hold_min"):
            add(Action.HOLD, f"{symptom_words(s)} >= soreness_hold_min", "P10", on)
        if s.kind is SymptomKind.FATIGUE and s.severity >= p("fatigue_hold_min"):
            add(Action.HOLD, f"{symptom_words(s)} >= fatigue_hold_min", "P11", on)
    for number, c in enumerate(checkin.compensations):
        on = f"compensation[{number}]"
        exercise = rulebook.exercises.get(c.exercise) if c.exercise else None
        hops = exercise is not None and exercise.category is Category.PLYOMETRIC
        if c.kind in SINGLE_LEG_FAULTS and hops:
            add(Action.REGRESS, f"{compensation_words(c)}, a hop", "P8", on)
        elif c.kind in SINGLE_LEG_FAULTS:  # P8: scale back whenever the pattern emerges
            work = ("no exercise named" if exercise is None
                    else "single-leg work" if exercise.unilateral else "two-footed work")
            add(Action.DELOAD, f"{compensation_words(c)}, {work}", "P8", on)
        else:
            add(Action.HOLD, f"{compensation_words(c)}: fix the technique first", "P1, P3, P8", on)
    gap = as_number(f, "days_since_last_session")
    # layoffs end at a session that counts
    if f["completed"] and not short_session(rulebook, checkin):
        if gap >= p("long_layoff_days"):
            add(Action.REGRESS, f"back after {gap} days >= long_layoff_days", "default")
        elif gap >= p("short_layoff_days"):
            add(Action.DELOAD, f"back after {gap} days >= short_layoff_days", "default")
    if f["has_foot_fatigue"] and as_number(f, "foot_fatigue") >= p("fatigue_hold_min"):
        add(Action.HOLD, f"foot fatigue {f['foot_fatigue']} >= fatigue_hold_min", "P11")
    for window in ("deload_active", "rest_active", "backoff_ended"):
        if f[window]:
            add(Action.HOLD, f"back-off window: {window.replace('_', ' ')}", "P9, P10")
    if f["history"] and not f["cleared"] and f["next_needs_clearance"] and f["top_dose"]:
        add(Action.HOLD, "foot or ankle history, next rung gated, no clearance", "P10")
    if f["history"] and not f["cleared"] and as_number(f, "stage_order") >= 1:
        add(Action.HOLD, "foot or ankle history, past the awareness rung, no clearance", "P10")
    uneven = param_or(rulebook, "forefoot_symmetry_min", 0.0)
    if f["has_forefoot_symmetry"] and as_number(f, "forefoot_symmetry") < uneven and f["top_dose"]:
        add(Action.HOLD, f"forefoot symmetry {f['forefoot_symmetry']} < forefoot_symmetry_min "
                         f"at the top dose", "P7, P11")
    if f["final_stage"] and f["top_dose"]:
        add(Action.HOLD, "the top of the ladder at its top dose: keep the routine",
            "P11, P12")
    if not f["completed"]:
        add(Action.HOLD, "session missed", "P2")
    if as_number(f, "sessions_in_window") < p("min_sessions_in_window"):
        add(Action.HOLD, f"{f['sessions_in_window']} session(s) in the window < "
                         f"min_sessions_in_window", "P2, P3")
    return tuple(found)


def short_session(rulebook: Rulebook, checkin: CheckIn) -> bool:
    """A session shorter than session_counts_min_minutes (0 minutes: not reported) (P2, P6)."""
    return 0 < checkin.minutes < param_or(rulebook, "session_counts_min_minutes", 0)


def rises_allowed(rulebook: Rulebook, state: AthleteState, checkin: CheckIn, invariant: str
                  ) -> tuple[set[Action], list[str]]:
    """Which rises the rulebook's criteria allow (PROGRESS, ADVANCE), and what is missing."""
    f = checkin_fact(rulebook, state, checkin)
    top = bool(f["top_dose"])
    streak = "advance_clean_streak" if top else "progress_clean_streak"
    missing = []
    if not f["completed"]:
        missing.append("session not done")
    elif short_session(rulebook, checkin):
        missing.append(f"session of {checkin.minutes} min < session_counts_min_minutes")
    if as_number(f, "sessions_in_window") < param(rulebook, "min_sessions_in_window", invariant):
        missing.append(f"sessions_in_window {f['sessions_in_window']} < min_sessions_in_window")
    if as_number(f, "clean_streak") < param(rulebook, streak, invariant):
        missing.append(f"clean_streak {f['clean_streak']} < {streak}")
    if as_number(f, "days_at_dose") < param(rulebook, "min_days_per_step", invariant):
        missing.append(f"days_at_dose {f['days_at_dose']} < min_days_per_step")
    action = Action.ADVANCE if top else Action.PROGRESS
    if top and f["final_stage"]:
        missing.append("at the top of the ladder")
    rules = criteria(rulebook, action, state.stage)
    if not rules:
        missing.append(f"no {action} rule can fire in stage {state.stage}")
    elif not any(all(c.holds(f) for c in crit) for crit in rules):
        missing.append(f"metric criteria of the {action} rule not met")
    return (set() if missing else {action}), missing
