"""At the start of a run, asks every endpoint the selected cases need for its first answer, all at once.

A dead environment otherwise costs one timeout per layer, one after another: with MongoDB, the Kubernetes API and
the SSH jump host all black-holed, a sequential run waits three timeouts. Probed together, they cost one; an
endpoint found not answering is recorded (:mod:`keywords.common.endpoint_findings`), and each case that needs it fails
at once with that finding instead of waiting again. What every endpoint said first (an SSH banner, a TLS handshake,
a MongoDB ``hello``) becomes the top suite's metadata ``Endpoints at start``: evidence for the on-call engineer.

An endpoint whose settings are unusable is not probed: its cases say why they were not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from robot.api.deco import library
from robot.libraries.BuiltIn import BuiltIn

from keywords.common.endpoint_findings import forget_all, record_not_answering
from keywords.common.first_answer import Answer, first_answer
from keywords.config.environment_choice import usable_settings_of
from keywords.run.cases import cases_in


@dataclass(frozen=True)
class Endpoint:
    """One address a layer's cases connect to, how to ask it, and how long its cases would wait."""

    name: str
    host: str
    port: int
    protocol: str
    timeout_s: float
    timeout_setting: str
    tls: bool = False

    def ask(self) -> Answer:
        return first_answer(self.protocol, self.host, self.port, self.timeout_s, self.tls)


def _mongodb(settings: dict[str, Any]) -> list[Endpoint]:
    timeout_s = settings["connect_timeout_ms"] / 1000
    return [
        Endpoint(
            "MongoDB",
            settings["host"],
            settings["port"],
            "mongodb",
            timeout_s,
            "mongodb.connect_timeout_ms",
            bool(settings.get("tls")),
        )
    ]


def _kubernetes(settings: dict[str, Any]) -> list[Endpoint]:
    # The kubernetes client only when a case needs it.
    from keywords.kubernetes.library import api_address, api_server_url

    try:
        url = api_server_url(settings)
    except Exception:  # noqa: BLE001 - unloadable credentials: the case reports them as "not checked"
        return []
    host, port = api_address(url)
    return [
        Endpoint(
            "Kubernetes API",
            host,
            port,
            "tls" if url.startswith("https:") else "tcp",
            settings["request_timeout_s"],
            "kubernetes.request_timeout_s",
        )
    ]


def _ssh(settings: dict[str, Any]) -> list[Endpoint]:
    first_hop = settings.get("jump_host") or settings.get("target_host")
    if not settings["enabled"] or not first_hop:
        return []
    role = "SSH jump host" if settings.get("jump_host") else "SSH target host"
    return [Endpoint(role, first_hop["host"], first_hop["port"], "ssh", settings["timeout_s"], "ssh.timeout_s")]


#: For each ``component:<name>`` tag, the settings section and the endpoints its cases connect to first.
ENDPOINTS_OF: dict[str, tuple[str, Callable[[dict[str, Any]], list[Endpoint]]]] = {
    "mongodb": ("mongodb", _mongodb),
    "kubernetes": ("kubernetes", _kubernetes),
    "ssh": ("ssh", _ssh),
}


def endpoints_for(components: set[str], environment: str | None = None) -> list[Endpoint]:
    """The endpoints of ``components`` in ``environment`` (default: the selected one), skipping unusable ones."""
    endpoints = []
    for component in sorted(components & set(ENDPOINTS_OF)):
        section, endpoints_from = ENDPOINTS_OF[component]
        settings = usable_settings_of(section, environment)
        if settings is not None:  # an unusable section is reported by each case that needs it, and only there
            endpoints += endpoints_from(settings)
    return endpoints


def probe(endpoints: list[Endpoint]) -> list[tuple[Endpoint, Answer]]:
    """Asks every endpoint at once; records those that took the connection and then said nothing."""
    if not endpoints:
        return []
    with ThreadPoolExecutor(max_workers=len(endpoints), thread_name_prefix="endpoint-probe") as pool:
        answers = list(pool.map(Endpoint.ask, endpoints))
    for endpoint, answer in zip(endpoints, answers, strict=True):
        if answer.silent:
            cause = f"{answer.cause} ({endpoint.timeout_setting})"
            record_not_answering(answer.target, cause, found_by="the probe at the start of the run")
    return list(zip(endpoints, answers, strict=True))


def summary(probed: list[tuple[Endpoint, Answer]]) -> str:
    """One line per endpoint, for the report's metadata."""
    lines = []
    for endpoint, answer in probed:
        said = answer.evidence if answer.answered else f"no answer: {answer.cause}"
        lines.append(f"{endpoint.name} {answer.target}: {said} ({answer.seconds * 1000:.0f} ms)")
    return "\n\n".join(lines)


@library(scope="GLOBAL", listener="SELF", auto_keywords=False)
class EndpointProbe:
    """Imported by ``resources/common.resource``; it has no keywords.

    It probes when it first hears a suite start: the top suite, or the first suite that imports it when the
    top one does not (``robot suites/mongodb``). The selected tests are then all known (Robot has filtered them),
    so only the components they need are probed. Dry runs touch no endpoint.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self._probed = False

    def start_suite(self, data, result) -> None:
        if self._probed or BuiltIn().dry_run_active:
            return
        self._probed = True
        forget_all()
        root, root_result = data, result
        while root.parent is not None:
            root, root_result = root.parent, root_result.parent
        components = {case.component for case in cases_in(root)}
        probed = probe(endpoints_for(components))
        if probed:
            root_result.metadata["Endpoints at start"] = summary(probed)
