"""A Hypothesis state machine that plays one athlete through long runs of check-ins, with
the changes the rules do not make among them: overrides, changes of goal, upgrades.

Requires hypothesis (``pip install footcore[testing]``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from .._engine import Engine
from .._enums import RULE_ACTIONS, Goal, SymptomKind
from .._errors import Conflict, DuplicateCheckIn, InputError
from .._models import AthleteState, CheckIn, Compensation, Decision, Symptom
from .._rulebook import Rulebook
from .._rulebook_loading import load_rulebook
from ..analysis._engine_checks import other_backend
from ..analysis._invariants import (
    check_change_goal,
    check_invariants,
    check_override,
    check_upgrade,
    select,
)
from ..analysis._reachable import check_reachable
from ..analysis._spec import PAIN_KINDS, param_or
from ..analysis._violations import InvariantViolation
from ._change_strategies import overrides
from ._liveness import check_liveness
from ._mutants import derive
from ._strategies import (
    EPOCH,
    checkins,
    compensations,
    edge_symptoms,
    mild_checkins,
    pain_symptoms,
)

__all__ = ["AthleteMachine", "athlete_machine"]

_GAP = st.integers(1, 3)


@attrs.frozen
class Book:
    """A rulebook the machine's athlete may be moved to: its engine, the rulebook its
    checks read (the spec), and the id each stage of the first book has in it."""

    engine: Engine
    spec: Rulebook
    names: Mapping[str, str]

    def __repr__(self) -> str:
        return f"Book({self.engine.rulebook.location!r})"


def twins(engine: Engine, spec: Rulebook) -> tuple[Book, ...]:
    """The books an athlete plays on: ``engine``'s own, the same with every other stage
    renamed (an upgrade needs a mapping), and, where the rulebook and the spec have it
    alike, the same with ``min_days_per_step`` a day longer (a new release). Each twin's
    spec is ``spec`` changed alike."""
    book, kind = engine.rulebook, type(engine)  # an engine of the same class on each
    same = {s.id: s.id for s in book.stages}
    found = [Book(engine, spec, same)]

    def twin(names: Mapping[str, str], label: str, **change: Any) -> None:
        made = derive(book, label=label, **change)
        found.append(Book(kind(made, backend=engine.backend), made if spec is book else
                          derive(spec, label=label, **change), {**same, **names}))

    renamed = {s.id: f"{s.id}-2" for s in book.stages[::2]}
    if all(stage in {s.id for s in spec.stages} for stage in renamed):
        twin(renamed, "stages renamed", rename=renamed)
    param = "min_days_per_step"
    if param in book.params and param in spec.params and book.number(param) == spec.number(
            param):
        twin({}, "a day longer", params={param: book.number(param) + 1})
    return tuple(found)


class AthleteMachine(RuleBasedStateMachine):
    """Base class of the machines :func:`athlete_machine` makes (one per rulebook).

    ``stats`` counts, over every run of the class: ``runs`` (athletes played), ``steps``
    (check-ins evaluated), ``liveness`` (clean records played to the top), the actions
    decided, ``overrides`` made and ``refused`` (by the Conflict the invariants name), and
    ``unmapped`` upgrades refused.

    Requires hypothesis.
    """

    engine: ClassVar[Engine]
    spec: ClassVar[Rulebook]
    only: ClassVar[Collection[str] | None]
    skip: ClassVar[Collection[str]]
    other: ClassVar[Engine | None]
    start: ClassVar[date]
    liveness: ClassVar[bool]
    stats: ClassVar[Counter[str]]
    books: ClassVar[tuple[Book, ...]]

    def __init__(self) -> None:
        super().__init__()
        self.athlete: AthleteState | None = None
        self.day = self.start
        self.played_clean = False
        self.last: CheckIn | None = None
        self.decision: Decision | None = None  # the athlete's last decision, of any kind
        self.book = self.books[0]  # the rulebook the athlete is on
        type(self).stats["runs"] += 1

    @initialize(goal=st.sampled_from(Goal), history=st.booleans())
    def sign_up(self, goal: Goal, history: bool) -> None:
        self.athlete = self.engine.new_athlete("machine", goal=goal, start=self.start,
                                               prior_foot_ankle_problems=history)

    def _check_in(self, checkin: CheckIn) -> None:
        assert self.athlete is not None
        stats = type(self).stats
        stats["steps"] += 1
        checkin = attrs.evolve(checkin, id=f"check-in-{stats['steps']}")
        book = self.book
        decision = check_invariants(book.engine, self.athlete, checkin, rulebook=book.spec,
                                    only=self.only, skip=self.skip,
                                    other=self.other if book is self.books[0] else None)
        self.last = checkin
        self._decided(decision)

    def _decided(self, decision: Decision) -> None:
        self.athlete, self.day, self.decision = decision.state, decision.on, decision
        type(self).stats[decision.action.value] += 1

    def _on(self, gap: int) -> date:
        return self.day + timedelta(days=gap)

    @rule(weeks=st.integers(1, 4), sessions=st.data())
    def good_weeks(self, weeks: int, sessions: st.DataObject) -> None:
        """One to four weeks of every planned session done (Mon, Wed, Fri), with mild or no
        symptoms; back from a pause with the clinician's clearance first."""
        assert self.athlete is not None
        for number, gap in enumerate((2, 2, 3) * weeks):
            checkin = sessions.draw(self.mild)
            if number == 0 and self.athlete.paused:
                checkin = attrs.evolve(checkin, clinician_cleared=True)
            self._check_in(attrs.evolve(checkin, on=self._on(gap)))

    @rule(gap=st.integers(1, 4))
    def missed_session(self, gap: int) -> None:
        self._check_in(CheckIn(on=self._on(gap), completed=False))

    @rule(days=st.integers(3, 35))
    def time_off(self, days: int) -> None:
        """Days without a check-in at all: a missed week, a holiday, a long layoff."""
        self.day = self._on(days)

    @rule(gap=_GAP, symptom=st.data())
    def session_with_a_symptom(self, gap: int, symptom: st.DataObject) -> None:
        """A session with a symptom (not sharp or persistent pain) at the thresholds."""
        drawn: Symptom = symptom.draw(self.edgy)
        self._check_in(CheckIn(on=self._on(gap), completed=True, minutes=18,
                               symptoms=(drawn,)))

    @rule(gap=_GAP, completed=st.booleans(), pain=pain_symptoms())
    def painful_session(self, gap: int, completed: bool, pain: Symptom) -> None:
        self._check_in(CheckIn(on=self._on(gap), completed=completed,
                               minutes=12 if completed else 0, symptoms=(pain,)))

    @rule(gap=_GAP, compensation=st.data())
    def session_with_a_compensation(self, gap: int, compensation: st.DataObject) -> None:
        drawn: Compensation = compensation.draw(self.faults)
        self._check_in(CheckIn(on=self._on(gap), completed=True, minutes=18,
                               compensations=(drawn,)))

    @rule(gap=_GAP, completed=st.booleans(),
          pain=st.one_of(st.none(), st.none(), st.none(), pain_symptoms()))
    def clearance(self, gap: int, completed: bool, pain: Symptom | None) -> None:
        """A check-in bringing clinician clearance, sometimes with pain all the same."""
        self._check_in(CheckIn(on=self._on(gap), completed=completed,
                               minutes=18 if completed else 0,
                               symptoms=(pain,) if pain else (), clinician_cleared=True))

    @precondition(lambda self: param_or(self.spec, "session_counts_min_minutes", 0) > 1)
    @rule(gap=_GAP, minutes=st.data())
    def short_session(self, gap: int, minutes: st.DataObject) -> None:
        """A done session under session_counts_min_minutes (P2, P6): no session and no miss;
        the counts and the last session date stay as they were."""
        assert self.athlete is not None
        before = self.athlete
        least = int(param_or(self.spec, "session_counts_min_minutes", 0))
        drawn = minutes.draw(st.integers(1, least - 1))
        self._check_in(CheckIn(on=self._on(gap), completed=True, minutes=drawn))
        after = self.athlete
        kept = (after.last_session_on, after.consecutive_completed, after.consecutive_missed)
        if kept != (before.last_session_on, before.consecutive_completed,
                    before.consecutive_missed) or not set(after.recent_sessions) <= set(
                        before.recent_sessions):
            raise InvariantViolation("short-session-counts-nothing",
                                     f"a {drawn}-minute session changed the record: "
                                     f"last session, done, missed {kept}",
                                     state=before, checkin=self.last)

    @precondition(lambda self: self.last is not None)
    @rule()
    def retried_check_in(self) -> None:
        """The app sends the last check-in again (a retried request): it is refused by id,
        and the athlete's record is left as it was."""
        assert self.athlete is not None and self.last is not None
        try:
            self.book.engine.evaluate(self.athlete, self.last)
        except DuplicateCheckIn as refused:
            assert refused.id == self.last.id
        else:
            raise InvariantViolation("check-in-counts-once",
                                     f"check-in {self.last.id!r} was counted twice",
                                     state=self.athlete, checkin=self.last)

    @precondition(lambda self: self.last is not None and self.athlete is not None
                  and self.athlete.last_session_on == self.day)
    @rule(checkin=st.data())
    def second_report_of_the_day(self, checkin: st.DataObject) -> None:
        """Another report for a day whose session was counted adds no session (P2)."""
        assert self.athlete is not None
        before = self.athlete
        drawn: CheckIn = checkin.draw(self.mild)
        self._check_in(attrs.evolve(drawn, on=self.day, completed=True))
        after = self.athlete
        if (after.recent_sessions, after.consecutive_completed) != (
                before.recent_sessions, before.consecutive_completed):
            raise InvariantViolation("check-in-counts-once",
                                     "a second report of a day already trained added a "
                                     "session", state=before, checkin=self.last)

    @rule(gap=st.integers(0, 3), goal=st.sampled_from(Goal))
    def change_of_goal(self, gap: int, goal: Goal) -> None:
        """The athlete turns to another goal (P12): the same rung and dose, the new goal's
        plan, a pause kept (``goal-change-keeps-the-rung``); the athlete's own goal again
        is refused."""
        assert self.athlete is not None
        try:
            decision = check_change_goal(self.book.engine, self.athlete, goal,
                                         on=self._on(gap), rulebook=self.book.spec,
                                         only=self.only, skip=self.skip)
        except InputError as refused:
            if refused.code != "same-goal" or goal is not self.athlete.goal:
                raise
            return
        self._decided(decision)

    @rule(gap=st.integers(0, 2), asked=overrides(
        action=st.sampled_from((None, *RULE_ACTIONS)),
        clearance=st.sampled_from((None, None, True, False))))
    def override(self, gap: int, asked: dict[str, Any]) -> None:
        """A coach or clinician sets the action, on the day of the last decision or a day
        or two later (``check_override``): one the invariants forbid is refused with the
        Conflict they name and changes nothing; one they allow is applied as the rules
        apply its action."""
        assert self.athlete is not None
        try:
            decision = check_override(self.book.engine, self.athlete, on=self._on(gap),
                                      after=self.decision, rulebook=self.book.spec,
                                      only=self.only, skip=self.skip, **asked)
        except Conflict:
            type(self).stats["refused"] += 1
            return
        except InputError as refused:
            if refused.code not in ("override-empty", "override-contradicts"):
                raise  # nothing to change, or a clearance with a pause: refused by design
            return
        type(self).stats["overrides"] += 1
        self._decided(decision)

    @precondition(lambda self: len(self.books) > 1)
    @rule(gap=st.integers(0, 3), to=st.data(), mapped=st.booleans())
    def upgrade(self, gap: int, to: st.DataObject, mapped: bool) -> None:
        """The app moves the athlete to another rulebook (``check_upgrade``): the same rung
        by id, or by the mapping where ids changed; without the mapping, a stage with no
        place in the new ladder is refused (``stage-unmapped``) and nothing changes."""
        assert self.athlete is not None
        old = self.book
        new: Book = to.draw(st.sampled_from([b for b in self.books if b is not old]))
        ids = {old.names[stage]: name for stage, name in new.names.items()}
        mapping = {a: b for a, b in ids.items() if a != b}
        try:
            decision = check_upgrade(new.engine, self.athlete, old.engine.rulebook,
                                     on=self._on(gap), mapping=mapping if mapped else None,
                                     rulebook=new.spec, only=self.only, skip=self.skip)
        except InputError as refused:
            if refused.code != "stage-unmapped" or (mapped or self.athlete.stage not in mapping):
                raise
            type(self).stats["unmapped"] += 1
            return
        self.book = new
        self._decided(decision)

    @rule(gap=_GAP, checkin=st.data())
    def any_checkin(self, gap: int, checkin: st.DataObject) -> None:
        drawn: CheckIn = checkin.draw(self.anything)
        self._check_in(attrs.evolve(drawn, on=self._on(gap)))

    @precondition(lambda self: self.liveness and not self.played_clean)
    @rule()
    def clean_record_reaches_the_top(self) -> None:
        """From wherever the athlete is: a clean record reaches the top within the bound."""
        assert self.athlete is not None
        self.played_clean = True
        check_liveness(self.book.engine, self.athlete, rulebook=self.book.spec,
                       since=self.day)
        type(self).stats["liveness"] += 1

    def teardown(self) -> None:
        """Every run ends with liveness, if no step has checked it yet."""
        if self.liveness and not self.played_clean and self.athlete is not None:
            self.clean_record_reaches_the_top()

    @invariant()
    def state_is_reachable(self) -> None:
        """Every state the engine produces meets the reachability constraints the prover
        assumes (``REACHABILITY``)."""
        if self.athlete is not None:
            check_reachable(self.book.engine.rulebook, self.athlete)

    @invariant()
    def state_fits_the_ladder(self) -> None:
        if self.athlete is None:
            return
        stage = self.book.engine.rulebook.stage(self.athlete.stage)
        if not 0 <= self.athlete.dose_level < len(stage.steps):
            raise InvariantViolation("one-rung-at-most",
                                     f"dose step {self.athlete.dose_level} is outside "
                                     f"{stage.id}'s steps", state=self.athlete)

    # strategies, set by athlete_machine for its rulebook
    mild: ClassVar[st.SearchStrategy[CheckIn]]
    edgy: ClassVar[st.SearchStrategy[Symptom]]
    faults: ClassVar[st.SearchStrategy[Compensation]]
    anything: ClassVar[st.SearchStrategy[CheckIn]]


