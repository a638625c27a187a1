"""One athlete's history as a single self-contained HTML page a coach can send a clinician,
read from the top: what happened in short (symptoms, back-offs, pauses and clearances,
sessions done while paused, the changes people or the app made), whether the record is
intact, the chart, the check-ins and changes in order with runs of uneventful check-ins
folded into a line that says what they waited for, each eventful decision explained, and
the rulebook versions used.

An override, a change of goal or a move to another rulebook has a line of its own that says
who made it and why, their comment included: free text, escaped as all text here is.

The page is about one athlete and names no file, folder or store. It needs nothing from
the network: the chart is embedded as a PNG ``data:`` URI, the styles are inline, and it
uses the reader's own fonts. Nothing here reads files or a clock.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from html import escape
from typing import Any

import attrs

from ._change_words import change_said, cleared
from ._chart import back_off_cause, reported
from ._enums import Action
from ._explain import (
    _SAID_ALONE,
    _WHERE,
    PlanChange,
    _cited,
    _threshold,
    compensation_words,
    explain,
)
from ._models import Decision, RulebookRef
from ._simulate import is_back_off
from ._version import __version__
from ._words import counted, day

__all__ = ["Verification", "history_page", "page_key", "page_name"]

_ACTION_COLOURS = {"pause": "#7b241c", "regress": "#c0392b", "rest": "#d2691e",
                   "deload": "#b8860b", "ease": "#9a7d0a", "hold": "#555555", "progress": "#1e8449",
                   "advance": "#117a65", "retarget": "#1f618d", "upgrade": "#6c3483"}
# A back-off, counted: one and many.
_BACK_OFFS = {"pause": ("pause", "pauses"),
              "regress": ("step back down a rung", "steps back down a rung"),
              "rest": ("spell of extra rest days", "spells of extra rest days"),
              "deload": ("deload", "deloads")}
# What a rule that raises the load does, for "waiting to ...".
_GATES = {"progress": "raise the load level", "advance": "move up a rung"}
# What each kind of change on no check-in is called in the timeline's session column and
# the summary.
_KINDS = {"override": "override", "goal": "goal change", "upgrade": "new rulebook"}
_LOAD_LEVEL = ("<b>Load level</b> is the step of the dose within a stage: 0 is the easiest, "
               "each level adds a little to reps and hold times, and each new stage starts "
               "again at 0.")
_ORIGIN = re.compile(r" \((footcore default|from the article)\)$")
_SHOWN_DATES = 5  # dates listed in the summary before "and N more"
_SLUG = 40  # characters of the id kept in a page's file name, at most

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } .sub { color: #555; margin-top: 0; }
.summary { background: #f7f9fb; border: 1px solid #d5dde5; border-radius: 6px;
           padding: 0.6em 1em 0.6em 2.2em; }
.summary li { margin: 0.25em 0; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
tr.quiet td { color: #666; background: #fafafa; }
.chain { padding: 0.6em 1em; border-radius: 6px; margin: 1em 0; }
.chain.ok { background: #e8f5e9; border: 1px solid #1e8449; }
.chain.bad { background: #fdecea; border: 1px solid #c0392b; }
.chain.none { background: #f4f4f4; border: 1px solid #999; }
.chart img { max-width: 100%; border: 1px solid #ddd; }
.action { font-weight: bold; }
td.n, td.act { white-space: nowrap; }
td.what { min-width: 20em; }
.decision { border-top: 2px solid #ddd; padding-top: 0.4em; margin-top: 1.2em; }
.decision h3 { margin: 0.2em 0; }
.decision ul { margin: 0.2em 0 0.6em; }
.muted { color: #666; }
.warning { color: #c0392b; font-weight: bold; }
@media print { .decision { break-inside: avoid; } }
"""


@attrs.frozen
class Verification:
    """What checking the record's hash chain found: ``ok`` is None when there was no chain
    to check (a decisions file), and ``text`` says what was checked and found, about this
    athlete only and naming no file or store."""

    ok: bool | None
    text: str


