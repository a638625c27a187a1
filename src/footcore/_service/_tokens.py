"""The service's bearer tokens: a TOML file of SHA-256 digests, each with a name and its
scopes, and the constant-time check of a presented token against them.

The file never holds a token: :func:`add_token` makes one, writes its digest and gives the
token back once, for the caller to show. A server that reads the file knows only digests.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

import attrs

from .._errors import InputError
from .._tomlparse import parse_toml

__all__ = ["SCOPES", "Token", "Tokens", "add_token", "parse_scopes", "read_tokens"]

SCOPES = ("read", "write", "admin", "coach", "clinician")
"""What a token may do: read athletes and decisions, write them, verify the store."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_PREFIX = "fct_"  # a footcore token, recognisable in a leak scan


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@attrs.frozen
class Token:
    """One token as the file holds it: its name, its scopes and the SHA-256 digest of the
    token (hex)."""

    name: str
    scopes: frozenset[str]
    sha256: str


@attrs.frozen
class Tokens:
    """The tokens a server accepts."""

    tokens: tuple[Token, ...]

    def find(self, presented: str) -> Token | None:
        """The token whose digest is ``presented``'s, compared in constant time with every
        digest of the file (no early exit), or None."""
        digest = _digest(presented).encode()
        found = None
        for token in self.tokens:
            if hmac.compare_digest(digest, token.sha256.encode()):
                found = token
        return found


def _scopes(value: object, where: str) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items or not all(
            isinstance(s, str) and s.strip() in SCOPES for s in items):
        raise InputError(f"{where}: got {value!r:.80}; accepted: one or more of "
                         f"{', '.join(SCOPES)}", code="invalid-input")
    return frozenset(s.strip() for s in items)


def parse_scopes(text: str) -> frozenset[str]:
    """The scopes of ``--scopes read,write``.

    Raises:
        InputError: a scope is not one of :data:`SCOPES`.
    """
    return _scopes(text, "--scopes")


def read_tokens(path: str | os.PathLike[str]) -> Tokens:
    """The tokens in the file at ``path``.

    Raises:
        InputError: there is no file (``file-missing``), it cannot be read
            (``file-unreadable``), or it is not a token file footcore wrote
            (``invalid-input``, naming the entry and the field).
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"tokens {path}: no such file; footcore serve token add NAME "
                         f"--tokens {path} makes one", code="file-missing") from None
    except OSError as exc:
        raise InputError(f"tokens {path}: cannot be read ({type(exc).__name__})",
                         code="file-unreadable") from None
    try:
        data = parse_toml(raw)  # within the limits: a file nested deep is no crash
    except InputError as exc:
        raise InputError(f"tokens {path}: {exc}") from None
    entries = data.get("token", [])
    if set(data) - {"token"} or not isinstance(entries, list):
        raise InputError(f"tokens {path}: expected only [[token]] tables")
    tokens = []
    for number, entry in enumerate(entries, 1):
        where = f"tokens {path}: token {number}"
        if not isinstance(entry, dict) or set(entry) != {"name", "scopes", "sha256"}:
            raise InputError(f"{where}: expected the keys name, scopes and sha256")
        name, digest = entry["name"], entry["sha256"]
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InputError(f"{where}.name: got {name!r:.80}; accepted: letters, digits, "
                             f"'.', '_' and '-', at most 64")
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise InputError(f"{where}.sha256: expected 64 lower-case hex digits")
        tokens.append(Token(name, _scopes(entry["scopes"], f"{where}.scopes"), digest))
    return Tokens(tuple(tokens))


def _entry(token: Token) -> str:
    scopes = ", ".join(f'"{s}"' for s in SCOPES if s in token.scopes)
    return (f'[[token]]\nname = "{token.name}"\nscopes = [{scopes}]\n'
            f'sha256 = "{token.sha256}"\n')


def add_token(path: str | os.PathLike[str], name: str, scopes: Iterable[str]) -> str:
    """Make a token named ``name`` with ``scopes``, add its digest to the file at ``path``
    (created, readable by its owner only, when missing) and return the token: the only
    time it is seen.

    Raises:
        InputError: ``name`` is not a plain name or the file has it already; a scope is
            not one of :data:`SCOPES`; the file is not a token file.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError(f"NAME: got {name!r:.80}; accepted: letters, digits, '.', '_' and "
                         f"'-', at most 64, starting with a letter or digit")
    chosen = _scopes(list(scopes), "--scopes")
    known = read_tokens(path).tokens if Path(path).exists() else ()
    if any(token.name == name for token in known):
        raise InputError(f"NAME: {name!r} is in {path} already; accepted: a new name "
                         f"(remove its [[token]] table to replace it)", code="invalid-input")
    token = _PREFIX + secrets.token_urlsafe(32)
    entry = _entry(Token(name, chosen, _digest(token)))
    head = "" if known else ("# footcore serve tokens: SHA-256 digests only; "
                             "'footcore serve token add' adds one\n")
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    try:
        with os.fdopen(os.open(path, flags, 0o600), "a", encoding="utf-8") as out:
            out.write(f"{head}\n{entry}")
    except OSError as exc:
        raise InputError(f"tokens {path}: cannot be written ({exc.strerror or exc})",
                         code="file-unreadable") from None
    return token
