"""``AuditLog.repair`` drops a torn last line and nothing else: it refuses what is not a
JSON Lines audit log, a footcore store above all, and leaves it byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
from footcore import Engine
from footcore.audit import AuditLog, verify_log
from store_worker import START, checkins


@pytest.fixture(scope="module")
def decisions(engine: Engine) -> list[fc.Decision]:
    state, out = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START), []
    for checkin in checkins("a-1", 4):
        out.append(engine.evaluate(state, checkin))
        state = out[-1].state
    return out


@pytest.fixture
def log(tmp_path: Path, decisions: list[fc.Decision]) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for decision in decisions:
        log.append(decision)
    return log


def test_a_store_survives_repair_byte_for_byte(tmp_path: Path, engine: Engine) -> None:
    """The issue's case: ``AuditLog("footcore.db").repair()`` cut the database to 0
    bytes. verify_log and records() refuse it too, naming the command for a store."""
    db = tmp_path / "footcore.db"
    with fc.open_store(db) as store:
        store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
        for checkin in checkins("a-1", 5):
            store.check_in(engine, "a-1", checkin)
    before = db.read_bytes()
    for call in (AuditLog(db).repair, lambda: verify_log(db), lambda: list(AuditLog(db).records())):
        with pytest.raises(fc.InputError) as err:
            call()
        assert err.value.code == "wrong-source"
        assert "a SQLite database" in str(err.value) and "footcore store verify" in str(err.value)
        assert db.read_bytes() == before
    with fc.open_store(db, create=False) as store:
        assert store.verify().ok and store.verify().records == 5


@pytest.mark.parametrize(("content", "code", "says"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "file-unreadable",
     "binary data"),
    (b'{"state": {}, "checkins": []}\n{"partial', "invalid-input",
     "line 1: not an audit record"),
    (b"just some notes\nand more notes", "invalid-input", "line 1: not an audit record"),
])
def test_a_file_that_is_not_an_audit_log_is_refused_and_left_alone(
        tmp_path: Path, content: bytes, code: str, says: str) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_bytes(content)
    with pytest.raises(fc.InputError) as err:
        AuditLog(path).repair()
    assert err.value.code == code and says in str(err.value), err.value
    assert "nothing was changed" in str(err.value)
    assert path.read_bytes() == content


def test_a_last_line_that_is_not_part_of_a_record_is_kept(log: AuditLog) -> None:
    intact = log.path.read_bytes()
    log.path.write_bytes(intact + b"a line some other program appended")
    with pytest.raises(fc.audit.AuditLogError, match="not part of an audit record"):
        log.repair()
    assert log.path.read_bytes() == intact + b"a line some other program appended"


def test_a_whole_last_record_missing_its_newline_gets_it_back(log: AuditLog) -> None:
    intact = log.path.read_bytes()
    log.path.write_bytes(intact[:-1])
    assert log.repair() == 0
    assert log.path.read_bytes() == intact and verify_log(log.path).ok


def test_a_torn_first_record_of_a_new_log_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    path.write_bytes(b'{"decision":{"action":"ho')
    assert AuditLog(path).repair() == 25
    assert path.read_bytes() == b""


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=1, max_value=4000),
       junk=st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")))
def test_repair_drops_at_most_the_torn_last_line(tmp_path_factory: pytest.TempPathFactory,
                                                 decisions: list[fc.Decision], cut: int,
                                                 junk: bytes) -> None:
    """Whatever a crash or a stranger leaves after the last newline, repair either drops
    exactly the part after it, and only when it is the start of a record, or changes
    nothing; every complete line is kept."""
    log = AuditLog(tmp_path_factory.mktemp("log") / "audit.jsonl")
    for decision in decisions:
        log.append(decision)
    whole = log.path.read_bytes()
    last = whole[:-1].rindex(b"\n") + 1
    tail = [whole[last:last + min(cut, len(whole) - last - 1)], junk][cut % 2]
    log.path.write_bytes(whole[:last] + tail)
    before = log.path.read_bytes()
    try:
        dropped = log.repair()
    except fc.FootcoreError:
        assert log.path.read_bytes() == before
        return
    after = log.path.read_bytes()
    assert after.startswith(whole[:last])
    if after == whole[:last]:
        assert dropped == len(tail) and (tail == b"" or tail.startswith(b'{"decision":')
                                         or b'{"decision":'.startswith(tail))
    else:
        assert dropped == 0 and after == before + b"\n" and verify_log(log.path).ok
