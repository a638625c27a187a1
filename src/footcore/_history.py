"""An athlete's history: one row per decision (the stage and dose it left them on, the
action, the main reason, what kind of change made it and who), read from an audit log here
and from a store by the store.
"""

from __future__ import annotations

import os
from datetime import date

import attrs

from ._audit import _existing
from ._change_words import change_said
from ._enums import Action, ChangeKind
from ._ids import normal_id
from ._models import Change, Decision

__all__ = ["HistoryRow", "history", "history_row"]


@attrs.frozen
class HistoryRow:
    """One decision in an athlete's timeline: the stage and dose it left them on, the
    action, and the main reason (the first winning rule's summary; for an override, a
    change of goal or an upgrade, who made it and why: ``Held by coach:maria (coach):
    travel, away until the 20th.``). ``kind`` is what made it, ``change`` who, in which
    role, with which reason code and comment (None for a check-in nobody is named for).
    ``seq`` is the record's stored sequence number (0 first): show ``seq + 1`` as its
    record number."""

    seq: int
    on: date
    stage: str
    dose_level: int
    action: Action
    reason: str
    rule_id: str | None
    kind: ChangeKind = ChangeKind.CHECKIN
    change: Change | None = None


def history(path: str | os.PathLike[str], athlete_id: str) -> tuple[HistoryRow, ...]:
    """The timeline of one athlete's decisions in a log, oldest first, as rows an app can
    render: date, stage and dose level after the decision, action, main reason.

    Args:
        path: the log file.
        athlete_id: whose decisions; an athlete with none gets no rows.

    Raises:
        InputError: there is no file at ``path``; ``athlete_id`` is no id.
        AuditLogError: a line is not a valid record.
    """
    athlete_id = normal_id(athlete_id, "athlete_id")
    return tuple(history_row(record.seq, record.decision)
                 for record in _existing(path).records()
                 if record.decision.state.athlete_id == athlete_id)


def history_row(seq: int, d: Decision) -> HistoryRow:
    """The history row of decision ``d``, recorded as ``seq``."""
    main = d.winners[0] if d.winners else None
    reason = main.summary if main else f"No rule fired: the rulebook's default, {d.action}."
    said = change_said(d)
    if said:  # who made it and why; for a check-in someone sent, after the rules' reason
        reason = " ".join(said) if d.kind is not ChangeKind.CHECKIN else f"{reason} {said[0]}"
    return HistoryRow(seq, d.on, d.state.stage, d.state.dose_level, d.action, reason,
                      main.rule_id if main else None, d.kind, d.change)
