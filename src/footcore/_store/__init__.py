"""The audit store: athletes' states and decisions in SQLite or PostgreSQL, one
transaction per check-in, a hash chain per athlete, signed checkpoints.

An outer layer: it uses the core, and the core never imports it.
"""

from __future__ import annotations

import os

from .._errors import InputError
from ._base import Store
from ._db import StoreError
from ._interchange import ImportReport
from ._location import conninfo
from ._postgres import PostgresStore
from ._sign import Checkpoint
from ._sqlite import SQLiteStore
from ._verify import StoreProblem, StoreReport

__all__ = ["Checkpoint", "ImportReport", "PostgresStore", "SQLiteStore", "Store",
           "StoreError", "StoreProblem", "StoreReport", "open_store"]


def open_store(url_or_path: str | os.PathLike[str], *, sync: str = "full",
               timeout: float = 30.0) -> Store:
    """Open (creating it if need be) the store at a path or URL.

    A ``postgresql://`` (or ``postgres://``) URL, or a libpq connection string of
    ``key=value`` pairs, opens a :class:`PostgresStore` (``pip install
    'footcore[postgres]'``); anything else is a SQLite file, a :class:`SQLiteStore`.
    The store's ``location``, its reports and its errors show a password as ``***``.

    Args:
        url_or_path: ``"footcore.db"``, ``"postgresql://user@host/footcore"`` or
            ``"host=db dbname=footcore user=app"``.
        sync: SQLite's durability: ``"full"`` (each check-in on disk before it returns,
            the default) or ``"normal"`` (may lose the last check-ins to a power cut).
        timeout: seconds a SQLite write waits for another process's.

    Raises:
        InputError: a URL or connection string the driver cannot read.
        StoreError: the database cannot be opened or reached, or holds a store of
            another schema version.
    """
    url = conninfo(url_or_path) if isinstance(url_or_path, str) else None
    if url is not None:
        return PostgresStore(url)
    if not isinstance(url_or_path, str | os.PathLike):
        raise InputError(f"url_or_path: got {type(url_or_path).__name__}; accepted: a file "
                         f"path or a postgresql:// URL")
    return SQLiteStore(url_or_path, sync=sync, timeout=timeout)
