"""Erasing an athlete (GDPR Art. 17): their rows go, a tombstone stays.

The tombstone names the athlete only by the salted digest of their id and keeps the hashes
of the records their chain held, so every checkpoint signed before the erasure still
verifies, and the checkpoints made after it sign the tombstone. It is canonical JSON with a
hash of its own (the sha256 of that text), so an edit is found.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import attrs

from .._audit_records import _encode
from .._enums import REASONS, ChangeKind, Role
from .._errors import InputError, NotFound
from .._ids import normal_id
from .._limits import limit
from .._words import counted
from ._db import Tx, salt
from ._rows import stored_json
from ._sign import digest, redact

__all__ = ["ErasureReceipt", "Tombstone", "erase", "lock_signing", "read_tombstones",
           "store_tombstone"]

_REASONS = REASONS[ChangeKind.ERASURE]  # the reason codes an erasure takes
_ROLES = tuple(role.value for role in Role)  # the roles of whoever erases

_FORMAT = 1  # the tombstone's own format


@attrs.frozen
class ErasureReceipt:
    """What :meth:`Store.erase` did, as its tombstone records it (and as
    :meth:`Store.verify` reports it): ``digest`` stands for the athlete's id (HMAC-SHA256
    with the store's salt); ``records`` counts the records their chain held, ``head`` is
    the last one's hash (None for none); ``hash`` is the tombstone's own; ``redacted``
    lists the checkpoints signed before schema 2 that named the athlete in plain text
    and were redacted (their signatures can no longer be checked)."""

    digest: str
    erased_on: date
    by: str
    role: str
    reason: str
    comment: str | None
    records: int
    head: str | None
    hash: str
    redacted: tuple[int, ...] = ()

    def __str__(self) -> str:
        comment = f": {self.comment}" if self.comment else ""
        return (f"athlete erased on {self.erased_on} by {self.by} ({self.role}, "
                f"{self.reason}{comment}), {counted(self.records, 'record')}")


@attrs.frozen
class Tombstone:
    """A stored tombstone, read back and checked: its receipt, the hashes of the records
    the chain held (record 1 first), and the last checkpoint made before it (0 for none):
    checkpoints up to that number that name its digest name the erased chain."""

    receipt: ErasureReceipt
    hashes: tuple[str, ...]
    checkpoint: int


def _body(receipt: ErasureReceipt, hashes: tuple[str, ...], checkpoint: int) -> str:
    return _encode({
        "by": receipt.by, "checkpoint": checkpoint, "comment": receipt.comment,
        "digest": receipt.digest, "erased_on": receipt.erased_on.isoformat(),
        "format": _FORMAT, "hashes": list(hashes), "head": receipt.head,
        "reason": receipt.reason, "records": receipt.records,
        "redacted": list(receipt.redacted), "role": receipt.role}).decode()


def _tombstone(text: str, stored_hash: str) -> Tombstone:
    """The tombstone a stored body holds.

    Raises:
        ValueError: the body is not one footcore wrote, or not the one its hash names.
    """
    if hashlib.sha256(text.encode()).hexdigest() != stored_hash:
        raise ValueError("its content no longer matches its hash")
    data: Any = stored_json(text, "tombstone")
    try:
        hashes = tuple(data["hashes"])
        receipt = ErasureReceipt(
            data["digest"], date.fromisoformat(data["erased_on"]), data["by"],
            data["role"], data["reason"], data["comment"], data["records"], data["head"],
            stored_hash, tuple(data["redacted"]))
        found = Tombstone(receipt, hashes, data["checkpoint"])
    except (TypeError, KeyError, ValueError):
        raise ValueError("not a tombstone footcore wrote") from None
    texts = (receipt.by, receipt.role, receipt.reason, *hashes)
    if (data.get("format") != _FORMAT or type(found.checkpoint) is not int
            or type(receipt.records) is not int
            or not all(isinstance(value, str) for value in texts)
            or _body(receipt, hashes, found.checkpoint) != text
            or receipt.records != len(hashes)
            or receipt.head != (hashes[-1] if hashes else None)):
        raise ValueError("not a tombstone footcore wrote")
    return found


def read_tombstones(tx: Tx) -> tuple[list[Tombstone], list[tuple[str, str]]]:
    """The store's tombstones that check out, by the last checkpoint before each, and
    ``(hash, why)`` for each that does not."""
    good, bad = [], []
    for stored_hash, column, text in tx.all(
            "SELECT hash, digest, body FROM footcore_erasures ORDER BY hash"):
        try:
            if not (isinstance(stored_hash, str) and isinstance(text, str)):
                raise ValueError("its hash or body is not text")
            found = _tombstone(text, stored_hash)
            if found.receipt.digest != column:
                raise ValueError("its digest column is not the athlete's its body names")
        except ValueError as exc:
            bad.append((str(stored_hash), str(exc)))
            continue
        good.append(found)
    good.sort(key=lambda t: (t.checkpoint, t.receipt.erased_on, t.receipt.hash))
    return good, bad


def lock_signing(tx: Tx) -> None:
    """Take, until the transaction ends, the lock that erasures and checkpoints take in
    turn (on PostgreSQL, the salt's row; SQLite's writes take turns anyway), so a
    checkpoint never signs an athlete an erasure is removing."""
    tx.run("UPDATE footcore_meta SET value = value WHERE key = 'salt'")


def store_tombstone(tx: Tx, tombstone: Tombstone, text: str) -> None:
    """Insert the tombstone: the last write of an erasure's transaction."""
    tx.run("INSERT INTO footcore_erasures (hash, digest, body) VALUES (?, ?, ?)",
           (tombstone.receipt.hash, tombstone.receipt.digest, text))


