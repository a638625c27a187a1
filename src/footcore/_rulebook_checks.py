"""The checks a rulebook's parts pass to load, each failure a :class:`RulebookError` naming
the file, the item and the field: ids, sources, the parameters the engine needs and their
bounds, exercises, each stage's dose steps, sessions (P6's blocks), gates and emphasis,
the ladder, and a way forward from every rung but the last.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

from ._blocks import main_part, missing_kinds
from ._conditions import FactType, Op
from ._enums import RULE_ACTIONS, Action, Category, Goal, Observation
from ._errors import InputError, RulebookError
from ._limits import MAX_PERIOD_DAYS, check_value, limit
from ._models import Dose, Exercise
from ._rulebook import Param, Rule, SessionTemplate, Stage

__all__ = [
    "OPTIONAL_PARAMS",
    "REQUIRED_PARAMS",
    "check_exercises",
    "check_ids",
    "check_ladder",
    "check_limits",
    "check_params",
    "check_source",
    "check_stage",
    "check_ways_forward",
    "not_a_rule_action",
]

REQUIRED_PARAMS = (
    "window_days", "sessions_per_week", "session_min_minutes", "session_max_minutes",
    "clean_max_severity", "clean_max_soreness", "clean_max_fatigue", "deload_days",
    "deload_volume_factor", "deload_intensity_factor", "rest_days", "rest_sessions_per_week",
    "max_dose_step_increase",
)
# Read by the engine when a rulebook defines them; without them nothing changes.
OPTIONAL_PARAMS = ("session_counts_min_minutes",)
_PARAGRAPH = re.compile(r"P(?:[1-9]|1[0-2])")
_MAX_FACTOR = 100
# The values the parameters the engine reads may take: (lowest, highest, whole numbers only).
# A parameter in days (by unit or name) is a whole number up to the period_days limit, and
# one in severity lies within 0-10, so no date arithmetic can overflow; one in symmetry
# lies within 0-1, as the measure does.
_BOUNDS: Mapping[str, tuple[float, float, bool]] = {
    "window_days": (1, limit("recent_sessions"), True),
    "sessions_per_week": (1, 14, True),
    "session_min_minutes": (1, 600, True),
    "session_max_minutes": (1, 600, True),
    "session_counts_min_minutes": (0, 600, True),
    "deload_days": (1, MAX_PERIOD_DAYS, True),
    "rest_days": (1, MAX_PERIOD_DAYS, True),
    "rest_sessions_per_week": (0, 13, True),
    "max_dose_step_increase": (0, 1, False),
}


_ENGINE_ANSWERS = {Action.RETARGET: "a change of goal (Engine.change_goal)",
                   Action.UPGRADE: "a move to another rulebook (Engine.upgrade)"}


def not_a_rule_action(action: Action) -> str:
    """Why a rulebook may not name ``action``, one of the engine's own answers."""
    return (f"got {action.value!r}, the engine's answer to {_ENGINE_ANSWERS[action]}, which "
            f"no rule proposes; accepted: {', '.join(RULE_ACTIONS)}")


def check_source(source: tuple[str, ...], rationale: str | None, file: str, item: str) -> None:
    if not source:
        raise RulebookError("needs a source: article paragraphs (P1..P12) or 'default'",
                            file=file, item=item, field="source")
    for entry in source:
        if entry != "default" and not _PARAGRAPH.fullmatch(entry):
            raise RulebookError(f"{entry!r} is not a paragraph P1..P12 or 'default'",
                                file=file, item=item, field="source")
    if "default" in source and not (rationale and rationale.strip()):
        raise RulebookError("a 'default' source needs a rationale", file=file, item=item,
                            field="rationale")


def check_ids(ids: list[tuple[str, str]], what: str) -> None:
    """There are not too many of them; each id is printable text without surrounding spaces,
    unique regardless of case."""
    most = limit(f"{what}s")
    if len(ids) > most:
        raise RulebookError(f"{len(ids)} {what}s; at most {most} ({what}s)",
                            file=ids[-1][0], item=what)
    seen: dict[str, str] = {}
    for file, ident in ids:
        if (not ident or ident != ident.strip() or not ident.isprintable()
                or len(ident) > limit("id_length")):
            raise RulebookError(f"got {ident!r:.140}; accepted: printable text without "
                                f"surrounding spaces, 1 to {limit('id_length')} characters",
                                file=file, item=what, field="id")
        key = ident.casefold()
        if key in seen:
            same = "duplicate id" if seen[key] == ident else f"the same id as {seen[key]!r}, " \
                "but for case; ids must differ in more than case"
            raise RulebookError(same, file=file, item=f"{what} {ident}", field="id")
        seen[key] = ident


