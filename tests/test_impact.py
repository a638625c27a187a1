"""Rulebook impact over whole histories, and the digest that says a rulebook changed.

Expectations are derived, not written down: an athlete's impact must equal replaying their
check-ins under each rulebook on its own, a rulebook compared with itself changes nothing,
and a change that must matter does.
"""

from __future__ import annotations

import json
import logging
import shutil
import tomllib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest
from distributed import Client, LocalCluster
from hypothesis import example, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.impact
import footcore.models
from footcore import Action, Engine
from footcore._compare import decision_changes, rulebook_ref
from footcore._durable import durable_available
from footcore._population._report import percentile
from footcore._rulebook_loading import (
    assemble,
    default_rules_dir,
    rulebook_data,
    rulebook_from_data,
)
from footcore._simulate import checkins, is_back_off, parse_scenario
from footcore.impact import History
from footcore.models import Rulebook
from footcore.testing import population

ROOT = Path(__file__).parents[1]
ARCH = ROOT / "examples" / "scenarios" / "runner_arch_irritation.toml"
# The backend other than the default (native), where it imports.
OTHER_BACKEND = "durable" if durable_available() else "auto"


def changed(rulebook: Rulebook, *, version: str = "1.1.0", stages: tuple[fc.models.Stage, ...] = (),
            drop: tuple[str, ...] = (), **values: float) -> Rulebook:
    """``rulebook`` with some params set to new values, some stages replaced and the rules
    named in ``drop`` left out."""
    params = {name: attrs.evolve(param, value=values[name]) if name in values else param
              for name, param in rulebook.params.items()}
    swapped = {stage.id: stage for stage in stages}
    return assemble(attrs.evolve(rulebook.meta, version=version), params,
                    rulebook.exercises.values(),
                    [swapped.get(stage.id, stage) for stage in rulebook.stages],
                    [rule for rule in rulebook.rules if rule.id not in drop], location="test")


def arch_history(engine: Engine) -> History:
    scenario = parse_scenario(tomllib.loads(ARCH.read_text()))
    state = engine.new_athlete(scenario.athlete, goal=scenario.goal, start=scenario.start)
    return History.of(state, [c for _, c in checkins(scenario)], "arch scenario")


def run(old: Rulebook, new: Rulebook, histories: list[History], **options: object
        ) -> tuple[fc.impact.ImpactReport, list[fc.impact.AthleteImpact]]:
    athletes: list[fc.impact.AthleteImpact] = []
    report = fc.impact.impact(old, new, histories, on_athlete=athletes.append,
                              **{"workers": 1, **options})  # type: ignore[arg-type]
    return report, athletes


def replayed(rulebook: Rulebook, history: History) -> list[fc.Decision | None]:
    """The history replayed under ``rulebook`` alone: a decision per check-in, or None where
    the rulebook refused it."""
    engine = Engine(rulebook, backend="native")
    state, taken = history.load()
    out: list[fc.Decision | None] = []
    for checkin in taken:
        try:
            decision = engine.evaluate(state, checkin)
        except fc.InputError:
            out.append(None)
            continue
        out.append(decision)
        state = decision.state
    return out


def expected(old: Rulebook, new: Rulebook, history: History) -> dict[str, object]:
    """What an athlete's impact must say, from each rulebook's replay on its own."""
    before, after = replayed(old, history), replayed(new, history)
    state, _ = history.load()

    def outcome(decisions: list[fc.Decision | None], book: Rulebook) -> dict[str, object]:
        made = [d for d in decisions if d is not None]
        order = {s.id: s.order for s in book.stages}
        rungs: dict[str, int] = {}
        for d in made:
            if order[d.state.stage] > order.get(state.stage, 99):
                rungs.setdefault(d.state.stage, (d.checkin.on - state.started_on).days)
        last = made[-1].state if made else state
        return {"rungs": rungs, "final": (last.stage, last.dose_level),
                "back_offs": dict(Counter(d.action.value for d in made
                                          if is_back_off(d) or d.action is Action.EASE)),
                "refused": decisions.count(None)}

    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True))
              if (a is None) != (b is None) or (a and b and decision_changes(a, b))]
    return {"changed": len(differ), "first": differ[0] if differ else None,
            "before": outcome(before, old), "after": outcome(after, new)}


