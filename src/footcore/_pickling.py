"""How footcore's models pickle: compactly, and without checking again what was checked.

A model pickles as its class and its field values, and unpickles through the constructor
that runs no checks (unpickling runs code, so a pickle is trusted input; attrs' own
pickling runs no validators either). A week plan's sessions and habits, which are most of a
decision and the same from decision to decision, travel as their canonical JSON text (which
the JSON writer remembers per object) and are read back once per process: equal texts give
the same session objects. Pickles made by earlier versions, as attrs writes them, still
load.

Registered with :mod:`copyreg` when footcore is imported.
"""

from __future__ import annotations

import copyreg
import json
import operator
from collections.abc import Callable
from typing import Any

import attrs

from . import _models
from ._canonical import Unwritable, writer
from ._convert import structure
from ._enums import NamedEnum
from ._memo import remember
from ._models import PlanItem, Session, WeekPlan
from ._trusted import trusted

__all__: list[str] = []

_INTERNED_MOST = 1024
_interned: dict[tuple[str, str], Any] = {}


def _builder(kind: type) -> Callable[..., Any]:
    """The trusted constructor of ``kind``, named in this module (``build_Decision``...)
    so that a pickle can refer to it."""
    build: Callable[..., Any] = trusted(kind)
    name = f"build_{kind.__name__}"
    build.__module__, build.__name__, build.__qualname__ = __name__, name, name
    globals()[name] = build
    return build


def _reducer(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    build = _builder(kind)
    names = [field.name for field in attrs.fields(kind)]
    values = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda value: (build, (values(value),))
    return lambda value: (build, values(value))


def _read(text: str, kind: Any, what: str) -> Any:
    """The tuple of models ``text`` writes, the same object for the same text."""
    key = (what, text)
    found = _interned.get(key)
    if found is None:
        found = remember(_interned, key, structure(json.loads(text), kind, what), _INTERNED_MOST)
    return found


_PLAN_FIELDS = _reducer(WeekPlan)
_PLAN = trusted(WeekPlan)


def _plan(athlete_id: str, stage: str, dose_level: int, mode: str, sessions: str, habits: str,
          cues: tuple[str, ...], tracking: tuple[str, ...], notes: tuple[str, ...]) -> WeekPlan:
    return _PLAN(athlete_id, stage, dose_level, mode,
                 _read(sessions, tuple[Session, ...], "sessions"),
                 _read(habits, tuple[PlanItem, ...], "habits"), cues, tracking, notes)


def _reduce_plan(plan: WeekPlan) -> tuple[Any, ...]:
    try:
        sessions = writer(tuple[Session, ...])(plan.sessions)
        habits = writer(tuple[PlanItem, ...])(plan.habits)
    except (Unwritable, TypeError, AttributeError, ValueError):
        return _PLAN_FIELDS(plan)
    return _plan, (plan.athlete_id, plan.stage, plan.dose_level, plan.mode, sessions, habits,
                   plan.cues, plan.tracking, plan.notes)


def _reduce_member(member: NamedEnum) -> tuple[Any, ...]:
    return getattr, (type(member), member.name)  # a class attribute: no Enum.__call__


for _name in _models.__all__:
    _kind = getattr(_models, _name)
    copyreg.pickle(_kind, _reduce_plan if _kind is WeekPlan else _reducer(_kind))
for _kind in NamedEnum.__subclasses__():
    copyreg.pickle(_kind, _reduce_member)
