"""footcore's property-testing kit: a prover that decides the safety invariants for every
input, Hypothesis strategies, the invariants as checks, an athlete state machine, rulebook
mutants, and ``check_rulebook`` to run them all on a rulebook.

Requires hypothesis (``pip install footcore[testing]``), except what it takes from
:mod:`footcore.analysis`: ``prove`` and what it returns, the invariants as checks, and the
reachability constraints. Apps that change footcore's rulebook use it to
show the result is still safe::

    from footcore.testing import check_rulebook

    def test_our_rulebook_is_safe():
        check_rulebook("rules/")

Everything is listed in ``__all__``; see ``docs/property-testing.md``. Names load on first
use, so ``footcore.testing.pytest_plugin`` and ``prove`` import without Hypothesis.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..analysis._invariants import (
        CONFORMANCE,
        INVARIANTS,
        SAFETY,
        Invariant,
        check_backends_agree,
        check_backoff_never_raises_load,
        check_change_goal,
        check_cues_agree_with_action,
        check_decision,
        check_deterministic,
        check_hold_explained,
        check_invariants,
        check_monotone,
        check_no_hops_before_clearance,
        check_no_rise_unless_ready,
        check_one_rung_at_most,
        check_override,
        check_pain_pauses,
        check_pause_holds_until_clearance,
        check_responses,
        check_session_shape,
        check_stiffness_never_raises_load,
        check_upgrade,
    )
    from ..analysis._proof import Counterexample, ProofReport, ProofResult
    from ..analysis._prove import PROVABLE, prove, prover_check
    from ..analysis._reachable import REACHABILITY, check_reachable
    from ..analysis._triggers import Trigger, triggers
    from ..analysis._violations import InvariantViolation, MissingParam
    from ._cases import boundary_cases
    from ._change_strategies import overrides
    from ._check import CheckReport, check_rulebook
    from ._harsher import (
        CAUTION_NEVER_SOONER,
        Variant,
        check_caution_never_sooner,
        days_to_rungs,
        harsher_variants,
        histories,
    )
    from ._hook import register_strategies
    from ._liveness import LIVENESS, check_liveness, clean_gap, ladder_bound
    from ._machine import AthleteMachine, athlete_machine
    from ._mutants import (
        MUTANT_KINDS,
        KitCheck,
        Mutant,
        MutationReport,
        derive,
        draw_examples,
        kit_check,
        mutants,
        mutation_score,
    )
    from ._population import POPULATION_START, population
    from ._state_strategies import athlete_states, decisions, inputs, ready_states, week_plans
    from ._strategies import (
        EPOCH,
        TODAY,
        backoff_symptoms,
        checkins,
        compensations,
        doses,
        edge_symptoms,
        exercises,
        metrics,
        mild_checkins,
        pain_symptoms,
        symptoms,
    )

__all__ = [
    "CAUTION_NEVER_SOONER",
    "CONFORMANCE",
    "EPOCH",
    "INVARIANTS",
    "LIVENESS",
    "MUTANT_KINDS",
    "POPULATION_START",
    "PROVABLE",
    "REACHABILITY",
    "SAFETY",
    "TODAY",
    "AthleteMachine",
    "CheckReport",
    "Counterexample",
    "Invariant",
    "InvariantViolation",
    "KitCheck",
    "MissingParam",
    "Mutant",
    "MutationReport",
    "ProofReport",
    "ProofResult",
    "Trigger",
    "Variant",
    "athlete_machine",
    "athlete_states",
    "backoff_symptoms",
    "boundary_cases",
    "check_backends_agree",
    "check_backoff_never_raises_load",
    "check_caution_never_sooner",
    "check_change_goal",
    "check_cues_agree_with_action",
    "check_decision",
    "check_deterministic",
    "check_hold_explained",
    "check_invariants",
    "check_liveness",
    "check_monotone",
    "check_no_hops_before_clearance",
    "check_no_rise_unless_ready",
    "check_one_rung_at_most",
    "check_override",
    "check_pain_pauses",
    "check_pause_holds_until_clearance",
    "check_reachable",
    "check_responses",
    "check_rulebook",
    "check_session_shape",
    "check_stiffness_never_raises_load",
    "check_upgrade",
    "checkins",
    "clean_gap",
    "compensations",
    "days_to_rungs",
    "decisions",
    "derive",
    "doses",
    "draw_examples",
    "edge_symptoms",
    "exercises",
    "harsher_variants",
    "histories",
    "inputs",
    "kit_check",
    "ladder_bound",
    "metrics",
    "mild_checkins",
    "mutants",
    "mutation_score",
    "overrides",
    "pain_symptoms",
    "population",
    "prove",
    "prover_check",
    "ready_states",
    "register_strategies",
    "symptoms",
    "triggers",
    "week_plans",
]

# Where each public name lives (relative to this package: the prover, the invariants and
# the reachability constraints are footcore.analysis's); a module is imported the first
# time one of its names is.
_HOMES = {
    "._cases": ("boundary_cases",),
    "._change_strategies": ("overrides",),
    "._check": ("CheckReport", "check_rulebook"),
    "._harsher": ("CAUTION_NEVER_SOONER", "Variant", "check_caution_never_sooner",
                 "days_to_rungs", "harsher_variants", "histories"),
    "._hook": ("register_strategies",),
    "..analysis._invariants": (
        "CONFORMANCE", "INVARIANTS", "SAFETY", "Invariant", "check_backends_agree",
        "check_backoff_never_raises_load", "check_change_goal", "check_cues_agree_with_action",
        "check_decision", "check_deterministic", "check_hold_explained", "check_invariants",
        "check_monotone", "check_no_hops_before_clearance", "check_no_rise_unless_ready",
        "check_one_rung_at_most", "check_override", "check_pain_pauses",
        "check_pause_holds_until_clearance", "check_responses", "check_session_shape",
        "check_stiffness_never_raises_load", "check_upgrade",
    ),
    "..analysis._triggers": ("Trigger", "triggers"),
    "._liveness": ("LIVENESS", "check_liveness", "clean_gap", "ladder_bound"),
    "._machine": ("AthleteMachine", "athlete_machine"),
    "._population": ("POPULATION_START", "population"),
    "..analysis._reachable": ("REACHABILITY", "check_reachable"),
    "._mutants": ("MUTANT_KINDS", "KitCheck", "Mutant", "MutationReport", "derive",
                 "draw_examples", "kit_check", "mutants", "mutation_score"),
    "..analysis._proof": ("Counterexample", "ProofReport", "ProofResult"),
    "..analysis._prove": ("PROVABLE", "prove", "prover_check"),
    "._state_strategies": ("athlete_states", "decisions", "inputs", "ready_states", "week_plans"),
    "._strategies": (
        "EPOCH", "TODAY", "backoff_symptoms", "checkins", "compensations", "doses",
        "edge_symptoms", "exercises", "metrics", "mild_checkins", "pain_symptoms", "symptoms",
    ),
    "..analysis._violations": ("InvariantViolation", "MissingParam"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        loaded = importlib.import_module(module, __name__)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "hypothesis":
            raise ImportError(f"footcore.testing.{name} needs Hypothesis: "
                              f"pip install 'footcore[testing]'") from exc
        raise
    value = getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