def summary(athlete: fc.impact.AthleteImpact) -> dict[str, object]:
    def outcome(o: fc.impact.Outcome) -> dict[str, object]:
        return {"rungs": dict(o.days_to_rung), "final": (o.final_stage, o.final_dose),
                "back_offs": dict(o.back_offs), "refused": o.refused}
    first = athlete.first_divergence
    return {"changed": athlete.changed, "first": first.index if first else None,
            "before": outcome(athlete.before), "after": outcome(athlete.after)}


# ---------------------------------------------------------------- digests


def test_the_same_files_give_the_same_digest_wherever_they_are(tmp_path: Path,
                                                               rulebook: Rulebook) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(Path(str(default_rules_dir())), copy)
    assert fc.load_rulebook(copy).digest == fc.load_rulebook().digest == rulebook.digest


def test_a_changed_threshold_changes_the_digest(tmp_path: Path, rulebook: Rulebook) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(Path(str(default_rules_dir())), copy)
    params = copy / "params.toml"
    text = params.read_text(encoding="utf-8")
    marker = "[params.stiffness_deload_min]\nvalue = 3\n"
    assert marker in text
    params.write_text(text.replace(marker, marker.replace("3", "5")), encoding="utf-8")
    edited = fc.load_rulebook(copy)
    assert edited.digest != rulebook.digest
    assert edited.digest == changed(rulebook, version=rulebook.version,
                                    stiffness_deload_min=5).digest


def test_a_new_version_alone_changes_the_digest(rulebook: Rulebook) -> None:
    assert changed(rulebook).digest != rulebook.digest


def test_a_rulebook_travels_as_json_and_comes_back_the_same(rulebook: Rulebook) -> None:
    for book in (rulebook, changed(rulebook, irritation_rest_min=3)):
        again = rulebook_from_data(json.loads(json.dumps(rulebook_data(book))), location="x")
        assert again.digest == book.digest
    with pytest.raises(fc.RulebookError, match="lacks rules"):
        rulebook_from_data({k: v for k, v in rulebook_data(rulebook).items() if k != "rules"},
                           location="x")


# ---------------------------------------------------------------- one athlete


def test_the_arch_scenario_change_propagates_down_the_history(engine: Engine,
                                                              rulebook: Rulebook) -> None:
    """Issue 11's case: irritation_rest_min 4 -> 3 turns the deload for irritation at 3/10
    into rest, and the decisions after it follow from a different state; since issue 21
    (P10) the more cautious answer climbs no sooner, and the report says the change is
    stricter on paper."""
    history = arch_history(engine)
    new = changed(rulebook, irritation_rest_min=3)
    report, (athlete,) = run(rulebook, new, [history])
    assert summary(athlete) == expected(rulebook, new, history)
    first = athlete.first_divergence
    assert first is not None
    _, taken = history.load()
    flare = next(i for i, c in enumerate(taken)  # between the new threshold and the old
                 if any(s.kind is fc.SymptomKind.IRRITATION and 3 <= s.severity < 4
                        for s in c.symptoms))
    assert first.index == flare and first.on == taken[flare].on
    assert (first.action_before, first.action_after) == (fc.Action.DELOAD, fc.Action.REST)
    assert "forefoot-irritation-rest" in first.rules_after
    # Compared decision by decision from the old history's states, only the flare changes;
    # over the whole history more do (the rest window's), and the climb goes no faster.
    per_decision = [d for d in replayed(rulebook, history) if d is not None
                    and decision_changes(d, Engine(new, "native").evaluate(d.prior_state,
                                                                            d.checkin))]
    assert len(per_decision) == 1
    assert athlete.changed > len(per_decision)
    assert all(shift >= 0 for shift in athlete.days_shift().values())
    assert report.stricter == ("irritation_rest_min 4 -> 3 (lower is harsher)",)
    assert report.rewards_caution() == ()
    assert (report.athletes, report.decisions) == (1, len(taken))
    assert (report.changed_athletes, report.changed_decisions) == (1, athlete.changed)
    assert [r.median for r in report.rungs] == list(athlete.days_shift().values())
    assert report.changed_examples == (athlete,)
    assert f"first divergence: check-in {flare + 1} on {first.on}: deload" in str(report)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), param=st.sampled_from([
    ("irritation_rest_min", 3), ("stiffness_deload_min", 5), ("min_sessions_in_window", 3),
    ("deload_volume_factor", 0.5), ("progress_clean_streak", 3)]))
