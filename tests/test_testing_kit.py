"""The property-testing kit (footcore.testing): its strategies, each invariant catching the
fault it is about, liveness, the athlete state machine, rulebook mutants (with the score
footcore's own checks reach on the shipped rulebook), check_rulebook, the Hypothesis hook
and the pytest plugin.

Every Hypothesis run here is derandomized, so the file gives the same result every time.
"""

from __future__ import annotations

import collections
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import footcore
import footcore.models
from footcore import Action, AthleteState, CheckIn, Engine, Goal, Location, Symptom, SymptomKind
from footcore._enums import RULE_ACTIONS
from footcore._rulebook_loading import assemble
from footcore.models import Category
from footcore.testing import (
    CONFORMANCE,
    INVARIANTS,
    LIVENESS,
    SAFETY,
    TODAY,
    InvariantViolation,
    MissingParam,
    athlete_machine,
    athlete_states,
    backoff_symptoms,
    boundary_cases,
    check_backends_agree,
    check_backoff_never_raises_load,
    check_decision,
    check_deterministic,
    check_invariants,
    check_liveness,
    check_monotone,
    check_no_hops_before_clearance,
    check_no_rise_unless_ready,
    check_pain_pauses,
    check_pause_holds_until_clearance,
    check_responses,
    check_rulebook,
    checkins,
    decisions,
    derive,
    draw_examples,
    inputs,
    kit_check,
    ladder_bound,
    mild_checkins,
    mutants,
    mutation_score,
    ready_states,
    register_strategies,
    triggers,
)
from rerun import examples

