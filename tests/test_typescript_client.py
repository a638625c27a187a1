"""The TypeScript client (clients/typescript) against a live ``footcore serve``.

Its types are what openapi-typescript makes of the server's ``/openapi.json``: regenerated
here and compared with the committed ``src/api.ts``, so they never drift from the
document. tsc then compiles the client and its season in strict mode (a type error fails),
and ``node --test`` runs the season: an athlete, a week of check-ins, a retry, a changed
retry's 409, the explanations, the plan, a 401. ``npm ci`` installs the pinned packages when
``node_modules`` is missing or older than ``package-lock.json`` (.ci/run installs them before
the suite).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from serving import launched

CLIENT = Path(__file__).resolve().parents[1] / "clients" / "typescript"
NODE = 20  # the oldest Node the client is tested on (package.json's engines)

pytestmark = pytest.mark.once


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not on PATH: the TypeScript client's test needs Node {NODE} "
                     "or later with npm (https://nodejs.org/)", pytrace=False)
    return found


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """The standard output of ``args`` run in the client's folder; a failure shows both."""
    done = subprocess.run(args, cwd=CLIENT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {done.returncode} in {CLIENT}\n"
                    f"--- stdout\n{done.stdout[-6000:]}\n--- stderr\n{done.stderr[-3000:]}",
                    pytrace=False)
    return done.stdout


def installed(npm: str) -> None:
    """``npm ci`` unless ``node_modules`` is as new as the lock file (npm writes its own
    ``node_modules/.package-lock.json`` on each install)."""
    mark = CLIENT / "node_modules" / ".package-lock.json"
    lock = CLIENT / "package-lock.json"
    if not mark.exists() or mark.stat().st_mtime < lock.stat().st_mtime:
        run(npm, "ci", "--no-audit", "--no-fund", timeout=600)


def test_the_typescript_client_runs_a_season_against_the_live_server(tmp_path: Path) -> None:
    node, npm = tool("node"), tool("npm")
    major = int(run(node, "--version").strip().lstrip("v").split(".")[0])
    if major < NODE:
        pytest.fail(f"node is version {major}: the TypeScript client needs Node {NODE} or later",
                    pytrace=False)
    installed(npm)
    with launched(tmp_path, {"app": "read,write"}) as server:
        env = {"FOOTCORE_URL": server.url, "FOOTCORE_TOKEN": server.tokens["app"],
               "FOOTCORE_TYPES": str(tmp_path / "api.ts")}
        run(npm, "run", "--silent", "generate", env=env)
        generated = (tmp_path / "api.ts").read_text(encoding="utf-8")
        committed = (CLIENT / "src" / "api.ts").read_text(encoding="utf-8")
        if generated != committed:
            diff = difflib.unified_diff(committed.splitlines(), generated.splitlines(),
                                        "src/api.ts (committed)", "from /openapi.json",
                                        lineterm="", n=2)
            pytest.fail("clients/typescript/src/api.ts is not what openapi-typescript makes "
                        "of the server's /openapi.json: regenerate it with `npm run generate` "
                        "against a server of this checkout (docs/service.md, From "
                        "TypeScript)\n" + "\n".join(list(diff)[:80]), pytrace=False)
        shutil.rmtree(CLIENT / "dist", ignore_errors=True)  # no test left from an older build
        run(npm, "run", "--silent", "build")
        out = run(npm, "test", env=env)
    passed = re.search(r"pass (\d+)", out)
    assert passed and int(passed[1]) >= 7 and re.search(r"fail 0\b", out), out
