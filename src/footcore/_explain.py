"""Plain-language explanations of decisions, and what changed between two plans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any, Literal, overload

import attrs

from ._change_words import change_said, overrode
from ._conditions import FACT_FIELDS, FactType, Scalar
from ._enums import Action, ChangeKind
from ._errors import InputError
from ._models import (
    AthleteState,
    Change,
    Compensation,
    Decision,
    Dose,
    Firing,
    PlanItem,
    Symptom,
    WeekPlan,
)
from ._needs import DIRECTION, field_label, needs_as_dict
from ._words import day, prescribed

__all__ = ["PlanChange", "compensation_words", "day", "diff", "explain", "symptom_words"]

_WHAT = {
    Action.ADVANCE: "moves up to the next rung of the ladder",
    Action.PROGRESS: "raises the dose one step within the rung",
    Action.HOLD: "keeps the plan as it is",
    Action.EASE: "lightens the sessions for a while at the same dose step",
    Action.DELOAD: "lowers volume and intensity for a while",
    Action.REST: "adds rest days for a while",
    Action.REGRESS: "steps back down a rung",
    Action.PAUSE: "pauses training until a clinician clears it",
    Action.RETARGET: "switches to the new goal's sessions at the same rung and dose",
    Action.UPGRADE: "moves to another rulebook, keeping the rung and dose step where it can",
}
_WHERE = {
    "ball_of_foot": "under the ball of the foot", "arch": "under the arch",
    "toes": "near the toes", "heel": "at the heel", "plantar_fascia": "along the plantar fascia",
    "ankle": "at the ankle", "knee": "at the knee", "hip": "at the hip", "other": "elsewhere",
}
# Fields a symptom or compensation phrase already says in its own words.
_SAID = {
    FactType.SYMPTOM: frozenset({"kind", "location", "severity", "days"}),
    FactType.COMPENSATION: frozenset(
        {"kind", "exercise", "exercise_known", "exercise_category", "exercise_unilateral"}),
}


def _flag(yes: str, no: str) -> Callable[[Scalar], str]:
    return lambda value: yes if value else no


def _count(one: str, many: str) -> Callable[[Scalar], str]:
    return lambda value: (one if value == 1 else many).format(value)


def _number(template: str) -> Callable[[Scalar], str]:
    return lambda value: template.format(f"{value:g}")


_PHRASES: dict[str, Callable[[Scalar], str]] = {
    "stage": "on stage {}".format,
    "stage_order": "rung {} of the ladder (0 is the first)".format,
    "goal": "goal: {}".format,
    "goal_before": "goal before: {}".format,
    "goal_now": "goal now: {}".format,
    "history": _flag("a history of foot or ankle problems", "no foot or ankle history"),
    "cleared": _flag("clinician clearance on record", "no clinician clearance yet"),
    "cleared_today": _flag("clinician clearance given at this check-in",
                           "no clinician clearance given at this check-in"),
    "paused": _flag("training paused", "training not paused"),
    "dose_level": "dose step {}".format,
    "top_dose": _flag("at the stage's top dose", "below the stage's top dose"),
    "final_stage": _flag("on the last rung", "not on the last rung"),
    "next_needs_clearance": _flag("the next rung needs clearance after a foot or ankle history",
                                  "the next rung needs no clearance"),
    "deload_active": _flag("a deload still running", "no deload running"),
    "rest_active": _flag("rest days still running", "no rest days running"),
    "backoff_ended": _flag("a back-off that has just ended", "no back-off just ended"),
    "completed": _flag("session done", "session missed"),
    "minutes": _count("{} minute trained", "{} minutes trained"),
    "short_session": _flag("a session too short to count", "not a short session"),
    "sessions_in_window": _count("{} session done in the recent window",
                                 "{} sessions done in the recent window"),
    "consecutive_completed": _count("{} session done in a row", "{} sessions done in a row"),
    "consecutive_missed": _count("{} session missed in a row", "{} sessions missed in a row"),
    "clean_streak": _count("{} symptom-free session in a row",
                           "{} symptom-free sessions in a row"),
    "days_at_dose": _count("{} day at this dose", "{} days at this dose"),
    "days_since_last_checkin": _count("{} day since the last check-in",
                                      "{} days since the last check-in"),
    "days_since_last_session": _count("{} day since the last session",
                                      "{} days since the last session"),
    "had_backoff": _flag("an earlier back-off", "no back-off before"),
    "days_since_backoff": _count("{} day since the last back-off",
                                 "{} days since the last back-off"),
    "symptom_count": _count("{} symptom reported", "{} symptoms reported"),
    "max_severity": "worst symptom {}/10".format,
    "pain_today": _flag("sharp or persistent pain reported", "no sharp or persistent pain"),
    "compensation_count": _count("{} compensation seen", "{} compensations seen"),
    "has_balance_eyes_open": _flag("an eyes-open balance time on record",
                                   "no eyes-open balance time measured"),
    "balance_eyes_open_s": _number("single-leg balance {} s with eyes open"),
    "has_balance_eyes_closed": _flag("an eyes-closed balance time on record",
                                     "no eyes-closed balance time measured"),
    "balance_eyes_closed_s": _number("single-leg balance {} s with eyes closed"),
    "has_forefoot_symmetry": _flag("a forefoot symmetry on record",
                                   "no forefoot symmetry measured"),
    "forefoot_symmetry": _number("forefoot pressure symmetry {} (1 is even)"),
    "has_foot_fatigue": _flag("foot fatigue reported", "no foot fatigue reported"),
    "foot_fatigue": _number("foot fatigue {}/10 after daily activity"),
    "week_single_leg": _flag("this week plans single-leg work or hops",
                             "this week plans no single-leg work or hops"),
    # what an override's and an upgrade's firings record
    "by": "by {}".format,
    "role": "as {}".format,
    "reason": "reason: {}".format,
    "clearance": _flag("clearance given", "clearance withdrawn"),
    "rules_decided": "the rules had decided {}".format,
    "rules_fired": lambda value: f"rules that fired: {value or 'none (the default)'}",
    "digest_before": lambda value: f"rulebook before: digest {str(value)[:12]}",
    "digest_now": lambda value: f"rulebook now: digest {str(value)[:12]}",
    "stage_before": "stage before: {}".format,
    "stage_now": "stage now: {}".format,
    "dose_before": "dose step before: {}".format,
    "dose_now": "dose step now: {}".format,
}
# A measured-or-not flag says nothing more when the value it guards is shown.
_GUARDS = {name: spec.guard for name, spec in FACT_FIELDS[FactType.CHECKIN].items() if spec.guard}


def _phrase(name: str, value: Scalar) -> str:
    known = _PHRASES.get(name)
    return known(value) if known else f"{name.replace('_', ' ')} {value}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _exercise_name(decision: Decision, exercise_id: str) -> str:
    for item in _items(decision.prior_plan):
        if item.exercise == exercise_id:
            return _lower_first(item.name)
    return exercise_id.replace("_", " ")


def symptom_words(symptom: Symptom) -> str:
    """``irritation 3/10 under the arch``: what was felt, how badly, where."""
    return (f"{symptom.kind.value.replace('_', ' ')} {symptom.severity}/10 "
            f"{_WHERE[symptom.location.value]}")


def compensation_words(decision: Decision, comp: Compensation) -> str:
    """``heel lift in balance squat with minimal heel lift``: what was seen, in which
    exercise of the decision's week."""
    where = (f"in {_exercise_name(decision, comp.exercise)}" if comp.exercise
             else "(exercise not named)")
    return f"{comp.kind.value.replace('_', ' ')} {where}"


