"""``footcore report``: one athlete's history as a self-contained page, from a decisions
file, an audit log and a store, rendered by a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from browser import dump_dom, screenshot
from footcore._cli import main
from footcore._cli._report import _file_name

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "examples" / "scenarios"
STAGE_BLUE = (0x1F, 0x4E, 0x79)  # the chart's stage line


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def simulated(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    assert run(capsys, "simulate", SCENARIOS / f"{name}.toml", "--out", out, "--backend",
               "native")[0] == 0
    return out / "decisions.jsonl"


def self_contained(page: str) -> None:
    """Nothing the page shows comes from elsewhere: no script, no remote source or style."""
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", page)
    assert "@import" not in page and "url(" not in page


def stage_pixels(png: Path) -> int:
    """How many pixels of the screenshot have the chart's stage-line colour."""
    from matplotlib.image import imread

    image = imread(png)[:, :, :3]
    target = [c / 255 for c in STAGE_BLUE]
    close = abs(image - target).max(axis=2) < 0.08
    return int(close.sum())


def test_a_decisions_file_in_a_real_browser(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    decisions = simulated(capsys, tmp_path, "sharp_pain")
    count = len(decisions.read_text().splitlines())
    code, out, _ = run(capsys, "report", decisions, "runner-sharp", "--out", tmp_path / "pages")
    page = tmp_path / "pages" / "runner-sharp.html"
    assert code == 0, out
    assert out == (f"Wrote {page}: {count} decision(s) of athlete runner-sharp, no chain to "
                   f"verify.\n")
    text = page.read_text()
    self_contained(text)

    # The browser's own DOM of the page: every decision, explained, and the chart.
    dom = dump_dom(page)
    for number in range(1, count + 1):
        assert f'id="row-{number}"' in dom and f'href="#row-{number}"' in dom
    assert f'id="row-{count + 1}"' not in dom
    assert dom.count('<section class="decision"') == count
    assert "no chain was verified" in dom
    assert 'src="data:image/png;base64,' in dom
    assert "sharp-pain-pause" in dom and "Sharp pain: stop training" in dom
    assert "Why not the next step:" in dom and "Not yet:" in dom
    assert ">footcore-article</td><td>1.0.0</td>" in dom

    # The screenshot shows the chart: its stage line is drawn at the top of the page.
    shot = tmp_path / "page.png"
    screenshot(page, shot)
    assert stage_pixels(shot) > 500
    without = tmp_path / "nochart"
    assert run(capsys, "report", decisions, "runner-sharp", "--out", without, "--no-chart",
               )[0] == 0
    screenshot(without / "runner-sharp.html", tmp_path / "nochart.png")
    assert stage_pixels(tmp_path / "nochart.png") < 50


def test_an_audit_log_of_two_athletes(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    for athlete in ("a-1", "a-2"):
        state = tmp_path / f"{athlete}.json"
        run(capsys, "new-athlete", athlete, "--goal", "runner", "--start", "2026-01-05",
            "--out", state)
        for on in ("2026-01-05", "2026-01-07", "2026-01-09"):
            checkin = tmp_path / "checkin.json"
            checkin.write_text(json.dumps({"on": on, "completed": True, "minutes": 18}))
            assert run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log",
                       log, "--next-state", state)[0] == 0
    code, out, _ = run(capsys, "report", log, "a-2", "--out", tmp_path / "pages", "--no-chart")
    assert code == 0 and "chain intact" in out
    dom = dump_dom(tmp_path / "pages" / "a-2.html")
    # a-2's records are the log's 4th to 6th: numbered as audit history numbers them.
    assert [int(n) for n in re.findall(r'id="record-(\d+)"', dom)] == [4, 5, 6]
    assert "the log's hash chain verified" in dom and 'class="chain ok"' in dom

    log.write_text(log.read_text().replace('"minutes":18', '"minutes":17', 1))
    code, out, _ = run(capsys, "report", log, "a-2", "--out", tmp_path / "pages", "--no-chart")
    assert code == 1 and "chain DAMAGED" in out  # the page is written, and says so
    text = (tmp_path / "pages" / "a-2.html").read_text()
    assert 'class="chain bad"' in text and "edited" in text

    code, out, _ = run(capsys, "report", log, "nobody", "--out", tmp_path / "pages")
    assert code == 1 and "no decisions for athlete nobody; athletes there: a-1, a-2" in out


def test_a_store(capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: str) -> None:
    state = tmp_path / "state.json"
    run(capsys, "new-athlete", "a-17", "--goal", "strength", "--start", "2026-01-05", "--out",
        state)
    checkin = tmp_path / "checkin.json"
    checkin.write_text(json.dumps({"on": "2026-01-07", "completed": True, "symptoms": [
        {"kind": "stiffness", "location": "arch", "severity": 4}]}))
    assert run(capsys, "evaluate", "--store", store_url, "--state", state, "--checkin",
               checkin)[0] == 0
    code, out, _ = run(capsys, "report", store_url, "a-17", "--out", tmp_path / "pages")
    assert code == 0 and "1 decision(s) of athlete a-17, chain intact" in out
    dom = dump_dom(tmp_path / "pages" / "a-17.html")
    assert 'id="record-1"' in dom and "stiffness-deload" in dom
    assert "every chain of the store verified" in dom


def test_text_is_escaped_and_the_file_named_safely(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    scenario = tmp_path / "odd.toml"
    scenario.write_text((SCENARIOS / "runner_clean.toml").read_text().replace(
        'athlete = "runner-clean"', "athlete = '<b>Zoë & \"co\"</b>'"))
    out = tmp_path / "out"
    assert run(capsys, "simulate", scenario, "--out", out, "--no-chart")[0] == 0
    code, _, _ = run(capsys, "report", out / "decisions.jsonl", '<b>Zoë & "co"</b>', "--out",
                     tmp_path / "pages", "--no-chart")
    assert code == 0
    (page,) = (tmp_path / "pages").iterdir()
    assert page.name == "_b_Zo__&__co___b_.html".replace("&", "_")
    text = page.read_text()
    assert "&lt;b&gt;Zoë &amp; &quot;co&quot;&lt;/b&gt;" in text and "<b>Zoë" not in text


def test_report_refuses_what_it_cannot_read(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    for source, message in ((tmp_path / "none.jsonl", "no such file"),
                            (tmp_path, "is a folder"),):
        code, _, err = run(capsys, "report", source, "a", "--out", pages)
        assert code == 2 and message in err and len(err.splitlines()) == 1
    other = tmp_path / "other.jsonl"
    other.write_text('{"state": {}, "checkins": []}\n')
    code, _, err = run(capsys, "report", other, "a", "--out", pages)
    assert code == 2 and "expected a decision" in err
    # A chart needs the rulebook that made the decisions: a stage it lacks is named.
    decisions = simulated(capsys, tmp_path, "runner_clean")
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    stages = rules / "stages.toml"
    stages.write_text(stages.read_text().replace('"maintenance"', '"upkeep"'))
    code, _, err = run(capsys, "report", decisions, "runner-clean", "--out", pages,
                       "--rules", rules)
    assert code == 2 and "on stage 'maintenance', which the rulebook" in err


@given(st.text(min_size=1, max_size=40))
def test_any_athlete_id_makes_a_plain_file_name(athlete: str) -> None:
    name = _file_name(athlete)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+\.html", name)
    assert not name.startswith(".") and "/" not in name
