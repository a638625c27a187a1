"""How a decision becomes a store row and back: compact canonical JSON with each plan
replaced by the sha256 of its own canonical JSON, chained per athlete.

A row's ``hash`` is the sha256 of ``{"decision": <row JSON>, "prev": ..., "seq": ...}`` in
canonical form (as the JSON Lines audit log hashes its records), computed from the stored
bytes so verification need not re-encode anything.
"""

from __future__ import annotations

import hashlib
from typing import Any

import attrs

from .._audit_records import _encode
from .._canonical import Unwritable, writer
from .._convert import CONVERTER, structure
from .._errors import InputError
from .._jsonparse import parse_json
from .._limits import type_hints
from .._memo import remember
from .._models import AthleteState, Decision, WeekPlan
from ._db import StoreError, Tx
from ._packing import unpack

__all__ = ["PLAN_FIELDS", "Row", "Written", "damaged", "genesis", "insert_row", "make_row",
           "plan_hash", "read_decision", "record_hash", "stored_json", "whole_decision"]

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


@attrs.frozen
class Written:
    """What a store wrote last for an athlete, good while their chain ends at ``head``:
    their stored state (its row's ``text``), and the plan of the record at ``head``, which
    the store holds under ``plan_key``. The next row takes the prior state's text and the
    prior plan's hash from here instead of writing them again, and leaves that plan out of
    the plans it stores (benchmarks/bench_store_overhead.py)."""

    head: str
    state: AthleteState
    text: str
    plan: WeekPlan
    plan_key: str


# Each field of a decision with the compact writer of its type, in key order (a plan field
# is written as its plan's hash instead).
_WRITERS = tuple((field, writer(kind, True))
                 for field, kind in sorted(type_hints(Decision).items()))
_PLAN_WRITER = writer(WeekPlan, True)
_STATE_WRITER = writer(AthleteState, True)
_HASHES: dict[str, str] = {}  # plan text -> its hash; plans repeat from decision to decision
_HASHES_MOST = 256  # as many as the plan writer remembers texts of (about 7 KB each)


def _plan(plan: WeekPlan) -> tuple[str, str]:
    """A plan's hash and compact canonical JSON."""
    text = _PLAN_WRITER(plan)
    key = _HASHES.get(text)
    if key is None:
        key = remember(_HASHES, text, plan_hash(text), _HASHES_MOST)
    return key, text


# A row's decision text, the hashes of its plan and prior plan, its plans by hash, and its
# new state's text.
RowTexts = tuple[str, tuple[str, str], dict[str, str], str]


def _row_texts(decision: Decision, last: Written | None = None) -> RowTexts:
    """A row's texts, written straight from the objects (the state's text is remembered
    from the decision's), but for what ``last`` holds: the plans are those to store."""
    parts, plans, keys = [], {}, {}
    for field, write in _WRITERS:
        value = getattr(decision, field)
        if field in PLAN_FIELDS:
            if last is not None and value is last.plan:
                key = last.plan_key
            else:
                key, plan = _plan(value)
                plans[key] = plan
            keys[field] = key
            parts.append(f'"{field}":"{key}"')
        elif last is not None and value is last.state:
            parts.append(f'"{field}":{last.text}')
        else:
            parts.append(f'"{field}":{write(value)}')
    refs = (keys["plan"], keys["prior_plan"])
    return "{" + ",".join(parts) + "}", refs, plans, _STATE_WRITER(decision.state)


def _general_row_texts(decision: Decision) -> RowTexts:
    """What :func:`_row_texts` writes, through the converter and the json module: for a value
    the direct writers do not know, which then reads or fails as it always has."""
    data: dict[str, Any] = {}
    plans: dict[str, str] = {}
    for field in attrs.fields(Decision):
        value = getattr(decision, field.name)
        if field.name in PLAN_FIELDS:
            text = _encode(CONVERTER.unstructure(value)).decode()
            data[field.name] = key = plan_hash(text)
            plans[key] = text
        else:
            data[field.name] = CONVERTER.unstructure(value)
    return (_encode(data).decode(), (data["plan"], data["prior_plan"]), plans,
            _encode(data["state"]).decode())


