"""Secrets never leave: a password given in a store's URL or connection string, in any of
the forms libpq reads, appears in no output, file, page, chart, report, error or ``location``,
whether the server is unreachable or real (a role that logs in with that password).

The commands are found by walking the command line's parser, so a new command that takes
a store or a source is run here without being listed.
"""

from __future__ import annotations

import argparse
import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import matplotlib.text
import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

import footcore as fc
import footcore.impact
import footcore.store
from footcore._cli import build_parser, main
from footcore._store._location import conninfo, redact
from signing import write_key_pair

ROOT = Path(__file__).parents[1]
PASSWORD = uuid.uuid4().hex
ROLE = f"fc_{uuid.uuid4().hex[:8]}"
ATHLETE = "a-1"
START = date(2026, 1, 5)
_days = count(2)

# A form of location: its name, and how it is written from (host part, database, password).
Form = Callable[[dict[str, str], str, str], str]
FORMS: dict[str, Form] = {
    "user:password@": lambda at, db, pw:
        f"postgresql://{ROLE}:{pw}@{at['netloc']}/{db}{at['query']}",
    "?pass%77ord= (postgres://)": lambda at, db, pw:
        f"postgres://{ROLE}@{at['netloc']}/{db}{at['query'] or '?'}"
        f"{'&' if at['query'] else ''}pass%77ord={pw}",
    "key=value": lambda at, db, pw:
        f"{at['dsn']} dbname={db} user={ROLE} password={pw}",
    "key = 'quoted'": lambda at, db, pw:
        f"{at['dsn']} user={ROLE} password = '{pw}' dbname={db}",
}


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own folder: a location taken for a SQLite path (as connection
    strings were) makes its file there."""
    monkeypatch.chdir(tmp_path)


# ---- the function --------------------------------------------------------------------------

@pytest.mark.parametrize(("location", "shown"), [
    ("postgresql://app:s3cret@db:5432/fc", "postgresql://app:***@db:5432/fc"),
    ("postgresql://app:pa%40ss@db/fc?sslmode=require", "postgresql://app:***@db/fc?sslmode=require"),
    ("postgresql://app:p@ss/word@db/fc", "postgresql://app:***@db/fc"),
    ("postgresql://app@db/fc?password=s3cret&sslmode=require",
     "postgresql://app@db/fc?password=***&sslmode=require"),
    ("postgresql://app@db/fc?PassWord=s3cret", "postgresql://app@db/fc?PassWord=***"),
    ("postgresql://app@db/fc?pass%77ord=s3cret", "postgresql://app@db/fc?pass%77ord=***"),
    ("postgresql://app@db/fc?passfile=/home/a/.pgpass&sslpassword=k3y",
     "postgresql://app@db/fc?passfile=***&sslpassword=***"),
    ("POSTGRES://app:s3cret@db/fc", "POSTGRES://app:***@db/fc"),
    ("postgresql://app:s3cret@[::1/fc", "postgresql://app:***@[::1/fc"),
    ("host=db user=app password=s3cret dbname=fc", "host=db user=app password=*** dbname=fc"),
    ("host=db password = 'it\\'s secret' dbname=fc", "host=db password = *** dbname=fc"),
    ("host=db PASSWORD=s3\\ cret", "host=db PASSWORD=***"),
    ("host=db oauth_client_secret=s3cret", "host=db oauth_client_secret=***"),
    ("host=db passwrd=s3cret pwd=s3cret", "host=db passwrd=*** pwd=***"),
    ("bypass=1 compass=2 passes=3", "bypass=1 compass=2 passes=***"),
    ("store postgresql://app:s3cret@db/fc: cannot connect; host=db password=s3cret",
     "store postgresql://app:***@db/fc: cannot connect; host=db password=***"),
    # a message that starts with a URL and quotes it again keeps its words
    ("postgresql://app:s3cret@db/fc: a store; use store verify postgresql://app:s3cret@db/fc",
     "postgresql://app:***@db/fc: a store; use store verify postgresql://app:***@db/fc"),
    # nothing to hide
    ("postgresql://app@db:5432/fc?options=a@b", "postgresql://app@db:5432/fc?options=a@b"),
    ("footcore.db", "footcore.db"),
    ("/srv/a:b@c/footcore.db", "/srv/a:b@c/footcore.db"),
])
def test_redact_hides_each_form_of_secret_and_nothing_else(location: str, shown: str) -> None:
    assert redact(location) == shown


_secret = st.text(st.characters(codec="utf-8", exclude_characters="*"), min_size=1)


@given(_secret)
def test_a_password_of_any_characters_is_hidden_in_every_form(password: str) -> None:
    encoded = quote(password, safe="")
    assert redact(f"postgresql://app:{encoded}@db/fc") == "postgresql://app:***@db/fc"
    assert (redact(f"postgresql://app@db/fc?password={encoded}&sslmode=require")
            == "postgresql://app@db/fc?password=***&sslmode=require")
    quoted = "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    assert (redact(f"host=db password={quoted} dbname=fc")
            == "host=db password=*** dbname=fc")


@given(_secret)
def test_a_drivers_message_loses_the_password_however_it_quotes_it(password: str) -> None:
    location = f"postgresql://app:{quote(password, safe='')}@db/fc"
    message = f'invalid token: "{password}" in "{location}" ({quote(password, safe="")})'
    assert password not in redact(message, location=location)


@given(st.text(alphabet="postgresql:/@?&#=' \\%pwd_"), st.text())
def test_redact_takes_any_text_and_hides_nothing_twice(text: str, other: str) -> None:
    once = redact(text + other)
    assert redact(once) == once
    redact(other, location=text)  # any location, any message: no exception
    conninfo(text + other)


@pytest.mark.parametrize("location", [
    "postgresql://app@db/fc", "postgres://db", "PostgreSQL://app@db/fc",
    "host=db dbname=fc", "dbname=fc", " host=db  port=5433 ", "password='a b' host=db",
])
def test_urls_and_connection_strings_name_postgresql(location: str) -> None:
    url = conninfo(location)
    assert url is not None and url.lower() == location.lower()
    assert not url.startswith("P")  # libpq reads the scheme in lower case only


@pytest.mark.parametrize("path", ["footcore.db", "/srv/x=1/footcore.db", "./x=1",
                                  "data/footcore.db", "C:\\data\\footcore.db", "a b", ""])
def test_paths_name_sqlite(path: str) -> None:
    assert conninfo(path) is None


# ---- the library -----------------------------------------------------------------------------

def _chain(error: BaseException | None) -> Iterator[BaseException]:
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _refused(location: str) -> fc.FootcoreError:
    with pytest.raises(fc.FootcoreError) as caught:
        fc.open_store(location)
    return caught.value


@pytest.fixture(scope="module")
def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _unreachable(port: int) -> dict[str, str]:
    return {"netloc": f"127.0.0.1:{port}", "query": "", "dsn": f"host=127.0.0.1 port={port}"}


@pytest.mark.parametrize("form", FORMS)
def test_an_unreachable_server_is_named_without_the_password(
        form: str, free_port: int, tmp_path: Path) -> None:
    error = _refused(FORMS[form](_unreachable(free_port), "fc", PASSWORD))
    assert isinstance(error, fc.store.StoreError) and error.code == "store-unreachable"
    assert "***" in str(error) and "cannot connect" in str(error)
    for link in _chain(error):
        assert PASSWORD not in f"{link} {link!r}"
    assert list(tmp_path.iterdir()) == []  # a connection string is no SQLite file name


@pytest.mark.parametrize("location", [
    "postgresql://[bad", f"postgresql://app:{PASSWORD}@[::1/fc",
    f"postgresql://app:{PASSWORD}%zz@db/fc", f"postgresql://app@db/fc?password={PASSWORD}%zz",
    f"postgresql://app@db/fc?PASSWORD={PASSWORD}", f"host=db password='{PASSWORD}",
    f"host=db passwrd={PASSWORD}", f"POSTGRESQL://app:{PASSWORD}@[db/fc",
], ids=lambda location: location.replace(PASSWORD, "PASSWORD"))  # the same ids in each worker
def test_a_location_the_driver_cannot_read_is_an_input_error_without_the_password(
        location: str) -> None:
    error = _refused(location)
    assert isinstance(error, fc.InputError) and error.code == "invalid-input"
    assert error.field == "url_or_path" and "libpq can read" in str(error)
    for link in _chain(error):
        assert PASSWORD not in f"{link} {link!r}"


def test_a_port_that_is_not_a_number_is_a_store_error(free_port: int) -> None:
    error = _refused(f"postgresql://app:{PASSWORD}@127.0.0.1:{free_port}x/fc")
    assert error.code in {"store-unreachable", "invalid-input"}
    assert PASSWORD not in str(error)


# ---- a real server, where the role logs in with the password -------------------------------

@pytest.fixture(scope="module")
def server(pg_server: str) -> dict[str, str]:
    """The host part of the test server's locations, with a role ``ROLE`` that must give
    ``PASSWORD`` (scram-sha-256) and owns two databases that hold athlete ``a-1``: one for
    the commands that record changes in the athlete's chain (``CHANGING``), one for all
    the others (impact reads histories of check-ins)."""
    folder = parse_qs(urlsplit(pg_server).query)["host"][0]
    hba = Path(folder) / "data" / "pg_hba.conf"
    hba.write_text(f"local all {ROLE} scram-sha-256\n" + hba.read_text())
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        for db in DATABASES:
            conn.execute(f"CREATE DATABASE {ROLE}_{db} OWNER {ROLE}")
        conn.execute("SELECT pg_reload_conf()")
    host = {"netloc": "", "query": f"?host={folder}", "dsn": f"host={folder}"}
    without = f"postgresql://{ROLE}@/{ROLE}_db?host={folder}"
    for _ in range(200):  # the server rereads its rules when signalled, a moment later
        try:
            psycopg.connect(without).close()
        except psycopg.OperationalError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the test server still lets the role in without its password")
    _add_athlete(host)
    return host


def _add_athlete(host: dict[str, str]) -> None:
    """Athlete ``a-1`` and two check-ins in the role's database, unless it holds them."""
    engine = fc.Engine(fc.load_rulebook(), backend="native")
    for db in DATABASES:
        with fc.open_store(FORMS["user:password@"](host, f"{ROLE}_{db}", PASSWORD)) as store:
            if ATHLETE in store.athletes():
                continue
            store.add_athlete(engine.new_athlete(ATHLETE, goal=fc.Goal.RUNNER, start=START))
            for _ in range(2):
                store.check_in(engine, ATHLETE, _checkin())


