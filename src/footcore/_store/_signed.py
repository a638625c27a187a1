"""A store's signed checkpoints and tombstones as JSON data, each body exactly as stored
(the checkpoint's as signed): what a verifier in another language checks an export
against (docs/spec/checkpoints.md)."""

from __future__ import annotations

from typing import Any

from ._db import Tx
from ._rows import damaged
from ._sign import Signed, parse

__all__ = ["SIGNED_FORMAT", "export_signed"]

SIGNED_FORMAT = 1
"""The version of the document's layout (its ``format`` key)."""


def _texts(location: str, what: str, *values: object) -> None:
    """Refuse a row whose values are not text: JSON can hold no other bytes as stored.

    Raises:
        StoreError: (``store-damaged``) one is not.
    """
    if not all(isinstance(value, str) for value in values):
        raise damaged(f"store {location}: {what}", "a value is not text")


def _checkpoint(location: str, number: int, text: object, signature: object
                ) -> dict[str, Any]:
    """One stored checkpoint: its body and signature as stored, and what its body says
    (None where the body is not one footcore reads)."""
    _texts(location, f"checkpoint {number}", text, signature)
    found = parse(number, str(text), str(signature))
    signed = found if isinstance(found, Signed) else None
    return {"number": number,
            "format": signed.format if signed else None,
            "made_at": signed.checkpoint.made_at if signed else None,
            "public_key": signed.checkpoint.public_key if signed else None,
            "redacted": list(signed.redacted) if signed else None,
            "body": text, "signature": signature}


def export_signed(tx: Tx, location: str, schema: int, salt: bool) -> dict[str, Any]:
    """The checkpoints (by number) and tombstones (by hash) as ``tx`` sees them, and with
    ``salt`` the store's salt (None for a schema-1 store, which has none).

    Raises:
        StoreError: (``store-damaged``) a stored value is not text.
    """
    erasures = [] if schema < 2 else tx.all(
        "SELECT hash, body FROM footcore_erasures ORDER BY hash")
    for digest, body in erasures:
        _texts(location, "an erasure", digest, body)
    data: dict[str, Any] = {
        "format": SIGNED_FORMAT, "source": location,
        "checkpoints": [_checkpoint(location, *row) for row in tx.all(
            "SELECT number, body, signature FROM footcore_checkpoints ORDER BY number")],
        "erasures": [{"hash": digest, "body": body} for digest, body in erasures]}
    if salt:
        found = None if schema < 2 else tx.one(
            "SELECT value FROM footcore_meta WHERE key = 'salt'")
        data["salt"] = found[0] if found else None
        _texts(location, "its salt", data["salt"] or "")
    return data
