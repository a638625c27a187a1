"""Where a SQLite store's bytes go: synthetic athletes loaded into a store, its bytes per
check-in by table and index (SQLite's ``dbstat``), packed (schema 3) and as text (schemas 1
and 2: the same store with every text unpacked, then vacuumed), and what packing costs in
CPU time per check-in.

Usage::

    python benchmarks/bench_store_size.py [--athletes 200] [--checkins 78]
        [--scale 100000] [--rounds 3]

Loads ``--athletes`` athletes (``footcore.testing.population``, seed 0) with
``Store.load_histories`` (``sync="normal"``) into a store in a temporary folder, vacuums it,
and reports for each layout each table's and index's bytes per check-in (pages, and the
unused bytes in them), the file's, and the file at ``--scale`` athletes with as many
check-ins each. Then the CPU microseconds per check-in of packing the texts a check-in
writes (its decision, and its share of the plans) and of unpacking them; and, in turns
within each of ``--rounds`` rounds, the CPU time per check-in of ``load_histories``, of
``check_in`` (the athletes in turn), of reading the histories back and of ``verify``, on
stores that pack and on stores that keep text (the same code with packing left out).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

import footcore
from footcore._store import _sqlite
from footcore._store._packing import pack, unpack
from footcore.impact import History
from footcore.testing import population

_PACK = _sqlite._SQLiteTx.__dict__["pack"]
_KEEP = staticmethod(lambda text: text)


def sizes(path: Path, checkins: int) -> list[tuple[str, float, float]]:
    """(table or index, bytes per check-in, unused bytes per check-in), largest first, and
    the file's."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name, SUM(pgsize), SUM(unused) FROM dbstat "
                            "GROUP BY name ORDER BY 2 DESC").fetchall()
    found = [(name, size / checkins, unused / checkins) for name, size, unused in rows
             if size / checkins >= 1]
    return [*found, ("file", path.stat().st_size / checkins, 0.0)]


def vacuum(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.create_function("unpacked", 1, unpack, deterministic=True)
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.execute("VACUUM")


def cpu(path: Path, checkins: int) -> tuple[float, float]:
    """CPU microseconds per check-in to pack, and to unpack, the texts it writes."""
    with closing(sqlite3.connect(path)) as conn:
        texts = [t for (t,) in conn.execute("SELECT decision FROM footcore_decisions UNION ALL "
                                            "SELECT plan FROM footcore_plans")]
    began = time.process_time()
    packed = [pack(text) for text in texts]
    packing = time.process_time() - began
    began = time.process_time()
    for value in packed:
        unpack(value)
    unpacking = time.process_time() - began
    return packing / checkins * 1e6, unpacking / checkins * 1e6


def one_round(folder: Path, engine: footcore.Engine, histories: list[History],
              packed: bool) -> dict[str, float]:
    """CPU seconds of each way in and out of a store that packs, or keeps text."""
    _sqlite._SQLiteTx.pack = _PACK if packed else _KEEP  # type: ignore[method-assign]
    spent: dict[str, float] = {}
    path = folder / f"round-{packed}.db"
    with footcore.open_store(path, sync="normal") as store:
        began = time.process_time()
        store.load_histories(engine, histories)
        spent["load_histories"] = time.process_time() - began
        began = time.process_time()
        for history in store.histories():
            history.load()
        spent["histories"] = time.process_time() - began
        began = time.process_time()
        store.verify()
        spent["verify"] = time.process_time() - began
    path.unlink()
    path = folder / f"turns-{packed}.db"
    with footcore.open_store(path, sync="normal") as store:
        loaded = [history.load() for history in histories]
        for state, _ in loaded:
            store.add_athlete(state)
        began = time.process_time()
        for number in range(max(len(taken) for _, taken in loaded)):
            for state, taken in loaded:  # athletes in turn, as an app serves them
                if number < len(taken):
                    store.check_in(engine, state.athlete_id, taken[number])
        spent["check_in"] = time.process_time() - began
    path.unlink()
    _sqlite._SQLiteTx.pack = _PACK  # type: ignore[method-assign]
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--checkins", type=int, default=78)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = footcore.Engine(footcore.load_rulebook(), "native")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "store.db"
        with footcore.open_store(path, sync="normal") as store:
            store.load_histories(engine, population(args.athletes, checkins=args.checkins))
        checkins = args.athletes * args.checkins
        vacuum(path, "PRAGMA journal_mode = DELETE")
        layouts = {"packed (schema 3)": sizes(path, checkins)}
        vacuum(path, "UPDATE footcore_decisions SET decision = unpacked(decision)",
               "UPDATE footcore_plans SET plan = unpacked(plan)")
        layouts["text (schemas 1, 2)"] = sizes(path, checkins)
        packing, unpacking = cpu(path, checkins)
        histories = list(population(args.athletes, checkins=args.checkins))
        rounds = []
        for number in range(args.rounds):
            order = (True, False) if number % 2 else (False, True)
            rounds.append({packed: one_round(Path(folder), engine, histories, packed)
                           for packed in order})
    print(f"{args.athletes} athletes x {args.checkins} check-ins; bytes per check-in "
          f"(unused in its pages)")
    for layout, found in layouts.items():
        print(f"\n{layout}")
        for name, size, unused in found:
            print(f"  {name:42} {size:8.0f} ({unused:5.0f})")
        whole = found[-1][1] * args.scale * args.checkins
        print(f"  at {args.scale:,} athletes: {whole / 1e9:.1f} GB")
    print(f"\nCPU per check-in: pack {packing:.1f} us, unpack {unpacking:.1f} us")
    print(f"\nCPU us per check-in over {args.rounds} rounds, median (min-max): text, packed, "
          f"packed / text")
    for way in rounds[0][True]:
        text = [r[False][way] / checkins * 1e6 for r in rounds]
        packed = [r[True][way] / checkins * 1e6 for r in rounds]
        ratio = [p / t for p, t in zip(packed, text, strict=True)]
        print(f"  {way:15} {statistics.median(text):6.1f}  {statistics.median(packed):6.1f}  "
              f"{statistics.median(ratio):.2f} ({min(ratio):.2f}-{max(ratio):.2f})")


if __name__ == "__main__":
    main()
