"""Where a store is: which locations name a PostgreSQL database, and the same text with
every secret in it hidden, for messages, reports and pages.

A location is a SQLite path, a ``postgresql://`` (or ``postgres://``) URL, or a libpq
connection string of ``key=value`` pairs (``host=db user=app password=...``). Its secrets
are the password of a URL's ``user:password@`` and the values of secret keys (``password``,
``passfile``, ``sslpassword``, ``oauth_client_secret``, and any key whose name starts
with ``pass`` or holds ``pwd`` or ``secret``, so a misspelt one too) in a URL's query or a
connection string: keys in any case and percent-encoded, values as the driver reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

__all__ = ["conninfo", "redact"]

HIDDEN = "***"

_SCHEME = re.compile(r"postgres(?:ql)?://", re.IGNORECASE)
# A URL in a message may have lost a slash (a path made of it); in running text it ends
# where characters a URL cannot hold begin.
_ANY_SCHEME = re.compile(r"postgres(?:ql)?:/+", re.IGNORECASE)
_URL = re.compile(_ANY_SCHEME.pattern + r"[^\s\"<>`]*", re.IGNORECASE)
# One key=value of a connection string; a value is quoted ('it\'s') or runs to a space,
# a backslash escaping the next character either way, as libpq reads it.
_VALUE = r"'(?:\\.?|[^'\\])*'?|(?:\\.?|[^\s\\])*"
_PAIR = re.compile(rf"(?<![\w%])([A-Za-z0-9_%]+)\s*=\s*({_VALUE})")
_SECRET_KEY = re.compile(r"(?:^|_)(?:ssl)?pass|pwd|secret")
_CONNINFO = re.compile(rf"\s*(?:[A-Za-z_]\w*\s*=\s*(?:{_VALUE})\s*)+")


def conninfo(location: str) -> str | None:
    """The connection string to give the PostgreSQL driver when ``location`` names a
    PostgreSQL database, or ``None`` when it is a SQLite path.

    A ``postgresql://`` or ``postgres://`` URL (the scheme in any case, given back in lower
    case, as libpq reads only that) or a string made only of libpq ``key=value`` pairs
    names a PostgreSQL database.
    """
    scheme = _SCHEME.match(location)
    if scheme:
        return scheme.group().lower() + location[scheme.end():]
    return location if _CONNINFO.fullmatch(location) else None


def _secret(key: str) -> bool:
    """Whether a key of a URL's query or a connection string holds a secret."""
    return bool(_SECRET_KEY.search(unquote(key).strip().lower()))


def _url_secrets(url: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, decoded value) of each secret in ``url``: the password of
    ``user:password@`` (the credentials end at the last ``@`` before the query, so an
    unescaped ``@`` or ``/`` in a password stays hidden too) and each secret parameter."""
    rest = _ANY_SCHEME.match(url).end()  # type: ignore[union-attr]
    query = min((i for i in (url.find("?", rest), url.find("#", rest)) if i >= 0),
                default=len(url))
    at = url.rfind("@", rest, query)
    colon = url.find(":", rest, at) if at >= 0 else -1
    if colon >= 0:
        yield colon + 1, at, unquote(url[colon + 1:at])
    if url[query:query + 1] == "?":
        position = query + 1
        for param in url[position:].split("&"):
            key, equals, value = param.partition("=")
            if equals and _secret(key):
                first = position + len(key) + 1
                yield first, first + len(value), unquote(value)
            position += len(param) + 1


def _unquoted(value: str) -> str:
    """A connection string's value as libpq reads it: without its quotes and escapes."""
    if value.startswith("'"):
        value = value[1:-1] if len(value) > 1 and value.endswith("'") else value[1:]
    return re.sub(r"\\(.)", r"\1", value)


def _secrets(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value as the driver reads it) of every secret in ``text``."""
    found: list[tuple[int, int, str]] = []
    # A location that is a URL is one up to the next URL it quotes, if any (a message
    # may start with one); in other messages, a URL ends at a space.
    if _ANY_SCHEME.match(text):
        starts = [m.start() for m in _ANY_SCHEME.finditer(text)]
        urls = list(zip(starts, [*starts[1:], len(text)], strict=True))
    else:
        urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    for start, end in urls:
        found += ((start + a, start + b, value)
                  for a, b, value in _url_secrets(text[start:end]))
    for pair in _PAIR.finditer(text):
        inside_url = any(start <= pair.start() < end for start, end in urls)
        if not inside_url and _secret(pair.group(1)):
            found.append((pair.start(2), pair.end(2), _unquoted(pair.group(2))))
    return [secret for secret in found if secret[0] < secret[1]]


def redact(text: str, *, location: str = "") -> str:
    """``text`` with every secret of a store location in it replaced by ``***``.

    ``text`` is a location, or a message that may quote one or more: the password in a
    URL's ``user:password@`` and the values of secret keys (see the module) in a URL's
    query or a ``key=value`` connection string are hidden.

    Args:
        text: the location or message.
        location: the location ``text`` is about, when a driver wrote ``text``: its
            secrets are hidden wherever they appear, as written or as the driver decoded
            them, even quoted alone (``invalid percent-encoded token: "..."``).
    """
    hidden = list(text)
    for start, end, _ in _secrets(text):
        hidden[start:end] = [HIDDEN] + [""] * (end - start - 1)
    result = "".join(hidden)
    known = _secrets(location)
    values = {location[a:b] for a, b, _ in known} | {value for _, _, value in known}
    for value in sorted(values - {""}, key=len, reverse=True):
        result = result.replace(value, HIDDEN)
    return result