REPO = Path(__file__).resolve().parents[1]
RULEBOOK = footcore.load_rulebook()
ENGINE = Engine(RULEBOOK, backend="native")
QUICK = settings(max_examples=60, derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _ready_case(stage: str = "activation", dose: int = 0) -> AthleteState:
    """An athlete whom one clean session on TODAY makes ready to rise."""
    cases = [s for s, c in boundary_cases(RULEBOOK)
             if s.stage == stage and s.dose_level == dose and c.completed and not c.symptoms]
    return cases[0]


def _native(rulebook: footcore.models.Rulebook) -> Engine:
    return Engine(rulebook, backend="native")


def _session(**changes: Any) -> CheckIn:
    return attrs.evolve(CheckIn(on=TODAY, completed=True, minutes=18), **changes)


# ---------------------------------------------------------------- strategies


@QUICK
@given(inputs(RULEBOOK))
def test_inputs_are_valid_for_the_rulebook(pair: tuple[AthleteState, CheckIn]) -> None:
    ENGINE.evaluate(*pair)  # raises InputError on anything the engine would refuse


@pytest.mark.once  # what the strategies draw, derandomized: Hypothesis's search, the same
# on any interpreter; the engine deciding those inputs runs on each one in test_properties
def test_inputs_reach_every_action_including_the_rises() -> None:
    seen = collections.Counter(ENGINE.evaluate(*p).action
                               for p in draw_examples(inputs(RULEBOOK), 500))
    assert len(seen) >= 6 and seen[Action.PROGRESS], seen
    # The share of inputs meant for rises (a ready athlete after a mild session) rises
    # often: counted on it alone, since which of inputs' five shares a derandomized draw
    # favours varies between runs of the whole suite (13 to 25 rises in 1,000 draws).
    ready = collections.Counter(ENGINE.evaluate(*p).action for p in draw_examples(
        st.tuples(ready_states(RULEBOOK), mild_checkins(RULEBOOK)), 300))
    assert ready[Action.ADVANCE] and ready[Action.PROGRESS] + ready[Action.ADVANCE] >= 30, ready


@QUICK
@given(athlete_states(RULEBOOK, stage="control", goal=Goal.STRENGTH, history=True,
                      paused=False),
       checkins(RULEBOOK, pain_free=True, completed=True))
def test_focus_arguments_take_values_or_strategies(state: AthleteState,
                                                   checkin: CheckIn) -> None:
    assert (state.stage, state.goal, state.prior_foot_ankle_problems) == (
        "control", Goal.STRENGTH, True)
    assert not state.paused and checkin.completed
    assert all(s.kind not in (SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN)
               for s in checkin.symptoms)


@QUICK
@given(ready_states(RULEBOOK, stage=st.sampled_from(["baseline", "activation"])),
       mild_checkins(RULEBOOK))
def test_ready_states_and_mild_checkins_stay_in_their_lane(state: AthleteState,
                                                           checkin: CheckIn) -> None:
    assert state.stage in ("baseline", "activation")
    assert not state.paused and state.backoff_until is None
    assert checkin.completed and checkin.minutes >= 15 and len(checkin.compensations) <= 1
    assert all(s.severity <= RULEBOOK.number("clean_max_severity") for s in checkin.symptoms)


@QUICK
@given(backoff_symptoms(RULEBOOK))
def test_backoff_symptoms_are_what_the_rulebook_backs_off_from(symptom: Symptom) -> None:
    found = triggers(RULEBOOK, _ready_case(), _session(symptoms=(symptom,)))
    assert any(t.action in (Action.DELOAD, Action.REST, Action.PAUSE) for t in found), found


def test_strategies_shrink_to_small_readable_examples() -> None:
    checkin = find(checkins(RULEBOOK), lambda c: len(c.symptoms) >= 1,
                   settings=settings(database=None, derandomize=True))
    assert checkin.symptoms == (Symptom(SymptomKind.SORENESS, Location.BALL_OF_FOOT, 0, 0),)
    assert checkin.compensations == () and not checkin.completed and checkin.minutes == 0
    state = find(athlete_states(RULEBOOK), lambda s: s.dose_level >= 1,
                 settings=settings(database=None, derandomize=True))
    assert (state.stage, state.dose_level, state.recent_sessions) == ("baseline", 1, ())


@QUICK
@given(decisions(RULEBOOK))
def test_decisions_are_the_engines(decision: footcore.Decision) -> None:
    assert ENGINE.evaluate(decision.prior_state, decision.checkin) == decision


# ---------------------------------------------------------------- the invariants hold


@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(inputs(RULEBOOK))
def test_every_invariant_holds_for_the_shipped_rulebook(
        pair: tuple[AthleteState, CheckIn]) -> None:
    check_invariants(ENGINE, *pair)


def test_every_invariant_holds_on_the_boundary_cases() -> None:
    cases = boundary_cases(RULEBOOK)
    assert len(cases) > 300
    actions = collections.Counter(check_invariants(ENGINE, s, c).action for s, c in cases)
    assert set(actions) == set(RULE_ACTIONS), actions  # no rule retargets or upgrades


def test_invariants_are_named_and_split_into_safety_and_conformance() -> None:
    assert set(SAFETY) | set(CONFORMANCE) == set(INVARIANTS)
    assert CONFORMANCE == ("article-responses",)
    assert {"pain-pauses", "backoff-never-raises-load", "monotone", "one-rung-at-most",
            "session-shape", "no-hops-before-clearance", "pause-holds-until-clearance",
            "deterministic", "backends-agree"} <= set(SAFETY)
    with pytest.raises(ValueError, match="unknown invariant"):
        check_invariants(ENGINE, _ready_case(), _session(), only=("no-such-thing",))


# ---------------------------------------------------------------- each invariant catches its fault


def _caught(name: str, engine: Engine, state: AthleteState, checkin: CheckIn
            ) -> InvariantViolation:
    """The violation of invariant ``name`` that ``engine`` commits on this input."""
    with pytest.raises(InvariantViolation) as caught:
        check_invariants(engine, state, checkin, rulebook=RULEBOOK, only=(name,))
    assert caught.value.invariant == name
    text = str(caught.value)
    assert f"invariant {name!r} broken" in text
    assert "state:   {" in text and "checkin: {" in text  # the inputs, as JSON
    return caught.value


def test_pain_pauses_names_the_rule_that_let_sharp_pain_through() -> None:
    unsafe = _native(derive(RULEBOOK, rules={"sharp-pain-pause": {"action": Action.HOLD}}))
    sharp = _session(symptoms=(Symptom(SymptomKind.SHARP_PAIN, Location.ARCH, 2),))
    caught = _caught("pain-pauses", unsafe, _ready_case(), sharp)
    assert caught.rules == ("sharp-pain-pause",)
    assert "sharp-pain-pause -> hold (won" in str(caught)
    check_pain_pauses(ENGINE, _ready_case(), sharp)  # the shipped rulebook pauses


def test_backoff_check_catches_a_stiffness_rule_that_only_holds() -> None:
    unsafe = _native(derive(RULEBOOK, rules={"stiffness-deload": {"action": Action.HOLD}}))
    stiff = _session(symptoms=(Symptom(SymptomKind.STIFFNESS, Location.ARCH, 3),))
    caught = _caught("backoff-never-raises-load", unsafe, _ready_case(), stiff)
    assert "stiffness-deload" in caught.rules
    check_backoff_never_raises_load(ENGINE, _ready_case(), stiff)


def test_backoff_check_catches_a_rise_over_a_backoff_when_precedence_is_swapped() -> None:
    order = list(RULEBOOK.meta.precedence)
    order.remove(Action.PROGRESS)
    order.insert(0, Action.PROGRESS)  # progress outranks everything
    unsafe = _native(derive(RULEBOOK, precedence=order))
    # mild irritation under the toes: clean enough for the streak, but P10 dials back
    irritated = _session(symptoms=(Symptom(SymptomKind.IRRITATION, Location.TOES, 1),))
    caught = _caught("backoff-never-raises-load", unsafe, _ready_case(), irritated)
    assert caught.rules == ("progress-dose",)
    check_backoff_never_raises_load(ENGINE, _ready_case(), irritated)


def test_monotone_catches_a_hold_that_outranks_a_deload() -> None:
    order = list(RULEBOOK.meta.precedence)
    i, j = order.index(Action.DELOAD), order.index(Action.HOLD)
    order[i], order[j] = order[j], order[i]
    unsafe = _native(derive(RULEBOOK, precedence=order))
    both = _session(symptoms=(Symptom(SymptomKind.STIFFNESS, Location.ARCH, 4),
                              Symptom(SymptomKind.SORENESS, Location.ARCH, 6)))
    caught = _caught("monotone", unsafe, _ready_case(), both)
    assert "more aggressive" in caught.problem
    check_monotone(ENGINE, _ready_case(), both)


def test_one_rung_and_session_shape_checks_catch_a_doctored_decision() -> None:
    decision = ENGINE.evaluate(_ready_case(), _session())
    skipped = attrs.evolve(decision, state=attrs.evolve(decision.state, stage="unilateral"),
                           plan=attrs.evolve(decision.plan, stage="unilateral"))
    with pytest.raises(InvariantViolation, match="moved 2 rungs"):
        check_decision(skipped, engine=ENGINE, only=("one-rung-at-most",))
    session = decision.plan.sessions[0]
    long = attrs.evolve(decision, plan=attrs.evolve(
        decision.plan, sessions=(attrs.evolve(session, minutes=45), *decision.plan.sessions[1:])))
    with pytest.raises(InvariantViolation, match="lasts 45 min, not 15-20"):
        check_decision(long, engine=ENGINE, only=("session-shape",))


def test_session_shape_catches_a_block_without_one_of_p6s_kinds() -> None:
    """P6: a block that lost its dynamic transitions (the walk, weight shift, squat or hop)
    while its neighbours still differ is caught, naming the missing kind."""
    decision = ENGINE.evaluate(_ready_case(), _session())
    session = decision.plan.sessions[0]
    still = tuple(i for i in session.items if i.category not in (
        Category.DYNAMIC_TRANSITION, Category.PLYOMETRIC))
    assert len(still) < len(session.items)
    lacking = attrs.evolve(decision, plan=attrs.evolve(decision.plan, sessions=(
        attrs.evolve(session, items=still), *decision.plan.sessions[1:])))
    with pytest.raises(InvariantViolation, match="hold no dynamic transition"):
        check_decision(lacking, engine=ENGINE, only=("session-shape",))
    check_decision(decision, engine=ENGINE, only=("session-shape",))


def test_no_hops_catches_a_history_athlete_let_through_the_gate() -> None:
    # both P10 holds let through: the gate to the next rung and the hold past awareness
    unsafe = _native(derive(RULEBOOK, drop=("history-clearance-gate",
                                            "history-clearance-before-loading")))
    gated = next(s for s, c in boundary_cases(RULEBOOK)
                 if s.prior_foot_ankle_problems and not s.clinician_cleared
                 and s.stage == "control" and not c.clinician_cleared
                 and s.dose_level == len(RULEBOOK.stage("control").steps) - 1)
    caught = _caught("no-hops-before-clearance", unsafe, gated, _session(
        metrics=gated.metrics))
    assert "entered unilateral" in caught.problem and "advance-control" in caught.rules
    check_no_hops_before_clearance(ENGINE, gated, _session(metrics=gated.metrics))


def test_pause_check_catches_a_pause_that_lifts_without_clearance() -> None:
    unsafe = _native(derive(RULEBOOK, drop=("paused-awaiting-clearance",)))
    paused = attrs.evolve(_ready_case(), paused=True)
    _caught("pause-holds-until-clearance", unsafe, paused, _session())
    check_pause_holds_until_clearance(ENGINE, paused, _session())


def test_no_rise_check_catches_progress_without_consistency() -> None:
    unsafe = _native(derive(RULEBOOK, drop=("consistency-gate",), rules={"progress-dose": {
        "when": tuple(c for r in RULEBOOK.rules if r.id == "progress-dose" for c in r.when
                      if c.field != "sessions_in_window")}}))
    patchy = attrs.evolve(_ready_case(), recent_sessions=())
    caught = _caught("no-rise-unless-ready", unsafe, patchy, _session())
    assert "min_sessions_in_window" in caught.problem
    check_no_rise_unless_ready(ENGINE, patchy, _session())


def test_determinism_check_catches_an_engine_with_hidden_state() -> None:
    class Flaky(Engine):
        calls = 0

        def evaluate(self, state: AthleteState, checkin: CheckIn) -> footcore.Decision:
            Flaky.calls += 1
            decision = super().evaluate(state, checkin)
            return attrs.evolve(decision, footcore_version=f"{Flaky.calls}")

    _caught("deterministic", Flaky(RULEBOOK, backend="native"), _ready_case(), _session())
    check_deterministic(ENGINE, _ready_case(), _session())


def test_backends_check_compares_with_the_engine_it_is_given() -> None:
    other = _native(derive(RULEBOOK, params={"stiffness_deload_min": 4}))
    stiff = _session(symptoms=(Symptom(SymptomKind.STIFFNESS, Location.ARCH, 3),))
    with pytest.raises(InvariantViolation) as caught:
        check_backends_agree(ENGINE, _ready_case(), stiff, other=other)
    assert caught.value.rules == ("stiffness-deload", "stiffness-ease")


def test_backends_agree_on_the_boundary_cases() -> None:
    pytest.importorskip("durable_rules_engine")
    for state, checkin in boundary_cases(RULEBOOK)[::4]:
        check_backends_agree(ENGINE, state, checkin)


def test_responses_catch_a_threshold_moved_one_step() -> None:
    looser = _native(derive(RULEBOOK, params={"stiffness_deload_min": 4}))
    stiff = _session(symptoms=(Symptom(SymptomKind.STIFFNESS, Location.ARCH, 3),))
    caught = _caught("article-responses", looser, _ready_case(), stiff)
    assert "expected deload, got" in caught.problem
    check_responses(ENGINE, _ready_case(), stiff)


def test_responses_catch_a_trace_that_claims_readiness_for_a_missed_session() -> None:
    rule = next(r for r in RULEBOOK.rules if r.id == "progress-dose")
    sloppy = _native(derive(RULEBOOK, rules={"progress-dose": {
        "when": tuple(c for c in rule.when if c.field != "completed")}}))
    ready = next(s for s, c in boundary_cases(RULEBOOK)
                 if not c.completed and s.stage == "activation" and s.dose_level == 0)
    caught = _caught("article-responses", sloppy, ready, _session(completed=False, minutes=0))
    assert "proposed progress with no trigger" in caught.problem
    assert caught.rules == ("progress-dose",)


def test_a_check_says_which_param_it_needs() -> None:
    rules = [r for r in RULEBOOK.rules if r.id != "lasting-symptom-pause"]
    params = {k: v for k, v in RULEBOOK.params.items() if k != "persistent_symptom_days"}
    lean = assemble(RULEBOOK.meta, params, RULEBOOK.exercises.values(), RULEBOOK.stages,
                    rules, location="lean")
    engine = Engine(lean, backend="native")
    state = attrs.evolve(_ready_case(), rulebook_digest=lean.digest)
    with pytest.raises(MissingParam) as caught:
        check_pain_pauses(engine, state, _session())
    assert caught.value.param == "persistent_symptom_days"
    assert "skip=('pain-pauses',)" in str(caught.value)
    with pytest.raises(MissingParam, match="persistent_symptom_days"):
        check_rulebook(lean, max_examples=0, stateful_examples=0)


# ---------------------------------------------------------------- liveness


def test_ladder_bound_is_the_stated_formula() -> None:
    # g = 7 // 3 = 2 days between sessions; 20 rises of 2 * ceil(7 / 2) = 8 days; warm-up
    # 2 * (2 + ceil(7 / 2) + (4 - 1) + 3) = 24 days.
    assert ladder_bound(RULEBOOK) == 24 + 20 * 8


@pytest.mark.parametrize("history", [False, True])
@pytest.mark.parametrize("goal", list(Goal))
def test_a_clean_record_reaches_the_top_within_the_bound(goal: Goal, history: bool) -> None:
    decisions = check_liveness(ENGINE, goal=goal, history=history)
    last = decisions[-1]
    took = (last.checkin.on - decisions[0].prior_state.started_on).days
    assert (last.state.stage, last.state.dose_level) == ("maintenance", 2)
    assert took <= ladder_bound(RULEBOOK)


def test_liveness_catches_a_ladder_that_never_tops_out() -> None:
    stuck = _native(derive(RULEBOOK, drop=("progress-dose",)))
    with pytest.raises(InvariantViolation, match="did not reach the top") as caught:
        check_liveness(stuck, rulebook=RULEBOOK)
    assert caught.value.invariant == LIVENESS
    too_few = _native(derive(RULEBOOK, params={"min_sessions_in_window": 8}))
    with pytest.raises(InvariantViolation, match="no clean record ever rises"):
        check_liveness(too_few)


# ---------------------------------------------------------------- the athlete state machine

# The reruns play a quarter of the runs: the machine's rules and draws are searched alike on
# any interpreter, so the whole search runs once (tests/rerun.py).
STATEFUL_EXAMPLES = examples(40, rerun=10)
STATEFUL_STEPS = 50


def test_the_athlete_state_machine_plays_long_runs_and_every_invariant_holds() -> None:
    machine = athlete_machine(RULEBOOK)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS, derandomize=True,
        database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]))
    stats = machine.stats
    print(f"\nathlete state machine: {stats['runs']} runs, {stats['steps']} check-ins, "
          f"{stats['liveness']} clean records played to the top; actions: "
          + ", ".join(f"{a.value} {stats[a.value]}" for a in Action))
    assert stats["runs"] >= STATEFUL_EXAMPLES
    assert stats["steps"] >= STATEFUL_EXAMPLES * 10
    assert stats["liveness"] >= STATEFUL_EXAMPLES // 4
    assert stats["advance"] and stats["progress"] and stats["pause"] and stats["regress"]
    assert stats["retarget"]  # goal changes (P12) among the check-ins