def _bounds(name: str, param: Param) -> tuple[float, float, bool] | None:
    """The values parameter ``name`` may take, and whether whole numbers only."""
    if name in _BOUNDS:
        return _BOUNDS[name]
    if param.unit == "days" or name.endswith("_days"):
        return 0, MAX_PERIOD_DAYS, True
    if param.unit.startswith("severity"):
        return 0, 10, False
    if param.unit.startswith("symmetry"):  # forefoot pressure symmetry: 1 is even (P7, P11)
        return 0, 1, False
    return None


def check_params(params: Mapping[str, Param], files: Mapping[str, str]) -> None:
    for name in REQUIRED_PARAMS:
        if name not in params:
            raise RulebookError("the engine needs this parameter; define it under [params]",
                                item=f"param {name}")
    for name, param in params.items():
        check_source(param.source, param.rationale, files[name], f"param {name}")
        bounds = _bounds(name, param)
        if bounds is not None:
            low, high, whole = bounds
            value = param.value
            if (whole and not isinstance(value, int)) or not low <= value <= high:
                kind = "a whole number" if whole else "a number"
                raise RulebookError(f"got {value!r:.40}; accepted: {kind} from {low:g} to "
                                    f"{high:g}", file=files[name], item=f"param {name}",
                                    field="value")
    positive = ("window_days", "sessions_per_week", "session_min_minutes", "deload_days",
                "rest_days", "max_dose_step_increase")
    for name in positive:
        if params[name].value <= 0:
            raise RulebookError("must be above 0", file=files[name], item=f"param {name}",
                                field="value")
    for name in ("deload_volume_factor", "deload_intensity_factor"):
        if not 0 < params[name].value < 1:
            raise RulebookError("must lie strictly between 0 and 1", file=files[name],
                                item=f"param {name}", field="value")
    if params["session_max_minutes"].value < params["session_min_minutes"].value:
        raise RulebookError("must not be below session_min_minutes",
                            file=files["session_max_minutes"],
                            item="param session_max_minutes", field="value")
    if not 0 <= params["rest_sessions_per_week"].value < params["sessions_per_week"].value:
        raise RulebookError("must be at least 0 and below sessions_per_week",
                            file=files["rest_sessions_per_week"],
                            item="param rest_sessions_per_week", field="value")


def check_exercises(exercises: Mapping[str, Exercise], files: Mapping[str, str]) -> None:
    for ex in exercises.values():
        item, file = f"exercise {ex.id}", files[ex.id]
        check_source(ex.source, "-", file, item)
        if ex.source == ("default",):
            raise RulebookError("an exercise must cite the paragraphs that name it",
                                file=file, item=item, field="source")
        if ex.category is Category.PLYOMETRIC and ex.substitute is None:
            raise RulebookError("a plyometric exercise needs a substitute for athletes who "
                                "may not hop yet", file=file, item=item, field="substitute")
        if ex.substitute is not None:
            sub = exercises.get(ex.substitute)
            if sub is None:
                raise RulebookError(f"unknown exercise {ex.substitute!r}", file=file,
                                    item=item, field="substitute")
            if sub.category is Category.PLYOMETRIC:
                raise RulebookError("the substitute must not be plyometric", file=file,
                                    item=item, field="substitute")


