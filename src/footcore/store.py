"""footcore.store: the audit store's types, for an app that keeps athletes in SQLite or
PostgreSQL.

:func:`footcore.open_store` opens a store; this namespace holds what an app names around
it: the store classes it annotates, the errors it catches beyond the top level's, and the
reports that verification, export and import give back. An outer layer: the core never
imports it, and importing it does not import the command line.
"""

from ._errors import CheckInConflict
from ._store import (
    Checkpoint,
    ErasureReceipt,
    ImportReport,
    LoadReport,
    PostgresStore,
    SQLiteStore,
    Store,
    StoreError,
    StoreProblem,
    StoreReport,
    UpgradeReport,
)

__all__ = [
    "CheckInConflict",
    "Checkpoint",
    "ErasureReceipt",
    "ImportReport",
    "LoadReport",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "StoreError",
    "StoreProblem",
    "StoreReport",
    "UpgradeReport",
]
