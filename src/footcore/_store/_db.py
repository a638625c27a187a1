"""What the store's modules share: the tables, the error, and a transaction's queries."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from .._errors import FootcoreError

__all__ = ["READS", "SCHEMA", "TABLES", "StoreError", "Tx", "add_salt", "salt", "upgrade"]

SCHEMA = 3
"""The store's schema. 2 added the salt (``footcore_meta`` key ``salt``: 32 random bytes as
hex, made with the store), the tombstones of erased athletes and the rulebooks the store has
used. 3 lets a SQLite store keep the texts of decisions and plans packed (``_packing``);
the rows it packs before are kept as they are, and read alike (a PostgreSQL store keeps
them as text, which its TOAST compresses). Opening a store of schema 1 or 2 read-write
upgrades it in one transaction."""

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
CREATE TABLE IF NOT EXISTS footcore_erasures (
    hash TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS footcore_erasures_digest ON footcore_erasures (digest);
CREATE TABLE IF NOT EXISTS footcore_rulebooks (
    digest TEXT PRIMARY KEY,
    rulebook TEXT NOT NULL
);
"""
TABLES = [sql.strip() for sql in _TABLES.split(";") if sql.strip()]
READS = ("1", "2", str(SCHEMA))
"""The schemas this footcore reads: a read-only store of schema 1 or 2 is read as it is."""


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

    def many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """Run ``sql`` once per row of parameters (a bulk insert)."""

    def pack(self, text: str) -> object:
        """A decision's or plan's text as the store keeps it (``_packing``)."""


def add_salt(tx: Tx) -> None:
    """Give the store its salt (32 random bytes, as hex) unless it has one: the key of
    the digests that stand for athlete ids in checkpoints and tombstones."""
    # Looked for first: a store with a salt is not written to (a read-only file opens too)
    if tx.one("SELECT 1 FROM footcore_meta WHERE key = 'salt'") is None:
        tx.run("INSERT INTO footcore_meta (key, value) VALUES ('salt', ?)",
               (secrets.token_hex(32),))


def upgrade(tx: Tx) -> None:
    """Make a store of schema 1 or 2 this schema, in the caller's transaction (which created
    the new tables, and gives the salt): the schema's number is the last thing to change.
    Its rows stay as they are: schema 3 reads texts unpacked as well as packed."""
    tx.run("UPDATE footcore_meta SET value = ? WHERE key = 'schema' AND value IN ('1', '2')",
           (str(SCHEMA),))


def salt(tx: Tx, location: str) -> bytes:
    """The store's salt (a store opened for writing has one: opening it upgraded it).

    Raises:
        StoreError: (``store-damaged``) the salt is missing or not 32 bytes as hex.
    """
    found = tx.one("SELECT value FROM footcore_meta WHERE key = 'salt'")
    value = found[0] if found else None
    if not (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value)):
        raise StoreError(f"store {location}: damaged: its salt is missing or not 64 hex "
                         f"digits; verify the store", code="store-damaged")
    return bytes.fromhex(value)
