"""Analysis of a rulebook, without running it on athletes: ``lint`` (rules that can never
fire or never win, stages that cannot be reached or left, unused parameters and exercises),
``prove`` (the single-step safety invariants decided for every input, with the smallest
counterexample), and the reachability constraints the prover holds states to.

Pure Python and deterministic, part of the core: it needs no Hypothesis. The invariants
it decides are the property-testing kit's (:mod:`footcore.testing` re-exports ``prove``
and checks them on samples); ``INVARIANTS`` says what each means::

    import footcore
    from footcore.analysis import lint, prove

    rulebook = footcore.load_rulebook("rules/")
    for finding in lint(rulebook):
        print(finding)
    prove(rulebook).raise_for_violation()

See ``docs/property-testing.md`` ("Proved, not sampled") and ``docs/cli.md`` (``lint``).
"""

from __future__ import annotations

from ._invariants import INVARIANTS, Invariant
from ._lint import Finding, lint, safety
from ._proof import Counterexample, ProofReport, ProofResult
from ._prove import PROVABLE, prove
from ._reachable import REACHABILITY, check_reachable, reachability_problems
from ._violations import InvariantViolation, MissingParam

__all__ = [
    "INVARIANTS",
    "PROVABLE",
    "REACHABILITY",
    "Counterexample",
    "Finding",
    "Invariant",
    "InvariantViolation",
    "MissingParam",
    "ProofReport",
    "ProofResult",
    "check_reachable",
    "lint",
    "prove",
    "reachability_problems",
    "safety",
]
