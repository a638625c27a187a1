"""How a decision becomes a store row and back: compact canonical JSON with each plan
replaced by the sha256 of its own canonical JSON, chained per athlete.

A row's ``hash`` is the sha256 of ``{"decision": <row JSON>, "prev": ..., "seq": ...}`` in
canonical form (as the JSON Lines audit log hashes its records), computed from the stored
bytes so verification need not re-encode anything.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

import attrs

from .._audit import _encode
from .._convert import CONVERTER, structure
from .._models import Decision, WeekPlan
from ._db import Tx

__all__ = ["PLAN_FIELDS", "Row", "genesis", "insert_row", "make_row", "plan_hash",
           "read_decision", "record_hash", "whole_decision"]

PLAN_FIELDS = ("plan", "prior_plan")
"""The decision fields that hold a WeekPlan: stored once by hash, referenced from rows."""


def genesis(athlete_id: str) -> str:
    """What the first record of an athlete's chain links to: bound to the athlete, so a
    chain cannot be moved to another one."""
    return hashlib.sha256(b"footcore store 1\n" + athlete_id.encode()).hexdigest()


def record_hash(seq: int, prev: str, text: str) -> str:
    """The hash of a row whose compact decision JSON is ``text``: the sha256 of the
    canonical ``{"decision", "prev", "seq"}`` object, spliced from the stored bytes."""
    body = b'{"decision":%s,"prev":"%s","seq":%d}' % (text.encode(), prev.encode(), seq)
    return hashlib.sha256(body).hexdigest()


def plan_hash(text: str) -> str:
    """The key a plan is stored under: the sha256 of its canonical JSON."""
    return hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class Row:
    """One decision as the store writes it."""

    seq: int
    prev: str
    hash: str
    checkin_id: str | None
    decision: str  # compact canonical JSON: plans replaced by their hashes
    plans: dict[str, str]  # plan hash -> canonical plan JSON, for each field of PLAN_FIELDS
    refs: tuple[str, str]  # the hashes of plan and prior_plan
    state: str  # the new state, canonical JSON


@functools.lru_cache(maxsize=4096)
def _plan(plan: WeekPlan) -> tuple[str, str]:
    """A plan's hash and canonical JSON: plans repeat from one decision to the next."""
    text = _encode(CONVERTER.unstructure(plan)).decode()
    return plan_hash(text), text


def make_row(decision: Decision, seq: int, prev: str) -> Row:
    """The row recording ``decision`` as record ``seq`` of its athlete's chain."""
    data: dict[str, Any] = {}
    plans: dict[str, str] = {}
    for field in attrs.fields(Decision):
        value = getattr(decision, field.name)
        if field.name in PLAN_FIELDS:
            key, plans[key] = _plan(value)
            data[field.name] = key
        else:
            data[field.name] = CONVERTER.unstructure(value)
    text = _encode(data).decode()
    return Row(seq, prev, record_hash(seq, prev, text), decision.checkin.id, text, plans,
               (data["plan"], data["prior_plan"]), _encode(data["state"]).decode())


def whole_decision(text: str, plans: dict[str, str]) -> dict[str, Any]:
    """A row's decision as JSON data, each plan hash replaced by the plan."""
    data: dict[str, Any] = json.loads(text)
    for field in PLAN_FIELDS:
        data[field] = json.loads(plans[data[field]])
    return data


def read_decision(text: str, plans: dict[str, str]) -> Decision:
    """A row's decision, whole again."""
    return structure(whole_decision(text, plans), Decision, "stored decision")


def insert_row(tx: Tx, athlete_id: str, row: Row) -> None:
    """Insert ``row`` and the plans it uses (each plan once: a stored one is kept)."""
    plans = sorted(row.plans.items())
    tx.run("INSERT INTO footcore_plans (hash, plan) VALUES "
           + ", ".join(["(?, ?)"] * len(plans)) + " ON CONFLICT (hash) DO NOTHING",
           [value for pair in plans for value in pair])
    tx.run("INSERT INTO footcore_decisions (athlete_id, seq, prev, hash, checkin_id, plan, "
           "prior_plan, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
           (athlete_id, row.seq, row.prev, row.hash, row.checkin_id, *row.refs, row.decision))
