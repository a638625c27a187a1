"""The values worth trying for one fact field: every value at which a comparison with the
rulebook's constants can change its answer (the constants, their neighbours, the midpoints
between them and the field's natural bounds), or the field's whole domain when it has one.

Lint decides with them whether conditions can hold together; the prover's model cuts each
field into runs at them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from .._conditions import FACT_FIELDS, FactType, Scalar, Test
from .._rulebook import Rulebook
from .._rulebook_compiling import _domain

__all__ = ["candidate_values"]

_UPPER = {"severity": 10, "max_severity": 10, "foot_fatigue": 10, "forefoot_symmetry": 1,
          "minutes": 600}


def _upper(field: str, rulebook: Rulebook) -> float | None:
    if field == "stage_order":
        return len(rulebook.stages) - 1
    if field == "dose_level":
        return max(len(stage.steps) for stage in rulebook.stages) - 1
    return _UPPER.get(field)


def candidate_values(fact: FactType, field: str, tests: Sequence[Test],
                     rulebook: Rulebook) -> list[Scalar]:
    """Values of ``field`` that between them meet every way ``tests`` can come out."""
    spec = FACT_FIELDS[fact][field]
    if spec.type is bool:
        return [True, False]
    if spec.type is str:
        domain = _domain(spec, list(rulebook.stages), rulebook.exercises)
        if domain is not None:
            return sorted(domain)
        return [*(c for t in tests for c in _constants(t)), "\0 none of these"]
    numbers = [float(c) for t in tests for c in _constants(t)]
    high = _upper(field, rulebook)
    points = {0.0, *([high] if high is not None else []), *numbers}
    for value in numbers:
        if spec.type is int:
            points |= {math.floor(value) - 1, math.floor(value), math.ceil(value),
                       math.ceil(value) + 1}
        else:
            points |= {value - 1e-6, value + 1e-6}
    ordered = sorted(points)
    if spec.type is float:
        points |= {(a + b) / 2 for a, b in itertools.pairwise(ordered)}
        points.add(ordered[-1] + 1)
    return [p if spec.type is float else int(p) for p in sorted(points)
            if p >= 0 and (high is None or p <= high)]


def _constants(test: Test) -> tuple[Scalar, ...]:
    return test.value if isinstance(test.value, tuple) else (test.value,)