def athlete_machine(rulebook: Rulebook | None = None, *, engine: Engine | None = None,
                    spec: Rulebook | None = None, only: Collection[str] | None = None,
                    skip: Collection[str] = (), backend: str = "native",
                    liveness: bool = True, start: date = EPOCH
                    ) -> type[AthleteMachine]:
    """A ``RuleBasedStateMachine`` that plays an athlete through long runs of check-ins on
    ``engine`` (or a new engine on ``rulebook``), checking the invariants after every one.

    Steps: good weeks (one to four weeks of every session done, mild or no symptoms; with
    clearance first when paused), a missed session, days off without a check-in (up to five
    weeks), a session with a symptom at the rulebook's thresholds, one with sharp or
    persistent pain, one with a compensation, a check-in bringing clearance (with or without
    pain), any check-in at all, the last check-in retried (refused by its id), a second
    report of a day already trained (no session added), a change of goal (P12: the
    same rung and dose, the new goal's plan), an override by a coach or clinician (any
    action or none, with clearance given, withdrawn or not; those the invariants forbid
    must be refused with the Conflict they name) and an upgrade to a twin rulebook (stages
    renamed, needing a mapping, or ``min_days_per_step`` a day longer; see :func:`twins`),
    each checked against the invariants of its kind; and once per run (at a random step,
    or at the end), a clean record played from wherever the athlete is, which must reach the
    top of the ladder within :func:`ladder_bound` days (liveness). Every state it reaches
    must meet the reachability constraints (:func:`check_reachable`).

    Use it as a test: ``TestAthlete = athlete_machine(my_rulebook).TestCase``, with
    ``TestAthlete.settings = settings(max_examples=..., stateful_step_count=...)``.

    Args:
        rulebook: the rulebook to play; the shipped one by default.
        engine: the engine to play on (its rulebook then defaults ``rulebook``).
        spec: the rulebook whose thresholds the checks read; ``rulebook`` by default.
        only, skip: invariants to check or leave out, by name.
        backend: the backend of the engine made for ``rulebook``.
        liveness: play one clean record per run.
        start: the athlete's first day.

    Requires hypothesis.
    """
    if engine is None:
        engine = Engine(rulebook if rulebook is not None else load_rulebook(), backend=backend)
    book = engine.rulebook
    chosen = {inv.name for inv in select(only, skip)}
    name = f"AthleteMachine_{book.id.replace('-', '_')}"
    return type(name, (AthleteMachine,), {
        "engine": engine,
        "spec": spec if spec is not None else book,
        "only": only,
        "skip": tuple(skip),
        "other": other_backend(engine) if "backends-agree" in chosen else None,
        "start": start,
        "liveness": liveness,
        "stats": Counter(),
        "books": twins(engine, spec if spec is not None else book),
        "mild": mild_checkins(book, on=start),
        "edgy": edge_symptoms(
            book, kinds=st.sampled_from([k for k in SymptomKind if k not in PAIN_KINDS]),
            days=st.integers(0, 2) | st.just(int(param_or(book, "persistent_symptom_days", 5)))),
        "faults": compensations(book),
        "anything": checkins(book, on=start, max_symptoms=2, max_compensations=1,
                             cleared=False),
    })
