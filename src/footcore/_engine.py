"""The engine: facts in, rules fired, the most conservative action taken, a decision out."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal, Protocol

import attrs

from ._changes import check_fits, override, retarget, upgrade
from ._compiled import CompiledMatcher
from ._conditions import FACT_FIELDS, CompiledRule, Facts, FactType, match_native
from ._enums import Action, Goal, Role
from ._errors import DuplicateCheckIn, InputError
from ._facts import build_facts, record
from ._memo import keep_latest, remember
from ._models import (
    AthleteState,
    CheckIn,
    Decision,
    Firing,
    ParamUse,
    WeekPlan,
)
from ._plan import build_plan, plan_inputs, winning_cues, with_cues
from ._rulebook import Rule, Rulebook
from ._rulebook_loading import load_rulebook
from ._transition import next_state
from ._trusted import trusted
from ._version import __version__
from ._whynot import Gates

__all__ = ["BACKENDS", "INTERPRETER", "Engine"]

BACKENDS = ("auto", "durable", "native")
BackendName = Literal["auto", "durable", "native"]
INTERPRETER = "native-interpreter"
"""A backend name the engine takes but does not list: the native backend on the reference
interpreter (:func:`match_native`) rather than the compiled rulebook, for the tests that
check the two agree. Its decisions say ``native``."""

_FIRING = trusted(Firing)
# The plans of the states an engine made lately: one per athlete served, for over a
# thousand athletes served in turn (bench_speed.py, "evaluate, athletes in turn").
_KNOWN_PLANS = 4096
_MADE_MOST = 256
_DECISION = trusted(Decision)


class _Matcher(Protocol):
    def ordered(self, facts: Facts) -> Sequence[tuple[int, int]]:
        """Every (rule number, fact index) that matched, sorted."""


class _Interpreter:
    """Fires compiled rules through :func:`match_native`, the reference semantics."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._rules = tuple(rules)

    def ordered(self, facts: Facts) -> list[tuple[int, int]]:
        return sorted((m.rule, m.index) for m in match_native(self._rules, facts))


def _make_matcher(rules: Sequence[CompiledRule], backend: str) -> tuple[str, _Matcher]:
    if backend == INTERPRETER:
        return "native", _Interpreter(rules)
    if backend not in BACKENDS:
        raise InputError(f"backend: got {backend!r}; accepted: {', '.join(BACKENDS)}")
    if backend != "durable":
        return "native", CompiledMatcher(rules)
    from ._durable import DurableMatcher

    return "durable", DurableMatcher(rules)


@attrs.frozen(eq=False)
class _Trace:
    """What every firing of one rule shares, worked out once per engine: the fields its
    conditions read (sorted), the parameters it compares against, its precedence; and the
    firings it made lately, handed out again for the same facts (so the JSON writer, which
    remembers objects, writes each once). Rules that read a float are not remembered: 0.0
    and -0.0 are equal, but written apart."""

    rule: Rule
    rank: int
    read: tuple[str, ...]
    params: tuple[ParamUse, ...]
    exact: bool
    made: dict[tuple[object, ...], tuple[Firing]] = attrs.field(factory=dict)

    def firing(self, facts: Facts, index: int, action: Action) -> tuple[Firing]:
        """The firing of this rule on fact ``index`` of its type, under ``action``: alone in
        a tuple, the firings of a decision where it is the only one."""
        rule = self.rule
        fact = facts[rule.fact][index]
        matched = tuple([(name, fact[name]) for name in self.read])
        key = (index, action, matched)
        made = self.made.get(key) if self.exact else None
        if made is None:
            won = rule.action is action
            label = "checkin" if rule.fact is FactType.CHECKIN else (
                f"{rule.fact._value_}[{index}]")
            made = (_FIRING(rule.id, rule.action, rule.source, rule.summary, label, matched,
                            won, None if won else action, self.params),)
            if self.exact:
                remember(self.made, key, made, _MADE_MOST)
        return made


