"""Building a week's plan from the rulebook and an athlete's state (P6, P11)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, timedelta

from ._enums import Action, BackOff, Category, Goal, Observation
from ._memo import keep_latest, remember
from ._models import AthleteState, Dose, Exercise, PlanItem, Session, WeekPlan
from ._rulebook import Rule, Rulebook, Step
from ._trusted import trusted
from ._words import day

__all__ = ["build_plan", "plan_inputs", "planned_week", "rest_days_end", "winning_cues",
           "with_cues"]


# Warm-ups and cool-downs keep their dose in a deload: it lowers the training, not the care.
_UNCHANGED_BY_DELOAD = frozenset({Category.WARM_UP, Category.COOL_DOWN, Category.MOBILITY})
_PLAN = trusted(WeekPlan)


def _dose(exercise: Exercise, step: Step, rulebook: Rulebook, deload: bool) -> Dose:
    base = exercise.dose
    resistance = step.resistance if exercise.resisted and step.resistance else base.resistance
    if deload and exercise.category not in _UNCHANGED_BY_DELOAD:
        reps, hold = step.applied(base, rulebook.number("deload_volume_factor"),
                                  rulebook.number("deload_intensity_factor"))
        resistance = "none"
    else:
        reps, hold = step.applied(base)
    if base.form == "duration":  # P10, P11: a bout keeps its one rep and some length
        reps, hold = 1, max(hold, 1)
    elif base.form == "instruction":  # P11: no count for a step to scale (1.5 x 1 rep was 2)
        reps, hold = 1, 0
    return Dose(sets=base.sets, reps=reps, hold_s=hold, resistance=resistance, form=base.form)


def _item(rulebook: Rulebook, exercise_id: str, step: Step, deload: bool,
          hops_barred: bool) -> PlanItem:
    exercise = rulebook.exercises[exercise_id]
    if hops_barred and exercise.category is Category.PLYOMETRIC and exercise.substitute:
        exercise = rulebook.exercises[exercise.substitute]
    return PlanItem(exercise=exercise.id, name=exercise.name, category=exercise.category,
                    loaded=exercise.loaded, dose=_dose(exercise, step, rulebook, deload),
                    cues=exercise.cues)


Week = tuple[tuple[Session, ...], tuple[PlanItem, ...]]
_WEEKS_MOST = 4096
_weeks: dict[tuple[object, ...], Week] = {}


def _week(rulebook: Rulebook, stage_id: str, goal: Goal, dose_level: int, deload: bool,
          hops_barred: bool, keep: int | None, leads: tuple[str, ...] = ()) -> Week:
    """The sessions (the first ``keep`` only, in a rest window) and habits of one stage, goal
    and dose, led by the exercises ``leads`` (P1): the same inputs always give the same
    (immutable) week, so it is computed once, and equal weeks are the same objects.
    Remembered by the rulebook's digest (equal digests, equal rulebooks)."""
    key = (rulebook.digest, stage_id, goal, dose_level, deload, hops_barred, keep, leads)
    week = _weeks.get(key)
    if week is None:
        week = remember(_weeks, key, _build_week(rulebook, stage_id, goal, dose_level, deload,
                                                 hops_barred, keep, leads), _WEEKS_MOST)
    return week


def _led(rulebook: Rulebook, items: tuple[str, ...], leads: tuple[str, ...]) -> tuple[str, ...]:
    """A session's exercises with each of ``leads`` first among the two-footed items of its
    category (P1): moved there when the session has it, else in place of that item. The
    categories keep their order, so the session keeps its shape; one without such an item
    is left as it is."""
    names, placed = list(items), set()
    for lead in leads:
        category = rulebook.exercises[lead].category
        slots = [n for n, name in enumerate(names) if n not in placed
                 and rulebook.exercises[name].category is category
                 and not rulebook.exercises[name].unilateral]
        if not slots:
            continue
        first = slots[0]
        if lead in names:
            other = names.index(lead)
            names[first], names[other] = names[other], names[first]
        else:
            names[first] = lead
        placed.add(first)
    return tuple(names)


def _build_week(rulebook: Rulebook, stage_id: str, goal: Goal, dose_level: int, deload: bool,
                hops_barred: bool, keep: int | None, leads: tuple[str, ...]) -> Week:
    stage = rulebook.stage(stage_id)
    level = min(dose_level, len(stage.steps) - 1)
    step = stage.steps[level]  # which also decides the items gated on steps (P3)
    sessions = tuple(
        Session(focus=t.focus, minutes=t.minutes,
                items=tuple(_item(rulebook, name, step, deload, hops_barred)
                            for name in _led(rulebook, t.items_at(level), leads)))
        for t in stage.sessions_for(goal)
    )[:keep]
    habits = tuple(_item(rulebook, name, step, deload, hops_barred) for name in stage.habits)
    return sessions, habits


