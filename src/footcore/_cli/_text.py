"""Plain-text tables the commands print: a simulation's timeline, a week's plan, findings."""

from __future__ import annotations

from collections.abc import Sequence

from .._facts import is_short
from .._models import CheckIn, Decision, Dose, PlanItem, WeekPlan
from .._rulebook import Rulebook
from .._simulate import Scenario, is_back_off, main_reason
from .._words import counted, prescribed
from ..analysis._lint import ERROR, Finding
from ._style import ACTION_ROLES, PLAIN, Paint

__all__ = ["dose_text", "findings_text", "plan_text", "timeline_text"]


def dose_text(dose: Dose) -> str:
    """``3 x 10, hold 5 s, light band``: sets x reps, then hold and resistance if any; a
    duration, times a day or an instruction as what to do (P10, P11)."""
    plain = prescribed(dose)
    if plain is not None:
        return plain
    parts = [f"{dose.sets} x {dose.reps}"]
    if dose.hold_s:
        parts.append(f"hold {dose.hold_s} s")
    if dose.resistance != "none":
        parts.append(dose.resistance)
    return ", ".join(parts)


def _session_word(rulebook: Rulebook, checkin: CheckIn) -> str:
    """done, missed, or short: done under session_counts_min_minutes, so it counted as no
    session (P2, P6), which a row saying 'done' beside a hold for too few sessions hid."""
    if not checkin.completed:
        return "missed"
    return "short" if is_short(rulebook, checkin) else "done"


def timeline_text(scenario: Scenario, weeks: Sequence[int], decisions: Sequence[Decision],
                  rulebook: Rulebook, paint: Paint = PLAIN) -> str:
    """One numbered row per check-in (back-offs in capitals), then a summary line."""
    first = decisions[0]
    lines = [f"{scenario.title}: athlete {scenario.athlete}, goal {scenario.goal.value}, "
             f"start {scenario.start}" + (", foot or ankle history" if scenario.history else ""),
             f"rulebook {rulebook.id} {rulebook.version}, backend {first.backend}", "",
             paint(f"{'#':>3}  {'week':>4}  {'date':<10}  {'session':<7}  {'stage':<12} "
                   f"{'dose':>4}  {'action':<8}  reason", "bold")]
    for number, (week, decision) in enumerate(zip(weeks, decisions, strict=True), 1):
        action = decision.action.value
        lines.append(
            f"{number:>3}  {week:>4}  {decision.answered.on}  "
            f"{_session_word(rulebook, decision.answered):<7}  "
            f"{decision.state.stage:<12} {decision.state.dose_level:>4}  "
            + paint(f"{action.upper() if is_back_off(decision) else action:<8}",
                    ACTION_ROLES[decision.action])
            + f"  {main_reason(decision)}")
    last = decisions[-1].state
    top = len(rulebook.stage(last.stage).steps) - 1
    back_offs = sum(1 for d in decisions if is_back_off(d))
    dose = (f"its top dose step ({top})" if last.dose_level == top
            else f"dose step {last.dose_level} (top {top})")
    lines += ["", f"{len(decisions)} check-ins over {weeks[-1]} weeks; ended on {last.stage} "
                  f"at {dose}" + (", paused" if last.paused else "")
                  + (f"; {counted(back_offs, 'back-off')}, in capitals." if back_offs
                     else "; no back-offs.")]
    planned = [item for d in decisions for session in d.plan.sessions for item in session.items]
    planned += [item for d in decisions for item in d.plan.habits]
    lines += _cues(planned, "Exercises planned in this run")
    return "\n".join(lines)


def _cues(items: Sequence[PlanItem], title: str) -> list[str]:
    """Each exercise once, by the id a compensation report names, with its coaching cues."""
    first: dict[str, PlanItem] = {}
    for item in items:
        first.setdefault(item.exercise, item)
    if not first:
        return []
    lines = ["", f"{title} (report a compensation by the exercise id)"]
    for item in first.values():
        lines.append(f"  {item.exercise}: {item.name}")
        lines.extend(f"      {cue}" for cue in item.cues)
    return lines


def _items(items: Sequence[PlanItem]) -> list[str]:
    ids = max(len(item.exercise) for item in items)
    names = max(len(item.name) for item in items)
    return [f"  {item.exercise:<{ids}}  {item.name:<{names}}  {item.category.value:<18}  "
            f"{dose_text(item.dose)}" for item in items]


def plan_text(plan: WeekPlan, rulebook: Rulebook) -> str:
    """The week's sessions and habits as aligned tables, then cues, tracking and notes."""
    stage = rulebook.stage(plan.stage)
    lines = [f"Plan for {plan.athlete_id}: stage {stage.order} {stage.id} ({stage.name}), "
             f"dose step {plan.dose_level}, mode {plan.mode}"]
    for number, session in enumerate(plan.sessions, 1):
        lines += ["", f"Session {number} of {len(plan.sessions)}: {session.focus}, "
                      f"{session.minutes} min", *_items(session.items)]
    if plan.habits:
        lines += ["", "Daily habits", *_items(plan.habits)]
    items = [item for session in plan.sessions for item in session.items]
    lines += _cues([*items, *plan.habits], "Exercise cues")
    for title, entries in (("Cues", plan.cues), ("Track", plan.tracking),
                           ("Notes", plan.notes)):
        if entries:
            lines += ["", title, *(f"  - {entry}" for entry in entries)]
    return "\n".join(lines)


def findings_text(findings: Sequence[Finding], where: str, paint: Paint = PLAIN) -> str:
    """Each finding on its own line, its level in colour on a terminal, then a count."""
    errors = sum(1 for f in findings if f.level == ERROR)
    warnings = len(findings) - errors
    lines = [paint(f.level, "bad" if f.level == ERROR else "warn") + str(f)[len(f.level):]
             for f in findings]
    total = f"{where}: {counted(errors, 'error')}, {counted(warnings, 'warning')}"
    return "\n".join([*lines, total])
