"""The safety invariants, as checks any test can run on any engine and rulebook.

Each check looks at one decision (the engine's answer to one state and check-in) and
raises :class:`InvariantViolation` when the decision breaks the invariant. Checks read
their thresholds from a rulebook's ``[params]`` by name (the *spec*); by default the spec is
the engine's own rulebook, but a test may hold an engine to another rulebook's numbers,
which is how rulebook mutants are caught.

Requires hypothesis (as all of :mod:`footcore.testing`), though this module does not
import it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from .._blocks import main_part, missing_kinds
from .._conditions import FactType, Scalar
from .._convert import to_json
from .._engine import Engine
from .._enums import Action, BackOff, Category, SymptomKind
from .._facts import build_facts, single_leg_week
from .._models import AthleteState, CheckIn, Compensation, Decision, PlanItem, Symptom
from .._rulebook import Rulebook
from .._rulebook_loading import assemble
from ._spec import (
    HOTSPOTS,
    LASTING_KINDS,
    PAIN_KINDS,
    SINGLE_LEG_FAULTS,
    backoff_compensation,
    backoff_symptom,
    caution,
    criteria,
    pain_sign,
    param,
    param_or,
)
from ._violations import InvariantViolation

__all__ = [
    "CONFORMANCE",
    "INVARIANTS",
    "SAFETY",
    "Invariant",
    "Trigger",
    "check_backends_agree",
    "check_backoff_never_raises_load",
    "check_cues_agree_with_action",
    "check_decision",
    "check_deterministic",
    "check_hold_explained",
    "check_invariants",
    "check_monotone",
    "check_no_hops_before_clearance",
    "check_no_rise_unless_ready",
    "check_one_rung_at_most",
    "check_pain_pauses",
    "check_pause_holds_until_clearance",
    "check_responses",
    "check_session_shape",
    "check_stiffness_never_raises_load",
    "select",
    "triggers",
]

Fact = Mapping[str, Scalar]
RISING = frozenset({Action.PROGRESS, Action.ADVANCE})
_MAIN_EXEMPT = frozenset({Category.WARM_UP, Category.COOL_DOWN, Category.MOBILITY})


# ---------------------------------------------------------------- context


@functools.lru_cache(maxsize=32)
def _fresh(rulebook: Rulebook, backend: str) -> Engine:
    """An engine over a separately assembled copy of ``rulebook``."""
    copy = assemble(rulebook.meta, rulebook.params, rulebook.exercises.values(),
                    rulebook.stages, rulebook.rules, location=rulebook.location,
                    allow_unsafe=bool(rulebook.unsafe))
    return Engine(copy, backend=backend)


@functools.lru_cache(maxsize=32)
def _other_backend(rulebook: Rulebook, backend: str) -> Engine | None:
    """An engine on the backend other than ``backend``, or None where durable is missing."""
    if backend == "durable":
        return Engine(rulebook, backend="native")
    from .._durable import durable_available

    if not durable_available():
        return None
    return Engine(rulebook, backend="durable")


def other_backend(engine: Engine) -> Engine | None:
    """The engine to compare ``engine`` with: durable for native, native for durable; None
    where durable-rules does not import (it supports CPython 3.11 and 3.12)."""
    return _other_backend(engine.rulebook, engine.backend)


@attrs.frozen
class _Context:
    engine: Engine
    spec: Rulebook
    other: Engine | None = None


def _facts(spec: Rulebook, state: AthleteState, checkin: CheckIn) -> Fact:
    return build_facts(spec, state, checkin)[FactType.CHECKIN][0]


def _num(fact: Fact, name: str) -> float:
    """A number of the check-in fact (every number field holds an int or a float)."""
    value = fact[name]
    assert isinstance(value, int | float)
    return value


def _symptom(s: Symptom) -> str:
    return f"{s.kind} at {s.location} (severity {s.severity}, {s.days} day(s))"


def _compensation(c: Compensation) -> str:
    return f"{c.kind} in {c.exercise or 'an exercise not named'}"


def _items(decision: Decision) -> list[PlanItem]:
    plan = decision.plan
    return [item for s in plan.sessions for item in s.items] + list(plan.habits)


def _fail(name: str, problem: str, expectation: str, decision: Decision,
          **extra: Any) -> InvariantViolation:
    return InvariantViolation(name, problem, expectation=expectation, decision=decision,
                              **extra)


# ---------------------------------------------------------------- triggers (the article's table)


@attrs.frozen
class Trigger:
    """A reason in the check-in or the state for a response the article calls for.
    Requires hypothesis."""

    action: Action
    reason: str
    source: str
    fact: str | None = None  # the symptom or compensation fact a firing must answer it on

    def __str__(self) -> str:
        return f"{self.reason} -> {self.action} ({self.source})"


def triggers(rulebook: Rulebook, state: AthleteState, checkin: CheckIn, *,
             invariant: str = "article-responses") -> tuple[Trigger, ...]:
    """Every trigger of the article's table of back-off and hold conditions (P2, P3, P8-P11)
    in ``state`` and ``checkin``, at the thresholds of ``rulebook``: what the rulebook must
    answer, and with which action.

    Raises:
        MissingParam: the rulebook lacks a threshold; the message names ``invariant``.

    Requires hypothesis.
    """
    def p(name: str) -> float:
        return param(rulebook, name, invariant)

    f = _facts(rulebook, state, checkin)
    found: list[Trigger] = []

    def add(action: Action, reason: str, source: str, fact: str | None = None) -> None:
        found.append(Trigger(action, reason, source, fact))

    if state.paused and not checkin.clinician_cleared:
        add(Action.PAUSE, "training is paused and the check-in brings no clearance", "P10")
    if state.paused and checkin.clinician_cleared and not f["pain_today"]:
        add(Action.DELOAD, "cleared after a pause: resume gently", "P10")
    for number, s in enumerate(checkin.symptoms):
        on = f"symptom[{number}]"
        if s.kind in PAIN_KINDS:
            add(Action.PAUSE, f"{_symptom(s)}", "P10", on)
        if s.kind in LASTING_KINDS and s.days >= p("persistent_symptom_days"):
            add(Action.PAUSE, f"{_symptom(s)} lasting >= persistent_symptom_days", "P10", on)
        if s.kind is SymptomKind.IRRITATION:
            if s.location in HOTSPOTS:
                high = s.severity >= p("irritation_rest_min")
                add(Action.REST if high else Action.DELOAD,
                    f"{_symptom(s)} in a forefoot hotspot, "
                    f"{'at or above' if high else 'below'} irritation_rest_min", "P10", on)
            else:
                add(Action.HOLD, f"{_symptom(s)} outside the forefoot hotspots", "P10", on)
        if s.kind is SymptomKind.STIFFNESS:
            if s.severity >= p("stiffness_deload_min"):
                add(Action.DELOAD, f"{_symptom(s)} >= stiffness_deload_min", "P9", on)
            else:
                add(Action.EASE, f"{_symptom(s)}: stiffness after a workout, below "
                                 f"stiffness_deload_min", "P9", on)
        if s.kind is SymptomKind.SORENESS and s.severity >= p("soreness_hold_min"):
            add(Action.HOLD, f"{_symptom(s)} >= soreness_hold_min", "P10", on)
        if s.kind is SymptomKind.FATIGUE and s.severity >= p("fatigue_hold_min"):
            add(Action.HOLD, f"{_symptom(s)} >= fatigue_hold_min", "P11", on)
    for number, c in enumerate(checkin.compensations):
        on = f"compensation[{number}]"
        exercise = rulebook.exercises.get(c.exercise) if c.exercise else None
        hops = exercise is not None and exercise.category is Category.PLYOMETRIC
        if c.kind in SINGLE_LEG_FAULTS and hops:
            add(Action.REGRESS, f"{_compensation(c)}, a hop", "P8", on)
        elif c.kind in SINGLE_LEG_FAULTS:  # P8: scale back whenever the pattern emerges
            work = ("no exercise named" if exercise is None
                    else "single-leg work" if exercise.unilateral else "two-footed work")
            add(Action.DELOAD, f"{_compensation(c)}, {work}", "P8", on)
        else:
            add(Action.HOLD, f"{_compensation(c)}: fix the technique first", "P1, P3, P8", on)
    gap = _num(f, "days_since_last_session")
    if f["completed"] and not _short(rulebook, checkin):  # layoffs end at a session that counts
        if gap >= p("long_layoff_days"):
            add(Action.REGRESS, f"back after {gap} days >= long_layoff_days", "default")
        elif gap >= p("short_layoff_days"):
            add(Action.DELOAD, f"back after {gap} days >= short_layoff_days", "default")
    if f["has_foot_fatigue"] and _num(f, "foot_fatigue") >= p("fatigue_hold_min"):
        add(Action.HOLD, f"foot fatigue {f['foot_fatigue']} >= fatigue_hold_min", "P11")
    for window in ("deload_active", "rest_active", "backoff_ended"):
        if f[window]:
            add(Action.HOLD, f"back-off window: {window.replace('_', ' ')}", "P9, P10")
    if f["history"] and not f["cleared"] and f["next_needs_clearance"] and f["top_dose"]:
        add(Action.HOLD, "foot or ankle history, next rung gated, no clearance", "P10")
    if f["history"] and not f["cleared"] and _num(f, "stage_order") >= 1:
        add(Action.HOLD, "foot or ankle history, past the awareness rung, no clearance", "P10")
    uneven = param_or(rulebook, "forefoot_symmetry_min", 0.0)
    if f["has_forefoot_symmetry"] and _num(f, "forefoot_symmetry") < uneven and f["top_dose"]:
        add(Action.HOLD, f"forefoot symmetry {f['forefoot_symmetry']} < forefoot_symmetry_min "
                         f"at the top dose", "P7, P11")
    if f["final_stage"] and f["top_dose"]:
        add(Action.HOLD, "the top of the ladder at its top dose: keep the routine",
            "P11, P12")
    if not f["completed"]:
        add(Action.HOLD, "session missed", "P2")
    if _num(f, "sessions_in_window") < p("min_sessions_in_window"):
        add(Action.HOLD, f"{f['sessions_in_window']} session(s) in the window < "
                         f"min_sessions_in_window", "P2, P3")
    return tuple(found)


def _short(rulebook: Rulebook, checkin: CheckIn) -> bool:
    """A session shorter than session_counts_min_minutes (0 minutes: not reported) (P2, P6)."""
    return 0 < checkin.minutes < param_or(rulebook, "session_counts_min_minutes", 0)


def _ready(rulebook: Rulebook, state: AthleteState, checkin: CheckIn, invariant: str
           ) -> tuple[set[Action], list[str]]:
    """Which rises the rulebook's criteria allow (PROGRESS, ADVANCE), and what is missing."""
    f = _facts(rulebook, state, checkin)
    top = bool(f["top_dose"])
    streak = "advance_clean_streak" if top else "progress_clean_streak"
    missing = []
    if not f["completed"]:
        missing.append("session not done")
    elif _short(rulebook, checkin):
        missing.append(f"session of {checkin.minutes} min < session_counts_min_minutes")
    if _num(f, "sessions_in_window") < param(rulebook, "min_sessions_in_window", invariant):
        missing.append(f"sessions_in_window {f['sessions_in_window']} < min_sessions_in_window")
    if _num(f, "clean_streak") < param(rulebook, streak, invariant):
        missing.append(f"clean_streak {f['clean_streak']} < {streak}")
    if _num(f, "days_at_dose") < param(rulebook, "min_days_per_step", invariant):
        missing.append(f"days_at_dose {f['days_at_dose']} < min_days_per_step")
    action = Action.ADVANCE if top else Action.PROGRESS
    if top and f["final_stage"]:
        missing.append("at the top of the ladder")
    rules = criteria(rulebook, action, state.stage)
    if not rules:
        missing.append(f"no {action} rule can fire in stage {state.stage}")
    elif not any(all(c.holds(f) for c in crit) for crit in rules):
        missing.append(f"metric criteria of the {action} rule not met")
    return (set() if missing else {action}), missing


