"""Rulebooks that grow the prover's work: the shipped rulebook with generated rules of many
conditions each (some of them pause rules on symptoms), one at every documented rulebook
limit, and the shipped rulebook with one wide pause rule (the safety floor's case).

Every generated rule is built around a witness (a value for each field it reads) that all
its conditions hold on, so each rule can fire. The same seed gives the same rulebook.

Shared by tests/test_prove_scale.py and benchmarks/bench_prove.py.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from typing import Any

from footcore import Action, SymptomKind
from footcore._conditions import FACT_FIELDS, FactType, FieldSpec, Scalar
from footcore._limits import LIMITS
from footcore._rulebook_compiling import _domain
from footcore._rulebook_loading import rulebook_data, rulebook_from_data
from footcore.models import Rulebook

LIMIT = {lim.name: lim.value for lim in LIMITS}
PAIN = (SymptomKind.SHARP_PAIN.value, SymptomKind.PERSISTENT_PAIN.value)
_CAUTIOUS = (Action.PAUSE, Action.REGRESS, Action.REST, Action.DELOAD, Action.EASE,
             Action.HOLD)
_HIGH = {"minutes": 600, "severity": 10, "max_severity": 10, "foot_fatigue": 10.0,
         "forefoot_symmetry": 1.0, "dose_level": 3, "symptom_count": 4,
         "compensation_count": 4, "balance_eyes_open_s": 60.0, "balance_eyes_closed_s": 60.0}


def _strings(spec: FieldSpec, data: dict[str, Any]) -> list[str]:
    """The strings a text field may be compared with."""
    if spec.domain == "stage":
        return sorted(s["id"] for s in data["stages"])
    if spec.domain == "exercise":
        return sorted({"", *(e["id"] for e in data["exercises"])})
    return sorted(_domain(spec, [], {}) or {"x"})


def _witness(spec: FieldSpec, name: str, data: dict[str, Any], rng: random.Random) -> Scalar:
    if spec.type is bool:
        return rng.random() < 0.5
    if spec.type is str:
        return rng.choice(_strings(spec, data))
    high = len(data["stages"]) - 1 if name == "stage_order" else _HIGH.get(name, 60)
    if spec.type is int:
        return rng.randint(0, int(high))
    return round(rng.uniform(0, float(high)), 1)


def _condition(spec: FieldSpec, name: str, witness: Scalar, data: dict[str, Any],
               rng: random.Random) -> dict[str, Any]:
    """One condition on ``name`` that holds at ``witness``."""
    if spec.type is bool:
        return rng.choice([{"op": "eq", "value": witness}, {"op": "ne", "value": not witness}])
    if spec.type is str:
        domain = _strings(spec, data)
        others = [v for v in domain if v != witness]
        pick = rng.randrange(4) if others else 0
        if pick == 0:
            return {"op": "eq", "value": witness}
        if pick == 1:
            return {"op": "ne", "value": rng.choice(others)}
        some = rng.sample(others, min(len(others), rng.randint(1, 3)))
        if pick == 2:
            return {"op": "in", "value": sorted({witness, *some})}
        return {"op": "not_in", "value": sorted(some)}
    number = float(witness)
    step = 1 if spec.type is int else 0.5
    below = max(0.0, number - rng.randint(0, 3) * step)
    above = number + rng.randint(0, 3) * step
    op, value = rng.choice([("ge", below), ("le", above), ("gt", below - step),
                            ("lt", above + step)])
    if op == "gt" and value < 0:
        op, value = "ge", 0.0
    return {"op": op, "value": int(value) if spec.type is int else value}


def generated_rules(data: dict[str, Any], count: int, conditions: int, seed: int,
                    prefix: str = "generated") -> list[dict[str, Any]]:
    """``count`` rules of ``conditions`` conditions each: a third on symptoms (every
    other one a pause rule on sharp or persistent pain), a third on compensations, a third
    on the check-in, with cautious actions (a few check-in rules hold, none raises)."""
    rng = random.Random(seed)
    rules = []
    for number in range(count):
        fact = (FactType.SYMPTOM, FactType.COMPENSATION, FactType.CHECKIN)[number % 3]
        fields = FACT_FIELDS[fact]
        names = [n for n in fields if n not in ("has_balance_eyes_open",
                                                 "has_balance_eyes_closed",
                                                 "has_forefoot_symmetry", "has_foot_fatigue")]
        pause = fact is FactType.SYMPTOM and number % 2 == 0
        chosen = rng.sample(names, min(conditions, len(names)))
        while len(chosen) < conditions:  # more conditions than fields: some twice
            chosen.append(rng.choice([n for n in names if fields[n].type in (int, float)]))
        if pause and "kind" not in chosen:
            chosen[0] = "kind"
        witness = {n: _witness(fields[n], n, data, rng) for n in chosen}
        if pause:
            witness["kind"] = rng.choice(PAIN)
        when = []
        for name in chosen:
            if pause and name == "kind":
                when.append({"field": "kind", "op": "in", "value": list(PAIN)})
            else:
                when.append({"field": name, **_condition(fields[name], name, witness[name],
                                                         data, rng)})
        action = Action.PAUSE if pause else rng.choice(_CAUTIOUS)
        rules.append({"id": f"{prefix}-{number:04d}", "action": action.value,
                      "fact": fact.value, "summary": "A generated rule.",
                      "source": ["default"], "rationale": "A benchmark's rule.",
                      "when": when})
    return rules


def with_rules(rulebook: Rulebook, rules: Sequence[dict[str, Any]], label: str) -> Rulebook:
    """``rulebook`` and ``rules`` besides its own (loaded even below the safety floor:
    its ``unsafe`` says what it breaks)."""
    data = rulebook_data(rulebook)
    data["rules"] = [*data["rules"], *rules]
    return rulebook_from_data(data, location=label, allow_unsafe=True)


def sixty_four(rulebook: Rulebook, conditions: int = 10, seed: int = 64) -> Rulebook:
    """The shipped rulebook grown to 64 rules, each added one with ``conditions``
    conditions."""
    data = rulebook_data(rulebook)
    extra = generated_rules(data, 64 - len(rulebook.rules), conditions, seed)
    return with_rules(rulebook, extra, f"64 rules, {conditions} conditions each")


def floor_case(rulebook: Rulebook, conditions: int = 10, seed: int = 5) -> dict[str, Any]:
    """The rulebook's data with one more pause rule on symptoms, of ``conditions``
    conditions (the safety floor's case): loaded with ``rulebook_from_data``."""
    data = rulebook_data(rulebook)
    (rule,) = generated_rules(data, 1, conditions, seed, prefix="wide-pause")
    data["rules"].append(rule)
    return data


def at_limits(rulebook: Rulebook, seed: int = 1) -> Rulebook:
    """The shipped rulebook grown to every documented rulebook limit: ``stages`` stages
    (the shipped ladder repeated, with an advance rule for the
    repeats), ``exercises`` exercises, ``params`` parameters, and
    ``rules`` rules, each added one with ``conditions`` conditions (loaded even below the
    safety floor: its ``unsafe`` says what it breaks)."""
    data = rulebook_data(rulebook)
    stages = data["stages"]
    for order in range(len(stages), LIMIT["stages"]):
        stage = copy.deepcopy(stages[order % len(rulebook.stages)])
        stage.update(id=f"stage-{order:02d}", order=order, name=f"Stage {order}")
        stages.append(stage)
    advance = copy.deepcopy(next(r for r in data["rules"] if r["id"] == "advance-integration"))
    advance["id"] = "advance-repeated"
    advance["when"][0] = {"field": "stage", "op": "in",
                          "value": [s["id"] for s in stages[len(rulebook.stages) - 1:-1]]}
    data["rules"].append(advance)
    exercises = data["exercises"]
    for number in range(len(exercises), LIMIT["exercises"]):
        exercise = copy.deepcopy(exercises[number % len(rulebook.exercises)])
        exercise.update(id=f"exercise_{number:04d}", name=f"Exercise {number}")
        exercises.append(exercise)
    params = data["params"]
    for number in range(len(params), LIMIT["params"]):
        params[f"spare_{number:04d}"] = {"value": number, "unit": "sessions",
                                         "description": "A spare parameter.",
                                         "source": ["default"],
                                         "rationale": "A benchmark's parameter."}
    data["rules"] += generated_rules(data, LIMIT["rules"] - len(data["rules"]),
                                     LIMIT["conditions"], seed)
    return rulebook_from_data(data, location="every documented limit", allow_unsafe=True)
