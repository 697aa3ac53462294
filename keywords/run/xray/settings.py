"""The settings of one Xray import: the command line, the environment variables, and the run's own defaults."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from robot.api import ExecutionResult
from robot.errors import DataError

from keywords.run.revision import git_commit

SERVER, CLOUD = "server", "cloud"
DEPLOYMENTS = (SERVER, CLOUD)
CREDENTIALS = {SERVER: ("XRAY_TOKEN",), CLOUD: ("XRAY_CLIENT_ID", "XRAY_CLIENT_SECRET")}
#: Query parameter name -> the option and environment variable that give it.
QUERY_OPTIONS = {
    "projectKey": ("--project-key", "XRAY_PROJECT_KEY"),
    "testExecKey": ("--test-exec-key", "XRAY_TEST_EXEC_KEY"),
    "testPlanKey": ("--test-plan-key", "XRAY_TEST_PLAN_KEY"),
    "fixVersion": ("--fix-version", "XRAY_FIX_VERSION"),
    "testEnvironments": ("--test-environments", "XRAY_TEST_ENVIRONMENTS"),
    "revision": ("--revision", "XRAY_REVISION"),
}


class UsageError(Exception):
    """The command line or its environment is unusable: nothing was sent (exit 2)."""


@dataclass(frozen=True)
class Settings:
    """Everything one import needs except the credentials, which stay in the environment until sent."""

    output: Path
    base_url: str
    deployment: str = SERVER
    project_key: str | None = None
    test_exec_key: str | None = None
    test_plan_key: str | None = None
    fix_version: str | None = None
    test_environments: tuple[str, ...] = ()
    revision: str | None = None
    summary: str | None = None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    dry_run: bool = False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="focus-infra xray",
        description="Import a Robot Framework output.xml into Xray (Server/Data Center or Cloud). Credentials come "
        "only from XRAY_TOKEN (server) or XRAY_CLIENT_ID/XRAY_CLIENT_SECRET (cloud).",
    )
    parser.add_argument("output", type=Path, help="the run's (merged) output.xml")
    parser.add_argument("--base-url", help="Jira (server) or Xray Cloud base URL [XRAY_BASE_URL]")
    parser.add_argument("--deployment", choices=DEPLOYMENTS, help="server or cloud [XRAY_DEPLOYMENT, server]")
    for parameter, (option, variable) in QUERY_OPTIONS.items():
        parser.add_argument(option, help=f"query parameter {parameter} [{variable}]")
    parser.add_argument(
        "--summary", help="create the Test Execution with this summary (multipart endpoint) [XRAY_SUMMARY]"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default 30)")
    parser.add_argument("--retries", type=int, default=3, help="retries on 429/5xx and refused connections (3)")
    parser.add_argument("--backoff", type=float, default=0.5, help="retry backoff factor in seconds (0.5)")
    parser.add_argument("--dry-run", action="store_true", help="show the request, send nothing, need no credentials")
    return parser


def parse_settings(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    """The settings of ``argv``, environment variables filling what the command line leaves out.

    The run's defaults (environment, revision) are not read here: :func:`with_run_defaults` does, because they need
    the output file and git.
    """
    args = _parser().parse_args(list(argv))

    def pick(value: str | None, variable: str) -> str | None:
        return value if value not in (None, "") else (environ.get(variable) or None)

    base_url = pick(args.base_url, "XRAY_BASE_URL")
    if not base_url:
        raise UsageError("Xray base URL is not set: pass --base-url or set XRAY_BASE_URL")
    deployment = pick(args.deployment, "XRAY_DEPLOYMENT") or SERVER
    if deployment not in DEPLOYMENTS:
        raise UsageError(f"XRAY_DEPLOYMENT must be server or cloud, got {deployment!r}")
    values = {
        parameter: pick(getattr(args, option[2:].replace("-", "_")), variable)
        for parameter, (option, variable) in QUERY_OPTIONS.items()
    }
    if args.timeout <= 0 or args.retries < 0 or args.backoff < 0:
        raise UsageError("--timeout must be positive, --retries and --backoff zero or more")
    settings = Settings(
        output=args.output,
        base_url=base_url.rstrip("/"),
        deployment=deployment,
        project_key=values["projectKey"],
        test_exec_key=values["testExecKey"],
        test_plan_key=values["testPlanKey"],
        fix_version=values["fixVersion"],
        test_environments=split_environments(values["testEnvironments"]),
        revision=values["revision"],
        summary=pick(args.summary, "XRAY_SUMMARY"),
        timeout=args.timeout,
        retries=args.retries,
        backoff=args.backoff,
        dry_run=args.dry_run,
    )
    check_settings(settings)
    return settings


def split_environments(value: str | None) -> tuple[str, ...]:
    """Test Environment names from ``a;b`` (Xray's own separator) or ``a,b``."""
    if not value:
        return ()
    return tuple(name.strip() for name in value.replace(",", ";").split(";") if name.strip())


def check_settings(settings: Settings) -> None:
    """Refuse, before anything is read or sent, a combination Xray would refuse with a less clear message."""
    if settings.summary is not None:
        if settings.test_exec_key:
            raise UsageError(
                "--summary creates a new Test Execution; it cannot be combined with --test-exec-key/XRAY_TEST_EXEC_KEY"
            )
        if not settings.project_key:
            raise UsageError("--summary needs the project of the new Test Execution: --project-key or XRAY_PROJECT_KEY")
    elif not (settings.project_key or settings.test_exec_key):
        raise UsageError(
            "Xray needs a project or a Test Execution to import into: pass --project-key (XRAY_PROJECT_KEY) or "
            "--test-exec-key (XRAY_TEST_EXEC_KEY)"
        )


def with_run_defaults(settings: Settings) -> Settings:
    """Fill the test environment and revision from the run itself when neither option nor variable gave them."""
    if not settings.output.is_file():
        raise UsageError(f"output.xml not found: {settings.output}")
    environment, source = run_environment(settings.output)
    if not settings.test_environments and environment:
        settings = replace(settings, test_environments=split_environments(environment))
    if not settings.revision:
        settings = replace(settings, revision=git_commit(source or Path.cwd()))
    return settings


def run_environment(output: Path) -> tuple[str | None, Path | None]:
    """The top suite's ``Environment`` metadata and its source folder, read by Robot Framework itself."""
    try:
        # Keywords are not needed for two suite attributes; skipping them keeps a large merged output fast.
        suite = ExecutionResult(str(output), include_keywords=False).suite
    except DataError as error:
        raise UsageError(f"{output} is not a Robot Framework output: {error}") from None
    environment = suite.metadata.get("Environment") or None
    source = Path(suite.source) if suite.source else None
    if source is not None and not source.is_dir():
        source = source.parent
    return environment, source if source is not None and source.is_dir() else None
