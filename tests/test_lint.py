"""Static rulebook findings: each kind is found on a rulebook made to show it, and the
shipped rulebook has none."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pytest

from footcore import Action
from footcore._conditions import FactType, Op
from footcore._rulebook import Condition, Param, Rule
from footcore._rulebook_loading import assemble
from footcore.analysis import Finding, lint
from footcore.models import Rulebook


def rebuild(rulebook: Rulebook, *, add: Iterable[Rule] = (), drop: Iterable[str] = (),
            params: dict[str, Param] | None = None, **changes: Rule) -> Rulebook:
    """The rulebook with rules added, dropped or replaced (by id, with ``-`` as ``_``)."""
    gone = set(drop)
    rules = [changes.get(r.id.replace("-", "_"), r) for r in rulebook.rules if r.id not in gone]
    return assemble(rulebook.meta, {**rulebook.params, **(params or {})},
                    rulebook.exercises.values(), rulebook.stages, [*rules, *add],
                    location="test")


def rule(rule_id: str, action: Action, fact: FactType, *when: Condition) -> Rule:
    return Rule(rule_id, action, fact, f"test rule {rule_id}", ("P10",), when=tuple(when))


def cond(field: str, op: str, value: object = None, param: str | None = None) -> Condition:
    return Condition(field, Op(op), value, param)


def codes(findings: Iterable[Finding]) -> set[tuple[str, str, str]]:
    return {(f.level, f.code, f.subject) for f in findings}


def test_the_shipped_rulebook_has_no_findings(rulebook: Rulebook) -> None:
    assert lint(rulebook) == ()


@pytest.mark.parametrize("conditions", [
    pytest.param((cond("severity", "ge", 6), cond("severity", "lt", 3)), id="disjoint-range"),
    pytest.param((cond("kind", "eq", "stiffness"), cond("kind", "in", ["soreness", "fatigue"])),
                 id="eq-not-in-list"),
    pytest.param((cond("severity", "gt", 10),), id="beyond-the-scale"),
    pytest.param((cond("location", "eq", "arch"), cond("location", "ne", "arch")),
                 id="eq-and-ne"),
])
def test_contradictory_conditions_never_fire(rulebook: Rulebook,
                                             conditions: tuple[Condition, ...]) -> None:
    dead = rule("dead", Action.DELOAD, FactType.SYMPTOM, *conditions)
    findings = lint(rebuild(rulebook, add=[dead]))
    assert ("error", "never-fires", "rule dead") in codes(findings)
    assert findings[0].level == "error"


def test_a_threshold_param_set_against_its_partner_makes_a_rule_dead(rulebook: Rulebook) -> None:
    # short-layoff-deload fires from short_layoff_days up to long_layoff_days.
    swapped = attrs.evolve(rulebook.params["short_layoff_days"], value=30)
    findings = lint(rebuild(rulebook, params={"short_layoff_days": swapped}))
    assert ("error", "never-fires", "rule short-layoff-deload") in codes(findings)
    message = next(f.message for f in findings if f.subject == "rule short-layoff-deload")
    assert "short_layoff_days" in message and "long_layoff_days" in message


def test_a_rule_that_always_fires_with_a_harsher_one_never_wins(rulebook: Rulebook) -> None:
    broad = rule("any-irritation-deload", Action.DELOAD, FactType.SYMPTOM,
                 cond("kind", "eq", "irritation"))
    findings = lint(rebuild(rulebook, add=[broad]))
    assert ("warning", "shadowed", "rule other-irritation-hold") in codes(findings)
    # forefoot-irritation-deload proposes the same action: it still wins alongside.
    assert ("warning", "shadowed", "rule forefoot-irritation-deload") not in codes(findings)
    assert not [f for f in findings if f.level == "error"]


def test_a_harsher_action_at_a_lower_threshold_is_reported(rulebook: Rulebook) -> None:
    rest = rule("stiffness-rest", Action.REST, FactType.SYMPTOM,
                cond("kind", "eq", "stiffness"), cond("severity", "ge", 2))
    findings = lint(rebuild(rulebook, add=[rest]))
    found = codes(findings)
    assert ("warning", "threshold-order", "rule stiffness-deload") in found
    message = next(f.message for f in findings if f.code == "threshold-order")
    assert "stiffness_deload_min" in message and "stiffness-rest" in message


def test_thresholds_in_the_right_order_are_not_reported(rulebook: Rulebook) -> None:
    rest = rule("stiffness-rest", Action.REST, FactType.SYMPTOM,
                cond("kind", "eq", "stiffness"), cond("severity", "ge", 8))
    assert lint(rebuild(rulebook, add=[rest])) == ()


def test_a_stage_no_advance_rule_can_leave_strands_the_rungs_above(rulebook: Rulebook) -> None:
    old = next(r for r in rulebook.rules if r.id == "advance-control")
    # Still names the stage (so the loader accepts it), but asks for another rung's order.
    stuck = attrs.evolve(old, when=(*old.when, cond("stage_order", "eq", 4)))
    findings = lint(rebuild(rulebook, advance_control=stuck))
    found = codes(findings)
    assert ("error", "stuck-stage", "stage control") in found
    for later in ("unilateral", "integration", "maintenance"):
        assert ("error", "unreachable-stage", f"stage {later}") in found
    assert ("error", "stuck-stage", "stage activation") not in found


def test_a_hold_on_a_whole_stage_blocks_its_way_out(rulebook: Rulebook) -> None:
    block = rule("control-forever", Action.HOLD, FactType.CHECKIN, cond("stage", "eq", "control"))
    found = codes(lint(rebuild(rulebook, add=[block])))
    assert ("error", "stuck-stage", "stage control") in found
    assert ("warning", "shadowed", "rule advance-control") in found


def test_a_stage_whose_dose_cannot_rise_cannot_be_left(rulebook: Rulebook) -> None:
    # Without progress-dose, no stage with several dose steps reaches its top dose.
    found = codes(lint(rebuild(rulebook, drop=["progress-dose"])))
    assert ("error", "stuck-stage", "stage baseline") in found


def test_unused_params_and_exercises_are_warnings(rulebook: Rulebook) -> None:
    spare = Param(value=3, unit="days", description="unused", source=("P10",))
    used = rebuild(rulebook, params={"spare_days": spare})
    assert codes(lint(used)) == {("warning", "unused-param", "param spare_days")}
    without_habit = assemble(
        rulebook.meta, rulebook.params, rulebook.exercises.values(),
        [attrs.evolve(s, habits=tuple(h for h in s.habits if h != "footwear_toe_splay"))
         for s in rulebook.stages], rulebook.rules, location="test")
    assert codes(lint(without_habit)) == {
        ("warning", "unused-exercise", "exercise footwear_toe_splay")}


def test_a_finding_reads_as_one_line() -> None:
    finding = Finding("error", "never-fires", "rule x", "can never fire")
    assert str(finding) == "error: rule x: can never fire [never-fires]"