def test_each_athlete_is_what_replaying_under_each_rulebook_alone_gives(
        rulebook: Rulebook, seed: int, param: tuple[str, float]) -> None:
    new = changed(rulebook, **{param[0]: param[1]})
    histories = list(population(3, seed=seed, checkins=40))
    report, athletes = run(rulebook, new, histories)
    for history, athlete in zip(histories, athletes, strict=True):
        assert athlete.athlete_id == history.athlete_id and athlete.origin == history.origin
        assert summary(athlete) == expected(rulebook, new, history)
    assert report.changed_decisions == sum(a.changed for a in athletes)
    assert report.changed_athletes == sum(a.changed > 0 for a in athletes)
    assert sum(g.count for g in report.by_action) == report.changed_decisions
    for b in report.back_offs:
        assert b.before == sum(dict(a.before.back_offs).get(b.kind, 0) for a in athletes)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_a_rulebook_compared_with_itself_changes_nothing(rulebook: Rulebook, seed: int) -> None:
    same = fc.load_rulebook()
    report, athletes = run(rulebook, same, list(population(4, seed=seed, checkins=30)))
    assert (report.changed_decisions, report.changed_athletes) == (0, 0)
    assert report.by_action == report.by_rule == ()
    assert all(a.first_divergence is None and a.before == a.after for a in athletes)
    assert all(r.median == r.p10 == r.p90 == 0 and not r.only_before and not r.only_after
               for r in report.rungs)
    assert all(b.before == b.after for b in report.back_offs)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10**6))
@example(seed=6541)  # athlete s-3: the deload fires overridden by a pause
def test_switching_off_the_stiffness_deload_changes_every_athlete_it_deloaded(
        rulebook: Rulebook, seed: int) -> None:
    histories = list(population(6, seed=seed, checkins=40))
    _, athletes = run(rulebook, changed(rulebook, drop=("stiffness-deload",)), histories)
    for history, athlete in zip(histories, athletes, strict=True):
        fired = {i: d for i, d in enumerate(replayed(rulebook, history)) if d is not None
                 and any(f.rule_id == "stiffness-deload" for f in d.firings)}
        deloaded = [i for i, d in fired.items()
                    if any(f.rule_id == "stiffness-deload" for f in d.winners)]
        # Every athlete it deloaded changes. One it never fired for does not; one where it
        # fired only overridden (by a pause, say) may change in the trace alone.
        assert (athlete.changed > 0) >= bool(deloaded)
        assert (athlete.changed > 0) <= bool(fired)
        if athlete.changed:
            assert athlete.first_divergence is not None
            assert athlete.first_divergence.index >= min(fired)
            assert not deloaded or athlete.first_divergence.index <= deloaded[0]


# ---------------------------------------------------------------- refused check-ins


def test_check_ins_a_rulebook_refuses_are_counted_never_dropped(engine: Engine,
                                                                rulebook: Rulebook) -> None:
    # A rung whose sessions gate nothing on its steps, so that it may lose its upper steps.
    unilateral = rulebook.stage("unilateral")
    shorter = changed(rulebook, stages=(attrs.evolve(unilateral, steps=unilateral.steps[:1]),))
    history = arch_history(engine)
    state, taken = history.load()
    on_unilateral = History.of(attrs.evolve(state, stage="unilateral", dose_level=2), taken, "c")
    report, (athlete,) = run(rulebook, shorter, [on_unilateral])
    # The new rulebook has no dose step 2 on unilateral: it refuses every check-in.
    assert athlete.after.refused == report.refused_after == len(taken)
    assert athlete.before.refused == report.refused_before == 0
    assert report.decisions == len(taken) == athlete.changed
    assert [a.rulebook for a in athlete.refusals] == ["new"] * len(taken)
    (group,) = report.refusals
    assert group.key == "new rulebook: AthleteState.dose_level" and group.count == len(taken)
    assert "dose_level" in group.examples[0].detail[0] and len(group.examples) == 3
    assert report.by_action[0].key.endswith("-> (refused)")
    assert "refused by the new rulebook" in str(report)
    assert summary(athlete) == expected(rulebook, shorter, on_unilateral)