def _symptom(symptom: Symptom, on: date) -> str:
    lasting = f", lasting {symptom.days} day{'s' if symptom.days != 1 else ''}" \
        if symptom.days else ""
    return f"{symptom_words(symptom)} on {day(on)}{lasting}"


def _compensation(decision: Decision, comp: Compensation) -> str:
    return f"{compensation_words(decision, comp)} on {day(decision.answered.on)}"


def _facts(decision: Decision, firing: Firing) -> list[str]:
    """The facts a firing matched, in words: the symptom or compensation first, then the
    fields its conditions read."""
    kind, _, index = firing.fact.partition("[")
    said: list[str] = []
    skip: frozenset[str] = frozenset()
    if kind == FactType.SYMPTOM:
        said.append(_symptom(decision.answered.symptoms[int(index.rstrip("]"))],
                             decision.answered.on))
        skip = _SAID[FactType.SYMPTOM]
    elif kind == FactType.COMPENSATION:
        said.append(_compensation(decision,
                                  decision.answered.compensations[int(index.rstrip("]"))]))
        skip = _SAID[FactType.COMPENSATION]
    guards = {_GUARDS[name] for name, _ in firing.matched if name in _GUARDS}
    said.extend(_phrase(name, value) for name, value in firing.matched
                if name not in skip and name not in guards)
    return said


