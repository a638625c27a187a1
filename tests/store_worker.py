"""Check-ins for the store tests, and the worker processes those tests start.

``python tests/store_worker.py MODE ARGS_JSON`` runs one worker:

- ``concurrent``: check in this worker's share of the athletes, in order, and retry the
  check-ins picked for it once the athlete's state shows the check-in before; print each
  retry's answer as ``{"id": ..., "decision": <JSON>}`` lines.
- ``kill``: start a check-in and SIGKILL this process in the middle of its transaction,
  once the decision row is written and before the commit.
- ``erase``: start erasing an athlete and SIGKILL this process in the middle of its
  transaction, once every row of theirs is deleted and the tombstone written, before the
  commit.
- ``append``: append the decisions of a JSON Lines file to an audit log, printing each
  record's seq and hash as it is acknowledged.
- ``upgrade``: upgrade the store to the rulebook in a folder and SIGKILL this process in
  the middle of the transaction of the ``die_at``-th athlete moved (1 first), once its
  upgrade record is written and before the commit.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

try:
    import footcore as fc
except ImportError:  # started from a checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import footcore as fc
import footcore.audit

START = date(2026, 1, 5)
GOOD = fc.Metrics(balance_eyes_open_s=45.0, balance_eyes_closed_s=20.0)
_SYMPTOMS = ((0.06, fc.SymptomKind.STIFFNESS, fc.Location.ARCH),
             (0.10, fc.SymptomKind.IRRITATION, fc.Location.TOES),
             (0.14, fc.SymptomKind.SORENESS, fc.Location.ARCH),
             (0.15, fc.SymptomKind.SHARP_PAIN, fc.Location.HEEL))


def checkins(athlete: str, count: int, *, seed: int = 0) -> list[fc.CheckIn]:
    """A deterministic athlete's check-ins, each with an id: sessions every one to three
    days, now and then a layoff, stiffness, irritation, soreness or a sharp pain, and
    clearance given at times."""
    draw = random.Random(f"{seed}/{athlete}")
    day, out = START, []
    for number in range(count):
        day += timedelta(days=draw.choice((1, 2, 2, 3)) if draw.random() > 0.03 else 10)
        roll = draw.random()
        seen = next(((kind, where) for limit, kind, where in _SYMPTOMS if roll < limit), None)
        symptoms = (fc.Symptom(*seen, severity=draw.randint(2, 6)),) if seen else ()
        out.append(fc.CheckIn(on=day, completed=draw.random() < 0.9, minutes=17,
                              symptoms=symptoms, metrics=GOOD,
                              clinician_cleared=draw.random() < 0.2,
                              id=f"{athlete}/{number}"))
    return out


def athletes(count: int) -> list[str]:
    return [f"a-{number:02d}" for number in range(count)]


def retried(athlete: int, number: int, seed: int) -> bool:
    """Whether check-in ``number`` of athlete ``athlete`` is one of the retried 10%."""
    return random.Random(f"retry/{seed}/{athlete}/{number}").random() < 0.10


def _concurrent(args: dict[str, Any]) -> None:
    store = fc.open_store(args["url"])
    engine = fc.Engine(backend="native")
    me, workers, count, seed = args["worker"], args["workers"], args["count"], args["seed"]
    names = athletes(args["athletes"])
    plans = {name: checkins(name, count, seed=seed) for name in names}
    mine = [name for index, name in enumerate(names) if index % workers == me]
    pending = {name: [n for n in range(count) if retried(index, n, seed)]
               for index, name in enumerate(names) if (index + 1) % workers == me}

    def retry_ready() -> None:
        for name, numbers in pending.items():
            last = store.state(name).last_checkin_on if numbers else None
            while numbers and (numbers[0] == 0 or (
                    last is not None and last >= plans[name][numbers[0] - 1].on)):
                checkin = plans[name][numbers.pop(0)]
                decision = store.check_in(engine, name, checkin)
                print(json.dumps({"id": checkin.id, "decision": fc.to_json(decision)}))

    for number in range(count):
        for name in mine:
            store.check_in(engine, name, plans[name][number])
        retry_ready()
    deadline = time.monotonic() + 600
    while any(pending.values()):
        if time.monotonic() > deadline:  # the lead of those athletes died: give up, loudly
            raise SystemExit(f"retries never became due: {pending}")
        time.sleep(0.005)
        retry_ready()
    store.close()


def _die_after(module: Any, name: str, said: str) -> None:
    """Make ``module.name`` do its work, print ``said`` and SIGKILL this process."""
    work = getattr(module, name)

    def work_then_die(*a: Any) -> None:
        work(*a)
        sys.stdout.write(f"{said}\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(module, name, work_then_die)


def _kill(args: dict[str, Any]) -> None:
    from footcore._store import _writing

    store = fc.open_store(args["url"])
    _die_after(_writing, "insert_row", "inserted")
    store.check_in(fc.Engine(backend="native"), args["athlete"],
                   fc.from_json(args["checkin"], fc.CheckIn))


def _upgrade(args: dict[str, Any]) -> None:
    from footcore._store import _writing

    store = fc.open_store(args["url"])
    insert, moved = _writing.insert_row, []

    def insert_or_die(*a: Any) -> None:
        insert(*a)
        moved.append(a[1])
        if len(moved) == args["die_at"]:
            sys.stdout.write(f"inserted {a[1]}\n")
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    _writing.insert_row = insert_or_die  # type: ignore[assignment]
    store.upgrade(fc.Engine(fc.load_rulebook(args["rules"]), backend="native"),
                  on=date.fromisoformat(args["on"]), by="ops", mapping=args["mapping"])
def _erase(args: dict[str, Any]) -> None:
    from footcore._store import _erase as erasure

    store = fc.open_store(args["url"])
    _die_after(erasure, "store_tombstone", "written")
    store.erase(args["athlete"], by="dpo", reason="gdpr-art-17")


def _append(args: dict[str, Any]) -> None:
    log = fc.audit.AuditLog(args["log"])
    for line in Path(args["decisions"]).read_text().splitlines():
        record = log.append(fc.from_json(line, fc.Decision))
        print(json.dumps({"seq": record.seq, "hash": record.hash}), flush=True)


if __name__ == "__main__":
    mode, raw = sys.argv[1], json.loads(sys.argv[2])
    {"concurrent": _concurrent, "kill": _kill, "erase": _erase, "append": _append,
     "upgrade": _upgrade}[mode](raw)
