"""The prover's clock parts are found per skeleton (an anchor but for its minutes), its
joins kept per rule bits and cut to the rules its options can let through: they are the
parts that listing every anchor with its minutes and folding its options gives, with the
same keys and values (so the same verdicts and counterexamples). The reference is that
plain listing, on the shipped rulebook and on generated rules (tests/big_rulebooks.py).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore
from big_rulebooks import generated_rules, with_rules
from footcore._conditions import FactType
from footcore._enums import BackOff
from footcore._rulebook_loading import rulebook_data
from footcore.analysis._bits import Part, fold
from footcore.analysis._cells import SIGNS, Clock
from footcore.analysis._model import _CLOCK_PARTS, _OPTIONS, _QUIET, Model

RULEBOOK = footcore.load_rulebook()


def _listed(model: Model, paused: bool, backoff: BackOff) -> list[Part]:
    """Every anchor listed with each of its minutes, its options folded onto it."""
    ck = model.bits[FactType.CHECKIN]
    groups = model._reachable_clocks(paused, backoff) if model.reachable else (
        model._loose_clocks())
    found: list[Part] = []
    for skeleton, *options in groups:
        for minutes in model.minutes:
            if minutes["short"] != skeleton["short"]:
                continue
            anchor = {"fresh": skeleton["fresh"], "completed": skeleton["completed"],
                      **minutes, **{k: skeleton[k] for k in (
                          "since_checkin", "since_session", "since_start")}}
            base = Clock(**{**_QUIET, **anchor})
            fields = (*_CLOCK_PARTS["minutes"], *_CLOCK_PARTS["anchor"])
            bits = ck.all({f: v for f, v in base.facts(backoff, True).items() if f in fields})
            key = (not base.fresh, base.since_checkin == 0, base.since_session == 0,
                   not base.completed, base.minutes,
                   *(-1 if v is None else v for v in anchor.values()))
            found.extend(fold([Part((bits, bits), key, anchor)], *(
                [_option(model, base, backoff, option, name) for option in group]
                for name, group in zip(_OPTIONS, options, strict=True))))
    return fold(found)


def _option(model: Model, base: Clock, backoff: BackOff, values: dict[str, Any],
            name: str) -> Part:
    clock = attrs.evolve(base, **values)
    bits = tuple(model.bits[FactType.CHECKIN].all(
        {f: v for f, v in clock.facts(backoff, clean).items() if f in _CLOCK_PARTS[name]})
        for clean in (True, False))
    return Part((bits[0], bits[1]), tuple(-1 if v is None else v for v in values.values()),
                values)


def _same(model: Model) -> None:
    for paused in (False, True):
        for backoff in BackOff:
            assert model.clocks(paused, backoff) == _listed(model, paused, backoff), (
                paused, backoff)


@pytest.mark.once
@pytest.mark.parametrize("reachable", [True, False])
def test_the_shipped_rulebooks_clock_parts_are_those_of_every_anchor_listed(
        reachable: bool) -> None:
    _same(Model(RULEBOOK, RULEBOOK, reachable, tuple(SIGNS)))


@pytest.mark.once
@settings(max_examples=3, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 10**6), st.integers(4, 24), st.integers(2, 8), st.booleans())
def test_generated_rules_clock_parts_are_those_of_every_anchor_listed(
        seed: int, count: int, conditions: int, reachable: bool) -> None:
    rules = generated_rules(rulebook_data(RULEBOOK), count, conditions, seed)
    rulebook = with_rules(RULEBOOK, rules, f"generated {seed}")
    _same(Model(rulebook, rulebook, reachable, tuple(SIGNS)))
