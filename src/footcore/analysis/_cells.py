"""What a cell of the prover's model is made of: the context (who the athlete is and where
they stand), the clock (the state's dates and counters, counted back from the check-in),
and the symptoms and compensations it may report, with the invariants' signs on them.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import attrs

from .._conditions import FactType, Scalar
from .._enums import BackOff, Goal, SymptomKind
from .._models import Compensation, Symptom
from .._rulebook import Rulebook, Stage
from ._spec import backoff_compensation, backoff_symptom, pain_sign

__all__ = ["ON", "SIGNS", "Clock", "Context", "Item", "cell_of", "keep_plainest"]

ON = date(2026, 7, 24)  # the date of every check-in the model builds


@attrs.frozen
class Context:
    """Who the athlete is and where they stand: the facts every fact of the evaluation
    shares, and what the check-in fact adds to them."""

    stage: Stage
    goal: Goal
    history: bool
    cleared: bool  # clearance on record in the state
    cleared_today: bool
    paused: bool
    backoff: BackOff
    single_leg: bool  # week_single_leg: the week planned for the state has single-leg work
    doses: tuple[int, ...]  # the dose steps whose week has single_leg (as planned)

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.paused, list(BackOff).index(self.backoff), self.history, self.cleared,
                self.cleared_today, self.stage.order, list(Goal).index(self.goal),
                self.doses)

    def shared(self) -> dict[str, Scalar]:
        return {"stage": self.stage.id, "stage_order": self.stage.order,
                "goal": self.goal.value, "history": self.history,
                "cleared": self.cleared or self.cleared_today,
                "cleared_today": self.cleared_today, "paused": self.paused}


@attrs.frozen
class Clock:
    """The state's dates and counters, counted back from the check-in, and whether the
    session was done. ``None`` days fall back to the start (as in the engine)."""

    fresh: bool  # a new athlete: no check-in yet
    completed: bool
    minutes: int
    short: bool  # minutes reported under session_counts_min_minutes
    since_checkin: int | None  # None: no check-in yet (days since the start then)
    since_session: int | None
    since_change: int | None
    since_backoff: int | None
    window_open: bool  # an open back-off window still runs on the check-in date
    sessions: int  # sessions in the recent window before this check-in
    done: int
    missed: int
    clean: int
    since_start: int

    def facts(self, backoff: BackOff, clean: bool) -> dict[str, Scalar]:
        """The check-in fact's clock fields, for a clean check-in or one that is not."""
        start = self.since_start
        trained_today = self.since_session == 0
        counted_today = self.since_checkin == 0
        session = self.completed and not self.short
        new = session and not trained_today
        if session:
            done, missed = self.done + (0 if trained_today else 1), 0
        elif trained_today or self.completed:  # a short session: no session, no miss
            done, missed = self.done, self.missed
        else:
            done, missed = 0, self.missed + (0 if counted_today else 1)
        active = backoff is not BackOff.NONE and self.window_open
        return {
            "completed": self.completed,
            "minutes": self.minutes,
            "short_session": self.short,
            "sessions_in_window": self.sessions + new,
            "consecutive_completed": done,
            "consecutive_missed": missed,
            "clean_streak": self.clean + new if clean else 0,
            "days_at_dose": _or(self.since_change, start),
            "days_since_last_checkin": _or(self.since_checkin, start),
            "days_since_last_session": _or(self.since_session, start),
            "had_backoff": self.since_backoff is not None,
            "days_since_backoff": _or(self.since_backoff, 0),
            "deload_active": active and backoff is BackOff.DELOAD,
            "rest_active": active and backoff is BackOff.REST,
            "backoff_ended": backoff is not BackOff.NONE and not active,
        }


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


@attrs.frozen
class Item:
    """A symptom or compensation the model may report: its own rule bits (before the
    context's), what it adds to the check-in fact, and the invariants' signs it shows."""

    thing: Symptom | Compensation
    key: tuple[Any, ...]
    fact: FactType
    week: bool | None  # the week_single_leg a compensation was made for
    bits: int
    severity: int  # the run of max_severity its severity falls in (0 for compensations)
    pain: bool
    clean: bool
    signs: frozenset[str]


def _pain(spec: Rulebook, thing: Symptom | Compensation, week: bool) -> bool:
    return isinstance(thing, Symptom) and pain_sign(spec, thing, "pain-pauses")


def _backoff(spec: Rulebook, thing: Symptom | Compensation, week: bool) -> bool:
    if isinstance(thing, Symptom):
        return backoff_symptom(spec, thing, "backoff-never-raises-load")
    return backoff_compensation(spec, thing, lambda: week)


def _stiffness(spec: Rulebook, thing: Symptom | Compensation, week: bool) -> bool:
    return isinstance(thing, Symptom) and thing.kind is SymptomKind.STIFFNESS


# The signs the invariants look for on one symptom or compensation (given whether the
# week has single-leg work), at the thresholds of a spec; the kit's own predicates.
SIGNS: Mapping[str, Callable[[Rulebook, Symptom | Compensation, bool], bool]] = {
    "pain": _pain, "backoff": _backoff, "stiffness": _stiffness}


def cell_of(item: Item) -> tuple[Any, ...]:
    """What tells an item from another: everything but the symptom or compensation."""
    return (item.fact, item.week, item.bits, item.severity, item.pain, item.clean,
            item.signs)


def keep_plainest(found: dict[tuple[Any, ...], Item], item: Item) -> None:
    """Keep the plainest item of each cell."""
    cell = cell_of(item)
    old = found.get(cell)
    if old is None or item.key < old.key:
        found[cell] = item
