"""The docs: they build offline with ``mkdocs build --strict`` (so a broken link or API
reference fails), the ladder diagram in the concepts page is the one the shipped rulebook
draws, every id the article map names exists in the rulebook, and the property-testing
example holds (and fails without the requirement it shows).

Run this file (``python tests/test_docs.py``) to print the ladder diagram to paste.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import Phase, settings

import footcore
import footcore.audit
import footcore.impact
import footcore.models
import footcore.store
from footcore import Action
from footcore.models import Exercise, Rulebook

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
pytestmark = pytest.mark.once  # the docs and the build are the same on any interpreter


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # Not --quiet: it hides the warnings that --strict counts, so nothing would fail.
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(config), "-d", str(site)],
                          capture_output=True, text=True, timeout=300, check=False)


def docs_copy(tmp_path: Path) -> tuple[Path, Path]:
    """The docs and a config pointing at them, in ``tmp_path``."""
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    config = (ROOT / "mkdocs.yml").read_text()
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}")
    config = config.replace("paths: [src]", f"paths: [{ROOT / 'src'}]")
    (tmp_path / "mkdocs.yml").write_text(config)
    return tmp_path / "mkdocs.yml", docs


def test_the_docs_build_strictly(tmp_path: Path) -> None:
    done = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    for name in footcore.__all__:
        if not name.startswith("_"):
            assert f'id="footcore.{name}"' in api, name
    for namespace in (footcore.models, footcore.store, footcore.audit, footcore.impact):
        for name in namespace.__all__:
            assert f'id="{namespace.__name__}.{name}"' in api, name


@pytest.mark.parametrize("broken", [
    pytest.param("See [the missing page](missing.md).", id="link"),
    pytest.param("See [the engine][footcore.Engin].", id="api-reference"),
    pytest.param("See [the ladder](concepts.md#no-such-heading).", id="anchor"),
])
def test_a_broken_link_or_reference_fails_the_build(tmp_path: Path, broken: str) -> None:
    config, docs = docs_copy(tmp_path)
    with (docs / "cli.md").open("a") as page:
        page.write(f"\n{broken}\n")
    done = mkdocs_build(config, tmp_path / "site")
    assert done.returncode != 0


def test_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages == set(re.findall(r"(\S+\.md)", config))


def test_readme_links_work_outside_the_repository() -> None:
    """The README is also the package's description on an index: every link is absolute."""
    links = re.findall(r"\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert links
    assert [link for link in links if not link.startswith("https://")] == []


# ---------------------------------------------------------------- the ladder diagram


_OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in",
        "not_in": "not in"}


def ladder_diagram(rulebook: Rulebook) -> str:
    """The ladder as a Mermaid flowchart: rungs bottom to top, each advance rule on its
    arrow with the conditions it adds to those all advance rules share, regressions dashed."""
    advance = [r for r in rulebook.rules if r.action is Action.ADVANCE]
    shared = set.intersection(*({(c.field, c.op, c.param, str(c.value)) for c in r.when}
                                for r in advance))
    lines = ["```mermaid", "flowchart BT"]
    for stage in rulebook.stages:
        gate = ("<br/>(clearance first, with a history)"
                if stage.needs_clearance_with_history else "")
        lines.append(f'    {stage.id}["{stage.order} {stage.id}<br/>{stage.name}{gate}"]')
    for lower, upper in zip(rulebook.stages, rulebook.stages[1:], strict=False):
        for rule in advance:
            if any(c.field == "stage" and c.value == lower.id for c in rule.when):
                extra = [f"{c.field} {_OPS[c.op.value]} {c.param or c.value}"
                         + (f" ({rulebook.params[c.param].value:g})" if c.param else "")
                         for c in rule.when
                         if (c.field, c.op, c.param, str(c.value)) not in shared
                         and c.field != "stage"]
                label = "<br/>".join([rule.id, *extra])
                lines.append(f'    {lower.id} -->|"{label}"| {upper.id}')
        lines.append(f"    {upper.id} -.->|regress| {lower.id}")
    lines.append("```")
    return "\n".join(lines)