def page_key(athlete: str) -> str:
    """The SHA-256 of the exact athlete id (UTF-8; lone surrogates kept as they are): the
    page carries it, so a page's owner can be told without reading its text."""
    return hashlib.sha256(athlete.encode("utf-8", "surrogatepass")).hexdigest()


def page_name(athlete: str) -> str:
    """The page's file name: a readable ASCII slug of the id and 12 hex digits of
    :func:`page_key`, such as ``runner-sharp-3f2a9c01b7e4.html``. Ids that differ in any
    way (case, Unicode normal form, characters the slug drops) get different names, but
    for a digest collision, which the writer refuses (see ``footcore report``)."""
    ascii_id = unicodedata.normalize("NFKD", athlete).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_id)[:_SLUG].strip("-") or "athlete"
    return f"{slug}-{page_key(athlete)[:12]}.html"


def _plain(text: str) -> str:
    """Engine and rulebook text in the page's words, escaped for HTML."""
    return escape(text.replace("dose step", "load level"))


def _action(name: str, back_off: bool = False) -> str:
    colour = _ACTION_COLOURS.get(name, "#222")
    label = name.upper() if back_off else name
    return f'<span class="action" style="color: {colour}">{escape(label)}</span>'


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" if items else ""


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _dates(days: Sequence[date]) -> str:
    shown = ", ".join(day(d) for d in days[:_SHOWN_DATES])
    more = len(days) - _SHOWN_DATES
    return shown + (f" and {more} more" if more > 0 else "")


# ---------------------------------------------------------------- the summary


def _symptoms(decisions: Sequence[Decision]) -> str:
    """Each kind of symptom at each place: how often, when, how bad at worst; the worst
    first."""
    seen: dict[tuple[str, str], list[tuple[date, int]]] = {}
    for d in decisions:
        for s in d.answered.symptoms:
            seen.setdefault((s.kind.value, s.location.value), []).append(
                (d.answered.on, s.severity))
    lines = []
    for (kind, where), reports in sorted(
            seen.items(), key=lambda kv: (-max(s for _, s in kv[1]), kv[1][0][0])):
        worst = max(severity for _, severity in reports)
        what = f"{kind.replace('_', ' ')} {_WHERE[where]}"
        if len(reports) == 1:
            lines.append(f"{what}, {worst}/10, once ({day(reports[0][0])})")
        else:
            lines.append(f"{what}, worst {worst}/10, at {counted(len(reports), 'check-in')} "
                         f"from {day(reports[0][0])} to {day(reports[-1][0])}")
    return _list([escape(line) for line in lines]) if lines else "none."


def _compensations(decisions: Sequence[Decision]) -> str:
    seen: dict[str, list[date]] = {}
    for d in decisions:
        for c in d.answered.compensations:
            seen.setdefault(compensation_words(d, c), []).append(d.answered.on)
    return _list([escape(f"{what}: {_times(len(days))} ({_dates(days)})")
                  for what, days in seen.items()]) if seen else "none."


def _back_offs(decisions: Sequence[Decision]) -> str:
    begun: dict[str, list[date]] = {}
    for d in decisions:
        if is_back_off(d):
            begun.setdefault(d.action.value, []).append(d.on)
    parts = [f"{counted(len(begun[kind]), *_BACK_OFFS[kind])} ({_dates(begun[kind])})"
             for kind in _BACK_OFFS if kind in begun]
    return escape("; ".join(parts) + ".") if parts else "none."


def _began(since: Decision | None) -> str:
    return (f"paused on {day(since.on)} ({back_off_cause(since)})" if since
            else "paused before the first check-in here")


def _pauses(decisions: Sequence[Decision]) -> str:
    """Each pause, from what started it to the clearance that ended it; clearances given
    when no pause was running."""
    lines, others = [], []
    since: Decision | None = None
    for d in decisions:
        on = d.on
        if d.state.paused and not d.prior_state.paused:
            since = d
        elif d.prior_state.paused and not d.state.paused:
            how = "cleared by a clinician" if cleared(d) else "resumed"
            days = f", {counted((on - since.on).days, 'day')} later" if since else ""
            lines.append(f"{_began(since)}; {how} on {day(on)}{days}")
            since = None
        elif cleared(d) and not d.prior_state.paused:
            others.append(on)
    last = decisions[-1]
    if last.state.paused:
        lines.append(f"{_began(since)}; still paused at the last "
                     f"{'check-in' if last.checkin is not None else 'change'}, {day(last.on)}")
    if others:
        lines.append(f"{counted(len(others), 'clinician clearance')} while training was not "
                     f"paused ({_dates(others)})")
    return _list([escape(line) for line in lines]) if lines else "none."


