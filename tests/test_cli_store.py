"""``footcore store
verify|state|history|export|import|checkpoint|checkpoints|init|export-athlete|erase``; reading
commands that never create a store and open it read-only; a store given where a log belongs, and a
log where a store belongs, refused with the command to use."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import footcore as fc
import footcore.store
from footcore import AthleteState
from signing import write_key_pair
from test_cli import CHECKIN, ROOT, fails, run

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    return lambda *argv: run(capsys, *argv)


def recorded(cli: Run, tmp_path: Path, source: str | Path) -> None:
    """Athlete a-17 added to ``source`` (created) and two check-ins recorded."""
    state, checkin = tmp_path / "state.json", tmp_path / "checkin.json"
    assert cli("new-athlete", "a-17", "--goal", "runner", "--start", "2026-01-05", "--out",
               state)[0] == 0
    for number, on in enumerate(("2026-01-07", "2026-01-09")):
        checkin.write_text(json.dumps({**CHECKIN, "on": on, "id": f"c-{number}"}))
        given = ["--state", state] if number == 0 else ["--athlete", "a-17"]
        code, out, err = cli("evaluate", "--store", source, *given, "--checkin", checkin)
        assert code == 0, err
    assert "Recorded in" in out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def log(cli: Run, tmp_path: Path) -> Path:
    """An audit log of a-17's two decisions."""
    state, checkin, log = tmp_path / "s.json", tmp_path / "c.json", tmp_path / "audit.jsonl"
    cli("new-athlete", "a-17", "--goal", "runner", "--start", "2026-01-05", "--out", state)
    for on in ("2026-01-07", "2026-01-09"):
        checkin.write_text(json.dumps({**CHECKIN, "on": on}))
        assert cli("evaluate", "--state", state, "--checkin", checkin, "--log", log,
                   "--next-state", state)[0] == 0
    return log


# ---------------------------------------------------------------- the store commands


def test_store_commands_read_verify_and_sign_a_store(cli: Run, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path, store_url: str) -> None:
    """The issue's first try, ``footcore store verify footcore.db``, was "invalid choice"."""
    recorded(cli, tmp_path, store_url)
    code, out, _ = cli("store", "verify", store_url)
    assert code == 0 and "1 athlete, 2 records" in out and "chains intact" in out
    code, out, _ = cli("store", "verify", store_url, "--json")
    assert code == 0 and json.loads(out)["records"] == 2

    code, out, _ = cli("store", "state", store_url, "a-17", "--json")
    state = fc.from_json(out, AthleteState)
    assert code == 0 and state.last_checkin_on is not None
    code, out, _ = cli("store", "state", store_url, "a-17")
    assert code == 0 and "athlete a-17" in out and f"stage: {state.stage}" in out
    assert "last check-in: 2026-01-09" in out
    assert "no athlete 'nobody'" in fails(capsys, "store", "state", store_url, "nobody")

    for json_flag in ([], ["--json"]):  # the alias prints the very same
        code, out, _ = cli("store", "history", store_url, "a-17", *json_flag)
        assert code == 0
        assert (code, out) == cli("audit", "history", "--store", store_url, "a-17",
                                  *json_flag)[:2]
    assert len(out.splitlines()) > 3 and json.loads(out)["rows"][1]["record"] == 2
    code, out, _ = cli("store", "history", store_url, "nobody")
    assert code == 1 and "no decisions for athlete nobody" in out

    export = tmp_path / "export.jsonl"
    code, out, _ = cli("store", "export", store_url, export, "--json")
    assert code == 0 and json.loads(out)["records"] == 2
    assert cli("audit", "verify", export)[0] == 0
    copy = tmp_path / "copy.db"
    code, out, _ = cli("store", "import", copy, export)
    assert code == 0 and f"Created a footcore store in {copy}" in out
    assert "imported 2 records of 1 athlete" in out
    code, out, _ = cli("store", "init", copy)
    assert code == 0 and "a footcore store already (1 athlete); nothing changed" in out


    private, public = write_key_pair(tmp_path)
    code, out, _ = cli("store", "checkpoint", store_url, "--key", private, "--json")
    assert code == 0 and json.loads(out)["number"] == 1
    code, out, _ = cli("store", "verify", store_url, "--public-key", public)
    assert code == 0 and "matching 1 signed checkpoint;" in out