def _text(value: object, field: str, choices: tuple[str, ...] | None = None) -> str:
    """A text argument: an id-like text, or one of ``choices``."""
    value = getattr(value, "value", value)  # an enum of the core (Role)
    if choices is None:
        return normal_id(value, field)
    if value not in choices:
        raise InputError(f"{field}: got {value!r:.80}; accepted: one of "
                         f"{', '.join(choices)}", field=field)
    return str(value)


def _comment(comment: object) -> str | None:
    if comment is None:
        return None
    most = limit("text_length")
    if not (isinstance(comment, str) and comment.strip() and len(comment) <= most):
        raise InputError(f"comment: got {comment!r:.80}; accepted: None or a text of 1 to "
                         f"{most} characters", field="comment")
    return comment


def erase(tx: Tx, location: str, athlete_id: str, *, by: object, role: object,
          reason: object, comment: object, on: object) -> ErasureReceipt:
    """Erase the athlete in the transaction ``tx``: their row, their decisions, the plans
    only they used, their id in format-1 checkpoints; write the tombstone.

    Raises:
        InputError: an argument is not one accepted.
        NotFound: no athlete has that id.
        StoreError: the store's salt is damaged (``store-damaged``).
    """
    by_text, role_text = _text(by, "by"), _text(role, "role", _ROLES)
    reason_text, note = _text(reason, "reason", _REASONS), _comment(comment)
    if on is None:
        on = datetime.now(UTC).date()
    elif not isinstance(on, date) or isinstance(on, datetime):
        raise InputError(f"on: got {on!r:.40}; accepted: a date (None for today, UTC)",
                         field="on")
    lock_signing(tx)
    if not tx.run("UPDATE footcore_athletes SET records = records WHERE athlete_id = ?",
                  (athlete_id,)):
        raise NotFound(f"athlete_id: no athlete {athlete_id!r} in the store {location}",
                       code="athlete-not-found")
    salted = digest(salt(tx, location), athlete_id)
    hashes = tuple(str(h) for _, h in tx.all(
        "SELECT seq, hash FROM footcore_decisions WHERE athlete_id = ? ORDER BY seq",
        (athlete_id,)))
    plans = [h for (h,) in tx.all(
        "SELECT plan FROM footcore_decisions WHERE athlete_id = ? UNION "
        "SELECT prior_plan FROM footcore_decisions WHERE athlete_id = ?",
        (athlete_id, athlete_id))]
    redacted = []
    for number, text in tx.all("SELECT number, body FROM footcore_checkpoints "  # format 1
                               "WHERE body LIKE ? ORDER BY number", ('{"heads":%',)):
        changed = redact(text, athlete_id, salted) if isinstance(text, str) else None
        if changed is not None:
            tx.run("UPDATE footcore_checkpoints SET body = ? WHERE number = ?",
                   (changed, number))
            redacted.append(number)
    last = tx.one("SELECT MAX(number) FROM footcore_checkpoints")
    tx.run("DELETE FROM footcore_decisions WHERE athlete_id = ?", (athlete_id,))
    for plan in plans:
        tx.run("DELETE FROM footcore_plans WHERE hash = ? AND NOT EXISTS (SELECT 1 FROM "
               "footcore_decisions WHERE plan = ? OR prior_plan = ?)", (plan, plan, plan))
    tx.run("DELETE FROM footcore_athletes WHERE athlete_id = ?", (athlete_id,))
    receipt = ErasureReceipt(salted, on, by_text, role_text, reason_text, note, len(hashes),
                             hashes[-1] if hashes else None, "", tuple(redacted))
    checkpoint = last[0] if last and last[0] is not None else 0
    text = _body(receipt, hashes, checkpoint)
    receipt = attrs.evolve(receipt, hash=hashlib.sha256(text.encode()).hexdigest())
    store_tombstone(tx, Tombstone(receipt, hashes, checkpoint), text)
    return receipt
