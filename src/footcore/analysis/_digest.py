"""The digest a rulebook records beside its version, and the lint findings about it.

An edited rulebook keeps its id and version unless its author changes them, and decisions
made under it then name a version whose rules they do not follow. So the ``[rulebook]``
table records ``digest``: the rulebook's own digest (:attr:`Rulebook.digest`, the one its
decisions carry in ``decision.rulebook.digest``) when the version was set. That digest is
a sha256 of the rulebook's whole parsed content in canonical form (every table of every
file, the ``[rulebook]`` table's version included, but not the recorded digest itself), so
comments, spacing, key order and the file a table sits in do not count as a change, and
any value does. ``footcore lint`` warns when no digest is recorded and when the content no
longer matches the recorded one; ``footcore lint RULES_DIR --stamp`` records it.
"""

from __future__ import annotations

import re

from .._errors import InputError
from .._rulebook import Rulebook
from .._tomlparse import parse_toml
from ._lint import WARNING, Finding

__all__ = ["digest_findings", "stamped"]

# A table header, [table] or [[table]], on its own line (CRLF too).
_HEADER = re.compile(r"^[ \t]*\[\[?[^\]\n]*\]\]?[ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_META = re.compile(r"^[ \t]*\[[ \t]*rulebook[ \t]*\][ \t]*(?:#[^\r\n]*)?\r?$", re.M)
_VERSION = re.compile(r"^[ \t]*version[ \t]*=[^\r\n]*", re.M)
_RECORDED = re.compile(r"^[ \t]*digest[ \t]*=[^\r\n]*", re.M)


def digest_findings(rulebook: Rulebook, stamp: str = "footcore lint RULES_DIR --stamp"
                    ) -> tuple[Finding, ...]:
    """A warning when ``rulebook`` records no digest (``digest-missing``) or one its content
    no longer has (``digest-changed``); none when they match. ``stamp`` is the command that
    records it, for the messages."""
    subject = f"rulebook {rulebook.id} {rulebook.version}"
    recorded = rulebook.meta.digest
    if recorded is None:
        return (Finding(WARNING, "digest-missing", subject,
                        f"no digest recorded beside its version, so nothing tells when its "
                        f"content changes but the version does not: record it with `{stamp}`"),)
    if recorded != rulebook.digest:
        return (Finding(WARNING, "digest-changed", subject,
                        f"content changed since version {rulebook.version} was recorded "
                        f"(digest {recorded[:12]}, now {rulebook.digest[:12]}): bump the "
                        f"version and record the new digest with `{stamp}`"),)
    return ()


def stamped(text: str, digest: str) -> str | None:
    """The TOML ``text`` with ``digest = "<digest>"`` recorded in its ``[rulebook]`` table:
    in place of a recorded one, or on the line after ``version``; the rest of the text as
    it was (its line endings too). None when the text has no ``[rulebook]`` table with a
    ``version = ...`` line, or when the line found is not that key (it sits in a multi-line
    string, say): the edited text must read as the same tables with the digest recorded."""
    edited = _edited(text, digest)
    if edited is None:
        return None
    try:
        before, after = parse_toml(text.encode()), parse_toml(edited.encode())
    except InputError:
        return None
    meta = before.get("rulebook")
    if not isinstance(meta, dict) or after != {**before, "rulebook": {**meta, "digest": digest}}:
        return None
    return edited


def _edited(text: str, digest: str) -> str | None:
    meta = _META.search(text)
    if meta is None:
        return None
    following = _HEADER.search(text, meta.end())
    end = following.start() if following else len(text)
    line = f'digest = "{digest}"'
    recorded = _RECORDED.search(text, meta.end(), end)
    if recorded is not None:
        return text[:recorded.start()] + line + text[recorded.end():]
    version = _VERSION.search(text, meta.end(), end)
    if version is None:
        return None
    eol = "\r\n" if text[version.end():version.end() + 2] == "\r\n" else "\n"
    return text[:version.end()] + eol + line + text[version.end():]
