"""The documented rule limit (docs/limits.md, ``rules``): a rulebook at it loads, lints and
evaluates; one rule past it is refused with a clear error and a stable code."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import footcore as fc
from footcore._limits import limit
from footcore.analysis import lint

RULES = Path(__file__).parents[1] / "rules"
# Each fact type's rules keep to the durable backend's side-by-side limit (511 each).
_FACTS = ("checkin", "symptom", "compensation")
_BOUND = {"checkin": "max_severity", "symptom": "severity"}


def _extra_rules(count: int, stages: list[str]) -> str:
    """``count`` hold and deload rules on every fact type, each bound to one stage."""
    written = []
    for number in range(count):
        fact = _FACTS[number % 3]
        action = ("hold", "deload")[number // 3 % 2]
        stage = stages[number // 6 % len(stages)]
        bound = (f'{{ field = "{_BOUND[fact]}", op = "ge", value = {6 + number % 5} }}'
                 if fact in _BOUND else '{ field = "kind", op = "eq", value = "heel_lift" }')
        written.append(f'''
[[rule]]
id = "extra-{number:04}"
action = "{action}"
fact = "{fact}"
summary = "Generated rule {number}."
source = ["default"]
rationale = "Generated to test the rule limit."
when = [
  {{ field = "stage", op = "eq", value = "{stage}" }},
  {bound},
]
''')
    return "".join(written)


def _rulebook_of(tmp_path: Path, total: int) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    shipped = fc.load_rulebook()
    stages = [stage.id for stage in shipped.stages]
    (folder / "rules-extra.toml").write_text(_extra_rules(total - len(shipped.rules), stages))
    return folder


def test_a_rulebook_at_the_rule_limit_loads_lints_and_evaluates(tmp_path: Path) -> None:
    assert limit("rules") == 1024
    rulebook = fc.load_rulebook(_rulebook_of(tmp_path, limit("rules")))
    assert len(rulebook.rules) == 1024
    assert [f for f in lint(rulebook) if f.level == "error"] == []
    engine = fc.Engine(rulebook, backend="native")
    state = engine.new_athlete("a-1", goal=fc.Goal.STRENGTH, start=date(2026, 1, 5))
    sore = fc.Symptom(fc.SymptomKind.FATIGUE, fc.Location.ARCH, severity=10)
    decision = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, 6), completed=True,
                                                 symptoms=(sore,)))
    fired = {f.rule_id for f in decision.firings}
    # The symptom rules of the first rung fire, those of the second do not.
    assert {"extra-0001", "extra-0004"} <= fired and "extra-0007" not in fired


def test_one_rule_past_the_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    with pytest.raises(fc.RulebookError) as refused:
        fc.load_rulebook(_rulebook_of(tmp_path, limit("rules") + 1))
    assert refused.value.code == "invalid-rulebook"
    assert "1025 rules; at most 1024 (rules)" in str(refused.value)
