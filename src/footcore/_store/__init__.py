"""The audit store: athletes' states and decisions in SQLite or PostgreSQL, one
transaction per check-in, a hash chain per athlete, signed checkpoints, erasure and export
of one athlete.

An outer layer: it uses the core, and the core never imports it.
"""

from __future__ import annotations

import os

from .._errors import InputError
from ._base import Store
from ._bulk import LoadReport
from ._db import StoreError
from ._erase import ErasureReceipt
from ._interchange import ImportReport
from ._location import conninfo
from ._postgres import PostgresStore
from ._sign import Checkpoint
from ._sqlite import SQLiteStore
from ._upgrade import UpgradeReport
from ._verify import StoreProblem, StoreReport

__all__ = ["Checkpoint", "ErasureReceipt", "ImportReport", "LoadReport", "PostgresStore",
           "SQLiteStore", "Store", "StoreError", "StoreProblem", "StoreReport", "UpgradeReport",
           "open_store"]


def open_store(url_or_path: str | os.PathLike[str], *, create: bool = True,
               readonly: bool = False, sync: str = "full", timeout: float = 30.0) -> Store:
    """Open the store at a path or URL, creating it if missing unless ``create=False``.

    A ``postgresql://`` (or ``postgres://``) URL, or a libpq connection string of
    ``key=value`` pairs, opens a :class:`PostgresStore` (``pip install
    'footcore[postgres]'``); anything else is a SQLite file, a :class:`SQLiteStore`.
    The store's ``location``, its reports and its errors show a password as ``***``.

    Code that only reads a store (verification, reports, audits) passes ``create=False``,
    or ``readonly=True``, so a mistyped path is an error instead of a new, empty store
    that verifies. ``create`` defaults to True because apps written before it existed
    open their store that way; an app that adds athletes keeps it.

    Args:
        url_or_path: ``"footcore.db"``, ``"postgresql://user@host/footcore"`` or
            ``"host=db dbname=footcore user=app"``.
        create: create the SQLite file, and footcore's tables, if missing. Without it, a
            path with nothing there, or a database without footcore's tables, is refused
            and left unchanged.
        readonly: open for reading only (for auditors; implies ``create=False``): SQLite
            opens the file read-only (``mode=ro``, which works on a read-only file), and
            PostgreSQL runs every transaction read-only. Writes raise ``StoreError``
            (``store-readonly``).
        sync: SQLite's durability: ``"full"`` (each check-in on disk before it returns,
            the default) or ``"normal"`` (may lose the last check-ins to a power cut).
        timeout: seconds a SQLite write waits for another process's.

    Raises:
        InputError: ``url_or_path`` is empty or not a path or URL; a URL or connection
            string the driver cannot read.
        StoreError: nothing is at the path and ``create`` is False (``store-missing``);
            the file or database is not a footcore store (``store-not-footcore``); the
            database cannot be opened or reached, or holds a store of another schema
            version.
    """
    for name, flag in (("create", create), ("readonly", readonly)):
        if not isinstance(flag, bool):
            raise InputError(f"{name}: got {flag!r:.40}; accepted: True or False")
    url = conninfo(url_or_path) if isinstance(url_or_path, str) else None
    if url is not None:
        return PostgresStore(url, create=create, readonly=readonly)
    if not isinstance(url_or_path, str | os.PathLike):
        raise InputError(f"url_or_path: got {type(url_or_path).__name__}; accepted: a file "
                         f"path or a postgresql:// URL")
    if not os.fspath(url_or_path):
        raise InputError("url_or_path: empty; accepted: a file path or a postgresql:// URL")
    return SQLiteStore(url_or_path, sync=sync, timeout=timeout, create=create,
                       readonly=readonly)
