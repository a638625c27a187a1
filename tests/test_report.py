"""``footcore report``: one athlete's history as a self-contained page, from a decisions
file, an audit log and a store, rendered by a real headless Chromium; its file of its own,
its text never read as math or markup, and nothing on it about other athletes or where the
decisions were kept."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from browser import dump_dom, screenshot
from footcore._cli import main
from footcore._page import page_key, page_name
from footcore.testing import population
from test_store import sql

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
               "native", "--no-chart")[0] == 0
    return out / "decisions.jsonl"


def simulated_athlete(seed: int, count: int) -> list[fc.Decision]:
    """The decisions of one athlete of the synthetic population, ``count`` check-ins long."""
    (history,) = population(1, seed=seed, checkins=count)
    state, checkins = history.load()
    engine = fc.Engine()
    made = []
    for checkin in checkins:
        made.append(engine.evaluate(state, checkin))
        state = made[-1].state
    return made


def decisions_of(path: Path, athletes: Sequence[str], rulebook: fc.models.Rulebook | None = None,
                 symptom_on: int | None = None) -> Path:
    """A decisions file of a week of check-ins for each of ``athletes`` (the second with
    sharp pain when ``symptom_on`` says so)."""
    engine = fc.Engine(rulebook) if rulebook is not None else fc.Engine()
    lines = []
    for athlete in athletes:
        state = engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
        for k, on in enumerate((5, 7, 9, 12, 14, 16)):
            symptoms = ([fc.Symptom("sharp_pain", "arch", 7)] if k == symptom_on else [])
            decision = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, on), completed=True,
                                                         symptoms=tuple(symptoms)))
            lines.append(fc.to_json(decision) + "\n")
            state = decision.state
    path.write_text("".join(lines))
    return path


def self_contained(page: str) -> None:
    """Nothing the page shows comes from elsewhere: no script, no remote source or style."""
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", page)
    assert "@import" not in page and "url(" not in page


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no tags, the embedded chart left out."""
    return re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]*"', "", page))


def stage_pixels(png: Path) -> int:
    """How many pixels of the screenshot have the chart's stage-line colour."""
    from matplotlib.image import imread

    image = imread(png)[:, :, :3]
    target = [c / 255 for c in STAGE_BLUE]
    close = abs(image - target).max(axis=2) < 0.08
    return int(close.sum())


