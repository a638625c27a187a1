"""Static findings on a loaded rulebook: what a rule author needs beyond schema errors.

Each rule is a conjunction of comparisons of one fact field with a constant, so whether a
set of conditions can hold together is decided field by field, by trying every value at
which a comparison can change its answer (the constants, their neighbours and the field's
natural bounds). That decides which rules can never fire, which are always outranked by a
more conservative rule that fires whenever they do, which stages cannot be reached or
left, and which thresholds are ordered against the severity they grade. The checks on
pairs of rules ask :class:`._rule_index.RuleIndex`, which compares only rules that can
overlap, so lint grows about linearly with the rulebook rather than with its square.

:func:`safety` adds what the prover (:mod:`._prove`) decides: a safety invariant
some input breaks is an error, with the smallest such input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

import attrs

from .._conditions import CompiledRule, FactType, Op, Test
from .._enums import Action, Observation
from .._rulebook import Rule, Rulebook, Stage
from .._rulebook_checks import OPTIONAL_PARAMS, REQUIRED_PARAMS
from ._prove import prove
from ._rule_index import RuleIndex, by_field, lower_bound

__all__ = ["ERROR", "WARNING", "Finding", "lint", "safety"]

ERROR, WARNING = "error", "warning"
# Fields on which a higher value is worse, so a harsher action should need a higher value.
WORSE_WHEN_HIGHER = {
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


def _show(rule: Rule, field: str, rulebook: Rulebook) -> str:
    shown = []
    for cond in rule.when:
        if cond.field == field:
            value = (f"{rulebook.params[cond.param].value:g} [{cond.param}]" if cond.param
                     else repr(cond.value))
            shown.append(f"{cond.field} {cond.op.value} {value}")
    return " and ".join(shown) or f"{field} (guard)"


def _never_fires(index: RuleIndex) -> Iterable[Finding]:
    for entry in index.entries:
        for field, group in entry.groups.items():
            if not index.meets(entry.fact, field, group):
                yield Finding(ERROR, "never-fires", f"rule {entry.rule.id}",
                              f"can never fire: no {entry.fact} fact meets "
                              f"{_show(entry.rule, field, index.rulebook)}")
                break


def shadowed(rule: Rule, other: Rule) -> Finding:
    """The finding that ``rule`` never wins, for ``other`` fires whenever it does."""
    return Finding(WARNING, "shadowed", f"rule {rule.id}",
                   f"never wins: whenever it fires, {other.id} fires too and its "
                   f"{other.action.value} outranks {rule.action.value}")


def _shadowed(index: RuleIndex) -> Iterable[Finding]:
    for entry in index.live:
        other = index.first_outranking(entry.fact, entry.groups, entry.rank, live=True)
        if other is not None:
            yield shadowed(entry.rule, other.rule)


def threshold_order(harsh: Rule, harsh_tests: Sequence[Test], mild: Rule,
                    mild_tests: Sequence[Test], rulebook: Rulebook) -> Iterable[Finding]:
    """The findings on two rules that can fire together, the harsher ``harsh`` starting
    lower than ``mild`` on a field where a higher value is worse."""
    for field in WORSE_WHEN_HIGHER.get(harsh.fact, ()):
        low_harsh, low_mild = lower_bound(harsh_tests, field), lower_bound(mild_tests, field)
        if low_harsh is not None and low_mild is not None and low_harsh < low_mild:
            yield Finding(
                WARNING, "threshold-order", f"rule {mild.id}",
                f"where it and the harsher {harsh.action.value} rule {harsh.id} both "
                f"apply, that one starts lower ({_show(harsh, field, rulebook)}) than "
                f"this one ({_show(mild, field, rulebook)}), so this one never wins "
                f"there")


def _threshold_order(index: RuleIndex) -> Iterable[Finding]:
    pairs = sorted(index.harsher_lower(WORSE_WHEN_HIGHER),
                   key=lambda pair: (pair[0].position, pair[1].position))
    for harsh, mild in pairs:
        if index.overlap(harsh, mild):
            yield from threshold_order(harsh.rule, harsh.tests, mild.rule, mild.tests,
                                       index.rulebook)


def context(rulebook: Rulebook, stage: Stage, top_dose: bool | None = None) -> list[Test]:
    """What a check-in fact holds in ``stage`` (not the last), at the top dose or not."""
    following = rulebook.stages[stage.order + 1]
    tests = [Test("stage", Op.EQ, stage.id), Test("stage_order", Op.EQ, stage.order),
             Test("final_stage", Op.EQ, False),
             Test("next_needs_clearance", Op.EQ, following.needs_clearance_with_history)]
    if top_dose is not None:
        tests.append(Test("top_dose", Op.EQ, top_dose))
    return tests


CanWin = Callable[[CompiledRule, list[Test]], bool]


def _can_win(index: RuleIndex) -> CanWin:
    """Whether a rule can fire on a check-in in a context without a harsher rule always
    firing with it."""
    def can_win(rule: CompiledRule, where: list[Test]) -> bool:
        groups = by_field([*rule.tests, *where])
        return (index.satisfiable(FactType.CHECKIN, groups)
                and index.first_outranking(FactType.CHECKIN, groups,
                                           index.rulebook.rank(rule.action),
                                           live=False) is None)
    return can_win


def _leaves(rulebook: Rulebook, stage: Stage, can_win: CanWin) -> bool:
    by_action = {action: [c for c in rulebook.compiled
                          if c.action is action and c.fact is FactType.CHECKIN]
                 for action in (Action.ADVANCE, Action.PROGRESS)}
    rises = len(stage.steps) == 1 or any(
        can_win(rule, context(rulebook, stage, top_dose=False))
        for rule in by_action[Action.PROGRESS])
    return any(can_win(rule, context(rulebook, stage, top_dose=top))
               for rule in by_action[Action.ADVANCE]
               for top in ((False, True) if rises else (False,)))


def ladder(rulebook: Rulebook, can_win: CanWin) -> Iterable[Finding]:
    """The stages that cannot be left, and those above them, deciding with ``can_win``."""
    stuck: Stage | None = None
    for stage in rulebook.stages[:-1]:
        if stuck is not None:
            yield Finding(ERROR, "unreachable-stage", f"stage {stage.id}",
                          f"cannot be reached: athletes never get past {stuck.id}")
        elif not _leaves(rulebook, stage, can_win):
            stuck = stage
            yield Finding(ERROR, "stuck-stage", f"stage {stage.id}",
                          "cannot be left: no advance rule can win here (it never fires in "
                          "this stage, or always with a harsher rule, or needs a top dose "
                          "that no progress rule reaches)")
    if stuck is not None:
        yield Finding(ERROR, "unreachable-stage", f"stage {rulebook.stages[-1].id}",
                      f"cannot be reached: athletes never get past {stuck.id}")


def unused(rulebook: Rulebook) -> Iterable[Finding]:
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
    index = RuleIndex(rulebook)
    return ordered([*_never_fires(index), *_shadowed(index), *_threshold_order(index),
                    *ladder(rulebook, _can_win(index)), *unused(rulebook)])


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """``findings`` errors first, each level in the order found."""
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
