"""The engine: facts in, rules fired, the most conservative action taken, a decision out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal, Protocol

import attrs

from ._conditions import CompiledRule, Facts, FactType, Match, match_native
from ._enums import Action, Goal
from ._errors import DuplicateCheckIn, EngineError, InputError
from ._facts import build_facts, record
from ._models import (
    AthleteState,
    CheckIn,
    Decision,
    Firing,
    ParamUse,
    WeekPlan,
)
from ._plan import build_plan
from ._rulebook import Rulebook, load_rulebook
from ._transition import next_state
from ._version import __version__
from ._whynot import Gates

__all__ = ["BACKENDS", "Engine"]

BACKENDS = ("auto", "durable", "native")
BackendName = Literal["auto", "durable", "native"]


class _Matcher(Protocol):
    def match(self, facts: Facts) -> frozenset[Match]: ...


class _NativeMatcher:
    """Fires compiled rules in plain Python."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._rules = tuple(rules)

    def match(self, facts: Facts) -> frozenset[Match]:
        return match_native(self._rules, facts)


def _make_matcher(rules: Sequence[CompiledRule], backend: str) -> tuple[str, _Matcher]:
    if backend not in BACKENDS:
        raise InputError(f"backend: got {backend!r}; accepted: {', '.join(BACKENDS)}")
    if backend == "native":
        return "native", _NativeMatcher(rules)
    from ._durable import DurableMatcher, durable_available

    if durable_available():
        return "durable", DurableMatcher(rules)
    if backend == "durable":
        raise EngineError("backend 'durable' needs durable-rules, which does not import here "
                          "(it supports CPython 3.11 and 3.12); use backend='native' or 'auto'")
    return "native", _NativeMatcher(rules)


