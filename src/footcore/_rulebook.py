"""A rulebook as footcore holds it once loaded: its parameters, stages (dose steps, weekly
sessions, gates and emphasis), rules as written with their conditions, and the
:class:`Rulebook` that holds them with its compiled rules and digest.

:func:`footcore._rulebook_loading.load_rulebook` builds one; nothing here reads a file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from ._conditions import CompiledRule, FactType, Op
from ._convert import CONVERTER
from ._enums import Action, Goal, Observation
from ._models import Dose, Exercise, RulebookRef

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
]


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
    digest: str | None = None  # the digest recorded beside the version (footcore.analysis._digest)


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
