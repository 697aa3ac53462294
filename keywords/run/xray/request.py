"""The import request Xray expects for a run, built without its secret (what ``--dry-run`` shows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from keywords.run.xray.settings import CLOUD, CREDENTIALS, SERVER, Settings

SERVER_IMPORT = "/rest/raven/2.0/import/execution/robot"
CLOUD_AUTHENTICATE = "/api/v2/authenticate"
CLOUD_IMPORT = "/api/v2/import/execution/robot"
MULTIPART = "/multipart"
TOKEN_PLACEHOLDER = {SERVER: "Bearer <XRAY_TOKEN>", CLOUD: f"Bearer <token from {CLOUD_AUTHENTICATE}>"}


@dataclass(frozen=True)
class Part:
    """One part of a multipart body: the results file (read when sent) or an inline JSON text."""

    name: str
    filename: str
    content_type: str
    path: Path | None = None
    text: str | None = None


@dataclass(frozen=True)
class XrayRequest:
    """The import request, without its secret: ``auth`` is the placeholder shown in place of the token."""

    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    auth: str
    body_path: Path | None = None  # the XML as the whole body (Xray Cloud's standard endpoint)
    parts: tuple[Part, ...] = ()
    notes: tuple[str, ...] = field(default=())  # settings the chosen endpoint cannot carry, said aloud

    @property
    def url_with_query(self) -> str:
        return f"{self.url}?{urlencode(self.params)}" if self.params else self.url

    @property
    def content_type(self) -> str:
        # requests adds the multipart boundary itself; the type is what matters to a reader of --dry-run.
        return "multipart/form-data" if self.parts else self.headers.get("Content-Type", "")


def build_request(settings: Settings) -> XrayRequest:
    """The import request for ``settings``: pure, so every endpoint, parameter and part is unit-testable."""
    cloud = settings.deployment == CLOUD
    path = CLOUD_IMPORT if cloud else SERVER_IMPORT
    auth = TOKEN_PLACEHOLDER[settings.deployment]
    xml_name = settings.output.name or "output.xml"
    if settings.summary is not None:
        info, notes = execution_info(settings)
        results = Part("results" if cloud else "file", xml_name, "application/xml", path=settings.output)
        info_part = Part("info", "info.json", "application/json", text=json.dumps(info))
        return XrayRequest(
            "POST", settings.base_url + path + MULTIPART, {}, {}, auth, parts=(results, info_part), notes=notes
        )
    params = query_parameters(settings)
    if cloud:
        headers = {"Content-Type": "application/xml"}
        return XrayRequest("POST", settings.base_url + path, params, headers, auth, body_path=settings.output)
    # Server/DC reads the report from a multipart part named "file", even on the standard endpoint.
    results = Part("file", xml_name, "application/xml", path=settings.output)
    return XrayRequest("POST", settings.base_url + path, params, {}, auth, parts=(results,))


def query_parameters(settings: Settings) -> dict[str, str]:
    """The standard endpoint's query, in Xray's parameter names; unset ones are left out."""
    values = {
        "projectKey": settings.project_key,
        "testExecKey": settings.test_exec_key,
        "testPlanKey": settings.test_plan_key,
        "fixVersion": settings.fix_version,
        "testEnvironments": ";".join(settings.test_environments) or None,
        "revision": settings.revision,
    }
    return {name: value for name, value in values.items() if value}


def execution_info(settings: Settings) -> tuple[dict, tuple[str, ...]]:
    """The ``info`` part: the new Test Execution's Jira fields, and what the multipart endpoint cannot carry.

    Server/DC keeps the Test Plan, Test Environments and Revision in custom fields whose ids differ per Jira
    instance, so they cannot be named here; Xray Cloud takes the first two under ``xrayFields``.
    """
    fields: dict[str, object] = {
        "project": {"key": settings.project_key},
        "summary": settings.summary,
        "issuetype": {"name": "Test Execution"},
    }
    if settings.fix_version:
        fields["fixVersions"] = [{"name": settings.fix_version}]
    info: dict[str, object] = {"fields": fields}
    dropped = {"revision": settings.revision}
    if settings.deployment == CLOUD:
        xray_fields = {"testPlanKey": settings.test_plan_key, "environments": list(settings.test_environments)}
        xray_fields = {name: value for name, value in xray_fields.items() if value}
        if xray_fields:
            info["xrayFields"] = xray_fields
    else:
        dropped |= {"testPlanKey": settings.test_plan_key, "testEnvironments": ";".join(settings.test_environments)}
    notes = tuple(
        f"not sent: {name}={value} (a Jira custom field here, whose id differs per instance)"
        for name, value in dropped.items()
        if value
    )
    return info, notes


def describe(request: XrayRequest, settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """What ``--dry-run`` prints: the requests as they would be sent, placeholders instead of secrets."""
    lines = ["Dry run: nothing is sent to Xray."]
    if settings.deployment == CLOUD:
        lines += [
            f"POST {settings.base_url}{CLOUD_AUTHENTICATE}",
            "  Content-Type: application/json",
            '  body: {"client_id": "<XRAY_CLIENT_ID>", "client_secret": "<XRAY_CLIENT_SECRET>"}',
        ]
    lines += [f"{request.method} {request.url_with_query}", f"  Authorization: {request.auth}"]
    lines.append(f"  Content-Type: {request.content_type}")
    if request.body_path is not None:
        lines.append(f"  body: {request.body_path} ({_size(request.body_path)})")
    for part in request.parts:
        if part.path is not None:
            lines.append(f"  part {part.name}: {part.path} ({_size(part.path)}, {part.content_type})")
        else:
            lines.append(f"  part {part.name}: {part.text}")
    lines += [f"  {note}" for note in request.notes]
    needed = CREDENTIALS[settings.deployment]
    state = ", ".join(f"{name} {'is set' if environ.get(name) else 'is NOT set'}" for name in needed)
    lines.append(f"Sending needs {' and '.join(needed)} in the environment ({state}).")
    return lines


def _size(path: Path) -> str:
    return f"{path.stat().st_size} bytes" if path.is_file() else "missing"
