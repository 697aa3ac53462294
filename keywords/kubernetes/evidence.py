"""First-response evidence of PZ-13899, as plain lines from the API's JSON: what ``kubectl describe``,
``kubectl logs --previous`` and ``kubectl get events`` would have shown the on-call engineer.

Pure functions; :class:`keywords.kubernetes.library.KubernetesLibrary` reads the objects (read-only, each call
bounded by the request timeout) and logs the lines with :func:`keywords.common.evidence.log_evidence`.
"""

from __future__ import annotations

from typing import Any

from keywords.kubernetes.workloads import event_time, utc_text

#: Events shown per pod: the Warning ones first, then the most recent.
MAX_EVENTS = 10


def unhealthy_pods(pods: list[dict[str, Any]], max_restarts: int) -> list[dict[str, Any]]:
    """The summarised pods a PZ-13899 pod check fails for: not Running, not Ready, or restarted too often."""
    return [pod for pod in pods if pod["phase"] != "Running" or not pod["ready"] or pod["restarts"] >= max_restarts]


def restarted(pod: dict[str, Any]) -> list[str]:
    """Names of the pod's containers that restarted: they have a previous container whose log can be read."""
    return [container["name"] for container in pod["containers"] if container["restart_count"] > 0]


def pod_lines(pod: dict[str, Any]) -> list[str]:
    """Where the pod runs and how each container last ended."""
    lines = [f"node: {pod['node'] or '(not scheduled)'}; phase {pod['phase']}; ready {pod['ready']}"]
    for container in pod["containers"]:
        ended = container["last_termination"]
        last = (
            f"last terminated {ended['reason'] or 'without a reason'} (exit code {ended['exit_code']})"
            + (f" at {ended['finished_at']}" if ended["finished_at"] else "")
            if ended
            else "never terminated"
        )
        state = container["state"] + (f" {container['state_reason']}" if container["state_reason"] else "")
        lines.append(f"container {container['name']}: {state}, {container['restart_count']} restarts, {last}")
    return lines


def event_lines(events: list[dict[str, Any]]) -> list[str]:
    """The events (API JSON) as ``type reason (xN, last <time>): message``, Warning first, newest first."""

    def when(event: dict[str, Any]) -> str:
        moment = event_time(event)
        return utc_text(moment) if moment else ""

    ordered = sorted(events, key=when, reverse=True)  # the same width and zone: text order is time order
    ordered.sort(key=lambda event: event.get("type") != "Warning")  # stable: newest first within each type
    lines = []
    for event in ordered[:MAX_EVENTS]:
        count = event.get("count") or 1
        lines.append(
            f"{event.get('type', '?')} {event.get('reason', '?')} (x{count}, last {when(event) or '?'}): "
            f"{(event.get('message') or '').strip()}"
        )
    if len(ordered) > MAX_EVENTS:
        lines.append(f"... {len(ordered) - MAX_EVENTS} older event(s) left out")
    return lines or ["no events (the API server keeps them for an hour by default)"]


def selector_text(selector: dict[str, str] | None) -> str:
    """A service's selector as ``key=value,...``; ``(none)`` for a service without one."""
    return ",".join(f"{key}={value}" for key, value in sorted((selector or {}).items())) or "(none)"


def endpoint_addresses(endpoints: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """``(ready, not ready)`` addresses of an Endpoints object (API JSON) as ``ip (pod name)``."""
    ready: list[str] = []
    not_ready: list[str] = []
    for subset in (endpoints or {}).get("subsets") or []:
        for key, found in (("addresses", ready), ("notReadyAddresses", not_ready)):
            for address in subset.get(key) or []:
                pod = (address.get("targetRef") or {}).get("name")
                found.append(address.get("ip", "?") + (f" ({pod})" if pod else ""))
    return ready, not_ready


def endpoint_lines(service: str, selector: str, endpoints: dict[str, Any] | None, pods: list[dict]) -> list[str]:
    """What the service routes to: its selector, its endpoints' addresses, and the pods the selector matches."""
    ready, not_ready = endpoint_addresses(endpoints)
    counted = "no Endpoints object" if endpoints is None else f"{len(ready)} ready, {len(not_ready)} not ready"
    return [
        f"service {service}: selector {selector}",
        f"endpoints: {counted}",
        *(f"  ready: {address}" for address in ready),
        *(f"  not ready: {address}" for address in not_ready),
        f"pods matching the selector: {len(pods)}" + (", none of them Ready" if pods and not _any_ready(pods) else ""),
        *(f"  {pod['name']}: phase {pod['phase']}, ready {pod['ready']}" for pod in pods),
    ]


def _any_ready(pods: list[dict[str, Any]]) -> bool:
    return any(pod["ready"] for pod in pods)