def _checkin() -> fc.CheckIn:
    return fc.from_json(json.dumps(_checkin_data()), fc.CheckIn)


def _checkin_data() -> dict[str, object]:
    """A check-in of a-1, each on a later day than the one before."""
    return {"id": uuid.uuid4().hex, "on": str(START + timedelta(days=next(_days))),
            "completed": True, "minutes": 18}


def _real(server: dict[str, str], form: str, password: str = PASSWORD, db: str = "db") -> str:
    return FORMS[form](server, f"{ROLE}_{db}", password)


def test_the_role_logs_in_with_the_password_and_not_without(server: dict[str, str]) -> None:
    with fc.open_store(_real(server, "key=value")) as store:
        assert store.athletes() == (ATHLETE,)
    wrong = uuid.uuid4().hex
    error = _refused(_real(server, "key=value", wrong))
    assert error.code == "store-unreachable" and "password authentication failed" in str(error)
    assert wrong not in str(error)


@pytest.mark.parametrize("form", FORMS)
def test_no_library_object_or_report_shows_the_password(
        form: str, server: dict[str, str], engine: fc.Engine, tmp_path: Path) -> None:
    seen: list[str] = []
    with fc.open_store(_real(server, form)) as store:
        seen += [store.location, repr(store), str(store)]
        for report in (store.verify(), store.replay(engine)):
            seen += [str(report), repr(report), fc.to_json(report)]
        for call in (lambda: store.state("nobody"), lambda: store.history("nobody"),
                     lambda: store.check_in(engine, "nobody", _checkin()),
                     lambda: store.import_jsonl(tmp_path / "missing.jsonl")):
            try:
                call()
            except fc.FootcoreError as exc:
                seen += [f"{link} {link!r}" for link in _chain(exc)]
        store.export_jsonl(tmp_path / "export.jsonl")
    assert "***" in store.location and sum("***" in text for text in seen) > 6
    assert not [text for text in seen if PASSWORD in text]
    assert PASSWORD.encode() not in (tmp_path / "export.jsonl").read_bytes()


