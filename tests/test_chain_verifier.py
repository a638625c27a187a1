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

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import footcore as fc
import footcore.audit
import footcore.store
from footcore._audit_records import _encode, _hash
from footcore._jsonparse import parse_json
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
        done = subprocess.run([sys.executable, "-m", "footcore", "store", "export",
                               str(self.db), str(self.export)],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(self.db) as connection:
            body, signature = connection.execute(
                "SELECT body, signature FROM footcore_checkpoints").fetchone()
            (self.salt,) = connection.execute(
                "SELECT value FROM footcore_meta WHERE key = 'salt'").fetchone()
        connection.close()
        self.checkpoint.write_text(json.dumps({"body": body, "signature": signature}))
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
