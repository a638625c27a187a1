"""Static findings on a loaded rulebook: what a rule author needs beyond schema errors.

Each rule is a conjunction of comparisons of one fact field with a constant, so whether a
set of conditions can hold together is decided field by field, by trying every value at
which a comparison can change its answer (the constants, their neighbours and the field's
natural bounds). That decides which rules can never fire, which are always outranked by a
more conservative rule that fires whenever they do, which stages cannot be reached or
left, and which thresholds are ordered against the severity they grade.

:func:`safety` adds what the prover (:mod:`._prove`) decides: a safety invariant
some input breaks is an error, with the smallest such input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import attrs

from .._conditions import CompiledRule, FactType, Op, Test
from .._enums import Action, Observation
from .._rulebook import Rule, Rulebook, Stage
from .._rulebook_checks import OPTIONAL_PARAMS, REQUIRED_PARAMS
from ._prove import prove
from ._values import candidate_values

__all__ = ["ERROR", "WARNING", "Finding", "lint", "safety"]

ERROR, WARNING = "error", "warning"
# Fields on which a higher value is worse, so a harsher action should need a higher value.
_WORSE_WHEN_HIGHER = {
    FactType.SYMPTOM: ("severity", "days"),
    FactType.CHECKIN: ("max_severity", "foot_fatigue", "days_since_last_session",
                       "days_since_last_checkin", "consecutive_missed", "symptom_count",
                       "compensation_count"),
}


@attrs.frozen
class Finding:
    """One thing ``footcore lint`` reports: an error (exit non-zero) or a warning;
    ``counterexample`` is JSON (the state and check-in to replay) for an unsafe finding."""

    level: str
    code: str
    subject: str
    message: str
    counterexample: str | None = None

    def __str__(self) -> str:
        text = f"{self.level}: {self.subject}: {self.message} [{self.code}]"
        return text + (f"\n  counterexample: {self.counterexample}"
                       if self.counterexample else "")

    def to_data(self) -> dict[str, object]:
        """The finding as JSON-ready data."""
        return {"level": self.level, "code": self.code, "subject": self.subject,
                "message": self.message,
                "counterexample": json.loads(self.counterexample)
                if self.counterexample else None}


def _by_field(tests: Iterable[Test]) -> dict[str, list[Test]]:
    fields: dict[str, list[Test]] = {}
    for test in tests:
        fields.setdefault(test.field, []).append(test)
    return fields


def _holds(fact: FactType, tests: Sequence[Test], rulebook: Rulebook,
           unless: Test | None = None) -> bool:
    """Some value of each field meets ``tests`` (and, on ``unless``'s field, fails it)."""
    fields = _by_field(tests)
    if unless is not None:
        fields.setdefault(unless.field, [])
    for field, group in fields.items():
        fails = [unless] if unless is not None and unless.field == field else []
        if not any(all(t.holds({field: v}) for t in group)
                   and not any(t.holds({field: v}) for t in fails)
                   for v in candidate_values(fact, field, [*group, *fails], rulebook)):
            return False
    return True


def _implies(fact: FactType, tests: Sequence[Test], consequence: Sequence[Test],
             rulebook: Rulebook) -> bool:
    """Whenever ``tests`` hold on a fact, so do all of ``consequence``."""
    return all(not _holds(fact, tests, rulebook, unless=t) for t in consequence)


def _show(rule: Rule, field: str, rulebook: Rulebook) -> str:
    shown = []
    for cond in rule.when:
        if cond.field == field:
            value = (f"{rulebook.params[cond.param].value:g} [{cond.param}]" if cond.param
                     else repr(cond.value))
            shown.append(f"{cond.field} {cond.op.value} {value}")
    return " and ".join(shown) or f"{field} (guard)"


def _never_fires(rulebook: Rulebook) -> Iterable[Finding]:
    for rule, compiled in zip(rulebook.rules, rulebook.compiled, strict=True):
        for field, group in _by_field(compiled.tests).items():
            if not _holds(compiled.fact, group, rulebook):
                yield Finding(ERROR, "never-fires", f"rule {rule.id}",
                              f"can never fire: no {compiled.fact} fact meets "
                              f"{_show(rule, field, rulebook)}")
                break


def _live(rulebook: Rulebook) -> list[tuple[Rule, CompiledRule]]:
    return [(rule, compiled) for rule, compiled in zip(rulebook.rules, rulebook.compiled,
                                                         strict=True)
            if _holds(compiled.fact, compiled.tests, rulebook)]


def _shadowed(rulebook: Rulebook) -> Iterable[Finding]:
    live = _live(rulebook)
    for rule, compiled in live:
        for other, stronger in live:
            if (stronger.fact is compiled.fact
                    and rulebook.rank(other.action) < rulebook.rank(rule.action)
                    and _implies(compiled.fact, compiled.tests, stronger.tests, rulebook)):
                yield Finding(WARNING, "shadowed", f"rule {rule.id}",
                              f"never wins: whenever it fires, {other.id} fires too and its "
                              f"{other.action.value} outranks {rule.action.value}")
                break


def _bound(tests: Sequence[Test], field: str) -> float | None:
    lows = [float(t.value) + (1e-9 if t.op is Op.GT else 0.0) for t in tests
            if t.field == field and t.op in (Op.GE, Op.GT) and isinstance(t.value, int | float)]
    return max(lows) if lows else None


def _threshold_order(rulebook: Rulebook) -> Iterable[Finding]:
    live = _live(rulebook)
    for harsh, harsh_c in live:
        for mild, mild_c in live:
            if (mild_c.fact is not harsh_c.fact
                    or rulebook.rank(harsh.action) >= rulebook.rank(mild.action)
                    or not _holds(harsh_c.fact, [*harsh_c.tests, *mild_c.tests], rulebook)):
                continue
            for field in _WORSE_WHEN_HIGHER.get(harsh_c.fact, ()):
                low_harsh, low_mild = _bound(harsh_c.tests, field), _bound(mild_c.tests, field)
                if low_harsh is not None and low_mild is not None and low_harsh < low_mild:
                    yield Finding(
                        WARNING, "threshold-order", f"rule {mild.id}",
                        f"where it and the harsher {harsh.action.value} rule {harsh.id} both "
                        f"apply, that one starts lower ({_show(harsh, field, rulebook)}) than "
                        f"this one ({_show(mild, field, rulebook)}), so this one never wins "
                        f"there")


def _context(rulebook: Rulebook, stage: Stage, top_dose: bool | None = None) -> list[Test]:
    following = rulebook.stages[stage.order + 1]
    tests = [Test("stage", Op.EQ, stage.id), Test("stage_order", Op.EQ, stage.order),
             Test("final_stage", Op.EQ, False),
             Test("next_needs_clearance", Op.EQ, following.needs_clearance_with_history)]
    if top_dose is not None:
        tests.append(Test("top_dose", Op.EQ, top_dose))
    return tests


def _can_win(rulebook: Rulebook, rule: CompiledRule, context: list[Test]) -> bool:
    """``rule`` can fire on a check-in in this context without a harsher rule always
    firing with it."""
    tests = [*rule.tests, *context]
    if not _holds(FactType.CHECKIN, tests, rulebook):
        return False
    return not any(other.fact is FactType.CHECKIN
                   and rulebook.rank(other.action) < rulebook.rank(rule.action)
                   and _implies(FactType.CHECKIN, tests, other.tests, rulebook)
                   for other in rulebook.compiled)


def _leaves(rulebook: Rulebook, stage: Stage) -> bool:
    by_action = {action: [c for c in rulebook.compiled
                          if c.action is action and c.fact is FactType.CHECKIN]
                 for action in (Action.ADVANCE, Action.PROGRESS)}
    rises = len(stage.steps) == 1 or any(
        _can_win(rulebook, rule, _context(rulebook, stage, top_dose=False))
        for rule in by_action[Action.PROGRESS])
    return any(_can_win(rulebook, rule, _context(rulebook, stage, top_dose=top))
               for rule in by_action[Action.ADVANCE]
               for top in ((False, True) if rises else (False,)))


def _ladder(rulebook: Rulebook) -> Iterable[Finding]:
    stuck: Stage | None = None
    for stage in rulebook.stages[:-1]:
        if stuck is not None:
            yield Finding(ERROR, "unreachable-stage", f"stage {stage.id}",
                          f"cannot be reached: athletes never get past {stuck.id}")
        elif not _leaves(rulebook, stage):
            stuck = stage
            yield Finding(ERROR, "stuck-stage", f"stage {stage.id}",
                          "cannot be left: no advance rule can win here (it never fires in "
                          "this stage, or always with a harsher rule, or needs a top dose "
                          "that no progress rule reaches)")
    if stuck is not None:
        yield Finding(ERROR, "unreachable-stage", f"stage {rulebook.stages[-1].id}",
                      f"cannot be reached: athletes never get past {stuck.id}")


def _unused(rulebook: Rulebook) -> Iterable[Finding]:
    used = {cond.param for rule in rulebook.rules for cond in rule.when}
    for name in sorted(set(rulebook.params) - used - {*REQUIRED_PARAMS, *OPTIONAL_PARAMS}):
        yield Finding(WARNING, "unused-param", f"param {name}",
                      "no rule uses it and the engine does not read it")
    planned = {name for stage in rulebook.stages for name in stage.habits} | {
        name for stage in rulebook.stages for session in stage.session
        for name in session.items}
    planned |= {rulebook.exercises[name].substitute or name for name in planned}
    planned |= {name for stage in rulebook.stages  # P1: leading for an awareness finding
                for _, name in stage.emphasis.leads(Observation)}
    for name in sorted(set(rulebook.exercises) - planned):
        yield Finding(WARNING, "unused-exercise", f"exercise {name}",
                      "no stage plans it, in a session, as a habit, as a substitute or as an "
                      "emphasis")


def lint(rulebook: Rulebook) -> tuple[Finding, ...]:
    """The static findings on ``rulebook``, errors first.

    Schema errors are not among them: :func:`load_rulebook` raises those.
    """
    findings = [*_never_fires(rulebook), *_shadowed(rulebook), *_threshold_order(rulebook),
                *_ladder(rulebook), *_unused(rulebook)]
    return tuple(sorted(findings, key=lambda f: f.level != ERROR))


def safety(rulebook: Rulebook) -> tuple[Finding, ...]:
    """The safety invariants the prover refutes for ``rulebook`` (errors, each with its
    smallest counterexample in words and as JSON) or cannot decide (warnings)."""
    found = []
    for name, result in prove(rulebook).results.items():
        example = result.counterexample
        if example is not None:
            found.append(Finding(ERROR, "unsafe", f"invariant {name}", example.words(),
                                 json.dumps(example.to_data(), sort_keys=True)))
        elif result.status == "unknown":
            found.append(Finding(WARNING, "not-proved", f"invariant {name}",
                                 f"not decided: {result.reason}"))
    return tuple(found)