def test_the_state_machine_catches_an_unsafe_rulebook() -> None:
    unsafe = derive(RULEBOOK, rules={"persistent-pain-pause": {"action": Action.DELOAD}})
    with pytest.raises(InvariantViolation) as caught:
        run_state_machine_as_test(athlete_machine(unsafe), settings=settings(
            max_examples=30, stateful_step_count=30, derandomize=True, database=None,
            deadline=None, suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False, phases=[Phase.generate]))  # no time spent shrinking
    assert caught.value.invariant in ("pain-pauses", "article-responses", "monotone")
    assert "persistent-pain-pause" in str(caught.value)


TestAthleteMachine = athlete_machine(RULEBOOK, skip=("backends-agree",)).TestCase
TestAthleteMachine.settings = settings(max_examples=10, stateful_step_count=30,
                                       derandomize=True, database=None, deadline=None)


# ---------------------------------------------------------------- mutants


def test_mutants_are_named_valid_rulebooks_and_the_invalid_ones_are_counted() -> None:
    invalid: list[tuple[str, str]] = []
    found = list(mutants(RULEBOOK, kinds=("threshold", "drop-rule"), invalid=invalid))
    names = [m.name for m in found]
    assert "threshold stiffness_deload_min 3 -> 4" in names
    assert "drop-rule sharp-pain-pause" in names
    assert all(m.rulebook.digest != RULEBOOK.digest for m in found)
    # dropping a stage's only advance rule leaves it no way forward: not a valid rulebook
    assert ("drop-rule advance-control" in {n for n, _ in invalid})
    assert all("no advance rule can fire" in why for _, why in invalid)
    with pytest.raises(ValueError, match="unknown mutant kind"):
        next(mutants(RULEBOOK, kinds=("typo",)))