def make_row(decision: Decision, seq: int, prev: str, last: Written | None = None) -> Row:
    """The row recording ``decision`` as record ``seq`` of its athlete's chain; with
    ``last``, what the store wrote for the athlete when their chain ended at ``prev``, the
    row's plans leave out the one stored already."""
    try:
        text, refs, plans, state = _row_texts(decision, last)
    except (Unwritable, TypeError, AttributeError, KeyError, ValueError):
        text, refs, plans, state = _general_row_texts(decision)
    checkin_id = decision.checkin.id if decision.checkin is not None else None
    return Row(seq, prev, record_hash(seq, prev, text), checkin_id, text, plans,
               refs, state)


def damaged(where: str, why: str) -> StoreError:
    """The error for a row footcore cannot read back: ``where`` names the store, the
    athlete and the record."""
    return StoreError(f"{where}: damaged: {why}; verify the store", code="store-damaged")


def stored_json(text: object, what: str) -> Any:
    """A stored text (packed or not: ``_packing``) as JSON data, read within footcore's
    limits (size, nesting, integer digits), as any document from outside is.

    Raises:
        ValueError: the value is not text, or not JSON footcore could have written; the
            message says why.
    """
    text = unpack(text)
    if not isinstance(text, str):
        raise ValueError(f"its {what} is {type(text).__name__}, not text")
    try:
        return parse_json(text, what)
    except InputError as exc:
        raise ValueError(str(exc)) from None


_PARSED: dict[str | bytes, Any] = {}  # plan as stored -> its JSON data; decisions share plans


def _plan_data(text: object) -> Any:
    """A stored plan as JSON data (shared between the decisions that use it: read only)."""
    if not isinstance(text, str | bytes):
        return stored_json(text, "plan")  # raises: not text
    if text not in _PARSED:
        remember(_PARSED, text, stored_json(text, "plan"), _HASHES_MOST)
    return _PARSED[text]


def whole_decision(text: object, plans: dict[Any, object], where: str) -> dict[str, Any]:
    """A row's decision as JSON data, each plan hash replaced by the plan (data the
    caller must not change: a plan's is shared with other decisions).

    Raises:
        StoreError: (``store-damaged``) the row or a plan it uses cannot be read.
    """
    try:
        data = stored_json(text, "decision")
        if not isinstance(data, dict):
            raise ValueError("its decision is not a JSON object")
        for field in PLAN_FIELDS:
            key = data.get(field)
            plan = plans.get(key) if isinstance(key, str) else None
            if plan is None:
                raise ValueError(f"the {field} it names is missing")
            data[field] = _plan_data(plan)
    except ValueError as exc:
        raise damaged(where, str(exc)) from None
    return data


def read_decision(text: object, plans: dict[Any, object], where: str) -> Decision:
    """A row's decision, whole again.

    Raises:
        StoreError: (``store-damaged``) the row or a plan it uses cannot be read, or does
            not make a decision.
    """
    try:
        return structure(whole_decision(text, plans, where), Decision, "stored decision")
    except InputError as exc:
        raise damaged(where, str(exc)) from None


def insert_row(tx: Tx, athlete_id: str, row: Row) -> None:
    """Insert ``row`` and its plans (each plan once: a stored one is kept)."""
    plans = sorted(row.plans.items())
    if plans:
        tx.run("INSERT INTO footcore_plans (hash, plan) VALUES "
               + ", ".join(["(?, ?)"] * len(plans)) + " ON CONFLICT (hash) DO NOTHING",
               [value for key, text in plans for value in (key, tx.pack(text))])
    tx.run("INSERT INTO footcore_decisions (athlete_id, seq, prev, hash, checkin_id, plan, "
           "prior_plan, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
           (athlete_id, row.seq, row.prev, row.hash, row.checkin_id, *row.refs,
            tx.pack(row.decision)))
