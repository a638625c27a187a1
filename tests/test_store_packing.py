"""Schema 3: a SQLite store keeps decisions and plans packed (deflated with a preset
dictionary), PostgreSQL as text; both read the same records, stores of schema 2 are read
as they are and upgraded when opened to write, and damage to a packed row is found."""

from __future__ import annotations

import hashlib
import zlib
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import footcore as fc
import footcore.store
from footcore import Engine
from footcore._limits import MAX_DOCUMENT_BYTES
from footcore._store._packing import pack, unpack
from store_worker import checkins
from test_store import as_text, fill, kinds, sql

pytestmark = pytest.mark.once


DICTIONARY = (files("footcore._store") / "packing-1.txt").read_bytes()


def test_the_dictionary_of_format_1_never_changes() -> None:
    """Stores hold texts packed with it: a new dictionary needs a new format byte."""
    assert hashlib.sha256(DICTIONARY).hexdigest() == (
        "e9890fb81b7a971111bdbed6c35fdc0504c8d5ac75d3ca98c40ab269476d7ae2")


@given(st.text())
def test_a_packed_text_unpacks_to_itself(text: str) -> None:
    packed = pack(text)
    assert packed[:1] == b"\x01" and unpack(packed) == text


def test_what_does_not_unpack_whole_is_left_as_it_was() -> None:
    packed = pack('{"minutes":17,"why":"a decision"}')
    huge = pack("x" * (MAX_DOCUMENT_BYTES + 1))
    packer = zlib.compressobj(1, zlib.DEFLATED, -15, zdict=DICTIONARY)
    not_utf8 = b"\x01" + packer.compress(b'{"why":"\xff"}') + packer.flush()
    for damaged in (packed[:-3], packed + b"more", packed[:1] + b"\xff" + packed[2:], huge,
                    b"\x02" + packed[1:], b"", not_utf8):
        assert unpack(damaged) == damaged
    assert unpack("text") == "text" and unpack(None) is None


def test_sqlite_keeps_texts_packed_and_postgresql_as_text(store_url: str,
                                                          engine: Engine) -> None:
    with fc.open_store(store_url) as store:
        fill(store, engine, {"a-1": 20})
        assert store.schema == 3
    rows = sql(store_url, "SELECT decision, unpacked(decision) FROM footcore_decisions")
    plans = sql(store_url, "SELECT plan, unpacked(plan) FROM footcore_plans")
    for stored, text in rows + plans:
        if store_url.startswith("postgresql://"):
            assert stored == text
        else:
            assert isinstance(stored, bytes) and len(stored) < len(text) / 3


def test_a_schema_2_store_is_read_as_it_is_and_upgraded_to_write(
        store_url: str, engine: Engine, tmp_path: Path) -> None:
    """Its rows stay text; those written after the upgrade are packed; the records read,
    verify and export as a store written whole under schema 3 does."""
    with fc.open_store(store_url) as store:
        fill(store, engine, {"a-1": 6, "a-2": 4})
    as_text(store_url)
    sql(store_url, "UPDATE footcore_meta SET value = '2' WHERE key = 'schema'")
    with fc.open_store(store_url, readonly=True) as store:
        assert store.schema == 2 and store.verify().ok
        before = store.decisions("a-1")
    with fc.open_store(store_url) as store:
        assert store.schema == 3 and store.upgraded and store.decisions("a-1") == before
        for checkin in checkins("a-1", 9)[6:]:
            store.check_in(engine, "a-1", checkin)
        assert store.verify().ok
        store.export_jsonl(tmp_path / "upgraded.jsonl")
    assert sql(store_url, "SELECT value FROM footcore_meta WHERE key = 'schema'") == [("3",)]
    kept = sql(store_url, "SELECT seq, decision FROM footcore_decisions "
                          "WHERE athlete_id = 'a-1' ORDER BY seq")
    packed = not store_url.startswith("postgresql://")
    assert [type(text) for _, text in kept] == [str] * 6 + [bytes if packed else str] * 3
    fresh = tmp_path / "fresh.db"
    with fc.open_store(fresh) as store:
        fill(store, engine, {"a-1": 9, "a-2": 4})
        store.export_jsonl(tmp_path / "fresh.jsonl")
    assert (tmp_path / "upgraded.jsonl").read_bytes() == (tmp_path / "fresh.jsonl").read_bytes()


@pytest.mark.parametrize("at", [0.05, 0.5, 0.95])
def test_a_damaged_packed_row_is_found_at_its_record(tmp_path: Path, engine: Engine,
                                                     at: float) -> None:
    path = str(tmp_path / "footcore.db")
    with fc.open_store(path) as store:
        fill(store, engine, {"a-1": 5, "a-2": 3})
    stored = sql(path, "SELECT decision FROM footcore_decisions WHERE athlete_id = 'a-1' "
                       "AND seq = 2")[0][0]
    cut = 1 + int(at * (len(stored) - 1))
    sql(path, "UPDATE footcore_decisions SET decision = ? WHERE athlete_id = 'a-1' AND "
              "seq = 2", stored[:cut] + bytes([stored[cut] ^ 0x20]) + stored[cut + 1:])
    with fc.open_store(path) as store:
        found = kinds(store.verify())
        assert ("damaged", "a-1", 2) in found or ("edited", "a-1", 2) in found
        assert {athlete for _, athlete, _ in found} == {"a-1"}
        with pytest.raises(fc.store.StoreError) as caught:
            store.decisions("a-1")
        assert caught.value.code == "store-damaged"
        assert len(store.decisions("a-2")) == 3
