"""The digest a rulebook records beside its version: what it covers (every parsed value, not
the layout), lint's warnings when it is missing or no longer matches, and recording it with
``footcore lint RULES_DIR --stamp``. A mismatch is a warning: the rulebook still loads."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from footcore._cli import main
from footcore._rulebook_loading import rulebook_data, rulebook_from_data
from footcore.analysis._digest import digest_findings, stamped

ROOT = Path(__file__).parents[1]
SHIPPED = fc.load_rulebook(ROOT / "rules")
SETTINGS = settings(deadline=None, max_examples=25, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def copy(tmp_path: Path, source: Path = ROOT / "rules") -> Path:
    target = tmp_path / "rules"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def codes(rulebook: fc.models.Rulebook) -> list[str]:
    return [f.code for f in digest_findings(rulebook)]


def lint(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    code = main(["lint", *map(str, argv)])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("rules", [ROOT / "rules", ROOT / "examples/custom_rulebook/rules"],
                         ids=["shipped", "example"])
def test_the_shipped_and_example_rulebooks_record_their_digest(rules: Path) -> None:
    rulebook = fc.load_rulebook(rules)
    assert rulebook.meta.digest == rulebook.digest
    assert digest_findings(rulebook) == ()
    assert re.search(rf'^version = "[^"]+"\ndigest = "{rulebook.digest}"$',
                     (rules / "rulebook.toml").read_text(), re.M)


def test_the_recorded_digest_is_the_one_decisions_carry_and_is_not_hashed(
        tmp_path: Path) -> None:
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    meta.write_text(re.sub(r"^digest = .*\n", "", meta.read_text(), flags=re.M))
    unrecorded = fc.load_rulebook(rules)
    assert unrecorded.meta.digest is None
    assert unrecorded.digest == SHIPPED.digest  # recording it changed nothing else
    assert codes(unrecorded) == ["digest-missing"]
    assert fc.Engine(SHIPPED).new_athlete(
        "a", goal=fc.Goal.RUNNER, start=date(2026, 1, 5)).rulebook_digest == SHIPPED.meta.digest


@st.composite
def reformatted(draw: st.DrawFn, text: str) -> str:
    """``text`` laid out otherwise: comments, blank lines and spaces around ``=``."""
    lines = []
    for line in text.splitlines():
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["", "# a note", "   ", "## edited"])))
        if re.match(r"^\w+ = ", line) and draw(st.booleans()):
            line = line.replace(" = ", draw(st.sampled_from(["=", "  =  ", "\t= "])), 1)
        lines.append(line)
    return "\n".join(lines) + "\n"


@SETTINGS
@given(st.data())
def test_layout_is_not_a_change(tmp_path: Path, data: st.DataObject) -> None:
    rules = copy(tmp_path)
    for name in ("rulebook.toml", "params.toml", "rules-backoff.toml"):
        path = rules / name
        path.write_text(data.draw(reformatted(path.read_text())))
    assert codes(fc.load_rulebook(rules)) == []


def test_moving_a_table_to_another_file_is_not_a_change(tmp_path: Path) -> None:
    rules = copy(tmp_path)
    (rules / "more-rules.toml").write_text((rules / "rules-progression.toml").read_text())
    (rules / "rules-progression.toml").unlink()
    assert codes(fc.load_rulebook(rules)) == []


NUMBERS = re.compile(r"^(value = )(\d+)$", re.M)


@SETTINGS
@given(st.data())
def test_any_value_changed_is_a_change_and_still_loads(tmp_path: Path,
                                                       data: st.DataObject) -> None:
    rules = copy(tmp_path)
    params = rules / "params.toml"
    text = params.read_text()
    found = list(NUMBERS.finditer(text))
    at = data.draw(st.sampled_from(found))
    number = data.draw(st.integers(0, 10).filter(lambda n: n != int(at.group(2))))
    params.write_text(text[:at.start(2)] + str(number) + text[at.end(2):])
    try:
        changed = fc.load_rulebook(rules)
    except fc.RulebookError:  # a value the loader refuses: nothing to lint
        return
    assert changed.meta.digest == SHIPPED.digest != changed.digest
    (finding,) = digest_findings(changed)
    assert (finding.level, finding.code) == ("warning", "digest-changed")
    assert finding.message.startswith("content changed since version 1.0.0 was recorded "
                                      f"(digest {SHIPPED.digest[:12]}, now "
                                      f"{changed.digest[:12]}): bump the version")


def test_the_version_is_covered_too(tmp_path: Path) -> None:
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    meta.write_text(meta.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    assert codes(fc.load_rulebook(rules)) == ["digest-changed"]


def test_lint_warns_strict_fails_and_stamp_records(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    rules = copy(tmp_path)
    params = rules / "params.toml"
    params.write_text(params.read_text().replace("[params.stiffness_deload_min]\nvalue = 3",
                                                 "[params.stiffness_deload_min]\nvalue = 4"))
    code, out = lint(capsys, rules)
    assert code == 0 and "[digest-changed]" in out and "0 errors, 1 warning" in out
    assert f"`footcore lint {rules} --stamp`" in out
    assert lint(capsys, rules, "--strict")[0] == 1

    meta = rules / "rulebook.toml"
    meta.write_text(meta.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    before = meta.read_text()
    code, out = lint(capsys, rules, "--stamp", "--strict")
    changed = fc.load_rulebook(rules)
    assert code == 0 and "0 errors, 0 warnings" in out
    assert f"Recorded digest {changed.digest[:12]} beside version 1.1.0 in {meta}" in out
    assert meta.read_text() == before.replace(SHIPPED.digest, changed.digest)
    code, out = lint(capsys, rules, "--stamp", "--json")
    assert code == 0 and json.loads(out)["stamped"] == str(meta)
    assert meta.read_text() == before.replace(SHIPPED.digest, changed.digest)


def test_stamp_writes_a_digest_where_there_was_none(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    shipped = meta.read_text()
    meta.write_text(re.sub(r"^digest = .*\n", "", shipped, flags=re.M))
    code, out = lint(capsys, rules, "--strict")
    assert code == 1 and "[digest-missing]" in out
    assert lint(capsys, rules, "--stamp")[0] == 0
    assert meta.read_text() == shipped


def test_stamp_refuses_the_shipped_rulebook_and_what_it_cannot_place(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["lint", "--stamp"]) == 2
    assert "--stamp: give RULES_DIR" in capsys.readouterr().err
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    dotted = re.sub(r"^\[rulebook\]\n", "", meta.read_text(), flags=re.M)
    dotted = re.sub(r"^(id|version|title|precedence|default_action|tracking|digest) =",
                    r"rulebook.\1 =", dotted, flags=re.M)
    meta.write_text(dotted)
    assert fc.load_rulebook(rules).meta.digest == SHIPPED.digest  # it loads, as a table
    assert main(["lint", str(rules), "--stamp"]) == 2
    err = capsys.readouterr().err
    assert "found no [rulebook] table" in err and SHIPPED.digest in err
    assert meta.read_text() == dotted


@pytest.mark.parametrize(("text", "expected"), [
    ('[rulebook]\nid = "x"\nversion = "2"\ntitle = "t"\n',
     '[rulebook]\nid = "x"\nversion = "2"\ndigest = "D"\ntitle = "t"\n'),
    ('# head\n[rulebook]  # identity\nversion="2" # two\ndigest = "old"\n[[rule]]\nid = "r"\n',
     '# head\n[rulebook]  # identity\nversion="2" # two\ndigest = "D"\n[[rule]]\nid = "r"\n'),
    ('[params.a]\nversion = "1"\n[rulebook]\nid = "x"\n', None),
    ('[[rule]]\nid = "r"\n', None),
    ('[rulebook]\nid = "x"\n[stage]\nversion = "1"\n', None),
])
def test_stamped_puts_the_digest_beside_the_version_of_the_rulebook_table(
        text: str, expected: str | None) -> None:
    assert stamped(text, "D") == expected


def test_the_digest_findings_are_documented() -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    for code in ("digest-changed", "digest-missing"):
        assert f"| `{code}` | warning |" in page, code


def test_stamp_keeps_a_crlf_file_as_it_was_but_for_the_digest_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    shipped = meta.read_bytes()
    unrecorded = re.sub(rb"^digest = .*\n", b"", shipped, flags=re.M)
    meta.write_bytes(unrecorded.replace(b"\n", b"\r\n"))
    assert lint(capsys, rules, "--stamp")[0] == 0
    assert meta.read_bytes() == shipped.replace(b"\n", b"\r\n")


def test_stamp_never_edits_a_line_inside_a_string(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    """A ``digest = ...`` line inside a multi-line string is not the key: replacing it broke
    the file (an unterminated string), and the stamp left it broken."""
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    text = re.sub(r"^digest = .*\n", "", meta.read_text(), flags=re.M)
    text = re.sub(r"^title = .*$", 'title = """Foot work\ndigest = none yet"""', text,
                  flags=re.M)
    meta.write_text(text)
    before = fc.load_rulebook(rules)
    assert main(["lint", str(rules), "--stamp"]) == 2
    assert "found no [rulebook] table" in capsys.readouterr().err
    assert meta.read_text() == text
    assert fc.load_rulebook(rules) == before


def test_a_rulebook_travelling_as_data_keeps_its_recorded_digest(tmp_path: Path) -> None:
    """Population workers get the rulebook as data: the digest recorded beside its version
    (and so lint's view of it) comes back with it, and its own digest is unchanged."""
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    meta.write_text(meta.read_text().replace(f'"{SHIPPED.digest}"', '"0" '))
    for book in (SHIPPED, fc.load_rulebook(rules)):
        again = rulebook_from_data(json.loads(json.dumps(rulebook_data(book))), location="x")
        assert again.meta == book.meta and again.digest == book.digest
        assert codes(again) == codes(book)


@pytest.mark.parametrize("rules", [ROOT / "rules", ROOT / "examples/custom_rulebook/rules"],
                         ids=["shipped", "example"])
def test_the_recorded_digest_is_left_out_of_the_hash_alone(rules: Path) -> None:
    """Only the hashed content leaves the recorded digest out: the rulebook's table written
    as JSON carries it whichever way it is written (to_json's own writer, indented, to_dict),
    and the rulebook's data for other processes does too."""
    meta = fc.load_rulebook(rules).meta
    assert meta.digest is not None
    written = [json.loads(fc.to_json(meta)), json.loads(fc.to_json(meta, indent=2)),
               fc.to_dict(meta)]
    assert all(data == written[0] and data["digest"] == meta.digest for data in written)
    assert rulebook_data(fc.load_rulebook(rules))["meta"] == written[0]


def test_stamp_writes_the_file_whole_or_not_at_all(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills up while the stamped file is written leaves the old file as it was
    (it was rewritten in place, so half of it was lost), and a linked file stays linked."""
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    unrecorded = re.sub(r"^digest = .*\n", "", meta.read_text(), flags=re.M)
    (tmp_path / "shared.toml").write_text(unrecorded)
    meta.unlink()
    meta.symlink_to(tmp_path / "shared.toml")
    write = Path.write_text

    def full_disk(self: Path, text: str, *args: Any, **kwargs: Any) -> int:
        write(self, text[:len(text) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    assert main(["lint", str(rules), "--stamp"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert meta.read_text() == unrecorded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules", "shared.toml"]
    assert sorted(p.name for p in rules.iterdir()) == sorted(
        p.name for p in (ROOT / "rules").iterdir())
    monkeypatch.undo()
    assert lint(capsys, rules, "--stamp")[0] == 0
    assert meta.is_symlink() and meta.read_text() == (ROOT / "rules/rulebook.toml").read_text()


def test_stamp_keeps_the_file_s_permissions(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    meta.write_text(re.sub(r"^digest = .*\n", "", meta.read_text(), flags=re.M))
    meta.chmod(0o604)
    assert lint(capsys, rules, "--stamp")[0] == 0
    assert meta.stat().st_mode & 0o7777 == 0o604
    assert digest_findings(fc.load_rulebook(rules)) == ()


def test_stamp_does_not_replace_a_read_only_file(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename replaces a file its owner made read-only (the folder being writable), so the
    file's own write permission is asked first (the tests may run as root, who has it)."""
    rules = copy(tmp_path)
    meta = rules / "rulebook.toml"
    unrecorded = re.sub(r"^digest = .*\n", "", meta.read_text(), flags=re.M)
    meta.write_text(unrecorded)
    meta.chmod(0o444)
    monkeypatch.setattr("footcore._cli._files.os.access",
                        lambda path, how: bool(Path(path).stat().st_mode & 0o222))
    assert main(["lint", str(rules), "--stamp"]) == 2
    err = capsys.readouterr().err
    assert f"rulebook file {meta}: cannot write it (it is read-only)" in err
    assert meta.read_text() == unrecorded and meta.stat().st_mode & 0o777 == 0o444
