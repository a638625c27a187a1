"""Erasing an athlete and exporting one, on SQLite and PostgreSQL: the erasure recorded as a
tombstone that verify reports as such, checkpoints signed before it still verifying, a
tampered tombstone caught, no byte of the athlete left in the SQLite files, the export
whole, and a schema-1 store upgraded (or read as it is)."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.store
from footcore import Engine
from footcore._cli import main
from footcore._store._sign import Checkpoint, body
from store_worker import GOOD, START, checkins
from test_store import KEY, as_text, fill, kinds, sql

PUBLIC = KEY.public_key()
ON = date(2026, 6, 1)
_names = itertools.count()


@pytest.fixture
def store(store_url: str) -> Any:
    with fc.open_store(store_url) as opened:
        yield opened


def erase(store: fc.store.Store, athlete: str, **args: Any) -> fc.store.ErasureReceipt:
    return store.erase(athlete, **{"by": "dpo", "reason": "gdpr-art-17", "on": ON, **args})


def texts(url: str, table: str, column: str) -> str:
    return "\n".join(str(row[0]) for row in sql(url, f"SELECT {column} FROM {table}"))


def tombstone(url: str) -> tuple[str, dict[str, Any]]:
    (digest, text), = sql(url, "SELECT hash, body FROM footcore_erasures")
    return digest, json.loads(text)


def rewrite_tombstone(url: str, change: dict[str, Any], *, rehash: bool) -> None:
    """Edit the one tombstone's body, with its hash recomputed (as someone who knows the
    format would) or not."""
    old, data = tombstone(url)
    text = json.dumps({**data, **change}, sort_keys=True, separators=(",", ":"))
    new = hashlib.sha256(text.encode()).hexdigest() if rehash else old
    sql(url, "UPDATE footcore_erasures SET body = ?, hash = ? WHERE hash = ?", text, new, old)


# ---------------------------------------------------------------- erasure


def test_an_erasure_removes_the_athlete_and_verify_reports_it(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    made = fill(store, engine, {"a-1": 8, "a-2": 4})
    receipt = erase(store, "a-1", role="operator", comment="ticket 4411")
    assert (receipt.erased_on, receipt.by, receipt.role, receipt.reason, receipt.records) == (
        ON, "dpo", "operator", "gdpr-art-17", 8)
    assert store.athletes() == ("a-2",) and store.decisions("a-1") == ()
    with pytest.raises(fc.NotFound, match="no athlete 'a-1'"):
        store.state("a-1")
    assert list(store.decisions("a-2")) == made["a-2"]
    report = store.verify()
    assert report.ok and (report.athletes, report.records) == (1, 4), report
    assert report.erasures == (receipt,)
    assert ("athlete erased on 2026-06-01 by dpo (operator, gdpr-art-17: ticket 4411), "
            "8 records") in str(report)
    # Nothing of a-1 is left in any table: no row names them, and each plan left is used.
    for table, column in (("footcore_athletes", "athlete_id || state"),
                          ("footcore_decisions", "athlete_id || unpacked(decision)"),
                          ("footcore_erasures", "body"), ("footcore_meta", "value")):
        assert "a-1" not in texts(store_url, table, column), table
    unused = sql(store_url, "SELECT COUNT(*) FROM footcore_plans p WHERE NOT EXISTS (SELECT "
                            "1 FROM footcore_decisions d WHERE p.hash IN (d.plan, "
                            "d.prior_plan))")
    assert unused == [(0,)]


def test_the_receipt_records_the_chain_it_erased(store: fc.store.Store, store_url: str,
                                                 engine: Engine) -> None:
    fill(store, engine, {"a-1": 5})
    hashes = [h for (h,) in sql(store_url, "SELECT hash FROM footcore_decisions ORDER BY seq")]
    receipt = erase(store, "a-1")
    stored, data = tombstone(store_url)
    assert receipt.hash == stored and data["hashes"] == hashes
    assert receipt.head == hashes[-1] and data["digest"] == receipt.digest
    assert receipt.digest != hashlib.sha256(b"a-1").hexdigest()  # salted: not a bare hash


def test_an_athlete_with_no_record_is_erased_too(store: fc.store.Store,
                                                 engine: Engine) -> None:
    store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
    receipt = erase(store, "a-1", reason="account-closed")
    assert (receipt.records, receipt.head) == (0, None)
    assert store.athletes() == () and store.verify().erasures == (receipt,)


@pytest.mark.parametrize(("args", "message"), [
    ({"reason": "tidy-up"}, "reason: got 'tidy-up'; accepted: one of gdpr-art-17"),
    ({"role": "janitor"}, "role: got 'janitor'; accepted: one of athlete"),
    ({"by": ""}, "by: got ''"),
    ({"comment": ""}, "comment: got ''; accepted: None or a text"),
    ({"on": "2026-06-01"}, "on: got '2026-06-01'; accepted: a date"),
])
def test_bad_arguments_erase_nothing(store: fc.store.Store, engine: Engine,
                                     args: dict[str, Any], message: str) -> None:
    fill(store, engine, {"a-1": 3})
    with pytest.raises(fc.InputError, match=message):
        erase(store, "a-1", **args)
    assert len(store.decisions("a-1")) == 3 and store.verify().erasures == ()


def test_erasing_an_unknown_athlete_is_not_found(store: fc.store.Store,
                                                 engine: Engine) -> None:
    fill(store, engine, {"a-1": 2})
    erase(store, "a-1")
    for name in ("nobody", "a-1"):
        with pytest.raises(fc.NotFound, match=f"no athlete '{name}'") as err:
            erase(store, name)
        assert err.value.code == "athlete-not-found"
    assert len(store.verify().erasures) == 1


def test_a_read_only_store_refuses_to_erase(store_url: str, engine: Engine) -> None:
    with fc.open_store(store_url) as store:
        fill(store, engine, {"a-1": 2})
    with fc.open_store(store_url, readonly=True) as store, pytest.raises(
            fc.store.StoreError) as err:
        erase(store, "a-1")
    assert err.value.code == "store-readonly"


# ---------------------------------------------------------------- checkpoints


def test_checkpoints_name_no_athlete_and_those_before_an_erasure_still_verify(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    fill(store, engine, {"a-1": 8, "a-2": 4})
    before = store.checkpoint(KEY)
    assert [h[:2] for h in before.heads] == [("a-1", 7), ("a-2", 3)]
    store.check_in(engine, "a-1", checkins("a-1", 9)[8])
    receipt = erase(store, "a-1")
    report = store.verify(public_key=PUBLIC)
    assert report.ok and report.checkpoints == 1 and report.erasures == (receipt,), report
    after = store.checkpoint(KEY)
    assert after.erasures == (receipt.hash,) and [h[0] for h in after.heads] == ["a-2"]
    report = store.verify(public_key=PUBLIC)
    assert report.ok and report.checkpoints == 2 and report.unanchored == (), report
    bodies = texts(store_url, "footcore_checkpoints", "body")
    assert "a-1" not in bodies and "a-2" not in bodies
    assert receipt.hash in bodies


def test_a_tombstone_edited_in_place_is_found(store: fc.store.Store, store_url: str,
                                              engine: Engine) -> None:
    fill(store, engine, {"a-1": 4, "a-2": 2})
    erase(store, "a-1")
    rewrite_tombstone(store_url, {"by": "nobody"}, rehash=False)
    report = store.verify()
    assert kinds(report) == [("erasure", None, None)] and report.erasures == ()
    assert "no longer matches its hash" in str(report)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_tombstone_rewritten_with_its_hash_recomputed_contradicts_a_checkpoint(
        store: fc.store.Store, store_url: str, engine: Engine, when: str) -> None:
    """Before: a checkpoint signed a-1's chain, and the rewritten tombstone holds other
    record hashes; after: a checkpoint signed the tombstone itself."""
    fill(store, engine, {"a-1": 4, "a-2": 2})
    if when == "before":
        store.checkpoint(KEY)
    erase(store, "a-1")
    if when == "after":
        store.checkpoint(KEY)
    _, data = tombstone(store_url)
    hashes = [hashlib.sha256(h.encode()).hexdigest() for h in data["hashes"]]
    rewrite_tombstone(store_url, {"hashes": hashes, "head": hashes[-1]}, rehash=True)
    assert store.verify().ok  # its own hash adds up: only a signature can tell
    report = store.verify(public_key=PUBLIC)
    # After: the checkpoint signed the old tombstone, and does not sign the new one.
    assert kinds(report) == [("erasure", None, None)] * (1 if when == "before" else 2), report
    assert ("it was rewritten" if when == "before" else "no longer holds as signed") in str(
        report)
    assert (when == "after") == ("but checkpoint 1 does not sign it" in str(report))


def test_an_erasure_undone_by_importing_the_records_again_is_found(
        store: fc.store.Store, engine: Engine, tmp_path: Path) -> None:
    """The records the tombstone says were erased are in a live chain again (an old export
    imported): not an erasure (docs/spec/erasures.md, step 6)."""
    log = tmp_path / "a-1.jsonl"
    with fc.open_store(tmp_path / "a-1.db") as other:
        fill(other, engine, {"a-1": 3})
        other.export_jsonl(log)
    store.import_jsonl(log)
    fill(store, engine, {"a-2": 2})
    erase(store, "a-1")
    assert store.verify().ok
    store.import_jsonl(log)
    report = store.verify()
    assert kinds(report) == [("erasure", None, None)], report
    assert "the records it says were erased are still in the store" in str(report)


def test_a_tombstone_removed_after_a_checkpoint_signed_the_chain_is_found(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    fill(store, engine, {"a-1": 4, "a-2": 2})
    store.checkpoint(KEY)
    erase(store, "a-1")
    sql(store_url, "DELETE FROM footcore_erasures")
    report = store.verify(public_key=PUBLIC)
    assert kinds(report) == [("removed", None, None)]
    assert "nor records as erased" in str(report)


def test_an_id_erased_can_be_added_again_as_a_new_athlete(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    """The new athlete starts a chain of their own; checkpoints of either chain verify,
    and a second erasure leaves a second tombstone."""
    fill(store, engine, {"a-1": 5, "a-2": 2})
    store.checkpoint(KEY)
    first = erase(store, "a-1")
    store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.STRENGTH, start=START))
    again = [store.check_in(engine, "a-1", c) for c in checkins("a-1", 3, seed=7)]
    assert list(store.decisions("a-1")) == again
    store.checkpoint(KEY)
    report = store.verify(public_key=PUBLIC)
    assert report.ok and report.records == 5 and report.unanchored == (), report
    second = erase(store, "a-1")
    assert second.digest == first.digest and second.hash != first.hash
    store.checkpoint(KEY)
    report = store.verify(public_key=PUBLIC)
    assert report.ok and report.checkpoints == 3, report
    assert report.erasures == (first, second)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(["check-in", "checkpoint", "erase", "add"]),
                      min_size=1, max_size=12),
       pick=st.randoms(use_true_random=False))
def test_any_mix_of_check_ins_checkpoints_and_erasures_verifies(
        store_url: str, engine: Engine, steps: list[str], pick: Any) -> None:
    """Whatever is erased when, between which checkpoints: every checkpoint verifies, every
    erasure is reported, and no checkpoint names an athlete."""
    run = next(_names)
    live: dict[str, int] = {}
    erased = 0
    with fc.open_store(store_url) as store:
        start = len(store.verify().erasures)
        for step in steps:
            if step == "add" or not live:
                name = f"p{run}-{len(live) + erased}"
                store.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
                live[name] = 0
            elif step == "check-in":
                name = pick.choice(sorted(live))
                live[name] += 1
                store.check_in(engine, name, checkins(name, live[name])[-1])
            elif step == "checkpoint":
                store.checkpoint(KEY)
            else:
                name = pick.choice(sorted(live))
                assert erase(store, name).records == live.pop(name)
                erased += 1
        report = store.verify(public_key=PUBLIC)
    assert report.ok, report
    assert len(report.erasures) == start + erased
    assert f"p{run}-" not in texts(store_url, "footcore_checkpoints", "body")


# ---------------------------------------------------------------- the bytes on disk


def test_no_byte_of_an_erased_athlete_is_left_in_the_sqlite_files(tmp_path: Path,
                                                                   engine: Engine) -> None:
    """The athlete's id, their check-in ids and a metric value only they reported are in
    the files before the erasure, and in none of them (the file, -wal, -shm) after it; the
    other athletes' are still there. Enough athletes and records that every table and
    index spans many pages, and each check-in rewrote the athlete's row."""
    path = tmp_path / "footcore.db"
    secret, metric = "zq-erasable-7731", 37.918273645
    marks = [secret.encode(), b"zq-erasable-7731/4", b"37.918273645"]
    with fc.open_store(path) as store:
        fill(store, engine, {f"keep-{n:02d}": 12 for n in range(30)})
        store.add_athlete(engine.new_athlete(secret, goal=fc.Goal.RUNNER, start=START))
        odd = fc.Metrics(balance_eyes_open_s=metric, balance_eyes_closed_s=20.0)
        for checkin in checkins(secret, 12):
            store.check_in(engine, secret, attrs.evolve(
                checkin, metrics=odd if checkin.id == f"{secret}/4" else GOOD))
        store.checkpoint(KEY)

        def files() -> bytes:
            return b"".join(p.read_bytes() for p in tmp_path.glob("footcore.db*")
                            if not p.name.endswith("-lock"))

        assert all(mark in files() for mark in marks)
        erase(store, secret)
    found = files()
    assert [mark for mark in marks if mark in found] == []
    assert b"keep-07/3" in found and b"keep-29" in found
    with fc.open_store(path) as store:
        report = store.verify(public_key=PUBLIC)
    assert report.ok and len(report.erasures) == 1 and report.athletes == 30, report