def test_the_concepts_page_draws_the_shipped_ladder(rulebook: Rulebook) -> None:
    diagram = ladder_diagram(rulebook)
    assert diagram in (DOCS / "concepts.md").read_text(), (
        f"docs/concepts.md: replace the ladder diagram with:\n{diagram}")


# ---------------------------------------------------------------- the article map


def article_map() -> dict[str, dict[str, set[str]]]:
    """Per section of the article map (``P1``..``P12``, ``Numbers``), the backticked ids of
    each bullet kind (``Rules``, ``Exercises``, ``Params``, ``Stage``...) and of the rest."""
    sections: dict[str, dict[str, set[str]]] = {}
    current: dict[str, set[str]] = {}
    bullet = "text"
    for line in (DOCS / "article-map.md").read_text().splitlines():
        heading = re.match(r"## (P\d+|Numbers)", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
            bullet = "text"
            continue
        kind = re.match(r"- (\w+)", line)
        if kind:
            bullet = kind.group(1).rstrip("s")
        elif not line.startswith("  "):
            bullet = "text"
        ids = re.findall(r"`([a-z_][a-z0-9_-]*)`", line)
        current.setdefault(bullet, set()).update(ids)
    return sections


def test_the_article_map_lists_each_rule_under_the_paragraphs_it_cites(
        rulebook: Rulebook) -> None:
    sections = article_map()
    for number in range(1, 13):
        listed = sections[f"P{number}"].get("Rule", set())
        citing = {r.id for r in rulebook.rules if f"P{number}" in r.source}
        assert listed == citing, f"P{number}"


def test_the_article_map_names_stages_exercises_and_params_that_exist(
        rulebook: Rulebook) -> None:
    known = ({s.id for s in rulebook.stages} | set(rulebook.exercises) | set(rulebook.params)
             | {session.focus for stage in rulebook.stages for session in stage.session}
             | {field.name for field in attrs.fields(Exercise)})
    for name, section in article_map().items():
        for kind in ("Stage", "Exercise", "Param"):
            assert section.get(kind, set()) <= known, (name, kind)


def test_the_article_map_states_every_default_and_its_value(rulebook: Rulebook) -> None:
    rows = re.findall(r"^\| `(\w+)` \| ([0-9.]+)", (DOCS / "article-map.md").read_text(),
                      re.MULTILINE)
    assert {name: float(value) for name, value in rows} == {
        name: float(p.value) for name, p in rulebook.params.items() if p.is_default}
    defaults = article_map()["Numbers"]["text"]
    assert {r.id for r in rulebook.rules if "default" in r.source} <= defaults


if __name__ == "__main__":
    print(ladder_diagram(footcore.load_rulebook()))


def _docs_example(page: str, holding: str) -> str:
    """The ```python block of ``docs/<page>`` that holds ``holding``."""
    text = (ROOT / "docs" / page).read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.DOTALL) if holding in b]
    return block


def test_the_property_testing_example_requires_its_stiffness_and_holds() -> None:
    """The example draws check-ins that all carry a stiffness (min_symptoms=1), so its
    assertion holds; drawn without the requirement, symptom-free check-ins fail it."""
    source = _docs_example("property-testing.md", "def test_stiffness_from_2_backs_off")
    assert "min_symptoms=1" in source
    example: dict[str, Any] = {}
    exec(compile(source, "property-testing.md", "exec"), example)
    example["test_stiffness_from_2_backs_off"]()
    unrequired: dict[str, Any] = {}
    exec(compile(source.replace("min_symptoms=1", "min_symptoms=0"), "changed", "exec"),
         unrequired)
    quick = settings(phases=[Phase.generate], database=None)  # the failure, not its shrinking
    with pytest.raises(AssertionError):
        quick(unrequired["test_stiffness_from_2_backs_off"])()
