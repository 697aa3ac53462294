"""PZ-13807, every verdict it can give: the real suite run with robot against one lab, each test with its own
copy of the Focus Server's config file and of the environments file (whose ``focus_server`` section points at that
copy and holds the expected values). The lab's own fault ``mongo-config-drift`` only drifts the port; these tests
reach the other keys, two at once, incomplete configurations, lone credentials, no expected values, and a healthy
copy that passes, so each of them can fail.

The Focus Server's file is parsed by the same strict settings model as the suite's own
(keywords/config/settings_models.py), so some of what PZ-13807's keywords would check never reaches them: a port
written as the string ``"27017"``, a missing ``database`` and an empty ``host`` are refused when the file is
loaded, and the case fails naming the key in the file; a string port on the expected side is "not checked".
Those tests assert that real message. An empty password is no password: a username with it is a lone username.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult

from tests.helpers import REPO_ROOT, Lab, lab_running

SUITE = ("suites/mongodb/PZ-13807_mongodb_connection_with_focus_server_config.robot",)
ENVIRONMENTS = REPO_ROOT / "variables" / "environments.yaml"
#: A change's value that removes the key instead of setting it.
REMOVE = object()


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    # One lab for the module: each test only varies files, never the servers.
    with lab_running(tmp_path_factory.mktemp("configuration-verdicts")) as lab:
        yield lab


@pytest.fixture
def port(lab) -> int:
    return int(lab.published["LAB_MONGO_PORT"])


def run_pz_13807(lab: Lab, folder: Path, focus_config: dict | None = None, expected: dict | None = None):
    """PZ-13807's verdict, test (for its tags) and run, with ``focus_config`` changed in the Focus Server's
    ``mongodb`` section and ``expected`` in the environment's ``focus_server`` section."""
    state = Path(lab.env["FOCUS_LAB_STATE"])
    config = yaml.safe_load((state / "focus-server" / "environments.yaml").read_text(encoding="utf-8"))
    # The lab's file names its env_file relative to itself; the copy lives elsewhere and must still read lab.env.
    config["lab"]["env_file"] = str(state / "lab.env")
    _change(config["lab"]["mongodb"], focus_config or {})
    config_file = folder / "focus-server-environments.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    environments = yaml.safe_load(ENVIRONMENTS.read_text(encoding="utf-8"))
    focus_server = environments["lab"]["focus_server"]
    focus_server["config_file"] = str(config_file)
    _change(focus_server, expected or {})
    environments_file = folder / "environments.yaml"
    environments_file.write_text(yaml.safe_dump(environments, sort_keys=False), encoding="utf-8")

    variant = dataclasses.replace(lab, env={**lab.env, "FOCUS_ENVIRONMENTS_FILE": str(environments_file)})
    run = variant.run_suites(folder / "results", sources=SUITE)
    (test,) = ExecutionResult(str(folder / "results" / "output.xml")).suite.all_tests
    assert run.lab_secrets and run.leaked_secrets() == {}
    return run.verdicts["PZ-13807"], test, run


def _change(section: dict, changes: dict) -> None:
    for dotted, value in changes.items():
        *parents, key = dotted.split(".")
        target = section
        for parent in parents:
            target = target[parent]
        if value is REMOVE:
            target.pop(key, None)
        else:
            target[key] = value


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else ""


def test_the_healthy_copies_pass(lab, tmp_path):
    # The same copying as every other test, changing nothing: what makes the others fail is their change alone.
    verdict, test, run = run_pz_13807(lab, tmp_path)
    assert (verdict.status, verdict.message) == ("PASS", ""), run.console[-3000:]
    assert "not-checked" not in test.tags


#: Focus Server config changes (given the lab's MongoDB port) and what the comparison must then list.
DRIFTS: dict[str, Callable[[int], tuple[dict, str]]] = {
    "host": lambda port: ({"host": "localhost"}, "host: expected '127.0.0.1' (str), got 'localhost' (str)"),
    "port": lambda port: ({"port": port + 1}, f"port: expected {port} (int), got {port + 1} (int)"),
    "database": lambda port: ({"database": "prisma_old"}, "database: expected 'prisma' (str), got 'prisma_old' (str)"),
    "username": lambda port: ({"username": "focus"}, "username: expected 'prisma' (str), got 'focus' (str)"),
    "host and database": lambda port: (
        {"host": "localhost", "database": "prisma_old"},
        "host: expected '127.0.0.1' (str), got 'localhost' (str); "
        "database: expected 'prisma' (str), got 'prisma_old' (str)",
    ),
    # No credentials at all is a MongoDB without authentication (complete), but the expected user is not there.
    "no credentials": lambda port: (
        {"username": REMOVE, "password": REMOVE},
        "username: expected 'prisma' (str), got None (NoneType)",
    ),
}