def test_a_reader_that_keeps_the_log_is_reported_and_the_next_erasure_scrubs(
        tmp_path: Path, engine: Engine) -> None:
    """Another connection in the middle of a read keeps SQLite from emptying the log: the
    athlete is erased all the same, the caller is told (store-unscrubbed), and the next
    erasure, with the reader gone, leaves no byte of either athlete."""
    path = tmp_path / "footcore.db"
    with fc.open_store(path, timeout=0.2) as store:
        fill(store, engine, {"zq-first-5501": 6, "zq-second-5502": 6, "keep": 3})
        with closing(sqlite3.connect(path, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            reader.execute("SELECT COUNT(*) FROM footcore_decisions").fetchone()
            with pytest.raises(fc.store.StoreError, match="the athlete is erased") as err:
                erase(store, "zq-first-5501")
            assert err.value.code == "store-unscrubbed"
            assert b"zq-first-5501" in b"".join(
                p.read_bytes() for p in tmp_path.glob("footcore.db*"))
        assert store.athletes() == ("keep", "zq-second-5502")
        erase(store, "zq-second-5502")
        assert len(store.verify().erasures) == 2
    found = b"".join(p.read_bytes() for p in tmp_path.glob("footcore.db*"))
    assert b"zq-first" not in found and b"zq-second" not in found and b"keep/2" in found


# ---------------------------------------------------------------- export


def test_an_export_holds_everything_about_the_athlete(store: fc.store.Store,
                                                      engine: Engine) -> None:
    made = fill(store, engine, {"a-1": 6, "a-2": 3})["a-1"]
    data = store.export_athlete("a-1")
    assert json.loads(json.dumps(data)) == data  # JSON data, nothing else
    assert data["athlete_id"] == "a-1" and data["format"] == 1
    assert fc.from_dict(data["state"], fc.AthleteState) == store.state("a-1")
    assert [fc.from_dict(r["decision"], fc.Decision) for r in data["records"]] == made
    assert [r["seq"] for r in data["records"]] == list(range(6))
    assert data["head"] == data["records"][-1]["hash"]
    assert all(r["prev"] == p["hash"] for p, r in itertools.pairwise(data["records"]))
    assert "a-2" not in json.dumps(data)
    with pytest.raises(fc.NotFound, match="no athlete 'nobody'"):
        store.export_athlete("nobody")


def test_an_export_refuses_an_athlete_whose_rows_are_damaged(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    fill(store, engine, {"a-1": 3, "a-2": 3})
    sql(store_url, "UPDATE footcore_decisions SET decision = packed(REPLACE(unpacked("
                   "decision), '\"minutes\":17', '\"minutes\":60')) "
                   "WHERE athlete_id = 'a-2' AND seq = 1")
    assert len(store.export_athlete("a-1")["records"]) == 3  # another's damage: no matter
    with pytest.raises(fc.store.StoreError, match="refusing to export athlete 'a-2'") as err:
        store.export_athlete("a-2")
    assert err.value.code == "store-damaged"
    assert kinds(err.value.report) == [("edited", "a-2", 1)]  # type: ignore[arg-type]


# ---------------------------------------------------------------- schema 1


def make_schema_1(url: str, engine: Engine) -> list[str]:
    """A schema-1 store, as footcore before schema 2 left one: its tables (the rows of
    schema 1 and 2 are the same: texts as they are), no salt, and a checkpoint signed in
    format 1 (heads by athlete id); the athletes' ids."""
    with fc.open_store(url) as store:
        fill(store, engine, {"a-1": 5, "a-2": 3})
    as_text(url)
    for statement in ("DROP TABLE footcore_erasures", "DROP TABLE footcore_rulebooks",
                      "DELETE FROM footcore_meta WHERE key = 'salt'",
                      "UPDATE footcore_meta SET value = '1' WHERE key = 'schema'"):
        sql(url, statement)
    assert tables(url) == {"footcore_meta", "footcore_athletes", "footcore_plans",
                           "footcore_decisions", "footcore_checkpoints"}  # schema 1's
    heads = tuple((a, n - 1, h) for a, n, h in sql(
        url, "SELECT athlete_id, records, head FROM footcore_athletes ORDER BY athlete_id"))
    public = KEY.public_key().public_bytes_raw().hex()
    text = body(Checkpoint(1, "2026-02-01T00:00:00+00:00", heads, public, ""), 1)
    sql(url, "INSERT INTO footcore_checkpoints (number, body, signature) VALUES (1, ?, ?)",
        text, KEY.sign(text.encode()).hex())
    return ["a-1", "a-2"]


def tables(url: str) -> set[str]:
    query = ("SELECT table_name FROM information_schema.tables" if url.startswith("postgresql")
             else "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in sql(url, query) if name.startswith("footcore")}


def test_a_schema_1_store_is_read_as_it_is_when_opened_read_only(
        store_url: str, engine: Engine) -> None:
    make_schema_1(store_url, engine)
    with fc.open_store(store_url, readonly=True) as store:
        assert store.schema == 1
        report = store.verify(public_key=PUBLIC)
        assert report.ok and report.checkpoints == 1 and report.records == 8, report
        assert len(store.export_athlete("a-1")["records"]) == 5
    assert "footcore_erasures" not in tables(store_url)
    assert sql(store_url, "SELECT value FROM footcore_meta WHERE key = 'schema'") == [("1",)]


def test_a_schema_1_store_opened_for_writing_is_upgraded(store_url: str,
                                                         engine: Engine) -> None:
    make_schema_1(store_url, engine)
    with fc.open_store(store_url, create=False) as store:
        assert store.schema == 3 and store.upgraded and not store.created
        assert store.verify(public_key=PUBLIC).ok
    assert {"footcore_erasures", "footcore_rulebooks"} <= tables(store_url)
    meta = dict(sql(store_url, "SELECT key, value FROM footcore_meta"))
    assert meta["schema"] == "3" and len(bytes.fromhex(meta["salt"])) == 32
    with fc.open_store(store_url) as store:  # opened again: the same salt
        assert not store.upgraded
        store.check_in(engine, "a-2", checkins("a-2", 4)[3])
        store.checkpoint(KEY)
        assert store.verify(public_key=PUBLIC).ok
    assert dict(sql(store_url, "SELECT key, value FROM footcore_meta")) == meta


def test_store_init_says_it_upgraded_a_schema_1_store(store_url: str, engine: Engine,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    make_schema_1(store_url, engine)
    assert main(["store", "init", store_url]) == 0
    assert "upgraded the store to schema 3 (2 athletes)" in capsys.readouterr().out
    assert main(["store", "init", store_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["upgraded"] is False


def test_a_format_1_checkpoint_naming_an_erased_athlete_is_redacted(
        store_url: str, engine: Engine) -> None:
    """Its id must go, so its signed text changes: reported as redacted, not forged."""
    make_schema_1(store_url, engine)
    with fc.open_store(store_url) as store:
        receipt = erase(store, "a-1")
        assert receipt.redacted == (1,)
        report = store.verify(public_key=PUBLIC)
        assert report.ok and report.checkpoints == 0 and report.redacted == (1,), report
        assert "checkpoint 1: redacted by erasure (signature no longer checkable)" in str(
            report)
        assert '"a-1"' not in texts(store_url, "footcore_checkpoints", "body")
        assert '"a-2"' in texts(store_url, "footcore_checkpoints", "body")
        # A body that claims a redaction no erasure made is not taken for one.
        sql(store_url, "UPDATE footcore_erasures SET body = REPLACE(body, "
                       "'\"redacted\":[1]', '\"redacted\":[]')")
        sql(store_url, "UPDATE footcore_erasures SET hash = ?",
            hashlib.sha256(sql(store_url, "SELECT body FROM footcore_erasures")[0][0]
                           .encode()).hexdigest())
        report = store.verify(public_key=PUBLIC)
        assert kinds(report) == [("checkpoint", None, None)]
        assert "no erasure records doing so" in str(report)


def test_a_schema_1_store_on_a_read_only_file_still_opens(tmp_path: Path,
                                                          engine: Engine) -> None:
    path = tmp_path / "old.db"
    make_schema_1(str(path), engine)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # no log beside it: a plain file
    with fc.open_store(path, readonly=True) as store:
        assert store.schema == 1 and store.verify().ok


def test_another_key_does_not_verify_an_upgraded_stores_checkpoints(
        store_url: str, engine: Engine) -> None:
    make_schema_1(store_url, engine)
    other = Ed25519PrivateKey.generate().public_key()
    with fc.open_store(store_url) as store:
        store.checkpoint(KEY)
        report = store.verify(public_key=other)
    assert kinds(report) == [("checkpoint", None, None)] * 2


def test_the_same_id_erased_twice_after_one_checkpoint_verifies(store: Any,
                                                                engine: Engine) -> None:
    """Review: with one checkpoint before two erasures of the same id (added again between
    them), verify picked the tombstones in the order of their hashes and, half the time,
    called the first one rewritten. Each checkpoint's head is now matched to the tombstone
    that holds the record it signed."""
    key = Ed25519PrivateKey.generate()
    for attempt in range(4):  # the tombstones' hashes fall in either order
        athlete = f"twice-{attempt}"
        store.add_athlete(engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=START), engine)
        store.check_in(engine, athlete, checkins(athlete, 1)[0])
        store.checkpoint(key)
        store.erase(athlete, by="dpo", reason="gdpr-art-17")
        store.add_athlete(engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=START), engine)
        for checkin in checkins(athlete, attempt % 3):
            store.check_in(engine, athlete, checkin)
        store.erase(athlete, by="dpo", reason="account-closed")
        report = store.verify(public_key=key.public_key())
        assert report.ok, str(report)
