"""A real browser for the report tests: Debian's Chromium, headless.

It runs ``.ci/system-deps`` to install Chromium when it is missing and this process is
root. Each call starts a fresh browser with its own profile folder, no network of its own
(no background requests, updates or sync), and waits for it to exit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
SYSTEM_DEPS = ROOT / ".ci" / "system-deps"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class BrowserMissing(RuntimeError):
    """No Chromium here, and it could not be installed."""


def chromium() -> str:
    """The path of the ``chromium`` binary, installing it first if need be."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0:
        subprocess.run(["bash", str(SYSTEM_DEPS)], check=False, capture_output=True)
        found = shutil.which("chromium")
    if found is None:
        raise BrowserMissing("the report tests need Chromium: run .ci/system-deps as root, "
                             "or apt-get install -y chromium")
    return found


def _run(page: Path, *extra: str) -> str:
    with tempfile.TemporaryDirectory(prefix="fc-chromium-") as profile:
        done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra,
                               page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def dump_dom(page: Path) -> str:
    """The page's DOM as the browser has it once loaded."""
    return _run(page, "--dump-dom")


def screenshot(page: Path, png: Path, *, width: int = 1280, height: int = 2400) -> None:
    """A screenshot of the page's top ``height`` pixels, as PNG."""
    _run(page, f"--screenshot={png}", f"--window-size={width},{height}")
    assert png.is_file(), f"chromium wrote no screenshot to {png}"
