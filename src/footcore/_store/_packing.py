"""How a SQLite store keeps its decision and plan texts on disk: deflated, with a preset
dictionary (a typical plan and decision of the shipped rulebook, ``packing-1.txt``), as a
BLOB of one format byte and the raw deflate stream. Storage only: a packed text unpacks to
the very canonical JSON that was packed, which the hashes, the exports and verification
read; a store of schema 2 or 1 holds texts as they are, and both read alike.

Packing cuts a row's decision from about 2.9 KB to about 0.4 KB and a plan from about
7.3 KB to about 0.6 KB (benchmarks/bench_store_size.py). The dictionary of a format never
changes (tests/test_store_packing.py pins its hash): stores hold texts packed with it.
"""

from __future__ import annotations

import zlib
from importlib.resources import files

from .._limits import MAX_DOCUMENT_BYTES

__all__ = ["pack", "unpack"]

_FORMAT = b"\x01"
_DICTIONARY = (files("footcore._store") / "packing-1.txt").read_bytes()
# Primed with the dictionary once, copied for each text. Level 1: level 6 saves another
# 15% for twice the time. A 16 KB window and memory level 5 keep the compressor's memory
# (80 KB) under the size the C allocator maps afresh each time (128 KB), which cost more
# than the compressing; the texts lose 1-5% to it.
_PACKER = zlib.compressobj(1, zlib.DEFLATED, -14, 5, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY)


def pack(text: str) -> bytes:
    """``text`` packed: its format byte, then its UTF-8 bytes deflated with the format's
    dictionary."""
    packer = _PACKER.copy()
    return _FORMAT + packer.compress(text.encode()) + packer.flush()


def unpack(value: object) -> object:
    """A stored value as text: a packed one unpacked, a text as it is. What does not unpack
    whole (damage: a stream cut short or altered, more than a document's limit, not UTF-8)
    is returned as it was, which the reader then reports as not text."""
    if type(value) is not bytes or value[:1] != _FORMAT:
        return value
    try:
        unpacker = zlib.decompressobj(-15, _DICTIONARY)
        raw = unpacker.decompress(memoryview(value)[1:], MAX_DOCUMENT_BYTES + 1)
        if not unpacker.eof or unpacker.unused_data or len(raw) > MAX_DOCUMENT_BYTES:
            return value
        return raw.decode()
    except (zlib.error, UnicodeDecodeError):
        return value
