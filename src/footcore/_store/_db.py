"""What the store's modules share: the tables, the error, and a transaction's queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from .._errors import FootcoreError

__all__ = ["SCHEMA", "TABLES", "StoreError", "Tx"]

SCHEMA = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS footcore_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS footcore_athletes (
    athlete_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    records INTEGER NOT NULL CHECK (records >= 0),
    head TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS footcore_plans (
    hash TEXT PRIMARY KEY,
    plan TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS footcore_decisions (
    athlete_id TEXT NOT NULL REFERENCES footcore_athletes (athlete_id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    checkin_id TEXT,
    plan TEXT NOT NULL REFERENCES footcore_plans (hash),
    prior_plan TEXT NOT NULL REFERENCES footcore_plans (hash),
    decision TEXT NOT NULL,
    PRIMARY KEY (athlete_id, seq),
    UNIQUE (athlete_id, prev),
    UNIQUE (athlete_id, checkin_id)
);
CREATE TABLE IF NOT EXISTS footcore_checkpoints (
    number INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS footcore_rulebooks (
    digest TEXT PRIMARY KEY,
    rulebook TEXT NOT NULL
);
"""
TABLES = [sql.strip() for sql in _TABLES.split(";") if sql.strip()]


class StoreError(FootcoreError):
    """The store cannot do what was asked: the database is unreachable, busy beyond its
    timeout, not a footcore store, or damaged. ``report`` holds the verification that
    found damage, when there was one; its ``code`` is then ``store-damaged``."""

    code = "store-failed"

    def __init__(self, message: str, *, report: object | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, code=code or ("store-damaged" if report is not None
                                                else None))
        self.report = report


class Tx(Protocol):
    """A transaction's queries, with ``?`` placeholders on either database."""

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None: ...

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]: ...

    def run(self, sql: str, params: Sequence[object] = ()) -> int: ...