def build_plan(rulebook: Rulebook, state: AthleteState, cues: Iterable[str] = ()) -> WeekPlan:
    """The plan for the week after ``state``: its sessions, daily habits, cues and tracking.

    A deload lowers the reps, hold times and resistance of the main items and of the daily
    habits (P9, P11: the habits are training too); a rest window does the same and drops
    sessions (P10); a pause plans no training at all; an athlete with a foot or ankle
    history does no hops until a clinician has cleared them (P10). ``state`` is a checked
    state of a stage of ``rulebook``, so the plan is built without checking it again.
    """
    stage = rulebook.stage(state.stage)
    if state.paused:
        return _PLAN(state.athlete_id, stage.id, state.dose_level, "paused", (), (),
                     tuple(dict.fromkeys(cues)), rulebook.meta.tracking,
                     ("Training is paused: see a clinician, and resume once they clear you "
                      "and the pain has gone (P10).",))
    rest = state.backoff is BackOff.REST
    deload = rest or state.backoff is BackOff.DELOAD
    hops_barred = _hops_barred(state)
    notes: list[str] = []
    if deload:  # a rest window is a deload whose first days drop sessions
        window_end = state.backoff_until
        assert window_end is not None  # checked when the state was made
        if rest:
            keep = rulebook.whole("rest_sessions_per_week")
            end = rest_days_end(rulebook, state)
            until = window_end if end is None else min(end, window_end)
            notes.append(f"Rest days until {day(until)}: "
                         f"{len(stage.sessions_for(state.goal)) - keep} session(s) this week "
                         f"become rest days (P10).")
        notes.append(f"Deload until {day(window_end)}: fewer reps, shorter holds, no "
                     f"added resistance, in the sessions and the daily habits (P9, P11).")
    if hops_barred:
        notes.append("Hops are replaced until a clinician clears your foot or ankle "
                     "history (P10).")
    leads = stage.emphasis.leads(state.awareness)
    notes.extend(_emphasis_note(rulebook, found, lead) for found, lead in leads)
    if state.awareness and stage.order == 0:
        each = "a drill for it" if len(state.awareness) == 1 else "a drill for each"
        notes.append(f"Noted so far: {' and '.join(_FOUND[o] for o in state.awareness)}; "
                     f"the work after this rung starts with {each} (P1).")
    sessions, habits = _week(rulebook, stage.id, state.goal, state.dose_level, deload,
                             hops_barred, keep if rest else None,
                             tuple(lead for _, lead in leads))
    return _PLAN(state.athlete_id, stage.id, state.dose_level,
                 "rest" if rest else "deload" if deload else "normal", sessions, habits,
                 tuple(dict.fromkeys(cues)) if cues else (), rulebook.meta.tracking,
                 tuple(notes))


def rest_days_end(rulebook: Rulebook, state: AthleteState) -> date | None:
    """The day the rest days of ``state``'s rest window end (the window runs on as a deload
    from it, P10), or None when no back-off date is on record."""
    began = state.last_backoff_on
    return None if began is None else began + timedelta(days=rulebook.whole("rest_days"))


def _hops_barred(state: AthleteState) -> bool:
    return state.prior_foot_ankle_problems and not state.clinician_cleared


def planned_week(rulebook: Rulebook, state: AthleteState) -> Week:
    """The sessions and habits ``state``'s stage plans for a week, as :func:`build_plan`
    has them but at full dose and with none dropped by a rest window."""
    leads = rulebook.stage(state.stage).emphasis.leads(state.awareness)
    return _week(rulebook, state.stage, state.goal, state.dose_level, False,
                 _hops_barred(state), None, tuple(lead for _, lead in leads))


_FOUND = {Observation.FLATTENING: "the arch flattening",
          Observation.OVER_GRIPPING: "the toes over-gripping"}


def _emphasis_note(rulebook: Rulebook, found: Observation, lead: str) -> str:
    exercise = rulebook.exercises[lead]
    return (f"Your awareness weeks found {_FOUND[found]}: {exercise.name.lower()} moves to "
            f"the front of the sessions' {exercise.category.value.replace('_', ' ')} work "
            f"(P1).")


def plan_inputs(state: AthleteState) -> tuple[object, ...]:
    """What :func:`build_plan` reads of ``state``: states with equal inputs get equal plans
    (under one rulebook), so a plan may be remembered under them."""
    return (state.athlete_id, state.stage, state.dose_level, state.paused, state.backoff,
            state.backoff_until, state.last_backoff_on, state.clinician_cleared,
            state.prior_foot_ankle_problems, state.goal, state.awareness)


def winning_cues(fired: Iterable[Rule], action: Action) -> list[str]:
    """The cues a decision's plan carries: those of the fired rules whose action was taken,
    each once, in firing order. An overridden rule's cue is left out, so a paused athlete is
    never told what an overridden hold or rise would have said (P10)."""
    return list(dict.fromkeys(rule.cue for rule in fired if rule.action is action and rule.cue))


_CUED_MOST = 2048  # a plan per athlete, over a thousand served in turn (bench_speed.py)
_cued: OrderedDict[tuple[int, tuple[str, ...]], tuple[WeekPlan, WeekPlan]] = OrderedDict()


def with_cues(plan: WeekPlan, cues: Iterable[str]) -> WeekPlan:
    """``plan`` (built with no cues) with ``cues``: what :func:`build_plan` builds with them.
    The same plan with the same cues gives the same object (a cue often repeats from one
    check-in to the next, the week unchanged)."""
    wanted = tuple(dict.fromkeys(cues))
    key = (id(plan), wanted)
    known = _cued.get(key)
    if known is not None and known[0] is plan:
        return known[1]
    made = _PLAN(plan.athlete_id, plan.stage, plan.dose_level, plan.mode, plan.sessions,
                 plan.habits, wanted, plan.tracking, plan.notes)
    keep_latest(_cued, key, (plan, made), _CUED_MOST)
    return made
