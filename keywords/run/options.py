"""The options of a robot/pabot command line that the run's artefacts depend on, and the Jira links they give.

Robot keeps ``--include``/``--tagstatlink``... to itself; the diagnosis of a pabot run needs them again, so the same
command line is parsed again: pabot's own parser takes pabot's options out, Robot's own parser reads the rest. Every
form robot accepts means the same here (``-icritical``, ``--incl``, ``--include=critical``, argument files,
``ROBOT_OPTIONS``). The Jira links come from ``--tagstatlink`` (``robot.args``): one place for the Jira URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Not pabot's public ``parse_args``: it deletes every ``pabot_temp_*.txt`` in the temporary folder, the argument
# files of any pabot run going on beside this one (pabot 5.2.2). Its option splitter alone has no side effect.
from pabot.arguments import _parse_pabot_args
from robot.model.tagstatistics import TagStatLink
from robot.run import USAGE
from robot.utils.argumentparser import ArgumentParser

from keywords import PROJECT_ROOT

BASE_ARGUMENT_FILE = PROJECT_ROOT / "robot.args"


@dataclass(frozen=True)
class RunOptions:
    """What a run selected and how its report is titled and linked, as robot understood its command line."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()  # --test and --task
    suites: tuple[str, ...] = ()
    tagstatlink: tuple[str, ...] = ()
    tagdoc: tuple[str, ...] = ()
    tagstatcombine: tuple[str, ...] = ()
    name: str | None = None
    reporttitle: str | None = None
    logtitle: str | None = None
    sources: tuple[str, ...] = ()  # the paths the command line names, if any

    def titles(self) -> dict[str, str]:
        """rebot's ``name``/``reporttitle``/``logtitle`` arguments, for those the run set."""
        return {key: value for key in ("name", "reporttitle", "logtitle") if (value := getattr(self, key))}


def run_options(args: Sequence[str]) -> RunOptions:
    """The selection and report options of a robot/pabot command line; a usage error raises Robot's ``DataError``.

    | ``run_options(["-icritical", "--argumentfile", "robot.args"]).include`` | ``("critical",)`` |
    """
    robot_args, _pabot_options = _parse_pabot_args(list(args))
    # Robot's own parser with robot's usage, as robot (and pabot) build it; no source is required here.
    parser = ArgumentParser(USAGE, auto_argumentfile=True, env_options="ROBOT_OPTIONS")
    options, sources = parser.parse_args(robot_args)

    def values(*keys: str) -> tuple[str, ...]:
        return tuple(value for key in keys for value in options.get(key) or ())

    return RunOptions(
        include=values("include"),
        exclude=values("exclude"),
        tests=values("test", "task"),
        suites=values("suite"),
        tagstatlink=values("tagstatlink"),
        tagdoc=values("tagdoc"),
        tagstatcombine=values("tagstatcombine"),
        name=options.get("name"),
        reporttitle=options.get("reporttitle"),
        logtitle=options.get("logtitle"),
        sources=tuple(sources),
    )


class JiraLinks:
    """Links of Jira keys, from ``--tagstatlink pattern:link:title`` options (Robot's own matching)."""

    def __init__(self, tagstatlinks: Sequence[str]) -> None:
        self._links = []
        for value in tagstatlinks:
            tokens = value.split(":")  # split as Robot splits it: the link itself may hold colons (https:)
            if len(tokens) >= 3:
                self._links.append(TagStatLink(tokens[0], ":".join(tokens[1:-1]), tokens[-1]))

    @classmethod
    def of_base_arguments(cls) -> JiraLinks:
        """The links of ``robot.args``, which every documented run uses."""
        return cls(run_options(["--argumentfile", str(BASE_ARGUMENT_FILE)]).tagstatlink)

    def link(self, key: str) -> str | None:
        return next((found[0] for found in (link.get_link(key) for link in self._links) if found), None)
