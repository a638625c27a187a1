"""A store's signed checkpoints and tombstones as JSON data, each body exactly as stored
(the checkpoint's as signed): what a verifier in another language checks an export
against (docs/spec/checkpoints.md)."""

from __future__ import annotations

from typing import Any

from ._db import Tx
from ._sign import Signed, parse

__all__ = ["SIGNED_FORMAT", "export_signed"]

SIGNED_FORMAT = 1
"""The version of the document's layout (its ``format`` key)."""


def _checkpoint(number: object, text: object, signature: object) -> dict[str, Any]:
    """One stored checkpoint: its body and signature as stored, and what its body says
    (None where the body is not one footcore reads)."""
    found = (parse(number, text, signature) if isinstance(number, int)
             and isinstance(text, str) and isinstance(signature, str) else None)
    signed = found if isinstance(found, Signed) else None
    return {"number": number,
            "format": signed.format if signed else None,
            "made_at": signed.checkpoint.made_at if signed else None,
            "public_key": signed.checkpoint.public_key if signed else None,
            "redacted": list(signed.redacted) if signed else None,
            "body": text, "signature": signature}


def export_signed(tx: Tx, location: str, schema: int, salt: bool) -> dict[str, Any]:
    """The checkpoints (by number) and tombstones (by hash) as ``tx`` sees them, and with
    ``salt`` the store's salt (None for a schema-1 store, which has none)."""
    data: dict[str, Any] = {
        "format": SIGNED_FORMAT, "source": location,
        "checkpoints": [_checkpoint(*row) for row in tx.all(
            "SELECT number, body, signature FROM footcore_checkpoints ORDER BY number")],
        "erasures": [] if schema < 2 else [
            {"hash": digest, "body": body} for digest, body in tx.all(
                "SELECT hash, body FROM footcore_erasures ORDER BY hash")]}
    if salt:
        found = None if schema < 2 else tx.one(
            "SELECT value FROM footcore_meta WHERE key = 'salt'")
        data["salt"] = found[0] if found else None
    return data
