"""The public API's shape: a small top level, namespaces one import deeper with each name in
exactly one place, the map in ``docs/api.md`` and the changelog's table of moved names in
step with every ``__all__``, and imports that stay light."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import footcore

ROOT = Path(__file__).parents[1]
NAMESPACES = ("footcore.models", "footcore.store", "footcore.audit", "footcore.impact",
              "footcore.analysis", "footcore.service")

# footcore.__all__ as 0.2.0 shipped it: every one of these must still be reachable.
EXPORTED_IN_0_2 = frozenset([
    "Action", "AthleteImpact", "AthleteState", "AuditLog", "AuditLogError", "AuditRecord",
    "BackOff", "BackOffCount", "Category", "ChangeExample", "ChangeGroup", "CheckIn",
    "CheckInConflict", "CheckInRef", "Checkpoint", "Compensation", "CompensationKind",
    "Conflict", "Decision", "Divergence", "Dose", "DuplicateCheckIn", "Engine", "EngineError",
    "Exercise", "Firing", "FootcoreError", "Goal", "History", "HistoryRow", "ImpactReport",
    "ImportReport", "InputError", "Location", "LogProblem", "LogReport", "Metrics", "NotFound",
    "Observation", "Outcome", "ParamUse", "PlanChange", "PlanItem", "PostgresStore", "Refusal",
    "ReplayDifference", "ReplayReport", "Rule", "Rulebook", "RulebookError", "RulebookRef",
    "RungShift", "SQLiteStore", "Session", "Stage", "Store", "StoreError", "StoreProblem",
    "StoreReport", "Surface", "Symptom", "SymptomKind", "Unmet", "WeekPlan", "WhyNot",
    "__version__", "decision_histories", "diff", "explain", "from_json", "history", "impact",
    "json_schema", "load_rulebook", "log_histories", "open_store", "parse_json",
    "read_histories", "replay_log", "to_json", "verify_log", "write_histories",
])


def modules() -> list[ModuleType]:
    return [footcore, *(importlib.import_module(name) for name in NAMESPACES)]


def test_the_top_level_is_small() -> None:
    assert len(footcore.__all__) <= 30


def test_every_name_0_2_exported_is_in_exactly_one_place() -> None:
    places: dict[str, list[str]] = {}
    for module in modules():
        for name in module.__all__:
            places.setdefault(name, []).append(module.__name__)
    assert {name: where for name, where in places.items() if len(where) > 1} == {}
    assert set(places) >= EXPORTED_IN_0_2


def isort_style(name: str) -> tuple[int, str]:
    """The order ruff keeps ``__all__`` in: CONSTANTS, then Classes, then the rest."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.__name__)
def test_every_listed_name_resolves_and_has_a_docstring(module: ModuleType) -> None:
    assert module.__doc__
    assert module.__all__ == sorted(module.__all__, key=isort_style)
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.{name}"


def api_map() -> dict[str, set[str]]:
    """The names ``docs/api.md`` lists under each ``### `module` `` heading of its map."""
    listed: dict[str, set[str]] = {}
    current: set[str] | None = None
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for line in text.split("## Reference")[0].splitlines():
        heading = re.match(r"### `([\w.]+)`", line)
        if heading:
            current = listed.setdefault(heading.group(1), set())
        row = re.match(r"\| `(\w+)` \|", line)
        if row and current is not None:
            current.add(row.group(1))
    return listed


def test_the_api_map_lists_exactly_the_names_of_each_namespace() -> None:
    listed = api_map()
    for module in modules():
        assert listed.pop(module.__name__) == set(module.__all__), module.__name__
    assert listed == {"footcore.testing": set()}  # the kit's page lists its names


def test_the_changelog_gives_every_moved_name_its_new_place() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    moved = dict(re.findall(r"^\| `footcore\.(\w+)` \| `(footcore\.[\w.]+)` \|$", text, re.M))
    assert set(moved) == EXPORTED_IN_0_2 - set(footcore.__all__)
    for name, new in moved.items():
        module, _, last = new.rpartition(".")
        assert last == name and name in importlib.import_module(module).__all__, new


def imported_by(statement: str) -> set[str]:
    """The footcore and third-party modules a fresh interpreter holds after ``statement``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{statement}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True, timeout=120)
    return set(done.stdout.split())


@pytest.mark.parametrize("statement", [
    "import footcore", *(f"import {name}" for name in NAMESPACES)])
def test_importing_the_api_stays_light(statement: str) -> None:
    loaded = imported_by(statement)
    heavy = {"footcore._cli", "footcore.testing", "hypothesis", "psycopg", "distributed",
             "matplotlib", "cryptography", "uvicorn"}
    if statement != "import footcore.service":  # the service is Starlette's
        heavy.add("starlette")
    assert loaded & heavy == set()


def test_importing_footcore_registers_how_models_pickle() -> None:
    loaded = imported_by("import footcore, copyreg\nassert footcore.Decision in "
                         "copyreg.dispatch_table")
    assert "footcore._pickling" in loaded
