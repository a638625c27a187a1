"""Shared fixtures: the shipped rulebook, loaded once, and a native-backend engine on it."""

import pytest

import footcore


@pytest.fixture(scope="session")
def rulebook() -> footcore.Rulebook:
    return footcore.load_rulebook()


@pytest.fixture(scope="session")
def engine(rulebook: footcore.Rulebook) -> footcore.Engine:
    return footcore.Engine(rulebook, backend="native")