@pytest.mark.once  # the browser renders the page alike whoever wrote it
def test_a_decisions_file_in_a_real_browser(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    decisions = simulated(capsys, tmp_path, "sharp_pain")
    count = len(decisions.read_text().splitlines())
    code, out, _ = run(capsys, "report", decisions, "runner-sharp", "--out", tmp_path / "pages")
    page = tmp_path / "pages" / page_name("runner-sharp")
    assert code == 0, out
    assert out == (f"Wrote {page}: {count} decisions of athlete runner-sharp, no chain to "
                   f"verify.\n")
    text = page.read_text()
    self_contained(text)

    # The browser's own DOM of the page: the summary first, then the check-ins.
    dom = dump_dom(page)
    summary = dom[dom.index("In short"):dom.index("Check-in by check-in")]
    assert "sharp pain under the arch" not in summary
    assert "sharp pain under the ball of the foot, 7/10, once (11 Feb 2026)" in summary
    assert "1 pause (11 Feb 2026); 1 deload (2 Mar 2026)." in summary
    assert ("paused on 11 Feb 2026 (sharp pain 7/10 under the ball of the foot); cleared by "
            "a clinician on 2 Mar 2026, 19 days later") in summary
    assert "Sessions reported done while training was paused:</b> none." in summary
    # Every check-in is in the table, once: eventful ones linked to their explanation,
    # runs of quiet ones folded into one line that says what they waited for.
    rows = re.findall(r'<tr (?:class="quiet" )?id="row-(\d+)"><td class="n">(?:<a href="#row-'
                      r'\d+-why">)?(\d+)(?:</a>|&ndash;|\u2013)?(\d*)', dom)
    covered = [n for _, first, last in rows for n in range(int(first), int(last or first) + 1)]
    assert covered == list(range(1, count + 1))
    assert len(rows) < count * 2 / 3
    explained = re.findall(r'<section class="decision" id="row-(\d+)-why"', dom)
    assert explained and all(f'href="#row-{n}-why"' in dom for n in explained)
    assert "Waiting to raise the load level: days at this dose: 4, needs at least 7." in dom
    assert "Waiting for a clinician's clearance." not in dom  # the pause rule says so
    assert "No rule fired" not in dom[dom.index("Check-in by check-in"):
                                      dom.index("Each eventful check-in explained")]
    # Plain words: the rules' summaries, and load levels, not dose steps.
    assert "Sharp pain: stop training and have it assessed before going on." in dom
    assert "sharp-pain-pause" not in summary and "dose step" not in visible_text(text)
    assert "What the next step still needs:" in dom and "Not yet:" in dom
    assert ">footcore-article</td><td>1.0.0</td>" in dom
    assert 'src="data:image/png;base64,' in dom and "no chain was verified" in dom

    # The screenshot shows the chart: its stage line is drawn on the page.
    shot = tmp_path / "page.png"
    screenshot(page, shot)
    assert stage_pixels(shot) > 500
    without = tmp_path / "nochart"
    assert run(capsys, "report", decisions, "runner-sharp", "--out", without, "--no-chart",
               )[0] == 0
    screenshot(without / page.name, tmp_path / "nochart.png")
    assert stage_pixels(tmp_path / "nochart.png") < 50


def test_the_summary_counts_in_words_and_flags_sessions_done_while_paused(
        tmp_path: Path) -> None:
    from footcore._page import Verification, history_page

    engine = fc.Engine()
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    made = []
    for on, completed, symptoms in ((5, True, (fc.Symptom("sharp_pain", "heel", 6),)),
                                    (7, True, ()), (9, False, ()),
                                    (12, True, (fc.Symptom("soreness", "toes", 3),))):
        decision = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, on), completed=completed,
                                                     symptoms=symptoms))
        made.append(decision)
        state = decision.state
    page = history_page(list(enumerate(made, 1)), word="row",
                        verification=Verification(None, "none"), chart=None)
    summary = page[page.index("In short"):page.index("Record check")]
    assert "4 check-ins from 5 Jan 2026 to 12 Jan 2026: 3 sessions done, 1 missed." in summary
    assert "1 pause (5 Jan 2026)." in summary
    assert "still paused at the last check-in, 12 Jan 2026" in summary
    assert "training is paused until a clinician clears it" in summary
    assert '<span class="warning">2 sessions (7 Jan 2026, 12 Jan 2026)</span>' in summary
    assert "soreness near the toes, 3/10, once (12 Jan 2026)" in summary
    assert "Session reported done while training was paused." in page


