"""footcore.models: the rest of the data model, the types an app reads from a decision or a
rulebook but seldom builds or names in its core loop.

The types the core loop builds, parses or compares (:class:`~footcore.AthleteState`,
:class:`~footcore.CheckIn`, :class:`~footcore.Decision`, their parts and enums) are at the
top level. Here are the parts of a plan and of a decision's trace, the rulebook's model, the
enums those use, who changed a plan and why (:class:`Change`), what
:func:`footcore.diff` returns, and the JSON Schemas of the documents.
Part of the pure core.
"""

from ._enums import REASONS, BackOff, Category, ChangeKind, Role, Surface
from ._explain import PlanChange
from ._models import (
    Change,
    CheckInRef,
    Dose,
    Exercise,
    Firing,
    ParamUse,
    PlanItem,
    RulebookRef,
    Session,
    Unmet,
    WeekPlan,
    WhyNot,
)
from ._rulebook import Rule, Rulebook, Stage
from ._schema import json_schema

__all__ = [
    "REASONS",
    "BackOff",
    "Category",
    "Change",
    "ChangeKind",
    "CheckInRef",
    "Dose",
    "Exercise",
    "Firing",
    "ParamUse",
    "PlanChange",
    "PlanItem",
    "Role",
    "Rule",
    "Rulebook",
    "RulebookRef",
    "Session",
    "Stage",
    "Surface",
    "Unmet",
    "WeekPlan",
    "WhyNot",
    "json_schema",
]
