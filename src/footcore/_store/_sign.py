"""Signed checkpoints: the heads of every athlete's chain at one moment, keyed by the
salted digest of each athlete's id, and the erasures before it, signed with Ed25519
(``pip install 'footcore[sign]'``)."""

from __future__ import annotations

import hashlib
import hmac
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

__all__ = ["FORMAT", "Checkpoint", "Signed", "check_key", "digest", "parse", "raw_public",
           "read_key", "redact", "sign", "signature_ok"]

FORMAT = 2
"""The body format checkpoints are signed in: heads keyed by salted digest, with the
erasures before it."""


@attrs.frozen
class Checkpoint:
    """The heads of the store's chains when it was made, and its signature.

    ``heads`` holds ``(athlete_id, seq, hash)`` for each athlete with a decision: the last
    record then. ``public_key`` is the signer's, as 64 hex digits. ``erasures`` holds the
    hashes of the tombstones of the athletes erased before it, which it signs too.

    The signed text names no athlete: it keys each head by the athlete id's salted digest
    (HMAC-SHA256 with the store's salt), so erasing an athlete leaves it checkable.
    Checkpoints made before schema 2 keyed heads by the id itself (format 1); they still
    verify, and one that names an athlete later erased is redacted (docs/erasure.md).
    """

    number: int
    made_at: str
    heads: tuple[tuple[str, int, str], ...]
    public_key: str
    signature: str
    erasures: tuple[str, ...] = ()


@attrs.frozen
class Signed:
    """A stored checkpoint as read back: its heads keyed as its body keys them, by
    athlete id (format 1) or by the id's salted digest (format 2); ``redacted`` lists the
    digests an erasure put in place of ids in a format-1 body (whose signature can then no
    longer be checked)."""

    checkpoint: Checkpoint
    format: int
    redacted: tuple[str, ...] = ()


def digest(salt: bytes, athlete_id: str) -> str:
    """What stands for ``athlete_id`` in checkpoints and tombstones: HMAC-SHA256 of the
    id with the store's salt, as hex. Without the salt, no list of likely ids can be
    tried against it."""
    return hmac.new(salt, athlete_id.encode(), hashlib.sha256).hexdigest()


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


def body(checkpoint: Checkpoint, form: int, redacted: tuple[str, ...] = ()) -> str:
    """The signed text: canonical JSON of the checkpoint's content, its heads keyed as
    given, in the body format ``form`` (1: before schema 2; 2: with its format and the
    erasures it signs)."""
    content: dict[str, Any] = {
        "heads": {a: [seq, h] for a, seq, h in checkpoint.heads},
        "made_at": checkpoint.made_at, "number": checkpoint.number,
        "public_key": checkpoint.public_key}
    if form == FORMAT:
        content.update(erasures=list(checkpoint.erasures), format=FORMAT)
    if redacted:
        content["redacted"] = list(redacted)
    return _encode(content).decode()


def sign(key: Ed25519PrivateKey, number: int, made_at: str,
         heads: tuple[tuple[str, int, str], ...], salt: bytes,
         erasures: tuple[str, ...]) -> tuple[Checkpoint, str]:
    """The checkpoint and the text it signs, whose heads are keyed by salted digest."""
    public = raw_public(key.public_key())
    erasures = tuple(sorted(erasures))
    keyed = tuple(sorted((digest(salt, a), seq, h) for a, seq, h in heads))
    text = body(Checkpoint(number, made_at, keyed, public, "", erasures), FORMAT)
    signature = key.sign(text.encode()).hex()
    return Checkpoint(number, made_at, heads, public, signature, erasures), text


def parse(number: int, text: str, signature: str) -> Signed | str:
    """A stored checkpoint, or why it cannot be read as one."""
    try:
        data = parse_json(text, "checkpoint")  # within limits: a deep one is not a crash
        form = data.get("format", 1)
        heads = tuple((a, int(seq), str(h)) for a, (seq, h) in sorted(data["heads"].items()))
        found = Checkpoint(number, str(data["made_at"]), heads, str(data["public_key"]),
                           signature, tuple(str(h) for h in data.get("erasures", ())))
        redacted = tuple(str(d) for d in data.get("redacted", ()))
        same = (data["number"] == number and type(form) is int and form in (1, FORMAT)
                and body(found, form, redacted) == text)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"not a checkpoint ({type(exc).__name__}: {exc})"
    if not same:
        return "its content is not in the form footcore writes"
    return Signed(found, form, redacted)


def redact(text: str, athlete_id: str, salted: str) -> str | None:
    """A format-1 checkpoint's body with the head of ``athlete_id`` keyed by its digest
    ``salted`` instead, and the digest listed as redacted; None when the body does not
    name the athlete (or is not a format-1 body footcore could read)."""
    try:
        data = parse_json(text, "checkpoint")
        heads = data["heads"]
        if "format" in data or athlete_id not in heads:
            return None
        heads[salted] = heads.pop(athlete_id)
        data["redacted"] = sorted({*data.get("redacted", ()), salted})
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return _encode(data).decode()


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