def check_stage(stage: Stage, params: Mapping[str, Param],
                 exercises: Mapping[str, Exercise], file: str) -> None:
    item = f"stage {stage.id}"
    check_source(stage.source, "-", file, item)
    if not stage.steps:
        raise RulebookError("needs at least one dose step", file=file, item=item, field="steps")
    cap = 1 + params["max_dose_step_increase"].value
    for number, step in enumerate(stage.steps):
        if not (0 < step.reps <= _MAX_FACTOR and 0 < step.hold <= _MAX_FACTOR):
            raise RulebookError(f"reps and hold factors must lie above 0 and at most "
                                f"{_MAX_FACTOR}", file=file, item=item, field=f"steps[{number}]")
        if number:
            before = stage.steps[number - 1]
            for name in ("reps", "hold"):
                now, then = getattr(step, name), getattr(before, name)
                if now < then or now > then * cap + 1e-9:
                    raise RulebookError(
                        f"{name} factor {now} must lie between the step before ({then}) and "
                        f"{cap:g} times it (max_dose_step_increase)",
                        file=file, item=item, field=f"steps[{number}].{name}")
    for name in stage.habits:
        if name not in exercises:
            raise RulebookError(f"unknown exercise {name!r}", file=file, item=item,
                                field="habits")
    leads = _check_emphasis(stage, exercises, file)
    used = {name for session in stage.session for name in session.items if name in exercises}
    for name in sorted(used | set(stage.habits) | set(leads)):
        _check_doses(stage, exercises[name], file)
        _check_rounded_steps(stage, exercises[name], cap - 1, file)
    wanted = int(params["sessions_per_week"].value)
    low, high = params["session_min_minutes"].value, params["session_max_minutes"].value
    counts = params.get("session_counts_min_minutes")
    for goal in Goal:
        count = len(stage.sessions_for(goal))
        if count != wanted:
            raise RulebookError(
                f"plans {count} sessions for goal {goal.value!r}; sessions_per_week is {wanted}",
                file=file, item=item, field="session")
    for number, session in enumerate(stage.session):
        where = f"session[{number}]"
        if not low <= session.minutes <= high:
            raise RulebookError(f"minutes must lie within {low:g}-{high:g}", file=file,
                                item=item, field=f"{where}.minutes")
        if counts is not None and session.minutes < counts.value:  # P2, P6
            raise RulebookError(f"a session planned for {session.minutes} minutes, done as "
                                f"planned, would not count as one: session_counts_min_minutes "
                                f"is {counts.value:g}; plan it longer or lower that parameter",
                                file=file, item=item, field=f"{where}.minutes")
        for name in session.items:
            if name not in exercises:
                raise RulebookError(f"unknown exercise {name!r}", file=file, item=item,
                                    field=f"{where}.items")
            if exercises[name].dose.form in _HABIT_FORMS:  # P11: habits, not session work
                raise RulebookError(f"{name} is dosed as {exercises[name].dose.form!r}, a "
                                    f"daily habit's form; plan it among the habits",
                                    file=file, item=item, field=f"{where}.items")
        _check_gates(session, len(stage.steps), file, item, where)
        _check_goal_drills(session.items, session.goals, exercises, file, item,
                           f"{where}.items")
        whose = "" if set(session.goals) == set(Goal) else \
            f"for {', '.join(g.value for g in session.goals)}"
        checked: set[tuple[str, ...]] = set()
        for level in range(len(stage.steps)) if session.gated else (0,):
            planned = session.items_at(level)
            if planned not in checked:
                checked.add(planned)
                at = ", ".join(filter(None, (
                    whose, f"at dose step {level}" if session.gated else "")))
                _check_block(planned, exercises, file, item, f"{where}.items",
                             f"{at}: " if at else "")
    _check_goal_drills(stage.habits, tuple(Goal), exercises, file, item, "habits")


def _check_gates(session: SessionTemplate, steps: int, file: str, item: str,
                 where: str) -> None:
    """Each gate names an item the session lists once, no item has two gates, and the steps
    are the stage's, the first no later than the last."""
    gated: set[str] = set()
    for number, gate in enumerate(session.gated):
        field = f"{where}.gated[{number}]"
        count = session.items.count(gate.item)
        if count != 1:
            raise RulebookError(
                f"{gate.item!r} is {f'listed {count} times' if count else 'not an item'} in this "
                f"session; gate an item the session lists once", file=file, item=item,
                field=f"{field}.item")
        if gate.item in gated:
            raise RulebookError(f"{gate.item!r} has two gates; give it one", file=file,
                                item=item, field=f"{field}.item")
        gated.add(gate.item)
        last = steps - 1 if gate.last_step is None else gate.last_step
        for name, value in (("first_step", gate.first_step), ("last_step", last)):
            if not 0 <= value < steps:
                raise RulebookError(f"got {value}; accepted: a dose step of this stage, 0 to "
                                    f"{steps - 1}", file=file, item=item,
                                    field=f"{field}.{name}")
        if gate.first_step > last:
            raise RulebookError(f"first_step {gate.first_step} comes after last_step {last}: "
                                f"the item would never be planned", file=file, item=item,
                                field=f"{field}.last_step")