def test_derive_rejects_an_invalid_change_with_the_loaders_error() -> None:
    with pytest.raises(footcore.RulebookError, match="no advance rule can fire"):
        derive(RULEBOOK, drop=("advance-baseline",))
    with pytest.raises(KeyError, match="no rule 'nope'"):
        derive(RULEBOOK, drop=("nope",))


@pytest.mark.long
@pytest.mark.once  # the score is the rulebook's and the invariants' (.ci/run's header says)
def test_footcore_kills_at_least_90_percent_of_the_mutants_of_its_rulebook() -> None:
    report = mutation_score(RULEBOOK, kit_check(RULEBOOK, examples=400))
    by_invariant = collections.Counter(why.split("'")[1] for _, why in report.killed
                                       if why.startswith("invariant "))
    print("\n" + report.summary())
    print(f"killed, by the invariant that caught them first: {dict(by_invariant)}")
    kinds = collections.Counter(m.kind for m, _ in report.killed)
    valid = kinds + collections.Counter(m.kind for m in report.survivors)
    print("killed, by kind: " + ", ".join(f"{k} {kinds[k]}/{n}" for k, n in valid.items()))
    assert len(report.killed) + len(report.survivors) >= 300
    assert report.score >= 0.9, report.summary()


@pytest.mark.once  # as the score above: the rules' and the invariants'; mutation_score runs
# on every interpreter in examples/custom_rulebook and test_prove
def test_the_safety_invariants_alone_kill_most_unsafe_mutants() -> None:
    # Without the conformance check, a mutant that only makes the rulebook more cautious
    # (or trades rest days for a deload) is no safety fault and may survive; a pain,
    # back-off or gate rule left out, or weakened past its safety line, dies.
    safety = kit_check(RULEBOOK, examples=0, skip=CONFORMANCE)
    report = mutation_score(RULEBOOK, safety, kinds=("drop-rule", "action"))
    survivors = {m.name for m in report.survivors}
    print("\nsafety invariants only, drop-rule and action mutants: " + report.summary())
    for rule in ("sharp-pain-pause", "persistent-pain-pause", "lasting-symptom-pause",
                 "stiffness-deload", "forefoot-irritation-rest", "forefoot-irritation-deload",
                 "paused-awaiting-clearance", "history-clearance-gate"):
        assert f"drop-rule {rule}" not in survivors
    for weakened in ("sharp-pain-pause: pause -> regress", "stiffness-deload: deload -> hold",
                     "lasting-symptom-pause: pause -> regress",
                     "forefoot-irritation-deload: deload -> hold",
                     "paused-awaiting-clearance: pause -> regress",
                     "history-clearance-gate: hold -> progress"):
        assert f"action {weakened}" not in survivors


