"""The spec is complete (issue 24): a chain verifier written in JavaScript from docs/spec/
alone (clients/chain-verifier/verify.mjs) verifies a real store's exports, made by the
library and the command line, and rejects each kind of tampered copy, as footcore's own
verification does; and its own tests (every vector of docs/spec/vectors/) pass under
``node --test``.

Marked ``once``: Node and the verifier are the same whatever Python runs the suite, and what
the library writes on each interpreter is held to the shipped vectors by
test_spec_vectors.py, which runs on every one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import footcore as fc
import footcore.audit
import footcore.store
from footcore._audit_records import _encode, _hash
from footcore._jsonparse import parse_json
from footcore._store._sign import Checkpoint, body
from signing import write_key_pair

ROOT = Path(__file__).parents[1]
VERIFIER = ROOT / "clients" / "chain-verifier"
pytestmark = pytest.mark.once


def node() -> str:
    """The node command; the test fails (never skips) without it."""
    found = shutil.which("node")
    if found is None:
        pytest.fail("node (Node.js 20 or later) is not on PATH: the chain verifier of "
                    "clients/chain-verifier/ needs it; install Node.js to run these tests")
    return found


def verify(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node(), str(VERIFIER / "verify.mjs"), *map(str, args)],
                          capture_output=True, text=True, timeout=60, check=False)


def footcore_command(*args: object) -> str:
    """What a footcore command prints, run as a user runs it."""
    done = subprocess.run([sys.executable, "-m", "footcore", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def checkpoints(db: Path) -> dict[str, Any]:
    """What ``footcore store checkpoints DB --json --salt`` prints."""
    data: dict[str, Any] = json.loads(footcore_command("store", "checkpoints", db, "--json",
                                                       "--salt"))
    return data


class Made:
    """A real store and what was made of it: its JSONL export (by the command line), an
    athlete's export, a checkpoint file, the public key file and the store's salt."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "footcore.db"
        self.export = folder / "export.jsonl"
        self.athlete = folder / "a-1.json"
        self.checkpoint = folder / "checkpoint.json"
        private, self.public = write_key_pair(folder)
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        engine = fc.Engine(fc.load_rulebook(), backend="native")
        with fc.open_store(self.db) as store:
            _season(store, engine)
            store.checkpoint(key)  # type: ignore[arg-type]
            self.athlete.write_text(json.dumps(store.export_athlete("a-1"), indent=2,
                                               ensure_ascii=False), encoding="utf-8")
        footcore_command("store", "export", self.db, self.export)
        signed = checkpoints(self.db)  # as a user of another language gets them
        (checkpoint,) = signed["checkpoints"]
        self.salt = signed["salt"]
        self.checkpoint.write_text(json.dumps({"body": checkpoint["body"],
                                               "signature": checkpoint["signature"]}))
        self.lines = self.export.read_text(encoding="utf-8").splitlines()
        self.head = json.loads(self.lines[-1])["hash"]


def _season(store: footcore.store.Store, engine: fc.Engine) -> None:
    """Three athletes: check-ins (with metrics and a symptom), a coach's hold, a change of
    goal."""
    start = date(2026, 1, 5)
    for athlete in ("a-1", "b-2", "zoë"):
        store.add_athlete(engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=start))
    for n in range(3):
        store.check_in(engine, "a-1", fc.CheckIn(on=start + timedelta(days=2 * n),
                                                 completed=True, minutes=18, id=f"a-{n}"),
                       by="app:ios", role="app")
    store.override(engine, "a-1", on=start + timedelta(days=6), by="coach:maria",
                   role="coach", action=fc.Action.HOLD, reason="travel", comment="away")
    store.change_goal(engine, "a-1", fc.Goal.STRENGTH, on=start + timedelta(days=7),
                      by="athlete:a-1", role="athlete", reason="new-sport")
    store.check_in(engine, "b-2", fc.CheckIn(
        on=start, completed=True, minutes=30,
        metrics=fc.Metrics(balance_eyes_open_s=21.5, forefoot_symmetry=0.875,
                           foot_fatigue=3.0)))
    store.check_in(engine, "b-2", fc.CheckIn(
        on=start + timedelta(days=2), completed=True, minutes=20,
        symptoms=(fc.Symptom(kind="stiffness", location="arch", severity=3),)))
    store.check_in(engine, "zoë", fc.CheckIn(on=start, completed=False, id="zoë-0"))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return Made(tmp_path_factory.mktemp("chain"))


def test_the_verifier_verifies_a_real_export_and_its_checkpoint(made: Made) -> None:
    done = verify(made.export)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(made.lines)} record(s), 3 athlete(s), head {made.head}" in done.stdout
    signed = verify(made.export, "--head", made.head, "--checkpoint", made.checkpoint,
                    "--public-key", made.public, "--salt", made.salt)
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert "the checkpoint is validly signed and matches" in signed.stdout


