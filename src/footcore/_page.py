"""One athlete's history as a single self-contained HTML page a coach can send a clinician:
the chart of the climb, every decision with its explanation and its "why not", the rulebook
versions used, and what verifying the record's hash chain found.

The page needs nothing from the network: the chart is embedded as a PNG ``data:`` URI, the
styles are inline, and it uses the reader's own fonts. Nothing here reads files or a clock.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

import attrs

from ._explain import PlanChange, _cited, _threshold, day, explain
from ._models import Decision, RulebookRef
from ._simulate import is_back_off
from ._version import __version__

__all__ = ["Verification", "history_page"]

_ACTION_COLOURS = {"pause": "#7b241c", "regress": "#c0392b", "rest": "#d2691e",
                   "deload": "#b8860b", "hold": "#555555", "progress": "#1e8449",
                   "advance": "#117a65"}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 60em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } .sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
.chain { padding: 0.6em 1em; border-radius: 6px; margin: 1em 0; }
.chain.ok { background: #e8f5e9; border: 1px solid #1e8449; }
.chain.bad { background: #fdecea; border: 1px solid #c0392b; }
.chain.none { background: #f4f4f4; border: 1px solid #999; }
.chart img { max-width: 100%; border: 1px solid #ddd; }
.action { font-weight: bold; }
td.date { white-space: nowrap; }
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
    to check (a decisions file), and ``text`` says what was checked and found."""

    ok: bool | None
    text: str


def _action(name: str, back_off: bool = False) -> str:
    colour = _ACTION_COLOURS.get(name, "#222")
    label = name.upper() if back_off else name
    return f'<span class="action" style="color: {colour}">{escape(label)}</span>'


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" if items else ""


def _rule(entry: dict[str, Any], lead: str) -> str:
    """One rule of an explanation: who, why, on what it matched, against which thresholds."""
    parts = [f"<b>{escape(lead)}</b> ({escape(_cited(entry))}): {escape(entry['summary'])}"]
    if entry["facts"]:
        parts.append(f"<br><span class=\"muted\">Seen:</span> "
                     f"{escape('; '.join(entry['facts']))}.")
    if entry["thresholds"]:
        parts.append(f"<br><span class=\"muted\">Thresholds:</span> "
                     f"{escape('; '.join(_threshold(t) for t in entry['thresholds']))}.")
    return "".join(parts)


def _week(week: dict[str, Any]) -> str:
    until = f" until {day(date.fromisoformat(week['until']))}" if week["until"] else ""
    return (f"stage {escape(week['stage'])}, dose step {week['dose_level']}, "
            f"{week['sessions']} sessions a week, {escape(week['mode'])} plan{escape(until)}")


def _decision(number: int, word: str, decision: Decision) -> str:
    """One decision, explained: what it did, why, what else was eligible, and what the next
    step still needs."""
    data = explain(decision, format="dict")
    action = data["action"]
    parts = [f'<section class="decision" id="{word}-{number}">',
             f"<h3>{escape(word.capitalize())} {number}: {escape(day(decision.checkin.on))}, "
             f"{_action(action, is_back_off(decision))}</h3>",
             f"<p>{escape(data['what'].capitalize())}. "
             f"{'Session done' if decision.checkin.completed else 'Session missed'}"
             f"{', cleared by a clinician' if decision.checkin.clinician_cleared else ''}."
             f"<br><span class=\"muted\">Before:</span> {_week(data['before'])}"
             f"<br><span class=\"muted\">After:</span> {_week(data['after'])}</p>"]
    if data["winners"]:
        parts.append("<p>Why:</p>" + _list([_rule(e, e["rule_id"]) for e in data["winners"]]))
    else:
        parts.append(f"<p>No rule fired: {escape(action)} is the rulebook's default.</p>")
    if data["overridden"]:
        parts.append(f"<p>Also eligible, overridden by the more conservative "
                     f"{escape(action)}:</p>"
                     + _list([_rule(e, f"{e['rule_id']} would {e['action']}")
                              for e in data["overridden"]]))
    if data["why_not"]:
        parts.append("<p>Why not the next step:</p>" + _list([
            f"<b>{escape(e['rule_id'])}</b> would {escape(e['action'])} "
            f"({escape(_cited(e))}): {escape(e['summary'])}<br>"
            f"<span class=\"muted\">Not yet:</span> "
            f"{escape('; '.join(u['text'] for u in e['unmet']))}."
            for e in data["why_not"]]))
    if data["plan_changes"]:
        parts.append("<p>What changes in the plan:</p>" + _list(
            [escape(str(PlanChange(**change))) for change in data["plan_changes"]]))
    parts.extend(f"<p class=\"muted\">Note: {escape(note)}</p>" for note in data["notes"])
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