class Engine:
    """Evaluates check-ins against one rulebook.

    Args:
        rulebook: a loaded rulebook; ``None`` loads the one shipped with footcore.
        backend: ``"durable"`` (durable_rules' Rete engine), ``"native"`` (plain Python) or
            ``"auto"`` (durable where it imports, else native). Both fire the same rules.

    An engine holds no per-athlete data: one engine can serve every athlete, from
    several threads at once.
    """

    def __init__(self, rulebook: Rulebook | None = None,
                 backend: BackendName | str = "auto") -> None:
        if rulebook is not None and not isinstance(rulebook, Rulebook):
            raise InputError(f"rulebook: got {type(rulebook).__name__}; accepted: a Rulebook "
                             f"(load one with footcore.load_rulebook(path)) or None")
        self.rulebook = rulebook if rulebook is not None else load_rulebook()
        self.backend, self._matcher = _make_matcher(self.rulebook.compiled, backend)
        self._ref = self.rulebook.ref
        self._gates = Gates(self.rulebook)
        params = self.rulebook.params
        self._params = {
            rule.id: tuple(dict.fromkeys(
                ParamUse(c.param, params[c.param].value, params[c.param].is_default,
                         params[c.param].unit, c.field, c.op.value)
                for c in rule.when if c.param is not None))
            for rule in self.rulebook.rules
        }

    def __repr__(self) -> str:
        return f"Engine({self.rulebook!r}, backend={self.backend!r})"

    def __getstate__(self) -> dict[str, object]:
        return {"rulebook": self.rulebook, "backend": self.backend}

    def __setstate__(self, data: dict[str, object]) -> None:
        self.__init__(data["rulebook"], data["backend"])  # type: ignore[misc]

    def new_athlete(self, athlete_id: str, *, goal: Goal, start: date,
                    prior_foot_ankle_problems: bool = False,
                    clinician_cleared: bool = False) -> AthleteState:
        """The state of an athlete who starts on the first rung on ``start``."""
        return AthleteState(
            athlete_id=athlete_id, goal=goal, stage=self.rulebook.stages[0].id,
            dose_level=0, started_on=start, rulebook_digest=self.rulebook.digest,
            prior_foot_ankle_problems=prior_foot_ankle_problems,
            clinician_cleared=clinician_cleared,
        )

    def plan(self, state: AthleteState) -> WeekPlan:
        """The week's plan for ``state`` as it stands."""
        self._check_state(state)
        return build_plan(self.rulebook, state)

    def evaluate(self, state: AthleteState, checkin: CheckIn) -> Decision:
        """Decide what the athlete does next after ``checkin``.

        Pure: reads no clock, file or global; the same inputs give the same decision.

        Raises:
            DuplicateCheckIn: the check-in's ``id`` is one the state already holds (a
                retry): answer it with the decision stored for it.
            InputError: the state does not fit this rulebook, or the check-in is older
                than the last one or than the athlete's start.
            EngineError: the backend failed.
        """
        self._check_state(state)
        self._check_checkin(state, checkin)
        counted = record(self.rulebook, state, checkin)
        prior_plan = build_plan(self.rulebook, state)
        facts = build_facts(self.rulebook, state, checkin, counted, prior_plan)
        matches = sorted(self._matcher.match(facts))
        firings = self._firings(matches, facts)
        action = min((f.action for f in firings), key=self.rulebook.rank,
                     default=self.rulebook.meta.default_action)
        firings = tuple(
            f if f.action is action else _overridden(f, action) for f in firings
        )
        new = next_state(self.rulebook, state, checkin, counted, action)
        fired = {f.rule_id for f in firings}
        cues = [rule.cue for rule in self.rulebook.rules if rule.cue and rule.id in fired]
        return Decision(
            action=action, state=new, plan=build_plan(self.rulebook, new, cues),
            firings=firings, prior_state=state, prior_plan=prior_plan,
            checkin=checkin, rulebook=self._ref,
            backend=self.backend, footcore_version=__version__,
            why_not=self._gates.why_not(facts[FactType.CHECKIN][0], fired),
        )

    def _firings(self, matches: Sequence[Match], facts: Facts) -> tuple[Firing, ...]:
        rules, compiled = self.rulebook.rules, self.rulebook.compiled
        out = []
        for m in matches:
            rule, program = rules[m.rule], compiled[m.rule]
            fact = facts[program.fact][m.index]
            read = dict.fromkeys(test.field for test in program.tests)
            label = str(program.fact) if program.fact.value == "checkin" else (
                f"{program.fact}[{m.index}]")
            out.append(Firing(
                rule_id=rule.id, action=rule.action, source=rule.source,
                summary=rule.summary, fact=label,
                matched=tuple(sorted((name, fact[name]) for name in read)), won=True,
                params=self._params[rule.id],
            ))
        return tuple(out)

    def _check_state(self, state: AthleteState) -> None:
        if not isinstance(state, AthleteState):
            raise InputError(f"state: got {type(state).__name__}; accepted: an AthleteState")
        ids = [stage.id for stage in self.rulebook.stages]
        if state.stage not in ids:
            raise InputError(f"AthleteState.stage: got {state.stage!r}; accepted: one of "
                             f"{', '.join(ids)} (rulebook {self.rulebook.id})")
        steps = len(self.rulebook.stage(state.stage).steps)
        if state.dose_level >= steps:
            raise InputError(f"AthleteState.dose_level: got {state.dose_level}; accepted: 0 to "
                             f"{steps - 1} for stage {state.stage!r}")

    def _check_checkin(self, state: AthleteState, checkin: CheckIn) -> None:
        if not isinstance(checkin, CheckIn):
            raise InputError(f"checkin: got {type(checkin).__name__}; accepted: a CheckIn")
        if checkin.id is not None:
            for seen in state.recent_checkins:
                if seen.id == checkin.id:
                    raise DuplicateCheckIn(checkin.id, state.athlete_id, seen.on.isoformat())
        if checkin.on < state.started_on:
            raise InputError(f"CheckIn.on: got {checkin.on}; accepted: on or after the "
                             f"athlete's start, {state.started_on}")
        if state.last_checkin_on is not None and checkin.on < state.last_checkin_on:
            raise InputError(f"CheckIn.on: got {checkin.on}; accepted: on or after the last "
                             f"check-in, {state.last_checkin_on} (check-ins come in date order)")
        for number, comp in enumerate(checkin.compensations):
            if comp.exercise is not None and comp.exercise not in self.rulebook.exercises:
                week = build_plan(self.rulebook, state)
                ids = dict.fromkeys(item.exercise for session in week.sessions
                                    for item in session.items)
                ids.update(dict.fromkeys(item.exercise for item in week.habits))
                raise InputError(
                    f"CheckIn.compensations[{number}].exercise: got {comp.exercise!r}; "
                    f"accepted: the id of an exercise in the plan (this week: "
                    f"{', '.join(ids) or 'none, training is paused'}), or null when it was "
                    f"not seen in a particular exercise")


def _overridden(firing: Firing, winner: Action) -> Firing:
    return attrs.evolve(firing, won=False, overridden_by=winner)
