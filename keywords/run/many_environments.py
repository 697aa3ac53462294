"""``focus-infra environments --environments a,b [--processes N] -- <robot options>``: every suite against
several environments in one go (``./run.sh main --variable ENV:a,b``).

pabot runs the suites once per environment (one argument file each: ``--variable ENV:<env>`` and the tag
``environment:<env>``) in parallel; the merged ``output.xml`` is split by that tag into ``<results>/<env>/``, and each
part gets its own diagnosis, traceability report, JUnit file and history record. The exit code is the worst of the
environments' (1 a failed check, else 4 not run, else 3 not checked, else 0).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from robot import rebot

from keywords.run import report as run_report
from keywords.run.history.store import URL_VARIABLE, history_url
from keywords.run.verdicts import EXIT_INFRASTRUCTURE_FAILED, EXIT_NOT_CHECKED, EXIT_NOT_RUN, EXIT_PASSED

TAG = "environment:{}"
#: The worst first: a broken layer outranks a run that could not look.
SEVERITY = (EXIT_INFRASTRUCTURE_FAILED, EXIT_NOT_RUN, EXIT_NOT_CHECKED, EXIT_PASSED)


def environment_names(text: str) -> list[str]:
    """``a,b`` as ``[a, b]``; every name once, none empty."""
    names = [name.strip() for name in text.split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise ValueError(f"environments must be distinct names separated by commas, got '{text}'")
    return names


def worst(codes: list[int]) -> int:
    return next((code for code in SEVERITY if code in codes), max(codes))


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="focus-infra environments", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--environments", required=True, help="names from the environments file, e.g. staging,new_production"
    )
    parser.add_argument("--processes", type=int, default=0, help="pabot workers (default: two per environment)")
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--source", default="suites")
    arguments = parser.parse_args(argv[:split])
    try:
        names = environment_names(arguments.environments)
    except ValueError as error:
        parser.error(str(error))
    run_args = argv[split + 1 :]
    results: Path = arguments.results
    # One history for all environments, beside their folders (each diagnosis would otherwise keep its own).
    os.environ.setdefault(URL_VARIABLE, history_url(results))
    argument_files = []
    for number, name in enumerate(names, start=1):
        path = results / "environments" / f"{name}.args"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"--variable ENV:{name}\n--settag {TAG.format(name)}\n", encoding="utf-8")
        argument_files += [f"--argumentfile{number}", str(path)]
    processes = arguments.processes or 2 * len(names)
    pabot = [str(Path(sys.executable).parent / "pabot"), "--processes", str(processes), *argument_files]
    # pabot deletes every pabot_temp_*.txt in the temporary folder when it starts, the argument files of any pabot
    # run beside it (pabot 5.2.2): this run gets a temporary folder of its own.
    with tempfile.TemporaryDirectory(prefix="focus-pabot-") as private_tmp:
        command = [*pabot, "--outputdir", str(results), *run_args, arguments.source]
        subprocess.run(command, env={**os.environ, "TMPDIR": private_tmp}, check=False)
    codes = []
    for name in names:
        folder = results / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        output = folder / "output.xml"
        if (results / "output.xml").is_file():
            rebot(str(results / "output.xml"), include=[TAG.format(name)], output=str(output), log="NONE",
                  report="NONE", stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
        print(f"\n=== {name} ===")
        report_args = [str(output), "--environment", name, "--source", arguments.source, "--", *run_args]
        codes.append(run_report.main(report_args))
    print("\n" + "\n".join(f"{name}: exit code {code}" for name, code in zip(names, codes, strict=True)))
    return worst(codes)