def _done_while_paused(d: Decision) -> bool:
    """The check-in reports a session done while training was paused (and brings no
    clearance)."""
    return (d.checkin is not None and d.prior_state.paused and d.checkin.completed
            and not d.checkin.clinician_cleared)


def _said(d: Decision) -> str:
    """Who made a change and why, escaped: the page's words for a decision on no check-in."""
    return _plain(" ".join(change_said(d)))


def _changes(decisions: Sequence[Decision]) -> str:
    """Each change a person or the app made, in order: when, what, who and why."""
    lines = [f"{escape(day(d.on))}, {escape(_KINDS[d.kind.value])}: {_said(d)}"
             for d in decisions if d.checkin is None]
    return _list(lines) if lines else "none."


def _checkins(checkins: Sequence[Decision]) -> str:
    if not checkins:
        return "none."
    done = sum(d.answered.completed for d in checkins)
    return (f"{counted(len(checkins), 'check-in')} from {day(checkins[0].answered.on)} to "
            f"{day(checkins[-1].answered.on)}: {counted(done, 'session')} done, "
            f"{len(checkins) - done} missed.")


def _summary(decisions: Sequence[Decision]) -> str:
    last = decisions[-1]
    checkins = [d for d in decisions if d.checkin is not None]
    now = last.state
    window = (f", in a {last.plan.mode} until {day(now.backoff_until)}"
              if now.backoff_until and last.plan.mode in ("deload", "rest") else "")
    while_paused = [d for d in decisions if _done_while_paused(d)]
    flagged = (f'<span class="warning">{counted(len(while_paused), "session")} '
               f"({escape(_dates([d.answered.on for d in while_paused]))})</span>"
               if while_paused else "none.")
    items = [
        f"<b>Check-ins:</b> {_checkins(checkins)}",
        f"<b>Now:</b> stage {escape(now.stage)}, load level {now.dose_level}"
        + ("; training is paused until a clinician clears it" if now.paused else window)
        + ".",
        f"<b>Symptoms reported:</b> {_symptoms(checkins)}",
        f"<b>Compensations seen:</b> {_compensations(checkins)}",
        f"<b>Back-offs:</b> {_back_offs(decisions)}",
        f"<b>Pauses and clearances:</b> {_pauses(decisions)}",
        f"<b>Sessions reported done while training was paused:</b> {flagged}",
        f"<b>Changes made by a coach, clinician, the athlete or the app:</b> "
        f"{_changes(decisions)}",
    ]
    return '<ul class="summary">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


# ---------------------------------------------------------------- the check-ins


def _quiet(decision: Decision) -> bool:
    """Nothing happened: the plan held (or stayed paused) at the same stage and load
    level, nothing was reported, no clinician cleared, no session was done while paused."""
    d, before, after = decision, decision.prior_state, decision.state
    return (d.checkin is not None and d.action in (Action.HOLD, Action.PAUSE)
            and not is_back_off(d)
            and not d.answered.symptoms and not d.answered.compensations
            and not d.answered.clinician_cleared and not _done_while_paused(d)
            and (before.stage, before.dose_level) == (after.stage, after.dose_level))


def _runs(numbered: Sequence[tuple[int, Decision]]) -> Iterator[list[tuple[int, Decision]]]:
    """The check-ins in order, consecutive quiet ones that the same rules (or none) held
    together in one run, each other one on its own."""
    run: list[tuple[int, Decision]] = []
    key: object = None
    for number, d in numbered:
        mine = (d.action, tuple(f.rule_id for f in d.winners), d.state.stage,
                d.state.dose_level) if _quiet(d) else None
        if run and (mine is None or mine != key):
            yield run
            run = []
        run.append((number, d))
        key = mine
    if run:
        yield run


