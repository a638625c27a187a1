"""Athletes' histories, from where they live, read as streams.

A :class:`History` is one athlete's starting state, check-ins and the changes of their plan
among them (goal changes and overrides: :class:`HistoryChange`), oldest first, held as the
JSON data they travel in. A source of histories is any iterable of them; three readers make
one from a file without holding the population in memory:

- :func:`read_histories`: JSON Lines, one athlete per line, ``{"state": ..., "checkins":
  [...]}`` (what :func:`write_histories` writes), with ``"changes": [...]`` when there are
  any. Any order of athletes.
- :func:`decision_histories`: decisions, one per line (``footcore simulate --out`` writes
  them), and :func:`log_histories`: an audit log. Athletes may be interleaved; each
  athlete's decisions must be in the order they were made, each starting from the state
  the one before left, which is checked. An athlete's history starts from the prior state
  of their first decision, or from the state their last upgrade left: the records before
  it were made under another rulebook.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._audit_records import whole_lines
from .._convert import CONVERTER, structure
from .._enums import Action, ChangeKind, Goal
from .._errors import InputError
from .._inputs import file_path
from .._jsonparse import parse_json
from .._models import AthleteState, Change, CheckIn

__all__ = ["History", "HistoryBuilder", "HistoryChange", "decision_histories",
           "decision_part", "log_histories", "read_histories", "write_histories"]

GROUP_BYTES = 256 * 2**20
"""How much of a decisions file or log is grouped by athlete in memory at a time."""

Data = dict[str, Any]


def _defaults(kind: type) -> Data:
    """The fields of ``kind`` that have defaults, with them, as JSON data."""
    out = {}
    for field in attrs.fields(kind):
        default: Any = field.default
        if default is attrs.NOTHING:
            continue
        out[field.name] = CONVERTER.unstructure(
            default.factory() if hasattr(default, "factory") else default)
    return out


_STATE_DEFAULTS = _defaults(AthleteState)
_CHECKIN_DEFAULTS = _defaults(CheckIn)


def _compact(data: Data, defaults: Data) -> Data:
    """``data`` without the fields at their defaults, and metrics without the ones not
    measured: the same model, in fewer bytes."""
    out = {name: value for name, value in data.items()
           if name not in defaults or value != defaults[name]}
    if isinstance(out.get("metrics"), dict):
        out["metrics"] = {name: value for name, value in out["metrics"].items()
                          if value is not None}
    return out


@attrs.frozen
class HistoryChange:
    """A change of an athlete's plan that answers no check-in, made after their first
    ``at`` check-ins: a change of goal (to ``goal``) or an override (``action``,
    ``clearance``), with who made it and why (``change``)."""

    at: int
    change: Change
    goal: Goal | None = None
    action: Action | None = None
    clearance: bool | None = None


_REPLAYED = (ChangeKind.GOAL, ChangeKind.OVERRIDE)  # the changes a history replays


@attrs.frozen
class History:
    """One athlete's starting state, check-ins and the changes of their plan among them
    (goal changes and overrides, each placed after its first ``at`` check-ins), oldest
    first, as JSON data (the form in which footcore stores and ships them); ``origin``
    says where it was read from.

    Make one from models with :meth:`of`; :meth:`load` gives the models back.
    """

    state: Data
    checkins: Sequence[Data]
    origin: str = ""
    changes: Sequence[Data] = ()

    @classmethod
    def of(cls, state: AthleteState, checkins: Iterable[CheckIn], origin: str = "",
           changes: Iterable[HistoryChange] = ()) -> History:
        """The history of ``state``'s athlete over ``checkins`` and ``changes``, in compact
        JSON data."""
        return cls(_compact(CONVERTER.unstructure(state), _STATE_DEFAULTS),
                   [_compact(CONVERTER.unstructure(c), _CHECKIN_DEFAULTS) for c in checkins],
                   origin, [CONVERTER.unstructure(c) for c in changes])

    @property
    def athlete_id(self) -> str:
        """The athlete's id, as the state gives it."""
        return str(self.state.get("athlete_id", "?"))

    def load(self) -> tuple[AthleteState, tuple[CheckIn, ...]]:
        """The starting state and the check-ins as models.

        Raises:
            InputError: the state or a check-in is invalid; the message names the origin,
                the check-in's position (0 first) and the field.
        """
        where = self.origin or f"athlete {self.athlete_id}"
        try:
            state = structure(self.state, AthleteState, "state")
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        checkins = []
        for number, data in enumerate(self.checkins):
            try:
                checkins.append(structure(data, CheckIn, "check-in"))
            except InputError as exc:
                raise InputError(f"{where}: checkins[{number}]: {exc}") from None
        return state, tuple(checkins)

    def load_changes(self) -> tuple[HistoryChange, ...]:
        """The changes among the check-ins as models, in the order they were made.

        Raises:
            InputError: a change is invalid, not a goal change or an override, or out of
                place; the message names the origin and the change's position (0 first).
        """
        where = self.origin or f"athlete {self.athlete_id}"
        changes: list[HistoryChange] = []
        for number, data in enumerate(self.changes):
            try:
                change = structure(data, HistoryChange, "change")
                if change.change.kind not in _REPLAYED:
                    raise InputError(f"change.kind: got {change.change.kind.value!r}; "
                                     f"accepted: goal or override")
                if (change.goal is None) is (change.change.kind is ChangeKind.GOAL):
                    raise InputError("goal: given with a goal change, and only then")
                last = changes[-1].at if changes else 0
                if not last <= change.at <= len(self.checkins):
                    raise InputError(f"at: got {change.at}; accepted: {last} to "
                                     f"{len(self.checkins)} (the check-ins before it, in "
                                     f"order)")
            except InputError as exc:
                raise InputError(f"{where}: changes[{number}]: {exc}") from None
            changes.append(change)
        return tuple(changes)


