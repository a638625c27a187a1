"""A throwaway PostgreSQL server for the store tests and the store benchmark.

It finds Debian's server binaries (``/usr/lib/postgresql/*/bin``), running
``.ci/system-deps`` to install them when they are missing and this process is root; starts a
cluster in a temporary directory as the ``postgres`` user when run as root (PostgreSQL
refuses root), listening on a unix socket in that directory only; and removes it all on
exit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).parents[1]
SYSTEM_DEPS = ROOT / ".ci" / "system-deps"


class ServerMissing(RuntimeError):
    """No PostgreSQL server binaries here, and they could not be installed."""


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else None


def server_binaries() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``, installing the server first if need be."""
    found = _binaries()
    if found is None and os.geteuid() == 0:
        subprocess.run(["bash", str(SYSTEM_DEPS)], check=False, capture_output=True)
        found = _binaries()
    if found is None:
        raise ServerMissing("the PostgreSQL store tests need the server: run .ci/system-deps "
                            "as root, or apt-get install -y postgresql")
    return found


@contextmanager
def cluster(*, fsync: bool = True) -> Iterator[str]:
    """Run a fresh cluster; yield the URL of its ``postgres`` database.

    Args:
        fsync: False turns off the server's fsync (``-F``): quicker, for tests only.
    """
    binaries = server_binaries()
    folder = Path(tempfile.mkdtemp(prefix="fcpg-", dir="/tmp"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True,
                              check=False, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")

    options = f"-k {folder} -c listen_addresses='' -c max_connections=50"
    if not fsync:
        options += " -F -c synchronous_commit=off -c full_page_writes=off"
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
            "-o", options, "start")
        try:
            yield f"postgresql://postgres@/postgres?host={folder}"
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
