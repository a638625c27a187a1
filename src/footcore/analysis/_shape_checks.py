"""The invariants of a decision's shape, as checks: the athlete moves one rung or one dose
step at most (one-rung-at-most), and every plan is P6's week (session-shape). Each raises
:class:`InvariantViolation`.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import itertools

import attrs

from .._blocks import main_part, missing_kinds
from .._enums import Action, BackOff, Category
from .._models import Decision
from ._checking import CheckContext, violation
from ._spec import param

__all__ = ["one_rung_at_most", "session_shape"]


_MAIN_EXEMPT = frozenset({Category.WARM_UP, Category.COOL_DOWN, Category.MOBILITY})


def one_rung_at_most(ctx: CheckContext, d: Decision) -> None:
    name = "one-rung-at-most"
    rulebook = ctx.engine.rulebook
    order = {s.id: s.order for s in rulebook.stages}
    before, after = d.prior_state, d.state
    step = order[after.stage] - order[before.stage]
    steps = len(rulebook.stage(after.stage).steps)
    problems = []
    if abs(step) > 1:
        problems.append(f"the stage moved {step} rungs ({before.stage} -> {after.stage})")
    if step > 0 and d.action is not Action.ADVANCE:
        problems.append(f"the stage rose on {d.action}, not advance")
    if step < 0 and d.action is not Action.REGRESS:
        problems.append(f"the stage fell on {d.action}, not regress")
    if step != 0 and after.dose_level != 0:
        problems.append(f"a new stage starts at step {after.dose_level}, not 0")
    if not 0 <= after.dose_level < steps:
        problems.append(f"dose step {after.dose_level} is outside 0-{steps - 1}")
    if step == 0:
        rise = after.dose_level - before.dose_level
        if rise > 1:
            problems.append(f"the dose rose {rise} steps at once")
        if rise > 0 and d.action is not Action.PROGRESS:
            problems.append(f"the dose rose on {d.action}, not progress")
    if problems:
        raise violation(name, "; ".join(problems),
                        "at most one rung or one dose step per check-in, up only on ADVANCE "
                        "or PROGRESS, down a rung only on REGRESS, a new rung from its first "
                        "step (P2, P10)", d)


def session_shape(ctx: CheckContext, d: Decision) -> None:
    name = "session-shape"
    spec, rulebook = ctx.spec, ctx.engine.rulebook
    low = param(spec, "session_min_minutes", name)
    high = param(spec, "session_max_minutes", name)
    per_week = param(spec, "sessions_per_week", name)
    rest_week = param(spec, "rest_sessions_per_week", name)
    plan, new = d.plan, d.state
    problems = []
    if (plan.stage, plan.dose_level) != (new.stage, new.dose_level):
        problems.append(f"the plan is for {plan.stage}/{plan.dose_level}, the state at "
                        f"{new.stage}/{new.dose_level}")
    mode = ("paused" if new.paused else "deload" if new.backoff is BackOff.DELOAD
            else "rest" if new.backoff is BackOff.REST else "normal")
    if plan.mode != mode:
        problems.append(f"the plan's mode is {plan.mode}, the state's {mode}")
    if new.paused and (plan.sessions or any(i.loaded for i in plan.habits)):
        problems.append("a paused plan has sessions or loaded habits")
    limit = rest_week if new.backoff is BackOff.REST else per_week
    if len(plan.sessions) > limit:
        problems.append(f"{len(plan.sessions)} sessions in a week; at most {limit:g}")
    for number, session in enumerate(plan.sessions):
        where = f"session {number} ({session.focus})"
        if not low <= session.minutes <= high:
            problems.append(f"{where} lasts {session.minutes} min, not {low:g}-{high:g}")
        cats = [i.category for i in session.items]
        if len(cats) < 3:
            problems.append(f"{where} has {len(cats)} items; needs warm-up, main, cool-down")
            continue
        if cats[0] is not Category.WARM_UP:
            problems.append(f"{where} starts with {cats[0]}, not a warm-up")
        if cats[-1] is not Category.COOL_DOWN:
            problems.append(f"{where} ends with {cats[-1]}, not the cool-down")
        main = main_part(cats)
        for first, second in itertools.pairwise(main):
            if first is second:
                problems.append(f"{where}: two neighbouring main items are both {first}")
                break
        lacking = missing_kinds(main)
        if lacking:
            problems.append(f"{where}: the main items hold no {' and no '.join(lacking)}")
        unknown = [i.exercise for i in session.items if i.exercise not in rulebook.exercises]
        if unknown:
            problems.append(f"{where} names unknown exercises {unknown}")
            continue
        borrowed = [i.exercise for i in session.items
                    if rulebook.exercises[i.exercise].goals
                    and new.goal not in rulebook.exercises[i.exercise].goals]
        if borrowed:
            problems.append(f"{where} borrows another goal's drills {borrowed}")
    if mode == "deload" and not problems:
        normal = ctx.engine.plan(attrs.evolve(new, backoff=BackOff.NONE, backoff_until=None))
        for light, full in zip(plan.sessions, normal.sessions, strict=False):
            for a, b in zip(light.items, full.items, strict=False):
                if a.category in _MAIN_EXEMPT:
                    continue
                if a.dose.reps > b.dose.reps or a.dose.hold_s > b.dose.hold_s or (
                        a.dose.resistance != "none"):
                    problems.append(f"deload dose of {a.exercise} ({a.dose}) is not lighter "
                                    f"than its normal dose ({b.dose})")
    if problems:
        raise violation(name, "; ".join(problems[:4]),
                        "P6's week: sessions_per_week blocks of session_min_minutes to "
                        "session_max_minutes, warm-up first, main items alternating activation "
                        "drills, static holds and dynamic transitions (each block all three), the "
                        "cool-down last; only the athlete's own goal drills (P4); fewer sessions "
                        "in rest days, lighter doses in a deload, none while paused", d)