def test_a_clearance_outside_a_pause_is_in_the_summary(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    decisions = simulated(capsys, tmp_path, "everyday_ankle_history")
    assert run(capsys, "report", decisions, "walker-ankle", "--out", tmp_path, "--no-chart",
               )[0] == 0
    page = (tmp_path / page_name("walker-ankle")).read_text()
    summary = page[page.index("In short"):page.index("Record check")]
    assert "a history of foot or ankle problems" in page
    assert "1 clinician clearance while training was not paused (" in summary
    assert "Back-offs:</b> none." in summary


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), count=st.integers(1, 150))
def test_every_check_in_is_on_the_page_once_and_every_eventful_one_explained(
        seed: int, count: int) -> None:
    """Over synthetic histories: the table covers each check-in once, in order; a grey line
    holds only check-ins where nothing was reported or done while paused and nothing moved;
    every other check-in links to its explanation."""
    from footcore._page import Verification, history_page
    from footcore._simulate import is_back_off

    made = simulated_athlete(seed, count)
    page = history_page(list(enumerate(made, 1)), word="row",
                        verification=Verification(None, "none"), chart=None)
    covered = []
    for quiet, first, last in re.findall(
            r'<tr (class="quiet" )?id="row-\d+"><td class="n">(?:<a href="#row-\d+-why">)?'
            r"(\d+)(?:</a>|&ndash;)?(\d*)", page):
        numbers = range(int(first), int(last or first) + 1)
        covered.extend(numbers)
        for n in numbers:
            d = made[n - 1]
            if quiet:
                assert not (is_back_off(d) or d.checkin.symptoms or d.checkin.compensations
                            or d.checkin.clinician_cleared)
                assert (d.state.stage, d.state.dose_level) == (d.prior_state.stage,
                                                               d.prior_state.dose_level)
            else:
                assert f'<section class="decision" id="row-{n}-why">' in page
    assert covered == list(range(1, count + 1))


@pytest.mark.once  # the browser renders the page alike whoever wrote it
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
    page = tmp_path / "pages" / page_name("a-2")
    dom = dump_dom(page)
    # a-2's records are the log's 4th to 6th: numbered as audit history numbers them.
    assert [int(n) for n in re.findall(r'id="record-(\d+)"', dom)] == [4]  # one quiet run
    assert "record</th>" in dom and ">4&ndash;6<" in page.read_text()
    assert "the audit log's hash chain is intact" in dom and 'class="chain ok"' in dom
    # One athlete only, and no file: nothing about a-1, nor where the log is.
    text = page.read_text()
    assert "a-1" not in text and str(tmp_path) not in text and "audit.jsonl" not in text

    log.write_text(log.read_text().replace('"minutes":18', '"minutes":17', 1))
    code, out, _ = run(capsys, "report", log, "a-2", "--out", tmp_path / "pages", "--no-chart")
    assert code == 1 and "chain DAMAGED" in out  # the page is written, and says so
    text = page.read_text()
    assert 'class="chain bad"' in text and "edited" in text and str(tmp_path) not in text

    code, out, _ = run(capsys, "report", log, "nobody", "--out", tmp_path / "pages")
    assert code == 1 and "no decisions for athlete nobody; athletes there: a-1, a-2" in out


def chart_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text of every figure saved from now on, as it is saved."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    texts: list[str] = []
    save = Figure.savefig

    def keep(figure: Figure, *args: object, **kwargs: object) -> None:
        save(figure, *args, **kwargs)  # type: ignore[arg-type]
        texts.extend(t.get_text() for t in figure.findobj(Text))
    monkeypatch.setattr(Figure, "savefig", keep)
    return texts


