"""Xray's HTTP side: a retrying session, Cloud authentication, the import, and Xray's answers in one line each."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import Retry

from keywords.run.xray.request import CLOUD_AUTHENTICATE, XrayRequest
from keywords.run.xray.settings import SERVER, Settings

#: Answers worth another try: Xray asks for one (429, 503) or failed on its side (500, 502, 504).
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: A ``Retry-After`` longer than this is capped: a CI job waiting hours for a rate limit is worse than failing.
RETRY_AFTER_MAX_S = 120


class XrayError(Exception):
    """Xray refused the import, failed, or could not be reached (exit 1)."""


def make_session(retries: int, backoff: float) -> requests.Session:
    """A session that retries refused connections and the answers worth another try (429 and 5xx).

    ``read=0``: a POST whose answer timed out may already have created a Test Execution, so it is not sent again.
    ``raise_on_status=False``: after the last attempt the answer comes back, so its error text can be shown.
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods={"POST"},
        respect_retry_after_header=True,
        retry_after_max=RETRY_AFTER_MAX_S,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def authenticate(session: requests.Session, settings: Settings, client_id: str, client_secret: str) -> str:
    """Xray Cloud's token for this client: the answer of ``/api/v2/authenticate`` is a JSON string."""
    url = settings.base_url + CLOUD_AUTHENTICATE
    body = {"client_id": client_id, "client_secret": client_secret}
    response = _post(session, url, settings.timeout, json=body)
    _raise_for_status(response, url)
    try:
        token = response.json()
    except ValueError:
        token = None
    if not isinstance(token, str) or not token:
        raise XrayError(f"Xray's {url} answered without a token: {error_text(response)}")
    return token


def send(session: requests.Session, request: XrayRequest, token: str, timeout: float) -> requests.Response:
    """Post ``request`` with the real ``Authorization``; the answer, checked, on success."""
    headers = {**request.headers, "Authorization": f"Bearer {token}"}
    if request.parts:
        files = {
            part.name: (part.filename, part.path.read_bytes() if part.path else part.text, part.content_type)
            for part in request.parts
        }
        response = _post(session, request.url, timeout, params=request.params, headers=headers, files=files)
    else:
        # Bytes, not an open file: a retried POST must send the whole report again.
        data = request.body_path.read_bytes() if request.body_path else b""
        response = _post(session, request.url, timeout, params=request.params, headers=headers, data=data)
    _raise_for_status(response, request.url_with_query)
    return response


def _post(session: requests.Session, url: str, timeout: float, **kwargs) -> requests.Response:
    try:
        # Redirects are not followed: a moved import URL means a wrong --base-url, and requests would turn the
        # POST into a GET (and drop the token on another host) rather than import.
        return session.post(url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.exceptions.ConnectTimeout:
        raise XrayError(f"Cannot reach Xray at {url}: no connection within {timeout:g} s") from None
    except requests.exceptions.Timeout:
        raise XrayError(f"Xray did not answer within {timeout:g} s at {url}") from None
    except requests.exceptions.ConnectionError as error:
        # With read=0 urllib3 gives up on a read timeout at once, and requests reports it as a ConnectionError.
        reason = getattr(error.args[0], "reason", None) if error.args else None
        if isinstance(reason, ReadTimeoutError):
            raise XrayError(f"Xray did not answer within {timeout:g} s at {url}") from None
        raise XrayError(f"Cannot reach Xray at {url}: {_connection_reason(error)}") from None
    except requests.exceptions.RequestException as error:
        raise XrayError(f"Request to Xray at {url} failed: {one_line(str(error))}") from None


def _connection_reason(error: Exception) -> str:
    text = str(error)
    for reason in ("Connection refused", "Name or service not known", "No route to host", "certificate verify failed"):
        if reason in text:
            return reason.lower()
    return one_line(text, 200)


def _raise_for_status(response: requests.Response, url: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    text = error_text(response)
    if status in (401, 403):
        raise XrayError(f"Xray rejected the credentials ({status}): {text}")
    if status == 400:
        raise XrayError(f"Xray refused the import (400): {text}")
    if status in RETRY_STATUSES:
        raise XrayError(f"Xray unavailable after {attempts(response)} attempts: HTTP {status} from {url}: {text}")
    if 300 <= status < 400:
        raise XrayError(f"Xray answered {status} (redirect to {response.headers.get('Location')}) at {url}")
    raise XrayError(f"Xray answered {status} at {url}: {text}")


def attempts(response: requests.Response) -> int:
    """How many times the request was sent: urllib3 keeps the retries it made on the raw response."""
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1


def error_text(response: requests.Response) -> str:
    """Xray's own words for an error: ``{"error": ...}``, Jira's ``errorMessages``, or the plain text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for name in ("error", "message", "errorMessage"):
            if isinstance(body.get(name), str) and body[name]:
                return one_line(body[name])
        messages = [str(message) for message in body.get("errorMessages") or []]
        messages += [f"{key}: {value}" for key, value in (body.get("errors") or {}).items()]
        if messages:
            return one_line("; ".join(messages))
    if isinstance(body, str) and body:
        return one_line(body)
    return one_line(response.text) or response.reason or "no error text"


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, shortened: an HTML error page must not flood a CI log."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def execution_of(response: requests.Response, settings: Settings) -> tuple[str, str]:
    """The created (or updated) Test Execution's key and browse link from Xray's answer.

    Server/DC answers ``{"testExecIssue": {"id", "key", "self"}}``, Cloud ``{"id", "key", "self"}``. ``self`` is the
    issue's Jira REST URL, so the link is built from it (Xray Cloud's base URL is not Jira's).
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    issue = body.get("testExecIssue", body) if isinstance(body, dict) else None
    key = issue.get("key") if isinstance(issue, dict) else None
    if not isinstance(key, str) or not key:
        raise XrayError(f"Xray accepted the import but named no Test Execution: {one_line(response.text)}")
    self_url = issue.get("self") if isinstance(issue.get("self"), str) else ""
    if "/rest/api/" in self_url:
        jira = self_url.split("/rest/api/", 1)[0]
    else:
        jira = settings.base_url if settings.deployment == SERVER else ""
    return key, f"{jira}/browse/{key}" if jira else ""
