"""The invariants of the changes the rules do not make, as checks of one decision: an
override keeps a pause unless a clinician clears the athlete, applies its action as the
rules apply it and never rises on a back-off's day; a change of goal and an upgrade keep
the rung. And :func:`forbidden`: the overrides those invariants forbid, which the engine
must refuse. Each check raises :class:`InvariantViolation`, and is given decisions of its
invariant's kinds only (``Invariant.kinds``).

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from datetime import date

import attrs

from .._enums import Action, Role
from .._facts import record
from .._models import AthleteState, CheckIn, Decision
from .._plan import build_plan
from .._rulebook import Rulebook
from .._transition import BACK_OFF_ACTIONS, next_state
from ._checking import CheckContext, violation
from ._safety_checks import RISING, load_rose
from ._spec import CAUTION, caution

__all__ = [
    "athlete_words",
    "forbidden",
    "goal_change_keeps_the_rung",
    "no_rise_over_a_backoff_day",
    "override_as_the_rules_apply",
    "override_keeps_pause",
    "upgrade_keeps_the_rung",
]

# What a change carries over untouched: the athlete and their record of sessions.
_RECORD = ("athlete_id", "started_on", "prior_foot_ankle_problems", "last_checkin_on",
           "last_session_on", "recent_sessions", "consecutive_completed",
           "consecutive_missed", "metrics", "recent_checkins", "awareness")


def _unlike(wanted: AthleteState, d: Decision, rulebook: Rulebook, plan: str) -> list[str]:
    """How ``d``'s state differs from ``wanted``, field by field, and whether its plan is
    not its state's (``plan`` says what it should be)."""
    fields = [f.name for f in attrs.fields(AthleteState)]
    problems = [f"{n} {getattr(wanted, n)!r} became {getattr(d.state, n)!r}" for n in fields
                if getattr(wanted, n) != getattr(d.state, n)]
    if d.plan != build_plan(rulebook, d.state):
        problems.append(f"the plan is not {plan}")
    return problems


def athlete_words(state: AthleteState) -> str:
    """"a paused athlete" or "an athlete"."""
    return "a paused athlete" if state.paused else "an athlete"


def _clearance(d: Decision) -> bool | None:
    """The clearance an override records giving (True) or withdrawing (False), or None."""
    given = dict(d.firings[0].matched).get("clearance") if d.firings else None
    return given if isinstance(given, bool) else None


def override_keeps_pause(ctx: CheckContext, d: Decision) -> None:
    name = "override-keeps-pause"
    assert d.change is not None  # an override's (Invariant.kinds)
    before, after = d.prior_state, d.state
    clinician = d.change.role is Role.CLINICIAN
    problems = []
    if not clinician and after.clinician_cleared and not before.clinician_cleared:
        problems.append(f"a {d.change.role}'s override cleared the athlete")
    if before.paused and not clinician:
        if d.action is not Action.PAUSE or not after.paused:
            problems.append(f"a {d.change.role}'s {d.action} lifted the pause")
        if rose := load_rose(ctx.engine.rulebook, d):
            problems.append(rose)
        if d.plan.sessions:
            problems.append(f"the plan has {len(d.plan.sessions)} session(s)")
    elif before.paused and not after.paused and not after.clinician_cleared:
        problems.append(f"a clinician's {d.action} resumed training without recording the "
                        f"clearance")
    if problems:
        raise violation(name, f"an override of {athlete_words(before)}: "
                        f"{'; '.join(problems)}",
                        "only a clinician clears an athlete or lifts a pause, and a "
                        "clinician's resume records the clearance; anyone else may only "
                        "keep a paused athlete paused (P10)", d)


def override_as_the_rules_apply(ctx: CheckContext, d: Decision) -> None:
    name = "override-as-the-rules-apply"
    rb = ctx.engine.rulebook
    before, on = d.prior_state, d.on
    probe = CheckIn(on=on, completed=False)
    rules = next_state(rb, before, probe, record(rb, before, probe), d.action)
    restarted = d.action in BACK_OFF_ACTIONS or d.action is Action.EASE
    given = _clearance(d)
    cleared = (before.clinician_cleared if given is None else given) \
        and d.action is not Action.PAUSE
    wanted = attrs.evolve(
        before, stage=rules.stage, dose_level=rules.dose_level, rulebook_digest=rb.digest,
        backoff=rules.backoff, backoff_until=rules.backoff_until, paused=rules.paused,
        last_backoff_on=rules.last_backoff_on, last_change_on=on,
        clean_streak=0 if restarted else before.clean_streak, clinician_cleared=cleared)
    problems = _unlike(wanted, d, rb, "the new state's")
    if problems:
        raise violation(name, f"an override of {d.action} on {on} did not leave the athlete "
                        f"where the rules' own {d.action} would: {'; '.join(problems[:3])}",
                        "the rules' stage, dose step and back-off window for that action, "
                        "the days at the dose counting again from the override, the record "
                        "of sessions as it was, and the new state's plan", d,
                        details=[f"also: {p}" for p in problems[3:6]])


