"""Plain-language explanations of decisions, and what changed between two plans."""

from __future__ import annotations

import attrs

from ._enums import Action
from ._models import Decision, Dose, Firing, WeekPlan

__all__ = ["PlanChange", "diff", "explain"]

_WHAT = {
    Action.ADVANCE: "moves up to the next rung of the ladder",
    Action.PROGRESS: "raises the dose one step within the rung",
    Action.HOLD: "keeps the plan as it is",
    Action.DELOAD: "lowers volume and intensity for a while",
    Action.REST: "adds rest days for a while",
    Action.REGRESS: "steps back down a rung",
    Action.PAUSE: "pauses training until a clinician clears it",
}


def _facts(firing: Firing) -> str:
    return ", ".join(f"{name}={value}" for name, value in firing.matched)


def _thresholds(firing: Firing) -> str:
    if not firing.params:
        return ""
    shown = ", ".join(f"{p.name} = {p.value:g}" + (" (footcore default)" if p.default else "")
                      for p in firing.params)
    return f"; thresholds: {shown}"


def _sources(firing: Firing) -> str:
    cited = [s for s in firing.source if s != "default"]
    text = ", ".join(cited)
    if "default" in firing.source:
        text = f"{text}; footcore default" if text else "footcore default"
    return text


def explain(decision: Decision) -> str:
    """Say in plain language what the decision does and which rules made it so."""
    before, after = decision.prior_state, decision.state
    lines = [
        f"{decision.checkin.on}: {decision.action.value.upper()}: "
        f"{_WHAT[decision.action]}.",
        f"Stage {before.stage} step {before.dose_level} -> "
        f"stage {after.stage} step {after.dose_level}; "
        f"next week: {len(decision.plan.sessions)} session(s), plan mode {decision.plan.mode}.",
    ]
    winners = decision.winners
    if winners:
        lines.append("Because:")
        lines.extend(f"  - {f.rule_id} ({_sources(f)}): {f.summary} "
                     f"[{_facts(f)}{_thresholds(f)}]" for f in winners)
    else:
        lines.append(f"No rule fired; the rulebook's default action is "
                     f"{decision.action.value}.")
    if decision.overridden:
        lines.append("Also eligible, but overridden by the more conservative "
                     f"{decision.action.value}:")
        lines.extend(f"  - {f.rule_id} would {f.action.value} ({_sources(f)}): {f.summary}"
                     for f in decision.overridden)
    lines.extend(f"Cue: {cue}" for cue in decision.plan.cues)
    lines.extend(f"Note: {note}" for note in decision.plan.notes)
    return "\n".join(lines)


@attrs.frozen
class PlanChange:
    """One difference between two plans."""

    kind: str  # "mode", "sessions", "added", "removed" or "dose"
    subject: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: {self.before} -> {self.after}"


def _doses(plan: WeekPlan) -> dict[str, Dose]:
    doses: dict[str, Dose] = {}
    for session in plan.sessions:
        for item in session.items:
            doses.setdefault(item.exercise, item.dose)
    for item in plan.habits:
        doses.setdefault(item.exercise, item.dose)
    return doses


def _show(dose: Dose | None) -> str:
    if dose is None:
        return "-"
    hold = f" x {dose.hold_s}s" if dose.hold_s else ""
    band = f" ({dose.resistance})" if dose.resistance != "none" else ""
    return f"{dose.sets}x{dose.reps}{hold}{band}"


def diff(old: WeekPlan, new: WeekPlan) -> tuple[PlanChange, ...]:
    """What changed from ``old`` to ``new``: empty when nothing did."""
    changes: list[PlanChange] = []
    if old.mode != new.mode:
        changes.append(PlanChange("mode", "plan", old.mode, new.mode))
    if len(old.sessions) != len(new.sessions):
        changes.append(PlanChange("sessions", "per week", str(len(old.sessions)),
                                  str(len(new.sessions))))
    before, after = _doses(old), _doses(new)
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        kind = "added" if was is None else "removed" if now is None else "dose"
        changes.append(PlanChange(kind, name, _show(was), _show(now)))
    return tuple(changes)
