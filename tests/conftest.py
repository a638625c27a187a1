"""Shared fixtures: the shipped rulebook, loaded once, and a native-backend engine on it;
a throwaway PostgreSQL server for the session, and a fresh store on each database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

import footcore
import footcore.models
from pg_cluster import ServerMissing, cluster

_databases = itertools.count()


@pytest.fixture(scope="session")
def rulebook() -> footcore.models.Rulebook:
    return footcore.load_rulebook()


@pytest.fixture(scope="session")
def engine(rulebook: footcore.models.Rulebook) -> footcore.Engine:
    return footcore.Engine(rulebook, backend="native")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the ``postgres`` database of a cluster started for this session."""
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
