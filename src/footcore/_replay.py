"""Replay: the decisions of an audit log (or a store) made again from their stored inputs
with an engine, and each that comes out differently reported, with the rulebooks other
than the engine's that made records; or each made again under the rulebook that made it
(a store's reproduction).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from ._audit import _existing
from ._compare import decision_changes, rulebook_ref
from ._engine import Engine
from ._enums import Action, ChangeKind, Goal
from ._errors import InputError
from ._explain import explain
from ._models import AthleteState, Change, Decision, RulebookRef
from ._rulebook import Rulebook
from ._rulebook_loading import load_rulebook
from ._words import counted

__all__ = ["ReplayDifference", "ReplayReport", "clearance_of", "redo", "remake", "replay_log",
           "replay_records", "reproduce_records"]


@attrs.frozen
class ReplayDifference:
    """A record whose decision comes out differently when re-evaluated, or cannot be."""

    seq: int
    recorded: Decision
    replayed: Decision | None
    changes: tuple[str, ...]

    @property
    def explanations(self) -> tuple[str, str]:
        """The recorded and the replayed decision, each explained."""
        again = explain(self.replayed) if self.replayed else "; ".join(self.changes)
        return explain(self.recorded), again


@attrs.frozen
class ReplayReport:
    """What :func:`replay_log` (or :meth:`Store.replay`) found: every record that came out
    differently, and the rulebooks, other than the one replayed under, that made records.
    ``path`` is the log's, or the store's location; ``seq`` in a store counts each
    athlete's records.

    ``own`` is True for a reproduction (:meth:`Store.reproduce`), each record replayed
    under the rulebook that made it: ``rulebook`` is then the one that made the most
    records, and ``other_rulebooks`` the others, each under its own."""

    path: str
    rulebook: RulebookRef
    backend: str
    records: int
    differences: tuple[ReplayDifference, ...]
    other_rulebooks: tuple[tuple[RulebookRef, int], ...]
    own: bool = False

    @property
    def ok(self) -> bool:
        """True when every record was reproduced."""
        return not self.differences

    def __str__(self) -> str:
        book = self.rulebook
        done = (f"{self.path}: {self.records - len(self.differences)} of "
                f"{counted(self.records, 'decision')} reproduced")
        if self.own:
            mine = self.records - sum(count for _, count in self.other_rulebooks)
            lines = [f"{done}, each under the rulebook that made it, {self.backend} backend."]
            lines.extend(f"  {counted(count, 'record')} by {ref.id} {ref.version} "
                         f"({ref.digest[:12]})"
                         for ref, count in ((book, mine), *self.other_rulebooks) if count)
        else:
            lines = [f"{done} under {book.id} {book.version} ({book.digest[:12]}), "
                     f"{self.backend} backend."]
            lines.extend(f"  {counted(count, 'record')} {'was' if count == 1 else 'were'} "
                         f"made by another rulebook: {ref.id} {ref.version} "
                         f"({ref.digest[:12]}); differences there may come from the "
                         f"rulebook change." for ref, count in self.other_rulebooks)
        for found in self.differences:
            d = found.recorded
            lines.append(f"  record {found.seq + 1}, athlete {d.state.athlete_id}, {d.on}: "
                         f"{'; '.join(found.changes)}")
        return "\n".join(lines)


def _undirected(decision: Decision) -> Decision:
    """The decision as footcore recorded it before thresholds carried the field and
    comparison they are used in, to compare with records made then."""
    firings = tuple(attrs.evolve(f, params=tuple(dict.fromkeys(
        attrs.evolve(p, field="", op="") for p in f.params))) for f in decision.firings)
    return attrs.evolve(decision, firings=firings)


def remake(engine: Engine, recorded: Decision, after: Decision | None,
           rulebooks: Mapping[str, Rulebook]) -> Decision:
    """``recorded`` made again by ``engine`` from its inputs: a check-in evaluated, or the
    change it records made again (an override after ``after``, the athlete's decision
    before it; an upgrade from the rulebook of ``rulebooks`` its prior state names).

    Raises:
        InputError: the engine cannot make it (its state names a stage the rulebook
            lacks, the rulebook an upgrade moved from is not at hand, ...).
    """
    change, prior = recorded.change, recorded.prior_state
    if change is None or change.kind is ChangeKind.CHECKIN:
        again = engine.evaluate(prior, recorded.answered)
        return attrs.evolve(again, change=change) if change is not None else again
    if change.kind is not ChangeKind.UPGRADE:
        return redo(engine, prior, change, goal=recorded.state.goal, action=recorded.action,
                    clearance=clearance_of(recorded), after=after)
    on, by, role, reason, comment = (change.on, change.by, change.role, change.reason,
                                     change.comment)
    old = rulebooks.get(prior.rulebook_digest)
    if old is None:
        raise InputError(f"the rulebook it moved from ({prior.rulebook_digest[:12]}) is not "
                         f"at hand", code="rulebook-missing")
    moved = recorded.state.stage
    return engine.upgrade(prior, old, on=on, by=by, role=role, reason=reason,
                          comment=comment,
                          mapping={prior.stage: moved} if moved != prior.stage else None)


def clearance_of(decision: Decision) -> bool | None:
    """The clearance an override gave (True or False), or None."""
    found = dict(decision.firings[0].matched).get("clearance") if decision.firings else None
    return found if isinstance(found, bool) else None


def redo(engine: Engine, state: AthleteState, change: Change, *, goal: Goal | str,
         action: Action | str | None, clearance: bool | None,
         after: Decision | None) -> Decision:
    """A goal change (to ``goal``) or an override (``action``, ``clearance``, after the
    athlete's decision ``after``) made again by ``engine`` from ``state``.

    Raises:
        InputError, Conflict: the engine refuses it (see :meth:`Engine.override`).
    """
    on, by, role, reason, comment = (change.on, change.by, change.role, change.reason,
                                     change.comment)
    if change.kind is ChangeKind.GOAL:
        return engine.change_goal(state, goal, on=on, by=by, role=role, reason=reason,
                                  comment=comment)
    return engine.override(state, on=on, by=str(by), role=str(role), reason=str(reason),
                           action=action, comment=comment, after=after, clearance=clearance)


def _replay(engine: Engine, seq: int, recorded: Decision, after: Decision | None,
            rulebooks: Mapping[str, Rulebook]) -> ReplayDifference | None:
    try:
        again = remake(engine, recorded, after, rulebooks)
    except InputError as exc:
        return ReplayDifference(seq, recorded, None, (f"cannot be replayed: {exc}",))
    changes = decision_changes(recorded, again)
    # Beyond the outcome, a reproduction is exact: only the stamps of who made it may differ.
    stamped = attrs.evolve(
        again, backend=recorded.backend, footcore_version=recorded.footcore_version,
        rulebook=recorded.rulebook,
        state=attrs.evolve(again.state, rulebook_digest=recorded.state.rulebook_digest))
    if any(p.op == "" for f in recorded.firings for p in f.params):
        stamped = _undirected(stamped)
    if not changes and stamped != recorded:
        changes = ("same outcome, but the trace differs (facts matched, overridden rules, "
                   "thresholds or the plan it replaces)",)
    return ReplayDifference(seq, recorded, again, changes) if changes else None


def replay_log(path: str | os.PathLike[str], engine: Engine) -> ReplayReport:
    """Re-evaluate every record of a log from its stored inputs (the prior state and the
    check-in) with ``engine``, and report each decision that comes out differently.

    Under the rulebook that made the records, on either backend, every decision is
    reproduced (only ``backend`` may differ). Under another rulebook, the differences are
    what the change would have done; records made by a rulebook other than the engine's
    are counted in ``other_rulebooks``, and a record the engine cannot evaluate (its state
    names a stage the rulebook lacks, say) is a difference, not an error. Replay reads the
    records without checking the chain: verify the log first.

    Args:
        path: the log file.
        engine: the rulebook and backend to decide again with.

    Raises:
        InputError: there is no file at ``path``.
        AuditLogError: a line is not a valid record.
    """
    log = _existing(path)
    return replay_records(((r.seq, r.decision) for r in log.records()), engine, str(log.path))


def replay_records(records: Iterable[tuple[int, Decision]], engine: Engine, where: str,
                   rulebooks: Mapping[str, Rulebook] | None = None) -> ReplayReport:
    """Replay ``(seq, decision)`` pairs read from ``where`` (a log or a store), each
    athlete's in order; ``rulebooks`` (by digest) are those upgrades moved from."""
    ref = rulebook_ref(engine.rulebook)
    known = {engine.rulebook.digest: engine.rulebook, **(rulebooks or {})}
    others: Counter[RulebookRef] = Counter()
    differences = []
    count = 0
    last: dict[str, Decision] = {}
    for seq, decision in records:
        count += 1
        if decision.rulebook.digest != ref.digest:
            others[decision.rulebook] += 1
        athlete = decision.state.athlete_id
        found = _replay(engine, seq, decision, last.get(athlete), known)
        last[athlete] = decision
        if found is not None:
            differences.append(found)
    return ReplayReport(where, ref, engine.backend, count, tuple(differences),
                        tuple(sorted(others.items(), key=lambda kv: kv[0].digest)))


def reproduce_records(records: Iterable[tuple[int, Decision]], where: str,
                      rulebooks: Mapping[str, Rulebook], backend: str) -> ReplayReport:
    """Replay ``(seq, decision)`` pairs read from ``where``, each under the rulebook of
    ``rulebooks`` (by digest) that made it, on ``backend``; a record whose rulebook is not
    among them is a difference."""
    engines: dict[str, Engine] = {}
    made: Counter[RulebookRef] = Counter()
    differences = []
    last: dict[str, Decision] = {}
    for seq, decision in records:
        digest = decision.rulebook.digest
        made[decision.rulebook] += 1
        athlete = decision.state.athlete_id
        if digest not in engines and digest in rulebooks:
            engines[digest] = Engine(rulebooks[digest], backend)
        if digest in engines:
            found = _replay(engines[digest], seq, decision, last.get(athlete), rulebooks)
        else:
            book = decision.rulebook
            found = ReplayDifference(seq, decision, None, (
                f"cannot be replayed: its rulebook, {book.id} {book.version} "
                f"({digest[:12]}), is not at hand",))
        last[athlete] = decision
        if found is not None:
            differences.append(found)
    ranked = sorted(made.items(), key=lambda kv: (-kv[1], kv[0].digest))
    first = ranked[0][0] if ranked else (
        next(iter(rulebooks.values())) if rulebooks else load_rulebook()).ref
    name = next(iter(engines.values())).backend if engines else backend
    return ReplayReport(where, first, name, made.total(), tuple(differences),
                        tuple(sorted(ranked[1:], key=lambda kv: kv[0].digest)), own=True)