def _check_block(items: tuple[str, ...], exercises: Mapping[str, Exercise], file: str,
                 item: str, field: str, at: str) -> None:
    """One session as planned at one dose step: a warm-up first, the cool-down last, and a
    main part that holds each of P6's kinds with no two neighbours of one category, as
    planned and as planned for an athlete who may not hop yet (hops swapped for their
    substitutes)."""
    if len(items) < 3:
        raise RulebookError(f"{at}needs a warm-up, at least one main item and a cool-down",
                            file=file, item=item, field=field)
    categories = [exercises[name].category for name in items]
    if categories[0] is not Category.WARM_UP:
        raise RulebookError(f"{at}must start with a warm_up exercise", file=file, item=item,
                            field=field)
    if categories[-1] is not Category.COOL_DOWN:
        raise RulebookError(f"{at}must end with a cool_down exercise (P6); mobility work may "
                            f"come just before it", file=file, item=item, field=field)
    main = main_part(categories)
    if not main:
        raise RulebookError(f"{at}needs at least one main item between the warm-up and the "
                            f"cool-down", file=file, item=item, field=field)
    swapped = main_part([exercises[exercises[n].substitute or n].category for n in items])
    for planned, how in ((main, ""), (swapped, " with hops substituted")):
        for first, second in itertools.pairwise(planned):
            if first is second:
                raise RulebookError(
                    f"{at}two neighbouring main items are both {first.value}{how}; "
                    f"alternate them", file=file, item=item, field=field)
        lacking = missing_kinds(planned)
        if lacking:
            raise RulebookError(
                f"{at}the main items{how} hold no {' and no '.join(lacking)}: each block "
                f"alternates activation drills, static holds (balance stands count) and "
                f"dynamic transitions (hops count) (P6)", file=file, item=item, field=field)


_HABIT_FORMS = frozenset({"daily", "instruction"})

# What an emphasis exercise may be (P1): main, two-footed work every goal does, so that
# taking the place of a session item of its category keeps the session's shape, its
# single-leg work and its goal drills.
_NOT_LEADING = frozenset({Category.WARM_UP, Category.COOL_DOWN, Category.MOBILITY,
                          Category.PLYOMETRIC})


def _check_emphasis(stage: Stage, exercises: Mapping[str, Exercise],
                    file: str) -> tuple[str, ...]:
    """The stage's emphasis exercises, each known and fit to lead (P1) at every dose step:
    one a session gates would reach the athlete before the step its gate waits for (P3)."""
    for found in Observation:
        if getattr(stage.emphasis, found.value) == "":
            raise RulebookError("got an empty string; accepted: an exercise id, or leave the "
                                "finding out", file=file, item=f"stage {stage.id}",
                                field=f"emphasis.{found.value}")
    gated = {gate.item for session in stage.session for gate in session.gated}
    leads = stage.emphasis.leads(Observation)
    for found, name in leads:
        where = f"emphasis.{found.value}"
        exercise = exercises.get(name)
        if exercise is None:
            raise RulebookError(f"unknown exercise {name!r}", file=file,
                                item=f"stage {stage.id}", field=where)
        if (exercise.category in _NOT_LEADING or exercise.unilateral or exercise.goals
                or exercise.dose.form in _HABIT_FORMS):
            raise RulebookError(
                f"{name} cannot lead a session's work: an emphasis exercise is two-footed "
                f"main work (not {', '.join(sorted(c.value for c in _NOT_LEADING))}) that "
                f"every goal does, dosed in sets or a duration", file=file,
                item=f"stage {stage.id}", field=where)
        if name in gated:
            raise RulebookError(f"{name} is gated on dose steps in a session of this stage; "
                                f"an emphasis exercise leads at every step, so it cannot be "
                                f"gated work (P3): choose an ungated exercise",
                                file=file, item=f"stage {stage.id}", field=where)
    return tuple(name for _, name in leads)