def _overview(numbered: Sequence[tuple[int, Decision]], word: str) -> str:
    rows = []
    for number, d in numbered:
        main = d.winners[0].summary if d.winners else "No rule fired."
        rows.append(f'<tr><td><a href="#{word}-{number}">{number}</a></td>'
                    f'<td class="date">{d.checkin.on}</td>'
                    f"<td>{'done' if d.checkin.completed else 'missed'}</td>"
                    f"<td>{escape(d.state.stage)}</td><td>{d.state.dose_level}</td>"
                    f"<td>{_action(d.action.value, is_back_off(d))}</td>"
                    f"<td>{escape(main)}</td></tr>")
    return (f"<table><tr><th>{escape(word)}</th><th>date</th><th>session</th><th>stage</th>"
            f"<th>dose step</th><th>action</th><th>main reason</th></tr>"
            + "".join(rows) + "</table>")


def history_page(numbered: Sequence[tuple[int, Decision]], *, source: str, word: str,
                 verification: Verification, chart: bytes | None) -> str:
    """The page for one athlete's decisions, oldest first, each with the number it has in
    ``source`` (a ``word``: ``record`` in a log or store, ``row`` in a decisions file).

    Args:
        numbered: (number, decision) pairs, all of one athlete.
        source: where the decisions come from, as the reader should see it.
        word: what a number counts.
        verification: what checking the hash chain found.
        chart: the chart as PNG bytes, embedded in the page; None for no chart.
    """
    decisions = [d for _, d in numbered]
    first, last = decisions[0], decisions[-1]
    athlete = last.state.athlete_id
    back_offs = Counter(d.action.value for d in decisions if is_back_off(d))
    summary = (f"{len(decisions)} decisions from {day(first.checkin.on)} to "
               f"{day(last.checkin.on)}; now on stage {last.state.stage} at dose step "
               f"{last.state.dose_level}" + (", training paused" if last.state.paused else "")
               + "; back-offs: " + (", ".join(f"{n} {action}" for action, n in
                                              sorted(back_offs.items())) or "none") + ".")
    state = verification.ok
    chain = "none" if state is None else "ok" if state else "bad"
    figure = ""
    if chart is not None:
        uri = "data:image/png;base64," + base64.b64encode(chart).decode("ascii")
        figure = (f'<h2>The climb</h2><p class="chart"><img src="{uri}" '
                  f'alt="Stage and dose step of athlete {escape(athlete)} over time, '
                  f'back-offs marked"></p>')
    body = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>Training history of athlete {escape(athlete)}</title>",
        f"<style>{_STYLE}</style>", "</head>", "<body>",
        f"<h1>Training history of athlete {escape(athlete)}</h1>",
        f'<p class="sub">Goal {escape(first.prior_state.goal.value)}; started '
        f"{escape(day(first.prior_state.started_on))}"
        + ("; a history of foot or ankle problems" if last.state.prior_foot_ankle_problems
           else "")
        + f". From {escape(source)}; made by footcore {escape(__version__)}.</p>",
        f"<p>{escape(summary)}</p>",
        f'<div class="chain {chain}"><b>Record check:</b> {escape(verification.text)}</div>',
        figure,
        "<h2>Rulebook versions used</h2>", _rulebooks(decisions),
        "<h2>Every decision</h2>", _overview(numbered, word),
        "<h2>Each decision explained</h2>",
        *(_decision(number, word, d) for number, d in numbered),
        "</body>", "</html>", "",
    ]
    return "\n".join(body)
