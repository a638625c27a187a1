"""footcore: a rule-based progression engine for intrinsic foot-muscle training.

Hand it an athlete's state and a check-in; get back a :class:`Decision` with the action,
the new state, next week's plan and a trace of every rule that fired and why.

The top level holds what an app's core loop names: the engine and its rulebook, the models
and enums it builds, parses or compares, the errors it catches, JSON in and out, the
explanation and a store. The rest is one import deeper, each namespace with its own
``__all__``: :mod:`footcore.models` (the rest of the data model), :mod:`footcore.store`,
:mod:`footcore.audit`, :mod:`footcore.impact` and :mod:`footcore.testing`.
"""

from ._convert import from_dict, from_json, to_dict, to_json
from ._engine import Engine
from ._enums import Action, CompensationKind, Goal, Location, Observation, SymptomKind
from ._errors import (
    Conflict,
    DuplicateCheckIn,
    EngineError,
    FootcoreError,
    InputError,
    NotFound,
    RulebookError,
)
from ._explain import diff, explain
from ._jsonparse import parse_json
from ._models import AthleteState, CheckIn, Compensation, Decision, Metrics, Symptom
from ._pickling import __all__ as _  # noqa: F401  (registers how models pickle)
from ._rulebook_loading import load_rulebook
from ._store import open_store
from ._version import __version__

__all__ = [
    "Action",
    "AthleteState",
    "CheckIn",
    "Compensation",
    "CompensationKind",
    "Conflict",
    "Decision",
    "DuplicateCheckIn",
    "Engine",
    "EngineError",
    "FootcoreError",
    "Goal",
    "InputError",
    "Location",
    "Metrics",
    "NotFound",
    "Observation",
    "RulebookError",
    "Symptom",
    "SymptomKind",
    "__version__",
    "diff",
    "explain",
    "from_dict",
    "from_json",
    "load_rulebook",
    "open_store",
    "parse_json",
    "to_dict",
    "to_json",
]