def test_a_refused_check_in_leaves_the_replay_going(engine: Engine, rulebook: Rulebook) -> None:
    history = arch_history(engine)
    state, taken = history.load()
    muddled = [*taken[:5], taken[9], *taken[5:]]  # a later check-in slipped in early
    report, (athlete,) = run(rulebook, rulebook, [History.of(state, muddled)])
    refused = [r.index for r in athlete.refusals]
    assert refused and all(r.error.startswith("CheckIn.on") for r in athlete.refusals)
    assert athlete.changed == 0  # refused alike under both
    assert report.refused_before == report.refused_after == len(refused) // 2
    assert summary(athlete) == expected(rulebook, rulebook, History.of(state, muddled))


# ---------------------------------------------------------------- splitting the work


@settings(max_examples=6, deadline=None)
@given(chunk=st.integers(1, 400), examples=st.integers(0, 4))
def test_the_report_does_not_depend_on_how_the_athletes_are_split(
        rulebook: Rulebook, chunk: int, examples: int) -> None:
    histories = list(population(8, seed=11, checkins=30))
    new = changed(rulebook, irritation_rest_min=3, stiffness_deload_min=4)
    whole, everyone = run(rulebook, new, histories, chunk_checkins=10**6, examples=examples)
    split, again = run(rulebook, new, histories, chunk_checkins=chunk, examples=examples)
    assert split == whole and again == everyone
    assert all(len(g.examples) == min(g.count, examples) for g in whole.by_rule)


