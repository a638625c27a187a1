"""benchmarks/bench_serve.py still runs: its smoke test (``--quick``: a real ``footcore
serve`` on SQLite at 1 and 8 clients beside the library loop, driven by wrk where it is
installed and by httpx elsewhere) and the timing of the service's parts, so the figures the
issue's note quotes can be made again."""

from __future__ import annotations

import re
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import attrs
import pytest

import footcore as fc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_serve

# The benchmark's own code does the same on any interpreter; the service it times is tested
# on each by test_service.
pytestmark = pytest.mark.once

VALUE = r"-?\d+(?:\.\d+)?"
NUMBER = rf"({VALUE}) \({VALUE}-{VALUE}\)"  # a median and its range: 1.5 (-0.2-3)


def test_the_quick_run_times_the_server_against_the_library(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_serve.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rows = {(m[1], m[2], m[3]): float(m[4]) for m in re.finditer(
        rf"^sqlite +(\w+) +(\d*) +(\d+) +{NUMBER}", out, re.MULTILINE)}
    assert set(rows) == {("library", "", "1"), ("tree", "1", "1"), ("tree", "1", "8")}
    assert all(rate > 0 for rate in rows.values())
    assert re.search(rf"sqlite: HTTP adds {NUMBER} ms at p50 with 1 client", out)
    generator = "wrk" if shutil.which("wrk") else "httpx"  # wrk where it is installed
    assert re.search(rf"^load generator: {generator}", out, re.MULTILINE)


def test_the_bodies_wrk_sends_are_the_check_ins_they_stand_for() -> None:
    """wrk's script joins the templates with an id and a day as wrk_body does (which sends
    the warm-ups): each is a whole check-in, of its number's day."""
    parts = bench_serve.templates()
    made = bench_serve.checkins("t", len(parts) + 1)
    for number in (0, 1, len(parts)):
        read = fc.from_json(bench_serve.wrk_body(parts, "a-1", number), fc.CheckIn)
        day = bench_serve.FIRST_DAY + timedelta(days=number)
        assert (read.id, read.on) == (f"a-1/{number}", day)
        assert read == attrs.evolve(made[number % len(parts)], id=read.id, on=day)


def test_the_parts_say_what_the_service_layer_adds(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_serve.main(["--parts", "--quick"]) == 0
    out = capsys.readouterr().out
    for part in ("store.check_in (library)", "check-in through the ASGI app",
                 "the service's thread hop (call)", "token lookup"):
        assert re.search(rf"{re.escape(part)}.* \d+\.\d$", out, re.MULTILINE), part
    assert "the service layer adds" in out