# ---- every command that takes a store or a source ---------------------------------------------

STORE_DESTS = {"store", "source"}


def _commands() -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(words, parser) of each command of the command line, subcommands included."""
    def walk(words: tuple[str, ...], parser: argparse.ArgumentParser
             ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups:
            yield words, parser
        for group in groups:
            for name, sub in group.choices.items():
                yield from walk((*words, name), sub)
    return walk((), build_parser())


# serve run serves until stopped: tests/test_service.py checks it on an unreachable store.
COMMANDS = {words: parser for words, parser in _commands()
            if any(a.dest in STORE_DESTS for a in parser._actions) and words != ("serve", "run")}
# Each command, and again with --json where it has that.
RUNS = [pytest.param(words, as_json, id=" ".join(words) + " --json" * as_json)
        for words, parser in COMMANDS.items()
        for as_json in (False, True)[:1 + any(a.dest == "json" for a in parser._actions)]]


def test_the_commands_over_stores_are_found() -> None:
    assert {("evaluate",), ("audit", "verify"), ("audit", "replay"), ("audit", "history"),
            ("store", "export"), ("store", "import"), ("store", "checkpoint"), ("report",),
            ("impact",)} <= set(COMMANDS)


class Files:
    """The files a command reads, made fresh for each run in its own folder."""

    def __init__(self, folder: Path, key: Path, location: str) -> None:
        self.folder, self.key, self.location = folder, key, location
        self.out = folder / "out"

    def value(self, dest: str, words: tuple[str, ...]) -> str:
        """The argument for option or positional ``dest``."""
        if dest in {"athlete", "athlete_id"}:
            return ATHLETE
        if dest == "checkin":
            path = self.folder / "checkin.json"
            path.write_text(json.dumps(_checkin_data()))
            return str(path)
        if dest in {"old_rules", "new_rules", "rules"}:
            return str(ROOT / "rules")
        if dest in {"out", "report"}:
            return str(self.out)
        if dest == "key":
            return str(self.key)
        if dest == "by":
            return "ops"
        if dest == "log":
            return str(self._log())
        if dest == "histories":
            return str(self._histories())
        if dest == "backend":
            return "native"
        if dest == "workers":
            return "1"
        if dest in CHANGE:  # store override and store goal: who changes what, and why
            return CHANGE[dest]
        if dest == "on":  # a day after each check-in and change before
            return str(START + timedelta(days=next(_days)))
        if dest == "goal":
            return self._other_goal()
        raise AssertionError(f"footcore {' '.join(words)}: tell test_secrets what to give "
                             f"{dest}")

    def _other_goal(self) -> str:
        """A goal the athlete does not have (any, when the store cannot be reached)."""
        try:
            with fc.open_store(self.location, readonly=True) as store:
                now: fc.Goal | None = store.state(ATHLETE).goal
        except fc.FootcoreError:
            now = None
        return next(goal.value for goal in fc.Goal if goal is not now)

    def _log(self) -> Path:
        """An audit log of one new athlete, as store import takes it."""
        engine = fc.Engine(fc.load_rulebook(), backend="native")
        with fc.open_store(self.folder / "source.db") as store:
            athlete = f"imported-{uuid.uuid4().hex[:8]}"
            store.add_athlete(engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=START))
            store.check_in(engine, athlete, _checkin())
            store.export_jsonl(self.folder / "import.jsonl")
        return self.folder / "import.jsonl"

    def _histories(self) -> Path:
        """The history of one new athlete, as store load takes it."""
        engine = fc.Engine(fc.load_rulebook(), backend="native")
        state = engine.new_athlete(f"loaded-{uuid.uuid4().hex[:8]}", goal=fc.Goal.RUNNER,
                                   start=START)
        path = self.folder / "histories.jsonl"
        fc.impact.write_histories(path, [fc.impact.History.of(state, [_checkin()])])
        return path


# Options left out unless listed: the ones the runs need even though argparse does not.
WANTED = {"athlete", "athlete_id", "backend", "workers", "report", "action"}
CHANGE = {"by": "coach:maria", "role": "coach", "reason": "other", "action": "hold"}
# The commands that record a change in the athlete's chain, and the databases they and the
# others run on.
CHANGING = {("store", "override"), ("store", "goal")}
DATABASES = ("db", "changes")


def _argv(words: tuple[str, ...], location: str, files: Files, *, as_json: bool) -> list[str]:
    """The command line that runs command ``words`` on the store at ``location``."""
    argv = [*words, *["--json"] * as_json]
    parser = COMMANDS[words]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.dest == argparse.SUPPRESS:
            continue
        if action.dest in STORE_DESTS:
            value = location
        elif action.required or (not action.option_strings and action.nargs is None) or (
                action.dest in WANTED):
            value = files.value(action.dest, words)
        else:
            continue
        argv += [action.option_strings[0], value] if action.option_strings else [value]
    return argv


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_key_pair(tmp_path_factory.mktemp("key"))[0]


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text matplotlib draws from now on: a chart's title, subtitle and labels."""
    texts: list[str] = []
    draw = matplotlib.text.Text.draw

    def recording(self: matplotlib.text.Text, renderer: object) -> None:
        texts.append(self.get_text())
        draw(self, renderer)

    monkeypatch.setattr(matplotlib.text.Text, "draw", recording)
    return texts