def no_rise_over_a_backoff_day(ctx: CheckContext, d: Decision) -> None:
    name = "no-rise-over-a-backoff-day"
    last = ctx.after
    if not _cautious_day(d.prior_state, last, d.on):
        return
    rose = load_rose(ctx.engine.rulebook, d)
    if rose:
        said = (f"a {last.action} ({', '.join(f.rule_id for f in last.winners) or 'no rule'})"
                if last is not None and last.on == d.on else "a back-off or ease")
        raise violation(name, f"an override on {d.on}, the day of {said}: {rose}",
                        "no rise on a day the rules backed off or eased: the override is "
                        "refused (override-conflict), a hold or a back-off is not (P8, P9)", d)


def _cautious_day(state: AthleteState, last: Decision | None, on: date) -> bool:
    """Whether the athlete was backed off or eased on day ``on``: by ``last``, their last
    decision, or by an earlier one of that day (``state.last_backoff_on``)."""
    return state.last_backoff_on == on or (
        last is not None and last.on == on and last.action in CAUTION
        and caution(last.action) >= caution(Action.EASE))


def forbidden(state: AthleteState, *, on: date, role: Role | str, action: Action | str | None,
              clearance: bool | None, after: Decision | None) -> dict[str, str]:
    """The overrides the invariants forbid: for one asked of ``state``, the ``Conflict``
    codes the engine must refuse it with, each with the invariant that forbids it (none:
    the override may be made). Inputs the engine refuses as invalid forbid nothing here."""
    try:
        who, chosen = Role(role), None if action is None else Action(action)
    except ValueError:
        return {}
    found: dict[str, str] = {}
    if clearance is not None and who is not Role.CLINICIAN:
        found["clearance-needs-clinician"] = "override-keeps-pause"
    if state.paused and chosen not in (None, Action.PAUSE) and (
            who is not Role.CLINICIAN or clearance is not True):
        found["override-unsafe"] = "override-keeps-pause"
    if chosen in RISING and _cautious_day(state, after, on):
        found["override-conflict"] = "no-rise-over-a-backoff-day"
    return found


def goal_change_keeps_the_rung(ctx: CheckContext, d: Decision) -> None:
    name = "goal-change-keeps-the-rung"
    before, new = d.prior_state, d.state
    wanted = attrs.evolve(before, goal=new.goal, last_change_on=d.on)
    problems = _unlike(wanted, d, ctx.engine.rulebook, "the new goal's at the rung")
    if d.action is not Action.RETARGET:
        problems.insert(0, f"the action is {d.action}")
    if new.goal is before.goal:
        problems.append(f"the goal stayed {new.goal}")
    if problems:
        raise violation(name, f"changing goal from {before.goal} to {new.goal}: "
                        f"{'; '.join(problems[:3])}",
                        "a RETARGET at the same rung and dose step, everything else kept (a "
                        "pause, a back-off window, clearance), the new goal's plan there, "
                        "and the days at the dose counting again from the change (P12)", d)


def upgrade_keeps_the_rung(ctx: CheckContext, d: Decision) -> None:
    name = "upgrade-keeps-the-rung"
    rb = ctx.engine.rulebook
    before, new = d.prior_state, d.state
    stage_id = dict(ctx.mapping or {}).get(before.stage, before.stage)
    problems = []
    try:
        last = len(rb.stage(stage_id).steps) - 1
    except KeyError:
        problems.append(f"rulebook {rb.id} has no stage {stage_id!r}, yet the upgrade was "
                        f"made")
        last = before.dose_level
    dose = min(before.dose_level, last)
    wanted = attrs.evolve(before, stage=stage_id, dose_level=dose, rulebook_digest=rb.digest,
                          last_change_on=new.last_change_on)
    problems += _unlike(wanted, d, rb, "the new rulebook's at the rung")
    if dose < before.dose_level and new.last_change_on != d.on:
        problems.append(f"the dose step fell to {dose} and the days at the dose did not "
                        f"count again from {d.on}")
    if d.action is not Action.UPGRADE:
        problems.insert(0, f"the action is {d.action}")
    if problems:
        raise violation(name, f"moving to rulebook {rb.id} {rb.version}: "
                        f"{'; '.join(problems[:3])}",
                        "the same stage by id (or by the mapping), the same dose step or the "
                        "new stage's last, never a higher one, everything else kept, and "
                        "the new rulebook's plan there", d)
