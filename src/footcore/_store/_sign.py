"""Signed checkpoints: the heads of every athlete's chain at one moment, signed with
Ed25519 (``pip install 'footcore[sign]'``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs

from .._audit_records import _encode
from .._errors import InputError
from .._inputs import read_input
from .._jsonparse import parse_json
from ._db import StoreError

_KEY_BYTES = 64 * 1024  # an Ed25519 key in PEM is about 120 bytes
_SIGNATURE = re.compile(r"[0-9a-f]{128}")  # an Ed25519 signature is 64 bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = ["Checkpoint", "check_key", "parse", "raw_public", "read_key", "sign",
           "signature_ok"]


@attrs.frozen
class Checkpoint:
    """The heads of the store's chains when it was made, and its signature.

    ``heads`` holds ``(athlete_id, seq, hash)`` for each athlete with a decision: the last
    record then. ``public_key`` is the signer's, as 64 hex digits.
    """

    number: int
    made_at: str
    heads: tuple[tuple[str, int, str], ...]
    public_key: str
    signature: str


def _ed25519() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise StoreError("signed checkpoints need cryptography: pip install "
                         "'footcore[sign]'", code="store-driver-missing") from None
    return ed25519


def check_key(key: object, *, private: bool) -> None:
    """Raise InputError unless ``key`` is an Ed25519 key of the kind wanted."""
    ed25519 = _ed25519()
    kind = ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey
    if not isinstance(key, kind):
        name = "private_key" if private else "public_key"
        raise InputError(f"{name}: got {type(key).__name__}; accepted: an {kind.__name__} "
                         f"from the cryptography package")


def read_key(path: str, *, private: bool) -> Any:
    """The Ed25519 key in the PEM file at ``path`` (as ``openssl genpkey -algorithm
    ed25519`` writes a private key, and ``openssl pkey -pubout`` its public key).

    Raises:
        InputError: the file is missing or holds no Ed25519 key of that kind.
        StoreError: cryptography is missing.
    """
    _ed25519()
    from cryptography.hazmat.primitives import serialization

    what = "private key" if private else "public key"
    data = read_input(path, f"{what} file", _KEY_BYTES, "no PEM key is larger")
    try:
        key = (serialization.load_pem_private_key(data, password=None) if private
               else serialization.load_pem_public_key(data))
        check_key(key, private=private)
    except (ValueError, TypeError, InputError):
        raise InputError(f"{what} file {path}: not an unencrypted Ed25519 {what} in PEM "
                         f"form") from None
    return key


def raw_public(key: Ed25519PublicKey) -> str:
    """The key's 32 raw bytes as hex."""
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def body(number: int, made_at: str, heads: tuple[tuple[str, int, str], ...],
         public_key: str) -> str:
    """The signed text: canonical JSON of the checkpoint's content."""
    return _encode({"heads": {a: [seq, h] for a, seq, h in heads}, "made_at": made_at,
                    "number": number, "public_key": public_key}).decode()


def sign(key: Ed25519PrivateKey, number: int, made_at: str,
         heads: tuple[tuple[str, int, str], ...]) -> tuple[Checkpoint, str]:
    """The checkpoint and the text it signs."""
    public = raw_public(key.public_key())
    text = body(number, made_at, heads, public)
    return Checkpoint(number, made_at, heads, public, key.sign(text.encode()).hex()), text


def parse(number: int, text: str, signature: str) -> Checkpoint | str:
    """A stored checkpoint, or why it cannot be read as one."""
    try:
        data = parse_json(text, "checkpoint")  # within limits: a deep one is not a crash
        heads = tuple((a, int(seq), str(h)) for a, (seq, h) in sorted(data["heads"].items()))
        found = Checkpoint(number, str(data["made_at"]), heads, str(data["public_key"]),
                           signature)
        same = (data["number"] == number
                and body(number, found.made_at, heads, found.public_key) == text)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"not a checkpoint ({type(exc).__name__}: {exc})"
    if not same:
        return "its content is not in the form footcore writes"
    return found


def signature_ok(key: Ed25519PublicKey, text: str, signature: str) -> bool:
    """True when ``signature`` is ``key``'s signature of ``text``, in the form footcore
    writes it: 128 lowercase hex digits (``bytes.fromhex`` alone would also take capitals and
    spaces, so an edited signature could still verify)."""
    from cryptography.exceptions import InvalidSignature

    if not _SIGNATURE.fullmatch(signature):
        return False
    try:
        key.verify(bytes.fromhex(signature), text.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
