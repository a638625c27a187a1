"""footcore's pytest plugin: fixtures to property-test an app's rulebook in one line.

Fixtures:
    ``footcore_rulebook``: the rulebook under test (session scope): the directory or file
        given by ``--footcore-rulebook`` or the ``footcore_rulebook`` ini option (relative
        to the rootdir), else the rulebook shipped with footcore. Override the fixture in a
        ``conftest.py`` to build it another way.
    ``footcore_engine``: a native-backend engine on it (session scope).
    ``footcore_check``: :func:`footcore.testing.check_rulebook`, bound to
        ``footcore_rulebook`` by default: ``def test_safe(footcore_check):
        footcore_check()``.

Registered through the ``pytest11`` entry point, or with ``-p
footcore.testing.pytest_plugin``. This module imports without Hypothesis (pytest loads it
for every project that installs footcore); ``footcore_check`` needs it (``pip install
footcore[testing]``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .. import Engine, load_rulebook
from ..models import Rulebook

if TYPE_CHECKING:
    from ._check import CheckReport

__all__ = ["footcore_check", "footcore_engine", "footcore_rulebook", "pytest_addoption"]

_OPTION = "footcore_rulebook"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("footcore")
    group.addoption("--footcore-rulebook", dest=_OPTION, default=None, metavar="PATH",
                    help="rules directory or file the footcore_rulebook fixture loads")
    parser.addini(_OPTION, "rules directory or file the footcore_rulebook fixture loads "
                  "(relative to the rootdir)", default="")


@pytest.fixture(scope="session")
def footcore_rulebook(request: pytest.FixtureRequest) -> Rulebook:
    """The rulebook under test: ``--footcore-rulebook``, the ``footcore_rulebook`` ini
    option, or footcore's own."""
    config = request.config
    given = config.getoption(_OPTION) or config.getini(_OPTION)
    if not given:
        return load_rulebook()
    path = Path(str(given))
    return load_rulebook(path if path.is_absolute() else config.rootpath / path)


@pytest.fixture(scope="session")
def footcore_engine(footcore_rulebook: Rulebook) -> Engine:
    """A native-backend engine on the rulebook under test."""
    return Engine(footcore_rulebook, backend="native")


@pytest.fixture
def footcore_check(footcore_rulebook: Rulebook) -> Callable[..., CheckReport]:
    """``check_rulebook`` with the rulebook under test as its default: call it with no
    argument, or with another rulebook or path, and any of its keyword arguments."""
    from ._check import check_rulebook

    def check(rulebook: Rulebook | str | Path | None = None, **options: Any) -> CheckReport:
        return check_rulebook(rulebook if rulebook is not None else footcore_rulebook,
                              **options)

    check.__doc__ = check_rulebook.__doc__
    return check
