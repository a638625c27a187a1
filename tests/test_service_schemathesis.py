"""Schemathesis, an OpenAPI tester nobody here wrote, against a live ``footcore serve``.

It reads the server's own /openapi.json and, with a token of every scope, sends each
operation the requests it makes from the document: the document's examples, its coverage
phase (each field's edge
values, a value of the wrong type, a field missing or unknown), random ones in its fuzzing
phase, and sequences in its stateful phase that follow the links it infers (an athlete
added, then its check-ins, decisions and explanations). Every answer goes through all its
checks: no server error; the status, content type, headers and body are the document's; a
request the document takes is accepted and one it refuses is refused; methods the document
does not name answer 405; without the token, 401. The test asserts no check failed, every
operation was tested and every phase ran.

Two expectations are set. A body over the server's limit is refused with 413 before it is
read, whatever it holds. And the document says 422 means "the request matches this document,
but a rule it cannot state refuses it" (a state's dates out of order, a goal the athlete
has already, an id beyond ASCII that is not one), so a schema-valid request may get 422.
It never gets 400, which means the document refuses it: the check of that stays on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

import footcore as fc
import footcore.service
from footcore._service._tokens import SCOPES
from serving import start, stopped

pytestmark = [pytest.mark.once, pytest.mark.long]

CONFIG = """\
[checks.positive_data_acceptance]
# Schemathesis's default list and 422: a request the document takes that a rule refuses.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[checks.negative_data_rejection]
# Schemathesis's default list and 413: a body past the server's limit is refused for its
# size before it is read (the document says so).
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422",
                     "428", "429", "5xx"]
"""
EXAMPLES = 20  # per operation, in the fuzzing and stateful phases


def schemathesis(tmp: Path, url: str, token: str) -> tuple[subprocess.CompletedProcess[str],
                                                             dict[str, Any]]:
    """Schemathesis run on the live document: its output and its JSON report."""
    config, report = tmp / "schemathesis.toml", tmp / "schemathesis.json"
    config.write_text(CONFIG, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         f"{url}/openapi.json", "--header", f"Authorization: Bearer {token}",
         "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
         "--max-examples", str(EXAMPLES),
         "--generation-deterministic",  # derandomized, no example database
         "--workers", "1", "--request-timeout", "30",
         "--no-color", "--report", "json", "--report-json-path", str(report)],
        capture_output=True, text=True, cwd=tmp, timeout=600, check=False)
    assert report.exists(), f"schemathesis did not run: {run.stdout[-5000:]}{run.stderr}"
    return run, json.loads(report.read_text(encoding="utf-8"))


def test_schemathesis_finds_no_failure_in_any_operation(tmp_path: Path) -> None:
    store = str(tmp_path / "footcore.db")
    fc.open_store(store, create=True).close()
    token = footcore.service.add_token(tmp_path / "tokens.toml", "every-scope", SCOPES)
    url, process, log = start(tmp_path, store, "--tokens", str(tmp_path / "tokens.toml"),
                              "--max-body", "65536")
    try:
        document = httpx.get(f"{url}/openapi.json").json()
        run, report = schemathesis(tmp_path, url, token)
    finally:
        assert stopped(process, log)
    assert run.returncode == 0 and not report["failures"], run.stdout[-20000:]
    assert not report["errors"], report["errors"]
    operations = sum(len(item) for item in document["paths"].values())
    assert report["operations"]["tested"] == report["operations"]["selected"] == operations
    ran = {phase: outcome["status"] for phase, outcome in report["phases"].items()}
    assert set(ran.values()) == {"success"} and len(ran) == 4, ran
    cases = report["test_cases"]
    assert cases["generated"] > 50 * operations and cases["with_failures"] == 0, cases
    print(f"schemathesis: {cases['generated']} cases over {operations} operations in "
          f"{report['running_time']:.1f} s")