@pytest.mark.parametrize("name", DRIFTS)
def test_a_drift_fails_listing_every_key_that_differs(lab, port, tmp_path, name):
    changes, listed = DRIFTS[name](port)
    verdict, test, run = run_pz_13807(lab, tmp_path, focus_config=changes)
    assert verdict.status == "FAIL", run.console[-3000:]
    expected = "^" + re.escape(f"Configuration differs from the expected values: {listed}") + "$"
    assert re.match(expected, _first_line(verdict.message)), verdict.message
    # A drift is a finding about the configuration layer, not a run that could not check.
    assert "not-checked" not in test.tags


#: Focus Server config changes and the message's first line (a regex; ``{file}`` is the copy's path, escaped).
INVALID: dict[str, tuple[Callable[[int], dict], str]] = {
    # Refused by the strict model when the file is loaded: Configuration Should Match's "(int) vs (str)" for a
    # port cannot be reached from a file (and a placeholder's digits become an int before validation).
    "port as a string": (
        lambda port: {"port": str(port)},
        r"^Configuration: {file}: environment 'lab': mongodb\.port must be int, got str '\d+'$",
    ),
    # Also refused by the model (database is required, a host must be a name or an address), so
    # Configuration Should Contain Keys never sees them.
    "no database": (
        lambda port: {"database": REMOVE},
        r"^Configuration: {file}: environment 'lab': mongodb\.database is missing$",
    ),
    "empty host": (
        lambda port: {"host": ""},
        r"^Configuration: {file}: environment 'lab': mongodb\.host must be a host name or an IP address$",
    ),
    # The model accepts an empty database name: this one is Configuration Should Contain Keys' own verdict.
    "empty database": (
        lambda port: {"database": ""},
        r"^Configuration: key\(s\) \['database'\] missing or empty; present: \[.*'host'.*'password'.*'port'.*\]$",
    ),
    "username without password": (
        lambda port: {"password": REMOVE},
        r"^Configuration: username is set but password is missing or empty$",
    ),
    "password without username": (
        lambda port: {"username": REMOVE},
        r"^Configuration: password is set but username is missing or empty$",
    ),
}


@pytest.mark.parametrize("name", INVALID)
def test_an_invalid_or_incomplete_configuration_fails_the_configuration_layer(lab, port, tmp_path, name):
    change, pattern = INVALID[name]
    verdict, test, run = run_pz_13807(lab, tmp_path, focus_config=change(port))
    assert verdict.status == "FAIL", run.console[-3000:]
    config_file = re.escape(str(tmp_path / "focus-server-environments.yaml"))
    assert re.match(pattern.replace("{file}", config_file), _first_line(verdict.message)), verdict.message
    assert "not-checked" not in test.tags


def test_a_username_with_an_empty_password_is_a_lone_username(lab, tmp_path):
    verdict, test, run = run_pz_13807(lab, tmp_path, focus_config={"password": ""})
    assert verdict.status == "FAIL", run.console[-3000:]
    assert re.match(r"^Configuration: username is set but password is missing or empty$", verdict.message)


#: Changes to the environment's ``focus_server`` section and the problem the "not checked" message must name.
NOT_CHECKED: dict[str, tuple[dict, str]] = {
    "no expected values": (
        {"expected_mongodb": REMOVE},
        r"environment 'lab' declares no expected values for PZ-13807: add focus_server\.expected_mongodb "
        r"\(host, port, database\) to {environments}$",
    ),
    # The expected side is strict too: a string port there is the run's settings being unusable, so the
    # comparison's "(int) vs (str)" cannot be reached from this side either.
    "expected port as a string": (
        {"expected_mongodb.port": "27017"},
        r"{environments}: environment 'lab': focus_server\.expected_mongodb\.port must be int, got str '27017'$",
    ),
}


@pytest.mark.parametrize("name", NOT_CHECKED)
def test_unusable_expectations_are_not_checked(lab, tmp_path, name):
    change, problem = NOT_CHECKED[name]
    verdict, test, run = run_pz_13807(lab, tmp_path, expected=change)
    assert verdict.status == "FAIL", run.console[-3000:]
    problem = problem.replace("{environments}", re.escape(str(tmp_path / "environments.yaml")))
    not_checked = r"^Focus Server configuration not checked, the environment's settings are unusable: "
    assert re.match(not_checked + problem, _first_line(verdict.message)), verdict.message
    # The diagnosis reads this tag: such a case is never counted as a broken configuration layer.
    assert "not-checked" in test.tags
