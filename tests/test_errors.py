"""The error contract: every error footcore raises carries a stable code and, where a field
is at fault, its path; the classes a web app maps to statuses; codes survive pickling."""

from __future__ import annotations

import pickle
import re
from datetime import date
from pathlib import Path

import pytest

import footcore as fc
import footcore.store
from footcore._errors import FootcoreError

DOCS = Path(__file__).parent.parent / "docs" / "errors.md"


def all_error_classes() -> list[type[FootcoreError]]:
    found, todo = [], [FootcoreError]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return found


def documented_codes() -> set[str]:
    return set(re.findall(r"^\| `([a-z-]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))


def test_every_error_class_has_its_own_documented_code() -> None:
    classes = all_error_classes()
    codes = {kind.code for kind in classes}
    assert len(codes) == len(classes), "two classes share a code"
    assert codes <= documented_codes()


def test_every_code_raised_in_the_source_is_documented() -> None:
    source = Path(fc.__file__).parent
    raised = {code for path in source.rglob("*.py")
              for code in re.findall(r'\bcode="([a-z-]+)"', path.read_text(encoding="utf-8"))}
    assert raised and raised <= documented_codes()


def test_an_input_error_names_the_field_it_starts_with() -> None:
    with pytest.raises(fc.InputError) as err:
        fc.CheckIn(on=date(2026, 1, 7), completed=True, minutes=-1)
    assert err.value.code == "invalid-input"
    assert err.value.field == "CheckIn.minutes"


def test_a_converter_error_names_the_path_inside_the_document() -> None:
    with pytest.raises(fc.InputError) as err:
        fc.from_json('{"on": "2026-01-07", "completed": true, "symptoms": [{"kind": 3}]}',
                     fc.CheckIn)
    assert err.value.field is not None and err.value.field.startswith("$.symptoms[0]")


@pytest.mark.parametrize("error", [
    fc.InputError("CheckIn.minutes: got -1; accepted: 0 to 600", code="invalid-input"),
    fc.store.CheckInConflict("c-1", "a-1", "differs in minutes"),
    fc.DuplicateCheckIn("c-1", "a-1", "2026-01-07"),
    fc.NotFound("athlete_id: no athlete 'x'", code="athlete-not-found"),
    fc.store.StoreError("store x: damaged", report=object()),
    fc.RulebookError("bad", file="stages.toml", item="stage 'x'", field="order"),
])
def test_codes_and_fields_survive_pickling(error: FootcoreError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert (back.code, back.field) == (error.code, error.field)


def test_the_web_classes_are_input_errors_so_old_handlers_still_catch_them() -> None:
    for kind in (fc.NotFound, fc.Conflict, fc.store.CheckInConflict, fc.DuplicateCheckIn):
        assert issubclass(kind, fc.InputError)
    assert issubclass(fc.store.CheckInConflict, fc.Conflict)
    assert issubclass(fc.DuplicateCheckIn, fc.Conflict)


def test_an_unknown_athlete_is_not_found(tmp_path: Path, engine: fc.Engine) -> None:
    with fc.open_store(tmp_path / "s.db") as store, pytest.raises(fc.NotFound) as err:
        store.state("nobody")
    assert err.value.code == "athlete-not-found" and err.value.field == "athlete_id"