def _firing(decision: Decision, firing: Firing) -> dict[str, Any]:
    return {
        "rule_id": firing.rule_id,
        "action": firing.action.value,
        "summary": firing.summary,
        "sources": [s for s in firing.source if s != "default"],
        "footcore_default": "default" in firing.source,
        "facts": _facts(decision, firing),
        "thresholds": [{"name": p.name, "value": p.value, "unit": p.unit,
                        "field": p.field, "op": p.op, "footcore_default": p.default}
                       for p in firing.params],
    }


def _week(plan: WeekPlan, state: AthleteState) -> dict[str, Any]:
    until = state.backoff_until
    return {"stage": state.stage, "dose_level": state.dose_level, "mode": plan.mode,
            "sessions": len(plan.sessions), "until": until.isoformat() if until else None}


def _exercises(plan: WeekPlan) -> list[dict[str, Any]]:
    """Each exercise of the plan once, in the order met: its id (what a compensation report
    names), name, dose and coaching cues."""
    seen: dict[str, PlanItem] = {}
    for item in _items(plan):
        seen.setdefault(item.exercise, item)
    return [{"exercise": item.exercise, "name": item.name, "dose": _show(item.dose),
             "cues": list(item.cues)} for item in seen.values()]


def _change(change: Change | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"kind": change.kind.value, "on": change.on.isoformat(), "by": change.by,
            "role": change.role.value if change.role else None, "reason": change.reason,
            "comment": change.comment}


def _as_dict(decision: Decision) -> dict[str, Any]:
    overridden = []
    for firing in decision.overridden:
        entry = _firing(decision, firing)
        entry["overridden_by"] = decision.action.value
        entry["why"] = (f"{decision.action.value} is more conservative than "
                        f"{firing.action.value} in the rulebook's precedence")
        overridden.append(entry)
    return {
        "athlete_id": decision.state.athlete_id,
        "date": decision.on.isoformat(),
        "kind": decision.kind.value,
        "action": decision.action.value,
        "what": _WHAT[decision.action],
        "change": _change(decision.change),
        "said": change_said(decision),
        "overrode": overrode(decision),
        "before": _week(decision.prior_plan, decision.prior_state),
        "after": _week(decision.plan, decision.state),
        "no_rule_fired": not decision.firings,
        "winners": [_firing(decision, f) for f in decision.winners],
        "overridden": overridden,
        "why_not": [needs_as_dict(w, _phrase) for w in decision.why_not],
        "plan_changes": [attrs.asdict(c) for c in diff(decision.prior_plan, decision.plan)],
        "exercises": _exercises(decision.plan),
        "cues": list(decision.plan.cues),
        "notes": list(decision.plan.notes),
        "rulebook": {**attrs.asdict(decision.rulebook), "unsafe": list(decision.rulebook.unsafe)},
        "backend": decision.backend,
        "footcore_version": decision.footcore_version,
    }


def _threshold(entry: dict[str, Any]) -> str:
    unit = f"{entry['unit']}; " if entry["unit"] else ""
    origin = "footcore default" if entry["footcore_default"] else "from the article"
    if not entry["op"]:  # a decision made before footcore recorded the comparison
        return f"{entry['name']} = {entry['value']:g} ({unit}{origin})"
    return (f"{field_label(entry['field'])} {DIRECTION[entry['op']]} {entry['value']:g} "
            f"({entry['name']}; {unit}{origin})")


def _cited(entry: dict[str, Any]) -> str:
    parts = [f"article {', '.join(entry['sources'])}"] if entry["sources"] else []
    if entry["footcore_default"]:
        parts.append("footcore default")
    return "; ".join(parts)


def _rule_lines(entry: dict[str, Any], lead: str) -> list[str]:
    lines = [f"  - {lead} ({_cited(entry)}): {entry['summary']}"]
    if entry["facts"]:
        lines.append(f"    Seen: {'; '.join(entry['facts'])}.")
    if entry["thresholds"]:
        label = "Thresholds" if len(entry["thresholds"]) > 1 else "Threshold"
        lines.append(f"    {label}: {'; '.join(_threshold(t) for t in entry['thresholds'])}.")
    return lines


def _state_line(label: str, week: dict[str, Any]) -> str:
    until = f" until {day(date.fromisoformat(week['until']))}" if week["until"] else ""
    sessions = f"{week['sessions']} session{'s' if week['sessions'] != 1 else ''}"
    return (f"{label} stage {week['stage']}, dose step {week['dose_level']}: "
            f"{sessions} a week, {week['mode']} plan{until}.")


