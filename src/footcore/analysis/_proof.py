"""What :func:`~footcore.analysis.prove` returns: a report of one result per invariant
(proved, a counterexample, or unknown and why), and a counterexample replayed through the
engine, in words and as JSON-ready data.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from .._convert import CONVERTER
from .._enums import BackOff
from .._models import AthleteState, CheckIn, Decision
from ._violations import InvariantViolation

__all__ = ["Counterexample", "ProofReport", "ProofResult", "Status"]

Status = Literal["proved", "counterexample", "unknown"]


@attrs.frozen
class Counterexample:
    """A smallest input that breaks an invariant, replayed through the engine.

    Attributes:
        state, checkin: the input (``engine.evaluate(state, checkin)`` replays it); for a
            change (an override, a change of goal), ``checkin`` is None and
            ``decision.change`` says what was asked of the engine.
        decision: the engine's decision on it.
        violation: the kit's :class:`InvariantViolation` for it (what went wrong, the rules
            responsible, the inputs as JSON).
        facts: how many symptoms and compensations it reports.
    """

    state: AthleteState
    checkin: CheckIn | None
    decision: Decision
    violation: InvariantViolation
    facts: int

    def words(self) -> str:
        """The counterexample in plain words: what went wrong, the athlete and the
        check-in (or the change)."""
        asked = (f"Check-in: {_checkin_words(self.checkin)}" if self.checkin is not None
                 else f"Change: {_change_words(self.decision)}")
        return (f"{self.violation.problem}. Athlete: {_state_words(self.state)}. {asked}. "
                f"Decision: {self.decision.action.value} "
                f"(rules: {', '.join(self.violation.rules) or 'none fired'}).")

    def to_data(self) -> dict[str, Any]:
        """The counterexample as JSON-ready data: the invariant, the problem, the rules
        responsible, the action, and the state and check-in to replay (with the change,
        for a change)."""
        data = {"invariant": self.violation.invariant, "problem": self.violation.problem,
                "rules": list(self.violation.rules), "action": self.decision.action.value,
                "state": CONVERTER.unstructure(self.state),
                "checkin": CONVERTER.unstructure(self.checkin)}
        if self.decision.change is not None:
            data["change"] = CONVERTER.unstructure(self.decision.change)
        return data


@attrs.frozen
class ProofResult:
    """What :func:`prove` decided for one invariant.

    ``status`` is ``"proved"`` (it holds for every input of the model),
    ``"counterexample"`` (``counterexample`` breaks it) or ``"unknown"`` (the budget ran
    out, or a counterexample did not replay; ``reason`` says which).
    """

    invariant: str
    status: Status
    counterexample: Counterexample | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.counterexample is not None:
            return f"{self.invariant}: counterexample: {self.counterexample.words()}"
        return f"{self.invariant}: {self.status}" + (f" ({self.reason})" if self.reason
                                                     else "")


@attrs.frozen
class ProofReport:
    """What :func:`prove` decided for a rulebook.

    Attributes:
        rulebook: the rulebook's id, version and digest.
        reachable: whether inputs were held to the reachability constraints.
        results: one :class:`ProofResult` per invariant, by name.
        steps: the work done, in the units of ``budget``.
        seconds: how long it took.
    """

    rulebook: str
    reachable: bool
    results: Mapping[str, ProofResult]
    steps: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Every invariant proved."""
        return all(r.status == "proved" for r in self.results.values())

    @property
    def counterexamples(self) -> tuple[Counterexample, ...]:
        """The counterexamples found, in the order of the invariants."""
        return tuple(r.counterexample for r in self.results.values()
                     if r.counterexample is not None)

    def raise_for_violation(self) -> None:
        """Raise the first counterexample's :class:`InvariantViolation`, if there is one
        (an "unknown" result raises nothing: it is not a violation)."""
        for example in self.counterexamples:
            raise example.violation

    def __str__(self) -> str:
        counts = {s: sum(r.status == s for r in self.results.values())
                  for s in ("proved", "counterexample", "unknown")}
        space = "reachable inputs" if self.reachable else "every valid input"
        lines = [f"{self.rulebook}: {counts['proved']} proved, {counts['counterexample']} "
                 f"with a counterexample, {counts['unknown']} unknown, over {space} "
                 f"({self.steps} steps, {self.seconds:.2f} s)"]
        lines += [f"  {r}" for r in self.results.values()]
        return "\n".join(lines)


def _state_words(s: AthleteState) -> str:
    parts = [f"{s.goal.value}, stage {s.stage} at dose step {s.dose_level}"]
    if s.prior_foot_ankle_problems:
        parts.append("a foot or ankle history" + (", cleared" if s.clinician_cleared
                                                  else ", not cleared"))
    if s.paused:
        parts.append("paused")
    if s.backoff is not BackOff.NONE:
        parts.append(f"{s.backoff.value} until {s.backoff_until}")
    if s.last_checkin_on is None:
        parts.append(f"new since {s.started_on}")
    else:
        parts.append(f"last check-in {s.last_checkin_on}, last session "
                     f"{s.last_session_on or 'none'}, {len(s.recent_sessions)} recent "
                     f"session(s), {s.consecutive_completed} done and "
                     f"{s.consecutive_missed} missed in a row, clean streak {s.clean_streak}")
    return "; ".join(parts)


def _change_words(d: Decision) -> str:
    change = d.change
    assert change is not None  # a decision answering no check-in has one
    who = f" by {change.by} ({change.role.value})" if change.by and change.role else ""
    return f"{change.kind.value} on {change.on}{who}" + (
        f", {change.reason}" if change.reason else "")


def _checkin_words(c: CheckIn) -> str:
    parts = [f"{c.on}, session {'done' if c.completed else 'missed'}"]
    parts += [f"{s.kind.value} at {s.location.value} (severity {s.severity}, {s.days} day(s))"
              for s in c.symptoms]
    parts += [f"{x.kind.value} in {x.exercise or 'an exercise not named'}"
              for x in c.compensations]
    measured = {k: v for k, v in attrs.asdict(c.metrics).items() if v is not None}
    if measured:
        parts.append(", ".join(f"{k} {v:g}" for k, v in measured.items()))
    if c.clinician_cleared:
        parts.append("clinician clearance")
    return "; ".join(parts)