def _waiting(why_not: Sequence[dict[str, Any]]) -> str:
    """What the next step still needs, per rule that would take it (where its thresholds
    come from is left to the explanations)."""
    return "<br>".join(
        f"Waiting to {escape(_GATES.get(e['action'], e['action']))}: "
        + _plain(" and ".join(_ORIGIN.sub("", u["text"]) for u in e["unmet"])) + "."
        for e in why_not)


def _span(first: date, last: date) -> str:
    """Two dates as few words as say them, each kept on one line: ``14-16 Jan 2026``,
    ``28 Jan - 2 Feb 2026``, ``30 Dec 2026 - 2 Jan 2027``."""
    def whole(on: date) -> str:
        return day(on).replace(" ", "&nbsp;")
    if first == last:
        return whole(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}&ndash;&#8288;{whole(last)}"  # no break after the dash
    start = whole(first) if first.year != last.year else whole(first).rsplit("&nbsp;", 1)[0]
    return f"{start} &ndash; {whole(last)}"


def _reason(d: Decision) -> str:
    """Why the decision did what it did, in the rules' own words."""
    if not d.winners:
        return f"No rule fired: {escape(d.action.value)} is the rulebook's default."
    more = len(d.winners) - 1
    return _plain(d.winners[0].summary) + (f" (and {counted(more, 'more rule')})"
                                           if more else "")


def _quiet_row(run: list[tuple[int, Decision]], word: str) -> str:
    """One grey line for a run of quiet check-ins: what held them, what they waited for."""
    (number, first), (last_number, last) = run[0], run[-1]
    done = sum(d.answered.completed for _, d in run)
    numbers = f"{number}&ndash;{last_number}" if len(run) > 1 else str(number)
    sessions = ", ".join(part for part in (f"{done} done" if done else "",
                                           f"{len(run) - done} missed" if len(run) > done
                                           else "") if part)
    times = f" &times;{len(run)}" if len(run) > 1 else ""
    why = [_reason(last)] if last.winners else []
    if not last.state.paused:
        why.append(_waiting(explain(last, format="dict")["why_not"]))
    elif not last.winners:
        why.append("Waiting for a clinician's clearance.")
    return (f'<tr class="quiet" id="{word}-{number}"><td class="n">{numbers}</td>'
            f'<td class="date">{_span(first.answered.on, last.answered.on)}</td>'
            f'<td class="n">{sessions}</td><td>{escape(last.state.stage)}</td>'
            f"<td>{last.state.dose_level}</td>"
            f'<td class="act">{_action(last.action.value)}{times}</td>'
            f"<td class=\"what\">{'<br>'.join(w for w in why if w) or _reason(last)}</td></tr>")


def _change_row(number: int, d: Decision, word: str) -> str:
    """The line of a change a person or the app made, linked to its explanation."""
    return (f'<tr id="{word}-{number}"><td class="n"><a href="#{word}-{number}-why">{number}'
            f'</a></td><td class="date">{_span(d.on, d.on)}</td>'
            f"<td>{escape(_KINDS[d.kind.value])}</td>"
            f"<td>{escape(d.state.stage)}</td><td>{d.state.dose_level}</td>"
            f'<td class="act">{_action(d.action.value, is_back_off(d))}</td>'
            f'<td class="what">{_said(d)}</td></tr>')


def _eventful_row(number: int, d: Decision, word: str) -> str:
    """The line of a check-in that did something, linked to its explanation."""
    if d.checkin is None:
        return _change_row(number, d, word)
    said = reported(d)
    notes = [escape(f"Reported: {'; '.join(said)}.")] if said else []
    if _done_while_paused(d):
        notes.append('<span class="warning">Session reported done while training was '
                     "paused.</span>")
    if d.answered.clinician_cleared:
        notes.append("Cleared by a clinician.")
    notes.append(_reason(d))
    return (f'<tr id="{word}-{number}"><td class="n"><a href="#{word}-{number}-why">{number}'
            f'</a></td><td class="date">{_span(d.answered.on, d.answered.on)}</td>'
            f"<td>{'done' if d.answered.completed else 'missed'}</td>"
            f"<td>{escape(d.state.stage)}</td><td>{d.state.dose_level}</td>"
            f'<td class="act">{_action(d.action.value, is_back_off(d))}</td>'
            f'<td class="what">{" ".join(notes)}</td></tr>')