def test_store_export_athlete_then_erase(cli: Run, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path, store_url: str) -> None:
    recorded(cli, tmp_path, store_url)
    private, public = write_key_pair(tmp_path)
    assert cli("store", "checkpoint", store_url, "--key", private)[0] == 0
    out_file = tmp_path / "a-17.json"
    code, out, _ = cli("store", "export-athlete", store_url, "a-17", out_file)
    assert code == 0 and out == (f"Wrote athlete a-17's data (2 records) from "
                                 f"{fc.open_store(store_url, readonly=True).location} to "
                                 f"{out_file}.\n")
    data = json.loads(out_file.read_text())
    assert out_file.stat().st_mode & 0o777 == 0o600
    assert data["athlete_id"] == "a-17" and len(data["records"]) == 2
    code, printed, _ = cli("store", "export-athlete", store_url, "a-17")
    assert code == 0 and printed == out_file.read_text()
    code, out, _ = cli("store", "export-athlete", store_url, "a-17", tmp_path / "b.json",
                       "--json")
    assert code == 0 and json.loads(out)["records"] == 2

    assert "reason: got 'tidy'; accepted: one of gdpr-art-17" in fails(
        capsys, "store", "erase", store_url, "a-17", "--by", "dpo", "--reason", "tidy")
    code, out, _ = cli("store", "erase", store_url, "a-17", "--by", "dpo", "--reason",
                       "gdpr-art-17", "--comment", "ticket 9", "--json")
    receipt = json.loads(out)
    assert code == 0 and (receipt["records"], receipt["by"], receipt["role"]) == (
        2, "dpo", "operator")
    assert receipt["comment"] == "ticket 9" and "a-17" not in out
    err = fails(capsys, "store", "erase", store_url, "a-17", "--by", "dpo", "--reason",
                "other")
    assert "athlete_id: no athlete 'a-17'" in err
    assert "no athlete 'a-17'" in fails(capsys, "store", "export-athlete", store_url, "a-17")
    code, out, _ = cli("store", "verify", store_url, "--public-key", public)
    assert code == 0 and "0 athletes, 0 records, 1 erasure" in out
    assert "athlete erased on " in out and "by dpo (operator, gdpr-art-17: ticket 9)" in out
    code, out, _ = cli("store", "verify", store_url, "--json")
    assert code == 0 and json.loads(out)["erasures"][0]["hash"] == receipt["hash"]