_FEW_BRACKETS = 256


def _parse(content: bytes, where: str, kind: str) -> Any:
    """One line's JSON (a ``kind``).

    A line of fewer than ``_FEW_BRACKETS`` brackets nests no deeper than that, which the
    plain parser and everything after it read safely, and the plain parser refuses a
    number too long for Python: it reads such a line three times as fast as
    :func:`parse_json`, and a population is millions of lines. Any other line, and one the
    plain parser refuses, is read within the limits every document is (or refused, saying
    why).
    """
    if content.count(b"[") + content.count(b"{") < _FEW_BRACKETS:
        try:
            return json.loads(content)
        except ValueError:
            pass  # parse_json says what is wrong
    try:
        return parse_json(content, kind)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def read_histories(path: str | os.PathLike[str]) -> Iterator[History]:
    """The histories in a JSON Lines file, one athlete per line: ``{"state": ...,
    "checkins": [...]}``, check-ins oldest first. Blank lines are skipped.

    Only the line being read is held in memory. Each line is checked for its shape here;
    the state and check-ins are checked where they are replayed.

    Raises:
        InputError: there is no file, or a line is not such an object; the message names
            the line.
    """
    file = file_path(path)
    for number, content, _ in whole_lines(file, "histories file"):
        if not content.strip():
            continue
        where = f"{file} line {number}"
        data = _parse(content, where, "history")
        if (not isinstance(data, dict) or not {"state", "checkins"} <= set(data)
                <= {"state", "checkins", "changes"}
                or not isinstance(data["state"], dict)
                or not all(isinstance(data.get(key, []), list)
                           and all(isinstance(c, dict) for c in data.get(key, []))
                           for key in ("checkins", "changes"))):
            raise InputError(f"{where}: expected {{\"state\": {{...}}, \"checkins\": "
                             f"[{{...}}, ...]}} (and \"changes\": [{{...}}, ...]), one "
                             f"athlete per line")
        yield History(data["state"], data["checkins"], where, data.get("changes", ()))


