"""Times each layer's keyword, run through Robot, against its raw client on the same connection.

The raw calls reach into the libraries' connections (``_connection``/``_session``): the point is the same socket,
so the difference is the keyword's own cost (argument handling, logging, the result model), not the network.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from kubernetes import client as k8s
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn


def _elapsed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


@library(scope="SUITE", auto_keywords=False)
class KeywordOverhead:
    def __init__(self, output: str, samples: int = 50) -> None:
        self._output = Path(output)
        self._samples = samples
        self._results: dict[str, dict] = {}

    def _compare(self, name: str, raw: Callable[[], object], keyword_name: str, *arguments: str) -> dict:
        builtin = BuiltIn()
        raw()  # one warm-up call each: the first pays for lazy imports and pool set-up
        builtin.run_keyword(keyword_name, *arguments)
        # Interleaved, so that drift on a shared machine hits both alike.
        raw_ms, keyword_ms = [], []
        for _ in range(self._samples):
            raw_ms.append(_elapsed_ms(raw))
            keyword_ms.append(_elapsed_ms(lambda: builtin.run_keyword(keyword_name, *arguments)))
        result = {
            "raw_median_ms": statistics.median(raw_ms),
            "keyword_median_ms": statistics.median(keyword_ms),
            "samples": self._samples,
        }
        result["ratio"] = result["keyword_median_ms"] / result["raw_median_ms"]
        self._results[name] = result
        self._output.write_text(json.dumps(self._results, indent=2), encoding="utf-8")
        return result

    @keyword
    def compare_mongodb_ping(self) -> None:
        library = BuiltIn().get_library_instance("keywords.mongodb.library.MongoDBLibrary")
        client = library._connection(None).client
        result = self._compare("mongodb ping", lambda: client.admin.command("ping"), "Ping MongoDB")
        # The latency keyword reports its own median of back-to-back pings on the same connection: against a raw
        # loop of back-to-back pings, it must report what the server gives, not its own cost.
        raw_loop = [_elapsed_ms(lambda: client.admin.command("ping")) for _ in range(self._samples)]
        stats = BuiltIn().run_keyword("Measure Ping Latency", str(self._samples))
        result["raw_loop_median_ms"] = statistics.median(raw_loop)
        result["latency_keyword_reported_median_ms"] = stats.median_ms
        result["reported_ratio"] = stats.median_ms / result["raw_loop_median_ms"]
        self._output.write_text(json.dumps(self._results, indent=2), encoding="utf-8")

    @keyword
    def compare_ssh_command(self) -> None:
        library = BuiltIn().get_library_instance("keywords.ssh.library.JumpHostSSHLibrary")
        client = library._session(None).client

        def raw() -> None:
            _, stdout, _ = client.exec_command("true", timeout=5)
            stdout.channel.recv_exit_status()

        self._compare("ssh command", raw, "Execute Command", "true")

    @keyword
    def compare_kubernetes_pod_list(self) -> None:
        library = BuiltIn().get_library_instance("keywords.kubernetes.library.KubernetesLibrary")
        connection = library._connection()
        core = k8s.CoreV1Api(connection.api_client)
        namespace = connection.settings["namespace"]
        raw = lambda: core.list_namespaced_pod(namespace, _request_timeout=connection.timeout_s)  # noqa: E731
        self._compare("kubernetes pod list", raw, "Get Pods Matching")
