"""The test vectors shipped in docs/spec/vectors/ are what the library makes now, byte for
byte (so the spec in docs/spec/ cannot drift from the code): rebuilt here by
make_vectors.py, which also checks them with the library's own verification (the export
and each tampered copy, the checkpoint in a store). Runs on every interpreter: it is what
the library writes there that other languages read."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
VECTORS = ROOT / "docs" / "spec" / "vectors"


@pytest.fixture(scope="module")
def make_vectors() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_vectors_are_what_the_library_makes(make_vectors: ModuleType) -> None:
    made: dict[str, str] = make_vectors.build()
    shipped = {p.name for p in VECTORS.iterdir() if p.suffix in (".json", ".jsonl")}
    assert set(made) == shipped
    for name, text in made.items():
        assert (VECTORS / name).read_text(encoding="utf-8") == text, (
            f"docs/spec/vectors/{name} is stale: if the change is meant, run python "
            f"docs/spec/vectors/make_vectors.py and say in docs/spec/ what changed")


def test_the_vectors_cover_what_the_spec_promises() -> None:
    canonical = json.loads((VECTORS / "canonical-json.json").read_text(encoding="utf-8"))
    names = {case["name"] for case in canonical["cases"]}
    assert {"keys-by-code-point", "string-escapes", "floats-exponent", "integers"} <= names
    assert len(canonical["refused"]) >= 8
    checkpoint = json.loads((VECTORS / "checkpoint.json").read_text(encoding="utf-8"))
    assert "TEST-ONLY" in checkpoint["WARNING"]
    assert [c["ok"] for c in checkpoint["checks"]] == [True, False, False]
    erasure = json.loads((VECTORS / "erasure.json").read_text(encoding="utf-8"))
    assert erasure["expected"]["redacted"] and len(erasure["expected"]["checked"]) >= 3
    assert {"tombstone-edited", "tombstone-for-an-athlete-still-there", "format-1-head-changed",
            "format-1-redaction-claimed"} <= {case["name"] for case in erasure["cases"]}
    signed = json.loads((VECTORS / "erased-checkpoints.json").read_text(encoding="utf-8"))
    assert {c["format"] for c in signed["checkpoints"]} == {1, 2} and signed["erasures"]
    tampered = json.loads((VECTORS / "tampered.json").read_text(encoding="utf-8"))
    assert {"changed-field", "removed-record", "reordered", "changed-hash"} <= {
        case["name"] for case in tampered["cases"]}
