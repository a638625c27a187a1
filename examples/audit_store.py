"""A store of athletes and decisions: check-ins recorded in one transaction each, a retry
answered from the store, a signed checkpoint, and a verification that catches a deleted record.

Uses a SQLite file; ``fc.open_store("postgresql://...")`` works the same with the
``postgres`` extra. Signing needs the ``sign`` extra (the cryptography package).
"""

import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import footcore as fc

engine = fc.Engine(fc.load_rulebook(), backend="auto")
signing_key = Ed25519PrivateKey.generate()  # in real use: read from a file off this machine

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "footcore.db"
    with fc.open_store(path) as store:
        store.add_athlete(engine.new_athlete("a-17", goal=fc.Goal.RUNNER, start=date(2026, 1, 5)))

        # Four weeks of check-ins, each with the app's own id.
        day = date(2026, 1, 5)
        for n in range(12):
            day += timedelta(days=(2, 2, 3)[n % 3])
            checkin = fc.CheckIn(on=day, completed=True, minutes=18, id=f"session-{n}",
                                 metrics=fc.Metrics(balance_eyes_open_s=38.0))
            decision = store.check_in(engine, "a-17", checkin)

        # The app lost the response and sends the last check-in again: same answer, no
        # second record.
        assert store.check_in(engine, "a-17", checkin) == decision
        print(f"{len(store.decisions('a-17'))} decisions; now on {store.state('a-17').stage}, "
              f"dose {store.state('a-17').dose_level}")

        checkpoint = store.checkpoint(signing_key)
        print(f"checkpoint {checkpoint.number} signed {len(checkpoint.heads)} chain head(s)")
        print(store.verify(public_key=signing_key.public_key()))

    # Someone with access to the database deletes a decision they would rather not show...
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM footcore_decisions WHERE athlete_id = 'a-17' AND seq = 4")
    with fc.open_store(path) as store:
        report = store.verify(public_key=signing_key.public_key())
        print(report)
        assert not report.ok