# ---------------------------------------------------------------- the invariants


def _pain_pauses(ctx: _Context, d: Decision) -> None:
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
    loaded = sorted({i.exercise for i in _items(d) if i.loaded})
    if loaded:
        problems.append(f"the plan has loaded items ({', '.join(loaded)})")
    if problems:
        raise _fail(name, f"{_symptom(pains[0])} did not pause training: "
                    f"{'; '.join(problems)}",
                    "PAUSE: paused state, no sessions, nothing loaded, until a clinician "
                    "clears it (P10: sharp pain, or pain that persists)", d)


def _backoff_never_raises_load(ctx: _Context, d: Decision) -> None:
    name = "backoff-never-raises-load"
    spec = ctx.spec
    for need in ("stiffness_deload_min", "persistent_symptom_days"):
        param(spec, need, name)  # MissingParam, whatever the input
    signs = [_symptom(s) for s in d.answered.symptoms if backoff_symptom(spec, s, name)]
    week = functools.cache(lambda: single_leg_week(ctx.engine.rulebook, d.prior_state))
    for c in d.answered.compensations:
        if not backoff_compensation(spec, c, week):
            continue
        signs.append(_compensation(c) if c.exercise in spec.exercises else
                     f"{_compensation(c)} (exercise not named) in a week with single-leg "
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
        raise _fail(name, f"{signs[0]} was not backed off from: {'; '.join(problems)}",
                    "a deload or something more cautious (rest, regress, pause); never a "
                    "higher dose or rung (P8, P9, P10)", d)


def _rose(ctx: _Context, d: Decision) -> str | None:
    """How the load rose from the prior state, in words, or None."""
    order = {s.id: s.order for s in ctx.engine.rulebook.stages}
    before, after = d.prior_state, d.state
    if d.action in RISING:
        return f"the action is {d.action}"
    if order[after.stage] > order[before.stage]:
        return f"the stage rose from {before.stage} to {after.stage}"
    if after.stage == before.stage and after.dose_level > before.dose_level:
        return f"the dose rose from step {before.dose_level} to {after.dose_level}"
    return None


def _stiffness_never_raises_load(ctx: _Context, d: Decision) -> None:
    name = "stiffness-never-raises-load"
    stiff = [s for s in d.answered.symptoms if s.kind is SymptomKind.STIFFNESS]
    if not stiff:
        return
    rose = _rose(ctx, d) or (caution(d.action) < caution(Action.EASE)
                             and f"the action is {d.action}, milder than an ease")
    if rose:
        raise _fail(name, f"{_symptom(stiff[0])} was reported and {rose}",
                    "stiffness after a workout, however mild, eases the week at least (an "
                    "ease or more cautious) and never raises the load (P9)", d)


def _cues_agree_with_action(ctx: _Context, d: Decision) -> None:
    name = "cues-agree-with-action"
    cues = {rule.id: rule.cue for rule in ctx.engine.rulebook.rules}
    wanted = tuple(dict.fromkeys(cue for f in d.winners if (cue := cues.get(f.rule_id))))
    if d.plan.cues == wanted:
        return
    stray = [f.rule_id for f in d.overridden if cues.get(f.rule_id) in d.plan.cues
             and cues.get(f.rule_id) not in wanted]
    missing = [cue for cue in wanted if cue not in d.plan.cues]
    problem = (f"the {d.action} plan carries the cue of {', '.join(stray)}, overridden"
               if stray else f"the {d.action} plan's cues are {list(d.plan.cues)!r:.120}, "
               f"not its winning rules' ({list(wanted)!r:.120})")
    raise _fail(name, problem, "a plan carries the cues of the rules whose action was taken, "
                "each once, and no cue of an overridden rule (P10)", d,
                rules=stray or [f.rule_id for f in d.winners],
                details=[f"missing: {cue}" for cue in missing[:3]])


def _hold_explained(ctx: _Context, d: Decision) -> None:
    name = "hold-explained"
    if d.action is not Action.HOLD or d.winners or any(w.unmet for w in d.why_not):
        return
    raise _fail(name, "a hold with no winning rule and no unmet condition of a next step",
                "every hold names the rule that holds it or what the next step still needs "
                "(P2, P8, P11)", d)


def _monotone(ctx: _Context, d: Decision) -> None:
    name = "monotone"
    checkin = d.answered
    variants: list[tuple[str, CheckIn]] = []
    for i, s in enumerate(checkin.symptoms):
        rest = checkin.symptoms[:i] + checkin.symptoms[i + 1:]
        variants.append((f"symptom {_symptom(s)}", attrs.evolve(checkin, symptoms=rest)))
    for i, c in enumerate(checkin.compensations):
        rest_c = checkin.compensations[:i] + checkin.compensations[i + 1:]
        variants.append((f"compensation {_compensation(c)}",
                         attrs.evolve(checkin, compensations=rest_c)))
    for what, fewer in variants:
        without = ctx.engine.evaluate(d.prior_state, fewer)
        if caution(d.action) < caution(without.action):
            raise _fail(name, f"adding the {what} made the action more aggressive: "
                        f"{without.action} without it, {d.action} with it",
                        "one more symptom or compensation never makes the action less "
                        "cautious", d,
                        details=[f"without it, rule(s): "
                                 f"{', '.join(f.rule_id for f in without.winners) or 'none'}"])


def _one_rung_at_most(ctx: _Context, d: Decision) -> None:
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
        raise _fail(name, "; ".join(problems),
                    "at most one rung or one dose step per check-in, up only on ADVANCE "
                    "or PROGRESS, down a rung only on REGRESS, a new rung from its first "
                    "step (P2, P10)", d)


def _session_shape(ctx: _Context, d: Decision) -> None:
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
        raise _fail(name, "; ".join(problems[:4]),
                    "P6's week: sessions_per_week blocks of session_min_minutes to "
                    "session_max_minutes, warm-up first, main items alternating activation "
                    "drills, static holds and dynamic transitions (each block all three), the "
                    "cool-down last; only the athlete's own goal drills (P4); fewer sessions "
                    "in rest days, lighter doses in a deload, none while paused", d)


def _no_hops_before_clearance(ctx: _Context, d: Decision) -> None:
    name = "no-hops-before-clearance"
    rulebook = ctx.engine.rulebook
    before, new = d.prior_state, d.state
    problems = []
    if new.prior_foot_ankle_problems and not new.clinician_cleared:
        hops = sorted({i.exercise for i in _items(d) if i.category is Category.PLYOMETRIC})
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
        raise _fail(name, f"an athlete with a foot or ankle history and no clearance: "
                    f"{'; '.join(problems)}",
                    "no hops, no gated rung and no rise past the awareness rung until a "
                    "coach or clinician has cleared the athlete (P10)", d)


def _pause_holds_until_clearance(ctx: _Context, d: Decision) -> None:
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
            raise _fail(name, f"a paused athlete checked in without clearance: "
                        f"{'; '.join(problems)}",
                        "PAUSE again, no sessions, until a check-in brings clearance (P10)", d)
    elif caution(d.action) < caution(Action.DELOAD):
        raise _fail(name, f"the first check-in after clearance gave {d.action}",
                    "a gentle resumption: a deload or something more cautious, never a "
                    "hold at the full dose or a rise (P10)", d)


def _no_rise_unless_ready(ctx: _Context, d: Decision) -> None:
    name = "no-rise-unless-ready"
    rulebook = ctx.engine.rulebook
    order = {s.id: s.order for s in rulebook.stages}
    before, after = d.prior_state, d.state
    rose = (d.action in RISING or order[after.stage] > order[before.stage]
            or (after.stage == before.stage and after.dose_level > before.dose_level))
    if not rose:
        return
    found = triggers(ctx.spec, before, d.answered, invariant=name)
    _, missing = _ready(ctx.spec, before, d.answered, name)
    blockers = [str(t) for t in found] + missing
    if blockers:
        raise _fail(name, f"the load rose ({d.action}: {before.stage}/{before.dose_level} -> "
                    f"{after.stage}/{after.dose_level}) though {blockers[0]}",
                    "a rise only after a done, clean session with enough sessions in the "
                    "window, a clean streak and days at the dose, and no symptom, "
                    "compensation, layoff or back-off window calling for a hold (P2, P3, "
                    "P10, P11)", d, details=[f"also: {b}" for b in blockers[1:4]])


def _deterministic(ctx: _Context, d: Decision) -> None:
    name = "deterministic"
    text = to_json(d)
    again = ctx.engine.evaluate(d.prior_state, d.answered)
    fresh = _fresh(ctx.engine.rulebook, ctx.engine.backend).evaluate(d.prior_state, d.answered)
    for label, other in (("the same engine", again), ("an engine on a fresh copy", fresh)):
        if to_json(other) != text:
            raise _fail(name, f"{label} gave a different decision for the same inputs "
                        f"({other.action} vs {d.action})",
                        "byte-identical JSON for the same inputs, every time", d)


def _backends_agree(ctx: _Context, d: Decision) -> None:
    name = "backends-agree"
    other = ctx.other if ctx.other is not None else other_backend(ctx.engine)
    if other is None:
        return
    theirs = other.evaluate(d.prior_state, d.answered)
    if to_json(attrs.evolve(theirs, backend="native")) != to_json(
            attrs.evolve(d, backend="native")):
        mine = sorted(f.rule_id for f in d.firings)
        them = sorted(f.rule_id for f in theirs.firings)
        raise _fail(name, f"{d.backend} and {theirs.backend} decided differently "
                    f"({d.action} vs {theirs.action})",
                    "both backends fire the same rules and give the same decision", d,
                    rules=sorted(set(mine) ^ set(them)),
                    details=[f"{d.backend} fired: {', '.join(mine) or 'none'}",
                             f"{theirs.backend} fired: {', '.join(them) or 'none'}"])


def _responses(ctx: _Context, d: Decision) -> None:
    name = "article-responses"
    spec = ctx.spec
    found = triggers(spec, d.prior_state, d.answered, invariant=name)
    rises, missing = _ready(spec, d.prior_state, d.answered, name)
    proposed = {t.action for t in found} | rises
    expected = max(proposed, key=caution, default=spec.meta.default_action)
    fired = {f.action for f in d.firings}
    why = [str(t) for t in found] or [f"ready to {a}" for a in rises] or [
        f"no trigger, not ready ({'; '.join(missing)})"]
    if d.action is not expected:
        raise _fail(name, f"expected {expected}, got {d.action}",
                    "the most cautious response among the article's triggers at the "
                    "rulebook's thresholds (or the rise the criteria allow)", d,
                    details=[f"trigger: {w}" for w in why[:5]])
    unanswered = [t for t in found if t.fact is not None and not any(
        f.fact == t.fact and f.action is t.action for f in d.firings)]
    if unanswered:
        raise _fail(name, f"no rule answered {unanswered[0]} on that {unanswered[0].fact}",
                    "every symptom and compensation the article names gets its response "
                    "from a rule on that very fact, so the trace says what it was about", d,
                    details=[f"unanswered: {t}" for t in unanswered[1:4]])
    stray = [f for f in d.firings if f.fact != "checkin" and not any(
        t.fact == f.fact and t.action is f.action for t in found)]
    if stray:
        raise _fail(name, f"{stray[0].rule_id} proposed {stray[0].action} on {stray[0].fact}, "
                    f"which calls for no {stray[0].action}",
                    "a rule on a symptom or compensation proposes only the response the "
                    "article gives to that symptom or compensation", d,
                    rules=[f.rule_id for f in stray],
                    details=[f"trigger: {t}" for t in found if t.fact == stray[0].fact])
    if fired != proposed:
        extra = sorted(fired - proposed, key=caution)
        lacking = sorted(proposed - fired, key=caution)
        blamed = [f.rule_id for f in d.firings if f.action in extra]
        problem = "; ".join(
            part for part in (
                extra and f"rule(s) proposed {', '.join(map(str, extra))} with no trigger "
                          f"for it",
                lacking and f"no rule proposed {', '.join(map(str, lacking))}") if part)
        raise _fail(name, f"the trace is not the article's: {problem}",
                    "every trigger's response among the firings (won or overridden), and "
                    "no response without a trigger", d, rules=blamed or None,
                    details=[f"trigger: {w}" for w in why[:5]])


# ---------------------------------------------------------------- registry


@attrs.frozen
class Invariant:
    """One invariant: its name, what it means in training terms, the parameters it reads,
    and the check. ``conformance`` marks checks of the article's exact responses (which a
    rulebook that adds triggers of its own may skip); the others are safety invariants.
    ``engine_level`` marks checks of the engine rather than the rulebook.

    Requires hypothesis.
    """

    name: str
    meaning: str
    source: tuple[str, ...]
    needs: tuple[str, ...]
    check: Callable[[_Context, Decision], None]
    conformance: bool = False
    engine_level: bool = False


_LIST = (
    Invariant("pain-pauses", "sharp pain, or irritation, soreness or stiffness that has "
              "lasted persistent_symptom_days, pauses training: no sessions, nothing loaded",
              ("P10",), ("persistent_symptom_days",), _pain_pauses),
    Invariant("backoff-never-raises-load", "a back-off sign (stiffness from "
              "stiffness_deload_min, forefoot irritation, pain, a knee or hip compensation in "
              "single-leg work or hops, or with no exercise named in a week that has them) "
              "gets a deload or more, never a higher dose or rung",
              ("P8", "P9", "P10"), ("stiffness_deload_min", "persistent_symptom_days"),
              _backoff_never_raises_load),
    Invariant("stiffness-never-raises-load", "any stiffness reported after a workout eases "
              "the week at least (an ease or more cautious), never a higher dose or rung",
              ("P9",), (),
              _stiffness_never_raises_load),
    Invariant("monotone", "one more symptom or compensation never makes the action more "
              "aggressive", ("P9", "P10"), (), _monotone),
    Invariant("one-rung-at-most", "the athlete moves at most one rung or one dose step per "
              "check-in, up only on ADVANCE or PROGRESS", ("P2", "P10"), (), _one_rung_at_most),
    Invariant("session-shape", "every plan is P6's week: 15-20 minute blocks, warm-up first, "
              "main items alternating activation drills, static holds and dynamic transitions "
              "(each block all three), cool-down last, no other goal's drills; fewer in rest "
              "days, lighter in a deload, none while paused", ("P4", "P6", "P9", "P10"),
              ("sessions_per_week", "session_min_minutes", "session_max_minutes",
               "rest_sessions_per_week"), _session_shape),
    Invariant("no-hops-before-clearance", "an athlete with a foot or ankle history does no "
              "hops, enters no gated rung and gets no rise past the awareness rung before a "
              "coach or clinician clears them", ("P10",), (),
              _no_hops_before_clearance),
    Invariant("pause-holds-until-clearance", "a pause lasts until a check-in brings "
              "clearance, and training then resumes gently", ("P10",), (),
              _pause_holds_until_clearance),
    Invariant("no-rise-unless-ready", "the dose or rung rises only for a consistent, clean "
              "athlete who has spent min_days_per_step at the dose, with nothing calling for "
              "a hold", ("P2", "P3", "P10", "P11"),
              ("min_sessions_in_window", "progress_clean_streak", "advance_clean_streak",
               "min_days_per_step", "persistent_symptom_days", "irritation_rest_min",
               "stiffness_deload_min", "soreness_hold_min", "fatigue_hold_min",
               "short_layoff_days", "long_layoff_days"), _no_rise_unless_ready),
    Invariant("hold-explained", "every hold names its winning rule or what the next step "
              "still needs (the unmet conditions of a progress or advance rule)",
              ("P2", "P8", "P11"), (), _hold_explained),
    Invariant("cues-agree-with-action", "a plan carries the cues of the rules whose action "
              "was taken and no cue of an overridden rise or hold: a paused athlete is not "
              "told to keep training", ("P10",), (), _cues_agree_with_action,
              engine_level=True),
    Invariant("deterministic", "the same inputs give byte-identical decisions", (), (),
              _deterministic, engine_level=True),
    Invariant("backends-agree", "the durable and native backends give the same decision "
              "(skipped where durable-rules does not import)", (), (), _backends_agree,
              engine_level=True),
    Invariant("article-responses", "each trigger of the article's table gets its response "
              "at the rulebook's thresholds, the most cautious winning, and the trace lists "
              "every response and no other", ("P2", "P3", "P8", "P9", "P10", "P11"),
              ("min_sessions_in_window", "progress_clean_streak", "advance_clean_streak",
               "min_days_per_step", "persistent_symptom_days", "irritation_rest_min",
               "stiffness_deload_min", "soreness_hold_min", "fatigue_hold_min",
               "short_layoff_days", "long_layoff_days"), _responses, conformance=True),
)

INVARIANTS: Mapping[str, Invariant] = {inv.name: inv for inv in _LIST}
SAFETY: tuple[str, ...] = tuple(i.name for i in _LIST if not i.conformance)
CONFORMANCE: tuple[str, ...] = tuple(i.name for i in _LIST if i.conformance)


def select(only: Collection[str] | None = None, skip: Collection[str] = ()
           ) -> tuple[Invariant, ...]:
    """The invariants named in ``only`` (all by default), less those in ``skip``.

    Raises:
        ValueError: an unknown name.
    """
    for name in (*(only or ()), *skip):
        if name not in INVARIANTS:
            raise ValueError(f"unknown invariant {name!r}; known: {', '.join(INVARIANTS)}")
    chosen = INVARIANTS if only is None else {n: INVARIANTS[n] for n in INVARIANTS if n in only}
    return tuple(inv for n, inv in chosen.items() if n not in skip)


def check_decision(decision: Decision, *, engine: Engine, rulebook: Rulebook | None = None,
                   only: Collection[str] | None = None, skip: Collection[str] = (),
                   other: Engine | None = None) -> None:
    """Check one decision of ``engine`` against the invariants.

    Args:
        engine: the engine that made the decision (some checks evaluate again).
        rulebook: the rulebook whose thresholds the checks read; the engine's by default.
        only, skip: invariants to run or leave out, by name (see ``INVARIANTS``).
        other: the engine ``backends-agree`` compares with; by default durable for a
            native engine, native for a durable one.

    Raises:
        InvariantViolation: the first invariant the decision breaks.

    Requires hypothesis.
    """
    ctx = _Context(engine, rulebook if rulebook is not None else engine.rulebook, other)
    for inv in select(only, skip):
        inv.check(ctx, decision)


def check_invariants(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                     rulebook: Rulebook | None = None, only: Collection[str] | None = None,
                     skip: Collection[str] = (), other: Engine | None = None) -> Decision:
    """Evaluate ``checkin`` for ``state`` and check the decision against the invariants.

    Returns the decision. Arguments as for :func:`check_decision`.

    Raises:
        InvariantViolation: the first invariant the decision breaks.

    Requires hypothesis.
    """
    decision = engine.evaluate(state, checkin)
    check_decision(decision, engine=engine, rulebook=rulebook, only=only, skip=skip,
                   other=other)
    return decision


def _one(name: str) -> Callable[..., Decision]:
    def check(engine: Engine, state: AthleteState, checkin: CheckIn, *,
              rulebook: Rulebook | None = None, other: Engine | None = None) -> Decision:
        return check_invariants(engine, state, checkin, rulebook=rulebook, only=(name,),
                                other=other)
    return check


def check_pain_pauses(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                      rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``pain-pauses`` (P10): sharp or persistent pain, or irritation, soreness or
    stiffness lasting ``persistent_symptom_days``, pauses training. Returns the decision.

    Raises:
        InvariantViolation: it does not. Requires hypothesis.
    """
    return _one("pain-pauses")(engine, state, checkin, rulebook=rulebook)


def check_backoff_never_raises_load(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                                    rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``backoff-never-raises-load`` (P8-P10): a back-off sign gets a deload or more
    and never a higher dose or rung. Returns the decision.

    Raises:
        InvariantViolation: it does not. Requires hypothesis.
    """
    return _one("backoff-never-raises-load")(engine, state, checkin, rulebook=rulebook)


def check_stiffness_never_raises_load(engine: Engine, state: AthleteState, checkin: CheckIn,
                                      *, rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``stiffness-never-raises-load`` (P9): any stiffness after a workout eases the
    week at least (an ease or more cautious) and never raises the load. Returns the decision.

    Raises:
        InvariantViolation: the load rose, or the action is milder than an ease.
        Requires hypothesis.
    """
    return _one("stiffness-never-raises-load")(engine, state, checkin, rulebook=rulebook)


def check_hold_explained(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                         rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``hold-explained``: a hold names its winning rule, or the unmet conditions of
    the next step (``Decision.why_not``). Returns the decision.

    Raises:
        InvariantViolation: it names neither. Requires hypothesis.
    """
    return _one("hold-explained")(engine, state, checkin, rulebook=rulebook)


def check_monotone(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                   rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``monotone``: without any one of the check-in's symptoms or compensations,
    the action is at most as cautious. Returns the decision.

    Raises:
        InvariantViolation: it is not. Requires hypothesis.
    """
    return _one("monotone")(engine, state, checkin, rulebook=rulebook)


def check_one_rung_at_most(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                           rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``one-rung-at-most``. Returns the decision.

    Raises:
        InvariantViolation: it does not hold. Requires hypothesis.
    """
    return _one("one-rung-at-most")(engine, state, checkin, rulebook=rulebook)


def check_session_shape(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                        rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``session-shape`` (P6). Returns the decision.

    Raises:
        InvariantViolation: it does not hold. Requires hypothesis.
    """
    return _one("session-shape")(engine, state, checkin, rulebook=rulebook)


def check_no_hops_before_clearance(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                                   rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``no-hops-before-clearance`` (P10). Returns the decision.

    Raises:
        InvariantViolation: it does not hold. Requires hypothesis.
    """
    return _one("no-hops-before-clearance")(engine, state, checkin, rulebook=rulebook)


def check_pause_holds_until_clearance(engine: Engine, state: AthleteState, checkin: CheckIn,
                                      *, rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``pause-holds-until-clearance`` (P10). Returns the decision.

    Raises:
        InvariantViolation: it does not hold. Requires hypothesis.
    """
    return _one("pause-holds-until-clearance")(engine, state, checkin, rulebook=rulebook)


def check_no_rise_unless_ready(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                               rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``no-rise-unless-ready`` (P2, P3, P10, P11). Returns the decision.

    Raises:
        InvariantViolation: it does not hold. Requires hypothesis.
    """
    return _one("no-rise-unless-ready")(engine, state, checkin, rulebook=rulebook)


def check_cues_agree_with_action(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                                 rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``cues-agree-with-action`` (P10): the plan carries the cues of the winning
    rules, each once and in firing order, and none of an overridden rule. Returns the
    decision.

    Raises:
        InvariantViolation: it does not hold. Requires hypothesis.
    """
    return _one("cues-agree-with-action")(engine, state, checkin, rulebook=rulebook)


def check_deterministic(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                        rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``deterministic``: the same engine, and an engine over a freshly assembled
    copy of its rulebook, give byte-identical JSON. Returns the decision.

    Raises:
        InvariantViolation: they do not. Requires hypothesis.
    """
    return _one("deterministic")(engine, state, checkin, rulebook=rulebook)


def check_backends_agree(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                         other: Engine | None = None) -> Decision:
    """Invariant ``backends-agree``: ``other`` (by default the engine's rulebook on the
    other backend) gives the same decision but for its ``backend``. Passes without checking
    where durable-rules does not import and no ``other`` is given. Returns the decision.

    Raises:
        InvariantViolation: they differ. Requires hypothesis.
    """
    return _one("backends-agree")(engine, state, checkin, other=other)


def check_responses(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                    rulebook: Rulebook | None = None) -> Decision:
    """Conformance check ``article-responses``: the action is the most cautious response of
    the article's table to the triggers present, at the rulebook's thresholds (or the rise
    its criteria allow), and the firings propose exactly those responses. Returns the
    decision.

    Raises:
        InvariantViolation: they do not. Requires hypothesis.
    """
    return _one("article-responses")(engine, state, checkin, rulebook=rulebook)