@pytest.mark.parametrize("store_url", ["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.once)],
                         indirect=True)
def test_store_checkpoints_prints_each_body_as_signed_and_each_tombstone(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: str) -> None:
    """What a verifier in another language reads instead of the database's tables
    (docs/spec/checkpoints.md); on PostgreSQL once (the command only reads two tables)."""
    recorded(cli, tmp_path, store_url)
    code, out, _ = cli("store", "checkpoints", store_url)
    assert code == 0 and out.endswith(": 0 checkpoints, 0 erasures\n")
    private, public = write_key_pair(tmp_path)
    key = serialization.load_pem_public_key(public.read_bytes())
    assert cli("store", "checkpoint", store_url, "--key", private)[0] == 0
    assert cli("store", "erase", store_url, "a-17", "--by", "dpo", "--reason", "other")[0] == 0
    assert cli("store", "checkpoint", store_url, "--key", private)[0] == 0

    code, out, _ = cli("store", "checkpoints", store_url, "--json")
    data = json.loads(out)
    assert code == 0 and (data["format"], "salt" in data) == (1, False)
    first, second = data["checkpoints"]
    for number, checkpoint in enumerate(data["checkpoints"], start=1):
        key.verify(bytes.fromhex(checkpoint["signature"]),  # type: ignore[union-attr,call-arg]
                   checkpoint["body"].encode())  # the body exactly as signed
        body = json.loads(checkpoint["body"])
        assert (checkpoint["number"], checkpoint["format"], checkpoint["made_at"],
                checkpoint["public_key"], checkpoint["redacted"]) == (
            number, 2, body["made_at"], body["public_key"], [])
    (erasure,) = data["erasures"]
    assert hashlib.sha256(erasure["body"].encode()).hexdigest() == erasure["hash"]
    assert json.loads(first["body"])["erasures"] == []
    assert json.loads(second["body"])["erasures"] == [erasure["hash"]]
    assert "a-17" not in out
    salted = json.loads(cli("store", "checkpoints", store_url, "--json", "--salt")[1])
    assert len(bytes.fromhex(salted["salt"])) == 32
    assert {**salted, "salt": None} == {**data, "salt": None}

    code, out, _ = cli("store", "checkpoints", store_url)
    assert code == 0 and ": 2 checkpoints, 1 erasure\n" in out
    assert f"  checkpoint 2: format 2, made {second['made_at']}, key " \
           f"{second['public_key'][:12]}\n" in out
    assert f"  erasure {erasure['hash'][:12]}: athlete erased on " in out
    assert "by dpo, 2 records" in out and "store checkpoints" in out.splitlines()[-1]
    assert "no such file" in fails(capsys, "store", "checkpoints", tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_store_erase_in_words_says_to_sign_a_checkpoint(cli: Run, tmp_path: Path) -> None:
    db = tmp_path / "footcore.db"
    recorded(cli, tmp_path, db)
    code, out, _ = cli("store", "erase", db, "a-17", "--by", "ops:sam", "--reason",
                       "account-closed", "--role", "app")
    assert code == 0
    assert f"{db}: athlete erased on " in out and "by ops:sam (app, account-closed), 2 " \
        "records; tombstone " in out
    assert f"footcore store checkpoint {db} --key PRIVATE.pem" in out


def test_store_init_creates_once_and_refuses_what_is_not_a_store(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: str,
        log: Path) -> None:
    code, out, _ = cli("store", "init", store_url)
    assert code == 0 and out.startswith("Created a footcore store in ")
    code, out, _ = cli("store", "init", store_url, "--json")
    assert code == 0 and json.loads(out)["created"] is False
    assert json.loads(out)["athletes"] == 0
    code, out, _ = cli("store", "verify", store_url)
    assert code == 0 and "0 athletes" in out

    before = digest(log)
    err = fails(capsys, "store", "init", log)
    assert "an audit log, not a footcore store; use footcore store import NEW.db" in err
    notes = tmp_path / "notes.txt"
    notes.write_text("some notes\n")
    assert "not a footcore store (not a SQLite database)" in fails(capsys, "store", "init",
                                                                    notes)
    assert digest(log) == before and notes.read_text() == "some notes\n"


# ---------------------------------------------------------------- never created by reading


def test_reading_commands_refuse_a_missing_store_and_create_nothing(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: str) -> None:
    """The issue's case: ``audit verify --store typo.db`` created an empty database and
    printed "chains intact", exit 0. On PostgreSQL, a database without footcore's tables
    gets none."""
    checkin, key = tmp_path / "checkin.json", tmp_path / "key.pem"
    checkin.write_text(json.dumps(CHECKIN))
    key.write_text("not read: the store is refused first")
    rules = ROOT / "rules"
    commands = [["audit", "verify", "--store", store_url],
                ["audit", "replay", "--store", store_url, "--backend", "native"],
                ["audit", "history", "--store", store_url, "a-17"],
                ["store", "verify", store_url], ["store", "state", store_url, "a-17"],
                ["store", "history", store_url, "a-17"],
                ["store", "export", store_url, tmp_path / "out.jsonl"],
                ["store", "export-athlete", store_url, "a-17", tmp_path / "a-17.json"],
                ["store", "checkpoints", store_url, "--json"],
                ["store", "erase", store_url, "a-17", "--by", "dpo", "--reason", "other"],
                ["impact", rules, rules, store_url, "--workers", "1"],
                ["report", store_url, "a-17", "--out", tmp_path / "pages", "--no-chart"],
                ["evaluate", "--store", store_url, "--athlete", "a-17", "--checkin", checkin]]
    for command in commands:
        err = fails(capsys, *command)
        if store_url.startswith("postgresql://"):
            assert "not a footcore store (it has no footcore tables)" in err, command
        else:  # report and impact name it a source: it might have been a file of another kind
            assert f"{store_url}: no such file" in err, command
            assert not list(tmp_path.glob("*.db*")), command
    with pytest.raises(fc.store.StoreError):
        fc.open_store(store_url, readonly=True)
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "a-17.json").exists()


def test_reading_commands_open_the_store_read_only(cli: Run, tmp_path: Path) -> None:
    """Every command that only reads a SQLite store leaves the file byte for byte and
    makes no lock file beside it, which a writable open does: they open it read-only."""
    db = tmp_path / "footcore.db"
    recorded(cli, tmp_path, db)
    lock = Path(f"{db}-lock")
    lock.unlink()
    before = digest(db)
    rules = ROOT / "rules"
    for command in (["store", "verify", db], ["store", "state", db, "a-17"],
                    ["store", "history", db, "a-17"],
                    ["store", "export", db, tmp_path / "out.jsonl"],
                    ["store", "export-athlete", db, "a-17", tmp_path / "a-17.json"],
                    ["audit", "verify", "--store", db],
                    ["audit", "replay", "--store", db, "--backend", "native"],
                    ["audit", "history", "--store", db, "a-17"],
                    ["report", db, "a-17", "--out", tmp_path / "pages", "--no-chart"],
                    ["impact", rules, rules, db, "--workers", "1"]):
        code, _, err = cli(*command)
        assert code == 0, (command, err)
        assert not lock.exists(), command
    assert digest(db) == before


# ---------------------------------------------------------------- the wrong kind of source


def test_a_store_given_to_a_log_command_names_the_store_command(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The issue's case: ``audit verify footcore.db`` read the database as JSON Lines,
    reported 38 problems and suggested AuditLog.repair()."""
    db = tmp_path / "footcore.db"
    recorded(cli, tmp_path, db)
    before = digest(db)
    checkin, state = tmp_path / "checkin.json", tmp_path / "state.json"
    checkin.write_text(json.dumps({**CHECKIN, "on": "2026-02-01"}))
    for command, use in (
            (["audit", "verify", db], f"footcore store verify {db}"),
            (["audit", "replay", db, "--backend", "native"],
             f"footcore audit replay --store {db}"),
            (["audit", "history", db, "a-17"], f"footcore store history {db} a-17"),
            (["evaluate", "--state", state, "--checkin", checkin, "--log", db],
             f"--store {db}"),
            (["store", "import", tmp_path / "other.db", db],
             f"footcore store export {db} OUT.jsonl")):
        err = fails(capsys, *command)
        assert f"{db}: a footcore store, not an audit log; use {use}" in err, err
    assert "a SQLite database (a footcore store?), not an audit log" in fails(
        capsys, "explain", "--log", db, "1")
    url = "postgresql://auditor:s3cret-pw@localhost:1/footcore"
    err = fails(capsys, "audit", "verify", url)
    assert "a footcore store, not an audit log; use footcore store verify" in err
    assert "s3cret-pw" not in err
    assert digest(db) == before and not (tmp_path / "other.db").exists()


def test_a_log_given_to_a_store_command_names_the_log_command(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path, log: Path) -> None:
    before = digest(log)
    checkin, key = tmp_path / "checkin.json", tmp_path / "key.pem"
    checkin.write_text(json.dumps(CHECKIN))
    key.write_text("unused")
    for command, use in (
            (["store", "verify", log], f"footcore audit verify {log}"),
            (["audit", "verify", "--store", log], f"footcore audit verify {log}"),
            (["audit", "replay", "--store", log], f"footcore audit replay {log}"),
            (["store", "history", log, "a-17"], f"footcore audit history {log} a-17"),
            (["audit", "history", "--store", log, "a-17"], f"footcore audit history {log} a-17"),
            (["store", "state", log, "a-17"], f"footcore audit history {log} a-17"),
            (["store", "export", log, tmp_path / "out.jsonl"], f"footcore audit verify {log}"),
            (["store", "import", log, log], f"footcore store import STORE {log}"),
            (["store", "checkpoint", log, "--key", key], f"footcore audit verify {log}"),
            (["store", "checkpoints", log], f"footcore audit verify {log} --head HASH"),
            (["store", "init", log], f"footcore store import NEW.db {log}"),
            (["store", "export-athlete", log, "a-17"], f"footcore audit history {log} a-17"),
            (["store", "erase", log, "a-17", "--by", "dpo", "--reason", "other"],
             "footcore store erase on the store that holds the athlete"),
            (["evaluate", "--store", log, "--athlete", "a-17", "--checkin", checkin],
             f"--log {log}")):
        err = fails(capsys, *command)
        assert f"{log}: an audit log, not a footcore store; use {use}" in err, err
    decisions = tmp_path / "decisions.jsonl"
    assert cli("simulate", ROOT / "examples" / "scenarios" / "sharp_pain.toml", "--out",
               tmp_path / "sim", "--backend", "native")[0] == 0
    decisions = tmp_path / "sim" / "decisions.jsonl"
    assert "a decisions file (as simulate --out writes), not a footcore store" in fails(
        capsys, "store", "verify", decisions)
    assert digest(log) == before and not (tmp_path / "out.jsonl").exists()
