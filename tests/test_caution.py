"""No reward for caution (issue 21, point 3; P10): the harsher direction of each back-off
threshold read from the rules, the whole-history invariant of the testing kit on every
harsher variant of the shipped rulebook, and the check catching a variant that rewards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore
import footcore.impact
from footcore import AthleteState, CheckIn, Engine, Goal, Location, Symptom, SymptomKind
from footcore._caution import harsher_directions, harsher_step, stricter_on_paper
from footcore._conditions import Op
from footcore._durable import durable_available
from footcore._rulebook import Condition
from footcore.testing import (
    CAUTION_NEVER_SOONER,
    EPOCH,
    InvariantViolation,
    check_caution_never_sooner,
    days_to_rungs,
    derive,
    harsher_variants,
    histories,
)
from rerun import examples

RULEBOOK = footcore.load_rulebook()
VARIANTS = harsher_variants(RULEBOOK)
BACKENDS = ["native", "durable"] if durable_available() else ["native"]


def test_the_harsher_way_is_read_from_the_rules() -> None:
    """Every back-off threshold of the shipped rulebook but one is harsher lower (its most
    cautious reader tests ``ge``); the forefoot symmetry bar is harsher higher (its hold
    tests ``lt``, P7); the progression criteria, read by rising rules, are none."""
    ways = harsher_directions(RULEBOOK)
    assert ways == {**dict.fromkeys(
        ["fatigue_hold_min", "irritation_rest_min", "persistent_symptom_days",
         "long_layoff_days", "short_layoff_days", "soreness_hold_min",
         "stiffness_deload_min"], -1), "forefoot_symmetry_min": 1}
    assert "min_sessions_in_window" not in ways
    assert harsher_step(RULEBOOK, "irritation_rest_min") == 3
    rest = next(r for r in RULEBOOK.rules if r.id == "forefoot-irritation-rest")
    raised = derive(RULEBOOK, rules={rest.id: {"when": tuple(
        c if c.field != "severity" else Condition("severity", Op.LE, param=c.param)
        for c in rest.when)}})
    assert harsher_directions(raised)["irritation_rest_min"] == 1


def test_stricter_on_paper_names_the_harsher_moves_only() -> None:
    lower = derive(RULEBOOK, params={"irritation_rest_min": 3})
    assert stricter_on_paper(RULEBOOK, lower) == (
        "irritation_rest_min 4 -> 3 (lower is harsher)",)
    assert stricter_on_paper(lower, RULEBOOK) == ()
    mixed = derive(RULEBOOK, params={"irritation_rest_min": 3, "stiffness_deload_min": 4})
    assert stricter_on_paper(RULEBOOK, mixed) == ()
    rest = derive(RULEBOOK, rules={"stiffness-deload": {"action": footcore.Action.REST}})
    assert stricter_on_paper(RULEBOOK, rest) == ("stiffness-deload: deload -> rest",)
    assert stricter_on_paper(RULEBOOK, RULEBOOK) == ()


def test_every_back_off_threshold_deload_and_ease_rule_has_a_variant() -> None:
    names = [v.name for v in VARIANTS]
    assert "irritation_rest_min 4 -> 3" in names
    assert "stiffness-deload: rest instead of deload" in names
    assert "stiffness-ease: deload instead of ease" in names
    assert len(names) == len(harsher_directions(RULEBOOK)) + sum(
        rule.action in (footcore.Action.DELOAD, footcore.Action.EASE) for rule in RULEBOOK.rules)


@pytest.mark.long
# Rerun on a fifth: the check compares two native engines' days to each rung, the code the
# whole run searches with every example; the histories are the same on any interpreter.
@settings(deadline=None, max_examples=examples(150, rerun=30), derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(RULEBOOK), variant=st.sampled_from(VARIANTS))
def test_no_harsher_variant_reaches_a_rung_sooner(history, variant) -> None:  # type: ignore[no-untyped-def]
    """P10: over a whole history, no variant one step more cautious climbs sooner."""
    state, checkins = history
    check_caution_never_sooner(RULEBOOK, variant.rulebook, state, checkins,
                               change=variant.name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rest_for_marked_irritation_climbs_no_sooner_on_both_backends(backend: str) -> None:
    """The measured case of issue 21: irritation 3/10 under the arch, answered with rest
    (irritation_rest_min 3) instead of a deload (4), reaches the next rungs no sooner."""
    harsher = derive(RULEBOOK, params={"irritation_rest_min": 3})
    state, checkins = _irritated_history()
    before = days_to_rungs(Engine(RULEBOOK, backend=backend), state, checkins)
    after = days_to_rungs(Engine(harsher, backend=backend), state, checkins)
    assert before and set(after) <= set(before)
    assert all(after[rung] >= before[rung] for rung in after)
    check_caution_never_sooner(Engine(RULEBOOK, backend=backend),
                               Engine(harsher, backend=backend), state, checkins)


def test_the_check_catches_a_variant_that_rewards() -> None:
    """A 'variant' whose deload window is a day long climbs sooner: the check says so."""
    rewarding = derive(RULEBOOK, params={"deload_days": 1})
    state, checkins = _irritated_history()
    with pytest.raises(InvariantViolation) as caught:
        check_caution_never_sooner(RULEBOOK, rewarding, state, checkins, change="deload 1 day")
    assert caught.value.invariant == CAUTION_NEVER_SOONER
    assert "deload 1 day" in str(caught.value)


def _irritated_history() -> tuple[AthleteState, tuple[CheckIn, ...]]:
    """Clean sessions every other day for 120 days, one with irritation 3/10 on day 30."""
    state = AthleteState(athlete_id="a", goal=Goal.RUNNER, stage=RULEBOOK.stages[0].id,
                         dose_level=0, started_on=EPOCH, rulebook_digest=RULEBOOK.digest)
    sore = (Symptom(SymptomKind.IRRITATION, Location.ARCH, 3),)
    checkins = tuple(
        CheckIn(on=EPOCH + timedelta(days=day), completed=True, minutes=18,
                symptoms=sore if day == 30 else (),
                metrics=footcore.Metrics(balance_eyes_open_s=40, balance_eyes_closed_s=20))
        for day in range(2, 121, 2))
    return state, checkins


def test_impact_flags_a_stricter_change_that_moves_athletes_up_sooner() -> None:
    """impact: lowering irritation_rest_min is stricter on paper; with a one-day deload
    window slipped in, athletes climb sooner, and the report flags it."""
    state, checkins = _irritated_history()
    histories_ = [footcore.impact.History.of(state, checkins, "irritated")]
    sneaky = derive(RULEBOOK, params={"irritation_rest_min": 3, "deload_days": 1})
    report = footcore.impact.impact(RULEBOOK, sneaky, histories_, workers=1)
    assert report.stricter == ("irritation_rest_min 4 -> 3 (lower is harsher)",)
    assert report.rewards_caution()
    assert "FLAGGED: stricter on paper (irritation_rest_min 4 -> 3" in str(report)
    honest = footcore.impact.impact(RULEBOOK, derive(RULEBOOK, params={"irritation_rest_min": 3}),
                                    histories_, workers=1)
    assert honest.stricter and not honest.rewards_caution()
    assert "FLAGGED" not in str(honest)
    milder = footcore.impact.impact(RULEBOOK, derive(RULEBOOK, params={"irritation_rest_min": 5}),
                                    histories_, workers=1)
    assert milder.stricter == () and milder.rewards_caution() == ()


# ---- issue 21: mild stiffness eases the week (P9)

HOLDING = derive(RULEBOOK, rules={"stiffness-ease": {"action": footcore.Action.HOLD}})


@pytest.mark.long
# Rerun on a fifth: the same check of two native engines as P10 above.
@settings(deadline=None, max_examples=examples(80, rerun=16), derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(RULEBOOK))
def test_an_ease_never_climbs_sooner_than_a_plain_hold(history) -> None:  # type: ignore[no-untyped-def]
    """P9: mild stiffness answered with an ease (a lighter week at the same step) reaches no
    rung sooner than the same stiffness answered with a plain hold."""
    state, checkins = history
    check_caution_never_sooner(HOLDING, RULEBOOK, state, checkins,
                               change="stiffness-ease instead of a hold")


@pytest.mark.parametrize("backend", BACKENDS)
def test_mild_stiffness_eases_no_sooner_than_a_hold_and_no_later_than_a_deload(
        backend: str) -> None:
    """P9: stiffness 2/10 on day 30 of clean sessions: the ease climbs no sooner than a hold
    and no later than a deload (stiffness_deload_min 2) of the same history."""
    state, checkins = _irritated_history()
    stiff = (Symptom(SymptomKind.STIFFNESS, Location.ARCH, 2),)
    checkins = tuple(c if c.on != EPOCH + timedelta(days=30) else
                     CheckIn(on=c.on, completed=True, minutes=18, symptoms=stiff,
                             metrics=c.metrics) for c in checkins)
    deload = derive(RULEBOOK, params={"stiffness_deload_min": 2})
    held, eased, deloaded = (days_to_rungs(Engine(book, backend=backend), state, checkins)
                             for book in (HOLDING, RULEBOOK, deload))
    assert eased and set(held) >= set(eased) >= set(deloaded)
    assert all(held[rung] <= eased[rung] for rung in eased)
    assert all(eased[rung] <= deloaded[rung] for rung in deloaded)
    assert eased != held  # the ease is felt: it restarts the days at the dose