def _traces(rulebook: Rulebook) -> tuple[_Trace, ...]:
    params = rulebook.params
    traces = []
    for rule, program in zip(rulebook.rules, rulebook.compiled, strict=True):
        read = tuple(sorted({test.field for test in program.tests}))
        uses = tuple(dict.fromkeys(
            ParamUse(c.param, params[c.param].value, params[c.param].is_default,
                     params[c.param].unit, c.field, c.op.value)
            for c in rule.when if c.param is not None))
        exact = all(FACT_FIELDS[rule.fact][name].type is not float for name in read)
        traces.append(_Trace(rule, rulebook.rank(rule.action), read, uses, exact))
    return tuple(traces)


class Engine:
    """Evaluates check-ins against one rulebook.

    Args:
        rulebook: a loaded rulebook; ``None`` loads the one shipped with footcore.
        backend: ``"native"`` (the rulebook compiled to Python), ``"auto"`` (the default:
            native, everywhere) or ``"durable"`` (durable_rules' Rete engine, with the
            ``footcore[durable]`` extra on CPython 3.11 and 3.12). Both fire the same rules.

    An engine holds no per-athlete data: one engine can serve every athlete, from
    several threads at once.
    """

    def __init__(self, rulebook: Rulebook | None = None,
                 backend: BackendName | str = "auto") -> None:
        if rulebook is not None and not isinstance(rulebook, Rulebook):
            raise InputError(f"rulebook: got {type(rulebook).__name__}; accepted: a Rulebook "
                             f"(load one with footcore.load_rulebook(path)) or None")
        self.rulebook = rulebook if rulebook is not None else load_rulebook()
        self._requested = backend
        self.backend, self._matcher = _make_matcher(self.rulebook.compiled, backend)
        self._ref = self.rulebook.ref
        self._gates = Gates(self.rulebook)
        self._traces = _traces(self.rulebook)
        # The plans this engine made lately, by what they were built from (plan_inputs):
        # a check-in's prior plan is usually the plan of the state the athlete's last
        # decision made, whether that state is the object it made or one read back from JSON.
        self._plans: OrderedDict[tuple[object, ...], WeekPlan] = OrderedDict()

    def __repr__(self) -> str:
        return f"Engine({self.rulebook!r}, backend={self.backend!r})"

    def __getstate__(self) -> dict[str, object]:
        return {"rulebook": self.rulebook, "backend": self._requested}

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
        rulebook = self.rulebook
        counted = record(rulebook, state, checkin)
        inputs = plan_inputs(state)
        prior_plan = self._plan(inputs, state)
        facts = build_facts(rulebook, state, checkin, counted)
        matches = self._matcher.ordered(facts)
        traces = self._traces
        if len(matches) == 1:  # the commonest case, without the general one's lists
            ((rule, index),) = matches
            trace = traces[rule]
            action = trace.rule.action
            firings: tuple[Firing, ...] = trace.firing(facts, index, action)
            fired = {trace.rule.id}
            cues = [trace.rule.cue] if trace.rule.cue else []
        elif matches:
            found = [traces[rule] for rule, _ in matches]
            action = rulebook.meta.precedence[min([trace.rank for trace in found])]
            firings = tuple([trace.firing(facts, index, action)[0]
                             for trace, (_, index) in zip(found, matches, strict=True)])
            fired = {firing.rule_id for firing in firings}
            cues = winning_cues([trace.rule for trace in found], action)
        else:
            action, firings, fired, cues = rulebook.meta.default_action, (), set(), []
        new = next_state(rulebook, state, checkin, counted, action)
        new_inputs = plan_inputs(new)
        own = prior_plan if new_inputs == inputs else self._plan(new_inputs, new)
        plan = with_cues(own, cues) if cues else own
        return _DECISION(action, new, plan, firings, state, prior_plan, checkin, self._ref,
                         self.backend, __version__,
                         self._gates.why_not(facts[FactType.CHECKIN][0], fired), None)

    def _plan(self, inputs: tuple[object, ...], state: AthleteState) -> WeekPlan:
        """The plan of ``state``, whose :func:`plan_inputs` are ``inputs``: remembered."""
        plan = self._plans.get(inputs)
        if plan is None:
            plan = keep_latest(self._plans, inputs, build_plan(self.rulebook, state),
                               _KNOWN_PLANS)
        return plan

    def change_goal(self, state: AthleteState, goal: Goal | str, *, on: date,
                    by: str | None = None, role: Role | str | None = None,
                    reason: str | None = None, comment: str | None = None) -> Decision:
        """The athlete trains for ``goal`` from ``on`` (P12: the plan adapts to changing
        demands): a ``RETARGET`` decision whose state has the new goal at the same rung and
        dose, and whose plan is the new goal's sessions there. ``by``, ``role``, ``reason``
        (a code of ``REASONS[ChangeKind.GOAL]``) and ``comment`` say who changed it and why.

        The days at the dose count again from ``on`` (``last_change_on``): a rise waits
        for ``min_days_per_step`` on the new work. Everything else carries over: the
        record of sessions and symptoms, a back-off window, a pause (a paused athlete may
        change goal and stays paused, their plan empty until a clinician clears them).
        Pure, as :meth:`evaluate` is.

        Raises:
            InputError: ``goal`` is not a goal or is the athlete's goal already; ``on`` is
                before the athlete's start, last check-in or last change, or after the last
                day a state holds (9000-12-31); the state does not fit this rulebook.
        """
        return retarget(self.rulebook, self._ref, self.backend, state, goal, on=on, by=by,
                        role=role, reason=reason, comment=comment)

    def override(self, state: AthleteState, *, on: date, by: str, role: Role | str,
                 reason: str, action: Action | str | None = None,
                 clearance: bool | None = None, comment: str | None = None,
                 after: Decision | None = None) -> Decision:
        """A coach or clinician sets the athlete's action on ``on`` in place of the rules'
        (CDS Hooks calls it overriding a suggestion): a decision of that action, applied as
        the rules would apply it, whose one firing (``override``) names who, why (a code of
        ``REASONS[ChangeKind.OVERRIDE]``) and what the rules had decided in ``after`` (the
        athlete's last decision, when given). The days at the dose count again from ``on``.

        A clinician's ``clearance=True`` clears the athlete (P10); on a paused athlete,
        with no action, it resumes training as the rules' own resume does (a deload).
        ``clearance=False`` withdraws it. Pure, as :meth:`evaluate` is.

        Raises:
            InputError: ``role`` is not coach or clinician, ``reason`` is not a code of
                the list, no action or clearance is given, or ``on`` is out of order.
            Conflict: the override would be unsafe: anything but a pause for a paused
                athlete, unless a clinician clears them (``override-unsafe``); a clearance
                by anyone but a clinician (``clearance-needs-clinician``); a rise on the day
                the rules answered with a back-off or ease (``override-conflict``, naming
                the rules).
        """
        return override(self.rulebook, self._ref, self.backend, state, on=on, by=by,
                        role=role, action=action, clearance=clearance, reason=reason,
                        comment=comment, after=after)

    def upgrade(self, state: AthleteState, old: Rulebook, *, on: date,
                mapping: Mapping[str, str] | None = None, by: str | None = None,
                role: Role | str | None = None, reason: str | None = None,
                comment: str | None = None) -> Decision:
        """The athlete moves from rulebook ``old`` (the one their state was made under) to
        this engine's: an ``UPGRADE`` decision at the same stage id, or ``mapping[stage]``
        where the ids changed, and the same dose step (the new stage's last, if it has
        fewer). The plan before is ``old``'s, the plan after this rulebook's. Pure.

        Raises:
            InputError: the athlete's stage has no place in this rulebook
                (``stage-unmapped``); ``old`` is not the state's rulebook
                (``rulebook-mismatch``); ``on`` is out of order.
        """
        return upgrade(self.rulebook, self._ref, self.backend, state, old, on=on,
                       mapping=mapping, by=by, role=role, reason=reason, comment=comment)

    def _check_state(self, state: AthleteState) -> None:
        check_fits(self.rulebook, state)

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
        if state.last_change_on is not None and checkin.on < state.last_change_on:
            raise InputError(f"CheckIn.on: got {checkin.on}; accepted: on or after the last "
                             f"change of the plan, {state.last_change_on} (a change "
                             f"of the plan on that day comes before this check-in)")
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