def write_histories(path: str | os.PathLike[str], histories: Iterable[History]) -> int:
    """Write ``histories`` as JSON Lines that :func:`read_histories` reads, one athlete a
    line, as they come (the file is replaced). Returns how many were written.

    Raises:
        InputError: the file cannot be written.
    """
    file = file_path(path)
    count = 0
    try:
        with file.open("w", encoding="utf-8") as out:
            for history in histories:
                if not isinstance(history, History):
                    raise InputError(f"histories[{count}]: got {type(history).__name__}; "
                                     f"accepted: a footcore History")
                line = {"state": history.state, "checkins": history.checkins}
                if history.changes:
                    line["changes"] = history.changes
                out.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
                out.write("\n")
                count += 1
    except OSError as exc:
        raise InputError(f"histories file {file}: cannot write it ({exc})") from None
    return count


# ---------------------------------------------------------------- decisions and logs


def decision_part(data: Data) -> tuple[str, Data | None]:
    """What a history takes of a decision's JSON data (whose prior state and state are
    objects): ``("checkin", its check-in)``, ``("change", a HistoryChange's data but
    "at")`` for a goal change or an override, or ``("upgrade", None)``: the history starts
    again from the state an upgrade left.

    Raises:
        InputError: the decision is of no kind a history holds; the message says why.
    """
    checkin, change = data.get("checkin"), data.get("change")
    kind = change.get("kind") if isinstance(change, dict) else None
    if isinstance(checkin, dict):
        return "checkin", checkin
    if kind == ChangeKind.UPGRADE.value:
        return "upgrade", None
    if kind == ChangeKind.GOAL.value:
        return "change", {"change": change, "goal": data["state"].get("goal")}
    if kind == ChangeKind.OVERRIDE.value:
        firings = data.get("firings")
        matched = firings[0].get("matched") if isinstance(firings, list) and firings \
            and isinstance(firings[0], dict) else None
        return "change", {"change": change, "action": data.get("action"),
                          "clearance": matched.get("clearance")
                          if isinstance(matched, dict) else None}
    if checkin is None and data.get("action") == "retarget":
        raise InputError("a retarget decision (a change of goal) that does not record the "
                         "change; accepted: decisions on check-ins, and changes that record "
                         "who made them (Decision.change)", code="not-a-checkin-decision")
    raise InputError("expected a decision, with prior_state, state, and a check-in or a "
                     "change of goal, override or upgrade")


class HistoryBuilder:
    """One athlete's history as their decisions come, oldest first (see
    :func:`decision_part`)."""

    def __init__(self, start: Data, origin: str) -> None:
        self._begin(start, origin)

    def _begin(self, start: Data, origin: str) -> None:
        self.start, self.origin = start, origin
        self.checkins: list[Data] = []
        self.changes: list[Data] = []

    def add(self, kind: str, item: Data | None, state: Data, origin: str) -> None:
        """Add what :func:`decision_part` gave of a decision that left ``state``; an
        upgrade starts the history again there (``origin`` then names where)."""
        if kind == "checkin":
            assert item is not None
            self.checkins.append(item)
        elif kind == "change":
            self.changes.append({**(item or {}), "at": len(self.checkins)})
        else:
            self._begin(state, origin)

    def history(self) -> History:
        return History(self.start, self.checkins, self.origin, self.changes)


@attrs.frozen
class _Entry:
    """What a history needs from one logged decision, with the line it came from."""

    line: int
    athlete: str
    prior: Data
    state: Data
    kind: str
    item: Data | None


def _entry(data: Any, line: int, where: str) -> _Entry:
    prior, state = (data.get(name) if isinstance(data, dict) else None
                    for name in ("prior_state", "state"))
    if not (isinstance(prior, dict) and isinstance(state, dict)):
        raise InputError(f"{where}: expected a decision, with prior_state and state")
    try:
        kind, item = decision_part(data)
    except InputError as exc:
        raise InputError(f"{where}: {exc}", code=exc.code) from None
    athlete = state.get("athlete_id")
    if not isinstance(athlete, str) or prior.get("athlete_id") != athlete:
        raise InputError(f"{where}: the decision's state and prior_state must name the same "
                         f"athlete_id")
    return _Entry(line, athlete, prior, state, kind, item)