# ---------------------------------------------------------------- check_rulebook


def test_check_rulebook_passes_the_shipped_rulebook_and_reports_what_ran() -> None:
    report = check_rulebook(max_examples=50, stateful_examples=5, stateful_steps=20)
    assert report.examples == 50 and report.boundary_cases > 300
    assert report.liveness_runs >= 6 and report.slowest_climb_days <= report.ladder_bound_days
    assert report.machine_runs >= 5
    assert str(report).startswith("footcore-article 1.0.0")


def test_check_rulebook_takes_a_path_and_catches_an_unsafe_variant(tmp_path: Path) -> None:
    report = check_rulebook(REPO / "rules", max_examples=0, stateful_examples=0)
    assert report.examples == 0
    unsafe = derive(RULEBOOK, params={"persistent_symptom_days": 8})
    with pytest.raises(InvariantViolation) as caught:
        check_rulebook(unsafe, spec=RULEBOOK, max_examples=0, stateful_examples=0)
    assert "lasting-symptom-pause" in str(caught.value) or caught.value.rules
    with pytest.raises(footcore.RulebookError):
        check_rulebook(tmp_path)


# ---------------------------------------------------------------- the Hypothesis hook


def test_the_hook_makes_from_type_work_for_every_model() -> None:
    register_strategies()

    @settings(max_examples=10, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.from_type(CheckIn), st.from_type(AthleteState), st.from_type(footcore.Decision),
           st.from_type(footcore.models.WeekPlan), st.from_type(footcore.models.Exercise))
    def drawn(checkin: CheckIn, state: AthleteState, decision: footcore.Decision,
              plan: footcore.models.WeekPlan, exercise: footcore.models.Exercise) -> None:
        ENGINE.evaluate(state, attrs.evolve(checkin, on=max(checkin.on, TODAY)))
        assert decision.rulebook.digest == RULEBOOK.digest
        assert exercise.id in RULEBOOK.exercises and plan.stage in {s.id for s in RULEBOOK.stages}

    drawn()