def _check_goal_drills(items: Iterable[str], goals: tuple[Goal, ...],
                       exercises: Mapping[str, Exercise], file: str, item: str,
                       field: str) -> None:
    """A goal's own drill (and its hop substitute) is planned only for that goal (P4); daily
    habits, which every goal shares, plan none."""
    for name in items:
        for exercise in {exercises[name], exercises[exercises[name].substitute or name]}:
            if exercise.goals and not set(goals) <= set(exercise.goals):
                owners = ", ".join(g.value for g in exercise.goals)
                wanted = ", ".join(g.value for g in goals)
                raise RulebookError(
                    f"{exercise.id} is a drill of goal(s) {owners}, planned for {wanted}; "
                    f"plan a goal's own drills only in its own sessions", file=file,
                    item=item, field=field)


def _check_doses(stage: Stage, exercise: Exercise, file: str) -> None:
    """Each step gives the exercise a dose a plan can hold (reps, hold seconds, resistance)."""
    for number, step in enumerate(stage.steps):
        reps, hold = step.applied(exercise.dose)
        try:
            Dose(exercise.dose.sets, reps, hold, step.resistance if exercise.resisted
                 and step.resistance else exercise.dose.resistance)
        except InputError as exc:
            raise RulebookError(f"{exercise.id} at this step: {exc}", file=file,
                                item=f"stage {stage.id}", field=f"steps[{number}]") from None


def _check_rounded_steps(stage: Stage, exercise: Exercise, increase: float, file: str) -> None:
    """A step may raise an exercise's rounded reps or hold by the step cap, or by one rep or
    second where the cap is less than that: rounding must not sneak in a bigger jump."""
    doses = [step.applied(exercise.dose) for step in stage.steps]
    for number in range(1, len(doses)):
        for what, then, now in zip(("reps", "hold"), doses[number - 1], doses[number],
                                   strict=True):
            if now - then > max(1.0, increase * then) + 1e-9:
                raise RulebookError(
                    f"{exercise.id}: {what} {then} -> {now} after rounding rises by more than "
                    f"max_dose_step_increase ({increase:g}) or one unit; change the "
                    f"exercise's base dose or the step factors", file=file,
                    item=f"stage {stage.id}", field=f"steps[{number}].{what}")


def check_ladder(stages: list[Stage], files: Mapping[str, str]) -> None:
    if not stages:
        raise RulebookError("a rulebook needs at least one [[stage]]")
    seen: set[int] = set()
    for stage in stages:
        if stage.order in seen or not 0 <= stage.order < len(stages):
            raise RulebookError(
                f"order {stage.order}: stage orders must be 0..{len(stages) - 1} with no gaps "
                f"or repeats", file=files[stage.id], item=f"stage {stage.id}", field="order")
        seen.add(stage.order)


def _admits(rule: Rule, stage: Stage) -> bool:
    for cond in rule.when:
        if cond.field != "stage" or cond.param is not None:
            continue
        if cond.op is Op.EQ and cond.value != stage.id:
            return False
        if cond.op is Op.NE and cond.value == stage.id:
            return False
        if cond.op is Op.IN and stage.id not in cond.value:
            return False
        if cond.op is Op.NOT_IN and stage.id in cond.value:
            return False
    return True


def check_ways_forward(stages: list[Stage], rules: list[Rule],
                        files: Mapping[str, str]) -> None:
    advancing = [r for r in rules if r.action is Action.ADVANCE and r.fact is FactType.CHECKIN]
    for stage in sorted(stages, key=lambda s: s.order)[:-1]:
        if not any(_admits(rule, stage) for rule in advancing):
            raise RulebookError("no advance rule can fire in this stage: it has no way forward",
                                file=files[stage.id], item=f"stage {stage.id}")


def check_limits(parts: Iterable[tuple[str, str, object]]) -> None:
    """Every part's fields within the limits: finite numbers, whole numbers within +-2**53,
    texts and lists not too long."""
    for file, item, part in parts:
        try:
            check_value(part)
        except InputError as exc:
            raise RulebookError(str(exc), file=file, item=item) from None