def _group(entries: Iterable[_Entry], name: str) -> Iterator[History]:
    """Histories from entries in file order: an athlete's come in the order they were made.

    Raises:
        InputError: a decision does not start from the state the athlete's previous one left.
    """
    open_: dict[str, tuple[HistoryBuilder, _Entry]] = {}  # the history so far, the last
    for entry in entries:
        found = open_.get(entry.athlete)
        if found is None:
            found = (HistoryBuilder(entry.prior, f"{name} line {entry.line}"), entry)
        elif entry.prior != found[1].state:
            raise InputError(
                f"{name} line {entry.line}: athlete {entry.athlete}'s decision does not start "
                f"from the state their decision on line {found[1].line} left; accepted: each "
                f"athlete's decisions in the order they were made, none missing")
        found[0].add(entry.kind, entry.item, entry.state, f"{name} line {entry.line}")
        open_[entry.athlete] = (found[0], entry)
    for built, _ in open_.values():
        yield built.history()


def _bucket(athlete: str, buckets: int) -> int:
    return zlib.crc32(athlete.encode()) % buckets


def _spilled(entries: Iterable[_Entry], name: str, buckets: int) -> Iterator[History]:
    """Group entries through ``buckets`` temporary files, one share of the athletes each,
    so only one share is in memory at a time."""
    with tempfile.TemporaryDirectory(prefix="footcore-histories-") as folder:
        paths = [Path(folder) / f"{number}.jsonl" for number in range(buckets)]
        handles = [p.open("w", encoding="utf-8") for p in paths]
        try:
            for e in entries:
                handles[_bucket(e.athlete, buckets)].write(json.dumps(
                    attrs.astuple(e, recurse=False), separators=(",", ":"),
                    ensure_ascii=False) + "\n")
        finally:
            for handle in handles:
                handle.close()
        for file in paths:
            with file.open(encoding="utf-8") as handle:
                yield from _group((_Entry(*json.loads(row)) for row in handle), name)


def _histories(path: str | os.PathLike[str], what: str, group_bytes: int,
               unwrap: Callable[[Any], Any]) -> Iterator[History]:
    if group_bytes < 1:
        raise InputError(f"group_bytes: got {group_bytes}; accepted: 1 or more")
    file = file_path(path)
    kind = "record" if what == "audit log" else "decision"

    def entries() -> Iterator[_Entry]:
        for number, content, complete in whole_lines(file, what):
            if not complete and what == "audit log":
                return  # a torn last line is not a record
            if content.strip():
                where = f"{what} {file} line {number}"
                yield _entry(unwrap(_parse(content, where, kind)), number, where)

    try:
        size = os.stat(file).st_size
    except (OSError, ValueError):
        size = 0  # reading it says what is wrong
    buckets = 1 + size // group_bytes
    name = f"{what} {file}"
    if buckets == 1:
        return _group(entries(), name)
    return _spilled(entries(), name, buckets)


def decision_histories(path: str | os.PathLike[str], *,
                       group_bytes: int = GROUP_BYTES) -> Iterator[History]:
    """The histories in a file of decisions, one JSON decision per line (as ``footcore
    simulate --out`` writes), one history per athlete.

    Athletes may be interleaved. Each athlete's decisions must be in the order they were
    made, each from the state the one before left (checked). The file is grouped by athlete
    ``group_bytes`` of it at a time: a larger file is first split by athlete into temporary
    files, so memory holds one share of the athletes, never the whole population.

    Raises:
        InputError: there is no file, a line is not a decision, or an athlete's decisions
            are out of order or missing one; the message names the line.
    """
    return _histories(path, "decisions file", group_bytes, lambda data: data)


def log_histories(path: str | os.PathLike[str], *,
                  group_bytes: int = GROUP_BYTES) -> Iterator[History]:
    """The histories in an audit log, one per athlete, as :func:`decision_histories` reads
    decisions: records in file order, athletes interleaved, each athlete's decisions
    chained (checked). A torn last line is skipped, as :meth:`AuditLog.records` does; the
    hash chain is not checked here (:func:`verify_log` does that).

    Raises:
        InputError: there is no file, a line is not a record, or an athlete's decisions are
            out of order or missing one; the message names the line.
    """
    return _histories(path, "audit log", group_bytes,
                      lambda data: data.get("decision") if isinstance(data, dict) else None)