# The kinds of change whose one firing is the engine's record of a person's or the app's
# choice, which the change's sentences say in full (a change of goal cites P12: it is kept).
_SAID_ALONE = (ChangeKind.OVERRIDE.value, ChangeKind.UPGRADE.value)


def _why(data: dict[str, Any]) -> list[str]:
    """The rules that made the decision, or the default it fell back on; nothing for a
    change whose sentences say who chose it and why."""
    if data["kind"] in _SAID_ALONE:
        return []
    if not data["winners"]:
        gates = ", ".join(f"{e['rule_id']} ({_cited(e)})" for e in data["why_not"])
        return [f"No rule fired; {data['action']} is the rulebook's default action"
                + (f", kept until the next step's conditions are met: {gates}." if gates
                   else ".")]
    lines = ["Why:"]
    for entry in data["winners"]:
        lines.extend(_rule_lines(entry, entry["rule_id"]))
    return lines


def _as_text(data: dict[str, Any]) -> str:
    action = data["action"]
    lines = [
        f"{day(date.fromisoformat(data['date']))}, athlete {data['athlete_id']}: "
        f"{action.upper()}: {data['what']}.",
        *data["said"],
        _state_line("Before:", data["before"]),
        _state_line("After: ", data["after"]),
        *_why(data),
    ]
    if data["overridden"]:
        lines.append(f"Also eligible, but overridden by the more conservative {action}:")
        for entry in data["overridden"]:
            lines.extend(_rule_lines(entry, f"{entry['rule_id']} would {entry['action']}"))
    if data["why_not"]:
        lines.append("What stands between the athlete and the next step:")
        for entry in data["why_not"]:
            lines.append(f"  - {entry['rule_id']} would {entry['action']} ({_cited(entry)}): "
                         f"{entry['summary']}")
            lines.append(f"    Not yet: {'; '.join(u['text'] for u in entry['unmet'])}.")
    if data["plan_changes"]:
        lines.append("What changes in the plan:")
        lines.extend(f"  - {PlanChange(**change)}" for change in data["plan_changes"])
    elif data["action"] == Action.RETARGET.value:  # P12: say why a new goal left it as it was
        lines.append("The plan stays the same: this rung plans the same work for both goals.")
    lines.extend(f"Cue: {cue}" for cue in data["cues"])
    lines.extend(f"Note: {note}" for note in data["notes"])
    if data["exercises"]:
        lines.append("The week's exercises (a compensation report names one by its id):")
        for entry in data["exercises"]:
            lines.append(f"  - {entry['exercise']}: {entry['name']}, {entry['dose']}.")
            lines.extend(f"      {cue}" for cue in entry["cues"])
    book = data["rulebook"]
    lines.append(f"Rulebook {book['id']} {book['version']} (digest {book['digest'][:12]}), "
                 f"{data['backend']} backend, footcore {data['footcore_version']}.")
    if book["unsafe"]:
        lines.append(f"WARNING: an unsafe rulebook, loaded with allow_unsafe=True; it breaks "
                     f"the safety floor: {'; '.join(book['unsafe'])}.")
    return "\n".join(lines)


@overload
def explain(decision: Decision, format: Literal["text"] = "text") -> str: ...
@overload
def explain(decision: Decision, format: Literal["dict"]) -> dict[str, Any]: ...


def explain(decision: Decision, format: str = "text") -> str | dict[str, Any]:
    """Say what the decision does to the athlete's week and which rules made it so.

    Args:
        decision: a decision, fresh from the engine or read back from JSON or a log.
        format: ``"text"`` for plain language a coach can read; ``"dict"`` for the same
            content as JSON-ready data (the kind of change, action, stage and dose before and
            after, winning and overridden rules with their facts in words, sources and
            thresholds, plan changes, cues, notes), for an app's own UI. A decision that is
            not the rules' answer to a check-in (an override, a change of goal, an upgrade),
            or a check-in someone is named for, has its ``change`` (who, role, reason code,
            comment) and ``said``, who made it and why in sentences; an override's
            ``overrode`` is what the rules had decided before it (action, rules, day).

    Raises:
        InputError: ``decision`` is not a Decision, or ``format`` is neither ``"text"`` nor
            ``"dict"`` (InputError is a ValueError).
    """
    if not isinstance(decision, Decision):
        raise InputError(f"decision: got {type(decision).__name__}; accepted: a Decision")
    if format not in ("text", "dict"):
        raise InputError(f"format: got {format!r}; accepted: 'text', 'dict'")
    data = _as_dict(decision)
    return data if format == "dict" else _as_text(data)


