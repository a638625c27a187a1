"""The prover's model of one evaluation: every (state, check-in) pair, cut into finitely
many cells that no rule can tell apart.

A rule reads one fact and compares each field with constants, so a field's values fall into
runs that every test answers alike. The model cuts each fact field at the rulebook's
constants and keeps the smallest value of each run. Fields that the engine derives from
the same part of the state (the days since the last session and the sessions in the recent
window, say) are enumerated together, within the *reachability constraints*: what the
engine's own transitions guarantee of every state they produce (:mod:`._reachable`). With
``reachable=False`` those constraints are dropped and each part of the state ranges over
everything the validators accept.

Each part of an input carries the bits of the rules whose tests on that part's fields hold;
a fact's rules are the AND of its parts' bits. The parts are:

- *context*: stage, goal, history, clearance, pause and back-off mode (shared by every
  fact, and the week's plan, which decides ``week_single_leg``), and the dose steps at which
  that week plans the same (a session may gate an item on dose steps);
- *dose*, each *metric*, and the *clock* (dates and counters of the state, whether the
  session was done and its minutes, which decide whether it counts) of the check-in fact;
- the *symptoms* and *compensations*, which also make the check-in fact's counts, highest
  severity, pain and clean streak.

The rule bits and parts are :mod:`._bits`'s, the context, clock and items :mod:`._cells`'s,
and what the plan builder plans :mod:`._plans`'s; this module enumerates them.

Pure Python and deterministic; it does not import Hypothesis.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import attrs

from .._conditions import FACT_FIELDS, FactType, Op, Scalar, Test
from .._enums import BackOff, CompensationKind, Goal, Location, SymptomKind
from .._facts import PAIN_KINDS, build_facts, is_clean
from .._models import AthleteState, CheckIn, Compensation, Metrics, Symptom
from .._rulebook import Rulebook
from .._transition import window_days
from .._whynot import POSITION_FIELDS, RAISING
from ._bits import Part, RuleBits, Spend, fold, steady_part, uncounted
from ._cells import ON, SIGNS, Clock, Context, Item, cell_of, keep_plainest
from ._joins import Joins, anchor_head, reads
from ._plans import plans
from ._values import candidate_values

__all__ = ["CHECKIN_PARTS", "Model"]

# Which part of an input each check-in fact field comes from.
CHECKIN_PARTS: Mapping[str, tuple[str, ...]] = {
    "context": ("stage", "stage_order", "goal", "history", "cleared", "cleared_today",
                "paused", "final_stage", "next_needs_clearance"),
    "dose": ("dose_level", "top_dose"),
    "metrics": tuple(field for name, spec in FACT_FIELDS[FactType.CHECKIN].items()
                     if spec.guard is not None for field in (spec.guard, name)),
    "clock": ("completed", "minutes", "short_session", "sessions_in_window",
              "consecutive_completed",
              "consecutive_missed", "clean_streak", "days_at_dose", "days_since_last_checkin",
              "days_since_last_session", "had_backoff", "days_since_backoff",
              "deload_active", "rest_active", "backoff_ended"),
    "lists": ("symptom_count", "max_severity", "pain_today", "compensation_count"),
}
SHARED = tuple(field for field in FACT_FIELDS[FactType.SYMPTOM]
               if field in FACT_FIELDS[FactType.COMPENSATION]
               and field in FACT_FIELDS[FactType.CHECKIN])


# The check-in fields each part of a clock decides, and the clock values it sets.
_CLOCK_PARTS: Mapping[str, tuple[str, ...]] = {
    "minutes": ("minutes", "short_session"),
    "anchor": ("completed", "days_since_last_checkin", "days_since_last_session"),
    "change": ("days_at_dose",),
    "backoff": ("had_backoff", "days_since_backoff", "deload_active", "rest_active",
                "backoff_ended"),
    "window": ("sessions_in_window",),
    "in-a-row": ("consecutive_completed", "consecutive_missed"),
    "streak": ("clean_streak",),
}


_OPTIONS = ("change", "backoff", "window", "in-a-row", "streak")  # an anchor's options

_QUIET: Mapping[str, Any] = {"since_change": None, "since_backoff": None,
                             "window_open": False, "sessions": 0, "done": 0, "missed": 0,
                             "clean": 0}


class Model:
    """Every input of one rulebook, in cells. Get one with :meth:`of`.

    Args:
        rulebook: the rulebook whose rules cut the fields.
        spec: the rulebook whose thresholds the invariants' signs read.
        reachable: keep to the reachability constraints (else: what the validators accept).
        signs: the names of the ``SIGNS`` to tell items apart by (their thresholds cut
            the fields too).
    """

    def __init__(self, rulebook: Rulebook, spec: Rulebook, reachable: bool,
                 signs: Sequence[str]) -> None:
        self.rulebook, self.spec, self.reachable = rulebook, spec, reachable
        self.signs = tuple(signs)
        precedence = rulebook.meta.precedence
        self.precedence = precedence
        compiled = rulebook.compiled
        self.bits = {fact: RuleBits([(r.action, r.tests) for r in compiled if r.fact is fact],
                                    precedence) for fact in FactType}
        raising = [r for r in compiled if r.fact is FactType.CHECKIN and r.action in RAISING]
        self.positions = RuleBits(
            [(r.action, [t for t in r.tests if t.field in POSITION_FIELDS]) for r in raising],
            precedence)
        lasting = spec.params.get("persistent_symptom_days")
        self._days = [Test("days", Op.GE, int(lasting.value))] if lasting and (
            {"pain", "backoff"} & set(self.signs)) else []
        self._built: dict[tuple[Any, ...], tuple[list[Part], int]] = {}

    @classmethod
    @functools.lru_cache(maxsize=16)
    def of(cls, rulebook: Rulebook, spec: Rulebook, reachable: bool,
           signs: tuple[str, ...]) -> Model:
        """The model of ``rulebook`` (cached)."""
        return cls(rulebook, spec, reachable, signs)

    # -------------------------------------------------------- cells of one field

    def runs(self, fact: FactType, name: str, extra: Sequence[Test] = ()) -> list[Scalar]:
        """The smallest value of each run of ``name``'s values that the rules' tests (and
        ``extra``) answer alike, in order."""
        return [run[0] for run in self._runs(fact, name, tuple(extra))]

    @functools.lru_cache(maxsize=256)  # noqa: B019 (a model lives as long as its cache entry)
    def _runs(self, fact: FactType, name: str, extra: tuple[Test, ...]
              ) -> list[list[Scalar]]:
        tests = [*self.bits[fact].tests(name), *extra]
        runs: list[list[Scalar]] = []
        last: tuple[bool, ...] | None = None
        for value in candidate_values(fact, name, tests, self.rulebook):
            answers = tuple(t.holds({name: value}) for t in tests)
            if answers != last:
                runs.append([value])
                last = answers
            else:
                runs[-1].append(value)
        return runs

    def cell(self, fact: FactType, name: str, value: Scalar) -> int:
        """Which run of :meth:`runs` ``value`` falls in."""
        starts = self.runs(fact, name)
        return max(bisect.bisect_right(starts, value) - 1, 0)

    def _starts(self, name: str) -> list[int]:
        return [int(v) for v in self.runs(FactType.CHECKIN, name)]

    # -------------------------------------------------------- context

    @functools.cached_property
    def contexts(self) -> list[Context]:
        """Every context, in order of key: one per way the week's single-leg work falls
        over the stage's dose steps."""
        rb = self.rulebook
        planned = plans(rb)  # found by the rulebook's whole catalogue: once, not per context
        found = []
        for stage, goal, history, cleared, today, paused, backoff in itertools.product(
                rb.stages, Goal, (False, True), (False, True), (False, True), (False, True),
                BackOff):
            if self.reachable and paused and (cleared or backoff is not BackOff.NONE):
                continue
            weeks = planned.single_leg(stage.id, goal, paused, backoff,
                                       history and not cleared)
            for week in sorted(set(weeks)):
                doses = tuple(level for level, planned in enumerate(weeks) if planned == week)
                found.append(Context(stage, goal, history, cleared, today, paused, backoff,
                                     week, doses))
        return sorted(found, key=lambda c: c.key)

    def context_facts(self, ctx: Context) -> dict[str, Scalar]:
        """The check-in fact's context fields."""
        following = [s for s in self.rulebook.stages if s.order == ctx.stage.order + 1]
        return {**ctx.shared(), "final_stage": not following,
                "next_needs_clearance": bool(following)
                and following[0].needs_clearance_with_history}

    # -------------------------------------------------------- the check-in fact's parts

    def doses(self, ctx: Context) -> list[Part]:
        """The context's dose steps; ``values["positions"]`` holds the raising rules whose
        position tests on the dose hold."""
        top = len(ctx.stage.steps) - 1
        ck = self.bits[FactType.CHECKIN]
        parts = []
        for level in ctx.doses:
            facts = {"dose_level": level, "top_dose": level >= top}
            parts.append(steady_part(ck.all(facts), (level,), dose_level=level,
                                     positions=self.positions.all(facts)))
        return parts

    @functools.cached_property
    def minutes(self) -> list[dict[str, Any]]:
        """The check-in's minutes, one per run of the rules' tests and of the line between a
        short session and one that counts; whether each is short."""
        least = self.rulebook.params.get("session_counts_min_minutes")
        cut = [] if least is None else [Test("minutes", Op.GE, 1),
                                        Test("minutes", Op.GE, int(least.value))]
        return [{"minutes": int(v), "short": least is not None and 0 < int(v) < least.value}
                for v in self.runs(FactType.CHECKIN, "minutes", cut)]

    @functools.cached_property
    def _shorts(self) -> list[bool]:
        """Whether the minutes are short, for each way :attr:`minutes` has."""
        return sorted({values["short"] for values in self.minutes})

    @functools.cached_property
    def metrics(self) -> list[list[Part]]:
        """One group per metric: not measured, or the smallest value of each run."""
        ck = self.bits[FactType.CHECKIN]
        groups = []
        for name, spec in FACT_FIELDS[FactType.CHECKIN].items():
            if spec.guard is None:
                continue
            metric = name  # the Metrics attribute of the same name
            group = [steady_part(ck.all({spec.guard: False, name: 0.0}), (0,), **{metric: None})]
            group += [steady_part(ck.all({spec.guard: True, name: float(v)}), (1, v),
                                  **{metric: float(v)})
                      for v in self.runs(FactType.CHECKIN, name)]
            groups.append(group)
        return groups

    def rest(self, paused: bool, backoff: BackOff, spend: Spend = uncounted) -> list[Part]:
        """Metrics and clock folded: every way to fill the check-in fact's fields beyond the
        context, the dose and the lists. Building it is counted in steps of ``spend``:
        each clock option made and each combination folded (at every documented limit,
        millions); once built, each call counts the same steps again, so the count does
        not depend on what an earlier call left built."""
        return self._counted(("rest", paused, backoff), lambda count: fold(
            *self.metrics, self.clocks(paused, backoff, count), spend=count), spend)

    def clocks(self, paused: bool, backoff: BackOff, spend: Spend = uncounted) -> list[Part]:
        """The clock parts for this pause and back-off mode: per anchor (whether the
        session was done, the days since the last check-in and session), its change,
        back-off, window, in-a-row and streak parts, each enumerated on its own; counted
        as :meth:`rest` is."""
        return self._counted(("clocks", paused, backoff),
                             lambda count: self._clocks(paused, backoff, count), spend)

    def _counted(self, memo: tuple[Any, ...], build: Callable[[Spend], list[Part]],
                 spend: Spend) -> list[Part]:
        """``build``'s parts, built once and kept with the steps building them took; each
        call spends those steps (building spends them as it goes, so a budget stops it)."""
        found = self._built.get(memo)
        if found is not None:
            spend(found[1])
            return found[0]
        steps = 0

        def count(more: int) -> None:
            nonlocal steps
            steps += more
            spend(more)

        parts = build(count)
        self._built[memo] = (parts, steps)
        return parts

    def _clocks(self, paused: bool, backoff: BackOff, spend: Spend) -> list[Part]:
        """The clock parts, found without listing each anchor's minutes (``bench_prove.py
        --scale``, a rulebook at every limit: 1.6 M anchors of one mode, 184 runs of the
        minutes): each *skeleton* (an anchor but for its minutes, keeping whether they
        are short) is joined with its options (:class:`._joins.Joins`), its rule bits first
        cut to the rules some minutes and some option of each group let through (the
        others fail whatever is joined); the skeletons' results of one :func:`anchor_head` are
        then kept by rule bits (the smallest key of each: every minute value extends them
        alike) and joined with the minutes of that head once. The parts are those of
        listing every anchor, with the same keys (``tests/test_prove_clocks.py``)."""
        groups = self._reachable_clocks(paused, backoff) if self.reachable else (
            self._loose_clocks())
        joins = Joins(spend)
        minute_parts = {short: [steady_part(self._minute_bits(values), ())
                                for values in self.minutes if values["short"] == short]
                        for short in self._shorts}
        heads: dict[tuple[Any, ...], dict[tuple[int, int], Part]] = {}
        for skeleton, *options in groups:
            spend(1)
            base = Clock(**{**_QUIET, "minutes": 0, **skeleton})
            built = [joins.parts(name, group, reads(name, base, group), functools.partial(
                self._clock_part, base, backoff, name=name))
                for name, group in zip(_OPTIONS, options, strict=True)]
            minutes = minute_parts[base.short]
            anchor = self._clock_part(base, backoff, skeleton, "anchor")
            found = [attrs.evolve(anchor, bits=joins.through(anchor.bits, [minutes, *built]))]
            for group in built:
                found = joins.join(found, group)
            kept = heads.setdefault(anchor_head(base), {})
            for part in found:
                old = kept.get(part.bits)
                if old is None or part.key < old.key:
                    kept[part.bits] = part
        found = []
        for head, kept in heads.items():
            minutes = [self._minutes_part(head, values) for values in self.minutes
                       if values["short"] == head[-1]]
            found.extend(fold(minutes, kept.values(), spend=spend))
        return fold(found, spend=spend)

    def _minutes_part(self, head: tuple[Any, ...], values: Mapping[str, Any]) -> Part:
        """The minutes of an anchor whose skeleton has this :func:`anchor_head`, keyed as the
        anchor's key goes on after the head: the minutes, then the values before the
        skeleton's days."""
        bits = self._minute_bits(values)
        fresh, completed, short = head[-3:]
        key = (*head[:4], values["minutes"], fresh, completed, values["minutes"], short)
        return Part((bits, bits), key, dict(values))

    def _minute_bits(self, values: Mapping[str, Any]) -> int:
        """The check-in rules whose tests on the minutes (and whether they are short)
        hold."""
        return self.bits[FactType.CHECKIN].all({"minutes": values["minutes"],
                                                "short_session": values["short"]})

    def _clock_part(self, base: Clock, backoff: BackOff, values: Mapping[str, Any],
                    name: str) -> Part:
        clock = attrs.evolve(base, **values)
        fields = _CLOCK_PARTS[name]
        ck = self.bits[FactType.CHECKIN]
        bits = tuple(ck.all({f: v for f, v in clock.facts(backoff, clean).items()
                             if f in fields}) for clean in (True, False))
        if name == "anchor":  # its days (the rest of its key is the minutes part's)
            key = tuple(-1 if values[f] is None else values[f]
                        for f in ("since_checkin", "since_session", "since_start"))
        else:
            key = tuple(-1 if v is None else v for v in values.values())
        return Part((bits[0], bits[1]), key, dict(values))

    def _reachable_clocks(self, paused: bool, backoff: BackOff
                          ) -> Iterator[list[Any]]:
        rb = self.rulebook
        window = rb.whole("window_days")
        length = window_days(rb, backoff)
        # a rest window is kept for its rest days; a later check-in turns it into a deload
        kept = rb.whole("rest_days") if backoff is BackOff.REST else length
        # a window kept shorter than it lasts (a rest) closes only after a longer gap
        gaps = sorted({0, 1, length - max(kept, 1) + 1,
                       *self._starts("days_since_last_checkin")})
        sessions = self._starts("days_since_last_session")
        changes = self._starts("days_at_dose")
        backoffs = self._starts("days_since_backoff")
        # a new athlete, days after the start (paused, or in a window, by an override)
        for since, completed, short in itertools.product(
                sorted({*gaps, *sessions, *changes, *backoffs, length}), (True, False),
                self._shorts):
            yield [{"fresh": True, "completed": completed, "short": short,
                    "since_checkin": None,
                    "since_session": None, "since_start": since},
                   [{"since_change": None}, *({"since_change": v} for v in changes
                                              if v <= since)],  # a change of goal
                   [{"since_backoff": v, "window_open": is_open} for v, is_open in
                    self._backoffs(None, since, paused, backoff, length, length, backoffs)],
                   [{"sessions": 0}], [{"done": 0, "missed": 0}], [{"clean": 0}]]
        made: dict[tuple[Any, ...], list[dict[str, Any]]] = {}  # each list once: the
        # same list for the same options lets Joins.parts know it (bench_prove.py --scale)
        for checkin, trained, completed, short in itertools.product(
                gaps, (True, False), (True, False), self._shorts):
            later = {v for v in (*sessions, *gaps) if v >= checkin}
            if not trained:  # days since the start, which is before every date
                later |= {v for v in (*changes, *backoffs, length) if v >= checkin}
            for since in sorted(later):
                start = max(since, window, *changes, *backoffs, length) + 1
                anchor = {"fresh": False, "completed": completed, "short": short,
                          "since_checkin": checkin,
                          "since_session": since if trained else None,
                          "since_start": start if trained else since}
                bound = since if not trained else None
                if ("change", bound) not in made:  # after the check-in: a new goal
                    made["change", bound] = [{"since_change": v} for v in sorted(
                        {*changes, *gaps}) if bound is None or v <= bound]
                if ("backoff", checkin, bound) not in made:
                    made["backoff", checkin, bound] = [
                        {"since_backoff": v, "window_open": is_open}
                        for v, is_open in self._backoffs(checkin, bound, paused, backoff,
                                                         length, kept, [*backoffs, *gaps])]
                yield [anchor, made["change", bound], made["backoff", checkin, bound],
                       *self._counts(checkin, since, trained, paused, window)]

    @staticmethod
    def _backoffs(checkin: int | None, bound: int | None, paused: bool, backoff: BackOff,
                  length: int, kept: int, starts: Sequence[int]
                  ) -> list[tuple[int | None, bool]]:
        """(days since the back-off or None, whether its window is still open): a back-off
        at the last check-in (``checkin`` days ago; None: none yet), which came less than
        ``kept`` days after it (at least one), or by an override since."""
        options = sorted({*starts, length, *([] if checkin is None else [checkin])})
        options = [v for v in options if bound is None or v <= bound]
        if paused:  # paused at the last check-in, or by an override since
            since: list[tuple[int | None, bool]] = [
                (v, False) for v in options if checkin is None or v < checkin]
            return since + ([] if checkin is None else [(checkin, False)])
        if backoff is not BackOff.NONE:
            return [(v, v < length) for v in options
                    if checkin is None or v < checkin + max(kept, 1)]
        return [(None, False)] + [(v, False) for v in options]

    def _counts(self, checkin: int, since: int, trained: bool, paused: bool,
                window: int) -> list[list[dict[str, int]]]:
        """The window, in-a-row and streak options of a reachable clock."""
        low, high = (1, window - since) if trained and since <= window - 1 else (0, 0)
        return self._count_options(low, high, trained and since == checkin, trained, paused)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 (the same lists: bench_prove.py --scale)
    def _count_options(self, low: int, high: int, trained_last: bool, trained: bool,
                       paused: bool) -> list[list[dict[str, int]]]:
        """:meth:`_counts` of a clock with ``low`` to ``high`` sessions in the window,
        whether the last check-in brought the last session, and whether it had one."""
        near = self._near("sessions_in_window")
        counts = sorted({min(max(v, low), high) for v in (low, high, *near)})
        ran = sorted({max(v, 1) for v in self._near(
            "consecutive_completed" if trained_last else "consecutive_missed")})
        rows = [{"done": v, "missed": 0} if trained_last else {"done": 0, "missed": v}
                for v in ran]
        if not trained_last:  # short sessions since the last one that counted (or none yet)
            rows += [{"done": v, "missed": 0} for v in sorted({max(v, 1) for v in self._near(
                "consecutive_completed")})] if trained else [{"done": 0, "missed": 0}]
        streaks = [0] if paused or not trained else sorted(
            {max(v, 0) for v in self._near("clean_streak")})
        return [[{"sessions": v} for v in counts], rows, [{"clean": v} for v in streaks]]

    @functools.lru_cache(maxsize=16)  # noqa: B019 (read for every anchor: bench_prove.py --scale)
    def _near(self, name: str) -> tuple[int, ...]:
        """Each run's smallest value of a counter, the one below it, and 0 and 1."""
        return tuple(sorted({0, 1, *(v for r in self._starts(name) for v in (r - 1, r)
                                     if v >= 0)}))

    def _loose_clocks(self) -> Iterator[list[Any]]:
        """Every clock the validators accept (dates in the order :class:`AthleteState`
        requires: nothing before the start, a session only with a check-in on or after it,
        recent sessions between the start and the last session), whether or not the engine
        can reach it."""
        window = self.rulebook.whole("window_days")

        def days(name: str) -> list[int]:
            return sorted({0, 1, *self._starts(name)})

        for completed, short, checkin, session in itertools.product(
                (True, False), self._shorts, [None, *days("days_since_last_checkin")],
                [None, *days("days_since_last_session")]):
            if session is not None and (checkin is None or session < checkin):
                continue  # a session is reported by a check-in on or after it
            # days since the start stand in for the dates not on record; the start comes
            # before every date on record
            if checkin is None:
                starts = sorted({*days("days_since_last_checkin"),
                                 *days("days_since_last_session")})
            elif session is None:
                starts = sorted({checkin, *(v for v in days("days_since_last_session")
                                            if v >= checkin)})
            else:
                starts = [max(checkin, session, window, *days("days_at_dose"),
                              *days("days_since_backoff")) + 1]
            for start in starts:
                room = 0 if session is None else max(0, min(window - session,
                                                             start - session + 1))
                yield [{"fresh": False, "completed": completed, "short": short,
                        "since_checkin": checkin, "since_session": session,
                        "since_start": start},
                       [{"since_change": v} for v in days("days_at_dose") if v <= start],
                       [{"since_backoff": v, "window_open": is_open}
                        for v in [None, *days("days_since_backoff")]
                        if v is None or v <= start
                        for is_open in (False, True)],
                       [{"sessions": v} for v in self._near("sessions_in_window")
                        if v <= room],
                       [{"done": d, "missed": m} for d in self._near("consecutive_completed")
                        for m in self._near("consecutive_missed")],
                       [{"clean": v} for v in self._near("clean_streak")]]

    # -------------------------------------------------------- symptoms and compensations

    @functools.cached_property
    def items(self) -> list[Item]:
        """Every symptom and compensation the model reports, one per cell (the plainest);
        compensations once for a week with single-leg work and once for one without."""
        rb = self.rulebook
        sym, comp = self.bits[FactType.SYMPTOM], self.bits[FactType.COMPENSATION]
        found: dict[tuple[Any, ...], Item] = {}
        clean = {(kind, v): is_clean(rb, CheckIn(ON, True, symptoms=(
            Symptom(kind, Location.ARCH, v),))) for kind in SymptomKind for v in range(11)}
        days = self.runs(FactType.SYMPTOM, "days", self._days)
        for (k, kind), (loc, location), severity, lasted in itertools.product(
                enumerate(SymptomKind), enumerate(Location), range(11), days):
            thing = Symptom(kind, location, severity, int(lasted))
            bits = sym.all({"kind": kind.value, "location": location.value,
                            "severity": severity, "days": int(lasted)})
            keep_plainest(found, Item(thing, (0, k, loc, severity, lasted), FactType.SYMPTOM, None,
                                      bits, self.cell(FactType.CHECKIN, "max_severity", severity),
                                      kind in PAIN_KINDS, clean[kind, severity],
                                      self._signed(thing, False)))
        for (k, fault), (e, name), week in itertools.product(
                enumerate(CompensationKind), enumerate([None, *sorted(rb.exercises)]),
                (False, True)):
            seen = Compensation(fault, name)
            exercise = rb.exercises.get(name) if name else None
            bits = comp.all({
                "kind": fault.value, "exercise": name or "",
                "exercise_known": exercise is not None,
                "exercise_category": exercise.category.value if exercise else "",
                "exercise_unilateral": exercise.unilateral if exercise else False,
                "week_single_leg": week})
            keep_plainest(found, Item(seen, (1, k, e), FactType.COMPENSATION, week, bits, 0, False,
                                      False, self._signed(seen, week)))
        return sorted(found.values(), key=lambda i: i.key)

    def _signed(self, thing: Symptom | Compensation, week: bool) -> frozenset[str]:
        return frozenset(name for name in self.signs if SIGNS[name](self.spec, thing, week))

    def items_for(self, ctx: Context) -> list[Item]:
        """The items of a context: every symptom, and the compensations of its week."""
        return [i for i in self.items if i.week is None or i.week == ctx.single_leg]

    # -------------------------------------------------------- membership

    def outside(self, state: AthleteState, checkin: CheckIn) -> list[str]:
        """What of the facts the engine builds for ``state`` and ``checkin`` the model has
        no cell for, in words (nothing, for an input inside the model)."""
        facts = build_facts(self.rulebook, state, checkin)
        fact = facts[FactType.CHECKIN][0]
        problems: list[str] = []
        ctx = next((c for c in self.contexts if (
            c.stage.id, c.goal, c.history, c.cleared, c.cleared_today, c.paused, c.backoff)
            == (state.stage, state.goal, state.prior_foot_ankle_problems,
                state.clinician_cleared, checkin.clinician_cleared, state.paused,
                state.backoff) and state.dose_level in c.doses), None)
        if ctx is None:
            return [f"no context for stage {state.stage}, dose step {state.dose_level}, "
                    f"paused {state.paused}, cleared {state.clinician_cleared}, back-off "
                    f"{state.backoff.value}"]
        ck = self.bits[FactType.CHECKIN]

        def check(part: str, fields: Iterable[str], options: Iterable[int]) -> None:
            seen = {name: fact[name] for name in fields}
            if ck.all(seen) not in set(options):
                problems.append(f"{part}: no cell for {seen}")

        if self.context_facts(ctx) != {f: fact[f] for f in CHECKIN_PARTS["context"]}:
            problems.append(f"context: the model says {self.context_facts(ctx)}")
        side = 0 if is_clean(self.rulebook, checkin) else 1
        check("dose", CHECKIN_PARTS["dose"], (p.bits[0] for p in self.doses(ctx)))
        for group in self.metrics:
            metric = next(iter(group[0].values))
            guard = FACT_FIELDS[FactType.CHECKIN][metric].guard or metric
            check(metric, (guard, metric), (p.bits[0] for p in group))
        check("clock", CHECKIN_PARTS["clock"],
              (p.bits[side] for p in self.clocks(ctx.paused, ctx.backoff)))
        cells = {cell_of(i) for i in self.items_for(ctx)}
        for kind, found in ((FactType.SYMPTOM, facts[FactType.SYMPTOM]),
                            (FactType.COMPENSATION, facts[FactType.COMPENSATION])):
            things: Sequence[Symptom | Compensation] = (
                checkin.symptoms if kind is FactType.SYMPTOM else checkin.compensations)
            for number, (thing, item) in enumerate(zip(things, found, strict=True)):
                week = bool(item["week_single_leg"]) if "week_single_leg" in item else None
                if week is not None and week != ctx.single_leg:
                    problems.append(f"{kind}[{number}]: week_single_leg {week}, the model "
                                    f"says {ctx.single_leg}")
                own = {f: v for f, v in item.items() if f not in SHARED}
                cell = (kind, week, self.bits[kind].all(own),
                        self.cell(FactType.CHECKIN, "max_severity",
                                  item.get("severity", 0)) if week is None else 0,
                        isinstance(thing, Symptom) and thing.kind in PAIN_KINDS,
                        isinstance(thing, Symptom) and is_clean(
                            self.rulebook, attrs.evolve(checkin, symptoms=(thing,),
                                                        compensations=())),
                        self._signed(thing, bool(week)))
                if cell not in cells:
                    problems.append(f"{kind}[{number}]: no item like {own}")
        return problems

    # -------------------------------------------------------- concrete inputs

    def build(self, ctx: Context, parts: Mapping[str, Any],
              things: Sequence[Symptom | Compensation]) -> tuple[AthleteState, CheckIn]:
        """The (state, check-in) pair of a cell: the context, the values of the check-in
        fact's parts, and the symptoms and compensations."""
        rb = self.rulebook
        values = {**_QUIET, **parts}
        clock = Clock(**{f.name: values[f.name] for f in attrs.fields(Clock)})
        on = ON

        def back(days: int | None) -> date | None:
            return None if days is None else on - timedelta(days=days)

        last_session = back(clock.since_session)
        end = last_session or on  # the sessions before this one end with the last session
        recent = tuple(sorted(end - timedelta(days=i) for i in range(clock.sessions)))
        last_backoff = back(clock.since_backoff)
        until = None
        if ctx.backoff is not BackOff.NONE:
            if self.reachable and last_backoff is not None:
                until = last_backoff + timedelta(days=window_days(rb, ctx.backoff))
            else:
                until = on + timedelta(days=1 if clock.window_open else 0)
        state = AthleteState(
            athlete_id="prover", goal=ctx.goal, stage=ctx.stage.id,
            dose_level=parts["dose_level"], started_on=on - timedelta(days=clock.since_start),
            rulebook_digest=rb.digest, prior_foot_ankle_problems=ctx.history,
            clinician_cleared=ctx.cleared, paused=ctx.paused, backoff=ctx.backoff,
            backoff_until=until, last_backoff_on=last_backoff,
            last_change_on=back(clock.since_change), last_checkin_on=back(clock.since_checkin),
            last_session_on=last_session, recent_sessions=recent,
            consecutive_completed=clock.done, consecutive_missed=clock.missed,
            clean_streak=clock.clean)
        metrics = Metrics(**{name: parts[name] for name in (
            "balance_eyes_open_s", "balance_eyes_closed_s", "forefoot_symmetry",
            "foot_fatigue")})
        checkin = CheckIn(
            on=on, completed=clock.completed, minutes=clock.minutes,
            symptoms=tuple(t for t in things if isinstance(t, Symptom)),
            compensations=tuple(t for t in things if isinstance(t, Compensation)),
            metrics=metrics, clinician_cleared=ctx.cleared_today)
        return state, checkin

