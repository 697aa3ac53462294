"""What the tests share: a lab started in-process or as `python -m lab`, Robot runs against it, their verdicts,
and a secret scan that reads Robot's compressed strings."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult

from keywords.config.environments import DEFAULT_FILE
from keywords.run.cases import case_key
from keywords.run.history.records import CaseRecord, RunRecord
from lab.component import LabComponent, LabContext, start_all, stop_all
from lab.state import LabState, is_secret

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The suite's one command, as the venv installs it (``[project.scripts]``).
FOCUS_INFRA = str(Path(sys.executable).parent / "focus-infra")
#: log.html and report.html keep their texts in JavaScript arrays; the longer ones zlib-compressed and base64-coded.
_STRING_ARRAYS = re.compile(r'window\.output\["strings"\]\.concat\((\[.*?\])\);', re.DOTALL)


def failure_of(action: Callable[[], object], error: type[BaseException] = AssertionError) -> str:
    """The message of the ``error`` (an AssertionError by default) that ``action`` must raise."""
    with pytest.raises(error) as failure:
        action()
    return str(failure.value)


def robot_strings(html: str) -> list[str]:
    """Every string of a Robot ``log.html``/``report.html``, decompressed: what its JavaScript shows a reader."""
    strings = []
    for array in _STRING_ARRAYS.findall(html):
        for text in json.loads(array.replace("\\x3c/", "\\u003c/")):  # Robot writes "</" as "\x3c/"
            strings.append(text[1:] if text.startswith("*") else zlib.decompress(base64.b64decode(text)).decode())
    return strings


def readable_texts(output_dir: Path) -> dict[str, str]:
    """``{file: text}`` of every file a run left in ``output_dir`` (the history database too), as a reader sees
    them: the strings of Robot's ``log.html``/``report.html`` decompressed."""
    texts = {}
    for path in sorted(item for item in output_dir.rglob("*") if item.is_file()):
        name = str(path.relative_to(output_dir))
        texts[name] = path.read_bytes().decode("utf-8", errors="replace")
        if path.name in ("log.html", "report.html"):
            texts[name] += "\n".join(robot_strings(texts[name]))
    return texts


@contextlib.contextmanager
def running_lab(folder: Path, components: list[LabComponent], faults: frozenset[str] = frozenset()) -> Iterator[dict]:
    """Start ``components`` like the lab process does, publish ``lab.env`` and point the suite's config at it."""
    folder.mkdir(parents=True, exist_ok=True)
    context = LabContext(state_dir=folder, faults=faults, published={"LAB_STATE": str(folder)})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOCUS_LAB_STATE", str(folder))
        started = start_all(components, context)
        try:
            LabState(folder).publish(context.published)
            yield context.published
        finally:
            stop_all(started)


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    seconds: float


@dataclass
class SuiteRun:
    verdicts: dict[str, Verdict]
    output_dir: Path
    wall_seconds: float
    lab_secrets: list[str]
    console: str
    return_code: int

    def failing(self) -> set[str]:
        return {key for key, verdict in self.verdicts.items() if verdict.status == "FAIL"}

    def passing(self) -> set[str]:
        return {key for key, verdict in self.verdicts.items() if verdict.status == "PASS"}

    def messages(self) -> str:
        """Every case's status and whole message, a line each: what an assertion on the verdicts explains itself
        with (pytest shortens a dict's repr, and the message that says why is the part cut)."""
        return "\n".join(f"{key} {verdict.status}: {verdict.message}" for key, verdict in sorted(self.verdicts.items()))

    def diagnosis(self) -> str:
        return (self.output_dir / "diagnosis.md").read_text(encoding="utf-8")

    def leaked_secrets(self) -> dict[str, list[str]]:
        """``{where: [secrets of the lab found there]}`` in every result file (HTML strings decoded) and the console."""
        leaks = {}
        for name, text in {**readable_texts(self.output_dir), "console": self.console}.items():
            found = [secret for secret in self.lab_secrets if secret in text]
            if found:
                leaks[name] = found
        return leaks