class _Recording(ThreadPoolExecutor):
    """One thread, keeping every future it gives."""

    def __init__(self) -> None:
        super().__init__(1)
        self.sent: list[Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.sent.append(super().submit(fn, *args, **kwargs))
        return self.sent[-1]


def test_workers_send_each_athlete_back_only_when_on_athlete_wants_them(
        rulebook: Rulebook) -> None:
    histories = list(population(6, seed=4, checkins=25))
    new = changed(rulebook, irritation_rest_min=3, stiffness_deload_min=4)
    for wanted in (False, True):
        with _Recording() as pool:
            report = fc.impact.impact(rulebook, new, histories, executor=pool,
                                      chunk_checkins=50,
                                      on_athlete=(lambda _: None) if wanted else None)
        assert report == run(rulebook, new, histories)[0]
        assert sum(len(f.result().athletes) for f in pool.sent) == (6 if wanted else 0)


def test_progress_is_reported_after_each_chunk(rulebook: Rulebook) -> None:
    histories = list(population(5, seed=3, checkins=20))
    seen: list[tuple[int, int]] = []
    fc.impact.impact(rulebook, rulebook, histories, workers=1, chunk_checkins=40,
                     progress=lambda a, c: seen.append((a, c)))
    assert seen == [(2, 40), (4, 80), (5, 100)]


def test_histories_are_read_a_few_chunks_ahead_never_all_at_once(rulebook: Rulebook) -> None:
    pulled: list[int] = []

    def source() -> Iterator[History]:
        for number, history in enumerate(population(40, seed=8, checkins=10)):
            pulled.append(number)
            yield history

    pulled_when_reported: list[int] = []
    fc.impact.impact(rulebook, rulebook, source(), workers=1, chunk_checkins=10,
                     on_athlete=lambda _: pulled_when_reported.append(len(pulled)))
    assert len(pulled_when_reported) == 40
    assert max(b - a for a, b in zip(range(1, 41), pulled_when_reported, strict=True)) <= 3


# ---------------------------------------------------------------- what is refused


def test_a_history_that_is_not_valid_is_an_error_naming_where(rulebook: Rulebook,
                                                              engine: Engine) -> None:
    good = arch_history(engine)
    bad = History(good.state, [*good.checkins[:3], {"on": "2026-02-30", "completed": True}],
                  "athletes.jsonl line 7")
    with pytest.raises(fc.InputError, match=r"athletes.jsonl line 7: checkins\[3\].*on"):
        fc.impact.impact(rulebook, rulebook, [good, bad], workers=1)
    with pytest.raises(fc.InputError, match=r"line 2: invalid state.*goal"):
        fc.impact.impact(rulebook, rulebook,
                         [History({**good.state, "goal": "swim"}, [], "line 2")], workers=1)
    with pytest.raises(fc.InputError, match=r"histories\[1\]"):
        fc.impact.impact(rulebook, rulebook, [good, ("state", [])], workers=1)  # type: ignore[list-item]
    with pytest.raises(fc.InputError, match="not JSON data"):
        fc.impact.impact(rulebook, rulebook, [History({"on": object()}, [])], workers=1)


@pytest.mark.parametrize(("options", "field"), [
    ({"examples": -1}, "examples"), ({"chunk_checkins": 0}, "chunk_checkins"),
    ({"workers": 0}, "workers"), ({"workers": 1.5}, "workers"),
    ({"executor": "dask"}, "executor"), ({"backend": "rete"}, "backend"),
])
def test_bad_arguments_are_named(rulebook: Rulebook, options: dict[str, object],
                                 field: str) -> None:
    with pytest.raises(fc.InputError, match=field):
        fc.impact.impact(rulebook, rulebook, [], **options)  # type: ignore[arg-type]
    with pytest.raises(fc.InputError, match="new"):
        fc.impact.impact(rulebook, "rules/", [])  # type: ignore[arg-type]


def report_with(rungs: list[fc.impact.RungShift], rulebook: Rulebook, *, athletes: int = 1000,
                changed: int = 116, decisions: int = 78000, refused: int = 0,
                by_rule: tuple[fc.impact.ChangeGroup, ...] = ()) -> fc.impact.ImpactReport:
    ref = rulebook_ref(rulebook)
    return fc.impact.ImpactReport(old=ref, new=ref, athletes=athletes, decisions=decisions,
                                  changed_athletes=changed, changed_decisions=changed,
                                  rungs=tuple(rungs), back_offs=(), by_action=(), by_rule=by_rule,
                                  refused_before=refused, refused_after=0, refusals=())


def drawn(report: fc.impact.ImpactReport, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], str]:
    """The axes of the impact chart of ``report``, and its title, as it is saved."""
    from matplotlib.figure import Figure

    from footcore._population._chart import render_impact_chart

    saved: list[Figure] = []
    save = Figure.savefig

    def keep(figure: Figure, *args: Any, **kwargs: Any) -> None:
        saved.append(figure)
        save(figure, *args, **kwargs)
    monkeypatch.setattr(Figure, "savefig", keep)
    render_impact_chart(report, tmp_path / "chart.png")
    (figure,) = saved
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    return figure.axes, figure.get_suptitle()


def bars(ax: Any) -> list[float]:
    return [patch.get_width() for patch in ax.patches]