@pytest.mark.once  # the browser renders the page alike whoever wrote it
def test_a_store_page_is_about_its_athlete_only(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path, store_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    checkin = tmp_path / "checkin.json"
    checkin.write_text(json.dumps({"on": "2026-01-07", "completed": True, "symptoms": [
        {"kind": "stiffness", "location": "arch", "severity": 4}]}))
    for athlete in ("a-17", "other-athlete-9"):
        state = tmp_path / f"{athlete}.json"
        run(capsys, "new-athlete", athlete, "--goal", "strength", "--start", "2026-01-05",
            "--out", state)
        assert run(capsys, "evaluate", "--store", store_url, "--state", state, "--checkin",
                   checkin)[0] == 0
    texts = chart_texts(monkeypatch)
    code, out, _ = run(capsys, "report", store_url, "a-17", "--out", tmp_path / "pages")
    assert code == 0 and "1 decision of athlete a-17, chain intact" in out
    assert any("athlete a-17" in t for t in texts)
    page = tmp_path / "pages" / page_name("a-17")
    dom = dump_dom(page)
    assert 'id="record-1"' in dom and "stiffness 4/10 under the arch" in dom
    assert "this athlete's chain of 1 record in the store is intact" in dom
    # Nothing about the rest of the store, and not where it is: no path, no URL, no host,
    # not in the page's text nor in the chart's (its PNG's text is the page's only other).
    text = page.read_text()
    location = store_url.split("?")[0]
    for leak in ("other-athlete-9", "2 athletes", "athlete(s)", location, "footcore.db",
                 "postgresql", str(tmp_path)):
        assert leak not in text, leak
        assert not [t for t in texts if leak in t], leak

    # Damage in another athlete's chain is not this page's; damage in this one's is.
    edit = ("UPDATE footcore_decisions SET decision = packed(REPLACE(unpacked(decision), "
            "'\"severity\":4', '\"severity\":5')) WHERE athlete_id = ?")
    sql(store_url, edit, "other-athlete-9")
    code, out, _ = run(capsys, "report", store_url, "a-17", "--out", tmp_path / "pages",
                       "--no-chart")
    assert code == 0 and "chain intact" in out
    assert "other-athlete-9" not in page.read_text()
    sql(store_url, edit, "a-17")
    code, out, _ = run(capsys, "report", store_url, "a-17", "--out", tmp_path / "pages",
                       "--no-chart")
    assert code == 1 and "chain DAMAGED" in out
    text = page.read_text()
    assert "1 problem in this athlete&#x27;s chain: athlete a-17, record 1: edited" in text
    assert 'class="chain bad"' in text and "other-athlete-9" not in text


def test_text_is_escaped_and_never_math(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An id and rule summaries (from a custom rulebook) holding markup and ``$``: escaped
    on the page, drawn as they are on the chart."""
    import matplotlib.mathtext

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    backoff = rules / "rules-backoff.toml"
    hostile = "<script>alert(1)</script> $x_{1$ costs $5"
    backoff.write_text(backoff.read_text().replace(
        "Sharp pain: stop training and have it assessed before going on.", hostile))
    athlete = '<b>Zoë & "co"</b> $x^{2$'
    rulebook = fc.load_rulebook(rules)
    decisions = decisions_of(tmp_path / "d.jsonl", [athlete], rulebook, symptom_on=1)

    def no_math(*args: object, **kwargs: object) -> None:
        raise AssertionError("text was parsed as math")
    monkeypatch.setattr(matplotlib.mathtext.MathTextParser, "parse", no_math)
    code, _, err = run(capsys, "report", decisions, athlete, "--out", tmp_path / "pages",
                       "--rules", rules)
    assert code == 0, err
    (page,) = (tmp_path / "pages").iterdir()
    text = page.read_text()
    self_contained(text)
    assert "&lt;b&gt;Zoë &amp; &quot;co&quot;&lt;/b&gt; $x^{2$" in text and "<b>Zoë" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $x_{1$ costs $5" in text


def test_a_dollar_in_the_chart_is_drawn_as_text(tmp_path: Path) -> None:
    """Under the default settings and under a matplotlibrc asking for LaTeX, a ``$`` in an
    id neither crashes the chart nor turns its text into math."""
    import matplotlib
    from matplotlib.text import Text

    from footcore._chart import chart_figure, plain_text, render_chart

    rulebook = fc.load_rulebook()
    path = decisions_of(tmp_path / "d.jsonl", ["$\\undefinedmacro{$ x"], symptom_on=2)
    decisions = [fc.from_json(line, fc.Decision) for line in path.read_text().splitlines()]
    with matplotlib.rc_context({"text.usetex": True}):
        render_chart(decisions, rulebook, tmp_path / "c.png", title="$5 and $6")
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    with plain_text():
        figure = chart_figure(decisions, rulebook, title="$5 and $6")
        figure.savefig(tmp_path / "again.png")
        texts = [t for t in figure.findobj(Text) if t.get_text()]
    assert any("$\\undefinedmacro{$ x" in t.get_text() for t in texts)
    assert not [t.get_text() for t in texts if t.get_parse_math() or t.get_usetex()]


def test_a_long_history_labels_only_what_fits(tmp_path: Path) -> None:
    """Over years of check-ins, the gravest events are labelled, as many as fit above the
    ladder, and the chart says how many more it marks."""
    from footcore._chart import chart_figure, plain_text
    from footcore._simulate import is_back_off

    engine = fc.Engine()
    decisions = simulated_athlete(3, 600)
    with plain_text():
        figure = chart_figure(decisions, engine.rulebook, title="t")
    stage_ax = figure.axes[0]
    labels = [t.get_text() for t in stage_ax.texts]
    back_offs = sum(is_back_off(d) for d in decisions)
    assert 3 <= len(labels) <= 12 < back_offs
    note = stage_ax.get_title()
    assert f"the {len(labels)} gravest events labelled" in note and "more marked" in note
    assert any(label.startswith("PAUSE") for label in labels)


# ---------------------------------------------------------------- file names


COLLIDING = [("a/b", "a_b"), ("café", "cafe"), ("日本", "中国"),
             ("A-1", "a-1"), ("x.html", "x_html")]


@pytest.mark.parametrize(("one", "other"), COLLIDING)
def test_ids_that_old_names_mixed_up_get_pages_of_their_own(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, one: str, other: str) -> None:
    decisions = decisions_of(tmp_path / "d.jsonl", [one, other])
    pages = tmp_path / "pages"
    for athlete in (one, other, one):  # the first one's page again: it replaces its own
        code, _, err = run(capsys, "report", decisions, athlete, "--out", pages,
                             "--no-chart")
        assert code == 0, err
    written = sorted(p.name for p in pages.iterdir())
    assert written == sorted({page_name(one), page_name(other)}) and len(written) == 2
    for athlete in (one, other):
        text = (pages / page_name(athlete)).read_text()
        assert f'<meta name="footcore-athlete" content="{page_key(athlete)}">' in text


def test_every_spelling_of_an_id_is_one_athlete_with_one_page(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Ids are kept in NFC (docs/limits.md#ids): the NFD spelling on the command line finds
    the athlete, and their page is the one page."""
    decisions = decisions_of(tmp_path / "d.jsonl", ["café"])
    pages = tmp_path / "pages"
    for spelling in ("café", unicodedata.normalize("NFD", "café")):
        code, _, err = run(capsys, "report", decisions, spelling, "--out", pages, "--no-chart")
        assert code == 0, err
    assert [p.name for p in pages.iterdir()] == [page_name("café")]


def test_a_page_never_replaces_another_athletes_page_or_a_foreign_file(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    decisions = decisions_of(tmp_path / "d.jsonl", ["a-1"])
    pages = tmp_path / "pages"
    pages.mkdir()
    target = pages / page_name("a-1")
    # As if another id's digest began the same: its page is there under this name.
    theirs = f'<!DOCTYPE html>\n<meta name="footcore-athlete" content="{page_key("zz")}">\n'
    for there, message in ((theirs, "holds the page of another athlete"),
                           ("my notes\n", "not a footcore page")):
        target.write_text(there)
        code, _, err = run(capsys, "report", decisions, "a-1", "--out", pages, "--no-chart")
        assert code == 2 and message in err and len(err.splitlines()) == 1
        assert target.read_text() == there
        assert [p.name for p in pages.iterdir()] == [target.name]  # no partial file left


@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
@example("\udcff", "\udcfe")  # lone surrogates, as invalid bytes in argv arrive
@example("a" * 60, "a" * 59)
def test_any_two_ids_make_two_plain_file_names(one: str, other: str) -> None:
    for athlete in (one, other):
        name = page_name(athlete)
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*-[0-9a-f]{12}\.html", name), name
        assert len(name) <= 60
    assert (page_name(one) == page_name(other)) == (one == other)


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