# ---------------------------------------------------------------- plan diffs


@attrs.frozen
class PlanChange:
    """One difference between two plans.

    ``kind`` is ``"mode"`` (normal, deload, rest, paused), ``"sessions"`` (sessions per
    week), ``"added"`` or ``"removed"`` (an exercise came in or went out) or ``"dose"``;
    ``subject`` is the exercise id for the last three; ``detail`` says by how much a dose
    changed, or which sessions went.
    """

    kind: str
    subject: str
    before: str
    after: str
    name: str = ""
    detail: str = ""

    def __str__(self) -> str:
        label = self.name or self.subject
        if self.kind == "added":
            return f"in: {label} ({self.after})"
        if self.kind == "removed":
            return f"out: {label} (was {self.before})"
        what = {"mode": "plan mode", "sessions": "sessions per week"}.get(self.kind, label)
        detail = f" ({self.detail})" if self.detail else ""
        return f"{what}: {self.before} -> {self.after}{detail}"


def _items(plan: WeekPlan) -> list[PlanItem]:
    return [item for session in plan.sessions for item in session.items] + list(plan.habits)


def _show(dose: Dose) -> str:
    plain = prescribed(dose)  # P10, P11: habits and walks as what to do
    if plain is not None:
        return plain
    reps = f"{dose.sets} x {dose.reps} rep{'s' if dose.reps != 1 else ''}"
    hold = f", {dose.hold_s} s hold" if dose.hold_s else ""
    band = f", {dose.resistance}" if dose.resistance != "none" else ""
    return f"{reps}{hold}{band}"


def _dose_delta(was: Dose, now: Dose) -> str:
    parts = [f"{name} {b - a:+d}{unit}"
             for name, a, b, unit in (("sets", was.sets, now.sets, ""),
                                      ("reps", was.reps, now.reps, ""),
                                      ("hold" if now.form == "sets" else "time",  # P11
                                       was.hold_s, now.hold_s, " s")) if a != b]
    if was.resistance != now.resistance:
        parts.append(f"resistance {was.resistance} -> {now.resistance}")
    return ", ".join(parts)


def diff(old: WeekPlan, new: WeekPlan) -> tuple[PlanChange, ...]:
    """What changed from plan ``old`` to plan ``new``: empty when nothing did.

    Changes come in a fixed order: the plan mode, the number of sessions, then each
    exercise (by id) that came in, went out or changed dose, with the amounts.
    For a decision, ``diff(decision.prior_plan, decision.plan)``.
    """
    for name, plan in (("old", old), ("new", new)):
        if not isinstance(plan, WeekPlan):
            raise InputError(f"{name}: got {type(plan).__name__}; accepted: a WeekPlan")
    changes: list[PlanChange] = []
    if old.mode != new.mode:
        changes.append(PlanChange("mode", "plan", old.mode, new.mode))
    if len(old.sessions) != len(new.sessions):
        gone = Counter(s.focus for s in old.sessions) - Counter(s.focus for s in new.sessions)
        came = Counter(s.focus for s in new.sessions) - Counter(s.focus for s in old.sessions)
        detail = "; ".join(part for part in (
            "dropped: " + ", ".join(sorted(gone.elements())) if gone else "",
            "added: " + ", ".join(sorted(came.elements())) if came else "") if part)
        changes.append(PlanChange("sessions", "per week", str(len(old.sessions)),
                                  str(len(new.sessions)), detail=detail))
    before: dict[str, PlanItem] = {}
    after: dict[str, PlanItem] = {}
    for items, table in ((_items(old), before), (_items(new), after)):
        for item in items:
            table.setdefault(item.exercise, item)
    for exercise in sorted(before.keys() | after.keys()):
        was, now = before.get(exercise), after.get(exercise)
        if now is None:
            out = before[exercise]
            changes.append(PlanChange("removed", exercise, _show(out.dose), "-",
                                      name=out.name))
        elif was is None:
            changes.append(PlanChange("added", exercise, "-", _show(now.dose), name=now.name))
        elif was.dose != now.dose:
            changes.append(PlanChange("dose", exercise, _show(was.dose), _show(now.dose),
                                      name=now.name, detail=_dose_delta(was.dose, now.dose)))
    return tuple(changes)
