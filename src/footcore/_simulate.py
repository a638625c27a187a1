"""Scripted athletes: a scenario, week by week, played through the engine.

A scenario is data (the CLI reads it from TOML): who the athlete is, and for each week how
many sessions were done or missed and what was reported. :func:`checkins` expands it into
dated check-ins and :func:`simulate` feeds them to an engine, each decision's state being
the next check-in's input, as an app would store it. Nothing here reads files or a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import attrs

from ._convert import structure
from ._engine import Engine
from ._enums import Action, Goal, Observation
from ._errors import InputError
from ._models import CheckIn, Compensation, Decision, Metrics, Symptom
from ._transition import BACK_OFF_ACTIONS

__all__ = ["Scenario", "Week", "checkins", "is_back_off", "main_reason", "parse_scenario",
           "simulate"]


def _count(low: int, high: int) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: int) -> None:
        if not low <= value <= high:
            raise InputError(f"{attribute.name}: got {value}; accepted: {low} to {high}")
    return check


@attrs.frozen
class Week:
    """One week of a scenario, played ``repeat`` times in a row.

    Sessions fall on the week's days 1, 3, 5 (for three; spread evenly for other counts),
    the done ones first. Symptoms, compensations and observations are reported at check-in
    ``report_at`` (1 = the week's first), clearance at the first, and metrics at every
    check-in. ``minutes``, if set, is how long this week's done sessions lasted, in place of
    the scenario's.
    """

    done: int = attrs.field(default=3, validator=_count(0, 7))
    missed: int = attrs.field(default=0, validator=_count(0, 7))
    repeat: int = attrs.field(default=1, validator=_count(1, 520))
    symptoms: tuple[Symptom, ...] = ()
    compensations: tuple[Compensation, ...] = ()
    observations: tuple[Observation, ...] = ()
    metrics: Metrics = attrs.field(factory=Metrics)
    clearance: bool = False
    report_at: int = attrs.field(default=1, validator=_count(1, 7))
    minutes: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_count(1, 600)))

    def __attrs_post_init__(self) -> None:
        if self.done + self.missed > 7:
            raise InputError(f"done + missed: got {self.done + self.missed}; accepted: at "
                             f"most 7 sessions a week")
        reported = self.symptoms or self.compensations or self.observations
        if reported and self.report_at > self.done + self.missed:
            raise InputError(f"report_at: got {self.report_at}; accepted: 1 to "
                             f"{self.done + self.missed}, a check-in of this week")
        if self.clearance and not self.done + self.missed:
            raise InputError("clearance: a week with no sessions has no check-in to bring it")


@attrs.frozen
class Scenario:
    """A scripted athlete: who they are, and what happens week by week (``week``)."""

    title: str
    athlete: str
    goal: Goal
    start: date
    week: tuple[Week, ...]
    history: bool = False
    cleared: bool = False
    minutes: int = attrs.field(default=18, validator=_count(1, 600))
    description: str = ""


def parse_scenario(data: Mapping[str, Any]) -> Scenario:
    """Build a scenario from its TOML tables (as :func:`tomllib.load` returns them).

    Raises:
        InputError: a missing, unknown or invalid field, with where it is.
    """
    head = {key: value for key, value in data.items() if key != "week"}
    weeks = data.get("week")
    if not isinstance(weeks, list) or not weeks:
        raise InputError("scenario: needs at least one [[week]] table")
    parsed = []
    for number, week in enumerate(weeks, 1):
        try:
            parsed.append(structure(week, Week, "week"))
        except InputError as exc:
            raise InputError(f"[[week]] number {number}: {exc}") from None
    if not any(week.done + week.missed for week in parsed):
        raise InputError("scenario: its weeks hold no check-in (no done or missed session)")
    scenario = structure({**head, "week": []}, Scenario, "scenario")
    return attrs.evolve(scenario, week=tuple(parsed))


def _offsets(sessions: int) -> list[int]:
    return [number * 7 // sessions for number in range(sessions)]


def checkins(scenario: Scenario) -> Iterator[tuple[int, CheckIn]]:
    """The scenario's check-ins in date order, each with its week number (1 first)."""
    monday = scenario.start
    number = 0
    for week in scenario.week:
        for _ in range(week.repeat):
            number += 1
            planned = week.done + week.missed
            for session, offset in enumerate(_offsets(planned), 1):
                done = session <= week.done
                reported = session == week.report_at
                minutes = scenario.minutes if week.minutes is None else week.minutes
                yield number, CheckIn(
                    on=monday + timedelta(days=offset), completed=done,
                    minutes=minutes if done else 0,
                    symptoms=week.symptoms if reported else (),
                    compensations=week.compensations if reported else (),
                    observations=week.observations if reported else (),
                    metrics=week.metrics, clinician_cleared=week.clearance and session == 1)
            monday += timedelta(days=7)


def simulate(engine: Engine, scenario: Scenario, *,
             progress: Callable[[int], object] | None = None) -> tuple[Decision, ...]:
    """Play the scenario through ``engine``: one decision per check-in. ``progress``, if
    given, is called with the number of check-ins done after each."""
    state = engine.new_athlete(scenario.athlete, goal=scenario.goal, start=scenario.start,
                               prior_foot_ankle_problems=scenario.history,
                               clinician_cleared=scenario.cleared)
    decisions = []
    for _, checkin in checkins(scenario):
        decision = engine.evaluate(state, checkin)
        decisions.append(decision)
        state = decision.state
        if progress is not None:
            progress(len(decisions))
    return tuple(decisions)


def main_reason(decision: Decision) -> str:
    """The winning rule (the first, when several won; ``(+N)`` counts the others)."""
    winners = decision.winners
    if not winners:
        return "(no rule fired)"
    more = f" (+{len(winners) - 1})" if len(winners) > 1 else ""
    return f"{winners[0].rule_id}{more}"


def is_back_off(decision: Decision) -> bool:
    """A back-off starts here: deload, rest, regress, or a pause that was not already on."""
    if decision.action is Action.PAUSE:
        return not decision.prior_state.paused
    return decision.action in BACK_OFF_ACTIONS
