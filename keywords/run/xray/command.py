"""Send a Robot Framework run's ``output.xml`` to Xray, so each result lands on the Test issue its Jira key tag names.

``focus-infra xray results/output.xml --project-key PZ`` imports a run (a plain ``robot`` run or pabot's
merged output) into Xray Server/Data Center or Xray Cloud and prints the Test Execution it created::

    Xray Test Execution PZ-14123: https://jira.example.com/browse/PZ-14123

Xray links a result to an existing Test issue when one of the test's tags is that issue's key (``PZ-13806``, the
case registry's key tag, see :mod:`keywords.run.cases`); it needs nothing else from the suites.

The endpoints (Xray's REST API v2, as its documentation and its own client libraries use them):

- Server/Data Center: ``POST {base}/rest/raven/2.0/import/execution/robot?<query>``, the report in a multipart
  part named ``file``, ``Authorization: Bearer <personal access token>``. With ``--summary``:
  ``POST {base}/rest/raven/2.0/import/execution/robot/multipart``, parts ``file`` and ``info``.
- Cloud: ``POST {base}/api/v2/authenticate`` with ``{"client_id": ..., "client_secret": ...}`` answers a JSON string,
  the token; then ``POST {base}/api/v2/import/execution/robot?<query>`` with the report itself as the body
  (``application/xml``) and ``Authorization: Bearer <token>``. With ``--summary``:
  ``POST {base}/api/v2/import/execution/robot/multipart``, parts ``results`` and ``info``.

The query of the standard endpoints carries ``projectKey``, ``testExecKey``, ``testPlanKey``, ``fixVersion``,
``testEnvironments`` (names separated by ``;``) and ``revision``. The multipart endpoints take no query: the new Test
Execution's Jira fields go in ``info``. Credentials come only from the environment (``XRAY_TOKEN``, or
``XRAY_CLIENT_ID``/``XRAY_CLIENT_SECRET``) and are never printed: ``--dry-run`` shows placeholders instead.

Exit codes: 0 imported, 1 Xray refused or failed (one line on stderr), 2 usage or settings error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from keywords.common.redaction import redact
from keywords.run.xray.http import XrayError, authenticate, execution_of, make_session, send
from keywords.run.xray.request import build_request, describe
from keywords.run.xray.settings import (
    CLOUD,
    CREDENTIALS,
    SERVER,
    Settings,
    UsageError,
    parse_settings,
    with_run_defaults,
)


def credentials(settings: Settings, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets the deployment needs, from the environment only."""
    names = CREDENTIALS[settings.deployment]
    missing = [name for name in names if not environ.get(name)]
    if missing:
        what = "a personal access token" if settings.deployment == SERVER else "an API key's client id and secret"
        raise UsageError(f"{' and '.join(missing)} not set: the {settings.deployment} import needs {what}")
    return tuple(environ[name] for name in names)


def run(settings: Settings, environ: Mapping[str, str]) -> str:
    """Import the run; the line to print on success."""
    request = build_request(settings)
    secrets = credentials(settings, environ)
    for note in request.notes:
        print(f"Xray: {note}", file=sys.stderr)
    session = make_session(settings.retries, settings.backoff)
    with session:
        if settings.deployment == CLOUD:
            token = authenticate(session, settings, *secrets)
        else:
            (token,) = secrets
        try:
            response = send(session, request, token, settings.timeout)
        except XrayError as error:
            # The cloud token is a secret of its own, unknown to main(): mask it before the message leaves.
            raise XrayError(redact(str(error), [token])) from None
    key, link = execution_of(response, settings)
    return f"Xray Test Execution {key}: {link}" if link else f"Xray Test Execution {key}"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """The command: 0 imported, 1 Xray refused or failed, 2 usage or settings error."""
    environ = os.environ if environ is None else environ
    secrets = [environ.get(name, "") for names in CREDENTIALS.values() for name in names]
    try:
        settings = parse_settings(sys.argv[1:] if argv is None else argv, environ)
        settings = with_run_defaults(settings)
        if settings.dry_run:
            print("\n".join(describe(build_request(settings), settings, environ)))
            return 0
        print(run(settings, environ))
        return 0
    except SystemExit as stop:  # argparse: --help (0) or a malformed command line (2)
        return stop.code if isinstance(stop.code, int) else 2
    except UsageError as error:
        print(f"xray: {redact(str(error), secrets)}", file=sys.stderr)
        return 2
    except XrayError as error:
        print(redact(str(error), secrets), file=sys.stderr)
        return 1