@dataclass
class Lab:
    """A lab started by ``python -m lab up``; ``env`` points the suite at it."""

    env: dict[str, str]
    published: dict[str, str]

    def secrets(self) -> list[str]:
        return [value for key, value in self.published.items() if is_secret(key)]

    def run_suites(self, output: Path, *robot_args: str, sources: tuple[str, ...] = ("suites",)) -> SuiteRun:
        started = time.monotonic()
        command = [sys.executable, "-m", "robot", "--outputdir", str(output), "--console", "verbose"]
        console = subprocess.run(
            [*command, "--argumentfile", "robot.args", *robot_args, *sources],
            cwd=REPO_ROOT,
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        return SuiteRun(
            verdicts_of(output / "output.xml"),
            output,
            wall,
            self.secrets(),
            console.stdout + console.stderr,
            console.returncode,
        )


@contextlib.contextmanager
def lab_running(work_dir: Path, faults: tuple[str, ...] = ()) -> Iterator[Lab]:
    """Start a lab with ``faults`` in ``work_dir``; it is stopped whatever happens inside."""
    state = work_dir / "lab"
    env = {**os.environ, "FOCUS_LAB_STATE": str(state)}
    lab = [sys.executable, "-m", "lab"]
    fault_args = [arg for fault in faults for arg in ("--fault", fault)]
    _lab_command([*lab, "up", *fault_args], env)
    try:
        published = LabState(state).read_env()
        yield Lab(env, published)
    finally:
        _lab_command([*lab, "down"], env)


def _lab_command(command: list[str], env: dict[str, str]) -> None:
    """Run a ``python -m lab`` command; when it fails, the error says what the lab printed (why it did not start)."""
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        printed = f"{done.stdout}{done.stderr}".strip()
        raise RuntimeError(f"{' '.join(command[1:])} exited with {done.returncode}:\n{printed}")


def run_suites_against_lab(work_dir: Path, faults: tuple[str, ...] = (), *robot_args: str) -> SuiteRun:
    """Start a lab with ``faults``, run every suite once, stop the lab."""
    with lab_running(work_dir, faults) as lab:
        return lab.run_suites(work_dir / "results", *robot_args)


#: The variable an unusable setting names (:func:`environments_with_unusable`): never set anywhere.
UNSET_VARIABLE = "FOCUS_MATRIX_UNSET_SECRET"


def environments_with_unusable(setting: str, folder: Path) -> Path:
    """A copy of the shipped environments file whose lab ``setting`` (dotted) names a variable that is not set."""
    environments = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    *parents, key = setting.split(".")
    section = environments["lab"]
    for parent in parents:
        section = section[parent]
    section[key] = f"${{{UNSET_VARIABLE}}}"
    path = folder / "environments.yaml"
    path.write_text(yaml.safe_dump(environments, sort_keys=False), encoding="utf-8")
    return path


def verdicts_of(output_xml: Path) -> dict[str, Verdict]:
    """``{Jira key: Verdict}`` from an ``output.xml`` (robot's or pabot's merged one)."""
    verdicts = {}
    for test in ExecutionResult(str(output_xml)).suite.all_tests:
        key = case_key(test.tags)
        if key:
            verdicts[key] = Verdict(test.status, test.message, test.elapsed_time.total_seconds())
    return verdicts


@contextlib.contextmanager
def ssh_agent_holding(key_file: str | Path, folder: Path) -> Iterator[None]:
    """A real ``ssh-agent`` holding ``key_file``, its socket in ``SSH_AUTH_SOCK`` for the duration."""
    socket_path = folder / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SSH_AUTH_SOCK", str(socket_path))
            subprocess.run(["ssh-add", str(key_file)], check=True, capture_output=True)
            yield
    finally:
        agent.terminate()
        agent.wait()


def hashed_known_hosts(source: str | Path, folder: Path) -> Path:
    """A copy of ``source`` with every host name hashed, as Debian's ``HashKnownHosts yes`` writes it."""
    hashed = folder / "known_hosts_hashed"
    shutil.copyfile(source, hashed)
    subprocess.run(["ssh-keygen", "-H", "-f", str(hashed)], check=True, capture_output=True)
    assert hashed.read_text().startswith("|1|")
    return hashed


def _debian_binary(pattern: str) -> Path | None:
    """The newest of Debian's versioned binaries matching ``pattern`` (e.g. PostgreSQL's), or ``None``."""
    found = sorted(Path("/").glob(pattern.lstrip("/")))
    return found[-1] if found else None


@contextlib.contextmanager
def postgresql_server(folder_hint: Path) -> Iterator[str]:
    """A real PostgreSQL (Debian's ``postgresql``) on a loopback port, with a password; yields its SQLAlchemy URL.

    As root it runs as the ``postgres`` user, in a folder of its own under /tmp (pytest's are private to root).
    """
    initdb = _debian_binary("/usr/lib/postgresql/*/bin/initdb")
    if initdb is None:
        pytest.skip("needs Debian's postgresql (./run.sh test installs it when run as root)")
    from lab.ports import ReservedPort  # the tests' own loopback helpers live with the lab

    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix=f"focus-pg-{folder_hint.name}-"))
    data, password_file = folder / "data", folder / "password"
    password = "pg-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
    password_file.write_text(password)
    if as_user:
        shutil.chown(folder, "postgres")
        shutil.chown(password_file, "postgres")
    bin_dir = initdb.parent
    subprocess.run(
        [*as_user, str(initdb), "-D", str(data), "-U", "focus", "--auth=scram-sha-256", f"--pwfile={password_file}"],
        check=True,
        capture_output=True,
    )
    with ReservedPort() as reserved:  # held until the server stops: no other server takes it meanwhile
        port = reserved.port
        options = f"-p {port} -h 127.0.0.1 -k {folder}"
        control = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
        subprocess.run([*control, "-o", options, "-w", "start"], check=True, capture_output=True)
        try:
            yield f"postgresql+psycopg://focus:{password}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*control, "-m", "fast", "-w", "stop"], check=False, capture_output=True)
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def pushgateway_server() -> Iterator[str]:
    """Debian's ``prometheus-pushgateway`` on a loopback port; yields its URL."""
    binary = shutil.which("prometheus-pushgateway")
    if binary is None:
        pytest.skip("needs Debian's prometheus-pushgateway (./run.sh test installs it when run as root)")
    from lab.ports import ReservedPort

    with ReservedPort() as reserved:  # held until the server stops: no other server takes it meanwhile
        port = reserved.port
        process = subprocess.Popen(
            [binary, f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/-/ready", timeout=1):
                        break
                except OSError:
                    time.sleep(0.05)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def sample_run_record(number: int, verdict: str = "PASS", environment: str = "lab") -> RunRecord:
    """A run of one case, PZ-13808, whose ping median is ``0.2 + number`` ms."""
    case = CaseRecord(
        key="PZ-13808",
        title="MongoDB Answers Pings Within The Response Time Threshold",
        priority="medium",
        layer="performance",
        component="mongodb",
        verdict=verdict,
        seconds=0.02,
        message="" if verdict == "PASS" else "MongoDB performance at 127.0.0.1:1: ping median 150.0 ms ...",
        measurements={"mongodb.ping_ms": {"min": 0.1, "median": 0.2 + number, "p95": 0.3, "max": 0.4}},
    )
    return RunRecord(
        run_id=f"run-{environment}-{number}",
        environment=environment,
        name="Focus Server Infrastructure",
        started=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=number),
        seconds=1.5,
        revision="abc123",
        exit_code=0 if verdict == "PASS" else 1,
        cases=(case,),
    )


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
#: Why the browser checks cannot run here, or "" when they can.
NO_CHROMIUM = (
    ""
    if CHROMIUM and CHROMEDRIVER
    else "needs Debian's chromium and chromium-driver (./run.sh test installs them when run as root)"
)


@contextlib.contextmanager
def headless_chromium(width: int = 1400, height: int = 2400) -> Iterator:
    """A real headless Chromium driven by Selenium, as a reader's browser opens a report."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