def _timeline(numbered: Sequence[tuple[int, Decision]], word: str,
              explained: dict[int, dict[str, Any]]) -> str:
    """The table of check-ins; each eventful one's explanation goes into ``explained``."""
    rows = []
    for run in _runs(numbered):
        number, last = run[-1]
        if len(run) > 1 or _quiet(last):
            rows.append(_quiet_row(run, word))
        else:
            rows.append(_eventful_row(number, last, word))
            explained[number] = explain(last, format="dict")
    return (f"<table><tr><th>{escape(word)}</th><th>date</th><th>session</th>"
            f"<th>stage</th><th>load level</th><th>action</th><th>what happened</th></tr>"
            f"{''.join(rows)}</table>")


# ---------------------------------------------------------------- each decision explained


def _rule(entry: dict[str, Any], lead: str = "") -> str:
    """One rule of an explanation: what it says, on what it matched, against which
    thresholds; its id and sources last, for whoever checks the rulebook."""
    parts = [f"{escape(lead)}{_plain(entry['summary'])} <span class=\"muted\">(rule "
             f"{escape(entry['rule_id'])}; {escape(_cited(entry))})</span>"]
    if entry["facts"]:
        parts.append(f"<br><span class=\"muted\">Seen:</span> "
                     f"{_plain('; '.join(entry['facts']))}.")
    if entry["thresholds"]:
        parts.append(f"<br><span class=\"muted\">Thresholds:</span> "
                     f"{escape('; '.join(_threshold(t) for t in entry['thresholds']))}.")
    return "".join(parts)


def _week(week: dict[str, Any]) -> str:
    until = f" until {day(date.fromisoformat(week['until']))}" if week["until"] else ""
    return (f"stage {escape(week['stage'])}, load level {week['dose_level']}, "
            f"{counted(week['sessions'], 'session')} a week, {escape(week['mode'])} plan"
            f"{escape(until)}")


def _happened(d: Decision) -> str:
    """What the check-in said of the session, or who made the change and why."""
    if d.checkin is None:
        return _said(d)
    return (f"{'Session done' if d.checkin.completed else 'Session missed'}"
            f"{', cleared by a clinician' if d.checkin.clinician_cleared else ''}."
            + (f" {_said(d)}" if d.change is not None else ""))


def _decision(number: int, word: str, decision: Decision, data: dict[str, Any]) -> str:
    """One decision, explained: what it did, why, what else was eligible, and what the next
    step still needs."""
    action = data["action"]
    parts = [f'<section class="decision" id="{word}-{number}-why">',
             f"<h3>{escape(word.capitalize())} {number}: {escape(day(decision.on))}, "
             f"{_action(action, is_back_off(decision))}</h3>",
             f"<p>{escape(data['what'].capitalize())}. {_happened(decision)}"
             f"<br><span class=\"muted\">Before:</span> {_week(data['before'])}"
             f"<br><span class=\"muted\">After:</span> {_week(data['after'])}</p>"]
    if data["winners"] and data["kind"] not in _SAID_ALONE:  # else said above: no rule did
        parts.append("<p>Why:</p>" + _list([_rule(e) for e in data["winners"]]))
    elif not data["winners"]:
        parts.append(f"<p>No rule fired: {escape(action)} is the rulebook's default.</p>")
    if data["overridden"]:
        parts.append(f"<p>Also eligible, overridden by the more conservative "
                     f"{escape(action)}:</p>"
                     + _list([_rule(e, f"Would {e['action']}: ") for e in data["overridden"]]))
    if data["why_not"]:
        parts.append("<p>What the next step still needs:</p>" + _list([
            f"To {escape(_GATES.get(e['action'], e['action']))}: {_plain(e['summary'])} "
            f"<span class=\"muted\">(rule {escape(e['rule_id'])}; {escape(_cited(e))})"
            f"</span><br><span class=\"muted\">Not yet:</span> "
            f"{_plain('; '.join(u['text'] for u in e['unmet']))}."
            for e in data["why_not"]]))
    if data["plan_changes"]:
        parts.append("<p>What changes in the plan:</p>" + _list(
            [escape(str(PlanChange(**change))) for change in data["plan_changes"]]))
    parts.extend(f"<p class=\"muted\">Note: {_plain(note)}</p>" for note in data["notes"])
    parts.append("</section>")
    return "\n".join(parts)


