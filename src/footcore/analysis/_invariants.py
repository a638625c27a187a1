"""The invariants: what each means, the parameters it reads, and its check; and the checks
as functions any test can run on any engine and rulebook.

Each check looks at one decision (the engine's answer to one state and check-in) and
raises :class:`InvariantViolation` when the decision breaks the invariant. Checks read
their thresholds from a rulebook's ``[params]`` by name (the *spec*); by default the spec is
the engine's own rulebook, but a test may hold an engine to another rulebook's numbers,
which is how rulebook mutants are caught. The checks themselves live by family: safety
(:mod:`._safety_checks`), the decision's shape (:mod:`._shape_checks`), the engine
(:mod:`._engine_checks`) and conformance to the article (:mod:`._conformance`).

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date

import attrs

from .._engine import Engine
from .._enums import Action, ChangeKind, Goal, Role
from .._errors import Conflict
from .._models import AthleteState, CheckIn, Decision
from .._rulebook import Rulebook
from ._change_checks import (
    athlete_words,
    forbidden,
    goal_change_keeps_the_rung,
    no_rise_over_a_backoff_day,
    override_as_the_rules_apply,
    override_keeps_pause,
    upgrade_keeps_the_rung,
)
from ._checking import CheckContext
from ._conformance import responses
from ._engine_checks import backends_agree, cues_agree_with_action, deterministic
from ._safety_checks import (
    backoff_never_raises_load,
    hold_explained,
    monotone,
    no_hops_before_clearance,
    no_rise_unless_ready,
    pain_pauses,
    pause_holds_until_clearance,
    stiffness_never_raises_load,
)
from ._shape_checks import one_rung_at_most, session_shape
from ._violations import InvariantViolation

__all__ = [
    "CONFORMANCE",
    "INVARIANTS",
    "SAFETY",
    "Invariant",
    "check_backends_agree",
    "check_backoff_never_raises_load",
    "check_change_goal",
    "check_cues_agree_with_action",
    "check_decision",
    "check_deterministic",
    "check_hold_explained",
    "check_invariants",
    "check_monotone",
    "check_no_hops_before_clearance",
    "check_no_rise_unless_ready",
    "check_one_rung_at_most",
    "check_override",
    "check_pain_pauses",
    "check_pause_holds_until_clearance",
    "check_responses",
    "check_session_shape",
    "check_stiffness_never_raises_load",
    "check_upgrade",
    "select",
]


@attrs.frozen
class Invariant:
    """One invariant: its name, what it means in training terms, the parameters it reads,
    and the check. ``conformance`` marks checks of the article's exact responses (which a
    rulebook that adds triggers of its own may skip); the others are safety invariants.
    ``engine_level`` marks checks of the engine rather than the rulebook. ``kinds`` are
    the kinds of decision it checks: a check-in's, or a change's (an override, a change
    of goal, an upgrade).
    """

    name: str
    meaning: str
    source: tuple[str, ...]
    needs: tuple[str, ...]
    check: Callable[[CheckContext, Decision], None]
    conformance: bool = False
    engine_level: bool = False
    kinds: tuple[ChangeKind, ...] = (ChangeKind.CHECKIN,)


_LIST = (
    Invariant("pain-pauses", "sharp pain, or irritation, soreness or stiffness that has "
              "lasted persistent_symptom_days, pauses training: no sessions, nothing loaded",
              ("P10",), ("persistent_symptom_days",), pain_pauses),
    Invariant("backoff-never-raises-load", "a back-off sign (stiffness from "
              "stiffness_deload_min, forefoot irritation, pain, a knee or hip compensation in "
              "single-leg work or hops, or with no exercise named in a week that has them) "
              "gets a deload or more, never a higher dose or rung",
              ("P8", "P9", "P10"), ("stiffness_deload_min", "persistent_symptom_days"),
              backoff_never_raises_load),
    Invariant("stiffness-never-raises-load", "any stiffness reported after a workout eases "
              "the week at least (an ease or more cautious), never a higher dose or rung",
              ("P9",), (),
              stiffness_never_raises_load),
    Invariant("monotone", "one more symptom or compensation never makes the action more "
              "aggressive", ("P9", "P10"), (), monotone),
    Invariant("one-rung-at-most", "the athlete moves at most one rung or one dose step per "
              "check-in, up only on ADVANCE or PROGRESS", ("P2", "P10"), (), one_rung_at_most),
    Invariant("session-shape", "every plan is P6's week: 15-20 minute blocks, warm-up first, "
              "main items alternating activation drills, static holds and dynamic transitions "
              "(each block all three), cool-down last, no other goal's drills; fewer in rest "
              "days, lighter in a deload, none while paused", ("P4", "P6", "P9", "P10"),
              ("sessions_per_week", "session_min_minutes", "session_max_minutes",
               "rest_sessions_per_week"), session_shape),
    Invariant("no-hops-before-clearance", "an athlete with a foot or ankle history does no "
              "hops, enters no gated rung and gets no rise past the awareness rung before a "
              "coach or clinician clears them", ("P10",), (),
              no_hops_before_clearance),
    Invariant("pause-holds-until-clearance", "a pause lasts until a check-in brings "
              "clearance, and training then resumes gently", ("P10",), (),
              pause_holds_until_clearance),
    Invariant("no-rise-unless-ready", "the dose or rung rises only for a consistent, clean "
              "athlete who has spent min_days_per_step at the dose, with nothing calling for "
              "a hold", ("P2", "P3", "P10", "P11"),
              ("min_sessions_in_window", "progress_clean_streak", "advance_clean_streak",
               "min_days_per_step", "persistent_symptom_days", "irritation_rest_min",
               "stiffness_deload_min", "soreness_hold_min", "fatigue_hold_min",
               "short_layoff_days", "long_layoff_days"), no_rise_unless_ready),
    Invariant("hold-explained", "every hold names its winning rule or what the next step "
              "still needs (the unmet conditions of a progress or advance rule)",
              ("P2", "P8", "P11"), (), hold_explained),
    Invariant("cues-agree-with-action", "a plan carries the cues of the rules whose action "
              "was taken and no cue of an overridden rise or hold: a paused athlete is not "
              "told to keep training", ("P10",), (), cues_agree_with_action,
              engine_level=True),
    Invariant("deterministic", "the same inputs give byte-identical decisions", (), (),
              deterministic, engine_level=True),
    Invariant("backends-agree", "the durable and native backends give the same decision "
              "(skipped where durable-rules does not import or refuses the rulebook)", (), (),
              backends_agree, engine_level=True),
    Invariant("article-responses", "each trigger of the article's table gets its response "
              "at the rulebook's thresholds, the most cautious winning, and the trace lists "
              "every response and no other", ("P2", "P3", "P8", "P9", "P10", "P11"),
              ("min_sessions_in_window", "progress_clean_streak", "advance_clean_streak",
               "min_days_per_step", "persistent_symptom_days", "irritation_rest_min",
               "stiffness_deload_min", "soreness_hold_min", "fatigue_hold_min",
               "short_layoff_days", "long_layoff_days"), responses, conformance=True),
    Invariant("override-keeps-pause", "only a clinician clears an athlete or lifts a pause: "
              "anyone else's override of a paused athlete is a pause or refused "
              "(override-unsafe), never a higher load, and a clinician's resume records the "
              "clearance", ("P10",), (), override_keeps_pause, engine_level=True,
              kinds=(ChangeKind.OVERRIDE,)),
    Invariant("override-as-the-rules-apply", "an override of an action leaves the stage, "
              "dose step and back-off window the rules' own action would, restarts the days "
              "at the dose, keeps the record of sessions, and is refused only where an "
              "invariant forbids it", (), (), override_as_the_rules_apply, engine_level=True,
              kinds=(ChangeKind.OVERRIDE,)),
    Invariant("no-rise-over-a-backoff-day", "an override to a rise on the day the rules "
              "backed off or eased is refused (override-conflict, naming the rules)",
              ("P8", "P9", "P10"), (), no_rise_over_a_backoff_day, engine_level=True,
              kinds=(ChangeKind.OVERRIDE,)),
    Invariant("goal-change-keeps-the-rung", "a change of goal keeps the rung, the dose step "
              "and everything else, gives the new goal's plan there and restarts the days at "
              "the dose", ("P12",), (), goal_change_keeps_the_rung, engine_level=True,
              kinds=(ChangeKind.GOAL,)),
    Invariant("upgrade-keeps-the-rung", "a move to another rulebook keeps the stage (by id, "
              "or by the mapping) and the dose step, lowered to the new stage's last when it "
              "has fewer, never raised", (), (), upgrade_keeps_the_rung, engine_level=True,
              kinds=(ChangeKind.UPGRADE,)),
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
                   other: Engine | None = None, after: Decision | None = None,
                   mapping: Mapping[str, str] | None = None) -> None:
    """Check one decision of ``engine`` against the invariants of its kind (a check-in's,
    an override's, a change of goal's, an upgrade's: ``Invariant.kinds``).

    Args:
        engine: the engine that made the decision (some checks evaluate again).
        rulebook: the rulebook whose thresholds the checks read; the engine's by default.
        only, skip: invariants to run or leave out, by name (see ``INVARIANTS``).
        other: the engine ``backends-agree`` compares with; by default durable for a
            native engine, native for a durable one.
        after: for an override, the athlete's decision before it (what it overrides).
        mapping: for an upgrade, the stage mapping it was made with.

    Raises:
        InvariantViolation: the first invariant the decision breaks.
    """
    ctx = CheckContext(engine, rulebook if rulebook is not None else engine.rulebook, other,
                       after, mapping)
    for inv in select(only, skip):
        if decision.kind in inv.kinds:
            inv.check(ctx, decision)


def check_invariants(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                     rulebook: Rulebook | None = None, only: Collection[str] | None = None,
                     skip: Collection[str] = (), other: Engine | None = None) -> Decision:
    """Evaluate ``checkin`` for ``state`` and check the decision against the invariants.

    Returns the decision. Arguments as for :func:`check_decision`.

    Raises:
        InvariantViolation: the first invariant the decision breaks.
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
        InvariantViolation: it does not.
    """
    return _one("pain-pauses")(engine, state, checkin, rulebook=rulebook)


def check_backoff_never_raises_load(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                                    rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``backoff-never-raises-load`` (P8-P10): a back-off sign gets a deload or more
    and never a higher dose or rung. Returns the decision.

    Raises:
        InvariantViolation: it does not.
    """
    return _one("backoff-never-raises-load")(engine, state, checkin, rulebook=rulebook)


def check_stiffness_never_raises_load(engine: Engine, state: AthleteState, checkin: CheckIn,
                                      *, rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``stiffness-never-raises-load`` (P9): any stiffness after a workout eases the
    week at least (an ease or more cautious) and never raises the load. Returns the decision.

    Raises:
        InvariantViolation: the load rose, or the action is milder than an ease.
    """
    return _one("stiffness-never-raises-load")(engine, state, checkin, rulebook=rulebook)


def check_hold_explained(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                         rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``hold-explained``: a hold names its winning rule, or the unmet conditions of
    the next step (``Decision.why_not``). Returns the decision.

    Raises:
        InvariantViolation: it names neither.
    """
    return _one("hold-explained")(engine, state, checkin, rulebook=rulebook)


def check_monotone(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                   rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``monotone``: without any one of the check-in's symptoms or compensations,
    the action is at most as cautious. Returns the decision.

    Raises:
        InvariantViolation: it is not.
    """
    return _one("monotone")(engine, state, checkin, rulebook=rulebook)


def check_one_rung_at_most(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                           rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``one-rung-at-most``. Returns the decision.

    Raises:
        InvariantViolation: it does not hold.
    """
    return _one("one-rung-at-most")(engine, state, checkin, rulebook=rulebook)


def check_session_shape(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                        rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``session-shape`` (P6). Returns the decision.

    Raises:
        InvariantViolation: it does not hold.
    """
    return _one("session-shape")(engine, state, checkin, rulebook=rulebook)


def check_no_hops_before_clearance(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                                   rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``no-hops-before-clearance`` (P10). Returns the decision.

    Raises:
        InvariantViolation: it does not hold.
    """
    return _one("no-hops-before-clearance")(engine, state, checkin, rulebook=rulebook)


def check_pause_holds_until_clearance(engine: Engine, state: AthleteState, checkin: CheckIn,
                                      *, rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``pause-holds-until-clearance`` (P10). Returns the decision.

    Raises:
        InvariantViolation: it does not hold.
    """
    return _one("pause-holds-until-clearance")(engine, state, checkin, rulebook=rulebook)


def check_no_rise_unless_ready(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                               rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``no-rise-unless-ready`` (P2, P3, P10, P11). Returns the decision.

    Raises:
        InvariantViolation: it does not hold.
    """
    return _one("no-rise-unless-ready")(engine, state, checkin, rulebook=rulebook)


def check_cues_agree_with_action(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                                 rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``cues-agree-with-action`` (P10): the plan carries the cues of the winning
    rules, each once and in firing order, and none of an overridden rule. Returns the
    decision.

    Raises:
        InvariantViolation: it does not hold.
    """
    return _one("cues-agree-with-action")(engine, state, checkin, rulebook=rulebook)


def check_deterministic(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                        rulebook: Rulebook | None = None) -> Decision:
    """Invariant ``deterministic``: the same engine, and an engine over a freshly assembled
    copy of its rulebook, give byte-identical JSON. Returns the decision.

    Raises:
        InvariantViolation: they do not.
    """
    return _one("deterministic")(engine, state, checkin, rulebook=rulebook)


def check_backends_agree(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                         other: Engine | None = None) -> Decision:
    """Invariant ``backends-agree``: ``other`` (by default the engine's rulebook on the
    other backend) gives the same decision but for its ``backend``. Passes without checking
    where durable-rules does not import or refuses the rulebook, and no ``other`` is given.
    Returns the decision.

    Raises:
        InvariantViolation: they differ.
    """
    return _one("backends-agree")(engine, state, checkin, other=other)


def check_responses(engine: Engine, state: AthleteState, checkin: CheckIn, *,
                    rulebook: Rulebook | None = None) -> Decision:
    """Conformance check ``article-responses``: the action is the most cautious response of
    the article's table to the triggers present, at the rulebook's thresholds (or the rise
    its criteria allow), and the firings propose exactly those responses. Returns the
    decision.

    Raises:
        InvariantViolation: they do not.
    """
    return _one("article-responses")(engine, state, checkin, rulebook=rulebook)


def check_override(engine: Engine, state: AthleteState, *, on: date, by: str,
                   role: Role | str, reason: str, action: Action | str | None = None,
                   clearance: bool | None = None, comment: str | None = None,
                   after: Decision | None = None, rulebook: Rulebook | None = None,
                   only: Collection[str] | None = None, skip: Collection[str] = ()
                   ) -> Decision:
    """:meth:`Engine.override`, checked: an override the invariants forbid (see
    ``override-keeps-pause`` and ``no-rise-over-a-backoff-day``) must be refused with the
    ``Conflict`` they name, and any other is made and its decision checked against the
    override's invariants. Arguments as for :meth:`Engine.override` and
    :func:`check_decision`.

    Returns the decision.

    Raises:
        Conflict: the engine's refusal, when the invariants forbid the override.
        InputError: the engine's, for an invalid override.
        InvariantViolation: the engine made an override the invariants forbid, refused one
            they allow (``override-as-the-rules-apply``), or refused with another code; or
            the decision breaks an invariant.
    """
    chosen = {inv.name for inv in select(only, skip)}
    must = forbidden(state, on=on, role=role, action=action, clearance=clearance,
                     after=after)
    try:
        decision = engine.override(state, on=on, by=by, role=role, reason=reason,
                                   action=action, clearance=clearance, comment=comment,
                                   after=after)
    except Conflict as refused:
        name = must.get(refused.code) or next(iter(must.values()), None) or (
            "override-as-the-rules-apply")
        if refused.code in must or name not in chosen:
            raise
        wanted = f"refused with {', '.join(must)}" if must else "made"
        raise InvariantViolation(
            name, f"{role}'s override ({action}, clearance {clearance}) of "
            f"{athlete_words(state)} was refused ({refused.code}): {refused}",
            expectation=f"the override {wanted}", state=state) from refused
    broken = [name for name in must.values() if name in chosen]
    if broken:
        raise InvariantViolation(
            broken[0], f"{role}'s override ({decision.action}, clearance {clearance}) of "
            f"{athlete_words(state)} was made",
            expectation=f"refused with {', '.join(must)}", decision=decision)
    check_decision(decision, engine=engine, rulebook=rulebook, only=only, skip=skip,
                   after=after)
    return decision


def check_change_goal(engine: Engine, state: AthleteState, goal: Goal | str, *, on: date,
                      rulebook: Rulebook | None = None, only: Collection[str] | None = None,
                      skip: Collection[str] = ()) -> Decision:
    """:meth:`Engine.change_goal`, its decision checked against ``goal-change-keeps-the-rung``
    (P12). Returns the decision.

    Raises:
        InputError: the engine's, for an invalid change (``same-goal``...).
        InvariantViolation: the decision breaks the invariant.
    """
    decision = engine.change_goal(state, goal, on=on)
    check_decision(decision, engine=engine, rulebook=rulebook, only=only, skip=skip)
    return decision


def check_upgrade(engine: Engine, state: AthleteState, old: Rulebook, *, on: date,
                  mapping: Mapping[str, str] | None = None, rulebook: Rulebook | None = None,
                  only: Collection[str] | None = None, skip: Collection[str] = ()
                  ) -> Decision:
    """:meth:`Engine.upgrade` from ``old`` to ``engine``'s rulebook, its decision checked
    against ``upgrade-keeps-the-rung``. Returns the decision.

    Raises:
        InputError: the engine's: ``stage-unmapped`` when the athlete's stage has no place
            in the new ladder, ``rulebook-mismatch``...
        InvariantViolation: the decision breaks the invariant.
    """
    decision = engine.upgrade(state, old, on=on, mapping=mapping)
    check_decision(decision, engine=engine, rulebook=rulebook, only=only, skip=skip,
                   mapping=mapping)
    return decision
