"""The safety invariants of back-offs, pauses, clearance and rises, as checks of one decision:
pain pauses, a back-off sign never raises the load, stiffness eases the week, one more sign
never makes the action less cautious, a pause holds until clearance, no hops or rise before
clearance, no rise unless ready, every hold explained. Each raises
:class:`InvariantViolation`.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools

import attrs

from .._enums import Action, Category, SymptomKind
from .._facts import single_leg_week
from .._models import CheckIn, Decision
from .._rulebook import Rulebook
from ._checking import CheckContext, compensation_words, plan_items, symptom_words, violation
from ._spec import backoff_compensation, backoff_symptom, caution, pain_sign, param
from ._triggers import rises_allowed, triggers

__all__ = [
    "RISING",
    "backoff_never_raises_load",
    "hold_explained",
    "load_rose",
    "monotone",
    "no_hops_before_clearance",
    "no_rise_unless_ready",
    "pain_pauses",
    "pause_holds_until_clearance",
    "stiffness_never_raises_load",
]


RISING = frozenset({Action.PROGRESS, Action.ADVANCE})


def pain_pauses(ctx: CheckContext, d: Decision) -> None:
    name = "pain-pauses"
    param(ctx.spec, "persistent_symptom_days", name)  # MissingParam, whatever the input
    pains = [s for s in d.answered.symptoms if pain_sign(ctx.spec, s, name)]
    if not pains:
        return
    problems = []
    if d.action is not Action.PAUSE:
        problems.append(f"the action is {d.action}")
    if not d.state.paused:
        problems.append("the new state is not paused")
    if d.plan.sessions:
        problems.append(f"the plan has {len(d.plan.sessions)} session(s)")
    loaded = sorted({i.exercise for i in plan_items(d) if i.loaded})
    if loaded:
        problems.append(f"the plan has loaded items ({', '.join(loaded)})")
    if problems:
        raise violation(name, f"{symptom_words(pains[0])} did not pause training: "
                        f"{'; '.join(problems)}",
                        "PAUSE: paused state, no sessions, nothing loaded, until a clinician "
                        "clears it (P10: sharp pain, or pain that persists)", d)


def backoff_never_raises_load(ctx: CheckContext, d: Decision) -> None:
    name = "backoff-never-raises-load"
    spec = ctx.spec
    for need in ("stiffness_deload_min", "persistent_symptom_days"):
        param(spec, need, name)  # MissingParam, whatever the input
    signs = [symptom_words(s) for s in d.answered.symptoms if backoff_symptom(spec, s, name)]
    week = functools.cache(lambda: single_leg_week(ctx.engine.rulebook, d.prior_state))
    for c in d.answered.compensations:
        if not backoff_compensation(spec, c, week):
            continue
        signs.append(compensation_words(c) if c.exercise in spec.exercises else
                     f"{compensation_words(c)} (exercise not named) in a week with single-leg "
                     f"work or hops")
    if not signs:
        return
    before, after = d.prior_state, d.state
    order = {s.id: s.order for s in ctx.engine.rulebook.stages}
    problems = []
    if caution(d.action) < caution(Action.DELOAD):
        problems.append(f"the action is {d.action}, less cautious than a deload")
    if order[after.stage] > order[before.stage]:
        problems.append(f"the stage rose from {before.stage} to {after.stage}")
    elif after.stage == before.stage and after.dose_level > before.dose_level:
        problems.append(f"the dose rose from step {before.dose_level} to {after.dose_level}")
    if problems:
        raise violation(name, f"{signs[0]} was not backed off from: {'; '.join(problems)}",
                        "a deload or something more cautious (rest, regress, pause); never a "
                        "higher dose or rung (P8, P9, P10)", d)


def load_rose(rulebook: Rulebook, d: Decision) -> str | None:
    """How the load rose from the prior state, in words, or None."""
    order = {s.id: s.order for s in rulebook.stages}
    before, after = d.prior_state, d.state
    if d.action in RISING:
        return f"the action is {d.action}"
    if order[after.stage] > order[before.stage]:
        return f"the stage rose from {before.stage} to {after.stage}"
    if after.stage == before.stage and after.dose_level > before.dose_level:
        return f"the dose rose from step {before.dose_level} to {after.dose_level}"
    return None


def stiffness_never_raises_load(ctx: CheckContext, d: Decision) -> None:
    name = "stiffness-never-raises-load"
    stiff = [s for s in d.answered.symptoms if s.kind is SymptomKind.STIFFNESS]
    if not stiff:
        return
    rose = load_rose(ctx.engine.rulebook, d) or (caution(d.action) < caution(Action.EASE)
                                  and f"the action is {d.action}, milder than an ease")
    if rose:
        raise violation(name, f"{symptom_words(stiff[0])} was reported and {rose}",
                        "stiffness after a workout, however mild, eases the week at least (an "
                        "ease or more cautious) and never raises the load (P9)", d)


def monotone(ctx: CheckContext, d: Decision) -> None:
    name = "monotone"
    checkin = d.answered
    variants: list[tuple[str, CheckIn]] = []
    for i, s in enumerate(checkin.symptoms):
        rest = checkin.symptoms[:i] + checkin.symptoms[i + 1:]
        variants.append((f"symptom {symptom_words(s)}", attrs.evolve(checkin, symptoms=rest)))
    for i, c in enumerate(checkin.compensations):
        rest_c = checkin.compensations[:i] + checkin.compensations[i + 1:]
        variants.append((f"compensation {compensation_words(c)}",
                         attrs.evolve(checkin, compensations=rest_c)))
    for what, fewer in variants:
        without = ctx.engine.evaluate(d.prior_state, fewer)
        if caution(d.action) < caution(without.action):
            raise violation(name, f"adding the {what} made the action more aggressive: "
                            f"{without.action} without it, {d.action} with it",
                            "one more symptom or compensation never makes the action less "
                            "cautious", d,
                            details=[f"without it, rule(s): "
                                     f"{', '.join(f.rule_id for f in without.winners) or 'none'}"])


def pause_holds_until_clearance(ctx: CheckContext, d: Decision) -> None:
    name = "pause-holds-until-clearance"
    if not d.prior_state.paused:
        return
    if not d.answered.clinician_cleared:
        problems = []
        if d.action is not Action.PAUSE:
            problems.append(f"the action is {d.action}")
        if not d.state.paused:
            problems.append("the new state is not paused")
        if d.plan.sessions:
            problems.append(f"the plan has {len(d.plan.sessions)} session(s)")
        if problems:
            raise violation(name, f"a paused athlete checked in without clearance: "
                            f"{'; '.join(problems)}",
                            "PAUSE again, no sessions, until a check-in brings clearance (P10)", d)
    elif caution(d.action) < caution(Action.DELOAD):
        raise violation(name, f"the first check-in after clearance gave {d.action}",
                        "a gentle resumption: a deload or something more cautious, never a "
                        "hold at the full dose or a rise (P10)", d)


def no_hops_before_clearance(ctx: CheckContext, d: Decision) -> None:
    name = "no-hops-before-clearance"
    rulebook = ctx.engine.rulebook
    before, new = d.prior_state, d.state
    problems = []
    if new.prior_foot_ankle_problems and not new.clinician_cleared:
        hops = sorted({i.exercise for i in plan_items(d) if i.category is Category.PLYOMETRIC})
        if hops:
            problems.append(f"the plan has hops ({', '.join(hops)})")
    order = {s.id: s.order for s in rulebook.stages}
    entered = rulebook.stage(new.stage)
    cleared = before.clinician_cleared or d.answered.clinician_cleared
    if (order[new.stage] > order[before.stage] and entered.needs_clearance_with_history
            and before.prior_foot_ankle_problems and not cleared):
        problems.append(f"entered {new.stage}, gated on clearance, without it")
    elif before.prior_foot_ankle_problems and not cleared and (
            order[new.stage] > order[before.stage]
            or (new.stage == before.stage and order[new.stage] > 0
                and new.dose_level > before.dose_level)):
        problems.append(f"the load rose past the awareness rung ({before.stage}/"
                        f"{before.dose_level} -> {new.stage}/{new.dose_level}) without it")
    if problems:
        raise violation(name, f"an athlete with a foot or ankle history and no clearance: "
                        f"{'; '.join(problems)}",
                        "no hops, no gated rung and no rise past the awareness rung until a "
                        "coach or clinician has cleared the athlete (P10)", d)


def no_rise_unless_ready(ctx: CheckContext, d: Decision) -> None:
    name = "no-rise-unless-ready"
    rulebook = ctx.engine.rulebook
    order = {s.id: s.order for s in rulebook.stages}
    before, after = d.prior_state, d.state
    rose = (d.action in RISING or order[after.stage] > order[before.stage]
            or (after.stage == before.stage and after.dose_level > before.dose_level))
    if not rose:
        return
    found = triggers(ctx.spec, before, d.answered, invariant=name)
    _, missing = rises_allowed(ctx.spec, before, d.answered, name)
    blockers = [str(t) for t in found] + missing
    if blockers:
        raise violation(name, f"the load rose ({d.action}: {before.stage}/{before.dose_level} -> "
                        f"{after.stage}/{after.dose_level}) though {blockers[0]}",
                        "a rise only after a done, clean session with enough sessions in the "
                        "window, a clean streak and days at the dose, and no symptom, "
                        "compensation, layoff or back-off window calling for a hold (P2, P3, "
                        "P10, P11)", d, details=[f"also: {b}" for b in blockers[1:4]])


def hold_explained(ctx: CheckContext, d: Decision) -> None:
    name = "hold-explained"
    if d.action is not Action.HOLD or d.winners or any(w.unmet for w in d.why_not):
        return
    raise violation(name, "a hold with no winning rule and no unmet condition of a next step",
                    "every hold names the rule that holds it or what the next step still needs "
                    "(P2, P8, P11)", d)