def test_the_impact_chart_never_draws_an_empty_panel(rulebook: Rulebook, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every median shift 0 while athletes changed (as under irritation_rest_min 4 -> 3
    over 1,000 athletes): the left panel counts who reaches each rung sooner and later."""
    rungs = [fc.impact.RungShift("activation", 988, 0, 0, 0, 0, 1, sooner=20, later=0),
             fc.impact.RungShift("control", 1, 0, 0, 0, 0, 7, sooner=0, later=1)]
    rules = (fc.impact.ChangeGroup("progress-dose now wins", 300, ()),)
    axes, _ = drawn(report_with(rungs, rulebook, by_rule=rules), tmp_path, monkeypatch)
    assert len(axes) == 2 and all(any(bars(ax)) for ax in axes)
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        "activation\n(988 athletes)", "control\n(1 athlete)"]
    assert sorted(bars(axes[0]))[:1] == [-20] and 1 in bars(axes[0])
    # Nobody moved, nothing changed by rule: no panel is drawn empty, the title says why.
    still = [attrs.evolve(r, sooner=0, later=0) for r in rungs]
    axes, title = drawn(report_with(still, rulebook, changed=0), tmp_path, monkeypatch)
    assert axes == [] and "no athlete reaches a rung sooner or later" in title
    assert "no decision changes" in title
    axes, title = drawn(report_with([], rulebook, by_rule=rules), tmp_path, monkeypatch)
    assert len(axes) == 1 and any(bars(axes[0]))
    assert "no rung is reached under both rulebooks" in title
    # Shifts of days: the median panel as before.
    moved = [attrs.evolve(rungs[0], median=-2, p10=-5, p90=0)]
    axes, _ = drawn(report_with(moved, rulebook, by_rule=rules), tmp_path, monkeypatch)
    assert bars(axes[0]) == [-2]


def test_impact_counts_are_in_words_that_agree(rulebook: Rulebook, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    one = report_with([], rulebook, athletes=1, changed=1, decisions=1, refused=1)
    assert one.headline() == "1 of 1 decision changes, for 1 of 1 athlete"
    assert "1 check-in refused by the old rulebook" in str(one)
    many = report_with([], rulebook, athletes=2, changed=0, decisions=72)
    assert many.headline() == "0 of 72 decisions change, for 0 of 2 athletes"
    _, title = drawn(one, tmp_path, monkeypatch)
    assert "for 1 of 1 athlete" in title and "(s)" not in title


@given(st.lists(st.integers(-30, 30), min_size=1, max_size=60),
       st.sampled_from([0.1, 0.5, 0.9, 1.0]))
def test_percentiles_from_counts_are_nearest_rank(values: list[int], fraction: float) -> None:
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 1000) * len(values) // 1000))
    assert percentile(Counter(values), fraction) == ordered[rank - 1]
    assert percentile(Counter(), fraction) is None


# ---------------------------------------------------------------- processes and Dask


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Client]:
    """A real two-worker Dask cluster, in processes, closed after the module's tests. Its
    HTTP server takes a free port: another cluster (another pytest worker's) may hold 8787."""
    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster,
          Client(cluster) as client):
        yield client


def _engines_built() -> int:
    from footcore._population._run import _ENGINES
    return len(_ENGINES)


def test_serial_processes_any_executor_and_dask_give_the_same_results(
        rulebook: Rulebook, dask_client: Client) -> None:
    histories = list(population(16, seed=5, checkins=40))
    new = changed(rulebook, irritation_rest_min=3, min_sessions_in_window=3)
    serial = run(rulebook, new, histories, chunk_checkins=90)
    assert serial[0].changed_decisions > 0  # a comparison worth making
    with ThreadPoolExecutor(2) as threads:
        ways = {
            "processes": run(rulebook, new, histories, workers=2, chunk_checkins=90),
            # durable where it imports: each worker process builds its own rulesets
            "other backend on processes": run(rulebook, new, histories, workers=2,
                                              chunk_checkins=200, backend=OTHER_BACKEND),
            "threads": run(rulebook, new, histories, executor=threads, chunk_checkins=90),
            "dask client": run(rulebook, new, histories, executor=dask_client,
                               chunk_checkins=90),
            "dask executor": run(rulebook, new, histories, workers=2, chunk_checkins=90,
                                 executor=dask_client.get_executor()),
        }
    for way, result in ways.items():
        assert result == serial, way
    # The Dask work ran in the workers, each building its engines once.
    assert set(dask_client.run(_engines_built).values()) <= {1}
    assert sum(dask_client.run(_engines_built).values()) >= 1


def test_the_cli_runs_on_a_dask_scheduler(dask_client: Client, tmp_path: Path,
                                          rulebook: Rulebook,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from footcore._cli import main

    source = tmp_path / "athletes.jsonl"
    fc.impact.write_histories(source, population(6, seed=2, checkins=30))
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "params.toml"
    params.write_text(params.read_text().replace(
        "[params.stiffness_deload_min]\nvalue = 3", "[params.stiffness_deload_min]\nvalue = 5"))
    outputs = []
    for where in (["--workers", "1"], ["--scheduler", dask_client.scheduler.address]):
        assert main(["impact", str(ROOT / "rules"), str(rules), str(source), "--json",
                     "--backend", "native", *where]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert outputs[0]["athletes"] == 6
