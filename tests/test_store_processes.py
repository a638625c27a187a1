"""Several real processes on one store or one audit log: concurrent check-ins with retries,
a writer killed in the middle of its transaction (a check-in's, an upgrade's, an
erasure's), two processes appending to one log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import footcore as fc
import footcore.audit
from footcore import Engine
from store_worker import START, athletes, checkins, retried

WORKER = Path(__file__).with_name("store_worker.py")
# The scenario, at full size (about 20 s per database on a shared 2-core machine);
# FOOTCORE_SCENARIO_CHECKINS sets another number of check-ins per athlete.
WORKERS, ATHLETES, SEED = 4, 20, 1
CHECKINS = int(os.environ.get("FOOTCORE_SCENARIO_CHECKINS", "250"))
# What races and kills exercise is the databases' locking, the same under any interpreter.
pytestmark = pytest.mark.once


def start(mode: str, **args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), mode, json.dumps(args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(workers: list[subprocess.Popen[str]], timeout: float = 900) -> list[str]:
    """Each worker's output, once all have succeeded; on any failure, none is left running.

    The workers' pipes are read all at once: a worker blocked on a full pipe would stall
    the others waiting for its athletes."""
    try:
        with ThreadPoolExecutor(len(workers)) as pool:
            done = list(pool.map(lambda worker: worker.communicate(timeout=timeout), workers))
        for worker, (_, err) in zip(workers, done, strict=True):
            assert worker.returncode == 0, err
        return [out for out, _ in done]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


@pytest.mark.long
def test_concurrent_check_ins_with_retries_lose_and_double_nothing(
        store_url: str, engine: Engine) -> None:
    """4 processes, 20 athletes, 250 check-ins each, 10% of them retried by another
    process as soon as the check-in before it is recorded (often while the first try is
    still in flight)."""
    names = athletes(ATHLETES)
    with fc.open_store(store_url) as store:
        for name in names:
            store.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
    workers = [start("concurrent", url=store_url, worker=n, workers=WORKERS,
                     athletes=ATHLETES, count=CHECKINS, seed=SEED) for n in range(WORKERS)]
    answers = [json.loads(line) for out in finish(workers) for line in out.splitlines()]
    expected_retries = sum(retried(i, n, SEED) for i in range(ATHLETES) for n in range(CHECKINS))
    assert len(answers) == expected_retries > ATHLETES * CHECKINS // 20

    with fc.open_store(store_url) as store:
        report = store.verify()
        assert report.ok, str(report)
        assert report.records == ATHLETES * CHECKINS
        stored = {}
        for name in names:
            state = engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START)
            replayed = []
            for checkin in checkins(name, CHECKINS, seed=SEED):
                replayed.append(engine.evaluate(state, checkin))
                state = replayed[-1].state
            recorded = store.decisions(name)
            assert list(recorded) == replayed, name
            assert store.state(name) == state
            stored.update({d.checkin.id: d for d in recorded})
    for answer in answers:  # every retry got the decision recorded for its check-in
        assert fc.from_json(answer["decision"], fc.Decision) == stored[answer["id"]]


def test_a_writer_killed_mid_transaction_leaves_the_store_consistent(
        store_url: str, engine: Engine) -> None:
    plan = checkins("a-1", 4)
    with fc.open_store(store_url) as store:
        store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
        first = [store.check_in(engine, "a-1", c) for c in plan[:2]]
    killed = start("kill", url=store_url, athlete="a-1", checkin=fc.to_json(plan[2]))
    out, err = killed.communicate(timeout=120)
    assert killed.returncode == -9 and out == "inserted\n", err
    with fc.open_store(store_url, timeout=5) as store:
        assert store.verify().ok
        assert list(store.decisions("a-1")) == first
        assert store.state("a-1") == first[-1].state
        # The lock died with the writer: the same check-in goes through now, once.
        again = store.check_in(engine, "a-1", plan[2])
        assert again.prior_state == first[-1].state
        assert store.check_in(engine, "a-1", plan[3]).prior_state == again.state
        assert len(store.decisions("a-1")) == 4 and store.verify().ok


def test_an_erasure_killed_mid_transaction_leaves_the_athlete_whole(
        store_url: str, engine: Engine) -> None:
    """Killed once every row is deleted and the tombstone written, before the commit: the
    athlete is whole, their checkpoint verifies, and erasing them again goes through."""
    key = Ed25519PrivateKey.generate()
    with fc.open_store(store_url) as store:
        for name in ("a-1", "a-2"):
            store.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
            for checkin in checkins(name, 4):
                store.check_in(engine, name, checkin)
        store.checkpoint(key)
        before = store.decisions("a-1")
    killed = start("erase", url=store_url, athlete="a-1")
    out, err = killed.communicate(timeout=120)
    assert killed.returncode == -9 and out == "written\n", err
    with fc.open_store(store_url, timeout=5) as store:
        report = store.verify(public_key=key.public_key())
        assert report.ok and report.erasures == () and report.records == 8, report
        assert store.decisions("a-1") == before and store.athletes() == ("a-1", "a-2")
        receipt = store.erase("a-1", by="dpo", reason="gdpr-art-17")
        report = store.verify(public_key=key.public_key())
        assert report.ok and report.erasures == (receipt,) and report.records == 4, report


def test_two_processes_appending_to_one_audit_log_are_safe(tmp_path: Path,
                                                           engine: Engine) -> None:
    """Each process appends 100 decisions of its own athlete, at the same time. Whether the
    appends overlap is up to the scheduler (on a loaded machine one process may finish
    before the other starts); what must hold either way is that nothing is lost or doubled
    and the chain verifies."""
    files, made = [], {}
    for name in ("p-1", "p-2"):
        state, made[name] = engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START), []
        for checkin in checkins(name, 100):
            made[name].append(engine.evaluate(state, checkin))
            state = made[name][-1].state
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text("".join(fc.to_json(d) + "\n" for d in made[name]))
    log = tmp_path / "shared.jsonl"
    writers = [start("append", log=str(log), decisions=str(f)) for f in files]
    acknowledged = [json.loads(line) for out in finish(writers) for line in out.splitlines()]
    report = fc.audit.verify_log(log)
    assert report.ok and report.records == 200, str(report)
    records = {r.seq: r for r in fc.audit.AuditLog(log).records()}
    assert sorted(a["seq"] for a in acknowledged) == list(range(200))
    for ack in acknowledged:
        assert records[ack["seq"]].hash == ack["hash"]
    # Every decision of each process is in the log once, in the order it appended them.
    for name, decisions in made.items():
        assert [r.decision for r in records.values()
                if r.decision.state.athlete_id == name] == decisions


@pytest.mark.parametrize("grown", ["by another writer", "with a forged line"])
def test_an_append_checks_what_other_writers_added_since(tmp_path: Path, engine: Engine,
                                                        grown: str) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    decisions = []
    for checkin in checkins("a-1", 3):
        decisions.append(engine.evaluate(state, checkin))
        state = decisions[-1].state
    path = tmp_path / "log.jsonl"
    mine, other = fc.audit.AuditLog(path), fc.audit.AuditLog(path)
    mine.append(decisions[0])
    if grown == "by another writer":
        other.append(decisions[1])
        assert mine.append(decisions[2]).seq == 2 and fc.audit.verify_log(path).ok
    else:
        with path.open("ab") as handle:
            handle.write(path.read_bytes().replace(b'"seq":0', b'"seq":1'))
        with pytest.raises(fc.audit.AuditLogError, match="damaged"):
            mine.append(decisions[1])


def test_an_upgrade_killed_mid_transaction_leaves_each_athlete_old_or_new(
        store_url: str, engine: Engine, tmp_path: Path) -> None:
    """Issue 23: kill -9 while the second athlete's upgrade record is written, before its
    commit: the first athlete is on the new rulebook, the others on the old, none half;
    running the upgrade again moves the rest."""
    from test_store_upgrade import RENAMED, renamed_rules

    rules = renamed_rules(tmp_path / "rules-2")
    new = Engine(fc.load_rulebook(rules), backend="native")
    names = ("a-1", "a-2", "a-3")
    with fc.open_store(store_url) as store:
        for name in names:
            store.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
            for checkin in checkins(name, 15):
                store.check_in(engine, name, checkin)
        before = {name: store.decisions(name) for name in names}
    killed = start("upgrade", url=store_url, rules=str(rules), on="2026-03-01",
                   mapping=RENAMED, die_at=2)
    out, err = killed.communicate(timeout=120)
    assert killed.returncode == -9 and out == "inserted a-2\n", err
    with fc.open_store(store_url, timeout=5) as store:
        assert store.verify().ok
        assert store.decisions("a-1")[:-1] == before["a-1"]
        assert store.decisions("a-1")[-1].kind is fc.models.ChangeKind.UPGRADE
        assert store.state("a-1").rulebook_digest == new.rulebook.digest
        for name in ("a-2", "a-3"):
            assert store.decisions(name) == before[name]
            assert store.state(name) == before[name][-1].state
        report = store.upgrade(new, on=date(2026, 3, 1), by="ops", mapping=RENAMED)
        assert report.moved == ("a-2", "a-3") and report.skipped == ("a-1",)
        assert store.verify().ok and store.reproduce(backend="native").ok