def test_the_verifier_verifies_an_athlete_export(made: Made, tmp_path: Path) -> None:
    done = verify(made.athlete, "--checkpoint", made.checkpoint, "--public-key", made.public,
                  "--salt", made.salt)
    assert done.returncode == 0, done.stdout + done.stderr
    unsalted = verify(made.athlete, "--checkpoint", made.checkpoint, "--public-key",
                      made.public)
    assert unsalted.returncode == 1
    assert "needs the store's salt" in unsalted.stdout
    assert "athlete export, 5 record(s)" in done.stdout
    edited = tmp_path / "edited.json"
    edited.write_text(made.athlete.read_text(encoding="utf-8").replace(
        '"comment": "away"', '"comment": "ill"', 1), encoding="utf-8")
    refused = verify(edited)
    assert refused.returncode == 1
    assert "record 4: was edited" in refused.stdout


def _rehashed(line: str) -> str:
    """The record of ``line`` written again with its hash recomputed."""
    record = parse_json(line)
    record["hash"] = _hash(record["seq"], record["prev"], record["decision"])
    return _encode(record).decode()


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _replaced(lines: list[str], at: int, old: str, new: str) -> str:
    """The export with the first ``old`` of line ``at`` (from 1) replaced by ``new``."""
    assert old in lines[at - 1]
    return _text([*lines[:at - 1], lines[at - 1].replace(old, new, 1), *lines[at:]])


# Each kind of tampering: the export's text made of its lines, and what the verifier says.
TAMPERS: dict[str, tuple[Callable[[list[str]], str], str]] = {
    "changed-field": (lambda lines: _replaced(lines, 2, '"minutes":18', '"minutes":45'),
                      "line 2: record 2 was edited"),
    "removed-record": (lambda lines: _text(lines[:2] + lines[3:]),
                       "line 3: record 4 stands where record 3 should"),
    "reordered": (lambda lines: _text([lines[0], lines[2], lines[1], *lines[3:]]),
                  "line 2: record 3 stands where record 2 should"),
    "changed-hash": (lambda lines: _replaced(lines, 2, json.loads(lines[1])["hash"], "0" * 64),
                     "line 2: record 2 was edited"),
    "changed-prev": (lambda lines: _replaced(lines, 2, json.loads(lines[0])["hash"], "f" * 64),
                     "line 2: record 2 was edited"),
    "inserted-copy": (lambda lines: _text([lines[0], lines[1], *lines[1:]]),
                      "line 3: record 2 stands where record 3 should"),
    "torn-last-line": (lambda lines: _text(lines)[:-1], "the last line is incomplete"),
}


@pytest.mark.parametrize("kind", TAMPERS)
def test_each_tampered_copy_is_rejected(made: Made, tmp_path: Path, kind: str) -> None:
    tamper, said = TAMPERS[kind]
    copy = tmp_path / f"{kind}.jsonl"
    copy.write_text(tamper(made.lines), encoding="utf-8")
    assert not footcore.audit.verify_log(copy).ok  # footcore agrees
    done = verify(copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT VERIFIED" in done.stdout
    assert said in done.stdout


@pytest.mark.parametrize("kind", ["removed-last", "rewritten-last-and-rehashed"])
def test_a_rewrite_whose_hashes_add_up_is_caught_by_the_head_and_the_checkpoint(
        made: Made, tmp_path: Path, kind: str) -> None:
    lines = (made.lines[:-1] if kind == "removed-last" else
             [*made.lines[:-1], _rehashed(made.lines[-1].replace('"completed":false',
                                                                 '"completed":true', 1))])
    copy = tmp_path / f"{kind}.jsonl"
    copy.write_text(_text(lines), encoding="utf-8")
    assert footcore.audit.verify_log(copy).ok  # the chain alone adds up, in footcore too
    assert verify(copy).returncode == 0
    cut = verify(copy, "--head", made.head)
    assert cut.returncode == 1
    assert "not the head" in cut.stdout
    caught = verify(copy, "--checkpoint", made.checkpoint, "--public-key", made.public)
    assert caught.returncode == 1
    assert "is not in this export: it was rewritten or removed" in caught.stdout


def test_a_checkpoint_signed_by_another_key_or_edited_is_refused(made: Made,
                                                                 tmp_path: Path) -> None:
    _, other = write_key_pair(tmp_path)
    wrong = verify(made.export, "--checkpoint", made.checkpoint, "--public-key", other)
    assert wrong.returncode == 1
    assert "does not verify with this key" in wrong.stdout
    data = json.loads(made.checkpoint.read_text())
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**data, "body": data["body"].replace('"number":1',
                                                                       '"number":2')}))
    assert verify(made.export, "--checkpoint", edited, "--public-key", made.public
                  ).returncode == 1


