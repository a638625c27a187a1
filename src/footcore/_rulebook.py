"""Rulebook models and the loader that reads, validates and compiles a rules directory."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn

import attrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_unstructure_fn, override

from ._blocks import main_part, missing_kinds
from ._conditions import (
    FACT_FIELDS,
    MAX_SET_GROUPS,
    MAX_SIDE_BY_SIDE,
    ORDERING_OPS,
    SET_OPS,
    CompiledRule,
    FactType,
    FieldSpec,
    Op,
    Scalar,
    Test,
)
from ._convert import CONVERTER, describe_error
from ._enums import (
    RULE_ACTIONS,
    Action,
    Category,
    CompensationKind,
    Goal,
    Location,
    Observation,
    SymptomKind,
)
from ._errors import FootcoreError, InputError, RulebookError
from ._limits import MAX_INT, MAX_PERIOD_DAYS, check_value, limit
from ._models import Dose, Exercise, RulebookRef
from ._safety import floor_breaches
from ._tomlparse import read_toml

__all__ = [
    "Condition",
    "Emphasis",
    "Gate",
    "Param",
    "Rule",
    "Rulebook",
    "RulebookMeta",
    "SessionTemplate",
    "Stage",
    "Step",
    "assemble",
    "load_rulebook",
    "rulebook_data",
    "rulebook_from_data",
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
_ENUM_DOMAINS: Mapping[str, frozenset[str]] = {
    kind.__name__: frozenset(member.value for member in kind)
    for kind in (Goal, SymptomKind, Location, CompensationKind, Category)
}


@attrs.frozen
class Param:
    """A named number of the rulebook, with its unit and where it comes from."""

    value: int | float
    unit: str
    description: str
    source: tuple[str, ...]
    rationale: str | None = None
    reference: str | None = None

    @property
    def is_default(self) -> bool:
        """True when the number is footcore's choice rather than the article's."""
        return "default" in self.source


def half_up(value: float) -> int:
    """Round to the nearest whole number, halves up (the same on every platform)."""
    return math.floor(value + 0.5)


@attrs.frozen
class Step:
    """One dose step of a stage: factors on reps and hold time, and optional resistance."""

    reps: float = 1.0
    hold: float = 1.0
    resistance: str | None = None

    def applied(self, dose: Dose, volume: float = 1.0, intensity: float = 1.0
                ) -> tuple[int, int]:
        """The reps (at least 1) and hold seconds of ``dose`` at this step, the reps scaled
        by ``volume`` and the hold by ``intensity`` (below 1 in a deload)."""
        return (max(1, half_up(dose.reps * self.reps * volume)),
                half_up(dose.hold_s * self.hold * intensity))


@attrs.frozen
class Gate:
    """The dose steps at which a session item is planned: ``first_step`` to ``last_step``,
    both included (to the stage's last step when ``None``). Steps rise only after clean,
    consistent sessions, so a step reached is the evidence of control that new work waits
    for (P3)."""

    item: str
    first_step: int = 0
    last_step: int | None = None

    def admits(self, level: int) -> bool:
        """Whether the item is planned at dose step ``level``."""
        return self.first_step <= level and (self.last_step is None or level <= self.last_step)


@attrs.frozen
class SessionTemplate:
    """One of a stage's weekly sessions, for the goals it lists. ``items`` lists every item
    the session plans at some dose step; ``gated`` says when the gated ones are planned."""

    focus: str
    minutes: int
    items: tuple[str, ...]
    goals: tuple[Goal, ...] = tuple(Goal)
    gated: tuple[Gate, ...] = ()

    def items_at(self, level: int) -> tuple[str, ...]:
        """The items planned at dose step ``level``, in order."""
        if not self.gated:
            return self.items
        gates = {gate.item: gate for gate in self.gated}
        return tuple(name for name in self.items if name not in gates
                     or gates[name].admits(level))


# A session that gates nothing is written, and hashed into the digest, as before gates were.
CONVERTER.register_unstructure_hook(SessionTemplate, make_dict_unstructure_fn(
    SessionTemplate, CONVERTER, gated=override(omit_if_default=True)))


@attrs.frozen
class Emphasis:
    """The exercise a stage puts first for each finding of the awareness rung (P1): the
    arch-lifting drill for flattening, the toe-lengthening one for over-gripping. None
    where the stage leaves its sessions as they are."""

    flattening: str | None = None
    over_gripping: str | None = None

    def leads(self, found: Iterable[Observation]) -> tuple[tuple[Observation, str], ...]:
        """Each of the findings ``found`` that this stage answers, with the exercise that
        leads for it, in their order."""
        return tuple((o, name) for o in found if (name := getattr(self, o.value)))


@attrs.frozen
class Stage:
    """One rung of the ladder."""

    id: str
    order: int
    name: str
    intent: str
    source: tuple[str, ...]
    steps: tuple[Step, ...]
    session: tuple[SessionTemplate, ...]
    habits: tuple[str, ...] = ()
    needs_clearance_with_history: bool = False
    emphasis: Emphasis = Emphasis()

    def sessions_for(self, goal: Goal) -> tuple[SessionTemplate, ...]:
        """The sessions this stage plans for an athlete with ``goal``."""
        return tuple(s for s in self.session if goal in s.goals)


@attrs.frozen
class Condition:
    """One condition of a rule, as written: a field, an operator, a value or a param."""

    field: str
    op: Op
    value: Any = None
    param: str | None = None


_NOT_A_RULE_ACTION = (f"got 'retarget', the engine's answer to a change of goal "
                      f"(Engine.change_goal), which no rule proposes; accepted: "
                      f"{', '.join(RULE_ACTIONS)}")


@attrs.frozen
class Rule:
    """One rule as written in the rulebook."""

    id: str
    action: Action
    fact: FactType
    summary: str
    source: tuple[str, ...]
    when: tuple[Condition, ...] = ()
    rationale: str | None = None
    cue: str | None = None


@attrs.frozen
class RulebookMeta:
    """The ``[rulebook]`` table: identity and conflict resolution."""

    id: str
    version: str
    title: str
    precedence: tuple[Action, ...]
    default_action: Action = Action.HOLD
    tracking: tuple[str, ...] = ()
    digest: str | None = None  # the digest recorded beside the version (footcore._digest)


# The recorded digest is not part of the content it records: the rulebook's own digest
# leaves it out, so recording it changes nothing else.
CONVERTER.register_unstructure_hook(RulebookMeta, make_dict_unstructure_fn(
    RulebookMeta, CONVERTER, digest=override(omit=True)))


@attrs.frozen(eq=False)
class Rulebook:
    """A loaded, validated rulebook. Build it with :func:`load_rulebook`."""

    meta: RulebookMeta
    params: Mapping[str, Param]
    exercises: Mapping[str, Exercise]
    stages: tuple[Stage, ...]
    rules: tuple[Rule, ...]
    compiled: tuple[CompiledRule, ...]
    digest: str
    location: str
    unsafe: tuple[str, ...] = ()
    """What the rulebook breaks of the safety floor (loaded with ``allow_unsafe=True``)."""
    _by_id: Mapping[str, Stage] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {stage.id: stage for stage in self.stages})

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def ref(self) -> RulebookRef:
        """The reference to this rulebook that its decisions carry."""
        return RulebookRef(self.meta.id, self.meta.version, self.digest, self.unsafe)

    def number(self, name: str) -> float:
        """The value of parameter ``name``."""
        return self.params[name].value

    def whole(self, name: str) -> int:
        """The value of parameter ``name``, which must be a whole number."""
        return int(self.params[name].value)

    def stage(self, stage_id: str) -> Stage:
        """The stage called ``stage_id``.

        Raises:
            KeyError: no such stage.
        """
        return self._by_id[stage_id]

    def rank(self, action: Action) -> int:
        """Position of ``action`` in the precedence: 0 is the most conservative."""
        return self.meta.precedence.index(action)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rulebook) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return (f"<Rulebook {self.meta.id} {self.meta.version} digest={self.digest[:12]} "
                f"from {self.location}>")


# ---------------------------------------------------------------- reading files


def default_rules_dir() -> Traversable:
    """The shipped rulebook: inside the installed wheel, or the checkout's ``rules/``."""
    shipped = resources.files("footcore") / "rules"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "rules"


def _toml_files(root: Traversable) -> Iterator[Traversable]:
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise RulebookError(f"no rulebook here: {root} is not a directory or a TOML file")
    files = sorted((f for f in root.iterdir() if f.name.endswith(".toml") and f.is_file()),
                   key=lambda f: f.name)
    if not files:
        raise RulebookError(f"no rulebook here: {root} holds no .toml files")
    if len(files) > limit("rulebook_files"):
        raise RulebookError(f"{root} holds {len(files)} .toml files; at most "
                            f"{limit('rulebook_files')} (rulebook_files)")
    yield from files


@attrs.define
class _Tables:
    meta: list[tuple[str, Any]] = attrs.Factory(list)
    params: dict[str, tuple[str, Any]] = attrs.Factory(dict)
    exercise: list[tuple[str, Any]] = attrs.Factory(list)
    stage: list[tuple[str, Any]] = attrs.Factory(list)
    rule: list[tuple[str, Any]] = attrs.Factory(list)


def _read(root: Traversable) -> _Tables:
    tables = _Tables()
    try:
        files = list(_toml_files(root))
    except OSError as exc:
        raise RulebookError(f"cannot read {root} ({exc})") from None
    for file in files:
        data = read_toml(file)
        for key, value in data.items():
            if key == "rulebook":
                tables.meta.append((file.name, value))
            elif key == "params":
                if not isinstance(value, dict):
                    raise RulebookError("must be a table of parameters", file=file.name,
                                        field="params")
                for name, param in value.items():
                    if name in tables.params:
                        raise RulebookError("defined twice", file=file.name,
                                            item=f"param {name}")
                    tables.params[name] = (file.name, param)
            elif key in ("exercise", "stage", "rule"):
                if not isinstance(value, list):
                    raise RulebookError(f"write it as [[{key}]] tables", file=file.name,
                                        field=key)
                getattr(tables, key).extend((file.name, item) for item in value)
            else:
                raise RulebookError(
                    "unknown top-level table; accepted: rulebook, params, exercise, stage, rule",
                    file=file.name, field=key)
    return tables


def _structure(data: Any, kind: type[Any], file: str, what: str) -> Any:
    named = isinstance(data, dict) and "id" in data
    item = f"{what} {data['id']!s:.{limit('id_length')}}" if named else f"{what} without an id"
    if not isinstance(data, dict):
        raise RulebookError("must be a table", file=file, item=item)
    try:
        return CONVERTER.structure(data, kind)
    except (ClassValidationError, IterableValidationError, FootcoreError, TypeError,
            ValueError, KeyError) as exc:
        raise RulebookError(describe_error(exc), file=file, item=item) from None


# ---------------------------------------------------------------- validation


def _check_source(source: tuple[str, ...], rationale: str | None, file: str, item: str) -> None:
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


def _unique(ids: list[tuple[str, str]], what: str) -> None:
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


def _check_params(params: Mapping[str, Param], files: Mapping[str, str]) -> None:
    for name in REQUIRED_PARAMS:
        if name not in params:
            raise RulebookError("the engine needs this parameter; define it under [params]",
                                item=f"param {name}")
    for name, param in params.items():
        _check_source(param.source, param.rationale, files[name], f"param {name}")
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


def _check_exercises(exercises: Mapping[str, Exercise], files: Mapping[str, str]) -> None:
    for ex in exercises.values():
        item, file = f"exercise {ex.id}", files[ex.id]
        _check_source(ex.source, "-", file, item)
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


def _check_stage(stage: Stage, params: Mapping[str, Param],
                 exercises: Mapping[str, Exercise], file: str) -> None:
    item = f"stage {stage.id}"
    _check_source(stage.source, "-", file, item)
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


def _check_ladder(stages: list[Stage], files: Mapping[str, str]) -> None:
    if not stages:
        raise RulebookError("a rulebook needs at least one [[stage]]")
    seen: set[int] = set()
    for stage in stages:
        if stage.order in seen or not 0 <= stage.order < len(stages):
            raise RulebookError(
                f"order {stage.order}: stage orders must be 0..{len(stages) - 1} with no gaps "
                f"or repeats", file=files[stage.id], item=f"stage {stage.id}", field="order")
        seen.add(stage.order)


def _domain(spec: FieldSpec, stages: list[Stage],
            exercises: Mapping[str, Exercise]) -> frozenset[str] | None:
    if spec.domain == "stage":
        return frozenset(stage.id for stage in stages)
    if spec.domain == "exercise":
        return frozenset(exercises) | {""}
    if spec.domain == "Category":
        return _ENUM_DOMAINS["Category"] | {""}
    return _ENUM_DOMAINS.get(spec.domain or "")


def _constant(value: Any, spec: FieldSpec, allowed: frozenset[str] | None,
              fail: Any) -> Scalar:
    if spec.type is bool:
        if not isinstance(value, bool):
            fail("expected true or false")
        return bool(value)
    if spec.type in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail("expected a number")
        if spec.type is int and not isinstance(value, int):
            fail("expected a whole number")
        if not math.isfinite(value) or abs(value) > MAX_INT:
            fail(f"expected a finite number within +-(2**53 - 1), got {value!r:.40}")
        return float(value) if spec.type is float else int(value)
    if not isinstance(value, str):
        fail("expected a string")
    if allowed is not None and value not in allowed:
        fail(f"{value!r} is not one of {', '.join(sorted(repr(a) for a in allowed))}")
    return str(value)


def _compile(rule: Rule, params: Mapping[str, Param], stages: list[Stage],
             exercises: Mapping[str, Exercise], file: str) -> CompiledRule:
    item = f"rule {rule.id}"
    if len(rule.when) > limit("conditions"):
        raise RulebookError(f"{len(rule.when)} conditions; at most {limit('conditions')} in one "
                            f"rule (conditions)", file=file, item=item, field="when")
    fields = FACT_FIELDS[rule.fact]
    guards: list[Test] = []
    tests: list[Test] = []
    for number, cond in enumerate(rule.when):
        where = f"when[{number}]"

        def fail(message: str, where: str = where) -> NoReturn:
            raise RulebookError(message, file=file, item=item, field=where)

        spec = fields.get(cond.field)
        if spec is None:
            fail(f"{rule.fact} facts have no field {cond.field!r}; they have "
                 f"{', '.join(sorted(fields))}")
        if (cond.value is None) == (cond.param is None):
            fail("give exactly one of value or param")
        if cond.op in ORDERING_OPS and spec.type not in (int, float):
            fail(f"{cond.op.value} compares numbers; {cond.field} is a {spec.type.__name__}")
        if spec.type is bool and cond.op in SET_OPS:
            fail(f"use eq or ne with the true/false field {cond.field}")
        raw: Any = cond.value
        if cond.param is not None:
            param = params.get(cond.param)
            if param is None:
                fail(f"unknown param {cond.param!r}")
            raw = param.value
        allowed = _domain(spec, stages, exercises)
        value: Scalar | tuple[Scalar, ...]
        if cond.op in SET_OPS:
            if not isinstance(raw, list) or not raw:
                fail(f"{cond.op.value} needs a non-empty list value")
            value = tuple(dict.fromkeys(_constant(v, spec, allowed, fail) for v in raw))
        else:
            value = _constant(raw, spec, allowed, fail)
        if spec.guard is not None and all(g.field != spec.guard for g in guards):
            guards.append(Test(spec.guard, Op.EQ, True))
        tests.append(Test(cond.field, cond.op, value))
    groups = sum(1 for t in tests
                 if t.op is Op.IN and isinstance(t.value, tuple) and len(t.value) > 1)
    if groups > MAX_SET_GROUPS:
        raise RulebookError(f"{groups} 'in' conditions with several values; at most "
                            f"{MAX_SET_GROUPS} in one rule (split the rule)",
                            file=file, item=item, field="when")
    return CompiledRule(rule.id, rule.action, rule.fact, (*guards, *tests))


def _width(rule: CompiledRule) -> int:
    """How many conditions a rule puts side by side: its widest 'in', or 1."""
    return max((len(t.value) for t in rule.tests
                if t.op is Op.IN and isinstance(t.value, tuple)), default=1)


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


def _check_ways_forward(stages: list[Stage], rules: list[Rule],
                        files: Mapping[str, str]) -> None:
    advancing = [r for r in rules if r.action is Action.ADVANCE and r.fact is FactType.CHECKIN]
    for stage in sorted(stages, key=lambda s: s.order)[:-1]:
        if not any(_admits(rule, stage) for rule in advancing):
            raise RulebookError("no advance rule can fire in this stage: it has no way forward",
                                file=files[stage.id], item=f"stage {stage.id}")


# ---------------------------------------------------------------- loading


def _content(meta: RulebookMeta, params: Mapping[str, Param], exercises: Mapping[str, Exercise],
             stages: Iterable[Stage], rules: Iterable[Rule]) -> dict[str, Any]:
    content: dict[str, Any] = CONVERTER.unstructure({
        "meta": meta, "params": dict(sorted(params.items())),
        "exercises": sorted(exercises.values(), key=lambda e: e.id),
        "stages": sorted(stages, key=lambda s: s.order), "rules": list(rules),
    }, unstructure_as=dict[str, Any])
    return content


def _digest(meta: RulebookMeta, params: Mapping[str, Param], exercises: Mapping[str, Exercise],
            stages: list[Stage], rules: list[Rule]) -> str:
    text = json.dumps(_content(meta, params, exercises, stages, rules), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def rulebook_data(rulebook: Rulebook) -> dict[str, Any]:
    """The rulebook's whole content as JSON data (what its digest hashes): the compact form
    in which it travels to other processes or machines. :func:`rulebook_from_data` reads it."""
    return _content(rulebook.meta, rulebook.params, rulebook.exercises, rulebook.stages,
                    rulebook.rules)


def rulebook_from_data(data: Mapping[str, Any], *, location: str,
                       allow_unsafe: bool = False) -> Rulebook:
    """The rulebook :func:`rulebook_data` gave, validated and compiled again (below the
    safety floor only with ``allow_unsafe``, as :func:`load_rulebook`).

    Raises:
        RulebookError: the data is not a whole rulebook; the message names the part.
    """
    missing = {"meta", "params", "exercises", "stages", "rules"} - set(data)
    if missing:
        raise RulebookError(f"rulebook data lacks {', '.join(sorted(missing))}", file=location)
    return assemble(
        _structure(data["meta"], RulebookMeta, location, "rulebook"),
        {name: _structure(value, Param, location, f"param {name}")
         for name, value in data["params"].items()},
        [_structure(item, Exercise, location, "exercise") for item in data["exercises"]],
        [_structure(item, Stage, location, "stage") for item in data["stages"]],
        [_structure(item, Rule, location, "rule") for item in data["rules"]],
        location=location, allow_unsafe=allow_unsafe)


def load_rulebook(path: str | Path | Traversable | None = None, *,
                  allow_unsafe: bool = False) -> Rulebook:
    """Load, validate and compile a rulebook.

    Args:
        path: a directory of TOML files, or one TOML file; ``None`` loads the rulebook that
            ships with footcore (the article's).
        allow_unsafe: load a rulebook that breaks the safety floor (pause first in the
            precedence, the load-raising actions last, a default action that does not raise
            the load, sharp or persistent pain pauses), for experiments: every decision
            made under it says so, in ``decision.rulebook.unsafe`` and in its explanation.

    Raises:
        RulebookError: anything wrong, with the file, the item and the field named.
        InputError: ``path`` is not a path.
    """
    if path is not None and not isinstance(path, str | Path | Traversable):
        raise InputError(f"path: got {type(path).__name__}; accepted: a directory or TOML "
                         f"file path, or None for the shipped rulebook")
    root: Traversable = default_rules_dir() if path is None else (
        Path(path) if isinstance(path, str | Path) else path)
    tables = _read(root)
    if len(tables.meta) != 1:
        raise RulebookError(f"needs exactly one [rulebook] table; found {len(tables.meta)}",
                            file=", ".join(f for f, _ in tables.meta) or None)
    files: dict[str, str] = {}
    meta_file, meta_data = tables.meta[0]
    meta: RulebookMeta = _structure(meta_data, RulebookMeta, meta_file, "rulebook")
    files["rulebook"] = meta_file
    _unique([(file, name) for name, (file, _) in tables.params.items()], "param")
    params: dict[str, Param] = {}
    for name, (file, data) in tables.params.items():
        params[name] = _structure(data, Param, file, f"param {name}")
        files[f"param {name}"] = file
    found: dict[str, list[Any]] = {"exercise": [], "stage": [], "rule": []}
    for what, kind in (("exercise", Exercise), ("stage", Stage), ("rule", Rule)):
        items = getattr(tables, what)
        _unique([(f, d["id"]) for f, d in items
                 if isinstance(d, dict) and isinstance(d.get("id"), str)], what)
        for file, data in items:
            item = _structure(data, kind, file, what)
            found[what].append(item)
            files[f"{what} {item.id}"] = file
    return assemble(meta, params, found["exercise"], found["stage"], found["rule"],
                    location=str(root), files=files, allow_unsafe=allow_unsafe)


def _check_limits(parts: Iterable[tuple[str, str, object]]) -> None:
    """Every part's fields within the limits: finite numbers, whole numbers within +-2**53,
    texts and lists not too long."""
    for file, item, part in parts:
        try:
            check_value(part)
        except InputError as exc:
            raise RulebookError(str(exc), file=file, item=item) from None


def assemble(meta: RulebookMeta, params: Mapping[str, Param], exercises: Iterable[Exercise],
             stages: Iterable[Stage], rules: Iterable[Rule], *, location: str,
             files: Mapping[str, str] | None = None, allow_unsafe: bool = False) -> Rulebook:
    """Validate and compile a rulebook from its parts (as :func:`load_rulebook` does after
    reading the files); use it to derive a changed rulebook from a loaded one.

    Args:
        files: the file each part came from, keyed ``"param NAME"``, ``"stage ID"``, ...,
            for error messages; parts not listed are reported as from ``location``.
        allow_unsafe: accept a rulebook that breaks the safety floor (see
            :func:`load_rulebook`); the breaches are kept in ``Rulebook.unsafe``.

    Raises:
        RulebookError: anything wrong, with the file, the item and the field named.
    """
    known = dict(files or {})

    def of(what: str) -> defaultdict[str, str]:
        table: defaultdict[str, str] = defaultdict(lambda: location)
        table.update({key.removeprefix(f"{what} "): file for key, file in known.items()
                      if key.startswith(f"{what} ")})
        return table

    missing_ease = Action.EASE not in meta.precedence and sorted(
        (*meta.precedence, Action.EASE)) == sorted(RULE_ACTIONS)
    if missing_ease:  # a rulebook written before ease (0.x)
        raise RulebookError("lacks 'ease' (a lighter week at the same dose, P9): put it "
                            "between 'deload' and 'hold'", file=known.get("rulebook", location),
                            item="rulebook", field="precedence")
    if Action.RETARGET in meta.precedence:
        raise RulebookError(_NOT_A_RULE_ACTION, file=known.get("rulebook", location),
                            item="rulebook", field="precedence")
    if (sorted(meta.precedence) != sorted(RULE_ACTIONS)
            or len(meta.precedence) != len(RULE_ACTIONS)):
        raise RulebookError(f"must list every action exactly once, most conservative first "
                            f"(as footcore ranks them: {', '.join(reversed(RULE_ACTIONS))})",
                            file=known.get("rulebook", location), item="rulebook",
                            field="precedence")
    if meta.default_action is Action.RETARGET:
        raise RulebookError(_NOT_A_RULE_ACTION, file=known.get("rulebook", location),
                            item="rulebook", field="default_action")
    params = dict(params)
    ladder, written = list(stages), sorted(rules, key=lambda r: r.id)
    param_files, stage_files, rule_files = of("param"), of("stage"), of("rule")
    _check_limits([(known.get("rulebook", location), "rulebook", meta),
                   *((param_files[n], f"param {n}", p) for n, p in params.items()),
                   *((stage_files[s.id], f"stage {s.id}", s) for s in ladder),
                   *((rule_files[r.id], f"rule {r.id}", r) for r in written)])
    listed = list(exercises)
    for what, ids in (("param", [(param_files[n], n) for n in params]),
                      ("exercise", [(of("exercise")[e.id], e.id) for e in listed]),
                      ("stage", [(stage_files[s.id], s.id) for s in ladder])):
        _unique(ids, what)
    _check_params(params, param_files)
    catalogue = {ex.id: ex for ex in listed}
    _check_exercises(catalogue, of("exercise"))
    for stage in ladder:
        _check_stage(stage, params, catalogue, stage_files[stage.id])
    _check_ladder(ladder, stage_files)
    ladder.sort(key=lambda s: s.order)

    # Rules go by id: the file a rule sits in is no matter.
    _unique([(rule_files[r.id], r.id) for r in written], "rule")
    compiled: list[CompiledRule] = []
    for rule in written:
        file = rule_files[rule.id]
        if rule.action is Action.RETARGET:
            raise RulebookError(_NOT_A_RULE_ACTION, file=file, item=f"rule {rule.id}",
                                field="action")
        _check_source(rule.source, rule.rationale, file, f"rule {rule.id}")
        compiled.append(_compile(rule, params, ladder, catalogue, file))
    _check_ways_forward(ladder, written, stage_files)
    for fact in FactType:
        width = sum(_width(c) for c in compiled if c.fact is fact)
        if width > MAX_SIDE_BY_SIDE:
            where = sorted({rule_files[c.id] for c in compiled if c.fact is fact})
            raise RulebookError(f"the rules on {fact} facts hold {width} conditions side by "
                                f"side; at most {MAX_SIDE_BY_SIDE}", file=", ".join(where),
                                field="rule")
    breaches = floor_breaches(meta.precedence, meta.default_action, compiled, lambda name: (
        _domain(FACT_FIELDS[FactType.SYMPTOM][name], ladder, catalogue)))
    if breaches and not allow_unsafe:
        field, message = breaches[0]
        raise RulebookError(
            f"below the safety floor: {message}; fix it, or load with allow_unsafe=True to "
            f"experiment", file=known.get("rulebook", location) if field != "rule" else
            ", ".join(sorted({rule_files[r.id] for r in written})) or location,
            item="rulebook" if field != "rule" else "pause rules", field=field)
    return Rulebook(
        meta=meta, params=params, exercises=catalogue, stages=tuple(ladder),
        rules=tuple(written), compiled=tuple(compiled),
        digest=_digest(meta, params, catalogue, ladder, written), location=location,
        unsafe=tuple(message for _, message in breaches),
    )