def _rulebooks(decisions: Sequence[Decision]) -> str:
    used: Counter[RulebookRef] = Counter(d.rulebook for d in decisions)
    rows = []
    for ref, count in used.items():
        unsafe = (f'<br><span class="warning">unsafe: {escape("; ".join(ref.unsafe))}</span>'
                  if ref.unsafe else "")
        rows.append(f"<tr><td>{escape(ref.id)}</td><td>{escape(ref.version)}</td>"
                    f"<td><code>{escape(ref.digest[:12])}</code></td><td>{count}</td>"
                    f"<td>{unsafe or 'safe'}</td></tr>")
    return ("<table><tr><th>rulebook</th><th>version</th><th>digest</th><th>decisions</th>"
            "<th>safety floor</th></tr>" + "".join(rows) + "</table>")


def history_page(numbered: Sequence[tuple[int, Decision]], *, word: str,
                 verification: Verification, chart: bytes | None) -> str:
    """The page for one athlete's decisions, oldest first, each with the number it has
    where it was read (a ``word``: ``record`` in a log or store, ``row`` in a decisions
    file).

    Args:
        numbered: (number, decision) pairs, all of one athlete.
        word: what a number counts.
        verification: what checking the hash chain found.
        chart: the chart as PNG bytes, embedded in the page; None for no chart.
    """
    decisions = [d for _, d in numbered]
    first, last = decisions[0], decisions[-1]
    athlete = last.state.athlete_id
    state = verification.ok
    chain = "none" if state is None else "ok" if state else "bad"
    figure = ""
    if chart is not None:
        uri = "data:image/png;base64," + base64.b64encode(chart).decode("ascii")
        figure = (f'<h2>The climb</h2><p class="chart"><img src="{uri}" '
                  f'alt="Stage and load level of athlete {escape(athlete)} over time, '
                  f'back-offs marked"></p>')
    explained: dict[int, dict[str, Any]] = {}
    timeline = _timeline(numbered, word, explained)
    body = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta name="footcore-athlete" content="{page_key(athlete)}">',
        f"<title>Training history of athlete {escape(athlete)}</title>",
        f"<style>{_STYLE}</style>", "</head>", "<body>",
        f"<h1>Training history of athlete {escape(athlete)}</h1>",
        f'<p class="sub">Goal {escape(first.prior_state.goal.value)}; started '
        f"{escape(day(first.prior_state.started_on))}"
        + ("; a history of foot or ankle problems" if last.state.prior_foot_ankle_problems
           else "")
        + f". Made by footcore {escape(__version__)}.</p>",
        "<h2>In short</h2>", _summary(decisions), f'<p class="muted">{_LOAD_LEVEL}</p>',
        f'<div class="chain {chain}"><b>Record check:</b> {escape(verification.text)}</div>',
        figure,
        "<h2>Check-in by check-in</h2>",
        '<p class="muted">Grey lines are check-ins where nothing was reported and the plan '
        "held (or stayed paused), a run of them in one line, with what they were waiting "
        "for. A change made by a coach, a clinician, the athlete or the app (an override, "
        "a goal change, a new rulebook) has a line of its own. The number of any line "
        "that is not grey links to its explanation below.</p>",
        timeline,
        "<h2>Each eventful check-in explained</h2>" if all(d.checkin for d in decisions)
        else "<h2>Each eventful check-in and change explained</h2>",
        *(_decision(number, word, d, explained[number]) for number, d in numbered
          if number in explained),
        "<h2>Rulebook versions used</h2>", _rulebooks(decisions),
        "</body>", "</html>", "",
    ]
    return "\n".join(body)
