"""One athlete's whole history replayed under two rulebooks, side by side.

Both replays start from the same state and take the same check-ins, and the same goal
changes and overrides among them; each decision's new state is the next one's input under
that rulebook, so a change propagates down the history as it would have for the athlete.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date

import attrs

from .._compare import decision_changes, same_outcome
from .._engine import Engine
from .._enums import Action
from .._errors import InputError
from .._models import AthleteState, CheckIn, Decision
from .._replay import redo
from .._simulate import is_back_off
from ._histories import HistoryChange

__all__ = ["AthleteImpact", "Divergence", "Outcome", "Refusal", "replay_athlete"]

Step = Decision | str  # a decision, or why the rulebook refused the check-in


@attrs.frozen
class Refusal:
    """A check-in, or a goal change or override, a rulebook (``"old"`` or ``"new"``)
    refused, with its error; that rulebook's replay went on from the state before it.
    ``index`` counts check-ins from 0 (a change's is that of the check-in after it)."""

    index: int
    on: date
    rulebook: str
    error: str


@attrs.frozen
class Divergence:
    """The first check-in whose decision differs: the actions and winning rules before
    (old rulebook) and after (new); an action is ``None`` where that rulebook refused it."""

    index: int
    on: date
    action_before: Action | None
    action_after: Action | None
    rules_before: tuple[str, ...]
    rules_after: tuple[str, ...]
    changes: tuple[str, ...]


@attrs.frozen
class Outcome:
    """One rulebook's replay of an athlete: the days from the athlete's start to first
    reaching each rung above the one they began on, the back-offs and pauses begun, by
    action, where they ended, and how many check-ins it refused."""

    days_to_rung: tuple[tuple[str, int], ...]
    back_offs: tuple[tuple[str, int], ...]
    final_stage: str
    final_dose: int
    refused: int


@attrs.frozen
class AthleteImpact:
    """What the new rulebook does to one athlete's history: how many of its ``decisions``
    changed, the first divergence, and each rulebook's :class:`Outcome`."""

    athlete_id: str
    origin: str
    decisions: int
    changed: int
    first_divergence: Divergence | None
    before: Outcome
    after: Outcome
    refusals: tuple[Refusal, ...]

    def days_shift(self) -> dict[str, int]:
        """Per rung reached under both rulebooks: days to reach it after minus before
        (negative: sooner)."""
        before, after = dict(self.before.days_to_rung), dict(self.after.days_to_rung)
        return {stage: after[stage] - days for stage, days in before.items() if stage in after}


class _Track:
    """One rulebook's replay in progress."""

    def __init__(self, engine: Engine, state: AthleteState, label: str) -> None:
        self.engine, self.state, self.label = engine, state, label
        self.order = {stage.id: stage.order for stage in engine.rulebook.stages}
        self.start = self.order.get(state.stage, len(self.order))
        self.rungs: dict[str, int] = {}
        self.back_offs: Counter[str] = Counter()
        self.refusals: list[Refusal] = []
        self.last: Decision | None = None

    def step(self, index: int, checkin: CheckIn) -> Step:
        try:
            decision = self.engine.evaluate(self.state, checkin)
        except InputError as exc:
            self.refusals.append(Refusal(index, checkin.on, self.label, str(exc)))
            return str(exc)
        self._took(decision)
        return decision

    def change(self, made: HistoryChange) -> None:
        """Make the goal change or override ``made`` again from this replay's state."""
        try:
            decision = redo(self.engine, self.state, made.change,
                            goal=made.goal or self.state.goal, action=made.action,
                            clearance=made.clearance, after=self.last)
        except InputError as exc:
            self.refusals.append(Refusal(made.at, made.change.on, self.label, str(exc)))
            return
        self._took(decision)

    def _took(self, decision: Decision) -> None:
        self.state = new = decision.state
        self.last = decision
        if new.stage not in self.rungs and self.order[new.stage] > self.start:
            self.rungs[new.stage] = (decision.on - new.started_on).days
        if is_back_off(decision) or decision.action is Action.EASE:  # an ease: a lighter week
            self.back_offs[decision.action.value] += 1

    def outcome(self) -> Outcome:
        return Outcome(tuple(self.rungs.items()), tuple(sorted(self.back_offs.items())),
                       self.state.stage, self.state.dose_level, len(self.refusals))


def _winners(step: Step) -> tuple[str, ...]:
    return tuple(f.rule_id for f in step.winners) if isinstance(step, Decision) else ()


def _action(step: Step) -> Action | None:
    return step.action if isinstance(step, Decision) else None


def describe(before: Step, after: Step) -> tuple[str, ...]:
    """What differs between two steps on one check-in, in words."""
    if isinstance(before, Decision) and isinstance(after, Decision):
        return decision_changes(before, after)
    return tuple(f"refused by the {label} rulebook: {step}"
                 for label, step in (("old", before), ("new", after)) if isinstance(step, str))


def _changed(before: Step, after: Step) -> bool:
    if isinstance(before, Decision) and isinstance(after, Decision):
        return not same_outcome(before, after)
    return isinstance(before, Decision) or isinstance(after, Decision)


Note = Callable[[int, CheckIn, Step, Step], None]


def _moved(old: Engine, new: Engine, state: AthleteState,
           mapping: Mapping[str, str] | None) -> AthleteState:
    """Where the new rulebook's replay starts: ``state`` moved as an upgrade with
    ``mapping`` moves it when its stage is mapped (and can be), else ``state``."""
    if not mapping or state.stage not in mapping:
        return state
    day = max(d for d in (state.started_on, state.last_checkin_on, state.last_change_on)
              if d is not None)
    ours = attrs.evolve(state, rulebook_digest=old.rulebook.digest)
    try:
        return new.upgrade(ours, old.rulebook, on=day, mapping=mapping).state
    except InputError:
        return state  # the new rulebook refuses its check-ins, which the report counts


def replay_athlete(old: Engine, new: Engine, state: AthleteState,
                   checkins: tuple[CheckIn, ...], origin: str = "",
                   note: Note | None = None, changes: tuple[HistoryChange, ...] = (),
                   mapping: Mapping[str, str] | None = None) -> AthleteImpact:
    """Replay ``checkins`` from ``state``, with ``changes`` among them, under both engines'
    rulebooks and compare them decision by decision (a check-in's); ``note(index, checkin,
    before, after)`` hears of each changed one. The new rulebook's replay starts from
    ``state`` moved by ``mapping`` (old stage id -> new) where its stage is mapped.

    Raises:
        EngineError: a backend failed.
    """
    tracks = (_Track(old, state, "old"),
              _Track(new, _moved(old, new, state, mapping), "new"))
    pending = list(reversed(changes))

    def change_until(index: int) -> None:
        while pending and pending[-1].at <= index:
            made = pending.pop()
            for track in tracks:
                track.change(made)

    changed = 0
    first: Divergence | None = None
    for index, checkin in enumerate(checkins):
        change_until(index)
        before, after = (track.step(index, checkin) for track in tracks)
        if not _changed(before, after):
            continue
        changed += 1
        if first is None:
            first = Divergence(index, checkin.on, _action(before), _action(after),
                               _winners(before), _winners(after), describe(before, after))
        if note is not None:
            note(index, checkin, before, after)
    change_until(len(checkins))
    return AthleteImpact(
        athlete_id=state.athlete_id, origin=origin, decisions=len(checkins), changed=changed,
        first_divergence=first, before=tracks[0].outcome(), after=tracks[1].outcome(),
        refusals=tuple(tracks[0].refusals + tracks[1].refusals))