def _leaks(folder: Path, *outputs: str) -> list[str]:
    """Where the password shows: in an output, or a file's name or bytes under ``folder``."""
    found = [text for text in outputs if PASSWORD in text]
    for path in folder.rglob("*"):
        if PASSWORD in str(path) or (path.is_file() and PASSWORD.encode() in path.read_bytes()):
            found.append(str(path))
    return found


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("words", "as_json"), RUNS)
def test_no_command_shows_the_password_of_an_unreachable_store(
        words: tuple[str, ...], as_json: bool, form: str, free_port: int, key: Path,
        tmp_path: Path, drawn: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    location = FORMS[form](_unreachable(free_port), "fc", PASSWORD)
    code, out, err = _run(capsys, _argv(words, location, Files(tmp_path, key, location),
                                        as_json=as_json))
    assert code == 2 and "cannot connect" in err and "***" in err
    assert not _leaks(tmp_path, out, err, *drawn)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("words", "as_json"), RUNS)
def test_no_command_shows_the_password_of_a_real_store(
        words: tuple[str, ...], as_json: bool, form: str, server: dict[str, str], key: Path,
        tmp_path: Path, drawn: list[str], capsys: pytest.CaptureFixture[str],
        request: pytest.FixtureRequest) -> None:
    _add_athlete(server)  # store erase removes them
    location = _real(server, form, db="changes" if words in CHANGING else "db")
    code, out, err = _run(capsys, _argv(words, location, Files(tmp_path, key, location),
                                        as_json=as_json))
    assert code in {0, 1} and "cannot connect" not in err, err  # it logged in and ran
    assert not _leaks(tmp_path, out, err, *drawn)


def test_report_of_an_athlete_with_no_decisions_shows_no_password(
        server: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, ["report", _real(server, "key=value"), "nobody", "--out",
                                   str(tmp_path), "--no-chart"])
    assert code == 1
    assert not _leaks(tmp_path, out, err)


@pytest.mark.parametrize("argv", [
    ["audit", "verify", "{}"], ["audit", "history", "{}", ATHLETE], ["explain", "{}"],
    ["explain", "--log", "{}", "1"], ["audit", "replay", "{}"],
])
@pytest.mark.parametrize("form", ["user:password@", "key=value"])
def test_a_location_given_where_a_file_belongs_is_not_echoed_with_its_password(
        argv: list[str], form: str, free_port: int, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    location = FORMS[form](_unreachable(free_port), "fc", PASSWORD)
    code, out, err = _run(capsys, [a.replace("{}", location) for a in argv])
    assert code in {1, 2}
    assert not _leaks(tmp_path, out, err)
