"""Loading many athletes' histories into a store at once: each chunk of athletes decided
in memory and written in one transaction, row for row, hash for hash, what adding each
athlete and recording their check-ins and changes one at a time would write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

import attrs

from .._audit_records import _encode
from .._convert import CONVERTER
from .._engine import Engine
from .._enums import Role
from .._errors import Conflict, InputError
from .._models import CheckIn, Decision
from .._population._histories import History
from .._replay import redo
from .._words import counted
from ._core import on_rulebook
from ._db import Tx
from ._rows import Row, Written, genesis, make_row
from ._writing import checkin_change, history_retried, same_checkin, sent_by

__all__ = ["Athlete", "LoadReport", "chunks_of", "decide", "write_chunk"]


@attrs.frozen
class LoadReport:
    """What :meth:`Store.load_histories` added: athletes and records (decisions)."""

    athletes: int
    records: int

    def __str__(self) -> str:
        return (f"loaded {counted(self.records, 'record')} of "
                f"{counted(self.athletes, 'athlete')}")


@attrs.frozen
class Athlete:
    """One athlete's rows as a load writes them: their starting state's id, the text of
    their row's state, and their chain's rows, oldest first."""

    athlete_id: str
    state: str
    rows: tuple[Row, ...]

    @property
    def head(self) -> str:
        return self.rows[-1].hash if self.rows else genesis(self.athlete_id)


def chunks_of(histories: Iterable[History], athletes: int) -> Iterator[list[History]]:
    """``histories`` in lists of ``athletes``, read as they are needed."""
    it = iter(histories)
    while chunk := list(islice(it, athletes)):
        yield chunk


def decide(engine: Engine, history: History, by: str | None, role: Role | str | None
           ) -> Athlete:
    """The rows the store writes for ``history``'s athlete: added with ``engine``, then each
    check-in recorded (with ``by`` and ``role``, as :meth:`Store.check_in` takes them) and
    each change made where it stands among them.

    Raises:
        InputError: a check-in or change is invalid or refused (the engine's code), or the
            athlete is on another rulebook (``rulebook-mismatch``); the message names the
            history and the check-in's or change's position (0 first).
        CheckInConflict: the history repeats a check-in id for other content.
    """
    if not isinstance(history, History):
        raise InputError(f"histories: got {type(history).__name__}; accepted: footcore "
                         f"Histories (see footcore.impact.read_histories)")
    state, checkins = history.load()
    changes = list(reversed(history.load_changes()))
    where = history.origin or f"athlete {state.athlete_id}"
    try:
        on_rulebook(engine, state)
    except InputError as exc:
        raise InputError(f"{where}: {exc}", code=exc.code) from None
    rows: list[Row] = []
    seen: dict[str, CheckIn] = {}
    last: Decision | None = None
    written: Written | None = None

    def took(decision: Decision) -> None:
        nonlocal last, written, state
        prev = rows[-1].hash if rows else genesis(state.athlete_id)
        row = make_row(decision, len(rows), prev, written)
        rows.append(row)
        last, state = decision, decision.state
        written = Written(row.hash, decision.state, row.state, decision.plan, row.refs[0])

    def change_until(index: int) -> None:
        while changes and changes[-1].at <= index:
            made = changes.pop()
            if last is not None and history_retried(made)(last):
                continue
            try:
                took(redo(engine, state, made.change, goal=made.goal or state.goal,
                          action=made.action, clearance=made.clearance, after=last))
            except InputError as exc:  # Conflict is one
                raise type(exc)(f"{where}: changes[{made.at}]: {exc}", code=exc.code,
                                field=exc.field) from None

    for index, checkin in enumerate(checkins):
        change_until(index)
        if checkin.id is not None and checkin.id in seen:
            same_checkin(seen[checkin.id], checkin, state.athlete_id)
            continue  # a retry: the store answers it and records nothing
        try:
            decision = engine.evaluate(state, checkin)
        except InputError as exc:
            raise InputError(f"{where}: checkins[{index}]: {exc}", code=exc.code,
                             field=exc.field) from None
        change = checkin_change(checkin, by, role)
        took(decision if change is None else sent_by(decision, change))
        if checkin.id is not None:
            seen[checkin.id] = checkin
    change_until(len(checkins))
    text = rows[-1].state if rows else _encode(CONVERTER.unstructure(state)).decode()
    return Athlete(state.athlete_id, text, tuple(rows))


def _refuse_present(tx: Tx, athletes: list[Athlete]) -> None:
    """Refuse athletes the store has, or the chunk holds twice."""
    ids = [a.athlete_id for a in athletes]
    found = tx.all("SELECT athlete_id FROM footcore_athletes WHERE athlete_id IN ("
                   + ", ".join(["?"] * len(ids)) + ")", ids)
    twice = [i for n, i in enumerate(ids) if i in ids[:n]]
    if found or twice:
        athlete = found[0][0] if found else twice[0]
        raise Conflict(f"AthleteState.athlete_id: {athlete!r} is in the store already"
                       f"{'' if found else ' (twice in the histories)'}; accepted: athletes "
                       f"the store does not have, each once", code="athlete-exists")


def write_chunk(tx: Tx, athletes: list[Athlete]) -> int:
    """Write the athletes' rows (and the plans they use) in transaction ``tx``; the
    records written.

    Raises:
        Conflict: (``athlete-exists``) the store has one of the athletes already.
    """
    _refuse_present(tx, athletes)
    tx.many("INSERT INTO footcore_athletes (athlete_id, state, records, head) "
            "VALUES (?, ?, ?, ?)",
            [(a.athlete_id, a.state, len(a.rows), a.head) for a in athletes])
    plans: dict[str, str] = {}
    for athlete in athletes:
        for row in athlete.rows:
            plans.update(row.plans)
    tx.many("INSERT INTO footcore_plans (hash, plan) VALUES (?, ?) "
            "ON CONFLICT (hash) DO NOTHING",
            [(key, tx.pack(text)) for key, text in sorted(plans.items())])
    records = [(a.athlete_id, row.seq, row.prev, row.hash, row.checkin_id, *row.refs,
                tx.pack(row.decision)) for a in athletes for row in a.rows]
    tx.many("INSERT INTO footcore_decisions (athlete_id, seq, prev, hash, checkin_id, plan, "
            "prior_plan, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records)
    return len(records)

