"""footcore: a rule-based progression engine for intrinsic foot-muscle training.

Hand it an athlete's state and a check-in; get back a :class:`Decision` with the action,
the new state, next week's plan and a trace of every rule that fired and why.
"""

from ._audit import (
    AuditLog,
    AuditLogError,
    AuditRecord,
    HistoryRow,
    LogProblem,
    LogReport,
    ReplayDifference,
    ReplayReport,
    history,
    replay_log,
    verify_log,
)
from ._convert import from_json, to_json
from ._engine import Engine
from ._enums import (
    Action,
    BackOff,
    Category,
    CompensationKind,
    Goal,
    Location,
    Surface,
    SymptomKind,
)
from ._errors import DuplicateCheckIn, EngineError, FootcoreError, InputError, RulebookError
from ._explain import PlanChange, diff, explain
from ._impact import ImpactCase, ImpactFailure, ImpactGroup, ImpactReport, impact
from ._jsonparse import parse_json
from ._models import (
    AthleteState,
    CheckIn,
    CheckInRef,
    Compensation,
    Decision,
    Dose,
    Exercise,
    Firing,
    Metrics,
    ParamUse,
    PlanItem,
    RulebookRef,
    Session,
    Symptom,
    WeekPlan,
)
from ._rulebook import Rule, Rulebook, Stage, load_rulebook
from ._schema import json_schema
from ._version import __version__

__all__ = [
    "Action",
    "AthleteState",
    "AuditLog",
    "AuditLogError",
    "AuditRecord",
    "BackOff",
    "Category",
    "CheckIn",
    "CheckInRef",
    "Compensation",
    "CompensationKind",
    "Decision",
    "Dose",
    "DuplicateCheckIn",
    "Engine",
    "EngineError",
    "Exercise",
    "Firing",
    "FootcoreError",
    "Goal",
    "HistoryRow",
    "ImpactCase",
    "ImpactFailure",
    "ImpactGroup",
    "ImpactReport",
    "InputError",
    "Location",
    "LogProblem",
    "LogReport",
    "Metrics",
    "ParamUse",
    "PlanChange",
    "PlanItem",
    "ReplayDifference",
    "ReplayReport",
    "Rule",
    "Rulebook",
    "RulebookError",
    "RulebookRef",
    "Session",
    "Stage",
    "Surface",
    "Symptom",
    "SymptomKind",
    "WeekPlan",
    "__version__",
    "diff",
    "explain",
    "from_json",
    "history",
    "impact",
    "json_schema",
    "load_rulebook",
    "parse_json",
    "replay_log",
    "to_json",
    "verify_log",
]