def test_the_verifiers_own_tests_pass() -> None:
    done = subprocess.run([node(), "--test", str(VERIFIER)], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


# ---------------------------------------------------------------- format 1 and erasures


def _format_1(db: Path, key: Ed25519PrivateKey, number: int) -> None:
    """A checkpoint of format 1 (heads by athlete id), stored as number ``number``: what a
    store upgraded from schema 1 keeps of those it signed before (docs/spec/checkpoints.md)."""
    with fc.open_store(db, readonly=True) as store:
        heads = tuple((a, len(e["records"]) - 1, e["head"]) for a in store.athletes()
                      for e in [store.export_athlete(a)] if e["records"])
    text = body(Checkpoint(number, "2026-02-01T00:00:00+00:00", heads,
                           key.public_key().public_bytes_raw().hex(), ""), 1)
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("INSERT INTO footcore_checkpoints VALUES (?, ?, ?)",
                           (number, text, key.sign(text.encode()).hex()))


class Erased:
    """A real store with a format-1 past and an erasure: checkpoint 1 (format 1) signs
    a-1, b-2 and zoë; c-3 is added and checkpoint 2 (format 1) signs all four; then
    checkpoint 3 (format 2), c-3 erased (which redacts checkpoint 2), checkpoint 4. Its
    export, a-1's export and its checkpoints document (by the command line)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.db = folder, folder / "erased.db"
        self.export, self.athlete = folder / "erased.jsonl", folder / "a-1.json"
        private, self.public = write_key_pair(folder)
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.key = key
        engine = fc.Engine(fc.load_rulebook(), backend="native")
        with fc.open_store(self.db) as store:
            _season(store, engine)
        _format_1(self.db, key, 1)
        with fc.open_store(self.db) as store:
            store.add_athlete(engine.new_athlete("c-3", goal=fc.Goal.RUNNER,
                                                 start=date(2026, 1, 5)))
            store.check_in(engine, "c-3", fc.CheckIn(on=date(2026, 1, 5), completed=True,
                                                     minutes=20))
        _format_1(self.db, key, 2)
        with fc.open_store(self.db) as store:
            store.checkpoint(key)
            self.receipt = store.erase("c-3", by="dpo", reason="gdpr-art-17")
            store.checkpoint(key)
            self.b_2 = [r["hash"] for r in store.export_athlete("b-2")["records"]]
            store.export_jsonl(self.export)  # what store export writes (Made runs it)
            self.write(self.athlete, store.export_athlete("a-1"))
        assert self.receipt.redacted == (2,)
        self.signed = checkpoints(self.db)
        self.document = self.write(folder / "checkpoints.json", self.signed)

    @staticmethod
    def write(path: Path, data: dict[str, Any]) -> Path:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        return path


@pytest.fixture(scope="module")
def erased(tmp_path_factory: pytest.TempPathFactory) -> Erased:
    return Erased(tmp_path_factory.mktemp("erased"))


def test_the_verifier_verifies_a_store_with_format_1_checkpoints_and_an_erasure(
        erased: Erased) -> None:
    with fc.open_store(erased.db, readonly=True) as store:  # footcore agrees
        report = store.verify(public_key=erased.key.public_key())
    assert report.ok and report.checkpoints == 3 and report.redacted == (2,), report
    assert [c["format"] for c in erased.signed["checkpoints"]] == [1, 1, 2, 2]
    done = verify(erased.export, "--checkpoint", erased.document, "--public-key",
                  erased.public)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("3 athlete(s)" in done.stdout and "3 checkpoint(s) validly signed and matching; "
            "checkpoint(s) 2 redacted by erasure (signature no longer checkable)" in done.stdout)
    # One athlete's export: format 1 by id, format 2 by the salt the document carries.
    done = verify(erased.athlete, "--checkpoint", erased.document, "--public-key",
                  erased.public)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "athlete export, 5 record(s)" in done.stdout


def _in_tombstone(old: str, new: str, *, rehash: bool) -> Tamper:
    def tamper(signed: dict[str, Any], db: Path) -> None:
        (tombstone,) = signed["erasures"]
        was = tombstone["hash"]
        assert old in tombstone["body"]
        tombstone["body"] = tombstone["body"].replace(old, new, 1)
        if rehash:
            tombstone["hash"] = hashlib.sha256(tombstone["body"].encode()).hexdigest()
        _sql(db, "UPDATE footcore_erasures SET body = ?, hash = ? WHERE hash = ?",
             tombstone["body"], tombstone["hash"], was)
    return tamper


def _in_checkpoint(number: int, old: Callable[[str], str], new: str) -> Tamper:
    def tamper(signed: dict[str, Any], db: Path) -> None:
        checkpoint = signed["checkpoints"][number - 1]
        found = old(checkpoint["body"])
        assert found in checkpoint["body"]
        checkpoint["body"] = checkpoint["body"].replace(found, new, 1)
        _sql(db, "UPDATE footcore_checkpoints SET body = ? WHERE number = ?",
             checkpoint["body"], number)
    return tamper


def _removed(signed: dict[str, Any], db: Path) -> None:
    signed["erasures"] = []
    _sql(db, "DELETE FROM footcore_erasures")


def _for_a_present_athlete(made: Erased) -> Tamper:
    """A tombstone, well formed and its hash right, for b-2, whose records are all there,
    said to come after the last checkpoint (so no signature covers it)."""
    def tamper(signed: dict[str, Any], db: Path) -> None:
        text = _encode({"by": "dpo", "checkpoint": 4, "comment": None,
                        "digest": hmac.new(bytes.fromhex(signed["salt"]), b"b-2",
                                           hashlib.sha256).hexdigest(),
                        "erased_on": "2026-06-01", "format": 1, "hashes": made.b_2,
                        "head": made.b_2[-1], "reason": "other", "records": len(made.b_2),
                        "redacted": [], "role": "operator"}).decode()
        digest = hashlib.sha256(text.encode()).hexdigest()
        signed["erasures"].append({"hash": digest, "body": text})
        _sql(db, "INSERT INTO footcore_erasures (hash, digest, body) VALUES (?, ?, ?)",
             digest, json.loads(text)["digest"], text)
    return tamper


def _sql(db: Path, statement: str, *params: object) -> None:
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(statement, params)


Tamper = Callable[[dict[str, Any], Path], None]
A_1_HEAD = re.compile(r'"a-1":\[\d+,"([0-9a-f]{64})"\]')
# Each tampering of the store (its checkpoints document, and the same in a copy of its
# database, for footcore's own verify): what the verifier says.
ERASURE_TAMPERS: dict[str, tuple[Callable[[Erased], Tamper], str]] = {
    "forged-tombstone": (lambda m: _in_tombstone('"by":"dpo"', '"by":"eve"', rehash=False),
                         "its body no longer matches its hash: it was edited"),
    "tombstone-rewritten-and-rehashed": (
        lambda m: _in_tombstone('"by":"dpo"', '"by":"eve"', rehash=True),
        "checkpoint 4 does not sign it: it was added or rewritten afterwards"),
    "tombstone-removed": (lambda m: _removed,
                          "which is not among the tombstones: it was removed or rewritten"),
    "tombstone-for-an-athlete-still-there": (
        _for_a_present_athlete, "the records it says were erased are in this export "
                                "(athlete b-2): it is not an erasure"),
    "format-1-head-changed": (
        lambda m: _in_checkpoint(1, lambda b: A_1_HEAD.findall(b)[0], "0" * 64),
        "checkpoint 1: its signature does not verify with this key"),
    "format-1-redaction-claimed": (
        lambda m: _in_checkpoint(1, lambda b: b[-2:], '","redacted":["' + "0" * 64 + '"]}'),
        "checkpoint 1: its body says an erasure redacted it, but no erasure records"),
}


@pytest.mark.parametrize("kind", ERASURE_TAMPERS)
def test_each_tampering_of_a_store_with_an_erasure_is_rejected(
        erased: Erased, tmp_path: Path, kind: str) -> None:
    tamper, said = ERASURE_TAMPERS[kind]
    signed, db = json.loads(json.dumps(erased.signed)), tmp_path / "copy.db"
    shutil.copy(erased.db, db)
    tamper(erased)(signed, db)
    with fc.open_store(db, readonly=True) as store:  # footcore agrees
        assert not store.verify(public_key=erased.key.public_key()).ok
    done = verify(erased.export, "--checkpoint", Erased.write(tmp_path / "c.json", signed),
                  "--public-key", erased.public)
    assert done.returncode == 1, done.stdout + done.stderr
    assert said in done.stdout


def test_a_rewrite_whose_hashes_add_up_is_caught_by_a_format_1_checkpoint(
        erased: Erased, tmp_path: Path) -> None:
    lines = erased.export.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if '"athlete_id":"zoë"' in line)
    lines[at] = _rehashed(lines[at].replace('"completed":false', '"completed":true', 1))
    copy = tmp_path / "rewritten.jsonl"
    copy.write_text(_text(lines), encoding="utf-8")
    assert verify(copy).returncode == 0  # the chain alone adds up
    only_format_1 = Erased.write(tmp_path / "c.json", {
        **erased.signed, "checkpoints": erased.signed["checkpoints"][:1]})
    done = verify(copy, "--checkpoint", only_format_1, "--public-key", erased.public)
    assert done.returncode == 1
    assert "checkpoint 1: head zoë: record 1" in done.stdout
