"""Shared fixtures: the shipped rulebook, loaded once, and a native-backend engine on it;
a throwaway PostgreSQL server for the session, and a fresh store on each database. Also
the order of the run: the tests marked ``long`` first."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

import footcore
import footcore.models
from pg_cluster import ServerMissing, cluster

_databases = itertools.count()


@pytest.hookimpl(trylast=True)  # after any plugin that shuffles: only the long ones move
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``long`` tests first, so that in a parallel run each starts while the other
    workers still have short tests to take, and none is left running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def rulebook() -> footcore.models.Rulebook:
    return footcore.load_rulebook()


@pytest.fixture(scope="session")
def engine(rulebook: footcore.models.Rulebook) -> footcore.Engine:
    return footcore.Engine(rulebook, backend="native")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the ``postgres`` database of a cluster started for this session: one per
    xdist worker, each in its own folder with its own socket (no TCP port to share)."""
    try:
        with cluster(fsync=False) as url:
            yield url
    except ServerMissing as exc:
        pytest.fail(str(exc), pytrace=False)


def new_database(server: str) -> str:
    """A new, empty database on the test server; its URL."""
    import psycopg

    name = f"t{next(_databases)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.replace("/postgres?", f"/{name}?")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "footcore.db")
    return new_database(request.getfixturevalue("pg_server"))
