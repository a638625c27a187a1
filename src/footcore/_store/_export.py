"""Everything a store holds about one athlete, as JSON data (GDPR Art. 20: a copy an
athlete can take elsewhere, and the copy to hand over before an erasure)."""

from __future__ import annotations

from typing import Any

from .._errors import NotFound
from ._db import StoreError, Tx
from ._rows import damaged, stored_json, whole_decision
from ._verify import StoreReport, verify_store

__all__ = ["EXPORT_FORMAT", "export_athlete"]

EXPORT_FORMAT = 1
"""The version of the export's layout (its ``format`` key)."""


def export_athlete(tx: Tx, location: str, athlete_id: str, schema: int) -> dict[str, Any]:
    """The athlete's data as ``tx`` sees it: their state and every record of their chain,
    each with its decision whole (plans included) and its hashes; verified first.

    Raises:
        NotFound: no athlete has that id.
        StoreError: (``store-damaged``) verification finds a problem with this athlete's
            rows (another athlete's damage does not stop the export).
    """
    report = verify_store(tx, location, None, schema)
    mine = tuple(p for p in report.problems if p.athlete_id == athlete_id)
    if mine:
        raise StoreError(f"refusing to export athlete {athlete_id!r} of a damaged store: "
                         + "; ".join(map(str, mine)),
                         report=StoreReport(location, report.athletes, report.records,
                                            mine, False, 0, ()))
    found = tx.one("SELECT state, records, head FROM footcore_athletes WHERE athlete_id = ?",
                   (athlete_id,))
    if found is None:
        raise NotFound(f"athlete_id: no athlete {athlete_id!r} in the store {location}",
                       code="athlete-not-found")
    state, _, head = found
    where = f"store {location}: athlete {athlete_id!r}"
    try:
        state_data = stored_json(state, "state")
    except ValueError as exc:
        raise damaged(where, str(exc)) from None
    records = [{"seq": seq, "prev": prev, "hash": digest,
                "decision": whole_decision(text, {a: a_text, b: b_text},
                                           f"{where}, record {seq + 1}")}
               for seq, prev, digest, text, a, a_text, b, b_text in tx.all(
                   "SELECT d.seq, d.prev, d.hash, d.decision, d.plan, p.plan, d.prior_plan, "
                   "q.plan FROM footcore_decisions d "
                   "JOIN footcore_plans p ON p.hash = d.plan "
                   "JOIN footcore_plans q ON q.hash = d.prior_plan "
                   "WHERE d.athlete_id = ? ORDER BY d.seq", (athlete_id,))]
    return {"athlete_id": athlete_id, "format": EXPORT_FORMAT, "head": head,
            "records": records, "source": location, "state": state_data}