def test_the_hypothesis_entry_point_is_installed() -> None:
    """The project is installed (the README's test command installs it), so its
    [project.entry-points.hypothesis] hook must be there and load the kit's registration."""
    hooks = [e for e in entry_points(group="hypothesis") if e.value.startswith("footcore")]
    assert hooks, "footcore's [project.entry-points.hypothesis] is not installed"
    assert hooks[0].load() is register_strategies


# ---------------------------------------------------------------- the pytest plugin


def _pytest(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False)


def test_the_pytest_plugin_checks_a_rulebook_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_rules.py").write_text(textwrap.dedent("""
        def test_safe(footcore_check, footcore_rulebook, footcore_engine):
            assert footcore_rulebook.id == "footcore-article"
            assert footcore_engine.rulebook is footcore_rulebook
            report = footcore_check(max_examples=20, stateful_examples=2)
            assert report.examples == 20
    """), encoding="utf-8")
    plugin = ["-p", "footcore.testing.pytest_plugin"]
    if any(e.value.startswith("footcore") for e in entry_points(group="pytest11")):
        plugin = []  # installed through the entry point already
    done = _pytest([*plugin, f"--footcore-rulebook={REPO / 'rules'}", "test_rules.py"],
                   tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_plugin_imports_without_hypothesis() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules["hypothesis"] = None  # as if it were not installed
        import footcore.testing.pytest_plugin
        try:
            from footcore.testing import checkins
        except ImportError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "needs Hypothesis: pip install 'footcore[testing]'" in done.stdout


def test_an_unknown_name_is_an_attribute_error() -> None:
    import footcore.testing

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        footcore.testing.nope  # noqa: B018
    assert "check_rulebook" in dir(footcore.testing)

